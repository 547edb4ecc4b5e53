"""Round 25: per-record exports as other issuing systems and offices write them — birth
dates with a two-digit year or kept as Excel's serial numbers, application numbers pasted
with a space, days received written after their weekday.  Fake personal data only."""

from __future__ import annotations

import io
from datetime import date, timedelta

import openpyxl

from cccd_analytics import dimensions, ingest, registry
from cccd_analytics.ingest import normalise, statuses

HEADER = [
    "STT",
    "Số hồ sơ",
    "Họ và tên",
    "Ngày sinh",
    "Số CCCD",
    "Xã/Phường thường trú",
    "Huyện",
    "Ngày thu nhận",
]
COMMUNES = ("Xã Diễn Kim", "Xã Diễn Hải", "Xã Diễn Lâm")
SECRETS = ("Qưerty", "Zzyzx", "04097", "HS25-")
EPOCH = date(1899, 12, 30)


def _people(n, start=date(2023, 4, 17), days=5):
    """(number, name, birth date, id number, commune, day received) of fake applicants: births
    from 1930 to 2009, so that elders and pupils of 14-17 are among them."""
    return [
        (
            f"HS25-{i:07d}",
            f"Qưerty Zzyzx {i}",
            date(1930 + (i * 7) % 80, 1 + i % 12, 1 + i % 28),
            f"04097{i:07d}",
            COMMUNES[i % 3],
            start + timedelta(days=i % days),
        )
        for i in range(n)
    ]


def _rows(people, birth=lambda b: f"{b:%d/%m/%Y}", day=lambda d: f"{d:%d/%m/%Y}"):
    return [
        [i + 1, number, name, birth(born), idn, commune, "Huyện Diễn Châu", day(received)]
        for i, (number, name, born, idn, commune, received) in enumerate(people)
    ]


def _csv(rows, header=HEADER) -> bytes:
    def cell(value) -> str:
        text = str(value)
        return f'"{text}"' if "," in text else text

    return ("\n".join(",".join(map(cell, r)) for r in [header, *rows]) + "\n").encode()


def _xlsx(rows, header=HEADER) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
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


def _expected(people):
    out = {}
    for *_, commune, received in people:
        out[(commune, received.isoformat())] = out.get((commune, received.isoformat()), 0) + 1
    return out


def _groups(report):
    """{priority group: applications} over the export's units, at its last day."""
    parts = report.parts
    if parts is None:
        return {}
    parts = parts[parts["dimension"] == "group"]
    last = parts.sort_values("date").groupby(["unit_key", "value"])["count"].last()
    out: dict[str, int] = {}
    for (_, value), n in last.items():
        if n:
            out[value] = out.get(value, 0) + int(n)
    return out


def _expected_groups(people):
    out = {}
    for _, _, born, _, _, received in people:
        group = dimensions.group_of_age(received.year - born.year, received.month)
        if group:
            out[group] = out.get(group, 0) + 1
    return out


def _problem(report, code):
    found = [p for p in report.problems if p.code == code]
    return found[0] if found else None


def _assert_private(report):
    text = " ".join([report.message or "", report.layout or ""] + [p.message for p in report.problems])
    text += str(report.record_export)
    for frame in (report.observations, report.parts):
        text += frame.to_csv() if frame is not None else ""
    for secret in SECRETS:
        assert secret not in text


# -- birth dates ------------------------------------------------------------------------


def test_a_birth_date_with_a_two_digit_year_still_puts_the_application_in_its_group():
    # Before: "13/07/58" gave no birth year, and the export's elders and pupils were in no
    # priority group at all, without a word.
    people = _people(90)
    rows = _rows(people, birth=lambda b: f"{b:%d/%m/%y}")
    for data, name in ((_csv(rows), "xuat.csv"), (_xlsx(rows), "xuat.xlsx")):
        report = ingest.import_bytes(None, data, name, dry_run=True)
        assert report.status == "checked", report.message
        assert _daily(report) == _expected(people)
        assert _groups(report) == _expected_groups(people), name
        _assert_private(report)


