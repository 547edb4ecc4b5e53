"""Where the table is and what each row is: headers, number rows, subtotals, totals, footers."""

import pytest

from cccd_analytics.ingest import headers, layout


def grid(*rows):
    return [list(r) for r in rows]


HEADER = ["STT", "Đơn vị", "Số CD đủ ĐK", "Lũy kế thu nhận"]


@pytest.mark.parametrize(
    "text,field",
    [
        ("Số CD đủ ĐK", "eligible"),
        ("SỐ CÔNG DÂN TỪ 14 TUỔI TRỞ LÊN", "eligible"),
        ("Số CD đủ điều kiện cấp CCCD", "eligible"),
        ("so cong dan du dieu kien", "eligible"),
        ("SL CD đủ ĐK (người)", "eligible"),
        ("Lũy kế", "collected"),
        ("Luỹ kế", "collected"),
        ("Tổng số đã thu nhận", "collected"),
        ("LK thu nhận", "collected"),
        ("Đã trả thẻ", "returned"),
        ("Số thẻ đã trả cho công dân", "returned"),
        ("Trong ngày", "collected_day"),
        ("Xã/Phường/TT", "commune"),
        ("Tên đơn vị", "commune"),
        ("XA PHUONG", "commune"),
        ("Mã ĐVHC", "commune_code"),
        ("Huyện/Thị xã", "district"),
        ("STT", "row_number"),
        ("Tỷ lệ (%)", None),
        ("Chưa trả thẻ", None),
        ("Ngày trả thẻ", None),
        ("Ghi chú", None),
        ("Số CD chưa thu nhận", None),
        ("Số lượng công dân trong diện cấp CCCD", "eligible"),
        ("Thực hiện", "collected"),
        ("Kết quả thực hiện", "collected"),
        ("Thực hiện trong ngày", "collected_day"),
        ("Số đã làm CCCD", "collected"),
        ("Chỉ tiêu", None),
        ("Tỷ lệ thực hiện", None),
        ("Kế hoạch thực hiện", None),
        ("Người thực hiện", None),
        ("Chưa làm", None),
    ],
)
def test_header_vocabulary_with_abbreviations_and_without_diacritics(text, field):
    assert headers.match(text) == field


@pytest.mark.parametrize(
    "parent,child,field",
    [
        ("Kết quả thu nhận hồ sơ", "Trong ngày", "collected_day"),
        ("Kết quả thu nhận hồ sơ", "Lũy kế", "collected"),
        ("Trả thẻ", "Trong ngày", "returned_day"),
        ("Trả thẻ", "Lũy kế", "returned"),
        ("Lũy kế", "Tỷ lệ (%)", None),
    ],
)
def test_two_row_headers_read_the_parent(parent, child, field):
    assert headers.match(child, parent=parent) == field


@pytest.mark.parametrize(
    "text,field",
    [
        ("Số hồ sơ", "record_id"),
        ("Họ và tên", "full_name"),
        ("Ngày sinh", "birth_date"),
        ("Số CMND/CCCD", "id_number"),
        ("Xã/Phường thường trú", "commune"),
        ("Ngày thu nhận", "received_date"),
        ("Ngày tiếp nhận hồ sơ", "received_date"),
        ("Trạng thái", "status"),
        ("Ngày trả thẻ", "returned_date"),
    ],
)
def test_record_export_vocabulary(text, field):
    assert headers.match_record(text) == field


def test_header_signature_ignores_case_diacritics_and_abbreviations():
    one = headers.signature(["Địa phương", "Dân số 14+", "Đã làm", ""])
    assert one == headers.signature(["ĐỊA PHƯƠNG", "Dan so 14+", "da lam"])
    assert one != headers.signature(["Địa phương", "Đã làm", "Dân số 14+"])


