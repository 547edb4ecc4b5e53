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
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from cccd_analytics import headers, legacy_text, normalise
from cccd_analytics.layout import Layout
from cccd_analytics.readers import CsvSource, ReadError, Sheet, csv_chunks
from cccd_analytics.registry import fold

CHUNK_ROWS = 200_000
PLACE = ("province", "district", "commune")
# The time after a day ("15/03/2021 08:12"): a plain pattern, so pandas hands it to
# pyarrow's regex engine instead of calling Python per value.
_TIME = r"[ T]\d{1,2}[:hg]\d{2}.*$"

# Statuses that say the card reached the citizen (folded).  "Chờ trả thẻ", "Chưa trả"
# are not.
_RETURNED = ("da tra", "tra the cho cong dan", "tra the", "da giao the", "da nhan the",
             "cong dan da nhan", "hoan thanh tra", "da trao", "tra ket qua", "returned", "delivered")


def is_handed_over(status: str) -> bool:
    """Whether a status label says the card was handed over ("Đã trả thẻ", "Đã trả",
    "Trả thẻ cho công dân" …); "Chờ trả thẻ", "Chưa trả", "Không trả được" say not."""
    folded = " ".join(re.sub(r"[^a-z0-9]+", " ", fold(status or "")).split())
    words = folded.split()
    if not words or words[0] in ("chua", "cho", "khong", "dang") or \
            any(w in words for w in ("chua", "khong", "huy")) or "tu choi" in folded:
        return False
    return any(w in folded for w in _RETURNED)


@dataclass
class RecordCounts:
    """What an export adds up to.  Nothing personal: places, days and counts only."""

    daily: pd.DataFrame            # province, district, commune, date, collected_day, returned_day, row
    returned_total: pd.DataFrame   # province, district, commune, returned, row (status only)
    rows: int = 0                  # application rows counted
    first_row: int = 0             # 1-based row of the first record
    no_place: tuple[int, list[int]] = (0, [])       # rows without a commune (count, first rows)
    no_date: tuple[int, list[int]] = (0, [])        # rows without a readable day received
    bad_dates: list[tuple[int, int]] = field(default_factory=list)  # (rows, first row) unreadable
    ambiguous_dates: str | None = None
    statuses_returned: dict[str, int] = field(default_factory=dict)
    statuses_other: dict[str, int] = field(default_factory=dict)
    has_return_dates: bool = False
    skipped_lines: list[int] = field(default_factory=list)
    first_date: date | None = None
    last_date: date | None = None


class _Tally:
    """Counts over chunks, keyed by the raw text of the place and day."""

    def __init__(self, fields: list[str]):
        self.fields = fields
        self.received: Counter = Counter()    # (province, district, commune, day) → n
        self.returned_on: Counter = Counter()  # (province, district, commune, day) → n
        self.status: Counter = Counter()       # (province, district, commune, status) → n
        self.first_row: dict[tuple, int] = {}
        self.date_rows: dict[str, int] = {}
        self.no_place = [0, []]
        self.no_date = [0, []]
        self.rows = 0

    def add(self, frame: pd.DataFrame, first_row: int) -> None:
        """`frame` has one column per read field, str values; `first_row` is the 1-based
        row of its first line."""
        frame = frame.apply(lambda s: s.str.strip())
        rownum = pd.RangeIndex(first_row, first_row + len(frame))
        frame.index = rownum
        for name in PLACE:
            if name not in frame:
                frame[name] = ""
        empty = (frame == "").all(axis=1)
        frame = frame[~empty]
        if frame.empty:
            return
        day = frame["received_date"].str.replace(_TIME, "", regex=True)
        no_place = frame["commune"] == ""
        no_day = day == ""
        self._note(self.no_place, no_place & ~no_day)
        self._note(self.no_date, no_day & ~no_place)
        keep = ~no_place & ~no_day
        frame, day = frame[keep], day[keep]
        self.rows += len(frame)
        keys = [frame["province"], frame["district"], frame["commune"]]
        grouped = pd.DataFrame({"p": keys[0], "d": keys[1], "c": keys[2], "day": day,
                                "row": frame.index})
        for (p, d, c, when), n in grouped.groupby(["p", "d", "c", "day"], sort=False).size().items():
            self.received[(p, d, c, when)] += n
        for (p, d, c), row in grouped.groupby(["p", "d", "c"], sort=False)["row"].min().items():
            if (p, d, c) not in self.first_row:
                self.first_row[(p, d, c)] = int(row)
        for when, row in grouped.groupby("day", sort=False)["row"].min().items():
            self.date_rows.setdefault(when, int(row))
        if "returned_date" in frame:
            back = frame["returned_date"].str.replace(_TIME, "", regex=True)
            sel = back != ""
            if sel.any():
                g = pd.DataFrame({"p": keys[0][sel], "d": keys[1][sel], "c": keys[2][sel], "day": back[sel]})
                for (p, d, c, when), n in g.groupby(["p", "d", "c", "day"], sort=False).size().items():
                    self.returned_on[(p, d, c, when)] += n
                for when in g["day"].unique():
                    self.date_rows.setdefault(when, int(g.index[g["day"] == when][0]))
        if "status" in frame:
            g = pd.DataFrame({"p": keys[0], "d": keys[1], "c": keys[2], "s": frame["status"]})
            for (p, d, c, s), n in g.groupby(["p", "d", "c", "s"], sort=False).size().items():
                self.status[(p, d, c, s)] += n

    @staticmethod
    def _note(slot: list, mask: pd.Series) -> None:
        count = int(mask.sum())
        if count:
            slot[0] += count
            if len(slot[1]) < 5:
                slot[1].extend(int(i) for i in mask[mask].index[: 5 - len(slot[1])])


