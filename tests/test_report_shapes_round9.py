"""Shapes found by the ninth round of outside probing: rows that were read as units though
they are none (a row of figures without a name, a school under its commune, villages listed
before the commune that sums them), a date line written as a sheet's "Cập nhật", and a name
column headed two ways at once."""

from __future__ import annotations

import pytest

from cccd_analytics import ingest, registry
from cccd_analytics.ingest import headers, normalise
from tests.test_report_shapes_round7 import KY_TAN, KY_THO, TOP, imported, values, workbook_bytes

KY_XUAN = registry.resolve("Tỉnh Hà Tĩnh", "Huyện Kỳ Anh", "Xã Kỳ Xuân").key
HEADER = ["STT", "Đơn vị", "Trong ngày", "Lũy kế thu nhận"]


def test_a_row_of_figures_without_a_name_among_the_communes_is_refused_at_its_cell():
    rows = [*TOP, HEADER, [1, "Xã Kỳ Tân", 20, 2384], [2, None, 25, 1841], [3, "Xã Kỳ Thọ", 30, 2479]]
    report = ingest.import_bytes(None, workbook_bytes({"BC": rows}), "bao_cao.xlsx")
    assert report.status == "refused"
    (error,) = report.errors
    assert (error.code, error.sheet, error.row, error.column) == ("unnamed_row", "BC", 6, "B")
    obs = report.observations
    assert obs is None or not obs["unit_key"].str.startswith("x:").any()


def test_figures_without_a_name_after_the_last_commune_are_the_tables_total():
    report = imported(
        {"BC": [*TOP, HEADER, [1, "Xã Kỳ Tân", 20, 2384], [2, "Xã Kỳ Thọ", 30, 2479], [None, None, 50, 4863]]}
    )
    assert set(report.observations["unit_key"]) == {KY_TAN, KY_THO}
    assert not report.warnings
    wrong = imported(
        {"BC": [*TOP, HEADER, [1, "Xã Kỳ Tân", 20, 2384], [2, "Xã Kỳ Thọ", 30, 2479], [None, None, 50, 5000]]}
    )
    (warning,) = wrong.warnings
    assert (warning.code, warning.row) == ("subtotal_mismatch", 7)


def test_schools_under_their_commune_are_its_detail_not_units():
    report = imported(
        {
            "BC": [
                *TOP,
                HEADER,
                [1, "Xã Kỳ Tân", 20, 2384],
                [None, "+ Trường THPT Kỳ Lâm", 12, 150],
                [None, "- Trường Tiểu học Kỳ Tân", 5, 90],
                [2, "Xã Kỳ Thọ", 30, 2479],
                [None, "Trường THCS Kỳ Thọ", 7, 150],
            ]
        }
    )
    assert set(report.observations["unit_key"]) == {KY_TAN, KY_THO}
    assert len(report.hamlet_rows) == 3 and not report.warnings


def test_villages_first_then_the_commune_that_sums_them():
    got = values(
        imported(
            {
                "BC": [
                    *TOP,
                    HEADER,
                    [1, "Thôn Tân Hà", 5, 515],
                    [2, "Thôn Hải Hà", 4, 412],
                    [None, "Cộng xã Kỳ Xuân", 9, 927],
                    [1, "Thôn Tân Hà", 5, 427],
                    [2, "Thôn Đông Sơn", 5, 371],
                    [None, "Cộng xã Kỳ Tân", 10, 798],
                    [None, "Tổng cộng", 19, 1725],
                ]
            }
        )
    )
    assert {k for k, _ in got} == {KY_XUAN, KY_TAN}
    assert got[(KY_XUAN, "collected")] == 927 and got[(KY_TAN, "collected_day")] == 10


@pytest.mark.parametrize("line", ["Cập nhật: 16/03/2021", "Thời điểm: 16/03/2021 17:00"])
def test_a_sheets_update_stamp_dates_the_report(line):
    assert normalise.find_report_date(line).isoformat() == "2021-03-16"
    report = imported({"BC": [["CÔNG AN HUYỆN KỲ ANH"], [line], HEADER, [1, "Xã Kỳ Tân", 20, 2384]]})
    assert str(report.report_date) == "2021-03-16"


