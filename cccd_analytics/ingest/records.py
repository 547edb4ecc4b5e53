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

import numpy as np
import pandas as pd
import pyarrow as pa

from cccd_analytics import dimensions
from cccd_analytics.ingest import headers, legacy_text, normalise
from cccd_analytics.ingest.address import split_address
from cccd_analytics.ingest.layout import Layout
from cccd_analytics.ingest.readers import ArrowFallback, CsvSource, ReadError, Sheet, csv_chunks
from cccd_analytics.text import fold

CHUNK_ROWS = 200_000
PLACE = ("province", "district", "commune")
# The time after a day ("15/03/2021 08:12"): a plain pattern, so pandas hands it to
# pyarrow's regex engine instead of calling Python per value.
_TIME = r"[ T]\d{1,2}[:hg]\d{2}.*$"

# Statuses that say the card reached the citizen (folded).  "Chờ trả thẻ", "Chưa trả"
# are not.
_RETURNED = (
    "da tra",
    "tra the cho cong dan",
    "tra the",
    "da giao the",
    "da nhan the",
    "cong dan da nhan",
    "hoan thanh tra",
    "da trao",
    "tra ket qua",
    "returned",
    "delivered",
)


def is_handed_over(status: str) -> bool:
    """Whether a status label says the card was handed over ("Đã trả thẻ", "Đã trả",
    "Trả thẻ cho công dân" …); "Chờ trả thẻ", "Chưa trả", "Không trả được" say not."""
    folded = " ".join(re.sub(r"[^a-z0-9]+", " ", fold(status or "")).split())
    words = folded.split()
    if (
        not words
        or words[0] in ("chua", "cho", "khong", "dang")
        or any(w in words for w in ("chua", "khong", "huy"))
        or "tu choi" in folded
    ):
        return False
    return any(w in folded for w in _RETURNED)


@dataclass
class RecordCounts:
    """What an export adds up to.  Nothing personal: places, days and counts only."""

    daily: pd.DataFrame  # province, district, commune, date, collected_day, returned_day, row
    returned_total: pd.DataFrame  # province, district, commune, returned, row (status only)
    rows: int = 0  # application rows counted
    first_row: int = 0  # 1-based row of the first record
    no_place: tuple[int, list[int]] = (0, [])  # rows without a commune (count, first rows)
    no_date: tuple[int, list[int]] = (0, [])  # rows without a readable day received
    bad_dates: list[tuple[int, int]] = field(default_factory=list)  # (rows, first row) unreadable
    ambiguous_dates: str | None = None
    statuses_returned: dict[str, int] = field(default_factory=dict)
    statuses_other: dict[str, int] = field(default_factory=dict)
    has_return_dates: bool = False
    skipped_lines: list[int] = field(default_factory=list)
    first_date: date | None = None
    last_date: date | None = None
    # Parts (cccd_analytics.dimensions) per place and day: province, district, commune,
    # date, dimension, value, count, row.  Counts only: what a record said to put it in a
    # part (an age, an address) is gone once counted.
    parts: pd.DataFrame = field(default_factory=pd.DataFrame)
    # The columns read only to put applications in their parts (field → letter).
    breakdown_columns: dict[str, str] = field(default_factory=dict)


