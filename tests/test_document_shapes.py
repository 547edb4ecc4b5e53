"""Word reports in shapes offices type that the other document tests do not cover: a
header over three rows ("Kết quả thực hiện" over "Kết quả thu nhận hồ sơ" over "Trong
ngày | Lũy kế"), the document number and the place-and-date line side by side in the
letterhead under a title that carries the data's date; a PDF whose every glyph is drawn
on its own with no space glyphs (as some print drivers make them), with and without
ruling lines.  Each file is made here (python-docx, reportlab) and every unit-day value
read is checked against the figures written."""

from __future__ import annotations

import io
import random
from datetime import date
from pathlib import Path

import docx
import pytest

from cccd_analytics import ingest, registry

FONTS = Path(__file__).resolve().parents[1] / "cccd_analytics" / "data" / "fonts"

DAY = date(2023, 5, 15)


def _communes(district: str = "Huyện Kỳ Anh", province: str = "42"):
    reg = registry.load_registry()
    key = reg.index[(reg.level == "district") & (reg.name == district) & (reg.province_key == province)][0]
    communes = reg[(reg.level == "commune") & (reg.district_key == key)]
    return list(zip(communes.index, communes.name))


def _dot(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _figures(communes, seed: int = 7):
    rng = random.Random(seed)
    out = {}
    for key, _ in communes:
        eligible = rng.randint(2_000, 15_000)
        running = rng.randint(100, 1_800)
        out[key] = dict(eligible=eligible, collected_day=rng.randint(0, 60), collected=running)
        out[key]["returned"] = int(running * 0.55)
    return out


def _merge(table, r0, c0, r1, c1, text):
    merged = table.cell(r0, c0).merge(table.cell(r1, c1))
    for p in merged.paragraphs[1:]:
        p._p.getparent().remove(p._p)
    merged.paragraphs[0].text = text


def _values(report) -> dict:
    return {
        (k, d, m): int(v)
        for k, d, m, v in report.observations[["unit_key", "date", "metric", "value"]].itertuples(index=False)
    }


def _truth(communes, figures) -> dict:
    return {
        (key, DAY, metric): figures[key][metric]
        for key, _ in communes
        for metric in ("eligible", "collected_day", "collected", "returned")
    }


def _report(header: str, three_rows: bool) -> tuple[bytes, dict]:
    communes = _communes()
    figures = _figures(communes)
    doc = docx.Document()
    top = doc.add_table(rows=3, cols=2)
    lines = [
        ("CÔNG AN HUYỆN KỲ ANH", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        ("ĐỘI QLHC VỀ TTXH", "Độc lập - Tự do - Hạnh phúc"),
        ("Số: 123/BC-CAH", "Kỳ Anh, ngày 16 tháng 5 năm 2023"),
    ]
    for row, (left, right) in zip(top.rows, lines):
        row.cells[0].text, row.cells[1].text = left, right
    doc.add_paragraph("BÁO CÁO")
    doc.add_paragraph(header)
    head = 3 if three_rows else 2
    body = []
    for i, (key, name) in enumerate(communes, start=1):
        v = figures[key]
        share = f"{100 * v['collected'] / v['eligible']:.1f}%".replace(".", ",")
        cells = [v["eligible"], v["collected_day"], v["collected"]]
        body.append([str(i), name, *map(_dot, cells), share, _dot(v["returned"]), ""])
    table = doc.add_table(rows=head + 1 + len(body), cols=8)
    table.style = "Table Grid"
    for r, values in enumerate(body, start=head + 1):
        for c, text in enumerate(values):
            table.cell(r, c).text = text
    for c in range(8):
        table.cell(head, c).text = f"({c + 1})"
    if three_rows:
        for c, text in ((0, "STT"), (1, "Đơn vị"), (7, "Ghi chú")):
            _merge(table, 0, c, 2, c, text)
        _merge(table, 0, 2, 0, 6, "Kết quả thực hiện")
        for c, text in ((2, "Số công dân đủ điều kiện"), (5, "Tỷ lệ (%)"), (6, "Số thẻ đã trả")):
            _merge(table, 1, c, 2, c, text)
        _merge(table, 1, 3, 1, 4, "Kết quả thu nhận hồ sơ")
        table.cell(2, 3).text, table.cell(2, 4).text = "Trong ngày", "Lũy kế"
    else:
        for c, text in (
            (0, "STT"),
            (1, "Đơn vị"),
            (2, "Số công dân đủ điều kiện"),
            (5, "Tỷ lệ (%)"),
            (6, "Số thẻ đã trả"),
            (7, "Ghi chú"),
        ):
            _merge(table, 0, c, 1, c, text)
        _merge(table, 0, 3, 0, 4, "Kết quả thu nhận hồ sơ")
        table.cell(1, 3).text, table.cell(1, 4).text = "Trong ngày", "Lũy kế"
    doc.add_paragraph("")
    sign = doc.add_table(rows=2, cols=2)
    sign.cell(0, 0).text, sign.cell(0, 1).text = "Nơi nhận:", "TRƯỞNG CÔNG AN HUYỆN"
    raw = io.BytesIO()
    doc.save(raw)
    return raw.getvalue(), _truth(communes, figures)


def test_a_header_over_three_rows_reads_today_and_running_under_their_parents():
    data, truth = _report("Số liệu tính đến 17h00 ngày 15/5/2023", three_rows=True)
    report = ingest.import_bytes(None, data, "ba_dong_tieu_de.docx")
    assert report.status == "checked", report.message
    assert not report.problems, [p.describe("ba_dong_tieu_de.docx") for p in report.problems]
    assert _values(report) == truth


@pytest.mark.parametrize("three_rows", [False, True])
def test_the_title_date_wins_over_the_signing_date_beside_the_document_number(three_rows):
    # "Số: 123/BC-CAH | Kỳ Anh, ngày 16 tháng 5 năm 2023" in the letterhead is the day it
    # was signed; the title says whose figures these are.
    data, truth = _report("BÁO CÁO TIẾN ĐỘ THU NHẬN HỒ SƠ NGÀY 15/5/2023", three_rows)
    report = ingest.import_bytes(None, data, "tien_do.docx")
    assert report.status == "checked", report.message
    assert _values(report) == truth


def _glyph_pdf(lines: bool) -> tuple[bytes, dict]:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if "GlyphSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("GlyphSans", str(FONTS / "LiberationSans-Regular.ttf")))
    communes = _communes()
    figures = _figures(communes, seed=3)
    raw = io.BytesIO()
    page = canvas.Canvas(raw, pagesize=A4)
    page.setFont("GlyphSans", 9)

    def draw(x, y, text):
        for ch in text:  # one glyph at a time, a space only an advance
            if ch != " ":
                page.drawString(x, y, ch)
            x += pdfmetrics.stringWidth(ch, "GlyphSans", 9)

    y = 800
    for line in ("CÔNG AN HUYỆN KỲ ANH", "BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD"):
        draw(60, y, line)
        y -= 14
    draw(60, y, "Số liệu tính đến 17h00 ngày 15/5/2023")
    y -= 24
    xs = [40, 80, 230, 310, 370, 430, 500]
    rows = [["STT", "Tên đơn vị", "Số CD đủ ĐK", "Trong ngày", "Lũy kế", "Đã trả thẻ"]]
    for i, (key, name) in enumerate(communes, start=1):
        v = figures[key]
        rows.append(
            [str(i), name, *map(_dot, (v["eligible"], v["collected_day"], v["collected"], v["returned"]))]
        )
    top = y
    for row in rows:
        for c, text in enumerate(row):
            draw(xs[c] + 3, y - 12, text)
        y -= 18
    if lines:
        for edge in range(top, y - 1, -18):
            page.line(xs[0], edge, xs[-1], edge)
        for x in xs:
            page.line(x, top, x, y)
    page.showPage()
    page.save()
    return raw.getvalue(), _truth(communes, figures)


@pytest.mark.parametrize("lines", [True, False])
def test_a_pdf_drawn_glyph_by_glyph_without_spaces_keeps_its_words_apart(lines):
    data, truth = _glyph_pdf(lines)
    report = ingest.import_bytes(None, data, "tung_ky_tu.pdf")
    assert report.status == "checked", report.message
    assert not report.unofficial_units
    assert _values(report) == truth


def test_a_letterhead_read_as_one_line_gives_the_authority_without_the_national_motto():
    from cccd_analytics.ingest import layout

    rows = [
        ["CÔNG AN HUYỆN KỲ ANH CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "", ""],
        ["Số liệu tính đến 17h00 ngày 15/5/2023", "", ""],
        ["STT", "Tên xã", "Lũy kế thu nhận"],
        ["1", "Xã Kỳ Tân", "120"],
        ["2", "Xã Kỳ Văn", "95"],
    ]
    found = layout.locate(rows, "bao_cao.pdf")
    assert found.authorities == ("huyen ky anh",)


def test_a_word_97_file_damaged_anywhere_is_refused_or_read_never_a_traceback():
    data = (
        Path(__file__).resolve().parent / "fixtures" / "real_documents" / "go_tay_gop_huyen.doc"
    ).read_bytes()
    rng = random.Random(97)
    for _ in range(40):
        broken = bytearray(data)
        start = rng.randrange(512, len(data) - 64)
        for k in range(rng.choice((1, 4, 64))):
            broken[start + k] = rng.randrange(256)
        report = ingest.import_bytes(None, bytes(broken), "hong.doc")
        assert report.status in ("refused", "checked")
        if report.status == "refused":
            assert "hong.doc" in report.message


def test_a_table_inside_a_frame_table_is_read():
    # The whole report body in a one-cell table (a frame), the data table inside it.
    communes = _communes()
    figures = _figures(communes, seed=8)
    doc = docx.Document()
    top = doc.add_table(rows=1, cols=2)
    top.cell(0, 0).text, top.cell(0, 1).text = "CÔNG AN HUYỆN KỲ ANH", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    doc.add_paragraph("Số liệu tính đến 17h00 ngày 15/5/2023")
    frame = doc.add_table(rows=1, cols=1)
    frame.style = "Table Grid"
    cell = frame.cell(0, 0)
    cell.paragraphs[0].text = "Kết quả cụ thể:"
    table = cell.add_table(rows=len(communes) + 1, cols=4)
    for c, text in enumerate(["STT", "Tên xã", "Số CD đủ ĐK", "Lũy kế thu nhận"]):
        table.cell(0, c).text = text
    truth = {}
    for r, (key, name) in enumerate(communes, start=1):
        v = figures[key]
        for c, text in enumerate([str(r), name, _dot(v["eligible"]), _dot(v["collected"])]):
            table.cell(r, c).text = text
        truth[(key, DAY, "eligible")], truth[(key, DAY, "collected")] = v["eligible"], v["collected"]
    raw = io.BytesIO()
    doc.save(raw)
    report = ingest.import_bytes(None, raw.getvalue(), "khung.docx")
    assert report.status == "checked", report.message
    assert _values(report) == truth


def _two_tables(with_collected: bool = True) -> tuple[bytes, dict]:
    """ "1. Kết quả thu nhận hồ sơ" and "2. Kết quả trả thẻ": one table each, one under the other."""
    communes = _communes()
    figures = _figures(communes, seed=9)
    doc = docx.Document()
    doc.add_paragraph("CÔNG AN HUYỆN KỲ ANH")
    doc.add_paragraph("BÁO CÁO KẾT QUẢ CẤP CĂN CƯỚC CÔNG DÂN")
    doc.add_paragraph("Số liệu tính đến 17 giờ 00 ngày 15/5/2023 như sau:")
    truth = {}
    tables = [
        ("2. Kết quả trả thẻ", ["STT", "Xã, thị trấn", "Số thẻ CCCD đã trả cho công dân"], ("returned",))
    ]
    if with_collected:
        head = ["STT", "Đơn vị", "Số công dân đủ điều kiện", "Lũy kế thu nhận"]
        tables.insert(0, ("1. Kết quả thu nhận hồ sơ", head, ("eligible", "collected")))
    for title, head, metrics in tables:
        doc.add_paragraph(title)
        table = doc.add_table(rows=len(communes) + 1, cols=len(head))
        table.style = "Table Grid"
        for c, text in enumerate(head):
            table.cell(0, c).text = text
        for r, (key, name) in enumerate(communes, start=1):
            cells = [str(r), name, *(_dot(figures[key][m]) for m in metrics)]
            for c, text in enumerate(cells):
                table.cell(r, c).text = text
            truth.update({(key, DAY, m): figures[key][m] for m in metrics})
    doc.add_paragraph("TRƯỞNG CÔNG AN HUYỆN")
    raw = io.BytesIO()
    doc.save(raw)
    return raw.getvalue(), truth


def test_collected_and_returned_in_two_tables_of_one_document_are_read_together():
    data, truth = _two_tables()
    report = ingest.import_bytes(None, data, "hai_bang.docx")
    assert report.status == "checked", report.message
    assert not [p for p in report.problems if p.code == "table_skipped"]
    assert _values(report) == truth
    assert [t["read"] for t in report.tables] == [True, True]


def test_a_table_of_cards_handed_over_alone_is_still_no_report():
    # Without the collected figures there is nothing to read it beside: refused as before.
    data, _ = _two_tables(with_collected=False)
    report = ingest.import_bytes(None, data, "tra_the.docx")
    assert report.status == "refused"
    assert any(p.code == "no_table" for p in report.errors)


@pytest.mark.parametrize("office", ["CÔNG AN XÃ KỲ TÂN", "CÔNG AN HUYỆN KỲ ANH"])
def test_a_word_table_refused_whole_is_named_by_its_own_rows(office):
    """A list of figures ("Nội dung | Số lượng") under no commune's name is no one's report:
    refused, at the table's header row as the reader counts it ("bảng 2, dòng 1 của bảng"),
    not the row of the laid-out text.  Under a commune's office it is that commune's."""
    doc = docx.Document()
    doc.add_paragraph(office)
    doc.add_paragraph("BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD")
    first = doc.add_table(rows=1, cols=2)
    first.rows[0].cells[0].text, first.rows[0].cells[1].text = "Số: 12/BC", "Kỳ Tân, ngày 16/3/2021"
    doc.add_paragraph("Số liệu tính đến 17h00 ngày 16/3/2021")
    table = doc.add_table(rows=4, cols=3)
    for r, row in enumerate(
        [("STT", "Nội dung", "Số lượng"), ("1", "Thu nhận", "2.384"), ("2", "Trả thẻ", "953")]
    ):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    out = io.BytesIO()
    doc.save(out)
    report = ingest.import_bytes(None, out.getvalue(), "bc_ky_tan.docx")
    if office.startswith("CÔNG AN XÃ"):
        assert report.status == "checked", report.message
        assert sorted(zip(report.observations["metric"], report.observations["value"])) == [
            ("collected", 2384),
            ("returned", 953),
        ]
        return
    (error,) = report.errors
    assert error.code == "no_table" and error.table and error.row == 1
    assert "bảng 2, dòng 1 của bảng" in error.describe(report.file_name)


def test_a_letterhead_repeated_at_every_page_top_carries_one_table_on():
    # An Excel printout to PDF repeats its letterhead and title above every page's part of the
    # table: each part was a table of its own, and the grand total on the last page was checked
    # against that page's communes only (false subtotal_mismatch warnings).
    from cccd_analytics.ingest.readers.document import Block, stitch

    top = [
        Block([["CÔNG AN HUYỆN KỲ ANH"]], False, page=1),
        Block([["BÁO CÁO THU NHẬN HỒ SƠ CCCD"]], False, page=1),
    ]
    first = Block(
        [["STT", "Xã", "Lũy kế"], ["1", "Xã Kỳ Tân", "2.396"], ["2", "Xã Kỳ Thọ", "1.512"]], True, page=1
    )
    again = [
        Block([["CÔNG AN HUYỆN KỲ ANH"]], False, page=2),
        Block([["BÁO CÁO THU NHẬN HỒ SƠ CCCD"]], False, page=2),
    ]
    second = Block(
        [["3", "Xã Kỳ Hải", "1.100"], ["4", "Xã Kỳ Lạc", "900"], ["", "Tổng cộng", "5.908"]], True, page=2
    )
    tables = [b for b in stitch([*top, first, *again, second]) if b.is_table]
    assert len(tables) == 1 and [r[1] for r in tables[0].rows][-3:] == ["Xã Kỳ Hải", "Xã Kỳ Lạc", "Tổng cộng"]
    # Text that was not said before still parts two tables.
    other = Block([["Bảng 2: kết quả trả thẻ"]], False, page=2)
    assert len([b for b in stitch([*top, first, other, second]) if b.is_table]) == 2
