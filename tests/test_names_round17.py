"""Round 17 (outside probing of hand-typed names, 6/12/2026): names a person places at once
that the importer left apart, and names of real units the registry does not hold that it
read as a slip onto a registry commune."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest

from cccd_analytics import ingest, registry

DAY = date(2023, 5, 15)


def _key(district: str, commune: str) -> str:
    reg = registry.load_registry()
    hits = reg[
        (reg.level == "commune")
        & (reg.hierarchy == "3")
        & (reg.name == commune)
        & (reg.district_key.map(lambda k: reg.at[k, "name"] if k in reg.index else "") == district)
    ]
    assert len(hits) == 1, (district, commune)
    return hits.index[0]


def _report(district: str, names: list[str], province: str = "Tỉnh Nghệ An") -> bytes:
    """A district's report typed by hand: one row per name, collected 100, 101, …"""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["BÁO CÁO TIẾN ĐỘ THU NHẬN HỒ SƠ CCCD"])
    sheet.append(["Ngày 15/5/2023"])
    sheet.append(["STT", "Tỉnh", "Huyện", "Xã", "Số CD đủ ĐK", "Lũy kế thu nhận"])
    for i, name in enumerate(names):
        sheet.append([i + 1, province, district, name, 5000 + i, 100 + i])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _placed(district: str, names: list[str], province: str = "Tỉnh Nghệ An"):
    """(report, {typed name: unit key its figure was stored under})."""
    report, obs = ingest.read_observations(_report(district, names, province), "bao_cao.xlsx")
    assert obs is not None, report.message
    collected = obs[obs.metric == "collected"]
    by_value = dict(zip(collected.value.astype(int), collected.unit_key))
    return report, {name: by_value.get(100 + i) for i, name in enumerate(names)}


# --- A commune's 2025 name in a report of before the reform -------------------------------


@pytest.mark.parametrize("typed", ["Xã Lượng Minh", "Lượng Minh", "XÃ LƯỢNG MINH"])
def test_a_2025_name_of_a_commune_that_kept_its_land_is_its_2023_commune_with_a_correction(typed):
    # Lưỡng Minh (Tương Dương) became, whole and alone, Xã Lượng Minh on 1/7/2025: people who
    # have learnt the new name type it in the old reports too.  It was a unit outside the
    # registry, and Lưỡng Minh showed as not reported.
    report, placed = _placed("Huyện Tương Dương", [typed, "Xã Yên Na"])
    assert placed[typed] == _key("Huyện Tương Dương", "Xã Lưỡng Minh")
    (fix,) = [c for c in report.corrections if c["typed"] == typed]
    assert fix["official"] == "Xã Lưỡng Minh"
    said = [p.message for p in report.warnings if p.code == "name_variant" and typed in p.message]
    assert said and "tên sau sắp xếp 1/7/2025" in said[0]
    assert not report.unofficial_units


@pytest.mark.parametrize(
    ("district", "typed", "province"),
    [
        # Formed from several 2023 communes: the name is none of them alone.
        ("Huyện Yên Thành", "Xã Vân Tụ", "Tỉnh Nghệ An"),
        ("Huyện Quỳ Châu", "Xã Hùng Chân", "Tỉnh Nghệ An"),
        # Kỳ Anh's mapping lists only Kỳ Tân for the 2025 Xã Kỳ Hoa, but Thị xã Kỳ Anh's Kỳ
        # Hoa (not in the registry) is in it too: the 2025 list says so, and decides.
        ("Huyện Kỳ Anh", "Xã Kỳ Hoa", "Tỉnh Hà Tĩnh"),
        ("Huyện Kỳ Anh", "Phường Hải Ninh", "Tỉnh Hà Tĩnh"),
    ],
)
def test_a_2025_name_of_a_commune_formed_from_several_is_no_2023_commune(district, typed, province):
    report, placed = _placed(district, [typed], province)
    assert placed[typed] not in registry.load_registry().index
    assert typed in report.unofficial_units


def test_a_2025_name_after_the_reform_is_left_as_before():
    # Dated after 1/7/2025, the new name is the new unit's business (the reform's rules),
    # not read back to the old commune here.
    match = registry.resolve("Tỉnh Nghệ An", "", "Xã Lượng Minh", on=date(2025, 8, 1))
    assert match.official and match.key == registry.key_2025("16906")


