"""Wide and sheet-per-day workbooks, found by the twenty-fourth probe: Nghệ An's communes with
known daily counts and running totals, a column or a sheet per day, in the shapes units send."""

from __future__ import annotations

import io

import openpyxl

from cccd_analytics import ingest, registry
from tests.test_report_shapes_round7 import values, workbook_bytes

DC = ["Xã Diễn Lâm", "Xã Diễn Đoài", "Xã Diễn Trường"]
TOP = [
    ["CÔNG AN HUYỆN DIỄN CHÂU"],
    ["BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD"],
    ["Diễn Châu, ngày 23 tháng 4 năm 2023"],
]
DAYS = ["20/4", "21/4", "22/4", "23/4"]
DAILY = {
    "Xã Diễn Lâm": [34, 90, 23, 116],
    "Xã Diễn Đoài": [28, 21, 14, 73],
    "Xã Diễn Trường": [42, 8, 60, 21],
}
BEFORE = {"Xã Diễn Lâm": 2100, "Xã Diễn Đoài": 2300, "Xã Diễn Trường": 3900}
# Cards handed over: more than a day's applications, as they are once the first cards come back.
RETURNED = {"Xã Diễn Lâm": 1517, "Xã Diễn Đoài": 1534, "Xã Diễn Trường": 1551}


def _key(commune: str) -> str:
    return registry.resolve("Tỉnh Nghệ An", "Huyện Diễn Châu", commune).key


def _running(name: str, days: int) -> int:
    return BEFORE[name] + sum(DAILY[name][:days])


def _import(sheets: dict[str, list[list]], name: str = "dien_chau.xlsx"):
    return ingest.import_bytes(None, workbook_bytes(sheets), name)


def _got(report, metric: str) -> dict:
    return {(k, d): v for (k, d), v in values(report, by="date", metric=metric).items()}


def test_cards_handed_over_after_the_days_are_not_the_applications_running_total():
    # "20/4 … 23/4 | Lũy kế thu nhận | Số thẻ đã trả": the last of the two running totals
    # after the days was taken as the applications', and every day's running total derived
    # back from the cards handed over (1.517 for 2.363), without a word.
    for after in (["Lũy kế thu nhận", "Số thẻ đã trả"], ["Lũy kế", "Lũy kế trả thẻ"]):
        header = ["STT", "Đơn vị", *DAYS, *after]
        rows = [[i, n, *DAILY[n], _running(n, 4), RETURNED[n]] for i, n in enumerate(DC, 1)]
        report = _import({"BC": [*TOP, header, *rows]})
        assert report.status == "checked", report.message
        collected, returned = _got(report, "collected"), _got(report, "returned")
        for n in DC:
            for k in range(4):
                assert collected[(_key(n), f"2023-04-{20 + k}")] == _running(n, k + 1)
            assert returned[(_key(n), "2023-04-23")] == RETURNED[n]


def test_cards_handed_over_alone_after_daily_counts_give_them_no_running_total():
    # Daily applications and only "Số thẻ đã trả" after them: the cards were the
    # applications' running total.  Nothing gives the applications' own, so it is refused.
    header = ["STT", "Đơn vị", *DAYS, "Số thẻ đã trả"]
    rows = [[i, n, *DAILY[n], RETURNED[n]] for i, n in enumerate(DC, 1)]
    report = _import({"BC": [*TOP, header, *rows]})
    assert report.status == "refused"
    problem = report.problems[0]
    assert (problem.code, problem.sheet, problem.row, problem.column) == ("no_cumulative", "BC", 4, "C")


