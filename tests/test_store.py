"""The store never half-writes, keeps history, and answers as of a past day."""

import json
from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa

from cccd_analytics import ingest
from cccd_analytics.store import Store, StoreError
from cccd_analytics.store.schema import MIGRATIONS
from tests.conftest import write

HEADER = "date,province,district,commune,commune_code,eligible,collected,returned\n"


def counts(store: Store) -> dict:
    with store.engine.connect() as conn:
        return {
            t: conn.execute(sa.text(f"select count(*) from {t}")).scalar_one()
            for t in ("uploads", "observations", "units", "unit_tags", "campaigns")
        }


def test_migrations_are_recorded_and_idempotent(db_url):
    first = Store.open(db_url)
    again = Store.open(db_url)
    with again.engine.connect() as conn:
        versions = list(conn.scalars(sa.text("select version from schema_version order by version")))
    assert versions == list(range(1, len(MIGRATIONS) + 1))
    assert counts(first) == counts(again)


def test_registry_is_seeded_with_both_hierarchies(store):
    units = store.units()
    assert (units.query("hierarchy == '3' and level == 'commune'").shape[0]) == 480
    assert units.at["2025:18766", "name"] == "Xã Kỳ Xuân"  # code reused after the reform
    assert units.at["18766", "name"] == "Xã Kỳ Phong"
    assert "biên giới" in units.at["16816", "tags"]  # Xã Mỹ Lý, Huyện Kỳ Sơn


def test_refused_file_changes_nothing(store, tmp_path):
    good = write(
        tmp_path / "good.csv", HEADER + "2021-03-01,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,,4000,100,0\n"
    )
    assert ingest.import_file(store, good).status == "imported"
    before = counts(store)
    # The second row is bad (negative): the first, valid row must not be written either.
    bad = write(
        tmp_path / "bad.csv",
        HEADER
        + "2021-03-02,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,,4000,150,0\n"
        + "2021-03-02,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Tân,,6000,-5,0\n"
        + "2021-03-02,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Mới Lập,,100,10,0\n",
    )
    report = ingest.import_file(store, bad)
    assert report.status == "refused"
    assert counts(store) == before
    assert store.current_observations()["date"].max() == pd.Timestamp("2021-03-01")


def test_identical_reupload_is_a_noop_that_says_so(store, tmp_path):
    path = write(tmp_path / "a.csv", HEADER + "2021-03-01,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,,4000,100,0\n")
    first = ingest.import_file(store, path)
    before = counts(store)
    again = ingest.import_file(store, path)
    assert again.status == "duplicate" and again.upload_id == first.upload_id
    assert "giống hệt" in again.message and "không có gì thay đổi" in again.message
    assert counts(store) == before


def test_later_report_replaces_value_and_history_keeps_both(store, tmp_path):
    row = "2021-03-01,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,18775,4000,{},0\n"
    ingest.import_file(store, write(tmp_path / "a.csv", HEADER + row.format(100)))
    ingest.import_file(store, write(tmp_path / "b.csv", HEADER + row.format(120)))
    current = store.current_observations().query("metric == 'collected'")
    assert current["value"].tolist() == [120]
    history = store.observation_history("18775").query("metric == 'collected'")
    assert history["value"].tolist() == [100, 120]
    assert history["file_name"].tolist() == ["a.csv", "b.csv"]


def test_undo_brings_back_the_earlier_value(store, tmp_path):
    row = "2021-03-01,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,18775,4000,{},0\n"
    ingest.import_file(store, write(tmp_path / "a.csv", HEADER + row.format(100)))
    second = ingest.import_file(store, write(tmp_path / "b.csv", HEADER + row.format(120)))
    assert store.undo_upload(second.upload_id)
    assert store.current_observations().query("metric == 'collected'")["value"].tolist() == [100]


