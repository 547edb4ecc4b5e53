"""Report tables whose columns cannot be told apart: "Đã cấp | Chưa cấp" with no collected
column is refused, naming the sheet, row and column, never guessed; a chosen mapping reads it.
A table turned on its side (units as columns, days as rows) is read, every message naming
the cell of the file as sent."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest

from cccd_analytics import ingest, registry

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


DAYS = ["15/5/2023", "16/5/2023", "17/5/2023"]


def _turned(names: list[str], cell=None) -> tuple[bytes, dict]:
    """Units as columns (with "Tổng cộng" and "Ghi chú" after them), a row per day, the
    running totals written under each unit; `cell` = (day index, column index, value)
    written over one figure."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Theo ngày"
    sheet.append(["CÔNG AN HUYỆN KỲ ANH"])
    sheet.append(["LŨY KẾ SỐ HỒ SƠ ĐÃ THU NHẬN THEO NGÀY"])
    sheet.append(["Ngày", *names, "Tổng cộng", "Ghi chú"])
    truth = {}
    for k, day in enumerate(DAYS):
        values = [100 * (i + 1) + 10 * k for i in range(len(names))]
        row = [day, *values, sum(values), ""]
        if cell and cell[0] == k:
            row[cell[1]] = cell[2]
        sheet.append(row)
        for name, value in zip(COMMUNES, values):
            truth[(name, date(2023, 5, 15 + k))] = value
    sheet.append([])
    sheet.append(["", "", "Người lập biểu"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), truth


def _by_name(report) -> dict:
    reg = registry.load_registry()
    return {
        (reg.at[k, "name"], d): int(v)
        for k, d, m, v in report.observations[["unit_key", "date", "metric", "value"]].itertuples(index=False)
        if m == "collected"
    }


@pytest.mark.parametrize("typed", [COMMUNES, ["Kỳ Tân", "Kỳ Thọ", "Kỳ Khang", "Kỳ Trung"]])
def test_a_table_with_units_as_columns_and_days_as_rows_is_read_every_unit_day(typed):
    # With their type or, as offices head narrow columns, without it (names of the registry).
    data, truth = _turned(typed)
    report = ingest.import_bytes(None, data, "theo_cot.xlsx")
    assert report.status == "checked", report.message
    assert not report.problems, [p.describe("theo_cot.xlsx") for p in report.problems]
    assert _by_name(report) == truth
    assert report.layout.startswith("bảng xoay: 4 đơn vị theo cột ở dòng 3, 3 dòng ngày ở cột A")
    assert report.totals and all(t["matches"] for t in report.totals)  # "Tổng cộng" checked each day


def test_a_bad_figure_of_a_turned_table_is_named_by_its_cell_in_the_file_as_sent():
    # Kỳ Thọ (column C) on 16/5 (row 5).
    data, _ = _turned(COMMUNES, cell=(1, 2, "-5"))
    report = ingest.import_bytes(None, data, "theo_cot.xlsx")
    assert report.status == "refused"
    (error,) = report.errors
    assert (error.code, error.sheet, error.row, error.column) == ("negative", "Theo ngày", 5, "C")
    # The day's total (column F) no longer adds up: named at its own cell too.
    (total,) = [p for p in report.problems if p.code == "subtotal_mismatch"]
    assert (total.row, total.column) == (5, "F")


def test_a_running_total_that_falls_in_a_turned_table_names_the_cell_and_the_column_before():
    # Kỳ Tân (column B) on 17/5 (row 6) below its 16/5 figure.
    data, _ = _turned(COMMUNES, cell=(2, 1, 5))
    report = ingest.import_bytes(None, data, "theo_cot.xlsx")
    (error,) = [p for p in report.errors if p.code == "falling_cumulative"]
    assert (error.row, error.column) == (6, "B")
    assert "(cột B)" in error.message and "dòng 4" not in error.message


def test_a_sheet_of_days_as_rows_without_unit_names_is_not_turned():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Ngày", "Hồ sơ", "Thẻ"])
    for day in DAYS:
        sheet.append([day, 10, 5])
    out = io.BytesIO()
    book.save(out)
    report = ingest.import_bytes(None, out.getvalue(), "x.xlsx")
    assert report.status == "refused" and not report.turned
