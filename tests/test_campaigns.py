"""Campaign definitions: targets split over communes, milestones, the calendar."""

from __future__ import annotations

import importlib.util
import sys
from datetime import date

import numpy as np
import pandas as pd
import pytest

from cccd_analytics.analytics import campaigns as camp
from cccd_analytics.store import Store
from tests.conftest import ROOT

KY_ANH_TOML = (ROOT / "sample_data/ky_anh_2021/campaign.toml").read_text(encoding="utf-8")
NGHE_AN_TOML = (ROOT / "sample_data/nghe_an_2023/campaign.toml").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def sample(sample_db):
    store = Store.open(f"sqlite:///{sample_db}")
    obs, units = store.current_observations(), store.units()
    store.engine.dispose()
    return obs, units


def _toml(extra: str = "", **fields) -> camp.Campaign:
    head = {"name": '"Thử"', "start": "2023-04-20", "deadline": "2023-06-30", "target": '"100%"'}
    head.update(fields)
    text = "\n".join(f"{k} = {v}" for k, v in head.items()) + "\n" + extra
    return camp.parse_toml(text)


# -- targets -----------------------------------------------------------------------------


def test_count_target_is_split_over_communes_in_proportion_to_eligible():
    eligible = pd.Series({"a": 1000.0, "b": 3000.0})
    split = camp.commune_targets(camp.Target("count", 2000), eligible)
    assert split.to_dict() == {"a": 500.0, "b": 1500.0}


def test_explicit_commune_targets_are_kept_and_the_rest_is_split_by_eligible():
    eligible = pd.Series({"a": 1000.0, "b": 3000.0, "c": 1000.0})
    split = camp.commune_targets(camp.Target("count", 5000), eligible, {"b": 1000.0})
    assert split.to_dict() == {"a": 2000.0, "b": 1000.0, "c": 2000.0}
    assert split.sum() == 5000


def test_share_target_applies_to_each_communes_eligible():
    split = camp.commune_targets(camp.Target("share", 0.9), pd.Series({"a": 1000.0, "b": 200.0}))
    assert split.to_dict() == pytest.approx({"a": 900.0, "b": 180.0})


def test_unit_targets_are_resolved_by_code_or_name_within_the_scope(sample):
    _, units = sample
    campaign = camp.parse_toml(KY_ANH_TOML + '\n[unit_targets]\n"18799" = 3000\n"Xã Kỳ Lạc" = 2500\n')
    scope = camp.scope_communes(campaign, units, {"18799"})
    assert camp.resolve_unit_targets(campaign, units, scope) == {"18799": 3000.0, "18850": 2500.0}
    outside = camp.parse_toml(KY_ANH_TOML + '\n[unit_targets]\n"Xã Mỹ Lý" = 10\n')
    assert camp.resolve_unit_targets(outside, units, scope) == {}
    with pytest.raises(camp.CampaignError, match="không thuộc phạm vi"):
        camp.resolve_unit_targets(outside, units, scope, strict=True)


def test_unit_target_must_be_a_count():
    with pytest.raises(camp.CampaignError, match="phải là một số hồ sơ"):
        _toml('[unit_targets]\n"18799" = "95%"\n')


def test_several_milestones_resolve_by_tag_and_by_list(sample):
    obs, units = sample
    campaign = camp.parse_toml(NGHE_AN_TOML)
    scope = camp.scope_communes(campaign, units, set(obs["unit_key"]))
    border, model = (camp.milestone_communes(m, scope, units) for m in campaign.milestones)
    assert len(scope) == 460 and len(border) == 123 and len(model) == 8
    assert {m.deadline for m in campaign.milestones} == {date(2023, 5, 30)}
    assert all("biên giới" in units.at[k, "tags"] for k in border)


# -- calendar ----------------------------------------------------------------------------


def test_calendar_days_ranges_and_labels_are_parsed():
    campaign = _toml(
        "[calendar]\nsunday_weight = 0.6\n"
        '[[calendar.days]]\ndate = 2023-04-30\nweight = 0.5\nlabel = "Lễ 30/4"\n'
        '[[calendar.days]]\ndate = 2023-05-01\nend = 2023-05-02\nlabel = "Nghỉ"\n'
    )
    assert campaign.sunday_weight == 0.6
    assert campaign.days_off == (
        (date(2023, 4, 30), 0.5, "Lễ 30/4"),
        (date(2023, 5, 1), 0.0, "Nghỉ"),
        (date(2023, 5, 2), 0.0, "Nghỉ"),
    )


