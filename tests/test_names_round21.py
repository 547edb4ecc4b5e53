"""Round 21 (outside probing of hand-typed names, 7/12/2026): 524 typed forms of Nghệ An's
communes (2023 and 1/7/2025) and Huyện Kỳ Anh's (2021) read through a report, as an import
reads them.  The forms below were placed on another unit, or left apart though they name one
unit plainly; each fails without the round's fixes."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest

from cccd_analytics import ingest, registry
from cccd_analytics.ingest import layout
from tests.test_names_round17 import _key

DC, VINH, CL, KA = "Huyện Diễn Châu", "Thành phố Vinh", "Thị xã Cửa Lò", "Huyện Kỳ Anh"
ANCHOR = {DC: "Xã Diễn Hùng", VINH: "Phường Lê Lợi", CL: "Phường Nghi Tân", KA: "Xã Kỳ Trung"}


def _placed_on(day: date, district: str | None, typed: str, province: str, others: list[str]):
    """(report, key the typed name's figure was stored under, or None when kept apart)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["BÁO CÁO TIẾN ĐỘ THU NHẬN HỒ SƠ CCCD"])
    sheet.append([f"Ngày {day.day}/{day.month}/{day.year}"])
    sheet.append(["STT", "Tỉnh", "Huyện", "Xã", "Số CD đủ ĐK", "Lũy kế thu nhận"])
    for i, name in enumerate([typed, *others]):
        sheet.append([i + 1, province, district, name, 5000 + i, 100 + i])
    out = io.BytesIO()
    book.save(out)
    report, obs = ingest.read_observations(out.getvalue(), "bao_cao.xlsx")
    assert obs is not None, report.message
    collected = obs[obs.metric == "collected"]
    key = dict(zip(collected.value.astype(int), collected.unit_key)).get(100)
    return report, (key if key in registry.load_registry().index else None)


def _placed(district: str, typed: str, day: date = date(2023, 5, 15)):
    province = "Tỉnh Hà Tĩnh" if district == KA else "Tỉnh Nghệ An"
    return _placed_on(day, district, typed, province, [ANCHOR[district]] if district in ANCHOR else [])


# --- A type written with a stray mark, or cut a way of its own (`registry.tidy`) ---------------


@pytest.mark.parametrize(
    ("district", "typed", "commune"),
    [
        (DC, "Xã-Diễn Kim", "Xã Diễn Kim"),
        (DC, "Xã.Diễn Kim", "Xã Diễn Kim"),
        (DC, "Xã- Diễn Kim", "Xã Diễn Kim"),
        (DC, "XÃ. Diễn Kim", "Xã Diễn Kim"),
        (DC, "X/ Diễn Kim", "Xã Diễn Kim"),
        (DC, "X- Diễn Kim", "Xã Diễn Kim"),
        (DC, "(Xã) Diễn Kim", "Xã Diễn Kim"),
        (VINH, "P- Hưng Bình", "Phường Hưng Bình"),
        (VINH, "Ph Hưng Bình", "Phường Hưng Bình"),
        (VINH, "Phg Hưng Bình", "Phường Hưng Bình"),
        (DC, "T.Tr Diễn Châu", "Thị trấn Diễn Châu"),
        (DC, "T.Tr. Diễn Châu", "Thị trấn Diễn Châu"),
        (DC, "Th.trấn Diễn Châu", "Thị trấn Diễn Châu"),
        (DC, "T/T Diễn Châu", "Thị trấn Diễn Châu"),
        ("Huyện Quỳ Châu", "T.Tr Tân Lạc", "Thị trấn Tân Lạc"),
        ("Huyện Con Cuông", "T.Tr Con Cuông", "Thị trấn Con Cuông"),
    ],
)
def test_a_type_with_a_stray_mark_or_cut_its_own_way_is_read(district, typed, commune):
    # Each was a unit outside the registry, and its commune showed as not reported.
    report, key = _placed(district, typed)
    assert key == _key(district, commune)
    assert typed not in report.unofficial_units


@pytest.mark.parametrize("typed", ["T.trấn Diễn Châu", "T. Trấn Diễn Châu", "TT.Diễn Châu", "X.Diễn Kim"])
def test_the_forms_read_before_are_left_as_they_were(typed):
    # "T.trấn" must not be cut to "T.tr" and the rest "ấn Diễn Châu".
    assert registry.tidy(typed) == typed


@pytest.mark.parametrize("typed", ["\ufeffXã Diễn Kim", "\u200bXã Diễn Kim", "Xã\u200d Diễn Kim"])
def test_invisible_characters_before_the_type_are_dropped(typed):
    # A zero-width space or a byte-order mark before "Xã" hid the type.
    _, key = _placed(DC, typed)
    assert key == _key(DC, "Xã Diễn Kim")


# --- "X." before a name in capitals is xã, not the tenth district (`layout`) ---------------------


@pytest.mark.parametrize(
    ("district", "typed", "commune"),
    [(KA, "X. KY TAN", "Xã Kỳ Tân"), (DC, "X. DIEN KIM", "Xã Diễn Kim"), (DC, "X. DIỄN HẢI", "Xã Diễn Hải")],
)
def test_x_dot_before_a_commune_in_capitals_is_xa(district, typed, commune):
    # Read as the heading "X." (ten) of the rows below: the commune's figures were taken for
    # their sum, said not to add up, and never stored.
    report, key = _placed(district, typed)
    assert key == _key(district, commune)
    assert not [p for p in report.problems if p.code == "subtotal_mismatch"]


def test_x_dot_before_a_district_in_capitals_is_still_its_heading():
    assert layout._is_district_label("X. KỲ ANH", "")
    assert layout._is_district_label("X. HUYỆN KỲ ANH", "")
    assert not layout._is_district_label("X. KY TAN", "")


# --- The district after a slash or an underscore, a dash inside a name (`names`) ------------------


@pytest.mark.parametrize(
    ("district", "typed", "commune"),
    [
        (DC, "Diễn Kim/Diễn Châu", "Xã Diễn Kim"),
        (DC, "Diễn Kim_Diễn Châu", "Xã Diễn Kim"),
        (DC, "Diễn Kim- H Diễn Châu", "Xã Diễn Kim"),
        (VINH, "Hưng Bình/Vinh", "Phường Hưng Bình"),
        (KA, "Kỳ Tân/Kỳ Anh", "Xã Kỳ Tân"),
        (CL, "Nghi - Thu", "Phường Nghi Thu"),
        (KA, "Kỳ - Thượng", "Xã Kỳ Thượng"),
    ],
)
def test_a_district_after_a_slash_and_a_dash_inside_a_name_are_read(district, typed, commune):
    _, key = _placed(district, typed)
    assert key == _key(district, commune)


@pytest.mark.parametrize("typed", ["Diễn Kim/Yên Thành", "Diễn Kim_Quỳnh Lưu", "Diễn Kim -Yên Thành"])
def test_another_district_after_a_slash_is_placed_by_neither(typed):
    report, key = _placed(DC, typed)
    assert key is None
    said = [p.message for p in report.problems if p.code == "unknown_unit" and typed in p.message]
    assert said and "khác với huyện của dòng" in said[0]


@pytest.mark.parametrize(
    ("district", "typed", "second"),
    [
        (DC, "Diễn Kim - Diễn Hải", "Diễn Hải"),
        (DC, "Diễn Kim - Hải", "Diễn Hải"),
        (KA, "Kỳ Tân - Thượng", "Kỳ Thượng"),
    ],
)
def test_a_second_commune_after_a_dash_is_not_cut_off_as_a_note(district, typed, second):
    # "Diễn Kim - Diễn Hải", "Diễn Kim - Hải": two communes' figures in one row, or one
    # written by mistake.  The dash was cut off as a note, and the row went onto Diễn Kim in
    # silence.
    report, key = _placed(district, typed)
    assert key is None
    said = [p.message for p in report.problems if p.code == "unknown_unit" and typed in p.message]
    assert said and f"Ô tên ghi thêm «{second}»" in said[0]


@pytest.mark.parametrize(
    ("district", "typed", "commune"),
    [
        (DC, "Diễn Kim - ĐC", "Xã Diễn Kim"),
        (KA, "Kỳ Tân - cũ", "Xã Kỳ Tân"),
        (KA, "Kỳ Tân - Kỳ Anh", "Xã Kỳ Tân"),
    ],
)
def test_a_note_or_the_rows_district_after_a_dash_is_read_as_before(district, typed, commune):
    _, key = _placed(district, typed)
    assert key == _key(district, commune)


# --- A commune next door as typed, or the written district's own with a mark slipped ------------


def test_a_name_one_mark_from_a_commune_of_the_written_district_is_not_moved_next_door():
    # Nam Đàn's Xuân Lâm (bordering Hưng Nguyên) as typed, or Hưng Nguyên's own Xuân Lam
    # with a circumflex slipped in: it went onto Nam Đàn's Xuân Lâm, replacing its figures.
    report, key = _placed_on(
        date(2023, 5, 15), "Huyện Hưng Nguyên", "Xuân Lâm", "Tỉnh Nghệ An", ["Xã Hưng Tây"]
    )
    assert key is None
    said = [p.message for p in report.problems if p.code == "unknown_unit" and "Xuân Lâm" in p.message]
    assert said and "Xã Xuân Lam (Huyện Hưng Nguyên)" in said[0]


@pytest.mark.parametrize(
    ("district", "typed", "home", "commune"),
    [
        ("Huyện Nghi Lộc", "Nghi Kim", VINH, "Xã Nghi Kim"),
        ("Huyện Hưng Nguyên", "Hưng Chính", VINH, "Xã Hưng Chính"),
        ("Huyện Quỳnh Lưu", "Quỳnh Lập", "Thị xã Hoàng Mai", "Xã Quỳnh Lập"),
    ],
)
def test_a_commune_moved_next_door_is_still_placed_there(district, typed, home, commune):
    _, key = _placed_on(date(2023, 5, 15), district, typed, "Tỉnh Nghệ An", [])
    assert key == _key(home, commune)


# --- A 2023 unit's type and name in a report of after 1/7/2025 -----------------------------------


@pytest.mark.parametrize(
    ("typed", "old"),
    [
        ("Thị trấn Tân Kỳ", "Thị trấn Tân Kỳ"),
        ("TT Tân Kỳ", "Thị trấn Tân Kỳ"),
        ("Thi tran Tan Ky", "Thị trấn Tân Kỳ"),
        ("TT. Diễn Châu", "Thị trấn Diễn Châu"),
        ("Thị trấn Quỳ Hợp", "Thị trấn Quỳ Hợp"),
        ("TT Anh Sơn", "Thị trấn Anh Sơn"),
        ("Xã Tây Hiếu", "Xã Tây Hiếu"),
        ("X. Tây Hiếu", "Xã Tây Hiếu"),
    ],
)
def test_a_2023_towns_type_and_name_after_the_reform_is_not_the_new_commune(typed, old):
    # Thị trấn Tân Kỳ is a part of the 2025 Xã Tân Kỳ: its figures went onto the new commune,
    # as the whole commune's.  Kept apart, as "Xã Diễn Kim" is, saying what it became.
    report, key = _placed_on(date(2025, 8, 15), None, typed, "Tỉnh Nghệ An", ["Xã Yên Thành"])
    assert key is None
    said = [p.message for p in report.problems if p.code == "unknown_unit" and typed in p.message]
    assert said and f"«{old}» là đơn vị trước 1/7/2025" in said[0]


@pytest.mark.parametrize(
    ("typed", "commune"),
    [
        ("Tân Kỳ", "Xã Tân Kỳ"),
        ("Xã Tân Kỳ", "Xã Tân Kỳ"),
        ("Tây Hiếu", "Phường Tây Hiếu"),
        ("Diễn Châu", "Xã Diễn Châu"),
    ],
)
def test_the_2025_commune_written_with_its_own_type_or_none_is_still_placed(typed, commune):
    _, key = _placed_on(date(2025, 8, 15), None, typed, "Tỉnh Nghệ An", ["Xã Yên Thành"])
    reg = registry.load_registry()
    assert key is not None and reg.at[key, "name"] == commune and reg.at[key, "hierarchy"] == "2"
