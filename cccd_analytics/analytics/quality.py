"""Data-quality checks: what in the reports looks wrong, with clear Vietnamese labels.

`findings()` returns one tidy frame (FINDING_COLUMNS), one row per episode: a run of
missing days, one falling value, one spike day, a stretch of days over 100 %, a stretch
of days with more cards returned than applications collected, one subtotal row that
does not add up.  `completeness()` gives the unit × day grid of reports (for a heat map)
and the share of unit-days reported per unit and per day.

Pure functions on the store's frames: current observations (unit_key, date, metric,
value, upload_id), units, and — for subtotal mismatches — the uploads frame
(`Store.list_uploads()`), whose `warnings` column holds the import warnings as JSON.
Only data dated on or before `as_of` is looked at.  Thresholds are module constants and
are documented in docs/analytics.md.

The checks themselves live in `quality_checks`, one function each; this module runs them
and puts their findings in order, and measures completeness.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cccd_analytics import rules
from cccd_analytics.analytics import campaigns as camp

# The checks are a module of their own (quality_checks); their names stay importable
# from here, where the pages, the briefing and the tests reach for them.
from cccd_analytics.analytics.quality_checks import (
    GAP_WARNING_DAYS,
    MAD_TO_SD,
    METRIC_LABELS,
    SPIKE_HALF_WINDOW,
    SPIKE_MIN_EXCESS,
    SPIKE_MIN_POINTS,
    SPIKE_NEIGHBOUR_RATIO,
    SPIKE_RATIO,
    SPIKE_Z,
    _falling,
    _missing,
    _over_eligible,
    _returned_above,
    _Scope,
    _scope,
    _spikes,
    _subtotals,
    _unit_info,
    _wide,
    daily_increments,
    spike_scores,
)

__all__ = [
    "CHECKS",
    "FINDING_COLUMNS",
    "GAP_WARNING_DAYS",
    "MAD_TO_SD",
    "METRIC_LABELS",
    "SEVERITY_LABELS",
    "SEVERITY_ORDER",
    "SPIKE_HALF_WINDOW",
    "SPIKE_MIN_EXCESS",
    "SPIKE_MIN_POINTS",
    "SPIKE_NEIGHBOUR_RATIO",
    "SPIKE_RATIO",
    "SPIKE_Z",
    "Completeness",
    "completeness",
    "daily_increments",
    "findings",
    "spike_scores",
    "summary",
]

# The checks this page runs on stored data; their severities and labels are the rules'
# (cccd_analytics.rules), the same as at import.
CHECKS = {
    code: rules.label(code)
    for code in (
        "missing_report",
        "never_reported",
        "falling_cumulative",
        "spike",
        "coverage_over_100",
        "returned_above_collected",
        "subtotal_mismatch",
    )
}
SEVERITY_LABELS = rules.SEVERITY_LABELS
SEVERITY_ORDER = rules.SEVERITY_ORDER
FINDING_COLUMNS = [
    "unit_key",
    "unit_name",
    "district",
    "date",
    "date_end",
    "check",
    "check_label",
    "severity",
    "severity_label",
    "message_vi",
    "value",
    "expected",
]


# -- completeness --------------------------------------------------------------------------


@dataclass(frozen=True)
class Completeness:
    """Who reported when.

    ``grid``: index = commune keys (ordered by district, then name), columns = days;
    1 reported, 0 expected but missing, NaN not expected (a day off in the calendar).
    ``by_unit``: unit_key, unit_name, district, expected_days, reported_days,
    completeness, last_report.  ``by_day``: date, expected_units, reported_units,
    completeness.
    """

    grid: pd.DataFrame
    by_unit: pd.DataFrame
    by_day: pd.DataFrame


def completeness(
    obs: pd.DataFrame, units: pd.DataFrame, campaign: camp.Campaign | None = None, as_of=None
) -> Completeness:
    """Reporting completeness of the campaign's communes up to ``as_of``."""
    scope = _scope(obs, units, campaign, as_of)
    return _completeness(scope, units)


