"""Import of canonical files: headers in Vietnamese or English, bad input refused whole."""

import re
from datetime import date

import openpyxl
import pytest

from cccd_analytics import ingest
from tests.conftest import write

EN = "date,province,district,commune,commune_code,eligible,collected,collected_day,returned\n"
VI = "Ngày,Tỉnh,Huyện,Xã,Mã xã,Số công dân đủ điều kiện,Lũy kế thu nhận,Thu nhận trong ngày,Lũy kế trả thẻ\n"


def test_english_and_vietnamese_headers_read_the_same(store, tmp_path):
    en = ingest.import_file(
        None,
        write(
            tmp_path / "en.csv", EN + "2021-03-15,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,18775,4489,321,12,0\n"
        ),
    )
    vi = ingest.import_file(
        store,
        write(
            tmp_path / "vi.csv", VI + "15/03/2021,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,18775,4489,321,12,0\n"
        ),
    )
    assert en.status == "checked" and vi.status == "imported"
    obs = store.current_observations().set_index("metric")["value"]
    assert obs["collected"] == 321 and obs["eligible"] == 4489 and obs["collected_day"] == 12


def test_numbers_typed_as_text_with_thousands_dots(store, tmp_path):
    path = write(
        tmp_path / "a.csv",
        'Ngày;Huyện;Xã;Số CD đủ ĐK;Lũy kế\n15/3/2021;Huyện Kỳ Anh;Xã Kỳ Khang;"9.360";"5.432"\n',
    )
    report = ingest.import_file(store, path)
    assert report.status == "imported", report.message
    obs = store.current_observations().set_index("metric")["value"]
    assert obs["collected"] == 5432 and obs["eligible"] == 9360


def test_xlsx_with_title_rows_is_read(store, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Báo cáo"
    sheet.append(["CÔNG AN HUYỆN KỲ ANH"])
    sheet.append(["BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD"])
    sheet.append(["Số liệu tính đến 17 giờ 00 ngày 15/03/2021"])
    sheet.append([])
    sheet.append(["STT", "Xã", "Số CD đủ ĐK", "Lũy kế"])
    sheet.append([1, "Xã Kỳ Đồng", 4489, 300])
    sheet.append([2, "Xã Kỳ Tân", 6459, 410])
    sheet.append([None, "Tổng cộng", 10948, 710])
    book.save(tmp_path / "bao_cao.xlsx")
    report = ingest.import_file(store, tmp_path / "bao_cao.xlsx")
    assert report.status == "imported", report.message
    assert report.report_date == date(2021, 3, 15)
    assert report.units_read == 2  # the total row is not a unit
    assert not report.warnings
    # Three lines of text above the header; the blank row between is no line.
    assert "3 dòng tiêu đề/quốc hiệu phía trên" in report.layout


def test_a_dash_in_a_days_column_is_none_that_day_and_in_a_running_total_no_figure(store, tmp_path):
    # "-" is how Excel's accounting format shows 0 and how people type "none today"; in a
    # running total it is left as no figure (0 there would read as a fall).
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["CÔNG AN HUYỆN KỲ ANH"])
    sheet.append(["Số liệu tính đến 17h00 ngày 25/3/2021"])
    sheet.append(["STT", "Đơn vị", "Thu nhận trong ngày", "Lũy kế thu nhận"])
    sheet.append([1, "Xã Kỳ Tân", "-", 1000])
    sheet.append([2, "Xã Kỳ Thọ", 12, 2000])
    sheet.append([3, "Xã Kỳ Đồng", " – ", "-"])
    book.save(tmp_path / "gach.xlsx")
    report = ingest.import_file(store, tmp_path / "gach.xlsx")
    assert report.status == "imported", report.message
    obs = store.current_observations()
    names = store.units().set_index("key")["name"]
    got = {(names[k], m): v for k, m, v in zip(obs["unit_key"], obs["metric"], obs["value"])}
    assert got[("Xã Kỳ Tân", "collected_day")] == 0 and got[("Xã Kỳ Tân", "collected")] == 1000
    assert got[("Xã Kỳ Thọ", "collected_day")] == 12
    assert got[("Xã Kỳ Đồng", "collected_day")] == 0 and ("Xã Kỳ Đồng", "collected") not in got


def refused(report, code):
    assert report.status == "refused", report.message
    return [p for p in report.errors if p.code == code]