def test_letterhead_title_date_line_two_row_header_and_number_row():
    rows = grid(
        ["CÔNG AN TỈNH HÀ TĨNH", "", "", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "", ""],
        ["CÔNG AN HUYỆN KỲ ANH", "", "", "Độc lập - Tự do - Hạnh phúc", "", ""],
        ["", "", "", "Kỳ Anh, ngày 16 tháng 3 năm 2021", "", ""],
        ["BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ", "", "", "", "", ""],
        ["Số liệu tính đến 17 giờ 00 ngày 15/03/2021", "", "", "", "", ""],
        ["STT", "Đơn vị", "Số CD đủ ĐK", "Kết quả thu nhận hồ sơ", "", "Đã trả thẻ"],
        ["", "", "", "Trong ngày", "Lũy kế", ""],
        [1, 2, 3, 4, 5, 6],
        [1, "Xã Kỳ Đồng", 4489, 12, 300, 10],
    )
    found = layout.locate(rows)
    assert found.header_rows == (5, 6) and found.first_data_row == 8 and found.number_row == 7
    assert {f: c.letter for f, c in found.columns.items()} == {
        "row_number": "A",
        "commune": "B",
        "eligible": "C",
        "collected_day": "D",
        "collected": "E",
        "returned": "F",
    }
    assert found.labels[4] == "Kết quả thu nhận hồ sơ / Lũy kế"
    # The data line wins over the signing date above it.
    assert str(found.report_date) == "2021-03-15" and found.date_row == 4
    assert found.authorities == ("tinh ha tinh", "huyen ky anh")
    assert found.title.startswith("BÁO CÁO")


@pytest.mark.parametrize("numbers", [["(1)", "(2)", "(3)", "(4)"], ["A", "B", "1", "2"], [1, 2, 3, 4]])
def test_column_number_rows_are_skipped(numbers):
    found = layout.locate(grid(HEADER, numbers, [1, "Xã Kỳ Đồng", 4489, 300]))
    assert found.number_row == 1 and found.first_data_row == 2


@pytest.mark.parametrize(
    "row,kind,district",
    [
        (["", "Tổng cộng", 10, 5], "total", None),
        (["Tổng cộng", "", 10, 5], "total", None),
        (["", "Toàn tỉnh", 10, 5], "total", None),
        (["", "TOÀN HUYỆN", 10, 5], "total", None),
        (["", "Cộng", 10, 5], "total", None),
        (["I", "HUYỆN KỲ ANH", 10, 5], "subtotal", "HUYỆN KỲ ANH"),
        (["II", "THÀNH PHỐ VINH", 10, 5], "subtotal", "THÀNH PHỐ VINH"),
        (["", "Cộng huyện Tân Kỳ", 10, 5], "subtotal", "huyện Tân Kỳ"),
        (["", "Huyện Quỳ Châu", 10, 5], "subtotal", "Huyện Quỳ Châu"),
        (["", "III. Thị xã Thái Hoà", 10, 5], "subtotal", "Thị xã Thái Hoà"),
        (["", "HUYỆN NGHĨA ĐÀN", "", ""], "subtotal", "HUYỆN NGHĨA ĐÀN"),
        ([3, "X. Kỳ Đồng", 10, 5], "commune", None),
        ([4, "Thị trấn Tân Kỳ", 10, 5], "commune", None),
        (["", "Người lập biểu", "", "TRƯỞNG CÔNG AN HUYỆN"], "footer", None),
        (["", "", "", ""], "blank", None),
    ],
)
def test_rows_are_communes_subtotals_totals_or_footers(row, kind, district):
    found = layout.locate(grid(HEADER, [1, "Xã Kỳ Đồng", 4489, 300]))
    got = layout.classify(row, found)
    assert got.kind == kind and got.district == district


def test_a_table_nobody_named_offers_its_header_for_mapping():
    rows = grid(["BÁO CÁO NHANH", "", ""], ["Địa phương", "Dân số 14+", "Đã làm"], ["Xã Kỳ Đồng", 4489, 321])
    assert layout.locate(rows) is None
    assert layout.candidate_header(rows) == (1,)
    assert layout.labels_of(rows, (1,)) == ["Địa phương", "Dân số 14+", "Đã làm"]


def test_a_two_row_header_nobody_named_keeps_its_parent():
    rows = grid(["Địa phương", "Kết quả", ""], ["", "Hôm trước", "Đến nay"], ["Xã Kỳ Đồng", 3, 321])
    assert layout.candidate_header(rows) == (0, 1)
    assert layout.labels_of(rows, (0, 1)) == ["Địa phương", "Kết quả / Hôm trước", "Kết quả / Đến nay"]


def test_a_record_export_is_recognised_by_its_header():
    rows = grid(
        ["DANH SÁCH HỒ SƠ", "", "", "", ""],
        ["Số hồ sơ", "Họ và tên", "Xã/Phường thường trú", "Ngày thu nhận", "Trạng thái"],
        ["HS1", "Nguyễn Văn A", "Xã Kỳ Đồng", "15/03/2021", "Đã trả thẻ"],
    )
    found = layout.locate(rows)
    assert found.kind == "records" and found.first_data_row == 2
    assert set(found.columns) == {"record_id", "full_name", "commune", "received_date", "status"}
