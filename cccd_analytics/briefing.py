"""The briefing (giao ban): what to say about a campaign, and the deck, PDF and workbook.

`build_briefing(snapshot)` turns a `metrics.Snapshot` into a `Briefing` — every sentence,
figure, table and chart series written from the snapshot's numbers, in Vietnamese with
Vietnamese formats.  `slides(briefing)` lays that content out as a sequence of slides
(shared by the PowerPoint deck and the dashboard's presentation mode).  The writers
only render:

* `write_pptx` — a 16:9 deck with native, editable PowerPoint charts (python-pptx);
* `write_pdf`  — the same content as an A4-landscape PDF (reportlab; vector charts;
  Liberation Sans shipped in `data/fonts/` so Vietnamese renders without system fonts);
* `write_xlsx` — the tables (units by level, milestones, daily series, communes needing
  mobile teams, caveats), formulas neutralised (`exports`).

Nothing here reads the store or imports Streamlit.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from cccd_analytics import formatting as fmt
from cccd_analytics.analytics import metrics
from cccd_analytics.analytics.metrics import STATUS_LABELS, Snapshot

FONT_DIR = Path(__file__).resolve().parent / "data" / "fonts"
TITLE = "Tiến độ thu nhận hồ sơ cấp căn cước công dân gắn chíp"
COLORS = {
    "collected": "1565C0",
    "target": "B71C1C",
    "forecast": "6A1B9A",
    "returned": "2E7D32",
    "required": "E65100",
    "pace": "0D47A1",
    "bar": "90CAF9",
    "top": "2E7D32",
    "bottom": "C62828",
    "ink": "1F2933",
    "muted": "5F6B7A",
    "brand": "0D3B66",
    "accent": "C62828",
    "header": "DDE7F3",
    "stripe": "F4F7FB",
}
STATUS_COLORS = {
    "done": "2E7D32",
    "on_track": "43A047",
    "at_risk": "F57C00",
    "behind": "E53935",
    "missed": "8E0000",
    "no_data": "757575",
}
TEAM_STATUSES = ("missed", "behind", "at_risk")
LEVEL_NOUNS = {"province": "tỉnh", "district": "huyện", "commune": "xã"}


# -- content ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One headline figure: "Đã thu nhận" · "2.365.662" · "93,7% số đủ điều kiện"."""

    label: str
    value: str
    note: str = ""


@dataclass(frozen=True)
class Table:
    """A display table: formatted text cells, alignment per column ("l" or "r")."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    align: tuple[str, ...]
    status: tuple[str, ...] = ()  # status code per row, for colouring
    noun: str = "đơn vị"  # what a row is, for "và 12 xã khác"

    def head(self, n: int) -> Table:
        return Table(self.title, self.columns, self.rows[:n], self.align, self.status[:n], self.noun)

    def page(self, start: int, n: int) -> Table:
        return Table(
            self.title,
            self.columns,
            self.rows[start : start + n],
            self.align,
            self.status[start : start + n],
            self.noun,
        )

    def more_text(self, shown: int) -> str:
        rest = len(self.rows) - shown
        return f"và {fmt.number(rest)} {self.noun} khác" if rest > 0 else ""


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]
    color: str
    kind: str = "line"  # "line" | "bar"
    dash: bool = False


@dataclass(frozen=True)
class ChartData:
    """What a chart shows: categories (dates or names) and numeric series."""

    title: str
    categories: tuple
    series: tuple[Series, ...]
    number_format: str = "#,##0"  # Excel/PowerPoint format of the values
    percent: bool = False  # values are shares (0.953)
    horizontal: bool = False  # bar charts of names
    note: str = ""


@dataclass(frozen=True)
class Headline:
    """The campaign's figures on the as-of day (whole scope), as numbers."""

    collected: float
    target: float
    eligible: float
    share_of_target: float
    coverage: float
    remaining: float
    returned: float
    collected_day: float
    pace_7d: float
    required_per_day: float  # per (normal working) day, as metrics computes it
    pace_ratio: float  # progress per working day ÷ required rate
    days_left: int
    working_days_left: float
    projected_date: pd.Timestamp | None
    projected_low: pd.Timestamp | None
    projected_high: pd.Timestamp | None
    p_on_time: float
    status: str


@dataclass(frozen=True)
class MilestoneLine:
    name: str
    deadline: date
    status: str
    status_label: str
    text: str


@dataclass(frozen=True, eq=False)
class Briefing:
    """Everything a briefing says about one campaign on one day."""

    title: str
    campaign: str
    unit_name: str  # "Tỉnh Nghệ An", "Huyện Kỳ Anh"
    scope_phrase: str  # "toàn tỉnh", "toàn huyện"
    as_of: date
    deadline: date
    data_through: date | None
    headline: Headline
    status_label: str
    figures: tuple[Figure, ...]
    narrative: tuple[str, ...]
    milestones: tuple[MilestoneLine, ...]
    milestone_table: Table
    cumulative: ChartData
    daily: ChartData
    ranking_level: str  # level the top/bottom tables rank ("district" | "commune")
    top: Table
    bottom: Table
    top_chart: ChartData
    bottom_chart: ChartData
    teams: Table  # every commune needing a mobile team, furthest behind first
    teams_summary: str
    caveats: tuple[str, ...]
    snapshot: Snapshot = field(repr=False)

    @property
    def subtitle(self) -> str:
        return f"{self.unit_name} · Số liệu tính đến ngày {fmt.date_vn(self.as_of)}"


def _num(value) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return float("nan")
    return value


def _finite(value) -> bool:
    return not (value is None or pd.isna(value) or math.isinf(_num(value)))


def _ts(value) -> pd.Timestamp | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value)


def _names(names: Sequence[str], limit: int, noun: str) -> str:
    """ "Xã A, Xã B, Xã C và 12 xã khác"."""
    names = [str(n) for n in names]
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit]) + f" và {fmt.number(len(names) - limit)} {noun} khác"


def _scope(snap: Snapshot) -> tuple[str, str]:
    """The unit a campaign covers and how a sentence names it ("toàn tỉnh")."""
    units = snap.units
    upper = units[units["level"].isin(["district", "province"])]
    scope = [s.strip() for s in snap.campaign.scope]
    wanted = upper[
        upper["name"].isin(scope)
        | upper["code"].astype(str).isin(scope)
        | upper["key"].astype(str).isin(scope)
    ]
    districts = upper[upper["level"] == "district"]
    provinces = upper[upper["level"] == "province"]
    if len(wanted) == 1:
        row = wanted.iloc[0]
    elif len(scope) == 0 and len(districts) == 1:
        row = districts.iloc[0]
    elif len(scope) == 0 and len(provinces) == 1 and len(districts) != 1:
        row = provinces.iloc[0]
    else:
        name = provinces.iloc[0]["name"] if len(provinces) == 1 else "Các đơn vị"
        return name, "các đơn vị trong phạm vi chiến dịch"
    name = str(row["name"])
    kind = name.split(" ")[0].lower()
    for prefix in ("thành phố", "thị xã", "quận", "huyện", "tỉnh"):
        if name.lower().startswith(prefix):
            kind = prefix
            break
    return name, f"toàn {kind}"


def _pace_ratio(row) -> float:
    """The snapshot's pace ratio (per working day) or, from older snapshots, 7-day pace ÷ required."""
    ratio = _num(row.get("pace_ratio"))
    if _finite(ratio):
        return ratio
    pace, required = _num(row.get("pace_7d")), _num(row.get("required_per_day"))
    return pace / required if _finite(pace) and _finite(required) and required > 0 else float("nan")


def _headline(snap: Snapshot) -> Headline:
    main = snap.milestones.iloc[0] if len(snap.milestones) else pd.Series(dtype=object)
    daily = snap.daily
    # The last day with reports (the as-of day may be later, with nothing reported since).
    if snap.data_through is not None and len(daily):
        reported = daily[pd.to_datetime(daily["date"]) <= snap.data_through]
        last = reported.iloc[-1] if len(reported) else daily.iloc[-1]
    else:
        last = pd.Series(dtype=float)
    collected, target = _num(main.get("collected")), _num(main.get("target"))
    return Headline(
        collected=collected,
        target=target,
        eligible=_num(main.get("eligible")),
        share_of_target=collected / target if target and _finite(target) else float("nan"),
        coverage=_num(main.get("coverage")),
        remaining=_num(main.get("remaining")),
        returned=_num(last.get("returned")),
        collected_day=_num(last.get("collected_day")),
        pace_7d=_num(main.get("pace_7d")),
        required_per_day=_num(main.get("required_per_day")),
        pace_ratio=_pace_ratio(main),
        days_left=int(_num(main.get("days_left"))) if _finite(main.get("days_left")) else 0,
        working_days_left=_num(main.get("working_days_left", main.get("days_left"))),
        projected_date=_ts(main.get("projected_date")),
        projected_low=_ts(main.get("projected_low")),
        projected_high=_ts(main.get("projected_high")),
        p_on_time=_num(main.get("p_on_time")),
        status=str(main.get("status", "no_data")) if pd.notna(main.get("status")) else "no_data",
    )


def _target_clause(snap: Snapshot, h: Headline) -> str:
    target = snap.campaign.target
    if target.kind == "share" and abs(target.value - 1) < 1e-9:
        return f"đạt {fmt.percent(h.coverage)} số công dân đủ điều kiện ({fmt.number(h.eligible)} người)"
    if target.kind == "share":
        return (
            f"đạt {fmt.percent(h.share_of_target)} chỉ tiêu ({fmt.number(h.target)} hồ sơ, "
            f"bằng {fmt.percent(target.value, 0)} số công dân đủ điều kiện)"
        )
    return (
        f"đạt {fmt.percent(h.share_of_target)} chỉ tiêu {fmt.number(h.target)} hồ sơ "
        f"({fmt.percent(h.coverage)} số công dân đủ điều kiện)"
    )


