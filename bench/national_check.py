"""The national load's check alone: what `cccd ingest`'s worker (ingest/batch.py) does for each
of the nation's 63 canonical CSVs — read it with its text repair, resolve its names, build its
observations and run every check, writing nothing — timed as CPU, per file and for the 63, with
this checkout's code and, interleaved in the same run, another checkout's.

    python bench/national_check.py [--baseline DIR] [--runs 2] [--files 63] [--profile N]

Each run is a fresh process (`--child`) that opens an empty SQLite store, checks the first file
once to load the registry and the modules (not counted: the worker does it once for the whole
load), then checks each file as `batch._check_in_worker` does and prints its CPU (process time,
all threads: Arrow's parser and the closest-names scoring run in threads of their own).  The
load average is printed with every figure: the machine may be shared.  `--baseline DIR`: a
checkout of another commit (e.g. `git worktree add --detach DIR <commit>`), run with this
interpreter.  `--profile N`: a cProfile (CPU clock) of this checkout's check of the first N
files, top functions by cumulative time, instead of the timings.  Never fails on time.
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
sys.path.insert(0, str(Path(__file__).resolve().parent))


def child(files: list[str], profile: bool) -> None:
    """In a fresh process: check each file against an empty store; print JSON."""
    from cccd_analytics.ingest import batch, pipeline
    from cccd_analytics.store import Store

    store = Store.open(f"sqlite:///{tempfile.mkdtemp(prefix='cccd-check-')}/nation.db")
    first = pipeline.import_file(batch._Reads(store), files[0], write=False)
    assert first.status == "checked", first.message
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile(time.process_time)
    per_file = []
    for path in files:
        start = time.process_time()
        if profiler:
            profiler.enable()
        report = pipeline.import_file(batch._Reads(store), path, write=False)
        if profiler:
            profiler.disable()
        per_file.append(time.process_time() - start)
        assert report.status == "checked", report.message
    if profiler:
        import pstats

        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        return
    print(json.dumps(dict(per_file=per_file, load=os.getloadavg()[0])))


def run(code: Path, files_json: Path, profile: int = 0) -> dict | None:
    env = dict(os.environ, PYTHONPATH=str(code))
    args = [sys.executable, "-P", str(Path(__file__).resolve()), "--child", str(files_json)]
    if profile:
        args += ["--profile", str(profile)]
    done = subprocess.run(args, env=env, capture_output=not profile, text=True, cwd=tempfile.gettempdir())
    if profile:
        return None
    if done.returncode:
        return dict(error=done.stderr.strip().splitlines()[-1:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", type=Path, help="another checkout to check with, interleaved")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--files", type=int, default=63)
    ap.add_argument("--profile", type=int, default=0)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        files = json.loads(args.child.read_text())
        child(files[: args.profile] if args.profile else files, bool(args.profile))
        return 0
    from national_load import nation_files

    files = nation_files(args.out)[: args.files]
    files_json = args.out / "national_check_files.json"
    files_json.write_text(json.dumps(files))
    if args.profile:
        run(ROOT, files_json, args.profile)
        return 0
    codes = {"this checkout": ROOT} | ({"baseline": args.baseline.resolve()} if args.baseline else {})
    print(f"# bench/national_check.py — {len(files)} files; load average {os.getloadavg()}", flush=True)
    results: dict[str, list[dict]] = {}
    for i in range(args.runs):
        for label, code in codes.items():
            result = run(code, files_json)
            results.setdefault(label, []).append(result)
            if "error" in result:
                print(f"  run {i + 1}, {label}: error {result['error']}", flush=True)
                continue
            per = result["per_file"]
            print(
                f"  run {i + 1}, {label}: CPU {sum(per):.2f} s for {len(per)} files, "
                f"{sum(per) / len(per) * 1000:.0f} ms a file (max {max(per) * 1000:.0f} ms) "
                f"(load {result['load']:.1f})",
                flush=True,
            )
    print(f"\nbest of {args.runs} (load average now {os.getloadavg()[0]:.1f}):")
    print("| the check of the 63 files (CPU) | total | a file: mean · median · max |")
    print("|---|---|---|")
    for label, runs in results.items():
        good = [r for r in runs if "error" not in r]
        if not good:
            continue
        per = min(good, key=lambda r: sum(r["per_file"]))["per_file"]
        ordered = sorted(per)
        print(
            f"| {label} | {sum(per):.2f} s | {sum(per) / len(per) * 1000:.0f} · "
            f"{ordered[len(ordered) // 2] * 1000:.0f} · {max(per) * 1000:.0f} ms |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
