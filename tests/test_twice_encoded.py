"""UTF-8 twice encoded: a UTF-8 file opened in Excel on a Vietnamese (cp1258) or Western
(cp1252) Windows and saved as "CSV UTF-8" again, or its cells pasted into a workbook, holds
"XÃ£ Ká»³ TÃ¢n" for "Xã Kỳ Tân".  Before, such a canonical file was imported with every
commune outside the registry under a garbled province, and the communes counted as not
reporting; now the text is taken back to what it stood for, and nothing else is touched."""

from __future__ import annotations

import io

import openpyxl
import pytest

from cccd_analytics import ingest, registry
from cccd_analytics.ingest import legacy_text
from cccd_analytics.ingest.legacy_text import undo_twice_utf8
from tests.test_report_shapes_round7 import values


def excel(text: str, codec: str = "cp1258") -> str:
    """`text` as Excel on Windows shows a UTF-8 file read through `codec`: each byte one
    character, a byte the code page leaves undefined the C1 control of its value."""
    return "".join(bytes([b]).decode(codec, errors="ignore") or chr(b) for b in text.encode("utf-8"))


def lossy(text: str, codec: str = "cp1258") -> str:
    """The same through a tool that writes U+FFFD for an undefined byte (its value lost)."""
    return text.encode("utf-8").decode(codec, errors="replace")


NAMES = sorted(set(registry.load_registry()["name"].astype(str)))


@pytest.mark.parametrize("codec", ["cp1258", "cp1252", "latin-1"])
def test_every_registry_name_comes_back_from_its_twice_encoded_text(codec):
    for name in NAMES + [n.upper() for n in NAMES]:
        assert undo_twice_utf8(excel(name, codec)) == name


@pytest.mark.parametrize("codec", ["cp1258", "cp1252"])
def test_a_lost_byte_is_found_only_when_one_syllable_fits_and_never_wrongly(codec):
    undone = [(name, undo_twice_utf8(lossy(name, codec))) for name in NAMES]
    assert all(got in (None, name) for name, got in undone)
    assert sum(got == name for name, got in undone) >= 0.85 * len(NAMES)
    # "Thá»?" is Thọ, Thỏ, Thờ or Thề: not guessed.
    assert undo_twice_utf8(lossy("Xã Nghĩa Thọ", codec)) is None
    assert undo_twice_utf8(lossy("Phường Đông Vĩnh", codec)) == "Phường Đông Vĩnh"


def test_a_no_break_space_trimmed_off_a_final_a_grave_is_put_back():
    # "à" is C3 A0: misread, its last byte is a no-break space that trimming removes.
    assert undo_twice_utf8(excel("Thị xã Thái Hoà").strip()) == "Thị xã Thái Hoà"
    assert undo_twice_utf8(excel("Xã Thanh Hà").strip()) == "Xã Thanh Hà"


@pytest.mark.parametrize(
    "text",
    [
        "Xã Kỳ Tân",
        "XÃ KỲ TÂN",
        "Xã Tân Phú",
        "Thành phố Vinh",
        "XÃ\u00a0KỲ TÂN",  # a no-break space after a capital Ã: Unicode, not a misread byte
        "X· Kú §ång",  # TCVN3
        "Xaõ Kyø Ñoàng",  # VNI
        "Café Ã©",  # a lead and a continuation, but no Vietnamese comes of it
    ],
)
def test_text_that_is_not_twice_encoded_is_left_alone(text):
    assert undo_twice_utf8(text) is None


def test_a_column_with_a_few_twice_encoded_cells_among_unicode_ones_is_repaired_cell_by_cell():
    cells = ["Xã Kỳ Tân", excel("Xã Kỳ Đồng"), excel("Xã Kỳ Thọ"), "Xã Kỳ Phú"]
    repaired, detection = legacy_text.repair_texts(cells)
    assert detection.encoding == "utf8x2"
    assert repaired == ["Xã Kỳ Tân", "Xã Kỳ Đồng", "Xã Kỳ Thọ", "Xã Kỳ Phú"]


def test_legacy_fonts_are_still_read_as_legacy_fonts():
    _, detection = legacy_text.repair_texts(["X· Kú T©n", "X· Kú §ång", "X· Kú Thä"])
    assert detection.encoding == "tcvn3"


CANONICAL = (
    "date,province,district,commune,eligible,collected,collected_day,returned\n"
    "2021-03-15,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Tân,5200,1500,120,900\n"
    "2021-03-15,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,4100,900,80,500\n"
    "2021-03-15,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Thọ,3900,700,60,400\n"
    "2021-03-15,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Phú,9000,2100,150,1500\n"
)


