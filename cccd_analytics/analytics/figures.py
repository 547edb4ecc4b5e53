"""Progress of a set of columns against one goal: the glossary's figures per unit.

``_figures`` (and its public face ``goal_figures``) turns a `Panel` of cumulative counts,
their eligible population, a target and a deadline into coverage, remaining, 7-day
pace, required daily rate, pace ratio, projected date and range, P(on time), status and
its note: the same function for a commune, a district, a milestone, a priority group or
a channel.  ``_week_and_reporting`` and ``_funnel`` add the week-on-week and
collected-to-returned columns of the snapshot's main table.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cccd_analytics.analytics import campaigns as camp
from cccd_analytics.analytics import forecast
from cccd_analytics.analytics.panel import Panel
from cccd_analytics.analytics.status import _status, forecast_notes, forecast_reasons

#: Days of the pace window and of "this week" (coverage gain).
PACE_DAYS = 7
#: Collection-to-return lag: median over this many last days, looking back at most
#: RETURN_LAG_MAX days.
RETURN_LAG_WINDOW = 14
RETURN_LAG_MAX = 90


# -- figures for one set of columns against one goal -------------------------------------


@dataclass(frozen=True)
class _Context:
    campaign: camp.Campaign
    as_of: pd.Timestamp
    days: pd.DatetimeIndex
    weights: np.ndarray  # calendar weight of each day in `days`
    method: str = "default"
    params: forecast.ForecastParams | None = None  # None: the calibrated ones
    phase: float | None = None  # the campaign's pace against its peak (all its communes)

    def weight_fn(self, days: pd.DatetimeIndex) -> np.ndarray:
        return camp.workday_weights(self.campaign, days)


def _positive(values) -> pd.Series:
    values = pd.Series(values, dtype=float)
    return values.where(values > 0)


def _pace_workday(panel: Panel, weights: np.ndarray) -> np.ndarray:
    """Progress over the 7 days up to each column's last report ÷ the working capacity
    of those days (per normal working day)."""
    cw = np.concatenate([[0.0], np.cumsum(weights)])
    last = panel.last
    ok = last > panel.first
    lo = np.maximum(last - PACE_DAYS, panel.first)
    cols = np.arange(len(panel.columns))
    li, si = np.clip(last, 0, None), np.clip(lo, 0, None)
    inc = panel.filled[li, cols] - panel.filled[si, cols] if len(panel.days) else np.zeros(len(cols))
    cap = cw[li + 1] - cw[si + 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ok & (cap > 0), inc / cap, np.nan)


def _figures(
    panel: Panel, eligible: pd.Series, target: pd.Series, deadline: pd.Timestamp, ctx: _Context
) -> pd.DataFrame:
    """Progress of each column of ``panel`` against ``target`` by ``deadline``."""
    cols = panel.columns
    eligible = _positive(eligible.reindex(cols))
    target = _positive(target.reindex(cols))
    fc = forecast.forecast_units(
        panel.frame(),
        eligible,
        target,
        deadline,
        ctx.as_of,
        ctx.weight_fn,
        ctx.method,
        params=ctx.params,
        phase=ctx.phase,
    )
    collected = pd.Series(panel.current(), index=cols)
    has_data = panel.last >= 0
    days_left = max((deadline - ctx.as_of).days, 0)
    working_left = camp.working_days(ctx.campaign, ctx.as_of, deadline)
    remaining = (target - collected).clip(lower=0)
    if working_left > 0:
        required = remaining / working_left
    else:
        required = remaining.where(remaining == 0, np.inf)
    done = (collected >= target - 0.5).to_numpy()
    pace_workday, pace_ratio, steady_ratio, stalled, status = _judged(
        panel, fc, required, done, ctx, ctx.as_of > deadline, _pace_shown(panel, fc, eligible, ctx)
    )
    projected = pd.to_datetime(fc["projected_date"])
    reached_on = projected.where(done)
    last_report = pd.Series(
        panel.days[np.clip(panel.last, 0, None)] if len(panel.days) else pd.NaT, index=cols
    ).where(has_data)
    out = pd.DataFrame(
        {
            "run_rate_date": _run_rate_date(remaining, fc["pace_7d"], ctx.as_of, done),
            "eligible": eligible,
            "target": target,
            "collected": collected,
            "coverage": collected / eligible,
            "remaining": remaining,
            "pace_7d": fc["pace_7d"],
            "pace_workday": pace_workday,
            "required_per_day": required,
            "pace_ratio": pace_ratio,
            "deadline": deadline,
            "days_left": days_left,
            "working_days_left": working_left,
            "projected_date": projected,
            "projected_low": fc["projected_low"],
            "projected_high": fc["projected_high"],
            "p_on_time": fc["p_on_time"].where(~_first_report_only(panel, stalled, ctx.as_of)),
            "days_behind": (projected - deadline).dt.days,
            "status": status,
            "reached_on": reached_on,
            "met": done & (reached_on <= deadline).to_numpy(),
            "last_report": last_report,
            "pace_robust": fc["pace_robust"],
            "pace_tail": fc.get("pace_tail", np.nan),
            "evidence": fc["evidence"],
            "ruler_days": fc["ruler_days"],
            "model_days": fc["model_days"],
            "median_days": fc["median_days"],
            "unit_phase": fc.get("unit_phase", np.nan),
            "campaign_phase": fc.get("campaign_phase", np.nan),
            "forecast_spread": fc.get("forecast_spread", np.nan),
        },
        index=cols,
    )
    judged = out.assign(
        stalled=stalled,
        steady_ratio=steady_ratio,
        pace_peak=fc["pace_peak"],
        days_silent=_days_since_last(panel, ctx.as_of),
        days_reported=_days_reported(panel),
    )
    gap = fc["reporting_gap"].to_numpy(dtype=float)
    return out.assign(
        forecast_note=forecast_notes(judged, gap), forecast_reason=forecast_reasons(judged, gap)
    )


def _judged(
    panel: Panel,
    fc: pd.DataFrame,
    required: pd.Series,
    done: np.ndarray,
    ctx: _Context,
    past_deadline: bool,
    shown: np.ndarray,
):
    """The paces against the required rate and the status they give:
    (pace_workday, pace_ratio, steady_ratio, stalled, status).  `shown`: the highest pace
    per working day each unit or its peers have shown (`_pace_shown`)."""
    cols = panel.columns
    has_data = panel.last >= 0
    pace_workday = pd.Series(_pace_workday(panel, ctx.weights), index=cols)
    with np.errstate(divide="ignore", invalid="ignore"):
        pace_ratio = pace_workday / required.replace(0, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        steady_ratio = fc["pace_robust"] / required.replace(0, np.nan)
    stalled = has_data & ~done & ~(fc["progress_28d"].fillna(0).to_numpy() > 0)
    first_only = _first_report_only(panel, stalled, ctx.as_of)
    status = _status(
        done,
        has_data,
        np.full(len(cols), past_deadline),
        fc["p_on_time"].to_numpy(dtype=float),
        pace_ratio.fillna(0).to_numpy(dtype=float),
        steady_ratio.to_numpy(dtype=float),
        stalled & ~first_only,
    )
    # One report leaves the pace unknown, not the unit fine: it stays red where what is left
    # cannot be done at all, no working day left or a need per working day above any pace
    # the unit or its peers have shown.
    need = required.to_numpy(dtype=float)
    hopeless = np.isinf(need) | (need > shown)  # NaN shown: nothing known, not hopeless
    status = np.where(first_only & (status == "behind") & ~hopeless, "at_risk", status)
    return pace_workday, pace_ratio, steady_ratio, stalled, status


def _pace_shown(panel: Panel, fc: pd.DataFrame, eligible: pd.Series, ctx: _Context) -> np.ndarray:
    """The highest pace per working day each unit could be credited with: its own running
    total over the working days from the campaign's start to its last report, when a week
    of them or more (a total that began before the campaign only raises it; a day or two
    says little), or the campaign's highest 28-day peak among
    the units with two reports or more, as a share of the eligible, on its own eligible;
    NaN where neither is known (a campaign's first day)."""
    cols = panel.columns
    has_data = panel.last >= 0
    own = np.full(len(cols), np.nan)
    start = ctx.campaign.start
    if start is not None and len(panel.days):
        last_days = panel.days[np.clip(panel.last, 0, None)]
        before = pd.Timestamp(start) - pd.Timedelta(days=1)
        spans = {d: camp.working_days(ctx.campaign, before, d) for d in set(last_days[has_data])}
        span = np.array([spans.get(d, 0.0) if ok else 0.0 for d, ok in zip(last_days, has_data)])
        with np.errstate(divide="ignore", invalid="ignore"):
            own = np.where(has_data & (span >= PACE_DAYS), panel.current() / span, np.nan)
    elig = eligible.reindex(cols).to_numpy(dtype=float)
    peak = fc["pace_peak"].to_numpy(dtype=float)
    peers = (panel.last > panel.first) & np.isfinite(peak) & (peak > 0) & (elig > 0)
    share = float(np.max(peak[peers] / elig[peers])) if peers.any() else np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows: nothing known
        return np.nanmax(np.vstack([own, share * elig]), axis=0)


def _first_report_only(panel: Panel, stalled: np.ndarray, as_of: pd.Timestamp) -> np.ndarray:
    """Units with a single report, sent within the last 28 days (one that has just begun,
    or the campaign's first day): no pace can be read from one figure, which is not "no
    progress in 28 days", nor a reason to colour the unit behind or give it P(on time) 0;
    it is at risk, without a probability, until a second report shows its pace — unless
    what is left is out of reach at any pace it or its peers have shown (`_judged`)."""
    recent = _days_since_last(panel, as_of) < forecast.PROGRESS_DAYS
    return stalled & (panel.first == panel.last) & (panel.last >= 0) & recent


def _days_since_last(panel: Panel, as_of: pd.Timestamp) -> np.ndarray:
    """Calendar days from each column's last report to ``as_of`` (-1 without data)."""
    if not len(panel.days):
        return np.full(len(panel.columns), -1)
    last = panel.days[np.clip(panel.last, 0, None)]
    return np.where(panel.last >= 0, (as_of - last).days, -1)


def _days_reported(panel: Panel) -> np.ndarray:
    """Calendar days from each column's first report to its last (-1 without data)."""
    if not len(panel.days):
        return np.full(len(panel.columns), -1)
    first, last = (panel.days[np.clip(i, 0, None)] for i in (panel.first, panel.last))
    return np.where(panel.last >= 0, (last - first).days, -1)


def _run_rate_date(
    remaining: pd.Series, pace_7d: pd.Series, as_of: pd.Timestamp, done: np.ndarray
) -> pd.Series:
    """The trackers' answer, shown beside the forecast: as-of + remaining ÷ 7-day pace."""
    with np.errstate(divide="ignore", invalid="ignore"):
        run_days = np.ceil(remaining / pace_7d.where(pace_7d > 0))
    return (as_of + pd.to_timedelta(run_days.clip(upper=forecast.HORIZON_DAYS), unit="D")).where(
        run_days.notna() & ~done
    )


def goal_figures(
    cumulative: pd.DataFrame | Panel,
    eligible: pd.Series,
    target: pd.Series,
    deadline: pd.Timestamp,
    campaign: camp.Campaign,
    as_of: pd.Timestamp,
) -> pd.DataFrame:
    """The figures of any cumulative series against a target by a deadline — collected,
    coverage, remaining, pace, required rate, projected date and range, P(on time),
    status — exactly as a commune's against its own (one function for both: a priority
    group's or a channel's target is judged like a commune's).

    ``cumulative``: days × columns (NaN where not reported), days up to ``as_of``, or a
    `Panel` (an aggregate keeps its members' spread values, as the milestones' do)."""
    as_of = pd.Timestamp(as_of).normalize()
    panel = cumulative if isinstance(cumulative, Panel) else Panel.of(cumulative)
    ctx = _Context(campaign, as_of, panel.days, camp.workday_weights(campaign, panel.days))
    return _figures(panel, eligible, target, pd.Timestamp(deadline), ctx)


def _week_and_reporting(panel: Panel, eligible: pd.Series, as_of: pd.Timestamp) -> pd.DataFrame:
    """Coverage 7 days before as-of, days since the last report, share reporting today."""
    cols = panel.columns
    eligible = _positive(eligible.reindex(cols))
    before = panel.at(len(panel.days) - 1 - PACE_DAYS)
    now = panel.current()
    last_day = pd.Series(
        panel.days[np.clip(panel.last, 0, None)] if len(panel.days) else pd.NaT, index=cols
    ).where(panel.last >= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = panel.reporting / panel.members
    return pd.DataFrame(
        {
            "coverage_7d_ago": before / eligible.to_numpy(),
            "coverage_gain_7d": (now - before) / eligible.to_numpy(),
            "days_since_report": (as_of - last_day).dt.days,
            "reported_share": share,
        },
        index=cols,
    )


def return_lag(
    collected: np.ndarray,
    returned: np.ndarray,
    window: int = RETURN_LAG_WINDOW,
    max_lag: int = RETURN_LAG_MAX,
) -> np.ndarray:
    """Typical days between collection and return, first-in first-out.

    For each of the last ``window`` days t, the lag is the smallest L such that the
    cumulative collected L days earlier is not above the cumulative returned on t (the
    cards returned by t are those collected by t − L); the result is the median over the
    window, per column.  NaN when nothing was returned or the history is too short.
    Inputs are spread, carried-forward days × columns arrays.
    """
    n, m = collected.shape
    if n == 0 or m == 0:
        return np.full(m, np.nan)
    t = np.arange(max(n - window, 0), n)
    r = returned[t]  # (days, cols)
    # Performance: lag by lag, only for the (day, column) pairs still looking,
    # instead of a lags × days × columns array (a nation's: 13 million cells).  A pair
    # stops at its first hit — the smallest lag, as argmax over all lags gave — or when
    # its day L back is before the first day.
    lag = np.full(r.shape, np.nan)
    # A pair whose returned figure is below every collected figure of the days it may look
    # back to never hits: it is not looked for (the lowest over a span covering all of them).
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lowest = np.fmin.reduce(collected[max(int(t[0]) - max_lag, 0) :], axis=0)
        pending = (r > 0) & ~(lowest[None, :] > r)
    for back in range(max_lag + 1):
        src = t - back
        rows = np.flatnonzero((src >= 0) & pending.any(axis=1))
        if not len(rows):
            break
        with np.errstate(invalid="ignore"):
            hit = pending[rows] & (collected[src[rows]] <= r[rows])
        if hit.any():
            lag_rows = lag[rows]
            lag_rows[hit] = back
            lag[rows] = lag_rows
            pending[rows] &= ~hit
    out = np.full(m, np.nan)
    any_lag = ~np.all(np.isnan(lag), axis=0)
    if any_lag.any():
        out[any_lag] = np.nanmedian(lag[:, any_lag], axis=0)
    return out


def _funnel(collected: Panel, returned: Panel) -> pd.DataFrame:
    """collected → returned: the backlog of cards not yet handed back and the typical lag."""
    c = collected.current()
    r = returned.current()
    has_returned = returned.last >= 0
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(has_returned & (c > 0), r / c, np.nan)
    lag = return_lag(collected.filled, returned.filled)
    return pd.DataFrame(
        {
            "returned": np.where(has_returned, r, np.nan),
            "backlog": np.where(has_returned, np.maximum(c - np.nan_to_num(r), 0), np.nan),
            "return_rate": rate,
            "return_lag_days": lag,
        },
        index=collected.columns,
    )
