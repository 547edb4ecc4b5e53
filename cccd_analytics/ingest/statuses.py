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
        or _sent_back(folded)
    ):
        return False
    return any(w in folded for w in _RETURNED)


# The dossier given back to the citizen, not the card: "Trả lại hồ sơ", "Đã trả hồ sơ" (a
# public-service system's words for an application sent back), "Trả bổ sung".  Read as a
# card handed over ("đã trả"), 24 applications sent back were counted as cards returned.
_SENT_BACK = ("tra lai", "tra ho so", "tra bo sung", "hoan tra")


def _sent_back(folded: str) -> bool:
    return any(w in folded for w in _SENT_BACK)


def is_void(status: str) -> bool:
    """Whether a status says the application was cancelled or refused ("Hủy", "Đã hủy",
    "Từ chối", "Không đủ điều kiện"): not an application taken in, so never counted."""
    folded = " ".join(re.sub(r"[^a-z0-9]+", " ", fold(status or "")).split())
    words = folded.split()
    return (
        "huy" in words
        or any(w in folded for w in ("tu choi", "khong du dieu kien", "khong hop le", "loai bo", "da xoa"))
        # Given back or not approved: never taken in ("Trả lại hồ sơ", "Không duyệt").
        or "tra lai ho so" in folded
        or any(w in folded for w in ("khong duyet", "khong phe duyet", "khong duoc duyet"))
        # The English of a system set to English ("Cancelled", "Rejected", "Void").
        or any(
            w in words for w in ("cancelled", "canceled", "cancel", "rejected", "refused", "void", "voided")
        )
    )


# "1 - Đã tiếp nhận", "2: Đã trả thẻ", "3. Hủy hồ sơ", "4) Từ chối": a code and what it
# stands for, up to the next separator or code.  Never a day ("16/3") or a number ("1.234").
_LEGEND_PAIR = re.compile(r"(?<![\d/.,])(\d{1,2})\s*(?:[-–—:=)]|\.(?!\d))\s*([^;,\n\r\d()]+)")
# Words of a status that is neither handed over nor void ("Đã tiếp nhận", "Đang sản xuất").
_STATUS_WORDS = ("tiep nhan", "thu nhan", "san xuat", "duyet", "cho tra", "xu ly", "in the")


def legend_of(lines: list[str]) -> tuple[dict[str, str], int | None]:
    """The codes a status column is written in and the status each stands for, from a
    legend beside the table ("Ghi chú trạng thái: 1 - Đã tiếp nhận; 2 - Đã trả thẻ; 3 - Hủy
    hồ sơ", on one line or a line each), and the index of its first line; ({}, None) when no
    line reads as one.  Two codes or more, of which one at least is a status by its words,
    so that another column's legend ("1 - Nam; 2 - Nữ") is never taken for it."""
    found: dict[str, str] = {}
    first = None
    for at, line in enumerate(lines):
        for code, label in _LEGEND_PAIR.findall(line or ""):
            label = " ".join(label.split()).strip(" .:-–")
            if label and str(int(code)) not in found:
                found[str(int(code))] = label
                first = at if first is None else first
    if len(found) < 2:
        return {}, None
    if not any(
        is_handed_over(label) or is_void(label) or any(w in fold(label) for w in _STATUS_WORDS)
        for label in found.values()
    ):
        return {}, None
    return found, first
