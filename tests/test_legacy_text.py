"""Legacy Vietnamese encodings (TCVN3, VNI, Windows-1258) → Unicode NFC."""

from __future__ import annotations

import csv
import unicodedata
from importlib import resources

import pytest

from cccd_analytics.ingest import legacy_text as lt
from cccd_analytics.ingest.legacy_text import (
    Detection,
    decode_bytes,
    decode_cp1258,
    detect_legacy,
    encoding_for_font,
    from_tcvn3,
    from_vni,
    is_vietnamese_syllable,
    repair_texts,
    to_nfc,
)

TONES = ("", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323")
VOWELS = ("a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y")
LOWER_LETTERS = sorted({to_nfc(v + t) for v in VOWELS for t in TONES} - set("aeiouy") | {"đ"})
ALL_LETTERS = LOWER_LETTERS + [ch.upper() for ch in LOWER_LETTERS]
VN3_CAPITALS = set("ĂÂÊÔƠƯĐ")


def _communes(n: int = 40) -> list[str]:
    path = resources.files("cccd_analytics") / "data/vn_admin/nghe_an_2023_communes.csv"
    with path.open(encoding="utf-8") as handle:
        names = [row["commune_name"] for row in csv.DictReader(handle)]
    return names[:: max(1, len(names) // n)][:n]


COMMUNES = _communes()


def _tcvn3_representable(text: str) -> bool:
    """VN3 has no code for accented capitals other than Ă Â Ê Ô Ơ Ư Đ."""
    return all(not ch.isupper() or ch.isascii() or ch in VN3_CAPITALS for ch in text)


def test_there_are_134_precomposed_letters_to_check():
    assert len(ALL_LETTERS) == 134
    assert all(len(ch) == 1 for ch in ALL_LETTERS)


# --- TCVN3 -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("legacy", "expected"),
    [
        ("X· Kú §ång", "Xã Kỳ Đồng"),
        ("Tæng céng", "Tổng cộng"),
        ("Sè CD ®ñ §K", "Số CD đủ ĐK"),
        ("Lòy kÕ", "Lũy kế"),
        ("Trong ngµy", "Trong ngày"),
        ("NghÖ An", "Nghệ An"),
        ("Ph\xadêng H­ng Dòng", "Phường Hưng Dũng"),
    ],
)
def test_tcvn3_report_words_convert(legacy, expected):
    assert from_tcvn3(legacy) == expected


@pytest.mark.parametrize(
    "legacy",
    ["X· Kú §åNG", "x· kú §ång", "x· Kú §åNG"],
)
def test_tcvn3_upper_case_font_reads_as_capitals(legacy):
    assert from_tcvn3(legacy, upper=True) == "XÃ KỲ ĐỒNG"


def test_tcvn3_capitals_it_does_encode():
    assert from_tcvn3("¡ ¢ £ ¤ ¥ ¦ §") == "Ă Â Ê Ô Ơ Ư Đ"


def test_every_lower_case_letter_round_trips_through_tcvn3():
    for letter in LOWER_LETTERS:
        encoded = lt._to_tcvn3(letter)
        assert len(encoded) == 1 and 0xA1 <= ord(encoded) <= 0xFE, letter
        assert from_tcvn3(encoded) == letter


def test_every_capital_round_trips_through_tcvn3_upper_font():
    for letter in ALL_LETTERS:
        assert from_tcvn3(lt._to_tcvn3(letter), upper=True) == letter.upper()


def test_tcvn3_codes_are_distinct_for_the_67_lower_case_letters():
    codes = [lt._to_tcvn3(letter) for letter in LOWER_LETTERS]
    assert len(set(codes)) == len(LOWER_LETTERS) == 67


def test_tcvn3_combining_tone_bytes_join_a_vowel_but_leave_a_degree_sign():
    assert from_tcvn3("a\xb3") == "á"  # 0xB3 = combining acute in TCVN 5712
    assert from_tcvn3("25\xb0C") == "25°C"


def test_tcvn3_leaves_ascii_and_cp1252_punctuation_alone():
    assert from_tcvn3("ABC 123 – “x” …") == "ABC 123 – “x” …"


# --- VNI ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("legacy", "expected"),
    [
        ("Xaõ Kyø Ñoàng", "Xã Kỳ Đồng"),
        ("Toång coäng", "Tổng cộng"),
        ("Ngheä An", "Nghệ An"),
        ("XAÕ KYØ ÑOÀNG", "XÃ KỲ ĐỒNG"),
        ("Phöôøng Ñoâng Vónh", "Phường Đông Vĩnh"),
        ("Soá CD ñuû ÑK", "Số CD đủ ĐK"),
        ("Luõy keá", "Lũy kế"),
        ("Trong ngaøy", "Trong ngày"),
    ],
)
def test_vni_report_words_convert(legacy, expected):
    assert from_vni(legacy) == expected


def test_every_letter_round_trips_through_vni():
    for letter in ALL_LETTERS:
        assert from_vni(lt._to_vni(letter)) == letter, letter


def test_vni_single_byte_letters_follow_the_published_table():
    # i-family, ỵ and đ are single bytes (xvnkb vni.h, UniKey/OpenKey)
    assert lt._to_vni("í ì ỉ ĩ ị ỵ đ") == "í ì æ ó ò î ñ"
    assert lt._to_vni("Í Ì Ỉ Ĩ Ị Ỵ Đ") == "Í Ì Æ Ó Ò Î Ñ"


# --- Windows-1258 ------------------------------------------------------------


def test_cp1258_bytes_decode_to_nfc():
    data = b"Xa\xde Ky\xcc \xd0\xf4\xccng"  # tone marks as separate bytes
    assert decode_cp1258(data) == "Xã Kỳ Đồng"
    assert unicodedata.is_normalized("NFC", decode_cp1258(data))


def test_every_letter_round_trips_through_cp1258():
    for letter in ALL_LETTERS:
        assert decode_cp1258(lt._to_cp1258(letter)) == letter


def test_cp1258_undefined_bytes_do_not_raise():
    assert decode_cp1258(b"\x81\x8a") == "\x81\x8a"


# --- NFC ---------------------------------------------------------------------


def test_nfd_input_becomes_nfc():
    nfd = unicodedata.normalize("NFD", "Xã Kỳ Đồng")
    assert nfd != "Xã Kỳ Đồng"
    assert to_nfc(nfd) == "Xã Kỳ Đồng"
    assert repair_texts([nfd])[0] == ["Xã Kỳ Đồng"]


def test_every_conversion_returns_nfc():
    for text in (from_tcvn3("Tæng céng"), from_vni("Toång coäng"), decode_cp1258(b"Xa\xde")):
        assert unicodedata.is_normalized("NFC", text)


# --- syllable validator ------------------------------------------------------


@pytest.mark.parametrize(
    "word",
    [
        "xã",
        "phường",
        "thị",
        "trấn",
        "huyện",
        "tỉnh",
        "tổng",
        "cộng",
        "lũy",
        "kế",
        "số",
        "ngày",
        "trong",
        "đã",
        "trả",
        "thẻ",
        "Nghệ",
        "quốc",
        "quỳnh",
        "giữa",
        "gì",
        "người",
        "hòa",
        "hoà",
        "thủy",
        "thuỷ",
        "khuya",
        "nghiêng",
        "ĐỒNG",
    ],
)
def test_real_syllables_are_valid(word):
    assert is_vietnamese_syllable(word)


@pytest.mark.parametrize(
    "word",
    [
        "céng",
        "Tæng",
        "X·",
        "ngµy",
        "Lòy",
        "Xaõ",
        "Kyø",
        "Ñoàng",
        "coäng",
        "tỉng",
        "ghà",
        "kà",
        "mát̀",
        "tàc",
        "report",
        "CCCD",
        "123",
    ],
)
def test_mojibake_and_non_vietnamese_words_are_invalid(word):
    assert not is_vietnamese_syllable(word)


def test_every_word_of_every_commune_name_is_a_valid_syllable():
    bad = {w for name in _communes(10_000) for w in lt._words(name) if not is_vietnamese_syllable(w)}
    assert bad == set()


# --- detection ---------------------------------------------------------------


@pytest.mark.parametrize(
    "column",
    [
        ["Xã Kỳ Đồng", "Tổng cộng", "Số CD đủ ĐK"],
        ["ABC 123", "Total", "Report", "2024-01-05"],
        ["café", "naïve", "José", "résumé"],
        # Unicode names made only of Latin-1 letters could pass for legacy bytes
        ["Hoàng Mai", "Tân Hóa", "Cà Mau", "Hòa Bình", "Thái Hòa", "Xã Nghi Phú"],
        COMMUNES,
        [],
    ],
)
def test_good_unicode_stays_unicode_and_is_not_changed(column):
    detection = detect_legacy(column)
    assert detection.encoding == "unicode"
    assert repair_texts(column)[0] == [to_nfc(t) for t in column]


def test_commune_column_round_trips_and_is_detected_as_tcvn3():
    names = [n for n in COMMUNES if _tcvn3_representable(n)]
    assert len(names) >= 30
    column = [lt._to_tcvn3(n) for n in names]
    assert column != names
    repaired, detection = repair_texts(column)
    assert detection.encoding == "tcvn3"
    assert detection.confidence >= 0.8
    assert repaired == names


def test_commune_column_in_upper_case_font_is_detected_as_tcvn3_upper():
    names = [n.upper() for n in COMMUNES]
    column = [lt._to_tcvn3(n) for n in names]
    repaired, detection = repair_texts(column)
    assert detection.encoding == "tcvn3_upper"
    assert detection.confidence >= 0.8
    assert repaired == names


def test_commune_column_round_trips_and_is_detected_as_vni():
    column = [lt._to_vni(n) for n in COMMUNES]
    repaired, detection = repair_texts(column)
    assert detection.encoding == "vni"
    assert detection.confidence >= 0.8
    assert repaired == COMMUNES


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_each_commune_converts_back_exactly(encoding):
    encode = {"tcvn3": lt._to_tcvn3, "vni": lt._to_vni}[encoding]
    for name in COMMUNES:
        if encoding == "tcvn3" and not _tcvn3_representable(name):
            continue
        assert lt.convert(encode(name), encoding) == name


def test_detection_reports_a_sample_before_and_after():
    detection = detect_legacy(["", "X· Kú §ång", "Tæng céng"])
    assert detection == Detection("tcvn3", detection.confidence, "X· Kú §ång", "Xã Kỳ Đồng")
    assert 0.0 < detection.confidence <= 1.0


def test_report_sheet_cells_are_repaired_together_and_others_pass_through():
    cells = ["X· Kú §ång", "Tæng céng", None, 42, "Sè CD ®ñ §K", "Lòy kÕ", "Xã Kỳ Đồng"]
    repaired, detection = repair_texts(cells)
    assert detection.encoding == "tcvn3"
    assert repaired == ["Xã Kỳ Đồng", "Tổng cộng", None, 42, "Số CD đủ ĐK", "Lũy kế", "Xã Kỳ Đồng"]


def test_caps_header_in_upper_font_within_a_tcvn3_column_is_read_as_capitals():
    repaired, _ = repair_texts(["TæNG CéNG", "X· Kú §ång", "Sè CD ®ñ §K", "Trong ngµy"])
    assert repaired == ["TỔNG CỘNG", "Xã Kỳ Đồng", "Số CD đủ ĐK", "Trong ngày"]


def test_a_single_legacy_word_is_too_little_evidence_to_repair():
    repaired, detection = repair_texts(["Trong ngµy"])
    assert detection.encoding == "tcvn3"
    assert detection.confidence < lt.DEFAULT_MIN_CONFIDENCE
    assert repaired == ["Trong ngµy"]


def test_a_plain_string_is_treated_as_one_cell():
    assert detect_legacy("X· Kú §ång Tæng céng").encoding == "tcvn3"


@pytest.mark.parametrize(
    ("font", "encoding"),
    [
        (".VnTime", "tcvn3"),
        (".VnArial", "tcvn3"),
        (".VnTimeH", "tcvn3_upper"),
        (".VnArial NarrowH", "tcvn3_upper"),
        ("VNI-Times", "vni"),
        ("Times New Roman", None),
        (None, None),
    ],
)
def test_cell_font_names_imply_an_encoding(font, encoding):
    assert encoding_for_font(font) == encoding


def test_unknown_encoding_name_is_refused():
    with pytest.raises(ValueError, match="unknown legacy encoding"):
        lt.convert("x", "viscii")


# --- bytes of CSV/TXT files --------------------------------------------------

REPORT = (
    "STT,Tên đơn vị,Số CD đủ ĐK\r\n"
    + "".join(f"{i},{name},{i * 100}\r\n" for i, name in enumerate(COMMUNES, 1))
    + "Tổng cộng,,4000\r\n"
)


def test_every_byte_round_trips_through_the_cp1252_view():
    data = bytes(range(256))
    assert lt._encode_cp1252(lt._decode_cp1252(data)) == data
    # 0xA0–0xFF, where every TCVN3/VNI letter lives, read the same as Latin-1
    assert lt._decode_cp1252(data[0xA0:]) == data[0xA0:].decode("latin-1")
    # 0x80–0x9F are the punctuation an .xlsx cell holds, not C1 controls
    assert lt._decode_cp1252(b"\x85\x93\x94") == "…“”"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (REPORT.encode("utf-8"), "utf-8"),
        (REPORT.encode("utf-8-sig"), "utf-8-sig"),
        (b"\xfe\xff" + REPORT.encode("utf-16-be"), "utf-16-be"),
        (REPORT.encode("utf-16-le"), "utf-16-le"),  # no BOM
        (lt._to_cp1258(REPORT), "cp1258"),
        (lt._encode_cp1252(lt._to_vni(REPORT)), "vni"),
        (lt._to_tcvn3(REPORT).encode("utf-8"), "utf-8+tcvn3"),
    ],
)
def test_report_bytes_decode_to_the_same_text(data, encoding):
    assert decode_bytes(data) == (REPORT, encoding)


