"""Properties of the import over drawn files, where hand-made cases ran out.

* A canonical file of totals and parts (any of the four breakdowns, days, blanks, the
  returned and eligible columns), imported after others into the same store, is imported or
  refused with its reasons: never refused as "cấu trúc bất thường", the words said when the
  importer itself failed.  Drawn files found three such failures (a fresh store's empty
  figures, an array changed in place, a file of parts alone).
* A wide sheet (a column per day; a running total before the days, after them, or none) is
  refused, or every running total it stores is the true one.  Drawn sheets found two days of
  counts stored as running totals, the running total before them dropped.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cccd_analytics import ingest
from cccd_analytics.store import Store

COMMUNES = {"Xã Kỳ Đồng": "18775", "Xã Kỳ Tân": "18814", "Xã Kỳ Thọ": "18790", "Xã Kỳ Khang": "18778"}
VALUES = {
    "group": ["Người cao tuổi", "Học sinh", "Học sinh lớp 12", "Người có công"],
    "channel": ["Tại trụ sở", "Tổ lưu động", "Tại nhà"],
    "residence": ["Trong tỉnh", "Cư trú ngoại tỉnh", "Tỉnh khác cư trú tại địa bàn"],
    "application_type": ["Cấp mới", "Cấp đổi", "Cấp lại"],
}
FIGURES = ["eligible", "collected_day", "returned"]
CRASH = "cấu trúc bất thường"
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@st.composite
def canonical_files(draw, first_day: int) -> bytes:
    dims = draw(st.lists(st.sampled_from(sorted(VALUES)), unique=True, max_size=3))
    figures = draw(st.lists(st.sampled_from(FIGURES), unique=True, max_size=3))
    columns = ["date", "province", "district", "commune", *dims, "collected", *figures]
    lines = [",".join(columns)]
    for offset in range(draw(st.integers(1, 2))):
        day = f"{first_day + offset:02d}/03/2021"
        for commune in draw(st.lists(st.sampled_from(sorted(COMMUNES)), unique=True, min_size=1, max_size=3)):
            place = [day, "Tỉnh Hà Tĩnh", "Huyện Kỳ Anh", commune]
            running = 1000 + 100 * (first_day + offset)
            if draw(st.booleans()):  # the commune-day's total row, or parts alone
                extra = {
                    "eligible": "5000",
                    "collected_day": draw(st.sampled_from(["", "40"])),
                    "returned": "300",
                }
                lines.append(
                    ",".join([*place, *[""] * len(dims), str(running), *[extra[f] for f in figures]])
                )
            for dim in dims:
                for value in draw(
                    st.lists(st.sampled_from(VALUES[dim]), unique=True, min_size=1, max_size=2)
                ):
                    cells = [value if d == dim else "" for d in dims]
                    count = draw(st.integers(1, 300))
                    lines.append(",".join([*place, *cells, str(count), *[""] * len(figures)]))
    return ("\n".join(lines) + "\n").encode()


@SETTINGS
@given(data=st.data())
def test_canonical_files_with_parts_are_imported_or_refused_never_failing(data, tmp_path_factory):
    store = Store.open(f"sqlite:///{tmp_path_factory.mktemp('db') / 'x.sqlite'}")
    for k in range(data.draw(st.integers(1, 3))):
        file = data.draw(canonical_files(first_day=10 + 2 * k))
        report = ingest.import_bytes(store, file, f"f{k}.csv")
        assert report.status in ("imported", "refused")
        failed = [p.message for p in report.problems if CRASH in p.message]
        assert not failed, (file.decode(), failed)


@st.composite
def wide_sheets(draw):
    names = draw(st.lists(st.sampled_from(sorted(COMMUNES)), unique=True, min_size=2, max_size=4))
    n_days = draw(st.integers(2, 6))
    first = date(2021, 3, draw(st.integers(10, 20)))
    days = [first + timedelta(days=i) for i in range(n_days)]
    start = {n: draw(st.integers(0, 500)) for n in names}
    daily = {n: [draw(st.integers(0, 80)) for _ in days] for n in names}
    truth = {}
    for n in names:
        running = start[n]
        for day, count in zip(days, daily[n]):
            running += count
            truth[(COMMUNES[n], day)] = running
    where = draw(st.sampled_from(["before", "after", "both"]))
    before_header = draw(
        st.sampled_from([f"Lũy kế trước {first.day}/3", f"Lũy kế đến {first.day - 1}/3", "Lũy kế"])
    )
    style = draw(st.sampled_from(["d/m", "Ngày d/m", "dd/mm/yyyy", "date"]))

    def label(day: date):
        return {
            "d/m": f"{day.day}/{day.month}",
            "Ngày d/m": f"Ngày {day.day}/{day.month}",
            "dd/mm/yyyy": f"{day.day:02d}/{day.month:02d}/2021",
            "date": day,
        }[style]

    header = ["STT", "Xã"]
    header += [before_header] if where in ("before", "both") else []
    header += [label(d) for d in days]
    header += ["Lũy kế"] if where in ("after", "both") else []
    rows = [["CÔNG AN HUYỆN KỲ ANH"], ["BÁO CÁO TIẾN ĐỘ THU NHẬN HỒ SƠ CCCD NĂM 2021"], header]
    for i, n in enumerate(names, 1):
        row = [i, n]
        row += [start[n]] if where in ("before", "both") else []
        row += daily[n]
        row += [truth[(COMMUNES[n], days[-1])]] if where in ("after", "both") else []
        rows.append(row)
    if where in ("before", "both"):
        for n in names:
            truth[(COMMUNES[n], first - timedelta(days=1))] = start[n]
    return rows, truth


@SETTINGS
@given(sheet=wide_sheets())
def test_a_wide_sheet_is_refused_or_stores_the_true_running_totals(sheet):
    rows, truth = sheet  # the rows, not the file's bytes: what a failing example shows
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    report = ingest.import_bytes(None, buffer.getvalue(), "tien_do.xlsx")
    assert not [p.message for p in report.problems if CRASH in p.message]
    if report.status == "refused":
        return
    obs = report.observations
    collected = obs[obs["metric"] == "collected"]
    got = {
        (k, pd.Timestamp(day).date()): int(v)
        for k, day, v in zip(collected["unit_key"], collected["date"], collected["value"])
    }
    wrong = {key: (got[key], value) for key, value in truth.items() if key in got and got[key] != value}
    assert not wrong, wrong
    assert set(got) <= set(truth), sorted(set(got) - set(truth))


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__, "-q"])
