"""PDF reports with a text layer (exported from Word or Excel) with pdfplumber: tables found
by their ruling lines, or, when the table has none, by the alignment of its text; the text
around them kept as lines, so the letterhead, the date line and the signatures are read as
in a spreadsheet (`document.sheets`).  A table that runs over pages is joined, the header
drawn again on each page dropped.

A scanned PDF (pages that are images, no text layer) is refused with a message that says
so: reading it would need OCR, which the tool does not do.
"""

from __future__ import annotations

import io
import re

from cccd_analytics.ingest.readers.document import Block, clean, sheets
from cccd_analytics.ingest.readers.workbook import Limits, ReadError, Sheet, short_reason

MAX_PAGES = 500
# Ruling lines first; text alignment (`_aligned_table`) for a table drawn without them.
_LINES = {"vertical_strategy": "lines", "horizontal_strategy": "lines", "intersection_tolerance": 4}
_PAGE_NUMBER = re.compile(r"^[-–—\s]*(?:trang\s*)?\d{1,4}(?:\s*/\s*\d{1,4})?[-–—\s]*$", re.IGNORECASE)


def read_pdf(data: bytes, file_name: str, limits: Limits) -> list[Sheet]:
    try:
        import pdfplumber

        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:  # pdfminer raises many kinds for a damaged file  # noqa: BLE001
        raise ReadError(f"Tệp PDF «{file_name}» bị hỏng hoặc không mở được ({short_reason(exc)}).") from None
    with pdf:
        if len(pdf.pages) > MAX_PAGES:
            raise ReadError(f"Tệp PDF «{file_name}» có {len(pdf.pages)} trang (tối đa {MAX_PAGES}).")
        blocks: list[Block] = []
        has_text = False
        tables = 0
        try:
            for number, page in enumerate(pdf.pages, start=1):
                if page.chars:
                    has_text = True
                page_blocks, tables = _page_blocks(page, number, tables)
                blocks.extend(page_blocks)
                page.flush_cache()
        except ReadError:
            raise
        except Exception as exc:  # noqa: BLE001 - a damaged page: refused, never a traceback
            raise ReadError(f"Tệp PDF «{file_name}»: không đọc được ({short_reason(exc)}).") from None
    if not has_text:
        raise ReadError(
            f"Tệp «{file_name}» là PDF quét (ảnh), không có lớp chữ nên không đọc được số liệu "
            "(hệ thống không nhận dạng chữ từ ảnh). Hãy gửi tệp Word/Excel gốc, hoặc PDF xuất "
            "trực tiếp từ Word/Excel."
        )
    return sheets(blocks)


class _Found:
    """A table found on a page: its box and its rows of cell texts."""

    def __init__(self, bbox, rows):
        self.bbox, self.rows = bbox, rows


def _page_blocks(page, number: int, tables: int) -> tuple[list[Block], int]:
    words = page.extract_words(keep_blank_chars=False, use_text_flow=False)
    found = [
        _Found(t.bbox, [[clean(c or "") for c in row] for row in t.extract()])
        for t in page.find_tables(_LINES)
        if _size_ok(t)
    ]
    if not found:
        aligned = _aligned_table(words)
        found = [aligned] if aligned else []
    found.sort(key=lambda t: t.bbox[1])
    boxes = [t.bbox for t in found]
    # Text outside the tables, line by line, with where it sits on the page.
    lines = _lines([w for w in words if not _inside(w, boxes)])
    out: list[Block] = []
    first_on_page = True
    for table in found:
        above = [line for line in lines if line[0] < table.bbox[1]]
        lines = [line for line in lines if line[0] >= table.bbox[1]]
        text = [cells for _, cells in above if not _PAGE_NUMBER.match(" ".join(cells))]
        for cells in text:
            out.append(Block([cells], is_table=False, page=number))
        tables += 1
        joined = first_on_page and not text
        out.append(Block(table.rows, is_table=True, page=number, number=tables, joined_to_previous=joined))
        first_on_page = False
        lines = [line for line in lines if line[0] > table.bbox[3]]
    for _, cells in lines:
        if not _PAGE_NUMBER.match(" ".join(cells)):
            out.append(Block([cells], is_table=False, page=number))
    return out, tables


_NUMBER = re.compile(r"^[\d.,]+$|^\(\d+\)$")
_CELL_GAP = 7.0  # points between two words of different cells (a space is ~2–3 pt)
_HEADER_LINES = 4


def _segments(line: list[dict]) -> list[dict]:
    """A line's words grouped into cells by the gaps between them."""
    out: list[dict] = []
    for word in sorted(line, key=lambda w: w["x0"]):
        if out and word["x0"] - out[-1]["x1"] <= _CELL_GAP:
            last = out[-1]
            last["text"] += " " + word["text"]
            last["x1"], last["bottom"] = word["x1"], max(last["bottom"], word["bottom"])
        else:
            out.append(
                dict(text=word["text"], x0=word["x0"], x1=word["x1"], top=word["top"], bottom=word["bottom"])
            )
    return out


