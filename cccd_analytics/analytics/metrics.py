"""Campaign progress per unit and level: pure functions on tidy frames.

Input: the store's current observations (unit_key, date, metric, value), the units
frame, a campaign and an as-of day.  Output: a `Snapshot` — one row per commune,
district and province with the glossary's figures (eligible, collected, returned,
coverage, 7-day pace, required daily rate, projected date, P(on time), status), the same
figures per unit for every milestone (`unit_milestones`), the scope's daily series and
the campaign calendar.  Nothing here reads the store or draws.

This module assembles the snapshot (scope, goals, levels, milestones, the daily series);
its parts live beside it: `panel` (a metric as days x units, spread and carried forward),
`figures` (one set of columns against one goal) and `status` (the status, its note and
the order of concern).  Their public names are re-exported here.

Conventions (docs/analytics.md has the formulas and worked examples):

* A missing report is "not reported", never zero.  Between two reports a unit's
  cumulative is interpolated linearly (a report covering several days is spread over
  them); after its last report it is carried forward.  District and province series are
  sums of their communes' series so treated.
* Days count by their calendar weight (`campaigns.workday_weights`): the required daily
  rate is what is left divided by the *working capacity* left (`working_days_left`), so
  it is "per normal working day"; `pace_ratio` compares it with the 7-day progress per
  working day (`pace_workday`).  `pace_7d` stays the plain mean per calendar day.
* Only data dated on or before `as_of` is used (no look-ahead).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from cccd_analytics.analytics import campaigns as camp
from cccd_analytics.analytics import forecast, reform

# The snapshot's parts are modules of their own: the days x units series (panel), one
# set of columns against one goal (figures) and the status with its note (status).  Their
# names stay importable from here, where pages, the briefing and the CLI reach for them.
from cccd_analytics.analytics.figures import (
    PACE_DAYS,
    RETURN_LAG_MAX,
    RETURN_LAG_WINDOW,
    _Context,
    _figures,
    _funnel,
    _week_and_reporting,
    goal_figures,
    return_lag,
)
from cccd_analytics.analytics.panel import Panel, _Cells, pivot_last, spread, wide
from cccd_analytics.analytics.status import (
    BATCH_GAP_DAYS,
    NO_PROJECTION_NOTES,
    P_AT_RISK,
    P_ON_TRACK,
    PACE_CLEARLY_AHEAD,
    PACE_CLEARLY_SHORT,
    PACE_RATIO_AT_RISK,
    PACE_RATIO_ON_TRACK,
    PROJECTION_NOTE,
    STALLED_NOTE,
    STATUS_LABELS,
    STATUS_ORDER,
    attention_order,
    forecast_notes,
    needs_care,
)

__all__ = [
    "BATCH_GAP_DAYS",
    "MAIN_BASIS",
    "MILESTONE_FIELDS",
    "NO_PROJECTION_NOTES",
    "P_AT_RISK",
    "P_ON_TRACK",
    "PACE_CLEARLY_AHEAD",
    "PACE_CLEARLY_SHORT",
    "PACE_DAYS",
    "PACE_RATIO_AT_RISK",
    "PACE_RATIO_ON_TRACK",
    "RETURN_LAG_MAX",
    "PROJECTION_NOTE",
    "needs_care",
    "RETURN_LAG_WINDOW",
    "STALLED_NOTE",
    "STATUS_LABELS",
    "STATUS_ORDER",
    "UNIT_FIELDS",
    "UNIT_MILESTONE_FIELDS",
    "Panel",
    "Snapshot",
    "attention_order",
    "forecast_notes",
    "goal_figures",
    "latest_as_of",
    "pivot_last",
    "return_lag",
    "snapshot",
    "spread",
    "wide",
]

MAIN_BASIS = "Toàn chiến dịch"


@dataclass(frozen=True)
class Snapshot:
    campaign: camp.Campaign
    as_of: pd.Timestamp
    units: pd.DataFrame  # one row per unit and level (see UNIT_FIELDS)
    daily: pd.DataFrame  # scope totals per day: collected, collected_day, pace_7d, returned, ...
    milestones: pd.DataFrame  # one row per milestone (the main target first) at scope level
    data_through: pd.Timestamp | None  # last day any unit in scope reported
    # unit × milestone (the main target is milestone 0), every level (UNIT_MILESTONE_FIELDS)
    unit_milestones: pd.DataFrame = field(default_factory=pd.DataFrame)
    # the campaign window day by day: date, weight, label
    calendar: pd.DataFrame = field(default_factory=pd.DataFrame)
    # the forecaster's parameters the snapshot was computed with (the capacity planner
    # reads the same curve); None: the calibrated ones
    forecast_params: forecast.ForecastParams | None = None


UNIT_FIELDS = [
    "key",
    "province",
    "district",
    "commune",
    "code",
    "level",
    "name",
    "tags",
    "official",
    "eligible",
    "target",
    "collected",
    "returned",
    "coverage",
    "remaining",
    "pace_7d",
    "required_per_day",
    "pace_ratio",
    "deadline",
    "days_left",
    "projected_date",
    "projected_low",
    "projected_high",
    "p_on_time",
    "days_behind",
    "status",
    "last_report",
    # additions: calendar, funnel, week-on-week, reporting
    "working_days_left",
    "pace_workday",
    "coverage_7d_ago",
    "coverage_gain_7d",
    "backlog",
    "return_rate",
    "return_lag_days",
    "days_since_report",
    "reported_share",
    # the trackers' answer (remaining ÷ 7-day pace), shown beside the forecast
    "run_rate_date",
    # the steady pace the forecast rests on, and why the status is what it is
    "pace_robust",
    "forecast_note",
    "forecast_reason",  # its gist, for a table's narrow column
]

UNIT_MILESTONE_FIELDS = [
    "key",
    "level",
    "name",
    "district",
    "milestone",
    "milestone_index",
    "deadline",
    "eligible",
    "target",
    "collected",
    "coverage",
    "remaining",
    "days_left",
    "working_days_left",
    "required_per_day",
    "pace_7d",
    "pace_workday",
    "pace_ratio",
    "projected_date",
    "projected_low",
    "projected_high",
    "p_on_time",
    "days_behind",
    "reached_on",
    "met",
    "status",
    "forecast_note",
    "forecast_reason",
    "run_rate_date",
    "last_report",
    "pace_robust",
    "pace_tail",
    "evidence",
    "ruler_days",
    "model_days",
    "median_days",
    "unit_phase",
    "campaign_phase",
    "forecast_spread",
]

MILESTONE_FIELDS = [
    "name",
    "basis",
    "start",
    "deadline",
    "units",
    "units_done",
    "units_met",
    "units_behind",
    "eligible",
    "target",
    "collected",
    "coverage",
    "remaining",
    "pace_7d",
    "pace_workday",
    "required_per_day",
    "pace_ratio",
    "days_left",
    "working_days_left",
    "projected_date",
    "projected_low",
    "projected_high",
    "p_on_time",
    "days_behind",
    "status",
    "run_rate_date",
]


def latest_as_of(obs: pd.DataFrame) -> pd.Timestamp | None:
    if obs.empty:
        return None
    return pd.Timestamp(obs["date"].max()).normalize()


def _eligible(
    obs: pd.DataFrame, units: pd.DataFrame, keys: list[str], cells: _Cells | None = None
) -> pd.Series:
    """Latest reported eligible population, else the registry's 14+ estimate."""
    if cells is not None and cells.all_dated_within("eligible"):
        # Performance: the last report of each unit from a days × units array,
        # instead of sorting a nation's million eligible rows by date.  Same values.
        grid = cells.wide("eligible").to_numpy()
        has = ~np.isnan(grid)
        last = np.where(has.any(axis=0), len(grid) - 1 - np.argmax(has[::-1], axis=0), -1)
        latest = np.where(last >= 0, grid[np.clip(last, 0, None), np.arange(len(keys))], np.nan)
        reported = pd.Series(latest, index=pd.Index(keys))
    else:
        part = obs[obs["metric"] == "eligible"]
        reported = part.sort_values("date").groupby("unit_key")["value"].last().reindex(keys)
    estimate = units.loc[keys, "eligible_estimate"].astype("Float64")
    return reported.astype("Float64").fillna(estimate).astype(float)


