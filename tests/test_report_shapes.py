"""Report tables whose columns cannot be told apart: "Đã cấp | Chưa cấp" with no collected
column is refused, naming the sheet, row and column, never guessed; a chosen mapping reads it.
A table turned on its side (units as columns, days as rows) is read, every message naming
the cell of the file as sent."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from cccd_analytics import ingest, registry
from cccd_analytics.ingest import legacy_text

FONTS = Path(__file__).resolve().parents[1] / "cccd_analytics" / "data" / "fonts"

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


def _reading_problems(report) -> list:
    """The problems of reading the file: a district's report of a few communes also names the
    district's others as missing (checks.check_missing_communes), which is not one."""
    return [p for p in report.problems if p.code != "missing_communes"]


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
    assert not _reading_problems(report), [p.describe("theo_cot.xlsx") for p in report.problems]
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
    # The day's total (column F) would differ by the refused figure: not said again.
    assert not [p for p in report.problems if p.code == "subtotal_mismatch"]


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


# Measures as rows: what an office sends when it has few communes and many measures.
MEASURE_ROWS = [
    ("Chỉ tiêu", [1000, 2000, 3000, 4000]),  # a plan, never stored
    ("Đã thu nhận hồ sơ", [500, 600, 700, 800]),
    ("Số thẻ đã trả", [100, 200, 300, 400]),
]
TYPED = ["Xã Kỳ Tân", "Ky Tho", "Kì Khang", "Kỳ Trung"]  # with type, no marks, i for y, no type


def _measure_rows(names=TYPED, total_of=None) -> list[list]:
    """STT | Nội dung | the communes | Tổng cộng; `total_of` = (measure index, total) written
    over one sum."""
    rows = [
        ["CÔNG AN HUYỆN KỲ ANH"],
        ["BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD ĐẾN NGÀY 15/5/2023"],
        ["STT", "Nội dung", *names, "Tổng cộng"],
    ]
    for i, (label, values) in enumerate(MEASURE_ROWS):
        total = total_of[1] if total_of and total_of[0] == i else sum(values)
        rows.append([str(i + 1), label, *values, total])
    return rows


MEASURE_TRUTH = {
    (name, date(2023, 5, 15), metric): values[i]
    for i, name in enumerate(COMMUNES)
    for metric, values in (("collected", MEASURE_ROWS[1][1]), ("returned", MEASURE_ROWS[2][1]))
}


def _all_values(report) -> dict:
    reg = registry.load_registry()
    return {
        (reg.at[k, "name"], d, m): int(v)
        for k, d, m, v in report.observations[["unit_key", "date", "metric", "value"]].itertuples(index=False)
    }


