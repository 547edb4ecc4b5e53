"""Wide and sheet-per-day workbooks as units keep them, found by the twenty-second probe:
one running workbook for the whole campaign, a column or a sheet added every day and the
file sent again — its date line left as it was, days typed wrong, days not reached yet."""

from __future__ import annotations

import io

import openpyxl

from cccd_analytics import ingest, registry
from cccd_analytics.ingest import normalise
from tests.test_report_shapes_round7 import values, workbook_bytes

KY = ["Xã Kỳ Xuân", "Xã Kỳ Bắc", "Xã Kỳ Phú"]
TOP = [["CÔNG AN HUYỆN KỲ ANH"], ["BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD"]]
DAILY = {"Xã Kỳ Xuân": [10, 12, 9, 14], "Xã Kỳ Bắc": [5, 7, 6, 8], "Xã Kỳ Phú": [20, 18, 25, 22]}
BEFORE = {"Xã Kỳ Xuân": 1000, "Xã Kỳ Bắc": 800, "Xã Kỳ Phú": 1500}


def _key(commune: str) -> str:
    return registry.resolve("Tỉnh Hà Tĩnh", "Huyện Kỳ Anh", commune).key


def _running(name: str, days: int) -> int:
    return BEFORE[name] + sum(DAILY[name][:days])


def _import(sheets: dict[str, list[list]], name: str = "ky_anh.xlsx"):
    return ingest.import_bytes(None, workbook_bytes(sheets), name)


def _collected(report) -> dict:
    return {(k, d): v for (k, d), v in values(report, by="date", metric="collected").items()}


def test_a_date_line_left_from_the_first_day_does_not_move_the_days_a_year_back():
    # The workbook gets a day column every day; its "Số liệu tính đến … 15/3/2021" was typed
    # once.  The days 15/3 … 18/3 had to end on or before that line, so they were placed in
    # 2020, every figure stored a year early without a word.
    header = ["STT", "Đơn vị", "15/3", "16/3", "17/3", "18/3", "Lũy kế"]
    rows = [[i, n, *DAILY[n], _running(n, 4)] for i, n in enumerate(KY, 1)]
    report = _import({"BC": [*TOP, ["Số liệu tính đến 17h00 ngày 15/3/2021"], header, *rows]})
    assert report.status == "checked", report.message
    got = _collected(report)
    assert {d for _, d in got} == {"2021-03-15", "2021-03-16", "2021-03-17", "2021-03-18"}
    assert got[(_key("Xã Kỳ Bắc"), "2021-03-18")] == _running("Xã Kỳ Bắc", 4)


def test_sheets_of_days_whose_date_lines_were_copied_keep_their_year():
    # Sheets "Ngày 15-3", "Ngày 16-3", "Ngày 17-3", each a copy of the first with its date line
    # "15/3/2021": the run was put in 2020.
    sheets = {}
    for k, day in enumerate((15, 16, 17)):
        sheets[f"Ngày {day}-3"] = [
            *TOP,
            ["Số liệu tính đến 17h00 ngày 15/3/2021"],
            ["STT", "Đơn vị", "Trong ngày", "Lũy kế"],
            *[[i, n, DAILY[n][k], _running(n, k + 1)] for i, n in enumerate(KY, 1)],
        ]
    report = _import(sheets)
    assert report.status == "checked", report.message
    got = _collected(report)
    assert got[(_key("Xã Kỳ Phú"), "2021-03-17")] == _running("Xã Kỳ Phú", 3)
    assert not any(d.startswith("2020") for _, d in got)


