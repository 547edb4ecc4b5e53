"""Round 21: per-record exports as units' spreadsheets and vendors' tools write them — an
application listed twice, days typed month first among days typed day first.  Fake
personal data only."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import openpyxl
import pytest

from cccd_analytics import ingest, registry
from cccd_analytics.ingest import records

HEADER = "STT,Số hồ sơ,Họ và tên,Ngày sinh,Số CCCD,Xã/Phường thường trú,Huyện,Ngày thu nhận,Trạng thái\n"
COMMUNES = ("Xã Diễn Kim", "Xã Diễn Hải", "Xã Diễn Lâm")
SECRETS = ("Qưerty", "Zzyzx", "04097", "13/07/1958", "HS21-")


def _rows(n, start=date(2023, 4, 20), days=5, number=None):
    """(STT, Số hồ sơ, name, birth, id, commune, district, day received, status)."""
    out = []
    for i in range(n):
        out.append(
            [
                i + 1,
                number(i) if number else f"HS21-{i:07d}",
                f"Qưerty Zzyzx {i}",
                "13/07/1958",
                f"04097{i:07d}",
                COMMUNES[i % 3],
                "Huyện Diễn Châu",
                f"{start + timedelta(days=i % days):%d/%m/%Y} 08:{i % 60:02d}",
                "Đã tiếp nhận",
            ]
        )
    return out


def _csv(rows) -> bytes:
    return (HEADER + "".join(",".join(map(str, r)) + "\n" for r in rows)).encode()


def _xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.strip().split(","))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _daily(report):
    """{(commune, ISO day): applications received} from the import's observations."""
    reg = registry.load_registry()
    obs = report.observations
    obs = obs[(obs["metric"] == "collected_day") & (obs["value"] > 0)]
    out = {}
    for key, day, value in zip(obs["unit_key"], obs["date"], obs["value"]):
        name = reg.loc[key, "name"] if key in reg.index else key
        day = (day.date() if hasattr(day, "date") else day).isoformat()
        out[(name, day)] = out.get((name, day), 0) + int(value)
    return out


def _expected(rows):
    out = {}
    for row in rows:
        day = row[7].split()[0]
        key = (row[5], f"{day[6:10]}-{day[3:5]}-{day[0:2]}")
        out[key] = out.get(key, 0) + 1
    return out


def _assert_private(report):
    text = " ".join([report.message or ""] + [p.message for p in report.problems])
    text += str(report.record_export) + report.observations.to_csv()
    for secret in SECRETS:
        assert secret not in text


def _problem(report, code):
    found = [p for p in report.problems if p.code == code]
    return found[0] if found else None


# -- an application listed twice ---------------------------------------------------------


@pytest.mark.parametrize("in_order", [True, False])
def test_an_application_listed_twice_is_counted_once(in_order):
    # Before: 75 applications counted for 60, silently (the last 15 rows pasted again).
    rows = _rows(60)
    if not in_order:
        rows = rows[::-1]
    data = _csv(rows + rows[10:25])
    report = ingest.import_bytes(None, data, "xuat.csv", dry_run=True)
    assert report.status == "checked", report.message
    assert _daily(report) == _expected(rows)
    repeated = _problem(report, "record_repeated")
    assert repeated is not None and repeated.severity == "warning"
    assert repeated.row == 62 and repeated.column == "B" and "15 hồ sơ" in repeated.message
    assert report.record_export["record_id_column"] == "B" and "số hồ sơ chỉ dùng để" in report.layout
    _assert_private(report)


def test_an_application_listed_twice_across_chunks_and_sheets_is_counted_once(monkeypatch):
    monkeypatch.setattr(records, "CHUNK_ROWS", 7)  # the duplicates fall in later chunks
    rows = _rows(40)
    report = ingest.import_bytes(None, _xlsx(rows + rows[3:9]), "xuat.xlsx", dry_run=True)
    assert _daily(report) == _expected(rows)
    assert "6 hồ sơ" in _problem(report, "record_repeated").message
    # An export in Excel's Unicode text is read by pandas in chunks too.
    text = _csv(rows + rows[30:33]).decode().replace(",", "\t")
    report = ingest.import_bytes(None, b"\xff\xfe" + text.encode("utf-16-le"), "xuat.txt", dry_run=True)
    assert _daily(report) == _expected(rows)
    assert "3 hồ sơ" in _problem(report, "record_repeated").message


