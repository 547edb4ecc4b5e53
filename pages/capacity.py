"""Năng lực & giả định: teams → projected dates, teams needed per milestone, what-if surges."""

from datetime import timedelta

import pandas as pd
import streamlit as st

from cccd_analytics import tables, ui
from cccd_analytics import text as fmt
from cccd_analytics.analytics import capacity, drilldown, metrics
from cccd_analytics.i18n import t
from cccd_analytics.ui import links

context = ui.page_context()
snap = ui.campaign_snapshot(t("Năng lực & giả định"))
units = ui.store().units()
top = drilldown.scope_unit(snap)
top_row = snap.units.set_index("key").loc[top]

st.subheader(t("Năng lực hiện có"))
c1, c2, c3, c4 = st.columns(4)
# Two teams per district by default (Kỳ Anh ran two); the user sets the real number.
default_teams = 2 * max(int((snap.units["level"] == "district").sum()), 1)
teams = float(
    c1.number_input(
        t("Số tổ đang làm"),
        min_value=1,
        max_value=5000,
        value=default_teams,
        step=1,
        key=f"cap_teams_{snap.campaign.name}",
    )
)
start = c2.time_input(t("Giờ bắt đầu"), value=pd.Timestamp("06:30").time(), key="cap_start")
end = c3.time_input(t("Giờ kết thúc"), value=pd.Timestamp("01:00").time(), key="cap_end")
hours = capacity.shift_hours(start.strftime("%H:%M"), end.strftime("%H:%M"))
implied = capacity.calibrate(snap, top, teams, hours)
with c4:
    per_hour = ui.decimal_input(
        t("Hồ sơ mỗi tổ mỗi giờ"),
        round(float(implied.per_team_hour), 1) if pd.notna(implied.per_team_hour) else 20.0,
        key=f"cap_rate_{teams}_{hours}",
        min_value=0.1,
        max_value=500.0,
    )
st.caption(
    t(
        "Ca làm {h} giờ/ngày. Với {n} tổ, tốc độ 7 ngày gần nhất của {unit} tương ứng {r} hồ sơ mỗi tổ mỗi giờ.",
        h=fmt.number(hours, 1),
        n=fmt.number(teams),
        unit=top_row["name"],
        r=fmt.number(implied.per_team_hour, 1),
    )
)
productivity = capacity.Productivity(per_team_hour=per_hour, hours_per_day=hours)
plan = capacity.plan(snap, units, productivity, teams=teams)

summary = tables.planner_milestones(plan)
st.dataframe(
    pd.DataFrame(
        {
            t("Mốc"): summary["milestone"],
            t("Hạn"): summary["deadline"].map(fmt.date_vn),
            t("Số xã"): summary["communes"].map(fmt.number),
            t(capacity.LABELS["teams"]): summary["teams"].map(fmt.number),
            t(capacity.LABELS["teams_needed"]): summary["teams_needed"].map(fmt.number),
            t(capacity.LABELS["extra_teams"]): summary["extra_teams"].map(fmt.number),
            t("Số xã thiếu tổ"): summary["communes_short"].map(fmt.number),
        }
    ),
    hide_index=True,
    width="stretch",
)

short = tables.planner_communes(plan, snap, limit=20)
if len(short):
    st.markdown(f"**{t('Các xã cần tăng cường nhiều nhất')}**")
    links.table_opening_units(
        pd.DataFrame(
            {
                t("Đơn vị"): short["name"],
                t("Huyện"): short["district"],
                t("Còn thiếu"): short["remaining"].map(fmt.number),
                t("Dự báo hoàn thành"): short["projected_date"].map(fmt.date_vn),
                t(capacity.LABELS["teams_needed"]): short["teams_needed"].map(fmt.number),
                t(capacity.LABELS["extra_teams"]): short["extra_teams"].map(fmt.number),
            }
        ),
        short["key"].tolist(),
        key="cap_short",
    )
st.caption(t(tables.WHOLE_TEAMS_REASON))
st.caption(
    t(
        "Ngày dự báo hoàn thành là của mô hình dự báo, như ở trang Tổng quan; số tổ cần là số tổ "
        "để các xã này kịp hạn với năng suất đã nhập."
    )
)

st.subheader(t("Giả định tăng cường"))
communes = metrics.attention_order(snap.units[snap.units["level"] == "commune"])
labels = {r.key: f"{r.name} ({r.district})" if r.district else r.name for r in communes.itertuples()}
with st.form("what_if"):
    chosen = st.multiselect(
        t("Xã được tăng cường"),
        list(labels),
        default=list(labels)[:2],
        format_func=labels.get,
        placeholder=t("Chọn xã"),
        select_all=False,
    )
    w1, w2, w3 = st.columns(3)
    extra = float(w1.number_input(t("Số tổ lưu động thêm"), min_value=1, max_value=500, value=2, step=1))
    days = w2.number_input(t("Trong bao nhiêu ngày"), min_value=1, max_value=120, value=5, step=1)
    first = w3.date_input(t("Từ ngày"), value=snap.as_of.date() + timedelta(days=1), format="DD/MM/YYYY")
    run = st.form_submit_button(t("Tính thử"), type="primary")
if run and chosen:
    surge = capacity.Surge(units=tuple(chosen), teams=extra, days=int(days), start=first)
    result = capacity.what_if(snap, units, surge, productivity, teams=teams)
    st.caption(t(tables.WHAT_IF_READING))
    st.dataframe(tables.what_if_table(result), hide_index=True, width="stretch")
st.caption(
    t(
        "Bộ lập kế hoạch dùng để so sánh phương án (sớm hơn bao nhiêu ngày, khả năng kịp hạn tăng bao "
        "nhiêu); ngày dự báo chính thức ở trang Tổng quan."
    )
)
