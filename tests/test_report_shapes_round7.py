"""Shapes found by the seventh round of outside probing, each once read wrong in silence: a
column that names the figure without being it — a plan under a merged "Thu nhận hồ sơ", the
machines or staff that did the collecting, a week's count, the men of a split, the whole
population — taken instead of the running total or the citizens of 14 and over."""

from __future__ import annotations

import io

import openpyxl
import pytest

from cccd_analytics import ingest, registry
from cccd_analytics.ingest import headers

KY_TAN = registry.resolve("Tỉnh Hà Tĩnh", "Huyện Kỳ Anh", "Xã Kỳ Tân").key
KY_THO = registry.resolve("Tỉnh Hà Tĩnh", "Huyện Kỳ Anh", "Xã Kỳ Thọ").key
TOP = [["CÔNG AN HUYỆN KỲ ANH"], ["BÁO CÁO THU NHẬN HỒ SƠ CCCD"], ["Số liệu tính đến 17h00 ngày 16/3/2021"]]


def workbook_bytes(sheets: dict[str, list[list]]) -> bytes:
    """An .xlsx of these sheets (name → rows)."""
    book = openpyxl.Workbook()
    for i, (title, rows) in enumerate(sheets.items()):
        sheet = book.active if i == 0 else book.create_sheet()
        sheet.title = title
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def imported(sheets: dict[str, list[list]], name: str = "bao_cao.xlsx"):
    """A workbook of these sheets (name → rows) read as the importer reads an upload."""
    report = ingest.import_bytes(None, workbook_bytes(sheets), name)
    assert report.status == "checked", report.message
    return report


def values(report, by: str = "metric", metric: str | None = None) -> dict:
    """(unit, metric or day) → value; `metric`: of that metric only."""
    obs = report.observations
    if metric is not None:
        obs = obs[obs["metric"] == metric]
    return {
        (k, b if by == "metric" else str(b)[:10]): v
        for k, b, v in zip(obs["unit_key"], obs[by], obs["value"])
    }


def read(*rows: list) -> dict:
    return values(imported({"BC": [*TOP, *rows]}))


def test_the_figure_under_a_merged_parent_is_its_done_column_not_its_plan():
    got = read(
        ["STT", "Đơn vị", "Thu nhận hồ sơ", None, None, "Trả thẻ", None, None],
        [None, None, "Kế hoạch", "Thực hiện", "Tỷ lệ %", "Kế hoạch", "Thực hiện", "Tỷ lệ %"],
        [1, "Xã Kỳ Tân", 5000, 1000, 0.2, 900, 300, 0.33],
        [2, "Xã Kỳ Thọ", 6000, 2000, 0.33, 1900, 600, 0.32],
    )
    assert got[(KY_TAN, "collected")] == 1000 and got[(KY_THO, "returned")] == 600


@pytest.mark.parametrize(
    "header",
    [
        "Số máy thu nhận",
        "Số cán bộ tham gia thu nhận",
        "Số tổ thu nhận lưu động",
        "Số ngày thu nhận",
        "Số buổi thu nhận",
        "Số đợt thu nhận lưu động",
        "Số máy trạm thu nhận",
        "Số bộ thiết bị thu nhận",
        "Số thôn, xóm đã thu nhận",
        "Số trường học đã thu nhận",
        "Số ca thu nhận",
    ],
)
def test_what_the_collecting_took_is_no_count_of_applications(header):
    assert headers.match(header) is None
    got = read(
        ["STT", "Đơn vị", header, "Lũy kế thu nhận", "Đã trả thẻ"],
        [1, "Xã Kỳ Tân", 5, 1000, 300],
        [2, "Xã Kỳ Thọ", 6, 2000, 600],
    )
    assert got[(KY_TAN, "collected")] == 1000 and got[(KY_THO, "returned")] == 600


@pytest.mark.parametrize("header", ["Số hồ sơ đã duyệt", "Số hồ sơ thu nhận trong tuần"])
def test_the_running_total_is_the_collected_column_when_another_names_applications(header):
    got = read(
        ["STT", "Đơn vị", header, "Lũy kế thu nhận"], [1, "Xã Kỳ Tân", 5, 1000], [2, "Xã Kỳ Thọ", 6, 2000]
    )
    assert got[(KY_TAN, "collected")] == 1000 and got[(KY_THO, "collected")] == 2000


def test_weekly_columns_under_a_merged_parent_leave_the_running_total_as_collected():
    got = read(
        ["STT", "Đơn vị", "Số hồ sơ thu nhận theo tuần", None, "Lũy kế"],
        [None, None, "Tuần 1 (08/3-14/3)", "Tuần 2 (15/3-21/3)", None],
        [1, "Xã Kỳ Tân", 100, 120, 1000],
        [2, "Xã Kỳ Thọ", 200, 220, 2000],
    )
    assert got[(KY_TAN, "collected")] == 1000 and got[(KY_THO, "collected")] == 2000


