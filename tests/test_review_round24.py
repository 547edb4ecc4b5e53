"""Round 24, review: two readings this round added, mended.  A district's initials after a
commune's name ("Xã Tam Hợp (QH)") moved a row of a province's list without a district
column onto another district's commune of that name, against the district of the rows
around it; and a web page's note marks in superscript were looked for along the whole
document (minutes for a page of 2.000 rows), while an Excel Single File Web Page whose
sheet's location has letters outside ASCII was refused as "cấu trúc bất thường"."""

from __future__ import annotations

import io
from datetime import date

import lxml.html
import openpyxl
import pytest

from cccd_analytics import ingest, registry
from cccd_analytics.ingest.readers import html
from tests.test_documents_round24 import _excel_single_file_web_page, _page, _read_right

MAY_2023 = date(2023, 5, 15)
NA = "Tỉnh Nghệ An"


# --- Web pages (readers/html) -------------------------------------------------------------------


def test_an_excel_web_page_whose_sheet_is_named_in_vietnamese_is_read_from_its_sheet():
    # The workbook "Báo cáo.xlsx" saved as one web page: its sheets lie in "Báo cáo_files",
    # written in UTF-8 in each part's Content-Location.  The header came back as a `Header`
    # object and the file was refused as "cấu trúc bất thường: TypeError".
    data = _excel_single_file_web_page(1).replace(
        b"file:///C:/bc_files/sheet001.htm", "file:///C:/Báo cáo_files/sheet001.htm".encode()
    )
    _read_right(ingest.import_bytes(None, data, "bao_cao.mht"))


def _sup(page: str):
    root = lxml.html.fromstring(page)
    return root, root.xpath("//sup")


def test_a_note_mark_is_judged_by_the_text_of_its_own_cell_only():
    # "12" in the cell before, and the title above the table, are not this cell's text: a
    # mark standing alone in its cell is what the cell holds.
    _, (alone,) = _sup(
        "<html><body><p>Báo cáo</p><table><tr><td>12</td><td><p><sup>1</sup></p></td></tr></table></body></html>"
    )
    assert not html._text_before(alone)
    _, marks = _sup(
        "<html><body><table><tr><td><p>10<sup>1</sup></p></td><td><b>1</b>0<sup>2</sup></td>"
        "<td><span>7</span> <sup>3</sup></td></tr></table></body></html>"
    )
    assert all(html._text_before(mark) for mark in marks)


def test_the_look_back_for_a_note_mark_does_not_walk_the_whole_document(monkeypatch):
    # Each mark's look-back went along every text before it in the document ("preceding::"),
    # quadratic in the page: 2.000 rows with a mark each took minutes.  It stays in the cell.
    asked: list[str] = []
    original = lxml.html.HtmlElement.xpath

    def spy(self, path, *args, **kwargs):
        asked.append(str(path))
        return original(self, path, *args, **kwargs)

    monkeypatch.setattr(lxml.html.HtmlElement, "xpath", spy)

    def cell(r, c, text):
        return f"{text}<sup>1</sup>" if (r, c) == (2, 2) else None

    _read_right(ingest.import_bytes(None, _page(cell), "ky_anh.htm"))
    assert not [path for path in asked if "preceding" in path]
