"""Backup, restore and copy between SQLite and PostgreSQL: nothing lost, nothing half.

The PostgreSQL cases need CCCD_TEST_PG_URL (./dev test starts a throwaway server) and the
pg_dump/pg_restore/psql commands (the `postgresql` package ./dev test installs)."""

from __future__ import annotations

import io
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from cccd_analytics import ingest
from cccd_analytics.cli import main
from cccd_analytics.cli.status import status_payload
from cccd_analytics.store import Store, backup, fingerprint
from cccd_analytics.store import copy as store_copy
from cccd_analytics.store.schema import MIGRATIONS
from tests.conftest import ROOT, write
from tests.test_auth import served  # noqa: F401 — fixture: AppTest runs the router as a server does

HEADER = "date,province,district,commune,commune_code,eligible,collected,returned\n"
# Units and days the sample campaigns do not have (their later figures would refuse these).
PLACE = "Tỉnh Hà Tĩnh,Huyện Thử Nghiệm"


def run(capsys, *args) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def fill_every_table(store: Store, tmp_path: Path) -> None:
    """Something in every table: a replaced value (history), an undone upload, an unofficial
    unit with a tag, an account, audit entries, a remembered mapping, a note."""
    first = write(
        tmp_path / "ngay_1.csv",
        HEADER
        + f"2024-03-01,{PLACE},Xã Đông Thử,,4000,100,0\n"
        + f"2024-03-01,{PLACE},Xã Lập Mới,,900,7,0\n",
    )
    later = write(tmp_path / "sua.csv", HEADER + f"2024-03-01,{PLACE},Xã Đông Thử,,4000,120,3\n")
    undone = write(tmp_path / "nham.csv", HEADER + f"2024-03-02,{PLACE},Xã Đông Thử,,4000,999,3\n")
    # Parts of a commune-day (priority groups) with a group's denominator.
    parts = write(
        tmp_path / "nhom.csv",
        "date,province,district,commune,group,eligible,collected\n"
        + f"2024-03-01,{PLACE},Xã Đông Thử,Người cao tuổi,310,40\n"
        + f"2024-03-01,{PLACE},Xã Đông Thử,Học sinh lớp 12,,25\n",
    )
    for path in (first, later, parts, undone):
        report = ingest.import_file(store, path, audit={"username": "lan.nt"})
        assert report.status == "imported", report.message
    newest = int(store.list_uploads()["id"].max())
    store.undo_upload(newest, who="lan.nt", audit={"username": "lan.nt"})
    (new_unit,) = store.units().query("name == 'Xã Lập Mới'")["key"]
    store.set_tags(new_unit, ["biên giới", "Khó khăn"])
    store.add_user("lan.nt", "analyst", "$argon2id$giả", full_name="Nguyễn Thị Lan")
    store.record_login_success("lan.nt", datetime(2021, 3, 1, 1, 2, 3))
    store.audit("login", "lan.nt", method="local")
    store.save_mapping("a" * 64, {"commune": 1, "collected": 3}, ["Xã", "Lũy kế"], who="lan.nt")
    store.add_quality_note(
        new_unit, "unknown_unit", "Đơn vị mới thành lập", day=date(2021, 3, 1), author="lan.nt"
    )
    # A cached result: binary data (bytea on PostgreSQL), every byte value.
    store.put_shared_result("c" * 64, "snapshot", "thử", str(store.data_version()), bytes(range(256)) * 4)
    with store.engine.connect() as conn:
        empty = [name for name, n in fingerprint.counts(conn).items() if n == 0]
    # A table a later migration adds must get a row here, so the tests below cover it.
    assert not empty, f"tables left empty by the fixture: {empty}"


