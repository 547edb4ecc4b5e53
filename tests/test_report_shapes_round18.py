"""Report shapes found by the eighteenth probe: each commune on two rows under a "Nội dung"
column, "Số lượng" (its counts) over "Tỷ lệ %" (its shares, derived, never stored)."""

from __future__ import annotations

import io

import openpyxl
import pytest

from cccd_analytics import ingest, registry
from tests.test_report_shapes_round7 import values, workbook_bytes

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
    assert values(report, metric="collected") == {
        (_key("Xã Kỳ Tân"), "collected"): 4765,
        (_key("Xã Kỳ Thọ"), "collected"): 3000,
    }
    said = [p for p in report.problems if p.code == "share_mismatch"]
    assert len(said) == 1 and said[0].severity == "warning"
    assert (said[0].row, said[0].column) == (6, "E")
    assert "59,3%" in said[0].message and "95,3%" in said[0].message and "4.765" in said[0].message


# -- communes grouped in clusters ("Cụm 1") under the district -------------------------------

DIEN_CHAU = [
    ("Thị trấn Diễn Châu", 7400, 5100),
    ("Xã Diễn Lâm", 6800, 4020),
    ("Xã Diễn Đoài", 5200, 3333),
    ("Xã Diễn Trường", 4100, 2870),
    ("Xã Diễn Yên", 3900, 2950),
]


def _dien_chau(commune: str) -> str:
    return registry.resolve("Tỉnh Nghệ An", "Huyện Diễn Châu", commune).key


@pytest.mark.parametrize("label", ["Cụm 1", "CỤM SỐ 1", "Cụm I", "Khu vực 1"])
def test_a_cluster_heading_with_its_sums_is_no_unit(label):
    # "Cụm 1" over its communes, with their sums, was stored as a unit «Cụm 1» outside the
    # registry (a warning among others), and the district's total said not to add up.
    first, second = DIEN_CHAU[:3], DIEN_CHAU[3:]
    second_label = label.replace("1", "2").replace(" I", " II")

    def sums(group):
        return [sum(c[1] for c in group), sum(c[2] for c in group)]

    rows = [
        ["CÔNG AN HUYỆN DIỄN CHÂU"],
        ["Số liệu tính đến 17h00 ngày 15/3/2023"],
        ["STT", "Đơn vị", "Số CD đủ ĐK", "Lũy kế thu nhận"],
        [None, label, *sums(first)],
        *[[i, *c] for i, c in enumerate(first, 1)],
        [None, second_label, *sums(second)],
        *[[i, *c] for i, c in enumerate(second, 4)],
        [None, "Tổng cộng", *sums(DIEN_CHAU)],
    ]
    report = ingest.import_bytes(None, workbook_bytes({"BC": rows}), "bc.xlsx")
    assert report.status == "checked", report.message
    assert values(report, metric="collected") == {
        (_dien_chau(name), "collected"): collected for name, _e, collected in DIEN_CHAU
    }
    assert not [p for p in report.problems if p.code in ("unknown_unit", "subtotal_mismatch")]
    checked = {t["label"]: (t["communes"], t["matches"]) for t in report.totals}
    assert checked == {label: (3, True), second_label: (2, True), "Tổng cộng": (5, True)}


def test_a_commune_named_like_a_cluster_word_stays_a_commune():
    # Only a numbered group is a cluster: "Xã Nghi Văn" or a bare name is not.
    rows = [
        ["CÔNG AN HUYỆN NGHI LỘC"],
        ["Số liệu tính đến 17h00 ngày 15/3/2023"],
        ["STT", "Đơn vị", "Lũy kế thu nhận"],
        [1, "Xã Nghi Văn", 5234],
        [2, "Xã Nghi Yên", 3300],
    ]
    report = ingest.import_bytes(None, workbook_bytes({"BC": rows}), "bc.xlsx")
    assert report.status == "checked", report.message
    assert len(values(report, metric="collected")) == 2


# -- a sheet named by its day alone among sheets named by day and month ----------------------


def test_a_sheet_named_by_its_day_alone_among_day_and_month_sheets_is_that_month():
    # "15.3 | 16-3 | Ngay 17": the last was left out as undated (sheet_skipped), its day lost.
    sheets = {}
    for name, gain in (("15.3", 0), ("16-3", 50), ("Ngay 17", 90)):
        sheets[name] = [
            ["CÔNG AN HUYỆN DIỄN CHÂU"],
            ["BÁO CÁO TIẾN ĐỘ THU NHẬN CCCD NĂM 2023"],
            ["STT", "Xã", "Lũy kế thu nhận"],
            *[[i, name_, collected + gain] for i, (name_, _e, collected) in enumerate(DIEN_CHAU, 1)],
        ]
    report = ingest.import_bytes(None, workbook_bytes(sheets), "bc.xlsx")
    assert report.status == "checked", report.message
    got = values(report, by="date")
    for day, gain in (("2023-03-15", 0), ("2023-03-16", 50), ("2023-03-17", 90)):
        for name, _e, collected in DIEN_CHAU:
            assert got[(_dien_chau(name), day)] == collected + gain
    assert not [p for p in report.problems if p.code == "sheet_skipped"]


