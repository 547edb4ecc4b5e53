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
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from cccd_analytics import dimensions
from cccd_analytics.analytics import campaigns as camp
from cccd_analytics.analytics import metrics
from cccd_analytics.analytics.metrics import Panel

SEP = "\x1f"
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
TARGET_FIELDS = [
    "name",
    "dimension",
    "values",
    "kind",
    "deadline",
    "eligible",
    "target",
    "collected",
    "coverage",
    "remaining",
    "pace_7d",
    "required_per_day",
    "pace_ratio",
    "days_left",
    "projected_date",
    "projected_low",
    "projected_high",
    "p_on_time",
    "days_behind",
    "status",
    "per_week",
    "week_start",
    "week_collected",
    "weeks",
    "weeks_met",
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


def _column(unit: str, value: str) -> str:
    return f"{unit}{SEP}{value}"


def _split(columns) -> tuple[list[str], list[str]]:
    pairs = [c.split(SEP, 1) for c in columns]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def with_data(parts: pd.DataFrame, obs: pd.DataFrame | None = None) -> set[str]:
    units = set(parts["unit_key"]) if len(parts) else set()
    if obs is not None and len(obs):
        units |= set(obs["unit_key"].unique())
    return units


def _concat(panels: list[Panel]) -> Panel:
    panels = [p for p in panels if len(p.columns)]
    if not panels:
        raise ValueError("nothing to join")
    if len(panels) == 1:
        return panels[0]
    return Panel(
        panels[0].days,
        pd.Index(np.concatenate([np.asarray(p.columns, dtype=object) for p in panels])),
        np.concatenate([p.raw for p in panels], axis=1),
        np.concatenate([p.filled for p in panels], axis=1),
        np.concatenate([p.first for p in panels]),
        np.concatenate([p.last for p in panels]),
        np.concatenate([p.members for p in panels]),
        np.concatenate([p.reporting for p in panels]),
    )


def plus(a: Panel | None, b: Panel | None) -> Panel | None:
    """Two panels added column by column (their columns joined): a day is reported when
    either reports it, its value the sum of both (a column one lacks counts as 0)."""
    if a is None or b is None:
        return a if b is None else b
    cols = a.columns.append(b.columns[~b.columns.isin(a.columns)])

    def take(p: Panel, name: str) -> np.ndarray:
        at = p.columns.get_indexer(cols)
        out = np.full((len(p.days), len(cols)), np.nan)
        out[:, at >= 0] = getattr(p, name)[:, at[at >= 0]]
        return out

    fa, fb = take(a, "filled"), take(b, "filled")
    filled = np.where(np.isnan(fa) & np.isnan(fb), np.nan, np.nan_to_num(fa) + np.nan_to_num(fb))
    reported = ~np.isnan(take(a, "raw")) | ~np.isnan(take(b, "raw"))
    n = len(a.days)
    seen = reported.any(axis=0)
    return Panel(
        a.days,
        cols,
        np.where(reported, filled, np.nan),
        filled,
        np.where(seen, np.argmax(reported, axis=0), -1),
        np.where(seen, n - 1 - np.argmax(reported[::-1], axis=0), -1),
        np.ones(len(cols)),
        reported[-1].astype(float) if n else np.zeros(len(cols)),
    )


def part_panel(parts: pd.DataFrame, days: pd.DatetimeIndex, metric_names=("collected",)) -> Panel | None:
    """Days × (unit, value) running totals of parts.  A series given only as day figures
    (`collected_day`) is added up from zero; the finer values of a nesting dimension build
    their coarser value where a commune does not give it."""
    if parts.empty:
        return None
    frames = []
    cumulative = parts[parts["metric"].isin(metric_names)]
    if len(cumulative):
        keys = [_column(u, v) for u, v in zip(cumulative["unit_key"], cumulative["value"])]
        part = pd.DataFrame(
            {"date": cumulative["date"].to_numpy(), "unit_key": keys, "value": cumulative["count"].to_numpy()}
        )
        frames.append(metrics.pivot_last(part, days, sorted(set(keys))))
    if "collected" in metric_names:
        daily = parts[parts["metric"] == "collected_day"]
        have = {(u, v) for u, v in zip(cumulative["unit_key"], cumulative["value"])}
        daily = daily[[(u, v) not in have for u, v in zip(daily["unit_key"], daily["value"])]]
        if len(daily):
            keys = [_column(u, v) for u, v in zip(daily["unit_key"], daily["value"])]
            part = pd.DataFrame(
                {"date": daily["date"].to_numpy(), "unit_key": keys, "value": daily["count"].to_numpy()}
            )
            grid = metrics.pivot_last(part, days, sorted(set(keys)))
            summed = grid.fillna(0).cumsum().where(grid.notna())
            frames.append(summed)
    if not frames:
        return None
    frame = pd.concat(frames, axis=1) if len(frames) > 1 else frames[0]
    panel = Panel.of(frame)
    dimension = parts["dimension"].iloc[0]
    units, values = _split(panel.columns)
    children = pd.Series(
        [
            _column(u, dimensions.parent(dimension, v)) if dimensions.parent(dimension, v) else None
            for u, v in zip(units, values)
        ],
        index=panel.columns,
    ).dropna()
    missing = children[~children.isin(panel.columns)]
    if len(missing):
        panel = _concat([panel, panel.aggregate(missing)])
    return panel


def _denominators_on(
    den: pd.DataFrame, dimension: str, day: pd.Timestamp, panel: Panel | None
) -> pd.DataFrame:
    """unit_key, value, count, date, kind of the denominators in force on `day`; a
    `remaining` count is the part's running total on its date plus the count; finer values
    build their coarser one where it has none."""
    den = den[(den["dimension"] == dimension) & (den["date"] <= day)]
    if den.empty:
        return pd.DataFrame(columns=["unit_key", "value", "count", "date", "kind"])
    newest = den.groupby(["unit_key", "value", "date"])["upload_id"].transform("max")
    den = den[den["upload_id"] == newest]
    summed = den.groupby(["unit_key", "value", "date"], as_index=False).agg(
        count=("count", "sum"), kind=("kind", "last")
    )
    latest = summed.sort_values("date").groupby(["unit_key", "value"], as_index=False).last()
    if panel is not None and (latest["kind"] == "remaining").any():
        at = panel.days.get_indexer(pd.DatetimeIndex(latest["date"]))
        cols = panel.columns.get_indexer([_column(u, v) for u, v in zip(latest["unit_key"], latest["value"])])
        ok = (at >= 0) & (cols >= 0)
        base = np.zeros(len(latest))
        base[ok] = np.nan_to_num(panel.filled[at[ok], cols[ok]])
        latest["count"] = np.where(latest["kind"] == "remaining", latest["count"] + base, latest["count"])
    parents = latest.assign(value=[dimensions.parent(dimension, v) for v in latest["value"]]).dropna(
        subset=["value"]
    )
    if len(parents):
        built = parents.groupby(["unit_key", "value"], as_index=False).agg(
            count=("count", "sum"), date=("date", "max"), kind=("kind", "last")
        )
        have = set(zip(latest["unit_key"], latest["value"]))
        built = built[[(u, v) not in have for u, v in zip(built["unit_key"], built["value"])]]
        latest = pd.concat([latest, built], ignore_index=True)
    return latest


def _pace(panel: Panel) -> np.ndarray:
    """Mean a calendar day over the 7 days up to each column's last report (the commune
    totals' pace_7d, docs/analytics.md)."""
    last, first = panel.last, panel.first
    cols = np.arange(len(panel.columns))
    lo = np.maximum(last - metrics.PACE_DAYS, first)
    ok = (last > first) & (last >= 0)
    if not len(panel.days):
        return np.full(len(cols), np.nan)
    inc = panel.filled[np.clip(last, 0, None), cols] - panel.filled[np.clip(lo, 0, None), cols]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ok, inc / (last - lo), np.nan)


