"""Spreadsheet and CSV exports that a spreadsheet program cannot execute.

Unit names, file names and notes come from uploaded files, so an export may carry
text such as ``=HYPERLINK("http://x")`` or ``@SUM(A1)``.  Following the OWASP
CSV-injection guidance, every text cell whose first non-blank character is one of
``= + - @``, a tab, CR or LF, or their full-width forms ``＝ ＋ － ＠``, is written with
a leading single quote, so Excel and LibreOffice show it as text and never evaluate it.
Numbers stay numbers, negative ones included, and so does text that is only a
plain number ("-12", "-1.234,5").

CSV is UTF-8 with a byte-order mark (Excel then reads Vietnamese correctly), comma
separated, dates ISO (YYYY-MM-DD: every Excel locale reads them as dates and shows
them in its own format, d/m/yyyy in Vietnamese).  XLSX gets real dates (shown
d/m/yyyy), thousands separators and a frozen, bold header row.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Mapping
from datetime import date, datetime

import numpy as np
import pandas as pd

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
_PLAIN_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)*%?")
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
DATE_FORMAT = "d/m/yyyy"
INT_FORMAT = "#,##0"
FLOAT_FORMAT = "#,##0.0"
PERCENT_FORMAT = "0.0%"


def is_dangerous(text: str) -> bool:
    """True when a spreadsheet could read this text as a formula (or a DDE command)."""
    if not text.lstrip(" \u00a0\u3000").startswith(TRIGGERS):
        return False
    return not _PLAIN_NUMBER.fullmatch(text.strip())


class Share(float):
    """A share (0,937) in a column of mixed values (a summary's "Giá trị"): written as a number
    shown as a percentage (93,7%), as the share columns of the other sheets are."""


def safe_cell(value):
    """The value as it may go into a spreadsheet cell: dangerous text gets a leading quote.

    Numbers, dates, booleans and None pass through; NaN and ±inf become None (an empty
    cell); other objects become text (tuples joined with ", ").
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, Share):
        return value if math.isfinite(value) else None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, (datetime, date)):
        return value
    if isinstance(value, (tuple, list, set, frozenset)):
        value = ", ".join(str(v) for v in value)
    text = str(value)
    return "'" + text if is_dangerous(text) else text


def _csv_cell(value):
    value = safe_cell(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def to_csv_bytes(frame: pd.DataFrame, sep: str = ",") -> bytes:
    """The frame as UTF-8 (with BOM) CSV, formulas neutralised, no index."""
    out = pd.DataFrame(
        {safe_cell(str(c)): frame[c].map(_csv_cell).astype(object) for c in frame.columns},
        columns=[safe_cell(str(c)) for c in frame.columns],
    )
    # Integer-valued floats (counts read back from SQL) are written without ".0".
    for column in out.columns:
        values = out[column]
        numbers = values.dropna()
        if len(numbers) and numbers.map(lambda v: isinstance(v, float) and v.is_integer()).all():
            out[column] = values.map(lambda v: int(v) if isinstance(v, float) else v).astype(object)
    text = out.to_csv(index=False, sep=sep, lineterminator="\r\n")
    return text.encode("utf-8-sig")


def sheet_title(name: str, taken: set[str]) -> str:
    """A valid, unique worksheet name (≤ 31 characters, none of []:*?/\\)."""
    base = re.sub(r"[\[\]:*?/\\]", " ", str(name)).strip().strip("'") or "Trang"
    title, n = base[:31], 2
    while title.lower() in taken:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title.lower())
    return title


def _column_format(series: pd.Series, header: str, formats: Mapping[str, str]) -> str | None:
    if header in formats:
        return formats[header]
    if pd.api.types.is_datetime64_any_dtype(series):
        return DATE_FORMAT
    if pd.api.types.is_integer_dtype(series) or pd.api.types.is_bool_dtype(series):
        return INT_FORMAT if not pd.api.types.is_bool_dtype(series) else None
    if pd.api.types.is_float_dtype(series):
        finite = series.replace([np.inf, -np.inf], np.nan).dropna()
        if len(finite) and np.allclose(finite, finite.round(), rtol=0, atol=1e-6):
            return INT_FORMAT
        return FLOAT_FORMAT
    return None


def _cell_format(value) -> str | None:
    """A cell of a column of mixed values (a summary's "Giá trị": texts, dates, counts):
    formatted by its own type, so that a day reads 15/5/2021 and not Excel's
    "2021-05-15 00:00:00"."""
    if isinstance(value, (date, datetime)):
        return DATE_FORMAT
    if isinstance(value, bool):
        return None
    if isinstance(value, Share):
        return PERCENT_FORMAT
    if isinstance(value, int):
        return INT_FORMAT
    if isinstance(value, float) and math.isfinite(value):
        return INT_FORMAT if value == round(value) else FLOAT_FORMAT
    return None


def write_sheet(ws, frame: pd.DataFrame, formats: Mapping[str, str] | None = None) -> None:
    """Write a frame (header + rows) into an openpyxl worksheet, neutralised and formatted."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    formats = dict(formats or {})
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDE7F3")
    columns = list(frame.columns)
    for j, name in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=j, value=_xlsx_value(str(name)))
        cell.font, cell.fill = header_font, header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    widths = [min(max(len(str(c)), 6), 40) for c in columns]
    for j, name in enumerate(columns, start=1):
        series = frame.iloc[:, j - 1]
        number_format = _column_format(series, str(name), formats)
        for i, raw in enumerate(series.tolist(), start=2):
            value = _xlsx_value(raw)
            cell = ws.cell(row=i, column=j, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
            elif value is not None:
                shown = number_format or _cell_format(value)
                if shown:
                    cell.number_format = shown
            if isinstance(value, str):
                widths[j - 1] = min(max(widths[j - 1], len(value)), 60)
            elif isinstance(value, (int, float)):
                widths[j - 1] = max(widths[j - 1], min(len(f"{value:,.1f}"), 20))
            elif isinstance(value, (date, datetime)):
                widths[j - 1] = max(widths[j - 1], 11)
    for j, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = width + 2
    ws.freeze_panes = "A2"
    if len(frame):
        ws.auto_filter.ref = f"A1:{get_column_letter(max(len(columns), 1))}{len(frame) + 1}"


def _xlsx_value(raw):
    value = safe_cell(raw)
    if isinstance(value, str):
        value = _ILLEGAL_XML.sub("", value)
    elif isinstance(value, datetime) and value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    return value


def to_xlsx_bytes(frames: Mapping[str, pd.DataFrame], formats: Mapping[str, str] | None = None) -> bytes:
    """One worksheet per frame (key = sheet name), formulas neutralised.

    `formats` maps a column header to an Excel number format (e.g. "0.0%" for a share);
    other columns get dates as d/m/yyyy and numbers with thousands separators.
    """
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    taken: set[str] = set()
    for name, frame in frames.items():
        ws = wb.create_sheet(sheet_title(name, taken))
        write_sheet(ws, frame, formats)
    if not wb.sheetnames:
        wb.create_sheet("Trang 1")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
