"""Overview page: cold run and warm rerun times on the Nghệ An sample (AppTest, in process).

    python bench/overview_rerun.py [--runs 10] [--db URL]

Prints figures; never fails on time.  Goal: warm rerun ≤ 0,3 s.  Runs as the
demo admin (CCCD_DEMO_ROLE=admin unless set).  National scale: bench/run_all.py.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--db", default=None, help="a database with data (default: a fresh sample)")
    parser.add_argument("--page", default="overview")
    args = parser.parse_args()
    from streamlit.testing.v1 import AppTest

    from cccd_analytics.sample import load_sample
    from cccd_analytics.store import Store

    url = args.db
    if url is None:
        url = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"
        load_sample(Store.open(url))
    os.environ["CCCD_DB_URL"] = url
    os.environ.setdefault("CCCD_DEMO_ROLE", "admin")  # past the login gate
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.session_state["campaign"] = "Cao điểm 70 ngày, đêm — Nghệ An 2023"
    start = time.perf_counter()
    at.run()
    if args.page != "overview":
        at.switch_page(f"pages/{args.page}.py").run()
    cold = time.perf_counter() - start
    assert not at.exception, at.exception
    warm = []
    for _ in range(args.runs):
        start = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - start)
    print(f"page: {args.page}  database: {url}")
    print(f"cold run:    {cold:.2f} s")
    print(
        f"warm rerun:  median {statistics.median(warm):.3f} s, min {min(warm):.3f} s, "
        f"max {max(warm):.3f} s over {len(warm)} runs"
    )


if __name__ == "__main__":
    main()
