"""The forecast as `cccd status` shows it: statuses a leader can act on, whatever the way
units report; the reason when the pace and the model disagree; one calibration."""

from __future__ import annotations

import dataclasses
import json
from datetime import date

import numpy as np
import pandas as pd
import pytest

from cccd_analytics.analytics import campaigns as camp
from cccd_analytics.analytics import forecast, metrics
from cccd_analytics.cli import main as cli_main
from cccd_analytics.registry import UNIT_COLUMNS

AS_OF = pd.Timestamp("2024-04-30")
ELIGIBLE = 40_000  # target 50 % = 20,000; 14,000 collected leaves 6,000 for 60 days: 100 a day


def units_frame(keys) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "key": keys,
            "code": keys,
            "name": [f"Xã {k}" for k in keys],
            "level": "commune",
            "unit_type": "Xã",
            "parent_key": None,
            "province_key": None,
            "district_key": None,
            "hierarchy": "test",
            "population": ELIGIBLE,
            "eligible_estimate": ELIGIBLE,
            "tags": [()] * len(keys),
            "official": False,
        }
    )
    return frame[UNIT_COLUMNS].set_index("key", drop=False)


def observations(series: dict[str, pd.Series]) -> pd.DataFrame:
    rows = []
    for key, s in series.items():
        s = s.dropna()
        rows.append(
            pd.DataFrame({"unit_key": key, "date": s.index, "metric": "collected", "value": s.to_numpy()})
        )
    return pd.concat(rows, ignore_index=True).assign(upload_id=1)


def history(daily: np.ndarray, end: float = 14_000.0, every: int = 1) -> pd.Series:
    """A cumulative ending at ``end`` on AS_OF from per-day increments, reported every
    ``every`` days (NaN between: not reported)."""
    days = pd.date_range(end=AS_OF, periods=len(daily), freq="D")
    cum = end - daily.sum() + np.cumsum(daily)
    s = pd.Series(cum, index=days)
    keep = (np.arange(len(daily))[::-1] % every) == 0
    return s.where(keep)


def status_of(series: dict[str, pd.Series], deadline_days: int = 60) -> pd.DataFrame:
    keys = list(series)
    campaign = camp.Campaign(
        name="thử",
        deadline=(AS_OF + pd.Timedelta(days=deadline_days)).date(),
        target=camp.Target("share", 0.5),
        scope=tuple(keys),
    )
    snap = metrics.snapshot(observations(series), units_frame(keys), campaign, AS_OF)
    return snap.units.set_index("key")


def batches(days: int, every: int, amount: float) -> np.ndarray:
    daily = np.zeros(days)
    daily[::-1][::every] = amount  # the last day is a batch day
    return daily


def test_a_unit_sending_700_every_third_day_with_100_a_day_required_is_on_track():
    table = status_of({"dồn": history(batches(42, 3, 700.0), every=1)})
    row = table.loc["dồn"]
    assert row["required_per_day"] == pytest.approx(100.0)
    assert row["pace_robust"] == pytest.approx(700 / 3, rel=0.02)
    assert row["status"] == "on_track"
    assert pd.notna(row["projected_date"]) and pd.notna(row["projected_high"])
    assert "số liệu báo cáo dồn" in row["forecast_note"]
    # a shown probability below the on-track mark is explained, never a bare figure
    if row["p_on_time"] < metrics.P_ON_TRACK:
        assert "gấp" in row["forecast_note"] and "lần cần thiết" in row["forecast_note"]


def test_the_same_unit_reporting_weekly_is_on_track():
    daily = np.full(63, 700 / 3)
    table = status_of({"tuần": history(daily, every=7)})
    row = table.loc["tuần"]
    assert row["pace_robust"] == pytest.approx(700 / 3, rel=0.02)
    assert row["status"] == "on_track"
    assert "báo cáo theo tuần" in row["forecast_note"]


def test_the_same_unit_reporting_weekly_seen_mid_week_is_on_track():
    daily = np.full(63, 700 / 3)
    s = history(daily, every=7)
    s.index = s.index - pd.Timedelta(days=3)  # the last report three days before as-of
    row = status_of({"tuần": s}).loc["tuần"]
    assert row["status"] == "on_track" and pd.notna(row["projected_date"])


def test_a_unit_whose_pace_collapsed_to_a_tenth_of_what_is_required_is_behind():
    daily = np.r_[np.full(42, 100.0), np.full(21, 10.0)]
    row = status_of({"chậm": history(daily)}).loc["chậm"]
    assert row["pace_robust"] == pytest.approx(10.0, rel=0.05)
    assert row["status"] == "behind"
    assert pd.notna(row["projected_date"]) and row["projected_date"] > pd.Timestamp(row["deadline"])
    assert "dự báo đạt" in row["forecast_note"] and "sau hạn" in row["forecast_note"]


