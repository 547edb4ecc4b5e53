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
from cccd_analytics import text as fmt
from cccd_analytics.i18n import t

#: The map slide's height (px) on a 1280×720 projector, the smallest the slide is made for.
SMALLEST_MAP_PX = 575

context = ui.page_context()
if context.campaign is None:
    ui.stop_without_campaign()

# Sizes in px and vh: the slide is laid out for the projector's own screen.  The slide
# block takes the height the footer (navigation) leaves, its text is never under 28 px and
# headline figures never under 44 px (readable from the back of a hall), and the charts
# stretch into whatever height is left on the slide.
st.html("""
<style>
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
  [data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"],
  header, footer { display: none !important; }
  [data-testid="stMainBlockContainer"], .block-container {
    padding: 8px 28px 0 28px !important; max-width: 100% !important; }
  [data-testid="stMainBlockContainer"] > div > [data-testid="stVerticalBlock"] { gap: 8px; }
  /* !important: Streamlit's own class on the block sets its height to auto and flex-basis to 0. */
  .st-key-cccd_slide { height: calc(100vh - 72px) !important; flex: none !important; overflow: hidden !important;
    gap: 10px !important;
    color: #1F2933; font-size: 28px; }
  .st-key-cccd_slide > div { flex-shrink: 0 !important; }
  .st-key-cccd_slide > [data-testid="stElementContainer"]:has([data-testid="stPlotlyChart"]),
  .st-key-cccd_slide > [data-testid="stElementContainer"]:has(.cccd-fill) {
    flex: 1 1 0 !important; min-height: 0 !important; height: auto !important; }
  .st-key-cccd_slide [data-testid="stPlotlyChart"] { height: 100% !important; }
  .st-key-cccd_slide [data-testid="stElementContainer"]:has(.cccd-fill) > div { height: 100%; }
  .cccd-fill { height: 100%; display: flex; flex-direction: column; }
  .cccd-fill .cccd-tiles { flex: 1; grid-auto-rows: 1fr; }
  .cccd-fill .cccd-tile { display: flex; flex-direction: column; justify-content: center; }
  .cccd-slide { font-size: 28px; line-height: 1.35; }
  h1.cccd-title { font-size: max(44px, 5.2vh); color: #0D3B66; margin: 0; padding: 0 0 6px 0;
    line-height: 1.15; border-bottom: 6px solid #C62828; display: inline-block; }
  .cccd-sub { font-size: 28px; color: #4A5563; margin: 8px 0 0 0; }
  .cccd-slide ul { font-size: max(30px, 3.4vh); line-height: 1.35; padding-left: 1.4em; margin: 1.2vh 0 0 0; }
  .cccd-slide li { margin-bottom: 1.4vh; }
  .cccd-cover { background: #0D3B66; color: white; border-radius: 10px; padding: 8vh 5vw;
    height: calc(100vh - 72px); box-sizing: border-box; display: flex; flex-direction: column;
    justify-content: center; }
  .cccd-cover .kicker { color: #FFD54F; font-size: max(28px, 3.2vh); font-weight: 700; letter-spacing: .03em; }
  .cccd-cover .name { font-size: max(56px, 8.5vh); font-weight: 700; line-height: 1.1; margin: 5vh 0 4vh 0; }
  .cccd-cover .when { font-size: max(32px, 4.2vh); color: #E3ECF7; }
  .cccd-tiles { display: grid; grid-template-columns: repeat(3, 1fr); gap: 2.2vh 1.5vw; margin-top: 2.5vh; }
  .cccd-tile { background: #F4F7FB; border-left: 8px solid #0D3B66; padding: 1.6vh 1.4vw; border-radius: 5px; }
  .cccd-tile .label { font-size: 28px; color: #4A5563; }
  .cccd-tile .value { font-size: max(48px, 7.2vh); font-weight: 700; line-height: 1.15; }
  .cccd-tile .note { font-size: 28px; color: #4A5563; }
  .cccd-verdict { margin-top: 3vh; font-size: max(30px, 3.6vh); font-weight: 700; padding: 1.6vh 1.4vw;
    border: 2px solid; border-left-width: 10px; border-radius: 5px; }
  table.cccd-slide-table { border-collapse: collapse; width: 100%; margin: 1vh 0; font-size: 28px !important; }
  table.cccd-slide-table th { background: #0D3B66; color: white; padding: 6px 10px; text-align: center;
    line-height: 1.2; }
  table.cccd-slide-table td { padding: 5px 10px; border-bottom: 1px solid #D5DEEA; }
  table.cccd-slide-table tbody tr:nth-child(even) { background: #F4F7FB; }
  .cccd-note { font-size: 28px; color: #4A5563; }
  .cccd-more { font-size: 28px; font-weight: 700; }
  .st-key-cccd_nav { height: 48px; overflow: hidden; }
  .st-key-cccd_nav button { min-height: 40px; }
  .st-key-cccd_nav button p, .st-key-cccd_nav a p { font-size: 20px; }
  /* A 1280×720 projector: the sizes above (28px and more, read from the back of a room on
     1366×768 and 1920×1080) put a slide's last lines under the navigation bar; here they
     follow the screen's height instead. */
  @media (max-height: 740px) and (min-width: 700px) {
    .st-key-cccd_slide, .cccd-slide, .cccd-sub, .cccd-tile .label, .cccd-tile .note {
      font-size: clamp(18px, 3.1vh, 28px) !important; }
    .cccd-slide ul { font-size: clamp(20px, 3.4vh, 30px) !important; }
    table.cccd-slide-table, .cccd-note, .cccd-more { font-size: clamp(16px, 2.9vh, 28px) !important; }
  }
  /* The shortcut hint Streamlit draws in a button ("Home", "←") is English and a second
     label; the keys still work and the footer names them in Vietnamese. */
  .st-key-cccd_nav button [aria-label^="Shortcut"] { display: none; }
  /* A phone is no projector: sizes for a hand's distance, the slide scrolls, the keyboard
     hint goes. */
  @media (max-width: 640px) {
    [data-testid="stMainBlockContainer"], .block-container { padding: 8px 10px 0 10px !important; }
    .st-key-cccd_slide { height: auto !important; overflow: visible !important; font-size: 17px; }
    /* The slide grows with what it holds: a block that fills the projector's height (the
       tiles, a chart) takes its own height here, or the navigation under it lay on top. */
    .st-key-cccd_slide > [data-testid="stElementContainer"]:has([data-testid="stPlotlyChart"]),
    .st-key-cccd_slide > [data-testid="stElementContainer"]:has(.cccd-fill) {
      flex: none !important; height: auto !important; }
    .st-key-cccd_slide [data-testid="stElementContainer"]:has(.cccd-fill) > div, .cccd-fill { height: auto; }
    /* Only a chart that fills the slide takes the screen's height: a chart of its own height
       (the groups' bars, side by side on a projector, one under the other here) kept the box
       Streamlit gave it, and drawn 60vh tall inside it showed its first bar or two only. */
    .st-key-cccd_slide > [data-testid="stElementContainer"] > [data-testid="stPlotlyChart"],
    .st-key-cccd_slide > [data-testid="stElementContainer"] [data-testid="stFullScreenFrame"]:has(> [data-testid="stPlotlyChart"]) > [data-testid="stPlotlyChart"] { height: 60vh !important; }
    .cccd-tiles { grid-template-columns: repeat(2, 1fr); }
    .cccd-cover { height: auto; padding: 5vh 6vw; }
    .cccd-slide, .cccd-sub, .cccd-note, .cccd-more, .cccd-tile .label, .cccd-tile .note,
    table.cccd-slide-table { font-size: 16px !important; }
    /* !important: the milestones' lines carry the projector's 28px in their own style. */
    .cccd-slide ul { font-size: 17px !important; }
    h1.cccd-title { font-size: 24px; border-bottom-width: 4px; }
    .cccd-cover .kicker { font-size: 15px; }
    .cccd-cover .name { font-size: 30px; margin: 2vh 0; }
    .cccd-cover .when { font-size: 18px; }
    .cccd-tile .value { font-size: 28px; }
    .cccd-verdict { font-size: 18px; }
    .st-key-cccd_nav { height: auto; }
    .st-key-cccd_nav button p, .st-key-cccd_nav a p { font-size: 15px; }
    .cccd-keys { display: none; }
  }
</style>
""")

