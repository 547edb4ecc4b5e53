"""The dashboard's breakdowns: the overview's card, the page per dimension, the group and
channel filters of the unit pages (AppTest, with the sample data)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from tests.test_pages import KY_ANH, texts


@pytest.fixture
def app(sample_url, monkeypatch):
    monkeypatch.setenv("CCCD_DB_URL", sample_url)
    return AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)


def test_the_overview_shows_the_priority_group_card(app):
    app.run()
    assert not app.exception, app.exception
    shown = texts(app)
    assert "Nhóm ưu tiên và hình thức thu nhận" in [s.value for s in app.subheader]
    assert "**Học sinh lớp 12 xong trước 20/6** — Chậm tiến độ" in shown
    assert "**Tổ lưu động: 34.000 hồ sơ mỗi tuần** — Chậm tiến độ · tuần này 4.298/34.000" in shown
    assert "còn thiếu 67.884" in shown
    assert "Nhóm ưu tiên: Người cao tuổi 89,1%" in shown


def test_the_groups_page_has_a_section_per_dimension_and_the_group_milestones(app):
    app.run()
    app.switch_page("pages/groups.py").run()
    assert not app.exception, app.exception
    assert [h.value for h in app.header] == ["Nhóm đối tượng", "Hình thức thu nhận", "Nơi cư trú"]
    targets = app.dataframe[0].value
    assert targets["Chỉ tiêu nhóm"].tolist()[0] == "Học sinh lớp 12 xong trước 20/6"
    assert set(targets["Trạng thái"]) == {"Chậm tiến độ", "Không đạt hạn"}
    labels = {m.label: m.value for m in app.metric}
    assert labels["Còn thiếu"] == "67.884"


def test_the_group_filter_changes_the_units_figures(app):
    app.session_state["campaign"] = KY_ANH
    app.run()
    app.switch_page("pages/units.py").run()
    assert not app.exception, app.exception
    before = app.dataframe[0].value
    app.selectbox(key="units_group").set_value("Người cao tuổi").run()
    assert not app.exception, app.exception
    after = app.dataframe[0].value
    assert "Mẫu số" in after.columns and "Mẫu số" not in before.columns
    assert len(after) == 20 and set(after["Nhóm đối tượng"]) == {"Người cao tuổi"}
    assert after["Đã thu nhận"].tolist() != before["Đã thu nhận"].tolist()
