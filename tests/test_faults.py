"""Faults: a killed import changes nothing, simultaneous uploads lose nothing, and a locked
or unreachable database gives a Vietnamese message and a way to retry, never a traceback.

The SQLite cases always run; the PostgreSQL ones need CCCD_TEST_PG_URL (./dev test sets it).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import pandas as pd
import pytest
import sqlalchemy as sa

from cccd_analytics import ingest
from cccd_analytics.store import Store, StoreUnavailable
from tests.conftest import ROOT, write
from tests.test_auth import served  # noqa: F401 — fixture: AppTest runs the router as a server does

HEADER = "date,province,district,commune,commune_code,eligible,collected,returned\n"
CLOSED_PORT_URL = "postgresql+psycopg://cccd:mat-khau-bi-mat@127.0.0.1:1/khong_co"


@pytest.fixture(params=["sqlite", "postgresql"])
def backend_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'cccd.sqlite'}"
    return request.getfixturevalue("pg_url")


def snapshot(store: Store) -> dict:
    """Everything an import could touch, as comparable values."""
    with store.engine.connect() as conn:
        counts = {
            t: conn.execute(sa.text(f"select count(*) from {t}")).scalar_one()
            for t in ("uploads", "observations", "units", "unit_tags", "audit_log")
        }
    current = store.current_observations()
    return {
        "counts": counts,
        "current": current.to_dict("records"),
        "uploads": store.list_uploads()[["id", "sha256", "status"]].to_dict("records"),
    }


def rows(day: str, values: dict[str, int]) -> str:
    return "".join(f"{day},Tỉnh Hà Tĩnh,Huyện Kỳ Anh,{name},,5000,{v},0\n" for name, v in values.items())


KILL_AT_STAGE = textwrap.dedent("""
    import os, signal, sys
    from cccd_analytics import ingest
    from cccd_analytics.store import Store

    url, path, stage = sys.argv[1:4]
    store = Store.open(url)

    def hook(reached):
        if reached == stage:
            os.kill(os.getpid(), signal.SIGKILL)   # no cleanup, no rollback from Python

    report = ingest.import_file(store, path, uploaded_by="bi.giet", hook=hook, audit={"username": "bi.giet"})
    print("NOT KILLED", report.status)
""")


@pytest.mark.parametrize("stage", ["upload", "observations", "audit"])
def test_process_killed_mid_import_leaves_the_store_as_it_was(backend_url, tmp_path, stage):
    store = Store.open(backend_url)
    first = write(tmp_path / "truoc.csv", HEADER + rows("2021-03-01", {"Xã Kỳ Đồng": 100, "Xã Kỳ Tân": 50}))
    assert ingest.import_file(store, first).status == "imported"
    before = snapshot(store)
    # A bigger file: a new unofficial unit, a replacement for 1/3, and new days.
    later = write(
        tmp_path / "sau.csv",
        HEADER
        + rows("2021-03-01", {"Xã Kỳ Đồng": 120, "Xã Lập Mới": 7})
        + "".join(
            rows(f"2021-03-{d:02d}", {"Xã Kỳ Đồng": 100 + 10 * d, "Xã Kỳ Tân": 50 + d}) for d in range(2, 28)
        ),
    )
    result = subprocess.run(
        [sys.executable, "-c", KILL_AT_STAGE, backend_url, str(later), stage],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == -signal.SIGKILL, result.stdout + result.stderr
    store.engine.dispose()
    reopened = Store.open(backend_url)
    assert snapshot(reopened) == before
    if reopened.engine.dialect.name == "sqlite":
        with reopened.engine.connect() as conn:
            assert conn.execute(sa.text("PRAGMA integrity_check")).scalar_one() == "ok"
    # Nothing half-written blocks a retry: the same file now imports whole.
    again = ingest.import_file(reopened, later)
    assert again.status == "imported"
    assert reopened.current_observations().query("metric == 'collected'")["date"].nunique() == 27
    reopened.engine.dispose()


UPLOAD_IN_A_PROCESS = textwrap.dedent("""
    import sys, time
    from cccd_analytics import ingest
    from cccd_analytics.store import Store

    url, path, start_at = sys.argv[1], sys.argv[2], float(sys.argv[3])
    store = Store.open(url)
    time.sleep(max(0.0, start_at - time.time()))   # both start together
    print(ingest.import_file(store, path, uploaded_by=path).status)
