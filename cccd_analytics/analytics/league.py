"""League tables: who leads and who lags, overall or among peers.

Pure functions on the unit table of a `metrics.Snapshot` (`snap.units`).  A unit is
ranked by one figure (`RANK_BY`): coverage, pace ratio (7-day progress per working day ÷
required daily rate) or this week's coverage gain ("most improved").  Rank 1 is the best.

Ties: values are compared at the precision they are shown with (`RANK_BY[...].digits`,
e.g. coverage to 0,01 percentage point), share the best rank of the tie ("min" method:
1, 1, 3 …) and are labelled "đồng hạng"; within a tie units are listed by name, then key,
so the order is the same on every run.  A top-N or bottom-N list never cuts a tie: all
units tied with the N-th are included.  Units without the figure (no data; the pace
ratio of a unit already done) are left out.

Peer groups: `peer="district"` ranks communes within their district, `"province"` within
their province, `"tag"` within each tag (a unit with two tags appears in both); `tag=`
keeps only units carrying that tag (e.g. the border communes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cccd_analytics.text import fold


@dataclass(frozen=True)
class RankBy:
    column: str
    label: str  # Vietnamese column header
    digits: int  # precision compared for ties (decimal places of the raw value)


RANK_BY = {
    "coverage": RankBy("coverage", "Tỷ lệ thu nhận", 4),
    "pace_ratio": RankBy("pace_ratio", "Tốc độ so với yêu cầu", 2),
    "coverage_gain_7d": RankBy("coverage_gain_7d", "Tăng tỷ lệ trong 7 ngày", 4),
}
PEER_LABELS = {None: "Toàn phạm vi", "district": "Cùng huyện", "province": "Cùng tỉnh", "tag": "Cùng nhãn"}
TIE_LABEL = "đồng hạng"
TITLES = {
    ("coverage", "top"): "Tỷ lệ thu nhận cao nhất",
    ("coverage", "bottom"): "Tỷ lệ thu nhận thấp nhất",
    ("pace_ratio", "top"): "Tốc độ vượt yêu cầu nhiều nhất",
    ("pace_ratio", "bottom"): "Tốc độ thấp nhất so với yêu cầu",
    ("coverage_gain_7d", "top"): "Tiến bộ nhất tuần qua",
    ("coverage_gain_7d", "bottom"): "Tiến bộ ít nhất tuần qua",
}
LEAGUE_COLUMNS = [
    "group",
    "rank",
    "rank_label",
    "tied",
    "of",
    "key",
    "name",
    "district",
    "province",
    "level",
    "value",
    "coverage",
    "pace_ratio",
    "coverage_gain_7d",
    "status",
]


def _groups(units: pd.DataFrame, peer: str | None) -> pd.DataFrame:
    if peer is None:
        return units.assign(group=PEER_LABELS[None])
    if peer == "district":
        return units.assign(group=units["district"].fillna(units["province"]).fillna(""))
    if peer == "province":
        return units.assign(group=units["province"].fillna(""))
    if peer == "tag":
        out = units.assign(group=units["tags"].map(lambda t: list(t) if isinstance(t, (tuple, list)) else []))
        return out.explode("group").dropna(subset=["group"])
    raise ValueError(f"unknown peer group {peer!r}; expected None, 'district', 'province' or 'tag'")


def rank(
    units: pd.DataFrame,
    by: str = "coverage",
    *,
    level: str = "commune",
    peer: str | None = None,
    tag: str | None = None,
) -> pd.DataFrame:
    """Every unit of ``level`` with a value of ``by``, ranked within its peer group
    (1 = highest value).  Sorted by group, then rank, then name."""
    if by not in RANK_BY:
        raise ValueError(f"unknown ranking {by!r}; expected one of {sorted(RANK_BY)}")
    spec = RANK_BY[by]
    rows = units[units["level"] == level]
    if tag is not None:
        rows = rows[rows["tags"].map(lambda t: tag in t if isinstance(t, (tuple, list)) else False)]
    rows = rows[np.isfinite(pd.to_numeric(rows[spec.column], errors="coerce").astype(float))]
    rows = _groups(rows, peer)
    if rows.empty:
        return pd.DataFrame(columns=LEAGUE_COLUMNS)
    value = rows[spec.column].astype(float)
    shown = value.round(spec.digits)
    out = rows.assign(value=value, _shown=shown, _name=rows["name"].fillna("").map(fold))
    out["rank"] = out.groupby("group")["_shown"].rank(method="min", ascending=False).astype(int)
    out["of"] = out.groupby("group")["_shown"].transform("size").astype(int)
    out["tied"] = out.groupby(["group", "_shown"])["_shown"].transform("size") > 1
    out["rank_label"] = np.where(
        out["tied"], TIE_LABEL + " " + out["rank"].astype(str), out["rank"].astype(str)
    )
    out = out.sort_values(["group", "rank", "_name", "key"], kind="stable")
    for column in LEAGUE_COLUMNS:
        if column not in out:
            out[column] = None
    return out[LEAGUE_COLUMNS].reset_index(drop=True)


def top(
    units: pd.DataFrame,
    by: str = "coverage",
    n: int = 10,
    *,
    level: str = "commune",
    peer: str | None = None,
    tag: str | None = None,
) -> pd.DataFrame:
    """The ``n`` best units per group (more when the ``n``-th is tied), best first."""
    ranked = rank(units, by, level=level, peer=peer, tag=tag)
    if ranked.empty:
        return ranked
    keep = []
    for _, group in ranked.groupby("group", sort=False):
        cut = group["rank"].iloc[min(n, len(group)) - 1]
        keep.append(group[group["rank"] <= cut])
    return pd.concat(keep).reset_index(drop=True)


def bottom(
    units: pd.DataFrame,
    by: str = "coverage",
    n: int = 10,
    *,
    level: str = "commune",
    peer: str | None = None,
    tag: str | None = None,
) -> pd.DataFrame:
    """The ``n`` weakest units per group (more when the ``n``-th is tied), weakest
    first; ``rank`` stays the rank from the top (e.g. 460 of 460)."""
    ranked = rank(units, by, level=level, peer=peer, tag=tag)
    if ranked.empty:
        return ranked
    keep = []
    for _, group in ranked.groupby("group", sort=False):
        cut = group["rank"].iloc[max(len(group) - n, 0)]
        worst = group[group["rank"] >= cut]
        # weakest first; within a tie the same name order as the top list
        worst = worst.iloc[np.lexsort((np.arange(len(worst)), -worst["rank"].to_numpy()))]
        keep.append(worst)
    return pd.concat(keep).reset_index(drop=True)


def most_improved(
    units: pd.DataFrame,
    n: int = 10,
    *,
    level: str = "commune",
    peer: str | None = None,
    tag: str | None = None,
) -> pd.DataFrame:
    """Largest coverage gain over the last 7 days (``coverage_gain_7d``)."""
    return top(units, "coverage_gain_7d", n, level=level, peer=peer, tag=tag)
