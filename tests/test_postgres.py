"""The same store on PostgreSQL: what a shared, province-wide deployment runs on.

`./dev test` starts a throwaway local server (scripts/pg_test_server.sh) and sets
CCCD_TEST_PG_URL; without it these tests are skipped with that reason.  Each test gets its
own database, copied from a migrated template (conftest `pg_url`).

The whole store suite (tests/test_store.py) and the ingest tests that touch stored data
(tests/test_ingest.py) are collected again here with `db_url`/`store` pointing at
PostgreSQL, so every store behaviour — a refused file changes nothing, an identical re-upload is a no-op, a replacement
keeps history, as-of, undo, killed writes — is proved on both databases without copying
a test.  The CLI, users and concurrent uploads follow.
"""

from __future__ import annotations

import json
import threading

import pandas as pd
import pytest
import sqlalchemy as sa

from cccd_analytics import ingest
from cccd_analytics.cli import main
from cccd_analytics.store import Store
from tests import test_ingest as _ingest_suite
from tests import test_store as _store_suite
from tests.conftest import write

pytestmark = pytest.mark.postgres


@pytest.fixture
def db_url(pg_url) -> str:
    return pg_url


@pytest.fixture
def store(pg_url) -> Store:
    s = Store.open(pg_url)
    yield s
    s.engine.dispose()


# Collected again in this module, so `db_url` and `store` above apply: the whole store suite,
# and the ingest tests that read or write stored data (the others never reach the database).
INGEST_ON_PG = (
    "test_cumulative_lower_than_a_stored_report_is_refused",
    "test_unknown_unit_is_accepted",
    "test_same_commune_name_in_two_districts",
    "test_two_level_units_after_the_reform",
    "test_dry_run_writes_nothing",
    "test_two_values_for_one_unit_and_date_are_refused",
    "test_negative_number_names_file_row_and_column",
)
for _name in dir(_store_suite):
    if _name.startswith("test_"):
        globals()[f"{_name}__pg"] = getattr(_store_suite, _name)
for _name in dir(_ingest_suite):
    if _name.startswith(INGEST_ON_PG):
        globals()[f"{_name}__pg"] = getattr(_ingest_suite, _name)

HEADER = "date,province,district,commune,commune_code,eligible,collected,returned\n"


def counts(store: Store) -> dict:
    return _store_suite.counts(store)


def test_server_is_postgresql(store):
    assert store.engine.dialect.name == "postgresql"
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("select version()")).scalar_one().startswith("PostgreSQL")


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_ingest_status_undo_and_as_of_on_postgresql(capsys, pg_url, tmp_path):
    day = "{d},Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,18775,4000,{v},0\n"
    first = write(
        tmp_path / "ngay_1_2.csv",
        HEADER + day.format(d="2021-03-01", v=100) + day.format(d="2021-03-02", v=150),
    )
    bad = write(tmp_path / "xau.csv", HEADER + day.format(d="2021-03-03", v=-1))
    later = write(tmp_path / "sua_ngay_2.csv", HEADER + day.format(d="2021-03-02", v=170))
    code, _, err = run(capsys, "ingest", "--db", pg_url, str(first), str(bad))
    assert code == 2 and "Từ chối tệp «xau.csv»" in err and "Traceback" not in err
    code, out, _ = run(capsys, "ingest", "--db", pg_url, str(first))
    assert code == 0 and "giống hệt" in out
    assert run(capsys, "ingest", "--db", pg_url, str(later))[0] == 0

    def collected(*extra):
        code, out, err = run(capsys, "status", "--db", pg_url, "--json", *extra)
        assert code == 0, err
        (unit,) = [u for u in json.loads(out)["units"] if u["code"] == "18775"]
        return unit["collected"]

    assert collected() == 170
    assert collected("--as-of", "2021-03-01") == 100
    code, out, _ = run(capsys, "uploads", "--db", pg_url, "--json")
    newest = json.loads(out)[0]["id"]
    assert run(capsys, "undo", "--db", pg_url, str(newest))[0] == 0
    assert collected() == 150


def test_cli_users_on_postgresql(capsys, pg_url, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("mat-khau-rat-dai-2025\n"))
    code, out, err = run(
        capsys,
        "user",
        "add",
        "lan.nt",
        "--role",
        "analyst",
        "--name",
        "Nguyễn Thị Lan",
        "--password-stdin",
        "--db",
        pg_url,
    )
    assert code == 0, err
    code, out, _ = run(capsys, "user", "list", "--json", "--db", pg_url)
    (user,) = json.loads(out)
    assert (
        user["username"] == "lan.nt" and user["role"] == "analyst" and user["full_name"] == "Nguyễn Thị Lan"
    )
    assert "password_hash" not in user


