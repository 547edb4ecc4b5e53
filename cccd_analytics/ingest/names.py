"""The places a file names → registry units: each distinct place resolved once (a row
naming neither province nor district tried in each province), and a unit outside the
registry described with the parents its names point to."""

from __future__ import annotations

import bisect
import dataclasses
import functools
import itertools
import re
from datetime import date
from typing import NamedTuple

import pandas as pd

from cccd_analytics import registry
from cccd_analytics.ingest import address, keystrokes, legacy_text
from cccd_analytics.text import fold, spelling_key


class FirstRow(NamedTuple):
    """The first row of a (province, district, commune, code, hierarchy) in the file."""

    row: int
    sheet: str
    province: str
    district: str
    commune: str
    code: str | None
    date: date


# A district's type word after a commune's name in the same cell, with no comma between.
_DISTRICT_INSIDE = re.compile(r"\S\s+(?:huyen|thi xa|thanh pho|quan|h\.|tx\.?|tp\.?)\s*\S")


_DASH_INSIDE = re.compile(r"(?<=[^\W\d_])\s+[-–]\s+(?=[^\W\d_])")
_TYPES_TWICE = re.compile(r"^(xa|phuong|thi tran)\s+\1\b")
_NOTE_AFTER = re.compile(r"\s+(?:cu|moi)\.?$")


def unhurried(name: str) -> str:
    """A name as it was meant when typed in haste, or the name itself: a space put back where
    a word's capital follows a small letter or a type written in capitals ("KỳBắc",
    "XãKỳ Tân", "PHƯỜNGĐông Vĩnh"), a type written twice dropped, a bare "cũ"/"mới" after
    the name dropped, a type written after the name put before it ("Diễn Hoàng xã").  Only
    ever tried as another reading, shown as a correction."""
    text = " ".join(str(name).split())
    out = []
    for i, ch in enumerate(text):
        if i and ch.isupper() and out[-1] != " ":
            before = text[i - 1]
            after = text[i + 1] if i + 1 < len(text) else ""
            # "KỳBắc": small then capital; "PHƯỜNGĐông": capitals, then a capital that starts
            # a word in small letters.
            if before.islower() or (
                before.isupper() and i >= 2 and text[i - 2].isupper() and after.islower()
            ):
                out.append(" ")
        out.append(ch)
    text = "".join(out)
    words = text.split()
    folded = [fold(w) for w in words]
    twice = _TYPES_TWICE.match(" ".join(folded))
    if twice:
        size = len(twice.group(1).split())
        words = words[:size] + words[2 * size :]
    text = " ".join(words)
    # "Nghi - Thu", "Kỳ - Thượng": a dash between the words of one name, cut off as a note
    # before it ("Nghi" names nothing).
    text = _DASH_INSIDE.sub(" ", text)
    words = text.split()
    note = _NOTE_AFTER.search(fold(text))
    if note and len(words) > 2:
        text = " ".join(words[:-1])
        words = words[:-1]
    # "Diễn Kim: 17h", "Nghi Thu: chưa báo cáo": a note after a colon that follows the name
    # (round 22); not after a type alone ("Xã: Kỳ Tân", read by `registry.tidy`).
    # What follows must name no unit: "Diễn Kim: Diễn Hải", "Diễn Kim: Hải" (Diễn Hải, its
    # opening word left out as in `another_commune_written`), "Diễn Kim: Yên Thành" are two
    # places, not a note.
    colon = re.match(r"^([^:]*\S)\s*:\s*(\S.*)$", text)
    if (
        colon
        and len(colon.group(1).split()) >= 2
        and not re.fullmatch(r"(?:xa|phuong|thi tran|tt|x|p)\.?", fold(colon.group(1)))
        and not _names_a_place(colon.group(1), colon.group(2))
    ):
        text = colon.group(1)
        words = text.split()
    # "Diễn Hoàng xã", "Cầu Giát TT": the type typed after the name, as said aloud in a list
    # read out.  Only with its marks or as an abbreviation no syllable is: "Long Xá", "Yên
    # Xá" end in a word that folds to "xa".
    lowered = [w.lower().rstrip(".,;") for w in words]
    for typed, size in (("thị trấn", 2), ("phường", 1), ("xã", 1), ("tt", 1)):
        if len(words) > size + 1 and " ".join(lowered[-size:]) == typed:
            text = " ".join([typed, *words[:-size]])
            break
    return _type_slipped(text)


def _type_slipped(text: str) -> str:
    """ "Xãã Kỳ Xuân", "Phườnng Mai Hùng", "Pường Quán Bàu", "Thị tấrn Anh Sơn", "Xl Đoọc
    Mạy": the type word typed with one slip (a letter doubled, dropped, changed or two
    swapped), as the type.  Only a word that is then no Vietnamese syllable, before a name
    of two words or more (one for a town): "Phong Thịnh", "Xuân Lâm" start with a real word,
    and a hasty reading must still name a unit as it stands, never a slip further."""
    from rapidfuzz.distance import OSA

    from cccd_analytics.ingest.syllables import is_vietnamese_syllable

    words = text.split()
    folded = [fold(w).rstrip(".") for w in words]
    for typed, size in (("thị trấn", 2), ("phường", 1), ("xã", 1)):
        if len(words) < size + (1 if size == 2 else 2):
            continue
        head = folded[:size]
        wanted = fold(typed).split()
        slips = [OSA.distance(a, b) for a, b in zip(head, wanted)]
        # A word some unit's name has ("Thượng", "Hương", "Chương", or "Thuong" typed
        # without its marks) is that name, not a slip: tested folded, "thuong" was no
        # syllable and "Thượng Nghi Thuỷ" was read as "Phường Nghi Thuỷ".  Nor is a syllable
        # typed without marks, which may be any name's.
        odd = [(words[i].lower().rstrip("."), head[i]) for i, d in enumerate(slips) if d]
        if sum(slips) == 1 and not any(
            plain in _name_words() or (w == plain and is_vietnamese_syllable(w)) for w, plain in odd
        ):
            return " ".join([typed, *words[size:]])
    return text