@pytest.fixture(scope="module")
def small_db(tmp_path_factory) -> Path:
    """One sample campaign (Kỳ Anh: 20 communes) with something in every table; built once."""
    from cccd_analytics.analytics import campaigns as camp
    from cccd_analytics.sample import SAMPLE_DIR

    folder = tmp_path_factory.mktemp("nho")
    store = Store.open(f"sqlite:///{folder / 'nho.sqlite'}")
    assert ingest.import_file(store, SAMPLE_DIR / "ky_anh_2021" / "observations.csv").status == "imported"
    definition = (SAMPLE_DIR / "ky_anh_2021" / "campaign.toml").read_text(encoding="utf-8")
    store.save_campaign(camp.parse_toml(definition).to_definition())
    fill_every_table(store, folder)
    store.engine.dispose()
    return folder / "nho.sqlite"


@pytest.fixture
def full_store(small_db, tmp_path) -> Store:
    import shutil

    shutil.copy(small_db, tmp_path / "cccd.sqlite")
    return Store.open(f"sqlite:///{tmp_path / 'cccd.sqlite'}")


def sums(engine: sa.Engine) -> dict:
    with engine.connect() as conn:
        return fingerprint.checksums(conn)


DERIVED = {t.name for t in fingerprint.tables() if t.info.get("derived")}


def source_sums(engine: sa.Engine, leave_out=()) -> dict:
    """`sums` without the derived tables (and `leave_out`): what a restore must bring back
    exactly (it also records itself in data_revisions, so running dashboards recompute)."""
    return {k: v for k, v in sums(engine).items() if k not in DERIVED and k not in leave_out}


def restore_recorded(engine: sa.Engine) -> bool:
    with engine.connect() as conn:
        return conn.scalar(sa.text("select change from data_revisions order by id desc limit 1")) == "restore"


def figures(store: Store) -> dict:
    return status_payload(store, None, None, "commune")


# -- SQLite backup -----------------------------------------------------------------------------


