"""Faults end to end, on loopback, each bounded in time:

* PostgreSQL restarts while a viewer is on the overview (real Chromium) and an import is being
  written: the viewer sees "Thử lại", then the figures; the import is refused with exit code 3
  and landed whole or not at all; running it again lands it once.
* The disk under an SQLite store fills up during an import: refused cleanly (exit 3, a
  Vietnamese message), the store exactly as before; after freeing space the file imports.
* The previous release's database file opens, migrates, and gives every figure the same.

A fault this machine cannot make (no root for a tmpfs, no PostgreSQL server programs, no
Chromium) skips its test with the reason, which `./dev test` prints (-ra).
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from cccd_analytics.cli.status import status_payload
from cccd_analytics.store import Store, fingerprint
from cccd_analytics.store.schema import MIGRATIONS
from tests.conftest import ROOT, write

HEADER = "date,province,district,commune,commune_code,eligible,collected,returned\n"
PG_SERVER = ROOT / "scripts" / "pg_test_server.sh"
PREVIOUS = ROOT / "tests" / "fixtures" / "previous_release"


def many_rows(name: str, days: int, communes: int, day0: int = 1) -> str:
    """A canonical file of `communes` unofficial communes × `days` days (April 2024)."""
    return HEADER + "".join(
        f"2024-{4 + (day0 + d - 1) // 30:02d}-{(day0 + d - 1) % 30 + 1:02d},Tỉnh Hà Tĩnh,Huyện Thử Lỗi,"
        f"Xã {name} {n},,50000,{100 * (day0 + d) + n},{d}\n"
        for d in range(days)
        for n in range(communes)
    )


def cccd(*args, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cccd_analytics", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        **kwargs,
    )


def everything(store: Store) -> dict:
    """Every table's rows and checksum, and the figures the product shows.  The figures
    first: showing them keeps them for the next reader (shared_results), once per data
    version, and that is not a change of the data."""
    figures = status_payload(store, None, None, "commune")
    with store.engine.connect() as conn:
        sums = fingerprint.checksums(conn)
    return {"sums": sums, "figures": figures}


# -- a full disk under an SQLite import -------------------------------------------------------


@pytest.fixture
def small_disk():
    """A 4 MiB tmpfs (needs root: `mount -t tmpfs`), unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("a full disk needs a small tmpfs, and mounting one needs root")
    folder = Path(tempfile.mkdtemp(prefix="cccd-full-disk-"))
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m,mode=0755", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        folder.rmdir()
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)
        folder.rmdir()


def fill(folder: Path, leave: int) -> Path:
    """Fill the file system of `folder` until `leave` bytes are free."""
    filler = folder / "filler.bin"
    free = shutil.disk_usage(folder).free
    with open(filler, "wb") as out:
        out.write(b"\0" * max(0, free - leave))
        out.flush()
        os.fsync(out.fileno())
    return filler


def test_a_full_disk_during_an_sqlite_import_is_refused_and_changes_nothing(small_disk, tmp_path):
    url = f"sqlite:///{small_disk / 'cccd.sqlite'}"
    store = Store.open(url)
    first = write(tmp_path / "truoc.csv", many_rows("Đầu", days=3, communes=20))
    assert cccd("ingest", "--db", url, str(first)).returncode == 0
    before = everything(store)
    store.engine.dispose()
    filler = fill(small_disk, leave=160 * 1024)  # room to open the store, not for the import
    big = write(tmp_path / "lon.csv", many_rows("Sau", days=30, communes=60, day0=4))

    refused = cccd("ingest", "--db", url, str(big))

    assert refused.returncode == 3, refused.stdout + refused.stderr  # retry once there is space
    assert "ổ đĩa chứa cơ sở dữ liệu đã đầy" in refused.stderr and "Traceback" not in refused.stderr
    with sqlite3.connect(small_disk / "cccd.sqlite") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert everything(Store.open(url)) == before  # exactly as before
    filler.unlink()
    again = cccd("ingest", "--db", url, str(big))
    assert again.returncode == 0, again.stderr
    uploads = Store.open(url).list_uploads()
    assert list(uploads["file_name"]) == ["lon.csv", "truoc.csv"]


# -- the previous release's database file ---------------------------------------------------------

# Figures computed from the stored data.  The forecast columns (projected dates, chance on time,
# status) come from the forecasting model, which a release may improve on purpose; these may not move.
DATA_FIGURES = (
    "province",
    "district",
    "commune",
    "code",
    "level",
    "eligible",
    "collected",
    "returned",
    "coverage",
    "pace_7d",
    "required_per_day",
    "target",
    "remaining",
    "deadline",
    "last_report",
    "campaign",
    "as_of",
)


def test_the_previous_release_database_opens_migrates_and_gives_the_same_figures(tmp_path):
    expected = json.loads((PREVIOUS / "expected.json").read_text(encoding="utf-8"))
    path = tmp_path / "cccd.sqlite"
    with gzip.open(PREVIOUS / "store.sqlite.gz", "rb") as packed, open(path, "wb") as out:
        shutil.copyfileobj(packed, out)

    store = Store.open(f"sqlite:///{path}")  # migrates it to this release

    with store.engine.connect() as conn:
        assert fingerprint.schema_version(conn) == len(MIGRATIONS) >= expected["schema_version"]
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
        counts = fingerprint.counts(conn)
        # A row per value then, a row per unit and day now (migration 8): its values are counted.
        counts["observations"] = fingerprint.values(conn)
    for table, rows in expected["counts"].items():
        if table != "schema_version":
            assert counts[table] == rows, table  # nothing lost or added by the migration
    uploads = store.list_uploads()[["id", "file_name", "sha256", "status", "rows_read"]]
    assert json.loads(uploads.to_json(orient="records")) == expected["uploads"]
    for level, old in expected["status"].items():
        new = status_payload(store, None, None, level)
        assert new["as_of"] == old["as_of"]
        pick = [{k: u.get(k) for k in DATA_FIGURES} for u in new["units"]]
        assert pick == [{k: u.get(k) for k in DATA_FIGURES} for u in old["units"]], level
    assert {"lan.nt"} == set(store.list_users()["username"])
    assert "Xã Lập Mới" in set(store.units()["name"])


