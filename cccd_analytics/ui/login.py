"""The Streamlit side of login: who is using the dashboard, and with which role.

`gate()` runs in the router (dashboard.py) before the page list is built, on every run.
It returns the signed-in user or shows the login screen — on whatever URL was opened —
and stops.  Ways in, in this order (docs/security.md):

1. Demo: `CCCD_DEMO_ROLE=leader|analyst|admin` lets everyone in with that role, without
   signing in, and only while the database has no active account.  `./dev dashboard` sets
   it; production (deploy/) never does.
2. Trusted proxy: `CCCD_TRUSTED_USER_HEADER=X-Remote-User` takes the user name from that
   header — only on connections from `CCCD_TRUSTED_PROXIES` (default: loopback) — and the
   role from the users table.  No other way in is offered then.
3. OpenID Connect through `st.login` when `.streamlit/secrets.toml` has an `[auth]`
   section (Keycloak, Entra ID): the role comes from a claim mapped in `[cccd_oidc]`, or
   from the users table.
4. Local accounts (`cccd user add`): name and password, Argon2id, lockout after
   repeated failures (rules in `cccd_analytics.auth`).  `CCCD_LOCAL_LOGIN=0` turns the
   form off.

A session ends after `CCCD_SESSION_IDLE_MINUTES` (30) without interaction — a timer
blanks an idle screen — or `CCCD_SESSION_MAX_HOURS` (12) after it began, and as soon as
its account is disabled.  Logins, failures, lockouts and logouts go to the audit log.
"""

from __future__ import annotations

import ipaddress
import logging
import os
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import sqlalchemy as sa
import streamlit as st

from cccd_analytics import auth
from cccd_analytics.i18n import t
from cccd_analytics.store import StoreError

log = logging.getLogger(__name__)
SESSION = "_cccd_signed_in"  # session_state: the SignedIn of this browser session
NOTICE = "_cccd_login_notice"  # session_state: why the last session ended
DEMO_USER = "demo"


@dataclass(frozen=True)
class SignedIn:
    username: str
    role: str
    method: str  # demo | proxy | oidc | local
    full_name: str | None = None
    started: datetime | None = None
    last_seen: datetime | None = None

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


# -- what the rest of the UI asks ------------------------------------------------------


def signed_in() -> SignedIn | None:
    return st.session_state.get(SESSION)


def current_role() -> str:
    """The signed-in user's role; "" (no pages at all) before anyone has signed in."""
    user = signed_in()
    return user.role if user else ""


def current_username() -> str | None:
    user = signed_in()
    return user.username if user else None


# -- database trouble: a message and a retry, never a traceback ---------------------------


@contextmanager
def database_errors():
    """Show a locked, busy or unreachable database as a Vietnamese message with "Thử lại"."""
    try:
        yield
    except (StoreError, sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError) as exc:
        log.warning("database unavailable: %s", exc)  # details for the server log only
        why = getattr(exc, "why", None) or "không kết nối được máy chủ cơ sở dữ liệu"
        st.error(
            t(
                "Không làm việc được với cơ sở dữ liệu ({why}). Số liệu không bị thay đổi; hãy thử lại sau "
                "ít phút. Nếu vẫn lỗi, báo quản trị hệ thống.",
                why=t(why),
            ),
            icon=":material/cloud_off:",
        )
        st.button(t("Thử lại"), type="primary", key="_cccd_retry_database")  # a click reruns the app
        st.stop()


# -- the gate --------------------------------------------------------------------------


def gate(page_names: Iterable[str]) -> SignedIn:
    """Who is signed in; otherwise the login screen on any URL, then `st.stop()`.

    `page_names` are the router's pages (their url paths): until someone signs in each of
    them shows the login form, so a bookmarked page opens after signing in, if allowed.
    """
    from cccd_analytics import ui

    names = list(page_names)
    try:
        policy = auth.Policy.from_env()
    except auth.AuthError as exc:
        st.error(t("Cấu hình đăng nhập sai: {problem}", problem=str(exc)))
        st.stop()
    with database_errors():
        store = ui.store()
        user = _who(store, policy)
        if user is not None:
            _sidebar(user, policy)
            return user
    _login_screen(names, store, policy)
    st.stop()


def _who(store, policy: auth.Policy) -> SignedIn | None:
    now = auth.now_utc()
    demo = auth.demo_role()
    if demo and store.count_active_users() == 0:
        return _remember(SignedIn(DEMO_USER, demo, "demo", t("Khách (chế độ trình diễn)"), now, now))
    header = os.environ.get("CCCD_TRUSTED_USER_HEADER", "").strip()
    if header:
        return _from_proxy(store, header, now)
    if _oidc_configured() and _oidc_logged_in():
        return _from_oidc(store, policy, now)
    return _from_session(store, policy, now)


