"""Names typed with the Vietnamese input method switched off: the Telex, VNI or VIQR
keystrokes left in the text ("Kyf Taan", "Ky2 Ta6n", "Ky` Ta^n" for "Kỳ Tân"; "Thuwowngj",
"Thu7o7ng5" for "Thượng").  `restore` gives the name the keystrokes meant.

Written here because no well-kept library does it: the one Python input-method engine on
PyPI (bogo) was last released in 2014.  Only a word that is no Vietnamese syllable as typed
and becomes one once its keystrokes are applied is changed, so "Ky Tan" or "Phường 1" stay
as they are, and the name that comes out must still be found in the registry (the caller
shows the change as a correction before anything is accepted).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from cccd_analytics.ingest.syllables import is_vietnamese_syllable

_VOWELS = "aăâeêioôơuưy"
# Combining marks: tones (VNI 1–5, Telex s f r x j) and the vowel marks.
_TONE_VNI = {"1": "\u0301", "2": "\u0300", "3": "\u0309", "4": "\u0303", "5": "\u0323"}
_TONE_TELEX = {"s": "\u0301", "f": "\u0300", "r": "\u0309", "x": "\u0303", "j": "\u0323"}
_HAT = {"a": "â", "e": "ê", "o": "ô"}
_HORN = {"o": "ơ", "u": "ư"}
_VNI_WORD = re.compile(r"^[a-zA-Z]+[1-9][a-zA-Z1-9]*$")
_TELEX_WORD = re.compile(r"^[a-zA-Z]+$")


def _with_tone(letters: list[str], tone: str | None) -> str | None:
    """The syllable with its tone on the vowel where Vietnamese spelling puts it, or None
    when no placement makes a syllable."""
    word = "".join(letters)
    if not tone:
        return word if is_vietnamese_syllable(word) else None
    for at in reversed([i for i, ch in enumerate(letters) if ch in _VOWELS]):
        placed = unicodedata.normalize("NFC", "".join(letters[: at + 1]) + tone + "".join(letters[at + 1 :]))
        if is_vietnamese_syllable(placed):
            return placed
    return None


def _mark_last(letters: list[str], table: dict[str, str]) -> bool:
    for i in range(len(letters) - 1, -1, -1):
        if letters[i] in table:
            letters[i] = table[letters[i]]
            return True
    return False


def _horn(letters: list[str]) -> bool:
    """VNI 7 / Telex w: the horn on the last o or u, and on both of "uo" ("thuong" → "thương")."""
    for i in range(len(letters) - 1, -1, -1):
        if letters[i] in _HORN:
            letters[i] = _HORN[letters[i]]
            if letters[i] == "ơ" and i and letters[i - 1] == "u":
                letters[i - 1] = "ư"
            return True
    return False


def _vni(word: str) -> str | None:
    letters: list[str] = []
    tone = None
    for ch in word:
        if ch.isalpha():
            letters.append(ch)
        elif ch in _TONE_VNI:
            if tone:
                return None
            tone = _TONE_VNI[ch]
        elif not (
            (ch == "6" and _mark_last(letters, _HAT))
            or (ch == "7" and _horn(letters))
            or (ch == "8" and _mark_last(letters, {"a": "ă"}))
            or (ch == "9" and _mark_last(letters, {"d": "đ"}))
        ):
            return None
    return _with_tone(letters, tone)


def _telex(word: str) -> str | None:
    letters: list[str] = []
    tone = None
    for ch in word:
        last = letters[-1] if letters else ""
        if ch in _TONE_TELEX and any(c in _VOWELS for c in letters):
            if tone:
                return None
            tone = _TONE_TELEX[ch]
        elif ch == "w":
            if last == "a":
                letters[-1] = "ă"
            elif not _horn(letters):
                letters.append("ư")  # "w" alone is ư: "Lwu" → "Lưu"
        elif ch == last and ch in _HAT:
            letters[-1] = _HAT[ch]
        elif ch == "d" and last == "d":
            letters[-1] = "đ"
        else:
            letters.append(ch)
    return _with_tone(letters, tone)


_TONE_VIQR = {"'": "\u0301", "`": "\u0300", "?": "\u0309", "~": "\u0303", ".": "\u0323"}
_VIQR_WORD = re.compile(r"^[a-zA-Z]+['`?~.^(+][a-zA-Z'`?~.^(+]*$")


def _viqr(word: str) -> str | None:
    """VIQR, the marks typed as the ASCII sign after their vowel ("Thi.nh", "Thu+o+`ng",
    "Ho^`ng"; "dd" for đ)."""
    letters: list[str] = []
    tone = None
    for i, ch in enumerate(word):
        last = letters[-1] if letters else ""
        if ch in _TONE_VIQR:
            # The tone typed at the end of the word, as Telex allows ("Die^n~", "Ha.nh" typed
            # "Hanh~"): the word's tone all the same.  Not a final ".", which ends a sentence
            # or an abbreviation more often than it marks nặng.
            at_end = i == len(word) - 1 and ch != "."
            if tone or (last not in _VOWELS and not at_end):
                return None
            tone = _TONE_VIQR[ch]
        elif ch == "^" and last in _HAT:
            letters[-1] = _HAT[last]
        elif ch == "(" and last == "a":
            letters[-1] = "ă"
        elif ch == "+" and last in _HORN:
            letters[-1] = _HORN[last]
        elif ch == "d" and last == "d":
            letters[-1] = "đ"
        elif ch.isalpha():
            letters.append(ch)
        else:
            return None
    return _with_tone(letters, tone)


@lru_cache(maxsize=1 << 16)  # the same words recur in every name (Xã, Phường, Hưng …)
def _restore_word(word: str) -> str:
    # "oo" is a rhyme only in loan words ("xoong"); in a place name it is Telex's ô.
    if is_vietnamese_syllable(word) and "oo" not in word.lower():
        return word
    if len(word) > 1 and word.endswith("."):
        # "Hieeus.", "CA8N1.": a full stop or a footnote's dot after the last word, never the
        # word's tone (VIQR's nặng is typed after its vowel, not at the end): the word read
        # without it.  The dot kept the whole word from being read, and the name stayed apart.
        inner = _restore_word(word[:-1])
        return word if inner == word[:-1] else inner + "."
    lower = word.lower()
    if _VIQR_WORD.match(word):
        found = _viqr(lower)
    elif _VNI_WORD.match(word):
        found = _vni(lower)
    elif _TELEX_WORD.match(word):
        found = _telex(lower)
    else:
        return word
    if not found or found == lower:
        return word
    if word.isupper():
        return found.upper()
    return found[0].upper() + found[1:] if word[0].isupper() else found


@lru_cache(maxsize=1 << 14)  # a file's province and district names recur on every unit
def restore(name: str) -> str:
    """The name with each word's leftover Telex or VNI keystrokes applied: "Kyf Taan",
    "Ky2 Ta6n" → "Kỳ Tân"; "xa Thuwowngj" → "xa Thượng".  Unchanged when no word needs it."""
    return re.sub(r"[A-Za-z0-9]+(?:['`?~.^(+][A-Za-z]*)*", lambda m: _restore_word(m.group(0)), str(name))