def test_backup_is_a_checked_plain_sqlite_file_that_restores_every_table(full_store, tmp_path):
    report = backup.backup(full_store.engine, tmp_path / "cccd.bak")
    assert report.path.exists() and not list(tmp_path.glob(".*partial"))
    assert report.counts == fingerprint.counts(full_store.engine.connect())
    with sqlite3.connect(report.path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
    empty = Store.open(f"sqlite:///{tmp_path / 'moi.sqlite'}")
    backup.restore(empty, report.path)
    assert source_sums(empty.engine) == source_sums(full_store.engine)
    assert restore_recorded(empty.engine)
    assert figures(empty) == figures(full_store)


BLOCKED_IMPORT = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from cccd_analytics import ingest
    from cccd_analytics.store import Store

    url, path, stage, flag = sys.argv[1:5]
    store = Store.open(url)

    def hook(reached):
        if reached == stage:   # the transaction is open, part of the import written
            Path(flag + ".waiting").touch()
            while not Path(flag + ".go").exists():
                time.sleep(0.05)

    print(ingest.import_file(store, path, hook=hook, audit={"username": "dang.nhap"}).status)
""")


@pytest.mark.parametrize("stage", ["upload", "observations", "audit"])
def test_backup_during_a_running_import_has_all_or_none_of_it(full_store, tmp_path, stage):
    """A backup taken while an import holds its transaction open (at each step of it) is
    consistent and has none of that import; one taken after the commit has all of it."""
    store = full_store
    url = str(store.engine.url)
    before = sums(store.engine)
    data = write(
        tmp_path / "dang_nhap.csv",
        HEADER
        + "".join(
            f"2024-04-{day:02d},{PLACE},Xã Thử {n},,5000,{10 * day + n},0\n"
            for day in range(1, 29)
            for n in range(30)
        ),
    )
    flag = str(tmp_path / "flag")
    proc = subprocess.Popen(
        [sys.executable, "-c", BLOCKED_IMPORT, url, str(data), stage, flag],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.time() + 60
        while not Path(flag + ".waiting").exists():
            assert proc.poll() is None and time.time() < deadline, proc.communicate()
            time.sleep(0.05)
        during = backup.backup(store.engine, tmp_path / "trong_khi_nhap.bak")  # not blocked by the writer
    finally:
        Path(flag + ".go").touch()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0 and out.strip() == "imported", err
    after = backup.backup(store.engine, tmp_path / "sau_khi_nhap.bak")

    restored = Store.open(f"sqlite:///{tmp_path / 'khoi_phuc_1.sqlite'}")
    backup.restore(restored, during.path)
    got = sums(restored.engine)
    assert {k: v for k, v in got.items() if k != "data_revisions"} == {
        k: v for k, v in before.items() if k != "data_revisions"
    }  # none of the running import
    assert got["data_revisions"].rows == before["data_revisions"].rows + 1  # the restore itself
    restored_after = Store.open(f"sqlite:///{tmp_path / 'khoi_phuc_2.sqlite'}")
    backup.restore(restored_after, after.path)
    (upload,) = restored_after.list_uploads().query("file_name == 'dang_nhap.csv'")["id"]
    with restored_after.engine.connect() as conn:
        rows, values = conn.execute(
            sa.text(
                "select count(*), count(collected) + count(eligible) + count(returned) "
                "from observations where upload_id = :u"
            ),
            {"u": int(upload)},
        ).one()
    assert (rows, values) == (28 * 30, 28 * 30 * 3)  # every row of it: collected, eligible, returned
    assert source_sums(restored_after.engine) == source_sums(store.engine)


def test_restore_refuses_a_backup_from_a_newer_release(full_store, tmp_path, capsys):
    made = backup.backup(full_store.engine, tmp_path / "moi_hon.bak")
    with sqlite3.connect(made.path) as conn:
        conn.execute("insert into schema_version values (?, '2030-01-01 00:00:00')", (len(MIGRATIONS) + 1,))
    target = Store.open(f"sqlite:///{tmp_path / 'dich.sqlite'}")
    before = sums(target.engine)
    code, _, err = run(capsys, "restore", str(made.path), "--db", str(target.engine.url), "--yes")
    assert code == 2 and "phiên bản mới hơn" in err and f"số {len(MIGRATIONS) + 1}" in err
    assert sums(target.engine) == before


def test_restore_refuses_a_backup_with_a_table_this_release_does_not_know(full_store, tmp_path, capsys):
    made = backup.backup(full_store.engine, tmp_path / "bang_la.bak")
    with sqlite3.connect(made.path) as conn:
        conn.execute("create table snapshots_from_the_future (x integer)")
    target = Store.open(f"sqlite:///{tmp_path / 'dich.sqlite'}")
    code, _, err = run(capsys, "restore", str(made.path), "--db", str(target.engine.url), "--yes")
    assert code == 2 and "snapshots_from_the_future" in err


def test_an_older_release_backup_is_migrated_on_restore(full_store, tmp_path):
    """A backup whose store stopped at migration 1 (no accounts, audit …): restored, then
    brought up to date; the backup file itself is left as it was."""
    made = backup.backup(full_store.engine, tmp_path / "cu.bak")
    with sqlite3.connect(made.path) as conn:
        for name in ("column_mappings", "users", "audit_log", "quality_notes"):
            conn.execute(f"drop table {name}")
        conn.execute("delete from schema_version where version > 1")
    before = made.path.read_bytes()
    target = Store.open(f"sqlite:///{tmp_path / 'dich.sqlite'}")
    report = backup.restore(target, made.path)
    assert report.schema_version == 1
    assert made.path.read_bytes() == before
    with target.engine.connect() as conn:
        assert fingerprint.schema_version(conn) == len(MIGRATIONS)
    assert figures(target) == figures(full_store)


def test_restore_asks_before_replacing_a_store_with_data(full_store, tmp_path, capsys, monkeypatch):
    made = backup.backup(full_store.engine, tmp_path / "cccd.bak")
    other = Store.open(f"sqlite:///{tmp_path / 'khac.sqlite'}")
    write_one = write(tmp_path / "khac.csv", HEADER + f"2024-03-05,{PLACE},Xã Kỳ Tân,,6000,42,0\n")
    assert ingest.import_file(other, write_one).status == "imported"
    before = sums(other.engine)
    url = str(other.engine.url)
    # A script (no terminal) without --yes: refused, nothing changed.
    code, _, err = run(capsys, "restore", str(made.path), "--db", url)
    assert code == 2 and "1 lần nhập" in err and "--yes" in err
    assert sums(other.engine) == before
    # Someone at the terminal who says no: the same.
    monkeypatch.setattr("sys.stdin", _Terminal("không\n"))
    code, out, err = run(capsys, "restore", str(made.path), "--db", url)
    assert code == 2 and sums(other.engine) == before
    # … and who says yes: replaced.
    monkeypatch.setattr("sys.stdin", _Terminal("có\n"))
    code, out, err = run(capsys, "restore", str(made.path), "--db", url)
    assert code == 0, err
    restored = Store.open(url)
    assert figures(restored) == figures(full_store)
    assert "restore" in set(restored.audit_entries()["action"])  # who replaced the store, and from what


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_damaged_backup_is_refused_and_changes_nothing(full_store, tmp_path, capsys):
    made = backup.backup(full_store.engine, tmp_path / "hong.bak")
    raw = bytearray(made.path.read_bytes())
    middle = len(raw) // 2
    raw[middle : middle + 4096] = b"\xff" * 4096
    made.path.write_bytes(bytes(raw))
    target = Store.open(f"sqlite:///{tmp_path / 'dich.sqlite'}")
    before = sums(target.engine)
    code, _, err = run(capsys, "restore", str(made.path), "--db", str(target.engine.url), "--yes")
    assert code == 2 and ("bị hỏng" in err or "không đọc được" in err), err
    assert sums(target.engine) == before and "Traceback" not in err


# -- copy --------------------------------------------------------------------------------------


def test_copy_refuses_the_same_database_and_a_target_with_data(full_store, tmp_path, capsys):
    url = str(full_store.engine.url)
    code, _, err = run(capsys, "copy", "--db", url, "--to", url)
    assert code == 4 and "cùng một cơ sở dữ liệu" in err
    target = Store.open(f"sqlite:///{tmp_path / 'dich.sqlite'}")
    assert run(capsys, "copy", "--db", url, "--to", str(target.engine.url))[0] == 0
    code, _, err = run(capsys, "copy", "--db", url, "--to", str(target.engine.url))
    assert code == 2 and "đang có số liệu" in err and "--yes" in err
    code, out, _ = run(capsys, "copy", "--db", url, "--to", str(target.engine.url), "--yes")
    assert code == 0 and "observations" in out
    assert sums(target.engine) == sums(full_store.engine)


def test_copy_that_fails_part_way_leaves_the_target_as_it_was(full_store, tmp_path, monkeypatch):
    target = Store.open(f"sqlite:///{tmp_path / 'dich.sqlite'}")
    store_copy.copy_store(full_store.engine, target.engine)
    before = sums(target.engine)

    def broken(table, rows):
        if table == "observations":
            raise RuntimeError("mất điện giữa chừng")

    with pytest.raises(RuntimeError):
        store_copy.copy_store(full_store.engine, target.engine, replace=True, progress=broken)
    assert sums(target.engine) == before


@pytest.mark.postgres
def test_copy_sqlite_to_postgresql_and_back_gives_identical_checksums(full_store, pg_url, tmp_path, capsys):
    sqlite_url = str(full_store.engine.url)
    code, out, err = run(capsys, "copy", "--db", sqlite_url, "--to", pg_url)
    assert code == 0, err
    back = f"sqlite:///{tmp_path / 've_lai.sqlite'}"
    code, out_back, err = run(capsys, "copy", "--db", pg_url, "--to", back)
    assert code == 0, err
    original = sums(full_store.engine)
    on_pg = sums(Store.open(pg_url).engine)
    returned = sums(Store.open(back).engine)
    assert original == on_pg == returned
    # The printed checksums are the same ones, table by table.
    for name, summed in original.items():
        assert f"{summed.digest:016x}" in out and f"{summed.digest:016x}" in out_back, name
    # … and the product reads the same figures from each.
    assert figures(Store.open(pg_url)) == figures(full_store) == figures(Store.open(back))
    # New ids on PostgreSQL continue after the copied ones.
    pg = Store.open(pg_url)
    newest = int(pg.list_uploads()["id"].max())
    extra = write(tmp_path / "them.csv", HEADER + f"2024-03-20,{PLACE},Xã Kỳ Tân,,6000,77,0\n")
    assert ingest.import_file(pg, extra).upload_id == newest + 1
    pg.engine.dispose()


# -- types on both engines ---------------------------------------------------------------------

TYPES = sa.MetaData()
EVERY_TYPE = sa.Table(
    "every_type",
    TYPES,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("word", sa.Text),
    sa.Column("day", sa.Date),
    sa.Column("naive", sa.DateTime),
    sa.Column("aware", sa.DateTime(timezone=True)),
    sa.Column("share", sa.Float),
    sa.Column("money", sa.Numeric(12, 3)),
    sa.Column("flag", sa.Boolean),
    sa.Column("big", sa.BigInteger),
)
HANOI = timezone(timedelta(hours=7))
TRICKY_ROWS = [
    # Case and accents that a collation would fold or order differently; NFC vs NFD.
    dict(
        word="xã kỳ đồng",
        day=date(2021, 3, 1),
        naive=datetime(2021, 3, 1, 23, 59, 59, 123456),
        aware=datetime(2021, 3, 1, 6, 0, tzinfo=HANOI),
        share=0.1 + 0.2,
        money=Decimal("87000.125"),
        flag=True,
        big=2**62,
    ),
    dict(
        word="Xã Kỳ Đồng",
        day=date(1900, 1, 1),
        naive=datetime(2025, 7, 1),
        aware=datetime(2025, 6, 30, 17, 0, tzinfo=UTC),
        share=-0.0,
        money=Decimal("0"),
        flag=False,
        big=-(2**62),
    ),
    dict(word="Xã Kỳ Đồng", day=None, naive=None, aware=None, share=None, money=None, flag=None, big=None),
    dict(
        word="",
        day=date(2099, 12, 31),
        naive=datetime(2000, 2, 29, 12),
        aware=datetime(2000, 2, 29, 12, tzinfo=UTC),
        share=1e300,
        money=Decimal("-1.5"),
        flag=True,
        big=0,
    ),
    dict(
        word=None,
        day=date(2023, 6, 30),
        naive=datetime(2023, 6, 30),
        aware=datetime(2023, 6, 30, tzinfo=HANOI),
        share=float("inf"),
        money=Decimal("12345678.901"),
        flag=False,
        big=1,
    ),
    dict(
        word="'; DROP TABLE units; --\t\n\\N",
        day=date(2021, 1, 1),
        naive=datetime(2021, 1, 1),
        aware=datetime(2021, 1, 1, tzinfo=UTC),
        share=3.141592653589793,
        money=Decimal("1"),
        flag=True,
        big=5,
    ),
]


def _instant(value):
    if isinstance(value, datetime):
        return fingerprint.utc_naive(value)
    return value


def _read(engine) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(EVERY_TYPE).order_by(EVERY_TYPE.c.id)).mappings().all()
    return [{k: _instant(v) for k, v in row.items()} for row in rows]


@pytest.mark.postgres
def test_every_column_type_survives_sqlite_to_postgresql_and_back(pg_url, tmp_path):
    """Dates, timestamps with and without time zone (PostgreSQL in Hanoi time), floats,
    decimals, booleans, NULLs and text that collations treat differently: the same values
    and the same checksums on both engines."""
    sqlite_engine = sa.create_engine(f"sqlite:///{tmp_path / 'kieu.sqlite'}")
    pg_engine = sa.create_engine(pg_url, connect_args={"options": "-c TimeZone=Asia/Ho_Chi_Minh"})
    back_engine = sa.create_engine(f"sqlite:///{tmp_path / 'kieu_ve.sqlite'}")
    for engine in (sqlite_engine, pg_engine, back_engine):
        TYPES.create_all(engine)
    with sqlite_engine.begin() as conn:
        conn.execute(EVERY_TYPE.insert(), [{**r, "aware": _instant(r["aware"])} for r in TRICKY_ROWS])
    chosen = [EVERY_TYPE]
    there = store_copy.copy_store(sqlite_engine, pg_engine, chosen=chosen)
    again = store_copy.copy_store(pg_engine, back_engine, chosen=chosen)
    assert there.sums == again.sums
    with sqlite_engine.connect() as a, pg_engine.connect() as b, back_engine.connect() as c:
        assert (
            fingerprint.checksums(a, chosen)
            == fingerprint.checksums(b, chosen)
            == fingerprint.checksums(c, chosen)
        )
    assert _read(sqlite_engine) == _read(pg_engine) == _read(back_engine)
    # The instant is kept, not the wall clock: 6:00 in Hanoi is 23:00 UTC the day before.
    with pg_engine.connect() as conn:
        hanoi = conn.scalar(sa.select(EVERY_TYPE.c.aware).where(EVERY_TYPE.c.id == 1))
    assert hanoi.utcoffset() == timedelta(hours=7) and fingerprint.utc_naive(hanoi) == datetime(
        2021, 2, 28, 23, 0
    )
    for engine in (sqlite_engine, pg_engine, back_engine):
        engine.dispose()


def test_a_changed_value_changes_the_checksum(full_store, tmp_path):
    copy = Store.open(f"sqlite:///{tmp_path / 'ban_sao.sqlite'}")
    store_copy.copy_store(full_store.engine, copy.engine)
    assert sums(copy.engine) == sums(full_store.engine)
    with copy.engine.begin() as conn:
        conn.execute(
            sa.text(
                "update observations set collected = collected + 1 where upload_id = (select min(upload_id) "
                "from observations) and unit_key = (select min(unit_key) from observations)"
            )
        )
    changed = sums(copy.engine)
    assert changed["observations"] != sums(full_store.engine)["observations"]
    assert changed["observations"].rows == sums(full_store.engine)["observations"].rows


# -- PostgreSQL: pg_dump / pg_restore -----------------------------------------------------------


@pytest.mark.postgres
def test_postgresql_backup_and_restore_round_trip(full_store, pg_url, tmp_path, capsys):
    store_copy.copy_store(full_store.engine, Store.open(pg_url).engine)
    code, out, err = run(capsys, "backup", str(tmp_path / "cccd.dump"), "--db", pg_url)
    assert code == 0, err
    assert (tmp_path / "cccd.dump").read_bytes().startswith(b"PGDMP")
    kind, version, counts = backup.inspect(tmp_path / "cccd.dump")
    assert (kind, version) == ("pg_dump", len(MIGRATIONS)) and counts["observations"] == sums(
        full_store.engine
    )["observations"].rows
    # The database changes after the backup (a new upload); restoring brings back the backup's state.
    pg = Store.open(pg_url)
    extra = write(tmp_path / "sau.csv", HEADER + f"2024-03-20,{PLACE},Xã Kỳ Tân,,6000,77,0\n")
    assert ingest.import_file(pg, extra).status == "imported"
    code, _, err = run(capsys, "restore", str(tmp_path / "cccd.dump"), "--db", pg_url)
    assert code == 2 and "--yes" in err
    code, _, err = run(capsys, "restore", str(tmp_path / "cccd.dump"), "--db", pg_url, "--yes")
    assert code == 0, err
    restored = Store.open(pg_url)
    assert source_sums(restored.engine, ["audit_log"]) == source_sums(full_store.engine, ["audit_log"])
    assert (
        sums(restored.engine)["audit_log"].rows == sums(full_store.engine)["audit_log"].rows + 1
    )  # the restore
    assert restore_recorded(restored.engine)
    restored.engine.dispose()


@pytest.mark.postgres
def test_postgresql_backup_without_pg_dump_names_the_command(pg_url, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(backup.shutil, "which", lambda name: None)
    monkeypatch.setattr(backup, "PG_BIN_DIRS", str(tmp_path / "khong_co"))
    code, _, err = run(capsys, "backup", str(tmp_path / "cccd.dump"), "--db", pg_url)
    assert code == 4 and "«pg_dump»" in err and "postgresql-client" in err
    assert not (tmp_path / "cccd.dump").exists()


# -- the settings page -------------------------------------------------------------------------


ADMIN_PASSWORD = "Kỳ-Anh-2021-cao-điểm"


@pytest.fixture
def admin_store(full_store) -> Store:
    """The full store (it has accounts, so sign-in is required) with an administrator."""
    from cccd_analytics import auth

    full_store.add_user("quan.tri", "admin", auth.hash_password(ADMIN_PASSWORD))
    return full_store


@pytest.mark.usefixtures("served")
def test_settings_page_offers_the_backup_to_admins(admin_store, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.test_auth import sign_in

    monkeypatch.setenv("CCCD_DB_URL", str(admin_store.engine.url))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    sign_in(at, "quan.tri", ADMIN_PASSWORD)
    at.switch_page("pages/settings.py").run()
    assert not at.exception
    (button,) = at.get("download_button")
    assert button.proto.label == "Tải bản sao lưu"
    assert "Sao lưu" in [s.value for s in at.subheader]


@pytest.mark.browser
def test_backup_downloaded_from_the_settings_page_is_the_whole_store(admin_store, browser, tmp_path):
    """Clicked in Chromium: the file is a checked SQLite copy of the store, and the download
    is in the audit log."""
    from tests.browser_support import start_dashboard, wait_for_app
    from tests.test_login_browser import sign_in

    full_store = admin_store
    before = sums(full_store.engine)
    proc, url = start_dashboard(str(full_store.engine.url))
    try:
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.goto(url + "/settings")
        wait_for_app(page)
        sign_in(page, "quan.tri", ADMIN_PASSWORD)  # then the page asked for opens
        with page.expect_download(timeout=120_000) as info:
            page.get_by_role("button", name="Tải bản sao lưu").click()
        saved = tmp_path / info.value.suggested_filename
        info.value.save_as(saved)
        page.close()
    finally:
        proc.terminate()
        proc.wait(30)
    assert saved.name.startswith("cccd-") and saved.suffix == ".sqlite"
    kind, version, counts = backup.inspect(saved)  # integrity_check, schema version, counts
    assert (kind, version) == ("sqlite", len(MIGRATIONS))
    # Signing in wrote its audit entry and last-login time before the backup (and the pages
    # may have kept shared results): the rest is the store as it was.
    got = source_sums(sa.create_engine(f"sqlite:///{saved}"), ["audit_log", "users"])
    assert got == {k: v for k, v in before.items() if k not in DERIVED and k not in ("audit_log", "users")}
    entries = Store.open(str(full_store.engine.url)).audit_entries(action="backup")
    assert len(entries) == 1 and saved.name in entries["detail"][0]


def test_checksum_of_a_column_at_a_time_is_the_canonical_one_row_by_row():
    """The quick per-column texts are the canonical texts value by value, and a table's
    checksum is the wrapped sum of its rows' BLAKE2b hashes, in any batches."""
    import hashlib

    columns = {
        sa.Text(): ["", "a|b", "xã", None, "1:N", "Xã Kỳ Đồng"],
        sa.BigInteger(): [0, -5, 2**62, None, 7, 1],
        sa.Date(): [date(1900, 1, 1), date(2099, 12, 31), None, date(2021, 3, 1), date(2021, 3, 2), None],
        sa.Boolean(): [True, False, None, True, True, False],
    }
    for kind, values in columns.items():
        quick = fingerprint._column_text_for(kind)(values)
        assert quick == [fingerprint._prefixed(fingerprint._value_text(v)) for v in values], kind
    table = sa.Table("t", sa.MetaData(), *(sa.Column(f"c{i}", k) for i, k in enumerate(columns)))
    rows = list(zip(*columns.values()))
    whole, halves = fingerprint.Summer(table), fingerprint.Summer(table)
    whole.add([list(c) for c in zip(*rows)])
    for part in (rows[:2], rows[2:]):
        halves.add([list(c) for c in zip(*part)])
    one_by_one = (
        sum(
            int.from_bytes(
                hashlib.blake2b(fingerprint._row_text(r).encode(), digest_size=8).digest(), "little"
            )
            for r in rows
        )
        % 2**64
    )
    assert whole.result() == halves.result() == fingerprint.TableSum(len(rows), one_by_one)
