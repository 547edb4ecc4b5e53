"""Import time of a 460-commune report sent as Word (.docx) and as PDF, beside the same
report as .xlsx (the reference), each a whole `cccd ingest --dry-run` process.

    .venv/bin/python bench/ingest_documents.py [--runs 5]

The files are made by tests/fixtures/build_reports.py (every commune of Nghệ An 2023:
letterhead, merged two-row header repeated on every page, 21 district subtotals, "Tổng
cộng", signatures; the PDF with ruling lines, 13 pages).  For each file: the first run
(cold: Python's module cache for this file's readers not yet warm in the OS), then the
median of the others (warm), and the time the reader alone takes in this process.  The
machine is shared, so the load average before and after is printed with the figures.
The goal is ≤ 2 s per file, whole process.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    import build_reports

    from cccd_analytics.ingest.readers import Limits, read_workbook

    folder = Path(tempfile.mkdtemp(prefix="cccd-bench-docs-"))
    districts = build_reports.all_districts()
    files = {}
    for kind in ("xlsx", "docx", "pdf"):
        made = build_reports.build(kind, districts=districts)
        path = folder / made.name
        path.write_bytes(made.data)
        files[kind] = (path, len({k[0] for k in made.truth}))
    db = f"sqlite:///{folder / 'bench.sqlite'}"
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
    print(f"{'file':<6} {'units':>5} {'size':>8} {'cold s':>7} {'warm s':>7} {'reader s':>9}  status")
    for kind, (path, units) in files.items():
        times, status = [], ""
        for _ in range(args.runs):
            started = time.perf_counter()
            out = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "cccd_analytics",
                    "ingest",
                    "--dry-run",
                    "--json",
                    "--db",
                    db,
                    str(path),
                ],
                capture_output=True,
                text=True,
                cwd=ROOT,
            )
            times.append(time.perf_counter() - started)
            item = json.loads(out.stdout)["files"][0]
            status = f"{item['status']}, {item['units_read']} đơn vị"
        started = time.perf_counter()
        read_workbook(path.read_bytes(), path.name, Limits())
        reader = time.perf_counter() - started
        warm = statistics.median(times[1:]) if len(times) > 1 else times[0]
        size = f"{path.stat().st_size / 1024:.0f} KiB"
        print(f"{kind:<6} {units:>5} {size:>8} {times[0]:>7.2f} {warm:>7.2f} {reader:>9.2f}  {status}")
    print(f"load average after:  {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