@pytest.mark.parametrize(
    ("header", "field"), [("Đơn vị / Điểm thu nhận", "commune"), ("Huyện/Thị xã", "district")]
)
def test_a_place_column_named_two_ways_at_once(header, field):
    assert headers.match(header) == field


def test_two_figures_named_at_once_are_still_not_a_place():
    assert headers.match("Số CD / Dân số") is None


def test_units_named_by_their_code_alone():
    tan, tho = (registry.load_registry().at[k, "code"] for k in (KY_TAN, KY_THO))
    got = values(
        imported(
            {"BC": [*TOP, ["STT", "Mã xã", "Lũy kế thu nhận"], [1, int(tan), 2384], [2, str(tho), 2479]]}
        )
    )
    assert got == {(KY_TAN, "collected"): 2384, (KY_THO, "collected"): 2479}


def clusters(first_sum: int, grand_total: bool = True) -> list[list]:
    return [
        *TOP,
        HEADER,
        [1, "Xã Kỳ Tân", 20, 2384],
        [2, "Xã Kỳ Thọ", 30, 2479],
        [None, "Cộng cụm 1", 50, first_sum],
        [3, "Xã Kỳ Xuân", 10, 1000],
        [None, "Cộng cụm 2", 10, 1000],
        *([[None, "Tổng cộng", 60, 5863]] if grand_total else []),
    ]


def test_cluster_sums_are_each_checked_against_their_own_communes():
    report = imported({"BC": clusters(4863)})
    assert not [p for p in report.warnings if p.code == "subtotal_mismatch"]
    assert len(report.totals) >= 3


def test_a_wrong_cluster_sum_is_named_against_its_own_communes():
    report = imported({"BC": clusters(4800, grand_total=False)})
    (wrong,) = [p for p in report.warnings if p.code == "subtotal_mismatch"]
    assert wrong.row == 7 and "tổng 2 xã/phường là 4.863" in wrong.message


def test_a_day_and_month_without_a_year_is_pointed_at_when_the_date_is_asked_for():
    rows = [
        ["CÔNG AN HUYỆN KỲ ANH"],
        ["BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD NGÀY 16/3"],
        HEADER,
        [1, "Xã Kỳ Tân", 20, 2384],
    ]
    report = ingest.import_bytes(None, workbook_bytes({"BC": rows}), "bao_cao.xlsx")
    (error,) = report.errors
    assert (error.code, error.row) == ("no_date", 2)
    assert (
        "«BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD NGÀY 16/3» ghi ngày và tháng nhưng không ghi năm"
        in error.message
    )


def _two_days(gain_thos: int = 12) -> list[list]:
    return [
        ["CÔNG AN HUYỆN KỲ ANH"],
        ["BÁO CÁO THU NHẬN HỒ SƠ CCCD"],
        ["STT", "Đơn vị", "Lũy kế đến 15/3/2021", "Lũy kế đến 16/3/2021", "Tăng trong ngày", "Đã trả thẻ"],
        [1, "Xã Kỳ Tân", 2363, 2396, 33, 958],
        [2, "Xã Kỳ Thọ", 1500, 1512, gain_thos, 600],
    ]


def test_the_days_gain_beside_two_dated_running_totals_is_that_days_figure():
    report = imported({"BC": _two_days()})
    assert values(report, by="date", metric="collected_day") == {
        (KY_TAN, "2021-03-16"): 33,
        (KY_THO, "2021-03-16"): 12,
    }
    assert values(report, by="date", metric="collected")[(KY_TAN, "2021-03-16")] == 2396
    assert values(report, by="date", metric="returned") == {
        (KY_TAN, "2021-03-16"): 958,
        (KY_THO, "2021-03-16"): 600,
    }
    assert "thu nhận trong ngày 16/3/2021 theo cột E «Tăng trong ngày»" in report.layout


def test_a_days_gain_that_is_not_the_difference_of_the_running_totals_is_said_at_its_cell():
    report = imported({"BC": _two_days(gain_thos=20)})
    said = [p for p in report.problems if p.row == 5 and p.column == "E"]
    assert said, [(p.code, p.row, p.column, p.message) for p in report.problems]
