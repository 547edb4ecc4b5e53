"""Round 24 (outside probing of names as people type them, 7/12/2026): every commune of the
registry (Nghệ An's of 2023 and 1/7/2025, Huyện Kỳ Anh's of 2021, Hà Tĩnh's of 1/7/2025) typed
by a model of real typing — marks dropped on some words, Telex and VNI keystrokes left in, a
key slipped, the type glued, the district after the name, footnote marks — and read through a
report as an import reads it.  Each case below was placed on another unit, dropped, or left
apart though it names one unit plainly; each fails without the round's fixes."""

from __future__ import annotations

import io
from datetime import date, timedelta

import openpyxl
import pytest

from cccd_analytics import ingest, registry
from tests.test_names_round17 import _key
from tests.test_names_round21 import _placed_on

MAY_2023 = date(2023, 5, 15)
AUG_2025 = date(2025, 8, 15)
NA, HT = "Tỉnh Nghệ An", "Tỉnh Hà Tĩnh"


def _province_report(day: date, province: str, names: list[str]):
    """A province's report with no district column, one row per name, collected 100, 101, …:
    (report, the key each name's figure was stored under, None when kept apart or dropped)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["BÁO CÁO TIẾN ĐỘ THU NHẬN HỒ SƠ CCCD"])
    sheet.append([f"Ngày {day.day}/{day.month}/{day.year}"])
    sheet.append(["STT", "Tỉnh", "Xã", "Số CD đủ ĐK", "Lũy kế thu nhận"])
    for i, name in enumerate(names):
        sheet.append([i + 1, province, name, 5000 + i, 100 + i])
    out = io.BytesIO()
    book.save(out)
    report, obs = ingest.read_observations(out.getvalue(), "bao_cao.xlsx")
    assert obs is not None, report.message
    collected = obs[obs.metric == "collected"]
    stored = dict(zip(collected.value.astype(int), collected.unit_key))
    held = registry.load_registry().index
    return report, [stored.get(100 + i) if stored.get(100 + i) in held else None for i in range(len(names))]


def _key_2025(commune: str, province: str = NA) -> str:
    reg = registry.load_registry()
    hits = reg[(reg.level == "commune") & (reg.hierarchy == "2") & (reg.name == commune)]
    hits = hits[hits.province_key.map(lambda k: reg.at[k, "name"]) == province]
    assert len(hits) == 1, commune
    return hits.index[0]


# --- "Quan …" typed with its keystrokes is a commune, not a city's district (layout._a_quan) ------


def test_a_commune_named_quan_typed_in_telex_is_not_a_sum_of_the_rows_above():
    # Xã Quan Thành typed "Quan Thanhf" at the foot of a province's 2025 list: "Quan" without
    # marks naming no commune as typed was read as a city's district ("QUAN 1"), taken for the
    # sheet's total (its figures not stored) and the district of every row above it, none of
    # which then matched a commune: the whole sheet was kept apart, with warnings only.
    names = ["Xã Tân Kỳ", "Phường Trường Vinh", "Xã Nghĩa Đàn", "Quan Thanhf"]
    _, keys = _province_report(AUG_2025, NA, names)
    assert keys == [
        _key_2025(n) for n in ("Xã Tân Kỳ", "Phường Trường Vinh", "Xã Nghĩa Đàn", "Xã Quan Thành")
    ]


def test_a_city_district_is_still_read_so():
    _, keys = _province_report(AUG_2025, NA, ["Xã Tân Kỳ", "Xã Nghĩa Đàn"])
    assert all(keys)
    from cccd_analytics.ingest import layout

    assert layout._a_quan("QUAN 1") and layout._a_quan("Quận Hoàn Kiếm")
    assert not layout._a_quan("QUAN THANHF")


# --- A slip in a name typed without marks: the marks not typed are no slip (registry._near_match) ---


@pytest.mark.parametrize(
    ("district", "typed", "was", "meant"),
    [
        # One letter from both; counting the marks that were not typed made the unit with
        # fewer marks the closer, and the figures went onto it with a correction.
        ("Huyện Nghĩa Đàn", "Nghia Dn", "Xã Nghĩa An", "Thị trấn Nghĩa Đàn"),
        ("Huyện Yên Thành", "Hua Thanh", "Xã Hoa Thành", "Xã Hậu Thành"),
        ("Huyện Diễn Châu", "Dien Trong", "Xã Diễn Trung", "Xã Diễn Trường"),
        ("Huyện Quỳ Hợp", "Xã Chau Lo", "Xã Châu Lý", "Xã Châu Lộc"),
        ("Huyện Diễn Châu", "Xã Dien Doa", "Xã Diễn Hoa", "Xã Diễn Đoài"),
        ("Thị xã Cửa Lò", "Phường Nghi Thyu", "Phường Nghi Thu", "Phường Nghi Thuỷ"),
    ],
)
def test_a_slip_in_a_name_without_marks_one_letter_from_two_communes_is_not_guessed(
    district, typed, was, meant
):
    report, key = _placed_on(MAY_2023, district, typed, NA, [])
    assert key != _key(district, was)
    assert key is None
    (note,) = [p for p in report.problems if p.code == "unknown_unit"]
    assert meant in note.message and was in note.message


def test_a_slip_in_a_province_list_without_marks_is_not_guessed():
    # "Quynh Vam": Quỳnh Văn (a letter) or Quỳnh Tam (a letter); it went onto Quỳnh Tam.
    _, keys = _province_report(AUG_2025, NA, ["Xã Tân Kỳ", "Quynh Vam"])
    assert keys[1] is None


@pytest.mark.parametrize(
    ("district", "typed", "commune"),
    [
        ("Huyện Thanh Chương", "Thanh Dơưng", "Xã Thanh Dương"),  # the marks typed still count
        ("Huyện Diễn Châu", "Diễn Thánh", "Xã Diễn Thành"),
        ("Huyện Diễn Châu", "Xã Diễn Phog", "Xã Diễn Phong"),
        ("Huyện Diễn Châu", "Xa Dien Phog", "Xã Diễn Phong"),  # one commune a slip away
    ],
)
def test_a_slip_that_names_one_commune_is_still_read(district, typed, commune):
    _, key = _placed_on(MAY_2023, district, typed, NA, [])
    assert key == _key(district, commune)


# --- The type glued to the name's first capital (registry.tidy) ---------------------------------------


@pytest.mark.parametrize(
    ("district", "typed", "commune"),
    [
        ("Huyện Kỳ Sơn", "XMỹ Lý", "Xã Mỹ Lý"),
        ("Huyện Diễn Châu", "T.TDiễn Châu", "Thị trấn Diễn Châu"),
        ("Huyện Tương Dương", "XÃXá Lượng", "Xã Xá Lượng"),
        ("Thành phố Vinh", "PHưng Bình", "Phường Hưng Bình"),  # a capital held too long: as before
    ],
)
def test_a_type_glued_to_the_name_is_read_as_the_type(district, typed, commune):
    _, key = _placed_on(MAY_2023, district, typed, NA, [])
    assert key == _key(district, commune)


def test_a_town_glued_to_its_name_is_not_another_commune():
    # "TTAnh Sơn" went onto Xã Thành Sơn ("ttanh son" one letter from "thanh son").
    _, key = _placed_on(MAY_2023, "Huyện Anh Sơn", "TTAnh Sơn", NA, [])
    assert key != _key("Huyện Anh Sơn", "Xã Thành Sơn")
    assert key == _key("Huyện Anh Sơn", "Thị trấn Anh Sơn")


# --- A hyphen between the words of one name ---------------------------------------------------------


def test_a_hyphenated_commune_whose_first_word_reads_as_a_sum_is_a_commune():
    # "Công-Thành" folds to "cong …" and was a "Cộng" row: taken for a sum, its figures dropped
    # (a file of it alone was refused as a table of sums only).
    _, key = _placed_on(MAY_2023, "Huyện Yên Thành", "Công-Thành", NA, ["Xã Bắc Thành"])
    assert key == _key("Huyện Yên Thành", "Xã Công Thành")


def test_a_hyphenated_commune_whose_last_word_is_a_districts_name_is_the_commune():
    # "Quỳnh-Vinh" under Thị xã Hoàng Mai was read as Quỳnh … of Thành phố Vinh, another
    # district than the row's, and kept apart.
    _, key = _placed_on(MAY_2023, "Thị xã Hoàng Mai", "Quỳnh-Vinh", NA, [])
    assert key == _key("Thị xã Hoàng Mai", "Xã Quỳnh Vinh")
    _, other = _placed_on(MAY_2023, "Huyện Đô Lương", "Ngọc Sơn-Thanh Chương", NA, [])
    assert other is None  # another district written glued: apart, as before


# --- Keystrokes before a full stop, footnote marks in superscript ------------------------------------


@pytest.mark.parametrize(
    ("district", "typed", "commune"),
    [
        ("Thành phố Vinh", "Trung  Ddoo.", "Phường Trung Đô"),
        ("Huyện Kỳ Sơn", "XÃ NẬM CA8N1.", "Xã Nậm Cắn"),
        ("Thị xã Thái Hoà", "Đông Hieeus.", "Xã Đông Hiếu"),
        ("Huyện Kỳ Sơn", "Xã Mỹ Lý¹", "Xã Mỹ Lý"),
        ("Huyện Kỳ Sơn", "Xã Mỹ Lý†", "Xã Mỹ Lý"),
    ],
)
def test_a_full_stop_or_a_superscript_mark_after_the_name_does_not_hide_it(district, typed, commune):
    _, key = _placed_on(MAY_2023, district, typed, NA, [])
    assert key == _key(district, commune)


# --- The district's initials after the name, in capitals ----------------------------------------------


@pytest.mark.parametrize(
    ("district", "typed", "commune"),
    [
        ("Huyện Quỳ Châu", "Châu Tiến, QC", "Xã Châu Tiến"),
        ("Huyện Nghĩa Đàn", "Nghĩa Bình, NĐ", "Xã Nghĩa Bình"),
        ("Huyện Kỳ Anh", "Kỳ Tân, KA", "Xã Kỳ Tân"),
    ],
)
def test_a_commune_with_its_districts_initials_is_the_commune(district, typed, commune):
    province = HT if district == "Huyện Kỳ Anh" else NA
    day = date(2021, 5, 17) if district == "Huyện Kỳ Anh" else MAY_2023
    _, key = _placed_on(day, district, typed, province, [])
    assert key == _key(district, commune)


def test_the_districts_initials_place_a_commune_without_a_district_column():
    _, keys = _province_report(date(2021, 5, 17), HT, ["Xã Kỳ Trung", "Kỳ Tân, KA"])
    assert keys[1] == _key("Huyện Kỳ Anh", "Xã Kỳ Tân")


def test_other_initials_than_the_rows_district_keep_the_name_apart():
    _, key = _placed_on(MAY_2023, "Huyện Quỳ Châu", "Châu Tiến, QH", NA, [])
    assert key is None
    # "KA" is Huyện and Thị xã Kỳ Anh: Thị xã Kỳ Anh's Kỳ Hoa (not held) is not placed.
    _, keys = _province_report(date(2021, 5, 17), HT, ["Xã Kỳ Trung", "Kỳ Hoa, KA"])
    assert keys[1] is None
    assert not registry.district_initials("V") and not registry.district_initials("Ky")


def test_capitals_in_brackets_that_are_another_districts_initials_stay_a_note():
    # "(ĐC)" is a note ("điều chỉnh") as often as Diễn Châu's initials: under Huyện Kỳ Anh it
    # must not make the row another district's.
    _, key = _placed_on(date(2021, 5, 17), "Huyện Kỳ Anh", "Kỳ Đồng (ĐC)", HT, [])
    assert key == _key("Huyện Kỳ Anh", "Xã Kỳ Đồng")


# --- An address's commune named "Quán …", "Quan …" is no Quận (address._district_part) -------------

RECORDS_HEADER = "STT,Số hồ sơ,Họ và tên,Ngày sinh,Số CMND/CCCD,Nơi thường trú,Ngày thu nhận,Trạng thái\n"


def _counted_by_address(addresses: list[str], start: date) -> dict[int, str | None]:
    """A per-record export (fake personal data), one record a day per address: the registry
    unit each day's record was counted on, None when kept apart, absent when not counted."""
    lines = [
        f'{i + 1},HS-2{i:06d},Qưerty Zzyzx {i},01/02/1961,0409{i:08d},"{a}",'
        f"{start + timedelta(days=i):%d/%m/%Y} 08:{i % 60:02d},Đã tiếp nhận\n"
        for i, a in enumerate(addresses)
    ]
    report = ingest.import_bytes(None, (RECORDS_HEADER + "".join(lines)).encode(), "xuat.csv", dry_run=True)
    reg = registry.load_registry()
    obs = report.observations
    obs = obs[(obs["metric"] == "collected_day") & (obs["value"] > 0)]
    out = {}
    for key, day in zip(obs["unit_key"], obs["date"]):
        day = day.date() if hasattr(day, "date") else day
        out[(day - start).days] = reg.loc[key, "name"] if key in reg.index else None
    return out


