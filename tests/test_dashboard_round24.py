"""Round 24: the dashboard as leadership and presenters meet it — tables that fit a 1280-px
desktop with the columns that decide in view, and a map slide whose names do not lie on
each other."""

from __future__ import annotations

import pandas as pd
import pytest

from cccd_analytics import tables

# -- tables on a 1280-px desktop -----------------------------------------------------------


def _group_targets() -> pd.DataFrame:
    """The group milestones table as the groups page shows it: long names and progress."""
    return pd.DataFrame(
        {
            "Chỉ tiêu nhóm": [
                "Học sinh lớp 12 xong trước 20/6",
                "Người cao tuổi và người có công trước 30/5",
                "Tổ lưu động: 34.000 hồ sơ mỗi tuần",
            ],
            "Hạn": ["20/6/2023", "30/5/2023", "tuần này (đến 18/6)"],
            "Tiến độ": [
                "46.737/46.768 · 99,9%",
                "375.668/419.375 · 89,6%",
                "4.298/34.000 tuần này · đạt 4 trên 7 tuần",
            ],
            "Cần mỗi ngày": ["7", "—", "11.001"],
            "Bình quân 7 ngày": ["1", "322", "1.192"],
            "Dự báo đạt": ["26/6/2023", "18/9/2023", "15/7/2023"],
            "Trạng thái": ["Chậm tiến độ", "Không đạt hạn", "Chậm tiến độ"],
        }
    )


def test_a_table_of_long_texts_is_narrowed_to_a_laptop_and_its_texts_wrap():
    # At 1280 px the group targets ran 40 px past the table's edge: the status was cut to
    # "Chậm tiến" and "Không đạt", the names to "Người cao tuổi và người có công t".
    table = _group_targets()
    fit = tables.fit_columns(table)
    assert set(fit.widths) == {"Chỉ tiêu nhóm", "Tiến độ"}  # only the long texts are narrowed
    estimate = {c: tables._text_px(c) for c in table.columns}
    fixed = sum(
        max([tables._text_px(v) for v in table[c]] + [estimate[c]]) + tables._CELL_PADDING_PX
        for c in table.columns
        if c not in fit.widths
    )
    assert fixed + sum(fit.widths.values()) <= tables.DESKTOP_TABLE_PX
    assert fit.row_height and fit.row_height > 64  # Streamlit wraps text only in rows over 4rem
    # No word is cut: a narrowed column is at least its longest word and its header.
    for column, px in fit.widths.items():
        longest_word = max(tables._text_px(w) for v in table[column] for w in v.split())
        assert px >= max(longest_word, estimate[column]) + tables._CELL_PADDING_PX
    assert fit.height(3) == 38 + 3 * fit.row_height
    # A table that fits as it is keeps Glide's own widths.
    assert tables.fit_columns(table.head(0)[["Hạn", "Trạng thái"]]) == tables.ColumnFit({}, None)


def test_the_units_table_has_the_forecast_beside_the_name_and_the_counts_after():
    # Ten columns at 1280 px: "Cần mỗi ngày" cut, the forecast and the on-time chance past
    # the edge, behind a sideways scroll, while the eligible and collected counts took the room.
    units = pd.DataFrame(
        {
            "key": ["1", "2"],
            "level": ["commune", "commune"],
            "name": ["Xã Bắc Lý", "Phường Nghi Tân"],
            "official": [True, True],
            "district": ["Huyện Hưng Nguyên", "Thị xã Cửa Lò"],
            "status": ["behind", "at_risk"],
            "coverage": [0.939, 0.698],
            "eligible": [3535, 9151],
            "collected": [3319, 6386],
            "pace_7d": [0.0, 9.0],
            "required_per_day": [15.0, 192.0],
            "projected_date": [pd.Timestamp(2024, 7, 1), pd.Timestamp(2024, 3, 8)],
            "p_on_time": [0.01, 0.02],
            "days_behind": [367, 250],
            "pace_ratio": [0.0, 0.05],
            "remaining": [216, 2765],
        }
    )
    table = tables.unit_table(units, "commune")
    assert list(table.columns)[:7] == [
        "Đơn vị",
        "Trạng thái",
        "Tỷ lệ",
        "Bình quân 7 ngày",
        "Cần mỗi ngày",
        "Dự báo hoàn thành",
        "Khả năng kịp hạn",
    ]
    assert list(table.columns)[7:] == ["Huyện", "Số CD đủ điều kiện", "Đã thu nhận"]
    # Under the header "Huyện" the word is not written again ("Huyện Hưng Nguyê" was cut).
    assert sorted(table["Huyện"]) == ["Hưng Nguyên", "TX Cửa Lò"]


