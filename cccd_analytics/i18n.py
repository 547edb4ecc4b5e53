"""Interface language: Vietnamese first, English on request.

Texts are written in Vietnamese at the call site and looked up here for English:
`t("Đã thu nhận")` → "Collected" when the language is English.  The language is per
thread (Streamlit runs each session's script in its own thread; the UI sets it at the
top of every run).  A Vietnamese text with no English entry stays Vietnamese, and a
test lists the ones missing.
"""

from __future__ import annotations

import threading

LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}
_state = threading.local()


def set_language(lang: str) -> None:
    _state.lang = lang if lang in LANGUAGES else "vi"


def language() -> str:
    return getattr(_state, "lang", "vi")


def t(text: str, **values) -> str:
    """The text in the current language, with `{name}` fields filled in."""
    out = EN.get(text, text) if language() == "en" else text
    return out.format(**values) if values else out


EN: dict[str, str] = {
    # navigation and shared filters
    "Tổng quan": "Overview", "Đơn vị": "Units", "Bản đồ": "Map", "Chất lượng số liệu": "Data quality",
    "Nhập số liệu": "Upload", "Chiến dịch": "Campaign", "Cài đặt chiến dịch": "Campaign settings",
    "Năng lực & giả định": "Capacity what-if", "Trình chiếu": "Presentation", "Số liệu tính đến": "Data as of",
    "Ngôn ngữ": "Language", "Độ tin cậy dự báo": "Forecast track record", "Chi tiết đơn vị": "Unit detail",
    # headline figures
    "Đã thu nhận": "Collected", "Chỉ tiêu": "Target", "Tỷ lệ so với chỉ tiêu": "Share of target",
    "Số ngày còn lại": "Days left", "Cần mỗi ngày": "Required per day",
    "+{n} trong ngày": "+{n} today", "{n} người đủ ĐK": "{n} eligible", "còn {n} hồ sơ": "{n} to go",
    "đến {d}": "until {d}", "bình quân 7 ngày: {n}": "7-day mean: {n}",
    "Số liệu tính đến **{d}** · hạn **{deadline}**": "Data as of **{d}** · deadline **{deadline}**",
    "Lũy kế so với chỉ tiêu": "Cumulative vs target", "Thu nhận mỗi ngày": "Collections per day",
    "Các mốc": "Milestones", "Các xã cần chú ý": "Communes needing attention",
    "Sắp xếp theo mức độ chậm: trạng thái, rồi số ngày dự báo trễ hạn.":
        "Sorted by how far behind: status, then projected days late.",
    "**{verdict}.** Dự báo đạt chỉ tiêu ngày **{d}** (khoảng {low} – {high}); khả năng kịp hạn **{p}**.":
        "**{verdict}.** Projected to reach the target on **{d}** (range {low} – {high}); chance of meeting the deadline **{p}**.",
    "**{verdict}.** Chưa đủ số liệu để dự báo ngày hoàn thành.":
        "**{verdict}.** Not enough data to project a completion date.",
    "{n}/{total} xã/phường chưa báo cáo số liệu ngày {d}: số liệu của các đơn vị này là của ngày báo cáo gần nhất.":
        "{n}/{total} communes have not reported for {d}: their figures are from their latest report.",
    "Chiến dịch chưa có số liệu nào đến ngày đã chọn.": "The campaign has no data up to the chosen day.",
    "Chưa có chiến dịch nào. Nạp dữ liệu mẫu bằng lệnh `cccd sample`, hoặc thêm chiến dịch bằng `cccd campaign add TỆP.toml`.":
        "No campaign yet. Load the sample data with `cccd sample`, or add a campaign with `cccd campaign add FILE.toml`.",
    "Theo dõi cấp căn cước công dân": "CCCD issuance tracking",
    "hạn {d}": "deadline {d}", "{done}/{n} đơn vị đã xong": "{done}/{n} units done",
    "khả năng kịp hạn {p}": "chance on time {p}",
    # statuses
    "Đã hoàn thành": "Done", "Đúng tiến độ": "On track", "Có nguy cơ chậm": "At risk",
    "Chậm tiến độ": "Behind", "Không đạt hạn": "Missed", "Chưa có số liệu": "No data",
    # table headers
    "Huyện": "District", "Số CD đủ điều kiện": "Eligible", "Tỷ lệ": "Coverage",
    "Bình quân 7 ngày": "7-day mean", "Dự báo hoàn thành": "Projected date",
    "Khả năng kịp hạn": "Chance on time", "Trạng thái": "Status", "Đã trả thẻ": "Returned",
    "Tồn chưa trả": "Backlog", "Cấp": "Level", "Xã/phường": "Commune", "Huyện/thị xã": "District",
    "Tỉnh": "Province", " (ngoài danh mục)": " (not in registry)",
    # charts
    "Lũy kế thu nhận": "Collected (cumulative)", "Lũy kế trả thẻ": "Returned (cumulative)",
    "Chỉ tiêu {n}": "Target {n}", "Tiến độ cần đạt": "Required path", "Khoảng dự báo 80%": "80% forecast range",
    "Dự báo": "Forecast", "Hạn {d}": "Deadline {d}", "Thu nhận trong ngày": "Collected that day",
    "Cần {n}": "Need {n}", "Dự báo đạt chỉ tiêu: {d}": "Projected: {d}",
}
