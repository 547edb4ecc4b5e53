"""Login in a real browser: the form, roles per page by URL, and trusted proxy headers.

The server is started fresh without demo mode, so the first request takes Streamlit's
old `pages/` folder path too (a page file run directly and sent through the router).
"""

from __future__ import annotations

import subprocess

import pytest

from cccd_analytics import auth, ingest
from cccd_analytics.store import Store
from tests.browser_support import free_port, start_dashboard, wait_for_app

pytestmark = pytest.mark.browser
PASSWORD = "Kỳ-Anh-2021-cao-điểm"


def start(
    db_url: str, port: int | None = None, flags: tuple[str, ...] = (), **env
) -> tuple[subprocess.Popen, str]:
    """The dashboard without demo mode: sign-in required."""
    return start_dashboard(db_url, port, flags, demo=False, **env)


@pytest.fixture(scope="module")
def accounts_db(tmp_path_factory) -> str:
    from cccd_analytics.analytics import campaigns as camp
    from cccd_analytics.sample import SAMPLE_DIR

    url = f"sqlite:///{tmp_path_factory.mktemp('login') / 'cccd.sqlite'}"
    store = Store.open(url)
    folder = SAMPLE_DIR / "ky_anh_2021"
    assert ingest.import_file(store, folder / "observations.csv").status == "imported"
    store.save_campaign(
        camp.parse_toml((folder / "campaign.toml").read_text(encoding="utf-8")).to_definition()
    )
    for name, role in (("lanh.dao", "leader"), ("tong.hop", "analyst")):
        store.add_user(name, role, auth.hash_password(PASSWORD), full_name=None)
    store.engine.dispose()
    return url


@pytest.fixture(scope="module")
def provider():
    p = FakeProvider(
        {
            "preferred_username": "hoa.pt",
            "name": "Phạm Thị Hoa",
            "realm_access": {"roles": ["offline_access", "cccd-tong-hop"]},
        }
    )
    yield p
    p.close()


@pytest.fixture(scope="module")
def server(accounts_db, provider, tmp_path_factory):
    """Local accounts and single sign-on (OpenID Connect) side by side, as a unit may run them."""
    port = free_port()
    secrets_file = tmp_path_factory.mktemp("oidc") / "secrets.toml"
    secrets_file.write_text(
        f'''
[auth]
redirect_uri = "http://127.0.0.1:{port}/oauth2callback"
cookie_secret = "{"k" * 48}"
client_id = "cccd-dashboard"
client_secret = "bi-mat-cua-ung-dung"
server_metadata_url = "{provider.url}/.well-known/openid-configuration"

[cccd_oidc]
role_claim = "realm_access.roles"
[cccd_oidc.roles]
"cccd-lanh-dao" = "leader"
"cccd-tong-hop" = "analyst"
''',
        encoding="utf-8",
    )
    proc, url = start(accounts_db, port, ("--secrets.files", str(secrets_file)))
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu", exact=True).fill(password)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    wait_for_app(page)


def nav_links(page) -> set[str]:
    hrefs = page.locator("[data-testid=stSidebarNav] a").evaluate_all(
        "as => as.map(a => a.getAttribute('href'))"
    )
    return {h.rstrip("/").rsplit("/", 1)[-1] for h in hrefs}


