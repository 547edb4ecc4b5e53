"""The one seam that imports Streamlit: cached loaders, shared filters, widget helpers.

Pages call these and only lay out what they return.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import sqlalchemy as sa
import streamlit as st

from cccd_analytics import campaigns as camp
from cccd_analytics import i18n, metrics
from cccd_analytics.store import Store, default_url
from cccd_analytics.store.schema import campaigns as campaigns_table
from cccd_analytics.store.schema import uploads


@st.cache_resource(show_spinner=False)
def get_store(url: str) -> Store:
    return Store.open(url)


def store() -> Store:
    return get_store(default_url())


def data_version(s: Store) -> tuple:
    """Changes whenever an upload, an undo or a campaign edit changes what pages show."""
    with s.engine.connect() as conn:
        up = conn.execute(sa.select(sa.func.max(uploads.c.id), sa.func.count(uploads.c.undone_at))).one()
        ca = conn.execute(
            sa.select(sa.func.max(campaigns_table.c.updated_at), sa.func.count(campaigns_table.c.id))
        ).one()
    return (up[0], up[1], str(ca[0]), ca[1])


@st.cache_data(show_spinner=False, max_entries=8)
def _campaigns(url: str, version: tuple) -> list[camp.Campaign]:
    return [camp.from_definition(d) for d in get_store(url).campaign_definitions()]


@st.cache_data(show_spinner=False, max_entries=4)
def _frames(url: str, version: tuple) -> tuple[pd.DataFrame, pd.DataFrame]:
    s = get_store(url)
    return s.current_observations(), s.units()


@st.cache_data(show_spinner="Đang tính toán…", max_entries=32)
def _snapshot(url: str, version: tuple, name: str, as_of: date | None) -> metrics.Snapshot:
    campaign = next(c for c in _campaigns(url, version) if c.name == name)
    obs, units = _frames(url, version)
    if as_of is not None:
        obs = obs[obs["date"] <= pd.Timestamp(as_of)]
    return metrics.snapshot(obs, units, campaign, as_of)


@st.cache_data(show_spinner="Đang tính toán…", max_entries=64)
def _unit_snapshot(url: str, version: tuple, name: str, as_of: date | None, key: str) -> metrics.Snapshot:
    from cccd_analytics import drilldown

    whole = _snapshot(url, version, name, as_of)
    obs, units = _frames(url, version)
    return drilldown.unit_snapshot(obs, units, whole, key)


@st.cache_data(show_spinner="Đang kiểm tra số liệu…", max_entries=16)
def _quality(url: str, version: tuple, name: str, as_of: date | None):
    from cccd_analytics import quality

    campaign = next(c for c in _campaigns(url, version) if c.name == name)
    obs, units = _frames(url, version)
    uploads = get_store(url).list_uploads()
    return (
        quality.findings(obs, units, campaign, as_of, uploads=uploads),
        quality.completeness(obs, units, campaign, as_of),
    )


@st.cache_data(show_spinner=False, max_entries=32)
def _data_range(url: str, version: tuple, name: str) -> tuple[date | None, date | None]:
    campaign = next(c for c in _campaigns(url, version) if c.name == name)
    obs, units = _frames(url, version)
    scope = camp.scope_communes(campaign, units, set(obs["unit_key"]))
    dates = obs.loc[obs["unit_key"].isin(scope), "date"]
    if dates.empty:
        return None, None
    return dates.min().date(), dates.max().date()


@dataclass(frozen=True)
class Context:
    """What the shared filters chose: every page reads this."""

    campaign: camp.Campaign | None
    as_of: date | None
    first_day: date | None
    last_day: date | None

    def snapshot(self) -> metrics.Snapshot:
        url = default_url()
        return _snapshot(url, data_version(store()), self.campaign.name, self.as_of)

    def quality(self):
        """(findings, completeness) of the chosen campaign up to the as-of day."""
        url = default_url()
        return _quality(url, data_version(store()), self.campaign.name, self.as_of)

    def unit_snapshot(self, key: str) -> metrics.Snapshot:
        url = default_url()
        return _unit_snapshot(url, data_version(store()), self.campaign.name, self.as_of, key)


def campaign_filters() -> Context:
    """Sidebar: campaign and as-of date, kept across pages and in the URL."""
    from cccd_analytics.ui import links

    url, s = default_url(), store()
    version = data_version(s)
    found = _campaigns(url, version)
    if not found:
        return Context(None, None, None, None)
    names = [c.name for c in found]
    links.bind("chien_dich", "campaign", options=names)
    if "campaign" not in st.session_state or st.session_state["campaign"] not in names:
        st.session_state["campaign"] = names[-1]
    name = st.sidebar.selectbox(i18n.t("Chiến dịch"), names, key="campaign")
    first, last = _data_range(url, version, name)
    as_of = None
    if last is not None:
        key = f"as_of::{name}"
        links.bind("ngay", key, "date")
        if key not in st.session_state or not (first <= st.session_state[key] <= last):
            st.session_state[key] = last
        as_of = st.sidebar.date_input(
            i18n.t("Số liệu tính đến"), min_value=first, max_value=last, format="DD/MM/YYYY", key=key
        )
    campaign = found[names.index(name)]
    return Context(campaign, as_of, first, last)


STATUS_BADGE = {
    "done": "green",
    "on_track": "green",
    "at_risk": "orange",
    "behind": "red",
    "missed": "red",
    "no_data": "gray",
}
_MD_SPECIAL = "\\`*_{}[]<>()#+-.!|~$"


def md_escape(text) -> str:
    """User data (commune names, file names) made inert inside st.markdown."""
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in str(text))


def language_picker() -> None:
    """Vietnamese first; the choice is kept for the session and in the URL (?lang=en)."""
    from cccd_analytics.ui import links

    links.bind("lang", "lang", options=list(i18n.LANGUAGES))
    if st.session_state.get("lang") not in i18n.LANGUAGES:
        st.session_state["lang"] = "vi"
    lang = st.sidebar.segmented_control(
        "Ngôn ngữ / Language",
        list(i18n.LANGUAGES),
        key="lang",
        format_func=lambda code: i18n.LANGUAGES[code],
        label_visibility="collapsed",
    )
    i18n.set_language(lang or "vi")


def current_role() -> str:
    """The signed-in user's role ("" before anyone signs in); see ui/login.py."""
    from cccd_analytics.ui import login

    return login.current_role()


