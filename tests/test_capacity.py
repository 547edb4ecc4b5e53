"""Capacity planner: teams → capacity → projected date; teams needed; what-if surges."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from cccd_analytics.analytics import campaigns as camp
from cccd_analytics.analytics import capacity, forecast, metrics
from cccd_analytics.store import Store

KY_ANH = "Huyện Kỳ Anh — 87.000 thẻ CCCD trước 10/6/2021"
NGHE_AN = "Cao điểm 70 ngày, đêm — Nghệ An 2023"
KY_SON = "417"


@pytest.fixture(scope="module")
def sample(sample_db):
    store = Store.open(f"sqlite:///{sample_db}")
    obs, units = store.current_observations(), store.units()
    campaigns = {c["name"]: camp.from_definition(c) for c in store.campaign_definitions()}
    store.engine.dispose()
    return obs, units, campaigns


@pytest.fixture(scope="module")
def ky_anh(sample):
    obs, units, campaigns = sample
    return metrics.snapshot(obs, units, campaigns[KY_ANH])


@pytest.fixture(scope="module")
def nghe_an_mid_may(sample):
    obs, units, campaigns = sample
    return metrics.snapshot(obs, units, campaigns[NGHE_AN], "2023-05-15")


def district(plan: capacity.Plan, key: str = "447") -> pd.Series:
    rows = plan.units
    return rows[(rows["key"] == key) & (rows["milestone_index"] == 0)].iloc[0]


def test_a_shift_from_6_30_to_1_00_is_18_5_hours():
    assert capacity.shift_hours("06:30", "01:00") == 18.5 == capacity.KY_ANH_HOURS
    assert capacity.shift_hours("7:00", "17:00") == 10
    assert capacity.Productivity(per_team_hour=20, hours_per_day=18.5).per_team_day == 370


def test_the_planner_s_curve_is_the_forecaster_s(nghe_an_mid_may, sample):
    um = nghe_an_mid_may.unit_milestones
    main = um[(um["level"] == "commune") & (um["milestone_index"] == 0)].set_index("key")
    curve = forecast.Curve.of(main)
    gain = np.maximum(main["target"] - main["collected"], 0).to_numpy()
    assert np.allclose(curve.gain(curve.effort_for(gain)), gain, rtol=1e-6, atol=1e-6)
    # with today's capacity the planner's dates are the forecaster's (one curve everywhere),
    # give or take the days since a commune's last report
    plan = capacity.plan(
        nghe_an_mid_may, sample[1], capacity.Productivity(per_team_hour=10, hours_per_day=14)
    )
    mine = plan.units[(plan.units["level"] == "commune") & (plan.units["milestone_index"] == 0)].set_index(
        "key"
    )
    fc = main[["projected_date", "last_report"]].rename(columns={"projected_date": "projected_date_fc"})
    both = mine.join(fc).dropna(subset=["projected_date_fc"])
    both = both[both["projected_date_fc"] > nghe_an_mid_may.as_of]
    stale = (nghe_an_mid_may.as_of - both["last_report"]).dt.days
    shift = (both["projected_date"] - both["projected_date_fc"]).dt.days
    assert len(both) > 100 and (shift.abs() <= stale + 1).all()


def test_ky_anh_two_teams_calibrate_to_about_29_applications_per_team_hour(ky_anh, sample):
    prod = capacity.calibrate(ky_anh, "447", teams=2)
    assert prod.hours_per_day == 18.5 and 27 < prod.per_team_hour < 31
    plan = capacity.plan(ky_anh, sample[1], prod, teams=2)
    row = district(plan)
    assert row["teams"] == pytest.approx(2) and row["capacity_per_day"] == pytest.approx(
        2 * prod.per_team_day
    )
    # the required rate (1,117 per working day) is above two teams' 1,066, and the forecaster's
    # curve expects the pace to fall as the district fills: not enough
    assert row["projected_date"] > pd.Timestamp("2021-06-10") and row["p_on_time"] < 0.5
    assert 2 < row["teams_needed"] < 4 and row["extra_teams"] == pytest.approx(row["teams_needed"] - 2)


def test_with_the_teams_needed_the_projected_date_is_the_deadline(ky_anh, sample):
    prod = capacity.calibrate(ky_anh, "447", teams=2)
    needed = district(capacity.plan(ky_anh, sample[1], prod, teams=2))["teams_needed"]
    row = district(capacity.plan(ky_anh, sample[1], prod, teams=needed))
    assert abs((row["projected_date"] - pd.Timestamp("2021-06-10")).days) <= 1
    assert row["extra_teams"] == pytest.approx(0, abs=1e-9)
    more = district(capacity.plan(ky_anh, sample[1], prod, teams=needed + 1))
    assert more["projected_date"] < row["projected_date"] and more["p_on_time"] > row["p_on_time"]


def test_the_calendar_is_respected(ky_anh, sample):
    obs, units, campaigns = sample
    prod = capacity.Productivity(per_team_hour=28.8)
    no_calendar = dataclasses.replace(campaigns[KY_ANH], sunday_weight=1.0, days_off=())
    flat = metrics.snapshot(obs, units, no_calendar)
    with_sundays = district(capacity.plan(ky_anh, units, prod, teams=2))
    every_day = district(capacity.plan(flat, units, prod, teams=2))
    assert every_day["projected_date"] < with_sundays["projected_date"]
    assert every_day["teams_needed"] < with_sundays["teams_needed"]


def test_teams_needed_for_each_milestone_at_every_level(nghe_an_mid_may, sample):
    plan = capacity.plan(
        nghe_an_mid_may, sample[1], capacity.Productivity(per_team_hour=10, hours_per_day=14)
    )
    border = plan.units[plan.units["milestone"] == "Xã biên giới"]
    assert border.groupby("level").size().to_dict() == {"commune": 123, "district": 6, "province": 1}
    # a group needs the sum of its communes' teams
    communes = border[border["level"] == "commune"]
    assert border[border["level"] == "province"]["teams_needed"].iloc[0] == pytest.approx(
        communes["teams_needed"].sum()
    )
    assert (communes.loc[communes["remaining"] == 0, "teams_needed"] == 0).all()
    # the 30/5 milestone leaves fewer working days than 30/6: more teams per remaining application
    main = plan.units[(plan.units["milestone_index"] == 0) & (plan.units["key"] == KY_SON)].iloc[0]
    ky_son_border = border[border["key"] == KY_SON].iloc[0]
    assert ky_son_border["teams_needed"] > main["teams_needed"]
    assert set(plan.milestones["milestone"]) == {NGHE_AN, "Xã biên giới", "Xã điểm, kiểu mẫu"}


def test_two_more_mobile_teams_for_five_days_only_move_the_units_they_serve(nghe_an_mid_may, sample):
    prod = capacity.Productivity(per_team_hour=10, hours_per_day=14)
    surge = capacity.Surge(units=(KY_SON,), teams=2, days=5, label="2 tổ lưu động")
    result = capacity.what_if(nghe_an_mid_may, sample[1], surge, prod)
    assert list(result.columns) == capacity.WHAT_IF_COLUMNS
    untouched = result[~result["affected"]]
    assert (
        untouched["baseline_date"].eq(untouched["scenario_date"]) | untouched["baseline_date"].isna()
    ).all()
    assert (untouched["p_gain"] == 0).all()
    ky_son = result[(result["key"] == KY_SON) & (result["milestone_index"] == 0)].iloc[0]
    assert ky_son["affected"] and ky_son["days_saved"] > 0 and ky_son["scenario_p"] > ky_son["baseline_p"]
    communes = result[(result["level"] == "commune") & result["affected"] & (result["milestone_index"] == 0)]
    assert len(communes) == 21 and (communes["scenario_date"] <= communes["baseline_date"]).all()
    with pytest.raises(ValueError):
        capacity.what_if(nghe_an_mid_may, sample[1], capacity.Surge(units=("99999",), teams=1, days=1), prod)


def test_each_unit_getting_the_teams_helps_more_than_sharing_them(nghe_an_mid_may, sample):
    prod = capacity.Productivity(per_team_hour=10, hours_per_day=14)
    shared = capacity.what_if(nghe_an_mid_may, sample[1], capacity.Surge((KY_SON,), 2, 5), prod)
    each = capacity.what_if(nghe_an_mid_may, sample[1], capacity.Surge((KY_SON,), 2, 5, shared=False), prod)
    pick = (shared["key"] == KY_SON) & (shared["milestone_index"] == 0)
    assert each.loc[pick, "days_saved"].iloc[0] > shared.loc[pick, "days_saved"].iloc[0]
