"""Excel's "XML Spreadsheet 2003": what some web systems export as "Excel" (a text file of
<Workbook><Worksheet><Table><Row><Cell><Data>, named .xls, which Excel opens with a warning).

Written by hand: no maintained library reads this format (openpyxl, calamine and pandas do
not; it is not an Office Open XML package), and its grammar is small.  Each worksheet is a
sheet of raw rows as the spreadsheet reader gives them: numbers as numbers, dates as
datetimes, text as text; a cell's `ss:Index` (cells or rows skipped) leaves blanks, and a
merged cell (`ss:MergeAcross`, `ss:MergeDown`) keeps its text in its first cell, as Excel
shows it.  The XML is parsed without entities or network (an untrusted file).
"""

from __future__ import annotations

import re
from datetime import datetime

from cccd_analytics.ingest.readers.workbook import Limits, ReadError, Sheet, short_reason

_NS = "urn:schemas-microsoft-com:office:spreadsheet"
_SS = "{" + _NS + "}"
_X = "{urn:schemas-microsoft-com:office:excel}"
#: A file is one when its first bytes declare the spreadsheet namespace on a Workbook.
_MARK = re.compile(rb"<(?:\w+:)?Workbook\b[^>]*urn:schemas-microsoft-com:office:spreadsheet", re.S)


def is_xml_spreadsheet(data: bytes) -> bool:
    head = data[:8192].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<") and _MARK.search(head) is not None


def read_xml2003(data: bytes, file_name: str, limits: Limits) -> list[Sheet]:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ReadError(
            f"Tệp «{file_name}» là bảng tính XML của Excel 2003 nhưng bị hỏng ({short_reason(exc)}); hãy mở "
            "bằng Excel, lưu lại thành .xlsx rồi tải lên lại."
        ) from None
    sheets = []
    cells = 0
    for number, sheet in enumerate(root.iter(f"{_SS}Worksheet"), start=1):
        name = sheet.get(f"{_SS}Name") or f"Sheet{number}"
        rows: list[list] = []
        merged = []
        table = sheet.find(f"{_SS}Table")
        for row in table.iter(f"{_SS}Row") if table is not None else ():
            at = row.get(f"{_SS}Index")
            r = int(at) - 1 if at and at.isdigit() else len(rows)
            while len(rows) < r:
                rows.append([])
            values: list = rows[r] if r < len(rows) else []
            for cell in row.iter(f"{_SS}Cell"):
                at = cell.get(f"{_SS}Index")
                c = int(at) - 1 if at and at.isdigit() else len(values)
                values.extend([None] * (c - len(values)))
                values.append(_value(cell.find(f"{_SS}Data")))
                across = int(cell.get(f"{_SS}MergeAcross") or 0)
                down = int(cell.get(f"{_SS}MergeDown") or 0)
                if across or down:
                    merged.append(((r, c), (r + down, c + across)))
                    values.extend([None] * across)
                cells += 1
                if cells > limits.max_cells:
                    raise ReadError(f"Tệp «{file_name}» có quá nhiều ô (tối đa {limits.max_cells:,}).")
            if r < len(rows):
                rows[r] = values
            else:
                rows.append(values)
        options = sheet.find("{urn:schemas-microsoft-com:office:excel}WorksheetOptions")
        hidden = options is not None and any(
            (v.text or "").strip() in ("SheetHidden", "SheetVeryHidden") for v in options.iter(_X + "Visible")
        )
        sheets.append(Sheet(name, rows, hidden=hidden, merged=merged))
    if not sheets:
        raise ReadError(f"Tệp «{file_name}» là bảng tính XML của Excel 2003 nhưng không có trang nào.")
    return sheets


def _value(data):
    if data is None:
        return None
    text = "".join(data.itertext())
    kind = data.get(f"{_SS}Type", "String")
    if kind == "Number":
        try:
            number = float(text)
        except ValueError:
            return text
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if kind == "DateTime":
        try:
            return datetime.fromisoformat(text.strip()[:19])
        except ValueError:
            return text
    if kind == "Boolean":
        return text.strip() in ("1", "true")
    return text