def _window(parts: pd.DataFrame, campaign: camp.Campaign, as_of) -> tuple[pd.Timestamp, pd.DatetimeIndex]:
    data_through = pd.Timestamp(parts["date"].max()).normalize() if len(parts) else None
    as_of = (
        pd.Timestamp(as_of).normalize()
        if as_of is not None
        else (data_through or pd.Timestamp(campaign.deadline))
    )
    first = pd.Timestamp(parts["date"].min()) if len(parts) else as_of
    start = pd.Timestamp(campaign.start) if campaign.start else first
    return as_of, pd.date_range(min(start, first, as_of), as_of, freq="D")


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

    def figures(p: Panel, level: str, away: Panel | None) -> pd.DataFrame:
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

    tables = [figures(panel, "commune", elsewhere)]
    den_of = {(u, v): (c, d) for u, v, c, d in zip(den["unit_key"], den["value"], den["count"], den["date"])}
    unit_rows = tables[0]
    unit_rows["eligible"] = [
        den_of.get((k, v), (np.nan, None))[0] for k, v in zip(unit_rows["key"], unit_rows["value"])
    ]
    unit_rows["denominator_date"] = [
        den_of.get((k, v), (None, None))[1] for k, v in zip(unit_rows["key"], unit_rows["value"])
    ]
    for level, column in (("district", "district_key"), ("province", "province_key")):
        owner = meta[column].reindex(_split(panel.columns)[0]).to_numpy()
        groups = pd.Series(
            [
                _column(o, v) if isinstance(o, str) and o else None
                for o, v in zip(owner, _split(panel.columns)[1])
            ],
            index=panel.columns,
        ).dropna()
        if groups.empty:
            continue
        agg = panel.aggregate(groups)
        away = (
            elsewhere.aggregate(groups[groups.index.isin(elsewhere.columns)])
            if elsewhere is not None
            else None
        )
        rows = figures(agg, level, away)
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


