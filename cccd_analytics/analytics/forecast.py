"""Completion-date forecaster: "will we make the deadline?".

Pure functions on tidy frames; no Streamlit, no I/O except reading the calibrated
parameters shipped in ``cccd_analytics/data/forecast_params.json``.  Everything is
vectorised over units: the history is one (days x units) numpy array and every step
works on whole columns at once (10,000 units x 120 days well under a second).

The default model, ``drain`` (docs/forecast.md has the maths and the track record):

1. **A pace that survives how units report.**  Progress is measured over whole weeks
   ending at the unit's last report, per unit of working capacity.  A week whose
   cumulative fell (a correction) is left out; a week above ``spike_cap`` x the median
   of the last four weeks counts as that much only (a catch-up upload), and the pace
   is the mean of the last ``pace_weeks`` weeks.  Batches every few days and weekly
   reports give the same pace as daily ones, because a week contains the same
   progress however it was reported.
2. **The slowdown, learned across units.**  Coverage campaigns run fast, then fall
   off sharply once the willing are served; after that the pace settles at a small
   share of its peak.  The model lets the pace drain from its current value towards a
   tail of ``tail_share`` x the unit's peak 28-day pace, with time constant
   ``drain_days``, in proportion to the *evidence* that the fall has begun: how far
   the unit's pace, or its campaign's (all units of the call, pooled), has already
   dropped below its peak.  No evidence: the unit keeps its pace.
3. **Calibrated on campaigns it has not seen.**  The log-ratio of the model's time to
   the robust ruler's (remaining / robust pace) is corrected by a line in the model's
   horizon, fitted by median regression on the backtest, and shrunk by ``shrink``
   towards the ruler.  The predictive distribution around the median is the empirical
   distribution of leave-one-campaign-out residuals (split conformal), scaled per unit
   by its difficulty on the day (how far the model departs from the steady pace, how
   far the unit is out of step with its campaign; ``spread_of``) and widened by how
   much campaigns' residuals differ: the 80 % range is its 10th and 90th percentile and
   ``p_on_time`` its CDF at the deadline, so the two mean the same thing.

``run_rate`` is the trackers' ruler (remaining / 7-day pace) with a naive range; the
rejected ``saturating`` and ``saturating_fit`` curves stay in ``forecast_legacy`` for
the comparison table.  All methods progress only in proportion to ``workday_weight``:
rates are per unit of capacity (a normal day = 1) and the future is walked on the
calendar.

This module turns the parts into dates and probabilities (``forecast_units``); the parts
live beside it: ``forecast_params`` (the calibrated parameters and their file),
``forecast_pace`` (the history as arrays and the paces read from it, step 1, and the
campaign's phase) and ``forecast_model`` (the drain, the calibrated median and the
predictive distribution, steps 2 and 3; ``Curve`` for the capacity planner).  Their
public names are re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

# The forecaster's parts are modules of their own (the parameters, the pace, the drain
# model and its distribution); their names stay importable from here, where the snapshot,
# the backtest and the capacity planner reach for them.
from cccd_analytics.analytics.forecast_model import (
    Curve,
    _calibrated_median,
    _conformal,
    _drain_time,
    _run_rate,
    _tail,
    on_time_probability,
    spread_features,
    spread_of,
)
from cccd_analytics.analytics.forecast_pace import (
    HORIZON_DAYS,
    PROGRESS_DAYS,
    _carry_forward,
    _History,
    _pace_7d,
    _peak_pace,
    _progress,
    _reporting_gap,
    _robust_pace,
    _weekly_paces,
    campaign_phase,
)
from cccd_analytics.analytics.forecast_params import (
    PARAMS_FILE,
    PHASE_FLOOR,
    SPREADS,
    ForecastParams,
    load_params,
)

__all__ = [
    "COLUMNS",
    "DEFAULT_METHOD",
    "DETAIL_COLUMNS",
    "HORIZON_DAYS",
    "METHODS",
    "PARAMS_FILE",
    "PHASE_FLOOR",
    "POOLED_METHODS",
    "PROGRESS_DAYS",
    "SPREADS",
    "Curve",
    "ForecastParams",
    "campaign_phase",
    "forecast_units",
    "load_params",
    "on_time_probability",
    "spread_features",
    "spread_of",
    # internal to the forecaster, reached by the backtest and the tests
    "_History",
    "_calibrated_median",
    "_carry_forward",
    "_conformal",
    "_peak_pace",
    "_reporting_gap",
    "_weekly_paces",
]

METHODS = ("drain", "run_rate", "saturating", "saturating_shipped", "saturating_fit")
#: Chosen by the leave-one-campaign-out backtest (docs/forecast.md).
DEFAULT_METHOD = "drain"
# Methods whose projection of one unit depends on the others of the call (a shape
# fitted over all of them); callers must then forecast the whole pool, not a subset.
# The default pools only one figure (the campaign's phase), which callers pass in.
POOLED_METHODS = ("saturating_fit",)
COLUMNS = [
    "projected_date",
    "projected_low",
    "projected_high",
    "p_on_time",
    "pace_7d",
    "model",
    "last_report",
]
#: Extra columns: what the projection rests on, for the status notes and the backtest.
DETAIL_COLUMNS = [
    "pace_robust",  # per normal working day (capacity), weekly increments (see module doc)
    "pace_peak",  # highest 28-day pace so far, per working day
    "pace_tail",  # the pace the drain model expects in the long run, per working day
    "evidence",  # 0..1, how far the fall from the peak has begun (unit or campaign)
    "ruler_days",  # remaining / pace_robust, in working days
    "model_days",  # the drain model's time before calibration, in working days
    "median_days",  # the projected median, in working days from the last report
    "progress_28d",  # cumulative gained over the 28 days up to as_of (carried forward)
    "reporting_gap",  # typical days between reports over the last 4 weeks
    "unit_phase",  # pace_robust / pace_peak (at most 1): how far the unit has slowed
    "campaign_phase",  # the campaign's pace / its peak (campaign_phase), the same for all
    "forecast_spread",  # the width of this unit's predictive distribution, relative (1 = typical)
]


# --------------------------------------------------------------------------- public


def forecast_units(
    cumulative: pd.DataFrame,
    eligible: pd.Series,
    target: pd.Series,
    deadline: pd.Timestamp | pd.Series,
    as_of: pd.Timestamp,
    workday_weight: Callable[[pd.DatetimeIndex], np.ndarray] | None = None,
    method: str = "default",
    *,
    params: ForecastParams | None = None,
    phase: float | None = None,
) -> pd.DataFrame:
    """Project, per unit, the date the cumulative count reaches ``target``.

    ``cumulative`` is wide: a DatetimeIndex of days, one column per unit, the
    cumulative count at the end of the day; NaN means "not reported" (never zero).
    Rows after ``as_of`` are ignored (no look-ahead).  ``deadline`` is one Timestamp or
    a Series per unit.  ``workday_weight`` maps dates to relative capacity (1 normal,
    0 a day off); None means every day counts fully.  ``params`` default to the
    calibrated ones (``load_params``).  ``phase`` is the campaign's pace relative to its
    peak (``campaign_phase``); None computes it from the units of this call.

    Returns one row per unit (index = the columns of ``cumulative``) with COLUMNS:
    ``projected_date`` (median), ``projected_low``/``projected_high`` (10th/90th
    percentile), ``p_on_time``, ``pace_7d`` (mean per calendar day over the 7 days up
    to the last report), ``model``, ``last_report``; and DETAIL_COLUMNS.  A unit with
    no progress over the last PROGRESS_DAYS gets NaT dates and ``p_on_time`` 0.
    """
    method = DEFAULT_METHOD if method == "default" else method
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {METHODS} or 'default'")
    if method in ("saturating", "saturating_shipped", "saturating_fit"):
        return _with_legacy_dates(
            cumulative, eligible, target, deadline, as_of, workday_weight, method, params, phase
        )
    params = params or load_params()
    h = _History.of(cumulative, as_of, workday_weight)
    _per_unit(eligible, h.units, "eligible")  # checked (> 0); the drain needs no ceiling
    r = _Reading.of(h, _per_unit(target, h.units, "target"), params)
    if phase is None and method != "run_rate":
        phase = campaign_phase(cumulative, as_of, workday_weight, params=params)
    median, q_lo, q_hi, cdf, tail, evidence, model_days, spread = _model(method, h, r, params, phase)
    median = np.where(r.moving & ~r.reached, median, np.nan)

    base = np.where(r.has_data, h.cum_weight[r.last_c], np.nan)
    with np.errstate(invalid="ignore", over="ignore"):
        proj_idx = _day_when(h.cum_weight, base, median, r.last_c)
        low_idx = _day_when(h.cum_weight, base, median * np.exp(q_lo), r.last_c)
        high_idx = _day_when(h.cum_weight, base, median * np.exp(q_hi), r.last_c)
    for idx in (proj_idx, low_idx, high_idx):
        idx[r.reached] = r.first_reach[r.reached]
    p = _on_time(h, r, _deadlines(deadline, h.units), base, median, q_lo, q_hi, cdf)

    open_ = r.moving & ~r.reached
    out = pd.DataFrame(
        {
            "projected_date": _to_dates(h.start, proj_idx, r.has_data, h.n_total),
            "projected_low": _to_dates(h.start, low_idx, r.has_data, h.n_total),
            "projected_high": _to_dates(h.start, high_idx, r.has_data, h.n_total),
            "p_on_time": p,
            "pace_7d": r.pace7,
            "model": np.where(r.has_data, method, None),
            "last_report": _to_dates(h.start, np.where(r.has_data, h.last, -1), r.has_data),
            "pace_robust": np.where(r.has_data, r.robust, np.nan),
            "pace_peak": np.where(r.has_data, r.peak, np.nan),
            "pace_tail": np.where(r.moving, tail, np.nan),
            "evidence": np.where(r.moving, evidence, np.nan),
            "ruler_days": np.where(open_, r.ruler, np.nan),
            "model_days": np.where(open_, model_days, np.nan),
            "median_days": median,
            "progress_28d": r.progress,
            "reporting_gap": _reporting_gap(h),
            "unit_phase": np.where(r.moving, r.ratio, np.nan),
            "campaign_phase": np.where(
                r.moving & (method != "run_rate"), np.nan if phase is None else phase, np.nan
            ),
            "forecast_spread": np.where(open_, spread, np.nan),
        },
        index=h.units,
    )
    out.index.name = cumulative.columns.name
    return out


def _with_legacy_dates(cumulative, eligible, target, deadline, as_of, workday_weight, method, params, phase):
    """The earlier curves (forecast_legacy) give the dates; the details (pace, progress)
    are the default's, so the status and its notes read the same columns."""
    from cccd_analytics.analytics import forecast_legacy

    out = forecast_units(
        cumulative, eligible, target, deadline, as_of, workday_weight, params=params, phase=phase
    )
    legacy = forecast_legacy.forecast_units(
        cumulative, eligible, target, deadline, as_of, workday_weight, method
    )
    out[COLUMNS] = legacy[COLUMNS]
    return out


