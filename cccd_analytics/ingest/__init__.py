"""Import: a file's bytes → a checked, stored upload (docs/import.md).

The stages, one module each: `readers` (bytes → sheets of cells), `legacy_text` (old font
encodings → Unicode), `layout` and `headers` (where the table is, what each column and row
is), `normalise` (numbers and dates as people type them), `records` (per-record exports
counted per commune and day), `file_types` (which file names are read at all, the one list
a reader for a new format extends) and `pipeline` (the checks and the one transaction).

The public API is re-exported here: `import_file`, `import_bytes`, `read_observations`,
`remember_mapping`, the `ImportReport` they return and its `Problem`s.  They are loaded
on first use (PEP 562): the readers and the header recognition need neither pandas nor
the store, so `cccd ingest` can start reading a big export (`early`) before those
heavier imports are done.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - names for type checkers; loaded lazily below
    from cccd_analytics.ingest.pipeline import (  # noqa: F401
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
    from cccd_analytics.ingest.readers import Limits, ReadError  # noqa: F401

_FROM = {
    **dict.fromkeys(
        (
            "STREAM_FROM_DISK_BYTES",
            "ImportReport",
            "Pending",
            "Problem",
            "import_bytes",
            "import_file",
            "read_observations",
            "remember_mapping",
            "sha256_of",
        ),
        "cccd_analytics.ingest.pipeline",
    ),
    "Limits": "cccd_analytics.ingest.readers",
    "ReadError": "cccd_analytics.ingest.readers",
}

__all__ = sorted(_FROM)


def __getattr__(name: str):
    module = _FROM.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # once: later look-ups (and monkeypatching) see a plain attribute
    return value
