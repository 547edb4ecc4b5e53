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
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import special

__all__ = [
    "COLUMNS",
    "DEFAULT_METHOD",
    "HORIZON_DAYS",
    "METHODS",
    "PARAMS_FILE",
    "ForecastParams",
    "campaign_phase",
    "forecast_units",
    "load_params",
]

#: Forecasts further than this from ``as_of`` are reported as NaT.
HORIZON_DAYS = 10 * 365
METHODS = ("drain", "run_rate", "saturating", "saturating_shipped", "saturating_fit")
#: Chosen by the leave-one-campaign-out backtest (docs/forecast.md).
DEFAULT_METHOD = "drain"
# Methods whose projection of one unit depends on the others of the call (a shape
# fitted over all of them); callers must then forecast the whole pool, not a subset.
# The default pools only one figure (the campaign's phase), which callers pass in.
POOLED_METHODS = ("saturating_fit",)
#: Progress (in the cumulative) over this many days before ``as_of`` is needed for a
#: projection; a unit without any is "không có tiến triển 28 ngày".
PROGRESS_DAYS = 28
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

#: The difficulty features the predictive distribution's spread may use (the calibration
#: chooses coefficients for those named in ForecastParams.spread_features).  Each is
#: known on the day of the forecast.
SPREADS = {
    # how far the drain model's time departs from the steady pace's (the ruler's): the
    # two agree before a slowdown shows, when *when* it will come is the big unknown
    "disagreement": "|log(model time / ruler time)|",
    # a unit slowing while its campaign does not, or the reverse: the pooled evidence
    # and the unit's own say different things
    "out_of_step": "|log(unit phase / campaign phase)|",
}
#: Phases below this count as this (a stalled unit's phase is 0; its log is not useful).
PHASE_FLOOR = 0.05

PARAMS_FILE = Path(__file__).resolve().parents[1] / "data" / "forecast_params.json"


@dataclass(frozen=True)
class ForecastParams:
    """Everything the ``drain`` model runs with.  The product reads them from
    ``PARAMS_FILE``, which ``backtest.calibrate`` writes; nothing else sets them."""

    #: pace: weeks averaged, spike cap against the median of the last four weeks
    pace_weeks: int = 3
    spike_cap: float = 2.0
    #: slowdown: tail as a share of the peak 28-day pace, drain time constant (working
    #: days), and how far below its peak a pace must be for full evidence (1 - span)
    tail_share: float = 0.1
    drain_days: float = 28.0
    evidence_span: float = 0.5
    #: calibration of the median: log(model / ruler) + b0 + b1 * log1p(model days / 7),
    #: times ``shrink`` (0 = the robust ruler, 1 = the calibrated model)
    b0: float = 0.0
    b1: float = 0.0
    shrink: float = 0.6
    #: split-conformal predictive distribution: log(actual / median) = spread x s, where
    #: s has the quantiles ``quantiles`` at ``probs`` (one row per horizon bin: median
    #: days up to each edge, the last open; no edges, one row) and the spread of a unit
    #: is exp(sum of ``spread_coef`` x its difficulty features, each clipped to
    #: [0, ``spread_clip``]); the features are named in ``spread_features`` (SPREADS)
    bin_edges: tuple[float, ...] = ()
    probs: tuple[float, ...] = (0.1, 0.5, 0.9)
    quantiles: tuple[tuple[float, ...], ...] = ((-0.5, 0.0, 0.8),)
    spread_features: tuple[str, ...] = ()
    spread_coef: tuple[float, ...] = ()
    spread_clip: tuple[float, ...] = ()
    #: where the numbers came from (campaigns, thresholds, date); not used by the maths
    provenance: dict = field(default_factory=dict, compare=False)

    def to_json(self) -> dict:
        out = asdict(self)
        for key in ("bin_edges", "probs", "spread_features", "spread_coef", "spread_clip"):
            out[key] = list(getattr(self, key))
        out["quantiles"] = [list(q) for q in self.quantiles]
        return out

    @classmethod
    def from_json(cls, data: dict) -> ForecastParams:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown forecast parameters: {sorted(unknown)}")
        data = dict(data)
        for key in ("bin_edges", "probs", "spread_coef", "spread_clip"):
            if key in data:
                data[key] = tuple(float(x) for x in data[key])
        if "spread_features" in data:
            data["spread_features"] = tuple(str(x) for x in data["spread_features"])
        if "quantiles" in data:
            data["quantiles"] = tuple(tuple(float(x) for x in q) for q in data["quantiles"])
        params = cls(**data)
        params.check()
        return params

    def check(self) -> None:
        if len(self.quantiles) != len(self.bin_edges) + 1:
            raise ValueError("one row of quantiles per horizon bin is needed")
        probs = np.asarray(self.probs)
        if np.any(np.diff(probs) <= 0) or probs[0] <= 0 or probs[-1] >= 1:
            raise ValueError("probs must rise strictly inside (0, 1)")
        for row in self.quantiles:
            if len(row) != len(probs) or np.any(np.diff(row) < 0):
                raise ValueError("each row of quantiles must rise, one value per prob")
        for p in (0.1, 0.9):
            if not np.any(np.isclose(probs, p)):
                raise ValueError("probs must include 0.1 and 0.9 (the 80% range)")
        unknown = set(self.spread_features) - set(SPREADS)
        if unknown:
            raise ValueError(f"unknown spread features: {sorted(unknown)}; known: {sorted(SPREADS)}")
        if not len(self.spread_features) == len(self.spread_coef) == len(self.spread_clip):
            raise ValueError("one coefficient and one clip per spread feature")
        if any(c <= 0 for c in self.spread_clip):
            raise ValueError("spread clips must be > 0")


