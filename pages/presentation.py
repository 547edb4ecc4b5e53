"""Trình chiếu: the briefing as full-screen, large-type slides for a projector.

Layout only: the slide sequence and every sentence, table and chart series come from
`cccd_analytics.briefing` (the same plan the PowerPoint deck follows).  Navigation: the
◀ / ▶ buttons, the arrow keys (Streamlit button shortcuts), and PageUp / PageDown /
Space through a small script that clicks those same buttons.  Streamlit's own chrome
(header, toolbar, sidebar) is hidden on this page; `?embed=true` hides the rest.
"""

import html

import streamlit as st

from cccd_analytics import briefing, charts, ui
from cccd_analytics import formatting as fmt

context = ui.page_context()
if context.campaign is None:
    ui.stop_without_campaign()

st.html("""
<style>
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
  [data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"],
  header, footer { display: none !important; }
  [data-testid="stMainBlockContainer"], .block-container {
    padding: 1.2rem 2.5rem 0.5rem 2.5rem !important; max-width: 100% !important; }
  .cccd-slide { min-height: 74vh; color: #1F2933; }
  h1.cccd-title { font-size: 3rem; color: #0D3B66; margin: 0 0 .2rem 0; padding: 0;
    line-height: 1.15; border-bottom: .35rem solid #C62828; display: inline-block; padding-bottom: .3rem; }
  .cccd-sub { font-size: 1.5rem; color: #5F6B7A; margin: .4rem 0 1rem 0; }
  .cccd-slide ul { font-size: 1.9rem; line-height: 1.4; padding-left: 1.6rem; }
  .cccd-slide li { margin-bottom: .7rem; }
  .cccd-cover { background: #0D3B66; color: white; border-radius: .6rem; padding: 7vh 4vw; min-height: 70vh; }
  .cccd-cover .kicker { color: #FFD54F; font-size: 1.6rem; font-weight: 700; letter-spacing: .03em; }
  .cccd-cover .name { font-size: 4rem; font-weight: 700; line-height: 1.1; margin: 4vh 0 3vh 0; }
  .cccd-cover .when { font-size: 2.2rem; color: #E3ECF7; }
  .cccd-tiles { display: grid; grid-template-columns: repeat(3, 1fr); gap: 1.2rem; margin-top: 1rem; }
  .cccd-tile { background: #F4F7FB; border-left: .5rem solid #0D3B66; padding: 1rem 1.4rem; border-radius: .3rem; }
  .cccd-tile .label { font-size: 1.5rem; color: #5F6B7A; }
  .cccd-tile .value { font-size: 3.4rem; font-weight: 700; line-height: 1.15; }
  .cccd-tile .note { font-size: 1.25rem; color: #5F6B7A; }
  .cccd-verdict { margin-top: 1.5rem; font-size: 2rem; font-weight: 700; padding: 1rem 1.4rem;
    border: 2px solid; border-left-width: .7rem; border-radius: .3rem; }
  table.cccd-slide-table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem 0; }
  table.cccd-slide-table th { background: #0D3B66; color: white; padding: .45rem .6rem; text-align: center; }
  table.cccd-slide-table td { padding: .4rem .6rem; border-bottom: 1px solid #D5DEEA; }
  table.cccd-slide-table tbody tr:nth-child(even) { background: #F4F7FB; }
  .cccd-note { font-size: 1.35rem; color: #5F6B7A; }
  .cccd-more { font-size: 1.5rem; font-weight: 700; }
</style>
""")

snap = context.snapshot()
# Built once per campaign, day and data version; stepping through slides only re-lays out.
cache_key = (snap.campaign.name, str(snap.as_of), ui.store().data_version())
cached = st.session_state.get("_presentation")
if cached is None or cached[0] != cache_key:
    brief = briefing.build_briefing(snap)
    plan = briefing.slides(brief, rows_per_slide=8, team_slides=3, with_map=briefing.has_map(brief))
    st.session_state["_presentation"] = cached = (cache_key, brief, plan)
_, brief, plan = cached

index = min(max(int(st.session_state.get("slide_index", 0)), 0), len(plan) - 1)
st.session_state["slide_index"] = index


def go(step: int | None = None, to: int | None = None) -> None:
    current = int(st.session_state.get("slide_index", 0))
    target = to if to is not None else current + (step or 0)
    st.session_state["slide_index"] = min(max(target, 0), len(plan) - 1)


def heading(slide: briefing.Slide) -> str:
    sub = f'<div class="cccd-sub">{html.escape(slide.subtitle)}</div>' if slide.subtitle else ""
    return f'<h1 class="cccd-title">{html.escape(slide.title)}</h1>{sub}'


def bullets(lines, colors=None) -> str:
    items = []
    for i, line in enumerate(lines):
        style = f' style="color:#{colors[i]}"' if colors else ""
        items.append(f"<li{style}>{html.escape(line)}</li>")
    return "<ul>" + "".join(items) + "</ul>"


