"""Word and PDF reports found by the twenty-third probe: content controls and custom XML
around a table's rows or cells, a data table nested in a layout table, text moved or
hidden as Word shows the document, note marks in superscript after a figure, a figure
merged down over two communes, a document saved as Strict Open XML, and a PDF that opens
only with a password."""

from __future__ import annotations

import copy
import io
import zipfile
from datetime import date

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from cccd_analytics import ingest, registry

KY = ["Xã Kỳ Xuân", "Xã Kỳ Bắc", "Xã Kỳ Phú", "Xã Kỳ Phong", "Xã Kỳ Tiến", "Xã Kỳ Giang"]
HEAD = ["STT", "Đơn vị", "Thu nhận trong ngày", "Lũy kế thu nhận", "Số thẻ đã trả"]
DAY = date(2021, 3, 15)


def _figures(i: int) -> dict:
    return {"collected_day": 7 * i + 3, "collected": 1025 + 139 * i, "returned": 410 + 53 * i}


def _dot(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _key(commune: str) -> str:
    return registry.resolve("Tỉnh Hà Tĩnh", "Huyện Kỳ Anh", commune).key


def _stored(report, metric: str) -> dict:
    obs = report.observations
    obs = obs[obs["metric"] == metric]
    return {k: int(v) for k, v in zip(obs["unit_key"], obs["value"])}


def _truth(metric: str) -> dict:
    return {_key(n): _figures(i)[metric] for i, n in enumerate(KY)}


def _read_right(report) -> None:
    assert report.status == "checked", report.message
    for metric in ("collected_day", "collected", "returned"):
        assert _stored(report, metric) == _truth(metric), metric


def _word(build, head=HEAD, rows=None) -> bytes:
    doc = docx.Document()
    for line in (
        "CÔNG AN HUYỆN KỲ ANH",
        "BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD",
        "Số liệu tính đến 17h00 ngày 15/3/2021",
    ):
        doc.add_paragraph(line)
    if rows is None:
        rows = [
            [str(i + 1), n, *(_dot(_figures(i)[m]) for m in ("collected_day", "collected", "returned"))]
            for i, n in enumerate(KY)
        ]
    table = doc.add_table(rows=len(rows) + 1, cols=len(head))
    table.style = "Table Grid"
    for r, row in enumerate([head, *rows]):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    build(doc, table)
    doc.add_paragraph("TRƯỞNG CÔNG AN HUYỆN")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _content_control() -> tuple:
    sdt = OxmlElement("w:sdt")
    sdt.append(OxmlElement("w:sdtPr"))
    content = OxmlElement("w:sdtContent")
    sdt.append(content)
    return sdt, content


def test_cells_in_content_controls_stay_in_their_column():
    # A form whose running totals are content controls around their cells (w:tr > w:sdt >
    # w:tc): the cells were skipped, the cards handed over moved one column left and were
    # stored as every commune's applications collected, with no word said.
    head = ["STT", "Đơn vị", "Lũy kế thu nhận", "Số thẻ đã trả"]
    rows = [
        [str(i + 1), n, _dot(_figures(i)["collected"]), _dot(_figures(i)["returned"])]
        for i, n in enumerate(KY)
    ]

    def build(doc, table):
        for tr in table._tbl.findall(qn("w:tr"))[1:]:
            cell = tr.findall(qn("w:tc"))[2]
            sdt, content = _content_control()
            cell.addprevious(sdt)
            content.append(cell)

    report = ingest.import_bytes(None, _word(build, head, rows), "ky_anh.docx")
    assert report.status == "checked", report.message
    assert _stored(report, "collected") == _truth("collected")
    assert _stored(report, "returned") == _truth("returned")


def test_rows_in_a_repeating_section_content_control_are_read():
    # A repeating section (a content control around the table's rows): the rows were
    # skipped and the file refused as having no table.
    def build(doc, table):
        rows = table._tbl.findall(qn("w:tr"))
        sdt, content = _content_control()
        rows[1].addprevious(sdt)
        for tr in rows[1:]:
            content.append(tr)

    _read_right(ingest.import_bytes(None, _word(build), "ky_anh.docx"))


def test_a_table_tagged_with_custom_xml_is_read():
    def build(doc, table):
        tag = OxmlElement("w:customXml")
        tag.set(qn("w:element"), "baocao")
        table._tbl.addprevious(tag)
        tag.append(table._tbl)

    _read_right(ingest.import_bytes(None, _word(build), "ky_anh.docx"))


def test_a_data_table_nested_in_a_layout_table_is_read():
    # A 3 × 3 layout table: the letterhead in its first row, the data table in its merged
    # middle row, the signature in the last. Read as one cell, the data table's figures ran
    # together and the file was refused as having no table.
    def build(doc, table):
        frame = doc.add_table(rows=3, cols=3)
        frame.cell(0, 0).text = "CÔNG AN HUYỆN KỲ ANH"
        frame.cell(0, 2).text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
        middle = frame.cell(1, 0).merge(frame.cell(1, 2))
        middle._tc.append(copy.deepcopy(table._tbl))
        middle._tc.append(OxmlElement("w:p"))  # a cell ends with a paragraph
        frame.cell(2, 2).text = "TRƯỞNG CÔNG AN HUYỆN"
        table._tbl.getparent().remove(table._tbl)

    _read_right(ingest.import_bytes(None, _word(build), "ky_anh.docx"))


def _tracked(tag: str, text: str, change: int):
    mark = OxmlElement(f"w:{tag}")
    mark.set(qn("w:id"), str(change))
    mark.set(qn("w:author"), "Nguyễn Văn A")
    mark.set(qn("w:date"), "2021-03-15T17:00:00Z")
    run = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = text
    run.append(t)
    mark.append(run)
    return mark


def test_text_moved_away_with_track_changes_is_not_read():
    # A figure moved with track changes on: the text where it was (w:moveFrom, kept as
    # w:t, unlike deleted text) ran into the new one, "1.0001.303", refused as no number.
    # The document is read as it reads with its changes accepted.
    def build(doc, table):
        paragraph = table.cell(3, 3).paragraphs[0]._p
        for run in paragraph.findall(qn("w:r")):
            paragraph.remove(run)
        paragraph.append(_tracked("moveFrom", "1.000", 1))
        paragraph.append(_tracked("moveTo", _dot(_figures(2)["collected"]), 2))

    _read_right(ingest.import_bytes(None, _word(build), "ky_anh.docx"))


def test_an_old_figure_in_a_hidden_character_style_is_not_read():
    # "1.200" in a character style formatted as hidden text, beside the new figure: Word
    # shows one figure; both were read and the cell refused as two numbers.
    def build(doc, table):
        doc.styles.add_style("Số cũ", WD_STYLE_TYPE.CHARACTER).font.hidden = True
        paragraph = table.cell(4, 3).paragraphs[0]
        paragraph.text = ""
        paragraph.add_run("1.200 ", style="Số cũ")
        paragraph.add_run(_dot(_figures(3)["collected"]))

    _read_right(ingest.import_bytes(None, _word(build), "ky_anh.docx"))


def test_a_note_mark_in_superscript_after_a_figure_is_not_part_of_it():
    # "10¹" (a note mark typed in superscript after that day's 10): read as 101 and stored
    # in silence.
    def build(doc, table):
        table.cell(2, 2).paragraphs[0].add_run("1").font.superscript = True
        doc.add_paragraph("1 Gồm hồ sơ thu nhận lưu động.")

    _read_right(ingest.import_bytes(None, _word(build), "ky_anh.docx"))


def test_a_note_mark_in_brackets_after_a_running_total_is_not_part_of_it():
    # "1.164⁽²⁾": refused as no number ("1.164(2)").
    def build(doc, table):
        table.cell(2, 3).paragraphs[0].add_run("(2)").font.superscript = True
        doc.add_paragraph("(2) Số liệu tạm tính.")

    _read_right(ingest.import_bytes(None, _word(build), "ky_anh.docx"))


def test_a_figure_merged_down_over_two_communes_in_word_is_refused_at_the_table_rows():
    # One count of cards for Kỳ Phú and Kỳ Phong together (the cell merged down over both
    # rows): stored as Kỳ Phú's alone, Kỳ Phong's left blank, in silence. Refused as in a
    # spreadsheet, naming the table's rows.
    def build(doc, table):
        merged = table.cell(3, 4).merge(table.cell(4, 4))
        merged.text = "999"

    report = ingest.import_bytes(None, _word(build), "ky_anh.docx")
    assert report.status == "refused"
    assert "merged_figure" in {p.code for p in report.problems}
    assert "bảng 1, dòng 4 của bảng, cột E" in report.message
    assert "từ dòng 4 đến dòng 5 của bảng" in report.message
    assert "«Xã Kỳ Phú», «Xã Kỳ Phong»" in report.message


def test_a_document_saved_as_strict_open_xml_is_refused_saying_how_to_save_it():
    data = _word(lambda doc, table: None)
    strict = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(strict, "w") as target:
        for item in source.infolist():
            part = source.read(item)
            if item.filename.endswith((".xml", ".rels")):
                text = part.decode()
                for old, new in (
                    (
                        "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
                        "http://purl.oclc.org/ooxml/wordprocessingml/main",
                    ),
                    (
                        "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
                        "http://purl.oclc.org/ooxml/officeDocument/relationships",
                    ),
                ):
                    text = text.replace(old, new)
                part = text.encode()
            target.writestr(item, part)
    report = ingest.import_bytes(None, strict.getvalue(), "ky_anh.docx")
    assert report.status == "refused"
    assert "Strict Open XML" in report.message and "Word Document (*.docx)" in report.message
    assert "relationship" not in report.message


def test_a_pdf_that_opens_only_with_a_password_is_refused_saying_so():
    # Refused as "damaged or cannot be opened (PdfminerException)".
    from pypdf import PdfWriter
    from reportlab.pdfgen import canvas

    raw = io.BytesIO()
    page = canvas.Canvas(raw)
    page.drawString(50, 800, "BAO CAO")
    page.showPage()
    page.save()
    writer = PdfWriter(clone_from=io.BytesIO(raw.getvalue()))
    writer.encrypt(user_password="1234", owner_password="chu", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    report = ingest.import_bytes(None, out.getvalue(), "ky_anh.pdf")
    assert report.status == "refused"
    assert "ky_anh.pdf" in report.message and "mật khẩu" in report.message
    assert "Pdfminer" not in report.message and "hỏng" not in report.message


def _upright_header_pdf() -> bytes:
    """A ruled table printed from Excel with its figures' headers written upright in narrow
    columns (Format Cells → Orientation 90°), one wrapped on two upright lines, one turned
    the other way (-90°)."""
    from pathlib import Path

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    fonts = Path(__file__).resolve().parents[1] / "cccd_analytics" / "data" / "fonts"
    if "Round23Sans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("Round23Sans", str(fonts / "LiberationSans-Regular.ttf")))
    raw = io.BytesIO()
    page = canvas.Canvas(raw, pagesize=A4)
    page.setFont("Round23Sans", 10)
    y = 800
    for line in (
        "CÔNG AN HUYỆN KỲ ANH",
        "BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD",
        "Số liệu tính đến 17h00 ngày 15/3/2021",
    ):
        page.drawString(50, y, line)
        y -= 14
    edges = [40, 70, 190, 230, 270, 310]
    top, bottom = y - 10, y - 100  # the header row, tall for the upright text
    page.setFont("Round23Sans", 8)
    page.drawString(43, top - 12, "STT")
    page.drawString(73, top - 12, "Đơn vị")
    for left, lines, turned_left in (
        (190, ["Thu nhận trong ngày"], True),
        (230, ["Lũy kế thu", "nhận"], True),
        (270, ["Số thẻ đã trả"], False),
    ):
        for k, text in enumerate(lines):
            page.saveState()
            if turned_left:  # reads up the page, its lines left to right
                page.translate(left + 14 + 10 * k, bottom + 4)
                page.rotate(90)
            else:  # reads down the page
                page.translate(left + 26, top - 4)
                page.rotate(-90)
            page.drawString(0, 0, text)
            page.restoreState()
    row_tops = [top, bottom]
    page.setFont("Round23Sans", 9)
    for i, name in enumerate(KY):
        base = bottom - 16 * i
        page.drawString(43, base - 11, str(i + 1))
        page.drawString(73, base - 11, name)
        for c, metric in enumerate(("collected_day", "collected", "returned")):
            page.drawRightString(edges[c + 3] - 3, base - 11, _dot(_figures(i)[metric]))
        row_tops.append(base - 16)
    for at in row_tops:
        page.line(edges[0], at, edges[-1], at)
    for at in edges:
        page.line(at, top, at, row_tops[-1])
    page.showPage()
    page.save()
    return raw.getvalue()


def test_a_pdf_header_written_upright_in_narrow_columns_is_read():
    # Each upright character was read as a line of its own, the header reversed («n ậ h nu h
    # tế ky ũ L»), and the file refused as having no column it knew.
    _read_right(ingest.import_bytes(None, _upright_header_pdf(), "ky_anh.pdf"))


def _ruled_pdf(cells: dict | None = None, open_below: tuple | None = None) -> tuple[bytes, dict]:
    """A ruled table (the letterhead, the date line, "STT | Đơn vị | Thu nhận trong ngày |
    Lũy kế thu nhận | Số thẻ đã trả"), some cells' text given by (row, column) in `cells`,
    the rule under the cell at `open_below` (row, column) left out (the cell merged with
    the one below); with each cell's box (left, bottom, right, top) by (row, column)."""
    from pathlib import Path

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    fonts = Path(__file__).resolve().parents[1] / "cccd_analytics" / "data" / "fonts"
    if "Round23Sans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("Round23Sans", str(fonts / "LiberationSans-Regular.ttf")))
    raw = io.BytesIO()
    page = canvas.Canvas(raw, pagesize=A4)
    page.setFont("Round23Sans", 10)
    y = 800
    for line in (
        "CÔNG AN HUYỆN KỲ ANH",
        "BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD",
        "Số liệu tính đến 17h00 ngày 15/3/2021",
    ):
        page.drawString(50, y, line)
        y -= 14
    edges = [40, 70, 190, 280, 370, 460]
    tops = [y - 10 - 18 * r for r in range(len(KY) + 2)]
    page.setFont("Round23Sans", 8)
    boxes = {}
    for r, top in enumerate(tops[:-1]):
        for c in range(5):
            boxes[r, c] = (edges[c], tops[r + 1], edges[c + 1], top)
            if r == 0:
                text = HEAD[c]
            else:
                text = [str(r), KY[r - 1]][c] if c < 2 else None
                if text is None:
                    text = _dot(_figures(r - 1)[("collected_day", "collected", "returned")[c - 2]])
            text = (cells or {}).get((r, c), text)
            if c >= 2 and r:
                page.drawRightString(edges[c + 1] - 3, top - 12, text)
            else:
                page.drawString(edges[c] + 3, top - 12, text)
    for r, top in enumerate(tops):
        for c in range(5):
            if open_below != (r - 1, c):
                page.line(edges[c], top, edges[c + 1], top)
    for at in edges:
        page.line(at, tops[0], at, tops[-1])
    page.showPage()
    page.save()
    return raw.getvalue(), boxes


def test_a_figure_corrected_with_a_typewriter_annotation_is_not_read_as_printed_before():
    # "1.442" typed with a PDF editor's typewriter (a FreeText annotation on a white box)
    # over the printed "1.200": the text layer holds only the old figure, which was stored
    # in silence. What the annotations print is read now; the cell holds both figures and
    # is refused there.
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DictionaryObject,
        FloatObject,
        NameObject,
        NumberObject,
        StreamObject,
    )

    data, boxes = _ruled_pdf({(4, 3): "1.200"})
    left, bottom, right, top = boxes[4, 3]
    width, height = right - left, top - bottom
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    look = StreamObject()
    look.set_data(
        f"1 1 1 rg 0 0 {width} {height} re f BT /Helv 8 Tf 0 g {width - 27} 6 Td (1.442) Tj ET".encode()
    )
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    look.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject(
                [FloatObject(0), FloatObject(0), FloatObject(width), FloatObject(height)]
            ),
            NameObject("/Resources"): DictionaryObject(
                {NameObject("/Font"): DictionaryObject({NameObject("/Helv"): font})}
            ),
        }
    )
    note = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/FreeText"),
            NameObject("/Rect"): ArrayObject([FloatObject(v) for v in (left, bottom, right, top)]),
            NameObject("/F"): NumberObject(4),
            NameObject("/AP"): DictionaryObject({NameObject("/N"): writer._add_object(look)}),
        }
    )
    writer.add_annotation(page_number=0, annotation=note)
    out = io.BytesIO()
    writer.write(out)
    report = ingest.import_bytes(None, out.getvalue(), "ky_anh.pdf")
    assert report.status == "refused"
    assert "trang 1, dòng 5 của bảng, cột D" in report.message
    assert "«1.200 1.442»" in report.message


