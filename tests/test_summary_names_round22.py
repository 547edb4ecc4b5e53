"""Round 22 (outside probing, 7/12/2026): a province's summary workbooks with hand-typed names —
districts abbreviated ("D.Châu", "H.DC", "TX HM", "Q.Lưu") in the district column, in the
commune's cell and as a block's heading, notes in braces or after a colon.  Each case fails
without the round's fixes."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest

from cccd_analytics import ingest, registry
from tests.test_names_round17 import _key
from tests.test_names_round21 import _placed, _placed_on

DC, YT, HM, QL, TK, QP = (
    "Huyện Diễn Châu",
    "Huyện Yên Thành",
    "Thị xã Hoàng Mai",
    "Huyện Quỳnh Lưu",
    "Huyện Tân Kỳ",
    "Huyện Quế Phong",
)


@pytest.mark.parametrize(
    ("typed_district", "district", "commune"),
    [
        ("D.Châu", DC, "Xã Diễn Kim"),
        ("H.DC", DC, "Xã Diễn Kim"),
        ("H. D.Châu", DC, "Xã Diễn Kim"),
        ("TX HM", HM, "Xã Quỳnh Lập"),
        ("TX.HM", HM, "Xã Quỳnh Lập"),
        ("H.YT", YT, "Xã Mã Thành"),
        ("Y.Thành", YT, "Xã Mã Thành"),
        ("Q.Lưu", QL, "Xã Ngọc Sơn"),
        # Nghĩa Đàn or Nam Đàn: the commune decides, as for "Kỳ Anh" written alone.
        ("H.NĐ", "Huyện Nghĩa Đàn", "Xã Nghĩa Mai"),
        ("H.NĐ", "Huyện Nam Đàn", "Xã Nam Hưng"),
    ],
)
def test_an_abbreviated_district_column_places_its_communes(typed_district, district, commune):
    # Each row was a unit outside the registry: "D.Châu" named no district.
    report, key = _placed_on(date(2023, 5, 15), typed_district, commune.split(" ", 1)[1], "Tỉnh Nghệ An", [])
    assert key == _key(district, commune)


@pytest.mark.parametrize("typed", ["H.NĐ", "T.X"])
def test_an_abbreviation_of_two_districts_or_none_names_none(typed):
    # "H.NĐ" is Huyện Nghĩa Đàn or Huyện Nam Đàn: never guessed.
    assert len(registry.district_abbreviated(typed, "40")) != 1


@pytest.mark.parametrize(
    ("typed", "district", "commune"),
    [
        ("Diễn Kim, D.Châu", DC, "Xã Diễn Kim"),
        ("Diễn Hải, H.DC", DC, "Xã Diễn Hải"),
        ("Đồng Văn (T.Kỳ)", TK, "Xã Đồng Văn"),
        ("Đồng Văn, Q.Phong", QP, "Xã Đồng Văn"),
        ("Quỳnh Lập, TX.HM", HM, "Xã Quỳnh Lập"),
        ("Ngọc Sơn - Q.Lưu", QL, "Xã Ngọc Sơn"),
    ],
)
def test_a_district_abbreviated_in_the_communes_cell_places_it(typed, district, commune):
    # A province's list with no district column: the cell's district decides a namesake.
    report, key = _placed_on(date(2023, 5, 15), None, typed, "Tỉnh Nghệ An", [])
    assert key == _key(district, commune)


@pytest.mark.parametrize(
    ("district", "typed"),
    [
        (DC, "Diễn Kim, T.Kỳ"),
        (DC, "Diễn Kim (T.Kỳ)"),
        (DC, "Diễn Kim - T.Kỳ"),
        ("Huyện Đô Lương", "Ngọc Sơn (T.Chương)"),
        ("Huyện Đô Lương", "Ngọc Sơn (H.TC)"),
    ],
)
def test_another_district_abbreviated_in_the_cell_keeps_the_name_apart(district, typed):
    # "(T.Kỳ)" was cut off as a note, and Tân Kỳ's row went onto Diễn Châu's Diễn Kim.
    report, key = _placed(district, typed)
    assert key is None
    assert any("khác với huyện của dòng" in p.message for p in report.problems)


@pytest.mark.parametrize(
    "typed", ["Diễn Kim: Diễn Hải", "Diễn Kim: Hải", "Diễn Kim: Yên Thành", "Diễn Kim, H.NĐ"]
)
def test_a_second_place_after_a_colon_or_an_ambiguous_district_is_no_note(typed):
    # Guards of the round's readings: two places, or "H.NĐ" (Nghĩa Đàn or Nam Đàn), are
    # never cut to the first name.
    report, key = _placed(DC, typed)
    assert key is None


@pytest.mark.parametrize(
    ("district", "typed", "commune"),
    [
        (DC, "Diễn Kim {ĐC}", "Xã Diễn Kim"),
        (DC, "Diễn Kim: 17h", "Xã Diễn Kim"),
        (DC, "Diễn Phong: chưa báo cáo", "Xã Diễn Phong"),
        ("Huyện Kỳ Anh", "Kỳ Đồng {ĐC}", "Xã Kỳ Đồng"),
        ("Huyện Kỳ Anh", "Kỳ Khang: 17h", "Xã Kỳ Khang"),
    ],
)
def test_a_note_in_braces_or_after_a_colon_is_a_note(district, typed, commune):
    report, key = _placed(district, typed)
    assert key == _key(district, commune)


def test_a_district_in_braces_other_than_the_rows_keeps_the_name_apart():
    report, key = _placed("Huyện Đô Lương", "Ngọc Sơn {Thanh Chương}")
    assert key is None


def _summary(headings: list[tuple[str, str, list[str]]], types: dict[str, str] | None = None):
    """A province's summary: STT | Đơn vị | Số CD đủ ĐK | Lũy kế, each block under a heading
    row holding its sums, the communes numbered, "Tổng cộng" at the end."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD TỈNH NGHỆ AN"])
    sheet.append(["Số liệu tính đến 17h00 ngày 15/5/2023"])
    sheet.append(["STT", "Đơn vị", "Số CD đủ ĐK", "Lũy kế thu nhận"])
    expected, value, total = {}, 100, [0, 0]
    for heading, district, names in headings:
        rows = []
        for i, name in enumerate(names, 1):
            value += 1
            rows.append([i, name, 5000 + value, value])
            official = "Xã Kỳ Sơn" if name == "X. KỲ SƠN" else f"{(types or {}).get(district, 'Xã')} {name}"
            expected[_key(district, official)] = value
        sums = [sum(r[2] for r in rows), sum(r[3] for r in rows)]
        total = [total[0] + sums[0], total[1] + sums[1]]
        sheet.append([None, heading, *sums])
        for r in rows:
            sheet.append(r)
    sheet.append([None, "Tổng cộng", *total])
    out = io.BytesIO()
    book.save(out)
    report, obs = ingest.read_observations(out.getvalue(), "tong_hop.xlsx")
    assert obs is not None, report.message
    collected = obs[obs.metric == "collected"]
    return report, expected, dict(zip(collected.unit_key, collected.value.astype(int)))


