"""How fresh the figures are: which communes reported on the as-of day, which are silent.

A commune that has not reported keeps its last cumulative figure in every total, so a
leader reading the overview must be told who is silent (and since when), or silence
reads as zero progress.  Days are calendar days: a commune that does not report on a
Sunday shows as silent for one day, which is below the two days the list starts at.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

#: A commune silent for this many days or more is listed by name.
SILENT_DAYS = 2


@dataclass(frozen=True)
class Freshness:
    as_of: pd.Timestamp
    reported: int  # communes with a report dated the as-of day
    total: int  # communes in scope
    #: communes silent for SILENT_DAYS or more (or never reported), longest silence first:
    #: key, name, district, last_report (NaT = never), days_silent (NaN = never)
    silent: pd.DataFrame


def freshness(units: pd.DataFrame, as_of, silent_days: int = SILENT_DAYS) -> Freshness:
    """From a snapshot's unit table (metrics.Snapshot.units) and its as-of day."""
    as_of = pd.Timestamp(as_of)
    communes = units[units["level"] == "commune"]
    last = pd.to_datetime(communes["last_report"])
    days = (as_of - last).dt.days
    reported = int((last == as_of).sum())
    quiet = communes[last.isna() | (days >= silent_days)]
    silent = pd.DataFrame(
        {
            "key": quiet["key"],
            "name": quiet["name"],
            "district": quiet["district"],
            "last_report": last[quiet.index],
            "days_silent": days[quiet.index],
        }
    )
    silent = silent.sort_values(
        ["days_silent", "district", "name"], ascending=[False, True, True], na_position="first"
    ).reset_index(drop=True)
    return Freshness(as_of, reported, len(communes), silent)


def complete_day(units: pd.DataFrame, as_of) -> pd.Timestamp:
    """The last day, up to `as_of`, by which at least half the communes that ever reported
    had reported: the day a leader's figures should be read at by default.  A day that only
    a few communes have reported yet (5 of 460 uploaded early) moves the whole province's
    headline — its pace, its forecast — on the figures of those few; the day before, with
    nearly every commune in, is the picture to show, the newer day one click away."""
    as_of = pd.Timestamp(as_of)
    communes = units[units["level"] == "commune"]
    last = pd.to_datetime(communes["last_report"]).dropna()
    if last.empty:
        return as_of
    # The k-th most recent report, k half the communes: by that day half had reported.
    half = (len(last) + 1) // 2
    day = last.sort_values(ascending=False).iloc[half - 1].normalize()
    return min(day, as_of)