@functools.lru_cache(maxsize=1)
def _name_words() -> frozenset[str]:
    """Every word of the registry's unit names, folded (without their type words)."""
    reg = registry.load_registry()
    return frozenset(w for name in reg["name"] for w in fold(registry.bare_exact(name)).split())


def _names_a_place(head: str, note: str) -> bool:
    """Whether the text after a name's colon names a commune, whole or with the name's
    opening words ("Hải" after "Diễn Kim": Diễn Hải), or a district."""
    head_words, words = head.split(), note.split()
    shortened = " ".join([*head_words[: max(len(head_words) - len(words), 0)], *words])
    return registry.names_a_commune(note) or registry.names_a_commune(shortened) or _is_district(note)


# Braces as brackets (round 22): "Ngọc Sơn {Thanh Chương}" names a district as "(…)" does.
_BRACKETED = re.compile(r"^(.*\S)\s*[(\[{]\s*([^()\[\]{}]+?)\s*[)\]}]\s*$")


_CODE_FIRST = re.compile(r"^\s*[\[(]?\s*(\d{4,6})\s*[\])]?\s*[-–:.,]?\s*(\D.*)$")


def _code_in_name(rec: FirstRow) -> FirstRow:
    """ "18760 - Kỳ Bắc", "[18763] Kỳ Phú", "18766 Kỳ Phong": the commune's GSO code typed
    before its name in the name cell, read as the row's code (when it gives none) and the
    name.  The code then places the row when the name agrees with it (`registry.resolve`)."""
    found = _CODE_FIRST.match(rec.commune or "")
    if not found or (rec.code and str(rec.code).strip() != found.group(1)):
        return rec
    return rec._replace(commune=found.group(2).strip(), code=rec.code or found.group(1))


def code_names_another(rec: FirstRow, match: registry.Match) -> tuple[str, str, str] | None:
    """(code, key, name as written without the code) when the row's GSO code — in its code
    column or typed before the name — is another commune's than the one its name placed it
    on.  The name decides (a code is more often copied from the row above than a name
    mistyped into another commune's), but not in silence: one of the two is wrong."""
    if not match.official or match.ambiguous:
        return None
    rec = _code_in_name(rec)
    code = str(rec.code or "").strip()
    if not code or code == str(rec.commune or "").strip():
        return None
    key = registry.commune_of_code(code, registry.hierarchy_of(rec.district, rec.date))
    return (code, key, rec.commune) if key is not None and key != match.key else None


#: What parts a commune's name from its district in one cell ("Châu Tiến – Quỳ Châu").
_CELL_MARKS = (",", " - ", " – ", " — ", " / ")
# "Nam Sơn-Đô Lương", "Ngọc Sơn—Quỳnh Lưu": a dash between two words, no space around it;
# or a space on one side only ("Diễn Kim- H Diễn Châu"), or a slash or an underscore
# ("Diễn Kim/Diễn Châu", "Kỳ Tân_Kỳ Anh": the district was not read, and the name stayed
# apart).  Spaced out only when a registry district follows (`_spaced`).
_GLUED_DASH = re.compile(r"(?<=[^\W_])(?:\s?[-–—/_]|[-–—/_]\s)(?=[^\W_])")


def _spaced(name: str) -> str:
    """A hyphen glued between a name and its district spaced out ("Nam Sơn - Đô Lương"),
    when what follows it is a registry district's name; else the name as it is."""
    glued = list(_GLUED_DASH.finditer(name or ""))
    if not glued:
        return name
    left, right = name[: glued[-1].start()], name[glued[-1].end() :]
    folded, plain = registry.level_names("district")
    if registry.bare(right) in folded or registry.spelled_plain(right) in plain:
        # "Quỳnh-Vinh", "Diễn-Yên": a hyphen between the words of one commune's name whose last
        # word is a district's too.  Read as the district, the row was another district's.
        if re.search(r"\s", name[glued[-1].start() : glued[-1].end()]) is None and registry.names_a_commune(
            f"{left} {right}"
        ):
            return name
        return f"{left.strip()} - {right.strip()}"
    return name


@functools.lru_cache(maxsize=1 << 14)
def district_written_in(name: str) -> bool:
    """Whether a commune's cell names its district too: "Ngọc Sơn (Đô Lương)", "Ngọc Sơn –
    Đô Lương", "Xã Ngọc Sơn, huyện Đô Lương".  Such a row is placed by that district, never
    by one filled down from the rows above (`rows`): the registry has a Ngọc Sơn there too."""
    name = _spaced(str(name or ""))
    return _district_after(name) is not None or (
        not any(mark in name for mark in _CELL_MARKS) and bool(_DISTRICT_INSIDE.search(fold(name)))
    )


def _is_district(text: str) -> bool:
    """Whether a part of a commune's cell is a registry district's name ("Đô Lương", "H. Đô Lương")."""
    folded, plain = registry.level_names("district")
    text = re.sub(r"^\s*(?:h|huyện|huyen|tx|tp|q|quận)\.?\s+", "", text.strip(), flags=re.IGNORECASE)
    return (
        registry.bare(text) in folded
        or registry.spelled_plain(text) in plain
        # "Diễn Kim, D.Châu", "Diễn Hải, H.DC": the district abbreviated (round 22).
        or bool(registry.district_abbreviated(text.strip()))
    )