def test_a_unit_without_progress_in_28_days_says_so_instead_of_a_bare_zero():
    daily = np.r_[np.full(40, 100.0), np.zeros(30)]
    row = status_of({"đứng": history(daily)}).loc["đứng"]
    assert row["status"] == "behind" and row["p_on_time"] == 0
    assert pd.isna(row["projected_date"])
    assert row["forecast_note"] == metrics.STALLED_NOTE == "không có tiến triển 28 ngày"


def test_a_pace_far_above_the_required_rate_keeps_the_unit_on_track_and_says_why():
    # pace at 3x the required rate but falling fast from a peak 10x higher: the model is
    # cautious; the status stays actionable and the note gives both readings
    daily = np.r_[np.full(30, 3_000.0), np.linspace(3_000, 300, 20), np.full(20, 300.0)]
    row = status_of({"giảm": history(daily, end=14_000)}).loc["giảm"]
    assert row["pace_robust"] / row["required_per_day"] >= metrics.PACE_CLEARLY_AHEAD
    assert row["status"] == "on_track"
    if row["p_on_time"] < metrics.P_ON_TRACK:
        assert "lần cần thiết" in row["forecast_note"]


def test_status_json_keeps_the_contract_fields_and_adds_the_note(tmp_path, capsys):
    from cccd_analytics.store import Store

    db = f"sqlite:///{tmp_path / 'x.sqlite'}"
    csv = tmp_path / "data.csv"
    s = history(batches(42, 3, 700.0))
    pd.DataFrame(
        {
            "date": s.dropna().index.strftime("%d/%m/%Y"),
            "province": "Tỉnh Thử",
            "commune": "Xã Dồn",
            # 10x the eligible and a tenth of the share: the same 20,000 target (an
            # eligible of 40,000 on the first row is read as an Excel date by the
            # layout detection, see the report)
            "eligible": 10 * ELIGIBLE,
            "collected": s.dropna().round().astype(int).to_numpy(),
        }
    ).to_csv(csv, index=False)
    toml = tmp_path / "c.toml"
    toml.write_text(
        f'name = "thử"\ndeadline = {(AS_OF + pd.Timedelta(days=60)).date()}\ntarget = "5%"\n',
        encoding="utf-8",
    )
    assert cli_main(["ingest", str(csv), "--db", db]) == 0
    assert cli_main(["campaign", "add", str(toml), "--db", db]) == 0
    capsys.readouterr()
    assert cli_main(["status", "--json", "--as-of", str(AS_OF.date()), "--db", db]) == 0
    unit = json.loads(capsys.readouterr().out)["units"][0]
    contract = (
        "province, district, commune, code, level, eligible, collected, returned, coverage, pace_7d, "
        "required_per_day, deadline, projected_date, projected_low, projected_high, p_on_time, status"
    ).split(", ")
    assert set(contract) <= set(unit)
    assert unit["status"] == "on_track" and unit["projected_date"] and unit["projected_high"]
    assert "số liệu báo cáo dồn" in unit["forecast_note"]
    Store.open(db).engine.dispose()


# ------------------------------------------------------------ one calibration


def test_status_runs_with_the_calibrated_parameters_file():
    series = {"a": history(np.full(63, 120.0))}
    keys = list(series)
    campaign = camp.Campaign(
        name="x", deadline=date(2024, 6, 29), target=camp.Target("share", 0.5), scope=tuple(keys)
    )
    obs, units = observations(series), units_frame(keys)
    running = metrics.snapshot(obs, units, campaign, AS_OF)
    explicit = metrics.snapshot(obs, units, campaign, AS_OF, params=forecast.load_params())
    pd.testing.assert_frame_equal(running.units, explicit.units)
    # and another set of parameters would change the answer: the file is what runs
    other = dataclasses.replace(forecast.load_params(), b0=forecast.load_params().b0 + 0.5)
    changed = metrics.snapshot(obs, units, campaign, AS_OF, params=other)
    assert changed.units["projected_date"].iloc[0] != running.units["projected_date"].iloc[0]


def test_the_parameters_file_is_what_the_calibration_writes():
    params = forecast.load_params()
    assert params.provenance.get("campaigns") == ["canada", "germany", "italy"]
    assert forecast.ForecastParams.from_json(params.to_json()) == params
    with pytest.raises(ValueError, match="unknown forecast parameters"):
        forecast.ForecastParams.from_json({**params.to_json(), "turn": 0.85})


