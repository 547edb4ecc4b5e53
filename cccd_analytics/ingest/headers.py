"""Header matching: which field a column of a report is, whatever units call it.

Headers are compared folded (lower case, no diacritics, punctuation as spaces) with
the usual abbreviations spelt out, so "Số CD đủ ĐK", "so cong dan du dieu kien" and
"SỐ CD ĐỦ ĐK" are the same.  A two-row header is matched on "parent child" ("Kết quả
thu nhận hồ sơ Lũy kế") as well as on the child.

Two vocabularies:

* summary tables (one row per commune): `match` → one of `FIELDS`;
* per-record exports (one row per application): `match_record` → one of
  `RECORD_FIELDS`.  Only the commune, district, province, dates and status of a
  record are ever read; the personal columns are recognised so that the file is
  known for what it is, never to read them.

The fields are listed in `cccd_analytics.ingest.fields`, the phrases and words they are
recognised by in `cccd_analytics.ingest.vocabulary`.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

from cccd_analytics import dimensions

# The fields and the words are data, kept apart so this module is only the matching;
# re-exported because callers reach them as `headers.<name>`.
from cccd_analytics.ingest.fields import (  # noqa: F401
    DIMENSIONS,
    FIELD_LABELS,
    FIELDS,
    MAPPABLE_FIELDS,
    PERSONAL_FIELDS,
    RECORD_BREAKDOWN_FIELDS,
    RECORD_FEW_FIELDS,
    RECORD_FIELDS,
    RECORD_ID_FIELDS,
    RECORD_READ_FIELDS,
)
from cccd_analytics.ingest.vocabulary import (  # noqa: F401
    ABBREVIATIONS,
    CUT_OFF_WORDS,
    DENOMINATOR_FIELDS,
    DENOMINATOR_PHRASES,
    PART_HEADINGS,
    PART_PREFIX,
    PLACE_GLUE,
    RECORD_PHRASES,
    REMAINING_WORDS,
    RULES,
    SUMMARY_PHRASES,
    WORDS,
)
from cccd_analytics.text import fold


def _expand(cleaned: str) -> str:
    words = cleaned.split()
    out = []
    for word in words:
        out.append(ABBREVIATIONS.get(word, word))
    return " ".join(" ".join(out).split())


def clean(text) -> str:
    """Folded header text with punctuation turned into spaces, parentheses removed."""
    if text is None:
        return ""
    folded = fold(str(text))
    folded = re.sub(r"\(.*?\)", " ", folded)  # "(người)", "(%)"
    folded = re.sub(r"[^a-z0-9%]+", " ", folded)
    return " ".join(folded.split())


def key(text) -> str:
    """The comparison key of a header: cleaned, abbreviations spelt out."""
    return "" if text is None else _key(str(text))


@lru_cache(maxsize=1 << 16)
def _key(text: str) -> str:
    # Remembered: a layout tries every cell of its first rows against both matchers.
    return _expand(clean(text))


_INDEX = {_expand(p): f for f, phrases in SUMMARY_PHRASES.items() for p in phrases}
_RECORD_INDEX = {_expand(p): f for f, phrases in RECORD_PHRASES.items() for p in phrases}
_DENOMINATOR_INDEX = {p: f for f, phrases in DENOMINATOR_PHRASES.items() for p in phrases}


def _has(padded: str, group: str) -> bool:
    return any(f" {w} " in padded for w in WORDS[group])


def _place(words: str) -> str | None:
    """A place column: a header made only of unit words and the glue between them
    ("Xã/Phường/Thị trấn", "Tên đơn vị hành chính cấp xã", "Huyện, thị xã"), named by
    the first unit word; "Mã xã" is the code.  A cell such as "Xã Kỳ Đồng" has other
    words, so it is not a header."""
    tokens = words.split()
    code = bool(tokens) and tokens[0] == "ma"
    if code:
        tokens = tokens[1:]
    units = [(w, f) for f in ("commune", "district", "province") for w in WORDS[f]]
    first, i = None, 0
    while i < len(tokens):
        for phrase, field in sorted(units, key=lambda u: -len(u[0])):
            size = len(phrase.split())
            if tokens[i : i + size] == phrase.split():
                first = first or field
                i += size
                break
        else:
            if tokens[i] not in PLACE_GLUE:
                return None
            i += 1
    if first is None:
        return "commune_code" if code and tokens[-1:] in (["chinh"], ["vi"]) else None
    return "commune_code" if code else first


def _loose(own: str, full: str | None = None) -> str | None:
    """A header nobody listed, read by its words (`WORDS`, `RULES`).  `full` is the header
    with the text in parentheses kept ("Đã thu nhận (%)" is a share, not a count)."""
    padded = f" {full or own} "
    if _has(padded, "not_a_count"):
        return None
    words = own
    if words.startswith(("ngay ", "thoi gian ")) or words in ("ngay", "thoi gian"):
        # A date column: the report's date, or a record's (not a count).
        return "date" if _has(f" {words} ", "report_date") or words == "thoi gian" else None
    place = _place(words)
    if place and not _has(padded, "collected") and not _has(padded, "cumulative"):
        return place
    # "Số công dân phải thu nhận" is the denominator even though it says "thu nhận".
    if any(
        f" {w} " in padded
        for w in ("phai thu nhan", "can thu nhan", "phai lam", "can lam", "phai cap", "can cap")
    ):
        return "eligible"
    for field, need, never in RULES:
        if all(_has(padded, g) for g in need) and not any(_has(padded, g) for g in never):
            return field
    return place


#: The last words of a header that make it a column's total ("Nam | Nữ | Cộng").
_TOTAL_WORDS = ("cong", "tong", "tong so", "tong cong", "cong chung")
#: Words that say a column counts the eligible (citizens aged 14 and over).
_ELIGIBLE_WORDS = ("14 tuoi", "du dieu kien", "du dk", "thuoc dien", "trong dien", "do tuoi")


def preference(field: str, label: str) -> int:
    """How surely a header that names `field` is that field's column, when several do: a
    running total before a count of a week or of machines ("Số máy thu nhận" … "Lũy kế thu
    nhận"), the total of a split before its parts ("Lũy kế thu nhận" over "Nam | Nữ |
    Cộng"), citizens of 14 and over before the whole population ("Tổng số nhân khẩu" …
    "Số công dân từ 14 tuổi trở lên").  The first column keeps the field on a tie."""
    padded = f" {key(label)} "
    score = 2 if _has(padded, "running") else 0
    if key(str(label).split("/")[-1]) in _TOTAL_WORDS:
        score += 1
    if field == "eligible" and any(f" {w} " in padded for w in _ELIGIBLE_WORDS):
        score += 2
    return score


def full_key(text) -> str:
    """The comparison key with the text in parentheses kept ("Đã thu nhận (%)")."""
    if text is None:
        return ""
    folded = re.sub(r"[^a-z0-9%]+", " ", fold(str(text)))
    return _expand(" ".join(folded.split()))


def match(text, parent=None) -> str | None:
    """The canonical field a summary-table header names, or None.  Remembered per (text,
    parent): a layout tries every cell of a sheet's first rows, and a batch of files from one
    system repeats the same headers and first rows (performance: 0,08 s a file)."""
    if not isinstance(text, (str, type(None))) or not isinstance(parent, (str, type(None))):
        return _match(text, parent)
    return _remembered_match(text, parent)


@lru_cache(maxsize=1 << 16)
def _remembered_match(text, parent) -> str | None:
    return _match(text, parent)


# A count's header that says its cells give the share beside it: "Lũy kế thu nhận (tỷ lệ)",
# "Đã trả thẻ (SL, TL %)", cells "2.384 (26,1%)" ("Đã thu nhận (%)" is a share's own column).
# The column is the count's only when its cells are such pairs (`layout._shares_checked`).
WITH_SHARE = re.compile(
    r"^(?P<count>.*\S)\s*\(\s*(?:số lượng|sl|số)?\s*[,/;-]?\s*(?:tỷ lệ|tỉ lệ|tl)?\s*%?\s*\)\s*$",
    re.IGNORECASE,
)


def share_beside(text) -> bool:
    """A header that says its cells give a count with its share beside it (`WITH_SHARE`)."""
    if not isinstance(text, str):
        return False
    found = WITH_SHARE.match(text.strip())
    if not found:
        return False
    # A share's word, not "%" alone: "Đã thu nhận (%)" is the share's own column.
    folded = fold(text.strip()[len(found.group("count")) :])
    return "ty le" in folded or "ti le" in folded or re.search(r"\btl\b", folded) is not None


def share_label(text) -> bool:
    """A label that names a share alone ("Tỷ lệ", "Tỷ lệ (%)", "TL", "%"): a day's sub-column
    of a wide sheet, or a row's label in a "Nội dung" column under the row of its counts.
    A share is derived from counts, never a count itself."""
    if not isinstance(text, str):
        return False
    label = " ".join(re.sub(r"[^a-z0-9%]+", " ", fold(text)).split())
    return label in (
        "ty le",
        "ti le",
        "tl",
        "%",
        "ty le %",
        "ti le %",
        "tl %",
        "phan tram",
        "dat ty le",
        "ty le dat",
    )


def count_label(text) -> bool:
    """A label that says a row gives its columns' own counts ("Số lượng", "SL", "Số người"),
    beside a share's row in a "Nội dung" column."""
    if not isinstance(text, str):
        return False
    label = " ".join(re.sub(r"[^a-z0-9]+", " ", fold(text)).split())
    return label in ("so luong", "sl", "so nguoi", "so ho so", "so", "so lieu", "so luong nguoi")


