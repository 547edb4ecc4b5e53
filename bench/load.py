"""Concurrent viewers against a local dashboard: page time p50/p95 for 5, 20 and 50 viewers.

    python bench/load.py                       # 1 replica, WebSocket viewers, 5/20/50
    python bench/load.py --replicas 2 --proxy  # 2 replicas behind nginx (deploy/nginx.conf)
    python bench/load.py --mode browser --viewers 5 20   # headless Chromium tabs instead
    python bench/load.py --db postgresql+psycopg://…      # a database with the samples loaded
    python bench/load.py --postgres                       # a throwaway PostgreSQL started for the run

Starts its own server(s) on 127.0.0.1 with the bundled samples (demo mode, role leader),
then for each level N opens N viewers at once.  Each viewer opens the dashboard and visits
`--pages` (overview, units, unit, map by default) one after the other, as a person clicking
through; a page's time is from asking for it to the end of its script run
(`script_finished`), as the server sees it — or, in browser mode, until Streamlit reports
the page idle in Chromium.  Bounded: at most 100 viewers, `--deadline` seconds per level,
loopback only.  Prints a table; never fails on time (it is not a test).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, free_port, wait_for_server  # noqa: E402

DEFAULT_PAGES = ["overview", "units", "unit", "map"]
MAX_VIEWERS = 100


@dataclass
class Level:
    viewers: int
    times: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wall: float = 0.0


# -- servers ---------------------------------------------------------------------------------


def sample_database(directory: Path, url: str | None = None) -> str:
    """The bundled samples loaded into `url` (default: a fresh SQLite file in `directory`),
    and their figures computed once, as an import leaves them (cccd_analytics.shared)."""
    from cccd_analytics import shared
    from cccd_analytics.sample import load_sample
    from cccd_analytics.store import Store

    url = url or f"sqlite:///{directory / 'bench.sqlite'}"
    store = Store.open(url)
    load_sample(store)
    shared.refresh(store)
    store.engine.dispose()
    return url


def start_postgresql(directory: Path) -> str:
    """A throwaway PostgreSQL server (scripts/pg_test_server.sh) in `directory`: its URL."""
    done = subprocess.run(
        [str(ROOT / "scripts" / "pg_test_server.sh"), "start", str(directory)],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().split("=", 1)[1]


def stop_postgresql(directory: Path) -> None:
    subprocess.run([str(ROOT / "scripts" / "pg_test_server.sh"), "stop", str(directory)], capture_output=True)


def start_replica(db_url: str, port: int, log: Path) -> subprocess.Popen:
    env = dict(
        os.environ,
        CCCD_DB_URL=db_url,
        CCCD_DEMO_ROLE="leader",
        STREAMLIT_SERVER_COOKIE_SECRET="bench-only-" + "x" * 32,
    )
    return subprocess.Popen(
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
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def loopback_nginx_conf(ports: list[int], listen: int, workdir: Path) -> Path:
    """deploy/nginx.conf made runnable on loopback, without TLS: the same maps, sticky
    upstream, WebSocket and headers, pointed at the bench's replica ports."""
    import re

    site = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    site = re.sub(r"server \{\s*listen 80;.*?\n\}\n", "", site, count=1, flags=re.S)  # the :80 redirect
    site = re.sub(r"\n\s*listen \[::\]:443[^\n]*", "", site)
    site = re.sub(r"listen 443 ssl[^\n]*", f"listen 127.0.0.1:{listen};", site)
    site = re.sub(r"\n\s*ssl_[^\n]*", "", site)
    site = site.replace("; Secure;", ";").replace("server_name cccd.example.vn;", "server_name 127.0.0.1;")
    site = re.sub(r"server 127\.0\.0\.1:8501", f"server 127.0.0.1:{ports[0]}", site)
    if len(ports) > 1:
        site = re.sub(r"server 127\.0\.0\.1:8502", f"server 127.0.0.1:{ports[1]}", site)
    else:
        site = re.sub(r"\n\s*server 127\.0\.0\.1:8502[^\n]*", "", site)
    conf = workdir / "nginx.conf"
    conf.write_text(
        f"""
worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {workdir}/body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;
{site}
}}
""",
        encoding="utf-8",
    )
    return conf


