"""Header vocabulary: the many ways units name the columns of a report.

Headers are compared folded (lower case, no diacritics, punctuation as spaces), so
"Số CD đủ ĐK", "so cd du dk" and "SỐ CD ĐỦ ĐK" are the same.  A two-row header is
matched on "parent child" ("Kết quả thu nhận hồ sơ Lũy kế") as well as on the child.
"""

from __future__ import annotations

import re

from cccd_analytics.registry import fold

FIELDS = ("date", "province", "district", "commune", "commune_code", "eligible",
          "collected", "collected_day", "returned", "row_number")

# Vietnamese labels of the canonical fields, for messages and templates.
FIELD_LABELS = {
    "date": "Ngày", "province": "Tỉnh", "district": "Huyện", "commune": "Xã",
    "commune_code": "Mã xã", "eligible": "Số công dân đủ điều kiện",
    "collected": "Lũy kế thu nhận", "collected_day": "Thu nhận trong ngày",
    "returned": "Lũy kế trả thẻ", "row_number": "STT",
}

# Exact folded phrases per field.  Order matters only for documentation.
_EXACT: dict[str, tuple[str, ...]] = {
    "date": ("date", "ngay", "ngay bao cao", "ngay so lieu", "report date", "ngay thang",
             "ngay thang nam", "thoi gian"),
    "province": ("province", "tinh", "tinh thanh pho", "tinh thanh", "ten tinh"),
    "district": ("district", "huyen", "quan huyen", "huyen thi xa thanh pho", "huyen thi xa",
                 "don vi cap huyen", "ten huyen", "quan huyen thi xa"),
    "commune": ("commune", "ward", "xa", "xa phuong", "xa phuong thi tran", "ten xa",
                "ten don vi", "don vi", "xa phuong tt", "dia ban", "ten xa phuong",
                "don vi hanh chinh", "xa phuong thi tran thuoc huyen"),
    "commune_code": ("commune code", "commune_code", "code", "ma xa", "ma don vi", "ma dvhc",
                     "ma", "ma so"),
    "eligible": ("eligible", "so cong dan du dieu kien", "so cd du dk", "so cd du dieu kien",
                 "so cong dan tu 14 tuoi tro len", "so cd du dieu kien cap cccd",
                 "so cong dan du dieu kien cap cccd", "so cd tu 14 tuoi tro len",
                 "dan so tu 14 tuoi", "dan so tu 14 tuoi tro len", "cd du dk", "du dk",
                 "so nhan khau du dieu kien", "tong so cd du dk", "so cong dan thuoc dien cap",
                 "so cd thuoc dien cap", "so cd thuoc dien cap cccd"),
    "collected": ("collected", "luy ke", "luy ke thu nhan", "tong so da thu nhan", "da thu nhan",
                  "so ho so da thu nhan", "tong so ho so da thu nhan", "luy ke ho so",
                  "luy ke tu dau dot", "luy ke thu nhan ho so", "tong thu nhan",
                  "ket qua thu nhan ho so luy ke", "thu nhan luy ke", "tong so thu nhan"),
    "collected_day": ("collected day", "collected_day", "trong ngay", "thu nhan trong ngay",
                      "so ho so trong ngay", "ket qua thu nhan ho so trong ngay",
                      "thu nhan trong ngay ho so", "ket qua trong ngay"),
    "returned": ("returned", "luy ke tra the", "da tra the", "so the da tra", "tra the",
                 "tra the luy ke", "da tra", "so the da tra cho cong dan", "the da tra",
                 "da tra the cho cong dan", "luy ke da tra the"),
    "row_number": ("stt", "tt", "so tt", "so thu tu"),
}

_INDEX = {phrase: field for field, phrases in _EXACT.items() for phrase in phrases}


def clean(text) -> str:
    """Folded header text with punctuation turned into spaces."""
    if text is None:
        return ""
    folded = fold(str(text))
    folded = re.sub(r"\(.*?\)", " ", folded)       # "(người)", "(%)"
    folded = re.sub(r"[^a-z0-9]+", " ", folded)
    return " ".join(folded.split())


def match(text, parent=None) -> str | None:
    """The canonical field a header names, or None."""
    own = clean(text)
    if parent:
        both = clean(f"{parent} {text}")
        if both in _INDEX:
            return _INDEX[both]
    if own in _INDEX:
        return _INDEX[own]
    if not own:
        return None
    # Looser rules for long headers people write in full.
    if "tra the" in own or own.startswith("da tra"):
        return "returned"
    if "trong ngay" in own:
        return "collected_day"
    if "luy ke" in own or "da thu nhan" in own:
        return "collected"
    if ("du dieu kien" in own or "du dk" in own or "14 tuoi" in own) and "ty le" not in own:
        return "eligible"
    return None