# -- the map slide -------------------------------------------------------------------------


def test_a_slide_label_with_no_room_beside_its_point_moves_out_with_a_line_not_over_a_name():
    # Nobody hovers a slide, so every name is written; a name with no room beside its point
    # was written on it all the same, over its neighbours' (TP Vinh over Hưng Nguyên,
    # TX Cửa Lò over Nghi Lộc on the projector).
    from cccd_analytics.charts import maps

    points = [(0.0, 0.0), (0.05, 0.0), (0.0, 0.05), (-0.05, 0.0), (0.0, -0.05), (0.02, 0.02)]
    lengths = [(9, 5)] * len(points)
    areas = [6.0, 5.0, 4.0, 3.0, 2.0, 1.0]
    shifts: dict = {}
    placed = maps._clear_of_others(
        points, lengths, areas, 12, 100.0, 100.0, every_label=True, frame=(-3, -3, 3, 3), shifts=shifts
    )
    assert all(px for px, _ in placed)  # every name written
    assert shifts  # some moved out…
    boxes = [shifts[i] for i in sorted(shifts)]
    # …to where they run into no other moved label.
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
    # Drawn with a line from the point and a dot on it; the point keeps its hover and click.
    keys = [str(i) for i in range(len(points))]
    written = [f"<b>{k}</b><br>90,0%" for k in keys]
    traces = maps._moved_labels(keys, dict(zip(keys, points)), written, placed, shifts)
    line, dot, text = traces
    assert line.mode == "lines" and dot.mode == "markers" and text.mode == "text"
    assert list(text.text) == [written[i] for i in sorted(shifts)]


def test_the_slide_map_labels_read_on_any_fill():
    # Dark letters on the status red and the darkest green, and across the white borders,
    # were lost on a projector: every label has a white halo.
    from cccd_analytics.charts import maps

    assert "#fff" in maps.LABEL_HALO


# -- in a real browser -----------------------------------------------------------------------


def _scrolls_sideways(page, locator) -> list:
    return locator.evaluate_all(
        """els => els.map(df => { const s = df.querySelector('.dvn-scroller');
             return s ? s.scrollWidth - s.clientWidth : 0; })"""
    )


@pytest.mark.browser
def test_on_a_1280_desktop_the_tables_show_the_columns_that_decide(server, browser):
    from tests.browser_support import shot, wait_for_app

    page = browser.new_page(viewport={"width": 1280, "height": 800})
    # The overview's communes needing attention: every column in view (the forecast was cut).
    page.goto(server)
    wait_for_app(page)
    table = page.locator(".st-key-ov_attention_table [data-testid=stDataFrame]")
    table.locator(".dvn-scroller").first.wait_for()
    assert _scrolls_sideways(page, table) == [0]
    # The group targets and the data-quality work list: long texts wrap, nothing is cut.
    page.goto(server + "/groups")
    wait_for_app(page)
    table = page.locator(".st-key-groups_targets [data-testid=stDataFrame]")
    table.locator(".dvn-scroller").first.wait_for()
    assert _scrolls_sideways(page, table) == [0]
    shot(page, "groups_targets_1280")
    page.goto(server + "/quality")
    wait_for_app(page)
    table = page.locator("[data-testid=stDataFrame]").first
    table.locator(".dvn-scroller").first.wait_for()
    assert _scrolls_sideways(page, table) == [0]
    headers = table.locator("[role=columnheader]")
    assert "Nội dung" in [headers.nth(i).text_content() for i in range(headers.count())]
    # The league of units: the forecast and the on-time chance in view beside the name
    # (Glide writes only the columns in view into its table for screen readers).
    page.goto(server + "/units")
    wait_for_app(page)
    table = page.locator("[data-testid=stDataFrame]").first
    table.locator(".dvn-scroller").first.wait_for()
    headers = table.locator("[role=columnheader]")
    seen = [headers.nth(i).text_content() for i in range(headers.count())]
    for wanted in ("Trạng thái", "Tỷ lệ", "Cần mỗi ngày", "Dự báo hoàn thành", "Khả năng kịp hạn"):
        assert wanted in seen, seen
    shot(page, "units_1280")
    page.close()