def test_a_birth_date_kept_as_an_excel_serial_number_is_read_as_that_day():
    # Before: a birth cell a program wrote as a number (21900 for 16/12/1959) had a year
    # found inside its digits ("1900": an elder of 123), or none: 10 elders for 52.
    people = _people(90)
    rows = _rows(people, birth=lambda b: (b - EPOCH).days)
    report = ingest.import_bytes(None, _xlsx(rows), "xuat.xlsx", dry_run=True)
    assert _daily(report) == _expected(people)
    assert _groups(report) == _expected_groups(people)
    rows = _rows(people, birth=lambda b: f"{(b - EPOCH).days}")
    report = ingest.import_bytes(None, _csv(rows), "xuat.csv", dry_run=True)
    assert _groups(report) == _expected_groups(people)
    _assert_private(report)


def test_a_number_with_a_year_inside_its_digits_is_no_birth_year():
    # "0219590" (a code, not a day) held "1959" among its digits: read as a birth year.
    people = _people(30)
    rows = _rows(people, birth=lambda b: f"0{b.year}0")
    report = ingest.import_bytes(None, _csv(rows), "xuat.csv", dry_run=True)
    assert _daily(report) == _expected(people)
    assert _groups(report) == {}


def test_a_two_digit_birth_year_takes_its_century_from_the_two_digit_day_received():
    # "24" born and "20/04/23" received: 1924, an elder (the day's own year, not this one's).
    people = [(n, name, born.replace(year=1924), idn, c, d) for n, name, born, idn, c, d in _people(12)]
    rows = _rows(people, birth=lambda b: f"{b:%d/%m/%y}", day=lambda d: f"{d:%d/%m/%y}")
    report = ingest.import_bytes(None, _csv(rows), "xuat.csv", dry_run=True)
    assert _daily(report) == _expected(people)
    assert _groups(report) == {"Người cao tuổi": 12}


_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def test_a_two_digit_birth_year_takes_its_century_from_a_day_received_in_words_or_a_month_name():
    # Before: with the day received "ngày 17 tháng 4 năm 2023" or "17-Apr-23", "25" took the
    # century of the machine's date: 2025, no elder (4 elders for 8 in the reviewer's file),
    # and the groups changed with the day the import ran.
    people = [
        (n, name, born.replace(year=1925) if i % 2 else born, idn, c, d)
        for i, (n, name, born, idn, c, d) in enumerate(_people(40))
    ]
    short = lambda b: f"{b:%d/%m/%y}"  # noqa: E731
    for form in (
        lambda d: f"ngày {d.day} tháng {d.month} năm {d.year}",
        lambda d: f"{d.day:02d}-{_MONTHS[d.month - 1]}-{d:%y}",
    ):
        report = ingest.import_bytes(
            None, _csv(_rows(people, birth=short, day=form)), "xuat.csv", dry_run=True
        )
        assert report.status == "checked", report.message
        assert _daily(report) == _expected(people)
        assert _groups(report) == _expected_groups(people)
        assert _problem(report, "record_birth_century") is None
    # A day received that reads as no day gives no century: its records' two-digit birth
    # years are placed in no group, and said at the birth date's column.
    rows = _rows(people, birth=short) + [
        [41, "HS25-9999998", "Qưerty", "15/05/25", "1", COMMUNES[0], "", "chưa rõ"]
    ]
    report = ingest.import_bytes(None, _csv(rows), "xuat.csv", dry_run=True)
    assert _groups(report) == _expected_groups(people)
    said = _problem(report, "record_birth_century")
    assert said is not None and "1 hồ sơ" in said.message and said.column == "D" and said.row == 42
    _assert_private(report)


# -- an application listed twice ---------------------------------------------------------