def test_file_with_no_table_is_refused_in_vietnamese(store, tmp_path):
    report = ingest.import_file(store, write(tmp_path / "ghi_chu.csv", "Kính gửi Ban chỉ đạo\nxin báo cáo\n"))
    (problem,) = refused(report, "no_table")
    assert "không tìm thấy bảng" in report.message and "ghi_chu.csv" in report.message


def test_negative_number_names_file_row_and_column(store, tmp_path):
    report = ingest.import_file(
        store,
        write(
            tmp_path / "am.csv",
            EN
            + "2021-03-15,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,,4489,321,,0\n"
            + "2021-03-15,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Tân,,6459,-7,,0\n",
        ),
    )
    (problem,) = refused(report, "negative")
    assert (problem.row, problem.column) == (3, "G")
    assert (
        problem.describe("am.csv")
        == "Tệp «am.csv», dòng 3, cột G («collected»): số âm (-7) ở dòng «Xã Kỳ Tân»."
    )


@pytest.mark.parametrize("pasted", ["001234567890", "0912345678901", "9" * 25])
def test_a_code_pasted_into_a_figures_column_is_refused_at_its_cell(store, tmp_path, pasted):
    # A 12-digit ID number in the collected column was stored as a commune's count, and
    # from 19 digits on the file was refused with no cell named.
    report = ingest.import_file(
        store,
        write(
            tmp_path / "ma.csv",
            EN
            + "2021-03-15,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,,4489,321,,0\n"
            + f"2021-03-15,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Tân,,6459,{pasted},,0\n",
        ),
    )
    (problem,) = refused(report, "bad_number")
    assert (problem.row, problem.column) == (3, "G")
    assert "số quá lớn" in problem.message and "ở dòng «Xã Kỳ Tân»" in problem.message
    assert store.current_observations().empty


def test_cumulative_lower_than_previous_report_in_the_file_is_refused(store, tmp_path):
    report = ingest.import_file(
        store,
        write(
            tmp_path / "giam.csv",
            EN
            + "2021-03-14,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,,4489,321,,0\n"
            + "2021-03-15,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,,4489,300,,0\n",
        ),
    )
    (problem,) = refused(report, "falling_cumulative")
    assert problem.row == 3 and "thấp hơn 321" in problem.message
    # Days written the Vietnamese way, as everywhere in the UI (15/3/2021, not 15/03/2021).
    assert "ngày 15/3/2021" in problem.message and "báo cáo ngày 14/3/2021" in problem.message


def stored_then(store, tmp_path, first: tuple[str, int], then: tuple[str, int]):
    """Ky Dong's running total stored on one day (a.csv), then another file of another day
    (b.csv) imported against it: the second file's report."""
    for name, (day, value) in (("a.csv", first), ("b.csv", then)):
        line = f"{day},Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,,4489,{value},,0\n"
        report = ingest.import_file(store, write(tmp_path / name, EN + line))
    return report


def test_cumulative_lower_than_a_stored_report_is_refused(store, tmp_path):
    report = stored_then(store, tmp_path, ("2021-03-14", 321), ("2021-03-15", 320))
    (problem,) = refused(report, "falling_cumulative")
    # Named by its upload, so that a wrong stored figure can be found and undone.
    assert "(đã có, lần nhập #1 «a.csv»)" in problem.message


def test_a_figure_above_a_later_stored_one_names_that_upload_and_what_to_do(store, tmp_path):
    report = stored_then(store, tmp_path, ("2021-03-15", 298), ("2021-03-14", 2060))
    (problem,) = refused(report, "falling_cumulative")
    assert "báo cáo ngày 15/3/2021 của lần nhập #1 «a.csv» (298)" in problem.message
    assert "hãy hủy lần nhập đó ở mục Lịch sử nhập" in problem.message


def test_two_values_for_one_unit_and_date_are_refused(store, tmp_path):
    report = ingest.import_file(
        store,
        write(
            tmp_path / "trung.csv",
            EN
            + "2021-03-15,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,,4489,321,,0\n"
            + "2021-03-15,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,X. Kỳ Đồng,,4489,325,,0\n",
        ),
    )
    (problem,) = refused(report, "conflicting_values")
    assert "321" in problem.message and "325" in problem.message and problem.row == 3