def test_numbers_a_unit_restarts_per_commune_or_left_blank_are_never_taken_for_repeats():
    # "Số hồ sơ" 1, 2, 3 … again for each commune (a unit's own sheet), and blank numbers:
    # the same number at another place (or another day), or no number, is another application.
    per_commune = _rows(60, number=lambda i: str(i // 3 + 1))
    blank = _rows(30, number=lambda i: "" if i % 2 else " ")
    for rows in (per_commune, blank):
        report = ingest.import_bytes(None, _csv(rows), "xuat.csv", dry_run=True)
        assert _daily(report) == _expected(rows)
        assert _problem(report, "record_repeated") is None


@pytest.mark.parametrize("placeholder", ["-", "x", "0", "000", "Chưa cấp"])
def test_a_placeholder_for_the_number_is_no_number(placeholder):
    # 60 rows of "-" in "Số hồ sơ" were counted as 15 applications (one per place and day).
    rows = _rows(60, number=lambda i: placeholder)
    for data, name in ((_csv(rows), "xuat.csv"), (_xlsx(rows), "xuat.xlsx")):
        report = ingest.import_bytes(None, data, name, dry_run=True)
        assert _daily(report) == _expected(rows), placeholder
        assert _problem(report, "record_repeated") is None


def test_a_list_numbered_again_for_each_shift_the_same_day_is_no_repeat():
    # One commune's lists of one day, numbered 1-20 by each of two shifts: 40 applications,
    # not 20.
    rows = _rows(20, days=1)
    rows = [[*row[:1], str(i + 1), *row[2:]] for i, row in enumerate(rows)]
    again = [[*row[:1], str(i + 1), *row[2:]] for i, row in enumerate(_rows(20, days=1))]
    report = ingest.import_bytes(None, _csv(rows + again), "xuat.csv", dry_run=True)
    assert sum(_daily(report).values()) == 40
    assert _problem(report, "record_repeated") is None


@pytest.mark.parametrize("chunk", [3, 7, 13, 1000])
def test_repeats_are_found_wherever_the_chunks_break(monkeypatch, chunk):
    # The same number first at one place and day, then twice at another in later chunks:
    # the second of those is the repeat, however the rows fall into chunks.
    import random

    monkeypatch.setattr(records, "CHUNK_ROWS", chunk)
    rng = random.Random(chunk)
    base = _rows(30, days=3)
    rows = [list(r) for r in base]
    for _ in range(25):
        row = list(rng.choice(base))
        row[5], row[7] = rng.choice(COMMUNES), rng.choice(base)[7]
        rows.append(row)
    rng.shuffle(rows)
    seen, expected = set(), {}
    for row in rows:
        spot = (row[1], row[5], row[7].split()[0])
        if spot in seen:
            continue
        seen.add(spot)
        key = (row[5], "-".join(reversed(row[7].split()[0].split("/"))))
        expected[key] = expected.get(key, 0) + 1
    report = ingest.import_bytes(None, _xlsx(rows), "xuat.xlsx", dry_run=True)
    assert _daily(report) == expected


# -- days typed month first among days typed day first ------------------------------------


def test_days_typed_month_first_among_days_typed_day_first_are_read_swapped():
    # Before: "05/03/2023" (typed for 3 May) counted on 5 March, "05/12/2023" on 5 December,
    # silently, and the export's date became 5/12/2023.
    rows = _rows(60, start=date(2023, 5, 1), days=20)
    for i, row in enumerate(rows):
        if i % 7 == 3:
            day, time = row[7].split()
            row[7] = f"{day[3:5]}/{day[0:2]}/{day[6:]} {time}"
    expected = {}
    for row in _rows(60, start=date(2023, 5, 1), days=20):
        day = row[7].split()[0]
        key = (row[5], f"2023-05-{day[0:2]}")
        expected[key] = expected.get(key, 0) + 1
    report = ingest.import_bytes(None, _csv(rows), "xuat.csv", dry_run=True)
    assert _daily(report) == expected
    assert report.report_date == date(2023, 5, 20)
    warning = _problem(report, "ambiguous_date")
    assert warning is not None and "đảo ngày và tháng" in warning.message and "dòng 5" in warning.message
    assert warning.column == "H"
    _assert_private(report)


def test_days_a_month_first_spreadsheet_turned_into_dates_are_swapped_back():
    # Typed day first into Excel set to month first: "05/04/2023" became 4 May, "20/04/2023"
    # stayed text.  Before: an export of 3-27 April counted into May … December, silently.
    rows = _rows(50, start=date(2023, 4, 3), days=25)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.strip().split(","))
    for row in rows:
        day = date(int(row[7][6:10]), int(row[7][3:5]), int(row[7][0:2]))
        row = list(row)
        row[7] = datetime(day.year, day.day, day.month, 8, 30) if day.day <= 12 else row[7]
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    report = ingest.import_bytes(None, out.getvalue(), "xuat.xlsx", dry_run=True)
    assert _daily(report) == _expected(rows)
    assert report.report_date == date(2023, 4, 27)
    assert "đảo ngày và tháng" in _problem(report, "ambiguous_date").message
    # Date cells alone (a spreadsheet set right) are never swapped.
    plain = [list(r[:7]) + [datetime.strptime(r[7], "%d/%m/%Y %H:%M")] + [r[8]] for r in rows]
    report = ingest.import_bytes(None, _xlsx(plain), "xuat.xlsx", dry_run=True)
    assert _daily(report) == _expected(rows) and _problem(report, "ambiguous_date") is None


def test_a_day_typed_day_first_is_never_swapped_for_being_early_in_its_month():
    # An export of 1 May - 20 June typed day first: no sure day before 13 May, yet "06/05"
    # is 6 May, near the span, not 5 June; a card handed over in August ("05/08/2023")
    # is not 8 May.
    rows = _rows(51, start=date(2023, 5, 1), days=51)
    text = HEADER.strip() + ",Ngày trả thẻ\n"
    text += "".join(
        ",".join(map(str, r)) + (",05/08/2023" if i == 0 else ",") + "\n" for i, r in enumerate(rows)
    )
    report = ingest.import_bytes(None, text.encode(), "xuat.csv", dry_run=True)
    assert _daily(report) == _expected(rows)
    assert (
        _problem(report, "ambiguous_date") is None
        or "đảo ngày và tháng" not in _problem(report, "ambiguous_date").message
    )
    obs = report.observations
    returned = obs[(obs["metric"] == "returned") & (obs["value"] > 0)]
    assert str(min(returned["date"]))[:10] == "2023-08-05"


# -- lines of sums among a unit's records -------------------------------------------------


def _with_sums(communes, per_commune, count_in_date_column=True):
    """A unit's sheet: each commune's records numbered from 1, then "Cộng <commune>" with its
    count in the date column (or none), then "Tổng cộng"."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(
        ["STT", "Số hồ sơ", "Họ và tên", "Ngày sinh", "Số CCCD", "Xã/Phường thường trú", "Ngày thu nhận"]
    )
    expected, n = {}, 0
    for commune in communes:
        for i in range(per_commune):
            day = date(2023, 4, 24) + timedelta(days=i % 4)
            # A surname and a given name that read "Tống", "Công": never a line of sums.
            name = ("Tống Văn Qưerty", "Công Thị Zzyzx")[i % 2]
            sheet.append([i + 1, f"HS21-{n:07d}", name, "13/07/1958", f"04097{n:07d}", commune, day])
            expected[(commune, day.isoformat())] = expected.get((commune, day.isoformat()), 0) + 1
            n += 1
        sheet.append(
            [
                f"Cộng {commune.lower()}:",
                None,
                None,
                None,
                None,
                commune,
                per_commune if count_in_date_column else None,
            ]
        )
    sheet.append([None, "Tổng cộng", None, None, None, None, n])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), expected


def test_lines_of_sums_between_communes_are_not_records():
    # Before: 15 communes' "Cộng …" lines with their count in the date column refused the
    # export ("có thể cột ngày bị nhầm"); with an empty date they were records without a day.
    reg = registry.load_registry()
    communes = reg[reg["parent_key"] == "425"]["name"].tolist()[:15]
    for count_in_date_column in (True, False):
        data, expected = _with_sums(communes, 8, count_in_date_column)
        report = ingest.import_bytes(None, data, "xuat.xlsx", dry_run=True)
        assert report.status == "checked", report.message
        assert _daily(report) == expected
        sums = _problem(report, "record_sum_rows")
        assert sums is not None and sums.severity == "info" and sums.row == 10 and "16 dòng" in sums.message
        assert _problem(report, "bad_date") is None and _problem(report, "record_without_date") is None
        assert report.record_export["rows"] == 120
        _assert_private(report)


# -- the column of the day handed over ------------------------------------------------------


def _with_returns(back_of):
    """30 records; status and "Ngày trả thẻ" from back_of(i) → (status, day handed over)."""
    text = HEADER.strip() + ",Ngày trả thẻ\n"
    for i, row in enumerate(_rows(30)):
        row[8], back = back_of(i)
        text += ",".join(map(str, row)) + f",{back}\n"
    return text.encode()


def test_words_for_not_yet_in_the_day_handed_over_are_no_unreadable_day_received():
    # Before: "Chưa trả" and "-" were "2 hồ sơ có ngày thu nhận không đọc được" (and a dozen
    # such words would have refused the export as having its date column wrong).
    words = ("Chưa trả", "-", "chưa", "Không", "x", "Chưa nhận", "chờ", "...", "N/A", "Đang in", "?", "—")

    def back_of(i):
        return ("Đã trả thẻ", "28/04/2023") if i % 2 else ("Đang sản xuất", words[(i // 2) % len(words)])

    report = ingest.import_bytes(None, _with_returns(back_of), "xuat.csv", dry_run=True)
    assert report.status == "checked", report.message
    assert _problem(report, "bad_date") is None
    obs = report.observations
    returned = obs[obs["metric"] == "returned"].groupby("unit_key")["value"].max()
    assert int(returned.sum()) == 15


def test_a_card_handed_over_by_its_status_with_no_day_or_an_unreadable_one_is_said():
    # Before: cards "Đã trả thẻ" with an empty "Ngày trả thẻ" were left out of the cards
    # returned without a word; "31/04/2023" was called an unreadable day received.
    def back_of(i):
        return ("Đã trả thẻ", ("28/04/2023", "", "31/04/2023")[i % 3])

    report = ingest.import_bytes(None, _with_returns(back_of), "xuat.csv", dry_run=True)
    undated = _problem(report, "record_return_undated")
    assert (
        undated is not None and "10 hồ sơ" in undated.message and undated.row == 3 and undated.column == "J"
    )
    bad = _problem(report, "bad_date")
    assert (
        bad is not None and bad.severity == "warning" and bad.column == "J" and "ngày trả thẻ" in bad.message
    )
    assert _daily(report) == _expected(_rows(30))


# -- the header again atop every page; a vendor tool's English header ---------------------


def test_the_header_repeated_atop_every_page_is_not_records():
    # Before: each repeat was a record with an unreadable day; 15 pages refused the export
    # ("có thể cột ngày bị nhầm").
    rows = _rows(400)
    text = HEADER
    for i, row in enumerate(rows):
        if i and i % 25 == 0:
            text += HEADER
        text += ",".join(map(str, row)) + "\n"
    report = ingest.import_bytes(None, text.encode(), "xuat.csv", dry_run=True)
    assert report.status == "checked", report.message
    assert _daily(report) == _expected(rows)
    again = _problem(report, "record_header_rows")
    assert again is not None and "15 dòng" in again.message and again.row == 27
    assert report.record_export["rows"] == 400
    assert _problem(report, "record_repeated") is None and _problem(report, "bad_date") is None


def test_a_two_row_header_repeated_in_a_workbook_is_not_records():
    book = openpyxl.Workbook()
    sheet = book.active
    top = ["STT", "Số hồ sơ", "Thông tin công dân", None, None, "Nơi thường trú", None, "Ngày thu nhận"]
    under = [None, None, "Họ và tên", "Ngày sinh", "Số CCCD", "Xã/Phường", "Quận/Huyện", None]
    rows = _rows(240)
    sheet.append(top)
    sheet.append(under)
    for i, row in enumerate(rows):
        if i and i % 20 == 0:
            sheet.append(top)
            sheet.append(under)
        sheet.append(row[:5] + [row[5], row[6], row[7]])
    out = io.BytesIO()
    book.save(out)
    report = ingest.import_bytes(None, out.getvalue(), "xuat.xlsx", dry_run=True)
    assert report.status == "checked", report.message
    assert _daily(report) == _expected(rows)
    assert "22 dòng" in _problem(report, "record_header_rows").message
    assert _problem(report, "record_without_date") is None


def test_a_vendor_tools_english_header_is_an_export():
    # Before: refused, "không tìm thấy bảng số liệu".
    header = "#,Application no.,Citizen name,DOB,Commune/Ward,District,Date received,Application status\n"
    rows = _rows(30)
    text = header + "".join(
        ",".join(map(str, [*r[:4], r[5], r[6], r[7], ("Received", "Rejected")[i % 3 == 0]])) + "\n"
        for i, r in enumerate(rows)
    )
    report = ingest.import_bytes(None, text.encode(), "export.csv", dry_run=True)
    assert report.status == "checked", report.message
    assert _daily(report) == _expected([r for i, r in enumerate(rows) if i % 3])
    assert "10 hồ sơ" in _problem(report, "record_void").message


def test_a_systems_iso_days_beside_a_few_typed_ones_are_never_swapped():
    # ISO days of 1-12 May (day never over 12) beside rows typed "13/05/2023", "14/05/2023":
    # as they stand.
    rows = _rows(28, start=date(2023, 5, 1), days=14)
    for row in rows:
        day = row[7].split()[0]
        if int(day[0:2]) <= 12:
            row[7] = f"{day[6:10]}-{day[3:5]}-{day[0:2]}T08:00:00"
    report = ingest.import_bytes(None, _csv(rows), "xuat.csv", dry_run=True)
    assert sum(_daily(report).values()) == 28
    assert min(day for _, day in _daily(report)) == "2023-05-01"
    assert max(day for _, day in _daily(report)) == "2023-05-14"


def test_a_record_whose_day_is_a_serial_number_is_never_a_line_of_sums():
    from cccd_analytics.ingest.records import _sum_row

    assert not _sum_row(["Tổng Thị Lan", "HS21-0000001", 45040.0], 2)
    assert _sum_row(["Cộng xã Diễn Kim", "", 18], 2)


def test_a_list_of_communes_and_days_without_any_record_column_is_refused_saying_what_is_missing():
    """Commune and received day alone may be a mobile team's schedule, not applications: the
    refusal said an export needs only those two columns, which the file had."""
    data = (
        "Ngày thu nhận;STT;Xã/Phường thường trú;Ngày trả thẻ\n"
        + "".join(f"{d:02d}/05/2023;{i};Xã Mỹ Lý;\n" for i, d in enumerate(range(1, 20), start=1))
    ).encode()
    report = ingest.import_bytes(None, data, "lich.csv")
    assert report.status == "refused"
    (error,) = report.errors
    assert error.code == "no_table" and "«Số hồ sơ»" in error.message and "tổ lưu động" in error.message
