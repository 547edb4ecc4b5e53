"""The wide layout: one row per commune, one column per day.

    STT | Xã          | Số CD đủ ĐK | 15/5 | 16/5 | 17/5 | Lũy kế
    1   | Xã Kỳ Đồng  | 4.489       | 12   | 9    | 15   | 336

The days are read from the header cells in the forms offices write them (`normalise.
day_label`: "15/5", "16/5/2023", "Ngày 17/5", "Ngày 16 tháng 5", date cells, Excel
serials), the year, when left out, from the report's date or a campaign.  What the day
columns count — the day's applications or the running total, collected or returned — is
read from their words, their merged parent header ("Số hồ sơ thu nhận theo ngày", "Lũy
kế đến ngày") and the title; when nothing says, from the figures (a running total never
falls; a last day equal to the "Lũy kế" column is one).

Each day becomes a layout of its own over the same rows, so every day is read, dated and
checked (subtotals, totals) exactly like a one-day report.  Daily figures need a running
total to be stored: a "Lũy kế" column at the end (the total on the last day) or a day
column that holds one; the running total of the other days is derived from it
(`Lũy kế(ngày) = Lũy kế(ngày sau) − trong ngày(ngày sau)`), in columns added after the
table whose problems are reported against the day's own column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from cccd_analytics.ingest import headers, normalise
from cccd_analytics.ingest import layout as layouts
from cccd_analytics.ingest.readers import Sheet
from cccd_analytics.ingest.report import ImportReport, Problem
from cccd_analytics.text import date_vn, fold

MIN_DAYS = 2  # day columns that make a table wide


@dataclass
class DayColumn:
    index: int
    label: normalise.DayLabel
    header: str  # as shown: "Số hồ sơ thu nhận theo ngày / 15/5"
    metric: str | None = None  # collected | collected_day | returned | returned_day
    day: date | None = None


@dataclass
class WideTable:
    """A wide sheet: its header rows, fixed columns and day columns."""

    header_rows: tuple[int, ...]
    fixed: dict[str, layouts.Column]
    days: list[DayColumn]
    total: layouts.Column | None = None  # a running total of applications after the days ("Lũy kế")
    # A running total of cards handed over after the days ("Lũy kế trả thẻ", "Số thẻ đã trả"),
    # beside or instead of the applications': each is the last day's figure of its own metric.
    returned_total: layouts.Column | None = None
    period_sum: layouts.Column | None = None  # "Tổng"/"Cộng" of the days shown (checked only)
    # The last day's own figure after the days ("Tăng trong ngày" beside "Lũy kế đến 15/3 |
    # Lũy kế đến 16/3"): that day's collected_day, checked against the two running totals.
    gain: layouts.Column | None = None
    notes: list[str] = field(default_factory=list)
    # Header cells on the row of days that name a day no calendar has ("32/4", "31/4"):
    # (column, text, the day as written, its month's length).
    typos: list[tuple[int, str, str, int | None]] = field(default_factory=list)
    # A running total before the days ("Chỉ tiêu | Lũy kế | Tỷ lệ | 15/3 | 16/3 …"): to the
    # last day, or to the day before the first?  Only said, never read.
    before: layouts.Column | None = None
    # Whether day columns that never fall are running totals or counts added to the start
    # before them cannot be told from the figures (`_before_says`): refused, asking for it.
    before_unclear: bool = False
    # Day columns of applications that never fall, said by no word to be running totals or
    # the day's counts, with no running total of applications beside them: counts that rose
    # every day look the same as running totals, and read as those they were stored so.
    kind_unclear: bool = False
    # Day numbers under a header naming several months ("THÁNG 4 VÀ THÁNG 5") that do not
    # fall where a month ends (each month named given its days): (first column, header).
    unplaced: tuple[int, str] | None = None


def _words_metric(words: str) -> str | None:
    """collected | collected_day | returned | returned_day from a header's words, or None."""
    # Words apart from their brackets and punctuation: "THEO NGÀY (LŨY KẾ)" says running totals.
    # Abbreviations spelt out: "LK 06/4" is "Lũy kế 06/4".
    padded = " " + headers.key(" ".join(re.sub(r"[^a-z0-9]+", " ", fold(words)).split())) + " "
    returned = any(f" {w} " in padded for w in headers.WORDS["returned"])
    daily = any(f" {w} " in padded for w in ("trong ngay", "theo ngay", "hang ngay", "tung ngay", "moi ngay"))
    running = any(f" {w} " in padded for w in ("luy ke", "cong don", "tu dau", "den ngay", "tinh den"))
    if returned:
        return "returned_day" if daily and not running else "returned" if running else "returned?"
    if running:
        return "collected"
    if daily:
        return "collected_day"
    return None


def _names_applications(words: str) -> bool:
    """The header names applications ("Thu nhận", "Tiếp nhận") without saying whether of the
    day or running: its measure is known, its kind is not."""
    padded = " " + headers.key(" ".join(re.sub(r"[^a-z0-9]+", " ", fold(words)).split())) + " "
    return any(f" {w} " in padded for w in headers.WORDS["collected"])


def _sub_metric(words: str) -> str | None:
    """What a day's sub-column counts: `_words_metric`, or "collected?" for applications
    of no stated kind ("Thu nhận" beside "Trả thẻ" under each day)."""
    return _words_metric(words) or ("collected?" if _names_applications(words) else None)


# A kind read from the words above or the title, kept for a column whose own words name
# applications: "LŨY KẾ … TRẢ THẺ" in the title says running, not that the column is cards.
_AS_APPLICATIONS = {
    "collected": "collected",
    "returned": "collected",
    "collected_day": "collected_day",
    "returned_day": "collected_day",
}


