"""A running total written before the day columns of a wide sheet ("Lũy kế trước 15/3 | 15/3 |
16/3"): read when its header names the day it counts to, never dropped in silence, and never a
reason to read two days of counts as running totals."""

from __future__ import annotations

from tests.test_wide_shapes_round22 import BEFORE, DAILY, KY, TOP, _collected, _import, _key, _running


def _sheet(before_header: str, days: int = 4, with_date_line: bool = True):
    header = ["STT", "Đơn vị", before_header, *[f"{15 + d}/3" for d in range(days)]]
    rows = [[i, n, BEFORE[n], *DAILY[n][:days]] for i, n in enumerate(KY, 1)]
    line = [["Số liệu tính đến 17h00 ngày 18/3/2021"]] if with_date_line else []
    return {"BC": [*TOP, *line, header, *rows]}


def test_a_running_total_to_the_day_before_the_first_is_each_days_start():
    for header in ("Lũy kế trước 15/3", "Lũy kế đến 14/3", "Lũy kế đến hết ngày 14/3/2021"):
        report = _import(_sheet(header))
        assert report.status == "checked", (header, report.message)
        got = _collected(report)
        for name in KY:
            assert got[(_key(name), "2021-03-14")] == BEFORE[name]
            for d in range(4):
                assert got[(_key(name), f"2021-03-{15 + d}")] == _running(name, d + 1), (header, name, d)


def test_a_running_total_to_the_last_day_before_the_days_is_the_last_days():
    header = ["STT", "Đơn vị", "Lũy kế đến 18/3", "15/3", "16/3", "17/3", "18/3"]
    rows = [[i, n, _running(n, 4), *DAILY[n]] for i, n in enumerate(KY, 1)]
    report = _import({"BC": [*TOP, ["Số liệu tính đến 17h00 ngày 18/3/2021"], header, *rows]})
    assert report.status == "checked", report.message
    got = _collected(report)
    for name in KY:
        for d in range(4):
            assert got[(_key(name), f"2021-03-{15 + d}")] == _running(name, d + 1)


def test_two_days_of_counts_that_happen_to_rise_are_not_read_as_running_totals():
    """Two days of daily counts that never fall beside a running total they are all below,
    which is not their last day's: counts, not running totals.  The second day's count was
    stored as each commune's running total and the column before the days dropped."""
    header = ["STT", "Đơn vị", "Lũy kế", "15/3", "16/3"]
    rows = [[i, n, BEFORE[n], 5 + i, 9 + i] for i, n in enumerate(KY, 1)]
    report = _import({"BC": [*TOP, ["Số liệu tính đến 17h00 ngày 16/3/2021"], header, *rows]})
    # Which day the "Lũy kế" counts to is not said: refused at that column, nothing stored.
    assert report.status == "refused"
    (error,) = report.errors
    assert error.code == "no_cumulative" and error.column == "C"


def test_a_running_total_before_the_days_below_their_counts_is_their_start():
    """ "Lũy kế | 15/3 | 16/3" = "20 | 30 | 5": days that fall are counts, and a last day's
    running total cannot be less than the counts add up to: 20 is the start."""
    header = ["STT", "Đơn vị", "Lũy kế", "15/3", "16/3"]
    rows = [[1, "Xã Kỳ Xuân", 20, 30, 5], [2, "Xã Kỳ Bắc", 3, 4, 2]]
    report = _import({"BC": [*TOP, ["Số liệu tính đến 17h00 ngày 16/3/2021"], header, *rows]})
    assert report.status == "checked", report.message
    got = _collected(report)
    assert got[(_key("Xã Kỳ Xuân"), "2021-03-15")] == 50 and got[(_key("Xã Kỳ Xuân"), "2021-03-16")] == 55


