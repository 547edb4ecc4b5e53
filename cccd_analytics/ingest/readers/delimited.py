"""Text files (CSV, TSV, Excel's UTF-16 "Unicode text"): decoded (legacy encodings
included), split with the csv module; a big one decoded only for its first lines and
streamed with `csv_chunks` (pyarrow or pandas, only the columns asked for)."""

from __future__ import annotations

import csv
import io
import itertools
import os
import re
import warnings
from collections.abc import Iterator

from cccd_analytics.ingest import legacy_text
from cccd_analytics.ingest.readers.workbook import (
    CsvSource,
    FileData,
    Limits,
    ReadError,
    Sheet,
    Workbook,
    short_reason,
    whole,
)


def looks_utf16(head: bytes) -> bool:
    odd = head[1::2].count(b"\x00")
    even = head[0::2].count(b"\x00")
    return max(odd, even) > len(head) / 4


def _head(data: bytes, size: int) -> bytes:
    """The first `size` bytes cut after the last whole line (UTF-16 aware)."""
    if len(data) <= size:
        return data
    head = data[:size]
    utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff")) or looks_utf16(data[:4096])
    if utf16:
        little = data.startswith(b"\xff\xfe") or data[1:4096:2].count(0) > data[0:4096:2].count(0)
        newline = b"\n\x00" if little else b"\x00\n"
        at = head.rfind(newline)
        while at > 0 and at % 2:
            at = head.rfind(newline, 0, at)
        return head[: at + 2] if at > 0 else head[: size - size % 2]
    at = head.rfind(b"\n")
    return head[: at + 1] if at > 0 else head


_CODECS = {
    "utf-8": "utf-8",
    "utf-8-sig": "utf-8-sig",
    "cp1258": "cp1258",
    "cp1252": "cp1252",
    "utf-16-le": "utf-16-le",
    "utf-16-be": "utf-16-be",
    "utf-32-le": "utf-32-le",
    "utf-32-be": "utf-32-be",
}


def _source(data: bytes, encoding: str, delimiter: str) -> CsvSource:
    base, _, legacy = encoding.partition("+")
    if base in ("tcvn3", "tcvn3_upper", "vni"):
        return CsvSource(encoding, "cp1252", base, delimiter)
    codec = _CODECS.get(base, "utf-8")
    if codec.startswith(("utf-16", "utf-32")) and data.startswith((b"\xff\xfe", b"\xfe\xff")):
        codec = codec[:6]  # "utf-16": let the codec read and drop the BOM
    return CsvSource(encoding, codec, legacy or None, delimiter)