def test_same_commune_name_in_two_districts_is_told_apart(store, tmp_path):
    report = ingest.import_file(
        store,
        write(
            tmp_path / "a.csv",
            EN
            + "2023-05-01,Tỉnh Nghệ An,Huyện Nghĩa Đàn,Xã Nghĩa Bình,,3000,100,,0\n"
            + "2023-05-01,Tỉnh Nghệ An,Huyện Tân Kỳ,Xã Nghĩa Bình,,4000,200,,0\n",
        ),
    )
    assert report.status == "imported" and report.units_read == 2
    keys = set(store.current_observations()["unit_key"])
    assert keys == {"16960", "17281"}


def test_unknown_unit_is_accepted_flagged_and_suggested(store, tmp_path):
    report = ingest.import_file(
        store, write(tmp_path / "a.csv", EN + "2021-03-15,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Mới,,4489,321,,0\n")
    )
    assert report.status == "imported"
    (warning,) = [p for p in report.warnings if p.code == "unknown_unit"]
    assert "Huyện Kỳ Anh" in warning.message
    units = store.units()
    assert not units.loc[units["name"] == "Xã Kỳ Mới", "official"].item()


def test_two_level_units_after_the_reform(store, tmp_path):
    report = ingest.import_file(
        store, write(tmp_path / "a.csv", EN + "2025-08-01,Tỉnh Hà Tĩnh,,Xã Kỳ Xuân,,15000,9000,,0\n")
    )
    assert report.status == "imported" and not report.warnings
    assert set(store.current_observations()["unit_key"]) == {"2025:18766"}


@pytest.mark.parametrize(
    "data,fragment",
    [
        (b"", "rỗng"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "ảnh PNG"),
        (b"PK\x03\x04" + b"\x00" * 50, "hỏng"),
    ],
)
def test_files_that_are_not_tables_are_refused(store, data, fragment):
    report = ingest.import_bytes(store, data, "bao_cao.xlsx")
    assert report.status == "refused" and fragment in report.message


def test_dry_run_writes_nothing(store, tmp_path):
    report = ingest.import_file(
        store,
        write(tmp_path / "a.csv", EN + "2021-03-15,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,,4489,321,,0\n"),
        dry_run=True,
    )
    assert report.status == "checked"
    assert store.current_observations().empty and store.list_uploads().empty


def test_name_without_diacritics_matches_with_a_warning(store, tmp_path):
    report = ingest.import_file(
        store, write(tmp_path / "a.csv", EN + "2021-03-15,Ha Tinh,Huyen Ky Anh,Xa Ky Dong,,4489,321,,0\n")
    )
    assert report.status == "imported"
    assert set(store.current_observations()["unit_key"]) == {"18775"}
    assert [p.code for p in report.warnings] == ["name_variant"]


def test_names_differing_only_by_tone_marks_stay_apart(store, tmp_path):
    # Huyện Quỳ Châu has both Xã Châu Bính and Xã Châu Bình.
    report = ingest.import_file(
        store,
        write(
            tmp_path / "a.csv",
            EN
            + "2023-05-01,Tỉnh Nghệ An,Huyện Quỳ Châu,Xã Châu Bính,,3000,100,,0\n"
            + "2023-05-01,Tỉnh Nghệ An,Huyện Quỳ Châu,Xã Châu Bình,,4000,200,,0\n",
        ),
    )
    assert report.status == "imported" and not report.warnings
    assert set(store.current_observations()["unit_key"]) == {"16780", "16804"}


# -- reports as units send them, mappings, dates, names ------------------------

import json  # noqa: E402
from pathlib import Path  # noqa: E402

from cccd_analytics import cli  # noqa: E402

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
UNKNOWN = (
    "BÁO CÁO NHANH\nSố liệu tính đến ngày 15/03/2021\n"
    "Địa phương,Huyện,Dân số 14+,Đã làm,Đã giao\n"
    "Xã Kỳ Đồng,Huyện Kỳ Anh,4489,321,100\nXã Kỳ Tân,Huyện Kỳ Anh,6459,410,200\n"
)
MAPPING = {"commune": 0, "district": 1, "eligible": 2, "collected": 3, "returned": 4}


