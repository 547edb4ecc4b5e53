"""Sheet-per-day workbooks and commune rows with blank counts, found by the twenty-sixth probe:
Kỳ Anh (Hà Tĩnh, 2021) and Diễn Châu (Nghệ An, 2023) communes with known daily counts and
running totals, a sheet per day named as people name them, and a commune that did not report."""

from __future__ import annotations

import io

import openpyxl
import pytest

from cccd_analytics import ingest, registry
from cccd_analytics.ingest import normalise

KA = ["Xã Kỳ Xuân", "Xã Kỳ Bắc", "Xã Kỳ Phú", "Xã Kỳ Phong"]
DC = ["Xã Diễn Lâm", "Xã Diễn Đoài", "Xã Diễn Trường"]
ELIGIBLE = {
    "Xã Kỳ Xuân": 5600,
    "Xã Kỳ Bắc": 3900,
    "Xã Kỳ Phú": 7700,
    "Xã Kỳ Phong": 6000,
    "Xã Diễn Lâm": 6100,
    "Xã Diễn Đoài": 5200,
    "Xã Diễn Trường": 7300,
}
BEFORE = {
    "Xã Kỳ Xuân": 1200,
    "Xã Kỳ Bắc": 800,
    "Xã Kỳ Phú": 2100,
    "Xã Kỳ Phong": 1500,
    "Xã Diễn Lâm": 2100,
    "Xã Diễn Đoài": 2300,
    "Xã Diễn Trường": 3900,
}
HEADER = ["STT", "Đơn vị", "Số người đủ điều kiện", "Thu nhận trong ngày", "Lũy kế thu nhận"]
TOP_KA = [["CÔNG AN HUYỆN KỲ ANH"], ["BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD"]]
TOP_DC = [["CÔNG AN HUYỆN DIỄN CHÂU"], ["BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD"]]


def _daily(name: str, k: int) -> int:
    return 20 + 3 * (len(name) % 7) + (13 * k) % 41


def _running(name: str, k: int) -> int:
    return BEFORE[name] + sum(_daily(name, j) for j in range(k + 1))


def _key(name: str) -> str:
    where = ("Tỉnh Hà Tĩnh", "Huyện Kỳ Anh") if name in KA else ("Tỉnh Nghệ An", "Huyện Diễn Châu")
    return registry.resolve(*where, name).key


def _day_sheet(communes: list[str], k: int, top: list[list], blank: tuple = ()) -> list[list]:
    """A day's report: each commune's eligible, the day's count and the running total, then
    "Tổng cộng" (the eligible of a commune not reporting counted in it, as units add it)."""
    rows, total = [*top, HEADER], [None, "Tổng cộng", 0, 0, 0]
    for i, name in enumerate(communes, 1):
        row = [i, name, ELIGIBLE[name], None, None]
        if name not in blank:
            row[3:] = [_daily(name, k), _running(name, k)]
        rows.append(row)
        for j in (2, 3, 4):
            total[j] += row[j] or 0
    return [*rows, total]


def _workbook(sheets: dict[str, list[list]]) -> bytes:
    book = openpyxl.Workbook()
    for i, (title, rows) in enumerate(sheets.items()):
        sheet = book.active if i == 0 else book.create_sheet()
        sheet.title = title
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _import(sheets: dict[str, list[list]], name: str):
    return ingest.import_bytes(None, _workbook(sheets), name)


def _of(report, metric: str) -> dict:
    obs = report.observations
    obs = obs[obs["metric"] == metric]
    return {(k, str(d)[:10]): v for k, d, v in zip(obs["unit_key"], obs["date"], obs["value"])}


# --- blank counts beside a filled eligible -------------------------------------------------


