"""Shared fixtures: fresh stores, the sample campaigns loaded once per session."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from cccd_analytics.sample import load_sample
from cccd_analytics.store import Store

ROOT = Path(__file__).resolve().parents[1]

# Property tests draw new examples on every local run (they have found real misplacements of
# hand-typed names), but CI draws the same ones every time: a landing must not turn red on a
# rare draw against code nobody touched.  A failure found locally becomes a plain test.
if os.environ.get("CI"):
    from hypothesis import settings

    settings.register_profile("ci", derandomize=True, database=None)
    settings.load_profile("ci")


def pytest_addoption(parser):
    parser.addoption("--no-browser", action="store_true", help="skip the headless-Chromium tests")


def pytest_collection_modifyitems(config, items):
    import os

    chromium = os.environ.get("CCCD_CHROMIUM", "/usr/bin/chromium")
    reason = None
    if config.getoption("--no-browser"):
        reason = "--no-browser"
    elif not Path(chromium).exists():
        reason = f"{chromium} missing (./dev test installs it)"
    if reason:
        skip = pytest.mark.skip(reason=reason)
        for item in items:
            if "browser" in item.keywords:
                item.add_marker(skip)


@pytest.fixture
def db_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'cccd.sqlite'}"


@pytest.fixture
def store(db_url) -> Store:
    return Store.open(db_url)


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory) -> Path:
    """An SQLite file with the sample campaigns, built once; copy it before writing."""
    path = tmp_path_factory.mktemp("sample") / "sample.sqlite"
    store = Store.open(f"sqlite:///{path}")
    reports = load_sample(store)
    assert all(r.status == "imported" for r in reports), [r.message for r in reports]
    store.engine.dispose()  # the last connection closing checkpoints the WAL into the file
    return path


@pytest.fixture
def sample_url(sample_db, tmp_path) -> str:
    """A private copy of the sample database, safe to change."""
    copy = tmp_path / "sample-copy.sqlite"
    shutil.copy(sample_db, copy)
    return f"sqlite:///{copy}"


# -- login --------------------------------------------------------------------
# The dashboard asks everyone to sign in unless a demo is configured.  The page and browser
# tests that predate login run it as the demo admin; tests of login itself remove this
# (monkeypatch.delenv or an explicit env for the server they start).
os.environ.setdefault("CCCD_DEMO_ROLE", "admin")

# What processes keep between them (cccd_analytics.startup_cache) goes to a folder of this
# run, shared by the processes the tests start, never the user's own cache.
os.environ.setdefault("CCCD_CACHE_DIR", tempfile.mkdtemp(prefix="cccd-test-cache-"))


# -- PostgreSQL ----------------------------------------------------------------
PG_SKIP = (
    "CCCD_TEST_PG_URL is not set: no PostgreSQL server to test against "
    "(./dev test starts one with scripts/pg_test_server.sh)"
)


def _pg_database_url(base: str, name: str) -> str:
    import sqlalchemy as sa

    return sa.make_url(base).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_template():
    """A PostgreSQL database migrated and seeded once, copied for each test (CREATE … TEMPLATE)."""
    import sqlalchemy as sa

    base = os.environ.get("CCCD_TEST_PG_URL")
    if not base:
        pytest.skip(PG_SKIP)
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    name = f"cccd_template_{os.getpid()}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    Store.open(_pg_database_url(base, name)).engine.dispose()
    yield admin, base, name
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def pg_url(pg_template) -> str:
    """A fresh, migrated PostgreSQL database for one test; dropped afterwards."""
    import uuid

    import sqlalchemy as sa

    admin, base, template = pg_template
    name = f"cccd_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield _pg_database_url(base, name)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def collected(report) -> dict:
    """An import report's running totals by (unit key, day): what a test compares."""
    obs = report.observations
    obs = obs[obs["metric"] == "collected"]
    return {
        (k, d.date() if hasattr(d, "date") else d): int(v)
        for k, d, v in obs[["unit_key", "date", "value"]].itertuples(index=False)
    }


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_text(text, encoding=encoding)
    return path


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (the system's, kept off the network), one per test module."""
    from playwright.sync_api import sync_playwright

    from tests.browser_support import launch_chromium

    with sync_playwright() as p:
        chromium = launch_chromium(p)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def server(sample_db, tmp_path_factory):
    """The dashboard served on a copy of the sample database, one per test module (a module
    whose tests need another store defines its own `server`)."""
    import shutil

    from tests.browser_support import start_dashboard

    copy = tmp_path_factory.mktemp("browser") / "db.sqlite"
    shutil.copy(sample_db, copy)
    proc, url = start_dashboard(f"sqlite:///{copy}")
    yield url
    proc.terminate()
    proc.wait(timeout=10)