def _remember(user: SignedIn) -> SignedIn:
    st.session_state[SESSION] = user
    return user


def _end(store, user: SignedIn, reason: str, notice: str | None = None) -> None:
    st.session_state.pop(SESSION, None)
    store.audit("logout", user.username, method=user.method, reason=reason, **_client())
    if notice:
        st.session_state[NOTICE] = notice


def _client() -> dict:
    try:
        ip = st.context.ip_address
    except Exception:  # noqa: BLE001 — not inside a browser session (AppTest)
        ip = None
    return {"client": ip} if ip else {}


def _from_session(store, policy: auth.Policy, now: datetime) -> SignedIn | None:
    """A local (or single-sign-on) session kept in this browser tab's session state."""
    user = signed_in()
    if user is None or user.method in ("demo", "proxy", "oidc"):  # oidc: its cookie is gone
        st.session_state.pop(SESSION, None)
        return None
    reason = auth.session_end_reason(user.started, user.last_seen, now, policy)
    if reason:
        _end(store, user, reason, _message(reason, policy))
        return None
    row = store.get_user(user.username)
    if row is None or not row["active"]:
        _end(store, user, "disabled", _message("disabled", policy))
        return None
    return _remember(replace(user, role=row["role"], full_name=row.get("full_name"), last_seen=now))


def _from_proxy(store, header: str, now: datetime) -> SignedIn | None:
    if not _from_trusted_proxy():
        log.warning("ignored %s from untrusted address %s", header, st.context.ip_address)
        _refuse(
            t(
                "Kết nối không đi qua máy chủ xác thực của đơn vị. Hãy mở bảng điều khiển bằng địa chỉ chính thức."
            )
        )
    raw = st.context.headers.get(header) or ""
    try:
        username = auth.normalise_username(raw)
    except auth.AuthError:
        _refuse(t("Máy chủ xác thực không gửi danh tính người dùng. Liên hệ quản trị hệ thống."))
    row = store.get_user(username)
    if row is None or not row["active"]:
        if not st.session_state.get("_cccd_proxy_refusal_logged"):
            store.audit(
                "login_failed",
                username,
                method="proxy",
                reason="unknown_user" if row is None else "disabled",
                **_client(),
            )
            st.session_state["_cccd_proxy_refusal_logged"] = True
        _refuse(
            t(
                "Tài khoản «{name}» chưa được cấp quyền dùng hệ thống này. Liên hệ quản trị hệ thống.",
                name=_md(username),
            )
        )
    previous = signed_in()
    if previous is None or previous.username != username or previous.method != "proxy":
        store.audit("login", username, method="proxy", **_client())
        previous = SignedIn(username, row["role"], "proxy", row.get("full_name"), now, now)
    return _remember(replace(previous, role=row["role"], full_name=row.get("full_name"), last_seen=now))


def _from_trusted_proxy() -> bool:
    ip = st.context.ip_address
    if ip is None:  # Streamlit reports loopback connections as None
        return True
    allowed = os.environ.get("CCCD_TRUSTED_PROXIES", "127.0.0.1,::1")
    try:
        address = ipaddress.ip_address(ip)
        return any(
            address in ipaddress.ip_network(item.strip(), strict=False)
            for item in allowed.split(",")
            if item.strip()
        )
    except ValueError:
        return False


def _refuse(message: str) -> None:
    st.title(t("Theo dõi cấp CCCD"))
    st.error(message)
    st.stop()


# -- OpenID Connect (st.login) ---------------------------------------------------------


def _secrets_section(name: str) -> dict:
    try:
        return dict(st.secrets.get(name, {}) or {})
    except Exception:  # noqa: BLE001 — no secrets file at all
        return {}


def _oidc_configured() -> bool:
    section = _secrets_section("auth")
    return bool(section) and (
        "client_id" in section or any(isinstance(v, dict) or hasattr(v, "keys") for v in section.values())
    )


def _oidc_logged_in() -> bool:
    try:
        return bool(st.user.is_logged_in)
    except Exception:  # noqa: BLE001 — auth not usable (Authlib missing, bad settings)
        return False


def _oidc_settings() -> dict:
    section = _secrets_section("cccd_oidc")
    roles = section.get("roles") or {}
    return {
        "provider": section.get("provider") or None,
        "username_claim": section.get("username_claim") or "preferred_username",
        "role_claim": section.get("role_claim") or None,
        "roles": {str(k): str(v) for k, v in dict(roles).items()},
        "label": section.get("label") or None,
    }


