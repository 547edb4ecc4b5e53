"""Many files imported in the order given, the next ones read and checked in two worker
processes while one is written.

Each file is still its own upload, checked whole and written in its own transaction or
refused without writing anything, in the order given — exactly as `pipeline.import_file`
one after the other would do.  What changes is when the work happens: reading a file,
resolving its names and checking it (about half of a canonical file's import) needs no
write, so on a machine with two cores it runs for the next files (up to `AHEAD` of them)
while file k is written.  Two workers, not one: with one, the checks set the pace (a
nation's checks take longer than its writes), and the writer and a PostgreSQL server's
backend left part of the second core idle (`WORKERS`).

Why the check of a later file is still the check against the store *after* file k: the
worker checks against the store as it stands, through `_Reads`, which notes every answer
the check took from the store (an earlier upload with the same bytes, the values in force
of some units, the stored parts' values).  Before that file is written, the main process
asks whether any file written since its check was submitted could have changed one of
those answers (same bytes, a unit in common, parts written).  If so — say, two files about
the same communes — the file is checked again here, against the store as it now is;
otherwise the worker's answers are the ones a check now would get.  Files about different
places (a nation's 63 province files) are never checked twice.

Each worker is forked with no database connection open (it opens its own); anything
unexpected in it (a crash, an error of its own) only means the file is checked again in
the main process.  An in-memory SQLite store, a single file or a machine with one core are
imported one after the other, as before.
"""

from __future__ import annotations

import collections
import concurrent.futures
import dataclasses
import os
from pathlib import Path

from cccd_analytics.ingest import observations, pipeline
from cccd_analytics.ingest.report import ImportReport


class _Reads:
    """A store for a check that writes nothing: every read passes through, and what it
    read is noted so that a later write can be tested against it (`_still_true`)."""

    def __init__(self, store):
        self._store = store
        self.shas: set[str] = set()
        self.units: set[str] = set()
        self.all_units = False  # a read of every unit's values
        self.read_parts = False
        self.other = False  # a read this class does not know how to test: check again

    def find_upload_by_sha(self, sha256: str):
        self.shas.add(sha256)
        return self._store.find_upload_by_sha(sha256)

    def current_observations(self, as_of=None, unit_keys=None):
        self._note_units(unit_keys)
        return self._store.current_observations(as_of=as_of, unit_keys=unit_keys)

    def current_parts(self, as_of=None, unit_keys=None, dimension=None):
        self._note_units(unit_keys)
        return self._store.current_parts(as_of=as_of, unit_keys=unit_keys, dimension=dimension)

    def part_values(self):
        self.read_parts = True
        return self._store.part_values()

    # Not changed by an upload: column mappings are remembered by the upload page, not by
    # an import, and campaigns by `cccd campaign add`.
    def find_mapping(self, signature: str):
        return self._store.find_mapping(signature)

    def campaign_definitions(self):
        return self._store.campaign_definitions()

    def file_of(self, upload_id):
        """Only `pipeline.Pending` holds files of its own; every upload here is stored."""
        return None

    def __getattr__(self, name):
        self.other = True
        return getattr(self._store, name)

    def _note_units(self, unit_keys) -> None:
        if unit_keys is None:
            self.all_units = True
        else:
            self.units.update(str(k) for k in unit_keys)

    def noted(self) -> dict:
        return dict(
            shas=self.shas,
            units=self.units,
            all_units=self.all_units,
            read_parts=self.read_parts,
            other=self.other,
        )


def _written(report: ImportReport) -> dict:
    """What an upload changed that a check may have read: its bytes and its units."""
    upload = report.upload
    units: set[str] = set()
    for frame in (upload.observations, upload.parts, upload.denominators):
        if frame is not None and len(frame):
            units.update(map(str, frame["unit_key"].unique().tolist()))
    return dict(sha=upload.sha256, units=units, parts=upload.parts is not None and len(upload.parts) > 0)


def _still_true(noted: dict, written: list[dict]) -> bool:
    """Whether the answers a check read (`noted`) are those the store gives after the
    uploads `written` since it began."""
    if noted["other"]:
        return False
    for change in written:
        if change["sha"] in noted["shas"]:
            return False
        if change["units"] and (noted["all_units"] or change["units"] & noted["units"]):
            return False
        if change["parts"] and noted["read_parts"]:
            return False
    return True