@functools.lru_cache(maxsize=4)
def _read_params(path: str, mtime: float) -> ForecastParams:
    return ForecastParams.from_json(json.loads(Path(path).read_text(encoding="utf-8")))


def load_params(path: Path | str = PARAMS_FILE) -> ForecastParams:
    """The calibrated parameters the product runs with (re-read when the file changes)."""
    path = Path(path)
    return _read_params(str(path), path.stat().st_mtime)


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
        # the earlier curves give the dates; the details (pace, progress) are this
        # module's, so the status and its notes read the same columns
        from cccd_analytics.analytics import forecast_legacy

        out = forecast_units(
            cumulative, eligible, target, deadline, as_of, workday_weight, params=params, phase=phase
        )
        legacy = forecast_legacy.forecast_units(
            cumulative, eligible, target, deadline, as_of, workday_weight, method
        )
        out[COLUMNS] = legacy[COLUMNS]
        return out
    params = params or load_params()
    h = _History.of(cumulative, as_of, workday_weight)
    units = h.units
    _per_unit(eligible, units, "eligible")  # checked (> 0); the drain needs no ceiling
    target_a = _per_unit(target, units, "target")
    cols = np.arange(h.n_units)
    has_data = h.last >= 0
    last_c = np.where(has_data, h.last, 0)
    current = np.where(has_data, h.Xi[last_c, cols], np.nan)
    remaining = target_a - current

    pace7 = _pace_7d(h.Xi, h.first, last_c)
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
    if method == "run_rate":
        median, q_lo, q_hi, model_days, evidence = _run_rate(h, last_c, remaining, moving)
        tail = robust
        cdf = None
        spread = np.full(h.n_units, np.nan)
    else:
        if phase is None:
            phase = campaign_phase(cumulative, as_of, workday_weight, params=params)
        evidence = np.clip((1.0 - np.minimum(ratio, phase)) / params.evidence_span, 0.0, 1.0)
        tail = _tail(robust, peak, evidence, params)
        model_days = _drain_time(remaining, robust, tail, params)
        median = _calibrated_median(ruler, model_days, params)
        spread = spread_of(spread_features(model_days, ruler, ratio, phase), params)
        q_lo, q_hi, cdf = _conformal(median, params, spread)
    median = np.where(moving & ~reached, median, np.nan)

    base = np.where(has_data, h.cum_weight[last_c], np.nan)
    with np.errstate(invalid="ignore", over="ignore"):
        proj_idx = _day_when(h.cum_weight, base, median, last_c)
        low_idx = _day_when(h.cum_weight, base, median * np.exp(q_lo), last_c)
        high_idx = _day_when(h.cum_weight, base, median * np.exp(q_hi), last_c)
    for idx in (proj_idx, low_idx, high_idx):
        idx[reached] = first_reach[reached]

    # On-time probability: the capacity from the day after the last report up to the
    # deadline, against the predictive distribution of the capacity needed.
    deadline_a = _deadlines(deadline, units)
    dl_idx = np.asarray((deadline_a - h.start).days, dtype=float)  # NaN for NaT
    dl_i = np.clip(np.nan_to_num(dl_idx, nan=-1), -1, h.n_total - 1).astype(int)
    cap_to_dl = np.where(dl_i >= 0, h.cum_weight[np.maximum(dl_i, 0)], 0.0) - base
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = np.log(np.maximum(cap_to_dl, 1e-300)) - np.log(median)
    if cdf is None:
        p = special.ndtr(gap / np.where(gap < 0, -q_lo, q_hi) * special.ndtri(0.9))
    else:
        p = cdf(gap)
    p = np.where(np.isnan(median), 0.0, p)
    p = np.where(cap_to_dl <= 0, 0.0, p)
    p = np.where(reached, (first_reach <= dl_idx).astype(float), p)
    p = np.where(has_data & ~np.isnan(dl_idx), p, np.nan)

    out = pd.DataFrame(
        {
            "projected_date": _to_dates(h.start, proj_idx, has_data, h.n_total),
            "projected_low": _to_dates(h.start, low_idx, has_data, h.n_total),
            "projected_high": _to_dates(h.start, high_idx, has_data, h.n_total),
            "p_on_time": p,
            "pace_7d": pace7,
            "model": np.where(has_data, method, None),
            "last_report": _to_dates(h.start, np.where(has_data, h.last, -1), has_data),
            "pace_robust": np.where(has_data, robust, np.nan),
            "pace_peak": np.where(has_data, peak, np.nan),
            "pace_tail": np.where(moving, tail, np.nan),
            "evidence": np.where(moving, evidence, np.nan),
            "ruler_days": np.where(moving & ~reached, ruler, np.nan),
            "model_days": np.where(moving & ~reached, model_days, np.nan),
            "median_days": median,
            "progress_28d": progress,
            "reporting_gap": _reporting_gap(h),
            "unit_phase": np.where(moving, ratio, np.nan),
            "campaign_phase": np.where(
                moving & (method != "run_rate"), np.nan if phase is None else phase, np.nan
            ),
            "forecast_spread": np.where(moving & ~reached, spread, np.nan),
        },
        index=units,
    )
    out.index.name = cumulative.columns.name
    return out


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


