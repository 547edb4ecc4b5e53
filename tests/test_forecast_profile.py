"""The campaign's saturation setting reaches the forecaster; bad values are refused."""

import dataclasses

import pandas as pd
import pytest

from cccd_analytics.analytics import campaigns, metrics
from cccd_analytics.analytics.campaigns import stored as load_campaigns
from cccd_analytics.store import Store

KY_ANH = "Huyện Kỳ Anh — 87.000 thẻ CCCD trước 10/6/2021"


def test_earlier_slowdown_projects_a_later_date(sample_url):
    store = Store.open(sample_url)
    obs, units = store.current_observations(), store.units()
    ky_anh = next(c for c in load_campaigns(store) if c.name == KY_ANH)
    assert ky_anh.forecast_params().turn == campaigns.FORECAST_SATURATION_FROM
    default = metrics.snapshot(obs, units, ky_anh).milestones.iloc[0]
    early = metrics.snapshot(obs, units, dataclasses.replace(ky_anh, saturation_from=0.5)).milestones.iloc[0]
    assert early["projected_date"] > default["projected_date"]
    assert early["p_on_time"] < default["p_on_time"]
    # The run-rate answer does not depend on the curve.
    assert (
        early["run_rate_date"]
        == default["run_rate_date"]
        == pd.Timestamp("2021-05-15") + pd.Timedelta(days=int(-(-default["remaining"] // default["pace_7d"])))
    )


@pytest.mark.parametrize("value", ["nhiều", 1.5, 0.1])
def test_bad_saturation_setting_is_refused(value):
    with pytest.raises(campaigns.CampaignError, match="saturation_from"):
        campaigns.from_definition(
            {"name": "x", "deadline": "2021-06-10", "target": "100%", "forecast": {"saturation_from": value}}
        )


def test_setting_round_trips_through_the_definition():
    c = campaigns.from_definition(
        {"name": "x", "deadline": "2021-06-10", "target": "100%", "forecast": {"saturation_from": "80%"}}
    )
    assert c.saturation_from == 0.8
    assert campaigns.from_definition(c.to_definition()).saturation_from == 0.8