class _Ids:
    """Text → dense integer id, in order of first appearance."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.values: list[str] = []

    def ids(self, texts: Iterable[str]) -> np.ndarray:
        out = []
        for text in texts:
            found = self.index.get(text)
            if found is None:
                found = self.index[text] = len(self.values)
                self.values.append(text)
            out.append(found)
        return np.asarray(out, dtype=np.int64)


class _Counts:
    """A count and the first row per int64 key, kept as sorted arrays: each chunk's
    keys are counted with numpy, and the pieces are merged when they pile up, so memory
    follows the number of distinct keys, not rows."""

    def __init__(self) -> None:
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.pending = 0

    def add(self, high: np.ndarray, low: np.ndarray, rows: np.ndarray) -> None:
        """Count the keys high << 32 | low (place id, and day or status id) of rows `rows`."""
        if not len(high):
            return
        width = int(low.max()) + 1
        size = (int(high.max()) + 1) * width
        if size <= _DENSE_LIMIT:
            # Few places × days (a province's export): counted on a dense grid, in key order,
            # on int32 codes (performance: each 1M-row int64 temporary cost ~10 ms).
            dense = high.astype(np.int32, copy=False) * np.int32(width)
            dense += low.astype(np.int32, copy=False)
            counts = np.bincount(dense, minlength=size)
            present = np.flatnonzero(counts)
            first = np.empty(size, np.int64)
            first[dense[::-1]] = rows[::-1]  # the last write wins: the first row
            uniq = ((present // width) << _SHIFT) | (present % width)
            self.parts.append((uniq, counts[present].astype(np.int64), first[present]))
        else:
            keys = (high.astype(np.int64) << _SHIFT) | low
            codes, uniq = pd.factorize(keys, sort=False)  # a hash table: no sort of the rows
            counts = np.bincount(codes, minlength=len(uniq))
            first = np.empty(len(uniq), np.int64)
            first[codes[::-1]] = rows[::-1]
            order = np.argsort(uniq)
            self.parts.append((uniq[order], counts[order].astype(np.int64), first[order]))
        self.pending += len(uniq)
        if self.pending > 2_000_000 and len(self.parts) > 1:
            self.parts = [self.merged()]
            self.pending = len(self.parts[0][0])

    def merged(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(keys ascending, counts, first rows)."""
        if not self.parts:
            empty = np.zeros(0, np.int64)
            return empty, empty, empty
        if len(self.parts) == 1:
            return self.parts[0]
        keys = np.concatenate([p[0] for p in self.parts])
        counts = np.concatenate([p[1] for p in self.parts])
        rows = np.concatenate([p[2] for p in self.parts])
        # Parts are in file order, each sorted by key: a stable sort by key keeps, for each
        # key, the earliest part first, whose row is the smallest.
        order = np.argsort(keys, kind="stable")
        keys, counts, rows = keys[order], counts[order], rows[order]
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        return keys[starts], np.add.reduceat(counts, starts), rows[starts]

    def __bool__(self) -> bool:
        return bool(self.parts)


_SHIFT = np.int64(32)  # key = place id << 32 | day (or status) id
_MASK = np.int64((1 << 32) - 1)
_DENSE_LIMIT = 1 << 21  # places × days counted on a dense grid up to this size (16 MiB)