snap = context.snapshot()
# Built once per campaign, day and data version; stepping through slides only re-lays out.
cache_key = (snap.campaign.name, str(snap.as_of), ui.store().data_version())
cached = st.session_state.get("_presentation")
if cached is None or cached[0] != cache_key:
    section = ui.loaders.parts_section(
        ui.loaders.default_url(), ui.store().data_version(), snap.campaign.name, snap.as_of.date()
    )
    brief = briefing.build_briefing(snap, parts=section)
    plan = briefing.slides(brief, rows_per_slide=5, team_slides=4, with_map=briefing.has_map(brief))
    st.session_state["_presentation"] = cached = (cache_key, brief, plan)
_, brief, plan = cached

# The slide is in the address too ("trang", counted from 1): a presenter who reloads the
# page, or opens it again from a link, comes back to the slide they were on.
if "slide_index" not in st.session_state and str(st.query_params.get("trang", "")).isdigit():
    st.session_state["slide_index"] = int(st.query_params["trang"]) - 1
index = min(max(int(st.session_state.get("slide_index", 0)), 0), len(plan) - 1)
st.session_state["slide_index"] = index
st.query_params["trang"] = str(index + 1)


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
            f'<div class="cccd-slide cccd-fill">{heading(slide)}<div class="cccd-tiles">{tiles}</div>'
            f'<div class="cccd-verdict" style="color:#{color};border-color:#{color}">'
            f"{html.escape(slide.lines[0])}</div></div>"
        )
    elif slide.kind in ("narrative", "caveats"):
        st.html(f'<div class="cccd-slide">{heading(slide)}{bullets(slide.lines)}</div>')
    elif slide.kind in ("cumulative", "daily"):
        st.html(f'<div class="cccd-slide">{heading(briefing.Slide(slide.kind, slide.title))}</div>')
        figure = (
            charts.cumulative_vs_target(snap)
            if slide.kind == "cumulative"
            else charts.daily_collections(snap)
        )
        st.plotly_chart(
            briefing.projector_figure(figure, height=600, font_size=26),
            width="stretch",
            height="stretch",
            config=charts.PLOTLY_CONFIG,
        )
        st.html(f'<div class="cccd-note">{html.escape(slide.subtitle)}</div>')
    elif slide.kind == "milestones":
        colors = [
            briefing.STATUS_COLORS.get(m.status, briefing.COLORS["ink"])
            for m in brief.milestones
            if m.text in slide.lines
        ]
        lines = bullets(slide.lines, colors).replace("<ul>", '<ul style="font-size:28px">')
        st.html(
            f'<div class="cccd-slide">{heading(slide)}{briefing.table_html(slide.table, "28px")}{lines}</div>'
        )
    elif slide.kind == "ranking":
        # The table first (it carries the figures); the bars take the height left.
        st.html(f'<div class="cccd-slide">{heading(slide)}{briefing.table_html(slide.table, "28px")}</div>')
        st.plotly_chart(
            briefing.chart_figure(slide.chart, height=60 * len(slide.table.rows) + 40, font_size=26),
            width="stretch",
            height="stretch",
            config={"displaylogo": False, "staticPlot": True},
        )
    elif slide.kind == "parts":
        # On a projector: the two charts and the lines that carry a verdict (the group
        # milestones, our residents elsewhere), at most four; the deck has them all.
        said = [(line, status) for line, status in zip(slide.lines, slide.line_status) if status][:4]
        colors = [briefing.STATUS_COLORS.get(status, briefing.COLORS["ink"]) for _, status in said]
        st.html(f'<div class="cccd-slide">{heading(slide)}</div>')
        shown = [c for c in (slide.chart, slide.side_chart) if c is not None]
        for column, chart in zip(st.columns(len(shown)), shown):
            column.html(
                f'<div class="cccd-slide"><div class="cccd-note"><b>{html.escape(chart.title)}</b></div></div>'
            )
            column.plotly_chart(
                briefing.chart_figure(chart, height=46 * len(chart.categories) + 30, font_size=22),
                width="stretch",
                config={"displaylogo": False, "staticPlot": True},
            )
        st.html(f'<div class="cccd-slide">{bullets([line for line, _ in said], colors)}</div>')
    elif slide.kind == "map":
        st.html(f'<div class="cccd-slide">{heading(slide)}</div>')
        # The labels are placed for the smallest projector the slide fills (1280×720: the
        # map drawn 575 px high); drawn larger, they only move apart.  Placed for 640 px, the
        # names of Vinh's neighbours were written over each other there.
        figure = briefing.map_figure(brief, 1200, SMALLEST_MAP_PX)
        if figure is not None:
            figure.update_layout(height=SMALLEST_MAP_PX, width=None)
            st.plotly_chart(figure, width="stretch", height="stretch", config=charts.PLOTLY_CONFIG)
    elif slide.kind == "teams":
        more = f'<div class="cccd-more">{html.escape(slide.more)}</div>' if slide.more else ""
        notes = "".join(f'<div class="cccd-note">{html.escape(line)}</div>' for line in slide.lines)
        st.html(
            f'<div class="cccd-slide">{heading(slide)}{briefing.table_html(slide.table, "28px")}'
            f"{more}{notes}</div>"
        )

