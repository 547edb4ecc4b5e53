"""What only a browser shows: the dashboard served for real, in headless Chromium."""

from urllib.parse import urlparse

import pytest

from tests.browser_support import launch_chromium, start_dashboard, wait_for_app

pytestmark = pytest.mark.browser
KY_ANH = "Huyện Kỳ Anh — 87.000 thẻ CCCD trước 10/6/2021"


@pytest.fixture(scope="module")
def server(sample_db, tmp_path_factory):
    import shutil

    copy = tmp_path_factory.mktemp("browser") / "db.sqlite"
    shutil.copy(sample_db, copy)
    proc, url = start_dashboard(f"sqlite:///{copy}")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch_chromium(p)
        yield b
        b.close()


def test_overview_opens_offline_and_switches_campaign(server, browser):
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    outside = []
    page.on("request", lambda r: outside.append(r.url)
            if urlparse(r.url).hostname not in ("127.0.0.1", "localhost", None) and not r.url.startswith("data:")
            else None)
    page.goto(server)
    wait_for_app(page)
    assert page.get_by_role("heading", name="Cao điểm 70 ngày, đêm — Nghệ An 2023").is_visible()
    assert page.get_by_text("2.365.662").first.is_visible()
    page.locator("[data-testid=stPlotlyChart]").first.wait_for()
    # Switch campaign through the real widget.
    page.get_by_label("Chiến dịch").first.click()
    page.get_by_role("option", name=KY_ANH).click()
    wait_for_app(page)
    page.get_by_role("heading", name=KY_ANH).wait_for()
    assert page.get_by_text("59.304").first.is_visible()
    assert outside == [], outside
    page.close()


def test_upload_through_the_real_widget_then_undo(server, browser, tmp_path):
    bad = tmp_path / "bao_cao_sai.csv"
    bad.write_text("Ngày,Huyện,Xã,Lũy kế\n16/05/2021,Huyện Kỳ Anh,Xã Kỳ Đồng,-3\n", encoding="utf-8")
    good = tmp_path / "bao_cao_16_05_2021.csv"
    good.write_text("Ngày,Huyện,Xã,Lũy kế\n16/05/2021,Huyện Kỳ Anh,Xã Kỳ Đồng,999999\n", encoding="utf-8")
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    page.goto(server + "/upload")
    wait_for_app(page)
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files([str(bad), str(good)])
    wait_for_app(page)
    page.get_by_text("Từ chối tệp «bao_cao_sai.csv»").first.wait_for()
    assert page.get_by_text("số âm (-3)").first.is_visible()
    page.get_by_role("button", name="Ghi 1 tệp hợp lệ vào cơ sở dữ liệu").click()
    wait_for_app(page)
    page.get_by_text("Đã nhập tệp «bao_cao_16_05_2021.csv»").first.wait_for()
    # Undo the upload just made: the history lists it first.
    page.get_by_text("Tôi chắc chắn").click()
    wait_for_app(page)
    page.get_by_role("button", name="Hủy lần nhập").click()
    wait_for_app(page)
    page.get_by_text("số liệu trước đó được dùng lại").first.wait_for()
    page.close()
