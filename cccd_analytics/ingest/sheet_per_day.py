"""The sheet-per-day layout: a workbook whose sheets are days, the day only in the sheet's
name ("16-05-2023", "Ngày 16.5", "16.5.2023", "16.05", or the day alone — "16", "Ngày 16" —
with the month in the titles or the file name).

Each sheet is read as a report of its own.  When two sheets or more are named after
different days, the name is each sheet's date — it wins over a date line inside the
sheet, which people copy from sheet to sheet and forget to change (a disagreement is
warned).  A single sheet named after a day ("15.03") keeps its date line; the name dates
it only when nothing inside does.  A year left out of the names is taken from the
report's date, the file name, a year written in the sheets' titles, or a campaign.  The
whole workbook is one upload: one transaction, one undo.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from cccd_analytics.ingest import layout as layouts
from cccd_analytics.ingest import normalise
from cccd_analytics.ingest.readers import Sheet
from cccd_analytics.ingest.report import ImportReport, Problem
from cccd_analytics.text import date_vn, fold

# Names of a summary sheet beside the days: it repeats the days' figures.
_SUMMARY_NAMES = ("tong hop", "tong", "th", "luy ke", "cong don", "bao cao tong", "tonghop", "tong cong")


def date_sheets(
    prepared: list[tuple[Sheet, layouts.Layout | None, tuple | None]],
    file_name: str,
    given: date | None,
    windows: list[tuple[date, date]],
    report: ImportReport | None = None,
) -> bool:
    """Date the layouts of sheets named after days; True when the workbook is one sheet
    per day."""
    # A hidden sheet is an old copy or a template (left out by `leave_out`), not a day.
    named = [
        (i, normalise.sheet_day_label(sheet.name))
        for i, (sheet, found, _) in enumerate(prepared)
        if not getattr(sheet, "hidden", False)
    ]
    named = [(i, label) for i, label in named if label is not None and prepared[i][1] is not None]
    first = [label for _, label in named if label.rest == normalise.MONTH_FIRST]
    if len(first) >= 3 and all(
        (b.month - a.month, b.day - a.day) == (1, 1) for a, b in zip(first, first[1:])
    ):
        return False  # "T2-15 | T3-16 | T4-17": weekdays and their days, not months
    if not named:
        named = _days_alone(prepared, file_name, given, windows, report)
    else:
        named = _with_neighbours_months(prepared, named)
    if not named:
        return False
    anchor = given or normalise.date_from_file_name(file_name)
    if anchor is None:
        dated = [prepared[i][1].report_date for i, _ in named if prepared[i][1].report_date]
        anchor = max(dated) if dated else None
    # The sheets' date lines are often copies of the first sheet's: the days may run past
    # a real date.  A year alone (31/12 of it) lets none.
    late = normalise.STALE_DATE_LINE_DAYS if anchor is not None else 1
    year_only = anchor is None
    if anchor is None:
        years = set()
        for sheet, found, _ in prepared:
            if found is not None:
                years |= normalise.years_in(
                    " ".join(normalise.text(c) for c in row) for row in sheet.rows[: found.header_rows[0]]
                )
        anchor = date(years.pop(), 12, 31) if len(years) == 1 else None
    if anchor is None and normalise.year_from_file_name(file_name):
        anchor = date(normalise.year_from_file_name(file_name), 12, 31)
    # The sheets in the workbook's order are days in order (a run crossing New Year too).
    days = normalise.with_years(
        [label for _, label in named], anchor, windows, late=late, year_only=year_only
    )
    if days is None:
        return False
    per_day = len({(d.month, d.day) for d in days}) >= 2
    copies = _copies_dated_inside(prepared, named, days) if per_day else {}
    for (i, _), day in zip(named, days):
        sheet, found, _ = prepared[i]
        if i in copies:
            found.data_date, found.data_date_origin = copies[i], "sheet_name"
            found.data_date_source = (
                f"dòng ngày trong trang «{sheet.name}» (tên trang là bản sao Excel của trang "
                f"«{_copied_from(sheet.name)}», chưa đổi tên)"
            )
            if report is not None:
                report.problems.append(
                    Problem.of(
                        "date_mismatch",
                        f"tên trang «{sheet.name}» là bản sao của trang «{_copied_from(sheet.name)}» chưa "
                        f"đổi tên; đã dùng ngày {date_vn(copies[i])} theo dòng ngày trong trang.",
                        sheet=sheet.name,
                        row=found.date_row + 1 if found.date_row is not None else None,
                    )
                )
        elif per_day:
            found.data_date, found.data_date_origin = day, "sheet_name"
            found.data_date_source = f"tên trang «{sheet.name}»"
        else:
            found.sheet_date = day
    return per_day


_COPY = re.compile(r"^(?P<base>.*\S)\s*\(\d{1,2}\)$")


def _copied_from(name: str | None) -> str | None:
    """The sheet a name says it was copied from: Excel names a copy of "23.4" "23.4 (2)"."""
    found = _COPY.match((name or "").strip())
    return found.group("base") if found else None


def _copies_dated_inside(
    prepared: list[tuple[Sheet, layouts.Layout | None, tuple | None]],
    named: list[tuple[int, normalise.DayLabel]],
    days: list[date],
) -> dict[int, date]:
    """Sheets that are Excel's copy of another day's sheet, never renamed ("23.4 (2)" beside
    "23.4"), whose own date line names a day no other sheet is named after, within the run
    (or the day after it): the next day's report made from the day before's, dated by its
    line.  Dated by the name, the two sheets were refused as two values of the same day.

    Only where the line can be a report's date: the other sheets' date lines say their
    names' days (a line signed the next morning — "ngày 23 tháng 4" on sheet "22.4" — would
    make an untouched backup copy of the last sheet a day the file never reports, every
    commune given the day before's figures), and the copy's figures are not those of the
    sheet it copies (an identical copy is a backup, not a new day)."""
    names = {(prepared[i][0].name or "").strip(): day for (i, _), day in zip(named, days)}
    by_name = {(prepared[i][0].name or "").strip(): i for i, _ in named}
    lines = [
        (prepared[i][1].report_date, day)
        for (i, _), day in zip(named, days)
        if _copied_from(prepared[i][0].name) not in names and prepared[i][1].report_date is not None
    ]
    if not lines or any(line != day for line, day in lines):
        return {}
    taken = set(days)
    out: dict[int, date] = {}
    for (i, _), day in zip(named, days):
        found = prepared[i][1]
        base = _copied_from(prepared[i][0].name)
        line = found.report_date
        if base is None or names.get(base) != day or line is None or line in taken:
            continue
        if _figures(prepared[i]) == _figures(prepared[by_name[base]]):
            continue
        if min(days) <= line <= max(days) + timedelta(days=1):
            out[i] = line
            taken.add(line)
    return out


def _figures(item: tuple[Sheet, layouts.Layout | None, tuple | None]) -> list[list[str]]:
    """A sheet's rows below its header, as shown, blank cells at the ends dropped."""
    sheet, found, _ = item
    out = []
    for row in sheet.rows[found.first_data_row :]:
        cells = [normalise.text(c) for c in row]
        while cells and not cells[-1]:
            cells.pop()
        if cells:
            out.append(cells)
    return out


