"""Borderless PDF tables found by the twenty-seventh probe: which header a column of figures
is under, decided from the text's positions alone, with figures set right, left or centred,
headers on one line or wrapped in their cells, set left, right or centred, at 9–12 pt."""

from __future__ import annotations

import pytest
from reportlab.pdfbase.pdfmetrics import stringWidth

from cccd_analytics import ingest
from tests.test_documents_round25 import (
    FOUR,
    HEAD,
    KY,
    TITLE,
    _canvas,
    _dot,
    _figures,
    _key,
    _read_right,
    _stored,
)

FONT = "Round25Sans"


def _wrapped(text: str, width: float, size: float) -> list[str]:
    """A header's lines as Word wraps it in a cell `width` wide (a word wider than the cell
    broken by letters)."""
    lines: list[str] = []
    for word in text.split():
        line = f"{lines[-1]} {word}" if lines else word
        if lines and stringWidth(line, FONT, size) <= width:
            lines[-1] = line
        else:
            lines.append(word)
    out = []
    for line in lines:
        while len(line) > 1 and stringWidth(line, FONT, size) > width:
            k = len(line)
            while k > 1 and stringWidth(line[:k], FONT, size) > width:
                k -= 1
            out.append(line[:k])
            line = line[k:]
        out.append(line)
    return out


def _borderless(
    widths,
    size,
    figures,
    heads,
    head_size=None,
    pad=3.0,
    wrap=True,
    heads_text=None,
    order=FOUR,
    units=None,
    total=True,
) -> bytes:
    """A table printed without gridlines: the columns `widths` wide from x=40; each figure
    column's figures set "r", "l" or "c" (`figures`) and its header likewise (`heads`),
    wrapped in its cell unless not `wrap` ("halves": two lines of as many words each, as
    one sets them by hand); STT and the names set left.  `units`: the
    indexes of KY printed (all by default), then the total row unless not `total`."""
    raw, page = _canvas()
    page.setFont(FONT, 10)
    y = 800
    for line in TITLE:
        page.drawString(50, y, line)
        y -= 14
    edges = [40.0]
    for w in widths:
        edges.append(edges[-1] + w)
    head_size = head_size or size
    texts = ["STT", "Đơn vị", *(heads_text if heads_text is not None else [HEAD[m] for m in order])]

    def put(text, c, how, at):
        if how == "r":
            page.drawRightString(edges[c + 1] - pad, at, text)
        elif how == "c":
            page.drawCentredString((edges[c] + edges[c + 1]) / 2, at, text)
        else:
            page.drawString(edges[c] + pad, at, text)

    def halves(text: str) -> list[str]:
        words = text.split()
        k = (len(words) + 1) // 2
        return [" ".join(words[:k]), " ".join(words[k:])] if len(words) > 1 else words

    lines = [
        (halves(t) if wrap == "halves" else _wrapped(t, edges[c + 1] - edges[c] - 2 * pad, head_size))
        if wrap
        else [t]
        for c, t in enumerate(texts)
    ]
    page.setFont(FONT, head_size)
    top = y - 10
    for c, cell in enumerate(lines):
        for k, text in enumerate(cell):
            put(text, c, "l" if c < 2 else heads[c - 2], top - head_size - 1.2 * head_size * k)
    units = range(len(KY)) if units is None else units
    body = [[str(i + 1), KY[i], *(_dot(_figures(i)[m]) for m in order)] for i in units]
    if total:
        body.append(["", "Tổng cộng", *(_dot(sum(_figures(i)[m] for i in units)) for m in order)])
    first = top - 1.2 * head_size * max(len(cell) for cell in lines) - 6
    page.setFont(FONT, size)
    for r, row in enumerate(body):
        for c, text in enumerate(row):
            put(text, c, "l" if c < 2 else figures[c - 2], first - size - 1.6 * size * r)
    page.setFont(FONT, 10)
    page.drawString(350, first - 1.6 * size * len(body) - 30, "TRƯỞNG CÔNG AN HUYỆN")
    page.showPage()
    page.save()
    return raw.getvalue()


