"""Shared fixtures: fresh stores, the sample campaigns loaded once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cccd_analytics.cli import load_sample
from cccd_analytics.store import Store

ROOT = Path(__file__).resolve().parents[1]


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


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_text(text, encoding=encoding)
    return path
