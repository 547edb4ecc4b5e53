"""Sheet-per-day and column-per-day workbooks across, or near, the end of a year, their sheets
or columns not in date order, found by the twenty-seventh probe: four communes of Huyện Kỳ Anh
(Hà Tĩnh) with known daily counts and running totals, December 2021 and New Year 2022."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cccd_analytics import ingest
from cccd_analytics.ingest import normalise
from tests.test_round26_sheet_days import (
    ELIGIBLE,
    HEADER,
    KA,
    TOP_KA,
    _daily,
    _import,
    _key,
    _of,
    _running,
    _workbook,
)

DECEMBER = [date(2021, 12, 15) + timedelta(days=k) for k in range(3)]
NEW_YEAR = [date(2021, 12, 30) + timedelta(days=k) for k in range(4)]
# Newest sheet first, as district offices keep them; a sheet copied and renamed and left
# where it was made; shuffled.
ORDERS = {"newest first": "desc", "one left behind": "last_first", "shuffled": "shuffled"}


def _order(n: int, how: str) -> list[int]:
    if how == "desc":
        return list(range(n))[::-1]
    if how == "last_first":
        return [n - 1, *range(n - 1)]
    return [1, n - 1, 0, *range(2, n - 1)]


def _sheet(k: int, top: list[list]) -> list[list]:
    rows, total = [*top, HEADER], [None, "Tổng cộng", 0, 0, 0]
    for i, name in enumerate(KA, 1):
        row = [i, name, ELIGIBLE[name], _daily(name, k), _running(name, k)]
        rows.append(row)
        for j in (2, 3, 4):
            total[j] += row[j]
    return [*rows, total]


def _date_line(day: date) -> list:
    return [f"Số liệu tính đến 17h00 ngày {day.day}/{day.month}/{day.year}"]


def _sheets(days: list[date], how: str, top=TOP_KA, line=False) -> dict[str, list[list]]:
    return {
        f"{days[k].day}.{days[k].month}": _sheet(k, [*top, *([_date_line(days[k])] if line else [])])
        for k in _order(len(days), how)
    }


def _assert_read(report, days: list[date]) -> None:
    assert report.status == "checked", report.message
    collected, per_day = _of(report, "collected"), _of(report, "collected_day")
    assert sorted({day for _, day in collected}) == [str(d) for d in days]
    for k, day in enumerate(days):
        for name in KA:
            assert collected[(_key(name), str(day))] == _running(name, k)
            assert per_day[(_key(name), str(day))] == _daily(name, k)


# --- sheets named after days, not in date order ---------------------------------------------


@pytest.mark.parametrize("how", ORDERS.values(), ids=ORDERS.keys())
@pytest.mark.parametrize(
    "file_name, top",
    [
        ("ky_anh_2021.xlsx", TOP_KA),
        ("ky_anh.xlsx", [*TOP_KA, ["BÁO CÁO THÁNG 12 NĂM 2021"]]),
        ("ky_anh_17_12_2021.xlsx", TOP_KA),
    ],
    ids=["year in the file name", "year in the title", "date in the file name"],
)
def test_december_sheets_out_of_order_are_read_in_their_year(how, file_name, top):
    # "17.12 | 15.12 | 16.12": any fall of the day after November moved on a year, as if
    # the sheets ran in order.  Refused ("tên trang … không có năm", or a running total
    # falling from 17/12/2021 to 15/12/2022); the same order in March was read.
    _assert_read(_import(_sheets(DECEMBER, how, top), file_name), DECEMBER)


@pytest.mark.parametrize("how", ORDERS.values(), ids=ORDERS.keys())
def test_december_sheets_out_of_order_each_with_its_date_line_are_read(how):
    # Each sheet's "Số liệu tính đến … ngày 17/12/2021" agreed with its name, yet the names
    # were put in three years (17/12/2021, 16/12/2022, 15/12/2023) and refused as falling.
    _assert_read(_import(_sheets(DECEMBER, how, line=True), "ky_anh.xlsx"), DECEMBER)


@pytest.mark.parametrize("how", ORDERS.values(), ids=ORDERS.keys())
@pytest.mark.parametrize("line, file_name", [(True, "ky_anh.xlsx"), (False, "ky_anh_02_01_2022.xlsx")])
def test_new_year_sheets_out_of_order_with_a_whole_date_are_read(how, line, file_name):
    # "2.1 | 1.1 | 31.12 | 30.12" with the date in each sheet or in the file name.
    _assert_read(_import(_sheets(NEW_YEAR, how, line=line), file_name), NEW_YEAR)


@pytest.mark.parametrize("how", ORDERS.values(), ids=ORDERS.keys())
def test_new_year_sheets_out_of_order_under_a_year_alone_are_still_asked_for_their_year(how):
    # A year alone cannot say whether the run starts or ends in it (round 26): refused,
    # whatever the order, each sheet named.
    report = _import(_sheets(NEW_YEAR, how), "ky_anh_2021.xlsx")
    assert report.status == "refused"
    problem = next(p for p in report.problems if p.code == "no_date")
    assert problem.sheet in {f"{d.day}.{d.month}" for d in NEW_YEAR} and problem.row == 4
    assert "tháng 12 sang tháng 1" in problem.message


# --- a column per day, not in date order -----------------------------------------------------


def _wide(days: list[date], how: str, top: list[list]) -> dict[str, list[list]]:
    order = _order(len(days), how)
    header = ["STT", "Đơn vị", *[f"{days[k].day}/{days[k].month}" for k in order], "Lũy kế"]
    rows = [
        [i, name, *[_daily(name, k) for k in order], _running(name, len(days) - 1)]
        for i, name in enumerate(KA, 1)
    ]
    return {"BC": [*top, header, *rows]}


@pytest.mark.parametrize("how", ORDERS.values(), ids=ORDERS.keys())
@pytest.mark.parametrize(
    "days, top, file_name",
    [
        (DECEMBER, [*TOP_KA, _date_line(DECEMBER[-1])], "ky_anh.xlsx"),
        (DECEMBER, TOP_KA, "ky_anh_17_12_2021.xlsx"),
        (NEW_YEAR, [*TOP_KA, _date_line(NEW_YEAR[-1])], "ky_anh.xlsx"),
        (NEW_YEAR, TOP_KA, "ky_anh_02_01_2022.xlsx"),
    ],
    ids=["december, date line", "december, file name", "new year, date line", "new year, file name"],
)
def test_day_columns_out_of_order_are_read_in_their_years(how, days, top, file_name):
    # "17/12 | 16/12 | 15/12 | Lũy kế" under "tính đến 17/12/2021" was STORED, without a
    # word, on 17/12/2021, 16/12/2022 and 15/12/2023 (and "2/1 | 1/1 | 31/12 | 30/12" on
    # 1/1/2022, 2/1/2022, 31/12/2022, 30/12/2023): the running totals of two days a year
    # or two ahead, 15/12 and 30/12/2021 missing.
    _assert_read(_import(_wide(days, how, top), file_name), days)


# --- the years themselves --------------------------------------------------------------------


def _labels(text: str) -> list[normalise.DayLabel]:
    out = []
    for item in text.split():
        parts = [int(p) for p in item.split("/")]
        out.append(normalise.DayLabel(parts[0], parts[1], parts[2] if len(parts) == 3 else None, ""))
    return out


@pytest.mark.parametrize(
    "labels, anchor, want",
    [
        ("17/12 15/12 16/12", date(2021, 12, 31), "17/12/2021 15/12/2021 16/12/2021"),
        ("2/1/2022 1/1 31/12 30/12", None, "2/1/2022 1/1/2022 31/12/2021 30/12/2021"),
        ("31/12 1/1/2022 30/12", None, "31/12/2021 1/1/2022 30/12/2021"),
        ("20/1 15/12 1/11", date(2022, 1, 20), "20/1/2022 15/12/2021 1/11/2021"),
    ],
)
def test_the_years_make_the_run_short_whatever_its_order(labels, anchor, want):
    late = 1 if anchor == date(2021, 12, 31) else normalise.STALE_DATE_LINE_DAYS
    got = normalise.with_years(_labels(labels), anchor, [], late=late, year_only=anchor == date(2021, 12, 31))
    assert [f"{d.day}/{d.month}/{d.year}" for d in got] == want.split()


def test_days_months_apart_keep_the_order_they_are_written_in():
    # Nothing says which of two readings half a year apart is meant: the order decides, as
    # before, and with no year anywhere nothing is guessed.
    got = normalise.with_years(_labels("15/3 20/9"), date(2021, 12, 31), [], year_only=True)
    assert got == [date(2021, 3, 15), date(2021, 9, 20)]
    assert normalise.with_years(_labels("17/12 15/12 16/12"), None, []) is None


# --- a unit's own report, a row per day, newest first ---------------------------------------


def _unit_rows(title: list, newest_first: bool = True) -> list[list]:
    rows, total, days = [], 1000, ["29/12", "30/12", "31/12", "1/1", "2/1"]
    for k, day in enumerate(days):
        total += 40 + k
        rows.append([k + 1, day, 40 + k, total, ""])
    return [
        ["CÔNG AN HUYỆN KỲ ANH"],
        ["CÔNG AN XÃ KỲ TÂN - BÁO CÁO THU NHẬN HỒ SƠ CCCD"],
        title,
        ["STT", "Ngày", "Thu nhận trong ngày", "Lũy kế thu nhận", "Ghi chú"],
        *(rows[::-1] if newest_first else rows),
    ]


@pytest.mark.parametrize(
    "title", [["Số liệu tính đến ngày 02/01/2022"], ["Số liệu tính đến ngày 17/12/2021"]]
)
def test_a_units_days_newest_first_across_new_year_are_read(title):
    # "2/1 | 1/1 | 31/12 | 30/12 | 29/12" under "tính đến 02/01/2022": refused as more than a
    # month from the date line; under a stale "17/12/2021", read across four years and
    # refused as falling.
    report = _import({"Báo cáo": _unit_rows(title)}, "ky_tan.xlsx")
    assert report.status == "checked", report.message
    got = sorted(_of(report, "collected").items(), key=lambda item: item[0][1])
    assert [day for (_, day), _ in got] == [
        "2021-12-29",
        "2021-12-30",
        "2021-12-31",
        "2022-01-01",
        "2022-01-02",
    ]
    assert got[-1][1] == 1210


def test_a_units_days_newest_first_across_new_year_under_a_year_alone_say_why_they_are_refused():
    report = _import({"Báo cáo": _unit_rows(["BÁO CÁO NĂM 2021"])}, "ky_tan.xlsx")
    assert report.status == "refused"
    problem = report.problems[0]
    assert (problem.code, problem.sheet, problem.row, problem.column) == ("no_date", "Báo cáo", 5, "B")
    assert "tháng 12 sang tháng 1" in problem.message


# --- sheets named by the day alone, newest first ----------------------------------------------


@pytest.mark.parametrize("how", ORDERS.values(), ids=ORDERS.keys())
@pytest.mark.parametrize(
    "days, top, file_name",
    [
        (DECEMBER, TOP_KA, "KyAnh_T12_2021.xlsx"),
        (DECEMBER, [*TOP_KA, ["BÁO CÁO THÁNG 12 NĂM 2021"]], "ky_anh.xlsx"),
        (NEW_YEAR, [*TOP_KA, ["BÁO CÁO THÁNG 12 NĂM 2021"]], "ky_anh.xlsx"),
        (NEW_YEAR, [*TOP_KA, ["BÁO CÁO THÁNG 12 NĂM 2021"]], "ky_anh_02_01_2022.xlsx"),
    ],
    ids=["month in the file name", "month in the title", "new year, title", "new year, title and date"],
)
def test_sheets_named_by_the_day_alone_out_of_order_are_read_in_their_months(how, days, top, file_name):
    # "Ngày 17 | Ngày 16 | Ngày 15" in "KyAnh_T12_2021.xlsx": each fall of the day moved on a
    # month (17/12/2021, 16/1/2022, 15/2/2022) and the workbook was refused for a running
    # total falling on 16/1/2022, a day it does not have.
    sheets = {f"Ngày {days[k].day}": _sheet(k, top) for k in _order(len(days), how)}
    _assert_read(_import(sheets, file_name), days)


def test_sheets_named_by_the_day_alone_that_go_forward_keep_their_order():
    # The days of a month from the 25th ("25 … 31, 1 … 24") turn the month where they fall.
    from cccd_analytics.ingest.sheet_per_day import _in_date_order

    days = [*range(25, 32), *range(1, 25)]
    assert _in_date_order(list(enumerate(days))) == list(enumerate(days))
    assert [d for _, d in _in_date_order(list(enumerate([2, 1, 31, 30])))] == [30, 31, 1, 2]


# --- review of round 27 ---------------------------------------------------------------------

SPRING = [date(2021, 3, 1) + timedelta(days=k) for k in range(100)]


def _wide_in(days: list[date], order: list[int], top: list[list]) -> dict[str, list[list]]:
    header = ["STT", "Đơn vị", *[f"{days[k].day}/{days[k].month}" for k in order], "Lũy kế"]
    rows = [
        [i, name, *[_daily(name, k) for k in order], _running(name, len(days) - 1)]
        for i, name in enumerate(KA, 1)
    ]
    return {"BC": [*top, header, *rows]}


@pytest.mark.parametrize("newest_first", [True, False], ids=["newest first", "oldest first"])
@pytest.mark.parametrize(
    "top, file_name",
    [([*TOP_KA, _date_line(SPRING[0])], "ky_anh.xlsx"), (TOP_KA, "ky_anh_01_03_2021.xlsx")],
    ids=["date line", "file name"],
)
def test_a_run_longer_than_a_quarter_from_its_stale_date_is_read_in_its_year(newest_first, top, file_name):
    # 100 day columns "8/6 … 1/3" under a "tính đến … 1/3/2021" typed on the first day: the
    # run ends 99 days after the date, so only the reading a year earlier (1/3 … 8/6/2020,
    # ending before the date) was left, and it was STORED without a word.
    order = list(range(len(SPRING)))[:: -1 if newest_first else 1]
    _assert_read(_import(_wide_in(SPRING, order, top), file_name), SPRING)


def test_sheets_of_a_run_longer_than_a_quarter_each_with_the_first_days_line_are_read_in_their_year():
    sheets = {
        f"{SPRING[k].day}.{SPRING[k].month}": _sheet(k, [*TOP_KA, _date_line(SPRING[0])])
        for k in range(len(SPRING))[::-1]
    }
    report = _import(sheets, "ky_anh.xlsx")
    assert sorted({day for _, day in _of(report, "collected")}) == [str(d) for d in SPRING]


def test_a_run_spanning_its_date_by_a_year_with_another_ending_just_before_it_is_not_guessed():
    # 1/3 … 20/2 (357 days) under "tính đến 1/3/2021": 1/3/2021 … 20/2/2022 (the date typed on
    # the first day) or 1/3/2020 … 20/2/2021 (sent 9 days after the last): nothing says which.
    days = [date(2021, 3, 1) + timedelta(days=k) for k in range(357)]
    labels = [normalise.DayLabel(d.day, d.month, None, "") for d in days]
    assert normalise.with_years(labels, date(2021, 3, 1), [], late=normalise.STALE_DATE_LINE_DAYS) is None


JAN_DEC = [date(2021, 1, d) for d in (4, 5, 6)] + [date(2021, 12, d) for d in (27, 28, 29)]


def test_the_first_and_last_days_of_a_year_oldest_first_stay_in_that_year():
    # "4/1 5/1 6/1 27/12 28/12 29/12" under "NĂM 2021" and "tính đến 29/12/2021": read as the
    # shortest run, 27/12/2021 … 6/1/2022, after the file's own date and outside its year,
    # STORED with running totals derived for the wrong days.
    top = [*TOP_KA, ["BÁO CÁO NĂM 2021"], _date_line(JAN_DEC[-1])]
    _assert_read(_import(_wide_in(JAN_DEC, list(range(6)), top), "ky_anh.xlsx"), JAN_DEC)


@pytest.mark.parametrize(
    "labels, year",
    [("4/1 5/1 6/1 27/12 28/12 29/12", 2021), ("31/12 30/12 2/1 1/1", 2022)],
)
def test_days_one_way_inside_a_year_alone_or_across_new_year_are_not_guessed(labels, year):
    # Under a year written alone both readings keep a day in that year: the days inside it
    # as written, or a run across New Year ("31/12 | 30/12 | 2/1 | 1/1" under "NĂM 2022" is
    # 30/12/2021 … 2/1/2022; the year alone STORED it as 1/1 … 31/12/2022).  Asked, unless a
    # campaign covers one of them.
    anchor = date(year, 12, 31)
    assert normalise.with_years(_labels(labels), anchor, [], year_only=True) is None
    short = (
        [(date(year - 1, 12, 1), date(year, 1, 31))]
        if year == 2022
        else [(date(2021, 12, 1), date(2022, 1, 31))]
    )
    got = normalise.with_years(_labels(labels), anchor, short, year_only=True)
    assert got is not None and (max(got) - min(got)).days < 31


def test_the_newest_sheet_first_under_a_date_line_on_it_is_still_read_across_new_year():
    # "1/1 | 28/12 | 29/12 | 30/12 | 31/12": in written order one year, or the newest sheet
    # first; the date line on 1/1/2022 ends the second alone.
    labels = _labels("1/1 28/12 29/12 30/12 31/12")
    got = normalise.with_years(labels, date(2022, 1, 1), [], late=normalise.STALE_DATE_LINE_DAYS)
    assert got == [date(2022, 1, 1), *[date(2021, 12, d) for d in (28, 29, 30, 31)]]
    # A line typed on 28/12 fits both: not guessed.
    assert normalise.with_years(labels, date(2021, 12, 28), [], late=normalise.STALE_DATE_LINE_DAYS) is None


AUGUST = [date(2021, 7, 30) + timedelta(days=k) for k in range(4)]
JANUARY = NEW_YEAR


@pytest.mark.parametrize(
    "days, file_name, title",
    [
        (AUGUST, "KyAnh_T8_2021.xlsx", None),
        (AUGUST, "ky_anh.xlsx", "BÁO CÁO THÁNG 8 NĂM 2021"),
        (JANUARY, "KyAnh_T1_2022.xlsx", None),
        ([date(2021, 7, 25) + timedelta(days=k) for k in range(15)], "KyAnh_T8_2021.xlsx", None),
    ],
    ids=["month in the file name", "month on the newest sheet", "new year", "fifteen days"],
)
def test_sheets_named_by_the_day_alone_newest_first_across_a_months_end_are_not_guessed(
    days, file_name, title
):
    # "Ngày 2 | Ngày 1 | Ngày 31 | Ngày 30" in KyAnh_T8_2021.xlsx (30/7 … 2/8): put in date order
    # and given the file's month from the oldest day, STORED on 30/8 … 2/9/2021 without a word.
    # The month may be the newest sheet's or the oldest's.
    sheets = {}
    for pos, k in enumerate(range(len(days))[::-1]):
        sheets[f"Ngày {days[k].day}"] = _sheet(k, [*TOP_KA, *([[title]] if title and pos == 0 else [])])
    report = _import(sheets, file_name)
    assert report.status == "refused"
    problem = next(p for p in report.problems if p.code == "no_date")
    assert problem.sheet in sheets
    assert "không theo thứ tự ngày" in problem.message


def test_sheets_named_by_the_day_alone_newest_first_across_a_months_end_are_read_on_a_given_date():
    sheets = {f"Ngày {AUGUST[k].day}": _sheet(k, TOP_KA) for k in range(4)[::-1]}
    report = ingest.import_bytes(None, _workbook(sheets), "KyAnh_T8_2021.xlsx", report_date=AUGUST[-1])
    _assert_read(report, AUGUST)


@pytest.mark.parametrize("given", [AUGUST[-1], date(2021, 8, 12)], ids=["on the last day", "days after"])
def test_sheets_named_by_the_day_alone_oldest_first_take_a_given_date_as_the_newest_days(given):
    # "Ngày 30 | Ngày 31 | Ngày 1 | Ngày 2" with nothing saying their month but the date given
    # on upload (2/8/2021): its month went to the oldest day and the run STORED on 30/8 …
    # 2/9/2021, a month after the date given, without a word.  The date given is the report's,
    # on or after its last day.
    sheets = {f"Ngày {AUGUST[k].day}": _sheet(k, TOP_KA) for k in range(4)}
    _assert_read(ingest.import_bytes(None, _workbook(sheets), "ky_anh.xlsx", report_date=given), AUGUST)


def test_a_sheet_named_by_a_day_the_month_does_not_have_is_refused_naming_it():
    # "Ngày 31 | Ngày 1 | Ngày 2" in KyAnh_T6.xlsx: 31/6 raised, the whole file refused as
    # unreadable naming no sheet.
    sheets = {f"Ngày {d}": _sheet(k, TOP_KA) for k, d in enumerate((31, 1, 2))}
    report = _import(sheets, "KyAnh_T6.xlsx")
    assert report.status == "refused"
    assert {p.code for p in report.problems} == {"no_date"}
    assert {p.sheet for p in report.problems} == set(sheets)
    assert normalise.with_years(_labels("31/6 1/7 2/7"), date(2021, 12, 31), [], year_only=True) is None
    assert normalise.with_years(_labels("1/7 31/6 2/7"), None, []) is None


def test_a_units_weekly_rows_of_one_year_without_a_year_are_not_said_to_cross_new_year():
    rows, total = [], 1000
    for k in range(52):
        day = date(2021, 1, 4) + timedelta(days=7 * k)
        total += 40 + k
        rows.append([k + 1, f"{day.day}/{day.month}", 40 + k, total, ""])
    sheet = [
        ["CÔNG AN HUYỆN KỲ ANH"],
        ["CÔNG AN XÃ KỲ TÂN - BÁO CÁO THU NHẬN HỒ SƠ CCCD"],
        ["Báo cáo theo tuần"],
        ["STT", "Ngày", "Thu nhận trong ngày", "Lũy kế thu nhận", "Ghi chú"],
        *rows,
    ]
    report = _import({"Báo cáo": sheet}, "ky_tan.xlsx")
    assert report.status == "refused"
    problem = report.problems[0]
    assert (problem.code, problem.sheet) == ("no_date", "Báo cáo")
    assert "tháng 12 sang tháng 1" not in problem.message