@pytest.mark.parametrize("shared", [1, 70])  # 70: new units written by COPY (sql.COPY_FROM_ROWS)
def test_two_analysts_uploading_at_once_lose_nothing(pg_url, tmp_path, shared):
    """Both transactions are open at the same time (a barrier holds them), and both bring
    the same new unofficial units: both uploads and every value are kept, each unit once."""
    new = [f"Xã Lập Mới {i}" if shared > 1 else "Xã Lập Mới" for i in range(shared)]
    files = {
        "an.csv": HEADER
        + "2021-03-01,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,,4000,100,0\n"
        + "".join(f"2021-03-01,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,{name},,900,7,0\n" for name in new),
        "binh.csv": HEADER
        + "2021-03-02,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Tân,,6000,300,0\n"
        + "".join(f"2021-03-02,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,{name},,900,9,0\n" for name in new),
    }
    store = Store.open(pg_url)
    barrier = threading.Barrier(2, timeout=20)
    results, errors = {}, []

    def hook(stage):
        if stage == "upload":  # both have inserted their upload row, neither has committed
            barrier.wait()

    def upload(name):
        try:
            results[name] = ingest.import_bytes(
                store, files[name].encode(), name, uploaded_by=name, hook=hook
            )
        except Exception as exc:  # noqa: BLE001 — reported by the assertion below
            errors.append(repr(exc))

    threads = [threading.Thread(target=upload, args=(n,)) for n in files]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert {r.status for r in results.values()} == {"imported"}
    obs = store.current_observations()
    assert len(obs.query("metric == 'collected'")) == 2 + 2 * shared
    units = store.units()
    assert units[units["name"].isin(new)]["name"].value_counts().to_dict() == dict.fromkeys(new, 1)
    store.engine.dispose()


