"""Campaign progress per unit and level: pure functions on tidy frames.

Input: the store's current observations (unit_key, date, metric, value), the units
frame, a campaign and an as-of day.  Output: a `Snapshot` — one row per commune,
district and province with the glossary's figures (eligible, collected, returned,
coverage, 7-day pace, required daily rate, projected date, P(on time), status) and the
daily series the charts draw.  Nothing here reads the store or draws.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from cccd_analytics import campaigns as camp
from cccd_analytics import forecast

STATUS_LABELS = {
    "done": "Đã hoàn thành",
    "on_track": "Đúng tiến độ",
    "at_risk": "Có nguy cơ chậm",
    "behind": "Chậm tiến độ",
    "missed": "Không đạt hạn",
    "no_data": "Chưa có số liệu",
}
# Worst first: the order the commune table sorts statuses in.
STATUS_ORDER = ("missed", "behind", "at_risk", "no_data", "on_track", "done")
P_ON_TRACK = 0.8
P_AT_RISK = 0.4


@dataclass(frozen=True)
class Snapshot:
    campaign: camp.Campaign
    as_of: pd.Timestamp
    units: pd.DataFrame        # one row per unit and level (see UNIT_FIELDS)
    daily: pd.DataFrame        # scope totals per day: collected, collected_day, pace_7d, returned
    milestones: pd.DataFrame   # one row per milestone (and the main target) at scope level
    data_through: pd.Timestamp | None  # last day any unit in scope reported


UNIT_FIELDS = ["key", "province", "district", "commune", "code", "level", "name", "tags",
               "official", "eligible", "target", "collected", "returned", "coverage",
               "remaining", "pace_7d", "required_per_day", "pace_ratio", "deadline",
               "days_left", "projected_date", "projected_low", "projected_high", "p_on_time",
               "days_behind", "status", "last_report"]


def latest_as_of(obs: pd.DataFrame) -> pd.Timestamp | None:
    if obs.empty:
        return None
    return pd.Timestamp(obs["date"].max()).normalize()


def wide(obs: pd.DataFrame, metric: str, units: list[str], days: pd.DatetimeIndex) -> pd.DataFrame:
    """Days × units of one metric; NaN where a unit did not report."""
    part = obs[obs["metric"] == metric]
    table = part.pivot_table(index="date", columns="unit_key", values="value", aggfunc="last")
    return table.reindex(index=days, columns=units).astype(float)


def _eligible(obs: pd.DataFrame, units: pd.DataFrame, keys: list[str]) -> pd.Series:
    """Latest reported eligible population, else the registry's 14+ estimate."""
    reported = obs[obs["metric"] == "eligible"].sort_values("date").groupby("unit_key")["value"].last()
    estimate = units.loc[keys, "eligible_estimate"].astype("Float64")
    return reported.reindex(keys).astype("Float64").fillna(estimate).astype(float)


def _status(done: np.ndarray, has_data: np.ndarray, past_deadline: np.ndarray,
            p_on_time: np.ndarray, pace_ratio: np.ndarray) -> np.ndarray:
    p = np.where(np.isnan(p_on_time), np.where(pace_ratio >= 1, 1.0, np.where(pace_ratio >= 0.8, 0.5, 0.0)),
                 p_on_time)
    status = np.where(p >= P_ON_TRACK, "on_track", np.where(p >= P_AT_RISK, "at_risk", "behind"))
    status = np.where(past_deadline, "missed", status)
    status = np.where(done, "done", status)
    return np.where(has_data, status, "no_data")