def detect(rows: list[list], found: layouts.Layout | None) -> WideTable | None:
    """A wide table in the first rows of a sheet, or None."""
    numbered = _day_numbers(rows)
    # Day numbers under several months that cannot be placed in them: (column, header).
    unplaced = numbered[2] if numbered else None
    numbered = numbered[:2] if numbered else _weekdays(rows)
    if found is not None and "date" in found.columns:
        # A table with a date on every row is long: a data row such as "01/03/2024 | … |
        # 40000" is not a header of days, even though 40000 reads as an Excel date.  A
        # "Ngày" merged over day numbers ("15 | 16 | 17") is a header of days, though.
        if numbered is None or found.columns["date"].index not in numbered[1]:
            return None
    best = None
    for r in range(min(layouts.HEADER_SCAN_ROWS, len(rows))):
        labels = {c: normalise.day_label(v) for c, v in enumerate(rows[r])}
        days = {c: lab for c, lab in labels.items() if lab is not None}
        if len(days) >= MIN_DAYS and _one_campaign_span(days) and (best is None or len(days) > len(best[1])):
            best = (r, days)
    if best is None:
        best = numbered
    else:
        unplaced = None
    if best is None:
        return None
    r, days = best
    # The fixed columns' headers sit on the day row, or above it when the days are the
    # second row of a merged header ("Số hồ sơ thu nhận theo ngày" over "15/5 | 16/5").
    texts = [normalise.text(v) for v in rows[r]]
    above = [normalise.text(v) for v in rows[r - 1]] if r > 0 else []
    width = max(len(texts), len(above))
    texts += [""] * (width - len(texts))
    above += [""] * (width - len(above))
    # A row of months alone over the days ("Tháng 3" merged across them) is a header row
    # too, though it has a single cell.
    months_only = any(above[c] for c in days) and all(
        c in days and (_month_of(text) or _months_of(text)) for c, text in enumerate(above) if text
    )
    two_rows = (
        r > 0
        and (layouts.is_parent_row(rows, r - 1) or months_only)
        and (any(above[c] for c in range(width) if c not in days) or any(above[c] for c in days))
    )
    parents = _ffill_span(above, days) if two_rows else [""] * width
    # A third header row above those two, whose cells are merged down over both beside the
    # days ("STT | Đơn vị | Lũy kế … đến ngày" over "Tháng 3" over "15 | 16 | 17"): the
    # names of the fixed columns are on it alone, and the days' words above their month.
    top = [normalise.text(v) for v in rows[r - 2]] + [""] * width if two_rows and r > 1 else []
    three_rows = (
        bool(top)
        and layouts.is_parent_row(rows, r - 2)
        and not any(texts[c] or above[c] for c in range(width) if c not in days)
        and any(top[c] for c in range(width) if c not in days)
    )
    if three_rows:
        spans = _ffill_span(top[:width], days)
        parents = [
            f"{spans[c]} / {parents[c]}" if c in days and spans[c] else parents[c] for c in range(width)
        ]
        above = [above[c] or top[c] for c in range(width)]
    fixed: dict[str, layouts.Column] = {}
    total = returned_total = period_sum = gain = before = None
    last_day = max(days)
    for c in range(width):
        if c in days:
            continue
        own = texts[c] or (above[c] if two_rows else "")
        parent = above[c] if two_rows and texts[c] and above[c] and above[c] != texts[c] else None
        if not own:
            continue
        field_name = headers.match(own, parent=parent)
        label = f"{parent} / {own}" if parent else own
        if field_name == "returned" and c > last_day:
            # Kept apart from the applications' running total: one column for both let "Lũy
            # kế thu nhận | Số thẻ đã trả" after the days take the cards handed over as the
            # applications' total, every day's running total derived from it, without a word.
            returned_total = returned_total or layouts.Column(c, field_name, label)
            continue
        if field_name == "collected" and c > last_day:
            folded = f" {headers.full_key(label)} "
            if field_name == "collected" and not any(
                f" {w} " in folded for w in ("luy ke", "cong don", "tu dau")
            ):
                if any(f" {w} " in folded for w in ("tong", "cong", "tong cong", "tong so")):
                    period_sum = layouts.Column(c, "collected", label)
                    continue
            total = layouts.Column(c, field_name, label)
            continue
        if field_name == "collected_day" and c > last_day and gain is None:
            gain = layouts.Column(c, "collected_day", label)
            continue
        if field_name is None and c > last_day and fold(own) in ("tong", "cong", "tong cong", "tong so"):
            period_sum = layouts.Column(c, "collected", label)
            continue
        if field_name == "collected" and c < min(days) and before is None:
            before = layouts.Column(c, field_name, label)
        if field_name in ("commune", "district", "province", "commune_code", "eligible", "row_number"):
            fixed.setdefault(field_name, layouts.Column(c, field_name, label))
    if "commune" not in fixed:
        return None
    header_rows = (r - 2, r - 1, r) if three_rows else (r - 1, r) if two_rows else (r,)
    if found is not None and found.kind == "records":
        return None
    columns = []
    for c, lab in sorted(days.items()):
        parent = parents[c]
        header = f"{parent} / {texts[c]}" if parent else texts[c] or normalise.text(rows[r][c])
        columns.append(DayColumn(c, lab, header))
    split = _split_days(rows, r, columns, width)
    if not split and _weekdays_below(rows, r, columns):
        # "20/4/2023" over "Thứ 5": the weekdays are the header's, not the first commune's
        # figures (each was refused as no number, the table as a whole with it).
        header_rows = (*header_rows, r + 1)
    if split:
        columns, header_rows = split, (*header_rows, r + 1)
        last_split = max(c.index for c in columns)
        total = total if total is None or total.index > last_split else None
        returned_total = (
            returned_total if returned_total is None or returned_total.index > last_split else None
        )
        period_sum = period_sum if period_sum is None or period_sum.index > last_split else None
    # A day typed wrong among the days ("32/4" for 1/5) is no day, so its column was left
    # out: the running totals derived back from the "Lũy kế" column then lost that day's
    # figure, and every earlier day was stored one day's figures too high, without a word.
    typos = [
        (c, texts[c], *wrong)
        for c in range(min(days), width)
        if c not in days
        and (wrong := normalise.impossible_day_label(rows[r][c] if c < len(rows[r]) else None))
    ]
    return WideTable(
        header_rows,
        fixed,
        columns,
        total=total,
        returned_total=returned_total,
        period_sum=period_sum,
        gain=gain,
        typos=typos,
        before=before,
        unplaced=unplaced,
    )


def _split_days(rows: list[list], r: int, days: list[DayColumn], width: int) -> list[DayColumn] | None:
    """Each day merged over columns that say what they count, on the row below:

        | 15/5                 | 16/5                 |
        | Trong ngày | Lũy kế  | Trong ngày | Lũy kế  |

    One day column per sub-column, the sub-header's words in its label.  None when the row
    below is not such a row (a data row has figures under the days)."""
    if r + 1 >= len(rows):
        return None
    below = [normalise.text(v) for v in rows[r + 1]] + [""] * width
    here = [normalise.text(v) for v in rows[r]] + [""] * width
    starts = [d.index for d in days]
    out = []
    for k, day in enumerate(days):
        end = starts[k + 1] if k + 1 < len(starts) else width
        span = [day.index]
        for c in range(day.index + 1, end):
            if here[c] or not below[c]:
                break  # the merge ends where the day row has text again, or nothing is below
            span.append(c)
        labels = [below[c] for c in span]
        if not all(labels) or any(_number(v) is not None for v in labels):
            return None
        # "KH | TH" (plan | done), "Thực hiện | Tỷ lệ": the plan and the share are no figure of
        # the day; the one column left is (its kind then read from the figures).  The plan,
        # first under each day, was stored as the day's collected.
        kept = [(c, text) for c, text in zip(span, labels) if _sub_kind(text) is None]
        if len(kept) < len(span):
            if len(span) < 2 or not kept:
                return None
            metrics = [_sub_metric(text) for _, text in kept]
            if len(kept) > 1 and (None in metrics or len(set(metrics)) != len(metrics)):
                return None
        else:
            metrics = [_sub_metric(v) for v in labels]
            if len(span) < 2 or None in metrics or len(set(metrics)) != len(metrics):
                return None
        for c, text in kept:
            label = replace(day.label, rest=" ".join(filter(None, (day.label.rest, fold(text)))))
            out.append(DayColumn(c, label, f"{day.header} / {text}"))
    return out


def _sub_kind(text: str) -> str | None:
    """ "plan" for a day's sub-column of its plan ("KH", "Kế hoạch", "Chỉ tiêu"), "share" for
    its share ("Tỷ lệ", "%"), else None (a figure of the day)."""
    key = " ".join(re.sub(r"[^a-z0-9%]+", " ", fold(text)).split())
    if key in ("kh", "ke hoach", "chi tieu", "muc tieu") or key.startswith(("ke hoach ", "chi tieu ")):
        return "plan"
    if headers.share_label(text):
        return "share"
    return None


_MONTH = re.compile(r"^(?:thang|t)\s*(\d{1,2})(?:\s*(?:/|-|\.|nam)\s*((?:19|20)\d{2}))?$")