def _with_neighbours_months(
    prepared: list[tuple[Sheet, layouts.Layout | None, tuple | None]],
    named: list[tuple[int, normalise.DayLabel]],
) -> list[tuple[int, normalise.DayLabel]]:
    """Sheets named by the day alone ("Ngay 17") among sheets named by day and month ("15.3",
    "16-3"), as one person names the days as they come: the month of the sheet named before it
    (the next month when the day is lower: "31.3", "1"), else of the one after it.  Such a sheet
    was left out as undated, its day lost with a warning only."""
    have = {i for i, _ in named}
    alone = [
        (i, day)
        for i, (sheet, found, _) in enumerate(prepared)
        if i not in have
        and found is not None
        and not getattr(sheet, "hidden", False)
        and (day := normalise.day_alone(sheet.name)) is not None
        # As in `_days_alone`: a bare number names a day less surely than "16.5" does.
        and not (found.report_date or found.data_date)
    ]
    out = list(named)
    for i, day in alone:
        before = [label for k, label in named if k < i]
        after = [label for k, label in named if k > i]
        if before:
            near = before[-1]
            month, year = (near.month, near.year) if day >= near.day else (near.month % 12 + 1, None)
        else:
            near = after[0]
            month, year = (near.month, near.year) if day <= near.day else ((near.month - 2) % 12 + 1, None)
        # Only a day close to its neighbour's continues the run ("1" after "15.3" may
        # number a section, not 1 April).
        gap = (day - near.day) % 31 if before else (near.day - day) % 31
        if gap > 7:
            continue
        out.append((i, normalise.DayLabel(day, month, year, "")))
    return sorted(out, key=lambda item: item[0])


