"""Report shapes found by the twenty-second probe, Word and PDF reports as units send them:
an old figure kept as hidden text beside the new one, a table carried on after a page break
under "(tiếp theo trang trước)", and a PDF printed without gridlines whose headers stand
left in their cells over figures set right."""

from __future__ import annotations

import io
from datetime import date

import docx
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
