"""What every reader gives: a `Workbook` of `Sheet`s of raw cells; the `Limits` a file is
read within; a big file's bytes on disk (`FileData`); the `ReadError` a file is refused with."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from cccd_analytics.ingest import legacy_text


class ReadError(Exception):
    """A file that cannot be read, with a Vietnamese message naming the file; `page`: the
    page of a document it is about, when one is."""

    def __init__(self, message: str, page: int | None = None):
        super().__init__(message)
        self.page = page


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


#: A text file bigger than this is not read into memory by an import: its bytes are
#: streamed from disk (`FileData`), so a per-record export of millions of rows costs
#: memory for its counts only.  Tables read whole are capped far below by
#: `Limits.max_table_bytes`.
STREAM_FROM_DISK_BYTES = 8 * 1024 * 1024


class FileData:
    """The bytes of a file on disk, read on demand (performance).

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
    # Columns added by a layout (derived figures) → the (letter, header) a message shows.
    aliases: dict[str, tuple[str, str]] = field(default_factory=dict, repr=False)
    # A table of a Word or PDF document: per row, (page or None, row of the table or None
    # for the text around it), for messages; and the pages the table is on.
    row_labels: list[tuple[int | None, int | None]] | None = field(default=None, repr=False)
    pages: list[int] = field(default_factory=list, repr=False)
    hidden: bool = False  # a sheet the workbook hides (an old copy, a template)
    # Cells (row, column, from 0) with a formula saved without its value (xlsx written by a
    # script): read as blank.
    uncomputed: frozenset = frozenset()
    # Cells (row, column, from 0) holding a formula's error ("#REF!", "#VALUE!"): calamine
    # reads them as blank too.  Each with its error's text.
    errors: dict = field(default_factory=dict, repr=False)
    # Merged cells of a spreadsheet read whole: ((first row, first column), (last row, last
    # column)), from 0.  A figure merged over several rows is in the first only.
    merged: list = field(default_factory=list, repr=False)
    # Columns (from 0) an xlsx sheet hides: an old copy of a column kept out of sight.
    hidden_columns: frozenset = frozenset()
    # Rows (from 0) an xlsx or .xls sheet hides: rows filtered out, or an old copy of a row.
    hidden_rows: frozenset = frozenset()
    # Pages of a PDF scanned (an image, no text) outside the tables, not read: said once for
    # the file (each of its tables carries them).
    scanned_pages: tuple[int, ...] = ()
    # Pages of a PDF on which the table is drawn without borders (its columns told apart by
    # the text's positions alone): a column there with no header is one whose header the
    # reader may have put over another column.
    borderless_pages: frozenset = frozenset()

    def iter_rows(self) -> Iterator[list]:
        """Every row of the sheet, from the first, without keeping them."""
        if self.complete or self._more is None:
            return iter(self.rows)
        return self._more()


#: Formats whose tables are laid out in a document, with text around them (Word, PDF, a web
#: page): a sheet per table (`document.sheets`), messages naming the table and its page.
DOCUMENT_FORMATS = ("docx", "doc", "pdf", "html")


@dataclass
class Workbook:
    file_name: str
    format: str  # xlsx | xls | ods | csv | docx | doc | pdf | html
    encoding: str  # for text files: utf-8, utf-16, cp1258, …; "" for binary formats
    sheets: list[Sheet]
    csv: CsvSource | None = None


def short_reason(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
