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
    """ "Lũy kế | 15/3 | 16/3" = "0 | 1 | 2": a last day's running total cannot be less than
    the days' counts, so it is the start; the counts had been stored as running totals."""
    header = ["STT", "Đơn vị", "Lũy kế", "15/3", "16/3"]
    rows = [[1, "Xã Kỳ Xuân", 0, 1, 2], [2, "Xã Kỳ Bắc", 0, 0, 0]]
    report = _import({"BC": [*TOP, ["Số liệu tính đến 17h00 ngày 16/3/2021"], header, *rows]})
    assert report.status == "checked", report.message
    got = _collected(report)
    assert got[(_key("Xã Kỳ Xuân"), "2021-03-15")] == 1 and got[(_key("Xã Kỳ Xuân"), "2021-03-16")] == 3
