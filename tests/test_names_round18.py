"""Round 18: unit types typed in English ("Dien Hoang Commune", "Vinh City"), collection points
with their number and the commune they serve ("Điểm thu nhận số 2 (xã Diễn Hoàng)"), and names
of the round-18 probe of hand-typed names."""

from __future__ import annotations

from datetime import date

import pytest

from cccd_analytics import ingest, registry
from cccd_analytics.ingest import names
from tests.test_names_round17 import _placed as _read
from tests.test_names_round17 import _report
from tests.test_report_shapes_round7 import workbook_bytes

DAY = date(2023, 5, 15)
REG = registry.load_registry()


def _key(district: str, commune: str) -> str:
    hits = REG[
        (REG.level == "commune")
        & (REG.hierarchy == "3")
        & (REG.name == commune)
        & (REG.district_key.map(lambda k: REG.at[k, "name"] if k in REG.index else "") == district)
    ]
    assert len(hits) == 1, (district, commune)
    return hits.index[0]


def _resolve(province: str, district: str, commune: str, on: date = DAY) -> registry.Match:
    return names.resolve(names.FirstRow(1, "BC", province, district, commune, None, on), REG)


DIEN_HOANG = _key("Huyện Diễn Châu", "Xã Diễn Hoàng")
DIEN_HUNG = _key("Huyện Diễn Châu", "Xã Diễn Hùng")
HUNG_BINH = _key("Thành phố Vinh", "Phường Hưng Bình")
NGHI_THUY = _key("Thị xã Cửa Lò", "Phường Nghi Thuỷ")
QUYNH_DOI = _key("Huyện Quỳnh Lưu", "Xã Quỳnh Đôi")
TT_DIEN_CHAU = _key("Huyện Diễn Châu", "Thị trấn Diễn Châu")


# --- English type words ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("province", "district", "commune", "key"),
    [
        ("Tỉnh Nghệ An", "Huyện Diễn Châu", "Dien Hoang Commune", DIEN_HOANG),
        ("Tỉnh Nghệ An", "Huyện Diễn Châu", "Commune Dien Hoang", DIEN_HOANG),
        ("Tỉnh Nghệ An", "Huyện Diễn Châu", "DIEN HOANG COMMUNE", DIEN_HOANG),
        ("Tỉnh Nghệ An", "Huyện Diễn Châu", "Diễn Hoàng commune.", DIEN_HOANG),
        ("Tỉnh Nghệ An", "Thành phố Vinh", "Hung Binh Ward", HUNG_BINH),
        ("Tỉnh Nghệ An", "Dien Chau District", "Xã Diễn Hoàng", DIEN_HOANG),
        ("Tỉnh Nghệ An", "Quynh Luu district", "Quỳnh Đôi", QUYNH_DOI),
        ("Tỉnh Nghệ An", "Cua Lo Town", "Nghi Thuy Ward", NGHI_THUY),
        ("Tỉnh Nghệ An", "Vinh City", "Hung Binh", HUNG_BINH),
        ("Nghe An Province", "Vinh City", "Hung Binh", HUNG_BINH),
        ("Tỉnh Nghệ An", "Huyện Diễn Châu", "Dien Chau Town", TT_DIEN_CHAU),
        ("Tỉnh Nghệ An", "Huyện Diễn Châu", "Dien Hoang Commune, Dien Chau District", DIEN_HOANG),
    ],
)
def test_an_english_type_word_is_read_as_the_vietnamese_type(province, district, commune, key):
    # Typed without a Vietnamese keyboard, or copied from an English system: the right unit
    # was suggested, not taken ("Commune" read as a word of the name).
    match = _resolve(province, district, commune)
    assert match.official and match.key == key
    assert any("tiếng Anh" in c for c in match.corrections)


def test_town_is_a_thi_xa_among_districts_and_never_across():
    # "Ky Anh Town" in the district column is Thị xã Kỳ Anh (whose communes the registry
    # does not hold), never Huyện Kỳ Anh: its Kỳ Tân must not be placed in the district.
    match = _resolve("Tỉnh Hà Tĩnh", "Ky Anh Town", "Xã Kỳ Tân")
    assert match.key != _key("Huyện Kỳ Anh", "Xã Kỳ Tân")
    assert _resolve("Tỉnh Hà Tĩnh", "Ky Anh District", "Xã Kỳ Tân").key == _key("Huyện Kỳ Anh", "Xã Kỳ Tân")
    # Among communes "town" is a thị trấn; a district's town ("Cua Lo Town" in the commune
    # column) is no commune.
    assert not _resolve("Tỉnh Nghệ An", "", "Cua Lo Town").official
    assert not _resolve("Tỉnh Nghệ An", "Huyện Diễn Châu", "Dien Chau District").official