def test_a_day_typed_wrong_among_the_days_refuses_the_sheet_at_its_column():
    # "32/4" typed for 1/5 (or "31/4"): no day, so its column was left out; the running
    # totals derived back from "Lũy kế" lost that day's figure and every earlier day was
    # stored too high by it, without a word.
    for wrong in ("32/3", "31/4/2021"):
        header = ["STT", "Đơn vị", "15/3/2021", "16/3/2021", wrong, "18/3/2021", "Lũy kế"]
        rows = [[i, n, *DAILY[n], _running(n, 4)] for i, n in enumerate(KY, 1)]
        report = _import({"BC": [*TOP, header, *rows]})
        assert report.status == "refused"
        problem = next(p for p in report.problems if p.code == "bad_date")
        assert (problem.sheet, problem.row, problem.column) == ("BC", 3, "E")
        assert "không có thật" in problem.message and wrong in problem.message


def test_days_not_reached_yet_prefilled_with_zero_are_left_out():
    # A month's template with every day's column filled with 0 in advance: the days to
    # come were stored, each a day's figure of 0 and the last running total again, and the
    # "Lũy kế" column (the total on 16/3) put on 18/3.
    header = ["STT", "Đơn vị", "15/3/2021", "16/3/2021", "17/3/2021", "18/3/2021", "Lũy kế"]
    rows = [[i, n, *DAILY[n][:2], 0, 0, _running(n, 2)] for i, n in enumerate(KY, 1)]
    report = _import({"BC": [*TOP, header, *rows]})
    assert report.status == "checked", report.message
    got = _collected(report)
    assert {d for _, d in got} == {"2021-03-15", "2021-03-16"}
    assert got[(_key("Xã Kỳ Xuân"), "2021-03-16")] == _running("Xã Kỳ Xuân", 2)
    assert "chưa có số" in report.layout


def test_running_totals_of_zero_on_the_days_to_come_are_no_fall():
    # "Lũy kế đến 17/3 | Lũy kế đến 18/3" prefilled with 0: refused as running totals falling
    # to 0, though the file says only that those days are not reached yet.
    header = ["STT", "Đơn vị", *(f"Lũy kế đến {d}/3/2021" for d in (15, 16, 17, 18))]
    rows = [[i, n, _running(n, 1), _running(n, 2), 0, 0] for i, n in enumerate(KY, 1)]
    report = _import({"BC": [*TOP, header, *rows]})
    assert report.status == "checked", report.message
    assert {d for _, d in _collected(report)} == {"2021-03-15", "2021-03-16"}


def test_a_running_total_formula_copied_across_the_days_to_come_is_left_out():
    # "15/3" over "Trong ngày | Lũy kế", the running total a formula (yesterday's + today's)
    # copied to the month's end: the days to come showed the last total again beside a blank
    # day's figure, and were stored as days with nothing collected.
    top = ["STT", "Đơn vị"]
    under = [None, None]
    for d in (15, 16, 17, 18):
        top += [f"{d}/3/2021", None]
        under += ["Trong ngày", "Lũy kế"]
    rows = []
    for i, n in enumerate(KY, 1):
        row = [i, n]
        for k in range(4):
            row += [DAILY[n][k], _running(n, k + 1)] if k < 2 else [None, _running(n, 2)]
        rows.append(row)
    report = _import({"BC": [*TOP, top, under, *rows]})
    assert report.status == "checked", report.message
    got = _collected(report)
    assert {d for _, d in got} == {"2021-03-15", "2021-03-16"}
    assert got[(_key("Xã Kỳ Phú"), "2021-03-16")] == _running("Xã Kỳ Phú", 2)


def _day_sheet(k: int) -> list[list]:
    return [
        *TOP,
        ["STT", "Đơn vị", "Trong ngày", "Lũy kế"],
        *[[i, n, DAILY[n][k], _running(n, k + 1)] for i, n in enumerate(KY, 1)],
    ]


