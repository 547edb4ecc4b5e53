"""Counting an export's chunks: each chunk of rows becomes integer codes (place, day,
status, features) whose counts and first rows are kept per key, so memory follows the
distinct keys, not the rows.  `cccd_analytics.ingest.records` reads the chunks;
`cccd_analytics.ingest.record_counts` turns the tally into counts per place and day.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa

from cccd_analytics import dimensions
from cccd_analytics.ingest import headers, normalise
from cccd_analytics.ingest.readers import ArrowFallback
from cccd_analytics.ingest.statuses import is_handed_over, is_void

PLACE = ("province", "district", "commune")
# The time after a day ("15/03/2021 08:12"), or before it ("08:15:22 23/05/2023", some
# systems' exports).  Written with explicit classes, no \s or \d: pandas hands such a
# pattern to pyarrow's regex engine, and for \s and \d on non-ASCII text (a Vietnamese
# export's column) it calls Python once per value instead (~30 ms for a 1M-row export's
# ~100.000 distinct received times).  The spaces are those a spreadsheet or a web form
# puts between a day and its time: space, tab, no-break and narrow no-break spaces.
_SPACE = "[ \t\u00a0\u202f]"
# Also the weekday or the word "Ngày" before a day ("Thứ Hai, 17/04/2023", "T2 17/04/2023",
# "CN - 23/04/2023", "Ngày 17/04/2023"): an office's list writes them, and every day of such
# an export was unreadable, which refused it as having its date column wrong.
_WEEKDAY = (
    "(?i:(?:thứ|thu)[ \t\u00a0]*(?:hai|ba|tư|tu|năm|nam|sáu|sau|bảy|bay|[2-7])"
    "|chủ[ \t\u00a0]*nhật|chu[ \t\u00a0]*nhat|cn|t[2-7]|mon|tue|wed|thu|fri|sat|sun)[a-z]*[.]?"
)
_TIME = (
    f"^{_SPACE}*[0-9]{{1,2}}[:hg][0-9]{{2}}(?::[0-9]{{2}})?{_SPACE}*[-–,]?{_SPACE}+"
    f"|(?:T|-|{_SPACE})[0-9]{{1,2}}[:hg][0-9]{{2}}.*$"
    f"|^{_SPACE}*{_WEEKDAY}(?:{_SPACE}*[,:–-]{_SPACE}*|{_SPACE}+)(?:(?i:ngày|ngay){_SPACE}*)?"
    f"|^{_SPACE}*(?i:ngày|ngay){_SPACE}+"
)
# A day written dd/mm/yyyy (or with dots or dashes) or yyyy-mm-dd: its year, whatever the
# order of day and month the file turns out to use.
# Two digits are this century's, as `normalise.parse_date` reads them ("20/04/23").
_DAY_YEAR = re.compile(r"\d{1,2}[/.\-]\d{1,2}[/.\-](\d{4}|\d{2})|(\d{4})-\d{1,2}-\d{1,2}")


def _year_of_day(text: str) -> int:
    """The year of a received day's text, -1 when it reads as no day.  Written any other way
    ("ngày 17 tháng 4 năm 2023", "17-Apr-23", a serial), the year `normalise.parse_date` reads
    in it: the import's own reading of the day (the year is the same whatever the order of
    day and month; `record_counts._parts` checks it).  Once per distinct day text."""
    found = _DAY_YEAR.fullmatch(text)
    if not found:
        value = normalise.parse_date(text).value
        return value.year if isinstance(value, date) else -1
    year = int(found.group(1) or found.group(2))
    return 2000 + year if year < 100 else year


@lru_cache(maxsize=1)
def _age_classes() -> np.ndarray:
    """For each age 0–129, the smallest age that falls in the same priority group in every
    month (`dimensions.group_of_age`), -1 for an age in no group in any month.  Ages of one
    class are one part whatever the day: counting a record under its class's age gives the
    parts that counting it under its own would."""
    first: dict[tuple, int] = {}
    out = np.full(130, -1, np.int64)
    for age in range(130):
        groups = tuple(dimensions.group_of_age(age, month) for month in range(1, 13))
        if any(groups):
            out[age] = first.setdefault(groups, age)
    return out


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
        # A part's low key is its code << 16 | its day (record_counts reads it so): on the grid
        # the codes used are numbered 0, 1, … and packed with the day as code × days + day,
        # or rows of 65.536 columns, and codes that are birth years, would put a province's
        # parts (a dozen age classes × 75 days) far past the grid's size.
        most = int(low.max())
        if most >> 16:
            code = (low >> 16).astype(np.int32)
            used = np.flatnonzero(np.bincount(code))  # the codes used, ascending: key order kept
            rank = np.zeros(int(used[-1]) + 1, np.int32)
            rank[used] = np.arange(len(used), dtype=np.int32)
            days = int((low & 0xFFFF).max()) + 1
        else:
            used, days = None, most + 1
        width = (len(used) if used is not None else 1) * days
        size = (int(high.max()) + 1) * width
        if size <= _DENSE_LIMIT:
            # Few places × days (a province's export): counted on a dense grid, in key order,
            # on int32 codes (performance: each 1M-row int64 temporary cost ~10 ms; a sort of
            # a province's ~400.000 parts' keys ~25 ms).
            dense = high.astype(np.int32, copy=False) * np.int32(width)
            if used is not None:
                dense += rank[code] * np.int32(days)
                dense += (low & 0xFFFF).astype(np.int32)
            else:
                dense += low.astype(np.int32, copy=False)
            counts = np.bincount(dense, minlength=size)
            present = np.flatnonzero(counts)
            first = np.empty(size, np.int64)
            first[dense[::-1]] = rows[::-1]  # the last write wins: the first row
            cell = present % width
            if used is not None:
                cell = (used[cell // days].astype(np.int64) << 16) | (cell % days)
            uniq = ((present // width) << SHIFT) | cell
            self.parts.append((uniq, counts[present].astype(np.int64), first[present]))
        else:
            # Sorted (numpy's unstable sort of int64, SIMD): a 1M-row chunk of a birth year's
            # keys — most of them distinct — took 0.3 s in a hash table (pd.factorize), 0.05 s so.
            keys = (high.astype(np.int64) << SHIFT) | low
            order = np.argsort(keys)
            keys = keys[order]
            starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
            uniq = keys[starts]
            counts = np.diff(np.r_[starts, len(keys)]).astype(np.int64)
            first = np.minimum.reduceat(np.asarray(rows, np.int64)[order], starts)
            self.parts.append((uniq, counts, first))
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


SHIFT = np.int64(32)  # key = place id << 32 | day (or status) id
MASK = np.int64((1 << 32) - 1)
_DENSE_LIMIT = 1 << 21  # places × days counted on a dense grid up to this size (16 MiB)


def _one_chunk(array):
    """An Arrow column as one array: its chunk when it has one.  `combine_chunks` copies even
    a single chunk of a dictionary column (its indices and dictionary: 1-70 ms for a 1M-row
    export's column, measured), and the reader hands over one chunk."""
    if not isinstance(array, pa.ChunkedArray):
        return array
    return array.chunk(0) if array.num_chunks == 1 else array.combine_chunks()


def _column(values: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Codes and distinct values (a str Series) of a column: the Arrow reader's
    dictionaries as they are, text (pandas, a sheet) factorised."""
    if isinstance(values.dtype, pd.ArrowDtype) and pa.types.is_dictionary(values.dtype.pyarrow_dtype):
        array = _one_chunk(values.array.__arrow_array__())
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
        array = _one_chunk(values.array.__arrow_array__())
        return array.indices.to_numpy(zero_copy_only=False), array.dictionary.cast(pa.string())
    return None


def _codes_and_texts(values: pd.Series):
    """A column's row codes and its distinct values as Arrow text: the reader's dictionary as
    it is, else factorised (a blank or missing value as "")."""
    found = _dictionary(values)
    if found is not None:
        return found
    codes, uniques = pd.factorize(values.astype(object).where(values.notna(), ""), sort=False)
    return codes, pa.array([str(u) for u in uniques], pa.string())


def _years(values: pd.Series, pattern: str = r"(?P<y>(?:18|19|20)\d\d)") -> np.ndarray:
    """The first number `pattern` finds in each value (a birth year, an age), -1 where none;
    found in Arrow on the column's distinct values."""
    import pyarrow.compute as pc

    codes, texts = _codes_and_texts(values)
    if not len(texts):
        return np.full(len(codes), -1, np.int64)
    years = pc.struct_field(pc.extract_regex(texts, pattern), "y")
    numbers = np.asarray(pc.cast(years, pa.int64(), safe=False).fill_null(-1).to_numpy(zero_copy_only=False))
    return _per_row(numbers, codes)


def _per_row(values: np.ndarray, codes) -> np.ndarray:
    """`values` (one per distinct text) for each record by its code, -1 for a code of no
    text (pandas' -1): one pass over the rows, on the codes as they come (a reader's int32;
    made int64 first, or masked after, each was another pass over a 1M-row export)."""
    codes = np.asarray(codes)
    if len(codes) and codes.min() < 0:
        values = np.append(values, -1)  # what code -1 takes
    return values.take(codes)


# A birth year: four digits standing alone ("13/07/1958", "1958", "1958-07-13"), never
# four digits inside a longer number (a serial "21900" holds "1900").  RE2 (Arrow's regex
# engine) has no look-around: the edges are matched instead.
_BIRTH_YEAR = r"(?:^|[^0-9])(?P<y>(?:18|19|20)[0-9]{2})(?:[^0-9]|$)"
# A birth date kept as Excel's serial number of days ("21900", "21900.0"): a program wrote
# the cell as a number.  Four or five digits; up to 2100 it is a year (the pattern above).
_BIRTH_SERIAL = r"^[ \t]*(?P<y>[0-9]{4,5})(?:[.]0+)?[ \t]*$"
# A birth date with a two-digit year ("13/07/58", "13-07-58 00:00").
_BIRTH_SHORT = r"^[ \t]*[0-9]{1,2}[ \t]*[/.\-][ \t]*[0-9]{1,2}[ \t]*[/.\-][ \t]*(?P<y>[0-9]{2})(?:[ \t].*)?$"
# A birth date written as eight digits, year first or last ("19580713", "13071958").
_BIRTH_DIGITS = (
    r"^[ \t]*(?:(?P<y>(?:18|19|20)[0-9]{2})(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
    r"|(?:0[1-9]|[12][0-9]|3[01])(?:0[1-9]|1[0-2])(?P<z>(?:18|19|20)[0-9]{2}))[ \t]*$"
)
_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")


def _birth_years(values: pd.Series) -> tuple[np.ndarray, np.ndarray | None]:
    """Each value's birth year − 1800 (-1 where none) and, apart, a two-digit year (-1 where
    none; None when no value has one), which only the day received can place in its century;
    found in Arrow on the column's distinct values, so that no birth date becomes a Python
    object, and then looked up once per record."""
    import pyarrow.compute as pc

    codes, texts = _codes_and_texts(values)
    codes = np.asarray(codes)
    if not len(texts):
        return np.full(len(codes), -1, np.int64), None

    def number(pattern: str, group: str = "y") -> np.ndarray:
        got = pc.struct_field(pc.extract_regex(texts, pattern), group)
        got = pc.if_else(pc.equal(got, ""), None, got)  # a group of the other alternative
        return np.asarray(pc.cast(got, pa.int64(), safe=False).fill_null(-1).to_numpy(zero_copy_only=False))

    years, serial, short = number(_BIRTH_YEAR), number(_BIRTH_SERIAL), number(_BIRTH_SHORT)
    years = np.where(years >= 0, years, np.maximum(number(_BIRTH_DIGITS), number(_BIRTH_DIGITS, "z")))
    serial = np.where(serial > 2100, serial, -1)
    if (serial > 0).any():
        day = _EXCEL_EPOCH + np.maximum(serial, 0).astype("timedelta64[D]")
        years = np.where(serial > 0, day.astype("datetime64[Y]").astype(np.int64) + 1970, years)
    short = np.where(years < 0, short, -1)
    return (
        _per_row(np.where(years >= 0, years - 1800, -1), codes),
        _per_row(short, codes) if (short >= 0).any() else None,
    )


def _last_part(values: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """An address's last part ("…, Tỉnh Hà Tĩnh" → "Tỉnh Hà Tĩnh"): row codes and the
    distinct last parts (a few provinces), cut in Arrow from the column's distinct values."""
    import pyarrow.compute as pc

    codes, texts = _codes_and_texts(values)
    last = pc.struct_field(pc.extract_regex(texts, r"(?P<p>[^,;\-–]*)\s*$"), "p").fill_null("")
    encoded = pc.utf8_trim_whitespace(last).dictionary_encode()
    lut = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return lut[np.asarray(codes, np.int64)], encoded.dictionary.to_pandas().astype(str)


# A line of sums by its place cell: a word of sums alone or before a colon, a figure or the
# unit it sums ("Tổng cộng", "Cộng:", "Tổng số 300", "Cộng xã Diễn Kim"), with the diacritics
# a name never has there; never a commune named so ("Cộng Hòa" without its "Xã").
SUM_LINE = re.compile(
    r"(?i)^\s*(?:tổng\s+cộng|tổng\s+số|tổng|cộng|total|subtotal|grand\s+total)"
    r"(?:\s*[:\-–(]|\s*[0-9]|\s*$|\s+(?:xã|phường|thị\s+trấn|huyện|toàn|chung|các|cả|số|cộng|hồ\s+sơ)(?![^\W\d_]))"
)

# Its first word, in classes Arrow's regex engine runs without calling Python (~15 ms over
# 300.000 distinct addresses, where the pattern above took 0,1 s).
_SUM_START = (
    "[ \t]*(?:[Tt][Ổổ][Nn][Gg]|[Cc][Ộộ][Nn][Gg]|[Tt][Oo][Tt][Aa][Ll]|[Ss][Uu][Bb][Tt]|[Gg][Rr][Aa][Nn][Dd])"
)


#: Fewer digits than this and a record's number tells no application apart: a sheet kept by
#: hand numbers each shift's or each officer's list 1, 2, 3 … again, on the same day.
_ID_DIGITS = 5


def _no_number(texts) -> np.ndarray:
    """Which of an Arrow text array's values number no application: empty, a placeholder
    with no digit but 0 ("-", "x", "0", "Chưa cấp"), or a short count of a list ("12").
    Each such row was taken for one application with every other row so written at its
    place and day (60 rows of "-" counted as 15)."""
    import pyarrow.compute as pc

    digits = pc.utf8_length(pc.replace_substring_regex(texts, r"[^0-9]", ""))
    no_number = pc.or_(pc.less(digits, _ID_DIGITS), pc.invert(pc.match_substring_regex(texts, r"[1-9]")))
    return no_number.to_numpy(zero_copy_only=False)


def _unprotected(texts: pd.Series) -> pd.Series:
    """Values a program wrote as Excel formulas to keep them text (="17/04/2023 08:15",
    ="Xã Diễn Kim"), as written inside: every day of such a CSV export was unreadable, and
    it was refused as having its date column wrong.  A look at the distinct values first."""
    if not len(texts) or not texts.str.startswith('="').any():
        return texts
    return texts.str.replace(r'^="(.*)"$', r"\1", regex=True)


def _bare_numbers(texts):
    """Application numbers without the spaces and quotes around them: a row pasted again from
    another program (" HS25-0000123", "'HS25-0000123", "HS25-0000123 ") is the same
    application, and was counted twice.  Only numbers out of order are so trimmed (a pass
    over the column, ~0,1 s for 1M rows): in strictly increasing order, a repeat is never
    apart from its first row but as its right neighbour."""
    import pyarrow.compute as pc

    return pc.utf8_trim(texts, characters=" \t\u00a0\u202f'")


class Tally:
    """Counts over chunks, keyed by the raw text of the place and day.

    Performance: each chunk is handled as integer codes.  The text operations
    of the row-by-row code this replaces (the same pandas strip and time-of-day regex)
    run once per distinct value, and the counting is numpy, so a million rows cost no
    Python per row.  The figures are the same.
    """

    def __init__(
        self,
        fields: list[str],
        status_legend: dict[str, str] | None = None,
        header_texts: dict[str, set[str]] | None = None,
    ):
        self.fields = fields
        # The header's own texts in the place and date columns (`layout.record_header_texts`):
        # a row holding one is the header again (a printed report's, atop every page).
        self.header_texts = header_texts or {}
        self.header_rows = [0, []]
        self.sum_rows = [0, []]  # lines of sums by their place ("Tổng cộng" as the commune)
        # A status written as a code ("2") is read as the status the legend gives it.
        self.status_legend = status_legend or {}
        self.text = {name: _Ids() for name in (*PLACE, "day", "status")}
        self.places: dict[tuple[int, int, int], int] = {}  # (province, district, commune ids) → place id
        self.place_list: list[tuple[int, int, int]] = []
        self.received = _Counts()  # place << 32 | day → n, first row
        self.returned_on = _Counts()  # place << 32 | day → n
        self.status = _Counts()  # place << 32 | status → n, first row
        self.date_rows: dict[str, int] = {}
        self.no_place = [0, []]
        self.no_date = [0, []]
        self.void = [0, []]
        self.void_statuses: set[str] = set()
        self.rows = 0
        # Parts: per feature, place << 32 | (code << 16 | day) → n, first row.  A code is a
        # raw text's id (channel, application type, shift, the province of the current
        # residence), a birth year − 1800 or an age.
        self.features: dict[str, _Counts] = {}
        self.feature_text: dict[str, _Ids] = {}
        # The year of each day id (its text's, -1 when not read here), for the ages' classes.
        self.day_years: list[int] = []
        # Application numbers ("Số hồ sơ") of earlier chunks, distinct, as Arrow text (never
        # Python objects), and for each the (place << 16 | day) of its first counted row.
        # An export bigger than one chunk keeps its numbers so (about its number column's size).
        self.id_parts: list = []
        self.ids_last = None  # the last number, while every chunk's were in order
        self.id_first = np.zeros(0, np.int64)
        self.pairs: list[np.ndarray] = []  # (number << 36 | place << 16 | day) of chunks out of order
        self._pending_spots = None
        self.repeated = [0, []]  # rows counted already (the same number, place and day)
        self.undated_returns = [0, []]  # cards handed over by their status, with no day handed over
        # Two-digit birth years ("15/05/25") whose day received gives no year: in no group.
        self.short_births_undated = [0, []]

    def add(self, frame: pd.DataFrame, first_row: int) -> None:
        """`frame` has one column per read field (text, or dictionaries from the Arrow
        reader); `first_row` is the 1-based row of its first line."""
        n = len(frame)
        if not n:
            return
        rownum = np.arange(first_row, first_row + n, dtype=np.int64)
        extra = [c for c in frame.columns if c in headers.RECORD_BREAKDOWN_FIELDS]
        features = frame[extra] if extra else None
        record_id = frame["record_id"] if "record_id" in frame.columns else None
        if extra or record_id is not None:
            frame = frame[[c for c in frame.columns if c not in extra and c != "record_id"]]
        cols: dict[str, tuple[np.ndarray, pd.Series]] = {}
        for name in frame.columns:
            codes, uniques = _column(frame[name])
            cols[name] = (codes, _unprotected(uniques.str.strip()))
        for name in PLACE:
            if name not in cols:
                cols[name] = (np.zeros(n, np.int32), pd.Series([""], dtype="str"))
        if self.status_legend and "status" in cols:
            codes, uniques = cols["status"]
            legend = self.status_legend
            cols["status"] = (
                codes,
                pd.Series(
                    [legend.get(t.lstrip("0") or "0", t) if t.isdigit() else t for t in uniques], dtype="str"
                ),
            )
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
        again = self._header_again(cols)
        if again is not None:
            self._note(self.header_rows, rownum[keep & again])
            keep &= ~again
            if not keep.any():
                return
        sums = self._sum_lines(cols)
        if sums is not None:
            self._note(self.sum_rows, rownum[keep & sums])
            keep &= ~sums
            if not keep.any():
                return
        if no_place is not None:
            self._note(self.no_place, rownum[keep & no_place & (True if no_day is None else ~no_day)])
        if no_day is not None:
            self._note(self.no_date, rownum[keep & no_day & (True if no_place is None else ~no_place)])
        for mask in (no_place, no_day):
            if mask is not None:
                keep &= ~mask
        if "status" in cols:
            # A cancelled or refused application was never taken in (judged once per
            # distinct status; a pass over the rows only when the chunk has one).
            s_codes, s_uniques = cols["status"]
            labels = s_uniques.tolist()
            void = np.array([is_void(label) for label in labels], bool)
            if void.any():
                voided = keep & void[s_codes]
                self._note(self.void, rownum[voided])
                self.void_statuses |= {labels[i] for i in np.unique(s_codes[voided])}
                keep &= ~voided
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
        if record_id is not None:
            again = self._repeated(record_id, keep, place, day)
            if again is not None:
                self._note(self.repeated, rows[again])
                keep[np.flatnonzero(keep)[again]] = False
                kept = int(keep.sum())
                self.rows -= len(rows) - kept
                if not kept:
                    return

                def select(values):
                    return values[keep]

                rows, place, day = rows[~again], place[~again], day[~again]
        self.received.add(place, day, rows)
        self._first_rows(day, rows)
        if "returned_date" in cols:
            back_codes, back_uniques = cols["returned_date"]
            back_codes, back_text = _distinct(
                select(back_codes), back_uniques.str.replace(_TIME, "", regex=True)
            )
            sel = np.array([b != "" for b in back_text], bool)[back_codes]
            if "status" in cols:
                # A card the status says was handed over, with no day handed over: not counted
                # as returned (on which day?), and said so, where it went unsaid.
                s_codes, s_uniques = cols["status"]
                handed = np.array([is_handed_over(t) for t in s_uniques], bool)
                if handed.any():
                    self._note(self.undated_returns, rows[handed[select(s_codes)] & ~sel])
            if sel.any():
                back = self._ids("day", back_codes[sel], back_text)
                self.returned_on.add(place[sel], back, rows[sel])
                self._first_rows(back, rows[sel])
        if "status" in cols:
            status = self._ids("status", *_distinct(select(cols["status"][0]), cols["status"][1]))
            self.status.add(place, status, rows)
        if features is not None:
            self._features(features, select, place, day, rows)

    def _sum_lines(self, cols) -> np.ndarray | None:
        """Rows whose place is a line of sums ("Tổng cộng", "Cộng xã Diễn Kim: 18"), or None;
        judged on each place column's distinct values.  A CSV export's "Tổng cộng" line with
        the export's day in the date column was an application of a unit «Tổng cộng»."""
        found = None
        for name in PLACE:
            codes, uniques = cols[name]
            # Performance: a column of whole addresses has nearly a value per row; the few
            # that begin with a word of sums are found in Arrow, then read in Python.
            near = uniques.str.match(_SUM_START).to_numpy(bool)
            if not near.any():
                continue
            hit = np.zeros(len(uniques), bool)
            hit[near] = [SUM_LINE.match(t) is not None for t in uniques[near]]
            if hit.any():
                found = hit[codes] if found is None else found | hit[codes]
        return found

    def _header_again(self, cols) -> np.ndarray | None:
        """Rows that repeat the header (its text in the commune or date column), or None.
        Judged on each column's distinct values: one pass over the rows only when one is
        found.  Such rows were records with an unreadable day: 15 pages refused an export
        as having its date column wrong."""
        found = None
        for name, texts in self.header_texts.items():
            if name in cols and texts:
                codes, uniques = cols[name]
                hit = uniques.isin(texts).to_numpy(bool)
                if hit.any():
                    found = hit[codes] if found is None else found | hit[codes]
        return found

    def _repeated(self, values: pd.Series, keep: np.ndarray, place: np.ndarray, day: np.ndarray):
        """Which counted rows (`keep`'s, in order) repeat an application counted before: the
        same number at the same place and day, in this chunk or an earlier one; None when none
        does.  A number alone is not enough: a unit's own sheet may number its records per
        commune or per day ("1", "2" … again), which is never the same place and day twice.

        Performance and privacy: the numbers are compared in Arrow and numpy, never made
        Python text.  Numbers in strictly increasing order (an issuing system's export, the
        usual case) are all distinct: that is one comparison of neighbours, where a hash
        table over a 1M-row export's numbers costs ~0,2 s; only numbers out of order are
        hashed, only the rows of a number written twice are sorted, and earlier chunks are
        looked up only when there are some."""
        import pyarrow.compute as pc

        found = _dictionary(values)
        if found is None:
            if isinstance(values.dtype, pd.ArrowDtype):
                array = _one_chunk(values.array.__arrow_array__())
            else:
                array = pa.array(values.to_numpy(object), pa.string(), from_pandas=True)
            if array.null_count:  # (a copy of the whole column otherwise: ~20 ms for 1M numbers)
                array = array.fill_null("")
            if not keep.all():
                array = array.filter(pa.array(keep))
            if not len(array):
                return None
            if self._in_order(array):
                # Each row its own new number: where each was first counted is its own spot.
                base = self._ids_count()
                self._first_spots()  # the chunk before's, now that another follows it
                self.id_parts.append(array)
                self._pending_spots = (None, place, day, base, len(array))
                self.ids_last = array[-1]
                return None
            encoded = pc.dictionary_encode(_bare_numbers(array))
            codes = encoded.indices.to_numpy(zero_copy_only=False)
            distinct = encoded.dictionary
        else:
            codes, distinct = found
            codes = np.asarray(codes)
            if not keep.all():
                codes = codes[keep]
            # Numbers that differ only by a space or a quote around them are one number.
            again = pc.dictionary_encode(_bare_numbers(distinct))
            if len(again.dictionary) < len(distinct):
                codes = again.indices.to_numpy(zero_copy_only=False)[codes]
                distinct = again.dictionary
        if not len(codes) or not len(distinct):
            return None
        self.ids_last = None  # out of order: later chunks are looked up
        blank = _no_number(distinct)
        # Each distinct number's global id: an earlier chunk's, else a new one (-1: no number).
        base = self._ids_count()
        if base:
            if len(self.id_parts) > 1:
                self.id_parts = [pa.concat_arrays(self.id_parts)]
            known = pc.index_in(distinct, value_set=self.id_parts[0]).fill_null(-1)
            known = known.to_numpy(zero_copy_only=False).astype(np.int64)
        else:
            known = np.full(len(distinct), -1, np.int64)
        new = np.flatnonzero((known < 0) & ~blank)
        known[new] = base + np.arange(len(new))
        known[blank] = -1  # an empty number is no number, even where an earlier chunk had one
        number = known[codes]
        earlier = np.zeros(len(codes), bool)
        spots = (place.astype(np.int64) << 16) | day
        if base:
            self._first_spots()
            old = np.flatnonzero((number >= 0) & (number < base))
            if len(old):
                earlier[old] = self.id_first[number[old]] == spots[old]
                if self.pairs:
                    # A number an earlier chunk had at other places or days than its first.
                    self.pairs = [np.unique(np.concatenate(self.pairs))]
                    earlier[old] |= np.isin((number[old] << 36) | spots[old], self.pairs[0])
        # Within the chunk: a row whose (number, place, day) an earlier row of it has; only
        # the rows of a number written twice are looked at.
        twice = np.bincount(codes, minlength=len(distinct)) > 1
        twice &= ~blank
        if twice.any():
            rows = np.flatnonzero(twice[codes])
            key = np.stack([number[rows], (place[rows].astype(np.int64) << 16) | day[rows]])
            sort = np.lexsort(key[::-1])  # stable: each key's first row first
            ranked = key[:, sort]
            same = np.r_[False, (ranked[:, 1:] == ranked[:, :-1]).all(axis=0)]
            earlier[rows[sort[same]]] = True
        if len(new):
            self.id_parts.append(distinct if len(new) == len(distinct) else distinct.take(pa.array(new)))
            # Where each new number was first counted, worked out only if a chunk follows.
            self._pending_spots = (number, place, day, base, len(new))
        # Every (number, place, day) of a chunk out of order, for the chunks after it: a number
        # first seen elsewhere and then repeated at a second place in a later chunk was
        # counted twice, depending on where the chunks broke.  (The place < 2**20 and the
        # number < 2**27 an export of this size has.)
        counted = (number >= 0) & ~earlier
        if counted.any():
            self.pairs.append((number[counted] << 36) | spots[counted])
        return earlier if earlier.any() else None

    def _in_order(self, array) -> bool:
        """Whether a chunk's numbers are strictly increasing, after the last number of the
        chunks before (themselves in order): then none repeats."""
        import pyarrow.compute as pc

        if self.id_parts and (self.ids_last is None or not pc.greater(array[0], self.ids_last).as_py()):
            return False
        # Blank numbers need no look: strictly increasing numbers are never the same twice.
        return len(array) < 2 or pc.all(pc.less(array.slice(0, len(array) - 1), array.slice(1))).as_py()

    def _ids_count(self) -> int:
        return sum(len(part) for part in self.id_parts)

    def _first_spots(self) -> None:
        """`id_first` for the numbers the chunk before added: the (place << 16 | day) of
        each one's first row."""
        if self._pending_spots is None:
            return
        number, place, day, base, added = self._pending_spots
        self._pending_spots = None
        if number is None:  # numbers in order: each row its own
            first = (place.astype(np.int64) << 16) | day
        else:
            rows = np.flatnonzero(number >= base)
            first = np.full(added, -1, np.int64)
            spot = (place[rows].astype(np.int64) << 16) | day[rows]
            first[(number[rows] - base)[::-1]] = spot[::-1]  # the last write wins: the first row's
        self.id_first = np.concatenate([self.id_first, first])

    def _features(
        self, frame: pd.DataFrame, select, place: np.ndarray, day: np.ndarray, rows: np.ndarray
    ) -> None:
        """Count each kept row's parts.  A birth date is reduced to its year and a current
        address to its last part (the province) in Arrow, before any Python text is made
        of them: no person's date of birth or address becomes a Python object here."""
        for name in frame.columns:
            if name == "birth_date":
                code, short = _birth_years(frame[name])
                short = None if short is None else select(short)
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
            if feature == "birth_year" and short is not None and (short >= 0).any():
                code = np.where(short >= 0, self._century(short, day, rows) - 1800, code)
            if feature in ("birth_year", "age"):
                code = self._by_age_class(feature, code, day)
            ok = (code >= 0) & (code < 1 << 15)
            if ok.any():
                counts = self.features.setdefault(feature, _Counts())
                counts.add(place[ok], (code[ok].astype(np.int64) << 16) | day[ok], rows[ok])

    def _century(self, short: np.ndarray, day: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Two-digit birth years as full years: the latest year ending so that is not after
        the year received ("58" → 1958, "05" → 2005 for a day of 2023; "20" → 2020, a child,
        never 1920).  A day received whose year cannot be read places it nowhere (-1), noted
        in `short_births_undated`: never guessed from the machine's date, which read "25" as
        2025 (no elder) and made the groups depend on the day of the import."""
        self._read_day_years()
        received = np.asarray(self.day_years, np.int64)[day.astype(np.int64)] if len(day) else day
        unread = (short >= 0) & (received < 0)
        if unread.any():
            self._note(self.short_births_undated, rows[unread])
        year = received - (received - short) % 100
        return np.where((short >= 0) & (received >= 0), year, -1)

    def _read_day_years(self) -> None:
        texts = self.text["day"].values
        self.day_years.extend(_year_of_day(t) for t in texts[len(self.day_years) :])

    def _by_age_class(self, feature: str, code: np.ndarray, day: np.ndarray) -> np.ndarray:
        """A birth year (− 1800) or an age as the code of its age's class (`_age_classes`), -1
        for a record whose age puts it in no part on that day.

        Performance: a birth year with its day is nearly one key per record (~900,000 of a
        1M-row export, sorted and merged in 0,2-0,3 s of CPU); by class (about a dozen ages
        that matter, the elderly as one) the keys are far fewer, and the ~60% of records in
        no part are left out here rather than after counting.  A birth year is classed
        with the year of its received day, which the text gives whatever the order of day
        and month (`finish` checks the year it reads is the same); a day written otherwise
        keeps the birth year as it is."""
        classes = _age_classes()
        if feature == "age":
            inside = (code >= 0) & (code < len(classes))
            return np.where(inside, classes[np.clip(code, 0, len(classes) - 1)], -1)
        self._read_day_years()
        if not len(code):
            return code
        # The class of every (day, birth year) pair the chunk may have, in a small table
        # (days × birth years: birth years are 1800-2099 or none), then one look-up per record.
        years = np.asarray(self.day_years, np.int64)[:, None]
        low = int(code.min())
        births = np.arange(low, int(code.max()) + 1, dtype=np.int64)[None, :]
        age = years - (births + 1800)
        kept = classes[np.clip(age, 0, len(classes) - 1)]
        table = np.where((age >= 0) & (age < len(classes)) & (kept >= 0), years - kept - 1800, -1)
        table = np.where(years >= 0, table, births)
        # The table's index in int32 and in place (it has at most a few hundred thousand
        # cells): each int64 temporary of a 1M-row export's was another 8 MB pass.
        at = day.astype(np.int32) * np.int32(births.shape[1])
        at += code.astype(np.int32, copy=False)
        at -= np.int32(low)
        return table.ravel().take(at)

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
        if len(used) == len(texts) and (lut == np.arange(len(texts))).all():
            return codes  # each text its own code already (a first chunk's): no pass over the rows
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