def _completeness(scope: _Scope, units: pd.DataFrame) -> Completeness:
    reported = _wide(scope, "collected").notna().to_numpy()  # days × units
    expected = np.repeat(scope.expected[:, None], len(scope.keys), axis=1)
    grid = np.where(expected, reported.astype(float), np.nan)
    grid_frame = pd.DataFrame(grid.T, index=pd.Index(scope.keys, name="unit_key"), columns=scope.days)
    exp_days = expected.sum(axis=0)
    rep_days = (reported & expected).sum(axis=0)
    info = _unit_info(units, scope.keys)
    last = pd.Series(pd.NaT, index=scope.keys, dtype="datetime64[ns]")
    if len(scope.obs):
        got = scope.obs[scope.obs["metric"] == "collected"].groupby("unit_key")["date"].max()
        last = got.reindex(scope.keys)
    with np.errstate(divide="ignore", invalid="ignore"):
        by_unit = pd.DataFrame(
            {
                "unit_key": scope.keys,
                "unit_name": info["unit_name"].to_numpy(),
                "district": info["district"].to_numpy(),
                "expected_days": exp_days,
                "reported_days": rep_days,
                "completeness": np.where(exp_days > 0, rep_days / exp_days, np.nan),
                "last_report": last.to_numpy(),
            }
        )
        n_units = np.where(scope.expected, len(scope.keys), 0)
        n_rep = (reported & expected).sum(axis=1)
        by_day = pd.DataFrame(
            {
                "date": scope.days,
                "expected_units": n_units,
                "reported_units": n_rep,
                "completeness": np.where(n_units > 0, n_rep / np.maximum(n_units, 1), np.nan),
            }
        )
    return Completeness(grid_frame, by_unit, by_day)


# -- findings ------------------------------------------------------------------------------


def findings(
    obs: pd.DataFrame,
    units: pd.DataFrame,
    campaign: camp.Campaign | None = None,
    as_of=None,
    uploads: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every data-quality finding for the campaign's communes up to ``as_of``.

    Sorted by severity (errors first), date, district and unit.  ``uploads`` (the
    uploads frame) adds the subtotal mismatches the importer recorded.
    """
    scope = _scope(obs, units, campaign, as_of)
    collected = _wide(scope, "collected")
    parts = [
        _missing(scope, collected),
        _falling(scope),
        _spikes(scope, collected),
        _over_eligible(scope, units),
        _returned_above(scope),
    ]
    if uploads is not None and len(uploads):
        parts.append(_subtotals(scope, units, uploads))
    frame = (
        pd.concat([p for p in parts if len(p)], ignore_index=True)
        if any(len(p) for p in parts)
        else pd.DataFrame(columns=FINDING_COLUMNS)
    )
    info = _unit_info(units, frame["unit_key"].dropna().unique())
    has_key = frame["unit_key"].notna()
    if "unit_name" not in frame:
        frame["unit_name"] = None
    if "district" not in frame:
        frame["district"] = None
    frame.loc[has_key, "unit_name"] = frame.loc[has_key, "unit_key"].map(info["unit_name"])
    frame.loc[has_key, "district"] = frame.loc[has_key, "unit_key"].map(info["district"])
    frame["check_label"] = frame["check"].map(CHECKS)
    frame["severity_label"] = frame["severity"].map(SEVERITY_LABELS)
    frame["date_end"] = frame["date_end"].fillna(frame["date"])
    rank = frame["severity"].map({s: i for i, s in enumerate(SEVERITY_ORDER)})
    frame = frame.assign(_rank=rank).sort_values(
        ["_rank", "date", "district", "unit_name", "check"], kind="stable", na_position="last"
    )
    return frame[FINDING_COLUMNS].reset_index(drop=True)


def summary(found: pd.DataFrame) -> pd.DataFrame:
    """Counts per check and severity, with the Vietnamese labels (for a summary table)."""
    if found.empty:
        return pd.DataFrame(
            columns=["check", "check_label", "severity", "severity_label", "findings", "units"]
        )
    out = found.groupby(["check", "severity"], as_index=False).agg(
        findings=("check", "size"), units=("unit_key", "nunique")
    )
    out["check_label"] = out["check"].map(CHECKS)
    out["severity_label"] = out["severity"].map(SEVERITY_LABELS)
    rank = out["severity"].map({s: i for i, s in enumerate(SEVERITY_ORDER)})
    out = out.assign(_rank=rank).sort_values(["_rank", "check"]).drop(columns="_rank")
    return out[["check", "check_label", "severity", "severity_label", "findings", "units"]].reset_index(
        drop=True
    )


def with_notes(found: pd.DataFrame, notes: pd.DataFrame) -> pd.DataFrame:
    """The findings with the status of their latest note ("open", "resolved", "" without
    one) in `note_status`: a note is of a finding when it names its unit, its check and
    its day (no day for a finding of no day).  `notes`: `Store.quality_notes`, newest first."""
    out = found.copy()
    if not len(found):
        return out.assign(note_status=pd.Series(dtype=object))
    if not len(notes):
        return out.assign(note_status="")
    day = pd.to_datetime(notes["date"]).dt.normalize()
    latest: dict[tuple, str] = {}
    for unit, check, when, status in zip(notes["unit_key"], notes["check_name"], day, notes["status"]):
        latest.setdefault((str(unit), str(check), None if pd.isna(when) else when), status)
    days = pd.to_datetime(found["date"]).dt.normalize()
    out["note_status"] = [
        latest.get((str(unit), str(check), None if pd.isna(when) else when), "")
        for unit, check, when in zip(found["unit_key"], found["check"], days)
    ]
    return out
