"""Who may sign in, and for how long: password hashing, lockout and session rules.

No Streamlit here: the dashboard (`cccd_analytics/ui/login.py`) and the CLI
(`cccd_analytics/cli/users.py`) both call these.  The rules:

* Passwords are hashed with Argon2id (argon2-cffi) at OWASP's recommended cost
  (19 MiB, 2 passes, 1 lane): about 30 ms on one core, so fifty people signing in at
  once stay under a gigabyte.  A stored hash made with other parameters is upgraded
  on the next successful login.
* `Policy.max_failures` wrong passwords in a row lock the account for
  `Policy.lockout`; while locked, even the right password is refused (and not
  checked).  A successful login clears the count.
* A session ends after `Policy.idle_timeout` without any interaction, and in any
  case `Policy.max_session` after it began.
* Roles: leader (view), analyst (also upload, undo, data-quality notes), admin (also
  campaigns, users and the audit log).

Every decision is written to the audit log by `authenticate`; messages are Vietnamese
and never say whether it was the user name or the password that was wrong.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cccd_analytics.text import VN_OFFSET

ROLES = ("leader", "analyst", "admin")
ROLE_LABELS = {"leader": "Lãnh đạo", "analyst": "Cán bộ tổng hợp", "admin": "Quản trị"}
MAX_PASSWORD_LENGTH = 1024  # longer input is refused before hashing (no hashing DoS)
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._@\\-]{1,99}")


class AuthError(Exception):
    """A refusal or a bad setting, with a message fit for users (Vietnamese)."""


def now_utc() -> datetime:
    """Naive UTC, as the store keeps times."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


# -- settings --------------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    max_failures: int = 5
    lockout: timedelta = timedelta(minutes=15)
    idle_timeout: timedelta = timedelta(minutes=30)
    max_session: timedelta = timedelta(hours=12)
    min_password_length: int = 10

    @classmethod
    def from_env(cls, env=None) -> Policy:
        """Read the optional overrides (see docs/security.md):

        CCCD_MAX_FAILED_LOGINS (5), CCCD_LOCKOUT_MINUTES (15), CCCD_SESSION_IDLE_MINUTES (30),
        CCCD_SESSION_MAX_HOURS (12), CCCD_MIN_PASSWORD_LENGTH (10).
        """
        env = os.environ if env is None else env

        def number(name: str, default: float, minimum: float) -> float:
            raw = (env.get(name) or "").strip()
            if not raw:
                return default
            try:
                value = float(raw.replace(",", "."))
            except ValueError:
                raise AuthError(f"{name} phải là một số, không phải «{raw}».") from None
            if value < minimum:
                raise AuthError(f"{name} phải từ {minimum:g} trở lên (đang là {raw}).")
            return value

        return cls(
            max_failures=int(number("CCCD_MAX_FAILED_LOGINS", 5, 1)),
            lockout=timedelta(minutes=number("CCCD_LOCKOUT_MINUTES", 15, 0)),
            idle_timeout=timedelta(minutes=number("CCCD_SESSION_IDLE_MINUTES", 30, 1)),
            max_session=timedelta(hours=number("CCCD_SESSION_MAX_HOURS", 12, 0.1)),
            min_password_length=int(number("CCCD_MIN_PASSWORD_LENGTH", 10, 8)),
        )


def demo_role(env=None) -> str | None:
    """The role everyone gets without signing in, when a demo was asked for explicitly.

    `CCCD_DEMO_ROLE=admin` (or leader, analyst).  `./dev dashboard` sets it; a production
    deployment never does, and the dashboard ignores it on a database that has accounts.
    """
    env = os.environ if env is None else env
    role = (env.get("CCCD_DEMO_ROLE") or "").strip().lower()
    return role if role in ROLES else None


# -- names, roles, passwords -----------------------------------------------------------