def test_days_split_into_applications_and_cards_keep_each_running_total():
    # "20/4" merged over "Thu nhận | Trả thẻ", then "Lũy kế thu nhận | Lũy kế trả thẻ".
    book_rows = [*TOP]
    top = ["STT", "Đơn vị"]
    sub = [None, None]
    for day in DAYS:
        top += [day, None]
        sub += ["Thu nhận", "Trả thẻ"]
    book_rows += [[*top, "Lũy kế thu nhận", "Lũy kế trả thẻ"], [*sub, None, None]]
    cards = {n: [x // 2 for x in DAILY[n]] for n in DC}
    for i, n in enumerate(DC, 1):
        row = [i, n]
        for k in range(4):
            row += [DAILY[n][k], cards[n][k]]
        book_rows.append([*row, _running(n, 4), RETURNED[n]])
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes({"BC": book_rows})))
    sheet = book["BC"]
    for k in range(4):
        sheet.merge_cells(start_row=4, start_column=3 + 2 * k, end_row=4, end_column=4 + 2 * k)
    for c in (1, 2, 11, 12):
        sheet.merge_cells(start_row=4, start_column=c, end_row=5, end_column=c)
    out = io.BytesIO()
    book.save(out)
    report = ingest.import_bytes(None, out.getvalue(), "dien_chau.xlsx")
    assert report.status == "checked", report.message
    collected, returned = _got(report, "collected"), _got(report, "returned")
    for n in DC:
        assert collected[(_key(n), "2023-04-20")] == _running(n, 1)
        assert collected[(_key(n), "2023-04-23")] == _running(n, 4)
        assert returned[(_key(n), "2023-04-23")] == RETURNED[n]
        assert returned[(_key(n), "2023-04-20")] == RETURNED[n] - sum(cards[n][1:])


def test_a_row_of_weekdays_under_the_dates_is_part_of_the_header():
    # "20/04/2023 | 21/04/2023 …" over "Thứ 5 | Thứ 6 …": the weekdays were read as the
    # first commune's figures and the file refused at each of them as no number.
    dates = ["20/04/2023", "21/04/2023", "22/04/2023", "23/04/2023"]
    for weekdays in (["Thứ 5", "Thứ 6", "Thứ 7", "Chủ nhật"], ["T5", "T6", "T7", "CN"]):
        header = ["STT", "Đơn vị", *dates, "Lũy kế"]
        rows = [[i, n, *DAILY[n], _running(n, 4)] for i, n in enumerate(DC, 1)]
        report = _import({"BC": [*TOP[:2], header, [None, None, *weekdays, None], *rows]})
        assert report.status == "checked", report.message
        collected = _got(report, "collected")
        assert collected[(_key("Xã Diễn Đoài"), "2023-04-20")] == _running("Xã Diễn Đoài", 1)
        assert collected[(_key("Xã Diễn Lâm"), "2023-04-23")] == _running("Xã Diễn Lâm", 4)


def _day_sheet(day: int, line_day: int | None = None) -> list[list]:
    k = day - 20
    return [
        *TOP[:2],
        [f"Số liệu tính đến 17h00 ngày {line_day or day}/4/2023"],
        ["STT", "Đơn vị", "Trong ngày", "Lũy kế"],
        *[[i, n, DAILY[n][k], _running(n, k + 1)] for i, n in enumerate(DC, 1)],
    ]


def test_an_excel_copy_of_a_day_sheet_never_renamed_is_dated_by_its_date_line():
    # "20.4 | 21.4 | 21.4 (2) | 23.4": the next day's report made from a copy of the day
    # before's, its date line changed to 22/4 and its name left as Excel made it.  Dated by
    # the name, it gave 21/4 twice and the workbook was refused as two values of each commune.
    sheets = {
        "20.4": _day_sheet(20),
        "21.4": _day_sheet(21),
        "21.4 (2)": _day_sheet(22),
        "23.4": _day_sheet(23),
    }
    report = _import(sheets)
    assert report.status == "checked", report.message
    collected = _got(report, "collected")
    assert collected[(_key("Xã Diễn Trường"), "2023-04-22")] == _running("Xã Diễn Trường", 3)
    assert collected[(_key("Xã Diễn Trường"), "2023-04-21")] == _running("Xã Diễn Trường", 2)
    warned = next(p for p in report.problems if p.code == "date_mismatch")
    assert (warned.sheet, warned.row) == ("21.4 (2)", 3) and "bản sao" in warned.message