# -- PostgreSQL restarts under a viewer and an import --------------------------------------------

IMPORT_HELD_OPEN = textwrap.dedent("""
    # `cccd ingest` as a script runs it, except that the import waits, its transaction open and
    # part of its rows written, until the test says go (after it has stopped the server).
    import functools, sys, time
    from pathlib import Path
    from cccd_analytics import ingest
    from cccd_analytics.cli import main

    flag = sys.argv[1]
    real = ingest.import_file

    def hold(stage):
        if stage == "observations" and not Path(flag + ".waiting").exists():
            Path(flag + ".waiting").touch()
            while not Path(flag + ".go").exists():
                time.sleep(0.05)

    ingest.import_file = functools.partial(real, hook=hold)
    sys.exit(main(sys.argv[2:]))
""")


@pytest.fixture
def own_postgres():
    """A private PostgreSQL server this test may stop and start (the shared test server
    serves other tests meanwhile); yields (url, pause, start)."""
    folder = tempfile.mkdtemp(prefix="cccd-pg-restart-")  # under /tmp: the postgres user reaches it
    started = subprocess.run([str(PG_SERVER), "start", folder], capture_output=True, text=True, timeout=120)
    if started.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"no PostgreSQL server to restart: {started.stderr.strip()[-300:]}")
    base = started.stdout.strip().split("=", 1)[1]
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.execute(sa.text('CREATE DATABASE "cccd_restart"'))
    admin.dispose()
    url = sa.make_url(base).set(database="cccd_restart").render_as_string(hide_password=False)

    def pause():
        subprocess.run([str(PG_SERVER), "pause", folder], check=True, timeout=120)

    def start():
        subprocess.run([str(PG_SERVER), "start", folder], check=True, timeout=120, capture_output=True)

    try:
        yield url, pause, start
    finally:
        subprocess.run([str(PG_SERVER), "stop", folder], timeout=120, check=False)
        shutil.rmtree(folder, ignore_errors=True)


def _wait_for(path: Path, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while not path.exists():
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            raise AssertionError(f"the import did not reach its held step: {proc.communicate()}")
        time.sleep(0.05)


@pytest.mark.browser
def test_postgresql_restart_under_a_viewer_and_an_import(own_postgres, browser, tmp_path):
    from cccd_analytics import ingest
    from cccd_analytics.analytics import campaigns as camp
    from cccd_analytics.sample import SAMPLE_DIR
    from tests.browser_support import start_dashboard, wait_for_app

    url, pause, start = own_postgres
    store = Store.open(url)
    sample = SAMPLE_DIR / "ky_anh_2021"
    assert ingest.import_file(store, sample / "observations.csv").status == "imported"
    store.save_campaign(
        camp.parse_toml((sample / "campaign.toml").read_text(encoding="utf-8")).to_definition()
    )
    store.engine.dispose()
    big = write(tmp_path / "bao_cao_lon.csv", many_rows("Mới", days=20, communes=100))
    rows_in_file = 20 * 100 * 3  # eligible, collected, returned per commune-day

    server, address = start_dashboard(url)
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    page.set_default_timeout(60_000)
    try:
        page.goto(address)
        wait_for_app(page)
        page.get_by_text("Đã thu nhận").first.wait_for()  # the viewer is on the overview, with figures

        flag = str(tmp_path / "nhap")
        importer = subprocess.Popen(
            [sys.executable, "-c", IMPORT_HELD_OPEN, flag, "ingest", "--db", url, str(big)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        _wait_for(Path(flag + ".waiting"), importer)

        pause()  # PostgreSQL goes down: the open import transaction with it
        Path(flag + ".go").touch()
        out, err = importer.communicate(timeout=120)
        assert importer.returncode == 3, out + err  # retry later
        assert "không kết nối được máy chủ cơ sở dữ liệu" in err and "Traceback" not in err

        # The viewer clicks (the overview again) while the server is down.
        page.locator("[data-testid=stSidebarNav] a").first.click()
        wait_for_app(page)
        page.get_by_role("button", name="Thử lại").wait_for()
        assert page.get_by_text("Không làm việc được với cơ sở dữ liệu").count() >= 1

        start()  # the server is back
        page.get_by_role("button", name="Thử lại").click()
        wait_for_app(page)
        page.get_by_text("Đã thu nhận").first.wait_for()
        assert page.get_by_role("button", name="Thử lại").count() == 0
    finally:
        page.close()
        server.terminate()
        server.wait(30)

    # The import: whole or not at all, then a retry lands it exactly once.
    store = Store.open(url)

    def landed() -> list[int]:
        with store.engine.connect() as conn:
            return list(
                conn.scalars(
                    sa.text(
                        "select count(o.collected) + count(o.eligible) + count(o.returned) "
                        "from uploads u left join observations o on o.upload_id = u.id "
                        "where u.file_name = 'bao_cao_lon.csv' group by u.id"
                    )
                )
            )

    assert landed() in ([], [rows_in_file])
    retry = cccd("ingest", "--db", url, str(big))
    assert retry.returncode == 0, retry.stderr
    again = cccd("ingest", "--db", url, str(big))  # a second retry: an identical re-upload, a no-op
    assert again.returncode == 0 and "giống hệt" in again.stdout
    assert landed() == [rows_in_file]
    store.engine.dispose()
