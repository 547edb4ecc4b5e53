"""Round 23 (outside probing of hand-typed names, 7/12/2026): names typed in reports of the
months between Nghệ An's merger of 1/12/2024 (NQ 1243/NQ-UBTVQH15) and the reform of 1/7/2025.
The registry's three-level list stays 2023's; the units formed then went by the fuzzy rules
onto a 2023 unit that is only a part of them, or another district's.  Each case fails without
the round's fixes."""

from __future__ import annotations

from datetime import date

import pytest

from cccd_analytics import registry
from tests.test_names_round17 import _key
from tests.test_names_round21 import _placed_on

INTERIM = date(2025, 3, 15)
NA = "Tỉnh Nghệ An"


@pytest.mark.parametrize(
    ("district", "typed", "was"),
    [
        # A town formed from a commune and the old town, under the commune's name: not the commune.
        ("Huyện Diễn Châu", "Thị trấn Diễn Thành", "Xã Diễn Thành"),
        ("Huyện Diễn Châu", "TT. Diễn Thành", "Xã Diễn Thành"),
        ("Huyện Diễn Châu", "Diễn Thành", "Xã Diễn Thành"),
        ("Huyện Yên Thành", "Thị trấn Hoa Thành", "Xã Hoa Thành"),
        # A new name one mark from a 2023 commune's.
        ("Huyện Yên Thành", "Xã Đông Thành", "Xã Đồng Thành"),
        ("Huyện Yên Thành", "Xa Dong Thanh", "Xã Đồng Thành"),
        # A new name one letter from a 2023 commune's, which it took in.
        ("Huyện Thanh Chương", "Xã Xuân Dương", "Xã Xuân Tường"),
    ],
)
def test_a_unit_formed_on_1_12_2024_is_not_one_of_its_parts(district, typed, was):
    # Each went, in silence or with a spelling correction, onto the 2023 unit: the whole new
    # unit's figures stored as a part's, its coverage far too high.
    report, key = _placed_on(INTERIM, district, typed, NA, [])
    assert key != _key(district, was)
    assert key is None
    (note,) = [p for p in report.problems if p.code == "unknown_unit"]
    assert "thành lập từ 1/12/2024" in note.message


@pytest.mark.parametrize(
    ("district", "typed", "was", "was_district"),
    [
        ("Huyện Thanh Chương", "Xã Minh Sơn", "Xã Minh Sơn", "Huyện Đô Lương"),
        ("Huyện Nghi Lộc", "Xã Diên Hoa", "Xã Diễn Hoa", "Huyện Diễn Châu"),
    ],
)
def test_a_unit_formed_on_1_12_2024_is_not_another_districts_namesake(district, typed, was, was_district):
    # "Xã Minh Sơn" (Thanh Nho and Thanh Hòa) under Thanh Chương went onto Đô Lương's Minh Sơn
    # next door, "Xã Diên Hoa" (Nghi Diên and Nghi Hoa) onto Diễn Châu's Diễn Hoa.
    report, key = _placed_on(INTERIM, district, typed, NA, [])
    assert key != _key(was_district, was)
    assert key is None


@pytest.mark.parametrize(
    ("typed", "commune"),
    [
        ("Phường Nghi Thuỷ", "Phường Nghi Thuỷ"),
        ("P. Nghi Hòa", "Phường Nghi Hòa"),
        ("Nghi Tân", "Phường Nghi Tân"),
    ],
)
def test_a_ward_moved_into_vinh_on_1_12_2024_is_the_registrys_ward(typed, commune):
    # Cửa Lò's wards, moved whole into Thành phố Vinh, were units outside the registry when a
    # report of 2025 wrote them under Vinh; the registry holds them under Cửa Lò.
    report, key = _placed_on(INTERIM, "Thành phố Vinh", typed, NA, [])
    assert key == _key("Thị xã Cửa Lò", commune)
    assert any("1/12/2024" in c["how"] for c in report.corrections)