def test_a_numbered_sheet_far_from_the_days_is_not_made_a_day():
    # "1" after "15.3", "16.3" may number a summary; it is not 1 April.
    day = lambda gain: [  # noqa: E731
        ["CÔNG AN HUYỆN DIỄN CHÂU"],
        ["STT", "Xã", "Lũy kế thu nhận"],
        *[[i, name, collected + gain] for i, (name, _e, collected) in enumerate(DIEN_CHAU, 1)],
    ]
    report = ingest.import_bytes(
        None, workbook_bytes({"15.3.2023": day(0), "16.3.2023": day(10), "1": day(20)}), "bc.xlsx"
    )
    dates = {str(d)[:10] for d in report.observations["date"]} if report.observations is not None else set()
    assert "2023-04-01" not in dates and "2023-03-01" not in dates


# -- long prose between the letterhead and a document's table --------------------------------


def test_the_date_line_above_long_prose_dates_a_word_table_not_the_plan_it_cites():
    # Text above a table was cut to its last 24 lines: the letterhead and "Số liệu tính đến
    # … 15/3/2023" were lost, and the plan cited in the prose ("ngày 01/3/2023") dated every
    # figure two weeks early, without a word.
    import docx

    document = docx.Document()
    for line in ("CÔNG AN HUYỆN DIỄN CHÂU", "BÁO CÁO", "Số liệu tính đến 17h00 ngày 15/3/2023"):
        document.add_paragraph(line)
    for _ in range(30):
        document.add_paragraph(
            "Thực hiện Kế hoạch số 12/KH-CAH ngày 01/3/2023 của Công an huyện về thu nhận hồ sơ."
        )
    table = document.add_table(rows=1 + len(DIEN_CHAU), cols=4)
    for c, text in enumerate(["STT", "Tên xã, thị trấn", "Số CD đủ ĐK", "Lũy kế thu nhận"]):
        table.cell(0, c).text = text
    for r, (name, eligible, collected) in enumerate(DIEN_CHAU, 1):
        for c, text in enumerate(
            [str(r), name, f"{eligible:,}".replace(",", "."), f"{collected:,}".replace(",", ".")]
        ):
            table.cell(r, c).text = text
    out = io.BytesIO()
    document.save(out)
    report = ingest.import_bytes(None, out.getvalue(), "bao_cao.docx")
    assert report.status == "checked", report.message
    assert {str(d)[:10] for d in report.observations["date"]} == {"2023-03-15"}
    assert values(report, metric="collected") == {
        (_dien_chau(name), "collected"): collected for name, _e, collected in DIEN_CHAU
    }


# -- "Lũy kế kỳ trước | Lũy kế kỳ này" --------------------------------------------------------


@pytest.mark.parametrize(
    "this", ["Lũy kế kỳ này", "LŨY KẾ KỲ NÀY", "Lũy kế thu nhận (kỳ này)", "Cộng dồn tuần này"]
)
def test_this_periods_running_total_beside_the_last_ones_is_the_collected(this):
    # Refused as no collected column: "kỳ này" alone says a period's count, so the running
    # total it qualifies was left unread too.
    rows = [
        ["CÔNG AN HUYỆN DIỄN CHÂU"],
        ["Số liệu tính đến 17h00 ngày 15/3/2023"],
        ["STT", "Xã", "Số CD đủ ĐK", "Lũy kế kỳ trước", this, "Tăng so với kỳ trước"],
        *[
            [i, name, eligible, collected - 300, collected, 300]
            for i, (name, eligible, collected) in enumerate(DIEN_CHAU, 1)
        ],
    ]
    report = ingest.import_bytes(None, workbook_bytes({"BC": rows}), "bc.xlsx")
    assert report.status == "checked", report.message
    assert values(report, metric="collected") == {
        (_dien_chau(name), "collected"): collected for name, _e, collected in DIEN_CHAU
    }


def test_this_periods_count_alone_is_still_no_running_total():
    from cccd_analytics.ingest import headers

    assert headers.match("Thu nhận kỳ này") is None
    assert headers.match("Lũy kế kỳ trước") is None


# -- a ward's residential blocks ("Khối 3") -------------------------------------------------------

HUNG_BINH = registry.resolve("Tỉnh Nghệ An", "Thành phố Vinh", "Phường Hưng Bình").key
HUNG_DUNG = registry.resolve("Tỉnh Nghệ An", "Thành phố Vinh", "Phường Hưng Dũng").key
VINH_TOP = [["CÔNG AN THÀNH PHỐ VINH"], ["BÁO CÁO THU NHẬN HỒ SƠ CCCD NGÀY 16/5/2023"], []]


