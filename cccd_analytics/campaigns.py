"""Campaigns: scope, deadline, target, milestones — parsed from TOML, resolved to units.

A target is a share of eligible ("100%") or a count ("87000" across the scope).  A
count is split over the scope's communes in proportion to their eligible population
unless per-commune targets are given.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from cccd_analytics import registry


class CampaignError(ValueError):
    """A campaign definition that cannot be used, with a Vietnamese message."""


@dataclass(frozen=True)
class Target:
    kind: str     # "share" | "count"
    value: float  # 1.0 for 100%; 87000 for a count

    @classmethod
    def parse(cls, raw) -> "Target":
        if isinstance(raw, bool):
            raise CampaignError(f"Chỉ tiêu không hợp lệ: {raw!r}")
        if isinstance(raw, (int, float)):
            return cls("count", float(raw))
        text = str(raw).strip().replace(" ", "")
        if text.endswith("%"):
            number = text[:-1].replace(",", ".")
            try:
                share = float(number) / 100
            except ValueError:
                raise CampaignError(f"Chỉ tiêu không hợp lệ: {raw!r}") from None
            if not 0 < share <= 1.5:
                raise CampaignError(f"Chỉ tiêu phần trăm ngoài khoảng hợp lệ: {raw!r}")
            return cls("share", share)
        if re.fullmatch(r"\d{1,3}([.,]\d{3})+|\d+", text):
            return cls("count", float(re.sub(r"[.,]", "", text)))
        raise CampaignError(f"Chỉ tiêu không hợp lệ: {raw!r} (ví dụ: \"100%\" hoặc 87000)")

    def __str__(self) -> str:
        if self.kind == "share":
            return f"{self.value * 100:g}%"
        return str(int(self.value))


@dataclass(frozen=True)
class Milestone:
    name: str
    deadline: date
    target: Target
    tag: str | None = None
    units: tuple[str, ...] = ()


@dataclass(frozen=True)
class Campaign:
    name: str
    deadline: date
    target: Target
    start: date | None = None
    scope: tuple[str, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    # Days with no (0) or reduced capacity: {date: (weight, label)}; Sundays by rule.
    days_off: tuple[tuple[date, float, str], ...] = ()
    sunday_weight: float = 1.0
    unit_targets: tuple[tuple[str, float], ...] = field(default=())

    def to_definition(self) -> dict:
        return {
            "name": self.name, "start": self.start.isoformat() if self.start else None,
            "deadline": self.deadline.isoformat(), "target": str(self.target),
            "scope": list(self.scope),
            "milestones": [
                {"name": m.name, "deadline": m.deadline.isoformat(), "target": str(m.target),
                 **({"tag": m.tag} if m.tag else {}), **({"units": list(m.units)} if m.units else {})}
                for m in self.milestones],
            "calendar": {"sunday_weight": self.sunday_weight,
                         "days": [{"date": d.isoformat(), "weight": w, "label": label}
                                  for d, w, label in self.days_off]},
            "unit_targets": dict(self.unit_targets),
        }


def _date(value, what: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise CampaignError(f"{what}: ngày không hợp lệ {value!r} (dạng YYYY-MM-DD)") from None


def from_definition(data: dict) -> Campaign:
    """Build a campaign from a TOML table or a stored definition."""
    if not isinstance(data, dict):
        raise CampaignError("Tệp chiến dịch phải là một bảng TOML.")
    for key in ("name", "deadline", "target"):
        if key not in data or data[key] in (None, ""):
            raise CampaignError(f"Tệp chiến dịch thiếu mục bắt buộc «{key}».")
    name = str(data["name"]).strip()
    start = _date(data["start"], "start") if data.get("start") else None
    deadline = _date(data["deadline"], "deadline")
    if start and deadline < start:
        raise CampaignError("Hạn hoàn thành (deadline) phải sau ngày bắt đầu (start).")
    milestones = []
    for i, m in enumerate(data.get("milestones", []) or [], start=1):
        if not m.get("name") or not m.get("deadline"):
            raise CampaignError(f"Mốc thứ {i} thiếu «name» hoặc «deadline».")
        if not m.get("tag") and not m.get("units"):
            raise CampaignError(f"Mốc «{m['name']}» cần «tag» hoặc «units».")
        milestones.append(Milestone(
            name=str(m["name"]), deadline=_date(m["deadline"], f"Mốc «{m['name']}»"),
            target=Target.parse(m.get("target", data["target"])), tag=m.get("tag") or None,
            units=tuple(str(u) for u in m.get("units", []) or ())))
    calendar = data.get("calendar", {}) or {}
    days = tuple((_date(d["date"], "calendar"), float(d.get("weight", 0.0)), str(d.get("label", "")))
                 for d in calendar.get("days", []) or [])
    scope = data.get("scope", []) or []
    if isinstance(scope, str):
        scope = [scope]
    return Campaign(
        name=name, start=start, deadline=deadline, target=Target.parse(data["target"]),
        scope=tuple(str(s) for s in scope), milestones=tuple(milestones), days_off=days,
        sunday_weight=float(calendar.get("sunday_weight", 1.0)),
        unit_targets=tuple((str(k), float(v)) for k, v in (data.get("unit_targets") or {}).items()),
    )


def parse_toml(text: str, source: str = "tệp chiến dịch") -> Campaign:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CampaignError(f"{source}: không đọc được TOML ({exc}).") from None
    try:
        return from_definition(data)
    except CampaignError as exc:
        raise CampaignError(f"{source}: {exc}") from None


# -- resolving a campaign against the units --------------------------------------------

def _find_units(units: pd.DataFrame, ref: str) -> list[str]:
    """Keys of the units a scope entry names: a key, a GSO code or a name."""
    ref = str(ref).strip()
    if ref in units.index:
        return [ref]
    by_code = units.index[units["code"] == ref].tolist()
    if by_code:
        # A code reused by the 2025 list: prefer the units of the older hierarchy
        # unless only the new one exists.
        older = [k for k in by_code if not k.startswith("2025:")]
        return older or by_code
    folded = registry.expand(ref)
    hits = units.index[units["name"].map(registry.expand) == folded].tolist()
    if not hits:
        hits = units.index[units["name"].map(registry.bare) == registry.bare(ref)].tolist()
    return hits


def scope_communes(campaign: Campaign, units: pd.DataFrame,
                   with_data: set[str] | None = None) -> list[str]:
    """Commune keys covered by the campaign.

    Without a scope: every commune with data.  A scope entry that names a province or
    district covers its communes; when data exist in only one hierarchy (before or after
    the 2025 reform), only that hierarchy's communes count.
    """
    communes = units[units["level"] == "commune"]
    if not campaign.scope:
        return sorted(set(communes.index) & (with_data or set()))
    keys: set[str] = set()
    for ref in campaign.scope:
        hits = _find_units(units, ref)
        if not hits:
            raise CampaignError(f"Phạm vi «{ref}» không khớp đơn vị nào trong danh mục.")
        for key in hits:
            level = units.at[key, "level"]
            if level == "commune":
                keys.add(key)
            elif level == "district":
                keys.update(communes.index[communes["district_key"] == key])
            else:
                keys.update(communes.index[communes["province_key"] == key])
    if with_data:
        hierarchies = set(units.loc[sorted(keys & with_data), "hierarchy"]) if keys & with_data else set()
        if hierarchies:
            keys = {k for k in keys if units.at[k, "hierarchy"] in hierarchies}
    return sorted(keys)


def milestone_communes(milestone: Milestone, scope: list[str], units: pd.DataFrame) -> list[str]:
    """The communes of the scope a milestone covers (by tag or by a list)."""
    in_scope = units.loc[scope]
    if milestone.tag:
        return sorted(in_scope.index[in_scope["tags"].map(lambda t: milestone.tag in t)])
    keys: set[str] = set()
    for ref in milestone.units:
        hits = [k for k in _find_units(units, ref) if k in set(scope)]
        if not hits:
            raise CampaignError(f"Mốc «{milestone.name}»: «{ref}» không thuộc phạm vi chiến dịch.")
        for key in hits:
            if units.at[key, "level"] == "commune":
                keys.add(key)
            else:
                keys.update(k for k in scope if key in (units.at[k, "district_key"],
                                                        units.at[k, "province_key"]))
    return sorted(keys)


def commune_targets(target: Target, eligible: pd.Series,
                    explicit: dict[str, float] | None = None) -> pd.Series:
    """Target count per commune: a share of eligible, or a count split by eligible.

    Explicit per-commune targets are kept and the rest of a count is split over the
    other communes in proportion to eligible.
    """
    eligible = eligible.astype(float)
    if target.kind == "share":
        out = eligible * target.value
        for key, value in (explicit or {}).items():
            if key in out.index:
                out[key] = value
        return out
    explicit = {k: v for k, v in (explicit or {}).items() if k in eligible.index}
    rest = eligible.drop(list(explicit))
    remaining = target.value - sum(explicit.values())
    out = rest / rest.sum() * remaining if rest.sum() > 0 else rest * 0
    return pd.concat([out, pd.Series(explicit, dtype=float)]).reindex(eligible.index)


def workday_weights(campaign: Campaign, days: pd.DatetimeIndex):
    """Relative working capacity per day (1 normal; Sundays and listed days lower)."""
    import numpy as np

    weights = np.where(days.day_of_week == 6, campaign.sunday_weight, 1.0)
    special = {pd.Timestamp(d): w for d, w, _ in campaign.days_off}
    if special:
        weights = np.array([special.get(d, w) for d, w in zip(days, weights)])
    return weights
