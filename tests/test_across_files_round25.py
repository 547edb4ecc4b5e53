"""A campaign as units report it across files and days (round 25): each file read right on
its own, the store's figures checked against the true ones per commune and day after the
files are imported one after another through the command line."""

from __future__ import annotations

import io
import json
from datetime import date

import openpyxl
import pytest

from cccd_analytics.cli import main
from tests.test_auth import login_app, served  # noqa: F401 - fixtures of the upload page

# Four communes of Huyện Diễn Châu that became Xã Hùng Châu on 1/7/2025.
FORMER = [("Xã Diễn Lâm", 5000), ("Xã Diễn Đoài", 3000), ("Xã Diễn Trường", 4000), ("Xã Diễn Yên", 6000)]


def _vn(day: date) -> str:
    return f"{day.day}/{day.month}/{day.year}"


def _report(path, day: date, rows: list[tuple], unit: str = "CÔNG AN HUYỆN DIỄN CHÂU", place: str = "Đơn vị"):
    """A report as a district sends it: letterhead, title, date line, header, the rows
    (name, day's figure, running total), a total row."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "BC"
    for line in (
        [unit],
        ["BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD"],
        [f"Số liệu tính đến 17h00 ngày {_vn(day)}"],
        ["STT", place, "Thu nhận trong ngày", "Lũy kế thu nhận"],
    ):
        sheet.append(line)
    for i, (name, day_count, total) in enumerate(rows, 1):
        sheet.append([i, name, day_count, total])
    sheet.append([None, "Tổng cộng", sum(r[1] for r in rows), sum(r[2] for r in rows)])
    out = io.BytesIO()
    book.save(out)
    path.write_bytes(out.getvalue())
    return str(path)


def _cli(capsys, *args) -> tuple[int, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out + err


def _status(capsys, url, *extra) -> list[dict]:
    code, out = _cli(capsys, "status", "--db", url, "--json", *extra)
    assert code == 0, out
    return [u for u in json.loads(out)["units"] if u["collected"] is not None]


@pytest.fixture
def reform_store(tmp_path, capsys) -> str:
    """A province's campaign from June to August 2025: the four communes' reports of 28 and
    30/6 under their old names, then Xã Hùng Châu's own of 2/7 (the four's sum), then the
    old names again on 3/7 (a district still using them)."""
    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    toml = tmp_path / "c.toml"
    toml.write_text(
        'name = "Nghệ An 2025"\nstart = 2025-06-20\ndeadline = 2025-08-31\ntarget = "100%"\nscope = ["Tỉnh Nghệ An"]\n',
        encoding="utf-8",
    )
    assert _cli(capsys, "campaign", "add", str(toml), "--db", url)[0] == 0
    first = date(2025, 6, 28)

    def total(base: int, day: date) -> int:
        return base + 50 * (day - first).days

    for day in (first, date(2025, 6, 30), date(2025, 7, 3)):
        rows = [(name, 50, total(base, day)) for name, base in FORMER]
        code, out = _cli(capsys, "ingest", _report(tmp_path / f"dc_{day}.xlsx", day, rows), "--db", url)
        assert code == 0, out
        if day == date(2025, 6, 30):
            new_day = date(2025, 7, 2)
            whole = sum(total(base, new_day) for _, base in FORMER)  # 18.800
            path = _report(
                tmp_path / "hc.xlsx", new_day, [("Xã Hùng Châu", 200, whole)], "CÔNG AN TỈNH NGHỆ AN"
            )
            code, out = _cli(capsys, "ingest", path, "--db", url)
            assert code == 0, out
    return url


def test_a_province_across_the_2025_reform_is_not_counted_twice(reform_store, capsys):
    """The four old communes' last figures (19.000 on 3/7) were added to Xã Hùng Châu's
    18.800: the province showed 37.800 collected of twice its eligible, and a pace of
    4.800 a day for a true 200, the new commune's first report read as a day's gain."""
    (province,) = _status(capsys, reform_store, "--level", "province", "--as-of", "2025-07-02")
    assert province["collected"] == 18_800
    assert province["pace_7d"] == pytest.approx(200)
    assert province["eligible"] < 3_000_000  # Nghệ An's 14+ once, not twice
    communes = _status(capsys, reform_store, "--as-of", "2025-07-02")
    assert [(u["commune"], u["collected"]) for u in communes] == [("Xã Hùng Châu", 18_800)]
    assert communes[0]["pace_7d"] == pytest.approx(200)


def test_before_the_reform_the_old_communes_are_shown(reform_store, capsys):
    communes = _status(capsys, reform_store, "--as-of", "2025-06-30")
    assert {u["commune"]: u["collected"] for u in communes} == {
        "Xã Diễn Lâm": 5100,
        "Xã Diễn Đoài": 3100,
        "Xã Diễn Trường": 4100,
        "Xã Diễn Yên": 6100,
    }
    (province,) = _status(capsys, reform_store, "--level", "province", "--as-of", "2025-06-30")
    assert province["collected"] == 18_400


def test_old_names_after_the_new_communes_report_are_not_added_to_it(reform_store, capsys):
    """Their figures of 3/7 stay stored as written (told at import); the new commune's own
    2/7 report is whole."""
    (province,) = _status(capsys, reform_store, "--level", "province")
    assert province["collected"] == 18_800


def _own(path, commune: str, days: list[tuple[date, int, int]]):
    """A commune's own report: its name in the title, a row per day."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "BC"
    sheet.append([f"CÔNG AN {commune.upper()}"])
    sheet.append([f"BÁO CÁO TIẾN ĐỘ THU NHẬN HỒ SƠ CCCD {commune.upper()}, HUYỆN DIỄN CHÂU"])
    sheet.append(["Ngày", "Thu nhận trong ngày", "Lũy kế thu nhận"])
    for day, day_count, total in days:
        sheet.append([_vn(day), day_count, total])
    out = io.BytesIO()
    book.save(out)
    path.write_bytes(out.getvalue())
    return str(path)