@pytest.mark.parametrize("codec", ["cp1258", "cp1252"])
@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_a_canonical_csv_saved_twice_encoded_stores_what_the_clean_one_does(codec, bom):
    clean = ingest.import_bytes(None, CANONICAL.encode("utf-8"), "bao_cao.csv")
    twice = ingest.import_bytes(None, bom + excel(CANONICAL, codec).encode("utf-8"), "bao_cao.csv")
    assert values(twice) == values(clean)
    assert len({k for k, _ in values(twice)}) == 4
    official = set(registry.load_registry().index)
    assert {key for key, _ in values(twice)} <= official
    assert any("hai lần" in repair for repair in twice.encoding_repairs)


def test_a_per_record_export_saved_twice_encoded_counts_what_the_clean_one_does():
    rows = ["STT,Số hồ sơ,Họ và tên,Ngày sinh,Xã/Phường thường trú,Huyện,Tỉnh,Ngày thu nhận,Trạng thái"]
    places = [
        ("Xã Kỳ Tân", "Huyện Kỳ Anh", "Tỉnh Hà Tĩnh"),
        ("Xã Kỳ Đồng", "Huyện Kỳ Anh", "Tỉnh Hà Tĩnh"),
        ("Xã Kỳ Phú", "Huyện Kỳ Anh", "Tỉnh Hà Tĩnh"),
    ]
    for i in range(60):
        commune, district, province = places[i % 3]
        rows.append(
            f"{i + 1},HS{i:06d},Nguyễn Văn An,01/01/1980,{commune},{district},{province},"
            f"{15 + i % 2}/03/2021 08:00,Đã trả thẻ"
        )
    text = "\n".join(rows) + "\n"
    clean = ingest.import_bytes(None, text.encode("utf-8"), "ho_so.csv")
    twice = ingest.import_bytes(None, b"\xef\xbb\xbf" + excel(text).encode("utf-8"), "ho_so.csv")
    assert values(clean) and values(twice) == values(clean)


def test_a_report_workbook_whose_cells_were_pasted_twice_encoded_reads_its_figures():
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [
        ["CÔNG AN HUYỆN KỲ ANH"],
        ["BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD ngày 15/3/2021"],
        [],
        ["STT", "Đơn vị", "Số hồ sơ thu nhận trong ngày", "Lũy kế"],
        [1, "Xã Kỳ Tân", 120, 1500],
        [2, "Xã Kỳ Đồng", 80, 900],
        [3, "Xã Kỳ Thọ", 60, 700],
        [None, "Tổng cộng", 260, 3100],
    ]:
        sheet.append([excel(c) if isinstance(c, str) else c for c in row])
    out = io.BytesIO()
    book.save(out)
    report = ingest.import_bytes(None, out.getvalue(), "ky_anh.xlsx")
    got = values(report)
    key = registry.resolve("Tỉnh Hà Tĩnh", "Huyện Kỳ Anh", "Xã Kỳ Đồng").key
    assert got[(key, "collected")] == 900
    assert len({k for k, _ in got}) == 3


def test_a_lossy_file_of_every_commune_is_read_right_or_kept_apart_never_wrong():
    """A lost byte the column's repair could not settle ("Thá»?") is read by the registry:
    of the readings, the one that names a unit."""
    import pandas as pd

    from cccd_analytics.registry import DATA_DIR

    communes = pd.read_csv(DATA_DIR / "nghe_an_2023_communes.csv", dtype=str)
    lines = ["date,province,district,commune,collected"]
    lines += [
        f"2023-05-02,Tỉnh Nghệ An,{row.district_name},{row.commune_name},{100 + i}"
        for i, row in enumerate(communes.itertuples())
    ]
    text = "\n".join(lines) + "\n"
    clean = values(ingest.import_bytes(None, text.encode("utf-8"), "nghe_an.csv"))
    lossy_report = ingest.import_bytes(None, lossy(text).encode("utf-8"), "nghe_an.csv")
    got = values(lossy_report)
    by_value = {v: k for (k, _), v in got.items()}
    truth = {v: k for (k, _), v in clean.items()}
    assert set(by_value) == set(truth)
    official = set(registry.load_registry().index)
    wrong = [v for v in truth if by_value[v] != truth[v] and by_value[v] in official]
    right = [v for v in truth if by_value[v] == truth[v]]
    assert not wrong
    assert len(right) >= 0.98 * len(truth)


def test_unicode_cells_in_a_twice_encoded_column_are_kept_as_typed():
    """A capital Ã before a no-break space ("XÃ\u00a0NAM ANH") is bytes C3 A0 misread as well:
    undone, it became "XàNAM ANH"; "Hoá»" (a guillemet after "á") became "HoỠ"."""
    cells = [excel(n) for n in ["Xã Kỳ Tân", "Xã Kỳ Đồng", "Xã Kỳ Phú"]] + [
        "XÃ\u00a0NAM ANH",
        "Ghi chú «Thanh Hoá»",
    ]
    repaired, detection = legacy_text.repair_texts(cells)
    assert detection.encoding == "utf8x2"
    assert repaired == ["Xã Kỳ Tân", "Xã Kỳ Đồng", "Xã Kỳ Phú", "XÃ\u00a0NAM ANH", "Ghi chú «Thanh Hoá»"]
