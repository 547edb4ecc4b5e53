"""Cached loaders: the store, its frames, snapshots and quality findings, each computed once
per data version (`Store.data_version`) and shared by every page and session.

Snapshots and data ranges are also shared between processes and replicas through the
database (`cccd_analytics.shared`): a replica that starts, or that sees an upload made on
the other one, reads the figures the first viewer's process computed."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from cccd_analytics import shared
from cccd_analytics.analytics import campaigns as camp
from cccd_analytics.analytics import metrics
from cccd_analytics.store import Store, default_url


@st.cache_resource(show_spinner=False)
def get_store(url: str) -> Store:
    return Store.open(url)


def store() -> Store:
    return get_store(default_url())


@st.cache_data(show_spinner=False, max_entries=8)
def campaigns(url: str, version: tuple) -> list[camp.Campaign]:
    return [camp.from_definition(d) for d in get_store(url).campaign_definitions()]


def campaign(url: str, version: tuple, name: str) -> camp.Campaign:
    return next(c for c in campaigns(url, version) if c.name == name)


@st.cache_data(show_spinner=False, max_entries=4)
def frames(url: str, version: tuple) -> tuple[pd.DataFrame, pd.DataFrame]:
    s = get_store(url)
    return s.current_observations(), s.units()


@st.cache_data(show_spinner="Đang tính toán…", max_entries=32)
def snapshot(url: str, version: tuple, name: str, as_of: date | None) -> metrics.Snapshot:
    return shared.snapshot(get_store(url), campaign(url, version, name), as_of, version)


@st.cache_data(show_spinner="Đang tính toán…", max_entries=64)
def unit_snapshot(url: str, version: tuple, name: str, as_of: date | None, key: str) -> metrics.Snapshot:
    """One unit's figures: computed from that unit's observations only (its communes for a
    district), and shared like the campaign's."""
    from cccd_analytics.analytics import drilldown

    whole = snapshot(url, version, name, as_of)
    return shared.snapshot(get_store(url), drilldown.unit_campaign(whole, key), whole.as_of.date(), version)


@st.cache_data(show_spinner="Đang kiểm tra số liệu…", max_entries=16)
def quality_findings(url: str, version: tuple, name: str, as_of: date | None):
    from cccd_analytics.analytics import quality

    chosen = campaign(url, version, name)
    obs, units = frames(url, version)
    uploads = get_store(url).list_uploads()
    return (
        quality.findings(obs, units, chosen, as_of, uploads=uploads),
        quality.completeness(obs, units, chosen, as_of),
    )


@st.cache_data(show_spinner=False, max_entries=32)
def data_range(url: str, version: tuple, name: str) -> tuple[date | None, date | None]:
    return shared.data_range(get_store(url), campaign(url, version, name), version)


@st.cache_data(show_spinner=False, max_entries=8)
def briefing_file(url: str, version: tuple, name: str, as_of: date | None, kind: str) -> bytes:
    from cccd_analytics import briefing

    obs, units = frames(url, version)
    content = briefing.from_frames(
        obs, units, campaign(url, version, name), as_of, uploads=get_store(url).list_uploads()
    )
    if kind == "pptx":
        return briefing.pptx_bytes(content)
    if kind == "pdf":
        return briefing.pdf_bytes(content)
    return briefing.xlsx_bytes(content)


def refresh_shared() -> None:
    """After an upload or an undo on this page: the campaigns' figures for the new data,
    computed in the background and kept for every viewer (cccd_analytics.shared)."""
    shared.refresh_in_background(store())
