"""The briefing's tables as a workbook: units by level, milestones, the daily series, the
communes needing mobile teams and the caveats, formulas neutralised (`exports`)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from cccd_analytics import exports
from cccd_analytics.analytics import metrics
from cccd_analytics.analytics.metrics import STATUS_LABELS, Snapshot
from cccd_analytics.briefing.content import build_briefing
from cccd_analytics.briefing.model import FORECAST_NOTE_HEADER, Briefing, finite
from cccd_analytics.briefing.plan import as_list
from cccd_analytics.briefing.rankings import team_frame

UNIT_COLUMNS = {
    "province": "Tỉnh",
    "district": "Huyện",
    "commune": "Xã",
    "code": "Mã đơn vị",
    "name": "Đơn vị",
    "tags": "Nhãn",
    "official": "Trong danh mục",
    "eligible": "Số CD đủ điều kiện",
    "target": "Chỉ tiêu",
    "collected": "Đã thu nhận",
    "returned": "Đã trả thẻ",
    "coverage": "Tỷ lệ (so với số đủ điều kiện)",
    "share_of_target": "Đạt (% chỉ tiêu)",
    "remaining": "Còn lại",
    "pace_7d": "Bình quân 7 ngày",
    "required_per_day": "Cần mỗi ngày",
    "pace_ratio": "Tốc độ / mức cần",
    "deadline": "Hạn",
    "days_left": "Số ngày còn lại",
    "projected_date": "Dự báo hoàn thành",
    "projected_low": "Dự báo sớm nhất",
    "projected_high": "Dự báo muộn nhất",
    "p_on_time": "Khả năng kịp hạn",
    "days_behind": "Dự báo trễ (ngày)",
    "status": "Trạng thái",
    "last_report": "Báo cáo gần nhất",
    "extra_per_day": "Cần thêm mỗi ngày",
    # Why a unit's forecast needs reading with care (the briefing names the first few and
    # sends the reader here for the others).
    "forecast_note": FORECAST_NOTE_HEADER,
}


DAILY_COLUMNS = {
    "date": "Ngày",
    "collected": "Lũy kế thu nhận",
    "collected_day": "Thu nhận trong ngày",
    "pace_7d": "Bình quân 7 ngày",
    "returned": "Lũy kế trả thẻ",
    "units_reporting": "Số xã báo cáo",
}


MILESTONE_COLUMNS = {
    "name": "Mốc",
    "basis": "Phạm vi",
    "deadline": "Hạn",
    "units": "Số xã",
    "units_done": "Số xã đã xong",
    "units_behind": "Số xã chậm",
    **{
        k: UNIT_COLUMNS[k]
        for k in (
            "eligible",
            "target",
            "collected",
            "coverage",
            "share_of_target",
            "remaining",
            "pace_7d",
            "required_per_day",
            "days_left",
            "projected_date",
            "projected_low",
            "projected_high",
            "p_on_time",
            "status",
        )
    },
}


PERCENT_HEADERS = (
    "Tỷ lệ (so với số đủ điều kiện)",
    "Tỷ lệ (so với mẫu số)",
    "Đạt (% chỉ tiêu)",
    "Khả năng kịp hạn",
    "Tốc độ / mức cần",
)


# Counts of dossiers, cards and citizens: whole numbers in the workbook.  The figures carry
# fractions where a report covering several days was spread over them (a cumulative of
# 69,5) or a target was shared out by eligible citizens (4.826,46 for a commune): right for
# the forecasts, but an analyst who reads "69,5 hồ sơ" takes the file for wrong.
COUNT_HEADERS = (
    "Lũy kế thu nhận",
    "Thu nhận trong ngày",
    "Lũy kế trả thẻ",
    "Đã thu nhận",
    "Đã trả thẻ",
    "Trong đó thu nhận ở tỉnh khác",
    "Chỉ tiêu",
    "Còn lại",
    "Còn thiếu",
    "Mẫu số",
    "Số CD đủ điều kiện",
)


def whole_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """The count columns rounded to whole numbers; a day's intake, beside a cumulative,
    is the step of the rounded cumulative, so that the days still add up to it."""
    frame = frame.copy()
    for header in COUNT_HEADERS:
        if header in frame and pd.api.types.is_float_dtype(frame[header]):
            frame[header] = frame[header].round()
    if {"Lũy kế thu nhận", "Thu nhận trong ngày"} <= set(frame.columns):
        steps = frame["Lũy kế thu nhận"].diff()
        frame["Thu nhận trong ngày"] = steps.where(frame["Thu nhận trong ngày"].notna())
    return frame


def readable(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """Numeric frame → the same numbers under Vietnamese headers, statuses as labels."""
    frame = frame.copy()
    if "collected" in frame and "target" in frame and "share_of_target" not in frame:
        frame["share_of_target"] = frame["collected"] / frame["target"].replace(0, np.nan)
    if "status" in frame:
        frame["status"] = frame["status"].map(lambda s: STATUS_LABELS.get(s, s))
    if "official" in frame:
        frame["official"] = frame["official"].map({True: "Có", False: "Không"})
    if "tags" in frame:
        frame["tags"] = frame["tags"].map(lambda t: ", ".join(t) if isinstance(t, (tuple, list)) else t)
    for column in frame.columns:
        if pd.api.types.is_float_dtype(frame[column]):
            frame[column] = frame[column].replace([np.inf, -np.inf], np.nan)
    keep = [c for c in columns if c in frame.columns]
    return frame[keep].rename(columns=columns)


def whole(value) -> int | None:
    """A rate of dossiers a day as the pages show it (1.020, not 1020,2857)."""
    return round(float(value)) if finite(value) else None


def share(value) -> exports.Share | None:
    """A share as the summary sheet shows it: 93,7%, as the other sheets' share columns."""
    return exports.Share(round(float(value), 3)) if finite(value) else None


