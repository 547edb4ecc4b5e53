"""Header vocabulary: the many ways units name the columns of a report.

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
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

from cccd_analytics import dimensions
from cccd_analytics.dimensions import DIMENSIONS
from cccd_analytics.text import fold

FIELDS = (
    "date",
    "province",
    "district",
    "commune",
    "commune_code",
    "eligible",
    "collected",
    "collected_day",
    "returned",
    "returned_day",
    "row_number",
    # breakdown columns: the value of a part (cccd_analytics.dimensions)
    *DIMENSIONS,
)

# Fields a user may map by hand on the upload page (summary tables and record exports).
MAPPABLE_FIELDS = (
    "date",
    "province",
    "district",
    "commune",
    "commune_code",
    "eligible",
    "collected",
    "collected_day",
    "returned",
    "received_date",
    "status",
    "returned_date",
    *DIMENSIONS,
)

RECORD_FIELDS = (
    "age",
    "current_address",
    "channel",
    "application_type",
    "shift",
    "record_id",
    "full_name",
    "birth_date",
    "id_number",
    "gender",
    "phone",
    "address",
    "province",
    "district",
    "commune",
    "received_date",
    "status",
    "returned_date",
)
# What an export is read for; every other column is skipped by the parser.
RECORD_READ_FIELDS = ("province", "district", "commune", "received_date", "status", "returned_date")
# Read too, only to put each application in its parts (cccd_analytics.dimensions) while
# counting: an age or a birth year becomes a priority group, the current residence a
# residence class, the place of receipt a channel.  Never stored, logged or shown.
RECORD_BREAKDOWN_FIELDS = ("birth_date", "age", "current_address", "channel", "application_type", "shift")
PERSONAL_FIELDS = ("record_id", "full_name", "birth_date", "id_number", "gender", "phone", "address")

# Vietnamese labels of the canonical fields, for messages, templates and the mapping UI.
FIELD_LABELS = {
    "date": "Ngày",
    "province": "Tỉnh",
    "district": "Huyện",
    "commune": "Xã",
    "commune_code": "Mã xã",
    "eligible": "Số công dân đủ điều kiện",
    "collected": "Lũy kế thu nhận",
    "collected_day": "Thu nhận trong ngày",
    "returned": "Lũy kế trả thẻ",
    "returned_day": "Trả thẻ trong ngày",
    "row_number": "STT",
    "received_date": "Ngày thu nhận",
    "status": "Trạng thái",
    "returned_date": "Ngày trả thẻ",
    "record_id": "Số hồ sơ",
    "full_name": "Họ và tên",
    "birth_date": "Ngày sinh",
    "id_number": "Số CMND/CCCD",
    "gender": "Giới tính",
    "phone": "Số điện thoại",
    "address": "Địa chỉ",
    **dimensions.LABELS,
}

# Abbreviations units use in headers, spelt out word by word after folding.
ABBREVIATIONS = {
    "cd": "cong dan",
    "dk": "dieu kien",
    "lk": "luy ke",
    "hs": "ho so",
    "sl": "so luong",
    "tn": "thu nhan",
    "ts": "tong so",
    "dvhc": "don vi hanh chinh",
    "tt": "thi tran",
    "cmt": "cmnd",
    "cmtnd": "cmnd",
    "p": "phuong",
    "x": "xa",
    "h": "huyen",
    "tx": "thi xa",
    "tp": "thanh pho",
    "sdt": "so dien thoai",
    "dt": "dien thoai",
}

# Exact phrases per field (folded; abbreviations are expanded on both sides).
_EXACT: dict[str, tuple[str, ...]] = {
    "date": (
        "date",
        "ngay",
        "ngay bao cao",
        "ngay so lieu",
        "report date",
        "ngay thang",
        "ngay thang nam",
        "thoi gian",
        "ngay cap nhat",
        "so lieu ngay",
    ),
    "province": ("province", "tinh", "tinh thanh pho", "tinh thanh", "ten tinh"),
    "district": (
        "district",
        "huyen",
        "quan huyen",
        "huyen thi xa thanh pho",
        "huyen thi xa",
        "don vi cap huyen",
        "ten huyen",
        "quan huyen thi xa",
        "huyen thanh thi",
        "huyen thanh pho thi xa",
        "quan huyen thi xa thanh pho",
    ),
    "commune": (
        "commune",
        "ward",
        "xa",
        "xa phuong",
        "xa phuong thi tran",
        "ten xa",
        "ten don vi",
        "don vi",
        "xa phuong tt",
        "dia ban",
        "ten xa phuong",
        "don vi hanh chinh",
        "xa phuong thi tran thuoc huyen",
        "ten xa phuong thi tran",
        "phuong xa",
        "phuong xa thi tran",
        "xa thi tran",
        "don vi xa",
        "cap xa",
        "don vi cap xa",
        "ten don vi hanh chinh",
        "dia ban xa",
        "cong an xa phuong",
        "cong an xa phuong thi tran",
        "xa phuong dac khu",
        "ten xa phuong dac khu",
        "don vi thuc hien",
    ),
    "commune_code": (
        "commune code",
        "commune_code",
        "code",
        "ma xa",
        "ma don vi",
        "ma dvhc",
        "ma",
        "ma so",
        "ma xa phuong",
        "ma don vi hanh chinh",
        "ma hanh chinh",
    ),
    "eligible": (
        "eligible",
        "so cong dan du dieu kien",
        "so cong dan tu 14 tuoi tro len",
        "so cong dan du dieu kien cap cccd",
        "dan so tu 14 tuoi",
        "dan so tu 14 tuoi tro len",
        "cong dan du dieu kien",
        "du dieu kien",
        "so nhan khau du dieu kien",
        "tong so cong dan du dieu kien",
        "so cong dan thuoc dien cap",
        "so cong dan thuoc dien cap cccd",
        "doi tuong du dieu kien",
        "so doi tuong du dieu kien",
        "so nguoi du dieu kien",
        "so cong dan phai cap",
        "tong so cong dan phai thu nhan",
    ),
    "collected": (
        "collected",
        "luy ke",
        "luy ke thu nhan",
        "tong so da thu nhan",
        "da thu nhan",
        "so ho so da thu nhan",
        "tong so ho so da thu nhan",
        "luy ke ho so",
        "luy ke tu dau dot",
        "luy ke thu nhan ho so",
        "tong thu nhan",
        "ket qua thu nhan ho so luy ke",
        "thu nhan luy ke",
        "tong so thu nhan",
        "tong so ho so",
        "tong so ho so thu nhan",
        "luy ke den nay",
        "so ho so thu nhan luy ke",
        "luy ke tu dau chien dich",
        "tong cong da thu nhan",
        "collected cumulative",
        "cumulative",
    ),
    "collected_day": (
        "collected day",
        "collected_day",
        "trong ngay",
        "thu nhan trong ngay",
        "so ho so trong ngay",
        "ket qua thu nhan ho so trong ngay",
        "thu nhan trong ngay ho so",
        "ket qua trong ngay",
        "hom nay",
        "thu nhan hom nay",
        "so thu nhan trong ngay",
        "daily",
    ),
    "returned": (
        "returned",
        "luy ke tra the",
        "da tra the",
        "so the da tra",
        "tra the",
        "tra the luy ke",
        "da tra",
        "so the da tra cho cong dan",
        "the da tra",
        "da tra the cho cong dan",
        "luy ke da tra the",
        "da tra the cccd",
        "so luong the da tra",
        "da giao the",
        "the da trao",
        "da trao the",
        "tra the cho cong dan",
    ),
    "returned_day": ("tra the trong ngay", "da tra the trong ngay", "so the tra trong ngay"),
    "row_number": ("stt", "tt", "so tt", "so thu tu", "thu tu", "no"),
    # Breakdown columns (the cell holds the part's value: "Người cao tuổi", "Tổ lưu động").
    "group": (
        "group",
        "nhom doi tuong",
        "doi tuong",
        "nhom",
        "doi tuong uu tien",
        "nhom uu tien",
        "nhom doi tuong uu tien",
        "priority group",
    ),
    "channel": (
        "channel",
        "hinh thuc thu nhan",
        "hinh thuc",
        "kenh thu nhan",
        "noi thu nhan",
        "dia diem thu nhan",
        "hinh thuc tiep nhan",
    ),
    "residence": ("residence", "noi cu tru", "dien cu tru", "cu tru", "phan loai cu tru"),
    "application_type": (
        "application type",
        "application_type",
        "loai cap",
        "loai ho so",
        "hinh thuc cap",
        "loai cap the",
        "loai thu tuc",
    ),
    "shift": ("shift", "ca thu nhan", "ca lam viec", "ca", "khung gio", "buoi", "thoi diem thu nhan"),
}

_RECORD_EXACT: dict[str, tuple[str, ...]] = {
    "record_id": (
        "so ho so",
        "ma ho so",
        "so bien nhan",
        "ma bien nhan",
        "ma giao dich",
        "so phieu",
        "ma so ho so",
        "record id",
        "application id",
    ),
    "full_name": (
        "ho va ten",
        "ho ten",
        "ho ten cong dan",
        "ten cong dan",
        "ho va ten cong dan",
        "full name",
        "name",
    ),
    "birth_date": (
        "ngay sinh",
        "ngay thang nam sinh",
        "nam sinh",
        "sinh ngay",
        "date of birth",
        "birth date",
        "dob",
    ),
    "id_number": (
        "so cmnd",
        "so cccd",
        "so cmnd cccd",
        "so cccd cmnd",
        "so dinh danh",
        "so dinh danh ca nhan",
        "cmnd",
        "cccd",
        "cmnd cccd",
        "so giay to",
        "so cmnd cu",
        "id number",
        "so can cuoc",
        "so can cuoc cong dan",
    ),
    "gender": ("gioi tinh", "gender", "sex"),
    "phone": ("so dien thoai", "dien thoai", "phone"),
    "address": (
        "dia chi",
        "noi thuong tru",
        "dia chi thuong tru",
        "que quan",
        "dia chi thuong tru day du",
        "address",
    ),
    "province": ("tinh", "tinh thuong tru", "tinh thanh pho", "tinh thanh pho thuong tru", "province"),
    "district": (
        "huyen",
        "quan huyen",
        "huyen thuong tru",
        "quan huyen thuong tru",
        "quan huyen thi xa thuong tru",
        "district",
    ),
    "commune": (
        "xa",
        "xa phuong",
        "xa phuong thi tran",
        "xa phuong thuong tru",
        "xa thuong tru",
        "phuong xa thuong tru",
        "xa phuong thi tran thuong tru",
        "phuong xa",
        "xa phuong noi thuong tru",
        "noi thuong tru xa phuong",
        "commune",
        "ward",
        "xa phuong dac khu thuong tru",
    ),
    "received_date": (
        "ngay thu nhan",
        "ngay tiep nhan",
        "ngay nhan ho so",
        "ngay thu nhan ho so",
        "thoi gian thu nhan",
        "ngay nhan",
        "ngay dang ky",
        "ngay lam ho so",
        "ngay tiep nhan ho so",
        "received",
        "received date",
        "ngay lap ho so",
    ),
    "status": (
        "trang thai",
        "tinh trang",
        "trang thai ho so",
        "tinh trang ho so",
        "trang thai the",
        "tinh trang the",
        "status",
    ),
    "age": ("tuoi", "do tuoi", "so tuoi", "age"),
    "current_address": (
        "noi o hien tai",
        "noi o hien nay",
        "cho o hien tai",
        "cho o hien nay",
        "noi cu tru hien tai",
        "dia chi hien tai",
        "dia chi noi o hien tai",
        "current address",
    ),
    "channel": (
        "noi thu nhan",
        "dia diem thu nhan",
        "diem thu nhan",
        "hinh thuc thu nhan",
        "noi tiep nhan",
        "dia diem tiep nhan",
        "don vi thu nhan",
        "to thu nhan",
        "noi lam ho so",
        "channel",
    ),
    "application_type": (
        "loai cap",
        "loai ho so",
        "hinh thuc cap",
        "loai thu tuc",
        "ly do cap",
        "loai de nghi",
        "application type",
    ),
    "shift": ("ca thu nhan", "ca lam viec", "ca", "khung gio", "shift"),
    "returned_date": (
        "ngay tra the",
        "ngay tra",
        "ngay tra ket qua",
        "ngay giao the",
        "ngay cong dan nhan the",
        "ngay nhan the",
        "returned date",
    ),
}


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


_INDEX = {_expand(p): f for f, phrases in _EXACT.items() for p in phrases}
_RECORD_INDEX = {_expand(p): f for f, phrases in _RECORD_EXACT.items() for p in phrases}


# -- words ---------------------------------------------------------------------------------
#
# Headers nobody listed above are read by their words: a unit word says which place column
# it is, measure words say which count.  The words come from the forms and reports units
# exchange (Bộ Công an's CCCD progress forms, provincial "báo cáo tiến độ" templates,
# commune police daily reports and the issuing system's exports), folded and with the
# abbreviations above spelt out.  A phrase matches whole words only ("xa" is not in "xac
# nhan").  To teach the tool a new wording, add its words here; to add a column kind, add
# a rule to `RULES`.
WORDS: dict[str, tuple[str, ...]] = {
    # not a count of people or applications: shares, differences, notes, plans
    "not_a_count": (
        "ty le",
        "%",
        "phan tram",
        "chua",
        "con lai",
        "con thieu",
        "ghi chu",
        "so sanh",
        "tang giam",
        "xep hang",
        "thu hang",
        "binh quan",
        "trung binh",
        "ke hoach",
        "chi tieu",
        "don vi tinh",
        "dvt",
        "nguyen nhan",
        "ly do",
    ),
    # the day's figure
    "today": (
        "trong ngay",
        "hom nay",
        "ngay hom nay",
        "hang ngay",
        "theo ngay",
        "tung ngay",
        "moi ngay",
        "ngay bao cao",
    ),
    # a running total
    "cumulative": ("luy ke", "cong don", "tu dau", "den nay", "den ngay", "tong so", "tong cong", "tong"),
    # a running total on its own ("Lũy kế", "Cộng dồn từ đầu đợt"): of applications
    "running": ("luy ke", "cong don", "tu dau"),
    # cards handed to citizens
    "returned": (
        "tra the",
        "the da tra",
        "da tra",
        "giao the",
        "trao the",
        "tra cho cong dan",
        "tra ket qua",
        "nhan the",
        "the da giao",
        "the da trao",
    ),
    # cards not handed over yet
    "pending_return": ("cho tra", "chua tra", "hen tra", "chua giao"),
    # the people who should apply (the denominator)
    "eligible": (
        "du dieu kien",
        "14 tuoi",
        "trong do tuoi",
        "do tuoi",
        "thuoc dien",
        "phai cap",
        "phai lam",
        "phai thu nhan",
        "can cap",
        "can lam",
        "can thu nhan",
        "doi tuong",
        "nhan khau",
        "dan so tu",
    ),
    # applications taken in
    "collected": (
        "thu nhan",
        "tiep nhan",
        "lam ho so",
        "nhan ho so",
        "thu thap",
        "chup anh",
        "lay van tay",
        "da cap nhat ho so",
        "ho so da",
        "ho so thu",
    ),
    "applications": ("ho so",),
    # place columns: the word that opens the header ("Tên xã/phường", "Công an xã")
    "commune": (
        "xa",
        "phuong",
        "thi tran",
        "don vi hanh chinh",
        "dia ban",
        "don vi",
        "dac khu",
        "cap xa",
        "co so",
    ),
    "district": ("huyen", "quan", "thi xa", "thanh pho", "cap huyen"),
    "province": ("tinh",),
    # breakdown columns: the cell names a part (a priority group, a channel …)
    "group_column": ("nhom doi tuong", "doi tuong uu tien", "nhom uu tien"),
    "channel_column": (
        "hinh thuc thu nhan",
        "hinh thuc tiep nhan",
        "kenh thu nhan",
        "dia diem thu nhan",
        "noi thu nhan",
    ),
    "residence_column": ("noi cu tru", "dien cu tru", "phan loai cu tru"),
    "application_type_column": ("loai cap", "loai ho so", "hinh thuc cap"),
    "shift_column": ("ca thu nhan", "ca lam viec", "khung gio"),
    # words that may stand before a place word ("Tên xã", "Công an phường", "Danh sách xã")
    "report_date": ("ngay bao cao", "ngay so lieu", "ngay cap nhat", "ngay tong hop", "ngay thong ke"),
}


def _has(padded: str, group: str) -> bool:
    return any(f" {w} " in padded for w in WORDS[group])


# Words that may join the unit words of a place header ("Tên xã, phường thuộc huyện").
_PLACE_GLUE = frozenset("ten cong an danh sach ds thuoc cua cap va hoac truc tren hanh chinh don vi".split())


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
            if tokens[i] not in _PLACE_GLUE:
                return None
            i += 1
    if first is None:
        return "commune_code" if code and tokens[-1:] in (["chinh"], ["vi"]) else None
    return "commune_code" if code else first


#: The rules a header's words are read by, in order: (field, groups it must have, groups it
#: must not have).  The first rule that fits names the field.
RULES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    # A breakdown column's header ("Hình thức thu nhận hồ sơ") says "thu nhận" too: first.
    ("group", ("group_column",), ("commune",)),
    ("channel", ("channel_column",), ("commune",)),
    ("residence", ("residence_column",), ("commune",)),
    ("application_type", ("application_type_column",), ("commune",)),
    ("shift", ("shift_column",), ("commune",)),
    ("returned_day", ("returned", "today"), ("pending_return",)),
    ("returned", ("returned",), ("pending_return",)),
    ("collected_day", ("collected", "today"), ()),
    ("collected", ("collected",), ()),
    ("collected_day", ("applications", "today"), ()),
    ("collected", ("applications", "cumulative"), ()),
    ("eligible", ("eligible",), ()),
    ("collected_day", ("today",), ("report_date",)),
    ("collected", ("running",), ()),
)


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


def _match(text, parent=None) -> str | None:
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

#: Words that open the heading of a table's part columns ("Trong đó", "Chia ra").
PART_HEADINGS = ("trong do", "trong so do", "trong so", "chia ra", "phan theo", "bao gom", "chi tiet theo")
PART_PREFIX = "part"


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

DENOMINATOR_FIELDS = ("school", "grade", "denominator")
_DENOMINATOR_EXACT = {
    "school": ("truong", "ten truong", "truong hoc", "co so giao duc", "ten co so giao duc", "school"),
    "grade": ("lop", "khoi", "khoi lop", "lop hoc", "grade"),
    "denominator": (
        "si so",
        "so luong",
        "so nguoi",
        "tong so",
        "so hoc sinh",
        "tong so hoc sinh",
        "so cong dan",
        "denominator",
        "count",
    ),
}
_DENOMINATOR_INDEX = {p: f for f, phrases in _DENOMINATOR_EXACT.items() for p in phrases}
#: Words of a count that is of the people still to serve (a survey), not of a whole group.
REMAINING_WORDS = (
    "chua co",
    "chua duoc cap",
    "chua lam",
    "chua cap",
    "ra soat",
    "con thieu",
    "chua thu nhan",
)


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