def plan_label(text) -> bool:
    """A label that says a row gives a plan's figures ("Kế hoạch", "KH", "Chỉ tiêu"), beside
    a row of what was done ("Thực hiện") in a "Nội dung" column: never a count of the unit's."""
    return _row_label(text) in ("ke hoach", "kh", "chi tieu", "chi tieu giao", "ke hoach giao")


def done_label(text) -> bool:
    """A label that says a row gives what was done ("Thực hiện", "TH", "Kết quả") beside its
    plan's row: the columns' own counts."""
    return _row_label(text) in ("thuc hien", "th", "ket qua", "da thuc hien", "ket qua thuc hien")


def _row_label(text) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(text)).split()) if isinstance(text, str) else ""


# "Lũy kế kỳ này", "Cộng dồn tuần này": the running total as this report gives it, beside
# "Lũy kế kỳ trước" (the last report's).  "kỳ này" alone is a period's count (`not_a_count`);
# after "lũy kế" it only says which running total.
_THIS_PERIOD = re.compile(
    r"\s*[-–(]?\s*\b(?:kỳ|ky|tuần|tuan|tháng|thang|đợt|dot)\s+(?:này|nay)\b\s*\)?", re.IGNORECASE
)


def _running_total_of_this_period(text):
    """The header without its "kỳ này" when it names a running total ("Lũy kế kỳ này" →
    "Lũy kế"), else the header as it is."""
    if not isinstance(text, str) or not _THIS_PERIOD.search(text):
        return text
    folded = fold(text)
    if not re.search(r"\b(?:luy ke|cong don)\b", folded) or re.search(r"\btruoc\b", folded):
        return text
    return _THIS_PERIOD.sub(" ", text).strip()


