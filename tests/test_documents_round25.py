"""Word, PDF, web-page reports and wide sheets found by the twenty-fifth probe: headers cut
by their cell's clip or spilling past its rule in a PDF, a scanned page after a finished
report, an Excel workbook of several sheets saved as one web page, and day numbers under
two months in one header."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from cccd_analytics import ingest, registry

KY = ["Xã Kỳ Xuân", "Xã Kỳ Bắc", "Xã Kỳ Phú", "Xã Kỳ Phong", "Xã Kỳ Tiến", "Xã Kỳ Giang"]
TITLE = [
    "CÔNG AN HUYỆN KỲ ANH",
    "BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD",
    "Số liệu tính đến 17h00 ngày 15/3/2021",
]
DAY = date(2021, 3, 15)
HEAD = {
    "eligible": "Số người đủ điều kiện",
    "collected_day": "Thu nhận trong ngày",
    "collected": "Lũy kế thu nhận",
    "returned": "Số thẻ đã trả",
}
FOUR = ("eligible", "collected_day", "collected", "returned")
FONTS = Path(__file__).resolve().parents[1] / "cccd_analytics" / "data" / "fonts"


def _figures(i: int) -> dict:
    return {
        "eligible": 3100 + 211 * i,
        "collected_day": 7 * i + 3,
        "collected": 1025 + 139 * i,
        "returned": 410 + 53 * i,
    }


def _dot(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _key(commune: str) -> str:
    return registry.resolve("Tỉnh Hà Tĩnh", "Huyện Kỳ Anh", commune).key


def _stored(report, metric: str) -> dict:
    obs = report.observations
    obs = obs[obs["metric"] == metric]
    return {k: int(v) for k, v in zip(obs["unit_key"], obs["value"])}


def _read_right(report, metrics=FOUR) -> None:
    assert report.status == "checked", report.message
    assert {str(d) for d in report.observations["date"]} == {str(DAY)}
    for metric in metrics:
        assert _stored(report, metric) == {_key(n): _figures(i)[metric] for i, n in enumerate(KY)}, metric


def _canvas():
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if "Round25Sans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("Round25Sans", str(FONTS / "LiberationSans-Regular.ttf")))
    raw = io.BytesIO()
    return raw, canvas.Canvas(raw, pagesize=A4)


def _ruled_pdf(
    widths,
    metrics=FOUR,
    heads=None,
    clip=(),
    shift=None,
    fmt=_dot,
    ruled=True,
    align=None,
    after=None,
    size=8,
) -> bytes:
    """A report as Excel prints it: a ruled table (no rules if not `ruled`), each header on
    one line; the headers of the columns in `clip` drawn clipped to their cell, as "Print
    to PDF" does; `shift` {column: points} draws a header that far right, past its rule;
    `align(r, c)` "l" sets a figure left; `after(canvas)` draws the pages after the first;
    `size` is the table's font size."""
    raw, page = _canvas()
    page.setFont("Round25Sans", 10)
    y = 800
    for line in TITLE:
        page.drawString(50, y, line)
        y -= 14
    edges = [40]
    for w in widths:
        edges.append(edges[-1] + w)
    heads = heads or [HEAD[m] for m in metrics]
    body = [["STT", "Đơn vị", *heads]]
    body += [[str(i + 1), n, *(fmt(_figures(i)[m]) for m in metrics)] for i, n in enumerate(KY)]
    body.append(["", "Tổng cộng", *(fmt(sum(_figures(i)[m] for i in range(len(KY)))) for m in metrics)])
    tops = [y - 10 - 18 * r for r in range(len(body) + 1)]
    page.setFont("Round25Sans", size)
    for r, row in enumerate(body):
        for c, text in enumerate(row):
            if r == 0 and c in clip:
                page.saveState()
                box = page.beginPath()
                box.rect(edges[c], tops[1], edges[c + 1] - edges[c], tops[0] - tops[1])
                page.clipPath(box, stroke=0, fill=0)
                page.drawString(edges[c] + 2, tops[0] - 12, text)
                page.restoreState()
            elif r == 0:
                page.drawString(edges[c] + 2 + (shift or {}).get(c, 0), tops[0] - 12, text)
            elif c >= 2 and (align(r, c) if align else "r") == "r":
                page.drawRightString(edges[c + 1] - 3, tops[r] - 12, text)
            else:
                page.drawString(edges[c] + 3, tops[r] - 12, text)
    if ruled:
        for top in tops:
            page.line(edges[0], top, edges[-1], top)
        for at in edges:
            page.line(at, tops[0], at, tops[-1])
    page.setFont("Round25Sans", 10)
    page.drawString(350, tops[-1] - 30, "TRƯỞNG CÔNG AN HUYỆN")
    page.showPage()
    if after:
        after(page)
    page.save()
    return raw.getvalue()