def test_an_english_province_is_a_province_the_registry_holds():
    # "Nghe An Province" was a province the registry does not hold: its unknown names were
    # offered no closest names, and the message said its units were all outside.
    assert not registry.province_outside("Nghe An Province")
    assert registry.province_outside("Kon Tum Province")


def test_a_report_typed_in_english_stores_each_commune_its_figure():
    typed = ["Dien Hoang Commune", "Commune Dien Hung"]
    report, placed = _read("Dien Chau District", typed, "Nghe An Province")
    assert placed == {"Dien Hoang Commune": DIEN_HOANG, "Commune Dien Hung": DIEN_HUNG}
    assert not report.unofficial_units
    said = [p.message for p in report.warnings if p.code == "name_variant"]
    assert any("Commune = Xã" in m for m in said)


@pytest.mark.parametrize("typed", ["Ward 1", "Lap Moi Commune"])
def test_a_unit_outside_the_registry_typed_in_english_keeps_the_key_of_its_name_as_typed(typed):
    # The English reading is made where names are matched, not in `registry.tidy`: a unit
    # outside the registry already stored under its name as typed keeps its key.
    match = _resolve("Tỉnh Nghệ An", "Thành phố Vinh", typed)
    assert not match.official
    assert match.key == registry.unofficial_key("Tỉnh Nghệ An", "Thành phố Vinh", typed)
    assert registry.tidy(typed) == typed


# --- A numbered collection point -------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "Điểm thu nhận số 2 (xã Diễn Hoàng)",
        "Điểm TN số 1 - Xã Diễn Hoàng",
        "Tổ cấp CCCD lưu động số 3 (Diễn Hoàng)",
        "Điểm thu nhận số 2 xã Diễn Hoàng",
        "Tổ lưu động 2: Diễn Hoàng",
    ],
)
def test_a_numbered_collection_point_is_the_commune_it_serves(typed):
    report, placed = _read("Huyện Diễn Châu", [typed, "Xã Diễn Hùng"])
    assert placed[typed] == DIEN_HOANG
    assert not report.unofficial_units
    assert [c for c in report.corrections if c["typed"] == typed]


@pytest.mark.parametrize(
    "typed", ["Tổ 1 (Diễn Hoàng)", "Tổ lưu động (Diễn Châu)", "Đội thu nhận huyện Diễn Châu"]
)
def test_a_residential_group_or_a_districts_team_is_no_communes_point(typed):
    # "Tổ 1" is a residential group; a district's team named for its district would, read as
    # a commune, land on the district's town.
    assert registry.collection_point_commune(typed) is None
    assert _resolve("Tỉnh Nghệ An", "Huyện Diễn Châu", typed).key != TT_DIEN_CHAU


def test_two_points_of_one_commune_are_refused_naming_both_not_one_dropped():
    # The second point was taken for the first's detail (a collection point under a row)
    # and dropped: the commune got the first point's figures alone.  Two rows of one commune
    # on one day are refused (as two differing rows always were), saying they are two points.
    typed = ["Điểm thu nhận số 1 (xã Diễn Hoàng)", "Điểm thu nhận số 2 (xã Diễn Hoàng)", "Xã Diễn Hùng"]
    report, obs = ingest.read_observations(_report("Huyện Diễn Châu", typed), "bao_cao.xlsx")
    said = [p for p in report.problems if p.code == "conflicting_values"]
    assert said and all("hai điểm thu nhận" in p.message and "Xã Diễn Hoàng" in p.message for p in said)
    assert all(typed[0] in p.message and typed[1] in p.message for p in said)


def test_two_points_of_one_commune_with_equal_figures_are_not_counted_once():
    rows = [
        ["BÁO CÁO TIẾN ĐỘ THU NHẬN HỒ SƠ CCCD"],
        ["Ngày 15/5/2023"],
        ["STT", "Huyện", "Xã", "Lũy kế thu nhận"],
        [1, "Huyện Diễn Châu", "Điểm TN số 1 - Xã Diễn Hoàng", 100],
        [2, "Huyện Diễn Châu", "Điểm TN số 2 - Xã Diễn Hoàng", 100],
        [3, "Huyện Diễn Châu", "Xã Diễn Hùng", 90],
    ]
    report, _ = ingest.read_observations(workbook_bytes({"Sheet": rows}), "bao_cao.xlsx")
    assert [p for p in report.problems if p.code == "conflicting_values" and "hai điểm thu nhận" in p.message]
    assert not [p for p in report.problems if p.code == "duplicate_row"]