@dataclass(frozen=True)
class Curve:
    """The forecaster's median path of each unit, as a function of *effort*: the
    applications its capacity could take in at today's pace, summed over the working
    days ahead.  At today's capacity the effort after w working days is ``pace * w``
    and the path reaches the target on the projected date; the capacity planner gives
    it more or fewer teams (more or less effort a day) and reads the same curve, so
    the planner and the forecaster cannot disagree about how a unit slows down.

    gain(effort) = D(stretch * effort / pace), where D(t) = tail * t + (pace - tail) *
    (1 - exp(-t / drain_days)) * drain_days is the drain model's gain after t working
    days and ``stretch`` (model time / median time) carries its calibration.  A unit
    without a pace (no progress) gains its effort one for one: nothing says how it
    would slow down.
    """

    pace: np.ndarray  # today's capacity: robust pace, per working day
    tail: np.ndarray
    stretch: np.ndarray
    drain_days: float
    # each unit's spread of the predictive distribution (forecast_spread; 1 where unknown),
    # so the planner's P(on time) is the forecaster's
    spread: np.ndarray | None = None

    @classmethod
    def of(cls, rows: pd.DataFrame, params: ForecastParams | None = None) -> Curve:
        """From a forecast's (or a snapshot's) columns pace_robust, pace_tail,
        model_days, median_days and forecast_spread."""
        params = params or load_params()
        pace = rows["pace_robust"].to_numpy(dtype=float)
        tail = rows["pace_tail"].to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            stretch = rows["model_days"].to_numpy(dtype=float) / rows["median_days"].to_numpy(dtype=float)
        ok = np.isfinite(pace) & (pace > 0)
        stretch = np.where(ok & np.isfinite(stretch) & (stretch > 0), stretch, 1.0)
        tail = np.where(ok & np.isfinite(tail), np.clip(tail, 1e-12 * pace, pace), pace)
        spread = (
            rows["forecast_spread"].to_numpy(dtype=float) if "forecast_spread" in rows else np.ones(len(rows))
        )
        spread = np.where(np.isfinite(spread) & (spread > 0), spread, 1.0)
        return cls(np.where(ok, pace, 0.0), np.where(ok, tail, 0.0), stretch, params.drain_days, spread)

    def gain(self, effort: np.ndarray) -> np.ndarray:
        """Cumulative gain after ``effort`` (broadcast against the units, last axis)."""
        effort = np.asarray(effort, dtype=float)
        moving = self.pace > 0
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            t = self.stretch * effort / np.where(moving, self.pace, 1.0)
            d = self.tail * t + (self.pace - self.tail) * (-np.expm1(-t / self.drain_days)) * self.drain_days
        return np.where(moving, d, effort)

    def effort_for(self, gain: np.ndarray) -> np.ndarray:
        """The effort that brings ``gain`` (0 for nothing to gain); bisection, as the
        gain has no closed-form inverse."""
        gain = np.broadcast_to(np.asarray(gain, dtype=float), self.pace.shape)
        need = np.maximum(np.nan_to_num(gain), 0.0)
        moving = self.pace > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            lo = np.zeros_like(need)
            # at the tail pace the gain is at least tail * t: an upper bound
            hi = np.where(moving, need / np.maximum(self.tail, 1e-300) * self.pace / self.stretch, need) + 1.0
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            enough = self.gain(mid) >= need
            hi = np.where(enough, mid, hi)
            lo = np.where(enough, lo, mid)
        return np.where(need > 0, np.where(moving, hi, need), 0.0)


