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
    """The table's rows as the contract's JSON objects (`_json_value` of each cell, counts
    as integers, ratios rounded), plus the status label.

    Performance: converted a column at a time, by its dtype (a nation's 10,000 communes ×
    40 columns made 400,000 calls of `_json_value` on the row dicts); the values are the
    ones the cell-by-cell conversion gives (tests/test_cli.py compares both)."""
    columns = [str(c) for c in table.columns]
    values = [_json_column(table.iloc[:, i]) for i in range(len(columns))]
    for i, key in enumerate(columns):
        if key in INTEGER_FIELDS:
            values[i] = [None if v is None else int(round(v)) for v in values[i]]
        elif key in ROUND:
            digits = ROUND[key]
            values[i] = [None if v is None else round(float(v), digits) for v in values[i]]
    records = (
        [dict(zip(columns, row)) for row in zip(*values)] if columns else [{} for _ in range(len(table))]
    )
    labels = metrics.STATUS_LABELS
    for out in records:
        out["status_label"] = labels.get(out.get("status"))
    return records


def _json_column(column: pd.Series) -> list:
    """`_json_value` of each cell of a column as DataFrame.to_dict("records") gives it
    (numpy scalars of object and extension columns boxed as Python's)."""
    import numpy as np

    dtype = column.dtype
    if dtype == np.float64:
        inf = float("inf")
        return [None if v != v or v == inf or v == -inf else v for v in column.to_numpy().tolist()]
    if dtype == np.int64 or dtype == np.bool_:
        return column.to_numpy().tolist()
    if isinstance(dtype, np.dtype) and dtype.kind == "M":
        days = column.to_numpy().astype("datetime64[D]")
        text = np.datetime_as_string(days, unit="D").tolist()
        return [None if missing else t for t, missing in zip(text, np.isnat(days).tolist())]
    from pandas.core.dtypes.cast import maybe_box_native

    cells = list(column)
    if not isinstance(dtype, np.dtype) or dtype.kind == "O":
        # text (names, keys, statuses, notes) is itself: only the rest is converted
        return [v if type(v) is str else _json_value(maybe_box_native(v)) for v in cells]
    return [_json_value(v) for v in cells]


def dumps(payload: dict) -> str:
    """json.dumps(payload, ensure_ascii=False, indent=2), to the byte, for the status
    payload: each unit whose values are all plain (no non-empty list or object) is
    written by the C encoder (separators giving the indented layout), and only the rest
    by the pure-Python one that `indent` needs (a nation's status spent over a second
    there).  Anything else is json.dumps itself."""
    units = payload.get("units")
    head = [k for k in payload if k != "units"]
    plain = all(not isinstance(payload[k], (list, dict, tuple)) for k in head)
    if not isinstance(units, list) or not units or list(payload)[-1] != "units" or not plain:
        return json.dumps(payload, ensure_ascii=False, indent=2)
    flat = json.JSONEncoder(ensure_ascii=False, separators=(",\n      ", ": "))
    parts = []
    for unit in units:
        if isinstance(unit, dict) and unit:
            text = flat.encode(unit)
            # A unit without "[" or "{" inside its text holds no list or object: that
            # search is C's, where looking at each of a nation's 400,000 values was not.
            if ("[" not in text and "{" not in text[1:]) or all(
                not isinstance(v, (list, dict, tuple)) or (isinstance(v, (list, dict)) and not v)
                for v in unit.values()
            ):
                parts.append("{\n      " + text[1:-1] + "\n    }")
                continue
        parts.append(json.dumps(unit, ensure_ascii=False, indent=2).replace("\n", "\n    "))
    lines = ["{"]
    lines += [
        f"  {json.dumps(str(k), ensure_ascii=False)}: {json.dumps(payload[k], ensure_ascii=False)},"
        for k in head
    ]
    lines.append('  "units": [')
    return "\n".join(lines) + "\n    " + ",\n    ".join(parts) + "\n  ]\n}"


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
    partly = _partly_covered(store, chosen, as_of, version, level) if not campaign_name else {}
    for c in chosen:
        snap = shared.snapshot(store, c, as_of, version)
        if snap.data_through is None and not campaign_name:
            continue
        table = snap.units[snap.units["level"] == level]
        table = table[~table["key"].isin(seen | partly.get(c.name, set()))]
        seen.update(table["key"])
        tables.append(table.assign(campaign=c.name, as_of=snap.as_of))
        days.append(snap.as_of)
    if not campaign_name:
        # Units with data that no campaign covers: figures without a target.  A commune of
        # before 1/7/2025 whose 2025 unit a campaign shows is within that unit's figures
        # (analytics.reform), not a unit of its own beside it.
        from cccd_analytics import geo

        spans = shared.unit_spans(store, version)
        with_data = spans.index if as_of is None else spans.index[spans["first"] <= as_of]
        became = geo.old_to_new()
        within = {k for k in with_data if k in became.index and became[k] in seen}
        rest = sorted(set(with_data) - seen - within)
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


def _partly_covered(store: Store, chosen: list, as_of: date | None, version, level: str) -> dict[str, set]:
    """Each campaign's districts or provinces (at `level`) that hold communes with data its
    scope leaves out: its row of such a unit is the campaign's part of it, not the unit.  A
    district's campaign made `status --level province` give the province as that district
    alone (a province's file after it: 14.830 of 57.130), the rest of the province dropped
    as already shown; such a unit comes with the units no campaign covers instead, whole and
    without a target.  A commune of before 1/7/2025 whose 2025 unit the scope holds is
    covered (analytics.reform)."""
    if level == "commune" or not chosen:
        return {}
    from cccd_analytics import geo, shared

    spans = shared.unit_spans(store, version)
    with_data = set(spans.index if as_of is None else spans.index[spans["first"] <= as_of])
    units = store.units()
    communes = units[(units["level"] == "commune") & units.index.isin(with_data)]
    column = "district_key" if level == "district" else "province_key"
    became = geo.old_to_new()
    out: dict[str, set] = {}
    for c in chosen:
        scope = set(camp.scope_communes(c, units, with_data))
        successor = communes.index.map(became).to_numpy(dtype=object)
        covered = communes.index.isin(scope) | pd.Index(successor).isin(scope)
        out[c.name] = set(communes.loc[~covered, column].dropna().astype(str)) - {""}
    return out


def status(args) -> int:
    store = Store.open(args.db)
    payload = status_payload(store, args.campaign, as_of_day(args.as_of), args.level)
    if args.json:
        print(dumps(payload))
        return 0

    print(f"Số liệu tính đến {fmt.date_vn(payload['as_of'])} — {len(payload['units'])} đơn vị")
    for u in payload["units"]:
        name = u.get("commune") or u.get("district") or u.get("province")
        # The unit's parent beside its name: two provinces' "Xã Kỳ Tân" are two lines apart.
        parent = (
            u.get("district") if u.get("commune") else u.get("province") if u.get("district") else ""
        ) or ""
        print(
            f"  {name:<24} {parent:<22} {fmt.number(u['collected']):>10} / {fmt.number(u['eligible']):>10}"
            f"  {fmt.percent(u['coverage']):>7}  {u['status_label'] or ''}"
        )
    return 0