def page_context() -> Context:
    """The shared filters, for a page.  Call first thing in every page.

    The design keeps pages in `pages/`, which Streamlit also reads as the old
    multipage folder: a fresh session opened on a page URL may run the page file
    directly, bypassing the router (and its per-role page list).  Such a run is sent
    through the router instead, which only opens pages the role may use.
    """
    context = st.session_state.get("context")
    if context is None:
        import inspect
        from pathlib import Path

        # The page file that asked (the first frame under pages/), not a ui helper on the way.
        frames = [Path(f.filename) for f in inspect.stack()]
        page_file = next((f for f in frames if f.parent.name == "pages"), frames[1])
        st.session_state["_wanted_page"] = page_file.stem
        st.switch_page("dashboard.py")
    return context


def follow_wanted_page(pages: list) -> None:
    """After a redirect through the router, open the page that was asked for, if allowed."""
    wanted = st.session_state.pop("_wanted_page", None)
    for page in pages:
        if wanted and page.url_path == wanted:
            st.switch_page(page)


def current_user() -> str | None:
    """The signed-in user's name (None before anyone signs in); see ui/login.py."""
    from cccd_analytics.ui import login

    return login.current_username()


def import_report(report) -> None:
    """Show an ImportReport: what was found, then every problem with its place."""
    from cccd_analytics import formatting as fmt
    from cccd_analytics.i18n import t

    status = {
        "checked": (st.success, t("Hợp lệ, sẵn sàng ghi.")),
        "duplicate": (st.info, report.summary()),
        "imported": (st.success, report.summary()),
        "refused": (st.error, report.summary()),
    }
    show, text = status.get(report.status, (st.info, report.summary()))
    show(text)
    facts = []
    if report.layout:
        facts.append(f"{t('Bố cục')}: {report.layout}")
    if report.sheet:
        facts.append(f"{t('Trang')}: «{md_escape(report.sheet)}»")
    if report.header_rows:
        facts.append(f"{t('Dòng tiêu đề')}: {', '.join(map(str, report.header_rows))}")
    if report.report_date and f"ngày số liệu {fmt.date_vn(report.report_date)}" not in (report.layout or ""):
        # (the layout line often says it already: "ngày số liệu 15/5/2023 theo dòng …")
        facts.append(f"{t('Ngày số liệu')}: {fmt.date_vn(report.report_date)}")
    if report.dates and len(report.dates) > 1:
        facts.append(f"{t('Các ngày')}: {fmt.date_vn(report.dates[0])} – {fmt.date_vn(report.dates[-1])}")
    if report.units_read:
        facts.append(f"{t('Đơn vị')}: {fmt.number(report.units_read)}")
    if report.encoding:
        facts.append(f"{t('Mã hóa')}: {encoding_label(report.encoding)}")
    if facts:
        st.markdown(" · ".join(facts))
    for repair in report.encoding_repairs:
        st.caption(f"{t('Sửa phông')}: {md_escape(repair)}")
    totals = getattr(report, "totals", None) or []
    if totals:
        checked = sum(1 for x in totals if x.get("checked"))
        wrong = sum(1 for x in totals if x.get("mismatches"))
        st.caption(
            t("Dòng cộng/tổng cộng: {n} dòng đã đối chiếu với các xã, {k} dòng lệch.", n=checked, k=wrong)
        )
    # A file refused whole for one reason (its type, its size) says it once, above.
    said = len(report.problems) == 1 and report.problems[0].code in ("file_type", "too_large", "unreadable")
    if report.problems and not said:
        table = problem_table(report.problems)
        if len(table) <= PROBLEMS_IN_FULL:
            # A static table wraps each message, so it is read whole (a data grid cuts it).
            st.table(table.set_index(table.columns[0]))
        else:
            narrow = {c: st.column_config.TextColumn(width="small") for c in table.columns[:-1]}
            st.dataframe(
                table,
                hide_index=True,
                width="stretch",
                height=300,
                column_config={**narrow, table.columns[-1]: st.column_config.TextColumn(width=900)},
            )


