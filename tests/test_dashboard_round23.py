"""Round 23: the dashboard as leadership, analysts and presenters meet it — files dropped
together on the upload page, charts on a projector and a phone."""

from __future__ import annotations

import io
import shutil
from datetime import date

import pandas as pd
import pytest

from cccd_analytics import briefing, charts, ingest
from cccd_analytics.analytics import campaigns, metrics
from cccd_analytics.store import Store

KY_ANH = [
    ("Xã Kỳ Xuân", 5516),
    ("Xã Kỳ Bắc", 3846),
    ("Xã Kỳ Phú", 3700),
    ("Xã Kỳ Phong", 5200),
]


def _report_csv(day: str, collected: dict[str, int]) -> bytes:
    lines = ["Ngày,Tỉnh,Huyện,Xã,Số công dân đủ điều kiện,Lũy kế thu nhận"]
    for name, eligible in KY_ANH:
        lines.append(f"{day},Tỉnh Hà Tĩnh,Huyện Kỳ Anh,{name},{eligible},{collected[name]}")
    return ("\n".join(lines) + "\n").encode()


def _export_csv(day: str, first: int, per_commune: int) -> bytes:
    """A per-record export: one line per application, with a birth date (so that the import
    counts priority groups as well as totals)."""
    out = io.StringIO()
    out.write("STT,Số hồ sơ,Họ và tên,Ngày sinh,Xã/Phường thường trú,Huyện,Tỉnh,Ngày thu nhận,Trạng thái\n")
    n = first
    for name, _ in KY_ANH:
        for k in range(per_commune):
            n += 1
            born = "12/03/1950" if k % 2 else "04/07/1990"
            out.write(
                f"{n},HS{n:06d},Nguyễn Văn {n},{born},{name},Huyện Kỳ Anh,Tỉnh Hà Tĩnh,{day},Đã tiếp nhận\n"
            )
    return out.getvalue().encode()


def _store(tmp_path) -> Store:
    store = Store.open(f"sqlite:///{tmp_path / 'cccd.sqlite'}")
    first = ingest.import_bytes(store, _report_csv("14/05/2021", {n: 1000 for n, _ in KY_ANH}), "bc_14_5.csv")
    assert first.status == "imported", first.message
    return store


def test_an_export_dropped_below_another_file_is_checked_not_refused_as_unreadable(tmp_path):
    # The upload page checks each file against the store plus the valid files above it
    # (ingest.Pending).  An export counting priority groups asks that store for the parts in
    # force; Pending had no such answer, and the export was refused as "không đọc được tệp
    # (cấu trúc bất thường: AttributeError) … lưu lại bằng Excel" — a CSV nothing was wrong with.
    store = _store(tmp_path)
    above = ingest.import_bytes(
        store, _report_csv("15/05/2021", {n: 1010 for n, _ in KY_ANH}), "bc_15_5.csv", dry_run=True
    )
    assert above.status == "checked", above.message
    export = ingest.import_bytes(
        ingest.Pending(store, [above]), _export_csv("16/05/2021", 0, 6), "ds_16_5.csv", dry_run=True
    )
    assert export.status == "checked", export.message
    assert not [p for p in export.problems if p.code == "unreadable"]
    # The export counts on from the report above it: 1.010 + 6 on 16/5.
    got = export.observations
    got = got[(got["metric"] == "collected") & (pd.to_datetime(got["date"]) == pd.Timestamp(2021, 5, 16))]
    assert sorted(got["value"].astype(int).tolist()) == [1016] * len(KY_ANH)


def test_two_exports_dropped_together_count_groups_on_from_the_one_above(tmp_path):
    store = _store(tmp_path)
    above = ingest.import_bytes(store, _export_csv("15/05/2021", 0, 4), "ds_15_5.csv", dry_run=True)
    assert above.status == "checked", above.message
    below = ingest.import_bytes(
        ingest.Pending(store, [above]), _export_csv("16/05/2021", 100, 2), "ds_16_5.csv", dry_run=True
    )
    assert below.status == "checked", below.message
    # What the preview counts is what committing both in order stores.
    assert ingest.import_bytes(store, _export_csv("15/05/2021", 0, 4), "ds_15_5.csv").status == "imported"
    written = ingest.import_bytes(store, _export_csv("16/05/2021", 100, 2), "ds_16_5.csv")
    assert written.status == "imported", written.message
    key = ["unit_key", "dimension", "value", "date"]
    previewed = below.parts.astype({"unit_key": str, "dimension": str, "value": str}).sort_values(key)
    stored = written.parts.astype({"unit_key": str, "dimension": str, "value": str}).sort_values(key)
    assert previewed["count"].tolist() == stored["count"].tolist()
    assert previewed["count"].max() > 2  # counted on from the 15/5 export's groups, not from zero


