"""The audit log as people read it: local time, who, what, and the details in words.

`Store.audit(action, username, **detail)` writes entries (uploads, undos, campaign edits,
logins and their failures, lockouts, logouts, account changes); `Store.audit_entries`
reads them.  This module turns them into a table for the audit page and its exports.
Times are stored in UTC and shown in Vietnam time (UTC+7, no daylight saving).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import pandas as pd

from cccd_analytics import text as fmt

VN_OFFSET = fmt.VN_OFFSET

ACTION_LABELS = {
    "login": "Đăng nhập",
    "login_failed": "Đăng nhập thất bại",
    "lockout": "Tạm khóa tài khoản",
    "logout": "Đăng xuất",
    "upload": "Nhập số liệu",
    "undo": "Hủy lần nhập",
    "campaign": "Sửa chiến dịch",
    "tags": "Sửa nhãn đơn vị",
    "user_add": "Tạo tài khoản",
    "user_passwd": "Đổi mật khẩu",
    "user_disable": "Vô hiệu hóa tài khoản",
    "user_enable": "Kích hoạt tài khoản",
    "user_role": "Đổi vai trò",
    "quality_note": "Ghi chú chất lượng số liệu",
}
DETAIL_LABELS = {
    "upload_id": "lần nhập",
    "file_name": "tệp",
    "units": "đơn vị",
    "rows": "dòng",
    "name": "tên",
    "action": "thao tác",
    "unit": "đơn vị",
    "tags": "nhãn",
    "method": "cách đăng nhập",
    "reason": "lý do",
    "failures": "số lần sai liên tiếp",
    "until": "khóa đến",
    "client": "địa chỉ máy",
    "account": "tài khoản",
    "role": "vai trò",
    "previous": "trước đó",
    "sso_only": "chỉ đăng nhập SSO",
    "via": "qua",
    "change": "thay đổi",
    "file": "tệp",
    "bytes": "dung lượng (byte)",
    "kind": "loại",
    "replaced": "thay thế số liệu cũ",
    "sample": "dữ liệu mẫu",
    "check": "kiểm tra",
}
#: Details that are counts, shown with thousands separators.
COUNTS = ("rows", "units", "failures", "bytes")
VALUE_LABELS = {
    "unknown_user": "không có tài khoản này",
    "bad_password": "sai mật khẩu",
    "locked": "tài khoản đang bị khóa",
    "disabled": "tài khoản đã bị vô hiệu hóa",
    "no_role": "chưa được cấp quyền",
    "idle": "không hoạt động quá lâu",
    "max": "phiên quá dài",
    "user": "người dùng tự đăng xuất",
    "local": "mật khẩu",
    "oidc": "SSO (OpenID Connect)",
    "proxy": "máy chủ xác thực",
    "demo": "chế độ trình diễn",
    "save": "lưu",
    "delete": "xóa",
    "leader": "Lãnh đạo",
    "analyst": "Cán bộ tổng hợp",
    "admin": "Quản trị",
    "cli": "dòng lệnh",
    "dashboard": "bảng điều khiển",
    "True": "có",
    "False": "không",
}


def local_time(utc: datetime | pd.Timestamp | None) -> datetime | None:
    if utc is None or pd.isna(utc):
        return None
    return pd.Timestamp(utc).to_pydatetime() + VN_OFFSET


def utc_bounds(first: date | None, last: date | None) -> tuple[datetime | None, datetime | None]:
    """Local calendar days [first, last] as a UTC window [since, until)."""
    since = datetime.combine(first, time()) - VN_OFFSET if first else None
    until = datetime.combine(last + timedelta(days=1), time()) - VN_OFFSET if last else None
    return since, until


def describe(detail: str | dict | None, tr: Callable[[str], str] = lambda s: s) -> str:
    """ "tệp: a.csv · lần nhập: 3" from the stored JSON.  Values are shown as they were
    stored (user text stays literal; the page and exports make it inert)."""
    if detail is None or (isinstance(detail, float) and pd.isna(detail)):
        return ""
    if isinstance(detail, str):
        try:
            detail = json.loads(detail or "{}")
        except ValueError:
            return detail
    if not isinstance(detail, dict):
        return str(detail)
    parts = []
    for key, value in detail.items():
        if isinstance(value, (list, tuple)):
            value = ", ".join(str(v) for v in value)
        elif key == "until" and isinstance(value, str):
            try:
                moment = local_time(datetime.fromisoformat(value))
                value = f"{moment:%H:%M} {fmt.date_vn(moment.date())}"
            except ValueError:
                pass
        elif key in COUNTS and isinstance(value, int) and not isinstance(value, bool):
            value = fmt.thousands(value)  # 25.575 dòng, as every count the product shows
        text = str(value)
        parts.append(
            f"{tr(DETAIL_LABELS.get(key, key))}: {tr(VALUE_LABELS[text]) if text in VALUE_LABELS else text}"
        )
    return " · ".join(parts)


def table(entries: pd.DataFrame, tr: Callable[[str], str] = lambda s: s) -> pd.DataFrame:
    """Entries (Store.audit_entries) as a table: time (local), user, action, details."""
    columns = ["at", "username", "action", "action_label", "details", "detail_json"]
    if entries.empty:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame(
        {
            "at": pd.to_datetime(entries["at"]) + VN_OFFSET,
            "username": entries["username"].fillna("").astype(str),
            "action": entries["action"].astype(str),
            "action_label": entries["action"].map(lambda a: tr(ACTION_LABELS.get(a, a))),
            "details": entries["detail"].map(lambda d: describe(d, tr)),
            "detail_json": entries["detail"].fillna("{}").astype(str),
        },
        columns=columns,
    ).reset_index(drop=True)
