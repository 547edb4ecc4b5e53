"""The forecaster's track record on real coverage campaigns, and its calibration.

The series are first-dose vaccination counts per region (Italy daily, Germany daily by
vaccination site, Canada weekly), one region per unit, used as stand-ins for a CCCD
issuance campaign: a cumulative count per unit against an eligible population.

Everything is scored the way the product is used and through the function the product
uses: each campaign becomes observations, units and a campaign definition, and
``metrics.snapshot`` (what ``cccd status`` calls, with its calendar and as-of cut)
forecasts it from weekly origins.  A unit is scored from an origin when its coverage
is between ``WINDOW_LOW`` and the threshold minus ``WINDOW_GAP``, against the first day
its cumulative reached the threshold.

**Leave one campaign out.**  The calibration (``fit_median``: the median line;
``conformal``: the predictive distribution) is fitted on the other campaigns and the
held-out one is scored with it, so every figure the track record shows is for a
campaign the model has not seen.  The conformal residuals of a fold are themselves
out of sample: each training campaign's residuals come from a fit without it.  The
product's parameters (``calibrate``) are fitted on all campaigns the same way and
written to ``forecast.PARAMS_FILE``; a test checks that what the product runs with is
what this produced.

``load_backtest_series`` is the only function here that reads the data files.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from cccd_analytics.analytics import campaigns as camp
from cccd_analytics.analytics import forecast, metrics
from cccd_analytics.analytics.forecast import ForecastParams

__all__ = [
    "BacktestSeries",
    "Report",
    "calibrate",
    "evaluate",
    "load_backtest_series",
    "shipped_track_record",
]

#: Targets scored, as shares of eligible (scored where some units reached them).
THRESHOLDS = (0.7, 0.9, 1.0)
#: A unit is scored from an origin where its coverage is in [WINDOW_LOW, threshold - WINDOW_GAP].
WINDOW_LOW = 0.30
WINDOW_GAP = 0.05
#: Origins: weekly, starting this many days after the first day a unit reached WINDOW_LOW
#: (mid-week for weekly reporters, so the last report is days old as in real use).
STEP_DAYS = 7
ORIGIN_OFFSET_DAYS = 3
#: A campaign x threshold is fitted and scored when at least this many units reached it.
MIN_UNITS = 3
#: Deadlines for P(on time): the days by which these shares of the units that reached the
#: threshold had reached it (fixed dates per campaign, as a campaign file has).
DEADLINE_SHARES = (0.25, 0.5, 0.75)
#: Probabilities at which the predictive distribution is stored.
PROBS = (0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.975)
#: Horizon bins of the conformal residuals (median working days; the last bin is open)
#: and the fewest residuals a bin needs before it stands on its own.  None: the spread
#: features carry what the horizon bins did (see docs/forecast.md, variants).
BIN_EDGES: tuple[float, ...] = ()
MIN_BIN = 30
#: The fewest forecasts a reliability bin stands on before it is merged with a neighbour.
MIN_RELIABILITY_BIN = 30
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

TRACK_RECORD = Path(__file__).resolve().parents[1] / "data" / "track_record.json"


def default_data_dir() -> Path:
    """``shared/backtest-data`` beside the checkout (read in place, never copied in)."""
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "backtest-data"
        if candidate.is_dir():
            return candidate
    return Path(__file__).resolve().parents[3] / "shared" / "backtest-data"


@dataclass(frozen=True)
class BacktestSeries:
    """One campaign: cumulative counts (days x units; NaN = not reported), eligible and
    the units' names."""

    name: str
    cumulative: pd.DataFrame
    eligible: pd.Series
    names: pd.Series
    label: str = ""

    def keys(self) -> list[str]:
        return [f"{self.name}:{u}" for u in self.cumulative.columns]


