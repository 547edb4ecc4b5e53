"""Text as Vietnamese write it and as the product shows it — the one place for each:

* folding for matching names (`fold`: lower case, no diacritics, đ → d, spaces squeezed);
* Vietnamese number and date formats: 87.000 · 95,3% · 30/6/2023 · Vietnam time (babel,
  locale vi; `thousands` for counts inside messages);
* the names of text encodings and legacy fonts as people know them (`ENCODING_NAMES`);
* spelling equivalence of place names (`spelling_key`).

The ground floor: nothing of the project is imported here, and no pandas (a command that
prints a date need not load it).
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, timedelta

VN_OFFSET = timedelta(hours=7)  # Vietnam time: UTC+7, no daylight saving


# -- folding ---------------------------------------------------------------------------------


class _DropMarks(dict):
    """`str.translate` table that deletes combining marks (category Mn) and keeps every
    other character; filled lazily, one entry per distinct character ever folded."""

    def __missing__(self, code: int):
        value = None if unicodedata.category(chr(code)) == "Mn" else code
        self[code] = value
        return value


_DROP_MARKS = _DropMarks()
# Anything but ASCII and the combining diacritical marks U+0300–U+036F (all of them Mn).
_NOT_LATIN_MARKS = re.compile(r"[^\x00-\x7f\u0300-\u036f]")


# đ and Đ, and the letters people type for them (Icelandic Ð ð, African Ɖ ɖ), as d.
_D = str.maketrans({"đ": "d", "Đ": "D", "Ð": "D", "ð": "d", "Ɖ": "D", "ɖ": "d"})


def fold(text: str) -> str:
    """Lower-case, strip diacritics (đ→d) and squeeze spaces: for matching names."""
    # Called for every cell of every row a layout looks at.  ASCII
    # text skips normalisation; Vietnamese text, once decomposed, is ASCII plus marks of
    # U+0300–U+036F, which an ASCII encode drops in C; anything else drops its marks with
    # one str.translate.  Same result as the per-character loop this replaces.
    text = str(text)
    if text.isascii():
        return " ".join(text.lower().split())
    text = unicodedata.normalize("NFD", text.translate(_D))
    if _NOT_LATIN_MARKS.search(text) is None:
        text = text.encode("ascii", "ignore").decode("ascii")
    else:
        text = text.translate(_DROP_MARKS)
    return " ".join(text.lower().split())


# -- numbers and dates -----------------------------------------------------------------------


def thousands(number: int) -> str:
    """A whole number with dots between thousands, as Vietnamese write it: 87000 → "87.000"."""
    return f"{number:,}".replace(",", ".")


LOCALE = "vi_VN"
BLANK = "—"


def _missing(value) -> bool:
    """None, NaN, NaT, pd.NA or ±inf: nothing to show.  Without pandas (its isna): NaN and
    NaT are the values not equal to themselves, and pd.NA has no truth value."""
    if value is None:
        return True
    try:
        if value != value:
            return True
    except TypeError:  # pd.NA
        return True
    except ValueError:  # an array: not one missing value
        return False
    return isinstance(value, float) and math.isinf(value)


def number(value, digits: int = 0) -> str:
    """87000 → "87.000"; 1234.5 with digits=1 → "1.234,5"."""
    if _missing(value):
        return BLANK
    from babel.numbers import format_decimal  # (~10 ms of import: not before a figure is shown)

    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(round(float(value), digits), format=pattern, locale=LOCALE)


def percent(share, digits: int = 1) -> str:
    """0.953 → "95,3%"."""
    if _missing(share):
        return BLANK
    from babel.numbers import format_percent

    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    return format_percent(float(share), format=pattern, locale=LOCALE)


def date_vn(value, year: bool = True) -> str:
    """2023-06-30 → "30/6/2023" (or "30/6")."""
    if _missing(value) or value == "":
        return BLANK
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):  # pandas' Timestamp too
        value = value.date()
    text = f"{value.day}/{value.month}"
    return f"{text}/{value.year}" if year else text


def moment_vn(utc) -> str:
    """A moment stored in UTC (as the store keeps them) in Vietnam time: "23/11/2026 03:17"."""
    if _missing(utc):
        return BLANK
    if not isinstance(utc, datetime):  # text, numpy datetime64
        import pandas as pd

        utc = pd.Timestamp(utc).to_pydatetime()
    local = utc.replace(tzinfo=None) + VN_OFFSET
    return f"{date_vn(local)} {local:%H:%M}"


def per_day(value) -> str:
    return BLANK if _missing(value) else f"{number(value)}/ngày"


def days(value) -> str:
    if _missing(value):
        return BLANK
    return f"{number(value)} ngày"


# -- encodings -------------------------------------------------------------------------------

# Text encodings and legacy fonts by the names people know them (ingest names them so:
# legacy_text.decode_bytes and detect_legacy).
ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 có BOM",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16 (Unicode text của Excel)",
    "utf-16-be": "UTF-16 BE",
    "utf-32-le": "UTF-32",
    "utf-32-be": "UTF-32 BE",
    "cp1258": "Windows-1258 (dấu thanh tổ hợp)",
    "cp1252": "Windows-1252",
    "tcvn3": "TCVN3 (.VnTime)",
    "tcvn3_upper": "TCVN3 chữ hoa (.VnTimeH)",
    "vni": "VNI-Windows",
    # UTF-8 opened as a Windows code page (Excel on Vietnamese Windows) and saved as UTF-8.
    "utf8x2": "UTF-8 bị mã hoá hai lần (mở bằng bảng mã Windows rồi lưu lại)",
}
LEGACY_FONTS = ("tcvn3", "tcvn3_upper", "vni")


def encoding_name(encoding: str) -> str:
    """One encoding's name: "cp1258" → "Windows-1258 (dấu thanh tổ hợp)"."""
    return ENCODING_NAMES.get(encoding, encoding)


def encoding_label(encoding: str) -> str:
    """A file's encoding as read ("utf-8-sig", "utf-8+tcvn3": text in a legacy font inside a
    Unicode file) as people know it: "UTF-8, phông TCVN3 (.VnTime)"."""
    return ", ".join(
        ("phông " if part in LEGACY_FONTS else "") + encoding_name(part) for part in encoding.split("+")
    )


# -- spelling equivalence ------------------------------------------------------------------
#
# People type one place name several ways that Vietnamese orthography treats as the same
# word: the tone mark on either vowel of "oa", "oe", "uy" (old "Hoà", "Thuỷ", "Khoẻ"; new
# "Hòa", "Thủy", "Khỏe"), "i" or "y" as the whole rhyme after a consonant ("Kì"/"Kỳ",
# "Mĩ"/"Mỹ", "Lí"/"Lý", "Quí"/"Quý"), the Icelandic "Ð" (U+00D0) that looks like "Đ", and
# decomposed (NFD) accents.  `spelling_key` maps all of them to one key and keeps every
# other difference (a tone that differs, a missing accent): "Châu Bính" and "Châu Bình" are
# two communes of one district.

# Letters that look like đ/Đ but are other code points, and the deprecated tone marks.
_LOOKALIKES = str.maketrans({"Ð": "Đ", "ð": "đ", "Ɖ": "Đ", "ɖ": "đ", "\u0340": "\u0300", "\u0341": "\u0301"})
LOOKALIKE_D = frozenset("ÐðƉɖ")
# The five tone marks (combining), numbered sắc, huyền, hỏi, ngã, nặng.
_TONES = {"\u0301": "1", "\u0300": "2", "\u0309": "3", "\u0303": "4", "\u0323": "5"}
# Initial consonants after which "i" and "y" spell the same rhyme.  Not at the start of a
# word ("Yên" is never "Iên") and not after a vowel ("Tây" ≠ "Tâi", "Thuỷ" ≠ "Thuỉ").
_ONSETS = frozenset("b c ch d đ g gh gi h k kh l m n ng ngh nh p ph q qu r s t th tr v x".split())
_WORD_SPLIT = re.compile(r"[^\w\u0300-\u036f]+")


def _syllable(word: str) -> tuple[str, str]:
    """A lower-case NFD word → (letters without the tone mark, in NFC; the tone)."""
    tone = "".join(sorted(_TONES[ch] for ch in word if ch in _TONES))
    base = unicodedata.normalize("NFC", "".join(ch for ch in word if ch not in _TONES))
    return base, tone


def _iy(base: str) -> str:
    """ "ky" → "ki", "quy" → "qui", "my" → "mi"; "yen", "tay", "thuy" unchanged."""
    if len(base) >= 2 and base[-1] in "iy" and base[:-1] in _ONSETS:
        return base[:-1] + "i"
    return base


def spelling_iy(base: str) -> str:
    """A word's letters without its tone with i and y after a consonant made one: "kỳ" → "ki"."""
    return _iy(base)


def spelling_words(text: str) -> list[tuple[str, str, str]]:
    """Each word of `text` as (as typed, lower case NFC; its letters without tone; its tone)."""
    decomposed = unicodedata.normalize("NFD", str(text).translate(_LOOKALIKES).lower())
    out = []
    for word in _WORD_SPLIT.split(decomposed):
        if word:
            base, tone = _syllable(word)
            out.append((unicodedata.normalize("NFC", word), base, tone))
    return out


def spelling_key(text: str) -> str:
    """One key for the spellings of a name Vietnamese orthography treats as the same:
    tone mark placement, i/y after a consonant, Ð for Đ, NFD or NFC, case and spacing.
    "Thị xã Thái Hoà" and "thị xã  thái hòa" share a key; "Châu Bính" and "Châu Bình" do not."""
    return " ".join(_iy(base) + tone for _, base, tone in spelling_words(text))


def spelling_differences(typed: str, official: str) -> list[str]:
    """In Vietnamese, how `typed` differs from `official` in spelling (both without the unit
    type): "chữ Ð thay cho Đ", "i/y", "vị trí dấu thanh", "không dấu", "thiếu một chữ cái", "thiếu hoặc sai dấu".
    Empty when they are written alike (case and spacing aside)."""
    reasons: list[str] = []
    if any(ch in LOOKALIKE_D for ch in typed):
        reasons.append("chữ Ð thay cho Đ")
    mine, theirs = spelling_words(typed), spelling_words(official)
    if len(mine) != len(theirs):
        return reasons or ["cách viết khác"]
    plain = all(unicodedata.normalize("NFD", w).isascii() for w, _, _ in mine)
    for (word, base, tone), (word_o, base_o, tone_o) in zip(mine, theirs):
        if word == word_o:
            continue
        if _iy(base) == _iy(base_o) and tone == tone_o:
            if base != base_o and "i/y" not in reasons:
                reasons.append("i/y")
            elif base == base_o and "vị trí dấu thanh" not in reasons:
                reasons.append("vị trí dấu thanh")
        elif plain:
            if "không dấu" not in reasons:
                reasons.append("không dấu")
        elif len(base) + 1 == len(base_o) and tone == tone_o:
            if "thiếu một chữ cái" not in reasons:
                reasons.append("thiếu một chữ cái")
        elif "thiếu hoặc sai dấu" not in reasons:
            reasons.append("thiếu hoặc sai dấu")
    return reasons