#: A sub-column that is one side of a split by sex, as typed (with its marks: "Năm", a year,
#: is another word): "Lũy kế thu nhận" over "Nam | Nữ" without "Cộng".
_SEX_PARTS = frozenset(("nam", "nữ", "nam giới", "nữ giới", "số nam", "số nữ"))


def sex_part(text) -> bool:
    """A header cell that is one side of a split by sex ("Nam", "Nữ giới")."""
    return isinstance(text, str) and " ".join(text.lower().split()) in _SEX_PARTS


def _match(text, parent=None) -> str | None:
    if isinstance(text, str) and text.rstrip().endswith(CUT_MARK):
        return _cut_match(text.rstrip()[: -len(CUT_MARK)], parent)
    text = _running_total_of_this_period(text)
    if parent and sex_part(text):
        # The men (or women) of a count are never the count: read as the parent's field, the
        # first of "Nam | Nữ" stored the men's figure as the commune's, without a word.  The
        # split's total ("Cộng") is the count; without one the table has no such column.
        return None
    if share_beside(text):
        count = _match(WITH_SHARE.match(text.strip()).group("count"), parent)
        return count if count in ("collected", "collected_day", "returned") else None
    if isinstance(text, str) and "/" in text and not parent:
        place = _one_of(text)
        if place:
            return place
    own = key(text)
    full = full_key(f"{parent} {text}" if parent else text)
    if _has(f" {full} ", "not_a_count"):
        return None  # "Tỷ lệ (%)", "Đã thu nhận (%)", "Số CD chưa thu nhận", "Ghi chú"
    if parent:
        both = key(f"{parent} {text}")
        if both in _INDEX:
            return _INDEX[both]
        if own not in _INDEX or _INDEX[own] in ("collected_day", "collected", "returned"):
            loose = _loose(both, full_key(f"{parent} {text}"))
            if loose and loose not in ("commune", "district", "province", "commune_code", "date"):
                return loose
    if own in _INDEX:
        return _INDEX[own]
    if not own:
        return None
    return _loose(own, full_key(text))


