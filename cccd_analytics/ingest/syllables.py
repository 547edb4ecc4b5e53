"""Is a word a valid Vietnamese syllable?  The scoring behind legacy-encoding detection.

`cccd_analytics.ingest.legacy_text` counts, for a column, the words that read as
Vietnamese syllables before and after each conversion; this module knows the
onsets, rhymes and where a tone mark may stand.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from cccd_analytics.ingest.legacy_codecs import _TONE_MARKS, to_nfc

_STOP_CODAS = frozenset({"c", "ch", "p", "t"})
_ONSETS = (
    "ngh",
    "ng",
    "gh",
    "gi",
    "ch",
    "kh",
    "nh",
    "ph",
    "th",
    "tr",
    "qu",
    "b",
    "c",
    "d",
    "đ",
    "g",
    "h",
    "k",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "t",
    "v",
    "x",
    "",
)
_CODAS = ("ng", "nh", "ch", "c", "m", "n", "p", "t", "")
_OPEN = "a e ê i o ô ơ u ư y ai ao au ay âu ây eo êu ia iu oa oe oi ôi ơi ua uê ui uơ uy ưa ưi ưu "
_OPEN += "iêu yêu oai oao oay oeo uây uôi ươi ươu uya uyu"
_CLOSED = {
    "a": "c ch m n ng nh p t",
    "ă": "c m n ng p t",
    "â": "c m n ng p t",
    "e": "c m n ng p t",
    "ê": "ch m n nh p t",
    "i": "ch m n nh p t",
    "o": "c m n ng p t",
    "oo": "c ng",
    "ô": "c m n ng p t",
    "ơ": "m n p t",
    "u": "c m n ng p t",
    "ư": "c m n ng t",
    "iê": "c m n ng p t",
    "yê": "c m n ng p t",
    "oa": "c ch m n ng nh p t",
    "oă": "c m n ng t",
    "oe": "n t",
    "uâ": "n ng t",
    "uê": "ch nh",
    "uy": "ch n nh p t",
    "uyê": "n t",
    "uô": "c m n ng t",
    "ươ": "c m n ng p t",
}
_RHYMES: dict[str, frozenset[str]] = {}
for _nucleus in _OPEN.split():
    _RHYMES.setdefault(_nucleus, frozenset({""}))
for _nucleus, _codas in _CLOSED.items():
    _RHYMES[_nucleus] = _RHYMES.get(_nucleus, frozenset()) | frozenset(_codas.split())
_MARKED_VOWELS = "ăâêôơư"


def _rhyme_ok(nucleus: str, coda: str) -> bool:
    return coda in _RHYMES.get(nucleus, ())


def _tone_positions(nucleus: str, coda: str) -> set[int]:
    """Where the tone mark may sit in ``nucleus`` (old and new styles both accepted)."""
    if len(nucleus) == 1:
        return {0}
    if "ươ" in nucleus:
        return {nucleus.index("ơ")}
    marked = [i for i, ch in enumerate(nucleus) if ch in _MARKED_VOWELS]
    if marked:
        return {marked[-1]}
    if coda:
        return {len(nucleus) - 1}
    if nucleus in ("oa", "oe", "uy"):  # hòa/hoà, hòe/hoè, thủy/thuỷ
        return {0, 1}
    return {1} if len(nucleus) == 3 else {0}


def _onset_fits(onset: str, first: str) -> bool:
    if onset == "c":
        return first not in "eêiy"
    if onset == "k":
        return first in "eêiy"
    if onset in ("gh", "ngh"):
        return first in "eêi"
    if onset == "ng":
        return first not in "eêi"
    if onset == "g":
        return first not in "eê"
    if onset == "qu":
        return first not in "uo"
    return True


@lru_cache(maxsize=65536)
def is_vietnamese_syllable(word: str) -> bool:
    """True when ``word`` is one well-formed Vietnamese syllable (any case).

    Onset + vowel nucleus + coda from the closed sets of Vietnamese spelling, the
    c/k, g/gh, ng/ngh spelling rules, at most one tone mark placed on the vowel
    that carries it (old "hòa" and new "hoà" styles both pass), and only sắc or
    nặng before a stop coda (c, ch, p, t).
    """
    word = to_nfc(word).lower()
    if not word or len(word) > 8:
        return False
    bases: list[str] = []
    tone_index: int | None = None
    tone = ""
    for index, ch in enumerate(word):
        decomposed = unicodedata.normalize("NFD", ch)
        marks = [m for m in decomposed if m in _TONE_MARKS]
        if marks:
            if tone_index is not None or len(marks) > 1:
                return False
            tone_index, tone = index, marks[0]
            ch = to_nfc("".join(m for m in decomposed if m not in _TONE_MARKS))
        if len(ch) != 1 or not ("a" <= ch <= "z" or ch in "ăâđêôơư"):
            return False
        bases.append(ch)
    plain = "".join(bases)
    for onset in _ONSETS:
        if not plain.startswith(onset):
            continue
        for coda in _CODAS:
            if not plain.endswith(coda) or len(onset) + len(coda) >= len(plain):
                continue
            nucleus = plain[len(onset) : len(plain) - len(coda)]
            if any(ch not in "aăâeêioôơuưy" for ch in nucleus):
                continue
            if not _onset_fits(onset, nucleus[0]):
                continue
            glide = {"qu": "u", "gi": "i"}.get(onset, "")
            if not (_rhyme_ok(nucleus, coda) or (glide and _rhyme_ok(glide + nucleus, coda))):
                continue
            if coda in _STOP_CODAS and tone not in ("\u0301", "\u0323"):
                continue
            if tone_index is not None and tone_index - len(onset) not in _tone_positions(nucleus, coda):
                continue
            return True
    return False