def test_a_figure_typed_over_a_white_box_on_the_old_one_is_refused_showing_both():
    # The correction drawn into the page itself (a white box over "1.200", "1.442" typed on
    # it): the two figures' characters were sorted into one garble, «1.14.42200».
    from pypdf import PdfReader, PdfWriter

    data, boxes = _ruled_pdf({(4, 3): "1.200"})
    left, bottom, right, top = boxes[4, 3]
    cover = io.BytesIO()
    from reportlab.pdfgen import canvas

    page = canvas.Canvas(cover, pagesize=(595.27, 841.89))
    page.setFillColorRGB(1, 1, 1)
    page.rect(left + 1, bottom + 1, right - left - 2, top - bottom - 2, stroke=0, fill=1)
    page.setFillColorRGB(0, 0, 0)
    page.setFont("Round23Sans", 8)
    page.drawRightString(right - 3, top - 12, "1.442")
    page.showPage()
    page.save()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.pages[0].merge_page(PdfReader(io.BytesIO(cover.getvalue())).pages[0])
    out = io.BytesIO()
    writer.write(out)
    report = ingest.import_bytes(None, out.getvalue(), "ky_anh.pdf")
    assert report.status == "refused"
    assert "trang 1, dòng 5 của bảng, cột D" in report.message
    assert "«1.200 1.442»" in report.message


