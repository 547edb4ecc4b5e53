"""Report shapes found by the twenty-second probe, Word and PDF reports as units send them:
an old figure kept as hidden text beside the new one, a table carried on after a page break
under "(tiếp theo trang trước)", and a PDF printed without gridlines whose headers stand
left in their cells over figures set right."""

from __future__ import annotations

import io
from datetime import date

import docx
import pytest
from docx.enum.text import WD_BREAK

from cccd_analytics import ingest, registry

KY = ["Xã Kỳ Xuân", "Xã Kỳ Bắc", "Xã Kỳ Phú", "Xã Kỳ Phong", "Xã Kỳ Tiến", "Xã Kỳ Giang"]
RUNNING = {name: 1025 + 139 * i for i, name in enumerate(KY)}
DAY = date(2021, 3, 15)


def _key(commune: str) -> str:
    return registry.resolve("Tỉnh Hà Tĩnh", "Huyện Kỳ Anh", commune).key


def _dot(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _running(report) -> dict:
    obs = report.observations
    obs = obs[obs["metric"] == "collected"]
    return {k: int(v) for k, v in zip(obs["unit_key"], obs["value"])}


def _truth(names=KY) -> dict:
    return {_key(n): RUNNING[n] for n in names}


def _word(build) -> bytes:
    doc = docx.Document()
    doc.add_paragraph("CÔNG AN HUYỆN KỲ ANH")
    doc.add_paragraph("BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD")
    doc.add_paragraph("Số liệu tính đến 17h00 ngày 15/3/2021")
    build(doc)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _table(doc, rows, header=True):
    table = doc.add_table(rows=len(rows) + header, cols=3)
    table.style = "Table Grid"
    cells = [["STT", "Đơn vị", "Lũy kế thu nhận"]] * header + rows
    for r, row in enumerate(cells):
        for c, text in enumerate(row):
            table.cell(r, c).text = str(text)
    return table


def _rows(names=KY, start=1):
    return [[i, n, _dot(RUNNING[n])] for i, n in enumerate(names, start)]


def test_an_old_figure_kept_as_hidden_text_is_not_read():
    # "1.213" hidden (Font → Hidden) before "1.253" in one cell: Word shows and prints
    # only the new figure; both were read and the file refused as two numbers in a cell.
    def build(doc):
        table = _table(doc, _rows())
        paragraph = table.cell(2, 2).paragraphs[0]
        paragraph.text = ""
        paragraph.add_run(_dot(RUNNING[KY[1]] - 40) + " ").font.hidden = True
        paragraph.add_run(_dot(RUNNING[KY[1]]))

    report = ingest.import_bytes(None, _word(build), "ky_anh.docx")
    assert report.status == "checked", report.message
    assert _running(report) == _truth()


def test_a_table_carried_on_under_tiep_theo_trang_truoc_is_one_table():
    # The second part, without its header, under "(tiếp theo trang trước)" after a page
    # break: it was a table of its own, skipped (`table_skipped`), and its communes lost.
    def build(doc):
        _table(doc, _rows(KY[:3]))
        doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        doc.add_paragraph("(tiếp theo trang trước)")
        _table(doc, _rows(KY[3:], start=4), header=False)

    report = ingest.import_bytes(None, _word(build), "ky_anh.docx")
    assert report.status == "checked", report.message
    assert _running(report) == _truth()
    assert "table_skipped" not in {p.code for p in report.problems}


def _unruled_pdf(heading: str = "") -> bytes:
    """A sheet printed without gridlines as Excel sets it by default: text left in its cell,
    figures right (the STT's "1" ends 3 pt before the name's cell starts 3 pt in), a header
    cell wrapping onto a second line ("Thu nhận trong" / "ngày")."""
    from pathlib import Path

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    fonts = Path(__file__).resolve().parents[1] / "cccd_analytics" / "data" / "fonts"
    if "Round22Sans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("Round22Sans", str(fonts / "LiberationSans-Regular.ttf")))
    raw = io.BytesIO()
    page = canvas.Canvas(raw, pagesize=A4)
    page.setFont("Round22Sans", 9)
    y = 800
    for line in (
        "CÔNG AN HUYỆN KỲ ANH",
        "BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD",
        "Số liệu tính đến 17h00 ngày 15/3/2021",
    ):
        page.drawString(50, y, line)
        y -= 14
    edges = [40, 70, 220, 295, 370, 445, 520]  # cells' left edges, the last one's right
    header = [
        ["STT"],
        ["Đơn vị"],
        ["Số CD đủ ĐK"],
        ["Thu nhận trong", "ngày"],
        ["Lũy kế thu nhận"],
        ["Trả thẻ"],
    ]
    y -= 10
    for c, lines in enumerate(header):
        for k, text in enumerate(lines):
            page.drawString(edges[c] + 3, y - 12 * k, text)
    y -= 28
    if heading:  # "I | Huyện Kỳ Anh" with the district's sums, text set left
        page.drawString(edges[0] + 3, y, "I")
        page.drawString(edges[1] + 3, y, "Huyện Kỳ Anh")
        sums = [sum(4000 + 1300 * i for i in range(1, 7)), 7 * 21, sum(RUNNING.values()), 100 * 6 + 111 * 21]
        for c, figure in enumerate(sums, start=3):
            if heading == "sums" or c == 5:  # every sum, or the running total alone
                page.drawRightString(edges[c] - 3, y, _dot(figure))
        y -= 14
    for i, name in enumerate(KY, 1):
        figures = [str(i), None, _dot(4000 + 1300 * i), str(7 * i), _dot(RUNNING[name]), str(100 + 111 * i)]
        for c, text in enumerate(figures):
            if text is not None:
                page.drawRightString(edges[c + 1] - 3, y, text)
        page.drawString(edges[1] + 3, y, name)
        y -= 14
    page.showPage()
    page.save()
    return raw.getvalue()


@pytest.mark.parametrize("heading", ["", "sums", "running total"])
def test_a_pdf_without_gridlines_with_headers_left_and_figures_right_is_read(heading):
    # The STT's figure and the name were one cell ("1 Xã Kỳ Xuân"), and "ngày" — under
    # the start of "Thu nhận trong", nearer the figures of the column before — went under
    # "Số CD đủ ĐK": the report was refused as having no commune and no collected column.
    # Under a district's heading row the names column was found after all, and every
    # commune stored as a unit «1 Xã Kỳ Xuân» outside the registry, with warnings only. A
    # heading of the running total alone (one figure, so no line of the body) was read into
    # the header ("Đơn vị Huyện Kỳ Anh", "Lũy kế thu nhận 8.235") and the file refused.
    report = ingest.import_bytes(None, _unruled_pdf(heading), "ky_anh.pdf")
    assert not report.unofficial_units
    assert report.status == "checked", report.message
    assert _running(report) == _truth()
    obs = report.observations
    returned = dict(
        zip(obs[obs["metric"] == "returned"]["unit_key"], obs[obs["metric"] == "returned"]["value"])
    )
    assert {k: int(v) for k, v in returned.items()} == {_key(n): 100 + 111 * i for i, n in enumerate(KY, 1)}
    day = dict(
        zip(obs[obs["metric"] == "collected_day"]["unit_key"], obs[obs["metric"] == "collected_day"]["value"])
    )
    assert {k: int(v) for k, v in day.items()} == {_key(n): 7 * i for i, n in enumerate(KY, 1)}


def test_a_pdf_page_turned_sideways_by_rotate_is_read_as_typed():
    # A portrait report turned a quarter in a viewer and saved (/Rotate 90 over upright
    # text): read as turned, its lines stood on end and the file was refused. Text that
    # reads level on the unturned page is read so.
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_unruled_pdf())))
    for page in writer.pages:
        page.rotate(90)
    out = io.BytesIO()
    writer.write(out)
    report = ingest.import_bytes(None, out.getvalue(), "ky_anh.pdf")
    assert report.status == "checked", report.message
    assert _running(report) == _truth()