def _days_alone(
    prepared: list[tuple[Sheet, layouts.Layout | None, tuple | None]],
    file_name: str,
    given: date | None,
    windows: list[tuple[date, date]] = (),
    report: ImportReport | None = None,
) -> list[tuple[int, normalise.DayLabel]]:
    """Sheets named by the day of the month alone ("15", "Ngày 16", "N17"), the month said
    by the sheets' titles ("BÁO CÁO THÁNG 5 NĂM 2023"), else by the file name
    ("BC_thang5_2023.xlsx", "KyAnh_T5.xlsx"), else by the report's date.  A day lower than
    the one before starts the next month ("30, 31, 1, 2").  Empty when fewer than two sheets
    are so named or no month can be told."""
    days = [
        (i, day)
        for i, (sheet, found, _) in enumerate(prepared)
        if found is not None
        and not getattr(sheet, "hidden", False)
        and (day := normalise.day_alone(sheet.name)) is not None
    ]
    # A bare number names a day less surely than "16.5" does ("1", "2" may number sections):
    # it is read as one only where the sheets say no date of their own.
    if len(days) < 2 or any(prepared[i][1].report_date or prepared[i][1].data_date for i, _ in days):
        return []
    written, days = days, _in_date_order(days)
    # Put in date order across a month's end ("Ngày 2 | Ngày 1 | Ngày 31 | Ngày 30"): the month
    # a title or the file name says may be the newest day's or the oldest's.
    turned = days != written and _falls(days) > 0

    def titles(i: int) -> list[str]:
        return [
            " ".join(normalise.text(c) for c in row)
            for row in prepared[i][0].rows[: prepared[i][1].header_rows[0]]
        ]

    # Each sheet's own title saying its month ("BÁO CÁO NGÀY … THÁNG 3"): that month, whatever
    # the order of the sheets ("17", "15", "16" is no run into the next month).
    own = [normalise.month_in_lines(titles(i)) for i, _ in days]
    if all(own) and len(set(own)) == 1 and _runs_into_next_month([day for _, day in days]):
        # One title copied onto every sheet ("THÁNG 5" on "Ngày 30", "Ngày 1", "Ngày 2"): each
        # day taken in it, 1/5 and 2/5 came before 30/5 and the workbook was refused as its
        # running totals falling.  The title may be the first sheet's month (30/5, 1/6, 2/6)
        # or the later sheets' (30/4, 1/5, 2/5: the month the workbook was opened for);
        # read only when one reading alone fits, else asked for the dates.
        return _copied_month(prepared, days, own[0], file_name, given, windows, report)
    if all(own) and own:
        years = {y for _, y in own if y}
        fill = years.pop() if len(years) == 1 else None
        return [(i, normalise.DayLabel(day, m, y or fill, "")) for (i, day), (m, y) in zip(days, own)]
    month = normalise.month_in_lines(line for i, _ in days for line in titles(i)) or normalise.month_in_lines(
        [file_name], file_name=True
    )
    if month is None and given is not None and days[-1][1] <= given.day:
        # The date given is the report's, on or after its last sheet's day: that sheet's
        # month, and the first sheet's as many months before as the days fall on the way
        # ("30 | 31 | 1 | 2" given 2/8/2021: 30/7 … 2/8; given as the first sheet's month,
        # the run was stored on 30/8 … 2/9, after the date given, without a word).
        m, y = given.month, given.year
        for _ in range(_falls(days)):
            m, y = (12, y - 1) if m == 1 else (m - 1, y)
        month = (m, y)
    if month is None:
        return []
    if turned:
        # Given the oldest day's month, "Ngày 2 | Ngày 1 | Ngày 31 | Ngày 30" in KyAnh_T8_2021.xlsx
        # (30/7 … 2/8) was stored on 30/8 … 2/9 without a word: read only when a date settles it.
        return _copied_month(prepared, days, month, file_name, given, windows, report, turned=True)
    (month, year), previous, out = month, 0, []
    for i, day in days:
        if day < previous:
            month, year = (1, year + 1 if year else None) if month == 12 else (month + 1, year)
        previous = day
        out.append((i, normalise.DayLabel(day, month, year, "")))
    return out