def _narrative(
    snap: Snapshot, h: Headline, scope_phrase: str, ranking: tuple[Table, Table], teams_summary: str
) -> tuple[str, ...]:
    as_of, deadline = snap.as_of, pd.Timestamp(snap.campaign.deadline)
    if snap.data_through is None:
        return (f"Đến ngày {fmt.date_vn(as_of)}, chiến dịch chưa có số liệu báo cáo nào.",)
    first = (
        f"Đến ngày {fmt.date_vn(as_of)}, {scope_phrase} đã thu nhận {fmt.number(h.collected)} hồ sơ "
        f"đề nghị cấp căn cước công dân gắn chíp, {_target_clause(snap, h)}."
    )
    extra = []
    if _finite(h.collected_day):
        extra.append(
            f"riêng ngày {fmt.date_vn(snap.data_through, year=False)} thu nhận "
            f"{fmt.number(h.collected_day)} hồ sơ"
        )
    if _finite(h.returned) and h.returned > 0:
        extra.append(f"đã trả {fmt.number(h.returned)} thẻ cho công dân")
    if extra:
        first += " " + "; ".join(extra)[0].upper() + "; ".join(extra)[1:] + "."
    paragraphs = [first]

    pace = (
        f"bình quân 7 ngày gần nhất đạt {fmt.number(h.pace_7d)} hồ sơ/ngày"
        if _finite(h.pace_7d)
        else "chưa đủ số liệu để tính bình quân 7 ngày"
    )
    if h.status == "done":
        paragraphs.append(f"Đã hoàn thành chỉ tiêu của chiến dịch ({fmt.number(h.target)} hồ sơ); {pace}.")
    elif h.days_left <= 0:
        word = "Đã hết hạn" if as_of > deadline else "Hôm nay là hạn"
        paragraphs.append(
            f"{word} {fmt.date_vn(deadline)}; còn thiếu {fmt.number(h.remaining)} hồ sơ "
            f"so với chỉ tiêu; {pace}."
        )
    else:
        # metrics gives the required rate per normal working day when the calendar has
        # days off or short days; say so when that differs from calendar days.
        workdays = h.working_days_left
        per = "ngày"
        if _finite(workdays) and abs(workdays - h.days_left) >= 0.5:
            per = "ngày làm việc"
        text = (
            f"Còn {fmt.number(h.remaining)} hồ sơ và {fmt.number(h.days_left)} ngày đến hạn "
            f"{fmt.date_vn(deadline)}"
            + (f" ({fmt.number(workdays)} ngày làm việc)" if per != "ngày" else "")
            + f": cần bình quân {fmt.number(h.required_per_day)} hồ sơ/{per} để "
            f"hoàn thành trước {fmt.date_vn(deadline, year=False)}; {pace}"
        )
        if _finite(h.pace_ratio):
            text += (
                ", đáp ứng yêu cầu"
                if h.pace_ratio >= 1
                else f", mới bằng {fmt.percent(h.pace_ratio, 0)} mức cần thiết"
            )
        paragraphs.append(text + ".")

    if h.status != "done":
        verdict = STATUS_LABELS.get(h.status, "")
        if h.projected_date is not None:
            delta = (h.projected_date - deadline).days
            when = (
                f"chậm {fmt.number(delta)} ngày so với hạn"
                if delta > 0
                else f"sớm {fmt.number(-delta)} ngày so với hạn"
                if delta < 0
                else "đúng hạn"
            )
            lead = "Theo tốc độ hiện nay, dự báo"
            if _finite(h.pace_ratio) and h.pace_ratio >= 1 and h.status in ("behind", "at_risk"):
                # The forecaster expects the pace to fall as coverage rises (docs/forecast.md).
                lead = (
                    "Tuy tốc độ hiện nay đáp ứng yêu cầu, tốc độ thu nhận thường giảm dần khi tỷ lệ "
                    "tăng cao: dự báo"
                )
            text = (
                f"{lead} đạt chỉ tiêu vào ngày {fmt.date_vn(h.projected_date)} "
                f"(khoảng {fmt.date_vn(h.projected_low)} – {fmt.date_vn(h.projected_high)}), {when}"
            )
            if _finite(h.p_on_time) and as_of <= deadline:
                text += f"; khả năng kịp hạn {fmt.percent(h.p_on_time, 0)}"
            paragraphs.append(f"{text}. Đánh giá chung: {verdict.lower()}.")
        else:
            paragraphs.append(
                f"Chưa đủ số liệu để dự báo ngày hoàn thành. Đánh giá chung: {verdict.lower()}."
            )

    communes = snap.units[snap.units["level"] == "commune"]
    counts = communes["status"].value_counts()
    parts = [
        f"{fmt.number(counts[s])} {STATUS_LABELS[s].lower()}"
        for s in ("done", "on_track", "at_risk", "behind", "missed", "no_data")
        if counts.get(s, 0)
    ]
    text = f"Trong {fmt.number(len(communes))} đơn vị cấp xã: " + ", ".join(parts) + "."
    top, bottom = ranking
    if top.rows and bottom.rows:
        share = top.columns.index("Tỷ lệ")
        text += (
            f" Dẫn đầu: {', '.join(f'{r[1]} ({r[share]})' for r in top.rows[:3])}; "
            f"thấp nhất: {', '.join(f'{r[1]} ({r[share]})' for r in bottom.rows[:3])}."
        )
    paragraphs.append(text)
    if teams_summary:
        paragraphs.append(teams_summary)
    return tuple(paragraphs)


def _milestones(snap: Snapshot) -> tuple[tuple[MilestoneLine, ...], Table]:
    lines, rows, status = [], [], []
    for i, m in enumerate(snap.milestones.itertuples(index=False)):
        deadline = pd.Timestamp(m.deadline)
        name = "Toàn chiến dịch" if i == 0 else str(m.name)
        if not getattr(m, "units", 0) or pd.isna(getattr(m, "collected", np.nan)):
            label = STATUS_LABELS["no_data"]
            lines.append(
                MilestoneLine(
                    name,
                    deadline.date(),
                    "no_data",
                    label,
                    f"{name} (hạn {fmt.date_vn(deadline)}): chưa có số liệu.",
                )
            )
            rows.append((name, fmt.date_vn(deadline), "—", "—", "—", "—", "—", label))
            status.append("no_data")
            continue
        share = m.collected / m.target if m.target else float("nan")
        label = STATUS_LABELS.get(m.status, "")
        text = (
            f"{name} (hạn {fmt.date_vn(deadline)}): đạt {fmt.percent(share)} "
            f"({fmt.number(m.collected)}/{fmt.number(m.target)} hồ sơ), "
            f"{fmt.number(m.units_done)}/{fmt.number(m.units)} xã hoàn thành — {label.lower()}"
        )
        if m.status not in ("done", "missed") and pd.notna(m.projected_date):
            text += (
                f"; dự báo xong {fmt.date_vn(m.projected_date)}, "
                f"khả năng kịp hạn {fmt.percent(m.p_on_time, 0)}"
            )
        elif m.status == "missed":
            text += f"; còn thiếu {fmt.number(m.remaining)} hồ sơ"
        lines.append(MilestoneLine(name, deadline.date(), m.status, label, text + "."))
        rows.append(
            (
                name,
                fmt.date_vn(deadline),
                fmt.number(m.target),
                fmt.number(m.collected),
                fmt.percent(share),
                f"{fmt.number(m.units_done)}/{fmt.number(m.units)}",
                fmt.date_vn(m.projected_date) if m.status != "done" else "—",
                label,
            )
        )
        status.append(m.status)
    table = Table(
        "Tiến độ các mốc",
        ("Mốc", "Hạn", "Chỉ tiêu", "Đã thu nhận", "Đạt", "Xã xong", "Dự báo xong", "Trạng thái"),
        tuple(rows),
        ("l", "r", "r", "r", "r", "r", "r", "l"),
        tuple(status),
        "mốc",
    )
    return tuple(lines), table


def _ranking_level(snap: Snapshot, unit_name: str) -> str:
    units = snap.units
    districts = units[units["level"] == "district"]
    is_district_scope = unit_name in set(districts["name"])
    return "district" if len(districts) > 1 and not is_district_scope else "commune"


def _ranked(units: pd.DataFrame, level: str, n_top: int, n_bottom: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Best and weakest units of a level by coverage, each with a "rank_label".

    Uses `league` (ties share a rank and are never cut) when it is there; otherwise a
    plain sort.  Either way the two lists do not overlap.
    """
    rows = units[(units["level"] == level) & units["coverage"].notna()]
    try:
        from cccd_analytics.analytics import league  # noqa: PLC0415 - arrives with the analytics issue
    except ImportError:
        league = None
    if league is not None:
        top = league.top(units, "coverage", n_top, level=level)
        bottom = league.bottom(units, "coverage", n_bottom, level=level) if n_bottom else top.iloc[0:0]
        bottom = bottom[~bottom["key"].isin(top["key"])]
        figures = rows.set_index("key")
        extra = ["eligible", "collected", "pace_7d", "target"]

        def attach(frame: pd.DataFrame) -> pd.DataFrame:
            frame = frame.drop(columns=[c for c in extra if c in frame.columns])
            return frame.join(figures[extra], on="key")

        return attach(top), attach(bottom)
    ordered = rows.sort_values(["coverage", "collected"], ascending=[False, False])
    total = len(ordered)
    top = ordered.head(n_top).assign(rank_label=[str(i) for i in range(1, min(n_top, total) + 1)])
    rest = ordered.iloc[len(top) :]
    bottom = rest.tail(n_bottom).iloc[::-1] if n_bottom else rest.iloc[0:0]
    bottom = bottom.assign(rank_label=[str(total - i) for i in range(len(bottom))])
    return top, bottom


def _ranking(snap: Snapshot, level: str, n: int) -> tuple[Table, Table, ChartData, ChartData]:
    units = snap.units
    count = int(((units["level"] == level) & units["coverage"].notna()).sum())
    k = min(n, math.ceil(count / 2))
    top, bottom = _ranked(units, level, k, min(n, count - k))
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
    top_t = table(top, f"{fmt.number(len(top))} {plural} có tỷ lệ cao nhất")
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
    furthest behind first (`metrics.attention_order`), with the extra per day they need."""
    communes = snap.units[snap.units["level"] == "commune"]
    need = communes[communes["status"].isin(TEAM_STATUSES) & (communes["remaining"] > 0.5)]
    if need.empty:
        return need.assign(extra_per_day=pd.Series(dtype=float))
    need = metrics.attention_order(need).copy()
    required = need["required_per_day"].replace([np.inf, -np.inf], np.nan)
    # Same basis as the required rate: per working day when metrics gives that pace.
    pace = need["pace_workday"] if "pace_workday" in need else need["pace_7d"]
    need["extra_per_day"] = (required - pace.fillna(0)).clip(lower=0)
    return need.reset_index(drop=True)


def _teams(snap: Snapshot) -> tuple[Table, str]:
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
            fmt.number(u.required_per_day) if _finite(u.required_per_day) else "quá hạn",
            fmt.number(u.extra_per_day),
            fmt.date_vn(u.projected_date),
        ]
        rows.append(tuple(row))
        status.append(u.status)
    align = ("r", "l", *(("l",) if three_level else ()), "r", "r", "r", "r", "r", "r")
    table = Table("Xã cần tăng cường tổ thu nhận lưu động", columns, tuple(rows), align, tuple(status), "xã")
    if need.empty:
        return table, ""
    extra = need["extra_per_day"].sum()
    days_left = int(need["days_left"].iloc[0]) if _finite(need["days_left"].iloc[0]) else 0
    if days_left > 0 and extra > 0:
        summary = (
            f"Đề nghị tăng cường tổ thu nhận lưu động cho {fmt.number(len(need))} xã chậm tiến độ "
            f"hoặc có nguy cơ chậm; để kịp hạn, các xã này cần thu nhận thêm tổng cộng "
            f"{fmt.number(extra)} hồ sơ/ngày so với tốc độ hiện nay."
        )
    else:
        summary = (
            f"Đề nghị tăng cường tổ thu nhận lưu động cho {fmt.number(len(need))} xã chưa đạt "
            f"chỉ tiêu; các xã này còn thiếu tổng cộng {fmt.number(need['remaining'].sum())} hồ sơ."
        )
    return table, summary