def _month_of(text: str) -> tuple[int, int | None] | None:
    found = _MONTH.match(" ".join(fold(text).replace(":", " ").split()))
    if not found or not 1 <= int(found.group(1)) <= 12:
        return None
    return int(found.group(1)), int(found.group(2)) if found.group(2) else None


_MONTHS_WORDS = re.compile(r"^(?:thang|t)\s*\d[\d\s,/.\-–]*(?:(?:va|thang|nam|den|toi|t)[\d\s,/.\-–]*)*$")
_MONTH_AND_YEAR = re.compile(
    r"(?<!\d)(\d{1,2})(?!\d)(?:\s*[/.\-]\s*((?:19|20)\d{2})|\s+nam\s+((?:19|20)\d{2}))?"
)


def _months_of(text: str) -> list[tuple[int, int | None]] | None:
    """The months a merged header over day numbers names when it names several, one after
    another ("THÁNG 4 VÀ THÁNG 5", "Tháng 4, 5 năm 2023", "Tháng 4 - Tháng 5/2023",
    "THÁNG 12/2022 VÀ THÁNG 1/2023"), each with its year where one is given (a year written
    once is its month's; the months around take it on, across New Year); else None."""
    # "Từ tháng 4 đến tháng 6": the "from" before a span of months.
    folded = re.sub(r"^tu\s+", "", " ".join(fold(text or "").replace(":", " ").split()))
    if not _MONTHS_WORDS.match(folded):
        return None
    found = [
        (int(m.group(1)), int(m.group(2) or m.group(3)) if (m.group(2) or m.group(3)) else None)
        for m in _MONTH_AND_YEAR.finditer(re.sub(r"^(?:thang|t)\s*", "", folded))
    ]
    months = [m for m, _ in found]
    if len(found) < 2 or not all(1 <= m <= 12 for m in months):
        return None
    years = [y for _, y in found]
    for k in range(len(found) - 2, -1, -1):
        if years[k] is None and years[k + 1] is not None:
            years[k] = years[k + 1] - (1 if months[k] > months[k + 1] else 0)
    for k in range(1, len(found)):
        if years[k] is None and years[k - 1] is not None:
            years[k] = years[k - 1] + (1 if months[k] < months[k - 1] else 0)
    # Months named apart ("Tháng 4 đến tháng 6", "Tháng 4 - Tháng 6", "Tháng 4 và 6") run
    # through the months between: the day numbers under them must fill each one
    # (`_placed_in_months`), so "Tháng 4 và 6" over days that fall once (28 … 30 | 1 … 3:
    # May or June?) is refused at its column. Left out before, the day columns were dropped
    # without a word and the running total stored alone.
    named = list(zip(months, years))
    out = [named[0]]
    for after, year_after in named[1:]:
        month, year = out[-1]
        if after == month:
            return None
        while month != after and len(out) <= 12:
            month, year = month % 12 + 1, (year + 1 if year is not None and month == 12 else year)
            out.append((month, year))
        if len(out) > 12:
            return None  # more than a year under one header: no run of days
        out[-1] = (after, year_after if year_after is not None else year)
    return out


def _months_in_title(lines: list[str]) -> list[tuple[int, int | None]] | None:
    """The months a title line names when it names several ("BÁO CÁO THÁNG 4 VÀ THÁNG 5 NĂM
    2023"): from its "Tháng" to the line's end (`_months_of`); else None."""
    for line in lines:
        found = re.search(r"\b(?:thang|t)\s*\d.*$", " ".join(fold(line or "").split()))
        named = _months_of(found.group(0)) if found else None
        if named:
            return named
    return None


def _placed_in_months(numbers: dict[int, int], months: list[tuple[int, int | None]]) -> dict | None:
    """Day numbers under several months ("20 … 30 | 1 … 5" under "Tháng 4 và tháng 5"):
    each in the month the run has reached, a fall (30 then 1) moving it on to the next.
    None unless every month named gets its days and the last ends the run."""
    out, k, previous = {}, 0, None
    for c in sorted(numbers):
        if previous is not None and numbers[c] < previous:
            k += 1
        if k >= len(months):
            return None
        out[c] = months[k]
        previous = numbers[c]
    return out if k == len(months) - 1 else None


def _is_unit(value) -> bool:
    from cccd_analytics.ingest import turned

    return turned._is_unit(value)


def _day_numbers(rows: list[list]) -> tuple[int, dict[int, normalise.DayLabel], tuple | None] | None:
    """A header row of days of the month alone ("15 | 16 | 17"), the month given by a
    merged cell above them ("Tháng 5", "Tháng 5/2023", "T5") or, under a "Ngày" header or
    written "Ngày 15", by the title ("BÁO CÁO THÁNG 5 NĂM 2023").  The row of column
    numbers under a header ("1 | 2 | 3 | …") is not one: it numbers the name columns too,
    and no month stands over it."""
    for r in range(1, min(layouts.HEADER_SCAN_ROWS, len(rows))):
        row = rows[r]
        numbers = {c: n for c, v in enumerate(row) if (n := normalise.day_alone(v)) is not None}
        if len(numbers) < MIN_DAYS:
            continue
        first = min(numbers)
        if any(_number(v) is not None for c, v in enumerate(row) if c < first):
            continue  # numbers left of the days too: a row of column numbers
        if any(_number(v) is not None or _is_unit(v) for c, v in enumerate(row) if c not in numbers):
            # Other figures ("3.341") or a commune's name beside the small numbers: the
            # table's first row ("1 | Thị trấn Quán Hành | 20 | 3.341"), never its days.
            continue
        above = _ffill_span([normalise.text(v) for v in rows[r - 1]] + [""] * len(row), numbers)
        months = {c: _month_of(above[c]) for c in numbers}
        several = {above[c]: _months_of(above[c]) for c in numbers if not months[c]}
        if several and all(several.values()):
            # A header naming two months or more over the day numbers ("THÁNG 4 VÀ THÁNG
            # 5" over "20 … 30 | 1 … 5"): read as no header of days, the day columns were
            # left out without a word and the running total stored alone.
            for parent, named in several.items():
                under = {c: n for c, n in numbers.items() if not months[c] and above[c] == parent}
                placed = _placed_in_months(under, named)
                if placed is None:
                    # Refused at the first of these columns (`layouts_for`): which month each
                    # day is cannot be told.
                    labels = {c: normalise.DayLabel(numbers[c], *named[0], "") for c in sorted(numbers)}
                    return r, labels, (min(under), parent)
                months.update(placed)
        if not all(months.values()):
            words = any(not isinstance(row[c], (int, float)) for c in numbers)
            if not words and not all(fold(above[c]).startswith("ngay") for c in numbers):
                continue
            lines = [" ".join(normalise.text(v) for v in line) for line in rows[: r - 1 if not words else r]]
            named = _months_in_title(lines)
            if named:
                # "BÁO CÁO … THÁNG 4 VÀ THÁNG 5 NĂM 2023" over "Ngày" and "20 … 30 | 1 … 5".
                placed = _placed_in_months(numbers, named)
                if placed is None:
                    labels = {c: normalise.DayLabel(numbers[c], *named[0], "") for c in sorted(numbers)}
                    return r, labels, (min(numbers), next(t for t in lines if _months_in_title([t])))
                months = placed
            else:
                title = normalise.month_in_lines(lines)
                if title is None:
                    continue
                months = dict.fromkeys(numbers, title)
        labels = {}
        previous = None
        keys = [((months[c][1] or 0), months[c][0], numbers[c]) for c in sorted(numbers)]
        # Days newest first ("Tháng 4" over "28 | 27 | 26 …", the day added each morning on
        # the left) go back on every column; such a header was not read as days at all, and
        # the sheet refused as having no day column.
        backwards = all(b < a for a, b in zip(keys, keys[1:]))
        for c in sorted(numbers):
            month, year = months[c]
            key = ((year or 0), month, numbers[c])
            if previous is not None and key <= previous and month == previous[1] and not backwards:
                labels = None  # days must go forward within a month, or back on every column
                break
            previous = key
            try:
                date(year or 2024, month, numbers[c])  # 29/2 is a day in a leap year
            except ValueError:
                labels = None
                break
            labels[c] = normalise.DayLabel(numbers[c], month, year, "")
        if labels:
            return r, labels, None
    return None


