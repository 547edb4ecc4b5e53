"""A sheet's text made Unicode before its layout is read: legacy-font cells (TCVN3,
.VnTimeH, VNI) repaired column by column, decomposed accents composed (NFC), and what was
repaired written into the report."""

from __future__ import annotations

import unicodedata

from cccd_analytics.ingest import headers, legacy_text
from cccd_analytics.ingest import layout as layouts
from cccd_analytics.ingest.readers import Sheet, Workbook
from cccd_analytics.ingest.report import ImportReport
from cccd_analytics.text import LEGACY_FONTS, encoding_name

# Samples of converted text shown in the report come only from these places, never
# from a column that may hold a person's data.
_SAFE_SAMPLE_FIELDS = ("commune", "district", "province", "status")


def note_text_encoding(book: Workbook, report: ImportReport, data_head: bytes) -> None:
    if book.format != "csv":
        return
    base, _, legacy = book.encoding.partition("+")
    label = encoding_name(base)
    repaired = bool(legacy) or base in ("tcvn3", "tcvn3_upper", "vni", "cp1258")
    if legacy == "utf8x2":
        label += f", {encoding_name(legacy)} → Unicode"
    elif legacy:
        label += f", chữ phông {encoding_name(legacy)} → Unicode"
    elif repaired:
        label += " → Unicode"
    if repaired:
        report.encoding_repairs.append(f"tệp văn bản mã {label}")
    if book.csv is not None and book.csv.codec.startswith("utf") and _has_decomposed(book, data_head):
        report.encoding_repairs.append("chữ có dấu viết tổ hợp (NFD) → dựng sẵn (NFC)")
    report.encoding_details.append(
        dict(sheet=None, where="cả tệp", encoding=book.encoding, confidence=None, before=None, after=None)
    )


def _has_decomposed(book: Workbook, head: bytes) -> bool:
    """Whether a Unicode text file spells accents as combining marks (NFD)."""
    import unicodedata

    try:
        text = head.decode(book.csv.codec, errors="ignore")
    except LookupError:
        return False
    return not unicodedata.is_normalized("NFC", text)


def _unique_strings(cells) -> list[str]:
    return list(dict.fromkeys(c for c in cells if isinstance(c, str) and c.strip()))


def _first_strings(rows: list[list], wanted: int) -> tuple[list[str], list[str]]:
    """The distinct non-blank texts of the cells in order, and the non-ASCII ones among
    them, reading only until `wanted` non-ASCII ones are found (then the first list is
    cut short, but not empty)."""
    seen: dict[str, None] = {}
    candidates: list[str] = []
    for row in rows:
        for cell in row:
            if isinstance(cell, str) and cell not in seen and cell.strip():
                seen[cell] = None
                if not cell.isascii():
                    candidates.append(cell)
        if len(candidates) >= wanted:
            break
    return list(seen), candidates


def locate(rows: list[list]) -> layouts.Layout | None:
    """layouts.locate, without its scan of every data row for a footer date ("Kỳ Anh,
    ngày …") when the table has a date column: the footer date dates only a report
    without one (sheet_context.date_for_sheet).  The header is found in the first HEADER_SCAN_ROWS
    rows, so the head alone gives the same layout otherwise (performance: the
    scan folded the text of every row of a 100,000-row sheet)."""
    head = rows[: layouts.HEADER_SCAN_ROWS + 2]
    if len(head) < len(rows):
        found = layouts.locate(head, "")
        if found is not None and found.kind == "canonical":
            return found
    return layouts.locate(rows, "")


def _repair_group(texts: list[str], evidence: list[str], sheet_encoding: str | None):
    """Repair one group of cells (a column, the title block): its own evidence first,
    the sheet's when its own is too thin but points the same way."""
    repaired, detection = legacy_text.repair_texts(texts)
    if detection.encoding != "unicode" and detection.confidence >= legacy_text.DEFAULT_MIN_CONFIDENCE:
        return repaired, detection
    family = (detection.encoding or "").split("_")[0]
    if detection.encoding != "unicode" and sheet_encoding and family == sheet_encoding.split("_")[0]:
        both, combined = legacy_text.repair_texts(texts + evidence)
        if combined.encoding != "unicode" and combined.confidence >= legacy_text.DEFAULT_MIN_CONFIDENCE:
            return both[: len(texts)], legacy_text.Detection(
                combined.encoding,
                combined.confidence,
                detection.sample_before,
                legacy_text.convert(detection.sample_before, combined.encoding),
            )
    return [legacy_text.to_nfc(t) for t in texts], None


