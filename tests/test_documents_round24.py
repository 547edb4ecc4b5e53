"""Word, web-page and PDF reports found by the twenty-fourth probe: a page Word or Excel
saved as a web page with its tracked changes, note and comment marks, hidden text, hidden
rows and columns; a Word report whose date line is in a text box; a PDF whose table runs
onto a scanned page."""

from __future__ import annotations

import io
from datetime import date

from cccd_analytics import ingest, registry

KY = ["Xã Kỳ Xuân", "Xã Kỳ Bắc", "Xã Kỳ Phú", "Xã Kỳ Phong", "Xã Kỳ Tiến", "Xã Kỳ Giang"]
HEAD = ["STT", "Đơn vị", "Thu nhận trong ngày", "Lũy kế thu nhận", "Số thẻ đã trả"]
METRICS = ("collected_day", "collected", "returned")
TITLE = [
    "CÔNG AN HUYỆN KỲ ANH",
    "BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD",
    "Số liệu tính đến 17h00 ngày 15/3/2021",
]
DAY = date(2021, 3, 15)


def _figures(i: int) -> dict:
    return {"collected_day": 7 * i + 3, "collected": 1025 + 139 * i, "returned": 410 + 53 * i}


def _dot(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _rows() -> list[list[str]]:
    return [[str(i + 1), n, *(_dot(_figures(i)[m]) for m in METRICS)] for i, n in enumerate(KY)]


def _key(commune: str) -> str:
    return registry.resolve("Tỉnh Hà Tĩnh", "Huyện Kỳ Anh", commune).key


def _stored(report, metric: str) -> dict:
    obs = report.observations
    obs = obs[obs["metric"] == metric]
    return {k: int(v) for k, v in zip(obs["unit_key"], obs["value"])}


def _read_right(report) -> None:
    assert report.status == "checked", report.message
    assert {str(d) for d in report.observations["date"]} == {str(DAY)}
    for metric in METRICS:
        assert _stored(report, metric) == {_key(n): _figures(i)[metric] for i, n in enumerate(KY)}, metric


# --- Web pages saved by Word or Excel ---------------------------------------------------


def _page(cell=None, head=HEAD, rows=None, row_style=None, after="") -> bytes:
    """A report as Word's "Save as Web Page" writes it; `cell(r, c, text)` gives a cell's
    inner HTML (None: its text), `row_style(r)` a row's style."""
    out = ["<html><head><meta http-equiv=Content-Type content='text/html; charset=utf-8'></head><body>"]
    out += [f"<p class=MsoNormal>{line}</p>" for line in TITLE]
    out.append("<table class=MsoTableGrid border=1 cellspacing=0 cellpadding=0>")
    for r, row in enumerate([head, *(rows or _rows())]):
        style = (row_style(r) if row_style else None) or ""
        out.append(f"<tr style='{style}'>" if style else "<tr>")
        for c, text in enumerate(row):
            inner = cell(r, c, text) if cell else None
            out.append(f"<td valign=top><p class=MsoNormal>{text if inner is None else inner}</p></td>")
        out.append("</tr>")
    out.append(f"</table>{after}<p class=MsoNormal>TRƯỞNG CÔNG AN HUYỆN</p></body></html>")
    return "\n".join(out).encode("utf-8")


def test_a_note_mark_in_superscript_after_a_figure_on_a_web_page_is_not_part_of_it():
    # "10<sup>1</sup>" (a note mark after that day's 10): read as 101 and stored in silence.
    def cell(r, c, text):
        return f"{text}<sup>1</sup>" if (r, c) == (2, 2) else None

    _read_right(ingest.import_bytes(None, _page(cell, after="<p>1 Gồm hồ sơ lưu động.</p>"), "ky_anh.htm"))


def test_a_column_a_web_page_hides_is_not_read_over_the_shown_one_headed_alike():
    # Excel's "Save as Web Page" of a sheet keeping yesterday's "Lũy kế thu nhận" hidden
    # before today's: the hidden cells are written with display:none, and yesterday's
    # figures were stored as today's.
    head = [*HEAD[:3], "Lũy kế thu nhận", *HEAD[3:]]
    rows = [[*row[:3], _dot(_figures(i)["collected"] - 50), *row[3:]] for i, row in enumerate(_rows())]
    page = _page(head=head, rows=rows).decode("utf-8")
    chunks = page.split("<tr>")
    for k in range(1, len(chunks)):
        cells = chunks[k].split("<td ")
        cells[4] = "style='display:none' " + cells[4]
        chunks[k] = "<td ".join(cells)
    report = ingest.import_bytes(None, "<tr>".join(chunks).encode("utf-8"), "ky_anh.htm")
    _read_right(report)
    assert "hidden_column" in {p.code for p in report.warnings}


def test_a_row_a_web_page_hides_beside_the_shown_one_is_left_out():
    # Yesterday's row of Xã Kỳ Phong kept hidden above today's (display:none): refused as two
    # values of one commune a day, as an xlsx's was before its hidden rows were known.
    rows = _rows()
    old = list(rows[3])
    old[3] = "1.200"
    rows.insert(3, old)
    report = ingest.import_bytes(
        None, _page(rows=rows, row_style=lambda r: "display:none" if r == 4 else None), "ky_anh.htm"
    )
    _read_right(report)
    assert "hidden_row" in {p.code for p in report.warnings}


def test_word_tracked_changes_saved_as_a_web_page_are_read_accepted():
    # Word writes a tracked correction as <del>old</del><ins>new</ins>: read together, the
    # cell was "1.2501.025" and the file refused. Read as with its changes accepted, as a
    # .docx is.
    def cell(r, c, text):
        if (r, c) == (1, 3):
            return f"<del cite='mailto:A' datetime='2021-03-15T17:00'>1.250</del><ins cite='mailto:A'>{text}</ins>"
        if (r, c) == (2, 3):
            return "1.1<del>5</del><ins>6</ins>4"
        return None

    _read_right(ingest.import_bytes(None, _page(cell), "ky_anh.htm"))


def test_word_note_references_and_comment_anchors_on_a_web_page_are_not_part_of_a_figure():
    # "1.164[2]" (a footnote's reference) and "1.303[A3]" (a comment's anchor), as Word saves
    # them: refused as no number before.
    def cell(r, c, text):
        if (r, c) == (2, 3):
            return (
                f'{text}<a style=\'mso-footnote-id:ftn1\' href="#_ftn1" name="_ftnref1" title="">'
                "<span class=MsoFootnoteReference><span style='mso-special-character:footnote'>"
                "<![if !supportFootnotes]><span class=MsoFootnoteReference>[2]</span><![endif]>"
                "</span></span></a>"
            )
        if (r, c) == (3, 3):
            return (
                f'{text}<span class=MsoCommentReference><a class=msocomanchor id="_anchor_3" '
                'href="#_msocom_3" name="_msoanchor_3">[A3]</a>'
                "<span style='mso-special-character:comment'>&nbsp;</span></span>"
            )
        return None

    notes = (
        "<div style='mso-element:comment-list'><div style='mso-element:comment'><p class=MsoCommentText>"
        "<a class=msocomoff href='#_msoanchor_3'>[A3]</a>Số cũ 1.250, ngày 16/3/2021</p></div></div>"
        "<div style='mso-element:footnote-list'><p class=MsoFootnoteText><a href='#_ftnref1' name='_ftn1'>[2]</a>"
        " Gồm 12 hồ sơ lưu động.</p></div>"
    )
    _read_right(ingest.import_bytes(None, _page(cell, after=notes), "ky_anh.htm"))


def test_word_hidden_text_on_a_web_page_is_not_read():
    # An old figure kept as hidden text beside the new one: Word saves it as display:none.
    def cell(r, c, text):
        return f"<span style='display:none;mso-hide:all'>1.200 </span>{text}" if (r, c) == (4, 3) else None

    _read_right(ingest.import_bytes(None, _page(cell), "ky_anh.htm"))


# --- Word -------------------------------------------------------------------------------


def _text_box(lines: list[str], drawing: bool):
    """A paragraph anchoring a text box with `lines`: as Word 2010+ writes it (a drawing
    with a VML fallback) or as older Word does (VML alone)."""
    from lxml import etree

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    paragraphs = "".join(f'<w:p><w:r><w:t xml:space="preserve">{line}</w:t></w:r></w:p>' for line in lines)
    vml = (
        '<w:pict xmlns:v="urn:schemas-microsoft-com:vml"><v:shape id="box" type="#_x0000_t202" '
        f'style="width:300pt;height:60pt"><v:textbox><w:txbxContent>{paragraphs}</w:txbxContent>'
        "</v:textbox></v:shape></w:pict>"
    )
    shape = vml
    if drawing:
        shape = (
            '<mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
            '<mc:Choice xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
            'Requires="wps"><w:drawing><wp:anchor xmlns:wp="http://schemas.openxmlformats.org/drawingml/'
            '2006/wordprocessingDrawing" simplePos="0" relativeHeight="1" behindDoc="0" locked="0" '
            'layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/><wp:extent cx="3800000" '
            'cy="700000"/><wp:wrapNone/><wp:docPr id="5" name="Text Box 5"/><a:graphic '
            'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><a:graphicData '
            'uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:wsp>'
            f'<wps:cNvSpPr txBox="1"/><wps:spPr/><wps:txbx><w:txbxContent>{paragraphs}</w:txbxContent>'
            "</wps:txbx><wps:bodyPr/></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing>"
            f"</mc:Choice><mc:Fallback>{vml}</mc:Fallback></mc:AlternateContent>"
        )
    return etree.fromstring(f'<w:p xmlns:w="{w}"><w:r>{shape}</w:r></w:p>')


def _word_with_date_in_a_text_box(drawing: bool) -> bytes:
    import docx

    doc = docx.Document()
    doc.add_paragraph(TITLE[0])
    doc.element.body.append(_text_box(TITLE[1:], drawing))
    table = doc.add_table(rows=len(KY) + 1, cols=len(HEAD))
    for r, row in enumerate([HEAD, *_rows()]):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    doc.add_paragraph("Kỳ Anh, ngày 16 tháng 3 năm 2021")
    doc.add_paragraph("TRƯỞNG CÔNG AN HUYỆN")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def test_a_date_line_in_a_word_text_box_dates_the_report():
    # The title and "Số liệu tính đến 17h00 ngày 15/3/2021" typed in a text box beside the
    # letterhead: the box was not read, and the signing date under the table (16/3) dated
    # every figure a day late, in silence.
    for drawing in (True, False):
        report = ingest.import_bytes(None, _word_with_date_in_a_text_box(drawing), "ky_anh.docx")
        _read_right(report)


# --- PDF --------------------------------------------------------------------------------


def _pdf_with_a_scanned_page(rows_typed: int, total: bool) -> bytes:
    """A ruled table of `rows_typed` communes on page 1 (a total row under it if `total`,
    then the signature), and page 2 a scan (an image, no text)."""
    from pathlib import Path

    from PIL import Image, ImageDraw
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    fonts = Path(__file__).resolve().parents[1] / "cccd_analytics" / "data" / "fonts"
    if "Round24Sans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("Round24Sans", str(fonts / "LiberationSans-Regular.ttf")))
    raw = io.BytesIO()
    page = canvas.Canvas(raw, pagesize=A4)
    page.setFont("Round24Sans", 10)
    y = 800
    for line in TITLE:
        page.drawString(50, y, line)
        y -= 14
    body = [HEAD, *_rows()[:rows_typed]]
    if total:
        body.append(
            ["", "Tổng cộng", *(_dot(sum(_figures(i)[m] for i in range(rows_typed))) for m in METRICS)]
        )
    edges = [40, 70, 190, 280, 370, 460]
    tops = [y - 10 - 18 * r for r in range(len(body) + 1)]
    page.setFont("Round24Sans", 8)
    for r, row in enumerate(body):
        for c, text in enumerate(row):
            if c >= 2 and r:
                page.drawRightString(edges[c + 1] - 3, tops[r] - 12, text)
            else:
                page.drawString(edges[c] + 3, tops[r] - 12, text)
    for top in tops:
        page.line(edges[0], top, edges[-1], top)
    for at in edges:
        page.line(at, tops[0], at, tops[-1])
    if total:
        page.setFont("Round24Sans", 10)
        page.drawString(350, tops[-1] - 30, "TRƯỞNG CÔNG AN HUYỆN")
    page.setFont("Round24Sans", 8)
    page.drawString(280, 30, "Trang 1/2")
    page.showPage()
    scan = Image.new("L", (620, 877), 255)
    pen = ImageDraw.Draw(scan)
    for r in range(8):
        pen.rectangle((40, 60 + 30 * r, 580, 61 + 30 * r), fill=0)
    picture = io.BytesIO()
    scan.save(picture, "PNG")
    picture.seek(0)
    page.drawImage(ImageReader(picture), 0, 0, *A4)
    page.showPage()
    page.save()
    return raw.getvalue()


def test_a_table_running_onto_a_scanned_page_is_refused_at_that_page():
    # Page 1 typed (4 communes, no total row), page 2 a scan of the rest: the 4 were stored
    # and the scanned ones missing, said only as communes not reported.
    report = ingest.import_bytes(None, _pdf_with_a_scanned_page(4, total=False), "ky_anh.pdf")
    assert report.status == "refused"
    assert "trang 2" in report.message and "ảnh quét" in report.message


def test_a_scanned_page_after_a_finished_report_does_not_stop_it():
    # The table ends on page 1 with its total row and the signature; a scanned page after
    # it (a signed copy) holds no part of the table.
    report = ingest.import_bytes(None, _pdf_with_a_scanned_page(len(KY), total=True), "ky_anh.pdf")
    _read_right(report)


def test_a_pdf_figure_centred_on_a_rule_painted_over_in_white_is_refused_as_merged():
    # A merged cell imitated by a white box painted over the rule between Kỳ Phú's and Kỳ
    # Phong's running totals, the one figure centred on it: read as Kỳ Phong's, Kỳ Phú's
    # left blank, in silence. The rule is gone where the box covers it, and the cell over
    # two communes is refused as a merged figure.
    from pathlib import Path

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    fonts = Path(__file__).resolve().parents[1] / "cccd_analytics" / "data" / "fonts"
    if "Round24Sans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("Round24Sans", str(fonts / "LiberationSans-Regular.ttf")))
    raw = io.BytesIO()
    page = canvas.Canvas(raw, pagesize=A4)
    page.setFont("Round24Sans", 10)
    y = 800
    for line in TITLE:
        page.drawString(50, y, line)
        y -= 14
    body = [HEAD, *_rows()]
    edges = [40, 70, 190, 280, 370, 460]
    tops = [y - 10 - 18 * r for r in range(len(body) + 1)]
    page.setFont("Round24Sans", 8)
    for r, row in enumerate(body):
        for c, text in enumerate(row):
            if (r, c) in ((3, 3), (4, 3)):
                continue
            if c >= 2 and r:
                page.drawRightString(edges[c + 1] - 3, tops[r] - 12, text)
            else:
                page.drawString(edges[c] + 3, tops[r] - 12, text)
    for top in tops:
        page.line(edges[0], top, edges[-1], top)
    for at in edges:
        page.line(at, tops[0], at, tops[-1])
    page.setFillColorRGB(1, 1, 1)
    page.rect(edges[3] + 0.6, tops[4] - 1.5, edges[4] - edges[3] - 1.2, 3, stroke=0, fill=1)
    page.setFillColorRGB(0, 0, 0)
    page.drawRightString(edges[4] - 3, tops[4] - 3, _dot(_figures(2)["collected"]))
    page.showPage()
    page.save()
    report = ingest.import_bytes(None, raw.getvalue(), "ky_anh.pdf")
    assert report.status == "refused"
    assert "gộp chung cho 2 dòng" in report.message and "cột D" in report.message


def test_a_borderless_pdf_with_ten_rows_or_more_keeps_each_header_over_its_figures():
    # A sheet printed without gridlines: text set left, figures set right, the row numbers
    # typed as text and set left. From row 10 the numbers' column showed figures set left,
    # and the running totals (all as wide: "1.025" … "2.554") were taken as set left too:
    # "Lũy kế thu nhận" went to the column before, and the file was refused as one column
    # holding the day's figure and the running total.
    from pathlib import Path

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    communes = [*KY, "Xã Kỳ Đồng", "Xã Kỳ Khang", "Xã Kỳ Văn", "Xã Kỳ Trung", "Xã Kỳ Thọ", "Xã Kỳ Tây"]
    fonts = Path(__file__).resolve().parents[1] / "cccd_analytics" / "data" / "fonts"
    if "Round24Sans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("Round24Sans", str(fonts / "LiberationSans-Regular.ttf")))
    raw = io.BytesIO()
    page = canvas.Canvas(raw, pagesize=A4)
    page.setFont("Round24Sans", 10)
    y = 800
    for line in TITLE:
        page.drawString(50, y, line)
        y -= 14
    edges = [40, 65, 160, 250, 340, 430]
    page.setFont("Round24Sans", 8)
    body = [
        HEAD,
        *([str(i + 1), n, *(_dot(_figures(i)[m]) for m in METRICS)] for i, n in enumerate(communes)),
    ]
    for r, row in enumerate(body):
        for c, text in enumerate(row):
            if c >= 2 and r:
                page.drawRightString(edges[c + 1] - 3, y - 22 - 18 * r, text)
            else:
                page.drawString(edges[c] + 3, y - 22 - 18 * r, text)
    page.showPage()
    page.save()
    report = ingest.import_bytes(None, raw.getvalue(), "ky_anh.pdf")
    assert report.status == "checked", report.message
    for metric in METRICS:
        assert _stored(report, metric) == {_key(n): _figures(i)[metric] for i, n in enumerate(communes)}, (
            metric
        )


def _excel_single_file_web_page(sheets: int) -> bytes:
    """An Excel workbook saved as a Single File Web Page: the frame page first, then each
    sheet's page, then the strip of the sheets' tabs."""
    import quopri

    frame = (
        b"<html><head><meta name=Excel-Workbook-Frameset><meta http-equiv=Content-Type "
        b"content='text/html; charset=utf-8'></head><frameset rows='*,39'><frame "
        b"src='bc_files/sheet001.htm' name='frSheet'><frame src='bc_files/tabstrip.htm'></frameset></html>"
    )
    parts = [("file:///C:/bc.htm", frame)]
    parts += [(f"file:///C:/bc_files/sheet{k + 1:03}.htm", _page()) for k in range(sheets)]
    parts.append(
        (
            "file:///C:/bc_files/tabstrip.htm",
            b"<html><body><table><tr><td>15-3</td></tr></table></body></html>",
        )
    )
    out = [
        'MIME-Version: 1.0\r\nX-Document-Type: Workbook\r\nContent-Type: multipart/related; boundary="----=_P"\r\n\r\n'
    ]
    for where, body in parts:
        out.append(
            f"\r\n------=_P\r\nContent-Location: {where}\r\nContent-Transfer-Encoding: quoted-printable\r\n"
            'Content-Type: text/html; charset="utf-8"\r\n\r\n'
        )
        out.append(quopri.encodestring(body).decode("ascii"))
    out.append("\r\n------=_P--\r\n")
    return "".join(out).encode("ascii")


def test_an_excel_workbook_saved_as_a_single_file_web_page_is_read_from_its_sheet():
    # The first page of the archive is only the frame around the sheets: read as the page,
    # it had no table and the file was refused as having none.
    _read_right(ingest.import_bytes(None, _excel_single_file_web_page(1), "ky_anh.mht"))
    # Two sheets were refused, asking for an .xlsx; since round 25 each sheet is read as an
    # .xlsx's are (here the same table twice: its rows said as repeated, counted once).
    report = ingest.import_bytes(None, _excel_single_file_web_page(2), "ky_anh.mht")
    _read_right(report)
    assert any(p.code == "duplicate_row" and p.sheet == "Sheet2" for p in report.problems)