#: A weekday as a column names it ("Thứ 2", "Thứ hai", "Chủ nhật", "CN"), folded, and its
#: number (Monday 0, as date.weekday()).  Not "T2" … "T7": "T5" heads a month's column too.
_WEEKDAYS = {
    **{f"thu {n}": n - 2 for n in range(2, 8)},
    **dict(zip(("thu hai", "thu ba", "thu tu", "thu nam", "thu sau", "thu bay"), range(6))),
    "chu nhat": 6,
    "cn": 6,
}


def _weekdays(rows: list[list]) -> tuple[int, dict[int, normalise.DayLabel]] | None:
    """A header row of weekdays alone ("Thứ 2 | Thứ 3 | … | Chủ nhật") in a week's report:
    each is the day of that name in the seven days that end on the title's date ("BÁO CÁO
    TUẦN TỪ 15/3 ĐẾN 21/3/2021": Thứ 2 is 15/3, Chủ nhật 21/3).  Without such a date,
    or with a weekday twice, it is no header of days (until 6/12/2026 such a table was read
    as one day, its Monday's figure stored as the last day's)."""
    for r in range(1, min(layouts.HEADER_SCAN_ROWS, len(rows))):
        named = {
            c: _WEEKDAYS.get(" ".join(fold(normalise.text(v)).replace(".", " ").split()))
            for c, v in enumerate(rows[r])
        }
        named = {c: w for c, w in named.items() if w is not None}
        if len(named) < MIN_DAYS or len(set(named.values())) != len(named):
            continue
        end = None
        for line in rows[:r]:
            found = normalise.find_report_date(" ".join(normalise.text(v) for v in line if v is not None))
            end = found or end
        if end is None:
            return None
        days = {c: end - timedelta(days=(end.weekday() - w) % 7) for c, w in named.items()}
        if sorted(days, key=days.get) != sorted(days):
            return None  # the days must go forward from left to right
        return r, {c: normalise.DayLabel(d.day, d.month, d.year, "") for c, d in days.items()}
    return None


def _weekdays_below(rows: list[list], r: int, days: list[DayColumn]) -> bool:
    """Whether the row under the days names their weekdays ("Thứ 5", "T5", "CN") and holds
    nothing else but words: a second header row, below the dates rather than above them."""
    if r + 1 >= len(rows):
        return False
    below = rows[r + 1]
    cells = {c: normalise.text(v) for c, v in enumerate(below) if normalise.text(v)}
    at_days = {d.index for d in days}
    named = [c for c in at_days if c in cells and _weekday_name(cells[c])]
    if len(named) < MIN_DAYS or any(c in at_days and c not in named for c in cells):
        return False
    return all(_number(below[c]) is None for c in cells)


def _weekday_name(text: str) -> bool:
    folded = " ".join(fold(text).replace(".", " ").split())
    return folded in _WEEKDAYS or re.fullmatch(r"t\s?[2-7]", folded) is not None


def _one_campaign_span(days: dict) -> bool:
    """Whether the days that give their year lie within a year of each other, as the days
    of one report do; "6/7/2009" beside "1/3/2024" is a figure read as an Excel date."""
    dated = []
    for lab in days.values():
        try:
            dated.append(date(lab.year, lab.month, lab.day))
        except (TypeError, ValueError):  # no year, or no such day: judged later, by the year given
            continue
    return not dated or (max(dated) - min(dated)).days <= 366


def _ffill_span(above: list[str], days: dict) -> list[str]:
    """The merged parent over each day column (carried right across the merge)."""
    out, last = [], ""
    for c, text in enumerate(above):
        if text:
            last = text
        elif c not in days:
            last = ""
        out.append(last if c in days else text)
    return out


def _number(cell) -> int | None:
    parsed = normalise.parse_count(cell)
    return parsed.value if isinstance(parsed.value, int) else None