def test_a_small_start_and_rising_days_are_refused_as_unclear():
    """ "0 | 1 | 2" is a start and running totals 1, 2 as well as counts 1, 2 (totals 1, 3)."""
    for before in ("Lũy kế", "Lũy kế trước 15/3"):
        header = ["STT", "Đơn vị", before, "15/3", "16/3"]
        rows = [[1, "Xã Kỳ Xuân", 0, 1, 2], [2, "Xã Kỳ Bắc", 1, 1, 1]]
        report = _import({"BC": [*TOP, ["Số liệu tính đến 17h00 ngày 16/3/2021"], header, *rows]})
        assert report.status == "refused", before
        assert [e.code for e in report.errors] == ["no_cumulative"] and report.errors[0].column == "C"


# Found by review: the rules above must not turn running totals into counts.
RUNNING = {"Xã Kỳ Xuân": [1020, 1050, 1080], "Xã Kỳ Bắc": [900, 931, 950], "Xã Kỳ Phú": [612, 640, 660]}


def _three_days(before_header: str, before: dict):
    header = ["STT", "Đơn vị", before_header, "15/3", "16/3", "17/3"]
    rows = [[i, n, before[n], *RUNNING[n]] for i, n in enumerate(KY, 1)]
    return _import({"BC": [*TOP, ["Số liệu tính đến 17h00 ngày 17/3/2021"], header, *rows]})


def _as_running(report) -> None:
    assert report.status == "checked", report.message
    got = _collected(report)
    for name in KY:
        for d, value in enumerate(RUNNING[name]):
            assert got[(_key(name), f"2021-03-{15 + d}")] == value, (name, d)


def test_running_totals_beside_their_last_day_with_one_figure_typed_wrong_stay_running():
    _as_running(_three_days("Lũy kế", {"Xã Kỳ Xuân": 1080, "Xã Kỳ Bắc": 951, "Xã Kỳ Phú": 660}))


def test_running_totals_after_a_dated_start_stay_running():
    _as_running(_three_days("Lũy kế trước 15/3", {"Xã Kỳ Xuân": 1000, "Xã Kỳ Bắc": 900, "Xã Kỳ Phú": 600}))


def test_one_row_below_the_days_counts_does_not_make_the_running_total_a_start():
    header = ["STT", "Đơn vị", "Lũy kế", "15/3", "16/3", "17/3"]
    rows = [
        [1, "Xã Kỳ Xuân", 1080, 10, 12, 9],
        [2, "Xã Kỳ Bắc", 950, 5, 7, 6],
        [3, "Xã Kỳ Phú", 0, 20, 18, 25],
    ]
    report = _import({"BC": [*TOP, ["Số liệu tính đến 17h00 ngày 17/3/2021"], header, *rows]})
    assert report.status == "refused"
    assert [e.code for e in report.errors] == ["no_cumulative"] and report.errors[0].column == "C"


def test_a_running_total_a_little_above_the_last_day_is_refused_as_unclear():
    """ "Lũy kế" of today beside running totals up to yesterday (1080 | 1100), or the total of
    two days of counts that doubled (10, 20 | 30): the figures cannot tell which.  The first
    had been taken for a start and the running totals added up as counts; the second, read as
    running totals, stored 20 for 30 and dropped the column, without a word."""
    report = _three_days("Lũy kế", {"Xã Kỳ Xuân": 1100, "Xã Kỳ Bắc": 960, "Xã Kỳ Phú": 680})
    assert report.status == "refused" and report.errors[0].column == "C"
    header = ["STT", "Đơn vị", "Lũy kế", "15/3", "16/3"]
    rows = [[1, "Xã Kỳ Xuân", 30, 10, 20], [2, "Xã Kỳ Bắc", 16, 4, 12], [3, "Xã Kỳ Phú", 45, 15, 30]]
    report = _import({"BC": [*TOP, ["Số liệu tính đến 17h00 ngày 16/3/2021"], header, *rows]})
    assert report.status == "refused" and report.errors[0].column == "C"