def test_an_excel_copy_whose_date_line_was_not_changed_either_is_still_two_values():
    sheets = {
        "20.4": _day_sheet(20),
        "21.4": _day_sheet(21),
        "21.4 (2)": _day_sheet(22, 21),
        "23.4": _day_sheet(23),
    }
    report = _import(sheets)
    assert report.status == "refused"
    problem = next(p for p in report.problems if p.code == "conflicting_values")
    assert problem.sheet == "21.4 (2)" and problem.row and problem.column


def test_day_numbers_under_their_month_newest_first_are_days():
    # "Tháng 4/2023" merged over "23 | 22 | 21 | 20": the newest day added on the left each
    # morning.  The header was taken for no days and the sheet refused as undated.
    rows = [
        TOP[0],
        ["BÁO CÁO THU NHẬN HỒ SƠ CCCD"],
        ["STT", "Đơn vị", "Tháng 4/2023", None, None, None, "Lũy kế"],
        [None, None, 23, 22, 21, 20, None],
        *[[i, n, *DAILY[n][::-1], _running(n, 4)] for i, n in enumerate(DC, 1)],
    ]
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes({"BC": rows})))
    for cells in ("A3:A4", "B3:B4", "C3:F3", "G3:G4"):
        book["BC"].merge_cells(cells)
    out = io.BytesIO()
    book.save(out)
    report = ingest.import_bytes(None, out.getvalue(), "dien_chau.xlsx")
    assert report.status == "checked", report.message
    collected = _got(report, "collected")
    for n in DC:
        for k in range(4):
            assert collected[(_key(n), f"2023-04-{20 + k}")] == _running(n, k + 1)


def test_cards_handed_over_each_day_with_their_running_total_give_every_days_total():
    # "Số thẻ đã trả trong ngày" over the days, "Lũy kế trả thẻ" after them: only the last
    # day's running total was stored, the days' cards dropped.
    rows = [
        *TOP,
        ["STT", "Đơn vị", "Số thẻ đã trả trong ngày", None, None, None, "Lũy kế trả thẻ"],
        [None, None, *DAYS, None],
        *[[i, n, *DAILY[n], _running(n, 4)] for i, n in enumerate(DC, 1)],
    ]
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes({"BC": rows})))
    for cells in ("A4:A5", "B4:B5", "C4:F4", "G4:G5"):
        book["BC"].merge_cells(cells)
    out = io.BytesIO()
    book.save(out)
    report = ingest.import_bytes(None, out.getvalue(), "dien_chau.xlsx")
    assert report.status == "checked", report.message
    returned = _got(report, "returned")
    for n in DC:
        for k in range(4):
            assert returned[(_key(n), f"2023-04-{20 + k}")] == _running(n, k + 1)


def test_a_turned_table_with_both_running_totals_below_the_days_keeps_them_apart():
    # Days as rows, communes as columns, "Lũy kế thu nhận" over "Lũy kế trả thẻ" below the
    # days: the cards' row was taken for the applications' running total (230 for 3.609).
    rows = [
        *TOP,
        ["Ngày", *DC],
        *[[f"{day}/2023", *[DAILY[n][k] for n in DC]] for k, day in enumerate(DAYS)],
        ["Lũy kế thu nhận", *[_running(n, 4) for n in DC]],
        ["Lũy kế trả thẻ", *[RETURNED[n] for n in DC]],
    ]
    report = _import({"BC": rows})
    assert report.status == "checked", report.message
    collected, returned = _got(report, "collected"), _got(report, "returned")
    for n in DC:
        assert collected[(_key(n), "2023-04-20")] == _running(n, 1)
        assert returned[(_key(n), "2023-04-23")] == RETURNED[n]
