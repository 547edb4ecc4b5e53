"""Page styles that Streamlit has no parameter for: the upload widget's texts in the
interface language, and the narrow-screen layout of the overview.

Streamlit (1.67) writes the file uploader's texts in English inside its React code
("Upload", "200MB per file • CSV…", "Drag and drop files here") and offers no option to
change them.  They are replaced here with CSS on the widget's stable `data-testid`
elements: the English text is shrunk to nothing and the translation drawn with
`::after` (the drop hint, which has no test id, is the block the widget puts right
after its file input while something is dragged over it).  Nothing is scripted and the widget keeps working (click, keyboard, drop);
tests/test_ui_browser.py checks in a real browser that no English is left.
"""

from __future__ import annotations

import streamlit as st

from cccd_analytics.i18n import t
from cccd_analytics.ingest import file_types
from cccd_analytics.ingest.readers import Limits


def _css_text(text: str) -> str:
    """A CSS string literal (content: …) for a text of ours."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\A ") + '"'


def uploader_texts(max_bytes: int = Limits().max_bytes) -> None:
    """The file uploaders of this page speak the interface language."""
    button = _css_text(t("Chọn tệp"))
    limit = _css_text(
        t(
            "Tối đa {mb} MB mỗi tệp · {types}",
            mb=max_bytes // 2**20,
            types=file_types.accepted_list(),
        )
    )
    drop = _css_text(t("Thả tệp vào đây"))
    st.html(
        f"""<style>
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {{ font-size: 0; }}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after {{
  content: {button}; font-size: 1rem; }}
[data-testid="stFileUploaderDropzoneInstructions"] span {{ font-size: 0; }}
[data-testid="stFileUploaderDropzoneInstructions"] span::after {{ content: {limit}; font-size: .875rem; }}
[data-testid="stFileUploaderDropzoneInput"] + div:not(:last-child) * {{ font-size: 0; }}
[data-testid="stFileUploaderDropzoneInput"] + div:not(:last-child) > *::after {{
  content: {drop}; font-size: 1rem; }}
[data-testid="stFileChipName"] + * {{ display: none; }}
</style>"""
    )


def narrow_overview() -> None:
    """On a phone (< 640 px): the headline figures two by two (Streamlit stacks columns
    one per line there, which pushes everything below the fold), the attention list and the
    forecast's track record as cards instead of wide tables.  The verdict is placed first by the page itself."""
    st.html(
        """<style>
.st-key-ov_cards, .st-key-ov_record_cards { display: none !important; }
@media (max-width: 640px) {
  .st-key-ov_record_tables { display: none; }
  .st-key-ov_record_cards { display: flex !important; gap: .1rem; }
  .st-key-ov_metrics [data-testid="stHorizontalBlock"] { flex-wrap: wrap; gap: .75rem 1rem; }
  .st-key-ov_metrics [data-testid="stColumn"] {
    width: calc(50% - .5rem) !important; flex: 1 1 calc(50% - .5rem) !important;
    min-width: calc(50% - .5rem) !important; }
  .st-key-ov_metrics [data-testid="stMetricValue"] { font-size: 1.6rem; }
  .st-key-ov_attention_table { display: none; }
  .st-key-ov_cards { display: flex !important; gap: .1rem; }
}
.cccd-card { border: 1px solid #D5DEEA; border-left: .4rem solid var(--status, #9E9E9E);
  border-radius: .4rem; padding: .5rem .75rem; margin-top: .4rem; }
.cccd-card .name { font-weight: 700; }
.cccd-card .where { color: #5F6B7A; font-size: .85rem; }
.cccd-card .facts { display: grid; grid-template-columns: 1fr 1fr; gap: .1rem .75rem; font-size: .9rem;
  margin-top: .25rem; }
.cccd-card .facts b { font-weight: 600; }
.cccd-card .note { font-size: .85rem; margin-top: .3rem; }
</style>"""
    )


def narrow_map() -> None:
    """On a phone (< 640 px) the map is a few centimetres wide: the names and shares on its
    shapes piled on one another and the chart's toolbar lay on its title.  There the shapes
    keep their colours and legend (a tap shows a shape's figures, and the table under the
    map gives them all), without the labels or the toolbar."""
    st.html(
        """<style>
@media (max-width: 640px) {
  .st-key-map_chart .textpoint, .st-key-map_chart .modebar-container { display: none !important; }
}
</style>"""
    )


def app_texts() -> None:
    """Streamlit texts every page has: the keyboard user's "Skip to main content" link
    (shown when it takes the focus) and the "Stop" button shown at the top right while a
    page runs speak the interface language."""
    skip = _css_text(t("Đến nội dung chính"))
    stop = _css_text(t("Dừng"))
    st.html(
        f"""<style>
[data-testid="stSkipToContent"] {{ font-size: 0 !important; }}
[data-testid="stSkipToContent"]::after {{ content: {skip}; font-size: 1rem; }}
[data-testid="stStatusWidget"] [data-testid="stBaseButton-header"] {{ font-size: 0 !important; }}
[data-testid="stStatusWidget"] [data-testid="stBaseButton-header"]::after {{ content: {stop}; font-size: .875rem; }}
</style>"""
    )
