"""Wide workbooks (one column per day) and workbooks of one sheet per day, with headers and
sheet names as offices write them; every unit-day figure read is checked against the truth."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
import pytest

from cccd_analytics import ingest, registry

REG = registry.load_registry()
KY_ANH = REG.index[(REG.level == "district") & (REG.name == "Huyện Kỳ Anh")][0]
UNITS = ["Xã Kỳ Khang", "Xã Kỳ Thọ", "Xã Kỳ Tây"]
KEY = {n: REG.index[(REG.name == n) & (REG.parent_key == KY_ANH)][0] for n in UNITS}
DAYS = [date(2023, 5, 15 + k) for k in range(4)]
DAILY = {n: [10 + i, 12 + i, 0, 9 + i] for i, n in enumerate(UNITS)}
BEFORE = {n: 200 + 10 * i for i, n in enumerate(UNITS)}  # running total before the first day
WEEKDAY = ["T2", "T3", "T4", "T5", "T6", "T7", "CN"]


def _running(name: str, day: date) -> int:
    return BEFORE[name] + sum(DAILY[name][: DAYS.index(day) + 1])


def _book(sheets, hidden=()) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets:
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        if name in hidden:
            sheet.sheet_state = "hidden"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _collected(obs) -> dict[tuple[str, date], int]:
    part = obs[obs.metric == "collected"]
    return {(k, d): int(v) for k, d, v in zip(part.unit_key, part.date, part.value)}


def _truth(days=DAYS) -> dict[tuple[str, date], int]:
    return {(KEY[n], d): _running(n, d) for n in UNITS for d in days}


FIXED = ["STT", "Xã", "Số CD đủ ĐK"]
TITLE = "BÁO CÁO TIẾN ĐỘ THU NHẬN HỒ SƠ CCCD HUYỆN KỲ ANH"


def _wide(header_rows, *, running=False, total=True, blank=(), title=TITLE, pad=0):
    rows = [[title], *header_rows]
    for i, n in enumerate(UNITS):
        figures = [_running(n, d) if running else DAILY[n][k] for k, d in enumerate(DAYS)]
        figures = ["" if k in blank else v for k, v in enumerate(figures)] + [""] * pad
        rows.append([i + 1, n, 5000, *figures] + ([_running(n, DAYS[-1])] if total else []))
    return rows


def _one_row(label) -> list[list]:
    return [FIXED + [label(d) for d in DAYS] + ["Lũy kế"]]


WIDE = {
    "15/5": _one_row(lambda d: f"{d.day}/{d.month}"),
    "15/5/2023": _one_row(lambda d: f"{d.day}/{d.month}/{d.year}"),
    "Ngày 15/5": _one_row(lambda d: f"Ngày {d.day}/{d.month}"),
    "15-5": _one_row(lambda d: f"{d.day}-{d.month}"),
    "15.5": _one_row(lambda d: f"{d.day}.{d.month}"),
    "15.05": _one_row(lambda d: f"{d.day:02d}.{d.month:02d}"),
    "date cells": _one_row(lambda d: datetime(d.year, d.month, d.day)),
    "T2 15/5": _one_row(lambda d: f"{WEEKDAY[d.weekday()]} {d.day}/{d.month}"),
    "weekday row above": [["", "", ""] + [WEEKDAY[d.weekday()] for d in DAYS] + [""]]
    + _one_row(lambda d: f"{d.day}/{d.month}"),
    "Tháng 5 over day numbers": [
        FIXED[:3] + ["Tháng 5", "", "", "", "Lũy kế"],
        ["", "", ""] + [str(d.day) for d in DAYS] + [""],
    ],
    "Tháng 5/2023 over day number cells": [
        FIXED[:3] + ["Tháng 5/2023", "", "", "", "Lũy kế"],
        ["", "", ""] + [d.day for d in DAYS] + [""],
    ],
    "daily header over days": [
        FIXED[:3] + ["Số hồ sơ thu nhận trong ngày", "", "", "", "Lũy kế"],
        ["", "", ""] + [f"{d.day}/{d.month}" for d in DAYS] + [""],
    ],
    "Tổng lũy kế": [FIXED + [f"{d.day}/{d.month}" for d in DAYS] + ["Tổng lũy kế"]],
    # Three header rows: the fixed columns' names merged down over all three, the days'
    # words over their month ("Tháng 5", a row of its own) over the day numbers.
    "words over Tháng 5 over day numbers": [
        FIXED[:3] + ["Số hồ sơ thu nhận trong ngày", "", "", "", "Lũy kế"],
        ["", "", "", "Tháng 5", "", "", "", ""],
        ["", "", ""] + [d.day for d in DAYS] + [""],
    ],
}


def test_a_title_of_days_that_says_running_totals_in_brackets_reads_running_totals():
    # "THEO NGÀY (LŨY KẾ)": a column per day, each a running total.
    data = _book(
        [
            (
                "Sheet1",
                _wide(WIDE["15/5"], running=True, total=False, title=TITLE + " THEO NGÀY (LŨY KẾ) NĂM 2023"),
            )
        ]
    )
    report, obs = ingest.read_observations(data, "ky_anh.xlsx")
    assert obs is not None, report.message
    assert _collected(obs) == _truth()


@pytest.mark.parametrize("name", list(WIDE))
def test_a_wide_report_gives_every_unit_day(name):
    data = _book([("Sheet1", _wide(WIDE[name], title=TITLE + " NĂM 2023"))])
    report, obs = ingest.read_observations(data, "ky_anh.xlsx")
    assert obs is not None, report.message
    assert _collected(obs) == _truth()


def test_day_numbers_under_a_date_header_take_the_month_from_the_title():
    header = [FIXED[:3] + ["Ngày", "", "", "", "Lũy kế"], ["", "", ""] + [d.day for d in DAYS] + [""]]
    report, obs = ingest.read_observations(
        _book([("BC", _wide(header, title="BÁO CÁO THÁNG 5 NĂM 2023"))]), "x.xlsx"
    )
    assert obs is not None, report.message
    assert _collected(obs) == _truth()


@pytest.mark.parametrize("year", ["", "/2023"])
def test_each_day_merged_over_its_days_figure_and_running_total(year):
    # | 15/5                | 16/5                | …
    # | Trong ngày | Lũy kế | Trong ngày | Lũy kế | …
    top, below = list(FIXED), [""] * len(FIXED)
    for d in DAYS:
        top += [f"{d.day}/{d.month}{year}", ""]
        below += ["Trong ngày", "Lũy kế"]
    rows = [[TITLE + " NĂM 2023"], top, below]
    for i, n in enumerate(UNITS):
        pairs = [v for k, d in enumerate(DAYS) for v in (DAILY[n][k], _running(n, d))]
        rows.append([i + 1, n, 5000, *pairs])
    report, obs = ingest.read_observations(_book([("BC", rows)]), "x.xlsx")
    assert obs is not None, report.message
    assert _collected(obs) == _truth()


def test_a_total_after_daily_columns_that_counts_from_before_them_is_the_running_total():
    header = FIXED + [datetime(d.year, d.month, d.day) for d in DAYS] + ["Tổng"]
    rows = [[TITLE], header]
    rows += [[i + 1, n, 5000, *DAILY[n], _running(n, DAYS[-1])] for i, n in enumerate(UNITS)]
    report, obs = ingest.read_observations(_book([("BC", rows)]), "x.xlsx")
    assert obs is not None, report.message
    assert _collected(obs) == _truth()


def test_a_total_equal_to_the_days_shown_is_their_sum_and_needs_a_running_total():
    header = FIXED + [datetime(d.year, d.month, d.day) for d in DAYS] + ["Tổng"]
    rows = [[TITLE], header] + [[i + 1, n, 5000, *DAILY[n], sum(DAILY[n])] for i, n in enumerate(UNITS)]
    report, obs = ingest.read_observations(_book([("BC", rows)]), "x.xlsx")
    assert obs is None and "thiếu cột lũy kế" in report.message


def test_a_row_of_column_numbers_is_not_a_row_of_days():
    rows = [[TITLE], ["Ngày 15/5/2023"], ["STT", "Xã", "Số CD đủ ĐK", "Lũy kế thu nhận"], [1, 2, 3, 4]]
    rows += [[i + 1, n, 5000, _running(n, DAYS[0])] for i, n in enumerate(UNITS)]
    report, obs = ingest.read_observations(_book([("BC", rows)]), "x.xlsx")
    assert obs is not None, report.message
    assert _collected(obs) == _truth(DAYS[:1])


def test_running_totals_in_the_day_columns_need_no_total_column():
    data = _book([("S", _wide(_one_row(lambda d: f"{d.day}/{d.month}")[:1], running=True, total=False))])
    # the header's "Lũy kế" cell is there but empty below: the day columns hold running totals
    report, obs = ingest.read_observations(data, "ky_anh_2023.xlsx")
    assert obs is not None, report.message
    assert _collected(obs) == _truth()


def test_the_year_comes_from_the_file_name():
    report, obs = ingest.read_observations(_book([("S", _wide(WIDE["15/5"]))]), "ky_anh_thang5_2023.xlsx")
    assert obs is not None, report.message
    assert _collected(obs) == _truth()


def test_a_month_template_filled_to_today_puts_the_total_on_the_last_day_filled():
    # Days 15–18 filled, 19–21 still blank: "Lũy kế" is the running total on 18/5.
    header = [FIXED + [f"{15 + k}/5" for k in range(7)] + ["Lũy kế"]]
    data = _book([("S", _wide(header, pad=3, title=TITLE + " NĂM 2023"))])
    report, obs = ingest.read_observations(data, "x.xlsx")
    assert obs is not None, report.message
    assert _collected(obs) == _truth()
    assert "để trống" in report.layout or any("để trống" in str(v) for v in report.to_dict().values())


def test_a_day_column_blank_on_every_row_is_a_day_nobody_reported():
    data = _book([("S", _wide(WIDE["15/5"], blank=(2,), title=TITLE + " NĂM 2023"))])
    report, obs = ingest.read_observations(data, "x.xlsx")
    assert obs is not None, report.message
    want = _truth([d for k, d in enumerate(DAYS) if k != 2])
    assert _collected(obs) == want


# -- one sheet per day ------------------------------------------------------------------------


def _day_sheet(day: date, date_line: str | None = None, title: str = TITLE + " NĂM 2023") -> list[list]:
    rows = [[title]] + ([[date_line]] if date_line else [])
    rows.append(["STT", "Xã", "Số CD đủ ĐK", "Lũy kế thu nhận"])
    return rows + [[i + 1, n, 5000, _running(n, day)] for i, n in enumerate(UNITS)]


SHEET_NAMES = {
    "15-5": lambda d: f"{d.day}-{d.month}",
    "15.5": lambda d: f"{d.day}.{d.month}",
    "Ngày 15.5": lambda d: f"Ngày {d.day}.{d.month}",
    "15052023": lambda d: f"{d.day:02d}{d.month:02d}{d.year}",
    "BC 15-5": lambda d: f"BC {d.day}-{d.month}",
    "15-05-2023": lambda d: f"{d.day:02d}-{d.month:02d}-{d.year}",
}


@pytest.mark.parametrize("style", list(SHEET_NAMES))
def test_sheets_named_after_days(style):
    data = _book([(SHEET_NAMES[style](d), _day_sheet(d)) for d in DAYS])
    report, obs = ingest.read_observations(data, "ky_anh.xlsx")
    assert obs is not None, report.message
    assert _collected(obs) == _truth()


def test_sheets_dated_only_by_their_title_line():
    sheets = [
        (f"Sheet{k + 1}", _day_sheet(d, f"Số liệu tính đến ngày {d.day}/{d.month}/{d.year}"))
        for k, d in enumerate(DAYS)
    ]
    report, obs = ingest.read_observations(_book(sheets), "ky_anh.xlsx")
    assert obs is not None, report.message
    assert _collected(obs) == _truth()


def test_sheets_out_of_order_without_a_year_in_the_title_take_the_file_names_year():
    order = [DAYS[2], DAYS[0], DAYS[3], DAYS[1]]
    sheets = [(f"{d.day}-{d.month}", _day_sheet(d, title=TITLE)) for d in order]
    report, obs = ingest.read_observations(_book(sheets), "ky_anh_T5-2023.xlsx")
    assert obs is not None, report.message
    assert _collected(obs) == _truth()


def test_day_sheets_without_any_year_are_refused_saying_where_the_year_is_missing():
    sheets = [(f"{d.day}-{d.month}", _day_sheet(d, title=TITLE)) for d in DAYS]
    report, obs = ingest.read_observations(_book(sheets), "ky_anh.xlsx")
    assert obs is None
    assert "tên trang «15-5» ghi ngày nhưng không có năm" in report.message


@pytest.mark.parametrize(
    ("name", "title", "file_name"),
    [
        ("{}", TITLE + " THÁNG 5 NĂM 2023", "ky_anh.xlsx"),
        ("Ngày {}", TITLE, "ky_anh_thang5_2023.xlsx"),
        ("N{}", TITLE + " NĂM 2023", "KyAnh_T5.xlsx"),
    ],
)
def test_sheets_named_by_the_day_alone_take_the_month_from_the_title_or_file_name(name, title, file_name):
    data = _book([(name.format(d.day), _day_sheet(d, title=title)) for d in DAYS])
    report, obs = ingest.read_observations(data, file_name)
    assert obs is not None, report.message
    assert _collected(obs) == _truth()


def test_sheets_named_by_the_day_alone_out_of_order_keep_the_month_each_title_says():
    # "17", "15", "16": each title says THÁNG 5, so "15" is no day of the month after.
    order = [DAYS[2], DAYS[0], DAYS[1], DAYS[3]]
    data = _book([(str(d.day), _day_sheet(d, title=TITLE + " THÁNG 5 NĂM 2023")) for d in order])
    report, obs = ingest.read_observations(data, "ky_anh.xlsx")
    assert obs is not None, report.message
    assert _collected(obs) == _truth()


def test_a_hidden_old_copy_beside_the_report_is_left_out_saying_so():
    old_copy = _day_sheet(DAYS[0], date_line=f"Số liệu tính đến ngày {DAYS[0]:%d/%m/%Y}")
    report_sheet = _day_sheet(DAYS[-1], date_line=f"Số liệu tính đến ngày {DAYS[-1]:%d/%m/%Y}")
    data = _book([("BC cu", old_copy), ("Báo cáo", report_sheet)], hidden=("BC cu",))
    report, obs = ingest.read_observations(data, "ky_anh.xlsx")
    assert obs is not None, report.message
    assert _collected(obs) == _truth([DAYS[-1]])
    (skipped,) = [p for p in report.problems if p.code == "sheet_skipped"]
    assert skipped.sheet == "BC cu" and "trang ẩn" in skipped.message


def test_sheets_named_by_the_day_alone_without_a_month_are_refused_saying_so():
    data = _book([(str(d.day), _day_sheet(d)) for d in DAYS])
    report, obs = ingest.read_observations(data, "ky_anh.xlsx")
    assert obs is None
    assert "tên trang «15» chỉ ghi ngày, không ghi tháng" in report.message


def test_numbered_sheets_with_their_own_date_lines_keep_them():
    # "1", "2", … number the sheets here; each says its own day.
    sheets = [
        (
            str(k + 1),
            _day_sheet(d, f"Số liệu tính đến ngày {d.day}/{d.month}/{d.year}", title=TITLE + " THÁNG 5"),
        )
        for k, d in enumerate(DAYS)
    ]
    report, obs = ingest.read_observations(_book(sheets), "ky_anh.xlsx")
    assert obs is not None, report.message
    assert _collected(obs) == _truth()


@pytest.mark.parametrize("first", [True, False])
def test_a_summary_sheet_beside_the_days_is_left_out_and_said(first):
    summary = ("Tổng hợp", _day_sheet(DAYS[-1], title="TỔNG HỢP"))
    days = [(f"{d.day}.{d.month}", _day_sheet(d)) for d in DAYS]
    report, obs = ingest.read_observations(_book([summary, *days] if first else [*days, summary]), "x.xlsx")
    assert obs is not None, report.message
    assert _collected(obs) == _truth()
    assert any(p.code == "sheet_skipped" and p.sheet == "Tổng hợp" for p in report.problems)


def test_hidden_and_empty_sheets_are_not_days():
    days = [(f"{d.day}.{d.month}", _day_sheet(d)) for d in DAYS]
    old = ("14.5", _day_sheet(DAYS[0]))  # an old copy, hidden
    data = _book([*days, old, ("Mẫu", _day_sheet(DAYS[0])), ("Sheet3", [])], hidden=("14.5", "Mẫu"))
    report, obs = ingest.read_observations(data, "x.xlsx")
    assert obs is not None, report.message
    assert _collected(obs) == _truth()
    skipped = {p.sheet for p in report.problems if p.code == "sheet_skipped"}
    assert skipped == {"14.5", "Mẫu"}


@pytest.mark.parametrize(
    "date_row",
    [
        ["Số liệu tính đến ngày", datetime(2023, 5, 15)],
        ["Số liệu tính đến ngày 2023-05-15"],
        ["Số liệu tính đến ngày", "2023-05-15 00:00:00"],
    ],
)
def test_a_date_line_with_a_date_cell_or_an_iso_date_is_read_as_that_day(date_row):
    # A date cell read as text was "2023-05-15 00:00:00", and "23-05-15" in it was 23/5/2015.
    rows = [[TITLE], date_row, FIXED + ["Lũy kế thu nhận"]]
    rows += [[i + 1, n, 5000, _running(n, DAYS[0])] for i, n in enumerate(UNITS)]
    report, obs = ingest.read_observations(_book([("BC", rows)]), "x.xlsx")
    assert obs is not None, report.message
    assert set(obs.date) == {DAYS[0]}


def test_a_file_named_by_day_and_month_takes_the_year_from_the_title():
    rows = [[TITLE + " NĂM 2023"], FIXED + ["Lũy kế thu nhận"]]
    rows += [[i + 1, n, 5000, _running(n, DAYS[0])] for i, n in enumerate(UNITS)]
    report, obs = ingest.read_observations(_book([("BC", rows)]), "Bao cao ngay 15-5.xlsx")
    assert obs is not None, report.message
    assert set(obs.date) == {DAYS[0]}
    rows[0] = [TITLE]
    report, obs = ingest.read_observations(_book([("BC", rows)]), "Bao cao ngay 15-5.xlsx")
    assert obs is None and "tên tệp «Bao cao ngay 15-5.xlsx» ghi ngày nhưng không có năm" in report.message