# -- goals: the main target and each milestone --------------------------------------------


@dataclass(frozen=True)
class _Goal:
    index: int
    name: str
    basis: str
    deadline: pd.Timestamp
    members: list[str]
    target: pd.Series  # per member commune


def _goals(
    campaign: camp.Campaign, units: pd.DataFrame, scope: list[str], eligible: pd.Series, target: pd.Series
) -> list[_Goal]:
    goals = [_Goal(0, campaign.name, MAIN_BASIS, pd.Timestamp(campaign.deadline), list(scope), target)]
    for i, m in enumerate(campaign.milestones, start=1):
        members = camp.milestone_communes(m, scope, units)
        if m.target.kind == "share":
            member_target = camp.commune_targets(m.target, eligible[members])
        else:
            # a count milestone is split like the main target (by eligible or the explicit targets)
            base = target[members]
            member_target = base / base.sum() * m.target.value if base.sum() > 0 else base
        goals.append(_Goal(i, m.name, m.tag or "danh sách", pd.Timestamp(m.deadline), members, member_target))
    return goals


def _groupings(meta: pd.DataFrame) -> list[tuple[str, pd.Series]]:
    out = []
    for level, column in (("district", "district_key"), ("province", "province_key")):
        groups = meta[column].astype(object).where(meta[column].notna(), "").astype(str)
        groups = groups[groups != ""]
        if not groups.empty:
            out.append((level, groups))
    return out


