"""Office workbooks found by the twenty-third probe: a running total split into channels or
groups with no total column, legacy .xls files written by programs that compute nothing
(formulas without their values, errors), hidden rows holding yesterday's figures, "TC" as
a block's sum, and a province's summary by district beside each district's sheet."""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass

import openpyxl
import pytest

from cccd_analytics import ingest, registry
from tests.test_report_shapes_round7 import values

KY = ["Xã Kỳ Xuân", "Xã Kỳ Bắc", "Xã Kỳ Phú"]
TOP = [
    ["CÔNG AN HUYỆN KỲ ANH"],
    ["BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD"],
    ["Số liệu tính đến 17h00 ngày 15/3/2021"],
]


def _key(commune: str, district: str = "Huyện Kỳ Anh", province: str = "Tỉnh Hà Tĩnh") -> str:
    return registry.resolve(province, district, commune).key


def _xlsx(sheets: dict[str, list[list]], merges=(), hidden_rows=()) -> bytes:
    """An .xlsx of these sheets (name → rows); merges and hidden rows (from 1) on the first."""
    book = openpyxl.Workbook()
    for i, (title, rows) in enumerate(sheets.items()):
        sheet = book.active if i == 0 else book.create_sheet()
        sheet.title = title
        for row in rows:
            sheet.append(row)
        if i == 0:
            for cells in merges:
                sheet.merge_cells(cells)
            for r in hidden_rows:
                sheet.row_dimensions[r].hidden = True
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- a legacy .xls, written as a program writes one --------------------------------------------


@dataclass(frozen=True)
class Formula:
    """A formula cell and the result saved with it: None an empty text (what a writer that
    computes nothing saves, xlwt's way), a number, or an error's code (0x17: #REF!)."""

    saved: float | None = None
    error: int | None = None

    def result(self) -> bytes:
        if self.error is not None:
            return bytes([2, 0, self.error, 0, 0, 0, 0xFF, 0xFF])
        if self.saved is None:
            return bytes([3, 0, 0, 0, 0, 0, 0xFF, 0xFF])
        return struct.pack("<d", self.saved)


def _record(kind: int, body: bytes) -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def _text(value: str, length_bytes: int) -> bytes:
    return len(value).to_bytes(length_bytes, "little") + b"\x01" + value.encode("utf-16-le")


def _sheet_stream(rows: list[list], hidden: tuple[int, ...]) -> bytes:
    width = max((len(r) for r in rows), default=0)
    out = [
        _record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0, 0, 0, 0)),  # BOF, a worksheet
        _record(0x0200, struct.pack("<IIHHH", 0, len(rows), 0, width, 0)),  # DIMENSIONS
    ]
    for r in hidden:  # ROW, its height zero (flag 0x20)
        out.append(_record(0x0208, struct.pack("<HHHHHHHH", r, 0, width, 0xFF, 0, 0, 0x0120, 0x0F)))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, Formula):  # FORMULA, its tokens a bare 0 (nothing evaluates them)
                tokens = b"\x1e\x00\x00"
                body = struct.pack("<HHH", r, c, 15) + value.result() + struct.pack("<HI", 0, 0)
                out.append(_record(0x0006, body + len(tokens).to_bytes(2, "little") + tokens))
            elif isinstance(value, str):  # LABEL
                out.append(_record(0x0204, struct.pack("<HHH", r, c, 15) + _text(value, 2)))
            else:  # NUMBER
                out.append(_record(0x0203, struct.pack("<HHHd", r, c, 15, float(value))))
    out.append(_record(0x000A, b""))  # EOF
    return b"".join(out)


