"""Backtest of the completion-date forecaster on real coverage campaigns.

The series are first-dose vaccination counts per region (Italy, Germany), one region
per unit, used as stand-ins for a CCCD issuance campaign: a cumulative count per unit
against an eligible population, fast at first and slow in the last tenth.

From every origin (weekly, from the day a unit passes 10% coverage until it reaches the
threshold) each method forecasts the day the unit reaches ``threshold`` x eligible, using
only data up to the origin.  ``summarise`` turns the per-origin rows into the track
record: mean absolute error in days, how often the 80% range held the actual date, and
for units that never reached the threshold, how often the forecast said "not before the
end of the data".

``load_backtest_series`` is the only function here that reads files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from cccd_analytics.analytics.forecast import HORIZON_DAYS, SaturatingParams, forecast_units

__all__ = [
    "BacktestSeries",
    "calibrate",
    "headline_table",
    "load_backtest_series",
    "run_backtest",
    "summarise",
]

#: "Will we reach the threshold within this many days of the origin?" -- the deadline
#: used to score ``p_on_time`` (Brier score).
ON_TIME_HORIZON_DAYS = 56


@dataclass(frozen=True)
class BacktestSeries:
    """One campaign: daily cumulative counts (wide, one column per unit) and eligible."""

    name: str
    cumulative: pd.DataFrame
    eligible: pd.Series


def load_backtest_series(data_dir: str | Path) -> dict[str, BacktestSeries]:
    """Read ``italy_regions_dose1.csv`` and ``germany_laender_dose1.csv`` from
    ``data_dir`` (see its SOURCES.md).

    Italy: eligible = ``population_12plus``.  Germany: eligible = ``population_derived``;
    region 00 (national total) and any region without a population (17, the federal
    agencies) are left out.  Both files are cumulative sums of daily administrations
    with a row for every day between a region's first and last date, so days inside
    that span are complete; days after a region's last row are NaN (not reported).
    """
    data_dir = Path(data_dir)
    out: dict[str, BacktestSeries] = {}

    italy = pd.read_csv(
        data_dir / "italy_regions_dose1.csv", parse_dates=["date"], dtype={"region_code": str}
    )
    out["italy"] = _series("italy", italy, "people_dose1", "population_12plus")

    germany = pd.read_csv(
        data_dir / "germany_laender_dose1.csv", parse_dates=["date"], dtype={"region_code": str}
    )
    germany = germany[(germany["region_code"] != "00") & germany["population_derived"].gt(0)]
    out["germany"] = _series("germany", germany, "people_dose1", "population_derived")
    return out


def _series(name: str, long: pd.DataFrame, value: str, population: str) -> BacktestSeries:
    wide = long.pivot(index="date", columns="region_code", values=value).astype(float)
    wide = wide.reindex(pd.date_range(wide.index.min(), wide.index.max(), freq="D"))
    wide.columns = wide.columns.astype(str)
    wide.columns.name = "unit"
    eligible = long.groupby("region_code")[population].first().astype(float)
    eligible.index = eligible.index.astype(str)
    return BacktestSeries(name, wide, eligible.reindex(wide.columns))


def run_backtest(
    series: Mapping[str, BacktestSeries] | Iterable[BacktestSeries],
    thresholds: Iterable[float] = (0.7, 0.9),
    methods: Iterable[str] = ("run_rate", "saturating"),
    *,
    step_days: int = 7,
    start_coverage: float = 0.10,
    params: SaturatingParams | None = None,
) -> pd.DataFrame:
    """Forecast from many origins and score against what happened.

    One row per (dataset, threshold, origin, unit, method) with the forecast, the
    actual date (NaT when the unit never reached the threshold before its data end)
    and the scores: ``error_days`` (projected - actual; a NaT projection counts as
    origin + HORIZON_DAYS), ``in_range`` (actual within the 80% range) and, for
    never-reached rows, ``says_not_before_end`` (projected NaT or after the data end).

    Origins run every ``step_days`` from the first day any unit passes
    ``start_coverage``; a unit takes part from its own pass date until it reaches the
    threshold.  Units that never reach it take part up to the last date any unit of
    the dataset reached it (the active part of the campaign).
    """
    if isinstance(series, Mapping):
        series = list(series.values())
    rows = []
    for s in series:
        for threshold in thresholds:
            rows.append(_backtest_one(s, float(threshold), tuple(methods), step_days, start_coverage, params))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def _backtest_one(s, threshold, methods, step_days, start_coverage, params):
    cum, eligible = s.cumulative, s.eligible
    coverage = cum.div(eligible, axis=1)
    start_date = _first_date(coverage >= start_coverage)
    reach_date = _first_date(coverage >= threshold)
    data_end = cum.apply(lambda c: c.last_valid_index())
    reached = reach_date.notna()
    if reached.any():
        last_active = reach_date.max()
    else:
        last_active = cum.index.max() - pd.Timedelta(days=180)
    stop = reach_date.fillna(last_active)
    target = eligible * threshold

    frames = []
    origins = pd.date_range(start_date.min(), stop.max(), freq=f"{step_days}D")
    for origin in origins:
        active = (start_date <= origin) & (origin < stop) & (origin < data_end)
        # a never-reached unit stays in up to and including the last active day
        active |= (~reached) & (start_date <= origin) & (origin <= last_active) & (origin < data_end)
        units = active[active].index
        if len(units) == 0:
            continue
        hist = cum.loc[:origin, units]
        deadline = origin + pd.Timedelta(days=ON_TIME_HORIZON_DAYS)
        for method in methods:
            f = forecast_units(
                hist,
                eligible[units],
                target[units],
                deadline,
                origin,
                method=method,
                params=params,
            )
            f = f.assign(
                dataset=s.name,
                threshold=threshold,
                origin=origin,
                method=method,
                coverage=(hist.ffill().iloc[-1] / eligible[units]).to_numpy(),
                actual_date=reach_date[units].to_numpy(),
                data_end=data_end[units].to_numpy(),
            )
            frames.append(f.rename_axis("unit").reset_index())
    if not frames:
        return pd.DataFrame()
    out = pd.concat(frames, ignore_index=True)
    return _score(out, deadline_days=ON_TIME_HORIZON_DAYS)


def _first_date(mask: pd.DataFrame) -> pd.Series:
    any_ = mask.any()
    first = mask.idxmax()
    return first.where(any_, pd.NaT).astype("datetime64[ns]")


def _score(df: pd.DataFrame, deadline_days: int) -> pd.DataFrame:
    horizon = df["origin"] + pd.Timedelta(days=HORIZON_DAYS)
    projected = df["projected_date"].fillna(horizon)
    actual = df["actual_date"]
    reached = actual.notna()
    df["error_days"] = (projected - actual).dt.days.where(reached)
    df["abs_error_days"] = df["error_days"].abs()
    df["lead_days"] = (actual - df["origin"]).dt.days
    low = df["projected_low"]
    high = df["projected_high"].fillna(pd.Timestamp("2200-01-01"))
    df["in_range"] = ((low <= actual) & (actual <= high)).where(reached)
    says_late = df["projected_date"].isna() | (df["projected_date"] > df["data_end"])
    df["says_not_before_end"] = says_late.where(~reached)
    deadline = df["origin"] + pd.Timedelta(days=deadline_days)
    hit = (reached & (actual <= deadline)).astype(float)
    # only score "by the deadline" where the deadline is inside the data
    df["hit_by_deadline"] = hit.where(reached | (deadline <= df["data_end"]))
    df["brier"] = (df["p_on_time"] - df["hit_by_deadline"]) ** 2
    return df


def summarise(results: pd.DataFrame, baseline: str = "run_rate") -> pd.DataFrame:
    """Per dataset, threshold and method: origins scored, MAE (days), its improvement
    over ``baseline`` (%), median error (bias; + = projected too late), share of actual
    dates inside the 80% range, never-reached origins and the share of those where the
    forecast said "not before the end of the data", and the Brier score of p_on_time
    for "reached within ON_TIME_HORIZON_DAYS"."""
    if results.empty:
        return pd.DataFrame()
    keys = ["dataset", "threshold", "method"]
    g = results.groupby(keys, sort=False)
    out = pd.DataFrame(
        {
            "n_origins": g["error_days"].count(),
            "mae_days": g["abs_error_days"].mean(),
            "median_error_days": g["error_days"].median(),
            "coverage_80": g["in_range"].mean(),
            "n_never": g["says_not_before_end"].count(),
            "never_correct": g["says_not_before_end"].mean(),
            "brier": g["brier"].mean(),
        }
    )
    reached = results[results["actual_date"].notna()].groupby(keys)["unit"].nunique()
    out.insert(1, "n_units", reached.reindex(out.index).fillna(0).astype(int))
    base = (
        out.xs(baseline, level="method")["mae_days"]
        if baseline in out.index.get_level_values("method")
        else None
    )
    if base is not None:
        ref = base.reindex(out.index.droplevel("method")).to_numpy()
        out["mae_improvement_pct"] = 100.0 * (1.0 - out["mae_days"].to_numpy() / ref)
    return out.reset_index()


def headline_table(
    summary: pd.DataFrame, model: str = "saturating", baseline: str = "run_rate"
) -> pd.DataFrame:
    """One row per dataset x threshold, model next to baseline: the track record."""
    idx = ["dataset", "threshold"]
    m = summary[summary["method"] == model].set_index(idx)
    b = summary[summary["method"] == baseline].set_index(idx)
    out = pd.DataFrame(
        {
            "origins": m["n_origins"],
            "units": m["n_units"],
            "mae_baseline": b["mae_days"],
            "mae_model": m["mae_days"],
            "improvement_pct": 100.0 * (1.0 - m["mae_days"] / b["mae_days"]),
            "bias_baseline": b["median_error_days"],
            "bias_model": m["median_error_days"],
            "coverage_baseline": b["coverage_80"],
            "coverage_model": m["coverage_80"],
            "never_origins": m["n_never"],
            "never_ok_baseline": b["never_correct"],
            "never_ok_model": m["never_correct"],
            "brier_baseline": b["brier"],
            "brier_model": m["brier"],
        }
    )
    return out.reset_index()


def calibrate(
    series: Mapping[str, BacktestSeries] | Iterable[BacktestSeries],
    thresholds: Iterable[float] = (0.7, 0.9),
    params: SaturatingParams | None = None,
    method: str = "saturating",
    *,
    use_coverage: bool = True,
    shift_median: bool = True,
) -> SaturatingParams:
    """Fit the calibration lines of the saturating model on the backtest.

    Runs the backtest with the calibration switched off, then fits the 10th, 50th and
    90th percentiles of log(actual / model time to target) on
    [1, log1p(model days / 7), coverage at the origin] by quantile regression, each
    dataset x threshold weighted equally.  Returns ``params`` with ``q10``/``q50``/``q90``
    replaced (paste them into the ``SaturatingParams`` defaults after a review).
    """
    params = params or SaturatingParams()
    zero = (0.0, 0.0, 0.0)
    neutral = replace(params, q10=zero, q50=zero, q90=zero)
    res = run_backtest(series, thresholds, methods=(method,), params=neutral)
    res = res[res["actual_date"].notna() & res["projected_date"].notna()]
    model_days = (res["projected_date"] - res["last_report"]).dt.days.clip(lower=1)
    actual_days = (res["actual_date"] - res["last_report"]).dt.days.clip(lower=1)
    y = np.log(actual_days / model_days).to_numpy(dtype=float)
    X = np.column_stack([np.ones(len(res)), np.log1p(model_days / 7.0), res["coverage"]]).astype(float)
    weight = 1.0 / res.groupby(["dataset", "threshold"])["unit"].transform("size").to_numpy()
    fitted = {}
    for q in (0.1, 0.5, 0.9):
        # the median shift depends on the model's time only (it carries over between
        # datasets; with coverage it did not); the range also on coverage
        cols = 3 if (use_coverage and q != 0.5) else 2
        beta = [float(b) for b in _quantile_regression(X[:, :cols], y, weight, q)]
        fitted[q] = tuple(round(b, 3) for b in (beta + [0.0])[:3])
    if not shift_median:
        shift = np.array(fitted[0.5])
        fitted = {q: tuple(round(float(b), 3) for b in np.array(line) - shift) for q, line in fitted.items()}
    return replace(params, q10=fitted[0.1], q50=fitted[0.5], q90=fitted[0.9])


def _quantile_regression(X, y, w, q, iterations=300):
    """Weighted linear quantile regression by iteratively reweighted least squares
    (numpy only; a few thousand rows, three columns)."""
    beta = np.linalg.lstsq(X * np.sqrt(w)[:, None], y * np.sqrt(w), rcond=None)[0]
    for _ in range(iterations):
        r = y - X @ beta
        ww = w * np.where(r >= 0, q, 1.0 - q) / np.maximum(np.abs(r), 1e-4)
        beta = np.linalg.solve(X.T @ (X * ww[:, None]), X.T @ (ww * y))
    return beta


TRACK_RECORD = Path(__file__).resolve().parents[1] / "data" / "track_record.json"


def shipped_track_record(path: Path = TRACK_RECORD) -> tuple[str | None, pd.DataFrame]:
    """The backtest figures shipped with the package (`cccd backtest --save`), for the dashboard."""
    import json

    if not path.exists():
        return None, pd.DataFrame()
    record = json.loads(path.read_text(encoding="utf-8"))
    return record.get("computed_on"), pd.DataFrame(record["rows"])
