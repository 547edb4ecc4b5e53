"""Word, PDF and web-page reports found by the twenty-sixth probe: a landscape table
turned upright by /Rotate with its headers clipped, a space between thousands wider than
a plain one, months named apart over day numbers, a clipped period header, and a hidden
sheet of a workbook saved as one web page."""

from __future__ import annotations

import io

import pytest

from cccd_analytics import ingest
from tests.test_documents_round25 import DAY, FOUR, KY, _figures, _key, _ruled_pdf, _stored


def _turned(data: bytes, turn: int) -> bytes:
    """The PDF with each page's content drawn a quarter turn back and /Rotate set to
    `turn`: a landscape table on a portrait page, shown upright by the viewer (as some
    printers' drivers save it)."""
    from pypdf import PdfReader, PdfWriter, Transformation

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    for page in writer.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        matrix = (0, 1, -1, 0, height, 0) if turn == 90 else (0, -1, 1, 0, 0, width)
        page.add_transformation(Transformation(matrix))
        page.mediabox.lower_left, page.mediabox.upper_right = (0, 0), (height, width)
        page.rotation = turn
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _nothing_stored_wrong(report) -> set:
    assert report.status == "checked", report.message
    assert {str(d) for d in report.observations["date"]} == {str(DAY)}
    stored = set(report.observations["metric"])
    for metric in stored:
        assert _stored(report, metric) == {_key(n): _figures(i)[metric] for i, n in enumerate(KY)}, metric
    return stored


# --- 1. A page under /Rotate --------------------------------------------------------


@pytest.mark.parametrize("turn", [90, 270])
def test_a_turned_page_with_headers_clipped_at_their_cells_reads_as_the_same_page_upright(turn):
    # Every header clipped to its cell ("Print to PDF"), the page turned by /Rotate: read
    # by pdfminer, which keeps no clips, the half-drawn "n" of "Thu nhận trong n" went to
    # the next cell and every commune's day figure was stored as its running total (3 for
    # 1.025), in silence. Drawn upright, it reads as the same page unturned does.
    pdf = _ruled_pdf([30, 100, 75, 65, 55, 50], clip={2, 3, 4, 5})
    upright = ingest.import_bytes(None, pdf, "ky_anh.pdf")
    report = ingest.import_bytes(None, _turned(pdf, turn), "ky_anh.pdf")
    assert report.status == upright.status
    if report.status == "checked":
        _nothing_stored_wrong(report)
    else:
        assert report.message == upright.message
    # Only the day's header clipped: read as upright, that column said and not read.
    report = ingest.import_bytes(
        None, _turned(_ruled_pdf([30, 100, 120, 24, 110, 90], clip={3}), turn), "a.pdf"
    )
    assert _nothing_stored_wrong(report) == {"eligible", "collected", "returned"}
    assert [(p.column, p.page) for p in report.problems if p.code == "cut_header"] == [("D", 1)]


# --- 5. A space between thousands wider than a plain one ------------------------------


@pytest.mark.parametrize("space", ["\u2007", "  ", "\u2002"])
def test_a_borderless_figure_with_a_wide_space_between_thousands_stays_one_figure(space):
    # "1 025" parted by a figure space, two spaces or an en space: the figure-gap rule cut
    # it in two ("1" | "025"), two columns, and the file was refused at a check (the
    # running total below the day's figure) that only held by luck.
    pdf = _ruled_pdf([30, 100, 120, 100, 110, 90], ruled=False, fmt=lambda n: f"{n:,}".replace(",", space))
    assert _nothing_stored_wrong(ingest.import_bytes(None, pdf, "ky_anh.pdf")) == set(FOUR)


def test_a_right_set_figure_then_a_three_digit_one_set_left_in_the_next_cell_stay_apart():
    # The widened join must not take the next cell's three digits for a thousands group.
    pdf = _ruled_pdf(
        [30, 100, 120, 100, 110, 90],
        ruled=False,
        fmt=lambda n: f"{n:,}".replace(",", " "),
        align=lambda r, c: "l" if c == 5 else "r",
    )
    assert _nothing_stored_wrong(ingest.import_bytes(None, pdf, "ky_anh.pdf")) == set(FOUR)


# --- 4. A hidden sheet of a workbook saved as one web page -----------------------------


