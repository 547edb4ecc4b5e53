"""The briefing's charts: the series each writer draws (cumulative against target with the
forecast, collections per day against the required rate), the map as an image, and the
plotly figures of the presentation mode."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cccd_analytics import geo
from cccd_analytics import text as fmt
from cccd_analytics.analytics.metrics import Snapshot
from cccd_analytics.briefing.model import Briefing, ChartData, Headline, Series, finite
from cccd_analytics.briefing.style import COLORS


def cumulative_chart(snap: Snapshot, h: Headline) -> ChartData:
    daily = snap.daily
    deadline = pd.Timestamp(snap.campaign.deadline)
    if daily.empty:
        return ChartData("Lũy kế thu nhận so với chỉ tiêu", (), ())
    start = pd.Timestamp(daily["date"].iloc[0])
    last_day = pd.Timestamp(daily["date"].iloc[-1])
    end = max(deadline, last_day)
    if h.projected_date is not None and h.status != "done":
        end = max(end, min(h.projected_date, deadline + pd.Timedelta(days=120)))
    days = pd.date_range(start, end, freq="D")
    actual = daily.set_index("date")["collected"].reindex(days)
    actual[days > last_day] = np.nan
    last_value = float(daily["collected"].iloc[-1])

    def path(to_day: pd.Timestamp | None, hold: bool = False) -> tuple:
        """From the last figure straight to the target on `to_day`; `hold`: at the target after."""
        if to_day is None or to_day <= last_day or h.status == "done":
            return tuple(None for _ in days)
        span = (to_day - last_day).days
        out = []
        for d in days:
            k = (d - last_day).days
            if 0 <= k <= span:
                out.append(last_value + (h.target - last_value) * k / span)
            else:
                out.append(float(h.target) if hold and k > span else None)
        return tuple(out)

    series = [
        Series(
            "Lũy kế thu nhận", tuple(None if pd.isna(v) else float(v) for v in actual), COLORS["collected"]
        ),
        Series(f"Chỉ tiêu {fmt.number(h.target)}", tuple(float(h.target) for _ in days), COLORS["target"]),
    ]
    if h.days_left > 0 and h.status != "done":
        series.append(Series("Tiến độ cần đạt", path(deadline), COLORS["required"], dash=True))
    if h.projected_date is not None and h.status != "done":
        series.append(
            Series(
                f"Dự báo (đạt ngày {fmt.date_vn(h.projected_date)})",
                path(min(h.projected_date, end)),
                COLORS["forecast"],
                dash=True,
            )
        )
    band = None
    forecast = h.projected_date is not None and h.status != "done"
    if forecast and h.projected_low is not None and h.projected_high is not None:
        # The 80% range as the paths to the target by its two ends, the later one cut at the
        # chart's end: how far the finish may fall from the deadline, seen beside it.
        band = (
            f"Khoảng dự báo 80% ({fmt.date_vn(h.projected_low, year=False)} – "
            f"{fmt.date_vn(h.projected_high, year=False)})",
            path(h.projected_low, hold=True),
            path(h.projected_high),
            COLORS["forecast"],
        )
    markers = ((deadline.date(), f"Hạn {fmt.date_vn(deadline, year=False)}"),) if start <= deadline else ()
    note = f"Hạn {fmt.date_vn(deadline)}"
    if forecast:
        note += (
            f" · dự báo đạt chỉ tiêu {fmt.date_vn(h.projected_date)} (khoảng "
            f"{fmt.date_vn(h.projected_low)} – {fmt.date_vn(h.projected_high)})"
        )
    for m in snap.milestones.iloc[1:].itertuples(index=False):
        note += f" · mốc {m.name}: {fmt.date_vn(m.deadline)}"
    return ChartData(
        "Lũy kế thu nhận so với chỉ tiêu",
        tuple(d.date() for d in days),
        tuple(series),
        note=note,
        band=band,
        markers=markers,
    )


def daily_chart(snap: Snapshot, h: Headline) -> ChartData:
    daily = snap.daily.iloc[1:]  # the first day's increase is unknown
    if daily.empty:
        return ChartData("Thu nhận mỗi ngày", (), ())
    values = lambda col: tuple(None if pd.isna(v) else float(v) for v in daily[col])  # noqa: E731
    series = [
        Series("Thu nhận trong ngày", values("collected_day"), COLORS["bar"], "bar"),
        Series("Bình quân 7 ngày", values("pace_7d"), COLORS["pace"]),
    ]
    note = f"Bình quân 7 ngày: {fmt.per_day(h.pace_7d)}"
    if h.days_left > 0 and finite(h.required_per_day) and h.status != "done":
        series.append(
            Series(
                "Cần mỗi ngày để kịp hạn",
                tuple(float(h.required_per_day) for _ in range(len(daily))),
                COLORS["required"],
                dash=True,
            )
        )
        note += f" · cần {fmt.per_day(h.required_per_day)} để kịp hạn {fmt.date_vn(snap.campaign.deadline)}"
    return ChartData(
        "Thu nhận mỗi ngày", tuple(pd.Timestamp(d).date() for d in daily["date"]), tuple(series), note=note
    )


def map_figure(b: Briefing, width: int = 1600, height: int = 1000):
    """The coverage map of the briefing's scope, or None: the dashboard's labelled map
    (`charts.unit_map`: each shape's name and coverage written on it, drawn as plain shapes so
    it needs no map server or font download), cropped to the units with data and sized for
    a slide or a projector."""
    from cccd_analytics import charts  # plotly: only when a figure is drawn (not for xlsx or --no-map)

    units = b.snapshot.units
    provinces = units.loc[units["level"] == "province", "key"].tolist()
    if not provinces:
        return None
    layer = "district" if b.ranking_level == "district" else "commune_2025"
    try:
        shapes = geo.boundaries(layer, str(provinces[0]))
        if shapes is None:
            return None
        figures = geo.map_units(units, layer)
        with_data = set(figures.loc[figures["collected"].notna(), "key"])
        focus = [f for f in shapes["features"] if f["properties"]["key"] in with_data] or shapes["features"]
        # Written for a slide seen from the back of a room: larger names than on a screen, as
        # large as the picture's height leaves room for (a 1000-px slide image: 22 px).
        size = max(round((15 if len(focus) > 40 else 22) * min(height / 1000, 1.0)), 11)
        fig = charts.unit_map(
            figures,
            {**shapes, "features": focus},
            "coverage",
            # Laid out for the plot the margin below leaves (30 px more than unit_map's own).
            height=height - 30,
            width=width,
            label_size=size,
            every_label=True,  # nobody hovers a slide: a name runs smaller rather than go missing
        )
    except Exception:  # noqa: BLE001 - the map is optional; the deck must not fail for it
        return None
    # Room below the shapes: a label written under a unit at the edge is not cut off.
    fig.update_layout(font=dict(size=22), width=width, height=height, dragmode=False, margin=dict(b=30))
    return fig


def map_png(b: Briefing, width: int = 1600, height: int = 1000) -> bytes | None:
    """PNG of `map_figure` (kaleido + system Chromium), or None when it cannot be drawn."""
    from cccd_analytics import images  # kaleido: only when a map is drawn

    fig = map_figure(b, width, height)
    if fig is None or not images.available():
        return None
    try:
        return images.figure_png(fig, width, height, 1)
    except images.ImageExportError:
        return None


def map_for(b: Briefing, items: list[Briefing], include_map: bool, map_image: bytes | None) -> bytes | None:
    """The given map image (one briefing only), else a freshly drawn one when asked for."""
    if map_image is not None and len(items) == 1:
        return map_image
    return map_png(b) if include_map else None


def projector_figure(fig, height: int = 620, font_size: int = 22):
    """A dashboard figure made readable from the back of a room: large type, thick lines."""
    import plotly.graph_objects as go  # only the presentation mode draws these

    fig = go.Figure(fig)
    fig.update_layout(
        height=height,
        font=dict(size=font_size),
        legend=dict(font=dict(size=font_size - 2)),
        margin=dict(l=10, r=10, t=60, b=10),
    )
    fig.update_xaxes(tickfont=dict(size=font_size - 2))
    fig.update_yaxes(tickfont=dict(size=font_size - 2), separatethousands=True)
    fig.update_annotations(font_size=font_size - 4)
    for trace in fig.data:
        if trace.type == "scatter" and trace.line is not None and trace.line.width:
            trace.line.width = trace.line.width * 1.6
    return fig


def chart_figure(chart: ChartData, height: int = 420, font_size: int = 22):
    """A plotly figure of a briefing chart (used for the top/bottom bars in presentation mode)."""
    import plotly.graph_objects as go  # only the presentation mode draws these

    fig = go.Figure()
    for s in chart.series:
        values = list(s.values)
        labels = [fmt.percent(v) if chart.percent else fmt.number(v) for v in values]
        if chart.horizontal:
            fig.add_trace(
                go.Bar(
                    y=list(chart.categories),
                    x=values,
                    orientation="h",
                    name=s.name,
                    marker_color="#" + s.color,
                    text=[f"<b>{x}</b>" for x in labels],
                    textposition="outside",
                    textfont=dict(color="#" + COLORS["ink"], size=font_size),
                    cliponaxis=False,
                    hoverinfo="skip",
                )
            )
        elif s.kind == "bar":
            fig.add_trace(go.Bar(x=list(chart.categories), y=values, name=s.name, marker_color="#" + s.color))
        else:
            fig.add_trace(
                go.Scatter(
                    x=list(chart.categories),
                    y=values,
                    name=s.name,
                    mode="lines",
                    line=dict(color="#" + s.color, width=4, dash="dash" if s.dash else None),
                )
            )
    top = max([v for s in chart.series for v in s.values if v is not None] + [0.01])
    fig.update_layout(
        height=height,
        font=dict(size=font_size),
        showlegend=not chart.horizontal,
        margin=dict(l=10, r=40, t=10, b=10),
        plot_bgcolor="white",
        separators=",.",
    )
    if chart.horizontal:
        fig.update_xaxes(visible=False, range=[0, top * 1.18])
        fig.update_yaxes(tickfont=dict(size=font_size, color="#" + COLORS["ink"]))
    return fig