# --- 1. Headers cut by their cell's clip ---------------------------------------------


def _nothing_wrong(report) -> set:
    """Every figure stored is the right one; the metrics stored."""
    assert report.status == "checked", report.message
    stored = set(report.observations["metric"])
    for metric in stored:
        assert _stored(report, metric) == {_key(n): _figures(i)[metric] for i, n in enumerate(KY)}, metric
    return stored


def test_a_header_cut_at_its_cells_edge_is_said_when_a_longer_header_would_read_otherwise():
    # "Thu nhận trong ngày" clipped to its cell: "Thu nhận trong" was left (the "n" cut in
    # half went to the next cell, "nLũy kế thu nhận"), named the running total, and every
    # commune's day figure was stored as its running total (3 for 1.025), in silence.  What
    # is left, "Thu nhận trong n…", may as well be "Thu nhận trong ngày hôm trước": not read,
    # said at its column; the other columns read.
    report = ingest.import_bytes(None, _ruled_pdf([30, 100, 120, 60, 110, 90], clip={3}), "ky_anh.pdf")
    assert _nothing_wrong(report) == {"eligible", "collected", "returned"}
    assert [(p.column, p.page) for p in report.problems if p.code == "cut_header"] == [("D", 1)]
    # Every header clipped ("Số người đủ điều kiệ…" may go on "… chưa thu nhận", "Lũy kế thu
    # nhậ…" "… kỳ trước"), ruled or printed without gridlines (the cut headers touch, "điều
    # kiệ…Thu nhận trong ng…", one run no column was found under: refused before): each cut
    # column said, no figure stored under another's name.
    for ruled in (True, False):
        pdf = _ruled_pdf([30, 100, 75, 65, 55, 50], clip={2, 3, 4, 5}, ruled=ruled)
        report = ingest.import_bytes(None, pdf, "ky_anh.pdf")
        said = {p.column for p in report.problems if p.code == "cut_header"}
        if report.status == "checked":
            stored = _nothing_wrong(report)
            assert said | {"CDEF"[FOUR.index(m)] for m in stored} == set("CDEF"), (said, stored)
        else:
            # No running total left to read: refused, naming the cut headers it found.
            assert report.status == "refused" and "«Lũy kế thu nhậ…»" in report.message, report.message


def test_a_column_of_figures_whose_cut_header_names_nothing_sure_is_said_not_dropped():
    # "Thu nh…": the day's applications or their running total; the column is not read,
    # and the warning names its page and column (before: left out without a word).
    report = ingest.import_bytes(None, _ruled_pdf([30, 100, 120, 24, 110, 90], clip={3}), "ky_anh.pdf")
    assert report.status == "checked", report.message
    cut = [p for p in report.problems if p.code == "cut_header"]
    assert len(cut) == 1 and cut[0].column == "D" and cut[0].page == 1, report.problems
    assert "collected_day" not in set(report.observations["metric"])


def test_a_pdf_column_of_figures_under_a_header_drawn_over_another_is_said_not_dropped():
    # "Thu nhận trong ngày" drawn half over "Số người đủ điều kiện": the two headers read
    # "Số người đủ điềuT khiuệ nnhận t" and "rong ngày", neither named, and both columns of
    # figures were left out without a word.
    report = ingest.import_bytes(
        None, _ruled_pdf([30, 100, 100, 100, 100, 100], shift={3: -40}), "ky_anh.pdf"
    )
    said = {(p.column, p.page) for p in report.problems if p.code == "cut_header"}
    assert said == {("C", 1), ("D", 1)}, report.problems


