"""Helpers shared by the browser tests and scripts: start a server, drive Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CCCD_CHROMIUM", "/usr/bin/chromium")
# Flags that keep Chromium off the network: closed police networks, and CI has none.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--lang=vi-VN",
]


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def wait_for_app(page, timeout: float = 60_000) -> None:
    """Wait until the Streamlit script has finished running (after load or a click)."""
    page.wait_for_selector("[data-testid=stApp]", timeout=timeout)
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid=stApp]');
            return app && app.getAttribute('data-test-script-state') === 'notRunning'
                && !document.querySelector('[data-testid=stSkeleton]');
        }""",
        timeout=timeout,
    )
    # A run may trigger another (redirects, query-param updates): wait until it stays idle.
    page.wait_for_timeout(700)
    page.wait_for_function(
        """() => document.querySelector('[data-testid=stApp]')
                 .getAttribute('data-test-script-state') === 'notRunning'""",
        timeout=timeout,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_server(url: str, timeout: float = 60.0) -> None:
    import urllib.request

    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"server at {url} did not start in {timeout} s")


def start_dashboard(
    db_url: str, port: int | None = None, flags: tuple[str, ...] = (), *, demo: bool = True, **env: str
) -> tuple[subprocess.Popen, str]:
    """Serve the dashboard on `db_url` and wait until it answers; (process, its URL).

    `flags` go to `streamlit run`, `env` to its environment.  `demo=False` drops
    CCCD_DEMO_ROLE (set for the tests by tests/conftest.py), so sign-in is required."""
    port = port or free_port()
    environment = {k: v for k, v in os.environ.items() if demo or k != "CCCD_DEMO_ROLE"}
    environment.update(CCCD_DB_URL=db_url, **env)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "dashboard.py"),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            *flags,
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_server(url)
    except RuntimeError:
        proc.kill()
        raise
    return proc, url


#: Where the browser tests leave their screenshots for a person to look at (git-ignored).
SHOTS = ROOT / "tests" / "fixtures" / "generated"


def shot(page, name: str, *, full_page: bool = False) -> None:
    """A screenshot of the page as the test left it, in SHOTS/name.png."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)
