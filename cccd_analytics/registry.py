"""The official registry of administrative units (GSO codes, 2019 census population).

Two hierarchies live side by side:

* three levels (province → district → commune), the units in force before 1/7/2025.
  Their key is the bare GSO code ("18775", "412", "40").
* two levels (province → commune), the units in force from 1/7/2025.  GSO reused
  some old commune codes for new units (18766 was Xã Kỳ Phong and is now Xã Kỳ Xuân),
  so their key carries the vintage: "2025:18766".

Units a data file names that are not in the registry are accepted and flagged
(`official = False`); `unofficial_key` gives them a stable key.

The CSVs are copies of ../shared/data/vn_admin (see data/vn_admin/SOURCES.md for
origins and licences).
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import itertools
import re
import unicodedata
from collections import namedtuple
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from cccd_analytics.text import fold

if TYPE_CHECKING:  # imported where the registry is built: the store's start-up check needs none
    import pandas as pd

from cccd_analytics.text import spelling_differences, spelling_iy, spelling_key, spelling_words

DATA_DIR = Path(__file__).resolve().parent / "data" / "vn_admin"

# Share of the population aged 14 and over (eligible for a CCCD card).  The 2019
# census put 24.3% of people at 0–14; one-fifteenth of that band is the 14-year-olds,
# so about 22.7% are under 14 and 77.3% are 14+.  Mountain districts are younger.
ELIGIBLE_SHARE_14PLUS = 0.772
ELIGIBLE_SHARE_14PLUS_MOUNTAIN = 0.72

# District-level tag for the six Nghệ An districts with a border on Laos, and the
# commune-level tag their communes carry (the campaign's "xã biên giới" milestone).
TAG_BORDER = "biên giới"
TAG_BORDER_DISTRICT = "huyện biên giới"

LEVELS = ("province", "district", "commune")
# Two-level local government (province → commune) from this day.
REFORM_DATE = date(2025, 7, 1)
# Nghệ An's communes merged, renamed and moved between districts by NQ 1243/NQ-UBTVQH15 from
# this day (the mappings' `name_2025_01`); the registry's three-level list stays 2023's.
INTERIM_DATE = date(2024, 12, 1)
UNIT_COLUMNS = [
    "key",
    "code",
    "name",
    "level",
    "unit_type",
    "parent_key",
    "province_key",
    "district_key",
    "hierarchy",
    "population",
    "eligible_estimate",
    "tags",
    "official",
]


def key_2025(code: str) -> str:
    """Key of a unit of the two-level hierarchy (from 1/7/2025)."""
    return f"2025:{code}"


def unofficial_key(province: str, district: str | None, commune: str) -> str:
    """Stable key for a unit that is not in the registry."""
    # Spelt out and tidied ("X. Lập Mới", "Xã Lập Mới (cũ)" → "xa lap moi"; "P.01", "P1" →
    # "phuong 1"): one unit however it is typed.  A name typed in full gives the key it
    # always had (fold of "Xã Lập Mới" is already "xa lap moi").
    text = "|".join(_fold_name(expand(x) if x else "") for x in (province, district, commune))
    return "x:" + hashlib.sha1(text.encode()).hexdigest()[:10]


@lru_cache(maxsize=1 << 16)
def _fold_name(name: str) -> str:
    """fold, remembered: place names repeat (a province's name on each of its rows)."""
    return fold(name)


def _eligible(population: pd.Series, mountain: pd.Series) -> pd.Series:

    share = mountain.map({True: ELIGIBLE_SHARE_14PLUS_MOUNTAIN, False: ELIGIBLE_SHARE_14PLUS})
    return (population * share).round().astype("Int64")


def _read(name: str) -> pd.DataFrame:
    """A shipped CSV as text (Python str, empty cells as ""): the csv module, not
    pandas' reader, for these few small files (the registry is built in every process)."""
    import pandas as pd

    with open(DATA_DIR / name, newline="", encoding="utf-8-sig") as handle:
        rows = csv.reader(handle)
        names = next(rows)
        columns = list(zip(*rows)) or [()] * len(names)
    return pd.DataFrame({n: pd.Series(c, dtype=object) for n, c in zip(names, columns)})


@lru_cache(maxsize=1)
def _merged_units() -> tuple[tuple[str, str], ...]:
    """(name, key of the commune it became) of each commune merged before the registry's
    day (2019–2020), from the registry's own notes ("sum of 2019 units: Xã Diễn Minh (2811);
    …")."""
    out: list[tuple[str, str]] = []
    for name in _COMMUNE_FILES:
        frame = _read(name)
        for code, note in zip(frame["commune_code"], frame["population_note"]):
            if "sum of 2019 units:" not in note:
                continue
            for part in note.split(":", 1)[1].split(";"):
                # "Xã Vân Diên (13205)": a unit with its population.  The note goes on in
                # words after the list ("approx: excludes hamlets 4-5 …"), which name none.
                named = re.fullmatch(r"\s*(.+?)\s*\(\d+\)\s*", part)
                if named:
                    out.append((named.group(1), code))
    return tuple(out)


@lru_cache(maxsize=1)
def merged_before() -> dict[str, list[str]]:
    """Communes merged before the registry's day (2019–2020), by their bare name: the keys
    of the communes they became.  A report that still uses the old name is told what it
    became."""
    out: dict[str, list[str]] = {}
    for name, code in _merged_units():
        out.setdefault(bare(name), []).append(code)
    return out


def an_old_name_fits(commune: str, key: str, homes: set[str]) -> bool:
    """Whether `commune` fits as well a commune merged away before the registry's day into a
    unit of the districts `homes` (the row's, or its province's all), under a name that is
    not that of the unit `key`: "Xa Hung Tien" under Huyện Hưng Nguyên is its own Xã Hưng
    Tiến (merged in 2019) typed without marks as much as Nam Đàn's Xã Hùng Tiến next door,
    so it names neither for sure.  "Xã Thạch Giám", whose name the town it was merged into
    took, is that town.  Only for the registry's units of before 1/7/2025: a report of the
    two-level units does not name a commune gone six years before."""
    typed = bare(commune)
    reg = load_registry()
    if typed not in merged_before() or str(reg.at[key, "hierarchy"]) != "3":
        return False
    official = str(reg.at[key, "name"])
    return any(
        bare_exact(name) != bare_exact(official)
        and str(reg.at[into, "district_key"]) in homes
        and (spelled(name) == spelled(commune) or _fits_plain(commune, name))
        for name, into in _merged_units()
        if bare(name) == typed and into in reg.index
    )


def _rows(frame: pd.DataFrame):
    """frame.itertuples(), built from each column's list: itertuples reads Arrow-backed
    text cell by cell, which was a fifth of building the registry and its index."""

    row = namedtuple("Row", ["Index", *frame.columns])
    return itertools.starmap(row, zip(frame.index.tolist(), *(frame[c].tolist() for c in frame.columns)))


# Every province of Vietnam by name: the 63 before 1/7/2025 (the 34 after it kept names
# among these) and Thành phố Huế (Thừa Thiên Huế from 1/1/2025).  The registry holds two of
# them; the others are named so that a place written under one of them ("Xã Diễn Kim, Huyện
# Diễn Châu, Thanh Hóa": a resident of Thanh Hóa) is known to be outside the registry, never
# its namesake in Nghệ An, even where a unit of the registry shares the province's name
# ("Xã Thanh Hòa" of Thanh Chương).
COUNTRY_PROVINCES = (
    "Thành phố Hà Nội", "Tỉnh Hà Giang", "Tỉnh Cao Bằng", "Tỉnh Bắc Kạn", "Tỉnh Tuyên Quang",
    "Tỉnh Lào Cai", "Tỉnh Điện Biên", "Tỉnh Lai Châu", "Tỉnh Sơn La", "Tỉnh Yên Bái",
    "Tỉnh Hoà Bình", "Tỉnh Thái Nguyên", "Tỉnh Lạng Sơn", "Tỉnh Quảng Ninh", "Tỉnh Bắc Giang",
    "Tỉnh Phú Thọ", "Tỉnh Vĩnh Phúc", "Tỉnh Bắc Ninh", "Tỉnh Hải Dương", "Thành phố Hải Phòng",
    "Tỉnh Hưng Yên", "Tỉnh Thái Bình", "Tỉnh Hà Nam", "Tỉnh Nam Định", "Tỉnh Ninh Bình",
    "Tỉnh Thanh Hóa", "Tỉnh Nghệ An", "Tỉnh Hà Tĩnh", "Tỉnh Quảng Bình", "Tỉnh Quảng Trị",
    "Tỉnh Thừa Thiên Huế", "Thành phố Huế", "Thành phố Đà Nẵng", "Tỉnh Quảng Nam",
    "Tỉnh Quảng Ngãi", "Tỉnh Bình Định", "Tỉnh Phú Yên", "Tỉnh Khánh Hòa", "Tỉnh Ninh Thuận",
    "Tỉnh Bình Thuận", "Tỉnh Kon Tum", "Tỉnh Gia Lai", "Tỉnh Đắk Lắk", "Tỉnh Đắk Nông",
    "Tỉnh Lâm Đồng", "Tỉnh Bình Phước", "Tỉnh Tây Ninh", "Tỉnh Bình Dương", "Tỉnh Đồng Nai",
    "Tỉnh Bà Rịa - Vũng Tàu", "Thành phố Hồ Chí Minh", "Tỉnh Long An", "Tỉnh Tiền Giang",
    "Tỉnh Bến Tre", "Tỉnh Trà Vinh", "Tỉnh Vĩnh Long", "Tỉnh Đồng Tháp", "Tỉnh An Giang",
    "Tỉnh Kiên Giang", "Thành phố Cần Thơ", "Tỉnh Hậu Giang", "Tỉnh Sóc Trăng", "Tỉnh Bạc Liêu",
    "Tỉnh Cà Mau",
)  # fmt: skip


@lru_cache(maxsize=1)
def other_province_names() -> frozenset[str]:
    """The bare names ("thanh hoa") of the country's provinces the registry does not hold."""
    held = {bare(name) for name in _PROVINCES.values()}
    return frozenset(bare(name) for name in COUNTRY_PROVINCES) - held


# The shipped files the registry is built from: one unit per row of each, and a province
# per district file.
_PROVINCES = {"40": "Tỉnh Nghệ An", "42": "Tỉnh Hà Tĩnh"}
_DISTRICT_FILES = {"40": "nghe_an_2023_districts.csv", "42": "ha_tinh_2021_districts.csv"}
_COMMUNE_FILES = ("nghe_an_2023_communes.csv", "ky_anh_2021_communes.csv")
_COMMUNE_2025_FILES = ("nghe_an_2025_07_communes.csv", "ha_tinh_2025_07_communes.csv")


def official_unit_count() -> int:
    """How many units `load_registry` gives, counted from the files without building it
    (and without pandas): the store checks on every open that it holds them all."""
    files = [*_DISTRICT_FILES.values(), *_COMMUNE_FILES, *_COMMUNE_2025_FILES]
    total = len(_PROVINCES)
    for name in files:
        with open(DATA_DIR / name, newline="", encoding="utf-8-sig") as handle:
            total += sum(1 for _ in csv.reader(handle)) - 1  # less the header
    return total


def load_registry() -> pd.DataFrame:
    """Every official unit as one frame with the columns in UNIT_COLUMNS."""
    return _built()["registry"]


@lru_cache(maxsize=1)
def _built() -> dict:
    """The registry's frame and what name resolution reads of it (`_index`,
    `_later_namesakes`, `renamed_whole`), built from the shipped files, or as an earlier
    process built them from the same files and code (`startup_cache`)."""
    from cccd_analytics import startup_cache
    from cccd_analytics.geo import MAPPING_FILES

    files = {*_DISTRICT_FILES.values(), *_COMMUNE_FILES, *_COMMUNE_2025_FILES, *MAPPING_FILES}
    here = Path(__file__).resolve().parent
    code = ("registry.py", "text.py", "geo.py", "ingest/syllables.py")  # what the builders run
    sources = [DATA_DIR / name for name in sorted(files)] + [here / name for name in code]

    def build() -> dict:
        frame = _make_registry()
        whole = _make_renamed_whole()
        return dict(
            registry=frame,
            index=_make_index(frame),
            later_namesakes=_make_later_namesakes(frame, whole),
            renamed_whole=whole,
        )

    return startup_cache.load_or_build("registry", sources, build)


def _make_registry() -> pd.DataFrame:
    """`load_registry`'s frame, built from the shipped files.

    Long on purpose: the registry's rows level by level (provinces, districts, communes, the
    2025 communes), each from its file, in the order the keys are checked.
    """
    import pandas as pd

    na_districts = _read(_DISTRICT_FILES["40"])
    ht_districts = _read(_DISTRICT_FILES["42"])
    na_communes, ka_communes = (_read(name) for name in _COMMUNE_FILES)
    border_districts = set(na_districts.loc[na_districts["borders_laos"] == "yes", "district_code"])
    # Mountain districts of Nghệ An (the western "miền núi" districts), for the 14+ share.
    mountain_districts = border_districts | {"416", "420"}  # + Quỳ Châu, Quỳ Hợp

    rows: list[dict] = []
    districts_of = {"40": na_districts, "42": ht_districts}
    for pcode, pname in _PROVINCES.items():
        districts = districts_of[pcode]
        pop = pd.to_numeric(districts["population_2019_census"]).sum()
        rows.append(
            dict(
                key=pcode,
                code=pcode,
                name=pname,
                level="province",
                unit_type="Tỉnh",
                parent_key=None,
                province_key=pcode,
                district_key=None,
                hierarchy="3",
                population=int(pop),
                tags=(),
                mountain=False,
            )
        )
        for d in _rows(districts):
            tags = (TAG_BORDER_DISTRICT,) if d.district_code in border_districts else ()
            rows.append(
                dict(
                    key=d.district_code,
                    code=d.district_code,
                    name=d.district_name,
                    level="district",
                    unit_type=d.district_type,
                    parent_key=pcode,
                    province_key=pcode,
                    district_key=d.district_code,
                    hierarchy="3",
                    population=int(d.population_2019_census),
                    tags=tags,
                    mountain=d.district_code in mountain_districts,
                )
            )
    for c in _rows(pd.concat([na_communes, ka_communes])):
        tags = (TAG_BORDER,) if c.district_code in border_districts else ()
        rows.append(
            dict(
                key=c.commune_code,
                code=c.commune_code,
                name=c.commune_name,
                level="commune",
                unit_type=c.unit_type,
                parent_key=c.district_code,
                province_key=c.province_code,
                district_key=c.district_code,
                hierarchy="3",
                population=int(c.population_2019_census),
                tags=tags,
                mountain=c.district_code in mountain_districts,
            )
        )
    # Two-level hierarchy from 1/7/2025.  Population: the census count of the 2023
    # communes each new unit absorbed, where the mapping gives it (Nghệ An, Kỳ Anh).
    na_map = _read("nghe_an_2023_to_2025_07_mapping.csv")
    pop_2023 = pd.to_numeric(na_communes.set_index("commune_code")["population_2019_census"])
    new_pop = (
        na_map.assign(pop=na_map["commune_code_old"].map(pop_2023)).groupby("new_code_2025_07")["pop"].sum()
    )
    new_border = set(na_map.loc[na_map["new_unit_touches_laos_border_geom"] == "yes", "new_code_2025_07"])
    for fname in _COMMUNE_2025_FILES:
        for c in _rows(_read(fname)):
            pop = new_pop.get(c.commune_code)
            if pop is None or pd.isna(pop):
                pop = int(c.population_bando) if c.population_bando else None
            tags = (TAG_BORDER,) if c.commune_code in new_border else ()
            rows.append(
                dict(
                    key=key_2025(c.commune_code),
                    code=c.commune_code,
                    name=c.commune_name,
                    level="commune",
                    unit_type=c.unit_type,
                    parent_key=c.province_code,
                    province_key=c.province_code,
                    district_key=None,
                    hierarchy="2",
                    population=None if pop is None else int(pop),
                    tags=tags,
                    mountain=c.commune_code in new_border,
                )
            )
    frame = pd.DataFrame(rows)
    frame["population"] = frame["population"].astype("Int64")
    frame["eligible_estimate"] = _eligible(frame["population"], frame["mountain"])
    frame["official"] = True
    return frame[UNIT_COLUMNS].set_index("key", drop=False)


@dataclass(frozen=True)
class Match:
    """Result of resolving a (province, district, commune) triple to a unit.

    A name matched through a spelling equivalence or without its diacritics is a
    correction: `registry_name` is the official name and `corrections` says, in
    Vietnamese, what differed ("i/y", "vị trí dấu thanh", "không dấu" …), so that the
    import report shows "Mĩ Lí → Xã Mỹ Lý" before anyone accepts it.  A name that could
    be several units that way is `ambiguous`, with the `candidates`: it is refused, never
    guessed."""

    key: str | None
    official: bool
    suggestions: tuple[str, ...] = ()
    reason: str = ""
    registry_name: str | None = None  # set when the name matched through a correction
    corrections: tuple[str, ...] = ()  # what was corrected, in Vietnamese
    ambiguous: bool = False  # several units match the name once corrected: refuse
    candidates: tuple[str, ...] = ()  # those units ("Xã Châu Bính (Huyện Quỳ Châu)")
    candidate_keys: tuple[str, ...] = ()  # their keys, when known


_PREFIXES = (
    "thanh pho ",
    "thi xa ",
    "thi tran ",
    "huyen ",
    "phuong ",
    "tinh ",
    "xa ",
    "tp. ",
    "tp ",
    "tx. ",
    "tx ",
    "tt. ",
    "tt ",
    # "TTr. Quán Hành", "TTr Cầu Giát": thị trấn cut to its first syllable and a half, as
    # many district offices write it; no syllable starts "ttr".
    "ttr. ",
    "ttr ",
    "t. t. ",
    "t. t ",
    "t. tran ",
    "t. p. ",
    "t. p ",
    "t. x. ",
    "t. x ",
    "h. ",
    "q. ",
    "x. ",
    "p. ",
    "ph. ",
    "f. ",
    # The one-letter abbreviations without their dot ("P Hoà Hiếu", "X Kỳ Tân"): no
    # Vietnamese word is a lone p, x, h, q or f, so the letter is the unit type.
    "h ",
    "q ",
    "x ",
    "p ",
    "f ",
)

# What people add around a name in a report's name column, none of it the name: a list
# marker before it ("1. Xã Kỳ Trung", "1/ Xã Kỳ Trung", "- Xã Kỳ Tân", "a) …"), a note after it in brackets
# or after a dash ("Xã Kỳ Tân (cũ)", "Kỳ Tân [sáp nhập]", "Kỳ Tân - mới"), a footnote mark
# or full stop ("Kỳ Tân*", "Kỳ Tân."), a colon after the type ("Xã: Kỳ Tân").
# "1/ Xã Kỳ Tân" too: many Vietnamese documents number their lines with a slash.
_LIST_MARKER = re.compile(r"^(?:\d{1,3}\s*[.)/]|[a-zđ]\)|[-–—•·+*]+)\s+(?=\S)")
# Braces too ("Diễn Kim {ĐC}", round 22): a note as a bracket is.
_TRAILING_NOTE = re.compile(r"(?<=\S)\s*(?:[(\[{][^()\[\]{}]*[)\]}]|\s[-–—]\s.*)\s*$")
# Superscript digits and daggers are footnote marks too ("Mỹ Lý¹", "Kỳ Tân†"), as Word writes them.
_TRAILING_MARKS = re.compile(r"(?<=\S)[\s*.,;:!?¹²³⁰⁴-⁹†‡]+$")
# Characters that show nothing, left in a cell by a web page, a chat or Word: zero-width
# spaces and joiners, the byte-order mark, direction marks.  Before the type ("\u200bXã
# Diễn Kim") they hid it, and the name stayed apart.  Not the soft hyphen: a TCVN3 "ư" that
# LibreOffice lost, read where the vowel is put back (`_lacks_a_vowel`).
_INVISIBLE = re.compile("[\u200b-\u200f\u2060\ufeff\u202a-\u202e]")
# The type written with a stray mark between it and the name, or cut a way of its own
# ("Xã-Diễn Kim", "Xã.Diễn Kim", "X/ Diễn Kim", "P- Hưng Bình", "(Xã) Diễn Kim", "T.Tr
# Diễn Châu", "Th.trấn Diễn Châu", "T/T Diễn Châu", "Ph Hưng Bình"): read as the type and a
# space.  Each form ends in a mark or a space, so "T.trấn" is never cut to "T.tr", and no
# name begins so ("Xá Lượng" has its mark; "Ph" alone is no syllable).
_ODD_TYPE = re.compile(
    r"^(?:\(\s*(?P<word>xã|xa|phường|phuong|thị\s+trấn|thi\s+tran)\s*\)"
    r"|(?P<full>xã|xa|phường|phuong|thị\s+trấn|thi\s+tran)\s*[-–—/.]"
    r"|(?P<letter>x|p|f|tt|ttr)\s*[-–—/]"
    r"|(?P<town>t\.\s*tr\.?(?=\s)|t\.\s*tr\.|th\.\s*tr(?:ấn|an)(?:\.|(?=\s))|t\s*/\s*t\.?(?=[\s\w]))"
    r"|(?P<ward>phg\.?|ph)(?=\s))\s*(?=[^\W\d_])",
    re.IGNORECASE,
)


# The type glued to the name's first capital, the space not typed ("TTAnh Sơn", "XMỹ Lý",
# "T.TDiễn Châu", "XÃXá Lượng"): read as the type and a space.  Only when the glued word is
# no syllable — a capital held too long ("PHú Lộc", "XUân") is a name, not a type.
_GLUED_TYPE = re.compile(r"^(?i:phường|thị\s+trấn|xã|tt|t\.\s?t\.?|x|p|f)(?=[^\W\d_][^\W\d_])")


def _glued_type(text: str) -> str:
    found = _GLUED_TYPE.match(text)
    if not found:
        return text
    rest = text[found.end() :]
    if not (rest[0].isupper() and rest[1].islower()):
        return text
    from cccd_analytics.ingest.syllables import is_vietnamese_syllable

    first = text.split()[0]
    if is_vietnamese_syllable(first.lower()):
        return text
    return found.group(0) + " " + rest


def _odd_type(text: str) -> str:
    """`text` with a type written as `_ODD_TYPE` finds it spelt the usual way."""
    text = _glued_type(text)
    found = _ODD_TYPE.match(text)
    if not found:
        return text
    rest = text[found.end() :]
    if found.group("town"):
        return "Thị trấn " + rest
    if found.group("ward"):
        return "Phường " + rest
    typed = next(found.group(g) for g in ("word", "full", "letter") if found.group(g))
    return f"{typed} {rest}"


# Police reports name a unit by its police ("Công an xã Kỳ Tân", "CA phường Hưng Bình",
# "CAX Kỳ Tân", "CATP Vinh") or its people's committee ("UBND xã Kỳ Tân"): the unit is the
# place.  No registry name starts with "Công an" or "UBND".
_POLICE = re.compile(
    r"^(?:(?i:c[oô]ng\s+an|ubnd|ủy\s+ban\s+nhân\s+dân|uỷ\s+ban\s+nhân\s+dân)|CA|C\.\s?A\.?)\s+(?=\S)"
)
_POLICE_GLUED = re.compile(r"^CA(TP|TX|TT|X|P|H|Q)(?=[\s.])")
# A commune's collection point or mobile team named for it ("Tổ thu nhận lưu động xã Kỳ
# Khang", "Điểm thu nhận xã Nghĩa Long"): its figures are the commune's.  Only before a
# unit's type word: "Tổ 1", "Điểm trường Kỳ Lâm" are places inside a commune.
_COLLECTION_POINT = re.compile(
    r"^(?i:(?:tổ|đội)\s+(?:(?:thu|tiếp)\s+nhận\s+)?(?:lưu\s+động|công\s+tác|cấp\s+cccd)?\s*"
    r"|(?:điểm|địa\s+điểm)\s+(?:thu|tiếp)\s+nhận\s+(?:lưu\s+động\s+)?)"
    r"(?=(?i:xã|phường|thị\s+trấn)\s)"
)
# A collection point or mobile team with its number, and the commune it serves named after
# it in brackets, after a dash or colon, or with its type ("Điểm thu nhận số 2 (xã Diễn
# Hoàng)", "Điểm TN số 1 - Xã Diễn Hoàng", "Tổ cấp CCCD lưu động số 3 (Diễn Hoàng)"): the
# number makes `_COLLECTION_POINT` miss it, and the bracket was taken for a note.  Matched
# on the folded text (one character for one), so the name is cut from the text as typed.
_POINT_WORDS = (
    r"(?:(?:thu|tiep)\s+nhan|tn|luu\s+dong|ld|co\s+dong|cong\s+tac|ho\s+so|cccd|can\s+cuoc(?:\s+cong\s+dan)?"
    r"|(?:cap|lam)\s+(?:cccd|can\s+cuoc(?:\s+cong\s+dan)?|the))"
)
_NUMBERED_POINT = re.compile(
    rf"^(?:to|doi|diem|dia\s+diem)\s+{_POINT_WORDS}(?:\s+{_POINT_WORDS})*\.?(?:\s+(?:so\s*)?\d+)?"
    r"(?:\s*[(\[]\s*(?P<inside>[^()\[\]]*[^()\[\]\s])\s*[)\]]$"
    r"|\s*(?:[-–—:,]|\s(?:tai|o|cua))\s*(?P<after>\S.*)$"
    r"|\s+(?P<typed>(?:xa|phuong|thi\s+tran|tt|x|p)[.\s]\s*\S.*)$"
    # "Tổ lưu động Diễn Cát", "Điểm TN Diễn Lộc", "Điểm thu nhận UBND xã Diễn Trung": the
    # commune's name (or its committee's) right after the words, taken only when it is a
    # registry commune's name as typed (`collection_point_commune`).
    r"|\s+(?P<bare>[^\s\d(\[].*)$)"
)


def collection_point_commune(name: str) -> str | None:
    """The commune a collection point or mobile team is named for, as typed ("Điểm thu
    nhận số 2 (xã Diễn Hoàng)" → "xã Diễn Hoàng"), or None: its figures are the commune's.
    Only after words that say a collection point ("thu nhận", "TN", "lưu động", "cấp
    CCCD" …): "Tổ 1 (Diễn Hoàng)" is a residential group.  Not a district's team ("Tổ lưu
    động (Diễn Châu)", "Đội thu nhận huyện Diễn Châu"): read as a commune, a district's
    name is its town's, and the district's figures would land on the town."""
    text = " ".join(unicodedata.normalize("NFC", str(name or "")).split())
    # Every such name opens with "Tổ", "Đội", "Điểm" or "Địa điểm": the others, nearly every
    # name a load resolves, are spared the folding.
    if text[:1] not in "TtĐđDd":
        return None
    found = _NUMBERED_POINT.match(fold(text))
    if not found:
        return None
    group = next(g for g in ("inside", "after", "typed", "bare") if found.group(g))
    inner = text[found.start(group) : found.end(group)].strip()
    if group == "bare" and not names_a_commune(tidy(inner)):
        return None  # "Tổ lưu động Thôn 3", "Điểm TN Trường THCS …": a place inside a commune
    expanded = expand(inner)
    if expanded.startswith(("huyen ", "thi xa ", "thanh pho ", "quan ", "tinh ")):
        return None
    if commune_type(inner) is None and bare(inner) in level_names("district")[0]:
        return None
    return inner


# English type words, as typed without a Vietnamese keyboard or copied from an English
# system ("Dien Hoang Commune", "Ward Hung Binh", "Vinh City", "Nghe An Province"), by the
# level of what they name: "town" is a thị trấn among communes and a thị xã among
# districts, never the one for the other.  Read where names are matched, never in `tidy`,
# whose text keys the units outside the registry already stored.
_ENGLISH_TYPES = {
    "commune": {"commune": "Xã", "ward": "Phường", "town": "Thị trấn", "township": "Thị trấn"},
    "district": {"district": "Huyện", "dist": "Huyện", "town": "Thị xã", "city": "Thành phố"},
    "province": {"province": "Tỉnh", "prov": "Tỉnh", "city": "Thành phố"},
}


_ENGLISH_WORD = re.compile(
    r"\b(?:"
    + "|".join(sorted({w for words in _ENGLISH_TYPES.values() for w in words}, key=len, reverse=True))
    + r")\b",
    re.IGNORECASE,
)


def english_type(name: str, level: str) -> tuple[str, str, str] | None:
    """(the name with its English type word read as the Vietnamese one, the word as typed,
    the Vietnamese type) for a unit of `level` ("commune", "district", "province") written
    with an English type word before or after its name, in any case ("Dien Hoang Commune",
    "commune Dien Hoang" → "Xã Dien Hoang"); None when it has none.  A name that has its
    Vietnamese type too ("Xã Dien Hoang Commune") keeps it and loses the English word."""
    # Most names have no English word at all: a search of the text as typed spares them
    # `tidy` (a national load asks this of every place of every row it resolves).
    if not _ENGLISH_WORD.search(name or ""):
        return None
    words = tidy(name or "").split()
    if len(words) < 2:
        return None
    types = _ENGLISH_TYPES[level]
    for at, rest in ((-1, words[:-1]), (0, words[1:])):
        word = words[at]
        vietnamese = types.get(word.lower().rstrip("."))
        if vietnamese is None or not word.rstrip(".").isascii():
            continue
        rest_text = " ".join(rest)
        has_type = fold(rest_text).strip() != bare(rest_text) or expand(rest_text) != fold(rest_text)
        return (rest_text if has_type else f"{vietnamese} {rest_text}"), word, vietnamese
    return None


# "P1", "P.01", "Phường 01": the number written without its leading zeros.
_GLUED_NUMBER = re.compile(r"^(p|f|x|q|phường|xã|quận)(\d+)$")
_PADDED = re.compile(r"\b0+(?=\d)")


def tidy(name: str) -> str:
    """A typed unit name without what surrounds it in a report (list markers, notes in
    brackets or after a dash, footnote marks, a colon after the type, odd and
    non-breaking spaces, the word "Công an" before a unit) and with numbers unpadded:
    "1. Xã:  Kỳ Tân (cũ)*" → "Xã Kỳ Tân", "CA phường Hưng Bình" → "phường Hưng Bình",
    "P.01" → "P. 1", "P1" → "P 1".  Lower and upper case kept."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", str(name)))
    text = " ".join(text.replace(":", " ").split())
    text = _LIST_MARKER.sub("", text)
    text = _odd_type(_POLICE_GLUED.sub(r"\1", _POLICE.sub("", _COLLECTION_POINT.sub("", text))))
    for _ in range(3):  # "Kỳ Tân (cũ) *": a note, then a mark
        before = text
        text = _TRAILING_MARKS.sub("", _TRAILING_NOTE.sub("", text))
        if text == before:
            break
    glued = _GLUED_NUMBER.match(text.lower())
    if glued:
        text = text[: len(glued.group(1))] + " " + text[len(glued.group(1)) :]
    return _PADDED.sub("", text)


_ABBREVIATIONS = {
    "tp": "thanh pho",
    "tx": "thi xa",
    "tt": "thi tran",
    "ttr": "thi tran",
    "h": "huyen",
    "q": "quan",
    "x": "xa",
    "p": "phuong",
    "ph": "phuong",  # "Ph. Trường Thi": no Vietnamese syllable is "ph" alone
    # "F.1", "F. Nghi Thuỷ": phường as typed in the South (Vietnamese has no f of its own).
    "f": "phuong",
    "t": "tinh",
}


@lru_cache(maxsize=1 << 16)
def expand(name: str) -> str:
    """Folded name with an abbreviated unit type spelt out: "H. Kỳ Anh" → "huyen ky anh"."""
    text = fold(tidy(name)).replace(".", ". ")
    # "T.T Kỳ Anh", "T.P Vinh", "T.X Cửa Lò": thị trấn, thành phố, thị xã, not tỉnh T
    if text.startswith(("t. t. ", "t. t ", "t. p. ", "t. p ", "t. x. ", "t. x ")):
        text = "t" + text[3] + " " + text.split(" ", 2)[2]
    head, _, rest = text.partition(" ")
    head = head.rstrip(".")
    if head in _ABBREVIATIONS and rest:
        return _ABBREVIATIONS[head] + " " + " ".join(rest.split())
    return " ".join(text.replace(". ", " ").split()) if "." in text else text


@lru_cache(maxsize=1 << 16)  # every form of a name starts here: each name's once
def _strip_prefix(name: str) -> str:
    """Lower-case NFC name without its unit-type prefix, diacritics kept."""
    text = " ".join(tidy(name).lower().replace(".", ". ").split())
    folded = fold(text)  # same length as `text`: folding maps one character to one
    for prefix in _PREFIXES:
        if folded.startswith(prefix):
            return text[len(prefix) :].strip()
    return text


@lru_cache(maxsize=1 << 16)
def bare(name: str) -> str:
    """Folded name without its unit-type prefix: "Xã Kỳ Đồng" → "ky dong"."""
    return fold(_strip_prefix(name))


@lru_cache(maxsize=1 << 16)
def bare_exact(name: str) -> str:
    """Name without its prefix, diacritics kept: tells "Châu Bính" from "Châu Bình"."""
    return _strip_prefix(name)


@lru_cache(maxsize=1 << 16)
def spelled(name: str) -> str:
    """The spelling key of a name without its prefix: "Xã Mĩ Lí", "X. Mỹ Lý" → "mi4 li1"."""
    return spelling_key(_strip_prefix(name))


@lru_cache(maxsize=1 << 16)
def spelled_plain(name: str) -> str:
    """The spelling key without any diacritics: "Xa Nghy Thuy" and "Phường Nghi Thuỷ" →
    "nghi thuy" (a name typed without accents, i/y either way)."""
    return spelling_key(bare(name))


@lru_cache(maxsize=3)
def level_names(level: str) -> tuple[frozenset[str], frozenset[str]]:
    """The names of the registry's units of a level ("province", "district", "commune"),
    folded without their type ("ky tan"), and as typed without any mark, i/y either way
    ("ki tan"): what a header, a title or an address is matched against."""
    units = load_registry()
    names = units.loc[units.level == level, "name"].tolist()
    return frozenset(bare(n) for n in names), frozenset(spelled_plain(n) for n in names)


# A letter with its vowel or đ mark taken off: what a typist leaves out ("ư" typed as "u").
_UNMARKED = str.maketrans("ăâêôơưđ", "aaeooud")


def _fits_plain(typed: str, official: str) -> bool:
    """Whether each word of a typed name is the official word with some of its marks left
    out and none changed: "Nghia Bình", "Kỳ Thuọng" (ư, ơ typed u, o), "Bên Thủy" (no
    tone) fit "Nghĩa Bình", "Kỳ Thượng", "Bến Thủy"; "Diên Lãm" and "Hưng Bính" (a
    mark the official name does not have) are other names.  i/y and tone placement as in
    `spelling_key`."""
    mine, theirs = spelling_words(_strip_prefix(typed)), spelling_words(_strip_prefix(official))
    if len(mine) != len(theirs):
        return False
    for (_, base, tone), (_, base_o, tone_o) in zip(mine, theirs):
        base, base_o = spelling_iy(base), spelling_iy(base_o)
        if tone and tone != tone_o or len(base) != len(base_o):
            return False
        if any(a != b and a != b.translate(_UNMARKED) for a, b in zip(base, base_o)):
            return False
    return True


def _tone_only(typed: str, official: str) -> bool:
    """Whether a typed name is the official one with only some of its tones other (the
    letters, ă â ê ô ơ ư đ included, the same): "Kỳ Thỏ" for "Kỳ Thọ", not "Kỳ Thơ"."""
    mine, theirs = spelling_words(_strip_prefix(typed)), spelling_words(_strip_prefix(official))
    return len(mine) == len(theirs) and all(
        spelling_iy(base) == spelling_iy(base_o) for (_, base, _), (_, base_o, _) in zip(mine, theirs)
    )


def _lacks_a_vowel(typed: str, official: str) -> bool:
    """Whether the typed name is the official one with a vowel lost from some words, each
    of which is then no Vietnamese syllable: "Kỳ Thợng" for "Kỳ Thượng" (TCVN3's "ư" is a
    soft hyphen that LibreOffice drops when it converts the file).  A word that is still a
    syllable ("An" for "Anh", "Hòa" for "Hoà") is another name, never a lost letter."""
    from cccd_analytics.ingest.syllables import is_vietnamese_syllable

    mine, theirs = spelling_words(_strip_prefix(typed)), spelling_words(_strip_prefix(official))
    if len(mine) != len(theirs):
        return False
    lost = False
    for (word, base, tone), (_, base_o, tone_o) in zip(mine, theirs):
        base, base_o = spelling_iy(base), spelling_iy(base_o)
        if base == base_o and tone == tone_o:
            continue
        if tone != tone_o or len(base) + 1 != len(base_o) or is_vietnamese_syllable(word):
            return False
        gaps = [i for i in range(len(base_o)) if base_o[:i] + base_o[i + 1 :] == base]
        if not any(base_o[i] in "aăâeêioôơuưy" for i in gaps):
            return False
        lost = True
    return lost


def prepare() -> None:
    """Load the registry and build what every commune's resolution reads now, ahead of the
    first name resolved: the name index and the later namesakes (`_match_among` asks them
    for each unit found; ~50 ms in a fresh process, which an import otherwise spends after
    its file is read rather than while it is)."""
    _index()
    _later_namesakes()


def _index() -> dict[str, dict]:
    return _built()["index"]


def _make_index(reg: pd.DataFrame) -> dict[str, dict]:
    by_code = {(r.hierarchy, r.code): r.key for r in _rows(reg)}
    provinces = {bare(r.name): r.key for r in _rows(reg[reg.level == "province"])}
    # Exact folded names first ("huyen ky anh" vs "thi xa ky anh"), then bare names
    # where they are unique within the province.
    districts: dict[tuple, list[str]] = {}
    for r in _rows(reg[reg.level == "district"]):
        for name in dict.fromkeys(
            (fold(r.name), bare(r.name), spelling_key(fold(r.name)), spelled_plain(r.name))
        ):
            districts.setdefault((r.province_key, name), []).append(r.key)
    members: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for r in _rows(reg[reg.level == "commune"]):
        parent = r.district_key if r.hierarchy == "3" else r.province_key
        members.setdefault((r.hierarchy, parent), []).append((r.name, r.key))
        if r.hierarchy == "3":
            members.setdefault(("3", r.province_key), []).append((r.name, r.key))
    # The same districts by name alone, for a row whose province is unknown or absent.
    district_names: dict[str, list[tuple[str, str]]] = {}
    for (p, d), ks in districts.items():
        district_names.setdefault(d, []).extend((p, k) for k in ks)
    return dict(
        by_code=by_code,
        provinces=provinces,
        districts=districts,
        communes=_CommuneNames(members),
        district_names=district_names,
    )


class _CommuneNames:
    """The communes under a parent (a district, or a province) by the forms of their names:
    `get((hierarchy, parent, bare))`, `(…, "=", exact)`, `(…, "~", spelled)`, `(…, "_", spelled
    plain)`, and `(…, "*")` for all of them; each list in registry order.

    Performance: a parent's names are put in a form (folded, spelled: a few µs to tens of
    µs each) when a row first asks for that form under that parent, not for the whole
    country's communes when the index is built: a province's export asks for one province,
    and its names, written right, for their exact form alone."""

    _FORMS = {
        "": lambda name: (bare(name),),
        "=": lambda name: ("=", bare_exact(name)),
        "~": lambda name: ("~", spelled(name)),
        "_": lambda name: ("_", spelled_plain(name)),
        "*": lambda name: ("*",),  # all, for a lost letter
    }

    def __init__(self, members: dict[tuple[str, str], list[tuple[str, str]]]):
        self._members = members
        self._forms: dict[tuple[str, str, str], dict[tuple, list[str]]] = {}

    def members(self, hierarchy: str, parent: str) -> list[tuple[str, str]]:
        return self._members.get((hierarchy, parent), [])

    def get(self, key: tuple, default=None):
        hierarchy, parent, *form = key
        kind = form[0] if form and form[0] in self._FORMS else ""
        forms = self._forms.get((hierarchy, parent, kind))
        if forms is None:
            forms = {}
            written = self._FORMS[kind]
            for name, unit in self.members(hierarchy, parent):
                forms.setdefault(written(name), []).append(unit)
            self._forms[(hierarchy, parent, kind)] = forms
        return forms.get(tuple(form), default)


def communes_under(parent: str, hierarchy: str) -> list[tuple[str, str]]:
    """(name, key) of the registry's communes of a hierarchy directly under `parent` (a
    district; a province in the two-level hierarchy, or in the three-level one for all its
    communes), in registry order."""
    return list(_index()["communes"].members(hierarchy, parent))


def commune_of_code(code: str, hierarchy: str) -> str | None:
    """The key of the commune a GSO code names in a hierarchy, None when it names none."""
    key = _index()["by_code"].get((hierarchy, str(code).strip()))
    return key if key is not None and load_registry().at[key, "level"] == "commune" else None


def hierarchy_of(district: str | None, on: date | None) -> str:
    """ "3" for a row with a district or dated before the reform, else "2"."""
    return "3" if bool((district or "").strip()) or (on is not None and on < REFORM_DATE) else "2"


def resolve(
    province: str,
    district: str | None,
    commune: str,
    code: str | None = None,
    on: date | None = None,
    *,
    suggestions: bool = True,
) -> Match:
    """Find the registry unit for one commune row of a data file.

    A district puts the row in the three-level hierarchy; without one, the date
    decides (before 1/7/2025: three levels, matched across the province).  Matching
    ignores case, diacritics and unit-type prefixes; the district disambiguates
    commune names that repeat across a province.  An explicit code wins when it
    exists in the right hierarchy and its name agrees.  `suggestions=False` leaves the
    closest names of an unknown unit out (a caller with many unknown names asks
    `suggest_many` for all of them at once).

    Long on purpose: the matching rules in the order they are tried (the code; the parent
    units the name is looked for in; the exact name; spelling equivalences, then no
    diacritics), each returning as soon as it decides.
    """
    idx = _index()
    reg = load_registry()
    has_district = bool((district or "").strip())
    hierarchy = hierarchy_of(district, on)
    if code:
        key = idx["by_code"].get((hierarchy, str(code).strip()))
        if key and (
            not commune
            or str(commune).strip() == str(code).strip()
            or bare(reg.at[key, "name"]) == bare(commune)
        ):
            return Match(key, True)
    if province and bare(province) in other_province_names():
        # Another province's unit ("Xã Diễn Kim, Huyện Diễn Châu" of Thanh Hóa, a resident
        # served away from home): never the registry's namesake, whatever its district is
        # called; without this the province was not found and the name was looked for in
        # every province the registry holds.
        return Match(unofficial_key(province, district, commune), False)
    pkey = idx["provinces"].get(bare(province)) if province else None
    district_slip = None
    if hierarchy == "3" and not has_district:
        parents = [pkey] if pkey else []  # matched across the province: the name must be unique there
    elif hierarchy == "3":
        # "Kỳ Anh" without its type is Huyện or Thị xã Kỳ Anh: the commune decides.
        parents = sorted(_district_keys(district, pkey))
        if not parents:
            # "Đô Lươgn", "Yen Thnah": a district typed with one slip names the district
            # it is one slip from, when only one is; its commune must then be written as
            # the registry has it (two slips in one row are a guess).
            district_slip = _district_one_slip(district, pkey)
            parents = [district_slip] if district_slip else []
    else:
        parents = [pkey] if pkey else []

    def lookup(*key) -> list[str]:
        return [k for parent in parents for k in idx["communes"].get((hierarchy, parent, *key), [])]

    # "Xa Luong" may be "Xã Luong" or the commune "Xá Lượng" typed without its prefix and
    # without accents: the word that looks like a prefix is tried as part of the name too,
    # when the name without it fits nothing.
    interim = interim_unit(parents, commune, on) if hierarchy == "3" and not district_slip else None
    if interim is not None and interim.moved:
        # "Phường Nghi Thuỷ" under Thành phố Vinh in a report of 3/2025: Cửa Lò's ward,
        # moved into Vinh on 1/12/2024, which the registry holds under Cửa Lò.
        return Match(
            interim.moved,
            True,
            registry_name=str(reg.at[interim.moved, "name"]),
            corrections=(
                f"chuyển từ {reg.at[reg.at[interim.moved, 'district_key'], 'name']} về {interim.district} từ "
                "1/12/2024; danh mục ghi theo huyện cũ",
            ),
        )
    if interim is not None:
        # A unit formed on 1/12/2024 from several 2023 units: none of them, and no unit a
        # slip or a bordering district away ("Xã Đông Thành" is not Đồng Thành, "Xã Minh
        # Sơn" under Thanh Chương not Đô Lương's): its figures are all of its parts'.
        return Match(
            unofficial_key(province, district, commune),
            False,
            suggestions=suggest(commune, hierarchy) if suggestions else (),
            reason="đơn vị thành lập từ 1/12/2024",
        )
    if (
        hierarchy == "3"
        and has_district
        and on is not None
        and on >= REFORM_DATE
        and named_after_reform(parents, pkey, commune)
    ):
        # "Huyện Yên Thành | Xã Đông Thành" on 15/8/2025: the commune of 1/7/2025, its old
        # district written by habit; no 2023 commune a mark or a slip away (Đồng Thành).
        return Match(
            unofficial_key(province, district, commune),
            False,
            suggestions=suggest(commune, hierarchy) if suggestions else (),
            reason="tên xã, phường sau 1/7/2025",
        )
    readings = [commune]
    if parents and _strip_prefix(commune) != _strip_prefix("xã " + commune):
        readings.append("xã " + commune)
    for reading in readings:
        # The near readings (a wrong mark, one letter slipped) only among a district's
        # communes, or a province's after 1/7/2025 (its direct communes): a few dozen
        # names, never a whole province's hundreds.
        near = bool(parents) and (has_district or hierarchy == "2") and not district_slip
        found = (
            _match_among(lookup, reg, province, district, reading, shown=commune, near=near)
            if parents
            else None
        )
        if district_slip and found is not None:
            if not found.official or set(found.corrections) & SLIPS:
                found = None
            else:
                found = dataclasses.replace(
                    found,
                    registry_name=found.registry_name or str(reg.at[found.key, "name"]),
                    corrections=(f"tên huyện «{district.strip()}» gõ nhầm", *found.corrections),
                )
        if found is not None:
            return found
        if lookup("=", bare_exact(reading)):
            break  # the name is exact but repeats within the parents: the suggestions say so
    if parents and hierarchy == "3" and not district_slip and (on is None or on < REFORM_DATE):
        renamed = _named_as_in_2025(idx, reg, lookup, parents, commune)
        if renamed is not None:
            return renamed
    if parents and hierarchy == "3" and has_district and not district_slip:
        moved = _in_another_district(idx, reg, parents, pkey, commune, district)
        if (
            moved is not None
            and not _same_letters_at_home(lookup, commune)
            and not _capital_lost(lookup, reg, commune)
        ):
            return moved
    return Match(
        unofficial_key(province, district, commune),
        False,
        suggestions=suggest(commune, hierarchy) if suggestions else (),
        reason="không có trong danh mục",
    )


@lru_cache(maxsize=1 << 12)  # a report's rows repeat their districts
def _district_one_slip(district: str, pkey: str | None) -> str | None:
    """The one registry district (of the province `pkey`, any without one) whose name is one
    slip (a letter changed, added, dropped or two swapped) from the typed `district`,
    diacritics aside; None when none is, or several are, or the name is too short for one
    slip to leave it recognisable."""
    from rapidfuzz.distance import OSA

    typed = bare(district)
    if len(typed.replace(" ", "")) < 6:
        return None
    named = _district_bare_names()
    pool = named.get(pkey, ()) if pkey is not None else [d for ds in named.values() for d in ds]
    hits = {key for key, name in pool if OSA.distance(typed, name, score_cutoff=1) == 1}
    return hits.pop() if len(hits) == 1 else None


@lru_cache(maxsize=1)
def _district_bare_names() -> dict[str, list[tuple[str, str]]]:
    """Each province's districts, (key, bare name), made once: a report with many districts
    the registry does not hold looked each of them up in a filter of the whole registry (the
    nation's 63 files: 6 s more)."""
    reg = load_registry()
    districts = reg[reg["level"] == "district"]
    out: dict[str, list[tuple[str, str]]] = {}
    for key, province, name in zip(districts.index, districts["province_key"], districts["name"]):
        out.setdefault(str(province), []).append((str(key), bare(name)))
    return out


def _in_another_district(idx, reg, districts: list[str], pkey: str | None, commune: str, district: str):
    """A commune written under a district that has no such commune, when the district's
    province has exactly one commune of that name, in a district bordering it: "Nghi Kim"
    under Huyện Nghi Lộc is Xã Nghi Kim of Thành phố Vinh, which took it from Nghi Lộc in
    2008; units moved to a neighbouring town are reported under their old district for
    years.  The name as the registry writes it, or with its marks placed otherwise (tone
    placement, i/y) or left out, never a slip; the move is said in the correction, so that
    the import report shows it.  Only where the shipped outlines say which districts border
    each other (`geo.neighbouring_districts`): a name of a district far away is more likely
    another commune mistyped, whose figures must not land on a unit that reports its own.
    None when no such commune, or several, are there."""
    from cccd_analytics import geo

    provinces = {pkey} if pkey else {str(reg.at[d, "province_key"]) for d in districts}
    if len(provinces) != 1 or not any(idx["communes"].members("3", d) for d in districts):
        return None  # a district whose communes the registry lacks may have this one
    (province,) = provinces
    borders = geo.neighbouring_districts(province)
    around = set().union(*(borders.get(d, frozenset()) for d in districts))
    # A name of a commune formed on 1/7/2025 from the written district's communes ("Xuân
    # Lâm" of Thanh Chương, while 2023's Xuân Lâm is Nam Đàn's) is that unit's, written in
    # an old report: not moved.
    later = set(idx["communes"].get(("2", province, "=", bare_exact(commune)), []))
    if later:
        old_to_new = geo.old_to_new()
        own = [k for d in districts for _, k in idx["communes"].members("3", d)]
        if later & set(old_to_new.reindex(own).dropna()):
            return None

    def lookup(*key) -> list[str]:
        return [k for k in idx["communes"].get(("3", province, *key), []) if k not in districts]

    plain = [k for k in lookup("_", spelled_plain(commune)) if _fits_plain(commune, str(reg.at[k, "name"]))]
    for hits in (lookup("=", bare_exact(commune)), lookup("~", spelled(commune)), plain):
        hits = list(dict.fromkeys(hits))
        if len(hits) > 1:
            return None  # "Nam Sơn" of three other districts: which one, the suggestions ask
        if hits:
            (key,) = hits
            if str(reg.at[key, "district_key"]) not in around:
                return None
            if set(plain) - {key}:
                # "Xã Nam Thanh" under Huyện Đô Lương: Nam Đàn's Xã Nam Thanh as written, or
                # Yên Thành's Xã Nam Thành with its mark left out (the commonest slip), both
                # bordering it: the province has two communes of that name, and neither is
                # taken (a random draw of tests/test_names.py found it on Nam Đàn's).
                return None
            official = str(reg.at[key, "name"])
            if an_old_name_fits(commune, key, set(districts)):
                # "Xa Hung Tien" under Huyện Hưng Nguyên: its own Xã Hưng Tiến, merged in
                # 2019, typed without marks, before Nam Đàn's Xã Hùng Tiến next door, whose
                # figures it replaced.
                return None
            if commune_type(commune) in ("phuong", "thi tran") and commune_type(official) == "xa":
                # A unit moved keeps its name and may become a ward, never a ward a xã:
                # "Phường Nghi Hoa" under Thành phố Vinh is Cửa Lò's Phường Nghi Hòa typed
                # without its marks, not Nghi Lộc's Xã Nghi Hoa, where it went (a random
                # draw of tests/test_names.py found it).
                return None
            home = str(reg.at[str(reg.at[key, "district_key"]), "name"])
            return Match(
                key,
                True,
                registry_name=official,
                corrections=(
                    f"ghi thuộc «{district.strip()}», trong danh mục thuộc {home}",
                    *spelling_differences(bare_exact(commune), bare_exact(official)),
                ),
            )
    return None


def _same_letters_at_home(lookup, commune: str) -> bool:
    """Whether a commune of the written district has the name's very letters with other
    marks: "Xuân Lâm" under Huyện Hưng Nguyên is Nam Đàn's Xuân Lâm next door, or Hưng
    Nguyên's own Xuân Lam with a circumflex slipped in (a wrong mark, the commonest slip).
    Either could be meant, so neither is taken (the name is apart, both suggested); it went
    onto Nam Đàn's, whose own figures it replaced.  Step 6 does not read it at home because
    the name is a commune elsewhere as typed.  A letter slipped at home does not count:
    "Quỳnh Lâp" under Quỳnh Lưu is Hoàng Mai's Quỳnh Lập with a mark left out (moved in
    2013), not Quỳnh Lưu's Quỳnh Lâm with a letter typed wrong."""
    return bool(lookup("_", spelled_plain(commune)))


def renamed_whole() -> dict[str, str]:
    """The 2025 communes that are one older commune whole, under a new name or the same, by
    their key: the key of that older commune ("2025:16906" Xã Lượng Minh → "16906" Xã Lưỡng
    Minh).  Both lists must say so: the mapping maps that commune to it alone and nothing
    else to it, and the 2025 file counts one former unit.  The mapping lists only the
    registry's own communes, so for Hà Tĩnh (whose Huyện Kỳ Anh alone it holds) the 2025
    file decides: its Xã Kỳ Hoa is Kỳ Tân and Thị xã Kỳ Anh's Kỳ Hoa, which the mapping
    does not know."""
    return _built()["renamed_whole"]


def _make_renamed_whole() -> dict[str, str]:
    from cccd_analytics.geo import MAPPING_FILES

    olds: dict[str, set[str]] = {}
    news: dict[str, set[str]] = {}
    for name in MAPPING_FILES:
        frame = _read(name)
        for old, new in zip(frame["commune_code_old"], frame["new_code_2025_07"]):
            olds.setdefault(new, set()).add(old)
            news.setdefault(old, set()).add(new)
    former: dict[str, int] = {}
    for name in _COMMUNE_2025_FILES:
        frame = _read(name)
        counts = (
            frame["n_units_2023"]
            if "n_units_2023" in frame
            else frame["former_units_bando"].map(lambda text: len([p for p in text.split(",") if p.strip()]))
        )
        for code, count in zip(frame["commune_code"], counts):
            former[code] = int(count or 0)
    return {
        key_2025(new): next(iter(old))
        for new, old in olds.items()
        if len(old) == 1 and news[next(iter(old))] == {new} and former.get(new) == 1
    }


def _named_as_in_2025(idx, reg, lookup, parents: list[str], commune: str) -> Match | None:
    """A commune of the parents written with the name its unit took on 1/7/2025, in a report
    dated before: "Xã Lượng Minh" under Huyện Tương Dương is Xã Lưỡng Minh, which became
    Xã Lượng Minh whole.  People who have learnt the new name type it in the old reports;
    the name is, as typed, a registry unit (the 2025 one), so no other step reads it, and
    the commune showed as not reported.  Only a 2025 commune that is one older commune
    whole (`renamed_whole`): one formed from several ("Xã Vân Tụ") is none of them, and
    stays apart as before.  Read with a correction that says so."""
    whole = renamed_whole()
    provinces = dict.fromkeys(
        p if reg.at[p, "level"] == "province" else str(reg.at[p, "province_key"]) for p in parents
    )
    hits: set[str] = set()
    for province in provinces:
        for form in (("=", bare_exact(commune)), ("~", spelled(commune))):
            hits |= {whole[k] for k in idx["communes"].get(("2", province, *form), []) if k in whole}
    if hits:  # the parents' communes only for a name that is such a 2025 commune: a few
        hits &= set(lookup("*"))
    if len(hits) != 1:
        return None
    (key,) = hits
    return Match(key, True, registry_name=str(reg.at[key, "name"]), corrections=("tên sau sắp xếp 1/7/2025",))


def _later_namesakes() -> dict[str, frozenset[str]]:
    """The communes of before 1/7/2025 whose name a commune of that day, of another type,
    took in their province without being that commune whole, by their key: the types of
    those later communes ("17389" Thị trấn Diễn Châu → {"xa"}: Xã Diễn Châu is the town and
    several communes; "Xã Diễn Châu" typed in a report of 2023 is not the town).  And such
    a later commune by its key, with the types of the earlier ones ("2025:…" Xã Diễn Châu →
    {"thi tran"}: "TT Diễn Châu" in a report of 2025 is the town, not the new commune)."""
    return _built()["later_namesakes"]


def _make_later_namesakes(reg: pd.DataFrame, whole: dict[str, str]) -> dict[str, frozenset[str]]:
    communes = reg[reg["level"] == "commune"]
    later: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for key, name, province, hierarchy in zip(
        communes.index, communes["name"], communes["province_key"], communes["hierarchy"]
    ):
        if hierarchy == "2":
            later.setdefault((str(province), bare_exact(name)), []).append(
                (str(key), commune_type(name) or "")
            )
    out: dict[str, frozenset[str]] = {}
    earlier: dict[str, set[str]] = {}
    for key, name, province, hierarchy in zip(
        communes.index, communes["name"], communes["province_key"], communes["hierarchy"]
    ):
        if hierarchy != "3":
            continue
        own = commune_type(name)
        namesakes = [
            (k, t)
            for k, t in later.get((str(province), bare_exact(name)), [])
            if t and t != own and whole.get(k) != key
        ]
        if namesakes:
            out[str(key)] = frozenset(t for _, t in namesakes)
        for k, _ in namesakes:
            # And the other way round: "Thị trấn Tân Kỳ", "TT Anh Sơn", "Xã Tây Hiếu" in a
            # report of 1/8/2025 name the 2023 unit by its type, a part of the 2025 Xã Tân
            # Kỳ, Xã Anh Sơn, Phường Tây Hiếu: abolished, and kept apart as such a unit is
            # when named by its own name ("Xã Diễn Kim").  They went onto the new unit, its
            # figures replaced by the part's.
            if own:
                earlier.setdefault(k, set()).add(own)
    out.update({k: frozenset(types) for k, types in earlier.items()})
    return out


@dataclasses.dataclass(frozen=True)
class InterimUnit:
    """A commune of the list in force from 1/12/2024 to 30/6/2025 that is no unit of the
    registry's 2023 list whole: `parts` are the 2023 units it was formed from.  `moved` is
    the one 2023 unit it is, moved whole into another district (Cửa Lò's wards into Vinh),
    a commune the registry holds under its old district."""

    name: str
    district: str
    parts: tuple[str, ...]
    moved: str | None = None


@lru_cache(maxsize=1)
def _interim_units() -> dict[tuple[str, str], list[InterimUnit]]:
    """The units of 1/12/2024 that are not a 2023 unit as the registry has it, by (parent key
    — their district's, and their province's —, spelling key of their name).  A unit that is
    one 2023 unit under its name, retyped ("Xã Nghi Phú" → "Phường Nghi Phú") or not, is the
    registry's unit and left out; one moved whole into another district is kept, as `moved`."""
    from cccd_analytics.geo import MAPPING_FILES

    reg = load_registry()
    districts = reg[(reg.level == "district") & (reg.hierarchy == "3")]
    district_key = {
        (str(p), str(n)): str(k) for k, p, n in zip(districts.index, districts.province_key, districts.name)
    }
    groups: dict[tuple[str, str, str], list[tuple[str, str, str]]] = {}
    for fname in MAPPING_FILES:
        frame = _read(fname)
        for province, old_district, code, old_name, name, district in zip(
            frame["province_code"],
            frame["district_name_old"],
            frame["commune_code_old"],
            frame["commune_name_old"],
            frame["name_2025_01"],
            frame["district_2025_01"],
        ):
            if name and code in reg.index:
                groups.setdefault((province, district, name), []).append((code, old_name, old_district))
    out: dict[tuple[str, str], list[InterimUnit]] = {}
    for (province, district, name), parts in groups.items():
        moved = None
        if len(parts) == 1 and bare_exact(parts[0][1]) == bare_exact(name):
            if parts[0][2] == district:
                continue  # the same unit, its type changed or not
            moved = parts[0][0]
        unit = InterimUnit(name, district, tuple(code for code, _, _ in parts), moved)
        for parent in (district_key.get((province, district)), province):
            if parent:
                out.setdefault((parent, spelled(name)), []).append(unit)
                out.setdefault((parent, "_" + spelled_plain(name)), []).append(unit)
    return out


def interim_unit(parents: list[str], commune: str, on: date | None) -> InterimUnit | None:
    """The unit formed or moved on 1/12/2024 that a row of that day or later (with a district
    after the reform: a district's report goes on naming them) names, among its parents (the row's district, or its province): "Xã Hùng Hải"
    (Diễn Hùng and Diễn Hải), "Thị trấn Diễn Thành" (Xã Diễn Thành and Thị trấn Diễn Châu),
    "Phường Nghi Thuỷ" under Thành phố Vinh.  As typed, marks and all (i/y and the tone's
    place aside); a name a 2023 unit of the parents has as typed is that unit ("Xã Diễn
    Thành", its 2023 type written, is the old commune), and a unit formed under the name
    of one of its parts, with that part's type ("Phường Quang Trung", which took in Lê Mao
    and Đội Cung), is that part as written."""
    if on is None or on < INTERIM_DATE:
        return None
    units = _interim_units()
    found = [u for parent in parents for u in units.get((parent, spelled(commune)), [])]
    if not found and not any(_index()["communes"].get(("3", p, "~", spelled(commune))) for p in parents):
        # "Xa Dong Thanh" under Yên Thành in 3/2025: Xã Đồng Thành, or the Xã Đông Thành
        # formed then, with their marks left out — not the one the registry happens to hold.
        found = [
            u
            for parent in parents
            for u in units.get((parent, "_" + spelled_plain(commune)), [])
            if _fits_plain(commune, u.name)
        ]
    if len(found) != 1:
        return None
    unit = found[0]
    if unit.moved:
        return unit
    reg = load_registry()
    typed = commune_type(commune)
    for part in unit.parts:
        name = str(reg.at[part, "name"])
        same = spelled(name) == spelled(commune) or _fits_plain(commune, name)
        if same and (typed is None or typed == commune_type(name)):
            if typed is None and commune_type(unit.name) != commune_type(name):
                return unit  # "Diễn Thành" after 1/12/2024: the town; the commune was no more
            return None
    return unit


@lru_cache(maxsize=1)
def merged_on_interim() -> dict[str, InterimUnit]:
    """Each 2023 unit that became a part of a larger one on 1/12/2024, by its key: the unit
    it became a part of ("16684" Phường Quang Trung → the Quang Trung that took in Lê Mao
    and Đội Cung; Lê Mao → the same)."""
    out: dict[str, InterimUnit] = {}
    for units in _interim_units().values():
        for unit in units:
            if not unit.moved and len(unit.parts) > 1:
                out.update({k: unit for k in unit.parts})
    return out


@lru_cache(maxsize=1)
def gone_on_interim() -> frozenset[str]:
    """The 2023 units merged into another on 1/12/2024 ("merged_into": Xã Diễn Hùng into
    Diễn Hải, now Xã Hùng Hải), by key: from that day they report no more, the unit that
    took them in reporting their figures with its own; the part that kept its code (Diễn
    Hải) goes on."""
    from cccd_analytics.geo import MAPPING_FILES

    parts = merged_on_interim()
    out: set[str] = set()
    for fname in MAPPING_FILES:
        frame = _read(fname)
        for code, interim in zip(frame["commune_code_old"], frame["code_2025_01"]):
            if code in parts and interim and interim != code:
                out.add(str(code))
    return frozenset(out)


@lru_cache(maxsize=1)
def _communes_of_2025() -> dict[tuple[str, str], list[str]]:
    """The 1/7/2025 communes by (province key, spelling key of their name): their keys."""
    reg = load_registry()
    communes = reg[(reg.level == "commune") & (reg.hierarchy == "2")]
    out: dict[tuple[str, str], list[str]] = {}
    for key, name, province in zip(communes.index, communes["name"], communes["province_key"]):
        out.setdefault((str(province), spelled(name)), []).append(str(key))
    return out


def named_after_reform(
    parents: list[str], pkey: str | None, commune: str, at_home: bool = True
) -> str | None:
    """The key of the 1/7/2025 commune a name is, as typed (marks and all), when no 2023
    commune of the row's district (`parents`) has that name as typed: a district's report
    of after the reform that names its new communes under the old district.  Such a name
    read by the old district's marks or slips landed on another unit ("Xã Đông Thành" on
    Yên Thành's Đồng Thành).  The province is the district's when not written.  With
    `at_home` false, whatever the district has (for a message about a row kept apart)."""
    idx = _index()
    reg = load_registry()
    if at_home and any(idx["communes"].get(("3", p, "~", spelled(commune))) for p in parents):
        return None
    provinces = {pkey} if pkey else {str(reg.at[p, "province_key"]) for p in parents if p in reg.index}
    found = [k for p in provinces for k in _communes_of_2025().get((p, spelled(commune)), [])]
    return found[0] if len(found) == 1 else None


def after_reform_named(province: str, district: str | None, commune: str, on: date | None) -> str | None:
    """`named_after_reform` for a row as written, dated from 1/7/2025 with its district: the
    key of the new commune, for an import's message."""
    if on is None or on < REFORM_DATE or not (district or "").strip():
        return None
    pkey = _index()["provinces"].get(bare(province)) if province else None
    return named_after_reform(sorted(_district_keys(district, pkey)), pkey, commune, at_home=False)


def interim_unit_named(
    province: str, district: str | None, commune: str, on: date | None
) -> InterimUnit | None:
    """`interim_unit` for a row as written (its province and district typed): what an
    import's message says of a name kept apart as a unit formed on 1/12/2024."""
    if on is None or on < INTERIM_DATE:
        return None
    pkey = _index()["provinces"].get(bare(province)) if province else None
    parents = sorted(_district_keys(district, pkey)) if (district or "").strip() else [pkey] if pkey else []
    unit = interim_unit(parents, commune, on)
    return unit if unit is not None and not unit.moved else None


def commune_type(name: str) -> str | None:
    """ "xa", "phuong" or "thi tran": the type a commune's name is written with ("X.", "P.",
    "TT" spelt out), None when it has none."""
    folded = fold(expand(name))
    return next((t for t in ("thi tran", "phuong", "xa") if folded.startswith(t + " ")), None)


@lru_cache(maxsize=1)
def _types_on_interim() -> dict[str, str]:
    """The type a 2023 unit took on 1/12/2024 when it kept its name and district but not
    its type ("Xã Nghi Phú" → "Phường Nghi Phú"), by key: a report of that day or later
    writes the new type, which is no slip.  The unit must stay itself (its code that of
    1/12/2024): Xã Hoa Thành was merged then into Thị trấn Yên Thành, which took the name
    Thị trấn Hoa Thành — a type of another unit, not one Xã Hoa Thành ever had."""
    from cccd_analytics.geo import MAPPING_FILES

    out: dict[str, str] = {}
    for fname in MAPPING_FILES:
        frame = _read(fname)
        for code, interim, old, name, old_district, district in zip(
            frame["commune_code_old"],
            frame["code_2025_01"],
            frame["commune_name_old"],
            frame["name_2025_01"],
            frame["district_name_old"],
            frame["district_2025_01"],
        ):
            typed = commune_type(name) if name else None
            if (
                typed
                and interim == code
                and bare_exact(name) == bare_exact(old)
                and district == old_district
                and typed != commune_type(old)
            ):
                out[code] = typed
    return out


def type_on_interim(key: str) -> str | None:
    """The type ("phuong", "thi tran" …) a unit took on 1/12/2024 keeping its name and
    district ("Xã Kỳ Đồng" → "Thị trấn Kỳ Đồng", "Xã Nghi Phú" → "Phường Nghi Phú"), None
    when it kept its type."""
    return _types_on_interim().get(key)


#: By this day every merge of 2019–2020 the registry's notes list had taken effect: a
#: report dated before may still name a commune merged away then as it was.
MERGES_DONE = date(2021, 1, 1)


def merged_part_named(key: str, commune: str, on: date | None) -> str | None:
    """The name of the commune merged into the unit `key` in 2019–2020 that `commune` is,
    type and all, when the report's day may be before that merge (or is not known): "Xã
    Thạch Giám" of 15/6/2018 is that xã, a part of Thị trấn Thạch Giám, not the town with
    its type written wrong; "Thạch Giám" then, too (the town did not bear that name yet).
    None otherwise."""
    if on is not None and on >= MERGES_DONE:
        return None
    typed = commune_type(commune)
    return next(
        (
            name
            for name, into in _merged_units()
            if into == key and bare(name) == bare(commune) and typed in (None, commune_type(name))
        ),
        None,
    )


@lru_cache(maxsize=1)
def _interim_names() -> dict[tuple[str, str], list[tuple[str, str]]]:
    """The units of 1/12/2024 by (bare name, type): (key of the unit bearing it, its name
    then), from the shipped mappings."""
    from cccd_analytics.geo import MAPPING_FILES

    out: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for fname in MAPPING_FILES:
        frame = _read(fname)
        for interim, name in zip(frame["code_2025_01"], frame["name_2025_01"]):
            typed = commune_type(name) if name else None
            if typed and interim:
                found = out.setdefault((bare_exact(name), typed), [])
                if (interim, name) not in found:
                    found.append((interim, name))
    return out


def named_so_from_interim(key: str, typed: str) -> list[tuple[str, str]]:
    """The other units that bear the name of `key` with the type `typed` from 1/12/2024:
    (their key, that name) — "Thị trấn Hoa Thành" is from that day Thị trấn Yên Thành
    (17506), which took in Xã Hoa Thành."""
    reg = load_registry()
    name = bare_exact(str(reg.at[key, "name"]))
    return [(k, n) for k, n in _interim_names().get((name, typed), []) if k != key and k in reg.index]


@lru_cache(maxsize=1)
def _own_types() -> dict[str, str | None]:
    """Each unit's type as its name writes it, by key (`types_of_unit` asks it of every
    unit an import finds: a look-up in the registry frame per unit was ~25 ms of a
    province's export)."""
    reg = load_registry()
    return {str(key): commune_type(str(name)) for key, name in zip(reg.index, reg["name"])}


def types_of_unit(key: str, on: date | None = None) -> frozenset[str]:
    """The types ("xa", "phuong", "thi tran") a unit is written with on a day: its own, and
    from 1/12/2024 (or on no day said) the one it took then.  Empty for a unit whose name
    has no such type (a district, an "Đặc khu")."""
    own = _own_types().get(key)
    later = type_on_interim(key) if on is None or on >= INTERIM_DATE else None
    return frozenset(t for t in (own, later) if t)


def _match_among(
    lookup, reg, province, district, commune: str, shown: str, near: bool = False
) -> Match | None:
    """The unit `commune` names among the parents `lookup` searches: exactly, then through
    spelling equivalences (tone placement, i/y, Ð), then without diacritics; each must
    point at one unit, or the name is refused with the units it could be.  None: no unit
    fits.  `shown` is the name as typed, for the corrections and the refusal."""
    found = _found_among(lookup, reg, province, district, commune, shown, near)
    # "Xã Diễn Châu" (or "Xa Dien Chau") where the district has Thị trấn Diễn Châu: the name,
    # with the type written, of the commune formed on 1/7/2025 from the town and its
    # neighbours, whose figures are not the town's.  (A dictionary lookup per name: only such
    # towns pay for reading the type.)
    later = _later_namesakes().get(found.key) if found is not None and found.official else None
    if later and commune_type(commune) in later:
        return None
    return found


def _found_among(
    lookup, reg, province, district, commune: str, shown: str, near: bool = False
) -> Match | None:
    def capital_lost_elsewhere(hit: str) -> bool:
        # "Xã Nghĩa hành" (Nghĩa Đàn's Nghĩa Thành, its T lost) is Tân Kỳ's Nghĩa Hành as
        # typed, "Xã Diễn hong" (Diễn Phong) Diễn Hồng with its marks left out: a word in
        # small letters among capitalised ones may have lost its first letter, and when that
        # reading names another unit of the parents, the name names neither for sure.
        return any(k != hit for k in _capital_lost(lookup, reg, commune))

    exact = lookup("=", bare_exact(commune))
    if len(exact) == 1:
        return None if capital_lost_elsewhere(exact[0]) else Match(exact[0], True)
    if exact:
        # "Xã Long Sơn" where the province has Xã Long Sơn and Phường Long Sơn: the type
        # written tells them apart.
        typed = commune_type(commune)
        same = [k for k in exact if typed and commune_type(str(reg.at[k, "name"])) == typed]
        return Match(same[0], True) if len(same) == 1 and not capital_lost_elsewhere(same[0]) else None

    def plain() -> list[str]:
        return [
            k for k in lookup("_", spelled_plain(commune)) if _fits_plain(commune, str(reg.at[k, "name"]))
        ]

    def lost_vowel() -> list[str]:
        from cccd_analytics.ingest.syllables import is_vietnamese_syllable

        # Only a name with a word that is no syllable can have lost a letter: the names
        # outside the registry (often thousands in a file) are real words and skip the scan.
        words = bare_exact(commune).split()
        if all(is_vietnamese_syllable(w) for w in words):
            return []
        size = len(bare(commune))
        hits = [
            k
            for k in lookup("*")
            if size < len(bare(reg.at[k, "name"])) <= size + len(words)
            and _lacks_a_vowel(commune, str(reg.at[k, "name"]))
        ]
        if len(hits) == 1:
            # As close by any other letter, marks counted ("Kỳ Tâ": Kỳ Tây lacks a vowel,
            # Kỳ Tân a consonant): either could be meant, so the name names neither.
            from rapidfuzz.distance import OSA, Levenshtein

            typed = _marked(commune)
            close = OSA.distance(typed, _marked(str(reg.at[hits[0], "name"])))
            hits += [
                k
                for k in lookup("*")
                if k != hits[0]
                and Levenshtein.distance(bare(commune), bare(reg.at[k, "name"])) == 1
                and OSA.distance(typed, _marked(str(reg.at[k, "name"]))) <= close
            ]
        return hits

    # Each way in turn, the closest first: a later way is tried only when no unit fits the
    # one before it, so "Châu Bính" typed exactly is never weighed against "Châu Bình".
    for way in (lambda: lookup("~", spelled(commune)), plain, lost_vowel):
        hits = way()
        if (
            len(hits) == 1
            and bare(commune) in merged_before()  # (rare: the parents' districts asked only then)
            and an_old_name_fits(commune, hits[0], {str(reg.at[k, "district_key"]) for k in lookup("*")})
        ):
            # Read as this unit only once its marks are put otherwise or left out, the name
            # is as much a commune merged away in 2019–2020: left apart, told what that
            # one became (the import's `_merged_before`).
            return None
        if len(hits) == 1 and capital_lost_elsewhere(hits[0]):
            return None
        if len(hits) == 1:
            official = str(reg.at[hits[0], "name"])
            return Match(
                hits[0],
                True,
                registry_name=official,
                corrections=tuple(spelling_differences(bare_exact(commune), bare_exact(official))),
            )
        if len(hits) > 1:
            return Match(
                unofficial_key(province, district, shown),
                False,
                reason="nhiều đơn vị cùng tên khi sửa cách viết",
                ambiguous=True,
                candidates=tuple(_label(reg.loc[k]) for k in hits),
                candidate_keys=tuple(hits),
            )
    hits = _initials(lookup, reg, commune)
    if len(hits) == 1 and not capital_lost_elsewhere(hits[0]):
        return Match(hits[0], True, registry_name=str(reg.at[hits[0], "name"]), corrections=("viết tắt",))
    return _near_match(lookup, reg, commune) if near else None


def _initials(lookup, reg, commune: str) -> list[str]:
    """The communes of the parents a name with some words cut to their first letter fits
    ("P.H.H.Tập": Phường Hà Huy Tập, "G.Sơn Tây", "Giang Sơn Đ."): the same number of words,
    each cut one the first letter of the official word, each other the word itself (marks
    aside).  Taken only when one commune fits; several leave the name unknown, with its
    closest names, as before."""
    typed = bare_exact(commune).replace(".", " ").split()
    words = [fold(w) for w in typed]
    cut = [len(w) == 1 for w in words]
    if not any(cut) or all(cut):
        return []
    hits = []
    for key in lookup("*"):
        official = bare_exact(str(reg.at[key, "name"])).split()
        theirs = [fold(w) for w in official]
        # A letter cut from a word is its first letter as written: "Đ." for "Đồng", "Y" for
        # "Yên", never "ỹ", a word of its own (Diễn Mỹ with its M lost) that no word begins.
        if len(theirs) == len(words) and all(
            (theirs_word.startswith(mine) and (as_typed.isascii() or their_word.startswith(as_typed)))
            if short
            else theirs_word == mine
            for mine, as_typed, theirs_word, their_word, short in zip(words, typed, theirs, official, cut)
        ):
            hits.append(key)
    return hits


#: What `_near_match` says of a name it reads as a slip of the hand.
SLIPS = frozenset({"sai dấu", "gõ đảo hai chữ cái", "gõ nhầm một chữ cái"})


def _near_match(lookup, reg, commune: str) -> Match | None:
    """The one commune of the parents a name is a slip of the hand away from: the same
    letters with other marks ("Diển Thịnh" for "Diễn Thịnh", "Hưng Bính" where the
    district has only "Hưng Bình"), else one letter typed wrong, left out or added, or two
    neighbours typed the wrong way round ("Kỳ Phogn", "Thanh Dơưng").  Among such communes
    the one closest with its marks is taken — "Thanh Dơưng" is Thanh Dương (two letters
    swapped), not Thanh Đồng, which is as close only with the marks stripped — and, as
    close, the one with the same letters ("Diễn Thánh": Diễn Thành, not Diễn Thịnh); two
    equally close ("Diễn Phcú": Diễn Phú or Diễn Phúc), a letter slipped in a name too short
    to tell a slip from another name (under six letters; its marks alone may be wrong:
    "Kỳ Thỏ" is Kỳ Thọ) or a name of a commune
    merged away before the registry's day (told what it became instead) give no unit, as
    before.  Read as that commune with a warning that says so.  Every commune of a district
    the registry holds is in it, so a name that is none of them is a slip far more often
    than a commune the registry lacks."""
    from rapidfuzz.distance import OSA, Levenshtein

    typed = bare(commune)
    if typed in merged_before() or names_a_commune(commune):
        return None
    same_letters = set(lookup("_", spelled_plain(commune)))
    if len(typed.replace(" ", "")) < 6:
        # Too short to tell a letter typed wrong from another name ("Kỳ Hà", "Kỳ Hải"), but
        # not a tone typed wrong on the very same letters: "Kỳ Thỏ", "Kỳ Hãi" (hỏi and ngã,
        # the commonest slip) name Kỳ Thọ, Kỳ Hải where no other commune has those letters.
        # "Kỳ Thơ" has another letter (ơ), and may be Kỳ Thọ or Kỳ Thư: no unit.
        near = {k for k in same_letters if _tone_only(commune, str(reg.at[k, "name"]))}
    else:
        near = same_letters | {k for k in lookup("*") if OSA.distance(typed, bare(reg.at[k, "name"])) == 1}
    if not near:
        return None

    # Closest with the marks, then by the letters alone: a wrong mark on the same letters
    # ("Diễn Thánh": Diễn Thành) before another letter with a mark ("Diễn Thịnh").
    typed_marked = _marked(commune)
    closeness = {
        k: (
            OSA.distance(typed_marked, _marked_as_typed(typed_marked, str(reg.at[k, "name"]))),
            k not in same_letters,
        )
        for k in near
    }
    best = min(closeness.values())
    hits = sorted(k for k, d in closeness.items() if d == best)
    if len(hits) != 1:
        return None
    hit = hits[0]
    if names_an_unheld_unit(commune, str(reg.at[hit, "province_key"])):
        return None
    if any(k != hit for k in _capital_lost(lookup, reg, commune)):
        return None
    official = bare(reg.at[hit, "name"])
    reason = (
        "sai dấu"
        if hit in same_letters
        else "gõ đảo hai chữ cái"
        if Levenshtein.distance(typed, official) == 2
        else "gõ nhầm một chữ cái"
    )
    return Match(hit, True, registry_name=str(reg.at[hit, "name"]), corrections=(reason,))


def _capital_lost(lookup, reg, commune: str) -> list[str]:
    """The units of the parents whose name is `commune` with a first letter put back on a
    word typed in small letters among capitalised ones: "Diễn ân" is Diễn Tân with its
    capital T lost as much as Diễn An with a mark slipped, "Châu hong" Châu Phong as much as
    Châu Hồng next door.  The small letter says a letter went missing before it; a reading
    that places the name without one is then a guess."""
    words = tidy(commune).split()
    size = len(bare_exact(commune).split())
    if not size or len(words) < size:
        return []
    words = words[-size:]
    small = [i for i, w in enumerate(words) if w[:1].islower()]
    if not small or not any(w[:1].isupper() for w in words):
        return []
    typed = [fold(w) for w in words]
    marked = [unicodedata.normalize("NFC", w).lower() for w in words]
    out = []
    for key in lookup("*"):
        name = str(reg.at[key, "name"])
        theirs, their_marks = bare(name).split(), _marked(name).split()
        if len(theirs) != size or len(their_marks) != size:
            continue
        # The word in small letters, with the marks it was typed with (none: any marks),
        # is the unit's word without its first letter; the other words are the unit's.
        if all(
            theirs[i] == typed[i]
            if i not in small
            else (their_marks[i] if not marked[i].isascii() else theirs[i])[1:] == marked[i]
            and len(theirs[i]) == len(typed[i]) + 1
            for i in range(size)
        ):
            out.append(key)
    return out


def capital_lost_readings(
    province: str, district: str | None, commune: str, on: date | None
) -> tuple[list[str], list[str]]:
    """For an import's message on a name left apart: the units of the row's district (or
    province, none written) the name is with a first letter put back on a word in small
    letters, and those it is as typed, marks left out or not — ([], []) when no letter can
    have been lost.  "Xã Châu hong" with no district: Xã Châu Phong (Quỳ Châu), and Xã
    Châu Hồng (Quỳ Hợp)."""
    if hierarchy_of(district, on) != "3":
        return [], []
    idx = _index()
    reg = load_registry()
    pkey = idx["provinces"].get(bare(province)) if province else None
    parents = sorted(_district_keys(district, pkey)) if (district or "").strip() else [pkey] if pkey else []

    def lookup(*key) -> list[str]:
        return [k for parent in parents for k in idx["communes"].get(("3", parent, *key), [])]

    lost = _capital_lost(lookup, reg, commune)
    if not lost:
        return [], []
    typed = lookup("=", bare_exact(commune)) + lookup("~", spelled(commune))
    typed += [k for k in lookup("_", spelled_plain(commune)) if _fits_plain(commune, str(reg.at[k, "name"]))]
    return [label_of(k) for k in lost], [label_of(k) for k in dict.fromkeys(typed) if k not in lost]


def _marked_as_typed(typed: str, official: str) -> str:
    """`official` as `_marked` gives it, each word the typist wrote without any mark (`typed`,
    itself `_marked`) without its marks too: marks left out are no slip.  Counted, they made
    "Dien Trong" Diễn Trung (a letter) rather than Diễn Trường (a letter, and the marks not
    typed), "Nghia Dn" Nghĩa An rather than Thị trấn Nghĩa Đàn: one slip from both, a guess."""
    theirs = _marked(official)
    mine, words = typed.split(), theirs.split()
    if len(mine) != len(words) or all(not w.isascii() for w in mine):
        return theirs
    return " ".join(fold(w) if m.isascii() else w for m, w in zip(mine, words))


def _marked(name: str) -> str:
    """A name without its unit type, in lower case with its marks: how close two names are
    as typed ("Dơưng" is a swap from "Dương", three slips from "Đồng")."""
    return unicodedata.normalize("NFC", bare_exact(name)).lower()


@lru_cache(maxsize=1)
def _every_commune_spelling() -> tuple[frozenset[str], dict[str, list[str]]]:
    """Every registry commune, either hierarchy: its spelling keys, and its names by their
    spelling without marks."""
    communes = load_registry()
    communes = communes[communes.level == "commune"]
    plain: dict[str, list[str]] = {}
    for name in communes["name"]:
        plain.setdefault(spelled_plain(name), []).append(name)
    return frozenset(spelled(n) for n in communes["name"]), plain


def names_a_commune(commune: str) -> bool:
    """Whether a name is, as typed (or with marks left out), a registry commune somewhere:
    "Xã Tan Son" under a district that has a Tây Sơn but no Tân Sơn is Tân Sơn of another
    district written under the wrong one, not a slip for Tây Sơn; "Cong Thanh" in a name
    column is Xã Công Thành, not a "Cộng" row."""
    exact, plain = _every_commune_spelling()
    return spelled(commune) in exact or any(
        _fits_plain(commune, name) for name in plain.get(spelled_plain(commune), ())
    )


@lru_cache(maxsize=1)
def _unheld_spellings() -> dict[str, tuple[frozenset[str], dict[str, list[str]]]]:
    """Per province whose districts the registry holds only in part (Hà Tĩnh: Huyện Kỳ Anh
    alone), the names of its real communes the registry does not hold: their spelling keys,
    and their names by their spelling without marks.  From the 2025 lists' former units
    ("Phường Kỳ Liên", "Phường Kỳ Long" of Thị xã Kỳ Anh), less the registry's own names.
    A province held whole (Nghệ An) has none: its 2025 list's names outside the registry are
    communes merged before 2023 or other spellings of the registry's own ("Xã Cắm Muộn" for
    Căm Muộn), which a slip must still reach."""
    reg = load_registry()
    districts = reg[reg.level == "district"]
    held = set(reg.loc[(reg.level == "commune") & (reg.hierarchy == "3"), "district_key"])
    partly = {str(p) for p, d in zip(districts.province_key, districts.index) if d not in held}
    out: dict[str, tuple[frozenset[str], dict[str, list[str]]]] = {}
    for name in _COMMUNE_2025_FILES:
        frame = _read(name)
        for province, former in zip(frame["province_code"], frame["former_units_bando"]):
            if province not in partly:
                continue
            exact, plain = out.setdefault(province, (set(), {}))
            for unit in (tidy(p) for p in former.split(",")):
                if unit and not names_a_commune(unit):
                    exact.add(spelled(unit))
                    plain.setdefault(spelled_plain(unit), []).append(unit)
    return {p: (frozenset(exact), plain) for p, (exact, plain) in out.items()}


def names_an_unheld_unit(commune: str, province_key: str) -> bool:
    """Whether a name is, as typed (or with marks left out), a real commune of the province
    that the registry does not hold: "Xã Kỳ Liên" written under Huyện Kỳ Anh is Thị xã Kỳ
    Anh's ward next door, not a slip for Kỳ Tiến.  Such a name is no slip of the hand
    (`_near_match`): read as one, the town's figures were added to a commune of the
    district.  It stays apart, with its closest names, for the analyst."""
    found = _unheld_spellings().get(province_key)
    if not found:
        return False
    exact, plain = found
    return spelled(commune) in exact or any(
        _fits_plain(commune, name) for name in plain.get(spelled_plain(commune), ())
    )


SUGGEST_CUTOFF = 70


@lru_cache(maxsize=4)
def _suggest_pool(hierarchy: str) -> tuple[list[str], list[str]]:
    """The registry communes of one hierarchy: their bare names and display labels."""
    reg = load_registry()
    pool = reg[(reg.level == "commune") & (reg.hierarchy == hierarchy)]
    return [bare(n) for n in pool.name], [_label(reg.loc[key]) for key in pool.key]


def suggest(name: str, hierarchy: str = "3", limit: int = 3) -> tuple[str, ...]:
    """Closest registry commune names, for an unknown name (never applied silently)."""
    from rapidfuzz import fuzz, process

    # Performance: the pool's bare names and labels are computed once, not per call.
    choices, labels = _suggest_pool(hierarchy)
    hits = process.extract(bare(name), choices, scorer=fuzz.WRatio, limit=limit, score_cutoff=SUGGEST_CUTOFF)
    return tuple(labels[index] for _, _, index in hits)


def suggest_many(
    names: list[str], hierarchy: str = "3", limit: int = 3, districts: list[str] | None = None
) -> list[tuple[str, ...]]:
    """`suggest` for many names at once: one `rapidfuzz.process.cdist` over the pool (in C,
    on every core) instead of one scan per name.  Same suggestions, same order: best
    score first, ties in registry order.

    `districts` (one per name, "" for none): of the closest names, those of the row's own
    district come first ("Diễn Hạn" in Diễn Châu's report: Diễn Vạn and Diễn An before
    another district's Diễn Hoàng, which a plain score ranked above Diễn Vạn)."""
    if districts is not None:
        wide = suggest_many(names, hierarchy, limit * 3)
        out = []
        for found, district in zip(wide, districts):
            own = bare(district) if district else ""
            mine = [label for label in found if own and bare(_district_of_label(label)) == own]
            out.append(tuple([*mine, *(label for label in found if label not in mine)][:limit]))
        return out
    import numpy as np
    from rapidfuzz import fuzz, process

    if not names:
        return []
    choices, labels = _suggest_pool(hierarchy)
    if not choices:
        return [() for _ in names]
    # Performance: each name is scored once per process (the pool is the registry's, fixed
    # like `_suggest_pool`): a nation's 63 files name ~9.600 units outside the registry,
    # ~3.600 of them distinct, and scoring them was the largest single cost of checking them.
    if len(_SUGGESTED) > 100_000:
        _SUGGESTED.clear()
    bares = [bare(n) for n in names]
    queries = [q for q in dict.fromkeys(bares) if (hierarchy, limit, q) not in _SUGGESTED]
    if queries:
        scores = process.cdist(
            queries, choices, scorer=fuzz.WRatio, score_cutoff=SUGGEST_CUTOFF, dtype=np.float64, workers=-1
        )
        for query, row in zip(queries, scores):
            # Best first, ties by position in the pool (a stable sort of the negated scores).
            order = np.argsort(-row, kind="stable")[:limit]
            _SUGGESTED[hierarchy, limit, query] = tuple(labels[i] for i in order if row[i] >= SUGGEST_CUTOFF)
    return [_SUGGESTED[hierarchy, limit, q] for q in bares]


_SUGGESTED: dict[tuple[str, int, str], tuple[str, ...]] = {}


def _district_of_label(label: str) -> str:
    """ "Xã Diễn Vạn (Huyện Diễn Châu)" → "Huyện Diễn Châu"."""
    found = re.search(r"\(([^()]*)\)\s*$", label)
    return found.group(1) if found else ""


@lru_cache(maxsize=1 << 12)  # a report's rows repeat a few districts' names hundreds of times
def _district_keys(district: str, pkey: str | None) -> frozenset[str]:
    """The registry districts a typed district names, in the province `pkey` (any without
    one): the fullest form that names any ("Thị xã Kỳ Anh" is not Huyện Kỳ Anh; "Kỳ Anh"
    alone is both)."""
    idx = _index()
    for name in (expand(district), bare(district), spelling_key(expand(district)), spelled_plain(district)):
        hits = frozenset(k for p, k in idx["district_names"].get(name, ()) if pkey is None or p == pkey)
        if hits:
            return hits
    # "D.Châu", "H.DC", "TX HM": a district abbreviated as compilers of a province's
    # summary do; its communes were units outside the registry until round 22.  "H.NĐ" is
    # Nghĩa Đàn or Nam Đàn: the commune decides, as it does for "Kỳ Anh" written alone.
    return district_abbreviated(district, pkey) or district_initials(district, pkey)


@lru_cache(maxsize=1 << 12)
def district_initials(text: str, pkey: str | None = None) -> frozenset[str]:
    """The districts (of the province `pkey`, any without one) a district written as its
    words' initials in capitals, with no type, names: "KA" (Huyện and Thị xã Kỳ Anh), "QC",
    "NĐ" — as after a commune in its cell ("Kỳ Tân, KA").  Two to four capitals, nothing
    else: "V" or "Ky" name nothing.  Callers take it when the row's district or the commune
    decides, as for "H.NĐ"."""
    word = unicodedata.normalize("NFC", str(text or "")).strip()
    if not (2 <= len(word) <= 4 and word.isalpha() and word.isupper()):
        return frozenset()
    reg = load_registry()
    return frozenset(
        k
        for k in _short_forms()[0].get("=" + fold(word), [])
        if pkey is None or str(reg.at[k, "province_key"]) == pkey
    )


def same_district(written: str, row: str, province: str) -> bool:
    """Whether the district written in a commune's cell is the row's own, each typed its way:
    "Diễn Châu" in "Xã Diễn Hoàng, Diễn Châu" and "H. Diễn Châu" in the district column are
    one district, where the folded texts differ and the cell was not read (the name stayed
    apart).  "Kỳ Anh" in the cell names Huyện and Thị xã Kỳ Anh: it agrees with either, and
    the row's own stays the one the name is looked for in.  Texts that name no registry
    district must still read the same."""
    if expand(written) == expand(row):
        return True
    pkey = _index()["provinces"].get(bare(province)) if province else None
    mine, theirs = _district_keys(written, pkey), _district_keys(row, pkey)
    return bool(mine & theirs)


def district_without_communes(province: str, district: str | None, on: date | None = None) -> str | None:
    """The label of the registry district `district` names when the registry holds none of
    its communes (the data shipped lists some provinces' districts only), else None."""
    if not (district or "").strip() or hierarchy_of(district, on) != "3":
        return None
    idx = _index()
    pkey = idx["provinces"].get(bare(province)) if province else None
    keys = _district_keys(district, pkey)
    if len(keys) != 1:
        return None
    (key,) = keys
    return None if idx["communes"].members("3", key) else label_of(key)


@lru_cache(maxsize=1 << 10)  # a report's rows repeat their province
def province_outside(province: str) -> bool:
    """Whether `province` names a province the registry does not hold: neither one of its
    provinces, nor one written with a slip or two, nor any other unit of it.  Every commune
    of such a province is outside the registry, and the closest names of the registry's own
    provinces would only mislead ("Xã Tường Ngọc" of Kon Tum is no slip of a Nghệ An name)."""
    from rapidfuzz.distance import OSA

    # "Nghe An Province": the province held, its type typed in English.
    english = english_type(province or "", "province")
    typed = bare(english[0] if english else province or "")
    if not typed:
        return False
    if typed in other_province_names():
        return True  # "Thanh Hóa", though Thanh Chương has a Xã Thanh Hòa
    named = _unit_bare_names()
    if typed in named["any"]:
        return False
    return all(OSA.distance(typed, name, score_cutoff=2) > 2 for name in named["province"])


@lru_cache(maxsize=1)
def _unit_bare_names() -> dict[str, set[str]]:
    """The bare names of the registry's provinces, and of all its units."""
    reg = load_registry()
    return {
        "province": {bare(n) for n in reg.loc[reg["level"] == "province", "name"]},
        "any": {bare(n) for n in reg["name"]},
    }


def namesakes(province: str, commune: str, on: date | None = None) -> list[str]:
    """The communes of a province (all provinces when none is given) written `commune`
    exactly, as labels with their district ("Xã Đồng Văn (Huyện Tân Kỳ)"): what a name with
    no district could be."""
    idx, reg = _index(), load_registry()
    pkey = idx["provinces"].get(bare(province)) if province else None
    provinces = [pkey] if pkey else reg.index[reg["level"] == "province"].tolist()
    hierarchy = hierarchy_of(None, on)
    found = [k for p in provinces for k in idx["communes"].get((hierarchy, p, "=", bare_exact(commune)), [])]
    return [label_of(k) for k in found]


def label_of(key: str) -> str:
    """A unit's name with its district: "Xã Nghĩa Bình (Huyện Tân Kỳ)"."""
    return _label(load_registry().loc[key])


def _label(unit: pd.Series) -> str:

    reg = load_registry()
    parent = unit["parent_key"]
    if parent and parent in reg.index and reg.at[parent, "level"] == "district":
        return f"{unit['name']} ({reg.at[parent, 'name']})"
    return str(unit["name"])


# A district's type before its abbreviated name ("H.DC", "TX HM", "T.X Cửa Lò", "HUYỆN
# Y.THÀNH"), folded; the type it says.  Not "q.": "Q.Lưu" is Quỳnh Lưu with its first word
# cut, "Q.10" a city's district.
_DISTRICT_TYPE_TYPED = re.compile(
    r"^(huyen|thi xa|thanh pho|h|tx|tp|t\s*\.\s*x|t\s*\.\s*p)(?:\s*\.\s*|\s+)(?=\w)"
)
_TYPE_OF_TYPED = {
    "huyen": "Huyện",
    "h": "Huyện",
    "thixa": "Thị xã",
    "tx": "Thị xã",
    "thanhpho": "Thành phố",
    "tp": "Thành phố",
}


def _cut_forms(name: str) -> list[str]:
    """Every form of a unit's name with one word or more cut to its first letter and a dot,
    not all of them: "dien chau" → "d. chau", "dien c.", in that form's key ("d. chau")."""
    words = bare(name).split()
    if len(words) < 2 or len(words) > 4:
        return []
    out = []
    for mask in range(1, (1 << len(words)) - 1):
        out.append(" ".join(w[0] + "." if mask >> i & 1 else w for i, w in enumerate(words)))
    return out


@lru_cache(maxsize=1)
def _short_forms() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The districts and the communes (three-level) by each of their cut forms, made once:
    a typed abbreviation is then a look-up, never a scan of the registry's names."""
    reg = load_registry()
    districts: dict[str, list[str]] = {}
    communes: dict[str, list[str]] = {}
    three = reg[reg["hierarchy"] == "3"]
    for key, level, name in zip(three.index, three["level"], three["name"]):
        target = districts if level == "district" else communes if level == "commune" else None
        if target is None:
            continue
        for form in _cut_forms(str(name)):
            target.setdefault(form, []).append(str(key))
        if level == "district":
            # "H.DC", "TX HM": each word cut to its first letter, glued (only with its type).
            initials = "".join(w[0] for w in bare(str(name)).split())
            districts.setdefault("=" + initials, []).append(str(key))
    return districts, communes


def _typed_short_form(text: str) -> tuple[str | None, str] | None:
    """(the type typed or None, the form's key) of a name written with words cut to their
    first letter ("D.Châu" → (None, "d. chau"); "H.DC" → ("Huyện", "=dc"); "HUYỆN Y.THÀNH" →
    ("Huyện", "y. thanh")); None when no word is cut."""
    folded = " ".join(fold(tidy(text)).split())
    typed = None
    found = _DISTRICT_TYPE_TYPED.match(folded)
    if found:
        typed = _TYPE_OF_TYPED[re.sub(r"[\s.]", "", found.group(1))]
        folded = folded[found.end() :]
    if not re.fullmatch(r"[a-z. ]+", folded):
        return None
    words = [w for w in re.split(r"[.\s]+", folded) if w]
    if typed and len(words) == 1 and 2 <= len(words[0]) <= 4:
        return typed, "=" + words[0]
    if len(words) < 2 or not any(len(w) == 1 for w in words) or all(len(w) == 1 for w in words):
        return None
    return typed, " ".join(w + "." if len(w) == 1 else w for w in words)


@lru_cache(maxsize=1 << 12)  # a report's rows repeat their districts
def district_abbreviated(text: str, pkey: str | None = None) -> frozenset[str]:
    """The registry districts (of the province `pkey`, any without one) a district written
    with words cut to their first letter names: "D.Châu", "Q.Lưu", "Y.Thành" (a word cut, the
    others whole), "H.DC", "TX HM", "H.YT" (its type, then the initials of every word).  The
    type typed must be the district's.  Callers take it only when one district fits: "H.NĐ"
    is Nghĩa Đàn or Nam Đàn."""
    typed = _typed_short_form(text)
    if typed is None:
        return frozenset()
    kind, form = typed
    reg = load_registry()
    keys = _short_forms()[0].get(form, [])
    return frozenset(
        k
        for k in keys
        if (pkey is None or str(reg.at[k, "province_key"]) == pkey)
        and (kind is None or str(reg.at[k, "unit_type"]) == kind)
    )


def abbreviates_a_commune(text: str) -> bool:
    """Whether a name with words cut to their first letter fits a commune of the registry
    too ("D.Châu": Thị trấn Diễn Châu; "Q.Phong": Xã and Phường Quang Phong)."""
    typed = _typed_short_form(text)
    return typed is not None and typed[0] is None and bool(_short_forms()[1].get(typed[1]))
