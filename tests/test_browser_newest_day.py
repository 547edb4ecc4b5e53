"""The sidebar's day follows an import of a newer day, in the same browser session."""

import pytest

from tests.browser_support import wait_for_app

pytestmark = pytest.mark.browser
KY_ANH = "Huyện Kỳ Anh — 87.000 thẻ CCCD trước 10/6/2021"


def day_shown(page) -> str:
    # The input holds the ISO day; it shows 16 / 05 / 2021.
    return page.locator("[data-testid=stSidebar] [data-testid=stDateInput] input").first.input_value()


def _communes() -> list[str]:
    import csv
    from pathlib import Path

    data = Path(__file__).resolve().parents[1] / "cccd_analytics/data/vn_admin/ky_anh_2021_communes.csv"
    with data.open(encoding="utf-8") as handle:  # closed here, not whenever it is collected
        return [row["commune_name"] for row in csv.DictReader(handle)]


def test_a_newer_day_imported_is_the_day_the_overview_shows_next(server, browser, tmp_path):
    # Most of the district's communes for 16/5 (a day only one had reported stays behind the
    # usual day: tests/test_views.py).
    names = _communes()
    report = tmp_path / "bao_cao_16_05_2021.csv"
    lines = [f"16/05/2021,Huyện Kỳ Anh,{name},999999" for name in names[: len(names) // 2 + 1]]
    report.write_text("Ngày,Huyện,Xã,Lũy kế\n" + "\n".join(lines) + "\n", encoding="utf-8")
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    page.goto(server)
    wait_for_app(page)
    page.get_by_label("Chiến dịch").first.click()
    page.get_by_role("option", name=KY_ANH).click()
    wait_for_app(page)
    assert day_shown(page) == "2021-05-15"
    # To the upload page and back through the sidebar: one browser session throughout.
    page.locator('[data-testid=stSidebarNav] a[href$="/upload"]').first.click()
    wait_for_app(page)
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files([str(report)])
    wait_for_app(page)
    page.get_by_role("button", name="Ghi 1 tệp hợp lệ vào cơ sở dữ liệu").click()
    wait_for_app(page)
    page.get_by_text("Đã nhập tệp «bao_cao_16_05_2021.csv»").first.wait_for()
    page.locator("[data-testid=stSidebarNav] a", has_text="Tổng quan").first.click()
    wait_for_app(page)
    assert day_shown(page) == "2021-05-16"
    assert "ngay=2021-05-16" in page.url
    page.close()
