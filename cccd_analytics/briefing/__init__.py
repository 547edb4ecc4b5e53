"""The briefing (giao ban): what to say about a campaign, and the deck, PDF and workbook.

`build_briefing(snapshot)` (`content`) turns a `metrics.Snapshot` into a `Briefing`
(`model`) — every sentence, figure, table and chart series written from the snapshot's
numbers, in Vietnamese with Vietnamese formats; `rankings` says who leads and lags,
`charts` gives the chart series and the map.  `slides(briefing)` (`plan`) lays that
content out as a sequence of slides, shared by the PowerPoint deck and the dashboard's
presentation mode.  The writers only render, in the colours and fonts of `style`:

* `write_pptx` (`pptx`) — a 16:9 deck with native, editable PowerPoint charts (python-pptx);
* `write_pdf` (`pdf`) — the same content as an A4-landscape PDF (reportlab; vector charts;
  Liberation Sans shipped in `data/fonts/` so Vietnamese renders without system fonts);
* `write_xlsx` (`xlsx`) — the tables (units by level, milestones, daily series, communes
  needing mobile teams, caveats), formulas neutralised (`exports`).

Nothing here reads the store or imports Streamlit.  The writers are imported when first
used (`briefing.write_pdf` loads reportlab, not python-pptx), so the presentation mode and
`cccd report --format xlsx` do not load the libraries of the other formats.
"""

from __future__ import annotations

import importlib

from cccd_analytics.briefing.charts import chart_figure, map_figure, projector_figure
from cccd_analytics.briefing.content import build_briefing, from_frames
from cccd_analytics.briefing.model import AUTHOR, TEAM_STATUSES, TITLE, Briefing
from cccd_analytics.briefing.plan import Slide, has_map, slides, table_html
from cccd_analytics.briefing.rankings import team_frame
from cccd_analytics.briefing.style import COLORS, STATUS_COLORS

# Each writer → the module that has it, imported on first use (PEP 562).
_WRITERS = {
    "write_pptx": "pptx",
    "pptx_bytes": "pptx",
    "write_pdf": "pdf",
    "pdf_bytes": "pdf",
    "write_xlsx": "xlsx",
    "xlsx_bytes": "xlsx",
}

__all__ = [
    "COLORS",
    "STATUS_COLORS",
    "TEAM_STATUSES",
    "AUTHOR",
    "TITLE",
    "Briefing",
    "Slide",
    "build_briefing",
    "chart_figure",
    "from_frames",
    "has_map",
    "map_figure",
    "projector_figure",
    "slides",
    "table_html",
    "team_frame",
    *_WRITERS,
]


def __getattr__(name: str):
    if name in _WRITERS:
        return getattr(importlib.import_module(f"{__name__}.{_WRITERS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
