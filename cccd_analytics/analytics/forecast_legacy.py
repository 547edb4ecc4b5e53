"""The forecaster's earlier curves, kept so the comparison table can show them.

``saturating`` was the default until the leave-one-campaign-out backtest: one campaign
curve in coverage (rate ~ c**alpha below ``turn``, ~ (1 - c)**gamma above it), anchored
at a robust 28-day rate whose *days* were capped at 2.5 x the median day, with a
calibration fitted on Italy and Germany.  ``saturating_shipped`` is the same curve with
the turn the product actually ran (0.85, set by the campaign module without refitting
the calibration).  ``saturating_fit`` fits gamma per unit.  On campaigns it had not seen
each of them lost to the plain ruler (docs/forecast.md); nothing in the product uses
them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import special

from cccd_analytics.analytics.forecast import (  # the plumbing both generations share
    COLUMNS,
    _day_when,
    _deadlines,
    _per_unit,
    _to_dates,
)
from cccd_analytics.analytics.forecast_pace import (
    _daily_history,
    _interpolate_inside,
    _nanmean0,
    _pace_7d,
    _take,
    _weights,
)

__all__ = [
    "COLUMNS",
    "HORIZON_DAYS",
    "METHODS",
    "SaturatingParams",
    "forecast_units",
]

#: Forecasts further than this from ``as_of`` are reported as NaT ("not within 3 years").
HORIZON_DAYS = 3 * 365 + 1
#: The turn the product ran with before (campaigns.FORECAST_SATURATION_FROM, a prior set
#: without refitting the calibration).
SHIPPED_TURN = 0.85
METHODS = ("saturating", "saturating_shipped", "saturating_fit")

_Z90 = 1.2815515655446004  # standard normal 90th percentile
_MIN_SIGMA = 0.05


@dataclass(frozen=True)
class SaturatingParams:
    """Knobs of the saturating model.  The defaults were chosen on the backtest
    (docs/forecast.md); change them only with a new backtest run."""

    #: days of history behind the robust current rate
    rate_window: int = 28
    #: a day above ``spike_cap`` x the window's median daily rate counts as that much only
    spike_cap: float = 2.5
    #: the campaign curve: rate ~ c**alpha below ``turn``, ~ (1 - c)**gamma above it
    #: (c = share of the ceiling, normally the eligible population)
    turn: float = 0.5
    alpha: float = 0.5
    gamma: float = 2.0
    #: coverage below which the ramp-up is not extrapolated any further
    accel_floor: float = 0.05
    #: ``saturating_fit`` only: how much evidence (sum of squared log-remaining moves)
    #: the prior is worth against the pool, and the pool against one unit
    gamma_prior_weight: float = 0.2
    gamma_pool_weight: float = 0.2
    gamma_min: float = 0.0
    gamma_max: float = 6.0
    #: calibration, fitted on the backtest by ``cccd_analytics.backtest.calibrate``:
    #: the 10th, 50th and 90th percentiles of log(actual / model time to target) as
    #: b0 + b1 * log1p(model days / 7) + b2 * coverage now.  The projected date uses
    #: the 50th; the range and p_on_time a split log-normal through all three.
    q10: tuple[float, float, float] = (0.722, -0.298, -0.932)
    q50: tuple[float, float, float] = (0.768, -0.297, 0.0)
    q90: tuple[float, float, float] = (2.346, -0.573, -0.577)
    #: the backtest covers targets up to 90% of the ceiling (the eligible population).
    #: A higher target (e.g. "100%") is placed at this share of a ceiling lifted above
    #: the eligible figure (census-based eligible counts are often exceeded), instead
    #: of at the asymptote, where the curve would never arrive.
    target_share_cap: float = 0.9


# --------------------------------------------------------------------------- public


def forecast_units(
    cumulative: pd.DataFrame,
    eligible: pd.Series,
    target: pd.Series,
    deadline: pd.Timestamp | pd.Series,
    as_of: pd.Timestamp,
    workday_weight: Callable[[pd.DatetimeIndex], np.ndarray] | None = None,
    method: str = "saturating",
    *,
    params: SaturatingParams | None = None,
) -> pd.DataFrame:
    """Project, per unit, the date the cumulative count reaches ``target``.

    ``cumulative`` is wide: a DatetimeIndex of days, one column per unit, the
    cumulative count at the end of the day; NaN means "not reported" (never zero).
    Rows after ``as_of`` are ignored (no look-ahead).  ``deadline`` is one Timestamp or
    a Series per unit.  ``workday_weight`` maps dates to relative capacity (1 normal,
    0 a day off); None means every day counts fully.

    Returns one row per unit (index = the columns of ``cumulative``) with
    ``projected_date``, ``projected_low``/``projected_high`` (10th/90th percentile),
    ``p_on_time``, ``pace_7d`` (mean per calendar day over the 7 days up to the last
    report, gaps interpolated), ``model`` and ``last_report`` (the newest reported
    day the forecast starts from).  NaT means not reached within ``HORIZON_DAYS``.

    Long on purpose: the rejected curves are kept as they were scored, for the comparison
    table of docs/forecast.md; cutting them into steps would risk moving the figures they
    are kept to reproduce.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {METHODS}")
    params = params or SaturatingParams()
    if method == "saturating_shipped":
        params = replace(params, turn=SHIPPED_TURN)
    as_of = pd.Timestamp(as_of).normalize()

    units = pd.Index(cumulative.columns)
    dates, X = _daily_history(cumulative, as_of)
    n_days, n_units = X.shape
    eligible_a = _per_unit(eligible, units, "eligible")
    target_a = _per_unit(target, units, "target")
    start = dates[0]

    # Calendar over history + horizon, as cumulative capacity.
    all_days = pd.date_range(start, as_of + pd.Timedelta(days=HORIZON_DAYS), freq="D")
    weight = _weights(workday_weight, all_days)
    cum_weight = np.cumsum(weight)
    n_total = len(cum_weight)
    hist_weight = weight[:n_days]

    Xi, first, last = _interpolate_inside(X)
    has_data = last >= 0
    cols = np.arange(n_units)
    last_c = np.where(has_data, last, 0)
    current = np.where(has_data, Xi[last_c, cols], np.nan)

    pace = _pace_7d(Xi, first, last_c)

    # Already at target: the first (interpolated) day it was reached.
    reached = has_data & (current >= target_a)
    with np.errstate(invalid="ignore"):
        at_target = Xi >= target_a[None, :]
    first_reach = np.where(reached, np.argmax(at_target, axis=0), -1)

    # Capacity (in normal workdays) needed to reach the target, with its spread on the
    # log scale below and above the median; then dates from the calendar.
    need, sig_lo, sig_hi = _saturating(
        Xi,
        first,
        last_c,
        hist_weight,
        current,
        eligible_a,
        target_a,
        params,
        fit=(method == "saturating_fit"),
    )
    need = np.where(has_data & ~reached, need, np.nan)
    low_need = need * np.exp(-_Z90 * sig_lo)
    high_need = need * np.exp(_Z90 * sig_hi)

    base = np.where(has_data, cum_weight[last_c], np.nan)
    proj_idx = _day_when(cum_weight, base, need, last_c)
    low_idx = _day_when(cum_weight, base, low_need, last_c)
    high_idx = _day_when(cum_weight, base, high_need, last_c)
    for idx in (proj_idx, low_idx, high_idx):
        idx[reached] = first_reach[reached]

    # On-time probability: the capacity available from the day after the last report
    # up to the deadline, against the split log-normal need.
    deadline_a = _deadlines(deadline, units)
    dl_idx = np.asarray((deadline_a - start).days, dtype=float)  # NaN for NaT
    dl_i = np.clip(np.nan_to_num(dl_idx, nan=-1), -1, n_total - 1).astype(int)
    cap_to_dl = np.where(dl_i >= 0, cum_weight[np.maximum(dl_i, 0)], 0.0) - base
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = np.log(np.maximum(cap_to_dl, 1e-300)) - np.log(need)
        p = _norm_cdf(gap / np.where(gap < 0, sig_lo, sig_hi))
    p = np.where(np.isinf(need), 0.0, p)
    p = np.where(cap_to_dl <= 0, 0.0, p)
    p = np.where(reached, (first_reach <= dl_idx).astype(float), p)
    p = np.where(has_data & ~np.isnan(dl_idx), p, np.nan)

    out = pd.DataFrame(
        {
            "projected_date": _to_dates(start, proj_idx, has_data, n_total),
            "projected_low": _to_dates(start, low_idx, has_data, n_total),
            "projected_high": _to_dates(start, high_idx, has_data, n_total),
            "p_on_time": p,
            "pace_7d": pace,
            "model": np.where(has_data, method, None),
            "last_report": _to_dates(start, np.where(has_data, last, -1), has_data),
        },
        index=units,
    )
    out.index.name = cumulative.columns.name
    return out


