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

from collections.abc import Sequence

import pandas as pd

from cccd_analytics import text as fmt
from cccd_analytics.analytics import freshness, metrics, quality
from cccd_analytics.analytics.metrics import STATUS_LABELS, Snapshot
from cccd_analytics.briefing.charts import cumulative_chart, daily_chart
from cccd_analytics.briefing.model import (
    FORECAST_NOTE_HEADER,
    NOTES_HEADING,
    TITLE,
    Briefing,
    Figure,
    Headline,
    MilestoneLine,
    Table,
    as_float,
    finite,
)
from cccd_analytics.briefing.rankings import mobile_teams, ranking, ranking_level


def timestamp(value) -> pd.Timestamp | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value)


def names_of(names: Sequence[str], limit: int, noun: str) -> str:
    """ "Xã A, Xã B, Xã C và 12 xã khác"."""
    names = [str(n) for n in names]
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit]) + f" và {fmt.number(len(names) - limit)} {noun} khác"


def scope_of(snap: Snapshot) -> tuple[str, str]:
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


def pace_ratio(row) -> float:
    """The snapshot's pace ratio (per working day) or, from older snapshots, 7-day pace ÷ required."""
    ratio = as_float(row.get("pace_ratio"))
    if finite(ratio):
        return ratio
    pace, required = as_float(row.get("pace_7d")), as_float(row.get("required_per_day"))
    return pace / required if finite(pace) and finite(required) and required > 0 else float("nan")