def test_as_of_sees_no_later_data(store, tmp_path):
    rows = "".join(
        f"2021-03-0{d},Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,,4000,{d * 10},0\n" for d in range(1, 6)
    )
    ingest.import_file(store, write(tmp_path / "a.csv", HEADER + rows))
    seen = store.current_observations(as_of=date(2021, 3, 3))
    assert seen["date"].max() == pd.Timestamp("2021-03-03")
    assert seen.query("metric == 'collected'")["value"].max() == 30


def test_killed_write_leaves_store_unchanged(store, tmp_path):
    path = write(tmp_path / "a.csv", HEADER + "2021-03-01,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,,4000,100,0\n")
    before = counts(store)

    class Crash(Exception):
        pass

    def hook(stage):
        if stage == "observations":
            raise Crash

    try:
        ingest.import_file(store, path, hook=hook)
    except Crash:
        pass
    assert counts(store) == before


@pytest.mark.parametrize(
    "url",
    ["postgresql+nodriver://analyst:s3cr3t-pw@db.local/cccd", "nonsense://analyst:s3cr3t-pw@db.local/cccd"],
)
def test_a_bad_url_is_refused_without_echoing_its_password(url):
    with pytest.raises(StoreError) as refused:
        Store.open(url)
    message = str(refused.value)
    assert "không hợp lệ" in message and "analyst:***@db.local" in message
    assert "s3cr3t-pw" not in message


def test_an_uncreatable_sqlite_folder_is_a_clear_message(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError) as refused:
        Store.open(f"sqlite:///{blocker}/sub/cccd.sqlite")
    assert "Không tạo được thư mục" in str(refused.value) and str(blocker) in str(refused.value)


def test_an_upload_and_an_undo_write_their_audit_entries_in_their_own_transaction(store, tmp_path):
    path = tmp_path / "bao_cao.csv"
    path.write_text(
        "date,district,commune,collected\n2021-03-20,Huyện Kỳ Anh,Xã Kỳ Đồng,100\n", encoding="utf-8"
    )
    report = ingest.import_file(store, path, uploaded_by="an", audit={"username": "an", "via": "cli"})
    assert report.status == "imported"
    (entry,) = store.audit_entries().to_dict("records")
    assert (entry["action"], entry["username"]) == ("upload", "an")
    assert json.loads(entry["detail"]) == {
        "upload_id": report.upload_id,
        "file_name": "bao_cao.csv",
        "rows": 1,
        "via": "cli",
        "units": 1,
    }
    # A refused or duplicate file writes no entry; an undo writes one with the upload.
    assert ingest.import_file(store, path, audit={"username": "an"}).status == "duplicate"
    assert store.undo_upload(report.upload_id, who="binh", audit={"username": "binh"})
    assert not store.undo_upload(report.upload_id, who="binh", audit={"username": "binh"})
    entries = store.audit_entries()
    assert list(entries["action"]) == ["undo", "upload"] and entries["username"].iloc[0] == "binh"


def test_a_migration_failing_part_way_leaves_no_half_schema(tmp_path, monkeypatch):
    from cccd_analytics.store import schema

    def broken(conn):
        conn.exec_driver_sql("CREATE TABLE half_done (x INTEGER)")
        raise RuntimeError("step failed")

    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, broken])
    path = tmp_path / "cccd.sqlite"
    with pytest.raises(RuntimeError):
        Store.open(f"sqlite:///{path}")
    import sqlite3

    with sqlite3.connect(path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == set()  # not the first migrations' tables, not schema_version, not half_done
    monkeypatch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:-1])
    store = Store.open(f"sqlite:///{path}")  # a later start migrates whole
    assert store.migrate() == len(schema.MIGRATIONS) and len(store.units()) > 700


def test_upload_spans_give_the_first_and_last_day_of_each_upload(store, tmp_path):
    path = write(
        tmp_path / "nhieu_ngay.csv",
        "date,district,commune,collected\n"
        "2021-03-20,Huyện Kỳ Anh,Xã Kỳ Đồng,100\n2021-03-24,Huyện Kỳ Anh,Xã Kỳ Đồng,140\n"
        "2021-03-22,Huyện Kỳ Anh,Xã Kỳ Tân,90\n",
    )
    report = ingest.import_file(store, path)
    spans = store.upload_spans([report.upload_id, 999])
    assert spans.loc[report.upload_id].tolist() == [date(2021, 3, 20), date(2021, 3, 24)]
    assert 999 not in spans.index and store.upload_spans([]).empty