def _district_after(name: str) -> str | None:
    """The district a commune's cell names after the commune, in brackets or after a comma or
    a dash ("Ngọc Sơn (Đô Lương)" → "Đô Lương"), as written; None when it names none."""
    bracketed = _BRACKETED.match(name)
    if bracketed and _is_district(bracketed.group(2)):
        return bracketed.group(2)
    if any(mark in name for mark in _CELL_MARKS):
        return next((p for p in address._SPLIT.split(name)[1:] if p.strip() and _is_district(p)), None)
    return None


# Two to four capitals after a comma, a dash or in brackets at the end of a commune's cell.
_INITIALS_AFTER = re.compile(r"(?<=\S)\s*(?:,|\s[-–—]|[(\[{])\s*([^\W\d_]{2,4})\s*[)\]}]?\s*$")


def _initials_after(cell: str) -> str | None:
    """The district's initials in capitals after a commune's name ("Kỳ Tân, KA", "Châu Tiến
    (QC)"), as written, or None.  Read only as the row's own district (or, without one, as
    the district that has the commune): such capitals are notes as often ("(ĐC)", "(BG)"), so
    they never make a row another district's."""
    found = _INITIALS_AFTER.search(str(cell or ""))
    if found and registry.district_initials(found.group(1)):
        return found.group(1)
    return None


#: What a commune's cell has when it may name a district after the commune: a bracket, a
#: comma or a dash (a glued one too).  Most names have none, and are spared the reading.
_MAY_NAME_A_DISTRICT = re.compile(r"[(\[{,–—/_-]")


def another_district_written(rec: FirstRow) -> str | None:
    """The district a commune's cell names when it is not the row's own: "Ngọc Sơn (Thanh
    Chương)" or "Ngọc Sơn - Thanh Chương" in a row of Huyện Đô Lương.  One of the two is
    wrong, and the name (of both districts' communes) must be placed by neither: the note
    was cut off as a note and the row put on Đô Lương's Ngọc Sơn in silence.  None when the
    cell names no district, or the row's own, or the row has none."""
    if not rec.district or not _MAY_NAME_A_DISTRICT.search(rec.commune or ""):
        return None
    written = _district_after(_spaced(str(rec.commune)))
    if written is None or registry.same_district(written, rec.district, rec.province):
        return None
    return written.strip()


def district_written_elsewhere(rec: FirstRow, match: registry.Match | None = None) -> tuple[str, str] | None:
    """The district a commune's cell names when the commune the name reads as lies in
    another one, and that commune: "Kỳ Tân (Cẩm Xuyên)", "Kỳ Tân – Thạch Hà", "Kỳ Tân (TX Kỳ
    Anh)" in a report of Hà Tĩnh with no district column (or "Kỳ Anh", which is both Huyện
    and Thị xã Kỳ Anh).  The note was cut off and the row put on Huyện Kỳ Anh's Kỳ Tân in
    silence; a row with its own district was left apart so (`another_district_written`).
    Not a province written after the name ("Kỳ Tân, Hà Tĩnh": Hà Tĩnh is a town's name
    too).  `match` is the name's match when the caller has it."""
    if not _MAY_NAME_A_DISTRICT.search(rec.commune or ""):
        return None
    written = _district_after(_spaced(str(rec.commune)))
    if written is None or registry.bare(written) in _province_names():
        return None
    if match is None:
        match = _resolve_spelled(rec._replace(commune=_spaced(rec.commune)), registry.load_registry())
    reg = registry.load_registry()
    if not match.official or match.key not in reg.index:
        return None
    home = reg.at[match.key, "district_key"]
    if not isinstance(home, str) or home not in reg.index:
        return None
    if registry.same_district(written, str(reg.at[home, "name"]), rec.province):
        return None
    # "Nghi Kim (Nghi Lộc)": moved to Vinh next door, and read so under Nghi Lộc's name.
    again = _resolve_spelled(rec._replace(district=written, commune=_spaced(rec.commune)), reg)
    if again.official and again.key == match.key:
        return None
    return written.strip(), registry.label_of(match.key)


@functools.lru_cache(maxsize=1)
def _province_names() -> frozenset[str]:
    reg = registry.load_registry()
    return frozenset(registry.bare(n) for n in reg.loc[reg["level"] == "province", "name"])


_SPACED_DASH = re.compile(r"\s[-–—]\s")


@functools.lru_cache(maxsize=1 << 14)
def another_commune_written(cell: str) -> str | None:
    """The second commune a cell names after a spaced dash ("Diễn Kim - Diễn Hải": two
    communes' figures in one row, or one of them written by mistake), as written; None when
    what follows the dash is no commune, or a district ("Ngọc Sơn - Đô Lương"), or the same
    name.  The dash was cut off as a note, and the row went onto Diễn Kim in silence with
    both communes' figures; with a comma or a slash it was already left apart."""
    parts = _SPACED_DASH.split(str(cell or ""))
    if len(parts) < 2:
        return None
    first = registry.bare(parts[0])
    head = registry.tidy(parts[0]).split()
    for part in parts[1:]:
        part = part.strip()
        if not part or _is_district(part):
            continue
        # "Diễn Kim - Hải": the second commune with the first's opening word left out, as
        # in a list of communes that share it (Diễn Hải).
        words = part.split()
        for name in (part, " ".join([*head[: len(head) - len(words)], *words])):
            if registry.bare(name) != first and registry.names_a_commune(name):
                return name
    return None


