"""The campaign settings form: a stored definition ↔ the values its widgets show.

Pure functions so the round trip is tested without Streamlit.
"""

from __future__ import annotations

import re
from datetime import date

import pandas as pd

MILESTONE_COLUMNS = ["name", "tag", "units", "deadline", "target"]
DAY_COLUMNS = ["date", "weight", "label"]


def _date(value, default: date) -> date:
    if not value:
        return default
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def form_values(definition: dict | None, units: pd.DataFrame | None = None) -> dict:
    """Widget values for a stored campaign definition (or a blank new campaign).

    With `units`, a milestone's communes stored by code read "Xã Hưng Đông (16705)": the
    name the user knows, the code that `definition_from_form` keeps (names repeat across
    districts)."""
    d = definition or {}
    today = date.today()
    milestones = pd.DataFrame(
        [
            {
                "name": m.get("name", ""),
                "tag": m.get("tag") or "",
                "units": ", ".join(_shown_unit(u, units) for u in m.get("units", []) or []),
                "deadline": _date(m.get("deadline"), today),
                "target": str(m.get("target", "100%")),
            }
            for m in d.get("milestones", []) or []
        ],
        columns=MILESTONE_COLUMNS,
    )
    milestones["deadline"] = pd.to_datetime(milestones["deadline"]).dt.date
    calendar = d.get("calendar", {}) or {}
    days = pd.DataFrame(
        [
            {
                "date": _date(x.get("date"), today),
                "weight": _percent(x.get("weight", 0.0)),
                "label": x.get("label", ""),
            }
            for x in calendar.get("days", []) or []
        ],
        columns=DAY_COLUMNS,
    )
    days["date"] = pd.to_datetime(days["date"]).dt.date
    return {
        "name": d.get("name", ""),
        "start": _date(d.get("start"), today),
        "deadline": _date(d.get("deadline"), today),
        "target": str(d.get("target", "100%")),
        "scope_keys": list(d.get("scope_keys") or d.get("scope", []) or []),
        "milestones": milestones,
        "sunday_weight": _percent(calendar.get("sunday_weight", 1.0)),
        "days": days,
    }


def scope_options(units: pd.DataFrame) -> dict[str, str]:
    """Provinces and districts (and their names) a campaign scope can name."""
    rows = units[units["level"].isin(["province", "district"]) & units["official"]]
    rows = rows.sort_values(["province_key", "level", "name"], ascending=[True, False, True])
    return {r.name if r.level == "province" else r.name: r.name for r in rows.itertuples()}


def unit_label(row, units: pd.DataFrame) -> str:
    if row.level == "commune" and row.district_key and row.district_key in units.index:
        return f"{row.name} ({units.at[row.district_key, 'name']})"
    if row.hierarchy == "2":
        return f"{row.name} (2025)"
    return str(row.name)


def _shown_unit(ref: str, units: pd.DataFrame | None) -> str:
    """A milestone's unit as the form lists it: "Name (code)" for a key or code of the
    registry, the entry itself otherwise (a name, or a unit not known)."""
    if units is None:
        return str(ref)
    if ref in units.index:
        row = units.loc[ref]
    else:
        found = units[units["code"] == ref]
        if found.empty:
            return str(ref)
        row = found.iloc[0]
    return f"{row['name']} ({ref})" if row["name"] != ref else str(ref)


def _listed_unit(entry: str) -> str:
    """What a form entry stores: the code in "Xã Hưng Đông (16705)", else the entry."""
    found = re.fullmatch(r".*\(\s*([^()\s]+)\s*\)", entry)
    return found.group(1) if found else entry


def _percent(weight) -> int:
    """A day's capacity as the form shows it: 70 (%), not 0.70, which reads as English."""
    return round(float(weight) * 100)


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value).strip()


def definition_from_form(
    *,
    name,
    start,
    deadline,
    target,
    scope,
    units,
    milestones: pd.DataFrame,
    sunday_weight: float,
    days: pd.DataFrame,
) -> dict:
    """A campaign definition (as `campaigns.from_definition` reads) from the form's values."""
    miles = []
    for row in milestones.to_dict("records"):
        if not _text(row.get("name")):
            continue
        entry = {
            "name": _text(row["name"]),
            "deadline": _date(row.get("deadline"), deadline).isoformat(),
            "target": _text(row.get("target")) or "100%",
        }
        if _text(row.get("tag")):
            entry["tag"] = _text(row["tag"])
        listed = [_listed_unit(u.strip()) for u in _text(row.get("units")).split(",") if u.strip()]
        if listed:
            entry["units"] = listed
        miles.append(entry)
    calendar_days = [
        {
            "date": _date(r["date"], start).isoformat(),
            "weight": float(r.get("weight") or 0.0) / 100,
            "label": _text(r.get("label")),
        }
        for r in days.to_dict("records")
        if r.get("date") is not None and not pd.isna(r.get("date"))
    ]
    return {
        "name": _text(name),
        "start": start.isoformat() if start else None,
        "deadline": deadline.isoformat() if deadline else None,
        "target": _text(target),
        "scope": list(scope),
        "milestones": miles,
        "calendar": {"sunday_weight": float(sunday_weight) / 100, "days": calendar_days},
    }
