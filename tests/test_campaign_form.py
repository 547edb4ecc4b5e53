"""The settings form round-trips a campaign without losing anything."""

import pandas as pd

from cccd_analytics import campaign_form
from cccd_analytics.analytics import campaigns
from cccd_analytics.analytics.campaigns import stored as load_campaigns
from cccd_analytics.store import Store


def test_form_round_trip_keeps_the_campaign(sample_url):
    store = Store.open(sample_url)
    units = store.units()
    for campaign in load_campaigns(store):
        values = campaign_form.form_values(campaign.to_definition(), units)
        rebuilt = campaign_form.definition_from_form(
            name=values["name"],
            start=values["start"],
            deadline=values["deadline"],
            target=values["target"],
            scope=values["scope_keys"],
            units=units,
            milestones=values["milestones"],
            sunday_weight=values["sunday_weight"],
            days=values["days"],
        )
        again = campaigns.from_definition(rebuilt)
        assert again.milestones == campaign.milestones
        assert (again.name, again.deadline, again.target, again.scope) == (
            campaign.name,
            campaign.deadline,
            campaign.target,
            campaign.scope,
        )
        assert again.days_off == campaign.days_off and again.sunday_weight == campaign.sunday_weight
        # Capacities read as percentages (70, not 0.70: a decimal point is English).
        assert values["sunday_weight"] == round(campaign.sunday_weight * 100)
        assert all(float(w).is_integer() for w in values["days"]["weight"])


def test_scope_options_name_provinces_and_districts(sample_url):
    options = campaign_form.scope_options(Store.open(sample_url).units())
    assert "Tỉnh Nghệ An" in options and "Huyện Kỳ Anh" in options and "Xã Kỳ Đồng" not in options


def test_a_milestones_communes_read_by_name_and_keep_their_codes(sample_url):
    units = Store.open(sample_url).units()
    definition = {
        "name": "Thử",
        "deadline": "2023-06-30",
        "target": "100%",
        "milestones": [{"name": "Xã điểm", "deadline": "2023-05-30", "units": ["16705", "17170", "Xã Lạ"]}],
    }
    listed = campaign_form.form_values(definition, units)["milestones"].loc[0, "units"]
    assert listed == "Xã Hưng Đông (16705), Xã Quỳnh Lâm (17170), Xã Lạ"
    milestones = campaign_form.form_values(definition, units)["milestones"]
    rebuilt = campaign_form.definition_from_form(
        name="Thử",
        start=None,
        deadline=None,
        target="100%",
        scope=[],
        units=units,
        milestones=milestones,
        sunday_weight=100,
        days=pd.DataFrame(columns=campaign_form.DAY_COLUMNS),
    )
    assert rebuilt["milestones"][0]["units"] == ["16705", "17170", "Xã Lạ"]
