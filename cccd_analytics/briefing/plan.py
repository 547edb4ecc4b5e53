"""The slide plan: one sequence of slides, laid out from a `Briefing`, shared by the
PowerPoint deck, the PDF and the dashboard's presentation mode."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import pandas as pd

from cccd_analytics import geo
from cccd_analytics import text as fmt
from cccd_analytics.briefing.model import NOTES_HEADING, TEAM_ORDER_NOTE, Briefing, ChartData, Table
from cccd_analytics.briefing.style import COLORS, STATUS_COLORS


@dataclass(frozen=True)
class Slide:
    kind: str  # title | figures | narrative | cumulative | daily | milestones | parts | ranking
    # | map | teams | caveats
    title: str
    subtitle: str = ""
    lines: tuple[str, ...] = ()
    table: Table | None = None
    chart: ChartData | None = None
    more: str = ""  # "và 318 xã khác" under a capped table
    status: str = ""  # colours the verdict on the figures slide
    # The parts slide: a second chart beside the first, and a status per line (colours).
    side_chart: ChartData | None = None
    line_status: tuple[str, ...] = ()


def slides(
    b: Briefing, *, rows_per_slide: int = 10, team_slides: int = 2, with_map: bool = False
) -> tuple[Slide, ...]:
    """The briefing as slides, in the order a briefing is given.

    Long on purpose: the plan reads top to bottom in the order a briefing is given, a few
    lines a slide; split, the order would be scattered over functions."""
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
    # The forecast notes get a slide of their own: in the narrative's paragraph they would
    # push the assessment off a projector's screen.
    said = tuple(p for p in b.narrative if not (b.forecast_notes and p.startswith(NOTES_HEADING)))
    out.append(Slide("narrative", "Đánh giá", lines=said))
    if b.forecast_notes:
        out.append(Slide("narrative", NOTES_HEADING, lines=b.forecast_notes))
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
    section = b.parts
    # Priority groups and channels: only when the reports give them (never an empty slide).
    if section is not None and (section.groups or section.channels or section.lines):
        first, second = section.groups or section.channels, section.channels if section.groups else None
        out.append(
            Slide(
                "parts",
                "Nhóm ưu tiên và hình thức thu nhận",
                chart=first,
                side_chart=second,
                lines=tuple(text for text, _ in section.lines),
                line_status=tuple(status for _, status in section.lines),
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
        out.append(Slide("map", map_title(b)))
    if b.teams.rows:
        n_pages = min(team_slides, math.ceil(len(b.teams.rows) / rows_per_slide))
        shown = min(len(b.teams.rows), n_pages * rows_per_slide)
        for p in range(n_pages):
            last = p == n_pages - 1
            out.append(
                Slide(
                    "teams",
                    b.teams.title + (f" ({p + 1}/{n_pages})" if n_pages > 1 else ""),
                    subtitle=TEAM_ORDER_NOTE,
                    table=b.teams.page(p * rows_per_slide, rows_per_slide),
                    # The summary ("Đề nghị tăng cường … cho 336 xã …") is said on the
                    # assessment slide already; under a full table it ran off the projector.
                    more=b.teams.more_text(shown) if last else "",
                )
            )
    out.append(Slide("caveats", "Lưu ý về số liệu", lines=b.caveats))
    return tuple(out)


def as_list(briefings) -> list[Briefing]:
    return [briefings] if isinstance(briefings, Briefing) else list(briefings)


def map_title(b: Briefing) -> str:
    """The map's heading.  Below the district level the map draws the communes of 1/7/2025,
    each of which joins several earlier ones: the heading says so, since a new commune bears
    an old one's name ("Kỳ Thượng" 44,8% on the map, "Xã Kỳ Thượng" 28,3% in the table beside)."""
    if b.ranking_level == "district":
        return "Bản đồ tỷ lệ thu nhận theo huyện"
    if b.snapshot.as_of < pd.Timestamp(2025, 7, 1):
        return "Bản đồ tỷ lệ thu nhận theo xã, phường mới (từ 1/7/2025, gộp các xã cũ)"
    return "Bản đồ tỷ lệ thu nhận theo xã, phường"


def has_map(b: Briefing) -> bool:
    """True when a map of the briefing's scope can be drawn: boundaries are shipped for its province."""
    provinces = b.snapshot.units.loc[b.snapshot.units["level"] == "province", "key"].tolist()
    layer = "district" if b.ranking_level == "district" else "commune_2025"
    return bool(provinces) and geo.boundaries(layer, str(provinces[0])) is not None


def table_html(table: Table, font_size: str = "1.5rem") -> str:
    """The table as an HTML fragment (every cell escaped), status cells coloured."""
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