def _district_in_brackets(rec: FirstRow) -> FirstRow:
    """ "Ngọc Sơn (Đô Lương)", "Xã Đồng Văn (H. Quế Phong)": a name shared by several districts,
    written with its own in brackets, read as "Ngọc Sơn - Đô Lương" is (`address`).  Only when
    the bracket names a district of the registry and the row gives none or the same one:
    "(cũ)", "(xã loại 1)" are notes, left to the registry's tidying."""
    found = _BRACKETED.match(rec.commune or "")
    if not found:
        return rec
    inner = found.group(2)
    folded, plain = registry.level_names("district")
    if registry.bare(inner) not in folded and registry.spelled_plain(inner) not in plain:
        return rec
    if rec.district and registry.bare(rec.district) != registry.bare(inner):
        return rec
    return rec._replace(commune=f"{found.group(1)} - {inner}")


def _in_english(rec: FirstRow) -> tuple[str, FirstRow] | None:
    """The row with its places' English type words read as the Vietnamese ones ("Dien
    Hoang Commune" | "Dien Chau District" | "Nghe An Province"), and what was read; None
    when it has none.  A commune cell that carries its district ("Dien Hoang Commune, Dien
    Chau District") is read part by part, the parts after the first as districts or
    provinces."""
    said: list[str] = []
    fields = {}
    for field, level in (("province", "province"), ("district", "district"), ("commune", "commune")):
        text = getattr(rec, field) or ""
        parts = re.split(r"(\s*,\s*|\s+[-–—]\s+)", text) if field == "commune" else [text]
        for i in range(0, len(parts), 2):
            levels = (level,) if i == 0 else ("district", "province")
            read = next((r for lv in levels if (r := registry.english_type(parts[i], lv))), None)
            if read:
                parts[i] = read[0]
                said.append(f"{read[1]} = {read[2]}")
        fields[field] = "".join(parts)
    if not said:
        return None
    return f"loại đơn vị viết tiếng Anh: {', '.join(dict.fromkeys(said))}", rec._replace(**fields)


def _served_by_a_point(rec: FirstRow) -> tuple[str, FirstRow] | None:
    """The row read as the commune its numbered collection point or mobile team is named
    for ("Điểm thu nhận số 2 (xã Diễn Hoàng)"), and what was read; None otherwise."""
    inner = registry.collection_point_commune(rec.commune)
    if inner is None or fold(registry.tidy(rec.commune)) == fold(registry.tidy(inner)):
        return None  # none, or one `registry.tidy` reads already ("Tổ lưu động xã Kỳ Khang")
    return "tên điểm thu nhận: số liệu tính cho xã, phường có điểm", rec._replace(commune=inner)


def resolve(rec: FirstRow, reg: pd.DataFrame, initials: bool = True) -> registry.Match:
    """registry.resolve, and for a row that names neither province nor district, each
    province in turn: a name found in exactly one of them is that unit.  Without the
    closest names of an unknown unit: the caller asks for them in bulk.

    A row written with English type words, or naming a collection point, is first read as
    what it says (`_in_english`, `_served_by_a_point`); what that reading does not place is
    resolved as typed, so a unit outside the registry keeps the key of its name as typed.

    `initials=False`: capitals after the name ("Tam Hợp (QH)") are not read as a district's
    initials (`in_the_sheets_district` asks so when the rows around say another district)."""
    for read in (_in_english, _served_by_a_point):
        found = read(rec)
        if found is None:
            continue
        how, reading = found
        again = resolve(reading, reg, initials)
        if again.official:
            return dataclasses.replace(
                again,
                registry_name=again.registry_name or str(reg.at[again.key, "name"]),
                corrections=(how, *again.corrections),
            )
        if again.ambiguous:
            # Refused with its candidates; keyed as typed, like any name left apart.
            return dataclasses.replace(again, key=_resolve_typed(rec, reg, initials).key)
    return _resolve_typed(rec, reg, initials)


