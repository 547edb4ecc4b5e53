"""Reading a unit's pace from how it reports: the forecaster's view of the history.

The history up to the as-of day becomes one (days x units) array (``_History``),
interpolated between reports; from it come the robust pace (whole weeks ending at the
last report, corrections left out, catch-up uploads capped), the peak 28-day pace, the
progress of the last four weeks, the typical gap between reports, the plain 7-day pace
and the campaign's phase (its pooled pace against its peak).  docs/forecast.md has the
reasoning; ``forecast`` turns these into dates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cccd_analytics.analytics.forecast_params import ForecastParams, load_params
from cccd_analytics.analytics.panel import spread

#: Forecasts further than this from ``as_of`` are reported as NaT.
HORIZON_DAYS = 10 * 365
#: Progress (in the cumulative) over this many days before ``as_of`` is needed for a
#: projection; a unit without any is "không có tiến triển 28 ngày".
PROGRESS_DAYS = 28
#: A running total repeated unchanged over at least STALE_DAYS working days and in at least
#: STALE_REPEATS reports after the first, and then risen, is read as not updated over those
#: days (the rise is the backlog entered at once), not as idle days followed by a record day.
#: A weekly reporter's one or two unchanged weeks (Christmas in the Canadian series) stay
#: idle weeks: they may be a holiday, and the backtest's series are read as they were.
STALE_DAYS = 7
STALE_REPEATS = 3


def campaign_phase(
    cumulative: pd.DataFrame,
    as_of: pd.Timestamp,
    workday_weight: Callable[[pd.DatetimeIndex], np.ndarray] | None = None,
    *,
    params: ForecastParams | None = None,
) -> float:
    """The campaign's pace relative to its peak, pooled over its units (0..1).

    The units' latest 28-day progress added up, over the highest 28-day progress of
    their sum so far (each unit counted from its first report, so a unit that starts
    reporting late adds no jump).  Near 1 the campaign runs at full speed; well below
    it the campaign-wide fall has begun, which the forecaster takes as evidence for
    every unit of the campaign, including those whose own pace has not turned yet.
    """
    params = params or load_params()
    h = _History.of(cumulative, as_of, workday_weight)
    if h.n_units == 0 or not (h.last >= 0).any():
        return 1.0
    Xf = _carry_forward(h.Xi, h.first, h.last)
    gained = np.nansum(
        Xf - np.where(h.first >= 0, h.Xi[np.clip(h.first, 0, None), np.arange(h.n_units)], 0)[None, :], axis=1
    )
    cw = np.concatenate([[0.0], np.cumsum(h.hist_weight)])
    n = len(gained)
    if n <= PROGRESS_DAYS:
        return 1.0
    t = np.arange(PROGRESS_DAYS, n)
    cap = cw[t + 1] - cw[t + 1 - PROGRESS_DAYS]
    with np.errstate(divide="ignore", invalid="ignore"):
        series = np.where(cap > 0, (gained[t] - gained[t - PROGRESS_DAYS]) / cap, np.nan)
    if not np.isfinite(series).any() or np.nanmax(series) <= 0:
        return 1.0
    # "now" is where most units have reported: the median of their last reports
    now = int(np.median(h.last[h.last >= 0]))
    now_value = series[np.clip(now - PROGRESS_DAYS, 0, len(series) - 1)]
    peak = np.nanmax(series[: max(now - PROGRESS_DAYS + 1, 1)])
    if not (np.isfinite(now_value) and peak > 0):
        return 1.0
    return float(np.clip(now_value / peak, 0.0, 1.0))


# --------------------------------------------------------------------- history


@dataclass(frozen=True)
class _History:
    """The history up to ``as_of`` as arrays, with the calendar over history + horizon."""

    units: pd.Index
    start: pd.Timestamp
    Xi: np.ndarray  # interpolated between reports, NaN outside (days x units)
    reported: np.ndarray  # bool, a report that day
    first: np.ndarray  # first / last report row, -1 when none
    last: np.ndarray
    hist_weight: np.ndarray  # calendar weight of each history day
    cum_weight: np.ndarray  # cumulative capacity over history + horizon
    n_total: int
    # interpolated as reported, stale repeats included: the trackers' 7-day pace and the
    # run-rate ruler read the figures as sent (the same array when there are none)
    Xr: np.ndarray

    @property
    def n_units(self) -> int:
        return len(self.units)

    @classmethod
    def of(cls, cumulative, as_of, workday_weight) -> _History:
        as_of = pd.Timestamp(as_of).normalize()
        dates, X = _daily_history(cumulative, as_of)
        all_days = pd.date_range(dates[0], as_of + pd.Timedelta(days=HORIZON_DAYS), freq="D")
        weight = _weights(workday_weight, all_days)
        fresh = _without_stale_repeats(X, weight[: len(dates)])
        Xi, first, last = _interpolate_inside(fresh)
        Xr = Xi if fresh is X else _interpolate_inside(X)[0]
        cum_weight = np.cumsum(weight)
        return cls(
            pd.Index(cumulative.columns),
            dates[0],
            Xi,
            ~np.isnan(X),
            first,
            last,
            weight[: len(dates)],
            cum_weight,
            len(cum_weight),
            Xr,
        )


# ------------------------------------------------------------------- the pace


def _weekly_paces(h: _History, weeks: int) -> np.ndarray:
    """Progress per unit of capacity over whole weeks ending at each unit's last
    report: (weeks x units), newest first; NaN where the week is outside the data, has
    no capacity, or the cumulative fell (a correction: that week says nothing)."""
    last = np.where(h.last >= 0, h.last, 0)
    cw = np.concatenate([[0.0], np.cumsum(h.hist_weight)])
    out = np.full((weeks, h.n_units), np.nan)
    for k in range(weeks):
        end = last - 7 * k
        begin = end - 7
        ok = (h.last >= 0) & (begin >= h.first) & (end >= 0)
        inc = _take(h.Xi, end) - _take(h.Xi, begin)
        cap = cw[np.clip(end, -1, None) + 1] - cw[np.clip(begin, -1, None) + 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            out[k] = np.where(ok & (cap > 0) & (inc >= 0), inc / cap, np.nan)
    return out


def _robust_pace(h: _History, prm: ForecastParams) -> np.ndarray:
    """Mean of the last ``pace_weeks`` weekly paces, each capped at ``spike_cap`` x
    the median of the last four; a unit with less than a week of history: its whole
    span.  Judging spikes on weeks, not days, keeps batch and weekly reporters' real
    pace while a one-day catch-up upload (an outlier week) is cut back."""
    weekly = _weekly_paces(h, max(4, prm.pace_weeks))
    with np.errstate(all="ignore"):
        med = _nanmedian0(weekly)
        capped = np.where(med[None, :] > 0, np.minimum(weekly, prm.spike_cap * med[None, :]), weekly)
        pace = _nanmean0(capped[: prm.pace_weeks])
        # the recent weeks all corrections or gaps: the older ones
        pace = np.where(np.isnan(pace), _nanmean0(capped), pace)
    # too short for one whole week: the pace over the span reported
    span = _span_pace(h)
    return np.where(np.isnan(pace), span, pace)


def _span_pace(h: _History) -> np.ndarray:
    last = np.where(h.last >= 0, h.last, 0)
    first = np.where(h.first >= 0, h.first, 0)
    cw = np.concatenate([[0.0], np.cumsum(h.hist_weight)])
    inc = _take(h.Xi, last) - _take(h.Xi, first)
    cap = cw[last + 1] - cw[first + 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((h.last > h.first) & (cap > 0), np.maximum(inc, 0) / cap, np.nan)


def _peak_pace(h: _History, width: int = PROGRESS_DAYS) -> np.ndarray:
    """Highest progress per unit of capacity over any ``width``-day window so far
    (corrections, i.e. falling windows, left out)."""
    n = h.Xi.shape[0]
    if n <= width:
        return np.full(h.n_units, np.nan)
    cw = np.concatenate([[0.0], np.cumsum(h.hist_weight)])
    cap = (cw[width + 1 :] - cw[1 : n - width + 1])[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        inc = h.Xi[width:] - h.Xi[:-width]
        per = np.where((cap > 0) & (inc >= 0), inc / cap, np.nan)
    with np.errstate(all="ignore"):
        ok = np.isfinite(per).any(axis=0)
        out = np.full(h.n_units, np.nan)
        if ok.any():
            out[ok] = np.nanmax(per[:, ok], axis=0)
    return out


def _progress(h: _History) -> np.ndarray:
    """Progress over the PROGRESS_DAYS up to as_of: the rises of the four weeks before
    it added up, the last report carried forward.  A week whose cumulative fell (a
    correction) adds nothing instead of cancelling the others; NaN without data."""
    n = h.Xi.shape[0]
    Xf = _carry_forward(h.Xi, h.first, h.last)
    total = np.zeros(h.n_units)
    for k in range(PROGRESS_DAYS // 7):
        end, begin = n - 1 - 7 * k, n - 1 - 7 * (k + 1)
        if end < 0:
            break
        a = Xf[end]
        b = Xf[begin] if begin >= 0 else np.full(h.n_units, np.nan)
        # a unit that started reporting inside the week: from its first report
        b = np.where(np.isnan(b) & (h.first >= 0) & (h.first <= end), _take(h.Xi, h.first), b)
        with np.errstate(invalid="ignore"):
            total += np.where(np.isfinite(a - b), np.maximum(a - b, 0.0), 0.0)
    return np.where(h.last >= 0, total, np.nan)


def _reporting_gap(h: _History) -> np.ndarray:
    """Typical days between a unit's increases over the last 4 weeks (1 = daily; 3 =
    batches every third day, whether the days between are reported flat or not at all;
    7 = weekly); NaN with fewer than two increases there."""
    n = h.reported.shape[0]
    rows = np.arange(n)[:, None]
    prev = np.maximum.accumulate(np.where(h.reported, rows, -1), axis=0)
    # the previous report's value, to tell an increase from a flat report; looked up only
    # for the days of the window (a nation's 120 days × 10.000 units: a quarter of them)
    prev_report = np.vstack([np.full((1, h.n_units), -1), prev[:-1]])
    start = max(n - PROGRESS_DAYS, 0)
    before = _take_rows(h.Xi, prev_report[start:])
    with np.errstate(invalid="ignore"):
        window = h.reported[start:] & (prev_report[start:] >= 0) & (h.Xi[start:] > before)
    count = window.sum(axis=0)
    first = np.argmax(window, axis=0)
    last = len(window) - 1 - np.argmax(window[::-1], axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(count >= 2, (last - first) / np.maximum(count - 1, 1), np.nan)


def _pace_7d(Xi, first, last):
    inc, _ = _window_progress(Xi, first, last, np.ones(Xi.shape[0]), 7)
    days = np.minimum(7, last - first)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(days > 0, inc / days, np.nan)


# -------------------------------------------------------------------- plumbing


def _daily_history(cumulative: pd.DataFrame, as_of: pd.Timestamp):
    if not isinstance(cumulative.index, pd.DatetimeIndex):
        raise TypeError("cumulative must have a DatetimeIndex")
    hist = cumulative.loc[cumulative.index <= as_of]
    start = hist.index.min() if len(hist) else as_of
    dates = pd.date_range(start.normalize(), as_of, freq="D")
    if not (hist.index.is_unique and (hist.index == hist.index.normalize()).all()):
        hist = hist.groupby(hist.index.normalize()).last()  # several rows a day: keep the last
    hist = hist.reindex(dates)
    return dates, hist.to_numpy(dtype=float, na_value=np.nan)


def _without_stale_repeats(X: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """The reports that only repeat a running total held over STALE_DAYS or more of working
    capacity (``weight``, one per row) and STALE_REPEATS reports before it rose again, as
    not reported (NaN), so that the rise is spread over the days it was gathered in.

    A unit that sends the same total day after day for a week or two and then its backlog
    at once has worked all along: read as idle weeks and one record week, its whole-week
    pace counted the record week at the spike cap (2 x the median of weeks mostly zero) and
    its peak 28-day pace jumped, so the model saw a slowdown that was not there and a unit
    well ahead of its need was "chậm tiến độ".  Only runs ended by a rise within the
    history are touched: a total still unchanged on the last report is what the unit says
    today, and stays no progress.  A run over days off (Tết reported flat) has no capacity
    and stays as it is, as do shorter repeats.
    """
    n, m = X.shape
    if n < STALE_REPEATS + 2:
        return X
    reported = ~np.isnan(X)
    rows = np.arange(n)[:, None]
    # a report equal to the previous report (the last one carried forward); pandas' ffill,
    # as Panel's spread, is about twice as fast as gathering the previous report's row
    carried = pd.DataFrame(X).ffill().to_numpy()
    repeat = np.zeros_like(reported)
    with np.errstate(invalid="ignore"):
        repeat[1:] = reported[1:] & (X[1:] == carried[:-1])
    # Performance: only the units with enough repeats at all are looked at further (a
    # nation's communes mostly have none).
    some = np.flatnonzero(repeat.sum(axis=0) >= STALE_REPEATS)
    if not len(some):
        return X
    Xs, rep, new = X[:, some], repeat[:, some], reported[:, some] & ~repeat[:, some]
    cols = np.arange(len(some))[None, :]
    # the row the repeated total was first sent, and the next row it changed (n: never)
    since = np.maximum.accumulate(np.where(new, rows, -1), axis=0)
    change = np.minimum.accumulate(np.where(new, rows, n)[::-1], axis=0)[::-1]
    following = np.vstack([change[1:], np.full((1, len(some)), n)])
    ends = following < n
    later = np.where(ends, Xs[np.minimum(following, n - 1), cols], np.nan)
    count = np.vstack([np.zeros((1, len(some))), np.cumsum(rep, axis=0)])
    start = np.maximum(since, 0)
    repeats = count[following, cols] - count[start + 1, cols]
    cw = np.concatenate([[0.0], np.cumsum(weight)])
    capacity = cw[np.minimum(following + 1, n)] - cw[start + 1]  # the days the rise was gathered in
    with np.errstate(invalid="ignore"):
        stale = rep & ends & (later > Xs) & (capacity >= STALE_DAYS) & (repeats >= STALE_REPEATS)
    if not stale.any():
        return X
    out = X.copy()
    out[:, some] = np.where(stale, np.nan, Xs)
    return out


def _interpolate_inside(X):
    """Linear interpolation of each column between its reported values; NaN before the
    first and after the last report.  Returns (values, first_idx, last_idx), -1 where
    a unit has no data.  Panel's spread without the carrying forward."""
    filled, first, last = spread(X)
    after = np.arange(X.shape[0])[:, None] > last[None, :]
    return np.where(after, np.nan, filled), first, last