def workbook_frames(b: Briefing) -> dict[str, pd.DataFrame]:
    """The sheets of the briefing workbook, numbers kept as numbers."""
    snap, h = b.snapshot, b.headline
    summary = [
        ("Chiến dịch", b.campaign),
        ("Đơn vị", b.unit_name),
        ("Số liệu tính đến", pd.Timestamp(b.as_of)),
        ("Hạn", pd.Timestamp(b.deadline)),
        ("Đánh giá", b.status_label),
        ("Đã thu nhận", h.collected),
        ("Chỉ tiêu", h.target),
        ("Số CD đủ điều kiện", h.eligible),
        ("Đạt (% chỉ tiêu)", share(h.share_of_target)),
        ("Còn lại", h.remaining),
        ("Bình quân 7 ngày", whole(h.pace_7d)),
        ("Cần mỗi ngày", whole(h.required_per_day) if h.days_left > 0 else None),
        ("Số ngày còn lại", h.days_left),
        ("Dự báo hoàn thành", h.projected_date),
        ("Khả năng kịp hạn (%)", share(h.p_on_time)),
        ("Đã trả thẻ", h.returned),
    ]
    summary += [(f"Nhận định {i}", p) for i, p in enumerate(b.narrative, start=1)]
    frames = {"Tóm tắt": pd.DataFrame(summary, columns=["Mục", "Giá trị"])}
    frames["Các mốc"] = readable(snap.milestones, MILESTONE_COLUMNS)
    names = {"province": "Cấp tỉnh", "district": "Cấp huyện", "commune": "Cấp xã"}
    for level, sheet in names.items():
        rows = snap.units[snap.units["level"] == level]
        if rows.empty:
            continue
        rows = metrics.attention_order(rows) if level == "commune" else rows
        columns = {
            k: v
            for k, v in UNIT_COLUMNS.items()
            if not (level != "commune" and k == "commune")
            and not (level == "province" and k == "district")
            and k != "extra_per_day"
        }
        frames[sheet] = readable(rows, columns)
    frames["Theo ngày"] = readable(snap.daily, DAILY_COLUMNS)
    teams = team_frame(snap)
    team_columns = {
        k: UNIT_COLUMNS[k]
        for k in (
            "name",
            "district",
            "code",
            "eligible",
            "target",
            "collected",
            "share_of_target",
            "remaining",
            "pace_7d",
            "required_per_day",
            "extra_per_day",
            "projected_date",
            "days_behind",
            "status",
            "last_report",
        )
    }
    frames["Xã cần tổ lưu động"] = readable(teams, team_columns)
    # Priority groups, channels, residence …: one sheet each, and the group milestones.
    if b.parts is not None:
        frames.update(b.parts.frames)
    frames["Lưu ý số liệu"] = pd.DataFrame({"Lưu ý": list(b.caveats)})
    return {name: whole_counts(frame) for name, frame in frames.items()}


def write_xlsx(source: Briefing | Snapshot | Sequence[Briefing], path) -> None:
    """The tables as an Excel workbook (path or binary file object), formulas neutralised.

    Accepts a briefing, a snapshot (briefed first) or several briefings; with several,
    each sheet holds every campaign's rows under a leading "Chiến dịch" column.
    """
    if isinstance(source, Snapshot):
        source = build_briefing(source)
    items = as_list(source)
    if len(items) == 1:
        frames = workbook_frames(items[0])
    else:
        frames = {}
        for b in items:
            for name, frame in workbook_frames(b).items():
                frame = frame.copy()
                frame.insert(0, "Chiến dịch", b.campaign)
                frames.setdefault(name, []).append(frame)
        frames = {name: pd.concat(parts, ignore_index=True) for name, parts in frames.items()}
    formats = {h: exports.PERCENT_FORMAT for h in PERCENT_HEADERS}
    formats.update(
        {
            "Bình quân 7 ngày": exports.INT_FORMAT,
            "Cần mỗi ngày": exports.INT_FORMAT,
            "Cần thêm mỗi ngày": exports.INT_FORMAT,
            "Chỉ tiêu": exports.INT_FORMAT,
        }
    )
    data = exports.to_xlsx_bytes(frames, formats)
    if hasattr(path, "write"):
        path.write(data)
    else:
        Path(path).write_bytes(data)


def xlsx_bytes(source) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(source, buffer)
    return buffer.getvalue()