@pytest.mark.parametrize("heading", ["H.DC", "Q.Lưu", "TX HM"])
def test_an_abbreviated_districts_heading_is_a_heading_not_a_unit(heading):
    # "H.DC" over Diễn Châu's communes was stored as a unit outside the registry with the
    # district's sums, and each heading below was checked against the communes above it.
    district, names = {
        "H.DC": (DC, ["Diễn Kim", "Diễn Hải"]),
        "Q.Lưu": (QL, ["Quỳnh Châu", "Quỳnh Tân"]),
        "TX HM": (HM, ["Quỳnh Lập", "Quỳnh Vinh"]),
    }[heading]
    report, expected, stored = _summary(
        [("Huyện Yên Thành", YT, ["Mã Thành", "Tiến Thành"]), (heading, district, names)]
    )
    assert stored == expected
    assert all(t["matches"] for t in report.totals) and len(report.totals) == 3


@pytest.mark.parametrize(
    ("heading", "district", "names"),
    [
        ("H. Diễn Châu", DC, ["Diễn Kim", "Diễn Hải"]),
        ("TP Vinh", "Thành phố Vinh", ["Hưng Bình", "Lê Lợi"]),
        ("T.X Cửa Lò", "Thị xã Cửa Lò", ["Nghi Hương", "Nghi Thu"]),
        ("H.NĐ", "Huyện Nghĩa Đàn", ["Nghĩa Mai", "Nghĩa Yên"]),
    ],
)
def test_a_heading_with_its_type_abbreviated_and_its_sums_is_a_heading(heading, district, names):
    # "H. Diễn Châu" with its sums was a commune (only in capitals was it a heading): each
    # district's heading and first commune were two rows of one unit and the file refused.
    # "H.NĐ" (Nghĩa Đàn or Nam Đàn) is a heading too, its communes deciding the district.
    prefix = "Phường" if district in ("Thành phố Vinh", "Thị xã Cửa Lò") else "Xã"
    headings = [("Huyện Yên Thành", YT, ["Mã Thành", "Tiến Thành"]), (heading, district, names)]
    report, expected, stored = _summary(headings, {district: prefix})
    assert stored == expected
    assert all(t["matches"] for t in report.totals) and len(report.totals) == 3


def test_a_numbered_x_before_a_districts_name_in_capitals_is_the_xa():
    # "5 | X. KỲ SƠN" under Huyện Tân Kỳ is its Xã Kỳ Sơn, numbered like the communes; read
    # as the tenth district's heading (Kỳ Sơn is a district's name too), the commune's
    # figures were taken for a sum and never stored (a gap left by round 21).
    report, expected, stored = _summary([("Huyện Tân Kỳ", TK, ["Tân Hợp", "Tân Phú", "X. KỲ SƠN"])])
    assert stored == expected
