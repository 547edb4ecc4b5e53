"""Targets for groups (`[[group_targets]]` of a campaign): one row each, judged like a commune's.

A group target names a dimension and some of its values; their parts are summed over the
campaign's scope (``parts``) and judged by ``metrics.goal_figures``, the commune targets'
own function: same pace, required rate, forecast and status.  A weekly rate ("3.000 hồ
sơ mỗi tuần") is judged on the current week (Monday to Sunday): the running total at the
end of last week plus the rate, by Sunday.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from cccd_analytics import dimensions
from cccd_analytics.analytics import campaigns as camp
from cccd_analytics.analytics import metrics
from cccd_analytics.analytics.panel import Panel
from cccd_analytics.analytics.parts import SEP, _denominators_on, _window, part_panel, plus, with_data

TARGET_FIELDS = [
    "name",
    "dimension",
    "values",
    "kind",
    "deadline",
    "eligible",
    "target",
    "collected",
    "coverage",
    "remaining",
    "pace_7d",
    "required_per_day",
    "pace_ratio",
    "days_left",
    "projected_date",
    "projected_low",
    "projected_high",
    "p_on_time",
    "days_behind",
    "status",
    "per_week",
    "week_start",
    "week_collected",
    "weeks",
    "weeks_met",
]


def _selected(dimension: str, chosen: tuple[str, ...]) -> list[str]:
    """The chosen values without those whose coarser value is chosen too (never twice)."""
    return [v for v in chosen if dimensions.parent(dimension, v) not in chosen]


def targets(
    parts: pd.DataFrame,
    denominators: pd.DataFrame,
    units: pd.DataFrame,
    campaign: camp.Campaign,
    as_of: date | pd.Timestamp | None = None,
    eligible: pd.Series | None = None,
    data_units: set[str] | None = None,
) -> pd.DataFrame:
    """One row per `[[group_targets]]` of the campaign (TARGET_FIELDS), judged over the
    campaign's scope by `metrics.goal_figures`.

    `eligible`: the scope communes' eligible population (a snapshot's), the ceiling the
    forecaster uses for a target whose part has no denominator of its own."""
    if not campaign.group_targets:
        return pd.DataFrame(columns=TARGET_FIELDS)
    scope = camp.scope_communes(campaign, units, (data_units or set()) | with_data(parts))
    in_scope = parts[parts["unit_key"].isin(scope)]
    as_of, days = _window(in_scope, campaign, as_of)
    in_scope = in_scope[in_scope["date"] <= as_of]
    if eligible is None:
        eligible = units.reindex(scope)["eligible_estimate"]
    ceiling = float(pd.to_numeric(eligible, errors="coerce").sum())
    rows = [
        _target_row(goal, in_scope, denominators, scope, days, as_of, campaign, ceiling)
        for goal in campaign.group_targets
    ]
    return pd.DataFrame(rows).reindex(columns=TARGET_FIELDS)


def _target_row(
    goal: camp.GroupTarget,
    in_scope: pd.DataFrame,
    denominators: pd.DataFrame,
    scope: list[str],
    days: pd.DatetimeIndex,
    as_of: pd.Timestamp,
    campaign: camp.Campaign,
    ceiling: float,
) -> dict:
    """One group target's row: its parts summed over the scope, its denominator, its
    target (a weekly rate: on the current week) and ``metrics.goal_figures`` of them."""
    row = dict(
        name=goal.name,
        dimension=goal.dimension,
        values=", ".join(goal.values),
        kind="per_week" if goal.per_week is not None else "deadline",
        per_week=goal.per_week,
    )
    mine = in_scope[in_scope["dimension"] == goal.dimension]
    panel = plus(part_panel(mine, days), part_panel(mine, days, metric_names=("elsewhere",)))
    chosen = _selected(goal.dimension, goal.values)
    columns = [] if panel is None else [c for c in panel.columns if c.split(SEP, 1)[1] in chosen]
    if not columns:
        row.update(status="no_data", deadline=pd.Timestamp(goal.deadline) if goal.deadline else None)
        return row
    agg = panel.aggregate(pd.Series("all", index=columns))
    den = _denominators_on(denominators[denominators["unit_key"].isin(scope)], goal.dimension, as_of, panel)
    den = den[den["value"].isin(chosen)]
    denominator = float(den["count"].sum()) if len(den) else np.nan
    if goal.per_week is not None:
        week_start = as_of - pd.Timedelta(days=as_of.weekday())
        deadline = week_start + pd.Timedelta(days=6)
        before = agg.days.get_indexer([week_start - pd.Timedelta(days=1)])[0]
        baseline = float(np.nan_to_num(agg.filled[before, 0])) if before >= 0 else 0.0
        target = baseline + goal.per_week
        weeks = _weeks(agg, campaign, as_of)
        row.update(
            week_start=week_start,
            week_collected=float(np.nan_to_num(agg.current()[0])) - baseline,
            weeks=len(weeks),
            weeks_met=int((weeks >= goal.per_week).sum()),
        )
    else:
        deadline = pd.Timestamp(goal.deadline)
        if goal.target.kind == "share":
            target = goal.target.value * denominator if denominator == denominator else np.nan
        else:
            target = goal.target.value
    fig = metrics.goal_figures(
        agg,
        pd.Series({"all": denominator if denominator == denominator and goal.per_week is None else ceiling}),
        pd.Series({"all": target}),
        deadline,
        campaign,
        as_of,
    ).iloc[0]
    row.update({k: fig[k] for k in TARGET_FIELDS if k in fig.index and k not in row})
    row["deadline"] = deadline
    row["eligible"] = denominator
    row["coverage"] = fig["collected"] / denominator if denominator and denominator == denominator else np.nan
    if target != target:  # a share of a denominator nobody gave
        row.update(status="no_data", target=np.nan, remaining=np.nan, required_per_day=np.nan)
    return row


def _weeks(agg: Panel, campaign: camp.Campaign, as_of: pd.Timestamp) -> np.ndarray:
    """Collections of each whole week (Monday–Sunday) before the current one, from the
    campaign's start (or the first data)."""
    start = pd.Timestamp(campaign.start) if campaign.start else agg.days[max(int(agg.first[0]), 0)]
    first_monday = start + pd.Timedelta(days=(7 - start.weekday()) % 7)
    this_monday = as_of - pd.Timedelta(days=as_of.weekday())
    out = []
    monday = first_monday
    while monday + pd.Timedelta(days=6) < this_monday:
        end = agg.days.get_indexer([monday + pd.Timedelta(days=6)])[0]
        before = agg.days.get_indexer([monday - pd.Timedelta(days=1)])[0]
        if end >= 0:
            a = float(np.nan_to_num(agg.filled[end, 0]))
            b = float(np.nan_to_num(agg.filled[before, 0])) if before >= 0 else 0.0
            out.append(a - b)
        monday += pd.Timedelta(days=7)
    return np.asarray(out, dtype=float)
