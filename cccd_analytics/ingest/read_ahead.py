"""A big per-record export's parse, started before the import asks for it.

A fresh `cccd ingest` process spends its first ~0,6 s importing pandas, SQLAlchemy and
the store, holding Python's lock on one core, and then has Arrow parse the export (about
as long again, on both cores, without that lock).  `start(path)` sees what the import will
see — the same reader of the file's head, the same header recognition, the same columns —
and has `readers.delimited.read_ahead` begin that very parse in a thread before those
imports, so the two overlap (Arrow on one core while the imports hold the other, on every
core once the import waits for it).  The import then takes the parse's result when it asks for
exactly the same one (file, size, modification time, offset, columns); anything else — a
column mapping remembered for this header, a file changed meanwhile, a layout that is not
a per-record export — is parsed as before and the early result dropped.  Nothing here
decides anything about the import: at worst the early parse was wasted work.

Imports only what reading a header needs: no pandas, no store.
"""

from __future__ import annotations

from pathlib import Path

from cccd_analytics.ingest import file_types
from cccd_analytics.ingest import layout as layouts
from cccd_analytics.ingest.readers import FileData, Limits, ReadError, read_workbook, sniff
from cccd_analytics.ingest.readers.delimited import read_ahead
from cccd_analytics.ingest.readers.workbook import STREAM_FROM_DISK_BYTES
from cccd_analytics.ingest.repair import locate


def start(path: str | Path, limits: Limits = Limits()) -> bool:  # noqa: B008 - frozen dataclass
    """Start parsing `path` ahead when it is a per-record export streamed from disk (as
    `pipeline.import_file` reads it) whose columns the header alone decides; True if a
    parse was started."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size <= STREAM_FROM_DISK_BYTES or size > limits.max_bytes or file_types.refusal(path.name):
            return False
        data = FileData(path, size)
        if sniff(data.head(4096), "") != "csv":
            return False
        book = read_workbook(data, path.name, limits, head_only=True)
        sheet = book.sheets[0]
        found = locate(sheet.rows)
        if found is None or found.kind != "records" or book.csv is None:
            return False
        _HEAD[:] = [(_head_key(path, path.name, limits), book)]
        usecols = sorted(found.columns[f].index for f in layouts.record_fields(found))
        return read_ahead(
            data,
            book.csv,
            usecols,
            layouts.record_width(sheet.rows, found),
            found.first_data_row,
            layouts.record_plain(found),
            layouts.record_few(found),
        )
    except (OSError, ReadError, ValueError, LookupError, UnicodeError):
        return False  # the import reads the file itself and says what is wrong with it


#: The head `start` read, handed to the import once (`head_read`): decoding a 512 KiB head and
#: splitting it into rows is ~10 ms that the import would do again on the same bytes.
_HEAD: list = []


def _head_key(path: Path, file_name: str, limits: Limits) -> tuple:
    stat = path.stat()
    return str(path), stat.st_size, stat.st_mtime_ns, file_name, limits


def head_read(data, file_name: str, limits: Limits):
    """The head `start` read of this very file (the same path, size, modification time, name
    and limits) as `read_workbook(..., head_only=True)` gives it, once; else None."""
    if not _HEAD or not isinstance(data, FileData):
        return None
    (key, book), _HEAD[:] = _HEAD[0], []
    try:
        same = key == _head_key(Path(data.path), file_name, limits) and key[1] == data.size
    except OSError:
        return None
    return book if same else None
