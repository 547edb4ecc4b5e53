"""A table turned on its side: the units as columns ("Nội dung | Xã Kỳ Tân | Kỳ Thọ | … |
Tổng cộng") and a row per day or per measure ("Chỉ tiêu", "Đã thu nhận", "Đã trả").  It is
turned back (a row per unit, a column per day or measure: the shape `wide` and `layout`
read), and every message, correction and check is then told in the cells of the file as
sent: a unit's row of the turned sheet is that unit's column, a day's or measure's column
is that day's or measure's row (`show_as_sent`).

Turned by hand: a transpose is one line, but what must be kept is where each cell came
from, which no library's transpose does for us.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from cccd_analytics import registry
from cccd_analytics.ingest import headers, normalise
from cccd_analytics.ingest.layout import HEADER_SCAN_ROWS, TOTAL_WORDS, column_index, column_letter
from cccd_analytics.ingest.readers import Sheet
from cccd_analytics.ingest.report import ImportReport, Problem
from cccd_analytics.text import fold

_COMMUNE_TYPES = ("xa ", "phuong ", "thi tran ")
_DISTRICT_TYPES = ("huyen ", "thi xa ", "thanh pho ", "quan ")
# A column of sums across the units ("Tổng cộng", "Cộng", "Toàn huyện"): kept, so that it is
# checked against the units like any total row.
_TOTAL = re.compile(r"^(?:tong(?: cong| so| so chung)?|cong|toan (?:huyen|thi xa|thanh pho|quan|tinh|xa))$")
# Words of a row that is a measure even though nothing counts it ("Chỉ tiêu" is a plan,
# "Tỷ lệ" a share): they show the rows are measures, and `headers` then leaves them out.
_MEASURE_WORDS = ("chi tieu", "ke hoach", "ty le", "con lai", "chua", "dan so", "so cong dan", "du dieu kien")
# Counted fields a measure row may be.
_COUNTED = {"eligible", "collected", "collected_day", "returned"}
_NOTES = ("ghi chu", "ghichu", "chu thich", "dvt", "don vi tinh")
# What the turned sheet's header calls its unit column.
UNIT_HEADER = "Xã/phường"
DAY_HEADER = "Ngày"


@dataclass(frozen=True)
class Turned:
    """Where the turned sheet's cells were (0-based rows and columns of the file).

    Rows above `header` are the same rows; then a header row per label column
    (`labels`); then a row per unit (or total) column (`columns`).  The turned sheet's
    column 0 is the file's `header` row (the unit names), its column j ≥ 1 the file's row
    `lines[j - 1]`."""

    header: int
    labels: tuple[int, ...]
    columns: tuple[int, ...]
    lines: tuple[int, ...]
    units: int
    kind: str  # "days" | "measures"
    count: int  # days or measures
    others: tuple[int, ...] = ()  # columns right of the labels that are neither: checked
    heads: tuple = ()  # the header of each column (`_head`)
    row_labels: tuple | None = None  # a Word/PDF table's (page, row of the table) per row
    # One unit's days as columns (`one_unit.detect_across`): the turned sheet's first column
    # is headed as a day's, and the columns of the file are days, not units.
    days_across: bool = False
    # One unit's list of figures (`one_unit.detect_key_value`): its one unit column is the
    # figures' column, headed in the file by "Số lượng", the unit named above the table.
    key_value: bool = False

    def cell(self, row: int | None, letter: str | None) -> tuple[int | None, str | None]:
        """(row, column letter) in the file as sent of a 1-based row and a letter of the
        turned sheet; either may be None."""
        if row is not None and row - 1 < self.header:
            return row, letter  # the title and date lines above, as they were
        column = None
        if row is not None:
            at = row - 1 - self.header
            if at < len(self.labels):
                column = column_letter(self.labels[at])
            elif at - len(self.labels) < len(self.columns):
                column = column_letter(self.columns[at - len(self.labels)])
        new_row = None
        if letter is None:
            # A header row of the turned sheet, or a unit's row as a whole (a name
            # corrected, a row repeated): the header row, at that unit's name.
            if column is not None:
                new_row = self.header + 1
        else:
            j = column_index(letter)
            new_row = (
                self.header + 1 if j == 0 else self.lines[j - 1] + 1 if j - 1 < len(self.lines) else None
            )
        return new_row, column


def _commune_names() -> tuple[frozenset[str], frozenset[str]]:
    """Folded names of the registry's communes without their type, and their spellings
    without any mark (i/y either way): a header typed "Ky Tho" or "Kì Thọ" is a unit."""
    return registry.level_names("commune")


def _is_unit(cell) -> bool:
    text = normalise.text(cell)
    if not text or normalise.day_label(cell) is not None or normalise.parse_count(cell).value is not None:
        return False
    expanded = registry.expand(text)
    if expanded.startswith(_COMMUNE_TYPES):
        return True
    if expanded.startswith(_DISTRICT_TYPES):
        return False  # a district's sum ("Huyện Kỳ Anh"), checked as a subtotal
    # Written without its type ("Kỳ Thọ", "Ky Tho"): a name the registry has for a commune.
    bare, plain = _commune_names()
    return registry.bare(text) in bare or registry.spelled_plain(text) in plain


def _is_total(text: str) -> bool:
    """A column of sums: the words of a total column, or those of a total row of a report
    the usual way round (`layout.TOTAL_WORDS`, whole: "Tổng toàn huyện", "Toàn đơn vị"), or
    a district's name (its subtotal)."""
    folded = fold(text).strip(" .:*")
    return (
        bool(_TOTAL.match(folded))
        or folded in TOTAL_WORDS
        or registry.expand(text).startswith(_DISTRICT_TYPES)
    )


