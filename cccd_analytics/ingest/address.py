"""A residence written as one address → its commune, district and province.

Exports from some issuing offices have no separate commune column, only "Nơi thường trú"
or "Địa chỉ": "Thôn 3, Xã Kỳ Đồng, Huyện Kỳ Anh, Tỉnh Hà Tĩnh".  Only the administrative
parts are kept; the house, street and hamlet before them are personal and are dropped
here, never stored, logged or shown.

Parts are told by their unit word ("Xã", "P.", "TT.", "Huyện", "Q.", "TX.", "TP.",
"Tỉnh"); an address written without them ("Kỳ Đồng, Kỳ Anh, Hà Tĩnh") is read from the
end when its last part names a province of the registry.  When that finds no commune the
registry knows — addresses typed without commas, without accents, with the province as
initials ("Kỳ Tân, Kỳ Anh, HT", "xa ky tan huyen ky anh ha tinh") — the words are read
from the end against the registry itself (`_from_registry`): a province, a district of
it, a commune of that district, each maybe after its unit word.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from cccd_analytics import registry
from cccd_analytics.text import fold

_SPLIT = re.compile(r"\s*(?:,|;|\s-\s|\s–\s|\s—\s|\s/\s|\n)\s*")
# A unit word then the name ("Xã Kỳ Đồng"), or an abbreviation with its dot ("X.Kỳ Đồng", "TT Tân Kỳ").
_COMMUNE = re.compile(r"^(?:(?:xa|phuong|thi tran|dac khu|tt)\s+|(?:x|p|tt|t\.t)\.\s*)\S")
_DISTRICT = re.compile(r"^(?:(?:huyen|quan|thi xa|thanh pho|tx|tp)\s+|(?:h|q|tx|tp)\.\s*)\S")
_PROVINCE = re.compile(r"^(?:(?:tinh|thanh pho|tp)\s+|(?:t|tp)\.\s*)\S")
# Parts below the commune: never a commune, never kept.
_BELOW_COMMUNE = re.compile(
    r"^(?:xom|thon|ban|khoi|to|ap|so|khu|lang|doi|ngo|ngach|hem|duong|pho|cum|kiot|kios|nha)\b"
)


def _district_part(part: str) -> bool:
    """Whether a part of an address is a district by its unit word ("Huyện Kỳ Anh", "Q.1",
    "Quận Hoàn Kiếm").  Not a commune whose name begins "Quán", "Quan", folded as "Quận" is
    ("Quán Bàu", "Quán Hành", "Quan Thành"): read as a district, "Quán Bàu, Vinh" named no
    commune and the row lost its place.  Written "Quận", it is the district."""
    folded = fold(part)
    if not _DISTRICT.match(folded):
        return False
    if not folded.startswith("quan "):
        return True
    first = unicodedata.normalize("NFC", part.strip()).split()[0].lower()
    return first == "quận" or not registry.names_a_commune(part)


def _provinces() -> frozenset[str]:
    return registry.level_names("province")[0]


def _other_province(part: str) -> bool:
    """A part naming a province the registry does not hold ("Thanh Hóa", "Tỉnh Quảng Trị"),
    not a commune or a district written with its unit word ("Xã Thanh Hòa")."""
    folded = fold(part)
    return (
        registry.bare(part) in registry.other_province_names()
        and not _COMMUNE.match(folded)
        and not (_district_part(part) and not _PROVINCE.match(folded))
    )


@lru_cache(maxsize=1 << 16)
def split_address(text: str) -> tuple[str, str, str]:
    """(province, district, commune) of an address; "" where a part is not found.  The
    commune is "" when the address names none (the row then counts as without a commune)."""
    text = _province_first(str(text or ""))
    found = _by_parts(text)
    if found[0] and registry.bare(found[0]) in registry.other_province_names():
        # Another province's address: read against the registry, its words would find the
        # registry's namesakes ("…, Như Thanh, Thanh Hóa" as Nghệ An's Xã Thanh Hòa).
        return found
    if found[2] and registry.bare(found[2]) in _places().communes:
        return found
    read = _from_registry(text)
    if read and found[1] and registry.bare(read[2]) == registry.bare(found[1]):
        # The registry read a 2025 commune named as the district written ("Xã Quỳnh Lưu",
        # "Xã Nghĩa Đàn"), but the address says that name is its district: with its unit
        # word ("Xóm 1, huyện Quỳnh Lưu, Nghệ An"), or after a commune of its own that the
        # registry does not know ("Xã Nghĩa Hoà, Nghĩa Đàn, Nghệ An", merged in 2019).  The
        # row was counted on a commune it does not name; it now has none of the registry.
        if found[2] or _district_part(found[1]):
            return found
    return read or found


def _province_first(text: str) -> str:
    """An address written from the province down ("Nghệ An, Diễn Châu, Diễn Kim, xóm 3"),
    turned round to the usual order, so that both readings, which go from the end, find its
    province last.  Only when its first part is a province and its last is not."""
    parts = [p.strip(" .") for p in _SPLIT.split(text) if p.strip(" .")]
    if len(parts) < 2 or (registry.bare(parts[0]) not in _provinces() and not _other_province(parts[0])):
        return text
    if registry.bare(parts[-1]) in _provinces() or _other_province(parts[-1]):
        return text
    return ", ".join(reversed(parts))


def _by_parts(text: str) -> tuple[str, str, str]:
    """The address cut at its commas and dashes, each part told by its unit word."""
    parts = [p.strip(" .") for p in _SPLIT.split(str(text or "")) if p.strip(" .")]
    if not parts:
        return "", "", ""
    province = district = commune = ""
    rest = list(parts)
    if rest and (registry.bare(rest[-1]) in _provinces() or _PROVINCE.match(fold(rest[-1]))):
        if not _district_part(rest[-1]) or registry.bare(rest[-1]) in _provinces():
            province = rest.pop()
    elif rest and _other_province(rest[-1]):
        # Another province's resident ("…, Xã Diễn Kim, Huyện Diễn Châu, Thanh Hóa"): its
        # commune was read as Nghệ An's namesake, the province unwritten to the reading.
        province = rest.pop()
    marked = [i for i, p in enumerate(rest) if _COMMUNE.match(fold(p))]
    districts = [i for i, p in enumerate(rest) if _district_part(p) and i not in marked]
    if districts:
        district = rest[districts[-1]]
    if marked:
        commune = rest[marked[-1]]
        if not districts and marked[-1] + 1 < len(rest):
            district = rest[marked[-1] + 1]  # "…, Xã Nghĩa Bình, Nghĩa Đàn, Nghệ An"
    elif province and districts and districts[-1] >= 1:
        commune = rest[districts[-1] - 1]  # "…, Kỳ Đồng, Huyện Kỳ Anh, Hà Tĩnh"
    elif province and not districts and len(rest) >= 2:
        # Unmarked: "…, Kỳ Đồng, Kỳ Anh, Hà Tĩnh" — commune, district, province.
        commune, district = rest[-2], rest[-1]
    elif province and len(rest) == 1:
        commune = rest[0]  # two levels: "Kỳ Xuân, Hà Tĩnh"
    if commune and _BELOW_COMMUNE.match(fold(commune)):
        commune = ""  # a hamlet or a house is not a commune (and is never shown)
    return province, district, commune


# -- read against the registry, from the end -------------------------------------------------

_UNIT_WORDS = {
    "province": (("tinh",), ("t",), ("thanh", "pho"), ("tp",)),
    "district": (("huyen",), ("h",), ("quan",), ("q",), ("thi", "xa"), ("tx",), ("thanh", "pho"), ("tp",)),
    "commune": (("xa",), ("x",), ("phuong",), ("p",), ("thi", "tran"), ("tt",), ("dac", "khu")),
}
_TYPE_OF = {  # a unit word → the registry's unit type it names (abbreviations spelt out)
    "t": "tinh", "tp": "thanh pho", "h": "huyen", "q": "quan", "tx": "thi xa", "x": "xa",
    "p": "phuong", "tt": "thi tran",
}  # fmt: skip
_COUNTRY = (("viet", "nam"), ("vn",))
_LONGEST = 5  # words of the longest unit name ("Châu Thành A"; no name is longer)


class _Places:
    """The registry's names, folded and without their unit word, by parent."""

    def __init__(self) -> None:
        reg = registry.load_registry()
        bare = reg["name"].map(registry.bare)
        kind = reg["name"].map(lambda n: fold(n).split(" ")[0])
        self.provinces: dict[str, list[str]] = {}
        self.children: dict[tuple[str, str], list[str]] = {}
        for key, level, name, parent in zip(reg.index, reg["level"], bare, reg["parent_key"]):
            if level == "province":
                self.provinces.setdefault(name, []).append(key)
                initials = "".join(w[0] for w in name.split())
                self.provinces.setdefault(initials, []).append(key)  # "HT", "NA"
            else:
                self.children.setdefault((str(parent), name), []).append(key)
        self.communes = frozenset(bare[reg["level"] == "commune"])
        self.name = dict(zip(reg.index, reg["name"]))
        self.type = dict(zip(reg.index, [fold(t or "") for t in reg["unit_type"].fillna("")]))
        self.kind = dict(zip(reg.index, kind))
        self.level = dict(zip(reg.index, reg["level"]))
        self.district_of = dict(zip(reg.index, reg["district_key"]))
        self.province_of = dict(zip(reg.index, reg["province_key"]))