def _finding_notes(found: pd.DataFrame | None) -> tuple[list[str], set[str]]:
    """Caveats from `quality.findings`: errors and warnings one by one (a few), notes counted."""
    if found is None or len(found) == 0:
        return [], set()
    notes: list[str] = []
    serious = found[found["severity"].isin(["error", "warning"])]
    for row in serious.head(4).itertuples(index=False):
        label = "Lỗi" if row.severity == "error" else "Cảnh báo"
        who = f"{row.unit_name}: " if isinstance(row.unit_name, str) and row.unit_name else ""
        notes.append(f"{label} — {who}{row.message_vi}")
    if len(serious) > 4:
        notes.append(f"Và {fmt.number(len(serious) - 4)} lỗi/cảnh báo khác (xem trang Chất lượng số liệu).")
    minor = found[~found["severity"].isin(["error", "warning"])]
    for _, group in minor.groupby("check", sort=False):
        label = str(group["check_label"].iloc[0])
        notes.append(
            f"{label}: {fmt.number(len(group))} trường hợp ở {fmt.number(group['unit_key'].nunique())} xã "
            f"({_names(list(group['unit_name'].dropna().unique()), 4, 'xã')})."
        )
    return notes, set(found["check"])


def _caveats(snap: Snapshot, extra: Sequence[str] = (), found: pd.DataFrame | None = None) -> tuple[str, ...]:
    notes: list[str] = []
    communes = snap.units[snap.units["level"] == "commune"]
    as_of = snap.as_of
    if snap.data_through is None:
        return ("Chưa có số liệu báo cáo nào trong phạm vi chiến dịch.", *extra)
    checked, covered = _finding_notes(found)
    if snap.data_through < as_of:
        notes.append(
            f"Số liệu mới nhất là của ngày {fmt.date_vn(snap.data_through)}; chưa có báo cáo "
            f"ngày {fmt.date_vn(as_of)}."
        )
    never = communes[communes["status"] == "no_data"]
    if len(never) and "never_reported" not in covered:
        notes.append(f"{fmt.number(len(never))} xã chưa có số liệu nào: {_names(never['name'], 5, 'xã')}.")
    silent = communes[communes["last_report"].notna() & (communes["last_report"] < snap.data_through)]
    if len(silent):
        notes.append(
            f"{fmt.number(len(silent))}/{fmt.number(len(communes))} xã chưa báo cáo số liệu ngày "
            f"{fmt.date_vn(snap.data_through)} ({_names(silent['name'], 5, 'xã')}); "
            f"số liệu của các xã này lấy theo lần báo cáo gần nhất."
        )
    over = communes[communes["coverage"] > 1.0 + 1e-9].sort_values("coverage", ascending=False)
    if len(over) and "coverage_over_100" not in covered:
        listed = [f"{n} ({fmt.percent(c)})" for n, c in zip(over["name"], over["coverage"])]
        notes.append(
            f"{fmt.number(len(over))} xã có số hồ sơ vượt số công dân đủ điều kiện (trên 100%): "
            f"{_names(listed, 5, 'xã')}; cần rà soát lại số công dân đủ điều kiện."
        )
    unofficial = communes[communes["official"].eq(False)]
    if len(unofficial):
        notes.append(
            f"{fmt.number(len(unofficial))} đơn vị không có trong danh mục hành chính: "
            f"{_names(unofficial['name'], 5, 'đơn vị')}."
        )
    days = snap.daily["collected_day"].notna().sum() if len(snap.daily) else 0
    if 0 < days < 7:
        notes.append(f"Mới có {fmt.number(days)} ngày số liệu: bình quân 7 ngày và dự báo còn ít tin cậy.")
    notes.extend(checked)
    notes.extend(extra)
    if not notes:
        notes.append(
            f"Tất cả {fmt.number(len(communes))} xã đã báo cáo số liệu ngày "
            f"{fmt.date_vn(snap.data_through)}; không phát hiện số liệu bất thường."
        )
    return tuple(notes)


def _cumulative_chart(snap: Snapshot, h: Headline) -> ChartData:
    daily = snap.daily
    deadline = pd.Timestamp(snap.campaign.deadline)
    if daily.empty:
        return ChartData("Lũy kế thu nhận so với chỉ tiêu", (), ())
    start = pd.Timestamp(daily["date"].iloc[0])
    last_day = pd.Timestamp(daily["date"].iloc[-1])
    end = max(deadline, last_day)
    if h.projected_date is not None and h.status != "done":
        end = max(end, min(h.projected_date, deadline + pd.Timedelta(days=120)))
    days = pd.date_range(start, end, freq="D")
    actual = daily.set_index("date")["collected"].reindex(days)
    actual[days > last_day] = np.nan
    last_value = float(daily["collected"].iloc[-1])

    def path(to_day: pd.Timestamp | None) -> tuple:
        if to_day is None or to_day <= last_day or h.status == "done":
            return tuple(None for _ in days)
        span = (to_day - last_day).days
        out = []
        for d in days:
            k = (d - last_day).days
            out.append(last_value + (h.target - last_value) * k / span if 0 <= k <= span else None)
        return tuple(out)

    series = [
        Series(
            "Lũy kế thu nhận", tuple(None if pd.isna(v) else float(v) for v in actual), COLORS["collected"]
        ),
        Series(f"Chỉ tiêu {fmt.number(h.target)}", tuple(float(h.target) for _ in days), COLORS["target"]),
    ]
    if h.days_left > 0 and h.status != "done":
        series.append(Series("Tiến độ cần đạt", path(deadline), COLORS["required"], dash=True))
    if h.projected_date is not None and h.status != "done":
        series.append(
            Series(
                f"Dự báo (đạt ngày {fmt.date_vn(h.projected_date)})",
                path(min(h.projected_date, end)),
                COLORS["forecast"],
                dash=True,
            )
        )
    note = f"Hạn {fmt.date_vn(deadline)}"
    if h.projected_date is not None and h.status != "done":
        note += (
            f" · dự báo đạt chỉ tiêu {fmt.date_vn(h.projected_date)} (khoảng "
            f"{fmt.date_vn(h.projected_low)} – {fmt.date_vn(h.projected_high)})"
        )
    for m in snap.milestones.iloc[1:].itertuples(index=False):
        note += f" · mốc {m.name}: {fmt.date_vn(m.deadline)}"
    return ChartData(
        "Lũy kế thu nhận so với chỉ tiêu", tuple(d.date() for d in days), tuple(series), note=note
    )


def _daily_chart(snap: Snapshot, h: Headline) -> ChartData:
    daily = snap.daily.iloc[1:]  # the first day's increase is unknown
    if daily.empty:
        return ChartData("Thu nhận mỗi ngày", (), ())
    values = lambda col: tuple(None if pd.isna(v) else float(v) for v in daily[col])  # noqa: E731
    series = [
        Series("Thu nhận trong ngày", values("collected_day"), COLORS["bar"], "bar"),
        Series("Bình quân 7 ngày", values("pace_7d"), COLORS["pace"]),
    ]
    note = f"Bình quân 7 ngày: {fmt.per_day(h.pace_7d)}"
    if h.days_left > 0 and _finite(h.required_per_day) and h.status != "done":
        series.append(
            Series(
                "Cần mỗi ngày để kịp hạn",
                tuple(float(h.required_per_day) for _ in range(len(daily))),
                COLORS["required"],
                dash=True,
            )
        )
        note += f" · cần {fmt.per_day(h.required_per_day)} để kịp hạn {fmt.date_vn(snap.campaign.deadline)}"
    return ChartData(
        "Thu nhận mỗi ngày", tuple(pd.Timestamp(d).date() for d in daily["date"]), tuple(series), note=note
    )


def _figures(snap: Snapshot, h: Headline) -> tuple[Figure, ...]:
    deadline = snap.campaign.deadline
    day = (
        f"+{fmt.number(h.collected_day)} ngày {fmt.date_vn(snap.data_through, year=False)}"
        if _finite(h.collected_day) and snap.data_through is not None
        else ""
    )
    out = [
        Figure("Đã thu nhận", fmt.number(h.collected), day),
        Figure("Chỉ tiêu", fmt.number(h.target), f"{fmt.number(h.eligible)} người đủ điều kiện"),
        Figure("Đạt", fmt.percent(h.share_of_target), f"còn {fmt.number(h.remaining)} hồ sơ"),
        Figure(
            "Cần mỗi ngày",
            fmt.number(h.required_per_day) if h.days_left > 0 else "—",
            f"bình quân 7 ngày: {fmt.number(h.pace_7d)}",
        ),
        Figure("Số ngày còn lại", fmt.number(h.days_left), f"đến hạn {fmt.date_vn(deadline)}"),
        Figure(
            "Dự báo hoàn thành",
            fmt.date_vn(h.projected_date) if h.status != "done" else "Đã xong",
            f"khả năng kịp hạn {fmt.percent(h.p_on_time, 0)}"
            if _finite(h.p_on_time) and h.status != "done"
            else "",
        ),
    ]
    return tuple(out)


def from_frames(
    obs: pd.DataFrame,
    units: pd.DataFrame,
    campaign,
    as_of=None,
    uploads: pd.DataFrame | None = None,
    **kwargs,
) -> Briefing:
    """Snapshot, data-quality findings and briefing in one call (what `cccd report` needs).

    `obs`, `units` and `uploads` are the store's frames (`current_observations()`,
    `units()`, `list_uploads()`); findings come from `quality` when that module is there.
    """
    if as_of is not None:
        obs = obs[obs["date"] <= pd.Timestamp(as_of)]
    snap = metrics.snapshot(obs, units, campaign, as_of)
    found = None
    try:
        from cccd_analytics.analytics import quality  # noqa: PLC0415 - arrives with the analytics issue
    except ImportError:
        quality = None
    if quality is not None and snap.data_through is not None:
        found = quality.findings(obs, units, campaign, as_of=snap.as_of, uploads=uploads)
    return build_briefing(snap, findings=found, **kwargs)


def build_briefing(
    snapshot: Snapshot, *, top_n: int = 5, findings: pd.DataFrame | None = None, notes: Sequence[str] = ()
) -> Briefing:
    """The briefing of a campaign on the snapshot's day.

    `findings` is `quality.findings(...)` for the same campaign and day (its errors and
    warnings become caveats); `notes` are extra caveats, verbatim.
    """
    snap = snapshot
    unit_name, scope_phrase = _scope(snap)
    h = _headline(snap)
    level = _ranking_level(snap, unit_name)
    top, bottom, top_chart, bottom_chart = _ranking(snap, level, top_n)
    teams, teams_summary = _teams(snap)
    lines, table = _milestones(snap)
    caveats = _caveats(snap, notes, findings)
    return Briefing(
        title=TITLE,
        campaign=snap.campaign.name,
        unit_name=unit_name,
        scope_phrase=scope_phrase,
        as_of=pd.Timestamp(snap.as_of).date(),
        deadline=snap.campaign.deadline,
        data_through=snap.data_through.date() if snap.data_through is not None else None,
        headline=h,
        status_label=STATUS_LABELS.get(h.status, ""),
        figures=_figures(snap, h),
        narrative=_narrative(snap, h, scope_phrase, (top, bottom), teams_summary),
        milestones=lines,
        milestone_table=table,
        cumulative=_cumulative_chart(snap, h),
        daily=_daily_chart(snap, h),
        ranking_level=level,
        top=top,
        bottom=bottom,
        top_chart=top_chart,
        bottom_chart=bottom_chart,
        teams=teams,
        teams_summary=teams_summary,
        caveats=caveats,
        snapshot=snap,
    )


