"""Every predictive distribution tried for the forecaster's 80 % range and p_on_time,
leave one campaign out, on the same rows as the track record.

    python bench/forecast_intervals.py [--data-dir ../shared/backtest-data]

The point forecast (the projected date) is the product's in every line, so the MAE does
not move; what changes is the distribution around it: the share of actual dates inside
the 80 % range per campaign (aim 75–85 %) and the largest gap of the p_on_time
reliability table (70 % target, pooled, aim ±10 points).

Every variant is fitted as the product's is (backtest.fit_folds): for a held-out
campaign, the median line on the other two; the distribution on *their* residuals, each
from a median fitted without it (out of sample).  The difficulty features are those a
forecast knows on its day: the product's (forecast.SPREADS) and, for the variants, a
unit's weekly paces, reporting cadence and coverage, and the spread of its campaign's
units.  The "nested" variants choose a hyper-parameter (the between-campaign spread, or a
recalibration map of p_on_time) by an inner leave-one-campaign-out on the fold's training
campaigns, never on the held-out one.  The italic lines are not methods: the
between-campaign spread fixed by hand (a sweep), and each campaign scored with its own
residuals (in sample) - the best any distribution that ignores which campaign it is could
do.  Diagnostics: the reliability per campaign, and pooled with deadlines fixed ahead
(14-112 days after the origin) instead of the campaign's outcome-based ones; the largest
gap a perfectly calibrated forecaster would show on the same forecasts (noise floor); the
point forecast's shrink chosen by an inner leave-one-campaign-out, beside two combinations
fixed before looking (equal weights of the robust ruler and the calibrated model).
The "shape" variants keep the residuals and change the family: split conformal at 21
levels by horizon, a Student-t whose degrees of freedom are fixed or chosen nested.  The
shape oracles (``shape_oracles``) bound what *any* change of shape could do: every unit's
centre and spread kept, the levels remapped by one monotone map chosen on the held-out
answers themselves.  The refits change what the default's distribution is fitted around
(the point forecast's combination; the never-reached units kept in the residuals).
Prints tables (markdown) and writes bench/out/forecast_intervals.json.  Never fails on
the aims.

    python bench/forecast_intervals.py --only nested    # only the variants so labelled (and the sweep)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cccd_analytics.analytics import backtest as bt  # noqa: E402
from cccd_analytics.analytics import forecast  # noqa: E402
from cccd_analytics.analytics.forecast import ForecastParams  # noqa: E402

OUT = ROOT / "bench" / "out" / "forecast_intervals.json"
PROBS = np.asarray(bt.PROBS)


# ------------------------------------------------------------------ features


def unit_features(plan) -> pd.DataFrame:
    """Per origin x unit: what the forecaster's history shows on that day (no look-ahead)."""
    s = plan.series
    cum = s.cumulative.set_axis(s.keys(), axis=1)
    eligible = s.eligible.set_axis(s.keys()).to_numpy()
    frames = []
    for origin in plan.origins:
        h = forecast._History.of(cum, origin, None)
        weeks = forecast._weekly_paces(h, 4)
        last = np.where(h.last >= 0, h.last, 0)
        coverage = np.where(h.last >= 0, h.Xi[last, np.arange(h.n_units)], np.nan) / eligible
        with np.errstate(all="ignore"):
            logs = np.log(np.where(weeks > 0, weeks, np.nan))
            volatility = np.nanstd(logs, axis=0)
            acceleration = np.abs(np.log(weeks[0] / np.nanmean(weeks, axis=0)))
        frame = pd.DataFrame(
            {
                "key": cum.columns,
                "origin": origin,
                "volatility": volatility,
                "acceleration": acceleration,
                "reporting_gap": np.log(np.clip(forecast._reporting_gap(h), 1, 7)),
                "coverage_now": coverage,
            }
        )
        # the campaign's own spread on that day: of its units' coverage and of how far
        # each has slowed from its peak
        with np.errstate(all="ignore"):
            ratio = np.log(np.nanmean(weeks[:3], axis=0) / forecast._peak_pace(h))
        frame["campaign_coverage_sd"] = np.log(max(np.nanstd(coverage), 1e-3))
        frame["campaign_slowdown_sd"] = np.log(max(np.nanstd(ratio[np.isfinite(ratio)]), 1e-3))
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    num = out.columns.drop(["key", "origin"])
    out[num] = out[num].replace([np.inf, -np.inf], np.nan)
    out[num] = out[num].fillna(out[num].median())
    return out


# ------------------------------------------------------------------ harness


