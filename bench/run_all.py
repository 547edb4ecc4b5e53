"""Every scale benchmark in one command; prints the results table in Markdown.

    python bench/run_all.py [--quick] [--baseline REV] [--repeat N] [--out bench/out]

Needs DuckDB for the ingestion reference, which is not a runtime dependency:

    .venv/bin/pip install -r requirements-bench.txt

Generates the data (bench/datagen.py; cached in bench/out/data, git-ignored), then runs
each measurement in a fresh subprocess (bench/measure.py) so that peak memory
(ru_maxrss) never bleeds from one into the next, and prints one table: wall time and
peak RSS of each figure beside its reference (measured in the same run) and its goal.

* full mode (default, ~10 min on 2 cores): district (20 communes), province (460) and
  nation (10,050 communes in 63 province files) × 120 days; per-record exports of 1M
  and 10M rows; a 100,000-row xlsx.
* ``--quick`` (~2 min): district and province only, a 200,000-row export, a 20,000-row
  xlsx.
* ``--baseline REV``: also measure the code of git revision REV (extracted with ``git
  archive`` into bench/out/baseline) on the same data, for a before → after column.  The
  baseline's national load is skipped (it took 11 minutes); the analytics of the nation
  are measured on the store this run built (the same rows).
* ``--repeat N``: the ingest figures and their references are measured N times,
  interleaved, and the fastest is kept (the machine may be shared; default 2).

Writes bench/out/results.json and bench/out/results.md.  Never fails on time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MEASURE = ROOT / "bench" / "measure.py"
DATAGEN = ROOT / "bench" / "datagen.py"
MIB = 2**20


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 2**20:.1f} GiB"
    except OSError:
        pass
    versions = {}
    for name in (
        "pandas",
        "numpy",
        "pyarrow",
        "sqlalchemy",
        "python_calamine",
        "openpyxl",
        "rapidfuzz",
        "streamlit",
        "duckdb",
    ):
        try:
            from importlib.metadata import version

            versions[name] = version(name.replace("_", "-"))
        except Exception:  # noqa: BLE001 - not installed
            versions[name] = "not installed"
    return dict(
        nproc=os.cpu_count(),
        memory=memory,
        cpu=cpu,
        python=platform.python_version(),
        platform=platform.platform(),
        load_average=os.getloadavg(),
        **versions,
    )


def run(kind: str, *args, root: Path | None = None, timeout: int = 3600) -> dict:
    """One measurement in a fresh process; its JSON line (or the error)."""
    env = dict(os.environ, CCCD_DEMO_ROLE=os.environ.get("CCCD_DEMO_ROLE", "admin"))
    if root is not None:
        env["BENCH_ROOT"] = str(root)
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, str(MEASURE), kind, *map(str, args)],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
            cwd=str(root or ROOT),
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout} s"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode or not lines:
        return {"error": (done.stderr or done.stdout)[-800:], "process_s": time.perf_counter() - started}
    result = json.loads(lines[-1])
    result["process_s"] = round(time.perf_counter() - started, 2)
    return result


def best(results: list[dict]) -> dict:
    ok = [r for r in results if r.get("wall") is not None and "error" not in r]
    if not ok:
        return results[-1] if results else {"error": "not run"}
    chosen = dict(min(ok, key=lambda r: r["wall"]))
    chosen["runs"] = [r["wall"] for r in ok]
    chosen["peak_mib"] = max(r["peak_mib"] for r in ok)
    return chosen


def fresh_db(folder: Path, name: str) -> str:
    for suffix in ("", "-wal", "-shm"):
        (folder / f"{name}.sqlite{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{folder / name}.sqlite"


def baseline_tree(rev: str, out: Path) -> Path:
    target = out / "baseline"
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a few minutes: no nation, smaller files")
    ap.add_argument("--baseline", metavar="REV", help="also measure git revision REV (before → after)")
    ap.add_argument(
        "--repeat", type=int, default=2, help="runs of each ingest figure and reference (best kept)"
    )
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = ap.parse_args(argv)
    out = args.out
    dbs = out / "db"
    dbs.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    info = machine()
    if info["duckdb"] == "not installed":
        print(
            "DuckDB is not installed: the ingestion reference needs it.\n"
            "    .venv/bin/pip install -r requirements-bench.txt",
            file=sys.stderr,
        )
        return 2
    print(
        f"# bench/run_all.py {'--quick ' if args.quick else ''}— {datetime.now():%Y-%m-%d %H:%M}", flush=True
    )
    print("preparing data …", flush=True)
    # In a child process: this one stays small, because a child's ru_maxrss starts from
    # the size of the process that forked it.
    made = subprocess.run(
        [sys.executable, str(DATAGEN), "--out", str(out / "data"), "--manifest"]
        + (["--quick"] if args.quick else []),
        capture_output=True,
        text=True,
    )
    if made.returncode:
        print(made.stderr[-2000:], file=sys.stderr)
        return 1
    print("\n".join(line for line in made.stdout.splitlines()[:-1]), flush=True)
    manifest = json.loads(made.stdout.splitlines()[-1])
    base_root = baseline_tree(args.baseline, out) if args.baseline else None
    results: dict = {"machine": info, "quick": args.quick, "baseline": args.baseline, "figures": []}

    def record(
        figure: str,
        scale: str,
        goal: str,
        after: dict,
        reference: dict | None = None,
        before: dict | None = None,
        note: str = "",
    ) -> None:
        row = dict(
            figure=figure, scale=scale, goal=goal, after=after, reference=reference, before=before, note=note
        )
        results["figures"].append(row)
        print(
            f"  {figure} [{scale}]: {_cell(after)}"
            + (f" | reference {_cell(reference)}" if reference else "")
            + (f" | before {_cell(before)}" if before else ""),
            flush=True,
        )

    # 1. per-record exports: ingest vs DuckDB, interleaved
    for rows, path in manifest["records"].items():
        rows = int(rows)
        print(f"per-record export, {rows:,} rows …", flush=True)
        size = Path(path).stat().st_size
        limit = str(max(size + MIB, 200 * MIB))  # above the 200 MiB upload limit for the 10M file
        mine, ref, old, counted = [], [], [], []
        for _ in range(args.repeat):
            mine.append(run("ingest", path, fresh_db(dbs, "records"), limit))
            ref.append(run("duckdb_records", path))
            counted.append(run("count_records", path, limit))
        if base_root is not None:
            old.append(run("ingest", path, fresh_db(dbs, "records_before"), limit, root=base_root))
        goal = (
            "≤ 2× DuckDB, < 600 MiB"
            if rows == 1_000_000
            else "streamed, < 1 GiB"
            if rows == 10_000_000
            else ""
        )
        record(
            f"ingest per-record CSV ({size / MIB:,.0f} MiB)",
            f"{rows:,} rows",
            goal,
            best(mine),
            best(ref),
            best(old) if old else None,
            note="reference: DuckDB count(*) GROUP BY province, district, commune, day over the same CSV",
        )
        record(
            "  of which: read and count only (what DuckDB's query does)",
            f"{rows:,} rows",
            "≤ 2× DuckDB" if rows == 1_000_000 else "",
            best(counted),
            best(ref),
        )

    # 2. xlsx: ingest (and the reader alone) vs pandas' read_excel
    xlsx = manifest["xlsx"]
    print(f"xlsx, {manifest['xlsx_rows']:,} rows …", flush=True)
    mine, reader, ref, old = [], [], [], []
    for _ in range(args.repeat):
        mine.append(run("ingest", xlsx, fresh_db(dbs, "xlsx")))
        reader.append(run("read_xlsx", xlsx))
        ref.append(run("read_excel", xlsx))
    if base_root is not None:
        old.append(run("ingest", xlsx, fresh_db(dbs, "xlsx_before"), root=base_root))
    rows_label = f"{manifest['xlsx_rows']:,} rows"
    record(
        "import xlsx (read, check, store)",
        rows_label,
        "≥ 3× faster than read_excel",
        best(mine),
        best(ref),
        best(old) if old else None,
        note="reference: pandas.read_excel (openpyxl)",
    )
    record("read xlsx only (calamine)", rows_label, "", best(reader), best(ref))

    # 3. each scale: load, store read, metrics + forecasts, overview, briefing
    for scale, spec in manifest["scales"].items():
        print(f"{scale}: {spec['communes']:,} communes …", flush=True)
        campaign = spec["campaign"]
        url = fresh_db(dbs, scale)
        load = run("ingest_many", url, json.dumps(campaign), *spec["files"])
        old_load = None
        if base_root is not None and scale != "nation":
            old_load = run(
                "ingest_many",
                fresh_db(dbs, f"{scale}_before"),
                json.dumps(campaign),
                *spec["files"],
                root=base_root,
            )
        label = f"{spec['communes']:,} communes"
        record(
            f"load canonical CSV ({len(spec['files'])} file(s), {spec['rows']:,} rows)",
            label,
            "",
            load,
            before=old_load,
        )
        name = campaign["name"]
        for kind, figure, goal, extra in (
            ("store_read", "Store.current_observations + units", "", ()),
            (
                "snapshot",
                "metrics.snapshot: metrics and forecasts for all units",
                "≤ 1 s (10,000 units)",
                (3,),
            ),
            ("overview", "overview page (AppTest): warm rerun", "≤ 1 s (nation)", (5,)),
            ("briefing", "briefing deck: from_frames + write_pptx(include_map=False)", "", ()),
        ):
            more = (out / f"briefing_{scale}.pptx",) if kind == "briefing" else extra
            after = run(kind, url, *((name,) if kind != "store_read" else ()), *more)
            before = None
            if base_root is not None:
                before_more = (out / f"briefing_{scale}_before.pptx",) if kind == "briefing" else extra
                before = run(
                    kind, url, *((name,) if kind != "store_read" else ()), *before_more, root=base_root
                )
            record(figure, label, goal if scale == "nation" else "", after, before=before)
            if kind == "overview" and "cold" in after:
                record(
                    "overview page (AppTest): cold run",
                    label,
                    "",
                    dict(after, wall=after["cold"]),
                    before=dict(before, wall=before.get("cold")) if before and "cold" in before else None,
                )

    results["seconds"] = round(time.perf_counter() - started)
    results["machine"]["load_average_end"] = os.getloadavg()
    table = markdown(results)
    (out / "results.json").write_text(json.dumps(results, indent=2, default=str))
    (out / "results.md").write_text(table + "\n")
    print()
    print(table)
    print(f"\n{results['seconds']} s in all; wrote {out / 'results.md'} and {out / 'results.json'}")
    return 0


def _cell(result: dict | None, memory: bool = True) -> str:
    if not result:
        return "–"
    if "error" in result:
        return (
            "error: " + result["error"].strip().splitlines()[-1][:80] if result["error"].strip() else "error"
        )
    wall = result.get("wall")
    if wall is None:
        return "–"
    text = f"{wall * 1000:.0f} ms" if wall < 1 else f"{wall:,.2f} s"
    if memory and result.get("peak_mib") is not None:
        text += f" / {result['peak_mib']:,.0f} MiB"
    return text


def _verdict(row: dict) -> str:
    after, ref, goal = row["after"], row["reference"], row["goal"]
    if not goal or not after or after.get("wall") is None:
        return ""
    wall, peak = after["wall"], after.get("peak_mib", 0)
    if goal.startswith("≤ 2× DuckDB"):
        ratio = wall / ref["wall"] if ref and ref.get("wall") else float("nan")
        ok = ratio <= 2 and (peak < 600 or "MiB" not in goal)
        return f"{'yes' if ok else 'no'} ({ratio:.1f}×, {peak:,.0f} MiB)"
    if goal.startswith("streamed"):
        return f"{'yes' if peak < 1024 else 'no'} ({peak:,.0f} MiB)"
    if goal.startswith("≥ 3×"):
        ratio = ref["wall"] / wall if ref and ref.get("wall") else float("nan")
        return f"{'yes' if ratio >= 3 else 'no'} ({ratio:.1f}× faster)"
    if goal.startswith("≤ 1 s"):
        return f"{'yes' if wall <= 1 else 'no'}"
    return ""


def markdown(results: dict) -> str:
    m = results["machine"]
    lines = [
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory']} RAM; Python {m['python']}, pandas {m['pandas']}, "
        f"numpy {m['numpy']}, pyarrow {m['pyarrow']}, SQLAlchemy {m['sqlalchemy']}, python-calamine "
        f"{m['python_calamine']}, DuckDB {m['duckdb']}; load average {m['load_average'][0]:.1f} at the start, "
        f"{m['load_average_end'][0]:.1f} at the end.",
        "",
        "| figure | scale | before (wall / peak RSS) | after (wall / peak RSS) | reference (same run) | goal | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in results["figures"]:
        lines.append(
            f"| {row['figure']} | {row['scale']} | {_cell(row['before'])} | {_cell(row['after'])} "
            f"| {_cell(row['reference'])} | {row['goal']} | {_verdict(row)} |"
        )
    staged = [row for row in results["figures"] if (row["after"] or {}).get("stages")]
    if staged:
        lines += [
            "",
            "Where an import's time goes (after; seconds): read = reading the file and counting or "
            "parsing its rows, check = names resolved and every check, store = the one write transaction.",
            "",
            "| import | scale | read | of which records.read_csv | check | store |",
            "|---|---|---|---|---|---|",
        ]
        for row in staged:
            st = row["after"]["stages"]
            lines.append(
                f"| {row['figure']} | {row['scale']} | {st.get('read', 0):.2f} | "
                f"{st.get('of which records.read_csv', 0):.2f} | {st.get('check', 0):.2f} | "
                f"{st.get('store', 0):.2f} |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
