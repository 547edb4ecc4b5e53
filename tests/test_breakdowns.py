"""Parts of a commune-day (priority group, channel, residence, application type, shift):
imported from every kind of table, reconciled with totals, undone, shown per unit, and
judged against group targets by the commune targets' own function."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa

from cccd_analytics import cli, dimensions, ingest
from cccd_analytics.analytics import breakdowns, metrics
from cccd_analytics.analytics import campaigns as camp
from cccd_analytics.store import Store

HEAD = "Ngày,Tỉnh,Huyện,Xã,Nhóm đối tượng,Hình thức thu nhận,Số công dân đủ điều kiện,Lũy kế thu nhận\n"


def canonical(*rows: str) -> bytes:
    return (HEAD + "".join(r + "\n" for r in rows)).encode()


def workbook(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def counts(store) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {
            t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("uploads", "observations", "breakdowns", "current_breakdowns", "denominators")
        }


REPORT_TOP = [
    ["CÔNG AN HUYỆN KỲ ANH"],
    ["BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CẤP CĂN CƯỚC CÔNG DÂN"],
    ["Số liệu tính đến 17 giờ 00 ngày 15/03/2021"],
    [],
    ["STT", "Đơn vị", "Số CD đủ ĐK", "Lũy kế", "Trong đó", None, None, None],
    [None, None, None, None, "Người cao tuổi", "HỌC SINH", "Tổ lưu động", "Tại trụ sở"],
]


def test_a_report_whose_breakdown_columns_add_up_is_imported(store):
    data = workbook(
        [
            *REPORT_TOP,
            [1, "Xã Kỳ Đồng", 4000, 500, 120, 200, 300, 200],
            [2, "Xã Kỳ Tân", 3000, 300, 50, None, 100, 200],
            [None, "Tổng cộng", 7000, 800, 170, 200, 400, 400],
        ]
    )
    report = ingest.import_bytes(store, data, "bao_cao_15_03_2021.xlsx")
    assert report.status == "imported", report.message
    parts = store.current_parts()
    got = {(r.unit_key, r.dimension, r.value): r.count for r in parts.itertuples()}
    assert got == {
        ("18775", "group", "Người cao tuổi"): 120,
        ("18775", "group", "Học sinh"): 200,
        ("18775", "channel", "Tổ lưu động"): 300,
        ("18775", "channel", "Tại trụ sở"): 200,
        ("18814", "group", "Người cao tuổi"): 50,
        ("18814", "channel", "Tổ lưu động"): 100,
        ("18814", "channel", "Tại trụ sở"): 200,
    }
    # The totals are the communes' rows, as before: parts never add into them.
    totals = store.current_observations()
    assert dict(
        zip(totals[totals.metric == "collected"].unit_key, totals[totals.metric == "collected"].value)
    ) == {
        "18775": 500,
        "18814": 300,
    }
    assert report.breakdowns["dimensions"]["channel"]["values"] == ["Tại trụ sở", "Tổ lưu động"]


def test_parts_that_exceed_the_total_are_refused_naming_the_row_and_column(store):
    before = counts(store)
    data = workbook(
        [
            *REPORT_TOP,
            [1, "Xã Kỳ Đồng", 4000, 500, 120, 200, 350, 200],  # channels: 550 > 500
            [2, "Xã Kỳ Tân", 3000, 300, 50, None, 100, 200],
        ]
    )
    report = ingest.import_bytes(store, data, "bao_cao_15_03_2021.xlsx")
    assert report.status == "refused"
    (error,) = report.errors
    assert error.code == "parts_exceed_total"
    assert (error.row, error.column) == (7, "H")  # the part that takes the sum over the total
    assert "550" in error.message and "500" in error.message and "hình thức thu nhận" in error.message
    assert "dòng 7, cột H" in report.message
    assert counts(store) == before


def test_canonical_parts_matched_to_known_labels_and_new_values_kept_as_written(store):
    data = canonical(
        "15/03/2021,Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,,,4000,500",
        "15/03/2021,Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,NGUOI CAO TUOI,,,120",
        "15/03/2021,Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,- Lão thành cách mạng,,,15",
        "15/03/2021,Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,Dân tộc thiểu số,,,40",
        "15/03/2021,Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,,tổ lưu động,,300",
    )
    assert ingest.import_bytes(store, data, "a.csv").status == "imported"
    later = canonical("16/03/2021,Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,dân tộc THIỂU SỐ,,,44")
    assert ingest.import_bytes(store, later, "b.csv").status == "imported"
    values = set(store.current_parts()["value"])
    assert values == {"Người cao tuổi", "Lão thành cách mạng", "Dân tộc thiểu số", "Tổ lưu động"}
    assert dimensions.parent("group", "Lão thành cách mạng") == "Người có công"


def test_parts_without_a_total_build_it_and_a_later_total_is_still_checked(store):
    data = canonical(
        "15/03/2021,Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Tân,,Tổ lưu động,,30",
        "15/03/2021,Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Tân,,Tại trụ sở,,20",
        "15/03/2021,Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Tân,Người cao tuổi,,,12",
    )
    report = ingest.import_bytes(store, data, "chi_phan.csv")
    assert report.status == "imported" and report.breakdowns["totals_built"] == 1
    obs = store.current_observations()
    assert obs[(obs.unit_key == "18814") & (obs.metric == "collected")].value.tolist() == [50]
    # A total for that day already stored: parts alone are checked against it, never over it.
    again = canonical("15/03/2021,Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Tân,,Tổ lưu động,,60")
    refused = ingest.import_bytes(store, again, "lai.csv")
    assert refused.status == "refused" and refused.errors[0].code == "parts_exceed_total"
    assert "đã có trong cơ sở dữ liệu" in refused.errors[0].message


def test_parts_without_a_total_beside_a_commune_with_its_total_in_a_fresh_store(store):
    """The first file into a new store: one commune with its total and parts, another with
    parts only.  It was refused as "cấu trúc bất thường: TypeError" (an empty assignment of
    the store's figures, of which there were none, into the file's totals)."""
    data = canonical(
        "15/03/2021,Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,,,4000,500",
        "15/03/2021,Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,Người cao tuổi,,,120",
        "15/03/2021,Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Tân,Người cao tuổi,,,12",
        "15/03/2021,Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Tân,,Tổ lưu động,,30",
    )
    report = ingest.import_bytes(store, data, "dau_tien.csv")
    assert report.status == "imported", report.message
    obs = store.current_observations()
    got = dict(zip(obs[obs.metric == "collected"].unit_key, obs[obs.metric == "collected"].value))
    assert got == {"18775": 500, "18814": 30}


def test_a_days_blank_cell_beside_parts_is_read(store):
    """A day's own column left blank on a commune's total row, in a file with a breakdown
    column: refused as "cấu trúc bất thường: ValueError" (a read-only array changed in place)."""
    data = (
        "date,province,district,commune,channel,collected,collected_day\n"
        "15/03/2021,Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,,500,20\n"
        "16/03/2021,Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,,500,\n"
        "16/03/2021,Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,Tổ lưu động,300,\n"
    ).encode()
    report = ingest.import_bytes(store, data, "ngay_trong.csv")
    assert report.status == "imported", report.message
    obs = store.current_observations()
    day = obs[obs.metric == "collected_day"].set_index("date")["value"]
    # The running total stood still: the blank day is that day's 0.
    assert day.tolist() == [20, 0]


def test_a_file_of_parts_alone_for_a_day_already_stored_is_read(store):
    """Parts only (no total row at all), for a commune whose figures of that day are stored:
    refused as "cấu trúc bất thường: ValueError" (the built totals' days were objects)."""
    first = canonical("14/03/2021,Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Tân,,,4000,30")
    assert ingest.import_bytes(store, first, "tong.csv").status == "imported"
    parts = canonical(
        "15/03/2021,Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Tân,Học sinh,,,25",
        "15/03/2021,Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Tân,,Tổ lưu động,,40",
    )
    report = ingest.import_bytes(store, parts, "chi_phan.csv")
    assert report.status == "imported", report.message
    obs = store.current_observations()
    got = obs[obs.metric == "collected"].set_index("date")["value"]
    assert got.tolist() == [30, 40]


def test_parts_below_a_running_total_already_stored_build_no_total(store):
    assert ingest.import_bytes(
        store, canonical("15/03/2021,Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Tân,,,3000,900"), "t.csv"
    ).ok
    school = canonical("16/03/2021,Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Tân,Học sinh lớp 12,,,80")
    report = ingest.import_bytes(store, school, "truong.csv")
    assert report.status == "imported", report.message
    assert [w.code for w in report.warnings] == ["total_not_built"]
    obs = store.current_observations()
    assert obs[obs.metric == "collected"].value.tolist() == [900]
    assert store.current_parts().value.tolist() == ["Học sinh lớp 12"]


def test_breakdown_rows_under_a_commune_in_a_report(store):
    data = workbook(
        [
            ["CÔNG AN HUYỆN KỲ ANH"],
            ["BÁO CÁO"],
            ["Số liệu tính đến 17 giờ 00 ngày 16/03/2021"],
            [],
            ["STT", "Đơn vị", "Số CD đủ ĐK", "Lũy kế"],
            [1, "Xã Kỳ Đồng", 4000, 520],
            [None, "- Người cao tuổi", 310, 130],
            [None, "- Học sinh lớp 12", None, 90],
            [2, "Xã Kỳ Tân", 3000, 310],
            [None, "Trong đó: tổ lưu động", None, 200],
            [None, "Tổng cộng", 7000, 830],
        ]
    )
    report = ingest.import_bytes(store, data, "bc.xlsx")
    assert report.status == "imported", report.message
    assert not report.warnings  # the total row is checked against the communes only
    parts = store.current_parts()
    assert sorted(zip(parts.unit_key, parts.value, parts["count"])) == [
        ("18775", "Học sinh lớp 12", 90),
        ("18775", "Người cao tuổi", 130),
        ("18814", "Tổ lưu động", 200),
    ]
    # The eligible figure on a part's row is that group's denominator.
    den = store.denominator_rows()
    assert den[["unit_key", "value", "count"]].values.tolist() == [["18775", "Người cao tuổi", 310]]


def test_a_finer_value_is_never_above_its_coarser_one(store):
    data = canonical(
        "15/03/2021,Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,,,4000,500",
        "15/03/2021,Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,Học sinh,,,100",
        "15/03/2021,Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,Học sinh lớp 12,,,80",
        "15/03/2021,Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,Học sinh lớp 11,,,30",
    )
    report = ingest.import_bytes(store, data, "a.csv")
    assert report.status == "refused" and report.errors[0].code == "parts_exceed_total"
    assert "Học sinh" in report.errors[0].message and report.errors[0].row == 4


def test_one_row_may_split_one_way_only(store):
    data = canonical("15/03/2021,Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,Học sinh,Tại trường học,,100")
    report = ingest.import_bytes(store, data, "a.csv")
    assert report.status == "refused" and report.errors[0].code == "several_dimensions"
    assert report.errors[0].row == 2


def test_undo_brings_the_earlier_split_back_and_changes_the_data_version(store):
    first = canonical(
        "15/03/2021,Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,,,4000,500",
        "15/03/2021,Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,,Tổ lưu động,,300",
        "15/03/2021,Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,,Tại nhà,,30",
    )
    second = canonical("15/03/2021,Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,,Tổ lưu động,,280")
    ingest.import_bytes(store, first, "a.csv")
    upload = ingest.import_bytes(store, second, "b.csv").upload_id
    # A later report replaces the day's split, it does not add to it.
    assert store.current_parts()[["value", "count"]].values.tolist() == [["Tổ lưu động", 280]]
    version = store.data_version()
    assert store.undo_upload(upload)
    assert store.data_version() != version
    assert sorted(store.current_parts()[["value", "count"]].values.tolist()) == [
        ["Tại nhà", 30],
        ["Tổ lưu động", 300],
    ]


def test_citizens_served_outside_the_province_count_toward_their_home_commune(store):
    own = canonical(
        "15/03/2021,Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,,,4000,500",
    )
    away = (
        "Ngày,Tỉnh,Huyện,Xã,Nơi cư trú,Lũy kế thu nhận\n"
        "15/03/2021,Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,Cư trú ngoại tỉnh,37\n"
    ).encode()
    assert ingest.import_bytes(store, own, "xa.csv").ok
    report = ingest.import_bytes(store, away, "ngoai_tinh.csv")
    assert report.status == "imported" and report.breakdowns["outside"] == 1
    assert report.breakdowns["totals_built"] == 0
    obs = store.current_observations()
    assert obs[obs.metric == "collected"].value.tolist() == [500]  # the commune's own total
    units = store.units()
    campaign = camp.Campaign(
        name="x", deadline=date(2021, 6, 10), target=camp.Target("share", 1.0), scope=("Huyện Kỳ Anh",)
    )
    found = breakdowns.breakdown(
        store.current_parts(), store.denominator_rows(), units, campaign, "residence"
    )
    commune = found.rows[(found.rows.level == "commune") & (found.rows.value == dimensions.OUTSIDE)].iloc[0]
    assert (commune.collected, commune.elsewhere) == (37, 37)


def test_cccd_breakdown_json_keeps_the_contract(db_url, capsys):
    path = __import__("pathlib").Path(db_url.removeprefix("sqlite:///")).with_name("a.csv")
    path.write_bytes(
        canonical(
            "15/03/2021,Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,,,4000,500",
            "15/03/2021,Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,Người cao tuổi,,300,120",
            "22/03/2021,Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,,,4000,900",
            "22/03/2021,Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,Người cao tuổi,,,190",
        )
    )
    assert cli.main(["ingest", "--db", db_url, str(path)]) == 0
    capsys.readouterr()
    assert cli.main(["breakdown", "--db", db_url, "--dimension", "group", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["as_of"], data["dimension"], data["level"]) == ("2021-03-22", "group", "commune")
    (row,) = data["rows"]
    assert {
        "province",
        "district",
        "commune",
        "code",
        "level",
        "value",
        "collected",
        "eligible",
        "coverage",
        "pace_7d",
    } <= set(row)
    assert (row["commune"], row["code"], row["value"]) == ("Xã Kỳ Đồng", "18775", "Người cao tuổi")
    assert row["collected"] == 190 and isinstance(row["collected"], int)
    assert row["eligible"] == 300 and row["coverage"] == pytest.approx(190 / 300, abs=1e-4)
    assert row["pace_7d"] == pytest.approx(10.0)  # (190 − 120) over the 7 days since 15/3
    # --as-of sees only what was reported by then.
    assert (
        cli.main(["breakdown", "--db", db_url, "--dimension", "group", "--json", "--as-of", "2021-03-20"])
        == 0
    )
    (row,) = json.loads(capsys.readouterr().out)["rows"]
    assert row["collected"] == 120
    assert (
        cli.main(["breakdown", "--db", db_url, "--dimension", "group", "--json", "--level", "province"]) == 0
    )
    (row,) = json.loads(capsys.readouterr().out)["rows"]
    assert (row["level"], row["province"], row["commune"], row["collected"]) == (
        "province",
        "Tỉnh Hà Tĩnh",
        None,
        190,
    )
    assert cli.main(["breakdown", "--db", db_url, "--dimension", "channel", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rows"] == []
    with pytest.raises(SystemExit) as usage:
        cli.main(["breakdown", "--db", db_url, "--dimension", "nhom"])
    assert usage.value.code == 4


# -- targets for groups -----------------------------------------------------------------------


def _series_store(store, values: dict[date, int], denominator: int | None, total_factor: int = 3):
    """Xã Kỳ Đồng: the elderly's running totals on the given days (and totals above them)."""
    rows = []
    for day, value in values.items():
        everyone = (denominator or 1000) * total_factor
        rows.append(f"{day:%d/%m/%Y},Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,,,{everyone},{value * total_factor}")
        eligible = denominator if denominator is not None and not rows[1:] else ""
        rows.append(f"{day:%d/%m/%Y},Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,Người cao tuổi,,{eligible},{value}")
    report = ingest.import_bytes(store, canonical(*rows), "nct.csv")
    assert report.status == "imported", report.message


GROUP_TOML = """
name = "Kỳ Anh"
start = 2021-03-01
deadline = 2021-06-10
target = "100%"
scope = ["Huyện Kỳ Anh"]

[[group_targets]]
name = "Người cao tuổi trước 30/4"
values = ["người cao tuổi"]
deadline = {deadline}
target = "100%"
"""


def test_a_group_milestone_has_the_right_required_rate_and_status(store):
    days = pd.date_range("2021-03-01", "2021-03-21", freq="D")
    _series_store(store, {d.date(): 10 * i for i, d in enumerate(days, start=1)}, denominator=800)
    campaign = camp.parse_toml(GROUP_TOML.format(deadline="2021-04-30"))
    (goal,) = campaign.group_targets
    assert goal.values == ("Người cao tuổi",)
    parts, den, units = store.current_parts(), store.denominator_rows(), store.units()
    as_of = date(2021, 3, 21)
    row = breakdowns.targets(parts, den, units, campaign, as_of).iloc[0]
    # 210 of 800 by 21/3; 590 left over the 40 days to 30/4 (no calendar: each day counts 1).
    assert (row.collected, row.target, row.remaining) == (210, 800, 590)
    assert row.required_per_day == pytest.approx(590 / 40)
    assert row.pace_7d == pytest.approx(10.0)
    assert row.coverage == pytest.approx(210 / 800)
    # Pace 10/day against 14,75 needed: the forecaster puts the date after the deadline.
    assert row.status in ("behind", "at_risk") and row.projected_date > pd.Timestamp("2021-04-30")
    # Judged by the commune targets' own function: the same series as a commune's total,
    # against the same target, gets the same figures.
    as_commune = camp.Campaign(
        name="c",
        start=date(2021, 3, 1),
        deadline=date(2021, 4, 30),
        target=camp.Target("share", 1.0),  # of 2.400 eligible: three times the group's
        scope=("18775",),
    )
    snap = metrics.snapshot(store.current_observations(), units, as_commune, as_of)
    commune = snap.units[snap.units.level == "commune"].iloc[0]
    assert commune.required_per_day == pytest.approx(3 * row.required_per_day)
    assert commune.status == row.status and commune.projected_date == row.projected_date
    assert commune.p_on_time == pytest.approx(row.p_on_time)

    done = breakdowns.targets(
        parts, den, units, camp.parse_toml(GROUP_TOML.format(deadline="2021-03-15")), as_of
    )
    assert done.iloc[0].status == "missed" and done.iloc[0].required_per_day == np.inf


def test_a_group_milestone_met_is_done_and_one_without_a_denominator_has_no_target(store):
    days = pd.date_range("2021-03-01", "2021-03-10", freq="D")
    _series_store(store, {d.date(): 100 * i for i, d in enumerate(days, start=1)}, denominator=900)
    campaign = camp.parse_toml(GROUP_TOML.format(deadline="2021-04-30"))
    parts, den, units = store.current_parts(), store.denominator_rows(), store.units()
    row = breakdowns.targets(parts, den, units, campaign, date(2021, 3, 10)).iloc[0]
    assert row.status == "done" and row.remaining == 0
    no_den = breakdowns.targets(parts, den.iloc[0:0], units, campaign, date(2021, 3, 10)).iloc[0]
    assert no_den.status == "no_data" and pd.isna(no_den.target)


def test_a_weekly_rate_target_is_judged_on_the_current_week(store):
    rows = []
    for i, day in enumerate(pd.date_range("2021-03-01", "2021-03-17", freq="D"), start=1):
        rows.append(f"{day:%d/%m/%Y},Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,,Tổ lưu động,,{400 * i}")
    assert ingest.import_bytes(store, canonical(*rows), "ld.csv").ok
    campaign = camp.parse_toml(
        """
name = "Kỳ Anh"
start = 2021-03-01
deadline = 2021-06-10
target = "100%"
scope = ["Huyện Kỳ Anh"]

[[group_targets]]
name = "Tổ lưu động: 3.000 hồ sơ mỗi tuần"
dimension = "channel"
values = ["Tổ lưu động"]
per_week = "3.000"
"""
    )
    row = breakdowns.targets(
        store.current_parts(), store.denominator_rows(), store.units(), campaign, date(2021, 3, 17)
    ).iloc[0]
    # Wednesday 17/3: the week began Monday 15/3 at 5.600 (Sunday's total); 3 days × 400 so far.
    assert row.kind == "per_week" and row.week_start == pd.Timestamp("2021-03-15")
    assert row.week_collected == 1200 and row.target == 5600 + 3000
    assert row.required_per_day == pytest.approx((3000 - 1200) / 4)  # Thursday to Sunday
    assert (row.weeks, row.weeks_met) == (2, 0)  # 2.800 in each whole week, below 3.000
    assert row.status in ("behind", "at_risk")


# -- denominators ---------------------------------------------------------------------------


def test_school_lists_and_surveys_are_dated_denominators_in_force_on_each_day(store):
    pupils = ["Ngày,Tỉnh,Huyện,Xã,Nhóm đối tượng,Lũy kế thu nhận"]
    for i, day in enumerate(pd.date_range("2021-03-01", "2021-03-20", freq="D"), start=1):
        pupils.append(f"{day:%d/%m/%Y},Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,Học sinh lớp 12,{10 * i}")
    assert ingest.import_bytes(store, "\n".join(pupils).encode(), "hs.csv").ok
    first = (
        "Ngày,Huyện,Xã,Trường,Lớp,Sĩ số\n"
        "01/03/2021,Huyện Kỳ Anh,Xã Kỳ Đồng,THPT Kỳ Anh,12,320\n"
        "01/03/2021,Huyện Kỳ Anh,Xã Kỳ Đồng,THPT Nguyễn Huệ,12,80\n"
        "01/03/2021,Huyện Kỳ Anh,Xã Kỳ Đồng,THPT Kỳ Anh,11,300\n"
    )
    report = ingest.import_bytes(store, first.encode(), "si_so.csv")
    assert report.status == "imported" and report.kind == "denominators", report.message
    # A new list on 15/3: the school's grade 12 grew.
    later = "Huyện,Xã,Trường,Lớp,Sĩ số\nHuyện Kỳ Anh,Xã Kỳ Đồng,THPT Kỳ Anh,12,370\nHuyện Kỳ Anh,Xã Kỳ Đồng,THPT Nguyễn Huệ,12,80\n"
    report = ingest.import_bytes(store, later.encode(), "si_so_15_03_2021.csv")
    assert report.status == "imported" and report.report_date == date(2021, 3, 15), report.message

    parts, den, units = store.current_parts(), store.denominator_rows(), store.units()
    campaign = camp.Campaign(
        name="k", deadline=date(2021, 6, 10), target=camp.Target("share", 1.0), scope=("Huyện Kỳ Anh",)
    )

    def row(as_of):
        found = breakdowns.breakdown(parts, den, units, campaign, "group", as_of)
        return found, found.rows[
            (found.rows.level == "commune") & (found.rows.value == "Học sinh lớp 12")
        ].iloc[0]

    _, early = row(date(2021, 3, 10))
    assert (early.collected, early.eligible, early.denominator_date) == (100, 400, pd.Timestamp("2021-03-01"))
    found, late = row(date(2021, 3, 20))
    assert (late.collected, late.eligible) == (200, 450) and late.coverage == pytest.approx(200 / 450)
    # Day by day, each day is read against the list in force that day.
    daily = found.daily[found.daily.value == "Học sinh lớp 12"].set_index("date")
    assert daily.loc["2021-03-14", "eligible"] == 400 and daily.loc["2021-03-15", "eligible"] == 450
    assert daily.loc["2021-03-14", "coverage"] == pytest.approx(140 / 400)
    # The history shows the change and the files behind it.
    history = breakdowns.denominator_history(den, "group")
    grade12 = history[history.value == "Học sinh lớp 12"]
    assert grade12[["count", "change"]].fillna(0).values.tolist() == [[400, 0], [450, 50]]
    assert grade12.file_name.tolist() == ["si_so.csv", "si_so_15_03_2021.csv"]
    assert "THPT Nguyễn Huệ, lớp 12" in grade12.detail.iloc[0]


def test_the_province_view_says_how_many_of_ours_outside_the_province_are_still_missing(store):
    away = ["Ngày,Tỉnh,Huyện,Xã,Nơi cư trú,Lũy kế thu nhận"]
    for day, n_dong, n_tan in (("05/03/2021", 10, 4), ("20/03/2021", 30, 12)):
        away.append(f"{day},Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,Cư trú ngoại tỉnh,{n_dong}")
        away.append(f"{day},Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Tân,Cư trú ngoại tỉnh,{n_tan}")
    assert ingest.import_bytes(store, "\n".join(away).encode(), "ngoai_tinh.csv").ok
    # The survey of 10/3 lists those still without a card: 45 and 12.
    survey = (
        "Huyện,Xã,Nơi cư trú,Số công dân chưa có CCCD (rà soát)\n"
        "Huyện Kỳ Anh,Xã Kỳ Đồng,Cư trú ngoại tỉnh,45\n"
        "Huyện Kỳ Anh,Xã Kỳ Tân,Cư trú ngoại tỉnh,12\n"
    )
    report = ingest.import_bytes(store, survey.encode(), "ra_soat_10_03_2021.csv")
    assert report.status == "imported", report.message
    assert set(store.denominator_rows().kind) == {"remaining"}
    campaign = camp.Campaign(
        name="k", deadline=date(2021, 6, 10), target=camp.Target("share", 1.0), scope=("Huyện Kỳ Anh",)
    )
    found = breakdowns.breakdown(
        store.current_parts(), store.denominator_rows(), store.units(), campaign, "residence"
    )
    gap = breakdowns.outside_gap(found).iloc[0]
    # On 10/3 (spread between 5/3 and 20/3): 10 + 20 × 5/15 ≈ 16,67 and 4 + 8 × 5/15 ≈ 6,67 were
    # already done; the survey adds the 57 still missing then.  By 20/3: 42 done.
    needed = (10 + 20 * 5 / 15) + 45 + (4 + 8 * 5 / 15) + 12
    assert gap.collected == 42 and gap.needed == pytest.approx(needed)
    assert gap.missing == pytest.approx(needed - 42) and gap.province == "Tỉnh Hà Tĩnh"


# -- per-record exports ----------------------------------------------------------------------

EXPORT_HEAD = (
    "STT,Số hồ sơ,Họ và tên,Ngày sinh,Số CMND/CCCD,Xã/Phường thường trú,Huyện,Tỉnh,"
    "Nơi ở hiện tại,Nơi thu nhận,Loại cấp,Ngày thu nhận,Trạng thái\n"
)
# Distinctive fake identities: none of it may reach the database.
EXPORT_SECRETS = ["Qwzxv Plimbert", "0771234", "Ngõ Zorbq", "07/07/1944", "1944-07", "09/09/2005"]


def export_with_parts() -> tuple[str, dict]:
    """60 applications of three communes over four days, and what their parts must be."""
    births = ["07/07/1944", "09/09/2005", "12/12/1990"]  # elderly; grade 12 in March 2023; none
    homes = [
        "Ngõ Zorbq {i}, Phường Láng Hạ, Quận Đống Đa, Thành phố Hà Nội",
        "Thôn {i}, Xã Kỳ Đồng, Huyện Kỳ Anh, Tỉnh Hà Tĩnh",
    ]
    places = ["Công an xã {c}", "Trường THPT Kỳ Anh", "Tổ lưu động số 2", "Tại nhà công dân"]
    types = ["Cấp mới", "Cấp đổi", "cấp lại"]
    communes = ("Xã Kỳ Đồng", "Xã Kỳ Tân", "Xã Kỳ Lạc")
    lines, expected = [], {}
    for i in range(60):
        commune = communes[i % 3]
        day = date(2023, 3, 20 + i % 4)
        birth, home = births[i % 3], homes[i % 2].format(i=i)
        place, kind = places[i % 4].format(c=commune), types[i % 5 % 3]
        lines.append(
            f"{i + 1},HS-{i:04d},Qwzxv Plimbert {i},{birth},0771234{i:05d},{commune},Huyện Kỳ Anh,Tỉnh Hà Tĩnh,"
            f'"{home}",{place},{kind},{day:%d/%m/%Y} 08:{i:02d},Đã thu nhận\n'
        )
        group = {0: dimensions.ELDERLY, 1: "Học sinh lớp 12"}.get(i % 3)
        for dimension, value in (
            ("group", group),
            (
                "channel",
                [dimensions.AT_OFFICE, dimensions.AT_SCHOOL, dimensions.MOBILE, dimensions.AT_HOME][i % 4],
            ),
            ("application_type", ["Cấp mới", "Cấp đổi", "Cấp lại"][i % 5 % 3]),
            ("residence", [dimensions.OUTSIDE, dimensions.IN_PROVINCE][i % 2]),
        ):
            if value:
                expected[(commune, dimension, value)] = expected.get((commune, dimension, value), 0) + 1
    return EXPORT_HEAD + "".join(lines), expected


def test_a_per_record_export_yields_the_breakdowns_and_stores_no_personal_data(db_url, tmp_path, capsys):
    text, expected = export_with_parts()
    path = tmp_path / "xuat_ho_so.csv"
    path.write_text(text, encoding="utf-8")
    assert cli.main(["ingest", "--json", "--db", db_url, str(path)]) == 0
    out = capsys.readouterr().out
    item = json.loads(out)["files"][0]
    assert item["status"] == "imported" and item["kind"] == "records"
    assert set(item["breakdowns"]["dimensions"]) == {"group", "channel", "application_type", "residence"}
    from cccd_analytics.store import Store

    store = Store.open(db_url)
    parts = store.current_parts(as_of=date(2023, 3, 23))
    names = {"18775": "Xã Kỳ Đồng", "18814": "Xã Kỳ Tân", "18850": "Xã Kỳ Lạc"}
    last = parts.sort_values("date").groupby(["unit_key", "dimension", "value"])["count"].last()
    got = {(names[u], d, v): int(n) for (u, d, v), n in last.items()}
    assert got == expected
    # Every day's running total is exact once read back (spread between the days written).
    campaign = camp.Campaign(
        name="x", deadline=date(2023, 6, 30), target=camp.Target("share", 1.0), scope=("Huyện Kỳ Anh",)
    )
    for day in range(20, 24):
        found = breakdowns.breakdown(
            parts, store.denominator_rows(), store.units(), campaign, "group", date(2023, 3, day)
        )
        elderly = found.rows[
            (found.rows.level == "district") & (found.rows.value == dimensions.ELDERLY)
        ].iloc[0]
        assert elderly.collected == sum(1 for i in range(60) if i % 3 == 0 and 20 + i % 4 <= day)
    # Nothing personal in any table, nor in the database file and its journal.
    with store.engine.connect() as conn:
        for table in sa.inspect(store.engine).get_table_names():
            dump = json.dumps(
                [list(map(str, r)) for r in conn.execute(sa.text(f"SELECT * FROM {table}"))],
                ensure_ascii=False,
            )
            for secret in EXPORT_SECRETS:
                assert secret not in dump, (table, secret)
    store.engine.dispose()
    path = db_url.removeprefix("sqlite:///")
    raw = b"".join(Path(path + s).read_bytes() for s in ("", "-wal") if Path(path + s).exists())
    for secret in EXPORT_SECRETS + ["Zorbq", "Plimbert"]:
        for encoding in ("utf-8", "utf-16-le"):
            assert secret.encode(encoding) not in raw, secret
    for secret in EXPORT_SECRETS:
        assert secret not in out


# -- the bundled samples ------------------------------------------------------------------------


def test_the_samples_carry_illustrative_breakdowns_that_add_up(sample_url):
    from cccd_analytics.sample import SAMPLE_DIR, sample_files
    from cccd_analytics.store import Store

    for folder in ("ky_anh_2021", "nghe_an_2023"):
        for path in sample_files(SAMPLE_DIR / folder)[1:]:
            assert path.read_text(encoding="utf-8").startswith("SỐ LIỆU MINH HỌA"), path
    store = Store.open(sample_url)
    parts, obs, units = store.current_parts(), store.current_observations(), store.units()
    by_campaign = {c.name: c for c in camp.stored(store)}
    ky_anh = camp.scope_communes(next(c for n, c in by_campaign.items() if "Kỳ Anh" in n), units)
    dims = {
        "ky_anh": set(parts[parts.unit_key.isin(ky_anh)].dimension),
        "nghe_an": set(parts[~parts.unit_key.isin(ky_anh)].dimension),
    }
    assert dims == {
        "ky_anh": {"group", "channel", "application_type", "shift"},
        "nghe_an": {"group", "channel", "residence"},
    }
    # The channels of a commune-day add up to its total exactly; groups stay below it.
    channels = parts[(parts.dimension == "channel") & (parts.metric == "collected")]
    summed = channels.groupby(["unit_key", "date"])["count"].sum()
    totals = obs[obs.metric == "collected"].set_index(["unit_key", "date"])["value"]
    assert (summed == totals.reindex(summed.index)).all() and len(summed) > 5000
    groups = parts[
        (parts.dimension == "group") & parts.value.map(lambda v: dimensions.parent("group", v) is None)
    ]
    assert (
        groups.groupby(["unit_key", "date"])["count"].sum()
        <= totals.reindex(groups.groupby(["unit_key", "date"]).size().index)
    ).all()
    # Citizens served in other provinces, and the surveys that say how many are still missing.
    assert set(parts.metric) == {"collected", "elsewhere"}
    nghe_an = next(c for n, c in by_campaign.items() if "Nghệ An" in n)
    residence = breakdowns.breakdown(parts, store.denominator_rows(), units, nghe_an, "residence")
    gap = breakdowns.outside_gap(residence).iloc[0]
    assert 0 < gap.missing < gap.needed and gap.elsewhere > 0
    history = breakdowns.denominator_history(store.denominator_rows(), "residence")
    assert history.date.nunique() == 2 and history.change.notna().any()
    # The group targets of both campaign files are judged.
    for campaign in by_campaign.values():
        rows = breakdowns.targets(parts, store.denominator_rows(), units, campaign)
        assert len(rows) == len(campaign.group_targets) >= 2
        assert set(rows.status) <= set(metrics.STATUS_LABELS) and "no_data" not in set(rows.status)


def test_every_upload_of_the_samples_shows_its_days_parts_alone_too(sample_url):
    """The list of uploads shows a file's days: an upload of parts alone (a breakdown
    report) has no values, so its days are its parts'."""
    store = Store.open(sample_url)
    uploads = store.list_uploads()
    undated = uploads.loc[uploads["report_date"].isna(), "id"].tolist()
    spans = store.upload_spans(undated)
    assert set(spans.index) == set(undated)
    assert (spans["first"] <= spans["last"]).all()
