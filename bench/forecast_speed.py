"""Time forecast_units on a synthetic campaign: 10,000 units x 120 days.

    python bench/forecast_speed.py [--units 10000] [--days 120] [--repeat 5]

Prints the best wall-clock time per call for each method.  Never fails on time.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cccd_analytics.analytics.forecast import METHODS, forecast_units  # noqa: E402


def synthetic(n_units: int, n_days: int, seed: int = 0):
    """Saturating campaigns with noise, Sunday dips, 2% missing reports and a few spikes."""
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
    units = [f"U{i:05d}" for i in range(n_units)]
    frame = pd.DataFrame(cum, index=dates, columns=units)
    return frame, pd.Series(eligible, index=units)


def sunday_half(days: pd.DatetimeIndex) -> np.ndarray:
    return np.where(days.day_of_week == 6, 0.5, 1.0)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=10_000)
    ap.add_argument("--days", type=int, default=120)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)

    cum, eligible = synthetic(args.units, args.days)
    as_of = cum.index[-1]
    deadline = as_of + pd.Timedelta(days=60)
    print(f"{args.units:,} units x {args.days} days")
    for method in METHODS:
        for calendar in (None, sunday_half):
            best = float("inf")
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                out = forecast_units(
                    cum, eligible, eligible * 0.9, deadline, as_of, workday_weight=calendar, method=method
                )
                best = min(best, time.perf_counter() - t0)
            label = "Sunday=0.5" if calendar else "no calendar"
            print(
                f"  {method:<11} {label:<12} {best * 1000:7.1f} ms"
                f"  ({out['projected_date'].notna().mean():.0%} projected)"
            )


if __name__ == "__main__":
    main()
