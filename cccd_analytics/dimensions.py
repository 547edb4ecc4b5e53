"""Breakdown dimensions: who was served (priority group), where (channel), from where
(residence), what for (application type) and when (shift).

A report may split a commune-day's applications along any of these.  Values are open
text: a value is matched case- and diacritic-insensitively (with common abbreviations and
wordings) to the labels below, and a value nobody listed is kept as written.  This
module knows the words only; how parts and totals are reconciled is `ingest.parts`, what
the figures are is `analytics.breakdowns`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from cccd_analytics.text import fold

#: The dimensions, in the order they are shown.
DIMENSIONS = ("group", "channel", "residence", "application_type", "shift")

#: Vietnamese name of each dimension (the canonical column header).
LABELS = {
    "group": "Nhóm đối tượng",
    "channel": "Hình thức thu nhận",
    "residence": "Nơi cư trú",
    "application_type": "Loại cấp",
    "shift": "Ca thu nhận",
}

#: Dimensions every application has exactly one value of: their parts, added up, are the
#: whole.  A priority group is not such a dimension (most citizens belong to none).
EXHAUSTIVE = frozenset({"channel", "residence", "application_type", "shift"})


@dataclass(frozen=True)
class Value:
    label: str
    words: tuple[str, ...] = ()  # other wordings, folded
    parent: str | None = None  # a finer value of another one ("Học sinh lớp 12" of "Học sinh")


# Residence classes (their labels are used by the analytics, so named once here).
IN_PROVINCE = "Trong tỉnh"
OUTSIDE = "Cư trú ngoại tỉnh"  # permanent residents of here who live in another province
FROM_ELSEWHERE = "Tỉnh khác cư trú tại địa bàn"  # residents of other provinces served here

ELDERLY = "Người cao tuổi"
MERIT = "Người có công"
VETERANS = "Lão thành cách mạng"
PUPILS = "Học sinh"
SICK = "Người ốm yếu, khuyết tật"
OFFICIALS = "Cán bộ"
MOBILE = "Tổ lưu động"
AT_OFFICE = "Tại trụ sở"
AT_SCHOOL = "Tại trường học"
AT_HOME = "Tại nhà"

KNOWN: dict[str, tuple[Value, ...]] = {
    "group": (
        Value(
            ELDERLY,
            (
                "nguoi gia",
                "cao tuoi",
                "nct",
                "nguoi tu 60 tuoi",
                "nguoi tren 60 tuoi",
                "tu 60 tuoi tro len",
                "nguoi cao tuoi tu 60 tuoi",
                "elderly",
            ),
        ),
        Value(
            MERIT,
            (
                "nguoi co cong voi cach mang",
                "co cong",
                "nguoi co cong cach mang",
                "gia dinh chinh sach",
                "doi tuong chinh sach",
                "thuong binh liet si",
            ),
        ),
        Value(VETERANS, ("lao thanh", "can bo lao thanh", "lao thanh cm", "ltcm"), parent=MERIT),
        Value(PUPILS, ("hs", "hoc sinh sinh vien", "hoc sinh, sinh vien", "pupils", "students")),
        Value(
            SICK,
            (
                "nguoi om yeu",
                "nguoi khuyet tat",
                "om yeu khuyet tat",
                "nguoi om yeu khuyet tat",
                "nguoi om khuyet tat",
                "om dau khuyet tat",
                "nguoi om dau",
                "om yeu",
                "khuyet tat",
                "nguoi benh",
                "nguoi om yeu, khuyet tat",
            ),
        ),
        Value(
            OFFICIALS,
            (
                "can bo cong chuc",
                "can bo cong chuc vien chuc",
                "can bo, cong chuc, vien chuc",
                "cbcc",
                "cbccvc",
                "lanh dao dia phuong",
                "can bo lanh dao",
            ),
        ),
    ),
    "channel": (
        Value(
            AT_OFFICE,
            (
                "tru so",
                "diem co dinh",
                "tai diem co dinh",
                "tai tru so cong an",
                "tai ubnd xa",
                "tai tru so ubnd",
                "tru so diem co dinh",
                "co dinh",
                "tai cho",
                "tai bo phan mot cua",
                # The police station named ("Tại trụ sở Công an xã"), the fixed point spelt out
                # ("Tại điểm cấp cố định"): under a running total split by channel, unknown
                # words left the office's column read as the whole, the others dropped.
                "tai tru so cong an xa",
                "tai tru so cong an phuong",
                "tai tru so cong an thi tran",
                "tai tru so cong an huyen",
                "tai cong an xa",
                "tai cong an phuong",
                "tai cong an huyen",
                "tai diem cap co dinh",
                "diem cap co dinh",
                "tai diem thu nhan co dinh",
                "diem thu nhan co dinh",
            ),
        ),
        Value(AT_SCHOOL, ("truong hoc", "tai truong", "tai cac truong", "tai truong hoc")),
        Value(
            MOBILE,
            (
                "luu dong",
                "thu nhan luu dong",
                "to luu dong",
                "cac to luu dong",
                "tai thon ban",
                "tai thon, ban",
                "doi luu dong",
            ),
        ),
        Value(AT_HOME, ("tai nha", "tai gia", "den nha", "tai nha cong dan", "tai nha rieng")),
    ),
    "residence": (
        Value(
            IN_PROVINCE,
            (
                "thuong tru trong tinh",
                "trong tinh",
                "tai dia phuong",
                "thuong tru tai dia ban",
                "thuong tru tren dia ban",
                "thuong tru tai xa",
                "thuong tru tai phuong",
            ),
        ),
        Value(
            OUTSIDE,
            (
                "thuong tru o day nhung cu tru ngoai tinh",
                "cu tru o tinh khac",
                "dang o ngoai tinh",
                "cu tru ngoai tinh",
                "nguoi dia phuong o ngoai tinh",
                "thuong tru tai dia ban cu tru ngoai tinh",
            ),
        ),
        Value(
            FROM_ELSEWHERE,
            (
                "cu tru tai day nhung thuong tru tinh khac",
                "thuong tru tinh khac",
                "tinh khac",
                "nguoi tinh khac",
                "tinh khac cu tru tai dia ban",
                "ngoai tinh cu tru tai dia ban",
            ),
        ),
    ),
    "application_type": (
        Value("Cấp mới", ("cap lan dau", "lam moi", "moi", "cap moi")),
        Value("Cấp đổi", ("doi", "doi the", "cap doi tu cmnd", "doi tu cmnd", "cap doi")),
        Value("Cấp lại", ("lai", "lam lai", "cap lai do mat", "cap lai")),
    ),
    "shift": (
        Value("Giờ hành chính", ("trong gio", "trong gio hanh chinh", "ban ngay", "gio hanh chinh")),
        Value(
            "Ngoài giờ, ban đêm",
            (
                "ngoai gio",
                "ban dem",
                "ngoai gio hanh chinh",
                "buoi toi",
                "lam dem",
                "ngoai gio ban dem",
                "ngoai gio / ban dem",
                "ca dem",
            ),
        ),
        Value(
            "Ngày nghỉ",
            (
                "ngay nghi",
                "thu bay chu nhat",
                "ngay le",
                "cuoi tuan",
                "ngay nghi le",
                # Written with the day's number: "Thứ 7, Chủ nhật", "T7, CN".
                "thu 7 chu nhat",
                "thu 7 cn",
                "t7 cn",
                "thu 7 chu nhat ngay le",
                "thu bay chu nhat ngay le",
            ),
        ),
    ),
}

_GRADE = re.compile(r"^(?:hoc sinh |hs )?(?:lop|khoi) (\d{1,2})$")


def _key(text: str) -> str:
    """Folded, punctuation as spaces: the comparison key of a value."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(text)).split())