# Each shape was stored wrong or incomplete, or refused, before this round.
READ_NOW = {
    # "Thu nhận trong" set right over "ngày", "Lũy kế thu" set left over "nhận" in the next
    # cell, two paddings apart: one run "Thu nhận trong Lũy kế thu / ngày nhận" read as the
    # running total over the day's figures (Xã Kỳ Xuân: 3 stored for 1.025), the running
    # totals under no header, with only returned_above_collected warnings.
    "wrapped headers set right and left, two paddings apart": dict(
        widths=(25, 90, 40, 100, 60, 100), size=12, figures="rrrr", heads="crlc", head_size=11
    ),
    # The last column's figures set left, its header centred in a wide cell past them: a
    # column of its own, empty; the cards returned were left out without a word.
    "figures set left, the last header centred past them": dict(
        widths=(30, 110, 120, 120, 100, 120), size=10, figures="llll", heads="cllc", head_size=8, pad=5
    ),
    # "Lũy kế thu nhận" and "Số thẻ đã trả" on one line, 6 pt apart at 9 pt: one run, the
    # file refused as having no running total.
    "one-line headers two paddings apart": dict(
        widths=(35, 100, 100, 100, 70, 80),
        size=10,
        figures="clrr",
        heads="llll",
        head_size=9,
        pad=2,
        wrap=False,
    ),
    # "ngày", the second line of "Thu nhận trong ngày", past the narrow eligible column's
    # figures and before the day's centred ones: put under the eligible's header, the day's
    # column said as unnamed and left out.
    "a wrapped header's line nearer the column before": dict(
        widths=(35, 100, 40, 80, 120, 40), size=11, figures="rclc", heads="llll", head_size=10, pad=2
    ),
    # "Số thẻ đã" / "trả" set right in the last cell, over figures set left: "trả" past the
    # figures made a column of its own, "Số thẻ đã" named nothing, the cards left out.
    "the last header set right over figures set left": dict(
        widths=(22, 130, 40, 60, 40, 45), size=9, figures="llll", heads="lclr", head_size=7
    ),
    # The total row's "21.765" set left fills its 40 pt cell, a space before the day's
    # "123": one cell over two columns made them one, both headers named nothing.
    "a total filling its narrow cell, a space before the next figure": dict(
        widths=(22, 100, 40, 40, 60, 120), size=12, figures="llll", heads="cccc", head_size=11
    ),
    # "kiện", the centred last line of "Số người đủ điều kiện", past the eligible's figures
    # set left: put under the next column's header, set right ("Thu kiện nhận trong ngày").
    "a centred header's last line past figures set left": dict(
        widths=(22, 130, 100, 50, 100, 60), size=11, figures="lrrr", heads="cccc", head_size=12
    ),
    # "Thu" set right and "Lũy kế" set left, 4 pt apart in a 13 pt font (a plain space):
    # "Thu Lũy kế / nhận thu / trong nhận / ngày" read as the running total over the day's
    # figures (3 for 1.025), the running totals left out, only returned_above_collected said.
    "two header cells a plain space apart": dict(
        widths=(25, 110, 120, 40, 50, 70), size=12, figures="llll", heads="lrlc", head_size=13, pad=2
    ),
    # "Thu nhận trong" / "ngày" set right in a wide cell past its figures set left: "ngày"
    # alone was nearer the next column ("Lũy kế thu ngày nhận"), the day's figures left out.
    "a header set right in a wide cell past figures set left": dict(
        widths=(35, 130, 60, 100, 70, 80), size=12, figures="llll", heads="crcl", head_size=11, pad=2
    ),
    # "Số người Thu": "Thu" a plain space after "người", where "nhận" / "trong" / "ngày"
    # and the day's figures set left start; the day's figures left out without a word.
    "a header word where the lines and figures under it start": dict(
        widths=(22, 100, 50, 45, 45, 45), size=12, figures="clrl", heads="llll", head_size=11, pad=2
    ),
    # "Thu nhận trong" and "Lũy kế thu nhận" 5,4 pt apart in an 11 pt font (under two
    # spaces), nothing above or below to part them: one run read as the running total over
    # the day's figures, the running totals under no header.
    "two header cells under two spaces apart, a column left without one": dict(
        widths=(30, 110, 120, 80, 120, 40), size=10, figures="rlrl", heads="llll", head_size=11, pad=2
    ),
    # The last column's figures centred, its header set right past them: a column of its
    # own, the cards returned left out without a word.
    "figures centred, the last header set right past them": dict(
        widths=(30, 130, 50, 120, 40, 100),
        size=10,
        figures="rlcc",
        heads="crrr",
        head_size=9,
        order=("collected_day", "eligible", "collected", "returned"),
        heads_text=[
            "Thu nhận trong ngày",
            "Số người đủ điều kiện",
            "Tổng số hồ sơ đã thu nhận (lũy kế)",
            "Trả thẻ",
        ],
    ),
    # "Lũy kế" between the eligible's figures set left (under "Số CD đủ ĐK") and the running
    # totals, nearer the first: joined to "Số CD đủ … ĐK", the eligible's figures stored as
    # the running totals and the running totals as the cards returned.
    "a header nearer the figures before it, that column headed already": dict(
        widths=(25, 100, 50, 50, 100, 120),
        size=9,
        figures="llrc",
        heads="llll",
        order=("collected_day", "eligible", "collected", "returned"),
        heads_text=["Thu nhận trong ngày", "Số CD đủ ĐK", "Lũy kế", "Trả thẻ"],
    ),
    # "Số người", "Trong  ngày" and "Trả thẻ" 4 pt apart in an 11 pt font, "Số người" ending
    # where the eligible's figures set right end: one run, three columns left out in silence.
    "header cells a space apart, one ending where its figures end": dict(
        widths=(35, 130, 70, 50, 60, 50),
        size=10,
        figures="lrrc",
        heads="llll",
        head_size=11,
        pad=2,
        order=("collected", "eligible", "collected_day", "returned"),
        heads_text=["Lũy kế", "Số người đủ điều kiện", "Trong  ngày", "Trả thẻ"],
    ),
    # A 13 pt header broken word by word in 40 pt columns, nine lines high: its top lines
    # joined the title, "Trả Số Lũy kế Số hồ" headed the cards returned as the running total.
    "a header of nine lines": dict(
        widths=(30, 130, 40, 40, 45, 45),
        size=12,
        figures="llll",
        heads="cccc",
        head_size=13,
        order=("returned", "eligible", "collected", "collected_day"),
        heads_text=["Trả thẻ", "Số công dân đủ điều kiện cấp CCCD", "Lũy kế", "Số hồ sơ thu nhận trong ngày"],
    ),
    # "Số người" and "Thu nhận" a plain space apart, "Thu" starting where "trong ngày" does
    # on the line below, after that line's cell gap: one parent "Số người Thu nhận" over two
    # columns, the eligible's and the day's figures left out without a word.
    "a header word where the next line's cell starts": dict(
        widths=(25, 100, 50, 60, 70, 45), size=10, figures="cccc", heads="llll", head_size=11, pad=2
    ),
}