# --- 2. A header letter past its rule ------------------------------------------------


def test_a_header_letter_drawn_past_its_rule_goes_back_to_its_word():
    # "Thu nhận trong ngày" set wider than its cell: "Thu nhận trong ngà" | "yLũy kế thu
    # nhận". The running total's header was not recognised and the day's figures were
    # stored as the running totals, in silence.
    three = ("collected_day", "collected", "returned")
    pdf = _ruled_pdf([30, 100, 76, 80, 80], metrics=three, shift={2: 6})
    _read_right(ingest.import_bytes(None, pdf, "ky_anh.pdf"), three)


# --- 4. A scanned page after a finished report -------------------------------------


def _scan(page) -> None:
    from PIL import Image, ImageDraw
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader

    scan = Image.new("L", (620, 877), 255)
    pen = ImageDraw.Draw(scan)
    for r in range(8):
        pen.rectangle((40, 60 + 30 * r, 580, 61 + 30 * r), fill=0)
    picture = io.BytesIO()
    scan.save(picture, "PNG")
    picture.seek(0)
    page.drawImage(ImageReader(picture), 0, 0, *A4)
    page.showPage()


def test_a_scanned_page_after_a_finished_report_is_said_not_read():
    # The table ends on page 1 (total row, signature); page 2 is a scan. Read without a
    # word before: whatever the scan held (a signed correction, an appendix) was unsaid.
    report = ingest.import_bytes(None, _ruled_pdf([30, 100, 90, 90, 90, 90], after=_scan), "ky_anh.pdf")
    _read_right(report)
    said = [p for p in report.problems if p.code == "scanned_page"]
    assert [p.page for p in said] == [2] and "ảnh quét" in said[0].message


# --- 5. An Excel workbook of several sheets saved as one web page --------------------

DC = ["Xã Diễn Lâm", "Xã Diễn Đoài", "Xã Diễn Trường"]


def _running(i: int, d: int) -> int:
    return 2100 + 300 * i + sum(20 + 3 * i + 5 * k for k in range(d + 1))


def _sheet_page(d: int) -> bytes:
    """A day's sheet as Excel saves it in a web page: one table from the sheet's first row."""
    rows = [
        ["CÔNG AN HUYỆN DIỄN CHÂU"],
        ["BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD"],
        [f"Số liệu tính đến 17h00 ngày {20 + d}/4/2023"],
        ["STT", "Đơn vị", "Thu nhận trong ngày", "Lũy kế thu nhận"],
        *([i + 1, n, 20 + 3 * i + 5 * d, _dot(_running(i, d))] for i, n in enumerate(DC)),
    ]
    cells = "".join("<tr>" + "".join(f"<td>{v}</td>" for v in row) + "</tr>" for row in rows)
    return f"<html><head><meta charset='utf-8'></head><body><table>{cells}</table></body></html>".encode()


def _workbook_web_page(sheets: list[tuple[str, bytes, bool]], names_in_frame: bool) -> bytes:
    """Excel's "Single File Web Page": the frame (naming the sheets in its workbook XML, or
    not), each sheet's page, then the tab strip (a hidden sheet has no tab)."""
    import quopri

    listed = "".join(
        f"<x:ExcelWorksheet><x:Name>{name}</x:Name><x:WorksheetSource HRef='bc_files/sheet{k + 1:03}.htm'/>"
        + ("<x:WorksheetOptions><x:Visible>SheetHidden</x:Visible></x:WorksheetOptions>" if hidden else "")
        + "</x:ExcelWorksheet>"
        for k, (name, _, hidden) in enumerate(sheets)
    )
    frame = (
        "<html><head><meta name=Excel-Workbook-Frameset><meta charset='utf-8'>"
        + (
            f"<xml><x:ExcelWorkbook><x:ExcelWorksheets>{listed}</x:ExcelWorksheets></x:ExcelWorkbook></xml>"
            if names_in_frame
            else ""
        )
        + "</head><frameset rows='*,39'><frame src='bc_files/sheet001.htm'></frameset></html>"
    ).encode()
    tabs = "".join(
        f"<td><a href='sheet{k + 1:03}.htm' target='frSheet'><font face=Arial>{name}</font></a></td>"
        for k, (name, _, hidden) in enumerate(sheets)
        if not hidden
    )
    parts = [("file:///C:/bc.htm", frame)]
    parts += [(f"file:///C:/bc_files/sheet{k + 1:03}.htm", page) for k, (_, page, _) in enumerate(sheets)]
    parts.append(
        (
            "file:///C:/bc_files/tabstrip.htm",
            f"<html><body><table><tr>{tabs}</tr></table></body></html>".encode(),
        )
    )
    out = ['MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="----=_P"\r\n\r\n']
    for where, body in parts:
        out.append(
            f"\r\n------=_P\r\nContent-Location: {where}\r\nContent-Transfer-Encoding: quoted-printable\r\n"
            'Content-Type: text/html; charset="utf-8"\r\n\r\n'
        )
        out.append(quopri.encodestring(body).decode("ascii"))
    out.append("\r\n------=_P--\r\n")
    return "".join(out).encode("ascii")