""")


def test_two_analysts_uploading_at_once_from_two_processes_lose_nothing(tmp_path):
    import time

    url = f"sqlite:///{tmp_path / 'cccd.sqlite'}"
    Store.open(url).engine.dispose()
    days = range(1, 29)
    files = [
        write(
            tmp_path / "an.csv",
            HEADER + "".join(rows(f"2021-03-{d:02d}", {"Xã Kỳ Đồng": 10 * d, "Xã Lập Mới": d}) for d in days),
        ),
        write(
            tmp_path / "binh.csv",
            HEADER + "".join(rows(f"2021-03-{d:02d}", {"Xã Kỳ Tân": 20 * d, "Xã Lập Mới": d}) for d in days),
        ),
    ]
    start_at = time.time() + 2  # both processes are ready (imports done) by then
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", UPLOAD_IN_A_PROCESS, url, str(f), str(start_at)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for f in files
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert sorted(out.strip() for out, _ in outputs) == ["imported", "imported"]
    store = Store.open(url)
    uploads = store.list_uploads()
    assert len(uploads) == 2 and set(uploads["status"]) == {"active"}
    collected = store.current_observations().query("metric == 'collected'")
    units = store.units()
    names = collected["unit_key"].map(units["name"])
    assert sorted(names.unique()) == ["Xã Kỳ Tân", "Xã Kỳ Đồng", "Xã Lập Mới"]
    assert len(collected) == 3 * len(days)
    assert len(units[units["name"] == "Xã Lập Mới"]) == 1


def test_threads_uploading_to_one_sqlite_store_lose_nothing(tmp_path):
    import threading

    store = Store.open(f"sqlite:///{tmp_path / 'cccd.sqlite'}")
    names = [f"Xã Thử {i}" for i in range(6)]
    errors, reports = [], []

    def upload(i):
        data = (HEADER + rows("2021-03-01", {names[i]: 10 + i, "Xã Chung Mới": 5})).encode()
        try:
            reports.append(ingest.import_bytes(store, data, f"t{i}.csv", uploaded_by=f"u{i}"))
        except Exception as exc:  # noqa: BLE001
            errors.append(repr(exc))

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors and {r.status for r in reports} == {"imported"}
    assert len(store.list_uploads()) == 6
    assert (
        store.current_observations().query("metric == 'collected'")["value"].sum() == sum(range(10, 16)) + 5
    )


# -- locked and unreachable databases ------------------------------------------------------


@pytest.fixture
def quick_busy_timeout(monkeypatch):
    """SQLite waits 10 s for a lock in production; 0,3 s here."""
    import cccd_analytics.store as store_module

    original = store_module._sqlite_pragmas

    def pragmas(dbapi_conn, record):
        original(dbapi_conn, record)
        dbapi_conn.execute("PRAGMA busy_timeout=300")

    monkeypatch.setattr(store_module, "_sqlite_pragmas", pragmas)


@pytest.fixture
def locked_sqlite(tmp_path, quick_busy_timeout):
    import sqlite3

    path = tmp_path / "cccd.sqlite"
    Store.open(f"sqlite:///{path}").engine.dispose()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process is in the middle of a long write
    yield f"sqlite:///{path}"
    holder.execute("ROLLBACK")
    holder.close()


def test_locked_database_is_a_vietnamese_message_from_the_cli(capsys, locked_sqlite, tmp_path):
    from cccd_analytics.cli import main

    path = write(tmp_path / "a.csv", HEADER + rows("2021-03-01", {"Xã Kỳ Đồng": 100}))
    code = main(["ingest", "--db", locked_sqlite, str(path)])
    out, err = capsys.readouterr()
    assert code == 3  # retry later: not a refused file
    assert "đang bị khóa" in err and "thử lại" in err and "Traceback" not in err + out


def test_locked_database_during_import_raises_the_friendly_error_and_writes_nothing(locked_sqlite, tmp_path):
    store = Store.open(locked_sqlite)
    data = (HEADER + rows("2021-03-01", {"Xã Kỳ Đồng": 100})).encode()
    with pytest.raises(StoreUnavailable, match="đang bị khóa"):
        ingest.import_bytes(store, data, "a.csv")


def test_unreachable_server_is_a_vietnamese_message_without_the_password(capsys):
    from cccd_analytics.cli import main

    code = main(["status", "--db", CLOSED_PORT_URL, "--json"])
    out, err = capsys.readouterr()
    assert code == 3 and "không kết nối được máy chủ cơ sở dữ liệu" in err
    assert "mat-khau-bi-mat" not in err + out and "Traceback" not in err + out


def test_dashboard_with_an_unreachable_database_says_so_and_offers_a_retry(monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("CCCD_DB_URL", CLOSED_PORT_URL)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=30).run()
    assert not at.exception
    assert "không kết nối được máy chủ cơ sở dữ liệu" in at.error[0].value
    assert "mat-khau-bi-mat" not in at.error[0].value
    assert [b.label for b in at.button] == ["Thử lại"]


def test_retry_works_once_the_database_is_back(monkeypatch, pg_template):
    """PostgreSQL down (here: its database not created yet), then back: "Thử lại" opens the dashboard."""
    from streamlit.testing.v1 import AppTest

    from tests.conftest import _pg_database_url

    admin, base, template = pg_template
    name = "cccd_fault_retry"
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    monkeypatch.setenv("CCCD_DB_URL", _pg_database_url(base, name))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=30).run()
    assert not at.exception and [b.label for b in at.button] == ["Thử lại"]
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        at.button[0].click().run()
        assert not at.exception and not at.error
        assert any("cccd sample" in i.value for i in at.info)  # the (empty) overview
    finally:
        from cccd_analytics import ui

        ui.get_store.clear()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.mark.usefixtures("served")
def test_signing_in_while_the_database_is_locked_says_so(tmp_path, quick_busy_timeout, monkeypatch):
    """Signing in writes (failure count, last login, audit): a lock held longer than the
    wait gives the message and "Thử lại", and the form stays usable."""
    import sqlite3

    from streamlit.testing.v1 import AppTest

    from cccd_analytics import auth
    from tests.test_auth import sign_in

    path = tmp_path / "cccd.sqlite"
    store = Store.open(f"sqlite:///{path}")
    store.add_user("lan.nt", "analyst", auth.hash_password("Kỳ-Anh-2021-cao-điểm"))
    store.engine.dispose()
    monkeypatch.setenv("CCCD_DB_URL", f"sqlite:///{path}")
    monkeypatch.delenv("CCCD_DEMO_ROLE", raising=False)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=30).run()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        sign_in(at, "lan.nt")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert not at.exception
    assert "đang bị khóa" in at.error[0].value and "Thử lại" in [b.label for b in at.button]
    sign_in(at, "lan.nt")
    assert not at.exception and any("cccd sample" in i.value for i in at.info)


def test_observation_frames_are_unchanged_by_the_friendly_error_hook(store, tmp_path):
    """The error hook only translates availability errors: a programming error stays one."""
    with pytest.raises(sa.exc.OperationalError):
        with store.engine.connect() as conn:
            conn.execute(sa.text("select * from khong_co_bang_nay"))
    assert isinstance(store.current_observations(), pd.DataFrame)