@pytest.mark.parametrize("shape", READ_NOW, ids=list(READ_NOW))
def test_a_borderless_pdf_puts_each_column_of_figures_under_its_own_header(shape):
    report = ingest.import_bytes(None, _borderless(**READ_NOW[shape]), "ky_anh.pdf")
    _read_right(report)
    assert not [p for p in report.problems if p.code not in ("missing_communes",)], report.problems


def _autofitted(size: float) -> bytes:
    """The returned cards' column autofitted to its three-digit figures (set right, like the
    day's before it), the headers in 6 pt on one line, "Thu nhận trong ngày" and "Trả thẻ"
    4,6 pt apart: the day's "3" and the cards' "410" sit as far apart as a thousands space."""
    raw, page = _canvas()
    page.setFont(FONT, 10)
    y = 800
    for line in TITLE:
        page.drawString(50, y, line)
        y -= 14
    edges = [40.0]
    for w in (30, 110, 90, 60, stringWidth("000", FONT, size) + 6, 80):
        edges.append(edges[-1] + w)
    metrics = ("eligible", "collected_day", "returned", "collected")
    body = [["STT", "Đơn vị", *("Trả thẻ" if m == "returned" else HEAD[m] for m in metrics)]]
    body += [[str(i + 1), n, *(_dot(_figures(i)[m]) for m in metrics)] for i, n in enumerate(KY)]
    for r, row in enumerate(body):
        for c, text in enumerate(row):
            at = y - 24 - 22 * r
            page.setFont(FONT, 6 if r == 0 else size)
            if r and c >= 2:
                page.drawRightString(edges[c + 1] - 3, at, text)
            else:
                page.drawString(edges[c] + (1 if r == 0 else 3), at, text)
    page.showPage()
    page.save()
    return raw.getvalue()


