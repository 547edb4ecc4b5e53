"""Summary workbooks found by the twenty-fourth probe: a count split into sub-columns under
its merged header ("Lũy kế thu nhận hồ sơ" over "Thường trú trên địa bàn | Tỉnh khác", over
ages, over areas) whose words the importer did not know.  The first sub-column was read as
the whole, without a word; the whole is the sum of the parts, or the sub-column that says it
is the total, which the parts are checked against."""

from __future__ import annotations

import pytest

from cccd_analytics import ingest
from tests.test_report_shapes_round7 import values
from tests.test_report_shapes_round23 import TOP, _key, _xls, _xlsx

H = len(TOP)  # the header's first row (from 1) is H + 1


def _split(parent: str, subs: list[str], cells: list[list], fixed=("STT", "Đơn vị")) -> list[list]:
    """A report: the fixed columns merged down over two header rows, `parent` merged over
    `subs`, then the communes' rows."""
    return [
        *TOP,
        [*fixed, parent, *[None] * (len(subs) - 1)],
        [*[None] * len(fixed), *subs],
        *cells,
    ]


def _merges(fixed: int, subs: int) -> list[str]:
    letters = "ABCDEFGHIJ"
    out = [f"{letters[i]}{H + 1}:{letters[i]}{H + 2}" for i in range(fixed)]
    return [*out, f"{letters[fixed]}{H + 1}:{letters[fixed + subs - 1]}{H + 1}"]


def _read(rows: list[list], merges: list[str], kind: str = "xlsx"):
    data = _xlsx({"BC": rows}, merges=merges) if kind == "xlsx" else _xls({"BC": rows})
    return ingest.import_bytes(None, data, f"ky_anh.{kind}")


def _collected(report, metric: str = "collected") -> dict[str, int]:
    got = values(report, metric=metric)
    return {name: got[(_key(name), metric)] for name in ("Xã Kỳ Xuân", "Xã Kỳ Bắc")}


@pytest.mark.parametrize("kind", ["xlsx", "xls"])
@pytest.mark.parametrize(
    "subs",
    [
        ["Từ 14 đến dưới 18 tuổi", "Từ 18 tuổi trở lên"],
        ["Thường trú tại xã", "Ngoại tỉnh"],
        ["Khu vực 1", "Khu vực 2"],
        ["Học sinh", "Khác"],
        ["Người cao tuổi", "Cựu chiến binh", "Đối tượng khác"],
    ],
)
def test_a_running_total_split_in_unknown_words_is_the_sum_of_its_parts(subs, kind):
    """The first sub-column was stored as each commune's running total (120 of 1.320)."""
    cells = [[1, "Xã Kỳ Xuân", 120, 1200, 5][: 2 + len(subs)], [2, "Xã Kỳ Bắc", 90, 800, 7][: 2 + len(subs)]]
    report = _read(_split("Lũy kế thu nhận hồ sơ", subs, cells), _merges(2, len(subs)), kind)
    assert report.status == "checked", report.message
    want = {"Xã Kỳ Xuân": sum(cells[0][2:]), "Xã Kỳ Bắc": sum(cells[1][2:])}
    assert _collected(report) == want
    (said,) = [p for p in report.problems if p.code == "split_summed"]
    assert said.sheet == "BC" and said.column == "C" and "D «" in said.message


def test_a_split_whose_parts_are_above_its_total_is_refused_at_the_total():
    """ "Khu vực 1 | Khu vực 2 | Cộng": a "Cộng" below its parts was stored unchecked."""
    cells = [[1, "Xã Kỳ Xuân", 120, 1200, 1320], [2, "Xã Kỳ Bắc", 90, 800, 850]]
    rows = _split("Lũy kế thu nhận hồ sơ", ["Khu vực 1", "Khu vực 2", "Cộng"], cells)
    report = _read(rows, _merges(2, 3))
    assert report.status == "refused"
    (problem,) = [p for p in report.errors if p.code == "split_mismatch"]
    assert (problem.sheet, problem.row, problem.column) == ("BC", H + 4, "E")
    assert "890" in problem.message and "850" in problem.message and "C, D" in problem.message