def _carry_forward(Xi, first, last):
    """The interpolated history with each unit's last report carried to the end."""
    n = Xi.shape[0]
    rows = np.arange(n)[:, None]
    lastv = _take(Xi, np.where(last >= 0, last, 0))
    return np.where((rows > last[None, :]) & (last[None, :] >= 0), lastv[None, :], Xi)


def _take_rows(Xi, rows):
    """Xi[rows[i, j], j] for a (days x units) array of row indices; NaN where < 0."""
    n = Xi.shape[0]
    vals = Xi[np.clip(rows, 0, n - 1), np.arange(Xi.shape[1])[None, :]]
    return np.where(rows >= 0, vals, np.nan)


def _take(Xi, idx):
    n = Xi.shape[0]
    ok = (idx >= 0) & (idx < n)
    vals = Xi[np.clip(idx, 0, n - 1), np.arange(Xi.shape[1])]
    return np.where(ok, vals, np.nan)


def _window_progress(Xi, first, end, hist_weight, width):
    """Progress and capacity over the ``width`` days ending at ``end`` (per unit),
    shortened to the interpolated range; NaN where there is no such window."""
    start = np.maximum(end - width, first)  # cumulative at the day before the window
    ok = (end > start) & (end >= 0)
    inc = np.where(ok, _take(Xi, end) - _take(Xi, start), np.nan)
    cw = np.concatenate([[0.0], np.cumsum(hist_weight)])
    cap = np.where(ok, cw[np.clip(end, -1, None) + 1] - cw[np.clip(start, -1, None) + 1], np.nan)
    return inc, cap


def _weights(workday_weight, days: pd.DatetimeIndex) -> np.ndarray:
    if workday_weight is None:
        return np.ones(len(days))
    w = np.asarray(workday_weight(days), dtype=float)
    if w.shape != (len(days),):
        raise ValueError("workday_weight must return one weight per date")
    if np.any(~np.isfinite(w)) or np.any(w < 0):
        raise ValueError("workday weights must be finite and >= 0")
    return w


def _nanmean0(a):
    n = np.sum(~np.isnan(a), axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, np.nansum(a, axis=0) / np.maximum(n, 1), np.nan)


def _nanmedian0(a):
    out = np.full(a.shape[1], np.nan)
    ok = ~np.all(np.isnan(a), axis=0)
    if ok.any():
        out[ok] = np.nanmedian(a[:, ok], axis=0)
    return out
