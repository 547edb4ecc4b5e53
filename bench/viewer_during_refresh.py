"""A viewer's first view while the dashboard's own refresh of the figures runs (an upload
just made on the same server), before and after a change of the code, interleaved.

    python bench/viewer_during_refresh.py --db URL --campaign NAME [--baseline REV]
        [--rounds 3] [--delay 0.3]

--db holds data and the campaign (the nation: bench/national.py's store, or
bench/national_load.py's); only its shared_results are written, and they are forgotten
before each run.  Each run is a fresh process (bench/measure.py during_refresh): a
background refresh of every campaign's figures starts, and `--delay` seconds later a
viewer asks for the campaign's range and figures.  Printed: the viewer's wait and the
refresh's end, best and every run, with the load average.  Never fails on time.
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
from national import MEASURE, PY  # noqa: E402
from run_all import baseline_tree  # noqa: E402


def measure(root: Path, *args: str) -> dict:
    done = subprocess.run(
        [PY, str(MEASURE), *args],
        capture_output=True,
        text=True,
        env=dict(os.environ, BENCH_ROOT=str(root)),
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    return json.loads(lines[-1]) if lines else {"error": done.stderr[-400:]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--campaign", required=True)
    ap.add_argument("--baseline", metavar="REV")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--delay", default="0.3")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "viewer_during_refresh")
    args = ap.parse_args(argv)
    roots = {"after": ROOT}
    if args.baseline:
        roots = {"before": baseline_tree(args.baseline, args.out), **roots}
    runs: dict[str, list[dict]] = {label: [] for label in roots}
    print(f"# bench/viewer_during_refresh.py — load average {os.getloadavg()}", flush=True)
    for i in range(args.rounds):
        for label, root in roots.items():
            measure(root, "clear_shared", args.db)
            run = measure(root, "during_refresh", args.db, args.campaign, args.delay)
            run["load"] = round(os.getloadavg()[0], 1)
            runs[label].append(run)
            print(f"  [{label} {i + 1}] {json.dumps(run, ensure_ascii=False)}", flush=True)
    print("\n| code | viewer's wait, best | every run | refresh ended (s) |")
    print("|---|---|---|---|")
    for label, got in runs.items():
        ok = [r for r in got if "error" not in r]
        if not ok:
            print(f"| {label} | error | {got[-1].get('error', '')[:200]} | |")
            continue
        walls = " · ".join(f"{r['wall']:.2f}" for r in ok)
        ends = " · ".join(f"{r['refresh']:.2f}" for r in ok)
        print(f"| {label} | {min(r['wall'] for r in ok):.2f} s | {walls} | {ends} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
