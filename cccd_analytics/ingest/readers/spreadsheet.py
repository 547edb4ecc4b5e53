"""Spreadsheets (xlsx, xls, ods) with python-calamine: zip bombs and damaged archives refused
before anything expands; a big sheet's first rows read now, the rest on demand."""

from __future__ import annotations

import html
import io
import itertools
import re
import time
import zipfile
import zlib
from collections.abc import Iterator

from cccd_analytics.ingest.readers.workbook import Limits, ReadError, Sheet, short_reason
from cccd_analytics.text import thousands


def check_zip(data: bytes, file_name: str, limits: Limits) -> None:
    """Refuse zip bombs and damaged archives before calamine expands anything.

    The sizes an archive declares can lie, so every member is also inflated in
    small pieces (nothing kept) and counted against the limit as it goes.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise ReadError(f"Tệp «{file_name}» bị hỏng hoặc không trọn vẹn ({short_reason(exc)}).") from None
    infos = archive.infolist()
    if len(infos) > limits.max_entries:
        raise ReadError(
            f"Tệp «{file_name}» có {len(infos)} phần nén bên trong (bất thường, có thể là «bom nén»)."
        )
    declared = 0
    for info in infos:
        declared += info.file_size
        if (
            info.compress_size
            and info.file_size / max(info.compress_size, 1) > limits.max_ratio
            and info.file_size > 10 * 1024 * 1024
        ):
            raise ReadError(
                f"Tệp «{file_name}» có nội dung nén bất thường, có thể là "
                f"«bom nén» ({info.filename} giãn nở {info.file_size // info.compress_size} lần)."
            )
    if declared > limits.max_unzipped:
        raise ReadError(
            f"Tệp «{file_name}» khi giải nén vượt {limits.max_unzipped // 2**20} MiB (có thể là «bom nén»)."
        )
    started, total = time.monotonic(), 0
    for info in infos:
        try:
            with archive.open(info) as member:
                while True:
                    piece = member.read(1 << 20)
                    if not piece:
                        break
                    total += len(piece)
                    if total > limits.max_unzipped:
                        raise ReadError(
                            f"Tệp «{file_name}» khi giải nén vượt "
                            f"{limits.max_unzipped // 2**20} MiB (có thể là «bom nén»)."
                        )
                    if time.monotonic() - started > limits.max_seconds:
                        raise ReadError(f"Tệp «{file_name}» giải nén quá lâu (có thể là «bom nén»).")
        except ReadError:
            raise
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError) as exc:
            raise ReadError(
                f"Tệp «{file_name}» bị hỏng (phần {info.filename} không đọc được: {short_reason(exc)})."
            ) from None


def check_xls(data: bytes, file_name: str) -> None:
    """Parse a damaged .xls with xlrd first: calamine's BIFF reader can panic on one
    (refused all the same, but the panic prints to stderr)."""
    import xlrd  # only for .xls files

    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True, logfile=io.StringIO())
        for index in range(book.nsheets):
            book.sheet_by_index(index)
            book.unload_sheet(index)
    except Exception as exc:  # xlrd raises many kinds for damaged files  # noqa: BLE001
        raise ReadError(
            f"Tệp «{file_name}» bị hỏng hoặc không trọn vẹn ({short_reason(exc)}); hãy xuất lại hoặc gửi lại tệp."
        ) from None


# A formula cell saved without its value: `<f>…</f>` then no `<v>` or an empty one (Excel
# and LibreOffice always save the value; a script writing a workbook need not).
_UNCOMPUTED = re.compile(
    rb'<c r="([A-Z]+\d+)"[^>]*>\s*<f\b[^>]*?(?:/>|>[^<]*</f>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>'
)
# A formula cell whose saved value is 0 (`<v>0</v>`).  XlsxWriter, and other writers that
# compute nothing, save every formula so and set `fullCalcOnLoad` for Excel to compute them
# on opening: in such a workbook that 0 is a placeholder, not the formula's result.
_ZERO_FORMULA = re.compile(rb'<c r="([A-Z]+\d+)"[^>]*>\s*<f\b[^>]*?(?:/>|>[^<]*</f>)\s*<v>0</v>\s*</c>')
# A formula saved with another value: its writer computed the sheet's formulas (XlsxWriter
# sets `fullCalcOnLoad` whether or not the program gave it each formula's result), and a 0
# there is a result.
_VALUED_FORMULA = re.compile(rb"<f\b[^>]*?(?:/>|>[^<]*</f>)\s*<v>(?!0</v>)[^<]+</v>")
_CALCULATE_ON_LOAD = re.compile(rb'<calcPr\b[^>]*\bfullCalcOnLoad="(?:1|true)"')
# A cell holding an error ("#REF!" where a formula lost the cell it pointed at): `t="e"`.
_ERROR = re.compile(
    rb'<c r="([A-Z]+\d+)"[^>]*\bt="e"[^>]*>(?:\s*<f\b[^>]*?(?:/>|>[^<]*</f>))?\s*<v>([^<]*)</v>'
)
_ELEMENT = re.compile(rb"<(sheet|Relationship)\b([^>]*)/?>")
# A column the sheet hides: <col min="4" max="4" hidden="1" …/> (min and max from 1).
_HIDDEN_COLUMN = re.compile(rb"<col\b(?=[^>]*\bhidden=\"(?:1|true)\")[^>]*>")
_ATTRIBUTE = re.compile(rb'([\w:]+)="([^"]*)"')


def _elements(xml: bytes, tag: bytes) -> list[dict[bytes, bytes]]:
    """The attributes of each `tag` element, whatever their order."""
    return [dict(_ATTRIBUTE.findall(attrs)) for name, attrs in _ELEMENT.findall(xml) if name == tag]


def uncomputed_formulas(data: bytes) -> dict[str, list[tuple[int, int]]]:
    """In an xlsx: per sheet, the cells (row, column, from 0) holding a formula saved
    without its value.  calamine reads such a cell as blank, so a column of them ("Lũy kế"
    = C5+D5) would silently be no figures at all; the stage that knows which columns it
    reads refuses them there (`extract`)."""
    return _formula_cells(data)[0]


def _formula_cells(
    data: bytes,
) -> tuple[dict[str, list[tuple[int, int]]], dict[str, dict], dict[str, frozenset]]:
    """In an xlsx, per sheet: the cells of formulas saved without their values
    (`uncomputed_formulas`; in a workbook its writer asks Excel to compute on opening, also
    those saved with the placeholder 0), the cells holding an error ((row, column) → "#REF!"), which
    calamine reads as blank as well, and the columns (from 0) the sheet hides."""
    out: dict[str, list[tuple[int, int]]] = {}
    errors: dict[str, dict] = {}
    hidden: dict[str, frozenset] = {}
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        targets = {
            r.get(b"Id"): r.get(b"Target", b"")
            for r in _elements(archive.read("xl/_rels/workbook.xml.rels"), b"Relationship")
        }
        workbook = archive.read("xl/workbook.xml")
        placeholders = bool(_CALCULATE_ON_LOAD.search(workbook))
        for sheet in _elements(workbook, b"sheet"):
            target = targets.get(sheet.get(b"r:id"), b"").decode("utf-8").lstrip("/").removeprefix("xl/")
            if not target:
                continue
            xml = archive.read("xl/" + target)
            name = html.unescape(sheet.get(b"name", b"").decode("utf-8"))
            if b"hidden=" in xml:
                spans = [dict(_ATTRIBUTE.findall(col)) for col in _HIDDEN_COLUMN.findall(xml)]
                columns = {
                    c
                    for span in spans
                    if span.get(b"min", b"").isdigit() and span.get(b"max", b"").isdigit()
                    for c in range(int(span[b"min"]) - 1, min(int(span[b"max"]), 16384))
                }
                if columns:
                    hidden[name] = frozenset(columns)
            if b't="e"' in xml:
                found = {_cell_index(ref.decode()): value.decode() for ref, value in _ERROR.findall(xml)}
                if found:
                    errors[name] = found
            if b"<f" not in xml:  # most sheets: no formula at all
                continue
            cells = [_cell_index(ref.decode()) for ref in _UNCOMPUTED.findall(xml)]
            if placeholders and not _VALUED_FORMULA.search(xml):
                cells += [_cell_index(ref.decode()) for ref in _ZERO_FORMULA.findall(xml)]
            if cells:
                out[name] = cells
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, UnicodeDecodeError):
        return {}, {}, {}
    return out, errors, hidden


def _cell_index(ref: str) -> tuple[int, int]:
    """ "E5" → (4, 4): row and column from 0."""
    letters = ref.rstrip("0123456789")
    column = 0
    for ch in letters:
        column = column * 26 + ord(ch) - 64
    return int(ref[len(letters) :]) - 1, column - 1


def read_spreadsheet(data: bytes, file_name: str, limits: Limits) -> list[Sheet]:
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    uncomputed, errors, hidden_columns = _formula_cells(data) if data.startswith(b"PK") else ({}, {}, {})
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except BaseException as exc:  # calamine raises several exception types for bad files
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        raise ReadError(
            f"Tệp «{file_name}» bị hỏng hoặc không trọn vẹn ({short_reason(exc)}); hãy xuất lại hoặc gửi lại tệp."
        ) from None
    sheets, cells = [], 0
    try:
        hidden = {m.name for m in book.sheets_metadata if m.visible != SheetVisibleEnum.Visible}
    except Exception:  # noqa: BLE001 - visibility is a nicety; a book without it is read whole
        hidden = set()
    for name in book.sheet_names:
        try:
            sheet = book.get_sheet_by_name(name)
            size = (sheet.height or 0) * (sheet.width or 0)
            cells += size
            if cells > limits.max_cells:
                raise ReadError(f"Tệp «{file_name}» có quá nhiều ô (hơn {thousands(limits.max_cells)}).")
            if size <= limits.eager_cells:
                rows = sheet.to_python(skip_empty_area=False)
                # calamine gives lists already; copy only what is not one (performance).
                rows = (
                    rows
                    if isinstance(rows, list) and all(type(r) is list for r in rows)
                    else [list(r) for r in rows]
                )
                _blank_placeholders(rows, uncomputed.get(name, ()))
                sheets.append(Sheet(name, rows, height=len(rows)))
                sheets[-1].merged = list(getattr(sheet, "merged_cell_ranges", None) or [])
            else:
                sheets.append(_lazy_sheet(sheet, name, limits))
            sheets[-1].hidden = name in hidden
            sheets[-1].uncomputed = frozenset(uncomputed.get(name, ()))
            sheets[-1].errors = errors.get(name, {})
            sheets[-1].hidden_columns = hidden_columns.get(name, frozenset())
        except ReadError:
            raise
        except BaseException as exc:
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            raise ReadError(
                f"Tệp «{file_name}», trang «{name}»: không đọc được ({short_reason(exc)})."
            ) from None
    return sheets


def _blank_placeholders(rows: list[list], cells) -> None:
    """A formula's placeholder 0 read as blank, as calamine reads a formula saved without
    any value: a column of them is then refused where the table reads it, or left out
    where nothing reads it, never stored as 0 (every running total 0, without a word)."""
    for r, c in cells:
        if r < len(rows) and c < len(rows[r]) and rows[r][c] == 0:
            rows[r][c] = ""


def _lazy_sheet(sheet, name: str, limits: Limits) -> Sheet:
    """A big sheet: its first rows now, the rest on demand (padded like to_python)."""
    pad = [""] * (sheet.start[1] if sheet.start else 0)

    def rows() -> Iterator[list]:
        for row in sheet.iter_rows():
            yield pad + list(row)

    head = list(itertools.islice(rows(), limits.head_rows))
    return Sheet(name, head, complete=False, height=(sheet.end[0] + 1) if sheet.end else None, _more=rows)