def _xls(sheets: dict[str, list[list]], hidden_rows: dict[str, tuple[int, ...]] | None = None) -> bytes:
    """A BIFF8 workbook (.xls) of these sheets, in an OLE compound file: the records a reader
    needs and no more, as small writers (xlwt, a web system's "Xuất Excel") leave them."""
    streams = [_sheet_stream(rows, (hidden_rows or {}).get(name, ())) for name, rows in sheets.items()]
    font = _record(0x0031, struct.pack("<HHHHHBBBB", 200, 0, 0x7FFF, 400, 0, 0, 0, 0, 0) + _text("Arial", 1))
    xf = _record(0x00E0, struct.pack("<HHHBBBBIIH", 0, 0, 0xFFF5, 0x20, 0, 0, 0, 0, 0, 0x20C0))
    head = [
        _record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0, 0, 0, 0)),  # BOF, the globals
        _record(0x0042, struct.pack("<H", 1200)),  # CODEPAGE: UTF-16
        *[font] * 5,
        *[xf] * 16,
    ]
    offset = sum(map(len, head)) + sum(4 + 6 + len(_text(n, 1)) for n in sheets) + 4
    bounds = []
    for name, stream in zip(sheets, streams):
        bounds.append(_record(0x0085, struct.pack("<IBB", offset, 0, 0) + _text(name, 1)))  # BOUNDSHEET
        offset += len(stream)
    return _compound_file(b"".join(head + bounds) + _record(0x000A, b"") + b"".join(streams))


