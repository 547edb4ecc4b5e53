"""Per-unit progress: required rate over working days, pace, status, milestones, funnel;
and as-of semantics across metrics, quality, league tables and the capacity planner."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from cccd_analytics.analytics import campaigns as camp
from cccd_analytics.analytics import capacity, league, metrics, quality
from cccd_analytics.store import Store
from tests.conftest import ROOT

KY_DONG, KY_TAN, KY_THUONG = "18775", "18814", "18799"


@pytest.fixture(scope="module")
def sample(sample_db):
    store = Store.open(f"sqlite:///{sample_db}")
    frames = store.current_observations(), store.units(), store.list_uploads()
    campaigns = {c["name"]: camp.from_definition(c) for c in store.campaign_definitions()}
    store.engine.dispose()
    return (*frames, campaigns)


@pytest.fixture(scope="module")
def ky_anh(sample):
    obs, units, _, campaigns = sample
    return metrics.snapshot(obs, units, campaigns["Huyện Kỳ Anh — 87.000 thẻ CCCD trước 10/6/2021"])


@pytest.fixture(scope="module")
def nghe_an(sample):
    obs, units, _, campaigns = sample
    return metrics.snapshot(obs, units, campaigns["Cao điểm 70 ngày, đêm — Nghệ An 2023"])


def tidy(series: dict[str, dict], metric: str = "collected") -> pd.DataFrame:
    rows = [
        (key, pd.Timestamp(day), metric, float(value), 1)
        for key, values in series.items()
        for day, value in values.items()
    ]
    return pd.DataFrame(rows, columns=["unit_key", "date", "metric", "value", "upload_id"])


def eligible_rows(values: dict[str, float], day="2021-03-01") -> pd.DataFrame:
    return tidy({k: {day: v} for k, v in values.items()}, "eligible")


def campaign(**fields) -> camp.Campaign:
    base = dict(
        name="Thử",
        start=date(2021, 3, 1),
        deadline=date(2021, 4, 30),
        target=camp.Target("share", 0.8),
        scope=(KY_DONG, KY_TAN),
    )
    base.update(fields)
    return camp.Campaign(**base)


def linear(start: float, per_day: float, first="2021-03-01", last="2021-03-21") -> dict:
    return {d: start + per_day * i for i, d in enumerate(pd.date_range(first, last))}


# -- required rate, calendar, pace -----------------------------------------------------------


def test_required_rate_is_remaining_over_working_days_left_on_the_ky_anh_sample(ky_anh):
    main = ky_anh.milestones.iloc[0]
    assert (main["collected"], main["remaining"], main["days_left"]) == (59304, 27696, 26)
    # 16/5–10/6/2021 holds four Sundays at 0.7 of a weekday: 24.8 working days
    assert main["working_days_left"] == pytest.approx(24.8)
    assert main["required_per_day"] == pytest.approx(27696 / 24.8)
    # the 7-day pace per calendar day is the README's 1,020; per working day it is higher
    assert main["pace_7d"] == pytest.approx(1020.29, abs=0.01)
    assert main["pace_workday"] == pytest.approx(7142 / 6.7, abs=0.01)
    assert main["pace_ratio"] == pytest.approx(main["pace_workday"] / main["required_per_day"])


def test_without_a_calendar_every_day_counts_fully(sample, ky_anh):
    obs, units, _, _ = sample
    plain = camp.Campaign(
        name="x",
        start=date(2021, 2, 17),
        deadline=date(2021, 6, 10),
        target=camp.Target("count", 87000),
        scope=("Huyện Kỳ Anh",),
    )
    main = metrics.snapshot(obs, units, plain).milestones.iloc[0]
    assert main["working_days_left"] == 26
    assert main["required_per_day"] == pytest.approx(27696 / 26)
    assert main["required_per_day"] < ky_anh.milestones.iloc[0]["required_per_day"]


def test_a_missing_report_is_not_zero_and_a_late_report_is_spread_over_its_days(store):
    units = store.units()
    # reports on 1/3 and 2/3, nothing 3/3–5/3, then 6/3 covering four days of 10 a day
    series = {
        KY_DONG: {"2021-03-01": 100, "2021-03-02": 110, "2021-03-06": 150},
        KY_TAN: linear(200, 10, last="2021-03-06"),
    }
    obs = pd.concat([tidy(series), eligible_rows({KY_DONG: 1000, KY_TAN: 1000})])
    on_4th = metrics.snapshot(obs, units, campaign(), as_of="2021-03-04")
    row = on_4th.units.set_index("key").loc[KY_DONG]
    assert row["collected"] == 110 and row["days_since_report"] == 2 and row["reported_share"] == 0
    district = on_4th.units.set_index("key").loc["447"]
    assert district["collected"] == 110 + 230 and district["reported_share"] == 0.5
    later = metrics.snapshot(obs, units, campaign(), as_of="2021-03-06")
    # the scope's daily series spreads the 40 over 3/3–6/3 instead of a jump on 6/3
    assert (
        later.daily.set_index("date")["collected_day"].loc["2021-03-03":"2021-03-06"].tolist() == [20.0] * 4
    )
    assert later.units.set_index("key").loc[KY_DONG, "pace_7d"] == pytest.approx(10.0)


def test_status_is_judged_from_pace_and_deadline_not_from_coverage_alone(store):
    units = store.units()
    # both communes at 700 of 1000 on 21/3; one takes in 20 a day, the other 2
    obs = pd.concat(
        [
            tidy({KY_DONG: linear(300, 20), KY_TAN: linear(660, 2)}),
            eligible_rows({KY_DONG: 1000, KY_TAN: 1000}),
        ]
    )
    early = camp.Milestone("Sớm", date(2021, 3, 24), camp.Target("share", 0.8), units=(KY_DONG,))
    snap = metrics.snapshot(obs, units, campaign(milestones=(early,)))
    rows = snap.units.set_index("key")
    assert rows.loc[KY_DONG, "coverage"] == rows.loc[KY_TAN, "coverage"] == 0.7
    assert rows.loc[KY_DONG, "status"] == "on_track" and rows.loc[KY_TAN, "status"] == "behind"
    # same unit, same pace: a closer deadline turns it from on track to behind
    per = snap.unit_milestones.query("level == 'commune' and key == @KY_DONG").set_index("milestone")
    assert per.loc["Thử", "status"] == "on_track" and per.loc["Sớm", "status"] == "behind"
    assert per.loc["Sớm", "required_per_day"] > per.loc["Thử", "required_per_day"]


def test_pace_ratio_compares_progress_per_working_day_with_the_required_rate(store):
    units = store.units()
    obs = pd.concat(
        [
            tidy({KY_DONG: linear(300, 20), KY_TAN: linear(300, 20)}),
            eligible_rows({KY_DONG: 1000, KY_TAN: 1000}),
        ]
    )
    sundays_off = campaign(sunday_weight=0.0)
    row = metrics.snapshot(obs, units, sundays_off).units.set_index("key").loc[KY_DONG]
    # 15–21/3/2021 holds one Sunday: 140 taken in over 6 working days
    assert row["pace_7d"] == pytest.approx(20) and row["pace_workday"] == pytest.approx(140 / 6)
    # 22/3–30/4: 40 days, 5 of them Sundays
    assert row["working_days_left"] == 35 and row["required_per_day"] == pytest.approx(100 / 35)
    assert row["pace_ratio"] == pytest.approx((140 / 6) / (100 / 35))


# -- milestones per unit, levels, sample figures ---------------------------------------------


def test_every_unit_gets_a_row_for_each_milestone_it_belongs_to_at_every_level(nghe_an):
    um = nghe_an.unit_milestones
    counts = um.groupby(["milestone", "level"]).size().to_dict()
    assert counts[("Xã biên giới", "commune")] == 123
    assert counts[("Xã biên giới", "district")] == 6 and counts[("Xã biên giới", "province")] == 1
    assert counts[("Cao điểm 70 ngày, đêm — Nghệ An 2023", "commune")] == 460
    border = um[um["milestone"] == "Xã biên giới"]
    assert (border["deadline"] == pd.Timestamp("2023-05-30")).all()
    # after its deadline a milestone leaves no working days: required rate is infinite when not met
    unmet = border[(border["level"] == "commune") & ~border["met"] & (border["remaining"] > 0)]
    assert np.isinf(unmet["required_per_day"]).all() and (unmet["status"] == "missed").all()


def test_nghe_an_border_communes_that_met_the_30_may_milestone(sample, nghe_an):
    border = nghe_an.milestones.set_index("name").loc["Xã biên giới"]
    # README: 23 of 123 at 100 % on 30/05; 56 by 15/06
    assert (border["units"], border["units_met"], border["units_done"]) == (123, 23, 56)
    obs, units, _, campaigns = sample
    on_30_may = metrics.snapshot(obs, units, campaigns["Cao điểm 70 ngày, đêm — Nghệ An 2023"], "2023-05-30")
    row = on_30_may.milestones.set_index("name").loc["Xã biên giới"]
    assert row["units_done"] == 23 and row["coverage"] == pytest.approx(0.939, abs=0.0005)
    model = on_30_may.milestones.set_index("name").loc["Xã điểm, kiểu mẫu"]
    assert model["units_met"] == 6


def test_nghe_an_province_coverage_matches_the_readme(nghe_an):
    province = nghe_an.units.set_index("key").loc["40"]
    assert province["coverage"] == pytest.approx(0.937, abs=0.0005)
    assert nghe_an.milestones.iloc[0]["coverage"] == pytest.approx(province["coverage"])


def test_districts_and_province_roll_up_their_communes(nghe_an):
    table = nghe_an.units
    communes = table[table["level"] == "commune"]
    districts = table[table["level"] == "district"]
    assert districts["collected"].sum() == communes["collected"].sum()
    assert districts["returned"].sum() == communes["returned"].sum()
    assert districts["eligible"].sum() == table[table["level"] == "province"]["eligible"].iloc[0]


def test_funnel_backlog_and_typical_return_lag(store):
    units = store.units()
    days = pd.date_range("2021-03-01", "2021-04-20")
    collected = {d: 100.0 * (i + 1) for i, d in enumerate(days)}
    returned = {d: (100.0 * (i - 11) if i >= 12 else 0.0) for i, d in enumerate(days)}  # 12 days later
    obs = pd.concat(
        [tidy({KY_DONG: collected}), tidy({KY_DONG: returned}, "returned"), eligible_rows({KY_DONG: 100000})]
    )
    row = metrics.snapshot(obs, units, campaign(scope=(KY_DONG,))).units.set_index("key").loc[KY_DONG]
    assert row["collected"] == 5100 and row["returned"] == 3900 and row["backlog"] == 1200
    assert row["return_rate"] == pytest.approx(3900 / 5100)
    assert row["return_lag_days"] == 12


def test_coverage_gain_over_the_last_seven_days(store):
    units = store.units()
    obs = pd.concat([tidy({KY_DONG: linear(300, 20)}), eligible_rows({KY_DONG: 1000})])
    row = metrics.snapshot(obs, units, campaign(scope=(KY_DONG,))).units.set_index("key").loc[KY_DONG]
    assert row["coverage_7d_ago"] == pytest.approx(0.56) and row["coverage_gain_7d"] == pytest.approx(0.14)


def test_snapshot_carries_the_calendar_and_marks_holidays_in_the_daily_series(nghe_an):
    daily = nghe_an.daily.set_index("date")
    assert daily.loc["2023-04-30", "weight"] == 0.35 and "30/4" in daily.loc["2023-04-30", "day_label"]
    assert nghe_an.calendar["date"].iloc[-1] == pd.Timestamp("2023-06-30")


def test_unit_fields_stay_compatible(ky_anh):
    assert list(ky_anh.units.columns) == metrics.UNIT_FIELDS
    for field in (
        "key",
        "coverage",
        "pace_7d",
        "required_per_day",
        "projected_date",
        "p_on_time",
        "days_behind",
        "status",
        "last_report",
    ):
        assert field in metrics.UNIT_FIELDS


# -- as-of semantics everywhere ----------------------------------------------------------------


def test_data_after_as_of_changes_nothing_in_metrics_quality_league_and_capacity(sample):
    obs, units, uploads, campaigns = sample
    c = campaigns["Cao điểm 70 ngày, đêm — Nghệ An 2023"]
    as_of = pd.Timestamp("2023-05-12")
    cut = obs[obs["date"] <= as_of]
    # an import warning about a report dated after as_of must not show either
    late = pd.DataFrame(
        [
            dict(
                id=int(obs["upload_id"].max()),
                file_name="sau.xlsx",
                report_date=date(2023, 6, 1),
                status="active",
                warnings='[{"code": "subtotal_mismatch", "message": '
                '"dòng tổng cộng ghi 10 nhưng tổng các xã là 9 (chênh +1)."}]',
            )
        ]
    )
    uploads = pd.concat([uploads, late], ignore_index=True)
    full, past = metrics.snapshot(obs, units, c, as_of), metrics.snapshot(cut, units, c, as_of)
    for name in ("units", "daily", "milestones", "unit_milestones", "calendar"):
        pd.testing.assert_frame_equal(getattr(full, name), getattr(past, name))
    pd.testing.assert_frame_equal(
        quality.findings(obs, units, c, as_of, uploads), quality.findings(cut, units, c, as_of, uploads)
    )
    pd.testing.assert_frame_equal(
        quality.completeness(obs, units, c, as_of).grid, quality.completeness(cut, units, c, as_of).grid
    )
    for by in ("coverage", "pace_ratio", "coverage_gain_7d"):
        pd.testing.assert_frame_equal(league.top(full.units, by, 10), league.top(past.units, by, 10))
    prod = capacity.Productivity(per_team_hour=10, hours_per_day=14)
    surge = capacity.Surge(units=("417",), teams=2, days=5)
    pd.testing.assert_frame_equal(
        capacity.plan(full, units, prod).units, capacity.plan(past, units, prod).units
    )
    pd.testing.assert_frame_equal(
        capacity.what_if(full, units, surge, prod), capacity.what_if(past, units, surge, prod)
    )


def test_sample_campaign_files_have_the_calendar():
    ky_anh = camp.parse_toml((ROOT / "sample_data/ky_anh_2021/campaign.toml").read_text(encoding="utf-8"))
    assert (
        ky_anh.sunday_weight == 0.7 and dict((d, w) for d, w, _ in ky_anh.days_off)[date(2021, 4, 21)] == 0.6
    )


def _return_lag_by_brute_force(collected, returned, window, max_lag):
    """The definition, spelled out: for each of the last `window` days and each column,
    the smallest lag whose collected figure is not above the day's returned one."""
    n, m = collected.shape
    out = np.full(m, np.nan)
    for col in range(m):
        lags = []
        for t in range(max(n - window, 0), n):
            r = returned[t, col]
            found = next(
                (
                    back
                    for back in range(max_lag + 1)
                    if t - back >= 0 and r > 0 and collected[t - back, col] <= r
                ),
                None,
            )
            lags.append(np.nan if found is None else found)
        if not np.all(np.isnan(lags)):
            out[col] = np.nanmedian(lags)
    return out