def test_unknown_layout_asks_for_a_mapping_with_what_the_page_needs(store):
    report = ingest.import_bytes(store, UNKNOWN.encode(), "nhanh.csv")
    assert report.status == "refused" and report.needs_mapping
    assert [(c["letter"], c["header"], c["field"]) for c in report.columns] == [
        ("A", "Địa phương", None),
        ("B", "Huyện", "district"),
        ("C", "Dân số 14+", None),
        ("D", "Đã làm", "collected"),
        ("E", "Đã giao", None),
    ]
    assert len(report.signature) == 64 and "ghép cột" in report.message
    assert store.list_uploads().empty


def test_a_chosen_mapping_imports_and_is_remembered_for_the_next_file(store):
    first = ingest.import_bytes(store, UNKNOWN.encode(), "nhanh.csv", mapping=MAPPING)
    assert first.status == "imported" and first.mapping_source == "user", first.message
    assert first.units_read == 2 and "người dùng chọn" in first.layout
    ingest.remember_mapping(store, first, MAPPING, who="cán bộ A")
    later = UNKNOWN.replace("15/03/2021", "16/03/2021").replace(",321,", ",350,").replace(",410,", ",430,")
    second = ingest.import_bytes(store, later.encode(), "nhanh_16.csv")
    assert second.status == "imported", second.message
    assert second.mapping_source == "remembered" and second.mapping == MAPPING
    assert "cách ghép đã lưu" in second.layout
    obs = store.current_observations()
    assert obs[(obs.metric == "collected")].value.max() == 430


def test_a_mapping_missing_the_commune_is_refused_in_vietnamese(store):
    report = ingest.import_bytes(
        store, UNKNOWN.encode(), "nhanh.csv", mapping={"collected": 3, "eligible": 99}
    )
    (problem,) = refused(report, "bad_mapping")
    assert "thiếu cột bắt buộc: Xã" in problem.message and "eligible" in problem.message


def _write_report(path, rows):
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def test_date_only_in_the_file_name(store, tmp_path):
    path = _write_report(
        tmp_path / "bao_cao_16-03-2021.xlsx",
        [["CÔNG AN HUYỆN KỲ ANH"], ["Xã", "Lũy kế"], ["Xã Kỳ Đồng", 300]],
    )
    report = ingest.import_file(store, path)
    assert report.status == "imported" and report.report_date == date(2021, 3, 16)
    assert report.date_origin == "file_name" and "tên tệp" in report.date_source


def test_no_date_anywhere_asks_for_it_and_a_given_date_imports(store, tmp_path):
    path = _write_report(
        tmp_path / "bao_cao.xlsx", [["CÔNG AN HUYỆN KỲ ANH"], ["Xã", "Lũy kế"], ["Xã Kỳ Đồng", 300]]
    )
    report = ingest.import_file(store, path)
    (problem,) = refused(report, "no_date")
    assert report.needs_date and "ngày" in report.message and problem.row == 3
    report = ingest.import_file(store, path, report_date=date(2021, 3, 15))
    assert report.status == "imported" and report.date_origin == "given"
    assert set(store.current_observations()["unit_key"]) == {"18775"}


def test_date_line_and_file_name_that_disagree_give_a_warning(store, tmp_path):
    path = _write_report(
        tmp_path / "bao_cao_16_03_2021.xlsx",
        [
            ["Số liệu tính đến ngày 15/03/2021"],
            ["Huyện", "Xã", "Lũy kế"],
            ["Huyện Kỳ Anh", "Xã Kỳ Đồng", 300],
        ],
    )
    report = ingest.import_file(store, path)
    assert report.report_date == date(2021, 3, 15)
    assert [p.code for p in report.warnings] == ["date_mismatch"]


def _sample_rows(name):
    book = openpyxl.load_workbook(SAMPLE / "nghe_an_2023" / "reports" / name)
    return book, book.worksheets[0]


def test_subtotals_before_their_communes_are_checked_and_give_the_district(tmp_path):
    book, sheet = _sample_rows("bao_cao_ngay_20_04_2023.xlsx")
    vinh = next(r for r in range(1, sheet.max_row) if sheet.cell(r, 2).value == "THÀNH PHỐ VINH")
    stated = int(str(sheet.cell(vinh, 5).value).replace(".", ""))
    sheet.cell(vinh, 5).value = stated + 100
    book.save(tmp_path / "lech.xlsx")
    report = ingest.import_file(None, tmp_path / "lech.xlsx")
    assert report.status == "checked" and report.units_read == 460
    (warning,) = [p for p in report.warnings if p.code == "subtotal_mismatch"]
    assert warning.row == vinh and warning.column == "E"
    assert f"{stated + 100:,}".replace(",", ".") in warning.message
    assert f"{stated:,}".replace(",", ".") in warning.message and "+100" in warning.message
    kinds = [(t["kind"], t["position"], t["matches"]) for t in report.totals]
    assert kinds[0] == ("total", "before", True)  # "Toàn tỉnh" on top, checked against all 460 communes
    assert sum(1 for k in kinds if k[0] == "subtotal") == 21