def test_an_excel_workbook_of_a_sheet_per_day_saved_as_one_web_page_is_read_sheet_by_sheet():
    # Refused before ("có 3 trang tính; hãy … lưu lại dạng .xlsx"). Each sheet is read under
    # its name, from the frame's list of sheets or else its tab strip, a hidden one left out.
    days = [(f"{20 + d}.4", _sheet_page(d), False) for d in range(3)]
    template = ("Mẫu", _sheet_page(0), True)
    for sheets, in_frame in ((days, True), (days, False), ([*days, template], True)):
        report = ingest.import_bytes(None, _workbook_web_page(sheets, in_frame), "dien_chau.mht")
        assert report.status == "checked", report.message
        obs = report.observations
        got = {
            (k, str(d)): int(v)
            for k, d, m, v in zip(obs["unit_key"], obs["date"], obs["metric"], obs["value"])
            if m == "collected"
        }
        want = {
            (registry.resolve("Tỉnh Nghệ An", "Huyện Diễn Châu", n).key, f"2023-04-{20 + d}"): _running(i, d)
            for i, n in enumerate(DC)
            for d in range(3)
        }
        assert got == want


# --- 6. Day numbers under two months in one header -----------------------------------


def _wide(parent: str, first: date, days: int) -> bytes:
    """A wide sheet: "STT | Đơn vị" merged down beside `parent` merged over the day numbers,
    each day's applications, and "Lũy kế thu nhận" after them."""
    from datetime import timedelta

    import openpyxl

    dated = [first + timedelta(days=k) for k in range(days)]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "BC"
    sheet.append(["CÔNG AN HUYỆN DIỄN CHÂU"])
    sheet.append(["BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD"])
    sheet.append([f"Diễn Châu, ngày {dated[-1].day} tháng {dated[-1].month} năm {dated[-1].year}"])
    sheet.append(["STT", "Đơn vị", parent, *([None] * (days - 1)), "Lũy kế thu nhận"])
    sheet.append([None, None, *(d.day for d in dated), None])
    for i, n in enumerate(DC):
        sheet.append([i + 1, n, *(20 + 3 * i + 5 * d for d in range(days)), _running(i, days - 1)])
    sheet.merge_cells(start_row=4, start_column=3, end_row=4, end_column=2 + days)
    for column in (1, 2, 3 + days):
        sheet.merge_cells(start_row=4, start_column=column, end_row=5, end_column=column)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_day_numbers_under_two_months_in_one_header_cross_the_month_where_they_fall():
    # "THÁNG 4 VÀ THÁNG 5" over "20 … 30 | 1 … 5": read as no header of days, the day
    # columns were left out without a word and the running total stored alone, for 5/5.
    from datetime import timedelta

    for parent, first, days in (
        ("THÁNG 4 VÀ THÁNG 5", date(2023, 4, 20), 16),
        ("Tháng 4, 5 năm 2023", date(2023, 4, 28), 7),
        ("THÁNG 12/2022 VÀ THÁNG 1/2023", date(2022, 12, 27), 9),
    ):
        report = ingest.import_bytes(None, _wide(parent, first, days), "dien_chau.xlsx")
        assert report.status == "checked", report.message
        obs = report.observations
        got = {
            (k, str(d)): int(v)
            for k, d, m, v in zip(obs["unit_key"], obs["date"], obs["metric"], obs["value"])
            if m == "collected"
        }
        want = {
            (
                registry.resolve("Tỉnh Nghệ An", "Huyện Diễn Châu", n).key,
                str(first + timedelta(days=d)),
            ): _running(i, d)
            for i, n in enumerate(DC)
            for d in range(days)
        }
        assert got == want, parent


