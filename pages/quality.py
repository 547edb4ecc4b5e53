"""Chất lượng số liệu: the checks as a work list for analysts; who reported when."""

import pandas as pd
import streamlit as st

from cccd_analytics import charts, ui
from cccd_analytics import text as fmt
from cccd_analytics.analytics import quality
from cccd_analytics.i18n import t

context = ui.page_context()
snap = ui.campaign_snapshot(t("Chất lượng số liệu"))
found, complete = context.quality()
store = ui.store()

by_day = complete.by_day
share = by_day["reported_units"].sum() / max(by_day["expected_units"].sum(), 1)
cols = st.columns(4)
cols[0].metric(t("Tỷ lệ báo cáo đầy đủ"), fmt.percent(share))
for col, severity in zip(cols[1:], quality.SEVERITY_ORDER):
    col.metric(t(quality.SEVERITY_LABELS[severity]), fmt.number((found["severity"] == severity).sum()))

st.subheader(t("Việc cần xử lý"))
c1, c2 = st.columns(2)
checks = [c for c in quality.CHECKS if (found["check"] == c).any()]
chosen_checks = c1.multiselect(
    t("Loại kiểm tra"),
    checks,
    format_func=lambda c: t(quality.CHECKS[c]),
    key="quality_checks",
    placeholder=t("Tất cả"),
    select_all=False,
)
chosen_severity = c2.multiselect(
    t("Mức"),
    list(quality.SEVERITY_ORDER),
    default=["error", "warning"],
    format_func=lambda s: t(quality.SEVERITY_LABELS[s]),
    key="quality_severity",
    placeholder=t("Tất cả"),
    select_all=False,
)
found = quality.with_notes(found, store.quality_notes())
# Findings a note marked "Đã xử lý xong" leave the work list unless asked for.
with_resolved = st.toggle(t("Hiện cả việc đã xử lý xong"), value=False, key="quality_resolved")
shown = found if with_resolved else found[found["note_status"] != "resolved"]
if chosen_checks:
    shown = shown[shown["check"].isin(chosen_checks)]
if chosen_severity:
    shown = shown[shown["severity"].isin(chosen_severity)]
table = pd.DataFrame(
    {
        t("Mức"): shown["severity_label"],
        t("Đơn vị"): shown["unit_name"],
        t("Huyện"): shown["district"].fillna(""),
        t("Ngày"): shown["date"].map(fmt.date_vn),
        t("Loại kiểm tra"): shown["check_label"],
        t("Nội dung"): shown["message_vi"],
        t("Xử lý"): shown["note_status"].map({"open": t("đang xử lý"), "resolved": t("đã xử lý")}).fillna(""),
    }
)
# What was found (Nội dung) wraps in view rather than past the table's right edge.
st.dataframe(table, hide_index=True, width="stretch", **ui.fitted(table, most=460))

if ui.current_role() in ("analyst", "admin") and len(shown):
    with st.form("quality_note", clear_on_submit=True):
        st.markdown(f"**{t('Ghi chú xử lý')}**")
        labels = {i: f"{r.unit_name} · {fmt.date_vn(r.date)} · {r.check_label}" for i, r in shown.iterrows()}
        which = st.selectbox(t("Phát hiện"), list(labels), format_func=labels.get)
        note = st.text_area(t("Ghi chú"), placeholder=t("Ví dụ: đã gọi xã, số liệu ngày này nhập trùng."))
        resolved = st.checkbox(t("Đã xử lý xong"))
        if st.form_submit_button(t("Lưu ghi chú")) and note.strip():
            row = shown.loc[which]
            day = row["date"].date() if pd.notna(row["date"]) else None
            store.add_quality_note(
                row["unit_key"],
                row["check"],
                note.strip(),
                day,
                ui.current_user(),
                "resolved" if resolved else "open",
            )
            store.audit("quality_note", ui.current_user(), unit=row["unit_key"], check=row["check"])
            st.session_state["quality_note_saved"] = True
            st.rerun()  # the work list and the notes below as they now are
if st.session_state.pop("quality_note_saved", False):
    st.success(t("Đã lưu ghi chú."))
notes = store.quality_notes()
if len(notes):
    with st.expander(t("Ghi chú đã lưu ({n})", n=len(notes))):
        names = snap.units.set_index("key")["name"]
        st.dataframe(
            pd.DataFrame(
                {
                    t("Đơn vị"): notes["unit_key"].map(names).fillna(notes["unit_key"]),
                    t("Ngày"): notes["date"].map(fmt.date_vn),
                    t("Loại kiểm tra"): notes["check_name"].map(lambda c: t(quality.CHECKS.get(c, c))),
                    t("Ghi chú"): notes["note"],
                    t("Trạng thái"): notes["status"].map(
                        {"open": t("đang xử lý"), "resolved": t("đã xử lý")}
                    ),
                    t("Người ghi"): notes["author"].fillna(""),
                }
            ),
            hide_index=True,
            width="stretch",
        )

st.subheader(t("Báo cáo theo ngày"))
st.caption(
    t("Mỗi dòng một xã/phường, mỗi cột một ngày: xanh = có báo cáo, đỏ = thiếu, trắng = ngày nghỉ theo lịch.")
)
ui.chart(charts.completeness_heatmap(complete), "bao_cao_theo_ngay")
