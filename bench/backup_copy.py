"""Backup, restore and copy of the national store, SQLite and PostgreSQL; prints the figures.

    python bench/backup_copy.py [--scale nation|province] [--pg-url URL] [--repeat 2]

The store: the national data of bench/datagen.py (10,050 communes × 120 days = 1,182,303
commune-days in 63 province files; generated once into bench/out/data/nation, shared with
bench/run_all.py), loaded into SQLite by bench/measure.py (cached in bench/out/backup).

Each figure is a whole `cccd` process (python -m cccd_analytics …), as a cron job runs it,
timed from start to exit, with its peak memory (ru_maxrss), measured `--repeat` times in a
row (the first run is the cold one: a fresh process, the files maybe out of the page cache;
the fastest run is shown, every run is listed), next to a reference measured in the same run:

* SQLite backup: `cp` of the file (what the disk allows) and the bare online backup API
  without any check;
* PostgreSQL backup: a plain `pg_dump -Fc`;
* copy SQLite → PostgreSQL and restores: `pg_restore` of that dump into an empty database;
* copy PostgreSQL → SQLite: `cccd backup` of the SQLite store (SQLite writing the same pages).

The checksums that `cccd copy` prints for the source and the target are compared (they must
all be equal).  Load conditions: the machine is shared, so /proc/loadavg is recorded before and
after each figure.  Without --pg-url a throwaway PostgreSQL is started
(scripts/pg_test_server.sh) with PostgreSQL's durable defaults (fsync, synchronous_commit
and full_page_writes on, CCCD_TEST_PG_DURABLE=1) so that write times are not flattered.

Writes bench/out/backup/results.json and results.md.  Never fails on time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out" / "backup"
DATA = ROOT / "bench" / "out" / "data"
MIB = 2**20


def log(text: str) -> None:
    print(text, flush=True)


def load() -> str:
    return Path("/proc/loadavg").read_text().split(" ")[0] if Path("/proc/loadavg").exists() else "?"


TIME = shutil.which("time") or "/usr/bin/time"


def timed(command: list[str], env: dict | None = None, stdin=None) -> dict:
    """Run one whole process; wall time, its peak RSS, output, load before/after.

    The peak comes from GNU time (a small process that starts the command): ru_maxrss of a
    child forked from this Python process would count this process's memory too."""
    before = load()
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        wrapped = [TIME, "-f", "%M", "-o", rss.name, *command] if Path(TIME).exists() else command
        started = time.perf_counter()
        done = subprocess.run(
            wrapped, capture_output=True, text=True, stdin=stdin, env={**os.environ, **(env or {})}, cwd=ROOT
        )
        wall = time.perf_counter() - started
        lines = [line for line in Path(rss.name).read_text().splitlines() if line.strip().isdigit()]
    result = {
        "wall": round(wall, 2),
        "peak_mib": round(int(lines[-1]) / 1024, 1) if lines else None,
        "code": done.returncode,
        "out": done.stdout[-6000:],
        "err": done.stderr[-2000:],
        "load": f"{before} → {load()}",
    }
    if done.returncode:
        log(f"    ! exit {done.returncode}: {done.stderr.strip()[-400:]}")
    return result


def cccd(*args: str) -> list[str]:
    return [sys.executable, "-m", "cccd_analytics", *args]


def best(runs: list[dict]) -> dict:
    ok = [r for r in runs if r["code"] == 0]
    chosen = dict(min(ok, key=lambda r: r["wall"])) if ok else dict(runs[-1])
    chosen["runs"] = [r["wall"] for r in runs]
    chosen["first"] = runs[0]["wall"]
    chosen["peak_mib"] = max((r["peak_mib"] for r in runs if r["peak_mib"]), default=None)
    return chosen


# -- data and stores ------------------------------------------------------------------------


