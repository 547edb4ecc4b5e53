"""One unit's own report: a commune's police keeping its tally day by day, with no commune
column because the whole sheet is that commune's, named once above the table:

    CÔNG AN HUYỆN KỲ ANH
    CÔNG AN XÃ KỲ TÂN
    BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CẤP CCCD
    STT | Ngày       | Thu nhận trong ngày | Lũy kế thu nhận | Ghi chú
    1   | 10/03/2021 | 40                  | 40              |
    2   | 11/03/2021 | 43                  | 83              |
    …   | Tổng cộng  | 285                 |                 |

The unit the title names (and its district and province, when a title line names them) is
written into columns added after the table's last one, so that the table is read as any
table with a day per row (`layout`), and every other cell keeps its row and its column
letter: a message about a figure names the file's own cell; one about the unit names the
title cell it was read from (`show_as_sent`).  The rows under the last day (a total over
days, which is no unit's figure, and the signatures) are left out.

Found only where a sheet has no table the usual way round and is not turned (units as
columns): a day column ("Ngày", "Ngày thu nhận") with dates under it, and one commune of
the registry named above it.  Two communes named, or none, and the sheet is left as it was
(refused as having no table, as before).

A week's report writes its days without their year ("15/3", "Ngày 16/3", "Thứ 2 (15/3)")
and the year once in its title ("TUẦN TỪ 15/3 ĐẾN 19/3/2021"): those days are dated with
that year (one year written above the table, no other) and the dates written into their
cells, so that they are read as days written with their year.  A whole date above the table
("Số liệu tính đến ngày 02/01/2022"; not a plan's or a letter's it cites), the date given
with the upload or one in the file name dates them the nearest they can be to it, across New
Year too; a year written alone cannot say which side of New Year "29/12 … 2/1" falls, and
the sheet is refused asking for the year (`undated_problem`), not as having no table.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from cccd_analytics.ingest import headers, normalise
from cccd_analytics.ingest.layout import HEADER_SCAN_ROWS, column_letter
from cccd_analytics.ingest.readers import Sheet
from cccd_analytics.ingest.report import ImportReport, Problem
from cccd_analytics.text import date_vn, fold

# What the added columns are headed: the words `headers` reads as the commune, district and
# province columns.
UNIT_HEADER = "Xã/phường"
DISTRICT_HEADER = "Huyện"
PROVINCE_HEADER = "Tỉnh"
# The types that open a place's name in a title line, folded, by level.  "Thị xã" is a
# district: its "xã" opens no commune.
_TYPES = {
    "commune": (("xa",), ("phuong",), ("thi", "tran")),
    "district": (("huyen",), ("thi", "xa"), ("thanh", "pho"), ("quan",)),
    "province": (("tinh",), ("thanh", "pho")),
}
_LONGEST_NAME = 5  # words
_PUNCTUATION = re.compile(r"([-,–—:;.()/\\])")
_MIN_DAYS = 2
# The header of a unit's list of figures' one column of figures (`detect_key_value`), folded.
_VALUE_HEADS = frozenset(
    {
        "so luong",
        "ket qua",
        "so lieu",
        "thuc hien",
        "ket qua thuc hien",
        "so lieu bao cao",
        "ket qua dat duoc",
    }
)
# What is said of the unit's name, at a day's row with no column: said at the title cell.
_ABOUT_THE_UNIT = {"unknown_unit", "ambiguous_unit", "reformed_unit", "name_variant"}


@dataclass(frozen=True)
class OneUnit:
    """Where the unit was named (0-based row and column of the title cell), the table's
    header row and its day column, and the columns added (0-based, after the table).  Of a
    list of figures (`detect_key_value`): the figures' column as the day column, no days,
    and the turned sheet's unit column (0) as the one added."""

    name: str
    district: str | None
    province: str | None
    title_row: int
    title_column: int
    header: int
    day_column: int
    added: tuple[int, ...]
    days: int
    # (row, date) of the days written without their year, dated by the title's year.
    dated: tuple = ()
    # Of a table by village (`detect_by_place`): the total row giving the unit's figures and
    # the villages' rows (0-based; the total under them or on top); `day_column` is the
    # villages' column.
    total_row: int | None = None
    villages: tuple = ()
    # Days written without their year that nothing dates: (0-based row of the first day,
    # whether they run across New Year, why when two readings disagree, else None).  The
    # sheet is refused (`undated_problem`), or left out beside a table of communes.
    undated: tuple | None = None