def _aligned_table(words: list[dict]) -> _Found | None:
    """A table drawn without ruling lines, by the alignment of its text.

    The lines with figures in two cells or more are the table's body; its columns are the
    x-ranges their cells cover (overlapping ranges of different lines are one column:
    names start at one left edge, figures end at one right edge).  The lines just above
    the first such line, within the columns' width, are the header (a header cell written
    on two lines is joined); the body runs while lines keep to the columns."""
    lines: list[list[dict]] = []
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if lines and abs(lines[-1][0]["top"] - word["top"]) <= 2.5:
            lines[-1].append(word)
        else:
            lines.append([word])
    segs = [_segments(line) for line in lines]
    body = [
        i for i, s in enumerate(segs) if len(s) >= 3 and sum(1 for c in s if _NUMBER.match(c["text"])) >= 2
    ]
    if len(body) < 2:
        return None
    first, last = body[0], body[-1]
    # Body lines are consecutive: a long gap of other lines ends the table.
    for k in range(1, len(body)):
        if body[k] - body[k - 1] > 3:
            last = body[k - 1]
            break
    body = [i for i in body if i <= last]
    spans = sorted([cell["x0"], cell["x1"]] for i in body for cell in segs[i])
    columns: list[list[float]] = []
    for x0, x1 in spans:
        if columns and x0 <= columns[-1][1]:
            columns[-1][1] = max(columns[-1][1], x1)
        else:
            columns.append([x0, x1])
    if len(columns) < 3:
        return None
    left, right = columns[0][0], columns[-1][1]

    def column_of(cell) -> int:
        """The column a cell overlaps most; one between columns (a header centred over
        right-aligned figures), the nearest."""
        overlaps = [min(x1, cell["x1"]) - max(x0, cell["x0"]) for x0, x1 in columns]
        best = max(range(len(columns)), key=overlaps.__getitem__)
        if overlaps[best] > 0:
            return best
        middle = (cell["x0"] + cell["x1"]) / 2
        return min(range(len(columns)), key=lambda c: max(columns[c][0] - middle, middle - columns[c][1]))

    def fits(i) -> bool:
        return all(c["x0"] >= left - 30 and c["x1"] <= right + 30 for c in segs[i])

    def header_like(i) -> bool:
        # Short cells over the table's width, close above the first row of figures (a
        # header cell may wrap onto lines of its own: "Ghi" / "chú"); a sentence is wide.
        cells = segs[i]
        return (
            all(c["x0"] >= left - 30 and c["x1"] - c["x0"] <= 160 for c in cells)
            and segs[first][0]["top"] - cells[0]["top"] <= 60
        )

    start = first
    while start - 1 >= 0 and first - (start - 1) <= _HEADER_LINES and header_like(start - 1):
        start -= 1
    # Header words go one by one to the column under them (header cells sit close
    # together); a header word beyond the body's columns is a column of its own ("Ghi chú").
    # Header cells go to the column under them; one beyond the body's columns is a column
    # of its own ("Ghi chú", empty in every row).
    header_cells = sorted(
        (c for i in range(start, first) for c in segs[i]), key=lambda c: (c["top"], c["x0"])
    )
    for cell in header_cells:
        if cell["x0"] > right + 4:
            columns.append([cell["x0"], cell["x1"]])
            right = cell["x1"]
    header = [""] * len(columns)
    for cell in header_cells:
        c = column_of(cell)
        header[c] = f"{header[c]} {cell['text']}".strip()
    rows = [header] if start < first else []
    for i in range(first, last + 1):
        row = [""] * len(columns)
        for cell in segs[i]:
            c = column_of(cell)
            row[c] = f"{row[c]} {cell['text']}".strip()
        rows.append(row)
    top = min(c["top"] for c in segs[start])
    bottom = max(c["bottom"] for c in segs[last])
    return _Found((left - 1, top - 1, right + 1, bottom + 1), [[clean(c) for c in r] for r in rows])


def _size_ok(table) -> bool:
    rows = table.rows
    return len(rows) >= 2 and max((len(r.cells) for r in rows), default=0) >= 3


def _inside(word: dict, boxes) -> bool:
    x = (word["x0"] + word["x1"]) / 2
    y = (word["top"] + word["bottom"]) / 2
    return any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)


def _lines(words: list[dict]) -> list[tuple[float, list[str]]]:
    """Words grouped into lines by their height on the page, left to right; a wide gap
    between words (two blocks side by side, as the letterhead's two halves) splits cells
    with a tab so the line keeps both."""
    rows: list[list[dict]] = []
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if rows and abs(rows[-1][0]["top"] - word["top"]) <= 2.5:
            rows[-1].append(word)
        else:
            rows.append([word])
    out = []
    for row in rows:
        row.sort(key=lambda w: w["x0"])
        parts, previous = [], None
        for word in row:
            if previous is not None and word["x0"] - previous["x1"] > 40:
                parts.append("\t")
            elif previous is not None:
                parts.append(" ")
            parts.append(word["text"])
            previous = word
        out.append((row[0]["top"], [clean(c) for c in "".join(parts).split("\t")]))
    return out
