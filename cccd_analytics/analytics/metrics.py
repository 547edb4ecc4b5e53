"""Campaign progress per unit and level: pure functions on tidy frames.

Input: the store's current observations (unit_key, date, metric, value), the units
frame, a campaign and an as-of day.  Output: a `Snapshot` — one row per commune,
district and province with the glossary's figures (eligible, collected, returned,
coverage, 7-day pace, required daily rate, projected date, P(on time), status), the same
figures per unit for every milestone (`unit_milestones`), the scope's daily series and
the campaign calendar.  Nothing here reads the store or draws.

Conventions (docs/analytics.md has the formulas and worked examples):

* A missing report is "not reported", never zero.  Between two reports a unit's
  cumulative is interpolated linearly (a report covering several days is spread over
  them); after its last report it is carried forward.  District and province series are
  sums of their communes' series so treated.
* Days count by their calendar weight (`campaigns.workday_weights`): the required daily
  rate is what is left divided by the *working capacity* left (`working_days_left`), so
  it is "per normal working day"; `pace_ratio` compares it with the 7-day progress per
  working day (`pace_workday`).  `pace_7d` stays the plain mean per calendar day.
* Only data dated on or before `as_of` is used (no look-ahead).
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from cccd_analytics import text as fmt
from cccd_analytics.analytics import campaigns as camp
from cccd_analytics.analytics import forecast

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
#: P(on time) thresholds of the status.
P_ON_TRACK = 0.8
P_AT_RISK = 0.4
#: When no forecast exists, the pace ratio decides: >= 1 on track, >= 0.8 at risk.
PACE_RATIO_ON_TRACK = 1.0
PACE_RATIO_AT_RISK = 0.8
#: Where the pace and the forecaster disagree, the pace keeps the status actionable: a
#: unit whose steady pace (weekly increments, forecast.pace_robust) is at least this many
#: times what is required is on track, whatever the curve expects; one at or below
#: PACE_CLEARLY_SHORT of it is at best at risk.  Both cases say why (forecast_note).
PACE_CLEARLY_AHEAD = 2.0
PACE_CLEARLY_SHORT = 0.5
#: A unit that reports every this many days or more sends its figures in batches.
BATCH_GAP_DAYS = 2.0
#: Days of the pace window and of "this week" (coverage gain).
PACE_DAYS = 7
#: Collection-to-return lag: median over this many last days, looking back at most
#: RETURN_LAG_MAX days.
RETURN_LAG_WINDOW = 14
RETURN_LAG_MAX = 90
MAIN_BASIS = "Toàn chiến dịch"


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(columns=columns)


@dataclass(frozen=True)
class Snapshot:
    campaign: camp.Campaign
    as_of: pd.Timestamp
    units: pd.DataFrame  # one row per unit and level (see UNIT_FIELDS)
    daily: pd.DataFrame  # scope totals per day: collected, collected_day, pace_7d, returned, ...
    milestones: pd.DataFrame  # one row per milestone (the main target first) at scope level
    data_through: pd.Timestamp | None  # last day any unit in scope reported
    # unit × milestone (the main target is milestone 0), every level (UNIT_MILESTONE_FIELDS)
    unit_milestones: pd.DataFrame = field(default_factory=pd.DataFrame)
    # the campaign window day by day: date, weight, label
    calendar: pd.DataFrame = field(default_factory=pd.DataFrame)
    # the forecaster's parameters the snapshot was computed with (the capacity planner
    # reads the same curve); None: the calibrated ones
    forecast_params: forecast.ForecastParams | None = None


UNIT_FIELDS = [
    "key",
    "province",
    "district",
    "commune",
    "code",
    "level",
    "name",
    "tags",
    "official",
    "eligible",
    "target",
    "collected",
    "returned",
    "coverage",
    "remaining",
    "pace_7d",
    "required_per_day",
    "pace_ratio",
    "deadline",
    "days_left",
    "projected_date",
    "projected_low",
    "projected_high",
    "p_on_time",
    "days_behind",
    "status",
    "last_report",
    # additions: calendar, funnel, week-on-week, reporting
    "working_days_left",
    "pace_workday",
    "coverage_7d_ago",
    "coverage_gain_7d",
    "backlog",
    "return_rate",
    "return_lag_days",
    "days_since_report",
    "reported_share",
    # the trackers' answer (remaining ÷ 7-day pace), shown beside the forecast
    "run_rate_date",
    # the steady pace the forecast rests on, and why the status is what it is
    "pace_robust",
    "forecast_note",
]

UNIT_MILESTONE_FIELDS = [
    "key",
    "level",
    "name",
    "district",
    "milestone",
    "milestone_index",
    "deadline",
    "eligible",
    "target",
    "collected",
    "coverage",
    "remaining",
    "days_left",
    "working_days_left",
    "required_per_day",
    "pace_7d",
    "pace_workday",
    "pace_ratio",
    "projected_date",
    "projected_low",
    "projected_high",
    "p_on_time",
    "days_behind",
    "reached_on",
    "met",
    "status",
    "forecast_note",
    "run_rate_date",
    "last_report",
    "pace_robust",
    "pace_tail",
    "evidence",
    "ruler_days",
    "model_days",
    "median_days",
    "unit_phase",
    "campaign_phase",
    "forecast_spread",
]

MILESTONE_FIELDS = [
    "name",
    "basis",
    "start",
    "deadline",
    "units",
    "units_done",
    "units_met",
    "units_behind",
    "eligible",
    "target",
    "collected",
    "coverage",
    "remaining",
    "pace_7d",
    "pace_workday",
    "required_per_day",
    "pace_ratio",
    "days_left",
    "working_days_left",
    "projected_date",
    "projected_low",
    "projected_high",
    "p_on_time",
    "days_behind",
    "status",
    "run_rate_date",
]


def latest_as_of(obs: pd.DataFrame) -> pd.Timestamp | None:
    if obs.empty:
        return None
    return pd.Timestamp(obs["date"].max()).normalize()


def wide(obs: pd.DataFrame, metric: str, units: list[str], days: pd.DatetimeIndex) -> pd.DataFrame:
    """Days × units of one metric; NaN where a unit did not report."""
    part = obs[obs["metric"] == metric]
    if part.empty:
        return pd.DataFrame(np.nan, index=days, columns=pd.Index(units, dtype=object), dtype=float)
    return pivot_last(part, days, units)


def pivot_last(part: pd.DataFrame, days: pd.DatetimeIndex, units: list[str]) -> pd.DataFrame:
    """``part`` (date, unit_key, value) as days × units: the last value given for a day and
    unit, NaN where none; rows outside ``days`` or ``units`` are left out.

    Performance: what ``pivot_table(aggfunc="last").reindex(days, units)`` gave,
    by placing the values straight into a numpy array (a later row overwrites an earlier
    one) — pivot_table took seconds on a nation's million rows.
    """
    columns = pd.Index(units)
    out = np.full((len(days), len(columns)), np.nan)
    if len(part):
        row = pd.DatetimeIndex(days).get_indexer(pd.DatetimeIndex(part["date"]))
        col = _positions(part["unit_key"], columns)
        values = part["value"].to_numpy(dtype=float, na_value=np.nan)
        ok = (row >= 0) & (col >= 0) & ~np.isnan(values)
        out[row[ok], col[ok]] = values[ok]
    # No copy: the frame keeps the row-major array, so its values come back in the
    # layout pivot_table gave and sums across a row add up in the same order, to the bit.
    return pd.DataFrame(out, index=days, columns=columns, copy=False)


def _positions(values: pd.Series, index: pd.Index) -> np.ndarray:
    """index.get_indexer(values) (-1 where absent).  Text held by Arrow is looked up in
    Arrow (pyarrow.compute.index_in), without making a Python object per row: on a
    nation's millions of rows that conversion was most of the time."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc

        array = (
            pa.chunked_array(values.array.__arrow_array__())
            if hasattr(values.array, "__arrow_array__")
            else None
        )
        if (
            array is not None
            and pa.types.is_string(array.type)
            or array is not None
            and pa.types.is_large_string(array.type)
        ):
            found = pc.index_in(array, value_set=pa.array(list(index), type=array.type))
            return found.fill_null(-1).to_numpy().astype(np.int64)
    except (ImportError, TypeError, ValueError, pa.ArrowException):
        pass
    return index.get_indexer(values)


