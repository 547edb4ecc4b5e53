"""Readers: the bytes of an uploaded file → sheets of raw cells.

The format is told by the bytes, not the file name (a PNG named .xlsx is refused).
Spreadsheets (xlsx, xls, ods) are read with python-calamine; text files (CSV, TSV,
Excel's UTF-16 "Unicode text") are decoded, legacy encodings included, and split
with the csv module.  Size and zip-bomb limits are checked before anything is parsed.

Large files are not read whole up front: a CSV bigger than `Limits.head_bytes` is
decoded only for its first lines (enough to find the header), and a sheet with more
than `Limits.eager_cells` cells keeps only its first rows in `Sheet.rows`.  Whoever
needs the rest streams it: `csv_chunks` (pyarrow or pandas, only the columns asked
for) or `Sheet.iter_rows`.  A big text file on disk need not be in memory at all:
`FileData` stands in for its bytes and is read piece by piece (`import_file` uses it).
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import os
import re
import time
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from cccd_analytics.ingest import legacy_text


class ReadError(Exception):
    """A file that cannot be read, with a Vietnamese message naming the file."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 200 * 1024 * 1024  # what a user may upload
    max_unzipped: int = 800 * 1024 * 1024  # what an xlsx/ods may expand to
    max_ratio: float = 200.0  # expansion ratio beyond which a zip is a bomb
    max_entries: int = 5000  # files inside an xlsx/ods
    max_cells: int = 20_000_000
    head_bytes: int = 512 * 1024  # what is decoded of a CSV to find its header
    head_rows: int = 60  # rows kept of a sheet too big to read eagerly
    eager_cells: int = 2_000_000  # sheets up to this size are read whole
    max_seconds: float = 30.0  # time allowed to check an archive
    max_table_bytes: int = 64 * 1024 * 1024  # a report/canonical CSV (read whole)
    max_table_cells: int = 4_000_000  # a report/canonical sheet (read whole)


class FileData:
    """The bytes of a file on disk, read on demand (performance, issue 8).

    Stands in for `bytes` where the readers only look at the start of a big text file
    (`len`, slices from the start, `startswith`, `isspace`), so a 1.6 GB per-record export
    is never held in memory: `csv_chunks` streams it from disk, `sha256` reads it in
    pieces.  `bytes(data)` reads it whole, for the paths that need every byte (a table
    read whole, which `Limits.max_table_bytes` keeps small).
    """

    BLOCK = 1 << 20

    def __init__(self, path: str | os.PathLike, size: int | None = None):
        self.path = os.fspath(path)
        self.size = os.path.getsize(self.path) if size is None else size
        self._head = b""
        self._sha256: str | None = None

    def __len__(self) -> int:
        return self.size

    def __bool__(self) -> bool:
        return self.size > 0

    def head(self, size: int) -> bytes:
        if len(self._head) < min(size, self.size):
            with open(self.path, "rb") as handle:
                self._head = handle.read(max(size, 1 << 16))
        return self._head[:size]

    def __getitem__(self, item):
        if not isinstance(item, slice) or (item.start or 0) < 0 or item.stop is None or item.stop < 0:
            raise TypeError("FileData only gives slices from the start of the file")
        return self.head(item.stop)[item]

    def startswith(self, prefix) -> bool:
        prefixes = prefix if isinstance(prefix, tuple) else (prefix,)
        return self.head(max(len(p) for p in prefixes)).startswith(prefix)

    def isspace(self) -> bool:
        with open(self.path, "rb") as handle:
            while block := handle.read(self.BLOCK):
                if not block.isspace():
                    return False
        return self.size > 0

    def __bytes__(self) -> bytes:
        with open(self.path, "rb") as handle:
            return handle.read()

    def open(self):
        return open(self.path, "rb")

    def sha256(self) -> str:
        """SHA-256 of the file, read in 8 MiB pieces (hashlib releases the GIL on them, so
        this can run in a thread beside the parser)."""
        if self._sha256 is None:
            digest = hashlib.sha256()
            with open(self.path, "rb") as handle:
                while block := handle.read(8 * self.BLOCK):
                    digest.update(block)
            self._sha256 = digest.hexdigest()
        return self._sha256