PROBLEMS_IN_FULL = 25


_ENCODINGS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 (có BOM)",
    "utf-16-le": "UTF-16",
    "utf-16-be": "UTF-16 BE",
    "utf-16": "UTF-16",
    "utf-32-le": "UTF-32",
    "utf-32-be": "UTF-32 BE",
    "cp1258": "Windows-1258",
    "cp1252": "Windows-1252",
    "tcvn3": "phông TCVN3 (.VnTime)",
    "tcvn3_upper": "phông TCVN3 (.VnTimeH)",
    "vni": "phông VNI",
}


def encoding_label(encoding: str) -> str:
    """A text file's encoding as people know it: "utf-8-sig" → "UTF-8 (có BOM)",
    "utf-8+tcvn3" → "UTF-8, phông TCVN3 (.VnTime)"."""
    return ", ".join(_ENCODINGS.get(part, part) for part in encoding.split("+"))


def problem_table(problems) -> pd.DataFrame:
    """An import's problems as the upload page lists them: level, sheet, row, column and
    message; the sheet, row and column columns only when some problem has one (a CSV has
    no sheets, a file-wide warning no cell), so the message gets the width."""
    from cccd_analytics.i18n import t

    frame = pd.DataFrame(
        {
            t("Mức"): [t("Lỗi") if p.severity == "error" else t("Cảnh báo") for p in problems],
            t("Trang"): [p.sheet or "" for p in problems],
            t("Dòng"): [str(p.row) if p.row else "" for p in problems],
            t("Cột"): [p.column or "" for p in problems],
            t("Nội dung"): [p.message for p in problems],
        }
    )
    empty = [c for c in (t("Trang"), t("Dòng"), t("Cột")) if not frame[c].astype(bool).any()]
    return frame.drop(columns=empty)


def column_mapping_form(report, key: str) -> dict | None:
    """Let the analyst say which column holds which field; returns {field: column index}."""
    from cccd_analytics.headers import FIELD_LABELS
    from cccd_analytics.i18n import t

    columns = getattr(report, "columns", None) or []
    if not columns:
        return None
    st.warning(
        t("Không nhận ra bố cục tệp này. Hãy chọn cột tương ứng; lựa chọn được ghi nhớ cho các tệp cùng mẫu.")
    )
    options = [None] + [c["index"] for c in columns]
    labels = {c["index"]: f"{c['letter']} — {c['header'] or '(trống)'}" for c in columns}
    guessed = {c["field"]: c["index"] for c in columns if c.get("field")}
    chosen = {}
    with st.form(key):
        cols = st.columns(3)
        from cccd_analytics.headers import MAPPABLE_FIELDS

        for i, field in enumerate(MAPPABLE_FIELDS):
            default = options.index(guessed[field]) if field in guessed else 0
            pick = cols[i % 3].selectbox(
                FIELD_LABELS[field],
                options,
                index=default,
                format_func=lambda v: "—" if v is None else labels[v],
                key=f"{key}_{field}",
            )
            if pick is not None:
                chosen[field] = pick
        if st.form_submit_button(t("Dùng cách ghép cột này")):
            return chosen
    return None