class _Cells:
    """Where each observation goes in a days × units array, worked out once for all
    metrics (performance: selecting each metric's rows of a nation's 3.5 million
    copied them, and looking their units up again cost as much)."""

    def __init__(self, obs: pd.DataFrame, days: pd.DatetimeIndex, units: list[str]):
        self.days, self.units = days, units
        self.row = (
            pd.DatetimeIndex(days).get_indexer(pd.DatetimeIndex(obs["date"]))
            if len(obs)
            else np.zeros(0, np.int64)
        )
        self.col = _positions(obs["unit_key"], pd.Index(units)) if len(obs) else np.zeros(0, np.int64)
        self.metric = obs["metric"]
        self.value = obs["value"].to_numpy(dtype=float, na_value=np.nan) if len(obs) else np.zeros(0)
        self._masks: dict[str, np.ndarray] = {}

    def _mine(self, metric: str) -> np.ndarray:
        # Each metric's rows are found once (a comparison over a nation's 3.5 million rows).
        if metric not in self._masks:
            self._masks[metric] = (
                (self.metric == metric).to_numpy(dtype=bool) if len(self.metric) else np.zeros(0, bool)
            )
        return self._masks[metric]

    def wide(self, metric: str) -> pd.DataFrame:
        """What wide(obs, metric, units, days) gives."""
        mine = self._mine(metric)
        if not mine.any():
            return pd.DataFrame(
                np.nan, index=self.days, columns=pd.Index(self.units, dtype=object), dtype=float
            )
        out = np.full((len(self.days), len(self.units)), np.nan)
        ok = mine & (self.row >= 0) & (self.col >= 0) & ~np.isnan(self.value)
        out[self.row[ok], self.col[ok]] = self.value[ok]
        return pd.DataFrame(out, index=self.days, columns=pd.Index(self.units), copy=False)

    def all_dated_within(self, metric: str) -> bool:
        return bool((self.row[self._mine(metric)] >= 0).all())