def _progress(cum: pd.DataFrame, eligible: pd.Series, target: pd.Series, deadline: pd.Timestamp,
              as_of: pd.Timestamp, weights) -> pd.DataFrame:
    """Figures for each column of a days × units cumulative frame."""
    fc = forecast.forecast_units(cum, eligible, target, deadline, as_of, workday_weight=weights)
    last_value = cum.ffill().iloc[-1] if len(cum) else pd.Series(np.nan, index=cum.columns)
    last_report = cum.apply(lambda s: s.last_valid_index())
    days_left = max((deadline - as_of).days, 0)
    remaining = (target - last_value).clip(lower=0)
    required = remaining / days_left if days_left else remaining.where(remaining == 0, np.inf)
    pace = fc["pace_7d"]
    with np.errstate(divide="ignore", invalid="ignore"):
        pace_ratio = pace / required.replace(0, np.nan)
    done = (last_value >= target - 0.5).to_numpy()
    has_data = last_value.notna().to_numpy()
    past = np.full(len(cum.columns), as_of > deadline)
    status = _status(done, has_data, past, fc["p_on_time"].to_numpy(dtype=float),
                     pace_ratio.fillna(0).to_numpy(dtype=float))
    behind = (fc["projected_date"] - deadline).dt.days
    return pd.DataFrame({
        "eligible": eligible, "target": target, "collected": last_value,
        "coverage": last_value / eligible, "remaining": remaining, "pace_7d": pace,
        "required_per_day": required, "pace_ratio": pace_ratio, "deadline": deadline,
        "days_left": days_left, "projected_date": fc["projected_date"],
        "projected_low": fc["projected_low"], "projected_high": fc["projected_high"],
        "p_on_time": fc["p_on_time"], "days_behind": behind, "status": status,
        "last_report": last_report,
    }, index=cum.columns)


def _aggregate(cum: pd.DataFrame, groups: pd.Series) -> pd.DataFrame:
    """Sum commune cumulatives into groups, carrying each commune's last report."""
    filled = cum.ffill().fillna(0.0)
    return filled.T.groupby(groups).sum().T


def snapshot(obs: pd.DataFrame, units: pd.DataFrame, campaign: camp.Campaign,
             as_of: date | pd.Timestamp | None = None) -> Snapshot:
    """Progress of a campaign on `as_of` (default: the last day with data)."""
    with_data = set(obs["unit_key"].unique()) if len(obs) else set()
    scope = camp.scope_communes(campaign, units, with_data)
    obs = obs[obs["unit_key"].isin(scope)]
    data_through = latest_as_of(obs)
    as_of = pd.Timestamp(as_of) if as_of is not None else (data_through or pd.Timestamp(campaign.deadline))
    obs = obs[obs["date"] <= as_of]
    data_through = latest_as_of(obs)
    first = obs["date"].min() if len(obs) else as_of
    start = pd.Timestamp(campaign.start) if campaign.start else first
    days = pd.date_range(min(start, first), as_of, freq="D")
    weights = (lambda d: camp.workday_weights(campaign, d))
    cum = wide(obs, "collected", scope, days)
    ret = wide(obs, "returned", scope, days)
    eligible = _eligible(obs, units, scope)
    target = camp.commune_targets(campaign.target, eligible, dict(campaign.unit_targets))
    deadline = pd.Timestamp(campaign.deadline)

    meta = units.loc[scope]
    rows = [_progress(cum, eligible, target, deadline, as_of, weights).assign(level="commune")]
    returned = {"commune": ret.ffill().iloc[-1] if len(ret) else pd.Series(dtype=float)}
    for level, column in (("district", "district_key"), ("province", "province_key")):
        groups = meta[column].fillna("")
        groups = groups[groups != ""]
        if groups.empty:
            continue
        agg = _aggregate(cum[groups.index], groups)
        agg_el = eligible[groups.index].groupby(groups).sum()
        agg_target = target[groups.index].groupby(groups).sum()
        rows.append(_progress(agg, agg_el, agg_target, deadline, as_of, weights).assign(level=level))
        returned[level] = _aggregate(ret[groups.index], groups).iloc[-1] if len(ret) else None
    table = pd.concat(rows)
    table["returned"] = pd.concat([r for r in returned.values() if r is not None]).reindex(table.index)
    table.loc[table["returned"].isna() & table["collected"].notna() & (table["level"] != "commune"),
              "returned"] = np.nan
    table = _label(table, units)
    return Snapshot(campaign=campaign, as_of=as_of, units=table,
                    daily=_daily(cum, ret, weights), milestones=_milestones(
                        campaign, cum, eligible, target, units, scope, as_of, weights),
                    data_through=data_through)