@pytest.mark.parametrize("size", [10, 11, 12])
def test_two_headers_over_figures_as_close_as_a_thousands_space_are_two_columns(size):
    # Read before as one header "Thu nhận trong ngày Trả thẻ" over "3 410" (a thousands
    # space): at 12 pt both columns left out without a word, at 10 and 11 pt the file
    # refused as having no table, naming no column.
    _read_right(ingest.import_bytes(None, _autofitted(size), "ky_anh.pdf"))


def test_a_borderless_column_of_figures_under_no_header_is_refused_at_it():
    # A header cell left blank over the cards returned: left out without a word before.
    # Without borders, a column with no header is one whose header went elsewhere.
    pdf = _borderless(
        (30, 110, 90, 60, 70, 80), 10, "rrrr", "llll", heads_text=[HEAD[m] for m in FOUR[:3]] + [""]
    )
    report = ingest.import_bytes(None, pdf, "ky_anh.pdf")
    assert report.status == "refused"
    problem = next(p for p in report.problems if p.code == "unheaded_figures")
    assert (problem.page, problem.row, problem.column) == (1, 1, "F"), problem


def test_a_wrapped_header_moved_to_the_next_column_takes_its_lines_with_it():
    # Excel printed without gridlines, headers set left and wrapped, figures set right, on a
    # page whose figures have as many digits in each column (page 2 of a report): each
    # header sits nearer the figures before it.  "Thu nhận" was moved to the next column
    # alone, its "trong ngày" left behind under "Số người đủ điều kiện", and every header
    # after it pushed on a column: the day's count stored as the running total, the running
    # total as the cards returned, the cards left out (refused before round 27).
    units = (3, 4, 5)
    pdf = _borderless((30, 110, 80, 80, 80, 80), 10, "rrrr", "llll", wrap="halves", units=units, total=False)
    report = ingest.import_bytes(None, pdf, "ky_anh.pdf")
    assert report.status == "checked", report.message
    for metric in FOUR:
        assert _stored(report, metric) == {_key(KY[i]): _figures(i)[metric] for i in units}, metric


def _table(heads: list[str], rows: list[list[str]], widths, ruled: bool) -> bytes:
    """A one-line header over `rows`, ruled or printed without gridlines: figures set right,
    other text set left."""
    raw, page = _canvas()
    page.setFont(FONT, 10)
    y = 800
    for line in TITLE:
        page.drawString(50, y, line)
        y -= 14
    edges = [40.0]
    for w in widths:
        edges.append(edges[-1] + w)
    body = [heads, *rows]
    tops = [y - 10 - 18 * r for r in range(len(body) + 1)]
    page.setFont(FONT, 9)
    for r, row in enumerate(body):
        for c, text in enumerate(row):
            if r and c >= 2 and text[:1].isdigit() and "." in text or r and text.replace(",", "").isdigit():
                page.drawRightString(edges[c + 1] - 3, tops[r] - 12, text)
            else:
                page.drawString(edges[c] + 3, tops[r] - 12, text)
    if ruled:
        for top in tops:
            page.line(edges[0], top, edges[-1], top)
        for at in edges:
            page.line(at, tops[0], at, tops[-1])
    page.setFont(FONT, 10)
    page.drawString(350, tops[-1] - 30, "TRƯỞNG CÔNG AN HUYỆN")
    page.showPage()
    page.save()
    return raw.getvalue()