@dataclass(frozen=True)
class _Reading:
    """What the history says of each unit before any model: where it stands, its paces,
    whether it is still moving and whether it has already reached its target."""

    has_data: np.ndarray
    last_c: np.ndarray  # the last report's row (0 without data)
    remaining: np.ndarray
    pace7: np.ndarray
    robust: np.ndarray
    peak: np.ndarray
    progress: np.ndarray
    moving: np.ndarray
    reached: np.ndarray
    first_reach: np.ndarray  # the row the target was first reached, -1 when not
    ruler: np.ndarray  # remaining / robust pace, in working days
    ratio: np.ndarray  # robust pace / peak, at most 1 (the unit's phase)

    @classmethod
    def of(cls, h: _History, target_a: np.ndarray, params: ForecastParams) -> _Reading:
        cols = np.arange(h.n_units)
        has_data = h.last >= 0
        last_c = np.where(has_data, h.last, 0)
        current = np.where(has_data, h.Xi[last_c, cols], np.nan)
        remaining = target_a - current

        pace7 = _pace_7d(h.Xr, h.first, last_c)
        robust = _robust_pace(h, params)
        peak = np.fmax(_peak_pace(h), robust)
        progress = _progress(h)
        moving = has_data & (progress > 0) & (robust > 0)

        reached = has_data & (current >= target_a)
        with np.errstate(invalid="ignore"):
            at_target = h.Xi >= target_a[None, :]
        first_reach = np.where(reached, np.argmax(at_target, axis=0), -1)

        with np.errstate(divide="ignore", invalid="ignore"):
            ruler = np.where(moving, remaining / robust, np.inf)
            ratio = np.where(peak > 0, np.minimum(robust / peak, 1.0), 1.0)
        return cls(
            has_data,
            last_c,
            remaining,
            pace7,
            robust,
            peak,
            progress,
            moving,
            reached,
            first_reach,
            ruler,
            ratio,
        )