# -- the snapshot -----------------------------------------------------------------------


def snapshot(
    obs: pd.DataFrame,
    units: pd.DataFrame,
    campaign: camp.Campaign,
    as_of: date | pd.Timestamp | None = None,
    *,
    method: str = "default",
    params: forecast.ForecastParams | None = None,
) -> Snapshot:
    """Progress of a campaign on `as_of` (default: the last day with data).

    ``method`` and ``params`` choose the forecaster (default: the calibrated one, as
    ``cccd status`` runs it); the backtest passes the parameters of each fold here, so
    the track record is computed by this same function.

    Long on purpose: the snapshot's parts computed in dependency order from one scope and one
    as-of day; each part is a function of its own.
    """
    with_data = set(obs["unit_key"].unique()) if len(obs) else set()
    scope = camp.scope_communes(campaign, units, with_data)
    # Performance: a filter that keeps every row is skipped (the frame is only
    # read here); on a nation's 3.5 million rows each one cost a copy.
    if not with_data <= set(scope):
        obs = obs[obs["unit_key"].isin(scope)]
    data_through = latest_as_of(obs)
    as_of = pd.Timestamp(as_of) if as_of is not None else (data_through or pd.Timestamp(campaign.deadline))
    as_of = as_of.normalize()
    if len(obs) and obs["date"].max() > as_of:
        obs = obs[obs["date"] <= as_of]
    # Communes before and after 1/7/2025 in one scope: judged in the hierarchy in force on
    # the as-of day, the older communes summed into the units they became (never both).
    obs, scope = reform.one_hierarchy(obs, units, scope, as_of)
    data_through = latest_as_of(obs)
    first = obs["date"].min() if len(obs) else as_of
    start = pd.Timestamp(campaign.start) if campaign.start else first
    days = pd.date_range(min(start, first, as_of), as_of, freq="D")
    ctx = _Context(campaign, as_of, days, camp.workday_weights(campaign, days), method, params)

    cells = _Cells(obs, days, scope)
    collected = Panel.of(cells.wide("collected"))
    # One campaign-wide figure pools the units' evidence of a slowdown; every level and
    # milestone is forecast with it (and a milestone's communes can be forecast alone).
    ctx = dataclasses.replace(
        ctx, phase=forecast.campaign_phase(collected.frame(), as_of, ctx.weight_fn, params=params)
    )
    returned = Panel.of(cells.wide("returned"))
    eligible = _eligible(obs, units, scope, cells)
    explicit = camp.resolve_unit_targets(campaign, units, scope)
    target = camp.commune_targets(campaign.target, eligible, explicit)
    meta = units.loc[scope]
    groupings = _groupings(meta)
    goals = _goals(campaign, units, scope, eligible, target)

    level_tables: list[pd.DataFrame] = []
    per_goal: list[pd.DataFrame] = []
    milestone_rows: list[dict] = []
    for goal in goals:
        # Communes: the goal's targets for its members.  The default forecaster projects
        # each commune on its own, so a milestone's communes are forecast alone
        # (performance: a nation's border milestone forecast 10,000 communes to
        # keep 123); a pooled one gets every commune of the scope, then the members are kept.
        goal_target = target.copy()
        goal_target[goal.members] = goal.target[goal.members]
        chosen = forecast.DEFAULT_METHOD if method == "default" else method
        alone = goal.index > 0 and chosen not in forecast.POOLED_METHODS
        communes = _figures(
            collected.select(goal.members) if alone else collected, eligible, goal_target, goal.deadline, ctx
        )
        parts = [communes.loc[goal.members].assign(level="commune")]
        if goal.index == 0:
            extra = _week_and_reporting(collected, eligible, as_of).join(_funnel(collected, returned))
            level_tables.append(communes.join(extra).assign(level="commune"))
        for level, groups in groupings:
            member_groups = groups.reindex(goal.members).dropna()
            if member_groups.empty:
                continue
            agg = collected.aggregate(member_groups)
            agg_el = eligible[member_groups.index].groupby(member_groups).sum()
            agg_target = goal.target[member_groups.index].groupby(member_groups).sum().round(6)
            fig = _figures(agg, agg_el, agg_target, goal.deadline, ctx)
            parts.append(fig.assign(level=level))
            if goal.index == 0:
                extra = _week_and_reporting(agg, agg_el, as_of).join(
                    _funnel(agg, returned.aggregate(member_groups))
                )
                level_tables.append(fig.join(extra).assign(level=level))
        per_goal.append(pd.concat(parts).assign(milestone=goal.name, milestone_index=goal.index))
        milestone_rows.append(_milestone_row(goal, collected, eligible, ctx, parts[0], start))

    table = _label(pd.concat(level_tables), units)[UNIT_FIELDS]
    unit_milestones = _label(pd.concat(per_goal), units)[UNIT_MILESTONE_FIELDS]
    calendar = camp.calendar_frame(
        campaign, days[0], max(pd.Timestamp(campaign.deadline), *(g.deadline for g in goals))
    )
    return Snapshot(
        campaign=campaign,
        as_of=as_of,
        units=table,
        daily=_daily(collected, returned, ctx, calendar),
        milestones=pd.DataFrame(milestone_rows, columns=MILESTONE_FIELDS),
        data_through=data_through,
        unit_milestones=unit_milestones,
        calendar=calendar,
        forecast_params=params,
    )