def read_text(data: bytes, file_name: str, limits: Limits, head_only: bool) -> Workbook:
    partial = head_only and len(data) > limits.head_bytes
    sample = _head(data, limits.head_bytes) if partial else whole(data)
    try:
        text, encoding = legacy_text.decode_bytes(sample)
    except (UnicodeDecodeError, LookupError) as exc:
        raise ReadError(f"Tệp «{file_name}»: không giải mã được văn bản ({short_reason(exc)}).") from None
    if "\x00" in text:
        raise ReadError(f"Tệp «{file_name}» là tệp nhị phân, không phải bảng tính hay CSV.")
    delimiter = _delimiter(text)
    rows = [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    sheet = Sheet("", rows, complete=not partial)
    return Workbook(file_name, "csv", encoding, [sheet], csv=_source(data, encoding, delimiter))


def _delimiter(text: str) -> str:
    """The separator that splits the first lines into the most consistent columns."""
    lines = [line for line in itertools.islice(text.splitlines(), 80) if line.strip()]
    best, best_score = ",", (0, 0)
    for delimiter in ("\t", ";", ",", "|"):
        if not any(delimiter in line for line in lines):
            continue
        counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        widths = [c for c in counts if c > 1]
        if not widths:
            continue
        mode = max(set(widths), key=widths.count)
        score = (widths.count(mode), mode)
        if score > best_score:
            best, best_score = delimiter, score
    return best


class ArrowFallback(Exception):
    """The Arrow reader met a line it cannot read the way pandas does (a short or long
    line, bytes that are not UTF-8): the caller starts again with pandas.  `multiline`:
    only a quoted value spanning lines cut across a block boundary — the Arrow reader
    that allows such values (`engine="arrow-multiline"`) reads the file."""

    def __init__(self, reason: str, multiline: bool = False):
        super().__init__(reason)
        self.multiline = multiline


def csv_chunks(
    data,
    source: CsvSource,
    usecols: list[int],
    width: int,
    chunksize: int = 200_000,
    skipped: list[int] | None = None,
    *,
    skip: int = 0,
    engine: str = "auto",
    plain: tuple[int, ...] = (),
    few: tuple[int, ...] = (),
) -> Iterator[tuple[int, object]]:
    """Stream a CSV reading only `usecols` (0-based positions).

    Yields (index of the chunk's first record, DataFrame with one column per position in
    `usecols`; str, or Arrow dictionaries (pd.ArrowDtype) from the Arrow reader).  Record indexes count every
    CSV record from the file's first, blank lines included, as the head rows do.  The
    other columns are skipped by the parser and never become Python objects.  Lines with
    more fields than the header allows are left out; their line numbers go to `skipped`.

    `data` is bytes or a `FileData`.  `skip`: records before this one (the header) may be
    left out, so the first chunk may start there.  `engine`: "auto" reads plain UTF-8 with
    pyarrow's multi-threaded reader, which raises `ArrowFallback` as soon as a line would
    be read differently from pandas (the caller then asks for `engine="pandas"`), or
    `ArrowFallback(multiline=True)` when a quoted value with a line break straddles two
    blocks (the caller then asks for `engine="arrow-multiline"`); any other text goes
    through pandas' C parser.  `plain`: positions the Arrow reader hands over as text
    rather than dictionaries (`_encoded`); `few`: positions with few distinct texts, which
    it makes dictionaries as it parses (`_arrow_options`).  Either way the same frame.
    """
    if engine in ("auto", "arrow-multiline") and _arrow_ok(source, skip):
        yield from _arrow_chunks(
            data,
            source,
            usecols,
            width,
            skip,
            chunksize,
            multiline=engine == "arrow-multiline",
            plain=plain,
            few=few,
        )
        return
    import pandas as pd

    names = list(range(max(width, max(usecols) + 1)))
    stream = data.open() if isinstance(data, FileData) else io.BytesIO(data)
    with stream, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reader = pd.read_csv(
            stream,
            sep=source.delimiter,
            header=None,
            names=names,
            usecols=usecols,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            encoding=source.codec,
            encoding_errors="replace",
            chunksize=chunksize,
            on_bad_lines="warn",
            engine="c",
            quotechar='"',
        )
        start = 0
        for chunk in reader:
            if skipped is not None and caught:
                for warning in caught:
                    skipped.extend(int(n) for n in re.findall(r"Skipping line (\d+)", str(warning.message)))
                caught.clear()
            yield start, chunk
            start += len(chunk)


def _arrow_ok(source: CsvSource, skip: int) -> bool:
    return (
        source.codec in ("utf-8", "utf-8-sig")
        and not source.legacy
        and skip > 0
        and len(source.delimiter) == 1
        and source.delimiter not in '"\r\n'
    )


def record_offset(head: bytes, records: int, delimiter: bytes) -> int | None:
    """Byte offset of record number `records` (0-based) in `head`, counting records the
    way pandas' C tokenizer does: a blank line is a record, a newline inside a quoted
    field is not, a quote opens a quoted field only at the start of a field.  None when
    `head` ends first."""
    QUOTE, CR, LF = 34, 13, 10
    sep = delimiter[0]
    count, i, n = 0, 0, len(head)
    at_start, quoted = True, False
    while i < n:
        ch = head[i]
        if quoted:
            if ch == QUOTE:
                if i + 1 < n and head[i + 1] == QUOTE:
                    i += 1
                else:
                    quoted = False
        elif ch == QUOTE and at_start:
            quoted = True
        elif ch in (LF, CR):
            if ch == CR and i + 1 < n and head[i + 1] == LF:
                i += 1
            count += 1
            at_start = True
            i += 1
            if count == records:
                return i
            continue
        at_start = (ch == sep) if not quoted else False
        i += 1
    return None


# Exports up to this size are parsed in one multi-threaded call (its result, the read
# columns as dictionary codes, is ~1/8 of the file); bigger ones are streamed block by
# block, so memory stays flat however long the file is.
WHOLE_PARSE_BYTES = 320 << 20


ARROW_BLOCK_BYTES = 4 << 20


def _arrow_options(
    source: CsvSource, names: list[str], wanted: list[str], multiline: bool, invalid: list, few=frozenset()
):
    """The Arrow reader's options for `_arrow_chunks` (and `read_ahead`, which must parse
    exactly as it would): line numbers of lines with another number of fields go to
    `invalid`, never their text (it holds personal data).

    The columns named in `few` (a place, a status: a few hundred distinct texts in a
    million rows) are made dictionaries by the parse itself, block by block on Arrow's
    threads, and never exist as a column of a million texts; the blocks' dictionaries are
    joined when the column is made one chunk (`_encoded`), in order of first appearance,
    the very dictionary `pc.dictionary_encode` makes.  A 1M-row export's parse with its
    four such columns: 0,37-0,72 s → 0,28-0,44 s on two threads.  Columns of many texts
    (a birth date, a day with its time) are still encoded once the parse is done: a hash
    table per block, then one to join them, cost more than one over the whole column."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    def on_invalid(row) -> str:
        invalid.append(row.number)
        return "skip"

    return dict(
        read_options=pacsv.ReadOptions(column_names=names, block_size=ARROW_BLOCK_BYTES, use_threads=True),
        parse_options=pacsv.ParseOptions(
            delimiter=source.delimiter,
            quote_char='"',
            double_quote=True,
            escape_char=False,
            newlines_in_values=multiline,
            ignore_empty_lines=False,
            invalid_row_handler=on_invalid,
        ),
        convert_options=pacsv.ConvertOptions(
            include_columns=wanted,
            # Text, made dictionaries afterwards by `_encoded` (see there).
            column_types={
                c: pa.dictionary(pa.int32(), pa.string()) if c in few else pa.string() for c in wanted
            },
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
            null_values=[],
            check_utf8=True,
        ),
    )


def _encoded(table, plain=frozenset()):
    """`table`'s columns as dictionaries (each distinct text once), in one chunk each; the
    columns named in `plain` as text, in one chunk (an application's number, nearly one
    per row: a hash table over a 1M-row export's numbers is ~0,2 s, which its reader,
    `record_tally.Tally._repeated`, does without when the numbers are in order).

    Performance: the reader's own dictionaries are built per 4 MiB block, then unified
    across the blocks; for a column of nearly distinct texts (a birth date, a received day
    with its time) that is a hash table per block and a second one to unify them: 0,74 s of
    CPU to read a 1M-row export's six columns.  Parsed as text and encoded here with one
    hash table per column over all blocks, the same dictionaries (texts in order of first
    appearance, int32 indices) cost 0,41 s."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def one(name, column):
        if name in plain:
            return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
        encoded = pc.dictionary_encode(column)
        # A single chunk as it is: `combine_chunks` copies even one (an encoded parse taken
        # from `read_ahead` comes here again as one chunk per column).
        return encoded.chunk(0) if encoded.num_chunks == 1 else encoded.combine_chunks()

    return pa.table(
        [one(name, column) for name, column in zip(table.column_names, table.columns)],
        names=table.column_names,
    )


def _arrow_request(data, source: CsvSource, usecols: list[int], width: int, skip: int):
    """Where the records start (byte offset) and the column names the Arrow reader gives
    the file's columns and the wanted ones; None when the header is longer than the head."""
    head = data.head(1 << 20) if isinstance(data, FileData) else bytes(data[: 1 << 20])
    offset = record_offset(head, skip, source.delimiter.encode())
    if offset is None:
        return None
    names = [str(i) for i in range(max(width, max(usecols) + 1))]
    return offset, names, [names[i] for i in usecols]


def _ahead_key(
    data: FileData,
    source: CsvSource,
    offset: int,
    names: list[str],
    wanted: list[str],
    plain: frozenset,
    few: frozenset,
):
    stat = os.stat(data.path)
    return (
        data.path,
        data.size,
        stat.st_size,
        stat.st_mtime_ns,
        source.delimiter,
        offset,
        tuple(names),
        tuple(wanted),
        tuple(sorted(plain)),
        tuple(sorted(few)),
    )


#: At most one parse started ahead (`read_ahead`): its key and its pending result.  A
#: forked process does not inherit the thread behind it, so it forgets it.
_AHEAD: dict = {}
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_AHEAD.clear)