class Harness:
    def __init__(self, neutral: dict[str, pd.DataFrame], feats: pd.DataFrame):
        self.names = sorted(neutral)
        self.rows = {n: neutral[n].merge(feats, on=["key", "origin"], how="left") for n in self.names}
        self.medians = {}
        for k in range(1, len(self.names)):
            for c in combinations(self.names, k):
                self.medians[frozenset(c)] = bt.fit_median(
                    pd.concat([neutral[n] for n in c]), ForecastParams()
                )

    #: the point forecast's combination of the robust ruler and the calibrated model for
    #: every fit (_combined_median; None: the product's shrink)
    combine: float | str | None = None
    #: keep, in the training residuals, the units of a fitted group that never reached
    #: the target, as if they had on the last day of data (a lower bound of their time)
    censored: bool = False

    @staticmethod
    def _with_censored(r: pd.DataFrame) -> pd.DataFrame:
        one = r.drop_duplicates(["origin", "key", "threshold"])
        group = bt._groups(one)  # from the units that did reach it, as the product's
        ok = group.notna() & np.isfinite(one["model_days"]) & np.isfinite(one["ruler_days"])
        out = one[ok].assign(group=group[ok])
        out["actual_date"] = out["actual_date"].fillna(out["data_end"])
        out["e"] = np.log(np.maximum(bt._days(out, "actual_date"), 1.0) / np.maximum(out["median"], 1.0))
        return out

    def with_median(self, name: str, train) -> pd.DataFrame:
        r = self.rows[name].copy()
        params = self.medians[frozenset(train)]
        if self.combine is None:
            r["median"] = bt._median_days(r, params)
        else:
            r["median"] = _combined_median(r, params, self.combine)
        r["e"] = np.log(np.maximum(bt._days(r, "actual_date"), 1.0) / np.maximum(r["median"], 1.0))
        f = bt._spread_features(r)
        r["disagreement"], r["out_of_step"] = f["disagreement"], f["out_of_step"]
        r["horizon"] = np.log1p(np.nan_to_num(r["median"], nan=7.0, posinf=1e4) / 7.0)
        with np.errstate(all="ignore"):
            r["phase"] = np.log(np.maximum(r["campaign_phase"].fillna(1.0), forecast.PHASE_FLOOR))
            r["evidence"] = np.log(np.maximum(r["unit_phase"].fillna(1.0), forecast.PHASE_FLOOR))
        return r

    def training(self, train) -> pd.DataFrame:
        """Each training campaign's residuals from a median fitted without it."""
        parts = []
        for held in train:
            # alone (an inner fold of two campaigns), its residuals are in sample: no
            # other campaign is left to fit its median on
            rest = [n for n in train if n != held] or [held]
            r = self.with_median(held, rest)
            if self.censored:
                parts.append(self._with_censored(r))
                continue
            s = bt._scored(r)
            parts.append(r.loc[s.index].assign(group=s["group"]))
        t = pd.concat(parts, ignore_index=True)
        t["w"] = bt._group_weights(t["group"])
        return t

    def run(self, method, held_in_sample: bool = False) -> dict:
        out, fixed, chosen = [], [], {}
        for held in self.names:
            train = [n for n in self.names if n != held]
            T = self.training(train)
            r = self.with_median(held, train)
            if held_in_sample:
                s = bt._scored(r)
                T = r.loc[s.index].assign(group=s["group"])
                T["w"] = bt._group_weights(T["group"])
            # a nested method chooses its hyper-parameter by an inner leave-one-campaign-out
            # on the training campaigns only (it is given the harness and their names)
            Q = method(T, r, self, train) if getattr(method, "nested", False) else method(T, r)
            if getattr(method, "nested", False):
                chosen[held] = method.chosen
            # a variant stored at its own probabilities returns (quantiles, probs)
            Q, probs = Q if isinstance(Q, tuple) else (Q, PROBS)
            out.append(_apply(r, Q, probs))
            fixed.append(_at_fixed_horizons(r, Q, probs))
        rows = pd.concat(out, ignore_index=True)
        table = bt.score(rows)
        table = table[table["threshold"] == 0.7].set_index("campaign")
        rel = bt.reliability(rows)
        fixed = pd.concat(fixed, ignore_index=True)
        rel_fixed = bt.reliability(fixed)
        by_campaign = {
            n: round(float(np.nanmax(np.abs(bt.reliability(rows[rows["campaign"] == n])["gap"]))), 3)
            for n in self.names
        }
        return {
            "range80": table["range80"].round(3).to_dict(),
            # the library's count of the never-reached units' certain misses (backtest.left_out)
            "range80_decided": table["range80_certain"].round(3).to_dict(),
            "ratio": table["ratio"].round(3).to_dict(),
            "reliability_gap": round(float(np.nanmax(np.abs(rel["gap"]))), 3),
            "reliability": rel.round(3).to_dict(orient="list"),
            "reliability_gap_by_campaign": by_campaign,
            "reliability_gap_fixed_horizons": round(float(np.nanmax(np.abs(rel_fixed["gap"]))), 3),
            "reliability_fixed_horizons": rel_fixed.round(3).to_dict(orient="list"),
            "chosen": chosen,
            "_rows": rows,
        }


#: Horizons (days after the origin) of the diagnostic "reached within h days": deadlines
#: that do not depend on what happened, unlike the campaign's (the days by which a
#: quarter, half, three quarters of its units had reached the target).
FIXED_HORIZONS = (14, 28, 56, 84, 112)


def _at_fixed_horizons(r: pd.DataFrame, Q: np.ndarray, probs: np.ndarray = PROBS) -> pd.DataFrame:
    """p_on_time of the 70 % target for deadlines h days after the origin (one row per
    origin x unit x h; reliability() keeps those whose outcome is known)."""
    one = ~r.duplicated(["origin", "key", "threshold"]).to_numpy() & (r["threshold"] == 0.7).to_numpy()
    parts = []
    for h in FIXED_HORIZONS:
        rr = r[one].assign(deadline=r["origin"][one] + pd.Timedelta(days=h))
        parts.append(_apply(rr, Q[one], probs))
    return pd.concat(parts, ignore_index=True)


def _apply(r: pd.DataFrame, Q: np.ndarray, probs: np.ndarray = PROBS) -> pd.DataFrame:
    """Dates and p_on_time from per-row quantiles Q (n x probs) of log(actual / median)."""
    PROBS = np.asarray(probs)  # noqa: N806 - the grid this distribution is stored at
    r = r.copy()
    m = r["median"].to_numpy()
    base = r["last_report"]
    Q = np.sort(Q, axis=1)

    def at(days):
        with np.errstate(invalid="ignore", over="ignore"):
            d = np.ceil(days)
        d = np.where(np.isfinite(d) & (d <= forecast.HORIZON_DAYS), d, np.nan)
        return base + pd.to_timedelta(d, unit="D")

    i10, i90 = int(np.argmin(abs(PROBS - 0.1))), int(np.argmin(abs(PROBS - 0.9)))
    r["projected_date"] = at(m)
    r["projected_low"] = at(m * np.exp(Q[:, i10]))
    r["projected_high"] = at(m * np.exp(Q[:, i90]))
    cap = (r["deadline"] - r["last_report"]).dt.days.to_numpy(dtype=float)
    with np.errstate(all="ignore"):
        gap = np.log(np.maximum(cap, 1e-300)) - np.log(m)
    p = np.array(
        [
            np.interp(g, q, PROBS, left=PROBS[0] / 2, right=(1 + PROBS[-1]) / 2) if np.isfinite(g) else np.nan
            for g, q in zip(gap, Q)
        ]
    )
    p = np.where(np.isfinite(m), p, 0.0)
    r["p_on_time"] = np.where(cap <= 0, 0.0, p)
    if "e" in r:
        # where the actual date fell in the distribution (its PIT); a unit that never
        # reached the target lies beyond every level: 1
        e = r["e"].to_numpy(dtype=float)
        pit = np.array([np.interp(x, q, PROBS, left=0.0, right=1.0) for x, q in zip(e, Q)])
        r["pit"] = np.where(r["actual_date"].notna().to_numpy() & np.isfinite(e), pit, 1.0)
        # the level of the last day of data: a range whose top level is below it ended
        # before the data did
        with np.errstate(all="ignore"):
            g_end = np.log(np.maximum(bt._days(r, "data_end"), 1.0) / np.maximum(m, 1.0))
        r["pit_end"] = [np.interp(x, q, PROBS, left=0.0, right=1.0) for x, q in zip(g_end, Q)]
    return r


