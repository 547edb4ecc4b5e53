"""Tables one under another on one sheet (ingest.stacked): the Word report of two tables
typed into Excel, and a sheet that gathers several days.  Both were read as one table: the
second table's cards handed over were lost without a word, and a second day was dated as
the first and refused as conflicting with it."""

from __future__ import annotations

from datetime import date

import pytest

from cccd_analytics import ingest, registry
from tests.test_report_shapes_round7 import imported, values, workbook_bytes

KY_TAN = registry.resolve("Tỉnh Hà Tĩnh", "Huyện Kỳ Anh", "Xã Kỳ Tân").key
KY_THO = registry.resolve("Tỉnh Hà Tĩnh", "Huyện Kỳ Anh", "Xã Kỳ Thọ").key
LETTERHEAD = [["CÔNG AN HUYỆN KỲ ANH"], ["BÁO CÁO KẾT QUẢ CẤP CCCD"]]


def day_table(day: str, tan: int, tho: int) -> list[list]:
    return [
        [f"Số liệu tính đến 17h00 ngày {day}"],
        ["STT", "Đơn vị", "Số CD đủ ĐK", "Lũy kế thu nhận"],
        [1, "Xã Kỳ Tân", 9000, tan],
        [2, "Xã Kỳ Thọ", 8000, tho],
        [None, "Tổng cộng", 17000, tan + tho],
        [],
    ]


def read_as_sent(rows: list[list]):
    """One sheet «BC» of these rows, read as an upload is (refused or not)."""
    return ingest.import_bytes(None, workbook_bytes({"BC": rows}), "bao_cao.xlsx")


def by_day(report) -> dict:
    return values(report, by="date", metric="collected")


def test_the_cards_table_under_the_collected_table_is_read_beside_it():
    report = imported(
        {
            "BC": [
                *LETTERHEAD,
                ["Số liệu tính đến 17h00 ngày 16/3/2021"],
                [],
                ["1. Kết quả thu nhận hồ sơ"],
                ["STT", "Đơn vị", "Số CD đủ ĐK", "Lũy kế thu nhận"],
                [1, "Xã Kỳ Tân", 9000, 2384],
                [2, "Xã Kỳ Thọ", 8000, 2479],
                [None, "Cộng", 17000, 4863],
                [],
                ["2. Kết quả trả thẻ"],
                ["STT", "Đơn vị", "Số thẻ đã trả"],
                [1, "Xã Kỳ Tân", 953],
                [2, "Xã Kỳ Thọ", 991],
                [None, "Cộng", 1944],
            ]
        }
    )
    got = values(report)
    assert got[(KY_TAN, "collected")] == 2384 and got[(KY_THO, "collected")] == 2479
    assert got[(KY_TAN, "returned")] == 953 and got[(KY_THO, "returned")] == 991
    assert got[(KY_TAN, "eligible")] == 9000
    assert not report.warnings, [p.describe(report.file_name) for p in report.warnings]
    assert "2 bảng nối tiếp nhau" in report.layout and "dòng 6, 12)" in report.layout


def test_days_stacked_on_one_sheet_are_each_dated_by_their_own_date_line():
    report = imported(
        {"BC": [*LETTERHEAD, *day_table("15/3/2021", 2326, 2447), *day_table("16/3/2021", 2384, 2479)]}
    )
    got = by_day(report)
    assert got[(KY_TAN, "2021-03-15")] == 2326 and got[(KY_TAN, "2021-03-16")] == 2384
    assert got[(KY_THO, "2021-03-15")] == 2447 and got[(KY_THO, "2021-03-16")] == 2479
    assert not report.errors and not report.warnings
    assert "dòng ngày số liệu của từng bảng (2 ngày, 15/3/2021 – 16/3/2021)" in report.layout


def test_three_days_each_a_table():
    report = imported(
        {
            "BC": [
                *LETTERHEAD,
                *day_table("14/3/2021", 2280, 2400),
                *day_table("15/3/2021", 2326, 2447),
                *day_table("16/3/2021", 2384, 2479),
            ]
        }
    )
    got = by_day(report)
    assert [got[(KY_TAN, d)] for d in ("2021-03-14", "2021-03-15", "2021-03-16")] == [2280, 2326, 2384]