def test_replicas_starting_together_on_an_empty_database_all_open_it(pg_template):
    """Two dashboard replicas (and a CLI) open a fresh database at once: one migrates, the
    others wait for it (an advisory lock), nobody fails on "table already exists"."""
    import uuid

    from tests.conftest import _pg_database_url

    admin, base, _ = pg_template
    name = f"cccd_fresh_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url, errors = _pg_database_url(base, name), []

    def open_it():
        try:
            Store.open(url).engine.dispose()
        except Exception as exc:  # noqa: BLE001
            errors.append(repr(exc)[:300])

    try:
        threads = [threading.Thread(target=open_it) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert not errors, errors
        store = Store.open(url)
        with store.engine.connect() as conn:
            versions = list(conn.scalars(sa.text("select version from schema_version order by version")))
        from cccd_analytics.store.schema import MIGRATIONS

        assert versions == list(range(1, len(MIGRATIONS) + 1))
        store.engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# The value in force kept by uploads and undos, and shared snapshots, on PostgreSQL too.
from tests import test_shared as _shared_suite  # noqa: E402

test_current_values_follow_uploads_replacements_and_undos__pg = (
    _shared_suite.test_current_values_follow_uploads_replacements_and_undos
)


def test_an_older_upload_committing_last_does_not_replace_a_newer_value(pg_url, tmp_path):
    """Two uploads of the same day side by side: the one that began first (the lower id)
    commits last; the value in force is still the newer upload's."""
    store = Store.open(pg_url)
    files = {
        name: f"date,district,commune,collected\n2021-03-20,Huyện Kỳ Anh,Xã Kỳ Đồng,{value}\n"
        for name, value in (("older", 100), ("newer", 120))
    }
    newer_done, results, errors = threading.Event(), {}, []

    def hold(stage):
        if stage == "upload":  # the older upload has its id: let the newer one run and commit
            started.set()
            assert newer_done.wait(60)

    started = threading.Event()

    def older():
        try:
            results["older"] = ingest.import_bytes(store, files["older"].encode(), "older.csv", hook=hold)
        except Exception as exc:  # noqa: BLE001 — reported by the assertion below
            errors.append(repr(exc))

    thread = threading.Thread(target=older)
    thread.start()
    assert started.wait(60)
    results["newer"] = ingest.import_bytes(store, files["newer"].encode(), "newer.csv")
    newer_done.set()
    thread.join(60)
    assert not errors, errors
    assert results["older"].upload_id < results["newer"].upload_id
    value = store.current_observations().query("metric == 'collected'")["value"].tolist()
    assert value == [120]
    assert _shared_suite.current(store).equals(_shared_suite.newest_active(store).astype(object))
    store.engine.dispose()


def test_two_first_uploads_of_the_same_values_at_once_leave_the_newer_in_force(pg_url):
    """Both transactions are open together and neither finds a value of the unit in force,
    so each would write its values without the upsert: the second waits for the first's
    commit (the lock on current_values), then replaces what it finds."""
    store = Store.open(pg_url)
    barrier = threading.Barrier(2, timeout=20)
    results, errors = {}, []

    def hook(stage):
        if stage == "upload":
            barrier.wait()

    def upload(name, value):
        try:
            data = f"date,district,commune,collected\n2021-03-20,Huyện Kỳ Anh,Xã Kỳ Đồng,{value}\n"
            results[name] = ingest.import_bytes(store, data.encode(), f"{name}.csv", hook=hook)
        except Exception as exc:  # noqa: BLE001 — reported by the assertion below
            errors.append(repr(exc))

    threads = [threading.Thread(target=upload, args=a) for a in (("an", 100), ("binh", 120))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert {r.status for r in results.values()} == {"imported"}
    newer = max(results.values(), key=lambda r: r.upload_id)
    value = store.current_observations().query("metric == 'collected'")["value"].tolist()
    assert value == [120 if newer.file_name == "binh.csv" else 100]
    assert _shared_suite.current(store).equals(_shared_suite.newest_active(store).astype(object))
    store.engine.dispose()


def test_a_snapshot_kept_in_postgresql_is_the_one_computed(pg_url):
    from cccd_analytics import shared
    from cccd_analytics.analytics import campaigns as camp
    from cccd_analytics.analytics import metrics
    from cccd_analytics.sample import load_sample

    store = Store.open(pg_url)
    load_sample(store)
    obs, units = store.current_observations(), store.units()
    for definition in store.campaign_definitions():
        campaign = camp.from_definition(definition)
        computed = metrics.snapshot(obs, units, campaign)
        for _ in range(2):
            got = shared.snapshot(store, campaign)
            for part in shared.FRAMES:
                pd.testing.assert_frame_equal(getattr(got, part), getattr(computed, part), check_exact=True)
    store.engine.dispose()


@pytest.mark.parametrize(
    "case",
    [
        "test_undo_brings_the_earlier_split_back_and_changes_the_data_version",
        "test_parts_that_exceed_the_total_are_refused_naming_the_row_and_column",
        "test_breakdown_rows_under_a_commune_in_a_report",
        "test_parts_without_a_total_build_it_and_a_later_total_is_still_checked",
    ],
)
def test_parts_their_checks_and_their_undo_on_postgresql(store, case):
    """Breakdowns on a shared server: the same SQL keeps the parts in force through an
    upload and an undo, and a refused file writes none."""
    from tests import test_breakdowns

    getattr(test_breakdowns, case)(store)


def test_a_batch_on_postgresql_writes_the_rows_and_copy_text_its_worker_made(pg_url, tmp_path, monkeypatch):
    """The checking process makes each file's rows and their COPY text while the writer
    writes the file before; the writer makes neither, and stores what one by one stores."""
    from cccd_analytics.ingest import batch
    from cccd_analytics.store import uploads
    from tests.test_batch_ingest import canonical

    paths = [
        write(tmp_path / f"{i}.csv", canonical("15/3/2021", [("Huyện Kỳ Anh", commune, 10 + i)]))
        for i, commune in enumerate(["Xã Kỳ Đồng", "Xã Kỳ Phong", "Xã Kỳ Tân"])
    ]
    made_here: list[str] = []
    rows, text = uploads.value_rows, uploads.copy_text
    monkeypatch.setattr(uploads, "value_rows", lambda *a, **k: made_here.append("rows") or rows(*a, **k))
    monkeypatch.setattr(uploads, "copy_text", lambda r: made_here.append("text") or text(r))
    store = Store.open(pg_url)
    reports = batch.import_files(store, pg_url, paths)
    assert [r.status for r in reports] == ["imported"] * 3
    assert made_here == []
    collected = store.current_observations().query("metric == 'collected'")
    assert sorted(collected["value"].tolist()) == [10, 11, 12]
    assert set(collected["upload_id"]) == {r.upload_id for r in reports}
    store.engine.dispose()