def _falls(days: list[tuple[int, int]]) -> int:
    """How many times the day falls from one sheet to the next (each a month's end passed)."""
    return sum(b < a for (_, a), (_, b) in zip(days, days[1:]))


def _copied_month(
    prepared,
    days: list[tuple[int, int]],
    month: tuple,
    file_name: str,
    given,
    windows,
    report,
    turned: bool = False,
) -> list[tuple[int, normalise.DayLabel]]:
    """Days alone running into the next month under one month title copied onto every sheet:
    the reading where the title is the first sheet's month, or the one where it is the last
    sheet's.  The one whose every day is a day of the calendar ("31" under "THÁNG 4" is 31/3),
    else the one a date confirms — the date given, one in the file name (a day of the run), a
    campaign covering it alone; else none, refused naming the sheets."""
    (first_month, year), falls = month, _falls(days)

    def reading(month: int, year: int | None) -> list[tuple[int, normalise.DayLabel]] | None:
        out, previous = [], 0
        for i, day in days:
            if day < previous:
                month, year = (1, year + 1 if year else None) if month == 12 else (month + 1, year)
            previous = day
            if normalise._make(year or 2024, month, day) is None:
                return None  # "31" in April: no day
            out.append((i, normalise.DayLabel(day, month, year, "")))
        return out

    start, start_year = first_month, year
    for _ in range(falls):
        start, start_year = (
            (12, start_year - 1 if start_year else None) if start == 1 else (start - 1, start_year)
        )
    readings = [r for r in (reading(first_month, year), reading(start, start_year)) if r is not None]
    if len(readings) == 2:
        confirmed = [r for r in readings if _confirmed(r, file_name, given, windows)]
        readings = confirmed if len(confirmed) == 1 else readings
    if len(readings) == 1:
        return readings[0]
    if report is not None and readings:
        sheet, found = prepared[days[0][0]][:2]
        row = next(
            (
                r
                for r in range(found.header_rows[0])
                if normalise.month_in_lines([" ".join(normalise.text(c) for c in sheet.rows[r])])
            ),
            found.header_rows[0],
        )
        report.needs_date = True
        shown = [", ".join(f"{label.day}/{label.month}" for _, label in r) for r in readings]
        names = ", ".join(f"«{prepared[i][0].name}»" for i, _ in sorted(days)[:6]) + (
            "…" if len(days) > 6 else ""
        )
        why = (
            f"không theo thứ tự ngày, qua cuối tháng: không biết tháng {first_month} ghi ở tiêu đề hay tên tệp "
            f"là tháng của ngày đầu ({shown[0]}) hay của ngày cuối ({shown[1]})"
            if turned
            else f"dưới cùng một tiêu đề tháng {first_month} chép sang mọi trang: không biết tháng {first_month} "
            f"là tháng của trang đầu ({shown[0]}) hay của các trang sau ({shown[1]})"
        )
        report.problems.append(
            Problem.of(
                "no_date",
                f"các trang {names} chỉ ghi ngày, không ghi tháng, {why}. Hãy đặt tên trang có cả tháng (ví dụ «{readings[1][0][1].day}."
                f"{readings[1][0][1].month}»), ghi dòng «Số liệu tính đến ngày …» trong mỗi trang, hoặc cho "
                "biết ngày của báo cáo, rồi tải lên lại.",
                sheet=sheet.name,
                row=row + 1,
            )
        )
    return []


def _confirmed(reading, file_name: str, given: date | None, windows) -> bool:
    """Whether a date says a reading of days alone is theirs: the date given, or one in the
    file name, is one of its days; or a campaign covers its every day (the year known)."""
    days = {(label.month, label.day) for _, label in reading}
    for day in (given, normalise.date_from_file_name(file_name)):
        if day is not None and (day.month, day.day) in days:
            return True
    dated = [
        normalise._make(label.year, label.month, label.day) if label.year else None for _, label in reading
    ]
    return all(dated) and any(start <= dated[0] and dated[-1] <= end for start, end in windows)