# -- denominators over time ----------------------------------------------------------------


def denominator_history(
    denominators: pd.DataFrame, dimension: str | None = None, unit_keys=None
) -> pd.DataFrame:
    """Every denominator in force at some time: unit_key, dimension, value, date, count,
    kind, change (against the one before for the same unit and value), file_name, detail."""
    den = denominators
    if dimension is not None:
        den = den[den["dimension"] == dimension]
    if unit_keys is not None:
        den = den[den["unit_key"].isin(list(unit_keys))]
    if den.empty:
        return pd.DataFrame(
            columns=[
                "unit_key",
                "dimension",
                "value",
                "date",
                "count",
                "kind",
                "change",
                "file_name",
                "detail",
            ]
        )
    newest = den.groupby(["unit_key", "dimension", "value", "date"])["upload_id"].transform("max")
    den = den[den["upload_id"] == newest]
    out = den.groupby(["unit_key", "dimension", "value", "date"], as_index=False).agg(
        count=("count", "sum"),
        kind=("kind", "last"),
        file_name=("file_name", "last"),
        detail=("detail", lambda d: "; ".join(sorted({x for x in d if isinstance(x, str) and x}))),
    )
    out = out.sort_values(["unit_key", "dimension", "value", "date"], kind="stable")
    out["change"] = out.groupby(["unit_key", "dimension", "value"])["count"].diff()
    return out.reset_index(drop=True)


# -- targets for groups ------------------------------------------------------------------------


def _selected(dimension: str, chosen: tuple[str, ...]) -> list[str]:
    """The chosen values without those whose coarser value is chosen too (never twice)."""
    return [v for v in chosen if dimensions.parent(dimension, v) not in chosen]