def test_a_hidden_sheet_of_a_workbook_saved_as_one_web_page_is_left_out_however_it_is_marked():
    # A stale day's sheet hidden in the workbook: with the sheets named only by the tab strip
    # (which has no tab for a hidden sheet) it was read as "Sheet1", and with its hidden
    # state written in its own page's XML (as Excel writes `x:WorksheetOptions`) as shown:
    # either way 19/4's figures were stored, in silence.
    from tests.test_documents_round25 import _sheet_page, _workbook_web_page

    days = [(f"{20 + d}.4", _sheet_page(d), False) for d in range(3)]
    own = _sheet_page(-1).replace(
        b"<head>",
        b"<head><xml><x:WorksheetOptions><x:Visible>SheetHidden</x:Visible></x:WorksheetOptions></xml>",
    )
    for data in (
        _workbook_web_page([("19.4", _sheet_page(-1), True), *days], names_in_frame=False),
        _workbook_web_page([*days, ("19.4", _sheet_page(-1), True)], names_in_frame=False),
        _workbook_web_page([("19.4", own, False), *days], names_in_frame=True),
    ):
        report = ingest.import_bytes(None, data, "dien_chau.mht")
        assert report.status == "checked", report.message
        assert {str(d) for d in report.observations["date"]} == {"2023-04-20", "2023-04-21", "2023-04-22"}
        assert "sheet_skipped" in {p.code for p in report.problems}


# --- 2. Months named apart over day numbers -------------------------------------------


def _wide_word(parent: str, first, days: int) -> bytes:
    """A Word report with a column per day: "STT | Đơn vị" beside `parent` merged over the
    day numbers, then "Lũy kế thu nhận"."""
    from datetime import timedelta

    import docx

    from tests.test_documents_round25 import DC, _running

    dated = [first + timedelta(days=k) for k in range(days)]
    document = docx.Document()
    for line in ("CÔNG AN HUYỆN DIỄN CHÂU", "BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD"):
        document.add_paragraph(line)
    document.add_paragraph(f"Diễn Châu, ngày {dated[-1].day} tháng {dated[-1].month} năm {dated[-1].year}")
    table = document.add_table(rows=2 + len(DC), cols=3 + days)
    for c, text in ((0, "STT"), (1, "Đơn vị"), (2, parent), (2 + days, "Lũy kế thu nhận")):
        table.cell(0, c).text = text
    for k, d in enumerate(dated):
        table.cell(1, 2 + k).text = str(d.day)
    for i, name in enumerate(DC):
        row = [
            str(i + 1),
            name,
            *(str(20 + 3 * i + 5 * d) for d in range(days)),
            f"{_running(i, days - 1):,}",
        ]
        for c, text in enumerate(row):
            table.cell(2 + i, c).text = text.replace(",", ".")
    table.cell(0, 2).merge(table.cell(0, 1 + days))
    for c in (0, 1, 2 + days):
        table.cell(0, c).merge(table.cell(1, c))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    "parent", ["THÁNG 4 ĐẾN THÁNG 6", "Từ tháng 4 đến tháng 6 năm 2023", "Tháng 4 - Tháng 6", "Tháng 4 và 6"]
)
def test_day_numbers_under_months_named_apart_run_through_the_months_between(parent):
    # "Tháng 4 … Tháng 6" over "28 … 30 | 1 … 31 | 1 … 3": the header named no run of
    # months, the 37 day columns were dropped without a word and the running total stored
    # alone on the signing day.
    from datetime import date, timedelta

    from cccd_analytics import registry
    from tests.test_documents_round25 import DC, _running

    first = date(2023, 4, 28)
    report = ingest.import_bytes(None, _wide_word(parent, first, 37), "dien_chau.docx")
    assert report.status == "checked", report.message
    obs = report.observations
    got = {
        (k, str(d)): int(v)
        for k, d, m, v in zip(obs["unit_key"], obs["date"], obs["metric"], obs["value"])
        if m == "collected"
    }
    assert got == {
        (
            registry.resolve("Tỉnh Nghệ An", "Huyện Diễn Châu", n).key,
            str(first + timedelta(days=d)),
        ): _running(i, d)
        for i, n in enumerate(DC)
        for d in range(37)
    }


def test_day_numbers_that_cannot_fill_the_months_named_apart_are_refused_at_their_column():
    # "THÁNG 4 VÀ THÁNG 6" over "28 … 30 | 1 … 3": May or June? Dropped without a word
    # before; refused naming the row and the first day's column.
    from datetime import date

    report = ingest.import_bytes(
        None, _wide_word("THÁNG 4 VÀ THÁNG 6", date(2023, 4, 28), 6), "dien_chau.docx"
    )
    assert report.status == "refused"
    error = report.errors[0]
    assert error.row is not None and error.column == "C" and "THÁNG 4 VÀ THÁNG 6" in error.message


