"""The settings form round-trips a campaign without losing anything."""

from cccd_analytics import campaign_form
from cccd_analytics.analytics import campaigns
from cccd_analytics.analytics.campaigns import stored as load_campaigns
from cccd_analytics.store import Store


def test_form_round_trip_keeps_the_campaign(sample_url):
    store = Store.open(sample_url)
    units = store.units()
    for campaign in load_campaigns(store):
        values = campaign_form.form_values(campaign.to_definition())
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


def test_scope_options_name_provinces_and_districts(sample_url):
    options = campaign_form.scope_options(Store.open(sample_url).units())
    assert "Tỉnh Nghệ An" in options and "Huyện Kỳ Anh" in options and "Xã Kỳ Đồng" not in options