def whole(data) -> bytes:
    """`data` as bytes (reads a `FileData` whole)."""
    return data if isinstance(data, (bytes, bytearray)) else bytes(data)


@dataclass
class CsvSource:
    """How to stream the rest of a text file: codec for pandas, conversion per value."""

    encoding: str  # as legacy_text.decode_bytes named it: utf-8, utf-16-le, tcvn3 …
    codec: str  # the Python codec pandas reads with
    legacy: str | None  # legacy_text encoding to convert each value from, or None
    delimiter: str

    def fix(self, value: str) -> str:
        """One streamed value as NFC Unicode."""
        if self.legacy and not value.isascii():
            return legacy_text.convert(value, self.legacy)
        return legacy_text.to_nfc(value) if not value.isascii() else value


@dataclass
class Sheet:
    name: str
    rows: list[list] = field(default_factory=list)  # row-major raw cell values
    complete: bool = True  # False: `rows` holds only the first rows
    height: int | None = None  # rows in the sheet, when known
    _more: Callable[[], Iterator[list]] | None = field(default=None, repr=False)

    def iter_rows(self) -> Iterator[list]:
        """Every row of the sheet, from the first, without keeping them."""
        if self.complete or self._more is None:
            return iter(self.rows)
        return self._more()


@dataclass
class Workbook:
    file_name: str
    format: str  # xlsx | xls | ods | csv
    encoding: str  # for text files: utf-8, utf-16, cp1258, …; "" for binary formats
    sheets: list[Sheet]
    csv: CsvSource | None = None


_MAGIC = {
    b"\x89PNG": "ảnh PNG",
    b"\xff\xd8\xff": "ảnh JPEG",
    b"GIF8": "ảnh GIF",
    b"%PDF": "tệp PDF",
    b"Rar!": "tệp nén RAR",
    b"7z\xbc\xaf": "tệp nén 7z",
    b"\x1f\x8b": "tệp nén gzip",
    b"MZ": "chương trình Windows",
    b"BM": "ảnh BMP",
    b"II*\x00": "ảnh TIFF",
    b"MM\x00*": "ảnh TIFF",
    b"RIFF": "tệp âm thanh/hình ảnh",
    b"\x7fELF": "chương trình",
    b"{\\rtf": "văn bản RTF (Word)",
}


def sniff(data: bytes, file_name: str) -> str:
    """The real format of the bytes; raises ReadError for what is not a table."""
    if not data or data.isspace():
        raise ReadError(f"Tệp «{file_name}» rỗng.")
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            raise ReadError(f"Tệp «{file_name}» là {what}, không phải bảng tính hay CSV.")
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, zlib.error):
            raise ReadError(
                f"Tệp «{file_name}» bị hỏng hoặc không trọn vẹn (tệp nén lỗi, có thể "
                "bị cắt ngang khi gửi); hãy xuất lại hoặc gửi lại tệp."
            ) from None
        if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
            return "xlsx"
        if "content.xml" in names:
            return "ods"
        if "word/document.xml" in names:
            raise ReadError(f"Tệp «{file_name}» là văn bản Word, không phải bảng tính.")
        raise ReadError(f"Tệp «{file_name}» là tệp nén ZIP, không phải bảng tính.")
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"
    head = data[:4096]
    if head.lstrip().lower().startswith((b"<html", b"<!doctype html")):
        raise ReadError(
            f"Tệp «{file_name}» là trang web (HTML), không phải bảng tính; hãy mở bằng "
            "Excel rồi lưu lại dạng .xlsx."
        )
    if b"\x00" in head and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        if head.count(b"\x00") > 8 and not _looks_utf16(head):
            raise ReadError(f"Tệp «{file_name}» là tệp nhị phân, không phải bảng tính hay CSV.")
    return "csv"