def test_a_commune_with_its_eligible_and_blank_counts_keeps_its_eligible_and_no_false_warning():
    # Xã Kỳ Phú did not report today: its eligible is written, its counts blank.  The row was
    # left out, eligible too, and "Tổng cộng"'s eligible (which counts it) said not to match.
    rows = _day_sheet(KA, 2, [*TOP_KA, ["Số liệu tính đến 17h00 ngày 17/3/2021"]], blank=("Xã Kỳ Phú",))
    report = _import({"BC": rows}, "ky_anh.xlsx")
    assert report.status == "checked", report.message
    assert not [p for p in report.problems if p.code == "subtotal_mismatch"]
    eligible, collected = _of(report, "eligible"), _of(report, "collected")
    assert eligible[(_key("Xã Kỳ Phú"), "2021-03-17")] == 7700
    # Not reported stays not reported: no running total, no day's count, never 0.
    phu = _key("Xã Kỳ Phú")
    assert not [k for k in (*collected, *_of(report, "collected_day")) if k[0] == phu]
    assert collected[(_key("Xã Kỳ Bắc"), "2021-03-17")] == _running("Xã Kỳ Bắc", 2)


def test_a_commune_blank_on_a_middle_day_sheet_is_not_reported_that_day():
    sheets = {
        f"{15 + k}.3": _day_sheet(KA, k, TOP_KA, blank=("Xã Kỳ Phú",) if k == 1 else ()) for k in range(3)
    }
    report = _import(sheets, "ky_anh_2021.xlsx")
    assert report.status == "checked", report.message
    assert not [p for p in report.problems if p.code == "subtotal_mismatch"]
    collected = _of(report, "collected")
    phu = _key("Xã Kỳ Phú")
    assert (phu, "2021-03-16") not in collected
    assert collected[(phu, "2021-03-15")] == _running("Xã Kỳ Phú", 0)
    assert collected[(phu, "2021-03-17")] == _running("Xã Kỳ Phú", 2)


def test_a_day_sheet_copied_ahead_with_only_the_eligible_filled_is_no_day():
    # "18.3" copied from the form: every commune's eligible, no count.  Its eligible must not
    # make 18/3 a day of the file.
    sheets = {f"{15 + k}.3": _day_sheet(KA, k, TOP_KA) for k in range(3)}
    sheets["18.3"] = _day_sheet(KA, 3, TOP_KA, blank=tuple(KA))
    report = _import(sheets, "ky_anh_2021.xlsx")
    assert report.status == "checked", report.message
    assert max(str(d)[:10] for d in report.observations["date"]) == "2021-03-17"
    assert any(p.code == "sheet_skipped" and p.sheet == "18.3" for p in report.problems)


def test_a_report_where_no_commune_gave_a_count_is_still_refused():
    rows = _day_sheet(KA, 3, [*TOP_KA, ["Số liệu tính đến 17h00 ngày 18/3/2021"]], blank=tuple(KA))
    report = _import({"BC": rows}, "ky_anh.xlsx")
    assert report.status == "refused"
    assert report.problems[0].sheet == "BC" and report.problems[0].row is not None


# --- sheets dated by their names ------------------------------------------------------------


@pytest.mark.parametrize(
    "names",
    [
        ["15 thang 3", "16 thang 3", "17 thang 3"],
        ["15,3", "16,3", "17,3"],
        ["15.3", "16-3", "17 thang 3"],
    ],
)
def test_sheets_named_as_typed_without_marks_or_with_a_comma_are_their_days(names):
    # "19 thang 3" (tháng typed without its marks) was no day: alone, the workbook was
    # refused as undated; beside "15.3" and "16-3" its sheet was left out, its day lost.
    sheets = {name: _day_sheet(KA, k, TOP_KA) for k, name in enumerate(names)}
    report = _import(sheets, "ky_anh_2021.xlsx")
    assert report.status == "checked", report.message
    collected = _of(report, "collected")
    for k in range(3):
        for name in KA:
            assert collected[(_key(name), f"2021-03-{15 + k}")] == _running(name, k)


def test_a_comma_in_a_header_is_still_a_share_not_a_day():
    assert normalise.day_label("95,3") is None
    assert normalise.sheet_day_label("95,3") is None


