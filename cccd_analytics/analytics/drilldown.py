"""Focus a campaign on one unit: the same metrics, charts and forecasts for one commune
or district, with that unit's share of the campaign's target."""

from __future__ import annotations

import dataclasses

import pandas as pd

from cccd_analytics.analytics import campaigns as camp
from cccd_analytics.analytics import metrics


def unit_campaign(snapshot: metrics.Snapshot, key: str) -> camp.Campaign:
    """The campaign narrowed to one unit, its target being the unit's part of the whole."""
    row = snapshot.units.set_index("key").loc[key]
    campaign = snapshot.campaign
    target = (
        campaign.target if campaign.target.kind == "share" else camp.Target("count", float(row["target"]))
    )
    return dataclasses.replace(
        campaign,
        name=f"{campaign.name} — {row['name']}",
        scope=(key,),
        target=target,
        milestones=(),
        unit_targets=(),
    )


def unit_snapshot(
    obs: pd.DataFrame, units: pd.DataFrame, snapshot: metrics.Snapshot, key: str
) -> metrics.Snapshot:
    return metrics.snapshot(obs, units, unit_campaign(snapshot, key), snapshot.as_of)


def upload_history(history: pd.DataFrame) -> pd.DataFrame:
    """Per upload that touched a unit: file, when, the days it covered and its status."""
    if history.empty:
        return pd.DataFrame(
            columns=["upload_id", "file_name", "uploaded_at", "first_day", "last_day", "values", "status"]
        )
    grouped = history.groupby(["upload_id", "file_name", "uploaded_at", "status"], as_index=False).agg(
        first_day=("date", "min"), last_day=("date", "max"), values=("value", "size")
    )
    return grouped.sort_values("upload_id", ascending=False)[
        ["upload_id", "file_name", "uploaded_at", "first_day", "last_day", "values", "status"]
    ]


def scope_unit(snapshot: metrics.Snapshot) -> str:
    """Key of the unit that stands for the whole campaign: its province, or its one district."""
    units = snapshot.units
    districts = units[units["level"] == "district"]
    if len(districts) == 1:
        return str(districts["key"].iloc[0])
    provinces = units[units["level"] == "province"]
    return str(provinces["key"].iloc[0]) if len(provinces) else str(units["key"].iloc[0])
