"""The same content as an A4-landscape PDF (reportlab): vector charts drawn here, Liberation
Sans shipped in data/fonts so Vietnamese renders without system fonts."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from xml.sax.saxutils import escape

from PIL import Image as PILImage
from reportlab.graphics.shapes import Drawing, Line, Polygon, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.fonts import addMapping
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Flowable,
    Image,
    KeepInFrame,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Table as RLTable

from cccd_analytics import text as fmt
from cccd_analytics.briefing.charts import map_for
from cccd_analytics.briefing.model import AUTHOR, TEAM_ORDER_NOTE, TITLE, Briefing, ChartData, Table
from cccd_analytics.briefing.plan import as_list, map_title, slides
from cccd_analytics.briefing.style import COLORS, FONT_DIR, PDF_FONT, PDF_FONT_BOLD, STATUS_COLORS


def register_fonts() -> None:
    if PDF_FONT in pdfmetrics.getRegisteredFontNames():
        return
    pdfmetrics.registerFont(TTFont(PDF_FONT, str(FONT_DIR / "LiberationSans-Regular.ttf")))
    pdfmetrics.registerFont(TTFont(PDF_FONT_BOLD, str(FONT_DIR / "LiberationSans-Bold.ttf")))
    addMapping(PDF_FONT, 0, 0, PDF_FONT)
    addMapping(PDF_FONT, 1, 0, PDF_FONT_BOLD)
    addMapping(PDF_FONT, 0, 1, PDF_FONT)
    addMapping(PDF_FONT, 1, 1, PDF_FONT_BOLD)


def _pdf_color(hex_color: str):
    return colors.HexColor("#" + hex_color)


def _nice_max(value: float) -> tuple[float, float]:
    """An axis top and tick step: 2.523.535 → (3.000.000, 500.000)."""
    if not value or value <= 0 or not math.isfinite(value):
        return 1.0, 0.25
    raw = value / 5
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    return math.ceil(value / step) * step, step


def _pdf_chart(chart: ChartData, width: float, height: float):
    """Lines and bars over date categories, with a legend above and Vietnamese labels.

    Long on purpose: one reportlab drawing (axes, gridlines, series, labels, legend) whose
    coordinates every part shares.
    """
    d = Drawing(width, height, initialFontName=PDF_FONT)
    n = len(chart.categories)
    if not n:
        return d
    left, right, bottom, top = 62, 8, 22, 26
    pw, ph = width - left - right, height - bottom - top
    values = [v for s in chart.series for v in s.values if v is not None and math.isfinite(v)]
    y_max, step = _nice_max(max(values) if values else 1)
    y = lambda v: bottom + ph * (v / y_max)  # noqa: E731
    x = lambda i: left + pw * ((i + 0.5) / n)  # noqa: E731
    grid, ink, muted = _pdf_color("E3E7ED"), _pdf_color(COLORS["ink"]), _pdf_color(COLORS["muted"])
    tick = 0.0
    while tick <= y_max + 1e-9:
        d.add(Line(left, y(tick), left + pw, y(tick), strokeColor=grid, strokeWidth=0.6))
        d.add(
            String(
                left - 4,
                y(tick) - 3,
                fmt.number(tick),
                fontName=PDF_FONT,
                fontSize=7.5,
                fillColor=muted,
                textAnchor="end",
            )
        )
        tick += step
    d.add(Line(left, bottom, left + pw, bottom, strokeColor=_pdf_color("9AA5B1"), strokeWidth=0.8))
    label_step = 7 if n <= 100 else 14 if n <= 200 else 28
    for i, c in enumerate(chart.categories):
        if i % label_step == 0:
            d.add(Line(x(i), bottom, x(i), bottom - 3, strokeColor=muted, strokeWidth=0.6))
            d.add(
                String(
                    x(i),
                    bottom - 12,
                    fmt.date_vn(c, year=False),
                    fontName=PDF_FONT,
                    fontSize=7.5,
                    fillColor=muted,
                    textAnchor="middle",
                )
            )
    if chart.band is not None:
        _, low, high, band_color = chart.band
        points = [
            (x(i), y(lo), y(hi)) for i, (lo, hi) in enumerate(zip(low, high)) if _finite(lo) and _finite(hi)
        ]
        if len(points) >= 2:
            outline = [v for px, lo, _ in points for v in (px, lo)] + [
                v for px, _, hi in reversed(points) for v in (px, hi)
            ]
            shade = _pdf_color(band_color)
            d.add(Polygon(outline, fillColor=shade, fillOpacity=0.16, strokeColor=None, strokeWidth=0))
    index = {c: i for i, c in enumerate(chart.categories)}
    for category, label in chart.markers:
        if category not in index:
            continue
        mx = x(index[category])
        d.add(Line(mx, bottom, mx, bottom + ph, strokeColor=ink, strokeWidth=0.9, strokeDashArray=[2, 2]))
        d.add(
            String(
                mx - 3, bottom + ph - 9, label, fontName=PDF_FONT, fontSize=8, fillColor=ink, textAnchor="end"
            )
        )
    bar_w = pw / n * 0.72
    for s in chart.series:
        color = _pdf_color(s.color)
        if s.kind == "bar":
            for i, v in enumerate(s.values):
                if v is not None and math.isfinite(v) and v > 0:
                    d.add(
                        Rect(
                            x(i) - bar_w / 2, bottom, bar_w, y(v) - bottom, fillColor=color, strokeColor=None
                        )
                    )
            continue
        segment: list[float] = []
        for i, v in enumerate([*s.values, None]):
            if v is not None and math.isfinite(v):
                segment += [x(i), y(v)]
                continue
            if len(segment) >= 4:
                d.add(
                    PolyLine(
                        segment,
                        strokeColor=color,
                        strokeWidth=2.2 if not s.dash else 1.6,
                        strokeDashArray=[5, 3] if s.dash else None,
                        strokeLineJoin=1,
                    )
                )
            segment = []
    # Legend above the plot.
    lx = left
    band = () if chart.band is None else (chart.band,)
    for s in (*chart.series, *band):
        if isinstance(s, tuple):  # the band: a shaded square
            name = s[0]
            d.add(
                Rect(lx, height - 13, 12, 7, fillColor=_pdf_color(s[3]), fillOpacity=0.25, strokeColor=None)
            )
            d.add(String(lx + 18, height - 12.5, name, fontName=PDF_FONT, fontSize=8.5, fillColor=ink))
            lx += 18 + stringWidth(name, PDF_FONT, 8.5) + 16
            continue
        color = _pdf_color(s.color)
        if s.kind == "bar":
            d.add(Rect(lx, height - 13, 12, 7, fillColor=color, strokeColor=None))
        else:
            d.add(
                Line(
                    lx,
                    height - 9.5,
                    lx + 14,
                    height - 9.5,
                    strokeColor=color,
                    strokeWidth=2,
                    strokeDashArray=[4, 2] if s.dash else None,
                )
            )
        d.add(String(lx + 18, height - 12.5, s.name, fontName=PDF_FONT, fontSize=8.5, fillColor=ink))
        lx += 18 + stringWidth(s.name, PDF_FONT, 8.5) + 16
    return d


def _finite(value) -> bool:
    return value is not None and math.isfinite(value)


def _pdf_hbars(chart: ChartData, width: float, height: float):
    """Horizontal bars of shares with Vietnamese labels ("99,4%"), first category on top."""
    d = Drawing(width, height, initialFontName=PDF_FONT)
    s = chart.series[0] if chart.series else None
    if s is None or not chart.categories:
        return d
    names = list(chart.categories)[::-1]  # chart data is bottom-up
    values = list(s.values)[::-1]
    label_w = min(max(stringWidth(str(nm), PDF_FONT, 8.5) for nm in names) + 6, width * 0.45)
    top_v = max([v for v in values if v is not None] + [0.01]) * 1.2
    row = height / len(names)
    for i, (name, v) in enumerate(zip(names, values)):
        yy = height - (i + 1) * row
        d.add(
            String(
                label_w - 4,
                yy + row * 0.35,
                str(name),
                fontName=PDF_FONT,
                fontSize=8.5,
                fillColor=_pdf_color(COLORS["ink"]),
                textAnchor="end",
            )
        )
        if v is None:
            continue
        w = (width - label_w - 4) * v / top_v
        d.add(Rect(label_w, yy + row * 0.18, w, row * 0.64, fillColor=_pdf_color(s.color), strokeColor=None))
        d.add(
            String(
                label_w + w + 3,
                yy + row * 0.35,
                fmt.percent(v) if chart.percent else fmt.number(v),
                fontName=PDF_FONT_BOLD,
                fontSize=8.5,
                fillColor=_pdf_color(COLORS["ink"]),
            )
        )
    return d


def _pdf_styles():
    base = dict(
        fontName=PDF_FONT,
        bulletFontName=PDF_FONT,
        textColor=_pdf_color(COLORS["ink"]),
        leading=16,
        fontSize=12,
    )
    return {
        "kicker": ParagraphStyle(
            "kicker",
            **{**base, "fontName": PDF_FONT_BOLD, "fontSize": 10, "textColor": _pdf_color(COLORS["accent"])},
        ),
        "title": ParagraphStyle(
            "title",
            **{
                **base,
                "fontName": PDF_FONT_BOLD,
                "fontSize": 22,
                "leading": 27,
                "textColor": _pdf_color(COLORS["brand"]),
                "spaceBefore": 4,
            },
        ),
        "subtitle": ParagraphStyle(
            "subtitle",
            **{
                **base,
                "fontSize": 13,
                "leading": 17,
                "textColor": _pdf_color(COLORS["muted"]),
                "spaceAfter": 8,
            },
        ),
        "h2": ParagraphStyle(
            "h2",
            **{
                **base,
                "fontName": PDF_FONT_BOLD,
                "fontSize": 14,
                "leading": 18,
                "textColor": _pdf_color(COLORS["brand"]),
                "spaceBefore": 12,
                "spaceAfter": 6,
            },
        ),
        "body": ParagraphStyle("body", **{**base, "spaceAfter": 5}),
        "bullet": ParagraphStyle("bullet", **{**base, "leftIndent": 12, "bulletIndent": 2, "spaceAfter": 5}),
        "small": ParagraphStyle(
            "small",
            **{**base, "fontSize": 10, "leading": 13, "leftIndent": 12, "bulletIndent": 2, "spaceAfter": 3},
        ),
        "note": ParagraphStyle(
            "note", **{**base, "fontSize": 9, "leading": 12, "textColor": _pdf_color(COLORS["muted"])}
        ),
        "cell": ParagraphStyle("cell", **{**base, "fontSize": 8.5, "leading": 10.5}),
        "cell_r": ParagraphStyle("cell_r", **{**base, "fontSize": 8.5, "leading": 10.5, "alignment": 2}),
        "head": ParagraphStyle(
            "head",
            **{
                **base,
                "fontName": PDF_FONT_BOLD,
                "fontSize": 8.5,
                "leading": 10.5,
                "textColor": _pdf_color("FFFFFF"),
                "alignment": 1,
            },
        ),
        "fig_label": ParagraphStyle(
            "fig_label", **{**base, "fontSize": 8.5, "leading": 11, "textColor": _pdf_color(COLORS["muted"])}
        ),
        "fig_value": ParagraphStyle(
            "fig_value", **{**base, "fontName": PDF_FONT_BOLD, "fontSize": 17, "leading": 21}
        ),
        "fig_note": ParagraphStyle(
            "fig_note", **{**base, "fontSize": 7.5, "leading": 9.5, "textColor": _pdf_color(COLORS["muted"])}
        ),
    }


def _esc(text: str) -> str:
    return escape(str(text))


def _pdf_table(table: Table, width: float, styles, widths: Sequence[float] | None = None):
    if widths is None:
        weights = [
            min(max(len(c), *(len(r[j]) for r in table.rows), 4), 28) if table.rows else len(c)
            for j, c in enumerate(table.columns)
        ]
        widths = [width * w / sum(weights) for w in weights]
    else:
        widths = [width * w / sum(widths) for w in widths]
    status_col = table.columns.index("Trạng thái") if "Trạng thái" in table.columns else None
    data = [[Paragraph(_esc(c), styles["head"]) for c in table.columns]]
    for i, row in enumerate(table.rows):
        cells = []
        for j, text in enumerate(row):
            style = styles["cell_r"] if table.align[j] == "r" else styles["cell"]
            markup = _esc(text)
            if j == status_col and table.status:
                markup = f'<font color="#{STATUS_COLORS.get(table.status[i], COLORS["ink"])}"><b>{markup}</b></font>'
            cells.append(Paragraph(markup, style))
        data.append(cells)
    grid = RLTable(data, colWidths=widths, repeatRows=1)
    commands = [
        ("FONTNAME", (0, 0), (-1, -1), PDF_FONT),
        ("BACKGROUND", (0, 0), (-1, 0), _pdf_color(COLORS["brand"])),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, _pdf_color("D5DEEA")),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    for i in range(2, len(data), 2):
        commands.append(("BACKGROUND", (0, i), (-1, i), _pdf_color(COLORS["stripe"])))
    grid.setStyle(TableStyle(commands))
    return grid


def pdf_story(b: Briefing, styles, width: float, map_image: bytes | None, team_rows: int):
    """Long on purpose: one branch per kind of slide of the plan, as `pptx.render_slide` has, so
    the PDF and the deck are read side by side."""
    story = [
        Paragraph(_esc(b.title.upper()), styles["kicker"]),
        Paragraph(_esc(b.campaign), styles["title"]),
        Paragraph(_esc(f"{b.unit_name} · Số liệu tính đến ngày {fmt.date_vn(b.as_of)}"), styles["subtitle"]),
    ]
    tiles = [
        [
            Paragraph(_esc(f.label), styles["fig_label"]),
            Paragraph(_esc(f.value), styles["fig_value"]),
            Paragraph(_esc(f.note), styles["fig_note"]),
        ]
        for f in b.figures
    ]
    cell_w = width / max(len(tiles), 1)
    grid = RLTable([tiles], colWidths=[cell_w] * len(tiles))
    grid.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), PDF_FONT),
                ("BACKGROUND", (0, 0), (-1, -1), _pdf_color(COLORS["stripe"])),
                ("LINEABOVE", (0, 0), (-1, 0), 2.5, _pdf_color(COLORS["brand"])),
                ("INNERGRID", (0, 0), (-1, -1), 5, _pdf_color("FFFFFF")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    story += [grid, Spacer(1, 8)]
    verdict = next((s.lines[0] for s in slides(b) if s.kind == "figures"), b.status_label)
    color = STATUS_COLORS.get(b.headline.status, COLORS["ink"])
    story.append(Paragraph(f'<font color="#{color}"><b>{_esc(verdict)}</b></font>', styles["body"]))
    # The assessment belongs on the first page with the figures it explains: a long one is
    # set smaller to fit the room left (0, 0: the frame's), rather than leaving a lone
    # bullet on a page of its own before the charts.
    assessment = [Paragraph("Đánh giá", styles["h2"])]
    assessment += [Paragraph(_esc(p), styles["bullet"], bulletText="•") for p in b.narrative]
    story.append(KeepInFrame(0, 0, assessment, mode="shrink"))
    story.append(PageBreak())

    if b.cumulative.series:
        story.append(
            KeepTogether(
                [
                    Paragraph("Lũy kế thu nhận so với chỉ tiêu", styles["h2"]),
                    _pdf_chart(b.cumulative, width, 235),
                    Paragraph(_esc(b.cumulative.note), styles["note"]),
                ]
            )
        )
    if b.daily.series:
        story.append(
            KeepTogether(
                [
                    Paragraph("Thu nhận mỗi ngày", styles["h2"]),
                    _pdf_chart(b.daily, width, 165),
                    Paragraph(_esc(b.daily.note), styles["note"]),
                ]
            )
        )
    story.append(PageBreak())

    story.append(Paragraph("Tiến độ các mốc", styles["h2"]))
    story.append(_pdf_table(b.milestone_table, width, styles, [2.9, 1.3, 1.35, 1.45, 0.95, 1.0, 1.4, 1.98]))
    story.append(Spacer(1, 4))
    story += [
        Paragraph(
            f'<font color="#{STATUS_COLORS.get(m.status, COLORS["ink"])}">{_esc(m.text)}</font>',
            styles["small"],
            bulletText="•",
        )
        for m in b.milestones
    ]
    plan = {s.kind: s for s in slides(b)}
    if "parts" in plan:
        # Priority groups and channels: the deck's slide, its two bar charts side by side.
        part = plan["parts"]
        charts = [c for c in (part.chart, part.side_chart) if c is not None]
        cell = width / max(len(charts), 1)
        drawn = [
            [
                Paragraph(f"<b>{_esc(c.title)}</b>", styles["small"]),
                _pdf_hbars(c, cell - 8, 20 * len(c.categories)),
            ]
            for c in charts
        ]
        grid = RLTable([[d for d in drawn]], colWidths=[cell] * len(charts)) if charts else None
        block = [Paragraph(_esc(part.title), styles["h2"])]
        if grid is not None:
            grid.setStyle(
                TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
            )
            block.append(grid)
        block += [
            Paragraph(
                f'<font color="#{STATUS_COLORS.get(status, COLORS["ink"])}">{_esc(line)}</font>',
                styles["small"],
                bulletText="•",
            )
            for line, status in zip(part.lines, part.line_status or ("",) * len(part.lines))
        ]
        story.append(KeepTogether(block))
    level = "huyện" if b.ranking_level == "district" else "xã"
    for heading, table, chart in (
        (f"Các {level} dẫn đầu", b.top, b.top_chart),
        (f"Các {level} thấp nhất", b.bottom, b.bottom_chart),
    ):
        if not table.rows:
            continue
        bars = _pdf_hbars(chart, width * 0.3, 20 * len(table.rows))
        side = RLTable(
            [[bars, _pdf_table(table, width * 0.68, styles, [0.7, 3.1, 1.65, 1.65, 1.5, 1.45, 2.28])]],
            colWidths=[width * 0.31, width * 0.69],
        )
        side.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), PDF_FONT),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ]
            )
        )
        story.append(KeepTogether([Paragraph(heading, styles["h2"]), side]))
    if map_image:
        with PILImage.open(io.BytesIO(map_image)) as im:
            ratio = im.height / im.width
        w = min(width, 430 / ratio)
        story.append(PageBreak())
        story.append(Paragraph(escape(map_title(b)), styles["h2"]))
        story.append(Image(io.BytesIO(map_image), width=w, height=w * ratio))
    if b.teams.rows:
        story.append(PageBreak())
        story.append(Paragraph(_esc(b.teams.title), styles["h2"]))
        if b.teams_summary:
            story.append(Paragraph(_esc(b.teams_summary), styles["body"]))
        story.append(
            Paragraph(
                TEAM_ORDER_NOTE + " Danh sách đầy đủ trong bảng số liệu Excel của cùng buổi giao ban.",
                styles["note"],
            )
        )
        story.append(Spacer(1, 4))
        three = "Huyện" in b.teams.columns
        widths = ([0.6, 2.4, 1.6] if three else [0.6, 3.2]) + [1.1, 1.25, 1.2, 1.35, 1.45, 1.38]
        story.append(_pdf_table(b.teams.head(team_rows), width, styles, widths))
        more = b.teams.more_text(min(team_rows, len(b.teams.rows)))
        if more:
            story.append(Paragraph(f"<b>{_esc(more)}</b>", styles["body"]))
    story.append(
        KeepTogether(
            [
                Paragraph("Lưu ý về số liệu", styles["h2"]),
                *[Paragraph(_esc(c), styles["bullet"], bulletText="•") for c in b.caveats],
            ]
        )
    )
    return story


def write_pdf(
    briefings: Briefing | Sequence[Briefing],
    path,
    *,
    include_map: bool = True,
    map_image: bytes | None = None,
    team_rows: int = 40,
) -> None:
    """Write the briefing as an A4-landscape PDF (path or binary file object)."""
    register_fonts()
    items = as_list(briefings)
    page_w, page_h = landscape(A4)
    margin = 36
    target = path if hasattr(path, "write") else str(path)
    doc = _CampaignDoc(
        target,
        pagesize=(page_w, page_h),
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin + 6,
        bottomMargin=margin,
        title=items[0].campaign,
        author=AUTHOR,
        subject=TITLE,
        lang="vi-VN",
        initialFontName=PDF_FONT,
        initialFontSize=10,
    )
    styles = _pdf_styles()
    width = page_w - 2 * margin
    story = []
    for k, b in enumerate(items):
        image = map_for(b, items, include_map, map_image)
        if k:
            story.append(PageBreak())
        story.append(_CampaignStarts(doc, b))
        story += pdf_story(b, styles, width, image, team_rows)

    def decorate(canvas, document):
        # Each page's footer names the campaign on it and that campaign's own date: a deck of
        # Kỳ Anh 2021 and Nghệ An 2023 must not date Nghệ An's pages 15/5/2021.
        b = document.current or items[0]
        canvas.saveState()
        canvas.setFillColor(_pdf_color(COLORS["brand"]))
        canvas.rect(0, page_h - 10, page_w, 10, stroke=0, fill=1)
        canvas.setFont(PDF_FONT, 8)
        canvas.setFillColor(_pdf_color(COLORS["muted"]))
        canvas.drawString(margin, 18, b.campaign)
        canvas.drawRightString(
            page_w - margin, 18, f"Số liệu đến {fmt.date_vn(b.as_of)} · Trang {document.page}"
        )
        canvas.restoreState()

    doc.decorate = decorate
    doc.build(story)


class _CampaignStarts(Flowable):
    """A marker with no size: where it is laid out, the pages after it belong to its campaign."""

    def __init__(self, doc: _CampaignDoc, briefing: Briefing):
        super().__init__()
        self.doc, self.briefing = doc, briefing

    def wrap(self, avail_width, avail_height):
        return 0, 0

    def draw(self):
        self.doc.current = self.briefing


class _CampaignDoc(SimpleDocTemplate):
    """Draws the page's band and footer when the page ends, once its flowables (and so the
    campaign it belongs to) are known; a page-begin hook would still see the previous campaign."""

    current: Briefing | None = None
    decorate = None

    def afterPage(self):
        if self.decorate is not None:
            self.decorate(self.canv, self)


def pdf_bytes(briefings, **kwargs) -> bytes:
    buffer = io.BytesIO()
    write_pdf(briefings, buffer, **kwargs)
    return buffer.getvalue()
