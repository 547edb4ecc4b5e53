"""The forecaster's calibration, fitted leave one campaign out on the backtest's rows.

``fit_median`` fits the median line, ``conformal`` the predictive distribution (split
conformal, scaled per unit by its difficulty, widened by how much campaigns differ);
``fit_folds`` fits both for every fold and for the product, and ``calibrate`` gives the
parameters the product runs with.  The calibration's evidence (the neutral run's rows)
and the parameters are written beside the package's data (``write_calibration_rows``,
``write_params``) so a test can re-run the fit from them.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from cccd_analytics.analytics import forecast
from cccd_analytics.analytics.backtest_campaigns import (
    MIN_UNITS,
    THRESHOLDS,
    WINDOW_GAP,
    WINDOW_LOW,
    BacktestSeries,
    _Plan,
    _plan,
    product_rows,
)
from cccd_analytics.analytics.forecast import ForecastParams

#: Probabilities at which the predictive distribution is stored.
PROBS = (0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.975)
#: Horizon bins of the conformal residuals (median working days; the last bin is open)
#: and the fewest residuals a bin needs before it stands on its own.  None: the spread
#: features carry what the horizon bins did (see docs/forecast.md, variants).
BIN_EDGES: tuple[float, ...] = ()
MIN_BIN = 30
#: The difficulty features that scale each unit's predictive distribution
#: (forecast.SPREADS), the share of the calibration's values each is clipped at, and
#: what is added to |deviation| (the scale fit needs it > 0; a day's rounding is larger).
SPREAD_FEATURES = ("disagreement", "out_of_step")
SPREAD_CLIP_QUANTILE = 0.95
SPREAD_FLOOR = 1e-3
#: A feature whose clip (its 95th percentile) is below this varies too little to fit.
MIN_SPREAD_CLIP = 0.01
#: Add the between-campaign variance of the residuals' centres (leave one out) to the
#: predictive distribution (see ``conformal``).
BETWEEN_CAMPAIGNS = True


def _groups(rows: pd.DataFrame) -> pd.Series:
    """campaign x threshold of each row, where at least MIN_UNITS units reached it."""
    reached = rows[rows["actual_date"].notna()].groupby(["campaign", "threshold"])["key"].nunique()
    ok = reached[reached >= MIN_UNITS].index
    label = rows["campaign"] + " " + rows["threshold"].map(lambda t: f"{t:.0%}")
    keep = pd.MultiIndex.from_frame(rows[["campaign", "threshold"]]).isin(ok)
    return label.where(keep)


def _days(rows: pd.DataFrame, column: str) -> np.ndarray:
    """Days from the last report to ``column`` (the backtest campaigns have no calendar:
    a day is a working day)."""
    return (rows[column] - rows["last_report"]).dt.days.to_numpy(dtype=float)


def _scored(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per origin x unit x threshold (the goals of one threshold share the date),
    reached, inside a fitted group, with model and ruler times."""
    one = rows.drop_duplicates(["origin", "key", "threshold"])
    group = _groups(one)
    ok = (
        group.notna()
        & one["actual_date"].notna()
        & np.isfinite(one["model_days"])
        & np.isfinite(one["ruler_days"])
    )
    return one[ok].assign(group=group[ok])


def _group_weights(group: pd.Series) -> np.ndarray:
    """Each campaign x threshold weighs the same, whatever its number of rows."""
    w = 1.0 / group.map(group.value_counts()).to_numpy(dtype=float)
    return w / w.mean()


def fit_median(rows: pd.DataFrame, base: ForecastParams) -> ForecastParams:
    """The calibration line: median regression of log(actual / model time) on
    [1, log1p(model days / 7)], each campaign x threshold weighted equally
    (statsmodels QuantReg; weights enter by scaling the rows, which the check loss allows)."""
    import statsmodels.api as sm

    s = _scored(rows)
    actual = np.maximum(_days(s, "actual_date"), 1.0)
    model = np.maximum(s["model_days"].to_numpy(dtype=float), 1.0)
    y = np.log(actual / model)
    X = np.column_stack([np.ones(len(s)), np.log1p(model / 7.0)])
    w = _group_weights(s["group"])
    fit = sm.QuantReg(y * w, X * w[:, None]).fit(q=0.5, max_iter=10_000)
    b0, b1 = (round(float(b), 4) for b in fit.params)
    return dataclasses.replace(base, b0=b0, b1=b1)


