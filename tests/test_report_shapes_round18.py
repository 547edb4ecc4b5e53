"""Report shapes found by the eighteenth probe: each commune on two rows under a "Nội dung"
column, "Số lượng" (its counts) over "Tỷ lệ %" (its shares, derived, never stored)."""

from __future__ import annotations

import io

import openpyxl
import pytest

from cccd_analytics import ingest, registry
from tests.test_report_shapes_round7 import values

# -- a commune's counts over its shares ------------------------------------------------------

TOP = [
    ["CÔNG AN HUYỆN KỲ ANH"],
    ["BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD"],
    ["Số liệu tính đến 17h00 ngày 15/3/2021"],
]
# name, eligible, collected, returned
KY_ANH = [("Xã Kỳ Tân", 5000, 4765, 3120), ("Xã Kỳ Thọ", 6000, 3000, 1500), ("Xã Kỳ Đồng", 4200, 3654, 2900)]


def _key(commune: str) -> str:
    return registry.resolve("Tỉnh Hà Tĩnh", "Huyện Kỳ Anh", commune).key


def _shares(eligible: int, collected: int, returned: int, style: str) -> list:
    """The share row's cells as offices write them: Excel percentages (0,953), numbers
    (95,3) or text ("95,3%")."""
    shares = [1.0, collected / eligible, returned / eligible]
    if style == "excel":
        return [round(s, 4) for s in shares]
    if style == "number":
        return [round(100 * s, 1) for s in shares]
    return [f"{100 * s:.1f}%".replace(".", ",") for s in shares]


def _two_rows(style: str, *, merged: bool, label_column: bool = True) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "BC"
    for row in TOP:
        sheet.append(row)
    what = ["Nội dung"] if label_column else []
    sheet.append(["STT", "Đơn vị", *what, "Tổng số công dân đủ điều kiện", "Đã thu nhận", "Đã trả thẻ"])
    every = [0, 0, 0]
    for i, (name, *figures) in enumerate(KY_ANH, 1):
        at = sheet.max_row + 1
        sheet.append([i, name, *(["Số lượng"] if label_column else []), *figures])
        if label_column:
            sheet.append([None, None, "Tỷ lệ %", *_shares(*figures, style)])
        else:
            sheet.append([None, "Tỷ lệ %", *_shares(*figures, style)])
        if merged:
            sheet.merge_cells(f"A{at}:A{at + 1}")
            if label_column:
                sheet.merge_cells(f"B{at}:B{at + 1}")
        every = [a + b for a, b in zip(every, figures)]
    sheet.append([None, "Tổng cộng", *(["Số lượng"] if label_column else []), *every])
    sheet.append([None, *([None, "Tỷ lệ %"] if label_column else ["Tỷ lệ %"]), *_shares(*every, style)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("style", ["excel", "number", "text"])
@pytest.mark.parametrize("merged", [True, False])
def test_a_share_row_under_each_communes_counts_is_checked_not_stored(style, merged):
    # The share row was refused as no whole number ("0,953", "95,3%"), or, written as whole
    # percents, as a commune with no name.
    report = ingest.import_bytes(None, _two_rows(style, merged=merged), "bc.xlsx")
    assert report.status == "checked", report.message
    got = values(report)
    for name, eligible, collected, returned in KY_ANH:
        assert got[(_key(name), "eligible")] == eligible
        assert got[(_key(name), "collected")] == collected
        assert got[(_key(name), "returned")] == returned
    assert len(got) == 3 * len(KY_ANH)
    assert not [p for p in report.problems if p.code == "share_mismatch"]
    assert [t["matches"] for t in report.totals] == [True]


def test_a_share_row_named_in_the_unit_column_is_no_unit():
    # "Tỷ lệ %" typed in the "Đơn vị" column under each commune (no "Nội dung" column).
    report = ingest.import_bytes(None, _two_rows("number", merged=False, label_column=False), "bc.xlsx")
    assert report.status == "checked", report.message
    got = values(report, metric="collected")
    assert got == {(_key(name), "collected"): collected for name, _e, collected, _r in KY_ANH}
    assert not [p for p in report.problems if p.code in ("unknown_unit", "share_mismatch")]


def test_a_share_that_disagrees_with_its_counts_is_said():
    rows = [
        *TOP,
        ["STT", "Đơn vị", "Nội dung", "Số CD đủ ĐK", "Lũy kế thu nhận"],
        [1, "Xã Kỳ Tân", "SL", 5000, 4765],
        [None, None, "TL (%)", 100, 59.3],  # 4.765 of 5.000 is 95,3%: a digit slipped
        [2, "Xã Kỳ Thọ", "SL", 6000, 3000],
        [None, None, "TL (%)", 100, 50],
    ]
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    report = ingest.import_bytes(None, out.getvalue(), "bc.xlsx")
    assert report.status == "checked", report.message
    assert values(report, metric="collected") == {(_key("Xã Kỳ Tân"), "collected"): 4765, (_key("Xã Kỳ Thọ"), "collected"): 3000}
    said = [p for p in report.problems if p.code == "share_mismatch"]
    assert len(said) == 1 and said[0].severity == "warning"
    assert (said[0].row, said[0].column) == (6, "E")
    assert "59,3%" in said[0].message and "95,3%" in said[0].message and "4.765" in said[0].message
