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
