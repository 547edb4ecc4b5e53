"""The map of units, from the shipped GeoJSON: shapes coloured by coverage or status with
each unit's name and coverage written on it (no tiles, nothing fetched)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from cccd_analytics import text as fmt
from cccd_analytics.charts.style import FONT, STATUS_COLORS, escaped
from cccd_analytics.i18n import t


def unit_map(
    figures: pd.DataFrame,
    geojson: dict,
    color_by: str = "coverage",
    title: str | None = None,
    label_points: dict | None = None,
    height: int = 640,
    width: int | None = None,
    label_size: int | None = None,
    every_label: bool = False,
) -> go.Figure:
    """A map leaders can read: each shape coloured by coverage or status, with its name and
    coverage written on it, the status layer's legend counting the units per status.

    Drawn as plain SVG shapes on hidden axes (longitude, latitude scaled by cos(latitude)),
    not on a MapLibre map: MapLibre draws text only with glyphs fetched from a font
    server, and the product runs offline.  `figures` comes from `geo.map_units`; each
    label is a point carrying the unit's key (`customdata`), so a click on it selects
    the unit (st.plotly_chart on_select).  Shapes without figures are drawn grey.

    A label that would run into one already written (the three units that lag most are
    written first, then larger shapes before smaller) is
    written beside its point, smaller, or left off, its point still there to hover and click: names written over each other in a
    town's cluster of small wards could be read by nobody.  `width` (the page's is not known:
    the 820 px of a 1280-px desktop beside the sidebar is assumed, the narrowest it is drawn
    on with its labels; a wider page only moves them apart) and `label_size` say how large the map and its labels are drawn;
    `every_label` (a slide, which nobody can hover): a label is never left off, only smaller.
    """
    import math

    from cccd_analytics import geo

    data = figures.set_index("key")
    # Summed 2025 communes carry no name of their own: the boundary file's.
    shape_names = pd.Series({f["properties"]["key"]: f["properties"]["name"] for f in geojson["features"]})
    data = data.assign(name=data["name"].fillna(shape_names.reindex(data.index)))
    points = label_points or {
        f["properties"]["key"]: geo.label_point(f["geometry"]) for f in geojson["features"]
    }
    lon0, lat0, lon1, lat1 = geo.bounds(geojson)
    fig = go.Figure()
    low = max(0.0, math.floor(float(data["coverage"].min() if len(data) else 0) * 10) / 10)
    low = min(low, 0.9)

    _shape_traces(fig, data, geojson, color_by, low)
    lat_mid = math.radians((lat0 + lat1) / 2)
    # Pixels per degree of longitude as drawn: the height bounds it, or the width.
    plot_height = height - (50 if title else 10)
    per_lon = min(
        plot_height / (lat1 - lat0 + 0.04) * math.cos(lat_mid), (width or PAGE_MAP_PX) / (lon1 - lon0 + 0.04)
    )
    areas = {f["properties"]["key"]: geo.area(f["geometry"]) for f in geojson["features"]}
    frame = (lon0 - 0.02, lat0 - 0.02, lon1 + 0.02, lat1 + 0.02)
    if every_label and width:
        # A slide's plot is wider than the province (plotly widens the x range to keep the
        # shapes' proportions): a label moved out may use the white beside it, short of
        # the colour bar.
        half = max((lon1 - lon0) / 2 + 0.02, (width - (120 if color_by == "coverage" else 0)) / 2 / per_lon)
        middle = (lon0 + lon1) / 2
        frame = (middle - half, frame[1], middle + half, frame[3])
    fig.add_traces(
        _label_trace(
            data,
            points,
            areas,
            label_size,
            per_lon,
            per_lon / math.cos(lat_mid),
            every_label,
            frame,
            geo.land_mask(geojson["features"], frame) if every_label else None,
        )
    )
    if color_by == "coverage" and len(data):
        fig.add_trace(_coverage_scale(low))
    fig.update_xaxes(visible=False, range=[lon0 - 0.02, lon1 + 0.02])
    fig.update_yaxes(
        visible=False, range=[lat0 - 0.02, lat1 + 0.02], scaleanchor="x", scaleratio=1 / math.cos(lat_mid)
    )
    fig.update_layout(
        title=dict(text=escaped(title), x=0, xanchor="left") if title else None,
        height=height,
        margin=dict(l=0, r=0, t=50 if title else 10, b=0),
        font=FONT,
        plot_bgcolor="white",
        paper_bgcolor="white",
        hovermode="closest",
        dragmode="pan",
        clickmode="event+select",
        legend=dict(
            orientation="v", x=0, y=0, xanchor="left", yanchor="bottom", bgcolor="rgba(255,255,255,0.8)"
        ),
        separators=",.",
    )
    return fig


def _shape_traces(fig: go.Figure, data: pd.DataFrame, geojson: dict, color_by: str, low: float) -> None:
    """The units' shapes, one filled trace per colour (per status: its legend entry counts
    the units); shapes without figures grey."""
    import plotly.colors as pc

    from cccd_analytics import geo
    from cccd_analytics.analytics.metrics import STATUS_LABELS, STATUS_ORDER

    def colour(key) -> str:
        if key not in data.index or pd.isna(data.at[key, "coverage"]):
            return "#E0E0E0"
        if color_by == "status":
            return STATUS_COLORS.get(data.at[key, "status"], "#9E9E9E")
        share = (min(float(data.at[key, "coverage"]), 1.0) - low) / (1.0 - low)
        return pc.sample_colorscale("RdYlGn", [max(0.0, min(share, 1.0))])[0]

    groups: dict[str, list] = {}
    for feature in geojson["features"]:
        key = feature["properties"]["key"]
        status = data.at[key, "status"] if key in data.index else None
        group = (status if color_by == "status" else colour(key)) or "none"
        groups.setdefault(group, []).append(feature)
    counts = data["status"].value_counts() if len(data) else pd.Series(dtype=int)
    order = (list(STATUS_ORDER) + ["none"]) if color_by == "status" else sorted(groups)
    for group in order:
        if group not in groups:
            continue
        xs, ys = [], []
        for feature in groups[group]:
            for ring in geo._rings(feature["geometry"]):
                xs += ring[:, 0].tolist() + [None]
                ys += ring[:, 1].tolist() + [None]
        if color_by == "status" and group != "none":
            name = f"{t(STATUS_LABELS.get(group, ''))} ({fmt.number(counts.get(group, 0))})"
            fill = STATUS_COLORS.get(group, "#9E9E9E")
        elif group == "none":
            name, fill = t("Ngoài phạm vi"), "#E0E0E0"
        else:
            name, fill = "", group
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                fill="toself",
                fillcolor=fill,
                line=dict(color="white", width=1),
                name=name,
                showlegend=color_by == "status" and bool(name),
                hoverinfo="skip",
            )
        )


def _label_trace(
    data: pd.DataFrame,
    points: dict,
    areas: dict,
    size: int | None,
    per_x: float,
    per_y: float,
    every_label: bool = False,
    frame: tuple[float, float, float, float] | None = None,
    land=None,
) -> list[go.Scatter]:
    """Each unit's name and coverage written at its label point, carrying its key so a
    click selects it; a label that would run into one written before it (the units that lag
    most first, then larger shapes) is written beside its point, smaller, or left off
    (`_clear_of_others`).  `per_x`, `per_y`: pixels per unit of each axis."""
    from cccd_analytics import geo
    from cccd_analytics.analytics.metrics import STATUS_LABELS

    keys = [k for k in points if k in data.index]
    names = [geo.short_name(str(data.at[k, "name"]) if pd.notna(data.at[k, "name"]) else "") for k in keys]
    shares = [fmt.percent(data.at[k, "coverage"]) for k in keys]
    small = len(keys) > 40
    size = size or (9 if small else 12)
    marker = 18 if small else 30
    # The units that lag most are named first: a map is opened to see who lags, and a
    # small town at the bottom (Cửa Lò, beside Vinh) lost its label to its larger neighbours.
    coverage = pd.to_numeric(pd.Series([data.at[k, "coverage"] for k in keys]), errors="coerce")
    lagging = coverage.nsmallest(LAGGARDS_FIRST).index.tolist() if len(keys) > 2 * LAGGARDS_FIRST else []
    shifts: dict[int, tuple[float, float]] = {}
    sizes = _clear_of_others(
        [points[k] for k in keys],
        [(len(n), len(c)) for n, c in zip(names, shares)],
        [areas.get(k, 0.0) for k in keys],
        size,
        per_x,
        per_y,
        every_label,
        frame,
        gap=marker / 2,
        first=lagging,
        shifts=shifts,
        land=land,
    )
    written = [f"<b>{escaped(n)}</b><br>{c}" for n, c in zip(names, shares, strict=True)]
    # A label moved away is drawn by `_moved_labels`; its point keeps the hover and click.
    labels = [text if px and i not in shifts else "" for i, (text, (px, _)) in enumerate(zip(written, sizes))]
    moved = _moved_labels(keys, points, written, sizes, shifts)
    hover = [
        f"<b>{escaped(data.at[k, 'name'])}</b><br>{t('Đã thu nhận')}: {fmt.number(data.at[k, 'collected'])}"
        f" / {fmt.number(data.at[k, 'eligible'])}<br>{t('Tỷ lệ')}: {fmt.percent(data.at[k, 'coverage'])}"
        f"<br>{t('Trạng thái')}: {t(STATUS_LABELS.get(data.at[k, 'status'], ''))}"
        for k in keys
    ]
    return moved + [
        go.Scatter(
            x=[points[k][0] for k in keys],
            y=[points[k][1] for k in keys],
            mode="markers+text",
            text=labels,
            textposition=[place for _, place in sizes],
            textfont=dict(size=[round(px) or size for px, _ in sizes], color=LABEL_INK, shadow=LABEL_HALO),
            marker=dict(size=marker, color="rgba(255,255,255,0.01)"),
            customdata=keys,
            # A click selects a label; the others must stay readable, not fade.
            selected=dict(marker=dict(opacity=1), textfont=dict(color="#000000")),
            unselected=dict(marker=dict(opacity=1), textfont=dict(color=LABEL_INK)),
            hovertext=hover,
            hoverinfo="text",
            showlegend=False,
            name="",
            cliponaxis=False,  # a label of a unit at the map's edge is written whole, not cut
        )
    ]


#: The labels' ink, and the white halo that keeps them readable on every fill (dark letters
#: on the status red or the darkest green, and across the shapes' white borders, were
#: hard to read on a screen and lost on a projector).
LABEL_INK = "#1F2933"
LABEL_HALO = "0 0 2px #fff, 0 0 3px #fff, 1px 1px 1px #fff, -1px -1px 1px #fff"


def _moved_labels(keys, points, written, sizes, shifts) -> list[go.Scatter]:
    """Labels moved away from their points (`_clear_of_others`'s `shifts`): each written
    where it was placed, with a thin line from its point to it and a dot on the point, so
    that it is read as that unit's and not as the shape it lies on."""
    if not shifts:
        return []
    order = sorted(shifts)
    dots = go.Scatter(
        x=[points[keys[i]][0] for i in order],
        y=[points[keys[i]][1] for i in order],
        mode="markers",
        marker=dict(size=7, color=LABEL_INK, line=dict(color="white", width=1.5)),
        hoverinfo="skip",
        showlegend=False,
    )
    xs, ys = [], []
    for i in order:
        (x, y), (b0, b1, b2, b3) = points[keys[i]], shifts[i]
        # From the point to the nearest edge of its label's box.
        xs += [x, min(max(x, b0), b2), None]
        ys += [y, min(max(y, b1), b3), None]
    return [
        go.Scatter(
            x=xs,
            y=ys,
            mode="lines",
            line=dict(color=LABEL_INK, width=1.2),
            hoverinfo="skip",
            showlegend=False,
        ),
        dots,
        go.Scatter(
            x=[(shifts[i][0] + shifts[i][2]) / 2 for i in order],
            y=[(shifts[i][1] + shifts[i][3]) / 2 for i in order],
            mode="text",
            text=[written[i] for i in order],
            textposition="middle center",
            textfont=dict(size=[round(sizes[i][0]) for i in order], color=LABEL_INK, shadow=LABEL_HALO),
            hoverinfo="skip",
            showlegend=False,
            cliponaxis=False,
        ),
    ]


#: The map's width on a 1280-px desktop beside the sidebar: labels placed for a 1000-px map
#: ran into each other there on a province wider than it is tall.
PAGE_MAP_PX = 820

#: How many of the units with the lowest coverage have their labels placed first.
LAGGARDS_FIRST = 3

#: A label's letter's width and line's height, in font sizes (bold letters with diacritics).
CHAR_EM = 0.7
LINE_EM = 1.25

#: A label that runs into another at full size is tried this much smaller before it is left off.
SMALLER_LABEL = 0.7
#: …but never below this (px): where this size does not fit either, the label is left off
#: (its shape keeps its hover, and the table under the map lists it).
SMALLEST_LABEL = 8


#: Where a label may go around its point, in the order tried: on it, above, below, to the
#: right, to the left (plotly's textposition, and the box's shift in half-boxes).
_PLACES = (
    ("middle center", 0, 0),
    ("top center", 0, 1),
    ("bottom center", 0, -1),
    ("middle right", 1, 0),
    ("middle left", -1, 0),
)
#: Where a label moved away from its point may go: the eight directions, the sides first.
_AROUND = ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1))