def layouts_for(
    sheet: Sheet,
    table: WideTable,
    file_name: str,
    report: ImportReport,
    anchor: date | None,
    windows: list[tuple[date, date]],
    section: str = "",
) -> list[tuple[Sheet, layouts.Layout]] | None:
    """One (sheet, layout) per day of a wide table, the running totals derived where the
    table gives daily figures; None (with a problem) when the days cannot be dated.
    `section`: the words of the section row over this block of the table's rows
    (`metric_blocks`), which say what its day columns count, before the title does.

    Long on purpose: the days are dated once (anchor year, windows), then every day column
    gets its layout from the same base layout and the same derived running totals; the
    steps share those and are marked by comments."""
    rows = sheet.rows
    sheet_name = sheet.name or None
    if table.typos:
        c, shown, day, length = table.typos[0]
        report.problems.append(
            Problem.of(
                "bad_date",
                f"tiêu đề cột {layouts.column_letter(c)} «{shown}» ghi ngày {day}, là ngày không có thật "
                f"(tháng {day.split('/')[1]} có {length} ngày), giữa các cột ngày; bỏ cột này thì số của "
                "ngày đó bị mất và lũy kế các ngày khác bị lệch. Hãy sửa ngày ở ô đó rồi tải lên lại.",
                sheet=sheet_name,
                row=table.header_rows[-1] + 1,
                column=layouts.column_letter(c),
            )
        )
        return None
    if table.unplaced:
        c, parent = table.unplaced
        report.problems.append(
            Problem.of(
                "no_date",
                f"các cột ngày từ cột {layouts.column_letter(c)} dưới «{parent}» ghi số ngày không kèm tháng, "
                "mà không chia được vào các tháng đó (mỗi tháng phải có ngày của nó, sang tháng sau thì số "
                "ngày quay về đầu tháng), nên không biết mỗi cột là ngày nào. Hãy ghi đủ ngày ở mỗi cột "
                "(20/4, 1/5) hoặc gộp riêng từng tháng (ô «Tháng 4» trên các ngày của tháng 4) rồi tải lên lại.",
                sheet=sheet_name,
                row=table.header_rows[-1] + 1,
                column=layouts.column_letter(c),
            )
        )
        return None
    base = layouts.build(rows, table.header_rows, dict(table.fixed), "report", file_name)
    top_years = normalise.years_in(
        " ".join(normalise.text(c) for c in row) for row in rows[: table.header_rows[0]]
    )
    # A day column blank on every row is a day nobody reported — the days of the month
    # not reached yet in a template filled day by day, or a day the offices were shut.
    # It is left out: the "Lũy kế" column is the total on the last day with figures, not
    # on the template's last day.
    data = rows[base.first_data_row :]
    shown = {
        id(c): len([d for d in table.days if (d.label.day, d.label.month) == (c.label.day, c.label.month)])
        for c in table.days
    }
    filled = [
        c for c in table.days if any(c.index < len(r) and _number(r[c.index]) is not None for r in data)
    ]
    if filled and len(filled) < len(table.days):
        blank = [c for c in table.days if c not in filled]
        table.notes.append(
            f"{len(blank)} cột ngày để trống (không tính): "
            + ", ".join(f"{layouts.column_letter(c.index)} «{c.header}»" for c in blank[:5])
            + ("…" if len(blank) > 5 else "")
        )
        table.days = filled
    for name in ("total", "returned_total"):
        column = getattr(table, name)
        if column is not None and not any(
            column.index < len(r) and _number(r[column.index]) is not None for r in data
        ):
            # An empty "Lũy kế" column says nothing: what the day columns count is read from
            # their words or their figures alone.
            table.notes.append(f"cột {layouts.column_letter(column.index)} «{column.header}» để trống")
            setattr(table, name, None)
    if anchor is None and base.report_date is not None:
        anchor = base.report_date
    # A real date may be a date line left from the first day of a running workbook: the
    # days may run past it.  A year alone (31/12 of it) lets none.
    late = normalise.STALE_DATE_LINE_DAYS if anchor is not None else 1
    year_only = anchor is None
    if anchor is None and len(top_years) == 1:
        anchor = date(top_years.pop(), 12, 31)
    if anchor is None and normalise.year_from_file_name(file_name):
        anchor = date(normalise.year_from_file_name(file_name), 12, 31)
    dates = normalise.with_years(
        [d.label for d in table.days], anchor, windows, late=late, year_only=year_only
    )
    if dates is None:
        months = {d.label.month for d in table.days}
        # A year written alone cannot say which year the days of a run across New Year are in.
        new_year = (
            " (một năm ghi riêng ở tiêu đề hay tên tệp không cho biết các ngày từ tháng 12 sang tháng 1 "
            "thuộc năm nào)"
            if {12, 1} <= months
            else ""
        )
        report.needs_date = True
        report.problems.append(
            Problem.of(
                "no_date",
                "tiêu đề cột ghi ngày không có năm (ví dụ «"
                + table.days[0].header
                + f"») và không suy ra được năm từ dòng ngày số liệu, tên tệp hay chiến dịch{new_year}; "
                "hãy ghi năm vào một ngày (15/5/2023) hoặc cho biết ngày của báo cáo.",
                sheet=sheet_name,
                row=table.header_rows[-1] + 1,
                column=layouts.column_letter(table.days[0].index),
            )
        )
        return None
    if len(set(dates)) != len(dates):
        twice = next(d for d in dates if dates.count(d) > 1)
        groups = {_words_metric(d.label.rest) or _words_metric(_words_of(d, table)) or "" for d in table.days}
        if len(groups) < 2:
            both = [d for d, when in zip(table.days, dates) if when == twice]
            report.problems.append(
                Problem.of(
                    "conflicting_values",
                    f"ngày {date_vn(twice)} có hai cột trong tiêu đề ("
                    + " và ".join(f"cột {layouts.column_letter(d.index)} «{d.header}»" for d in both[:3])
                    + "); hãy sửa ngày ở một cột, hoặc ghi rõ cột nào là số trong ngày, cột nào là lũy kế.",
                    sheet=sheet_name,
                    row=table.header_rows[-1] + 1,
                    column=layouts.column_letter(both[1].index),
                )
            )
            return None
    for column, day in zip(table.days, dates):
        column.day = day
    _days_not_reached(data, table, shown)
    # The title's words, without the date line ("Số liệu tính đến ngày …" says nothing of
    # what the columns count).
    title = " ".join(
        normalise.text(c)
        for i, row in enumerate(rows[: table.header_rows[0]])
        if i != base.date_row and not normalise.is_data_date_line(" ".join(normalise.text(c) for c in row))
        for c in row
        if isinstance(c, str)
    )
    for column in table.days:
        if section:
            # The section says what is counted ("TRẢ THẺ"), the column's own words, if any,
            # whether by day or running; what neither says is read from the figures.
            column.metric = _words_metric(f"{section} {column.label.rest} {_words_of(column, table)}")
            if column.metric is None and layouts.section_kind(section) == "returned":
                column.metric = "returned?"
            continue
        own = _words_metric(column.label.rest)
        if own is None and _names_applications(column.label.rest):
            # "15/3" over "Thu nhận | Trả thẻ": the column counts applications whatever the
            # title says; only whether by day or running may come from the words above it (else
            # from the figures).  Read from a title saying "LŨY KẾ … VÀ TRẢ THẺ", every day's
            # applications were stored as its cards handed over, without a word.
            context = _words_metric(_words_of(column, table)) or _words_metric(title)
            column.metric = _AS_APPLICATIONS.get(context or "")
            continue
        column.metric = own or _words_metric(_words_of(column, table)) or _words_metric(title)
    _settle_metrics(rows, base.first_data_row, table, report, sheet_name)
    dated = (
        _dated_before(table)
        if table.before is not None
        and table.total is None
        and all(c.metric == "collected_day" for c in table.days)
        else None
    )
    if dated is None and table.before is not None and table.total is None and table.days:
        if all(c.metric == "collected_day" for c in table.days) and _below_the_days(
            rows, base.first_data_row, table
        ):
            dated = "start"  # less than the days add up to: the start, whatever its header
    if dated == "start":
        # The running total to the end of the day before the first: that day's own figure,
        # from which each day's running total is its count added (`_derive_running_totals`).
        start = min(c.day for c in table.days) - timedelta(days=1)
        label = normalise.DayLabel(start.day, start.month, start.year, "luy ke")
        table.days.insert(0, DayColumn(table.before.index, label, table.before.header, "collected", start))
        table.notes.append(
            f"cột {layouts.column_letter(table.before.index)} «{table.before.header}» là lũy kế đến hết "
            f"{date_vn(start)}; lũy kế mỗi ngày sau là nó cộng số trong ngày"
        )
    elif dated == "last":
        table.total = layouts.Column(table.before.index, "collected", table.before.header)
    if table.before_unclear or (
        dated is None
        and table.before is not None
        and table.total is None
        and all(c.metric == "collected_day" for c in table.days)
    ):
        # Refused at the daily columns as having no running total at all ("thiếu cột lũy
        # kế"), though the sheet has one: what it lacks is the day it is counted to.
        first_day, last_day = min(c.day for c in table.days), max(c.day for c in table.days)
        said = (
            f"cột {layouts.column_letter(table.before.index)} «{table.before.header}» đứng trước các cột "
            f"ngày nên không rõ là lũy kế đến ngày cuối ({date_vn(last_day)}) hay đến trước ngày đầu "
            f"({date_vn(first_day)}); hãy ghi ngày vào tiêu đề cột đó (ví dụ «Lũy kế đến "
            f"{date_vn(last_day)}») hoặc đặt cột đó sau các cột ngày."
        )
        if table.before_unclear:
            said = (
                f"sau cột {layouts.column_letter(table.before.index)} «{table.before.header}», các cột ngày "
                "có thể là lũy kế hoặc số trong ngày cộng dồn vào cột đó (số liệu không cho biết); hãy ghi "
                f"rõ ở tiêu đề các cột ngày (ví dụ «Lũy kế {date_vn(first_day, year=False)}» hoặc «Trong "
                f"ngày {date_vn(first_day, year=False)}»)."
            )
        report.problems.append(
            Problem.of(
                "no_cumulative",
                said,
                sheet=sheet_name,
                row=table.header_rows[-1] + 1,
                column=layouts.column_letter(table.before.index),
            )
        )
        return None
    if table.kind_unclear:
        first_day = min(table.days, key=lambda c: c.day)
        report.problems.append(
            Problem.of(
                "no_cumulative",
                f"các cột ngày (từ cột {layouts.column_letter(first_day.index)} «{first_day.header}») không "
                "ghi là lũy kế hay số trong ngày, và bảng không có cột lũy kế thu nhận: số tăng dần qua "
                "các ngày có thể là lũy kế, cũng có thể là số thu nhận mỗi ngày. Hãy ghi rõ ở tiêu đề "
                f"(ví dụ «Lũy kế đến ngày» hoặc «Thu nhận trong ngày» trên các cột ngày), hoặc thêm cột "
                f"«Lũy kế» đến ngày {date_vn(max(c.day for c in table.days))} sau các cột ngày.",
                sheet=sheet_name,
                row=table.header_rows[-1] + 1,
                column=layouts.column_letter(first_day.index),
                header=first_day.header,
            )
        )
        return None
    _period_sum_as_total(rows, base.first_data_row, table)
    work = Sheet(sheet.name, [list(r) for r in rows], height=len(rows))
    work.aliases = dict(sheet.aliases)
    work.row_labels, work.pages = sheet.row_labels, sheet.pages
    derived = _derive_running_totals(work, base.first_data_row, table, report, sheet_name)
    out = []
    by_day: dict[date, dict[str, layouts.Column]] = {}
    weeks = [c for c in table.days if c.metric in ("collected_day", "returned_day") and _is_week(c)]
    for column in table.days:
        by_day.setdefault(column.day, {})
        if column in weeks:
            # A week's count ("Tuần 1 (17–23/4)") is the gain from the week before's end to
            # its own: it gives the running total at each week's end, never a day's figure.
            # Stored as its last day's collected_day, a week's applications were one day's.
            continue
        by_day[column.day][column.metric] = layouts.Column(column.index, column.metric, column.header)
    if weeks:
        table.notes.append(
            "cột theo tuần: số cả tuần chỉ dùng để tính lũy kế ngày cuối tuần, không ghi là số trong ngày"
        )
    last = max(by_day)
    for day in sorted(by_day):
        columns = dict(table.fixed)
        columns.update(by_day[day])
        for metric, column in derived.get(day, {}).items():
            columns.setdefault(metric, column)
        for column in (table.total, table.returned_total):
            if day == last and column is not None:
                columns.setdefault(column.field, column)
        if day == last and table.gain is not None:
            columns.setdefault("collected_day", table.gain)
        layout = replace(base, columns=columns)
        # A block of cards handed over only (`metric_blocks`): read beside the collected
        # figures of the same communes, as a returned table of a Word report is.
        layout.companion = not set(columns) & {"collected", "collected_day"}
        layout.data_date = day
        layout.data_date_origin = "header"
        first = next(c for c in table.days if c.day == day)
        layout.data_date_source = f"tiêu đề cột {layouts.column_letter(first.index)} «{first.header}»"
        out.append((work, layout))
    kinds = sorted({c.metric for c in table.days})
    names = {
        "collected": "lũy kế thu nhận",
        "collected_day": "thu nhận trong ngày",
        "returned": "lũy kế trả thẻ",
        "returned_day": "trả thẻ trong ngày",
    }
    base.description = (
        f"bảng theo ngày (mỗi ngày một cột: {len(by_day)} ngày từ {date_vn(min(by_day))} đến "
        f"{date_vn(last)}, {', '.join(names[k] for k in kinds)}), "
        + ("tiêu đề hai dòng" if len(table.header_rows) == 2 else "tiêu đề một dòng")
        + f", bắt đầu ở dòng {table.header_rows[0] + 1}"
        + (
            f"; thu nhận trong ngày {date_vn(last)} theo cột {layouts.column_letter(table.gain.index)} "
            f"«{table.gain.header}»"
            if table.gain is not None
            else ""
        )
        + ("; " + "; ".join(table.notes) if table.notes else "")
    )
    for _, layout in out:
        layout.description = base.description
    return out