def _resolve_typed(rec: FirstRow, reg: pd.DataFrame, initials: bool = True) -> registry.Match:
    rec = _district_in_brackets(_code_in_name(rec))
    rec = rec._replace(commune=_spaced(rec.commune))
    if another_district_written(rec):
        return registry.Match(
            registry.unofficial_key(rec.province, rec.district, rec.commune),
            False,
            reason="ô tên ghi huyện khác với huyện của dòng",
        )
    if " " in (rec.commune or "") and another_commune_written(rec.commune):
        return registry.Match(
            registry.unofficial_key(rec.province, rec.district, rec.commune),
            False,
            reason="ô tên ghi hai xã, phường",
        )
    match = _resolve_spelled(rec, reg)
    if match.official and district_written_elsewhere(rec, match):
        return registry.Match(
            registry.unofficial_key(rec.province, rec.district, rec.commune),
            False,
            reason="ô tên ghi huyện khác với huyện của xã, phường",
        )
    if match.official or (match.ambiguous and not district_written_in(rec.commune)):
        # A name of several districts' communes whose cell names its district ("Ngoc Son (H.
        # Do Luong)") is read again with it below.
        return match
    # Other readings of what was typed, each shown as a correction; together they must
    # name exactly one unit.
    readings: list[tuple[str, FirstRow]] = []
    if legacy_text.could_be_legacy(rec.commune):
        # One name typed in an old font in a column of Unicode text (too little of it for
        # the column's repair to notice): read as TCVN3 or VNI.
        for encoding in ("tcvn3", "vni"):
            converted = legacy_text.convert(rec.commune, encoding)
            if converted != rec.commune:
                font = "TCVN3" if encoding == "tcvn3" else "VNI"
                readings.append((f"chữ phông {font} «{converted}»", rec._replace(commune=converted)))
    # Twice-encoded text that lost a byte ("XÃ£ NghÄ©a Thá»\ufffd": Thọ, Thỏ, Thờ or Thề), left
    # as it was by the column's repair: each reading of it, the registry telling them apart.
    fields = ("province", "district", "commune")
    if any("\ufffd" in (getattr(rec, f) or "") for f in fields):
        options = [legacy_text.twice_readings(getattr(rec, f) or "") or [getattr(rec, f)] for f in fields]
        for province, district, commune in itertools.product(*options):
            readings.append(
                (
                    f"chữ bị mã hoá hai lần và mất ký tự, đọc là «{commune}»",
                    rec._replace(province=province, district=district, commune=commune),
                )
            )
    # Typed with the input method off: "Kyf Taan", "Ky2 Ta6n" (Telex, VNI keystrokes).
    typed = rec._replace(
        **{f: keystrokes.restore(getattr(rec, f)) for f in ("province", "district", "commune")}
    )
    if typed != rec:
        readings.append((f"gõ thiếu bộ gõ (Telex/VNI) «{typed.commune}»", typed))
    # Typed in haste: the type glued to the name ("XãKỳ Tân"), two words glued ("Xã KỳBắc"),
    # the type twice ("Xã xã Nghi Liên"), a bare "cũ" or "mới" after the name.
    hasty = unhurried(rec.commune)
    if hasty != rec.commune:
        readings.append(
            (
                "gõ vội: dính chữ, lặp chữ, thêm «cũ», «mới», ghi chú sau dấu «:» hoặc loại đơn vị ghi sau tên",
                rec._replace(commune=hasty),
            )
        )
    # A commune cell that carries its district ("Xã Kỳ Tân, huyện Kỳ Anh", "Xã Kỳ Tân huyện
    # Kỳ Anh"): read as an address, its district must be the row's own when the row has one.
    if any(mark in rec.commune for mark in _CELL_MARKS) or _DISTRICT_INSIDE.search(fold(rec.commune)):
        province, district, commune = address.split_address(rec.commune)
        if (
            commune
            and _names_first(rec.commune, commune)
            and (
                not rec.district
                or not district
                or registry.same_district(district, rec.district, rec.province)
            )
        ):
            readings.append(
                (
                    "tên kèm huyện/tỉnh",
                    rec._replace(
                        province=rec.province or province, district=rec.district or district, commune=commune
                    ),
                )
            )
    # "Diễn Kim, D.Châu", "Đồng Văn (T.Kỳ)", "Quỳnh Lập, TX.HM": the district abbreviated
    # after the commune, which the address reading does not know (round 22); the same rule:
    # it must be the row's own district when the row has one.
    written = _district_after(_spaced(rec.commune)) if _MAY_NAME_A_DISTRICT.search(rec.commune) else None
    written = written or (_initials_after(rec.commune) if initials else None)
    if written and (
        registry.district_abbreviated(written.strip()) or registry.district_initials(written.strip())
    ):
        head = _spaced(rec.commune)[: _spaced(rec.commune).rfind(written)]
        head = re.sub(r"[\s(\[,–—/_-]+$", "", head)
        if head and (not rec.district or registry.same_district(written, rec.district, rec.province)):
            readings.append(
                (
                    "tên kèm huyện viết tắt",
                    rec._replace(district=rec.district or written.strip(), commune=head),
                )
            )
    found = {}
    for how, reading in readings:
        again = _resolve_spelled(reading, reg)
        # One slip read back, not two: a reading that is itself a slip away from a unit
        # ("Kỳ Tấn Mới": "mới" added and a tone typed wrong) names none.
        if again.official and not set(again.corrections) & registry.SLIPS:
            found.setdefault(again.key, (how, again))
    if len(found) != 1:
        return match
    how, again = next(iter(found.values()))
    return dataclasses.replace(
        again,
        registry_name=again.registry_name or str(reg.at[again.key, "name"]),
        corrections=(how, *again.corrections),
    )


def _names_first(cell: str, commune: str) -> bool:
    """Whether the commune an address reading found is what the cell names first, its
    district after it: "Xã Kỳ Tân, huyện Kỳ Anh", "Ngọc Sơn - Đô Lương".  In "Tổ lưu động -
    Diễn Châu", "Trường THPT (Diễn Châu)" the only name is the district's, which read as a
    commune is the district's town: a team's or a school's figures landed on the town."""
    head = registry.spelled_plain(_spaced(cell)).replace(",", " ").split()
    words = registry.spelled_plain(commune).split()
    if not words:
        return False
    if head[: len(words)] == words:
        return True
    # "Huyện Kỳ Anh, Xã Kỳ Tân": named after its district, with its own type word.
    loose = spelling_key(re.sub(r"[^a-z0-9]+", " ", fold(cell)))
    return bool(re.search(rf"\b(?:xa|phuong|thi tran|tt|x|p) {re.escape(' '.join(words))}\b", loose))