def _line_kind(cell) -> str | None:
    """ "day", "measure" or None for a label cell of a row."""
    if normalise.day_label(cell) is not None:
        return "day"
    text = normalise.text(cell)
    if not text or normalise.parse_count(cell).value is not None:
        return None
    if headers.match(text) in _COUNTED:
        return "measure"
    folded = f" {fold(text)} "
    if any(f" {w} " in folded for w in _MEASURE_WORDS):
        return "other"
    return None


def _is_words(cell) -> bool:
    """A label of a row: text that is no figure."""
    return bool(normalise.text(cell)) and not _is_figure(cell) or normalise.day_label(cell) is not None


def _is_figure(cell) -> bool:
    """A count, or what was meant as one ("1,5", "-7", "12%"): digits, not words."""
    if normalise.parse_count(cell).value is not None:
        return True
    text = normalise.text(cell)
    return sum(ch.isdigit() for ch in text) * 2 > sum(ch.isalpha() for ch in text) and any(
        ch.isdigit() for ch in text
    )


def _cell(rows, r: int, c: int):
    return rows[r][c] if r < len(rows) and c < len(rows[r]) else None


def detect(rows: list[list], row_labels=None) -> Turned | None:
    """The turned table of a sheet, or None: a header row whose cells (after the labels)
    are mostly commune names (with their type, or without it but in the registry; two or
    more) over rows labelled, in a column before the first unit, by days (two or more)
    or by measures (one counted, such as "Đã thu nhận").  `row_labels`: a Word/PDF
    table's, whose text around the table is no row of it."""

    def in_table(k: int) -> bool:
        return row_labels is None or (k < len(row_labels) and row_labels[k][1] is not None)

    for r in range(min(HEADER_SCAN_ROWS, len(rows) - 1)):
        width = max(len(rows[k]) for k in range(max(r - 2, 0), r + 1))
        row = [_head(rows, r, c) for c in range(width)]
        texts = [c for c, v in enumerate(row) if normalise.text(v)]
        units = [c for c in texts if _is_unit(row[c])]
        if len(units) < 2:
            continue
        first = units[0]
        # Mostly units among the headers right of the labels, totals and notes aside.
        after = [c for c in texts if c >= first and not _is_total(normalise.text(row[c]))]
        after = [c for c in after if not fold(normalise.text(row[c])).startswith(_NOTES)]
        if len(units) * 10 < len(after) * 6:
            continue
        body = _body(rows, r, first, in_table)
        if not body:
            continue
        # The label columns: every column before the first unit that labels rows with a
        # day or a measure ("Ngày | Chỉ tiêu | Xã …": a day over the measures of that day).
        # Rows labelled by words nobody counts ("Đã cấp") still make a turned table: read
        # the right way round, the usual checks refuse it by its words.
        labels, days, measures = [], 0, 0
        for c in range(first):
            kinds = [_line_kind(_cell(rows, k, c)) for k in body]
            words = [k for k in body if _is_words(_cell(rows, k, c))]
            if any(kinds) or len(words) * 2 > len(body):
                labels.append(c)
                days, measures = max(days, kinds.count("day")), max(measures, kinds.count("measure"))
        if not labels:
            continue
        width = max(len(rows[k]) for k in (r, *body))
        row = [_head(rows, r, c) for c in range(width)]
        columns = tuple(
            c for c in texts if c > labels[-1] and (c in units or _is_total(normalise.text(row[c])))
        )
        others = tuple(c for c in range(labels[-1] + 1, width) if c not in columns)
        labelled = sum(1 for k in body if any(_is_words(_cell(rows, k, c)) for c in labels))
        kind, count = ("days", days) if days >= 2 else ("measures", labelled)
        return Turned(r, tuple(labels), columns, tuple(body), len(units), kind, count, others, tuple(row))
    return None