class Servers:
    def __init__(self, args, workdir: Path):
        self.args, self.workdir, self.procs = args, workdir, []
        self.url = ""
        self.replica_urls: list[str] = []
        self.pg_dir: Path | None = None

    def __enter__(self) -> Servers:
        if self.args.postgres:
            self.pg_dir = Path(tempfile.mkdtemp(prefix="cccd-load-pg-"))
            db = sample_database(self.workdir, start_postgresql(self.pg_dir))
        else:
            db = self.args.db or sample_database(self.workdir)
        self.db_kind = db.split(":", 1)[0].split("+", 1)[0]
        ports = [free_port() for _ in range(self.args.replicas)]
        for i, port in enumerate(ports):
            self.procs.append(start_replica(db, port, self.workdir / f"replica-{i}.log"))
        self.replicas = list(self.procs)
        self.replica_urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url in self.replica_urls:
            wait_for_server(url, timeout=90)
        self.url = f"http://127.0.0.1:{ports[0]}"
        if self.args.proxy:
            nginx = shutil.which("nginx") or "/usr/sbin/nginx"
            listen = free_port()
            conf = loopback_nginx_conf(ports, listen, self.workdir)
            subprocess.run([nginx, "-t", "-q", "-c", str(conf), "-p", str(self.workdir)], check=True)
            self.procs.append(
                subprocess.Popen([nginx, "-c", str(conf), "-p", str(self.workdir), "-g", "daemon off;"])
            )
            self.url = f"http://127.0.0.1:{listen}"
            wait_for_server(self.url, timeout=30)
        elif self.args.replicas > 1:
            self.url = ",".join(f"http://127.0.0.1:{p}" for p in ports)  # viewers spread round-robin
        return self

    def __exit__(self, *exc) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        if self.pg_dir is not None:
            stop_postgresql(self.pg_dir)


# -- WebSocket viewers (Streamlit's own protocol) ------------------------------------------


async def ws_viewer(base: str, pages: list[str], level: Level) -> None:
    import urllib.request

    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.util import calc_hash
    from websockets.asyncio.client import connect

    headers = {}
    # Like a browser: load the page first (a proxy sets its sticky-route cookie there).
    response = await asyncio.to_thread(urllib.request.urlopen, base + "/", timeout=30)
    cookie = response.headers.get("Set-Cookie")
    if cookie:
        headers["Cookie"] = cookie.split(";", 1)[0]
    ws_url = base.replace("http://", "ws://") + "/_stcore/stream"
    async with connect(
        ws_url,
        subprotocols=["streamlit"],
        additional_headers=headers,
        max_size=2**27,
        open_timeout=30,
        ping_interval=None,
    ) as ws:
        for i, page in enumerate(pages):
            message = BackMsg()
            message.rerun_script.query_string = ""
            message.rerun_script.page_script_hash = "" if i == 0 else calc_hash(page)
            message.rerun_script.page_name = "" if i == 0 else page
            started = time.perf_counter()
            await ws.send(message.SerializeToString())
            while True:
                forward = ForwardMsg()
                forward.ParseFromString(await ws.recv())
                kind = forward.WhichOneof("type")
                if kind == "script_finished":
                    if forward.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                        break
                    if forward.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                        raise RuntimeError(f"{page}: compile error")
                elif kind == "page_not_found":
                    raise RuntimeError(f"{page}: page not found")
                elif kind == "delta" and forward.delta.new_element.WhichOneof("type") == "exception":
                    raise RuntimeError(f"{page}: {forward.delta.new_element.exception.message[:200]}")
            level.times.append(time.perf_counter() - started)


async def run_ws_level(url: str, n: int, pages: list[str], deadline: float) -> Level:
    level = Level(n)
    bases = url.split(",")

    async def one(i: int) -> None:
        try:
            await ws_viewer(bases[i % len(bases)], pages, level)
        except Exception as exc:  # noqa: BLE001 — counted and shown, the bench goes on
            level.errors.append(f"{type(exc).__name__}: {exc}"[:200])

    started = time.perf_counter()
    try:
        await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(n))), timeout=deadline)
    except TimeoutError:
        level.errors.append(f"deadline of {deadline:.0f} s reached")
    level.wall = time.perf_counter() - started
    return level


# -- browser viewers (Chromium tabs) -------------------------------------------------------

READY = """() => { const a = document.querySelector('[data-testid=stApp]');
    return a && a.getAttribute('data-test-script-state') === 'notRunning'
        && document.querySelector('[data-testid=stMain] [data-testid=stElementContainer]')
        && !document.querySelector('[data-testid=stSkeleton]'); }"""


async def browser_viewer(browser, base: str, pages: list[str], level: Level) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = await context.new_page()
        for i, name in enumerate(pages):
            started = time.perf_counter()
            await page.goto(f"{base}/{name if i else ''}", wait_until="commit", timeout=120_000)
            await page.wait_for_function(READY, timeout=120_000, polling=100)
            level.times.append(time.perf_counter() - started)
    finally:
        await context.close()