def load_backtest_series(data_dir: str | Path) -> dict[str, BacktestSeries]:
    """The three campaigns of ``data_dir`` (its SOURCES.md says where they come from).

    Italy: eligible = ``population_12plus``.  Germany: eligible = ``population_derived``;
    region 00 (national total) and regions without a population (17, federal agencies)
    left out.  Canada: weekly reports, eligible = ``population``; region 1 (Canada)
    left out.  Days without a report stay NaN (not reported, never zero).
    """
    data_dir = Path(data_dir)
    out: dict[str, BacktestSeries] = {}
    italy = pd.read_csv(
        data_dir / "italy_regions_dose1.csv", parse_dates=["date"], dtype={"region_code": str}
    )
    out["italy"] = _series("italy", italy, "population_12plus", "Ý — 21 vùng (dân số 12+), hằng ngày")
    germany = pd.read_csv(
        data_dir / "germany_laender_dose1.csv", parse_dates=["date"], dtype={"region_code": str}
    )
    germany = germany[(germany["region_code"] != "00") & germany["population_derived"].gt(0)]
    out["germany"] = _series("germany", germany, "population_derived", "Đức — 16 bang, hằng ngày")
    canada_file = data_dir / "canada_provinces_dose1_weekly.csv"
    if canada_file.exists():
        canada = pd.read_csv(canada_file, parse_dates=["date"], dtype={"region_code": str})
        canada = canada[canada["region_code"] != "1"]
        out["canada"] = _series("canada", canada, "population", "Canada — 13 tỉnh, báo cáo theo tuần")
    return out


def _series(name: str, long: pd.DataFrame, population: str, label: str) -> BacktestSeries:
    wide = long.pivot(index="date", columns="region_code", values="people_dose1").astype(float)
    wide = wide.reindex(pd.date_range(wide.index.min(), wide.index.max(), freq="D"))
    wide.columns = wide.columns.astype(str)
    wide.columns.name = "unit"
    # an eligible population is a count (Canada's is derived from a rounded share)
    eligible = long.groupby("region_code")[population].first().astype(float).round()
    names = long.groupby("region_code")["region_name"].first().astype(str)
    return BacktestSeries(name, wide, eligible.reindex(wide.columns), names.reindex(wide.columns), label)


# ------------------------------------------------------------------ the campaign


@dataclass(frozen=True)
class _Plan:
    """What the product is asked about one campaign: units, observations, the goals
    (threshold x deadline) and the origins; and what happened (reach days)."""

    series: BacktestSeries
    obs: pd.DataFrame
    units: pd.DataFrame
    goals: list[tuple[float, pd.Timestamp]]
    origins: list[pd.Timestamp]
    reach: pd.DataFrame  # unit key x threshold -> first day at/above it (NaT: never)
    data_end: pd.Series  # unit key -> last report


def _plan(s: BacktestSeries, thresholds=THRESHOLDS, step_days=STEP_DAYS, offset=ORIGIN_OFFSET_DAYS) -> _Plan:
    keys = s.keys()
    cum = s.cumulative.set_axis(keys, axis=1)
    eligible = s.eligible.set_axis(keys)
    filled = cum.interpolate(limit_area="inside")
    coverage = filled.div(eligible, axis=1)
    reach = pd.DataFrame({t: _first_day(coverage >= t) for t in thresholds})
    data_end = cum.apply(lambda c: c.last_valid_index())
    goals = []
    for t in thresholds:
        reached = reach[t].dropna().sort_values()
        if len(reached) >= MIN_UNITS:
            for share in DEADLINE_SHARES:
                goals.append((t, reached.iloc[int(round(share * (len(reached) - 1)))]))
        else:
            goals.append((t, cum.index.max()))
    start = _first_day(coverage >= WINDOW_LOW).min() + pd.Timedelta(days=offset)
    last_reach = reach.stack().max()
    end = last_reach if pd.notna(last_reach) else cum.index.max()
    origins = list(pd.date_range(start, end, freq=f"{step_days}D"))
    long = cum.stack().dropna().rename("value").reset_index()
    long.columns = ["date", "unit_key", "value"]
    obs = long.assign(metric="collected", upload_id=0)[["unit_key", "date", "metric", "value", "upload_id"]]
    units = pd.DataFrame(
        {
            "key": keys,
            "code": list(s.cumulative.columns),
            "name": list(s.names.fillna("").astype(str)),
            "level": "commune",
            "unit_type": "",
            "parent_key": None,
            "province_key": None,
            "district_key": None,
            "hierarchy": "backtest",
            "population": eligible.to_numpy(),
            "eligible_estimate": eligible.to_numpy(),
            "tags": [()] * len(keys),
            "official": False,
        }
    ).set_index("key", drop=False)
    return _Plan(s, obs, units, goals, origins, reach, data_end)


def _first_day(mask: pd.DataFrame) -> pd.Series:
    any_ = mask.any()
    first = mask.idxmax()
    return first.where(any_, pd.NaT).astype("datetime64[ns]")