# ------------------------------------------------------------------------- models


def _saturating(Xi, first, last, hist_weight, current, eligible, target, prm, fit):
    ceiling = np.maximum(eligible, target / prm.target_share_cap)
    w = prm.rate_window
    rate_now = _robust_rate(Xi, first, last, hist_weight, w, prm.spike_cap)
    s0 = 1.0 - current / ceiling  # share of the ceiling still to do
    s1 = 1.0 - target / ceiling
    if fit:
        gamma = _fit_gamma(Xi, first, last, hist_weight, ceiling, rate_now, prm)
    else:
        gamma = np.full(len(s0), prm.gamma)
    need = _time_to_target(s0, s1, rate_now / ceiling, gamma, prm)
    need = _stalled_or_unknown(need, rate_now)
    return _calibrated(need, 1.0 - s0, prm)


def _calibrated(need, coverage, prm):
    """Median and split log-normal spread of the time to target, from the model's time
    and the calibration lines in ``SaturatingParams``; infinite times stay infinite."""
    finite = np.isfinite(need) & (need > 0)
    x = np.log1p(np.where(finite, need, 0.0) / 7.0)
    # coverage outside the backtest's range (10%..90%) is not extrapolated
    c = np.clip(np.where(finite, coverage, 0.0), 0.1, 0.9)

    def line(b):
        return b[0] + b[1] * x + b[2] * c

    q10, q50, q90 = line(prm.q10), line(prm.q50), line(prm.q90)
    median = np.where(finite, need * np.exp(q50), need)
    sig_lo = np.maximum((q50 - q10) / _Z90, _MIN_SIGMA)
    sig_hi = np.maximum((q90 - q50) / _Z90, _MIN_SIGMA)
    return median, sig_lo, sig_hi