slide = plan[index]
with st.container(key="cccd_slide"):
    if slide.kind == "title":
        st.html(
            f'<div class="cccd-slide"><div class="cccd-cover"><div class="kicker">'
            f'{html.escape(slide.lines[0].upper())}</div><div class="name">{html.escape(slide.title)}</div>'
            f'<div class="when">{html.escape(slide.subtitle)}</div></div></div>'
        )
    elif slide.kind == "figures":
        tiles = "".join(
            f'<div class="cccd-tile"><div class="label">{html.escape(f.label)}</div>'
            f'<div class="value">{html.escape(f.value)}</div>'
            f'<div class="note">{html.escape(f.note)}</div></div>'
            for f in brief.figures
        )
        color = briefing.STATUS_COLORS.get(slide.status, briefing.COLORS["ink"])
        st.html(
            f'<div class="cccd-slide">{heading(slide)}<div class="cccd-tiles">{tiles}</div>'
            f'<div class="cccd-verdict" style="color:#{color};border-color:#{color}">'
            f"{html.escape(slide.lines[0])}</div></div>"
        )
    elif slide.kind in ("narrative", "caveats"):
        st.html(f'<div class="cccd-slide">{heading(slide)}{bullets(slide.lines)}</div>')
    elif slide.kind in ("cumulative", "daily"):
        st.html(f"<div>{heading(briefing.Slide(slide.kind, slide.title))}</div>")
        figure = (
            charts.cumulative_vs_target(snap)
            if slide.kind == "cumulative"
            else charts.daily_collections(snap)
        )
        st.plotly_chart(
            briefing.projector_figure(figure, height=600),
            width="stretch",
            config=getattr(charts, "PLOTLY_CONFIG", {"displaylogo": False}),
        )
        st.html(f'<div class="cccd-note">{html.escape(slide.subtitle)}</div>')
    elif slide.kind == "milestones":
        colors = [
            briefing.STATUS_COLORS.get(m.status, briefing.COLORS["ink"])
            for m in brief.milestones
            if m.text in slide.lines
        ]
        lines = bullets(slide.lines, colors).replace("<ul>", '<ul style="font-size:1.45rem">')
        st.html(
            f'<div class="cccd-slide">{heading(slide)}{briefing.table_html(slide.table, "1.45rem")}'
            f"{lines}</div>"
        )
    elif slide.kind == "ranking":
        st.html(heading(slide))
        st.plotly_chart(
            briefing.chart_figure(slide.chart, height=60 * len(slide.table.rows) + 40),
            width="stretch",
            config={"displaylogo": False, "staticPlot": True},
        )
        st.html(briefing.table_html(slide.table, "1.35rem"))
    elif slide.kind == "map":
        st.html(heading(slide))
        figure = briefing.map_figure(brief, 1500, 640)
        if figure is not None:
            figure.update_layout(height=640)
            st.plotly_chart(figure, width="stretch", config=getattr(charts, "PLOTLY_CONFIG", {}))
    elif slide.kind == "teams":
        more = f'<div class="cccd-more">{html.escape(slide.more)}</div>' if slide.more else ""
        notes = "".join(f'<div class="cccd-note">{html.escape(line)}</div>' for line in slide.lines)
        st.html(
            f'<div class="cccd-slide">{heading(slide)}{briefing.table_html(slide.table, "1.3rem")}'
            f"{more}{notes}</div>"
        )

left, middle, right, first, leave = st.columns([1.1, 5, 1.1, 1, 1.5], vertical_alignment="center")
left.button(
    "◀ Trước",
    key="slide_prev",
    on_click=go,
    kwargs={"step": -1},
    shortcut="Left",
    disabled=index == 0,
    width="stretch",
)
middle.html(
    f"<div style='text-align:center;color:#5F6B7A;font-size:1rem'>"
    f"<b>Trang {index + 1}/{len(plan)}</b> · {html.escape(brief.unit_name)} · số liệu đến "
    f"{fmt.date_vn(brief.as_of)} · phím ← → (PageUp/PageDown, Space) · F: toàn màn hình</div>"
)
right.button(
    "Sau ▶",
    key="slide_next",
    on_click=go,
    kwargs={"step": 1},
    shortcut="Right",
    disabled=index == len(plan) - 1,
    width="stretch",
)
first.button("⏮ Đầu", key="slide_first", on_click=go, kwargs={"to": 0}, shortcut="Home", width="stretch")
leave.page_link("pages/overview.py", label="Thoát trình chiếu", icon=":material/close:")

# PageUp/PageDown/Space (and F for full screen) click this page's own buttons.  The
# script is this file's own constant (no data in it, nothing loaded from elsewhere); it
# registers one listener on the app document, replaced rather than stacked on reruns.
st.html(
    """
<script>
(function () {
  if (window.__cccdSlideKeys) document.removeEventListener("keydown", window.__cccdSlideKeys, true);
  window.__cccdSlideKeys = function (e) {
    const t = e.target || {};
    const tag = (t.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || t.isContentEditable) return;
    if (!document.querySelector(".st-key-cccd_slide")) return;   // another page is showing
    let key = null;
    if (e.key === "PageDown" || e.key === " " || e.key === "Spacebar") key = "slide_next";
    else if (e.key === "PageUp") key = "slide_prev";
    else if ((e.key === "f" || e.key === "F") && !e.ctrlKey && !e.metaKey && !e.altKey) {
      if (document.fullscreenElement) document.exitFullscreen(); else document.documentElement.requestFullscreen();
      e.preventDefault();
      return;
    }
    if (!key) return;
    const button = document.querySelector(".st-key-" + key + " button");
    if (button && !button.disabled) { e.preventDefault(); button.click(); }
  };
  document.addEventListener("keydown", window.__cccdSlideKeys, true);
})();
</script>
""",
    unsafe_allow_javascript=True,
)