def test_a_split_with_its_total_first_reads_the_total():
    cells = [[1, "Xã Kỳ Xuân", 1320, 120, 1200], [2, "Xã Kỳ Bắc", 890, 90, 800]]
    rows = _split("Lũy kế thu nhận hồ sơ", ["Tổng số", "Từ 14 đến dưới 18 tuổi", "Từ 18 tuổi trở lên"], cells)
    report = _read(rows, _merges(2, 3))
    assert report.status == "checked", report.message
    assert _collected(report) == {"Xã Kỳ Xuân": 1320, "Xã Kỳ Bắc": 890}


def test_a_blank_part_beside_a_figure_is_none():
    """ "Tỉnh khác" left empty where nobody from elsewhere was served: 0, not no figure."""
    cells = [[1, "Xã Kỳ Xuân", 1200, None], [2, "Xã Kỳ Bắc", 800, 12]]
    report = _read(_split("Lũy kế thu nhận hồ sơ", ["Thường trú tại xã", "Ngoại tỉnh"], cells), _merges(2, 2))
    assert report.status == "checked", report.message
    assert _collected(report) == {"Xã Kỳ Xuân": 1200, "Xã Kỳ Bắc": 812}


def test_three_header_rows_split_the_days_and_the_running_totals():
    """ "Kết quả" over "Trong ngày | Lũy kế", each over ages: the first age's figures were
    stored as the day's and the running total."""
    rows = [
        *TOP,
        ["STT", "Đơn vị", "Kết quả thu nhận hồ sơ CCCD", None, None, None],
        [None, None, "Trong ngày", None, "Lũy kế", None],
        [None, None, *["Từ 14 đến dưới 18 tuổi", "Từ 18 tuổi trở lên"] * 2],
        [1, "Xã Kỳ Xuân", 5, 20, 120, 1200],
        [2, "Xã Kỳ Bắc", 3, 9, 90, 800],
    ]
    merges = [
        f"A{H + 1}:A{H + 3}",
        f"B{H + 1}:B{H + 3}",
        f"C{H + 1}:F{H + 1}",
        f"C{H + 2}:D{H + 2}",
        f"E{H + 2}:F{H + 2}",
    ]
    report = _read(rows, merges)
    assert report.status == "checked", report.message
    assert _collected(report) == {"Xã Kỳ Xuân": 1320, "Xã Kỳ Bắc": 890}
    assert _collected(report, "collected_day") == {"Xã Kỳ Xuân": 25, "Xã Kỳ Bắc": 12}


def test_the_eligible_split_by_age_is_their_sum():
    """ "Số công dân đủ điều kiện" over ages: the 14-to-17s were stored as the commune's
    eligible, every commune then said to have collected more than its eligible."""
    rows = [
        *TOP,
        ["STT", "Đơn vị", "Số công dân đủ điều kiện", None, "Lũy kế thu nhận"],
        [None, None, "Từ 14 đến dưới 18 tuổi", "Từ 18 tuổi trở lên", None],
        [1, "Xã Kỳ Xuân", 600, 3400, 1320],
        [2, "Xã Kỳ Bắc", 500, 2500, 890],
    ]
    report = _read(rows, [*_merges(2, 2), f"E{H + 1}:E{H + 2}"])
    assert report.status == "checked", report.message
    assert _collected(report, "eligible") == {"Xã Kỳ Xuân": 4000, "Xã Kỳ Bắc": 3000}


def test_a_plan_split_beside_what_was_done_split_the_same_way():
    """ "Kế hoạch" and "Thực hiện" each over "Thường trú trên địa bàn | Tỉnh khác": the plan's
    "Tỉnh khác" was read as a part of the applications (refused as parts above the whole)."""
    rows = [
        *TOP,
        ["STT", "Đơn vị", "Kế hoạch", None, "Thực hiện", None],
        [None, None, "Thường trú trên địa bàn", "Tỉnh khác", "Thường trú trên địa bàn", "Tỉnh khác"],
        [1, "Xã Kỳ Xuân", 3000, 1000, 1200, 120],
        [2, "Xã Kỳ Bắc", 2000, 900, 800, 90],
    ]
    merges = [f"A{H + 1}:A{H + 2}", f"B{H + 1}:B{H + 2}", f"C{H + 1}:D{H + 1}", f"E{H + 1}:F{H + 1}"]
    report = _read(rows, merges)
    assert report.status == "checked", report.message
    assert _collected(report) == {"Xã Kỳ Xuân": 1320, "Xã Kỳ Bắc": 890}


