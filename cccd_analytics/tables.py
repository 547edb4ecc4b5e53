"""Tables as people read them: Vietnamese headers, Vietnamese number formats.

Used by the dashboard and the exports; the numeric frames stay in `metrics`.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cccd_analytics import text as fmt
from cccd_analytics.analytics.metrics import NO_PROJECTION_NOTES, STATUS_LABELS, attention_order
from cccd_analytics.i18n import t

UNIT_TABLE_COLUMNS = {
    "name": "Đơn vị",
    "district": "Huyện",
    "eligible": "Số CD đủ điều kiện",
    "collected": "Đã thu nhận",
    "coverage": "Tỷ lệ",
    "pace_7d": "Bình quân 7 ngày",
    "required_per_day": "Cần mỗi ngày",
    "projected_date": "Dự báo hoàn thành",
    "p_on_time": "Khả năng kịp hạn",
    "status": "Trạng thái",
}


def unit_table(
    units: pd.DataFrame, level: str = "commune", limit: int | None = None, compact: bool = False
) -> pd.DataFrame:
    """Units of one level, most behind first, formatted for display.  `compact` (the
    overview's short list): without the eligible and collected counts, so the columns
    that say who lags and whether it will make it fit a laptop's width."""
    rows = attention_order(units[units["level"] == level])
    if limit:
        rows = rows.head(limit)
    out = pd.DataFrame(
        {
            t("Đơn vị"): rows["name"].fillna("")
            + rows["official"].map({False: t(" (ngoài danh mục)")}).fillna(""),
            t("Trạng thái"): rows["status"].map(lambda s: t(STATUS_LABELS.get(s, ""))),
            # Coverage beside the status: on a phone, with the name pinned, the two that say
            # who lags are in view without scrolling sideways.
            t("Tỷ lệ"): rows["coverage"].map(fmt.percent),
            # Then what decides whether it makes the deadline, in view beside the name on a
            # 1280-px desktop; the district and the counts after them, a scroll away (at
            # ten columns the forecast and the on-time chance were the columns cut off).
            t("Bình quân 7 ngày"): rows["pace_7d"].map(fmt.number),
            t("Cần mỗi ngày"): rows["required_per_day"].map(fmt.number),
            t("Dự báo hoàn thành"): rows["projected_date"].map(fmt.date_vn),
            t("Khả năng kịp hạn"): rows["p_on_time"].map(lambda p: fmt.percent(p, 0)),
            t("Huyện"): district_names(rows["district"]) if level == "commune" else None,
            t("Số CD đủ điều kiện"): rows["eligible"].map(fmt.number),
            t("Đã thu nhận"): rows["collected"].map(fmt.number),
        }
    )
    if level != "commune":
        out = out.drop(columns=[t("Huyện")])
    if compact:
        out = out.drop(columns=[t("Số CD đủ điều kiện"), t("Đã thu nhận")])
    return out.reset_index(drop=True)


def district_names(districts: pd.Series) -> pd.Series:
    """Districts as a column headed "Huyện" writes them: "Kỳ Sơn", "TX Cửa Lò", "TP Vinh"
    ("Huyện Hưng Nguyên" was cut to "Huyện Hưng Nguyê" at a laptop's width, and the
    header already says the word)."""
    from cccd_analytics import geo

    return districts.fillna("").map(lambda d: geo.short_name(str(d)) if d else "")


def filter_units(rows: pd.DataFrame, districts=(), tags=(), statuses=()) -> pd.DataFrame:
    """Rows of a snapshot's unit table kept by district, tag (any of) and status."""
    keep = pd.Series(True, index=rows.index)
    if districts:
        keep &= rows["district"].isin(districts)
    if tags:
        wanted = set(tags)
        keep &= rows["tags"].map(lambda have: bool(wanted & set(have or ())))
    if statuses:
        keep &= rows["status"].isin(statuses)
    return rows[keep]


STATUS_BACKGROUND = {
    "Đã hoàn thành": "#C8E6C9",
    "Đúng tiến độ": "#DCEDC8",
    "Có nguy cơ chậm": "#FFE0B2",
    "Chậm tiến độ": "#FFCDD2",
    "Không đạt hạn": "#EF9A9A",
    "Chưa có số liệu": "#EEEEEE",
}


def style_status(table: pd.DataFrame):
    """Colour the status column of a display table (Vietnamese or English labels)."""
    column = t("Trạng thái")
    colours = {t(label): colour for label, colour in STATUS_BACKGROUND.items()}
    if column not in table.columns:
        return table
    return table.style.map(lambda v: f"background-color: {colours.get(v, 'white')}", subset=[column])


DATASET_LABELS = {
    "italy": "Ý (21 vùng, dân số 12+, hằng ngày)",
    "germany": "Đức (16 bang, hằng ngày)",
    "canada": "Ca-na-đa (13 tỉnh, báo cáo theo tuần)",
    "pooled": "Gộp ba chiến dịch",
}
#: The same campaigns in a word, for the command line's fixed-width tables.
DATASET_SHORT = {"italy": "Ý", "germany": "Đức", "canada": "Ca-na-đa", "pooled": "Gộp"}


def _verdict(ratio: float) -> str:
    """Model error ÷ ruler error in words: which of the two did better, by how much."""
    if ratio < 1:
        return t("mô hình tốt hơn {p}", p=fmt.percent(1 - ratio, 0))
    return t("thước tốt hơn {p}", p=fmt.percent(ratio - 1, 0))


def _least_ratio_text(r) -> str:
    """The least error ratio with the left-out forecasts counted; at 1 or more the model
    does not beat the ruler whatever the actual dates turn out to be, and it says so."""
    text = t("ít nhất {r}", r=fmt.number(r.ratio_floor, 2))
    if r.ratio_floor >= 1:
        text += " — " + t("mô hình không hơn thước")
    return text


def track_record_table(record: dict) -> pd.DataFrame:
    """The forecaster's leave-one-campaign-out backtest, as leadership reads it: per
    campaign and pooled, the mean error of the projected date next to the ruler's
    (remaining ÷ 7-day pace), which of the two did better, and how often the 80 % range
    held the actual date.  Rows where the ruler wins say so."""
    rows = pd.DataFrame(record.get("rows", []) if isinstance(record, dict) else record)
    if rows.empty:
        return rows
    return pd.DataFrame(
        {
            t("Chiến dịch kiểm định"): rows["campaign"].map(lambda d: t(DATASET_LABELS.get(d, d))),
            t("Mốc bao phủ"): rows["threshold"].map(lambda x: fmt.percent(x, 0)),
            t("Số lần dự báo (đơn vị)"): [
                f"{fmt.number(o)} ({fmt.number(u)})" for o, u in zip(rows["origins"], rows["units"])
            ],
            t("Sai số TB — còn lại ÷ tốc độ 7 ngày"): rows["mae_ruler"].map(
                lambda d: t("{n} ngày", n=fmt.number(d))
            ),
            t("Sai số TB — mô hình"): rows["mae_model"].map(lambda d: t("{n} ngày", n=fmt.number(d))),
            t("So sánh"): rows["ratio"].map(_verdict),
            t("Khoảng 80% chứa ngày thực tế"): rows["range80"].map(lambda x: fmt.percent(x, 0)),
        }
    )


def track_record_left_out_table(record: dict) -> pd.DataFrame:
    """Beside the track record's figures, which count only units that reached the
    target (the protocol): per campaign and pooled, how many forecasts were left out
    because their unit never reached it, and the 80 % range and the error ratio with
    them counted where their outcome is certain (backtest.left_out).  Empty for a
    record computed before these figures existed."""
    rows = pd.DataFrame(record.get("rows", []) if isinstance(record, dict) else record)
    if rows.empty or "left_out" not in rows or rows["left_out"].isna().all():
        return pd.DataFrame()

    def share(r) -> str:
        if not r.left_out:
            return fmt.percent(r.range80_certain, 0)
        return t(
            "{p} (bảng trên: {before})", p=fmt.percent(r.range80_certain, 0), before=fmt.percent(r.range80, 0)
        )

    def ratio(r) -> str:
        if not r.left_out:
            return fmt.number(r.ratio, 2)
        return t("{least} (bảng trên: {before})", least=_least_ratio_text(r), before=fmt.number(r.ratio, 2))

    return pd.DataFrame(
        {
            t("Chiến dịch kiểm định"): rows["campaign"].map(lambda d: t(DATASET_LABELS.get(d, d))),
            t("Mốc bao phủ"): rows["threshold"].map(lambda x: fmt.percent(x, 0)),
            t("Số lần dự báo"): rows["forecasts"].map(fmt.number),
            t("Bị loại vì đơn vị chưa đạt mốc (đơn vị)"): [
                f"{fmt.number(n)} ({fmt.number(u)})" for n, u in zip(rows["left_out"], rows["left_out_units"])
            ],
            t("Khoảng 80%: chắc chắn trúng / chắc chắn trượt / chưa biết"): [
                f"{fmt.number(h)} / {fmt.number(m)} / {fmt.number(u)}"
                for h, m, u in zip(rows["range_held"], rows["range_missed"], rows["range_unknown"])
            ],
            t("Khoảng 80% chứa ngày thực tế, tính cả"): [share(r) for r in rows.itertuples()],
            t("Sai số mô hình ÷ sai số thước, tính cả"): [ratio(r) for r in rows.itertuples()],
        }
    )


def track_record_cards(record: dict) -> list[str]:
    """The track record for a phone: one card per campaign x target (HTML; every text
    escaped) with the protocol's figures and, where the protocol left forecasts out, the
    figures with them counted.  The page shows the cards only on narrow screens, in place
    of the tables, whose columns do not fit there."""
    import html

    rows = pd.DataFrame(record.get("rows", []) if isinstance(record, dict) else record)
    if rows.empty:
        return []
    cards = []
    for r in rows.itertuples():
        facts = [
            (t("Số lần dự báo (đơn vị)"), f"{fmt.number(r.origins)} ({fmt.number(r.units)})"),
            (t("Khoảng 80% chứa ngày thực tế"), fmt.percent(r.range80, 0)),
            (t("Sai số TB — thước"), t("{n} ngày", n=fmt.number(r.mae_ruler))),
            (t("Sai số TB — mô hình"), t("{n} ngày", n=fmt.number(r.mae_model))),
        ]
        wins = r.ratio < 1 and not (getattr(r, "left_out", 0) and r.ratio_floor >= 1)
        body = "".join(f"<span>{html.escape(k)}: <b>{html.escape(v)}</b></span>" for k, v in facts)
        note = ""
        if getattr(r, "left_out", 0):
            note = t(
                "Tính cả {n} lần dự báo cho {u} đơn vị chưa đạt mốc: khoảng 80% chứa ngày thực tế {share}; "
                "sai số mô hình ÷ sai số thước {ratio}.",
                n=fmt.number(r.left_out),
                u=fmt.number(r.left_out_units),
                share=fmt.percent(r.range80_certain, 0),
                ratio=_least_ratio_text(r),
            )
            note = f'<div class="note">{html.escape(note)}</div>'
        title = t(
            "{campaign} · mốc {p}",
            campaign=t(DATASET_LABELS.get(r.campaign, r.campaign)),
            p=fmt.percent(r.threshold, 0),
        )
        cards.append(
            f'<div class="cccd-card" style="--status:{"#2E7D32" if wins else "#FFA000"}">'
            f'<div class="name">{html.escape(title)}</div>'
            f'<div class="where">{html.escape(_verdict(r.ratio))}</div>'
            f'<div class="facts">{body}</div>{note}</div>'
        )
    return cards


def reliability_table(record: dict) -> pd.DataFrame:
    """P(on time) in deciles against how often the target was then met (70 %, pooled,
    out of sample): what "khả năng kịp hạn 70%" has meant."""
    rel = pd.DataFrame(record.get("reliability", []) if isinstance(record, dict) else [])
    if rel.empty:
        return rel
    rel = rel[rel["n"].fillna(0) > 0]
    return pd.DataFrame(
        {
            t("Khả năng kịp hạn dự báo"): rel["decile"],
            t("Số lần"): rel["n"].map(fmt.number),
            t("Dự báo trung bình"): rel["predicted"].map(lambda x: fmt.percent(x, 0)),
            t("Thực tế kịp hạn"): rel["observed"].map(lambda x: fmt.percent(x, 0)),
            t("Chênh lệch"): (rel["observed"] - rel["predicted"]).map(
                lambda x: t("{n} điểm", n=f"{100 * x:+.0f}")
            ),
        }
    )


def track_record_summary(record: dict) -> str:
    """One sentence, from the record itself, on how far the ranges and P(on time) held
    on campaigns not seen — including where they miss the aims (75–85 % per campaign,
    ±10 points per bin)."""
    rows = pd.DataFrame(record.get("rows", []) if isinstance(record, dict) else [])
    rel = pd.DataFrame(record.get("reliability", []) if isinstance(record, dict) else [])
    if rows.empty or "range80" not in rows:
        return ""
    main = rows[(rows["threshold"] == 0.7) & (rows["campaign"] != "pooled")]
    if main.empty:
        return ""
    text = t(
        "Ở mốc 70%, khoảng 80% chứa ngày thực tế {lo}–{hi} số lần tùy chiến dịch (mục tiêu 75–85%).",
        lo=fmt.percent(main["range80"].min(), 0),
        hi=fmt.percent(main["range80"].max(), 0),
    )
    text += _left_out_summary(rows)
    rel = rel[rel["n"].fillna(0) > 0] if not rel.empty else rel
    if not rel.empty:
        gap = rel["observed"] - rel["predicted"]
        worst = rel.loc[gap.abs().idxmax()]
        text += " " + t(
            "Khả năng kịp hạn lệch thực tế nhiều nhất {gap} điểm (nhóm dự báo {decile}: thực tế {observed}).",
            gap=f"{100 * abs(gap.abs().max()):.0f}",
            decile=worst["decile"],
            observed=fmt.percent(worst["observed"], 0),
        )
    return text


def _left_out_summary(rows: pd.DataFrame) -> str:
    """The 70 % figures the protocol leaves out, in a sentence per campaign that has
    any: how many forecasts, and the range and the error ratio with them counted."""
    if "left_out" not in rows:
        return ""
    main = rows[
        (rows["threshold"] == 0.7) & (rows["campaign"] != "pooled") & (rows["left_out"].fillna(0) > 0)
    ]
    text = ""
    for r in main.itertuples():
        text += " " + t(
            "{campaign}: {n} lần dự báo cho {u} đơn vị chưa bao giờ đạt mốc 70% không được tính theo quy ước kiểm định; "
            "tính cả chúng ở chỗ kết quả đã chắc chắn, khoảng 80% chứa ngày thực tế {share} (không phải {before}) "
            "và sai số của mô hình ít nhất bằng {ratio} sai số của thước (không phải {ratio_before}).",
            campaign=t(DATASET_LABELS.get(r.campaign, r.campaign)),
            n=fmt.number(r.left_out),
            u=fmt.number(r.left_out_units),
            share=fmt.percent(r.range80_certain, 0),
            before=fmt.percent(r.range80, 0),
            ratio=fmt.number(r.ratio_floor, 2),
            ratio_before=fmt.number(r.ratio, 2),
        )
    return text


def upload_history(history: pd.DataFrame, spans: pd.DataFrame) -> pd.DataFrame:
    """The upload page's history (Store.list_uploads), newest first: when (Vietnam time),
    who, and the days a file has figures for — its report date, or for a file of many
    days its first and last (`spans`: Store.upload_spans)."""

    def data_days(upload) -> str:
        if pd.notna(upload.report_date):
            return fmt.date_vn(upload.report_date)
        if upload.id in spans.index:
            first, last = spans.loc[upload.id, "first"], spans.loc[upload.id, "last"]
            return fmt.date_vn(first) if first == last else f"{fmt.date_vn(first)} – {fmt.date_vn(last)}"
        return fmt.date_vn(None)

    return pd.DataFrame(
        {
            t("Lần nhập"): history["id"],
            t("Tệp"): history["file_name"],
            t("Thời điểm nhập"): history["uploaded_at"].map(fmt.moment_vn),
            t("Người nhập"): history["uploaded_by"].fillna(""),
            t("Ngày số liệu"): [data_days(u) for u in history.itertuples()],
            t("Số dòng"): history["rows_read"].map(fmt.number),
            t("Trạng thái"): history["status"].map({"active": t("hiệu lực"), "undone": t("đã hủy")}),
        }
    )


def unit_upload_history(history: pd.DataFrame) -> pd.DataFrame:
    """One commune's uploads as its page lists them (drilldown.upload_history): the upload,
    its file, when (Vietnam time), the days and number of values it gave, and whether it
    is in force or undone."""
    return pd.DataFrame(
        {
            t("Lần nhập"): history["upload_id"],
            t("Tệp"): history["file_name"],
            t("Thời điểm nhập"): history["uploaded_at"].map(fmt.moment_vn),
            t("Từ ngày"): history["first_day"].map(fmt.date_vn),
            t("Đến ngày"): history["last_day"].map(fmt.date_vn),
            t("Số giá trị"): history["values"].map(fmt.number),
            t("Trạng thái"): history["status"].map({"active": t("hiệu lực"), "undone": t("đã hủy")}),
        }
    )


#: How the overview's attention list can be sorted: key → (label, columns, ascending).
ATTENTION_SORTS = {
    "behind": ("Mức độ chậm", None, None),
    "remaining": ("Còn thiếu nhiều nhất", ["remaining"], [False]),
    "coverage": ("Tỷ lệ thấp nhất", ["coverage"], [True]),
    "pace": ("Tốc độ so với cần thấp nhất", ["pace_ratio"], [True]),
    "silent": ("Lâu chưa báo cáo nhất", ["days_since_report"], [False]),
}


def attention_rows(units: pd.DataFrame, sort: str = "behind", limit: int | None = 15) -> pd.DataFrame:
    """The communes a leader assigns teams by, sorted by one of ATTENTION_SORTS: most
    behind (status, then projected days late), most applications still missing (còn
    thiếu), lowest coverage, slowest pace against the rate needed, longest silent.
    Numbers stay numbers (for cards and sorting); `attention_table` formats them."""
    rows = attention_order(units[units["level"] == "commune"])
    _, columns, ascending = ATTENTION_SORTS.get(sort, ATTENTION_SORTS["behind"])
    if columns:
        rows = rows.sort_values(columns, ascending=ascending, kind="stable", na_position="last")
    return rows.head(limit) if limit else rows


def attention_count(units: pd.DataFrame, shown: int) -> str:
    """ "Có 355/460 xã chậm tiến độ hoặc có nguy cơ chậm; bảng dưới là 15 xã đứng đầu theo cách
    sắp xếp đã chọn.": how many lag, beside the few the overview lists (the units page has all)."""
    communes = units[units["level"] == "commune"]
    lagging = int(communes["status"].isin(("behind", "at_risk")).sum())
    if not lagging:
        return t("Không xã nào chậm tiến độ hay có nguy cơ chậm.")
    return t(
        "Có {k}/{n} xã chậm tiến độ hoặc có nguy cơ chậm; bảng dưới là {m} xã đứng đầu theo cách sắp xếp đã chọn.",
        k=fmt.number(lagging),
        n=fmt.number(len(communes)),
        m=fmt.number(min(shown, lagging) if shown else lagging),
    )


def pace_against_need(row) -> str:
    """ "3.891 / 10.963 (35%)": the 7-day mean per day against the rate the deadline needs."""
    need = row["required_per_day"]
    if pd.isna(need) or need <= 0:
        return fmt.number(row["pace_7d"])
    return f"{fmt.number(row['pace_7d'])} / {fmt.number(need)} ({fmt.percent(row['pace_ratio'], 0)})"


def silent_days(days) -> str:
    """The "Báo cáo" cell: the day's report is in, or how many days the unit has been
    silent (under a header "Chưa báo cáo", "đã báo cáo" read as a contradiction)."""
    if pd.isna(days):
        return t("chưa có báo cáo nào")
    return t("đã báo cáo") if days <= 0 else t("{n} ngày chưa báo cáo", n=fmt.number(days))


def attention_table(rows: pd.DataFrame) -> pd.DataFrame:
    """The attention list as the overview shows it (rows from `attention_rows`).  Without
    the district column when every commune listed is of one district (a district's
    campaign): the room goes to "Vì sao"."""
    table = pd.DataFrame(
        {
            t("Đơn vị"): rows["name"].fillna(""),
            t("Trạng thái"): rows["status"].map(lambda s: t(STATUS_LABELS.get(s, ""))),
            t("Huyện"): district_names(rows["district"]),
            t("Còn thiếu"): rows["remaining"].map(fmt.number),
            t("Tỷ lệ"): rows["coverage"].map(fmt.percent),
            t("Tốc độ 7 ngày / cần"): [pace_against_need(r) for _, r in rows.iterrows()],
            t("Báo cáo"): rows["days_since_report"].map(silent_days),
            t("Dự báo hoàn thành"): projected_or_why(rows),
            # Why the status is what it is where the figures beside it seem to say otherwise:
            # a pace above the need on a late unit (the forecaster expects it to fall).
            t("Vì sao"): why(rows),
        }
    ).reset_index(drop=True)
    if rows["district"].fillna("").nunique() <= 1:
        table = table.drop(columns=t("Huyện"))
    if not table[t("Vì sao")].astype(bool).any():
        # Nothing to say for any unit listed: an empty column only took the room.
        table = table.drop(columns=t("Vì sao"))
    return table


def why(rows: pd.DataFrame) -> list[str]:
    """Each unit's reason to read its status with care, in a few words
    (`status.forecast_reasons`); "" where it needs none."""
    if "forecast_reason" not in rows:
        return [""] * len(rows)
    return [t(r) if isinstance(r, str) else "" for r in rows["forecast_reason"]]


def projected_or_why(rows: pd.DataFrame) -> list[str]:
    """The projected date, or why there is none (no progress in 28 days, silent for weeks,
    a single report), never a blank."""
    notes = rows["forecast_note"] if "forecast_note" in rows else pd.Series("", index=rows.index)
    return [
        fmt.date_vn(d)
        if pd.notna(d)
        else (t(str(n).split("; ")[0]) if str(n).startswith(NO_PROJECTION_NOTES) else fmt.date_vn(d))
        for d, n in zip(rows["projected_date"], notes)
    ]


def silent_table(silent: pd.DataFrame) -> pd.DataFrame:
    """Communes silent for days (freshness.Freshness.silent), with the day they last reported."""
    return pd.DataFrame(
        {
            t("Đơn vị"): silent["name"].fillna(""),
            t("Huyện"): silent["district"].fillna(""),
            t("Báo cáo gần nhất"): silent["last_report"].map(
                lambda d: fmt.date_vn(d) if pd.notna(d) else t("chưa báo cáo")
            ),
            t("Số ngày chưa báo cáo"): silent["days_silent"].map(
                lambda d: fmt.number(d) if pd.notna(d) else "—"
            ),
        }
    )


STATUS_COLORS = {
    "done": "#2E7D32",
    "on_track": "#66BB6A",
    "at_risk": "#FFA000",
    "behind": "#E53935",
    "missed": "#8E0000",
    "no_data": "#9E9E9E",
}


def attention_card(row) -> str:
    """One commune of the attention list as a card for a phone (HTML; every text escaped).
    The page shows the cards only on narrow screens, in place of the table."""
    import html

    facts = [
        (t("Còn thiếu"), fmt.number(row["remaining"])),
        (t("Tỷ lệ"), fmt.percent(row["coverage"])),
        (t("Tốc độ / cần"), pace_against_need(row)),
        (t("Báo cáo"), silent_days(row["days_since_report"])),
    ]
    district = row["district"] if isinstance(row["district"], str) else ""
    where = " · ".join(x for x in (district, t(STATUS_LABELS.get(row["status"], ""))) if x)
    return (
        f'<div class="cccd-card" style="--status:{STATUS_COLORS.get(row["status"], "#9E9E9E")}">'
        f'<div class="name">{html.escape(str(row["name"]))}</div>'
        f'<div class="where">{html.escape(where)}</div><div class="facts">'
        + "".join(f"<span>{html.escape(k)}: <b>{html.escape(v)}</b></span>" for k, v in facts)
        + "</div>"
        + (
            f'<div class="note">{html.escape(reason)}</div>'
            if (reason := why(pd.DataFrame([row]))[0])
            else ""
        )
        + "</div>"
    )


# -- capacity planner, as leaders read it: whole teams ---------------------------------------

#: Why the planner's team counts are whole numbers (shown under its tables).
WHOLE_TEAMS_REASON = (
    "Số tổ được làm tròn lên vì không thể cử một phần của tổ (ví dụ: cần 2,3 tổ thì phải cử 3 tổ). "
    "Số tổ của cả mốc được làm tròn một lần trên tổng nhu cầu các xã, vì tổ lưu động "
    "đi vòng giữa các xã; vì vậy nó có thể nhỏ hơn tổng các số của từng xã."
)


def whole_teams(teams) -> pd.Series:
    """Teams rounded up to whole teams (a hair above a whole number is noise, not a team).
    Unknown or unreachable (no working day left: infinite) stays missing, shown "—"."""
    values = pd.Series(teams, dtype=float)
    values = values.where(np.isfinite(values))
    return np.ceil(values - 1e-6).clip(lower=0).astype("Int64")


def planner_milestones(plan) -> pd.DataFrame:
    """Per milestone (capacity.Plan.milestones): teams working now (the main target: the
    teams the user gave; a group of communes: its share of them), teams needed and teams to
    add, all in whole teams, rounded up.  Numbers stay numbers."""
    summary = plan.milestones
    return pd.DataFrame(
        {
            "milestone": summary["milestone"],
            "deadline": summary["deadline"],
            "communes": summary["communes"].astype(int),
            "teams": whole_teams(summary["teams"]),
            "teams_needed": whole_teams(summary["teams_needed"]),
            "extra_teams": whole_teams(summary["extra_teams"]),
            "communes_short": summary["communes_short"].astype(int),
        }
    )


def planner_communes(plan, snap, limit: int | None = 20) -> pd.DataFrame:
    """Communes short of teams for the main target, most short first: what they still
    lack, the projected date of the forecaster (the same as the overview's, from the
    snapshot), and the whole teams needed and to add."""
    rows = plan.units[(plan.units["level"] == "commune") & (plan.units["milestone_index"] == 0)]
    rows = rows[rows["extra_teams"] > 1e-6].sort_values(["extra_teams", "key"], ascending=[False, True])
    if limit:
        rows = rows.head(limit)
    forecast = snap.units[snap.units["level"] == "commune"].set_index("key")["projected_date"]
    return pd.DataFrame(
        {
            "key": rows["key"].to_numpy(),
            "name": rows["name"].to_numpy(),
            "district": rows["district"].fillna("").to_numpy(),
            "remaining": rows["remaining"].to_numpy(),
            "projected_date": forecast.reindex(rows["key"]).to_numpy(),
            "teams_needed": whole_teams(rows["teams_needed"]).array,
            "extra_teams": whole_teams(rows["extra_teams"]).array,
        }
    )


# -- breakdowns ----------------------------------------------------------------------------


WHAT_IF_READING = "Mỗi ô ghi: chưa tăng cường → nếu tăng cường (theo năng lực đã nhập)."


def what_if_table(result: pd.DataFrame) -> pd.DataFrame:
    """The surge's effect on the units it touches, main target: the planner's date and
    on-time chance without and with the extra teams, each as "without → with" in one column
    (`WHAT_IF_READING` says so above the table).

    Seven columns with the planner's long names ("Khả năng kịp hạn theo năng lực, chưa tăng
    cường") left the last ones, the chance with the surge among them, past the right edge in
    the width a 1280-px projector gives the page."""
    main = result[(result["milestone_index"] == 0) & (result["affected"])]
    main = main[main["level"].isin(["commune", "district", "province"])]
    levels = {"commune": t("Xã/phường"), "district": t("Huyện/thị xã"), "province": t("Tỉnh")}

    def change(before, after, show) -> str:
        return f"{show(before)} → {show(after)}"

    def chance(p) -> str:
        return fmt.percent(p, 0)

    return pd.DataFrame(
        {
            t("Đơn vị"): main["name"].tolist(),
            t("Cấp"): main["level"].map(levels).tolist(),
            t("Dự kiến theo năng lực"): [
                change(b, a, fmt.date_vn) for b, a in zip(main["baseline_date"], main["scenario_date"])
            ],
            t("Sớm hơn (ngày)"): main["days_saved"].map(fmt.number).tolist(),
            t("Khả năng kịp hạn"): [
                change(b, a, chance) for b, a in zip(main["baseline_p"], main["scenario_p"])
            ],
        }
    )


def group_targets_table(rows: pd.DataFrame) -> pd.DataFrame:
    """The group milestones (`breakdowns.targets`), as a leader reads them."""

    def deadline(row) -> str:
        if row["kind"] == "per_week":
            return t("tuần này (đến {d})", d=fmt.date_vn(row["deadline"], year=False))
        return fmt.date_vn(row["deadline"])

    def progress(row) -> str:
        if row["kind"] == "per_week":
            return t(
                "{n}/{target} tuần này · đạt {met} trên {weeks} tuần",
                n=fmt.number(row["week_collected"]),
                target=fmt.number(row["per_week"]),
                met=fmt.number(row["weeks_met"]),
                weeks=fmt.number(row["weeks"]),
            )
        return f"{fmt.number(row['collected'])}/{fmt.number(row['target'])} · {fmt.percent(row['coverage'])}"

    return pd.DataFrame(
        {
            t("Chỉ tiêu nhóm"): rows["name"],
            t("Hạn"): [deadline(r) for _, r in rows.iterrows()],
            t("Tiến độ"): [progress(r) for _, r in rows.iterrows()],
            t("Cần mỗi ngày"): rows["required_per_day"].map(fmt.number),
            t("Bình quân 7 ngày"): rows["pace_7d"].map(fmt.number),
            t("Dự báo đạt"): rows["projected_date"].map(fmt.date_vn),
            t("Trạng thái"): rows["status"].map(lambda s: t(STATUS_LABELS.get(s, ""))),
        }
    ).reset_index(drop=True)


def parts_table(rows: pd.DataFrame, dimension_label: str, level: str) -> pd.DataFrame:
    """Parts per unit (`Breakdown.rows` of one level), formatted."""
    name = (
        rows["commune"]
        if level == "commune"
        else rows["district"]
        if level == "district"
        else rows["province"]
    )
    out = pd.DataFrame(
        {
            t("Đơn vị"): name.fillna(""),
            t("Huyện"): rows["district"].fillna("") if level == "commune" else None,
            t(dimension_label): rows["value"],
            t("Đã thu nhận"): rows["collected"].map(fmt.number),
            t("Mẫu số"): rows["eligible"].map(fmt.number),
            t("Tỷ lệ"): rows["coverage"].map(fmt.percent),
            t("Còn thiếu"): rows["remaining"].map(fmt.number),
            t("Bình quân 7 ngày"): rows["pace_7d"].map(lambda v: fmt.number(v, 1)),
        }
    )
    if level != "commune":
        out = out.drop(columns=[t("Huyện")])
    return out.reset_index(drop=True)


def breakdown_lines(targets: pd.DataFrame, found: dict) -> list[str]:
    """The overview's card on priority groups and channels, as Markdown lines: each group
    milestone, the groups' coverage, the channels' shares and our residents in other
    provinces still missing (`found`: dimension → Breakdown)."""
    from cccd_analytics import dimensions

    def md(text) -> str:
        return str(text).replace("*", "\\*").replace("_", "\\_")

    lines = []
    for _, row in targets.iterrows():
        status = t(STATUS_LABELS.get(row["status"], ""))
        if row["kind"] == "per_week":
            what = t(
                "tuần này {n}/{target}",
                n=fmt.number(row["week_collected"]),
                target=fmt.number(row["per_week"]),
            )
        else:
            what = t(
                "{share} của chỉ tiêu, hạn {d}",
                share=fmt.percent(row["coverage"]),
                d=fmt.date_vn(row["deadline"]),
            )
        lines.append(f"**{md(row['name'])}** — {status} · {what}")

    def top(dimension: str) -> pd.DataFrame:
        rows = found[dimension].rows
        rows = rows[rows["level"] == "province"]
        return rows[[dimensions.parent(dimension, v) is None for v in rows["value"]]]

    if "group" in found and len(found["group"].rows):
        rows = top("group")
        parts = [
            f"{md(r.value)} {fmt.percent(r.coverage)}"
            if pd.notna(r.coverage)
            else f"{md(r.value)} {fmt.number(r.collected)}"
            for r in rows.itertuples()
        ]
        lines.append(t("Nhóm ưu tiên: {parts}", parts=" · ".join(parts)))
    if "channel" in found and len(found["channel"].rows):
        rows = top("channel")
        total = float(rows["collected"].sum()) or 1.0
        parts = [f"{md(r.value)} {fmt.percent(r.collected / total)}" for r in rows.itertuples()]
        lines.append(t("Hình thức thu nhận: {parts}", parts=" · ".join(parts)))
    if "residence" in found and len(found["residence"].rows):
        from cccd_analytics.analytics.breakdowns import outside_gap

        gap = outside_gap(found["residence"])
        if len(gap) and pd.notna(gap["missing"].iloc[0]):
            lines.append(
                t(
                    "Của ta ở ngoại tỉnh: đã thu nhận {n}/{needed}, **còn thiếu {missing}**",
                    n=fmt.number(gap["collected"].sum()),
                    needed=fmt.number(gap["needed"].sum()),
                    missing=fmt.number(gap["missing"].sum()),
                )
            )
    return lines


def denominator_history_table(history: pd.DataFrame) -> pd.DataFrame:
    """The denominators as they changed (loaders.denominator_history), formatted."""
    kinds = {"population": t("danh sách, sĩ số"), "remaining": t("rà soát: số còn thiếu")}
    return pd.DataFrame(
        {
            t("Giá trị"): history["value"],
            t("Từ ngày"): history["date"].map(fmt.date_vn),
            t("Mẫu số"): history["count"].map(fmt.number),
            t("Thay đổi"): history["change"].map(
                lambda c: "" if pd.isna(c) else f"{'+' if c > 0 else ''}{fmt.number(c)}"
            ),
            t("Số xã"): history["units"].map(fmt.number),
            t("Loại"): history["kind"].map(lambda k: kinds.get(k, k)),
            t("Tệp"): history["file_name"],
        }
    ).reset_index(drop=True)


# -- tables that fit a laptop's page ------------------------------------------------------

#: The width (px) a table has on a 1280-px desktop beside the sidebar (820 px, less its
#: borders): the narrowest screen a leader opens the dashboard on besides a phone.  A table
#: laid out for it only grows on a projector (Streamlit stretches the columns).
DESKTOP_TABLE_PX = 805
#: The row-selection box's column of a table whose rows open a unit.
SELECT_COLUMN_PX = 35
#: Letters of the table's type (Source Sans, 14 px) are 6,3-6,6 px wide, Vietnamese marks
#: included, measured in Chromium; a little more, so that an estimate never cuts a word.
_CHAR_PX = 6.8
_CELL_PADDING_PX = 18
#: A phrase this long or shorter is never broken over lines (a status, a name, a date).
_SHORT_PHRASE = 22
#: Streamlit wraps a cell's text only in rows taller than 4rem.
_WRAPPING_ROW_PX = 65
_LINE_PX = 20
#: The letters' own width, for how many lines a wrapped text takes.
_LINE_CHAR_PX = 6.5


@dataclass(frozen=True)
class ColumnFit:
    """How a table is laid out to fit `DESKTOP_TABLE_PX`: each column's width (px; empty:
    every column at its own width, the table fits as it is) and the rows' height when long
    texts are wrapped over lines (None: one line)."""

    widths: dict[str, int]
    row_height: int | None

    def height(self, rows: int, most: int | None = None) -> int:
        """The table's height for `rows` rows with no inner scrolling (up to `most`)."""
        shown = 38 + (self.row_height or 35) * max(rows, 1)
        return min(shown, most) if most else shown


def _text_px(text: str) -> int:
    return round(len(unicodedata.normalize("NFC", str(text))) * _CHAR_PX)


def fit_columns(table, budget: int = DESKTOP_TABLE_PX, selectable: bool = False) -> ColumnFit:
    """Widths that put every column of `table` (a frame of display text, or a Styler of
    one) in view at `budget` px, where it can be done without cutting a word.

    Glide (Streamlit's grid) sizes each column to its longest text and cuts what passes the
    table's right edge, behind a sideways scroll nobody on a projector does: the forecast
    and the status were the columns cut.  Here figures, dates and short phrases (a status,
    a commune's name) keep their whole width; columns of long text (a group target's name,
    a finding, a reason) are narrowed alike, never below their header or longest word, and
    their text wraps over lines (the rows grow to the most lines any needs).  When the
    table fits as it is, nothing is set."""
    frame = getattr(table, "data", table)
    budget -= SELECT_COLUMN_PX if selectable else 0
    natural: dict[str, int] = {}
    floor: dict[str, int] = {}
    longest: dict[str, int] = {}
    for column in frame.columns:
        cells = [str(v) for v in frame[column].tolist() if str(v) not in ("", "nan", "None")]
        text_px = max([_text_px(v) for v in cells], default=0)
        head_px = _text_px(column)
        natural[column] = max(text_px, head_px) + _CELL_PADDING_PX
        longest[column] = text_px
        words = [w for v in cells for w in v.split()]
        long_text = any(len(v) > _SHORT_PHRASE for v in cells)
        floor[column] = (
            max([_text_px(w) for w in words] + [head_px]) + _CELL_PADDING_PX if long_text else natural[column]
        )
    if sum(natural.values()) <= budget:
        return ColumnFit({}, None)
    narrowed = [c for c in natural if floor[c] < natural[c]]
    if not narrowed:
        # Nothing may wrap: the columns keep Glide's own (closer) widths, in the order the
        # table gives them, its first columns in view.
        return ColumnFit({}, None)
    fixed = sum(natural[c] for c in natural if c not in narrowed)
    # The room left shared by the long-text columns as their texts are long (a finding's
    # sentence gets more than its check's name), none below its floor.
    widths = {c: natural[c] for c in natural if c not in narrowed}
    free, share = list(narrowed), budget - fixed
    while free:
        total = sum(natural[c] for c in free)
        under = [c for c in free if floor[c] >= share * natural[c] / total]
        if not under:
            widths.update({c: int(min(natural[c], share * natural[c] / total)) for c in free})
            break
        for c in under:
            widths[c] = floor[c]
            share -= floor[c]
            free.remove(c)
    # Only the narrowed columns are given a width: Glide sizes the others to their own
    # text, closer than this estimate (which errs wide, so that the sum still fits).
    widths = {c: widths[c] for c in narrowed}
    lines = max(
        (
            math.ceil(longest[c] * _LINE_CHAR_PX / _CHAR_PX * 1.15 / max(widths[c] - _CELL_PADDING_PX, 1))
            for c in narrowed
        ),
        default=1,
    )
    row_height = max(_WRAPPING_ROW_PX, 10 + _LINE_PX * lines) if lines > 1 else None
    return ColumnFit(widths, row_height)


def verdict_action(main, units: pd.DataFrame, deadline, by_workday: bool = False) -> str:
    """What the overview's verdict asks of the leader, in one sentence after it: the rate
    the deadline needs against the 7-day pace, and where to send teams ("Cần 10.963 hồ
    sơ mỗi ngày làm việc, gấp 2,8 lần bình quân 7 ngày (3.891): tăng cường cho 356 xã chậm
    tiến độ hoặc có nguy cơ chậm ở bảng «Các xã cần chú ý»."); "" when done.  The verdict
    said when the target would be reached and how likely on time, and left the leader to
    work out from the tiles what that asked of them."""
    status = main["status"]
    if status == "done" or pd.isna(main.get("remaining")) or main["remaining"] <= 0:
        return ""
    communes = units[units["level"] == "commune"]
    lagging = int(communes["status"].isin(("behind", "at_risk")).sum())  # as the table counts them
    where = (
        t(
            "tăng cường cho {k} xã chậm tiến độ hoặc có nguy cơ chậm ở bảng «Các xã cần chú ý»",
            k=fmt.number(lagging),
        )
        if lagging
        else ""
    )
    if pd.isna(main.get("days_left")) or main["days_left"] <= 0:
        text = t(
            "Đã hết hạn {d}, còn thiếu {n} hồ sơ", d=fmt.date_vn(deadline), n=fmt.number(main["remaining"])
        )
        return text + (": " + where if where else "") + "."
    need, pace = main["required_per_day"], main["pace_7d"]
    if pd.isna(need):
        return ""
    per = t("mỗi ngày làm việc") if by_workday else t("mỗi ngày")
    if status == "on_track" or (pd.notna(pace) and pace >= need):
        return t(
            "Giữ tốc độ: cần {need} hồ sơ {per} đến hạn {d}, bình quân 7 ngày {pace}.",
            need=fmt.number(need),
            per=per,
            d=fmt.date_vn(deadline),
            pace=fmt.number(pace),
        )
    if pd.isna(pace):
        # one report so far (a campaign's first day): no 7-day pace yet, which is not
        # "nothing collected in 7 days" beside thousands collected
        against = t("chưa đủ số liệu để tính bình quân 7 ngày")
    elif pace <= 0:
        against = t("7 ngày qua chưa thu nhận hồ sơ nào")
    else:
        against = t(
            "gấp {x} lần bình quân 7 ngày ({pace})", x=fmt.number(need / pace, 1), pace=fmt.number(pace)
        )
    text = t(
        "Để kịp hạn {d}: cần {need} hồ sơ {per}, {against}",
        d=fmt.date_vn(deadline),
        need=fmt.number(need),
        per=per,
        against=against,
    )
    return text + ("; " + where if where else "") + "."
