"""Report shapes found by the tenth outside probe (6/12/2026): what units send that was read
wrong or refused without cause."""

from __future__ import annotations

import pytest

from cccd_analytics import ingest, registry
from tests.test_report_shapes_round7 import KY_TAN, KY_THO, TOP, imported, values, workbook_bytes


def _grouped(group: str, subs: list[str], figures: dict[str, list[int]]) -> list[list]:
    """A table under a two-row header: `group` merged over `subs` (the merge is left to the
    reader: the group's text stands in its first column, the rest blank)."""
    head = ["STT", "Đơn vị", group] + [None] * (len(subs) - 1)
    rows = [*TOP, head, [None, None, *subs]]
    for i, (name, cells) in enumerate(figures.items()):
        rows.append([i + 1, name, *cells])
    return rows


def test_under_a_group_of_issued_and_collected_the_collected_column_is_the_one_that_says_so():
    # "Đã cấp" (cards issued) before "Thu nhận": the group's "thu nhận" names both, the
    # column's own words only the second.
    rows = _grouped(
        "Số CCCD đã cấp/thu nhận",
        ["Đã cấp", "Thu nhận"],
        {"Xã Kỳ Tân": [908, 2271], "Xã Kỳ Thọ": [700, 1500]},
    )
    report = imported({"BC": rows})
    assert values(report, metric="collected") == {(KY_TAN, "collected"): 2271, (KY_THO, "collected"): 1500}


def test_under_a_group_of_cards_the_returned_column_is_the_one_handed_over():
    # "Thẻ đã về" (cards arrived at the district) and "Còn tồn" (in stock) are not returned.
    rows = _grouped(
        "Trả thẻ",
        ["Thẻ đã về", "Đã trả", "Còn tồn"],
        {"Xã Kỳ Tân": [1073, 1036, 37], "Xã Kỳ Thọ": [800, 760, 40]},
    )
    rows[len(TOP)][2:2] = ["Lũy kế thu nhận"]
    rows[len(TOP) + 1][2:2] = [None]
    for k, value in zip((len(TOP) + 2, len(TOP) + 3), (2396, 1512)):
        rows[k][2:2] = [value]
    report = imported({"BC": rows})
    assert values(report, metric="returned") == {(KY_TAN, "returned"): 1036, (KY_THO, "returned"): 760}


def test_a_group_whose_first_column_says_it_by_its_own_words_keeps_it():
    # "Lũy kế" then "Trong ngày" under "Thu nhận": each column its own figure, as before.
    rows = _grouped(
        "Thu nhận hồ sơ", ["Lũy kế", "Trong ngày"], {"Xã Kỳ Tân": [2396, 33], "Xã Kỳ Thọ": [1512, 12]}
    )
    report = imported({"BC": rows})
    assert values(report, metric="collected") == {(KY_TAN, "collected"): 2396, (KY_THO, "collected"): 1512}
    assert values(report, metric="collected_day") == {
        (KY_TAN, "collected_day"): 33,
        (KY_THO, "collected_day"): 12,
    }


NGHI_LOC = [
    ("Thị trấn Quán Hành", 20, 3341),
    ("Xã Nghi Văn", 38, 5213),
    ("Xã Nghi Yên", 34, 4130),
    ("Xã Nghi Hoa", 17, 3464),
    ("Xã Khánh Hợp", 28, 4602),
]