def _model(method: str, h: _History, r: _Reading, params: ForecastParams, phase):
    """The median working days each unit needs, its 80 % range as log-offsets and the CDF
    of the predictive distribution (None for the run rate's normal range), with what the
    median rests on: (median, q_lo, q_hi, cdf, tail, evidence, model_days, spread)."""
    if method == "run_rate":
        median, q_lo, q_hi, model_days, evidence = _run_rate(h, r.last_c, r.remaining, r.moving)
        return median, q_lo, q_hi, None, r.robust, evidence, model_days, np.full(h.n_units, np.nan)
    evidence = np.clip((1.0 - np.minimum(r.ratio, phase)) / params.evidence_span, 0.0, 1.0)
    tail = _tail(r.robust, r.peak, evidence, params)
    model_days = _drain_time(r.remaining, r.robust, tail, params)
    median = _calibrated_median(r.ruler, model_days, params)
    spread = spread_of(spread_features(model_days, r.ruler, r.ratio, phase), params)
    q_lo, q_hi, cdf = _conformal(median, params, spread)
    return median, q_lo, q_hi, cdf, tail, evidence, model_days, spread


def _on_time(h: _History, r: _Reading, deadline_a, base, median, q_lo, q_hi, cdf) -> np.ndarray:
    """P(on time): the capacity from the day after the last report up to the deadline,
    against the predictive distribution of the capacity needed (``cdf``; None: the run
    rate's normal range)."""
    dl_idx = np.asarray((deadline_a - h.start).days, dtype=float)  # NaN for NaT
    dl_i = np.clip(np.nan_to_num(dl_idx, nan=-1), -1, h.n_total - 1).astype(int)
    cap_to_dl = np.where(dl_i >= 0, h.cum_weight[np.maximum(dl_i, 0)], 0.0) - base
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = np.log(np.maximum(cap_to_dl, 1e-300)) - np.log(median)
    if cdf is None:
        from scipy import special  # the run rate's range only: scipy costs ~0.1 s to import

        p = special.ndtr(gap / np.where(gap < 0, -q_lo, q_hi) * special.ndtri(0.9))
    else:
        p = cdf(gap)
    p = np.where(np.isnan(median), 0.0, p)
    p = np.where(cap_to_dl <= 0, 0.0, p)
    p = np.where(r.reached, (r.first_reach <= dl_idx).astype(float), p)
    return np.where(r.has_data & ~np.isnan(dl_idx), p, np.nan)