def test_upload_times_stored_in_utc_are_shown_in_vietnam_time():
    from datetime import datetime

    from cccd_analytics import text as fmt

    assert fmt.moment_vn(datetime(2026, 11, 22, 20, 17)) == "23/11/2026 03:17"
    assert fmt.moment_vn(pd.Timestamp("2021-03-15 01:05")) == "15/3/2021 08:05"
    assert fmt.moment_vn(None) == "—"


def test_the_registry_count_the_store_checks_on_open_is_the_registry_built():
    from cccd_analytics import registry

    assert registry.official_unit_count() == len(registry.load_registry())


def _three_uploads(conn) -> None:
    """Uploads 1 and 2 in force and 3 undone, as a store of an earlier release holds them."""
    for upload, status in ((1, "active"), (2, "active"), (3, "undone")):
        conn.execute(
            sa.text(
                "INSERT INTO uploads (id, file_name, sha256, uploaded_at, rows_read, warnings, status) "
                "VALUES (:id, :name, :sha, :at, 1, '[]', :status)"
            ),
            dict(id=upload, name=f"{upload}.csv", sha=str(upload) * 64, at=date(2021, 3, 5), status=status),
        )
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SELECT setval('uploads_id_seq', 3)")  # the next upload is 4


def _migrated_again(store: Store) -> Store:
    """The store left at an earlier release, opened again: every migration applied since."""
    url = store.engine.url.render_as_string(hide_password=False)
    store.engine.dispose()
    store = Store.open(url)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT max(version) FROM schema_version").scalar() == len(MIGRATIONS)
    return store


def values_kept(conn) -> list[tuple]:
    """Every value stored, as (upload, unit, day, metric, value, in force), sorted: the
    table's rows (a row per unit, day and upload) read a value at a time."""
    from cccd_analytics.store.schema import METRIC_BITS

    rows = conn.exec_driver_sql(
        f"SELECT upload_id, unit_key, date, {', '.join(METRIC_BITS)}, in_force FROM observations"
    ).all()
    return sorted(
        (row[0], row[1], str(row[2]), metric, row[3 + i], bool(row[-1] & bit))
        for row in rows
        for i, (metric, bit) in enumerate(METRIC_BITS.items())
        if row[3 + i] is not None
    )