def test_undoing_a_correction_in_the_middle_names_the_running_totals_that_now_fall(tmp_path, capsys):
    """The district's 1.300 for 2/5 (a typo) was corrected to 1.050 by the commune's own
    report, and 3/5 came at 1.100.  Undoing the correction brought 1.300 back above 1.100
    without a word: the store held a running total that falls, which no import accepts."""
    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    day = lambda k: date(2023, 5, k)  # noqa: E731
    files = [
        _report(tmp_path / "a.xlsx", day(1), [("Xã Diễn Lâm", 50, 1000), ("Xã Diễn Đoài", 40, 800)]),
        _report(tmp_path / "b.xlsx", day(2), [("Xã Diễn Lâm", 300, 1300), ("Xã Diễn Đoài", 40, 840)]),
        _own(tmp_path / "c.xlsx", "Xã Diễn Lâm", [(day(1), 50, 1000), (day(2), 50, 1050)]),
        _report(tmp_path / "d.xlsx", day(3), [("Xã Diễn Lâm", 50, 1100), ("Xã Diễn Đoài", 40, 880)]),
    ]
    for path in files:
        code, out = _cli(capsys, "ingest", path, "--db", url)
        assert code == 0, out
    code, out = _cli(capsys, "undo", "3", "--db", url)
    assert code == 0
    assert "Đã hủy lần nhập số 3" in out
    assert (
        "«Xã Diễn Lâm (Huyện Diễn Châu)»: lũy kế thu nhận ngày 3/5/2023 1.100 (lần nhập #4 «d.xlsx») "
        "thấp hơn ngày 2/5/2023 1.300 (lần nhập #2 «b.xlsx»)." in out
    )
    assert "Diễn Đoài" not in out