@pytest.mark.parametrize(
    "section", ["[forecast]\nsaturation_from = 0.85\n", "[forecast]\ntail_share = 0.3\n"]
)
def test_a_campaign_file_cannot_bend_the_forecaster(section):
    text = f'name = "x"\ndeadline = 2021-06-10\ntarget = "100%"\n{section}'
    with pytest.raises(camp.CampaignError, match="forecast"):
        camp.parse_toml(text)


def test_a_stored_definition_with_the_old_setting_still_loads():
    c = camp.from_definition(
        {"name": "x", "deadline": "2021-06-10", "target": "100%", "forecast": {"saturation_from": 0.8}}
    )
    assert "forecast" not in c.to_definition()


def test_cccd_backtest_prints_the_shipped_leave_one_campaign_out_table(capsys):
    assert cli_main(["backtest", "--shipped"]) == 0
    out = capsys.readouterr().out
    # the campaigns by their Vietnamese names (the JSON keeps the identifiers)
    for campaign in ("Ý ", "Đức ", "Ca-na-đa ", "Gộp "):
        assert "\n" + campaign in out
    assert "Sai số mô hình" in out and "Khoảng 80%" in out


# ------------------------------------------------ the note where leaders read it


def test_the_briefing_names_the_communes_whose_forecast_needs_a_note():
    from cccd_analytics.briefing.content import NOTES_SHOWN, forecast_notes_paragraph

    series = {
        "dồn": history(batches(42, 3, 700.0)),
        "đứng": history(np.r_[np.full(40, 100.0), np.zeros(30)]),
        "xong": history(np.full(63, 400.0), end=20_000.0),  # at the target: nothing to read
    }
    table = status_of(series).reset_index()
    table = table.assign(level="commune", name=table["key"].map(lambda k: f"Xã {k}"))
    text = forecast_notes_paragraph(table)
    assert text.startswith("Lưu ý khi đọc dự báo")
    assert "Xã dồn: số liệu báo cáo dồn" in text and "Xã đứng: không có tiến triển 28 ngày" in text
    assert "Xã xong" not in text
    many = pd.concat([table] * (NOTES_SHOWN + 1), ignore_index=True)
    assert "xã khác có ghi chú" in forecast_notes_paragraph(many)
    assert forecast_notes_paragraph(table[table["key"] == "xong"]) == ""