def _column(values: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Codes and distinct values (a str Series) of a column: the Arrow reader's
    dictionaries as they are, text (pandas, a sheet) factorised."""
    if isinstance(values.dtype, pd.ArrowDtype) and pa.types.is_dictionary(values.dtype.pyarrow_dtype):
        array = values.array.__arrow_array__()
        array = array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array
        if array.null_count:
            raise ArrowFallback("empty values read as missing")
        return (
            array.indices.to_numpy(zero_copy_only=False),  # int32, not copied
            array.dictionary.cast(pa.string()).to_pandas(),
        )
    codes, uniques = pd.factorize(values, sort=False)
    return codes, pd.Series(uniques, dtype="str")


def _distinct(codes: np.ndarray, texts: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Row codes into the distinct values of `texts` (which may repeat once stripped)."""
    again, uniques = pd.factorize(texts, sort=False)
    if len(uniques) == len(again):  # still distinct: factorize numbered them in order
        return codes, list(uniques)
    return again.astype(np.int32)[codes] if len(again) else codes, list(uniques)


def _dictionary(values: pd.Series):
    """(indices, dictionary) of an Arrow dictionary column, else None."""
    if isinstance(values.dtype, pd.ArrowDtype) and pa.types.is_dictionary(values.dtype.pyarrow_dtype):
        array = values.array.__arrow_array__()
        array = array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array
        return array.indices.to_numpy(zero_copy_only=False), array.dictionary.cast(pa.string())
    return None


def _years(values: pd.Series, pattern: str = r"(?P<y>(?:18|19|20)\d\d)") -> np.ndarray:
    """The first number `pattern` finds in each value (a birth year, an age), -1 where none;
    found in Arrow on the column's distinct values."""
    import pyarrow.compute as pc

    found = _dictionary(values)
    if found is not None:
        indices, texts = found
        codes = indices
    else:
        codes, uniques = pd.factorize(values.astype(object).where(values.notna(), ""), sort=False)
        texts = pa.array([str(u) for u in uniques], pa.string())
    if not len(texts):
        return np.full(len(codes), -1, np.int64)
    years = pc.struct_field(pc.extract_regex(texts, pattern), "y")
    numbers = pc.cast(years, pa.int64(), safe=False).fill_null(-1).to_numpy(zero_copy_only=False)
    out = np.asarray(numbers, np.int64)[np.asarray(codes, np.int64)]
    return np.where(np.asarray(codes) >= 0, out, -1)


def _last_part(values: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """An address's last part ("…, Tỉnh Hà Tĩnh" → "Tỉnh Hà Tĩnh"): row codes and the
    distinct last parts (a few provinces), cut in Arrow from the column's distinct values."""
    import pyarrow.compute as pc

    found = _dictionary(values)
    if found is not None:
        codes, texts = found
    else:
        codes, uniques = pd.factorize(values.astype(object).where(values.notna(), ""), sort=False)
        texts = pa.array([str(u) for u in uniques], pa.string())
    last = pc.struct_field(pc.extract_regex(texts, r"(?P<p>[^,;\-–]*)\s*$"), "p").fill_null("")
    encoded = pc.utf8_trim_whitespace(last).dictionary_encode()
    lut = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return lut[np.asarray(codes, np.int64)], encoded.dictionary.to_pandas().astype(str)


class _Tally:
    """Counts over chunks, keyed by the raw text of the place and day.

    Performance: each chunk is handled as integer codes.  The text operations
    of the row-by-row code this replaces (the same pandas strip and time-of-day regex)
    run once per distinct value, and the counting is numpy, so a million rows cost no
    Python per row.  The figures are the same.
    """

    def __init__(self, fields: list[str]):
        self.fields = fields
        self.text = {name: _Ids() for name in (*PLACE, "day", "status")}
        self.places: dict[tuple[int, int, int], int] = {}  # (province, district, commune ids) → place id
        self.place_list: list[tuple[int, int, int]] = []
        self.received = _Counts()  # place << 32 | day → n, first row
        self.returned_on = _Counts()  # place << 32 | day → n
        self.status = _Counts()  # place << 32 | status → n, first row
        self.date_rows: dict[str, int] = {}
        self.no_place = [0, []]
        self.no_date = [0, []]
        self.rows = 0
        # Parts: per feature, place << 32 | (code << 16 | day) → n, first row.  A code is a
        # raw text's id (channel, application type, shift, the province of the current
        # residence), a birth year − 1800 or an age.
        self.features: dict[str, _Counts] = {}
        self.feature_text: dict[str, _Ids] = {}

    def add(self, frame: pd.DataFrame, first_row: int) -> None:
        """`frame` has one column per read field (text, or dictionaries from the Arrow
        reader); `first_row` is the 1-based row of its first line."""
        n = len(frame)
        if not n:
            return
        rownum = np.arange(first_row, first_row + n, dtype=np.int64)
        extra = [c for c in frame.columns if c in headers.RECORD_BREAKDOWN_FIELDS]
        features = frame[extra] if extra else None
        if extra:
            frame = frame[[c for c in frame.columns if c not in extra]]
        cols: dict[str, tuple[np.ndarray, pd.Series]] = {}
        for name in frame.columns:
            codes, uniques = _column(frame[name])
            cols[name] = (codes, uniques.str.strip())
        for name in PLACE:
            if name not in cols:
                cols[name] = (np.zeros(n, np.int32), pd.Series([""], dtype="str"))
        # Masks over the rows are built only when some distinct value calls for them (a
        # clean export has no blank place or day): each costs a pass over every row.
        blanks = [(uniques == "").to_numpy(bool) for _, uniques in cols.values()]
        empty = None
        if all(blank.any() for blank in blanks):
            empty = np.ones(n, bool)
            for (codes, _), blank in zip(cols.values(), blanks):
                empty &= blank[codes]
            if empty.all():
                return
        codes, uniques = cols["received_date"]
        day_codes, day_text = _distinct(codes, uniques.str.replace(_TIME, "", regex=True))
        day_blank = np.array([d == "" for d in day_text], bool)
        no_day = day_blank[day_codes] if day_blank.any() else None
        c_codes, c_uniques = cols["commune"]
        place_blank = (c_uniques == "").to_numpy(bool)
        no_place = place_blank[c_codes] if place_blank.any() else None
        keep = np.ones(n, bool) if empty is None else ~empty
        if no_place is not None:
            self._note(self.no_place, rownum[keep & no_place & (True if no_day is None else ~no_day)])
        if no_day is not None:
            self._note(self.no_date, rownum[keep & no_day & (True if no_place is None else ~no_place)])
        for mask in (no_place, no_day):
            if mask is not None:
                keep &= ~mask
        kept = int(keep.sum())
        if not kept:
            return
        self.rows += kept
        if kept == n:  # the usual chunk: every row counts, no copies

            def select(values):
                return values
        else:

            def select(values):
                return values[keep]

        rows = select(rownum)
        place = self._place_ids([_distinct(select(cols[name][0]), cols[name][1]) for name in PLACE])
        day = self._ids("day", select(day_codes), day_text)
        self.received.add(place, day, rows)
        self._first_rows(day, rows)
        if "returned_date" in cols:
            back_codes, back_uniques = cols["returned_date"]
            back_codes, back_text = _distinct(
                select(back_codes), back_uniques.str.replace(_TIME, "", regex=True)
            )
            sel = np.array([b != "" for b in back_text], bool)[back_codes]
            if sel.any():
                back = self._ids("day", back_codes[sel], back_text)
                self.returned_on.add(place[sel], back, rows[sel])
                self._first_rows(back, rows[sel])
        if "status" in cols:
            status = self._ids("status", *_distinct(select(cols["status"][0]), cols["status"][1]))
            self.status.add(place, status, rows)
        if features is not None:
            self._features(features, select, place, day, rows)

    def _features(
        self, frame: pd.DataFrame, select, place: np.ndarray, day: np.ndarray, rows: np.ndarray
    ) -> None:
        """Count each kept row's parts.  A birth date is reduced to its year and a current
        address to its last part (the province) in Arrow, before any Python text is made
        of them: no person's date of birth or address becomes a Python object here."""
        for name in frame.columns:
            if name == "birth_date":
                code = _years(frame[name]) - 1800
                feature = "birth_year"
            elif name == "age":
                code = _years(frame[name], pattern=r"(?P<y>\d{1,3})")
                feature = "age"
            elif name == "current_address":
                codes, texts = _last_part(frame[name])
                code = self._text_codes("current_province", codes, texts)
                feature = "residence"
            else:
                codes, uniques = _column(frame[name])
                code = self._text_codes(name, codes, uniques.str.strip())
                feature = name
            code = select(np.asarray(code))
            ok = (code >= 0) & (code < 1 << 15)
            if ok.any():
                counts = self.features.setdefault(feature, _Counts())
                counts.add(place[ok], (code[ok].astype(np.int64) << 16) | day[ok], rows[ok])

    def _text_codes(self, name: str, codes: np.ndarray, texts: pd.Series) -> np.ndarray:
        """Global ids of `texts[codes]` (-1 for a blank)."""
        ids = self.feature_text.setdefault(name, _Ids())
        lut = np.array([-1 if t == "" else ids.ids([t])[0] for t in texts], np.int64)
        return lut[codes] if len(lut) else np.full(len(codes), -1, np.int64)

    def _first_rows(self, day: np.ndarray, rows: np.ndarray) -> None:
        """The first row of each day not seen in an earlier chunk (`day`: global day ids,
        a few hundred at most, so indexed directly)."""
        size = len(self.text["day"].values)
        first = np.full(size, -1, np.int64)
        first[day[::-1]] = rows[::-1]  # the last write wins: the first row
        values = self.text["day"].values
        for value in np.flatnonzero(first >= 0).tolist():
            self.date_rows.setdefault(values[value], int(first[value]))

    def _ids(self, name: str, codes: np.ndarray, texts: list[str]) -> np.ndarray:
        """Global ids of `texts[codes]` (distinct texts), registering only those that occur."""
        used = np.flatnonzero(np.bincount(codes, minlength=len(texts)))
        lut = np.full(len(texts), -1, np.int32)
        lut[used] = self.text[name].ids(texts[i] for i in used)
        return lut[codes]

    def _place_ids(self, parts: list[tuple[np.ndarray, list[str]]]) -> np.ndarray:
        (p, p_text), (d, d_text), (c, c_text) = parts
        size = len(p_text) * len(d_text) * len(c_text)
        if size <= _DENSE_LIMIT:
            # A province's names: the (province, district, commune) combinations found on a
            # dense grid of int32 codes rather than a hash table over the rows.
            key = p.astype(np.int32) * np.int32(len(d_text))
            key += d
            key *= np.int32(len(c_text))
            key += c
            seen = np.zeros(size, bool)
            seen[key] = True
            uniq = np.flatnonzero(seen)
            inverse = None
        else:
            key = (p.astype(np.int64) * len(d_text) + d) * len(c_text) + c
            inverse, uniq = pd.factorize(key, sort=False)
        up, rest = np.divmod(uniq, len(d_text) * len(c_text))
        ud, uc = np.divmod(rest, len(c_text))
        gp = self._ids("province", up, p_text)
        gd = self._ids("district", ud, d_text)
        gc = self._ids("commune", uc, c_text)
        ids = np.empty(len(uniq), np.int32)
        for i, triple in enumerate(zip(gp.tolist(), gd.tolist(), gc.tolist())):
            found = self.places.get(triple)
            if found is None:
                found = self.places[triple] = len(self.place_list)
                self.place_list.append(triple)
            ids[i] = found
        if inverse is not None:
            return ids[inverse.ravel()]
        lut = np.empty(size, np.int32)
        lut[uniq] = ids
        return lut[key]

    def place_texts(self, place: int) -> tuple[str, str, str]:
        return tuple(self.text[name].values[i] for name, i in zip(PLACE, self.place_list[place]))

    @staticmethod
    def _note(slot: list, rows: np.ndarray) -> None:
        if len(rows):
            slot[0] += len(rows)
            if len(slot[1]) < 5:
                slot[1].extend(int(i) for i in rows[: 5 - len(slot[1])])


def read_fields(layout: Layout) -> list[str]:
    """The columns of an export that are read: place, days, status, and what puts an
    application in its parts."""
    wanted = (*headers.RECORD_READ_FIELDS, *headers.RECORD_BREAKDOWN_FIELDS)
    return [f for f in wanted if f in layout.columns]


def read_csv(data, source: CsvSource, layout: Layout, width: int) -> RecordCounts:
    """Stream a CSV export, reading only the place, day and status columns.

    `data` is bytes or a `readers.FileData`.  Plain UTF-8 goes through pyarrow's reader;
    should it meet a line pandas would read differently, the file is read again with
    pandas (`readers.ArrowFallback`), and should a quoted line break fall on a block's
    cut, again with the Arrow reader that allows them."""
    try:
        return _read_csv(data, source, layout, width, "auto")
    except ArrowFallback as exc:
        if exc.multiline:
            try:
                return _read_csv(data, source, layout, width, "arrow-multiline")
            except ArrowFallback:
                pass
        return _read_csv(data, source, layout, width, "pandas")


def _read_csv(data, source: CsvSource, layout: Layout, width: int, engine: str) -> RecordCounts:
    fields = read_fields(layout)
    positions = [layout.columns[f].index for f in fields]
    order = sorted(range(len(fields)), key=lambda i: positions[i])
    usecols = sorted(positions)
    tally = _Tally(fields)
    skipped: list[int] = []
    try:
        for start, chunk in csv_chunks(
            data, source, usecols, width, CHUNK_ROWS, skipped, skip=layout.first_data_row, engine=engine
        ):
            chunk = chunk[usecols]
            chunk.columns = [fields[i] for i in order]
            data_part = chunk.iloc[max(0, layout.first_data_row - start) :]
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
    fields = read_fields(layout)
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


def _from_address(province: str, district: str, address: str) -> tuple[str, str, str]:
    found = split_address(address)
    return (province or found[0], district or found[1], found[2])


def _drop_places(unplaced, tally: _Tally, keys, counts, first, place, day):
    """Leave out the records whose address names no commune; they are counted as records
    without a commune (their rows, never their text, reach the report)."""
    drop = unplaced[place] if len(place) else np.zeros(0, bool)
    if drop.any():
        rows = np.sort(first[drop])
        tally.no_place[0] += int(counts[drop].sum())
        tally.no_place[1] = sorted(tally.no_place[1] + [int(r) for r in rows[:5]])[:5]
        tally.rows -= int(counts[drop].sum())
    keep = ~drop
    return keys[keep], counts[keep], first[keep], place[keep], day[keep]


def _finish(tally: _Tally, fix: Callable[[str], str] | None, layout: Layout) -> RecordCounts:
    # Performance: keys are integer arrays (place << 32 | day); the loops below
    # run over distinct places, days and statuses, never over counted rows.
    """Long on purpose: one sequence of array operations over an export's integer-coded chunks
    whose intermediate arrays the later steps share; split, they would be passed around or
    computed again."""
    r_keys, r_counts, r_first = tally.received.merged()
    b_keys, b_counts, _ = tally.returned_on.merged()
    s_keys, s_counts, s_first = tally.status.merged()
    mask = np.int64((1 << 32) - 1)
    r_place, r_day = r_keys >> _SHIFT, r_keys & mask
    b_place, b_day = b_keys >> _SHIFT, b_keys & mask
    s_place, s_status = s_keys >> _SHIFT, s_keys & mask
    raw_places = [tally.place_texts(i) for i in range(len(tally.place_list))]
    names = {f: _fixer({p[i] for p in raw_places}, fix) for i, f in enumerate(PLACE)}
    fixed = [(names["province"][p], names["district"][d], names["commune"][c]) for p, d, c in raw_places]
    if layout.place_from_address:
        # The "commune" read is a whole address: keep only its administrative parts (the
        # columns of their own, where the export has them, win).
        fixed = [_from_address(*place) for place in fixed]
        unplaced = np.array([not c for _, _, c in fixed], bool)
        if unplaced.any():
            r_keys, r_counts, r_first, r_place, r_day = _drop_places(
                unplaced, tally, r_keys, r_counts, r_first, r_place, r_day
            )
            keep = ~unplaced[b_place] if len(b_place) else np.zeros(0, bool)
            b_keys, b_counts, b_place, b_day = b_keys[keep], b_counts[keep], b_place[keep], b_day[keep]
            keep = ~unplaced[s_place] if len(s_place) else np.zeros(0, bool)
            s_keys, s_counts, s_first = s_keys[keep], s_counts[keep], s_first[keep]
            s_place, s_status = s_place[keep], s_status[keep]
    # Raw places that read the same once repaired (NFD vs NFC, legacy fonts) are one unit.
    unit_index: dict[tuple[str, str, str], int] = {}
    unit_of_place = np.array([unit_index.setdefault(u, len(unit_index)) for u in fixed], dtype=np.int64)
    unit_texts = list(unit_index)

    day_texts = tally.text["day"].values
    days = {day_texts[i] for i in np.unique(r_day)} | {day_texts[i] for i in np.unique(b_day)}
    order = normalise.date_order(days)
    parsed: dict[str, date | None] = {}
    for raw in days:
        value = normalise.parse_date(raw, order=order).value
        parsed[raw] = value if isinstance(value, date) else None
    day_date = [parsed.get(t) for t in day_texts]
    day_ok = np.array([d is not None for d in day_date], bool)
    counts_by_day = (
        np.bincount(r_day, weights=r_counts, minlength=len(day_texts))
        if len(r_day)
        else np.zeros(len(day_texts))
    )
    bad: list[tuple[int, int]] = []
    for raw in {raw for raw, value in parsed.items() if value is None}:
        count = int(counts_by_day[tally.text["day"].index[raw]])
        bad.append((count or 1, tally.date_rows.get(raw, 0)))
    warning = normalise.date_order_warning(days)

    # First row of each raw place (over all its rows), kept for the units of places that
    # have a readable day.
    first_of_place = np.full(len(raw_places), np.iinfo(np.int64).max, np.int64)
    np.minimum.at(first_of_place, r_place, r_first)
    ok = day_ok[r_day] if len(r_day) else np.zeros(0, bool)
    first_rows: dict[tuple, int] = {}
    if ok.any():
        valid_places = np.unique(r_place[ok])
        best = np.full(len(unit_texts), np.iinfo(np.int64).max, np.int64)
        np.minimum.at(best, unit_of_place[valid_places], first_of_place[valid_places])
        first_rows = {unit_texts[u]: int(best[u]) for u in np.unique(unit_of_place[valid_places])}

    # One row per (unit, date), in the order pivot_table gave: by province, district,
    # commune, then date; the counts of raw places and day texts that read the same are
    # added up.  Integer keys: a unit's rank in that order × dates + the date's rank.
    columns = ["province", "district", "commune", "date", "collected_day", "returned_day"]
    dates = sorted({d for d in day_date if d is not None})
    rank = {d: i for i, d in enumerate(dates)}
    date_rank = np.array([rank.get(d, -1) for d in day_date], np.int64)
    unit_order = sorted(range(len(unit_texts)), key=unit_texts.__getitem__)
    unit_rank = np.empty(len(unit_texts), np.int64)
    unit_rank[unit_order] = np.arange(len(unit_texts))
    keys, sums, readable = [], [], []
    for place, day, counts in ((r_place, r_day, r_counts), (b_place, b_day, b_counts)):
        good = day_ok[day] if len(day) else np.zeros(0, bool)
        keys.append(unit_rank[unit_of_place[place[good]]] * max(len(dates), 1) + date_rank[day[good]])
        sums.append(counts[good])
        readable.append(good)
    cells, where = np.unique(np.concatenate(keys), return_inverse=True)
    if not len(cells):
        wide = pd.DataFrame(columns=columns)
    else:
        per_metric = [
            np.bincount(where[: len(keys[0])], weights=sums[0], minlength=len(cells)),
            np.bincount(where[len(keys[0]) :], weights=sums[1], minlength=len(cells)),
        ]
        # The first record of each (unit, day), where the day has one received.
        first_of_cell = np.full(len(cells), np.iinfo(np.int64).max, np.int64)
        np.minimum.at(first_of_cell, where[: len(keys[0])], r_first[readable[0]])
        units = np.asarray(unit_order, np.int64)[cells // len(dates)]
        # Per unit, then taken for each of its rows.
        part = [np.array([t[i] for t in unit_texts], dtype=object)[units] for i in range(3)]
        wide = pd.DataFrame(
            {
                "province": part[0],
                "district": part[1],
                "commune": part[2],
                "date": np.asarray(dates, dtype=object)[cells % len(dates)],
                "collected_day": per_metric[0].astype(np.int64),
                "returned_day": per_metric[1].astype(np.int64),
            }
        )
        unit_first = np.array([first_rows.get(t, 0) for t in unit_texts], np.int64)[units]
        wide["row"] = np.where(first_of_cell < np.iinfo(np.int64).max, first_of_cell, unit_first)
    if not len(cells):
        wide["row"] = []

    statuses_returned: Counter = Counter()
    statuses_other: Counter = Counter()
    returned_total: Counter = Counter()
    status_texts = tally.text["status"].values
    labels = _fixer({status_texts[i] for i in np.unique(s_status)}, fix) if len(s_keys) else {}
    handed = {label: is_handed_over(label) for label in set(labels.values())}
    # In the order each (place, status) first occurs in the file, as the counters of the
    # row-by-row code were filled.
    for i in np.argsort(s_first, kind="stable"):
        label = labels[status_texts[s_status[i]]]
        n = int(s_counts[i])
        if handed[label]:
            statuses_returned[label] += n
            returned_total[fixed[s_place[i]]] += n
        else:
            statuses_other[label or "(trống)"] += n
    totals = pd.DataFrame(
        [(*k, n, first_rows.get(k, 0)) for k, n in returned_total.items()],
        columns=["province", "district", "commune", "returned", "row"],
    )
    received_days = [day_date[i] for i in np.unique(r_day) if day_date[i]]
    all_days = received_days + [day_date[i] for i in np.unique(b_day) if day_date[i]]
    parts = _parts(tally, fix, layout, fixed, day_date, r_place, r_counts)
    return RecordCounts(
        parts=parts,
        breakdown_columns={
            f: layout.columns[f].letter for f in headers.RECORD_BREAKDOWN_FIELDS if f in layout.columns
        },
        daily=wide,
        returned_total=totals,
        rows=tally.rows,
        first_row=layout.first_data_row + 1,
        no_place=(tally.no_place[0], tally.no_place[1]),
        no_date=(tally.no_date[0], tally.no_date[1]),
        bad_dates=sorted(bad, key=lambda b: b[1]),
        ambiguous_dates=warning[0] if warning else None,
        statuses_returned=dict(statuses_returned.most_common()),
        statuses_other=dict(statuses_other.most_common()),
        has_return_dates="returned_date" in layout.columns,
        first_date=min(received_days) if received_days else None,
        last_date=max(all_days) if all_days else None,
    )


#: The dimension of a part that is still a current residence's province (classed later).
RESIDENCE_RAW = "residence:province"


def _parts(
    tally: _Tally,
    fix,
    layout: Layout,
    fixed: list[tuple[str, str, str]],
    day_date: list,
    r_place: np.ndarray,
    r_counts: np.ndarray,
) -> pd.DataFrame:
    """The parts counted per place and day: province, district, commune, date, dimension,
    value, count, row.  A feature's code becomes a value here: a place of receipt a channel,
    a birth year or an age a priority group (at the day received), the province of the
    current residence a residence class.

    Performance: values are worked out once per distinct (code, day) — a few thousand —
    and the counted keys are mapped with numpy, not walked one by one."""
    columns = ["province", "district", "commune", "date", "dimension", "value", "count", "row"]
    if not tally.features:
        return pd.DataFrame(columns=columns)
    del layout, r_place, r_counts  # the export's province is known once its units are
    texts = {name: _fixer(ids.values, fix) for name, ids in tally.feature_text.items()}
    raw = {name: ids.values for name, ids in tally.feature_text.items()}
    has_commune = np.array([bool(c) for _, _, c in fixed] + [False], bool)
    out = []
    for feature, counts in tally.features.items():
        keys, n, first = counts.merged()
        if not len(keys):
            continue
        place, low = keys >> _SHIFT, keys & _MASK
        code, day = low >> 16, low & 0xFFFF
        dimension = (
            RESIDENCE_RAW
            if feature == "residence"
            else {"birth_year": "group", "age": "group"}.get(feature, feature)
        )
        pair, pairs = pd.factorize(code * 65536 + day, sort=False)
        values = []
        for key in pairs.tolist():
            c, d = divmod(int(key), 65536)
            when = day_date[d] if d < len(day_date) else None
            if when is None:
                values.append(None)
            elif feature in ("birth_year", "age"):
                years = when.year - (c + 1800) if feature == "birth_year" else c
                values.append(dimensions.group_of_age(years, when.month) if 0 <= years < 130 else None)
            elif feature == "residence":
                # The province of the current residence: classed once the units (and so
                # the home provinces) are known (parts.from_export).
                values.append(texts["current_province"][raw["current_province"][c]] or None)
            elif feature == "channel":
                values.append(dimensions.channel_of_place(texts[feature][raw[feature][c]]))
            else:
                values.append(dimensions.canonical(feature, texts[feature][raw[feature][c]]))
        value = np.asarray(values, dtype=object)[pair]
        keep = pd.notna(value) & has_commune[np.minimum(place, len(fixed))]
        if not keep.any():
            continue
        place, day, value, n, first = place[keep], day[keep], value[keep], n[keep], first[keep]
        names = np.asarray(fixed, dtype=object).reshape(-1, 3) if fixed else np.empty((0, 3), object)
        out.append(
            pd.DataFrame(
                {
                    "province": names[place, 0],
                    "district": names[place, 1],
                    "commune": names[place, 2],
                    "date": np.asarray(day_date + [None], dtype=object)[day],
                    "dimension": dimension,
                    "value": value,
                    "count": n,
                    "row": first,
                }
            )
        )
    if not out:
        return pd.DataFrame(columns=columns)
    frame = pd.concat(out, ignore_index=True)
    return frame.groupby(columns[:6], as_index=False, sort=True).agg(
        count=("count", "sum"), row=("row", "min")
    )