def detect(
    sheet: Sheet,
    given: date | None = None,
    file_name: str = "",
    windows: list[tuple[date, date]] = (),
    book_date: date | None = None,
) -> OneUnit | None:
    """The one-unit table of a sheet (read whole), or None.  `given`, `file_name` and
    `windows` (campaigns) may date days written without their year."""
    rows = sheet.rows
    found = _day_column(rows) if sheet.complete and rows else None
    if found is None:
        return None
    header, day_column, first, last = found
    titled = _titled_unit(rows, header)
    if titled is None:
        return None
    name, district, province, title_row, title_column = titled
    added = _added_columns(rows[: last + 1], district, province)
    unit = OneUnit(
        name, district, province, title_row, title_column, header, day_column, added, last - first + 1
    )
    found = [
        (k, _label(rows[k][day_column] if day_column < len(rows[k]) else None))
        for k in range(first, last + 1)
    ]
    found = [(k, label) for k, label in found if label is not None]
    if all(label.year for _, label in found):
        return unit
    labels = [label for _, label in found]
    dates, why = _days_dated(rows, header, labels, given, book_date, file_name, windows)
    if dates is None:
        # A December next to a January, oldest first ("29/12, 2/1") or newest first ("2/1,
        # 29/12"): rows 4/1 … 27/12 of one year hold both months without crossing New Year.
        months = [label.month for label in labels]
        across = any({a, b} == {12, 1} for a, b in zip(months, months[1:]))
        return dataclasses.replace(unit, undated=(found[0][0], across, why))
    return dataclasses.replace(
        unit, dated=tuple((k, day) for (k, label), day in zip(found, dates) if not label.year)
    )


def _days_dated(
    rows, header, labels, given, book_date, file_name, windows
) -> tuple[list[date] | None, str | None]:
    """The dates of days written without their year, and None with why when nothing dates
    them or two readings disagree.  A month and year in the title ("BÁO CÁO THÁNG 12 NĂM
    2021") and the report's date (given, a date line of the data, the workbook's, the file
    name's) must agree when both date the run; a start date ("Thực hiện từ ngày 01/3/2021")
    dates nothing, but no day comes before it; else a year written alone, as before.  A
    start date taken for the report's date stored "1/12 … 5/12" under "THÁNG 12 NĂM 2021" in
    2020, without a word."""
    lines = [" ".join(t for t in (normalise.text(c) for c in row) if t) for row in rows[:header]]
    since = [day for line in lines if (day := _start_date(line)) is not None]
    lines = [line for line in lines if _start_date(line) is None]

    def not_before_start(out):
        return out if out and all(out[0] >= day for day in since) else None

    titled = _month_titled(lines)
    by_title = _title_run(labels, titled, windows) if titled else None
    by_title = not_before_start(by_title)
    own_line = _date_line(lines)
    anchor = given or own_line or book_date or normalise.date_from_file_name(file_name)
    by_date = not_before_start(_nearest_run(labels, anchor, windows)) if anchor is not None else None
    if by_title and by_date and by_title != by_date:
        month, year = titled
        return None, (
            f"mà tiêu đề ghi tháng {month} năm {year} còn ngày {date_vn(anchor)} của báo cáo cho năm khác "
            f"(ngày đầu là {date_vn(by_title[0])} hay {date_vn(by_date[0])}), không cho biết các ngày thuộc năm nào"
        )
    if by_title or by_date:
        return by_title or by_date, None
    if anchor is not None:
        # A whole date of the report that no reading of the days is near: a report sent
        # weeks late, or a date line copied from an older one.  The days of the report's own
        # year before it are read, as they always were ("3/1 … 7/1" under "tính đến
        # 8/3/2023"); days that would fall in an earlier year ("27/12 … 31/12" under
        # "14/2/2022": December 2021, or a date line ten months stale over December 2022 —
        # its year taken alone said 2022, in silence) are not guessed.
        # (Only by the sheet's own line, as its year alone was: another sheet's date or the
        # file name's says less of this sheet's days.)
        for year in (anchor.year, anchor.year - 1) if anchor == own_line and not given else ():
            before = not_before_start(_run_from(labels, year, windows))  # the later first
            if before and before[-1] <= anchor and before[-1].year == anchor.year:
                return before, None
        return None, (
            f"mà ngày {date_vn(anchor)} của báo cáo cách các ngày đó hơn một tháng, không cho biết "
            "các ngày thuộc năm nào"
        )
    if since:
        # Only a start date ("Thực hiện từ ngày 11/3/2021"): the run from it on, within a year.
        start = max(since)
        for year in (start.year, start.year + 1):
            out = not_before_start(_run_from(labels, year, windows))
            if out and (out[0] - start).days <= 366:
                return out, None
    years = normalise.years_in(lines)
    if not years and normalise.year_from_file_name(file_name):
        years = {normalise.year_from_file_name(file_name)}
    # A year written alone (31/12 of it): a run across New Year has a day in it either way,
    # and only a campaign can say which (`normalise.with_years`).
    out = (
        normalise.with_years(labels, date(next(iter(years)), 12, 31), windows, year_only=True)
        if len(years) == 1
        else None
    )
    return not_before_start(out), None