def _median_days(s: pd.DataFrame, params: ForecastParams) -> np.ndarray:
    """The product's median (forecast._calibrated_median) for rows of a neutral run."""
    return forecast._calibrated_median(
        s["ruler_days"].to_numpy(dtype=float), s["model_days"].to_numpy(dtype=float), params
    )


def conformal(
    residual_sets: list[tuple[pd.DataFrame, ForecastParams]],
    base: ForecastParams,
    *,
    features: tuple[str, ...] = SPREAD_FEATURES,
    between: bool = BETWEEN_CAMPAIGNS,
    bin_edges: tuple[float, ...] = BIN_EDGES,
) -> ForecastParams:
    """The predictive distribution from out-of-sample residuals (split conformal): for
    each (rows, parameters fitted without those rows), r = log(actual / median), each
    campaign x threshold (a *group*) weighted equally.

    1. **Adaptive spread** (normalised conformal).  The log of the expected
       |r - its group's median| is a line in the difficulty ``features``
       (forecast.SPREADS), each clipped at its SPREAD_CLIP_QUANTILE share (``_scale_fit``);
       a unit's spread is exp(coefficients x features).  Deviations are taken from the
       group's own centre so that a campaign that merely arrived later than another does
       not pass for a harder one.
    2. The normalised residuals z = r / spread, per horizon bin (``bin_edges``; none:
       one distribution), stored as quantiles at PROBS.
    3. **Between campaigns** (``between``).  The groups' centres differ (one campaign
       reached its target before its slowdown, another after), and a new campaign's
       centre is unknown: z is taken about its group's centre, plus the centres' mean,
       and a normal with the centres' variance x (1 + 1/k) (k groups: the variance of a
       new group's centre around an estimated mean) is added (numerically, on a grid).
       Without it the groups' z are pooled as they are.

    The quantiles of each bin are computed by the same weighted rule as before; the
    product divides nothing: it multiplies these quantiles by each unit's spread
    (forecast._conformal), and P(on time) is the CDF of the same distribution."""
    res, med, grp, feats = [], [], [], []
    for rows, params in residual_sets:
        s = _scored(rows)
        m = _median_days(s, params)
        actual = np.maximum(_days(s, "actual_date"), 1.0)
        res.append(np.log(actual / np.maximum(m, 1.0)))
        med.append(m)
        grp.append(s["group"])
        feats.append(_spread_features(s))
    r = np.concatenate(res)
    m = np.concatenate(med)
    group = pd.concat(grp, ignore_index=True).to_numpy()
    w = _group_weights(pd.Series(group))
    F = {name: np.concatenate([f[name] for f in feats]) for name in features}
    centre = _group_centres(r, w, group)
    coef, clip = [], []
    if features:
        clip = [
            max(round(float(_weighted_quantiles(F[n], w, [SPREAD_CLIP_QUANTILE])[0]), 4), 1e-4)
            for n in features
        ]
        # a feature the residuals barely vary in (one campaign's value) would get an
        # arbitrary coefficient from its few distinct rows: it is left out (0)
        usable = [c >= MIN_SPREAD_CLIP for c in clip]
        X = np.column_stack(
            [np.ones(len(r))] + [np.clip(F[n], 0.0, c) for n, c, u in zip(features, clip, usable) if u]
        )
        theta = iter(_scale_fit(np.abs(r - centre), X, w)[1:])
        coef = [round(float(next(theta)), 4) if u else 0.0 for u in usable]
    params = dataclasses.replace(
        base,
        spread_features=tuple(features),
        spread_coef=tuple(coef),
        spread_clip=tuple(float(c) for c in clip),
    )
    z = r / forecast.spread_of(F, params) if features else r
    b = np.searchsorted(np.asarray(bin_edges), m, side="left")
    table = []
    for k in range(len(bin_edges) + 1):
        sel = b == k if (b == k).sum() >= MIN_BIN else np.ones(len(r), bool)
        if between:
            q = _between_campaigns(z[sel], w[sel], group[sel], PROBS)
        else:
            q = _weighted_quantiles(z[sel], w[sel], PROBS)
        table.append(tuple(round(float(x), 4) for x in q))
    return dataclasses.replace(params, bin_edges=tuple(bin_edges), probs=PROBS, quantiles=tuple(table))


