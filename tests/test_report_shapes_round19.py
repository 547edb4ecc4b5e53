"""Report shapes found by the nineteenth probe: a wide sheet with "Thu nhận | Trả thẻ" under
each day, and a count split "Nam | Nữ" with no total."""

from __future__ import annotations

from datetime import date

import pytest

from cccd_analytics import ingest, registry
from tests.test_report_shapes_round7 import values, workbook_bytes

KY = ["Xã Kỳ Xuân", "Xã Kỳ Bắc", "Xã Kỳ Phú"]
DAYS = [date(2021, 3, 15), date(2021, 3, 16), date(2021, 3, 17)]
# commune → [(running total of applications, running total of cards)] per day
FIGURES = {
    "Xã Kỳ Xuân": [(2026, 668), (2069, 683), (2114, 701)],
    "Xã Kỳ Bắc": [(1500, 300), (1530, 300), (1561, 322)],
    "Xã Kỳ Phú": [(980, 120), (1004, 131), (1040, 131)],
}


def _key(commune: str) -> str:
    return registry.resolve("Tỉnh Hà Tĩnh", "Huyện Kỳ Anh", commune).key


def _merged(rows: list[list], merges: list[str]) -> bytes:
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes({"BC": rows})))
    for cells in merges:
        book.active.merge_cells(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    "title",
    ["BÁO CÁO LŨY KẾ THU NHẬN HỒ SƠ VÀ TRẢ THẺ CCCD NĂM 2021", "BÁO CÁO KẾT QUẢ CẤP CCCD NĂM 2021"],
)
def test_thu_nhan_beside_tra_the_under_each_day_is_the_days_applications(title):
    # Each day merged over "Thu nhận | Trả thẻ".  The pair was not split (only "Trả thẻ" said
    # what it counts), so the day's first column was read alone, under the title's words:
    # "LŨY KẾ … TRẢ THẺ" made every day's applications its cards handed over, without a word.
    rows = [
        ["CÔNG AN HUYỆN KỲ ANH"],
        [title],
        ["STT", "Xã", "Ngày 15/3", None, "Ngày 16/3", None, "Ngày 17/3", None],
        [None, None, "Thu nhận", "Trả thẻ", "Thu nhận", "Trả thẻ", "Thu nhận", "Trả thẻ"],
    ]
    for i, name in enumerate(KY, 1):
        rows.append([i, name, *[f for pair in FIGURES[name] for f in pair]])
    data = _merged(rows, ["C3:D3", "E3:F3", "G3:H3", "A3:A4", "B3:B4"])
    report = ingest.import_bytes(None, data, "ky_anh_tuan.xlsx")
    assert report.status == "checked", report.message
    obs = report.observations
    got = {
        (k, str(d)[:10], m): v
        for k, d, m, v in zip(obs["unit_key"], obs["date"], obs["metric"], obs["value"])
    }
    for name in KY:
        for day, (collected, returned) in zip(DAYS, FIGURES[name]):
            assert got[(_key(name), day.isoformat(), "collected")] == collected
            assert got[(_key(name), day.isoformat(), "returned")] == returned


def _split_rows(sub: list[str]) -> bytes:
    rows = [
        ["CÔNG AN HUYỆN KỲ ANH"],
        ["BÁO CÁO THU NHẬN HỒ SƠ CCCD"],
        ["Số liệu tính đến ngày 24/3/2021"],
        ["STT", "Xã", "Lũy kế thu nhận", *[None] * (len(sub) - 1)],
        [None, None, *sub],
    ]
    for i, name in enumerate(KY, 1):
        men, women = 900 + 17 * i, 1000 + 13 * i
        rows.append([i, name, men, women, *([men + women] if len(sub) == 3 else [])])
    last = "CDE"[len(sub) - 1]
    return _merged(rows, [f"C4:{last}4", "A4:A5", "B4:B5"])


def test_a_count_split_by_sex_without_its_total_is_their_sum():
    # "Lũy kế thu nhận" over "Nam | Nữ", no "Cộng": the men's column was the commune's
    # running total, stored without a word (then refused at the split); men and women
    # together are every applicant, read as their sum with a warning naming the columns.
    report = ingest.import_bytes(None, _split_rows(["Nam", "Nữ"]), "bc_nam_nu.xlsx")
    assert report.status == "checked", report.message
    assert values(report, metric="collected") == {
        (_key(name), "collected"): 1900 + 30 * i for i, name in enumerate(KY, 1)
    }
    (said,) = [p for p in report.problems if p.code == "split_summed"]
    assert said.column == "C" and "Nam" in said.message and "Nữ" in said.message


def test_one_sex_beside_another_part_is_refused_at_the_split():
    report = ingest.import_bytes(None, _split_rows(["Nam", "Người cao tuổi"]), "bc_nam.xlsx")
    assert report.status == "refused"
    assert (report.errors[0].row, report.errors[0].column) == (5, "C")


def test_a_count_split_by_sex_with_its_total_is_still_read():
    report = ingest.import_bytes(None, _split_rows(["Nam", "Nữ", "Cộng"]), "bc_nam_nu.xlsx")
    assert report.status == "checked", report.message
    assert values(report, metric="collected") == {
        (_key(name), "collected"): 1900 + 30 * i for i, name in enumerate(KY, 1)
    }