def _in_date_order(days: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sheets named by the day alone, newest first or shuffled ("Ngày 2 | Ngày 1 | Ngày 31 |
    Ngày 30", "17 | 15 | 16"), put in the order of their days when those are a short run (two
    weeks at most, a month's end crossed once at most): read in the sheets' order, each fall
    of the day moved on a month ("2, 1, 31, 30" under "THÁNG 12" became 2/12, 1/1, 31/1 …)
    and the workbook was refused for running totals falling on days it does not have.
    Sheets that go forward ("30 | 31 | 1 | 2", the days of a whole month from the 25th) keep
    their order, which says when the month turns."""
    values = [day for _, day in days]
    if len(set(values)) != len(values) or all(b > a for a, b in zip(values, values[1:])):
        return days
    if _runs_into_next_month(values):
        return days
    ordered = sorted(set(values))
    gaps = [(b - a, k + 1) for k, (a, b) in enumerate(zip(ordered, ordered[1:]))]
    gaps.append((ordered[0] + 31 - ordered[-1], 0))
    widest, start = max(gaps)
    if 31 - widest > 14:
        return days
    rank = {day: k for k, day in enumerate(ordered[start:] + ordered[:start])}
    return sorted(days, key=lambda item: rank[item[1]])


def _runs_into_next_month(days: list[int]) -> bool:
    """Days of the month in the sheets' order that fall once or more and, each fall read as
    the next month, step on by a week at most each time ("30, 1, 2"); not days of one month
    out of order ("17, 15, 16": a fall of 2 is no new month)."""
    falls = [b < a for a, b in zip(days, days[1:])]
    return any(falls) and all(
        1 <= ((b - a) if not fall else (b + 31 - a)) <= 7 and (not fall or a >= 25)
        for (a, b), fall in zip(zip(days, days[1:]), falls)
    )


def leave_out(
    prepared: list[tuple[Sheet, layouts.Layout | None, tuple | None]], report: ImportReport
) -> list[tuple[Sheet, layouts.Layout | None, tuple | None]]:
    """In a workbook of one sheet per day, the sheets that are not days: a hidden sheet (an
    old copy, a template), a summary ("Tổng hợp", "TH", "Lũy kế") that repeats the days'
    figures, and a sheet named after no day with no date of its own (which no day could be
    given to).  Each is left out with a warning naming it; a sheet with its own date line
    is kept (it is a report of that day)."""
    unfilled = _days_not_filled(prepared)
    out = []
    for sheet, found, header_rows in prepared:
        why = None
        if id(sheet) in unfilled:
            why = "trang của ngày cuối chưa điền số: mọi số đều là 0 hoặc để trống"
        elif found is not None and found.data_date_origin != "sheet_name":
            name = " ".join(fold(sheet.name or "").replace("_", " ").replace(".", " ").split())
            if getattr(sheet, "hidden", False):
                why = "trang ẩn"
            elif name in _SUMMARY_NAMES or name.startswith(("tong hop", "th ", "luy ke", "bao cao tong")):
                why = "trang tổng hợp (lặp lại số của các ngày)"
            elif found.report_date is None and found.data_date is None and found.sheet_date is None:
                why = "tên trang không ghi ngày và trang không có dòng ngày số liệu"
        if why:
            report.sheet_left_out(sheet.name, f"không đọc trang này ({why}); tệp có mỗi trang một ngày.")
            found = None
        out.append((sheet, found, header_rows))
    return out


_FIGURES = ("collected", "collected_day", "returned", "returned_day")


def _days_not_filled(prepared: list[tuple[Sheet, layouts.Layout | None, tuple | None]]) -> set[int]:
    """The sheets of the last days whose every figure is 0 or blank: the next days' sheets copied
    from a template in advance, not filled yet.  Read, their running totals of 0 refused the
    workbook as falling (or, of days' figures alone, stored days of nothing collected).  From
    the last day back, never the last day with figures; ids of the sheets."""

    def zero(sheet: Sheet, found: layouts.Layout) -> bool:
        columns = [c.index for f, c in found.columns.items() if f in _FIGURES]
        cells = [
            normalise.parse_count(row[i]).value if i < len(row) and not normalise.is_blank(row[i]) else None
            for row in sheet.rows[found.first_data_row :]
            for i in columns
        ]
        # Every count blank, the eligible alone filled in, is a sheet copied ahead too: its
        # rows are kept for their eligible (a commune not reporting today), and read, they
        # made a day of the file that no commune reported.
        return bool(columns) and all(v in (None, 0) for v in cells)

    days = sorted(
        (
            (found.data_date, sheet, found)
            for sheet, found, _ in prepared
            if found is not None and found.data_date
        ),
        key=lambda item: item[0],
    )
    out: set[int] = set()
    while len(days) > 1 and zero(days[-1][1], days[-1][2]):
        out.add(id(days.pop()[1]))
    return out
