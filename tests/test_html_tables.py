"""Web pages that are tables: a web system's "Xuất Excel" (an HTML table under an .xls name)
and a report saved from the browser, read as the workbook they stand for."""

from __future__ import annotations

from datetime import date

import pytest

from cccd_analytics import ingest, registry
from tests.conftest import collected

KY_ANH = ("Tỉnh Hà Tĩnh", "Huyện Kỳ Anh")
COMMUNES = ["Xã Kỳ Đồng", "Xã Kỳ Tân", "Xã Kỳ Giang"]


def key(commune: str) -> str:
    return registry.resolve(*KY_ANH, commune).key


def export_page() -> bytes:
    """A web system's export: one <table> of applications, Excel's HTML flavour."""
    rows = []
    for i, (commune, day) in enumerate(
        [
            (COMMUNES[0], "15/03/2021"),
            (COMMUNES[0], "15/03/2021"),
            (COMMUNES[1], "15/03/2021"),
            (COMMUNES[1], "16/03/2021"),
        ]
    ):
        rows.append(
            f"<tr><td>{i + 1}</td><td style='mso-number-format:\"\\@\"'>04200000000{i}</td><td>Nguyễn Văn A</td>"
            f"<td>{commune}</td><td>Huyện Kỳ Anh</td><td>Tỉnh Hà Tĩnh</td><td>{day} 08:00</td><td>Đã thu nhận</td></tr>"
        )
    return (
        '<html xmlns:x="urn:schemas-microsoft-com:office:excel"><head>'
        '<meta http-equiv="Content-Type" content="text/html; charset=utf-8"><style>td{border:1px}</style></head>'
        "<body><table border=1><tr><th>STT</th><th>Số hồ sơ</th><th>Họ và tên</th><th>Xã/Phường thường trú</th>"
        "<th>Quận/Huyện</th><th>Tỉnh/Thành phố</th><th>Ngày thu nhận</th><th>Trạng thái</th></tr>"
        + "".join(rows)
        + "</table></body></html>"
    ).encode("utf-8")


def report_page() -> bytes:
    """A district's daily report saved from the browser: letterhead, title, date line, a
    header merged over two rows (rowspan, colspan, a <br> inside), a total row."""
    body = "".join(
        f"<tr><td>{i + 1}</td><td>{c}</td><td>{4000 + i}</td><td>{10 + i}</td><td>{300 + 10 * i}</td></tr>"
        for i, c in enumerate(COMMUNES)
    )
    return (
        "<!DOCTYPE html><html><head><title>Báo cáo</title><script>var x = 1;</script></head><body>"
        "<table><tr><td>CÔNG AN HUYỆN KỲ ANH</td><td>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</td></tr></table>"
        "<h3>BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CẤP CĂN CƯỚC CÔNG DÂN</h3>"
        "<p>Số liệu tính đến 17 giờ ngày 15/03/2021</p>"
        "<table border='1'><thead>"
        "<tr><th rowspan='2'>STT</th><th rowspan='2'>Đơn vị</th><th rowspan='2'>Số công dân<br>đủ điều kiện</th>"
        "<th colspan='2'>Kết quả thu nhận hồ sơ</th></tr>"
        "<tr><th>Trong ngày</th><th>Lũy kế</th></tr></thead><tbody>"
        + body
        + "<tr><td></td><td>Tổng cộng</td><td>12003</td><td>33</td><td>930</td></tr>"
        "</tbody></table><p>Kỳ Anh, ngày 16 tháng 3 năm 2021</p></body></html>"
    ).encode("utf-8")


def test_a_web_systems_export_named_xls_is_read_as_the_applications_it_lists():
    report = ingest.import_bytes(None, export_page(), "xuat_excel.xls")
    assert report.status == "checked", report.message
    assert report.kind == "records"
    found = collected(report)
    assert found[(key(COMMUNES[0]), date(2021, 3, 15))] == 2
    assert found[(key(COMMUNES[1]), date(2021, 3, 16))] == 2  # cumulative: 1 on 15/3, 1 more on 16/3


def test_a_report_saved_from_the_browser_is_read_as_in_excel():
    report = ingest.import_bytes(None, report_page(), "bao_cao.html")
    assert report.status == "checked", report.message
    assert report.report_date == date(2021, 3, 15) and report.date_origin == "date_line"
    assert collected(report) == {(key(c), date(2021, 3, 15)): 300 + 10 * i for i, c in enumerate(COMMUNES)}
    eligible = report.observations[report.observations["metric"] == "eligible"]
    assert sorted(eligible["value"].astype(int)) == [4000, 4001, 4002]
    assert report.totals and report.totals[0]["matches"]  # the total row checked, not a commune


def test_a_web_page_without_a_table_is_refused_saying_so():
    page = b"<html><body><p>Phi\xc3\xaan \xc4\x91\xc4\x83ng nh\xe1\xba\xadp \xc4\x91\xc3\xa3 h\xe1\xba\xbft h\xe1\xba\xa1n</p></body></html>"
    report = ingest.import_bytes(None, page, "xuat_excel.xls")
    assert report.status == "refused"
    assert "«xuat_excel.xls»" in report.message and "không có bảng số liệu" in report.message


@pytest.mark.parametrize("span", ['colspan="abc"', 'rowspan="999999"', 'colspan="-3"'])
def test_a_broken_span_is_read_as_one_cell(span):
    page = report_page().replace(b"<th colspan='2'>", f"<th {span} colspan='2'>".encode(), 1)
    report = ingest.import_bytes(None, page, "bao_cao.htm")
    assert report.status in ("checked", "refused")  # read or refused in Vietnamese, never raised
    assert "Traceback" not in report.message
