"""Import of canonical files: headers in Vietnamese or English, bad input refused whole."""

from datetime import date

import openpyxl
import pytest

from cccd_analytics import ingest
from tests.conftest import write

EN = "date,province,district,commune,commune_code,eligible,collected,collected_day,returned\n"
VI = "Ngày,Tỉnh,Huyện,Xã,Mã xã,Số công dân đủ điều kiện,Lũy kế thu nhận,Thu nhận trong ngày,Lũy kế trả thẻ\n"


def test_english_and_vietnamese_headers_read_the_same(store, tmp_path):
    en = ingest.import_file(None, write(tmp_path / "en.csv",
                                        EN + "2021-03-15,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,18775,4489,321,12,0\n"))
    vi = ingest.import_file(store, write(tmp_path / "vi.csv",
                                         VI + "15/03/2021,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,18775,4489,321,12,0\n"))
    assert en.status == "checked" and vi.status == "imported"
    obs = store.current_observations().set_index("metric")["value"]
    assert obs["collected"] == 321 and obs["eligible"] == 4489 and obs["collected_day"] == 12


def test_numbers_typed_as_text_with_thousands_dots(store, tmp_path):
    path = write(tmp_path / "a.csv", "Ngày;Huyện;Xã;Số CD đủ ĐK;Lũy kế\n"
                 '15/3/2021;Huyện Kỳ Anh;Xã Kỳ Khang;"9.360";"5.432"\n')
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
    assert report.units_read == 2                      # the total row is not a unit
    assert not report.warnings


def refused(report, code):
    assert report.status == "refused", report.message
    return [p for p in report.errors if p.code == code]


def test_file_with_no_table_is_refused_in_vietnamese(store, tmp_path):
    report = ingest.import_file(store, write(tmp_path / "ghi_chu.csv", "Kính gửi Ban chỉ đạo\nxin báo cáo\n"))
    (problem,) = refused(report, "no_table")
    assert "không tìm thấy bảng" in report.message and "ghi_chu.csv" in report.message


def test_negative_number_names_file_row_and_column(store, tmp_path):
    report = ingest.import_file(store, write(tmp_path / "am.csv", EN
        + "2021-03-15,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,,4489,321,,0\n"
        + "2021-03-15,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Tân,,6459,-7,,0\n"))
    (problem,) = refused(report, "negative")
    assert (problem.row, problem.column) == (3, "G")
    assert problem.describe("am.csv") == "Tệp «am.csv», dòng 3, cột G («collected»): số âm (-7)."


def test_cumulative_lower_than_previous_report_in_the_file_is_refused(store, tmp_path):
    report = ingest.import_file(store, write(tmp_path / "giam.csv", EN
        + "2021-03-14,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,,4489,321,,0\n"
        + "2021-03-15,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,,4489,300,,0\n"))
    (problem,) = refused(report, "falling_cumulative")
    assert problem.row == 3 and "thấp hơn 321" in problem.message


def test_cumulative_lower_than_a_stored_report_is_refused(store, tmp_path):
    ingest.import_file(store, write(tmp_path / "a.csv", EN
        + "2021-03-14,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,,4489,321,,0\n"))
    report = ingest.import_file(store, write(tmp_path / "b.csv", EN
        + "2021-03-15,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,,4489,320,,0\n"))
    (problem,) = refused(report, "falling_cumulative")
    assert "đã có trong cơ sở dữ liệu" in problem.message


def test_two_values_for_one_unit_and_date_are_refused(store, tmp_path):
    report = ingest.import_file(store, write(tmp_path / "trung.csv", EN
        + "2021-03-15,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,,4489,321,,0\n"
        + "2021-03-15,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,X. Kỳ Đồng,,4489,325,,0\n"))
    (problem,) = refused(report, "conflicting_values")
    assert "321" in problem.message and "325" in problem.message and problem.row == 3


def test_same_commune_name_in_two_districts_is_told_apart(store, tmp_path):
    report = ingest.import_file(store, write(tmp_path / "a.csv", EN
        + "2023-05-01,Tỉnh Nghệ An,Huyện Nghĩa Đàn,Xã Nghĩa Bình,,3000,100,,0\n"
        + "2023-05-01,Tỉnh Nghệ An,Huyện Tân Kỳ,Xã Nghĩa Bình,,4000,200,,0\n"))
    assert report.status == "imported" and report.units_read == 2
    keys = set(store.current_observations()["unit_key"])
    assert keys == {"16960", "17281"}


def test_unknown_unit_is_accepted_flagged_and_suggested(store, tmp_path):
    report = ingest.import_file(store, write(tmp_path / "a.csv", EN
        + "2021-03-15,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Mới,,4489,321,,0\n"))
    assert report.status == "imported"
    (warning,) = [p for p in report.warnings if p.code == "unknown_unit"]
    assert "Huyện Kỳ Anh" in warning.message
    units = store.units()
    assert not units.loc[units["name"] == "Xã Kỳ Mới", "official"].item()


def test_two_level_units_after_the_reform(store, tmp_path):
    report = ingest.import_file(store, write(tmp_path / "a.csv", EN
        + "2025-08-01,Tỉnh Hà Tĩnh,,Xã Kỳ Xuân,,15000,9000,,0\n"))
    assert report.status == "imported" and not report.warnings
    assert set(store.current_observations()["unit_key"]) == {"2025:18766"}


@pytest.mark.parametrize("data,fragment", [
    (b"", "rỗng"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "ảnh PNG"),
    (b"PK\x03\x04" + b"\x00" * 50, "hỏng"),
])
def test_files_that_are_not_tables_are_refused(store, data, fragment):
    report = ingest.import_bytes(store, data, "bao_cao.xlsx")
    assert report.status == "refused" and fragment in report.message


def test_dry_run_writes_nothing(store, tmp_path):
    report = ingest.import_file(store, write(tmp_path / "a.csv", EN
        + "2021-03-15,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,,4489,321,,0\n"), dry_run=True)
    assert report.status == "checked"
    assert store.current_observations().empty and store.list_uploads().empty


def test_name_without_diacritics_matches_with_a_warning(store, tmp_path):
    report = ingest.import_file(store, write(tmp_path / "a.csv", EN
        + "2021-03-15,Ha Tinh,Huyen Ky Anh,Xa Ky Dong,,4489,321,,0\n"))
    assert report.status == "imported"
    assert set(store.current_observations()["unit_key"]) == {"18775"}
    assert [p.code for p in report.warnings] == ["name_variant"]


def test_names_differing_only_by_tone_marks_stay_apart(store, tmp_path):
    # Huyện Quỳ Châu has both Xã Châu Bính and Xã Châu Bình.
    report = ingest.import_file(store, write(tmp_path / "a.csv", EN
        + "2023-05-01,Tỉnh Nghệ An,Huyện Quỳ Châu,Xã Châu Bính,,3000,100,,0\n"
        + "2023-05-01,Tỉnh Nghệ An,Huyện Quỳ Châu,Xã Châu Bình,,4000,200,,0\n"))
    assert report.status == "imported" and not report.warnings
    assert set(store.current_observations()["unit_key"]) == {"16780", "16804"}
