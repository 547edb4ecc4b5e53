"""Numbers and dates as people type them in Vietnamese reports.

Counts: "5.432", "5,432", "5 432", "1.234.567", 5432.0, "5432" → 5432.  Decimals:
"95,3" → 95.3.  Dates: Excel serials, date cells, "15/3/2021", "15-03-21", "15.03.2021",
ISO, "ngày 15 tháng 3 năm 2021"; day before month.  Each parser returns
`Parsed(value, warning, error)`; a value that can be read two ways carries a warning,
never a silent guess.  Messages are Vietnamese and never name the file or cell: the
caller adds where the value was.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u2007]+")
_INT = re.compile(r"-?\d+")
_DOT_GROUPS = re.compile(r"-?\d{1,3}(\.\d{3})+")
_COMMA_GROUPS = re.compile(r"-?\d{1,3}(,\d{3})+")
_VN_DECIMAL = re.compile(r"-?\d{1,3}(\.\d{3})*,\d+|-?\d+,\d+")
_EN_DECIMAL = re.compile(r"-?\d{1,3}(,\d{3})*\.\d+|-?\d+\.\d+")
_EXCEL_EPOCH = date(1899, 12, 30)
# Excel serials this tool accepts as dates: 20000 = 1954-10-03, 80000 = 2119-01-10.
_SERIAL_RANGE = (20000, 80000)
MISSING = ("", "-", "--", "—", "–", "x", "n/a", "na", "null", "none", "nan", "#n/a")


@dataclass(frozen=True)
class Parsed:
    value: object = None
    warning: str | None = None
    error: str | None = None


#: A dash alone in a cell: no figure in a running total, none (0) in a day's own column.
DASHES = frozenset({"-", "–", "—", "--"})


def is_dash(raw) -> bool:
    return isinstance(raw, str) and raw.strip() in DASHES


def is_blank(raw) -> bool:
    if raw is None:
        return True
    if isinstance(raw, float) and math.isnan(raw):
        return True
    return isinstance(raw, str) and raw.strip().lower() in MISSING


def unprotected(raw):
    """A CSV cell written for Excel to keep as text, `="23/05/2023"` or `="017617"` (web tools
    export codes and dates so, lest Excel drop a leading zero or turn a date around): what
    is inside the quotes; any other value as it is."""
    if isinstance(raw, str) and len(raw) >= 3 and raw.startswith('="') and raw.endswith('"'):
        return raw[2:-1]
    return raw


def text(raw) -> str:
    """A cell as clean NFC text ("" for blanks); 12.0 → "12"."""
    raw = unprotected(raw)
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, date):
        # A date cell beside its words ("Số liệu tính đến ngày | 15/5/2023") is read with
        # them as text: written the Vietnamese way, never "2023-05-15 00:00:00".
        return f"{raw.day:02d}/{raw.month:02d}/{raw.year}"
    return " ".join(unicodedata.normalize("NFC", str(raw)).split())


# A footnote's mark after a figure ("262*", "262 (*)", "262**"): the note under the table
# explains the figure, which is read as written.
_FOOTNOTE_MARK = re.compile(r"(?<=\d)(?:\*+|\(\*+\))$")


def _clean_number_text(raw) -> str:
    value = _SPACES.sub("", unicodedata.normalize("NFKC", str(raw)).strip())
    value = _FOOTNOTE_MARK.sub("", value)
    return value.replace("\u2212", "-").replace("\u2013", "-")


#: More than the country's population (about 100 million): no count of a report can be as
#: large.  Such a cell is mostly a code pasted into a figure's column (a 12-digit ID number,
#: a phone number, a file number), which was stored as a commune's count without a word,
#: and from 19 digits on failed the import with no cell named.
MAX_COUNT = 150_000_000
_DIGIT_RUN = re.compile(r"[0-9]+")


def parse_count(raw) -> Parsed:
    """A whole number such as a count of applications.

    "5.432", "5,432", "5 432" and "1.234.567" are thousands separators (a count has no
    fraction, so none of them can be read two ways); "5432,0" and 5432.0 are whole.
    A fraction ("1,5", 12.5) or a percentage is an error: a count cannot have one, nor a
    figure above MAX_COUNT (the value is kept beside the error: a cell of digits still
    looks like a figure to the recognition of a table).
    """
    if isinstance(raw, str) and len(raw) > 30:
        # Python refuses to make an int of over 4300 digits: a long run is said here.
        longest = max((len(run) for run in _DIGIT_RUN.findall(raw)), default=0)
        if longest > 30:
            return Parsed(error=_too_large(f"{longest} chữ số"))
    parsed = _parse_count(raw)
    # (A negative one is refused as negative, which it is first.)
    if isinstance(parsed.value, int) and parsed.value > MAX_COUNT and not parsed.error:
        from cccd_analytics.text import thousands

        shown = (
            thousands(parsed.value) if abs(parsed.value) < 10**15 else f"{len(str(abs(parsed.value)))} chữ số"
        )
        return Parsed(parsed.value, error=_too_large(shown))
    return parsed


def _too_large(shown: str) -> str:
    return (
        f"số quá lớn ({shown}), hơn cả dân số cả nước: có thể đã dán nhầm một mã số (số CCCD, số "
        "điện thoại, số hồ sơ) vào ô số liệu"
    )


def _parse_count(raw) -> Parsed:
    raw = unprotected(raw)
    if is_blank(raw):
        return Parsed(None)
    if isinstance(raw, bool):
        return Parsed(error=f"không phải số: {raw!r}")
    if isinstance(raw, int):
        return Parsed(raw)
    if isinstance(raw, float):
        if math.isinf(raw):
            return Parsed(error="không phải số")
        if abs(raw - round(raw)) < 1e-6:  # 4843.000000001 from a sum formula
            return Parsed(int(round(raw)))
        # With a decimal comma, as Vietnamese write a fraction ("8.224" would read as 8224).
        shown = f"{raw:g}".replace(".", ",")
        return Parsed(error=f"không phải số nguyên: {shown}{_fraction_hint(raw)}")
    two = _two_figures(str(raw))
    if two:
        return Parsed(error=two)
    value = _clean_number_text(raw)
    if value.endswith("%"):
        return Parsed(error=f"là tỷ lệ phần trăm, không phải số lượng: «{raw}»")
    if _INT.fullmatch(value):
        return Parsed(int(value))
    if _DOT_GROUPS.fullmatch(value):
        return Parsed(int(value.replace(".", "")))
    if _COMMA_GROUPS.fullmatch(value):
        return Parsed(int(value.replace(",", "")))
    if _VN_DECIMAL.fullmatch(value):
        number = float(value.replace(".", "").replace(",", "."))
    elif _EN_DECIMAL.fullmatch(value):
        number = float(value.replace(",", ""))
    else:
        beside = _WITH_SHARE.fullmatch(value)
        if beside:
            # "2.384 (26,1%)": the count with its share of the eligible beside it.
            return _parse_count(beside.group(1))
        gained = _WITH_GAIN.fullmatch(value)
        if gained:
            # "1.260 (+31)": a running total with its gain since the last report, never more
            # than the total ("12 (+1.240)" is two figures of something else).
            total, gain = _parse_count(gained.group(1)), _parse_count(gained.group(2))
            if (
                total.error
                or gain.error
                or gain.value is None
                or total.value is None
                or gain.value > total.value
            ):
                return Parsed(error=f"không đọc được số: «{raw}»")
            return total
        counted = _COUNTED.fullmatch(value)
        if counted:
            # "1.234 hồ sơ", "12 HS", "3.456 người": the count with what it counts.
            return _parse_count(counted.group(1))
        return Parsed(error=f"không đọc được số: «{raw}»")
    if number.is_integer():
        return Parsed(int(number))
    return Parsed(error=f"không phải số nguyên: «{raw}»")


def _fraction_hint(number: float) -> str:
    """Why a spreadsheet's count cell may hold a fraction, said with the refusal.  "8.224"
    typed where Excel takes the dot for a decimal point arrives as 8.224 ("1.500" as 1.5),
    so a number under 1.000 with at most three decimals may be a count with a thousands dot;
    a longer fraction is mostly a formula's result (a population × 0,78) that the cell shows
    rounded ("6.218" for 6218.16), which the reader cannot see."""
    from cccd_analytics.text import thousands

    thousand = number * 1000
    if 0 < number < 1000 and abs(thousand - round(thousand)) < 1e-6:
        return (
            f" (nếu là {thousands(round(thousand))} thì Excel đã đọc dấu chấm ngăn cách hàng nghìn thành"
            " dấu thập phân: hãy gõ lại số không có dấu chấm)"
        )
    return " (ô chứa số lẻ, thường do công thức, dù ô có thể đang hiển thị số đã làm tròn: hãy làm tròn trong công thức hoặc dán giá trị là số nguyên)"


_LINE_BETWEEN = re.compile(r"\d[ \t\u00a0]*[\r\n\u2028\u2029\v]+\s*\d")
_SPACE_BETWEEN = re.compile(r"\d[\s\u00a0\u202f\u2009\u2007]+\d")
_MARK_BETWEEN = re.compile(r"\d[.,]\d")


def _two_figures(text: str) -> str | None:
    """Why a cell of two figures is no count: one per line ("33↵2.396", a daily figure over a
    running total in one cell), or spaces between digits beside dots or commas ("15 2.288":
    a space is a thousands separator only where no other is used).  The digits were joined
    into one number (332.396) without a word."""
    if _LINE_BETWEEN.search(text):
        shown = " / ".join(part.strip() for part in text.splitlines() if part.strip())
        return f"ô ghi hai số trên hai dòng («{shown}»); mỗi ô chỉ ghi một số"
    if _SPACE_BETWEEN.search(text) and _MARK_BETWEEN.search(text):
        return f"ô ghi hai số hoặc một số với hai kiểu dấu phân cách («{' '.join(text.split())}»); mỗi ô chỉ ghi một số"
    return None


# A count followed by the word for what it counts, as some units type every cell.
# (Spaces are gone: `_clean_number_text` drops them, "1.234 hồ sơ" is "1.234hồsơ".)
_COUNTED = re.compile(r"([\d.,]*\d)(?:hồsơ|hs|người|côngdân|cd|thẻ|lượt|trườnghợp)\.?", re.IGNORECASE)


# A count with its share beside it in brackets, as some reports give every cell: "2.384
# (26,1%)", "2.384 (đạt 26,1%)" (spaces dropped by `_clean_number_text`).
_WITH_SHARE = re.compile(r"([\d.,]*\d)\((?:đạt|=)?[\d.,]*\d%\)", re.IGNORECASE)


# A count with the day's gain beside it in brackets: "1.260 (+31)", "1.260 (tăng 31)" (a
# running total and how much it rose since the day before). It was refused as no number;
# the gain is derived from two days' totals, so the count alone is read, as with a share.
_WITH_GAIN = re.compile(r"([\d.,]*\d)\((?:\+|tăng)([\d.,]*\d)\)", re.IGNORECASE)


def count_with_share(raw) -> bool:
    """A cell giving a count with its share beside it ("2.384 (26,1%)")."""
    return isinstance(raw, str) and _WITH_SHARE.fullmatch(_clean_number_text(raw)) is not None


def parse_decimal(raw) -> Parsed:
    """A number that may have a fractional part ("95,3" → 95.3).

    "1.234" and "1,234" can be a thousand or a fraction: read as thousands (1234),
    with a warning naming both readings.
    """
    if is_blank(raw):
        return Parsed(None)
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return Parsed(float(raw))
    value = _clean_number_text(raw).rstrip("%")
    if _INT.fullmatch(value):
        return Parsed(float(value))
    if _DOT_GROUPS.fullmatch(value):
        whole = value.replace(".", "")
        return Parsed(
            float(whole),
            warning=f"«{raw}» có thể là {whole} hoặc {value.replace('.', ',')} "
            f"(số thập phân); đã đọc là {whole}",
        )
    if _COMMA_GROUPS.fullmatch(value):
        whole = value.replace(",", "")
        return Parsed(
            float(whole), warning=f"«{raw}» có thể là {whole} hoặc {value} (số thập phân); đã đọc là {whole}"
        )
    if _VN_DECIMAL.fullmatch(value):
        return Parsed(float(value.replace(".", "").replace(",", ".")))
    if _EN_DECIMAL.fullmatch(value):
        return Parsed(float(value.replace(",", "")))
    return Parsed(error=f"không đọc được số: «{raw}»")


# -- dates -----------------------------------------------------------------------------

_DATE_DMY = re.compile(r"(\d{1,2})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{2,4})")
_DATE_YMD = re.compile(r"(\d{4})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{1,2})")
_DATE_WORDS = re.compile(r"ng[àa]y\s*(\d{1,2})\s*th[áa]ng\s*(\d{1,2})\s*n[ăa]m\s*(\d{4})", re.IGNORECASE)
# The same without its "ngày" ("17 tháng 4 năm 2023"): a per-record export's day once the
# weekday and "Ngày" before it are cut (`record_tally._TIME`).
_DATE_WORDS_BARE = re.compile(r"(\d{1,2})\s*th[áa]ng\s*(\d{1,2})\s*n[ăa]m\s*(\d{4})", re.IGNORECASE)
_SERIAL = re.compile(r"\d{5}(\.\d+)?")


def _year(text: str) -> int:
    year = int(text)
    return 2000 + year if year < 100 else year


def _make(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _date_part(value: str) -> str:
    """ "15/03/2021 08:12:33" → "15/03/2021"; "2021-03-15T08:12" → "2021-03-15"."""
    value = value.strip()
    for sep in (" ", "T"):
        head, found, _ = value.partition(sep)
        if found and head:
            value = head
    return value


def parse_date(raw, order: str = "dmy") -> Parsed:
    """A date cell: a date object, an Excel serial, or text (day before month).

    `order` is the reading a column's other dates support ("dmy" unless some dates
    are only valid month-first, see `date_order`).
    """
    raw = unprotected(raw)
    if is_blank(raw):
        return Parsed(None)
    if isinstance(raw, datetime):
        return Parsed(raw.date())
    if isinstance(raw, date):
        return Parsed(raw)
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if _SERIAL_RANGE[0] <= raw <= _SERIAL_RANGE[1]:
            return Parsed(_EXCEL_EPOCH + timedelta(days=int(raw)))
        return Parsed(error=f"không phải ngày: {text(raw)}")
    value = unicodedata.normalize("NFC", str(raw)).strip()
    if _SERIAL.fullmatch(value) and _SERIAL_RANGE[0] <= float(value) <= _SERIAL_RANGE[1]:
        return Parsed(_EXCEL_EPOCH + timedelta(days=int(float(value))))
    words = _DATE_WORDS.search(value) or _DATE_WORDS_BARE.match(value)
    if words:
        found = _make(int(words.group(3)), int(words.group(2)), int(words.group(1)))
        return Parsed(found) if found else Parsed(error=f"ngày không hợp lệ: «{raw}»")
    named = _DATE_MONTH_NAME.fullmatch(value)
    if named:
        # "15-Mar-2021", "15 Mar 2021 08:30" (an English-locale export): the month is named.
        year = _year(named.group(3))
        found = _make(year, _MONTHS[named.group(2).lower()[:3]], int(named.group(1)))
        return Parsed(found) if found else Parsed(error=f"ngày không hợp lệ: «{raw}»")
    head = _date_part(value)
    ymd = _DATE_YMD.fullmatch(head)
    if ymd:
        found = _make(int(ymd.group(1)), int(ymd.group(2)), int(ymd.group(3)))
        return Parsed(found) if found else Parsed(error=f"ngày không hợp lệ: «{raw}»")
    match = _DATE_DMY.fullmatch(head)
    if not match:
        if re.fullmatch(r"\d{1,2}\s*[/\-.]\s*\d{1,2}", head):
            return Parsed(error=f"ngày «{raw}» thiếu năm")
        return Parsed(error=f"không đọc được ngày: «{raw}»")
    a, b, y = int(match.group(1)), int(match.group(2)), _year(match.group(3))
    dmy, mdy = _make(y, b, a), _make(y, a, b)
    first, second = (dmy, mdy) if order == "dmy" else (mdy, dmy)
    if first:
        warning = None
        if order == "mdy" and second and second != first:
            warning = (
                f"«{raw}» có thể là {second:%d/%m/%Y} hoặc {first:%d/%m/%Y}; đã đọc là "
                f"{first:%d/%m/%Y} (tháng trước ngày) theo các ngày khác trong cột"
            )
        return Parsed(first, warning=warning)
    if second:
        return Parsed(
            second, warning=f"«{raw}» chỉ hợp lệ khi đọc tháng trước ngày; đã đọc là {second:%d/%m/%Y}"
        )
    return Parsed(error=f"ngày không hợp lệ: «{raw}»")


_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}
_DATE_MONTH_NAME = re.compile(
    r"(\d{1,2})[\s\-/.]+(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?[\s\-/.,]+(\d{4}|\d{2})"
    r"(?:[\sT]+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp][Mm])?)?",
    re.IGNORECASE,
)


def _dmy_parts(raw) -> tuple[int, int] | None:
    if not isinstance(raw, str):
        return None
    match = _DATE_DMY.fullmatch(_date_part(raw))
    return (int(match.group(1)), int(match.group(2))) if match else None


def date_order(values) -> str:
    """'mdy' when some text dates of a column are only valid month-first, else 'dmy'."""
    month_first = day_first = 0
    for raw in values:
        parts = _dmy_parts(raw)
        if parts:
            day_first += parts[0] > 12
            month_first += parts[1] > 12
    return "mdy" if month_first and not day_first else "dmy"


def date_order_warning(values) -> tuple[str, object] | None:
    """A warning for a date column whose text dates can be read two ways.

    Returns (message, the first such value) when every text date of the column has
    day and month ≤ 12 and at least one differs when swapped ("03/04/2021": 3 April or
    March 4) — read day first, as Vietnamese reports write them — or when the column
    mixes dates only valid day-first with dates only valid month-first.
    """
    month_first = day_first = 0
    first_ambiguous = None
    for raw in values:
        parts = _dmy_parts(raw)
        if not parts:
            continue
        a, b = parts
        day_first += a > 12
        month_first += b > 12
        if a <= 12 and b <= 12 and a != b and first_ambiguous is None:
            first_ambiguous = raw
    if month_first and day_first:
        return (
            "cột ngày có cả ngày viết kiểu ngày/tháng và kiểu tháng/ngày; mỗi ngày được đọc "
            "theo kiểu hợp lệ của nó, hãy kiểm tra lại",
            first_ambiguous,
        )
    if first_ambiguous is not None and not month_first and not day_first:
        parsed = parse_date(first_ambiguous).value
        swapped = parse_date(first_ambiguous, order="mdy").value
        return (
            f"ngày như «{first_ambiguous}» có thể là {parsed:%d/%m/%Y} hoặc {swapped:%d/%m/%Y}; "
            "không ngày nào trong cột cho biết cách viết, đã đọc ngày trước tháng "
            f"({parsed.day} tháng {parsed.month})",
            first_ambiguous,
        )
    return None


#: How far outside the days a column's sure dates span a day may lie, and its reading with
#: day and month swapped still fall, for that reading to be taken (`swapped_days`): days 1-12
#: of a month are never sure, so a span read from the sure days may start on the 13th and a
#: day typed day first lies at most 12 days before it.
_SWAP_REACH_DAYS = 12


def _excel_us_days(values) -> dict:
    """Days typed day first into a spreadsheet set to month first: Excel made a date of each
    day up to the 12th, month and day swapped ("05/04/2023" → 4 May), and left the others as
    text ("20/04/2023").  Its mark: dates (ISO, as a date cell is read) whose day is never over
    12 beside texts written day first whose day always is, two or more of each.  {text: the
    date with its day and month swapped back}; {} without that mark."""
    iso: dict = {}
    texts: list[date] = []
    for raw in values:
        if not isinstance(raw, str):
            continue
        head = _date_part(raw)
        if _DATE_YMD.fullmatch(head):
            value = parse_date(raw).value
            if not isinstance(value, date) or value.day > 12:
                return {}
            iso[raw] = value
            continue
        parts = _dmy_parts(raw)
        if parts:
            value = parse_date(raw).value
            if parts[0] <= 12 or not isinstance(value, date):
                return {}
            texts.append(value)
    if len(iso) < 2 or len(texts) < 2:
        return {}
    # And the dates, swapped back, all fall among the texts' days, some of them having been
    # far from them: a system's ISO days of 1-12 May beside two rows typed "13/05/2023" are
    # as they stand.
    low, high = min(texts), max(texts)

    def outside(day: date) -> int:
        return max((low - day).days, (day - high).days, 0)

    back = {raw: date(d.year, d.day, d.month) for raw, d in iso.items() if d.day != d.month}
    if not any(outside(iso[raw]) > _SWAP_REACH_DAYS for raw in back) or any(
        outside(d) > _SWAP_REACH_DAYS for d in back.values()
    ):
        return {}
    return back


def swapped_days(values, order: str = "dmy") -> dict:
    """Day texts of one column typed with day and month the other way round from the rest:
    {text: the date read swapped}.

    A text such as "05/03/2023" reads either way.  When the column's sure days (a day over
    12, day and month equal, an ISO date) span 13-20 May 2023 and "05/03/2023" read `order`'s
    way (5 March) lies more than 12 days outside that span while read the other way (3 May)
    it lies within 12 days of it, the text was typed month first, as a hand-typed sheet or a tool set
    to English does now and then; read as it stands it put records months away (and an
    export's last day, its report date, in December).  A text far out either way is left as
    it is."""
    values = list(values)
    excel = _excel_us_days(values)
    if excel:
        return excel
    sure: list[date] = []
    doubtful: dict = {}
    for raw in values:
        parts = _dmy_parts(raw)
        value = parse_date(raw, order=order).value
        if not isinstance(value, date):
            continue
        if parts and parts[0] <= 12 and parts[1] <= 12 and parts[0] != parts[1]:
            other = parse_date(raw, order="mdy" if order == "dmy" else "dmy").value
            if isinstance(other, date) and other != value:
                doubtful[raw] = (value, other)
                continue
        sure.append(value)
    if not sure or not doubtful:
        return {}
    low, high = min(sure), max(sure)

    def outside(day: date) -> int:
        return max((low - day).days, (day - high).days, 0)

    return {
        raw: other
        for raw, (value, other) in doubtful.items()
        if outside(value) > _SWAP_REACH_DAYS and outside(other) <= _SWAP_REACH_DAYS
    }


_END = re.compile(r"\b(?:tính đến|tinh den|đến|den|tới|toi)\b", re.IGNORECASE)
_SINCE = re.compile(r"\b(?:từ|tu)\b", re.IGNORECASE)
_UNTIL_NOW = re.compile(
    r"\s*(?:hết\s+|het\s+)?(?:nay|hiện nay|hien nay|hiện tại|hien tai|bây giờ)\b", re.IGNORECASE
)
# A date is never read out of a longer run of digits ("2023-05-15" is not 23/5/2015).
# A sentence's full stop may end it ("… ngày 22/5/2023."); a dot and a digit would be a longer run.
_ANY_DATE = re.compile(r"(?<![\d/.\-])(\d{1,2}\s*[/\-.]\s*\d{1,2}\s*[/\-.]\s*\d{2,4})(?![\d/\-]|\.\d)")
_ISO_DATE = re.compile(r"(?<![\d/.\-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\d/.\-])")
# "… ngày 15/3/2021", "tính đến 15/3/2021", and the stamps of sheets kept online ("Cập nhật:
# 16/05/2023", "Thời điểm: 16/05/2023").
_STAMP = re.compile(
    r"(?:đến|tính đến|den|tinh den|ngày|ngay|cập nhật|cap nhat|thời điểm|thoi diem)[^0-9]{0,40}?(?<![\d/.\-])"
    r"(\d{1,2}\s*[/\-.]\s*\d{1,2}\s*[/\-.]\s*\d{2,4})(?![\d/\-]|\.\d)",
    re.IGNORECASE,
)


def _line_date(text_: str) -> date | None:
    parsed = parse_date(re.sub(r"\s+", "", text_))
    return parsed.value if isinstance(parsed.value, date) else None


def find_report_date(line: str) -> date | None:
    """The date of a line such as "Số liệu tính đến 17 giờ 00 ngày 15/03/2021".

    In "từ ngày 17/02/2021 đến ngày 15/03/2021" the date after "đến" wins.
    """
    if not line:
        return None
    line = unicodedata.normalize("NFC", line)
    ends = list(_END.finditer(line))
    if ends:
        tail = line[ends[-1].end() :]
        words = _DATE_WORDS.search(tail)
        if words:
            return _make(int(words.group(3)), int(words.group(2)), int(words.group(1)))
        found = _ANY_DATE.search(tail)
        if found and _line_date(found.group(1)):
            return _line_date(found.group(1))
        if _SINCE.search(line[: ends[-1].start()]) and _UNTIL_NOW.match(tail):
            # "từ ngày 15/02/2021 đến nay": when the figures began, not their day; the day is
            # then said elsewhere (the title, the file name) or asked.
            return None
    words = _DATE_WORDS.search(line)
    if words:
        return _make(int(words.group(3)), int(words.group(2)), int(words.group(1)))
    stamp = _STAMP.search(line)
    if stamp:
        return _line_date(stamp.group(1))
    iso = _ISO_DATE.search(line)
    if iso and re.search(r"tính đến|tinh den|đến|den|ngày|ngay", line[: iso.start()], re.IGNORECASE):
        return _make(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
    return None


_DAY_MONTH = re.compile(
    r"(?:đến|den|tới|toi|ngày|ngay)[^0-9]{0,40}?(?<![\d/.\-])(\d{1,2})\s*[/.\-]\s*(\d{1,2})(?![\d/.\-]|\s*[/.\-]\s*\d)",
    re.IGNORECASE,
)
_PLACE_DATE = re.compile(
    # The document's number may stand before it on the same line ("Số: 123/BC-CAH   Kỳ
    # Anh, ngày …": the letterhead's two halves read as one line).
    r"^(?:s[ốo]\s*:?\s*\S+\s+)?[^,;:]{2,40},\s*ng[àa]y\s*\d{1,2}\s*th[áa]ng\s*\d{1,2}\s*n[ăa]m\s*\d{4}",
    re.IGNORECASE,
)


_DMY = re.compile(r"(?<![\d/.\-])(\d{1,2})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{4})(?![\d/.\-])")


def impossible_date(line: str) -> tuple[str, int | None] | None:
    """A day written in a date line that no calendar has ("ngày 31/4/2021", "30/02/2023"):
    the day as written (d/m/yyyy) and how many days its month has (None for a month past 12),
    or None.  What a refusal for want of a date points at: the date is there, only wrong."""
    if not line:
        return None
    line = unicodedata.normalize("NFC", line)
    for found in (*_DATE_WORDS.finditer(line), *_DMY.finditer(line)):
        day, month, year = (int(g) for g in found.groups())
        if 1 <= day <= 31 and _make(year, month, day) is None and 1900 < year < 2100:
            length = (
                (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day if month <= 12 else None
            )
            return f"{day}/{month}/{year}", length
    return None


def find_day_month(line: str) -> tuple[int, int] | None:
    """Day and month of a date line written without its year, as offices shorten it:
    "Số liệu tính đến 17h ngày 15/5" → (15, 5).  The year comes from elsewhere (the
    place-and-date line, the file name)."""
    if not line or not is_data_date_line(line):
        return None
    line = unicodedata.normalize("NFC", line)
    ends = list(_END.finditer(line))
    for found in ([_DAY_MONTH.search(line[ends[-1].start() :])] if ends else []) + [_DAY_MONTH.search(line)]:
        if found and 1 <= int(found.group(2)) <= 12 and 1 <= int(found.group(1)) <= 31:
            return int(found.group(1)), int(found.group(2))
    return None


def mentions_day_month(line: str) -> bool:
    """A line that gives a day and month without a year anywhere ("BÁO CÁO … NGÀY 16/3"):
    not a date, but what a message asking for the year can point at."""
    return day_month_mentioned(line) is not None


def day_month_mentioned(line: str) -> tuple[int, int] | None:
    """Day and month of such a line: "BÁO CÁO … NGÀY 16/3" → (16, 3)."""
    found = _DAY_MONTH.search(unicodedata.normalize("NFC", line or ""))
    if found and 1 <= int(found.group(2)) <= 12 and 1 <= int(found.group(1)) <= 31:
        return int(found.group(1)), int(found.group(2))
    return None


def with_year(day_month: tuple[int, int], near: date) -> date | None:
    """The date of `day_month` in the year that puts it closest before (or on) `near`: a
    report signed on 2/1/2024 "tính đến 31/12" speaks of 31/12/2023."""
    day, month = day_month
    for year in (near.year, near.year - 1):
        found = _make(year, month, day)
        if found and found <= near + timedelta(days=7):
            return found
    return None


def is_place_date_line(line: str) -> bool:
    """ "Nghệ An, ngày 16 tháng 5 năm 2023": the day the report was signed, often the day
    after its figures; any other date above the table says more about the data."""
    return bool(_PLACE_DATE.match(unicodedata.normalize("NFC", (line or "").strip())))


def is_data_date_line(line: str) -> bool:
    """True for a "Số liệu tính đến …" line (the data's date) rather than a place-and-date
    line ("Kỳ Anh, ngày 16 tháng 3 năm 2021", the day it was signed)."""
    from cccd_analytics.text import fold

    folded = fold(line)
    return any(
        w in folded
        for w in ("tinh den", "so lieu", "den ngay", "den hoi", "den luc", "tinh tu", "cap nhat", "thoi diem")
    )


_NAME_DATE = re.compile(
    r"(?<!\d)(\d{1,2})[._\-](\d{1,2})[._\-](\d{4}|\d{2})(?!\d)"
    r"|(?<!\d)(\d{4})[._\-]?(\d{2})[._\-]?(\d{2})(?!\d)"
)


def date_from_file_name(name: str) -> date | None:
    """A date in a file name: bao_cao_15_03_2021.xlsx, 2021-03-15.csv, BC_20210315.xls."""
    for match in _NAME_DATE.finditer(name or ""):
        if match.group(4):
            found = _make(int(match.group(4)), int(match.group(5)), int(match.group(6)))
        else:
            found = _make(_year(match.group(3)), int(match.group(2)), int(match.group(1)))
        if found and 1990 <= found.year <= 2100:
            return found
    return None


_NAME_DAY_MONTH = re.compile(r"(?<![A-Za-z\d.\-])(?<!\d_)(\d{1,2})[._\-](\d{1,2})(?![\d]|[._\-]\d)")


def day_month_from_file_name(name: str) -> tuple[int, int] | None:
    """The day and month of a file name that leaves out the year ("BC ngay 15-5.xlsx",
    "bao_cao_15.5.xls"); None when it names none or several."""
    stem = re.sub(r"\.[A-Za-z0-9]{2,5}$", "", name or "")
    found = {
        (int(m.group(1)), int(m.group(2)))
        for m in _NAME_DAY_MONTH.finditer(stem)
        if _make(2024, int(m.group(2)), int(m.group(1)))
    }
    return found.pop() if len(found) == 1 else None


_NAME_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


def year_from_file_name(name: str) -> int | None:
    """The one year a file name gives without a whole date ("BC_thang5_2023.xlsx",
    "tien_do_T5-2023.xls"): the year of days written without theirs.  None when it names
    none or several."""
    years = {int(y) for y in _NAME_YEAR.findall(name or "")}
    return years.pop() if len(years) == 1 else None


# -- days written in headers and sheet names -------------------------------------------------
#
# A wide sheet (one column per day) and a workbook with one sheet per day carry the day in
# a header cell or the sheet name, in the forms offices write it: "15/5", "16/5/2023",
# "Ngày 17/5", "17.5", "16-05-2023", "Ngày 16 tháng 5", "Ngày 16 tháng 5 năm 2023",
# "T2 (15/5)", a date cell, or an Excel serial.  The year is often left out: `with_years`
# gives it from the report's date or a campaign.


@dataclass(frozen=True)
class DayLabel:
    day: int
    month: int
    year: int | None  # None when the label leaves it out
    rest: str  # the label's other words, folded ("luy ke den", "trong ngay")


_DAY_WORDS = re.compile(r"ng[àa]y\s*(\d{1,2})\s*th[áa]ng\s*(\d{1,2})(?:\s*n[ăa]m\s*(\d{4}))?", re.IGNORECASE)
# "_" too: Excel forbids "/" in a sheet's name, so a sheet per day is often "15_05_2023".
_DAY_NUMBERS = re.compile(
    r"(?<![\d/.\-])(\d{1,2})\s*([/.\-_])\s*(\d{1,2})(?:\s*\2\s*(\d{4}|\d{2}))?(?![\d/.\-])"
)
_COMPACT = re.compile(r"(?<!\d)(\d{2})(\d{2})(\d{4})(?!\d)")
# Words a day label may carry besides the day ("Ngày", "Thứ 2", "Lũy kế đến") — more, and
# the text is a sentence that mentions a date, not a label.
_LABEL_MAX_WORDS = 5


def day_label(raw) -> DayLabel | None:
    """The day a header cell or a sheet name names, or None.

    A date cell or an Excel serial (20000–80000) is a full date; text must hold one day
    and month (and maybe a year) and few other words."""
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, datetime):
        raw = raw.date()
    if isinstance(raw, date):
        return DayLabel(raw.day, raw.month, raw.year, "")
    if isinstance(raw, (int, float)):
        if _SERIAL_RANGE[0] <= raw <= _SERIAL_RANGE[1] and float(raw).is_integer():
            found = _EXCEL_EPOCH + timedelta(days=int(raw))
            return DayLabel(found.day, found.month, found.year, "")
        return None
    value = text(raw)
    if not value or len(value) > 60:
        return None
    if _SERIAL.fullmatch(value) and _SERIAL_RANGE[0] <= float(value) <= _SERIAL_RANGE[1]:
        found = _EXCEL_EPOCH + timedelta(days=int(float(value)))
        return DayLabel(found.day, found.month, found.year, "")
    iso = re.search(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00)?)?(?!\d)", value)
    if iso:
        found = _make(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        if found:
            return _label(found.day, found.month, found.year, value, iso)
    words = _DAY_WORDS.search(value)
    if words:
        year = int(words.group(3)) if words.group(3) else None
        return _label(int(words.group(1)), int(words.group(2)), year, value, words)
    hits = list(_DAY_NUMBERS.finditer(value))
    if len(hits) == 1:
        match = hits[0]
        year = _year(match.group(4)) if match.group(4) else None
        return _label(int(match.group(1)), int(match.group(3)), year, value, match)
    compact = _COMPACT.search(value)
    if compact and not hits:
        return _label(int(compact.group(1)), int(compact.group(2)), int(compact.group(3)), value, compact)
    return None


def impossible_day_label(raw) -> tuple[str, int | None] | None:
    """A header cell written as a day that no calendar has ("32/4", "31/4", "30/2/2023",
    "Ngày 31/6"): the day as written (d/m) and how many days its month has, or None.  Among
    a row of days it is a day typed wrong, not a column of something else."""
    if raw is None or isinstance(raw, (bool, int, float, date)):
        return None
    value = text(raw)
    if not value or len(value) > 60:
        return None
    hits = list(_DAY_NUMBERS.finditer(value))
    if len(hits) != 1:
        return None
    match = hits[0]
    day, month = int(match.group(1)), int(match.group(3))
    year = _year(match.group(4)) if match.group(4) else None
    if not (1 <= month <= 12 and 1 <= day <= 39) or _make(year or 2024, month, day) is not None:
        return None
    from cccd_analytics.text import fold

    rest = " ".join(
        re.sub(r"[^a-z0-9]+", " ", fold(value[: match.start()] + " " + value[match.end() :])).split()
    )
    if len(rest.split()) > _LABEL_MAX_WORDS or re.search(r"\d{3,}", rest):
        return None
    import calendar

    # (A year Python's dates cannot hold, "32/12/9999", measured on a leap year's months.)
    length = calendar.monthrange(year if year and 1 <= year <= 9998 else 2024, month)[1]
    return f"{day}/{month}", length


def sheet_day_label(name) -> DayLabel | None:
    """The day a sheet's name names (`day_label`), or one named by its month first: "T5-17",
    "T5.17", "17-T5" (tháng 5, ngày 17), whose `rest` is MONTH_FIRST.  Only a sheet's name: in
    a header, "T2 15" is a weekday and its day."""
    found = day_label(name)
    if not isinstance(name, str):
        return found
    from cccd_analytics.text import fold

    # "19 thang 3" as typed without its marks is "19 tháng 3": left unread, that day's sheet
    # was left out as named after no day, its figures lost with a warning only.
    folded = " ".join(fold(name).replace("thang", " t ").split())
    comma = _COMMA_DAY.fullmatch(folded)
    if found is None and comma:
        # "15,3": a day typed with the keypad's comma.  Only a sheet's name: in a header
        # "95,3" is a share.
        year = _year(comma.group(3)) if comma.group(3) else None
        found = _label(int(comma.group(1)), int(comma.group(2)), year, folded, comma)
    # "T5-1" is tháng 5, ngày 1 (or a weekday and its day), never 5 January: read as a day
    # first, the "T" was dropped as a stray word, and the sheets of 1/5 and 2/5 among
    # "T4-29", "T4-30" were dated in January (refused as running totals falling, or stored
    # there in a workbook of such sheets alone).
    if found is not None and not _MONTH_FIRST.fullmatch(folded):
        return found
    month_first = _MONTH_FIRST.fullmatch(folded) or _MONTH_AFTER.fullmatch(folded)
    if month_first:
        month, day = int(month_first.group("m")), int(month_first.group("d"))
        if 1 <= month <= 12 and 1 <= day <= 31 and _make(2024, month, day) is not None:
            return DayLabel(day, month, None, MONTH_FIRST)
    return found


#: The `rest` of a day read month first ("T5-17"): `sheet_per_day` tells such names from
#: weekdays ("T2-15", "T3-16": Thứ Hai 15, Thứ Ba 16).
MONTH_FIRST = "thang"
_MONTH_FIRST = re.compile(r"\s*t\s*(?P<m>\d{1,2})\s*[-._ ]\s*(?P<d>\d{1,2})\s*")
_COMMA_DAY = re.compile(r"(?:ngay\s*)?(\d{1,2})\s*,\s*(\d{1,2})(?:\s*,\s*(\d{4}|\d{2}))?")
_MONTH_AFTER = re.compile(r"\s*(?P<d>\d{1,2})\s*[-._ ]\s*t\s*(?P<m>\d{1,2})\s*")


def _label(day: int, month: int, year: int | None, value: str, match: re.Match) -> DayLabel | None:
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    if _make(year or 2024, month, day) is None:  # 29/2 is a day in a leap year
        return None
    from cccd_analytics.text import fold

    rest = fold(value[: match.start()] + " " + value[match.end() :])
    rest = " ".join(re.sub(r"[^a-z0-9]+", " ", rest).split())
    if len(rest.split()) > _LABEL_MAX_WORDS or re.search(r"\d{3,}", rest):
        return None
    if _PERIOD_BOUND.search(f" {rest} "):
        return None  # "Trước 20/4/2023", "Từ 20/4/2023 đến nay": a period's bound, no day of its own
    if "tuan" in fold(value[: match.start()]).split() and not _RANGE_START.search(value[: match.start()]):
        # "Tuần 1 (17/4)" may name the week by its first day: no day of its figures.  "Tuần 1
        # (17–23/4)" ends on the day written, and is that day with "tuan" in its words.
        return None
    return DayLabel(day, month, year, rest)


# The first day of a range just before the day a label names ("17–23/4"): the day is its end.
_RANGE_START = re.compile(r"\d{1,2}\s*[-–—]\s*$")


# Words that make a date the bound of a period ("trước", "sau", "từ … đến nay"); "tư" of
# "thứ tư" (a Wednesday's header) folds like "từ" and is a day.
_PERIOD_BOUND = re.compile(r" (?:truoc|sau|den nay) |(?<! thu) tu ")


_DAY_ALONE = re.compile(r"^(?:ngay|n)?\s*(\d{1,2})$")
_MONTH_IN_LINE = re.compile(r"\bthang\s*(\d{1,2})(?:\s*(?:/|-|\.|nam)\s*((?:19|20)\d{2}))?(?!\d)")
_MONTH_IN_NAME = re.compile(r"\b(?:thang|t)\s*(\d{1,2})(?:\s+((?:19|20)\d{2}))?(?!\d)")


def day_alone(raw) -> int | None:
    """A day of the month written alone, as a header cell or a sheet name: 15, "15",
    "Ngày 15", "N15".  The month is then said elsewhere (a merged cell above, the title,
    the file name)."""
    from cccd_analytics.text import fold

    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, (int, float)):
        value = int(raw) if float(raw).is_integer() else 0
    else:
        found = _DAY_ALONE.match(fold(text(raw)))
        value = int(found.group(1)) if found else 0
    return value if 1 <= value <= 31 else None


def month_in_lines(lines, file_name: bool = False) -> tuple[int, int | None] | None:
    """The one month (and its year, when written) that title lines name ("BÁO CÁO THÁNG 5
    NĂM 2023", "Tháng 5/2023"), or a file name ("BC_thang5_2023.xlsx", "KyAnh_T5.xlsx",
    with `file_name`).  None when they name none, or several months."""
    from cccd_analytics.text import fold

    pattern = _MONTH_IN_NAME if file_name else _MONTH_IN_LINE
    found = set()
    for line in lines:
        folded = fold(line or "")
        if file_name:
            folded = " ".join(re.sub(r"[^a-z0-9]+", " ", folded).split())
        found |= {
            (int(m.group(1)), int(m.group(2)) if m.group(2) else None)
            for m in pattern.finditer(folded)
            if 1 <= int(m.group(1)) <= 12
        }
    if len({month for month, _ in found}) != 1:
        return None
    return max(found, key=lambda m: m[1] or 0)


#: The longest run of days a workbook's sheets or columns are taken to span whatever their
#: order (`_wraps_in_a_short_run`): a quarter, as a stale date line.  Shuffled (neither
#: oldest nor newest first), up to half a year: their order then says nothing.
SHORT_RUN_DAYS = 92


def _steps(labels: list[DayLabel]) -> list[bool]:
    """For each label after the first, whether its (month, day) is later than the one before."""
    return [(b.month, b.day) > (a.month, a.day) for a, b in zip(labels, labels[1:])]


def _in_order(labels: list[DayLabel]) -> bool:
    """Whether the labels go one way, oldest or newest first, New Year crossed once at most."""
    steps = _steps(labels)
    return steps.count(False) <= 1 or steps.count(True) <= 1


def _in_a_window(out: list[date], windows) -> bool:
    """Whether a campaign's window (start, deadline), a month more either side, holds the run."""
    return any(
        w[0] - timedelta(days=31) <= min(out) and max(out) <= w[1] + timedelta(days=31) for w in windows
    )


def _wraps_in_a_short_run(labels: list[DayLabel], longest: int) -> frozenset[tuple[int, int]] | None:
    """The (month, day) of the labels that fall in the year after the run's first day, when
    the labels are a run of `longest` days at most (then in one reading only); an empty set
    when that run is within one year.  None when they span more (the labels' order then
    says which comes first, as it did before).

    A workbook's days are days or weeks, kept newest sheet first, or a sheet copied and
    renamed and left out of order ("17.12 | 15.12 | 16.12", "2.1 | 1.1 | 31.12 | 30.12").
    Read in their order, any fall after November moved on a year: such a workbook was
    refused, or its day columns stored across three years without a word."""
    days = sorted({(lab.month, lab.day) for lab in labels})
    if len(days) < 2 or any(_make(2000, m, d) is None for m, d in days):
        # "31/6" is no day of any year: no reading, refused by the caller naming the sheet.
        return None
    where = [date(2000, m, d).toordinal() - date(2000, 1, 1).toordinal() for m, d in days]
    # The largest gap between calendar neighbours, the one across New Year counted too,
    # is where the run starts; it must leave the rest a short run.
    gaps = [(b - a, i + 1) for i, (a, b) in enumerate(zip(where, where[1:]))]
    gaps.append((where[0] + 366 - where[-1], 0))
    widest, start = max(gaps)
    if 366 - widest > longest:
        return None
    return frozenset(days[:start]) if start else frozenset()


#: How far a run of days may go past a real date that anchors it (`with_years`): a date
#: line typed once in a workbook kept for a whole campaign, a quarter at most.
STALE_DATE_LINE_DAYS = 92

#: How long before a real date a run may end (`with_years`): a report is sent within days
#: of its figures.
DAYS_BEFORE_THE_DATE = 31


def with_years(
    labels: list[DayLabel],
    anchor: date | None = None,
    windows: list[tuple[date, date]] = (),
    late: int = 1,
    year_only: bool = False,
) -> list[date] | None:
    """The dates of a run of day labels, in order, the year filled in where left out.

    Labels that give their year keep it; the others take the year that makes the run
    go forward (a run crossing New Year moves on a year), placed so that its last day is
    as close as can be to `anchor` (the report's date), at most `late` days after it
    (`STALE_DATE_LINE_DAYS` for a date line that may be stale, 1 for a year alone); without an
    anchor, a year in which a campaign (`windows`: start, deadline) covers the days, when
    exactly one does.  None when no year can be told.

    `year_only`: the anchor is a year written alone (31/12 of it: "NĂM 2021", a file name's
    year).  A run crossing New Year ("30/12 … 2/1") has a day in that year whichever side
    it starts: the year may be the run's first or its last, and nothing says which.  A
    campaign covering one of the two decides; else None (the file is asked for its year) —
    taking the run that ends in it stored a workbook of 30/12/2021 … 2/1/2022 a year early,
    without a word."""
    if not labels:
        return []
    known = [lab.year for lab in labels if lab.year]
    if len(known) == len(labels):
        out = [_make(lab.year, lab.month, lab.day) for lab in labels]
        return out if all(out) else None

    wraps = _wraps_in_a_short_run(labels, SHORT_RUN_DAYS)
    if wraps is None and not _in_order(labels):
        # Shuffled, the order says nothing: the shorter reading, up to half a year.
        wraps = _wraps_in_a_short_run(labels, 183)
    steps = set(_steps(labels))
    readings = [wraps]
    if len(labels) > 2 and len(steps) == 1 and len(set(known)) <= 1:
        # Oldest or newest first, never turning: one calendar year, as written, comes first.
        # "4/1 5/1 6/1 27/12 28/12 29/12" read only as the shortest run put January in the
        # next year, after the file's own date line and outside the year its title wrote.
        # The short run stays a reading ("8/1 | 10/10 | 9/11 | 9/12": the newest sheet first).
        readings = [frozenset()] + ([wraps] if wraps else [])

    def run(first_year: int, wraps: frozenset | None, check: bool = False) -> list[date] | None:
        if wraps is not None:
            if check and any(
                first_year + ((lab.month, lab.day) in wraps) != lab.year for lab in labels if lab.year
            ):
                return None  # a label's own year is not where this reading puts it
            # A short run, whatever the order of its labels: the days before the run's
            # start in the calendar are in the next year.
            out = [
                _make(lab.year or first_year + ((lab.month, lab.day) in wraps), lab.month, lab.day)
                for lab in labels
            ]
            return out if all(out) else None
        year, out, previous = first_year, [], None
        for lab in labels:
            if lab.year:
                year = lab.year
            elif previous and (lab.month, lab.day) < (previous.month, previous.day) and previous.month >= 11:
                year += 1  # "30/12, 31/12, 1/1"
            found = _make(year, lab.month, lab.day)
            if found is None:
                return None
            out.append(found)
            previous = found
        # A fall after November read as New Year in a run not in date order put its days
        # years apart ("17/12 | 15/12" as 2021, 2022): no workbook's days are.
        return out if (max(out) - min(out)).days <= 366 else None

    if len(readings) == 2:
        # Both readings hold: the year is known only where one of them alone fits what the
        # file says (a date line on its last day, a year given, a campaign).
        found = [_dated(labels, anchor, windows, late, year_only, partial(run, wraps=w)) for w in readings]
        if year_only and anchor is not None:
            # A year written alone fits both: the days inside it as written, and a run
            # across New Year with a day in it either side ("31/12 | 30/12 | 2/1 | 1/1"
            # under "NĂM 2022" is 30/12/2021 … 2/1/2022 as much as 1/1 … 31/12/2022, which
            # the year alone stored).  Only a campaign covering one of them decides.
            fits = [out for out in found if out and _in_a_window(out, windows)]
            return fits[0] if len(fits) == 1 else None
        found = [out for out in found if out]
        if len(found) == 2 and windows:
            # A campaign covering one reading alone.
            fits = [out for out in found if _in_a_window(out, windows)]
            found = fits if len(fits) == 1 else found
        if len(found) == 2 and anchor is not None and not year_only:
            # One ending on the date line settles it, unless the other starts on it (a line
            # typed on the first day and left).
            ends = [out for out in found if max(out) == anchor]
            found = ends if not any(min(out) == anchor for out in found if out not in ends) else []
        return found[0] if len(found) == 1 else None
    return _dated(labels, anchor, windows, late, year_only, partial(run, wraps=readings[0]))


def _dated(labels, anchor, windows, late, year_only, run) -> list[date] | None:
    """`with_years` for one way of reading the labels: `run(first_year)`, None from
    `run(first_year, check=True)` where a label's own year disagrees."""
    if any(lab.year for lab in labels):
        # The labels that give a year anchor the others: the first such label's year,
        # walked back to the start of the run.
        first_known = next(i for i, lab in enumerate(labels) if lab.year)
        for start in (labels[first_known].year, labels[first_known].year - 1):
            out = run(start, check=True)
            if out:
                return out
        return None
    if anchor is not None and year_only:
        ends_in, starts_in = run(anchor.year - 1), run(anchor.year)
        if ends_in and starts_in and max(ends_in).year != min(ends_in).year:
            fits = [out for out in (ends_in, starts_in) if _in_a_window(out, windows)]
            return fits[0] if len(fits) == 1 else None
    if anchor is not None:
        # The year that puts the run's last day nearest the anchor, up to `late` days after
        # it.  A real date may be a date line copied from an earlier day (a running workbook
        # whose "Số liệu tính đến 15/3" nobody changed as days were added): a run of 15/3 …
        # 18/3 had to end on or before it and went back a whole year, stored in 2020 without
        # a word.  A year alone (31/12 of it) lets no day after it.
        limit = anchor + timedelta(days=late)
        every = [out for start in (anchor.year, anchor.year - 1, anchor.year + 1) if (out := run(start))]
        runs = [
            out
            for out in every
            if max(out) <= limit
            and (max(out) <= anchor + timedelta(days=1) or min(out) <= anchor + timedelta(days=1))
        ]
        if late > 1:
            # A real date inside a run going more than a quarter past it (a date line typed
            # on the first of 100 days): that run, not one a year earlier ending months
            # before the date, stored in 2020 without a word.  A reading ending some days
            # before the date as well leaves the year unknown.
            spanning = [out for out in every if min(out) <= anchor + timedelta(days=1) and max(out) > limit]
            if spanning:
                close = [out for out in runs if (anchor - max(out)).days <= DAYS_BEFORE_THE_DATE]
                if not any(abs((max(out) - anchor).days) <= 1 for out in close):
                    return None if close or len(spanning) > 1 else spanning[0]
        if runs:
            return min(runs, key=lambda out: (abs((max(out) - anchor).days), max(out) > anchor))
        return run(anchor.year)
    fits = []
    for start in sorted({w[0].year for w in windows} | {w[1].year for w in windows}):
        out = run(start)
        if out and _in_a_window(out, windows):
            fits.append(out)
    return fits[0] if len(fits) == 1 else None


_YEAR_IN_TEXT = re.compile(r"(?:n[ăa]m\s*|/|\.|-)((?:19|20)\d{2})(?!\d)", re.IGNORECASE)


def years_in(lines) -> set[int]:
    """The years written in some lines of text ("THÁNG 5 NĂM 2023", "…/2023")."""
    found: set[int] = set()
    for line in lines:
        for match in _YEAR_IN_TEXT.finditer(text(line)):
            found.add(int(match.group(1)))
    return found
