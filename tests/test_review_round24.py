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


# --- A district's initials after a name, in a list without a district column (ingest/names) -----


def _communes(district: str, but: str | None = None, typed: dict[str, str] | None = None) -> list[str]:
    """A district's communes in the registry's order (the order of a province's list going
    district by district), `but` left out, some written as `typed` says."""
    reg = registry.load_registry()
    key = reg[(reg.level == "district") & (reg.name == district)].index[0]
    names = reg[(reg.level == "commune") & (reg.parent_key == key)].name
    return [(typed or {}).get(n, n) for n in names if n != but]


def _key_of(district: str, commune: str) -> str:
    reg = registry.load_registry()
    key = reg[(reg.level == "district") & (reg.name == district)].index[0]
    return reg[(reg.level == "commune") & (reg.parent_key == key) & (reg.name == commune)].index[0]


def _province_list(names: list[str]):
    """A province's list with no district column, one row per name, collected 100, 101, …:
    (report, the key each name's figure was stored under, None when kept apart)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["BÁO CÁO TIẾN ĐỘ THU NHẬN HỒ SƠ CCCD"])
    sheet.append(["Ngày 15/5/2023"])
    sheet.append(["STT", "Tỉnh", "Xã", "Số CD đủ ĐK", "Lũy kế thu nhận"])
    for i, name in enumerate(names):
        sheet.append([i + 1, NA, name, 5000 + i, 100 + i])
    out = io.BytesIO()
    book.save(out)
    report, obs = ingest.read_observations(out.getvalue(), "bao_cao.xlsx")
    assert obs is not None, report.message
    collected = obs[obs.metric == "collected"]
    stored = dict(zip(collected.value.astype(int), collected.unit_key))
    held = registry.load_registry().index
    return report, [stored.get(100 + i) if stored.get(100 + i) in held else None for i in range(len(names))]


def test_initials_at_the_seam_of_two_districts_do_not_move_a_commune_to_the_other():
    # Tương Dương's communes, its Tam Hợp last and written "Xã Tam Hợp (QH)", then Quỳ Hợp's
    # without their own Tam Hợp: the figures went onto Quỳ Hợp's Xã Tam Hợp in silence.  Tương
    # Dương's above, Quỳ Hợp's below: the capitals cannot be told from a note, kept apart.
    names = _communes("Huyện Tương Dương", typed={"Xã Tam Hợp": "Xã Tam Hợp (QH)"})
    names += _communes("Huyện Quỳ Hợp", but="Xã Tam Hợp")
    report, keys = _province_list(names)
    at = names.index("Xã Tam Hợp (QH)")
    assert keys[at] is None
    (warning,) = [p for p in report.problems if p.code == "unknown_unit" and "Tam Hợp" in p.message]
    assert "«QH»" in warning.message and "Huyện Tương Dương" in warning.message
    assert warning.row == at + 4 and warning.column


def test_initials_of_another_district_inside_a_districts_rows_do_not_move_the_commune():
    # "Long Sơn (TH)" among Anh Sơn's communes (Xã Long Sơn), Thái Hoà's after them: "TH" is
    # Thị xã Thái Hoà, which has a Phường Long Sơn; the figures went there.
    names = _communes("Huyện Anh Sơn", typed={"Xã Long Sơn": "Long Sơn (TH)"})
    names += _communes("Thị xã Thái Hoà", but="Phường Long Sơn")
    _, keys = _province_list(names)
    assert keys[names.index("Long Sơn (TH)")] is None
    # A district's own list: its other communes say the district, the initials another.
    names = _communes("Huyện Anh Sơn", typed={"Xã Long Sơn": "Long Sơn (TH)"})
    _, keys = _province_list(names)
    assert keys[names.index("Long Sơn (TH)")] is None


def test_initials_the_rows_around_agree_with_still_place_the_commune():
    names = _communes("Huyện Anh Sơn", but="Xã Long Sơn")
    names += _communes("Thị xã Thái Hoà", typed={"Phường Long Sơn": "Long Sơn (TH)"})
    _, keys = _province_list(names)
    assert keys[names.index("Long Sơn (TH)")] == _key_of("Thị xã Thái Hoà", "Phường Long Sơn")
    # No other row to say a district: the initials place it.
    _, keys = _province_list(["Long Sơn, AS"])
    assert keys[0] == _key_of("Huyện Anh Sơn", "Xã Long Sơn")
