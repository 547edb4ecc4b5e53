"""`cccd breakdown`: the parts of the applications by priority group, channel, residence,
application type or shift, per unit, as a table or as the JSON of the contract
(../shared/CONTRACTS.md, "Breakdowns")."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd

from cccd_analytics import dimensions
from cccd_analytics import text as fmt
from cccd_analytics.analytics import breakdowns
from cccd_analytics.analytics import campaigns as camp
from cccd_analytics.cli import as_of_day
from cccd_analytics.cli.campaigns import find
from cccd_analytics.cli.status import _json_value
from cccd_analytics.store import Store

REFUSALS = (camp.CampaignError,)
CONTRACT = (
    "province",
    "district",
    "commune",
    "code",
    "level",
    "value",
    "collected",
    "eligible",
    "coverage",
    "pace_7d",
)
INTEGERS = ("collected", "eligible", "elsewhere", "remaining")
ROUND = {"coverage": 4, "pace_7d": 1}


def rows_json(table: pd.DataFrame) -> list[dict]:
    out = []
    for row in table.to_dict("records"):
        item = {}
        for key in (*CONTRACT, "elsewhere", "remaining", "denominator_date"):
            value = _json_value(row.get(key))
            if value is not None and key in INTEGERS:
                value = int(round(value))
            elif value is not None and key in ROUND:
                value = round(float(value), ROUND[key])
            item[key] = value
        out.append(item)
    return out


def payload(store: Store, dimension: str, campaign_name: str | None, as_of: date | None, level: str) -> dict:
    units = store.units()
    parts = store.current_parts(as_of=as_of, dimension=dimension)
    denominators = store.denominator_rows()
    if campaign_name:
        chosen = [find(store, campaign_name)]
    else:
        # Without a campaign: every unit with parts, each once (as `cccd status` does).
        chosen = [
            camp.Campaign(
                name="",
                deadline=date(2100, 1, 1),
                target=camp.Target("share", 1.0),
                scope=tuple(sorted(breakdowns.with_data(parts))),
            )
        ]
    tables, days = [], []
    for c in chosen:
        if not c.scope and not len(parts):
            continue
        found = breakdowns.breakdown(parts, denominators, units, c, dimension, as_of)
        tables.append(found.rows[found.rows["level"] == level])
        if found.as_of is not None and len(found.rows):
            days.append(found.as_of)
    table = pd.concat(tables) if tables else pd.DataFrame(columns=breakdowns.ROW_FIELDS)
    as_of_out = as_of or (max(days).date() if days else None)
    rows = rows_json(table)
    return {
        "as_of": as_of_out.isoformat() if as_of_out else None,
        "dimension": dimension,
        "level": level,
        "rows": rows,
    }


def breakdown(args) -> int:
    store = Store.open(args.db)
    data = payload(store, args.dimension, args.campaign, as_of_day(args.as_of), args.level)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    print(
        f"{dimensions.LABELS[args.dimension]} — số liệu tính đến {fmt.date_vn(data['as_of'])}, "
        f"{len(data['rows'])} dòng"
    )
    for row in data["rows"]:
        name = row.get("commune") or row.get("district") or row.get("province")
        share = fmt.percent(row["coverage"]) if row["coverage"] is not None else ""
        needed = f" / {fmt.number(row['eligible'])}" if row["eligible"] is not None else ""
        print(f"  {name:<26} {row['value']:<28} {fmt.number(row['collected']):>9}{needed:<10} {share:>7}")
    return 0