def _xlsx(rows, encode=lambda t: t) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Báo cáo"
    for row in rows:
        sheet.append([encode(v) if isinstance(v, str) else v for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("font", ["unicode", "tcvn3", "vni"])
def test_measures_as_rows_under_hand_typed_commune_columns_are_read_and_the_total_column_checked(font):
    encode = {"tcvn3": legacy_text._to_tcvn3, "vni": legacy_text._to_vni}.get(font, lambda t: t)
    report = ingest.import_bytes(None, _xlsx(_measure_rows(), encode), "chi_tieu.xlsx")
    assert report.status == "checked", report.message
    assert _all_values(report) == MEASURE_TRUTH  # "Chỉ tiêu" is a plan: never a count
    assert report.report_date == date(2023, 5, 15)
    assert report.layout.startswith("bảng xoay: 4 đơn vị theo cột ở dòng 3, 3 dòng chỉ tiêu ở cột B")
    ((total),) = report.totals  # "Tổng cộng" is checked, never stored as a unit
    assert total["matches"] and total["column"] == "G" and total["communes"] == 4
    typed = {(c["typed"], c["column"], c["row"]) for c in report.corrections}
    assert typed == {("Ky Tho", "D", 3), ("Kì Khang", "E", 3)}
    assert all(p.severity == "warning" and p.code == "name_variant" for p in _reading_problems(report))
    assert {(p.row, p.column) for p in _reading_problems(report)} == {(3, "D"), (3, "E")}  # the header cells


def test_a_total_column_that_does_not_add_up_is_named_at_its_cell():
    report = ingest.import_bytes(None, _xlsx(_measure_rows(total_of=(1, 2700))), "chi_tieu.xlsx")
    assert report.status == "checked", report.message
    assert _all_values(report) == MEASURE_TRUTH
    (mismatch,) = [p for p in report.problems if p.code == "subtotal_mismatch"]
    assert (mismatch.sheet, mismatch.row, mismatch.column) == ("Báo cáo", 5, "G")
    assert "cột tổng «Tổng cộng» ghi 2.700" in mismatch.message and "2.600" in mismatch.message


@pytest.mark.parametrize("words", ["TỔNG TOÀN HUYỆN", "Toàn đơn vị", "Tổng số"])
def test_a_total_column_in_the_words_of_a_total_row_is_checked_never_stored(words):
    rows = _measure_rows(total_of=(1, 2700))
    rows[2][-1] = words
    report = ingest.import_bytes(None, _xlsx(rows), "chi_tieu.xlsx")
    assert report.status == "checked", report.message
    assert _all_values(report) == MEASURE_TRUTH
    (mismatch,) = [p for p in report.problems if p.code == "subtotal_mismatch"]
    assert (mismatch.row, mismatch.column) == (5, "G")


def test_a_column_no_unit_of_the_registry_is_refused_naming_its_cell_and_nothing_is_stored(store):
    rows = _measure_rows(names=["Xã Kỳ Tân", "Kỳ Thọ", "Kỳ Khangg", "Kỳ Trung"])
    report = ingest.import_bytes(store, _xlsx(rows), "chi_tieu.xlsx")
    assert report.status == "refused"
    (error,) = report.errors
    assert (error.sheet, error.row, error.column) == ("Báo cáo", 3, "E")
    assert "«Kỳ Khangg»" in error.message and "Xã Kỳ Khang" in error.message and "không đoán" in error.message
    assert store.current_observations().empty and store.list_uploads().empty


def _docx(rows: list[list]) -> bytes:
    import docx

    doc = docx.Document()
    for line in rows[:2]:
        doc.add_paragraph(line[0])
    table = doc.add_table(rows=0, cols=len(rows[2]))
    table.style = "Table Grid"
    for row in rows[2:]:
        cells = table.add_row().cells
        for cell, value in zip(cells, row):
            cell.text = str(value)
    doc.add_paragraph("Người lập biểu")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _pdf(rows: list[list]) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    if "TurnedSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("TurnedSans", str(FONTS / "LiberationSans-Regular.ttf")))
    style = ParagraphStyle("vn", fontName="TurnedSans", fontSize=10, leading=12)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=landscape(A4))
    table = Table([[str(v) for v in row] for row in rows[2:]])
    table.setStyle(
        TableStyle(
            [("FONTNAME", (0, 0), (-1, -1), "TurnedSans"), ("GRID", (0, 0), (-1, -1), 0.5, colors.black)]
        )
    )
    doc.build([Paragraph(rows[0][0], style), Paragraph(rows[1][0], style), table])
    return out.getvalue()


def _tcvn3(rows: list[list]) -> list[list]:
    """Every text as typed in a .VnTime font (TCVN3 codes)."""
    return [[legacy_text._to_tcvn3(v) if isinstance(v, str) else v for v in row] for row in rows]


@pytest.mark.parametrize("kind,font", [("docx", "unicode"), ("docx", "tcvn3"), ("pdf", "unicode")])
def test_a_word_or_pdf_table_of_measures_under_commune_columns_is_read(kind, font):
    rows = _tcvn3(_measure_rows()) if font == "tcvn3" else _measure_rows()
    data = (_docx if kind == "docx" else _pdf)(rows)
    report = ingest.import_bytes(None, data, f"chi_tieu.{kind}")
    assert report.status == "checked", report.message
    assert _all_values(report) == MEASURE_TRUTH
    ((total),) = report.totals
    assert total["matches"] and total["column"] == "G"


@pytest.mark.parametrize("kind", ["docx", "pdf"])
def test_a_bad_figure_of_a_turned_word_or_pdf_table_names_the_table_its_row_and_column(kind):
    rows = _measure_rows()
    rows[4][4] = "-7"  # "Đã thu nhận hồ sơ" (4th row of the table) of Kỳ Khang (column E)
    data = (_docx if kind == "docx" else _pdf)(rows)
    report = ingest.import_bytes(None, data, f"chi_tieu.{kind}")
    assert report.status == "refused"
    (error,) = report.errors
    assert (error.code, error.table, error.row, error.column) == ("negative", True, 3, "E")
    if kind == "pdf":
        assert error.page == 1
    assert "dòng 3 của bảng" in error.describe("x") and "cột E" in error.describe("x")


@pytest.mark.parametrize("kind", ["docx", "pdf"])
def test_days_as_rows_of_a_word_or_pdf_table_are_read_with_the_total_column(kind):
    rows = [
        ["CÔNG AN HUYỆN KỲ ANH"],
        ["LŨY KẾ SỐ HỒ SƠ ĐÃ THU NHẬN THEO NGÀY"],
        ["Ngày", *COMMUNES, "Tổng cộng"],
    ]
    truth = {}
    for k, day in enumerate(DAYS):
        values = [100 * (i + 1) + 10 * k for i in range(len(COMMUNES))]
        rows.append([day, *values, sum(values)])
        truth.update({(name, date(2023, 5, 15 + k)): v for name, v in zip(COMMUNES, values)})
    report = ingest.import_bytes(None, (_docx if kind == "docx" else _pdf)(rows), f"theo_ngay.{kind}")
    assert report.status == "checked", report.message
    assert _by_name(report) == truth
    assert report.layout.startswith("bảng xoay: 4 đơn vị theo cột ở dòng 1, 3 dòng ngày ở cột A")
    assert report.totals and all(t["matches"] and t["column"] == "F" for t in report.totals)


def test_a_day_over_the_measures_of_that_day_merged_down_two_rows_is_read():
    # Ngày (merged over its two rows) | Chỉ tiêu | the communes.
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["CÔNG AN HUYỆN KỲ ANH"])
    sheet.append(["KẾT QUẢ THU NHẬN HỒ SƠ VÀ TRẢ THẺ CCCD"])
    sheet.append(["Ngày", "Chỉ tiêu", *COMMUNES])
    truth = {}
    for k, day in enumerate(DAYS[:2]):
        collected = [100 * (i + 1) + k for i in range(4)]
        returned = [10 * (i + 1) + k for i in range(4)]
        sheet.append([day, "Lũy kế thu nhận", *collected])
        sheet.append([None, "Lũy kế trả thẻ", *returned])
        sheet.merge_cells(start_row=4 + 2 * k, start_column=1, end_row=5 + 2 * k, end_column=1)
        for name, c, r in zip(COMMUNES, collected, returned):
            truth[(name, date(2023, 5, 15 + k), "collected")] = c
            truth[(name, date(2023, 5, 15 + k), "returned")] = r
    out = io.BytesIO()
    book.save(out)
    report = ingest.import_bytes(None, out.getvalue(), "ngay_chi_tieu.xlsx")
    assert report.status == "checked", report.message
    assert _all_values(report) == truth
    assert report.layout.startswith("bảng xoay: 4 đơn vị theo cột ở dòng 3, 2 dòng ngày ở cột A, B")