def on_time_probability(
    median_days, available_days, params: ForecastParams | None = None, spread=None
) -> np.ndarray:
    """P(reached within ``available_days`` working days) when the median need is
    ``median_days`` and the unit's spread is ``spread`` (forecast_units' column
    ``forecast_spread``; None: 1): the forecaster's predictive distribution, as
    forecast_units gives it (the capacity planner uses it for its scenarios)."""
    params = params or load_params()
    median = np.atleast_1d(np.asarray(median_days, dtype=float))
    available = np.asarray(available_days, dtype=float)
    if spread is not None:
        spread = np.broadcast_to(np.asarray(spread, dtype=float), median.shape)
    _, _, cdf = _conformal(median, params, spread)
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = np.log(np.maximum(available, 1e-300)) - np.log(median)
    p = cdf(np.atleast_1d(gap))
    p = np.where(median <= 0, 1.0, p)
    p = np.where(~np.isfinite(median), 0.0, p)
    return np.where(available <= 0, np.where(median <= 0, 1.0, 0.0), p)


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

    @property
    def n_units(self) -> int:
        return len(self.units)

    @classmethod
    def of(cls, cumulative, as_of, workday_weight) -> _History:
        as_of = pd.Timestamp(as_of).normalize()
        dates, X = _daily_history(cumulative, as_of)
        Xi, first, last = _interpolate_inside(X)
        all_days = pd.date_range(dates[0], as_of + pd.Timedelta(days=HORIZON_DAYS), freq="D")
        weight = _weights(workday_weight, all_days)
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
    # the previous report's value, to tell an increase from a flat report
    prev_report = np.vstack([np.full((1, h.n_units), -1), prev[:-1]])
    before = _take_rows(h.Xi, prev_report)
    with np.errstate(invalid="ignore"):
        rose = h.reported & (prev_report >= 0) & (h.Xi > before)
    window = rose[max(n - PROGRESS_DAYS, 0) :]
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


