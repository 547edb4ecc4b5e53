"""Data-quality checks: the sample's documented glitches and nothing else, reporting
completeness, falling cumulatives across uploads, spikes, subtotal mismatches."""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import openpyxl
import pandas as pd
import pytest

from cccd_analytics import ingest
from cccd_analytics.analytics import campaigns as camp
from cccd_analytics.analytics import quality
from cccd_analytics.store import Store
from tests.conftest import ROOT, write

KY_ANH = "Huyện Kỳ Anh — 87.000 thẻ CCCD trước 10/6/2021"
NGHE_AN = "Cao điểm 70 ngày, đêm — Nghệ An 2023"
KY_DONG, KY_TAN = "18775", "18814"
EN = "date,province,district,commune,commune_code,eligible,collected,collected_day,returned\n"
# kind in sample_data/README.md → check that must find it
CHECK_OF_KIND = {
    "eligible_understated": "coverage_over_100",
    "returned_exceeds_collected": "returned_above_collected",
    "spike_day": "spike",
    "reporting_gap": "missing_report",
}


@pytest.fixture(scope="module")
def sample(sample_db):
    store = Store.open(f"sqlite:///{sample_db}")
    obs, units, uploads = store.current_observations(), store.units(), store.list_uploads()
    campaigns = {c["name"]: camp.from_definition(c) for c in store.campaign_definitions()}
    store.engine.dispose()
    found = {
        name: quality.findings(obs, units, campaigns[name], uploads=uploads) for name in (KY_ANH, NGHE_AN)
    }
    return obs, units, uploads, campaigns, found


def documented_glitches(dataset: str) -> list[dict]:
    rows = []
    for line in (ROOT / "sample_data/README.md").read_text(encoding="utf-8").splitlines():
        if re.match(rf"\|\s*{dataset}\s*\|", line):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            rows.append(dict(zip(["dataset", "kind", "code", "commune", "date", "detail"], cells)))
    return rows


@pytest.mark.parametrize("dataset, name", [("ky_anh_2021", KY_ANH), ("nghe_an_2023", NGHE_AN)])
def test_warnings_and_errors_are_exactly_the_documented_glitches(sample, dataset, name):
    _, units, _, _, found = sample
    serious = found[name][found[name]["severity"] != "info"]
    glitches = documented_glitches(dataset)
    assert len(glitches) == 4 and len(serious) == len(glitches)
    for glitch in glitches:
        first, _, last = glitch["date"].partition("..")
        first, last = pd.Timestamp(first), pd.Timestamp(last or first)
        key = units.index[
            (units["code"] == glitch["code"]) & (units["level"] == "commune") & (units["hierarchy"] == "3")
        ][0]
        (hit,) = serious[
            (serious["unit_key"] == key) & (serious["check"] == CHECK_OF_KIND[glitch["kind"]])
        ].itertuples()
        assert hit.unit_name == glitch["commune"]
        if glitch["kind"] == "reporting_gap":
            assert (hit.date, hit.date_end, hit.value) == (first, last, 4) and hit.severity == "warning"
        elif glitch["kind"] == "eligible_understated":
            assert hit.date <= first <= hit.date_end  # over 100 % from some day through the last
        else:
            assert hit.date == first == hit.date_end


def test_documented_figures_appear_in_the_findings(sample):
    found = sample[4]
    ky_anh = found[KY_ANH].set_index("check")
    assert (
        ky_anh.loc["returned_above_collected", "value"],
        ky_anh.loc["returned_above_collected", "expected"],
    ) == (2172, 2137)
    assert (ky_anh.loc["coverage_over_100", "value"], ky_anh.loc["coverage_over_100", "expected"]) == (
        1317,
        1033,
    )
    assert "127,5%" in ky_anh.loc["coverage_over_100", "message_vi"]
    assert ky_anh.loc["spike", "value"] == 366 and 55 <= ky_anh.loc["spike", "expected"] <= 70
    nghe_an = found[NGHE_AN].set_index("check")
    assert (nghe_an.loc["coverage_over_100", "value"], nghe_an.loc["coverage_over_100", "expected"]) == (
        5805,
        4845,
    )
    assert nghe_an.loc["spike", "value"] == 198


