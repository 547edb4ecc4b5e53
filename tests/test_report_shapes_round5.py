"""Report shapes found by the fifth round of outside probing, each once wrong or refused:
a column of the day before's total, sheets named with underscores or without spaces, a sheet
per district without its name, an export whose header is on two rows, a date line in an
HTML caption or in a Word page header."""

from __future__ import annotations

import io
from datetime import date

import docx
import openpyxl
import pytest

from cccd_analytics import ingest, registry
from cccd_analytics.ingest import headers, normalise
from tests.conftest import collected

KY_ANH = ("Tỉnh Hà Tĩnh", "Huyện Kỳ Anh")


def xlsx(sheets: dict[str, list[list]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    "header",
    ["Lũy kế đến hôm trước", "LK kỳ trước", "Lũy kế đến kỳ trước", "Số đã thu nhận đến hết ngày hôm qua"],
)
def test_the_day_befores_total_is_not_the_running_total(header):
    assert headers.match(header) is None
    rows = [
        ["CÔNG AN HUYỆN KỲ ANH"],
        ["BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD"],
        ["Số liệu tính đến ngày 15/03/2021"],
        ["STT", "Đơn vị", header, "Thu nhận trong ngày", "Lũy kế thu nhận"],
        [1, "Xã Kỳ Tân", 1000, 50, 1050],
        [2, "Xã Kỳ Đồng", 800, 20, 820],
    ]
    report = ingest.import_bytes(None, xlsx({"BC": rows}), "bao_cao_ky_anh.xlsx")
    assert report.status == "checked", report.message
    tan = registry.resolve(*KY_ANH, "Xã Kỳ Tân").key
    assert collected(report)[(tan, date(2021, 3, 15))] == 1050


@pytest.mark.parametrize("name", ["15_05_2023", "BC_15_05_2023", "Ngày 15_5"])
def test_a_sheet_named_with_underscores_is_a_day(name):
    found = normalise.day_label(name)
    assert (found.day, found.month) == (15, 5)


def test_a_workbook_of_a_sheet_per_district_named_without_spaces():
    # Nghĩa Bình is a commune of Huyện Nghĩa Đàn and of Huyện Tân Kỳ: each sheet's is its own.
    head = [["Số liệu tính đến ngày 12/05/2023"], ["STT", "Xã", "Lũy kế thu nhận"]]
    data = xlsx(
        {
            "NghiaDan": [*head, [1, "Nghĩa Bình", 500], [2, "Nghĩa Lộc", 600]],
            "TanKy": [*head, [1, "Nghĩa Bình", 700], [2, "Kỳ Sơn", 800]],
        }
    )
    report = ingest.import_bytes(None, data, "tinh.xlsx")
    assert report.status == "checked", report.message
    found = collected(report)
    day = date(2023, 5, 12)
    assert found[(registry.resolve("Tỉnh Nghệ An", "Huyện Nghĩa Đàn", "Xã Nghĩa Bình").key, day)] == 500
    assert found[(registry.resolve("Tỉnh Nghệ An", "Huyện Tân Kỳ", "Xã Nghĩa Bình").key, day)] == 700


def test_an_export_whose_address_header_spans_two_rows_keeps_its_district():
    # Châu Tiến is a commune of Huyện Quỳ Châu and of Huyện Quỳ Hợp.
    rows = [
        ["STT", "Số hồ sơ", "Họ và tên", "Nơi thường trú", None, None, "Ngày tiếp nhận"],
        [None, None, None, "Xã/Phường", "Quận/Huyện", "Tỉnh/TP", None],
        [1, "A1", "Nguyễn Văn A", "Xã Châu Tiến", "Huyện Quỳ Châu", "Tỉnh Nghệ An", "12/05/2023"],
        [2, "A2", "Nguyễn Văn B", "Xã Châu Tiến", "Huyện Quỳ Hợp", "Tỉnh Nghệ An", "12/05/2023"],
        [3, "A3", "Nguyễn Văn C", "Xã Châu Tiến", "Huyện Quỳ Hợp", "Tỉnh Nghệ An", "12/05/2023"],
    ]
    report = ingest.import_bytes(None, xlsx({"DS": rows}), "xuat.xlsx")
    assert report.status == "checked", report.message
    assert report.kind == "records" and report.rows_read == 3  # the lower header row is no application
    found = collected(report)
    day = date(2023, 5, 12)
    assert found[(registry.resolve("Tỉnh Nghệ An", "Huyện Quỳ Châu", "Xã Châu Tiến").key, day)] == 1
    assert found[(registry.resolve("Tỉnh Nghệ An", "Huyện Quỳ Hợp", "Xã Châu Tiến").key, day)] == 2


def test_a_date_line_in_an_html_caption_dates_the_table():
    page = (
        "<html><body><table border=1><caption>Số liệu tính đến ngày 15/03/2021</caption>"
        "<tr><th>STT</th><th>Đơn vị</th><th>Lũy kế thu nhận</th></tr>"
        "<tr><td>1</td><td>Xã Kỳ Tân</td><td>1050</td></tr><tr><td>2</td><td>Xã Kỳ Đồng</td><td>820</td></tr>"
        "</table></body></html>"
    ).encode()
    report = ingest.import_bytes(None, page, "bao_cao.html")
    assert report.status == "checked", report.message
    assert report.report_date == date(2021, 3, 15)


def test_a_letterhead_and_date_line_in_a_word_page_header_are_read():
    document = docx.Document()
    header = document.sections[0].header
    header.paragraphs[0].text = "CÔNG AN HUYỆN KỲ ANH"
    header.add_paragraph("Số liệu tính đến ngày 15/03/2021")
    document.add_paragraph("BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CẤP CCCD")
    table = document.add_table(rows=4, cols=3)
    for r, row in enumerate(
        [
            ["STT", "Đơn vị", "Lũy kế thu nhận"],
            ["1", "Kỳ Tân", "1050"],
            ["2", "Kỳ Đồng", "820"],
            ["3", "Kỳ Lạc", "400"],
        ]
    ):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    out = io.BytesIO()
    document.save(out)
    report = ingest.import_bytes(None, out.getvalue(), "bao_cao.docx")
    assert report.status == "checked", report.message
    assert report.report_date == date(2021, 3, 15)
    assert collected(report)[(registry.resolve(*KY_ANH, "Xã Kỳ Tân").key, date(2021, 3, 15))] == 1050


def test_a_name_of_several_districts_without_one_says_so_not_that_it_is_unknown():
    # Đồng Văn: a commune of Huyện Quế Phong, Tân Kỳ and Thanh Chương; the sheet's other
    # communes lie in two districts, so nothing says which.
    rows = [
        ["CÔNG AN TỈNH NGHỆ AN"],
        ["Số liệu tính đến ngày 12/06/2023"],
        ["STT", "Xã", "Lũy kế thu nhận"],
        [1, "Xã Nghĩa Phúc", 300],
        [2, "Xã Tiên Kỳ", 400],
        [3, "Xã Đồng Văn", 500],
        [4, "Xã Tri Lễ", 600],
        [5, "Xã Châu Kim", 700],
    ]
    report = ingest.import_bytes(None, xlsx({"BC": rows}), "tinh.xlsx")
    (said,) = [p.message for p in report.problems if "Đồng Văn" in p.message]
    assert "là tên của 3 xã ở các huyện khác nhau" in said and "Huyện Tân Kỳ" in said
    assert "không có trong danh mục" not in said


def test_a_name_placed_by_its_sheet_says_where_not_that_it_was_corrected():
    rows = [["Số liệu tính đến ngày 12/06/2023"], ["STT", "Xã", "Lũy kế thu nhận"]]
    rows += [
        [i + 1, name, 100 + i] for i, name in enumerate(["Xã Nghĩa Bình", "Xã Nghĩa Lộc", "Xã Nghĩa Lâm"])
    ]
    report = ingest.import_bytes(None, xlsx({"BC": rows}), "nghia_dan.xlsx")
    assert report.status == "checked", report.message
    (said,) = [p.message for p in report.problems if "Nghĩa Bình" in p.message]
    assert said.startswith("«Xã Nghĩa Bình» được hiểu là Xã Nghĩa Bình (Huyện Nghĩa Đàn)")
    assert "→" not in said


def test_a_bare_cong_after_each_districts_block_is_that_blocks_sum():
    rows = [
        ["CÔNG AN TỈNH NGHỆ AN"],
        ["Số liệu tính đến 17h00 ngày 12/6/2023"],
        ["STT", "Huyện", "Xã", "Lũy kế thu nhận"],
        [1, "Huyện Nghĩa Đàn", "Thị trấn Nghĩa Đàn", 100],
        [2, None, "Xã Nghĩa Mai", 200],
        [3, None, "Xã Nghĩa Yên", 300],
        [None, "Cộng", None, 600],
        [4, "Huyện Tân Kỳ", "Thị trấn Tân Kỳ", 400],
        [5, None, "Xã Tân Hợp", 500],
        [6, None, "Xã Tân Phú", 600],
        [None, "Cộng", None, 1500],
    ]
    report = ingest.import_bytes(None, xlsx({"BC": rows}), "tinh.xlsx")
    assert report.status == "checked", report.message
    assert not [p for p in report.problems if p.code == "subtotal_mismatch"]
    assert [(t["kind"], t["communes"], t["matches"]) for t in report.totals] == [("subtotal", 3, True)] * 2


@pytest.mark.parametrize(
    ("typed", "count"), [("1.234 hồ sơ", 1234), ("12 HS", 12), ("3.456 người", 3456), ("250 thẻ", 250)]
)
def test_a_count_written_with_what_it_counts_is_the_count(typed, count):
    assert normalise.parse_count(typed).value == count


def test_a_count_with_another_word_after_it_is_still_refused():
    assert normalise.parse_count("12 ha").error and normalise.parse_count("1,5 hồ sơ").error


def test_a_workbook_whose_formulas_were_never_computed_is_refused_naming_a_cell():
    # openpyxl, like any script, writes a formula without its value; calamine reads the cell
    # as blank, so the running totals would silently be missing.
    rows = [
        ["CÔNG AN HUYỆN KỲ ANH"],
        ["Số liệu tính đến ngày 15/03/2021"],
        ["STT", "Đơn vị", "Lũy kế hôm trước", "Trong ngày", "Lũy kế thu nhận"],
        [1, "Xã Kỳ Tân", 1000, 50, "=C4+D4"],
        [2, "Xã Kỳ Đồng", 800, 20, "=C5+D5"],
    ]
    report = ingest.import_bytes(None, xlsx({"BC": rows}), "bao_cao.xlsx")
    assert report.status == "refused"
    assert "trang «BC», dòng 4, cột E («Lũy kế thu nhận»): 2 ô công thức chưa được tính" in report.message


def test_formulas_never_computed_in_a_column_nobody_reads_change_nothing():
    rows = [
        ["CÔNG AN HUYỆN KỲ ANH"],
        ["Số liệu tính đến ngày 15/03/2021"],
        ["STT", "Đơn vị", "Số công dân đủ điều kiện", "Lũy kế thu nhận", "Tỷ lệ"],
        [1, "Xã Kỳ Tân", 4000, 1050, "=D4/C4"],
        [2, "Xã Kỳ Đồng", 3000, 820, "=D5/C5"],
    ]
    report = ingest.import_bytes(None, xlsx({"BC": rows}), "bao_cao.xlsx")
    assert report.status == "checked", report.message


def with_total_of_formulas(ky_dong) -> list[list]:
    return [
        ["CÔNG AN HUYỆN KỲ ANH"],
        ["Số liệu tính đến ngày 15/03/2021"],
        ["STT", "Đơn vị", "Số công dân đủ điều kiện", "Lũy kế thu nhận"],
        [1, "Xã Kỳ Tân", 4000, 1050],
        [2, "Xã Kỳ Đồng", 3000, ky_dong],
        [None, "Tổng cộng", "=SUM(C4:C5)", "=SUM(D4:D5)"],
    ]


def test_a_total_row_of_formulas_never_computed_leaves_the_total_unchecked_not_the_file_refused():
    rows = with_total_of_formulas(820)
    report = ingest.import_bytes(None, xlsx({"BC": rows}), "bao_cao.xlsx")
    assert report.status == "checked", report.message
    (warning,) = report.warnings
    assert (warning.code, warning.sheet, warning.row) == ("uncomputed_total", "BC", 6)
    assert sorted(report.observations.loc[report.observations["metric"] == "collected", "value"]) == [
        820,
        1050,
    ]


def test_a_communes_formula_never_computed_still_refuses_beside_a_total_of_formulas():
    rows = with_total_of_formulas("=D4-230")
    report = ingest.import_bytes(None, xlsx({"BC": rows}), "bao_cao.xlsx")
    assert report.status == "refused"
    assert "trang «BC», dòng 5, cột D («Lũy kế thu nhận»): 1 ô công thức chưa được tính" in report.message