def repair_sheet(sheet: Sheet, report: ImportReport) -> layouts.Layout | None:
    """Repair legacy-font text (TCVN3, .VnTimeH, VNI) per column and NFC everything.

    Detection is per group of cells: the rows above the data (letterhead, title,
    header) together, then each column of the table, then the rows below it — a
    column's own words decide, with the whole sheet's verdict as a fallback for a
    column with too few words.  Returns the layout found on the repaired cells.

    Long on purpose: the sheet-wide verdict, the tentative layout and the per-group repairs
    share the distinct texts and the mapping built as they go.
    """
    rows = sheet.rows
    # Performance: detection reads the first 3,000 distinct non-ASCII texts, so
    # the cells are only scanned that far; the full list is made when repairs need it.
    strings, candidates = _first_strings(rows, 3000)
    if not strings:
        return locate(rows)
    if not candidates:
        return locate(rows)
    sheet_det = legacy_text.detect_legacy(candidates[:3000])
    sheet_encoding = (
        sheet_det.encoding
        if (sheet_det.encoding != "unicode" and sheet_det.confidence >= legacy_text.DEFAULT_MIN_CONFIDENCE)
        else None
    )
    if sheet_encoding is None and sheet_det.encoding == "unicode":
        # Text already in NFC (the usual case) stays as it is; otherwise every text cell
        # is normalised, each distinct text once.
        if not all(unicodedata.is_normalized("NFC", c) for row in rows for c in row if isinstance(c, str)):
            nfc: dict[str, str] = {}
            sheet.rows = [
                [
                    (nfc.get(c) or nfc.setdefault(c, legacy_text.to_nfc(c))) if isinstance(c, str) else c
                    for c in row
                ]
                for row in rows
            ]
        return locate(sheet.rows)
    strings = _unique_strings(c for row in rows for c in row)
    candidates = [s for s in strings if not s.isascii()]
    # Tentative: the whole sheet at once, to find the header.
    tentative_map = dict(zip(strings, legacy_text.repair_texts(strings)[0])) if sheet_encoding else {}
    tentative = [[tentative_map.get(c, c) if isinstance(c, str) else c for c in row] for row in rows]
    found = locate(tentative) or locate(rows)
    evidence = candidates[:400]
    top_end = found.first_data_row if found else min(len(rows), layouts.HEADER_SCAN_ROWS)
    mapping: dict[tuple[int, str], str] = {}  # (group, text) → repaired
    field_of = {c.index: f for f, c in found.columns.items()} if found else {}

    def apply(group: int, texts: list[str], where: str, safe: bool) -> None:
        if not texts:
            return
        repaired, detection = _repair_group(texts, evidence, sheet_encoding or sheet_det.encoding)
        for before, after in zip(texts, repaired):
            mapping[(group, before)] = after
        if detection is not None:
            before = detection.sample_before if safe else None
            after = mapping.get((group, before), before) if safe else None
            report.encoding_details.append(
                dict(
                    sheet=sheet.name or None,
                    where=where,
                    encoding=detection.encoding,
                    confidence=detection.confidence,
                    before=before,
                    after=after,
                )
            )
            name = f"trang «{sheet.name}», " if sheet.name else ""
            sample = f" (ví dụ «{before}» → «{after}»)" if safe and before else ""
            report.encoding_repairs.append(
                f"{name}{where}: {'phông ' if detection.encoding in LEGACY_FONTS else ''}"
                f"{encoding_name(detection.encoding)} → Unicode{sample}"
            )

    apply(-1, _unique_strings(c for row in rows[:top_end] for c in row), "phần tiêu đề", True)
    width = max((len(r) for r in rows[top_end:]), default=0)
    record_layout = found is not None and found.kind == "records"
    for c in range(width):
        field_name = field_of.get(c)
        if record_layout and field_name not in headers.RECORD_READ_FIELDS:
            continue  # personal columns of an export are never touched
        texts = _unique_strings(row[c] for row in rows[top_end:] if c < len(row))
        safe = field_name in _SAFE_SAMPLE_FIELDS
        apply(c, texts, f"cột {layouts.column_letter(c)}", safe)
    sheet.rows = [
        [
            (
                mapping.get((-1 if r < top_end else c, cell), legacy_text.to_nfc(cell))
                if isinstance(cell, str)
                else cell
            )
            for c, cell in enumerate(row)
        ]
        for r, row in enumerate(rows)
    ]
    return locate(sheet.rows)