@pytest.mark.parametrize("start", [date(2023, 5, 2), date(2025, 8, 4)])
def test_an_address_naming_quan_bau_or_quan_hanh_counts_on_that_commune(start):
    # "Quán Bàu", "Quán Hành" fold as "Quận …" does: read as a city's district, the address
    # named no commune and its records were not counted on any.
    counted = _counted_by_address(
        ["Khối 3, Quán Bàu, Vinh, Nghệ An", "Xóm 2, Quán Hành, Nghi Lộc, Nghệ An"], start
    )
    assert counted == {0: "Phường Quán Bàu", 1: "Thị trấn Quán Hành"}


def test_a_2025_commune_named_quan_under_its_old_district_is_not_the_district_s_namesake():
    # "Quan Thành, Yên Thành" of 8/2025 was counted on Xã Yên Thành (the 2025 commune named as
    # the old district, "Quan Thành" read as a Quận); Xã Quan Thành is another commune.
    counted = _counted_by_address(
        ["Khối 1, Quan Thành, Yên Thành, Nghệ An", "Xóm 1, Quan Thanh, Yen Thanh, Nghe An"], date(2025, 8, 4)
    )
    assert "Xã Yên Thành" not in counted.values()
    from cccd_analytics.ingest.address import split_address

    assert split_address("Số 5, Quận 1, TP HCM")[1] == "TP HCM"
    assert split_address("12 Trần Hưng Đạo, Quận Hoàn Kiếm, Hà Nội")[1] == "Quận Hoàn Kiếm"
