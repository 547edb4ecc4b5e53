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
from cccd_analytics.store.schema import campaigns as campaigns_table, uploads


@st.cache_resource(show_spinner=False)
def get_store(url: str) -> Store:
    return Store.open(url)


def store() -> Store:
    return get_store(default_url())


def data_version(s: Store) -> tuple:
    """Changes whenever an upload, an undo or a campaign edit changes what pages show."""
    with s.engine.connect() as conn:
        up = conn.execute(sa.select(sa.func.max(uploads.c.id), sa.func.count(uploads.c.undone_at))).one()
        ca = conn.execute(sa.select(sa.func.max(campaigns_table.c.updated_at),
                                    sa.func.count(campaigns_table.c.id))).one()
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

    def unit_snapshot(self, key: str) -> metrics.Snapshot:
        url = default_url()
        return _unit_snapshot(url, data_version(store()), self.campaign.name, self.as_of, key)


def campaign_filters() -> Context:
    """Sidebar: campaign and as-of date, kept across pages and in the URL."""
    url, s = default_url(), store()
    version = data_version(s)
    found = _campaigns(url, version)
    if not found:
        return Context(None, None, None, None)
    names = [c.name for c in found]
    wanted = st.query_params.get("chien_dich")
    if "campaign" not in st.session_state or st.session_state["campaign"] not in names:
        st.session_state["campaign"] = wanted if wanted in names else names[-1]
    name = st.sidebar.selectbox(i18n.t("Chiến dịch"), names, key="campaign")
    if st.query_params.get("chien_dich") != name:
        st.query_params["chien_dich"] = name
    first, last = _data_range(url, version, name)
    as_of = None
    if last is not None:
        key = f"as_of::{name}"
        if key not in st.session_state or not (first <= st.session_state[key] <= last):
            st.session_state[key] = last
        as_of = st.sidebar.date_input(i18n.t("Số liệu tính đến"), min_value=first, max_value=last,
                                      format="DD/MM/YYYY", key=key)
    campaign = found[names.index(name)]
    return Context(campaign, as_of, first, last)


_MD_SPECIAL = "\\`*_{}[]<>()#+-.!|~$"


def md_escape(text) -> str:
    """User data (commune names, file names) made inert inside st.markdown."""
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in str(text))


def language_picker() -> None:
    """Vietnamese first; the choice is kept for the session and in the URL (?lang=en)."""
    if "lang" not in st.session_state:
        st.session_state["lang"] = "en" if st.query_params.get("lang") == "en" else "vi"
    lang = st.sidebar.segmented_control(
        "Ngôn ngữ / Language", list(i18n.LANGUAGES), key="lang",
        format_func=lambda code: i18n.LANGUAGES[code], label_visibility="collapsed")
    i18n.set_language(lang or "vi")


def current_role() -> str:
    """The signed-in user's role.  Until login lands, a demo deployment runs as admin."""
    return st.session_state.setdefault("role", "admin")


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

        st.session_state["_wanted_page"] = Path(inspect.stack()[1].filename).stem
        st.switch_page("dashboard.py")
    return context


def follow_wanted_page(pages: list) -> None:
    """After a redirect through the router, open the page that was asked for, if allowed."""
    wanted = st.session_state.pop("_wanted_page", None)
    for page in pages:
        if wanted and page.url_path == wanted:
            st.switch_page(page)