@pytest.mark.parametrize(
    ("district", "typed", "commune"),
    [
        ("Huyện Diễn Châu", "Xã Diễn Thành", "Xã Diễn Thành"),  # its own type: the old commune
        ("Huyện Yên Thành", "Xã Đồng Thành", "Xã Đồng Thành"),
        ("Huyện Đô Lương", "Xã Minh Sơn", "Xã Minh Sơn"),
        ("Thành phố Vinh", "Phường Nghi Phú", "Xã Nghi Phú"),  # retyped whole: the same unit
        ("Huyện Kỳ Anh", "Thị trấn Kỳ Đồng", "Xã Kỳ Đồng"),
    ],
)
def test_the_2023_units_are_still_read_after_1_12_2024(district, typed, commune):
    province = "Tỉnh Hà Tĩnh" if district == "Huyện Kỳ Anh" else NA
    _, key = _placed_on(INTERIM, district, typed, province, [])
    assert key == _key(district, commune)


@pytest.mark.parametrize(
    ("district", "typed", "commune"),
    [
        ("Huyện Diễn Châu", "Thị trấn Diễn Thành", "Xã Diễn Thành"),
        ("Huyện Yên Thành", "Xã Đông Thành", "Xã Đồng Thành"),
        ("Huyện Thanh Chương", "Xã Minh Sơn", "Xã Minh Sơn"),
    ],
)
def test_before_1_12_2024_the_names_are_read_as_before(district, typed, commune):
    # No unit of those names existed yet: a slip, a type, a district written wrong.
    _, key = _placed_on(date(2023, 5, 15), district, typed, NA, [])
    home = "Huyện Đô Lương" if typed == "Xã Minh Sơn" else district
    assert key == _key(home, commune)


def test_a_2023_unit_that_took_in_others_on_1_12_2024_is_flagged():
    # "Phường Quang Trung" of 3/2025 is the ward that took in Lê Mao and Đội Cung: stored
    # under the 2023 ward as written, but its coverage is then the larger ward's figures over
    # the smaller ward's people.  It was stored in silence.
    report, key = _placed_on(INTERIM, "Thành phố Vinh", "Phường Quang Trung", NA, [])
    assert key == _key("Thành phố Vinh", "Phường Quang Trung")
    (note,) = [p for p in report.problems if p.code == "reformed_unit"]
    assert "Phường Lê Mao" in note.message and "Phường Đội Cung" in note.message
    assert "1/12/2024" in note.message
    _, before = _placed_on(date(2024, 11, 15), "Thành phố Vinh", "Phường Quang Trung", NA, [])
    assert before == key


def test_the_interim_units_come_from_the_shipped_mappings():
    formed = registry.merged_on_interim()
    quang_trung = _key("Thành phố Vinh", "Phường Quang Trung")
    assert formed[quang_trung].name == "Phường Quang Trung"
    assert {registry.load_registry().at[k, "name"] for k in formed[quang_trung].parts} == {
        "Phường Quang Trung",
        "Phường Lê Mao",
        "Phường Đội Cung",
    }


# --- The type word typed with one slip (`names._type_slipped`) -----------------------------------


