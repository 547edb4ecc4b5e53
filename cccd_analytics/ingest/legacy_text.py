"""Legacy Vietnamese text encodings → Unicode NFC.

Spreadsheets from police units are still typed in pre-Unicode Vietnamese fonts.
In an .xlsx/.xls the cells hold Unicode code points that are really the bytes of
an 8-bit font encoding, read through Windows-1252 ("X· Kú §ång" is TCVN3 for
"Xã Kỳ Đồng", "Xaõ Kyø Ñoàng" is VNI for the same). CSV/TXT exports carry the
raw bytes. This module

* converts TCVN3 (ABC, ``.VnTime``/``.VnTimeH``) and VNI-Windows text
  (:func:`from_tcvn3`, :func:`from_vni`), and Windows-1258 bytes
  (:func:`decode_cp1258`) — the tables themselves are in
  `cccd_analytics.ingest.legacy_codecs`, the syllable rules detection scores by in
  `cccd_analytics.ingest.syllables`;
* decides, for a whole column, whether its text is one of those encodings by
  counting words that are valid Vietnamese syllables before and after
  conversion (:func:`detect_legacy`, :func:`repair_texts`);
* decodes CSV/TXT bytes of unknown encoding (:func:`decode_bytes`).

Every function returns NFC text. Table sources and the limits of detection are
in ``docs/encodings.md``.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from math import prod

# The tables and converters, and the syllable rules, live apart; they are re-exported
# here because every caller reaches them as `legacy_text.<name>`.
from cccd_analytics.ingest.legacy_codecs import (  # noqa: F401
    _NOT_BYTE,
    TWICE_BYTE,
    TWICE_LOST,
    TWICE_MARK,
    _decode_cp1252,
    _encode_cp1252,
    _is_byte_text,
    _is_legacy_candidate,
    _to_cp1258,
    _to_tcvn3,
    _to_vni,
    could_be_legacy,
    decode_cp1258,
    from_tcvn3,
    from_vni,
    to_nfc,
)
from cccd_analytics.ingest.syllables import is_vietnamese_syllable

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
    "twice_readings",
    "undo_twice_utf8",
]

#: Names :func:`detect_legacy` can answer, in the order ties are broken.
ENCODINGS = ("unicode", "tcvn3", "tcvn3_upper", "vni", "utf8x2")

DEFAULT_MIN_CONFIDENCE = 0.6


# ---------------------------------------------------------------------------
# UTF-8 twice encoded
# ---------------------------------------------------------------------------
#: A word with more lost bytes than this is not guessed at (each has nine candidates), nor
#: a text with more readings than that.
_MOST_LOST = 3
_MOST_READINGS = 64


# A letter whose last byte is A0 ("à" is C3 A0) misread ends in a no-break space, which
# trimming and whitespace rules take for a space: at the end of a value ("Thái Hoà") or
# before a space the letter lacks its last byte.  A lead byte and the continuation
# bytes after it, one short of its length, before a space or the end.
_NBSP_LOST = re.compile(rb"(?:[\xc2-\xdf]|[\xe0-\xef][\x80-\xbf])(?=[ ]|$)")


def _nbsp_back(match: re.Match) -> bytes:
    return match.group(0) + b"\xa0"


def undo_twice_utf8(text: str) -> str | None:
    """The text a twice-encoded one stood for ("Ká»³ Anh" → "Kỳ Anh"), NFC; None when
    ``text`` is not one (a character no misread byte gives, or bytes that are no UTF-8),
    or when a lost byte leaves more than one reading (`twice_readings`)."""
    readings = twice_readings(text)
    return readings[0] if len(readings) == 1 else None


def _typed_case(word: str) -> bool:
    """Whether a word is cased as people type it: lower case after its first letter, or all
    capitals ("PhưỚng" is no word a person typed, though its letters make a syllable)."""
    return word[1:].islower() or word.isupper()


@functools.lru_cache(maxsize=1 << 14)  # a column's detection and its repair ask of each text
def twice_readings(text: str) -> tuple[str, ...]:
    """Every text a twice-encoded one may have stood for, NFC: none when ``text`` is not
    one, one unless a byte was lost.

    A byte lost as U+FFFD (from a tool other than Excel, which keeps it as a C1 control) is
    found by the word it is in: of the bytes it may have been (`TWICE_LOST`), those that
    make the word a Vietnamese syllable, cased as people type ("PhÆ°á»\ufffdng" is
    "Phường", not "Phưống" or "PhưỚng"; "Thá»\ufffd" may be Thọ, Thỏ, Thờ or Thề, which
    only the registry can tell apart: `names` asks it).
    """
    if text.isascii() or TWICE_MARK.search(text) is None:
        return ()
    raw = bytearray()
    for ch in text:
        if ch < "\x80":
            raw.append(ord(ch))
        elif ch == "\ufffd":
            raw.append(0)  # a hole, filled below (a text file holds no NUL)
        else:
            byte = TWICE_BYTE.get(ch)
            if byte is None:
                return ()
            raw.append(byte)
    raw = _NBSP_LOST.sub(_nbsp_back, bytes(raw))
    if "\ufffd" not in text:
        try:
            return (to_nfc(raw.decode("utf-8")),)
        except UnicodeDecodeError:
            return ()
    # Words split where `_words` splits them (ASCII that is no letter): a lost byte is
    # judged with the letters of its own word.
    options = []
    for word in re.split(rb"([\x01-\x40\x5b-\x60\x7b-\x7f]+)", raw):
        holes = [i for i, b in enumerate(word) if b == 0]
        if not holes:
            try:
                options.append([word.decode("utf-8")])
            except UnicodeDecodeError:
                return ()
            continue
        if len(holes) > _MOST_LOST:
            return ()
        found = []
        for filling in itertools.product(TWICE_LOST, repeat=len(holes)):
            candidate = bytearray(word)
            for i, b in zip(holes, filling):
                candidate[i] = b
            try:
                decoded = to_nfc(candidate.decode("utf-8"))
            except UnicodeDecodeError:
                continue
            if is_vietnamese_syllable(decoded) and _typed_case(decoded):
                found.append(decoded)
        if not found:
            return ()
        options.append(sorted(set(found)))
    if prod(len(o) for o in options) > _MOST_READINGS:
        return ()
    return tuple(to_nfc("".join(parts)) for parts in itertools.product(*options))


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


def _from_twice(text: str) -> str:
    """One cell of a column judged twice encoded, undone only when that reads better: a cell
    typed in Unicode among them ("XÃ\u00a0NAM ANH", a capital Ã and a no-break space) stays
    as it is, where undone it was "XàNAM ANH"."""
    undone = undo_twice_utf8(text)
    if undone is None or not _better_undone(text, undone):
        return to_nfc(text)
    return undone


def _better_undone(text: str, undone: str) -> bool:
    """Whether an undone text reads as more Vietnamese than the text, its marked words
    cased as typed ("HoỠ" from "Hoá»" is no word a person typed)."""
    if _already_vietnamese(text):
        return False
    if not all(_typed_case(w) for w in _words(undone) if not w.isascii()):
        return False
    return _vietnamese_score(undone) > _vietnamese_score(text)


_CONVERTERS = {
    "unicode": to_nfc,
    "tcvn3": from_tcvn3,
    "tcvn3_upper": lambda text: from_tcvn3(text, upper=True),
    "vni": from_vni,
    # Text twice encoded (`undo_twice_utf8`); a text that is not stays as it is.
    "utf8x2": _from_twice,
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
        words = []  # (valid as it stands, valid converted, case hint) per changed word
        for word in _words(text):
            converted = convert_word(word)
            if converted == word:
                continue
            hint = _case_hint(converted, word) if encoding == "tcvn3" else 0
            words.append((is_vietnamese_syllable(word), is_vietnamese_syllable(converted), hint))
        # A text whose every changed word is a syllable as it stands reads as Unicode
        # Vietnamese already ("Xã Tân Phú", "3,Xã Mã Thành,7189"): repair leaves it as it is
        # (`_already_vietnamese`), so it is no evidence about the others.  Counted, the
        # Latin-1-only commune names of a Unicode body outvoted a TCVN3 header above them
        # (confidence 0.56: the header was never read, the file refused).
        if not words or all(before for before, _, _ in words):
            continue
        for before, after, hint in words:
            tally.changed += 1
            tally.valid_before += before
            tally.valid_after += after
            tally.upper_hints += hint > 0
            tally.lower_hints += hint < 0
        if tally.sample is None:
            tally.sample = (text, convert_word(text))
    return tally


def _twice_encoded(strings: list[str]) -> Detection | None:
    """ "utf8x2" when most texts with marks that are no Vietnamese words are UTF-8 twice
    encoded (`undo_twice_utf8` gives a text with more Vietnamese syllables); else None.
    Checked before the legacy fonts: a twice-encoded text is made of cp1252 characters
    too, and a font's table "repaired" it into other nonsense."""
    marked = [t for t in strings if not t.isascii() and TWICE_MARK.search(t) is not None]
    if not marked:
        return None
    undone = []
    for text in marked:
        repaired = undo_twice_utf8(text)
        if repaired is not None and _better_undone(text, repaired):
            undone.append((text, repaired))
    if not undone:
        return None
    # Only the texts that could need a repair vote: a text already in Unicode
    # Vietnamese (a header typed again by hand) is no evidence either way.
    eligible = sum(1 for t in strings if not t.isascii() and not _already_vietnamese(t))
    share = len(undone) / max(eligible, len(undone))
    if share < 0.5:
        return None
    return Detection("utf8x2", round(share, 3), undone[0][0], undone[0][1])


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
    twice = _twice_encoded(strings)
    if twice is not None:
        return twice
    # `_is_legacy_candidate` written out: this is asked of every line of a text file.
    candidates = [t for t in strings if not t.isascii() and _NOT_BYTE.search(t) is None]
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