def test_unknown_names_are_listed_with_suggestions_and_never_merged(store, tmp_path):
    report = ingest.import_file(
        store,
        write(
            tmp_path / "a.csv",
            EN
            + "2021-03-15,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồnggg,,4489,321,,0\n"
            + "2023-05-01,Tỉnh Nghệ An,,Xã Nghĩa Bình,,3000,100,,0\n",
        ),
    )
    assert report.status == "imported"
    typo, twice = [p for p in report.warnings if p.code == "unknown_unit"]
    assert "Xã Kỳ Đồng (Huyện Kỳ Anh)" in typo.message and "không gộp" in typo.message
    assert "Huyện Nghĩa Đàn" in twice.message and "Huyện Tân Kỳ" in twice.message
    keys = set(store.current_observations()["unit_key"])
    assert all(k.startswith("x:") for k in keys) and len(keys) == 2
    assert report.unofficial_units == ["Xã Kỳ Đồnggg", "Xã Nghĩa Bình"]


def test_json_report_carries_every_field_of_the_import_report(capsys, db_url):
    path = SAMPLE / "ky_anh_2021" / "reports" / "bao_cao_ngay_15_03_2021.xlsx"
    assert cli.main(["ingest", "--dry-run", "--json", "--db", db_url, str(path)]) == 0
    (item,) = json.loads(capsys.readouterr().out)["files"]
    assert item["sheet"] == "15.03" and item["header_rows"] == [8, 9] and item["first_data_row"] == 11
    assert item["report_date"] == "2021-03-15" and item["date_origin"] == "date_line"
    assert "Số liệu tính đến" in item["date_source"] and item["units_read"] == 20
    assert item["totals"][0]["kind"] == "total" and item["totals"][0]["matches"]
    assert item["columns"][4] == {
        "index": 4,
        "letter": "E",
        "header": "Kết quả thu nhận hồ sơ / Lũy kế",
        "field": "collected",
    }
    assert item["kind"] == "report" and item["authorities"] == ["tinh ha tinh", "huyen ky anh"]
    assert item["status"] == "checked" and "observations" not in item


def test_returned_above_collected_and_coverage_over_100_are_warned_once_where_they_start(tmp_path):
    rows = [
        "2021-03-15,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Tân,,4000,300,,200",
        "2021-03-15,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,,100,120,,10",
        "2021-03-16,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Tân,,4000,310,,350",
        "2021-03-16,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,,100,130,,140",
    ]
    report = ingest.import_file(None, write(tmp_path / "a.csv", EN + "\n".join(rows) + "\n"))
    assert report.status == "checked", report.message
    found = [
        (p.code, p.row, p.message)
        for p in report.warnings
        if p.code in ("returned_above_collected", "coverage_over_100")
    ]
    # By unit (Kỳ Đồng's key sorts before Kỳ Tân's), then day; over 100% once per unit,
    # from the first day it happens.
    assert found == [
        (
            "returned_above_collected",
            5,
            "«Xã Kỳ Đồng» ngày 16/3/2021: số thẻ đã trả (140) lớn hơn số hồ sơ đã thu nhận (130).",
        ),
        (
            "returned_above_collected",
            4,
            "«Xã Kỳ Tân» ngày 16/3/2021: số thẻ đã trả (350) lớn hơn số hồ sơ đã thu nhận (310).",
        ),
        (
            "coverage_over_100",
            3,
            "«Xã Kỳ Đồng» từ ngày 15/3/2021: đã thu nhận 120 vượt số công dân đủ điều kiện (100).",
        ),
    ]


