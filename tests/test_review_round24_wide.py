"""Wide and sheet-per-day workbooks a reviewer of round 24 found stored wrong without a word:
an untouched backup copy of a day sheet read as a day the file never reports, and a wide
sheet of daily applications that rose every day read as running totals."""

from __future__ import annotations

import pytest

from tests.test_wide_round24 import DAILY, DC, TOP, _day_sheet, _got, _import, _key, _running

# Daily applications that happen to rise every day in every commune.
RISING = {
    "Xã Diễn Lâm": [34, 41, 52, 60],
    "Xã Diễn Đoài": [28, 30, 33, 47],
    "Xã Diễn Trường": [12, 19, 25, 31],
}
DAYS = ["20/4", "21/4", "22/4", "23/4"]


def _signed_next_morning(day: int) -> list[list]:
    # Each day's report signed the morning after: the date line is the signing date.
    k = day - 20
    return [
        *TOP[:2],
        [f"Diễn Châu, ngày {day + 1} tháng 4 năm 2023"],
        ["STT", "Đơn vị", "Trong ngày", "Lũy kế"],
        *[[i, n, DAILY[n][k], _running(n, k + 1)] for i, n in enumerate(DC, 1)],
    ]


def test_an_untouched_backup_copy_of_a_sheet_signed_the_next_morning_is_no_new_day():
    # "22.4 (2)" is a copy of "22.4"; every sheet's line is the next morning's signing date.
    # Dated by its line, the copy became 23/4, each commune given 22/4's figures again.
    sheets = {
        "20.4": _signed_next_morning(20),
        "21.4": _signed_next_morning(21),
        "22.4": _signed_next_morning(22),
        "22.4 (2)": _signed_next_morning(22),
    }
    report = _import(sheets)
    assert report.status == "checked", report.message
    collected = _got(report, "collected")
    assert sorted({d for _, d in collected}) == ["2023-04-20", "2023-04-21", "2023-04-22"]
    for n in DC:
        assert collected[(_key(n), "2023-04-22")] == _running(n, 3)


def test_an_identical_copy_is_a_backup_even_where_the_lines_are_report_dates():
    # Other sheets' lines agree with their names, but the copy's figures are the base's:
    # only its line was changed, nothing in it is a new day's report.
    copy = _day_sheet(21)
    copy[2] = ["Số liệu tính đến 17h00 ngày 22/4/2023"]
    sheets = {"20.4": _day_sheet(20), "21.4": _day_sheet(21), "21.4 (2)": copy, "23.4": _day_sheet(23)}
    report = _import(sheets)
    collected = _got(report, "collected") if report.status == "checked" else {}
    assert (_key("Xã Diễn Lâm"), "2023-04-22") not in collected


def test_a_renamed_by_its_line_copy_with_new_figures_is_still_the_next_day():
    sheets = {
        "20.4": _day_sheet(20),
        "21.4": _day_sheet(21),
        "21.4 (2)": _day_sheet(22),
        "23.4": _day_sheet(23),
    }
    report = _import(sheets)
    assert report.status == "checked", report.message
    collected = _got(report, "collected")
    for n in DC:
        assert collected[(_key(n), "2023-04-22")] == _running(n, 3)


def _wide(header: list, after: list) -> list[list]:
    rows = [[i, n, *RISING[n], *after[: len(header) - 2 - len(DAYS)]] for i, n in enumerate(DC, 1)]
    return [*TOP, header, *rows]


@pytest.mark.parametrize(
    "after, cards",
    [([], []), (["Số thẻ đã trả"], [20]), (["Lũy kế trả thẻ"], [20]), (["Số thẻ đã trả"], [1517])],
)
def test_daily_applications_that_rose_every_day_are_not_taken_for_running_totals(after, cards):
    # No word says what the days count and no running total of applications is beside
    # them: 34, 41, 52, 60 were stored as Xã Diễn Lâm's running totals.
    report = _import({"BC": _wide(["STT", "Đơn vị", *DAYS, *after], cards)})
    assert report.status == "refused", report.message
    problem = next(p for p in report.problems if p.code == "no_cumulative")
    assert (problem.sheet, problem.row, problem.column) == ("BC", 4, "C")
    assert "Lũy kế" in problem.message and "Thu nhận trong ngày" in problem.message


def test_a_total_after_rising_days_makes_them_counts():
    # "Tổng" equal to the days' sum: the days are counts and the table has no running total.
    rows = [[i, n, *RISING[n], sum(RISING[n])] for i, n in enumerate(DC, 1)]
    report = _import({"BC": [*TOP, ["STT", "Đơn vị", *DAYS, "Tổng"], *rows]})
    assert report.status == "refused"
    assert all(p.column for p in report.problems if p.code == "no_cumulative")


@pytest.mark.parametrize("parent", ["Thu nhận trong ngày", "Số hồ sơ thu nhận từng ngày"])
def test_days_said_to_be_the_days_counts_are_refused_without_a_running_total(parent):
    rows = [[i, n, *RISING[n], 20] for i, n in enumerate(DC, 1)]
    header = [["STT", "Đơn vị", parent, None, None, None, "Số thẻ đã trả"], [None, None, *DAYS, None]]
    report = _import({"BC": [*TOP, *header, *rows]})
    assert report.status == "refused"
    problem = next(p for p in report.problems if p.code == "no_cumulative")
    assert problem.row == 5 and problem.column == "C"


def test_running_totals_carried_from_before_the_days_still_read_from_their_figures():
    # Large figures that grow a little: a campaign's running totals, no word needed.
    rows = [[i, n, *[_running(n, k + 1) for k in range(4)]] for i, n in enumerate(DC, 1)]
    report = _import({"BC": [*TOP, ["STT", "Đơn vị", *DAYS], *rows]})
    assert report.status == "checked", report.message
    collected = _got(report, "collected")
    assert collected[(_key("Xã Diễn Lâm"), "2023-04-21")] == _running("Xã Diễn Lâm", 2)


def test_running_totals_said_in_the_title_still_read():
    title = [TOP[0], ["BÁO CÁO LŨY KẾ THU NHẬN HỒ SƠ CCCD"], TOP[2]]
    cumulative = {n: [sum(RISING[n][: k + 1]) for k in range(4)] for n in DC}
    rows = [[i, n, *cumulative[n]] for i, n in enumerate(DC, 1)]
    report = _import({"BC": [*title, ["STT", "Đơn vị", *DAYS], *rows]})
    assert report.status == "checked", report.message
    assert _got(report, "collected")[(_key("Xã Diễn Lâm"), "2023-04-23")] == sum(RISING["Xã Diễn Lâm"])


def test_a_commune_with_nothing_new_does_not_make_running_totals_unclear():
    rows = [[i, n, *[_running(n, k + 1) for k in range(4)]] for i, n in enumerate(DC, 1)]
    rows.append([4, "Xã Diễn An", 0, 0, 0, 0])
    report = _import({"BC": [*TOP, ["STT", "Đơn vị", *DAYS], *rows]})
    assert report.status == "checked", report.message
    assert _got(report, "collected")[(_key("Xã Diễn Trường"), "2023-04-23")] == _running("Xã Diễn Trường", 4)