def test_days_alone_under_one_copied_month_title_run_on_into_the_next_month():
    # "Ngày 30 | Ngày 1 | Ngày 2", each sheet under "THÁNG 4 NĂM 2023" (the first sheet's
    # title copied): read as 30/4, 1/4 and 2/4, the workbook was refused as falling.  The
    # title could be the later sheets' month as well (30/3, 1/4, 2/4): read only when a date
    # says which — here the file name's (review of round 26).
    days = ["Ngày 30", "Ngày 1", "Ngày 2"]
    sheets = {name: _day_sheet(DC, k, [*TOP_DC, ["THÁNG 4 NĂM 2023"]]) for k, name in enumerate(days)}
    report = _import(sheets, "dien_chau_02_05_2023.xlsx")
    assert report.status == "checked", report.message
    collected = _of(report, "collected")
    for k, day in enumerate(["2023-04-30", "2023-05-01", "2023-05-02"]):
        for name in DC:
            assert collected[(_key(name), day)] == _running(name, k)


def test_days_of_one_month_out_of_order_keep_their_month():
    days = ["Ngày 17", "Ngày 15", "Ngày 16"]
    order = [2, 0, 1]
    sheets = {name: _day_sheet(KA, k, [*TOP_KA, ["THÁNG 3 NĂM 2021"]]) for name, k in zip(days, order)}
    report = _import(sheets, "ky_anh.xlsx")
    assert report.status == "checked", report.message
    assert sorted({str(d)[:10] for d in report.observations["date"]}) == [
        "2021-03-15",
        "2021-03-16",
        "2021-03-17",
    ]


def test_a_run_across_new_year_with_a_year_written_alone_is_asked_for_its_year():
    # "30.12 | 31.12 | 1.1 | 2.1" in "ky_anh_2021.xlsx": the year alone was taken as the
    # run's last, and every day stored a year early (30/12/2020 …) without a word.
    names = ["30.12", "31.12", "1.1", "2.1"]
    sheets = {name: _day_sheet(KA, k, TOP_KA) for k, name in enumerate(names)}
    report = _import(sheets, "ky_anh_2021.xlsx")
    assert report.status == "refused"
    problem = report.problems[0]
    assert (problem.code, problem.sheet, problem.row) == ("no_date", "30.12", 4)
    assert "tháng 12 sang tháng 1" in problem.message


def test_a_run_across_new_year_with_a_whole_date_is_read():
    names = ["30.12", "31.12", "1.1", "2.1"]
    sheets = {name: _day_sheet(KA, k, TOP_KA) for k, name in enumerate(names)}
    report = _import(sheets, "ky_anh_02_01_2022.xlsx")
    assert report.status == "checked", report.message
    assert sorted({str(d)[:10] for d in report.observations["date"]}) == [
        "2021-12-30",
        "2021-12-31",
        "2022-01-01",
        "2022-01-02",
    ]


def test_a_campaign_says_which_year_a_run_across_new_year_with_a_year_alone_is():
    labels = [normalise.DayLabel(30, 12, None, ""), normalise.DayLabel(2, 1, None, "")]
    from datetime import date

    got = normalise.with_years(
        labels, date(2021, 12, 31), [(date(2021, 6, 1), date(2022, 3, 31))], year_only=True
    )
    assert got == [date(2021, 12, 30), date(2022, 1, 2)]
    assert normalise.with_years(labels, date(2021, 12, 31), [], year_only=True) is None


@pytest.mark.parametrize("title", [[], [["BÁO CÁO NĂM 2021"]]])
def test_day_columns_across_new_year_with_a_year_written_alone_are_asked_for_their_year(title):
    # "30/12 | 31/12 | 1/1 | 2/1" in "ky_anh_2021.xlsx" (or under "NĂM 2021"): stored
    # 30/12/2020 … 2/1/2021 without a word.  Refused at the first day's column.
    header = ["STT", "Đơn vị", "30/12", "31/12", "1/1", "2/1", "Lũy kế"]
    rows = [[i, n, *[_daily(n, k) for k in range(4)], _running(n, 3)] for i, n in enumerate(KA, 1)]
    report = _import({"BC": [*TOP_KA, *title, header, *rows]}, "ky_anh_2021.xlsx")
    assert report.status == "refused"
    problem = report.problems[0]
    assert (problem.code, problem.sheet, problem.row, problem.column) == (
        "no_date",
        "BC",
        3 + len(title),
        "C",
    )
    assert "tháng 12 sang tháng 1" in problem.message


