"""The page context: which campaign and as-of day the shared filters chose, who is signed
in, and the guard every page calls first (`page_context`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import streamlit as st

from cccd_analytics import i18n
from cccd_analytics import text as fmt
from cccd_analytics.analytics import campaigns as camp
from cccd_analytics.analytics import metrics
from cccd_analytics.store import default_url
from cccd_analytics.ui import links, loaders
from cccd_analytics.ui.widgets import md_escape


@dataclass(frozen=True)
class Context:
    """What the shared filters chose: every page reads this."""

    campaign: camp.Campaign | None
    as_of: date | None
    first_day: date | None
    last_day: date | None
    # The day shown by default: the last by which most communes had reported (a newer day
    # only a few have reported yet is shown when chosen, and said so).
    usual_day: date | None = None

    def snapshot(self) -> metrics.Snapshot:
        return loaders.snapshot(default_url(), loaders.data_version(), self.campaign.name, self.as_of)

    def quality(self):
        """(findings, completeness) of the chosen campaign up to the as-of day."""
        return loaders.quality_findings(default_url(), loaders.data_version(), self.campaign.name, self.as_of)

    def unit_snapshot(self, key: str) -> metrics.Snapshot:
        return loaders.unit_snapshot(
            default_url(), loaders.data_version(), self.campaign.name, self.as_of, key
        )

    # Breakdowns: parts by priority group, channel, residence … (analytics.breakdowns)
    def part_dimensions(self) -> list[str]:
        """The dimensions the campaign's reports split their figures by."""
        return loaders.part_dimensions(default_url(), loaders.data_version(), self.campaign.name, self.as_of)

    def breakdown(self, dimension: str):
        return loaders.breakdown(
            default_url(), loaders.data_version(), self.campaign.name, self.as_of, dimension
        )

    def group_targets(self):
        return loaders.group_targets(default_url(), loaders.data_version(), self.campaign.name, self.as_of)

    def denominator_history(self, dimension: str):
        return loaders.denominator_history(
            default_url(), loaders.data_version(), self.campaign.name, dimension
        )

    def unit_parts(self, key: str, dimension: str):
        return loaders.unit_parts(
            default_url(), loaders.data_version(), self.campaign.name, self.as_of, key, dimension
        )


def campaign_filters() -> Context:
    """Sidebar: campaign and as-of date, kept across pages and in the URL."""
    url = default_url()
    version = loaders.data_version()
    found = loaders.campaigns(url, version)
    if not found:
        return Context(None, None, None, None)
    names = [c.name for c in found]
    links.bind("chien_dich", "campaign", options=names)
    # A campaign chosen by a page after the sidebar was drawn (saved on the settings page):
    # set here, before the select exists, as Streamlit allows.
    chosen = st.session_state.pop("campaign_next", None)
    if chosen in names:
        st.session_state["campaign"] = chosen
    if "campaign" not in st.session_state or st.session_state["campaign"] not in names:
        st.session_state["campaign"] = names[-1]
    name = st.sidebar.selectbox(i18n.t("Chiến dịch"), names, key="campaign")
    first, last = loaders.data_range(url, version, name)
    as_of = usual = None
    if last is not None:
        usual = loaders.complete_day(url, version, name, last)
        key, newest = f"as_of::{name}", f"_newest::{name}"
        links.bind("ngay", key, "date")
        st.session_state[key] = day_to_show(
            st.session_state.get(key), st.session_state.get(newest), first, last, usual
        )
        st.session_state[newest] = usual
        as_of = st.sidebar.date_input(
            i18n.t("Số liệu tính đến"), min_value=first, max_value=last, format="DD/MM/YYYY", key=key
        )
    campaign = found[names.index(name)]
    return Context(campaign, as_of, first, last, usual)


def newer_day_note(context: Context) -> str | None:
    """What the overview says when a newer day than the one shown has figures from only a
    few communes (`Context.usual_day`), or when that newer day is the one chosen."""
    from cccd_analytics.analytics import freshness

    usual, last = context.usual_day, context.last_day
    if usual is None or last is None or usual >= last or context.as_of not in (usual, last):
        return None
    newest = loaders.snapshot(default_url(), loaders.data_version(), context.campaign.name, last)
    fresh = freshness.freshness(newest.units, last)
    said = dict(
        last=fmt.date_vn(last),
        usual=fmt.date_vn(usual),
        n=fmt.number(fresh.reported),
        total=fmt.number(fresh.total),
    )
    if context.as_of == usual:
        return i18n.t(
            "Ngày {last} mới có {n}/{total} xã báo cáo, nên số liệu đang xem là đến ngày {usual}, ngày gần "
            "nhất đa số xã đã báo cáo. Chọn ngày {last} ở «Số liệu tính đến» để xem số tạm của ngày đó.",
            **said,
        )
    return i18n.t(
        "Số tạm: ngày {last} mới có {n}/{total} xã báo cáo; các xã chưa báo cáo được tính như không thu nhận thêm ngày đó, nên tốc độ và dự báo thấp hơn thực tế. "
        "Ngày {usual} là ngày gần nhất đa số xã đã báo cáo.",
        **said,
    )


def day_to_show(
    chosen: date | None, newest_before: date | None, first: date, last: date, usual: date | None = None
) -> date:
    """The sidebar's day: the one chosen (or given by a link) while it has data, the usual
    day otherwise (`usual`: the last by which most communes had reported, `Context.usual_day`;
    the newest day when not given).  A viewer who was on the usual day (`newest_before`, the
    last one this session was shown) follows it when a newer day is imported or the newest
    is undone, as a leader who opened the dashboard in the morning expects at the
    afternoon's report."""
    usual = usual or last
    if chosen is None or not (first <= chosen <= last) or chosen == newest_before:
        return usual
    return chosen


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
        # The link's filters go along both redirects (a switch drops them otherwise).
        st.switch_page("dashboard.py", query_params=_query())
    return context


def follow_wanted_page(pages: list) -> None:
    """After a redirect through the router, open the page that was asked for, if allowed."""
    wanted = st.session_state.pop("_wanted_page", None)
    for page in pages:
        if wanted and page.url_path == wanted:
            st.switch_page(page, query_params=_query())


def _query() -> dict[str, list[str]]:
    return {name: st.query_params.get_all(name) for name in st.query_params}


def current_role() -> str:
    """The signed-in user's role ("" before anyone signs in); see ui/login.py."""
    from cccd_analytics.ui import login

    return login.current_role()


def current_user() -> str | None:
    """The signed-in user's name (None before anyone signs in); see ui/login.py."""
    from cccd_analytics.ui import login

    return login.current_username()


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
