"""A residence written as one address → its commune, district and province.

Exports from some issuing offices have no separate commune column, only "Nơi thường trú"
or "Địa chỉ": "Thôn 3, Xã Kỳ Đồng, Huyện Kỳ Anh, Tỉnh Hà Tĩnh".  Only the administrative
parts are kept; the house, street and hamlet before them are personal and are dropped
here, never stored, logged or shown.

Parts are told by their unit word ("Xã", "P.", "TT.", "Huyện", "Q.", "TX.", "TP.",
"Tỉnh"); an address written without them ("Kỳ Đồng, Kỳ Anh, Hà Tĩnh") is read from the
end when its last part names a province of the registry.
"""

from __future__ import annotations

import re
from functools import lru_cache

from cccd_analytics import registry
from cccd_analytics.text import fold

_SPLIT = re.compile(r"\s*(?:,|;|\s-\s|\s–\s|\n)\s*")
# A unit word then the name ("Xã Kỳ Đồng"), or an abbreviation with its dot ("X.Kỳ Đồng", "TT Tân Kỳ").
_COMMUNE = re.compile(r"^(?:(?:xa|phuong|thi tran|dac khu|tt)\s+|(?:x|p|tt|t\.t)\.\s*)\S")
_DISTRICT = re.compile(r"^(?:(?:huyen|quan|thi xa|thanh pho|tx|tp)\s+|(?:h|q|tx|tp)\.\s*)\S")
_PROVINCE = re.compile(r"^(?:(?:tinh|thanh pho|tp)\s+|(?:t|tp)\.\s*)\S")
# Parts below the commune: never a commune, never kept.
_BELOW_COMMUNE = re.compile(
    r"^(?:xom|thon|ban|khoi|to|ap|so|khu|lang|doi|ngo|ngach|hem|duong|pho|cum|kiot|kios|nha)\b"
)


@lru_cache(maxsize=1)
def _provinces() -> frozenset[str]:
    reg = registry.load_registry()
    return frozenset(registry.bare(n) for n in reg.loc[reg.level == "province", "name"])


@lru_cache(maxsize=1 << 16)
def split_address(text: str) -> tuple[str, str, str]:
    """(province, district, commune) of an address; "" where a part is not found.  The
    commune is "" when the address names none (the row then counts as without a commune)."""
    parts = [p.strip(" .") for p in _SPLIT.split(str(text or "")) if p.strip(" .")]
    if not parts:
        return "", "", ""
    province = district = commune = ""
    rest = list(parts)
    if rest and (registry.bare(rest[-1]) in _provinces() or _PROVINCE.match(fold(rest[-1]))):
        if not _DISTRICT.match(fold(rest[-1])) or registry.bare(rest[-1]) in _provinces():
            province = rest.pop()
    marked = [i for i, p in enumerate(rest) if _COMMUNE.match(fold(p))]
    districts = [i for i, p in enumerate(rest) if _DISTRICT.match(fold(p)) and i not in marked]
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