def normalise_username(text: str) -> str:
    name = (text or "").strip().lower()
    if not _USERNAME.fullmatch(name):
        raise AuthError(
            f"Tên đăng nhập «{(text or '')[:100]}» không hợp lệ: 2–100 ký tự, chỉ gồm chữ không dấu, "
            "chữ số và . _ @ - \\ (bắt đầu bằng chữ hoặc số)."
        )
    return name


def check_role(role: str) -> str:
    role = (role or "").strip().lower()
    if role not in ROLES:
        raise AuthError(f"Vai trò «{role}» không hợp lệ; chọn một trong: {', '.join(ROLES)}.")
    return role


def password_problem(password: str, username: str = "", policy: Policy | None = None) -> str | None:
    """Why a new password is not acceptable (Vietnamese), or None."""
    policy = policy or Policy()
    if len(password) < policy.min_password_length:
        return f"Mật khẩu phải có ít nhất {policy.min_password_length} ký tự."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Mật khẩu dài quá {MAX_PASSWORD_LENGTH} ký tự."
    if password.strip() != password or not password.strip():
        return "Mật khẩu không được bắt đầu hay kết thúc bằng khoảng trắng."
    if username and username.lower() in password.lower():
        return "Mật khẩu không được chứa tên đăng nhập."
    if len(set(password)) < 4:
        return "Mật khẩu quá đơn giản (quá ít ký tự khác nhau)."
    return None


def _hasher():
    from argon2 import PasswordHasher, Type

    return PasswordHasher(
        time_cost=2, memory_cost=19_456, parallelism=1, hash_len=32, salt_len=16, type=Type.ID
    )


