"""What a per-record export's status column says of an application: its card handed over
("Đã trả thẻ"), or the application cancelled or refused ("Hủy", "Từ chối").  Words only;
`record_tally` and `record_counts` count by them."""

from __future__ import annotations

import re

from cccd_analytics.text import fold

# Statuses that say the card reached the citizen (folded).  "Chờ trả thẻ", "Chưa trả"
# are not.
_RETURNED = (
    "da tra",
    "tra the cho cong dan",
    "tra the",
    "da giao the",
    "da nhan the",
    "cong dan da nhan",
    "hoan thanh tra",
    "da trao",
    "tra ket qua",
    "returned",
    "delivered",
)


def is_handed_over(status: str) -> bool:
    """Whether a status label says the card was handed over ("Đã trả thẻ", "Đã trả",
    "Trả thẻ cho công dân" …); "Chờ trả thẻ", "Chưa trả", "Không trả được" say not."""
    folded = " ".join(re.sub(r"[^a-z0-9]+", " ", fold(status or "")).split())
    words = folded.split()
    if (
        not words
        or words[0] in ("chua", "cho", "khong", "dang")
        or any(w in words for w in ("chua", "khong", "huy"))
        or "tu choi" in folded
    ):
        return False
    return any(w in folded for w in _RETURNED)


def is_void(status: str) -> bool:
    """Whether a status says the application was cancelled or refused ("Hủy", "Đã hủy",
    "Từ chối", "Không đủ điều kiện"): not an application taken in, so never counted."""
    folded = " ".join(re.sub(r"[^a-z0-9]+", " ", fold(status or "")).split())
    return "huy" in folded.split() or any(
        w in folded for w in ("tu choi", "khong du dieu kien", "khong hop le", "loai bo", "da xoa")
    )
