"""Round 19 (outside probing of hand-typed names, 7/12/2026): a commune's cell naming another
district than its row's, a 2025 commune's name typed with its type where a 2023 town has the
same name, "TTr." for thị trấn, and a collection point named by its commune alone."""

from __future__ import annotations

import pytest

from cccd_analytics import registry
from tests.test_names_round17 import _key, _placed

NGOC_SON_DL = _key("Huyện Đô Lương", "Xã Ngọc Sơn")
NGOC_SON_TC = _key("Huyện Thanh Chương", "Xã Ngọc Sơn")


# --- A district written in the commune's cell that is not the row's -----------------------------


@pytest.mark.parametrize(
    "typed", ["Ngọc Sơn (Thanh Chương)", "Ngọc Sơn - Thanh Chương", "Ngọc Sơn-Thanh Chương"]
)
def test_a_cell_naming_another_district_in_brackets_or_after_a_dash_is_placed_by_neither(typed):
    # The bracket and the dash were cut off as a note, and the row went in silence onto Đô
    # Lương's Ngọc Sơn, though its cell says Thanh Chương's: one of the two is wrong.
    report, placed = _placed("Huyện Đô Lương", [typed, "Xã Bắc Sơn"])
    assert placed[typed] not in (NGOC_SON_DL, NGOC_SON_TC)
    assert placed["Xã Bắc Sơn"] == _key("Huyện Đô Lương", "Xã Bắc Sơn")
    assert typed in report.unofficial_units
    said = [p.message for p in report.problems if p.code == "unknown_unit" and typed in p.message]
    assert said and "khác với huyện của dòng" in said[0] and "Thanh Chương" in said[0]


def test_a_name_of_one_district_with_another_written_after_it_is_not_placed_by_the_row():
    # Bắc Sơn is Đô Lương's (and Quỳ Hợp's), not Thanh Chương's: the row's district does not
    # make the cell's other district a note.
    report, placed = _placed("Huyện Đô Lương", ["Bắc Sơn-Thanh Chương", "Xã Lam Sơn"])
    assert placed["Bắc Sơn-Thanh Chương"] != _key("Huyện Đô Lương", "Xã Bắc Sơn")


@pytest.mark.parametrize(
    ("district", "typed", "commune"),
    [
        ("Huyện Đô Lương", "Ngọc Sơn (Đô Lương)", "Xã Ngọc Sơn"),
        ("Huyện Đô Lương", "Ngọc Sơn - H. Đô Lương", "Xã Ngọc Sơn"),
        ("Thành phố Vinh", "Phường Lê Lợi (Tp Vinh)", "Phường Lê Lợi"),
        ("Thị xã Hoàng Mai", "Quỳnh Lập (Hoàng Mai)", "Xã Quỳnh Lập"),
        ("Huyện Diễn Châu", "Diễn Phú (Tổ lưu động)", "Xã Diễn Phú"),
    ],
)
def test_a_cell_naming_its_rows_own_district_or_a_note_is_still_placed(district, typed, commune):
    _, placed = _placed(district, [typed])
    assert placed[typed] == _key(district, commune)


# --- A 2025 commune's name, with its type, where a 2023 town has that name -----------------------


@pytest.mark.parametrize(
    ("district", "typed", "town"),
    [
        ("Huyện Diễn Châu", "Xã Diễn Châu", "Thị trấn Diễn Châu"),
        ("Huyện Diễn Châu", "Xa Dien Chau", "Thị trấn Diễn Châu"),
        ("Huyện Anh Sơn", "Xã Anh Sơn", "Thị trấn Anh Sơn"),
        ("Huyện Hưng Nguyên", "Xã Hưng Nguyên", "Thị trấn Hưng Nguyên"),
        ("Thị xã Thái Hoà", "Phường Tây Hiếu", "Xã Tây Hiếu"),
    ],
)
def test_a_2025_communes_name_with_its_type_is_not_the_2023_unit_of_that_name(district, typed, town):
    # Xã Diễn Châu (1/7/2025) is Thị trấn Diễn Châu and the communes around it: "Xã Diễn
    # Châu" in a report went onto the town, the only 2023 unit of that name, with the whole
    # new commune's figures.  It stays apart, as "Xã Vân Tụ" does.
    report, placed = _placed(district, [typed])
    assert placed[typed] != _key(district, town)
    assert typed in report.unofficial_units


@pytest.mark.parametrize(
    ("district", "typed", "town"),
    [
        ("Huyện Diễn Châu", "TT Diễn Châu", "Thị trấn Diễn Châu"),
        ("Huyện Diễn Châu", "Thi tran Dien Chau", "Thị trấn Diễn Châu"),
        ("Huyện Anh Sơn", "TT Anh Son", "Thị trấn Anh Sơn"),
        ("Thị xã Thái Hoà", "Xã Tây Hiếu", "Xã Tây Hiếu"),
        ("Thị xã Thái Hoà", "Tay Hieu", "Xã Tây Hiếu"),
    ],
)
def test_the_2023_unit_written_with_its_own_type_or_none_is_still_placed(district, typed, town):
    _, placed = _placed(district, [typed])
    assert placed[typed] == _key(district, town)


# --- "TTr." ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("district", "typed", "town"),
    [
        ("Huyện Nghi Lộc", "TTr Quán Hành", "Thị trấn Quán Hành"),
        ("Huyện Nghi Lộc", "TTr. Quán Hành", "Thị trấn Quán Hành"),
        ("Huyện Quỳnh Lưu", "TTr.Cầu Giát", "Thị trấn Cầu Giát"),
    ],
)
def test_ttr_is_thi_tran(district, typed, town):
    report, placed = _placed(district, [typed])
    assert placed[typed] == _key(district, town)
    assert not report.unofficial_units


# --- A collection point named by its commune alone ------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "commune"),
    [
        ("Tổ lưu động Diễn Cát", "Xã Diễn Cát"),
        ("Điểm TN Diễn Lộc", "Xã Diễn Lộc"),
        ("Điểm thu nhận UBND xã Diễn Trung", "Xã Diễn Trung"),
        ("Tổ lưu động 2 Diễn Hoàng", "Xã Diễn Hoàng"),
    ],
)
def test_a_point_named_by_its_commune_right_after_its_words_is_that_commune(typed, commune):
    # Without a bracket, a dash or the commune's type the name was no point's, and the row a
    # unit outside the registry, though it names its commune as plainly.
    report, placed = _placed("Huyện Diễn Châu", [typed, "Xã Diễn Hùng"])
    assert placed[typed] == _key("Huyện Diễn Châu", commune)
    assert not report.unofficial_units
    assert [c for c in report.corrections if c["typed"] == typed]


@pytest.mark.parametrize(
    "typed",
    ["Tổ lưu động Thôn 3", "Tổ lưu động Diễn Châu", "Điểm TN Trường THCS Diễn Kim", "Tổ 1 Diễn Hoàng"],
)
def test_a_point_named_by_a_hamlet_a_school_or_its_district_is_no_communes(typed):
    # The name after the words must be a registry commune's: a hamlet's or a school's is a
    # place inside a commune, and a district's would land its team's figures on its town.
    assert registry.collection_point_commune(typed) is None