def test_day_numbers_that_do_not_reach_the_second_month_named_are_refused_at_their_column():
    # "THÁNG 4 VÀ THÁNG 5" over "20 … 27": no day of May, so which month each is cannot be
    # told from the header; refused naming the row and the first day's column.
    report = ingest.import_bytes(None, _wide("THÁNG 4 VÀ THÁNG 5", date(2023, 4, 20), 8), "dien_chau.xlsx")
    assert report.status == "refused"
    error = report.errors[0]
    assert (error.row, error.column) == (5, "C") and "THÁNG 4 VÀ THÁNG 5" in error.message


# --- 3. Borderless, comma thousands, figures set two ways -------------------------------


def _comma(n: int) -> str:
    return f"{n:,}"


def test_a_borderless_pdf_with_comma_thousands_set_left_and_right_is_read():
    # A sheet printed without gridlines, thousands parted by commas, some figures typed as
    # text (set left) and others as numbers (set right): "17" at one cell's right edge and
    # "1,303" at the next one's left made one cell, refused as two numbers. The running
    # totals set left on every row; on some rows; and figures set either way in every column.
    widths = [30, 100, 90, 90, 90, 90]
    for align in (
        lambda r, c: "l" if c == 4 else "r",
        lambda r, c: "l" if c == 4 and r % 3 == 0 else "r",
        lambda r, c: "l" if (r + c) % 4 == 0 else "r",
    ):
        pdf = _ruled_pdf(widths, fmt=_comma, ruled=False, align=align)
        _read_right(ingest.import_bytes(None, pdf, "ky_anh.pdf"))


def test_a_borderless_header_set_left_nearer_the_figures_before_it_heads_its_own_column():
    # "Số người đủ điều kiện | Lũy kế thu nhận | Thu nhận trong ngày | Số thẻ đã trả", no
    # gridlines, one column's figures set left: "Lũy kế thu nhận" sat nearer the eligible
    # figures (set right) than its own and joined their header, "Số người đủ điều kiện Lũy
    # kế thu nhận" read as the running total: 3.100 stored for 1.025, the totals left out.
    order = ("eligible", "collected", "collected_day", "returned")
    for left in (4, 5):
        pdf = _ruled_pdf(
            [30, 100, 90, 90, 90, 90],
            metrics=order,
            fmt=_comma,
            ruled=False,
            align=lambda r, c, left=left: "l" if c == left else "r",
        )
        _read_right(ingest.import_bytes(None, pdf, "ky_anh.pdf"))


def test_two_headers_naming_a_field_each_in_one_borderless_column_are_refused_at_it():
    from cccd_analytics.ingest.readers import pdf as reader

    cells = [
        {"text": "Số người đủ điều kiện", "x0": 172, "x1": 251, "top": 100, "column": 0},
        {"text": "Lũy kế thu nhận", "x0": 262, "x1": 319, "top": 100, "column": 0},
        {"text": "Thu nhận trong ngày", "x0": 330, "x1": 400, "top": 100, "column": 1},
    ]
    try:
        reader._headers_kept_apart(cells, [[233, 257], [327, 347]])
    except reader.JoinedHeaders as joined:
        assert joined.column == 0 and joined.texts == ["Số người đủ điều kiện", "Lũy kế thu nhận"]
    else:
        raise AssertionError("two headers read as one")