@pytest.mark.parametrize(
    ("district", "typed", "commune"),
    [
        ("Huyện Kỳ Anh", "Xãã Kỳ Xuân", "Xã Kỳ Xuân"),
        ("Huyện Kỳ Sơn", "Xl Đoọc Mạy", "Xã Đoọc Mạy"),
        ("Huyện Thanh Chương", "Xp Hạnh Lâm", "Xã Hạnh Lâm"),
        ("Thị xã Hoàng Mai", "Phườnng Mai Hùng", "Phường Mai Hùng"),
        ("Thành phố Vinh", "Pường Quán Bàu", "Phường Quán Bàu"),
        ("Thành phố Vinh", "Phgờng Hưng Bình", "Phường Hưng Bình"),
        ("Huyện Tương Dương", "Thị tấrn Thạch Giám", "Thị trấn Thạch Giám"),
        ("Huyện Con Cuông", "Thị trấnn Con Cuông", "Thị trấn Con Cuông"),
        ("Huyện Thanh Chương", "Thị ttrấn Thanh Chương", "Thị trấn Thanh Chương"),
    ],
)
def test_a_type_word_typed_with_one_slip_is_the_type(district, typed, commune):
    # Each was a unit outside the registry, and its commune showed as not reported.
    province = "Tỉnh Hà Tĩnh" if district == "Huyện Kỳ Anh" else NA
    report, key = _placed_on(date(2023, 5, 15), district, typed, province, [])
    assert key == _key(district, commune)
    assert [c for c in report.corrections if c["typed"] == typed]


@pytest.mark.parametrize("typed", ["Phong Thịnh", "Xuân Lâm", "Xa Ky Tan", "Xi Kỳ Văn", "Phờng Quỳnh Dị"])
def test_a_real_word_before_the_name_is_not_read_as_a_type(typed):
    # "Phong", "Xuân", "Xi", "Phờng" (phòng) are words: a name may begin with them.
    from cccd_analytics.ingest.names import _type_slipped

    assert _type_slipped(typed) == typed


def test_a_type_slip_is_no_licence_for_a_second_slip():
    # "Xãã Kỳ Tâm": the type read back, then "Kỳ Tâm" names no commune as it stands (Kỳ Tân?
    # Kỳ Tây?): it stays apart.
    _, key = _placed_on(date(2021, 5, 17), "Huyện Kỳ Anh", "Xãã Kỳ Tâm", "Tỉnh Hà Tĩnh", [])
    assert key is None


# --- A commune of 1/7/2025 written under its old district (`registry.named_after_reform`) --------


@pytest.mark.parametrize("typed", ["Xã Đông Thành", "X. Đông Thành", "Xa Dong Thanh"])
def test_a_2025_commune_under_its_old_district_is_not_a_2023_commune_a_mark_away(typed):
    # A district's report of 15/8/2025 that kept its district column: "Xã Đông Thành" (the
    # new commune) went onto Yên Thành's Đồng Thành, now a part of Xã Quang Đồng.
    report, key = _placed_on(date(2025, 8, 15), "Huyện Yên Thành", typed, NA, [])
    assert key != _key("Huyện Yên Thành", "Xã Đồng Thành")
    assert key is None


def test_a_2025_commune_under_its_old_district_is_told_to_drop_the_district():
    report, key = _placed_on(date(2025, 8, 15), "Huyện Kỳ Sơn", "Xã Mường Xén", NA, [])
    assert key is None
    (note,) = [p for p in report.problems if p.code == "unknown_unit"]
    assert "sau sắp xếp 1/7/2025" in note.message and "bỏ cột huyện" in note.message


def test_a_2023_commune_under_its_district_after_the_reform_is_read_as_before():
    # Named with its old district it is the old unit as written, with the reform's warning.
    report, key = _placed_on(date(2025, 8, 15), "Huyện Yên Thành", "Xã Đồng Thành", NA, [])
    assert key == _key("Huyện Yên Thành", "Xã Đồng Thành")
    assert [p for p in report.problems if p.code == "reformed_unit"]


# --- A district written in the cell, the row having none (`names.district_written_elsewhere`) ----


def _alone(day: date, typed: str, province: str, anchor: str):
    """A report with no district column: the typed name, and a commune of the province."""
    import io

    import openpyxl

    from cccd_analytics import ingest

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["BÁO CÁO TIẾN ĐỘ THU NHẬN HỒ SƠ CCCD"])
    sheet.append([f"Ngày {day.day}/{day.month}/{day.year}"])
    sheet.append(["STT", "Tỉnh", "Xã", "Số CD đủ ĐK", "Lũy kế thu nhận"])
    sheet.append([1, province, typed, 5000, 100])
    sheet.append([2, province, anchor, 5001, 101])
    out = io.BytesIO()
    book.save(out)
    report, obs = ingest.read_observations(out.getvalue(), "bao_cao.xlsx")
    assert obs is not None, report.message
    collected = obs[obs.metric == "collected"]
    key = dict(zip(collected.value.astype(int), collected.unit_key)).get(100)
    return report, (key if key in registry.load_registry().index else None)


