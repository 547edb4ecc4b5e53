"""Nhóm ưu tiên và hình thức thu nhận: the campaign's figures by priority group, channel,
residence, application type and shift — a section per dimension its reports give."""

import streamlit as st

from cccd_analytics import charts, dimensions, tables, ui
from cccd_analytics import text as fmt
from cccd_analytics.analytics import breakdowns
from cccd_analytics.i18n import t
from cccd_analytics.ui import links

context = ui.page_context()
snap = ui.campaign_snapshot(t("Nhóm ưu tiên và hình thức thu nhận"))
present = context.part_dimensions()
if not present:
    st.info(
        t(
            "Các báo cáo của chiến dịch này chưa chia số liệu theo nhóm đối tượng, hình thức thu nhận, "
            "nơi cư trú, loại cấp hay ca thu nhận. Thêm cột «Nhóm đối tượng», «Hình thức thu nhận» … "
            "hoặc cột «Trong đó: …» vào báo cáo (xem hướng dẫn nhập số liệu)."
        )
    )
    st.stop()

targets = context.group_targets()
if len(targets):
    st.subheader(t("Chỉ tiêu theo nhóm"))
    with st.container(key="groups_targets"):
        shown = tables.style_status(tables.group_targets_table(targets))
        # The long names and progress wrap: the figures keep their room, the status its whole word.
        st.dataframe(shown, hide_index=True, width="stretch", **ui.fitted(shown))
    st.caption(
        t(
            "Mỗi chỉ tiêu nhóm được tính như chỉ tiêu của một xã: bình quân 7 ngày, số cần mỗi ngày, dự báo "
            "và trạng thái; chỉ tiêu theo tỷ lệ dùng mẫu số (sĩ số, danh sách) có hiệu lực đến ngày số liệu."
        )
    )

level_names = {"province": t("Tỉnh"), "district": t("Huyện/thị xã"), "commune": t("Xã/phường")}
for dimension in present:
    found = context.breakdown(dimension)
    if found.rows.empty:
        continue
    label = dimensions.LABELS[dimension]
    st.header(t(label), anchor=f"phan_chia_{dimension}")
    top = found.rows[found.rows["level"] == "province"]
    if dimension == "residence":
        gap = breakdowns.outside_gap(found)
        if len(gap) and gap["missing"].notna().any():
            cols = st.columns(3)
            cols[0].metric(t("Của ta ở ngoại tỉnh: đã thu nhận"), fmt.number(gap["collected"].sum()))
            cols[1].metric(t("Cần thu nhận (theo rà soát)"), fmt.number(gap["needed"].sum()))
            cols[2].metric(t("Còn thiếu"), fmt.number(gap["missing"].sum()))
            st.caption(
                t(
                    "Kể cả {n} hồ sơ thu nhận tại nơi công dân cư trú ở tỉnh khác, tính cho xã thường trú. Người "
                    "tỉnh khác thu nhận tại địa bàn được tính riêng.",
                    n=fmt.number(gap["elsewhere"].sum()),
                )
            )
    left, right = st.columns([3, 2])
    with left:
        st.subheader(t("Thu nhận mỗi tuần"))
        ui.chart(charts.parts_over_time(found), f"{dimension}_theo_tuan")
    with right:
        if top["eligible"].notna().any():
            st.subheader(t("Tỷ lệ so với mẫu số"))
            ui.chart(charts.parts_coverage(found, top), f"{dimension}_ty_le")
        else:
            st.subheader(t("Tỷ trọng đến nay"))
            ui.chart(charts.parts_share(found, top), f"{dimension}_ty_trong")
    has_coverage = "coverage" in found.daily and found.daily["coverage"].notna().any()
    if has_coverage:
        with st.expander(t("Tỷ lệ theo thời gian và các lần thay đổi mẫu số")):
            ui.chart(charts.parts_coverage_over_time(found), f"{dimension}_ty_le_theo_ngay")
            st.caption(
                t(
                    "Mỗi ngày được tính theo mẫu số có hiệu lực ngày đó: danh sách hay đợt rà soát mới "
                    "thay mẫu số từ ngày của nó."
                )
            )
            history = context.denominator_history(dimension)
            st.dataframe(tables.denominator_history_table(history), hide_index=True, width="stretch")
    level_key = f"groups_level_{dimension}"
    available = [lv for lv in ("district", "commune", "province") if (found.rows["level"] == lv).any()]
    links.bind(f"cap_{dimension}", level_key, options=available)
    level = (
        st.segmented_control(
            t("Cấp"), available, format_func=level_names.get, key=level_key, default=available[0]
        )
        or available[0]
    )
    rows = found.rows[found.rows["level"] == level]
    st.dataframe(
        tables.parts_table(rows, label, level),
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * len(rows), 420),
    )
