"""One measurement in this (fresh) process: prints one JSON line with wall time and peak RSS.

    python bench/measure.py KIND [ARGS...]

Run by bench/run_all.py, one subprocess per measurement, so that the peak resident
memory (``ru_maxrss``) of one measurement never bleeds into another.  Each prints
``{"wall": seconds, "peak_mib": MiB, "base_mib": MiB after imports, ...}``; ``wall``
times only the work itself (imports, opening the store and loading inputs that the
reference gets for free are outside it), and ``peak_mib`` is the whole process.

Kinds:
  ingest PATH DB_URL [MAX_BYTES]        cccd_analytics.ingest.import_file into DB_URL
  ingest_many DB_URL CAMPAIGN_JSON PATH...  canonical files in one process, then the campaign
  count_records PATH [MAX_BYTES]        this tool's read-and-count of an export alone (no checks, no store)
  duckdb_records PATH                   DuckDB: per (province, district, commune, day) count(*)
  read_excel PATH                       pandas.read_excel (openpyxl, the default engine)
  read_xlsx PATH                        this tool's reader alone (calamine)
  store_read DB_URL                     Store.current_observations() + Store.units()
  snapshot DB_URL CAMPAIGN [REPEAT]     metrics.snapshot over every unit (forecasts included)
  overview DB_URL CAMPAIGN [RUNS]       the overview page in AppTest: cold run, warm reruns
  briefing DB_URL CAMPAIGN OUT.pptx     briefing.from_frames + write_pptx(include_map=False)
  overview_read DB_URL CAMPAIGN         what a fresh process serving the overview reads (shared results)
  clear_shared DB_URL                   forget the shared results (the next reader computes)
  during_refresh DB_URL CAMPAIGN [DELAY]  a viewer's range and figures asked DELAY s after a
                                        background refresh began (nothing kept before it)
  save_campaign DB_URL CAMPAIGN_JSON    add a campaign (not timed)
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

# BENCH_ROOT: measure another copy of the code (run_all.py --baseline: the code before).
ROOT = Path(os.environ.get("BENCH_ROOT") or Path(__file__).resolve().parents[1])
sys.path.insert(0, str(ROOT))


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _module(*names: str):
    """The first of these modules that this code has: measure.py also runs the code of an
    earlier revision (run_all.py --baseline), from before the library's packages by stage."""
    import importlib

    for name in names:
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    raise ImportError(names[-1])


def _ingest_internals():
    return _module("cccd_analytics.ingest.pipeline", "cccd_analytics.ingest")


def _records():
    return _module("cccd_analytics.ingest.records", "cccd_analytics.records")


def _campaigns():
    return _module("cccd_analytics.analytics.campaigns", "cccd_analytics.campaigns")


def _emit(**figures) -> None:
    figures.setdefault("peak_mib", round(_peak_mib(), 1))
    print(json.dumps(figures, default=str), flush=True)


def ingest(path: str, url: str, max_bytes: str | None = None) -> None:
    from cccd_analytics import ingest as ing
    from cccd_analytics.store import Store

    Limits = ing.Limits

    store = Store.open(url)
    limits = Limits(max_bytes=int(max_bytes)) if max_bytes else Limits()
    stages = _time_stages()
    base = _peak_mib()
    started = time.perf_counter()
    report = ing.import_file(store, path, limits=limits)
    wall = time.perf_counter() - started
    _emit(
        wall=round(wall, 3),
        base_mib=round(base, 1),
        status=report.status,
        rows=report.rows_read,
        units=report.units_read,
        days=len(report.dates),
        unofficial=len(report.unofficial_units),
        warnings=len(report.warnings),
        message=report.message[:300],
        stages={k: round(v, 3) for k, v in stages.items()},
    )