def _looks_utf16(head: bytes) -> bool:
    odd = head[1::2].count(b"\x00")
    even = head[0::2].count(b"\x00")
    return max(odd, even) > len(head) / 4


def _check_zip(data: bytes, file_name: str, limits: Limits) -> None:
    """Refuse zip bombs and damaged archives before calamine expands anything.

    The sizes an archive declares can lie, so every member is also inflated in
    small pieces (nothing kept) and counted against the limit as it goes.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise ReadError(f"Tệp «{file_name}» bị hỏng hoặc không trọn vẹn ({_short(exc)}).") from None
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
                f"Tệp «{file_name}» bị hỏng (phần {info.filename} không đọc được: {_short(exc)})."
            ) from None


def _check_xls(data: bytes, file_name: str) -> None:
    """Parse a damaged .xls with xlrd first: calamine's BIFF reader can panic on one
    (refused all the same, but the panic prints to stderr)."""
    try:
        import xlrd
    except ImportError:
        return
    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True, logfile=io.StringIO())
        for index in range(book.nsheets):
            book.sheet_by_index(index)
            book.unload_sheet(index)
    except Exception as exc:  # xlrd raises many kinds for damaged files  # noqa: BLE001
        raise ReadError(
            f"Tệp «{file_name}» bị hỏng hoặc không trọn vẹn ({_short(exc)}); hãy xuất lại hoặc gửi lại tệp."
        ) from None


def read_workbook(
    data: bytes, file_name: str, limits: Limits = Limits(), head_only: bool = False
) -> Workbook:
    """Read every sheet of a file into raw rows.

    `head_only`: a CSV larger than `limits.head_bytes` is decoded only for its first
    lines (`Workbook.sheets[0].complete` is then False; stream the rest with
    `csv_chunks`).
    """
    if len(data) > limits.max_bytes:
        raise ReadError(
            f"Tệp «{file_name}» quá lớn ({len(data) / 2**20:.0f} MiB; "
            f"tối đa {limits.max_bytes // 2**20} MiB)."
        )
    kind = sniff(data, file_name)
    if kind == "csv":
        return _read_text(data, file_name, limits, head_only)
    if kind in ("xlsx", "ods"):
        _check_zip(data, file_name, limits)
    if kind == "xls":
        _check_xls(data, file_name)
    return Workbook(file_name, kind, "", _read_calamine(data, file_name, limits))


# -- text files ------------------------------------------------------------------------


def _head(data: bytes, size: int) -> bytes:
    """The first `size` bytes cut after the last whole line (UTF-16 aware)."""
    if len(data) <= size:
        return data
    head = data[:size]
    utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_utf16(data[:4096])
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


def _read_text(data: bytes, file_name: str, limits: Limits, head_only: bool) -> Workbook:
    partial = head_only and len(data) > limits.head_bytes
    sample = _head(data, limits.head_bytes) if partial else whole(data)
    try:
        text, encoding = legacy_text.decode_bytes(sample)
    except (UnicodeDecodeError, LookupError) as exc:
        raise ReadError(f"Tệp «{file_name}»: không giải mã được văn bản ({_short(exc)}).") from None
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
    through pandas' C parser.
    """
    if engine in ("auto", "arrow-multiline") and _arrow_ok(source, skip):
        yield from _arrow_chunks(
            data, source, usecols, width, skip, chunksize, multiline=engine == "arrow-multiline"
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


def _record_offset(head: bytes, records: int, delimiter: bytes) -> int | None:
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


def _arrow_chunks(
    data,
    source: CsvSource,
    usecols: list[int],
    width: int,
    skip: int,
    chunksize: int,
    multiline: bool = False,
):
    """pyarrow's CSV reader from record `skip` on: only `usecols`, read as dictionaries
    (each distinct text once) in 4 MiB blocks, handed over as pandas ArrowDtype columns
    about `chunksize` rows at a time.

    Performance (issue 8): a file up to WHOLE_PARSE_BYTES is parsed by `read_csv`, which
    keeps both cores busy (a 1M-row export: 0,45 → 0,32 s), and handed over as one chunk;
    a bigger one goes through the streaming reader.  Blocks are cut at line breaks
    (`multiline=False`, a quarter faster: 0,36 → 0,27 s for 1M rows); a line break inside
    a quoted value is read right within a block, and one that falls on a block's cut
    makes Arrow stop ("out of sync with chunker"), and the file is read again with
    `multiline=True`."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.csv as pacsv

    head = data.head(1 << 20) if isinstance(data, FileData) else bytes(data[: 1 << 20])
    offset = _record_offset(head, skip, source.delimiter.encode())
    if offset is None:
        raise ArrowFallback("header longer than the head")
    names = [str(i) for i in range(max(width, max(usecols) + 1))]
    wanted = [names[i] for i in usecols]
    invalid: list = []

    def on_invalid(row) -> str:
        invalid.append(row.number)  # never the line's text: it holds personal data
        return "skip"

    if isinstance(data, FileData):
        stream = source_stream = pa.OSFile(data.path, "r")  # read natively, block by block
        stream.seek(offset)
    else:
        stream = None
        source_stream = pa.BufferReader(pa.py_buffer(memoryview(data)[offset:]))
    try:
        options = dict(
            read_options=pacsv.ReadOptions(
                column_names=names, block_size=ARROW_BLOCK_BYTES, use_threads=True
            ),
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
                column_types={c: pa.dictionary(pa.int32(), pa.string()) for c in wanted},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                null_values=[],
                check_utf8=True,
            ),
        )
        if len(data) - offset <= WHOLE_PARSE_BYTES:
            whole = pacsv.read_csv(source_stream, **options)
            reader = whole.to_batches()
            chunksize = max(chunksize, whole.num_rows)  # handed over as one chunk
        else:
            reader = pacsv.open_csv(source_stream, **options)
        start, pending, rows = skip, [], 0

        def frame():
            # Blocks are small (Arrow reads many ahead: memory grows with the block size);
            # they are joined into chunks of about `chunksize` rows for the caller.
            table = pa.Table.from_batches(pending).unify_dictionaries().combine_chunks()
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


# -- spreadsheets ----------------------------------------------------------------------


def _read_calamine(data: bytes, file_name: str, limits: Limits) -> list[Sheet]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except BaseException as exc:  # calamine raises several exception types for bad files
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        raise ReadError(
            f"Tệp «{file_name}» bị hỏng hoặc không trọn vẹn ({_short(exc)}); hãy xuất lại hoặc gửi lại tệp."
        ) from None
    sheets, cells = [], 0
    for name in book.sheet_names:
        try:
            sheet = book.get_sheet_by_name(name)
            size = (sheet.height or 0) * (sheet.width or 0)
            cells += size
            if cells > limits.max_cells:
                raise ReadError(
                    f"Tệp «{file_name}» có quá nhiều ô (hơn {limits.max_cells:,}).".replace(",", ".")
                )
            if size <= limits.eager_cells:
                rows = sheet.to_python(skip_empty_area=False)
                # calamine gives lists already; copy only what is not one (performance, issue 8).
                rows = (
                    rows
                    if isinstance(rows, list) and all(type(r) is list for r in rows)
                    else [list(r) for r in rows]
                )
                sheets.append(Sheet(name, rows, height=len(rows)))
            else:
                sheets.append(_lazy_sheet(sheet, name, limits))
        except ReadError:
            raise
        except BaseException as exc:
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            raise ReadError(f"Tệp «{file_name}», trang «{name}»: không đọc được ({_short(exc)}).") from None
    return sheets


def _lazy_sheet(sheet, name: str, limits: Limits) -> Sheet:
    """A big sheet: its first rows now, the rest on demand (padded like to_python)."""
    pad = [""] * (sheet.start[1] if sheet.start else 0)

    def rows() -> Iterator[list]:
        for row in sheet.iter_rows():
            yield pad + list(row)

    head = list(itertools.islice(rows(), limits.head_rows))
    return Sheet(name, head, complete=False, height=(sheet.end[0] + 1) if sheet.end else None, _more=rows)


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
