"""Behaviour of the completion-date forecaster (cccd_analytics.analytics.forecast) and its backtest."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cccd_analytics.analytics import forecast
from cccd_analytics.analytics.forecast import COLUMNS, HORIZON_DAYS, forecast_units

START = pd.Timestamp("2021-03-01")  # a Monday
BACKTEST_DATA = next(
    (
        p / "shared" / "backtest-data"
        for p in Path(__file__).resolve().parents
        if (p / "shared" / "backtest-data").is_dir()
    ),
    Path("/nonexistent"),
)


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


# ------------------------------------------------------------------ the drain


def test_a_steady_unit_is_projected_near_its_pace():
    # no sign of a slowdown (the pace is at its peak): the robust ruler, calibrated
    f = wide(a=linear(100, 60))
    row = one(f, 100_000, 10_000).loc["a"]
    assert row.model == "drain" and row.evidence == 0
    assert row.pace_robust == pytest.approx(100.0)
    assert row.ruler_days == pytest.approx(40.0) and row.model_days == pytest.approx(40.0)


def test_a_pace_falling_from_its_peak_is_projected_later_than_the_ruler():
    eligible = 10_000
    f = wide(a=saturating_curve(80, eligible))  # ~82% covered, slowing
    as_of = f.index[-1]
    rr = one(f, eligible, 0.9 * eligible, method="run_rate").loc["a"]
    row = one(f, eligible, 0.9 * eligible).loc["a"]
    assert row.evidence > 0.5  # the pace is well below its peak
    assert row.model_days > 1.15 * row.ruler_days
    assert days_after(row.projected_date, as_of) > days_after(rr.projected_date, as_of)
    # and the truth of this synthetic series is later than the run-rate says
    t_true = -40 * np.log(1 - 0.9 / 0.95)
    assert t_true - 80 > days_after(rr.projected_date, as_of)


def test_the_campaign_s_slowdown_counts_for_a_unit_whose_own_pace_has_not_turned():
    # "a" is steady; the campaign around it has slowed: evidence for "a" too
    steady = linear(100, 80)
    slowing = saturating_curve(80, 10_000)
    alone = one(wide(a=steady), 100_000, 10_000).loc["a"]
    pooled = one(wide(a=steady, b=slowing, c=slowing * 2), [100_000, 10_000, 20_000], [10_000, 9_000, 18_000])
    assert alone.evidence == 0 and pooled.loc["a", "evidence"] > 0.5
    assert pooled.loc["a", "projected_date"] > alone.projected_date
    # the campaign's phase can be given (a milestone's units forecast alone)
    phase = forecast.campaign_phase(wide(a=steady, b=slowing, c=slowing * 2), START + pd.Timedelta(days=79))
    given = one(wide(a=steady), 100_000, 10_000, phase=phase).loc["a"]
    assert given.projected_date == pooled.loc["a", "projected_date"]


def test_a_100_percent_target_gets_a_date_later_than_a_90_percent_one():
    eligible = 10_000
    f = wide(a=saturating_curve(60, eligible, ceiling=1.0))  # ~78% covered
    as_of = f.index[-1]
    days = [
        days_after(one(f, eligible, share * eligible).loc["a"].projected_date, as_of)
        for share in (0.9, 0.95, 1.0)
    ]
    assert days[0] < days[1] < days[2] < 3 * 365


# ------------------------------------------------------- how units report


def batches(every: int, amount: float, days: int, flat_between: bool = False) -> np.ndarray:
    """+amount every ``every`` days; the days between not reported (NaN) or reported flat."""
    values = np.full(days, np.nan)
    values[every - 1 :: every] = amount * np.arange(1, days // every + 1)
    if flat_between:
        values = pd.Series(values).ffill().fillna(0).to_numpy()
    return values


@pytest.mark.parametrize("flat", [False, True], ids=["gaps between", "flat between"])
def test_batches_every_third_day_give_the_true_pace(flat):
    f = wide(a=batches(3, 700, 63, flat_between=flat))
    row = one(f, 100_000, 30_000).loc["a"]
    assert row.pace_robust == pytest.approx(700 / 3, rel=0.02)
    assert row.reporting_gap == pytest.approx(3)


def test_weekly_reports_give_the_true_pace_from_mid_week():
    f = wide(a=batches(7, 1_633, 70))
    as_of = f.index[-1] + pd.Timedelta(days=4)  # four days after the last report
    row = one(f, 100_000, 30_000, as_of=as_of).loc["a"]
    assert row.pace_robust == pytest.approx(1_633 / 7, rel=0.01)
    assert row.last_report == f.index[-1] and pd.notna(row.projected_date)


def test_a_correction_does_not_stop_the_projection_and_its_week_is_left_out():
    values = linear(100, 60)
    values[45:] -= 1_500  # the cumulative fell: earlier figures were too high
    row = one(wide(a=values), 100_000, 10_000).loc["a"]
    assert pd.notna(row.projected_date)
    assert row.pace_robust == pytest.approx(100.0)


def test_a_one_day_catch_up_upload_moves_the_pace_little():
    base = linear(100, 60)
    caught = base.copy()
    caught[-3:] += 2_000  # 20 days' worth in one day (a catch-up), three days ago
    clean = one(wide(a=base), 100_000, 20_000).loc["a"]
    spike = one(wide(a=caught), 100_000, 20_000).loc["a"]
    assert spike.pace_robust < 1.4 * clean.pace_robust
    rr_clean = one(wide(a=base), 100_000, 20_000, method="run_rate").loc["a"]
    rr_spike = one(wide(a=caught), 100_000, 20_000, method="run_rate").loc["a"]
    assert rr_spike.pace_7d > 3 * rr_clean.pace_7d


def test_holidays_in_the_past_do_not_lower_the_pace_per_working_day():
    days = pd.date_range(START, periods=56, freq="D")
    holiday = (days >= days[30]) & (days < days[37])
    daily = np.where(holiday, 0.0, 100.0)
    f = wide(a=np.cumsum(daily))
    row = one(f, 100_000, 10_000, workday_weight=lambda d: np.where(d.isin(days[holiday]), 0.0, 1.0)).loc["a"]
    assert row.pace_robust == pytest.approx(100.0)


def test_every_unit_with_progress_in_28_days_gets_a_date_and_a_range():
    cum, eligible = synthetic_campaign(500, seed=4)
    # some units stop early, some report weekly, some correct a figure
    cum.iloc[-35:, :50] = np.nan
    weekly = np.broadcast_to((np.arange(len(cum)) % 7 == 0)[:, None], (len(cum), 50))
    cum.iloc[:, 50:100] = cum.iloc[:, 50:100].where(weekly)
    cum.iloc[-10:, 100:120] -= 50
    out = forecast_units(cum, eligible, 0.9 * eligible, cum.index[-1] + pd.Timedelta(days=60), cum.index[-1])
    moving = (out["progress_28d"] > 0) & (cum.ffill().iloc[-1] < 0.9 * eligible)
    assert moving.sum() > 150
    for column in ("projected_date", "projected_low", "projected_high"):
        assert out.loc[moving, column].notna().all(), column
    assert out.loc[~moving & (cum.ffill().iloc[-1] < 0.9 * eligible), "projected_date"].isna().all()


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


@pytest.mark.parametrize("method", ["run_rate", "drain"])
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


def test_a_single_6x_day_moves_the_default_projection_far_less_than_the_ruler():
    # spikes are judged on weeks: one day of 600 instead of 100 makes a week 1.7x the
    # others, real progress that counts, but over three weeks, not as the week's pace
    base = linear(100, 60)
    spiked = base.copy()
    spiked[-4:] += 500  # one day of 600 instead of 100, four days before as_of
    as_of_f = wide(a=base)
    clean = one(as_of_f, 30_000, 15_000).loc["a"]
    spike = one(wide(a=spiked), 30_000, 15_000).loc["a"]
    shift = abs(days_after(spike.projected_date, clean.projected_date))
    rr_clean = one(as_of_f, 30_000, 15_000, method="run_rate").loc["a"]
    rr_spike = one(wide(a=spiked), 30_000, 15_000, method="run_rate").loc["a"]
    assert abs(days_after(rr_spike.projected_date, rr_clean.projected_date)) > 2 * shift


@pytest.mark.parametrize("method", ["run_rate", "drain"])
def test_missing_days_are_not_zeros(method):
    rng = np.random.default_rng(3)
    full = np.cumsum(rng.uniform(80, 120, 70))
    gappy = full.copy()
    gappy[[20, 40, 41, 42, 61, 62, 63, 66]] = np.nan  # not reported; the next report covers them
    interpolated = wide(a=gappy).interpolate(limit_area="inside")
    a = one(wide(a=gappy), 50_000, 20_000, method=method)
    b = one(interpolated, 50_000, 20_000, method=method)
    # the same figures; only how often the unit reported differs
    pd.testing.assert_frame_equal(a.drop(columns="reporting_gap"), b.drop(columns="reporting_gap"))
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


@pytest.mark.parametrize("method", ["run_rate", "drain", "saturating", "saturating_fit"])
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


@pytest.mark.parametrize("method", ["run_rate", "drain"])
def test_1000_units_in_one_call_match_units_forecast_alone(method):
    cum, eligible = synthetic_campaign(1_000)
    as_of = cum.index[-1]
    deadline = as_of + pd.Timedelta(days=90)
    # the campaign's phase is the one figure pooled over the call; given, units stand alone
    phase = forecast.campaign_phase(cum, as_of)
    out = forecast_units(cum, eligible, 0.8 * eligible, deadline, as_of, method=method)
    assert out.shape[0] == 1_000 and list(out.index) == list(cum.columns)
    assert set(COLUMNS) <= set(out.columns)
    some = ["u0003", "u0500", "u0999"]
    alone = forecast_units(
        cum[some], eligible[some], 0.8 * eligible[some], deadline, as_of, method=method, phase=phase
    )
    pd.testing.assert_frame_equal(out.loc[some], alone)


@pytest.mark.parametrize("method", ["run_rate", "drain", "saturating_fit"])
def test_low_is_not_after_projected_and_projected_not_after_high(method):
    cum, eligible = synthetic_campaign(1_000, seed=1)
    out = forecast_units(cum, eligible, 0.85 * eligible, cum.index[-1], cum.index[-1], method=method)
    far = pd.Timestamp("2200-01-01")
    lo = out.projected_low.fillna(far)
    mid = out.projected_date.fillna(far)
    hi = out.projected_high.fillna(far)
    assert (lo <= mid).all() and (mid <= hi).all()
    assert out.projected_date.notna().sum() > 900


@pytest.mark.parametrize("method", ["run_rate", "drain"])
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


def test_the_80_percent_range_and_p_on_time_come_from_one_distribution():
    # a deadline on the low end of the range: P = 0.1; on the high end: P = 0.9
    f = wide(a=saturating_curve(70, 10_000))
    first = one(f, 10_000, 8_800).loc["a"]
    at_low = one(f, 10_000, 8_800, deadline=first.projected_low).loc["a"].p_on_time
    at_high = one(f, 10_000, 8_800, deadline=first.projected_high).loc["a"].p_on_time
    at_median = one(f, 10_000, 8_800, deadline=first.projected_date).loc["a"].p_on_time
    assert at_low == pytest.approx(0.1, abs=0.03) and at_high == pytest.approx(0.9, abs=0.03)
    assert at_low < at_median < at_high


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
def test_backtest_loader_reads_three_campaigns_and_leaves_weekly_gaps_unreported():
    from cccd_analytics.analytics.backtest import load_backtest_series

    series = load_backtest_series(BACKTEST_DATA)
    assert set(series) == {"italy", "germany", "canada"}
    assert "00" not in series["germany"].cumulative.columns
    assert series["germany"].eligible.notna().all() and len(series["germany"].eligible) == 16
    assert len(series["italy"].eligible) == 21
    canada = series["canada"].cumulative
    assert "1" not in canada.columns and len(canada.columns) == 13
    assert canada.notna().mean().max() < 0.2  # one report a week, the days between NaN


@needs_data
def test_backtest_rows_are_the_snapshot_s_figures_inside_the_window():
    from cccd_analytics.analytics import backtest as bt
    from cccd_analytics.analytics import metrics

    italy = bt.load_backtest_series(BACKTEST_DATA)["italy"]
    units = ["LOM", "SIC", "TOS", "PAB"]
    small = bt.BacktestSeries("italy4", italy.cumulative[units], italy.eligible[units], italy.names[units])
    plan = bt._plan(small)
    origins = plan.origins[4:6]
    rows = bt.product_rows(plan, None, origins=origins)
    assert len(rows) and set(rows["origin"]) <= set(origins)
    assert rows["coverage"].between(bt.WINDOW_LOW, 1).all()
    assert (rows["coverage"] <= rows["threshold"] - bt.WINDOW_GAP + 1e-9).all()
    snap = metrics.snapshot(plan.obs, plan.units, bt._campaign(plan), origins[0])
    main = snap.unit_milestones[snap.unit_milestones["milestone_index"] == 0].set_index("key")
    first = rows[(rows["origin"] == origins[0]) & (rows["deadline"] == plan.goals[0][1])].set_index("key")
    for column in ("projected_date", "projected_low", "projected_high", "p_on_time", "run_rate_date"):
        pd.testing.assert_series_equal(first[column], main.loc[first.index, column], check_names=False)


# ------------------------------------------------------- one model, one calibration
#
# "The parameters cccd status runs with are the ones the calibration produced" in two
# exact checks that take seconds, where re-running the whole calibration took minutes:
# the fit re-run on the rows the calibration wrote beside the parameters gives the
# shipped parameters (any hand edit, or a calibration half written, fails here), and
# those rows are what the forecaster gives today (re-forecast through metrics.snapshot at
# origins spread over every campaign: a change of the forecaster fails there).  Set
# CCCD_FULL_CALIBRATION_CHECK=1 to re-forecast every origin instead of a sample.


def test_the_calibration_refitted_from_its_rows_gives_the_shipped_parameters():
    from cccd_analytics.analytics import backtest as bt

    rows = bt.read_calibration_rows()
    shipped = forecast.load_params()
    assert sorted(rows) == shipped.provenance["campaigns"]
    assert {n: len(bt._scored(r)) for n, r in rows.items()} == shipped.provenance["rows"]
    refitted = bt.fit_folds(dict.fromkeys(rows), neutral=rows).product
    assert bt.same_params(shipped, refitted, tol=1e-9)
    # and the check can fail: a coefficient moved by the file's last digit is caught
    moved = dataclasses.replace(
        shipped, spread_coef=(shipped.spread_coef[0] + 2e-4, *shipped.spread_coef[1:])
    )
    assert not bt.same_params(moved, refitted, tol=1e-9)


@needs_data
def test_the_calibration_rows_are_what_the_forecaster_gives_today():
    import os

    from cccd_analytics.analytics import backtest as bt

    cached = bt.read_calibration_rows()
    series = bt.load_backtest_series(BACKTEST_DATA)
    full = os.environ.get("CCCD_FULL_CALIBRATION_CHECK") == "1"
    for name, s in series.items():
        plan = bt._plan(s)
        mine = cached[name]
        origins = sorted(mine["origin"].unique())
        if not full:  # first, last and two between
            origins = [origins[i] for i in np.unique(np.linspace(0, len(origins) - 1, 4).round().astype(int))]
        today = bt.calibration_rows(
            {name: bt.product_rows(plan, bt._neutral(forecast.ForecastParams()), origins=origins)}
        )
        then = mine[mine["origin"].isin(origins)]
        key = ["origin", "key", "threshold"]
        today = today.sort_values(key).reset_index(drop=True)
        then = then.sort_values(key).reset_index(drop=True)
        assert len(today) == len(then) > 0, name
        pd.testing.assert_frame_equal(today[key], then[key], check_dtype=False)
        for column in ("last_report", "actual_date"):
            same = (today[column] == then[column]) | (today[column].isna() & then[column].isna())
            assert same.all(), f"{name} {column}"
        for column in ("model_days", "ruler_days", "unit_phase", "campaign_phase"):
            np.testing.assert_allclose(today[column], then[column], rtol=1e-12, err_msg=f"{name} {column}")


# ------------------------------------------------------- the predictive distribution


def _spread_params(**kw):
    base = forecast.load_params()
    return dataclasses.replace(base, **kw)


def test_the_spread_scales_the_range_and_p_on_time_alike():
    # one unit, two parameter sets that differ only in the spread's coefficient: the
    # range in log time is wider by the spread, and P at either end is still 0.1 / 0.9
    f = wide(a=saturating_curve(70, 10_000))
    plain = _spread_params(spread_features=("disagreement",), spread_coef=(0.0,), spread_clip=(5.0,))
    wider = _spread_params(spread_features=("disagreement",), spread_coef=(1.0,), spread_clip=(5.0,))
    a = one(f, 10_000, 8_800, params=plain).loc["a"]
    b = one(f, 10_000, 8_800, params=wider).loc["a"]
    assert a.forecast_spread == 1.0
    assert b.forecast_spread == pytest.approx(a.model_days / a.ruler_days)  # exp(|log(model / ruler)|)
    assert b.projected_date == a.projected_date  # the point forecast does not move
    as_of = f.index[-1]

    def log_width(row):
        return np.log(days_after(row.projected_high, as_of) / days_after(row.projected_low, as_of))

    assert log_width(b) == pytest.approx(b.forecast_spread * log_width(a), rel=0.1)
    for deadline, p in ((b.projected_low, 0.1), (b.projected_high, 0.9)):
        assert one(f, 10_000, 8_800, deadline=deadline, params=wider).loc["a"].p_on_time == pytest.approx(
            p, abs=0.03
        )


def test_a_unit_out_of_step_with_its_campaign_gets_a_wider_range_with_the_calibrated_spread():
    params = forecast.load_params()
    assert dict(zip(params.spread_features, params.spread_coef))["out_of_step"] > 0
    # "a" has slowed to a fifth of its peak while the campaign runs at full speed
    steady = linear(100, 80)
    slowed = np.r_[linear(100, 60), 6_000 + linear(20, 20)]
    out = one(wide(a=slowed, b=steady), [100_000, 100_000], [10_000, 10_000], phase=1.0)
    assert out.loc["a", "unit_phase"] < 0.3 and out.loc["b", "unit_phase"] == 1.0
    f = forecast.spread_features(
        out["model_days"].to_numpy(), out["ruler_days"].to_numpy(), out["unit_phase"].to_numpy(), [1.0, 1.0]
    )
    assert f["out_of_step"][0] > 1.0 and f["out_of_step"][1] == 0.0
    clipped = dict(zip(params.spread_features, params.spread_clip))
    expected = np.exp(
        sum(c * np.clip(f[n], 0, clipped[n]) for n, c in zip(params.spread_features, params.spread_coef))
    )
    np.testing.assert_allclose(out["forecast_spread"], expected)


def test_a_difficulty_beyond_what_the_calibration_saw_is_clipped():
    params = _spread_params(spread_features=("disagreement",), spread_coef=(-0.8,), spread_clip=(1.0,))
    features = {"disagreement": np.array([0.0, 0.5, 1.0, 3.0, 50.0])}
    np.testing.assert_allclose(
        forecast.spread_of(features, params), np.exp(-0.8 * np.array([0, 0.5, 1, 1, 1]))
    )
    with pytest.raises(ValueError, match="unknown spread features"):
        forecast.ForecastParams.from_json({**params.to_json(), "spread_features": ["weather"]})


def _residual_rows(rng, n, centre, scale_of, campaign="c", threshold=0.7):
    """Rows as the calibration reads them: the median is the model's time (b = 0,
    shrink 1), log(actual / median) = centre + scale_of(disagreement) x noise."""
    d = rng.uniform(0, 1.2, n)
    model = rng.uniform(200, 800, n)  # long: whole days change log time little
    noise = rng.standard_normal(n)
    actual = np.round(model * np.exp(centre + scale_of(d) * noise))
    origin = pd.Timestamp("2021-05-01") + pd.to_timedelta(np.arange(n) // 10 * 7, unit="D")
    last = origin - pd.Timedelta(days=1)
    return pd.DataFrame(
        {
            "campaign": campaign,
            "key": [f"{campaign}:{i % 10}" for i in range(n)],
            "origin": origin,
            "threshold": threshold,
            "last_report": last,
            "actual_date": last + pd.to_timedelta(np.maximum(actual, 1), unit="D"),
            "model_days": model,
            "ruler_days": model * np.exp(-d),
            "unit_phase": 1.0,
            "campaign_phase": 1.0,
        }
    )


def test_the_calibration_learns_a_spread_that_shrinks_with_the_disagreement():
    from cccd_analytics.analytics import backtest as bt

    rng = np.random.default_rng(3)
    median_as_model = forecast.ForecastParams(b0=0.0, b1=0.0, shrink=1.0)
    sets = [
        (_residual_rows(rng, 3_000, 0.0, lambda d: 0.5 * np.exp(-0.8 * d), campaign=c), median_as_model)
        for c in ("x", "y")
    ]
    fitted = bt.conformal(sets, median_as_model, features=("disagreement",), between=False)
    assert fitted.spread_features == ("disagreement",)
    assert fitted.spread_coef[0] == pytest.approx(-0.8, abs=0.15)
    # on fresh rows of the same kind the 80 % range holds about 80 %, at every difficulty
    fresh = _residual_rows(rng, 4_000, 0.0, lambda d: 0.5 * np.exp(-0.8 * d))
    m = fresh["model_days"].to_numpy()
    lo, hi, _ = forecast._conformal(m, fitted, forecast.spread_of(bt._spread_features(fresh), fitted))
    e = np.log(bt._days(fresh, "actual_date") / m)
    inside = (e >= lo) & (e <= hi)
    d = np.abs(np.log(m / fresh["ruler_days"].to_numpy()))
    for part in (d < 0.4, d > 0.8):
        assert inside[part].mean() == pytest.approx(0.8, abs=0.05)


def test_campaigns_whose_residuals_centre_apart_widen_the_distribution_for_a_new_one():
    from cccd_analytics.analytics import backtest as bt

    rng = np.random.default_rng(4)
    neutral = forecast.ForecastParams(b0=0.0, b1=0.0, shrink=1.0)

    def fit(centres, between):
        sets = [
            (_residual_rows(rng, 2_000, c, lambda d: 0.2 + 0 * d, campaign=f"k{i}"), neutral)
            for i, c in enumerate(centres)
        ]
        q = np.asarray(bt.conformal(sets, neutral, features=(), between=between).quantiles[0])
        return q[bt.PROBS.index(0.9)] - q[bt.PROBS.index(0.1)]

    alike = fit((0.0, 0.0, 0.0), True)
    apart = fit((-0.3, 0.0, 0.3), True)
    pooled = fit((-0.3, 0.0, 0.3), False)
    assert alike == pytest.approx(2 * 1.2816 * 0.2, rel=0.1)  # nothing to add between alike campaigns
    # three centres 0.3 apart: sd 0.3 x sqrt(1 + 1/3) on top of the within spread
    assert apart == pytest.approx(2 * 1.2816 * np.hypot(0.2, 0.3 * np.sqrt(4 / 3)), rel=0.1)
    assert apart > pooled