def national_files(scale_name: str) -> tuple[list[Path], dict]:
    """The canonical files of a scale (cached in bench/out/data/<scale>, as datagen.prepare does)."""
    from bench import datagen

    folder = DATA / scale_name
    done = folder / "done.json"
    stamp = DATA / "VERSION"
    if not stamp.exists() or stamp.read_text().strip() != str(datagen.VERSION) or not done.exists():
        log(f"generating the {scale_name} data (bench/datagen.py) …")
        started = time.perf_counter()
        frame = datagen.canonical_frame(datagen.scale(scale_name).communes)
        folder.mkdir(parents=True, exist_ok=True)
        files = (
            datagen.write_per_province(frame, folder)
            if scale_name == "nation"
            else [datagen.write_canonical_csv(frame, folder / f"{scale_name}.csv")]
        )
        done.write_text(json.dumps({"rows": len(frame), "files": [f.name for f in files]}))
        if not stamp.exists():
            stamp.write_text(str(datagen.VERSION))
        log(f"  {len(frame):,} rows in {len(files)} file(s), {time.perf_counter() - started:.0f} s")
    info = json.loads(done.read_text())
    campaign = datagen.campaign_toml(f"Chiến dịch thử tải — {scale_name}")
    return [folder / f for f in info["files"]], {"rows": info["rows"], "campaign": campaign}


def sqlite_store(scale_name: str) -> tuple[Path, dict]:
    files, info = national_files(scale_name)
    path = OUT / f"{scale_name}.sqlite"
    marker = OUT / f"{scale_name}.loaded.json"
    if not (path.exists() and marker.exists()):
        for stale in OUT.glob(f"{scale_name}.sqlite*"):
            stale.unlink()
        log(f"loading the {scale_name} store into SQLite (bench/measure.py ingest_many) …")
        done = subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "measure.py"),
                "ingest_many",
                f"sqlite:///{path}",
                json.dumps(info["campaign"]),
                *map(str, files),
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        if done.returncode:
            raise SystemExit(done.stderr[-2000:])
        figures = json.loads([line for line in done.stdout.splitlines() if line.startswith("{")][-1])
        marker.write_text(json.dumps(figures))
        log(f"  loaded in {figures['wall']} s")
    return path, info


class Postgres:
    """A server to measure on: the one given, or a throwaway one with durable settings."""

    def __init__(self, url: str | None):
        self.folder = None
        if url:
            self.base = url
            return
        self.folder = tempfile.mkdtemp(prefix="cccd-bench-pg-")
        # The test server runs without fsync unless told: a backup or copy is timed as
        # production writes it.
        started = subprocess.run(
            [str(ROOT / "scripts" / "pg_test_server.sh"), "start", self.folder],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "CCCD_TEST_PG_DURABLE": "1"},
        )
        self.base = started.stdout.strip().split("=", 1)[1]

    def sql(self, text: str, database: str | None = None):
        import sqlalchemy as sa

        engine = sa.create_engine(
            self.url(database) if database else self.base,
            isolation_level="AUTOCOMMIT",
            poolclass=sa.pool.NullPool,
        )
        try:
            with engine.connect() as conn:
                result = conn.execute(sa.text(text))
                return result.all() if result.returns_rows else None
        finally:
            engine.dispose()

    def url(self, database: str) -> str:
        import sqlalchemy as sa

        return sa.make_url(self.base).set(database=database).render_as_string(hide_password=False)

    def fresh(self, database: str) -> str:
        self.sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        self.sql(f'CREATE DATABASE "{database}"')
        return self.url(database)

    def libpq(self, database: str) -> str:
        import sqlalchemy as sa

        u = sa.make_url(self.base)
        return f"host={u.host} port={u.port} user={u.username} dbname={database}"

    def version(self) -> str:
        return self.sql("SHOW server_version")[0][0]

    def settings(self) -> str:
        rows = self.sql(
            "SELECT name, setting FROM pg_settings WHERE name IN "
            "('fsync','synchronous_commit','full_page_writes','shared_buffers')"
        )
        return ", ".join(f"{n}={v}" for n, v in rows)

    def close(self) -> None:
        if self.folder:
            subprocess.run([str(ROOT / "scripts" / "pg_test_server.sh"), "stop", self.folder], check=False)