_WORKER_STORE = None

# How many files the workers check ahead of the one being written.
AHEAD = 3

# Worker processes checking those files side by side.  Measured on two cores, a nation's 63
# files in `bench/national_load.py` (best of three, interleaved with one worker in the same
# run): SQLite 10,9 → 8,8 s, PostgreSQL 16,0 → 10,1 s; three workers were slower than two
# on PostgreSQL (the writer and the server's backend then wait for a core).  Each worker is
# a fork of this process that opens its own store.
WORKERS = 2


def _check_in_worker(db_url: str | None, path: str, kwargs: dict) -> tuple[ImportReport, dict]:
    """In the worker: check one file against the store, writing nothing."""
    global _WORKER_STORE
    from cccd_analytics.store import Store, value_rows

    if _WORKER_STORE is None:
        _WORKER_STORE = Store.open(db_url)
        observations.PREVIEWS.set(False)  # this process only checks files for the writer
    reads = _Reads(_WORKER_STORE)
    report = pipeline.import_file(reads, path, write=False, **kwargs)
    if report.upload is not None and report.upload.rows is None:
        # The rows the store will write, made here while the writer writes the file before.
        for_copy = _WORKER_STORE.engine.dialect.name == "postgresql"
        rows = value_rows(report.upload.observations, for_copy=for_copy)
        report.upload = dataclasses.replace(report.upload, rows=rows)
    return report, reads.noted()


def _worker_pool() -> concurrent.futures.ProcessPoolExecutor | None:
    import multiprocessing  # here: one file, the usual `cccd ingest`, needs no second process

    if (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    try:
        return concurrent.futures.ProcessPoolExecutor(
            max_workers=WORKERS, mp_context=multiprocessing.get_context("fork")
        )
    except (OSError, ValueError):
        return None


def import_files(
    store,
    db_url: str | None,
    paths: list[Path],
    *,
    uploaded_by: str | None = None,
    dry_run: bool = False,
    audit: dict | None = None,
) -> list[ImportReport]:
    """Import `paths` in order into `store` (opened from `db_url`, None for the default
    store), each its own upload, as `pipeline.import_file` one after the other would."""
    kwargs = dict(uploaded_by=uploaded_by, dry_run=dry_run, audit=audit)
    pool = None
    if len(paths) > 1 and str(store.engine.url) != "sqlite:///:memory:":
        # No database connection may cross the fork: the worker opens its own.
        store.engine.dispose()
        pool = _worker_pool()
    if pool is None:
        # Through the package's name, the seam a caller may wrap (tests hold an import
        # at one of its steps that way).
        from cccd_analytics import ingest

        return [ingest.import_file(store, path, **kwargs) for path in paths]
    reports: list[ImportReport] = []
    # What each written upload changed, in order, and for each check in flight the number
    # of uploads written when it was submitted: a check may have missed any upload written
    # since, and only those.
    written: list[dict] = []
    in_flight: collections.deque = collections.deque()

    def submit(index: int) -> None:
        in_flight.append((pool.submit(_check_in_worker, db_url, str(paths[index]), kwargs), len(written)))

    try:
        # The workers keep up to AHEAD files checked before they are written: one file's
        # check and the write of the file before it are seldom equally long (a city's file
        # is checked slower than it is written, a rural province's the other way round),
        # and with one file ahead the slower of the two set the pace at every file: 1,2 s
        # of a nation's 8,5 s load on two cores.
        for index in range(min(AHEAD, len(paths))):
            submit(index)
        for index, path in enumerate(paths):
            current, since = in_flight.popleft()
            if index + AHEAD < len(paths):
                submit(index + AHEAD)
            try:
                report, noted = current.result()
            except Exception:  # noqa: BLE001 — the worker's own failure: the file is checked here
                report, noted = None, None
            if report is None or not _still_true(noted, written[since:]):
                report = pipeline.import_file(store, path, write=False, **kwargs)
            if report.upload is not None:
                written.append(_written(report))
                report = pipeline.write_checked(store, report)
            reports.append(report)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return reports