def _stalled_or_unknown(need, rate):
    """No progress at all in the window: never (inf).  No rate (too little history):
    unknown (NaN, so p_on_time is NaN rather than a confident 0)."""
    return np.where(np.isnan(rate), np.nan, np.where(rate > 0, need, np.inf))


def _log_shape(u, u_ref, gamma, prm):
    """log(rate at remaining share e**u / rate at remaining share e**u_ref) on the
    campaign curve: c**alpha below ``turn`` (floored at ``accel_floor``), (1 - c)**gamma
    above it, continuous at ``turn``."""
    c = np.clip(1.0 - np.exp(u), prm.accel_floor, prm.turn)
    c_ref = np.clip(1.0 - np.exp(u_ref), prm.accel_floor, prm.turn)
    u_turn = np.log1p(-prm.turn)
    return prm.alpha * (np.log(c) - np.log(c_ref)) + gamma * (
        np.minimum(u, u_turn) - np.minimum(u_ref, u_turn)
    )


_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(32)


def _time_to_target(s0, s1, rho, gamma, prm):
    """Capacity needed to go from remaining share ``s0`` to ``s1`` when the rate (share
    of the ceiling per unit of capacity) is ``rho`` now and follows the campaign curve.

    time = integral over s from s1 to s0 of ds / rate(s); with u = log(s) the integrand
    s / rate is smooth, so 32 Gauss-Legendre nodes per unit are plenty (all units at
    once: a (32 x units) array).
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        u0 = np.log(s0)
        u1 = np.log(s1)
        half = 0.5 * (u0 - u1)
        u = 0.5 * (u0 + u1)[None, :] + half[None, :] * _GL_NODES[:, None]
        log_rel = _log_shape(u, u0[None, :], gamma[None, :], prm)
        need = half / rho * np.sum(_GL_WEIGHTS[:, None] * np.exp(u - log_rel), axis=0)
    return np.where((s1 > 0) & (s0 > s1), need, np.where(s0 <= s1, 0.0, np.inf))


def _fit_gamma(Xi, first, last, hist_weight, ceiling, rate_now, prm):
    """Per-unit saturation exponent (``saturating_fit``).

    Compares the robust rate over the last window with the one before it.  After
    removing the ramp-up part of the curve, y = log(rate_now / rate_then) and
    x = the change of log(remaining share), counted above ``turn`` only; gamma_u = y / x.
    The pool is least squares through the origin across units, shrunk to ``gamma``;
    each unit is shrunk to the pool with weight x**2 (how far it moved up the curve).
    """
    w = prm.rate_window
    then = last - w
    rate_then = _robust_rate(Xi, first, then, hist_weight, w, prm.spike_cap)
    with np.errstate(divide="ignore", invalid="ignore"):
        u_now = np.log(1.0 - 0.5 * (_take(Xi, then) + _take(Xi, last)) / ceiling)
        u_then = np.log(1.0 - 0.5 * (_take(Xi, then - w) + _take(Xi, then)) / ceiling)
        u_turn = np.log1p(-prm.turn)
        x = np.minimum(u_now, u_turn) - np.minimum(u_then, u_turn)
        ramp = _log_shape(u_now, u_then, 0.0, prm)
        y = np.log(rate_now / rate_then) - ramp
    ok = np.isfinite(x) & np.isfinite(y) & (x < 0) & (then - w >= first)
    x = np.where(ok, x, 0.0)
    y = np.where(ok, y, 0.0)
    pool = (np.sum(x * y) + prm.gamma_prior_weight * prm.gamma) / (np.sum(x * x) + prm.gamma_prior_weight)
    pool = float(np.clip(pool, prm.gamma_min, prm.gamma_max))
    unit = (x * y + prm.gamma_pool_weight * pool) / (x * x + prm.gamma_pool_weight)
    return np.clip(unit, prm.gamma_min, prm.gamma_max)


# ----------------------------------------------------------------- rate estimates


def _robust_rate(Xi, first, end, hist_weight, width, spike_cap):
    """Progress per unit of capacity over ``width`` days ending at ``end``, each day's
    increment winsorised at ``spike_cap`` x the window median daily rate (so a one-day
    spike or a catch-up upload does not inflate the pace)."""
    n_days = Xi.shape[0]
    offs = np.arange(width - 1, -1, -1)[:, None]
    idx = end[None, :] - offs  # (width, units)
    valid = (idx - 1 >= first[None, :]) & (idx >= 0)
    i1 = np.clip(idx, 0, n_days - 1)
    i0 = np.clip(idx - 1, 0, n_days - 1)
    cols = np.arange(Xi.shape[1])[None, :]
    inc = np.where(valid, Xi[i1, cols] - Xi[i0, cols], np.nan)
    w = np.where(valid, hist_weight[i1], np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_cap = np.where(w > 0, inc / w, np.nan)
    all_nan = np.all(np.isnan(per_cap), axis=0)
    med = np.full(Xi.shape[1], np.nan)
    if (~all_nan).any():
        med[~all_nan] = np.nanmedian(per_cap[:, ~all_nan], axis=0)
    mean_w = _nanmean0(w)
    cap = spike_cap * med[None, :] * np.maximum(w, mean_w[None, :])
    clipped = np.where((med > 0)[None, :], np.minimum(inc, cap), inc)
    tot_inc = np.nansum(clipped, axis=0)
    tot_w = np.nansum(w, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where((tot_w > 0) & ~all_nan, tot_inc / tot_w, np.nan)
    return rate


# -------------------------------------------------------------------- plumbing


def _norm_cdf(z):
    return special.ndtr(np.asarray(z, dtype=float))
