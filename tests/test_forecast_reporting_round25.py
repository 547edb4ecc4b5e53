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
