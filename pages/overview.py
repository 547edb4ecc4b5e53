"""Tổng quan: the picture at a glance for one campaign."""

import pandas as pd
import streamlit as st

from cccd_analytics import i18n, tables, ui
from cccd_analytics import text as fmt
from cccd_analytics.analytics import freshness, metrics
from cccd_analytics.i18n import t
from cccd_analytics.ui import links, styles

context = ui.page_context()
if context.campaign is None:
    st.title(t("Theo dõi cấp căn cước công dân"))
    ui.stop_without_campaign()

snap = context.snapshot()
campaign = snap.campaign
st.title(ui.md_escape(campaign.name))
if snap.data_through is None:
    st.warning(t("Chiến dịch chưa có số liệu nào đến ngày đã chọn."))
    st.stop()
main = snap.milestones.iloc[0]
st.caption(
    t(
        "Số liệu tính đến **{d}** · hạn **{deadline}**",
        d=fmt.date_vn(snap.as_of),
        deadline=fmt.date_vn(campaign.deadline),
    )
)

newer = ui.newer_day_note(context)
if newer:
    st.info(newer)

styles.narrow_overview()
# The verdict first: the one sentence a leader opens the page for, above the figures.
verdict = t(metrics.STATUS_LABELS.get(main["status"], ""))
if pd.notna(main["projected_date"]):
    text = t(
        "**{verdict}.** Dự báo đạt chỉ tiêu ngày **{d}** (khoảng {low} – {high}); khả năng kịp hạn **{p}**.",
        verdict=verdict,
        d=fmt.date_vn(main["projected_date"]),
        low=fmt.date_vn(main["projected_low"]),
        high=fmt.date_vn(main["projected_high"]),
        p=fmt.percent(main["p_on_time"], 0),
    )
else:
    text = t("**{verdict}.** Chưa đủ số liệu để dự báo ngày hoàn thành.", verdict=verdict)
if pd.notna(main.get("run_rate_date")):
    text += " " + t("Nếu giữ tốc độ 7 ngày gần nhất: {d}.", d=fmt.date_vn(main["run_rate_date"]))
workdays = main.get("working_days_left")
by_workday = pd.notna(workdays) and pd.notna(main["days_left"]) and abs(workdays - main["days_left"]) >= 0.5
# Then what it asks of the leader: the rate needed against the pace, and where to send teams.
action = tables.verdict_action(main, snap.units, campaign.deadline, by_workday)
if action:
    text += "  \n" + action
{"done": st.success, "on_track": st.success, "at_risk": st.warning}.get(main["status"], st.error)(text)

# Who reported on the as-of day, and who has been silent: silence is not zero progress.
fresh, silent_table = ui.loaders.freshness(ui.loaders.view_key(snap), _snap=snap)

today = snap.daily.iloc[-1]
info = dict(delta_color="off", delta_arrow="off")
cols = st.container(key="ov_metrics").columns(5)
cols[0].metric(
    t("Đã thu nhận"),
    fmt.number(main["collected"]),
    t("+{n} trong ngày", n=fmt.number(today["collected_day"])),
    **info,
)
cols[1].metric(
    t("Chỉ tiêu"), fmt.number(main["target"]), t("{n} người đủ ĐK", n=fmt.number(main["eligible"])), **info
)
cols[2].metric(
    t("Tỷ lệ so với chỉ tiêu"),
    fmt.percent(main["collected"] / main["target"]),
    t("còn {n} hồ sơ", n=fmt.number(main["remaining"])),
    **info,
)
# The required pace is per working day when the calendar has days off or short days
# (metrics.snapshot): the tiles say so, as the briefing does, or "15 days left" beside
# "10.963 a day" does not multiply out (a short day counts in part: "14,4").
cols[3].metric(
    t("Số ngày còn lại"),
    fmt.number(main["days_left"]),
    # The working days alone: the deadline is written above the tiles, and both did not fit
    # a tile (cut to "14 ngày là…" on a desktop and on a phone).
    t("{w} ngày làm việc", w=fmt.number(workdays, 1 if workdays % 1 else 0))
    if by_workday
    else t("đến {d}", d=fmt.date_vn(campaign.deadline)),
    **info,
)
ratio = main["pace_ratio"]
cols[4].metric(
    t("Cần mỗi ngày làm việc") if by_workday else t("Cần mỗi ngày"),
    fmt.number(main["required_per_day"]),
    t("bình quân 7 ngày: {n}", n=fmt.number(main["pace_7d"])),
    delta_color="off" if pd.isna(ratio) else ("green" if ratio >= 1 else "red"),
    delta_arrow="off",
)

