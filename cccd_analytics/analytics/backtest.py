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

``load_backtest_series`` is the only function that reads the data files.

The parts: ``backtest_campaigns`` (reading the campaigns, the plan of origins and goals,
the product's rows), ``backtest_calibration`` (the median line, the conformal
distribution, the folds and the files they write) and this module (scoring, reliability
and the track record the dashboard shows).
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

from cccd_analytics.analytics import forecast
from cccd_analytics.analytics.backtest_calibration import (
    _DATE_COLUMNS,
    BETWEEN_CAMPAIGNS,
    BIN_EDGES,
    CALIBRATION_COLUMNS,
    CALIBRATION_ROWS,
    MIN_BIN,
    MIN_SPREAD_CLIP,
    PROBS,
    SPREAD_CLIP_QUANTILE,
    SPREAD_FEATURES,
    SPREAD_FLOOR,
    Folds,
    _between_campaigns,
    _days,
    _group_centres,
    _group_weights,
    _groups,
    _median_days,
    _neutral,
    _scale_fit,
    _scored,
    _spread_features,
    _weighted_quantiles,
    calibrate,
    calibration_rows,
    conformal,
    fit_folds,
    fit_median,
    read_calibration_rows,
    same_params,
    write_calibration_rows,
    write_params,
)

# The backtest's parts are modules of their own: the campaigns put to the product
# (backtest_campaigns) and the calibration (backtest_calibration).  Their names stay
# importable from here, where the command line, the benchmarks and the tests reach them.
from cccd_analytics.analytics.backtest_campaigns import (
    DEADLINE_SHARES,
    MIN_UNITS,
    ORIGIN_OFFSET_DAYS,
    ROW_FIELDS,
    STEP_DAYS,
    THRESHOLDS,
    WINDOW_GAP,
    WINDOW_LOW,
    BacktestSeries,
    _campaign,
    _first_day,
    _Plan,
    _plan,
    _series,
    default_data_dir,
    load_backtest_series,
    product_rows,
)
from cccd_analytics.analytics.forecast import ForecastParams

__all__ = [
    "BETWEEN_CAMPAIGNS",
    "BIN_EDGES",
    "BacktestSeries",
    "CALIBRATION_COLUMNS",
    "CALIBRATION_ROWS",
    "DEADLINE_SHARES",
    "Folds",
    "MIN_BIN",
    "MIN_RELIABILITY_BIN",
    "MIN_SPREAD_CLIP",
    "MIN_UNITS",
    "ORIGIN_OFFSET_DAYS",
    "PROBS",
    "ROW_FIELDS",
    "Report",
    "SPREAD_CLIP_QUANTILE",
    "SPREAD_FEATURES",
    "SPREAD_FLOOR",
    "STEP_DAYS",
    "THRESHOLDS",
    "TRACK_RECORD",
    "TRACK_RECORD_COLUMNS",
    "TRACK_RECORD_ROWS",
    "WINDOW_GAP",
    "WINDOW_LOW",
    "_DATE_COLUMNS",
    "_Plan",
    "_between_campaigns",
    "_campaign",
    "_days",
    "_first_day",
    "_group_centres",
    "_group_weights",
    "_groups",
    "_median_days",
    "_neutral",
    "_plan",
    "_scale_fit",
    "_scored",
    "_series",
    "_spread_features",
    "_weighted_quantiles",
    "calibrate",
    "calibration_rows",
    "conformal",
    "default_data_dir",
    "evaluate",
    "fit_folds",
    "left_out",
    "fit_median",
    "load_backtest_series",
    "product_rows",
    "read_calibration_rows",
    "reliability",
    "same_params",
    "save_calibration",
    "score",
    "json_records",
    "read_track_record_rows",
    "record_tables",
    "shipped_track_record",
    "write_calibration_rows",
    "write_params",
    "write_track_record_rows",
]

#: The fewest forecasts a reliability bin stands on before it is merged with a neighbour.
MIN_RELIABILITY_BIN = 30

