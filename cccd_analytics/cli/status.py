"""`cccd status`: progress per unit as of a day, as a table or as the JSON of the contract
(../shared/CONTRACTS.md): plain JSON numbers, ISO dates, null where unknown."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd

from cccd_analytics import text as fmt
from cccd_analytics.analytics import campaigns as camp
from cccd_analytics.analytics import metrics
from cccd_analytics.cli import as_of_day
from cccd_analytics.cli.campaigns import find
from cccd_analytics.store import Store

REFUSALS = (camp.CampaignError,)


def _json_value(value):
    if value is None:
        return None
    if isinstance(value, (pd.Timestamp, date)):
        return None if pd.isna(value) else pd.Timestamp(value).date().isoformat()
    if isinstance(value, (float, int)) and not isinstance(value, bool):
        if pd.isna(value) or value in (float("inf"), float("-inf")):
            return None
        return value
    if isinstance(value, tuple):
        return list(value)
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


INTEGER_FIELDS = ("eligible", "collected", "returned", "target", "remaining", "backlog")
ROUND = {
    "coverage": 4,
    "pace_7d": 1,
    "required_per_day": 1,
    "p_on_time": 3,
    "pace_ratio": 3,
    "pace_workday": 1,
    "coverage_7d_ago": 4,
    "coverage_gain_7d": 4,
    "return_rate": 4,
    "reported_share": 3,
    "working_days_left": 2,
}


def unit_records(table: pd.DataFrame) -> list[dict]:
    records = []
    for row in table.to_dict("records"):
        out = {}
        for key, value in row.items():
            value = _json_value(value)
            if value is not None and key in INTEGER_FIELDS:
                value = int(round(value))
            elif value is not None and key in ROUND:
                value = round(float(value), ROUND[key])
            out[key] = value
        out["status_label"] = metrics.STATUS_LABELS.get(out.get("status"))
        records.append(out)
    return records


def status_payload(store: Store, campaign_name: str | None, as_of: date | None, level: str) -> dict:
    """Each campaign's snapshot as the dashboard has it (shared.snapshot: read back when any
    process computed it for this data version), then the units no campaign covers."""
    from cccd_analytics import shared

    version = store.data_version()
    if campaign_name:
        chosen = [find(store, campaign_name)]
    else:
        chosen = camp.stored(store)
    tables, seen, days = [], set(), []
    for c in chosen:
        snap = shared.snapshot(store, c, as_of, version)
        if snap.data_through is None and not campaign_name:
            continue
        table = snap.units[snap.units["level"] == level]
        table = table[~table["key"].isin(seen)]
        seen.update(table["key"])
        tables.append(table.assign(campaign=c.name, as_of=snap.as_of))
        days.append(snap.as_of)
    if not campaign_name:
        # Units with data that no campaign covers: figures without a target.
        spans = shared.unit_spans(store, version)
        with_data = spans.index if as_of is None else spans.index[spans["first"] <= as_of]
        rest = sorted(set(with_data) - seen)
        if rest:
            open_campaign = camp.Campaign(
                name="", deadline=date(2100, 1, 1), target=camp.Target("share", 1.0), scope=tuple(rest)
            )
            snap = shared.snapshot(store, open_campaign, as_of, version)
            table = snap.units[snap.units["level"] == level]
            table = table[~table["key"].isin(seen)].copy()
            for column in (
                "target",
                "remaining",
                "required_per_day",
                "pace_ratio",
                "deadline",
                "days_left",
                "p_on_time",
                "days_behind",
            ):
                table[column] = None
            table["status"] = table["status"].where(table["status"] == "no_data", None)
            tables.append(table.assign(campaign=None, as_of=snap.as_of))
            days.append(snap.as_of)
    table = pd.concat(tables) if tables else pd.DataFrame(columns=metrics.UNIT_FIELDS)
    as_of_out = as_of or (max(days).date() if days else None)
    return {
        "as_of": as_of_out.isoformat() if as_of_out else None,
        "level": level,
        "units": unit_records(table),
    }


def status(args) -> int:
    store = Store.open(args.db)
    payload = status_payload(store, args.campaign, as_of_day(args.as_of), args.level)
    if args.json:
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return 0

    print(f"Số liệu tính đến {fmt.date_vn(payload['as_of'])} — {len(payload['units'])} đơn vị")
    for u in payload["units"]:
        name = u.get("commune") or u.get("district") or u.get("province")
        print(
            f"  {name:<28} {fmt.number(u['collected']):>10} / {fmt.number(u['eligible']):>10}"
            f"  {fmt.percent(u['coverage']):>7}  {u['status_label'] or ''}"
        )
    return 0