if fresh.total:
    line = t(
        "{n}/{total} xã đã báo cáo số liệu ngày {d}.",
        n=fmt.number(fresh.reported),
        total=fmt.number(fresh.total),
        d=fmt.date_vn(snap.as_of, year=False),
    )
    if fresh.reported < fresh.total:
        line += " " + t("Xã chưa báo cáo được tính theo số liệu của ngày báo cáo gần nhất.")
    (st.caption if fresh.reported == fresh.total else st.warning)(line)
    if len(fresh.silent):
        with st.expander(
            t(
                "{n} xã chưa báo cáo từ {k} ngày trở lên",
                n=fmt.number(len(fresh.silent)),
                k=freshness.SILENT_DAYS,
            )
        ):
            st.dataframe(silent_table, hide_index=True, width="stretch")
    else:
        st.caption(t("Không có xã nào chưa báo cáo từ {k} ngày trở lên.", k=freshness.SILENT_DAYS))

ui.progress_charts(snap)

if len(snap.milestones) > 1:
    st.subheader(t("Các mốc"))
    cards = st.columns(len(snap.milestones) - 1)
    for card, m in zip(cards, snap.milestones.iloc[1:].itertuples()):
        with card.container(border=True):
            st.markdown(f"**{ui.md_escape(m.name)}** — {t('hạn {d}', d=fmt.date_vn(m.deadline))}")
            parts = [
                t(metrics.STATUS_LABELS.get(m.status, "")),
                fmt.percent(m.coverage),
                t("{done}/{n} đơn vị đã xong", done=m.units_done, n=m.units),
            ]
            # Past its deadline or done, a chance of being on time says nothing (the deck too).
            if m.status == "missed":
                parts.append(t("còn thiếu {n} hồ sơ", n=fmt.number(m.remaining)))
            elif m.status != "done":
                parts.append(t("khả năng kịp hạn {p}", p=fmt.percent(m.p_on_time, 0)))
            st.markdown(" · ".join(parts))

# Who and where: the priority groups' milestones, the channels, our residents elsewhere.
split = context.part_dimensions()
if split:
    st.subheader(t("Nhóm ưu tiên và hình thức thu nhận"))
    dims = tuple(d for d in split if d in ("group", "channel", "residence"))
    lines = ui.loaders.breakdown_lines(ui.loaders.view_key(snap), context.as_of, dims, _context=context)
    with st.container(border=True, key="ov_groups"):
        for line in lines:
            st.markdown(line)
        st.page_link(
            "pages/groups.py", label=t("Xem theo nhóm và hình thức thu nhận"), icon=":material/arrow_forward:"
        )

st.subheader(t("Các xã cần chú ý"))
links.bind("sap_xep", "ov_sort", options=list(tables.ATTENTION_SORTS))
sort = (
    st.segmented_control(
        t("Sắp xếp theo"),
        list(tables.ATTENTION_SORTS),
        default="behind",
        format_func=lambda k: t(tables.ATTENTION_SORTS[k][0]),
        key="ov_sort",
    )
    or "behind"
)
rows, shown, cards = ui.loaders.attention(ui.loaders.view_key(snap), sort, 15, _snap=snap)
st.caption(tables.attention_count(snap.units, len(rows)))
st.page_link("pages/units.py", label=t("Xem tất cả các xã ở trang Đơn vị"), icon=":material/arrow_forward:")
with st.container(key="ov_attention_table"):
    links.table_opening_units(
        shown,
        rows["key"].tolist(),
        key="ov_attention",
        # Every column in view on a laptop, a reason wrapped beside the verdict; all of the
        # short list, no inner scrolling.
        **ui.fitted(shown, selectable=True),
    )
    # Under the table only: the phone's cards have a button each instead.
    st.caption(t("Bấm vào ô vuông đầu dòng để mở trang của đơn vị đó."))
