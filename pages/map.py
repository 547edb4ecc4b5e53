"""Bản đồ: offline choropleth of districts, or of the 2025 communes, by coverage or status."""

import streamlit as st

from cccd_analytics import charts, ui
from cccd_analytics.i18n import t

snap = ui.campaign_snapshot(t("Bản đồ"))


@st.fragment
def map_view() -> None:
    """Layer and colour choices rerun only this part of the page."""
    layers = {"district": t("Huyện (trước 1/7/2025)"), "commune_2025": t("Xã, phường mới (từ 1/7/2025)")}
    c1, c2 = st.columns(2)
    layer = c1.radio(t("Lớp bản đồ"), list(layers), format_func=layers.get, horizontal=True, key="map_layer")
    color_by = c2.radio(
        t("Tô màu theo"),
        ["coverage", "status"],
        horizontal=True,
        key="map_color",
        format_func=lambda c: t("Tỷ lệ") if c == "coverage" else t("Trạng thái"),
    )
    # Built once per data version, campaign, day and choice, for every viewer (ui.loaders).
    drawn = ui.loaders.figure("map", ui.loaders.view_key(snap), (layer, color_by), _snap=snap)
    if drawn is None:
        st.info(t("Chưa có ranh giới cho phạm vi này."))
        return
    fig, merged = drawn
    if merged:
        st.caption(
            t("Số liệu theo xã cũ được cộng vào xã, phường mới theo danh mục sắp xếp đơn vị hành chính 2025.")
        )
    st.plotly_chart(fig, width="stretch", config=charts.PLOTLY_CONFIG)
    st.caption(
        t(
            "Ranh giới: gis.chinhphu.vn (huyện, 2019) và sapnhap.bando.com.vn (xã 2025), qua dvhcvn và "
            "vietnamese-provinces-database — xem SOURCES.md."
        )
    )


map_view()