# -- slides: one sequence for the deck and the presentation mode ----------------------


@dataclass(frozen=True)
class Slide:
    kind: str  # title | figures | narrative | cumulative | daily | milestones | ranking
    # | map | teams | caveats
    title: str
    subtitle: str = ""
    lines: tuple[str, ...] = ()
    table: Table | None = None
    chart: ChartData | None = None
    more: str = ""  # "và 318 xã khác" under a capped table
    status: str = ""  # colours the verdict on the figures slide


def slides(
    b: Briefing, *, rows_per_slide: int = 10, team_slides: int = 2, with_map: bool = False
) -> tuple[Slide, ...]:
    """The briefing as slides, in the order a briefing is given."""
    h = b.headline
    out = [
        Slide(
            "title",
            b.campaign,
            f"{b.unit_name} · Số liệu tính đến ngày {fmt.date_vn(b.as_of)}",
            lines=(b.title,),
        )
    ]
    verdict = b.status_label
    if h.status != "done" and h.projected_date is not None:
        delta = (h.projected_date - pd.Timestamp(b.deadline)).days
        verdict += f" — dự báo đạt chỉ tiêu {fmt.date_vn(h.projected_date)}"
        verdict += f", chậm {fmt.number(delta)} ngày so với hạn" if delta > 0 else ", kịp hạn"
    out.append(Slide("figures", "Tình hình chung", lines=(verdict,), status=h.status))
    out.append(Slide("narrative", "Đánh giá", lines=b.narrative))
    if b.cumulative.series:
        out.append(
            Slide(
                "cumulative",
                "Lũy kế thu nhận so với chỉ tiêu",
                subtitle=b.cumulative.note,
                chart=b.cumulative,
            )
        )
    if b.daily.series:
        out.append(Slide("daily", "Thu nhận mỗi ngày", subtitle=b.daily.note, chart=b.daily))
    per = max(rows_per_slide - 2, 4)
    pages = max(math.ceil(len(b.milestone_table.rows) / per), 1)
    for p in range(pages):
        table = b.milestone_table.page(p * per, per)
        lines = tuple(m.text for m in b.milestones[p * per : (p + 1) * per])
        out.append(
            Slide(
                "milestones",
                "Tiến độ các mốc" + (f" ({p + 1}/{pages})" if pages > 1 else ""),
                table=table,
                lines=lines,
            )
        )
    level = "huyện" if b.ranking_level == "district" else "xã"
    if b.top.rows:
        out.append(
            Slide("ranking", f"Các {level} dẫn đầu", subtitle=b.top.title, table=b.top, chart=b.top_chart)
        )
    if b.bottom.rows:
        out.append(
            Slide(
                "ranking",
                f"Các {level} thấp nhất",
                subtitle=b.bottom.title,
                table=b.bottom,
                chart=b.bottom_chart,
            )
        )
    if with_map:
        out.append(Slide("map", f"Bản đồ tỷ lệ thu nhận theo {level if level == 'huyện' else 'xã, phường'}"))
    if b.teams.rows:
        n_pages = min(team_slides, math.ceil(len(b.teams.rows) / rows_per_slide))
        shown = min(len(b.teams.rows), n_pages * rows_per_slide)
        for p in range(n_pages):
            last = p == n_pages - 1
            out.append(
                Slide(
                    "teams",
                    b.teams.title + (f" ({p + 1}/{n_pages})" if n_pages > 1 else ""),
                    subtitle="Sắp xếp theo mức độ chậm: trạng thái, rồi số ngày dự báo trễ hạn.",
                    table=b.teams.page(p * rows_per_slide, rows_per_slide),
                    more=b.teams.more_text(shown) if last else "",
                    lines=(b.teams_summary,) if last else (),
                )
            )
    out.append(Slide("caveats", "Lưu ý về số liệu", lines=b.caveats))
    return tuple(out)


# -- map (an image: the offline choropleth of charts.py, when it is there) -------------


def map_figure(b: Briefing, width: int = 1600, height: int = 1000):
    """The coverage map of the briefing's scope, zoomed to fit width × height, or None."""
    try:
        from cccd_analytics import charts, geo  # noqa: PLC0415

        choropleth, boundaries, map_units = charts.choropleth, geo.boundaries, geo.map_units
    except (ImportError, AttributeError):
        return None
    units = b.snapshot.units
    provinces = units.loc[units["level"] == "province", "key"].tolist()
    if not provinces:
        return None
    layer = "district" if b.ranking_level == "district" else "commune_2025"
    try:
        shapes = boundaries(layer, str(provinces[0]))
        if shapes is None:
            return None
        figures = map_units(units, layer)
        fig = choropleth(figures, shapes, "coverage")
    except Exception:  # noqa: BLE001 - the map is optional; the deck must not fail for it
        return None
    with_data = set(figures.loc[figures["collected"].notna(), "key"])
    focus = [f for f in shapes["features"] if f["properties"]["key"] in with_data] or shapes["features"]
    lon0, lat0, lon1, lat1 = geo.bounds({"features": focus})
    lat_mid = math.radians((lat0 + lat1) / 2)
    # Web-Mercator: the world is 512 · 2^zoom pixels wide; leave a margin and the colour bar.
    zoom_x = math.log2((width - 160) * 0.9 * 360 / (512 * max(lon1 - lon0, 1e-3)))
    zoom_y = math.log2(height * 0.9 * 360 * math.cos(lat_mid) / (512 * max(lat1 - lat0, 1e-3)))
    fig.update_layout(
        map=dict(center=dict(lon=(lon0 + lon1) / 2, lat=(lat0 + lat1) / 2), zoom=min(zoom_x, zoom_y)),
        font=dict(size=22),
        width=None,
        height=None,
    )
    return fig


def map_png(b: Briefing, width: int = 1600, height: int = 1000) -> bytes | None:
    """PNG of `map_figure` (kaleido + system Chromium), or None when it cannot be drawn."""
    from cccd_analytics import images  # noqa: PLC0415

    fig = map_figure(b, width, height)
    if fig is None or not images.available():
        return None
    try:
        return images.figure_png(fig, width, height, 1)
    except images.ImageExportError:
        return None


# -- PowerPoint --------------------------------------------------------------------------

PPT_FONT = "Arial"  # on every Office install, covers Vietnamese
# Thousands with dots whatever the viewer's regional settings ("2.523.535"): literal dots,
# one section per magnitude (a plain "#,##0" would follow the viewer's locale).
VN_INT_FORMAT = "[>=1000000]#\\.###\\.##0;[>=1000]#\\.##0;0"
SLIDE_W, SLIDE_H = 13.333, 7.5


def _rgb(hex_color: str):
    from pptx.dml.color import RGBColor

    return RGBColor.from_string(hex_color)


def _estimate_lines(text: str, width_in: float, size_pt: float) -> int:
    # Arial averages about 0.45 em per character in Vietnamese running text.
    chars_per_line = max(int(width_in * 72 / (size_pt * 0.47)), 10)
    return max(1, math.ceil(len(text) / chars_per_line))


def _fit_size(
    texts: Sequence[str],
    width_in: float,
    height_in: float,
    largest: int = 22,
    smallest: int = 14,
    spacing: float = 1.25,
    gap_pt: float = 8,
) -> int:
    """The largest font size (pt) at which the paragraphs fit the box."""
    for size in range(largest, smallest - 1, -1):
        lines = sum(_estimate_lines(t, width_in, size) for t in texts)
        needed = (lines * size * spacing + gap_pt * len(texts)) / 72
        if needed <= height_in * 0.95:
            return size
    return smallest


def _text(
    slide,
    left,
    top,
    width,
    height,
    paragraphs,
    size=18,
    bold=False,
    color=COLORS["ink"],
    align=None,
    anchor=None,
    bullets: bool = False,
    gap_pt: float = 8,
    font=PPT_FONT,
):
    """A text box; `paragraphs` are strings or (text, {size, bold, color}) pairs."""
    from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE
    from pptx.util import Inches, Pt

    box = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    tf = box.text_frame
    tf.word_wrap = True
    # Sizes are chosen to fit; "shrink on overflow" is the safety net if a viewer's font is wider.
    tf.auto_size = MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE
    tf.margin_left = tf.margin_right = Inches(0.05)
    tf.margin_top = tf.margin_bottom = Inches(0.03)
    tf.vertical_anchor = anchor or MSO_ANCHOR.TOP
    for i, item in enumerate(paragraphs):
        text, style = (item, {}) if isinstance(item, str) else item
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        if align is not None:
            p.alignment = align
        if i:
            p.space_before = Pt(gap_pt)
        run = p.add_run()
        run.text = ("• " if bullets else "") + text
        f = run.font
        f.name = font
        f.size = Pt(style.get("size", size))
        f.bold = style.get("bold", bold)
        f.color.rgb = _rgb(style.get("color", color))
    return box


def _rect(slide, left, top, width, height, fill: str, line: str | None = None):
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.util import Inches, Pt

    shape = slide.shapes.add_shape(
        MSO_SHAPE.RECTANGLE, Inches(left), Inches(top), Inches(width), Inches(height)
    )
    shape.fill.solid()
    shape.fill.fore_color.rgb = _rgb(fill)
    if line:
        shape.line.color.rgb = _rgb(line)
        shape.line.width = Pt(1)
    else:
        shape.line.fill.background()
    shape.shadow.inherit = False
    return shape


def _slide_frame(prs, slide_def: Slide, b: Briefing, number: int, total: int):
    """A content slide: title placeholder, accent rule, footer."""
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Inches, Pt

    slide = prs.slides.add_slide(prs.slide_layouts[5])  # "Title Only"
    title = slide.shapes.title
    title.left, title.top, title.width, title.height = Inches(0.5), Inches(0.3), Inches(12.33), Inches(0.8)
    tf = title.text_frame
    tf.word_wrap = True
    tf.text = slide_def.title
    p = tf.paragraphs[0]
    p.alignment = PP_ALIGN.LEFT
    for run in p.runs:
        run.font.name, run.font.size, run.font.bold = PPT_FONT, Pt(30), True
        run.font.color.rgb = _rgb(COLORS["brand"])
    _rect(slide, 0.5, 1.12, 1.6, 0.06, COLORS["accent"])
    _text(slide, 0.5, 7.0, 9.3, 0.35, [b.campaign], size=11, color=COLORS["muted"])
    _text(
        slide,
        9.8,
        7.0,
        3.03,
        0.35,
        [f"Số liệu đến {fmt.date_vn(b.as_of)} · {number}/{total}"],
        size=11,
        color=COLORS["muted"],
        align=PP_ALIGN.RIGHT,
    )
    return slide