def test_a_split_by_sex_gives_its_total_as_the_figure():
    got = read(
        ["STT", "Đơn vị", "Lũy kế thu nhận", None, None],
        [None, None, "Nam", "Nữ", "Cộng"],
        [1, "Xã Kỳ Tân", 510, 490, 1000],
        [2, "Xã Kỳ Thọ", 1020, 980, 2000],
    )
    assert got[(KY_TAN, "collected")] == 1000 and got[(KY_THO, "collected")] == 2000


def test_the_eligible_are_the_citizens_of_14_and_over_not_the_whole_population():
    got = read(
        ["STT", "Đơn vị", "Tổng số nhân khẩu", "Số công dân từ 14 tuổi trở lên", "Lũy kế thu nhận"],
        [1, "Xã Kỳ Tân", 6500, 5000, 1000],
        [2, "Xã Kỳ Thọ", 7800, 6000, 2000],
    )
    assert got[(KY_TAN, "eligible")] == 5000 and got[(KY_THO, "eligible")] == 6000
    # Alone, the population is no eligible figure either.
    alone = read(["STT", "Đơn vị", "Tổng số nhân khẩu", "Lũy kế thu nhận"], [1, "Xã Kỳ Tân", 6500, 1000])
    assert (KY_TAN, "eligible") not in alone


def test_applications_to_take_again_are_not_the_eligible():
    got = read(
        ["STT", "Đơn vị", "Số hồ sơ lỗi phải thu nhận lại", "Lũy kế thu nhận"],
        [1, "Xã Kỳ Tân", 3, 1000],
        [2, "Xã Kỳ Thọ", 4, 2000],
    )
    assert (KY_TAN, "eligible") not in got and got[(KY_THO, "collected")] == 2000


def test_a_workbook_sheet_of_cards_handed_over_is_read_beside_the_collected_sheet():
    got = values(
        imported(
            {
                "Thu nhận": [
                    *TOP,
                    ["STT", "Đơn vị", "Lũy kế thu nhận"],
                    [1, "Xã Kỳ Tân", 1000],
                    [2, "Xã Kỳ Thọ", 2000],
                ],
                "Trả thẻ": [
                    *TOP,
                    ["STT", "Đơn vị", "Số thẻ đã trả"],
                    [1, "Xã Kỳ Tân", 300],
                    [2, "Xã Kỳ Thọ", 600],
                ],
            }
        )
    )
    assert got[(KY_TAN, "collected")] == 1000 and got[(KY_THO, "returned")] == 600


def test_a_day_written_once_over_its_communes_is_filled_down():
    rows = [["CÔNG AN HUYỆN KỲ ANH"], ["Ngày", "Xã", "Lũy kế thu nhận"], ["15/03/2021", "Xã Kỳ Tân", 1000]]
    rows += [[None, "Xã Kỳ Thọ", 2000], ["16/03/2021", "Xã Kỳ Tân", 1010], [None, "Xã Kỳ Thọ", 2020]]
    report = imported({"TH": rows}, "theo_ngay.xlsx")
    got = values(report, by="date")
    assert got[(KY_THO, "2021-03-15")] == 2000 and got[(KY_THO, "2021-03-16")] == 2020
    assert "ngày ghi một lần cho nhiều xã: đã điền xuống cho 2 dòng" in report.layout


def test_a_weeks_report_with_weekday_columns_gives_each_day_its_figure():
    report = imported(
        {
            "BC": [
                ["CÔNG AN HUYỆN KỲ ANH"],
                ["BÁO CÁO TUẦN TỪ 15/3 ĐẾN 21/3/2021"],
                ["STT", "Đơn vị", "Số hồ sơ thu nhận trong ngày", *[None] * 6, "Lũy kế"],
                [None, None, "Thứ 2", "Thứ 3", "Thứ 4", "Thứ 5", "Thứ 6", "Thứ 7", "Chủ nhật", None],
                [1, "Xã Kỳ Tân", 11, 12, 13, 14, 15, 16, 17, 1000],
                [2, "Xã Kỳ Thọ", 21, 22, 23, 24, 25, 26, 27, 2000],
            ]
        },
        "bao_cao_tuan.xlsx",
    )
    daily = values(report, by="date", metric="collected_day")
    # Thứ 2 is Monday 15/3, Chủ nhật Sunday 21/3 (the title's last day).
    assert daily[(KY_TAN, "2021-03-15")] == 11 and daily[(KY_THO, "2021-03-21")] == 27
    assert len(daily) == 14