def test_a_date_the_user_gives_does_not_date_every_table_alike():
    data = workbook_bytes(
        {"BC": [*LETTERHEAD, *day_table("15/3/2021", 2326, 2447), *day_table("16/3/2021", 2384, 2479)]}
    )
    report = ingest.import_bytes(None, data, "bao_cao.xlsx", report_date=date(2021, 3, 16))
    assert report.status == "checked", report.message
    assert set(by_day(report)) >= {(KY_TAN, "2021-03-15"), (KY_TAN, "2021-03-16")}


@pytest.mark.parametrize("blank_between", [False, True])
def test_a_header_repeated_inside_one_table_starts_no_new_table(blank_between):
    """A copy of the header on each printed page: the same table goes on, and its one total
    row sums all its communes."""
    report = imported(
        {
            "BC": [
                *LETTERHEAD,
                ["Số liệu tính đến 17h00 ngày 16/3/2021"],
                ["STT", "Đơn vị", "Số CD đủ ĐK", "Lũy kế thu nhận"],
                [1, "Xã Kỳ Tân", 9000, 2384],
                *([[]] if blank_between else []),
                ["STT", "Đơn vị", "Số CD đủ ĐK", "Lũy kế thu nhận"],
                [2, "Xã Kỳ Thọ", 8000, 2479],
                [None, "Tổng cộng", 17000, 4863],
            ]
        }
    )
    got = values(report)
    assert got[(KY_TAN, "collected")] == 2384 and got[(KY_THO, "collected")] == 2479
    assert not report.warnings and not report.stacked_tables


def test_a_row_of_the_second_table_is_named_by_its_row_in_the_file():
    report_rows = [
        *LETTERHEAD,
        *day_table("15/3/2021", 2326, 2447),
        ["Số liệu tính đến 17h00 ngày 16/3/2021"],
        ["STT", "Đơn vị", "Số CD đủ ĐK", "Lũy kế thu nhận"],
        [1, "Xã Kỳ Tân", 9000, "2.38x"],
    ]
    report = read_as_sent(report_rows)
    assert report.status == "refused"
    error = report.errors[0]
    assert (error.sheet, error.row, error.column) == ("BC", len(report_rows), "D")


def test_district_tables_of_one_day_stay_one_table_under_their_headings():
    """Each district's heading and header over its communes, one grand total at the end: one
    table in parts, each commune in its district, the total checked against all."""
    report = imported(
        {
            "BC": [
                ["CÔNG AN TỈNH NGHỆ AN"],
                ["Số liệu tính đến 17h00 ngày 20/5/2023"],
                ["HUYỆN QUẾ PHONG"],
                ["STT", "Xã/thị trấn", "Số CD đủ ĐK", "Lũy kế"],
                [1, "Thị trấn Kim Sơn", 8114, 2607],
                [2, "Xã Thông Thụ", 8273, 2687],
                [],
                ["HUYỆN TƯƠNG DƯƠNG"],
                ["STT", "Xã/thị trấn", "Số CD đủ ĐK", "Lũy kế"],
                [1, "Thị trấn Thạch Giám", 3428, 3197],
                [2, "Xã Mai Sơn", 3587, 3324],
                [None, "TỔNG CỘNG", 23402, 11815],
            ]
        }
    )
    keys = set(report.observations["unit_key"])
    for district, commune in [
        ("Huyện Quế Phong", "Thị trấn Kim Sơn"),
        ("Huyện Tương Dương", "Thị trấn Thạch Giám"),
        ("Huyện Tương Dương", "Xã Mai Sơn"),
    ]:
        assert registry.resolve("Tỉnh Nghệ An", district, commune).key in keys
    assert not report.warnings, [p.describe(report.file_name) for p in report.warnings]
    assert not report.stacked_tables


def test_sheets_each_dated_by_their_own_line_say_both_days():
    """Two sheets not named after days, each under its own date line: each sheet's rows take
    its date, and the report says both days (it said the first sheet's only)."""
    report = imported(
        {
            "Sáng": [*LETTERHEAD, *day_table("15/3/2021", 2326, 2447)],
            "Chiều": [*LETTERHEAD, *day_table("16/3/2021", 2384, 2479)],
        }
    )
    assert set(by_day(report)) >= {(KY_TAN, "2021-03-15"), (KY_TAN, "2021-03-16")}
    assert str(report.report_date) == "2021-03-16"
    assert "(2 ngày, 15/3/2021 – 16/3/2021)" in report.layout