def test_a_count_over_this_year_is_no_split_by_sex():
    # "Năm" (the year) is not "Nam": a running total of the year under its parent stays one.
    rows = [
        ["CÔNG AN HUYỆN KỲ ANH"],
        ["BÁO CÁO THU NHẬN HỒ SƠ CCCD"],
        ["Số liệu tính đến ngày 24/3/2021"],
        ["STT", "Xã", "Lũy kế thu nhận"],
        [None, None, "Năm 2021"],
        [1, "Xã Kỳ Xuân", 1234],
    ]
    report = ingest.import_bytes(None, workbook_bytes({"BC": rows}), "bc.xlsx")
    assert report.status == "checked", report.message
    assert values(report, metric="collected") == {(_key("Xã Kỳ Xuân"), "collected"): 1234}


# -- a Word report of a small table per district, the district named in the prose above ---

TAN_KY = [("Thị trấn Tân Kỳ", 7170, 1594), ("Xã Tân Hợp", 5000, 2100), ("Xã Tân Phú", 4100, 1800)]
DO_LUONG = [("Thị trấn Đô Lương", 8000, 3000), ("Xã Lam Sơn", 3900, 1200), ("Xã Hồng Sơn", 4400, 1500)]


def _word_of_a_table_per_district() -> bytes:
    import io

    from docx import Document

    doc = Document()
    for line in (
        "CÔNG AN TỈNH NGHỆ AN",
        "BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD",
        "Số liệu tính đến 17h00 ngày 15/5/2023",
    ):
        doc.add_paragraph(line)
    for district, communes in (("Huyện Tân Kỳ", TAN_KY), ("Huyện Đô Lương", DO_LUONG)):
        doc.add_paragraph(f"{district}: các xã triển khai tốt, đạt tiến độ đề ra. Kết quả cụ thể như sau:")
        table = doc.add_table(rows=1, cols=4)
        for cell, text in zip(table.rows[0].cells, ["STT", "Đơn vị", "Số CD đủ ĐK", "Lũy kế thu nhận"]):
            cell.text = text
        for i, (name, eligible, collected) in enumerate(communes, 1):
            for cell, text in zip(table.add_row().cells, [str(i), name, str(eligible), str(collected)]):
                cell.text = text
        doc.add_paragraph("Nhận xét: không có.")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def test_each_small_table_of_a_word_report_takes_the_district_named_above_it():
    # Each table has fewer rows than a summary table; the second reached back over the first
    # to the document's top, so the line "Huyện Tân Kỳ: …" placed Đô Lương's communes in Tân
    # Kỳ: "Xã Hồng Sơn" (also a ward of Vinh) was stored as a unit outside the registry.
    report = ingest.import_bytes(None, _word_of_a_table_per_district(), "bc_15_5_2023.docx")
    assert report.status == "checked", report.message
    want = {}
    for district, communes in (("Huyện Tân Kỳ", TAN_KY), ("Huyện Đô Lương", DO_LUONG)):
        for name, _eligible, collected in communes:
            want[(registry.resolve("Tỉnh Nghệ An", district, name).key, "collected")] = collected
    assert values(report, metric="collected") == want
    assert not [p for p in report.problems if p.code in ("unknown_unit", "name_variant")]


@pytest.mark.parametrize("label", ["Thứ {weekday} ({day}/3)", "Ngày {day}/3", "{day}/3"])
def test_a_communes_week_report_dates_its_days_by_the_year_in_its_title(label):
    # One commune's own report, a row per day written without its year, the year once in the
    # title: refused as having no table, though a day with its year was read.
    rows = [
        ["CÔNG AN XÃ KỲ TÂN, HUYỆN KỲ ANH"],
        ["BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD TUẦN TỪ 15/3 ĐẾN 19/3/2021"],
        ["Ngày", "Thu nhận trong ngày", "Lũy kế", "Trả thẻ"],
    ]
    for i, day in enumerate(range(15, 20)):
        rows.append(
            [
                label.format(weekday=i + 2, day=day),
                20 + 3 * i,
                3020 + sum(20 + 3 * k for k in range(1, i + 1)),
                10 + i,
            ]
        )
    rows.append(["Cộng tuần", 130, 3130, 60])
    report = ingest.import_bytes(None, workbook_bytes({"BC": rows}), "bc_tuan.xlsx")
    assert report.status == "checked", report.message
    got = values(report, by="date", metric="collected")
    tan = _key("Xã Kỳ Tân")
    assert got == {(tan, f"2021-03-{day}"): rows[3 + i][2] for i, day in enumerate(range(15, 20))}
    assert values(report, by="date", metric="returned")[(tan, "2021-03-19")] == 14


def test_a_communes_days_without_a_year_and_none_above_are_still_refused():
    rows = [
        ["CÔNG AN XÃ KỲ TÂN, HUYỆN KỲ ANH"],
        ["BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD TUẦN TỪ 15/3 ĐẾN 19/3"],
        ["Ngày", "Thu nhận trong ngày", "Lũy kế"],
        ["15/3", 20, 3020],
        ["16/3", 23, 3043],
    ]
    report = ingest.import_bytes(None, workbook_bytes({"BC": rows}), "bc_tuan.xlsx")
    assert report.status == "refused"
    assert report.errors[0].sheet == "BC" and "bc_tuan.xlsx" in report.message