def test_points_under_their_communes_own_row_are_still_its_detail():
    typed = [
        "Xã Diễn Hoàng",
        "Điểm thu nhận số 1 (xã Diễn Hoàng)",
        "Điểm thu nhận số 2 (xã Diễn Hoàng)",
        "Xã Diễn Hùng",
    ]
    report, placed = _read("Huyện Diễn Châu", typed)
    assert placed["Xã Diễn Hoàng"] == DIEN_HOANG and placed["Xã Diễn Hùng"] == DIEN_HUNG
    assert placed[typed[1]] is None and placed[typed[2]] is None
    assert not [p for p in report.problems if p.code == "conflicting_values"]


@pytest.mark.parametrize("typed", ["Trường THPT - Diễn Châu", "Đội 1, Diễn Châu", "Tổ lưu động (Diễn Châu)"])
def test_a_cell_whose_only_name_is_its_district_is_not_the_districts_town(typed):
    # Read as an address, the district's name was taken for the commune's: the figures of a
    # school or a team of Diễn Châu landed on Thị trấn Diễn Châu ("tên kèm huyện/tỉnh").
    assert _resolve("Tỉnh Nghệ An", "Huyện Diễn Châu", typed).key != TT_DIEN_CHAU
    assert _resolve("Tỉnh Nghệ An", "", typed).key != TT_DIEN_CHAU


@pytest.mark.parametrize("typed", ["Huyện Kỳ Anh, Xã Kỳ Tân", "Xã Kỳ Tân, huyện Kỳ Anh", "Kỳ Tân - Kỳ Anh"])
def test_a_commune_cell_with_its_district_before_or_after_it_is_still_read(typed):
    assert _resolve("Tỉnh Hà Tĩnh", "", typed).key == _key("Huyện Kỳ Anh", "Xã Kỳ Tân")


# --- The round-18 probe ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("district", "typed", "commune"),
    [
        ("Huyện Diễn Châu", "Diễn Hoàng xã", "Xã Diễn Hoàng"),
        ("Huyện Quỳnh Lưu", "Cầu Giát TT", "Thị trấn Cầu Giát"),
        ("Huyện Quỳ Châu", "Tân Lạc thị trấn", "Thị trấn Tân Lạc"),
        ("Thị xã Cửa Lò", "Nghi Thuỷ phường", "Phường Nghi Thuỷ"),
    ],
)
def test_a_type_written_after_the_name_is_read_as_the_type(district, typed, commune):
    # "Diễn Hoàng xã": the type said after the name; the name stayed apart.
    match = _resolve("Tỉnh Nghệ An", district, typed)
    assert match.official and match.key == _key(district, commune)


def test_a_name_ending_in_a_word_that_folds_to_xa_is_not_read_as_its_type():
    # "Long Xá" (Hưng Nguyên) ends in "Xá", not the type "xã".
    assert _resolve("Tỉnh Nghệ An", "Huyện Hưng Nguyên", "Long Xá").key == _key(
        "Huyện Hưng Nguyên", "Xã Long Xá"
    )


# -- a district heading in English -------------------------------------------------------------


def test_district_headings_in_english_are_sums_of_their_communes_not_units():
    rows = [
        ["CÔNG AN TỈNH NGHỆ AN"],
        ["BÁO CÁO THU NHẬN HỒ SƠ CCCD NGÀY 16/5/2023"],
        [],
        ["STT", "Đơn vị", "Tổng số công dân", "Lũy kế thu nhận"],
        [None, "Dien Chau District", 11300, 9100],
        [1, "Dien Hoang Commune", 5200, 4100],
        [2, "Dien Hung Commune", 6100, 5000],
        [None, "Vinh City", 12000, 9000],
        [1, "Hung Binh Ward", 12000, 9000],
        [None, "Total", 23300, 18100],
    ]
    report = ingest.import_bytes(None, workbook_bytes({"BC": rows}), "bc.xlsx")
    assert report.status == "checked", report.message
    collected = report.observations[report.observations.metric == "collected"]
    # The headings were stored as two units outside the registry, and the total said not to
    # add up (its communes counted with the headings' sums).
    assert dict(zip(collected.unit_key, collected.value)) == {
        DIEN_HOANG: 4100,
        DIEN_HUNG: 5000,
        HUNG_BINH: 9000,
    }
    assert not [p for p in report.problems if p.code in ("unknown_unit", "subtotal_mismatch")]


def test_a_town_in_english_under_its_district_is_the_thi_tran_not_a_heading():
    report, placed = _read("Huyện Diễn Châu", ["Dien Chau Town", "Xã Diễn Hùng"])
    assert placed["Dien Chau Town"] == _key("Huyện Diễn Châu", "Thị trấn Diễn Châu")
