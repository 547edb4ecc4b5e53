"""What every process would build anew from the shipped files, kept between processes.

The registry's frame and its name indexes are built from the shipped CSVs by the first
command that resolves a name (~75 ms of `cccd ingest`, `cccd status` and each dashboard
process on the test machine).  They are the same until a shipped file or the code that
builds them changes, so they are pickled once in the user's cache folder and read back
(~2 ms) by the processes after, as matplotlib keeps its font list.

Written by hand: it is a dozen lines around `pickle`, and the libraries that cache a
function's result on disk (joblib.Memory, diskcache) key it by its arguments, not by the
files it reads, and would be a dependency for this one use.

The key is every source's name, size and modification time, and the versions of Python,
pandas and pyarrow (a pickled frame needs the same ones to be read back).  A file that
cannot be read (cut short, another format, no permission) is built again; a folder that
cannot be written (a read-only home) leaves each process building its own, as before.
`CCCD_CACHE_DIR` names the folder; set to "" it turns the cache off.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

#: Raised when the pickled contents change shape without a source file changing.
FORMAT = 1


def folder() -> Path | None:
    """Where the kept files go: $CCCD_CACHE_DIR, else $XDG_CACHE_HOME/cccd, else
    ~/.cache/cccd; None when $CCCD_CACHE_DIR is set empty."""
    chosen = os.environ.get("CCCD_CACHE_DIR")
    if chosen is not None:
        return Path(chosen) if chosen.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "cccd"


def _key(sources: Iterable[Path]) -> str:
    import pandas as pd
    import pyarrow as pa

    digest = hashlib.sha256(f"{FORMAT}|{sys.version}|{pd.__version__}|{pa.__version__}".encode())
    for path in sources:
        stat = os.stat(path)
        digest.update(f"|{Path(path).name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:20]


def load_or_build(name: str, sources: Iterable[Path], build: Callable[[], T]) -> T:
    """`build()`, or what it returned in an earlier process whose `sources` were the same."""
    where = folder()
    if where is None:
        return build()
    try:
        path = where / f"{name}-{_key(sources)}.pickle"
    except OSError:
        return build()  # a source gone: the build says what is missing
    try:
        with open(path, "rb") as handle:
            return pickle.load(handle)
    except FileNotFoundError:
        pass
    except Exception:  # noqa: BLE001 - any unreadable file is built again, never an error
        pass
    value = build()
    _keep(where, name, path, value)
    return value


#: Files of one name kept under different keys, the newest first.
KEEP = 4


def _written(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _keep(where: Path, name: str, path: Path, value) -> None:
    """Write `value` to `path` whole or not at all (a temporary file renamed over it: two
    processes starting together each write their own, and either one wins), and remove
    the oldest files of the same name kept under other keys."""
    try:
        where.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=where, prefix=f".{name}-", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
        # The newest few kept: two versions of the code run side by side (a benchmark of
        # the code before and after, two checkouts) each find their own, rather than
        # building it again each time the other one has replaced it.
        kept = sorted(where.glob(f"{name}-*.pickle"), key=_written, reverse=True)
        for old in kept[KEEP:]:
            old.unlink(missing_ok=True)
    except (OSError, pickle.PicklingError):
        pass