def test_a_commune_in_two_tables_of_one_date_is_told_each_table_may_need_its_date_line():
    report = read_as_sent(
        [
            *LETTERHEAD,
            ["Số liệu tính đến 17h00 ngày 16/3/2021"],
            ["STT", "Đơn vị", "Số CD đủ ĐK", "Lũy kế thu nhận"],
            [1, "Xã Kỳ Tân", 9000, 2326],
            [],
            ["Bảng tiếp theo"],
            ["STT", "Đơn vị", "Số CD đủ ĐK", "Lũy kế thu nhận"],
            [1, "Xã Kỳ Tân", 9000, 2384],
        ]
    )
    (error,) = report.errors
    assert error.code == "conflicting_values" and error.row == 9
    assert "hai bảng khác nhau của cùng trang (bảng sau bắt đầu ở dòng 8)" in error.message


def test_a_commune_in_two_parts_of_one_table_under_headings_is_told_why():
    report = read_as_sent(
        [
            *LETTERHEAD,
            ["Số liệu tính đến ngày 30/4/2021"],
            ["STT", "Đơn vị", "Thu nhận trong tháng", "Lũy kế đến cuối tháng"],
            [None, "THÁNG 3/2021"],
            [1, "Xã Kỳ Tân", 804, 2456],
            [None, "THÁNG 4/2021"],
            [1, "Xã Kỳ Tân", 778, 3234],
        ]
    )
    assert {e.code for e in report.errors} == {"conflicting_values"}
    assert "Giữa hai dòng có dòng «THÁNG 4/2021» (dòng 7)" in report.errors[0].message


# -- tables side by side ------------------------------------------------------------------


def _xlsx(rows: list[list]) -> bytes:
    return workbook_bytes({"BC": rows})


def _named(report, metric: str) -> dict[str, int]:
    reg = registry.load_registry()
    obs = report.observations[report.observations["metric"] == metric]
    return {reg.at[k, "name"]: int(v) for k, v in zip(obs["unit_key"], obs["value"])}


def _beside(right_head: str, right: list[tuple[str, int]], left_heading="", right_heading="") -> list[list]:
    rows = [
        ["CÔNG AN HUYỆN KỲ ANH"],
        ["BÁO CÁO THU NHẬN HỒ SƠ CCCD"],
        ["Số liệu tính đến 17h00 ngày 18/3/2021"],
    ]
    if left_heading or right_heading:
        rows.append([left_heading, None, None, None, right_heading])
    rows.append(["STT", "Xã", "Lũy kế thu nhận", None, "STT", "Xã", right_head])
    left = [("Xã Kỳ Xuân", 2124), ("Xã Kỳ Bắc", 1755), ("Xã Kỳ Phú", 1900)]
    for i in range(max(len(left), len(right))):
        a = [i + 1, *left[i]] if i < len(left) else [None, None, None]
        b = [i + 1, *right[i]] if i < len(right) else [None, None, None]
        rows.append([*a, None, *b])
    return rows


def test_cards_handed_over_beside_the_collected_table_are_matched_by_their_own_names():
    # The right table lists its communes in another order: paired by row, each commune got
    # another's cards.
    right = [("Xã Kỳ Phú", 1054), ("Xã Kỳ Xuân", 849), ("Xã Kỳ Bắc", 700)]
    report = ingest.import_bytes(
        None, _xlsx(_beside("Số thẻ đã trả", right, "I. THU NHẬN HỒ SƠ", "II. TRẢ THẺ CCCD")), "bc.xlsx"
    )
    assert report.status == "checked", report.message
    got = _named(report, "returned")
    assert got == {"Xã Kỳ Phú": 1054, "Xã Kỳ Xuân": 849, "Xã Kỳ Bắc": 700}
    assert (
        "3 bảng" not in report.layout
        and "2 bảng cạnh nhau, đọc từng bảng (bắt đầu ở cột A, E)" in report.layout
    )


def test_two_tables_of_communes_side_by_side_are_both_read():
    right = [("Xã Kỳ Tân", 2396), ("Xã Kỳ Thọ", 1512)]
    report = ingest.import_bytes(None, _xlsx(_beside("Lũy kế thu nhận", right)), "bc.xlsx")
    assert report.status == "checked", report.message
    assert _named(report, "collected") == {
        "Xã Kỳ Xuân": 2124,
        "Xã Kỳ Bắc": 1755,
        "Xã Kỳ Phú": 1900,
        "Xã Kỳ Tân": 2396,
        "Xã Kỳ Thọ": 1512,
    }