def test_a_pdf_figure_merged_down_over_two_communes_is_refused_at_the_table_rows():
    # "999" cards for Kỳ Phú and Kỳ Phong together, in a cell without the rule between
    # their rows: stored as Kỳ Phú's, Kỳ Phong's left blank, in silence.
    data, _ = _ruled_pdf({(3, 4): "", (4, 4): ""}, open_below=(3, 4))
    from pypdf import PdfReader, PdfWriter
    from reportlab.pdfgen import canvas

    figure = io.BytesIO()
    page = canvas.Canvas(figure, pagesize=(595.27, 841.89))
    page.setFont("Round23Sans", 8)
    _, boxes = _ruled_pdf()
    page.drawRightString(boxes[3, 4][2] - 3, boxes[3, 4][1] - 3, "999")  # centred on both rows
    page.showPage()
    page.save()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.pages[0].merge_page(PdfReader(io.BytesIO(figure.getvalue())).pages[0])
    out = io.BytesIO()
    writer.write(out)
    report = ingest.import_bytes(None, out.getvalue(), "ky_anh.pdf")
    assert report.status == "refused"
    assert "merged_figure" in {p.code for p in report.problems}
    assert "trang 1, dòng 4 của bảng, cột E" in report.message
    assert "từ dòng 4 đến dòng 5 của bảng" in report.message


