"""Login: password hashes, lockout, session end, roles per page, demo mode, `cccd user`."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from cccd_analytics import auth
from cccd_analytics.cli import main
from tests.conftest import ROOT

NOW = datetime(2026, 3, 2, 8, 0, 0)
PASSWORD = "Kỳ-Anh-2021-cao-điểm"


def add(store, name, role, password=PASSWORD, full_name=None):
    store.add_user(name, role, auth.hash_password(password) if password else None, full_name)


# -- hashes and rules ---------------------------------------------------------------------


def test_password_is_stored_as_an_argon2id_hash_that_verifies():
    stored = auth.hash_password(PASSWORD)
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert auth.verify_password(stored, PASSWORD)
    assert not auth.verify_password(stored, PASSWORD + "x")
    assert not auth.verify_password("not-a-hash", PASSWORD) and not auth.verify_password(None, PASSWORD)
    assert auth.hash_password(PASSWORD) != stored  # salted


def test_hash_made_with_other_parameters_is_upgraded_on_login(store):
    from argon2 import PasswordHasher

    store.add_user("cu", "leader", PasswordHasher(time_cost=1, memory_cost=8192).hash(PASSWORD))
    old = store.get_user("cu")["password_hash"]
    assert auth.authenticate(store, "cu", PASSWORD, now=NOW).ok
    new = store.get_user("cu")["password_hash"]
    assert new != old and not auth.needs_rehash(new) and auth.verify_password(new, PASSWORD)


@pytest.mark.parametrize(
    "password, fragment",
    [
        ("ngan", "ít nhất 10 ký tự"),
        ("aaaaaaaaaaaa", "quá đơn giản"),
        (" co-khoang-trang", "khoảng trắng"),
        ("lan.nt-2025-ok", "tên đăng nhập"),
    ],
)
def test_weak_passwords_are_refused_in_vietnamese(password, fragment):
    assert fragment in auth.password_problem(password, "lan.nt")


def test_usernames_are_normalised_and_checked():
    assert auth.normalise_username("  Lan.NT ") == "lan.nt"
    for bad in ("", "a", "có dấu", "x" * 101, "<script>", "'; drop"):
        with pytest.raises(auth.AuthError):
            auth.normalise_username(bad)


def test_policy_reads_the_environment_and_refuses_nonsense():
    policy = auth.Policy.from_env({"CCCD_SESSION_IDLE_MINUTES": "45", "CCCD_MAX_FAILED_LOGINS": "3"})
    assert policy.idle_timeout == timedelta(minutes=45) and policy.max_failures == 3
    with pytest.raises(auth.AuthError, match="CCCD_LOCKOUT_MINUTES"):
        auth.Policy.from_env({"CCCD_LOCKOUT_MINUTES": "mười lăm"})


def test_session_ends_when_idle_or_too_long():
    policy = auth.Policy()
    start = NOW
    assert (
        auth.session_end_reason(start, start + timedelta(minutes=29), start + timedelta(minutes=30), policy)
        is None
    )
    assert auth.session_end_reason(start, start, start + timedelta(minutes=31), policy) == "idle"
    late = start + timedelta(hours=12, minutes=1)
    assert auth.session_end_reason(start, late - timedelta(minutes=1), late, policy) == "max"


def test_role_from_keycloak_and_entra_claims():
    mapping = {"cccd-lanh-dao": "leader", "cccd-quan-tri": "admin", "cccd-tong-hop": "analyst"}
    keycloak = {"preferred_username": "lan", "realm_access": {"roles": ["offline_access", "cccd-tong-hop"]}}
    assert auth.role_from_claims(keycloak, "realm_access.roles", mapping) == "analyst"
    entra = {"roles": ["cccd-lanh-dao", "cccd-quan-tri"]}
    assert auth.role_from_claims(entra, "roles", mapping) == "admin"  # the highest wins
    assert auth.role_from_claims({"roles": ["khac"]}, "roles", mapping) is None
    assert auth.role_from_claims({"groups": "cccd-lanh-dao"}, "groups", mapping) == "leader"


def test_demo_role_only_when_set_to_a_real_role():
    assert auth.demo_role({"CCCD_DEMO_ROLE": "Admin"}) == "admin"
    assert auth.demo_role({"CCCD_DEMO_ROLE": "root"}) is None and auth.demo_role({}) is None


# -- authenticate: lockout and audit ------------------------------------------------------


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(store):
    add(store, "lan.nt", "analyst")
    policy = auth.Policy()
    for _ in range(4):
        result = auth.authenticate(store, "lan.nt", "sai-mat-khau", now=NOW, policy=policy)
        assert result.reason == "bad_credentials" and result.message == "Sai tên đăng nhập hoặc mật khẩu."
    fifth = auth.authenticate(store, "lan.nt", "sai-mat-khau", now=NOW, policy=policy)
    assert fifth.reason == "locked" and fifth.locked_until == NOW + timedelta(minutes=15)
    assert "tạm khóa" in fifth.message and "15:15" in fifth.message  # Vietnam time (UTC+7)
    # While locked even the right password is refused.
    assert (
        auth.authenticate(store, "lan.nt", PASSWORD, now=NOW + timedelta(minutes=14), policy=policy).reason
        == "locked"
    )
    later = auth.authenticate(store, "lan.nt", PASSWORD, now=NOW + timedelta(minutes=16), policy=policy)
    assert later.ok and later.account.role == "analyst"
    row = store.get_user("lan.nt")
    assert row["failed_attempts"] == 0 and row["locked_until"] is None and row["last_login"] is not None
    actions = store.audit_entries()["action"].tolist()[::-1]
    assert actions == ["login_failed"] * 5 + ["lockout", "login_failed", "login"]


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(store):
    add(store, "lan.nt", "analyst")
    unknown = auth.authenticate(store, "khong.co", PASSWORD, now=NOW)
    wrong = auth.authenticate(store, "lan.nt", "sai-mat-khau", now=NOW)
    assert unknown.message == wrong.message and not unknown.ok
    entry = store.audit_entries().iloc[-1]
    assert entry["username"] == "khong.co" and json.loads(entry["detail"])["reason"] == "unknown_user"


def test_disabled_account_cannot_sign_in(store):
    add(store, "cu.canbo", "leader")
    store.set_user_active("cu.canbo", False)
    result = auth.authenticate(store, "cu.canbo", PASSWORD, now=NOW)
    assert not result.ok and result.reason == "disabled"


def test_successful_login_clears_earlier_failures(store):
    add(store, "lan.nt", "analyst")
    for _ in range(4):
        auth.authenticate(store, "lan.nt", "sai", now=NOW)
    assert auth.authenticate(store, "lan.nt", PASSWORD, now=NOW).ok
    for _ in range(4):
        assert auth.authenticate(store, "lan.nt", "sai", now=NOW).reason == "bad_credentials"


# -- `cccd user` ----------------------------------------------------------------------------


def cli(capsys, monkeypatch, *args, stdin: str = ""):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_user_commands_add_list_passwd_disable_role(capsys, monkeypatch, db_url, store):
    code, out, err = cli(
        capsys,
        monkeypatch,
        "user",
        "add",
        "Lan.NT",
        "--role",
        "analyst",
        "--name",
        "Nguyễn Thị Lan",
        "--password-stdin",
        "--db",
        db_url,
        stdin=PASSWORD + "\n",
    )
    assert code == 0 and "lan.nt" in out, err
    assert auth.authenticate(store, "lan.nt", PASSWORD, now=NOW).ok
    code, _, err = cli(
        capsys,
        monkeypatch,
        "user",
        "add",
        "lan.nt",
        "--role",
        "leader",
        "--password-stdin",
        "--db",
        db_url,
        stdin=PASSWORD + "\n",
    )
    assert code == 2 and "Đã có tài khoản «lan.nt»" in err
    code, _, err = cli(
        capsys,
        monkeypatch,
        "user",
        "add",
        "ngan",
        "--role",
        "leader",
        "--password-stdin",
        "--db",
        db_url,
        stdin="123\n",
    )
    assert code == 2 and "ít nhất 10 ký tự" in err and "Traceback" not in err
    # A lockout is cleared by a new password.
    for _ in range(5):
        auth.authenticate(store, "lan.nt", "sai", now=auth.now_utc())
    assert store.get_user("lan.nt")["locked_until"] is not None
    assert (
        cli(
            capsys,
            monkeypatch,
            "user",
            "passwd",
            "lan.nt",
            "--password-stdin",
            "--db",
            db_url,
            stdin="mat-khau-moi-2026\n",
        )[0]
        == 0
    )
    assert auth.authenticate(store, "lan.nt", "mat-khau-moi-2026").ok
    assert cli(capsys, monkeypatch, "user", "role", "lan.nt", "admin", "--db", db_url)[0] == 0
    assert cli(capsys, monkeypatch, "user", "disable", "lan.nt", "--db", db_url)[0] == 0
    code, out, _ = cli(capsys, monkeypatch, "user", "list", "--json", "--db", db_url)
    (user,) = json.loads(out)
    assert user == user | {
        "username": "lan.nt",
        "role": "admin",
        "active": False,
        "full_name": "Nguyễn Thị Lan",
    }
    assert "password_hash" not in user and PASSWORD not in out
    code, out, _ = cli(capsys, monkeypatch, "user", "list", "--db", db_url)
    assert "lan.nt — Nguyễn Thị Lan: Quản trị (vô hiệu hóa)" in out
    code, _, err = cli(capsys, monkeypatch, "user", "disable", "khong.co", "--db", db_url)
    assert code == 2 and "Không có tài khoản «khong.co»" in err
    actions = set(store.audit_entries()["action"])
    assert {"user_add", "user_passwd", "user_role", "user_disable"} <= actions


def test_password_is_never_taken_from_the_command_line(capsys, monkeypatch, db_url):
    code, _, err = cli(capsys, monkeypatch, "user", "add", "lan.nt", "--role", "leader", "--db", db_url)
    assert code == 4 and "--password-stdin" in err  # no terminal: wrong usage, refused rather than hangs


# -- the dashboard's gate (AppTest) ---------------------------------------------------------


@pytest.fixture
def served(monkeypatch):
    """Run AppTest as a running server runs the router.

    Streamlit's old `pages/` folder mode is on only until the first `st.navigation` call in
    a server process, then off for good; AppTest turns it back on before every run, which
    would run page files directly (ui.page_context redirects them) instead of the router.
    This makes each AppTest run what every run on a server that has served one session is.
    """
    from streamlit.runtime import pages_manager
    from streamlit.testing.v1 import app_test

    base = pages_manager.PagesManager

    class Served(base):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            base.uses_pages_directory = False

    monkeypatch.setattr(app_test, "PagesManager", Served)
    monkeypatch.setattr(base, "uses_pages_directory", False)


@pytest.fixture
def login_app(db_url, monkeypatch, served):
    """An empty store (fast runs): the overview then says how to load data."""
    from cccd_analytics.store import Store

    monkeypatch.setenv("CCCD_DB_URL", db_url)
    monkeypatch.delenv("CCCD_DEMO_ROLE", raising=False)
    monkeypatch.delenv("CCCD_TRUSTED_USER_HEADER", raising=False)
    store = Store.open(db_url)
    add(store, "lanh.dao", "leader", full_name="Trần Văn Lãnh")
    add(store, "tong.hop", "analyst")
    add(store, "quan.tri", "admin")
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    return at, store


def sign_in(at, username, password=PASSWORD):
    at.text_input(key="_cccd_login_user").input(username)
    at.text_input(key="_cccd_login_password").input(password)
    next(b for b in at.button if b.label == "Đăng nhập").click()
    return at.run()


def on_overview(at) -> bool:
    """The overview ran (on an empty store it explains how to load data)."""
    return any("cccd sample" in i.value for i in at.info)


def assert_refused(at, page):
    """The page's URL gives the refusal: the page file is not registered for this role,
    and nothing of it runs."""
    with pytest.raises(ValueError, match="Could not find"):
        at.switch_page(f"pages/{page}.py")  # AppTest knows only the role's page files
    at.query_params.clear()
    assert not at.exception


def test_nothing_but_the_login_form_before_signing_in(login_app):
    at, _ = login_app
    at.run()
    assert not at.exception
    assert [s.value for s in at.subheader] == ["Đăng nhập"] and not at.metric and not at.dataframe
    assert [w.label for w in at.text_input] == ["Tên đăng nhập", "Mật khẩu"]
    assert "context" not in at.session_state and not on_overview(at)


def test_wrong_password_then_right_one_opens_the_overview(login_app):
    at, store = login_app
    sign_in(at.run(), "tong.hop", "sai-mat-khau")
    assert [e.value for e in at.error] == ["Sai tên đăng nhập hoặc mật khẩu."] and not on_overview(at)
    sign_in(at, "Tong.Hop")
    assert not at.exception and on_overview(at)
    assert "**tong\\.hop** · Cán bộ tổng hợp" in " ".join(c.value for c in at.sidebar.caption)
    log = store.audit_entries()
    assert log["action"].tolist()[:2] == ["login", "login_failed"] and set(log["username"][:2]) == {
        "tong.hop"
    }
    assert_refused(at, "settings")
    at.switch_page("pages/upload.py").run()
    assert not at.exception and at.title[0].value == "Nhập số liệu"


def test_lockout_is_shown_in_vietnamese(login_app):
    at, _ = login_app
    at.run()
    for _ in range(5):
        sign_in(at, "lanh.dao", "sai-mat-khau")
    assert "Tài khoản tạm khóa do nhập sai mật khẩu nhiều lần" in at.error[0].value
    sign_in(at, "lanh.dao")
    assert not on_overview(at) and "tạm khóa" in at.error[0].value


def test_leader_cannot_reach_upload_settings_or_audit(login_app):
    at, _ = login_app
    sign_in(at.run(), "lanh.dao")
    assert not at.exception and on_overview(at)
    for page in ("upload", "settings", "audit"):
        assert_refused(at, page)
    at.switch_page("pages/units.py").run()
    assert not at.exception


def test_admin_sees_the_audit_log_with_the_logins(login_app):
    at, store = login_app
    sign_in(at.run(), "tong.hop", "sai")
    sign_in(at, "quan.tri")
    at.switch_page("pages/audit.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert {"Đăng nhập", "Đăng nhập thất bại"} <= set(table["Thao tác"])
    assert "sai mật khẩu" in " ".join(table["Chi tiết"])
    accounts = at.dataframe[1].value
    assert set(accounts["Tên đăng nhập"]) == {"lanh.dao", "tong.hop", "quan.tri"}


def test_sign_out_is_audited(login_app):
    at, store = login_app
    sign_in(at.run(), "tong.hop")
    at.sidebar.button(key="_cccd_logout").click().run()
    assert not on_overview(at) and at.info[0].value == "Đã đăng xuất."
    assert store.audit_entries().iloc[0]["action"] == "logout"


def test_idle_session_ends_and_says_why(login_app):
    from dataclasses import replace

    from cccd_analytics.ui import login

    at, store = login_app
    sign_in(at.run(), "tong.hop")
    user = at.session_state[login.SESSION]
    at.session_state[login.SESSION] = replace(user, last_seen=user.last_seen - timedelta(minutes=31))
    at.run()
    assert not at.exception and not on_overview(at)
    assert "không hoạt động quá 30 phút" in at.info[0].value
    last = store.audit_entries().iloc[0]
    assert last["action"] == "logout" and json.loads(last["detail"])["reason"] == "idle"


def test_disabling_an_account_ends_its_open_session(login_app):
    at, store = login_app
    sign_in(at.run(), "tong.hop")
    store.set_user_active("tong.hop", False)
    at.run()
    assert not on_overview(at) and "vô hiệu hóa" in at.info[0].value


def test_role_change_applies_at_the_next_interaction(login_app):
    at, store = login_app
    sign_in(at.run(), "tong.hop")
    store.set_user_role("tong.hop", "leader")
    at.run()
    assert_refused(at, "upload")


def test_demo_mode_needs_the_variable_and_an_empty_user_table(db_url, monkeypatch, served):
    from cccd_analytics.store import Store

    monkeypatch.setenv("CCCD_DB_URL", db_url)
    monkeypatch.setenv("CCCD_DEMO_ROLE", "leader")
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    assert not at.exception and on_overview(at) and "Chế độ trình diễn" in at.sidebar.warning[0].value
    assert_refused(at, "upload")
    add(Store.open(db_url), "quan.tri", "admin")
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    assert not on_overview(at) and [s.value for s in at.subheader] == ["Đăng nhập"]


OIDC_SECRETS = {
    "auth": {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "x" * 40,
        "client_id": "cccd",
        "client_secret": "bi-mat",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
    },
    "cccd_oidc": {
        "role_claim": "realm_access.roles",
        "username_claim": "preferred_username",
        "roles": {"cccd-lanh-dao": "leader", "cccd-tong-hop": "analyst", "cccd-quan-tri": "admin"},
    },
}


def test_oidc_claim_gives_the_role(login_app):
    at, store = login_app
    at.secrets = OIDC_SECRETS
    at.user = {
        "is_logged_in": True,
        "preferred_username": "hoa.pt",
        "name": "Phạm Thị Hoa",
        "realm_access": {"roles": ["cccd-lanh-dao"]},
    }
    at.run()
    assert not at.exception and on_overview(at)
    assert "Phạm Thị Hoa" in " ".join(c.value for c in at.sidebar.caption)
    assert_refused(at, "upload")
    entry = store.audit_entries().iloc[0]
    assert entry["action"] == "login" and entry["username"] == "hoa.pt" and "oidc" in entry["detail"]


def test_oidc_identity_older_than_the_session_limit_is_signed_out(login_app):
    import time

    at, store = login_app
    at.secrets = OIDC_SECRETS
    at.user = {
        "is_logged_in": True,
        "preferred_username": "hoa.pt",
        "iat": time.time() - 13 * 3600,
        "realm_access": {"roles": ["cccd-lanh-dao"]},
    }
    at.run()
    assert not at.exception and not on_overview(at)
    entry = store.audit_entries().iloc[0]
    assert entry["action"] == "logout" and json.loads(entry["detail"])["reason"] == "max"


def test_oidc_user_without_a_role_gets_no_pages_and_a_disabled_account_stays_out(login_app):
    at, store = login_app
    at.secrets = OIDC_SECRETS
    at.user = {"is_logged_in": True, "preferred_username": "la.mat", "realm_access": {"roles": ["khac"]}}
    at.run()
    assert not on_overview(at) and "chưa được cấp quyền" in at.error[0].value
    # A users-table account gives the role when the claim gives none; disabling it wins over a claim.
    at.user = {"is_logged_in": True, "preferred_username": "tong.hop", "realm_access": {"roles": []}}
    at.run()
    assert on_overview(at)
    store.set_user_active("tong.hop", False)
    at.user = {
        "is_logged_in": True,
        "preferred_username": "tong.hop",
        "realm_access": {"roles": ["cccd-quan-tri"]},
    }
    at.run()
    assert not on_overview(at) and "chưa được cấp quyền" in at.error[0].value


def test_sso_button_is_offered_when_oidc_is_configured(login_app):
    at, _ = login_app
    at.secrets = OIDC_SECRETS
    at.user = {"is_logged_in": False}
    at.run()
    labels = [b.label for b in at.button]
    assert "Đăng nhập bằng tài khoản của đơn vị (SSO)" in labels and "Đăng nhập" in labels


def test_trusted_header_mode_without_the_header_lets_nobody_in(login_app, monkeypatch):
    at, _ = login_app
    monkeypatch.setenv("CCCD_TRUSTED_USER_HEADER", "X-Remote-User")
    at.run()
    assert not at.exception and not on_overview(at) and not at.text_input
    assert at.error  # no header (or not from the proxy): refused, and no password form either


def test_after_an_undo_the_undo_list_starts_on_no_upload(login_app):
    """Undone, the newest upload leaves the list and the next newest, an unrelated one, took
    its place under the same button: a second click undid it too."""
    from cccd_analytics import ingest

    at, store = login_app
    head = "Ngày,Huyện,Xã,Lũy kế thu nhận\n"
    for day, value in ((15, 300), (16, 320)):
        data = f"{head}{day}/03/2021,Huyện Kỳ Anh,Xã Kỳ Đồng,{value}\n".encode()
        assert ingest.import_bytes(store, data, f"bc_{day}.csv").status == "imported"
    sign_in(at.run(), "tong.hop")
    at.switch_page("pages/upload.py").run()
    (choice,) = [s for s in at.selectbox if s.label == "Hủy cả một lần nhập"]
    assert choice.value == 2  # after an import, on the newest: undoing what was just sent
    at.checkbox(key="undo_confirm").check().run()
    at.button(key="undo_button").click().run()
    assert not at.exception
    assert any("Đã hủy lần nhập số 2" in s.value for s in at.success)
    (choice,) = [s for s in at.selectbox if s.label == "Hủy cả một lần nhập"]
    assert choice.value is None
    at.checkbox(key="undo_confirm").check().run()
    assert at.button(key="undo_button").disabled
    assert store.list_uploads().set_index("id")["status"].to_dict() == {1: "active", 2: "undone"}
