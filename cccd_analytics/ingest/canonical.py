"""A plain canonical CSV — one row per commune and day under one header, UTF-8 — read a
column at a time by pyarrow: the frame `rows.sheet_records` builds from the same rows,
with the same effects on the report, for a fraction of the cost.

Why beside `sheet_records` and not instead of it: that function walks the rows one by one
because a report's rows are many things (subtotals before or after their communes, totals,
parts, headings, footers, districts written once for several communes) and each kind is
decided from the rows around it.  A canonical file exported by a system has none of them,
and a nation's 63 files are 1,2 million such rows: reading them cell by cell in Python was
a third of the national load.  Here each column is parsed by Arrow and every function of a
cell (number, date, name, row kind) is applied once per distinct text.

`read` declines (returns None, and has changed nothing) whenever the file is anything but
plain — a legacy font, quoting, a line of another width, a cell that is not a plain figure
or date, a row that is not a commune (a total, a subtotal, a blank, a footer, a part), a
district left blank under another — and the file is then read row by row as before, which
finds and words every such case.  tests/test_canonical.py holds both readings to the same
frame and report on every canonical CSV of the test corpus and on crafted files.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cccd_analytics import dimensions, registry
from cccd_analytics.ingest import layout as layouts
from cccd_analytics.ingest import legacy_text, normalise
from cccd_analytics.ingest.readers import Limits, Sheet, Workbook, whole
from cccd_analytics.ingest.readers.delimited import record_offset
from cccd_analytics.ingest.report import ImportReport, Problem
from cccd_analytics.ingest.rows import RECORD_COLUMNS, VALUE_ORDER, commune_name
from cccd_analytics.ingest.sheet_context import authorities_and_title

# A count Arrow may read by itself: ASCII digits, at most 8 (under normalise.MAX_COUNT, as
# `rows._counter` reads them: int(raw)); longer ones are checked by parse_count.
_PLAIN_COUNT = r"^[0-9]{1,8}$"


class _NotPlain(Exception):
    """Something `sheet_records` decides row by row: the file is read that way."""


def read(
    book: Workbook,
    data,
    sheet: Sheet,
    found: layouts.Layout,
    report: ImportReport,
    report_date,
    limits: Limits,
) -> pd.DataFrame | None:
    """The rows of a canonical CSV table as `sheet_records` gives them, or None when the
    file is not plain enough to be read column-wise (nothing was changed then)."""
    cols = found.columns
    if (
        book.format != "csv"
        or book.csv is None
        or book.encoding not in ("utf-8", "utf-8-sig")
        or found.kind != "canonical"
        or "date" not in cols
        or "collected" not in cols
        or any(d in cols for d in dimensions.DIMENSIONS)
        or layouts.part_fields(cols)
        or len(data) > limits.max_table_bytes  # the row-by-row reading refuses it, with its reason
        or len(sheet.rows) <= found.first_data_row
    ):
        return None
    try:
        table, rows = _columns(whole(data), book, sheet, found)
        frame, problems = _frame(table, rows, found, sheet.name or "")
    except _NotPlain:
        return None
    # What sheet_records records in the report for such a table, now that it is read.
    if report.date_origin is None:
        col = cols["date"]
        report.date_origin, report.date_source = "column", f"cột {col.letter} «{col.header}»"
    report.problems.extend(problems)
    report.rows_read += rows
    return frame


def _columns(raw: bytes, book: Workbook, sheet: Sheet, found: layouts.Layout):
    """The data rows' columns as Arrow dictionaries, from the text the row-by-row reading
    would split (decoded and repaired the same way: it must need no repair)."""
    delimiter = book.csv.delimiter
    if len(delimiter) != 1 or delimiter in '"\r\n':
        raise _NotPlain
    width = len(sheet.rows[found.first_data_row])
    wanted = sorted({c.index for c in found.columns.values()})
    if not width or wanted[-1] >= width:
        raise _NotPlain
    if book.encoding == "utf-8" and not any(mark in raw for mark in _NOT_AS_IS):
        # Performance: a clean UTF-8 file is parsed as it is, every column, and shown to
        # be what decoding it would give (no line a legacy font could have written, all
        # of it NFC) from the distinct texts of its cells; decoding it whole (splitting
        # and scanning every line in Python) was a tenth of a national file's check.
        try:
            table, rows, header = _parse(raw, delimiter, found.first_data_row, width, range(width))
        except _NotPlain:
            table = None  # decoded below, and judged on what decoding gives
        if table is not None and _as_decoded(table, header):
            return table.select([str(i) for i in wanted]), rows
    try:
        text, encoding = legacy_text.decode_bytes(raw)
    except (UnicodeDecodeError, LookupError):
        raise _NotPlain from None
    if encoding != book.encoding or "\x00" in text:
        raise _NotPlain
    table, rows, _ = _parse(text.encode("utf-8"), delimiter, found.first_data_row, width, wanted)
    return table, rows


# Bytes after which a file is not read as it is: NUL (a binary file), BOMs, and the line
# breaks other than CR and LF that Python's splitlines (the legacy-font scan) splits on.
_NOT_AS_IS = (
    b"\x00",
    b"\x0b",
    b"\x0c",
    b"\x1c",
    b"\x1d",
    b"\x1e",
    b"\xc2\x85",
    b"\xe2\x80\xa8",
    b"\xe2\x80\xa9",
)


def _as_decoded(table, header: bytes) -> bool:
    """Whether `legacy_text.decode_bytes` gives back these very bytes: no line that a
    legacy font could have produced (`detect_legacy` then has nothing to look at) and
    every text already NFC.  A line is such a candidate when it has a non-ASCII letter
    and every letter is one cp1252 byte; the delimiter and line breaks are ASCII, so a
    data row is one when one of its cells is non-ASCII and none is outside cp1252."""
    import unicodedata

    import pyarrow.compute as pc

    from cccd_analytics.ingest.legacy_codecs import TWICE_MARK, _is_byte_text, _is_legacy_candidate

    try:
        head = header.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if (
        not unicodedata.is_normalized("NFC", head)
        or TWICE_MARK.search(head) is not None
        or any(_is_legacy_candidate(line) for line in head.splitlines())
    ):
        return False
    non_ascii = np.zeros(table.num_rows, bool)
    outside = np.zeros(table.num_rows, bool)
    for name in table.column_names:
        column = table.column(name)
        if not column.num_chunks:
            continue
        array = column.chunk(0)
        if pc.all(pc.string_is_ascii(array.dictionary)).as_py() is not False:
            continue  # ASCII (figures, dates, codes): nothing to repair, NFC as it is
        texts = array.dictionary.to_pylist()
        # A text twice encoded ("Ká»³ Anh") is made of letters outside cp1252 too, so it
        # would pass as Unicode below: decoding finds it and undoes it.
        if not all(unicodedata.is_normalized("NFC", t) and TWICE_MARK.search(t) is None for t in texts):
            return False
        codes = array.indices.to_numpy(zero_copy_only=False)
        non_ascii |= np.array([not t.isascii() for t in texts], bool)[codes]
        outside |= np.array([not _is_byte_text(t) for t in texts], bool)[codes]
    return not (non_ascii & ~outside).any()


def _parse(body: bytes, delimiter: str, first_data_row: int, width: int, columns):
    """The data rows of `body` (from record `first_data_row`), `columns` of them, each an
    Arrow dictionary; with the number of rows and the bytes before them."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    offset = record_offset(body, first_data_row, delimiter.encode())
    if offset is None or b'"' in body[offset:]:
        raise _NotPlain  # quoting: the csv module's reading of it is the one kept
    names = [str(i) for i in range(width)]
    invalid = []

    def on_invalid(row) -> str:
        invalid.append(row.number)
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(body)[offset:]),
            read_options=pacsv.ReadOptions(column_names=names, use_threads=True),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter,
                quote_char=False,
                escape_char=False,
                newlines_in_values=False,
                ignore_empty_lines=False,
                invalid_row_handler=on_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                include_columns=[names[i] for i in columns],
                column_types={names[i]: pa.dictionary(pa.int32(), pa.string()) for i in columns},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                null_values=[],
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        raise _NotPlain from None
    if invalid or not table.num_rows:
        raise _NotPlain  # a blank line, a line of another width …
    return table.unify_dictionaries().combine_chunks(), table.num_rows, body[:offset]


