"""Round 26 (hand-typed commune and district names, 7/12/2026): names of real Hà Tĩnh and
Nghệ An communes typed as reports carry them — types abbreviated, written wrong or left out,
no marks, keystrokes left in, old fonts, the district in the cell, namesakes — imported and
compared with the unit each one means.  Each test below fails without the round's fixes."""

from __future__ import annotations

import io
from datetime import date

import openpyxl

from cccd_analytics import ingest, registry

KY_ANH, HA_TINH = "Huyện Kỳ Anh", "Tỉnh Hà Tĩnh"
NGHE_AN = "Tỉnh Nghệ An"
MARCH_2021, MAY_2023, JANUARY_2025 = date(2021, 3, 15), date(2023, 5, 15), date(2025, 1, 15)


def _report(day: date, province: str, rows: list[tuple[str, str]]):
    """A district column and a commune column, one row per (district, name), collected 100,
    101, …: (report, the key each row's figure was stored under, None when kept apart)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["BÁO CÁO TIẾN ĐỘ THU NHẬN HỒ SƠ CCCD"])
    sheet.append([f"Ngày {day.day}/{day.month}/{day.year}"])
    sheet.append(["STT", "Tỉnh", "Huyện", "Xã", "Số CD đủ ĐK", "Lũy kế thu nhận"])
    for i, (district, name) in enumerate(rows):
        sheet.append([i + 1, province, district, name, 5000 + i, 100 + i])
    out = io.BytesIO()
    book.save(out)
    report, obs = ingest.read_observations(out.getvalue(), "bao_cao.xlsx")
    assert obs is not None, report.message
    collected = obs[obs.metric == "collected"]
    stored = dict(zip(collected.value.astype(int), collected.unit_key))
    held = registry.load_registry().index
    return report, [stored.get(100 + i) if stored.get(100 + i) in held else None for i in range(len(rows))]


def _corrections_at(report, row: int) -> list[str]:
    return [c["how"] for c in report.corrections if c["row"] == row]


def _warned_at(report, row: int, code: str) -> list[str]:
    return [p.message for p in report.problems if p.row == row and p.code == code]


# --- a unit type written that the unit does not have (names.type_written_otherwise) ---------


def test_a_township_written_on_a_communes_name_is_placed_with_a_type_correction():
    # "TT Kỳ Tân", "T.T Kỳ Lạc", "Phường Kỳ Sơn", "P. Kỳ Trung": Huyện Kỳ Anh has no town and
    # no ward of these names, only xã.  The row names the commune, but the type written was
    # dropped in silence: the analyst never saw that the cell says something else.
    rows = [(KY_ANH, "TT Kỳ Tân"), (KY_ANH, "T.T Kỳ Lạc"), (KY_ANH, "Phường Kỳ Sơn"), (KY_ANH, "P. Kỳ Trung")]
    report, keys = _report(MARCH_2021, HA_TINH, rows)
    assert keys == ["18814", "18850", "18844", "18787"]
    for row, written in ((4, "Thị trấn"), (5, "Thị trấn"), (6, "Phường"), (7, "Phường")):
        (how,) = _corrections_at(report, row)
        assert f"loại đơn vị ghi «{written}», trong danh mục là «Xã»" in how
        (said,) = _warned_at(report, row, "name_variant")
        assert "kiểm tra lại" in said


def test_a_type_the_unit_took_later_written_on_an_earlier_day_is_said():
    # Xã Kỳ Đồng became Thị trấn Kỳ Đồng on 1/12/2024 (GSO list of 1/1/2025): "TT Kỳ Đồng"
    # in a report of 15/3/2021 is that unit, written with a type it did not have yet.
    report, keys = _report(MARCH_2021, HA_TINH, [(KY_ANH, "TT Kỳ Đồng"), (KY_ANH, "Thị trấn Kỳ Đồng ")])
    assert keys[0] == "18775"
    (how,) = _corrections_at(report, 4)
    assert "«Thị trấn» là loại từ 1/12/2024" in how and "«Xã»" in how


def test_a_type_the_unit_has_since_1_12_2024_is_no_slip_after_that_day():
    report, keys = _report(
        JANUARY_2025, NGHE_AN, [("Thành phố Vinh", "Phường Nghi Phú"), ("Huyện Kỳ Sơn", "Xã Na Loi")]
    )
    assert keys == ["16702", "16834"]
    assert _corrections_at(report, 4) == []


def test_a_type_of_another_districts_namesake_is_named_in_the_correction():
    # "Phường Hưng Phúc" under Huyện Hưng Nguyên: Hưng Nguyên's Hưng Phúc is a xã, and the
    # ward of that name is Vinh's, next door.  The district column places the row; the type
    # says Vinh's ward, and the analyst is told which unit the type alone would name.
    rows = [("Huyện Hưng Nguyên", "Phường Hưng Phúc"), ("Thị xã Thái Hoà", "Xã Long Sơn")]
    report, keys = _report(MAY_2023, NGHE_AN, rows)
    assert keys == ["18040", "17003"]
    (how,) = _corrections_at(report, 4)
    assert "Phường Hưng Phúc (Thành phố Vinh)" in how
    (how,) = _corrections_at(report, 5)
    assert "Xã Long Sơn (Huyện Anh Sơn)" in how


def test_a_type_written_as_the_registry_has_it_is_no_correction():
    rows = [(KY_ANH, "X. Kỳ Xuân"), (KY_ANH, "Xã Kỳ Bắc"), (KY_ANH, "Kỳ Phú")]
    report, keys = _report(MARCH_2021, HA_TINH, rows)
    assert keys == ["18757", "18760", "18763"]
    assert report.corrections == []


# --- a commune merged away in 2019–2020 typed without its marks (registry.an_old_name_fits) ---


def test_a_merged_away_commune_typed_without_marks_is_not_the_neighbours_namesake():
    # Hưng Nguyên's Xã Hưng Tiến was merged in 2019–2020; typed "Xa Hung Tien" under its
    # district it went onto Nam Đàn's Xã Hùng Tiến next door (a commune "moved" across the
    # border), whose own figures it replaced, with only a correction to catch it.
    report, keys = _report(
        MAY_2023, NGHE_AN, [("Huyện Hưng Nguyên", "Xa Hung Tien"), ("Huyện Hưng Nguyên", "Xã Hưng Thịnh")]
    )
    assert keys[0] is None
    (said,) = _warned_at(report, 4, "unknown_unit")
    assert "đã sáp nhập vào «Xã Hưng Nghĩa»" in said


def test_a_merged_away_commune_typed_without_marks_and_no_district_is_left_apart():
    # No district: "Hung Tien" was Nam Đàn's Xã Hùng Tiến, the one commune of the province
    # whose name folds so — as much the merged Hưng Tiến of Hưng Nguyên.
    report, keys = _report(MAY_2023, NGHE_AN, [("", "Hung Tien"), ("", "Xã Hưng Thịnh")])
    assert keys[0] is None
    (said,) = _warned_at(report, 4, "unknown_unit")
    assert "Hùng Tiến" in said  # still suggested


def test_a_merged_away_name_a_unit_kept_is_that_unit():
    # Xã Thạch Giám and Thị trấn Hòa Bình became Thị trấn Thạch Giám: the old name is the
    # town's (with a type correction), and Nam Đàn's Hùng Tiến typed with its marks is itself.
    report, keys = _report(
        MAY_2023, NGHE_AN, [("Huyện Tương Dương", "Xã Thạch Giám"), ("Huyện Nam Đàn", "Xã Hùng Tiến")]
    )
    assert keys == ["16876", "17962"]


# --- a word typed in small letters among capitalised ones has lost its first letter -------
# (registry._capital_lost)


def test_a_lost_capital_letter_is_no_slip_of_a_mark_onto_another_commune():
    # "Diễn ân" is Diễn Tân with its capital T lost as much as Diễn An with a mark slipped:
    # it went onto Diễn An ("sai dấu"), whose own figures it replaced.
    report, keys = _report(
        MAY_2023, NGHE_AN, [("Huyện Diễn Châu", "Xã Diễn ân"), ("Huyện Diễn Châu", "Xã Diễn Kim")]
    )
    assert keys[0] is None
    (said,) = _warned_at(report, 4, "unknown_unit")
    assert "Diễn Tân" in said or "Diễn An" in said


def test_a_lost_capital_letter_keeps_a_name_at_home_rather_than_next_door():
    # "Châu hong" under Huyện Quỳ Châu: its own Châu Phong with the P lost, or Quỳ Hợp's Châu
    # Hồng next door typed without marks on one word; it went onto Quỳ Hợp's.
    report, keys = _report(
        MAY_2023, NGHE_AN, [("Huyện Quỳ Châu", "Xã Châu hong"), ("Huyện Quỳ Châu", "Xã Châu Kim")]
    )
    assert keys[0] is None


def test_a_lost_capital_letter_that_one_commune_explains_is_still_read():
    # "Nghi ăn": Nghi Văn with its V lost (Nghi Vạn has another mark), read as before.
    report, keys = _report(
        MAY_2023, NGHE_AN, [("Huyện Nghi Lộc", "Nghi ăn"), ("Huyện Nghi Lộc", "Xã Nghi Lâm")]
    )
    assert keys[0] == "17830"


# --- a one-letter word with a mark no word begins with is no initial (registry._initials) ---


def test_a_marked_letter_alone_is_no_initial_of_a_word_without_that_mark():
    # "Diễn ỹ" (Diễn Mỹ with its M lost) was read as "Diễn Y." cut from Diễn Yên ("viết
    # tắt"), whose figures it replaced; "Diễn Y." is still Diễn Yên.
    report, keys = _report(MAY_2023, NGHE_AN, [("Huyện Diễn Châu", "Diễn ỹ"), ("Huyện Diễn Châu", "Diễn Y.")])
    assert keys == [None, "17401"]


# --- review of round 26: a type of another unit, a part merged away, a type the registry lacks


def test_a_type_another_unit_took_with_the_name_is_no_type_of_this_unit():
    # Xã Hoa Thành was merged on 1/12/2024 into Thị trấn Yên Thành (17506), which took the
    # name Thị trấn Hoa Thành: "TT Hoa Thành" of 15/3/2021 is Xã Hoa Thành with a wrong
    # type, not a type Xã Hoa Thành took later (it never had one), and the town that bears
    # the name from then is named.
    assert registry.types_of_unit("17551", JANUARY_2025) == {"xa"}
    yen_thanh = "Huyện Yên Thành"
    report, keys = _report(
        MARCH_2021, NGHE_AN, [(yen_thanh, "TT Hoa Thành"), (yen_thanh, "Thị trấn Yên Thành")]
    )
    assert keys == ["17551", "17506"]
    (how,) = _corrections_at(report, 4)
    assert "là loại từ 1/12/2024" not in how
    assert "loại đơn vị ghi «Thị trấn», trong danh mục là «Xã»" in how
    assert "«Thị trấn Hoa Thành» là tên từ 1/12/2024 của Thị trấn Yên Thành" in how


def test_a_commune_merged_away_named_as_it_was_before_the_merge_is_kept_apart():
    # "Xã Thạch Giám" on 15/6/2018 was a xã, merged in 2019–2020 with Thị trấn Hòa Bình
    # into Thị trấn Thạch Giám: it went onto the whole town as a type slip.  Its figures are
    # a part's, kept apart as Hòa Bình's are, the warning saying what it became.
    tuong_duong = "Huyện Tương Dương"
    for name in ("Xã Thạch Giám", "Thạch Giám"):
        report, keys = _report(
            date(2018, 6, 15), NGHE_AN, [(tuong_duong, name), (tuong_duong, "Xã Tam Thái")]
        )
        assert keys == [None, "16924"]
        (said,) = _warned_at(report, 4, "unknown_unit")
        assert "đã sáp nhập vào «Thị trấn Thạch Giám»" in said
    # After the merge the name is the town's, and the correction says whose type was written.
    report, keys = _report(MAY_2023, NGHE_AN, [(tuong_duong, "Xã Thạch Giám"), (tuong_duong, "Xã Tam Thái")])
    assert keys == ["16876", "16924"]
    (how,) = _corrections_at(report, 4)
    assert "«Xã Thạch Giám» là đơn vị cũ đã sáp nhập vào đơn vị này" in how


def test_a_unit_without_its_type_in_the_registry_shows_no_nan():
    from cccd_analytics.ingest import names

    reg = registry.load_registry().copy()
    reg["unit_type"] = reg["unit_type"].astype(object)
    reg.at["18814", "unit_type"] = float("nan")
    rec = names.FirstRow(4, "", HA_TINH, KY_ANH, "TT Kỳ Tân", None, MARCH_2021)
    found = names.type_written_otherwise(rec, registry.Match("18814", True), reg)
    (how,) = found.corrections
    assert "nan" not in how and "trong danh mục là «Xã»" in how


def test_a_lost_capital_letter_is_no_name_as_typed_of_another_commune():
    # A district's own list without a district column: "Xã Nghĩa hành" among Nghĩa Đàn's
    # communes is its Nghĩa Thành with the T lost; as typed it is Tân Kỳ's Nghĩa Hành, and
    # went there with no word.  "Xã Diễn hong" (Diễn Phong) under Diễn Châu went onto Diễn
    # Hồng, its marks read as left out.  Both are left apart, the warning naming each reading.
    reg = registry.load_registry()
    nghia_dan = reg[(reg.level == "district") & (reg.name == "Huyện Nghĩa Đàn")].index[0]
    communes = reg[(reg.level == "commune") & (reg.district_key == nghia_dan) & (reg.hierarchy == "3")]
    names = ["Xã Nghĩa hành" if n == "Xã Nghĩa Thành" else str(n) for n in communes.sort_values("code").name]
    assert "Xã Nghĩa hành" in names
    report, keys = _report(MAY_2023, NGHE_AN, [("", n) for n in names])
    at = names.index("Xã Nghĩa hành")
    assert keys[at] is None and "17326" not in keys
    (said,) = _warned_at(report, at + 4, "unknown_unit")
    assert "Xã Nghĩa Thành (Huyện Nghĩa Đàn)" in said and "Xã Nghĩa Hành (Huyện Tân Kỳ)" in said
    dien_chau = "Huyện Diễn Châu"
    report, keys = _report(MAY_2023, NGHE_AN, [(dien_chau, "Xã Diễn hong"), (dien_chau, "Xã Diễn Kim")])
    assert keys[0] is None
    (said,) = _warned_at(report, 4, "unknown_unit")
    assert "Xã Diễn Phong" in said and "Xã Diễn Hồng" in said