def test_an_application_pasted_again_with_a_space_or_a_quote_around_its_number_is_counted_once():
    # Before: 20 rows pasted again from another program, " HS25-…" or "'HS25-…", counted
    # twice: 320 applications for 300, silently.
    people = _people(300)
    again = [(f" {p[0]}" if i % 2 else f"'{p[0]} ", *p[1:]) for i, p in enumerate(people[40:60])]
    rows = _rows(people + again)
    for data, name in ((_csv(rows), "xuat.csv"), (_xlsx(rows), "xuat.xlsx")):
        report = ingest.import_bytes(None, data, name, dry_run=True)
        assert _daily(report) == _expected(people), name
        assert "20 hồ sơ" in _problem(report, "record_repeated").message
        _assert_private(report)


# -- days received -----------------------------------------------------------------------

_WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


def test_a_day_received_written_after_its_weekday_is_read():
    # Before: every day refused the export ("300 hồ sơ có ngày thu nhận không đọc được — có
    # thể cột ngày bị nhầm").
    people = _people(60, days=7)
    forms = (
        lambda d: f"{_WEEKDAYS[d.weekday()]}, {d:%d/%m/%Y}",
        lambda d: f"T{d.weekday() + 2} {d:%d/%m/%Y} 08:15" if d.weekday() < 6 else f"CN - {d:%d/%m/%Y}",
        lambda d: f"{_WEEKDAYS[d.weekday()].upper()} ngày {d:%d/%m/%Y}",
        lambda d: f"Ngày {d:%d/%m/%Y}",
        # Written out, as before; and with its weekday.
        lambda d: f"ngày {d.day} tháng {d.month} năm {d.year}",
        lambda d: f"{_WEEKDAYS[d.weekday()]}, ngày {d.day} tháng {d.month} năm {d.year}",
    )
    for form in forms:
        rows = _rows(people, day=form)
        for data, name in ((_csv(rows), "xuat.csv"), (_xlsx(rows), "xuat.xlsx")):
            report = ingest.import_bytes(None, data, name, dry_run=True)
            assert report.status == "checked", (form(date(2023, 4, 17)), report.message)
            assert _daily(report) == _expected(people)
            assert _problem(report, "bad_date") is None


def test_a_day_received_written_out_is_read_once_per_distinct_text(monkeypatch):
    # Before: each row of a sheet whose days are written out ("ngày 17 tháng 4 năm 2023")
    # had its day parsed again to tell it from a line of sums or of signing (~5 µs a row:
    # seconds for a 1M-row list), where the list holds 5 days.
    calls = []
    parse = normalise.parse_date
    monkeypatch.setattr(
        normalise, "parse_date", lambda value, *a, **k: calls.append(value) or parse(value, *a, **k)
    )
    people = _people(600)
    rows = _rows(people, day=lambda d: f"ngày {d.day} tháng {d.month} năm {d.year}")
    report = ingest.import_bytes(None, _xlsx(rows), "xuat.xlsx", dry_run=True)
    assert _daily(report) == _expected(people)
    assert len(calls) < 60, len(calls)


# -- statuses -----------------------------------------------------------------------------


def _with_status(people, status):
    header = [*HEADER, "Trạng thái"]
    return header, [[*row, status(i)] for i, row in enumerate(_rows(people))]


def test_a_dossier_given_back_is_no_card_handed_over():
    # Before: "Trả lại hồ sơ", "Đã trả lại hồ sơ", "Đã trả hồ sơ" said "đã trả" and were
    # counted as cards returned (24 of 200 rows, silently); "Không duyệt" was an
    # application taken in.
    people = _people(80)
    words = ("Trả lại hồ sơ", "Đã trả lại hồ sơ", "Không duyệt", "Đã trả hồ sơ", "Đã tiếp nhận")
    header, rows = _with_status(people, lambda i: words[i % 5])
    report = ingest.import_bytes(None, _xlsx(rows, header), "xuat.xlsx", dry_run=True)
    kept = [p for i, p in enumerate(people) if i % 5 > 2]
    assert _daily(report) == _expected(kept)
    obs = report.observations
    assert obs[obs["metric"] == "returned"]["value"].sum() == 0
    void = _problem(report, "record_void")
    assert void is not None and "48 hồ sơ" in void.message
    assert report.record_export["statuses_returned"] == {}