# Icons from the Material Symbols font Streamlit ships (a "⏮" or "◀" may be missing from
# the text font and show as an empty box on a projector's browser).
with st.container(key="cccd_nav"):
    left, middle, right, first, leave = st.columns([1.2, 5, 1.2, 1, 1.6], vertical_alignment="center")
    left.button(
        t("Trước"),
        key="slide_prev",
        icon=":material/chevron_left:",
        on_click=go,
        kwargs={"step": -1},
        shortcut="Left",
        disabled=index == 0,
        width="stretch",
    )
    middle.html(
        f"<div style='text-align:center;color:#4A5563;font-size:18px;line-height:1.3;white-space:nowrap;"
        f"overflow:hidden;text-overflow:ellipsis'><b>{t('Trang {i}/{n}', i=index + 1, n=len(plan))}</b> · "
        f"{html.escape(brief.unit_name)} · {t('số liệu đến {day}', day=fmt.date_vn(brief.as_of))}"
        f"<span class='cccd-keys'> · {t('phím mũi tên, lên/xuống trang · F: toàn màn hình')}</span></div>"
    )
    right.button(
        t("Sau"),
        key="slide_next",
        icon=":material/chevron_right:",
        on_click=go,
        kwargs={"step": 1},
        shortcut="Right",
        disabled=index == len(plan) - 1,
        width="stretch",
    )
    first.button(
        t("Đầu"),
        key="slide_first",
        icon=":material/first_page:",
        on_click=go,
        kwargs={"to": 0},
        shortcut="Home",
        width="stretch",
    )
    leave.page_link("pages/overview.py", label=t("Thoát trình chiếu"), icon=":material/close:")

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