def test_hamlet_rows_under_a_commune_are_its_detail_not_units():
    got = read(
        ["STT", "Địa bàn", "Lũy kế thu nhận"],
        [1, "Xã Kỳ Tân", 1000],
        [None, "- Thôn Tân Thành", 600],
        [None, "- Thôn Hải Hà", 400],
        [2, "Xã Kỳ Thọ", 2000],
        [None, "Xóm 3", 2000],
    )
    assert got == {(KY_TAN, "collected"): 1000, (KY_THO, "collected"): 2000}


def _coded_export(legend: list[list]) -> list[list]:
    rows = [["STT", "Họ và tên", "Xã/Phường thường trú", "Ngày tiếp nhận", "Trạng thái"]]
    rows += [[i, f"Người {i}", "Xã Kỳ Thọ", "15/03/2021", code] for i, code in enumerate([1, 1, 2, 3, 3, 3])]
    return rows + [[], *legend]


def test_an_export_whose_statuses_are_codes_is_read_by_the_legend_under_it():
    rows = _coded_export([["Ghi chú: 1 - Đã tiếp nhận; 2 - Đã trả thẻ; 3 - Hủy hồ sơ"]])
    report = imported({"DS": rows}, "xuat.xlsx")
    # The three cancelled are not taken in; the one handed over is returned.
    got = values(report)
    assert (got[(KY_THO, "collected")], got[(KY_THO, "returned")]) == (3, 1)
    assert not [p for p in report.warnings if p.code == "no_returned_status"]
    (void,) = [p for p in report.warnings if p.code == "record_void"]
    assert "3 hồ sơ" in void.message and "«Hủy hồ sơ»" in void.message
    assert (
        "trạng thái ghi bằng mã, đọc theo chú thích ở dòng 9 (1 – Đã tiếp nhận, 2 – Đã trả thẻ, 3 – Hủy hồ sơ)"
        in (report.layout)
    )


def test_a_legend_of_a_line_per_code_above_the_table_is_read_too():
    rows = _coded_export([])
    rows[:0] = [["Mã trạng thái:"], ["1: Đã tiếp nhận"], ["2: Đã trả thẻ"], ["3: Hủy"]]
    report = imported({"DS": rows}, "xuat.xlsx")
    assert values(report)[(KY_THO, "collected")] == 3 and values(report)[(KY_THO, "returned")] == 1


def test_an_export_whose_statuses_are_codes_without_their_legend_says_what_it_could_not_tell():
    # Another column's legend is none of the statuses'.
    for legend in ([], [["Giới tính: 1 - Nam; 2 - Nữ"]]):
        report = imported({"DS": _coded_export(legend)}, "xuat.xlsx")
        note = next(p for p in report.warnings if p.code == "no_returned_status")
        assert "chỉ ghi mã số (1, 2, 3)" in note.message and "kể cả hồ sơ đã hủy" in note.message
        assert "chú thích" in note.message


def test_a_district_report_that_leaves_out_communes_names_them():
    # Three communes of Huyện Kỳ Anh's 20: the others would show as not reported that day.
    rows = [["STT", "Xã", "Lũy kế thu nhận"], [1, "Xã Kỳ Tân", 100], [2, "Xã Kỳ Thọ", 200]]
    report = imported({"BC": [*TOP, *rows, [3, "Xã Kỳ Đồng", 300]]})
    (note,) = [p for p in report.warnings if p.code == "missing_communes"]
    assert note.message.startswith("tệp có 3/20 xã, phường của Huyện Kỳ Anh; không có Xã Kỳ Bắc, ")
    assert "và 12 xã, phường khác" in note.message and "chưa báo cáo ngày 16/3/2021" in note.message
    # Two communes are no district's report: nothing said.
    assert not [p for p in imported({"BC": [*TOP, *rows]}).warnings if p.code == "missing_communes"]


def test_month_columns_written_t3_t4_t5_are_no_weekdays():
    # "T5" is May in a month's column; read as Thursday it would date the figures in a week.
    report = imported(
        {
            "BC": [
                ["CÔNG AN HUYỆN KỲ ANH"],
                ["Số liệu tính đến 17h00 ngày 16/5/2021"],
                ["STT", "Đơn vị", "T3", "T4", "T5", "Lũy kế thu nhận"],
                [1, "Xã Kỳ Tân", 300, 400, 300, 1000],
                [2, "Xã Kỳ Thọ", 600, 800, 600, 2000],
            ]
        }
    )
    days = {str(d)[:10] for d in report.observations["date"]}
    assert "2021-05-13" not in days and "2021-05-11" not in days