def read_ahead(
    data: FileData,
    source: CsvSource,
    usecols: list[int],
    width: int,
    skip: int,
    plain: tuple[int, ...] = (),
    few: tuple[int, ...] = (),
) -> bool:
    """Start, in a thread, the parse that `csv_chunks(data, source, usecols, width, skip=skip,
    plain=plain, few=few)` will ask for, so that it overlaps work that holds Python's lock (the imports of a
    fresh `cccd ingest` process: pandas, SQLAlchemy, the store; ~0,6 s) while Arrow's own
    threads parse without it.  The parse is the very call `_arrow_chunks` makes, with the
    same options; `_arrow_chunks` takes its result only when its request is the same
    (file, size, modification time, offset, columns), else the result is dropped and the
    file parsed again.  Only a file parsed whole (up to WHOLE_PARSE_BYTES) in one call;
    False when nothing was started."""
    if not isinstance(data, FileData) or not _arrow_ok(source, skip):
        return False
    request = _arrow_request(data, source, usecols, width, skip)
    if request is None or data.size - request[0] > WHOLE_PARSE_BYTES:
        return False
    import concurrent.futures

    import pyarrow as pa
    import pyarrow.csv as pacsv

    offset, names, wanted = request
    plain_names = frozenset(names[i] for i in plain)
    few_names = frozenset(names[i] for i in few)
    invalid: list = []
    options = _arrow_options(source, names, wanted, False, invalid, few_names)
    # Arrow's threads, but one core's worth of them while the imports hold the other
    # (`_narrow_arrow`); all of them again once the import asks for the parse and has
    # nothing else to do but wait (`_widen_arrow`, from `_taken_ahead`).  One thread
    # throughout left a core idle from the end of the imports to the end of the parse (a
    # 1M-row export: ~0,4 s of the ~1,0 s it took); all threads from the start slowed the
    # imports as much as they sped the parse.
    _narrow_arrow()

    def parse():
        stream = pa.OSFile(data.path, "r")
        try:
            stream.seek(offset)
            # Encoded and joined here too (`_arrow_chunks` does the same to a whole parse;
            # joining it again is free), off the main thread's path.
            return _encoded(pacsv.read_csv(stream, **options), plain_names)
        finally:
            stream.close()
            _widen_arrow()

    key = _ahead_key(data, source, offset, names, wanted, plain_names, few_names)
    worker = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    _AHEAD.clear()
    _AHEAD[key] = (worker.submit(parse), invalid)
    worker.shutdown(wait=False)
    return True


