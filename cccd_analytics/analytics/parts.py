"""The parts of a campaign's applications as days x (unit, value) series, and their denominators.

A part is one value of a dimension (a priority group, a channel, residence ...) at one
unit; ``part_panel`` places the store's parts into a `Panel` whose columns are
(unit, value) pairs joined by ``SEP``, the finer values of a nesting dimension building
their coarser one; ``plus`` adds the citizens served elsewhere.  ``_denominators_on``
gives the denominators in force on a day, ``denominator_history`` all of them over time.
``breakdowns`` and ``group_targets`` read the campaign from these; docs/analytics.md has
the conventions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cccd_analytics import dimensions
from cccd_analytics.analytics import campaigns as camp
from cccd_analytics.analytics import metrics
from cccd_analytics.analytics.panel import Panel

SEP = "\x1f"


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