def _index() -> dict[tuple[str, str], str]:
    out = {}
    for dimension, values in KNOWN.items():
        for value in values:
            out[(dimension, _key(value.label))] = value.label
            for word in value.words:
                out.setdefault((dimension, _key(word)), value.label)
    return out


_INDEX = _index()
_BY_KEY: dict[str, list[tuple[str, str]]] = {}
for (_dimension, _k), _label in _INDEX.items():
    _BY_KEY.setdefault(_k, []).append((_dimension, _label))
# Words that open a part's header or row and say nothing about the value.
_LEAD = re.compile(
    r"^(?:trong do|trong so|chia ra|gom|bao gom|phan theo|theo|so ho so|ho so|so|cua|"
    r"doi tuong|nhom|thu nhan|da thu nhan|luy ke)\s+"
)


def strip_lead(text: str) -> str:
    """A part's label without "Trong đó:", "- ", "+ ", "a)" or "Số hồ sơ": the value named."""
    text = unicodedata.normalize("NFC", str(text)).strip()
    text = re.sub(r"^(?:[-+*•·–]+|[a-zđ]\)|\d{1,2}[.)])\s*", "", text, flags=re.IGNORECASE)
    return text.strip(" :;-")


@lru_cache(maxsize=4096)
def grade(text: str) -> int | None:
    """ "Học sinh lớp 12", "Lớp 12", "Khối 12", "HS lớp 12" → 12."""
    found = _GRADE.match(_key(strip_lead(text)))
    return int(found.group(1)) if found and 1 <= int(found.group(1)) <= 12 else None


def pupils_of_grade(n: int) -> str:
    return f"{PUPILS} lớp {n}"


@lru_cache(maxsize=4096)
def known(text: str, dimension: str | None = None) -> tuple[str, str] | None:
    """(dimension, label) of a value the product knows, or None.  Without `dimension`, a
    value that names a label of exactly one dimension."""
    found = _known(text, dimension)
    if found is None and "(" in text:
        # "Tại nhà (người già, ốm đau)": the value with a note on whom it serves.
        bare = re.sub(r"\([^)]*\)", " ", text).strip()
        if bare and bare != text.strip():
            return _known(bare, dimension)
    return found


