"""Spreadsheets (xlsx, xls, ods) with python-calamine: zip bombs and damaged archives refused
before anything expands; a big sheet's first rows read now, the rest on demand."""

from __future__ import annotations

import html
import io
import itertools
import re
import struct
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


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an .xls (a compound file)

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
# A row the sheet hides: <row r="28" … hidden="1" …> (r from 1).
_HIDDEN_ROW = re.compile(rb'<row\b(?=[^>]*\bhidden="(?:1|true)")[^>]*\br="(\d+)"')


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
) -> tuple[dict[str, list[tuple[int, int]]], dict[str, dict], dict[str, frozenset], dict[str, frozenset]]:
    """In an xlsx, per sheet: the cells of formulas saved without their values
    (`uncomputed_formulas`; in a workbook its writer asks Excel to compute on opening, also
    those saved with the placeholder 0), the cells holding an error ((row, column) → "#REF!"), which
    calamine reads as blank as well, and the columns and the rows (from 0) the sheet hides."""
    out: dict[str, list[tuple[int, int]]] = {}
    errors: dict[str, dict] = {}
    hidden: dict[str, frozenset] = {}
    hidden_rows: dict[str, frozenset] = {}
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
                rows = {int(r) - 1 for r in _HIDDEN_ROW.findall(xml)}
                if rows:
                    hidden_rows[name] = frozenset(rows)
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
        return {}, {}, {}, {}
    return out, errors, hidden, hidden_rows


# BIFF8 records read from an .xls workbook stream (type, length, then the record's bytes).
_BOF, _BOUNDSHEET, _FORMULA, _STRING, _ROW = 0x0809, 0x0085, 0x0006, 0x0207, 0x0208
_ROW_HIDDEN = 0x20  # a ROW record's flag: the row's height is zero
_READ = frozenset({_BOF, _BOUNDSHEET, _FORMULA, _STRING, _ROW})
# A formula's saved result that is no number: its last two bytes 0xFFFF, its first the kind
# (0 a text in the STRING record after it, 1 a boolean, 2 an error, 3 an empty text).
_TEXT_RESULT, _ERROR_RESULT, _EMPTY_RESULT = 0, 2, 3
# The error codes of a formula's result, as Excel shows them.
_XLS_ERRORS = {
    0x00: "#NULL!",
    0x07: "#DIV/0!",
    0x0F: "#VALUE!",
    0x17: "#REF!",
    0x1D: "#NAME?",
    0x24: "#NUM!",
    0x2A: "#N/A",
}


def _xls_formula_cells(
    data: bytes,
) -> tuple[dict[str, list[tuple[int, int]]], dict[str, dict], dict[str, frozenset]]:
    """In an .xls (BIFF8), per sheet: the cells of formulas saved without their values, the
    cells holding an error ((row, column) → "#REF!"), and the rows (from 0) the sheet hides.  A program writing .xls without
    computing (xlwt, which many systems' "Xuất Excel" use) saves each formula's result as an
    empty text, which calamine reads as blank: a "Lũy kế" column of "=D7+E7" was no figures
    at all, and the file was taken with every running total missing, without a word.  A
    formula may rightly give an empty text (=IF(E7="";"";…)), so such results count as
    uncomputed only on a sheet where no formula saved any other result: Excel and LibreOffice
    save each one's value."""
    import olefile  # only for .xls files

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            stream = "Workbook" if ole.exists("Workbook") else "Book"
            book = ole.openstream(stream).read()
    except Exception:  # noqa: BLE001 - a damaged file is refused by calamine, with its reason
        return {}, {}, {}
    names: dict[int, str] = {}
    hidden: dict[str, set] = {}
    empty: dict[str, list[tuple[int, int]]] = {}
    valued: set[str] = set()
    errors: dict[str, dict] = {}
    sheet, pending, pos = None, None, 0
    header = struct.Struct("<HH").unpack_from
    end = len(book)
    while pos + 4 <= end:
        kind, size = header(book, pos)
        if kind not in _READ:
            # Most records are cells of figures and text: stepped over unread (performance:
            # a 60.000-row sheet took 0,3 s when each was cut out).
            pos += 4 + size
            continue
        body = book[pos + 4 : pos + 4 + size]
        if kind == _BOUNDSHEET and len(body) >= 8:
            names[int.from_bytes(body[:4], "little")] = _biff_name(body[6:])
        elif kind == _BOF:
            sheet = names.get(pos)
        elif kind == _ROW and sheet is not None and len(body) >= 14 and body[12] & _ROW_HIDDEN:
            hidden.setdefault(sheet, set()).add(int.from_bytes(body[0:2], "little"))
        elif kind == _FORMULA and sheet is not None and len(body) >= 14:
            cell = (int.from_bytes(body[0:2], "little"), int.from_bytes(body[2:4], "little"))
            result = body[6:14]
            pending = None
            if result[6:8] != b"\xff\xff":
                valued.add(sheet)
            elif result[0] == _EMPTY_RESULT:
                empty.setdefault(sheet, []).append(cell)
            elif result[0] == _ERROR_RESULT:
                errors.setdefault(sheet, {})[cell] = _XLS_ERRORS.get(result[2], "#N/A")
                valued.add(sheet)
            elif result[0] == _TEXT_RESULT:
                pending = cell  # its text follows in a STRING record
            else:
                valued.add(sheet)
        elif kind == _STRING and pending is not None and sheet is not None:
            # An empty text (its length 0) is as good as no result.
            if len(body) >= 2 and int.from_bytes(body[:2], "little") == 0:
                empty.setdefault(sheet, []).append(pending)
            else:
                valued.add(sheet)
            pending = None
        pos += 4 + size
    uncomputed = {name: cells for name, cells in empty.items() if name not in valued}
    return uncomputed, errors, {name: frozenset(rows) for name, rows in hidden.items()}


def _biff_name(body: bytes) -> str:
    """A sheet's name in a BOUNDSHEET record: its length, a flag (1: two bytes a letter), the
    letters."""
    if len(body) < 2:
        return ""
    length, wide = body[0], body[1] & 1
    raw = body[2 : 2 + length * (2 if wide else 1)]
    return raw.decode("utf-16-le" if wide else "latin-1", errors="replace")


def _cell_index(ref: str) -> tuple[int, int]:
    """ "E5" → (4, 4): row and column from 0."""
    letters = ref.rstrip("0123456789")
    column = 0
    for ch in letters:
        column = column * 26 + ord(ch) - 64
    return int(ref[len(letters) :]) - 1, column - 1


def read_spreadsheet(data: bytes, file_name: str, limits: Limits) -> list[Sheet]:
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    uncomputed, errors, hidden_columns, hidden_rows = (
        _formula_cells(data) if data.startswith(b"PK") else ({}, {}, {}, {})
    )
    if data.startswith(_OLE_MAGIC):
        uncomputed, errors, hidden_rows = _xls_formula_cells(data)
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
            sheets[-1].hidden_rows = hidden_rows.get(name, frozenset())
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
