"""Figures shared by every viewer: the value in force kept by uploads and undos
(current_values), and campaign snapshots computed once per data version and read back from
the database exactly as they were computed; an upload or an undo is seen by every viewer at
their next rerun."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from cccd_analytics import ingest, shared
from cccd_analytics.analytics import campaigns as camp
from cccd_analytics.analytics import metrics
from cccd_analytics.store import Store
from tests.conftest import ROOT, write

NGHE_AN = "Cao điểm 70 ngày, đêm — Nghệ An 2023"


def newest_active(store: Store) -> pd.DataFrame:
    """The value in force computed the slow, obvious way: every observation of an active
    upload, the newest upload (then its last row) winning."""
    from cccd_analytics.store.schema import METRICS

    # Every value given (a metric's column not null), whatever the marks in force say.
    every_value = " UNION ALL ".join(
        f"SELECT o.unit_key, o.date, '{m}', o.{m}, o.upload_id FROM observations o "
        f"JOIN uploads u ON u.id = o.upload_id WHERE u.status = 'active' AND o.{m} IS NOT NULL"
        for m in METRICS
    )
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text(every_value)).all()
    frame = pd.DataFrame(rows, columns=["unit_key", "date", "metric", "value", "upload_id"])
    frame["date"] = frame["date"].astype(str)
    frame = frame.sort_values("upload_id", kind="stable").drop_duplicates(
        ["unit_key", "metric", "date"], keep="last"
    )
    return frame.sort_values(["unit_key", "metric", "date"]).reset_index(drop=True)


def current(store: Store) -> pd.DataFrame:
    frame = store.current_observations()
    frame = frame.assign(date=frame["date"].dt.strftime("%Y-%m-%d"))
    return frame[["unit_key", "date", "metric", "value", "upload_id"]].astype(object).reset_index(drop=True)


def report(tmp_path, name: str, rows: list[str]) -> ingest.ImportReport:
    return write(tmp_path / name, "date,district,commune,collected,returned\n" + "\n".join(rows) + "\n")


def test_current_values_follow_uploads_replacements_and_undos(store, tmp_path):
    first = ingest.import_file(
        store,
        report(
            tmp_path,
            "a.csv",
            [
                "2021-03-01,Huyện Kỳ Anh,Xã Kỳ Đồng,100,10",
                "2021-03-02,Huyện Kỳ Anh,Xã Kỳ Đồng,150,20",
                "2021-03-01,Huyện Kỳ Anh,Xã Kỳ Tân,300,",
            ],
        ),
    )
    second = ingest.import_file(
        store,
        report(
            tmp_path,
            "b.csv",
            ["2021-03-02,Huyện Kỳ Anh,Xã Kỳ Đồng,160,25", "2021-03-03,Huyện Kỳ Anh,Xã Kỳ Đồng,200,30"],
        ),
    )
    third = ingest.import_file(
        store, report(tmp_path, "c.csv", ["2021-03-02,Huyện Kỳ Anh,Xã Kỳ Đồng,170,26"])
    )
    assert {first.status, second.status, third.status} == {"imported"}
    expected = newest_active(store)
    assert current(store).equals(expected.astype(object))
    assert store.current_observations().query("metric == 'collected'")["value"].tolist()[:3] == [
        100,
        170,
        200,
    ]
    for undone in (second.upload_id, third.upload_id, first.upload_id):
        assert store.undo_upload(undone)
        assert current(store).equals(newest_active(store).astype(object)), undone
    assert store.current_observations().empty


def test_current_values_are_read_for_a_scope_and_up_to_a_day(sample_url):
    store = Store.open(sample_url)
    every = store.current_observations()
    keys = ["16663", "18775", "2025:18766", "nope"]
    part = store.current_observations(as_of=date(2023, 5, 1), unit_keys=keys)
    expected = every[every["unit_key"].isin(keys) & (every["date"] <= "2023-05-01")].reset_index(drop=True)
    pd.testing.assert_frame_equal(part, expected)
    assert set(part["unit_key"]) == {"16663", "18775"}


def test_a_snapshot_read_back_from_the_database_is_the_one_computed(sample_url):
    store = Store.open(sample_url)
    obs, units = store.current_observations(), store.units()
    for definition in store.campaign_definitions():
        campaign = camp.from_definition(definition)
        for as_of in (None, date(2023, 5, 15)):
            computed = metrics.snapshot(obs, units, campaign, as_of)
            for _ in range(2):  # computed and kept, then read back
                got = shared.snapshot(store, campaign, as_of)
                assert (got.campaign, got.as_of, got.data_through) == (
                    computed.campaign,
                    computed.as_of,
                    computed.data_through,
                )
                for part in shared.FRAMES:
                    pd.testing.assert_frame_equal(
                        getattr(got, part), getattr(computed, part), check_exact=True
                    )


def test_another_process_reads_the_kept_snapshot_instead_of_computing_it(sample_url, monkeypatch):
    campaign = camp.from_definition(Store.open(sample_url).campaign_definitions()[-1])
    first = shared.snapshot(Store.open(sample_url), campaign)

    def refuse(*args, **kwargs):
        raise AssertionError("computed again")

    monkeypatch.setattr(metrics, "snapshot", refuse)
    again = shared.snapshot(Store.open(sample_url), campaign)  # a fresh engine: another process
    pd.testing.assert_frame_equal(again.units, first.units)


def test_every_change_of_what_pages_show_gives_a_new_data_version(sample_url, tmp_path):
    store = Store.open(sample_url)
    seen = [store.data_version()]
    upload = ingest.import_file(
        store, report(tmp_path, "d.csv", ["2021-05-16,Huyện Mới,Xã Thử Nghiệm,90,10"])
    )
    assert upload.status == "imported", upload.message
    seen.append(store.data_version())
    store.undo_upload(upload.upload_id)
    seen.append(store.data_version())
    store.set_tags("16663", ["biên giới", "thí điểm"])
    seen.append(store.data_version())
    definition = store.campaign_definitions()[0]
    store.save_campaign(definition | {"target": "90%"})
    seen.append(store.data_version())
    assert len(set(seen)) == len(seen)


def test_an_upload_and_an_undo_are_seen_by_every_viewer_at_their_next_rerun(
    sample_url, tmp_path, monkeypatch
):
    monkeypatch.setenv("CCCD_DB_URL", sample_url)
    viewers = [AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60) for _ in range(2)]

    def collected(at) -> str:
        return {m.label: m.value for m in at.metric}["Đã thu nhận"]

    for at in viewers:
        at.session_state["campaign"] = NGHE_AN
        at.run()
        assert not at.exception and collected(at) == "2.365.662"
    store = Store.open(sample_url)
    units = store.units()
    obs = store.current_observations()
    last = obs[
        (obs["metric"] == "collected")
        & (obs["date"] == pd.Timestamp("2023-06-15"))
        & obs["unit_key"].map(units["province_key"]).eq("40")
    ].iloc[0]
    unit = units.loc[last["unit_key"]]
    district = units.loc[unit["district_key"], "name"]
    path = write(
        tmp_path / "bo_sung.csv",
        "date,province,district,commune,collected\n"
        f"2023-06-15,Tỉnh Nghệ An,{district},{unit['name']},{int(last['value']) + 1000}\n",
    )
    upload = ingest.import_file(store, path)
    assert upload.status == "imported", upload.message
    for at in viewers:
        at.run()
        assert not at.exception and collected(at) == "2.366.662"
    assert store.undo_upload(upload.upload_id)
    for at in viewers:
        at.run()
        assert collected(at) == "2.365.662"


@pytest.mark.parametrize("kind", ["snapshot"])
def test_a_kept_result_of_other_code_is_computed_again(sample_url, monkeypatch, kind):
    store = Store.open(sample_url)
    campaign = camp.from_definition(store.campaign_definitions()[-1])
    first = shared.snapshot(store, campaign)
    with store.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE shared_results SET payload = :p WHERE kind = :k"), {"p": b"junk", "k": kind}
        )
    again = shared.snapshot(store, campaign)
    pd.testing.assert_frame_equal(again.units, first.units)


def test_status_of_units_no_campaign_covers_is_read_back_too(sample_url, tmp_path, monkeypatch):
    from cccd_analytics.cli.status import status_payload

    store = Store.open(sample_url)
    upload = ingest.import_file(
        store, report(tmp_path, "e.csv", ["2021-05-16,Huyện Mới,Xã Thử Nghiệm,90,10"])
    )
    assert upload.status == "imported", upload.message
    first = status_payload(store, None, None, "commune")
    assert any(u["campaign"] is None for u in first["units"])

    def refuse(*args, **kwargs):
        raise AssertionError("computed again")

    monkeypatch.setattr(metrics, "snapshot", refuse)
    assert status_payload(Store.open(sample_url), None, None, "commune") == first


def _same_figures(store: Store, campaign: camp.Campaign, as_of: date | None, keys=None) -> None:
    """The snapshot from Store.figure_observations is the one from current_observations."""
    units = store.units()
    full = store.current_observations(as_of=as_of, unit_keys=keys)
    lean = store.figure_observations(as_of=as_of, unit_keys=keys)
    assert len(lean) < len(full) or len(full) == 0 or set(full["metric"]) <= {"collected", "returned"}
    # collected and returned: every value in force, as current_observations has them
    mine = lean[lean["metric"].isin(["collected", "returned"])].astype({"unit_key": object, "metric": object})
    theirs = full[full["metric"].isin(["collected", "returned"])].drop(columns="upload_id")
    order = ["unit_key", "metric", "date"]
    pd.testing.assert_frame_equal(
        mine.sort_values(order).reset_index(drop=True),
        theirs.sort_values(order).reset_index(drop=True),
        check_dtype=False,
    )
    a = metrics.snapshot(full, units, campaign, as_of)
    b = metrics.snapshot(lean, units, campaign, as_of)
    assert (a.as_of, a.data_through) == (b.as_of, b.data_through)
    for name in shared.FRAMES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)


def _eligible_at_odd_days(store: Store, tmp_path) -> None:
    """Values in force on days without collected figures: a commune's eligible population
    months before the sample's first day, another's after its last and a daily count
    between (written straight into observations, in force: an import stores no row without a
    collected figure, but the read must not depend on that); and a report with gaps."""
    write(
        tmp_path / "odd.csv",
        "date,district,commune,eligible,collected,returned\n"
        "2021-05-22,Huyện Kỳ Anh,Xã Kỳ Đồng,4500,3700,2400\n"
        "2021-05-26,Huyện Kỳ Anh,Xã Kỳ Đồng,4510,3800,2450\n"
        "2021-05-18,Huyện Kỳ Anh,Xã Kỳ Tân,,4300,\n"
        "2021-05-29,Huyện Kỳ Anh,Xã Kỳ Tân,6470,4400,3200\n",
    )
    report = ingest.import_file(store, tmp_path / "odd.csv")
    assert report.status == "imported"
    from cccd_analytics.store.schema import METRIC_BITS

    with store.engine.begin() as conn:
        for unit, metric, day, value in [
            ("18814", "eligible", date(2021, 1, 5), 6400),
            ("18775", "eligible", date(2021, 6, 3), 4520),
            ("18775", "collected_day", date(2021, 5, 24), 50),
        ]:
            conn.execute(
                sa.text(
                    f"INSERT INTO observations (unit_key, date, upload_id, {metric}, in_force) "
                    "VALUES (:unit, :date, :upload, :value, :bit)"
                ),
                dict(unit=unit, date=day, upload=report.upload_id, value=value, bit=METRIC_BITS[metric]),
            )


def test_the_figures_read_in_proportion_give_the_same_snapshot_as_every_value(sample_url, tmp_path):
    store = Store.open(sample_url)
    _eligible_at_odd_days(store, tmp_path)
    campaigns = camp.stored(store)
    open_ = camp.Campaign(name="", deadline=date(2100, 1, 1), target=camp.Target("share", 1.0))
    for campaign in [*campaigns, open_]:
        for as_of in (None, date(2021, 3, 3), date(2021, 5, 21), date(2021, 5, 27), date(2023, 5, 1)):
            _same_figures(store, campaign, as_of)
    units = store.units()
    some = camp.scope_communes(campaigns[0], units)[:7]
    _same_figures(store, campaigns[0], date(2021, 4, 1), some)


def test_the_figures_read_in_proportion_is_the_same_on_postgresql(
    sample_db, pg_url, tmp_path, capsys, monkeypatch
):
    from cccd_analytics.cli import main

    assert main(["copy", "--db", f"sqlite:///{sample_db}", "--to", pg_url]) == 0
    capsys.readouterr()
    store = Store.open(pg_url)
    _eligible_at_odd_days(store, tmp_path)
    for campaign in camp.stored(store):
        for as_of in (None, date(2021, 5, 21)):
            _same_figures(store, campaign, as_of)
    _split_read_is_the_one_go_read(store, monkeypatch)


def _split_read_is_the_one_go_read(store: Store, monkeypatch) -> None:
    """A large scope is read in two halves at once (store/current.py SPLIT_UNITS): the
    frame is the one read in one go, up to the order of its rows and categories."""
    from cccd_analytics.store import current

    def read(as_of, keys):
        frame = store.figure_observations(as_of=as_of, unit_keys=keys)
        frame = frame.astype({"unit_key": object, "metric": object})
        return frame.sort_values(["unit_key", "metric", "date"]).reset_index(drop=True)

    communes = sorted(store.units().query("level == 'commune'")["key"])
    cases = [(None, None), (date(2021, 5, 21), None), (None, communes[:9]), (None, communes[:1])]
    monkeypatch.setattr(current, "SPLIT_UNITS", 10**9)
    whole = [read(*case) for case in cases]
    monkeypatch.setattr(current, "SPLIT_UNITS", 0)
    monkeypatch.setattr(current, "SPLIT_ENGINES", ("postgresql", "sqlite"))  # the same path on both
    halves = []
    real = current._halves
    monkeypatch.setattr(current, "_halves", lambda *a: halves.append(real(*a)) or halves[-1])
    for case, expected in zip(cases, whole, strict=True):
        pd.testing.assert_frame_equal(read(*case), expected)
    assert all(h is not None and all(h) for h in halves), halves  # each read in two halves
    assert len(whole[0]) and len(whole[1]) < len(whole[0])


def test_a_large_scope_read_in_two_halves_is_the_read_in_one_go(sample_url, tmp_path, monkeypatch):
    store = Store.open(sample_url)
    _eligible_at_odd_days(store, tmp_path)
    _split_read_is_the_one_go_read(store, monkeypatch)
    from cccd_analytics.store import current

    # A change committed while the halves were read (the data version moved): read again
    # in one statement, which sees one state of the data.
    monkeypatch.setattr(current, "SPLIT_ENGINES", ("sqlite",))
    versions = iter([(1,), (2,)])
    calls = []
    real_part = current._figure_part
    monkeypatch.setattr(current, "_figure_part", lambda *a: calls.append(a[3]) or real_part(*a))
    moved = current._figure_values(store.engine, None, None, lambda: next(versions))
    assert len(calls) == 3 and calls[2] is None  # two halves, then every unit in one go
    one = store.figure_observations()
    assert len(moved) == len(one) and set(moved["unit_key"]) == set(one["unit_key"])


def _reference_range(store: Store, campaign: camp.Campaign) -> tuple:
    """The campaign's first and last day from every unit's span (Store.unit_spans)."""
    spans = store.unit_spans()
    scope = camp.scope_communes(campaign, store.units(), set(spans.index))
    mine = spans.reindex([k for k in scope if k in spans.index])
    return (mine["first"].min(), mine["last"].max()) if len(mine) else (None, None)


@pytest.mark.parametrize("range_first", [True, False])
def test_the_first_view_after_a_change_gives_the_range_and_figures_a_read_up_to_the_last_day_gives(
    sample_url, tmp_path, range_first
):
    store = Store.open(sample_url)
    _eligible_at_odd_days(store, tmp_path)
    units = store.units()
    scoped = camp.stored(store)
    open_ = camp.Campaign(name="", deadline=date(2100, 1, 1), target=camp.Target("share", 1.0))
    nowhere = camp.Campaign(
        name="x", deadline=date(2100, 1, 1), target=camp.Target("share", 1.0), scope=("18814",)
    )
    for campaign in [*scoped, open_, nowhere]:
        with store.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM shared_results")
        first, last = _reference_range(store, campaign)
        if range_first:
            assert shared.data_range(store, campaign) == (first, last)
            snap = shared.snapshot(store, campaign)
        else:
            snap = shared.snapshot(store, campaign)
            assert shared.data_range(store, campaign) == (first, last)
        expected = metrics.snapshot(store.current_observations(as_of=last), units, campaign, last)
        assert snap.as_of == expected.as_of and snap.data_through == expected.data_through
        for name in shared.FRAMES:
            pd.testing.assert_frame_equal(getattr(snap, name), getattr(expected, name), check_exact=True)
        again = shared.snapshot(store, campaign, last)  # the one kept, read back
        pd.testing.assert_frame_equal(again.units, expected.units, check_exact=True)
        if not campaign.scope:  # the unit spans were kept from the same read
            assert store.shared_result(shared._key("unit_spans"), shared.version_text(store.data_version()))
            kept = shared.unit_spans(store)
            pd.testing.assert_frame_equal(
                kept.sort_index(), store.unit_spans().sort_index(), check_dtype=False
            )


def test_the_figure_read_parses_days_and_values_as_python_does():
    """The text lists the figure read parses with numpy (store/current.py): every day of
    1999-2101 (leap days, month ends, a century), a time after the day (read as the day, as
    any other read of a date), negative and large values."""
    import json
    from datetime import timedelta

    import numpy as np

    from cccd_analytics.store.current import _integers, _iso_days

    days = [date(1999, 1, 1) + timedelta(days=i) for i in range(0, 37_600, 3)]
    text = "".join(json.dumps(d.isoformat()) + "," for d in days).encode()
    assert _iso_days(text, len(days)).tolist() == days
    every = [date(1896, 1, 1) + timedelta(days=i) for i in range(76_700)]  # 1896-2105: 1900, 2000, 2100
    text = "".join(json.dumps(d.isoformat()) + "," for d in every).encode()
    assert _iso_days(text, len(every)).tolist() == every
    odd = b'"2024-02-29 00:00:00","2023-05-01",'
    assert _iso_days(odd, 2).tolist() == [date(2024, 2, 29), date(2023, 5, 1)]
    # Not a day of the calendar, or not digits where digits go: read one by one, as
    # date.fromisoformat reads them (which refuses them), never taken for another day.
    for wrong in (
        b'"2023-02-29",',
        b'"2100-02-29",',
        b'"2024-13-01",',
        b'"2024-04-31",',
        b'"2024-00-10",',
        b'"2024-0:-01",',
        b'"2024-01-1/",',
        b'"2024/01/01",',
        b"'2024-01-01',",
    ):
        with pytest.raises(ValueError):
            _iso_days(b'"2024-02-29",' + wrong, 2)
    assert len(_iso_days(b"", 0)) == 0
    values = [0, -5, 12, 2**40, 87_000]
    for text in (",".join(map(str, values)), ",".join(map(str, values)).encode()):
        assert _integers(text, len(values)).tolist() == values
    assert _integers("1.0,2", 2).tolist() == [1, 2]
    assert _integers("", 0).dtype == np.int64


def _none_computed(url: str, monkeypatch) -> list[str]:
    """Every stored campaign's figures, read with computing refused: the names of those
    that were not kept for the data version as it now is."""

    def refuse(*args, **kwargs):
        raise AssertionError("computed again")

    monkeypatch.setattr(metrics, "snapshot", refuse)
    store = Store.open(url)  # a fresh engine: another process
    missing = []
    for definition in store.campaign_definitions():
        try:
            shared.snapshot(store, camp.from_definition(definition))
        except AssertionError:
            missing.append(definition["name"])
    return missing


def test_a_campaign_added_from_the_command_line_leaves_every_campaigns_figures_kept(
    sample_url, tmp_path, monkeypatch
):
    """A saved campaign is a new data version for every campaign: `cccd campaign add`
    computes their figures, as an import does, instead of the first viewer of each."""
    from cccd_analytics.cli import main

    toml = write(
        tmp_path / "c.toml",
        'name = "Thử nghiệm"\nstart = 2021-02-17\ndeadline = 2021-06-10\ntarget = 87000\n'
        'scope = ["Huyện Kỳ Anh"]\n',
    )
    assert main(["campaign", "add", str(toml), "--db", sample_url]) == 0
    names = [d["name"] for d in Store.open(sample_url).campaign_definitions()]
    assert "Thử nghiệm" in names and len(names) >= 2
    assert _none_computed(sample_url, monkeypatch) == []


def test_a_campaign_saved_on_the_settings_page_leaves_every_campaigns_figures_kept(sample_url, monkeypatch):
    import threading

    monkeypatch.setenv("CCCD_DB_URL", sample_url)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/settings.py").run()
    before = Store.open(sample_url).data_version()
    next(b for b in at.button if b.label == "Lưu chiến dịch").click().run()
    assert not at.exception, at.exception
    assert Store.open(sample_url).data_version() != before
    for thread in threading.enumerate():
        if thread.name == "cccd-shared-refresh":
            thread.join(timeout=120)
    assert _none_computed(sample_url, monkeypatch) == []


def test_a_viewer_arriving_while_the_figures_are_computed_waits_for_them_instead_of_computing_them_too(
    sample_url, monkeypatch
):
    # The refresh an upload starts in the background, and a viewer's rerun meanwhile: one
    # computation of the campaign's figures in the process, and the viewer gets those.
    import threading

    with Store.open(sample_url).engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM shared_results")
    campaign = camp.from_definition(Store.open(sample_url).campaign_definitions()[-1])
    computing, release = threading.Event(), threading.Event()
    computed = []
    real = metrics.snapshot

    def slow(*args, **kwargs):
        computed.append(threading.current_thread().name)
        computing.set()
        release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(metrics, "snapshot", slow)
    refresh = threading.Thread(
        target=shared.snapshot, args=(Store.open(sample_url), campaign), name="refresh"
    )
    refresh.start()
    assert computing.wait(10)
    seen = {}

    def viewer():
        store = Store.open(sample_url)
        first, last = shared.data_range(store, campaign)
        seen["snap"] = shared.snapshot(store, campaign, last)

    view = threading.Thread(target=viewer, name="viewer")
    view.start()
    view.join(0.5)
    assert view.is_alive()  # waiting for the refresh, not computing beside it
    release.set()
    refresh.join(30)
    view.join(30)
    assert computed == ["refresh"]
    monkeypatch.setattr(metrics, "snapshot", real)
    expected = metrics.snapshot(
        Store.open(sample_url).current_observations(),
        Store.open(sample_url).units(),
        campaign,
        None,
    )
    assert seen["snap"].as_of == expected.as_of
    pd.testing.assert_frame_equal(seen["snap"].units, expected.units, check_exact=True)


def test_cccd_refresh_leaves_every_campaigns_figures_kept_for_the_first_viewer(
    sample_url, monkeypatch, capsys
):
    """A new release keys its figures by its own code, so none are kept after an upgrade:
    `cccd refresh`, run by a replica before it serves, computes them for every campaign."""
    from cccd_analytics.cli import main

    with Store.open(sample_url).engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM shared_results")
    assert main(["refresh", "--db", sample_url]) == 0
    names = [d["name"] for d in Store.open(sample_url).campaign_definitions()]
    assert f"Số liệu của {len(names)} chiến dịch đã sẵn" in capsys.readouterr().out
    assert _none_computed(sample_url, monkeypatch) == []
