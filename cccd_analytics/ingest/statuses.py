"""What a per-record export's status column says of an application: its card handed over
("Đã trả thẻ"), or the application cancelled or refused ("Hủy", "Từ chối").  Words only;
`record_tally` and `record_counts` count by them."""

from __future__ import annotations

import re
import unicodedata

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
        or _sent_back(status)
    ):
        return False
    return any(w in folded for w in _RETURNED)


# The dossier given back to the citizen, not the card: "Trả lại hồ sơ", "Đã trả hồ sơ" (a
# public-service system's words for an application sent back), "Trả bổ sung".  Read as a
# card handed over ("đã trả"), 24 applications sent back were counted as cards returned.
# Never "hồ sơ gốc", "giấy tờ gốc": the original papers given back with the card.
_GIVEN_BACK = re.compile(r"\btra lai ho so\b(?! goc)")
_SENT_BACK = re.compile(r"\btra (?:lai )?ho so\b(?! goc)|\bhoan tra ho so\b(?! goc)|\btra bo sung\b")
# A clause that is only "Trả lại", "Đã hoàn trả" (the dossier, nothing else named).
_BARE_BACK = re.compile(r"(?:da )?(?:tra lai|hoan tra)(?: cho cong dan)?")
# A clause that says the card (or the result: the card) reached the citizen: a handing verb
# and the card's name, with no "không", "chưa", "chờ" …  "Đã trả thẻ, trả lại hồ sơ gốc",
# "Đã trả hồ sơ và thẻ", "Đã trả lại CCCD": the card handed over wins over the dossier.
_HANDING = re.compile(r"\b(?:tra|giao|trao|nhan)\b")
_CARD = re.compile(r"\b(?:card|cccd|can cuoc|ket qua|kq)\b")
# The old card given back beside the new one ("trả lại thẻ cũ", "hoàn trả CMND cũ"): no card
# handed over by itself.
_OLD_CARD = re.compile(r"\b(?:card|cccd|cmnd|can cuoc)(?: [a-z0-9]+){0,2} cu\b(?! tru)")
# Where a status's clauses part: "Đã trả thẻ, trả lại hồ sơ gốc", "Đã trả thẻ (hoàn trả CMND
# cũ)", "Trả hồ sơ - không đủ điều kiện".
_CLAUSE = re.compile(r"[,;()\[\]/+]|\s[-–—]\s|\.(?:\s|$)")


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(text)).split())


def _clauses(status: str) -> list[str]:
    """A status's clauses, folded, "thẻ" written "card": known by its diacritic, since "thể"
    ("không thể", "có thể") folds the same.  A status written without diacritics ("Da tra
    the") has its "the" read as the card."""
    text = unicodedata.normalize("NFC", str(status or "")).lower()
    if text.isascii():
        text = re.sub(r"\bthe\b", "card", text)
    else:
        text = re.sub(r"thẻ", " card ", text)
    return [w for w in (_words(c) for c in _CLAUSE.split(text)) if w]


def _card_handed(clauses: list[str]) -> bool:
    """Whether some clause says the card was handed over."""
    for clause in clauses:
        words = clause.split()
        if words[0] == "cho" or any(w in words for w in ("khong", "chua", "huy")):
            continue
        kept = _OLD_CARD.sub(" ", clause)
        if _CARD.search(kept) and _HANDING.search(kept):
            return True
    return False


def _sent_back(status: str) -> bool:
    """Whether a status says the dossier was given back, and nowhere the card handed over
    ("Đã trả thẻ, trả lại hồ sơ gốc" is a card handed over)."""
    clauses = _clauses(status)
    if not any(_SENT_BACK.search(c) or _BARE_BACK.fullmatch(c) for c in clauses):
        return False
    return not _card_handed(clauses)


def _given_back(status: str) -> bool:
    """Whether a status's main statement (its first clause) is the dossier given back
    ("Trả lại hồ sơ", "Đã trả lại hồ sơ"): an application never taken in.  Not "Đã trả thẻ,
    trả lại hồ sơ gốc", nor "Đã trả hồ sơ" (perhaps the card delivered, in an office's words)."""
    clauses = _clauses(status)
    if not clauses or not _GIVEN_BACK.search(clauses[0]):
        return False
    return not _card_handed(clauses)


def is_void(status: str) -> bool:
    """Whether a status says the application was cancelled or refused ("Hủy", "Đã hủy",
    "Từ chối", "Không đủ điều kiện"): not an application taken in, so never counted."""
    folded = " ".join(re.sub(r"[^a-z0-9]+", " ", fold(status or "")).split())
    words = folded.split()
    return (
        "huy" in words
        or any(w in folded for w in ("tu choi", "khong du dieu kien", "khong hop le", "loai bo", "da xoa"))
        # Given back or not approved: never taken in ("Trả lại hồ sơ", "Không duyệt").
        or _given_back(status)
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
