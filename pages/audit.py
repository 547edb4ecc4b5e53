"""Nhật ký hệ thống (admins only): who did what and when; filter and export; accounts."""

from datetime import timedelta

import pandas as pd
import streamlit as st

from cccd_analytics import audit, auth, exports, ui
from cccd_analytics import text as fmt
from cccd_analytics.i18n import t

ui.page_context()
store = ui.store()
st.title(t("Nhật ký hệ thống"))
st.caption(
    t(
        "Mọi lần nhập, hủy nhập, sửa chiến dịch, đăng nhập (cả lần thất bại), khóa và thay đổi tài khoản, "
        "với người thực hiện và thời điểm (giờ Việt Nam)."
    )
)

today = (auth.now_utc() + audit.VN_OFFSET).date()
c1, c2, c3 = st.columns([2, 3, 2])
days = c1.date_input(
    t("Khoảng ngày"),
    (today - timedelta(days=30), today),
    max_value=today,
    format="DD/MM/YYYY",
    key="audit_days",
)
actions = store.audit_actions()
chosen = c2.multiselect(
    t("Thao tác"),
    actions,
    key="audit_actions",
    format_func=lambda a: t(audit.ACTION_LABELS.get(a, a)),
    placeholder=t("Tất cả"),
    select_all=False,
)
who = c3.text_input(t("Người dùng"), key="audit_user").strip()

picked = tuple(days) if isinstance(days, (tuple, list)) else (days,)  # one day while a range is being picked
first, last = (picked[0], picked[-1]) if picked else (None, None)
since, until = audit.utc_bounds(first, last)
LIMIT = 5000
entries = store.audit_entries(LIMIT, action=chosen or None, username=who or None, since=since, until=until)
shown = audit.table(entries, t)

if shown.empty:
    st.info(t("Không có mục nào khớp bộ lọc."))
else:
    if len(shown) == LIMIT:
        st.caption(t("Chỉ hiện {n} mục mới nhất; hãy thu hẹp bộ lọc.", n=fmt.thousands(LIMIT)))
    view = pd.DataFrame(
        {
            t("Thời điểm"): shown["at"],
            t("Người dùng"): shown["username"],
            t("Thao tác"): shown["action_label"],
            t("Chi tiết"): shown["details"],
        }
    )
    st.dataframe(
        view,
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * len(view), 560),
        column_config={t("Thời điểm"): st.column_config.DatetimeColumn(format="D/M/YYYY HH:mm:ss")},
    )
    export = view.assign(**{t("Mã thao tác"): shown["action"], "JSON": shown["detail_json"]})
    stamp = f"{today:%Y%m%d}"
    d1, d2, _ = st.columns([1, 1, 4])
    d1.download_button(
        t("Tải CSV"),
        exports.to_csv_bytes(export),
        f"nhat_ky_{stamp}.csv",
        "text/csv",
        key="audit_csv",
        icon=":material/download:",
    )
    d2.download_button(
        t("Tải Excel"),
        exports.to_xlsx_bytes({t("Nhật ký"): export}),
        f"nhat_ky_{stamp}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="audit_xlsx",
        icon=":material/download:",
    )

st.divider()
st.subheader(t("Tài khoản"))
st.caption(t("Quản lý bằng dòng lệnh: `cccd user add | passwd | disable | enable | role | list`."))
accounts = store.list_users()
if accounts.empty:
    st.caption(t("Chưa có tài khoản nào: bảng điều khiển đang chạy ở chế độ trình diễn hoặc đăng nhập SSO."))
else:
    now = auth.now_utc()

    def state(row) -> str:
        if not row["active"]:
            return t("vô hiệu hóa")
        locked = row["locked_until"]
        if locked is not None and not pd.isna(locked) and pd.Timestamp(locked) > pd.Timestamp(now):
            return t("tạm khóa đến {time}", time=auth.clock_vn(pd.Timestamp(locked).to_pydatetime()))
        return t("hoạt động")

    st.dataframe(
        pd.DataFrame(
            {
                t("Tên đăng nhập"): accounts["username"],
                t("Họ tên"): accounts["full_name"].fillna(""),
                t("Vai trò"): accounts["role"].map(lambda r: t(auth.ROLE_LABELS.get(r, r))),
                t("Trạng thái"): accounts.apply(state, axis=1),
                t("Đăng nhập gần nhất"): pd.to_datetime(accounts["last_login"]) + audit.VN_OFFSET,
            }
        ),
        hide_index=True,
        width="stretch",
        column_config={t("Đăng nhập gần nhất"): st.column_config.DatetimeColumn(format="D/M/YYYY HH:mm")},
    )
