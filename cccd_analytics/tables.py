"""Tables as people read them: Vietnamese headers, Vietnamese number formats.

Used by the dashboard and the exports; the numeric frames stay in `metrics`.
"""

from __future__ import annotations

import pandas as pd

from cccd_analytics import formatting as fmt
from cccd_analytics.metrics import STATUS_LABELS, attention_order

UNIT_TABLE_COLUMNS = {
    "name": "Đơn vị", "district": "Huyện", "eligible": "Số CD đủ điều kiện",
    "collected": "Đã thu nhận", "coverage": "Tỷ lệ", "pace_7d": "Bình quân 7 ngày",
    "required_per_day": "Cần mỗi ngày", "projected_date": "Dự báo hoàn thành",
    "p_on_time": "Khả năng kịp hạn", "status": "Trạng thái",
}


def unit_table(units: pd.DataFrame, level: str = "commune", limit: int | None = None) -> pd.DataFrame:
    """Units of one level, most behind first, formatted for display."""
    rows = attention_order(units[units["level"] == level])
    if limit:
        rows = rows.head(limit)
    out = pd.DataFrame({
        "Đơn vị": rows["name"].fillna("") + rows["official"].map({False: " (ngoài danh mục)"}).fillna(""),
        "Huyện": rows["district"].fillna("") if level == "commune" else None,
        "Số CD đủ điều kiện": rows["eligible"].map(fmt.number),
        "Đã thu nhận": rows["collected"].map(fmt.number),
        "Tỷ lệ": rows["coverage"].map(fmt.percent),
        "Bình quân 7 ngày": rows["pace_7d"].map(fmt.number),
        "Cần mỗi ngày": rows["required_per_day"].map(fmt.number),
        "Dự báo hoàn thành": rows["projected_date"].map(fmt.date_vn),
        "Khả năng kịp hạn": rows["p_on_time"].map(lambda p: fmt.percent(p, 0)),
        "Trạng thái": rows["status"].map(STATUS_LABELS),
    })
    if level != "commune":
        out = out.drop(columns=["Huyện"])
    return out.reset_index(drop=True)