def test_leader_opening_upload_or_settings_by_url_does_not_get_them(server, browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    page.goto(server + "/upload")  # the very first request to this server
    wait_for_app(page)
    page.get_by_role("heading", name="Đăng nhập").wait_for()
    assert not page.locator("[data-testid=stFileUploader]").count()
    sign_in(page, "lanh.dao", "sai-mat-khau")
    page.get_by_text("Sai tên đăng nhập hoặc mật khẩu.").wait_for()
    sign_in(page, "lanh.dao")
    page.get_by_role("heading", name="Không có quyền truy cập").wait_for()
    assert not page.locator("[data-testid=stFileUploader]").count()
    assert not page.get_by_role("heading", name="Nhập số liệu").count()
    links = nav_links(page)
    assert {"units", "map"} <= links and not links & {"upload", "settings", "audit", "quality"}
    # A new tab is a new session: the URL again asks who you are, then refuses.
    other = context.new_page()
    other.goto(server + "/settings")
    wait_for_app(other)
    sign_in(other, "lanh.dao")
    other.get_by_role("heading", name="Không có quyền truy cập").wait_for()
    assert not other.get_by_role("heading", name="Cài đặt chiến dịch").count()
    assert not other.locator("[data-testid=stForm]").count()
    # The leader's own pages work, through the navigation.
    other.locator('[data-testid=stSidebarNav] a[href$="/units"]').first.click()
    wait_for_app(other)
    other.get_by_role("heading", name="Đơn vị").first.wait_for()
    context.close()


def test_analyst_signs_in_and_lands_on_the_bookmarked_upload_page(server, browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    page.goto(server + "/upload")
    wait_for_app(page)
    sign_in(page, "tong.hop")
    page.locator("[data-testid=stFileUploader]").wait_for()
    assert page.get_by_role("heading", name="Nhập số liệu").is_visible()
    assert "settings" not in nav_links(page)
    page.get_by_role("button", name="Đăng xuất").click()
    page.get_by_text("Đã đăng xuất.").wait_for()
    # Elements of the page signed out of go stale first and are removed when the run ends.
    page.locator("[data-testid=stFileUploader]").wait_for(state="detached", timeout=30_000)
    context.close()


def test_trusted_proxy_header_signs_in_with_the_role_from_the_users_table(accounts_db, browser):
    proc, url = start(accounts_db, CCCD_TRUSTED_USER_HEADER="X-Remote-User")
    try:
        # As nginx would send it after authenticating the user (deploy/nginx.conf).
        context = browser.new_context(extra_http_headers={"X-Remote-User": "lanh.dao"})
        page = context.new_page()
        page.goto(url + "/upload")
        wait_for_app(page)
        page.get_by_role("heading", name="Không có quyền truy cập").wait_for()
        assert "units" in nav_links(page) and "upload" not in nav_links(page)
        assert not page.get_by_label("Mật khẩu", exact=True).count()  # no password form in this mode
        context.close()
        context = browser.new_context(extra_http_headers={"X-Remote-User": "khong.co"})
        page = context.new_page()
        page.goto(url)
        wait_for_app(page)
        page.get_by_text("chưa được cấp quyền").wait_for()
        assert not nav_links(page) & {"units"}
        context.close()
        context = browser.new_context()  # no header: nobody
        page = context.new_page()
        page.goto(url)
        wait_for_app(page)
        page.get_by_text("không gửi danh tính").wait_for()
        context.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    store = Store.open(accounts_db)
    log = store.audit_entries(action=["login", "login_failed"])
    assert {("lanh.dao", "login"), ("khong.co", "login_failed")} <= set(
        zip(log["username"], log["action"], strict=True)
    )


# -- OpenID Connect end to end, against a small provider run by the test ---------------------


class FakeProvider:
    """Just enough of an OpenID Connect provider (Keycloak-like claims) on loopback: discovery,
    an authorize endpoint that signs the user in at once, a token endpoint issuing an RS256 ID
    token with the request's nonce, and the key set."""

    def __init__(self, claims: dict):
        import json
        import secrets
        import threading
        import time
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from urllib.parse import parse_qs, urlencode, urlparse

        from joserfc import jwt
        from joserfc.jwk import RSAKey

        key = RSAKey.generate_key(2048, parameters={"kid": "cccd-test", "use": "sig", "alg": "RS256"})
        nonces: dict[str, str] = {}
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def reply(self, status: int, body: dict | None = None, location: str | None = None):
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                data = json.dumps(body or {}).encode()
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/.well-known/openid-configuration":
                    base = provider.url
                    self.reply(
                        200,
                        {
                            "issuer": base,
                            "authorization_endpoint": base + "/authorize",
                            "token_endpoint": base + "/token",
                            "jwks_uri": base + "/jwks",
                            "response_types_supported": ["code"],
                            "subject_types_supported": ["public"],
                            "id_token_signing_alg_values_supported": ["RS256"],
                        },
                    )
                elif url.path == "/authorize":
                    code = secrets.token_urlsafe(16)
                    nonces[code] = query.get("nonce", "")
                    provider.authorize_requests.append(query)
                    target = query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})
                    self.reply(302, location=target)
                elif url.path == "/jwks":
                    self.reply(200, {"keys": [key.as_dict(private=False)]})
                else:
                    self.reply(404)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if self.path != "/token" or form.get("code") not in nonces:
                    return self.reply(400, {"error": "invalid_grant"})
                now = int(time.time())
                id_claims = {
                    "iss": provider.url,
                    "aud": "cccd-dashboard",
                    "sub": "u-1",
                    "iat": now,
                    "exp": now + 300,
                    "auth_time": now,
                    "nonce": nonces.pop(form["code"]),
                    **provider.claims,
                }
                token = jwt.encode({"alg": "RS256", "kid": "cccd-test"}, id_claims, key)
                self.reply(
                    200,
                    {
                        "access_token": secrets.token_urlsafe(16),
                        "token_type": "Bearer",
                        "expires_in": 300,
                        "id_token": token,
                    },
                )

        self.claims = claims
        self.authorize_requests: list[dict] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_single_sign_on_through_an_openid_connect_provider(server, provider, accounts_db, browser):
    url = server
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    page.goto(url)
    wait_for_app(page)
    page.get_by_role("button", name="Đăng nhập bằng tài khoản của đơn vị (SSO)").click()
    page.wait_for_url(f"{url}/**", timeout=30_000)
    wait_for_app(page)
    page.get_by_role("button", name="Đăng xuất").wait_for()
    assert provider.authorize_requests and provider.authorize_requests[-1]["client_id"] == "cccd-dashboard"
    sidebar = page.locator("[data-testid=stSidebar]").inner_text()
    assert "Phạm Thị Hoa" in sidebar and "Cán bộ tổng hợp" in sidebar
    assert "upload" in nav_links(page) and "settings" not in nav_links(page)
    page.reload()  # Streamlit's signed cookie keeps the identity across a reload
    wait_for_app(page)
    page.get_by_role("button", name="Đăng xuất").wait_for()
    assert "Phạm Thị Hoa" in page.locator("[data-testid=stSidebar]").inner_text()
    page.get_by_role("button", name="Đăng xuất").click()  # clears the cookie, back to the sign-in screen
    page.get_by_role("button", name="Đăng nhập bằng tài khoản của đơn vị (SSO)").wait_for(timeout=30_000)
    assert not page.locator("[data-testid=stSidebarNav]").count()
    context.close()
    log = Store.open(accounts_db).audit_entries(username="hoa.pt")
    assert "login" in set(log["action"]) and "oidc" in " ".join(log["detail"])
