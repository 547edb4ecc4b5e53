"""Breakdowns in headless Chromium: the overview's priority-group card on the sample, and the
group and channel filters changing the figures of the unit pages (kept in the URL).  The
screenshots go to tests/fixtures/generated/ (bd_*.png) for a person to look at."""

from __future__ import annotations

import pytest

from tests import browser_support
from tests.browser_support import wait_for_app

pytestmark = pytest.mark.browser
SHOTS = browser_support.SHOTS


def shot(page, name: str) -> None:
    browser_support.shot(page, "bd_" + name, full_page=True)


def summary(page, dimension: str) -> str:
    """The line above a part's table: "Nhóm đối tượng: Người cao tuổi — 460 đơn vị, đã thu nhận N"."""
    label = {"group": "Nhóm đối tượng", "channel": "Hình thức thu nhận"}[dimension]
    return page.locator("[data-testid=stMarkdownContainer]", has_text=f"{label}:").first.inner_text()


def cells(page, key: str) -> list[str]:
    """The grid's cells as its accessible table gives them (the grid draws on a canvas)."""
    grid = page.locator(f".st-key-{key} [data-testid=stDataFrame]").first
    grid.wait_for()
    return grid.locator("[role=gridcell], [role=columnheader]").all_inner_texts()


def test_the_overview_shows_the_priority_group_card(server, browser):
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(server)
    wait_for_app(page)
    card = page.locator(".st-key-ov_groups")
    card.scroll_into_view_if_needed()
    text = card.inner_text()
    assert "Học sinh lớp 12 xong trước 20/6" in text and "Chậm tiến độ" in text
    assert "Của ta ở ngoại tỉnh" in text and "còn thiếu 67.884" in text
    card.screenshot(path=str(SHOTS / "bd_overview_card.png"))
    # The card opens the page of breakdowns.
    card.get_by_text("Xem theo nhóm và hình thức thu nhận").click()
    wait_for_app(page)
    assert "/groups" in page.url
    page.get_by_role("heading", name="Hình thức thu nhận").first.wait_for()
    assert page.locator("[data-testid=stPlotlyChart]").count() >= 6  # two charts a dimension
    shot(page, "groups_page")
    page.close()


def test_the_group_and_channel_filters_change_the_figures_and_travel_in_the_url(server, browser):
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(server + "/units")
    wait_for_app(page)
    statuses = page.locator("[data-testid=stMarkdownContainer]", has_text="Chậm tiến độ:").first.inner_text()
    page.locator(".st-key-units_group").click()
    page.get_by_role("option", name="Người cao tuổi").click()
    wait_for_app(page)
    elderly = summary(page, "group")
    assert elderly.startswith("Nhóm đối tượng: Người cao tuổi — 460 đơn vị, đã thu nhận ")
    assert "Mẫu số" in cells(page, "units_parts_group")
    assert not page.locator("[data-testid=stMarkdownContainer]", has_text=statuses).count()  # no totals now
    assert "nhom=" in page.url
    shot(page, "units_elderly")
    # The channel filter: the mobile teams' figures per commune.
    page.locator(".st-key-units_channel").click()
    page.get_by_role("option", name="Tổ lưu động").click()
    wait_for_app(page)
    mobile = summary(page, "channel")
    assert mobile.startswith("Hình thức thu nhận: Tổ lưu động — 460 đơn vị, đã thu nhận ")
    assert mobile.rsplit(" ", 1)[1] != elderly.rsplit(" ", 1)[1]  # other figures
    link = page.url
    assert "hinh_thuc=" in link
    # The copied link opens the same figures; the unit page follows the same filters.
    other = browser.new_page(viewport={"width": 1440, "height": 900})
    other.goto(link)
    wait_for_app(other)
    assert summary(other, "channel") == mobile and summary(other, "group") == elderly
    other.close()
    page.goto(server + "/unit?don_vi=17170&nhom=Ng%C6%B0%E1%BB%9Di%20cao%20tu%E1%BB%95i")
    wait_for_app(page)
    metric = page.locator("[data-testid=stMetric]", has_text="Đã thu nhận — Người cao tuổi").first
    metric.scroll_into_view_if_needed()
    value = metric.locator("[data-testid=stMetricValue]").inner_text()
    assert value.replace(".", "").isdigit() and int(value.replace(".", "")) > 0
    shot(page, "unit_elderly")
    page.close()