# ----------------------------------------------------------------- the models


def _tail(pace, peak, evidence, prm: ForecastParams) -> np.ndarray:
    """The long-run pace: ``tail_share`` x the peak where the fall is evident, the
    current pace where there is no evidence, in between in proportion."""
    tail = pace - evidence * (pace - np.minimum(pace, prm.tail_share * peak))
    return np.maximum(tail, 1e-12 * np.maximum(pace, 1e-300))


def _drain_time(remaining, pace, tail, prm: ForecastParams) -> np.ndarray:
    """Working days to gain ``remaining`` when the pace drains from ``pace`` towards
    ``tail`` with time constant ``drain_days``::

        pace(t) = tail + (pace - tail) * exp(-t / drain_days)

    The gain by t has a closed form; t itself is found by bisection on all units at
    once (no closed form with both terms; 60 halvings of a bracket reach a day's
    precision at any horizon)."""
    lam = 1.0 / prm.drain_days

    def gained(t):
        return tail * t + (pace - tail) * (-np.expm1(-lam * t)) / lam

    with np.errstate(all="ignore"):
        need = np.where(remaining > 0, remaining, 0.0)
        lo = need / pace  # at the current pace: the earliest possible
        hi = need / tail + 1.0  # at the tail pace: the latest
        ok = np.isfinite(lo) & np.isfinite(hi) & (pace > 0)
        lo = np.where(ok, lo, 0.0)
        hi = np.where(ok, hi, 1.0)
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            enough = gained(mid) >= need
            hi = np.where(enough, mid, hi)
            lo = np.where(enough, lo, mid)
    return np.where(ok, hi, np.inf)


def _calibrated_median(ruler, model_days, prm: ForecastParams) -> np.ndarray:
    """The median time: the robust ruler times exp(shrink x correction), where the
    correction is log(model / ruler) plus the calibration line in the model's horizon."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        finite = np.isfinite(ruler) & np.isfinite(model_days) & (ruler > 0) & (model_days > 0)
        r = np.where(finite, ruler, 1.0)
        m = np.where(finite, model_days, 1.0)
        correction = np.log(m / r) + prm.b0 + prm.b1 * np.log1p(m / 7.0)
        median = r * np.exp(prm.shrink * correction)
    return np.where(finite, median, np.where(ruler == 0, 0.0, np.inf))


def spread_features(model_days, ruler_days, unit_phase, campaign_phase) -> dict[str, np.ndarray]:
    """The difficulty features of SPREADS for each unit (0 where undefined: a unit
    without a finite time has no range to scale)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        disagreement = np.abs(
            np.log(np.asarray(model_days, dtype=float) / np.asarray(ruler_days, dtype=float))
        )
        unit = np.log(np.maximum(np.asarray(unit_phase, dtype=float), PHASE_FLOOR))
        campaign = np.log(np.maximum(np.asarray(campaign_phase, dtype=float), PHASE_FLOOR))
        out_of_step = np.abs(unit - campaign)
    return {
        "disagreement": np.where(np.isfinite(disagreement), disagreement, 0.0),
        "out_of_step": np.where(np.isfinite(out_of_step), out_of_step, 0.0),
    }


def spread_of(features: dict[str, np.ndarray], prm: ForecastParams) -> np.ndarray:
    """exp(sum of coefficient x feature clipped to [0, clip]): the scale of each unit's
    predictive distribution (1 without spread features).  The clip keeps a unit beyond
    what the calibration saw from getting an extrapolated (far too narrow or wide) range."""
    n = len(next(iter(features.values())))
    log_spread = np.zeros(n)
    for name, coef, clip in zip(prm.spread_features, prm.spread_coef, prm.spread_clip):
        log_spread += coef * np.clip(features[name], 0.0, clip)
    return np.exp(log_spread)


