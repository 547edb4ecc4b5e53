"""What the overview and the links compute, checked without a browser."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from cccd_analytics import tables
from cccd_analytics.analytics import freshness
from cccd_analytics.ui import links


def communes(**columns) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    base = {
        "key": [f"k{i}" for i in range(n)],
        "level": ["commune"] * n,
        "name": [f"Xã {i}" for i in range(n)],
        "district": ["Huyện A"] * n,
        "status": ["behind"] * n,
        "days_behind": [10.0] * n,
        "projected_date": [pd.Timestamp("2023-07-20")] * n,
        "coverage": [0.9] * n,
        "remaining": [100.0] * n,
        "pace_7d": [10.0] * n,
        "required_per_day": [20.0] * n,
        "pace_ratio": [0.5] * n,
        "days_since_report": [0.0] * n,
        "last_report": [pd.Timestamp("2023-06-15")] * n,
    }
    base.update(columns)
    return pd.DataFrame(base)


def test_freshness_counts_todays_reports_and_lists_the_silent_longest_first():
    units = communes(
        last_report=pd.to_datetime(["2023-06-15", "2023-06-14", "2023-06-13", "2023-06-10", None]),
    )
    units = pd.concat([units, units.assign(level="district", key="d").head(1)])
    fresh = freshness.freshness(units, "2023-06-15")
    assert (fresh.reported, fresh.total) == (1, 5)
    # one day silent (a Sunday off) is not listed; two or more, and never, are
    assert fresh.silent["name"].tolist() == ["Xã 4", "Xã 3", "Xã 2"]
    assert fresh.silent["days_silent"].tolist()[1:] == [5, 2]
    shown = tables.silent_table(fresh.silent)
    assert shown["Báo cáo gần nhất"].tolist() == ["chưa báo cáo", "10/6/2023", "13/6/2023"]


def test_the_usual_day_is_the_last_by_which_most_communes_had_reported():
    # 5 of 460 uploaded early for 16/6: the province's picture is 15/6's.
    days = ["2023-06-16"] * 5 + ["2023-06-15"] * 440 + ["2023-06-12"] * 15
    units = communes(last_report=pd.to_datetime(days))
    assert freshness.complete_day(units, "2023-06-16") == pd.Timestamp("2023-06-15")
    # Most in on the newest day: that day; a campaign reporting every few days keeps its rhythm.
    units = communes(last_report=pd.to_datetime(["2023-06-16"] * 300 + ["2023-06-15"] * 160))
    assert freshness.complete_day(units, "2023-06-16") == pd.Timestamp("2023-06-16")
    units = communes(last_report=pd.to_datetime(["2023-06-16", "2023-06-14", "2023-06-13", None]))
    assert freshness.complete_day(units, "2023-06-16") == pd.Timestamp("2023-06-14")


def test_the_days_without_a_report_read_as_a_count_or_as_reported():
    assert [tables.silent_days(d) for d in (0, 3, float("nan"))] == [
        "đã báo cáo",
        "3 ngày chưa báo cáo",
        "chưa có báo cáo nào",
    ]


@pytest.mark.parametrize(
    ("sort", "column", "expected"),
    [
        ("remaining", "remaining", [900.0, 500.0, 100.0]),
        ("coverage", "coverage", [0.5, 0.7, 0.95]),
        ("pace", "pace_ratio", [0.1, 0.4, 0.9]),
        ("silent", "days_since_report", [6.0, 3.0, 0.0]),
    ],
)
def test_the_attention_list_sorts_by_each_figure(sort, column, expected):
    units = communes(
        remaining=[100.0, 900.0, 500.0],
        coverage=[0.95, 0.5, 0.7],
        pace_ratio=[0.4, 0.9, 0.1],
        days_since_report=[3.0, 0.0, 6.0],
    )
    assert tables.attention_rows(units, sort)[column].tolist() == expected


def test_the_attention_table_says_what_is_missing_pace_against_need_and_silence():
    units = communes(remaining=[1234.0], pace_7d=[3891.0], required_per_day=[10963.0], pace_ratio=[0.349])
    units.loc[0, "days_since_report"] = 3
    row = tables.attention_table(tables.attention_rows(units)).iloc[0]
    assert row["Còn thiếu"] == "1.234"
    assert row["Tốc độ 7 ngày / cần"] == "3.891 / 10.963 (35%)"
    assert row["Báo cáo"] == "3 ngày chưa báo cáo"
    card = tables.attention_card(tables.attention_rows(units.assign(name="<b>Xã</b>")).iloc[0])
    assert "&lt;b&gt;Xã&lt;/b&gt;" in card and "1.234" in card


def test_the_attention_table_says_why_a_unit_fast_enough_is_late_and_leaves_out_one_district():
    units = communes(remaining=[1758.0, 900.0], pace_7d=[79.0, 20.0], required_per_day=[71.0, 60.0])
    units["status"] = "behind"
    units["forecast_reason"] = ["đủ tốc độ nhưng dự báo chậm dần", ""]
    table = tables.attention_table(tables.attention_rows(units))
    assert table["Vì sao"].tolist() == ["đủ tốc độ nhưng dự báo chậm dần", ""]
    assert "Huyện" not in table.columns  # every commune of one district: the room goes to "Vì sao"
    # No reason for any unit listed: no empty "Vì sao" column.
    quiet = tables.attention_table(tables.attention_rows(units.assign(forecast_reason="")))
    assert "Vì sao" not in quiet.columns
    two = units.assign(district=["Huyện A", "Huyện B"])
    assert "Huyện" in tables.attention_table(tables.attention_rows(two)).columns
    card = tables.attention_card(tables.attention_rows(units).iloc[0])
    assert "đủ tốc độ nhưng dự báo chậm dần" in card


def test_filter_values_survive_the_url():
    for value, kind in [
        ("Cao điểm 70 ngày, đêm — Nghệ An 2023", "str"),
        (date(2023, 6, 15), "date"),
        (["behind", "at_risk"], "list"),
        ([], "list"),
    ]:
        assert links.decode(links.encode(value, kind), kind) == value
    # A value the widget does not offer is ignored, not forced on it.
    assert links.decode(["xx"], "str", options=["a", "b"]) is ...
    assert links.decode(["a", "zz"], "list", options=["a", "b"]) is ...
    assert links.decode(["15-6-2023"], "date") is ...


def test_only_a_url_this_session_did_not_write_overrides_the_widgets():
    assert links.came_from_outside(["412"], None)  # a link opened
    assert links.came_from_outside([""], ["412"])  # Back to "no district"
    assert not links.came_from_outside(["412"], ["412"])  # our own write
    assert not links.came_from_outside(None, ["412"])  # another page: the URL was dropped


def test_the_sidebar_day_follows_the_newest_day_unless_one_was_chosen():
    from cccd_analytics.ui.context import day_to_show

    first, on_15, on_16 = date(2023, 4, 20), date(2023, 6, 15), date(2023, 6, 16)
    assert day_to_show(None, None, first, on_15) == on_15  # a fresh session
    assert day_to_show(on_15, on_15, first, on_16) == on_16  # on the newest: a newer day imported
    assert day_to_show(on_16, on_16, first, on_15) == on_15  # that day undone
    assert day_to_show(date(2023, 6, 10), on_15, first, on_16) == date(2023, 6, 10)  # chosen: kept
    assert day_to_show(date(2023, 6, 20), on_16, first, on_16) == on_16  # no data that day
    assert day_to_show(date(2023, 4, 1), None, first, on_16) == on_16  # a link before the first day
    # 16/6 only begun: the usual day (15/6) is shown, and followed; 16/6 when chosen.
    assert day_to_show(None, None, first, on_16, on_15) == on_15
    assert day_to_show(on_15, on_15, first, on_16, on_16) == on_16  # 16/6 filled in: followed
    assert day_to_show(on_16, on_15, first, on_16, on_15) == on_16  # chosen: kept


def test_pace_against_need_without_a_need_shows_the_pace_alone():
    row = pd.Series({"pace_7d": 12.0, "required_per_day": np.nan, "pace_ratio": np.nan})
    assert tables.pace_against_need(row) == "12"


def test_the_overview_says_how_many_communes_lag_beside_the_few_it_lists():
    units = communes(status=["behind"] * 30 + ["at_risk"] * 5 + ["on_track"] * 10 + ["done"] * 5)
    assert tables.attention_count(units, 15) == (
        "Có 35/50 xã chậm tiến độ hoặc có nguy cơ chậm; bảng dưới là 15 xã đứng đầu theo cách sắp xếp đã chọn."
    )
    assert (
        tables.attention_count(units.assign(status="done"), 15)
        == "Không xã nào chậm tiến độ hay có nguy cơ chậm."
    )