def _scale_fit(deviation: np.ndarray, X: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Coefficients of log E|deviation| = X . theta: a gamma GLM with a log link
    (statsmodels), weighted.  Unlike least squares on log|deviation| it is not pulled
    flat by the deviations near zero, so the spread it gives holds the range's share at
    every difficulty, not only on average."""
    import statsmodels.api as sm

    family = sm.families.Gamma(sm.families.links.Log())
    fit = sm.GLM(deviation + SPREAD_FLOOR, X, family=family, var_weights=weights).fit()
    return np.asarray(fit.params)


def _spread_features(rows: pd.DataFrame) -> dict[str, np.ndarray]:
    return forecast.spread_features(
        rows["model_days"].to_numpy(dtype=float),
        rows["ruler_days"].to_numpy(dtype=float),
        rows["unit_phase"].to_numpy(dtype=float),
        rows["campaign_phase"].to_numpy(dtype=float),
    )


def _group_centres(values: np.ndarray, weights: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Each row's group's weighted median."""
    out = np.empty(len(values))
    for g in pd.unique(group):
        sel = group == g
        out[sel] = _weighted_quantiles(values[sel], weights[sel], [0.5])[0]
    return out


def _between_campaigns(z: np.ndarray, w: np.ndarray, group: np.ndarray, probs) -> np.ndarray:
    """Quantiles of (z about its group's centre + the centres' mean) + N(0, tau^2 (1 + 1/k)),
    tau^2 the (unbiased) variance of the k group centres: the predictive distribution of
    a unit of a campaign not seen, whose centre is one more draw."""
    centre = _group_centres(z, w, group)
    groups = pd.unique(group)
    centres = np.array([centre[group == g][0] for g in groups])
    k = len(groups)
    mu = float(np.mean(centres))
    within = z - centre + mu
    if k < 2:
        return _weighted_quantiles(within, w, probs)
    sd = float(np.sqrt(np.var(centres, ddof=1) * (1.0 + 1.0 / k)))
    if sd <= 0:
        return _weighted_quantiles(within, w, probs)
    from scipy import special

    order = np.argsort(within)
    v, ww = within[order], w[order] / w.sum()
    grid = np.linspace(v[0] - 5 * sd, v[-1] + 5 * sd, 2001)
    cdf = np.array([float(np.dot(ww, special.ndtr((x - v) / sd))) for x in grid])
    return np.interp(probs, cdf, grid)


def _weighted_quantiles(values, weights, probs) -> np.ndarray:
    order = np.argsort(values)
    v, w = values[order], weights[order]
    cum = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(probs, cum, v)


def _neutral(base: ForecastParams) -> ForecastParams:
    """The forecaster with the calibration switched off: the model's own time."""
    return dataclasses.replace(base, b0=0.0, b1=0.0, shrink=1.0)


@dataclass
class Folds:
    """Everything the leave-one-campaign-out evaluation fits: the neutral rows, the
    parameters of each fold (fitted without that campaign) and of the product (all)."""

    neutral: dict[str, pd.DataFrame]
    fold_params: dict[str, ForecastParams]
    product: ForecastParams


def fit_folds(
    plans: Mapping[str, _Plan | None],
    base: ForecastParams | None = None,
    neutral: Mapping[str, pd.DataFrame] | None = None,
    **conformal_options,
) -> Folds:
    """Run the product once per origin with the calibration off (or take ``neutral``,
    rows of such a run, e.g. ``read_calibration_rows``), then fit, for every set of
    campaigns needed, the median line and the conformal distribution
    (``conformal_options`` go to ``conformal``: the variants of the comparison)."""
    base = base or ForecastParams()
    if neutral is None:
        neutral = {name: product_rows(p, _neutral(base)) for name, p in plans.items()}
    names = list(plans)
    medians: dict[frozenset, ForecastParams] = {}

    def median_on(train: frozenset) -> ForecastParams:
        if train not in medians:
            medians[train] = fit_median(pd.concat([neutral[n] for n in train]), base)
        return medians[train]

    def full(train: frozenset) -> ForecastParams:
        """Median fitted on ``train``; residuals of each of its campaigns from a median
        fitted on the others of ``train`` (out of sample for that campaign)."""
        fitted = median_on(train)
        sets = []
        for held in sorted(train):
            rest = train - {held}
            if rest:
                sets.append((neutral[held], median_on(rest)))
        return conformal(sets, fitted, **conformal_options) if sets else fitted

    all_names = frozenset(names)
    fold_params = {n: full(all_names - {n}) for n in names}
    product = full(all_names)
    product = dataclasses.replace(
        product,
        provenance={
            "campaigns": sorted(names),
            "thresholds": list(THRESHOLDS),
            "window": [WINDOW_LOW, f"threshold - {WINDOW_GAP}"],
            "computed_on": date.today().isoformat(),
            "rows": {n: int(len(_scored(neutral[n]))) for n in sorted(names)},
        },
    )
    return Folds(dict(neutral), fold_params, product)


def calibrate(series: Mapping[str, BacktestSeries], base: ForecastParams | None = None) -> ForecastParams:
    """The parameters the product runs with: fitted on every campaign (``fit_folds``)."""
    plans = {n: _plan(s) for n, s in series.items()}
    return fit_folds(plans, base).product


# The calibration's evidence: the neutral run's rows (one per origin x unit x threshold,
# the columns the fit reads), written beside the parameters.  They are model outputs
# (times in days, phases), not the campaigns' series.  The fit is re-run from them in a
# second (tests/test_forecast.py), and a few origins of them are re-forecast to check
# that they are still what the forecaster gives.
CALIBRATION_ROWS = forecast.PARAMS_FILE.with_name("forecast_calibration_rows.csv.gz")
CALIBRATION_COLUMNS = [
    "campaign",
    "key",
    "origin",
    "threshold",
    "last_report",
    "actual_date",
    "model_days",
    "ruler_days",
    "unit_phase",
    "campaign_phase",
]
_DATE_COLUMNS = ("origin", "last_report", "actual_date")


def calibration_rows(neutral: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The rows of a neutral run the fit reads, one per origin x unit x threshold."""
    frames = [
        neutral[n].drop_duplicates(["origin", "key", "threshold"])[CALIBRATION_COLUMNS]
        for n in sorted(neutral)
    ]
    return pd.concat(frames, ignore_index=True)


def write_calibration_rows(neutral: Mapping[str, pd.DataFrame], path: Path = CALIBRATION_ROWS) -> None:
    rows = calibration_rows(neutral).copy()
    for column in _DATE_COLUMNS:
        rows[column] = rows[column].dt.strftime("%Y-%m-%d")
    # repr-precision floats: the fit re-run from the file is the fit of the run itself
    # (mtime=0 in the gzip header: the same rows give the same bytes)
    import gzip

    with gzip.GzipFile(path, "wb", mtime=0) as out:
        out.write(rows.to_csv(index=False, lineterminator="\n").encode("utf-8"))


def read_calibration_rows(path: Path = CALIBRATION_ROWS) -> dict[str, pd.DataFrame]:
    """What ``write_calibration_rows`` wrote, per campaign, as ``fit_folds`` takes it."""
    rows = pd.read_csv(path, dtype={"campaign": str, "key": str})
    for column in _DATE_COLUMNS:
        rows[column] = pd.to_datetime(rows[column]).astype("datetime64[ns]")
    return {name: part.reset_index(drop=True) for name, part in rows.groupby("campaign", sort=True)}


def write_params(params: ForecastParams, path: Path = forecast.PARAMS_FILE) -> None:
    path.write_text(json.dumps(params.to_json(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def same_params(a: ForecastParams, b: ForecastParams, tol: float = 1e-3) -> bool:
    """Equal up to the rounding the file keeps (provenance aside)."""
    ja, jb = a.to_json(), b.to_json()
    ja.pop("provenance"), jb.pop("provenance")
    flat_a = pd.json_normalize(ja).iloc[0]
    flat_b = pd.json_normalize(jb).iloc[0]
    if set(flat_a.index) != set(flat_b.index):
        return False
    for key in flat_a.index:
        try:
            x, y = np.asarray(flat_a[key], dtype=float), np.asarray(flat_b[key], dtype=float)
        except (TypeError, ValueError):  # names (the spread features)
            if list(np.atleast_1d(flat_a[key])) != list(np.atleast_1d(flat_b[key])):
                return False
            continue
        if x.shape != y.shape or not np.allclose(x, y, atol=tol, rtol=0):
            return False
    return True