def test_a_turned_table_whose_rows_count_nothing_known_is_refused_listing_its_rows():
    rows = _measure_rows()
    rows[4][1], rows[5][1] = "Số làm được", "Số đã xong"
    report = ingest.import_bytes(None, _xlsx(rows), "chi_tieu.xlsx")
    assert report.status == "refused"
    (error,) = report.errors
    assert (error.code, error.sheet, error.row, error.column) == ("no_table", "Báo cáo", 3, "B")
    assert "«Số làm được», «Số đã xong»" in error.message and "«Đã thu nhận»" in error.message


def test_a_total_column_merged_down_beside_a_unit_group_merged_across_is_checked():
    # Nội dung (merged down) | Đơn vị (merged across the names) | Toàn huyện (merged down)
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [
        ["CÔNG AN HUYỆN KỲ ANH"],
        ["BÁO CÁO NGÀY 15/5/2023"],
        ["Nội dung", "Đơn vị", None, None, None, "Toàn huyện"],
        [None, "Kỳ Tân", "Kỳ Thọ", "Kỳ Khang", "Kỳ Trung", None],
        ["Đã thu nhận hồ sơ", 500, 600, 700, 800, 2600],
        ["Số thẻ đã trả", 100, 200, 300, 400, 1000],
    ]:
        sheet.append(row)
    for cells in ("A3:A4", "B3:E3", "F3:F4"):
        sheet.merge_cells(cells)
    out = io.BytesIO()
    book.save(out)
    report = ingest.import_bytes(None, out.getvalue(), "gop.xlsx")
    assert report.status == "checked", report.message
    assert _all_values(report) == MEASURE_TRUTH
    ((total),) = report.totals
    assert total["matches"] and total["column"] == "F" and total["communes"] == 4