TRACK_RECORD = Path(__file__).resolve().parents[1] / "data" / "track_record.json"
# The track record's evidence: the scored rows of the default model (one per origin x unit
# x goal, the columns the scoring reads), written beside it.  The record is re-scored from
# them in a second and a few of their origins re-forecast (tests/test_track_record.py), so
# a hand edit of the record, a change of the scoring or a change of the forecaster fails
# a test without re-running the minutes-long backtest.
TRACK_RECORD_ROWS = TRACK_RECORD.with_name("track_record_rows.csv.gz")
TRACK_RECORD_COLUMNS = [
    "campaign",
    "key",
    "origin",
    "threshold",
    "deadline",
    "actual_date",
    "data_end",
    "projected_date",
    "projected_low",
    "projected_high",
    "run_rate_date",
    "p_on_time",
]
_TRACK_RECORD_DATES = tuple(
    c for c in TRACK_RECORD_COLUMNS if c not in ("campaign", "key", "threshold", "p_on_time")
)


# -------------------------------------------------------------------- scoring


def json_records(df: pd.DataFrame) -> list[dict]:
    """A table as the shipped track record holds it (four decimals, ISO dates)."""
    return json.loads(df.to_json(orient="records", double_precision=4, date_format="iso"))


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
        return {
            "computed_on": date.today().isoformat(),
            "protocol": {
                "origins": f"weekly (+{ORIGIN_OFFSET_DAYS} days after the first unit reached {WINDOW_LOW:.0%})",
                "window": f"coverage between {WINDOW_LOW:.0%} and the threshold minus {WINDOW_GAP:.0%}",
                "deadlines": [f"day {s:.0%} of the units had reached the threshold" for s in DEADLINE_SHARES],
                "scoring": "leave one campaign out, through metrics.snapshot",
            },
            "rows": json_records(self.table),
            "reliability": json_records(self.reliability),
            "reliability_by_campaign": json_records(self.reliability_by_campaign),
            "comparison": json_records(self.comparison),
        }