NO_CAMPAIGN = (
    "Chưa có chiến dịch nào. Quản trị viên tạo chiến dịch ở trang «Cài đặt chiến dịch», cán bộ "
    "tổng hợp nhập báo cáo ở trang «Nhập số liệu»; hoặc, để xem thử, nạp dữ liệu mẫu bằng lệnh "
    "`cccd sample`."
)


def stop_without_campaign() -> None:
    """What a page shows, and where it stops, when the database has no campaign yet."""
    st.info(i18n.t(NO_CAMPAIGN))
    st.stop()


def campaign_snapshot(title: str | None = None) -> metrics.Snapshot:
    """The chosen campaign's snapshot for a page, with its title and data stamp.

    Stops the page with an explanation when there is no campaign yet.
    """
    from cccd_analytics import formatting as fmt

    context = page_context()
    if context.campaign is None:
        stop_without_campaign()
    snap = context.snapshot()
    if title:
        st.title(md_escape(title))
    st.caption(
        i18n.t(
            "Số liệu tính đến **{d}** · hạn **{deadline}**",
            d=fmt.date_vn(snap.as_of),
            deadline=fmt.date_vn(snap.campaign.deadline),
        )
    )
    return snap


def progress_charts(snap: metrics.Snapshot) -> None:
    """Cumulative vs target beside collections per day."""
    from cccd_analytics import charts

    left, right = st.columns([3, 2])
    with left:
        st.subheader(i18n.t("Lũy kế so với chỉ tiêu"))
        chart(charts.cumulative_vs_target(snap), "luy_ke_so_voi_chi_tieu")
    with right:
        st.subheader(i18n.t("Thu nhận mỗi ngày"))
        chart(charts.daily_collections(snap), "thu_nhan_moi_ngay")


@st.cache_data(show_spinner=False, max_entries=8)
def _briefing_file(url: str, version: tuple, name: str, as_of: date | None, kind: str) -> bytes:
    from cccd_analytics import briefing

    campaign = next(c for c in _campaigns(url, version) if c.name == name)
    obs, units = _frames(url, version)
    content = briefing.from_frames(obs, units, campaign, as_of, uploads=get_store(url).list_uploads())
    if kind == "pptx":
        return briefing.pptx_bytes(content)
    if kind == "pdf":
        return briefing.pdf_bytes(content)
    return briefing.xlsx_bytes(content)


BRIEFING_TYPES = {
    "pptx": (
        "Bản trình chiếu (PowerPoint)",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    "pdf": ("Bản PDF", "application/pdf"),
    "xlsx": ("Bảng số liệu (Excel)", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def briefing_downloads(context: Context) -> None:
    """One-click briefing files; each is built only when its button is clicked."""
    from cccd_analytics import formatting as fmt

    url, version = default_url(), data_version(store())
    stamp = fmt.date_vn(context.as_of).replace("/", "-")
    cols = st.columns(len(BRIEFING_TYPES))
    for col, (kind, (label, mime)) in zip(cols, BRIEFING_TYPES.items()):
        col.download_button(
            i18n.t(label),
            lambda kind=kind: _briefing_file(url, version, context.campaign.name, context.as_of, kind),
            file_name=f"bao_cao_giao_ban_{stamp}.{kind}",
            mime=mime,
            key=f"briefing_{kind}",
            icon=":material/download:",
            width="stretch",
        )


def chart(fig, name: str) -> None:
    """A plotly chart with a PNG download (kaleido on the system Chromium) under it."""
    from cccd_analytics import charts

    st.plotly_chart(fig, width="stretch", config=charts.PLOTLY_CONFIG)

    def png() -> bytes:
        from cccd_analytics import images

        return images.figure_png(fig, 1600, 900)

    st.download_button(
        i18n.t("Tải ảnh PNG"),
        png,
        file_name=f"{name}.png",
        mime="image/png",
        key=f"png_{name}",
        icon=":material/image:",
        type="tertiary",
    )
