"""Chi tiết đơn vị: one commune or district — its charts, funnel and upload history."""

import pandas as pd
import streamlit as st

from cccd_analytics import charts, dimensions, ui
from cccd_analytics import text as fmt
from cccd_analytics.analytics import metrics
from cccd_analytics.i18n import t
from cccd_analytics.ui import links

context = ui.page_context()
snap = ui.campaign_snapshot()
view = ui.loaders.view_key(snap)
# Every commune and district, most behind first (made once per data version and day).
labels = ui.loaders.unit_choices(view, _snap=snap)
links.bind(links.UNIT_PARAM, links.UNIT_KEY, options=list(labels))
if st.session_state.get(links.UNIT_KEY) not in labels:
    st.session_state.pop(links.UNIT_KEY, None)
key = st.selectbox(t("Đơn vị"), list(labels), format_func=labels.get, key=links.UNIT_KEY)
row = snap.units.set_index("key").loc[key]
unit = context.unit_snapshot(key)
main = unit.milestones.iloc[0]

st.title(ui.md_escape(row["name"]))
info = dict(delta_color="off", delta_arrow="off")
cols = st.columns(5)
cols[0].metric(t("Đã thu nhận"), fmt.number(row["collected"]), fmt.percent(row["coverage"]), **info)
cols[1].metric(
    t("Chỉ tiêu"), fmt.number(row["target"]), t("{n} người đủ ĐK", n=fmt.number(row["eligible"])), **info
)
cols[2].metric(
    t("Cần mỗi ngày"),
    fmt.number(row["required_per_day"]),
    t("bình quân 7 ngày: {n}", n=fmt.number(row["pace_7d"])),
    **info,
)
cols[3].metric(
    t("Dự báo hoàn thành"),
    fmt.date_vn(row["projected_date"]),
    t("khả năng kịp hạn {p}", p=fmt.percent(row["p_on_time"], 0)),
    **info,
)
with cols[4]:
    st.caption(t("Trạng thái"))
    st.badge(
        t(metrics.STATUS_LABELS.get(row["status"], "")), color=ui.STATUS_BADGE.get(row["status"], "gray")
    )
# The forecast's range and, where the figures need reading with care, why the status is
# what it is (the same note as `cccd status --json` and the briefing).
if (
    row["status"] not in ("done", "no_data")
    and pd.notna(row["projected_low"])
    and pd.notna(row["projected_high"])
):
    st.caption(
        t(
            "Khoảng dự báo 80%: {low} – {high}",
            low=fmt.date_vn(row["projected_low"]),
            high=fmt.date_vn(row["projected_high"]),
        )
    )
note = row.get("forecast_note")
if isinstance(note, str) and note:
    (st.warning if row["status"] in ("behind", "at_risk") else st.info)(
        t("Lưu ý khi đọc dự báo: {note}", note=note), icon=":material/info:"
    )

ui.progress_charts(unit)

# The unit's figures for a priority group or a channel, when the reports give them.
split = [d for d in ("group", "channel") if d in context.part_dimensions()]
if split:
    st.subheader(t("Theo nhóm đối tượng và hình thức thu nhận"))
    chosen = {}
    for col, dimension in zip(st.columns(len(split)), split):
        found = context.breakdown(dimension)
        param = {"group": "nhom", "channel": "hinh_thuc"}[dimension]
        links.bind(param, f"unit_{dimension}", options=found.values)
        chosen[dimension] = (
            found,
            col.selectbox(
                t(dimensions.LABELS[dimension]),
                found.values,
                index=None,
                key=f"unit_{dimension}",
                placeholder=t("Tất cả"),
            ),
        )
    for dimension, (found, value) in chosen.items():
        if value is None:
            st.dataframe(
                ui.loaders.unit_parts_table(
                    view, context.as_of, key, row["level"], dimension, _context=context
                ),
                hide_index=True,
                width="stretch",
            )
            continue
        part = found.rows[(found.rows["key"] == key) & (found.rows["value"] == value)]
        if part.empty:
            st.caption(t("Đơn vị chưa báo cáo số liệu của «{v}».", v=ui.md_escape(value)))
            continue
        part = part.iloc[0]
        cols = st.columns(4)
        cols[0].metric(t("Đã thu nhận — {v}", v=ui.md_escape(value)), fmt.number(part["collected"]))
        cols[1].metric(t("Mẫu số"), fmt.number(part["eligible"]))
        cols[2].metric(t("Tỷ lệ"), fmt.percent(part["coverage"]))
        cols[3].metric(t("Bình quân 7 ngày"), fmt.number(part["pace_7d"], 1))
        series = context.unit_parts(key, dimension)
        ui.chart(charts.part_series(series, [value], found.values), f"{dimension}_{key}")

st.subheader(t("Thu nhận → trả thẻ"))
ui.chart(ui.loaders.figure("funnel", view, (key,), _snap=snap), f"thu_nhan_tra_the_{key}")

if row["level"] == "commune":
    st.subheader(t("Lịch sử nhập số liệu"))
    st.dataframe(ui.loaders.unit_uploads(view, key), hide_index=True, width="stretch")