def _known(text: str, dimension: str | None) -> tuple[str, str] | None:
    key = _key(strip_lead(text))
    while True:
        found = _GRADE.match(key)
        n = int(found.group(1)) if found and 1 <= int(found.group(1)) <= 12 else None
        if n is not None and dimension in (None, "group"):
            return "group", pupils_of_grade(n)
        if dimension is not None:
            label = _INDEX.get((dimension, key))
            if label:
                return dimension, label
        else:
            hits = {d for d, _ in _BY_KEY.get(key, [])}
            if len(hits) == 1:
                return _BY_KEY[key][0]
        shorter = _LEAD.sub("", key)
        if shorter == key or not shorter:
            return None
        key = shorter


def exact(text: str) -> tuple[str, str] | None:
    """(dimension, label) of a text that is a known label or wording in full (no "Số",
    "Trong đó" or other words around it), or None."""
    n = grade(text)
    key = _key(text)
    if n is not None and key == _key(pupils_of_grade(n)):
        return "group", pupils_of_grade(n)
    hits = _BY_KEY.get(key, [])
    if not hits and "(" in text:
        # "Tại nhà (người già, ốm đau)": the value in full, with a note on whom it serves.
        hits = _BY_KEY.get(_key(re.sub(r"\([^)]*\)", " ", text)), [])
    return hits[0] if len({d for d, _ in hits}) == 1 else None


def canonical(dimension: str, text) -> str | None:
    """The value a cell gives for `dimension`: a known label, or the text as written (spaces
    squeezed, NFC) when nobody listed it; None for an empty cell."""
    if text is None:
        return None
    raw = " ".join(unicodedata.normalize("NFC", str(text)).split())
    if not raw or raw in ("-", "—", "x"):
        return None
    hit = known(raw, dimension)
    return hit[1] if hit else strip_lead(raw) or raw


def parent(dimension: str, value: str) -> str | None:
    """The coarser value `value` is part of ("Học sinh lớp 12" → "Học sinh"), or None."""
    if dimension != "group":
        return None
    if grade(value) is not None:
        return PUPILS
    for item in KNOWN["group"]:
        if item.label == value:
            return item.parent
    return None


def labels(dimension: str) -> list[str]:
    """The known labels of a dimension, in their order."""
    return [v.label for v in KNOWN.get(dimension, ())]


def order_key(dimension: str, value: str) -> tuple:
    """Known labels first in their order (a grade after its parent), new values after."""
    known_labels = labels(dimension)
    n = grade(value) if dimension == "group" else None
    if n is not None:
        return (known_labels.index(PUPILS), 1, n, value)
    if value in known_labels:
        return (known_labels.index(value), 0, 0, value)
    return (len(known_labels), 0, 0, fold(value))


def same(a: str, b: str) -> bool:
    """Two written values that are the same once case, diacritics and punctuation go."""
    return _key(a) == _key(b)


# -- what a per-record export says, as parts -----------------------------------------------


@lru_cache(maxsize=1 << 14)
def channel_of_place(text: str) -> str | None:
    """The channel of a place of receipt as an issuing system writes it: "Trường THPT Kỳ
    Anh" → Tại trường học; "Tổ lưu động số 3", "Điểm thu nhận thôn 5" → Tổ lưu động;
    "Tại nhà công dân" → Tại nhà; "Công an xã Kỳ Đồng", "Bộ phận một cửa UBND" → Tại trụ
    sở.  A place none of these words fit is kept as written."""
    written = " ".join(str(text or "").split())
    if not written:
        return None
    hit = known(written, "channel")
    if hit:
        return hit[1]
    words = f" {_key(written)} "
    if any(w in words for w in (" tai nha ", " nha cong dan ", " tai gia ", " nha rieng ")):
        return AT_HOME
    if any(w in words for w in (" luu dong ", " thon ", " ban ", " xom ", " to dan pho ", " khoi ")):
        return MOBILE
    if any(w in words for w in (" truong ", " thpt ", " thcs ", " tieu hoc ", " hoc sinh ")):
        return AT_SCHOOL
    if any(
        w in words for w in (" cong an ", " ubnd ", " uy ban ", " tru so ", " mot cua ", " bo phan ", " ca ")
    ):
        return AT_OFFICE
    return written


#: Age from which a citizen counts as elderly (Luật Người cao tuổi 2009: 60 and over).
ELDERLY_AGE = 60
#: The grades whose pupils campaigns serve first — those about to sit the exams into grade 10
#: and for graduation — and the only ones an age is turned into (the others would be a
#: guess the leaders do not ask for).
EXAM_GRADES = (9, 12)


def group_of_age(years: int, month: int) -> str | None:
    """The priority group a citizen's age puts them in, as an export gives it (an age, or
    the received year minus the birth year): 60 and over, elderly; from 14, of the age of
    an exam grade (9 or 12), a pupil of that grade (the school year turns in September:
    born 2005, grade 12 until August 2023).  An estimate from age alone (docs/import.md)."""
    if years >= ELDERLY_AGE:
        return ELDERLY
    grade_now = years - 6 + (1 if month >= 9 else 0)
    if 14 <= years and grade_now in EXAM_GRADES:
        return pupils_of_grade(grade_now)
    return None