# A line giving when the work began, not the figures' day: "Thực hiện từ ngày 01/3/2021",
# "Triển khai từ ngày 15/10/2021", "Bắt đầu 01/3/2021" (folded).  Not a period with its end
# ("từ ngày 15/3/2021 đến ngày 30/6/2021"), whose end is a date line.
_STARTS = re.compile(r"\b(?:tu ngay|tu(?=\s*\d)|bat dau|ke tu)\b")
_ENDS = re.compile(r"\b(?:den|toi|tinh den)\b")


def _start_date(line: str) -> date | None:
    """The date a start line gives (`_STARTS`), or None for any other line."""
    folded = fold(line)
    found = _STARTS.search(folded)
    if not found or _ENDS.search(folded[found.end() :]):
        return None
    return normalise.find_report_date(line) or _first_date(line[found.start() :])


def _first_date(text: str) -> date | None:
    found = re.search(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})", text)
    if not found:
        return None
    try:
        return date(int(found.group(3)), int(found.group(2)), int(found.group(1)))
    except ValueError:
        return None


def _month_titled(lines: list[str]) -> tuple[int, int] | None:
    """(month, year) a title line names ("BÁO CÁO THÁNG 12 NĂM 2021"), not a date line's
    ("Kỳ Anh, ngày 2 tháng 1 năm 2022" is a day)."""
    found = normalise.month_in_lines([line for line in lines if normalise.find_report_date(line) is None])
    return found if found is not None and found[1] is not None else None


