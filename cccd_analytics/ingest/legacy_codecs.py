"""The legacy code pages and font encodings themselves, as tables and converters.

Windows-1252 as Windows applies it (the bridge from the code points in a cell to the
bytes of a font encoding), TCVN3 (ABC fonts), VNI-Windows and Windows-1258.  Each
converter returns NFC text.  Deciding *which* encoding a column is written in lives in
`cccd_analytics.ingest.legacy_text`; the syllable rules it scores by in
`cccd_analytics.ingest.syllables`.  Table sources: ``docs/encodings.md``.
"""

from __future__ import annotations

import re
import unicodedata


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
_TONE_MARKS = frozenset(_TONES[1:])
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
# UTF-8 read through a Windows code page and saved as UTF-8 again
# ---------------------------------------------------------------------------
# A UTF-8 CSV opened in Excel on a Windows whose ANSI code page is cp1258 (Vietnamese)
# or cp1252, then saved as "CSV UTF-8", holds each byte of a letter as a character of
# its own: "Kỳ" (4B E1 BB B3) becomes "Ká»³".  The two code pages share most bytes, and
# no character stands for two different bytes in them, so one table takes the text back
# to its bytes whichever of them misread it.  A byte the code page leaves undefined came
# through as the C1 control of the same value (Windows' mapping) or, from other tools,
# as U+FFFD, whose byte is lost: `TWICE_LOST` are the bytes it may have been.
TWICE_BYTE: dict[str, int] = {}
for _codec in ("cp1258", "cp1252"):
    for _byte in range(0x80, 0x100):
        try:
            TWICE_BYTE.setdefault(bytes([_byte]).decode(_codec), _byte)
        except UnicodeDecodeError:
            TWICE_BYTE.setdefault(chr(_byte), _byte)
# Read as ISO-8859-1 (some tools' "Latin-1"), each byte 80-9F is the C1 control of its value.
for _byte in range(0x80, 0xA0):
    TWICE_BYTE.setdefault(chr(_byte), _byte)
TWICE_LOST = tuple(
    b
    for b in range(0x80, 0x100)
    if not bytes([b]).decode("cp1258", "ignore") or not bytes([b]).decode("cp1252", "ignore")
)
# A lead byte of a Vietnamese letter's UTF-8 (C3-C6, E1) misread, followed by a misread
# continuation byte (80-BF): what twice-encoded Vietnamese always holds and a Unicode
# name practically never does.  Only a first look: `legacy_text.undo_twice_utf8` decides.
_CONTINUATION = "".join(sorted({ch for ch, b in TWICE_BYTE.items() if 0x80 <= b <= 0xBF} | {"\ufffd"}))
TWICE_MARK = re.compile(
    "["
    + "".join(ch for ch, b in TWICE_BYTE.items() if b in (0xC3, 0xC4, 0xC5, 0xC6, 0xE1))
    + "]["
    + re.escape(_CONTINUATION)
    + "]"
)


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