class _Column:
    """One column of the data rows: its distinct texts and each row's code into them."""

    def __init__(self, table, index: int):
        array = table.column(str(index)).chunk(0) if table.column(str(index)).num_chunks else None
        self._texts = None if array is not None else []
        self.codes = (
            array.indices.to_numpy(zero_copy_only=False).astype(np.int64)
            if array is not None
            else np.zeros(0, np.int64)
        )
        self._dictionary = array.dictionary if array is not None else None

    @property
    def texts(self) -> list[str]:
        """The distinct texts as Python strings, made when first asked for: a column of
        figures has nearly one per row and is read as counts by Arrow (`counts`)."""
        if self._texts is None:
            self._texts = self._dictionary.to_pylist()
        return self._texts

    def map(self, function, dtype=object) -> np.ndarray:
        """`function` of each row's text, called once per distinct text."""
        return np.array([function(t) for t in self.texts], dtype=dtype)[self.codes]

    def in_order(self) -> list[str]:
        """The distinct texts in the order they first appear (as dict.fromkeys gives them)."""
        seen, first = np.unique(self.codes, return_index=True)
        return [self.texts[i] for i in seen[np.argsort(first, kind="stable")].tolist()]

    def counts(self) -> tuple[np.ndarray, np.ndarray]:
        """Each distinct text as a count (int64) and whether it has one; `_NotPlain` for a
        text the row-by-row reading would warn about or refuse."""
        import pyarrow as pa
        import pyarrow.compute as pc

        plain = np.array(pc.match_substring_regex(self._dictionary, _PLAIN_COUNT), dtype=bool)
        values = np.array(pc.cast(pc.if_else(pa.array(plain), self._dictionary, "0"), pa.int64()))
        present = plain.copy()
        for i in np.flatnonzero(~plain).tolist():
            parsed = normalise.parse_count(self.texts[i])
            if parsed.error or parsed.warning:
                raise _NotPlain
            if parsed.value is not None:
                if parsed.value < 0 or not -(2**62) < parsed.value < 2**62:
                    raise _NotPlain
                values[i], present[i] = parsed.value, True
        return values, present


