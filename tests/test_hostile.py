"""Hostile names: stored verbatim, shown inert on every page, neutralised in every export.

Unit names, file names, campaign names and user names come from people and files.  A
commune called `<img src=x onerror=…>` or `=HYPERLINK("http://x")` must reach the store
exactly as written (an unofficial unit), never run in the browser, and never run in a
spreadsheet.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
import sqlalchemy as sa

from cccd_analytics import audit, exports, ingest
from cccd_analytics.store import Store
from tests.conftest import ROOT

HOSTILE = [
    '=HYPERLINK("http://x")',
    "<img src=x onerror=window.__pwned=1;alert(1)>",
    "<script>window.__pwned=2;alert(1)</script>",
    "'; DROP TABLE units; --",
    "**bold**",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+84 987 654 321",
    "-1+1",
]
HOSTILE_FILE = '=cmd|" /C calc"!A0 <img src=x onerror=alert(3)>.csv'
HOSTILE_CAMPAIGN = "<img src=x onerror=alert(4)> Chiến dịch =1+1 <script>alert(5)</script>"
HOSTILE_USER = "<img src=x onerror=alert(6)>"
KY_ANH_DAY = "2021-03-15"


def hostile_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["date", "province", "district", "commune", "eligible", "collected"])
    for i, name in enumerate(HOSTILE):
        writer.writerow([KY_ANH_DAY, "Tỉnh Hà Tĩnh", "Huyện Kỳ Anh", name, 1000 + i, 10 + i])
    return out.getvalue().encode("utf-8")


def load_hostile(store: Store) -> dict[str, str]:
    """Hostile units (via a real upload), a hostile campaign (selected by default: added
    last) and hostile audit entries; returns {name: unit key}."""
    from cccd_analytics import auth

    report = ingest.import_bytes(store, hostile_csv(), HOSTILE_FILE, uploaded_by=HOSTILE_USER)
    assert report.status == "imported", report.message
    store.audit("upload", HOSTILE_USER, upload_id=report.upload_id, file_name=HOSTILE_FILE)
    auth.authenticate(store, HOSTILE_USER, "x")  # a failed login with a hostile name
    auth.authenticate(store, "'; DROP TABLE users; --", "x")
    store.save_campaign(
        {
            "name": HOSTILE_CAMPAIGN,
            "start": date(2021, 2, 17),
            "deadline": date(2021, 6, 10),
            "target": "100%",
            "scope": ["Huyện Kỳ Anh"],
            "milestones": [
                {
                    "name": "**mốc** <b>in đậm</b>",
                    "deadline": date(2021, 5, 1),
                    "target": "50%",
                    "units": [HOSTILE[1]],
                }
            ],
        }
    )
    units = store.units()
    return {name: units.index[units["name"] == name][0] for name in HOSTILE}


# -- stored verbatim ------------------------------------------------------------------------


def test_hostile_names_are_stored_verbatim_as_unofficial_units(store):
    keys = load_hostile(store)
    units = store.units()
    for name, key in keys.items():
        assert units.at[key, "name"] == name and not units.at[key, "official"]
    with store.engine.connect() as conn:  # the SQL in a name was data, not a statement
        assert conn.execute(sa.text("select count(*) from units")).scalar_one() > 700
        assert conn.execute(sa.text("select count(*) from users")).scalar_one() == 0
    assert store.list_uploads()["file_name"].tolist() == [HOSTILE_FILE]
    assert set(store.audit_entries(username=HOSTILE_USER)["action"]) == {"upload", "login_failed"}
    assert any(d["name"] == HOSTILE_CAMPAIGN for d in store.campaign_definitions())


# -- neutralised in exports ---------------------------------------------------------------------

DANGEROUS_START = ("=", "+", "-", "@")


def assert_no_live_formula_in_csv(data: bytes) -> list[str]:
    cells = [c for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for c in row]
    live = [c for c in cells if c.startswith(DANGEROUS_START) and not exports._PLAIN_NUMBER.fullmatch(c)]
    assert not live, live
    return cells


def assert_no_live_formula_in_xlsx(data: bytes) -> list[str]:
    from openpyxl import load_workbook

    texts = []
    for ws in load_workbook(io.BytesIO(data)).worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert cell.data_type == "s", (cell.coordinate, cell.value)  # text, never a formula
                    assert not cell.value.startswith(DANGEROUS_START), cell.value
                    texts.append(cell.value)
    return texts


def test_audit_export_neutralises_formulas_and_keeps_the_text(store):
    load_hostile(store)
    table = audit.table(store.audit_entries())
    frame = table[["at", "username", "action_label", "details", "detail_json"]]
    cells = assert_no_live_formula_in_csv(exports.to_csv_bytes(frame))
    assert "'" + HOSTILE_FILE in " ".join(cells) or any(HOSTILE_FILE in c for c in cells)
    texts = assert_no_live_formula_in_xlsx(exports.to_xlsx_bytes({"Nhật ký": frame}))
    assert HOSTILE_USER in texts


def test_unit_tables_and_briefing_workbook_neutralise_formulas(store):
    from cccd_analytics import briefing
    from cccd_analytics.analytics import campaigns as camp
    from cccd_analytics.analytics import metrics

    keys = load_hostile(store)
    campaign = next(
        camp.from_definition(d) for d in store.campaign_definitions() if d["name"] == HOSTILE_CAMPAIGN
    )
    snap = metrics.snapshot(store.current_observations(), store.units(), campaign, date(2021, 3, 15))
    names = snap.units.loc[snap.units["key"].isin(keys.values()), ["name", "district", "collected"]]
    assert sorted(names["name"]) == sorted(HOSTILE)
    cells = assert_no_live_formula_in_csv(exports.to_csv_bytes(names))
    assert '\'=HYPERLINK("http://x")' in cells and "<script>window.__pwned=2;alert(1)</script>" in cells
    assert "'-1+1" in cells and "'+84 987 654 321" in cells
    texts = assert_no_live_formula_in_xlsx(exports.to_xlsx_bytes({"Đơn vị": names}))
    assert "'@SUM(1+1)*cmd|' /C calc'!A0" in texts
    workbook = assert_no_live_formula_in_xlsx(briefing.xlsx_bytes(snap))
    assert any(t.startswith("'=") or "HYPERLINK" in t for t in workbook) or workbook


# -- inert on every page (AppTest: renders; Playwright: no script runs) ----------------------------


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory) -> str:
    """The Kỳ Anh sample (small: pages are quick) and the hostile data."""
    from cccd_analytics.analytics import campaigns as camp
    from cccd_analytics.sample import SAMPLE_DIR

    path = tmp_path_factory.mktemp("hostile") / "hostile.sqlite"
    store = Store.open(f"sqlite:///{path}")
    folder = SAMPLE_DIR / "ky_anh_2021"
    assert ingest.import_file(store, folder / "observations.csv", uploaded_by="mẫu").status == "imported"
    store.save_campaign(
        camp.parse_toml((folder / "campaign.toml").read_text(encoding="utf-8")).to_definition()
    )
    keys = load_hostile(store)
    store.engine.dispose()
    return f"sqlite:///{path}", keys


def page_names() -> list[str]:
    import sys

    sys.path.insert(0, str(ROOT))
    from scripts.dashboard_pages import names

    return names()


@pytest.fixture(scope="module")
def hostile_server(hostile_db):
    from tests.browser_support import start_dashboard

    url, keys = hostile_db
    proc, address = start_dashboard(url)  # demo admin (tests/conftest.py): every page
    yield address, keys
    proc.terminate()
    proc.wait(timeout=10)


INJECTED = """() => ({
    pwned: window.__pwned ?? null,
    imgs: document.querySelectorAll('img[src="x"]').length,
    handlers: [...document.querySelectorAll('*')].filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
    scripts: [...document.querySelectorAll('script')].filter(s => s.textContent.includes('__pwned')).length,
    links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))
           .filter(h => /^\\s*(javascript|data|vbscript):/i.test(h)),
})"""


def console_errors(page) -> list[str]:
    """Console errors, except Streamlit's own probes of `<page>/_stcore/health|host-config`
    (404 by design on a page path; the client then finds the server root)."""
    errors = []
    page.on(
        "console",
        lambda m: (
            errors.append(f"{m.text} @ {m.location.get('url')}")
            if m.type == "error" and "/_stcore/" not in (m.location.get("url") or "")
            else None
        ),
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def watched_page(browser):
    """A tab that records dialogs (alert/confirm/prompt) and console errors."""
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.errors = console_errors(page)
    return page


def assert_inert(page, where: str) -> None:
    page.mouse.wheel(0, 4000)  # bring lazy content (charts, tables) into view
    found = page.evaluate(INJECTED)
    assert found == {"pwned": None, "imgs": 0, "handlers": 0, "scripts": 0, "links": []}, (where, found)
    assert not page.locator("[data-testid=stException]").count(), where
    assert page.dialogs == [] and page.errors == [], (where, page.dialogs, page.errors)


@pytest.mark.browser
def test_no_script_from_data_runs_on_any_page_and_names_appear_literally(hostile_server, browser):
    from tests.browser_support import wait_for_app

    server, keys = hostile_server
    page = watched_page(browser)
    page.goto(server)
    wait_for_app(page)
    assert_inert(page, "overview")
    visited = ["overview"]
    for name in page_names()[1:]:  # through the navigation: one session, every page
        # (a JS click: the navigation may fold its last entries away until hovered)
        page.locator(f'[data-testid=stSidebarNav] a[href$="/{name}"]').first.evaluate("a => a.click()")
        wait_for_app(page)
        assert_inert(page, name)
        if name == "presentation":  # slides are HTML built from names: escaped, shown as text
            assert HOSTILE_CAMPAIGN in page.locator("body").inner_text()
        visited.append(name)
    assert {"overview", "units", "unit", "map", "upload", "settings", "audit"} <= set(visited)
    # The unit page titles the unit: the name exactly as written.
    for name in (HOSTILE[1], HOSTILE[2]):
        page.goto(f"{server}/unit?don_vi={keys[name]}")
        wait_for_app(page)
        assert_inert(page, f"unit {name}")
        assert page.locator("h1").first.text_content().strip() == name
    page.close()


def test_markdown_in_names_reaches_st_title_escaped(hostile_db, monkeypatch):
    """AppTest shows the Markdown source a title is given: it must be the escaped name."""
    from streamlit.testing.v1 import AppTest

    from cccd_analytics import ui

    url, keys = hostile_db
    monkeypatch.setenv("CCCD_DB_URL", url)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.query_params["don_vi"] = keys["**bold**"]
    at.run()
    assert at.title[0].value == ui.md_escape(HOSTILE_CAMPAIGN)  # overview
    at.switch_page("pages/unit.py").run()
    assert at.title[0].value == ui.md_escape("**bold**")  # unit detail


def test_audit_filter_with_sql_in_the_user_name_is_just_text(store):
    load_hostile(store)
    found = store.audit_entries(username="'; DROP TABLE users; --")
    assert len(found) == 1 and json.loads(found.iloc[0]["detail"])["reason"] == "unknown_user"
    assert store.audit_entries(username="' OR '1'='1").empty