def test_every_finding_has_a_vietnamese_label_and_message(sample):
    for frame in sample[4].values():
        assert list(frame.columns) == quality.FINDING_COLUMNS
        assert frame["check_label"].notna().all() and frame["severity_label"].notna().all()
        assert frame["message_vi"].str.len().gt(20).all()
    summary = quality.summary(sample[4][NGHE_AN])
    # Errors first, then warnings, then notes.  (The sample's most serious finding, more cards
    # returned than applications collected, is a warning since the rules were defined once:
    # cccd_analytics/rules.py says why.)
    rank = summary["severity"].map({s: i for i, s in enumerate(quality.SEVERITY_ORDER)})
    assert rank.is_monotonic_increasing and summary.iloc[0]["severity"] == "warning"
    assert set(summary["check_label"]) <= set(quality.CHECKS.values())


def test_single_missing_days_are_notes_that_add_up_to_the_grid(sample):
    obs, units, _, campaigns, found = sample
    comp = quality.completeness(obs, units, campaigns[NGHE_AN])
    missing = found[NGHE_AN][found[NGHE_AN]["check"] == "missing_report"]
    assert missing["value"].sum() == (comp.grid == 0).sum().sum()
    assert (missing.loc[missing["severity"] == "info", "value"] < quality.GAP_WARNING_DAYS).all()


def test_completeness_per_unit_and_per_day(sample):
    obs, units, _, campaigns, _ = sample
    comp = quality.completeness(obs, units, campaigns[NGHE_AN])
    assert comp.grid.shape == (460, 57)
    assert comp.grid.columns[0] == pd.Timestamp("2023-04-20") and comp.grid.columns[-1] == pd.Timestamp(
        "2023-06-15"
    )
    by_day = comp.by_day.set_index("date")
    assert by_day.loc["2023-06-15", "completeness"] == 1.0 and by_day.loc["2023-04-20", "completeness"] == 1.0
    by_unit = comp.by_unit.set_index("unit_key")
    assert by_unit.loc["16828", "reported_days"] <= 57 - 4
    assert by_unit["completeness"].equals(by_unit["reported_days"] / by_unit["expected_days"])
    # README: about 2.5 % of commune-days have no row
    share_missing = 1 - by_unit["reported_days"].sum() / by_unit["expected_days"].sum()
    assert 0.015 < share_missing < 0.035
    # the heat map is ordered by district, then name
    assert comp.by_unit["unit_key"].tolist() == comp.grid.index.tolist()


def tidy(series: dict[str, dict], metric: str = "collected") -> pd.DataFrame:
    rows = [
        (k, pd.Timestamp(d), metric, float(v), 1) for k, values in series.items() for d, v in values.items()
    ]
    return pd.DataFrame(rows, columns=["unit_key", "date", "metric", "value", "upload_id"])


def test_a_day_off_is_not_a_missing_report_and_a_silent_unit_is_flagged(store):
    units = store.units()
    days = [d for d in pd.date_range("2021-03-01", "2021-03-10") if d != pd.Timestamp("2021-03-05")]
    obs = tidy({KY_DONG: {d: 10 * i for i, d in enumerate(days)}})
    campaign = camp.Campaign(
        name="Thử",
        deadline=date(2021, 4, 30),
        target=camp.Target("share", 1.0),
        start=date(2021, 3, 1),
        scope=(KY_DONG, KY_TAN),
        days_off=((date(2021, 3, 5), 0.0, "Nghỉ"),),
    )
    found = quality.findings(obs, units, campaign)
    assert set(found["check"]) == {"never_reported"}
    (silent,) = found.itertuples()
    assert silent.unit_key == KY_TAN and silent.severity == "warning" and silent.value == 9
    grid = quality.completeness(obs, units, campaign).grid
    assert np.isnan(grid.loc[KY_DONG, pd.Timestamp("2021-03-05")]) and grid.loc[KY_TAN].sum() == 0


def test_spike_rule_flags_a_one_day_batch_entry_but_not_a_mobile_team_surge(store):
    units = store.units()
    rng = np.random.default_rng(3)
    days = pd.date_range("2021-03-01", "2021-04-10")
    per_day = rng.integers(45, 56, len(days)).astype(float)
    surge, batch = per_day.copy(), per_day.copy()
    surge[15:19] *= 3.0  # four days of a mobile team: real work
    batch[25] = 300  # one day with a week's entries at once
    obs = tidy({KY_DONG: dict(zip(days, np.cumsum(surge))), KY_TAN: dict(zip(days, np.cumsum(batch)))})
    campaign = camp.Campaign(
        name="Thử",
        deadline=date(2021, 4, 30),
        target=camp.Target("share", 1.0),
        start=date(2021, 3, 1),
        scope=(KY_DONG, KY_TAN),
    )
    found = quality.findings(obs, units, campaign)
    (spike,) = found[found["check"] == "spike"].itertuples()
    assert spike.unit_key == KY_TAN and spike.date == days[25] and spike.value == 300
    scores = quality.spike_scores(pd.DataFrame({KY_DONG: np.cumsum(surge)}, index=days))
    assert scores["z"][KY_DONG].max() >= quality.SPIKE_Z  # high z, yet a surge: not isolated
    assert not scores["spike"][KY_DONG].any()


