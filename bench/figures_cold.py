"""The nation's figures computed when nothing is kept (the first view after a change), before
and after a change of the code, side by side with DuckDB in the same run.

    python bench/figures_cold.py --db URL [--db URL ...] --campaign-json FILE \
        [--baseline REV] [--rounds 3] [--skip-overview]

Each --db is a database that already holds the nation (`cccd ingest` of the 63 files of
bench/datagen.py's manifest, and its campaign: bench/measure.py save_campaign); it is
written to only in its shared_results (forgotten before each cold run).  For each round,
alternately for this tree and the baseline's code (git archive of REV): `cccd status
--json` as a whole process after clear_shared, and the overview page in AppTest in a
fresh process after clear_shared (bench/measure.py overview); DuckDB's status query over
the CSVs (bench/national.py's reference) once per round.  The best of the rounds is
printed, with the load average: the machine may be shared.  The JSON outputs of both
codes are compared byte for byte.  Never fails on time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from national import DUCKDB_STATUS, MEASURE, PY, best, cell, process  # noqa: E402
from run_all import baseline_tree  # noqa: E402

RUN = (
    "import sys; sys.path.insert(0, sys.argv.pop(1)); from cccd_analytics.cli import main; "
    "sys.exit(main(sys.argv[1:]))"
)


def forget(root: Path, url: str) -> None:
    subprocess.run(
        [PY, str(MEASURE), "clear_shared", url],
        capture_output=True,
        check=True,
        env=dict(os.environ, BENCH_ROOT=str(root)),
    )


def status(root: Path, url: str, out: Path) -> dict:
    forget(root, url)
    with out.open("wb") as sink:
        return process(PY, "-c", RUN, str(root), "status", "--json", "--db", url, out=sink)


def overview(root: Path, url: str, name: str) -> dict:
    forget(root, url)
    done = subprocess.run(
        [PY, str(MEASURE), "overview", url, name, "2"],
        capture_output=True,
        text=True,
        env=dict(os.environ, BENCH_ROOT=str(root), CCCD_DEMO_ROLE="admin"),
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode or not lines:
        return {"error": (done.stderr or done.stdout)[-400:], "load": round(os.getloadavg()[0], 1)}
    got = json.loads(lines[-1])
    return {
        "wall": got["cold"],
        "cpu": got["cold_cpu"],
        "peak_mib": got["peak_mib"],
        "load": round(os.getloadavg()[0], 1),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", action="append", required=True, help="a database holding the nation")
    ap.add_argument("--campaign-json", type=Path, required=True, help="the manifest's nation campaign")
    ap.add_argument("--files-json", type=Path, required=True, help="the 63 CSVs, as a JSON list")
    ap.add_argument("--baseline", metavar="REV")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--skip-overview", action="store_true")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "figures_cold")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    name = json.loads(args.campaign_json.read_text())["name"]
    trees = {"after": ROOT}
    if args.baseline:
        trees = {"before": baseline_tree(args.baseline, args.out), **trees}
    runs: dict[tuple, list] = {}
    same = True
    for round_ in range(args.rounds):
        runs.setdefault(("duckdb",), []).append(process(PY, "-c", DUCKDB_STATUS, str(args.files_json)))
        for url in args.db:
            engine = url.split(":", 1)[0].split("+")[0]
            outputs = []
            for label, root in trees.items():
                out = args.out / f"status-{engine}-{label}.json"
                runs.setdefault((engine, "status", label), []).append(status(root, url, out))
                outputs.append(out.read_bytes())
                if not args.skip_overview:
                    runs.setdefault((engine, "overview", label), []).append(overview(root, url, name))
            same = same and all(o == outputs[0] for o in outputs)
        print(f"round {round_ + 1} done (load {os.getloadavg()[0]:.1f})", flush=True)
    duck = best(*runs[("duckdb",)])
    print(f"DuckDB status reference: {cell(duck)}")
    for key, results in runs.items():
        if key == ("duckdb",):
            continue
        chosen = best(*results)
        ratio = f", {chosen['wall'] / duck['wall']:.1f}× DuckDB" if "error" not in chosen else ""
        print(
            f"{' '.join(key)}: {cell(chosen)}{ratio if key[1] == 'status' else ''}; runs {chosen.get('runs')}"
        )
    if args.baseline:
        print("status JSON before and after:", "identical" if same else "DIFFERENT")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