def read_csv(data: bytes, source: CsvSource, layout: Layout, width: int) -> RecordCounts:
    """Stream a CSV export, reading only the place, day and status columns."""
    fields = [f for f in headers.RECORD_READ_FIELDS if f in layout.columns]
    positions = [layout.columns[f].index for f in fields]
    order = sorted(range(len(fields)), key=lambda i: positions[i])
    usecols = sorted(positions)
    tally = _Tally(fields)
    skipped: list[int] = []
    try:
        for start, chunk in csv_chunks(data, source, usecols, width, CHUNK_ROWS, skipped):
            chunk = chunk[usecols]
            chunk.columns = [fields[i] for i in order]
            data_part = chunk.iloc[max(0, layout.first_data_row - start):]
            if len(data_part):
                tally.add(data_part, start + (len(chunk) - len(data_part)) + 1)
    except (ValueError, pd.errors.ParserError, UnicodeError) as exc:
        message = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        raise ReadError(f"không đọc hết được tệp CSV ({_vi_parser_error(message)}).") from None
    counts = _finish(tally, source.fix, layout)
    counts.skipped_lines = skipped[:50]
    return counts


def _vi_parser_error(message: str) -> str:
    found = re.search(r"EOF inside string starting at row (\d+)", message)
    if found:
        return f"dấu ngoặc kép mở ở dòng {int(found.group(1)) + 1} không được đóng; tệp có thể bị cắt ngang"
    return message


def read_sheet(sheet: Sheet, layout: Layout) -> RecordCounts:
    """Walk an xlsx/xls/ods export row by row, keeping only the needed cells."""
    fields = [f for f in headers.RECORD_READ_FIELDS if f in layout.columns]
    positions = [layout.columns[f].index for f in fields]
    tally = _Tally(fields)
    buffer: list[list[str]] = []
    start = layout.first_data_row
    for index, row in enumerate(sheet.iter_rows()):
        if index < layout.first_data_row:
            continue
        buffer.append([_cell_text(row[p]) if p < len(row) else "" for p in positions])
        if len(buffer) >= CHUNK_ROWS:
            tally.add(pd.DataFrame(buffer, columns=fields, dtype=str), start + 1)
            start += len(buffer)
            buffer = []
    if buffer:
        tally.add(pd.DataFrame(buffer, columns=fields, dtype=str), start + 1)
    return _finish(tally, None, layout)