def _title_slide(prs, slide_def: Slide, b: Briefing):
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Inches, Pt

    slide = prs.slides.add_slide(prs.slide_layouts[0])  # "Title Slide"
    background = slide.background.fill
    background.solid()
    background.fore_color.rgb = _rgb(COLORS["brand"])
    _rect(slide, 0.8, 2.05, 2.2, 0.08, "FFD54F")
    _text(slide, 0.8, 1.1, 11.7, 0.8, [slide_def.lines[0].upper()], size=20, bold=True, color="FFD54F")
    title, subtitle = slide.shapes.title, slide.placeholders[1]
    title.left, title.top, title.width, title.height = Inches(0.8), Inches(2.35), Inches(11.7), Inches(2.3)
    title.text_frame.word_wrap = True
    title.text_frame.text = slide_def.title
    size = 40 if len(slide_def.title) <= 60 else 32
    for p in title.text_frame.paragraphs:
        p.alignment = PP_ALIGN.LEFT
        for run in p.runs:
            run.font.name, run.font.size, run.font.bold = PPT_FONT, Pt(size), True
            run.font.color.rgb = _rgb("FFFFFF")
    subtitle.left, subtitle.top, subtitle.width, subtitle.height = (
        Inches(0.8),
        Inches(4.9),
        Inches(11.7),
        Inches(1.2),
    )
    subtitle.text_frame.word_wrap = True
    subtitle.text_frame.text = slide_def.subtitle
    for p in subtitle.text_frame.paragraphs:
        p.alignment = PP_ALIGN.LEFT
        for run in p.runs:
            run.font.name, run.font.size = PPT_FONT, Pt(26)
            run.font.color.rgb = _rgb("E3ECF7")
    _text(
        slide,
        0.8,
        6.5,
        11.7,
        0.5,
        ["Hội nghị giao ban · số liệu do hệ thống theo dõi cấp CCCD tổng hợp"],
        size=14,
        color="B8C7DA",
    )
    return slide


def _figures_slide(slide, slide_def: Slide, b: Briefing):
    from pptx.enum.text import MSO_ANCHOR

    figures = b.figures
    cols, w, h, gap = 3, 3.95, 1.85, 0.24
    for i, f in enumerate(figures):
        r, c = divmod(i, cols)
        left, top = 0.5 + c * (w + gap), 1.45 + r * (h + gap)
        _rect(slide, left, top, w, h, COLORS["stripe"], line="D5DEEA")
        _rect(slide, left, top, 0.09, h, COLORS["brand"])
        _text(slide, left + 0.25, top + 0.12, w - 0.35, 0.45, [f.label], size=18, color=COLORS["muted"])
        _text(
            slide, left + 0.25, top + 0.55, w - 0.35, 0.75, [f.value], size=36, bold=True, color=COLORS["ink"]
        )
        if f.note:
            _text(slide, left + 0.25, top + 1.32, w - 0.35, 0.45, [f.note], size=15, color=COLORS["muted"])
    rows = math.ceil(len(figures) / cols)
    top = 1.45 + rows * (h + gap) + 0.05
    color = STATUS_COLORS.get(slide_def.status, COLORS["ink"])
    _rect(slide, 0.5, top, 12.33, 6.85 - top, "FFFFFF", line=color)
    _rect(slide, 0.5, top, 0.12, 6.85 - top, color)
    size = _fit_size(slide_def.lines, 11.8, 6.85 - top - 0.1, largest=24, smallest=16)
    _text(
        slide,
        0.8,
        top + 0.05,
        11.9,
        6.85 - top - 0.1,
        [(slide_def.lines[0], {"bold": True})],
        size=size,
        color=color,
        anchor=MSO_ANCHOR.MIDDLE,
    )


def _table(
    slide,
    table: Table,
    left,
    top,
    width,
    row_h=0.42,
    size=14,
    widths: Sequence[float] | None = None,
    max_height: float | None = None,
):
    """A native table: navy header, banded rows, status text coloured."""
    from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
    from pptx.util import Inches, Pt

    n_rows, n_cols = len(table.rows) + 1, len(table.columns)
    shape = slide.shapes.add_table(
        n_rows, n_cols, Inches(left), Inches(top), Inches(width), Inches(row_h * n_rows)
    )
    grid = shape.table
    grid.first_row = True
    grid.horz_banding = False
    if widths is None:
        weights = [
            max(len(c), *(len(r[j]) for r in table.rows), 4) if table.rows else len(c)
            for j, c in enumerate(table.columns)
        ]
        weights = [min(w, 28) for w in weights]
        widths = [width * w / sum(weights) for w in weights]
    for j, w in enumerate(widths):
        grid.columns[j].width = Inches(w)
    status_col = table.columns.index("Trạng thái") if "Trạng thái" in table.columns else None
    for i in range(n_rows):
        grid.rows[i].height = Inches(row_h if i else max(row_h, 0.5))
        for j in range(n_cols):
            cell = grid.cell(i, j)
            text = table.columns[j] if i == 0 else table.rows[i - 1][j]
            cell.margin_left = cell.margin_right = Inches(0.06)
            cell.margin_top = cell.margin_bottom = Inches(0.02)
            cell.vertical_anchor = MSO_ANCHOR.MIDDLE
            cell.fill.solid()
            cell.fill.fore_color.rgb = _rgb(
                COLORS["brand"] if i == 0 else (COLORS["stripe"] if i % 2 == 0 else "FFFFFF")
            )
            tf = cell.text_frame
            tf.word_wrap = True
            tf.text = text
            p = tf.paragraphs[0]
            p.alignment = (
                {"r": PP_ALIGN.RIGHT, "c": PP_ALIGN.CENTER}.get(table.align[j], PP_ALIGN.LEFT)
                if i
                else PP_ALIGN.CENTER
            )
            for run in p.runs:
                run.font.name, run.font.size = PPT_FONT, Pt(size if i else size - 1)
                run.font.bold = i == 0
                color = "FFFFFF" if i == 0 else COLORS["ink"]
                if i and j == status_col and table.status:
                    color = STATUS_COLORS.get(table.status[i - 1], color)
                    run.font.bold = True
                run.font.color.rgb = _rgb(color)
    return shape


def _chart_fonts(chart, size=14):
    from pptx.util import Pt

    chart.font.name = PPT_FONT
    chart.font.size = Pt(size)
    chart.font.color.rgb = _rgb(COLORS["ink"])


def _line_format(series, s: Series, width_pt=2.5):
    from pptx.enum.chart import XL_MARKER_STYLE
    from pptx.enum.dml import MSO_LINE
    from pptx.util import Pt

    line = series.format.line
    line.color.rgb = _rgb(s.color)
    line.width = Pt(width_pt)
    if s.dash:
        line.dash_style = MSO_LINE.DASH
    series.marker.style = XL_MARKER_STYLE.NONE
    series.smooth = False


def _value_axis(axis, number_format=VN_INT_FORMAT, size=13):
    from pptx.util import Pt

    axis.has_major_gridlines = True
    axis.major_gridlines.format.line.color.rgb = _rgb("E3E7ED")
    axis.tick_labels.number_format = number_format
    axis.tick_labels.number_format_is_linked = False
    axis.tick_labels.font.size = Pt(size)
    axis.format.line.fill.background()


def _date_axis(axis, n_days: int, size=13):
    """Dates as d/m, one label a week (two or four on long spans)."""
    from pptx.oxml.ns import qn
    from pptx.util import Pt

    axis.tick_labels.number_format = "d/m"
    axis.tick_labels.number_format_is_linked = False
    axis.tick_labels.font.size = Pt(size)
    axis.format.line.color.rgb = _rgb("9AA5B1")
    ax = axis._element
    if ax.tag != qn("c:dateAx"):
        return
    step = 7 if n_days <= 100 else 14 if n_days <= 200 else 28
    for tag in ("c:majorUnit", "c:majorTimeUnit"):
        for el in ax.findall(qn(tag)):
            ax.remove(el)
    unit = ax.makeelement(qn("c:majorUnit"), {"val": str(step)})
    time_unit = ax.makeelement(qn("c:majorTimeUnit"), {"val": "days"})
    # Schema order: … lblOffset, baseTimeUnit, majorUnit, majorTimeUnit, minorUnit …
    anchor = ax.find(qn("c:baseTimeUnit"))
    if anchor is None:
        anchor = ax.find(qn("c:lblOffset"))
    if anchor is not None:
        anchor.addnext(unit)
    else:
        ax.append(unit)
    unit.addnext(time_unit)


def _chart_data(chart: ChartData):
    from pptx.chart.data import CategoryChartData

    data = CategoryChartData(number_format=chart.number_format)
    data.categories = list(chart.categories)
    if chart.categories and isinstance(chart.categories[0], date):
        data.categories.number_format = "d/m/yyyy"
    for s in chart.series:
        data.add_series(s.name, list(s.values))
    return data


def _legend(chart, size=14):
    from pptx.enum.chart import XL_LEGEND_POSITION
    from pptx.util import Pt

    chart.has_legend = True
    chart.legend.position = XL_LEGEND_POSITION.BOTTOM
    chart.legend.include_in_layout = False
    chart.legend.font.size = Pt(size)


def _line_chart(slide, chart: ChartData, left, top, width, height):
    from pptx.enum.chart import XL_CHART_TYPE
    from pptx.util import Inches

    frame = slide.shapes.add_chart(
        XL_CHART_TYPE.LINE, Inches(left), Inches(top), Inches(width), Inches(height), _chart_data(chart)
    )
    c = frame.chart
    _chart_fonts(c)
    _legend(c)
    for series, s in zip(c.plots[0].series, chart.series):
        _line_format(series, s, 4 if s is chart.series[0] else 2.5)
    _value_axis(c.value_axis)
    _date_axis(c.category_axis, len(chart.categories))
    return frame


def _combo_chart(slide, chart: ChartData, left, top, width, height):
    """Bars for the "bar" series, lines for the others, on the same axes (editable in PowerPoint)."""
    from pptx.enum.chart import XL_CHART_TYPE
    from pptx.oxml.ns import qn
    from pptx.util import Inches

    frame = slide.shapes.add_chart(
        XL_CHART_TYPE.COLUMN_CLUSTERED,
        Inches(left),
        Inches(top),
        Inches(width),
        Inches(height),
        _chart_data(chart),
    )
    c = frame.chart
    _chart_fonts(c)
    _legend(c)
    bar_plot = c.plots[0]
    bar_plot.gap_width = 40
    for series, s in zip(bar_plot.series, chart.series):
        if s.kind == "bar":
            series.format.fill.solid()
            series.format.fill.fore_color.rgb = _rgb(s.color)
            series.invert_if_negative = False
    lines = [i for i, s in enumerate(chart.series) if s.kind != "bar"]
    if lines:
        bar_chart = c._chartSpace.find(".//" + qn("c:barChart"))
        line_chart = bar_chart.makeelement(qn("c:lineChart"), {})
        grouping = line_chart.makeelement(qn("c:grouping"), {"val": "standard"})
        vary = line_chart.makeelement(qn("c:varyColors"), {"val": "0"})
        line_chart.extend([grouping, vary])
        sers = bar_chart.findall(qn("c:ser"))
        for i in lines:
            ser = sers[i]
            bar_chart.remove(ser)
            for tag in ("c:invertIfNegative", "c:shape"):
                for el in ser.findall(qn(tag)):
                    ser.remove(el)
            marker = ser.makeelement(qn("c:marker"), {})
            marker.append(marker.makeelement(qn("c:symbol"), {"val": "none"}))
            anchor = ser.find(qn("c:spPr"))
            if anchor is None:
                anchor = ser.find(qn("c:tx"))
            anchor.addnext(marker)
            ser.append(ser.makeelement(qn("c:smooth"), {"val": "0"}))
            line_chart.append(ser)
        line_chart.append(line_chart.makeelement(qn("c:marker"), {"val": "1"}))
        for ax in bar_chart.findall(qn("c:axId")):
            line_chart.append(line_chart.makeelement(qn("c:axId"), {"val": ax.get("val")}))
        bar_chart.addnext(line_chart)
        # The moved series are now the line plot's; style them.
        for series, i in zip(c.plots[1].series, lines):
            _line_format(series, chart.series[i], 3 if chart.series[i].name.startswith("Bình quân") else 2.5)
    _value_axis(c.value_axis)
    _date_axis(c.category_axis, len(chart.categories))
    return frame


