"""Numbers and dates as people type them; what can be read two ways is a warning."""

from datetime import date, datetime

import pytest

from cccd_analytics.ingest import normalise


@pytest.mark.parametrize(
    "raw,value",
    [
        ("5.432", 5432),
        ("5,432", 5432),
        ("5 432", 5432),
        ("5\u00a0432", 5432),
        ("1.234.567", 1234567),
        ("1,234,567", 1234567),
        ("1 234 567", 1234567),
        ("5432", 5432),
        (" 5432 ", 5432),
        (5432, 5432),
        (5432.0, 5432),
        (4843.000000001, 4843),
        ("5432,0", 5432),
        ("5.432,00", 5432),
        ("5432.0", 5432),
        ("0", 0),
        ("-7", -7),
        ("\u22127", -7),
    ],
)
def test_counts_as_people_type_them(raw, value):
    parsed = normalise.parse_count(raw)
    assert parsed.value == value and parsed.error is None and parsed.warning is None


@pytest.mark.parametrize("raw", [None, "", " ", "-", "—", "x", "N/A", float("nan")])
def test_blank_counts_are_not_reported_not_zero(raw):
    assert normalise.parse_count(raw).value is None and not normalise.parse_count(raw).error


@pytest.mark.parametrize(
    "raw,fragment",
    [
        ("1,5", "không phải số nguyên"),
        (12.5, "không phải số nguyên"),
        ("95,3%", "tỷ lệ"),
        ("abc", "không đọc được số"),
        (True, "không phải số"),
    ],
)
def test_what_is_not_a_count_is_an_error_in_vietnamese(raw, fragment):
    assert fragment in normalise.parse_count(raw).error


def test_a_fraction_in_a_count_cell_says_what_it_likely_is():
    # "8.224" typed where Excel reads the dot as a decimal point; "1.500" arrives as 1.5.
    error = normalise.parse_count(8.224).error
    assert error.startswith("không phải số nguyên: 8,224 (nếu là 8.224 thì Excel đã đọc dấu chấm ngăn cách")
    assert "nếu là 1.500 " in normalise.parse_count(1.5).error
    # A formula's result shown rounded ("6.218" for 6218.16).
    error = normalise.parse_count(6218.16).error
    assert error.startswith("không phải số nguyên: 6218,16") and "do công thức" in error
    assert "Excel đã đọc" not in normalise.parse_count(0.0005).error


@pytest.mark.parametrize(
    "raw,value,warned",
    [
        ("95,3", 95.3, False),
        ("95.3", 95.3, False),
        ("95,3%", 95.3, False),
        ("1.234,5", 1234.5, False),
        ("1,234.5", 1234.5, False),
        ("1.234", 1234.0, True),
        ("1,234", 1234.0, True),
        (7, 7.0, False),
    ],
)
def test_decimals_read_two_ways_carry_a_warning(raw, value, warned):
    parsed = normalise.parse_decimal(raw)
    assert parsed.value == pytest.approx(value)
    assert bool(parsed.warning) == warned
    if warned:
        assert "có thể là" in parsed.warning


@pytest.mark.parametrize(
    "raw,value",
    [
        ("15/3/2021", date(2021, 3, 15)),
        ("15/03/2021", date(2021, 3, 15)),
        ("15-03-21", date(2021, 3, 15)),
        ("15.03.2021", date(2021, 3, 15)),
        ("2021-03-15", date(2021, 3, 15)),
        ("2021/03/15", date(2021, 3, 15)),
        ("2021-03-15T08:30:00", date(2021, 3, 15)),
        ("15/03/2021 08:12:33", date(2021, 3, 15)),
        ("ngày 15 tháng 3 năm 2021", date(2021, 3, 15)),
        ("Ngay 15 thang 3 nam 2021", date(2021, 3, 15)),
        (44270, date(2021, 3, 15)),
        (44270.75, date(2021, 3, 15)),
        ("44270", date(2021, 3, 15)),
        (datetime(2021, 3, 15, 17, 0), date(2021, 3, 15)),
        (date(2021, 3, 15), date(2021, 3, 15)),
    ],
)
def test_dates_as_people_type_them(raw, value):
    parsed = normalise.parse_date(raw)
    assert parsed.value == value and not parsed.error and not parsed.warning


@pytest.mark.parametrize(
    "raw,fragment",
    [
        ("31/02/2021", "không hợp lệ"),
        ("15/3", "thiếu năm"),
        ("hôm qua", "không đọc được ngày"),
        (12, "không phải ngày"),
    ],
)
def test_bad_dates_are_errors(raw, fragment):
    assert fragment in normalise.parse_date(raw).error