def metric_blocks(sheet: Sheet, table: WideTable) -> list[tuple[Sheet, str, int]]:
    """A wide table whose rows come in blocks under section rows saying what they count
    ("I | THU NHẬN HỒ SƠ (lũy kế)" over the communes, then "II | TRẢ THẺ CCCD (lũy kế)" over
    the same communes again), under one header of days: (sheet, section words, first row)
    of each block, the sheet with the other blocks' rows blank and every row where it is in
    the file.  Read as one block, the cards handed over were the same communes' collected
    figures a second time, refused as conflicting, or, under a title saying "lũy kế", read
    as collected when no block of collected figures came before them.  Only when some
    section names cards handed over; else [(sheet, "", first row)]."""
    first = table.header_rows[-1] + 1
    figure_columns = [c.index for c in table.days] + [
        c.index for c in (table.total, table.gain, table.period_sum) if c is not None
    ]
    sections: list[tuple[int, str]] = []
    kinds = set()
    for r in range(first, len(sheet.rows)):
        row = sheet.rows[r]
        if any(i < len(row) and _number(row[i]) is not None for i in figure_columns):
            continue
        heading = layouts.section_heading(row)
        if heading is not None:
            kinds.add(heading[0])
            sections.append((r, heading[1]))
    if "returned" not in kinds:
        return [(sheet, "", first)]
    if sections[0][0] > first and any(
        _number(c) is not None for row in sheet.rows[first : sections[0][0]] for c in row
    ):
        sections.insert(0, (first, ""))  # figures above the first section: what the title says
    out = []
    for (start, words), (end, _) in zip(sections, [*sections[1:], (len(sheet.rows), "")]):
        rows = [row if r < first or start <= r < end else [] for r, row in enumerate(sheet.rows)]
        block = replace(sheet, rows=rows, height=len(rows))
        out.append((block, words, start))
    return out


def _is_week(column: DayColumn) -> bool:
    """A column of a week ending on its day ("Tuần 1 (17–23/4)", `normalise.day_label`)."""
    return ("tuan" in column.label.rest.split() or "tuan" in fold(column.header).split()) and bool(
        re.search(r"\d{1,2}\s*[-–—]\s*\d{1,2}\s*/\s*\d{1,2}\s*\)?\s*$", column.header.strip())
    )


def _words_of(column: DayColumn, table: WideTable) -> str:
    return column.header.rsplit("/", 1)[0] if "/" in column.header else ""