def _time_stages() -> dict:
    """Where an import's time goes: the import's own steps, wrapped with timers (in this
    measuring process only).  read = reading the file and counting or parsing its rows;
    check = resolving names and every check; store = the one write transaction."""
    import functools

    from cccd_analytics.store import Store

    ing, records = _ingest_internals(), _records()

    spent: dict[str, float] = {}
    active: set[str] = set()  # a stage inside itself (read_workbook within extract) counts once

    def timed(owner, name: str, stage: str) -> None:
        function = getattr(owner, name, None)
        if function is None:  # another revision's code (run_all.py --baseline)
            return

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            if stage in active:
                return function(*args, **kwargs)
            active.add(stage)
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                active.discard(stage)
                spent[stage] = spent.get(stage, 0.0) + time.perf_counter() - started

        setattr(owner, name, wrapper)

    timed(ing, "read_workbook", "read")
    # ingest/pipeline.py calls extract and resolve_and_check; the flat ingest.py before it
    # had them private (a name the code does not have is skipped).
    timed(ing, "extract", "read")
    timed(ing, "_extract", "read")
    timed(ing, "resolve_and_check", "check")
    timed(ing, "_resolve_and_check", "check")
    timed(Store, "write_upload", "store")
    timed(records, "read_csv", "of which records.read_csv")
    return spent


def count_records(path: str, max_bytes: str | None = None) -> None:
    """What DuckDB's query does, by this tool: read a per-record export and count its rows
    per place and day (records.read_csv) — no name resolution, checks or store."""
    ing, records = _ingest_internals(), _records()
    FileData, Limits, read_workbook = ing.FileData, ing.Limits, ing.read_workbook

    limits = Limits(max_bytes=int(max_bytes)) if max_bytes else Limits()
    base = _peak_mib()
    started = time.perf_counter()
    data = FileData(path)
    book = read_workbook(data, Path(path).name, limits, head_only=True)
    sheet = book.sheets[0]
    found = ing._locate(sheet.rows)
    width = max((len(r) for r in sheet.rows[: found.first_data_row + 20]), default=0)
    counts = records.read_csv(data, book.csv, found, width)
    wall = time.perf_counter() - started
    _emit(wall=round(wall, 3), base_mib=round(base, 1), rows=counts.rows, groups=len(counts.daily))


def ingest_many(url: str, campaign_json: str, *paths: str) -> None:
    """Import canonical files in one process (a province's or a nation's reports), then
    save the campaign (not timed)."""
    from cccd_analytics import ingest as ing
    from cccd_analytics.store import Store

    camp = _campaigns()

    store = Store.open(url)
    stages = _time_stages()
    base = _peak_mib()
    started = time.perf_counter()
    statuses, rows, slowest = [], 0, 0.0
    for path in paths:
        t0 = time.perf_counter()
        report = ing.import_file(store, path)
        slowest = max(slowest, time.perf_counter() - t0)
        statuses.append(report.status)
        rows += report.rows_read
        if report.status != "imported":
            print(report.message, file=sys.stderr)
    wall = time.perf_counter() - started
    store.save_campaign(camp.from_definition(json.loads(campaign_json)).to_definition())
    _emit(
        wall=round(wall, 3),
        base_mib=round(base, 1),
        files=len(paths),
        rows=rows,
        slowest_file=round(slowest, 3),
        status=",".join(sorted(set(statuses))),
        stages={k: round(v, 3) for k, v in stages.items()},
    )


def duckdb_records(path: str) -> None:
    import duckdb

    con = duckdb.connect()
    base = _peak_mib()
    started = time.perf_counter()
    rows = con.execute(
        'SELECT "Tỉnh" AS province, "Huyện" AS district, "Xã/Phường thường trú" AS commune, '
        'left("Ngày thu nhận", 10) AS date, count(*) AS n '
        "FROM read_csv(?, header = true, all_varchar = true) GROUP BY ALL",
        [path],
    ).fetchall()
    wall = time.perf_counter() - started
    _emit(
        wall=round(wall, 3),
        base_mib=round(base, 1),
        groups=len(rows),
        records=sum(r[-1] for r in rows),
        threads=con.execute("SELECT current_setting('threads')").fetchone()[0],
        version=duckdb.__version__,
    )