def _cell_text(value) -> str:
    if isinstance(value, date):
        return value.isoformat()[:10]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _fixer(values: Iterable[str], fix: Callable[[str], str] | None) -> dict[str, str]:
    """Unicode NFC for each distinct value; legacy fonts repaired per column."""
    values = sorted(set(values))
    if fix is not None:
        return {v: normalise.text(fix(v)) for v in values}
    repaired, _ = legacy_text.repair_texts(values)
    return {v: normalise.text(r) for v, r in zip(values, repaired)}


def _finish(tally: _Tally, fix: Callable[[str], str] | None, layout: Layout) -> RecordCounts:
    names = {f: _fixer({k[i] for k in list(tally.received) + list(tally.returned_on) + list(tally.status)}, fix)
             for i, f in enumerate(PLACE)}

    def place(key: tuple) -> tuple[str, str, str]:
        return names["province"][key[0]], names["district"][key[1]], names["commune"][key[2]]

    days = {k[3] for k in tally.received} | {k[3] for k in tally.returned_on}
    order = normalise.date_order(days)
    parsed: dict[str, date | None] = {}
    bad: list[tuple[int, int]] = []
    for raw in days:
        value = normalise.parse_date(raw, order=order).value
        parsed[raw] = value if isinstance(value, date) else None
    counts_by_day = Counter()
    for key, n in tally.received.items():
        counts_by_day[key[3]] += n
    bad_days = {raw for raw, value in parsed.items() if value is None}
    for raw in bad_days:
        bad.append((counts_by_day.get(raw, 0) or 1, tally.date_rows.get(raw, 0)))
    warning = normalise.date_order_warning(days)
    daily: Counter = Counter()
    first_rows: dict[tuple, int] = {}
    for key, n in tally.received.items():
        when = parsed[key[3]]
        if when is None:
            continue
        unit = place(key)
        daily[(*unit, when, "collected_day")] += n
        row = tally.first_row.get(key[:3], 0)
        first_rows[unit] = min(first_rows.get(unit, row), row)
    for key, n in tally.returned_on.items():
        when = parsed.get(key[3])
        if when is None:
            continue
        daily[(*place(key), when, "returned_day")] += n
    frame = pd.DataFrame([(*k, n) for k, n in daily.items()],
                         columns=["province", "district", "commune", "date", "metric", "value"])
    if frame.empty:
        wide = pd.DataFrame(columns=["province", "district", "commune", "date", "collected_day", "returned_day"])
    else:
        wide = frame.pivot_table(index=["province", "district", "commune", "date"], columns="metric",
                                 values="value", aggfunc="sum", fill_value=0).reset_index()
        for name in ("collected_day", "returned_day"):
            if name not in wide:
                wide[name] = 0
        wide.columns.name = None
    wide["row"] = [first_rows.get((p, d, c), 0) for p, d, c in
                   zip(wide["province"], wide["district"], wide["commune"])]
    statuses_returned: Counter = Counter()
    statuses_other: Counter = Counter()
    returned_total: Counter = Counter()
    labels = _fixer({k[3] for k in tally.status}, fix) if tally.status else {}
    for key, n in tally.status.items():
        label = labels[key[3]]
        if is_handed_over(label):
            statuses_returned[label] += n
            returned_total[place(key)] += n
        else:
            statuses_other[label or "(trống)"] += n
    totals = pd.DataFrame([(*k, n, first_rows.get(k, 0)) for k, n in returned_total.items()],
                          columns=["province", "district", "commune", "returned", "row"])
    received_days = [parsed[k[3]] for k in tally.received if parsed.get(k[3])]
    all_days = received_days + [parsed[k[3]] for k in tally.returned_on if parsed.get(k[3])]
    return RecordCounts(
        daily=wide, returned_total=totals, rows=tally.rows, first_row=layout.first_data_row + 1,
        no_place=(tally.no_place[0], tally.no_place[1]), no_date=(tally.no_date[0], tally.no_date[1]),
        bad_dates=sorted(bad, key=lambda b: b[1]), ambiguous_dates=warning[0] if warning else None,
        statuses_returned=dict(statuses_returned.most_common()),
        statuses_other=dict(statuses_other.most_common()),
        has_return_dates="returned_date" in layout.columns,
        first_date=min(received_days) if received_days else None,
        last_date=max(all_days) if all_days else None)
