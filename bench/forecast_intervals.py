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
units.  The last lines are not methods: each campaign scored with its own residuals (in
sample) - the best any distribution that ignores which campaign it is could do.
Prints a table (markdown) and writes bench/out/forecast_intervals.json.  Never fails on
the aims.
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
        for k in (1, 2):
            for c in combinations(self.names, k):
                self.medians[frozenset(c)] = bt.fit_median(
                    pd.concat([neutral[n] for n in c]), ForecastParams()
                )

    def with_median(self, name: str, train) -> pd.DataFrame:
        r = self.rows[name].copy()
        params = self.medians[frozenset(train)]
        r["median"] = bt._median_days(r, params)
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
            rest = [n for n in train if n != held]
            r = self.with_median(held, rest)
            s = bt._scored(r)
            parts.append(r.loc[s.index].assign(group=s["group"]))
        t = pd.concat(parts, ignore_index=True)
        t["w"] = bt._group_weights(t["group"])
        return t

    def run(self, method, held_in_sample: bool = False) -> dict:
        out = []
        for held in self.names:
            train = [n for n in self.names if n != held]
            T = self.training(train)
            r = self.with_median(held, train)
            if held_in_sample:
                s = bt._scored(r)
                T = r.loc[s.index].assign(group=s["group"])
                T["w"] = bt._group_weights(T["group"])
            out.append(_apply(r, method(T, r)))
        rows = pd.concat(out, ignore_index=True)
        table = bt.score(rows)
        table = table[table["threshold"] == 0.7].set_index("campaign")
        rel = bt.reliability(rows)
        return {
            "range80": table["range80"].round(3).to_dict(),
            "ratio": table["ratio"].round(3).to_dict(),
            "reliability_gap": round(float(np.nanmax(np.abs(rel["gap"]))), 3),
            "reliability": rel.round(3).to_dict(orient="list"),
        }


def _apply(r: pd.DataFrame, Q: np.ndarray) -> pd.DataFrame:
    """Dates and p_on_time from per-row quantiles Q (n x PROBS) of log(actual / median)."""
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


def adaptive(features, between=True):
    """Normalised conformal: E|deviation from the group's centre| on the features
    (clipped at their 95th percentile; backtest._scale_fit), quantiles of residual /
    spread; with the between-campaign term of backtest.conformal."""

    def method(T, r):
        e, w, g = T["e"].to_numpy(), T["w"].to_numpy(), T["group"].to_numpy()
        spread_t = np.ones(len(T))
        spread_r = np.ones(len(r))
        if features:
            clip = [
                max(bt._weighted_quantiles(T[c].to_numpy(dtype=float), w, [0.95])[0], 1e-4) for c in features
            ]
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
            spread_t, spread_r = np.exp(X(T) @ theta), np.exp(X(r) @ theta)
        z = e / spread_t
        q = bt._between_campaigns(z, w, g, PROBS) if between else bt._weighted_quantiles(z, w, PROBS)
        return spread_r[:, None] * q[None, :]

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
]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=bt.default_data_dir())
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
        results.append({"variant": label, **h.run(method)})
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
        + " | pooled | reliability, largest gap |"
    )
    print("|---" * (len(names) + 3) + "|")
    for res in results:
        cells = [f"{100 * res['range80'][n]:.0f} %" for n in names]
        print(
            f"| {res['variant']} | "
            + " | ".join(cells)
            + f" | {100 * res['range80']['pooled']:.0f} % | {100 * res['reliability_gap']:.0f} pts |"
        )
    print(f"\nMAE ratios (the same in every line): {results[0]['ratio']}")
    print(f"{time.perf_counter() - t0:.0f} s")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str))
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
