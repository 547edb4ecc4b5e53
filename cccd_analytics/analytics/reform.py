"""A campaign whose data cross the reform of 1/7/2025: one hierarchy at a time.

Reports before 1/7/2025 name the three-level communes, reports after it the two-level ones
they became; both are stored as written (docs/data-model.md).  A scope that holds both —
a province's campaign from June to August 2025 — would add each old commune's last
figure, carried forward, to the new commune that took it in: the province counted twice
(its collected and its eligible), and the new commune's first report read as a gain of
everything collected since the campaign began.

So a scope is judged in the hierarchy in force on its as-of day.  Before 1/7/2025 the
two-level communes are left out (they have no figures yet).  From that day each older
commune is summed into the 2025 unit it became (the official old → new mapping,
`geo.old_to_new`: every old commune lies in one new unit) on the days before the new
unit's own first figure of that metric, and only on days where every one of its former
communes has a figure to carry (a part missing would make a later whole look like a
gain); from its own first report on, the new unit's own figures are whole and the old
names' later figures (told at import as `reformed_unit`) are not added to them.  A new
unit that never reported itself takes whatever its former communes' sums are.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

#: The day the two-level hierarchy (province → commune) took effect.
REFORM_DAY = pd.Timestamp("2025-07-01")

#: Cumulative metrics carried over from the former communes: the metrics the snapshot
#: reads as running totals.
CUMULATIVE = ("collected", "returned")


def one_hierarchy(
    obs: pd.DataFrame, units: pd.DataFrame, scope: list[str], as_of: pd.Timestamp
) -> tuple[pd.DataFrame, list[str]]:
    """`obs` and `scope` in the hierarchy in force on `as_of`, when the scope holds
    communes of both hierarchies (else both as given)."""
    if not scope:
        return obs, scope
    levels = units["hierarchy"].reindex(scope)
    new = [k for k, h in zip(scope, levels) if h == "2"]
    old = [k for k, h in zip(scope, levels) if h == "3"]
    if not new or not old:
        return obs, scope
    if as_of < REFORM_DAY:
        gone = set(new)
        return obs[~obs["unit_key"].astype(object).isin(gone)], [k for k in scope if k not in gone]
    mapping = _old_to_new()
    successor = {k: mapping[k] for k in old if k in mapping.index and mapping[k] in set(new)}
    if not successor:
        return obs, scope
    members: dict[str, list[str]] = {}
    for key, new_key in mapping.items():
        if new_key in set(successor.values()):
            members.setdefault(new_key, []).append(key)
    keys = obs["unit_key"].astype(object)
    metric = obs["metric"].astype(object)
    folded = keys.isin(set(successor)).to_numpy()
    kept = obs.loc[~folded].assign(unit_key=keys[~folded], metric=metric[~folded])
    former = obs.loc[folded & metric.isin(CUMULATIVE).to_numpy()].assign(
        unit_key=keys[folded], metric=metric[folded]
    )
    added = [
        _summed(former, kept, name, new_key, parts)
        for new_key, parts in members.items()
        for name in CUMULATIVE
    ]
    added = [frame for frame in added if len(frame)]
    out = pd.concat([kept, *added], ignore_index=True) if added else kept.reset_index(drop=True)
    return out, [k for k in scope if k not in successor]


@lru_cache(maxsize=1)
def _old_to_new() -> pd.Series:
    """The official old → new mapping, read once (two CSV files)."""
    from cccd_analytics import geo

    return geo.old_to_new()


def _summed(
    former: pd.DataFrame, kept: pd.DataFrame, metric: str, new_key: str, parts: list[str]
) -> pd.DataFrame:
    """The former communes' running totals of one metric summed into their new unit, on the
    days before the new unit's own first figure."""
    mine = former[(former["metric"] == metric) & former["unit_key"].isin(parts)]
    if mine.empty:
        return mine
    own = kept.loc[(kept["unit_key"] == new_key) & (kept["metric"] == metric), "date"]
    if len(own):
        mine = mine[mine["date"] < own.min()]
        if mine.empty:
            return mine
    grid = mine.pivot_table(index="date", columns="unit_key", values="value", aggfunc="last").sort_index()
    carried = grid.ffill()
    if len(own):
        # Before its own reports, a new unit is only its former communes' sum where each of
        # them has a figure: a part left out would make its first whole report a false gain.
        every = carried.reindex(columns=parts).notna().all(axis=1)
        carried = carried[every]
    if carried.empty:
        return mine.iloc[0:0]
    total = carried.sum(axis=1, min_count=1)
    return pd.DataFrame(
        {
            "unit_key": new_key,
            "date": total.index,
            "metric": metric,
            "value": total.to_numpy(dtype=float),
        }
    ).dropna(subset=["value"])[lambda f: np.isfinite(f["value"])]