def _eligible(
    obs: pd.DataFrame, units: pd.DataFrame, keys: list[str], cells: _Cells | None = None
) -> pd.Series:
    """Latest reported eligible population, else the registry's 14+ estimate."""
    if cells is not None and cells.all_dated_within("eligible"):
        # Performance: the last report of each unit from a days × units array,
        # instead of sorting a nation's million eligible rows by date.  Same values.
        grid = cells.wide("eligible").to_numpy()
        has = ~np.isnan(grid)
        last = np.where(has.any(axis=0), len(grid) - 1 - np.argmax(has[::-1], axis=0), -1)
        latest = np.where(last >= 0, grid[np.clip(last, 0, None), np.arange(len(keys))], np.nan)
        reported = pd.Series(latest, index=pd.Index(keys))
    else:
        part = obs[obs["metric"] == "eligible"]
        reported = part.sort_values("date").groupby("unit_key")["value"].last().reindex(keys)
    estimate = units.loc[keys, "eligible_estimate"].astype("Float64")
    return reported.astype("Float64").fillna(estimate).astype(float)


# -- series: reported values, spread and carried forward ---------------------------------


@dataclass(frozen=True)
class Panel:
    """Days × columns of one cumulative metric.

    ``raw`` has NaN where the column did not report; ``filled`` is interpolated between
    reports and carried forward after the last one (NaN before the first); ``first`` and
    ``last`` are the rows of the first and last report (-1 when none).  ``members`` counts
    the communes behind each column and ``reporting`` how many of them reported on the
    last day.
    """

    days: pd.DatetimeIndex
    columns: pd.Index
    raw: np.ndarray
    filled: np.ndarray
    first: np.ndarray
    last: np.ndarray
    members: np.ndarray
    reporting: np.ndarray

    @classmethod
    def of(cls, frame: pd.DataFrame) -> Panel:
        raw = frame.to_numpy(dtype=float, na_value=np.nan)
        filled, first, last = spread(raw)
        reported_last = ~np.isnan(raw[-1]) if len(raw) else np.zeros(raw.shape[1], bool)
        return cls(
            pd.DatetimeIndex(frame.index),
            pd.Index(frame.columns),
            raw,
            filled,
            first,
            last,
            np.ones(raw.shape[1]),
            reported_last.astype(float),
        )

    def frame(self, values: np.ndarray | None = None) -> pd.DataFrame:
        return pd.DataFrame(self.raw if values is None else values, index=self.days, columns=self.columns)

    def aggregate(self, groups: pd.Series) -> Panel:
        """Sum member columns (``groups``: member key → group key) into groups.

        A group counts as reported on a day when any member reported; its value that day
        is the sum of the members' spread or carried-forward values (0 before a member's
        first report)."""
        idx = self.columns.get_indexer(groups.index)
        codes, uniques = pd.factorize(groups, sort=True)
        if not len(idx):
            empty = np.zeros((len(self.days), 0))
            return Panel(
                self.days,
                pd.Index(uniques),
                empty,
                empty.copy(),
                np.zeros(0, int),
                np.zeros(0, int),
                np.zeros(0),
                np.zeros(0),
            )
        # Performance: members sorted by group and summed with reduceat, instead
        # of a product with a dense (members × groups) one-hot matrix — 10,000 communes ×
        # 700 districts made that 7 million cells per call.
        order = np.argsort(codes, kind="stable")
        idx = idx[order]
        starts = np.flatnonzero(np.r_[True, codes[order][1:] != codes[order][:-1]])
        filled = self.filled[:, idx]
        n = len(self.days)
        if n:
            sums = np.add.reduceat(np.nan_to_num(filled, nan=0.0), starts, axis=1)
            reported = np.logical_or.reduceat(~np.isnan(self.raw[:, idx]), starts, axis=1)
            started = np.logical_or.reduceat(~np.isnan(filled), starts, axis=1)
        else:
            sums = np.zeros((0, len(uniques)))
            reported = started = np.zeros((0, len(uniques)), bool)
        raw = np.where(reported, sums, np.nan)
        any_rep = reported.any(axis=0)
        first = np.where(any_rep, np.argmax(reported, axis=0), -1)
        last = np.where(any_rep, n - 1 - np.argmax(reported[::-1], axis=0), -1)
        return Panel(
            self.days,
            pd.Index(uniques),
            raw,
            np.where(started, sums, np.nan),
            first,
            last,
            np.add.reduceat(self.members[idx], starts),
            np.add.reduceat(self.reporting[idx], starts),
        )

    def select(self, columns: list) -> Panel:
        """These columns only, in this order."""
        at = self.columns.get_indexer(columns)
        return Panel(
            self.days,
            self.columns[at],
            self.raw[:, at],
            self.filled[:, at],
            self.first[at],
            self.last[at],
            self.members[at],
            self.reporting[at],
        )

    def at(self, row: int) -> np.ndarray:
        """Spread or carried-forward value on day ``row`` (NaN before it or the data)."""
        if row < 0 or row >= len(self.days):
            return np.full(len(self.columns), np.nan)
        return self.filled[row]

    def current(self) -> np.ndarray:
        return self.at(len(self.days) - 1)