def read_excel(path: str) -> None:
    """pandas' read_excel as a user calls it; the engine named (openpyxl, pandas' default
    for xlsx today) only to silence the warning that the default will change."""
    import pandas as pd

    base = _peak_mib()
    started = time.perf_counter()
    frame = pd.read_excel(path, engine="openpyxl")
    wall = time.perf_counter() - started
    _emit(wall=round(wall, 3), base_mib=round(base, 1), rows=len(frame))


def read_xlsx(path: str) -> None:
    """This tool's reader alone (python-calamine: bytes → rows), for comparison with
    read_excel; `ingest` is the whole import."""
    readers = _module("cccd_analytics.ingest.readers", "cccd_analytics.readers")
    base = _peak_mib()
    started = time.perf_counter()
    book = readers.read_workbook(Path(path).read_bytes(), Path(path).name)
    wall = time.perf_counter() - started
    _emit(wall=round(wall, 3), base_mib=round(base, 1), rows=sum(len(s.rows) for s in book.sheets))


def store_read(url: str) -> None:
    from cccd_analytics.store import Store

    store = Store.open(url)
    base = _peak_mib()
    started, cpu = time.perf_counter(), time.process_time()
    obs = store.current_observations()
    middle = time.perf_counter()
    units = store.units()
    wall = time.perf_counter() - started
    _emit(
        wall=round(wall, 3),
        cpu=round(time.process_time() - cpu, 3),
        observations_s=round(middle - started, 3),
        base_mib=round(base, 1),
        rows=len(obs),
        units=len(units),
    )


def overview_read(url: str, name: str) -> None:
    """What a fresh process serving the overview reads from the store once another process
    has computed this data version's figures: the data version, the campaigns, the
    campaign's data range and snapshot (cccd_analytics.shared)."""
    from cccd_analytics import shared
    from cccd_analytics.store import Store

    store = Store.open(url)
    base = _peak_mib()
    started, cpu = time.perf_counter(), time.process_time()
    version = store.data_version()
    campaign = _campaign(store, name)
    first, last = shared.data_range(store, campaign, version)
    snap = shared.snapshot(store, campaign, last, version)
    wall = time.perf_counter() - started
    _emit(
        wall=round(wall, 3),
        cpu=round(time.process_time() - cpu, 3),
        base_mib=round(base, 1),
        units=len(snap.units),
        as_of=str(last),
    )


def clear_shared(url: str) -> None:
    """Forget every kept result: the next reader computes (the first view after a change)."""
    from cccd_analytics.store import Store

    store = Store.open(url)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM shared_results")
    _emit(wall=0)


def during_refresh(url: str, name: str, delay: str = "0.3") -> None:
    """The first view after an upload made on the dashboard: the upload's refresh of the
    figures runs in a background thread (shared.refresh_in_background), and a viewer of the
    same server process reruns `delay` seconds later.  `wall` is the viewer's wait for the
    campaign's range and figures; `refresh` is when the refresh thread ended."""
    import threading

    from cccd_analytics import shared
    from cccd_analytics.store import Store

    store = Store.open(url)
    campaign = _campaign(store, name)
    version = store.data_version()
    base = _peak_mib()
    started = time.perf_counter()
    ended = {}

    def refresh():
        shared.refresh(Store.open(url))
        ended["refresh"] = time.perf_counter() - started

    thread = threading.Thread(target=refresh)
    thread.start()
    time.sleep(float(delay))
    asked = time.perf_counter()
    viewer = Store.open(url)  # a session of its own, as a page run has
    first, last = shared.data_range(viewer, campaign, version)
    snap = shared.snapshot(viewer, campaign, last, version)
    wall = time.perf_counter() - asked
    thread.join()
    _emit(
        wall=round(wall, 3),
        refresh=round(ended["refresh"], 3),
        delay=float(delay),
        base_mib=round(base, 1),
        units=len(snap.units),
    )