def test_the_upload_page_lists_problems_without_empty_sheet_row_or_column(tmp_path):
    from cccd_analytics import ui

    rows = [
        "2021-03-15,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Tân,,4000,300,,200",
        "2021-03-16,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Tân,,4000,310,,350",
    ]
    report = ingest.import_file(None, write(tmp_path / "a.csv", EN + "\n".join(rows) + "\n"))
    table = ui.problem_table(report.problems)
    # A CSV has no sheets and this warning no column: only the row is worth a column.
    assert list(table.columns) == ["Mức", "Dòng", "Nội dung"]
    assert table.iloc[0].tolist()[:2] == ["Cảnh báo", "3"] and "350" in table.iloc[0, 2]


def test_a_refusal_names_the_file_once_then_where_the_first_error_is(tmp_path):
    report = ingest.import_file(
        None, write(tmp_path / "sai.csv", "Ngày,Huyện,Xã,Lũy kế\n16/05/2021,Huyện Kỳ Anh,Xã Kỳ Đồng,-3\n")
    )
    assert report.status == "refused"
    assert report.message.count("sai.csv") == 1
    assert "Lỗi đầu tiên — dòng 2, cột D («Lũy kế»): số âm (-3)" in report.message


def test_files_dropped_together_are_checked_as_they_will_be_committed(store):
    # An export counted from zero (22-26/3) and a report of 15/3 with higher figures: each
    # alone is fine; written in this order, the report falls above the export's 22/3.
    from tests.conftest import ROOT

    corpus = ROOT / "tests" / "fixtures" / "corpus"
    export, report = corpus / "17_ho_so_xuat_ky_anh.csv", corpus / "01_ky_anh_tcvn3_15_03_2021.xlsx"
    first = ingest.import_file(store, export, dry_run=True)
    alone = ingest.import_file(store, report, dry_run=True)
    assert first.status == alone.status == "checked"
    after_first = ingest.import_file(ingest.Pending(store, [first]), report, dry_run=True)
    assert after_first.status == "refused"
    assert {p.code for p in after_first.errors} == {"falling_cumulative"}
    # The figure it falls against is named as the file above, not yet stored.
    assert (
        "báo cáo ngày 22/3/2021 của tệp «17_ho_so_xuat_ky_anh.csv» phía trên (18)"
        in after_first.errors[0].message
    )
    # What the preview said is what the commit does (then the figure is stored).
    assert ingest.import_file(store, export).status == "imported"
    committed = ingest.import_file(store, report)
    assert committed.status == "refused"
    # The same figures, the one named as the file above, the other as the upload that holds it
    # (with how to undo it).
    assert all("của lần nhập #1 «17_ho_so_xuat_ky_anh.csv»" in p.message for p in committed.errors)

    def figures(message: str) -> str:
        message = re.sub(r"của (tệp «[^»]+» phía trên|lần nhập #\d+ «[^»]+»)", "", message)
        return re.sub(r"\s*\(nếu số đã có là sai[^)]*\)", "", message).rstrip(".")

    assert [figures(p.message) for p in after_first.errors] == [figures(p.message) for p in committed.errors]
    # And a file checked after a refused one is checked against the store alone.
    assert ingest.Pending(store, [committed]).current_observations().equals(store.current_observations())


def test_a_file_with_many_problems_shows_the_first_in_full_and_all_of_them_below():
    # Over 25 problems went into a data grid that cut every message at its column's edge.
    from streamlit.testing.v1 import AppTest

    def page():
        import streamlit as st

        from cccd_analytics import ingest
        from cccd_analytics.ui import widgets

        rows = "".join(f"1{i:02d}/03/2021,Huyện Kỳ Anh,Xã Kỳ Tân,-{i + 1}\n" for i in range(30))
        report = ingest.import_bytes(None, ("Ngày,Huyện,Xã,Lũy kế\n" + rows).encode(), "sai.csv")
        st.session_state["problems"] = len(report.problems)
        widgets.import_report(report)

    at = AppTest.from_function(page, default_timeout=60).run()
    assert not at.exception, at.exception
    problems = at.session_state["problems"]
    assert problems > 25
    (whole,) = [e for e in at.expander if e.label.startswith(f"Tất cả {problems} lỗi")]
    assert f"còn {problems - 25} dòng" in whole.label
    assert len(at.table) == 1 and len(at.table[0].value) == 25
    (grid,) = whole.dataframe
    assert len(grid.value) == problems
    assert whole.get("download_button")[0].label == "Tải danh sách (CSV)"
