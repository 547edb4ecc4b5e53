"""The settings page's "Tải bản sao lưu": a checked backup of the whole store, made when
an administrator clicks (the work is cccd_analytics.store.backup; this only places it)."""

from __future__ import annotations

import streamlit as st

from cccd_analytics.i18n import t
from cccd_analytics.store import Store
from cccd_analytics.store import backup as store_backup


def download_button(store: Store, user: str | None) -> None:
    engine = store.engine
    problem = store_backup.missing_tool(engine)
    if problem:
        st.warning(problem, icon=":material/build:")
        return
    name = store_backup.file_name(engine)

    def make() -> bytes:
        # Runs on the click, in its own thread: the page is not held up while it is made.
        data = store_backup.backup_bytes(engine)
        # Who took a copy of every figure and account: an audit entry, like a data export.
        store.audit("backup", user, file=name, bytes=len(data), via="dashboard")
        return data

    st.download_button(
        t("Tải bản sao lưu"),
        data=make,
        file_name=name,
        mime="application/octet-stream",
        icon=":material/download:",
        on_click="ignore",
        key="download_backup",
    )