def save_campaign(url: str, campaign_json: str) -> None:
    from cccd_analytics.store import Store

    camp = _campaigns()
    Store.open(url).save_campaign(camp.from_definition(json.loads(campaign_json)).to_definition())
    _emit(wall=0)


def _campaign(store, name: str):
    camp = _campaigns()
    return next(camp.from_definition(d) for d in store.campaign_definitions() if d["name"] == name)


def snapshot(url: str, name: str, repeat: str = "3") -> None:
    from cccd_analytics.store import Store

    metrics = _module("cccd_analytics.analytics.metrics", "cccd_analytics.metrics")

    store = Store.open(url)
    obs, units = store.current_observations(), store.units()
    campaign = _campaign(store, name)
    base = _peak_mib()
    times = []
    for _ in range(int(repeat)):
        started = time.perf_counter()
        snap = metrics.snapshot(obs, units, campaign)
        times.append(time.perf_counter() - started)
    communes = snap.units[snap.units["level"] == "commune"]
    _emit(
        wall=round(min(times), 3),
        first=round(times[0], 3),
        base_mib=round(base, 1),
        units=len(snap.units),
        communes=len(communes),
        projected=int(communes["projected_date"].notna().sum()),
        observations=len(obs),
    )


def overview(url: str, name: str, runs: str = "5") -> None:
    os.environ["CCCD_DB_URL"] = url
    os.environ.setdefault("CCCD_DEMO_ROLE", "admin")  # past the login gate
    from streamlit.testing.v1 import AppTest

    base = _peak_mib()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)
    at.session_state["campaign"] = name
    started, cpu = time.perf_counter(), time.process_time()
    at.run()
    cold = time.perf_counter() - started
    cold_cpu = time.process_time() - cpu
    if at.exception:
        _emit(wall=None, error=str(at.exception)[:500])
        return
    warm = []
    for _ in range(int(runs)):
        started = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - started)
    titles = [t.value for t in at.title]
    _emit(
        wall=round(statistics.median(warm), 3),
        cold=round(cold, 3),
        cold_cpu=round(cold_cpu, 3),
        warm_min=round(min(warm), 3),
        warm_max=round(max(warm), 3),
        base_mib=round(base, 1),
        title=titles[:1],
        exception=bool(at.exception),
    )


def briefing(url: str, name: str, out: str) -> None:
    from cccd_analytics import briefing as brief
    from cccd_analytics.store import Store

    store = Store.open(url)
    obs, units, uploads = store.current_observations(), store.units(), store.list_uploads()
    campaign = _campaign(store, name)
    base = _peak_mib()
    started = time.perf_counter()
    b = brief.from_frames(obs, units, campaign, uploads=uploads)
    middle = time.perf_counter()
    brief.write_pptx(b, out, include_map=False)
    wall = time.perf_counter() - started
    _emit(
        wall=round(wall, 3),
        from_frames_s=round(middle - started, 3),
        base_mib=round(base, 1),
        pptx_kib=round(Path(out).stat().st_size / 1024),
    )


KINDS = {
    "ingest": ingest,
    "ingest_many": ingest_many,
    "count_records": count_records,
    "duckdb_records": duckdb_records,
    "read_excel": read_excel,
    "read_xlsx": read_xlsx,
    "store_read": store_read,
    "snapshot": snapshot,
    "overview": overview,
    "briefing": briefing,
    "overview_read": overview_read,
    "clear_shared": clear_shared,
    "during_refresh": during_refresh,
    "save_campaign": save_campaign,
}

if __name__ == "__main__":
    KINDS[sys.argv[1]](*sys.argv[2:])