def _days_not_reached(data: list[list], table: WideTable, shown: dict[int, int]) -> None:
    """The last days of a workbook kept for the whole campaign that nobody has reached yet,
    left out as blank days are: columns of 0 on every row (a template's days prefilled
    with 0, or "=0" formulas), or a day whose own figure is blank on every row beside
    running totals that are the day before's on every row (a formula "= lũy kế hôm trước
    + trong ngày" copied across the month).  Read, they stored the days to come: a day's
    figure of 0 and the last running total again for each (or a running total of 0, refused
    as falling), the "Lũy kế" column put on the template's last day.  Only from the last
    day back, and never the last day with figures; `shown`: how many columns each day had
    before blank ones were left out."""

    def values(column: DayColumn) -> list[int | None]:
        return [_number(r[column.index]) if column.index < len(r) else None for r in data]

    days = sorted({c.day for c in table.days})
    dropped = []
    while len(days) > 1:
        last, before = days[-1], days[-2]
        columns = [c for c in table.days if c.day == last]
        earlier = {c.label.rest: values(c) for c in table.days if c.day == before}
        zero = all(v in (None, 0) for c in columns for v in values(c))
        carried = len(columns) < shown[id(columns[0])] and all(
            c.label.rest in earlier
            and any(v is not None for v in values(c))
            and values(c) == earlier[c.label.rest]
            for c in columns
        )
        if not (zero or carried):
            break
        dropped += columns
        days.pop()
    if not dropped:
        return
    table.days = [c for c in table.days if c not in dropped]
    table.notes.append(
        f"{len({c.day for c in dropped})} ngày cuối chưa có số (toàn 0 hoặc chép lũy kế ngày trước, "
        "không tính): "
        + ", ".join(f"{layouts.column_letter(c.index)} «{c.header}»" for c in dropped[:5])
        + ("…" if len(dropped) > 5 else "")
    )


def _settle_metrics(rows, first: int, table: WideTable, report: ImportReport, sheet_name) -> None:
    """Day columns whose words do not say what they count: read from the figures."""
    unknown = [c for c in table.days if c.metric in (None, "returned?")]
    if not unknown:
        return
    for group in ("returned?", None):
        columns = [c for c in table.days if c.metric == group]
        if not columns:
            continue
        totals = {c.day for c in table.days if c.metric == "collected"}
        if group is None and all(c.day in totals for c in columns):
            # "06/4 | LK 06/4": beside each day's running total, the unnamed column of the
            # same day is that day's figure.
            for column in columns:
                column.metric = "collected_day"
            table.notes.append("cột ngày không ghi lũy kế là số trong ngày (mỗi ngày có cột lũy kế riêng)")
            continue
        running = _looks_running(rows, first, columns, table.total if group is None else table.returned_total)
        why = (
            "cột ngày cuối bằng cột lũy kế"
            if running and (table.total if group is None else table.returned_total) is not None
            else "số không bao giờ giảm qua các ngày"
            if running
            else "số tăng giảm qua các ngày"
        )
        if running and group is None and table.before is not None:
            verdict = _before_says(rows, first, columns, table.before, _dated_before(table))
            if verdict == "counts":
                # Days that never fall (two days of counts can happen to rise) beside a running
                # total before them that is neither their last day's nor below them: "Lũy kế |
                # 10/3 | 11/3" = "194 | – | 32" had 32 stored as the running total, 194 dropped.
                running, why = False, f"cột «{table.before.header}» không khớp với lũy kế"
            elif verdict == "unclear":
                table.before_unclear = True
        if running and group is None and table.total is None and table.before is None:
            if table.period_sum is not None:
                # A "Tổng" after the days adds them up: they are counts (a sum of running
                # totals is no figure), and the "Tổng" may be the running total
                # (`_period_sum_as_total`).
                running, why = False, f"có cột «{table.period_sum.header}» cộng các ngày"
            elif not (
                _cards_say_running(rows, first, columns, table) or _level_says_running(rows, first, columns)
            ):
                table.kind_unclear = True
        returned = group == "returned?"
        metric = (
            ("returned" if running else "returned_day")
            if returned
            else ("collected" if running else "collected_day")
        )
        for column in columns:
            column.metric = metric
        what = "lũy kế" if running else "số trong ngày"
        table.notes.append(f"các cột ngày được hiểu là {what} ({why})")


def _level_says_running(rows, first: int, columns: list[DayColumn]) -> bool:
    """Whether day columns that never fall are, on nine rows in ten, a large figure (at least 100)
    that grows by at most half of itself over the days shown: a campaign's running total
    carried from before the first day.  Counts that rose every day (34, 41, 52, 60) grow
    by more than that, or are small; between the two the figures cannot tell, and the
    sheet is asked to say."""
    ordered = sorted(columns, key=lambda c: c.day)
    seen = large = 0
    for row in rows[first:]:
        values = [_number(row[c.index]) if c.index < len(row) else None for c in ordered]
        values = [v for v in values if v is not None]
        if len(values) < 2 or values[-1] == values[0]:
            continue  # a commune with nothing new says nothing either way
        seen += 1
        # A small commune's running total may be under 100: most rows, not every one.
        large += values[0] >= 100 and values[-1] - values[0] <= values[0] / 2
    return seen > 0 and large >= 0.9 * seen


def _cards_say_running(rows, first: int, columns: list[DayColumn], table: WideTable) -> bool:
    """Whether each day's cards handed over, running totals that never fall ("Thu nhận | Trả
    thẻ" under each day), are at most that day's applications on every row: two series that
    never fall, the cards within the applications, are running totals.  Cards handed over
    day by day come in batches and fall back to 0; with a single series of applications
    that rose, counts and running totals look the same."""
    cards = {c.day: c for c in table.days if c.metric == "returned"}
    pairs = [(c, cards[c.day]) for c in columns if c.day in cards]
    if not pairs:
        return False
    seen = 0
    for row in rows[first:]:
        for applications, returned in pairs:
            a = _number(row[applications.index]) if applications.index < len(row) else None
            r = _number(row[returned.index]) if returned.index < len(row) else None
            if a is None or r is None:
                continue
            if r > a:
                return False
            seen += 1
    return seen > 0


def _period_sum_as_total(rows, first: int, table: WideTable) -> None:
    """A "Tổng" after daily columns is their sum — unless it is more than the days shown add
    up to: then it counts from before the first day, so it is the running total on the
    last day (a month's sheet whose "Tổng" is the campaign's).  Equal on every row, it
    could be either, and stays a sum (the table then needs a "Lũy kế" column)."""
    if table.total is not None or table.period_sum is None:
        return
    if any(c.metric != "collected_day" for c in table.days):
        return
    more = less = 0
    for row in rows[first:]:
        total = _number(row[table.period_sum.index]) if table.period_sum.index < len(row) else None
        days = [_number(row[c.index]) if c.index < len(row) else None for c in table.days]
        if total is None or None in days:
            continue
        more += total > sum(days)
        less += total < sum(days)
    if more and not less:
        column = table.period_sum
        table.total, table.period_sum = layouts.Column(column.index, "collected", column.header), None
        table.notes.append(
            f"cột {layouts.column_letter(column.index)} «{column.header}» lớn hơn tổng các ngày: "
            "được hiểu là lũy kế đến ngày cuối"
        )


def _before_says(
    rows, first: int, columns: list[DayColumn], before: layouts.Column, dated: str | None
) -> str:
    """What the running total before day columns that never fall says of them: "running",
    "counts" or "unclear" (refused: the figures cannot tell), over the rows that give both.

    * Equal to the last day on most rows, one row typed wrong deciding nothing: the days are
      running totals; a little above it (at most half as much again) is a later day's running
      total or the total of counts that doubled: unclear.  Not for a start named by its
      header ("Lũy kế trước 15/3").
    * At most the first day, the days rising, on every row: a start with running totals
      after it ("1000 | 1020 | 1050") — or counts added to a start ("1 | 1 | 1" is a start of
      1 and a count of 1 a day as well).  Running totals only where the start is large and
      each first day a small step above it (at least 100, at most half of it more), else
      unclear.
    * Below the start on some row: counts (for a start named by its header, on most rows;
      on a few it stays unclear)."""
    ordered = sorted(columns, key=lambda c: c.day)
    seen = last_equal = near = broken = 0
    strong = True
    for row in rows[first:]:
        start = _number(row[before.index]) if before.index < len(row) else None
        values = [_number(row[c.index]) if c.index < len(row) else None for c in ordered]
        values = [v for v in values if v is not None]
        if start is None or not values:
            continue
        seen += 1
        rising = all(b >= a for a, b in zip(values, values[1:]))
        last_equal += rising and values[-1] == start
        # A little above the last day (at most half as much again): a later day's running
        # total beside running totals ("1080 | 1100"), or the running total beside counts
        # that doubled ("10 | 20 | 30"): the figures cannot tell which.
        near += rising and values[-1] < start <= values[-1] * 1.5
        if not (rising and values[0] >= start):
            broken += 1
        elif not (start >= 100 and values[0] - start <= start / 2):
            strong = False
    if dated != "start" and last_equal * 2 > seen:
        return "running"
    if dated != "start" and (last_equal + near) * 2 > seen:
        return "unclear"
    if not broken:
        return "running" if strong else "unclear"
    if dated == "start" and broken * 2 <= seen:
        return "unclear"
    return "counts"