@pytest.mark.parametrize(
    "typed",
    ["Kỳ Tân (Cẩm Xuyên)", "Kỳ Tân – Thạch Hà", "Kỳ Tân (TX Kỳ Anh)", "Kỳ Tân - TX Kỳ Anh", "Kỳ Tân (TX.KA)"],
)
def test_a_cell_naming_another_district_than_its_communes_is_left_apart(typed):
    # Hà Tĩnh's report without a district column: the district in the cell was cut off as a
    # note and the row went onto Huyện Kỳ Anh's Kỳ Tân in silence, though the cell says the
    # commune is of Cẩm Xuyên, Thạch Hà or the town of Kỳ Anh (whose communes the registry
    # does not hold).
    report, key = _alone(date(2021, 5, 17), typed, "Tỉnh Hà Tĩnh", "Xã Kỳ Trung")
    assert key is None
    (note,) = [p for p in report.problems if p.code == "unknown_unit"]
    assert "Ô tên ghi huyện" in note.message and "Xã Kỳ Tân (Huyện Kỳ Anh)" in note.message


@pytest.mark.parametrize(
    ("typed", "district", "commune"),
    [
        ("Kỳ Tân – Kỳ Anh", "Huyện Kỳ Anh", "Xã Kỳ Tân"),
        ("Kỳ Tân, H.Kỳ Anh", "Huyện Kỳ Anh", "Xã Kỳ Tân"),
        ("Kỳ Tân, Hà Tĩnh", "Huyện Kỳ Anh", "Xã Kỳ Tân"),  # the province, not Thành phố Hà Tĩnh
        ("Xã Kỳ Tân – huyện Kỳ Anh – tỉnh Hà Tĩnh", "Huyện Kỳ Anh", "Xã Kỳ Tân"),
    ],
)
def test_a_cell_naming_its_communes_own_district_is_read(typed, district, commune):
    _, key = _alone(date(2021, 5, 17), typed, "Tỉnh Hà Tĩnh", "Xã Kỳ Trung")
    assert key == _key(district, commune)


@pytest.mark.parametrize(
    ("typed", "district", "commune"),
    [
        ("Ngọc Sơn (Đô Lương)", "Huyện Đô Lương", "Xã Ngọc Sơn"),
        ("Quỳnh Lập, TX.HM", "Thị xã Hoàng Mai", "Xã Quỳnh Lập"),
        # Moved to Vinh in 2008, written under its old district: the bordering-district rule.
        ("Nghi Kim (Nghi Lộc)", "Thành phố Vinh", "Xã Nghi Kim"),
    ],
)
def test_nghe_an_cells_with_their_district_are_read_as_before(typed, district, commune):
    _, key = _alone(date(2023, 5, 15), typed, NA, "Xã Diễn Hùng")
    assert key == _key(district, commune)


def test_a_name_word_one_letter_from_a_type_word_is_the_name_not_a_slip():
    """ "Thượng", "Hương", "Chương" (and "Thuong" typed without marks) are words of units'
    names one letter from "phường": read folded they were no syllable, and "Thượng Nghi Thuỷ"
    was read as "Phường Nghi Thuỷ"."""
    from cccd_analytics.ingest import names

    for typed in ("Thượng Nghi Thuỷ", "Hương Long Sơn", "Chương Quang Trung", "Thuong Nghi Thuy"):
        assert names._type_slipped(typed) == typed
    assert names._type_slipped("Pường Quán Bàu") == "phường Quán Bàu"
