"""The backtest's campaigns: the real series read in place and put to the product as a user would.

``load_backtest_series`` reads the campaigns' files (the only function of the backtest
that reads data); ``_plan`` turns one into observations, units, goals (threshold x
deadline) and weekly origins, with what happened (the day each unit reached each
threshold); ``product_rows`` forecasts every origin through ``metrics.snapshot`` and keeps
the rows to score.  The calibration (``backtest_calibration``) and the track record
(``backtest``) both start from these rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cccd_analytics.analytics import campaigns as camp
from cccd_analytics.analytics import metrics
from cccd_analytics.analytics.forecast import ForecastParams

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