def hash_password(password: str) -> str:
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AuthError(f"Mật khẩu dài quá {MAX_PASSWORD_LENGTH} ký tự.")
    return _hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when the password matches; False for no hash, a malformed hash or a wrong password."""
    from argon2 import exceptions

    if not stored_hash or len(password) > MAX_PASSWORD_LENGTH:
        return False
    try:
        return _hasher().verify(stored_hash, password)
    except (exceptions.VerificationError, exceptions.InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    try:
        return _hasher().check_needs_rehash(stored_hash)
    except Exception:  # a malformed hash: replace it
        return True


# A hash to verify against when the user does not exist, so that a wrong name and a wrong
# password take the same time (no probing which accounts exist).
_DUMMY_HASH: str | None = None


def _waste_a_verification(password: str) -> None:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password("không có tài khoản này")
    verify_password(_DUMMY_HASH, password)


# -- accounts and decisions (pure) ------------------------------------------------------


@dataclass(frozen=True)
class Account:
    username: str
    role: str
    full_name: str | None = None
    active: bool = True
    failed_attempts: int = 0
    locked_until: datetime | None = None
    last_login: datetime | None = None
    password_hash: str | None = None

    def __repr__(self) -> str:  # never print the hash
        return f"Account({self.username!r}, role={self.role!r}, active={self.active})"

    @classmethod
    def from_row(cls, row: dict) -> Account:
        return cls(
            username=row["username"],
            role=row["role"],
            full_name=row.get("full_name"),
            active=bool(row.get("active", True)),
            failed_attempts=int(row.get("failed_attempts") or 0),
            locked_until=row.get("locked_until"),
            last_login=row.get("last_login"),
            password_hash=row.get("password_hash"),
        )

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


def is_locked(account: Account, now: datetime) -> bool:
    return account.locked_until is not None and account.locked_until > now


def lock_after(failures: int, now: datetime, policy: Policy) -> datetime | None:
    """When `failures` wrong passwords in a row lock the account: until when."""
    return now + policy.lockout if failures >= policy.max_failures else None


def session_end_reason(started: datetime, last_seen: datetime, now: datetime, policy: Policy) -> str | None:
    """'idle' or 'max' when a session that began at `started`, last active at `last_seen`, is over."""
    if now - last_seen > policy.idle_timeout:
        return "idle"
    if now - started > policy.max_session:
        return "max"
    return None


def clock_vn(moment: datetime) -> str:
    """A UTC moment as Vietnam time (UTC+7, no daylight saving), HH:MM dd/mm/yyyy."""
    local = moment + VN_OFFSET
    return f"{local:%H:%M} ngày {local:%d/%m/%Y}"


MESSAGES = {
    "bad_credentials": "Sai tên đăng nhập hoặc mật khẩu.",
    "locked": "Tài khoản tạm khóa do nhập sai mật khẩu nhiều lần; thử lại sau {until}.",
    "disabled": "Tài khoản đã bị vô hiệu hóa. Liên hệ quản trị hệ thống.",
    "idle": "Phiên làm việc đã kết thúc vì không hoạt động quá {minutes} phút. Hãy đăng nhập lại.",
    "max": "Phiên làm việc đã quá {hours} giờ. Hãy đăng nhập lại.",
}


@dataclass(frozen=True)
class LoginResult:
    ok: bool
    reason: str  # ok | bad_credentials | locked | disabled
    message: str  # Vietnamese, for the login form
    account: Account | None = None
    locked_until: datetime | None = None


def authenticate(
    store,
    username: str,
    password: str,
    *,
    now: datetime | None = None,
    policy: Policy | None = None,
    client: str | None = None,
) -> LoginResult:
    """Check a local account's password, apply the lockout rule, and audit the attempt.

    `store` is a `cccd_analytics.store.Store`; `client` (an IP address) goes into the audit log.
    """
    now = now or now_utc()
    policy = policy or Policy.from_env()
    extra = {"method": "local"} | ({"client": client} if client else {})
    try:
        name = normalise_username(username)
    except AuthError:
        name = None
    row = store.get_user(name) if name else None
    attempted = (name or (username or "").strip())[:100]
    if row is None:
        _waste_a_verification(password)
        store.audit("login_failed", attempted, reason="unknown_user", **extra)
        return LoginResult(False, "bad_credentials", MESSAGES["bad_credentials"])
    account = Account.from_row(row)
    if not account.active:
        _waste_a_verification(password)
        store.audit("login_failed", name, reason="disabled", **extra)
        return LoginResult(False, "disabled", MESSAGES["disabled"])
    if is_locked(account, now):
        store.audit("login_failed", name, reason="locked", **extra)
        return LoginResult(
            False,
            "locked",
            MESSAGES["locked"].format(until=clock_vn(account.locked_until)),
            locked_until=account.locked_until,
        )
    if not verify_password(account.password_hash, password):
        failures = store.record_login_failure(name)
        until = lock_after(failures, now, policy)
        store.audit("login_failed", name, reason="bad_password", failures=failures, **extra)
        if until is not None:
            store.lock_user(name, until)
            store.audit("lockout", name, until=until.isoformat(), failures=failures, **extra)
            return LoginResult(
                False, "locked", MESSAGES["locked"].format(until=clock_vn(until)), locked_until=until
            )
        return LoginResult(False, "bad_credentials", MESSAGES["bad_credentials"])
    store.record_login_success(name, now)
    if needs_rehash(account.password_hash):
        store.set_password(name, hash_password(password))
    store.audit("login", name, **extra)
    return LoginResult(True, "ok", "", account=account)


# -- single sign-on: map an identity provider's claims to a role -----------------------


def claim(claims: dict, path: str):
    """A claim by dotted path: "roles", "realm_access.roles" (Keycloak), "groups" (Entra)."""
    value = claims
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def role_from_claims(claims: dict, role_claim: str | None, role_map: dict[str, str]) -> str | None:
    """The highest role any of the user's claim values maps to (admin > analyst > leader)."""
    if not role_claim or not role_map:
        return None
    values = claim(claims, role_claim)
    if values is None:
        return None
    if isinstance(values, str):
        values = values.replace(",", " ").split()
    granted = {role_map.get(str(v)) for v in values} & set(ROLES)
    for role in reversed(ROLES):
        if role in granted:
            return role
    return None