def _clear_of_others(
    points: list,
    lengths: list[tuple[int, int]],
    areas: list[float],
    size: float,
    per_x: float,
    per_y: float,
    every_label: bool = False,
    frame: tuple[float, float, float, float] | None = None,
    gap: float = 0.0,
    first: list[int] = (),
    shifts: dict | None = None,
    land=None,
) -> list[tuple[float, str]]:
    """Each label's size (0: not written) and place around its point: a box of its two
    lines (characters, bold), placed in the order of its shape's area, largest first, at
    the first of `_PLACES` where it overlaps no box placed before it — at `size` px, else at
    SMALLER_LABEL of it, and inside `frame` (x0, y0, x1, y1: the plot) when given;
    otherwise not written, or with `every_label` written on its point at that smaller size
    all the same.  A box is a little wider than its letters: names that touch read as one.
    `gap`: how far (px) plotly writes a label placed beside its point from the point (the
    marker's radius), which the box moves by too.  `first`: labels placed before all others,
    in that order (the units that lag most).  `shifts` (a dict, filled here): with
    `every_label`, a label with no room beside its point is moved further out, to where it
    runs into nothing, and its box (x0, y0, x1, y1) is written there (drawn with a line to
    its point), off the shapes where it can (`land(box)`: whether a box touches one); only
    where there is no such room is it written on its point all the same."""
    boxes: list[tuple[float, float, float, float]] = []
    out: list[tuple[float, str]] = [(0.0, "middle center")] * len(points)

    def box(i: int, px: float, dx: int, dy: int, reach: int = 0) -> tuple[float, float, float, float]:
        (x, y), (first, second) = points[i], lengths[i]
        # Measured in the browser (bold, the map's font): a letter 0,61-0,73 of the size,
        # two lines 2,47 sizes high; 0,6 and 2,4 let a town's labels run into each other.
        half_w = (max(first, second) * CHAR_EM + 1) * px / 2 / per_x
        half_h = 2 * LINE_EM * px / 2 / per_y
        # `reach`: so many label heights further out (a label moved away, with its line).
        away = reach * 2 * half_h * per_y
        x = x + dx * (half_w + (gap + away) / per_x)
        y = y + dy * (half_h + (gap + away) / per_y)
        return (x - half_w, y - half_h, x + half_w, y + half_h)

    lines: list[tuple[tuple[float, float], tuple[float, float]]] = []  # of labels moved away

    def crosses(line, b) -> bool:
        # A line from a point to its moved label, sampled along its length.
        (x0, y0), (x1, y1) = line
        return any(
            b[0] < x0 + (x1 - x0) * f < b[2] and b[1] < y0 + (y1 - y0) * f < b[3]
            for f in (n / 16 for n in range(17))
        )

    def clear(b, line=None, strict: bool = True) -> bool:
        inside = frame is None or (
            b[0] >= frame[0] and b[1] >= frame[1] and b[2] <= frame[2] and b[3] <= frame[3]
        )
        return (
            inside
            and all(b[2] <= o[0] or b[0] >= o[2] or b[3] <= o[1] or b[1] >= o[3] for o in boxes)
            and not (strict and any(crosses(other, b) for other in lines))
            and not (strict and line is not None and any(crosses(line, o) for o in boxes))
        )

    def line_to(i: int, b) -> tuple[tuple[float, float], tuple[float, float]]:
        (x, y) = points[i]
        return (x, y), (min(max(x, b[0]), b[2]), min(max(y, b[1]), b[3]))

    # Smaller, but not below what can be read (6 px letters were seen by nobody).
    smaller = max(size * SMALLER_LABEL, min(size, SMALLEST_LABEL))
    ahead = {i: rank for rank, i in enumerate(first)}
    for i in sorted(range(len(points)), key=lambda i: (ahead.get(i, len(ahead)), -areas[i])):
        found = next(
            (
                (px, place, b)
                for px in (size, smaller)
                for place, dx, dy in _PLACES
                if clear(b := box(i, px, dx, dy))
            ),
            None,
        )
        if found is None and every_label and shifts is not None:
            # Nobody hovers a slide: further out, where it runs into nothing, with a line
            # to its point (written on its point, over its neighbours' names, neither read).
            found = next(
                (
                    (px, "middle center", b)
                    # Off the shapes first (on another unit's shape a name is read as that
                    # unit's), even with its line across another label; a line across a
                    # label only where nothing else is left.
                    for strict, off_land in ((True, True), (False, True), (True, False), (False, False))
                    if off_land is False or land is not None
                    for k in (1, 2, 3, 4, 5)
                    for px in (size, smaller)
                    for dx, dy in _AROUND
                    if clear(b := box(i, px, dx, dy, reach=k), line_to(i, b), strict)
                    and not (off_land and land(b))
                ),
                None,
            )
            if found is not None:
                shifts[i] = found[2]
                lines.append(line_to(i, found[2]))
        if found is None and every_label:
            found = (smaller, "middle center", box(i, smaller, 0, 0))
        if found is not None:
            boxes.append(found[2])
            out[i] = found[:2]
    return out


def _coverage_scale(low: float) -> go.Scatter:
    """The colour bar of coverage, from `low` to 100 %."""
    return go.Scatter(
        x=[None],
        y=[None],
        mode="markers",
        marker=dict(
            colorscale="RdYlGn",
            cmin=low * 100,
            cmax=100,
            color=[low * 100],
            showscale=True,
            # The title along the bar: above it, at a slide's type size, it lay on "100%".
            colorbar=dict(title=dict(text=t("Tỷ lệ") + " (%)", side="right"), ticksuffix="%", thickness=14),
        ),
        hoverinfo="skip",
        showlegend=False,
    )