def _conformal(median, prm: ForecastParams, spread=None):
    """Log-offsets of the 80 % range and the CDF of log(actual / median): the stored
    quantiles of the median's horizon bin, scaled by each unit's spread (normalised split
    conformal: the calibration divided the residuals by the same spread)."""
    edges = np.asarray(prm.bin_edges)
    Q = np.asarray(prm.quantiles)
    probs = np.asarray(prm.probs)
    median = np.asarray(median, dtype=float)
    b = np.searchsorted(edges, np.nan_to_num(median, nan=0.0, posinf=1e12), side="left")
    s = np.ones(median.shape) if spread is None else np.asarray(spread, dtype=float)
    s = np.where(np.isfinite(s) & (s > 0), s, 1.0)
    i10 = int(np.argmin(np.abs(probs - 0.1)))
    i90 = int(np.argmin(np.abs(probs - 0.9)))

    def cdf(gap):
        gap = np.asarray(gap, dtype=float)
        z = gap / s
        out = np.empty(len(gap))
        for k in range(len(Q)):
            sel = b == k
            if sel.any():
                # outside the stored quantiles: half a step beyond the extreme probs
                out[sel] = np.interp(z[sel], Q[k], probs, left=probs[0] / 2, right=(1 + probs[-1]) / 2)
        return np.where(np.isnan(gap), np.nan, out)

    return Q[b, i10] * s, Q[b, i90] * s, cdf


def _run_rate(h: _History, last, remaining, moving):
    """Baseline: remaining / (last 7 days' progress per unit of capacity).

    Range: the spread (log scale) of the last four weekly paces, a naive measure of how
    much the pace moves from week to week, as a normal 80 % range.
    """
    weekly = []
    for k in range(4):
        inc, cap = _window_progress(h.Xi, h.first, last - 7 * k, h.hist_weight, 7)
        with np.errstate(divide="ignore", invalid="ignore"):
            weekly.append(np.where(cap > 0, inc / cap, np.nan))
    weekly = np.vstack(weekly)
    rate = weekly[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        need = np.where(moving & (rate > 0), remaining / rate, np.inf)
        logs = np.log(np.where(weekly > 0, weekly, np.nan))
    n_ok = np.sum(~np.isnan(logs), axis=0)
    dev = np.where(np.isnan(logs), 0.0, logs - _nanmean0(logs))
    sd = np.sqrt(np.sum(dev**2, axis=0) / np.maximum(n_ok - 1, 1))
    sd = np.maximum(np.where(n_ok >= 2, sd, 0.0), 1e-6)
    z = special.ndtri(0.9)
    return need, -z * sd, z * sd, need, np.zeros(len(need))


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


def _interpolate_inside(X):
    """Linear interpolation of each column between its reported values; NaN before the
    first and after the last report.  Returns (values, first_idx, last_idx), -1 where
    a unit has no data."""
    n = X.shape[0]
    valid = ~np.isnan(X)
    rows = np.arange(n)[:, None]
    prev = np.maximum.accumulate(np.where(valid, rows, -1), axis=0)
    nxt = np.minimum.accumulate(np.where(valid, rows, n)[::-1], axis=0)[::-1]
    inside = (prev >= 0) & (nxt < n)
    p = np.clip(prev, 0, n - 1)
    q = np.clip(nxt, 0, n - 1)
    cols = np.arange(X.shape[1])[None, :]
    xp, xq = X[p, cols], X[q, cols]
    span = np.where(q > p, q - p, 1)
    Xi = np.where(inside, xp + (xq - xp) * (rows - p) / span, np.nan)
    any_valid = valid.any(axis=0)
    first = np.where(any_valid, np.argmax(valid, axis=0), -1)
    last = np.where(any_valid, n - 1 - np.argmax(valid[::-1], axis=0), -1)
    return Xi, first, last


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


def _weights(workday_weight, days: pd.DatetimeIndex) -> np.ndarray:
    if workday_weight is None:
        return np.ones(len(days))
    w = np.asarray(workday_weight(days), dtype=float)
    if w.shape != (len(days),):
        raise ValueError("workday_weight must return one weight per date")
    if np.any(~np.isfinite(w)) or np.any(w < 0):
        raise ValueError("workday weights must be finite and >= 0")
    return w


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