# What a clip cuts off is what changes a header's meaning: its end.
_CUT_OTHERWISE = (
    ("Lũy kế thu nhận kỳ trước", "Lũy kế th…"),
    ("Lũy kế đến kỳ trước", "Lũy kế đế…"),
    ("Lũy kế thu nhận đến ngày hôm trước", "Lũy kế thu nh…"),
    ("Thu nhận trong tuần", "Thu nhận tr…"),
    ("Thu nhận trong tháng", "Thu nhận t…"),
    ("Số hồ sơ thu nhận kỳ trước", "Số hồ sơ th…"),
    ("Lũy kế trả thẻ kỳ trước", "Lũy kế tr…"),
    ("Số thẻ đã trả trong tuần", "Số thẻ đ…"),
    ("Thu nhận trong ngày hôm trước", "Thu nhận trong ng…"),
    ("Số người chưa thu nhận", "Số n…"),
    ("Số đã thu nhận / kế hoạch", "Số đ…"),
    ("Thu nhận tại trụ sở", "Thu nhận t…"),
)


def test_a_cut_header_is_read_only_when_every_header_it_may_be_reads_alike():
    from cccd_analytics.ingest import headers

    for full, cut in _CUT_OTHERWISE:
        assert headers.match(cut) in (None, headers.match(full)), (full, cut)
    # Under its parent: "Trong ngày" over "Số hồ sơ đã thu nh…" is never the running total.
    assert headers.match("Số hồ sơ đã thu nh…", parent="Trong ngày") != "collected"


def test_a_clipped_weekly_pdf_stores_no_total_of_the_last_report_as_this_ones(monkeypatch):
    # "Lũy kế thu nhận kỳ trước | Thu nhận trong kỳ | Lũy kế thu nhận kỳ này" clipped: last
    # report's total (1.000) was stored as the running total, the week's 50 as the day's.
    import sys

    this = sys.modules[__name__]
    monkeypatch.setattr(
        this,
        "_figures",
        lambda i: {"eligible": 3100 + 211 * i, "prev": 1000 + 100 * i, "week": 50 + i, "now": 1050 + 101 * i},
    )
    heads = [
        "Số người đủ điều kiện",
        "Lũy kế thu nhận kỳ trước",
        "Thu nhận trong kỳ",
        "Lũy kế thu nhận kỳ này",
    ]
    pdf = _ruled_pdf(
        [30, 100, 110, 46, 46, 72], metrics=("eligible", "prev", "week", "now"), heads=heads, clip={3, 4, 5}
    )
    report = ingest.import_bytes(None, pdf, "ky_anh.pdf")
    if report.status == "checked":
        got = set(report.observations["metric"])
        assert "collected_day" not in got
        if "collected" in got:
            assert _stored(report, "collected") == {_key(n): 1050 + 101 * i for i, n in enumerate(KY)}


def test_cut_sub_headers_under_a_day_heading_are_no_parts_of_it():
    # "Trong ngày" over "Số hồ sơ đã thu nh…" | "Số thẻ đã tr…", beside the running total:
    # the first was read as the running total (the full header is the day's count); taken
    # for parts of the day, the applications and cards were summed into the day's count;
    # "Trong ngày" read alone stored the first column under it (the cards) as the day's.
    import openpyxl

    def book(a: str, b: str) -> bytes:
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append(["BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD NGÀY 17/04/2023"])
        ws.append([])
        ws.append(["STT", "Xã, phường, thị trấn", "Trong ngày", None, "Lũy kế thu nhận"])
        ws.append([None, None, a, b, None])
        for cells in ("C3:D3", "A3:A4", "B3:B4", "E3:E4"):
            ws.merge_cells(cells)
        ws.append([1, "Xã Diễn Kim", 120, 5, 2000])
        ws.append([2, "Xã Diễn Hải", 80, 7, 3000])
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()

    for a, b in (("Số hồ sơ đã thu nh…", "Số thẻ đã tr…"), ("Số thẻ đã tr…", "Số hồ sơ đã thu nh…")):
        report = ingest.import_bytes(None, book(a, b), "dien_chau.xlsx")
        assert report.status == "checked", report.message
        obs = report.observations
        assert set(obs["metric"]) == {"collected"}
        assert sorted(int(v) for v in obs["value"]) == [2000, 3000]
        assert sorted(p.column for p in report.problems if p.code == "cut_header") == ["C", "D"]