# On a phone: the same communes as cards, each with a button to its page.
with st.container(key="ov_cards"):
    for unit, card in zip(rows["key"], cards):
        st.html(card)
        if st.button(
            t("Mở trang đơn vị"),
            key=f"ov_card_{unit}",
            type="tertiary",
            icon=":material/chevron_right:",
        ):
            links.open_unit(unit)

st.subheader(t("Báo cáo giao ban"))
ui.briefing_downloads(context)

with st.expander(t("Độ tin cậy của dự báo")):
    # Made once per language for every viewer (ui.loaders.track_record).
    computed_on, table, left_out, cards, reliability, summary = ui.loaders.track_record(
        i18n.language(), ui.loaders.track_record_stamp()
    )
    st.markdown(
        t(
            "Mô hình dự báo đo tốc độ theo từng tuần (nên số liệu báo cáo dồn hay báo cáo theo tuần vẫn cho "
            "đúng tốc độ) và tính đến việc tốc độ giảm dần khi phần lớn người dân đã đến làm. Nó được kiểm "
            "định trên ba chiến dịch bao phủ thật (tiêm chủng COVID-19 ở Ý, Đức và Ca-na-đa): mỗi chiến dịch "
            "được dự báo bằng tham số hiệu chỉnh trên hai chiến dịch còn lại, từ nhiều thời điểm, rồi so với "
            "ngày thực tế. Bảng ghi cả những chỗ cách tính «còn lại ÷ tốc độ 7 ngày» đúng hơn."
        )
    )
    # Static tables: their text wraps to the page, so no column is cut off at desktop width.
    # On a phone their seven columns do not fit: the same figures as cards instead.
    with st.container(key="ov_record_tables"):
        if not table.empty:
            st.table(table.set_index(table.columns[0]))
        if not left_out.empty:
            st.markdown(
                t(
                    "Bảng trên chỉ chấm các đơn vị đã đạt mốc (theo quy ước kiểm định). Các lần dự báo cho đơn "
                    "vị chưa đạt mốc khi hết số liệu được tính dưới đây ở chỗ kết quả đã chắc chắn: khoảng 80% "
                    "kết thúc trước ngày số liệu cuối là chắc chắn trượt; sai số ít nhất bằng khoảng cách từ "
                    "ngày dự báo đến ngày số liệu cuối. Sai số mô hình ÷ sai số thước dưới 1: mô hình tốt hơn; "
                    "từ 1 trở lên: mô hình không hơn thước. Bảng khả năng kịp hạn vẫn tính những lần này là trễ "
                    "hạn."
                )
            )
            st.table(left_out.set_index(left_out.columns[0]))
    with st.container(key="ov_record_cards"):
        if not left_out.empty:
            st.markdown(
                t(
                    "Sai số và khoảng 80% chỉ chấm các đơn vị đã đạt mốc (theo quy ước kiểm định). Dòng cuối "
                    "của thẻ tính cả các lần dự báo cho đơn vị chưa đạt mốc khi hết số liệu, ở chỗ kết quả đã "
                    "chắc chắn. Sai số mô hình ÷ sai số thước dưới 1: mô hình tốt hơn; từ 1 trở lên: mô hình "
                    "không hơn thước."
                )
            )
        for card in cards:
            st.html(card)
    if not reliability.empty:
        st.table(reliability.set_index(reliability.columns[0]))
    if summary:
        st.markdown(summary)
    st.caption(
        t(
            "Tính ngày {d} bằng lệnh `cccd backtest --calibrate`. Mọi chiến dịch dùng cùng một bộ tham số, đúng bộ mà "
            "kiểm định đã hiệu chỉnh; chưa có chuỗi số liệu CCCD hằng ngày nào để kiểm định riêng.",
            d=fmt.date_vn(computed_on),
        )
    )
