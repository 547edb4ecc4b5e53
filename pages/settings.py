"""Cài đặt chiến dịch: create and edit campaigns, milestones, the calendar and unit tags."""

import streamlit as st

from cccd_analytics import campaign_form, shared, ui
from cccd_analytics.analytics import campaigns as camp
from cccd_analytics.i18n import t
from cccd_analytics.ui import backup as ui_backup

context = ui.page_context()
store = ui.store()
user = ui.current_user()
st.title(t("Cài đặt chiến dịch"))

definitions = store.campaign_definitions()
names = [d["name"] for d in definitions]
NEW = "__new__"
choice = st.selectbox(
    t("Chiến dịch"),
    [NEW] + names,
    key="settings_campaign",
    index=1 + names.index(context.campaign.name) if context.campaign else 0,
    format_func=lambda n: t("＋ Tạo chiến dịch mới") if n == NEW else n,
)
current = next((d for d in definitions if d["name"] == choice), None)
units = store.units()
form = campaign_form.form_values(current, units)
scope_options = campaign_form.scope_options(units)

with st.form("campaign_form"):
    name = st.text_input(t("Tên chiến dịch"), form["name"])
    c1, c2, c3 = st.columns(3)
    start = c1.date_input(t("Ngày bắt đầu"), form["start"], format="DD/MM/YYYY")
    deadline = c2.date_input(t("Hạn hoàn thành"), form["deadline"], format="DD/MM/YYYY")
    target = c3.text_input(t('Chỉ tiêu ("100%" hoặc số thẻ, ví dụ 87000)'), form["target"])
    scope = st.multiselect(
        t("Phạm vi (tỉnh, huyện hoặc xã)"),
        list(scope_options),
        default=[k for k in form["scope_keys"] if k in scope_options],
        format_func=scope_options.get,
        placeholder=t("Chọn tỉnh, huyện hoặc xã"),
        select_all=False,
    )
    st.markdown(
        f"**{t('Các mốc')}** — {t('theo nhãn (ví dụ «biên giới») hoặc danh sách xã, cách nhau bởi dấu phẩy')}"
    )
    milestones = st.data_editor(
        form["milestones"],
        num_rows="dynamic",
        width="stretch",
        key="milestones_editor",
        column_config={
            "name": st.column_config.TextColumn(t("Tên mốc"), required=True),
            "tag": st.column_config.TextColumn(t("Nhãn")),
            "units": st.column_config.TextColumn(t("Danh sách xã")),
            "deadline": st.column_config.DateColumn(t("Hạn"), format="D/M/YYYY", required=True),
            "target": st.column_config.TextColumn(t("Chỉ tiêu"), default="100%"),
        },
    )
    st.markdown(f"**{t('Lịch làm việc')}**")
    sunday = st.slider(
        t("Năng lực ngày Chủ nhật so với ngày thường"), 0, 100, form["sunday_weight"], 10, format="%d%%"
    )
    days = st.data_editor(
        form["days"],
        num_rows="dynamic",
        width="stretch",
        key="calendar_editor",
        column_config={
            "date": st.column_config.DateColumn(t("Ngày"), format="D/M/YYYY", required=True),
            "weight": st.column_config.NumberColumn(
                t("Năng lực (0% = nghỉ, 100% = bình thường)"),
                min_value=0,
                max_value=200,
                step=1,
                default=0,
                format="%d%%",
            ),
            "label": st.column_config.TextColumn(t("Ghi chú")),
        },
    )
    saved = st.form_submit_button(t("Lưu chiến dịch"), type="primary")

if saved:
    definition = campaign_form.definition_from_form(
        name=name,
        start=start,
        deadline=deadline,
        target=target,
        scope=scope,
        units=units,
        milestones=milestones,
        sunday_weight=sunday,
        days=days,
    )
    try:
        campaign = camp.from_definition(definition)
        with_data = set(shared.unit_spans(store).index)  # kept per data version: not every value read
        scope_keys = camp.scope_communes(campaign, units, with_data)
        for m in campaign.milestones:
            camp.milestone_communes(m, scope_keys, units)
    except camp.CampaignError as exc:
        st.error(str(exc))
    else:
        if current and current["name"] != campaign.name:
            store.delete_campaign(current["name"])
        store.save_campaign(campaign.to_definition())
        store.audit("campaign", user, name=campaign.name, change="save")
        ui.refresh_shared()
        st.session_state["campaign_next"] = campaign.name  # the sidebar's select, on the next run
        st.success(t("Đã lưu chiến dịch «{name}» ({n} xã/phường).", name=campaign.name, n=len(scope_keys)))

if current:
    with st.expander(t("Xóa chiến dịch")):
        if st.checkbox(t("Tôi chắc chắn muốn xóa «{name}»", name=current["name"]), key="delete_confirm"):
            if st.button(t("Xóa"), key="delete_campaign"):
                store.delete_campaign(current["name"])
                store.audit("campaign", user, name=current["name"], change="delete")
                ui.refresh_shared()
                st.rerun()

st.divider()
st.subheader(t("Nhãn của đơn vị"))
st.caption(t("Nhãn dùng cho các mốc theo nhóm, ví dụ «biên giới», «kiểu mẫu»."))
communes = units[units["level"].isin(["commune", "district"])].sort_values(
    ["hierarchy", "name"], ascending=[False, True]
)
labels = {r.key: campaign_form.unit_label(r, units) for r in communes.itertuples()}
unit_key = st.selectbox(t("Đơn vị"), list(labels), format_func=labels.get, key="tag_unit")
known_tags = sorted({tag for tags in units["tags"] for tag in tags})
tags = st.multiselect(
    t("Nhãn"),
    known_tags,
    default=list(units.at[unit_key, "tags"]),
    key=f"tags_{unit_key}",
    accept_new_options=True,
    placeholder=t("Chọn hoặc gõ nhãn mới"),
    select_all=False,
)
if st.button(t("Lưu nhãn"), key="save_tags"):
    store.set_tags(unit_key, tags)
    store.audit("tags", user, unit=unit_key, tags=tags)
    ui.refresh_shared()
    st.success(t("Đã lưu nhãn."))

st.divider()
st.subheader(t("Sao lưu"))
st.caption(
    t(
        "Một bản sao đầy đủ của cơ sở dữ liệu (số liệu, lịch sử nhập, chiến dịch, tài khoản, nhật ký), "
        "đã kiểm tra, tạo ngay cả khi có người đang nhập số liệu. Khôi phục bằng lệnh: `cccd restore TỆP`. "
        "Giữ bản sao ở nơi an toàn: nó chứa mọi số liệu và tài khoản."
    )
)
ui_backup.download_button(store, user)
