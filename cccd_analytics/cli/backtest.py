"""`cccd backtest`: the forecaster scored on real coverage campaigns; `--save` writes the
track record the dashboard shows."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from cccd_analytics.analytics import backtest as scoring
from cccd_analytics.cli import UsageError

REFUSALS = ()


def backtest(args) -> int:
    """Score the forecaster against real coverage campaigns (Italy, Germany)."""
    data_dir = Path(args.data_dir)
    if not data_dir.is_dir():
        raise UsageError(f"Không thấy thư mục số liệu kiểm định «{data_dir}».")
    series = scoring.load_backtest_series(data_dir)
    table = scoring.headline_table(scoring.summarise(scoring.run_backtest(series)))
    if args.save:
        record = {
            "computed_on": date.today().isoformat(),
            "data": str(data_dir.name),
            "rows": json.loads(table.to_json(orient="records")),
        }
        Path(args.save).write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.json:
        print(table.to_json(orient="records", force_ascii=False, indent=2))
    else:
        print(table.to_string(index=False))
    return 0