def in_the_sheets_district(
    firsts: list[FirstRow], matches: list[registry.Match], reg: pd.DataFrame, neighbours: bool = False
) -> list[registry.Match]:
    """A name written without its district that fits a commune of several districts
    ("Kỳ Tân": Huyện Kỳ Anh's and Huyện Tân Kỳ's) is the one in the district of the sheet's
    other communes, when nearly all of them lie in one district: a district's report names
    its communes and not its district.

    `neighbours` (a table, whose rows go district by district, not an export's places in
    the order they first come): in a sheet of several districts, the name is the commune of
    the district of the communes just above and below it, when exactly one of their
    districts has it ("Xã Đồng Văn" among Tân Kỳ's communes, in a province's list of
    districts one after the other without their names), with communes above and below it.
    Otherwise it stays unresolved, with its candidates, as before.

    A name that only a district's initials after it placed ("Xã Tam Hợp (QH)": Tương
    Dương's and Quỳ Hợp's, "QH" Quỳ Hợp) keeps that place only when the district the
    sheet's other communes lie in, or that of every row just above and below it, is the
    initials' one, or none is known: such capitals are notes as often as initials, and among Tương
    Dương's communes the row had gone onto Quỳ Hợp's Tam Hợp in silence.  Otherwise it is
    kept apart as before initials were read, the warning saying why (`INITIALS_AGAINST`)."""
    from collections import Counter

    out = list(matches)
    by_sheet: dict[str, Counter] = {}
    placed: dict[str, list[tuple[int, str]]] = {}  # sheet → (row, district) of its communes
    # Each matched unit's district read once from the column (`reg.at` per name cost ~40 µs).
    official = [m.key for m in matches if m.official]
    district_of = dict(zip(official, reg["district_key"].reindex(official).tolist()))
    for rec, match in zip(firsts, matches):
        if match.official:
            district = district_of[match.key]
            if isinstance(district, str) and district:
                by_sheet.setdefault(rec.sheet, Counter())[district] += 1
                placed.setdefault(rec.sheet, []).append((rec.row, district))
    for rows in placed.values():
        rows.sort()
    # The neighbours say a district only in a list that goes district by district: in one
    # sorted by name (a province's communes A to Z) they share a letter, not a district, and
    # "Đồng Văn" went to Quế Phong's for lying between two of its communes.
    written = {(rec.sheet, rec.row): registry.bare(rec.commune or "") for rec in firsts} if neighbours else {}

    def grouped_by_district(sheet: str, rows: list[tuple[int, str]]) -> bool:
        # A district list may be sorted by name within each district: its district changes
        # where the names start again from A.  Changes between names in order say the
        # order is the names', whatever the districts.
        pairs = list(zip(rows, rows[1:]))
        changes = [(a, b) for a, b in pairs if a[1] != b[1]]
        in_order = sum(written.get((sheet, a[0]), "") <= written.get((sheet, b[0]), "") for a, b in changes)
        districts = len({d for _, d in rows})
        return len(changes) + 1 <= 2 * districts and in_order <= max(districts // 2, 1)

    grouped = (
        {sheet: grouped_by_district(sheet, rows) for sheet, rows in placed.items()} if neighbours else {}
    )

    def around(rec: FirstRow) -> list[str]:
        # The districts of the two communes above it and the two below, in its sheet; none
        # for a name at the top or the end of a list, which has neighbours on one side only.
        # (A bisection into the sheet's sorted rows: a long list of names outside the registry
        # would make a scan of them per name quadratic.)
        rows = placed.get(rec.sheet, [])
        at = bisect.bisect_left(rows, (rec.row, ""))
        after = bisect.bisect_right(rows, (rec.row, "\uffff"))
        above, below = [d for _, d in rows[max(at - 2, 0) : at]], [d for _, d in rows[after : after + 2]]
        return list(dict.fromkeys(above + below)) if above and below else []

    def placed_in(rec: FirstRow, district: str, how: str) -> registry.Match | None:
        name = str(reg.at[district, "name"])
        again = resolve(rec._replace(district=name), reg)
        if not again.official:
            return None
        return dataclasses.replace(
            again,
            registry_name=again.registry_name or str(reg.at[again.key, "name"]),
            corrections=(*again.corrections, f"thuộc {name} {how}"),
        )

    for i, (rec, match) in enumerate(zip(firsts, matches)):
        if match.official or rec.district or rec.sheet not in by_sheet:
            continue
        counts = by_sheet[rec.sheet]
        district, n = counts.most_common(1)[0]
        # Two communes or more, and at least nine in ten of the sheet's, in that district.
        if n >= 2 and n >= 0.9 * sum(counts.values()):
            # "của trang" in a workbook's sheet; a CSV file has no sheets.
            found = placed_in(rec, district, "như các xã khác của " + ("trang" if rec.sheet else "tệp"))
            if found is not None:
                out[i] = found
            continue
        if neighbours and grouped[rec.sheet]:
            fits = [f for d in around(rec) if (f := placed_in(rec, d, "như các xã liền trên, liền dưới"))]
            if len({f.key for f in fits}) == 1:
                out[i] = fits[0]

    def said_by_the_rows(i: int, rec: FirstRow) -> tuple[set[str], str]:
        # The districts the sheet's other rows point to, and how: the district of nearly
        # all its other communes, else those of the rows just above and below it, one side
        # sufficing; none known: an empty set.  Unlike a placing, a veto needs no list
        # going district by district: keeping a name apart never stores a wrong figure,
        # and a list in the registry's order often looks sorted by name at its seams.
        counts = Counter(by_sheet.get(rec.sheet, Counter()))
        if matches[i].official and isinstance(district_of.get(matches[i].key), str):
            counts[district_of[matches[i].key]] -= 1  # not the row itself
        top = counts.most_common(1)
        if top and top[0][1] >= 2 and top[0][1] >= 0.9 * sum(counts.values()):
            return {top[0][0]}, "các xã khác của " + ("trang" if rec.sheet else "tệp")
        if neighbours:
            rows = placed.get(rec.sheet, [])
            at = bisect.bisect_left(rows, (rec.row, ""))
            after = bisect.bisect_right(rows, (rec.row, "\uffff"))
            near = {d for _, d in rows[max(at - 2, 0) : at] + rows[after : after + 2]}
            return near, "các xã liền trên, liền dưới"
        return set(), ""

    for i, (rec, match) in enumerate(zip(firsts, out)):
        if not _placed_by_initials(rec, match, reg):
            continue
        mine = reg.at[match.key, "district_key"]
        said, how = said_by_the_rows(i, rec)
        # At the seam of two districts' rows the initials could be either's first or last
        # commune's: only rows all of the initials' district confirm them.
        if not said or said == {mine}:
            continue
        others = " hoặc ".join(sorted(str(reg.at[d, "name"]) for d in said))
        out[i] = dataclasses.replace(
            resolve(rec, reg, initials=False),
            reason=(
                f"{INITIALS_AGAINST} «{_initials_after(rec.commune)}» sau tên là chữ viết tắt của "
                f"{reg.at[mine, 'name']}, nhưng {how} thuộc {others}; chữ này có thể chỉ là ghi chú, "
                "nên dòng không được xếp theo nó."
            ),
        )
    return out


#: How the reason of a name kept apart against its district's initials starts: the import's
#: warning adds it.
INITIALS_AGAINST = "Chữ in hoa"


def _placed_by_initials(rec: FirstRow, match: registry.Match, reg: pd.DataFrame) -> bool:
    """Whether only the district's initials after the name ("Tam Hợp (QH)") placed a row
    with no district of its own: read without them, the name names no unit or another."""
    if rec.district or not match.official or "tên kèm huyện viết tắt" not in match.corrections:
        return False
    cell = _spaced(str(rec.commune or ""))
    written = _initials_after(rec.commune)
    if written is None or _district_after(cell) is not None:
        return False  # no initials, or a district written or abbreviated ("D.Châu") decided
    # The name with the capitals cut: when it names this unit alone ("Đông Vĩnh, NL"), the
    # capitals decided nothing.
    head = re.sub(r"[\s(\[{,–—/_-]+$", "", cell[: cell.rfind(written)])
    plain = resolve(rec._replace(commune=head), reg, initials=False) if head else None
    return not (plain is not None and plain.official and plain.key == match.key)


_TYPE_WORDS = {"xa": "Xã", "phuong": "Phường", "thi tran": "Thị trấn"}


def type_written_otherwise(rec: FirstRow, match: registry.Match, reg: pd.DataFrame) -> registry.Match:
    """A unit placed by its name whose cell writes another type than the registry's ("TT
    Kỳ Tân": there is no Thị trấn Kỳ Tân, only Xã Kỳ Tân; "TT Kỳ Đồng" on a day before
    1/12/2024, when Xã Kỳ Đồng became a thị trấn; "Phường Hưng Phúc" under Huyện
    Hưng Nguyên, whose Hưng Phúc is a xã while Vinh's is a ward) is a correction, shown to
    the analyst before anything is accepted, naming the province's unit of that name and
    the type written, if it has one.  The name matched with its type left aside (the
    district, the name, the sheet decided), so the type is either a slip or says the row is
    another unit: never silently dropped."""
    if not match.official or not rec.commune:
        return match
    typed = registry.commune_type(str(rec.commune))
    if registry.merged_part_named(match.key, str(rec.commune), rec.date) is not None:
        # "Xã Thạch Giám" (or "Thạch Giám") in a report of 15/6/2018: the xã as it was,
        # merged in 2019–2020 with Thị trấn Hòa Bình into Thị trấn Thạch Giám — a part's
        # figures, not the town's, so kept apart as the other part is (the warning says
        # what it became).  So too "Phường Long Sơn" then, a part of the ward formed under
        # its name.
        return registry.Match(
            registry.unofficial_key(rec.province or "", rec.district, str(rec.commune)),
            False,
            reason="đơn vị đã sáp nhập 2019–2020",
        )
    if typed is None or typed in registry.types_of_unit(match.key, rec.date):
        return match
    official = str(reg.at[match.key, "name"])
    own = reg.at[match.key, "unit_type"]
    # (A unit without its type in the registry: the one its name is written with, never
    # "nan" in the analyst's correction.)
    own = (
        own if isinstance(own, str) and own.strip() else _TYPE_WORDS.get(registry.commune_type(official), "?")
    )
    if typed == registry.type_on_interim(match.key):
        # "TT Kỳ Đồng" in a report of 2021: the unit's type since 1/12/2024 (Xã Kỳ Đồng
        # became Thị trấn Kỳ Đồng then), written back onto a day it was still a xã.
        how = f"loại đơn vị ghi «{_TYPE_WORDS[typed]}» là loại từ 1/12/2024; ngày của dòng, đơn vị là «{own}»"
        return dataclasses.replace(
            match, registry_name=match.registry_name or official, corrections=(*match.corrections, how)
        )
    how = f"loại đơn vị ghi «{_TYPE_WORDS[typed]}», trong danh mục là «{own}»"
    part = registry.merged_part_named(match.key, str(rec.commune), None)
    if part is not None:
        # "Xã Thạch Giám" in 2023: the town by now; the type written is its old part's.
        how += f"; «{part}» là đơn vị cũ đã sáp nhập vào đơn vị này từ 2019–2020"
    later = registry.named_so_from_interim(match.key, typed)
    if later:
        # "TT Hoa Thành" in 2021: Xã Hoa Thành; the town of that name is Thị trấn Yên
        # Thành's name from 1/12/2024 (it took Xã Hoa Thành in), another unit on the day.
        how += "; " + " và ".join(
            f"«{name}» là tên từ 1/12/2024 của {registry.label_of(k)}" for k, name in later
        )
    others = [
        label
        for label in registry.namesakes(rec.province or "", official, rec.date)
        if registry.commune_type(label) == typed and label != registry.label_of(match.key)
    ]
    if others:
        how += f"; {' và '.join(others)} cùng tên và đúng loại đã ghi, nhưng khác huyện"
    return dataclasses.replace(
        match,
        registry_name=match.registry_name or official,
        corrections=(*match.corrections, how),
    )


def by_elimination(matches: list[registry.Match], group, day) -> list[registry.Match]:
    """A name that fits several communes once its spelling is corrected ("Xã Châu Binh":
    Châu Bính or Châu Bình, both of Huyện Quỳ Châu) is the one of them the file does not
    name otherwise on the same day: a unit has one row a day, so when "Châu Bình" is
    written in full on a day "Châu Binh" also has a row, "Châu Binh" is Châu Bính.  Two or
    more left, or none: still refused with its candidates.  `group` is each row's place
    (an index into `matches`), `day` its day (codes)."""
    import numpy as np

    open_ = [i for i, m in enumerate(matches) if m.ambiguous and len(m.candidate_keys) > 1]
    if not open_:
        return matches
    width = int(np.max(day)) + 1
    pairs = np.unique(np.asarray(group, np.int64) * width + np.asarray(day, np.int64))
    days_of: dict[int, set[int]] = {}
    for place, on in zip((pairs // width).tolist(), (pairs % width).tolist()):
        days_of.setdefault(place, set()).add(on)
    named: dict[str, list[int]] = {}
    for i, m in enumerate(matches):
        if m.official:
            named.setdefault(m.key, []).append(i)
    out = list(matches)
    reg = registry.load_registry()
    for i in open_:
        m = matches[i]
        mine = days_of.get(i, set())
        left = [
            k for k in m.candidate_keys if not any(mine & days_of.get(j, set()) for j in named.get(k, ()))
        ]
        if len(left) != 1:
            continue
        others = [registry.label_of(k) for k in m.candidate_keys if k != left[0]]
        out[i] = registry.Match(
            left[0],
            True,
            registry_name=str(reg.at[left[0], "name"]),
            corrections=(f"không phải {', '.join(others)}: đơn vị này đã có dòng riêng cùng ngày trong tệp",),
        )
    return out


def _resolve_spelled(rec: FirstRow, reg: pd.DataFrame) -> registry.Match:
    match = registry.resolve(
        rec.province, rec.district, rec.commune, rec.code, on=rec.date, suggestions=False
    )
    if match.official or match.ambiguous or rec.province or rec.district:
        return match
    hits = {}
    for name in reg.loc[reg["level"] == "province", "name"]:
        found = registry.resolve(name, "", rec.commune, rec.code, on=rec.date, suggestions=False)
        if found.official or found.ambiguous:
            hits[found.key] = found
    if len(hits) == 1:
        return next(iter(hits.values()))
    if any(m.registry_name or m.ambiguous for m in hits.values()):
        # The name is a guess in one province or more and fits several units: refused.
        candidates = tuple(c for m in hits.values() for c in (m.candidates or (registry.label_of(m.key),)))
        keys = tuple(k for m in hits.values() for k in (m.candidate_keys if m.ambiguous else (m.key,)))
        return dataclasses.replace(
            match,
            ambiguous=True,
            candidates=candidates,
            candidate_keys=keys if len(keys) == len(candidates) else (),
        )
    return match


@functools.lru_cache(maxsize=1)
def _registry_lookups() -> tuple[dict[str, str], dict[str, list[tuple[str, str]]]]:
    """Provinces by bare name (the first in registry order) and districts by expanded
    name → [(key, province key)]: what unofficial_unit looks up, built once."""
    reg = registry.load_registry()
    provinces: dict[str, str] = {}
    for key, name in zip(reg.loc[reg.level == "province", "key"], reg.loc[reg.level == "province", "name"]):
        provinces.setdefault(registry.bare(name), key)
    districts: dict[str, list[tuple[str, str]]] = {}
    part = reg[reg.level == "district"]
    for key, name, province in zip(part["key"], part["name"], part["province_key"]):
        districts.setdefault(registry.expand(name), []).append((key, province))
    return provinces, districts


def unofficial_unit(key: str, rec: FirstRow, reg: pd.DataFrame) -> dict:
    # Performance: dictionary lookups instead of a scan of the registry per new
    # unit (10,000 units outside the registry took minutes); same parents as before.
    hierarchy = "3" if rec.district or rec.date < registry.REFORM_DATE else "2"
    provinces, districts = _registry_lookups()
    province_key = provinces.get(registry.bare(rec.province)) if rec.province else None
    district_key = None
    if rec.district:
        dhits = districts.get(registry.expand(rec.district), [])
        if len(dhits) == 1:
            district_key = dhits[0][0]
            province_key = province_key or dhits[0][1]
    return dict(
        key=key,
        code=rec.code,
        name=rec.commune,
        level="commune",
        unit_type=None,
        parent_key=district_key or province_key,
        province_key=province_key,
        district_key=district_key,
        hierarchy=hierarchy,
        population=None,
        eligible_estimate=None,
        official=False,
        province_name=rec.province or None,
        district_name=rec.district or None,
    )