def _label(table: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    table = table.copy()
    table["key"] = table.index
    info = units.reindex(table.index)
    table["name"] = info["name"]
    table["code"] = info["code"]
    table["tags"] = info["tags"]
    table["official"] = info["official"]
    names = units["name"]
    prov = info["province_key"].map(names).fillna(info.get("province_name"))
    dist = info["district_key"].map(names).fillna(info.get("district_name"))
    table["province"] = np.where(table["level"] == "province", info["name"], prov)
    table["district"] = np.where(table["level"] == "district", info["name"],
                                 np.where(table["level"] == "commune", dist, None))
    table["commune"] = np.where(table["level"] == "commune", info["name"], None)
    return table[UNIT_FIELDS].reset_index(drop=True)


def _daily(cum: pd.DataFrame, ret: pd.DataFrame, weights) -> pd.DataFrame:
    total = cum.ffill().fillna(0).sum(axis=1)
    reported = cum.notna().sum(axis=1)
    # The first day's increase is unknown (the cumulative includes what came before).
    daily = pd.DataFrame({"collected": total, "collected_day": total.diff(),
                          "returned": ret.ffill().fillna(0).sum(axis=1), "units_reporting": reported})
    daily["pace_7d"] = daily["collected_day"].rolling(7, min_periods=3).mean()
    daily.index.name = "date"
    return daily.reset_index()


def _milestones(campaign, cum, eligible, target, units, scope, as_of, weights) -> pd.DataFrame:
    rows = []
    entries = [(campaign.name, "Toàn chiến dịch", campaign.deadline, campaign.target, scope)]
    for m in campaign.milestones:
        entries.append((m.name, m.tag or "danh sách", m.deadline, m.target,
                        camp.milestone_communes(m, scope, units)))
    for name, basis, deadline, tgt, members in entries:
        if not members:
            rows.append(dict(name=name, basis=basis, deadline=pd.Timestamp(deadline), units=0))
            continue
        member_target = camp.commune_targets(tgt, eligible[members]) if tgt.kind == "share" \
            else target[members] / target[members].sum() * tgt.value
        agg = _aggregate(cum[members], pd.Series("all", index=members))
        fig = _progress(agg, pd.Series({"all": eligible[members].sum()}),
                        pd.Series({"all": member_target.sum()}), pd.Timestamp(deadline), as_of, weights)
        unit_fig = _progress(cum[members], eligible[members], member_target, pd.Timestamp(deadline),
                             as_of, weights)
        rows.append(dict(name=name, basis=basis, deadline=pd.Timestamp(deadline), units=len(members),
                         units_done=int((unit_fig["status"] == "done").sum()),
                         units_behind=int(unit_fig["status"].isin(["behind", "missed"]).sum()),
                         **fig.iloc[0][["eligible", "target", "collected", "coverage", "remaining",
                                        "pace_7d", "required_per_day", "days_left", "projected_date",
                                        "projected_low", "projected_high", "p_on_time",
                                        "status"]].to_dict()))
    return pd.DataFrame(rows)


def attention_order(table: pd.DataFrame) -> pd.DataFrame:
    """Units sorted by how far behind they are: worst status, then most days behind."""
    rank = {s: i for i, s in enumerate(STATUS_ORDER)}
    out = table.assign(_rank=table["status"].map(rank),
                       _behind=table["days_behind"].fillna(10_000).where(table["projected_date"].isna()
                                                                         | table["days_behind"].notna(), 10_000),
                       _cov=table["coverage"].fillna(-1))
    out.loc[out["projected_date"].isna() & (out["status"] != "done"), "_behind"] = 10_000
    out = out.sort_values(["_rank", "_behind", "_cov"], ascending=[True, False, True])
    return out.drop(columns=["_rank", "_behind", "_cov"])