def _title_run(labels: list, titled: tuple[int, int], windows) -> list[date] | None:
    """The one reading of the run that is in the title's month or within a month of it."""
    month, year = titled
    first = date(year, month, 1)
    last = date(year + month // 12, month % 12 + 1, 1)
    fits = []
    for start in (year - 1, year, year + 1):
        out = _run_from(labels, start, windows)
        if out and out[0] < last + timedelta(days=31) and out[-1] >= first - timedelta(days=31):
            fits.append(out)
    return fits[0] if len(fits) == 1 else None


def _run_from(labels: list, year: int, windows) -> list[date] | None:
    first = labels[0]
    return normalise.with_years(
        [dataclasses.replace(first, year=year), *labels[1:]] if not first.year else labels, None, windows
    )


def _date_line(lines: list[str]) -> date | None:
    """The whole date a line above the table gives the figures: "Số liệu tính đến ngày
    02/01/2022" first, a title's date, then the day it was signed ("Kỳ Anh, ngày 2 tháng 1
    năm 2022").  Not the date of a plan or a letter the line cites ("Kèm theo Kế hoạch số
    15/KH-CAH ngày 10/11/2021"): that is weeks before the figures, its year maybe not theirs;
    nor a start date (left out by the caller)."""
    from cccd_analytics.ingest import layout as layouts

    found = []
    for r, line in enumerate(lines):
        day = normalise.find_report_date(line) if line else None
        if (
            day is None
            or layouts._CITES_A_DOCUMENT.search(line)
            or layouts._CITED_DOCUMENT.search(fold(line))
        ):
            continue
        rank = 0 if normalise.is_data_date_line(line) else 2 if normalise.is_place_date_line(line) else 1
        found.append((rank, r, day))
    return min(found)[2] if found else None


# How long before the report's date its last day may be: a report is sent within days of its
# figures.  "20/12 … 24/12" under "tính đến 15/3/2021" was read as 2020, 81 days before.
_DAYS_BEFORE_THE_DATE = 31


def _nearest_run(labels: list, anchor: date, windows) -> list[date] | None:
    """The run of days (starting a year before the anchor's, in it or after) the report's
    date dates: the one spanning it, ending at most `_DAYS_BEFORE_THE_DATE` before it, or —
    a date line copied and not changed as days were added — starting after it by no more
    than a stale date line goes (`STALE_DATE_LINE_DAYS`); the nearest.  "29/12 … 2/1" under
    "tính đến 02/01/2022" is 29/12/2021 … 2/1/2022, and "15/3 … 19/3" under a line left at
    "10/3/2021" stays in 2021.  None when no reading is that near."""
    runs = []
    for year in (anchor.year - 1, anchor.year, anchor.year + 1):
        out = _run_from(labels, year, windows)
        if not out:
            continue
        if out[-1] <= anchor + timedelta(days=1):
            gap = (anchor - out[-1]).days
            if gap <= _DAYS_BEFORE_THE_DATE:
                runs.append((gap, out))
        elif out[0] <= anchor + timedelta(days=1):
            if (out[-1] - anchor).days <= normalise.STALE_DATE_LINE_DAYS:
                runs.append((0, out))
        elif (out[0] - anchor).days <= normalise.STALE_DATE_LINE_DAYS:
            runs.append(((out[0] - anchor).days, out))
    return min(runs, key=lambda found: found[0])[1] if runs else None


def _label(value) -> normalise.DayLabel | None:
    """The day a cell of the day column names: a date, or a day and month ("15/3", "Ngày
    16/3", "Thứ 2 (15/3)") whose year the title gives."""
    if _is_day(value):
        day = normalise.parse_date(value).value
        return normalise.DayLabel(day.day, day.month, day.year, "")
    if not isinstance(value, str) or normalise.parse_count(value).value is not None:
        return None
    label = normalise.day_label(value)
    return label if label is not None and label.year is None else None


def _titled_unit(rows: list[list], header: int):
    """(name, district, province, row, column) of the one commune the lines above row
    `header` name, or None when they name none or two."""
    found_places: dict[str, list[tuple[str, int, int]]] = {level: [] for level in _TYPES}
    for r in range(header):
        for c, cell in enumerate(rows[r]):
            text = normalise.text(cell)
            if text:
                for level, place in _places(text):
                    found_places[level].append((place, r, c))
    units, districts, provinces = (found_places[level] for level in ("commune", "district", "province"))
    if not units:
        # A commune the registry does not hold (another province's): only where a line is
        # its office's name ("CÔNG AN XÃ …", "UBND PHƯỜNG …"); it is then read, and reported,
        # as a unit outside the registry, as in any report.
        units = [
            (name, r, c)
            for r in range(header)
            for c, cell in enumerate(rows[r])
            if (name := _office_of(normalise.text(cell)))
        ]
    if len({_same(n) for n, _, _ in units}) != 1:
        return None
    name, title_row, title_column = units[0]
    return name, _only(districts), _only(provinces), title_row, title_column


def undated_problem(sheet: Sheet, unit: OneUnit) -> Problem:
    """The refusal of a unit's days that nothing gives the year of, at its first day."""
    row, across, why = unit.undated
    cell = sheet.rows[row][unit.day_column]
    why = why or (
        "chạy từ tháng 12 sang tháng 1, mà phía trên bảng chỉ ghi một năm riêng (hoặc ngày của một "
        "văn bản khác), không cho biết các ngày thuộc năm nào"
        if across
        else "mà phía trên bảng, tên tệp hay chiến dịch không cho biết năm"
    )
    return Problem.of(
        "no_date",
        f"báo cáo của {unit.name}: cột ngày ghi ngày không có năm (ví dụ «{normalise.text(cell)}») {why}; "
        "không đoán. Hãy ghi năm vào một ngày (ví dụ 29/12/2021), thêm dòng «Số liệu tính đến ngày "
        "…» có đủ ngày tháng năm, hoặc cho biết ngày của báo cáo, rồi tải lên lại.",
        sheet=sheet.name or None,
        row=row + 1,
        column=column_letter(unit.day_column),
    )


def _in_table(sheet: Sheet):
    """Whether a row of the sheet is a row of its table: every row of a spreadsheet; of a
    Word/PDF table's sheet, not the text around the table."""
    labels_of = sheet.row_labels

    def in_table(k: int) -> bool:
        return labels_of is None or (k < len(labels_of) and labels_of[k][1] is not None)

    return in_table


def _added_columns(rows: list[list], district, province) -> tuple[int, ...]:
    """The columns the unit's name (and its district and province, when the title gives
    them) are written into, after the widest of the table's rows."""
    width = max(len(row) for row in rows)
    return tuple(range(width, width + 1 + (district is not None) + (province is not None)))


def _header_candidates(sheet: Sheet) -> list[int]:
    """The rows near the top of a complete sheet that may hold a one-unit table's header:
    rows of its table (`_in_table`), never the last."""
    rows = sheet.rows
    if not sheet.complete or not rows:
        return []
    in_table = _in_table(sheet)
    return [r for r in range(min(HEADER_SCAN_ROWS, len(rows) - 1)) if in_table(r)]


def detect_key_value(sheet: Sheet):
    """One unit's report as a list of its figures, the commune named above the table and the
    day by the report's date lines:

        CÔNG AN XÃ KỲ TÂN                    Kỳ Tân, ngày 16 tháng 3 năm 2021
        STT | Nội dung                          | Số lượng
        1   | Số hồ sơ thu nhận trong ngày      | 33
        2   | Lũy kế số hồ sơ đã thu nhận       | 2.396
        3   | Số thẻ CCCD đã trả cho công dân   | 958

    As a `turned.Turned` with that one figures column as its unit column, headed by the
    unit's name: turned back, it is a one-row table (the unit, then a column per measure)
    read as any other, under the same title and date lines.  Found only where the figures'
    column is headed as such ("Số lượng", "Kết quả", "Số liệu", "Thực hiện") and two of its
    rows are counted measures; other columns (a plan, a share, notes) are not read."""
    from cccd_analytics.ingest import turned

    rows = sheet.rows
    in_table = _in_table(sheet)
    for r in _header_candidates(sheet):
        values = [c for c, v in enumerate(rows[r]) if fold(normalise.text(v)).strip(" :.") in _VALUE_HEADS]
        if len(values) != 1 or values[0] == 0:
            continue
        column = values[0]
        body = turned._body(rows, r, column, in_table)
        kinds = {c: [turned._line_kind(turned._cell(rows, k, c)) for k in body] for c in range(column)}
        labels = tuple(c for c, found_kinds in kinds.items() if any(found_kinds))
        if not body or max((kinds[c].count("measure") for c in labels), default=0) < 2:
            continue
        titled = _titled_unit(rows, r)
        if titled is None:
            return None
        heads = [turned._cell(rows, r, c) for c in range(max(len(rows[k]) for k in (r, *body)))]
        heads[column] = titled[0]
        return turned.Turned(
            r, labels, (column,), tuple(body), 1, "measures", len(body), (), tuple(heads), key_value=True
        ), OneUnit(titled[0], titled[1], titled[2], titled[3], titled[4], r, column, (0,), 0)
    return None


def detect_across(sheet: Sheet):
    """One unit's table with its days as columns and its measures as rows ("Nội dung |
    10/3/2021 | 11/3/2021 | …" over "Lũy kế thu nhận | 50 | 110 | …"), as a `turned.Turned`
    whose turned sheet has a row per day under a "Ngày" column (then read by `detect`), or
    None.  Days written without their year ("10/3") take the one year the title gives."""
    from datetime import date as day_of

    from cccd_analytics.ingest import turned

    rows = sheet.rows
    if not sheet.complete or not rows:
        return None
    in_table = _in_table(sheet)
    for r in range(min(HEADER_SCAN_ROWS, len(rows) - 1)):
        found = {c: normalise.day_label(v) for c, v in enumerate(rows[r])}
        days = [c for c, label in found.items() if label is not None and label.rest in ("", "ngay")]
        if len(days) < _MIN_DAYS or days[0] == 0:
            continue
        years = normalise.years_in(normalise.text(v) for row in rows[:r] for v in row)
        heads = list(rows[r])
        for c in days:
            label = found[c]
            year = label.year or (next(iter(years)) if len(years) == 1 else None)
            if year is None:
                break
            heads[c] = day_of(year, label.month, label.day)
        else:
            body = turned._body(rows, r, days[0], in_table)
            kinds = {c: [turned._line_kind(turned._cell(rows, k, c)) for k in body] for c in range(days[0])}
            labels = tuple(c for c, found_kinds in kinds.items() if any(found_kinds))
            if body and any("measure" in kinds[c] for c in labels):
                return turned.Turned(
                    r,
                    labels,
                    tuple(days),
                    tuple(body),
                    len(days),
                    "measures",
                    len(body),
                    (),
                    tuple(heads),
                    days_across=True,
                )
    return None


def turn(sheet: Sheet, unit: OneUnit) -> Sheet:
    """The sheet with the unit (and its district, province) as columns after the table's
    last, on the header row and on every day's row; the rows under the last day left out."""
    width = unit.added[0]
    extra_head = [UNIT_HEADER] + [DISTRICT_HEADER] * (unit.district is not None)
    extra_head += [PROVINCE_HEADER] * (unit.province is not None)
    extra_body = [unit.name] + [unit.district] * (unit.district is not None)
    extra_body += [unit.province] * (unit.province is not None)
    last = unit.header
    out_rows = []
    dated = dict(unit.dated)
    for r, row in enumerate(sheet.rows):
        row = list(row) + [None] * (width - len(row))
        if r in dated:
            row[unit.day_column] = dated[r]
        if r < unit.header:
            out_rows.append(row)
        elif r == unit.header:
            out_rows.append(row + extra_head)
        elif _is_day(row[unit.day_column]):
            out_rows.append(row + extra_body)
            last = r
        elif r > last + 1 and last > unit.header and not any(normalise.text(v) for v in row):
            out_rows.append(row)
        elif last > unit.header:
            break  # the first row under the days that is not blank: a total, signatures
        else:
            out_rows.append(row)  # a second header row
    # The rows kept are the sheet's first ones: a Word or PDF table keeps its pages and rows.
    labels = None if sheet.row_labels is None else list(sheet.row_labels[: len(out_rows)])
    return dataclasses.replace(sheet, rows=out_rows, height=len(out_rows), row_labels=labels)


# A column of the villages of one commune: "Thôn", "Xóm", "Thôn, xóm", "Tên thôn/tổ dân phố",
# "Khối phố", "Bản" (folded).  Not "Khối" alone (a school's grades: "Khối 12") nor "Tổ" (the
# collecting teams): their sum need not be the commune's.
_PLACE_PART = r"(?:thon|xom|ban|khoi pho|to dan pho|tdp|khu pho)"
_VILLAGE_HEAD = re.compile(rf"^(?:ten\s+)?{_PLACE_PART}(?:\s*[,/;-]\s*{_PLACE_PART})*$")
# The row summing the villages: the commune's own figures.  The sum's words alone ("Tổng
# cộng", "Cộng:", "Toàn xã"), or written with their marks before the commune ("Tổng cộng xã
# Kỳ Phong", "Cộng toàn xã"): villages are named "Cộng Hòa", "Công Thành", "Tổng Xá", "Toàn
# Thắng", and one such first in the list was taken for the total on top.
_VILLAGES_TOTAL = re.compile(
    r"^(?:tong cong|tong so|tong|cong|toan xa|toan phuong|toan thi tran|tong cong toan xa|cong toan xa)$"
)
_VILLAGES_TOTAL_MARKED = re.compile(
    r"^(?:tổng cộng|tổng số|tổng|cộng|toàn)\s+(?:toàn\s+)?(?:xã|phường|thị trấn)\b"
)


def _villages_total(text: str) -> bool:
    bare = " ".join(re.sub(r"[^a-z0-9 ]+", " ", fold(text)).split())
    return bool(_VILLAGES_TOTAL.match(bare) or _VILLAGES_TOTAL_MARKED.match(text.lower()))


_MIN_VILLAGES = 2


def detect_by_place(sheet: Sheet) -> OneUnit | None:
    """A commune's report by its villages, the commune named above the table and its
    figures in the total row under them:

        CÔNG AN XÃ KỲ PHONG
        Số liệu tính đến 17h00 ngày 16/3/2021
        STT | Thôn      | Số CD đủ ĐK | Trong ngày | Lũy kế
        1   | Bắc Tiến  | 600         | 3          | 150
        …
            | Tổng cộng | 3.100       | 25         | 820

    The total row is the commune's row (the villages are its detail, never units).  It was
    refused as a table without a commune column.  Found only with a column headed as the
    villages' ("Thôn", "Xóm", "Thôn, xóm", "Tổ dân phố", "Khối phố"), two villages or more with
    figures, a total row under them, and one commune named above; else None."""
    rows = sheet.rows
    for r in _header_candidates(sheet):
        heads = [
            c for c, v in enumerate(rows[r]) if _VILLAGE_HEAD.match(fold(normalise.text(v)).strip(" :."))
        ]
        if len(heads) != 1:
            continue
        column = heads[0]
        villages, total, on_top = [], None, None
        for k in range(r + 1, min(len(rows), r + 500)):
            text = normalise.text(rows[k][column] if column < len(rows[k]) else None)
            label = fold(text)
            figures = any(
                normalise.parse_count(v).value is not None
                for c, v in enumerate(rows[k])
                if c > column and not normalise.is_blank(v)
            )
            if _villages_total(text):
                if figures and not villages and on_top is None:
                    on_top = k  # "Toàn xã" over its villages
                    continue
                total = k if figures and on_top is None else None
                break
            if label and figures:
                villages.append(k)
            elif villages and on_top is not None:
                break  # the villages under a total on top end at the first row that is none
        total = on_top if on_top is not None else total
        if total is None or len(villages) < _MIN_VILLAGES:
            return None
        titled = _titled_unit(rows, r)
        if titled is None:
            return None
        name, district, province, title_row, title_column = titled
        added = _added_columns(rows[: total + 1], district, province)
        return OneUnit(
            name,
            district,
            province,
            title_row,
            title_column,
            r,
            column,
            added,
            0,
            total_row=total,
            villages=tuple(villages),
        )
    return None


def turn_by_place(sheet: Sheet, unit: OneUnit) -> Sheet:
    """The sheet with the unit as columns after the table's last on the header row and on
    the total row, that row's label and the villages' rows left blank (kept, so every row
    keeps its number), and the rows under the table (signatures) left out."""
    width = unit.added[0]
    extra_head = [UNIT_HEADER] + [DISTRICT_HEADER] * (unit.district is not None)
    extra_head += [PROVINCE_HEADER] * (unit.province is not None)
    extra_body = [unit.name] + [unit.district] * (unit.district is not None)
    extra_body += [unit.province] * (unit.province is not None)
    out_rows = []
    villages = set(unit.villages)
    for r, row in enumerate(sheet.rows[: max(unit.total_row, *unit.villages) + 1]):
        row = list(row) + [None] * (width - len(row))
        if r == unit.header:
            row = row + extra_head
        elif r == unit.total_row:
            row[unit.day_column] = None
            row = row + extra_body
        elif r in villages:
            row = [None] * len(row)
        out_rows.append(row)
    labels = None if sheet.row_labels is None else list(sheet.row_labels[: len(out_rows)])
    return dataclasses.replace(sheet, rows=out_rows, height=len(out_rows), row_labels=labels)


def show_as_sent(report: ImportReport) -> None:
    """A problem or a correction at an added column is told at the title cell the unit was
    read from (before `turned.show_as_sent`: the title is above a turned table, where its
    places are the file's)."""
    if not report.one_unit:
        return
    fixed = []
    for problem in report.problems:
        unit = report.one_unit.get(problem.sheet)
        if unit is not None and (
            problem.column in {column_letter(c) for c in unit.added}
            or (problem.column is None and problem.code in _ABOUT_THE_UNIT)
        ):
            problem = dataclasses.replace(
                problem, row=unit.title_row + 1, column=column_letter(unit.title_column), header=None
            )
        fixed.append(problem)
    report.problems = fixed
    for item in report.corrections:
        unit = report.one_unit.get(item.get("sheet"))
        if unit is not None and (
            item.get("column") in {column_letter(c) for c in unit.added} or not item.get("column")
        ):
            item["row"], item["column"] = unit.title_row + 1, column_letter(unit.title_column)


def describe(report: ImportReport) -> None:
    """The layout says whose table it is (after `turned.show_as_sent`, which retells the
    turned sheet's places as the file's: these are the file's already)."""
    unit = report.one_unit.get(report.sheet)
    if unit is None:
        return
    place = ", ".join(p for p in (unit.name, unit.district, unit.province) if p)
    across = report.turned.get(report.sheet)
    if unit.total_row is not None:
        days = f"các thôn, xóm ở cột {column_letter(unit.day_column)}, số của đơn vị lấy ở dòng tổng {unit.total_row + 1}"
    elif across is not None and across.key_value:
        days = f"số liệu ở cột {column_letter(unit.day_column)}"
    elif across is not None:
        days = f"{unit.days} ngày ở dòng {across.header + 1}"
    else:
        days = f"{unit.days} ngày theo cột {column_letter(unit.day_column)}"
    report.layout = (
        f"báo cáo của một đơn vị: «{place}» ghi ở dòng {unit.title_row + 1}, cột "
        f"{column_letter(unit.title_column)}; {days}; " + (report.layout or "")
    )


def _day_column(rows: list[list]) -> tuple[int, int, int, int] | None:
    """(header row, day column, first and last row of days) of a column headed by a day's
    name with dates under it, in the first rows of the sheet."""
    for r in range(min(len(rows), HEADER_SCAN_ROWS)):
        for c, cell in enumerate(rows[r]):
            if not normalise.text(cell) or headers.match(cell) != "date":
                continue
            days = []
            for k in range(r + 1, min(len(rows), r + 4000)):
                value = rows[k][c] if c < len(rows[k]) else None
                if _label(value) is not None:
                    days.append(k)
                elif days and normalise.text(value):
                    break
            if len(days) >= _MIN_DAYS and days[0] <= r + 3:
                return r, c, days[0], days[-1]
    return None


def _is_day(value) -> bool:
    if normalise.is_blank(value) or normalise.parse_count(value).value is not None and not _dated(value):
        return False
    return _dated(value)


def _dated(value) -> bool:
    parsed = normalise.parse_date(value)
    return parsed.error is None and parsed.value is not None


_OFFICE = re.compile(r"^(?:cong an|ubnd|uy ban nhan dan)\s+(xa|phuong|thi tran)\s+(\w+(?:\s+\w+){0,4})$")


def _office_of(text: str) -> str | None:
    """ "CÔNG AN XÃ HÒA BÌNH" → "Xã Hòa Bình": a commune office's name, the whole cell."""
    words = text.split()
    found = _OFFICE.match(" ".join(fold(w) for w in words))
    if not found:
        return None
    kind_words = len(found.group(1).split())
    start = len(words) - len(found.group(2).split()) - kind_words
    return " ".join(_title(w) for w in words[start:])


def _places(text: str) -> list[tuple[str, str]]:
    """(level, name as typed) of the registry's places a title line names: a type word
    ("xã", "phường", "thị trấn", "huyện" …) and the longest run of words after it (up to
    punctuation) that is the name of a place of that level in the registry."""
    words = _PUNCTUATION.sub(r" \\1 ", text).split()
    folded = [fold(w) for w in words]
    out = []
    i = 0
    while i < len(words):
        took = None
        for level, types in _TYPES.items():
            for kind in types:
                j = i + len(kind)
                if tuple(folded[i:j]) != kind or (
                    level == "commune" and kind == ("xa",) and folded[i - 1 : i] == ["thi"]
                ):
                    continue
                for n in range(min(_LONGEST_NAME, len(words) - j), 0, -1):
                    name = words[j : j + n]
                    if any(_PUNCTUATION.fullmatch(w) for w in name):
                        continue
                    if " ".join(folded[j : j + n]) in _names(level):
                        took = (level, " ".join(_title(w) for w in words[i : j + n]), j + n)
                        break
                if took:
                    break
            if took:
                break
        if took:
            out.append(took[:2])
            i = took[2]
        else:
            i += 1
    return out


@lru_cache(maxsize=3)
def _names(level: str) -> frozenset[str]:
    """The registry's names of a level without their type, folded, also as typed without
    marks (i for y): "KY TAN" and "Kì Tân" are Xã Kỳ Tân."""
    from cccd_analytics import registry

    folded, plain = registry.level_names(level)
    return folded | plain


def _title(word: str) -> str:
    """ "KỲ" → "Kỳ": a title line is often in capitals, a unit's name is not."""
    return word[:1].upper() + word[1:].lower() if word.isupper() else word


def _same(name: str) -> str:
    from cccd_analytics import registry

    return registry.spelled_plain(name)


def _only(found: list[tuple[str, int, int]]) -> str | None:
    names = {_same(n): n for n, _, _ in found}
    return next(iter(names.values())) if len(names) == 1 else None
