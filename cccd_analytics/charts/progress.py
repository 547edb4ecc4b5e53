"""The campaign's progress: cumulative against the target, daily collections, the
funnel from eligible to returned, and which units reported on which days."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from cccd_analytics import text as fmt
from cccd_analytics.analytics.metrics import Snapshot
from cccd_analytics.charts.style import COLORS, FONT, layout, vline
from cccd_analytics.i18n import t


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
    vline(fig, deadline, t("Hạn {d}", d=fmt.date_vn(deadline)), COLORS["target"])
    # Milestones sharing a deadline get one vertical line, their names side by side.
    for when, group in snap.milestones.iloc[1:].groupby("deadline"):
        # The day on a line of its own: a long name is cut, the day never is.
        vline(fig, when, [*map(str, group["name"]), fmt.date_vn(when, year=False)], "#455A64", "dot")
    fig.update_xaxes(range=[start - pd.Timedelta(days=1), end + pd.Timedelta(days=3)])
    return layout(fig, None)


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
            hovertemplate="%{y:,.0f}" + t("/ngày") + "<extra></extra>",
        )
    )
    required = main.get("required_per_day")
    if pd.notna(required) and required not in (float("inf"),):
        fig.add_hline(
            y=float(required),
            line=dict(color=COLORS["required"], dash="dash", width=2),
            annotation_text=t("Cần {n}/ngày", n=fmt.number(required)),
            annotation_position="top left",
            annotation_font_color=COLORS["required"],
            # A white ground so the label reads over the bars it sits on.
            annotation_bgcolor="rgba(255,255,255,0.85)",
        )
    return layout(fig, None, height=340)


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
    fig = layout(fig, None, height=220)
    fig.update_layout(hovermode="closest", showlegend=False)
    fig.update_xaxes(tickformat=",d")
    return fig


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