CHECKSUM_LINE = re.compile(r"^\s+(\w+)\s+([\d.]+)\s+([0-9a-f]{16})$", re.M)


def printed_sums(output: str) -> dict[str, tuple[str, str]]:
    return {m.group(1): (m.group(2), m.group(3)) for m in CHECKSUM_LINE.finditer(output)}


def size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


# -- the run ------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", default="nation", choices=("nation", "province", "district"))
    ap.add_argument("--pg-url", default=None, help="a PostgreSQL server to use (its 'postgres' database URL)")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    work = OUT / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    store, info = sqlite_store(args.scale)
    sqlite_url = f"sqlite:///{store}"
    pg = Postgres(args.pg_url)
    figures: list[dict] = []
    sums: dict[str, dict] = {}

    def measure(label: str, command: list[str], prepare=None, env=None, stdin=None) -> dict:
        runs = []
        for _ in range(args.repeat):
            if prepare:
                prepare()
            runs.append(timed(command, env=env, stdin=stdin))
        chosen = best(runs)
        chosen["label"] = label
        log(
            f"  {label}: {chosen['wall']} s (runs {chosen['runs']}), peak {chosen['peak_mib']} MiB, load {chosen['load']}"
        )
        return chosen

    try:
        rows = None
        import sqlalchemy as sa

        engine = sa.create_engine(sqlite_url)
        with engine.connect() as conn:
            rows = {
                t: conn.execute(sa.text(f'select count(*) from "{t}"')).scalar_one()
                for t in ("observations", "uploads", "units", "current_values")
            }
        engine.dispose()
        log(f"store: {store} ({size(store) / MIB:,.0f} MiB), {rows}")

        # 1. SQLite backup, and its references.
        bak = work / "cccd.bak.sqlite"
        figures.append(
            {
                "what": "backup SQLite",
                "mine": measure("cccd backup (SQLite)", cccd("backup", str(bak), "--db", sqlite_url)),
                "ref": measure("cp of the file", ["cp", str(store), str(work / "cp.sqlite")]),
                "ref2": measure(
                    "online backup API alone, no check",
                    [
                        sys.executable,
                        "-c",
                        "import sqlite3,sys; s=sqlite3.connect(sys.argv[1]); d=sqlite3.connect(sys.argv[2]); "
                        "s.backup(d); d.close()",
                        str(store),
                        str(work / "raw.sqlite"),
                    ],
                    prepare=lambda: (work / "raw.sqlite").unlink(missing_ok=True),
                ),
                "size": size(bak),
            }
        )

        # 2. SQLite → PostgreSQL, with the checksums.
        target = pg.url("cccd_bench_copy")
        copy_up = measure(
            "cccd copy SQLite → PostgreSQL",
            cccd("copy", "--db", sqlite_url, "--to", target, "--yes"),
            prepare=lambda: pg.fresh("cccd_bench_copy"),
        )
        sums["sqlite→pg"] = printed_sums(copy_up["out"])

        # 3. PostgreSQL backup (pg_dump wrapper) and a plain pg_dump.
        dump = work / "cccd.dump"
        plain = work / "plain.dump"
        pg_dump = shutil.which("pg_dump") or "pg_dump"
        pg_restore = shutil.which("pg_restore") or "pg_restore"
        backup_pg = measure("cccd backup (PostgreSQL)", cccd("backup", str(dump), "--db", target))
        ref_dump = measure(
            "pg_dump -Fc alone", [pg_dump, "-Fc", "-f", str(plain), "-d", pg.libpq("cccd_bench_copy")]
        )
        figures.append({"what": "backup PostgreSQL", "mine": backup_pg, "ref": ref_dump, "size": size(dump)})

        # pg_restore of that dump into an empty database: PostgreSQL's own way in.
        ref_restore = measure(
            "pg_restore into an empty database",
            [pg_restore, "--no-owner", "-d", pg.libpq("cccd_bench_ref"), str(plain)],
            prepare=lambda: pg.fresh("cccd_bench_ref"),
        )
        figures.append({"what": "copy SQLite → PostgreSQL", "mine": copy_up, "ref": ref_restore})

        # 4. PostgreSQL → SQLite, with the checksums.
        back = work / "back.sqlite"

        def fresh_back():
            for f in work.glob("back.sqlite*"):
                f.unlink()

        copy_down = measure(
            "cccd copy PostgreSQL → SQLite",
            cccd("copy", "--db", target, "--to", f"sqlite:///{back}"),
            prepare=fresh_back,
        )
        sums["pg→sqlite"] = printed_sums(copy_down["out"])
        figures.append({"what": "copy PostgreSQL → SQLite", "mine": copy_down, "ref": figures[0]["mine"]})

        # 5. Restores.
        restored = work / "restored.sqlite"

        def fresh_restored():
            for f in work.glob("restored.sqlite*"):
                f.unlink()

        figures.append(
            {
                "what": "restore SQLite backup → SQLite",
                "mine": measure(
                    "cccd restore (SQLite)",
                    cccd("restore", str(bak), "--db", f"sqlite:///{restored}", "--yes"),
                    prepare=fresh_restored,
                ),
                "ref": figures[0]["ref"],
            }
        )
        figures.append(
            {
                "what": "restore pg_dump → PostgreSQL",
                "mine": measure(
                    "cccd restore (PostgreSQL)",
                    cccd("restore", str(dump), "--db", pg.url("cccd_bench_restore"), "--yes"),
                    prepare=lambda: pg.fresh("cccd_bench_restore"),
                ),
                "ref": ref_restore,
            }
        )
        equal = bool(sums["sqlite→pg"]) and sums["sqlite→pg"] == sums["pg→sqlite"]
        conditions = {
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
            "postgresql": f"{pg.version()} ({pg.settings()})",
            "store": {
                "file": str(store.name),
                "bytes": size(store),
                "rows": rows,
                "commune_days": info["rows"],
            },
            "load_at_end": Path("/proc/loadavg").read_text().strip()
            if Path("/proc/loadavg").exists()
            else "?",
        }
    finally:
        pg.close()

    results = {"conditions": conditions, "figures": figures, "checksums": sums, "checksums_equal": equal}
    (OUT / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str))
    md = render(results)
    (OUT / "results.md").write_text(md)
    print(md)
    shutil.rmtree(work, ignore_errors=True)
    return 0


