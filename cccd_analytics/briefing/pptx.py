"""The deck: a 16:9 PowerPoint with native, editable charts (python-pptx), one slide per
entry of the slide plan."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from datetime import date

from PIL import Image
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION, XL_MARKER_STYLE
from pptx.enum.dml import MSO_LINE
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Inches, Pt

from cccd_analytics import text as fmt
from cccd_analytics.briefing.charts import map_for
from cccd_analytics.briefing.model import AUTHOR, TITLE, Briefing, ChartData, Series, Table
from cccd_analytics.briefing.plan import Slide, as_list, slides
from cccd_analytics.briefing.style import COLORS, PPT_FONT, SLIDE_H, SLIDE_W, STATUS_COLORS

# Thousands with dots whatever the viewer's regional settings ("2.523.535"): literal dots,
# one section per magnitude (a plain "#,##0" would follow the viewer's locale).
VN_INT_FORMAT = "[>=1000000]#\\.###\\.##0;[>=1000]#\\.##0;0"


def rgb(hex_color: str):
    return RGBColor.from_string(hex_color)


def _estimate_lines(text: str, width_in: float, size_pt: float) -> int:
    # Arial averages about 0.45 em per character in Vietnamese running text.
    chars_per_line = max(int(width_in * 72 / (size_pt * 0.47)), 10)
    return max(1, math.ceil(len(text) / chars_per_line))


def _fit_size(
    texts: Sequence[str],
    width_in: float,
    height_in: float,
    largest: int = 22,
    smallest: int = 14,
    spacing: float = 1.25,
    gap_pt: float = 8,
) -> int:
    """The largest font size (pt) at which the paragraphs fit the box."""
    for size in range(largest, smallest - 1, -1):
        lines = sum(_estimate_lines(t, width_in, size) for t in texts)
        needed = (lines * size * spacing + gap_pt * len(texts)) / 72
        if needed <= height_in * 0.95:
            return size
    return smallest


def _text(
    slide,
    left,
    top,
    width,
    height,
    paragraphs,
    size=18,
    bold=False,
    color=COLORS["ink"],
    align=None,
    anchor=None,
    bullets: bool = False,
    gap_pt: float = 8,
    font=PPT_FONT,
):
    """A text box; `paragraphs` are strings or (text, {size, bold, color}) pairs."""
    box = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    tf = box.text_frame
    tf.word_wrap = True
    # Sizes are chosen to fit; "shrink on overflow" is the safety net if a viewer's font is wider.
    tf.auto_size = MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE
    tf.margin_left = tf.margin_right = Inches(0.05)
    tf.margin_top = tf.margin_bottom = Inches(0.03)
    tf.vertical_anchor = anchor or MSO_ANCHOR.TOP
    for i, item in enumerate(paragraphs):
        text, style = (item, {}) if isinstance(item, str) else item
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        if align is not None:
            p.alignment = align
        if i:
            p.space_before = Pt(gap_pt)
        run = p.add_run()
        run.text = ("• " if bullets else "") + text
        f = run.font
        f.name = font
        f.size = Pt(style.get("size", size))
        f.bold = style.get("bold", bold)
        f.color.rgb = rgb(style.get("color", color))
    return box


def _rect(slide, left, top, width, height, fill: str, line: str | None = None):
    shape = slide.shapes.add_shape(
        MSO_SHAPE.RECTANGLE, Inches(left), Inches(top), Inches(width), Inches(height)
    )
    shape.fill.solid()
    shape.fill.fore_color.rgb = rgb(fill)
    if line:
        shape.line.color.rgb = rgb(line)
        shape.line.width = Pt(1)
    else:
        shape.line.fill.background()
    shape.shadow.inherit = False
    return shape


def _slide_frame(prs, slide_def: Slide, b: Briefing, number: int, total: int):
    """A content slide: title placeholder, accent rule, footer."""
    slide = prs.slides.add_slide(prs.slide_layouts[5])  # "Title Only"
    title = slide.shapes.title
    title.left, title.top, title.width, title.height = Inches(0.5), Inches(0.3), Inches(12.33), Inches(0.8)
    tf = title.text_frame
    tf.word_wrap = True
    tf.text = slide_def.title
    p = tf.paragraphs[0]
    p.alignment = PP_ALIGN.LEFT
    for run in p.runs:
        run.font.name, run.font.size, run.font.bold = PPT_FONT, Pt(30), True
        run.font.color.rgb = rgb(COLORS["brand"])
    _rect(slide, 0.5, 1.12, 1.6, 0.06, COLORS["accent"])
    _text(slide, 0.5, 7.0, 9.3, 0.35, [b.campaign], size=11, color=COLORS["muted"])
    _text(
        slide,
        9.8,
        7.0,
        3.03,
        0.35,
        [f"Số liệu đến {fmt.date_vn(b.as_of)} · {number}/{total}"],
        size=11,
        color=COLORS["muted"],
        align=PP_ALIGN.RIGHT,
    )
    return slide


def _cover_lines(title: str) -> str:
    """The cover's title as it should break: after its dash when it runs over a line (the
    campaign, then its place and year: "Cao điểm 70 ngày, đêm —" / "Nghệ An 2023"), and
    never inside its last two words, so that no word is left alone on the last line
    ("… Nghệ" / "An 2023" cut a province's name in two).  "\v" is a line break within
    the paragraph in python-pptx; U+00A0 a space no line breaks at."""
    if len(title) > 30 and " — " in title:
        head, tail = title.split(" — ", 1)
        title = f"{head} —\v{tail}"
    words = title.rsplit(" ", 2)
    if len(words) == 3 and "\v" not in words[2] and len(words[1]) + len(words[2]) <= 16:
        title = f"{words[0]} {words[1]}\u00a0{words[2]}"
    return title


def _title_slide(prs, slide_def: Slide, b: Briefing):
    slide = prs.slides.add_slide(prs.slide_layouts[0])  # "Title Slide"
    background = slide.background.fill
    background.solid()
    background.fore_color.rgb = rgb(COLORS["brand"])
    _rect(slide, 0.8, 2.05, 2.2, 0.08, "FFD54F")
    _text(slide, 0.8, 1.1, 11.7, 0.8, [slide_def.lines[0].upper()], size=20, bold=True, color="FFD54F")
    title, subtitle = slide.shapes.title, slide.placeholders[1]
    title.left, title.top, title.width, title.height = Inches(0.8), Inches(2.35), Inches(11.7), Inches(2.3)
    title.text_frame.word_wrap = True
    title.text_frame.text = _cover_lines(slide_def.title)
    size = 40 if len(slide_def.title) <= 60 else 32
    for p in title.text_frame.paragraphs:
        p.alignment = PP_ALIGN.LEFT
        for run in p.runs:
            run.font.name, run.font.size, run.font.bold = PPT_FONT, Pt(size), True
            run.font.color.rgb = rgb("FFFFFF")
    subtitle.left, subtitle.top, subtitle.width, subtitle.height = (
        Inches(0.8),
        Inches(4.9),
        Inches(11.7),
        Inches(1.2),
    )
    subtitle.text_frame.word_wrap = True
    subtitle.text_frame.text = slide_def.subtitle
    for p in subtitle.text_frame.paragraphs:
        p.alignment = PP_ALIGN.LEFT
        for run in p.runs:
            run.font.name, run.font.size = PPT_FONT, Pt(26)
            run.font.color.rgb = rgb("E3ECF7")
    _text(
        slide,
        0.8,
        6.5,
        11.7,
        0.5,
        ["Hội nghị giao ban · số liệu do hệ thống theo dõi cấp CCCD tổng hợp"],
        size=14,
        color="B8C7DA",
    )
    return slide


def _figures_slide(slide, slide_def: Slide, b: Briefing):
    figures = b.figures
    cols, w, h, gap = 3, 3.95, 1.85, 0.24
    for i, f in enumerate(figures):
        r, c = divmod(i, cols)
        left, top = 0.5 + c * (w + gap), 1.45 + r * (h + gap)
        _rect(slide, left, top, w, h, COLORS["stripe"], line="D5DEEA")
        _rect(slide, left, top, 0.09, h, COLORS["brand"])
        _text(slide, left + 0.25, top + 0.12, w - 0.35, 0.45, [f.label], size=18, color=COLORS["muted"])
        _text(
            slide, left + 0.25, top + 0.55, w - 0.35, 0.75, [f.value], size=36, bold=True, color=COLORS["ink"]
        )
        if f.note:
            _text(slide, left + 0.25, top + 1.32, w - 0.35, 0.45, [f.note], size=15, color=COLORS["muted"])
    rows = math.ceil(len(figures) / cols)
    top = 1.45 + rows * (h + gap) + 0.05
    color = STATUS_COLORS.get(slide_def.status, COLORS["ink"])
    _rect(slide, 0.5, top, 12.33, 6.85 - top, "FFFFFF", line=color)
    _rect(slide, 0.5, top, 0.12, 6.85 - top, color)
    size = _fit_size(slide_def.lines, 11.8, 6.85 - top - 0.1, largest=24, smallest=16)
    _text(
        slide,
        0.8,
        top + 0.05,
        11.9,
        6.85 - top - 0.1,
        [(slide_def.lines[0], {"bold": True})],
        size=size,
        color=color,
        anchor=MSO_ANCHOR.MIDDLE,
    )


def _table(
    slide,
    table: Table,
    left,
    top,
    width,
    row_h=0.42,
    size=14,
    widths: Sequence[float] | None = None,
    max_height: float | None = None,
):
    """A native table: navy header, banded rows, status text coloured."""
    n_rows, n_cols = len(table.rows) + 1, len(table.columns)
    shape = slide.shapes.add_table(
        n_rows, n_cols, Inches(left), Inches(top), Inches(width), Inches(row_h * n_rows)
    )
    grid = shape.table
    grid.first_row = True
    grid.horz_banding = False
    if widths is None:
        weights = [
            max(len(c), *(len(r[j]) for r in table.rows), 4) if table.rows else len(c)
            for j, c in enumerate(table.columns)
        ]
        weights = [min(w, 28) for w in weights]
        widths = [width * w / sum(weights) for w in weights]
    for j, w in enumerate(widths):
        grid.columns[j].width = Inches(w)
    status_col = table.columns.index("Trạng thái") if "Trạng thái" in table.columns else None
    for i in range(n_rows):
        grid.rows[i].height = Inches(row_h if i else max(row_h, 0.5))
        for j in range(n_cols):
            cell = grid.cell(i, j)
            text = table.columns[j] if i == 0 else table.rows[i - 1][j]
            cell.margin_left = cell.margin_right = Inches(0.06)
            cell.margin_top = cell.margin_bottom = Inches(0.02)
            cell.vertical_anchor = MSO_ANCHOR.MIDDLE
            cell.fill.solid()
            cell.fill.fore_color.rgb = rgb(
                COLORS["brand"] if i == 0 else (COLORS["stripe"] if i % 2 == 0 else "FFFFFF")
            )
            tf = cell.text_frame
            tf.word_wrap = True
            tf.text = text
            p = tf.paragraphs[0]
            p.alignment = (
                {"r": PP_ALIGN.RIGHT, "c": PP_ALIGN.CENTER}.get(table.align[j], PP_ALIGN.LEFT)
                if i
                else PP_ALIGN.CENTER
            )
            for run in p.runs:
                run.font.name, run.font.size = PPT_FONT, Pt(size if i else size - 1)
                run.font.bold = i == 0
                color = "FFFFFF" if i == 0 else COLORS["ink"]
                if i and j == status_col and table.status:
                    color = STATUS_COLORS.get(table.status[i - 1], color)
                    run.font.bold = True
                run.font.color.rgb = rgb(color)
    return shape


def _chart_fonts(chart, size=14):
    chart.font.name = PPT_FONT
    chart.font.size = Pt(size)
    chart.font.color.rgb = rgb(COLORS["ink"])


def _line_format(series, s: Series, width_pt=2.5):
    line = series.format.line
    line.color.rgb = rgb(s.color)
    line.width = Pt(width_pt)
    if s.dash:
        line.dash_style = MSO_LINE.DASH
    series.marker.style = XL_MARKER_STYLE.NONE
    series.smooth = False


def _value_axis(axis, number_format=VN_INT_FORMAT, size=13):
    axis.has_major_gridlines = True
    axis.major_gridlines.format.line.color.rgb = rgb("E3E7ED")
    axis.tick_labels.number_format = number_format
    axis.tick_labels.number_format_is_linked = False
    axis.tick_labels.font.size = Pt(size)
    axis.format.line.fill.background()


def _date_axis(axis, n_days: int, size=13):
    """Dates as d/m, one label a week (two or four on long spans)."""
    axis.tick_labels.number_format = "d/m"
    axis.tick_labels.number_format_is_linked = False
    axis.tick_labels.font.size = Pt(size)
    axis.format.line.color.rgb = rgb("9AA5B1")
    ax = axis._element
    if ax.tag != qn("c:dateAx"):
        return
    step = 7 if n_days <= 100 else 14 if n_days <= 200 else 28
    for tag in ("c:majorUnit", "c:majorTimeUnit"):
        for el in ax.findall(qn(tag)):
            ax.remove(el)
    unit = ax.makeelement(qn("c:majorUnit"), {"val": str(step)})
    time_unit = ax.makeelement(qn("c:majorTimeUnit"), {"val": "days"})
    # Schema order: … lblOffset, baseTimeUnit, majorUnit, majorTimeUnit, minorUnit …
    anchor = ax.find(qn("c:baseTimeUnit"))
    if anchor is None:
        anchor = ax.find(qn("c:lblOffset"))
    if anchor is not None:
        anchor.addnext(unit)
    else:
        ax.append(unit)
    unit.addnext(time_unit)


def _chart_data(chart: ChartData, before: Sequence[Series] = ()):
    data = CategoryChartData(number_format=chart.number_format)
    data.categories = list(chart.categories)
    if chart.categories and isinstance(chart.categories[0], date):
        data.categories.number_format = "d/m/yyyy"
    for s in (*before, *chart.series):
        data.add_series(s.name, list(s.values))
    return data


def _band_series(chart: ChartData) -> tuple[Series, Series] | tuple:
    """The band of `chart` (its 80% range) as two series to stack as areas: the lower edge,
    drawn in no colour, and the range's width on it, shaded.  A native chart has no area
    between two lines; stacked on an unseen base it is one, and stays editable.  Where only
    one edge is known (past the end of the earlier path) the range is nothing.  Before the
    range starts the base holds its first value: a blank counts as 0 in an area, and the
    rise from 0 would be drawn as a hairline."""
    if chart.band is None:
        return ()
    name, one, other, color = chart.band
    base: list[float | None] = []
    width: list[float | None] = []
    for a, b in zip(one, other):
        known = [v for v in (a, b) if v is not None and math.isfinite(v)]
        base.append(min(known) if known else None)
        width.append(max(known) - min(known) if len(known) == 2 else 0.0)
    start = next((v for v in base if v is not None), None)
    if start is None or not any(width):
        return ()
    for i, v in enumerate(base):
        if v is not None:
            break
        base[i] = start
    return Series(f"{name} (cạnh dưới)", tuple(base), color), Series(name, tuple(width), color)


def _band_under(c, band: tuple[Series, Series]) -> None:
    """Move the two band series (the chart's first two) out of the line plot into a stacked
    area plot drawn under it, on the same axes: the base unfilled and out of the legend,
    the width shaded in the band's colour, see-through.  The base is the first series and
    the first entry of the legend, whichever of the two a viewer counts legend entries by."""
    line_chart = c._chartSpace.find(".//" + qn("c:lineChart"))
    area = line_chart.makeelement(qn("c:areaChart"), {})
    area.append(area.makeelement(qn("c:grouping"), {"val": "stacked"}))
    area.append(area.makeelement(qn("c:varyColors"), {"val": "0"}))
    sers = line_chart.findall(qn("c:ser"))[:2]
    for ser, s, filled in zip(sers, band, (False, True)):
        line_chart.remove(ser)
        for tag in ("c:marker", "c:smooth", "c:spPr"):
            for el in ser.findall(qn(tag)):
                ser.remove(el)
        sp = ser.makeelement(qn("c:spPr"), {})
        if filled:
            fill = sp.makeelement(qn("a:solidFill"), {})
            color = fill.makeelement(qn("a:srgbClr"), {"val": s.color.lstrip("#").upper()})
            color.append(color.makeelement(qn("a:alpha"), {"val": "22000"}))
            fill.append(color)
            sp.append(fill)
        else:
            sp.append(sp.makeelement(qn("a:noFill"), {}))
        ln = sp.makeelement(qn("a:ln"), {})
        ln.append(ln.makeelement(qn("a:noFill"), {}))
        sp.append(ln)
        # Schema order of an area series: idx, order, tx, spPr, …, cat, val.
        ser.find(qn("c:tx")).addnext(sp)
        area.append(ser)
    for ax in line_chart.findall(qn("c:axId")):
        area.append(area.makeelement(qn("c:axId"), {"val": ax.get("val")}))
    line_chart.addprevious(area)
    legend = c._chartSpace.find(".//" + qn("c:legend"))
    if legend is not None:
        entry = legend.makeelement(qn("c:legendEntry"), {})
        entry.append(entry.makeelement(qn("c:idx"), {"val": "0"}))
        entry.append(entry.makeelement(qn("c:delete"), {"val": "1"}))
        # Schema order of a legend: legendPos, legendEntry, layout, overlay, …
        position = legend.find(qn("c:legendPos"))
        if position is not None:
            position.addnext(entry)
        else:
            legend.insert(0, entry)


def _legend(chart, size=14):
    chart.has_legend = True
    chart.legend.position = XL_LEGEND_POSITION.BOTTOM
    chart.legend.include_in_layout = False
    chart.legend.font.size = Pt(size)


def _line_chart(slide, chart: ChartData, left, top, width, height):
    band = _band_series(chart)
    frame = slide.shapes.add_chart(
        XL_CHART_TYPE.LINE, Inches(left), Inches(top), Inches(width), Inches(height), _chart_data(chart, band)
    )
    c = frame.chart
    _chart_fonts(c)
    _legend(c)
    if band:
        _band_under(c, band)
    lines = next(p for p in c.plots if p._element.tag == qn("c:lineChart"))
    for series, s in zip(lines.series, chart.series):
        _line_format(series, s, 4 if s is chart.series[0] else 2.5)
    _value_axis(c.value_axis)
    _date_axis(c.category_axis, len(chart.categories))
    return frame


def _combo_chart(slide, chart: ChartData, left, top, width, height):
    """Bars for the "bar" series, lines for the others, on the same axes (editable in PowerPoint)."""
    frame = slide.shapes.add_chart(
        XL_CHART_TYPE.COLUMN_CLUSTERED,
        Inches(left),
        Inches(top),
        Inches(width),
        Inches(height),
        _chart_data(chart),
    )
    c = frame.chart
    _chart_fonts(c)
    _legend(c)
    bar_plot = c.plots[0]
    bar_plot.gap_width = 40
    for series, s in zip(bar_plot.series, chart.series):
        if s.kind == "bar":
            series.format.fill.solid()
            series.format.fill.fore_color.rgb = rgb(s.color)
            series.invert_if_negative = False
    lines = [i for i, s in enumerate(chart.series) if s.kind != "bar"]
    if lines:
        bar_chart = c._chartSpace.find(".//" + qn("c:barChart"))
        line_chart = bar_chart.makeelement(qn("c:lineChart"), {})
        grouping = line_chart.makeelement(qn("c:grouping"), {"val": "standard"})
        vary = line_chart.makeelement(qn("c:varyColors"), {"val": "0"})
        line_chart.extend([grouping, vary])
        sers = bar_chart.findall(qn("c:ser"))
        for i in lines:
            ser = sers[i]
            bar_chart.remove(ser)
            for tag in ("c:invertIfNegative", "c:shape"):
                for el in ser.findall(qn(tag)):
                    ser.remove(el)
            marker = ser.makeelement(qn("c:marker"), {})
            marker.append(marker.makeelement(qn("c:symbol"), {"val": "none"}))
            anchor = ser.find(qn("c:spPr"))
            if anchor is None:
                anchor = ser.find(qn("c:tx"))
            anchor.addnext(marker)
            ser.append(ser.makeelement(qn("c:smooth"), {"val": "0"}))
            line_chart.append(ser)
        line_chart.append(line_chart.makeelement(qn("c:marker"), {"val": "1"}))
        for ax in bar_chart.findall(qn("c:axId")):
            line_chart.append(line_chart.makeelement(qn("c:axId"), {"val": ax.get("val")}))
        bar_chart.addnext(line_chart)
        # The moved series are now the line plot's; style them.
        for series, i in zip(c.plots[1].series, lines):
            _line_format(series, chart.series[i], 3 if chart.series[i].name.startswith("Bình quân") else 2.5)
    _value_axis(c.value_axis)
    _date_axis(c.category_axis, len(chart.categories))
    return frame


def _bar_chart(slide, chart: ChartData, left, top, width, height, size=14):
    """Horizontal bars of shares, each labelled in Vietnamese format ("99,4%")."""
    frame = slide.shapes.add_chart(
        XL_CHART_TYPE.BAR_CLUSTERED,
        Inches(left),
        Inches(top),
        Inches(width),
        Inches(height),
        _chart_data(chart),
    )
    c = frame.chart
    _chart_fonts(c, size)
    c.has_legend = False
    c.has_title = False
    plot = c.plots[0]
    plot.gap_width = 45
    s = chart.series[0]
    series = plot.series[0]
    series.format.fill.solid()
    series.format.fill.fore_color.rgb = rgb(s.color)
    series.invert_if_negative = False
    top_value = max([v for v in s.values if v is not None] + [0.01])
    c.value_axis.minimum_scale = 0
    c.value_axis.maximum_scale = top_value * 1.15  # room for the labels
    _value_axis(c.value_axis, "0%", size - 1)
    c.value_axis.has_major_gridlines = False
    c.value_axis.visible = False
    c.category_axis.tick_labels.font.size = Pt(size)
    c.category_axis.format.line.color.rgb = rgb("9AA5B1")
    for point, value in zip(series.points, s.values):
        label = point.data_label
        label.position = XL_LABEL_POSITION.OUTSIDE_END
        tf = label.text_frame
        tf.text = fmt.percent(value) if chart.percent else fmt.number(value)
        for run in tf.paragraphs[0].runs:
            run.font.size, run.font.bold, run.font.name = Pt(size), True, PPT_FONT
            run.font.color.rgb = rgb(COLORS["ink"])
    return frame


def _parts_slide(slide, s: Slide) -> None:
    """Two native bar charts side by side (the priority groups' coverage, the channels'
    shares), each under its title, and the group milestones coloured by status below."""
    charts = [c for c in (s.chart, s.side_chart) if c is not None]
    bars = max((len(c.categories) for c in charts), default=0)
    chart_h = min(0.5 * bars + 0.4, 3.2)
    width = (12.33 - 0.4 * (len(charts) - 1)) / max(len(charts), 1)
    for i, chart in enumerate(charts):
        left = 0.5 + i * (width + 0.4)
        _text(slide, left, 1.25, width, 0.45, [(chart.title, {"bold": True})], size=16)
        _bar_chart(slide, chart, left, 1.7, width, chart_h, size=14)
    top = 1.7 + (chart_h if charts else 0) + 0.2
    if s.lines:
        colored = [
            (line, {"color": STATUS_COLORS.get(status, COLORS["ink"])} if status else {})
            for line, status in zip(s.lines, s.line_status or ("",) * len(s.lines))
        ]
        size = _fit_size(list(s.lines), 12.1, 7.0 - top, largest=18, smallest=11, gap_pt=6)
        _text(slide, 0.5, top, 12.33, 7.0 - top, colored, size=size, bullets=True, gap_pt=6)


def _picture(slide, png: bytes, left, top, width, height):
    with Image.open(io.BytesIO(png)) as im:
        ratio = im.width / im.height
    w, h = (width, width / ratio) if width / height < ratio else (height * ratio, height)
    return slide.shapes.add_picture(
        io.BytesIO(png), Inches(left + (width - w) / 2), Inches(top + (height - h) / 2), Inches(w), Inches(h)
    )


def render_slide(prs, s: Slide, b: Briefing, number: int, total: int, map_image: bytes | None):
    if s.kind == "title":
        return _title_slide(prs, s, b)
    slide = _slide_frame(prs, s, b, number, total)
    if s.kind == "figures":
        _figures_slide(slide, s, b)
    elif s.kind == "narrative":
        size = _fit_size(s.lines, 12.1, 5.6, largest=22, smallest=14, gap_pt=10)
        _text(slide, 0.5, 1.35, 12.33, 5.6, s.lines, size=size, bullets=True, gap_pt=10)
    elif s.kind == "cumulative":
        _line_chart(slide, s.chart, 0.4, 1.3, 12.5, 5.0)
        _text(
            slide,
            0.5,
            6.35,
            12.33,
            0.6,
            [s.subtitle],
            size=_fit_size([s.subtitle], 12.2, 0.6, 16, 11),
            color=COLORS["muted"],
        )
    elif s.kind == "daily":
        _combo_chart(slide, s.chart, 0.4, 1.3, 12.5, 5.0)
        _text(slide, 0.5, 6.35, 12.33, 0.6, [s.subtitle], size=16, color=COLORS["muted"])
    elif s.kind == "milestones":
        widths = [2.9, 1.3, 1.35, 1.45, 0.95, 1.0, 1.4, 1.98]
        _table(slide, s.table, 0.5, 1.4, 12.33, row_h=0.48, size=15, widths=widths)
        top = 1.4 + 0.5 + 0.48 * len(s.table.rows) + 0.25
        if s.lines and top < 6.3:
            size = _fit_size(s.lines, 12.0, 6.9 - top, largest=17, smallest=12, gap_pt=6)
            colored = [
                (t, {"color": STATUS_COLORS.get(m.status, COLORS["ink"])})
                for t, m in zip(s.lines, b.milestones[[m.text for m in b.milestones].index(s.lines[0]) :])
            ]
            _text(slide, 0.5, top, 12.33, 6.9 - top, colored, size=size, bullets=True, gap_pt=6)
    elif s.kind == "parts":
        _parts_slide(slide, s)
    elif s.kind == "ranking":
        rows = len(s.table.rows)
        chart_h = min(0.46 * rows + 0.3, 2.6)
        _bar_chart(slide, s.chart, 0.5, 1.3, 12.33, chart_h, size=15)
        widths = [0.7, 3.1, 1.65, 1.65, 1.5, 1.45, 2.28]
        _table(slide, s.table, 0.5, 1.3 + chart_h + 0.15, 12.33, row_h=0.42, size=15, widths=widths)
    elif s.kind == "map":
        if map_image:
            _picture(slide, map_image, 0.5, 1.3, 12.33, 5.6)
    elif s.kind == "teams":
        three = "Huyện" in s.table.columns
        widths = ([0.6, 2.4, 1.6] if three else [0.6, 3.2]) + [1.1, 1.25, 1.2, 1.35, 1.45, 1.38]
        widths = [w * 12.33 / sum(widths) for w in widths]
        _table(slide, s.table, 0.5, 1.35, 12.33, row_h=0.4, size=14, widths=widths)
        top = 1.35 + 0.5 + 0.4 * len(s.table.rows) + 0.12
        notes = ([(s.more, {"bold": True})] if s.more else []) + list(s.lines)
        if notes:
            size = _fit_size(
                [n if isinstance(n, str) else n[0] for n in notes],
                12.2,
                6.95 - top,
                largest=16,
                smallest=11,
                gap_pt=4,
            )
            _text(slide, 0.5, top, 12.33, 6.95 - top, notes, size=size, gap_pt=4)
    elif s.kind == "caveats":
        size = _fit_size(s.lines, 12.1, 5.5, largest=20, smallest=12, gap_pt=10)
        _text(slide, 0.5, 1.4, 12.33, 5.5, s.lines, size=size, bullets=True, gap_pt=10)
    return slide


def write_pptx(
    briefings: Briefing | Sequence[Briefing],
    path,
    *,
    include_map: bool = True,
    map_image: bytes | None = None,
) -> None:
    """Write the deck (16:9, Vietnamese, native charts) to a path or a binary file object.

    Several briefings (one per campaign) follow each other in one deck.  The map slide is
    added when `map_image` is given (one briefing) or, with `include_map`, when `map_png`
    can draw it (needs Chromium; a few seconds).
    """
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(SLIDE_W), Inches(SLIDE_H)
    items = as_list(briefings)
    plans = []
    for b in items:
        image = map_for(b, items, include_map, map_image)
        plans.append((b, slides(b, with_map=image is not None), image))
    # Slides are numbered through the whole deck, campaigns one after the other.
    total, number = sum(len(plan) for _, plan, _ in plans), 0
    for b, plan, image in plans:
        for s in plan:
            number += 1
            render_slide(prs, s, b, number, total, image)
    _in_vietnamese(prs)
    core = prs.core_properties
    core.title = items[0].campaign if len(items) == 1 else TITLE
    core.subject = TITLE
    core.author = AUTHOR
    core.language = "vi-VN"
    prs.save(path if hasattr(path, "write") else str(path))


def _in_vietnamese(prs) -> None:
    """Every piece of text tagged Vietnamese (lang="vi-VN"): python-pptx's template tags
    its text English, so PowerPoint underlined every Vietnamese word as misspelt, and a
    screen reader would read it with English sounds.  The runs, the paragraphs' ends, the
    defaults of the masters and layouts, and the charts' texts."""
    from lxml import etree
    from pptx.oxml.ns import qn

    tags = (qn("a:rPr"), qn("a:endParaRPr"), qn("a:defRPr"))

    def tag(root) -> None:
        for run in root.iter(qn("a:r")):
            if run.find(qn("a:rPr")) is None:
                run.insert(0, etree.SubElement(run, qn("a:rPr")))
        for element in root.iter(*tags):
            element.set("lang", "vi-VN")

    for master in prs.slide_masters:
        tag(master._element)
        for layout in master.slide_layouts:
            tag(layout._element)
    for slide in prs.slides:
        tag(slide._element)
        for shape in slide.shapes:
            if getattr(shape, "has_chart", False) and shape.has_chart:
                tag(shape.chart._chartSpace)


def pptx_bytes(briefings, **kwargs) -> bytes:
    buffer = io.BytesIO()
    write_pptx(briefings, buffer, **kwargs)
    return buffer.getvalue()
