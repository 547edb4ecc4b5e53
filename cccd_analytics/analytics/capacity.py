"""Capacity planner: teams → daily capacity → projected date, and back.

Pure functions on a `metrics.Snapshot` and the units frame; frozen dataclasses for the
inputs.  The model (docs/analytics.md, "Capacity planner"):

* A team working ``hours_per_day`` hours at ``per_team_hour`` applications an hour takes
  in ``hours_per_day × per_team_hour`` on a normal working day, times the calendar
  weight of the day (Sundays, holidays).  The Kỳ Anh teams worked 6:30–01:00: 18,5 h.
* How a commune slows down is the forecaster's curve (``forecast.Curve``), the same one
  that gives the overview its projected dates: progress as a function of *effort*, the
  applications the capacity could take in at today's pace.  A commune's path is
  c(t) = c0 + gain(cumulative effort up to t), for any schedule of teams — no
  day-by-day simulation; with today's capacity it reaches the target on the
  forecaster's date.
* Each commune's current capacity is its steady pace (the forecaster's ``pace_robust``:
  whole weeks of progress per working day), unless teams are given.  Teams given for
  a district (or the whole scope) are shared among its communes in proportion to the
  effort each still needs, the rotation that finishes them together.
* A district, province or milestone is done when the sum of its communes' paths reaches
  the sum of their targets.  Teams needed for a milestone: per commune, the capacity
  that covers its remaining effort over the working days left; for a group, the sum.
* P(on time) is the forecaster's predictive distribution
  (``forecast.on_time_probability``) around the scenario's projected date.

Everything uses only data up to the snapshot's as-of day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from cccd_analytics.analytics import campaigns as camp
from cccd_analytics.analytics import forecast
from cccd_analytics.analytics.metrics import Snapshot

LABELS = {
    "teams": "Số tổ đang làm",
    "hours_per_day": "Số giờ làm mỗi ngày",
    "per_team_hour": "Hồ sơ mỗi tổ mỗi giờ",
    "capacity_per_day": "Năng lực thu nhận (hồ sơ/ngày làm việc)",
    "projected_date": "Dự kiến đạt chỉ tiêu",
    "p_on_time": "Khả năng kịp hạn",
    "teams_needed": "Số tổ cần để kịp hạn",
    "extra_teams": "Số tổ cần bổ sung",
    # The planner's own model without the extra teams, not the overview's forecast: named so,
    # lest a leader read two "current" dates for one unit.
    "baseline_date": "Dự kiến theo năng lực, chưa tăng cường",
    "scenario_date": "Dự kiến nếu tăng cường",
    "days_saved": "Sớm hơn (ngày)",
    "baseline_p": "Khả năng kịp hạn theo năng lực, chưa tăng cường",
    "scenario_p": "Khả năng kịp hạn nếu tăng cường",
}

#: The planner looks this many days past the as-of day; later is "not within 2 years".
HORIZON_DAYS = 730


def shift_hours(start: str = "06:30", end: str = "01:00") -> float:
    """Hours between two clock times, past midnight if need be: 06:30–01:00 → 18.5."""

    def minutes(text: str) -> int:
        hours, _, mins = text.strip().replace("h", ":").partition(":")
        return int(hours) * 60 + int(mins or 0)

    span = (minutes(end) - minutes(start)) % (24 * 60)
    return (span or 24 * 60) / 60


KY_ANH_HOURS = shift_hours("06:30", "01:00")  # 18.5


@dataclass(frozen=True)
class Productivity:
    """How much one team takes in."""

    per_team_hour: float  # applications per team-hour
    hours_per_day: float = KY_ANH_HOURS

    @property
    def per_team_day(self) -> float:
        return self.per_team_hour * self.hours_per_day


@dataclass(frozen=True)
class Surge:
    """Extra teams for a while: "2 more mobile teams in these communes for 5 days"."""

    units: tuple[str, ...]  # commune or district keys; a district means its communes
    teams: float
    days: int
    start: date | None = None  # first day; default the day after the as-of day
    shared: bool = True  # True: the teams go round the units; False: each unit gets them
    hours_per_day: float | None = None  # default: the productivity's hours
    label: str = ""


@dataclass(frozen=True)
class Plan:
    """Planner output.

    ``units``: one row per unit (every level) and milestone (PLAN_COLUMNS).  For a
    district or province ``extra_teams`` is its shortfall if its teams could move freely
    between its communes.  ``milestones``: per milestone, over its communes, the teams
    now and needed and ``extra_teams`` = the sum of each commune's own shortfall (teams
    staying where they are), with ``communes_short`` the number of communes short."""

    as_of: pd.Timestamp
    productivity: Productivity
    units: pd.DataFrame
    milestones: pd.DataFrame = field(default_factory=pd.DataFrame)


PLAN_COLUMNS = [
    "key",
    "level",
    "name",
    "district",
    "milestone",
    "milestone_index",
    "deadline",
    "target",
    "collected",
    "remaining",
    "teams",
    "capacity_per_day",
    "projected_date",
    "p_on_time",
    "days_behind",
    "working_days_left",
    "teams_needed",
    "extra_teams",
]
WHAT_IF_COLUMNS = [
    "key",
    "level",
    "name",
    "district",
    "milestone",
    "milestone_index",
    "deadline",
    "target",
    "collected",
    "affected",
    "baseline_date",
    "scenario_date",
    "days_saved",
    "baseline_p",
    "scenario_p",
    "p_gain",
]


# -- state of the communes -----------------------------------------------------------------


@dataclass(frozen=True)
class _State:
    as_of: pd.Timestamp
    keys: pd.Index  # communes in scope
    collected: np.ndarray
    curve: forecast.Curve  # the forecaster's, for the main target
    implied: np.ndarray  # capacity per working day their steady pace implies
    district: pd.Series  # commune → district key ("" when none)
    province: pd.Series
    days: pd.DatetimeIndex  # as_of + 1 … as_of + HORIZON_DAYS
    weights: np.ndarray  # calendar weight of those days
    goals: list[tuple[int, str, pd.Timestamp, pd.Series]]  # index, name, deadline, target per member
    params: forecast.ForecastParams


def _state(snap: Snapshot, units: pd.DataFrame) -> _State:
    um = snap.unit_milestones
    communes = um[um["level"] == "commune"]
    main = communes[communes["milestone_index"] == 0].set_index("key")
    keys = pd.Index(main.index)
    collected = main["collected"].to_numpy(dtype=float)
    params = snap.forecast_params or forecast.load_params()
    curve = forecast.Curve.of(main, params)
    info = units.reindex(keys)
    days = pd.date_range(snap.as_of + pd.Timedelta(days=1), periods=HORIZON_DAYS, freq="D")
    goals = []
    for (index, name), rows in communes.groupby(["milestone_index", "milestone"], sort=True):
        goals.append(
            (
                int(index),
                str(name),
                pd.Timestamp(rows["deadline"].iloc[0]),
                rows.set_index("key")["target"].astype(float),
            )
        )
    return _State(
        snap.as_of,
        keys,
        collected,
        curve,
        curve.pace.copy(),
        info["district_key"].fillna("").astype(str),
        info["province_key"].fillna("").astype(str),
        days,
        camp.workday_weights(snap.campaign, days),
        goals,
        params,
    )


def _members(state: _State, ref: str) -> list[str]:
    if ref in state.keys:
        return [ref]
    hits = state.keys[(state.district == ref).to_numpy() | (state.province == ref).to_numpy()]
    return list(hits)


def _needed_effort(state: _State, target: np.ndarray) -> np.ndarray:
    c0 = np.nan_to_num(state.collected)
    need = state.curve.effort_for(target - c0)
    return np.where(c0 >= target, 0.0, need)


def _base_capacity(state: _State, productivity: Productivity, teams) -> np.ndarray:
    """Capacity per normal working day of each commune (applications at full yield)."""
    cap = state.implied.copy()
    if teams is None:
        return cap
    if not isinstance(teams, pd.Series):
        teams = pd.Series({"": float(teams)})  # the whole scope
    main_target = state.goals[0][3].reindex(state.keys).to_numpy(dtype=float)
    need = np.nan_to_num(_needed_effort(state, main_target), posinf=0.0)
    for ref, n in teams.items():
        members = list(state.keys) if ref == "" else _members(state, str(ref))
        if not members:
            continue
        idx = state.keys.get_indexer(members)
        share = need[idx] if need[idx].sum() > 0 else np.ones(len(idx))
        cap[idx] = float(n) * productivity.per_team_day * share / share.sum()
    return cap


def _surge_capacity(state: _State, surges, productivity: Productivity) -> np.ndarray:
    """Extra capacity (days × communes) the surges add."""
    extra = np.zeros((len(state.days), len(state.keys)))
    main_target = state.goals[0][3].reindex(state.keys).to_numpy(dtype=float)
    need = np.nan_to_num(_needed_effort(state, main_target), posinf=0.0)
    for surge in surges:
        members = sorted({m for ref in surge.units for m in _members(state, str(ref))})
        if not members:
            raise ValueError(f"surge {surge.label or surge.units!r}: no commune of the campaign")
        idx = state.keys.get_indexer(members)
        per_team = (surge.hours_per_day or productivity.hours_per_day) * productivity.per_team_hour
        if surge.shared:
            share = need[idx] if need[idx].sum() > 0 else np.ones(len(idx))
            each = surge.teams * per_team * share / share.sum()
        else:
            each = np.full(len(idx), surge.teams * per_team)
        first = pd.Timestamp(surge.start) if surge.start else state.days[0]
        on = (state.days >= first) & (state.days < first + pd.Timedelta(days=int(surge.days)))
        extra[np.ix_(on, idx)] += each[None, :]
    return extra


def _paths(state: _State, capacity: np.ndarray) -> np.ndarray:
    """Cumulative count per commune at the end of each horizon day (days × communes)."""
    effort = np.cumsum(capacity * state.weights[:, None], axis=0)
    c0 = np.nan_to_num(state.collected)
    return c0[None, :] + state.curve.gain(effort)


def _reach(
    paths: np.ndarray, current: np.ndarray, target: np.ndarray, days: pd.DatetimeIndex, as_of: pd.Timestamp
) -> pd.DatetimeIndex:
    """First day each column reaches its target (as_of when already there; NaT if never)."""
    hit = paths >= (target[None, :] - 0.5)
    found = hit.any(axis=0)
    first = np.argmax(hit, axis=0)
    out = pd.DatetimeIndex(days[first]).where(found, pd.NaT)
    return out.where(~(current >= target - 0.5), as_of)


def _p_on_time(
    projected: pd.DatetimeIndex,
    deadline: pd.Timestamp,
    state: _State,
    done_on_time: np.ndarray | None = None,
    spread: np.ndarray | None = None,
) -> np.ndarray:
    """The forecaster's predictive distribution around the scenario's projected date:
    working capacity up to the deadline against the working capacity up to the date."""
    cw = np.concatenate([[0.0], np.cumsum(state.weights)])

    def capacity_until(when):
        n = np.clip(np.asarray((pd.DatetimeIndex(when) - state.as_of).days, dtype=float), 0, len(state.days))
        return cw[np.nan_to_num(n, nan=len(state.days)).astype(int)]

    days = np.asarray((projected - state.as_of).days, dtype=float)
    w_proj = np.where(np.isnan(days), np.inf, capacity_until(projected))
    w_dl = capacity_until(pd.DatetimeIndex([deadline] * len(projected)))
    p = forecast.on_time_probability(w_proj, w_dl, state.params, spread)
    p = np.where(days <= 0, 1.0, p)  # already there
    if done_on_time is not None:
        p = np.where(days <= 0, done_on_time.astype(float), p)
    return np.where(np.isnan(p), 0.0, p)


# -- groups: communes, districts, provinces, per milestone -------------------------------------


def _groups(state: _State, snap: Snapshot):
    """Per milestone and level: the group keys, and for each member commune of the
    milestone its position and group number, and its target."""
    um = snap.unit_milestones
    present = set(zip(um["milestone_index"].tolist(), um["level"].tolist(), um["key"].tolist()))
    district = np.asarray(state.district.tolist(), dtype=object)
    province = np.asarray(state.province.tolist(), dtype=object)
    for index, name, deadline, member_target in state.goals:
        members = member_target.index
        pos = state.keys.get_indexer(members)
        tgt = member_target.to_numpy(dtype=float)
        yield index, name, deadline, "commune", members.tolist(), pos, np.arange(len(pos)), tgt
        for level, mapping in (("district", district), ("province", province)):
            keys = mapping[pos]
            ok = np.array([bool(k) and (index, level, k) in present for k in keys], dtype=bool)
            if not ok.any():
                continue
            codes, found = pd.factorize(keys[ok], sort=True)
            yield index, name, deadline, level, list(found), pos[ok], codes, tgt[ok]


def _evaluate(
    state: _State,
    snap: Snapshot,
    paths: np.ndarray,
    capacity: np.ndarray,
    productivity: Productivity,
) -> pd.DataFrame:
    """Per milestone and unit of each level: the projected date, the chance of meeting the
    deadline, and the teams there are against the teams needed."""
    rows = []
    c0 = np.nan_to_num(state.collected)
    um = snap.unit_milestones
    reached = dict(
        zip(
            zip(um["milestone_index"].tolist(), um["level"].tolist(), um["key"].tolist()),
            pd.to_datetime(um["reached_on"]).tolist(),
        )
    )
    working_cache: dict[pd.Timestamp, float] = {}
    for index, name, deadline, level, keys, pos, codes, tgt in _groups(state, snap):
        if deadline not in working_cache:
            working_cache[deadline] = camp.working_days(snap.campaign, state.as_of, deadline)
        w_left = working_cache[deadline]
        if level == "commune":  # one commune per group

            def total(a):
                return a
        else:
            onehot = np.zeros((len(pos), len(keys)))
            onehot[np.arange(len(pos)), codes] = 1.0

            def total(a, onehot=onehot):
                return a @ onehot

        group_paths = total(paths[:, pos])
        current = total(c0[pos])
        target = total(tgt)
        projected = _reach(group_paths, current, target, state.days, state.as_of)
        reached_on = pd.DatetimeIndex([reached.get((index, level, k), pd.NaT) for k in keys])
        # a group's spread: the geometric mean of its communes' (the forecaster's own
        # spread of an aggregate is not at hand for a scenario's groups)
        log_spread = np.log(state.curve.spread[pos]) if state.curve.spread is not None else np.zeros(len(pos))
        spread = np.exp(total(log_spread) / np.maximum(total(np.ones(len(pos))), 1.0))
        p = _p_on_time(projected, deadline, state, np.asarray(reached_on <= deadline), spread)
        needed_cap = _capacity_needed(state, pos, tgt, c0, total, codes, len(keys), w_left)
        teams_now = total(capacity[0, pos]) / productivity.per_team_day
        teams_needed = needed_cap / productivity.per_team_day
        rows.append(
            pd.DataFrame(
                {
                    "key": keys,
                    "level": level,
                    "milestone": name,
                    "milestone_index": index,
                    "deadline": deadline,
                    "target": target,
                    "collected": current,
                    "remaining": np.maximum(target - current, 0),
                    "teams": teams_now,
                    "capacity_per_day": teams_now * productivity.per_team_day,
                    "projected_date": projected,
                    "p_on_time": p,
                    "days_behind": np.asarray((projected - deadline).days, dtype=float),
                    "working_days_left": w_left,
                    "teams_needed": teams_needed,
                    "extra_teams": np.maximum(teams_needed - teams_now, 0.0),
                }
            )
        )
    return _named(pd.concat(rows, ignore_index=True), snap)


def _capacity_needed(state: _State, pos, tgt, c0, total, codes, n_groups: int, w_left: float) -> np.ndarray:
    """Per group, the capacity (applications a working day) that covers its remaining
    effort by the deadline."""
    # teams: per commune the capacity that covers its remaining effort in time; a group sums
    curve = forecast.Curve(
        state.curve.pace[pos],
        state.curve.tail[pos],
        state.curve.stretch[pos],
        state.curve.drain_days,
        None if state.curve.spread is None else state.curve.spread[pos],
    )
    need = np.where(c0[pos] >= tgt - 0.5, 0.0, curve.effort_for(tgt - c0[pos]))
    need_group = (
        total(need)
        if np.all(np.isfinite(need))
        else np.array([need[codes == g].sum() for g in range(n_groups)])
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        needed_cap = need_group / w_left if w_left > 0 else np.where(need_group > 0, np.inf, 0.0)
    return needed_cap


def _named(out: pd.DataFrame, snap: Snapshot) -> pd.DataFrame:
    """`out` with each unit's name and district."""
    u = snap.units
    lookup = list(zip(u["level"].tolist(), u["key"].tolist()))
    name = dict(zip(lookup, u["name"].tolist()))
    district = dict(zip(lookup, u["district"].tolist()))
    pairs = list(zip(out["level"].tolist(), out["key"].tolist()))
    out["name"] = [name.get(p) for p in pairs]
    out["district"] = [district.get(p) for p in pairs]
    return out