def test_a_file_replacing_stored_figures_below_another_names_the_upload_it_replaces(tmp_path):
    # A file re-sending a day the store holds, dropped below another file: the warning that
    # names the stored upload asked Pending for the upload list, which it did not have.
    store = _store(tmp_path)
    above = ingest.import_bytes(
        store, _report_csv("15/05/2021", {n: 1010 for n, _ in KY_ANH}), "bc_15_5.csv", dry_run=True
    )
    resent = ingest.import_bytes(
        ingest.Pending(store, [above]),
        _report_csv("14/05/2021", {n: 1002 for n, _ in KY_ANH}),
        "bc_14_5_sua.csv",
        dry_run=True,
    )
    assert resent.status == "checked", resent.message
    assert any("lần nhập #1 «bc_14_5.csv»" in p.message for p in resent.problems)


# -- charts on a projector and a phone ---------------------------------------------------

NGHE_AN = "Cao điểm 70 ngày, đêm — Nghệ An 2023"


@pytest.fixture(scope="module")
def nghe_an_snapshot(sample_db, tmp_path_factory):
    copy = tmp_path_factory.mktemp("round23") / "sample.sqlite"
    shutil.copy(sample_db, copy)
    store = Store.open(f"sqlite:///{copy}")
    found = {c.name: c for c in (campaigns.from_definition(d) for d in store.campaign_definitions())}
    return metrics.snapshot(store.current_observations(), store.units(), found[NGHE_AN], date(2023, 6, 15))


def test_milestones_sharing_a_day_are_labelled_side_by_side_inside_the_plot(nghe_an_snapshot):
    # Two milestones due 30/5 were one 38-character label turned upright: on the projector
    # slide (22 px type) and on a phone it ran from the plot's foot up into the legend.
    from cccd_analytics.charts.style import VLINE_LINE_CHARS

    fig = briefing.projector_figure(charts.cumulative_vs_target(nghe_an_snapshot), height=600, font_size=26)
    upright = [a for a in fig.layout.annotations if a.textangle == -90]
    milestone = next(a for a in upright if "Xã biên giới" in a.text)
    lines = milestone.text.split("<br>")
    assert lines == ["Xã biên giới", "Xã điểm, kiểu mẫu", "30/5"]
    assert all(len(line) <= VLINE_LINE_CHARS for a in upright for line in a.text.split("<br>"))


def test_a_long_milestone_name_is_cut_but_its_day_is_kept():
    import plotly.graph_objects as go

    from cccd_analytics.charts.style import VLINE_LINE_CHARS, vline

    fig = go.Figure()
    name = "Người cao tuổi và người có công trên địa bàn <b>xã</b>"
    vline(fig, date(2023, 5, 30), [name, "30/5"], "#455A64", "dot")
    shown = fig.layout.annotations[0]
    first, day = shown.text.split("<br>")
    assert day == "30/5" and first.endswith("…") and len(first) <= VLINE_LINE_CHARS
    assert "<b>" not in shown.text  # a name is text, not markup
    assert "Người cao tuổi và người có công trên địa bàn" in shown.hovertext


def test_group_coverage_figures_are_written_beside_the_names_not_past_the_bars():
    # In the narrow column a 1280-px projector leaves, "89,1% · 355.626/399.296" written past
    # its bar ran off the figure's right edge (and a long name off its left).  The figures now
    # go under each name, in the room the axis makes for its labels.
    from types import SimpleNamespace

    rows = pd.DataFrame(
        {
            "value": ["Người cao tuổi", "Học sinh lớp 12"],
            "collected": [355_626, 46_737],
            "eligible": [399_296, 46_768],
        }
    ).assign(coverage=lambda d: d["collected"] / d["eligible"])
    fig = charts.parts_coverage(SimpleNamespace(values=list(rows["value"])), rows)
    bar = fig.data[0]
    assert bar.text is None  # nothing written on or past the bars
    labels = list(fig.layout.yaxis.ticktext)
    assert "Người cao tuổi" in labels[0] and "89,1% · 355.626/399.296" in labels[0]
    assert "99,9% · 46.737/46.768" in labels[1]
    assert list(fig.layout.yaxis.tickvals) == ["Người cao tuổi", "Học sinh lớp 12"]


# -- links ------------------------------------------------------------------------------


def _app(sample_url, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    monkeypatch.setenv("CCCD_DB_URL", sample_url)
    return AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)


def test_a_link_to_a_unit_this_campaign_does_not_have_says_so(sample_url, monkeypatch):
    # A link to Xã Kỳ Xuân (Kỳ Anh) opened while the dashboard opens on Nghệ An showed the
    # first commune of Nghệ An's list (Xã Bắc Lý) with its figures, and nothing said so.
    at = _app(sample_url, monkeypatch)
    at.query_params["don_vi"] = "18757"
    at.switch_page("pages/unit.py").run()
    assert not at.exception
    notes = [w.value for w in at.warning]
    assert any("«18757»" in n and "không có trong số liệu đang xem" in n for n in notes), notes


