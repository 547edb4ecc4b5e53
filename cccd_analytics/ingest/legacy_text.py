"""Legacy Vietnamese text encodings → Unicode NFC.

Spreadsheets from police units are still typed in pre-Unicode Vietnamese fonts.
In an .xlsx/.xls the cells hold Unicode code points that are really the bytes of
an 8-bit font encoding, read through Windows-1252 ("X· Kú §ång" is TCVN3 for
"Xã Kỳ Đồng", "Xaõ Kyø Ñoàng" is VNI for the same). CSV/TXT exports carry the
raw bytes. This module

* converts TCVN3 (ABC, ``.VnTime``/``.VnTimeH``) and VNI-Windows text
  (:func:`from_tcvn3`, :func:`from_vni`), and Windows-1258 bytes
  (:func:`decode_cp1258`);
* decides, for a whole column, whether its text is one of those encodings by
  counting words that are valid Vietnamese syllables before and after
  conversion (:func:`detect_legacy`, :func:`repair_texts`);
* decodes CSV/TXT bytes of unknown encoding (:func:`decode_bytes`).

Every function returns NFC text. Table sources and the limits of detection are
in ``docs/encodings.md``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "ENCODINGS",
    "Detection",
    "convert",
    "could_be_legacy",
    "decode_bytes",
    "decode_cp1258",
    "detect_legacy",
    "encoding_for_font",
    "from_tcvn3",
    "from_vni",
    "is_vietnamese_syllable",
    "repair_texts",
    "to_nfc",
]

#: Names :func:`detect_legacy` can answer, in the order ties are broken.
ENCODINGS = ("unicode", "tcvn3", "tcvn3_upper", "vni")

DEFAULT_MIN_CONFIDENCE = 0.6


def to_nfc(text: str) -> str:
    """Return ``text`` in Unicode NFC (precomposed letters, as Vietnamese needs)."""
    return unicodedata.normalize("NFC", text)


# ---------------------------------------------------------------------------
# Windows-1252 as Windows itself applies it (bytes ↔ the code points in cells)
# ---------------------------------------------------------------------------
# Legacy-font text reaches a cell through the system ANSI code page, cp1252 on an
# English/Vietnamese Windows. Python's cp1252 codec refuses the five bytes the code
# page leaves undefined; Windows maps them to the C1 controls of the same value,
# and so do we, so that every byte value round-trips.
_LATIN1_TO_CP1252 = {
    b: bytes([b]).decode("cp1252") for b in range(0x80, 0xA0) if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
}
_CP1252_TO_LATIN1 = {ord(ch): b for b, ch in _LATIN1_TO_CP1252.items()}
_CP1252_ONLY = frozenset(_LATIN1_TO_CP1252.values())


def _decode_cp1252(data: bytes) -> str:
    return data.decode("latin-1").translate(_LATIN1_TO_CP1252)


def _encode_cp1252(text: str) -> bytes:
    return text.translate(_CP1252_TO_LATIN1).encode("latin-1")


# A character no cp1252 byte gives: one of them in a text settles that it is Unicode.
# Performance: a regular expression finds it in C (every line of a file is asked).
_NOT_BYTE = re.compile("[^\x00-\xff" + "".join(sorted(_CP1252_ONLY)) + "]")


def _is_byte_text(text: str) -> bool:
    """True when every character could have come from one cp1252 byte."""
    return _NOT_BYTE.search(text) is None


def _is_legacy_candidate(text: str) -> bool:
    """Non-ASCII text that an 8-bit legacy font could have produced."""
    return not text.isascii() and _is_byte_text(text)


def could_be_legacy(text: str) -> bool:
    """Whether `text` could be TCVN3 or VNI read as Unicode (non-ASCII, every character
    one cp1252 byte): worth trying `convert` on a name nothing else matched."""
    return isinstance(text, str) and _is_legacy_candidate(text)


# ---------------------------------------------------------------------------
# TCVN3 (TCVN 5712:1993 VN3, the "ABC" fonts .VnTime, .VnArial, ...)
# ---------------------------------------------------------------------------
# Byte → letter. Source: TCVN 5712:1993 as tabulated by GNU libiconv ``tcvn.h``
# (VN1; VN3 is its subset without the accented capitals) and by the UniKey /
# OpenKey "TCVN3 (ABC)" charset; checked byte for byte against glibc
# ``iconv -f TCVN5712-1`` for 0xA1–0xFE (docs/encodings.md).
_TCVN3_LETTERS = {
    # capitals that VN3 does encode
    0xA1: "Ă",
    0xA2: "Â",
    0xA3: "Ê",
    0xA4: "Ô",
    0xA5: "Ơ",
    0xA6: "Ư",
    0xA7: "Đ",
    # their lower-case forms
    0xA8: "ă",
    0xA9: "â",
    0xAA: "ê",
    0xAB: "ô",
    0xAC: "ơ",
    0xAD: "ư",
    0xAE: "đ",
    # a
    0xB5: "à",
    0xB6: "ả",
    0xB7: "ã",
    0xB8: "á",
    0xB9: "ạ",
    # ă
    0xBB: "ằ",
    0xBC: "ẳ",
    0xBD: "ẵ",
    0xBE: "ắ",
    0xC6: "ặ",
    # â
    0xC7: "ầ",
    0xC8: "ẩ",
    0xC9: "ẫ",
    0xCA: "ấ",
    0xCB: "ậ",
    # e
    0xCC: "è",
    0xCE: "ẻ",
    0xCF: "ẽ",
    0xD0: "é",
    0xD1: "ẹ",
    # ê
    0xD2: "ề",
    0xD3: "ể",
    0xD4: "ễ",
    0xD5: "ế",
    0xD6: "ệ",
    # i
    0xD7: "ì",
    0xD8: "ỉ",
    0xDC: "ĩ",
    0xDD: "í",
    0xDE: "ị",
    # o
    0xDF: "ò",
    0xE1: "ỏ",
    0xE2: "õ",
    0xE3: "ó",
    0xE4: "ọ",
    # ô
    0xE5: "ồ",
    0xE6: "ổ",
    0xE7: "ỗ",
    0xE8: "ố",
    0xE9: "ộ",
    # ơ
    0xEA: "ờ",
    0xEB: "ở",
    0xEC: "ỡ",
    0xED: "ớ",
    0xEE: "ợ",
    # u
    0xEF: "ù",
    0xF1: "ủ",
    0xF2: "ũ",
    0xF3: "ú",
    0xF4: "ụ",
    # ư
    0xF5: "ừ",
    0xF6: "ử",
    0xF7: "ữ",
    0xF8: "ứ",
    0xF9: "ự",
    # y
    0xFA: "ỳ",
    0xFB: "ỷ",
    0xFC: "ỹ",
    0xFD: "ý",
    0xFE: "ỵ",
}
# All TCVN3 letters sit in 0xA1–0xFE, where cp1252 and Latin-1 agree, so the
# byte value is also the code point found in a cell: the table serves
# str.translate as it is.
_TCVN3_DECODE = _TCVN3_LETTERS

# TCVN 5712 also places the five tone marks at 0xB0–0xB4 as combining
# characters (libiconv). They are composed only right after a vowel, so a degree
# sign or a superscript elsewhere is left alone.
_TCVN3_COMBINING = {"\xb0": "\u0300", "\xb1": "\u0309", "\xb2": "\u0303", "\xb3": "\u0301", "\xb4": "\u0323"}
_TCVN3_COMBINING_RE = re.compile(r"([aăâeêioôơuưyAĂÂEÊIOÔƠUƯY])([\xb0-\xb4])")

# Unicode → TCVN3 code point (lower-case codes stand in for the accented
# capitals VN3 lacks, as UniKey does; a .VnTimeH font draws them as capitals).
_TCVN3_ENCODE: dict[str, str] = {}
for _byte, _letter in _TCVN3_LETTERS.items():
    _TCVN3_ENCODE[_letter] = chr(_byte)
for _byte, _letter in _TCVN3_LETTERS.items():
    _TCVN3_ENCODE.setdefault(_letter.upper(), chr(_byte))


def _compose_tcvn3_mark(match: re.Match[str]) -> str:
    composed = to_nfc(match.group(1) + _TCVN3_COMBINING[match.group(2)])
    return composed if len(composed) == 1 else match.group(0)


def from_tcvn3(text: str, upper: bool = False) -> str:
    """Convert TCVN3 (ABC) text to Unicode NFC.

    ``upper=True`` is for text set in an upper-case font (``.VnTimeH``,
    ``.VnArialH``, …): such fonts draw every position, the lower-case letter
    codes included, as a capital, so the converted text is upper-cased.

    >>> from_tcvn3("X· Kú §ång")
    'Xã Kỳ Đồng'
    >>> from_tcvn3("X· Kú §åNG", upper=True)
    'XÃ KỲ ĐỒNG'
    """
    out = text.translate(_TCVN3_DECODE)
    if any("\xb0" <= ch <= "\xb4" for ch in out):
        out = _TCVN3_COMBINING_RE.sub(_compose_tcvn3_mark, out)
    if upper:
        out = out.upper()
    return to_nfc(out)


def _to_tcvn3(text: str) -> str:
    """Unicode → TCVN3 code points (test helper; the inverse of :func:`from_tcvn3`)."""
    return "".join(_TCVN3_ENCODE.get(ch, ch) for ch in to_nfc(text))


# ---------------------------------------------------------------------------
# VNI-Windows (fonts VNI-Times, VNI-Helve, ...)
# ---------------------------------------------------------------------------
# A toned vowel is a base letter followed by one modifier byte; a few letters are
# single bytes. Source: the VNI tables of xvnkb (vni.h, Dao Hai Lam 2002) and
# UniKey/OpenKey, which agree; docs/encodings.md.
_TONES = ("", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323")  # none, sắc, huyền, hỏi, ngã, nặng
# Modifier bytes for each tone, in _TONES order.
_VNI_TONE = ("", "ù", "ø", "û", "õ", "ï")
_VNI_CIRCUMFLEX_TONE = ("â", "á", "à", "å", "ã", "ä")
_VNI_BREVE_TONE = ("ê", "é", "è", "ú", "ü", "ë")
# Vowel (toneless, lower case) → (base character, modifier bytes by tone).
_VNI_VOWELS = {
    "a": ("a", _VNI_TONE),
    "ă": ("a", _VNI_BREVE_TONE),
    "â": ("a", _VNI_CIRCUMFLEX_TONE),
    "e": ("e", _VNI_TONE),
    "ê": ("e", _VNI_CIRCUMFLEX_TONE),
    "o": ("o", _VNI_TONE),
    "ô": ("o", _VNI_CIRCUMFLEX_TONE),
    "ơ": ("ô", _VNI_TONE),
    "u": ("u", _VNI_TONE),
    "ư": ("ö", _VNI_TONE),
    "y": ("y", _VNI_TONE),
}
# Letters VNI writes as one byte: toned i, ỵ, đ.
_VNI_SINGLE = {"í": "í", "ì": "ì", "ỉ": "æ", "ĩ": "ó", "ị": "ò", "ỵ": "î", "đ": "ñ"}


def _build_vni_encode() -> dict[str, str]:
    table: dict[str, str] = {}
    for vowel, (base, modifiers) in _VNI_VOWELS.items():
        for tone, modifier in zip(_TONES, modifiers):
            letter = to_nfc(vowel + tone)
            if letter == "y\u0323":  # ỵ is the single byte î, not y + ï
                continue
            table[letter] = base + modifier
    table.update(_VNI_SINGLE)
    for letter, code in list(table.items()):
        table[letter.upper()] = code.upper()
    return {letter: code for letter, code in table.items() if letter != code}


_VNI_ENCODE = _build_vni_encode()
_VNI_DECODE: dict[str, str] = {code: letter for letter, code in _VNI_ENCODE.items()}
# A capital base with lower-case modifiers ("Ñoàng", "Aù") and the reverse both
# occur; the case of the result follows the base letter.
for _code, _letter in list(_VNI_DECODE.items()):
    if len(_code) == 2:
        _VNI_DECODE.setdefault(_code[0] + _code[1].swapcase(), _letter)
_VNI_RE = re.compile("|".join(re.escape(code) for code in sorted(_VNI_DECODE, key=len, reverse=True)))


def from_vni(text: str) -> str:
    """Convert VNI-Windows text to Unicode NFC.

    >>> from_vni("Xaõ Kyø Ñoàng")
    'Xã Kỳ Đồng'
    """
    return to_nfc(_VNI_RE.sub(lambda m: _VNI_DECODE[m.group(0)], text))


def _to_vni(text: str) -> str:
    """Unicode → VNI code points (test helper; the inverse of :func:`from_vni`)."""
    return "".join(_VNI_ENCODE.get(ch, ch) for ch in to_nfc(text))


# ---------------------------------------------------------------------------
# Windows-1258
# ---------------------------------------------------------------------------
# Byte value → character(s); Python's cp1258 codec, with the bytes the code page
# leaves undefined mapped to the C1 control of the same value, as Windows does.
_CP1258_DECODE = {b: bytes([b]).decode("cp1258", errors="ignore") or chr(b) for b in range(0x80, 0x100)}


def decode_cp1258(data: bytes) -> str:
    """Decode Windows-1258 bytes to NFC (the code page stores tone marks as
    separate combining characters; NFC joins them to the letter)."""
    return to_nfc(data.decode("latin-1").translate(_CP1258_DECODE))


def _to_cp1258(text: str) -> bytes:
    """Unicode → Windows-1258 as Vietnamese Windows writes it (test helper)."""
    out = bytearray()
    for ch in to_nfc(text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        decomposed = unicodedata.normalize("NFD", ch)
        tone = "".join(m for m in decomposed if m in _TONE_MARKS)
        base = to_nfc("".join(m for m in decomposed if m not in _TONE_MARKS))
        out += base.encode("cp1258") + tone.encode("cp1258")
    return bytes(out)


# ---------------------------------------------------------------------------
# Vietnamese syllable validator (the scoring behind detection)
# ---------------------------------------------------------------------------
_TONE_MARKS = frozenset(_TONES[1:])
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


# ---------------------------------------------------------------------------
# Detection
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Detection:
    """What :func:`detect_legacy` decided for a column of text.

    ``encoding`` is one of :data:`ENCODINGS`; ``confidence`` is in [0, 1];
    ``sample_before``/``sample_after`` show one cell before and after conversion
    (identical when the encoding is ``"unicode"``).
    """

    encoding: str
    confidence: float
    sample_before: str
    sample_after: str


_CONVERTERS = {
    "unicode": to_nfc,
    "tcvn3": from_tcvn3,
    "tcvn3_upper": lambda text: from_tcvn3(text, upper=True),
    "vni": from_vni,
}


def convert(text: str, encoding: str) -> str:
    """Convert ``text`` from one of :data:`ENCODINGS` to Unicode NFC."""
    try:
        return _CONVERTERS[encoding](text)
    except KeyError:
        raise ValueError(f"unknown legacy encoding {encoding!r}; expected one of {ENCODINGS}") from None


# Words are split on ASCII separators only: legacy letters include code points
# that Unicode calls punctuation (§ · ® µ ¸ ...), and no conversion here changes
# an ASCII character, so a word maps to exactly one converted word.
_WORD_SPLIT_RE = re.compile(r"[\s!-/:-@\[-`{-~0-9]+")


def _words(text: str) -> list[str]:
    return [w for w in _WORD_SPLIT_RE.split(text) if w]


@dataclass
class _Tally:
    changed: int = 0
    valid_before: int = 0
    valid_after: int = 0
    upper_hints: int = 0
    lower_hints: int = 0
    sample: tuple[str, str] | None = None

    @property
    def gain(self) -> int:
        return self.valid_after - self.valid_before


def _case_hint(converted: str, original: str) -> int:
    """+1 if a TCVN3 word looks typed for an upper-case (.VnTimeH) font, -1 if for a
    normal one, 0 if it cannot tell.

    Only ASCII letters after the first show what case the typist used; converted
    accented letters are always lower case. "TæNG" (→ "TổNG") is upper, "Tæng" is
    normal, "X·" (→ "Xã", or "XÃ" in .VnTimeH) cannot tell.
    """
    inner_ascii = [ch for ch in original[1:] if ch.isascii() and ch.isalpha()]
    if any(ch.islower() for ch in inner_ascii):
        return -1
    if inner_ascii and any(ch.islower() for ch in converted[1:]):
        return 1
    return 0


def _tally(texts: list[str], encoding: str) -> _Tally:
    convert_word = _CONVERTERS[encoding]
    tally = _Tally()
    for text in texts:
        changed_here = False
        for word in _words(text):
            converted = convert_word(word)
            if converted == word:
                continue
            changed_here = True
            tally.changed += 1
            tally.valid_before += is_vietnamese_syllable(word)
            tally.valid_after += is_vietnamese_syllable(converted)
            if encoding == "tcvn3":
                hint = _case_hint(converted, word)
                tally.upper_hints += hint > 0
                tally.lower_hints += hint < 0
        if changed_here and tally.sample is None:
            tally.sample = (text, convert_word(text))
    return tally


def detect_legacy(texts: Iterable[str]) -> Detection:
    """Decide whether a column of strings is TCVN3, TCVN3 upper-case, VNI or Unicode.

    Only strings that an 8-bit font could have produced (non-ASCII, every
    character a cp1252 byte) are examined; text with any letter outside that range
    (ạ, ơ, ư, đ, ...) is already Unicode. For each legacy encoding the words it
    would change are counted as valid Vietnamese syllables before and after
    conversion; the encoding with the clearest gain wins. Good Unicode, ASCII and
    English text stay ``"unicode"``. Non-string items are ignored.

    Detect per column, not per cell: a single word is ambiguous, and confidence
    grows with the number of words that conversion changes.
    """
    if isinstance(texts, str):
        texts = [texts]
    strings = [t for t in texts if isinstance(t, str)]
    first = next((t for t in strings if t.strip()), "")
    candidates = [t for t in strings if _is_legacy_candidate(t)]
    unchanged = Detection("unicode", 1.0, first, to_nfc(first))
    if not candidates:
        return unchanged

    tallies = {enc: _tally(candidates, enc) for enc in ("tcvn3", "vni")}
    best, other = sorted(tallies, key=lambda enc: tallies[enc].gain, reverse=True)
    tally = tallies[best]
    if tally.changed == 0 or tally.gain <= 0 or tally.valid_after * 2 < tally.changed:
        confidence = 1.0 - max(0.0, tally.gain) / max(1, tally.changed)
        return Detection("unicode", round(max(0.5, confidence), 3), first, to_nfc(first))

    margin = tally.gain - max(0, tallies[other].gain)
    confidence = max(0.0, margin / tally.changed) * tally.changed / (tally.changed + 1)
    encoding = best
    if best == "tcvn3" and tally.upper_hints > tally.lower_hints:
        encoding = "tcvn3_upper"
    before, _ = tally.sample or (first, first)
    return Detection(encoding, round(confidence, 3), before, convert(before, encoding))


def _tcvn3_case_hints(text: str) -> int:
    """Upper-case hints minus normal-case hints over the words of one TCVN3 text."""
    total = 0
    for word in _words(text):
        converted = from_tcvn3(word)
        if converted != word:
            total += _case_hint(converted, word)
    return total


def _convert_cell(text: str, encoding: str) -> str:
    """Convert one cell or line; a TCVN3 cell typed in caps for a .VnTimeH font
    (a header such as "TæNG CéNG" in a .VnTime body) is read as upper case."""
    if encoding == "tcvn3" and _tcvn3_case_hints(text) > 0:
        encoding = "tcvn3_upper"
    return convert(text, encoding)


def repair_texts(
    texts: Iterable[str], *, min_confidence: float = DEFAULT_MIN_CONFIDENCE
) -> tuple[list[str], Detection]:
    """Detect the encoding of a column/table of strings and convert it as a whole.

    Conversion happens only when :func:`detect_legacy` is at least
    ``min_confidence`` sure, and only to strings that could be legacy text (cells
    already holding Unicode Vietnamese letters are left as they are). Every string
    comes back NFC; non-string items (None, numbers) pass through unchanged.
    """
    items = [texts] if isinstance(texts, str) else list(texts)
    detection = detect_legacy(items)
    apply = detection.encoding != "unicode" and detection.confidence >= min_confidence
    repaired: list = []
    for item in items:
        if not isinstance(item, str):
            repaired.append(item)
        elif apply and _is_byte_text(item) and (detection.encoding == "tcvn3_upper" or not item.isascii()):
            repaired.append(_convert_cell(item, detection.encoding))
        else:
            repaired.append(to_nfc(item))
    return repaired, detection


def encoding_for_font(font_name: str | None) -> str | None:
    """Legacy encoding implied by a cell's font name, or None for a Unicode font.

    ``.VnTime``/``.VnArial``… → ``"tcvn3"``; the upper-case ``.VnTimeH``,
    ``.VnArialH``… → ``"tcvn3_upper"``; ``VNI-Times``, ``VNI-Helve``… → ``"vni"``.
    A reader that has the cell fonts (openpyxl ``cell.font.name``) can use this
    instead of, or to confirm, :func:`detect_legacy`.
    """
    name = (font_name or "").strip()
    lowered = name.lower()
    if lowered.startswith(".vn"):
        return "tcvn3_upper" if name.endswith("H") else "tcvn3"
    if lowered.startswith(("vni-", "vni ")):
        return "vni"
    return None


# ---------------------------------------------------------------------------
# Bytes of CSV/TXT files
# ---------------------------------------------------------------------------
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def _sniff_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM: mostly-ASCII text has a NUL in every other byte."""
    sample = data[:4096]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even_nuls = sample[0::2].count(0) / (len(sample) // 2)
    odd_nuls = sample[1::2].count(0) / (len(sample) // 2)
    if odd_nuls > 0.3 and even_nuls < 0.05:
        return "utf-16-le"
    if even_nuls > 0.3 and odd_nuls < 0.05:
        return "utf-16-be"
    return None


def _vietnamese_score(text: str) -> int:
    """Valid minus invalid Vietnamese syllables among the non-ASCII words of ``text``."""
    score = 0
    for word in _words(text):
        if not word.isascii():
            score += 1 if is_vietnamese_syllable(word) else -1
    return score


def _repair_unicode_text(text: str, codec: str, min_confidence: float) -> tuple[str, str]:
    detection = detect_legacy(text.splitlines())
    if detection.encoding != "unicode" and detection.confidence >= min_confidence:
        return _convert_lines(text, detection.encoding), f"{codec}+{detection.encoding}"
    return to_nfc(text), codec


def _convert_lines(text: str, encoding: str) -> str:
    return "".join(_convert_cell(line, encoding) for line in text.splitlines(keepends=True))


def decode_bytes(data: bytes, *, min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> tuple[str, str]:
    """Decode the bytes of a CSV/TXT file to NFC text; return ``(text, encoding)``.

    ``encoding`` is one of ``utf-8``, ``utf-8-sig``, ``utf-16-le``, ``utf-16-be``
    (with or without BOM), ``utf-32-le``/``-be``, ``cp1258``, ``tcvn3``,
    ``tcvn3_upper``, ``vni`` or ``cp1252``. Unicode text whose characters are
    legacy-font code points (a CSV saved from an .xlsx typed in .VnTime) is
    converted too, and reported as e.g. ``"utf-8+tcvn3"``.

    8-bit files are read byte for byte through Windows-1252 (the code points an
    .xlsx cell would hold), then scored as TCVN3, VNI, Windows-1258 and plain
    Windows-1252; the reading with the most valid Vietnamese words wins, plain
    Windows-1252 on a tie.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            text = data[len(bom) :].decode(codec.removesuffix("-sig"))
            return _repair_unicode_text(text, codec, min_confidence)
    utf16 = _sniff_utf16(data)
    if utf16:
        try:
            return _repair_unicode_text(data.decode(utf16), utf16, min_confidence)
        except UnicodeDecodeError:
            pass
    try:
        return _repair_unicode_text(data.decode("utf-8"), "utf-8", min_confidence)
    except UnicodeDecodeError:
        pass

    as_cp1252 = _decode_cp1252(data)
    readings = {"cp1252": to_nfc(as_cp1252), "cp1258": decode_cp1258(data)}
    detection = detect_legacy(as_cp1252.splitlines())
    if detection.encoding != "unicode":
        readings[detection.encoding] = _convert_lines(as_cp1252, detection.encoding)
    scores = {name: _vietnamese_score(text) for name, text in readings.items()}
    best = max(readings, key=lambda name: scores[name])  # first listed wins a tie
    return readings[best], best
