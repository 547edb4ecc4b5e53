"""Report tables whose columns cannot be told apart: "Đã cấp | Chưa cấp" with no collected
column is refused, naming the sheet, row and column, never guessed; a chosen mapping reads it."""

from __future__ import annotations

import io

import openpyxl

from cccd_analytics import ingest

COMMUNES = ["Xã Kỳ Tân", "Xã Kỳ Thọ", "Xã Kỳ Khang", "Xã Kỳ Trung"]


def _issued_table() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "BC"
    sheet.append(["BÁO CÁO CẤP CCCD HUYỆN KỲ ANH"])
    sheet.append(["Số liệu tính đến ngày 15/5/2023"])
    sheet.append(["STT", "Xã", "Số công dân đủ điều kiện", "Đã cấp", "Chưa cấp"])
    for i, name in enumerate(COMMUNES):
        sheet.append([i + 1, name, 4000 + i, 1000 + i, 3000])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_table_of_issued_and_not_yet_issued_is_refused_naming_the_column():
    report = ingest.import_bytes(None, _issued_table(), "da_cap.xlsx")
    assert report.status == "refused"
    (error,) = report.errors
    assert error.code == "no_table" and error.sheet == "BC" and error.row == 3 and error.column == "D"
    assert "«Đã cấp»" in error.message and "không đoán" in error.message
    assert report.needs_mapping  # the upload page offers to map the columns


def test_the_same_table_is_read_once_its_column_is_chosen():
    report = ingest.import_bytes(None, _issued_table(), "da_cap.xlsx", mapping={"commune": 1, "collected": 3})
    assert report.status == "checked", report.message
    assert report.units_read == 4


def test_a_table_with_units_as_columns_and_days_as_rows_is_refused_saying_to_turn_it():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Theo ngày"
    sheet.append(["SỐ HỒ SƠ THU NHẬN THEO NGÀY - HUYỆN KỲ ANH"])
    sheet.append(["Ngày", *COMMUNES])
    for k, day in enumerate(["15/5/2023", "16/5/2023", "17/5/2023"]):
        sheet.append([day, *(100 + 10 * k + i for i in range(len(COMMUNES)))])
    out = io.BytesIO()
    book.save(out)
    report = ingest.import_bytes(None, out.getvalue(), "theo_cot.xlsx")
    assert report.status == "refused"
    (error,) = report.errors
    assert error.code == "no_table" and error.sheet == "Theo ngày" and error.row == 2
    assert (
        "đơn vị theo cột" in error.message and "3 dòng ngày" in error.message and "xoay bảng" in error.message
    )
