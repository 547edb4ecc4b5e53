"""Tables of a Word or PDF report that hold figures but were not read.

A report whose figures continue in a second table the readers cannot place (no header of
its own, no "(Tiếp theo)" mark they know) would otherwise be imported in part with nothing
said: the units of that table would simply be missing.  Each such table is named in a
warning, so the analyst sees it before accepting the file.
"""

from __future__ import annotations

import re

from cccd_analytics.ingest.readers import Workbook
from cccd_analytics.ingest.readers.workbook import DOCUMENT_FORMATS
from cccd_analytics.ingest.report import ImportReport, Problem

#: A table with fewer rows is a letterhead, a signature block or a small summary.
MIN_ROWS = 8
_FIGURE = re.compile(r"^\d{1,3}(?:[.\s]\d{3})+$|^\d+$")


def _rows_with_figures(rows: list[list]) -> int:
    """Rows with a name and at least one figure: the shape of a unit's row."""
    count = 0
    for row in rows:
        cells = [str(c).strip() for c in row if c is not None and str(c).strip()]
        figures = sum(1 for c in cells if _FIGURE.match(c))
        if figures and len(cells) > figures:
            count += 1
    return count


def warn_unread_tables(book: Workbook, report: ImportReport) -> None:
    """A warning for each table of a document that was not read although most of its rows
    look like units' rows, when another table of the document was read."""
    if book.format not in DOCUMENT_FORMATS or not report.sheets_read:
        return
    for sheet in book.sheets:
        if sheet.name in report.sheets_read or len(sheet.rows) < MIN_ROWS:
            continue
        filled = _rows_with_figures(sheet.rows)
        if filled < MIN_ROWS or filled < len(sheet.rows) / 2:
            continue
        pages = [int(p) for p in sheet.pages]
        on = f" (trang {', '.join(map(str, pages))})" if len(pages) > 1 else ""
        report.problems.append(
            Problem.of(
                "table_skipped",
                f"có {filled} dòng có tên và số liệu{on} nhưng không đọc được (không nhận ra dòng tiêu "
                "đề hay dấu «Tiếp theo» nối nó với bảng số liệu). Nếu đó là phần tiếp theo của báo cáo, số "
                "liệu của các đơn vị trong bảng chưa được nhập: hãy sửa văn bản (nối liền bảng hoặc lặp "
                "lại dòng tiêu đề) rồi tải lên lại.",
                sheet=sheet.name,
                table=True,
                page=pages[0] if len(pages) == 1 else None,
            )
        )