def _paged(carried: int | None = None) -> list[list]:
    """A district's table printed over two pages: the sum carried at the first page's foot
    and brought to the top of the second, then the grand total."""
    head = ["STT", "Xã, thị trấn", "Thu nhận trong ngày", "Lũy kế thu nhận"]
    first, second = NGHI_LOC[:3], NGHI_LOC[3:]
    carry = [sum(d for _, d, _ in first), sum(c for _, _, c in first) if carried is None else carried]
    rows = [
        ["CÔNG AN HUYỆN NGHI LỘC", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
        ["Số: 205/BC-CAH", "Nghi Lộc, ngày 10 tháng 6 năm 2023"],
        ["Số liệu tính đến 17h00 ngày 10/6/2023"],
        head,
    ]
    rows += [
        [str(i + 1), name, str(day), f"{cum:,}".replace(",", ".")] for i, (name, day, cum) in enumerate(first)
    ]
    rows.append(["", "Cộng chuyển sang trang sau", str(carry[0]), f"{carry[1]:,}".replace(",", ".")])
    rows.append(["", "Trang trước chuyển sang", str(carry[0]), f"{carry[1]:,}".replace(",", ".")])
    rows += [
        [str(i + 4), name, str(day), f"{cum:,}".replace(",", ".")]
        for i, (name, day, cum) in enumerate(second)
    ]
    total = sum(c for _, _, c in NGHI_LOC)
    rows.append(["", "Tổng cộng", str(sum(d for _, d, _ in NGHI_LOC)), f"{total:,}".replace(",", ".")])
    return rows


def _collected_by_name(report) -> dict[str, int]:
    reg = registry.load_registry()
    obs = report.observations[report.observations["metric"] == "collected"]
    return {reg.at[k, "name"] if k in reg.index else k: int(v) for k, v in zip(obs["unit_key"], obs["value"])}


def test_a_table_over_two_pages_skips_the_sum_brought_forward_and_checks_the_one_carried():
    report = imported({"BC": _paged()})
    assert _collected_by_name(report) == {name: cum for name, _, cum in NGHI_LOC}
    assert not [p for p in report.warnings if p.code != "missing_communes"], report.warnings
    assert "1 dòng cộng chuyển trang, 1 dòng tổng đã đối chiếu với các xã, khớp" in report.layout


def test_a_sum_carried_that_is_not_the_communes_above_it_is_said_at_its_row():
    report = imported({"BC": _paged(carried=12000)})
    (said,) = [p for p in report.warnings if p.code == "subtotal_mismatch"]
    assert said.row == 8 and "Cộng chuyển sang trang sau" in said.message


@pytest.mark.parametrize("kind", ["pdf", "docx"])
def test_a_document_whose_first_row_has_small_numbers_is_not_a_table_of_days(kind):
    # The first row "1 | Thị trấn Quán Hành | 20 | 3.341" under a letterhead that names June:
    # "1" and "20" were read as days of June, and the table as two days' columns.
    from tests.test_report_shapes import _docx, _pdf

    rows = [["Nghi Lộc, ngày 10 tháng 6 năm 2023"], *_paged()[2:]]
    make = _pdf if kind == "pdf" else _docx
    report = ingest.import_bytes(None, make(rows), f"nghi_loc.{kind}")
    assert report.status == "checked", report.message
    assert _collected_by_name(report) == {name: cum for name, _, cum in NGHI_LOC}
    assert {str(d)[:10] for d in report.observations["date"]} == {"2023-06-10"}


def _with_errors(error_rows: list[int]) -> list[list]:
    rows = [*TOP, ["STT", "Xã", "Trong ngày", "Lũy kế thu nhận"]]
    rows += [[1, "Xã Kỳ Tân", 33, 2396], [2, "Xã Kỳ Thọ", 12, 1512], [None, "Tổng cộng", 45, 3908]]
    for r in error_rows:
        rows[r][3] = "#REF!"  # openpyxl writes it as an error cell (t="e"), as Excel does
    return rows


def test_a_formula_error_in_a_communes_figure_refuses_the_file_at_its_cell():
    report = ingest.import_bytes(None, workbook_bytes({"BC": _with_errors([len(TOP) + 2])}), "bc.xlsx")
    assert report.status == "refused"
    (error,) = report.errors
    assert (error.code, error.row, error.column) == ("formula_error", len(TOP) + 3, "D")
    assert "«#REF!»" in error.message


def test_a_formula_error_in_the_total_row_only_leaves_it_unchecked():
    report = imported({"BC": _with_errors([len(TOP) + 3])})
    assert values(report, metric="collected") == {(KY_TAN, "collected"): 2396, (KY_THO, "collected"): 1512}
    (said,) = [p for p in report.warnings if p.code == "formula_error_total"]
    assert said.row == len(TOP) + 4


def test_a_running_total_below_that_days_own_figure_is_refused_at_the_days_figure():
    rows = [
        *TOP,
        ["STT", "Xã", "Trong ngày", "Lũy kế thu nhận"],
        [1, "Xã Kỳ Tân", 33, 2396],
        [2, "Xã Kỳ Thọ", 85, 58],
    ]
    report = ingest.import_bytes(None, workbook_bytes({"BC": rows}), "bc.xlsx")
    assert report.status == "refused"
    (error,) = report.errors
    assert (error.code, error.row, error.column) == ("cumulative_below_day", len(TOP) + 3, "C")
    assert "lũy kế thu nhận (58) nhỏ hơn số thu nhận trong ngày (85)" in error.message


def test_a_figure_merged_over_two_communes_is_refused_at_the_merged_cells():
    import io

    import openpyxl

    head = ["STT", "Huyện", "Xã", "Trong ngày", "Lũy kế thu nhận"]
    rows = [*TOP, head, [1, "Huyện Kỳ Anh", "Xã Kỳ Tân", 33, 3908], [2, None, "Xã Kỳ Thọ", 12, None]]
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    first = len(TOP) + 2  # Kỳ Tân's row, from 1
    sheet.merge_cells(f"E{first}:E{first + 1}")
    # A district's name merged down its communes is no figure: no refusal of its own.
    sheet.merge_cells(f"B{first}:B{first + 1}")
    data = io.BytesIO()
    book.save(data)
    report = ingest.import_bytes(None, data.getvalue(), "bc.xlsx")
    assert report.status == "refused"
    (error,) = report.errors
    assert (error.code, error.row, error.column) == ("merged_figure", first, "E")
    assert "«Xã Kỳ Tân», «Xã Kỳ Thọ»" in error.message


@pytest.mark.parametrize("worked_out", ["3=1+2", "(3)=(1)+(2)", "3 = 1 + 2"])
def test_a_forms_row_of_column_numbers_with_a_worked_out_column_is_no_row_of_figures(worked_out):
    rows = [*TOP, ["STT", "Xã", "Trước đợt", "Trong đợt", "Lũy kế thu nhận"]]
    rows += [["A", "B", "1", "2", worked_out]]
    rows += [[1, "Xã Kỳ Tân", 2300, 96, 2396], [2, "Xã Kỳ Thọ", 1500, 12, 1512]]
    report = imported({"BC": rows})
    assert values(report, metric="collected") == {(KY_TAN, "collected"): 2396, (KY_THO, "collected"): 1512}
    assert "có dòng đánh số cột" in report.layout


def test_a_table_of_weeks_is_dated_by_its_last_day():
    from datetime import date

    rows = [*TOP[:2], ["Từ ngày", "Đến ngày", "Xã", "Thu nhận trong tuần", "Lũy kế đến cuối tuần"]]
    for start, end, add in (
        (date(2021, 3, 1), date(2021, 3, 7), 0),
        (date(2021, 3, 8), date(2021, 3, 14), 200),
    ):
        rows += [[start, end, "Xã Kỳ Tân", 100, 2196 + add], [start, end, "Xã Kỳ Thọ", 50, 1312 + add]]
    report = imported({"BC": rows})
    assert values(report, by="date", metric="collected") == {
        (KY_TAN, "2021-03-07"): 2196,
        (KY_THO, "2021-03-07"): 1312,
        (KY_TAN, "2021-03-14"): 2396,
        (KY_THO, "2021-03-14"): 1512,
    }
    assert "ngày theo cột B «Đến ngày»" in report.layout


@pytest.mark.parametrize(
    ("line", "said"),
    [
        (
            "Số liệu tính đến 17h00 ngày 31/4/2021",
            "ngày 31/4/2021, là ngày không có thật (tháng 4 có 30 ngày)",
        ),
        ("Kỳ Anh, ngày 30 tháng 2 năm 2021", "ngày 30/2/2021, là ngày không có thật (tháng 2 có 28 ngày)"),
    ],
)
def test_a_date_line_of_a_day_no_calendar_has_is_refused_saying_so(line, said):
    rows = [TOP[0], [line], ["STT", "Xã", "Lũy kế thu nhận"], [1, "Xã Kỳ Tân", 2396], [2, "Xã Kỳ Thọ", 1512]]
    report = ingest.import_bytes(None, workbook_bytes({"BC": rows}), "bc.xlsx")
    assert report.status == "refused"
    (error,) = report.errors
    assert error.code == "no_date" and error.row == 2 and said in error.message


def test_a_title_of_another_day_than_the_date_line_is_warned_about():
    rows = [
        [
            "CÔNG AN HUYỆN KỲ ANH",
            None,
            "Kỳ Anh, ngày 3 tháng 4 năm 2021",
        ],  # signed the day after: no conflict
        ["BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD NGÀY 01/4/2021"],
        ["Số liệu tính đến 17h00 ngày 02/4/2021"],
        ["STT", "Xã", "Lũy kế thu nhận"],
        [1, "Xã Kỳ Tân", 2396],
        [2, "Xã Kỳ Thọ", 1512],
    ]
    report = imported({"BC": rows})
    assert {str(d)[:10] for d in report.observations["date"]} == {"2021-04-02"}
    (said,) = [p for p in report.warnings if p.code == "date_mismatch"]
    assert said.row == 3 and "ghi ngày 1/4/2021, nhưng dòng ngày số liệu ghi 2/4/2021" in said.message
    rows[1] = ["BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD"]
    assert not [p for p in imported({"BC": rows}).warnings if p.code == "date_mismatch"]


def test_a_template_not_yet_filled_in_is_refused_at_its_table_naming_the_empty_columns():
    rows = [
        *TOP,
        ["STT", "Xã", "Trong ngày", "Lũy kế thu nhận"],
        [1, "Xã Kỳ Tân", None, None],
        [2, "Xã Kỳ Thọ", None, None],
    ]
    report = ingest.import_bytes(None, workbook_bytes({"BC": rows}), "mau.xlsx")
    assert report.status == "refused"
    (error,) = report.errors
    assert (error.code, error.sheet, error.row) == ("no_rows", "BC", len(TOP) + 2)
    assert "C «Trong ngày», D «Lũy kế thu nhận») đều trống" in error.message


def test_a_table_whose_figures_are_words_is_refused_at_the_first_such_cell_not_as_empty():
    """ "abc" or "chưa báo cáo" where the figures go: the message said the columns were all
    empty, which sent the analyst looking for blanks."""
    rows = [
        *TOP,
        ["STT", "Xã", "Trong ngày", "Lũy kế thu nhận"],
        [1, "Xã Kỳ Tân", None, "-"],
        [2, "Xã Kỳ Thọ", None, "chưa báo cáo"],
    ]
    report = ingest.import_bytes(None, workbook_bytes({"BC": rows}), "bc.xlsx")
    assert report.status == "refused"
    (error,) = report.errors
    assert (error.code, error.sheet, error.row, error.column) == ("no_rows", "BC", len(TOP) + 3, "D")
    assert "ô số liệu ghi «chưa báo cáo», không phải một số" in error.message
    assert "đều trống" not in error.message


def test_a_table_with_only_its_total_is_refused_as_such_not_as_empty():
    rows = [*TOP, ["STT", "Xã", "Lũy kế thu nhận"], ["", "Tổng cộng", 4843]]
    report = ingest.import_bytes(None, workbook_bytes({"BC": rows}), "bc.xlsx")
    (error,) = report.errors
    assert (error.code, error.row, error.column) == ("no_rows", len(TOP) + 2, "C")
    assert "chỉ có số liệu ở dòng tổng" in error.message and "đều trống" not in error.message


def test_a_csv_whose_dates_and_codes_are_kept_as_text_for_excel_is_read_inside_the_quotes():
    table = (
        "Ngày báo cáo,Mã xã,Xã,Lũy kế thu nhận\n"
        '="16/03/2021",="18814",Xã Kỳ Tân,2396\n'
        '="16/03/2021",="18790",Xã Kỳ Thọ,="1512"\n'
    )
    report = ingest.import_bytes(None, table.encode(), "bc.csv")
    assert report.status == "checked", report.message
    assert values(report, by="date", metric="collected") == {
        (KY_TAN, "2021-03-16"): 2396,
        (KY_THO, "2021-03-16"): 1512,
    }


@pytest.mark.parametrize("header", ["Thu nhận hồ sơ (trong ngày / lũy kế)", "Lũy kế thu nhận"])
def test_two_figures_in_one_cell_are_refused_at_the_cell_never_joined_into_one(header):
    # "33↵2.396" (a daily figure over a running total) was read as 332.396; a row whose every
    # figure was unreadable was taken for a heading and left out without a word.
    rows = [*TOP, ["STT", "Xã", header], [1, "Xã Kỳ Tân", "33\n2.396"], [2, "Xã Kỳ Thọ", "1.512"]]
    report = ingest.import_bytes(None, workbook_bytes({"BC": rows}), "bc.xlsx")
    assert report.status == "refused"
    bad = report.errors[0]
    assert (bad.code, bad.row, bad.column) == ("bad_number", len(TOP) + 2, "C")
    assert "ô ghi hai số trên hai dòng («33 / 2.396»)" in bad.message
    if "trong ngày" in header:
        said = [p for p in report.errors if p.code == "no_cumulative"]
        assert said and "ghi hai số trong một ô" in said[0].message


def test_a_first_row_whose_figures_are_all_unreadable_is_refused_at_its_cells():
    rows = [*TOP, ["STT", "Xã", "Lũy kế thu nhận"], [1, "Xã Kỳ Tân", "2.3.96"], [2, "Xã Kỳ Thọ", "1.512"]]
    report = ingest.import_bytes(None, workbook_bytes({"BC": rows}), "bc.xlsx")
    assert [(p.code, p.row, p.column) for p in report.errors] == [("bad_number", len(TOP) + 2, "C")]
    # Whose figure it is, so the user knows whom to ask without counting rows.
    assert report.errors[0].message.endswith("ở dòng «Xã Kỳ Tân».")


def test_a_days_figure_that_is_not_the_rise_from_the_stored_day_before_is_warned_about(store):
    def day(d: int, rows: list[list]) -> bytes:
        head = [
            TOP[0],
            [f"Số liệu tính đến 17h00 ngày {d}/3/2021"],
            ["STT", "Xã", "Trong ngày", "Lũy kế thu nhận"],
        ]
        return workbook_bytes({"BC": head + rows})

    first = ingest.import_bytes(
        store, day(15, [[1, "Xã Kỳ Tân", 30, 2300], [2, "Xã Kỳ Thọ", 10, 1500]]), "15.xlsx"
    )
    assert first.status == "imported", first.message
    # Kỳ Tân: 7 in the day, but 2300 → 2314 is 14; Kỳ Thọ: 12, and 1500 → 1512.
    report = ingest.import_bytes(
        store, day(16, [[1, "Xã Kỳ Tân", 7, 2314], [2, "Xã Kỳ Thọ", 12, 1512]]), "16.xlsx", dry_run=True
    )
    (said,) = [p for p in report.warnings if p.code == "day_gain_mismatch"]
    assert said.row == 4 and said.column == "C"
    assert "lũy kế tăng từ 2.300 (15/3/2021, số đã lưu) lên 2.314, tức 14" in said.message