def _x(r: pd.DataFrame, cols) -> np.ndarray:
    return np.column_stack([np.ones(len(r))] + [r[c].to_numpy(dtype=float) for c in cols])


# ------------------------------------------------------------------ the variants


def horizon_bins(T, r, edges=(21.0, 56.0, 112.0)):
    """The previous default: the residuals' quantiles per horizon bin of the median."""
    b = np.searchsorted(edges, T["median"].to_numpy())
    table = []
    for k in range(len(edges) + 1):
        sel = b == k if (b == k).sum() >= bt.MIN_BIN else np.ones(len(T), bool)
        table.append(bt._weighted_quantiles(T["e"].to_numpy()[sel], T["w"].to_numpy()[sel], PROBS))
    br = np.searchsorted(edges, np.nan_to_num(r["median"].to_numpy(), nan=0, posinf=1e12))
    return np.asarray(table)[br]


def _spreads(T, r, features):
    """Each row's spread (training T, rows r): E|deviation from the group's centre| on the
    features, clipped at their 95th percentile (backtest._scale_fit); 1 without features."""
    e, w, g = T["e"].to_numpy(), T["w"].to_numpy(), T["group"].to_numpy()
    if not features:
        return np.ones(len(T)), np.ones(len(r))
    clip = [max(bt._weighted_quantiles(T[c].to_numpy(dtype=float), w, [0.95])[0], 1e-4) for c in features]
    lo = [min(bt._weighted_quantiles(T[c].to_numpy(dtype=float), w, [0.0])[0], 0.0) for c in features]

    def X(frame):
        return np.column_stack(
            [np.ones(len(frame))]
            + [np.clip(frame[c].to_numpy(dtype=float), a, b) for c, a, b in zip(features, lo, clip)]
        )

    dev = e - bt._group_centres(e, w, g)
    # a feature with no spread in training (one campaign's value) cannot be fitted
    usable = np.r_[True, np.asarray(clip) - np.asarray(lo) >= bt.MIN_SPREAD_CLIP]
    theta = np.zeros(len(features) + 1)
    theta[usable] = bt._scale_fit(np.abs(dev), X(T)[:, usable], w)
    theta[0] = 0.0
    return np.exp(X(T) @ theta), np.exp(X(r) @ theta)


def adaptive(features, between=True, probs=None, edges=(), by_campaign=False):
    """Normalised conformal: E|deviation from the group's centre| on the features
    (clipped at their 95th percentile; backtest._scale_fit), quantiles of residual /
    spread; with the between-campaign term of backtest.conformal.  ``probs``: store the
    distribution at these probabilities instead of the product's 13 (p_on_time is read
    from the same grid); ``edges``: one distribution per horizon bin of the median;
    ``by_campaign``: the campaign, not the campaign x target, is the group (its weight,
    its centre, the k of the between-campaign term)."""
    grid = PROBS if probs is None else np.asarray(probs)

    def method(T, r):
        if by_campaign:
            T = T.assign(group=T["campaign"], w=bt._group_weights(T["campaign"]))
        e, w, g = T["e"].to_numpy(), T["w"].to_numpy(), T["group"].to_numpy()
        spread_t, spread_r = _spreads(T, r, features)
        z = e / spread_t
        bt_ = np.searchsorted(edges, T["median"].to_numpy()) if edges else np.zeros(len(T), int)
        br = (
            np.searchsorted(edges, np.nan_to_num(r["median"].to_numpy(), nan=0, posinf=1e12))
            if edges
            else np.zeros(len(r), int)
        )
        table = []
        for k in range(len(edges) + 1):
            sel = bt_ == k if (bt_ == k).sum() >= bt.MIN_BIN else np.ones(len(T), bool)
            zk, wk, gk = z[sel], w[sel], g[sel]
            if between is True:
                q = bt._between_campaigns(zk, wk, gk, grid)
            elif between is False:
                q = bt._weighted_quantiles(zk, wk, grid)
            else:  # a given between-campaign sd (the nested variants below choose it)
                q = _within_plus_normal(zk, wk, gk, float(between), grid)
            table.append(q)
        Q = spread_r[:, None] * np.asarray(table)[br]
        return Q if probs is None else (Q, grid)

    return method


def _within_plus_normal(z, w, g, sd, probs=PROBS) -> np.ndarray:
    """Quantiles of (z about its group's centre + the centres' mean) + N(0, sd^2):
    backtest._between_campaigns with the between-campaign sd given, not estimated."""
    from scipy import special

    centre = bt._group_centres(z, w, g)
    mu = float(np.mean([centre[g == x][0] for x in pd.unique(g)]))
    within = z - centre + mu
    if sd <= 0:
        return bt._weighted_quantiles(within, w, probs)
    order = np.argsort(within)
    v, ww = within[order], w[order] / w.sum()
    grid = np.linspace(v[0] - 5 * sd, v[-1] + 5 * sd, 2001)
    cdf = special.ndtr((grid[:, None] - v[None, :]) / sd) @ ww
    return np.interp(probs, cdf, grid)


# ------------------------------------------------------------------ nested variants
# Their hyper-parameter (the between-campaign sd; the recalibration map of p_on_time) is
# chosen by an inner leave-one-campaign-out on the fold's training campaigns: each is
# forecast with a calibration fitted on the other(s) alone, and scored; the held-out
# campaign is never looked at.

BETWEEN_GRID = np.round(np.arange(0.0, 1.51, 0.05), 2)


def _inner(h, train):
    """(training residuals without c, c's rows with a median fitted without c) for each
    training campaign c."""
    for c in train:
        rest = [n for n in train if n != c]
        yield h.training(rest), h.with_median(c, rest)


def _hits(rows: pd.DataFrame):
    """p_on_time and whether the 70 % target was reached by the deadline, where known."""
    r = rows[(rows["threshold"] == 0.7) & rows["p_on_time"].notna()]
    r = r[r["actual_date"].notna() | (r["deadline"] <= r["data_end"])]
    hit = r["actual_date"].notna() & (r["actual_date"] <= r["deadline"])
    return r["p_on_time"].to_numpy(dtype=float), hit.to_numpy(dtype=float)


def _coverage(rows: pd.DataFrame) -> float:
    one = rows.drop_duplicates(["origin", "key", "threshold"])
    one = one[one["actual_date"].notna() & (one["threshold"] == 0.7)]
    inside = (one["projected_low"] <= one["actual_date"]) & (one["actual_date"] <= one["projected_high"])
    return float(inside.mean())