def _head(rows: list[list], r: int, c: int):
    """The header of column c at row r: its cell, or when blank the cell one or two rows
    above when that is a total ("Toàn huyện" merged down beside "Đơn vị" merged across the
    names).  Never a unit from above: a letterhead ("CÔNG AN XÃ KỲ TÂN") would become one."""
    value = _cell(rows, r, c)
    if normalise.text(value):
        return value
    for k in (r - 1, r - 2):
        above = _cell(rows, k, c) if k >= 0 else None
        if normalise.text(above):
            return above if _is_total(normalise.text(above)) else None
    return None


def _body(rows: list[list], r: int, first: int, in_table) -> list[int]:
    """The rows of the table under its header row `r`: from the first with a figure under
    a unit up to the first that has none and no day or measure to label it (a blank row,
    a signature, text after a Word/PDF table)."""
    out = []
    for k in range(r + 1, len(rows)):
        row = rows[k]
        if not in_table(k):
            if out:
                break
            continue
        figures = any(_is_figure(v) for v in row[first:])
        labelled = any(_line_kind(v) in ("day", "measure") for v in row[:first])  # a day not yet filled
        if not figures and not (out and labelled):
            if out:
                break
            continue  # a second header line above the figures
        out.append(k)
    return out


def unreadable_columns(sheet_name: str | None, rows: list[list], turned: Turned) -> list[Problem]:
    """Columns of the unit header row that are neither a unit, a total nor a district, but
    hold figures: refused, never guessed (a unit the registry does not know by that
    spelling, or something else)."""
    out = []
    h = turned.header
    for c in turned.others:
        head = normalise.text(turned.heads[c] if c < len(turned.heads) else None)
        if not any(_is_figure(_cell(rows, k, c)) for k in turned.lines):
            continue
        near = registry.suggest(head) if head else ()
        hint = f" (gần giống: {', '.join(near)})" if near else ""
        what = f"«{head}»" if head else "(ô tiêu đề trống)"
        out.append(
            Problem.of(
                "no_table",
                f"bảng có đơn vị theo cột, nhưng cột {column_letter(c)} {what} có số liệu mà tiêu đề không phải "
                f"tên xã/phường trong danh mục, cũng không phải cột cộng{hint}; không đoán. Hãy ghi tên đầy đủ "
                "của đơn vị (ví dụ «Xã Kỳ Tân») hoặc «Tổng cộng» ở ô tiêu đề cột, rồi tải lên lại.",
                sheet=sheet_name,
                row=h + 1,
                column=column_letter(c),
            )
        )
    return out


def unread(sheet_name: str | None, turned: Turned, rows: list[list]) -> Problem:
    """A turned table none of whose rows tells what it counts; `rows` those of the turned
    sheet, and the problem placed in them (at its header row)."""
    h = turned.header
    names = []
    for i in range(len(turned.labels)):
        for value in rows[h + i][1:]:
            text = normalise.text(value)
            if text and text not in names:
                names.append(text)
    seen = ", ".join(f"«{n}»" for n in names[:8]) or "không có chữ"
    return Problem.of(
        "no_table",
        f"bảng có đơn vị theo cột ({turned.units} xã/phường), nhưng không dòng nào ({seen}) cho biết "
        "số hồ sơ đã thu nhận. Cần một dòng như «Đã thu nhận», «Lũy kế thu nhận», «Thu nhận trong ngày», "
        "hoặc mỗi dòng một ngày (ví dụ «15/5/2023») với số lũy kế thu nhận.",
        sheet=sheet_name,
        row=h + 1,
    )