# --- 3. A period heading clipped -----------------------------------------------------


def _wide_pdf(day_text=str, clip_month=False, clip_days=False, day_width=28, running=True) -> bytes:
    """A ruled PDF with a column per day: "THÁNG 3 NĂM 2021" over the days 10 … 15, then
    "Lũy kế thu nhận" (unless not `running`); the month or the days' headers clipped to a
    narrow cell, as "Print to PDF" prints an Excel sheet."""
    from tests.test_documents_round25 import TITLE, _canvas, _dot

    raw, page = _canvas()
    page.setFont("Round25Sans", 10)
    y = 800
    for line in TITLE:
        page.drawString(50, y, line)
        y -= 14
    days = range(10, 16)
    edges = [30]
    for width in [25, 90] + [day_width] * len(days) + ([70] if running else []):
        edges.append(edges[-1] + width)
    tops = [y - 10 - 16 * r for r in range(len(KY) + 3)]
    page.setFont("Round25Sans", 8)

    def text(x0, x1, top, bottom, words, clip):
        if clip:
            page.saveState()
            box = page.beginPath()
            box.rect(x0, bottom, x1 - x0, top - bottom)
            page.clipPath(box, stroke=0, fill=0)
        page.drawString(x0 + 2, top - 12, words)
        if clip:
            page.restoreState()

    page.drawString(edges[0] + 2, tops[1] - 4, "STT")
    page.drawString(edges[1] + 2, tops[1] - 4, "Đơn vị")
    text(
        edges[2], edges[2] + 30 if clip_month else edges[8], tops[0], tops[1], "THÁNG 3 NĂM 2021", clip_month
    )
    if running:
        page.drawString(edges[8] + 2, tops[1] - 4, "Lũy kế thu nhận")
    for k, day in enumerate(days):
        text(edges[2 + k], edges[3 + k], tops[1], tops[2], day_text(day), clip_days)
    for i, name in enumerate(KY):
        top = tops[2 + i]
        page.drawString(edges[0] + 2, top - 12, str(i + 1))
        page.drawString(edges[1] + 2, top - 12, name)
        for k in range(len(days)):
            page.drawRightString(edges[3 + k] - 2, top - 12, str(3 * i + 7 * k % 5 + 2))
        if running:
            page.drawRightString(edges[-1] - 2, top - 12, _dot(1000 + 100 * i))
    for top in tops:
        page.line(edges[0], top, edges[-1], top)
    for k, x in enumerate(edges):
        page.line(x, tops[1] if 3 <= k <= 7 else tops[0], x, tops[-1])
    page.showPage()
    page.save()
    return raw.getvalue()


def test_day_columns_under_a_clipped_month_heading_are_said_at_their_page_and_column():
    # "THÁNG 3 NĂM 2021" clipped to "THÁNG…" over "10 … 15" (or each day's "Ngày 10/3"
    # clipped to "Ngày…"): the day columns were dropped without a word and the running total
    # stored alone on the date line's day.
    assert ingest.import_bytes(None, _wide_pdf(), "ky_anh.pdf").observations["date"].nunique() == 6
    for pdf in (_wide_pdf(clip_month=True), _wide_pdf(lambda d: f"Ngày {d}/3", clip_days=True, day_width=22)):
        report = ingest.import_bytes(None, pdf, "ky_anh.pdf")
        assert report.status == "checked", report.message
        assert {str(d) for d in report.observations["date"]} == {"2021-03-15"}
        assert set(report.observations["metric"]) == {"collected"}
        said = [(p.column, p.page) for p in report.problems if p.code == "cut_header"]
        assert said == [(c, 1) for c in "CDEFGH"], report.problems


def test_a_table_whose_only_figures_sit_under_a_clipped_heading_is_refused_naming_it():
    # Without a running total: refused as a sheet with no header row ("thêm dòng tiêu đề"),
    # or as no table with the columns listed; now the cut heading, its page and column.
    for pdf, row, cut in (
        (_wide_pdf(clip_month=True, running=False), 1, "«THÁNG…»"),
        (_wide_pdf(lambda d: f"Ngày {d}/3", clip_days=True, day_width=22, running=False), 2, "«Ngày…»"),
    ):
        report = ingest.import_bytes(None, pdf, "ky_anh.pdf")
        assert report.status == "refused"
        error = report.errors[0]
        assert (error.row, error.column, error.page) == (row, "C", 1), report.message
        assert cut in error.message and "bị cắt" in error.message