def _headline(snap: Snapshot) -> Headline:
    main = snap.milestones.iloc[0] if len(snap.milestones) else pd.Series(dtype=object)
    daily = snap.daily
    # The last day with reports (the as-of day may be later, with nothing reported since).
    if snap.data_through is not None and len(daily):
        reported = daily[pd.to_datetime(daily["date"]) <= snap.data_through]
        last = reported.iloc[-1] if len(reported) else daily.iloc[-1]
    else:
        last = pd.Series(dtype=float)
    collected, target = as_float(main.get("collected")), as_float(main.get("target"))
    return Headline(
        collected=collected,
        target=target,
        eligible=as_float(main.get("eligible")),
        share_of_target=collected / target if target and finite(target) else float("nan"),
        coverage=as_float(main.get("coverage")),
        remaining=as_float(main.get("remaining")),
        returned=as_float(last.get("returned")),
        collected_day=as_float(last.get("collected_day")),
        pace_7d=as_float(main.get("pace_7d")),
        required_per_day=as_float(main.get("required_per_day")),
        pace_ratio=pace_ratio(main),
        days_left=int(as_float(main.get("days_left"))) if finite(main.get("days_left")) else 0,
        working_days_left=as_float(main.get("working_days_left", main.get("days_left"))),
        projected_date=timestamp(main.get("projected_date")),
        projected_low=timestamp(main.get("projected_low")),
        projected_high=timestamp(main.get("projected_high")),
        p_on_time=as_float(main.get("p_on_time")),
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
    """Long on purpose: the briefing's paragraphs sentence by sentence, each conditional on one
    figure, in the order they are read out."""
    as_of, deadline = snap.as_of, pd.Timestamp(snap.campaign.deadline)
    if snap.data_through is None:
        return (f"Đến ngày {fmt.date_vn(as_of)}, chiến dịch chưa có số liệu báo cáo nào.",)
    first = (
        f"Đến ngày {fmt.date_vn(as_of)}, {scope_phrase} đã thu nhận {fmt.number(h.collected)} hồ sơ "
        f"đề nghị cấp căn cước công dân gắn chíp, {_target_clause(snap, h)}."
    )
    extra = []
    if finite(h.collected_day):
        extra.append(
            f"riêng ngày {fmt.date_vn(snap.data_through, year=False)} thu nhận "
            f"{fmt.number(h.collected_day)} hồ sơ"
        )
    if finite(h.returned) and h.returned > 0:
        extra.append(f"đã trả {fmt.number(h.returned)} thẻ cho công dân")
    if extra:
        first += " " + "; ".join(extra)[0].upper() + "; ".join(extra)[1:] + "."
    paragraphs = [first]

    pace = (
        f"bình quân 7 ngày gần nhất đạt {fmt.number(h.pace_7d)} hồ sơ/ngày"
        if finite(h.pace_7d)
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
        if finite(workdays) and abs(workdays - h.days_left) >= 0.5:
            per = "ngày làm việc"
        text = (
            f"Còn {fmt.number(h.remaining)} hồ sơ và {fmt.number(h.days_left)} ngày đến hạn "
            f"{fmt.date_vn(deadline)}"
            + (f" ({fmt.number(workdays, 1 if workdays % 1 else 0)} ngày làm việc)" if per != "ngày" else "")
            + f": cần bình quân {fmt.number(h.required_per_day)} hồ sơ/{per} để "
            f"hoàn thành trước {fmt.date_vn(deadline, year=False)}; {pace}"
        )
        if finite(h.pace_ratio):
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
            if finite(h.pace_ratio) and h.pace_ratio >= 1 and h.status in ("behind", "at_risk"):
                # The forecaster expects the pace to fall as coverage rises (docs/forecast.md).
                lead = (
                    "Tuy tốc độ hiện nay đáp ứng yêu cầu, tốc độ thu nhận thường giảm dần khi tỷ lệ "
                    "tăng cao: dự báo"
                )
            text = (
                f"{lead} đạt chỉ tiêu vào ngày {fmt.date_vn(h.projected_date)} "
                f"(khoảng {fmt.date_vn(h.projected_low)} – {fmt.date_vn(h.projected_high)}), {when}"
            )
            if finite(h.p_on_time) and as_of <= deadline:
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
    notes = forecast_notes_paragraph(communes)
    if notes:
        paragraphs.append(notes)
    if teams_summary:
        paragraphs.append(teams_summary)
    return tuple(paragraphs)


#: How many communes' forecast notes the briefing names (the rest are counted).
NOTES_SHOWN = 5


def forecast_note_lines(communes) -> tuple[str, ...]:
    """Where a commune's projection needs reading with care (figures sent in batches,
    the steady pace and the forecaster disagreeing, no progress in 28 days; the note
    metrics.forecast_notes writes): one line for each of the first NOTES_SHOWN in the
    order the overview lists them, and one counting the others, so a leader never reads a
    bare "chậm" where the pace says otherwise."""
    open_ = communes[~communes["status"].isin(("done", "no_data"))]
    # A note that only restates a late commune's projection is in the tables already; in a
    # campaign where most communes are late it would bury the few that need care.
    noted = open_[metrics.needs_care(open_["forecast_note"])]
    if noted.empty:
        return ()
    noted = metrics.attention_order(noted)
    lines = [f"{r.name}: {r.forecast_note}" for r in noted.head(NOTES_SHOWN).itertuples()]
    if len(noted) > NOTES_SHOWN:
        lines.append(
            f"và {fmt.number(len(noted) - NOTES_SHOWN)} xã khác có ghi chú (cột «{FORECAST_NOTE_HEADER}», "
            "trang «Cấp xã» của bảng số liệu Excel)"
        )
    return tuple(lines)


def forecast_notes_paragraph(communes) -> str:
    """The notes of `forecast_note_lines` as one paragraph of the narrative."""
    lines = forecast_note_lines(communes)
    return f"{NOTES_HEADING} — " + "; ".join(lines) + "." if lines else ""


def _milestones(snap: Snapshot) -> tuple[tuple[MilestoneLine, ...], Table]:
    lines, rows, status = [], [], []
    for i, m in enumerate(snap.milestones.itertuples(index=False)):
        deadline = pd.Timestamp(m.deadline)
        name = "Toàn chiến dịch" if i == 0 else str(m.name)
        if not m.units or pd.isna(m.collected):
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
            f"({names_of(list(group['unit_name'].dropna().unique()), 4, 'xã')})."
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
        notes.append(f"{fmt.number(len(never))} xã chưa có số liệu nào: {names_of(never['name'], 5, 'xã')}.")
    silent = communes[communes["last_report"].notna() & (communes["last_report"] < snap.data_through)]
    if len(silent):
        notes.append(
            f"{fmt.number(len(silent))}/{fmt.number(len(communes))} xã chưa báo cáo số liệu ngày "
            f"{fmt.date_vn(snap.data_through)} ({names_of(silent['name'], 5, 'xã')}); "
            f"số liệu của các xã này lấy theo lần báo cáo gần nhất."
        )
    over = communes[communes["coverage"] > 1.0 + 1e-9].sort_values("coverage", ascending=False)
    if len(over) and "coverage_over_100" not in covered:
        listed = [f"{n} ({fmt.percent(c)})" for n, c in zip(over["name"], over["coverage"])]
        notes.append(
            f"{fmt.number(len(over))} xã có số hồ sơ vượt số công dân đủ điều kiện (trên 100%): "
            f"{names_of(listed, 5, 'xã')}; cần rà soát lại số công dân đủ điều kiện."
        )
    unofficial = communes[communes["official"].eq(False)]
    if len(unofficial):
        notes.append(
            f"{fmt.number(len(unofficial))} đơn vị không có trong danh mục hành chính: "
            f"{names_of(unofficial['name'], 5, 'đơn vị')}."
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


def _figures(snap: Snapshot, h: Headline) -> tuple[Figure, ...]:
    deadline = snap.campaign.deadline
    day = (
        f"+{fmt.number(h.collected_day)} ngày {fmt.date_vn(snap.data_through, year=False)}"
        if finite(h.collected_day) and snap.data_through is not None
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
            if finite(h.p_on_time) and h.status != "done"
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
    parts: pd.DataFrame | None = None,
    denominators: pd.DataFrame | None = None,
    usual_day: bool = False,
    **kwargs,
) -> Briefing:
    """Snapshot, data-quality findings and briefing in one call (what `cccd report` needs).

    `usual_day`: without `as_of`, the briefing is of the last day most communes have
    reported, as the dashboard opens on, rather than the newest day any has.

    `obs`, `units` and `uploads` are the store's frames (`current_observations()`,
    `units()`, `list_uploads()`); the caveats include `quality.findings` of the same day.
    `parts` and `denominators` (`current_parts()`, `denominator_rows()`), when the reports
    give breakdowns, add the part on priority groups and channels.
    """
    if as_of is not None:
        obs = obs[obs["date"] <= pd.Timestamp(as_of)]
    snap = metrics.snapshot(obs, units, campaign, as_of)
    if as_of is None and usual_day and snap.data_through is not None:
        # Without a day asked for, the day the dashboard opens on: the newest day that most
        # communes have reported (`freshness.complete_day`).  A deck of a morning when 5 of
        # 460 communes had sent the day's report showed the province's pace and forecast on
        # those five; it says which day it shows, and why not the newer one.
        newest = snap.as_of
        day = freshness.complete_day(snap.units, newest)
        if day < pd.Timestamp(newest):
            fresh = freshness.freshness(snap.units, newest)
            obs = obs[obs["date"] <= day]
            snap = metrics.snapshot(obs, units, campaign, day)
            kwargs["notes"] = (
                *kwargs.get("notes", ()),
                f"Ngày {fmt.date_vn(newest)} mới có {fmt.number(fresh.reported)}/{fmt.number(fresh.total)} xã "
                f"báo cáo, nên bản này tính đến ngày {fmt.date_vn(day)}, ngày gần nhất đa số xã đã báo cáo "
                "(như trang Tổng quan).",
            )
    found = None
    if snap.data_through is not None:
        found = quality.findings(obs, units, campaign, as_of=snap.as_of, uploads=uploads)
    section = None
    if parts is not None and len(parts) and snap.data_through is not None:
        from cccd_analytics.briefing import parts as parts_

        mine = parts[(parts["date"] <= snap.as_of) & parts["unit_key"].isin(set(snap.units["key"]))]
        eligible = snap.units.loc[snap.units["level"] == "commune"].set_index("key")["eligible"]
        section = parts_.from_frames(
            mine,
            denominators if denominators is not None else pd.DataFrame(),
            units,
            campaign,
            snap.as_of,
            eligible=eligible,
        )
    return build_briefing(snap, findings=found, parts=section, **kwargs)


def build_briefing(
    snapshot: Snapshot,
    *,
    top_n: int = 5,
    findings: pd.DataFrame | None = None,
    notes: Sequence[str] = (),
    parts=None,
) -> Briefing:
    """The briefing of a campaign on the snapshot's day.

    `findings` is `quality.findings(...)` for the same campaign and day (its errors and
    warnings become caveats); `notes` are extra caveats, verbatim; `parts` the section on
    priority groups and channels (`briefing.parts.section`), when the reports give them.
    """
    snap = snapshot
    unit_name, scope_phrase = scope_of(snap)
    h = _headline(snap)
    level = ranking_level(snap, unit_name)
    top, bottom, top_chart, bottom_chart = ranking(snap, level, top_n)
    teams, teams_summary = mobile_teams(snap)
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
        forecast_notes=forecast_note_lines(snap.units[snap.units["level"] == "commune"]),
        milestones=lines,
        milestone_table=table,
        cumulative=cumulative_chart(snap, h),
        daily=daily_chart(snap, h),
        ranking_level=level,
        top=top,
        bottom=bottom,
        top_chart=top_chart,
        bottom_chart=bottom_chart,
        teams=teams,
        teams_summary=teams_summary,
        caveats=caveats,
        snapshot=snap,
        parts=parts,
    )
