"""Who and where: the parts of a campaign's applications by priority group, channel,
residence, application type or shift; their denominators; targets for groups.

Pure functions on the store's frames (`Store.current_parts`, `Store.denominator_rows`,
`Store.units`): nothing here reads the store or draws.  The conventions are the commune
totals' (docs/analytics.md): a part's running total is spread between its reports and
carried forward after the last; district and province figures are sums of their communes';
only data dated on or before `as_of` is used.

* **Values that nest.** "Học sinh lớp 12" is part of "Học sinh", "Lão thành cách mạng" of
  "Người có công" (`dimensions.parent`).  A commune that gives only the finer values has
  the coarser one as their sum; one that gives both keeps its own coarser figure.  Totals
  over a dimension add the coarsest values only.
* **Denominators** (`Store.denominator_rows`) are dated: on each day the one in force is the
  latest dated on or before it (a new survey replaces the old from its date; none is in
  force before the first).  A `remaining` count (a survey of residents still without a
  card) is the part's running total on its date plus the count.  District and province
  coverage is over the communes that have a denominator.
* **Residence.** Citizens of a home commune served outside the province (parts of metric
  `elsewhere`) count toward the home commune's "Cư trú ngoại tỉnh".
* **Targets** (`campaigns.GroupTarget`) go through `metrics.goal_figures`, the commune
  targets' own function: same pace, required rate, forecast and status.  A weekly rate
  ("3.000 hồ sơ mỗi tuần") is judged on the current week (Monday to Sunday): the running
  total at the end of last week plus the rate, by Sunday.

This module gives the breakdown of one dimension (`breakdown`, `unit_series`,
`outside_gap`); the parts as series and their denominators live in `parts`, the targets
for groups in `group_targets`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from cccd_analytics import dimensions
from cccd_analytics.analytics import campaigns as camp
from cccd_analytics.analytics.group_targets import TARGET_FIELDS, targets
from cccd_analytics.analytics.panel import Panel

# The parts as series and the targets for groups are modules of their own (parts,
# group_targets); their names stay importable from here, where the pages, the briefing
# and the command line reach for them.
from cccd_analytics.analytics.parts import (
    SEP,
    _column,
    _denominators_on,
    _pace,
    _split,
    _window,
    denominator_history,
    part_panel,
    plus,
    with_data,
)

__all__ = [
    "LEVELS",
    "ROW_FIELDS",
    "SEP",
    "TARGET_FIELDS",
    "Breakdown",
    "breakdown",
    "denominator_history",
    "outside_gap",
    "part_panel",
    "plus",
    "targets",
    "unit_series",
    "with_data",
]

LEVELS = ("commune", "district", "province")
ROW_FIELDS = [
    "key",
    "province",
    "district",
    "commune",
    "code",
    "level",
    "value",
    "collected",
    "elsewhere",
    "eligible",
    "coverage",
    "remaining",
    "pace_7d",
    "denominator_date",
]


@dataclass(frozen=True)
class Breakdown:
    dimension: str
    as_of: pd.Timestamp | None
    rows: pd.DataFrame  # ROW_FIELDS: one row per unit, level and value
    # date, value, collected, collected_day, top (a coarsest value), eligible, counted,
    # coverage: the scope's figures per day (denominators in force that day)
    daily: pd.DataFrame
    values: list[str] = field(default_factory=list)  # in display order


def breakdown(
    parts: pd.DataFrame,
    denominators: pd.DataFrame,
    units: pd.DataFrame,
    campaign: camp.Campaign,
    dimension: str,
    as_of: date | pd.Timestamp | None = None,
    data_units: set[str] | None = None,
) -> Breakdown:
    """The parts of one dimension in the campaign's scope on `as_of` (default: the last day
    with parts): per commune, district and province and per value, the running total, the
    denominator in force, coverage, what remains and the 7-day pace; and the scope's daily
    series per value."""
    scope = camp.scope_communes(campaign, units, (data_units or set()) | with_data(parts))
    mine = parts[(parts["dimension"] == dimension) & parts["unit_key"].isin(scope)]
    as_of, days = _window(mine, campaign, as_of)
    mine = mine[mine["date"] <= as_of]
    empty = Breakdown(
        dimension,
        as_of,
        pd.DataFrame(columns=ROW_FIELDS),
        pd.DataFrame(columns=["date", "value", "collected", "collected_day"]),
    )
    own = part_panel(mine, days)
    elsewhere = part_panel(mine, days, metric_names=("elsewhere",))
    panel = plus(own, elsewhere)
    if panel is None:
        return empty
    den = _denominators_on(denominators[denominators["unit_key"].isin(scope)], dimension, as_of, panel)
    meta = units.reindex(sorted(set(_split(panel.columns)[0])))

    tables = [_part_figures(panel, "commune", elsewhere)]
    den_of = {(u, v): (c, d) for u, v, c, d in zip(den["unit_key"], den["value"], den["count"], den["date"])}
    unit_rows = tables[0]
    unit_rows["eligible"] = [
        den_of.get((k, v), (np.nan, None))[0] for k, v in zip(unit_rows["key"], unit_rows["value"])
    ]
    unit_rows["denominator_date"] = [
        den_of.get((k, v), (None, None))[1] for k, v in zip(unit_rows["key"], unit_rows["value"])
    ]
    for level, column in (("district", "district_key"), ("province", "province_key")):
        rows = _level_rows(panel, elsewhere, meta, unit_rows, level, column)
        if rows is not None:
            tables.append(rows)
    table = pd.concat(tables, ignore_index=True)
    counted = table["counted"].fillna(table["collected"]) if "counted" in table else table["collected"]
    with np.errstate(divide="ignore", invalid="ignore"):
        table["coverage"] = np.where(table["eligible"] > 0, counted / table["eligible"], np.nan)
        table["remaining"] = np.where(
            table["eligible"].notna(), np.maximum(table["eligible"] - counted, 0), np.nan
        )
    table = _label(table, units)
    order = sorted(set(table["value"]), key=lambda v: dimensions.order_key(dimension, v))
    table["_order"] = table["value"].map({v: i for i, v in enumerate(order)})
    table["_level"] = table["level"].map({lvl: i for i, lvl in enumerate(LEVELS)})
    table = table.sort_values(["_level", "code", "_order"], kind="stable", na_position="first")
    daily = _daily(panel, dimension).merge(
        _daily_coverage(panel, denominators[denominators["unit_key"].isin(scope)], dimension),
        on=["date", "value"],
        how="left",
    )
    return Breakdown(dimension, as_of, table[ROW_FIELDS].reset_index(drop=True), daily, order)


def _part_figures(p: Panel, level: str, away: Panel | None) -> pd.DataFrame:
    """Collected (here and elsewhere) and the 7-day pace of each (unit, value) column."""
    keys, values = _split(p.columns)
    extra = np.zeros(len(p.columns))
    if away is not None:
        at = away.columns.get_indexer(p.columns)
        extra = np.where(at >= 0, np.nan_to_num(away.current()[np.clip(at, 0, None)]), 0.0)
    return pd.DataFrame(
        {
            "key": keys,
            "level": level,
            "value": values,
            "collected": np.nan_to_num(p.current()),
            "elsewhere": extra,
            "pace_7d": _pace(p),
        }
    )


def _level_rows(
    panel: Panel,
    elsewhere: Panel | None,
    meta: pd.DataFrame,
    unit_rows: pd.DataFrame,
    level: str,
    column: str,
) -> pd.DataFrame | None:
    """The communes' (unit, value) columns summed into their districts or provinces
    (``column`` names the owner), with the denominators of the communes that have one
    (and their collected, for coverage); None when no commune has an owner there."""
    owner = meta[column].reindex(_split(panel.columns)[0]).to_numpy()
    groups = pd.Series(
        [
            _column(o, v) if isinstance(o, str) and o else None
            for o, v in zip(owner, _split(panel.columns)[1])
        ],
        index=panel.columns,
    ).dropna()
    if groups.empty:
        return None
    agg = panel.aggregate(groups)
    away = (
        elsewhere.aggregate(groups[groups.index.isin(elsewhere.columns)]) if elsewhere is not None else None
    )
    rows = _part_figures(agg, level, away)
    # Denominators: over the communes that have one (and their collected, for coverage).
    has = unit_rows[unit_rows["eligible"].notna()]
    by = pd.Series(has["key"].map(meta[column]).to_numpy(), index=has.index)
    totals = (
        has.assign(owner=by)
        .groupby(["owner", "value"])
        .agg(eligible=("eligible", "sum"), counted=("collected", "sum"))
    )
    index = pd.MultiIndex.from_arrays([rows["key"], rows["value"]])
    rows["eligible"] = totals["eligible"].reindex(index).to_numpy()
    rows["counted"] = totals["counted"].reindex(index).to_numpy()
    rows["denominator_date"] = None
    return rows


def _label(table: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    info = units.reindex(table["key"])
    names = units["name"]
    level = table["level"].to_numpy()
    prov = info["province_key"].map(names).fillna(info.get("province_name")).to_numpy()
    dist = info["district_key"].map(names).fillna(info.get("district_name")).to_numpy()
    table = table.copy()
    table["code"] = info["code"].to_numpy()
    table["province"] = np.where(level == "province", info["name"].to_numpy(), prov)
    table["district"] = np.where(
        level == "district", info["name"].to_numpy(), np.where(level == "commune", dist, None)
    )
    table["commune"] = np.where(level == "commune", info["name"].to_numpy(), None)
    return table


def _daily(panel: Panel, dimension: str) -> pd.DataFrame:
    """The scope's running total and daily collections per value; `top` marks the
    coarsest values, the ones that stack without counting anyone twice."""
    _, values = _split(panel.columns)
    agg = panel.aggregate(pd.Series(values, index=panel.columns))
    frame = pd.DataFrame(np.nan_to_num(agg.filled), index=panel.days, columns=agg.columns)
    long = frame.stack().rename("collected").reset_index()
    long.columns = ["date", "value", "collected"]
    long["collected_day"] = long.groupby("value")["collected"].diff()
    long["top"] = [dimensions.parent(dimension, v) is None for v in long["value"]]
    return long


def _daily_coverage(panel: Panel, denominators: pd.DataFrame, dimension: str) -> pd.DataFrame:
    """Per day and value: the denominators in force that day (summed over the communes
    that have one), what those communes collected, and coverage — so a new survey shows
    as a step on its date, and each day is read against the denominator of its own time."""
    columns = ["date", "value", "eligible", "counted", "coverage"]
    den = denominators[denominators["dimension"] == dimension]
    if den.empty or not len(panel.days):
        return pd.DataFrame(columns=columns)
    rows = []
    last_day = panel.days[-1]
    changes = sorted(d for d in set(den["date"]) if d <= last_day)
    if not changes:
        return pd.DataFrame(columns=columns)
    # The denominators change only on the days a list is dated: computed once per change.
    edges = [*changes, last_day + pd.Timedelta(days=1)]
    for start, end in zip(edges[:-1], edges[1:]):
        force = _denominators_on(den, dimension, start, panel)
        cols = panel.columns.get_indexer([_column(u, v) for u, v in zip(force["unit_key"], force["value"])])
        span = (panel.days >= start) & (panel.days < end)
        for value, part in force.assign(col=cols).groupby("value"):
            have = part[part["col"] >= 0]
            counted = (
                np.nansum(panel.filled[np.ix_(span, have["col"].to_numpy())], axis=1)
                if len(have)
                else np.zeros(int(span.sum()))
            )
            total = float(part["count"].sum())
            rows.append(
                pd.DataFrame(
                    {
                        "date": panel.days[span],
                        "value": value,
                        "eligible": total,
                        "counted": counted,
                        "coverage": counted / total if total > 0 else np.nan,
                    }
                )
            )
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=columns)


def unit_series(
    parts: pd.DataFrame, units: pd.DataFrame, key: str, dimension: str, as_of, start=None
) -> pd.DataFrame:
    """One unit's (a commune's, or a district's communes') running total per value and
    day: date, value, collected (its citizens served elsewhere included)."""
    if key in units.index and units.at[key, "level"] != "commune":
        column = "district_key" if units.at[key, "level"] == "district" else "province_key"
        members = set(units.index[units[column] == key])
    else:
        members = {key}
    mine = parts[(parts["dimension"] == dimension) & parts["unit_key"].isin(members)]
    as_of = pd.Timestamp(as_of).normalize()
    mine = mine[mine["date"] <= as_of]
    if mine.empty:
        return pd.DataFrame(columns=["date", "value", "collected"])
    first = pd.Timestamp(mine["date"].min())
    days = pd.date_range(min(first, pd.Timestamp(start)) if start is not None else first, as_of, freq="D")
    panel = plus(part_panel(mine, days), part_panel(mine, days, metric_names=("elsewhere",)))
    _, values = _split(panel.columns)
    agg = panel.aggregate(pd.Series(values, index=panel.columns))
    frame = pd.DataFrame(agg.filled, index=panel.days, columns=agg.columns)
    long = frame.stack().rename("collected").reset_index()
    long.columns = ["date", "value", "collected"]
    return long


# -- the residence question: "của ta ở ngoại tỉnh: còn thiếu N" --------------------------


def outside_gap(residence: Breakdown, level: str = "province") -> pd.DataFrame:
    """Per unit of `level`: the citizens of its communes living in another province —
    collected (here or elsewhere), needed (the denominator: a survey's count) and still
    missing.  Empty when no denominator was given."""
    rows = residence.rows
    rows = rows[(rows["level"] == level) & (rows["value"] == dimensions.OUTSIDE)]
    return rows.assign(needed=rows["eligible"], missing=rows["remaining"])[
        ["key", "province", "district", "commune", "collected", "elsewhere", "needed", "missing", "coverage"]
    ]