@lru_cache(maxsize=1)
def _places() -> _Places:
    return _Places()


def _take(words: list[str], end: int, names: dict, parents: list[str] | None, level: str):
    """The unit whose name ends at `end` (longest name first), its unit word before it if
    written: (start, keys, unit type said) or None."""
    for size in range(min(_LONGEST, end), 0, -1):
        name = " ".join(words[end - size : end])
        if parents is None:
            keys = names.get(name, [])
        else:
            keys = [k for p in parents for k in names.get((p, name), [])]
        if not keys:
            continue
        start, said = end - size, None
        for unit in sorted(_UNIT_WORDS[level], key=len, reverse=True):
            if tuple(words[start - len(unit) : start]) == unit:
                start, said = start - len(unit), " ".join(unit)
                break
        return start, keys, _TYPE_OF.get(said, said)
    return None


def _ends_with_other_province(words: list[str]) -> bool:
    """Whether folded words end with a province the registry does not hold ("… huyen dien
    chau thanh hoa"), not after a commune's unit word ("… xa thanh hoa" is a commune)."""
    others = registry.other_province_names()
    for size in range(1, min(_LONGEST, len(words)) + 1):
        if " ".join(words[-size:]) in others:
            before = tuple(words[max(0, len(words) - size - 2) : len(words) - size])
            return not any(before[-len(u) :] == u for u in _UNIT_WORDS["commune"] if len(before) >= len(u))
    return False


