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
) -> go.Figure:
    """A map leaders can read: each shape coloured by coverage or status, with its name and
    coverage written on it, the status layer's legend counting the units per status.

    Drawn as plain SVG shapes on hidden axes (longitude, latitude scaled by cos(latitude)),
    not on a MapLibre map: MapLibre draws text only with glyphs fetched from a font
    server, and the product runs offline.  `figures` comes from `geo.map_units`; each
    label is a point carrying the unit's key (`customdata`), so a click on it selects
    the unit (st.plotly_chart on_select).  Shapes without figures are drawn grey.
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
    fig.add_trace(_label_trace(data, points))
    if color_by == "coverage" and len(data):
        fig.add_trace(_coverage_scale(low))
    lat_mid = math.radians((lat0 + lat1) / 2)
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


def _label_trace(data: pd.DataFrame, points: dict) -> go.Scatter:
    """Each unit's name and coverage written at its label point, carrying its key so a
    click selects it."""
    from cccd_analytics import geo
    from cccd_analytics.analytics.metrics import STATUS_LABELS

    keys = [k for k in points if k in data.index]
    labels = [
        f"<b>{escaped(geo.short_name(str(data.at[k, 'name']) if pd.notna(data.at[k, 'name']) else ''))}"
        f"</b><br>{fmt.percent(data.at[k, 'coverage'])}"
        for k in keys
    ]
    hover = [
        f"<b>{escaped(data.at[k, 'name'])}</b><br>{t('Đã thu nhận')}: {fmt.number(data.at[k, 'collected'])}"
        f" / {fmt.number(data.at[k, 'eligible'])}<br>{t('Tỷ lệ')}: {fmt.percent(data.at[k, 'coverage'])}"
        f"<br>{t('Trạng thái')}: {t(STATUS_LABELS.get(data.at[k, 'status'], ''))}"
        for k in keys
    ]
    small = len(keys) > 40
    return go.Scatter(
        x=[points[k][0] for k in keys],
        y=[points[k][1] for k in keys],
        mode="markers+text",
        text=labels,
        textposition="middle center",
        textfont=dict(size=9 if small else 12, color="#1F2933"),
        marker=dict(size=18 if small else 30, color="rgba(255,255,255,0.01)"),
        customdata=keys,
        # A click selects a label; the others must stay readable, not fade.
        selected=dict(marker=dict(opacity=1), textfont=dict(color="#000000")),
        unselected=dict(marker=dict(opacity=1), textfont=dict(color="#1F2933")),
        hovertext=hover,
        hoverinfo="text",
        showlegend=False,
        name="",
    )


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
            colorbar=dict(title=t("Tỷ lệ") + " (%)", ticksuffix="%", thickness=14),
        ),
        hoverinfo="skip",
        showlegend=False,
    )