def _category(codes: np.ndarray, values: list):
    """Each row's value, `values[code]` (a value per distinct text of the column), as a
    categorical: grouping and factorising the rows later (`observations`) then work on
    these codes instead of hashing one Python object per row.  Python objects, as
    before, when a value is missing (a categorical would make None a NaN)."""
    value_codes, uniques = pd.factorize(np.array(values, dtype=object))
    if (value_codes < 0).any():
        return np.array(values, dtype=object)[codes]
    return pd.Categorical.from_codes(value_codes[codes], categories=pd.Index(uniques, dtype=object))


def _frame(table, n: int, found: layouts.Layout, sheet_label: str) -> tuple[pd.DataFrame, list[Problem]]:
    """Long on purpose: the columns of `sheet_records`' frame one after the other, each
    with the condition under which the row-by-row reading would have done something else."""
    cols = found.columns
    column = {field: _Column(table, c.index) for field, c in cols.items() if field != "row_number"}
    value_fields = [f for f in layouts.VALUE_FIELDS if f in cols]

    # Figures: plain counts only; every row has one (a row without any is a heading, a
    # blank or a footer to the row-by-row reading).
    values: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    has_numbers = np.zeros(n, bool)
    for field in value_fields:
        numbers, present = column[field].counts()
        codes = column[field].codes
        values[field] = (numbers[codes], present[codes])
        has_numbers |= values[field][1]
    if not has_numbers.all():
        raise _NotPlain

    # Names: every row names a commune (classify: a commune row, not a total, a subtotal
    # or a part); each distinct (name, STT) is classified once, as sheet_records does.
    names = column["commune"]
    name_texts = [normalise.text(t) for t in names.texts]
    if not all(name_texts[c] for c in np.unique(names.codes).tolist()):
        raise _NotPlain
    stt = _Column(table, cols["row_number"].index) if "row_number" in cols else None
    stt_codes = stt.codes if stt is not None else np.zeros(n, np.int64)
    stt_texts = stt.texts if stt is not None else [None]
    pairs = np.unique(names.codes * len(stt_texts) + stt_codes)
    width = max(c.index for c in cols.values()) + 1
    one = cols[value_fields[0]].index
    for pair in pairs.tolist():
        name, number = divmod(pair, len(stt_texts))
        row = [""] * width
        row[cols["commune"].index] = names.texts[name]
        row[one] = "1"  # a row with figures: the kind then depends on its name and STT alone
        if stt is not None:
            row[cols["row_number"].index] = stt_texts[number]
        if layouts.classify(row, found).kind != "commune":
            raise _NotPlain
    for label in set(name_texts):
        if dimensions.known(label) and not registry.resolve("", "", label, suggestions=False).official:
            raise _NotPlain  # "- Người cao tuổi" under a commune: a part of it

    # Dates: every row has one, read without a warning the way the column's dates read;
    # a column whose dates all read both ways says so once, at its first such date.
    dates = column["date"]
    order_texts = dates.in_order()
    problems = []
    note = normalise.date_order_warning(order_texts)
    if note:
        message, example = note
        at = int(np.argmax(dates.codes == dates.texts.index(example)))
        col = cols["date"]
        problems.append(
            Problem.of(
                "ambiguous_date",
                message + ".",
                sheet=sheet_label or None,
                row=found.first_data_row + 1 + at,
                column=col.letter,
                header=col.header,
            )
        )
    order = normalise.date_order(order_texts)
    parsed = [normalise.parse_date(t, order=order) for t in dates.texts]
    if any(p.error or p.warning or p.value is None for p in parsed):
        raise _NotPlain
    when = _category(dates.codes, [p.value for p in parsed])

    # Places: a blank district (province) under a written one would be filled down when
    # the registry places the commune there — decided row by row.
    province_ctx, district_ctx = authorities_and_title(found)

    def place(field: str, context: str):
        if field not in column:
            return _category(np.zeros(n, np.int64), [context])
        texts = [normalise.text(t) for t in column[field].texts]
        blank = np.array([t == "" for t in texts], bool)[column[field].codes]
        if blank.any() and not blank.all():
            first = int(np.argmax(~blank))
            if blank[first:].any():
                raise _NotPlain
        return _category(column[field].codes, [t or context for t in texts])

    province = place("province", province_ctx)
    district = place("district", district_ctx or "")
    code = (
        column["commune_code"].map(lambda t: normalise.text(t) or None)
        if "commune_code" in column
        else np.full(n, None, dtype=object)
    )
    commune = _category(names.codes, [commune_name(t) if t else t for t in name_texts])

    # A row with neither a running total nor a day's count is not a report; one with its
    # eligible is kept for it (as `rows` keeps it), its counts not given.
    counted = values["collected"][1] | (values["collected_day"][1] if "collected_day" in values else False)
    if not counted.any():
        raise _NotPlain  # no count at all: `rows` says why
    keep = counted | (values["eligible"][1] if "eligible" in values else False)
    rows = np.arange(found.first_data_row + 1, found.first_data_row + 1 + n)
    cells = {f: (cols[f].letter, cols[f].header) for f in value_fields}
    cells["commune"] = (cols["commune"].letter, cols["commune"].header)  # as `rows` has it

    def kept(array) -> pd.Series:
        array = array[keep] if not keep.all() else array
        return pd.Series(array, dtype=object) if isinstance(array, np.ndarray) else pd.Series(array)

    out = {
        "row": rows[keep],
        "sheet": kept(_category(np.zeros(n, np.int64), [sheet_label])),
        "province": kept(province),
        "district": kept(district),
        "commune": kept(commune),
        "code": kept(code),
        "date": kept(when),
        "cells": pd.Series([cells] * int(keep.sum()), dtype=object),
    }
    assert tuple(out) == RECORD_COLUMNS
    # Figures as nullable integers (a value and a "missing" flag per row), not one Python
    # int or None per cell: `observations._long` takes them as they are.
    for field in VALUE_ORDER:
        if field in values:
            numbers, present = values[field]
            out[field] = pd.arrays.IntegerArray(numbers[keep].astype(np.int64), ~present[keep])
        else:
            kept_rows = int(keep.sum())
            out[field] = pd.arrays.IntegerArray(np.zeros(kept_rows, np.int64), np.ones(kept_rows, bool))
    return pd.DataFrame(out), problems