def _already_vietnamese(text: str) -> bool:
    """Whether a cell reads as Unicode Vietnamese already: each of its words with a mark is
    a Vietnamese syllable ("Xã Châu Hoàn").  In a column of a few VNI cells among Unicode
    ones, such a cell was converted too ("Hoàn" is VNI for "Hồn") and went outside the
    registry; legacy text has words that are no syllable ("Kú", "Taân", "Hoaøn")."""
    from cccd_analytics.ingest.syllables import is_vietnamese_syllable

    marked = [w for w in _words(text) if not w.isascii()]
    return bool(marked) and all(is_vietnamese_syllable(w) for w in marked)


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
        elif apply and detection.encoding == "utf8x2":
            repaired.append(_from_twice(item))
        elif (
            apply
            and _is_byte_text(item)
            and (detection.encoding == "tcvn3_upper" or not item.isascii())
            and not _already_vietnamese(item)
        ):
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
        return _convert_unicode_lines(text, detection.encoding), f"{codec}+{detection.encoding}"
    return to_nfc(text), codec


# The separators a CSV/TXT line may use (ASCII: no conversion touches them), so a line's
# fields can be judged one by one before the separator is known.
_FIELD_SPLIT_RE = re.compile(r"([,;\t|])")


def _convert_field(field: str, encoding: str) -> str:
    if field.isascii() and encoding != "tcvn3_upper":
        return field
    if encoding == "utf8x2":
        return _from_twice(field)
    if _NOT_BYTE.search(field) is not None or _already_vietnamese(field):
        return to_nfc(field)
    return _convert_cell(field, encoding)


def _convert_lines(text: str, encoding: str) -> str:
    return "".join(_convert_cell(line, encoding) for line in text.splitlines(keepends=True))


def _convert_unicode_lines(text: str, encoding: str) -> str:
    """`_convert_lines` for text decoded as Unicode, where legacy code points and real
    Unicode may share a file: field by field, as `repair_texts` treats cells, a field
    already in Unicode Vietnamese (a row typed or pasted in Unicode into a file typed in
    .VnTime: "Xã Tân Hợp" with its "ợ", or "Xã Mã Thành" in Latin-1 letters only) stays
    as it is.  Converted with its line, it became "Xó Tõn Hợp" / "Xó Mó Thành": a unit
    outside the registry holding the commune's figures, the commune counted as not
    reporting.  (An 8-bit file is one encoding throughout, and keeps `_convert_lines`.)"""
    return "".join(
        "".join(_convert_field(field, encoding) for field in _FIELD_SPLIT_RE.split(line))
        if not line.isascii() or encoding == "tcvn3_upper"
        else line
        for line in text.splitlines(keepends=True)
    )


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