async def run_browser_level(url: str, n: int, pages: list[str], deadline: float) -> Level:
    """N Chromium tabs (one browser, one context each), all at once.  The browser runs on the
    same machine as the server, so on 2 cores this measures both together."""
    from playwright.async_api import async_playwright

    level = Level(n)
    bases = url.split(",")
    started = time.perf_counter()
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)

        async def one(i: int) -> None:
            try:
                await browser_viewer(browser, bases[i % len(bases)], pages, level)
            except Exception as exc:  # noqa: BLE001
                level.errors.append(f"{type(exc).__name__}: {exc}"[:200])

        try:
            await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(n))), timeout=deadline)
        except TimeoutError:
            level.errors.append(f"deadline of {deadline:.0f} s reached")
        await browser.close()
    level.wall = time.perf_counter() - started
    return level


# -- report ----------------------------------------------------------------------------------


def cpu_seconds(procs: list[subprocess.Popen]) -> float:
    """CPU time (user + system) the replicas have used so far: per page run, the figure that
    a machine shared with other work changes least."""
    total = 0.0
    for proc in procs:
        try:
            fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            pass
    return total


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--viewers", type=int, nargs="+", default=[5, 20, 50])
    parser.add_argument("--mode", choices=("ws", "browser"), default="ws")
    parser.add_argument("--replicas", type=int, choices=(1, 2), default=1)
    parser.add_argument(
        "--proxy", action="store_true", help="front the replicas with nginx (deploy/nginx.conf)"
    )
    parser.add_argument("--pages", nargs="+", default=DEFAULT_PAGES)
    parser.add_argument("--db", default=None, help="a database with the samples (default: a fresh SQLite)")
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="start a throwaway PostgreSQL (scripts/pg_test_server.sh) with the samples, stopped at the end",
    )
    parser.add_argument("--json", type=Path, help="also write the figures of each level to this file")
    parser.add_argument("--deadline", type=float, default=300, help="seconds allowed per level")
    args = parser.parse_args()
    if any(not 1 <= n <= MAX_VIEWERS for n in args.viewers):
        parser.error(f"viewers must be between 1 and {MAX_VIEWERS}")
    if args.db and not args.db.startswith(
        (
            "sqlite:",
            "postgresql+psycopg://cccd@127.0.0.1",
            "postgresql+psycopg://localhost",
            "postgresql://localhost",
        )
    ):
        from sqlalchemy import make_url

        if make_url(args.db).host not in (None, "127.0.0.1", "localhost", "::1"):
            parser.error("--db must be on this machine (loopback only)")

    workdir = Path(tempfile.mkdtemp(prefix="cccd-load-"))
    try:
        with Servers(args, workdir) as servers:
            where = f"{args.replicas} replica(s)" + (" behind nginx" if args.proxy else "")
            print(f"{where}, {os.cpu_count()} CPU, {args.mode} viewers, pages: {' → '.join(args.pages)}")
            # Warm up every replica directly: the first run computes and caches the snapshots.
            for replica in servers.replica_urls:
                runner = run_ws_level if args.mode == "ws" else run_browser_level
                warm = asyncio.run(runner(replica, 1, args.pages, args.deadline))
                if warm.errors:
                    print("warm-up errors:", warm.errors[:3])
            print(f"{'viewers':>8} {'pages':>6} {'p50 s':>7} {'p95 s':>7} {'max s':>7} {'wall s':>7} errors")
            found = []
            for n in args.viewers:
                runner = run_ws_level if args.mode == "ws" else run_browser_level
                cpu = cpu_seconds(servers.replicas)
                level = asyncio.run(runner(servers.url, n, args.pages, args.deadline))
                cpu = cpu_seconds(servers.replicas) - cpu
                if level.times:
                    print(
                        f"{n:>8} {len(level.times):>6} {percentile(level.times, 0.5):>7.2f} "
                        f"{percentile(level.times, 0.95):>7.2f} {max(level.times):>7.2f} {level.wall:>7.1f} "
                        f"{len(level.errors)}"
                    )
                else:
                    print(f"{n:>8} {0:>6} {'—':>7} {'—':>7} {'—':>7} {level.wall:>7.1f} {len(level.errors)}")
                found.append(
                    dict(
                        viewers=n,
                        pages=len(level.times),
                        p50=percentile(level.times, 0.5) if level.times else None,
                        p95=percentile(level.times, 0.95) if level.times else None,
                        max=max(level.times) if level.times else None,
                        wall=level.wall,
                        errors=len(level.errors),
                        cpu_per_page=cpu / len(level.times) if level.times else None,
                        load_average=os.getloadavg()[0],
                    )
                )
                if args.json:
                    args.json.write_text(
                        json.dumps(dict(where=where, db=servers.db_kind, levels=found), indent=1)
                    )
                for error in sorted(set(level.errors))[:3]:
                    print(f"{'':>8} ! {error}")
                if level.times:
                    print(
                        f"{'':>8}   mean {statistics.mean(level.times):.2f} s over {len(level.times)} page runs; "
                        f"replicas' CPU {cpu / len(level.times) * 1000:.0f} ms per page run; "
                        f"load average {os.getloadavg()[0]:.1f}"
                    )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