def test_a_store_of_release_7_keeps_its_values_as_a_row_per_unit_and_day(db_url, tmp_path):
    """A store of migration 7 (a row per value, a boolean in force): every value is kept, a
    unit's day whose metrics came from different uploads keeps each metric's value in force
    where it was, and what it holds reads, replaces and undoes as before."""
    from cccd_analytics.store import schema

    store = Store.open(db_url)
    with store.engine.begin() as conn:  # back to the tables that release left
        conn.exec_driver_sql("DROP VIEW current_values")
        conn.exec_driver_sql("DROP TABLE observations")
        schema._observations_v7.create(conn)
        conn.exec_driver_sql(schema._CURRENT_VALUES_VIEW_V7)
        conn.exec_driver_sql("DELETE FROM schema_version WHERE version > 7")
        _three_uploads(conn)
        rows = [  # (upload, unit, date, metric, value, in force)
            (1, "18775", date(2021, 3, 1), "collected", 95, False),
            (1, "18775", date(2021, 3, 1), "eligible", 4000, True),  # upload 2 gave no eligible
            (1, "18775", date(2021, 3, 2), "collected", 110, True),
            (1, "18814", date(2021, 3, 1), "returned", 40, True),
            (2, "18775", date(2021, 3, 1), "collected", 120, True),
            (3, "18775", date(2021, 3, 2), "collected", 999, False),  # undone
        ]
        conn.execute(
            sa.text(
                "INSERT INTO observations (upload_id, unit_key, date, metric, value, in_force) "
                "VALUES (:u, :k, :d, :m, :v, :f)"
            ),
            [dict(u=u, k=k, d=d, m=m, v=v, f=f) for u, k, d, m, v, f in rows],
        )
        conn.execute(
            sa.text(
                "INSERT INTO upload_units (upload_id, unit_key, first_day, last_day) "
                "SELECT upload_id, unit_key, min(date), max(date) FROM observations GROUP BY upload_id, unit_key"
            )
        )
    store = _migrated_again(store)
    with store.engine.connect() as conn:
        assert values_kept(conn) == sorted((u, k, str(d), m, v, f) for u, k, d, m, v, f in rows)
        assert conn.exec_driver_sql("SELECT count(*) FROM observations").scalar() == 5  # 6 values
    now = store.current_observations()
    assert list(zip(now["metric"], now["value"], now["upload_id"])) == [
        ("collected", 120, 2),
        ("collected", 110, 1),
        ("eligible", 4000, 1),
        ("returned", 40, 1),
    ]
    assert store.observation_history("18775")["value"].tolist() == [95, 120, 4000, 110, 999]
    # Upload 2 undone: its collected goes, upload 1's comes back; the eligible stays.
    assert store.undo_upload(2)
    now = store.current_observations().query("unit_key == '18775'")
    assert list(zip(now["metric"], now["value"], now["upload_id"])) == [
        ("collected", 95, 1),
        ("collected", 110, 1),
        ("eligible", 4000, 1),
    ]


@pytest.mark.parametrize("release", [4, 5])
def test_a_store_of_an_earlier_release_keeps_its_values_once_each_with_the_ones_in_force(
    db_url, tmp_path, release
):
    """A store of migration 4 (observations with foreign keys, indexed by (unit, metric,
    date) and by upload) or 5 (one index in upload order), each with its table of values in
    force: every value is kept (of a key given twice in one upload, the last row, the one
    that counted), the values in force are the ones that table held, and what it holds
    reads, replaces and undoes as before."""
    from cccd_analytics.store import schema

    store = Store.open(db_url)
    serial = "INTEGER" if store.engine.dialect.name == "sqlite" else "BIGSERIAL"
    with store.engine.begin() as conn:  # back to the tables that release left
        conn.exec_driver_sql("DROP VIEW current_values")
        conn.exec_driver_sql("DROP TABLE upload_units")
        conn.exec_driver_sql("DROP TABLE observations")
        schema._current_values_v3.create(conn)
        if release == 5:
            schema._observations_v5.create(conn)
        else:  # as migration 1 made it
            conn.exec_driver_sql(
                f"CREATE TABLE observations (id {serial} PRIMARY KEY, "
                "upload_id INTEGER NOT NULL REFERENCES uploads (id) ON DELETE CASCADE, "
                "unit_key VARCHAR(40) NOT NULL REFERENCES units (key), date DATE NOT NULL, "
                "metric VARCHAR(20) NOT NULL, value BIGINT NOT NULL)"
            )
            conn.exec_driver_sql(
                "CREATE INDEX ix_observations_unit_metric_date ON observations (unit_key, metric, date)"
            )
            conn.exec_driver_sql("CREATE INDEX ix_observations_upload ON observations (upload_id)")
        conn.exec_driver_sql(f"DELETE FROM schema_version WHERE version > {release}")
        _three_uploads(conn)
        rows = [  # (upload, unit, date, metric, value), in id order
            (1, "18775", date(2021, 3, 1), "collected", 90),
            (1, "18775", date(2021, 3, 1), "collected", 95),  # the same key again: it counted
            (1, "18775", date(2021, 3, 2), "collected", 110),
            (1, "18814", date(2021, 3, 1), "returned", 40),
            (2, "18775", date(2021, 3, 1), "collected", 120),
            (3, "18775", date(2021, 3, 2), "collected", 999),  # undone
        ]
        conn.execute(
            sa.text(
                "INSERT INTO observations (upload_id, unit_key, date, metric, value) "
                "VALUES (:u, :k, :d, :m, :v)"
            ),
            [dict(u=u, k=k, d=d, m=m, v=v) for u, k, d, m, v in rows],
        )
        conn.exec_driver_sql(
            "INSERT INTO current_values (unit_key, metric, date, value, upload_id) " + schema.NEWEST_ACTIVE
        )
    store = _migrated_again(store)
    with store.engine.connect() as conn:
        kept = values_kept(conn)
    assert kept == [
        (1, "18775", "2021-03-01", "collected", 95, False),
        (1, "18775", "2021-03-02", "collected", 110, True),
        (1, "18814", "2021-03-01", "returned", 40, True),
        (2, "18775", "2021-03-01", "collected", 120, True),
        (3, "18775", "2021-03-02", "collected", 999, False),
    ]
    spans = store.upload_spans([1, 2, 3])
    assert spans.loc[1, "first"] == date(2021, 3, 1) and spans.loc[1, "last"] == date(2021, 3, 2)
    assert store.observation_history("18775")["value"].tolist() == [95, 120, 110, 999]
    assert store.undo_upload(2)
    collected = store.current_observations().query("metric == 'collected'")
    assert collected["value"].tolist() == [95, 110]
    assert collected["upload_id"].tolist() == [1, 1]
    later = ingest.import_file(
        store,
        write(
            tmp_path / "b.csv", HEADER + "2021-03-02,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,18775,4000,130,0\n"
        ),
    )
    assert later.status == "imported"
    collected = store.current_observations().query("metric == 'collected'")
    assert collected["value"].tolist() == [95, 130]
    assert store.undo_upload(later.upload_id)
    assert store.current_observations().query("metric == 'collected'")["value"].tolist() == [95, 110]