# --- A real commune the registry does not hold is no slip ---------------------------------


@pytest.mark.parametrize(
    ("typed", "not_this"),
    [("Xã Kỳ Liên", "Xã Kỳ Tiến"), ("Xã Kỳ Long", "Xã Kỳ Đồng"), ("Xã Kỳ Phương", "Xã Kỳ Phong")],
)
@pytest.mark.parametrize("district", ["Huyện Kỳ Anh", "Kỳ Anh"])
def test_a_commune_of_thi_xa_ky_anh_is_not_read_as_a_slip_for_one_of_huyen_ky_anh(typed, not_this, district):
    # Kỳ Liên, Kỳ Long, Kỳ Phương are wards of Thị xã Kỳ Anh, next door, whose communes the
    # registry does not hold; each is one letter from a commune of Huyện Kỳ Anh, and its
    # figures landed on it ("gõ nhầm một chữ cái"), adding the town's figures to the
    # district's.  A name that is a real unit of the province is no slip.
    report, placed = _placed(district, [typed, "Xã Kỳ Tân"], "Tỉnh Hà Tĩnh")
    assert placed[typed] != _key("Huyện Kỳ Anh", not_this)
    assert placed[typed] not in registry.load_registry().index
    assert typed in report.unofficial_units


def test_a_slip_in_huyen_ky_anh_is_still_read():
    report, placed = _placed("Huyện Kỳ Anh", ["Xã Kỳ Phogn", "Xã Kỳ Đồngg"], "Tỉnh Hà Tĩnh")
    assert placed == {
        "Xã Kỳ Phogn": _key("Huyện Kỳ Anh", "Xã Kỳ Phong"),
        "Xã Kỳ Đồngg": _key("Huyện Kỳ Anh", "Xã Kỳ Đồng"),
    }


# --- What people put around a name --------------------------------------------------------


def test_a_list_marker_written_with_a_slash_is_no_part_of_the_name():
    # "1/ Xã …", "2/ …": how many Vietnamese documents number their lines.
    typed = ["1/ Diễn Hoàng", "2/ Xã Diễn Hùng", "10/ Diễn Mỹ"]
    report, placed = _placed("H. Diễn Châu", typed)
    assert placed == {
        "1/ Diễn Hoàng": _key("Huyện Diễn Châu", "Xã Diễn Hoàng"),
        "2/ Xã Diễn Hùng": _key("Huyện Diễn Châu", "Xã Diễn Hùng"),
        "10/ Diễn Mỹ": _key("Huyện Diễn Châu", "Xã Diễn Mỹ"),
    }
    assert not report.unofficial_units


@pytest.mark.parametrize(
    "typed", ["Xã Diễn Hoàng, Diễn Châu", "Diễn Hoàng - Diễn Châu", "Diễn Hoàng, H. Diễn Châu"]
)
@pytest.mark.parametrize("district", ["H. Diễn Châu", "Huyện Diễn Châu", "Diễn Châu"])
def test_a_commune_cell_naming_the_rows_own_district_however_typed_is_read(typed, district):
    # The district in the cell and in the district column are one district typed two ways
    # ("Diễn Châu" and "H. Diễn Châu"): they agree, and the cell is read as an address.
    report, placed = _placed(district, [typed, "Xã Diễn Hùng"])
    assert placed[typed] == _key("Huyện Diễn Châu", "Xã Diễn Hoàng")
    assert not report.unofficial_units


def test_a_commune_cell_naming_another_district_than_the_rows_is_not_read_by_it():
    # The cell's district and the row's disagree: one of them is wrong, and the cell's name
    # ("Ngọc Sơn", of Đô Lương and of Thanh Chương) is not placed by either.
    report, placed = _placed("Huyện Đô Lương", ["Xã Ngọc Sơn, Thanh Chương", "Xã Bắc Sơn"])
    assert placed["Xã Ngọc Sơn, Thanh Chương"] != _key("Huyện Thanh Chương", "Xã Ngọc Sơn")