def _from_oidc(store, policy: auth.Policy, now: datetime) -> SignedIn | None:
    settings = _oidc_settings()
    claims = dict(st.user)
    raw = auth.claim(claims, settings["username_claim"]) or claims.get("email") or claims.get("sub") or ""
    try:
        username = auth.normalise_username(str(raw))
    except auth.AuthError:
        username = str(raw)[:100].lower()
    row = store.get_user(username)
    role = auth.role_from_claims(claims, settings["role_claim"], settings["roles"])
    if row is not None and not row["active"]:
        role = None
    elif role is None and row is not None:
        role = row["role"]
    if role is None:
        if not st.session_state.get("_cccd_oidc_refusal_logged"):
            store.audit("login_failed", username, method="oidc", reason="no_role", **_client())
            st.session_state["_cccd_oidc_refusal_logged"] = True
        st.title(t("Theo dõi cấp CCCD"))
        st.error(
            t(
                "Tài khoản «{name}» chưa được cấp quyền dùng hệ thống này. Liên hệ quản trị hệ thống.",
                name=_md(username),
            )
        )
        st.button(t("Đăng xuất"), on_click=st.logout, key="_cccd_oidc_refused_logout")
        st.stop()
    signed_at = _claim_time(claims.get("auth_time") or claims.get("iat"))
    if signed_at is not None and now - signed_at > policy.max_session:
        # Streamlit's identity cookie lasts 30 days: cap it at the session limit.
        store.audit("logout", username, method="oidc", reason="max", **_client())
        st.session_state.pop(SESSION, None)
        st.logout()  # clears the cookie; the browser is sent to the provider's logout
        st.stop()
    user = signed_in()
    if user is None or user.method != "oidc" or user.username != username:
        store.audit("login", username, method="oidc", **_client())
        return _remember(
            SignedIn(username, role, "oidc", (row or {}).get("full_name") or claims.get("name"), now, now)
        )
    reason = auth.session_end_reason(user.started, user.last_seen, now, policy)
    if reason:
        _end(store, user, reason)
        st.logout()
        st.stop()
    return _remember(replace(user, role=role, last_seen=now))


def _claim_time(value) -> datetime | None:
    """A token time claim (seconds since 1970, UTC) as naive UTC."""
    try:
        if value is None:
            return None
        return datetime.fromtimestamp(float(value), UTC).replace(tzinfo=None)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


# -- screens ---------------------------------------------------------------------------


def _sidebar(user: SignedIn, policy: auth.Policy) -> None:
    with st.sidebar:
        if user.method == "demo":
            st.warning(
                t(
                    "Chế độ trình diễn: không cần đăng nhập; mọi người dùng có quyền «{role}». "
                    "Không dùng cho số liệu thật.",
                    role=t(auth.ROLE_LABELS[user.role]),
                ),
                icon=":material/warning:",
            )
            return
        st.caption(f":material/person: **{_md(user.display_name)}** · {t(auth.ROLE_LABELS[user.role])}")
        if user.method in ("local", "oidc"):
            st.button(t("Đăng xuất"), key="_cccd_logout", on_click=_logout, args=(user,))
            _idle_watch(policy)


def _logout(user: SignedIn) -> None:
    from cccd_analytics import ui

    try:
        _end(ui.store(), user, "user", t("Đã đăng xuất."))
    except (StoreError, sa.exc.OperationalError):
        st.session_state.pop(SESSION, None)
    if user.method == "oidc":
        st.logout()


def _idle_watch(policy: auth.Policy) -> None:
    """A timer that reruns the app once the session has been idle too long, so an
    unattended screen is cleared rather than left showing the figures."""
    every = max(5.0, min(60.0, policy.idle_timeout.total_seconds() / 4))

    @st.fragment(run_every=every)
    def watch() -> None:
        user = signed_in()
        if user is not None and auth.session_end_reason(user.started, user.last_seen, auth.now_utc(), policy):
            st.rerun(scope="app")

    watch()


def _login_screen(page_names: list[str], store, policy: auth.Policy) -> None:
    """Every page URL shows the login form until someone signs in (nothing else is served)."""

    def form() -> None:
        _login_form(store, policy)

    # The default page is served at the root but reserves its url_path: one that names no
    # page, so that "/overview" is a page's address too and shows the form.
    stubs = [st.Page(form, title=t("Đăng nhập"), url_path=ROOT_PATH, default=True)]
    stubs += [st.Page(form, title=t("Đăng nhập"), url_path=name) for name in page_names]
    st.navigation(stubs, position="hidden").run()


