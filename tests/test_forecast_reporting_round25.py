"""The forecaster and the status under the reporting units really produce (round 25): real
campaigns' shapes degraded the way units send them, each case built here in code."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cccd_analytics.analytics import forecast
from tests.test_forecast_status import AS_OF, history, status_of

PACE = 250.0  # a day; the target (20.000) leaves 6.000 for 60 days: 100 a day required


def stuck_then_backlog(days: int = 63, stuck: int = 14, since_jump: int = 2) -> pd.Series:
    """A unit working PACE a day that sends its running total every day, but for ``stuck``
    days sends the same total again, then the whole backlog at once ``since_jump`` days
    before the as-of day."""
    s = history(np.full(days, PACE))
    jump = len(s) - 1 - since_jump
    s.iloc[jump - stuck : jump] = s.iloc[jump - stuck - 1]
    return s


def test_a_backlog_entered_at_once_after_two_weeks_of_a_repeated_total_keeps_the_units_pace():
    # Read as two idle weeks and a record one, the record week was capped at twice the
    # median of weeks that were mostly zero and the 28-day peak jumped: the pace came out at
    # 62-90 % of the real one, the model saw a slowdown, and a unit working 2,5 times as fast
    # as required was "chậm tiến độ" two or three days after its backlog came in.
    row = status_of({"dồn": stuck_then_backlog()}).loc["dồn"]
    assert row["pace_robust"] == pytest.approx(PACE, rel=0.02)
    assert row["status"] == "on_track"
    clean = status_of({"đều": history(np.full(63, PACE))}).loc["đều"]
    assert row["projected_date"] == clean["projected_date"]


@pytest.mark.parametrize("since_jump", [0, 3, 9])
def test_the_backlogs_pace_does_not_depend_on_where_the_week_ends(since_jump):
    row = status_of({"dồn": stuck_then_backlog(since_jump=since_jump)}).loc["dồn"]
    assert row["pace_robust"] == pytest.approx(PACE, rel=0.02)
    assert row["status"] == "on_track"


def test_a_total_still_unchanged_on_the_last_report_is_read_as_no_progress():
    # No rise has come yet: the unit says today that nothing moved, and the forecaster
    # believes it (reading the old pace into it would colour a stalled unit green).
    s = history(np.full(63, PACE))
    s.iloc[-10:] = s.iloc[-11]
    row = status_of({"đứng": s}).loc["đứng"]
    assert row["pace_robust"] < 0.6 * PACE
    assert row["status"] != "on_track"


def test_a_weekly_reporters_single_unchanged_week_stays_an_idle_week():
    # One repeated weekly total (a holiday week) may be real: it is not spread.
    daily = np.full(63, PACE)
    daily[-14:-7] = 0.0
    s = history(daily, every=7)
    fc = forecast.forecast_units(
        s.to_frame("u"),
        pd.Series({"u": 40_000.0}),
        pd.Series({"u": 20_000.0}),
        AS_OF + pd.Timedelta(days=60),
        AS_OF,
    )
    weekly = forecast._weekly_paces(forecast._History.of(s.to_frame("u"), AS_OF, None), 3)[:, 0]
    assert weekly[1] == 0.0
    assert fc.loc["u", "pace_robust"] < PACE


# ------------------------------------------- a single report, a unit gone silent


def test_a_unit_with_a_single_report_is_not_said_to_have_had_no_progress_for_28_days():
    # A commune that sends its first report today (or every commune on the campaign's
    # first day) was "chậm tiến độ", P(on time) 0, "không có tiến triển 28 ngày": nothing
    # of that had been seen.  No pace can be read from one figure: at risk, no probability,
    # and the note says why there is no date.
    s = history(np.full(63, PACE))
    s.iloc[:-1] = np.nan
    row = status_of({"mới": s}).loc["mới"]
    assert row["status"] == "at_risk"
    assert pd.isna(row["p_on_time"]) and pd.isna(row["projected_date"])
    assert row["forecast_note"] == "mới có một báo cáo (30/4/2024): chưa tính được tốc độ"


def test_on_the_campaigns_first_day_no_commune_is_coloured_behind():
    table = status_of({k: history(np.full(63, PACE)).where(lambda x: x.index == AS_OF) for k in "abc"})
    assert set(table["status"]) == {"at_risk"}


def test_a_single_report_weeks_old_is_a_silent_unit_not_a_new_one():
    s = history(np.full(63, PACE))
    s.iloc[:] = np.nan
    s.iloc[-40] = 10_000.0
    row = status_of({"im": s}).loc["im"]
    assert row["status"] == "behind"
    assert row["forecast_note"] == "chưa báo cáo 39 ngày (báo cáo gần nhất 22/3/2024)"


def test_a_unit_silent_for_six_weeks_is_said_to_be_silent_not_without_progress():
    s = history(np.full(63, PACE))
    s.iloc[-45:] = np.nan
    row = status_of({"im": s}).loc["im"]
    assert row["status"] == "behind" and pd.isna(row["projected_date"])
    assert row["forecast_note"] == "chưa báo cáo 45 ngày (báo cáo gần nhất 16/3/2024)"


def test_a_forecast_from_a_report_three_weeks_old_says_so():
    # The projection starts from the last report; a date before today, or a late one,
    # read as if the unit had just reported.
    s = history(np.full(63, PACE))
    s.iloc[-20:] = np.nan
    row = status_of({"im": s}).loc["im"]
    assert pd.notna(row["projected_date"])
    assert row["forecast_note"].startswith("chưa báo cáo 20 ngày, dự báo tính từ báo cáo ngày 10/4/2024")


def test_a_flat_total_over_the_ten_days_a_unit_has_reported_says_ten_days():
    s = history(np.full(63, PACE))
    s.iloc[:-10] = np.nan
    s.iloc[-10:] = 9_000.0
    row = status_of({"đứng": s}).loc["đứng"]
    assert row["status"] == "behind"
    assert row["forecast_note"] == "không có tiến triển 9 ngày (từ báo cáo đầu tiên)"


def test_the_units_table_shows_why_there_is_no_date():
    from cccd_analytics import tables

    s = history(np.full(63, PACE))
    s.iloc[:-1] = np.nan
    rows = status_of({"mới": s})
    assert tables.projected_or_why(rows) == ["mới có một báo cáo (30/4/2024): chưa tính được tốc độ"]


def test_the_7_day_pace_and_the_ruler_still_read_the_backlog_as_sent():
    # The trackers' figures (the 7-day pace beside the status, the run-rate date) stay what
    # the reports say; only the forecaster's steady pace spreads the backlog.
    s = stuck_then_backlog(since_jump=2)
    fc = forecast.forecast_units(
        s.to_frame("u"),
        pd.Series({"u": 40_000.0}),
        pd.Series({"u": 20_000.0}),
        AS_OF + pd.Timedelta(days=60),
        AS_OF,
    )
    assert fc.loc["u", "pace_robust"] == pytest.approx(PACE, rel=0.02)
    assert fc.loc["u", "pace_7d"] == pytest.approx((s.iloc[-1] - s.iloc[-8]) / 7)
    assert fc.loc["u", "pace_7d"] > 2 * PACE


def test_the_verdict_on_a_campaigns_first_day_does_not_say_nothing_was_collected():
    from cccd_analytics import tables
    from cccd_analytics.analytics import campaigns as camp
    from cccd_analytics.analytics import metrics
    from tests.test_forecast_status import observations, units_frame

    series = {k: history(np.full(63, PACE)).where(lambda x: x.index == AS_OF) for k in "abc"}
    campaign = camp.Campaign(
        name="thử",
        deadline=(AS_OF + pd.Timedelta(days=60)).date(),
        target=camp.Target("share", 0.5),
        scope=tuple(series),
    )
    snap = metrics.snapshot(observations(series), units_frame(list(series)), campaign, AS_OF)
    said = tables.verdict_action(snap.milestones.iloc[0], snap.units, campaign.deadline)
    assert "chưa thu nhận hồ sơ nào" not in said
    assert said.startswith(
        "Để kịp hạn 29/6/2024: cần 300 hồ sơ mỗi ngày, chưa đủ số liệu để tính bình quân 7 ngày"
    )


# ------------------------------------------- a single report that cannot finish


def _single(value: float) -> pd.Series:
    s = history(np.full(63, PACE))
    s[:] = np.nan
    s.iloc[-1] = value
    return s


def test_a_unit_with_one_report_that_cannot_finish_at_its_own_pace_is_behind():
    """Xã Hải Châu at 20,3 % with 2 days left, needing 11.801 a day after a month of the
    campaign, was amber and without a probability: a single report leaves the pace unknown,
    not the unit fine.  Its running total over the campaign's working days is a pace it
    has shown; a need far above it cannot be met."""
    from cccd_analytics.analytics import campaigns as camp
    from cccd_analytics.analytics import metrics
    from tests.test_forecast_status import observations, units_frame

    series = {"hc": _single(8_000.0)}
    campaign = camp.Campaign(
        name="gấp",
        start=(AS_OF - pd.Timedelta(days=33)).date(),
        deadline=(AS_OF + pd.Timedelta(days=2)).date(),
        target=camp.Target("share", 0.5),
        scope=tuple(series),
    )
    row = metrics.snapshot(observations(series), units_frame(["hc"]), campaign, AS_OF).units.iloc[0]
    assert row["status"] == "behind"


def test_a_unit_with_one_report_needing_more_than_any_peer_ever_did_is_behind():
    """Its peers' highest pace (250 a day of 40.000 eligible) is the most it could be
    credited with: 19.000 left for 60 days (over 300 a working day) is out of reach, 6.000
    (about 117) is not, and stays amber."""
    peers = {k: history(np.full(63, PACE)) for k in "ab"}
    table = status_of({**peers, "far": _single(1_000.0), "near": _single(14_000.0)})
    assert table.loc["far", "status"] == "behind"
    assert table.loc["near", "status"] == "at_risk"


def test_a_unit_with_one_report_and_no_working_day_left_is_behind():
    table = status_of({"mới": _single(1_000.0)}, deadline_days=0)
    assert table.loc["mới", "status"] == "behind"