def _campaign(plan: _Plan) -> camp.Campaign:
    """The campaign file a user would write: the first goal as the target, the others
    as milestones over every unit (each its own threshold and deadline)."""
    keys = tuple(plan.units.index)
    (t0, d0), rest = plan.goals[0], plan.goals[1:]
    return camp.Campaign(
        name=plan.series.name,
        deadline=d0.date(),
        target=camp.Target("share", t0),
        scope=keys,
        milestones=tuple(
            camp.Milestone(
                name=f"{t:.0%} {d:%Y-%m-%d}", deadline=d.date(), target=camp.Target("share", t), units=keys
            )
            for t, d in rest
        ),
    )


ROW_FIELDS = [
    "key",
    "deadline",
    "coverage",
    "projected_date",
    "projected_low",
    "projected_high",
    "p_on_time",
    "run_rate_date",
    "last_report",
    "evidence",
    "ruler_days",
    "model_days",
    "median_days",
    "unit_phase",
    "campaign_phase",
    "status",
]


def product_rows(
    plan: _Plan,
    params: ForecastParams | None,
    method: str = "default",
    origins: Iterable[pd.Timestamp] | None = None,
) -> pd.DataFrame:
    """Forecast every origin with ``metrics.snapshot`` (the product path) and keep the
    rows to score: one per origin x unit x goal, inside the coverage window."""
    campaign = _campaign(plan)
    thresholds = [t for t, _ in plan.goals]
    frames = []
    for origin in origins if origins is not None else plan.origins:
        snap = metrics.snapshot(plan.obs, plan.units, campaign, origin, method=method, params=params)
        um = snap.unit_milestones
        um = um[um["level"] == "commune"]
        part = um[ROW_FIELDS].copy()
        part["threshold"] = np.asarray(thresholds)[um["milestone_index"].to_numpy()]
        part["origin"] = snap.as_of
        frames.append(part)
    rows = pd.concat(frames, ignore_index=True)
    rows["campaign"] = plan.series.name
    rows["actual_date"] = [plan.reach.at[k, t] for k, t in zip(rows["key"], rows["threshold"])]
    rows["data_end"] = rows["key"].map(plan.data_end)
    inside = (
        (rows["coverage"] >= WINDOW_LOW)
        & (rows["coverage"] <= rows["threshold"] - WINDOW_GAP + 1e-12)
        & (rows["origin"] < rows["data_end"])
    )
    return rows[inside].reset_index(drop=True)


# ----------------------------------------------------------------- calibration


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


# -------------------------------------------------------------------- scoring


@dataclass
class Report:
    """The leave-one-campaign-out track record."""

    table: pd.DataFrame  # campaign x threshold (and pooled): MAE model vs ruler, range, ...
    reliability: pd.DataFrame  # p_on_time in deciles vs what happened (70 %, pooled)
    comparison: pd.DataFrame  # every method tried, same rows
    rows: pd.DataFrame  # the scored rows of the default model
    product: ForecastParams
    neutral: dict[str, pd.DataFrame] = dataclasses.field(default_factory=dict)  # the calibration's evidence
    reliability_by_campaign: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)

    def to_json(self) -> dict:
        def records(df):
            return json.loads(df.to_json(orient="records", double_precision=4, date_format="iso"))

        return {
            "computed_on": date.today().isoformat(),
            "protocol": {
                "origins": f"weekly (+{ORIGIN_OFFSET_DAYS} days after the first unit reached {WINDOW_LOW:.0%})",
                "window": f"coverage between {WINDOW_LOW:.0%} and the threshold minus {WINDOW_GAP:.0%}",
                "deadlines": [f"day {s:.0%} of the units had reached the threshold" for s in DEADLINE_SHARES],
                "scoring": "leave one campaign out, through metrics.snapshot",
            },
            "rows": records(self.table),
            "reliability": records(self.reliability),
            "reliability_by_campaign": records(self.reliability_by_campaign),
            "comparison": records(self.comparison),
        }


