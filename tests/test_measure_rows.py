"""Two rows per commune, a column saying which figure each gives ("Nội dung": "Thu nhận hồ
sơ", then "Trả thẻ"), the commune's name merged over both.  The second row was read as a
unit named «» whose figures conflicted with each other, and the file refused with that
name."""

from __future__ import annotations

from tests.test_report_shapes_round7 import KY_TAN, KY_THO, TOP, imported, values


def test_each_row_gives_the_figure_its_label_names_for_the_commune_above():
    report = imported(
        {
            "BC": [
                *TOP,
                ["STT", "Đơn vị", "Số CD đủ ĐK", "Nội dung", "Trong ngày", "Lũy kế"],
                [1, "Xã Kỳ Tân", 9000, "Thu nhận hồ sơ", 58, 2384],
                [None, None, None, "Trả thẻ", 3, 953],
                [2, "Xã Kỳ Thọ", 8000, "Thu nhận hồ sơ", 32, 2479],
                [None, None, None, "Trả thẻ", 4, 991],
                [None, "Tổng cộng", 17000, "Thu nhận hồ sơ", 90, 4863],
                [None, None, None, "Trả thẻ", 7, 1944],
            ]
        }
    )
    got = values(report)
    assert got[(KY_TAN, "collected")] == 2384 and got[(KY_TAN, "collected_day")] == 58
    assert got[(KY_TAN, "returned")] == 953 and got[(KY_THO, "returned")] == 991
    assert got[(KY_THO, "returned_day")] == 4 and got[(KY_THO, "eligible")] == 8000
    assert set(report.observations["unit_key"]) == {KY_TAN, KY_THO}
    assert not report.warnings, [p.describe(report.file_name) for p in report.warnings]


def test_a_wrong_total_of_cards_is_named_in_its_own_row_and_column():
    report = imported(
        {
            "BC": [
                *TOP,
                ["STT", "Đơn vị", "Nội dung", "Lũy kế"],
                [1, "Xã Kỳ Tân", "Thu nhận hồ sơ", 2384],
                [None, None, "Trả thẻ", 953],
                [2, "Xã Kỳ Thọ", "Thu nhận hồ sơ", 2479],
                [None, None, "Trả thẻ", 991],
                [None, "Tổng cộng", "Thu nhận hồ sơ", 4863],
                [None, None, "Trả thẻ", 2000],
            ]
        }
    )
    (warning,) = report.warnings
    assert (warning.code, warning.row, warning.column) == ("subtotal_mismatch", 10, "D")
    assert "1.944" in warning.message


def test_a_row_of_another_figure_is_left_out_and_a_notes_column_names_no_figure():
    report = imported(
        {
            "BC": [
                *TOP,
                ["STT", "Đơn vị", "Nội dung", "Lũy kế", "Ghi chú"],
                [1, "Xã Kỳ Tân", "Thu nhận hồ sơ", 2384, None],
                [None, None, "Trả thẻ", 953, "Trả thẻ"],
                [None, None, "Kích hoạt VNeID", 400, None],
                [2, "Xã Kỳ Thọ", "Thu nhận hồ sơ", 2479, "Thu nhận lưu động"],
                [None, None, "Trả thẻ", 991, None],
                [None, None, "Kích hoạt VNeID", 500, None],
            ]
        }
    )
    got = values(report)
    assert got[(KY_TAN, "returned")] == 953 and got[(KY_THO, "collected")] == 2479
    assert set(report.observations["unit_key"]) == {KY_TAN, KY_THO}
    assert 400 not in got.values() and 500 not in got.values()


def test_a_notes_column_that_says_tra_the_once_changes_no_figure():
    got = values(
        imported(
            {
                "BC": [
                    *TOP,
                    ["STT", "Đơn vị", "Lũy kế thu nhận", "Ghi chú"],
                    [1, "Xã Kỳ Tân", 2384, "Trả thẻ tại nhà cho người già"],
                    [2, "Xã Kỳ Thọ", 2479, "Thu nhận lưu động"],
                    [3, "Xã Kỳ Tân", 2384, "Trả thẻ"],
                ]
            }
        )
    )
    assert got[(KY_TAN, "collected")] == 2384 and got[(KY_THO, "collected")] == 2479