def test_a_single_file_web_page_named_doc_is_read_as_the_page_it_holds():
    # Word's "Single File Web Page" (MHTML), the .doc some web systems' "Xuất Word" give:
    # read as delimited text, it was refused as having no header row.
    import quopri

    cells = "".join(
        "<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>"
        for row in [
            [str(i + 1), n, *(_dot(_figures(i)[m]) for m in ("collected_day", "collected", "returned"))]
            for i, n in enumerate(KY)
        ]
    )
    page = (
        "<html><body><p>CÔNG AN HUYỆN KỲ ANH</p><p>BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD</p>"
        "<p>Số liệu tính đến 17h00 ngày 15/3/2021</p><table border=1><tr>"
        + "".join(f"<td>{h}</td>" for h in HEAD)
        + "</tr>"
        + cells
        + "</table></body></html>"
    )
    archive = (
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/related; boundary="----=_NextPart_01D7"\r\n\r\n'
        "------=_NextPart_01D7\r\n"
        "Content-Location: file:///C:/bao_cao.htm\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n"
        'Content-Type: text/html; charset="utf-8"\r\n\r\n'
        + quopri.encodestring(page.encode("utf-8")).decode("ascii")
        + "\r\n------=_NextPart_01D7--\r\n"
    )
    _read_right(ingest.import_bytes(None, archive.encode("ascii"), "ky_anh.doc"))


