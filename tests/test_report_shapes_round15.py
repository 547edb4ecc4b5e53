"""Report shapes found by the fifteenth outside probe (6/12/2026): a table of another
campaign of the police's population work, comments after the table, a footnote's mark on a
figure, a Word table inside a text box."""

from __future__ import annotations

import io

from cccd_analytics import ingest
from tests.test_report_shapes_round7 import KY_TAN, KY_THO, imported, values, workbook_bytes

TOP = [["CÔNG AN HUYỆN KỲ ANH"], []]
DC = [
    *TOP,
    ["KẾT QUẢ THU THẬP, CẬP NHẬT THÔNG TIN DÂN CƯ (PHIẾU DC01, DC02)"],
    ["Tính đến 17h00 ngày 05/4/2021"],
    [
        "STT",
        "Đơn vị",
        "Số phiếu DC01 đã thu",
        "Số phiếu DC02 đã thu",
        "Trong ngày",
        "Lũy kế đã nhập vào CSDL",
    ],
    [1, "Xã Kỳ Tân", 1375, 5642, 142, 8258],
    [2, "Xã Kỳ Thọ", 1748, 2611, 121, 7336],
]
CARDS = [
    *TOP,
    ["KẾT QUẢ THU NHẬN HỒ SƠ CẤP CCCD"],
    ["Tính đến 17h00 ngày 05/4/2021"],
    ["STT", "Đơn vị", "Thu nhận trong ngày", "Lũy kế thu nhận"],
    [1, "Xã Kỳ Tân", 40, 1033],
    [2, "Xã Kỳ Thọ", 9, 1139],
]


def test_a_table_of_household_forms_is_refused_as_no_table_of_the_cards():
    # Its "Trong ngày | Lũy kế đã nhập vào CSDL" were stored as the applications, without a word.
    report = ingest.import_bytes(None, workbook_bytes({"DC01-DC02": DC}), "dc01.xlsx")
    assert report.status == "refused"
    (error,) = report.errors
    assert error.code == "no_table" and (error.sheet, error.row) == ("DC01-DC02", 3)
    assert "THÔNG TIN DÂN CƯ" in error.message and "không phải số liệu cấp căn cước công dân" in error.message


def test_a_workbook_of_the_cards_and_household_forms_reads_the_cards_and_says_what_it_left():
    # Both sheets were read as the cards, and their figures refused as conflicting.
    report = imported({"CCCD": CARDS, "DC01-DC02": DC})
    assert values(report, metric="collected") == {(KY_TAN, "collected"): 1033, (KY_THO, "collected"): 1139}
    (skipped,) = [p for p in report.problems if p.code == "sheet_skipped"]
    assert skipped.sheet == "DC01-DC02" and "PHIẾU DC01, DC02" in skipped.message


def test_a_cards_report_that_also_counts_electronic_identities_is_still_read():
    rows = [r[:] for r in CARDS]
    rows[2] = ["KẾT QUẢ THU NHẬN HỒ SƠ CẤP CCCD VÀ KÍCH HOẠT ĐỊNH DANH ĐIỆN TỬ"]
    report = imported({"BC": rows})
    assert values(report, metric="collected")[(KY_THO, "collected")] == 1139


def test_comments_after_the_table_end_it():
    # "Nhận xét:" then a line naming a commune beside a sentence: read as the commune's figure
    # and refused ("không đọc được số: «Đã bố trí thêm 01 tổ lưu động từ 03/4»").
    rows = [
        *CARDS,
        [],
        [],
        ["Nhận xét:"],
        [None, "Kỳ Lạc", "Đã bố trí thêm 01 tổ lưu động từ 03/4"],
    ]
    report = imported({"BC": rows})
    assert values(report, metric="collected") == {(KY_TAN, "collected"): 1033, (KY_THO, "collected"): 1139}


def test_a_figure_with_a_footnotes_mark_is_read_as_written():
    rows = [r[:] for r in CARDS]
    rows[-1][3] = "1.139*"
    rows[-2][3] = "1033 (*)"
    rows += [[], ["(*) Số liệu đã rà soát lại ngày 04/4."]]
    report = imported({"BC": rows})
    assert values(report, metric="collected") == {(KY_TAN, "collected"): 1033, (KY_THO, "collected"): 1139}


def test_a_word_table_inside_a_text_box_is_read_once():
    # The document was said to have no table; and the paragraph anchoring the box took the
    # whole table's text as one line of its own.
    import docx
    from docx.oxml import parse_xml

    document = docx.Document()
    for line in (
        "CÔNG AN HUYỆN KỲ ANH",
        "BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD",
        "Số liệu tính đến 17h00 ngày 08/4/2021",
    ):
        document.add_paragraph(line)
    grid = document.add_table(rows=3, cols=3)
    for r, row in enumerate(
        [["STT", "Đơn vị", "Lũy kế thu nhận"], ["1", "Xã Kỳ Tân", "1.303"], ["2", "Xã Kỳ Thọ", "1.221"]]
    ):
        for c, text in enumerate(row):
            grid.cell(r, c).text = text
    table = grid._tbl
    table.getparent().remove(table)
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    anchor = parse_xml(
        f'<w:p xmlns:w="{w}" xmlns:v="urn:schemas-microsoft-com:vml"><w:r><w:t>Kèm theo:</w:t></w:r>'
        "<w:r><w:pict><v:shape><v:textbox><w:txbxContent><w:p><w:r><w:t>Bảng số liệu:</w:t></w:r></w:p>"
        "</w:txbxContent></v:textbox></v:shape></w:pict></w:r></w:p>"
    )
    box = anchor.find(f".//{{{w}}}txbxContent")
    box.append(table)
    box.append(parse_xml(f'<w:p xmlns:w="{w}"/>'))
    document.element.body.insert(len(document.element.body) - 1, anchor)
    out = io.BytesIO()
    document.save(out)
    report = ingest.import_bytes(None, out.getvalue(), "bao_cao.docx")
    assert report.status == "checked", report.message
    assert values(report) == {(KY_TAN, "collected"): 1303, (KY_THO, "collected"): 1221}
