"""Bản đồ: districts (or the 2025 communes) by coverage or status, names and figures on the
shapes; a district clicked or chosen opens its communes (table, and map where the 2025
boundaries exist)."""

import streamlit as st

from cccd_analytics import charts, geo, tables, ui
from cccd_analytics import text as fmt
from cccd_analytics.analytics import metrics
from cccd_analytics.i18n import t
from cccd_analytics.ui import links, styles

snap = ui.campaign_snapshot(t("Bản đồ"))
registry = ui.loaders.units(ui.loaders.view_key(snap))
provinces = snap.units.loc[snap.units["level"] == "province", "key"].tolist()
layers = {"district": t("Huyện (trước 1/7/2025)"), "commune_2025": t("Xã, phường mới (từ 1/7/2025)")}
# Status first: it answers "who lags" as the counts above the map do; coloured by its share
# alone a province behind looked green (most districts at 85–99% of the eligible).
colours = {"status": t("Trạng thái"), "coverage": t("Tỷ lệ")}
districts = snap.units[(snap.units["level"] == "district") & snap.units["collected"].notna()]
district_names = dict(zip(districts["key"], districts["name"]))


def pick_from_map() -> None:
    """A click on a label selects its district (before the chooser below is drawn) or its
    2025 commune."""
    points = st.session_state.get("map_chart", {}).get("selection", {}).get("points", [])
    keys = [p.get("customdata") for p in points if p.get("customdata")]
    if keys and keys[0] in district_names:
        st.session_state["map_district"] = keys[0]
    elif keys:
        st.session_state["map_new_commune"] = keys[0]


c1, c2 = st.columns(2)
links.bind("lop", "map_layer", options=list(layers))
layer = c1.radio(t("Lớp bản đồ"), list(layers), format_func=layers.get, horizontal=True, key="map_layer")
links.bind("to_mau", "map_color", options=list(colours))
color_by = c2.radio(
    t("Tô màu theo"), list(colours), format_func=colours.get, horizontal=True, key="map_color"
)
# The map and its figures, built once per data version, campaign, day and choice for every
# viewer (ui.loaders).
drawn = ui.loaders.figure("map", ui.loaders.view_key(snap), (layer, color_by), _snap=snap)
if drawn is None:
    st.info(t("Chưa có ranh giới cho phạm vi này."))
    st.stop()
map_figure, figures = drawn
counts = figures.loc[figures["collected"].notna(), "status"].value_counts()
st.markdown(
    " · ".join(
        f"{t(metrics.STATUS_LABELS[s])}: **{fmt.number(counts[s])}**"
        for s in metrics.STATUS_ORDER
        if s in counts
    )
)
if layer == "commune_2025" and figures["parts"].gt(1).any():
    st.caption(
        t("Số liệu theo xã cũ được cộng vào xã, phường mới theo danh mục sắp xếp đơn vị hành chính 2025.")
    )
styles.narrow_map()
st.plotly_chart(
    map_figure,
    width="stretch",
    config={**charts.PLOTLY_CONFIG, "scrollZoom": True},
    key="map_chart",
    on_select=pick_from_map,
    selection_mode="points",
)
ui.png_download(map_figure, f"ban_do_{layer}")

if layer == "commune_2025":
    chosen_new = st.session_state.get("map_new_commune")
    shape_names = geo.shape_names(layer, provinces[0])
    new_names = {
        k: n if isinstance(n, str) else shape_names.get(k, "")
        for k, n in zip(figures["key"], figures["name"])
    }
    if chosen_new in new_names:
        # A 2025 commune: the unit itself (two-level data), or the older communes it was made of.
        mapping = geo.old_to_new()
        parts = set(mapping[mapping == chosen_new].index) | {chosen_new}
        members = snap.units[(snap.units["level"] == "commune") & snap.units["key"].isin(parts)]
        st.subheader(t("Các xã của {name}", name=new_names[chosen_new]))
        links.table_opening_units(
            tables.style_status(tables.unit_table(members, "commune")),
            metrics.attention_order(members)["key"].tolist(),
            key="map_new_communes",
        )
        st.caption(t("Bấm vào ô vuông đầu dòng để mở trang của đơn vị đó."))
    else:
        st.caption(t("Bấm vào tên một xã, phường trên bản đồ để xem các xã trước 1/7/2025 của nó."))

if layer == "district" and district_names:
    links.bind("huyen", "map_district", options=[None, *district_names])
    if st.session_state.get("map_district") not in district_names:
        st.session_state["map_district"] = None
    chosen = st.selectbox(
        t("Xem các xã của huyện (hoặc bấm vào tên huyện trên bản đồ)"),
        [None, *district_names],
        format_func=lambda k: t("— chọn huyện —") if k is None else district_names[k],
        placeholder=t("— chọn huyện —"),
        key="map_district",
    )
    if chosen:
        st.subheader(t("Các xã của {name}", name=district_names[chosen]))
        members = registry.loc[registry["district_key"].astype(str) == str(chosen), "key"]
        communes = snap.units[(snap.units["level"] == "commune") & snap.units["key"].isin(members)]
        drill = geo.district_communes_2025(snap.units, registry, chosen)
        if drill is not None:
            sub_figures, sub_shapes = drill
            st.plotly_chart(
                charts.unit_map(
                    sub_figures,
                    sub_shapes,
                    color_by,
                    t(
                        "{name}: các xã, phường mới (từ 1/7/2025) — số liệu đến {d}",
                        name=district_names[chosen],
                        d=fmt.date_vn(snap.as_of),
                    ),
                    geo.label_points("commune_2025", provinces[0]),
                    height=520,
                ),
                width="stretch",
                config=charts.PLOTLY_CONFIG,
                key="map_drill",
            )
            st.caption(
                t(
                    "Ranh giới xã cũ (trước 1/7/2025) không có sẵn: bản đồ vẽ các xã, phường mới mà "
                    "các xã của huyện được sắp xếp vào."
                )
            )
        ordered = metrics.attention_order(communes)
        links.table_opening_units(
            tables.style_status(tables.unit_table(communes, "commune")),
            ordered["key"].tolist(),
            key="map_communes",
        )
        st.caption(t("Bấm vào ô vuông đầu dòng để mở trang của đơn vị đó."))
st.caption(
    t(
        "Ranh giới: gis.chinhphu.vn (huyện, 2019) và sapnhap.bando.com.vn (xã 2025), qua dvhcvn và "
        "vietnamese-provinces-database — xem SOURCES.md."
    )
)