# What a PDF reader puts after a cell's text that its clip cut at the cell's edge.
CUT_MARK = "…"


@lru_cache(maxsize=1 << 12)
def _cut_match(stem: str, parent=None) -> str | None:
    """The field a header cut at its cell's edge ("Số người đủ điều k…") names: the one field
    every header that begins with what is left would be read as, or None (said at the
    column) when one of them would be read otherwise or not at all.

    What changes a header's meaning comes at its end, the part a clip cuts off: "Lũy kế thu
    nh…" may be "Lũy kế thu nhận kỳ trước" (last report's total), "Thu nhận tr…" "Thu nhận
    trong tuần" (a week's count), "Số n…" "Số người chưa thu nhận".  Read by the listed
    header it began like, each was stored as the running total or the day's figure.  The
    headers tried are the listed ones and their beginnings followed by the words of
    `CUT_OFF_WORDS` (once or twice), each read with the parent heading as a whole header
    is ("Trong ngày" over "Số hồ sơ đã thu nh…" is the day's count, never the total)."""
    cut = key(stem)
    if not cut:
        return None
    complete = cut.split()[:-1]  # the last word may be cut in the middle
    bases = {" ".join(p.split()[:i]) for p in _INDEX for i in range(len(p.split()) + 1)}
    bases |= {" ".join(complete[:i]) for i in range(len(complete) + 1)}
    first = {p for p in _INDEX if p.startswith(cut)}
    for base in bases:
        if not (base.startswith(cut) or cut.startswith(base)):
            continue
        for words in CUT_OFF_WORDS:
            text = f"{base} {words}".strip()
            if text.startswith(cut):
                first.add(text)
    named: set[str | None] = set()
    # The listed headers first: two of them apart end it before their longer forms are read.
    for text in [*sorted(first, key=len), *(f"{text} {words}" for text in first for words in CUT_OFF_WORDS)]:
        named.add(match(text, parent))
        if len(named) > 1 or None in named:
            return None
    return named.pop() if named else None


def _one_of(text: str) -> str | None:
    """A place column named two ways at once ("Đơn vị / Điểm thu nhận", "Xã / Cụm"): the one
    place field its parts name, when no part names anything else."""
    named = {_match(part.strip()) for part in text.split("/") if part.strip()}
    named.discard(None)
    if len(named) == 1 and named <= {"commune", "district", "province"}:
        return named.pop()
    return None


def match_record(text) -> str | None:
    """The field a per-record export header names, or None."""
    own = key(text)
    if own in _RECORD_INDEX:
        return _RECORD_INDEX[own]
    if not own:
        return None
    padded = f" {own} "
    if own.startswith(("ngay", "thoi gian")):
        if any(w in padded for w in (" hen ", " sinh ", " cap the ", " het han ")):
            return "birth_date" if " sinh " in padded else None
        if any(
            f" {w} " in padded
            for w in ("thu nhan", "tiep nhan", "nhan ho so", "dang ky", "lap", "lam", "nop")
        ):
            return "received_date"
        if " tra " in padded or " giao the " in padded or " nhan the " in padded:
            return "returned_date"
    if own.startswith(("trang thai", "tinh trang", "ket qua xu ly")):
        return "status"
    if own.startswith(("xa", "phuong", "thi tran", "don vi hanh chinh cap xa", "ten xa")) and (
        "thuong tru" in own or "noi o" in own or "cu tru" in own or own.startswith("ten xa")
    ):
        return "commune"
    if own.startswith(("huyen", "quan")) and ("thuong tru" in own or "cu tru" in own):
        return "district"
    if own.startswith("tinh") and ("thuong tru" in own or "cu tru" in own):
        return "province"
    if own.startswith(("noi o hien", "cho o hien", "noi cu tru hien", "dia chi hien")):
        return "current_address"
    if own.startswith(("noi thuong tru", "dia chi", "noi o", "noi cu tru", "thuong tru")):
        return "address"
    if own.startswith(("ho ten", "ho va ten")):
        return "full_name"
    if own.startswith(("so cmnd", "so cccd", "so dinh danh", "so can cuoc")):
        return "id_number"
    if own.startswith("ngay sinh"):
        return "birth_date"
    return None