def test_a_pdf_whose_font_has_no_unicode_map_is_refused_saying_so():
    # The fonts' ToUnicode maps gone (some print-to-PDF tools): the Vietnamese letters came
    # out as control characters and the refusal listed «T  », «n v S» … as the columns.
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_unruled_pdf())))
    for page in writer.pages:
        fonts = page["/Resources"]["/Font"]
        for name in fonts:
            font = fonts[name].get_object()
            if "/ToUnicode" in font:
                del font["/ToUnicode"]
    out = io.BytesIO()
    writer.write(out)
    report = ingest.import_bytes(None, out.getvalue(), "ky_anh.pdf")
    assert report.status == "refused"
    assert "ky_anh.pdf" in report.message and "trang 1" in report.message
    assert "không giải mã được" in report.message and "Word/Excel" in report.message


def test_a_running_total_with_the_days_gain_in_brackets_is_read():
    # "Lũy kế thu nhận (tăng trong ngày)" with cells "1.164 (+31)": refused as no number.
    def build(doc):
        rows = [[i, n, f"{_dot(RUNNING[n])} (+{10 + i})"] for i, n in enumerate(KY, 1)]
        rows[2][2] = f"{_dot(RUNNING[KY[2]])} (tăng 13)"
        table = _table(doc, rows)
        table.cell(0, 2).text = "Lũy kế thu nhận (tăng trong ngày)"

    report = ingest.import_bytes(None, _word(build), "ky_anh.docx")
    assert report.status == "checked", report.message
    assert _running(report) == _truth()
