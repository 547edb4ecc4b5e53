"""Behaviour of the completion-date forecaster (cccd_analytics.analytics.forecast) and its backtest."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cccd_analytics.analytics.forecast import COLUMNS, HORIZON_DAYS, forecast_units

START = pd.Timestamp("2021-03-01")  # a Monday
BACKTEST_DATA = Path(__file__).resolve().parents[2] / "shared" / "backtest-data"


def wide(**series) -> pd.DataFrame:
    """Daily cumulative frame from lists (one per unit), starting on START."""
    n = max(len(v) for v in series.values())
    index = pd.date_range(START, periods=n, freq="D")
    return pd.DataFrame(
        {k: pd.Series(np.asarray(v, dtype=float), index=index[: len(v)]) for k, v in series.items()},
        index=index,
    )


def linear(per_day: float, days: int, start: float = 0.0) -> np.ndarray:
    return start + per_day * np.arange(1, days + 1)


def saturating_curve(days: int, eligible: float, ceiling: float = 0.95, tau: float = 40.0):
    t = np.arange(1, days + 1)
    return eligible * ceiling * (1 - np.exp(-t / tau))


def one(frame, eligible, target, deadline=None, method="default", **kw):
    as_of = kw.pop("as_of", frame.index[-1])
    deadline = as_of + pd.Timedelta(days=60) if deadline is None else deadline
    units = frame.columns
    return forecast_units(
        frame,
        pd.Series(eligible, index=units, dtype=float),
        pd.Series(target, index=units, dtype=float),
        deadline,
        as_of,
        method=method,
        **kw,
    )


def days_after(ts, as_of):
    return (ts - as_of).days


# --------------------------------------------------------------------- baseline


def test_run_rate_is_remaining_over_the_7_day_pace_on_a_linear_series():
    f = wide(a=linear(100, 60))  # 6,000 by day 60
    out = one(f, 100_000, 10_000, method="run_rate")
    row = out.loc["a"]
    assert row.pace_7d == pytest.approx(100.0)
    assert days_after(row.projected_date, f.index[-1]) == 40  # 4,000 / 100
    assert row.model == "run_rate"
    assert list(out.columns[: len(COLUMNS)]) == COLUMNS


def test_pace_7d_is_the_mean_per_day_of_the_last_7_days():
    values = linear(100, 30)
    values[-7:] += np.arange(1, 8) * 50  # the last week ran at 150 a day
    out = one(wide(a=values), 100_000, 50_000)
    assert out.loc["a", "pace_7d"] == pytest.approx(150.0)


# ---------------------------------------------------------------- saturating


def test_saturating_projects_later_than_run_rate_when_slowing_near_saturation():
    eligible = 10_000
    f = wide(a=saturating_curve(80, eligible))  # ~82% covered, slowing
    as_of = f.index[-1]
    rr = one(f, eligible, 0.9 * eligible, method="run_rate").loc["a"]
    sat = one(f, eligible, 0.9 * eligible).loc["a"]
    assert sat.model == "saturating"
    assert days_after(sat.projected_date, as_of) > 1.3 * days_after(rr.projected_date, as_of)
    # and the truth of this synthetic series is later than the run-rate says
    t_true = -40 * np.log(1 - 0.9 / 0.95)
    assert t_true - 80 > days_after(rr.projected_date, as_of)


def test_a_100_percent_target_gets_a_date_later_than_a_90_percent_one():
    eligible = 10_000
    f = wide(a=saturating_curve(60, eligible, ceiling=1.0))  # ~78% covered
    as_of = f.index[-1]
    days = [
        days_after(one(f, eligible, share * eligible).loc["a"].projected_date, as_of)
        for share in (0.9, 0.95, 1.0)
    ]
    assert days[0] < days[1] < days[2] < 3 * 365


def test_a_unit_already_at_target_gets_its_first_day_there_and_p_on_time_1():
    values = linear(100, 40)  # 2,000 reached on day 20 (index 19)
    f = wide(a=values)
    reached_on = f.index[19]
    out = one(f, 10_000, 2_000, deadline=reached_on)
    row = out.loc["a"]
    assert row.projected_date == reached_on
    assert row.projected_low == row.projected_high == reached_on
    assert row.p_on_time == 1.0
    late = one(f, 10_000, 2_000, deadline=reached_on - pd.Timedelta(days=1)).loc["a"]
    assert late.p_on_time == 0.0


def test_a_unit_with_no_data_gets_nat_and_nan():
    f = wide(a=linear(100, 30), empty=[np.nan] * 30)
    out = one(f, 10_000, 5_000)
    row = out.loc["empty"]
    assert pd.isna(row.projected_date)
    assert pd.isna(row.projected_low) and pd.isna(row.projected_high)
    assert np.isnan(row.p_on_time) and np.isnan(row.pace_7d)
    assert pd.notna(out.loc["a", "projected_date"])


def test_a_stalled_unit_is_not_projected_and_has_p_on_time_0():
    f = wide(a=np.r_[linear(100, 20), np.full(40, 2_000.0)])
    row = one(f, 10_000, 5_000).loc["a"]
    assert pd.isna(row.projected_date)
    assert row.p_on_time == 0.0


def test_target_beyond_the_horizon_is_nat():
    f = wide(a=linear(1, 60))  # 1 a day, 9,940 to go
    row = one(f, 100_000, 10_000, method="run_rate").loc["a"]
    assert 9_940 > HORIZON_DAYS and pd.isna(row.projected_date)


# ------------------------------------------------------------------ calendar


@pytest.mark.parametrize("method", ["run_rate", "saturating"])
def test_sundays_off_from_now_on_push_the_projection_later(method):
    f = wide(a=linear(100, 56))  # worked every day so far
    as_of = f.index[-1]

    def sundays_off_from_tomorrow(days):
        return np.where((days > as_of) & (days.day_of_week == 6), 0.0, 1.0)

    plain = one(f, 100_000, 10_000, method=method).loc["a"]
    cal = one(f, 100_000, 10_000, method=method, workday_weight=sundays_off_from_tomorrow).loc["a"]
    d_plain = days_after(plain.projected_date, as_of)
    d_cal = days_after(cal.projected_date, as_of)
    assert d_cal > d_plain
    assert d_cal == pytest.approx(d_plain * 7 / 6, abs=2)
    assert cal.projected_date.day_of_week != 6  # nothing is finished on a day off


def test_a_holiday_week_ahead_pushes_the_projection_back_a_week():
    f = wide(a=linear(100, 56))
    as_of = f.index[-1]
    holiday = pd.date_range(as_of + pd.Timedelta(days=10), periods=7, freq="D")

    def with_holiday(days):
        return np.where(days.isin(holiday), 0.0, 1.0)

    plain = one(f, 100_000, 10_000, method="run_rate").loc["a"]
    cal = one(f, 100_000, 10_000, method="run_rate", workday_weight=with_holiday).loc["a"]
    assert days_after(cal.projected_date, plain.projected_date) == 7


def test_a_calendar_that_also_describes_the_past_keeps_the_weekly_pace():
    # no work on Sundays in the history either: the rate is per working day, so the
    # weekly throughput (and the projection) stays the same, give or take a day
    daily = np.where(pd.date_range(START, periods=56).day_of_week == 6, 0.0, 100.0)
    f = wide(a=np.cumsum(daily))

    def sundays_off(days):
        return np.where(days.day_of_week == 6, 0.0, 1.0)

    plain = one(f, 100_000, 10_000, method="run_rate").loc["a"]
    cal = one(f, 100_000, 10_000, method="run_rate", workday_weight=sundays_off).loc["a"]
    assert abs(days_after(cal.projected_date, plain.projected_date)) <= 1


# ------------------------------------------------------------------ glitches


def test_a_single_6x_spike_moves_the_default_projection_by_less_than_5_days():
    base = linear(100, 60)
    spiked = base.copy()
    spiked[-4:] += 500  # one day of 600 instead of 100, four days before as_of
    as_of_f = wide(a=base)
    clean = one(as_of_f, 30_000, 15_000).loc["a"]
    spike = one(wide(a=spiked), 30_000, 15_000).loc["a"]
    shift = abs(days_after(spike.projected_date, clean.projected_date))
    assert shift < 5
    # the trackers' run-rate is thrown much further by the same spike
    rr_clean = one(as_of_f, 30_000, 15_000, method="run_rate").loc["a"]
    rr_spike = one(wide(a=spiked), 30_000, 15_000, method="run_rate").loc["a"]
    assert abs(days_after(rr_spike.projected_date, rr_clean.projected_date)) > 4 * max(shift, 1)


@pytest.mark.parametrize("method", ["run_rate", "saturating"])
def test_missing_days_are_not_zeros(method):
    rng = np.random.default_rng(3)
    full = np.cumsum(rng.uniform(80, 120, 70))
    gappy = full.copy()
    gappy[[20, 40, 41, 42, 61, 62, 63, 66]] = np.nan  # not reported; the next report covers them
    interpolated = wide(a=gappy).interpolate(limit_area="inside")
    a = one(wide(a=gappy), 50_000, 20_000, method=method)
    b = one(interpolated, 50_000, 20_000, method=method)
    pd.testing.assert_frame_equal(a, b)
    true_pace = (full[69] - full[62]) / 7
    assert a.loc["a", "pace_7d"] == pytest.approx(true_pace, rel=0.1)
    # reading the gap as days without progress (carry the last value) gets it wrong
    as_zeros = one(wide(a=gappy).ffill(), 50_000, 20_000, method=method)
    assert abs(as_zeros.loc["a", "pace_7d"] / true_pace - 1) > 0.15


def test_a_unit_that_did_not_report_today_is_projected_from_its_last_report():
    values = np.r_[linear(100, 50), [np.nan] * 3]
    out = one(wide(a=values), 100_000, 10_000, method="run_rate").loc["a"]
    last = START + pd.Timedelta(days=49)
    assert out.last_report == last
    assert out.pace_7d == pytest.approx(100.0)
    assert days_after(out.projected_date, last) == 50  # (10,000 - 5,000) / 100


# --------------------------------------------------------------- look-ahead


@pytest.mark.parametrize("method", ["run_rate", "saturating", "saturating_fit"])
def test_data_after_as_of_changes_nothing(method):
    rng = np.random.default_rng(7)
    f = wide(a=np.cumsum(rng.uniform(50, 150, 90)), b=np.cumsum(rng.uniform(10, 90, 90)))
    as_of = f.index[59]
    past = one(f.loc[:as_of], [20_000, 9_000], [15_000, 6_000], method=method, as_of=as_of)
    future = f.copy()
    future.loc[future.index > as_of] *= 10  # wildly different future
    with_future = one(future, [20_000, 9_000], [15_000, 6_000], method=method, as_of=as_of)
    pd.testing.assert_frame_equal(past, with_future)


# ------------------------------------------------------------- vectorisation


def synthetic_campaign(n_units: int, days: int = 120, seed: int = 0):
    rng = np.random.default_rng(seed)
    eligible = rng.uniform(2_000, 50_000, n_units)
    speed = rng.uniform(0.005, 0.04, n_units)
    t = np.arange(1, days + 1)[:, None]
    cum = eligible * 0.95 * (1 - np.exp(-speed * t)) * rng.lognormal(0, 0.01, (days, n_units))
    cum = np.maximum.accumulate(cum, axis=0)
    cum[rng.random(cum.shape) < 0.03] = np.nan
    units = [f"u{i:04d}" for i in range(n_units)]
    index = pd.date_range(START, periods=days, freq="D")
    return pd.DataFrame(cum, index=index, columns=units), pd.Series(eligible, index=units)


@pytest.mark.parametrize("method", ["run_rate", "saturating"])
def test_1000_units_in_one_call_match_units_forecast_alone(method):
    cum, eligible = synthetic_campaign(1_000)
    as_of = cum.index[-1]
    deadline = as_of + pd.Timedelta(days=90)
    out = forecast_units(cum, eligible, 0.8 * eligible, deadline, as_of, method=method)
    assert out.shape[0] == 1_000 and list(out.index) == list(cum.columns)
    assert set(COLUMNS) <= set(out.columns)
    some = ["u0003", "u0500", "u0999"]
    alone = forecast_units(cum[some], eligible[some], 0.8 * eligible[some], deadline, as_of, method=method)
    pd.testing.assert_frame_equal(out.loc[some], alone)


@pytest.mark.parametrize("method", ["run_rate", "saturating", "saturating_fit"])
def test_low_is_not_after_projected_and_projected_not_after_high(method):
    cum, eligible = synthetic_campaign(1_000, seed=1)
    out = forecast_units(cum, eligible, 0.85 * eligible, cum.index[-1], cum.index[-1], method=method)
    far = pd.Timestamp("2200-01-01")
    lo = out.projected_low.fillna(far)
    mid = out.projected_date.fillna(far)
    hi = out.projected_high.fillna(far)
    assert (lo <= mid).all() and (mid <= hi).all()
    assert out.projected_date.notna().sum() > 900


@pytest.mark.parametrize("method", ["run_rate", "saturating"])
def test_p_on_time_rises_with_the_deadline(method):
    cum, eligible = synthetic_campaign(300, seed=2)
    as_of = cum.index[-1]
    ps = [
        forecast_units(cum, eligible, 0.85 * eligible, as_of + pd.Timedelta(days=d), as_of, method=method)[
            "p_on_time"
        ].to_numpy()
        for d in (-5, 0, 10, 30, 60, 120, 365, 2000)
    ]
    ps = np.vstack(ps)
    assert np.all(np.diff(ps, axis=0) >= -1e-12)
    assert np.all((ps >= 0) & (ps <= 1))


def test_p_on_time_is_about_one_half_at_the_projected_date():
    f = wide(a=saturating_curve(70, 10_000))
    first = one(f, 10_000, 8_800).loc["a"]
    at_median = one(f, 10_000, 8_800, deadline=first.projected_date).loc["a"]
    assert 0.4 < at_median.p_on_time < 0.65


def test_per_unit_deadlines():
    f = wide(a=linear(100, 60), b=linear(100, 60))
    as_of = f.index[-1]
    deadlines = pd.Series({"a": as_of + pd.Timedelta(days=10), "b": as_of + pd.Timedelta(days=400)})
    out = one(f, 100_000, 10_000, deadline=deadlines, method="run_rate")
    assert out.loc["a", "p_on_time"] < 0.05 and out.loc["b", "p_on_time"] > 0.95


def test_unknown_method_is_refused():
    with pytest.raises(ValueError, match="unknown method"):
        one(wide(a=linear(1, 10)), 100, 50, method="magic")


# ----------------------------------------------------------------- backtest


needs_data = pytest.mark.skipif(
    not (BACKTEST_DATA / "italy_regions_dose1.csv").exists(), reason="no shared backtest data"
)


@needs_data
def test_backtest_loader_leaves_out_national_total_and_regions_without_population():
    from cccd_analytics.analytics.backtest import load_backtest_series

    series = load_backtest_series(BACKTEST_DATA)
    assert set(series) == {"italy", "germany"}
    assert "00" not in series["germany"].cumulative.columns
    assert series["germany"].eligible.notna().all() and len(series["germany"].eligible) == 16
    assert len(series["italy"].eligible) == 21


@needs_data
def test_on_real_regions_the_default_beats_run_rate_on_the_90_percent_date():
    from cccd_analytics.analytics.backtest import (
        BacktestSeries,
        load_backtest_series,
        run_backtest,
        summarise,
    )

    italy = load_backtest_series(BACKTEST_DATA)["italy"]
    units = ["LOM", "SIC", "TOS", "PAB"]
    small = BacktestSeries("italy4", italy.cumulative[units], italy.eligible[units])
    res = run_backtest([small], thresholds=(0.9,), step_days=14)
    s = summarise(res).set_index("method")
    assert s.loc["saturating", "mae_days"] < 0.8 * s.loc["run_rate", "mae_days"]
    assert s.loc["saturating", "coverage_80"] > s.loc["run_rate", "coverage_80"]