def signature(labels) -> str:
    """A stable hash of a header's shape: its folded texts, in order.

    Two files whose headers read the same (whatever their case, diacritics or
    encoding) share a signature, so a column mapping chosen for one applies to the
    next.
    """
    keys = [key(label) for label in labels]
    while keys and not keys[-1]:
        keys.pop()
    return hashlib.sha256("\x1f".join(keys).encode("utf-8")).hexdigest()


# -- parts: a column that counts one priority group, channel … ("Trong đó: người cao tuổi")


def part_field(metric: str, dimension: str | None, label: str) -> str:
    """The layout field of a part column: "part|collected|group|Người cao tuổi"."""
    return f"{PART_PREFIX}|{metric}|{dimension or ''}|{label}"


def parse_part_field(field: str) -> tuple[str, str | None, str] | None:
    """(metric, dimension or None, label) of a part column's field, or None."""
    if not field.startswith(PART_PREFIX + "|"):
        return None
    _, metric, dimension, label = field.split("|", 3)
    return metric, dimension or None, label


def _opens_part(words: str) -> bool:
    return any(words == h or words.startswith(h + " ") for h in PART_HEADINGS)


def part(text, parent=None) -> tuple[str, str | None, str] | None:
    """See `_part`; remembered per (text, parent): a layout tries every cell of its first rows."""
    return _part(None if text is None else str(text), None if parent is None else str(parent))


@lru_cache(maxsize=1 << 16)
def _part(text, parent=None) -> tuple[str, str | None, str] | None:
    """A column counting one part of the commune-day: (metric, dimension, label).

    Under a heading "Trong đó" / "Chia ra" (the parent of a two-row header, or the start of
    the header itself: "Trong đó: người cao tuổi"), the header names the part; a value no
    dimension knows comes back with dimension None (its siblings decide).  Without such a
    heading, only a header that is a known value in full ("Người cao tuổi", "Tổ lưu động")
    is a part.  Parts count the running total ("collected") unless the heading says
    "trong ngày"."""
    own, above = clean(text), clean(parent) if parent else ""
    if not own:
        return None
    heading = _opens_part(own) or _opens_part(above) or above.endswith(" trong do")
    if not heading and (not own or len(own.split()) < 2):
        return None
    metric = "collected_day" if " trong ngay " in f" {own} {above} " else "collected"
    written = " ".join(str(text).split())
    named = dimensions.strip_lead(
        re.sub(r"(?i)^\s*(trong\s+đó|trong\s+số\s+đó|chia\s+ra)\s*[:\-–]?\s*", "", written)
    )
    if heading:
        if not named or clean(named) in ("", "trong do"):
            return None
        hit = dimensions.known(named)
        if hit:
            return metric, hit[0], hit[1]
        if match(named) is not None:
            return None  # "Trong đó: lũy kế" is not a part
        return metric, None, named
    hit = dimensions.exact(written)
    return (metric, *hit) if hit else None


# -- denominators: lists of the people of a group (pupils per school and grade, the
# elderly of a commune, a survey's residents still without a card) -----------------------


def match_denominator(text) -> str | None:
    """school, grade or denominator (a count of people) for a denominator list's header."""
    own = key(text)
    if not own:
        return None
    if own in _DENOMINATOR_INDEX:
        return _DENOMINATOR_INDEX[own]
    padded = f" {full_key(text)} "
    if own.startswith(("so ", "tong so ", "danh sach ")) and (
        denominator_value(text) is not None or any(f" {w} " in padded for w in REMAINING_WORDS)
    ):
        return "denominator"
    if own.startswith(("ten truong", "truong ")):
        return "school"
    return None


def denominator_value(text) -> tuple[str, str] | None:
    """The part a count's header names: "Số người cao tuổi" → (group, Người cao tuổi);
    "Số HS lớp 12" → (group, Học sinh lớp 12)."""
    written = re.sub(r"\(.*?\)", " ", str(text or ""))
    return dimensions.known(written)


def is_remaining(*texts) -> bool:
    """A survey's count of people still without a card ("Số công dân chưa có CCCD")."""
    padded = " " + " ".join(full_key(t) for t in texts if t) + " "
    return any(f" {w} " in padded for w in REMAINING_WORDS)