def _units(first=lambda i: str(i + 1), extra=None) -> tuple[list[str], list[list[str]]]:
    """STT (as `first` writes it), the names, an `extra` column after them if given (its
    value per row), and the four figures."""
    heads = ["" if first(0) != "1" else "STT", "Đơn vị", *([""] if extra else []), *(HEAD[m] for m in FOUR)]
    rows = [
        [first(i), n, *([extra(i)] if extra else []), *(_dot(_figures(i)[m]) for m in FOUR)]
        for i, n in enumerate(KY)
    ]
    return heads, rows


_SHARE = lambda i: f"{100 * _figures(i)['collected'] / _figures(i)['eligible']:.1f}".replace(".", ",")  # noqa: E731

# A column under a blank header that is no count: read right before round 27, then refused
# as unheaded_figures (every PDF was asked, ruled ones too, and only 1, 2, 3 were numbers).
NO_COUNT = {
    "row numbers '1.', '2.'": dict(first=lambda i: f"{i + 1}."),
    "row numbers '1.1', '1.2'": dict(first=lambda i: f"1.{i + 1}"),
    "commune codes beside the names": dict(extra=lambda i: str(18757 + 3 * i)),
}


@pytest.mark.parametrize("ruled", [True, False], ids=["ruled", "borderless"])
@pytest.mark.parametrize("shape", NO_COUNT, ids=list(NO_COUNT))
def test_a_column_under_a_blank_header_that_is_no_count_is_not_refused(shape, ruled):
    heads, rows = _units(**NO_COUNT[shape])
    widths = (35, 110, *([45] if len(heads) == 7 else []), 110, 90, 80, 70)
    _read_right(ingest.import_bytes(None, _table(heads, rows, widths, ruled), "ky_anh.pdf"))


@pytest.mark.parametrize("ruled", [True, False], ids=["ruled", "borderless"])
def test_a_last_column_of_shares_under_a_blank_header_is_not_refused(ruled):
    heads, rows = _units()
    heads.append("")
    rows = [row + [_SHARE(i)] for i, row in enumerate(rows)]
    pdf = _table(heads, rows, (35, 110, 110, 90, 80, 70, 45), ruled)
    _read_right(ingest.import_bytes(None, pdf, "ky_anh.pdf"))


def test_a_ruled_column_of_counts_under_a_blank_header_is_said_not_refused_as_borderless():
    # A ruled cell left blank is blank: its column is not read, as before round 27, and now
    # said at its page, row and column (the refusal said "bảng không kẻ khung" of a table
    # with borders).
    heads, rows = _units()
    heads[-1] = ""
    report = ingest.import_bytes(None, _table(heads, rows, (35, 110, 110, 90, 80, 70), True), "ky_anh.pdf")
    assert report.status == "checked", report.message
    _read_right(report, FOUR[:3])
    (problem,) = [p for p in report.problems if p.code in ("unheaded_figures", "unheaded_column")]
    assert (problem.code, problem.page, problem.row, problem.column) == ("unheaded_column", 1, 1, "F"), (
        problem
    )


def test_counts_beside_the_names_under_a_blank_borderless_header_are_still_refused():
    # Two-digit day counts look like codes by their digits alone: only communes' codes in the
    # registry are let through; these are counts whose header went elsewhere.
    heads, rows = _units(extra=lambda i: str(17 + 7 * i))
    report = ingest.import_bytes(
        None, _table(heads, rows, (35, 110, 45, 110, 90, 80, 70), False), "ky_anh.pdf"
    )
    assert report.status == "refused"
    problem = next(p for p in report.problems if p.code == "unheaded_figures")
    assert (problem.page, problem.column) == (1, "C"), problem