def test_the_rows_of_a_turned_table_are_offered_as_columns_to_map_and_read_once_chosen():
    rows = _measure_rows()
    rows[4][1] = "Số làm được"
    refused = ingest.import_bytes(None, _xlsx(rows), "chi_tieu.xlsx")
    assert refused.status == "refused" and refused.needs_mapping
    offered = {c["header"]: c["index"] for c in refused.columns}
    mapping = {"commune": offered["Xã/phường"], "collected": offered["Số làm được"]}
    report = ingest.import_bytes(None, _xlsx(rows), "chi_tieu.xlsx", mapping=mapping)
    assert report.status == "checked", report.message
    assert _all_values(report) == {k: v for k, v in MEASURE_TRUTH.items() if k[2] == "collected"}


def test_a_letterhead_above_an_unnamed_column_never_names_it():
    rows = _measure_rows()
    rows[0] = ["", "", "", "", "", "", "CÔNG AN XÃ KỲ TÂN"]  # above the blanked "Tổng cộng"
    rows[1] = ["BÁO CÁO NGÀY 15/5/2023"]
    rows[2][6] = None
    report = ingest.import_bytes(None, _xlsx(rows), "chi_tieu.xlsx")
    assert report.status == "refused"
    (error,) = report.errors
    assert (error.row, error.column) == (3, "G") and "(ô tiêu đề trống)" in error.message


# -- one unit's own report: a row per day, the commune named above the table ---------------

ONE_UNIT_DAYS = [date(2021, 3, 10 + k) for k in range(5)]
ONE_UNIT_DAILY = [40, 43, 46, 49, 52]


def _one_unit_rows(title="CÔNG AN XÃ KỲ TÂN - BÁO CÁO THU NHẬN HỒ SƠ CCCD") -> list[list]:
    rows = [
        ["CÔNG AN HUYỆN KỲ ANH"],
        [title],
        ["STT", "Ngày", "Thu nhận trong ngày", "Lũy kế thu nhận", "Ghi chú"],
    ]
    total = 0
    for k, (day, count) in enumerate(zip(ONE_UNIT_DAYS, ONE_UNIT_DAILY)):
        total += count
        rows.append([k + 1, f"{day:%d/%m/%Y}", count, total, ""])
    rows.append(["", "Tổng cộng", total, "", ""])  # a sum over days: no unit's figure
    return rows


ONE_UNIT_TRUTH = {
    **{("Xã Kỳ Tân", d, "collected_day"): v for d, v in zip(ONE_UNIT_DAYS, ONE_UNIT_DAILY)},
    **{("Xã Kỳ Tân", d, "collected"): sum(ONE_UNIT_DAILY[: k + 1]) for k, d in enumerate(ONE_UNIT_DAYS)},
}


@pytest.mark.parametrize("font", ["unicode", "tcvn3"])
def test_a_communes_own_report_of_a_row_per_day_is_read_as_that_commune(font):
    encode = {"tcvn3": legacy_text._to_tcvn3}.get(font, lambda t: t)
    report = ingest.import_bytes(None, _xlsx(_one_unit_rows(), encode), "ky_tan.xlsx")
    assert report.status == "checked", report.message
    assert _all_values(report) == ONE_UNIT_TRUTH
    assert report.layout.startswith("báo cáo của một đơn vị: «Xã Kỳ Tân, Huyện Kỳ Anh» ghi ở dòng 2, cột A")
    assert not report.errors