def test_sheets_named_month_first_across_a_month_keep_their_month():
    # "T3-30 | T3-31 | T4-1 | T4-2" (tháng 3 ngày 30 …): "T4-1" was read as 4 January, the
    # "T" dropped, and the workbook refused as running totals falling from January to March.
    names = ["T3-30", "T3-31", "T4-1", "T4-2"]
    report = _import({name: _day_sheet(k) for k, name in enumerate(names)}, "ky_anh_2021.xlsx")
    assert report.status == "checked", report.message
    got = _collected(report)
    assert {d for _, d in got} == {"2021-03-30", "2021-03-31", "2021-04-01", "2021-04-02"}
    assert got[(_key("Xã Kỳ Bắc"), "2021-04-01")] == _running("Xã Kỳ Bắc", 3)


def test_a_column_per_week_gives_running_totals_at_the_weeks_ends_not_a_days_figure():
    # "Tuần 1 (15–21/3) | Tuần 2 (22–28/3) | Lũy kế": each week's count was stored as the
    # applications of its last day alone (collected_day), seven days' work in one.
    header = ["STT", "Đơn vị", "Tuần 1 (15–21/3)", "Tuần 2 (22–28/3)", "Lũy kế"]
    weeks = {n: (sum(DAILY[n][:2]) * 3, sum(DAILY[n][2:]) * 3) for n in KY}
    rows = [[i, n, *weeks[n], BEFORE[n] + sum(weeks[n])] for i, n in enumerate(KY, 1)]
    report = _import({"BC": [*TOP, header, *rows]}, "ky_anh_2021.xlsx")
    assert report.status == "checked", report.message
    assert values(report, metric="collected_day") == {}
    got = _collected(report)
    n = "Xã Kỳ Bắc"
    assert got[(_key(n), "2021-03-21")] == BEFORE[n] + weeks[n][0]
    assert got[(_key(n), "2021-03-28")] == BEFORE[n] + sum(weeks[n])


def test_a_week_named_by_one_day_alone_is_no_day():
    # "Tuần 1 (15/3)" may name the week by its first day: its figures dated nothing.
    assert normalise.day_label("Tuần 1 (15/3)") is None
    assert normalise.day_label("Tuần 1 (15–21/3)").day == 21


def _wide(days: int, extra: int = 0) -> list[list]:
    header = ["STT", "Đơn vị", *(f"{15 + k}/3/2021" for k in range(days)), "Lũy kế"]
    return [
        *TOP,
        header,
        *[
            [i, n, *(v + extra for v in DAILY[n][:days]), _running(n, days) + extra]
            for i, n in enumerate(KY, 1)
        ],
    ]


def test_a_hidden_old_copy_of_a_wide_sheet_is_not_read():
    # The hidden "BC (cũ)" was said not to be read, then read as a wide sheet from its rows
    # all the same: its days conflicted with the sheet in use (or, without a shared day,
    # would have been stored).
    book = workbook_bytes({"BC": _wide(4), "BC (cũ)": _wide(2, extra=50)})
    wb = openpyxl.load_workbook(io.BytesIO(book))
    wb["BC (cũ)"].sheet_state = "hidden"
    out = io.BytesIO()
    wb.save(out)
    report = ingest.import_bytes(None, out.getvalue(), "ky_anh.xlsx")
    assert report.status == "checked", report.message
    assert _collected(report)[(_key("Xã Kỳ Xuân"), "2021-03-16")] == _running("Xã Kỳ Xuân", 2)
    assert any(p.code == "sheet_skipped" and p.sheet == "BC (cũ)" for p in report.problems)


def test_a_summary_of_days_without_their_year_beside_a_sheet_per_day_is_left_out_not_refused():
    # "Tổng hợp" (a column per day, "15/3 | 16/3", no year) beside sheets "15.03.2021" …:
    # left out as a summary, yet read as a wide sheet and the workbook refused asking the
    # summary's year.
    summary = [*TOP, ["STT", "Đơn vị", "15/3", "16/3", "Lũy kế"]] + [
        [i, n, *DAILY[n][:2], _running(n, 2)] for i, n in enumerate(KY, 1)
    ]
    sheets = {"Tổng hợp": summary, "15.03.2021": _day_sheet(0), "16.03.2021": _day_sheet(1)}
    report = _import(sheets)
    assert report.status == "checked", report.message
    assert _collected(report)[(_key("Xã Kỳ Phú"), "2021-03-16")] == _running("Xã Kỳ Phú", 2)


