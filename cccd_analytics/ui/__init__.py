"""The one seam that imports Streamlit.  Pages call these and only lay out what they return.

`loaders` (cached reads of the store, snapshots, quality findings, briefing files),
`context` (the shared filters: campaign, as-of day; the signed-in user; the guard each
page calls first), `widgets` (import reports, column mapping, charts with a PNG download,
briefing downloads, language picker, markdown escaping) and `login` (sign-in, roles).
"""

from __future__ import annotations

from cccd_analytics.ui.context import (
    NO_CAMPAIGN,
    Context,
    campaign_filters,
    campaign_snapshot,
    current_role,
    current_user,
    follow_wanted_page,
    newer_day_note,
    page_context,
    stop_without_campaign,
)
from cccd_analytics.ui.loaders import get_store, refresh_shared, store
from cccd_analytics.ui.widgets import (
    BRIEFING_TYPES,
    PROBLEMS_IN_FULL,
    STATUS_BADGE,
    briefing_downloads,
    chart,
    column_mapping_form,
    decimal_input,
    fitted,
    import_report,
    language_picker,
    md_escape,
    png_download,
    problem_table,
    progress_charts,
)

__all__ = [
    "BRIEFING_TYPES",
    "NO_CAMPAIGN",
    "PROBLEMS_IN_FULL",
    "STATUS_BADGE",
    "Context",
    "briefing_downloads",
    "campaign_filters",
    "campaign_snapshot",
    "chart",
    "column_mapping_form",
    "decimal_input",
    "fitted",
    "current_role",
    "current_user",
    "follow_wanted_page",
    "get_store",
    "import_report",
    "language_picker",
    "md_escape",
    "newer_day_note",
    "page_context",
    "png_download",
    "problem_table",
    "progress_charts",
    "refresh_shared",
    "stop_without_campaign",
    "store",
]