@pytest.mark.browser
def test_on_a_1280x720_projector_the_map_slide_writes_no_name_over_another(server, browser):
    from tests.browser_support import shot, wait_for_app

    page = browser.new_page(viewport={"width": 1280, "height": 720})
    for n in range(1, 21):
        page.goto(f"{server}/presentation?trang={n}")
        wait_for_app(page)
        if page.locator("h1.cccd-title", has_text="Bản đồ").count():
            break
    else:
        pytest.fail("no map slide")
    labels = page.locator("[data-testid=stPlotlyChart] .textpoint")
    labels.first.wait_for()
    boxes = [
        (labels.nth(i).text_content(), labels.nth(i).bounding_box())
        for i in range(labels.count())
        if labels.nth(i).bounding_box()
    ]
    written = " ".join(text for text, _ in boxes)
    for name in ("TP Vinh", "Hưng Nguyên", "TX Cửa Lò", "Nghi Lộc", "Nam Đàn"):
        assert name in written, written  # every district named (nobody hovers a slide)
    for i, (ta, a) in enumerate(boxes):
        for tb, b in boxes[i + 1 :]:
            apart = (
                a["x"] + a["width"] <= b["x"] + 1
                or b["x"] + b["width"] <= a["x"] + 1
                or a["y"] + a["height"] <= b["y"] + 1
                or b["y"] + b["height"] <= a["y"] + 1
            )
            assert apart, (ta, tb)
    shot(page, "map_slide_1280x720")
    page.close()


# -- the verdict -----------------------------------------------------------------------------


def _main(**changes) -> pd.Series:
    row = {
        "status": "behind",
        "remaining": 157_873,
        "days_left": 15,
        "required_per_day": 10_963.0,
        "pace_7d": 3_891.0,
    }
    return pd.Series({**row, **changes})


def test_the_verdict_says_what_it_asks_of_the_leader():
    # "Chậm tiến độ. Dự báo đạt chỉ tiêu ngày 27/7/2023 …; khả năng kịp hạn 1%." said when,
    # not what to do: the rate needed against the pace and where to send teams were left
    # to be worked out from the tiles.
    from datetime import date

    units = pd.DataFrame({"level": ["commune"] * 4, "status": ["behind", "at_risk", "on_track", "done"]})
    deadline = date(2023, 6, 30)
    said = tables.verdict_action(_main(), units, deadline, by_workday=True)
    assert said == (
        "Để kịp hạn 30/6/2023: cần 10.963 hồ sơ mỗi ngày làm việc, gấp 2,8 lần bình quân 7 ngày "
        "(3.891); tăng cường cho 2 xã chậm tiến độ hoặc có nguy cơ chậm ở bảng «Các xã cần chú ý»."
    )
    assert "7 ngày qua chưa thu nhận hồ sơ nào" in tables.verdict_action(_main(pace_7d=0.0), units, deadline)
    kept = tables.verdict_action(_main(status="on_track", pace_7d=12_000.0), units, deadline)
    assert kept.startswith("Giữ tốc độ: cần 10.963 hồ sơ mỗi ngày đến hạn 30/6/2023")
    late = tables.verdict_action(_main(status="missed", days_left=0), units, deadline)
    assert late.startswith("Đã hết hạn 30/6/2023, còn thiếu 157.873 hồ sơ: tăng cường cho 2 xã")
    assert tables.verdict_action(_main(status="done", remaining=0), units, deadline) == ""


def test_a_moved_slide_label_goes_off_the_shapes_where_there_is_room():
    # Moved onto a neighbour's shape, "Nghi Lộc 92,7%" lay on Thanh Chương beside Thanh
    # Chương's own name; the white beside the province (the sea) reads as nobody's.
    from cccd_analytics import geo
    from cccd_analytics.charts import maps

    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    land = geo.land_mask([{"geometry": square}], (-1.0, -1.0, 3.0, 2.0))
    assert land((0.2, 0.2, 0.4, 0.4)) and not land((1.5, 0.2, 2.5, 0.4))
    # Two names on one point inside the square: the second moves out, off the square.
    shifts: dict = {}
    maps._clear_of_others(
        [(0.9, 0.5), (0.9, 0.5)],
        [(8, 5), (8, 5)],
        [2.0, 1.0],
        12,
        100.0,
        100.0,
        every_label=True,
        frame=(-1.0, -1.0, 3.0, 2.0),
        shifts=shifts,
        land=land,
    )
    assert list(shifts) == [1] and not land(shifts[1])