def _compound_file(stream: bytes) -> bytes:
    """An OLE compound file of one stream, "Workbook", in 512-byte sectors (at least 4.096
    bytes, so no mini stream): header, FAT, directory, the stream."""
    stream += bytes(max(0, 4096 - len(stream)))
    sectors = -(-len(stream) // 512)
    fat_sectors = -(-(sectors + 2) // 128)
    first = fat_sectors + 1
    fat = [0xFFFFFFFD] * fat_sectors + [0xFFFFFFFE]
    fat += [first + i + 1 for i in range(sectors - 1)] + [0xFFFFFFFE]
    fat += [0xFFFFFFFF] * (fat_sectors * 128 - len(fat))
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
    header += bytes(6) + struct.pack(
        "<IIIIIIIII", 0, fat_sectors, fat_sectors, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0
    )
    header += b"".join(struct.pack("<I", i) for i in range(fat_sectors)) + b"\xff" * 4 * (109 - fat_sectors)

    def entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
        raw = (name + "\0").encode("utf-16-le") if name else b""
        return (
            raw.ljust(64, b"\0")
            + struct.pack("<HBBIII", len(raw), kind, 1, 0xFFFFFFFF, 0xFFFFFFFF, child)
            + bytes(36)
            + struct.pack("<III", start, size, 0)
        )

    directory = entry("Root Entry", 5, 1, 0xFFFFFFFE, 0) + entry(
        "Workbook", 2, 0xFFFFFFFF, first, len(stream)
    )
    directory += entry("", 0, 0xFFFFFFFF, 0, 0) * 2
    fat_bytes = b"".join(struct.pack("<I", v) for v in fat)
    return header + fat_bytes + directory + stream.ljust(sectors * 512, b"\0")


# -- a running total split into parts with no total ----------------------------------------------


CHANNELS = [
    ["STT", "Đơn vị", "Số CD đủ ĐK", "Lũy kế thu nhận hồ sơ", None, None],
    [None, None, None, "Tại trụ sở", "Lưu động", "Tại nhà"],
    [1, "Xã Kỳ Xuân", 5000, 1200, 300, 25],
    [2, "Xã Kỳ Bắc", 4000, 900, 410, 12],
]


def test_a_running_total_split_into_channels_without_its_total_is_their_sum():
    # "Lũy kế thu nhận hồ sơ" merged over "Tại trụ sở | Lưu động | Tại nhà", no "Tổng số":
    # the first header row alone was taken, and the column under it — the applications taken
    # at the office — stored as each commune's running total, without a word.
    data = _xlsx({"BC": [*TOP, *CHANNELS]}, merges=["A4:A5", "B4:B5", "C4:C5", "D4:F4"])
    report = ingest.import_bytes(None, data, "ky_anh.xlsx")
    assert report.status == "checked", report.message
    got = values(report)
    assert got[(_key("Xã Kỳ Xuân"), "collected")] == 1525
    assert got[(_key("Xã Kỳ Bắc"), "collected")] == 1322
    assert report.breakdowns["dimensions"]["channel"]["figures"] == 6


def test_parts_without_their_total_are_stored_into_a_store_without_those_communes(store):
    # The store's figures of the same days are looked up to build no total under one; a store
    # without any refused the upload as "cấu trúc bất thường" (pandas would not set an empty
    # column of no type into the totals).
    data = _xlsx({"BC": [*TOP, *CHANNELS]}, merges=["A4:A5", "B4:B5", "C4:C5", "D4:F4"])
    report = ingest.import_bytes(store, data, "ky_anh.xlsx")
    assert report.status == "imported", report.message
    assert values(report)[(_key("Xã Kỳ Xuân"), "collected")] == 1525


def test_a_running_total_split_into_priority_groups_without_its_total_is_refused_at_the_split():
    # Priority groups do not add up to the whole (most citizens are in none): no figure of
    # the commune can be made of them, and the first group's was stored as the commune's.
    rows = [
        ["STT", "Đơn vị", "Lũy kế thu nhận hồ sơ", None, None],
        [None, None, "Người cao tuổi", "Học sinh", "Người có công"],
        [1, "Xã Kỳ Xuân", 120, 300, 25],
        [2, "Xã Kỳ Bắc", 90, 410, 12],
    ]
    data = _xlsx({"BC": [*TOP, *rows]}, merges=["A4:A5", "B4:B5", "C4:E4"])
    report = ingest.import_bytes(None, data, "ky_anh.xlsx")
    assert report.status == "refused"
    problem = report.errors[0]
    assert (problem.sheet, problem.row, problem.column) == ("BC", 5, "C")
    assert "«Người cao tuổi»" in problem.message and "Tổng số" in problem.message


# -- .xls written by a program that computes nothing ------------------------------------------------


def _xls_report(
    cells: list[list], head=("STT", "Đơn vị", "Lũy kế hôm trước", "Trong ngày", "Lũy kế thu nhận")
):
    return _xls({"BC": [*TOP, list(head), *cells]})


def test_an_xls_whose_formulas_were_saved_without_their_values_is_refused_at_the_cell():
    # "Lũy kế thu nhận" = "Lũy kế hôm trước" + "Trong ngày", saved by a writer that computes
    # nothing (the result an empty text): calamine reads blanks, and the file was taken with
    # no running total at all, without a word.
    cells = [[i, name, 1000 + i, 20, Formula()] for i, name in enumerate(KY, 1)]
    report = ingest.import_bytes(None, _xls_report(cells), "ky_anh.xls")
    assert report.status == "refused"
    problem = next(p for p in report.problems if p.code == "uncomputed_formula")
    assert (problem.sheet, problem.row, problem.column) == ("BC", 5, "E")
    assert "lưu lại" in problem.message


def test_an_xls_total_row_of_uncomputed_formulas_is_left_unchecked():
    cells = [[i, name, 1000 + i, 20, 1020 + i] for i, name in enumerate(KY, 1)]
    cells.append([None, "Tổng cộng", Formula(), Formula(), Formula()])
    report = ingest.import_bytes(None, _xls_report(cells), "ky_anh.xls")
    assert report.status == "checked", report.message
    codes = {p.code for p in report.warnings}
    assert "uncomputed_total" in codes and "subtotal_mismatch" not in codes
    assert values(report)[(_key("Xã Kỳ Phú"), "collected")] == 1023


def test_an_xls_formula_giving_an_empty_text_beside_computed_ones_is_a_blank():
    # =IF(D5="";"";C5+D5): Excel saves "" for a commune with nothing yet, and the numbers of
    # the others; the sheet was computed, so the empty one is no formula left uncomputed.
    cells = [
        [1, "Xã Kỳ Xuân", 1001, 20, Formula(1021.0)],
        [2, "Xã Kỳ Bắc", 1002, 20, Formula(1022.0)],
        [3, "Xã Kỳ Phú", None, None, Formula()],
    ]
    report = ingest.import_bytes(None, _xls_report(cells), "ky_anh.xls")
    assert report.status == "checked", report.message
    got = values(report)
    assert got[(_key("Xã Kỳ Bắc"), "collected")] == 1022
    assert (_key("Xã Kỳ Phú"), "collected") not in got


def test_an_xls_formula_saved_with_an_error_is_refused_at_its_cell():
    cells = [[i, name, 1000 + i, 20, Formula(1020.0 + i)] for i, name in enumerate(KY, 1)]
    cells[1][4] = Formula(error=0x17)
    report = ingest.import_bytes(None, _xls_report(cells), "ky_anh.xls")
    assert report.status == "refused"
    problem = next(p for p in report.problems if p.code == "formula_error")
    assert (problem.row, problem.column) == (6, "E") and "#REF!" in problem.message


# -- hidden rows of old figures --------------------------------------------------------------------------


HEAD = ["STT", "Đơn vị", "Trong ngày", "Lũy kế thu nhận"]
TODAY = [[1, "Xã Kỳ Xuân", 20, 1020], [2, "Xã Kỳ Bắc", 31, 931], [3, "Xã Kỳ Phú", 12, 612]]
YESTERDAY = [[1, "Xã Kỳ Xuân", 18, 1000], [2, "Xã Kỳ Bắc", 30, 900], [3, "Xã Kỳ Phú", 10, 600]]


def _shown_figures_read(report) -> None:
    assert report.status == "checked", report.message
    got = values(report)
    assert [got[(_key(n), "collected")] for n in KY] == [1020, 931, 612]
    problem = next(p for p in report.problems if p.code == "hidden_row")
    assert problem.sheet == "BC" and problem.row == 8 and "3 dòng bị ẩn" in problem.message


def test_yesterdays_rows_kept_hidden_under_todays_are_not_read():
    # Yesterday's block kept under today's, its rows hidden: both were read, and the file
    # refused as two values of each commune that day (though Excel shows one).
    rows = [*TOP, HEAD, *TODAY, *YESTERDAY]
    report = ingest.import_bytes(None, _xlsx({"BC": rows}, hidden_rows=[8, 9, 10]), "ky_anh.xlsx")
    _shown_figures_read(report)


def test_yesterdays_rows_kept_hidden_in_an_xls_are_not_read():
    rows = [*TOP, HEAD, *TODAY, *YESTERDAY]
    report = ingest.import_bytes(None, _xls({"BC": rows}, {"BC": (7, 8, 9)}), "ky_anh.xls")
    _shown_figures_read(report)


def test_a_hidden_row_of_a_commune_no_shown_row_names_is_read():
    # Rows an autofilter hides are the unit's data all the same.
    rows = [*TOP, HEAD, *TODAY[:2], TODAY[2]]
    report = ingest.import_bytes(None, _xlsx({"BC": rows}, hidden_rows=[7]), "ky_anh.xlsx")
    assert report.status == "checked", report.message
    assert values(report)[(_key("Xã Kỳ Phú"), "collected")] == 612
    assert not [p for p in report.problems if p.code == "hidden_row"]


# -- a province's summaries ----------------------------------------------------------------------------------

NA_TOP = [
    ["CÔNG AN TỈNH NGHỆ AN"],
    ["BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD"],
    ["Số liệu tính đến 17h00 ngày 15/5/2023"],
]
CUA_LO = {"Phường Nghi Thuỷ": 4100, "Phường Nghi Tân": 5200}
THAI_HOA = {"Phường Quang Phong": 2300, "Phường Long Sơn": 3100}


def _na_key(commune: str, district: str) -> str:
    return registry.resolve("Tỉnh Nghệ An", district, commune).key


def test_tc_after_each_districts_block_is_that_districts_sum():
    # "TC" (Tổng cộng cut to its initials) under each district's heading: stored as a unit «TC»
    # outside the registry with the district's sums, the grand total then said not to add up.
    rows = [*NA_TOP, ["STT", "Đơn vị", "Lũy kế thu nhận"], ["I", "Thị xã Cửa Lò", None]]
    rows += [[i, n, v] for i, (n, v) in enumerate(CUA_LO.items(), 1)] + [[None, "TC", 9300]]
    rows += [["II", "Thị xã Thái Hoà", None]]
    rows += [[i, n, v] for i, (n, v) in enumerate(THAI_HOA.items(), 1)] + [[None, "TC", 5400]]
    rows += [[None, "TỔNG CỘNG", 14700]]
    report = ingest.import_bytes(None, _xlsx({"TH": rows}), "nghe_an.xlsx")
    assert report.status == "checked", report.message
    got = values(report)
    assert len(got) == 4 and got[(_na_key("Phường Long Sơn", "Thị xã Thái Hoà"), "collected")] == 3100
    assert not report.warnings
    sums = [t for t in report.totals if t["label"] == "TC"]
    assert [(t["district"], t["communes"], t["mismatches"]) for t in sums] == [
        ("Thị xã Cửa Lò", 2, []),
        ("Thị xã Thái Hoà", 2, []),
    ]


def test_a_summary_by_district_beside_each_districts_sheet_reads_the_communes():
    # "Tổng hợp", a row per district, then a sheet of communes per district: the summary
    # refused the whole workbook as a table by district, the communes' sheets unread.
    head = ["STT", "Đơn vị", "Lũy kế thu nhận"]
    summary = [
        *NA_TOP,
        head,
        ["I", "Thị xã Cửa Lò", 9300],
        ["II", "Thị xã Thái Hoà", 5400],
        [None, "Toàn tỉnh", 14700],
    ]
    sheets = {"Tổng hợp": summary}
    for district, communes in (("Thị xã Cửa Lò", CUA_LO), ("Thị xã Thái Hoà", THAI_HOA)):
        top = [["CÔNG AN " + district.upper()], NA_TOP[1], NA_TOP[2], head]
        sheets[district.removeprefix("Thị xã ")] = top + [
            [i, n, v] for i, (n, v) in enumerate(communes.items(), 1)
        ]
    report = ingest.import_bytes(None, _xlsx(sheets), "nghe_an.xlsx")
    assert report.status == "checked", report.message
    got = values(report)
    assert got == {
        **{(_na_key(n, "Thị xã Cửa Lò"), "collected"): v for n, v in CUA_LO.items()},
        **{(_na_key(n, "Thị xã Thái Hoà"), "collected"): v for n, v in THAI_HOA.items()},
    }
    skipped = next(p for p in report.problems if p.code == "sheet_skipped")
    assert skipped.sheet == "Tổng hợp" and skipped.row == 5 and "bảng theo huyện" in skipped.message


# -- a plan's row over each commune's row of what was done ----------------------------------------


def test_a_plans_row_over_each_communes_row_of_what_was_done_is_left_out():
    # "Nội dung": "Kế hoạch" then "Thực hiện", the commune's name merged over both: the plan's
    # row took the name and every "Thực hiện" row was refused as figures without a name.
    rows = [*TOP, ["STT", "Đơn vị", "Nội dung", "Trong ngày", "Lũy kế thu nhận"]]
    merges = []
    for i, (name, done) in enumerate(zip(KY, (1020, 931, 612)), 1):
        rows += [[i, name, "Kế hoạch", 150, 4000], [None, None, "Thực hiện", 20 + i, done]]
        merges += [f"A{3 + 2 * i}:A{4 + 2 * i}", f"B{3 + 2 * i}:B{4 + 2 * i}"]
    rows += [["Tổng cộng", None, "KH", 450, 12000], [None, None, "TH", 66, 2563]]
    merges += ["A11:B12"]
    report = ingest.import_bytes(None, _xlsx({"BC": rows}, merges=merges), "ky_anh.xlsx")
    assert report.status == "checked", report.message
    got = values(report)
    assert [got[(_key(n), "collected")] for n in KY] == [1020, 931, 612]
    assert [got[(_key(n), "collected_day")] for n in KY] == [21, 22, 23]
    assert {p.code for p in report.warnings} == {"missing_communes"}
    assert [(t["label"], t["checked"], t["matches"]) for t in report.totals] == [
        ("Tổng cộng", ["collected", "collected_day"], True)
    ]


def test_district_sheets_without_a_date_line_take_the_summarys():
    # The province's summary carries "Số liệu tính đến … ngày 15/5/2023"; each district's
    # sheet is a bare table: every one was refused as undated.
    head = ["STT", "Đơn vị", "Lũy kế thu nhận"]
    communes = [*CUA_LO.items(), *THAI_HOA.items()]
    sheets = {"Tổng hợp": [*NA_TOP, head, *[[i, n, v] for i, (n, v) in enumerate(communes, 1)]]}
    sheets["Cửa Lò"] = [head, *[[i, n, v] for i, (n, v) in enumerate(CUA_LO.items(), 1)]]
    sheets["Thái Hoà"] = [head, *[[i, n, v] for i, (n, v) in enumerate(THAI_HOA.items(), 1)]]
    report = ingest.import_bytes(None, _xlsx(sheets), "nghe_an.xlsx")
    assert report.status == "checked", report.message
    assert {str(d)[:10] for d in report.observations["date"]} == {"2023-05-15"}
    assert len(values(report)) == 4


def test_sheets_that_give_two_days_date_no_undated_sheet():
    head = ["STT", "Đơn vị", "Lũy kế thu nhận"]
    other_day = [NA_TOP[0], NA_TOP[1], ["Số liệu tính đến 17h00 ngày 14/5/2023"]]
    sheets = {
        "Cửa Lò": [*NA_TOP, head, *[[i, n, v] for i, (n, v) in enumerate(CUA_LO.items(), 1)]],
        "Thái Hoà": [*other_day, head, *[[i, n, v] for i, (n, v) in enumerate(THAI_HOA.items(), 1)]],
        "Thêm": [head, [1, "Phường Nghi Hải", 700]],
    }
    report = ingest.import_bytes(None, _xlsx(sheets), "nghe_an.xlsx")
    assert report.status == "refused"
    assert [(p.code, p.sheet) for p in report.errors] == [("no_date", "Thêm")]


def test_hidden_rows_of_another_districts_commune_of_the_same_name_are_read():
    """An autofilter hiding Đô Lương's rows: its Nam Sơn is not a copy of Quỳ Hợp's, by a
    district column or by district headings; both had been dropped as "copies" with a warning
    saying so, falsely."""
    head = ["STT", "Huyện", "Đơn vị", "Lũy kế thu nhận"]
    rows = [
        *NA_TOP,
        head,
        [1, "Huyện Quỳ Hợp", "Xã Bắc Sơn", 1000],
        [2, "Huyện Quỳ Hợp", "Xã Nam Sơn", 2000],
        [3, "Huyện Đô Lương", "Xã Bắc Sơn", 3000],
        [4, "Huyện Đô Lương", "Xã Nam Sơn", 4000],
        [5, "Huyện Đô Lương", "Xã Lạc Sơn", 5000],
    ]
    first = len(NA_TOP) + 2  # the first data row, 1-based
    report = ingest.import_bytes(None, _xlsx({"BC": rows}, hidden_rows=[first + 3, first + 4]), "na.xlsx")
    assert not [p for p in report.problems if p.code == "hidden_row"]
    assert sorted(report.observations.loc[report.observations.metric == "collected", "value"]) == [
        1000,
        2000,
        3000,
        4000,
        5000,
    ]
    blocks = [
        *NA_TOP,
        ["STT", "Đơn vị", "Lũy kế thu nhận"],
        ["I", "Huyện Quỳ Hợp", None],
        [1, "Xã Bắc Sơn", 1000],
        [2, "Xã Nam Sơn", 2000],
        ["II", "Huyện Đô Lương", None],
        [1, "Xã Bắc Sơn", 3000],
        [2, "Xã Nam Sơn", 4000],
    ]
    hidden = [len(NA_TOP) + 6, len(NA_TOP) + 7, len(NA_TOP) + 8]
    report = ingest.import_bytes(None, _xlsx({"BC": blocks}, hidden_rows=hidden), "na.xlsx")
    assert not [p for p in report.problems if p.code == "hidden_row"]
    assert sorted(report.observations.loc[report.observations.metric == "collected", "value"]) == [
        1000,
        2000,
        3000,
        4000,
    ]


def test_a_channel_split_without_the_office_or_under_of_which_is_refused_not_summed():
    """ "Lũy kế thu nhận hồ sơ" over "Lưu động | Tại nhà" (no "Tại trụ sở"), or over "Trong
    đó: …": some of the whole, not all of it.  Summed, 325 had been stored as the commune's
    running total, the office's applications left out, without a word."""
    for parts in (["Lưu động", "Tại nhà"], ["Trong đó: Lưu động", "Trong đó: Tại nhà"]):
        rows = [
            *TOP,
            ["STT", "Đơn vị", "Số CD đủ ĐK", "Lũy kế thu nhận hồ sơ", None],
            [None, None, None, *parts],
            [1, "Xã Kỳ Xuân", 5000, 300, 25],
            [2, "Xã Kỳ Bắc", 4000, 410, 12],
        ]
        merges = ["A4:A5", "B4:B5", "C4:C5", "D4:E4"]
        report = ingest.import_bytes(None, _xlsx({"BC": rows}, merges=merges), "ky_anh.xlsx")
        assert report.status == "refused", parts
        (error,) = report.errors
        assert error.column == "D" and "không có cột tổng số" in error.message


def test_an_application_type_split_without_exchanges_is_refused_not_summed():
    """ "Cấp mới | Cấp lại" leaves out "Cấp đổi", the bulk of a campaign's applications:
    summed, 325 had been stored as the whole."""
    rows = [
        *TOP,
        ["STT", "Đơn vị", "Số CD đủ ĐK", "Lũy kế thu nhận hồ sơ", None],
        [None, None, None, "Cấp mới", "Cấp lại"],
        [1, "Xã Kỳ Xuân", 5000, 300, 25],
        [2, "Xã Kỳ Bắc", 4000, 410, 12],
    ]
    merges = ["A4:A5", "B4:B5", "C4:C5", "D4:E4"]
    report = ingest.import_bytes(None, _xlsx({"BC": rows}, merges=merges), "ky_anh.xlsx")
    assert report.status == "refused" and report.errors[0].column == "D"


def test_a_hidden_copy_under_a_district_cell_merged_down_is_still_a_copy():
    """The district's cell merged down over its communes: the rows below its first carry it,
    so yesterday's hidden row and today's shown one are one commune (with the district in
    the copy's key, the blank merged cells made them two, and the file was refused)."""
    head = ["STT", "Huyện", "Đơn vị", "Lũy kế thu nhận"]
    rows = [
        *TOP,
        head,
        [1, "Huyện Kỳ Anh", "Xã Kỳ Xuân", 1000],
        [1, None, "Xã Kỳ Xuân", 1100],
        [2, None, "Xã Kỳ Bắc", 800],
        [3, None, "Xã Kỳ Phú", 1500],
    ]
    first = len(TOP) + 2
    merged = _xlsx({"BC": rows}, hidden_rows=[first], merges=[f"B{first}:B{first + 3}"])
    report = ingest.import_bytes(None, merged, "ka.xlsx")
    assert report.status == "checked", report.message
    assert [p.row for p in report.problems if p.code == "hidden_row"] == [first]
    assert sorted(report.observations.loc[report.observations.metric == "collected", "value"]) == [
        800,
        1100,
        1500,
    ]


@pytest.mark.parametrize("office", ["Tại trụ sở Công an xã", "Tại điểm cấp cố định", "Tại Công an xã"])
def test_the_office_spelt_out_in_a_channel_split_is_the_office(office):
    """ "Lũy kế thu nhận hồ sơ" over "Tại trụ sở Công an xã | Lưu động": words the vocabulary
    did not know left the office's column read as the whole (300 for 325), without a word."""
    rows = [
        *TOP,
        ["STT", "Đơn vị", "Số CD đủ ĐK", "Lũy kế thu nhận hồ sơ", None],
        [None, None, None, office, "Lưu động"],
        [1, "Xã Kỳ Xuân", 5000, 300, 25],
        [2, "Xã Kỳ Bắc", 4000, 410, 12],
    ]
    merges = ["A4:A5", "B4:B5", "C4:C5", "D4:E4"]
    report = ingest.import_bytes(None, _xlsx({"BC": rows}, merges=merges), "ky_anh.xlsx")
    assert report.status == "checked", report.message
    got = report.observations[report.observations.metric == "collected"]
    assert sorted(got["value"]) == [325, 422]