def _per_unit(values, units, name) -> np.ndarray:
    if isinstance(values, pd.Series):
        out = values.reindex(units).to_numpy(dtype=float, na_value=np.nan)
    else:
        out = np.full(len(units), float(values))
    if np.any(out <= 0):
        raise ValueError(f"{name} must be > 0")
    return out


def _deadlines(deadline, units) -> pd.DatetimeIndex:
    if isinstance(deadline, pd.Series):
        return pd.DatetimeIndex(pd.to_datetime(deadline.reindex(units))).normalize()
    return pd.DatetimeIndex([pd.Timestamp(deadline).normalize()] * len(units))


def _day_when(cum_weight, base, need, last):
    """First day index whose cumulative capacity since ``last`` covers ``need``;
    len(cum_weight) (= beyond the horizon) when never."""
    target = base + need
    finite = np.isfinite(target)
    idx = np.searchsorted(cum_weight, np.where(finite, target, np.inf), side="left")
    idx = np.maximum(idx, last + 1)
    return np.where(finite, idx, len(cum_weight))


def _to_dates(start, idx, has_data, n_total=None):
    """Day indices -> Timestamps; NaT for no data, negative or beyond-horizon indices."""
    days = np.where(has_data, np.asarray(idx), -1).astype("int64")
    ok = days >= 0
    if n_total is not None:
        ok &= days < n_total
    out = pd.DatetimeIndex(start + pd.to_timedelta(np.where(ok, days, 0), unit="D"))
    return out.where(ok, pd.NaT)
