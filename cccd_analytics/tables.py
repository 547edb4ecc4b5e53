"""Tables as people read them: Vietnamese headers, Vietnamese number formats.

Used by the dashboard and the exports; the numeric frames stay in `metrics`.
"""

from __future__ import annotations

import pandas as pd

from cccd_analytics import formatting as fmt
from cccd_analytics.analytics.metrics import STATUS_LABELS, attention_order
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
            t("Huyện"): rows["district"].fillna("") if level == "commune" else None,
            t("Số CD đủ điều kiện"): rows["eligible"].map(fmt.number),
            t("Đã thu nhận"): rows["collected"].map(fmt.number),
            t("Tỷ lệ"): rows["coverage"].map(fmt.percent),
            t("Bình quân 7 ngày"): rows["pace_7d"].map(fmt.number),
            t("Cần mỗi ngày"): rows["required_per_day"].map(fmt.number),
            t("Dự báo hoàn thành"): rows["projected_date"].map(fmt.date_vn),
            t("Khả năng kịp hạn"): rows["p_on_time"].map(lambda p: fmt.percent(p, 0)),
        }
    )
    if level != "commune":
        out = out.drop(columns=[t("Huyện")])
    if compact:
        out = out.drop(columns=[t("Số CD đủ điều kiện"), t("Đã thu nhận")])
    return out.reset_index(drop=True)


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


DATASET_LABELS = {"italy": "Ý (21 vùng, dân số 12+)", "germany": "Đức (16 bang)"}


def track_record_table(record: pd.DataFrame) -> pd.DataFrame:
    """The forecaster's backtest, as leadership reads it."""
    if record.empty:
        return record
    return pd.DataFrame(
        {
            t("Số liệu kiểm định"): record["dataset"].map(lambda d: t(DATASET_LABELS.get(d, d))),
            t("Mốc bao phủ"): record["threshold"].map(lambda x: fmt.percent(x, 0)),
            t("Số lần dự báo"): record["origins"].map(fmt.number),
            t("Sai số TB — theo tốc độ 7 ngày"): record["mae_baseline"].map(
                lambda d: t("{n} ngày", n=fmt.number(d))
            ),
            t("Sai số TB — mô hình"): record["mae_model"].map(lambda d: t("{n} ngày", n=fmt.number(d))),
            t("Giảm sai số"): (record["improvement_pct"] / 100).map(lambda x: fmt.percent(x, 0)),
            t("Khoảng 80% chứa ngày thực tế"): record["coverage_model"].map(lambda x: fmt.percent(x, 0)),
        }
    )


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