def between_by_inner_loco(features, criterion):
    """The between-campaign sd chosen on BETWEEN_GRID by inner leave-one-campaign-out:
    ``coverage``: the inner folds' 80 % ranges hold 80 % on average; ``logloss``: the
    inner folds' p_on_time (at their campaigns' deadlines) has the least log-loss."""

    def method(T, r, h, train):
        inner = list(_inner(h, train))
        best = None
        for sd in BETWEEN_GRID:
            rows = [_apply(ri, adaptive(features, sd)(Ti, ri)) for Ti, ri in inner]
            if criterion == "coverage":
                loss = abs(np.mean([_coverage(x) for x in rows]) - 0.8)
            else:
                loss = 0.0
                for x in rows:
                    p, y = _hits(x)
                    p = np.clip(p, 0.01, 0.99)
                    loss -= np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
            if best is None or loss < best[0] - 1e-12:
                best = (loss, sd)
        method.chosen = float(best[1])
        return adaptive(features, best[1])(T, r)

    method.nested = True
    return method


def recalibrated(features, shrink):
    """The default distribution, then a recalibration map of p_on_time, logit p' = a +
    b logit p (logistic regression, each inner campaign weighted the same), fitted on
    the inner folds' out-of-fold p_on_time at their deadlines and shrunk toward the
    identity by ``shrink``.  The same map moves the distribution's quantiles (the
    quantile at prob P becomes the old one at expit((logit P - a) / b)), so the 80 %
    range and p_on_time stay one distribution."""
    import statsmodels.api as sm
    from scipy import special

    base = adaptive(features)

    def method(T, r, h, train):
        xs, ys, ws = [], [], []
        for Ti, ri in _inner(h, train):
            p, y = _hits(_apply(ri, base(Ti, ri)))
            xs.append(special.logit(np.clip(p, 0.01, 0.99)))
            ys.append(y)
            ws.append(np.full(len(y), 1.0 / len(y)))
        x, y, w = np.concatenate(xs), np.concatenate(ys), np.concatenate(ws)
        fit = sm.GLM(
            y, np.column_stack([np.ones(len(x)), x]), family=sm.families.Binomial(), var_weights=w / w.mean()
        ).fit()
        a, b = shrink * fit.params[0], 1.0 + shrink * (fit.params[1] - 1.0)
        method.chosen = (round(float(a), 3), round(float(b), 3))
        Q = base(T, r)
        lp = special.logit(PROBS)
        lu = (lp - a) / b  # where the old distribution is read for each stored prob
        out = np.empty_like(Q)
        for i, q in enumerate(Q):
            lo = q[0] + (q[1] - q[0]) / (lp[1] - lp[0]) * (lu - lp[0])
            hi = q[-1] + (q[-1] - q[-2]) / (lp[-1] - lp[-2]) * (lu - lp[-1])
            out[i] = np.where(lu < lp[0], lo, np.where(lu > lp[-1], hi, np.interp(lu, lp, q)))
        return out

    method.nested = True
    return method


#: Where a heavier-tailed or finer-grained distribution is stored: fine enough that
#: p_on_time read by interpolation is the distribution's own CDF to a point or so.
FINE_PROBS = np.r_[
    0.001, 0.005, 0.01, 0.025, np.round(np.arange(0.05, 0.951, 0.05), 2), 0.975, 0.99, 0.995, 0.999
]
#: Split conformal at many levels (5 % ... 95 %, and 2.5 / 97.5 %), as the shape test asks.
CONFORMAL_PROBS = np.r_[0.025, np.round(np.arange(0.05, 0.951, 0.05), 2), 0.975]
#: Degrees of freedom of the Student-t variants (1000: a normal, for the comparison).
DF_GRID = (1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 30.0, 1000.0)


def _t_fit(z, w, df):
    """Weighted maximum likelihood location and scale of a Student-t with ``df`` fixed."""
    from scipy import optimize, stats

    ww = w / w.sum()

    def nll(x):
        return -float(ww @ stats.t.logpdf((z - x[0]) / np.exp(x[1]), df)) + x[1]

    x0 = np.array([float(np.median(z)), float(np.log(np.std(z) + 1e-3))])
    fit = optimize.minimize(nll, x0, method="Nelder-Mead", options={"xatol": 1e-5, "fatol": 1e-8})
    return float(fit.x[0]), float(np.exp(fit.x[1]))


