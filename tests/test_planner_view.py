"""The capacity planner as leaders read it: whole teams, and the forecaster's dates."""

import math

import pandas as pd
import pytest

from cccd_analytics import tables
from cccd_analytics.analytics import campaigns as camp
from cccd_analytics.analytics import capacity, metrics
from cccd_analytics.store import Store


@pytest.fixture(scope="module")
def nghe_an(sample_db):
    store = Store.open(f"sqlite:///{sample_db}")
    campaign = next(camp.from_definition(d) for d in store.campaign_definitions() if "Nghệ An" in d["name"])
    units = store.units()
    return metrics.snapshot(store.current_observations(), units, campaign, None), units


def test_team_counts_are_whole_teams_rounded_up(nghe_an):
    snap, units = nghe_an
    plan = capacity.plan(snap, units, capacity.Productivity(7.8, 18.5), teams=42.0)
    summary = tables.planner_milestones(plan)
    communes = tables.planner_communes(plan, snap, limit=None)
    for frame in (summary, communes):
        for column in ("teams_needed", "extra_teams"):
            values = frame[column].dropna()
            assert pd.api.types.is_integer_dtype(frame[column]) and len(values)
    assert pd.api.types.is_integer_dtype(summary["teams"]) and summary["teams"].iloc[0] == 42
    raw = plan.milestones.iloc[0]
    assert summary["teams_needed"].iloc[0] == math.ceil(raw["teams_needed"])  # 185,1 → 186
    assert summary["teams_needed"].iloc[0] > raw["teams_needed"]
    # per commune: never fewer whole teams than the fractional need
    main = plan.units[(plan.units["level"] == "commune") & (plan.units["milestone_index"] == 0)]
    need = main.set_index("key").loc[communes["key"], "extra_teams"].to_numpy()
    assert (communes["extra_teams"].to_numpy(dtype=float) >= need - 1e-6).all()
    assert (communes["extra_teams"].to_numpy(dtype=float) - need < 1).all()


def test_per_commune_dates_are_the_forecasters_as_on_the_overview(nghe_an):
    snap, units = nghe_an
    plan = capacity.plan(snap, units, capacity.Productivity(7.8, 18.5), teams=42.0)
    communes = tables.planner_communes(plan, snap, limit=None)
    overview = snap.units[snap.units["level"] == "commune"].set_index("key")["projected_date"]
    assert len(communes) > 20
    pd.testing.assert_series_equal(
        pd.Series(communes["projected_date"].to_numpy(), index=communes["key"], name="d"),
        pd.Series(overview.loc[communes["key"]].to_numpy(), index=communes["key"], name="d"),
    )
    # Not one date for all (the planner's own curve gave every commune 21/8/2023).
    assert communes["projected_date"].nunique() > 5


def test_whole_teams_leaves_the_impossible_blank():
    shown = tables.whole_teams([0.0, 1.0000001, 1.2, float("inf"), float("nan")])
    assert shown.tolist()[:3] == [0, 1, 2] and shown.isna().tolist()[3:] == [True, True]
