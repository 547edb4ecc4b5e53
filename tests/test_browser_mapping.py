"""A column mapping chosen for a file that is then refused is kept for the fixed file."""

import pytest

from tests.browser_support import wait_for_app

pytestmark = pytest.mark.browser

HEADER = "BÁO CÁO NHANH\nSố liệu tính đến ngày 16/05/2021\nĐịa phương,Huyện,Dân số 14+,Đã làm,Đã giao\n"


def choose(page, label: str, option: str) -> None:
    page.get_by_label(label, exact=True).first.click()
    page.get_by_role("option", name=option).click()


def test_a_mapping_chosen_for_a_refused_file_serves_its_fixed_copy(server, browser, tmp_path):
    refused = tmp_path / "nhanh.csv"
    refused.write_text(HEADER + "Xã Kỳ Đồng,Huyện Kỳ Anh,4489,-5,100\n", encoding="utf-8")
    fixed = tmp_path / "nhanh_da_sua.csv"
    fixed.write_text(HEADER + "Xã Kỳ Đồng,Huyện Kỳ Anh,4489,4321,100\n", encoding="utf-8")
    page = browser.new_page(viewport={"width": 1440, "height": 1400})
    page.goto(server + "/upload")
    wait_for_app(page)
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files([str(refused)])
    wait_for_app(page)
    page.get_by_text("Không nhận ra bố cục tệp này").first.wait_for()
    choose(page, "Xã", "A — Địa phương")
    choose(page, "Lũy kế thu nhận", "D — Đã làm")
    page.get_by_role("button", name="Dùng cách ghép cột này").click()
    wait_for_app(page)
    page.get_by_text("Từ chối tệp «nhanh.csv»").first.wait_for()
    assert page.get_by_text("số âm (-5)").first.is_visible()
    # The analyst fixes the figure and sends the file again, under another name.
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files([str(fixed)])
    wait_for_app(page)
    assert not page.get_by_text("Không nhận ra bố cục tệp này").count()
    page.get_by_role("button", name="Ghi 1 tệp hợp lệ vào cơ sở dữ liệu").wait_for()
    page.close()
