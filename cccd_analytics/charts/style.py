"""What every figure shares: colours, the font, the layout, the Streamlit config."""

from __future__ import annotations

import plotly.graph_objects as go

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
    # plotly.js ships no Vietnamese: its toolbar's tips ("Download plot as a png", "Zoom",
    # "Autoscale") were English.  Given with each chart, as its config allows, rather than a
    # locale script from a CDN (the police network is closed).
    "locales": {
        "vi": {
            "dictionary": {
                "Download plot as a png": "Tải ảnh PNG",
                "Download plot as a PNG": "Tải ảnh PNG",
                "Fullscreen": "Toàn màn hình",
                "Exit fullscreen": "Thoát toàn màn hình",
                "Download plot": "Tải ảnh",
                "Zoom": "Phóng to vùng chọn",
                "Pan": "Kéo",
                "Zoom in": "Phóng to",
                "Zoom out": "Thu nhỏ",
                "Autoscale": "Tự co giãn",
                "Reset axes": "Về mặc định",
                "Reset view": "Về mặc định",
                "Reset": "Về mặc định",
                "Toggle Spike Lines": "Bật/tắt đường gióng",
                "Show closest data on hover": "Hiện số gần nhất khi trỏ chuột",
                "Compare data on hover": "So sánh số khi trỏ chuột",
                "Zoom in/out": "Phóng to/thu nhỏ",
                "Double-click to zoom back out": "Bấm đúp để thu nhỏ lại",
                "Double-click on legend to isolate one trace": "Bấm đúp vào chú giải để chỉ hiện một đường",
                "Click to enter Colorscale title": "Bấm để ghi tên thang màu",
                "Click to enter X axis title": "Bấm để ghi tên trục hoành",
                "Click to enter Y axis title": "Bấm để ghi tên trục tung",
                "Taking snapshot - this may take a few seconds": "Đang chụp ảnh, có thể mất vài giây",
                "Snapshot succeeded": "Đã chụp ảnh",
            },
            "format": {
                "days": ["Chủ nhật", "Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy"],
                "shortDays": ["CN", "T2", "T3", "T4", "T5", "T6", "T7"],
                "months": [f"Tháng {m}" for m in range(1, 13)],
                "shortMonths": [f"Th{m}" for m in range(1, 13)],
                "date": "%d/%m/%Y",
                "decimal": ",",
                "thousands": ".",
            },
        }
    },
}
FONT = dict(family="Source Sans Pro, DejaVu Sans, Arial, sans-serif", size=14)


def layout(fig: go.Figure, title: str | None = None, height: int = 420) -> go.Figure:
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


#: The longest line a vertical label keeps: at the projector's type (22 px) it is about a
#: third of a 16:9 slide's height, and on a phone's chart it stays inside the plot.
VLINE_LINE_CHARS = 26


def vline(fig: go.Figure, when, label: str | list[str], color: str, dash: str = "dash") -> None:
    """A vertical line at `when` labelled along it; `label` as a list is one line each.

    A label reads up from the bottom of the plot.  One long line (several milestones named
    together) ran past the plot's top into the legend on a projector slide and a phone, so
    each name takes its own line (side by side once turned) and a line longer than
    VLINE_LINE_CHARS is cut with "…", the whole label kept for the pointer."""
    lines = [label] if isinstance(label, str) else list(label)
    shown = [
        line if len(line) <= VLINE_LINE_CHARS else line[: VLINE_LINE_CHARS - 1].rstrip(" ,·") + "…"
        for line in lines
    ]
    fig.add_shape(
        type="line", x0=when, x1=when, y0=0, y1=1, yref="paper", line=dict(color=color, dash=dash, width=1.5)
    )
    # Labels run up from the bottom so they never cross the target line at the top.
    fig.add_annotation(
        x=when,
        y=0.02,
        yref="paper",
        text="<br>".join(escaped(line) for line in shown),
        hovertext=escaped(" · ".join(lines)) if shown != lines else None,
        showarrow=False,
        xanchor="right",
        yanchor="bottom",
        textangle=-90,
        font=dict(color=color, size=12),
        bgcolor="rgba(255,255,255,0.8)",
    )


#: One colour per value of a dimension, in the dimension's order (colour-blind safe: Okabe–Ito).
PART_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")


def escaped(text) -> str:
    """Escape user data placed in plotly hover text (which renders a subset of HTML)."""
    import html

    return html.escape(str(text))
