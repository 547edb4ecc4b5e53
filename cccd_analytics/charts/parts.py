"""Breakdowns: parts by priority group, channel, residence … over time, as shares and as
coverage of their own denominators."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from cccd_analytics import text as fmt
from cccd_analytics.charts.style import COLORS, PART_COLORS, escaped, layout
from cccd_analytics.i18n import t

# -- breakdowns: parts by priority group, channel, residence … ------------------------------


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
                hovertemplate="%{y:,.0f}<extra>" + escaped(value) + "</extra>",
            )
        )
    fig = layout(fig, None, height=340)
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
    fig = layout(fig, None, height=60 + 48 * max(len(rows), 1))
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
                hovertemplate="%{y:,.0f}<extra>" + escaped(value) + "</extra>",
            )
        )
    return layout(fig, None, height=320)


def parts_coverage(found, level_rows: pd.DataFrame) -> go.Figure:
    """Each value's coverage of its denominator (the ones with a denominator), with the
    counts: how far each priority group is."""
    rows = level_rows[level_rows["eligible"].notna()]
    rows = rows.set_index("value").reindex([v for v in found.values if v in set(rows["value"])])
    colors = part_colors(found.values)
    figures = [
        f"{fmt.percent(c)} · {fmt.number(n)}/{fmt.number(e)}"
        for c, n, e in zip(rows["coverage"], rows["collected"], rows["eligible"])
    ]
    fig = go.Figure(
        go.Bar(
            y=list(rows.index),
            x=rows["coverage"],
            orientation="h",
            marker_color=[colors[v] for v in rows.index],
            customdata=figures,
            hovertemplate="%{y}: %{customdata}<extra></extra>",
        )
    )
    # The figures are written under each group's name, left of the axis, where the chart
    # makes room for them: written on or past the bar they were cut at the figure's edge in
    # the narrow column a 1280-px projector leaves ("89,1% · 355.626/399.29…").
    fig.update_yaxes(
        autorange="reversed",
        tickvals=list(rows.index),
        ticktext=[
            f"<b>{escaped(v)}</b><br><span style='font-size:13px'>{f}</span>"
            for v, f in zip(rows.index, figures)
        ],
    )
    fig = layout(fig, None, height=60 + 56 * max(len(rows), 1))
    fig.update_layout(hovermode="closest", showlegend=False)
    fig.update_xaxes(tickformat=".0%", range=[0, 1.05])
    return fig


def parts_coverage_over_time(found) -> go.Figure:
    """Each value's coverage day by day, read against the denominator in force that day (a
    new list or survey shows as a step on its date)."""
    daily = found.daily.dropna(subset=["coverage"]) if "coverage" in found.daily else found.daily.iloc[0:0]
    colors = part_colors(found.values)
    fig = go.Figure()
    for value in [v for v in found.values if v in set(daily["value"])]:
        part = daily[daily["value"] == value]
        fig.add_trace(
            go.Scatter(
                x=part["date"],
                y=part["coverage"],
                name=value,
                mode="lines",
                line=dict(color=colors[value], width=3),
                hovertemplate="%{y:.1%}<extra>" + escaped(value) + "</extra>",
            )
        )
    fig = layout(fig, None, height=320)
    fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    return fig
