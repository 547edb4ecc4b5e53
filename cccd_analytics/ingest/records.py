"""Per-record exports: one row per application → per-commune daily counts.

An export from the issuing system has one row per application (Số hồ sơ, Họ và tên,
Ngày sinh, Số CMND/CCCD, Xã/Phường thường trú, Ngày thu nhận, Trạng thái …).  Only
the place (province, district, commune), the day received, the status and the day the
card was handed over are read: a CSV is streamed through pandas with `usecols`, so
the personal columns are tokenised by the parser and never become Python objects;
an xlsx is walked row by row keeping only those cells.  Nothing personal is kept,
logged or put in a message: messages name rows and columns, never a person's data.

The result is a count per (place, day): `collected_day` (applications received that
day) and, when the export says so, `returned_day` (cards handed over that day, by the
"Ngày trả thẻ" column) or `returned_total` (cards whose status says they were handed
over, as of the export's date).  `ingest` turns these into cumulative figures.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache

import pandas as pd

from cccd_analytics.ingest import layout as layouts
from cccd_analytics.ingest import normalise
from cccd_analytics.ingest.layout import Layout
from cccd_analytics.ingest.readers import ArrowFallback, CsvSource, ReadError, Sheet, csv_chunks

# What the chunks add up to is counted apart (record_tally, record_counts); the names
# callers reach as `records.<name>` are re-exported.
from cccd_analytics.ingest.record_counts import (  # noqa: F401
    RESIDENCE_RAW,
    RecordCounts,
    finish,
)
from cccd_analytics.ingest.record_tally import PLACE, Tally  # noqa: F401
from cccd_analytics.ingest.statuses import is_handed_over, is_void, legend_of  # noqa: F401

CHUNK_ROWS = 200_000


#: The columns of an export that are read (place, days, status, parts): `layout.record_fields`.
read_fields = layouts.record_fields


def read_csv(data, source: CsvSource, layout: Layout, width: int, header_texts=None) -> RecordCounts:
    """Stream a CSV export, reading only the place, day and status columns.

    `data` is bytes or a `readers.FileData`.  Plain UTF-8 goes through pyarrow's reader;
    should it meet a line pandas would read differently, the file is read again with
    pandas (`readers.ArrowFallback`), and should a quoted line break fall on a block's
    cut, again with the Arrow reader that allows them."""
    from cccd_analytics.ingest.readers import delimited

    if delimited.parse_pending():
        # The parse begun ahead has not ended: the registry's name index, which the places
        # are resolved with next, is built while it runs rather than after (~15 ms).
        from cccd_analytics import registry

        registry.prepare()
    try:
        return _read_csv(data, source, layout, width, "auto", header_texts)
    except ArrowFallback as exc:
        if exc.multiline:
            try:
                return _read_csv(data, source, layout, width, "arrow-multiline", header_texts)
            except ArrowFallback:
                pass
        return _read_csv(data, source, layout, width, "pandas", header_texts)


def _read_csv(
    data, source: CsvSource, layout: Layout, width: int, engine: str, header_texts=None
) -> RecordCounts:
    fields = read_fields(layout)
    positions = [layout.columns[f].index for f in fields]
    order = sorted(range(len(fields)), key=lambda i: positions[i])
    usecols = sorted(positions)
    tally = Tally(fields, header_texts=header_texts)
    skipped: list[int] = []
    try:
        for start, chunk in csv_chunks(
            data,
            source,
            usecols,
            width,
            CHUNK_ROWS,
            skipped,
            skip=layout.first_data_row,
            engine=engine,
            plain=layouts.record_plain(layout),
            few=layouts.record_few(layout),
        ):
            chunk = chunk[usecols]
            chunk.columns = [fields[i] for i in order]
            data_part = chunk.iloc[max(0, layout.first_data_row - start) :]
            if len(data_part):
                tally.add(data_part, start + (len(chunk) - len(data_part)) + 1)
    except (ValueError, pd.errors.ParserError, UnicodeError) as exc:
        message = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        raise ReadError(f"không đọc hết được tệp CSV ({_vi_parser_error(message)}).") from None
    counts = finish(tally, source.fix, layout)
    counts.skipped_lines = skipped[:50]
    counts.header_rows = (tally.header_rows[0], tally.header_rows[1])
    counts.sum_rows = (tally.sum_rows[0], tally.sum_rows[1])
    return counts


def _vi_parser_error(message: str) -> str:
    found = re.search(r"EOF inside string starting at row (\d+)", message)
    if found:
        return f"dấu ngoặc kép mở ở dòng {int(found.group(1)) + 1} không được đóng; tệp có thể bị cắt ngang"
    return message


def read_sheet(sheet: Sheet, layout: Layout, more: list[tuple[Sheet, int]] = ()) -> RecordCounts:
    """Walk an xlsx/xls/ods export row by row, keeping only the needed cells.

    `more`: the sheets the export goes on in (an .xls sheet holds 65.536 rows at most), each
    with the index of its first row of records, read after `sheet` as if they followed it:
    their rows are numbered on from the last row of the sheet before, and `counts.sheets`
    says where each sheet starts (`sheet_of_row` turns such a number back into the sheet
    and its own row)."""
    fields = read_fields(layout)
    positions = [layout.columns[f].index for f in fields]
    legend, legend_row = _status_legend(sheet, layout) if "status" in fields else ({}, None)
    tally = Tally(fields, legend, layouts.record_header_texts(sheet.rows, layout))
    base = 0  # rows of the sheets before this one
    sheets = []
    received = layout.columns["received_date"].index
    sums: list[int] = []
    signed: list[int] = []
    blank = [""] * len(fields)
    for part, first in [(sheet, layout.first_data_row), *more]:
        sheets.append((base, part.name))
        buffer: list[list[str]] = []
        start = base + first
        height = 0
        below_signature = False
        for index, row in enumerate(part.iter_rows()):
            height = index + 1
            if index < first:
                continue
            dated = _has_day(row, received)
            if not dated and _sum_row(row, received, dated=False):
                # Counted as an empty row (left out), so that the rows keep their numbers.
                sums.append(base + index + 1)
                buffer.append(blank)
            elif not dated and (below_signature or _signature_row(row)):
                # The signature block under the list ("Người lập biểu", the place and date,
                # the signer's name): no application, left out as an empty row.
                below_signature = True
                if any(_cell_text(v).strip() for v in row):
                    signed.append(base + index + 1)
                buffer.append(blank)
            else:
                below_signature = False
                buffer.append([_cell_text(row[p]) if p < len(row) else "" for p in positions])
            if len(buffer) >= CHUNK_ROWS:
                tally.add(pd.DataFrame(buffer, columns=fields, dtype=str), start + 1)
                start += len(buffer)
                buffer = []
        if buffer:  # a chunk never runs on into the next sheet: its rows are consecutive
            tally.add(pd.DataFrame(buffer, columns=fields, dtype=str), start + 1)
        base += height
    counts = finish(tally, None, layout)
    counts.sheets = sheets if more else []
    counts.status_legend, counts.status_legend_row = legend, legend_row
    counts.sum_rows = (len(sums) + tally.sum_rows[0], sorted(sums[:5] + tally.sum_rows[1])[:5])
    counts.signature_rows = (len(signed), signed[:5])
    counts.header_rows = (tally.header_rows[0], tally.header_rows[1])
    return counts


# A row of sums among a unit's records ("Cộng xã Diễn Kim: 18", "Tổng cộng: 300 hồ sơ",
# "Total"): its first text says so, with the diacritics a name never has in that place
# ("Tống", "Công" are a surname and a given name; "Cộng", "Tổng" are not).
_SUM_WORDS = re.compile(r"(?:cộng|tổng|total|subtotal|grand total)(?![^\W\d_])", re.IGNORECASE)
# A day written in a cell ("20/04/2023", "2023-04-20T08:15"): a record's, never a sum's.
_DAY_TEXT = re.compile(r"\d{1,4}\s*[/.\-]\s*\d{1,2}")


def _has_day(row, received: int) -> bool:
    """Whether a row of a sheet holds a day in its received-date cell (a date, a day written
    out, or Excel's serial number of one)."""
    day = row[received] if received < len(row) else None
    if isinstance(day, date) or (isinstance(day, str) and _DAY_TEXT.search(day)):
        return True
    if isinstance(day, str):
        # A day written out ("ngày 17 tháng 4 năm 2023"): never a line of sums or of signing.
        return bool(day.strip()) and _reads_as_day(day)
    return isinstance(day, (int, float)) and not isinstance(day, bool) and _reads_as_day(day)


@lru_cache(maxsize=1 << 16)
def _reads_as_day(value: str | int | float) -> bool:
    """Whether `normalise.parse_date` reads a cell as a day: once per distinct text or number.
    Every row of a list whose days are written out ("ngày 17 tháng 4 năm 2023") was parsed
    again (~5-7 µs a row: seconds for a 1M-row sheet), for the few hundred days it holds."""
    return normalise.parse_date(value).value is not None


# The words of a list's signature block: who drew it up and who signs for the unit, or the
# place and date of signing ("Diễn Châu, ngày 22 tháng 4 năm 2023").
_SIGNATURE = re.compile(
    r"người lập|lập biểu|thủ trưởng|trưởng công an|chỉ huy|lãnh đạo đơn vị|xác nhận của|"
    r"ký,? ghi rõ|ký tên|^\s*(?:kt|tm|tl)\.|ngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}",
    re.IGNORECASE,
)


def _signature_row(row) -> bool:
    """Whether a row of a sheet is the start of its signature block (its words, no day
    received).  Its lines, and the signer's name under them, were records without a day
    received, warned about as such ("3 hồ sơ không ghi ngày thu nhận")."""
    return any(
        isinstance(value, str) and _SIGNATURE.search(unicodedata.normalize("NFC", value)) for value in row
    )


def _sum_row(row, received: int, dated: bool | None = None) -> bool:
    """Whether a row of a sheet is a line of sums, not an application: no day received
    (empty, or a count where the day should be) and its first text a word of sums.  Such a
    line was taken for an application without a day ("Cộng xã Diễn Kim" with its commune
    and no date), or with an unreadable one (its count in the date column), which refused
    an export of a dozen communes as having its date column wrong."""
    if _has_day(row, received) if dated is None else dated:
        return False
    for value in row:
        if isinstance(value, str) and value.strip():
            return _SUM_WORDS.match(unicodedata.normalize("NFC", value.strip())) is not None
    return False


#: How far above the records and under the last one a legend of the status codes is looked for.
LEGEND_ROWS = 30


def _status_legend(sheet: Sheet, layout: Layout) -> tuple[dict[str, str], int | None]:
    """The legend of a status column written in codes ("Ghi chú trạng thái: 1 - Đã tiếp nhận;
    2 - Đã trả thẻ; 3 - Hủy hồ sơ") in the lines above the header or under the records of a
    sheet read whole, and the 1-based row of its first line; ({}, None) when there is none.
    A record's row (a status in its cell) is never read for it."""
    if not sheet.complete or not sheet.rows:
        return {}, None
    status = layout.columns["status"].index
    rows = sheet.rows
    near = {
        *range(min(layout.first_data_row, LEGEND_ROWS)),
        *range(max(len(rows) - LEGEND_ROWS, 0), len(rows)),
    }
    at, lines = [], []
    for r in sorted(near):
        row = rows[r]
        if r >= layout.first_data_row and status < len(row) and _cell_text(row[status]).strip():
            continue
        at.append(r)
        lines.append(" ; ".join(t for t in (_cell_text(v).strip() for v in row) if t))
    legend, first = legend_of(lines)
    return (legend, at[first] + 1) if legend else ({}, None)


def sheet_of_row(sheets: list[tuple[int, str]], row: int) -> tuple[str, int]:
    """The sheet and its own row of a row numbered on across sheets (`RecordCounts.sheets`)."""
    base, name = sheets[0]
    for start, sheet in sheets:
        if row > start:
            base, name = start, sheet
    return name, row - base


def _cell_text(value) -> str:
    if isinstance(value, date):
        return value.isoformat()[:10]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)