@pytest.mark.parametrize("day_header", ["Ngày thu nhận", "Ngày tiếp nhận hồ sơ"])
def test_a_day_column_headed_by_what_happened_on_it_dates_the_rows(day_header):
    # In a commune's own report and in a table of a row per commune and day alike; only a
    # per-record export (its personal columns) reads such a column as each record's day.
    rows = _one_unit_rows()
    rows[2][1] = day_header
    report = ingest.import_bytes(None, _xlsx(rows), "ky_tan.xlsx")
    assert report.status == "checked", report.message
    assert _all_values(report) == ONE_UNIT_TRUTH
    table = f"{day_header},Huyện,Xã,Lũy kế thu nhận\n10/03/2021,Huyện Kỳ Anh,Xã Kỳ Tân,40\n11/03/2021,Huyện Kỳ Anh,Xã Kỳ Tân,83\n"
    report = ingest.import_bytes(None, table.encode(), "bang.csv")
    assert report.status == "checked", report.message
    collected = {(d, v) for (_, d, m), v in _all_values(report).items() if m == "collected"}
    assert collected == {(date(2021, 3, 10), 40), (date(2021, 3, 11), 83)}


def test_a_title_typed_without_marks_still_names_the_commune_and_says_so_at_its_cell():
    report = ingest.import_bytes(None, _xlsx(_one_unit_rows("CONG AN XA KY TAN")), "ky_tan.xlsx")
    assert report.status == "checked", report.message
    assert _all_values(report) == ONE_UNIT_TRUTH
    (said,) = report.problems
    assert (said.code, said.row, said.column) == ("name_variant", 2, "A")
    assert "«Xa Ky Tan» → «Xã Kỳ Tân»" in said.message