def test_a_commune_that_gave_only_its_eligible_is_named_among_those_not_reporting():
    rows = _day_sheet(KA, 2, [*TOP_KA, ["Số liệu tính đến 17h00 ngày 17/3/2021"]], blank=("Xã Kỳ Phú",))
    report = _import({"BC": rows}, "ky_anh.xlsx")
    missing = [p.message for p in report.problems if p.code == "missing_communes"]
    assert missing and "tệp có 3/20" in missing[0]


# --- a unit's own report across New Year (review of round 26) --------------------------------


def _one_unit_rows(title: list) -> list[list]:
    """Kỳ Tân's own report, a row per day, "29/12" … "2/1" without the year."""
    rows = [
        ["CÔNG AN HUYỆN KỲ ANH"],
        ["CÔNG AN XÃ KỲ TÂN - BÁO CÁO THU NHẬN HỒ SƠ CCCD"],
        title,
        ["STT", "Ngày", "Thu nhận trong ngày", "Lũy kế thu nhận", "Ghi chú"],
    ]
    total = 1000
    for k, day in enumerate(["29/12", "30/12", "31/12", "1/1", "2/1"]):
        total += 40 + k
        rows.append([k + 1, day, 40 + k, total, ""])
    return rows


@pytest.mark.parametrize(
    "title", [["Số liệu tính đến ngày 02/01/2022"], ["Kỳ Anh, ngày 02 tháng 01 năm 2022"]]
)
def test_a_units_own_days_across_new_year_under_a_whole_date_are_read(title):
    # The date line's year was taken as a year written alone: refused as "no table".
    report = _import({"Báo cáo": _one_unit_rows(title)}, "ky_tan.xlsx")
    assert report.status == "checked", report.message
    got = sorted(_of(report, "collected").items(), key=lambda item: item[0][1])
    assert [day for (_, day), _ in got] == [
        "2021-12-29",
        "2021-12-30",
        "2021-12-31",
        "2022-01-01",
        "2022-01-02",
    ]
    assert got[-1][1] == 1210


@pytest.mark.parametrize("title", [["BÁO CÁO NĂM 2021"], ["Kèm theo Kế hoạch số 15/KH-CAH ngày 10/11/2021"]])
def test_a_units_own_days_across_new_year_with_a_year_alone_are_asked_for_their_year(title):
    report = _import({"Báo cáo": _one_unit_rows(title)}, "ky_tan.xlsx")
    assert report.status == "refused"
    problem = report.problems[0]
    assert (problem.code, problem.sheet, problem.row, problem.column) == ("no_date", "Báo cáo", 5, "B")
    assert "tháng 12 sang tháng 1" in problem.message and "«29/12»" in problem.message


# --- which rows with an eligible alone are kept (review of round 26) --------------------------

_DATE_LINE_KA = ["Số liệu tính đến 17h00 ngày 17/3/2021"]


def test_a_line_under_the_total_with_an_eligible_figure_is_no_unit():
    # "Dân số toàn huyện | 86.000" under "Tổng cộng" was stored as a unit outside the
    # registry with eligible 86.000: the district's coverage fell from 26% to 5,6%.
    rows = [*_day_sheet(KA, 2, [*TOP_KA, _DATE_LINE_KA]), [None, "Dân số toàn huyện", 86000, None, None]]
    report = _import({"BC": rows}, "ky_anh.xlsx")
    assert report.status == "checked", report.message
    eligible = _of(report, "eligible")
    assert sorted(eligible.values()) == sorted(ELIGIBLE[n] for n in KA)
    assert not [p for p in report.problems if p.code in ("unknown_unit", "subtotal_mismatch")]