#: Arrow's thread count before `_narrow_arrow` made it one, while a parse started ahead runs.
_ARROW_CPUS: list[int] = []


def _narrow_arrow() -> None:
    import pyarrow as pa

    if not _ARROW_CPUS:
        _ARROW_CPUS.append(pa.cpu_count())
        pa.set_cpu_count(1)


def _widen_arrow() -> None:
    import pyarrow as pa

    try:
        count = _ARROW_CPUS.pop()  # (atomic: the parse's thread and the import may both ask)
    except IndexError:
        return
    pa.set_cpu_count(count)


def parse_pending() -> bool:
    """Whether a parse `read_ahead` started is still running (the import, once it asks for
    it, would wait)."""
    return any(not future.done() for future, _ in _AHEAD.values())


def _taken_ahead(key):
    """The parse `read_ahead` started for `key` (future, invalid lines), or None; any other
    pending parse is dropped."""
    found = _AHEAD.get(key) if key is not None else None
    _AHEAD.clear()
    _widen_arrow()  # the import waits for it (or parses itself): every core to Arrow
    return found


def _arrow_chunks(
    data,
    source: CsvSource,
    usecols: list[int],
    width: int,
    skip: int,
    chunksize: int,
    multiline: bool = False,
    plain: tuple[int, ...] = (),
    few: tuple[int, ...] = (),
):
    """pyarrow's CSV reader from record `skip` on: only `usecols`, read in 4 MiB blocks
    and made dictionaries (each distinct text once, `_encoded`), handed over as pandas ArrowDtype columns
    about `chunksize` rows at a time.

    Performance: a file up to WHOLE_PARSE_BYTES is parsed by `read_csv`, which
    keeps both cores busy (a 1M-row export: 0,45 → 0,32 s), and handed over as one chunk;
    a bigger one goes through the streaming reader.  Blocks are cut at line breaks
    (`multiline=False`, a quarter faster: 0,36 → 0,27 s for 1M rows); a line break inside
    a quoted value is read right within a block, and one that falls on a block's cut
    makes Arrow stop ("out of sync with chunker"), and the file is read again with
    `multiline=True`.  A parse `read_ahead` started for the same request is taken as it is.

    Long on purpose: the Arrow reader's options, its stream and the fall-backs on its errors
    belong to one `try` that must close the file whatever happens.
    """
    import pandas as pd
    import pyarrow as pa
    import pyarrow.csv as pacsv

    request = _arrow_request(data, source, usecols, width, skip)
    if request is None:
        _taken_ahead(None)
        raise ArrowFallback("header longer than the head")
    offset, names, wanted = request
    plain_names = frozenset(names[i] for i in plain)
    few_names = frozenset(names[i] for i in few)
    ahead = None
    if isinstance(data, FileData) and not multiline:
        ahead = _taken_ahead(_ahead_key(data, source, offset, names, wanted, plain_names, few_names))
    invalid: list = []
    if isinstance(data, FileData):
        stream = source_stream = pa.OSFile(data.path, "r")  # read natively, block by block
        stream.seek(offset)
    else:
        stream = None
        source_stream = pa.BufferReader(pa.py_buffer(memoryview(data)[offset:]))
    try:
        options = _arrow_options(source, names, wanted, multiline, invalid, few_names)
        if ahead is not None:
            future, ahead_invalid = ahead
            whole = future.result()  # its error, if any, is handled below as this parse's
            invalid.extend(ahead_invalid)
            reader = whole.to_batches()
            chunksize = max(chunksize, whole.num_rows)
        elif len(data) - offset <= WHOLE_PARSE_BYTES:
            whole = pacsv.read_csv(source_stream, **options)
            reader = whole.to_batches()
            chunksize = max(chunksize, whole.num_rows)  # handed over as one chunk
        else:
            reader = pacsv.open_csv(source_stream, **options)
        start, pending, rows = skip, [], 0

        def frame():
            # Blocks are small (Arrow reads many ahead: memory grows with the block size);
            # they are joined into chunks of about `chunksize` rows for the caller.
            table = _encoded(pa.Table.from_batches(pending), plain_names)
            out = table.to_pandas(types_mapper=pd.ArrowDtype)  # zero-copy: dictionaries stay Arrow
            out.columns = [int(c) for c in out.columns]
            return out

        for batch in reader:
            if invalid:
                raise ArrowFallback("a line with another number of fields")
            if not batch.num_rows:
                continue
            pending.append(batch)
            rows += batch.num_rows
            if rows >= chunksize:
                yield start, frame()
                start, pending, rows = start + rows, [], 0
        if invalid:
            raise ArrowFallback("a line with another number of fields")
        if pending:
            yield start, frame()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeError) as exc:
        # Arrow's message may quote the line, and an export's lines hold personal data:
        # only the kind of error is passed on.
        out_of_sync = not multiline and "out of sync with chunker" in str(exc)
        raise ArrowFallback(type(exc).__name__, multiline=out_of_sync) from None
    finally:
        if stream is not None:
            stream.close()
