"""What the importer says about files it cannot read, found by the eleventh and twelfth
outside probes (6/12/2026): each message must tell the user what to fix."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from cccd_analytics import ingest
from tests.test_report_shapes_round7 import KY_TAN, KY_THO, TOP, imported, values, workbook_bytes

ROWS = [[1, "Xã Kỳ Xuân", 26, 2150], [2, "Xã Kỳ Bắc", 25, 1780], [3, "Xã Kỳ Phú", 41, 2678]]


def test_a_table_whose_header_row_was_deleted_is_told_so_at_its_first_row():
    # The message listed the letterhead ("CÔNG AN HUYỆN KỲ ANH") as the columns it found.
    report = ingest.import_bytes(None, workbook_bytes({"BC": [*TOP, [], *ROWS]}), "bc.xlsx")
    assert report.status == "refused"
    (problem,) = report.errors
    assert (problem.code, problem.row) == ("no_table", len(TOP) + 2)
    assert "không có dòng tiêu đề cột" in problem.message and "«Xã Kỳ Xuân»" in problem.message
    assert "CÔNG AN HUYỆN" not in problem.message


def test_rows_of_figures_without_any_commune_name_still_get_the_general_message():
    rows = [*TOP, [], [1, "Tổ 1", 26, 2150], [2, "Tổ 2", 25, 1780], [3, "Tổ 3", 41, 2678]]
    report = ingest.import_bytes(None, workbook_bytes({"BC": rows}), "bc.xlsx")
    (problem,) = report.errors
    assert problem.code == "no_table" and "không có dòng tiêu đề cột" not in problem.message


def test_a_code_that_is_another_communes_is_warned_about_and_the_name_decides():
    # "18760" is Kỳ Bắc's code, copied down onto Kỳ Phú's row; "18763 - Kỳ Phong" carries
    # Kỳ Phú's code before Kỳ Phong's name.  Placed by the name, as before, but told.
    rows = [
        *TOP,
        ["STT", "Mã xã", "Xã", "Lũy kế thu nhận"],
        [1, "18760", "Xã Kỳ Bắc", 100],
        [2, "18760", "Xã Kỳ Phú", 200],
        [3, None, "18763 - Kỳ Phong", 50],
    ]
    report = ingest.import_bytes(None, workbook_bytes({"BC": rows}), "bc.xlsx")
    assert report.status == "checked", report.message
    got = dict(zip(report.observations["unit_key"], report.observations["value"]))
    assert got == {"18760": 100, "18763": 200, "18766": 50}
    said = [(p.row, p.message) for p in report.problems if p.code == "code_mismatch"]
    assert [row for row, _ in said] == [len(TOP) + 3, len(TOP) + 4]
    assert "mã «18760» là mã của Xã Kỳ Bắc" in said[0][1] and "không phải của «Xã Kỳ Phú»" in said[0][1]
    assert "không phải của «Kỳ Phong»" in said[1][1] and "vào Xã Kỳ Phong" in said[1][1]


@pytest.mark.parametrize(
    "group", ["Kích hoạt tài khoản định danh điện tử (VNeID)", "Kích hoạt VNeID", "Định danh điện tử mức 2"]
)
def test_electronic_identity_activations_reported_first_are_never_read_as_the_cards(group):
    # "Kích hoạt VNeID | Trong ngày | Lũy kế" before "Thu nhận hồ sơ CCCD | Trong ngày | Lũy kế":
    # the activations' running total was stored as the applications collected.
    head = ["STT", "Xã", group, None, "Thu nhận hồ sơ CCCD", None]
    sub = [None, None, "Trong ngày", "Lũy kế", "Trong ngày", "Lũy kế"]
    rows = [*TOP, head, sub, [1, "Xã Kỳ Tân", 40, 1880, 33, 3116], [2, "Xã Kỳ Thọ", 20, 900, 12, 1512]]
    report = imported({"BC": rows})
    assert values(report, metric="collected") == {(KY_TAN, "collected"): 3116, (KY_THO, "collected"): 1512}
    assert values(report, metric="collected_day") == {
        (KY_TAN, "collected_day"): 33,
        (KY_THO, "collected_day"): 12,
    }


SIGNED = [
    ["CÔNG AN HUYỆN KỲ ANH", None, None, "Kỳ Anh, ngày 17 tháng 3 năm 2021"],
    ["BÁO CÁO THU NHẬN HỒ SƠ CCCD"],
]
TABLE = [
    ["STT", "Xã", "Lũy kế thu nhận"],
    [1, "Xã Kỳ Tân", 2396],
    [2, "Xã Kỳ Thọ", 1512],
    [None, "Tổng cộng", 3908],
]


@pytest.mark.parametrize(
    "note", ["Ghi chú: Số liệu tính đến 17h00 ngày 16/3/2021.", "(Số liệu tính đến 17h00 ngày 16/3/2021)"]
)
def test_a_line_under_the_table_dating_its_data_wins_over_the_signing_day_above(note):
    # Signed on the 17th, the figures of the 16th, said in a note under the total: every
    # figure was stored on the 17th without a word (and a note ending in a full stop was no date).
    report = imported({"BC": [*SIGNED, *TABLE, [note]]})
    assert set(report.observations["date"].astype(str)) == {"2021-03-16"}
    assert report.date_origin == "footer"


@pytest.mark.parametrize("column", [2, 3])
def test_a_signing_line_under_the_table_in_a_figure_column_ends_it_and_dates_it(column):
    # "Kỳ Anh, ngày 17 tháng 3 năm 2021" in the figures' column was read as a row of figures
    # and refused as an unreadable number.
    table = [row + [None] for row in TABLE]
    table[0][3] = "Đã trả thẻ"
    signing = [None] * 4
    signing[column] = "Kỳ Anh, ngày 16 tháng 3 năm 2021"
    report = imported({"BC": [["CÔNG AN HUYỆN KỲ ANH"], *table, signing, [None, "NGƯỜI LẬP BIỂU"]]})
    assert set(report.observations["date"].astype(str)) == {"2021-03-16"}


def test_a_list_of_mobile_teams_is_no_list_of_a_groups_people():
    # "Số cán bộ" beside "Số tổ" and "Số máy thu nhận" counts a team's officers: it was stored
    # as the population of the priority group "Cán bộ" of each commune.
    head = ["STT", "Xã", "Số tổ", "Số cán bộ", "Số máy thu nhận", "Tổ trưởng", "Số điện thoại"]
    rows = [
        ["CÔNG AN HUYỆN KỲ ANH"],
        ["DANH SÁCH TỔ THU NHẬN LƯU ĐỘNG"],
        ["(Kèm theo Kế hoạch số 45/KH-CAH ngày 10/3/2021)"],
        head,
        [1, "Xã Kỳ Tân", 1, 5, 2, "Nguyễn Văn A", "0912000001"],
        [2, "Xã Kỳ Thọ", 1, 4, 1, "Trần Văn B", "0912000002"],
        [3, "Xã Kỳ Hải", 1, 6, 2, "Lê Văn C", "0912000003"],
    ]
    report = ingest.import_bytes(None, workbook_bytes({"DS": rows}), "ds.xlsx")
    assert report.status == "refused"
    (problem,) = report.errors
    # Its header is there: the message lists it, and does not say it was deleted.
    assert problem.code == "no_table" and "«Số máy thu nhận»" in problem.message
    assert "không có dòng tiêu đề cột" not in problem.message


def test_lines_splitting_the_grand_total_again_are_no_units():
    # "TOÀN ĐƠN VỊ" then "Trong đó: - Thị trấn … - Các xã": "- Các xã" was stored as a unit
    # outside the registry, and the total checked against four "communes" summing to double.
    rows = [
        *TOP,
        ["STT", "Xã", "Lũy kế thu nhận"],
        [1, "Xã Kỳ Tân", 2396],
        [2, "Xã Kỳ Thọ", 1512],
        [None, "TOÀN ĐƠN VỊ", 3908],
        [None, "Trong đó:", None],
        [None, "- Xã Kỳ Tân", 2396],
        [None, "- Các xã còn lại", 1512],
    ]
    report = imported({"BC": rows})
    assert values(report, metric="collected") == {(KY_TAN, "collected"): 2396, (KY_THO, "collected"): 1512}
    assert not [
        p for p in report.problems if p.code in ("unknown_unit", "subtotal_mismatch", "duplicate_row")
    ]
    assert "2 dòng «trong đó» dưới dòng tổng không lưu" in report.layout


def test_columns_before_and_since_a_day_are_periods_not_two_columns_of_that_day():
    # "Trước 20/4/2023 | Từ 20/4/2023 đến nay | Tổng lũy kế" under "Số hồ sơ đã thu nhận": the
    # same date in two headers was refused as a day with two columns.
    head = ["STT", "Xã", "Số hồ sơ đã thu nhận", None, None]
    sub = [None, None, "Trước 20/4/2023", "Từ 20/4/2023 đến nay", "Tổng lũy kế"]
    rows = [*TOP, head, sub, [1, "Xã Kỳ Tân", 2000, 396, 2396], [2, "Xã Kỳ Thọ", 1000, 512, 1512]]
    report = imported({"BC": rows})
    assert values(report, metric="collected") == {(KY_TAN, "collected"): 2396, (KY_THO, "collected"): 1512}


def test_a_wednesdays_header_is_still_a_day():
    from cccd_analytics.ingest import normalise

    assert normalise.day_label("Thứ tư 20/4") is not None and normalise.day_label("Sau 20/4") is None


@pytest.mark.parametrize("parent", ["Ngày 16/3/2021", "Số liệu ngày 16/3/2021", "Kết quả đến ngày 16/3/2021"])
def test_the_one_date_of_a_header_merged_over_the_figures_dates_them(parent):
    rows = [
        ["CÔNG AN HUYỆN KỲ ANH"],
        ["STT", "Xã", parent, None],
        [None, None, "Thu nhận trong ngày", "Lũy kế thu nhận"],
        [1, "Xã Kỳ Tân", 33, 2396],
        [2, "Xã Kỳ Thọ", 12, 1512],
    ]
    report = imported({"BC": rows})
    assert set(report.observations["date"].astype(str)) == {"2021-03-16"}


def test_a_targets_date_in_the_header_dates_nothing():
    rows = [
        ["CÔNG AN HUYỆN KỲ ANH"],
        ["STT", "Xã", "Chỉ tiêu đến 10/6/2021", "Lũy kế thu nhận"],
        [1, "Xã Kỳ Tân", 3000, 2396],
        [2, "Xã Kỳ Thọ", 2000, 1512],
    ]
    report = ingest.import_bytes(None, workbook_bytes({"BC": rows}), "bc.xlsx")
    assert report.status == "refused" and report.needs_date


@pytest.mark.parametrize("header", ["Ngày 16/3", "16/3/2021", "Thu nhận ngày 16/3"])
def test_the_days_figure_headed_by_the_reports_date_alone_is_the_days_figure(header):
    rows = [
        *TOP,
        ["STT", "Xã", header, "Lũy kế thu nhận"],
        [1, "Xã Kỳ Tân", 33, 2396],
        [2, "Xã Kỳ Thọ", 12, 1512],
    ]
    report = imported({"BC": rows})
    assert values(report, metric="collected_day") == {
        (KY_TAN, "collected_day"): 33,
        (KY_THO, "collected_day"): 12,
    }
    assert values(report, metric="collected") == {(KY_TAN, "collected"): 2396, (KY_THO, "collected"): 1512}


def test_a_column_of_another_days_date_is_not_taken_for_the_days_figure():
    rows = [
        *TOP,
        ["STT", "Xã", "Ngày 15/3", "Lũy kế thu nhận"],
        [1, "Xã Kỳ Tân", 33, 2396],
        [2, "Xã Kỳ Thọ", 12, 1512],
    ]
    report = imported({"BC": rows})
    assert not values(report, metric="collected_day")


def test_a_day_header_whose_year_is_mistyped_is_named_in_the_refusal():
    # "19/3/2021 | 20/3/2021 | 21/3/2031": the sheet was refused as having no date column.
    rows = [
        ["CÔNG AN HUYỆN KỲ ANH"],
        ["STT", "Xã", "Lũy kế thu nhận", None, None],
        [None, None, "19/3/2021", "20/3/2021", "21/3/2031"],
        [1, "Xã Kỳ Tân", 2300, 2350, 2396],
        [2, "Xã Kỳ Thọ", 1400, 1450, 1512],
    ]
    report = ingest.import_bytes(None, workbook_bytes({"BC": rows}), "bc.xlsx")
    assert report.status == "refused"
    (problem,) = report.errors
    assert problem.code == "no_date" and problem.row == 3
    assert "cột E «21/3/2031» ghi năm khác các ngày còn lại (2021)" in problem.message


def _spreadsheet_2003(rows: list[str]) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">\n'
        '<Worksheet ss:Name="BC"><Table>' + "".join(rows) + "</Table></Worksheet></Workbook>"
    ).encode()


def _cell(value, kind="String", **attrs) -> str:
    extra = "".join(f' ss:{k}="{v}"' for k, v in attrs.items())
    return f'<Cell{extra}><Data ss:Type="{kind}">{value}</Data></Cell>'


def test_an_excel_2003_xml_spreadsheet_named_xls_is_read_as_excel_shows_it():
    # Some web systems' "Xuất Excel": refused as "no header row found".
    rows = [
        "<Row>" + _cell("CÔNG AN HUYỆN KỲ ANH", MergeAcross=3) + "</Row>",
        '<Row ss:Index="3">' + _cell("Số liệu tính đến 17h00 ngày 16/3/2021") + "</Row>",
        "<Row>" + _cell("STT") + _cell("Xã") + _cell("Thu nhận hồ sơ", MergeAcross=1) + "</Row>",
        '<Row><Cell ss:Index="3"><Data ss:Type="String">Trong ngày</Data></Cell>'
        + _cell("Lũy kế")
        + "</Row>",
        "<Row>"
        + _cell(1, "Number")
        + _cell("Xã Kỳ Tân")
        + _cell(33, "Number")
        + _cell(2396, "Number")
        + "</Row>",
        "<Row>"
        + _cell(2, "Number")
        + _cell("Xã Kỳ Thọ")
        + _cell(12, "Number")
        + _cell(1512, "Number")
        + "</Row>",
    ]
    for name in ("bc.xls", "bc.xml"):
        report = ingest.import_bytes(None, _spreadsheet_2003(rows), name)
        assert report.status == "checked", report.message
        assert values(report, metric="collected") == {
            (KY_TAN, "collected"): 2396,
            (KY_THO, "collected"): 1512,
        }
        assert values(report, metric="collected_day") == {
            (KY_TAN, "collected_day"): 33,
            (KY_THO, "collected_day"): 12,
        }
        assert set(report.observations["date"].astype(str)) == {"2021-03-16"}


def test_a_broken_or_hostile_excel_2003_xml_spreadsheet_is_refused_in_vietnamese():
    broken = _spreadsheet_2003(["<Row>" + _cell("STT")])  # a row never closed
    report = ingest.import_bytes(None, broken, "bc.xls")
    assert report.status == "refused" and "bảng tính XML của Excel 2003 nhưng bị hỏng" in report.message
    # An entity pointing at a local file is never read into a cell.
    hostile = _spreadsheet_2003(["<Row>" + _cell("&secret;") + "</Row>"]).replace(
        b"<Workbook", b'<!DOCTYPE w [<!ENTITY secret SYSTEM "file:///etc/hostname">]>\n<Workbook', 1
    )
    report = ingest.import_bytes(None, hostile, "bc.xls")
    assert report.status == "refused"
    assert Path("/etc/hostname").read_text().strip() not in report.message


@pytest.mark.parametrize(
    "after",
    [
        "2. Khó khăn: máy của tổ lưu động hỏng từ ngày 12/3/2021 đến ngày 14/3/2021.",
        "3. Phấn đấu đến ngày 31/3/2021 đạt 60% số công dân đủ điều kiện.",
    ],
)
def test_a_letters_dates_are_read_for_what_they_say(after):
    # A letter ("V/v báo cáo tiến độ"): the plan it cites ("Kế hoạch số 45/KH-CAT ngày
    # 15/01/2021"), the day its figures were taken ("đến 17 giờ 00 ngày 16/3/2021"), the day it
    # was signed (17/3), and prose under the table with other days: the figures' day is 16/3.
    rows = [
        ["CÔNG AN HUYỆN KỲ ANH", None, "Kỳ Anh, ngày 17 tháng 3 năm 2021"],
        ["Thực hiện Kế hoạch số 45/KH-CAT ngày 15/01/2021 của Công an tỉnh, Công an huyện báo cáo:"],
        ["1. Kết quả: từ ngày 01/3/2021 đến 17 giờ 00 ngày 16/3/2021, toàn huyện đã thu nhận 3.908 hồ sơ."],
        *TABLE,
        [after],
    ]
    report = imported({"BC": rows})
    assert set(report.observations["date"].astype(str)) == {"2021-03-16"}


@pytest.mark.parametrize("plan,done", [("KH", "TH"), ("Kế hoạch", "Thực hiện")])
def test_a_wide_sheets_plan_under_each_day_is_no_figure_of_the_day(plan, done):
    # Each day merged over "KH | TH": the plan, first, was stored as the day's collected.
    rows = [
        ["CÔNG AN HUYỆN KỲ ANH"],
        ["STT", "Xã", "15/3/2021", None, "16/3/2021", None, "Lũy kế thu nhận"],
        [None, None, plan, done, plan, done, None],
        [1, "Xã Kỳ Tân", 50, 33, 50, 41, 2396],
        [2, "Xã Kỳ Thọ", 20, 12, 20, 18, 1512],
    ]
    report = imported({"BC": rows})
    got = values(report, by="date", metric="collected_day")
    assert got == {
        (KY_TAN, "2021-03-15"): 33,
        (KY_TAN, "2021-03-16"): 41,
        (KY_THO, "2021-03-15"): 12,
        (KY_THO, "2021-03-16"): 18,
    }


def test_a_days_figure_beside_its_running_total_in_one_header_row_is_read():
    # "15/3 | LK 15/3 | 16/3 | LK 16/3": refused as a day with two columns.
    rows = [
        ["CÔNG AN HUYỆN KỲ ANH"],
        ["STT", "Xã", "15/3/2021", "LK 15/3/2021", "16/3/2021", "LK 16/3/2021"],
        [1, "Xã Kỳ Tân", 33, 2355, 41, 2396],
        [2, "Xã Kỳ Thọ", 12, 1494, 18, 1512],
    ]
    report = imported({"BC": rows})
    assert values(report, by="date", metric="collected") == {
        (KY_TAN, "2021-03-15"): 2355,
        (KY_TAN, "2021-03-16"): 2396,
        (KY_THO, "2021-03-15"): 1494,
        (KY_THO, "2021-03-16"): 1512,
    }


def test_a_day_written_twice_names_both_columns():
    rows = [
        ["CÔNG AN HUYỆN KỲ ANH"],
        ["STT", "Xã", "15/3/2021", "16/3/2021", "16/3/2021", "Lũy kế thu nhận"],
        [1, "Xã Kỳ Tân", 33, 41, 40, 2396],
        [2, "Xã Kỳ Thọ", 12, 18, 17, 1512],
    ]
    report = ingest.import_bytes(None, workbook_bytes({"BC": rows}), "bc.xlsx")
    assert report.status == "refused"
    said = [p for p in report.errors if p.code == "conflicting_values"]
    assert said and "cột D «16/3/2021» và cột E «16/3/2021»" in said[0].message and said[0].column == "E"


def test_two_sheets_of_one_day_name_the_other_sheet():
    # A sheet copied and edited ("16.3" and "16.3 (2)"): "(dòng 4) và (dòng 4)" told nothing.
    table = [["STT", "Xã", "Lũy kế thu nhận"], [1, "Xã Kỳ Tân", 2396], [2, "Xã Kỳ Thọ", 1512]]
    edited = [row[:] for row in table]
    edited[1][2] = 2400
    sheets = {
        "16.3": [["CÔNG AN HUYỆN KỲ ANH NĂM 2021"], *table],
        "16.3 (2)": [["CÔNG AN HUYỆN KỲ ANH NĂM 2021"], *edited],
    }
    report = ingest.import_bytes(None, workbook_bytes(sheets), "bc_2021.xlsx")
    assert report.status == "refused"
    said = [p.message for p in report.errors if p.code == "conflicting_values"]
    assert said and "(dòng 3 của trang «16.3»)" in said[0]


def test_day_numbers_whose_month_nothing_gives_are_refused_even_when_a_date_is_given():
    # "Lũy kế thu nhận đến ngày" over "5 | 6 | 7", the month only in the sheet's name "T6-2023":
    # refused for want of a date, and given one, the first day's column was stored under it.
    rows = [
        ["CÔNG AN HUYỆN KỲ ANH"],
        ["STT", "Xã", "Lũy kế thu nhận đến ngày", None, None],
        [None, None, 5, 6, 7],
        [1, "Xã Kỳ Tân", 2300, 2350, 2396],
        [2, "Xã Kỳ Thọ", 1400, 1450, 1512],
    ]
    for given in (None, date(2021, 3, 7)):
        report = ingest.import_bytes(None, workbook_bytes({"T3-2021": rows}), "bc.xlsx", report_date=given)
        assert report.status == "refused"
        (problem,) = report.errors
        assert problem.code == "no_date" and problem.column == "C"
        assert "các cột C–E («5», «6», «7») dưới «Lũy kế thu nhận đến ngày» là các ngày" in problem.message


def _sheet_per_day(names: list[str]) -> bytes:
    sheets = {}
    for k, name in enumerate(names):
        sheets[name] = [
            ["CÔNG AN HUYỆN KỲ ANH - BÁO CÁO NĂM 2021"],
            ["STT", "Xã", "Lũy kế thu nhận"],
            [1, "Xã Kỳ Tân", 2300 + 10 * k],
            [2, "Xã Kỳ Thọ", 1500 + 5 * k],
        ]
    return workbook_bytes(sheets)


@pytest.mark.parametrize(
    "names", [["T3-15", "T3-16", "T3-17"], ["15-T3", "16-T3", "17-T3"], ["T3.15", "T3.16", "T3.17"]]
)
def test_sheets_named_by_their_month_first_are_days(names):
    # "T5-17": refused as having no date, while "17-5" was read.
    report = ingest.import_bytes(None, _sheet_per_day(names), "bc.xlsx")
    assert report.status == "checked", report.message
    assert sorted(set(report.observations["date"].astype(str))) == ["2021-03-15", "2021-03-16", "2021-03-17"]


def test_sheets_named_by_weekday_and_day_are_not_read_as_months():
    # "T2-15 | T3-16 | T4-17" (Thứ Hai 15, Thứ Ba 16 …) are no days of February, March, April.
    report = ingest.import_bytes(None, _sheet_per_day(["T2-15", "T3-16", "T4-17"]), "bc.xlsx")
    dates = set(report.observations["date"].astype(str)) if report.observations is not None else set()
    assert not dates & {"2021-02-15", "2021-03-16", "2021-04-17"}


def test_a_header_of_a_weekday_and_its_day_is_not_read_month_first():
    from cccd_analytics.ingest import normalise

    # "T2 15" in a header is Thứ Hai, the 15th: only a sheet's name is read month first.
    assert normalise.day_label("T2 15") is None and normalise.sheet_day_label("T5-17").month == 5