def _bar_chart(slide, chart: ChartData, left, top, width, height, size=14):
    """Horizontal bars of shares, each labelled in Vietnamese format ("99,4%")."""
    from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION
    from pptx.util import Inches, Pt

    frame = slide.shapes.add_chart(
        XL_CHART_TYPE.BAR_CLUSTERED,
        Inches(left),
        Inches(top),
        Inches(width),
        Inches(height),
        _chart_data(chart),
    )
    c = frame.chart
    _chart_fonts(c, size)
    c.has_legend = False
    c.has_title = False
    plot = c.plots[0]
    plot.gap_width = 45
    s = chart.series[0]
    series = plot.series[0]
    series.format.fill.solid()
    series.format.fill.fore_color.rgb = _rgb(s.color)
    series.invert_if_negative = False
    top_value = max([v for v in s.values if v is not None] + [0.01])
    c.value_axis.minimum_scale = 0
    c.value_axis.maximum_scale = top_value * 1.15  # room for the labels
    _value_axis(c.value_axis, "0%", size - 1)
    c.value_axis.has_major_gridlines = False
    c.value_axis.visible = False
    c.category_axis.tick_labels.font.size = Pt(size)
    c.category_axis.format.line.color.rgb = _rgb("9AA5B1")
    for point, value in zip(series.points, s.values):
        label = point.data_label
        label.position = XL_LABEL_POSITION.OUTSIDE_END
        tf = label.text_frame
        tf.text = fmt.percent(value) if chart.percent else fmt.number(value)
        for run in tf.paragraphs[0].runs:
            run.font.size, run.font.bold, run.font.name = Pt(size), True, PPT_FONT
            run.font.color.rgb = _rgb(COLORS["ink"])
    return frame


def _picture(slide, png: bytes, left, top, width, height):
    from PIL import Image
    from pptx.util import Inches

    with Image.open(io.BytesIO(png)) as im:
        ratio = im.width / im.height
    w, h = (width, width / ratio) if width / height < ratio else (height * ratio, height)
    return slide.shapes.add_picture(
        io.BytesIO(png), Inches(left + (width - w) / 2), Inches(top + (height - h) / 2), Inches(w), Inches(h)
    )


def _render_slide(prs, s: Slide, b: Briefing, number: int, total: int, map_image: bytes | None):
    if s.kind == "title":
        return _title_slide(prs, s, b)
    slide = _slide_frame(prs, s, b, number, total)
    if s.kind == "figures":
        _figures_slide(slide, s, b)
    elif s.kind == "narrative":
        size = _fit_size(s.lines, 12.1, 5.6, largest=22, smallest=14, gap_pt=10)
        _text(slide, 0.5, 1.35, 12.33, 5.6, s.lines, size=size, bullets=True, gap_pt=10)
    elif s.kind == "cumulative":
        _line_chart(slide, s.chart, 0.4, 1.3, 12.5, 5.0)
        _text(
            slide,
            0.5,
            6.35,
            12.33,
            0.6,
            [s.subtitle],
            size=_fit_size([s.subtitle], 12.2, 0.6, 16, 11),
            color=COLORS["muted"],
        )
    elif s.kind == "daily":
        _combo_chart(slide, s.chart, 0.4, 1.3, 12.5, 5.0)
        _text(slide, 0.5, 6.35, 12.33, 0.6, [s.subtitle], size=16, color=COLORS["muted"])
    elif s.kind == "milestones":
        widths = [2.9, 1.3, 1.35, 1.45, 0.95, 1.0, 1.4, 1.98]
        _table(slide, s.table, 0.5, 1.4, 12.33, row_h=0.48, size=15, widths=widths)
        top = 1.4 + 0.5 + 0.48 * len(s.table.rows) + 0.25
        if s.lines and top < 6.3:
            size = _fit_size(s.lines, 12.0, 6.9 - top, largest=17, smallest=12, gap_pt=6)
            colored = [
                (t, {"color": STATUS_COLORS.get(m.status, COLORS["ink"])})
                for t, m in zip(s.lines, b.milestones[[m.text for m in b.milestones].index(s.lines[0]) :])
            ]
            _text(slide, 0.5, top, 12.33, 6.9 - top, colored, size=size, bullets=True, gap_pt=6)
    elif s.kind == "ranking":
        rows = len(s.table.rows)
        chart_h = min(0.46 * rows + 0.3, 2.6)
        _bar_chart(slide, s.chart, 0.5, 1.3, 12.33, chart_h, size=15)
        widths = [0.7, 3.1, 1.65, 1.65, 1.5, 1.45, 2.28]
        _table(slide, s.table, 0.5, 1.3 + chart_h + 0.15, 12.33, row_h=0.42, size=15, widths=widths)
    elif s.kind == "map":
        if map_image:
            _picture(slide, map_image, 0.5, 1.3, 12.33, 5.6)
    elif s.kind == "teams":
        three = "Huyện" in s.table.columns
        widths = ([0.6, 2.4, 1.6] if three else [0.6, 3.2]) + [1.1, 1.25, 1.2, 1.35, 1.45, 1.38]
        widths = [w * 12.33 / sum(widths) for w in widths]
        _table(slide, s.table, 0.5, 1.35, 12.33, row_h=0.4, size=14, widths=widths)
        top = 1.35 + 0.5 + 0.4 * len(s.table.rows) + 0.12
        notes = ([(s.more, {"bold": True})] if s.more else []) + list(s.lines)
        if notes:
            size = _fit_size(
                [n if isinstance(n, str) else n[0] for n in notes],
                12.2,
                6.95 - top,
                largest=16,
                smallest=11,
                gap_pt=4,
            )
            _text(slide, 0.5, top, 12.33, 6.95 - top, notes, size=size, gap_pt=4)
    elif s.kind == "caveats":
        size = _fit_size(s.lines, 12.1, 5.5, largest=20, smallest=12, gap_pt=10)
        _text(slide, 0.5, 1.4, 12.33, 5.5, s.lines, size=size, bullets=True, gap_pt=10)
    return slide


def _as_list(briefings) -> list[Briefing]:
    return [briefings] if isinstance(briefings, Briefing) else list(briefings)


def _map_for(b: Briefing, items: list[Briefing], include_map: bool, map_image: bytes | None) -> bytes | None:
    """The given map image (one briefing only), else a freshly drawn one when asked for."""
    if map_image is not None and len(items) == 1:
        return map_image
    return map_png(b) if include_map else None


def write_pptx(
    briefings: Briefing | Sequence[Briefing],
    path,
    *,
    include_map: bool = True,
    map_image: bytes | None = None,
) -> None:
    """Write the deck (16:9, Vietnamese, native charts) to a path or a binary file object.

    Several briefings (one per campaign) follow each other in one deck.  The map slide is
    added when `map_image` is given (one briefing) or, with `include_map`, when `map_png`
    can draw it (needs Chromium; a few seconds).
    """
    from pptx import Presentation
    from pptx.util import Inches

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(SLIDE_W), Inches(SLIDE_H)
    items = _as_list(briefings)
    plans = []
    for b in items:
        image = _map_for(b, items, include_map, map_image)
        plans.append((b, slides(b, with_map=image is not None), image))
    # Slides are numbered through the whole deck, campaigns one after the other.
    total, number = sum(len(plan) for _, plan, _ in plans), 0
    for b, plan, image in plans:
        for s in plan:
            number += 1
            _render_slide(prs, s, b, number, total, image)
    core = prs.core_properties
    core.title = items[0].campaign if len(items) == 1 else TITLE
    core.subject = TITLE
    core.author = "cccd_analytics"
    core.language = "vi-VN"
    prs.save(path if hasattr(path, "write") else str(path))


def pptx_bytes(briefings, **kwargs) -> bytes:
    buffer = io.BytesIO()
    write_pptx(briefings, buffer, **kwargs)
    return buffer.getvalue()


# -- PDF (reportlab; vector charts drawn here; Liberation Sans shipped in data/fonts) ---

PDF_FONT, PDF_FONT_BOLD = "LiberationSans", "LiberationSans-Bold"


def _register_fonts() -> None:
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if PDF_FONT in pdfmetrics.getRegisteredFontNames():
        return
    pdfmetrics.registerFont(TTFont(PDF_FONT, str(FONT_DIR / "LiberationSans-Regular.ttf")))
    pdfmetrics.registerFont(TTFont(PDF_FONT_BOLD, str(FONT_DIR / "LiberationSans-Bold.ttf")))
    addMapping(PDF_FONT, 0, 0, PDF_FONT)
    addMapping(PDF_FONT, 1, 0, PDF_FONT_BOLD)
    addMapping(PDF_FONT, 0, 1, PDF_FONT)
    addMapping(PDF_FONT, 1, 1, PDF_FONT_BOLD)


def _pdf_color(hex_color: str):
    from reportlab.lib import colors

    return colors.HexColor("#" + hex_color)


def _nice_max(value: float) -> tuple[float, float]:
    """An axis top and tick step: 2.523.535 → (3.000.000, 500.000)."""
    if not value or value <= 0 or not math.isfinite(value):
        return 1.0, 0.25
    raw = value / 5
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    return math.ceil(value / step) * step, step


