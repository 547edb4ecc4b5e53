"""Vietnamese number and date formats: 87.000 · 95,3% · 30/6/2023 (babel, locale vi)."""

from __future__ import annotations

import math
from datetime import date, datetime

from babel.numbers import format_decimal, format_percent

from cccd_analytics.text import VN_OFFSET

LOCALE = "vi_VN"
BLANK = "—"


def _missing(value) -> bool:
    """None, NaN, NaT, pd.NA or ±inf: nothing to show.  Without pandas (its isna): NaN and
    NaT are the values not equal to themselves, and pd.NA has no truth value."""
    if value is None:
        return True
    try:
        if value != value:
            return True
    except TypeError:  # pd.NA
        return True
    except ValueError:  # an array: not one missing value
        return False
    return isinstance(value, float) and math.isinf(value)


def number(value, digits: int = 0) -> str:
    """87000 → "87.000"; 1234.5 with digits=1 → "1.234,5"."""
    if _missing(value):
        return BLANK
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(round(float(value), digits), format=pattern, locale=LOCALE)


def percent(share, digits: int = 1) -> str:
    """0.953 → "95,3%"."""
    if _missing(share):
        return BLANK
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    return format_percent(float(share), format=pattern, locale=LOCALE)


def date_vn(value, year: bool = True) -> str:
    """2023-06-30 → "30/6/2023" (or "30/6")."""
    if _missing(value) or value == "":
        return BLANK
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):  # pandas' Timestamp too
        value = value.date()
    text = f"{value.day}/{value.month}"
    return f"{text}/{value.year}" if year else text


def moment_vn(utc) -> str:
    """A moment stored in UTC (as the store keeps them) in Vietnam time: "23/11/2026 03:17"."""
    if _missing(utc):
        return BLANK
    if not isinstance(utc, datetime):  # text, numpy datetime64
        import pandas as pd

        utc = pd.Timestamp(utc).to_pydatetime()
    local = utc.replace(tzinfo=None) + VN_OFFSET
    return f"{date_vn(local)} {local:%H:%M}"


def per_day(value) -> str:
    return BLANK if _missing(value) else f"{number(value)}/ngày"


def days(value) -> str:
    if _missing(value):
        return BLANK
    return f"{number(value)} ngày"