def test_a_content_controls_placeholder_is_an_empty_cell():
    # A form's content control left unfilled shows its placeholder ("Nhấn vào đây để nhập
    # số."): the cell is empty, and was refused as holding no number.
    def build(doc, table):
        paragraph = table.cell(2, 2).paragraphs[0]._p
        for run in paragraph.findall(qn("w:r")):
            paragraph.remove(run)
        sdt, content = _content_control()
        sdt.find(qn("w:sdtPr")).append(OxmlElement("w:showingPlcHdr"))
        run = OxmlElement("w:r")
        text = OxmlElement("w:t")
        text.text = "Nhấn vào đây để nhập số."
        run.append(text)
        content.append(run)
        paragraph.append(sdt)

    report = ingest.import_bytes(None, _word(build), "ky_anh.docx")
    assert report.status == "checked", report.message
    day = _truth("collected_day")
    del day[_key(KY[1])]
    assert _stored(report, "collected_day") == day
    assert _stored(report, "collected") == _truth("collected")


def test_a_pdf_forms_filled_fields_are_read():
    # A fillable report form whose running totals are typed in its fields (widget
    # annotations, outside the text layer): the running total's column was read empty and
    # the file accepted without a single running total.
    from reportlab.pdfgen import canvas

    data, boxes = _ruled_pdf({(r, 3): "" for r in range(1, len(KY) + 1)})
    from pypdf import PdfReader, PdfWriter

    fields = io.BytesIO()
    page = canvas.Canvas(fields, pagesize=(595.27, 841.89))
    for r in range(1, len(KY) + 1):
        left, bottom, right, top = boxes[r, 3]
        page.acroForm.textfield(
            name=f"luy_ke_{r}",
            value=_dot(_figures(r - 1)["collected"]),
            x=left + 1,
            y=bottom + 1,
            width=right - left - 2,
            height=top - bottom - 2,
            borderWidth=0,
            fontSize=8,
            fillColor=None,
            borderColor=None,
        )
    page.showPage()
    page.save()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(fields.getvalue())))
    writer.pages[0].merge_page(PdfReader(io.BytesIO(data)).pages[0])
    out = io.BytesIO()
    writer.write(out)
    _read_right(ingest.import_bytes(None, out.getvalue(), "ky_anh.pdf"))


