"""Import: a file's bytes → a checked, stored upload (docs/import.md).

The stages, one module each: `readers` (bytes → sheets of cells), `legacy_text` (old font
encodings → Unicode), `layout` and `headers` (where the table is, what each column and row
is), `normalise` (numbers and dates as people type them), `records` (per-record exports
counted per commune and day), `file_types` (which file names are read at all, the one list
a reader for a new format extends) and `pipeline` (the checks and the one transaction).

The public API is re-exported here: `import_file`, `import_bytes`, `read_observations`,
`remember_mapping`, the `ImportReport` they return and its `Problem`s.
"""

from cccd_analytics.ingest.pipeline import (
    STREAM_FROM_DISK_BYTES,
    ImportReport,
    Pending,
    Problem,
    import_bytes,
    import_file,
    read_observations,
    remember_mapping,
    sha256_of,
)
from cccd_analytics.ingest.readers import Limits, ReadError

__all__ = [
    "STREAM_FROM_DISK_BYTES",
    "ImportReport",
    "Limits",
    "Pending",
    "Problem",
    "ReadError",
    "import_bytes",
    "import_file",
    "read_observations",
    "remember_mapping",
    "sha256_of",
]
