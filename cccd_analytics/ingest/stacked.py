"""Tables one under another on one sheet: the Word report of two tables typed into Excel
("1. Kết quả thu nhận hồ sơ" over "2. Kết quả trả thẻ"), or a sheet that gathers several
days, each table under its own "Số liệu tính đến … ngày …" line.

The whole sheet was read as one table: the rows of the table below were read under the
header of the first, so the cards handed over of a second table were lost without a word,
and a second day's figures were dated as the first's (and then refused as conflicting
with it).  `split` cuts such a sheet into one sheet per table, each with the rows of the
sheet as they are numbered in the file (messages name the real row):

- a table of collected figures is read as a report of its own, dated by the date line
  above it, else by the sheet's;
- a table of cards handed over only is read beside the collected table above it, as the
  second table of a Word report is (`layout.locate_companion`).

When the tables are of different days, each table's date line dates it, over a date the
user gave (as a sheet-per-day workbook's sheet names do).  Tables of the same figures and
the same day stay one table in parts, as they were read before (a district's heading and
header over each district's communes, a total row at the end summing them all); a header
repeated inside a table (a copy of it on each printed page) starts no table either: a
second table starts after a total row, a title line or a date line.
"""

from __future__ import annotations

import dataclasses
import re

from cccd_analytics.ingest import layout as layouts
from cccd_analytics.ingest import normalise
from cccd_analytics.ingest.readers import Sheet, Workbook
from cccd_analytics.ingest.readers.workbook import DOCUMENT_FORMATS
from cccd_analytics.ingest.report import ImportReport
from cccd_analytics.ingest.sheet_context import date_line_source

# What a header of a table of figures names besides the unit.
_FIGURES = {"collected", "collected_day", "returned"}
_FIGURE_TEXT = re.compile(r"\s*[-+]?\d[\d.,\s]*%?\s*$")


def split(prepared: list[tuple], book: Workbook, report: ImportReport) -> list[tuple]:
    """`prepared` (sheet, layout, header rows) with each sheet that holds several tables
    replaced by one entry per table."""
    if book.format in DOCUMENT_FORMATS or book.format == "csv":
        return prepared  # a document's tables are apart already; a CSV is one table
    out: list[tuple] = []
    for sheet, found, header_rows in prepared:
        if found is None or found.kind != "report" or found.companion or not sheet.complete:
            out.append((sheet, found, header_rows))
            continue
        beside = _side_by_side(sheet, found, book.file_name)
        if beside is not None:
            report.side_by_side_tables.append(dict(sheet=sheet.name, columns=[b[2] for b in beside]))
            for block, table, _ in beside:
                if table.companion:
                    out.append((block, table, table.header_rows))
                else:
                    out.extend(
                        (b, f, f.header_rows) for b, f in _blocks(block, table, book.file_name, report)
                    )
            continue
        blocks = _blocks(sheet, found, book.file_name, report)
        if len(blocks) > 1:
            _date_blocks(blocks)
            report.stacked_tables.append(
                dict(sheet=sheet.name, header_rows=[f.header_rows[0] + 1 for _, f in blocks])
            )
        out.extend((block, f, f.header_rows) for block, f in blocks)
    return out


def _blocks(
    sheet: Sheet, found: layouts.Layout, file_name: str, report: ImportReport
) -> list[tuple[Sheet, layouts.Layout]]:
    """The tables of a sheet, each with a sheet of its own rows (all others blank)."""
    rows, current = sheet.rows, found
    blocks: list[tuple[Sheet, layouts.Layout]] = []
    while True:
        below = _next_table(rows, current, file_name, _collects(found), sheet.name or None, report)
        if below is None:
            if not blocks:
                return [(sheet, found)]
            blocks.append((dataclasses.replace(sheet, rows=rows, height=len(rows)), current))
            return blocks
        cut, header_top, table = below
        blocks.append((dataclasses.replace(sheet, rows=rows[:cut], height=cut), current))
        rows, current = _rows_for(rows, current, cut, header_top), table


def _side_by_side(sheet: Sheet, found: layouts.Layout, file_name: str):
    """Two tables side by side on one sheet ("STT | Xã | Lũy kế" and, after a gap, "STT |
    Xã | Số thẻ đã trả", or one district's communes left and another's right): [(sheet,
    layout, first column letter)] of each, or None.  Each block keeps the sheet's rows and
    columns as numbered in the file, the other's cells blank from the header down (the title
    and date lines above stay whole).  Read as one table, the right block's figures were
    paired with the left block's communes row by row, and its own communes never read.  A
    block that is a table of its own or of cards handed over only; else nothing is split."""
    if "commune" not in found.columns:
        return None
    top = found.header_rows[0]
    name_at = found.columns["commune"].index
    cut = None
    for r in found.header_rows:
        row = sheet.rows[r]
        cut = next((c for c in range(name_at + 2, len(row)) if _field_of(row[c]) == "commune"), None)
        if cut is not None:
            break
    if cut is None:
        return None
    while cut - 1 > name_at and _field_of(sheet.rows[found.header_rows[-1]][cut - 1]) == "row_number":
        cut -= 1
    left = _columns(sheet, top, 0, cut, cut)
    right = _columns(sheet, top, cut, None, cut)
    left_table = layouts.locate(left.rows, file_name)
    right_table = layouts.locate(right.rows, file_name) or layouts.locate_companion(right.rows, file_name)
    if left_table is None or right_table is None or not _collects(left_table):
        return None
    if "commune" not in right_table.columns or right_table.columns["commune"].index < cut:
        return None
    letter = layouts.column_letter
    return [(left, left_table, letter(0)), (right, right_table, letter(cut))]