def test_a_store_of_an_earlier_release_keeps_its_parts_once_each_with_the_ones_in_force(db_url):
    """A store of migration 6 (parts with a surrogate id, and a table of the parts in force):
    every part is kept (of a key given twice in one upload, the last row), the parts in force
    are the ones that table held, and a later report and its undo replace a day's whole
    split and bring it back as before."""
    from cccd_analytics.store import schema

    store = Store.open(db_url)
    with store.engine.begin() as conn:  # back to the tables that release left
        conn.exec_driver_sql("DROP VIEW current_breakdowns")
        conn.exec_driver_sql("DROP TABLE breakdowns")
        conn.exec_driver_sql("DROP TABLE upload_part_units")
        schema.legacy.create_all(conn, tables=[schema._breakdowns_v4, schema._current_breakdowns_v4])
        conn.exec_driver_sql("DELETE FROM schema_version WHERE version > 6")
        _three_uploads(conn)
        rows = [  # (upload, date, value, count), in id order; all of 18775, channel, collected
            (1, date(2021, 3, 15), "Tổ lưu động", 300),
            (1, date(2021, 3, 15), "Tại nhà", 20),
            (1, date(2021, 3, 15), "Tại nhà", 30),  # the same key again: it counted
            (2, date(2021, 3, 16), "Tổ lưu động", 350),
            (3, date(2021, 3, 15), "Tổ lưu động", 999),  # undone
        ]
        conn.execute(
            sa.text(
                "INSERT INTO breakdowns (upload_id, unit_key, date, dimension, value, metric, count) "
                "VALUES (:u, '18775', :d, 'channel', :v, 'collected', :n)"
            ),
            [dict(u=u, d=d, v=v, n=n) for u, d, v, n in rows],
        )
        conn.execute(
            sa.text(
                "INSERT INTO current_breakdowns (unit_key, dimension, metric, date, value, count, upload_id) "
                "VALUES ('18775', 'channel', 'collected', :d, :v, :n, :u)"
            ),
            [dict(u=u, d=d, v=v, n=n) for u, d, v, n in (rows[0], rows[2], rows[3])],
        )
    store = _migrated_again(store)
    with store.engine.connect() as conn:
        kept = conn.exec_driver_sql("SELECT upload_id, date, value, count, in_force FROM breakdowns").all()
        listed = conn.exec_driver_sql("SELECT upload_id, unit_key FROM upload_part_units").all()
    assert sorted(map(tuple, listed)) == [(1, "18775"), (2, "18775"), (3, "18775")]
    assert sorted((u, str(d), v, n, bool(f)) for u, d, v, n, f in kept) == [
        (1, "2021-03-15", "Tại nhà", 30, True),
        (1, "2021-03-15", "Tổ lưu động", 300, True),
        (2, "2021-03-16", "Tổ lưu động", 350, True),
        (3, "2021-03-15", "Tổ lưu động", 999, False),
    ]

    def in_force():
        parts = store.current_parts()
        return sorted(
            zip(parts["date"].dt.strftime("%d/%m"), parts["value"], parts["count"], parts["upload_id"])
        )

    assert in_force() == [
        ("15/03", "Tại nhà", 30, 1),
        ("15/03", "Tổ lưu động", 300, 1),
        ("16/03", "Tổ lưu động", 350, 2),
    ]
    later = ingest.import_bytes(
        store,
        "Ngày,Tỉnh,Huyện,Xã,Hình thức thu nhận,Lũy kế thu nhận\n"
        "15/03/2021,Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,Tổ lưu động,280\n".encode(),
        "c.csv",
    )
    assert later.status == "imported", later.message
    assert in_force() == [("15/03", "Tổ lưu động", 280, later.upload_id), ("16/03", "Tổ lưu động", 350, 2)]
    assert store.undo_upload(later.upload_id)
    assert in_force() == [
        ("15/03", "Tại nhà", 30, 1),
        ("15/03", "Tổ lưu động", 300, 1),
        ("16/03", "Tổ lưu động", 350, 2),
    ]


