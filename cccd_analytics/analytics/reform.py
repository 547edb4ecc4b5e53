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
communes that still reported then has a figure to carry (a part missing would make a later
whole look like a gain; one merged into another on 1/12/2024 reports inside it from then); from its own first report on, the new unit's own figures are whole and the old
names' later figures (told at import as `reformed_unit`) are not added to them.  A new
unit that never reported itself takes whatever its former communes' sums are.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cccd_analytics import geo, registry

#: The day the two-level hierarchy (province → commune) took effect.
REFORM_DAY = pd.Timestamp(registry.REFORM_DATE)
#: The day of the interim list (1/12/2024): communes merged into another then stop reporting.
INTERIM_DAY = pd.Timestamp(registry.INTERIM_DATE)

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
    mapping = geo.old_to_new()
    successor = {k: mapping[k] for k in old if k in mapping.index and mapping[k] in set(new)}
    if not successor:
        return obs, scope
    parts = mapping[mapping.isin(set(successor.values()))]  # every former commune of these units
    keys = obs["unit_key"].astype(object)
    metric = obs["metric"].astype(object)
    folded = keys.isin(set(successor)).to_numpy()
    kept = obs.loc[~folded].assign(unit_key=keys[~folded], metric=metric[~folded])
    former = obs.loc[folded].assign(unit_key=keys[folded], metric=metric[folded])
    added = [_summed(former, kept, name, parts) for name in CUMULATIVE]
    added = [frame for frame in added if len(frame)]
    out = pd.concat([kept, *added], ignore_index=True) if added else kept.reset_index(drop=True)
    return out, [k for k in scope if k not in successor]


def _summed(former: pd.DataFrame, kept: pd.DataFrame, metric: str, parts: pd.Series) -> pd.DataFrame:
    """The former communes' running totals of one metric summed into their new units (`parts`:
    old key → new key), on the days before each new unit's own first figure.

    Performance: one days × former communes array for the whole scope, summed by new unit
    (a province's 460 communes one by one took seconds)."""
    mine = former[former["metric"] == metric]
    if mine.empty:
        return mine.iloc[0:0]
    grid = mine.drop_duplicates(["date", "unit_key"], keep="last").pivot(
        index="date", columns="unit_key", values="value"
    )
    grid = grid.sort_index().astype(float)
    carried = grid.ffill()
    # A commune merged into another on 1/12/2024 reports no more from that day (the one that
    # took it in reports both): it is not waited for then, and its last figure before is not
    # carried past it (the one that took it in holds it).
    days = grid.index.to_numpy()
    interim = days >= INTERIM_DAY
    gone = grid.columns.isin(registry.gone_on_interim())
    if interim.any() and gone.any():
        carried.loc[interim, gone] = grid.loc[interim, gone].ffill()
    new_of = parts.reindex(grid.columns)
    sums = carried.T.groupby(new_of.to_numpy()).sum(min_count=1).T
    started = carried.notna().T.groupby(new_of.to_numpy()).sum().T
    reported = grid.notna().T.groupby(new_of.to_numpy()).any().T
    own = kept.loc[kept["metric"] == metric].groupby("unit_key")["date"].min()
    own = own.reindex(sums.columns)
    # Before its own reports, a new unit is only its former communes' sum where each of them
    # has a figure: a part left out would make its first whole report a false gain.  One
    # that never reported itself takes whatever its former communes give.
    counted = parts.to_frame("new").assign(gone=parts.index.isin(registry.gone_on_interim()))
    need_all = counted.groupby("new").size().reindex(sums.columns).to_numpy()
    need_after = (~counted["gone"]).groupby(counted["new"]).sum().reindex(sums.columns).to_numpy()
    need = np.where(interim[:, None], need_after[None, :], need_all[None, :])
    has_own = own.notna().to_numpy()
    whole = started.to_numpy() >= need
    with np.errstate(invalid="ignore"):
        earlier = sums.index.to_numpy()[:, None] < own.to_numpy()[None, :]  # NaT: False
    before = np.where(has_own[None, :], earlier, True)
    valid = reported.to_numpy() & before & (whole | ~has_own[None, :]) & (started.to_numpy() > 0)
    values = np.where(valid, sums.to_numpy(), np.nan)
    day, unit = np.nonzero(~np.isnan(values))
    return pd.DataFrame(
        {
            "unit_key": sums.columns.to_numpy()[unit],
            "date": sums.index.to_numpy()[day],
            "metric": metric,
            "value": values[day, unit],
        }
    )