def _pdf_chart(chart: ChartData, width: float, height: float):
    """Lines and bars over date categories, with a legend above and Vietnamese labels."""
    from reportlab.graphics.shapes import Drawing, Line, PolyLine, Rect, String
    from reportlab.pdfbase.pdfmetrics import stringWidth

    d = Drawing(width, height, initialFontName=PDF_FONT)
    n = len(chart.categories)
    if not n:
        return d
    left, right, bottom, top = 62, 8, 22, 26
    pw, ph = width - left - right, height - bottom - top
    values = [v for s in chart.series for v in s.values if v is not None and math.isfinite(v)]
    y_max, step = _nice_max(max(values) if values else 1)
    y = lambda v: bottom + ph * (v / y_max)  # noqa: E731
    x = lambda i: left + pw * ((i + 0.5) / n)  # noqa: E731
    grid, ink, muted = _pdf_color("E3E7ED"), _pdf_color(COLORS["ink"]), _pdf_color(COLORS["muted"])
    tick = 0.0
    while tick <= y_max + 1e-9:
        d.add(Line(left, y(tick), left + pw, y(tick), strokeColor=grid, strokeWidth=0.6))
        d.add(
            String(
                left - 4,
                y(tick) - 3,
                fmt.number(tick),
                fontName=PDF_FONT,
                fontSize=7.5,
                fillColor=muted,
                textAnchor="end",
            )
        )
        tick += step
    d.add(Line(left, bottom, left + pw, bottom, strokeColor=_pdf_color("9AA5B1"), strokeWidth=0.8))
    label_step = 7 if n <= 100 else 14 if n <= 200 else 28
    for i, c in enumerate(chart.categories):
        if i % label_step == 0:
            d.add(Line(x(i), bottom, x(i), bottom - 3, strokeColor=muted, strokeWidth=0.6))
            d.add(
                String(
                    x(i),
                    bottom - 12,
                    fmt.date_vn(c, year=False),
                    fontName=PDF_FONT,
                    fontSize=7.5,
                    fillColor=muted,
                    textAnchor="middle",
                )
            )
    bar_w = pw / n * 0.72
    for s in chart.series:
        color = _pdf_color(s.color)
        if s.kind == "bar":
            for i, v in enumerate(s.values):
                if v is not None and math.isfinite(v) and v > 0:
                    d.add(
                        Rect(
                            x(i) - bar_w / 2, bottom, bar_w, y(v) - bottom, fillColor=color, strokeColor=None
                        )
                    )
            continue
        segment: list[float] = []
        for i, v in enumerate([*s.values, None]):
            if v is not None and math.isfinite(v):
                segment += [x(i), y(v)]
                continue
            if len(segment) >= 4:
                d.add(
                    PolyLine(
                        segment,
                        strokeColor=color,
                        strokeWidth=2.2 if not s.dash else 1.6,
                        strokeDashArray=[5, 3] if s.dash else None,
                        strokeLineJoin=1,
                    )
                )
            segment = []
    # Legend above the plot.
    lx = left
    for s in chart.series:
        color = _pdf_color(s.color)
        if s.kind == "bar":
            d.add(Rect(lx, height - 13, 12, 7, fillColor=color, strokeColor=None))
        else:
            d.add(
                Line(
                    lx,
                    height - 9.5,
                    lx + 14,
                    height - 9.5,
                    strokeColor=color,
                    strokeWidth=2,
                    strokeDashArray=[4, 2] if s.dash else None,
                )
            )
        d.add(String(lx + 18, height - 12.5, s.name, fontName=PDF_FONT, fontSize=8.5, fillColor=ink))
        lx += 18 + stringWidth(s.name, PDF_FONT, 8.5) + 16
    return d


def _pdf_hbars(chart: ChartData, width: float, height: float):
    """Horizontal bars of shares with Vietnamese labels ("99,4%"), first category on top."""
    from reportlab.graphics.shapes import Drawing, Rect, String
    from reportlab.pdfbase.pdfmetrics import stringWidth

    d = Drawing(width, height, initialFontName=PDF_FONT)
    s = chart.series[0] if chart.series else None
    if s is None or not chart.categories:
        return d
    names = list(chart.categories)[::-1]  # chart data is bottom-up
    values = list(s.values)[::-1]
    label_w = min(max(stringWidth(str(nm), PDF_FONT, 8.5) for nm in names) + 6, width * 0.45)
    top_v = max([v for v in values if v is not None] + [0.01]) * 1.2
    row = height / len(names)
    for i, (name, v) in enumerate(zip(names, values)):
        yy = height - (i + 1) * row
        d.add(
            String(
                label_w - 4,
                yy + row * 0.35,
                str(name),
                fontName=PDF_FONT,
                fontSize=8.5,
                fillColor=_pdf_color(COLORS["ink"]),
                textAnchor="end",
            )
        )
        if v is None:
            continue
        w = (width - label_w - 4) * v / top_v
        d.add(Rect(label_w, yy + row * 0.18, w, row * 0.64, fillColor=_pdf_color(s.color), strokeColor=None))
        d.add(
            String(
                label_w + w + 3,
                yy + row * 0.35,
                fmt.percent(v) if chart.percent else fmt.number(v),
                fontName=PDF_FONT_BOLD,
                fontSize=8.5,
                fillColor=_pdf_color(COLORS["ink"]),
            )
        )
    return d


def _pdf_styles():
    from reportlab.lib.styles import ParagraphStyle

    base = dict(
        fontName=PDF_FONT,
        bulletFontName=PDF_FONT,
        textColor=_pdf_color(COLORS["ink"]),
        leading=16,
        fontSize=12,
    )
    return {
        "kicker": ParagraphStyle(
            "kicker",
            **{**base, "fontName": PDF_FONT_BOLD, "fontSize": 10, "textColor": _pdf_color(COLORS["accent"])},
        ),
        "title": ParagraphStyle(
            "title",
            **{
                **base,
                "fontName": PDF_FONT_BOLD,
                "fontSize": 22,
                "leading": 27,
                "textColor": _pdf_color(COLORS["brand"]),
                "spaceBefore": 4,
            },
        ),
        "subtitle": ParagraphStyle(
            "subtitle",
            **{
                **base,
                "fontSize": 13,
                "leading": 17,
                "textColor": _pdf_color(COLORS["muted"]),
                "spaceAfter": 8,
            },
        ),
        "h2": ParagraphStyle(
            "h2",
            **{
                **base,
                "fontName": PDF_FONT_BOLD,
                "fontSize": 14,
                "leading": 18,
                "textColor": _pdf_color(COLORS["brand"]),
                "spaceBefore": 12,
                "spaceAfter": 6,
            },
        ),
        "body": ParagraphStyle("body", **{**base, "spaceAfter": 5}),
        "bullet": ParagraphStyle("bullet", **{**base, "leftIndent": 12, "bulletIndent": 2, "spaceAfter": 5}),
        "small": ParagraphStyle(
            "small",
            **{**base, "fontSize": 10, "leading": 13, "leftIndent": 12, "bulletIndent": 2, "spaceAfter": 3},
        ),
        "note": ParagraphStyle(
            "note", **{**base, "fontSize": 9, "leading": 12, "textColor": _pdf_color(COLORS["muted"])}
        ),
        "cell": ParagraphStyle("cell", **{**base, "fontSize": 8.5, "leading": 10.5}),
        "cell_r": ParagraphStyle("cell_r", **{**base, "fontSize": 8.5, "leading": 10.5, "alignment": 2}),
        "head": ParagraphStyle(
            "head",
            **{
                **base,
                "fontName": PDF_FONT_BOLD,
                "fontSize": 8.5,
                "leading": 10.5,
                "textColor": _pdf_color("FFFFFF"),
                "alignment": 1,
            },
        ),
        "fig_label": ParagraphStyle(
            "fig_label", **{**base, "fontSize": 8.5, "leading": 11, "textColor": _pdf_color(COLORS["muted"])}
        ),
        "fig_value": ParagraphStyle(
            "fig_value", **{**base, "fontName": PDF_FONT_BOLD, "fontSize": 17, "leading": 21}
        ),
        "fig_note": ParagraphStyle(
            "fig_note", **{**base, "fontSize": 7.5, "leading": 9.5, "textColor": _pdf_color(COLORS["muted"])}
        ),
    }


def _esc(text: str) -> str:
    from xml.sax.saxutils import escape

    return escape(str(text))


def _pdf_table(table: Table, width: float, styles, widths: Sequence[float] | None = None):
    from reportlab.platypus import Paragraph, TableStyle
    from reportlab.platypus import Table as RLTable

    if widths is None:
        weights = [
            min(max(len(c), *(len(r[j]) for r in table.rows), 4), 28) if table.rows else len(c)
            for j, c in enumerate(table.columns)
        ]
        widths = [width * w / sum(weights) for w in weights]
    else:
        widths = [width * w / sum(widths) for w in widths]
    status_col = table.columns.index("Trạng thái") if "Trạng thái" in table.columns else None
    data = [[Paragraph(_esc(c), styles["head"]) for c in table.columns]]
    for i, row in enumerate(table.rows):
        cells = []
        for j, text in enumerate(row):
            style = styles["cell_r"] if table.align[j] == "r" else styles["cell"]
            markup = _esc(text)
            if j == status_col and table.status:
                markup = f'<font color="#{STATUS_COLORS.get(table.status[i], COLORS["ink"])}"><b>{markup}</b></font>'
            cells.append(Paragraph(markup, style))
        data.append(cells)
    grid = RLTable(data, colWidths=widths, repeatRows=1)
    commands = [
        ("FONTNAME", (0, 0), (-1, -1), PDF_FONT),
        ("BACKGROUND", (0, 0), (-1, 0), _pdf_color(COLORS["brand"])),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, _pdf_color("D5DEEA")),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    for i in range(2, len(data), 2):
        commands.append(("BACKGROUND", (0, i), (-1, i), _pdf_color(COLORS["stripe"])))
    grid.setStyle(TableStyle(commands))
    return grid


