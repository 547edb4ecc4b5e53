"""Plotly figures from snapshots: pure functions, no Streamlit.

Every text in a figure is Vietnamese and uses Vietnamese number and date formats;
nothing is fetched (no MathJax, no map tiles).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from cccd_analytics import text as fmt
from cccd_analytics.analytics.metrics import Snapshot
from cccd_analytics.i18n import t

COLORS = {
    "collected": "#1565C0",
    "target": "#B71C1C",
    "forecast": "#6A1B9A",
    "returned": "#2E7D32",
    "required": "#E65100",
    "pace": "#0D47A1",
    "bar": "#90CAF9",
}
STATUS_COLORS = {
    "done": "#2E7D32",
    "on_track": "#66BB6A",
    "at_risk": "#FFA000",
    "behind": "#E53935",
    "missed": "#8E0000",
    "no_data": "#9E9E9E",
}
# Passed to st.plotly_chart: no plotly logo, no link out, nothing fetched.
PLOTLY_CONFIG = {
    "displaylogo": False,
    "showLink": False,
    "showEditInChartStudio": False,
    "modeBarButtonsToRemove": ["lasso2d", "select2d"],
    "locale": "vi",
}
FONT = dict(family="Source Sans Pro, DejaVu Sans, Arial, sans-serif", size=14)


def _layout(fig: go.Figure, title: str | None = None, height: int = 420) -> go.Figure:
    fig.update_layout(
        title=dict(text=title, x=0, xanchor="left") if title else None,
        font=FONT,
        height=height,
        margin=dict(l=10, r=10, t=50 if title else 20, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0),
        hovermode="x unified",
        separators=",.",
        plot_bgcolor="white",
    )
    fig.update_xaxes(showgrid=True, gridcolor="#EEEEEE", tickformat="%-d/%-m")
    fig.update_yaxes(showgrid=True, gridcolor="#EEEEEE", tickformat=",d", rangemode="tozero")
    return fig


def _vline(fig: go.Figure, when, label: str, color: str, dash: str = "dash") -> None:
    fig.add_shape(
        type="line", x0=when, x1=when, y0=0, y1=1, yref="paper", line=dict(color=color, dash=dash, width=1.5)
    )
    # Labels run up from the bottom so they never cross the target line at the top.
    fig.add_annotation(
        x=when,
        y=0.02,
        yref="paper",
        text=label,
        showarrow=False,
        xanchor="right",
        yanchor="bottom",
        textangle=-90,
        font=dict(color=color, size=12),
        bgcolor="rgba(255,255,255,0.8)",
    )


def cumulative_vs_target(snap: Snapshot) -> go.Figure:
    """Cumulative collected vs the target, with the deadline, milestones and forecast range."""
    daily = snap.daily
    main = snap.milestones.iloc[0]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=daily["date"],
            y=daily["collected"],
            name=t("Lũy kế thu nhận"),
            mode="lines",
            line=dict(color=COLORS["collected"], width=3),
            hovertemplate="%{y:,.0f} hồ sơ<extra></extra>",
        )
    )
    if daily["returned"].sum() > 0:
        fig.add_trace(
            go.Scatter(
                x=daily["date"],
                y=daily["returned"],
                name=t("Lũy kế trả thẻ"),
                mode="lines",
                line=dict(color=COLORS["returned"], width=2, dash="dot"),
                hovertemplate="%{y:,.0f} thẻ<extra></extra>",
            )
        )
    target = float(main["target"])
    deadline = pd.Timestamp(snap.campaign.deadline)
    start = daily["date"].iloc[0] if len(daily) else snap.as_of
    end = max(
        deadline, pd.Timestamp(main["projected_high"]) if pd.notna(main.get("projected_high")) else deadline
    )
    end = min(end, deadline + pd.Timedelta(days=120))
    fig.add_trace(
        go.Scatter(
            x=[start, end],
            y=[target, target],
            name=t("Chỉ tiêu {n}", n=fmt.number(target)),
            mode="lines",
            line=dict(color=COLORS["target"], width=2),
            hoverinfo="skip",
        )
    )
    if len(daily):
        last = daily.iloc[-1]
        fig.add_trace(
            go.Scatter(
                x=[last["date"], deadline],
                y=[last["collected"], target],
                mode="lines",
                name=t("Tiến độ cần đạt"),
                line=dict(color=COLORS["required"], width=2, dash="dash"),
                hoverinfo="skip",
            )
        )
        _forecast_band(fig, last, main, target)
    _vline(fig, deadline, t("Hạn {d}", d=fmt.date_vn(deadline)), COLORS["target"])
    # Milestones sharing a deadline get one line with their names together.
    for when, group in snap.milestones.iloc[1:].groupby("deadline"):
        names = " · ".join(group["name"])
        _vline(fig, when, f"{names} {fmt.date_vn(when, year=False)}", "#455A64", "dot")
    fig.update_xaxes(range=[start - pd.Timedelta(days=1), end + pd.Timedelta(days=3)])
    return _layout(fig, None)


def _forecast_band(fig: go.Figure, last, main, target: float) -> None:
    low, mid, high = (main.get(k) for k in ("projected_low", "projected_date", "projected_high"))
    if pd.isna(mid):
        return
    x0, y0 = last["date"], last["collected"]
    if pd.notna(low) and pd.notna(high):
        fig.add_trace(
            go.Scatter(
                x=[x0, pd.Timestamp(low), pd.Timestamp(high), x0],
                y=[y0, target, target, y0],
                fill="toself",
                fillcolor="rgba(106,27,154,0.12)",
                line=dict(width=0),
                name=t("Khoảng dự báo 80%"),
                hoverinfo="skip",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=[x0, pd.Timestamp(mid)],
            y=[y0, target],
            mode="lines+markers",
            name=t("Dự báo"),
            line=dict(color=COLORS["forecast"], width=2, dash="dot"),
            hovertemplate=t("Dự báo đạt chỉ tiêu: {d}", d=fmt.date_vn(mid)) + "<extra></extra>",
        )
    )


def daily_collections(snap: Snapshot) -> go.Figure:
    """Collections per day, the 7-day mean and the required daily rate."""
    daily = snap.daily
    main = snap.milestones.iloc[0]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=daily["date"],
            y=daily["collected_day"],
            name=t("Thu nhận trong ngày"),
            marker_color=COLORS["bar"],
            hovertemplate="%{y:,.0f}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=daily["date"],
            y=daily["pace_7d"],
            name=t("Bình quân 7 ngày"),
            mode="lines",
            line=dict(color=COLORS["pace"], width=3),
            hovertemplate="%{y:,.0f}/ngày<extra></extra>",
        )
    )
    required = main.get("required_per_day")
    if pd.notna(required) and required not in (float("inf"),):
        fig.add_hline(
            y=float(required),
            line=dict(color=COLORS["required"], dash="dash", width=2),
            annotation_text=t("Cần {n}", n=fmt.per_day(required)),
            annotation_position="top left",
            annotation_font_color=COLORS["required"],
            # A white ground so the label reads over the bars it sits on.
            annotation_bgcolor="rgba(255,255,255,0.85)",
        )
    return _layout(fig, None, height=340)


def funnel(row) -> go.Figure:
    """Collected → returned for one unit, with the backlog of cards not yet handed back."""
    collected = float(row["collected"]) if pd.notna(row["collected"]) else 0.0
    returned = float(row["returned"]) if pd.notna(row.get("returned")) else 0.0
    backlog = max(collected - returned, 0.0)
    labels = [t("Đã thu nhận"), t("Đã trả thẻ"), t("Tồn chưa trả")]
    values = [collected, returned, backlog]
    fig = go.Figure(
        go.Bar(
            y=labels,
            x=values,
            orientation="h",
            marker_color=[COLORS["collected"], COLORS["returned"], "#FFB300"],
            text=[fmt.number(v) for v in values],
            textposition="auto",
            hovertemplate="%{y}: %{x:,.0f}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig = _layout(fig, None, height=220)
    fig.update_layout(hovermode="closest", showlegend=False)
    fig.update_xaxes(tickformat=",d")
    return fig


def choropleth(figures: pd.DataFrame, geojson: dict, color_by: str = "coverage") -> go.Figure:
    """Offline map: shipped polygons on a blank background (no tiles, no fonts fetched).

    `figures` comes from `geo.map_units`; features without figures are drawn grey.

    Long on purpose: one plotly figure (colours per status or per share, the legend, hover
    texts, the offline base layer) whose parts depend on the same bins.
    """
    import math

    from cccd_analytics import geo
    from cccd_analytics.analytics.metrics import STATUS_LABELS, STATUS_ORDER

    names = {f["properties"]["key"]: f["properties"]["name"] for f in geojson["features"]}
    data = figures[figures["key"].isin(names)].copy()
    data["label"] = data["key"].map(names)
    data["hover"] = [
        f"<b>{_html(r.label)}</b><br>{t('Đã thu nhận')}: {fmt.number(r.collected)} / {fmt.number(r.eligible)}"
        f"<br>{t('Tỷ lệ')}: {fmt.percent(r.coverage)}<br>{t('Trạng thái')}: {t(STATUS_LABELS.get(r.status, ''))}"
        + (f"<br>{t('gộp từ {n} xã cũ', n=r.parts)}" if r.parts > 1 else "")
        + (f"<br>{t('chỉ một phần thuộc phạm vi')}" if r.partial else "")
        for r in data.itertuples()
    ]
    fig = go.Figure()
    others = [k for k in names if k not in set(data["key"])]
    if others:
        fig.add_trace(
            go.Choroplethmap(
                geojson=geojson,
                locations=others,
                featureidkey="properties.key",
                z=[0] * len(others),
                colorscale=[[0, "#E0E0E0"], [1, "#E0E0E0"]],
                showscale=False,
                marker_line_color="white",
                marker_line_width=0.5,
                hovertext=[_html(names[k]) for k in others],
                hoverinfo="text",
                name=t("Ngoài phạm vi"),
            )
        )
    if color_by == "status":
        order = {s: i for i, s in enumerate(STATUS_ORDER)}
        n = len(STATUS_ORDER) - 1
        scale = []
        for i, s in enumerate(STATUS_ORDER):
            scale += [[i / n - (0 if i == 0 else 1e-9), STATUS_COLORS[s]], [i / n, STATUS_COLORS[s]]]
        z, zmin, zmax = data["status"].map(order), 0, n
        colorbar = dict(
            tickvals=list(range(len(STATUS_ORDER))),
            ticktext=[t(STATUS_LABELS[s]) for s in STATUS_ORDER],
            title=t("Trạng thái"),
        )
        scale = [[max(0.0, min(1.0, a)), c] for a, c in scale]
    else:
        z, zmin, zmax = (
            data["coverage"] * 100,
            max(0.0, math.floor((data["coverage"].min() or 0) * 10) * 10),
            100,
        )
        scale = "RdYlGn"
        colorbar = dict(title=t("Tỷ lệ") + " (%)", ticksuffix="%")
    fig.add_trace(
        go.Choroplethmap(
            geojson=geojson,
            locations=data["key"],
            featureidkey="properties.key",
            z=z,
            zmin=zmin,
            zmax=zmax,
            colorscale=scale,
            marker_line_color="white",
            marker_line_width=0.8,
            marker_opacity=0.9,
            hovertext=data["hover"],
            hoverinfo="text",
            colorbar=colorbar,
        )
    )
    lon0, lat0, lon1, lat1 = geo.bounds(geojson)
    span = max(lon1 - lon0, (lat1 - lat0) * 1.3, 0.05)
    fig.update_layout(
        map=dict(
            style="white-bg",
            center=dict(lon=(lon0 + lon1) / 2, lat=(lat0 + lat1) / 2),
            zoom=math.log2(360 * 640 / (512 * span)),
        ),
        height=620,
        margin=dict(l=0, r=0, t=0, b=0),
        font=FONT,
        showlegend=False,
    )
    return fig


def _html(text) -> str:
    """Escape user data placed in plotly hover text (which renders a subset of HTML)."""
    import html

    return html.escape(str(text))


def completeness_heatmap(complete, max_rows: int = 500) -> go.Figure:
    """Unit × day grid of reports (1 reported, 0 missing, blank a day off), worst units first."""
    grid = complete.grid
    order = complete.by_unit.sort_values(["completeness", "district", "unit_name"])["unit_key"]
    grid = grid.reindex(order).head(max_rows)
    names = complete.by_unit.set_index("unit_key").reindex(grid.index)
    labels = [
        f"{n} ({d})" if isinstance(d, str) and d else str(n)
        for n, d in zip(names["unit_name"], names["district"])
    ]
    fig = go.Figure(
        go.Heatmap(
            z=grid.to_numpy(),
            x=list(grid.columns),
            y=labels,
            zmin=0,
            zmax=1,
            showscale=False,
            colorscale=[[0, "#E53935"], [0.5, "#E53935"], [0.5, "#66BB6A"], [1, "#66BB6A"]],
            hovertemplate="%{y}<br>%{x|%d/%m/%Y}<extra></extra>",
            xgap=1,
            ygap=0,
        )
    )
    fig.update_yaxes(autorange="reversed", showticklabels=len(labels) <= 60, tickfont=dict(size=11))
    fig.update_xaxes(tickformat="%-d/%-m")
    fig.update_layout(
        font=FONT,
        height=max(300, min(16 * len(labels), 1200)),
        margin=dict(l=10, r=10, t=10, b=10),
        plot_bgcolor="white",
    )
    return fig


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

    import plotly.colors as pc

    from cccd_analytics import geo
    from cccd_analytics.analytics.metrics import STATUS_LABELS, STATUS_ORDER

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
    keys = [k for k in points if k in data.index]
    labels = [
        f"<b>{_html(geo.short_name(str(data.at[k, 'name']) if pd.notna(data.at[k, 'name']) else ''))}"
        f"</b><br>{fmt.percent(data.at[k, 'coverage'])}"
        for k in keys
    ]
    hover = [
        f"<b>{_html(data.at[k, 'name'])}</b><br>{t('Đã thu nhận')}: {fmt.number(data.at[k, 'collected'])}"
        f" / {fmt.number(data.at[k, 'eligible'])}<br>{t('Tỷ lệ')}: {fmt.percent(data.at[k, 'coverage'])}"
        f"<br>{t('Trạng thái')}: {t(STATUS_LABELS.get(data.at[k, 'status'], ''))}"
        for k in keys
    ]
    small = len(keys) > 40
    fig.add_trace(
        go.Scatter(
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
    )
    if color_by == "coverage" and len(data):
        fig.add_trace(
            go.Scatter(
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
        )
    lat_mid = math.radians((lat0 + lat1) / 2)
    fig.update_xaxes(visible=False, range=[lon0 - 0.02, lon1 + 0.02])
    fig.update_yaxes(
        visible=False, range=[lat0 - 0.02, lat1 + 0.02], scaleanchor="x", scaleratio=1 / math.cos(lat_mid)
    )
    fig.update_layout(
        title=dict(text=_html(title), x=0, xanchor="left") if title else None,
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


# -- breakdowns: parts by priority group, channel, residence … ------------------------------

#: One colour per value of a dimension, in the dimension's order (colour-blind safe: Okabe–Ito).
PART_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")


def part_colors(values) -> dict[str, str]:
    return {v: PART_COLORS[i % len(PART_COLORS)] for i, v in enumerate(values)}


def parts_over_time(found) -> go.Figure:
    """Collections of each part per week (Monday to Sunday), stacked: the coarsest values
    only, so nobody is counted twice."""
    daily = found.daily[found.daily["top"]].copy()
    daily["week"] = daily["date"] - pd.to_timedelta(daily["date"].dt.day_of_week, unit="D")
    weekly = daily.groupby(["week", "value"], sort=False)["collected_day"].sum().reset_index()
    colors = part_colors(found.values)
    fig = go.Figure()
    for value in [v for v in found.values if v in set(weekly["value"])]:
        part = weekly[weekly["value"] == value]
        fig.add_trace(
            go.Bar(
                x=part["week"],
                y=part["collected_day"].clip(lower=0),
                name=value,
                marker_color=colors[value],
                hovertemplate="%{y:,.0f}<extra>" + _html(value) + "</extra>",
            )
        )
    fig = _layout(fig, None, height=340)
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title_text=t("Tuần bắt đầu"))
    return fig


def parts_share(found, level_rows: pd.DataFrame) -> go.Figure:
    """Each coarsest value's share of what the parts add up to (the scope's running totals)."""
    from cccd_analytics import dimensions

    rows = level_rows[[dimensions.parent(found.dimension, v) is None for v in level_rows["value"]]]
    rows = rows.set_index("value").reindex([v for v in found.values if v in set(rows["value"])])
    total = float(rows["collected"].sum()) or 1.0
    colors = part_colors(found.values)
    shares = rows["collected"] / total
    fig = go.Figure(
        go.Bar(
            y=list(rows.index),
            x=shares,
            orientation="h",
            marker_color=[colors[v] for v in rows.index],
            text=[f"{fmt.percent(s)} · {fmt.number(n)}" for s, n in zip(shares, rows["collected"])],
            textposition="auto",
            hovertemplate="%{y}: %{x:.1%}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig = _layout(fig, None, height=60 + 48 * max(len(rows), 1))
    fig.update_layout(hovermode="closest", showlegend=False)
    fig.update_xaxes(tickformat=".0%", range=[0, max(float(shares.max()) * 1.15, 0.05) if len(shares) else 1])
    return fig


def part_series(series: pd.DataFrame, values, order) -> go.Figure:
    """One unit's running total of the chosen parts (`breakdowns.unit_series`)."""
    colors = part_colors(order)
    fig = go.Figure()
    for value in values:
        part = series[series["value"] == value]
        if part.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=part["date"],
                y=part["collected"],
                name=value,
                mode="lines",
                line=dict(color=colors.get(value, COLORS["collected"]), width=3),
                hovertemplate="%{y:,.0f}<extra>" + _html(value) + "</extra>",
            )
        )
    return _layout(fig, None, height=320)


def parts_coverage(found, level_rows: pd.DataFrame) -> go.Figure:
    """Each value's coverage of its denominator (the ones with a denominator), with the
    counts: how far each priority group is."""
    rows = level_rows[level_rows["eligible"].notna()]
    rows = rows.set_index("value").reindex([v for v in found.values if v in set(rows["value"])])
    colors = part_colors(found.values)
    fig = go.Figure(
        go.Bar(
            y=list(rows.index),
            x=rows["coverage"],
            orientation="h",
            marker_color=[colors[v] for v in rows.index],
            text=[
                f"{fmt.percent(c)} · {fmt.number(n)}/{fmt.number(e)}"
                for c, n, e in zip(rows["coverage"], rows["collected"], rows["eligible"])
            ],
            textposition="auto",
            hovertemplate="%{y}: %{x:.1%}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig = _layout(fig, None, height=60 + 48 * max(len(rows), 1))
    fig.update_layout(hovermode="closest", showlegend=False)
    fig.update_xaxes(tickformat=".0%", range=[0, 1.05])
    return fig