@pytest.mark.parametrize("seed", range(6))
def test_return_lag_matches_its_definition_on_awkward_series(seed):
    # Cumulative series with gaps (NaN before the first report), falls, zeros and
    # returns that never catch up: the fast search must give the definition's answer.
    rng = np.random.default_rng(seed)
    n, m = 60, 40
    collected = np.cumsum(rng.integers(0, 50, size=(n, m)), axis=0).astype(float)
    collected[rng.random((n, m)) < 0.05] -= 30  # a few falls
    for col in range(0, m, 5):
        collected[: rng.integers(1, 20), col] = np.nan  # reports start late
    lag = rng.integers(0, 25, size=m)
    returned = np.vstack(
        [
            np.full(m, np.nan)
            if t < 3
            else collected[np.clip(t - lag, 0, n - 1), np.arange(m)] - rng.integers(0, 20, m)
            for t in range(n)
        ]
    )
    returned[:, ::7] = 0  # nothing returned
    returned[:, 3::11] = 1  # below every collected figure
    for window, max_lag in ((14, 90), (5, 10), (60, 3)):
        np.testing.assert_array_equal(
            metrics.return_lag(collected, returned, window, max_lag),
            _return_lag_by_brute_force(collected, returned, window, max_lag),
        )


@pytest.mark.parametrize("missing", [0.0, 0.02, 0.5, 0.95, 1.0])
def test_spread_interpolates_between_reports_and_carries_the_last_forward(missing):
    """Panel's spread (and the forecaster's interpolation inside the reports) against a
    column-by-column np.interp: gaps anywhere, none, or no report at all."""
    from cccd_analytics.analytics.forecast_pace import _interpolate_inside
    from cccd_analytics.analytics.panel import spread

    rng = np.random.default_rng(7)
    whole = np.cumsum(rng.integers(0, 40, (50, 60)), axis=0).astype(float)
    raw = np.where(rng.random(whole.shape) < missing, np.nan, whole)
    filled, first, last = spread(raw)
    inside, first_i, last_i = _interpolate_inside(raw)
    rows = np.arange(len(raw))
    for j in range(raw.shape[1]):
        seen = np.flatnonzero(~np.isnan(raw[:, j]))
        if not len(seen):
            assert (first[j], last[j]) == (-1, -1) and np.isnan(filled[:, j]).all()
            assert np.isnan(inside[:, j]).all()
            continue
        assert (first[j], last[j]) == (seen[0], seen[-1]) == (first_i[j], last_i[j])
        expected = np.interp(rows, seen, raw[seen, j])
        expected[: seen[0]] = np.nan
        np.testing.assert_allclose(filled[:, j], expected, rtol=1e-12, equal_nan=True)
        np.testing.assert_array_equal(raw[seen, j], filled[seen, j])  # a report is itself
        expected[seen[-1] + 1 :] = np.nan
        np.testing.assert_allclose(inside[:, j], expected, rtol=1e-12, equal_nan=True)