def test_the_unit_page_shows_the_forecast_range_and_note(sample_url, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from cccd_analytics import shared
    from cccd_analytics.analytics.campaigns import stored
    from cccd_analytics.store import Store
    from cccd_analytics.ui import links
    from tests.conftest import ROOT

    store = Store.open(sample_url)
    campaign = stored(store)[0]
    snap = shared.snapshot(store, campaign, None, store.data_version())
    units = snap.units[(snap.units["level"] == "commune") & (snap.units["forecast_note"].fillna("") != "")]
    units = units[units["projected_low"].notna() & ~units["status"].isin(("done", "no_data"))]
    assert len(units), "the sample has communes whose forecast needs a note"
    row = units.iloc[0]
    store.engine.dispose()
    monkeypatch.setenv("CCCD_DB_URL", sample_url)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.session_state["campaign"] = campaign.name
    at.session_state[links.UNIT_KEY] = row["key"]
    at.run()
    at.switch_page("pages/unit.py").run()
    assert not at.exception
    shown = [str(x.body) for x in list(at.warning) + list(at.info)]
    assert any(row["forecast_note"] in s and s.startswith("Lưu ý khi đọc dự báo") for s in shown), shown
    captions = [c.value for c in at.caption]
    assert any(c.startswith("Khoảng dự báo 80%:") for c in captions)


def test_a_late_units_note_names_its_projected_day_range_and_days_late_exactly():
    from cccd_analytics.analytics.status import forecast_notes

    day = pd.Timestamp
    fig = pd.DataFrame(
        {
            "status": ["behind", "at_risk", "behind", "on_track"],
            "stalled": [False, False, False, False],
            "steady_ratio": [np.nan] * 4,
            "pace_ratio": [0.5, 0.9, 0.5, 1.5],
            "p_on_time": [0.1, 0.5, 0.1, 0.9],
            "evidence": [np.nan] * 4,
            "pace_robust": [1.0] * 4,
            "pace_peak": [1.0] * 4,
            # the second projected a few hours into its day, the third without a range
            "projected_date": [
                day("2023-08-05"),
                day("2023-07-30 12:00"),
                day("2023-08-10"),
                day("2023-07-01"),
            ],
            "projected_low": [day("2023-07-30"), day("2023-07-29"), pd.NaT, day("2023-06-20")],
            "projected_high": [day("2023-08-20"), day("2023-08-02"), day("2023-09-01"), day("2023-07-10")],
            "deadline": [day("2023-07-29")] * 4,
        }
    )
    notes = forecast_notes(fig, np.ones(4)).tolist()
    assert notes == [
        "dự báo đạt 5/8/2023 (khoảng 30/7/2023 – 20/8/2023), sau hạn 7 ngày",
        "dự báo đạt 30/7/2023 (khoảng 29/7/2023 – 2/8/2023), sau hạn 1 ngày",
        "dự báo đạt 10/8/2023, sau hạn 12 ngày",
        "",
    ]


def test_every_kind_of_forecast_note_is_worded_exactly():
    """Each branch of forecast_notes on one frame (stalled, batches daily and weekly, the
    7-day and the 3-week pace ahead, short, slowing with and without evidence, late with
    and without a range, a ratio that rounds up to 10): the texts the row-by-row code
    wrote, which the code taking the rows as lists must write too."""
    from cccd_analytics.analytics.status import forecast_notes, forecast_reasons

    day = pd.Timestamp
    n = 9
    fig = pd.DataFrame(
        {
            "status": [
                "behind",
                "at_risk",
                "on_track",
                "at_risk",
                "behind",
                "on_track",
                "behind",
                "at_risk",
                "done",
            ],
            "stalled": [True, False, False, False, False, False, False, False, False],
            "steady_ratio": [0.1, 2.5, 0.3, 1.4, 1.2, 3.0, 12.6, 2.34, 1.0],
            "pace_ratio": [0.0, 2.7, 0.4, np.nan, 1.1, 1.5, 9.96, 1.0, 1.0],
            "p_on_time": [0.0, 0.5, 0.85, 0.45, 0.2, 0.95, 0.3, 0.6, 1.0],
            "evidence": [np.nan, 1.0, 1.0, 2.0, np.nan, 1.0, 1.0, 0.0, 1.0],
            "pace_robust": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0],
            "pace_peak": [2.0, 4.0, 3.5, 8.0, 6.0, 7.0, 9.0, 9.5, 9.0],
            "projected_date": [
                pd.NaT,
                day("2023-08-05"),
                day("2023-07-01"),
                day("2023-08-01"),
                day("2023-09-10"),
                pd.NaT,
                day("2023-07-30"),
                day("2023-08-02 06:00"),
                day("2023-06-01"),
            ],
            "projected_low": [
                pd.NaT,
                day("2023-07-30"),
                pd.NaT,
                day("2023-07-25"),
                pd.NaT,
                pd.NaT,
                day("2023-07-20"),
                day("2023-07-29"),
                pd.NaT,
            ],
            "projected_high": [
                pd.NaT,
                day("2023-08-20"),
                pd.NaT,
                day("2023-08-11"),
                day("2023-10-01"),
                pd.NaT,
                day("2023-08-09"),
                day("2023-08-03"),
                pd.NaT,
            ],
            "deadline": [day("2023-07-29")] * n,
        }
    )
    gap = np.array([1.0, 3.4, 6.0, 2.0, 1.0, 1.0, 1.0, 2.6, 7.0])
    assert forecast_notes(fig, gap).tolist() == [
        "không có tiến triển 28 ngày",
        "số liệu báo cáo dồn (khoảng 3 ngày một lần); tốc độ 7 ngày gấp 2,7 lần cần thiết; mô hình tính đến việc tốc độ thường giảm khi gần bão hòa nên khả năng kịp hạn chỉ 50%; dự báo đạt 5/8/2023 (khoảng 30/7/2023 – 20/8/2023), sau hạn 7 ngày",
        "số liệu báo cáo dồn (báo cáo theo tuần); mô hình dự báo kịp hạn nhưng tốc độ 3 tuần qua chỉ bằng 30% mức cần thiết",
        "số liệu báo cáo dồn (khoảng 2 ngày một lần); tốc độ hiện nay gấp 1,4 lần cần thiết nhưng đang giảm (bằng 50% lúc nhanh nhất); dự báo đạt 1/8/2023 (khoảng 25/7/2023 – 11/8/2023), sau hạn 3 ngày",
        "tốc độ hiện nay gấp 1,2 lần cần thiết nhưng tốc độ thường giảm khi gần bão hòa; dự báo đạt 10/9/2023, sau hạn 43 ngày",
        "",
        "tốc độ 7 ngày gấp 10,0 lần cần thiết; mô hình tính đến việc tốc độ thường giảm khi gần bão hòa nên khả năng kịp hạn chỉ 30%; dự báo đạt 30/7/2023 (khoảng 20/7/2023 – 9/8/2023), sau hạn 1 ngày",
        "số liệu báo cáo dồn (khoảng 3 ngày một lần); tốc độ 3 tuần qua gấp 2,3 lần cần thiết; mô hình tính đến việc tốc độ thường giảm khi gần bão hòa nên khả năng kịp hạn chỉ 60%; dự báo đạt 2/8/2023 (khoảng 29/7/2023 – 3/8/2023), sau hạn 4 ngày",
        "",
    ]
    # The gist for a table's narrow column: only where the status and the figures beside it
    # seem to disagree (a late unit whose pace is short, or a stalled one, needs none).
    assert forecast_reasons(fig, gap).tolist() == [
        "",
        "tốc độ 7 ngày gấp 2,7 lần mức cần; báo cáo dồn",
        "tốc độ 3 tuần chỉ 30% mức cần; báo cáo dồn",
        "đủ tốc độ nhưng đang giảm (50% lúc nhanh nhất); báo cáo dồn",
        "đủ tốc độ nhưng dự báo chậm dần",
        "",
        "tốc độ 7 ngày gấp 10,0 lần mức cần",
        "tốc độ 3 tuần gấp 2,3 lần mức cần; báo cáo dồn",
        "",
    ]
    # A pace at its peak is not "falling", whatever the forecaster has seen.
    at_peak = fig.iloc[[3]].assign(pace_robust=7.9, pace_peak=8.0)
    assert forecast_reasons(at_peak, gap[[3]]).tolist() == ["đủ tốc độ nhưng dự báo chậm dần; báo cáo dồn"]
    # A late unit whose 7-day pace covers the need and whose 3-week pace does not says so
    # (the table showed "104%" beside "Chậm tiến độ" with nothing in this column).
    recent = fig.iloc[[4]].assign(steady_ratio=0.9, pace_ratio=1.04)
    assert forecast_reasons(recent, np.array([1.0])).tolist() == [
        "7 ngày qua đủ tốc độ, nhưng bình quân 3 tuần chỉ 90% mức cần"
    ]
    # And the other way round: never "đủ tốc độ" beside a 7-day pace of 61% of the need.
    short_week = fig.iloc[[4]].assign(steady_ratio=1.2, pace_ratio=0.61)
    assert forecast_reasons(short_week, np.array([1.0])).tolist() == [
        "bình quân 3 tuần đủ tốc độ, nhưng 7 ngày qua chỉ 61% mức cần"
    ]
    assert "tốc độ thường giảm khi gần bão hòa" in forecast_notes(at_peak, gap[[3]])[0]


