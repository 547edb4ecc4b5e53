"""Numbers and dates as people type them in Vietnamese reports.

Counts: "5.432", "5,432", "5 432", "1.234.567", 5432.0, "5432" → 5432.  Decimals:
"95,3" → 95.3.  Dates: Excel serials, date cells, "15/3/2021", "15-03-21", ISO; day
before month.  Each parser returns `Parsed(value, warning, error)`; a value that can
be read two ways carries a warning, never a silent guess.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
_INT = re.compile(r"-?\d+")
_DOT_GROUPS = re.compile(r"-?\d{1,3}(\.\d{3})+")
_COMMA_GROUPS = re.compile(r"-?\d{1,3}(,\d{3})+")
_VN_DECIMAL = re.compile(r"-?\d{1,3}(\.\d{3})*,\d+|-?\d+,\d+")
_EN_DECIMAL = re.compile(r"-?\d{1,3}(,\d{3})*\.\d+|-?\d+\.\d+")
_EXCEL_EPOCH = date(1899, 12, 30)
MISSING = ("", "-", "--", "—", "x", "n/a", "na", "null", "none", "nan")


@dataclass(frozen=True)
class Parsed:
    value: object = None
    warning: str | None = None
    error: str | None = None


def is_blank(raw) -> bool:
    if raw is None:
        return True
    if isinstance(raw, float) and math.isnan(raw):
        return True
    return isinstance(raw, str) and raw.strip().lower() in MISSING


def text(raw) -> str:
    """A cell as clean NFC text ("" for blanks); 12.0 → "12"."""
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return " ".join(unicodedata.normalize("NFC", str(raw)).split())


def parse_count(raw) -> Parsed:
    """A whole number such as a count of applications."""
    if is_blank(raw):
        return Parsed(None)
    if isinstance(raw, bool):
        return Parsed(error=f"không phải số: {raw!r}")
    if isinstance(raw, int):
        return Parsed(raw)
    if isinstance(raw, float):
        if raw.is_integer():
            return Parsed(int(raw))
        return Parsed(error=f"không phải số nguyên: {raw:g}")
    value = _SPACES.sub("", str(raw).strip())
    if _INT.fullmatch(value):
        return Parsed(int(value))
    if _DOT_GROUPS.fullmatch(value):
        return Parsed(int(value.replace(".", "")))
    if _COMMA_GROUPS.fullmatch(value):
        return Parsed(int(value.replace(",", "")))
    decimal = parse_decimal(value)
    if decimal.value is not None and float(decimal.value).is_integer():
        return Parsed(int(decimal.value), warning=decimal.warning)
    if decimal.value is not None:
        return Parsed(error=f"không phải số nguyên: «{raw}»")
    return Parsed(error=f"không đọc được số: «{raw}»")


def parse_decimal(raw) -> Parsed:
    """A number that may have a fractional part ("95,3" → 95.3)."""
    if is_blank(raw):
        return Parsed(None)
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return Parsed(float(raw))
    value = _SPACES.sub("", str(raw).strip()).rstrip("%")
    if _INT.fullmatch(value):
        return Parsed(float(value))
    if _DOT_GROUPS.fullmatch(value):
        # "1.234": thousands in Vietnamese, 1.234 in English.
        both = f"«{raw}» có thể là {value.replace('.', '')} hoặc {value}; đã đọc là {value.replace('.', '')}"
        return Parsed(float(value.replace(".", "")), warning=both)
    if _COMMA_GROUPS.fullmatch(value):
        both = f"«{raw}» có thể là {value.replace(',', '')} hoặc {value.replace(',', '.')}; đã đọc là {value.replace(',', '')}"
        return Parsed(float(value.replace(",", "")), warning=both)
    if _VN_DECIMAL.fullmatch(value):
        return Parsed(float(value.replace(".", "").replace(",", ".")))
    if _EN_DECIMAL.fullmatch(value):
        return Parsed(float(value.replace(",", "")))
    return Parsed(error=f"không đọc được số: «{raw}»")


_DATE_DMY = re.compile(r"(\d{1,2})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{2,4})")
_DATE_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DATE_WORDS = re.compile(r"ngày\s*(\d{1,2})\s*tháng\s*(\d{1,2})\s*năm\s*(\d{4})", re.IGNORECASE)


def _year(text: str) -> int:
    year = int(text)
    return 2000 + year if year < 100 else year


def _make(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def parse_date(raw, order: str = "dmy") -> Parsed:
    """A date cell: a date object, an Excel serial, or text (day before month)."""
    if is_blank(raw):
        return Parsed(None)
    if isinstance(raw, datetime):
        return Parsed(raw.date())
    if isinstance(raw, date):
        return Parsed(raw)
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if 20000 <= raw <= 80000:
            return Parsed(_EXCEL_EPOCH + timedelta(days=int(raw)))
        return Parsed(error=f"không phải ngày: {raw!r}")
    value = str(raw).strip()
    iso = _DATE_ISO.fullmatch(value[:10]) if len(value) >= 8 else None
    if iso and (len(value) == len(iso.group(0)) or value[len(iso.group(0))] in " T"):
        found = _make(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        return Parsed(found) if found else Parsed(error=f"ngày không hợp lệ: «{raw}»")
    match = _DATE_DMY.fullmatch(value.split(" ")[0]) or _DATE_WORDS.search(value)
    if not match:
        return Parsed(error=f"không đọc được ngày: «{raw}»")
    a, b, y = int(match.group(1)), int(match.group(2)), _year(match.group(3))
    dmy, mdy = _make(y, b, a), _make(y, a, b)
    first, second = (dmy, mdy) if order == "dmy" else (mdy, dmy)
    if first:
        warning = None
        if order == "mdy" and second and second != first:
            warning = f"«{raw}» có thể là {second:%d/%m/%Y} hoặc {first:%d/%m/%Y}; đã đọc là {first:%d/%m/%Y} theo các ngày khác trong cột"
        return Parsed(first, warning=warning)
    if second:
        return Parsed(second, warning=f"«{raw}» chỉ hợp lệ theo kiểu tháng/ngày; đã đọc là {second:%d/%m/%Y}")
    return Parsed(error=f"ngày không hợp lệ: «{raw}»")


def date_order(values) -> str:
    """'mdy' when some text dates of a column are only valid month-first, else 'dmy'."""
    month_first = day_first = 0
    for raw in values:
        if not isinstance(raw, str):
            continue
        match = _DATE_DMY.fullmatch(raw.strip().split(" ")[0])
        if match:
            a, b = int(match.group(1)), int(match.group(2))
            day_first += a > 12
            month_first += b > 12
    return "mdy" if month_first and not day_first else "dmy"


_STAMP = re.compile(
    r"(?:đến|tính đến|den|tinh den|ngày|ngay)[^0-9]{0,40}?(\d{1,2}\s*[/\-.]\s*\d{1,2}\s*[/\-.]\s*\d{2,4})",
    re.IGNORECASE)


def find_report_date(line: str) -> date | None:
    """The date of a line such as "Số liệu tính đến 17 giờ 00 ngày 15/03/2021"."""
    if not line:
        return None
    words = _DATE_WORDS.search(line)
    if words:
        return _make(int(words.group(3)), int(words.group(2)), int(words.group(1)))
    stamp = _STAMP.search(line)
    if stamp:
        parsed = parse_date(re.sub(r"\s+", "", stamp.group(1)))
        return parsed.value if isinstance(parsed.value, date) else None
    return None


_NAME_DATE = re.compile(r"(?<!\d)(\d{1,2})[._\-](\d{1,2})[._\-](\d{4}|\d{2})(?!\d)|(?<!\d)(\d{4})[._\-](\d{2})[._\-](\d{2})(?!\d)")


def date_from_file_name(name: str) -> date | None:
    """A date in a file name: bao_cao_15_03_2021.xlsx, 2021-03-15.csv."""
    match = _NAME_DATE.search(name or "")
    if not match:
        return None
    if match.group(4):
        return _make(int(match.group(4)), int(match.group(5)), int(match.group(6)))
    return _make(_year(match.group(3)), int(match.group(2)), int(match.group(1)))
