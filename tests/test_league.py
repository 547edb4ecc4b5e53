"""League tables: ranks, ties ("đồng hạng"), top/bottom N, peer groups, most improved."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cccd_analytics.analytics import campaigns as camp
from cccd_analytics.analytics import league, metrics
from cccd_analytics.store import Store


def table(rows: list[tuple]) -> pd.DataFrame:
    """(key, name, district, coverage, pace_ratio, gain, tags) → a snapshot-like unit table."""
    frame = pd.DataFrame(
        rows, columns=["key", "name", "district", "coverage", "pace_ratio", "coverage_gain_7d", "tags"]
    )
    return frame.assign(level="commune", province="Tỉnh Nghệ An", status="on_track")


UNITS = table(
    [
        ("1", "Xã Bảo Nam", "Huyện Kỳ Sơn", 0.66, 0.2, 0.02, ("biên giới",)),
        ("2", "Xã Anh Sơn", "Huyện Kỳ Sơn", 0.95, 1.5, 0.01, ("biên giới",)),
        ("3", "Xã Đồng Văn", "Huyện Tân Kỳ", 0.95, 0.9, 0.03, ()),
        ("4", "Xã Cẩm Sơn", "Huyện Tân Kỳ", 0.949996, 1.1, 0.05, ()),  # shows as 95,0 %: tied
        ("5", "Xã Giai Xuân", "Huyện Tân Kỳ", 0.80, np.nan, 0.00, ()),
        ("6", "Xã Hữu Kiệm", "Huyện Kỳ Sơn", np.nan, np.nan, np.nan, ("biên giới",)),
    ]
)


def test_ties_share_the_best_rank_and_say_dong_hang():
    ranked = league.rank(UNITS, "coverage")
    assert ranked["key"].tolist() == ["2", "4", "3", "5", "1"]  # tie listed by name (accents folded)
    assert ranked["rank"].tolist() == [1, 1, 1, 4, 5]
    assert ranked["rank_label"].tolist() == ["đồng hạng 1"] * 3 + ["4", "5"]
    assert ranked["of"].eq(5).all()


def test_order_does_not_depend_on_the_input_order():
    shuffled = UNITS.sample(frac=1, random_state=7)
    pd.testing.assert_frame_equal(league.rank(shuffled, "coverage"), league.rank(UNITS, "coverage"))
    pd.testing.assert_frame_equal(
        league.bottom(shuffled, "pace_ratio", 2), league.bottom(UNITS, "pace_ratio", 2)
    )


def test_top_n_never_cuts_a_tie():
    assert len(league.top(UNITS, "coverage", 2)) == 3
    assert league.top(UNITS, "coverage", 4)["key"].tolist() == ["2", "4", "3", "5"]


def test_bottom_lists_the_weakest_first_and_keeps_the_rank_from_the_top():
    worst = league.bottom(UNITS, "coverage", 2)
    assert worst["key"].tolist() == ["1", "5"] and worst["rank"].tolist() == [5, 4]
    tied = league.bottom(UNITS, "coverage", 3)
    assert tied["key"].tolist() == ["1", "5", "2", "4", "3"]


def test_units_without_the_figure_are_left_out():
    ranked = league.rank(UNITS, "pace_ratio")
    assert set(ranked["key"]) == {"1", "2", "3", "4"}
    assert ranked["key"].tolist() == ["2", "4", "3", "1"]


def test_peer_groups_rank_within_each_district():
    ranked = league.rank(UNITS, "coverage", peer="district")
    by_group = {g: list(zip(f["key"], f["rank"])) for g, f in ranked.groupby("group")}
    assert by_group == {"Huyện Kỳ Sơn": [("2", 1), ("1", 2)], "Huyện Tân Kỳ": [("4", 1), ("3", 1), ("5", 3)]}
    top1 = league.top(UNITS, "coverage", 1, peer="district")
    assert top1.groupby("group").size().to_dict() == {"Huyện Kỳ Sơn": 1, "Huyện Tân Kỳ": 2}


def test_tag_filter_and_tag_groups():
    border = league.rank(UNITS, "coverage", tag="biên giới")
    assert border["key"].tolist() == ["2", "1"] and border["of"].eq(2).all()
    tagged = league.rank(UNITS, "coverage", peer="tag")
    assert set(tagged["group"]) == {"biên giới"} and len(tagged) == 2


def test_most_improved_ranks_by_this_weeks_coverage_gain():
    assert league.most_improved(UNITS, 2)["key"].tolist() == ["4", "3"]
    with pytest.raises(ValueError):
        league.rank(UNITS, "speed")


def test_league_on_the_nghe_an_sample(sample_db):
    store = Store.open(f"sqlite:///{sample_db}")
    obs, units = store.current_observations(), store.units()
    campaign = next(camp.from_definition(c) for c in store.campaign_definitions() if "Nghệ An" in c["name"])
    store.engine.dispose()
    snap = metrics.snapshot(obs, units, campaign)
    # README: the 16 persistent laggards are the 16 lowest communes on 15/06
    lowest = league.bottom(snap.units, "coverage", 16)
    assert len(lowest) == 16 and lowest["coverage"].max() < 0.77
    # many communes stop at exactly 100 %: they share one rank, below the over-100 % glitch
    best = league.top(snap.units, "coverage", 5)
    assert best.iloc[0]["name"] == "Xã Ngọc Sơn" and best.iloc[0]["rank"] == 1
    at_100 = best[best["coverage"] == 1.0]
    assert len(at_100) > 5 and at_100["rank"].eq(2).all() and at_100["tied"].all()
    week = league.most_improved(snap.units, 3, level="district")
    assert week["value"].is_monotonic_decreasing and (week["level"] == "district").all()