def spread(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Interpolate each column linearly between its reports, carry the last report
    forward; NaN before the first.  Returns (values, first row, last row; -1 if none)."""
    n, m = raw.shape
    if n == 0:
        return raw.copy(), np.full(m, -1), np.full(m, -1)
    valid = ~np.isnan(raw)
    rows = np.arange(n)[:, None]
    prev = np.maximum.accumulate(np.where(valid, rows, -1), axis=0)
    nxt = np.minimum.accumulate(np.where(valid, rows, n)[::-1], axis=0)[::-1]
    cols = np.arange(m)[None, :]
    p, q = np.clip(prev, 0, n - 1), np.clip(nxt, 0, n - 1)
    xp, xq = raw[p, cols], raw[q, cols]
    span = np.where(q > p, q - p, 1)
    inside = xp + (xq - xp) * (rows - p) / span
    out = np.where(prev < 0, np.nan, np.where(nxt < n, inside, xp))
    any_valid = valid.any(axis=0)
    first = np.where(any_valid, np.argmax(valid, axis=0), -1)
    last = np.where(any_valid, n - 1 - np.argmax(valid[::-1], axis=0), -1)
    return out, first, last


# -- figures for one set of columns against one goal -------------------------------------


@dataclass(frozen=True)
class _Context:
    campaign: camp.Campaign
    as_of: pd.Timestamp
    days: pd.DatetimeIndex
    weights: np.ndarray  # calendar weight of each day in `days`
    method: str = "default"
    params: forecast.ForecastParams | None = None  # None: the calibrated ones
    phase: float | None = None  # the campaign's pace against its peak (all its communes)

    def weight_fn(self, days: pd.DatetimeIndex) -> np.ndarray:
        return camp.workday_weights(self.campaign, days)


def _positive(values) -> pd.Series:
    values = pd.Series(values, dtype=float)
    return values.where(values > 0)


def _pace_workday(panel: Panel, weights: np.ndarray) -> np.ndarray:
    """Progress over the 7 days up to each column's last report ÷ the working capacity
    of those days (per normal working day)."""
    cw = np.concatenate([[0.0], np.cumsum(weights)])
    last = panel.last
    ok = last > panel.first
    lo = np.maximum(last - PACE_DAYS, panel.first)
    cols = np.arange(len(panel.columns))
    li, si = np.clip(last, 0, None), np.clip(lo, 0, None)
    inc = panel.filled[li, cols] - panel.filled[si, cols] if len(panel.days) else np.zeros(len(cols))
    cap = cw[li + 1] - cw[si + 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ok & (cap > 0), inc / cap, np.nan)


def _status(
    done: np.ndarray,
    has_data: np.ndarray,
    past_deadline: np.ndarray,
    p_on_time: np.ndarray,
    pace_ratio: np.ndarray,
    steady_ratio: np.ndarray | None = None,
    stalled: np.ndarray | None = None,
) -> np.ndarray:
    """done; missed after the deadline; a unit without progress over the last 28 days
    behind; else from P(on time) (or, without a forecast, the pace ratio), kept
    actionable where the steady pace clearly says otherwise (PACE_CLEARLY_AHEAD,
    PACE_CLEARLY_SHORT); no_data when the unit never reported."""
    fallback = np.where(
        pace_ratio >= PACE_RATIO_ON_TRACK, 1.0, np.where(pace_ratio >= PACE_RATIO_AT_RISK, 0.5, 0.0)
    )
    p = np.where(np.isnan(p_on_time), fallback, p_on_time)
    status = np.where(p >= P_ON_TRACK, "on_track", np.where(p >= P_AT_RISK, "at_risk", "behind"))
    if steady_ratio is not None:
        steady = np.nan_to_num(steady_ratio, nan=0.0)
        status = np.where(steady >= PACE_CLEARLY_AHEAD, "on_track", status)
        status = np.where((steady <= PACE_CLEARLY_SHORT) & (status == "on_track"), "at_risk", status)
    if stalled is not None:
        status = np.where(stalled, "behind", status)
    status = np.where(past_deadline, "missed", status)
    status = np.where(done, "done", status)
    return np.where(has_data, status, "no_data")


def _times(x: float) -> str:
    """2.34 → "2,3"; 12.6 → "13" (how many times the required rate)."""
    return fmt.number(x, 1 if x < 10 else 0)


def forecast_notes(fig: pd.DataFrame, gap: np.ndarray) -> np.ndarray:
    """Why each unit's status is what it is, in Vietnamese, where the figures need
    reading with care: no progress, figures sent in batches, the steady pace and the
    forecaster disagreeing, or a unit projected after its deadline; "" otherwise.

    Only the rows that need a note are formatted (a nation's communes are mostly on
    track and need none)."""
    n = len(fig)
    notes = np.full(n, "", dtype=object)
    status = fig["status"].to_numpy()
    open_ = ~np.isin(status, ("done", "no_data"))
    stalled = fig["stalled"].to_numpy(dtype=bool)
    steady = fig["steady_ratio"].to_numpy(dtype=float)
    seven = fig["pace_ratio"].to_numpy(dtype=float)
    p = fig["p_on_time"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        batch = open_ & (gap >= BATCH_GAP_DAYS)
        live = open_ & ~stalled & (status != "missed") & np.isfinite(steady) & np.isfinite(p)
        ahead = live & (steady >= PACE_CLEARLY_AHEAD) & (p < P_ON_TRACK)
        short = live & (steady <= PACE_CLEARLY_SHORT) & (p >= P_ON_TRACK)
        slowing = live & ~ahead & ~short & np.isin(status, ("behind", "at_risk")) & (steady >= 1)
        late = open_ & ~stalled & (status != "missed") & np.isin(status, ("behind", "at_risk"))
    need = open_ & (stalled | batch | ahead | short | slowing | late)
    evidence = fig["evidence"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        from_peak = fig["pace_robust"].to_numpy(dtype=float) / fig["pace_peak"].to_numpy(dtype=float)
    projected, low, high = fig["projected_date"], fig["projected_low"], fig["projected_high"]
    deadline = fig["deadline"]
    for i in np.flatnonzero(need):
        parts = []
        if stalled[i]:
            parts.append(STALLED_NOTE)
        if batch[i]:
            parts.append(
                "số liệu báo cáo dồn"
                + (" (báo cáo theo tuần)" if gap[i] >= 6 else f" (khoảng {fmt.number(gap[i])} ngày một lần)")
            )
        if ahead[i]:
            use_seven = np.isfinite(seven[i]) and seven[i] >= PACE_CLEARLY_AHEAD
            label = "tốc độ 7 ngày" if use_seven else "tốc độ 3 tuần qua"
            parts.append(
                f"{label} gấp {_times(seven[i] if use_seven else steady[i])} lần cần thiết; mô hình tính "
                f"đến việc tốc độ thường giảm khi gần bão hòa nên khả năng kịp hạn chỉ {fmt.percent(p[i], 0)}"
            )
        elif short[i]:
            parts.append(
                f"mô hình dự báo kịp hạn nhưng tốc độ 3 tuần qua chỉ bằng {fmt.percent(steady[i], 0)} mức cần thiết"
            )
        elif slowing[i]:
            parts.append(
                f"tốc độ hiện nay gấp {_times(steady[i])} lần cần thiết nhưng "
                + (
                    f"đang giảm (bằng {fmt.percent(from_peak[i], 0)} lúc nhanh nhất)"
                    if np.isfinite(evidence[i]) and evidence[i] > 0
                    else "tốc độ thường giảm khi gần bão hòa"
                )
            )
        if late[i] and pd.notna(projected.iloc[i]):
            text = f"{PROJECTION_NOTE} {fmt.date_vn(projected.iloc[i])}"
            if pd.notna(low.iloc[i]) and pd.notna(high.iloc[i]):
                text += f" (khoảng {fmt.date_vn(low.iloc[i])} – {fmt.date_vn(high.iloc[i])})"
            days_late = (projected.iloc[i] - deadline.iloc[i]).days
            if days_late > 0:
                text += f", sau hạn {fmt.number(days_late)} ngày"
            parts.append(text)
        notes[i] = "; ".join(parts)
    return notes


#: The status note of a unit without progress: it gets no projected date.
STALLED_NOTE = "không có tiến triển 28 ngày"
#: How the part of a note that only restates the projection of a late unit begins.
PROJECTION_NOTE = "dự báo đạt"


def _figures(
    panel: Panel, eligible: pd.Series, target: pd.Series, deadline: pd.Timestamp, ctx: _Context
) -> pd.DataFrame:
    """Progress of each column of ``panel`` against ``target`` by ``deadline``."""
    cols = panel.columns
    eligible = _positive(eligible.reindex(cols))
    target = _positive(target.reindex(cols))
    fc = forecast.forecast_units(
        panel.frame(),
        eligible,
        target,
        deadline,
        ctx.as_of,
        workday_weight=ctx.weight_fn,
        method=ctx.method,
        params=ctx.params,
        phase=ctx.phase,
    )
    collected = pd.Series(panel.current(), index=cols)
    has_data = panel.last >= 0
    days_left = max((deadline - ctx.as_of).days, 0)
    working_left = camp.working_days(ctx.campaign, ctx.as_of, deadline)
    remaining = (target - collected).clip(lower=0)
    if working_left > 0:
        required = remaining / working_left
    else:
        required = remaining.where(remaining == 0, np.inf)
    pace_workday = pd.Series(_pace_workday(panel, ctx.weights), index=cols)
    with np.errstate(divide="ignore", invalid="ignore"):
        pace_ratio = pace_workday / required.replace(0, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        steady_ratio = fc["pace_robust"] / required.replace(0, np.nan)
    done = (collected >= target - 0.5).to_numpy()
    stalled = has_data & ~done & ~(fc["progress_28d"].fillna(0).to_numpy() > 0)
    status = _status(
        done,
        has_data,
        np.full(len(cols), ctx.as_of > deadline),
        fc["p_on_time"].to_numpy(dtype=float),
        pace_ratio.fillna(0).to_numpy(dtype=float),
        steady_ratio.to_numpy(dtype=float),
        stalled,
    )
    projected = pd.to_datetime(fc["projected_date"])
    reached_on = projected.where(done)
    last_report = pd.Series(
        panel.days[np.clip(panel.last, 0, None)] if len(panel.days) else pd.NaT, index=cols
    ).where(has_data)
    with np.errstate(divide="ignore", invalid="ignore"):
        run_days = np.ceil(remaining / fc["pace_7d"].where(fc["pace_7d"] > 0))
    run_rate = (ctx.as_of + pd.to_timedelta(run_days.clip(upper=forecast.HORIZON_DAYS), unit="D")).where(
        run_days.notna() & ~done
    )
    out = pd.DataFrame(
        {
            "run_rate_date": run_rate,
            "eligible": eligible,
            "target": target,
            "collected": collected,
            "coverage": collected / eligible,
            "remaining": remaining,
            "pace_7d": fc["pace_7d"],
            "pace_workday": pace_workday,
            "required_per_day": required,
            "pace_ratio": pace_ratio,
            "deadline": deadline,
            "days_left": days_left,
            "working_days_left": working_left,
            "projected_date": projected,
            "projected_low": fc["projected_low"],
            "projected_high": fc["projected_high"],
            "p_on_time": fc["p_on_time"],
            "days_behind": (projected - deadline).dt.days,
            "status": status,
            "reached_on": reached_on,
            "met": done & (reached_on <= deadline).to_numpy(),
            "last_report": last_report,
            "pace_robust": fc["pace_robust"],
            "pace_tail": fc.get("pace_tail", np.nan),
            "evidence": fc["evidence"],
            "ruler_days": fc["ruler_days"],
            "model_days": fc["model_days"],
            "median_days": fc["median_days"],
            "unit_phase": fc.get("unit_phase", np.nan),
            "campaign_phase": fc.get("campaign_phase", np.nan),
            "forecast_spread": fc.get("forecast_spread", np.nan),
        },
        index=cols,
    )
    notes = forecast_notes(
        out.assign(stalled=stalled, steady_ratio=steady_ratio, pace_peak=fc["pace_peak"]),
        fc["reporting_gap"].to_numpy(dtype=float),
    )
    return out.assign(forecast_note=notes)


def goal_figures(
    cumulative: pd.DataFrame | Panel,
    eligible: pd.Series,
    target: pd.Series,
    deadline: pd.Timestamp,
    campaign: camp.Campaign,
    as_of: pd.Timestamp,
) -> pd.DataFrame:
    """The figures of any cumulative series against a target by a deadline — collected,
    coverage, remaining, pace, required rate, projected date and range, P(on time),
    status — exactly as a commune's against its own (one function for both: a priority
    group's or a channel's target is judged like a commune's).

    ``cumulative``: days × columns (NaN where not reported), days up to ``as_of``, or a
    `Panel` (an aggregate keeps its members' spread values, as the milestones' do)."""
    as_of = pd.Timestamp(as_of).normalize()
    panel = cumulative if isinstance(cumulative, Panel) else Panel.of(cumulative)
    ctx = _Context(campaign, as_of, panel.days, camp.workday_weights(campaign, panel.days))
    return _figures(panel, eligible, target, pd.Timestamp(deadline), ctx)


def _week_and_reporting(panel: Panel, eligible: pd.Series, as_of: pd.Timestamp) -> pd.DataFrame:
    """Coverage 7 days before as-of, days since the last report, share reporting today."""
    cols = panel.columns
    eligible = _positive(eligible.reindex(cols))
    before = panel.at(len(panel.days) - 1 - PACE_DAYS)
    now = panel.current()
    last_day = pd.Series(
        panel.days[np.clip(panel.last, 0, None)] if len(panel.days) else pd.NaT, index=cols
    ).where(panel.last >= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = panel.reporting / panel.members
    return pd.DataFrame(
        {
            "coverage_7d_ago": before / eligible.to_numpy(),
            "coverage_gain_7d": (now - before) / eligible.to_numpy(),
            "days_since_report": (as_of - last_day).dt.days,
            "reported_share": share,
        },
        index=cols,
    )


def return_lag(
    collected: np.ndarray,
    returned: np.ndarray,
    window: int = RETURN_LAG_WINDOW,
    max_lag: int = RETURN_LAG_MAX,
) -> np.ndarray:
    """Typical days between collection and return, first-in first-out.

    For each of the last ``window`` days t, the lag is the smallest L such that the
    cumulative collected L days earlier is not above the cumulative returned on t (the
    cards returned by t are those collected by t − L); the result is the median over the
    window, per column.  NaN when nothing was returned or the history is too short.
    Inputs are spread, carried-forward days × columns arrays.
    """
    n, m = collected.shape
    if n == 0 or m == 0:
        return np.full(m, np.nan)
    t = np.arange(max(n - window, 0), n)
    r = returned[t]  # (days, cols)
    # Performance: lag by lag, only for the (day, column) pairs still looking,
    # instead of a lags × days × columns array (a nation's: 13 million cells).  A pair
    # stops at its first hit — the smallest lag, as argmax over all lags gave — or when
    # its day L back is before the first day.
    lag = np.full(r.shape, np.nan)
    # A pair whose returned figure is below every collected figure of the days it may look
    # back to never hits: it is not looked for (the lowest over a span covering all of them).
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lowest = np.fmin.reduce(collected[max(int(t[0]) - max_lag, 0) :], axis=0)
        pending = (r > 0) & ~(lowest[None, :] > r)
    for back in range(max_lag + 1):
        src = t - back
        rows = np.flatnonzero((src >= 0) & pending.any(axis=1))
        if not len(rows):
            break
        with np.errstate(invalid="ignore"):
            hit = pending[rows] & (collected[src[rows]] <= r[rows])
        if hit.any():
            lag_rows = lag[rows]
            lag_rows[hit] = back
            lag[rows] = lag_rows
            pending[rows] &= ~hit
    out = np.full(m, np.nan)
    any_lag = ~np.all(np.isnan(lag), axis=0)
    if any_lag.any():
        out[any_lag] = np.nanmedian(lag[:, any_lag], axis=0)
    return out


def _funnel(collected: Panel, returned: Panel) -> pd.DataFrame:
    """collected → returned: the backlog of cards not yet handed back and the typical lag."""
    c = collected.current()
    r = returned.current()
    has_returned = returned.last >= 0
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(has_returned & (c > 0), r / c, np.nan)
    lag = return_lag(collected.filled, returned.filled)
    return pd.DataFrame(
        {
            "returned": np.where(has_returned, r, np.nan),
            "backlog": np.where(has_returned, np.maximum(c - np.nan_to_num(r), 0), np.nan),
            "return_rate": rate,
            "return_lag_days": lag,
        },
        index=collected.columns,
    )


# -- goals: the main target and each milestone --------------------------------------------


@dataclass(frozen=True)
class _Goal:
    index: int
    name: str
    basis: str
    deadline: pd.Timestamp
    members: list[str]
    target: pd.Series  # per member commune


def _goals(
    campaign: camp.Campaign, units: pd.DataFrame, scope: list[str], eligible: pd.Series, target: pd.Series
) -> list[_Goal]:
    goals = [_Goal(0, campaign.name, MAIN_BASIS, pd.Timestamp(campaign.deadline), list(scope), target)]
    for i, m in enumerate(campaign.milestones, start=1):
        members = camp.milestone_communes(m, scope, units)
        if m.target.kind == "share":
            member_target = camp.commune_targets(m.target, eligible[members])
        else:
            # a count milestone is split like the main target (by eligible or the explicit targets)
            base = target[members]
            member_target = base / base.sum() * m.target.value if base.sum() > 0 else base
        goals.append(_Goal(i, m.name, m.tag or "danh sách", pd.Timestamp(m.deadline), members, member_target))
    return goals


def _groupings(meta: pd.DataFrame) -> list[tuple[str, pd.Series]]:
    out = []
    for level, column in (("district", "district_key"), ("province", "province_key")):
        groups = meta[column].astype(object).where(meta[column].notna(), "").astype(str)
        groups = groups[groups != ""]
        if not groups.empty:
            out.append((level, groups))
    return out


# -- the snapshot -----------------------------------------------------------------------


def snapshot(
    obs: pd.DataFrame,
    units: pd.DataFrame,
    campaign: camp.Campaign,
    as_of: date | pd.Timestamp | None = None,
    *,
    method: str = "default",
    params: forecast.ForecastParams | None = None,
) -> Snapshot:
    """Progress of a campaign on `as_of` (default: the last day with data).

    ``method`` and ``params`` choose the forecaster (default: the calibrated one, as
    ``cccd status`` runs it); the backtest passes the parameters of each fold here, so
    the track record is computed by this same function.

    Long on purpose: the snapshot's parts computed in dependency order from one scope and one
    as-of day; each part is a function of its own.
    """
    with_data = set(obs["unit_key"].unique()) if len(obs) else set()
    scope = camp.scope_communes(campaign, units, with_data)
    # Performance: a filter that keeps every row is skipped (the frame is only
    # read here); on a nation's 3.5 million rows each one cost a copy.
    if not with_data <= set(scope):
        obs = obs[obs["unit_key"].isin(scope)]
    data_through = latest_as_of(obs)
    as_of = pd.Timestamp(as_of) if as_of is not None else (data_through or pd.Timestamp(campaign.deadline))
    as_of = as_of.normalize()
    if len(obs) and obs["date"].max() > as_of:
        obs = obs[obs["date"] <= as_of]
    data_through = latest_as_of(obs)
    first = obs["date"].min() if len(obs) else as_of
    start = pd.Timestamp(campaign.start) if campaign.start else first
    days = pd.date_range(min(start, first, as_of), as_of, freq="D")
    ctx = _Context(campaign, as_of, days, camp.workday_weights(campaign, days), method, params)

    cells = _Cells(obs, days, scope)
    collected = Panel.of(cells.wide("collected"))
    # One campaign-wide figure pools the units' evidence of a slowdown; every level and
    # milestone is forecast with it (and a milestone's communes can be forecast alone).
    ctx = dataclasses.replace(
        ctx, phase=forecast.campaign_phase(collected.frame(), as_of, ctx.weight_fn, params=params)
    )
    returned = Panel.of(cells.wide("returned"))
    eligible = _eligible(obs, units, scope, cells)
    explicit = camp.resolve_unit_targets(campaign, units, scope)
    target = camp.commune_targets(campaign.target, eligible, explicit)
    meta = units.loc[scope]
    groupings = _groupings(meta)
    goals = _goals(campaign, units, scope, eligible, target)

    level_tables: list[pd.DataFrame] = []
    per_goal: list[pd.DataFrame] = []
    milestone_rows: list[dict] = []
    for goal in goals:
        # Communes: the goal's targets for its members.  The default forecaster projects
        # each commune on its own, so a milestone's communes are forecast alone
        # (performance: a nation's border milestone forecast 10,000 communes to
        # keep 123); a pooled one gets every commune of the scope, then the members are kept.
        goal_target = target.copy()
        goal_target[goal.members] = goal.target[goal.members]
        chosen = forecast.DEFAULT_METHOD if method == "default" else method
        alone = goal.index > 0 and chosen not in forecast.POOLED_METHODS
        communes = _figures(
            collected.select(goal.members) if alone else collected, eligible, goal_target, goal.deadline, ctx
        )
        parts = [communes.loc[goal.members].assign(level="commune")]
        if goal.index == 0:
            extra = _week_and_reporting(collected, eligible, as_of).join(_funnel(collected, returned))
            level_tables.append(communes.join(extra).assign(level="commune"))
        for level, groups in groupings:
            member_groups = groups.reindex(goal.members).dropna()
            if member_groups.empty:
                continue
            agg = collected.aggregate(member_groups)
            agg_el = eligible[member_groups.index].groupby(member_groups).sum()
            agg_target = goal.target[member_groups.index].groupby(member_groups).sum().round(6)
            fig = _figures(agg, agg_el, agg_target, goal.deadline, ctx)
            parts.append(fig.assign(level=level))
            if goal.index == 0:
                extra = _week_and_reporting(agg, agg_el, as_of).join(
                    _funnel(agg, returned.aggregate(member_groups))
                )
                level_tables.append(fig.join(extra).assign(level=level))
        per_goal.append(pd.concat(parts).assign(milestone=goal.name, milestone_index=goal.index))
        milestone_rows.append(_milestone_row(goal, collected, eligible, ctx, parts[0], start))

    table = _label(pd.concat(level_tables), units)[UNIT_FIELDS]
    unit_milestones = _label(pd.concat(per_goal), units)[UNIT_MILESTONE_FIELDS]
    calendar = camp.calendar_frame(
        campaign, days[0], max(pd.Timestamp(campaign.deadline), *(g.deadline for g in goals))
    )
    return Snapshot(
        campaign=campaign,
        as_of=as_of,
        units=table,
        daily=_daily(collected, returned, ctx, calendar),
        milestones=pd.DataFrame(milestone_rows, columns=MILESTONE_FIELDS),
        data_through=data_through,
        unit_milestones=unit_milestones,
        calendar=calendar,
        forecast_params=params,
    )


def _milestone_row(
    goal: _Goal,
    collected: Panel,
    eligible: pd.Series,
    ctx: _Context,
    communes: pd.DataFrame,
    start: pd.Timestamp,
) -> dict:
    row = dict(name=goal.name, basis=goal.basis, start=start, deadline=goal.deadline, units=len(goal.members))
    if not goal.members:
        return row
    agg = collected.aggregate(pd.Series("all", index=goal.members))
    fig = _figures(
        agg,
        pd.Series({"all": eligible[goal.members].sum()}),
        pd.Series({"all": round(float(goal.target.sum()), 6)}),
        goal.deadline,
        ctx,
    ).iloc[0]
    row.update(
        units_done=int((communes["status"] == "done").sum()),
        units_met=int(communes["met"].sum()),
        units_behind=int(communes["status"].isin(["behind", "missed"]).sum()),
        **{k: fig[k] for k in MILESTONE_FIELDS if k in fig.index and k != "deadline"},
    )
    return row


def _label(table: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    table = table.copy()
    table["key"] = table.index
    info = units.reindex(table.index)
    table["name"] = info["name"].to_numpy()
    table["code"] = info["code"].to_numpy()
    table["tags"] = info["tags"].to_numpy()
    table["official"] = info["official"].to_numpy()
    names = units["name"]
    prov = info["province_key"].map(names).fillna(info.get("province_name"))
    dist = info["district_key"].map(names).fillna(info.get("district_name"))
    level = table["level"].to_numpy()
    table["province"] = np.where(level == "province", info["name"], prov)
    table["district"] = np.where(level == "district", info["name"], np.where(level == "commune", dist, None))
    table["commune"] = np.where(level == "commune", info["name"], None)
    return table.reset_index(drop=True)


def _daily(collected: Panel, returned: Panel, ctx: _Context, calendar: pd.DataFrame) -> pd.DataFrame:
    """Scope totals per day (reports spread over the days they cover)."""
    total = np.nansum(collected.filled, axis=1) if collected.filled.size else np.zeros(len(ctx.days))
    back = np.nansum(returned.filled, axis=1) if returned.filled.size else np.zeros(len(ctx.days))
    reported = (~np.isnan(collected.raw)).sum(axis=1) if collected.raw.size else np.zeros(len(ctx.days))
    daily = pd.DataFrame(
        {"date": ctx.days, "collected": total, "returned": back, "units_reporting": reported}
    )
    # The first day's increase is unknown (the cumulative includes what came before).
    daily["collected_day"] = daily["collected"].diff()
    daily["pace_7d"] = daily["collected_day"].rolling(PACE_DAYS, min_periods=3).mean()
    cal = calendar.set_index("date")
    daily["weight"] = ctx.weights
    daily["day_label"] = cal["label"].reindex(ctx.days).fillna("").to_numpy()
    return daily[
        [
            "date",
            "collected",
            "collected_day",
            "pace_7d",
            "returned",
            "units_reporting",
            "weight",
            "day_label",
        ]
    ]


def attention_order(table: pd.DataFrame) -> pd.DataFrame:
    """Units sorted by how far behind they are: worst status, then most days behind."""
    rank = {s: i for i, s in enumerate(STATUS_ORDER)}
    out = table.assign(
        _rank=table["status"].map(rank),
        _behind=table["days_behind"]
        .fillna(10_000)
        .where(table["projected_date"].isna() | table["days_behind"].notna(), 10_000),
        _cov=table["coverage"].fillna(-1),
    )
    out.loc[out["projected_date"].isna() & (out["status"] != "done"), "_behind"] = 10_000
    out = out.sort_values(
        ["_rank", "_behind", "_cov", "key"], ascending=[True, False, True, True], kind="stable"
    )
    return out.drop(columns=["_rank", "_behind", "_cov"])