def test_a_split_beside_its_share_is_the_sum_of_the_counts():
    cells = [[1, "Xã Kỳ Xuân", 1200, 120, 33.0], [2, "Xã Kỳ Bắc", 800, 90, 29.7]]
    rows = _split("Lũy kế thu nhận hồ sơ", ["Thường trú trên địa bàn", "Tỉnh khác", "Tỷ lệ (%)"], cells)
    report = _read(rows, _merges(2, 3))
    assert report.status == "checked", report.message
    assert _collected(report) == {"Xã Kỳ Xuân": 1320, "Xã Kỳ Bắc": 890}


def test_a_channel_written_with_whom_it_serves_is_that_channel():
    """ "Tại nhà (người già, ốm đau)": the note in brackets left the value unknown, the
    office's column was read as the whole and the file refused as parts above it."""
    cells = [[1, "Xã Kỳ Xuân", 1200, 100, 20], [2, "Xã Kỳ Bắc", 800, 80, 10]]
    rows = _split("Lũy kế thu nhận hồ sơ", ["Tại trụ sở", "Lưu động", "Tại nhà (người già, ốm đau)"], cells)
    report = _read(rows, _merges(2, 3))
    assert report.status == "checked", report.message
    assert _collected(report) == {"Xã Kỳ Xuân": 1320, "Xã Kỳ Bắc": 890}
    assert "Tại nhà" in report.breakdowns["dimensions"]["channel"]["values"]


@pytest.mark.parametrize(
    ("parent", "subs", "cells", "want"),
    [
        ("Lũy kế thu nhận hồ sơ", ["Số lượng", "Tỷ lệ (%)"], [1320, 33.0], 1320),
        ("Thu nhận hồ sơ", ["Kế hoạch", "Thực hiện", "Tỷ lệ %"], [4000, 1320, 33.0], 1320),
        ("Số hồ sơ thu nhận", ["Trong ngày", "Lũy kế"], [25, 1320], 1320),
    ],
)
def test_sub_columns_that_say_what_they_are_keep_their_meaning(parent, subs, cells, want):
    rows = _split(parent, subs, [[1, "Xã Kỳ Xuân", *cells], [2, "Xã Kỳ Bắc", *cells]])
    report = _read(rows, _merges(2, len(subs)))
    assert report.status == "checked", report.message
    assert _collected(report) == {"Xã Kỳ Xuân": want, "Xã Kỳ Bắc": want}
    assert not [p for p in report.problems if p.code.startswith("split_")]


def test_a_total_above_its_residence_parts_is_kept_with_a_warning():
    """ "Tổng số | Thường trú trên địa bàn | Tỉnh khác" with a total 37 above its parts: a header
    that leaves a part out is common; the total is the office's figure, kept and flagged."""
    cells = [[1, "Xã Kỳ Xuân", 1320, 1200, 120], [2, "Xã Kỳ Bắc", 927, 800, 90]]
    rows = _split("Lũy kế thu nhận hồ sơ", ["Tổng số", "Thường trú trên địa bàn", "Tỉnh khác"], cells)
    report = _read(rows, _merges(2, 3))
    assert report.status == "checked", report.message
    assert _collected(report) == {"Xã Kỳ Xuân": 1320, "Xã Kỳ Bắc": 927}
    (said,) = [p for p in report.problems if p.code == "split_short"]
    assert (said.row, said.column) == (H + 4, "C") and "890" in said.message and "927" in said.message