def render(results: dict) -> str:
    def fig(r: dict | None) -> str:
        if not r:
            return "–"
        if r.get("code"):
            return f"failed (exit {r['code']})"
        peak = f" / {r['peak_mib']:,.0f} MiB" if r.get("peak_mib") else ""
        return f"{r['wall']:.1f} s{peak} (first {r['first']:.1f} s)"

    c = results["conditions"]
    lines = [
        f"Store: {c['store']['commune_days']:,} commune-days, {c['store']['rows']['observations']:,} observation rows, "
        f"{c['store']['bytes'] / MIB:,.0f} MiB SQLite file. Machine: {c['machine']}; PostgreSQL {c['postgresql']}.",
        "",
        "| what | cccd (best of runs / peak RSS; first run) | reference (same run) | load 1-min before → after | size |",
        "|---|---|---|---|---|",
    ]
    for f in results["figures"]:
        ref = fig(f.get("ref")) + f" — {f['ref']['label']}" if f.get("ref") else "–"
        if f.get("ref2"):
            ref += f"; {fig(f['ref2'])} — {f['ref2']['label']}"
        size = f"{f['size'] / MIB:,.0f} MiB" if f.get("size") else ""
        lines.append(f"| {f['what']} | {fig(f['mine'])} | {ref} | {f['mine']['load']} | {size} |")
    lines += [
        "",
        f"Checksums printed by `cccd copy`, SQLite → PostgreSQL and PostgreSQL → SQLite: "
        f"{'all equal' if results['checksums_equal'] else 'DIFFERENT'} "
        f"({len(results['checksums'].get('sqlite→pg', {}))} tables; observations "
        f"{results['checksums'].get('sqlite→pg', {}).get('observations', ('?', '?'))[1]}).",
        f"Load average at the end: {c['load_at_end']}.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
