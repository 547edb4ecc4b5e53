"""Campaigns: scope, deadline, target, milestones — parsed from TOML, resolved to units.

A target is a share of eligible ("100%") or a count ("87000" across the scope).  A
count is split over the scope's communes in proportion to their eligible population
unless per-commune targets are given (``[unit_targets]``).  Several milestones may each
cover part of the scope (by tag or by a list) with their own deadline and target.  The
campaign's window runs from ``start`` to ``deadline``; its calendar (``[calendar]``) gives
each day a working-capacity weight (Sundays, holidays, events) that the required daily
rate, the forecasts and the capacity planner respect.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from cccd_analytics import registry


class CampaignError(ValueError):
    """A campaign definition that cannot be used, with a Vietnamese message."""


@dataclass(frozen=True)
class Target:
    kind: str  # "share" | "count"
    value: float  # 1.0 for 100%; 87000 for a count

    @classmethod
    def parse(cls, raw) -> Target:
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
        raise CampaignError(f'Chỉ tiêu không hợp lệ: {raw!r} (ví dụ: "100%" hoặc 87000)')

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
class GroupTarget:
    """A target for parts of the scope's applications ([[group_targets]]): a priority
    group ("Học sinh lớp 12 xong trước 20/6" — a share of the group's denominator or a
    count, by a deadline) or a rate ("Tổ lưu động: 3.000 hồ sơ mỗi tuần")."""

    name: str
    dimension: str  # cccd_analytics.dimensions.DIMENSIONS
    values: tuple[str, ...]
    deadline: date | None = None
    target: Target | None = None
    per_week: float | None = None  # a weekly rate instead of a deadline and a target

    def to_definition(self) -> dict:
        out = {"name": self.name, "dimension": self.dimension, "values": list(self.values)}
        if self.per_week is not None:
            out["per_week"] = self.per_week
        else:
            out.update(deadline=self.deadline.isoformat(), target=str(self.target))
        return out


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
    group_targets: tuple[GroupTarget, ...] = ()

    def to_definition(self) -> dict:
        return {
            "name": self.name,
            "start": self.start.isoformat() if self.start else None,
            "deadline": self.deadline.isoformat(),
            "target": str(self.target),
            "scope": list(self.scope),
            "milestones": [
                {
                    "name": m.name,
                    "deadline": m.deadline.isoformat(),
                    "target": str(m.target),
                    **({"tag": m.tag} if m.tag else {}),
                    **({"units": list(m.units)} if m.units else {}),
                }
                for m in self.milestones
            ],
            "calendar": {
                "sunday_weight": self.sunday_weight,
                "days": [
                    {"date": d.isoformat(), "weight": w, "label": label} for d, w, label in self.days_off
                ],
            },
            "unit_targets": dict(self.unit_targets),
            **(
                {"group_targets": [g.to_definition() for g in self.group_targets]}
                if self.group_targets
                else {}
            ),
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
        milestones.append(
            Milestone(
                name=str(m["name"]),
                deadline=_date(m["deadline"], f"Mốc «{m['name']}»"),
                target=Target.parse(m.get("target", data["target"])),
                tag=m.get("tag") or None,
                units=tuple(str(u) for u in m.get("units", []) or ()),
            )
        )
    calendar = data.get("calendar", {}) or {}
    if not isinstance(calendar, dict):
        raise CampaignError("Mục «calendar» phải là một bảng TOML ([calendar]).")
    days = _calendar_days(calendar.get("days", []) or [])
    scope = data.get("scope", []) or []
    if isinstance(scope, str):
        scope = [scope]
    return Campaign(
        name=name,
        start=start,
        deadline=deadline,
        target=Target.parse(data["target"]),
        scope=tuple(str(s) for s in scope),
        milestones=tuple(milestones),
        days_off=days,
        sunday_weight=_weight(calendar.get("sunday_weight", 1.0), "calendar.sunday_weight"),
        unit_targets=_unit_targets(data.get("unit_targets") or {}),
        group_targets=_group_targets(data.get("group_targets") or []),
    )


def _group_targets(entries) -> tuple[GroupTarget, ...]:
    """`[[group_targets]]`: a name, a dimension (default the priority group), the values
    it covers, and either a deadline with a target or a weekly rate (`per_week`)."""
    from cccd_analytics import dimensions

    if not isinstance(entries, list):
        raise CampaignError("«group_targets» phải là danh sách [[group_targets]].")
    out = []
    for i, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or not entry.get("name"):
            raise CampaignError(f"Chỉ tiêu nhóm thứ {i} thiếu «name».")
        name = str(entry["name"])
        dimension = str(entry.get("dimension") or "group")
        if dimension not in dimensions.DIMENSIONS:
            raise CampaignError(
                f"Chỉ tiêu «{name}»: «dimension» phải là một trong {', '.join(dimensions.DIMENSIONS)}, "
                f"không phải {dimension!r}."
            )
        raw = entry.get("values", entry.get("value"))
        raw = [raw] if isinstance(raw, str) else list(raw or [])
        values = tuple(v for v in (dimensions.canonical(dimension, r) for r in raw) if v)
        if not values:
            raise CampaignError(f'Chỉ tiêu «{name}» cần «values», ví dụ ["Học sinh lớp 12"].')
        if entry.get("per_week") not in (None, ""):
            rate = Target.parse(entry["per_week"])
            if rate.kind != "count" or rate.value <= 0:
                raise CampaignError(f"Chỉ tiêu «{name}»: «per_week» là số hồ sơ mỗi tuần, ví dụ 3000.")
            out.append(GroupTarget(name, dimension, values, per_week=rate.value))
            continue
        if not entry.get("deadline") or entry.get("target") in (None, ""):
            raise CampaignError(f"Chỉ tiêu «{name}» cần «deadline» và «target» (hoặc «per_week»).")
        out.append(
            GroupTarget(
                name,
                dimension,
                values,
                deadline=_date(entry["deadline"], f"Chỉ tiêu «{name}»"),
                target=Target.parse(entry["target"]),
            )
        )
    return tuple(out)


def _no_forecast_settings(data: dict) -> None:
    """The forecaster runs with the parameters its calibration produced, for every
    campaign; a campaign cannot bend them (a knob that is not refitted would make the
    forecast and its track record two different things).  Refuse such settings."""
    settings = data.get("forecast")
    if settings in (None, {}, ""):
        return
    names = ", ".join(sorted(settings)) if isinstance(settings, dict) else str(settings)
    raise CampaignError(
        f"Mục [forecast] ({names}) không còn được dùng: mô hình dự báo dùng một bộ tham số chung, "
        "được hiệu chỉnh trên số liệu kiểm định (lệnh `cccd backtest --calibrate`). Hãy xóa mục này."
    )


def stored(store) -> list[Campaign]:
    """Every campaign a store holds (`Store.campaign_definitions`), in its order."""
    return [from_definition(d) for d in store.campaign_definitions()]


#: Highest capacity weight a calendar day may have (an event day with extra teams).
MAX_DAY_WEIGHT = 3.0


def _weight(value, what: str) -> float:
    if isinstance(value, bool):
        raise CampaignError(f"{what}: hệ số năng lực không hợp lệ {value!r}.")
    try:
        weight = float(value)
    except (TypeError, ValueError):
        raise CampaignError(f"{what}: hệ số năng lực không hợp lệ {value!r} (ví dụ 0.5).") from None
    if not 0 <= weight <= MAX_DAY_WEIGHT:
        raise CampaignError(
            f"{what}: hệ số năng lực {weight:g} phải từ 0 đến {MAX_DAY_WEIGHT:g} "
            "(0 = nghỉ hẳn, 1 = ngày làm việc bình thường)."
        )
    return weight


def _calendar_days(entries) -> tuple[tuple[date, float, str], ...]:
    """`[[calendar.days]]`: one day (`date`) or a range (`date` … `end`), a capacity
    weight (default 0: a day off) and a label.  A later entry for the same day wins."""
    if not isinstance(entries, list):
        raise CampaignError("«calendar.days» phải là danh sách [[calendar.days]].")
    out: dict[date, tuple[float, str]] = {}
    for i, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or "date" not in entry:
            raise CampaignError(f"Ngày đặc biệt thứ {i} trong «calendar.days» thiếu «date».")
        first = _date(entry["date"], f"calendar.days[{i}].date")
        last = _date(entry["end"], f"calendar.days[{i}].end") if entry.get("end") else first
        if last < first:
            raise CampaignError(
                f"calendar.days[{i}]: «end» ({last:%d/%m/%Y}) trước «date» ({first:%d/%m/%Y})."
            )
        weight = _weight(entry.get("weight", 0.0), f"calendar.days[{i}].weight")
        label = str(entry.get("label", "") or "")
        for day in pd.date_range(first, last, freq="D"):
            out[day.date()] = (weight, label)
    return tuple((d, w, label) for d, (w, label) in sorted(out.items()))


def _unit_targets(raw) -> tuple[tuple[str, float], ...]:
    """`[unit_targets]`: per-commune counts, keyed by unit key, GSO code or name."""
    if not isinstance(raw, dict):
        raise CampaignError('Mục «unit_targets» phải là bảng TOML: "mã hoặc tên xã" = số hồ sơ.')
    out = []
    for ref, value in raw.items():
        target = Target.parse(value)
        if target.kind != "count":
            raise CampaignError(
                f"Chỉ tiêu riêng của «{ref}» phải là một số hồ sơ (ví dụ 5000), không phải {value!r}."
            )
        out.append((str(ref), target.value))
    return tuple(out)


_TOML_AT = re.compile(r"\(at line (\d+), column (\d+)\)|\(at end of document\)")


def _toml_error(exc: tomllib.TOMLDecodeError, text: str) -> str:
    """The parser's complaint said in Vietnamese: where it is and the line as written.
    tomllib's own words ("Expected newline or end of document after a statement") tell an
    analyst nothing; the line they wrote ("deadline = 2023-16-30") usually does."""
    found = _TOML_AT.search(str(exc))
    if found is None:
        return "không đọc được TOML."
    if found.group(1) is None:
        return "không đọc được TOML: tệp kết thúc giữa chừng (thiếu dấu ngoặc hoặc dấu nháy đóng?)."
    line_no, column = int(found.group(1)), int(found.group(2))
    lines = text.splitlines()
    line = lines[line_no - 1].strip() if 0 < line_no <= len(lines) else ""
    return (
        f"không đọc được TOML ở dòng {line_no}, cột {column}"
        + (f": «{line}»" if line else "")
        + ". Hãy kiểm tra cách viết: ngày dạng 2023-06-30, chữ trong dấu nháy kép"
        ' (name = "Cao điểm 70 ngày"), danh sách trong ngoặc vuông (scope = ["Tỉnh Nghệ An"]).'
    )


def parse_toml(text: str, source: str = "tệp chiến dịch") -> Campaign:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CampaignError(f"{source}: {_toml_error(exc, text)}") from None
    try:
        # A campaign file may not set the forecaster (a definition stored before this
        # rule keeps loading: its [forecast] section is not read).
        _no_forecast_settings(data)
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


def scope_communes(campaign: Campaign, units: pd.DataFrame, with_data: set[str] | None = None) -> list[str]:
    """Commune keys covered by the campaign.

    Without a scope: every commune with data.  A scope entry that names a province or
    district covers its communes; when data exist in only one hierarchy (before or after
    the 2025 reform), only that hierarchy's communes count.
    """
    communes = units[units["level"] == "commune"]
    if not campaign.scope:
        return sorted(set(communes.index) & (with_data or set()))
    keys: set[str] = set()
    # A unit's level by a dictionary: a national campaign lists its 10.050 communes, and
    # `units.at` per key cost ~0,3 s of a nation's cold `cccd status`, three times.
    level_of = dict(zip(units.index.tolist(), units["level"].tolist()))
    for ref in campaign.scope:
        hits = _find_units(units, ref)
        if not hits:
            raise CampaignError(f"Phạm vi «{ref}» không khớp đơn vị nào trong danh mục.")
        for key in hits:
            level = level_of[key]
            if level == "commune":
                keys.add(key)
            elif level == "district":
                keys.update(communes.index[communes["district_key"] == key])
            else:
                keys.update(communes.index[communes["province_key"] == key])
    if with_data:
        hierarchy_of = dict(zip(units.index.tolist(), units["hierarchy"].tolist()))
        hierarchies = {hierarchy_of[k] for k in keys & with_data}
        if hierarchies:
            keys = {k for k in keys if hierarchy_of[k] in hierarchies}
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
                keys.update(
                    k for k in scope if key in (units.at[k, "district_key"], units.at[k, "province_key"])
                )
    return sorted(keys)


def commune_targets(
    target: Target, eligible: pd.Series, explicit: dict[str, float] | None = None
) -> pd.Series:
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
    remaining = max(target.value - sum(explicit.values()), 0.0)
    out = rest / rest.sum() * remaining if rest.sum() > 0 else rest * 0
    return pd.concat([out, pd.Series(explicit, dtype=float)]).reindex(eligible.index)


def resolve_unit_targets(
    campaign: Campaign, units: pd.DataFrame, scope: list[str], strict: bool = False
) -> dict[str, float]:
    """Per-commune targets keyed by unit key.

    A reference is a unit key, a GSO code or a commune name.  With ``strict`` a reference
    that names no commune of the scope is an error (for checking a campaign file); else
    it is ignored so that progress can still be shown.
    """
    in_scope = set(scope)
    out: dict[str, float] = {}
    for ref, value in campaign.unit_targets:
        hits = [k for k in _find_units(units, ref) if k in in_scope and units.at[k, "level"] == "commune"]
        if len(hits) != 1:
            if strict:
                why = "không thuộc phạm vi chiến dịch" if not hits else "khớp nhiều xã, hãy dùng mã xã"
                raise CampaignError(f"Chỉ tiêu riêng «{ref}»: {why}.")
            continue
        out[hits[0]] = value
    return out


# -- calendar ---------------------------------------------------------------------------
#
# A day's weight is its working capacity relative to a normal weekday (1): Sundays get
# ``sunday_weight``; a day listed in ``[[calendar.days]]`` gets its own weight, which
# replaces the Sunday rule (write the combined figure for a holiday on a Sunday).


@functools.lru_cache(maxsize=64)
def _special_days(days_off: tuple[tuple[date, float, str], ...]) -> tuple[np.ndarray, np.ndarray]:
    """Listed days as sorted day numbers (datetime64[D]) and their weights."""
    if not days_off:
        return np.array([], dtype="datetime64[D]"), np.array([], dtype=float)
    when = np.array([np.datetime64(d, "D") for d, _, _ in days_off])
    weight = np.array([w for _, w, _ in days_off], dtype=float)
    order = np.argsort(when, kind="stable")
    return when[order], weight[order]


def _weights_of(campaign: Campaign, days: np.ndarray) -> np.ndarray:
    """Weights of datetime64[D] days (vectorised; called for every forecast horizon)."""
    weekday = (days.astype("int64") + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    weights = np.where(weekday == 6, campaign.sunday_weight, 1.0)
    when, weight = _special_days(campaign.days_off)
    if len(when):
        pos = np.clip(np.searchsorted(when, days), 0, len(when) - 1)
        hit = when[pos] == days
        weights = np.where(hit, weight[pos], weights)
    return weights


def workday_weights(campaign: Campaign, days) -> np.ndarray:
    """Relative working capacity per day (1 normal; Sundays and listed days lower)."""
    days = pd.DatetimeIndex(days)
    return _weights_of(campaign, days.to_numpy().astype("datetime64[D]"))


def working_days(campaign: Campaign, after, through) -> float:
    """Working capacity of the days after ``after`` up to and including ``through``
    (0 when ``through`` is not later): the denominator of the required daily rate."""
    first = np.datetime64(pd.Timestamp(after).date(), "D") + 1
    last = np.datetime64(pd.Timestamp(through).date(), "D")
    if last < first:
        return 0.0
    return round(float(_weights_of(campaign, np.arange(first, last + 1)).sum()), 9)


def calendar_frame(campaign: Campaign, start, end) -> pd.DataFrame:
    """One row per day from ``start`` to ``end``: date, weight, label (Vietnamese; empty on
    ordinary days).  What charts shade and what the metrics divide by."""
    days = pd.date_range(pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize(), freq="D")
    labels = {pd.Timestamp(d): label for d, _, label in campaign.days_off}
    weights = workday_weights(campaign, days)
    label = [
        labels.get(d) or ("Chủ nhật" if d.day_of_week == 6 and campaign.sunday_weight != 1 else "")
        for d in days
    ]
    return pd.DataFrame({"date": days, "weight": weights, "label": label})
