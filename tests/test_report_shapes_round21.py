"""Report shapes found by the twenty-first probe: formulas an xlsx writer saved with the
placeholder 0, a workbook of a report beside the list of citizens behind it, and a date
line whose date is an Excel serial in a General cell."""

from __future__ import annotations

import io
from datetime import date

import pytest
import xlsxwriter

from cccd_analytics import ingest, registry
from tests.test_report_shapes_round7 import values, workbook_bytes

KY = ["Xã Kỳ Xuân", "Xã Kỳ Bắc", "Xã Kỳ Phú"]
RUNNING = {"Xã Kỳ Xuân": 1025, "Xã Kỳ Bắc": 1164, "Xã Kỳ Phú": 1303}
DAY = date(2021, 3, 16)
TOP = [["CÔNG AN HUYỆN KỲ ANH"], ["BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD"]]


def _key(commune: str) -> str:
    return registry.resolve("Tỉnh Hà Tĩnh", "Huyện Kỳ Anh", commune).key


def _xlsxwriter_book(header: list[str], rows: list[list], formula_of) -> bytes:
    """An .xlsx written as XlsxWriter writes one: each formula saved with the value 0 and
    the workbook marked for Excel to compute on opening (`fullCalcOnLoad`)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("BC")
    for r, row in enumerate([*TOP, ["Số liệu tính đến 17h00 ngày 16/3/2021"], header]):
        sheet.write_row(r, 0, row)
    for r, row in enumerate(rows, start=4):
        sheet.write_row(r, 0, row)
        sheet.write_formula(r, len(row), formula_of(r + 1))
    book.close()
    return out.getvalue()


def test_a_formula_saved_with_the_placeholder_zero_is_no_running_total_of_zero():
    # "Lũy kế thu nhận" = "Lũy kế tuần trước" + "Thu nhận trong tuần", written by XlsxWriter
    # (a web system's "Xuất Excel"): calamine reads each formula's saved 0, and every
    # commune's running total was stored as 0 without a word.
    rows = [[i, name, RUNNING[name] - 130, 130] for i, name in enumerate(KY, 1)]
    data = _xlsxwriter_book(
        ["STT", "Đơn vị", "Lũy kế tuần trước", "Thu nhận trong tuần", "Lũy kế thu nhận"],
        rows,
        lambda r: f"=C{r}+D{r}",
    )
    report = ingest.import_bytes(None, data, "ky_anh.xlsx")
    assert report.status == "refused"
    problem = next(p for p in report.problems if p.code == "uncomputed_formula")
    assert (problem.sheet, problem.row, problem.column) == ("BC", 5, "E")
    assert "chưa được tính" in problem.message and "lưu lại" in problem.message


def test_formulas_saved_with_their_results_keep_a_result_of_zero():
    # A system that gives XlsxWriter each formula's result (value=…) still has the workbook
    # marked to compute on opening: a day with none ("Trong ngày" = 0) is a 0, not a formula
    # left uncomputed (the file was refused at that cell).
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("BC")
    head = ["STT", "Đơn vị", "Lũy kế hôm trước", "Lũy kế thu nhận", "Thu nhận trong ngày"]
    for r, row in enumerate([*TOP, ["Số liệu tính đến 17h00 ngày 16/3/2021"], head]):
        sheet.write_row(r, 0, row)
    gains = [5, 0, 7]
    for r, (name, gain) in enumerate(zip(KY, gains), start=4):
        sheet.write_row(r, 0, [r - 3, name, RUNNING[name] - gain, RUNNING[name]])
        sheet.write_formula(r, 4, f"=D{r + 1}-C{r + 1}", None, gain)
    book.close()
    report = ingest.import_bytes(None, out.getvalue(), "ky_anh.xlsx")
    assert report.status == "checked", report.message
    got = values(report)
    assert [got[(_key(n), "collected_day")] for n in KY] == gains


def test_a_total_row_of_placeholder_zeros_is_left_unchecked_not_said_to_differ():
    # "Tổng cộng" = SUM(…) saved as 0: it was said not to add up ("ghi 0 nhưng tổng 3 xã
    # là 3.492"); it is a total nobody computed, left unchecked as a formula without a value.
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("BC")
    for r, row in enumerate([*TOP, ["Số liệu tính đến 17h00 ngày 16/3/2021"], ["STT", "Đơn vị", "Lũy kế"]]):
        sheet.write_row(r, 0, row)
    for r, name in enumerate(KY, start=4):
        sheet.write_row(r, 0, [r - 3, name, RUNNING[name]])
    sheet.write(7, 1, "Tổng cộng")
    sheet.write_formula(7, 2, "=SUM(C5:C7)")
    book.close()
    report = ingest.import_bytes(None, out.getvalue(), "ky_anh.xlsx")
    assert report.status == "checked", report.message
    got = values(report, metric="collected")
    assert {n: got[(_key(n), "collected")] for n in KY} == RUNNING
    codes = {p.code for p in report.problems}
    assert "uncomputed_total" in codes and "subtotal_mismatch" not in codes


def test_a_report_beside_the_list_of_its_applicants_is_read_and_the_list_left_out():
    # "Tổng hợp" (a row per commune, the running totals) and "Danh sách" (the day's
    # applicants, a row each): both were read, and the list's three applications a commune,
    # counted from zero with the report's rows, stored as each running total (1.025 → 6).
    summary = [*TOP, ["Số liệu tính đến 17h00 ngày 16/3/2021"], ["STT", "Đơn vị", "Trong ngày", "Lũy kế"]]
    summary += [[i, name, 3, RUNNING[name]] for i, name in enumerate(KY, 1)]
    applicants = [["STT", "Họ và tên", "Ngày sinh", "Xã/Phường thường trú", "Ngày thu nhận"]]
    for name in KY:
        for _ in range(3):
            n = len(applicants)
            applicants.append([n, f"Nguyễn Văn {chr(64 + n)}", "01/01/1990", name, "16/03/2021"])
    data = workbook_bytes({"Tổng hợp": summary, "Danh sách": applicants})
    report = ingest.import_bytes(None, data, "ky_anh.xlsx")
    assert report.status == "checked", report.message
    got = values(report)
    assert {n: got[(_key(n), "collected")] for n in KY} == RUNNING
    assert {got[(_key(n), "collected_day")] for n in KY} == {3}
    skipped = next(p for p in report.problems if p.code == "sheet_skipped")
    assert skipped.sheet == "Danh sách" and "«Tổng hợp»" in skipped.message


def test_a_date_line_whose_day_is_an_excel_serial_in_a_general_cell_dates_the_report():
    # "Số liệu tính đến ngày: | 44271" (the date pasted as a value into a General cell): it
    # was no date, and the report was refused as undated.
    # In one cell ('="Số liệu tính đến 17h00 ngày "&C2' without TEXT(…)) as well.
    lines = [["Số liệu tính đến ngày:", None, 44271], ["Số liệu tính đến ngày:", None, "44271"]]
    for line in [*lines, ["Số liệu tính đến 17h00 ngày 44271"]]:
        rows = [*TOP, line, ["STT", "Đơn vị", "Lũy kế thu nhận"]]
        rows += [[i, name, RUNNING[name]] for i, name in enumerate(KY, 1)]
        report = ingest.import_bytes(None, workbook_bytes({"BC": rows}), "bao_cao.xlsx")
        assert report.status == "checked", report.message
        assert report.report_date == DAY
        got = values(report, by="date", metric="collected")
        assert {n: got[(_key(n), DAY.isoformat())] for n in KY} == RUNNING


def test_a_five_digit_count_after_ngay_above_the_table_is_no_day():
    # Counts of a district fall among Excel's serials (45012 is 27/3/2023): followed by words,
    # after "trong ngày", or out of a campaign's years, the number stays a number.
    for line in (
        ["Số CD đủ điều kiện đến ngày: 45012 người"],
        ["Số hồ sơ trong ngày: 45012"],
        ["Số hồ sơ trong ngày:", None, 45012],
        ["Số liệu tính đến ngày:", None, 99999],
    ):
        rows = [*TOP, line, ["STT", "Đơn vị", "Lũy kế thu nhận"]]
        rows += [[i, name, RUNNING[name]] for i, name in enumerate(KY, 1)]
        report = ingest.import_bytes(None, workbook_bytes({"BC": rows}), "bao_cao.xlsx")
        assert report.status == "refused" and report.report_date is None, (line, report.report_date)
        assert any(p.code == "no_date" for p in report.problems), line


VILLAGES = [("Bắc Tiến", 600, 3, 150), ("Nam Tiến", 610, 4, 157), ("Đông Tiến", 620, 5, 164)]


def _by_village(head: str, total: str = "Tổng cộng") -> list[list]:
    rows = [
        ["CÔNG AN HUYỆN KỲ ANH"],
        ["CÔNG AN XÃ KỲ PHONG"],
        ["BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD THEO THÔN"],
        ["Số liệu tính đến 17h00 ngày 16/3/2021"],
        ["STT", head, "Số CD đủ ĐK", "Trong ngày", "Lũy kế"],
    ]
    rows += [[i, *village] for i, village in enumerate(VILLAGES, 1)]
    rows.append([None, total, *(sum(v[k] for v in VILLAGES) for k in (1, 2, 3))])
    rows.append([None, "TRƯỞNG CÔNG AN XÃ"])
    return rows


def test_a_communes_report_by_village_gives_its_total_row_as_the_communes_figures():
    # A commune's police reporting by village ("Thôn | … | Lũy kế", the commune named in the
    # letterhead only, "Tổng cộng" under the villages): refused as a table without a commune
    # column, though its total row is the commune's own figures.
    for head in ("Thôn", "Thôn, xóm", "Tên thôn/tổ dân phố"):
        report = ingest.import_bytes(None, workbook_bytes({"BC": _by_village(head)}), "ky_phong.xlsx")
        assert report.status == "checked", report.message
        got = values(report)
        key = _key("Xã Kỳ Phong")
        assert got[(key, "collected")] == 471 and got[(key, "collected_day")] == 12
        assert got[(key, "eligible")] == 1830
        assert {k for k, _ in got} == {key}  # no village stored as a unit
    # A total that is not its villages' sum is stored, and said at its cell.
    rows = _by_village("Thôn")
    rows[-2][4] += 10
    report = ingest.import_bytes(None, workbook_bytes({"BC": rows}), "ky_phong.xlsx")
    assert values(report)[(_key("Xã Kỳ Phong"), "collected")] == 481
    mismatch = next(p for p in report.problems if p.code == "subtotal_mismatch")
    assert (mismatch.row, mismatch.column) == (9, "E") and "471" in mismatch.message
    # The total on top ("Toàn xã" over its villages) as well.
    rows = _by_village("Thôn", total="Toàn xã")
    rows.insert(5, rows.pop(-2))
    report = ingest.import_bytes(None, workbook_bytes({"BC": rows}), "ky_phong.xlsx")
    assert report.status == "checked", report.message
    assert values(report) == {(key, "collected"): 471, (key, "collected_day"): 12, (key, "eligible"): 1830}
    # Naming no commune above, it is still refused.
    rows = [row for row in _by_village("Thôn") if row != ["CÔNG AN XÃ KỲ PHONG"]]
    assert ingest.import_bytes(None, workbook_bytes({"BC": rows}), "ky_anh.xlsx").status == "refused"


@pytest.mark.parametrize("village", ["Cộng Hòa", "Công Thành", "Tổng Xá", "Toàn Thắng", "Cong Hoa"])
def test_a_village_named_like_a_sum_is_a_village(village):
    # Villages are named "Cộng Hòa", "Tổng Xá" …: first in the list, one was taken for the
    # commune's total on top, and its figures stored as the commune's.
    rows = _by_village("Thôn")
    rows[5][1] = village
    report = ingest.import_bytes(None, workbook_bytes({"BC": rows}), "ky_phong.xlsx")
    assert report.status == "checked", report.message
    key = _key("Xã Kỳ Phong")
    assert values(report) == {(key, "collected"): 471, (key, "collected_day"): 12, (key, "eligible"): 1830}
    assert not [p for p in report.problems if p.code == "subtotal_mismatch"]


def test_a_communes_report_by_village_in_word_is_read_the_same():
    import docx

    document = docx.Document()
    rows = _by_village("Thôn")
    for line in rows[:4]:
        document.add_paragraph(line[0])
    table = document.add_table(rows=0, cols=5)
    for row in rows[4:-1]:
        cells = table.add_row().cells
        for cell, value in zip(cells, row):
            cell.text = (
                "" if value is None else f"{value:,}".replace(",", ".") if isinstance(value, int) else value
            )
    document.add_paragraph(rows[-1][1])
    out = io.BytesIO()
    document.save(out)
    report = ingest.import_bytes(None, out.getvalue(), "ky_phong.docx")
    assert report.status == "checked", report.message
    got = values(report)
    assert got[(_key("Xã Kỳ Phong"), "collected")] == 471