def _below_the_days(rows, first: int, table: WideTable) -> bool:
    """Whether the running total before daily columns is, on most rows whose counts are not
    all 0, less than those counts add up to: then it cannot be the last day's, and is the
    start.  (On a row or two it may be a figure typed wrong; then which it is stays unsaid.)"""
    below = not_below = 0
    for row in rows[first:]:
        start = _number(row[table.before.index]) if table.before.index < len(row) else None
        counts = [_number(row[c.index]) if c.index < len(row) else None for c in table.days]
        added = sum(v for v in counts if v is not None)
        if start is None or not added:
            continue
        below += start < added
        not_below += start >= added
    return below > not_below


def _day_of(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _dated_before(table: WideTable) -> str | None:
    """What the running total before the days is when its header names a day: "start" when
    that is the day before the first ("Lũy kế trước 10/3", "Lũy kế đến hết 9/3" over days
    from 10/3), "last" when it is the last day ("Lũy kế đến 11/3"); else None."""
    header = table.before.header.split(" / ")[-1]
    # "Trước 10/3" alone is a period's bound, no day (`normalise.day_label`): here it is.
    before = " truoc " in f" {fold(header)} "
    label = normalise.day_label(re.sub(r"(?i)\b(?:trước|truoc)\b", " ", header) if before else header)
    if label is None:
        return None
    first, last = min(c.day for c in table.days), max(c.day for c in table.days)
    years = [label.year] if label.year else [first.year - 1, first.year, first.year + 1]
    named = [d for y in years if (d := _day_of(y, label.month, label.day)) is not None]
    if not named:
        return None
    day = min(named, key=lambda d: abs((d - first).days))
    if before:
        day -= timedelta(days=1)  # "before 10/3": to the end of 9/3
    if day == first - timedelta(days=1):
        return "start"
    if day == last:
        return "last"
    return None


def _looks_running(rows, first: int, columns: list[DayColumn], total: layouts.Column | None) -> bool:
    ordered = sorted(columns, key=lambda c: c.day)
    equal = rising = falling = rows_seen = 0
    for row in rows[first:]:
        values = [_number(row[c.index]) if c.index < len(row) else None for c in ordered]
        values = [v for v in values if v is not None]
        if len(values) < 2:
            continue
        rows_seen += 1
        if any(b < a for a, b in zip(values, values[1:])):
            falling += 1
        elif values[-1] > values[0]:
            rising += 1
        if total is not None and total.index < len(row):
            t = _number(row[total.index])
            last = _number(row[ordered[-1].index]) if ordered[-1].index < len(row) else None
            if t is not None and last is not None and t == last:
                equal += 1
    if total is not None and rows_seen:
        return equal >= 0.9 * rows_seen
    return rows_seen > 0 and falling == 0 and rising > 0


def _derive_running_totals(
    work: Sheet, first: int, table: WideTable, report: ImportReport, sheet_name
) -> dict[date, dict[str, layouts.Column]]:
    """Running totals for days that have only the day's figure: from a known running
    total the day before (+ today's figure) or the day after (− that day's figure), in
    columns added after the table — of applications, and of cards handed over where the
    table gives their days and a running total of them.  Returns each such day's added
    columns by metric."""
    added: dict[date, dict[str, layouts.Column]] = {}
    for metric, total in (("collected", table.total), ("returned", table.returned_total)):
        for day, column in _derive_one(work, first, table, report, sheet_name, metric, total).items():
            added.setdefault(day, {})[metric] = column
    return added


def _derive_one(
    work: Sheet,
    first: int,
    table: WideTable,
    report: ImportReport,
    sheet_name,
    metric: str,
    total: layouts.Column | None,
) -> dict[date, layouts.Column]:
    """`_derive_running_totals` of one metric ("collected" or "returned")."""
    daily = {c.day: c for c in table.days if c.metric == f"{metric}_day"}
    running = {c.day: c for c in table.days if c.metric == metric}
    if not daily or all(d in running for d in daily):
        return {}
    if not running and total is None:
        return {}  # nothing to start from: the days stay daily figures (refused: no running total)
    what = "lũy kế" if metric == "collected" else "lũy kế trả thẻ"
    days = sorted({c.day for c in table.days})
    missing = [d for d in days if d not in running and d in daily]
    last = days[-1]
    width = max(len(r) for r in work.rows)
    added: dict[date, layouts.Column] = {}
    for offset, day in enumerate(missing):
        source = daily[day]
        added[day] = layouts.Column(width + offset, metric, f"{what} {date_vn(day)} (tính từ các cột ngày)")
        # A problem about a derived figure points at the day's own column.
        work.aliases[layouts.column_letter(width + offset)] = (
            layouts.column_letter(source.index),
            source.header,
        )
    for index in range(first, len(work.rows)):
        row = work.rows[index]
        row.extend([None] * (width + len(missing) - len(row)))
        known: dict[date, int] = {}
        for day, column in running.items():
            value = _number(row[column.index])
            if value is not None:
                known[day] = value
        today = {day: _number(row[c.index]) for day, c in daily.items()}
        if total is not None:
            # The "Lũy kế" is the running total on the row's last day with a figure: a unit
            # whose last days are blank has not reported them yet (the others have), and
            # its total set on the sheet's last day claimed a report of no gain there
            # while its own last days got no running total.
            reported = [d for d in days if today.get(d) is not None or d in known]
            at = reported[-1] if reported else last
            value = _number(row[total.index])
            if value is not None and at not in known:
                known[at] = value
        changed = True
        while changed:
            changed = False
            for i, day in enumerate(days):
                if day in known:
                    continue
                before, after = (days[i - 1] if i else None), (days[i + 1] if i + 1 < len(days) else None)
                if before in known and today.get(day) is not None:
                    known[day] = known[before] + today[day]
                    changed = True
                elif after in known and today.get(after) is not None:
                    known[day] = known[after] - today[after]
                    changed = True
        for day in missing:
            value = known.get(day)
            if value is not None and value >= 0:
                row[added[day].index] = value
            elif value is not None:
                column = daily[day]
                report.problems.append(
                    Problem.of(
                        "negative",
                        f"{what} ngày {date_vn(day)} tính từ cột {what} và số các ngày sau ra số âm "
                        f"({value}); số trong ngày và {what} không khớp nhau.",
                        sheet=sheet_name,
                        row=index + 1,
                        column=layouts.column_letter(column.index),
                        header=column.header,
                    )
                )
    return added