@pytest.mark.parametrize(
    "calendar, fragment",
    [
        ("[calendar]\nsunday_weight = -1\n", "phải từ 0 đến"),
        ('[[calendar.days]]\ndate = 2023-05-01\nweight = "nửa"\n', "không hợp lệ"),
        ("[[calendar.days]]\nweight = 0.5\n", "thiếu «date»"),
        ("[[calendar.days]]\ndate = 2023-05-02\nend = 2023-05-01\n", "trước «date»"),
    ],
)
def test_bad_calendar_gets_a_vietnamese_message(calendar, fragment):
    text = calendar if calendar.startswith("[calendar]") else "[calendar]\n" + calendar
    with pytest.raises(camp.CampaignError, match=fragment):
        _toml(text)


@pytest.mark.parametrize(
    "text, said",
    [
        # An impossible month, which the parser reads as "a newline expected".
        ('name = "x"\ndeadline = 2023-16-30\ntarget = "100%"\n', "dòng 2, cột 16: «deadline = 2023-16-30»"),
        ('name = "Cao điểm\ndeadline = 2023-06-30\n', "dòng 1, cột"),
        ('name = "x"\nscope = ["Tỉnh Nghệ An",\n', "kết thúc giữa chừng"),
    ],
)
def test_a_toml_syntax_error_is_said_in_vietnamese_with_its_line(text, said):
    with pytest.raises(camp.CampaignError) as caught:
        camp.parse_toml(text, "Tệp «c.toml»")
    message = str(caught.value)
    assert said in message
    # None of the parser's English ("Expected newline or end of document after a statement").
    assert "Expected" not in message and "at line" not in message


def test_a_listed_day_replaces_the_sunday_rule_and_sundays_are_reduced():
    campaign = _toml(
        "[calendar]\nsunday_weight = 0.7\n"
        '[[calendar.days]]\ndate = 2023-04-30\nweight = 0.35\nlabel = "Lễ 30/4 (Chủ nhật)"\n'
    )
    days = pd.date_range("2023-04-28", "2023-05-07")  # Fri 28/4 … Sun 7/5
    weights = dict(zip(days.strftime("%d/%m"), camp.workday_weights(campaign, days)))
    assert weights["28/04"] == 1.0 and weights["30/04"] == 0.35 and weights["07/05"] == 0.7


def test_working_days_count_the_weights_after_as_of_through_the_deadline():
    campaign = camp.parse_toml(KY_ANH_TOML)
    # 16/5–10/6/2021: 26 days, 4 of them Sundays at 0.7
    assert camp.working_days(campaign, "2021-05-15", "2021-06-10") == pytest.approx(24.8)
    assert camp.working_days(campaign, "2021-06-10", "2021-06-10") == 0.0
    assert camp.working_days(campaign, "2021-06-11", "2021-06-10") == 0.0


def test_calendar_frame_labels_holidays_and_sundays():
    frame = camp.calendar_frame(camp.parse_toml(NGHE_AN_TOML), "2023-04-29", "2023-05-03")
    assert frame["weight"].tolist() == [0.7, 0.35, 0.45, 0.6, 0.75]
    assert frame["label"].iloc[1] == "Ngày Giải phóng miền Nam 30/4 (Chủ nhật)"
    plain = camp.calendar_frame(camp.parse_toml(NGHE_AN_TOML), "2023-05-07", "2023-05-08")
    assert plain["label"].tolist() == ["Chủ nhật", ""]


def _generator():
    spec = importlib.util.spec_from_file_location(
        "sample_data_generate_cal", ROOT / "sample_data/generate.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_sample_calendars_are_the_calendars_the_data_was_simulated_on():
    gen = _generator()
    for toml, first, last, holidays in (
        (KY_ANH_TOML, gen.KY_ANH_FIRST, gen.KY_ANH_LAST, gen.KY_ANH_HOLIDAYS),
        (NGHE_AN_TOML, gen.NGHE_AN_FIRST, gen.NGHE_AN_LAST, gen.NGHE_AN_HOLIDAYS),
    ):
        days = list(pd.date_range(first, last).date)
        simulated = gen.day_factors(days, gen.SUNDAY_FACTOR, holidays)
        assert np.allclose(camp.workday_weights(camp.parse_toml(toml), pd.DatetimeIndex(days)), simulated)


def test_definition_round_trip_keeps_calendar_milestones_and_unit_targets():
    campaign = camp.parse_toml(NGHE_AN_TOML + '\n[unit_targets]\n"16840" = 4000\n')
    again = camp.from_definition(campaign.to_definition())
    assert again == campaign
