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


@pytest.mark.parametrize("size", [8, 9, 10])
def test_a_right_set_figure_then_a_three_digit_one_set_left_in_the_next_cell_stay_apart(size):
    # The widened join must not take the next cell's three digits for a thousands group.
    # Two cells' paddings (6 pt) are what a figure space is in a 10-11 pt font: judged on
    # the gap's width, "1 025" | "410" were joined from 9 pt up ("1 025 410" under «Lũy kế
    # thu nhận» and «Số thẻ đã trả») and the file refused; the header keeps them apart.
    pdf = _ruled_pdf(
        [30, 100, 120, 100, 110, 90],
        ruled=False,
        fmt=lambda n: f"{n:,}".replace(",", " "),
        align=lambda r, c: "l" if c == 5 else "r",
        size=size,
    )
    assert _nothing_stored_wrong(ingest.import_bytes(None, pdf, "ky_anh.pdf")) == set(FOUR)


def test_three_digits_set_left_under_a_header_not_read_stay_in_their_own_column():
    # The last column's header names no field: read before with that column left out, it
    # was refused once "1 025" and its "410" were joined across the boundary.
    pdf = _ruled_pdf(
        [30, 100, 120, 100, 110, 90],
        ruled=False,
        fmt=lambda n: f"{n:,}".replace(",", " "),
        align=lambda r, c: "l" if c == 5 else "r",
        heads=["Số người đủ điều kiện", "Thu nhận trong ngày", "Lũy kế thu nhận", "Ghi chú khác"],
        size=10,
    )
    assert _nothing_stored_wrong(ingest.import_bytes(None, pdf, "ky_anh.pdf")) == set(FOUR) - {"returned"}


@pytest.mark.parametrize("size", [9, 10])
@pytest.mark.parametrize("space", ["\u2007", "  "])
def test_a_wide_thousands_space_in_a_larger_font_stays_one_figure(space, size):
    # The header, not the gap's width, tells a thousands group from the next cell: one
    # header over the figure, it stays whole in 9 and 10 pt too.
    pdf = _ruled_pdf(
        [30, 100, 120, 100, 110, 90], ruled=False, fmt=lambda n: f"{n:,}".replace(",", space), size=size
    )
    assert _nothing_stored_wrong(ingest.import_bytes(None, pdf, "ky_anh.pdf")) == set(FOUR)


@pytest.mark.parametrize("size", [9, 10])
def test_three_digits_set_right_then_three_set_left_in_the_next_cell_stay_apart(size):
    # "225" | "410": no figure of the column has groups to compare the gap with; the two
    # headers over the joined "225 410" show the boundary, and the cells stay apart.
    def fmt(n: int) -> str:
        return str(n % 1000) if 1000 <= n < 2000 else f"{n:,}".replace(",", " ")

    pdf = _ruled_pdf(
        [30, 100, 120, 100, 110, 90],
        ruled=False,
        fmt=fmt,
        align=lambda r, c: "l" if c == 5 else "r",
        size=size,
    )
    report = ingest.import_bytes(None, pdf, "ky_anh.pdf")
    assert report.status == "checked", report.message
    for metric in FOUR:
        want = {_key(n): _figures(i)[metric] for i, n in enumerate(KY)}
        if metric == "collected":
            want = {k: v % 1000 for k, v in want.items()}
        assert _stored(report, metric) == want, metric


@pytest.mark.parametrize("space", ["\u2007", "  "])
def test_a_wide_thousands_space_beside_three_digits_set_left_in_the_next_cell(space):
    # Every figure's thousands parted by a figure space (or two spaces), the last column set
    # left: "1 025" then the next cell's "410" are as far apart as "1" and "025" (within
    # half a point at 10 pt), one run "1 025 410" under two headers. Only that figure's
    # last group is cut; "3 100" in the eligible column, whose header is its own, stays.
    pdf = _ruled_pdf(
        [30, 100, 120, 100, 110, 90],
        ruled=False,
        fmt=lambda n: f"{n:,}".replace(",", space),
        align=lambda r, c: "l" if c == 5 else "r",
        size=10,
    )
    assert _nothing_stored_wrong(ingest.import_bytes(None, pdf, "ky_anh.pdf")) == set(FOUR)