def turn(sheet: Sheet, turned: Turned) -> Sheet:
    """The sheet with the table turned back: a header row per label column, a row per
    unit (then the totals), a column per day or measure; the rows above the table as they
    were, the rows below it left out (signatures)."""
    rows = sheet.rows
    h = turned.header
    head = []
    for i, label in enumerate(turned.labels):
        first = (DAY_HEADER if turned.days_across else UNIT_HEADER) if i == 0 else None
        head.append([first, *(_cell(rows, d, label) for d in turned.lines)])
    body = [[turned.heads[c], *(_cell(rows, d, c) for d in turned.lines)] for c in turned.columns]
    out = Sheet(sheet.name, [list(r) for r in rows[:h]] + head + body, height=h + len(head) + len(body))
    out.hidden = sheet.hidden
    out.pages = list(sheet.pages)
    return out


_PLACE = re.compile(r"\b(dòng|cột) (\d+|[A-Z]{1,3})\b")


def _retold(text: str, turned: Turned) -> str:
    """ "dòng 5" and "cột C" of the turned sheet in a sentence, as the file's cells."""

    def swap(m: re.Match) -> str:
        word, where = m.group(1), m.group(2)
        if word == "dòng" and where.isdigit():
            if turned.header < int(where) <= turned.header + len(turned.labels):
                return f"dòng {_as_read(turned, turned.header + 1)}"  # the header rows
            row, column = turned.cell(int(where), None)
            if column is not None:
                return f"cột {column}"
            return f"dòng {_as_read(turned, row)}" if row is not None else m.group(0)
        if word == "cột" and not where.isdigit():
            row, _ = turned.cell(None, where)
            return f"dòng {_as_read(turned, row)}" if row is not None else m.group(0)
        return m.group(0)

    # A total row of the turned sheet is a column of the file.
    return _PLACE.sub(swap, text).replace("dòng tổng", "cột tổng").replace("dòng cộng", "cột cộng")


def _as_read(turned: Turned, row: int | None) -> int | None:
    """A Word/PDF table's row as its reader counts it (the table's own row)."""
    if turned.row_labels is None or not row or row > len(turned.row_labels):
        return row
    return turned.row_labels[row - 1][1] or row


def show_as_sent(report: ImportReport) -> None:
    """Every place the report names in a turned sheet, as the file's own cells (and, for a
    Word/PDF table, its page and row of the table)."""
    if not report.turned:
        return
    fixed = []
    for problem in report.problems:
        turned = report.turned.get(problem.sheet)
        if turned is None:
            fixed.append(problem)
            continue
        row, column = turned.cell(problem.row, problem.column)
        page = problem.page
        if turned.row_labels is not None and row:
            page, row = turned.row_labels[row - 1] if row <= len(turned.row_labels) else (None, row)
        fixed.append(
            dataclasses.replace(
                problem,
                row=row,
                column=column,
                # A turned column's header is a day or a measure: now that row's label.
                header=None,
                page=page,
                table=problem.table or turned.row_labels is not None,
                message=_retold(problem.message, turned),
            )
        )
    report.problems = fixed
    for item in [*report.totals, *report.corrections]:
        turned = report.turned.get(item.get("sheet"))
        if turned is not None and item.get("row"):
            # A total or a name: the cell of its unit column in the header row.
            row, item["column"] = turned.cell(item["row"], item.get("column") or "A")
            if turned.row_labels is not None and row and row <= len(turned.row_labels):
                item["page"], row = turned.row_labels[row - 1]
            item["row"] = row
    turned = report.turned.get(report.sheet)
    if turned is not None and turned.key_value:
        report.layout = (
            f"danh sách chỉ tiêu: {turned.count} dòng ở cột "
            f"{', '.join(column_letter(c) for c in turned.labels)} từ dòng {_as_read(turned, turned.lines[0] + 1)}, "
            "đọc như bảng một đơn vị một dòng; " + _retold(report.layout or "", turned)
        )
        report.header_rows = [_as_read(turned, turned.header + 1)]
        report.first_data_row = _as_read(turned, turned.lines[0] + 1)
    elif turned is not None:
        what = "ngày" if turned.kind == "days" else "chỉ tiêu"
        where = ", ".join(column_letter(c) for c in turned.labels)
        report.layout = (
            f"bảng xoay: {turned.units} {'ngày' if turned.days_across else 'đơn vị'} theo cột ở dòng "
            f"{_as_read(turned, turned.header + 1)}, "
            f"{turned.count} dòng {what} ở cột {where}, đọc như bảng mỗi "
            f"{'ngày' if turned.days_across else 'đơn vị'} một dòng; " + _retold(report.layout or "", turned)
        )
        report.header_rows = [_as_read(turned, turned.header + 1)]
        report.first_data_row = _as_read(turned, turned.lines[0] + 1)