def test_undoing_an_upload_that_leaves_every_total_rising_says_nothing_more(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    for k, total in ((1, 1000), (2, 1050)):
        path = _report(
            tmp_path / f"{k}.xlsx",
            date(2023, 5, k),
            [("Xã Diễn Lâm", 50, total), ("Xã Diễn Đoài", 40, 800 + k)],
        )
        assert _cli(capsys, "ingest", path, "--db", url)[0] == 0
    code, out = _cli(capsys, "undo", "1", "--db", url)
    assert code == 0 and out.strip() == "Đã hủy lần nhập số 1; số liệu trước đó được dùng lại."


def test_a_file_that_lowers_a_stored_running_total_of_the_same_day_is_warned_at_its_cell(tmp_path, capsys):
    """A province's file for 8/5 that copied Diễn Lâm's figure of 7/5 (1.100) over the
    district's 1.150 for 8/5: written as the newest report, with only a note that "1 số
    khác số đã có" — the commune's figure fell back a day without a warning."""
    from cccd_analytics import ingest
    from cccd_analytics.store import Store

    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    for k, (lam, doai) in ((7, (1100, 880)), (8, (1150, 920))):
        path = _report(
            tmp_path / f"{k}.xlsx", date(2023, 5, k), [("Xã Diễn Lâm", 50, lam), ("Xã Diễn Đoài", 40, doai)]
        )
        assert _cli(capsys, "ingest", path, "--db", url)[0] == 0
    stale = "Ngày,Huyện,Xã,Lũy kế thu nhận\n08/05/2023,Huyện Diễn Châu,Xã Diễn Lâm,1100\n08/05/2023,Huyện Diễn Châu,Xã Diễn Đoài,920\n"
    report = ingest.import_bytes(Store.open(url), stale.encode(), "tinh_8_5.csv", dry_run=True)
    (said,) = [p for p in report.problems if p.code == "lowers_stored"]
    assert (said.severity, said.row, said.column) == ("warning", 2, "D")
    assert "1.100 thấp hơn 1.150 đã có cho cùng ngày (lần nhập #2 «8.xlsx»)" in said.message
    # A corrected figure above the stored one, or the same, is no such case.
    same = stale.replace("1100", "1150")
    report = ingest.import_bytes(Store.open(url), same.encode(), "tinh_8_5b.csv", dry_run=True)
    assert not [p for p in report.problems if p.code == "lowers_stored"]


def test_a_commune_whose_last_days_are_blank_in_a_sheet_of_day_columns_keeps_its_total_on_its_last_day(
    tmp_path,
):
    """Day columns 20–29/4 and a "Lũy kế" after them; Diễn Hùng has not reported 28 and 29/4
    yet (blank) while the others have.  Its 755 (the total on 27/4) was stored as its total
    on 29/4 — a report of no gain over two days it never sent — and its own days got no
    running total at all."""
    from datetime import timedelta

    from cccd_analytics import ingest, registry

    days = [date(2023, 4, 20) + timedelta(days=i) for i in range(10)]
    rows = [
        ["CÔNG AN HUYỆN DIỄN CHÂU"],
        ["BÁO CÁO TIẾN ĐỘ THU NHẬN HỒ SƠ CCCD"],
        ["STT", "Đơn vị", "Số hồ sơ thu nhận trong ngày", *[None] * 9, "Lũy kế thu nhận"],
        [None, None, *[_vn(d) for d in days], None],
        [1, "Xã Diễn Lâm", *[40] * 10, 400],
        [2, "Xã Diễn Hùng", *[90] * 8, None, None, 720],
    ]
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    report = ingest.import_bytes(None, out.getvalue(), "dien_chau.xlsx")
    assert report.status == "checked", report.message
    obs = report.observations[report.observations["metric"] == "collected"]
    got = {(k, str(d)[:10]): v for k, d, v in zip(obs["unit_key"], obs["date"], obs["value"])}
    hung = registry.resolve("Tỉnh Nghệ An", "Huyện Diễn Châu", "Xã Diễn Hùng").key
    lam = registry.resolve("Tỉnh Nghệ An", "Huyện Diễn Châu", "Xã Diễn Lâm").key
    assert got[(hung, "2023-04-27")] == 720
    assert got[(hung, "2023-04-26")] == 630
    assert (hung, "2023-04-28") not in got and (hung, "2023-04-29") not in got
    assert got[(lam, "2023-04-29")] == 400 and got[(lam, "2023-04-20")] == 40


def test_a_province_after_a_district_campaign_is_the_whole_province(tmp_path, capsys):
    """A campaign for Huyện Diễn Châu, then the province's file (two districts): `status
    --level province` gave Tỉnh Nghệ An as Diễn Châu alone (1.800 of 3.000), under the
    district's campaign and its target, the rest of the province dropped as already shown."""
    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    toml = tmp_path / "c.toml"
    toml.write_text(
        'name = "Diễn Châu 2023"\nstart = 2023-04-20\ndeadline = 2023-06-30\ntarget = "100%"\n'
        'scope = ["Huyện Diễn Châu"]\n',
        encoding="utf-8",
    )
    assert _cli(capsys, "campaign", "add", str(toml), "--db", url)[0] == 0
    csv = tmp_path / "tinh.csv"
    csv.write_text(
        "Ngày,Huyện,Xã,Lũy kế thu nhận\n"
        "17/05/2023,Huyện Diễn Châu,Xã Diễn Lâm,1000\n"
        "17/05/2023,Huyện Diễn Châu,Xã Diễn Đoài,800\n"
        "17/05/2023,Huyện Quỳnh Lưu,Xã Quỳnh Thắng,700\n"
        "17/05/2023,Huyện Quỳnh Lưu,Xã Quỳnh Tân,500\n",
        encoding="utf-8",
    )
    assert _cli(capsys, "ingest", str(csv), "--db", url)[0] == 0
    (province,) = _status(capsys, url, "--level", "province")
    assert (province["province"], province["collected"], province["campaign"]) == ("Tỉnh Nghệ An", 3000, None)
    districts = {
        u["district"]: (u["collected"], u["campaign"]) for u in _status(capsys, url, "--level", "district")
    }
    assert districts == {"Huyện Diễn Châu": (1800, "Diễn Châu 2023"), "Huyện Quỳnh Lưu": (1200, None)}


def test_the_upload_page_names_the_running_totals_an_undo_leaves_falling(login_app):  # noqa: F811 - the fixture
    from cccd_analytics import ingest
    from tests.test_auth import sign_in

    at, store = login_app
    head = "Ngày,Huyện,Xã,Lũy kế thu nhận\n"
    for name, rows in (
        ("a.csv", [(15, 300)]),
        ("b.csv", [(16, 500)]),  # a typo, corrected by the next file
        ("c.csv", [(15, 300), (16, 320)]),
        ("d.csv", [(17, 340)]),
    ):
        body = "".join(f"{day}/03/2021,Huyện Kỳ Anh,Xã Kỳ Đồng,{value}\n" for day, value in rows)
        assert ingest.import_bytes(store, (head + body).encode(), name).status == "imported"
    sign_in(at.run(), "tong.hop")
    at.switch_page("pages/upload.py").run()
    (choice,) = [s for s in at.selectbox if s.label == "Hủy cả một lần nhập"]
    choice.set_value(3).run()
    at.checkbox(key="undo_confirm").check().run()
    at.button(key="undo_button").click().run()
    assert not at.exception
    assert any("Đã hủy lần nhập số 3" in s.value for s in at.success)
    (said,) = [w.value for w in at.warning if "sau khi hủy" in w.value]
    assert (
        "ngày 17/3/2021 340 (lần nhập #4 «d.csv») thấp hơn ngày 16/3/2021 500 (lần nhập #2 «b.csv»)" in said
    )


def test_a_total_below_the_stored_day_before_says_how_to_correct_that_day(tmp_path, capsys):
    """Refused, rightly, at its cell; the message named the stored upload only, and the way to
    correct a stored over-count without undoing a whole district's file was not said.  Then
    the file that gives the corrected day too is taken."""
    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    path = _report(
        tmp_path / "9.xlsx", date(2023, 5, 9), [("Xã Diễn Lâm", 50, 1500), ("Xã Diễn Đoài", 40, 800)]
    )
    assert _cli(capsys, "ingest", path, "--db", url)[0] == 0
    path = _report(
        tmp_path / "10.xlsx", date(2023, 5, 10), [("Xã Diễn Lâm", 50, 1450), ("Xã Diễn Đoài", 40, 840)]
    )
    code, out = _cli(capsys, "ingest", path, "--db", url, "--json")
    assert code == 2
    (problem,) = [p for p in json.loads(out)["files"][0]["problems"] if p["code"] == "falling_cumulative"]
    assert (problem["sheet"], problem["row"], problem["column"]) == ("BC", 5, "D")
    assert "Nếu số ngày 9/5/2023 đã có là sai, hãy ghi số đúng của ngày đó vào cùng tệp" in problem["message"]
    both = tmp_path / "sua.csv"
    both.write_text(
        "Ngày,Huyện,Xã,Lũy kế thu nhận\n09/05/2023,Huyện Diễn Châu,Xã Diễn Lâm,1400\n"
        "10/05/2023,Huyện Diễn Châu,Xã Diễn Lâm,1450\n",
        encoding="utf-8",
    )
    assert _cli(capsys, "ingest", str(both), "--db", url)[0] == 0
    (lam,) = [u for u in _status(capsys, url) if u["commune"] == "Xã Diễn Lâm"]
    assert lam["collected"] == 1450


def test_a_week_of_rows_per_commune_and_day_checks_its_totals_per_commune_and_by_last_day(tmp_path):
    """A week as rows (commune, day, day's count, running total), a "Cộng Xã …" row under each
    commune's days and a "Tổng cộng" at the foot: the figures were stored right, but each
    "Cộng" was checked against every row above it and the running totals' total against
    every day's running total added up — four false `subtotal_mismatch` warnings."""
    from datetime import timedelta

    from cccd_analytics import ingest

    first = date(2023, 4, 20)
    rows = [
        ["CÔNG AN HUYỆN DIỄN CHÂU"],
        ["BÁO CÁO TUẦN TỪ 20/4 ĐẾN 26/4/2023"],
        ["Xã", "Ngày", "Thu nhận trong ngày", "Lũy kế thu nhận"],
    ]
    week, last = 0, 0
    for k, name in enumerate(("Xã Diễn Lâm", "Xã Diễn Đoài")):
        total = 0
        for i in range(7):
            total += 40 + 10 * k
            rows.append([name, _vn(first + timedelta(days=i)), 40 + 10 * k, total])
        rows.append([f"Cộng {name}", None, 7 * (40 + 10 * k), None])
        week, last = week + 7 * (40 + 10 * k), last + total
    rows.append(["Tổng cộng", None, week, last])
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    report = ingest.import_bytes(None, out.getvalue(), "tuan.xlsx")
    assert report.status == "checked", report.message
    assert not [p for p in report.problems if p.code == "subtotal_mismatch"]
    assert len(report.totals) == 3 and all(t["matches"] for t in report.totals)
    # A total that is wrong is still said.
    rows[-1] = ["Tổng cộng", None, week, last + 5]
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    report = ingest.import_bytes(None, out.getvalue(), "tuan.xlsx")
    (said,) = [p for p in report.problems if p.code == "subtotal_mismatch"]
    assert said.column == "D" and f"{last + 5:,}".replace(",", ".") in said.message


def test_a_new_commune_takes_its_former_communes_sum_only_where_all_of_them_reported(store):
    """Two of Xã Hùng Châu's four former communes reported in June: their 8.100 is not
    Hùng Châu's running total (its first own 18.800 would read as a gain of 10.700); a new
    unit that never reported itself takes whatever they give."""
    import pandas as pd

    from cccd_analytics import registry
    from cccd_analytics.analytics import reform

    units = store.units()
    old = [registry.resolve("Tỉnh Nghệ An", "Huyện Diễn Châu", name).key for name, _ in FORMER]
    hung_chau = registry.resolve("Tỉnh Nghệ An", None, "Xã Hùng Châu", on=date(2025, 7, 2)).key
    rows = [
        (old[0], "2025-06-30", 5100.0),
        (old[1], "2025-06-30", 3000.0),
        (hung_chau, "2025-07-02", 18800.0),
    ]
    obs = pd.DataFrame(
        {
            "unit_key": [k for k, _, _ in rows],
            "date": pd.to_datetime([d for _, d, _ in rows]),
            "metric": "collected",
            "value": [v for _, _, v in rows],
        }
    )
    out, scope = reform.one_hierarchy(obs, units, [*old, hung_chau], pd.Timestamp("2025-07-02"))
    assert scope == [hung_chau]
    assert out[["unit_key", "value"]].values.tolist() == [[hung_chau, 18800.0]]
    alone, _ = reform.one_hierarchy(obs.iloc[:2], units, [*old, hung_chau], pd.Timestamp("2025-07-02"))
    assert alone[["unit_key", "value"]].values.tolist() == [[hung_chau, 8100.0]]


def _two_totals(path, day: date, rows: list[tuple[str, int, int | None]]) -> str:
    """A district's report of both running totals (collected, returned) per commune."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "BC"
    sheet.append([f"BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD NGÀY {day:%d/%m/%Y}"])
    sheet.append([])
    sheet.append(["STT", "Xã, phường, thị trấn", "Lũy kế thu nhận", "Lũy kế trả thẻ"])
    for i, row in enumerate(rows, 1):
        sheet.append([i, *row])
    out = io.BytesIO()
    book.save(out)
    path.write_bytes(out.getvalue())
    return str(path)


@pytest.mark.parametrize("falls", ["collected", "returned"])
@pytest.mark.parametrize("returned_before", [True, False])
def test_an_undo_names_the_running_total_that_falls_by_its_own_metric(
    tmp_path, capsys, falls, returned_before
):
    """On 17/4 both of Xã Diễn Kim's running totals were 1.500.  The fall an undo left was
    matched back to its row by date and value only: the returned total was named for a
    fallen collected total (with the wrong day before), and where no returned total came
    before, the note ended in an IndexError after the upload was withdrawn."""
    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    typo, fixed = (1600, 1400)
    other = [("Xã Diễn Lâm", 900, 400), ("Xã Diễn Đoài", 800, 300)]

    def kim(value: int) -> tuple:
        if falls == "collected":
            return ("Xã Diễn Kim", value, 1000 if returned_before else None)
        return ("Xã Diễn Kim", 1000, value)

    day, next_day = date(2023, 4, 16), date(2023, 4, 17)
    files = [
        _two_totals(tmp_path / "b1.xlsx", day, [kim(typo), *other]),
        _two_totals(tmp_path / "b2.xlsx", day, [kim(fixed), *other]),
        _two_totals(tmp_path / "b3.xlsx", next_day, [("Xã Diễn Kim", 1500, 1500), *other]),
    ]
    for path in files:
        code, out = _cli(capsys, "ingest", path, "--db", url)
        assert code == 0, out
    code, out = _cli(capsys, "undo", "2", "--db", url)
    assert code == 0, out
    what = "lũy kế thu nhận" if falls == "collected" else "lũy kế trả thẻ"
    assert (
        f"«Xã Diễn Kim (Huyện Diễn Châu)»: {what} ngày 17/4/2023 1.500 (lần nhập #3 «b3.xlsx») "
        "thấp hơn ngày 16/4/2023 1.600 (lần nhập #1 «b1.xlsx»)." in out
    )
    assert out.count("thấp hơn ngày") == 1


def test_an_undo_is_done_and_refreshed_even_when_its_note_cannot_be_made(tmp_path, capsys, monkeypatch):
    """The note on falling totals comes after the upload is withdrawn: an error in it must
    not read as a failed undo nor skip the refresh of the figures every viewer reads."""
    from cccd_analytics import shared
    from cccd_analytics.store import Store

    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    path = _two_totals(tmp_path / "b1.xlsx", date(2023, 4, 16), [("Xã Diễn Kim", 1600, 1000)])
    assert _cli(capsys, "ingest", path, "--db", url)[0] == 0

    def broken(self, *args, **kwargs):
        raise RuntimeError("broken read")

    refreshed = []
    monkeypatch.setattr(Store, "upload_unit_keys", broken)
    monkeypatch.setattr(shared, "refresh", lambda store: refreshed.append(True) or [])
    code, out = _cli(capsys, "undo", "1", "--db", url)
    assert code == 0 and "Đã hủy lần nhập số 1" in out
    assert "chưa kiểm tra được lũy kế" in out and refreshed == [True]


def test_a_commune_merged_away_on_1_12_2024_is_not_waited_for_nor_carried(store):
    """Xã Hải Châu (2025) took in Diễn Hoàng, Diễn Mỹ, Diễn Hải and Diễn Kim, and Diễn Hùng,
    merged into Diễn Hải (Xã Hùng Hải) on 1/12/2024, which never reports again.  Its June sums
    were discarded as missing a part (36 of Nghệ An's 130 new units lost their June), and a
    figure Diễn Hùng gave before 1/12/2024 would be carried into them though Hùng Hải's
    figures hold it."""
    import pandas as pd

    from cccd_analytics import registry
    from cccd_analytics.analytics import reform

    units = store.units()
    names = ["Xã Diễn Hoàng", "Xã Diễn Mỹ", "Xã Diễn Hải", "Xã Diễn Kim"]
    old = [registry.resolve("Tỉnh Nghệ An", "Huyện Diễn Châu", name).key for name in names]
    hung = registry.resolve("Tỉnh Nghệ An", "Huyện Diễn Châu", "Xã Diễn Hùng").key
    hai_chau = registry.resolve("Tỉnh Nghệ An", None, "Xã Hải Châu", on=date(2025, 7, 4)).key
    rows = [(hung, "2024-11-20", 700.0)]
    rows += [(k, "2025-06-20", v) for k, v in zip(old, [1000.0, 1000.0, 2000.0, 1000.0])]
    rows += [(k, "2025-06-27", v) for k, v in zip(old, [1100.0, 1100.0, 2200.0, 1100.0])]
    rows += [(hai_chau, "2025-07-04", 6000.0)]
    obs = pd.DataFrame(
        {
            "unit_key": [k for k, _, _ in rows],
            "date": pd.to_datetime([d for _, d, _ in rows]),
            "metric": "collected",
            "value": [v for _, _, v in rows],
        }
    )
    out, scope = reform.one_hierarchy(obs, units, [hung, *old, hai_chau], pd.Timestamp("2025-07-04"))
    assert scope == [hai_chau]
    mine = out[out["unit_key"] == hai_chau].sort_values("date")
    assert [(d.strftime("%d/%m"), v) for d, v in zip(mine["date"], mine["value"])] == [
        ("20/06", 5000.0),  # not 5.700: Diễn Hùng's 700 of 2024 is in Hùng Hải's (Diễn Hải's) 2.000
        ("27/06", 5500.0),
        ("04/07", 6000.0),
    ]
