"""`cccd ingest` as whole processes — the nation's 63 canonical CSVs and the 1,000,000-row
per-record export — beside DuckDB on the same files, and beside the code of another git
revision, interleaved in one run.

    python bench/ingest_cli.py [--baseline REV] [--repeat 2] [--skip-nation] [--skip-records]

Each figure is a fresh process (wall from start to exit, CPU of all its processes and
threads, peak RSS of the largest), on a fresh SQLite store; the runs of each command
alternate (before, after, reference, before, after, …) so that a shared machine's load
falls on all of them alike; the best run is shown with every run's wall.  Never fails on
time.  The baseline's source is extracted with `git archive` into bench/out/ingest_cli/.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from national import DATAGEN, DUCKDB_LOAD, DUCKDB_RECORDS, PY, best, bytecode, cell  # noqa: E402


def process(cmd: list[str], cwd: Path) -> dict:
    started = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    error = child.stderr.read().decode(errors="replace")[-400:]
    child.stderr.close()
    out = {
        "wall": round(wall, 3),
        "cpu": round(usage.ru_utime + usage.ru_stime, 3),
        "peak_mib": round(usage.ru_maxrss / 1024, 1),
        "load": round(os.getloadavg()[0], 1),
    }
    if status >> 8 not in (0,):
        out["error"] = error or f"exit status {status >> 8}"
    return out


def tree(rev: str, folder: Path) -> Path:
    target = folder / f"rev-{rev}"
    if not target.exists():
        target.mkdir(parents=True)
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", rev], capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def records_only(folder: Path) -> str:
    """The 1,000,000-row export alone, as datagen.prepare makes it (same file, same place),
    without the nation's CSVs and the 10M-row export a full prepare writes first.  Made in a
    child process: datagen's imports and registry would otherwise stay in this one, and a
    child started by vfork reports its parent's peak memory as its own (ru_maxrss)."""
    path = folder / "records_1000000.csv"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        make = (
            "import sys; sys.path.insert(0, sys.argv[1]); import datagen; from pathlib import Path; "
            "p = Path(sys.argv[2]); "
            "datagen.write_records_csv(p.with_suffix('.tmp'), 1_000_000, datagen.province_units(), days=75); "
            "p.with_suffix('.tmp').rename(p)"
        )
        subprocess.run([PY, "-c", make, str(ROOT / "bench"), str(path)], check=True, cwd=ROOT)
    return str(path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--baseline", metavar="REV")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--skip-nation", action="store_true")
    ap.add_argument("--skip-records", action="store_true")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = ap.parse_args(argv)
    work = args.out / "ingest_cli"
    work.mkdir(parents=True, exist_ok=True)
    if args.skip_nation:
        files, export = [], records_only(args.out / "data")
    else:
        done = subprocess.run(
            [PY, str(DATAGEN), "--out", str(args.out / "data"), "--manifest"],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        manifest = json.loads(done.stdout.strip().splitlines()[-1])
        files = [str(ROOT / f) for f in manifest["scales"]["nation"]["files"]]
        export = str(ROOT / manifest["records"]["1000000"])
    roots = {"after": ROOT}
    if args.baseline:
        roots = {"before": tree(args.baseline, work), **roots}
    for root in roots.values():
        bytecode(root)
    file_list = work / "files.json"
    file_list.write_text(json.dumps(files))
    print(f"# bench/ingest_cli.py — load average {os.getloadavg()}", flush=True)

    def cccd(root: Path, *cli: str) -> list[str]:
        # The revision's own package, started from its folder through the entry point that
        # the `cccd` command calls (`cli.run`, which leaves without the interpreter's
        # teardown; a revision from before it has only `main`).
        start = (
            "import sys; from cccd_analytics import cli; "
            "cli.run() if hasattr(cli, 'run') else sys.exit(cli.main())"
        )
        return [PY, "-c", start, *cli]

    jobs = []
    if not args.skip_records:
        jobs.append(
            ("`cccd ingest` of the 1,000,000-row export", [export], [PY, "-c", DUCKDB_RECORDS, export])
        )
    if not args.skip_nation:
        jobs.append(
            (
                f"`cccd ingest` of the nation's {len(files)} CSVs (SQLite)",
                files,
                [PY, "-c", DUCKDB_LOAD, str(file_list), str(work / "duck.db")],
            )
        )
    results = []
    for title, paths, reference in jobs:
        runs: dict[str, list[dict]] = {label: [] for label in [*roots, "DuckDB"]}
        for i in range(args.repeat):
            for label, root in roots.items():
                db = Path(tempfile.mkdtemp(prefix="cccd-ingest-cli-")) / "x.sqlite"
                runs[label].append(process(cccd(root, "ingest", *paths, "--db", f"sqlite:///{db}"), cwd=root))
                print(f"  {title} [{label} {i + 1}]: {cell(runs[label][-1])}", flush=True)
            (work / "duck.db").unlink(missing_ok=True)
            runs["DuckDB"].append(process(reference, cwd=ROOT))
            print(f"  {title} [DuckDB {i + 1}]: {cell(runs['DuckDB'][-1])}", flush=True)
        chosen = {label: best(*r) for label, r in runs.items()}
        for label, r in runs.items():
            # On a shared machine the walls follow the load; the CPU is the steadier figure.
            cpus = sorted(x["cpu"] for x in r if "error" not in x)
            chosen[label]["cpu_median"] = cpus[len(cpus) // 2] if cpus else None
        results.append({"figure": title, **chosen})
    print("\n| figure | " + " | ".join([*roots, "DuckDB", "after ÷ DuckDB"]) + " |")
    print("|---" * (len(roots) + 3) + "|")
    for row in results:
        ratio = row["after"]["wall"] / row["DuckDB"]["wall"] if "error" not in row["after"] else float("nan")
        cells = [
            f"{cell(row[label])}; runs {row[label].get('runs')}; median CPU {row[label].get('cpu_median')} s"
            for label in [*roots, "DuckDB"]
        ]
        print(f"| {row['figure']} | " + " | ".join(cells) + f" | {ratio:.1f}× |")
    (work / "results.json").write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