def test_a_date_only_valid_month_first_is_read_so_with_a_warning():
    parsed = normalise.parse_date("03/15/2021")
    assert parsed.value == date(2021, 3, 15) and "tháng trước ngày" in parsed.warning


def test_a_column_written_month_first_is_read_month_first_with_warnings():
    column = ["03/15/2021", "03/16/2021", "04/01/2021"]
    assert normalise.date_order(column) == "mdy"
    parsed = normalise.parse_date("04/01/2021", order="mdy")
    assert (
        parsed.value == date(2021, 4, 1) and "01/04/2021" in parsed.warning and "04/01/2021" in parsed.warning
    )


def test_a_column_where_every_date_reads_two_ways_gets_one_warning():
    message, example = normalise.date_order_warning(["03/04/2021", "05/04/2021"])
    assert example == "03/04/2021" and "03/04/2021" in message and "04/03/2021" in message
    assert normalise.date_order_warning(["13/04/2021", "05/04/2021"]) is None  # 13 settles it
    assert normalise.date_order_warning(["05/05/2021"]) is None  # same either way
    assert "cả ngày" in normalise.date_order_warning(["13/04/2021", "04/13/2021"])[0]


@pytest.mark.parametrize(
    "line,value",
    [
        ("Số liệu tính đến 17 giờ 00 ngày 15/03/2021", date(2021, 3, 15)),
        ("(Tính đến 17h00 ngày 10/05/2023)", date(2023, 5, 10)),
        ("Kỳ Anh, ngày 16 tháng 3 năm 2021", date(2021, 3, 16)),
        ("Từ ngày 17/02/2021 đến ngày 15/03/2021", date(2021, 3, 15)),
        ("SO LIEU TINH DEN NGAY 15/3/2021", date(2021, 3, 15)),
        ("BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ", None),
        # When the figures began, not their day: the day is said elsewhere.
        ("(Số liệu tính từ ngày 15/02/2021 đến nay)", None),
        ("Từ ngày 15/2/2021 đến hiện nay", None),
        ("Số liệu tính đến nay (15/3/2021)", date(2021, 3, 15)),
    ],
)
def test_report_date_lines(line, value):
    assert normalise.find_report_date(line) == value


@pytest.mark.parametrize(
    "name,value",
    [
        ("bao_cao_15_03_2021.xlsx", date(2021, 3, 15)),
        ("BC 15-3-21.xls", date(2021, 3, 15)),
        ("2021-03-15.csv", date(2021, 3, 15)),
        ("BC_20210315.xlsx", date(2021, 3, 15)),
        ("bao_cao_ky_anh.xlsx", None),
        ("01_ky_anh.xlsx", None),
    ],
)
def test_dates_in_file_names(name, value):
    assert normalise.date_from_file_name(name) == value


def test_text_is_nfc_and_whole_numbers_lose_their_point():
    decomposed = "Xa\u0303 Ky\u0300 \u0110o\u0302\u0300ng"
    assert normalise.text(decomposed) == "Xã Kỳ Đồng"
    assert normalise.text(12.0) == "12" and normalise.text(None) == ""


@pytest.mark.parametrize("raw", ["999999999999", "001234567890123", 1e12, 250_000_000, "9" * 5000])
def test_a_count_larger_than_the_countrys_population_is_an_error(raw):
    # A code pasted into a figure's column (a 12-digit ID number, a phone number).
    parsed = normalise.parse_count(raw)
    assert parsed.error and parsed.error.startswith("số quá lớn")


def test_a_count_as_large_as_a_nation_is_still_a_count():
    assert normalise.parse_count("100.300.000") == normalise.Parsed(100_300_000)
    assert normalise.parse_count(87000.0) == normalise.Parsed(87000)


def test_a_large_negative_count_and_a_line_of_dates_are_not_said_to_be_too_large():
    # A negative figure is refused as negative (its own message); a note of several dates is
    # no number, not "a code of 32 digits".
    assert normalise.parse_count("-200000000") == normalise.Parsed(-200_000_000)
    note = normalise.parse_count("ngày 15/3/2021, 16/3/2021, 17/3/2021, 18/3/2021 và 19/3/2021")
    assert note.error and not note.error.startswith("số quá lớn")


def test_an_impossible_day_in_a_year_dates_cannot_hold_is_still_said_so():
    assert normalise.impossible_day_label("32/12/9999") == ("32/12", 31)
    assert normalise.impossible_day_label("29/2/2023") == ("29/2", 28)


def test_a_gain_larger_than_its_total_is_no_running_total_with_its_gain():
    assert normalise.parse_count("1.260 (+31)") == normalise.Parsed(1260)
    assert normalise.parse_count("12 (+1.240)").error