def test_a_row_above_the_total_whose_name_is_no_place_is_no_unit_even_when_the_total_counts_it():
    rows = _day_sheet(KA, 2, [*TOP_KA, _DATE_LINE_KA])
    rows.insert(-1, [5, "Lực lượng vũ trang", 350, None, None])
    rows[-1][2] += 350
    report = _import({"BC": rows}, "ky_anh.xlsx")
    assert report.status == "checked", report.message
    assert sum(_of(report, "eligible").values()) == sum(ELIGIBLE[n] for n in KA)
    assert not [p for p in report.problems if p.code == "unknown_unit"]


@pytest.mark.parametrize("counted", [True, False])
def test_a_commune_outside_the_registry_with_its_eligible_alone_is_kept_only_when_the_total_counts_it(
    counted,
):
    # "Xã Kỳ Liên" (merged away): a place, kept as a unit outside the registry when the
    # total's eligible adds it, as any commune of the table; else left out as before.
    rows = _day_sheet(KA, 2, [*TOP_KA, _DATE_LINE_KA])
    rows.insert(-1, [5, "Xã Kỳ Liên", 350, None, None])
    rows[-1][2] += 350 if counted else 0
    report = _import({"BC": rows}, "ky_anh.xlsx")
    assert report.status == "checked", report.message
    assert sum(_of(report, "eligible").values()) == sum(ELIGIBLE[n] for n in KA) + (350 if counted else 0)


# --- days alone under one copied month title (review of round 26) ----------------------------


def test_days_alone_under_a_copied_month_title_that_fits_either_side_are_asked_for_their_dates():
    # "THÁNG 5 NĂM 2023" on "Ngày 30 | Ngày 1 | Ngày 2": stored as 30/5, 1/6, 2/6 without a
    # word, where the workbook opened for May put April's last day first (30/4, 1/5, 2/5).
    days = ["Ngày 30", "Ngày 1", "Ngày 2"]
    sheets = {name: _day_sheet(DC, k, [*TOP_DC, ["THÁNG 5 NĂM 2023"]]) for k, name in enumerate(days)}
    report = _import(sheets, "dien_chau.xlsx")
    assert report.status == "refused"
    assert len(report.errors) == 1
    problem = report.problems[0]
    assert (problem.code, problem.sheet, problem.row) == ("no_date", "Ngày 30", 3)
    assert "«Ngày 30», «Ngày 1», «Ngày 2»" in problem.message
    assert "30/5, 1/6, 2/6" in problem.message and "30/4, 1/5, 2/5" in problem.message


@pytest.mark.parametrize(
    "title, truth",
    [
        ("THÁNG 4 NĂM 2023", ["2023-03-31", "2023-04-01", "2023-04-02"]),
        ("THÁNG 5 NĂM 2023", ["2023-05-31", "2023-06-01", "2023-06-02"]),
    ],
)
def test_days_alone_under_a_copied_month_title_are_read_where_one_side_alone_has_the_days(title, truth):
    # "31" is no day of April: under "THÁNG 4" the title is the later sheets' month, under
    # "THÁNG 5" the first's.
    days = ["Ngày 31", "Ngày 1", "Ngày 2"]
    sheets = {name: _day_sheet(DC, k, [*TOP_DC, [title]]) for k, name in enumerate(days)}
    report = _import(sheets, "dien_chau.xlsx")
    assert report.status == "checked", report.message
    collected = _of(report, "collected")
    for k, day in enumerate(truth):
        for name in DC:
            assert collected[(_key(name), day)] == _running(name, k)


# --- review 3 -------------------------------------------------------------------------------


