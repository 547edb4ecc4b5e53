"""Backtest the completion-date forecaster on real coverage campaigns.

    python bench/backtest.py [--data-dir ../shared/backtest-data] [--calibrate] [--grid]

From weekly origins (a unit takes part from 10% coverage until it reaches the threshold)
every method forecasts the day the unit reaches 70% and 90% of its eligible population,
using only data up to the origin.  Prints, per dataset and threshold, the mean absolute
error in days (model vs the run-rate baseline), the improvement, the share of actual
dates inside the 80% range, how often units that never got there were told "not before
the end of the data", and the Brier score of p_on_time for "within 56 days".  Writes the
figures to bench/out/backtest.json.

--calibrate  refit the calibration lines (median shift and 80% range) and print them
--grid       rerun the search over the campaign curve (turn, alpha, gamma); ~3 min

Also prints a cross-dataset check: the calibration fitted on one dataset, scored on the
other (the numbers in the main table are in-sample for the calibration).
Never fails on time or on the aim.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cccd_analytics.analytics.backtest import (  # noqa: E402
    calibrate,
    headline_table,
    load_backtest_series,
    run_backtest,
    summarise,
)
from cccd_analytics.analytics.forecast import SaturatingParams  # noqa: E402

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "shared/backtest-data"
OUT = ROOT / "bench" / "out" / "backtest.json"
METHODS = ("run_rate", "saturating", "saturating_fit")


def _fmt_table(head: pd.DataFrame, fit: pd.DataFrame) -> str:
    """Markdown table (pasted as is into docs/forecast.md)."""
    header = (
        "| dataset | threshold | origins (units) | MAE run-rate | MAE saturating | improvement"
        " | MAE saturating_fit | 80% range holds: run-rate | saturating"
        " | never reached: origins | says 'not before end': run-rate | saturating"
        " | Brier run-rate | saturating |"
    )
    lines = [header, "|---" * 14 + "|"]
    fit = fit.set_index(["dataset", "threshold"])["mae_days"]
    for _, r in head.iterrows():
        never = int(r.never_origins)
        lines.append(
            f"| {r.dataset} | {r.threshold:.0%} | {int(r.origins)} ({int(r.units)}) "
            f"| {r.mae_baseline:.1f} d | {r.mae_model:.1f} d | {r.improvement_pct:+.0f}% "
            f"| {fit[(r.dataset, r.threshold)]:.1f} d "
            f"| {r.coverage_baseline:.0%} | {r.coverage_model:.0%} "
            f"| {never} "
            + (f"| {r.never_ok_baseline:.0%} | {r.never_ok_model:.0%} " if never else "| - | - ")
            + f"| {r.brier_baseline:.3f} | {r.brier_model:.3f} |"
        )
    return "\n".join(lines)


def _records(df: pd.DataFrame) -> list[dict]:
    return json.loads(df.to_json(orient="records", double_precision=4))


def cross_check(series, params: SaturatingParams) -> pd.DataFrame:
    """Calibration fitted on one dataset, scored on the other."""
    rows = []
    for fit_on, score_on in (("italy", "germany"), ("germany", "italy")):
        p = calibrate({fit_on: series[fit_on]}, params=params)
        res = run_backtest({score_on: series[score_on]}, methods=("run_rate", "saturating"), params=p)
        head = headline_table(summarise(res))
        head.insert(0, "calibrated_on", fit_on)
        rows.append(head)
    return pd.concat(rows, ignore_index=True)


def shape_grid(series) -> pd.DataFrame:
    """MAE improvement over run-rate and 80%-range coverage for a grid of campaign
    curves, each with its own calibration refitted (a fair comparison; in-sample)."""
    base = headline_table(summarise(run_backtest(series, methods=("run_rate", "saturating"))))
    base_mae = base.set_index(["dataset", "threshold"])["mae_baseline"]
    rows = []
    for turn, alpha, gamma in itertools.product((0.3, 0.4, 0.5), (0.5, 1.0, 1.5), (1.0, 1.5, 2.0)):
        p = calibrate(series, params=SaturatingParams(turn=turn, alpha=alpha, gamma=gamma))
        s = summarise(run_backtest(series, methods=("saturating",), params=p), baseline="none")
        s = s.set_index(["dataset", "threshold"])
        imp = 100 * (1 - s["mae_days"] / base_mae)
        row = {"turn": turn, "alpha": alpha, "gamma": gamma}
        row.update({f"{d[:2]}{int(t * 100)}": round(v, 1) for (d, t), v in imp.items()})
        row["coverage_min"] = round(float(s["coverage_80"].min()), 2)
        row["coverage_max"] = round(float(s["coverage_80"].max()), 2)
        rows.append(row)
        print(row, flush=True)
    out = pd.DataFrame(rows)
    out["mean"] = out[[c for c in out.columns if c[:2] in ("it", "ge")]].mean(axis=1)
    return out.sort_values("mean", ascending=False)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    ap.add_argument("--calibrate", action="store_true", help="refit and print the calibration")
    ap.add_argument("--grid", action="store_true", help="rerun the campaign-curve search")
    ap.add_argument("--no-cross-check", action="store_true")
    args = ap.parse_args(argv)

    if not args.data_dir.is_dir():
        print(f"no backtest data in {args.data_dir}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    series = load_backtest_series(args.data_dir)
    params = SaturatingParams()
    if args.calibrate:
        params = calibrate(series, params=params)
        print("calibration refitted (paste into SaturatingParams to keep):")
        print(f"  q10={params.q10}\n  q50={params.q50}\n  q90={params.q90}\n")

    results = run_backtest(series, methods=METHODS, params=params)
    summary = summarise(results)
    head = headline_table(summary)
    fit = summary[summary["method"] == "saturating_fit"]
    print("Backtest: date of reaching 70% / 90% of eligible, weekly origins from 10% coverage")
    print(_fmt_table(head, fit))

    cross = None
    if not args.no_cross_check:
        cross = cross_check(series, params)
        print("\nCross-dataset check (calibration fitted on one dataset, scored on the other):")
        for _, r in cross.iterrows():
            print(
                f"  fitted on {r.calibrated_on:<8} scored on {r.dataset:<8} {r.threshold:.0%}: "
                f"MAE {r.mae_baseline:6.1f} -> {r.mae_model:6.1f} ({r.improvement_pct:+.0f}%), "
                f"80% range holds {r.coverage_model:.0%}"
            )
    grid = shape_grid(series) if args.grid else None
    if grid is not None:
        print("\nCampaign-curve grid (MAE improvement %, each curve calibrated on its own):")
        print(grid.head(10).to_string(index=False))

    elapsed = time.perf_counter() - t0
    print(f"\n{len(results):,} forecasts scored in {elapsed:.1f} s")

    OUT.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "data_dir": str(args.data_dir),
        "params": dataclasses.asdict(params),
        "headline": _records(head),
        "summary": _records(summary),
        "cross_check": _records(cross) if cross is not None else None,
        "grid": _records(grid) if grid is not None else None,
        "seconds": round(elapsed, 1),
    }
    OUT.write_text(json.dumps(payload, indent=2, default=str))
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
