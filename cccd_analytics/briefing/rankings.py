"""Who leads and who lags: the units ranked at the level that says most, and the communes
that need mobile teams (behind, at risk or past their deadline)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from cccd_analytics import text as fmt
from cccd_analytics.analytics import league, metrics
from cccd_analytics.analytics.metrics import STATUS_LABELS, Snapshot
from cccd_analytics.briefing.model import LEVEL_NOUNS, TEAM_STATUSES, ChartData, Series, Table, finite
from cccd_analytics.briefing.style import COLORS


def ranking_level(snap: Snapshot, unit_name: str) -> str:
    units = snap.units
    districts = units[units["level"] == "district"]
    is_district_scope = unit_name in set(districts["name"])
    return "district" if len(districts) > 1 and not is_district_scope else "commune"


def ranked(units: pd.DataFrame, level: str, n_top: int, n_bottom: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Best and weakest units of a level by coverage, each with a "rank_label" (`league`:
    ties share a rank and are never cut).  The two lists do not overlap."""
    rows = units[(units["level"] == level) & units["coverage"].notna()]
    # A share above 100% is a denominator too low (the caveats name it), not the best work:
    # it is left out of the leaders (it headed them with 127,5%).
    over = (units["level"] == level) & (units["coverage"] > 1.0 + 1e-9)
    top = league.top(units[~over], "coverage", n_top, level=level)
    bottom = league.bottom(units, "coverage", n_bottom, level=level) if n_bottom else top.iloc[0:0]
    bottom = bottom[~bottom["key"].isin(top["key"])]
    figures = rows.set_index("key")
    extra = ["eligible", "collected", "pace_7d", "target"]

    def attach(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.drop(columns=[c for c in extra if c in frame.columns])
        return frame.join(figures[extra], on="key")

    top = attach(top)
    top.attrs["over_100"] = int(over.sum())
    return top, attach(bottom)


def ranking(snap: Snapshot, level: str, n: int) -> tuple[Table, Table, ChartData, ChartData]:
    units = snap.units
    count = int(((units["level"] == level) & units["coverage"].notna()).sum())
    k = min(n, math.ceil(count / 2))
    top, bottom = ranked(units, level, k, min(n, count - k))
    noun = LEVEL_NOUNS[level]
    columns = (
        "STT",
        "Huyện" if level == "district" else "Xã",
        "Đủ điều kiện",
        "Đã thu nhận",
        "Tỷ lệ",
        "BQ 7 ngày",
        "Trạng thái",
    )

    def table(frame: pd.DataFrame, title: str) -> Table:
        body = tuple(
            (
                str(u.rank_label),
                str(u.name),
                fmt.number(u.eligible),
                fmt.number(u.collected),
                fmt.percent(u.coverage),
                fmt.number(u.pace_7d),
                STATUS_LABELS.get(u.status, ""),
            )
            for u in frame.itertuples(index=False)
        )
        return Table(title, columns, body, ("r", "l", "r", "r", "r", "r", "l"), tuple(frame["status"]), noun)

    plural = "huyện" if level == "district" else "xã"
    left_out = top.attrs.get("over_100", 0)
    top_t = table(
        top,
        f"{fmt.number(len(top))} {plural} có tỷ lệ cao nhất"
        + (
            f" (không tính {fmt.number(left_out)} {plural} trên 100%, cần kiểm tra số liệu)"
            if left_out
            else ""
        ),
    )
    bottom_t = table(bottom, f"{fmt.number(len(bottom))} {plural} có tỷ lệ thấp nhất")

    def chart(frame: pd.DataFrame, title: str, color: str) -> ChartData:
        # Horizontal bars draw bottom-up: reverse so the first row is at the top.
        frame = frame.iloc[::-1]
        return ChartData(
            title,
            tuple(frame["name"].astype(str)),
            (Series("Tỷ lệ thu nhận", tuple(float(v) for v in frame["coverage"]), color, "bar"),),
            number_format="0.0%",
            percent=True,
            horizontal=True,
        )

    return (
        top_t,
        bottom_t,
        chart(top, top_t.title, COLORS["top"]),
        chart(bottom, bottom_t.title, COLORS["bottom"]),
    )


def team_frame(snap: Snapshot) -> pd.DataFrame:
    """Communes needing a mobile team: behind, missed or at risk with collections still owed,
    with the extra per day they need, the largest first — where a team does the most (the
    order of `metrics.attention_order`, days late first, put a commune needing 15 more a
    day above one needing 183) — and, past the deadline, the most still owed first."""
    communes = snap.units[snap.units["level"] == "commune"]
    need = communes[communes["status"].isin(TEAM_STATUSES) & (communes["remaining"] > 0.5)]
    if need.empty:
        return need.assign(extra_per_day=pd.Series(dtype=float))
    need = metrics.attention_order(need).copy()
    required = need["required_per_day"].replace([np.inf, -np.inf], np.nan)
    # Same basis as the required rate: per working day when metrics gives that pace.
    pace = need["pace_workday"] if "pace_workday" in need else need["pace_7d"]
    need["extra_per_day"] = (required - pace.fillna(0)).clip(lower=0)
    # Where the deadline is still ahead, a commune whose pace already covers what it needs
    # each day is at risk only by the forecast (its pace expected to fall): no extra team
    # for it; listed with "0 more a day" it filled slides and read as a contradiction.
    enough = np.isfinite(required) & (need["extra_per_day"] < 0.5)
    out = need[~enough]
    # Past the deadline the need per day is unbounded: those come first, the most owed first.
    overdue = ~np.isfinite(out["required_per_day"].replace([np.inf, -np.inf], np.nan))
    out = out.assign(_overdue=overdue).sort_values(
        ["_overdue", "extra_per_day", "remaining"], ascending=[False, False, False], kind="stable"
    )
    out = out.drop(columns="_overdue").reset_index(drop=True)
    out.attrs["pace_enough"] = int(enough.sum())
    return out


def mobile_teams(snap: Snapshot) -> tuple[Table, str]:
    need = team_frame(snap)
    # The district column only helps when the communes are in more than one district.
    three_level = need["district"].dropna().nunique() > 1
    columns = (
        "STT",
        "Xã",
        *(("Huyện",) if three_level else ()),
        "Tỷ lệ",
        "Còn thiếu",
        "BQ 7 ngày",
        "Cần mỗi ngày",
        "Cần thêm mỗi ngày",
        "Dự báo xong",
    )
    rows, status = [], []
    for i, u in enumerate(need.itertuples(index=False), start=1):
        row = [str(i), str(u.name)]
        if three_level:
            row.append(
                str(u.district or "")
                .replace("Huyện ", "")
                .replace("Thị xã ", "TX ")
                .replace("Thành phố ", "TP ")
            )
        row += [
            fmt.percent(u.coverage),
            fmt.number(u.remaining),
            fmt.number(u.pace_7d),
            fmt.number(u.required_per_day) if finite(u.required_per_day) else "quá hạn",
            fmt.number(u.extra_per_day),
            fmt.date_vn(u.projected_date),
        ]
        rows.append(tuple(row))
        status.append(u.status)
    align = ("r", "l", *(("l",) if three_level else ()), "r", "r", "r", "r", "r", "r")
    table = Table("Xã cần tăng cường tổ thu nhận lưu động", columns, tuple(rows), align, tuple(status), "xã")
    enough = need.attrs.get("pace_enough", 0)
    also = (
        f" {fmt.number(enough)} xã khác đang đủ tốc độ cần thiết nhưng dự báo có thể chậm: cần theo dõi."
        if enough
        else ""
    )
    if need.empty:
        return table, also.strip()
    extra = need["extra_per_day"].sum()
    days_left = int(need["days_left"].iloc[0]) if finite(need["days_left"].iloc[0]) else 0
    if days_left > 0 and extra > 0:
        summary = (
            f"Đề nghị tăng cường tổ thu nhận lưu động cho {fmt.number(len(need))} xã chậm tiến độ "
            f"hoặc có nguy cơ chậm; để kịp hạn, các xã này cần thu nhận thêm tổng cộng "
            f"{fmt.number(extra)} hồ sơ/ngày so với tốc độ hiện nay." + also
        )
    else:
        summary = (
            f"Đề nghị tăng cường tổ thu nhận lưu động cho {fmt.number(len(need))} xã chưa đạt "
            f"chỉ tiêu; các xã này còn thiếu tổng cộng {fmt.number(need['remaining'].sum())} hồ sơ." + also
        )
    return table, summary