def test_a_card_handed_over_with_a_word_on_the_old_card_or_the_papers_is_a_card_returned():
    # Before: any "trả lại", "trả hồ sơ", "hoàn trả" in a status made it a dossier sent back:
    # of these 70 cards handed over 10 were counted, "Đã trả thẻ, trả lại hồ sơ gốc" was left
    # out as refused, silently.  The card handed over wins over a word on the old card or
    # the original papers.
    people = _people(70)
    handed = (
        "Đã trả thẻ",
        "Đã trả thẻ, trả lại hồ sơ gốc",
        "Đã trả thẻ cấp đổi, trả lại thẻ cũ",
        "Đã trả lại CCCD",
        "Đã trả thẻ (hoàn trả CMND cũ)",
        "Đã trả hồ sơ và thẻ",
        "Đã hoàn trả kết quả",
    )
    header, rows = _with_status(people, lambda i: handed[i % 7])
    for data, name in ((_csv(rows, header), "xuat.csv"), (_xlsx(rows, header), "xuat.xlsx")):
        report = ingest.import_bytes(None, data, name, dry_run=True)
        assert _daily(report) == _expected(people), name
        obs = report.observations
        assert obs[obs["metric"] == "returned"]["value"].sum() == 70, name
        assert _problem(report, "record_void") is None, name
        assert set(report.record_export["statuses_returned"]) == set(handed), name
    # A dossier given back as the status's main statement is still no card handed over.
    for status in ("Trả lại hồ sơ", "Đã trả lại hồ sơ", "Trả hồ sơ (không đủ điều kiện)", "Không duyệt"):
        assert not statuses.is_handed_over(status) and statuses.is_void(status), status
    for status in ("Đã trả hồ sơ", "Hoàn thành, đã trả hồ sơ", "Trả lại hồ sơ do không thể xác minh"):
        assert not statuses.is_handed_over(status), status


# -- headers ------------------------------------------------------------------------------


def test_an_offices_own_words_for_the_commune_and_the_day_received_are_an_export():
    # Before: «Địa bàn», «Đơn vị hành chính» (the commune) and «Thời điểm thu nhận» (the day
    # received) refused the export as having no table.
    people = _people(30)
    for commune, received in (
        ("Địa bàn", "Ngày thu nhận"),
        ("Đơn vị hành chính", "Ngày thu nhận"),
        ("Xã/Phường thường trú", "Thời điểm thu nhận"),
        ("Xã/Phường thường trú", "Thời điểm tiếp nhận"),
    ):
        header = [*HEADER[:5], commune, "Huyện", received]
        report = ingest.import_bytes(None, _xlsx(_rows(people), header), "xuat.xlsx", dry_run=True)
        assert report.status == "checked", (commune, received, report.message)
        assert _daily(report) == _expected(people)


# -- lines of sums ------------------------------------------------------------------------


def test_a_csv_exports_line_of_sums_with_its_day_is_no_application():
    # Before: "Tổng cộng" in the commune column with the export's day in the date column
    # was one application of a unit «Tổng cộng» (and "Cộng xã …" lines one more per commune).
    people = _people(60)
    rows = _rows(people)
    sums = [["", "", "", "", "", f"Cộng {c.lower()}", "", "21/04/2023"] for c in COMMUNES]
    total = ["", "", "", "", "", "TỔNG CỘNG", "", "21/04/2023"]
    report = ingest.import_bytes(None, _csv(rows + sums + [total]), "xuat.csv", dry_run=True)
    assert _daily(report) == _expected(people)
    assert _problem(report, "unknown_unit") is None
    sum_rows = _problem(report, "record_sum_rows")
    assert sum_rows is not None and sum_rows.row == 62 and sum_rows.message.startswith("4 dòng cộng")


# -- a signature block --------------------------------------------------------------------