def test_a_table_pasted_as_an_excel_object_is_refused_saying_so():
    # The table pasted from Excel as an embedded worksheet object (shown as a picture): it
    # was refused as a document "with no table", though the unit sees one.
    from lxml import etree

    def build(doc, table):
        table._tbl.getparent().remove(table._tbl)
        run = doc.add_paragraph().add_run()._r
        run.append(
            etree.fromstring(
                '<w:object xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
                ' xmlns:o="urn:schemas-microsoft-com:office:office"'
                ' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                '<o:OLEObject Type="Embed" ProgID="Excel.Sheet.12" ObjectID="_1" r:id="rId99"/></w:object>'
            )
        )

    report = ingest.import_bytes(None, _word(build), "ky_anh.docx")
    assert report.status == "refused"
    assert "ky_anh.docx" in report.message and "bảng Excel dán vào dạng đối tượng nhúng" in report.message
    assert "tệp Excel" in report.message


def test_a_figure_spanning_two_communes_rows_in_a_web_page_is_refused():
    # A web system's "Xuất Excel" (an HTML table named .xls) with the cards merged over Kỳ
    # Phú and Kỳ Phong (rowspan="2"): stored as Kỳ Phú's, Kỳ Phong's left blank.
    rows = []
    for i, n in enumerate(KY):
        f = _figures(i)
        cells = [str(i + 1), n, _dot(f["collected_day"]), _dot(f["collected"])]
        if i == 2:
            cells.append('<td rowspan="2">999</td>')
        row = "".join(c if c.startswith("<td") else f"<td>{c}</td>" for c in cells)
        if i not in (2, 3):
            row += f"<td>{_dot(f['returned'])}</td>"
        rows.append(f"<tr>{row}</tr>")
    page = (
        "<html><body><p>CÔNG AN HUYỆN KỲ ANH</p><p>Số liệu tính đến 17h00 ngày 15/3/2021</p><table><tr>"
        + "".join(f"<td>{h}</td>" for h in HEAD)
        + "</tr>"
        + "".join(rows)
        + "</table></body></html>"
    )
    report = ingest.import_bytes(None, page.encode("utf-8"), "ky_anh.xls")
    assert report.status == "refused"
    assert "merged_figure" in {p.code for p in report.problems}
    assert "«Xã Kỳ Phú», «Xã Kỳ Phong»" in report.message