@pytest.mark.parametrize("headings", [True, False])
def test_an_eligible_alone_under_a_later_districts_subtotal_is_counted_by_that_subtotal(headings):
    # "Xã Diễn Hồng Phúc" (outside the registry) gave only its eligible in the second
    # district: the first district's "Cộng" was taken for a total on top of the whole table,
    # the row dropped and both sums warned as not matching.
    rows = [["BỘ CÔNG AN - C06"], ["BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD"], _DATE_LINE_KA, HEADER]
    rows += [["I", "Huyện Kỳ Anh", None, None, None]] * headings
    rows += [
        [1, "Xã Kỳ Xuân", 3100, 12, 1025],
        [2, "Xã Kỳ Bắc", 3311, 15, 1164],
        [None, "Cộng", 6411, 27, 2189],
    ]
    rows += [["II", "Huyện Diễn Châu", None, None, None]] * headings
    rows += [
        [1, "Xã Diễn Lâm", 4000, 20, 1500],
        [2, "Xã Diễn Hồng Phúc", 2500, None, None],
        [None, "Cộng", 6500, 20, 1500],
        [None, "Tổng cộng", 12911, 47, 3689],
    ]
    report = _import({"BC": rows}, "bc_17_3_2021.xlsx")
    assert report.status == "checked", report.message
    assert sum(_of(report, "eligible").values()) == 12911
    assert not [p for p in report.problems if p.code == "subtotal_mismatch"]


def _own_days(title: list[list], days: list[str]) -> list[list]:
    """Kỳ Tân's own report under some lines, a row per day without its year."""
    rows = [["CÔNG AN HUYỆN KỲ ANH"], ["CÔNG AN XÃ KỲ TÂN - BÁO CÁO THU NHẬN HỒ SƠ CCCD"], *title]
    rows.append(["STT", "Ngày", "Thu nhận trong ngày", "Lũy kế thu nhận", "Ghi chú"])
    total = 1000
    for k, day in enumerate(days):
        total += 40 + k
        rows.append([k + 1, day, 40 + k, total, ""])
    return rows


DECEMBER = ["1/12", "2/12", "3/12", "4/12", "5/12"]


@pytest.mark.parametrize(
    "title, days, year",
    [
        # A start date was taken for the report's date: stored in 2020, no warning.
        ([["BÁO CÁO THÁNG 12 NĂM 2021"], ["Thực hiện từ ngày 01/3/2021"]], DECEMBER, 2021),
        ([["BÁO CÁO TIẾN ĐỘ NĂM 2021"], ["Đợt cao điểm triển khai từ ngày 01/3/2021"]], DECEMBER, 2021),
        ([["BÁO CÁO THÁNG 1 NĂM 2022"], ["Triển khai từ ngày 15/10/2021"]], ["1/1", "2/1", "3/1"], 2022),
        ([["BÁO CÁO THÁNG 12 NĂM 2021"], ["Số liệu tính đến ngày 05/01/2022"]], ["30/12", "31/12"], 2021),
    ],
)
def test_a_units_own_days_are_dated_by_the_title_and_the_reports_date_never_a_start_date(title, days, year):
    report = _import({"Báo cáo": _own_days(title, days)}, "ky_tan.xlsx")
    assert report.status == "checked", report.message
    got = sorted(day for _, day in _of(report, "collected"))
    assert [day[:4] for day in got] == [str(year)] * len(days)


@pytest.mark.parametrize(
    "title, days",
    [
        # A date line months after December days: 20/12/2020 (the report 81 days late) or a
        # line stale since March over December 2021; 86 days before it was taken as near.
        ([["Số liệu tính đến ngày 15/3/2021"]], ["20/12", "21/12", "22/12", "23/12", "24/12"]),
        # A start line and a date line 45 days after the days: its year taken alone stored
        # December 2022, ten months after the report's own date, without a word.
        (
            [["Thực hiện từ ngày 7/12/2021"], ["Số liệu tính đến 17h ngày 14/2/2022"]],
            ["27/12", "28/12", "31/12"],
        ),
    ],
)
def test_a_units_own_december_days_far_before_the_reports_date_are_asked_for_their_year(title, days):
    report = _import({"Báo cáo": _own_days(title, days)}, "ky_tan.xlsx")
    assert report.status == "refused"
    problem = report.problems[0]
    assert (problem.code, problem.sheet, problem.column) == ("no_date", "Báo cáo", "B")
    assert "hơn một tháng" in problem.message