def save_calibration(report: Report) -> None:
    """Write what the product runs with: the parameters, the calibration's rows (so the
    fit can be re-checked in a second), the track record the dashboard shows and the
    rows it was scored from (so it can be re-scored in a second)."""
    write_params(report.product)
    write_calibration_rows(report.neutral)
    write_track_record_rows(report.rows)
    TRACK_RECORD.write_text(
        json.dumps(report.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )


def write_track_record_rows(rows: pd.DataFrame, path: Path | None = None) -> None:
    out = (
        rows[TRACK_RECORD_COLUMNS].sort_values(["campaign", "origin", "key", "threshold", "deadline"]).copy()
    )
    for column in _TRACK_RECORD_DATES:
        out[column] = out[column].dt.strftime("%Y-%m-%d")
    # repr-precision floats and mtime=0 in the gzip header: the same rows give the same bytes
    import gzip

    with gzip.GzipFile(path or TRACK_RECORD_ROWS, "wb", mtime=0) as f:
        f.write(out.to_csv(index=False, lineterminator="\n").encode("utf-8"))


def read_track_record_rows(path: Path | None = None) -> pd.DataFrame:
    """What ``write_track_record_rows`` wrote, as ``score`` and ``reliability`` take it."""
    rows = pd.read_csv(path or TRACK_RECORD_ROWS, dtype={"campaign": str, "key": str})
    for column in _TRACK_RECORD_DATES:
        rows[column] = pd.to_datetime(rows[column]).astype("datetime64[ns]")
    return rows


def record_tables(rows: pd.DataFrame, campaigns: Iterable[str]) -> tuple[pd.DataFrame, ...]:
    """From the default model's scored rows, the track record's three tables: the score
    per campaign x threshold and pooled, the reliability of p_on_time pooled, and per
    campaign (what ``evaluate`` reports and the shipped record carries)."""
    by_campaign = pd.concat(
        [reliability(rows[rows["campaign"] == n], min_n=0).assign(campaign=n) for n in campaigns],
        ignore_index=True,
    )
    return score(rows), reliability(rows), by_campaign


def score(rows: pd.DataFrame, label: str = "") -> pd.DataFrame:
    """Per campaign x threshold, and pooled per threshold: origins, units, MAE of the
    projected date and of the ruler (run_rate_date: remaining / 7-day pace), their
    ratio, median error, the share of actual dates inside the 80 % range.

    These protocol figures count only units that reached the threshold; when the rows
    say where each unit's data end (``data_end``), the columns of ``left_out`` are
    joined: the forecasts of units that never reached it, counted where their outcome
    is certain."""
    everything = rows.drop_duplicates(["origin", "key", "threshold"])
    one = everything[everything["actual_date"].notna()]
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
    if "data_end" in everything:
        out = out.merge(left_out(everything), on=["campaign", "threshold"], how="left")
    if label:
        out.insert(0, "method", label)
    return out


def left_out(rows: pd.DataFrame) -> pd.DataFrame:
    """What the protocol's figures leave out, per campaign x threshold and pooled per
    threshold: the forecasts of units that never reached the threshold within their
    data (``actual_date`` NaT), counted where their outcome is certain.

    Such a unit's actual date, if it ever comes, is after its last day of data
    (``data_end``).  So a range whose top lies before that day certainly missed, and a
    projected date before it erred by at least the difference; anything later is
    unknown.  Columns:

    * ``forecasts``: every forecast, reached or not; ``left_out`` of them (``left_out_units``
      units) never reached the threshold;
    * the 80 % range: ``range_held`` (reached, inside), ``range_missed`` (reached and
      outside, or certainly missed), ``range_unknown`` (never reached, range still open at
      the end of the data); ``range80_certain`` = held / (held + missed), and
      ``range80_low``..``range80_high`` the share with every forecast counted, the unknown
      ones all missed or all held;
    * ``mae_model_floor``, ``mae_ruler_floor``: the MAE with the left-out forecasts at the
      least error they can have (the end of the data minus the projected date, 0 when it
      lay beyond; a missing date is the horizon's end, as in ``score``), and
      ``ratio_floor``: the least model/ruler ratio any actual dates after the end of the
      data could give (``_least_ratio``).

    Where nothing was left out these equal the protocol's figures (``range80_certain`` =
    ``range80``, ``ratio_floor`` = ``ratio``)."""
    one = rows.drop_duplicates(["origin", "key", "threshold"])
    far = one["origin"] + pd.Timedelta(days=forecast.HORIZON_DAYS)
    out_of_data = one["actual_date"].isna()
    inside = (one["projected_low"] <= one["actual_date"]) & (one["actual_date"] <= one["projected_high"])
    missed = out_of_data & one["projected_high"].notna() & (one["projected_high"] < one["data_end"])

    def days(column: pd.Series) -> np.ndarray:
        return (column - pd.Timestamp(0)).dt.days.to_numpy(dtype=float)

    end = days(one["actual_date"].fillna(one["data_end"]))
    frame = one.assign(
        out=out_of_data,
        held=(~out_of_data & inside).astype(int),
        missed=((~out_of_data & ~inside) | missed).astype(int),
        unknown=(out_of_data & ~missed).astype(int),
        end=end,
        model=days(one["projected_date"].fillna(far)),
        ruler=days(one["run_rate_date"].fillna(far)),
    )

    def summary(g: pd.DataFrame) -> pd.Series:
        out = g["out"].to_numpy()
        err = {}
        for name in ("model", "ruler"):
            e = g[name].to_numpy() - g["end"].to_numpy()
            err[name] = np.abs(np.where(out, np.minimum(e, 0.0), e))
        held, missed, unknown = int(g["held"].sum()), int(g["missed"].sum()), int(g["unknown"].sum())
        n = len(g)
        return pd.Series(
            {
                "forecasts": n,
                "left_out": int(out.sum()),
                "left_out_units": int(g.loc[g["out"], "key"].nunique()),
                "range_held": held,
                "range_missed": missed,
                "range_unknown": unknown,
                "range80_certain": held / (held + missed) if held + missed else np.nan,
                "range80_low": held / n,
                "range80_high": (held + unknown) / n,
                "mae_model_floor": err["model"].mean(),
                "mae_ruler_floor": err["ruler"].mean(),
                "ratio_floor": _least_ratio(g),
            }
        )

    per = frame.groupby(["campaign", "threshold"]).apply(summary, include_groups=False).reset_index()
    pooled = frame.groupby("threshold").apply(summary, include_groups=False).reset_index()
    pooled.insert(0, "campaign", "pooled")
    out = pd.concat([per, pooled], ignore_index=True)
    counts = ["forecasts", "left_out", "left_out_units", "range_held", "range_missed", "range_unknown"]
    out[counts] = out[counts].astype(int)
    return out


def _least_ratio(g: pd.DataFrame) -> float:
    """The least MAE ratio model/ruler over every actual date the units that never
    reached the threshold could still have (each unit one date, after its last day of
    data; the reached units' errors as they are).

    Taking each left-out error at its floor is not enough for a bound on the *ratio*: a
    later actual date adds to both errors, and can lower the ratio where the model's
    date lay beyond the data and the ruler's before it.  Dinkelbach's method: for a
    ratio lam, each unit's date minimising sum |d - model| - lam * sum |d - ruler| is
    found among the end of its data and the projected dates after it (the function is
    piecewise linear in d); the ratio at those dates is the next lam, until it stops
    falling."""
    out = g["out"].to_numpy()
    e_model = np.abs(g["model"].to_numpy() - g["end"].to_numpy())
    e_ruler = np.abs(g["ruler"].to_numpy() - g["end"].to_numpy())
    fixed_model, fixed_ruler = e_model[~out].sum(), e_ruler[~out].sum()
    units = []
    for _, u in g[out].groupby("key"):
        m, r, start = u["model"].to_numpy(), u["ruler"].to_numpy(), float(u["end"].iloc[0])
        later = np.concatenate([m, r])
        # far beyond every date too: with lam >= 1 the minimum lies at infinity
        candidates = np.unique(np.r_[start, later[later > start], start + 100_000.0])
        units.append(
            (
                np.abs(candidates[:, None] - m[None, :]).sum(axis=1),
                np.abs(candidates[:, None] - r[None, :]).sum(axis=1),
            )
        )

    def ratio(choice) -> float:
        num = fixed_model + sum(f[i] for (f, _), i in zip(units, choice))
        den = fixed_ruler + sum(h[i] for (_, h), i in zip(units, choice))
        return float(num / den) if den > 0 else np.nan

    choice = [0] * len(units)  # every date at the end of its data: the errors' floors
    lam = ratio(choice)
    for _ in range(100):
        if not np.isfinite(lam):
            break
        choice = [int(np.argmin(f - lam * h)) for f, h in units]
        new = ratio(choice)
        if not new < lam - 1e-12:
            break
        lam = new
    return lam


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
    table, pooled_reliability, by_campaign = record_tables(rows, plans)
    variants = [_with_reliability(table.assign(method="drain (default)"), rows)]
    for name, params in _variants(folds, plans, base).items():
        v = pd.concat([_closed_form_rows(folds.neutral[n], params[n]) for n in plans], ignore_index=True)
        variants.append(_with_reliability(score(v, name), v))
    for method in compare:
        say(f"comparison: {method}")
        v = pd.concat([product_rows(plan, None, method=method) for plan in plans.values()], ignore_index=True)
        variants.append(_with_reliability(score(v, method), v))
    comparison = pd.concat(variants, ignore_index=True)
    return Report(table, pooled_reliability, comparison, rows, folds.product, folds.neutral, by_campaign)


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