def test_the_national_letterhead_beside_the_offices_name_is_no_commune():
    rows = _one_unit_rows("BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD")
    rows[0:1] = [
        ["CÔNG AN HUYỆN KỲ ANH", "", "", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
        ["CÔNG AN XÃ KỲ TÂN", "", "", "Độc lập - Tự do - Hạnh phúc"],
        ["", "", "", "Kỳ Tân, ngày 15 tháng 3 năm 2021"],
    ]
    report = ingest.import_bytes(None, _xlsx(rows), "ky_tan.xlsx")
    assert report.status == "checked", report.message
    assert _all_values(report) == ONE_UNIT_TRUTH
    assert "«Xã Kỳ Tân, Huyện Kỳ Anh» ghi ở dòng 2, cột A" in report.layout


def test_a_commune_the_registry_does_not_hold_is_read_from_its_offices_name_as_outside_it():
    rows = _one_unit_rows("BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD")
    rows[0] = ["CÔNG AN PHƯỜNG BẾN THÀNH"]
    report = ingest.import_bytes(None, _xlsx(rows), "ben_thanh.xlsx")
    assert report.status == "checked", report.message
    (said,) = report.problems
    assert (said.code, said.row, said.column) == ("unknown_unit", 1, "A")
    assert "Phường Bến Thành" in said.message


def test_a_bad_figure_of_a_communes_own_report_is_named_by_its_cell():
    rows = _one_unit_rows()
    rows[5][3] = -7  # Lũy kế thu nhận (column D) of the third day (row 6)
    report = ingest.import_bytes(None, _xlsx(rows), "ky_tan.xlsx")
    assert report.status == "refused"
    (error,) = report.errors
    assert (error.code, error.sheet, error.row, error.column) == ("negative", "Báo cáo", 6, "D")


def test_a_title_naming_two_communes_is_no_ones_report_and_nothing_is_stored(store):
    rows = _one_unit_rows("XÃ KỲ TÂN VÀ XÃ KỲ THỌ")
    report = ingest.import_bytes(store, _xlsx(rows), "hai_xa.xlsx")
    assert report.status == "refused" and report.errors[0].code == "no_table"
    assert store.list_uploads().empty


@pytest.mark.parametrize("kind", ["docx", "pdf"])
def test_a_communes_own_report_in_word_or_pdf_is_read_and_a_bad_figure_named_in_its_table(kind):
    make = _docx if kind == "docx" else _pdf
    report = ingest.import_bytes(None, make(_one_unit_rows()), f"ky_tan.{kind}")
    assert report.status == "checked", report.message
    assert _all_values(report) == ONE_UNIT_TRUTH
    rows = _one_unit_rows()
    rows[5][3] = "-7"  # the 4th row of the table (header first), column D
    report = ingest.import_bytes(None, make(rows), f"ky_tan.{kind}")
    (error,) = report.errors
    assert (error.code, error.table, error.row, error.column) == ("negative", True, 4, "D")


def _across_rows(day_text=lambda d: f"{d:%d/%m/%Y}", title="CÔNG AN XÃ KỲ TÂN - HUYỆN KỲ ANH") -> list[list]:
    """The same commune's report with its days as columns and its measures as rows."""
    cumulative = [sum(ONE_UNIT_DAILY[: k + 1]) for k in range(len(ONE_UNIT_DAILY))]
    return [
        [title],
        ["TIẾN ĐỘ THU NHẬN HỒ SƠ CCCD NĂM 2021"],
        ["Nội dung", *(day_text(d) for d in ONE_UNIT_DAYS)],
        ["Thu nhận trong ngày", *ONE_UNIT_DAILY],
        ["Lũy kế thu nhận", *cumulative],
    ]


@pytest.mark.parametrize("day_text", [lambda d: f"{d:%d/%m/%Y}", lambda d: f"Ngày {d.day}/{d.month}"])
def test_a_communes_days_as_columns_and_measures_as_rows_are_read(day_text):
    # Days written without their year take the title's ("… NĂM 2021").
    report = ingest.import_bytes(None, _xlsx(_across_rows(day_text)), "ky_tan_ngang.xlsx")
    assert report.status == "checked", report.message
    assert _all_values(report) == ONE_UNIT_TRUTH
    assert report.layout.startswith(
        "báo cáo của một đơn vị: «Xã Kỳ Tân, Huyện Kỳ Anh» ghi ở dòng 1, cột A; 5 ngày ở dòng 3; "
        "bảng xoay: 5 ngày theo cột ở dòng 3, 2 dòng chỉ tiêu ở cột A, đọc như bảng mỗi ngày một dòng"
    )


@pytest.mark.parametrize("kind", ["xlsx", "docx", "pdf"])
def test_a_bad_figure_of_a_communes_days_as_columns_is_named_by_its_cell_as_sent(kind):
    rows = _across_rows()
    rows[4][3] = "-7"  # Lũy kế thu nhận (row 5 of the sheet, 3rd of the table) on the 3rd day (column D)
    make = {"xlsx": _xlsx, "docx": _docx, "pdf": _pdf}[kind]
    report = ingest.import_bytes(None, make(rows), f"ky_tan_ngang.{kind}")
    assert report.status == "refused"
    (error,) = report.errors
    assert (error.code, error.row, error.column) == ("negative", 5 if kind == "xlsx" else 3, "D")
    assert error.table == (kind != "xlsx")


def test_a_bare_sum_under_each_districts_heading_row_is_checked_against_that_district():
    groups = {
        "Thị xã Cửa Lò": [("Phường Nghi Thuỷ", 678), ("Phường Nghi Tân", 812)],
        "Huyện Nghĩa Đàn": [("Xã Nghĩa Mỹ", 913), ("Xã Tây Hiếu", 826), ("Xã Đông Hiếu", 766)],
    }
    rows = [
        ["BÁO CÁO TIẾN ĐỘ CẤP CCCD"],
        ["Số liệu tính đến ngày 18/5/2023"],
        ["STT", "Đơn vị", "Lũy kế thu nhận"],
    ]
    for k, (district, communes) in enumerate(groups.items()):
        rows.append([district, None, None])
        rows += [[i + 1, name, value] for i, (name, value) in enumerate(communes)]
        total = sum(v for _, v in communes) + (100 if k == 1 else 0)  # Nghĩa Đàn's sum is 100 off
        rows.append([None, "Cộng", total])
    report = ingest.import_bytes(None, _xlsx(rows), "tinh.xlsx")
    assert report.status == "checked", report.message
    (mismatch,) = [p for p in report.problems if p.code == "subtotal_mismatch"]
    assert mismatch.row == len(rows) and "tổng 3 xã/phường là 2.505" in mismatch.message
    assert [t["communes"] for t in report.totals if t["checked"]] == [2, 3]


def test_a_refused_figure_is_the_one_problem_not_also_every_sum_over_it():
    rows = [["BÁO CÁO TIẾN ĐỘ"], ["Số liệu tính đến ngày 15/3/2021"], ["STT", "Xã", "Lũy kế thu nhận"]]
    rows += [[i + 1, name, 100 + i] for i, name in enumerate(COMMUNES)]
    rows.append(["", "Tổng cộng", sum(100 + i for i in range(len(COMMUNES)))])
    rows[4][2] = -5  # Kỳ Thọ
    report = ingest.import_bytes(None, _xlsx(rows), "bc.xlsx")
    assert report.status == "refused"
    assert [(p.code, p.row, p.column) for p in report.problems] == [("negative", 5, "C")]


@pytest.mark.parametrize("joined", ["\n", " "])
def test_a_letterhead_cell_with_the_office_under_the_district_still_places_the_communes(joined):
    # "CÔNG AN HUYỆN KỲ ANH" over "ĐỘI CẢNH SÁT QLHC VỀ TTXH" in one cell (Alt+Enter in Excel;
    # Word joins the cell's paragraphs with a space).
    rows = [
        [f"CÔNG AN HUYỆN KỲ ANH{joined}ĐỘI CẢNH SÁT QLHC VỀ TTXH", "", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
        ["BÁO CÁO TIẾN ĐỘ"],
        ["Số liệu tính đến ngày 15/3/2021"],
        ["STT", "Xã", "Lũy kế thu nhận"],
    ]
    rows += [[i + 1, name, 100 + i] for i, name in enumerate(COMMUNES)]
    report = ingest.import_bytes(None, _xlsx(rows), "bc.xlsx")
    assert report.status == "checked", report.message
    assert not [p for p in report.problems if p.code == "unknown_unit"]
    assert "18814" in set(report.observations["unit_key"])  # Kỳ Anh's Kỳ Tân, not Tân Kỳ's


def test_figures_dated_after_today_are_refused_as_a_mistyped_year(store):
    from datetime import timedelta

    later = date.today() + timedelta(days=400)
    rows = [
        ["BÁO CÁO TIẾN ĐỘ"],
        [f"Số liệu tính đến ngày {later:%d/%m/%Y}"],
        ["STT", "Xã", "Lũy kế thu nhận"],
    ]
    rows += [[i + 1, name, 100 + i] for i, name in enumerate(COMMUNES)]
    report = ingest.import_bytes(store, _xlsx(rows), "bc.xlsx")
    assert report.status == "refused"
    (error,) = report.errors
    assert error.code == "future_date" and f"{later.day}/{later.month}/{later.year}" in error.message
    assert store.list_uploads().empty
    # Tomorrow is today somewhere this is used (Vietnam's clock against a server's UTC).
    tomorrow = date.today() + timedelta(days=1)
    rows[1] = [f"Số liệu tính đến ngày {tomorrow:%d/%m/%Y}"]
    assert ingest.import_bytes(None, _xlsx(rows), "bc.xlsx").status == "checked"


def test_a_borderless_pdf_whose_first_row_is_a_districts_heading_reads_every_commune():
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    if "TurnedSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("TurnedSans", str(FONTS / "LiberationSans-Regular.ttf")))
    style = ParagraphStyle("vn", fontName="TurnedSans", fontSize=10, leading=12)
    data = [["STT", "Đơn vị", "Số công dân đủ điều kiện", "Lũy kế thu nhận"]]
    data.append(["I", "Huyện Kỳ Anh", "", ""])  # no rule under the header: only alignment
    data += [[str(i + 1), name, "4.000", f"{1000 + i}"] for i, name in enumerate(COMMUNES)]
    out = io.BytesIO()
    table = Table(data, colWidths=[40, 170, 150, 120])
    table.setStyle(
        TableStyle([("FONTNAME", (0, 0), (-1, -1), "TurnedSans"), ("ALIGN", (2, 0), (-1, -1), "RIGHT")])
    )
    SimpleDocTemplate(out, pagesize=landscape(A4)).build(
        [Paragraph("BÁO CÁO TIẾN ĐỘ", style), Paragraph("Số liệu tính đến ngày 15/3/2021", style), table]
    )
    report = ingest.import_bytes(None, out.getvalue(), "bc.pdf")
    assert report.status == "checked", report.message
    collected = {(n, v) for (n, _, m), v in _all_values(report).items() if m == "collected"}
    assert collected == {(name, 1000 + i) for i, name in enumerate(COMMUNES)}


@pytest.mark.parametrize(
    "period", ["Thu nhận trong tuần", "Số hồ sơ thu nhận trong tháng", "Thu nhận trong kỳ"]
)
def test_a_weeks_or_months_count_beside_the_running_total_is_not_the_running_total(period):
    rows = [["BÁO CÁO TUẦN"], ["Số liệu tính đến ngày 15/3/2021"], ["STT", "Xã", period, "Lũy kế thu nhận"]]
    rows += [[i + 1, name, 30 + i, 1000 + i] for i, name in enumerate(COMMUNES)]
    report = ingest.import_bytes(None, _xlsx(rows), "tuan.xlsx")
    assert report.status == "checked", report.message
    collected = {(n, v) for (n, _, m), v in _all_values(report).items() if m == "collected"}
    assert collected == {(name, 1000 + i) for i, name in enumerate(COMMUNES)}


# -- one unit's report as a list of its figures ("Nội dung | Số lượng") -----------------------


def _listed_rows(title="CÔNG AN XÃ KỲ TÂN - HUYỆN KỲ ANH", value_head="Số lượng") -> list[list]:
    return [
        [title],
        ["Báo cáo kết quả thu nhận hồ sơ CCCD, số liệu tính đến ngày 16/3/2021"],
        ["STT", "Nội dung", value_head],
        [1, "Số công dân đủ điều kiện cấp CCCD", "6.668"],
        [2, "Số hồ sơ thu nhận trong ngày", "33"],
        [3, "Lũy kế số hồ sơ đã thu nhận", "2.396"],
        [4, "Số thẻ CCCD đã trả cho công dân", "958"],
    ]


LISTED_DAY = date(2021, 3, 16)
LISTED_TRUTH = {
    ("Xã Kỳ Tân", LISTED_DAY, "collected_day"): 33,
    ("Xã Kỳ Tân", LISTED_DAY, "collected"): 2396,
    ("Xã Kỳ Tân", LISTED_DAY, "returned"): 958,
}


@pytest.mark.parametrize("kind", ["xlsx", "docx", "pdf"])
@pytest.mark.parametrize("value_head", ["Số lượng", "Kết quả"])
def test_a_communes_list_of_its_figures_is_read_as_that_communes_row_on_the_reports_day(kind, value_head):
    make = {"xlsx": _xlsx, "docx": _docx, "pdf": _pdf}[kind]
    report = ingest.import_bytes(None, make(_listed_rows(value_head=value_head)), f"ky_tan.{kind}")
    assert report.status == "checked", report.message
    values = _all_values(report)
    assert {k: v for k, v in values.items() if k[2] != "eligible"} == LISTED_TRUTH
    assert report.layout.startswith(
        "báo cáo của một đơn vị: «Xã Kỳ Tân, Huyện Kỳ Anh» ghi ở dòng 1, cột A; số liệu ở cột C; "
        "danh sách chỉ tiêu: 4 dòng ở cột B"
    )


@pytest.mark.parametrize("kind", ["xlsx", "docx"])
def test_a_bad_figure_of_a_communes_list_is_named_by_its_cell_as_sent(kind):
    rows = _listed_rows()
    rows[5][2] = "-7"  # Lũy kế (row 6 of the sheet, 4th of the table), column C
    make = {"xlsx": _xlsx, "docx": _docx}[kind]
    report = ingest.import_bytes(None, make(rows), f"ky_tan.{kind}")
    assert report.status == "refused"
    (error,) = report.errors
    assert (error.code, error.row, error.column) == ("negative", 6 if kind == "xlsx" else 4, "C")


def test_a_list_of_a_commune_outside_the_registry_is_said_at_its_offices_name():
    report = ingest.import_bytes(None, _xlsx(_listed_rows("CÔNG AN PHƯỜNG BẾN THÀNH")), "ben_thanh.xlsx")
    assert report.status == "checked", report.message
    (said,) = [p for p in report.problems if p.code == "unknown_unit"]
    assert (said.row, said.column) == (1, "A") and "Phường Bến Thành" in said.message


def test_a_list_with_one_counted_line_or_no_commune_above_is_still_no_table():
    rows = _listed_rows()
    del rows[3:5], rows[4]  # only "Lũy kế số hồ sơ đã thu nhận" left
    report = ingest.import_bytes(None, _xlsx(rows), "ky_tan.xlsx")
    assert report.status == "refused" and report.errors[0].code == "no_table"
    report = ingest.import_bytes(None, _xlsx(_listed_rows("BÁO CÁO KẾT QUẢ")), "bc.xlsx")
    assert report.status == "refused" and report.errors[0].code == "no_table"