# -- public ----------------------------------------------------------------------------------


def plan(
    snap: Snapshot,
    units: pd.DataFrame,
    productivity: Productivity,
    *,
    teams=None,
) -> Plan:
    """Projected dates and teams needed for every unit and milestone.

    ``teams``: None — each commune keeps the capacity its recent progress implies; a
    number — that many teams for the whole scope; a Series keyed by commune or district
    key — teams per unit (a district's are shared among its communes).
    """
    state = _state(snap, units)
    base = _base_capacity(state, productivity, teams)
    capacity = np.repeat(base[None, :], len(state.days), axis=0)
    paths = _paths(state, capacity)
    table = _evaluate(state, snap, paths, capacity, productivity)
    communes = table[table["level"] == "commune"]
    summary = (
        communes.groupby("milestone_index")
        .agg(
            milestone=("milestone", "first"),
            deadline=("deadline", "first"),
            communes=("key", "size"),
            teams=("teams", "sum"),
            teams_needed=("teams_needed", "sum"),
            extra_teams=("extra_teams", "sum"),
            communes_short=("extra_teams", lambda x: int((x > 1e-9).sum())),
        )
        .reset_index()
    )
    return Plan(snap.as_of, productivity, table[PLAN_COLUMNS], summary)


def what_if(
    snap: Snapshot,
    units: pd.DataFrame,
    surges,
    productivity: Productivity,
    *,
    teams=None,
) -> pd.DataFrame:
    """New projected dates and P(on time) with the surges, against the same model
    without them, for every unit (all levels) and milestone.  ``affected`` marks the
    rows whose communes get extra teams."""
    surges = (surges,) if isinstance(surges, Surge) else tuple(surges)
    state = _state(snap, units)
    base = _base_capacity(state, productivity, teams)
    capacity = np.repeat(base[None, :], len(state.days), axis=0)
    extra = _surge_capacity(state, surges, productivity)
    before = _evaluate(state, snap, _paths(state, capacity), capacity, productivity)
    after = _evaluate(state, snap, _paths(state, capacity + extra), capacity, productivity)
    touched_communes = set(state.keys[(extra > 0).any(axis=0)])
    touched = (
        touched_communes
        | set(state.district[list(touched_communes)])
        | set(state.province[list(touched_communes)])
    )
    out = before[
        [
            "key",
            "level",
            "name",
            "district",
            "milestone",
            "milestone_index",
            "deadline",
            "target",
            "collected",
        ]
    ].copy()
    out["affected"] = out["key"].isin(touched)
    out["baseline_date"] = before["projected_date"]
    out["scenario_date"] = after["projected_date"]
    out["days_saved"] = (before["projected_date"] - after["projected_date"]).dt.days
    out["baseline_p"] = before["p_on_time"]
    out["scenario_p"] = after["p_on_time"]
    out["p_gain"] = out["scenario_p"] - out["baseline_p"]
    return out[WHAT_IF_COLUMNS]


def calibrate(
    snap: Snapshot,
    key: str,
    teams: float,
    hours_per_day: float = KY_ANH_HOURS,
) -> Productivity:
    """Applications per team-hour implied by a unit's steady pace (the forecaster's
    ``pace_robust``, per working day) with ``teams`` teams working ``hours_per_day``
    (e.g. Kỳ Anh: 2 teams, 18.5 h)."""
    row = snap.units.set_index("key").loc[key]
    rate = float(row["pace_robust"])
    return Productivity(per_team_hour=rate / (teams * hours_per_day), hours_per_day=hours_per_day)
