"""A cumulative metric as days x units: reported values, spread and carried forward.

``Panel`` holds one metric's reports (NaN where a unit did not report) and the same
values interpolated linearly between reports and carried forward after the last one;
``aggregate`` sums communes into districts and provinces.  ``wide``, ``pivot_last`` and
``_Cells`` place a store's long observations into such arrays (the snapshot, the
quality checks and the breakdowns all start here).  Nothing here reads the store.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


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
    nation's millions of rows that conversion was most of the time.  Categorical text
    (Store.figure_observations) is looked up by its categories, a few thousand."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        found = index.get_indexer(values.cat.categories)
        codes = values.cat.codes.to_numpy()
        return np.where(codes >= 0, found[np.clip(codes, 0, None)], -1).astype(np.int64)
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
        # Each value's cell as one index into the flattened array, -1 where it has none (a
        # day or unit outside, no value): worked out once, and a flat index places a
        # nation's million values several times faster than a (row, column) pair.
        placed = (self.row >= 0) & (self.col >= 0) & ~np.isnan(self.value)
        self.cell = np.where(placed, self.row * len(units) + self.col, -1)

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
        ok = mine & (self.cell >= 0)
        out.ravel()[self.cell[ok]] = self.value[ok]  # a later value overwrites an earlier one
        return pd.DataFrame(out, index=self.days, columns=pd.Index(self.units), copy=False)

    def all_dated_within(self, metric: str) -> bool:
        return bool((self.row[self._mine(metric)] >= 0).all())


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
    forward; NaN before the first.  Returns (values, first row, last row; -1 if none).

    Performance: only the cells without a report are worked out (a reported cell is its
    report); units report most days, so a nation's days x units took twice as long when
    every cell was interpolated.  The same arithmetic, so the same values to the bit."""
    n, m = raw.shape
    if n == 0:
        return raw.copy(), np.full(m, -1), np.full(m, -1)
    valid = ~np.isnan(raw)
    any_valid = valid.any(axis=0)
    first = np.where(any_valid, np.argmax(valid, axis=0), -1)
    last = np.where(any_valid, n - 1 - np.argmax(valid[::-1], axis=0), -1)
    out = raw.copy()
    r, c = np.nonzero(~valid)
    if len(r):
        rows = np.arange(n, dtype=np.int32)[:, None]
        prev = np.maximum.accumulate(np.where(valid, rows, -1), axis=0)[r, c]
        nxt = np.minimum.accumulate(np.where(valid, rows, n)[::-1], axis=0)[::-1][r, c]
        p, q = np.clip(prev, 0, n - 1), np.clip(nxt, 0, n - 1)
        xp, xq = raw[p, c], raw[q, c]
        span = np.where(q > p, q - p, 1)
        inside = xp + (xq - xp) * (r - p) / span
        out[r, c] = np.where(prev < 0, np.nan, np.where(nxt < n, inside, xp))
    return out, first, last