def _checked(rows: list[list]):
    report = ingest.import_bytes(None, workbook_bytes({"BC": [*VINH_TOP, *rows]}), "bc.xlsx")
    assert report.status == "checked", report.message
    parts = report.parts
    stored = [] if parts is None or parts.empty else sorted(set(zip(parts.unit_key, parts.value)))
    return report, stored


@pytest.mark.parametrize("mark", ["", "- "])
def test_a_wards_blocks_are_its_detail_not_pupils_of_a_grade(mark):
    report, parts = _checked(
        [
            ["STT", "Đơn vị", "Tổng số công dân", "Lũy kế thu nhận"],
            [1, "Phường Hưng Bình", 12000, 9000],
            [None, f"{mark}Khối 1", 4000, 3000],
            [None, f"{mark}Khối 2", 8000, 6000],
            [2, "Phường Hưng Dũng", 15000, 10000],
            [None, "Cộng", 27000, 19000],
        ]
    )
    assert parts == []  # were "Học sinh lớp 1" and "lớp 2" of Hưng Bình
    assert len(report.hamlet_rows) == 2
    got = values(report, metric="collected")
    assert got == {(HUNG_BINH, "collected"): 9000, (HUNG_DUNG, "collected"): 10000}


def test_pupils_of_a_grade_stay_a_grade_under_a_rural_commune_or_said_so_under_a_ward():
    _, parts = _checked(
        [
            ["STT", "Đơn vị", "Tổng số công dân", "Lũy kế thu nhận"],
            [1, "Phường Hưng Bình", 12000, 9000],
            [None, "- Học sinh khối 12", 400, 300],
            [2, "Xã Nghi Phú", 15000, 10000],
            [None, "- Khối 12", 500, 450],
        ]
    )
    nghi_phu = registry.resolve("Tỉnh Nghệ An", "Thành phố Vinh", "Xã Nghi Phú").key
    assert parts == [(HUNG_BINH, "Học sinh lớp 12"), (nghi_phu, "Học sinh lớp 12")]


def test_a_numbered_cluster_of_wards_is_no_block_of_the_ward_above_it():
    report, parts = _checked(
        [
            ["STT", "Đơn vị", "Tổng số công dân", "Lũy kế thu nhận"],
            [None, "Khối 1", 27000, 19000],
            [1, "Phường Hưng Bình", 12000, 9000],
            [2, "Phường Hưng Dũng", 15000, 10000],
            [None, "Khối 2", 30000, 21000],
            [3, "Phường Hưng Phúc", 14000, 10000],
            [4, "Phường Quang Trung", 16000, 11000],
        ]
    )
    assert parts == [] and not report.hamlet_rows
    assert len(values(report, metric="collected")) == 4
    assert not [p for p in report.problems if p.code == "subtotal_mismatch"]


# -- a date that is another document's ---------------------------------------------------------

DIEN_CHAU_TOP = [["CÔNG AN HUYỆN DIỄN CHÂU"], ["BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD"]]
DIEN_CHAU_TABLE = [
    [],
    ["STT", "Đơn vị", "Tổng số công dân", "Lũy kế thu nhận"],
    [1, "Xã Diễn Hoàng", 5200, 4100],
    [2, "Xã Diễn Kim", 6100, 5000],
]
PLAN = "Thực hiện Kế hoạch số 12/KH-CAH ngày 01/3/2023 của Công an huyện về cao điểm cấp CCCD"


def _dated(lines: list[str], name: str = "bao_cao.xlsx"):
    rows = [*DIEN_CHAU_TOP, *([line] for line in lines), *DIEN_CHAU_TABLE]
    return ingest.import_bytes(None, workbook_bytes({"BC": rows}), name)


def test_a_plans_date_cited_above_the_table_does_not_date_its_figures():
    report = _dated([PLAN])
    assert report.status == "refused"  # was checked, every figure dated 1/3/2023
    first = report.errors[0]
    assert (first.row, "Kế hoạch số 12/KH-CAH" in first.message) == (3, True)
    assert "không phải ngày của số liệu" in first.message
    # With the day in the file name, the file name dates it.
    named = _dated([PLAN], "bao_cao_15_3_2023.xlsx")
    assert named.status == "checked", named.message
    assert set(named.observations["date"].astype(str).str[:10]) == {"2023-03-15"}


@pytest.mark.parametrize(
    "line",
    [
        "Báo cáo số 45/BC-CAH ngày 15/3/2023",  # the report's own number
        "Số: 45/CAH-QLHC ngày 15/3/2023",  # its number by the office that sends it
        "(Kèm theo Công văn số 45/CV-CAH ngày 15/3/2023)",  # the letter it is sent with
        "KẾT QUẢ ĐẾN NGÀY 15/3/2023 THEO KẾ HOẠCH SỐ 12/KH-CAH NGÀY 01/3/2023",
    ],
)
def test_the_reports_own_dated_line_still_dates_it(line):
    report = _dated([line])
    assert report.status == "checked", report.message
    assert set(report.observations["date"].astype(str).str[:10]) == {"2023-03-15"}