def test_an_upload_naming_a_unit_not_in_the_registry_is_refused_whole(store):
    """The check that replaced the per-row foreign key: values of a unit that is neither
    known nor among the upload's new units are not written, nor is anything else."""
    from cccd_analytics.store import NewUpload

    before = counts(store)
    values = pd.DataFrame(
        {
            "unit_key": ["18775", "khong-co"],
            "date": pd.to_datetime(["2021-03-01", "2021-03-01"]),
            "metric": ["collected", "collected"],
            "value": [100, 50],
        }
    )
    upload = NewUpload("x.csv", "0" * 64, 2, values, pd.DataFrame(columns=["key"]))
    with pytest.raises(StoreError, match="khong-co"):
        store.write_upload(upload)
    assert counts(store) == before


def test_every_value_of_a_large_upload_is_stored_once_as_given(store):
    """The values go to SQLite many rows to a statement, the rest one row each: a count that
    is not a multiple of that, over several batches, stores each value once, in force."""
    from cccd_analytics.store import NewUpload

    days = pd.date_range("2021-01-01", periods=9_011, freq="D")
    metrics = ["collected", "returned", "eligible"]
    values = pd.DataFrame(
        {
            "unit_key": ["18775"] * (3 * len(days)),
            "date": list(days) * 3,
            "metric": [m for m in metrics for _ in days],
            "value": range(3 * len(days)),
        }
    )
    upload = NewUpload("x.csv", "1" * 64, len(values), values, pd.DataFrame(columns=["key"]))
    upload_id = store.write_upload(upload)
    with store.engine.connect() as conn:
        stored = pd.DataFrame(
            values_kept(conn), columns=["upload_id", "unit_key", "date", "metric", "value", "in_force"]
        )
    assert len(stored) == len(values)
    assert set(stored["upload_id"]) == {upload_id} and stored["in_force"].all()
    stored["date"] = pd.to_datetime(stored["date"])
    merged = values.merge(stored, on=["metric", "date"], suffixes=("", "_stored"))
    assert len(merged) == len(values) and (merged["value"] == merged["value_stored"]).all()
