"""The drain model and the forecaster's predictive distribution.

Given a unit's robust pace, its peak and the evidence that the fall has begun
(``forecast_pace``): the long-run tail pace, the working days the draining pace needs
(``_drain_time``), the calibrated median (``_calibrated_median``), each unit's spread
(``spread_features``, ``spread_of``) and the split-conformal range and CDF around the
median (``_conformal``).  ``Curve`` is the same model as a function of effort, for the
capacity planner, and ``on_time_probability`` the same distribution for its scenarios.
``_run_rate`` is the trackers' ruler, kept for comparison.  docs/forecast.md has the maths.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cccd_analytics.analytics.forecast_pace import _History, _nanmean0, _window_progress
from cccd_analytics.analytics.forecast_params import PHASE_FLOOR, ForecastParams, load_params


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
        inc, cap = _window_progress(h.Xr, h.first, last - 7 * k, h.hist_weight, 7)
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
    from scipy import special  # the run rate's range only: scipy costs ~0.1 s to import

    z = special.ndtri(0.9)
    return need, -z * sd, z * sd, need, np.zeros(len(need))


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