def _columns(sheet: Sheet, top: int, first: int, end: int | None, cut: int) -> Sheet:
    """The sheet with only columns first..end of its rows from `top` down (the others blank).
    Above `top`, the lines just over the header that say something on both sides of `cut`
    are headings of each table ("I. THU NHẬN HỒ SƠ" | "II. TRẢ THẺ", "HUYỆN QUỲ CHÂU" |
    "HUYỆN QUỲ HỢP"), split too; the title and date lines above them stay whole."""
    headings = top
    while headings > 0 and layouts.texts_in(sheet.rows[headings - 1]):
        headings -= 1
    rows = []
    for r, row in enumerate(sheet.rows):
        both = r >= headings and _says(row[:cut]) and _says(row[cut:])
        if r < top and not both:
            rows.append(row)
            continue
        stop = len(row) if end is None else min(end, len(row))
        rows.append([None] * first + list(row[first:stop]) if first < len(row) else [])
    return dataclasses.replace(sheet, rows=rows, height=len(rows))


def _says(cells: list) -> bool:
    return any(normalise.text(c) for c in cells)


def _field_of(cell) -> str | None:
    from cccd_analytics.ingest import headers

    text = normalise.text(cell)
    return headers.match(text) if text else None


def _collects(found: layouts.Layout) -> bool:
    return bool(set(found.columns) & {"collected", "collected_day"})


def _rows_for(rows: list[list], above: layouts.Layout, cut: int, header_top: int) -> list[list]:
    """The sheet's rows for the table whose title lines start at row `cut` and whose header
    at `header_top`: the letterhead of the table `above`, the rows from `cut` on, blank rows
    between.  A line of the letterhead that gives a date, or names a district, is left out
    when the table's own title lines do."""
    own = [layouts.line_of(rows[i]) for i in range(cut, header_top)]
    own_date = any(normalise.find_report_date(line) for line in own if line)
    own_district = any(layouts.names_a_district(line) for line in own if line)
    top = []
    for row in rows[: above.header_rows[0]]:
        line = layouts.line_of(row)
        said_again = line and (
            (own_date and normalise.find_report_date(line))
            or (own_district and layouts.names_a_district(line) and not layouts.is_authority(row))
        )
        top.append([] if said_again else row)
    return top + [[] for _ in range(above.header_rows[0], cut)] + rows[cut:]


def _next_table(
    rows: list[list],
    current: layouts.Layout,
    file_name: str,
    has_collected: bool,
    sheet_name: str | None,
    report: ImportReport,
) -> tuple[int, int, layouts.Layout] | None:
    """(first row of its title lines, first row of its header, layout) of the table that
    starts below `current`'s data, or None."""
    for r in range(current.first_data_row + 1, len(rows)):
        row = rows[r]
        if _has_number(row) or layouts.texts_in(row) < 2:
            continue
        fields = layouts.header_fields(rows, r)
        if "commune" not in fields or not set(fields) & _FIGURES:
            continue
        header_top = r
        while header_top - 1 > current.first_data_row and _parent_of(rows, header_top - 1):
            header_top -= 1
        cut = header_top
        while cut - 1 > current.first_data_row and not _has_number(rows[cut - 1]):
            cut -= 1
        titled = any(layouts.line_of(rows[i]) for i in range(cut, header_top))
        after_total = layouts.classify(rows[cut - 1], current).kind == "total"
        if not (titled or after_total):
            continue  # the header again, as on each printed page: the same table goes on
        sub = _rows_for(rows, current, cut, header_top)
        table = layouts.locate(sub, file_name, start=cut)
        if table is None or not _collects(table):
            table = layouts.locate_companion(sub, file_name, start=cut) if has_collected else None
        if table is None or table.header_rows[0] < cut:
            continue
        if table.companion or (table.report_date and table.report_date != current.report_date):
            return cut, header_top, table
        # The same figures of the same day: one table in parts (a district's heading and its
        # header over each district's communes), read as one, as before, so that a total row
        # at its end is checked against all of them.  Remembered: a commune given in two of
        # them is told that each table may need a date line of its own (month blocks).
        report.same_day_tables.append((sheet_name, header_top + 1))
    return None


def _parent_of(rows: list[list], r: int) -> bool:
    """Row r is the upper row of a two-row header (text only, merged over the row below)."""
    return not _has_number(rows[r]) and layouts.texts_in(rows[r]) >= 2


def _has_number(row: list) -> bool:
    """Some cell of the row is a figure (a number, or a text of digits as some programs save
    them): a data or total row, no header or title."""
    for c in row:
        if isinstance(c, (int, float)) and not isinstance(c, bool):
            return True
        if isinstance(c, str) and _FIGURE_TEXT.match(c):
            return True
    return False


def _date_blocks(blocks: list[tuple[Sheet, layouts.Layout]]) -> None:
    """Tables of different days: each is dated by its own date line."""
    days = {f.report_date for _, f in blocks if f.report_date is not None}
    if len(days) < 2:
        return
    for _, found in blocks:
        if found.report_date is None:
            continue
        found.data_date, found.data_date_origin = found.report_date, "table_date_line"
        found.data_date_source = date_line_source(found)