def test_a_lists_signature_block_is_no_records_without_a_day():
    # Before: "Diễn Châu, ngày 22 tháng 4 năm 2023", "TRƯỞNG CÔNG AN HUYỆN" and the signer's
    # name under the list, in the commune column, were "3 hồ sơ không ghi ngày thu nhận".
    people = _people(40)
    rows = _rows(people)
    rows += [
        [],
        ["", "", "", "", "", "Diễn Châu, ngày 22 tháng 4 năm 2023"],
        ["", "NGƯỜI LẬP BIỂU", "", "", "", "TRƯỞNG CÔNG AN HUYỆN"],
        ["", "(Ký, ghi rõ họ tên)"],
        [],
        ["", "Qưerty Lập", "", "", "", "Zzyzx Trưởng"],
    ]
    report = ingest.import_bytes(None, _xlsx(rows), "xuat.xlsx", dry_run=True)
    assert _daily(report) == _expected(people)
    assert _problem(report, "record_without_date") is None
    signed = _problem(report, "record_signature_rows")
    assert signed is not None and signed.row == 43 and signed.severity == "info"
    _assert_private(report)


def test_a_record_without_a_day_after_the_signature_words_of_another_row_is_still_said():
    # Only rows with no day received below the signature words are left out: a record with
    # its day after them is counted, and one without a day after that is warned about.
    people = _people(10)
    rows = _rows(people[:5]) + [["", "", "", "", "", "Người lập biểu"]] + _rows(people[5:])
    rows.append(
        [11, "HS25-0000099", "Qưerty", "01/01/1980", "040970000099", "Xã Diễn Kim", "Huyện Diễn Châu", ""]
    )
    report = ingest.import_bytes(None, _xlsx(rows), "xuat.xlsx", dry_run=True)
    assert _daily(report) == _expected(people)
    assert _problem(report, "record_without_date").row == 13


# -- a list without its day received ---------------------------------------------------------


def test_a_list_of_applications_dated_only_by_its_sheet_is_refused_saying_the_day_column_is_missing():
    # Before: refused as having no table, asking for a commune and a count column.  A sheet
    # per day whose day is only in its name or title is not guessed from them.
    book = openpyxl.Workbook()
    book.remove(book.active)
    for day in (17, 18):
        sheet = book.create_sheet(f"{day}-04")
        sheet.append([f"DANH SÁCH THU NHẬN HỒ SƠ NGÀY {day}/04/2023"])
        sheet.append(HEADER[:7])
        for row in _rows(_people(10)):
            sheet.append(row[:7])
    out = io.BytesIO()
    book.save(out)
    report = ingest.import_bytes(None, out.getvalue(), "xuat.xlsx", dry_run=True)
    assert report.status == "refused"
    error = report.errors[0]
    assert error.row == 2 and error.sheet in ("17-04", "18-04")
    assert "không có cột ngày thu nhận" in error.message and "«Họ và tên»" in error.message
    _assert_private(report)


def test_a_csv_export_whose_cells_are_kept_as_excel_formulas_is_read():
    # ="17/04/2023 08:15", ="Xã Diễn Kim": before, every day was unreadable and the export refused.
    people = _people(40)
    rows = [[f'="{v}"' for v in row] for row in _rows(people, day=lambda d: f"{d:%d/%m/%Y} 08:15")]
    report = ingest.import_bytes(None, _csv(rows), "xuat.csv", dry_run=True)
    assert report.status == "checked", report.message
    assert _daily(report) == _expected(people)
    _assert_private(report)


def test_a_time_joined_to_its_day_by_a_dash_is_cut():
    # "17/04/2023-08:15": before, every day was unreadable and the export refused.
    people = _people(40)
    rows = _rows(people, day=lambda d: f"{d:%d/%m/%Y}-08:15")
    report = ingest.import_bytes(None, _csv(rows), "xuat.csv", dry_run=True)
    assert _daily(report) == _expected(people)


def test_a_birth_date_written_as_eight_digits_keeps_its_year():
    # "19580713" and "13071958": the year standing alone in them is read, as before the
    # rule that a year is never four digits inside a longer number.
    people = _people(60)
    for form in (lambda b: f"{b:%Y%m%d}", lambda b: f"{b:%d%m%Y}"):
        report = ingest.import_bytes(None, _csv(_rows(people, birth=form)), "xuat.csv", dry_run=True)
        assert _groups(report) == _expected_groups(people)
