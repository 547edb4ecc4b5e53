"""A unit's status and the note that says why: thresholds, labels and the order of concern.

The status (done, on track, at risk, behind, missed, no data) comes from P(on time),
or the pace ratio without a forecast, kept actionable where the steady pace clearly
says otherwise; ``forecast_notes`` words in Vietnamese why a unit's status needs reading
with care; ``attention_order`` sorts units worst first.  docs/analytics.md has the rules.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from cccd_analytics import text as fmt

STATUS_LABELS = {
    "done": "Đã hoàn thành",
    "on_track": "Đúng tiến độ",
    "at_risk": "Có nguy cơ chậm",
    "behind": "Chậm tiến độ",
    "missed": "Không đạt hạn",
    "no_data": "Chưa có số liệu",
}
# Worst first: the order the commune table sorts statuses in.
STATUS_ORDER = ("missed", "behind", "at_risk", "no_data", "on_track", "done")
#: P(on time) thresholds of the status.
P_ON_TRACK = 0.8
P_AT_RISK = 0.4
#: When no forecast exists, the pace ratio decides: >= 1 on track, >= 0.8 at risk.
PACE_RATIO_ON_TRACK = 1.0
PACE_RATIO_AT_RISK = 0.8
#: Where the pace and the forecaster disagree, the pace keeps the status actionable: a
#: unit whose steady pace (weekly increments, forecast.pace_robust) is at least this many
#: times what is required is on track, whatever the curve expects, unless its last 7 days
#: fall short of the need; one at or below
#: PACE_CLEARLY_SHORT of it is at best at risk.  Both cases say why (forecast_note).
PACE_CLEARLY_AHEAD = 2.0
PACE_CLEARLY_SHORT = 0.5
#: A unit that reports every this many days or more sends its figures in batches.
BATCH_GAP_DAYS = 2.0


def _status(
    done: np.ndarray,
    has_data: np.ndarray,
    past_deadline: np.ndarray,
    p_on_time: np.ndarray,
    pace_ratio: np.ndarray,
    steady_ratio: np.ndarray | None = None,
    stalled: np.ndarray | None = None,
) -> np.ndarray:
    """done; missed after the deadline; a unit without progress over the last 28 days
    behind; else from P(on time) (or, without a forecast, the pace ratio), kept
    actionable where the steady pace clearly says otherwise (PACE_CLEARLY_AHEAD,
    PACE_CLEARLY_SHORT); no_data when the unit never reported."""
    fallback = np.where(
        pace_ratio >= PACE_RATIO_ON_TRACK, 1.0, np.where(pace_ratio >= PACE_RATIO_AT_RISK, 0.5, 0.0)
    )
    p = np.where(np.isnan(p_on_time), fallback, p_on_time)
    status = np.where(p >= P_ON_TRACK, "on_track", np.where(p >= P_AT_RISK, "at_risk", "behind"))
    if steady_ratio is not None:
        steady = np.nan_to_num(steady_ratio, nan=0.0)
        # Not when the last 7 days fall short of the need: "đúng tiến độ" beside "cần 60/ngày
        # (bình quân 7 ngày 57), dự báo xong" after the deadline was a verdict nobody could act on.
        with np.errstate(invalid="ignore"):
            recent_short = np.isfinite(pace_ratio) & (pace_ratio < 1)
        status = np.where((steady >= PACE_CLEARLY_AHEAD) & ~recent_short, "on_track", status)
        status = np.where((steady <= PACE_CLEARLY_SHORT) & (status == "on_track"), "at_risk", status)
    if stalled is not None:
        status = np.where(stalled, "behind", status)
    status = np.where(past_deadline, "missed", status)
    status = np.where(done, "done", status)
    return np.where(has_data, status, "no_data")


def _times(x: float) -> str:
    """2.34 → "2,3"; 12.6 → "13" (how many times the required rate)."""
    return fmt.number(x, 1 if x < 10 else 0)


def forecast_notes(fig: pd.DataFrame, gap: np.ndarray) -> np.ndarray:
    """Why each unit's status is what it is, in Vietnamese, where the figures need
    reading with care: no progress, figures sent in batches, the steady pace and the
    forecaster disagreeing, or a unit projected after its deadline; "" otherwise.

    Only the rows that need a note are formatted (a nation's communes are mostly on
    track and need none)."""
    n = len(fig)
    notes = np.full(n, "", dtype=object)
    stalled, batch, ahead, short, slowing, late = _note_flags(fig, gap)
    steady = fig["steady_ratio"].to_numpy(dtype=float)
    seven = fig["pace_ratio"].to_numpy(dtype=float)
    p = fig["p_on_time"].to_numpy(dtype=float)
    need = stalled | batch | ahead | short | slowing | late
    if "days_silent" in fig:
        with np.errstate(invalid="ignore"):
            need |= ~np.isin(fig["status"].to_numpy(), ("done", "no_data")) & (
                fig["days_silent"].to_numpy(dtype=float) >= SILENT_DAYS
            )
    evidence = fig["evidence"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        from_peak = fig["pace_robust"].to_numpy(dtype=float) / fig["pace_peak"].to_numpy(dtype=float)
    rows = np.flatnonzero(need)
    # Performance: the rows that get a note (thousands at a nation's scale) are
    # taken out of the frame and arrays once, as Python lists, and each distinct date,
    # day count and ratio is formatted once (babel takes ~50 µs a call), instead of a
    # pandas look-up and a formatting per cell.
    projected, low, high = (
        _dates_vn(fig[c], rows) for c in ("projected_date", "projected_low", "projected_high")
    )
    late_by = _days_late(fig["projected_date"], fig["deadline"], rows)
    number, times = _memo(fmt.number), _times_memo()
    gap_r, seven_r, steady_r, p_r, peak_r, evidence_r = (
        np.asarray(a, dtype=float)[rows].tolist() for a in (gap, seven, steady, p, from_peak, evidence)
    )
    # How long the unit has reported and been silent, where the caller knows (the snapshot):
    # "no progress in 28 days" was written on a unit that had sent one report, or none for
    # six weeks.
    silent_r, reported_r = (
        np.asarray(fig[c], dtype=float)[rows].tolist() if c in fig else [math.nan] * len(rows)
        for c in ("days_silent", "days_reported")
    )
    last_r = _dates_vn(fig["last_report"], rows) if "last_report" in fig else [None] * len(rows)
    flags = zip(*(a[rows].tolist() for a in (stalled, batch, ahead, short, slowing, late)))
    for j, (i, (is_stalled, is_batch, is_ahead, is_short, is_slowing, is_late)) in enumerate(
        zip(rows, flags)
    ):
        parts = []
        if is_stalled:
            parts.append(_stalled_note(silent_r[j], reported_r[j], last_r[j], number))
        if is_batch:
            parts.append(
                "số liệu báo cáo dồn"
                + (" (báo cáo theo tuần)" if gap_r[j] >= 6 else f" (khoảng {number(gap_r[j])} ngày một lần)")
            )
        if is_ahead:
            use_seven = math.isfinite(seven_r[j]) and seven_r[j] >= PACE_CLEARLY_AHEAD
            label = "tốc độ 7 ngày" if use_seven else "tốc độ 3 tuần qua"
            parts.append(
                f"{label} gấp {times(seven_r[j] if use_seven else steady_r[j])} lần cần thiết; mô hình tính "
                f"đến việc tốc độ thường giảm khi gần bão hòa nên khả năng kịp hạn chỉ {fmt.percent(p_r[j], 0)}"
            )
        elif is_short:
            parts.append(
                f"mô hình dự báo kịp hạn nhưng tốc độ 3 tuần qua chỉ bằng {fmt.percent(steady_r[j], 0)} mức cần thiết"
            )
        elif is_slowing:
            parts.append(
                (
                    # "gấp 1,0 lần" read as a contradiction beside "sau hạn": said as it is.
                    "tốc độ hiện nay vừa bằng mức cần thiết nhưng "
                    if times(steady_r[j]) == "1,0"
                    else f"tốc độ hiện nay gấp {times(steady_r[j])} lần cần thiết nhưng "
                )
                + (
                    f"đang giảm (bằng {fmt.percent(peak_r[j], 0)} lúc nhanh nhất)"
                    if _falling(evidence_r[j], peak_r[j])
                    else "tốc độ thường giảm khi gần bão hòa"
                )
            )
        if not is_stalled and math.isfinite(silent_r[j]) and silent_r[j] >= SILENT_DAYS and last_r[j]:
            # the projection starts from the last report, weeks old: said before it
            parts.insert(
                0, f"chưa báo cáo {number(silent_r[j])} ngày, dự báo tính từ báo cáo ngày {last_r[j]}"
            )
        if is_late and projected[j] is not None:
            text = f"{PROJECTION_NOTE} {projected[j]}"
            if low[j] is not None and high[j] is not None:
                text += f" (khoảng {low[j]} – {high[j]})"
            days_late = late_by[j]
            if days_late > 0:
                text += f", sau hạn {number(days_late)} ngày"
            parts.append(text)
        notes[i] = "; ".join(parts)
    return notes


def _stalled_note(silent: float, reported: float, last: str | None, number) -> str:
    """Why a unit without progress has no projection, as its history says: silent since its
    last report for 28 days or more, a single report so far, or flat over the fewer than 28
    days it has reported; else STALLED_NOTE."""
    if math.isfinite(silent) and silent >= STALLED_DAYS and last is not None:
        return f"{SILENT_NOTE} {number(silent)} ngày (báo cáo gần nhất {last})"
    if reported == 0 and last is not None:
        return f"{FIRST_REPORT_NOTE} ({last}): chưa tính được tốc độ"
    if math.isfinite(reported) and 0 < reported < STALLED_DAYS:
        return f"không có tiến triển {number(reported)} ngày (từ báo cáo đầu tiên)"
    return STALLED_NOTE


#: A steady pace below this share of its fastest is "falling" in a note; at or above it the
#: pace is at its peak, and "đang giảm (bằng 100% lúc nhanh nhất)" said the opposite of itself.
FALLING_FROM_PEAK = 0.95


def _falling(evidence: float, from_peak: float) -> bool:
    """Whether a note may say the pace is falling: the forecaster has seen it slow down
    (`evidence`) and it is below FALLING_FROM_PEAK of its fastest."""
    return (
        math.isfinite(evidence)
        and evidence > 0
        and math.isfinite(from_peak)
        and from_peak < FALLING_FROM_PEAK
    )


def _note_flags(fig: pd.DataFrame, gap: np.ndarray) -> tuple[np.ndarray, ...]:
    """Which open units (not done, with data) need which part of a note: (stalled, figures
    sent in batches, a steady pace clearly ahead of a doubtful forecast, clearly short of a
    confident one, a pace enough today with a forecast after the deadline, late)."""
    status = fig["status"].to_numpy()
    open_ = ~np.isin(status, ("done", "no_data"))
    stalled = open_ & fig["stalled"].to_numpy(dtype=bool)
    steady = fig["steady_ratio"].to_numpy(dtype=float)
    p = fig["p_on_time"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        batch = open_ & (gap >= BATCH_GAP_DAYS)
        live = open_ & ~stalled & (status != "missed") & np.isfinite(steady) & np.isfinite(p)
        seven = fig["pace_ratio"].to_numpy(dtype=float) if "pace_ratio" in fig else np.full(len(fig), np.nan)
        ahead = live & (steady >= PACE_CLEARLY_AHEAD) & (p < P_ON_TRACK) & ~(np.isfinite(seven) & (seven < 1))
        short = live & (steady <= PACE_CLEARLY_SHORT) & (p >= P_ON_TRACK)
        slowing = live & ~ahead & ~short & np.isin(status, ("behind", "at_risk")) & (steady >= 1)
        late = open_ & ~stalled & (status != "missed") & np.isin(status, ("behind", "at_risk"))
    return stalled, batch, ahead, short, slowing, late


def forecast_reasons(fig: pd.DataFrame, gap: np.ndarray) -> np.ndarray:
    """The gist of `forecast_notes` for a table's narrow column, where the status and the
    figures beside it seem to disagree: a pace above the need on a unit that is late ("đủ
    tốc độ nhưng …"), a pace far above it on one that is not on track, a confident
    forecast on a pace far below it, figures sent in batches, a 7-day pace that covers the
    need on a late unit whose 3-week pace does not; "" otherwise (a late unit whose pace is
    short says so in its own column)."""
    _, batch, ahead, short, slowing, _ = _note_flags(fig, gap)
    steady = fig["steady_ratio"].to_numpy(dtype=float)
    seven = fig["pace_ratio"].to_numpy(dtype=float)
    evidence = fig["evidence"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        from_peak = fig["pace_robust"].to_numpy(dtype=float) / fig["pace_peak"].to_numpy(dtype=float)
    status = fig["status"].to_numpy()
    with np.errstate(invalid="ignore"):
        # The 7-day pace beside it covers the need, the steadier 3-week one does not: the
        # table showed "71 / 71 (104%)" on a late unit with nothing to say why.
        recent = (
            ~(batch | ahead | short | slowing)
            & np.isin(status, ("behind", "at_risk"))
            & ~fig["stalled"].to_numpy(dtype=bool)
            & (seven >= 1)
            & (steady < 1)
        )
    out = np.full(len(fig), "", dtype=object)
    for i in np.flatnonzero(recent).tolist():
        out[i] = f"7 ngày qua đủ tốc độ, nhưng bình quân 3 tuần chỉ {fmt.percent(steady[i], 0)} mức cần"
    for i in np.flatnonzero(batch | ahead | short | slowing).tolist():
        parts = []
        if slowing[i] and math.isfinite(seven[i]) and seven[i] < 1:
            # Enough over 3 weeks, not over the last 7 days the table shows beside it.
            parts.append(
                f"bình quân 3 tuần đủ tốc độ, nhưng 7 ngày qua chỉ {fmt.percent(seven[i], 0)} mức cần"
            )
        elif slowing[i]:
            parts.append(
                f"đủ tốc độ nhưng đang giảm ({fmt.percent(from_peak[i], 0)} lúc nhanh nhất)"
                if _falling(evidence[i], from_peak[i])
                else "đủ tốc độ nhưng dự báo chậm dần"
            )
        elif ahead[i]:
            # The 7-day pace when it is far ahead too (the table shows it beside), as the note.
            use_seven = math.isfinite(seven[i]) and seven[i] >= PACE_CLEARLY_AHEAD
            label, ratio = ("tốc độ 7 ngày", seven[i]) if use_seven else ("tốc độ 3 tuần", steady[i])
            parts.append(f"{label} gấp {_times(ratio)} lần mức cần")
        elif short[i]:
            parts.append(f"tốc độ 3 tuần chỉ {fmt.percent(steady[i], 0)} mức cần")
        if batch[i]:
            parts.append("báo cáo dồn")
        out[i] = "; ".join(parts)
    return out


def _times_memo():
    """`_times` remembering its answers by the figure it shows (the ratio rounded as
    fmt.number rounds it, and the digits): exact, and a nation's ratios repeat."""
    seen: dict = {}

    def times(x: float) -> str:
        digits = 1 if x < 10 else 0
        key = (round(x, digits), digits) if math.isfinite(x) else None
        if key is None:
            return _times(x)
        if key not in seen:
            seen[key] = fmt.number(x, digits)
        return seen[key]

    return times


def _dates_vn(column: pd.Series, rows: np.ndarray) -> list:
    """fmt.date_vn of the column's values at `rows` (None where missing): each distinct
    day formatted once."""
    days = pd.to_datetime(column.iloc[rows]).to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    distinct, where = np.unique(days, return_inverse=True)
    texts = [None if np.isnat(d) else fmt.date_vn(d.astype(object)) for d in distinct]
    return [texts[k] for k in np.asarray(where).ravel().tolist()]


def _days_late(projected: pd.Series, deadline: pd.Series, rows: np.ndarray) -> list:
    """(projected − deadline).days at `rows` (whole days, rounded down as Timedelta.days
    is); 0 where either is missing (no note is written for them)."""
    gap = pd.to_datetime(projected.iloc[rows]).to_numpy(dtype="datetime64[ns]") - pd.to_datetime(
        deadline.iloc[rows]
    ).to_numpy(dtype="datetime64[ns]")
    known = ~np.isnat(gap)
    whole = np.zeros(len(gap), np.int64)
    whole[known] = np.floor_divide(gap[known], np.timedelta64(1, "D"))
    return whole.tolist()


def _memo(format_):
    """`format_` remembering its answers for this call of forecast_notes: a nation's notes
    repeat the same few dates and day counts, and each babel formatting costs ~50 µs."""
    seen: dict = {}

    def formatted(value):
        key = (type(value), value)
        if key not in seen:
            seen[key] = format_(value)
        return seen[key]

    return formatted


#: The status note of a unit without progress: it gets no projected date.
STALLED_NOTE = "không có tiến triển 28 ngày"
STALLED_DAYS = 28
#: A unit silent this many days or more (a weekly reporter's usual gap is at most 6) has
#: its note say that its projection starts from that old report.
SILENT_DAYS = 7
#: The same for a unit silent for STALLED_DAYS or more, and for one with a single report.
SILENT_NOTE = "chưa báo cáo"
FIRST_REPORT_NOTE = "mới có một báo cáo"
#: How each of these notes begins: a table shows it where the projected date would be.
NO_PROJECTION_NOTES = (STALLED_NOTE, SILENT_NOTE, FIRST_REPORT_NOTE, "không có tiến triển")
#: How the part of a note that only restates the projection of a late unit begins.
PROJECTION_NOTE = "dự báo đạt"


def needs_care(notes: pd.Series) -> pd.Series:
    """Whether each note of `forecast_notes` gives a reason to read the forecast with care
    (batches, a stalled or slowing pace, model and pace disagreeing), not only the late
    unit's projected date, which the tables show already."""
    text = notes.fillna("").astype(str)
    return (text.str.len() > 0) & ~text.str.startswith(PROJECTION_NOTE)


def attention_order(table: pd.DataFrame) -> pd.DataFrame:
    """Units sorted by how far behind they are: worst status, then most days behind."""
    rank = {s: i for i, s in enumerate(STATUS_ORDER)}
    out = table.assign(
        _rank=table["status"].map(rank),
        _behind=table["days_behind"]
        .fillna(10_000)
        .where(table["projected_date"].isna() | table["days_behind"].notna(), 10_000),
        _cov=table["coverage"].fillna(-1),
    )
    out.loc[out["projected_date"].isna() & (out["status"] != "done"), "_behind"] = 10_000
    out = out.sort_values(
        ["_rank", "_behind", "_cov", "key"], ascending=[True, False, True, True], kind="stable"
    )
    return out.drop(columns=["_rank", "_behind", "_cov"])
