"""What the store tells users when it cannot do what was asked: StoreError (refused input,
wrong usage) and StoreUnavailable (a locked, busy, unreachable or full database), in
Vietnamese, and never with the database's password in the message."""

from __future__ import annotations

import re

import sqlalchemy as sa

from cccd_analytics import exit_codes


class StoreError(Exception):
    """A store problem with a message fit for users (Vietnamese).

    `exit_code` (cccd_analytics.exit_codes) tells a script what kind of problem it is:
    refused input by default, or wrong usage / permissions."""

    exit_code = exit_codes.REFUSED

    def __init__(self, message: str, exit_code: int | None = None):
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class StoreUnavailable(StoreError):
    """The database cannot be reached, stayed locked/busy too long, or its disk is full:
    nothing was changed; try again later."""

    exit_code = exit_codes.UNAVAILABLE

    def __init__(self, message: str, why: str = ""):
        super().__init__(message)
        self.why = why


UNAVAILABLE = (
    "Không làm việc được với cơ sở dữ liệu ({why}). Số liệu không bị thay đổi; hãy thử lại "
    "sau ít phút. Nếu vẫn lỗi, báo quản trị hệ thống."
)
DISK_FULL = "ổ đĩa chứa cơ sở dữ liệu đã đầy"
UNAVAILABLE_FULL = (
    "Không ghi được vào cơ sở dữ liệu ({why}). Số liệu không bị thay đổi; hãy giải phóng chỗ "
    "trống trên ổ đĩa (hoặc báo quản trị hệ thống) rồi làm lại."
)


def _unavailable(context) -> None:
    """`handle_error` listener: a locked, busy or unreachable database becomes StoreUnavailable.

    Programming errors (no such table, bad SQL, constraint violations) stay as they are.
    The message never carries the database address or its password.
    """
    exc = context.original_exception
    if (
        not isinstance(context.sqlalchemy_exception, (sa.exc.OperationalError, sa.exc.InterfaceError))
        and not context.is_disconnect
    ):
        return
    text = str(exc).lower()
    if (
        context.dialect is not None
        and context.dialect.name == "sqlite"
        and (
            text.startswith(("no such", "near "))
            or "syntax error" in text
            or "has no column" in text
            or "already exists" in text
        )
    ):
        return
    if "disk is full" in text or "no space left" in text or "could not extend file" in text:
        # SQLite's SQLITE_FULL, PostgreSQL's disk_full (53100): the write was rolled back.
        raise StoreUnavailable(UNAVAILABLE_FULL.format(why=DISK_FULL), DISK_FULL) from exc
    if "locked" in text or "busy" in text or "lock timeout" in text or "could not obtain lock" in text:
        why = "cơ sở dữ liệu đang bị khóa bởi một thao tác khác"
    elif "timeout" in text or "timed out" in text or "canceling statement" in text:
        why = "máy chủ cơ sở dữ liệu trả lời quá chậm"
    else:
        why = "không kết nối được máy chủ cơ sở dữ liệu"
    raise StoreUnavailable(UNAVAILABLE.format(why=why), why) from exc


def _without_password(text: str) -> str:
    """A database URL (or a message quoting one) with its password replaced by ***."""
    return re.sub(r"(?<=://)([^:/@\s]*):[^@\s]*@", r"\1:***@", text)