def test_a_data_table_with_a_short_list_nested_in_its_note_cell_is_read():
    """A table of communes whose "Ghi chú" cell holds a list of villages longer than the table:
    a data table, not a layout frame (read as a frame, the file was refused as having none)."""
    document = docx.Document()
    document.add_paragraph("CÔNG AN HUYỆN KỲ ANH")
    document.add_paragraph("BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD ĐẾN NGÀY 16/3/2021")
    rows = [
        ["STT", "Đơn vị", "Lũy kế thu nhận", "Ghi chú"],
        ["1", "Xã Kỳ Xuân", "1000", ""],
        ["2", "Xã Kỳ Bắc", "800", ""],
        ["3", "Xã Kỳ Phú", "1500", ""],
    ]
    table = document.add_table(rows=4, cols=4)
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            table.cell(i, j).text = value
    villages = table.cell(1, 3).add_table(rows=5, cols=2)
    for i, (a, b) in enumerate(
        [("Thôn", "Số hồ sơ"), ("Thôn 1", "20"), ("Thôn 2", "30"), ("Thôn 3", "15"), ("Thôn 4", "12")]
    ):
        villages.cell(i, 0).text, villages.cell(i, 1).text = a, b
    out = io.BytesIO()
    document.save(out)
    report = ingest.import_bytes(None, out.getvalue(), "ky_anh.docx")
    assert report.status == "checked", report.message
    got = report.observations[report.observations.metric == "collected"]
    assert sorted(got["value"]) == [800, 1000, 1500]