def _pdf_story(b: Briefing, styles, width: float, map_image: bytes | None, team_rows: int):
    from reportlab.platypus import Image, KeepTogether, PageBreak, Paragraph, Spacer, TableStyle
    from reportlab.platypus import Table as RLTable

    story = [
        Paragraph(_esc(b.title.upper()), styles["kicker"]),
        Paragraph(_esc(b.campaign), styles["title"]),
        Paragraph(_esc(f"{b.unit_name} · Số liệu tính đến ngày {fmt.date_vn(b.as_of)}"), styles["subtitle"]),
    ]
    tiles = [
        [
            Paragraph(_esc(f.label), styles["fig_label"]),
            Paragraph(_esc(f.value), styles["fig_value"]),
            Paragraph(_esc(f.note), styles["fig_note"]),
        ]
        for f in b.figures
    ]
    cell_w = width / max(len(tiles), 1)
    grid = RLTable([tiles], colWidths=[cell_w] * len(tiles))
    grid.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), PDF_FONT),
                ("BACKGROUND", (0, 0), (-1, -1), _pdf_color(COLORS["stripe"])),
                ("LINEABOVE", (0, 0), (-1, 0), 2.5, _pdf_color(COLORS["brand"])),
                ("INNERGRID", (0, 0), (-1, -1), 5, _pdf_color("FFFFFF")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    story += [grid, Spacer(1, 8)]
    verdict = next((s.lines[0] for s in slides(b) if s.kind == "figures"), b.status_label)
    color = STATUS_COLORS.get(b.headline.status, COLORS["ink"])
    story.append(Paragraph(f'<font color="#{color}"><b>{_esc(verdict)}</b></font>', styles["body"]))
    story.append(Paragraph("Đánh giá", styles["h2"]))
    story += [Paragraph(_esc(p), styles["bullet"], bulletText="•") for p in b.narrative]
    story.append(PageBreak())

    if b.cumulative.series:
        story.append(
            KeepTogether(
                [
                    Paragraph("Lũy kế thu nhận so với chỉ tiêu", styles["h2"]),
                    _pdf_chart(b.cumulative, width, 235),
                    Paragraph(_esc(b.cumulative.note), styles["note"]),
                ]
            )
        )
    if b.daily.series:
        story.append(
            KeepTogether(
                [
                    Paragraph("Thu nhận mỗi ngày", styles["h2"]),
                    _pdf_chart(b.daily, width, 165),
                    Paragraph(_esc(b.daily.note), styles["note"]),
                ]
            )
        )
    story.append(PageBreak())

    story.append(Paragraph("Tiến độ các mốc", styles["h2"]))
    story.append(_pdf_table(b.milestone_table, width, styles, [2.9, 1.3, 1.35, 1.45, 0.95, 1.0, 1.4, 1.98]))
    story.append(Spacer(1, 4))
    story += [
        Paragraph(
            f'<font color="#{STATUS_COLORS.get(m.status, COLORS["ink"])}">{_esc(m.text)}</font>',
            styles["small"],
            bulletText="•",
        )
        for m in b.milestones
    ]
    level = "huyện" if b.ranking_level == "district" else "xã"
    for heading, table, chart in (
        (f"Các {level} dẫn đầu", b.top, b.top_chart),
        (f"Các {level} thấp nhất", b.bottom, b.bottom_chart),
    ):
        if not table.rows:
            continue
        bars = _pdf_hbars(chart, width * 0.3, 20 * len(table.rows))
        side = RLTable(
            [[bars, _pdf_table(table, width * 0.68, styles, [0.7, 3.1, 1.65, 1.65, 1.5, 1.45, 2.28])]],
            colWidths=[width * 0.31, width * 0.69],
        )
        side.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), PDF_FONT),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ]
            )
        )
        story.append(KeepTogether([Paragraph(heading, styles["h2"]), side]))
    if map_image:
        from PIL import Image as PILImage

        with PILImage.open(io.BytesIO(map_image)) as im:
            ratio = im.height / im.width
        w = min(width, 430 / ratio)
        story.append(PageBreak())
        story.append(
            Paragraph(
                f"Bản đồ tỷ lệ thu nhận theo {'huyện' if level == 'huyện' else 'xã, phường'}", styles["h2"]
            )
        )
        story.append(Image(io.BytesIO(map_image), width=w, height=w * ratio))
    if b.teams.rows:
        story.append(PageBreak())
        story.append(Paragraph(_esc(b.teams.title), styles["h2"]))
        if b.teams_summary:
            story.append(Paragraph(_esc(b.teams_summary), styles["body"]))
        story.append(
            Paragraph(
                "Sắp xếp theo mức độ chậm: trạng thái, rồi số ngày dự báo trễ hạn. "
                "Danh sách đầy đủ trong tệp Excel (cccd report --format xlsx).",
                styles["note"],
            )
        )
        story.append(Spacer(1, 4))
        three = "Huyện" in b.teams.columns
        widths = ([0.6, 2.4, 1.6] if three else [0.6, 3.2]) + [1.1, 1.25, 1.2, 1.35, 1.45, 1.38]
        story.append(_pdf_table(b.teams.head(team_rows), width, styles, widths))
        more = b.teams.more_text(min(team_rows, len(b.teams.rows)))
        if more:
            story.append(Paragraph(f"<b>{_esc(more)}</b>", styles["body"]))
    story.append(
        KeepTogether(
            [
                Paragraph("Lưu ý về số liệu", styles["h2"]),
                *[Paragraph(_esc(c), styles["bullet"], bulletText="•") for c in b.caveats],
            ]
        )
    )
    return story


def write_pdf(
    briefings: Briefing | Sequence[Briefing],
    path,
    *,
    include_map: bool = True,
    map_image: bytes | None = None,
    team_rows: int = 40,
) -> None:
    """Write the briefing as an A4-landscape PDF (path or binary file object)."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.platypus import PageBreak, SimpleDocTemplate

    _register_fonts()
    items = _as_list(briefings)
    page_w, page_h = landscape(A4)
    margin = 36
    target = path if hasattr(path, "write") else str(path)
    doc = SimpleDocTemplate(
        target,
        pagesize=(page_w, page_h),
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin + 6,
        bottomMargin=margin,
        title=items[0].campaign,
        author="cccd_analytics",
        subject=TITLE,
        lang="vi-VN",
        initialFontName=PDF_FONT,
        initialFontSize=10,
    )
    styles = _pdf_styles()
    width = page_w - 2 * margin
    story = []
    for k, b in enumerate(items):
        image = _map_for(b, items, include_map, map_image)
        if k:
            story.append(PageBreak())
        story += _pdf_story(b, styles, width, image, team_rows)
    footer_text = items[0].campaign if len(items) == 1 else TITLE
    as_of = fmt.date_vn(items[0].as_of)

    def decorate(canvas, document):
        canvas.saveState()
        canvas.setFillColor(_pdf_color(COLORS["brand"]))
        canvas.rect(0, page_h - 10, page_w, 10, stroke=0, fill=1)
        canvas.setFont(PDF_FONT, 8)
        canvas.setFillColor(_pdf_color(COLORS["muted"]))
        canvas.drawString(margin, 18, footer_text)
        canvas.drawRightString(page_w - margin, 18, f"Số liệu đến {as_of} · Trang {document.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)


def pdf_bytes(briefings, **kwargs) -> bytes:
    buffer = io.BytesIO()
    write_pdf(briefings, buffer, **kwargs)
    return buffer.getvalue()


# -- Excel ---------------------------------------------------------------------------

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
    "Đạt (% chỉ tiêu)",
    "Khả năng kịp hạn",
    "Tốc độ / mức cần",
)


def _readable(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
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


def _pct(share) -> float | None:
    return round(float(share) * 100, 1) if _finite(share) else None


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
        ("Đạt (% chỉ tiêu)", _pct(h.share_of_target)),
        ("Còn lại", h.remaining),
        ("Bình quân 7 ngày", h.pace_7d),
        ("Cần mỗi ngày", h.required_per_day if h.days_left > 0 else None),
        ("Số ngày còn lại", h.days_left),
        ("Dự báo hoàn thành", h.projected_date),
        ("Khả năng kịp hạn (%)", _pct(h.p_on_time)),
        ("Đã trả thẻ", h.returned),
    ]
    summary += [(f"Nhận định {i}", p) for i, p in enumerate(b.narrative, start=1)]
    frames = {"Tóm tắt": pd.DataFrame(summary, columns=["Mục", "Giá trị"])}
    frames["Các mốc"] = _readable(snap.milestones, MILESTONE_COLUMNS)
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
        frames[sheet] = _readable(rows, columns)
    frames["Theo ngày"] = _readable(snap.daily, DAILY_COLUMNS)
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
    frames["Xã cần tổ lưu động"] = _readable(teams, team_columns)
    frames["Lưu ý số liệu"] = pd.DataFrame({"Lưu ý": list(b.caveats)})
    return frames


def write_xlsx(source: Briefing | Snapshot | Sequence[Briefing], path) -> None:
    """The tables as an Excel workbook (path or binary file object), formulas neutralised.

    Accepts a briefing, a snapshot (briefed first) or several briefings; with several,
    each sheet holds every campaign's rows under a leading "Chiến dịch" column.
    """
    from cccd_analytics import exports  # noqa: PLC0415

    if isinstance(source, Snapshot):
        source = build_briefing(source)
    items = _as_list(source)
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


# -- presentation mode (the dashboard page lays these out; no Streamlit here) ----------


def has_map(b: Briefing) -> bool:
    """True when a map of the briefing's scope can be drawn (charts.choropleth and boundaries exist)."""
    try:
        from cccd_analytics import charts, geo  # noqa: PLC0415
    except ImportError:
        return False
    if not hasattr(charts, "choropleth") or not hasattr(geo, "boundaries"):
        return False
    provinces = b.snapshot.units.loc[b.snapshot.units["level"] == "province", "key"].tolist()
    layer = "district" if b.ranking_level == "district" else "commune_2025"
    return bool(provinces) and geo.boundaries(layer, str(provinces[0])) is not None


def projector_figure(fig, height: int = 620, font_size: int = 22):
    """A dashboard figure made readable from the back of a room: large type, thick lines."""
    import plotly.graph_objects as go  # noqa: PLC0415

    fig = go.Figure(fig)
    fig.update_layout(
        height=height,
        font=dict(size=font_size),
        legend=dict(font=dict(size=font_size - 2)),
        margin=dict(l=10, r=10, t=60, b=10),
    )
    fig.update_xaxes(tickfont=dict(size=font_size - 2))
    fig.update_yaxes(tickfont=dict(size=font_size - 2), separatethousands=True)
    fig.update_annotations(font_size=font_size - 4)
    for trace in fig.data:
        if trace.type == "scatter" and trace.line is not None and trace.line.width:
            trace.line.width = trace.line.width * 1.6
    return fig


def chart_figure(chart: ChartData, height: int = 420, font_size: int = 22):
    """A plotly figure of a briefing chart (used for the top/bottom bars in presentation mode)."""
    import plotly.graph_objects as go  # noqa: PLC0415

    fig = go.Figure()
    for s in chart.series:
        values = list(s.values)
        labels = [fmt.percent(v) if chart.percent else fmt.number(v) for v in values]
        if chart.horizontal:
            fig.add_trace(
                go.Bar(
                    y=list(chart.categories),
                    x=values,
                    orientation="h",
                    name=s.name,
                    marker_color="#" + s.color,
                    text=[f"<b>{x}</b>" for x in labels],
                    textposition="outside",
                    textfont=dict(color="#" + COLORS["ink"], size=font_size),
                    cliponaxis=False,
                    hoverinfo="skip",
                )
            )
        elif s.kind == "bar":
            fig.add_trace(go.Bar(x=list(chart.categories), y=values, name=s.name, marker_color="#" + s.color))
        else:
            fig.add_trace(
                go.Scatter(
                    x=list(chart.categories),
                    y=values,
                    name=s.name,
                    mode="lines",
                    line=dict(color="#" + s.color, width=4, dash="dash" if s.dash else None),
                )
            )
    top = max([v for s in chart.series for v in s.values if v is not None] + [0.01])
    fig.update_layout(
        height=height,
        font=dict(size=font_size),
        showlegend=not chart.horizontal,
        margin=dict(l=10, r=40, t=10, b=10),
        plot_bgcolor="white",
        separators=",.",
    )
    if chart.horizontal:
        fig.update_xaxes(visible=False, range=[0, top * 1.18])
        fig.update_yaxes(tickfont=dict(size=font_size, color="#" + COLORS["ink"]))
    return fig


def table_html(table: Table, font_size: str = "1.5rem") -> str:
    """The table as an HTML fragment (every cell escaped), status cells coloured."""
    import html  # noqa: PLC0415

    status_col = table.columns.index("Trạng thái") if "Trạng thái" in table.columns else None
    head = "".join(f"<th>{html.escape(c)}</th>" for c in table.columns)
    body = []
    for i, row in enumerate(table.rows):
        cells = []
        for j, text in enumerate(row):
            style = "text-align:right" if table.align[j] == "r" else "text-align:left"
            if j == status_col and table.status:
                style += f";color:#{STATUS_COLORS.get(table.status[i], COLORS['ink'])};font-weight:700"
            cells.append(f'<td style="{style}">{html.escape(text)}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<table class="cccd-slide-table" style="font-size:{font_size}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )
