"""Text as Vietnamese readers write it and as the product shows it: the ground floor, with
nothing of the project imported."""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta

VN_OFFSET = timedelta(hours=7)  # Vietnam time: UTC+7, no daylight saving


def thousands(number: int) -> str:
    """A whole number with dots between thousands, as Vietnamese write it: 87000 → "87.000"."""
    return f"{number:,}".replace(",", ".")


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
    type): "chữ Ð thay cho Đ", "i/y", "vị trí dấu thanh", "không dấu", "thiếu hoặc sai dấu".
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
        elif "thiếu hoặc sai dấu" not in reasons:
            reasons.append("thiếu hoặc sai dấu")
    return reasons