def _login_form(store, policy: auth.Policy) -> None:
    st.title(t("Theo dõi cấp CCCD"))
    st.subheader(t("Đăng nhập"))
    notice = st.session_state.pop(NOTICE, None)
    if notice:
        st.info(notice)
    if _oidc_configured():
        label = _oidc_settings()["label"] or t("Đăng nhập bằng tài khoản của đơn vị (SSO)")
        if st.button(label, type="primary", key="_cccd_sso"):
            provider = _oidc_settings()["provider"]  # a named [auth.NAME] section, or the default one
            if provider:
                st.login(provider)
            else:
                st.login()
    if os.environ.get("CCCD_LOCAL_LOGIN", "1").strip() in ("0", "false", "no"):
        if not _oidc_configured():
            st.error(t("Chưa cấu hình cách đăng nhập nào. Liên hệ quản trị hệ thống."))
        return
    with st.form("_cccd_login", clear_on_submit=True, enter_to_submit=True):
        username = st.text_input(t("Tên đăng nhập"), key="_cccd_login_user", autocomplete="username")
        password = st.text_input(
            t("Mật khẩu"), type="password", key="_cccd_login_password", autocomplete="current-password"
        )
        submitted = st.form_submit_button(t("Đăng nhập"), type="primary")
    if submitted:
        with database_errors():
            result = auth.authenticate(
                store, username, password, policy=policy, client=_client().get("client")
            )
        if result.ok:
            now = auth.now_utc()
            account = result.account
            st.session_state[SESSION] = SignedIn(
                account.username, account.role, "local", account.full_name, now, now
            )
            st.rerun()
        st.error(_message(result.reason, policy, result.locked_until))
    st.caption(
        t(
            "Tài khoản do quản trị hệ thống cấp. Sau {n} lần nhập sai mật khẩu, tài khoản bị tạm khóa "
            "{m} phút.",
            n=policy.max_failures,
            m=int(policy.lockout.total_seconds() // 60),
        )
    )


def _message(reason: str, policy: auth.Policy, until: datetime | None = None) -> str:
    """auth.MESSAGES[reason] in the interface language."""
    return t(
        auth.MESSAGES[reason],
        until=auth.clock_vn(until) if until else "",
        minutes=int(policy.idle_timeout.total_seconds() // 60),
        hours=f"{policy.max_session.total_seconds() / 3600:g}",
    )


def refusal_pages(names: Iterable[str]) -> list:
    """Pages the role may not use: hidden from the navigation; their URLs show a refusal and
    never run the page file (whose code is not even registered)."""

    def refuse() -> None:
        st.title(t("Không có quyền truy cập"))
        st.warning(t("Vai trò của bạn không được dùng trang này. Nếu cần, hãy liên hệ quản trị hệ thống."))

    return [
        st.Page(refuse, title=t("Không có quyền truy cập"), url_path=name, visibility="hidden")
        for name in names
    ]


#: The url_path of the page served at the root (Streamlit reserves it, unused): no page's name,
#: so that every page, the default one too, is also reached by its own name ("/overview").
ROOT_PATH = "trang-chu"


def missing_page(known: Iterable[str], default: str = "overview") -> list:
    """A URL naming no page (a mistyped or old link): a hidden page at that URL that says
    so in the interface language and links the overview, instead of Streamlit's own
    English "Page not found" dialog over the main page.  The default page is served at the
    root, so its own name ("/overview", as a link written by hand names it) is such a URL
    too: it goes to the overview.  The asked name is read from Streamlit's page manager (no
    public API gives it); if that moves, the dialog is back and nothing else changes."""
    import re

    from streamlit.runtime.scriptrunner import get_script_run_ctx

    try:
        asked = get_script_run_ctx().pages_manager.intended_page_name
    except AttributeError:
        return []
    if asked == default:

        def to_default() -> None:
            st.switch_page(f"pages/{default}.py")

        return [st.Page(to_default, title=t("Tổng quan"), url_path=asked, visibility="hidden")]
    if not asked or asked in set(known) or not re.fullmatch(r"[\w-]+", asked):
        return []

    def missing() -> None:
        st.title(t("Không có trang này"))
        st.warning(t("Địa chỉ «{name}» không trỏ tới trang nào của hệ thống.", name=asked))
        st.page_link("pages/overview.py", label=t("Về trang Tổng quan"), icon=":material/dashboard:")

    return [st.Page(missing, title=t("Không có trang này"), url_path=asked, visibility="hidden")]


def _md(text: str) -> str:
    from cccd_analytics.ui import md_escape

    return md_escape(text)