def test_the_next_days_sheet_copied_in_advance_with_zeros_is_left_out():
    # "15.3 | 16.3 | 17.3", the last copied from the template with every figure 0 before the
    # day was reported: its running totals of 0 refused the workbook as falling.
    blank = [*TOP, ["STT", "Đơn vị", "Trong ngày", "Lũy kế"], *[[i, n, 0, 0] for i, n in enumerate(KY, 1)]]
    report = _import({"15.3": _day_sheet(0), "16.3": _day_sheet(1), "17.3": blank}, "ky_anh_2021.xlsx")
    assert report.status == "checked", report.message
    assert {d for _, d in _collected(report)} == {"2021-03-15", "2021-03-16"}
    skipped = next(p for p in report.problems if p.code == "sheet_skipped")
    assert skipped.sheet == "17.3" and "chưa điền số" in skipped.message


def test_a_running_total_before_the_days_is_asked_about_not_said_to_be_missing():
    # "Chỉ tiêu | Lũy kế | Tỷ lệ" before the days: refused at every day's column as having
    # no running total ("thiếu cột lũy kế"), though it has one; what is unclear is its day.
    header = ["STT", "Đơn vị", "Chỉ tiêu", "Lũy kế", "Tỷ lệ (%)", "15/3/2021", "16/3/2021"]
    rows = [[i, n, 5000, _running(n, 2), 25.1, *DAILY[n][:2]] for i, n in enumerate(KY, 1)]
    report = _import({"BC": [*TOP, header, *rows]})
    assert report.status == "refused"
    assert len(report.errors) == 1
    problem = report.errors[0]
    assert (problem.code, problem.sheet, problem.row, problem.column) == ("no_cumulative", "BC", 3, "D")
    assert "đứng trước các cột ngày" in problem.message and "Lũy kế đến 16/3/2021" in problem.message
    # Its day written, it is read.
    header[3] = "Lũy kế đến 16/3/2021"
    report = _import({"BC": [*TOP, header, *rows]})
    assert report.status == "checked", report.message
    assert _collected(report)[(_key("Xã Kỳ Bắc"), "2021-03-15")] == _running("Xã Kỳ Bắc", 1)


def test_a_day_whose_header_mentions_its_week_is_still_that_day():
    # "Ngày 17/3/2021 (tuần 3)": the week after the day is a note.  The column was dropped as
    # a week's, and every running total before it stood too high by that day's figure.
    header = ["STT", "Đơn vị", "15/3/2021", "16/3/2021", "Ngày 17/3/2021 (tuần 3)", "18/3/2021", "Lũy kế"]
    rows = [[i, n, *DAILY[n], _running(n, 4)] for i, n in enumerate(KY, 1)]
    got = _collected(_import({"BC": [*TOP, header, *rows]}))
    for n in KY:
        for k, day in enumerate(("2021-03-15", "2021-03-16", "2021-03-17", "2021-03-18"), 1):
            assert got[(_key(n), day)] == _running(n, k), (n, day)


def test_days_without_a_year_before_a_date_line_late_in_the_year_keep_its_year():
    # "Số liệu tính đến ngày 20/10/2021" over days 4/1 … 7/1: stored in 2022, the year that
    # put the last day nearest the date line, with no warning.
    header = ["STT", "Đơn vị", "4/1", "5/1", "6/1", "7/1", "Lũy kế"]
    rows = [[i, n, *DAILY[n], _running(n, 4)] for i, n in enumerate(KY, 1)]
    report = _import({"BC": [*TOP, ["Số liệu tính đến ngày 20/10/2021"], header, *rows]})
    days = {day for _, day in _collected(report)}
    assert days == {"2021-01-04", "2021-01-05", "2021-01-06", "2021-01-07"}, days
