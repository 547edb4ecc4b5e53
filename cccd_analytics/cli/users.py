"""`cccd user add|passwd|disable|enable|role|list`: local accounts for the dashboard.

    cccd user add lan.nt --role analyst --name "Nguyễn Thị Lan"      # asks for the password twice
    echo "$PASS" | cccd user add lan.nt --role analyst --password-stdin
    cccd user add sso.only --role leader --no-password                # signs in by OIDC / proxy only
    cccd user passwd lan.nt [--password-stdin]                        # also clears a lockout
    cccd user disable lan.nt · cccd user enable lan.nt
    cccd user role lan.nt admin
    cccd user list [--json]

Every change is written to the audit log (who: the OS user running the command).
Passwords are never taken as arguments (they would land in the shell history and `ps`).
"""

from __future__ import annotations

import getpass
import json
import os
import sys

from cccd_analytics import auth, exit_codes
from cccd_analytics.store import Store


class UserCommandError(Exception):
    """Bad input, with a Vietnamese message (refused: exit code 2, unless told otherwise)."""

    def __init__(self, message: str, exit_code: int = exit_codes.REFUSED):
        super().__init__(message)
        self.exit_code = exit_code


REFUSALS = (UserCommandError, auth.AuthError)


def _operator() -> str:
    try:
        who = getpass.getuser()
    except Exception:  # noqa: BLE001 — no login name in some containers
        who = str(os.getuid()) if hasattr(os, "getuid") else "?"
    return f"cli:{who}"


def _read_password(args, username: str) -> str:
    policy = auth.Policy.from_env()
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        if not sys.stdin.isatty():
            raise UserCommandError(
                "Không có bàn phím để nhập mật khẩu; dùng --password-stdin.", exit_codes.USAGE
            )
        password = getpass.getpass("Mật khẩu mới: ")
        if getpass.getpass("Nhập lại mật khẩu: ") != password:
            raise UserCommandError("Hai lần nhập mật khẩu không khớp.")
    problem = auth.password_problem(password, username, policy)
    if problem:
        raise UserCommandError(problem)
    return password


def _existing(store: Store, username: str) -> dict:
    row = store.get_user(username)
    if row is None:
        raise UserCommandError(f"Không có tài khoản «{username}».")
    return row


def add(args) -> int:
    username = auth.normalise_username(args.username)
    role = auth.check_role(args.role)
    store = Store.open(args.db)
    if store.get_user(username) is not None:
        raise UserCommandError(
            f"Đã có tài khoản «{username}»; đổi mật khẩu bằng: cccd user passwd {username}"
        )
    password_hash = None if args.no_password else auth.hash_password(_read_password(args, username))
    store.add_user(username, role, password_hash, full_name=args.name)
    store.audit("user_add", _operator(), account=username, role=role, sso_only=args.no_password)
    print(f"Đã tạo tài khoản «{username}» ({auth.ROLE_LABELS[role]}).")
    return 0


def passwd(args) -> int:
    username = auth.normalise_username(args.username)
    store = Store.open(args.db)
    _existing(store, username)
    store.set_password(username, auth.hash_password(_read_password(args, username)))
    store.audit("user_passwd", _operator(), account=username)
    print(f"Đã đổi mật khẩu của «{username}» (và mở khóa nếu đang bị khóa).")
    return 0


def _set_active(args, active: bool) -> int:
    username = auth.normalise_username(args.username)
    store = Store.open(args.db)
    _existing(store, username)
    store.set_user_active(username, active)
    store.audit("user_enable" if active else "user_disable", _operator(), account=username)
    print(
        f"Đã kích hoạt lại tài khoản «{username}»."
        if active
        else f"Đã vô hiệu hóa tài khoản «{username}»; phiên đang mở kết thúc ở thao tác tiếp theo."
    )
    return 0


def disable(args) -> int:
    return _set_active(args, False)


def enable(args) -> int:
    return _set_active(args, True)


def role(args) -> int:
    username = auth.normalise_username(args.username)
    role = auth.check_role(args.role)
    store = Store.open(args.db)
    before = _existing(store, username)["role"]
    store.set_user_role(username, role)
    store.audit("user_role", _operator(), account=username, role=role, previous=before)
    print(f"«{username}»: {auth.ROLE_LABELS[before]} → {auth.ROLE_LABELS[role]}.")
    return 0


def list_users(args) -> int:
    store = Store.open(args.db)
    now = auth.now_utc()
    records = []
    for row in store.user_records():
        locked = row.get("locked_until")
        records.append(
            {
                "username": row["username"],
                "full_name": row.get("full_name"),
                "role": row["role"],
                "active": bool(row["active"]),
                "locked_until": locked.isoformat() if locked is not None and locked > now else None,
                "failed_attempts": int(row.get("failed_attempts") or 0),
                "created_at": _iso(row.get("created_at")),
                "last_login": _iso(row.get("last_login")),
            }
        )
    if args.json:
        print(json.dumps(records, ensure_ascii=False, indent=2))
        return 0
    if not records:
        print("Chưa có tài khoản nào. Tạo bằng: cccd user add TÊN --role leader|analyst|admin")
    for r in records:
        state = "" if r["active"] else " (vô hiệu hóa)"
        if r["locked_until"]:
            state += f" (khóa đến {r['locked_until']} UTC)"
        name = f" — {r['full_name']}" if r["full_name"] else ""
        print(f"{r['username']}{name}: {auth.ROLE_LABELS[r['role']]}{state}")
    return 0


def _iso(value) -> str | None:
    return None if value is None else value.isoformat()
