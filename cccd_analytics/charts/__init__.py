"""Plotly figures from snapshots: pure functions, no Streamlit.

Every text in a figure is Vietnamese and uses Vietnamese number and date formats;
nothing is fetched (no MathJax, no map tiles).  One module per family of figures:
`progress` (the campaign against its target), `maps`, `parts` (breakdowns); what they
share (colours, font, layout) is `style`.  Callers use `charts.<figure>`.
"""

from cccd_analytics.charts.maps import unit_map
from cccd_analytics.charts.parts import (
    part_colors,
    part_series,
    parts_coverage,
    parts_coverage_over_time,
    parts_over_time,
    parts_share,
)
from cccd_analytics.charts.progress import (
    completeness_heatmap,
    cumulative_vs_target,
    daily_collections,
    funnel,
)
from cccd_analytics.charts.style import COLORS, FONT, PART_COLORS, PLOTLY_CONFIG, STATUS_COLORS

__all__ = [
    "COLORS",
    "FONT",
    "PART_COLORS",
    "PLOTLY_CONFIG",
    "STATUS_COLORS",
    "completeness_heatmap",
    "cumulative_vs_target",
    "daily_collections",
    "funnel",
    "part_colors",
    "part_series",
    "parts_coverage",
    "parts_coverage_over_time",
    "parts_over_time",
    "parts_share",
    "unit_map",
]