def test_residence_parts_above_their_total_are_refused_at_the_total():
    cells = [[1, "Xã Kỳ Xuân", 1320, 1200, 120], [2, "Xã Kỳ Bắc", 850, 800, 90]]
    rows = _split("Lũy kế thu nhận hồ sơ", ["Tổng số", "Thường trú trên địa bàn", "Tỉnh khác"], cells)
    report = _read(rows, _merges(2, 3))
    assert report.status == "refused"
    (problem,) = report.errors
    assert (problem.code, problem.row, problem.column) == ("split_mismatch", H + 4, "C")


def test_the_days_and_the_running_totals_each_split_by_residence_are_their_sums():
    """ "Thu nhận trong ngày" and "Lũy kế thu nhận" each over "Thường trú trên địa bàn | Tỉnh
    khác": the first part was read as the day's and the running total, and then the day's
    split was refused as having no total."""
    rows = [
        *TOP,
        ["STT", "Đơn vị", "Thu nhận trong ngày", None, "Lũy kế thu nhận", None],
        [None, None, *["Thường trú trên địa bàn", "Tỉnh khác"] * 2],
        [1, "Xã Kỳ Xuân", 20, 5, 1200, 120],
        [2, "Xã Kỳ Bắc", 9, 3, 800, 90],
    ]
    merges = [f"A{H + 1}:A{H + 2}", f"B{H + 1}:B{H + 2}", f"C{H + 1}:D{H + 1}", f"E{H + 1}:F{H + 1}"]
    report = _read(rows, merges)
    assert report.status == "checked", report.message
    assert _collected(report) == {"Xã Kỳ Xuân": 1320, "Xã Kỳ Bắc": 890}
    assert _collected(report, "collected_day") == {"Xã Kỳ Xuân": 25, "Xã Kỳ Bắc": 12}


def test_a_shift_split_with_the_weekend_written_by_its_days_is_the_sum():
    """ "Trong giờ hành chính | Ngoài giờ hành chính | Thứ 7, Chủ nhật": the weekend's words
    were unknown, office hours read as the whole, and the file refused as parts above it."""
    cells = [[1, "Xã Kỳ Xuân", 1000, 200, 120], [2, "Xã Kỳ Bắc", 700, 100, 90]]
    subs = ["Trong giờ hành chính", "Ngoài giờ hành chính", "Thứ 7, Chủ nhật"]
    report = _read(_split("Lũy kế thu nhận hồ sơ", subs, cells), _merges(2, 3))
    assert report.status == "checked", report.message
    assert _collected(report) == {"Xã Kỳ Xuân": 1320, "Xã Kỳ Bắc": 890}
    assert "Ngày nghỉ" in report.breakdowns["dimensions"]["shift"]["values"]


def test_a_count_split_only_into_priority_groups_some_unknown_is_refused_at_the_split():
    """ "Cựu chiến binh | Người cao tuổi | Học sinh" with no total: the unknown group's column
    took the running total (300 stored for the commune, the groups 150 under it)."""
    cells = [[1, "Xã Kỳ Xuân", 300, 120, 30], [2, "Xã Kỳ Bắc", 200, 90, 20]]
    subs = ["Cựu chiến binh", "Người cao tuổi", "Học sinh"]
    report = _read(_split("Lũy kế thu nhận hồ sơ", subs, cells), _merges(2, 3))
    assert report.status == "refused"
    (problem,) = report.errors
    assert (problem.code, problem.sheet, problem.row, problem.column) == ("split_not_whole", "BC", H + 2, "C")
    assert "«Tổng số»" in problem.message


def test_priority_groups_under_their_total_are_read_as_before():
    cells = [[1, "Xã Kỳ Xuân", 1320, 120, 30], [2, "Xã Kỳ Bắc", 890, 90, 20]]
    subs = ["Tổng số", "Người cao tuổi", "Cựu chiến binh"]
    report = _read(_split("Lũy kế thu nhận hồ sơ", subs, cells), _merges(2, 3))
    assert report.status == "checked", report.message
    assert _collected(report) == {"Xã Kỳ Xuân": 1320, "Xã Kỳ Bắc": 890}