def student_t(features, df):
    """A heavier-tailed family: log(actual / median) / spread ~ location + scale x t(df),
    the location and scale fitted (weighted maximum likelihood) on the training
    residuals as they are - not about their group's centre, so the tails carry how
    campaigns differ - and the spread of the default's features.  ``df`` a number:
    fixed; "score" or "logloss": chosen on DF_GRID by an inner leave-one-campaign-out,
    on the inner held-out campaign's residuals' log density (a proper score of the whole
    distribution) or its p_on_time's log-loss at its deadlines."""
    from scipy import stats

    def dist(T, r, d):
        spread_t, spread_r = _spreads(T, r, features)
        loc, scale = _t_fit(T["e"].to_numpy() / spread_t, T["w"].to_numpy(), d)
        return loc, scale, spread_r

    def quantiles(T, r, d):
        loc, scale, spread_r = dist(T, r, d)
        q = loc + scale * stats.t.ppf(FINE_PROBS, d)
        return spread_r[:, None] * q[None, :], FINE_PROBS

    if not isinstance(df, str):
        return lambda T, r: quantiles(T, r, df)

    def method(T, r, h, train):
        inner = list(_inner(h, train))
        losses = {}
        for d in DF_GRID:
            loss = 0.0
            for Ti, ri in inner:
                if df == "score":
                    s = bt._scored(ri)
                    rs = ri.loc[s.index]
                    loc, scale, spread = dist(Ti, rs, d)
                    w = bt._group_weights(s["group"])
                    x = rs["e"].to_numpy()
                    dens = stats.t.logpdf((x / spread - loc) / scale, d) - np.log(scale * spread)
                    loss -= float(np.average(dens, weights=w))
                else:
                    p, y = _hits(_apply(ri, *quantiles(Ti, ri, d)))
                    p = np.clip(p, 0.01, 0.99)
                    loss -= float(np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
            losses[d] = loss
        best = min(losses, key=losses.get)
        method.chosen = best
        return quantiles(T, r, best)

    method.nested = True
    return method


def cqr(features):
    """Conformalised quantile regression on log time: a linear quantile regression of the
    residual on the features for every stored probability (statsmodels QuantReg), each
    quantile then shifted by the quantile of the scores of a fit without that campaign
    (the training campaigns in turn)."""
    import statsmodels.api as sm

    def fit(T):
        X, y, w = _x(T, features), T["e"].to_numpy(), T["w"].to_numpy()
        return np.asarray([sm.QuantReg(y * w, X * w[:, None]).fit(q=p, max_iter=5000).params for p in PROBS])

    def method(T, r):
        B = fit(T)
        scores, weights = [], []
        for c in T["campaign"].unique():
            Bc = fit(T[T["campaign"] != c])
            Tc = T[T["campaign"] == c]
            scores.append(Tc["e"].to_numpy()[:, None] - _x(Tc, features) @ Bc.T)
            weights.append(Tc["w"].to_numpy())
        S, W = np.vstack(scores), np.concatenate(weights)
        shift = np.array([bt._weighted_quantiles(S[:, j], W, [p])[0] for j, p in enumerate(PROBS)])
        return _x(r, features) @ B.T + shift[None, :]

    return method


VARIANTS = [
    ("one distribution by horizon (the previous default)", horizon_bins),
    ("one distribution, no horizon bins", adaptive((), between=False)),
    (
        "**adaptive: disagreement + out of step, between-campaign term (default)**",
        adaptive(("disagreement", "out_of_step")),
    ),
    (
        "adaptive: disagreement + out of step, no between-campaign term",
        adaptive(("disagreement", "out_of_step"), False),
    ),
    ("between-campaign term alone", adaptive(())),
]
for _feature in (
    "disagreement",
    "out_of_step",
    "volatility",
    "acceleration",
    "reporting_gap",
    "coverage_now",
    "horizon",
    "campaign_coverage_sd",
    "campaign_slowdown_sd",
):
    VARIANTS.append((f"adaptive: {_feature}, between-campaign term", adaptive((_feature,))))
    VARIANTS.append((f"adaptive: {_feature}, no between-campaign term", adaptive((_feature,), False)))
VARIANTS += [
    ("adaptive: disagreement + volatility, between-campaign term", adaptive(("disagreement", "volatility"))),
    (
        "adaptive: disagreement + campaign coverage sd, between",
        adaptive(("disagreement", "campaign_coverage_sd")),
    ),
    ("CQR on campaign phase + unit phase + horizon", cqr(("phase", "evidence", "horizon"))),
    ("CQR on disagreement + out of step", cqr(("disagreement", "out_of_step"))),
    ("CQR on campaign phase", cqr(("phase",))),
    (
        "nested: between-campaign sd chosen by inner LOCO, 80 % range's coverage",
        between_by_inner_loco(("disagreement", "out_of_step"), "coverage"),
    ),
    (
        "nested: between-campaign sd chosen by inner LOCO, p_on_time's log-loss",
        between_by_inner_loco(("disagreement", "out_of_step"), "logloss"),
    ),
    (
        "nested: default + p_on_time recalibration map (logistic on the logit, inner out-of-fold)",
        recalibrated(("disagreement", "out_of_step"), 1.0),
    ),
    (
        "nested: the same map shrunk half-way toward the identity",
        recalibrated(("disagreement", "out_of_step"), 0.5),
    ),
    # shape, not scale: the same residuals, a different family or a finer grid
    (
        "shape: split conformal at 5 %…95 % by horizon, no between-campaign term",
        adaptive((), False, CONFORMAL_PROBS, (21.0, 56.0, 112.0)),
    ),
    (
        "shape: split conformal at 5 %…95 % by horizon, between-campaign term",
        adaptive((), True, CONFORMAL_PROBS, (21.0, 56.0, 112.0)),
    ),
    (
        "shape: the default at 5 %…95 % (21 levels instead of 13)",
        adaptive(("disagreement", "out_of_step"), True, CONFORMAL_PROBS),
    ),
    (
        "shape: nested: Student-t on the adaptive residuals, df by inner LOCO log score",
        student_t(("disagreement", "out_of_step"), "score"),
    ),
    (
        "shape: nested: Student-t on the adaptive residuals, df by inner LOCO p_on_time log-loss",
        student_t(("disagreement", "out_of_step"), "logloss"),
    ),
    ("shape: nested: Student-t, no spread features, df by inner LOCO log score", student_t((), "score")),
    (
        "the default with the campaign (not campaign x target) as the group",
        adaptive(("disagreement", "out_of_step"), by_campaign=True),
    ),
]
for _df in (1.0, 2.0, 5.0, 1000.0):
    VARIANTS.append(
        (
            f"*shape, not a method: Student-t on the adaptive residuals, df fixed at {_df:g}*",
            student_t(("disagreement", "out_of_step"), _df),
        )
    )
#: Not methods: the between-campaign sd fixed by hand, to show what each width gives on
#: both aims at once (choosing one from this table would be tuning on the held-out campaigns).
SWEEP = (0.0, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0)


def noise_floor(rows: pd.DataFrame, draws: int = 400, seed: int = 0) -> dict:
    """The largest reliability gap (70 %, pooled, deciles) that a *perfectly calibrated*
    forecaster would show on these very forecasts: outcomes drawn from the forecasts' own
    p_on_time, a uniform u per draw and hit = u <= p.  Two bounds on how outcomes are
    shared: one u per origin x unit (its deadlines share one actual date), or one u per
    unit (every origin of a unit shares it).  Returns the median and 90th percentile of
    the largest gap over the draws, and the share of draws above 10 points."""
    r = rows[(rows["threshold"] == 0.7) & rows["p_on_time"].notna()]
    r = r[r["actual_date"].notna() | (r["deadline"] <= r["data_end"])]
    p = r["p_on_time"].to_numpy(dtype=float)
    edges = np.linspace(0, 1, 11)
    b = np.clip(np.digitize(p, edges[1:-1]), 0, 9)
    rng = np.random.default_rng(seed)
    out = {}
    for label, idx in (
        ("per origin x unit", r.groupby(["origin", "key"]).ngroup().to_numpy()),
        ("per unit", r.groupby(["campaign", "key"]).ngroup().to_numpy()),
    ):
        gaps = []
        for _ in range(draws):
            hit = (rng.random(idx.max() + 1)[idx] <= p).astype(float)
            gaps.append(max(abs(hit[b == k].mean() - p[b == k].mean()) for k in range(10) if (b == k).any()))
        gaps = np.asarray(gaps)
        out[label] = {
            "median": round(float(np.median(gaps)), 3),
            "p90": round(float(np.percentile(gaps, 90)), 3),
            "above_10": round(float((gaps > 0.10).mean()), 3),
        }
    return out


def _known(rows: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """The 70 % rows whose outcome at the deadline is known, and whether it was met."""
    r = rows[(rows["threshold"] == 0.7) & rows["p_on_time"].notna()]
    r = r[r["actual_date"].notna() | (r["deadline"] <= r["data_end"])]
    return r, (r["actual_date"].notna() & (r["actual_date"] <= r["deadline"])).to_numpy(dtype=float)


def _remapped(rows: pd.DataFrame, xs, ys) -> pd.DataFrame:
    """p_on_time moved by the monotone map through (xs, ys): the same units' spreads and
    centres, another *shape* of their common distribution (its level p is now read as
    map(p); the 80 % range is where the map reaches 0.1 and 0.9)."""
    out = rows.copy()
    out["p_on_time"] = np.interp(rows["p_on_time"].to_numpy(dtype=float), xs, ys)
    return out


def _range_at_levels(rows: pd.DataFrame, lo: float, hi: float, decided: bool = False) -> dict:
    """Share of actual dates (70 %) whose PIT lies in [lo, hi], per campaign; ``decided``:
    with the certain misses of units that never reached the target (the range's top
    level below the last day of data's) counted too."""
    one = rows.drop_duplicates(["origin", "key", "threshold"])
    one = one[one["threshold"] == 0.7]
    reached = one["actual_date"].notna()
    inside = reached & (one["pit"] >= lo) & (one["pit"] <= hi)
    keep = reached | (decided & ~reached & (hi < one["pit_end"]))
    return {n: round(float(v), 3) for n, v in inside[keep].groupby(one["campaign"][keep]).mean().items()}


def shape_oracles(rows: pd.DataFrame) -> dict:
    """What any change of the distribution's *shape* could do, found by looking at the
    held-out answers (so an upper bound, not a method).  A shape change that keeps every
    unit's centre and spread is a monotone map of the levels, common to all units: the
    range becomes [F^-1(a), F^-1(b)] and p_on_time map(p).

    * ``pit``: where the actual dates fell (per campaign, deciles of the PIT; the units
      that never reached the target count above 90 %): a common shape is wrong if every
      campaign's PIT is bent the same way, a campaign effect if they lean opposite ways.
    * ``isotonic``: the monotone map of p fitted on the very (p, met) pairs it is scored
      on (isotonic regression, scipy): the best reliability any shape can give, and the
      range that same shape implies.
    * ``range``: every pair of levels (a, b), on a grid of 0.01, whose range holds
      75-85 % on each campaign, and the reliability of the shape that puts them at 10 %
      and 90 % (piecewise linear through (0, 0), (a, 0.1), (b, 0.9), (1, 1))."""
    from scipy.optimize import isotonic_regression

    out: dict = {"pit": {}}
    one = rows[rows["threshold"] == 0.7].drop_duplicates(["origin", "key"])
    for name, g in one.groupby("campaign"):
        hist = np.histogram(np.clip(g["pit"], 0, 1), bins=np.linspace(0, 1, 11))[0]
        out["pit"][name] = [round(100 * x / len(g)) for x in hist]
    known, hit = _known(rows)
    order = np.argsort(known["p_on_time"].to_numpy(), kind="stable")
    xs = known["p_on_time"].to_numpy()[order]
    ys = isotonic_regression(hit[order]).x
    rel = bt.reliability(_remapped(rows, xs, ys))
    grid = np.linspace(0, 1, 1001)
    level = np.interp(grid, xs, ys)
    a = float(grid[min(np.searchsorted(level, 0.1), 1000)])
    b = float(grid[min(np.searchsorted(level, 0.9), 1000)])
    out["isotonic"] = {
        "gap": round(float(np.nanmax(np.abs(rel["gap"]))), 3),
        "map_at": {f"{x:.1f}": round(float(np.interp(x, xs, ys)), 3) for x in (0.1, 0.3, 0.5, 0.7, 0.9)},
        "levels": (round(a, 3), round(b, 3)),
        "range80": _range_at_levels(rows, a, b),
    }
    out["isotonic"]["range80_decided"] = _range_at_levels(rows, a, b, decided=True)
    for key, decided in (("range", False), ("range_decided", True)):
        pairs = []
        for lo in np.round(np.arange(0.0, 0.41, 0.01), 2):
            for hi in np.round(np.arange(0.6, 1.0001, 0.01), 2):
                cov = _range_at_levels(rows, lo, hi, decided)
                if all(0.75 <= v <= 0.85 for v in cov.values()):
                    rel = bt.reliability(_remapped(rows, [0.0, lo, hi, 1.0], [0.0, 0.1, 0.9, 1.0]))
                    pairs.append(
                        {
                            "levels": (float(lo), float(hi)),
                            "range80": cov,
                            "gap": round(float(np.nanmax(np.abs(rel["gap"]))), 3),
                        }
                    )
        out[key] = pairs
    return out


def coverage_by_unit_bootstrap(rows: pd.DataFrame, draws: int = 1000, seed: int = 0) -> dict:
    """How precisely a campaign's "80 % range holds" share is known: the units of each
    campaign resampled with replacement (each with all its origins, whose outcomes are one
    actual date), 5th and 95th percentiles of the share (70 % target)."""
    one = rows.drop_duplicates(["origin", "key", "threshold"])
    one = one[one["actual_date"].notna() & (one["threshold"] == 0.7)]
    inside = (one["projected_low"] <= one["actual_date"]) & (one["actual_date"] <= one["projected_high"])
    per_unit = (
        one.assign(inside=inside.astype(float)).groupby(["campaign", "key"])["inside"].agg(["sum", "size"])
    )
    rng = np.random.default_rng(seed)
    out = {}
    for name, g in per_unit.groupby(level="campaign"):
        hits, n = g["sum"].to_numpy(), g["size"].to_numpy()
        pick = rng.integers(0, len(g), size=(draws, len(g)))
        share = hits[pick].sum(axis=1) / n[pick].sum(axis=1)
        out[name] = {
            "share": round(float(hits.sum() / n.sum()), 3),
            "p5": round(float(np.percentile(share, 5)), 3),
            "p95": round(float(np.percentile(share, 95)), 3),
            "units": int(len(g)),
        }
    return out


SHRINK_GRID = np.round(np.arange(0.0, 1.01, 0.1), 1)


def _combined_median(r: pd.DataFrame, params: ForecastParams, how) -> np.ndarray:
    """The median time with the point forecast's combination ``how``: a number is the
    product's shrink (log(median) = log(ruler) + shrink x correction; 0.5 is the
    equal-weight geometric mean of the robust ruler and the calibrated model);
    "arithmetic" the equal-weight mean of the two times in days."""
    import dataclasses

    if how != "arithmetic":
        return bt._median_days(r, dataclasses.replace(params, shrink=float(how)))
    ruler = r["ruler_days"].to_numpy(dtype=float)
    full = bt._median_days(r, dataclasses.replace(params, shrink=1.0))
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(full), 0.5 * ruler + 0.5 * full, full)


def _held_out_ratios(h: Harness, how, names=None, train_of=None) -> dict[str, float]:
    """MAE ratio to the ruler (70 %) of each campaign in ``names`` forecast with the
    median fitted on ``train_of(name)`` (default: the two others) and pooled over them."""
    names = names or h.names
    train_of = train_of or (lambda name: [n for n in h.names if n != name])
    parts = []
    for name in names:
        r = h.rows[name].copy()
        rule = how[name] if isinstance(how, dict) else how
        r["median"] = _combined_median(r, h.medians[frozenset(train_of(name))], rule)
        parts.append(_apply(r.drop(columns=["e"], errors="ignore"), np.zeros((len(r), len(PROBS)))))
    t = bt.score(pd.concat(parts, ignore_index=True))
    t = t[t["threshold"] == 0.7].set_index("campaign")
    return {k: round(float(v), 3) for k, v in t["ratio"].items()}


def shrink_by_inner_loco(h: Harness) -> list[dict]:
    """The point forecast's shrink toward the ruler (fixed at 0.6 in the product) chosen
    by an inner leave-one-campaign-out on each fold's training campaigns (least mean MAE
    ratio to the ruler), and the held-out campaign's MAE ratio with it; beside it, two
    rules fixed before looking (the forecast-combination literature's equal weights: the
    geometric mean of the robust ruler and the calibrated model, shrink 0.5, and their
    arithmetic mean in days), which need no choice and so are nested by construction."""

    def ratio(name, train, how):
        return _held_out_ratios(h, how, [name], lambda _: train)[name]

    out = []
    for held in h.names:
        train = [n for n in h.names if n != held]
        inner = {s: np.mean([ratio(c, [n for n in train if n != c], s) for c in train]) for s in SHRINK_GRID}
        chosen = min(inner, key=inner.get)
        out.append(
            {
                "held_out": held,
                "shrink": float(chosen),
                "ratio": round(ratio(held, train, chosen), 3),
                "ratio_at_0.6": round(ratio(held, train, 0.6), 3),
                "ratio_geometric": round(ratio(held, train, 0.5), 3),
                "ratio_arithmetic": round(ratio(held, train, "arithmetic"), 3),
            }
        )
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=bt.default_data_dir())
    ap.add_argument("--only", default="", help="run only the variants whose label contains this")
    args = ap.parse_args(argv)
    if not args.data_dir.is_dir():
        print(f"no backtest data in {args.data_dir}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    series = bt.load_backtest_series(args.data_dir)
    plans = {n: bt._plan(s) for n, s in series.items()}
    neutral = {n: bt.product_rows(p, bt._neutral(ForecastParams())) for n, p in plans.items()}
    feats = pd.concat([unit_features(p) for p in plans.values()], ignore_index=True)
    print(f"[{time.perf_counter() - t0:4.0f} s] neutral run and features", flush=True)
    h = Harness(neutral, feats)
    results = []
    for label, method in VARIANTS:
        if args.only and args.only not in label:
            continue
        results.append({"variant": label, **h.run(method)})
    for sd in SWEEP:
        results.append(
            {
                "variant": f"*not a method: between-campaign sd fixed at {sd:.1f}*",
                **h.run(adaptive(("disagreement", "out_of_step"), sd)),
            }
        )
    results.append(
        {
            "variant": "reference, not a method: each campaign's own residuals (in sample)",
            **h.run(adaptive((), between=False), held_in_sample=True),
        }
    )
    results.append(
        {
            "variant": "reference, not a method: own residuals, by horizon (in sample)",
            **h.run(horizon_bins, held_in_sample=True),
        }
    )
    names = h.names
    print(
        "\n| variant | "
        + " | ".join(f"{n}: 80 % holds" for n in names)
        + " | pooled | reliability, largest gap | same, per campaign ("
        + ", ".join(names)
        + ") | same, deadlines 14–112 days after the origin | 80 % holds, certain misses of never-reached units"
        " counted (" + ", ".join(names) + ") |"
    )
    print("|---" * (len(names) + 6) + "|")
    for res in results:
        cells = [f"{100 * res['range80'][n]:.0f} %" for n in names]
        per = " / ".join(f"{100 * res['reliability_gap_by_campaign'][n]:.0f}" for n in names)
        print(
            f"| {res['variant']} | "
            + " | ".join(cells)
            + f" | {100 * res['range80']['pooled']:.0f} % | {100 * res['reliability_gap']:.0f} pts"
            + f" | {per} pts | {100 * res['reliability_gap_fixed_horizons']:.0f} pts"
            + " | "
            + " / ".join(f"{100 * res['range80_decided'][n]:.0f}" for n in names)
            + " % |"
        )
    print("\nThe default's distribution refitted on another point forecast or other residuals:\n")
    print(
        "| variant | "
        + " | ".join(f"{n}: MAE ratio, 80 % holds (with certain misses)" for n in names)
        + " | pooled | reliability, largest gap |\n"
        + "|---" * (len(names) + 3)
        + "|"
    )
    refits = [
        ("the product's point forecast (shrink 0.6, fixed)", {}),
        (
            "equal weights, geometric mean of the robust ruler and the calibrated model (shrink 0.5)",
            {"combine": 0.5},
        ),
        (
            "equal weights, arithmetic mean (days) of the robust ruler and the calibrated model",
            {"combine": "arithmetic"},
        ),
        (
            "never-reached units kept in the training residuals (as reached on the last day of data)",
            {"censored": True},
        ),
    ]
    for label, setting in refits:
        for key, value in setting.items():
            setattr(h, key, value)
        res = h.run(adaptive(("disagreement", "out_of_step")))
        for key in setting:
            setattr(h, key, getattr(Harness, key))
        cells = [
            f"{res['ratio'][n]:.3f}, {100 * res['range80'][n]:.0f} % ({100 * res['range80_decided'][n]:.0f} %)"
            for n in names + ["pooled"]
        ]
        print(f"| {label} | " + " | ".join(cells) + f" | {100 * res['reliability_gap']:.0f} pts |")
        results.append({"variant": "refit: " + label, **res})
    default = next((x for x in results if "(default)" in x["variant"]), None)
    if default:
        rel = pd.DataFrame(default["reliability_fixed_horizons"])
        print("\nThe default's p_on_time for deadlines 14–112 days after the origin (pooled):\n")
        print("| p_on_time | n | mean predicted | observed | observed − predicted |\n|---|---|---|---|---|")
        for x in rel.itertuples():
            print(f"| {x.decile} | {x.n} | {x.predicted:.0%} | {x.observed:.0%} | {100 * x.gap:+.0f} pts |")
    if default:
        floor = noise_floor(default["_rows"])
        print(
            "\nLargest pooled reliability gap a perfectly calibrated forecaster would show on the default's"
        )
        print("forecasts (outcomes drawn from its own p_on_time; 400 draws):\n")
        print("| outcomes shared | median | 90th percentile | draws above 10 pts |\n|---|---|---|---|")
        for label, x in floor.items():
            print(
                f"| {label} | {100 * x['median']:.1f} pts | {100 * x['p90']:.1f} pts | {100 * x['above_10']:.0f} % |"
            )
        default["noise_floor"] = floor
        boot = coverage_by_unit_bootstrap(default["_rows"])
        print("\nThe default's 80 % range, how precisely each campaign's share is known (units resampled):\n")
        print("| campaign | units | range holds | 90 % interval |\n|---|---|---|---|")
        for name, x in boot.items():
            print(f"| {name} | {x['units']} | {x['share']:.0%} | {x['p5']:.0%}–{x['p95']:.0%} |")
        default["coverage_bootstrap"] = boot
        shape = shape_oracles(default["_rows"])
        print("\nWhere the actual dates fell in the default's distribution (PIT, 70 %, % per decile):\n")
        print("| campaign | " + " | ".join(f"{10 * k}–{10 * k + 10}" for k in range(10)) + " |")
        print("|---" * 11 + "|")
        for name, hist in shape["pit"].items():
            print(f"| {name} | " + " | ".join(f"{x}" for x in hist) + " |")
        iso = shape["isotonic"]
        print(
            "\nThe best any shape could do, chosen on the held-out answers (not a method):\n"
            f"- the shape that calibrates p_on_time on them (isotonic map of p; 0.1, 0.3, 0.5, 0.7, 0.9 ->"
            f" {', '.join(f'{v:.2f}' for v in iso['map_at'].values())}): largest gap {100 * iso['gap']:.0f} pts,"
            f" and its 80 % range (levels {iso['levels'][0]:.2f}–{iso['levels'][1]:.2f}) holds "
            + " / ".join(f"{100 * v:.0f} %" for v in iso["range80"].values())
        )
        print(
            f"- level pairs (a, b) whose range holds 75–85 % on every campaign: {len(shape['range'])} of 41 x 41"
        )
        for x in shape["range"]:
            print(
                f"  - {x['levels'][0]:.2f}–{x['levels'][1]:.2f}: "
                + " / ".join(f"{100 * v:.0f} %" for v in x["range80"].values())
                + f", p_on_time's largest gap with that shape {100 * x['gap']:.0f} pts"
            )
        print(
            "- the same, with the certain misses of never-reached units counted: the isotonic shape's range holds "
            + " / ".join(f"{100 * v:.0f} %" for v in iso["range80_decided"].values())
            + f"; {len(shape['range_decided'])} level pairs hold 75–85 % on every campaign"
        )
        for x in shape["range_decided"]:
            print(
                f"  - {x['levels'][0]:.2f}–{x['levels'][1]:.2f}: "
                + " / ".join(f"{100 * v:.0f} %" for v in x["range80"].values())
                + f", p_on_time's largest gap with that shape {100 * x['gap']:.0f} pts"
            )
        default["shape_oracles"] = shape
        out = bt.left_out(default["_rows"])
        out = out[out["threshold"] == 0.7].set_index("campaign")
        print(
            "\nThe units that never reached 70 % (left out of the MAE and the range's share, as the"
            " protocol says;\nin the reliability table as misses), counted by backtest.left_out (what"
            " `cccd backtest` and the dashboard show). MAE with them in at a lower bound of their error;"
            "\nthe least ratio any later actual dates could give:\n"
        )
        print(
            "| campaign | forecasts | of units that never reached it (units) | 80 % range held / missed / unknown"
            " | holds, their certain misses counted | MAE model / ruler with them (d) | ratio of those"
            " | least ratio | ratio without |"
        )
        print("|---" * 9 + "|")
        for name, x in out.iterrows():
            print(
                f"| {name} | {x['forecasts']:.0f} | {x['left_out']:.0f} ({x['left_out_units']:.0f}) |"
                f" {x['range_held']:.0f} / {x['range_missed']:.0f} / {x['range_unknown']:.0f} |"
                f" {100 * x['range80_certain']:.0f} % (without them {100 * default['range80'][name]:.0f} %) |"
                f" {x['mae_model_floor']:.1f} / {x['mae_ruler_floor']:.1f} |"
                f" {x['mae_model_floor'] / x['mae_ruler_floor']:.2f} | {x['ratio_floor']:.2f} |"
                f" {default['ratio'][name]:.2f} |"
            )
        out = out.round(3).to_dict(orient="index")
        default["never_reached"] = out
    print("\nWhat the nested variants chose, per held-out campaign (between-campaign sd; map a, b):\n")
    for res in results:
        if res.get("chosen"):
            print(f"- {res['variant']}: {res['chosen']}")
    print(f"\nMAE ratios (the same in every line): {results[0]['ratio']}")
    print("\nThe point forecast's shrink toward the ruler chosen by an inner leave-one-campaign-out:\n")
    print(
        "| held out | shrink chosen | MAE ratio with it | with the product's 0.6 |"
        " equal weights, geometric (shrink 0.5) | equal weights, arithmetic (days) |\n|---|---|---|---|---|---|"
    )
    chosen = shrink_by_inner_loco(h)
    for x in chosen:
        print(
            f"| {x['held_out']} | {x['shrink']:.1f} | {x['ratio']:.3f} | {x['ratio_at_0.6']:.3f}"
            f" | {x['ratio_geometric']:.3f} | {x['ratio_arithmetic']:.3f} |"
        )
    pooled = {how: _held_out_ratios(h, how)["pooled"] for how in (0.6, 0.5, "arithmetic")}
    nested = _held_out_ratios(h, {x["held_out"]: x["shrink"] for x in chosen})["pooled"]
    print(f"| pooled | | {nested:.3f} | {pooled[0.6]:.3f} | {pooled[0.5]:.3f} | {pooled['arithmetic']:.3f} |")
    print(f"{time.perf_counter() - t0:.0f} s")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    for res in results:
        res.pop("_rows", None)
    OUT.write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str))
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