def targets(
    parts: pd.DataFrame,
    denominators: pd.DataFrame,
    units: pd.DataFrame,
    campaign: camp.Campaign,
    as_of: date | pd.Timestamp | None = None,
    eligible: pd.Series | None = None,
    data_units: set[str] | None = None,
) -> pd.DataFrame:
    """One row per `[[group_targets]]` of the campaign (TARGET_FIELDS), judged over the
    campaign's scope by `metrics.goal_figures`.

    `eligible`: the scope communes' eligible population (a snapshot's), the ceiling the
    forecaster uses for a target whose part has no denominator of its own."""
    if not campaign.group_targets:
        return pd.DataFrame(columns=TARGET_FIELDS)
    scope = camp.scope_communes(campaign, units, (data_units or set()) | with_data(parts))
    in_scope = parts[parts["unit_key"].isin(scope)]
    as_of, days = _window(in_scope, campaign, as_of)
    in_scope = in_scope[in_scope["date"] <= as_of]
    if eligible is None:
        eligible = units.reindex(scope)["eligible_estimate"]
    ceiling = float(pd.to_numeric(eligible, errors="coerce").sum())
    out = []
    for goal in campaign.group_targets:
        row = dict(
            name=goal.name,
            dimension=goal.dimension,
            values=", ".join(goal.values),
            kind="per_week" if goal.per_week is not None else "deadline",
            per_week=goal.per_week,
        )
        mine = in_scope[in_scope["dimension"] == goal.dimension]
        panel = plus(part_panel(mine, days), part_panel(mine, days, metric_names=("elsewhere",)))
        chosen = _selected(goal.dimension, goal.values)
        columns = [] if panel is None else [c for c in panel.columns if c.split(SEP, 1)[1] in chosen]
        if not columns:
            row.update(status="no_data", deadline=pd.Timestamp(goal.deadline) if goal.deadline else None)
            out.append(row)
            continue
        agg = panel.aggregate(pd.Series("all", index=columns))
        den = _denominators_on(
            denominators[denominators["unit_key"].isin(scope)], goal.dimension, as_of, panel
        )
        den = den[den["value"].isin(chosen)]
        denominator = float(den["count"].sum()) if len(den) else np.nan
        if goal.per_week is not None:
            week_start = as_of - pd.Timedelta(days=as_of.weekday())
            deadline = week_start + pd.Timedelta(days=6)
            before = agg.days.get_indexer([week_start - pd.Timedelta(days=1)])[0]
            baseline = float(np.nan_to_num(agg.filled[before, 0])) if before >= 0 else 0.0
            target = baseline + goal.per_week
            weeks = _weeks(agg, campaign, as_of)
            row.update(
                week_start=week_start,
                week_collected=float(np.nan_to_num(agg.current()[0])) - baseline,
                weeks=len(weeks),
                weeks_met=int((weeks >= goal.per_week).sum()),
            )
        else:
            deadline = pd.Timestamp(goal.deadline)
            if goal.target.kind == "share":
                target = goal.target.value * denominator if denominator == denominator else np.nan
            else:
                target = goal.target.value
        fig = metrics.goal_figures(
            agg,
            pd.Series(
                {"all": denominator if denominator == denominator and goal.per_week is None else ceiling}
            ),
            pd.Series({"all": target}),
            deadline,
            campaign,
            as_of,
        ).iloc[0]
        row.update({k: fig[k] for k in TARGET_FIELDS if k in fig.index and k not in row})
        row["deadline"] = deadline
        row["eligible"] = denominator
        row["coverage"] = (
            fig["collected"] / denominator if denominator and denominator == denominator else np.nan
        )
        if target != target:  # a share of a denominator nobody gave
            row.update(status="no_data", target=np.nan, remaining=np.nan, required_per_day=np.nan)
        out.append(row)
    return pd.DataFrame(out).reindex(columns=TARGET_FIELDS)


def _weeks(agg: Panel, campaign: camp.Campaign, as_of: pd.Timestamp) -> np.ndarray:
    """Collections of each whole week (Monday–Sunday) before the current one, from the
    campaign's start (or the first data)."""
    start = pd.Timestamp(campaign.start) if campaign.start else agg.days[max(int(agg.first[0]), 0)]
    first_monday = start + pd.Timedelta(days=(7 - start.weekday()) % 7)
    this_monday = as_of - pd.Timedelta(days=as_of.weekday())
    out = []
    monday = first_monday
    while monday + pd.Timedelta(days=6) < this_monday:
        end = agg.days.get_indexer([monday + pd.Timedelta(days=6)])[0]
        before = agg.days.get_indexer([monday - pd.Timedelta(days=1)])[0]
        if end >= 0:
            a = float(np.nan_to_num(agg.filled[end, 0]))
            b = float(np.nan_to_num(agg.filled[before, 0])) if before >= 0 else 0.0
            out.append(a - b)
        monday += pd.Timedelta(days=7)
    return np.asarray(out, dtype=float)
