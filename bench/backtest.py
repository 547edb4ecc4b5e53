"""The forecaster's leave-one-campaign-out track record on real coverage campaigns.

    python bench/backtest.py [--data-dir ../shared/backtest-data] [--calibrate] [--cli-check CAMPAIGN]

Every campaign is forecast from weekly origins through metrics.snapshot (what
`cccd status` calls) with the calibration fitted on the other campaigns, and scored
where a unit's coverage is between 30 % and the threshold minus 5 points: MAE of the
projected date against the ruler's (remaining / 7-day pace), the share of actual dates
inside the 80 % range, p_on_time against what happened (deciles), and every method
tried.  Writes bench/out/backtest.json.

--calibrate   also refit the product's parameters on all campaigns and write
              cccd_analytics/data/forecast_params.json (with its calibration rows) and the
              dashboard's cccd_analytics/data/track_record.json (with the rows it was
              scored from, track_record_rows.csv.gz)
--cli-check   the outside check, end to end: write the campaign's canonical CSV and a
              campaign TOML, `cccd ingest` them into a temporary SQLite, run
              `python -m cccd_analytics status --json --as-of DATE` at several origins
              and compare with the backtest's rows for the same origins
Never fails on the aims.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cccd_analytics.analytics import backtest as bt  # noqa: E402
from cccd_analytics.analytics import forecast  # noqa: E402

DEFAULT_DATA_DIR = bt.default_data_dir()
OUT = ROOT / "bench" / "out" / "backtest.json"


def table_md(table: pd.DataFrame, threshold: float | None = None) -> str:
    t = table if threshold is None else table[table["threshold"] == threshold]
    lines = [
        "| campaign | target | origins (units) | MAE ruler | MAE model | model ÷ ruler "
        "| median error ruler → model | 80 % range holds |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in t.itertuples():
        lines.append(
            f"| {r.campaign} | {r.threshold:.0%} | {r.origins} ({r.units}) | {r.mae_ruler:.1f} d "
            f"| {r.mae_model:.1f} d | {r.ratio:.2f} | {r.bias_ruler:+.0f} → {r.bias_model:+.0f} d "
            f"| {r.range80:.0%} |"
        )
    return "\n".join(lines)


def left_out_md(table: pd.DataFrame) -> str:
    """The forecasts the protocol leaves out (units that never reached the target),
    counted where certain (backtest.left_out: what `cccd backtest` and the dashboard show)."""
    lines = [
        "| campaign | target | forecasts | left out (units) | 80 % range held / missed / unknown "
        "| holds, certain ones counted (every forecast) | MAE model / ruler, left-out at their floor "
        "| least model ÷ ruler (protocol) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in table.itertuples():
        lines.append(
            f"| {r.campaign} | {r.threshold:.0%} | {r.forecasts} | {r.left_out} ({r.left_out_units}) "
            f"| {r.range_held} / {r.range_missed} / {r.range_unknown} "
            f"| {r.range80_certain:.0%} ({r.range80_low:.0%}–{r.range80_high:.0%}) "
            f"| {r.mae_model_floor:.1f} / {r.mae_ruler_floor:.1f} d | {r.ratio_floor:.2f} ({r.ratio:.2f}) |"
        )
    return "\n".join(lines)


def reliability_md(rel: pd.DataFrame) -> str:
    lines = ["| p_on_time | n | mean predicted | observed | observed − predicted |", "|---|---|---|---|---|"]
    for r in rel.itertuples():
        if r.n and r.n == r.n:
            lines.append(
                f"| {r.decile} | {int(r.n)} | {r.predicted:.0%} | {r.observed:.0%} | {100 * r.gap:+.0f} pts |"
            )
        else:
            lines.append(f"| {r.decile} | 0 | – | – | – |")
    return "\n".join(lines)


def comparison_md(comp: pd.DataFrame, threshold: float = 0.7) -> str:
    c = comp[comp["threshold"] == threshold]
    camps = [x for x in c["campaign"].unique()]
    head = "| method | " + " | ".join(f"{x}: MAE (÷ ruler), 80 % holds" for x in camps) + " |"
    lines = [head, "|---" * (len(camps) + 1) + "|"]
    for method, g in c.groupby("method", sort=False):
        g = g.set_index("campaign")
        cells = [
            f"{g.at[x, 'mae_model']:.1f} d ({g.at[x, 'ratio']:.2f}), {g.at[x, 'range80']:.0%}"
            if x in g.index
            else "–"
            for x in camps
        ]
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


# -------------------------------------------------------------- the outside check


def cli_check(series: bt.BacktestSeries, n_origins: int = 4) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What an outside tester does: canonical CSV + campaign TOML (target "70%") ->
    `cccd ingest` -> `python -m cccd_analytics status --json --as-of`, at a few origins.
    Compared field by field with the backtest's product path (metrics.snapshot with the
    shipped parameters) at the same origins, and scored against what happened.

    `cccd ingest` refuses a file whose cumulative falls; such a campaign (Canada) is
    checked with each correction carried back to the earlier reports (both paths then
    read the same figures)."""
    falls = (series.cumulative.ffill().diff() < 0).to_numpy().sum()
    if falls:
        print(f"  {falls} falling cumulative(s): carried back for the importer")
        series = dataclasses.replace(series, cumulative=series.cumulative[::-1].cummin()[::-1])
    plan = bt._plan(series)
    deadline = [d for t, d in plan.goals if t == 0.7][1]
    picks = [plan.origins[i] for i in np.linspace(2, len(plan.origins) - 3, n_origins).round().astype(int)]
    one_goal = dataclasses.replace(plan, goals=[(0.7, deadline)])
    mine = bt.product_rows(one_goal, None, origins=picks)
    cum = series.cumulative
    key_of = dict(zip(series.names, series.keys()))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        long = cum.stack().dropna().rename("collected").reset_index()
        long.columns = ["date", "unit", "collected"]
        csv = pd.DataFrame(
            {
                "date": long["date"].dt.strftime("%d/%m/%Y"),
                "province": series.name.capitalize(),
                "district": "",
                "commune": long["unit"].map(series.names),
                "eligible": long["unit"].map(series.eligible).round().astype(int),
                "collected": long["collected"].round().astype(int),
            }
        )
        csv_path = tmp / f"{series.name}.csv"
        csv.to_csv(csv_path, index=False)
        toml = tmp / "campaign.toml"
        toml.write_text(
            f'name = "{series.name}"\nstart = {cum.index.min().date().isoformat()}\n'
            f'deadline = {deadline.date().isoformat()}\ntarget = "70%"\n',
            encoding="utf-8",
        )
        db = f"sqlite:///{tmp / 'check.sqlite'}"
        env = dict(os.environ, PYTHONPATH=str(ROOT))

        def cccd(*args):
            done = subprocess.run(
                [sys.executable, "-m", "cccd_analytics", *args, "--db", db],
                capture_output=True,
                text=True,
                env=env,
                cwd=ROOT,
            )
            if done.returncode != 0:
                raise RuntimeError(f"cccd {args[0]} failed: {done.stdout[-1500:]} {done.stderr[-1500:]}")
            return done.stdout

        t0 = time.perf_counter()
        cccd("ingest", str(csv_path))
        cccd("campaign", "add", str(toml))
        print(f"  ingested {len(csv):,} rows and the campaign in {time.perf_counter() - t0:.1f} s")
        got = []
        for origin in picks:
            payload = json.loads(cccd("status", "--json", "--as-of", origin.date().isoformat()))
            units = pd.DataFrame(payload["units"]).assign(origin=origin)
            units["key"] = units["commune"].map(key_of)
            got.append(units)
    got = pd.concat(got, ignore_index=True)
    both = mine.merge(got, on=["origin", "key"], suffixes=("", "_cli"))
    fields = []
    for column in ("projected_date", "projected_low", "projected_high"):
        cli = pd.to_datetime(both[f"{column}_cli"])
        same = (cli == both[column]) | (cli.isna() & both[column].isna())
        fields.append({"field": column, "rows": len(both), "identical": int(same.sum())})
    diff = (both["p_on_time_cli"].astype(float) - both["p_on_time"].astype(float)).abs()
    fields.append(
        {"field": "p_on_time (within 0.0005)", "rows": len(both), "identical": int((diff <= 5e-4).sum())}
    )
    cli_rows = both.assign(
        projected_date=pd.to_datetime(both["projected_date_cli"]),
        projected_low=pd.to_datetime(both["projected_low_cli"]),
        projected_high=pd.to_datetime(both["projected_high_cli"]),
    )
    scores = pd.concat([bt.score(mine, "product path (snapshot)"), bt.score(cli_rows, "cccd status --json")])
    return pd.DataFrame(fields), scores[scores["campaign"] != "pooled"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    ap.add_argument("--calibrate", action="store_true")
    ap.add_argument("--cli-check", default=None, metavar="CAMPAIGN")
    ap.add_argument("--no-compare", action="store_true", help="skip the earlier methods (faster)")
    args = ap.parse_args(argv)
    if not args.data_dir.is_dir():
        print(f"no backtest data in {args.data_dir}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    series = bt.load_backtest_series(args.data_dir)
    compare = () if args.no_compare else ("run_rate", "saturating", "saturating_shipped")
    report = bt.evaluate(
        series,
        compare=compare,
        progress=lambda m: print(f"[{time.perf_counter() - t0:5.0f} s] {m}", flush=True),
    )
    print("\nLeave one campaign out, through metrics.snapshot (units between 30 % and target − 5 points):\n")
    print(table_md(report.table))
    print(
        "\nThe same rows with the forecasts of units that never reached the target, counted where certain:\n"
    )
    print(left_out_md(report.table))
    print("\np_on_time, 70 % target, pooled out of sample:\n")
    print(reliability_md(report.reliability))
    print("\nEvery method tried (70 % target; the default's calibration refitted without each campaign):\n")
    print(comparison_md(report.comparison))
    shipped = forecast.load_params()
    same = bt.same_params(shipped, report.product)
    print(f"\nshipped forecast_params.json {'equals' if same else 'DIFFERS FROM'} this calibration")
    if args.calibrate:
        bt.save_calibration(report)
        written = (forecast.PARAMS_FILE, bt.CALIBRATION_ROWS, bt.TRACK_RECORD, bt.TRACK_RECORD_ROWS)
        print("wrote " + ", ".join(str(p.relative_to(ROOT)) for p in written))
    if args.cli_check:
        print(f"\nEnd to end through the CLI ({args.cli_check}):")
        fields, scores = cli_check(series[args.cli_check])
        print(fields.to_string(index=False))
        print(scores.round(3).to_string(index=False))
    elapsed = time.perf_counter() - t0
    print(f"\n{len(report.rows):,} forecasts scored in {elapsed:.0f} s")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report.to_json(), ensure_ascii=False, indent=1, default=str))
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