def _milestone_row(
    goal: _Goal,
    collected: Panel,
    eligible: pd.Series,
    ctx: _Context,
    communes: pd.DataFrame,
    start: pd.Timestamp,
) -> dict:
    row = dict(name=goal.name, basis=goal.basis, start=start, deadline=goal.deadline, units=len(goal.members))
    if not goal.members:
        return row
    agg = collected.aggregate(pd.Series("all", index=goal.members))
    fig = _figures(
        agg,
        pd.Series({"all": eligible[goal.members].sum()}),
        pd.Series({"all": round(float(goal.target.sum()), 6)}),
        goal.deadline,
        ctx,
    ).iloc[0]
    row.update(
        units_done=int((communes["status"] == "done").sum()),
        units_met=int(communes["met"].sum()),
        units_behind=int(communes["status"].isin(["behind", "missed"]).sum()),
        **{k: fig[k] for k in MILESTONE_FIELDS if k in fig.index and k != "deadline"},
    )
    return row


def _label(table: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    table = table.copy()
    table["key"] = table.index
    info = units.reindex(table.index)
    table["name"] = info["name"].to_numpy()
    table["code"] = info["code"].to_numpy()
    table["tags"] = info["tags"].to_numpy()
    table["official"] = info["official"].to_numpy()
    names = units["name"]
    prov = info["province_key"].map(names).fillna(info.get("province_name"))
    dist = info["district_key"].map(names).fillna(info.get("district_name"))
    level = table["level"].to_numpy()
    table["province"] = np.where(level == "province", info["name"], prov)
    table["district"] = np.where(level == "district", info["name"], np.where(level == "commune", dist, None))
    table["commune"] = np.where(level == "commune", info["name"], None)
    return table.reset_index(drop=True)


def _daily(collected: Panel, returned: Panel, ctx: _Context, calendar: pd.DataFrame) -> pd.DataFrame:
    """Scope totals per day (reports spread over the days they cover)."""
    total = np.nansum(collected.filled, axis=1) if collected.filled.size else np.zeros(len(ctx.days))
    back = np.nansum(returned.filled, axis=1) if returned.filled.size else np.zeros(len(ctx.days))
    reported = (~np.isnan(collected.raw)).sum(axis=1) if collected.raw.size else np.zeros(len(ctx.days))
    daily = pd.DataFrame(
        {"date": ctx.days, "collected": total, "returned": back, "units_reporting": reported}
    )
    # The first day's increase is unknown (the cumulative includes what came before).
    daily["collected_day"] = daily["collected"].diff()
    daily["pace_7d"] = daily["collected_day"].rolling(PACE_DAYS, min_periods=3).mean()
    cal = calendar.set_index("date")
    daily["weight"] = ctx.weights
    daily["day_label"] = cal["label"].reindex(ctx.days).fillna("").to_numpy()
    return daily[
        [
            "date",
            "collected",
            "collected_day",
            "pace_7d",
            "returned",
            "units_reporting",
            "weight",
            "day_label",
        ]
    ]