def save_calibration(report: Report) -> None:
    """Write what the product runs with: the parameters, the calibration's rows (so the
    fit can be re-checked in a second) and the track record the dashboard shows."""
    write_params(report.product)
    write_calibration_rows(report.neutral)
    TRACK_RECORD.write_text(
        json.dumps(report.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )


def score(rows: pd.DataFrame, label: str = "") -> pd.DataFrame:
    """Per campaign x threshold, and pooled per threshold: origins, units, MAE of the
    projected date and of the ruler (run_rate_date: remaining / 7-day pace), their
    ratio, median error, the share of actual dates inside the 80 % range."""
    one = rows.drop_duplicates(["origin", "key", "threshold"])
    one = one[one["actual_date"].notna()]
    far = one["origin"] + pd.Timedelta(days=forecast.HORIZON_DAYS)
    model = one["projected_date"].fillna(far)
    ruler = one["run_rate_date"].fillna(far)
    err_m = (model - one["actual_date"]).dt.days
    err_r = (ruler - one["actual_date"]).dt.days
    inside = (one["projected_low"] <= one["actual_date"]) & (one["actual_date"] <= one["projected_high"])
    frame = one.assign(err_m=err_m, err_r=err_r, inside=inside.astype(float))

    def summary(g):
        return pd.Series(
            {
                "origins": len(g),
                "units": g["key"].nunique(),
                "mae_ruler": g["err_r"].abs().mean(),
                "mae_model": g["err_m"].abs().mean(),
                "ratio": g["err_m"].abs().mean() / g["err_r"].abs().mean(),
                "bias_ruler": g["err_r"].median(),
                "bias_model": g["err_m"].median(),
                "range80": g["inside"].mean(),
            }
        )

    per = frame.groupby(["campaign", "threshold"]).apply(summary, include_groups=False).reset_index()
    pooled = frame.groupby("threshold").apply(summary, include_groups=False).reset_index()
    pooled.insert(0, "campaign", "pooled")
    out = pd.concat([per, pooled], ignore_index=True)
    out[["origins", "units"]] = out[["origins", "units"]].astype(int)
    if label:
        out.insert(0, "method", label)
    return out


def reliability(
    rows: pd.DataFrame, threshold: float = 0.7, bins: int = 10, min_n: int = MIN_RELIABILITY_BIN
) -> pd.DataFrame:
    """p_on_time against what happened, in deciles, over every goal of ``threshold``
    whose outcome is known (reached, or the deadline inside the data).  A decile with
    fewer than ``min_n`` forecasts is merged with its neighbour towards the middle (its
    label then spans both), so no bin rests on a handful of cases."""
    r = rows[(rows["threshold"] == threshold) & rows["p_on_time"].notna()].copy()
    reached = r["actual_date"].notna()
    known = reached | (r["deadline"] <= r["data_end"])
    r = r[known]
    r["hit"] = (r["actual_date"].notna() & (r["actual_date"] <= r["deadline"])).astype(float)
    edges = np.linspace(0, 1, bins + 1)
    r["bin"] = np.clip(np.digitize(r["p_on_time"], edges[1:-1]), 0, bins - 1)
    counts = r["bin"].value_counts().reindex(range(bins), fill_value=0).to_numpy()
    groups = [[i] for i in range(bins)]
    while len(groups) > 1:
        sparse = [j for j, g in enumerate(groups) if counts[g].sum() < min_n]
        if not sparse:
            break
        j = sparse[0]
        k = j + 1 if j < (len(groups) - 1) / 2 else j - 1  # towards the middle
        lo, hi = min(j, k), max(j, k)
        groups[lo : hi + 1] = [groups[lo] + groups[hi]]
    label = np.empty(bins, dtype=int)
    for gi, g in enumerate(groups):
        label[g] = gi
    r["group"] = label[r["bin"].to_numpy()]
    out = r.groupby("group").agg(n=("hit", "size"), predicted=("p_on_time", "mean"), observed=("hit", "mean"))
    out = out.reindex(range(len(groups))).reset_index(drop=True)
    out.insert(0, "decile", [f"{edges[g[0]]:.0%}–{edges[g[-1] + 1]:.0%}" for g in groups])
    out["n"] = out["n"].fillna(0).astype(int)
    out["gap"] = out["observed"] - out["predicted"]
    return out


def evaluate(
    series: Mapping[str, BacktestSeries],
    base: ForecastParams | None = None,
    *,
    compare: Iterable[str] = ("run_rate", "saturating", "saturating_shipped"),
    progress=None,
) -> Report:
    """The leave-one-campaign-out track record: each campaign forecast through
    ``metrics.snapshot`` with the parameters fitted without it, and scored."""
    plans = {n: _plan(s) for n, s in series.items()}
    say = progress or (lambda *_: None)
    say("neutral run and fits")
    folds = fit_folds(plans, base)
    rows = []
    for name, plan in plans.items():
        say(f"scoring {name}")
        rows.append(product_rows(plan, folds.fold_params[name]))
    rows = pd.concat(rows, ignore_index=True)
    table = score(rows)
    variants = [_with_reliability(table.assign(method="drain (default)"), rows)]
    for name, params in _variants(folds, plans, base).items():
        v = pd.concat([_closed_form_rows(folds.neutral[n], params[n]) for n in plans], ignore_index=True)
        variants.append(_with_reliability(score(v, name), v))
    for method in compare:
        say(f"comparison: {method}")
        v = pd.concat([product_rows(plan, None, method=method) for plan in plans.values()], ignore_index=True)
        variants.append(_with_reliability(score(v, method), v))
    comparison = pd.concat(variants, ignore_index=True)
    by_campaign = pd.concat(
        [reliability(rows[rows["campaign"] == n], min_n=0).assign(campaign=n) for n in plans],
        ignore_index=True,
    )
    return Report(table, reliability(rows), comparison, rows, folds.product, folds.neutral, by_campaign)


def _with_reliability(table: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """The comparison's pooled rows get the largest reliability gap of p_on_time (70 %)."""
    rel = reliability(rows)
    worst = float(np.nanmax(np.abs(rel["gap"]))) if rel["n"].sum() else np.nan
    pooled = (table["campaign"] == "pooled") & (table["threshold"] == 0.7)
    return table.assign(reliability_gap=np.where(pooled, worst, np.nan))


def _variants(folds: Folds, plans, base) -> dict[str, dict[str, ForecastParams]]:
    """Tried-and-rejected variants of the default that only change its calibration or
    its predictive distribution (refitted leave one campaign out from the same neutral
    rows, projected with the product's formula)."""
    out = {}
    refit = {
        "one distribution by horizon (the previous default)": dict(
            features=(), between=False, bin_edges=(21.0, 56.0, 112.0)
        ),
        "adaptive spread, no between-campaign term": dict(between=False),
        "between-campaign term, no adaptive spread": dict(features=()),
        "adaptive spread by disagreement alone, between-campaign term": dict(features=("disagreement",)),
    }
    for label, options in refit.items():
        out[label] = fit_folds(plans, base, neutral=folds.neutral, **options).fold_params
    out["drain, no shrink toward the ruler"] = {
        n: dataclasses.replace(p, shrink=1.0) for n, p in folds.fold_params.items()
    }
    out["robust ruler (pace from whole weeks), no calibration"] = {
        n: dataclasses.replace(p, shrink=0.0) for n, p in folds.fold_params.items()
    }
    return out


def _closed_form_rows(neutral: pd.DataFrame, params: ForecastParams) -> pd.DataFrame:
    """What the product would project with ``params`` (same formulas, no calendar: a
    day is a working day): the dates and p_on_time at each row's deadline."""
    r = neutral.copy()
    m = _median_days(r, params)
    spread = forecast.spread_of(_spread_features(r), params)
    lo, hi, cdf = forecast._conformal(m, params, spread)
    base = r["last_report"]

    def at(days):
        with np.errstate(invalid="ignore", over="ignore"):
            d = np.ceil(days)
        d = np.where(np.isfinite(d) & (d <= forecast.HORIZON_DAYS), d, np.nan)
        return base + pd.to_timedelta(d, unit="D")

    r["projected_date"] = at(m)
    r["projected_low"] = at(m * np.exp(lo))
    r["projected_high"] = at(m * np.exp(hi))
    cap = (r["deadline"] - r["last_report"]).dt.days.to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = np.log(np.maximum(cap, 1e-300)) - np.log(m)
    p = cdf(gap)
    p = np.where(np.isfinite(m), p, 0.0)
    p = np.where(cap <= 0, 0.0, p)
    r["p_on_time"] = np.where(r["p_on_time"].notna(), p, np.nan)
    return r


def shipped_track_record(path: Path = TRACK_RECORD) -> tuple[str | None, dict]:
    """The track record shipped with the package (`cccd backtest --save`), for the dashboard:
    (computed on, the JSON of ``Report.to_json``)."""
    if not path.exists():
        return None, {}
    record = json.loads(path.read_text(encoding="utf-8"))
    return record.get("computed_on"), record
