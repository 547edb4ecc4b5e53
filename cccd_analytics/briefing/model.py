"""What a briefing is made of: its headline, figures, tables, chart series and milestone
lines, written once from a snapshot (`content.build_briefing`) and drawn by every writer."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from cccd_analytics import text as fmt
from cccd_analytics.analytics.metrics import Snapshot

TITLE = "Tiến độ thu nhận hồ sơ cấp căn cước công dân gắn chíp"
#: Who made a briefing file, as its properties say (a Vietnamese name, not the package's).
AUTHOR = "Hệ thống theo dõi cấp căn cước công dân gắn chíp"


TEAM_STATUSES = ("missed", "behind", "at_risk")


LEVEL_NOUNS = {"province": "tỉnh", "district": "huyện", "commune": "xã"}


#: The heading of the forecast notes, in the narrative and on their own slide.
NOTES_HEADING = "Lưu ý khi đọc dự báo"


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
    #: A shaded range between two series' values (the forecast's 80% range): (label, low, high, color).
    band: tuple | None = None
    #: Vertical lines at categories, each (category, label): the deadline on a line of days.
    markers: tuple = ()


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
    # Priority groups and channels (briefing.parts.PartsSection), when the reports give them.
    parts: object | None = field(default=None, repr=False)
    # Communes whose forecast needs reading with care (content.forecast_note_lines): a
    # paragraph of the narrative, and a slide of their own where a projector has room.
    forecast_notes: tuple[str, ...] = ()

    @property
    def subtitle(self) -> str:
        return f"{self.unit_name} · Số liệu tính đến ngày {fmt.date_vn(self.as_of)}"


def as_float(value) -> float:
    """A figure as a float; NaN for what is not a number."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return float("nan")
    return value


def finite(value) -> bool:
    return not (value is None or pd.isna(value) or math.isinf(as_float(value)))


#: How the list of communes for mobile teams is ordered (`rankings.team_frame`), as its slide
#: and page say.
TEAM_ORDER_NOTE = (
    "Sắp xếp theo số hồ sơ cần thu nhận thêm mỗi ngày, nhiều nhất trước (quá hạn: theo số còn thiếu)."
)

#: The column of the briefing workbook's commune sheet that holds each forecast note.
FORECAST_NOTE_HEADER = "Ghi chú dự báo"
