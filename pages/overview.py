"""Tổng quan: the picture at a glance for one campaign."""

import pandas as pd
import streamlit as st

from cccd_analytics import charts, tables
from cccd_analytics import formatting as fmt
from cccd_analytics import metrics, ui

context: ui.Context = st.session_state["context"]
if context.campaign is None:
    st.title("Theo dõi cấp căn cước công dân")
    st.info("Chưa có chiến dịch nào. Nạp dữ liệu mẫu bằng lệnh `cccd sample`, "
            "hoặc thêm chiến dịch bằng `cccd campaign add TỆP.toml`.")
    st.stop()

snap = context.snapshot()
main = snap.milestones.iloc[0]
campaign = snap.campaign

st.title(campaign.name)
stamp = f"Số liệu tính đến **{fmt.date_vn(snap.as_of)}** · hạn **{fmt.date_vn(campaign.deadline)}**"
if snap.data_through is None:
    st.warning("Chiến dịch chưa có số liệu nào đến ngày đã chọn.")
    st.stop()
st.caption(stamp)

communes = snap.units[snap.units["level"] == "commune"]
silent = communes[communes["last_report"].isna() | (communes["last_report"] < snap.as_of)]
if len(silent):
    st.warning(f"{fmt.number(len(silent))}/{fmt.number(len(communes))} xã/phường chưa báo cáo số liệu "
               f"ngày {fmt.date_vn(snap.as_of)}: số liệu của các đơn vị này là của ngày báo cáo gần nhất.")

today = snap.daily.iloc[-1]
cols = st.columns(5)
cols[0].metric("Đã thu nhận", fmt.number(main["collected"]),
               f"+{fmt.number(today['collected_day'])} trong ngày", delta_color="off", delta_arrow="off")
cols[1].metric("Chỉ tiêu", fmt.number(main["target"]),
               f"{fmt.number(main['eligible'])} người đủ ĐK", delta_color="off", delta_arrow="off")
cols[2].metric("Tỷ lệ so với chỉ tiêu", fmt.percent(main["collected"] / main["target"]),
               f"còn {fmt.number(main['remaining'])} hồ sơ", delta_color="off", delta_arrow="off")
cols[3].metric("Số ngày còn lại", fmt.number(main["days_left"]), f"đến {fmt.date_vn(campaign.deadline)}",
               delta_color="off", delta_arrow="off")
ratio = main["pace_7d"] / main["required_per_day"] if main["required_per_day"] else None
cols[4].metric("Cần mỗi ngày", fmt.number(main["required_per_day"]),
               f"bình quân 7 ngày: {fmt.number(main['pace_7d'])}",
               delta_color="off" if ratio is None else ("green" if ratio >= 1 else "red"), delta_arrow="off")

verdict = metrics.STATUS_LABELS.get(main["status"], "")
if pd.notna(main["projected_date"]):
    text = (f"**{verdict}.** Dự báo đạt chỉ tiêu ngày **{fmt.date_vn(main['projected_date'])}** "
            f"(khoảng {fmt.date_vn(main['projected_low'])} – {fmt.date_vn(main['projected_high'])}); "
            f"khả năng kịp hạn **{fmt.percent(main['p_on_time'], 0)}**.")
else:
    text = f"**{verdict}.** Chưa đủ số liệu để dự báo ngày hoàn thành."
{"done": st.success, "on_track": st.success, "at_risk": st.warning}.get(main["status"], st.error)(text)

left, right = st.columns([3, 2])
with left:
    st.subheader("Lũy kế so với chỉ tiêu")
    st.plotly_chart(charts.cumulative_vs_target(snap), width="stretch", config={"displaylogo": False})
with right:
    st.subheader("Thu nhận mỗi ngày")
    st.plotly_chart(charts.daily_collections(snap), width="stretch", config={"displaylogo": False})

if len(snap.milestones) > 1:
    st.subheader("Các mốc")
    cards = st.columns(len(snap.milestones) - 1)
    for card, m in zip(cards, snap.milestones.iloc[1:].itertuples()):
        with card.container(border=True):
            st.markdown(f"**{m.name}** — hạn {fmt.date_vn(m.deadline)}")
            st.markdown(f"{metrics.STATUS_LABELS.get(m.status, '')} · {fmt.percent(m.coverage)} · "
                        f"{m.units_done}/{m.units} đơn vị đã xong · khả năng kịp hạn {fmt.percent(m.p_on_time, 0)}")

st.subheader("Các xã cần chú ý")
st.caption("Sắp xếp theo mức độ chậm: trạng thái, rồi số ngày dự báo trễ hạn.")
st.dataframe(tables.unit_table(snap.units, "commune"), hide_index=True, width="stretch", height=420)