def test_a_steady_pace_far_ahead_does_not_keep_a_unit_on_track_when_its_last_week_falls_short():
    # 400 a day for weeks (the 3-week pace is several times the 100 a day it needs), then a
    # week of 60: "đúng tiến độ" beside "bình quân 7 ngày 60, cần 100" was no verdict to act on.
    daily = np.r_[np.full(40, 400.0), np.full(7, 60.0)]
    row = status_of({"chậm lại": history(daily, end=14_000)}).loc["chậm lại"]
    assert row["pace_robust"] / row["required_per_day"] >= metrics.PACE_CLEARLY_AHEAD
    assert row["pace_ratio"] < 1 and row["p_on_time"] < metrics.P_ON_TRACK
    assert row["status"] != "on_track"
    assert "7 ngày qua chỉ 60% mức cần" in row["forecast_reason"]


def test_a_pace_that_just_meets_the_need_is_said_so_not_one_time_it():
    """ "gấp 1,0 lần cần thiết … sau hạn 15 ngày" read as a contradiction in a leader's brief."""
    from cccd_analytics.analytics.status import forecast_notes

    fig = pd.DataFrame(
        {
            "status": ["behind"],
            "stalled": [False],
            "steady_ratio": [1.02],
            "pace_ratio": [1.0],
            "p_on_time": [0.2],
            "evidence": [np.nan],
            "pace_robust": [5.0],
            "pace_peak": [6.0],
            "projected_date": [pd.Timestamp("2023-08-13")],
            "projected_low": [pd.NaT],
            "projected_high": [pd.NaT],
            "deadline": [pd.Timestamp("2023-07-29")],
        }
    )
    (note,) = forecast_notes(fig, np.array([1.0])).tolist()
    assert note.startswith("tốc độ hiện nay vừa bằng mức cần thiết nhưng tốc độ thường giảm khi gần bão hòa")
    assert "gấp 1,0 lần" not in note