def test_tcvn3_file_bytes_round_trip():
    text = "".join(line for line in REPORT.splitlines(keepends=True) if _tcvn3_representable(line))
    assert decode_bytes(lt._encode_cp1252(lt._to_tcvn3(text))) == (text, "tcvn3")


def test_tcvn3_upper_file_bytes_round_trip():
    text = REPORT.upper()
    assert decode_bytes(lt._encode_cp1252(lt._to_tcvn3(text))) == (text, "tcvn3_upper")


def test_excel_unicode_text_is_utf16le_with_bom_and_tabs():
    tsv = REPORT.replace(",", "\t")
    text, encoding = decode_bytes(b"\xff\xfe" + tsv.encode("utf-16-le"))
    assert (text, encoding) == (tsv, "utf-16-le")
    assert text.splitlines()[0].split("\t") == ["STT", "Tên đơn vị", "Số CD đủ ĐK"]


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (lt._to_cp1258("Xã Kỳ Đồng"), "cp1258"),
        (lt._encode_cp1252(lt._to_tcvn3("Xã Kỳ Đồng")), "tcvn3"),
        (lt._encode_cp1252(lt._to_vni("Xã Kỳ Đồng")), "vni"),
    ],
)
def test_short_8bit_files_still_pick_the_right_reading(data, encoding):
    assert decode_bytes(data) == ("Xã Kỳ Đồng", encoding)


def test_non_vietnamese_8bit_file_is_read_as_cp1252():
    data = "Name,Café,Total\r\nJosé,naïve,3\r\n".encode("cp1252")
    assert decode_bytes(data) == ("Name,Café,Total\r\nJosé,naïve,3\r\n", "cp1252")


def test_nfd_utf8_file_comes_back_nfc():
    data = unicodedata.normalize("NFD", REPORT).encode("utf-8")
    assert decode_bytes(data) == (REPORT, "utf-8")


def test_empty_and_ascii_files():
    assert decode_bytes(b"") == ("", "utf-8")
    assert decode_bytes(b"a,b\r\n1,2\r\n") == ("a,b\r\n1,2\r\n", "utf-8")
