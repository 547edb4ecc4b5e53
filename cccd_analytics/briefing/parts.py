"""The briefing's part on priority groups and channels (the slide "Nhóm ưu tiên và hình
thức thu nhận" and the workbook's breakdown sheets), written from `analytics.breakdowns`.

A campaign whose reports give no breakdown gets no such part: no empty slide, no sheet."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cccd_analytics import dimensions
from cccd_analytics import text as fmt
from cccd_analytics.analytics import breakdowns
from cccd_analytics.analytics.metrics import STATUS_LABELS
from cccd_analytics.briefing.model import ChartData, Series, Table

TITLE = "Nhóm ưu tiên và hình thức thu nhận"
#: Dimensions the slide shows (the workbook has every one the reports give).
SLIDE_DIMENSIONS = ("group", "channel", "residence")
ROW_COLUMNS = {
    "province": "Tỉnh",
    "district": "Huyện",
    "commune": "Xã",
    "code": "Mã đơn vị",
    "level": "Cấp",
    "value": "Giá trị",
    "collected": "Đã thu nhận",
    "elsewhere": "Trong đó thu nhận ở tỉnh khác",
    "eligible": "Mẫu số",
    "coverage": "Tỷ lệ (so với mẫu số)",
    "remaining": "Còn thiếu",
    "pace_7d": "Bình quân 7 ngày",
}
TARGET_COLUMNS = {
    "name": "Chỉ tiêu nhóm",
    "values": "Giá trị",
    "deadline": "Hạn",
    "eligible": "Mẫu số",
    "target": "Chỉ tiêu",
    "collected": "Đã thu nhận",
    "coverage": "Tỷ lệ (so với mẫu số)",
    "remaining": "Còn thiếu",
    "pace_7d": "Bình quân 7 ngày",
    "required_per_day": "Cần mỗi ngày",
    "projected_date": "Dự báo hoàn thành",
    "p_on_time": "Khả năng kịp hạn",
    "status": "Trạng thái",
    "per_week": "Chỉ tiêu mỗi tuần",
    "week_collected": "Tuần này",
    "weeks_met": "Số tuần đạt",
    "weeks": "Số tuần",
}
LEVEL_NAMES = {"province": "tỉnh", "district": "huyện", "commune": "xã"}


@dataclass(frozen=True, eq=False)
class PartsSection:
    """What the briefing says about the parts of the applications."""

    groups: ChartData | None  # coverage of each priority group (its count without a denominator)
    channels: ChartData | None  # share of each channel
    lines: tuple[tuple[str, str], ...]  # (sentence, status code or "") — group targets first
    targets: Table
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)  # workbook sheets, numbers kept


def _top(found: breakdowns.Breakdown) -> pd.DataFrame:
    rows = found.rows[found.rows["level"] == "province"]
    rows = rows[[dimensions.parent(found.dimension, v) is None for v in rows["value"]]]
    # Several provinces (a campaign across them): the scope's sum per value.
    summed = rows.groupby("value", sort=False).agg(
        collected=("collected", "sum"), eligible=("eligible", lambda e: e.sum(min_count=1))
    )
    return summed.reindex([v for v in found.values if v in summed.index])


# Bar charts hold their categories bottom-up (PowerPoint draws the first at the bottom), as
# the ranking charts do: the first value of the dimension ends up on top.


def _group_chart(found: breakdowns.Breakdown) -> tuple[ChartData | None, list[str]]:
    top = _top(found).iloc[::-1]
    known = top[top["eligible"] > 0]
    missing = [
        f"{v}: {fmt.number(n)} hồ sơ (chưa có mẫu số)"
        for v, n in top.loc[top["eligible"].isna(), "collected"].iloc[::-1].items()
    ]
    if len(known):
        shares = known["collected"] / known["eligible"]
        chart = ChartData(
            "Tỷ lệ theo nhóm ưu tiên (so với sĩ số, danh sách)",
            tuple(known.index),
            (Series("Tỷ lệ", tuple(float(min(s, 9.99)) for s in shares), "1565C0", kind="bar"),),
            number_format="0%",
            percent=True,
            horizontal=True,
        )
        return chart, missing
    chart = ChartData(
        "Số hồ sơ theo nhóm ưu tiên",
        tuple(top.index),
        (Series("Đã thu nhận", tuple(float(n) for n in top["collected"]), "1565C0", kind="bar"),),
        horizontal=True,
    )
    return chart, []


def _channel_chart(found: breakdowns.Breakdown) -> ChartData | None:
    top = _top(found).iloc[::-1]
    total = float(top["collected"].sum())
    if not total:
        return None
    return ChartData(
        "Tỷ trọng theo hình thức thu nhận",
        tuple(top.index),
        (Series("Tỷ trọng", tuple(float(n / total) for n in top["collected"]), "2E7D32", kind="bar"),),
        number_format="0%",
        percent=True,
        horizontal=True,
    )


def _target_line(row) -> str:
    status = STATUS_LABELS.get(row["status"], "")
    if row["kind"] == "per_week":
        return (
            f"{row['name']}: {status.lower()} — tuần này {fmt.number(row['week_collected'])}/"
            f"{fmt.number(row['per_week'])}, đạt {fmt.number(row['weeks_met'])} trên {fmt.number(row['weeks'])} tuần."
        )
    if row["status"] == "no_data":
        return f"{row['name']}: chưa có số liệu hoặc mẫu số."
    text = f"{row['name']}: {status.lower()} — {fmt.number(row['collected'])}/{fmt.number(row['target'])}"
    text += f" ({fmt.percent(row['collected'] / row['target'])})" if row["target"] else ""
    if row["status"] == "missed":
        text += f", còn thiếu {fmt.number(row['remaining'])}"
    elif row["status"] != "done":
        text += (
            f", cần {fmt.per_day(row['required_per_day'])} (bình quân 7 ngày {fmt.number(row['pace_7d'])})"
        )
        if pd.notna(row["projected_date"]):
            text += f", dự báo xong {fmt.date_vn(row['projected_date'])}"
    return text + "."


def _targets_table(targets: pd.DataFrame) -> Table:
    rows, status = [], []
    for _, row in targets.iterrows():
        weekly = row["kind"] == "per_week"
        rows.append(
            (
                str(row["name"]),
                "mỗi tuần" if weekly else fmt.date_vn(row["deadline"]),
                fmt.number(row["week_collected"] if weekly else row["collected"]),
                fmt.number(row["per_week"] if weekly else row["target"]),
                fmt.number(row["required_per_day"]),
                fmt.number(row["pace_7d"]),
                STATUS_LABELS.get(row["status"], ""),
            )
        )
        status.append(row["status"])
    return Table(
        "Chỉ tiêu theo nhóm",
        ("Chỉ tiêu nhóm", "Hạn", "Đã thu nhận", "Chỉ tiêu", "Cần mỗi ngày", "Bình quân 7 ngày", "Trạng thái"),
        tuple(rows),
        ("l", "r", "r", "r", "r", "r", "l"),
        tuple(status),
        noun="chỉ tiêu",
    )


def section(found: dict[str, breakdowns.Breakdown], targets: pd.DataFrame) -> PartsSection | None:
    """The briefing's part from the breakdowns of each dimension the reports give (`found`)
    and the group milestones (`breakdowns.targets`); None when there is nothing to say."""
    found = {d: f for d, f in found.items() if len(f.rows)}
    if not found and not len(targets):
        return None
    groups, missing = _group_chart(found["group"]) if "group" in found else (None, [])
    channels = _channel_chart(found["channel"]) if "channel" in found else None
    lines = [(_target_line(r), r["status"]) for _, r in targets.iterrows()]
    lines += [(m, "") for m in missing]
    if "residence" in found:
        gap = breakdowns.outside_gap(found["residence"])
        if len(gap) and gap["missing"].notna().any():
            lines.append(
                (
                    f"Của ta ở ngoại tỉnh: đã thu nhận {fmt.number(gap['collected'].sum())}/"
                    f"{fmt.number(gap['needed'].sum())} (theo rà soát; {fmt.number(gap['elsewhere'].sum())} "
                    f"thu nhận tại tỉnh nơi cư trú), còn thiếu {fmt.number(gap['missing'].sum())}.",
                    "behind" if gap["missing"].sum() > 0 else "done",
                )
            )
        others = _top(found["residence"])
        if dimensions.FROM_ELSEWHERE in others.index:
            lines.append(
                (
                    f"Người tỉnh khác cư trú tại địa bàn đã thu nhận: "
                    f"{fmt.number(others.at[dimensions.FROM_ELSEWHERE, 'collected'])} (tính riêng).",
                    "",
                )
            )
    frames = {}
    if len(targets):
        frame = targets.copy()
        frame["status"] = frame["status"].map(lambda s: STATUS_LABELS.get(s, s))
        for column in frame.columns:
            if pd.api.types.is_float_dtype(frame[column]):
                frame[column] = frame[column].replace([np.inf, -np.inf], np.nan)
        frames["Chỉ tiêu nhóm"] = frame[[c for c in TARGET_COLUMNS if c in frame]].rename(
            columns=TARGET_COLUMNS
        )
    for dimension, f in found.items():
        rows = f.rows.assign(level=f.rows["level"].map(LEVEL_NAMES))
        rows = rows[[c for c in ROW_COLUMNS if c in rows]].rename(
            columns={**ROW_COLUMNS, "value": dimensions.LABELS[dimension]}
        )
        frames[dimensions.LABELS[dimension]] = rows.reset_index(drop=True)
    return PartsSection(groups, channels, tuple(lines), _targets_table(targets), frames)


def from_frames(
    parts: pd.DataFrame,
    denominators: pd.DataFrame,
    units: pd.DataFrame,
    campaign,
    as_of,
    eligible: pd.Series | None = None,
) -> PartsSection | None:
    """`section` from the store's frames (`current_parts`, `denominator_rows`, `units`)."""
    if parts is None or parts.empty:
        return None
    scope = set(breakdowns.with_data(parts))
    found = {
        d: breakdowns.breakdown(parts, denominators, units, campaign, d, as_of, data_units=scope)
        for d in dimensions.DIMENSIONS
        if (parts["dimension"] == d).any()
    }
    targets = breakdowns.targets(
        parts, denominators, units, campaign, as_of, eligible=eligible, data_units=scope
    )
    return section(found, targets)