def test_a_link_with_a_misspelt_district_says_the_list_is_not_that_district(sample_url, monkeypatch):
    at = _app(sample_url, monkeypatch)
    at.query_params["huyen"] = "Huyen Quynh Luu"
    at.switch_page("pages/units.py").run()
    assert not at.exception
    assert any("«Huyen Quynh Luu»" in w.value for w in at.warning)
    # A link the page can follow says nothing.
    at = _app(sample_url, monkeypatch)
    at.query_params["huyen"] = "Huyện Quỳnh Lưu"
    at.switch_page("pages/units.py").run()
    assert not at.exception and not [w for w in at.warning if "Liên kết" in w.value]


# -- the briefing's map -------------------------------------------------------------------


def test_a_map_of_2025_communes_for_an_earlier_campaign_says_they_join_earlier_ones(sample_db, tmp_path):
    # Kỳ Anh 2021 ranks its 20 communes, and its map draws the communes of 1/7/2025: "Kỳ
    # Thượng 44,8%" on the map slide, "Xã Kỳ Thượng 28,3%" in the table a slide before, under
    # a heading that said only "theo xã, phường".
    copy = tmp_path / "sample.sqlite"
    shutil.copy(sample_db, copy)
    store = Store.open(f"sqlite:///{copy}")
    found = {c.name: c for c in (campaigns.from_definition(d) for d in store.campaign_definitions())}
    ky_anh = found["Huyện Kỳ Anh — 87.000 thẻ CCCD trước 10/6/2021"]
    b = briefing.build_briefing(
        metrics.snapshot(store.current_observations(), store.units(), ky_anh, date(2021, 5, 15))
    )
    assert b.ranking_level != "district"
    titles = [s.title for s in briefing.slides(b, with_map=True) if s.kind == "map"]
    assert titles == ["Bản đồ tỷ lệ thu nhận theo xã, phường mới (từ 1/7/2025, gộp các xã cũ)"]


# -- the planner ---------------------------------------------------------------------------


def test_the_surge_result_fits_a_projector_with_the_chance_it_buys(sample_url, monkeypatch):
    # Seven columns with the planner's long names: at 1280 px the on-time chance with the
    # surge — what the leader decides on — sat past the right edge of the table.
    at = _app(sample_url, monkeypatch)
    at.switch_page("pages/capacity.py").run()
    next(b for b in at.button if b.label == "Tính thử").click().run()
    assert not at.exception
    table = at.dataframe[-1].value
    assert list(table.columns) == [
        "Đơn vị",
        "Cấp",
        "Dự kiến theo năng lực",
        "Sớm hơn (ngày)",
        "Khả năng kịp hạn",
    ]
    first = table.iloc[0]
    assert " → " in first["Dự kiến theo năng lực"] and first["Khả năng kịp hạn"].endswith("%")
    assert any("chưa tăng cường → nếu tăng cường" in c.value for c in at.caption)


# -- the presentation on a phone (browser) ------------------------------------------------


@pytest.mark.browser
def test_on_a_phone_the_group_slide_shows_every_bar(server, browser):
    # The phone's rule drawing every chart of a slide 60vh tall also caught the groups' bar
    # charts, which keep their own height: drawn 506 px tall inside a 168-px box, they showed
    # "Người cao tuổi" and "Tại trụ sở" and hid the other groups and channels.
    from tests.browser_support import wait_for_app

    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    for n in range(1, 21):
        page.goto(f"{server}/presentation?trang={n}")
        wait_for_app(page)
        if page.get_by_text("Nhóm ưu tiên và hình thức thu nhận").count():
            break
    else:
        pytest.fail("no slide of priority groups and channels")
    charts_ = page.locator(".st-key-cccd_slide [data-testid=stPlotlyChart]")
    charts_.first.locator(".main-svg").first.wait_for()
    assert charts_.count() == 2
    for i in range(charts_.count()):
        chart = charts_.nth(i)
        box = chart.locator("xpath=..").bounding_box()  # the box Streamlit gives it
        drawn = chart.locator(".main-svg").first.bounding_box()
        assert drawn["height"] <= box["height"] + 1, (drawn, box)
        bars = chart.locator(".bars .point")
        assert bars.count() >= 3
        for j in range(bars.count()):
            bar = bars.nth(j).bounding_box()
            assert bar["y"] + bar["height"] <= box["y"] + box["height"] + 1, (j, bar, box)
    # The milestones' lines, which carry the projector's 28 px in their own style, are
    # written for a hand's distance too.
    for n in range(1, 21):
        page.goto(f"{server}/presentation?trang={n}")
        wait_for_app(page)
        if page.locator("h1.cccd-title", has_text="Tiến độ các mốc").count():
            break
    else:
        pytest.fail("no slide of milestones")
    size = page.evaluate("() => getComputedStyle(document.querySelector('.cccd-slide ul')).fontSize")
    assert float(size.removesuffix("px")) <= 18, size
    page.close()