@pytest.mark.parametrize(
    "title, days, first",
    [
        # Days of the date line's own year weeks before it: read in that year, as always.
        ([["Số liệu tính đến ngày 08/3/2023"]], ["3/1", "4/1", "5/1"], "2023-01-03"),
        # Across New Year, ending in the date line's year 45 days before it.
        ([["Số liệu tính đến 17h ngày 16/2/2022"]], ["30/12", "31/12", "1/1", "2/1"], "2021-12-30"),
        # Only a start line: the days from it on (refused for want of a year after round 26).
        ([["Thực hiện từ ngày 11/3/2021"]], ["11/3", "12/3", "13/3"], "2021-03-11"),
        ([["Triển khai từ ngày 15/12/2021"]], ["30/12", "31/12", "1/1"], "2021-12-30"),
    ],
)
def test_a_units_own_days_a_late_date_line_or_a_start_line_dates(title, days, first):
    report = _import({"Báo cáo": _own_days(title, days)}, "ky_tan.xlsx")
    assert report.status == "checked", report.message
    got = sorted(day for _, day in _of(report, "collected"))
    assert got[0] == first and len(got) == len(days)


def test_a_units_own_days_whose_title_month_and_date_line_disagree_are_asked_for_their_year():
    title = [["BÁO CÁO THÁNG 12 NĂM 2021"], ["Số liệu tính đến ngày 05/01/2021"]]
    report = _import({"Báo cáo": _own_days(title, ["27/12", "28/12", "29/12"])}, "ky_tan.xlsx")
    assert report.status == "refused"
    problem = report.problems[0]
    assert (problem.code, problem.sheet, problem.row, problem.column) == ("no_date", "Báo cáo", 6, "B")
    assert "tháng 12 năm 2021" in problem.message and "5/1/2021" in problem.message


def _district_and_a_log(days: list[str]) -> dict[str, list[list]]:
    """A district's table dated by its date line, and one commune's own log of days without
    their year, nothing above it giving a year."""
    table = [*TOP_KA, ["Số liệu tính đến ngày 15/3/2021"], HEADER]
    table += [
        [1, "Xã Kỳ Xuân", 3100, 12, 1025],
        [2, "Xã Kỳ Bắc", 3311, 15, 1164],
        [None, "Tổng cộng", 6411, 27, 2189],
    ]
    log = [["CÔNG AN XÃ KỲ TÂN"], ["SỔ THEO DÕI THU NHẬN HỒ SƠ"]]
    log.append(["STT", "Ngày", "Thu nhận trong ngày", "Lũy kế thu nhận", "Ghi chú"])
    log += [[k + 1, day, 9, 755 + 9 * (k + 1), ""] for k, day in enumerate(days)]
    return {"Tổng hợp": table, "Kỳ Tân": log}


def test_a_units_undated_log_beside_a_table_of_communes_takes_the_workbooks_date_line():
    # The whole file was refused for the log sheet, read without it before round 26.
    report = _import(_district_and_a_log(["11/3", "12/3", "13/3", "14/3", "15/3"]), "ky_anh.xlsx")
    assert report.status == "checked", report.message
    days = {day for _, day in _of(report, "collected")}
    assert days == {"2021-03-11", "2021-03-12", "2021-03-13", "2021-03-14", "2021-03-15"}
    assert _of(report, "collected")[(_key("Xã Kỳ Xuân"), "2021-03-15")] == 1025


def test_a_units_log_the_workbook_does_not_date_beside_a_table_of_communes_is_left_out_with_a_warning():
    report = _import(_district_and_a_log(["29/12", "30/12", "31/12", "1/1", "2/1"]), "ky_anh.xlsx")
    assert report.status == "checked", report.message
    skipped = [p for p in report.problems if p.code == "sheet_skipped"]
    assert [(p.sheet, p.row, p.severity) for p in skipped] == [("Kỳ Tân", 4, "warning")]
    assert "«29/12»" in skipped[0].message
    assert {day for _, day in _of(report, "collected")} == {"2021-03-15"}