def test_falling_cumulative_left_by_an_undo_is_an_error(store, tmp_path):
    row = "Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Đồng,18775,4489,{value},,0\n"
    first = ingest.import_file(store, write(tmp_path / "a.csv", EN + "2021-03-15," + row.format(value=400)))
    revised = ingest.import_file(store, write(tmp_path / "b.csv", EN + "2021-03-15," + row.format(value=300)))
    later = ingest.import_file(store, write(tmp_path / "c.csv", EN + "2021-03-16," + row.format(value=350)))
    assert [r.status for r in (first, revised, later)] == ["imported"] * 3
    assert quality.findings(store.current_observations(), store.units()).query("severity == 'error'").empty
    store.undo_upload(revised.upload_id)  # 15/3 goes back to 400; 16/3 stays 350
    found = quality.findings(store.current_observations(), store.units())
    (fall,) = found[found["check"] == "falling_cumulative"].itertuples()
    assert (fall.unit_key, fall.date, fall.value, fall.expected, fall.severity) == (
        KY_DONG,
        pd.Timestamp("2021-03-16"),
        350,
        400,
        "error",
    )
    assert "thấp hơn" in fall.message_vi


def test_subtotal_mismatch_comes_from_the_import_warnings(sample_url, tmp_path):
    book = openpyxl.load_workbook(ROOT / "sample_data/nghe_an_2023/reports/bao_cao_ngay_20_04_2023.xlsx")
    sheet = book.active
    (row,) = [r for r in sheet.iter_rows(min_row=11) if r[1].value == "HUYỆN KỲ SƠN"]
    sheet.cell(row[0].row, 5).value = row[4].value + 6  # "Lũy kế" of the Kỳ Sơn subtotal
    book.save(tmp_path / "bao_cao_ngay_20_04_2023.xlsx")
    store = Store.open(sample_url)
    report = ingest.import_file(store, tmp_path / "bao_cao_ngay_20_04_2023.xlsx")
    assert report.status == "imported" and any(p.code == "subtotal_mismatch" for p in report.problems)
    campaign = next(camp.from_definition(c) for c in store.campaign_definitions() if c["name"] == NGHE_AN)
    found = quality.findings(
        store.current_observations(), store.units(), campaign, uploads=store.list_uploads()
    )
    (hit,) = found[found["check"] == "subtotal_mismatch"].itertuples()
    assert (hit.unit_key, hit.unit_name, hit.date) == ("417", "Huyện Kỳ Sơn", pd.Timestamp("2023-04-20"))
    assert hit.value - hit.expected == 6 and "bao_cao_ngay_20_04_2023.xlsx" in hit.message_vi
    # before the report's day the warning does not exist yet
    early = quality.findings(
        store.current_observations(),
        store.units(),
        campaign,
        as_of="2023-04-19",
        uploads=store.list_uploads(),
    )
    assert "subtotal_mismatch" not in set(early["check"])


def test_a_finding_a_note_resolved_is_marked_and_an_older_note_gives_way_to_a_newer():
    import datetime as dt

    found = pd.DataFrame(
        {
            "unit_key": ["18814", "18814", "18790"],
            "check": ["spike", "missing_report", "spike"],
            "date": pd.to_datetime(["2021-03-16", "2021-03-17", "2021-03-16"]),
        }
    )
    notes = pd.DataFrame(  # newest first, as Store.quality_notes gives them
        {
            "unit_key": ["18814", "18814", "18790"],
            "check_name": ["spike", "spike", "spike"],
            "date": [dt.date(2021, 3, 16), dt.date(2021, 3, 16), dt.date(2021, 3, 15)],
            "status": ["resolved", "open", "resolved"],
        }
    )
    marked = quality.with_notes(found, notes)
    assert marked["note_status"].tolist() == ["resolved", "", ""]
    assert quality.with_notes(found, notes.head(0))["note_status"].tolist() == ["", "", ""]