def _from_registry(text: str) -> tuple[str, str, str] | None:
    """(province, district, commune) official names read from the end of the address, or
    None when its last words are not a commune of the registry (with its district and
    province when written)."""
    places = _places()
    words = re.sub(r"[^a-z0-9]+", " ", fold(str(text or ""))).split()
    for country in _COUNTRY:
        if tuple(words[-len(country) :]) == country:
            words = words[: -len(country)]
    if _ends_with_other_province(words):
        return None
    end, province_keys = len(words), None
    found = _take(words, end, places.provinces, None, "province")
    if found:
        end, province_keys, _ = found
    parents = province_keys or sorted({k for ks in places.provinces.values() for k in ks})
    districts = _take(words, end, places.children, parents, "district")
    communes = None
    if districts:
        start, keys, said = districts
        keys = [k for k in keys if places.level[k] == "district" and _fits(places, k, said)]
        communes = _take(words, start, places.children, keys, "commune") if keys else None
    if communes is None:  # no district written ("Kỳ Xuân, Hà Tĩnh"), or a 2025 commune
        communes = _take(words, end, places.children, parents, "commune")
    if communes is None:
        # No district written, before 2025: a commune of one of the province's districts
        # ("Xóm 6, Kỳ Tân, Nghệ An"), when exactly one of them has that name (below).
        communes = _take(words, end, places.children, _districts_of(tuple(parents)), "commune")
    if communes is None:
        return None
    start, keys, said = communes
    keys = [k for k in keys if places.level[k] == "commune" and _fits(places, k, said)]
    if len(keys) > 1:
        # Names alike once their marks are dropped ("Châu Bình", "Châu Bính" of one
        # district): the one written with its marks, when the address has them.
        keys = _as_marked(places, keys, _marked_words(text, words), start, _commune_end(words, start, said))
    if len(keys) != 1:
        return None  # the same name in two districts, none written: not ours to choose
    commune = keys[0]
    district = places.district_of[commune]  # none for a 2025 commune
    return (
        places.name.get(places.province_of[commune], ""),
        places.name.get(district, "") if isinstance(district, str) else "",
        places.name[commune],
    )


@lru_cache(maxsize=64)
def _districts_of(provinces: tuple[str, ...]) -> list[str]:
    places = _places()
    wanted = set(provinces)
    return sorted(
        k for k, level in places.level.items() if level == "district" and places.province_of[k] in wanted
    )


def _commune_end(words: list[str], start: int, said: str | None) -> int:
    """Where a commune's name that `_take` found at `start` (its unit word included) ends:
    the longest name of the registry there."""
    places = _places()
    begin = start + (len(said.split()) if said else 0)
    for size in range(min(_LONGEST, len(words) - begin), 0, -1):
        if " ".join(words[begin : begin + size]) in places.communes:
            return begin + size
    return begin


def _marked_words(text: str, folded: list[str]) -> list[str] | None:
    """The address's words with their marks, lower case, one for each folded word (None
    when the two do not line up word for word)."""
    count = len(folded)
    words = [w for w in re.split(r"[^\w]+|_", unicodedata.normalize("NFC", str(text or "")).lower()) if w]
    if len(words) != count + _country_words(words):
        return None
    return words if all(fold(m) == f for m, f in zip(words, folded)) else None


def _country_words(words: list[str]) -> int:
    folded = [fold(w) for w in words]
    return next((len(c) for c in _COUNTRY if tuple(folded[-len(c) :]) == c), 0)


def _as_marked(places: _Places, keys: list[str], marked: list[str] | None, start: int, end: int) -> list[str]:
    """Of communes whose names fold alike, those whose name is written as the address
    writes it (marks and all); all of them when the address has no such word."""
    if marked is None:
        return keys
    typed = " ".join(marked[start:end])
    same = [k for k in keys if f" {typed}".endswith(f" {_name_marked(places, k)}")]
    return same or keys


def _name_marked(places: _Places, key: str) -> str:
    """A unit's name without its unit word, lower case with its marks ("châu bính")."""
    name = unicodedata.normalize("NFC", places.name[key]).lower()
    words = name.split()
    kind = len(places.type[key].split()) if places.type[key] else 1
    return " ".join(words[kind:])


def _fits(places: _Places, key: str, said: str | None) -> bool:
    """Whether a unit is of the type its unit word says ("huyện" is not "thị xã")."""
    return said is None or places.kind[key] == said.split()[0] or places.type[key].startswith(said)
