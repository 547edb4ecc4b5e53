"""Time forecast_units on a synthetic campaign: 10,000 units x 120 days.

    python bench/forecast_speed.py [--units 10000] [--days 120] [--repeat 5]

Each method runs in a fresh process: "cold" is its first call (imports done, the
parameters file read), "warm" the best of ``--repeat`` further calls; the ruler
(run_rate) and the previous default (saturating) are timed in the same run as the
reference.  Prints the load average, since the machine is shared.  Never fails on time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

REFERENCE = ("drain", "run_rate", "saturating")


def synthetic(n_units: int, n_days: int, seed: int = 0):
    """Saturating campaigns with noise, Sunday dips, 2% missing reports, a tenth of the
    units reporting weekly and a few spikes."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2021-03-01", periods=n_days, freq="D")
    eligible = rng.uniform(2_000, 60_000, n_units)
    speed = rng.uniform(0.01, 0.04, n_units)
    t = np.arange(n_days)[:, None]
    coverage = 0.95 * (1 - np.exp(-speed[None, :] * t))
    daily = np.diff(coverage * eligible[None, :], axis=0, prepend=0.0)
    daily *= rng.lognormal(0, 0.3, daily.shape)
    daily[dates.day_of_week == 6] *= 0.4
    cum = np.cumsum(daily, axis=0)
    cum[rng.random(cum.shape) < 0.02] = np.nan
    weekly = rng.random(n_units) < 0.1
    cum[:, weekly] = np.where((np.arange(n_days) % 7 == 6)[:, None], cum[:, weekly], np.nan)
    units = [f"U{i:05d}" for i in range(n_units)]
    frame = pd.DataFrame(cum, index=dates, columns=units)
    return frame, pd.Series(eligible, index=units)


def sunday_half(days: pd.DatetimeIndex) -> np.ndarray:
    return np.where(days.day_of_week == 6, 0.5, 1.0)


def one_method(method: str, units: int, days: int, repeat: int) -> dict:
    """Run inside a fresh process: cold and warm times of one method, both calendars."""
    from cccd_analytics.analytics.forecast import forecast_units

    cum, eligible = synthetic(units, days)
    as_of = cum.index[-1]
    deadline = as_of + pd.Timedelta(days=60)
    out = {}
    for label, calendar in (("no calendar", None), ("Sunday=0.5", sunday_half)):
        times = []
        for _ in range(repeat + 1):
            t0 = time.perf_counter()
            result = forecast_units(
                cum, eligible, eligible * 0.9, deadline, as_of, workday_weight=calendar, method=method
            )
            times.append(time.perf_counter() - t0)
        moving = result["progress_28d"] > 0
        out[label] = {
            "cold_ms": 1000 * times[0],
            "warm_ms": 1000 * min(times[1:]),
            "projected": float(result.loc[moving, "projected_date"].notna().mean()),
        }
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=10_000)
    ap.add_argument("--days", type=int, default=120)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--method", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.method:
        print(json.dumps(one_method(args.method, args.units, args.days, args.repeat)))
        return
    print(f"{args.units:,} units x {args.days} days; load average before: {os.getloadavg()[0]:.1f} (2 cores)")
    for method in REFERENCE:
        done = subprocess.run(
            [
                sys.executable,
                __file__,
                "--method",
                method,
                "--units",
                str(args.units),
                "--days",
                str(args.days),
                "--repeat",
                str(args.repeat),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        for label, r in json.loads(done.stdout.strip().splitlines()[-1]).items():
            print(
                f"  {method:<11} {label:<12} cold {r['cold_ms']:7.1f} ms   warm {r['warm_ms']:7.1f} ms"
                f"   ({r['projected']:.0%} of the units with progress projected)"
            )
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
