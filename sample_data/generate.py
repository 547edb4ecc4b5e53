"""Deterministic synthetic sample data for cccd_analytics.

Builds two campaigns on the real GSO registry and 2019 census populations copied into
``cccd_analytics/data/vn_admin/``:

* ``ky_anh_2021/`` — Huyện Kỳ Anh (Hà Tĩnh), 20 communes, 17/02/2021 to 15/05/2021,
  target 87,000 cards by 10/06/2021.  Canonical CSV with Vietnamese headers.
* ``nghe_an_2023/`` — Tỉnh Nghệ An, 460 communes of 21 districts, the "70 ngày, đêm" peak,
  20/04/2023 to 15/06/2023.  Canonical CSV with English headers.

Each folder gets ``observations.csv``, ``campaign.toml`` and ``reports/*.xlsx`` (daily
report spreadsheets laid out the way police units send them).

Eligible population (citizens aged 14 and over)
------------------------------------------------
``eligible = round(population_2019_census * share)`` (Python rounding, half to even), with

* ``ELIGIBLE_SHARE = 0.772``: in the 2019 Population and Housing Census about 22.8 % of the
  national population was under 14, so 77.2 % is 14 or older.
* ``ELIGIBLE_SHARE_MOUNTAIN = 0.72`` for the mountain districts of western Nghệ An: the six
  districts on the Laos border (Quế Phong, Kỳ Sơn, Tương Dương, Con Cuông, Anh Sơn,
  Thanh Chương) plus Quỳ Châu and Quỳ Hợp.  These are largely ethnic-minority areas
  with higher fertility, so a larger share of the population is under 14.  The district
  list and the figure are a modelling choice (the same as ``cccd_analytics.registry``
  uses for its eligible estimate), not an official classification or census statistic.

Huyện Kỳ Anh is not a mountain district, so all its communes use 0.772.  See
``eligible_population``.  The census is four years old by 2023 and people move, so the
"true" pool a commune can reach differs from the eligible figure by a few per cent; the
simulation models this with a per-commune ``pool`` factor (some communes finish at 100 %,
others stall below it).

Determinism
-----------
One ``numpy.random.default_rng(SEED)`` per dataset, no clock, no hash-order dependence.
The .xlsx files are re-zipped with fixed timestamps and fixed document properties, so
running the script twice writes byte-identical files.

Usage::

    python sample_data/generate.py [--out DIR]     # DIR defaults to sample_data/
"""

from __future__ import annotations

import argparse
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side
from openpyxl.utils import get_column_letter

HERE = Path(__file__).resolve().parent
ADMIN_DIR = Path(__file__).resolve().parents[1] / "cccd_analytics/data/vn_admin"

SEED_KY_ANH = 20210217
SEED_NGHE_AN = 20230420

# --------------------------------------------------------------------------------------
# Eligible population
# --------------------------------------------------------------------------------------

ELIGIBLE_SHARE = 0.772
ELIGIBLE_SHARE_MOUNTAIN = 0.72
# GSO district codes: Quế Phong, Quỳ Châu, Kỳ Sơn, Tương Dương, Quỳ Hợp, Con Cuông,
# Anh Sơn, Thanh Chương.
MOUNTAIN_DISTRICTS = frozenset({"415", "416", "417", "418", "420", "422", "424", "428"})


def eligible_population(population_2019_census: int, district_code: str) -> int:
    """Citizens aged 14+ (eligible for a CCCD) estimated from the 2019 census count.

    0.772 nationally (22.8 % under 14 in the 2019 census); 0.72 in the mountain districts
    of western Nghệ An, whose population is younger.
    """
    share = ELIGIBLE_SHARE_MOUNTAIN if district_code in MOUNTAIN_DISTRICTS else ELIGIBLE_SHARE
    return int(round(population_2019_census * share))


# --------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------


def read_communes(name: str) -> pd.DataFrame:
    frame = pd.read_csv(ADMIN_DIR / name, dtype=str, keep_default_na=False)
    frame["population_2019_census"] = frame["population_2019_census"].astype(int)
    frame["eligible_true"] = [
        eligible_population(p, d) for p, d in zip(frame["population_2019_census"], frame["district_code"])
    ]
    return frame.reset_index(drop=True)


def day_range(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def round_half_up(x: np.ndarray) -> np.ndarray:
    return np.floor(np.asarray(x, dtype=float) + 0.5).astype(np.int64)


def largest_remainder(values: np.ndarray, total: int) -> np.ndarray:
    """Integers proportional to ``values`` that sum exactly to ``total``."""
    values = np.asarray(values, dtype=float)
    scaled = values * (total / values.sum())
    base = np.floor(scaled).astype(np.int64)
    short = int(total - base.sum())
    order = np.argsort(-(scaled - base), kind="stable")
    base[order[:short]] += 1
    return base


def surge_matrix(
    rng: np.random.Generator, n_units: int, n_days: int, first_day: int, per_unit: tuple[int, int]
) -> np.ndarray:
    """Mobile-team surges: each unit gets a few spells of 3–5 days at 2–3× its normal."""
    surge = np.ones((n_units, n_days))
    counts = rng.integers(per_unit[0], per_unit[1] + 1, size=n_units)
    for unit in range(n_units):
        for _ in range(counts[unit]):
            start = int(rng.integers(first_day, n_days - 3))
            length = int(rng.integers(3, 6))
            surge[unit, start : start + length] = rng.uniform(2.0, 3.0)
    return surge


def returned_series(
    rng: np.random.Generator,
    collected: np.ndarray,
    lag: np.ndarray,
    pickup: np.ndarray,
    history: np.ndarray | None = None,
) -> np.ndarray:
    """Cumulative cards handed back: the collected series ``lag`` days earlier, times a
    pick-up share, updated in batches (cards arrive from the central factory in lots).

    ``history`` gives each unit's cumulative collected on the days before the first
    day (index -1 = the day before), for the datasets that start mid-way.
    """
    n_units, n_days = collected.shape
    returned = np.zeros_like(collected)
    for unit in range(n_units):
        current = 0
        for t in range(n_days):
            source = t - int(lag[unit])
            if source >= 0:
                reachable = collected[unit, source]
            elif history is not None:
                reachable = history[unit, source]  # negative index: before day 0
            else:
                reachable = 0
            target = int(np.floor(reachable * pickup[unit]))
            batch_day = t == 0 or rng.random() < 0.4
            if batch_day and target > current:
                current = target
            returned[unit, t] = current
    return returned


def drop_reports(
    rng: np.random.Generator,
    n_units: int,
    n_days: int,
    share: float,
    keep_days: set[int],
    keep_cells: set[tuple[int, int]],
) -> np.ndarray:
    """Boolean mask of commune-days that were reported (True) — about ``share`` missing."""
    reported = rng.random((n_units, n_days)) >= share
    for t in keep_days:
        reported[:, t] = True
    for unit, t in keep_cells:
        reported[unit, t] = True
    return reported


def to_rows(
    communes: pd.DataFrame,
    days: list[date],
    eligible: np.ndarray,
    collected: np.ndarray,
    returned: np.ndarray,
    reported: np.ndarray,
    first_day_collected: np.ndarray,
) -> pd.DataFrame:
    """Long table of reported rows; ``collected_day`` is the difference from the commune's
    previous reported cumulative (first row: that day's collections)."""
    unit, t = np.nonzero(reported)  # ordered by unit, then day
    cum = collected[unit, t]
    first = np.r_[True, unit[1:] != unit[:-1]]
    previous = np.r_[0, cum[:-1]]
    day_count = np.where(first, first_day_collected[unit], cum - previous)
    frame = pd.DataFrame(
        {
            "date": np.asarray(days, dtype=object)[t],
            "province": communes["province_name"].to_numpy()[unit],
            "district": communes["district_name"].to_numpy()[unit],
            "commune": communes["commune_name"].to_numpy()[unit],
            "commune_code": communes["commune_code"].to_numpy()[unit],
            "eligible": np.asarray(eligible, dtype=np.int64)[unit],
            "collected": cum.astype(np.int64),
            "collected_day": day_count.astype(np.int64),
            "returned": returned[unit, t].astype(np.int64),
        }
    )
    return frame.sort_values(["date", "commune_code"], kind="stable").reset_index(drop=True)


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


# --------------------------------------------------------------------------------------
# Glitches (documented in sample_data/README.md; tests read that table)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Glitches:
    understated_code: str  # (a) eligible understated, coverage > 100 % at the end
    understated_factor: float
    returned_over_code: str  # (b) returned > collected on the last day
    returned_over_extra: int
    spike_code: str  # (c) batch-entry day, ~6× the normal daily count
    spike_day: date
    spike_factor: float
    gap_code: str  # one commune stops reporting for four days
    gap_first: date
    gap_last: date


KY_ANH_GLITCHES = Glitches(
    understated_code="18787",
    understated_factor=0.70,  # Xã Kỳ Trung
    returned_over_code="18802",
    returned_over_extra=35,  # Xã Kỳ Hải
    spike_code="18814",
    spike_day=date(2021, 4, 14),
    spike_factor=6.0,  # Xã Kỳ Tân
    gap_code="18799",
    gap_first=date(2021, 4, 19),
    gap_last=date(2021, 4, 22),  # Xã Kỳ Thượng
)

NGHE_AN_GLITCHES = Glitches(
    understated_code="17146",
    understated_factor=0.82,  # Xã Ngọc Sơn (Quỳnh Lưu)
    returned_over_code="16681",
    returned_over_extra=58,  # Phường Quang Trung (Vinh)
    spike_code="17290",
    spike_day=date(2023, 5, 10),
    spike_factor=6.0,  # Xã Nghĩa Thái (Tân Kỳ)
    gap_code="16828",
    gap_first=date(2023, 5, 22),
    gap_last=date(2023, 5, 25),  # Xã Huồi Tụ (Kỳ Sơn)
)

MISSING_SHARE = 0.025
SATURATION_WINDOW = 0.12  # the last 12 % of the reachable pool is collected ever more slowly


# --------------------------------------------------------------------------------------
# Kỳ Anh 2021
# --------------------------------------------------------------------------------------

KY_ANH_FIRST = date(2021, 2, 17)
KY_ANH_LAST = date(2021, 5, 15)
KY_ANH_CHECKPOINT = date(2021, 3, 15)
KY_ANH_CHECKPOINT_TOTAL = 4843  # as reported in the press
KY_ANH_TARGET = 87000
KY_ANH_DEADLINE = date(2021, 6, 10)
KY_ANH_CUMULATIVE_LAST = 59000  # district cumulative aimed at on the last day (before the spike)
KY_ANH_LAGGARDS = ("18799", "18850")  # Xã Kỳ Thượng, Xã Kỳ Lạc: remote, slow
KY_ANH_REPORT_DAYS = (date(2021, 2, 26), date(2021, 3, 15), date(2021, 4, 15), date(2021, 5, 15))
KY_ANH_TEXT_NUMBERS_DAY = date(2021, 4, 15)
KY_ANH_HOLIDAYS = {
    date(2021, 4, 21): 0.6,  # Giỗ Tổ Hùng Vương (10/3 âm lịch)
    date(2021, 4, 30): 0.45,
    date(2021, 5, 1): 0.4,
    date(2021, 5, 2): 0.5,  # a Sunday inside the break (Sunday factor also applies)
    date(2021, 5, 3): 0.6,  # day off in lieu of 01/05
}


def ky_anh_capacity(days: list[date]) -> np.ndarray:
    """District-wide daily capacity before weekday/holiday effects (two teams, 6:30–01:00)."""
    shape = []
    for day in days:
        if day <= date(2021, 2, 21):  # last days of Tết: one desk at the station
            k = (day - KY_ANH_FIRST).days
            shape.append(30 + 8 * k)
        elif day <= KY_ANH_CHECKPOINT:  # second team, equipment arriving
            k = (day - date(2021, 2, 22)).days
            shape.append(70 + 14 * k)
        elif day <= date(2021, 3, 26):  # ramp-up to full capacity
            k = (day - date(2021, 3, 16)).days
            shape.append(450 + 55 * k)
        elif day <= date(2021, 4, 29):
            shape.append(1000)
        else:  # May: extra shifts after the holiday
            shape.append(1150)
    return np.asarray(shape, dtype=float)


def day_factors(days: list[date], sunday: float, holidays: dict[date, float]) -> np.ndarray:
    factors = np.ones(len(days))
    for t, day in enumerate(days):
        if day.weekday() == 6:
            factors[t] *= sunday
        factors[t] *= holidays.get(day, 1.0)
    return factors


def simulate_ky_anh(communes: pd.DataFrame) -> dict:
    rng = np.random.default_rng(SEED_KY_ANH)
    g = KY_ANH_GLITCHES
    days = day_range(KY_ANH_FIRST, KY_ANH_LAST)
    n_units, n_days = len(communes), len(days)
    codes = communes["commune_code"].tolist()
    eligible_true = communes["eligible_true"].to_numpy()

    # District daily totals.
    expected = (
        ky_anh_capacity(days)
        * day_factors(days, 0.7, KY_ANH_HOLIDAYS)
        * rng.lognormal(0.0, 0.07, size=n_days)
    )
    checkpoint = days.index(KY_ANH_CHECKPOINT)
    totals = np.zeros(n_days, dtype=np.int64)
    totals[: checkpoint + 1] = largest_remainder(expected[: checkpoint + 1], KY_ANH_CHECKPOINT_TOTAL)
    totals[checkpoint + 1 :] = largest_remainder(
        expected[checkpoint + 1 :], KY_ANH_CUMULATIVE_LAST - KY_ANH_CHECKPOINT_TOTAL
    )

    # Commune appeal (distance to the team's site, population density) and reachable pool.
    appeal = rng.lognormal(0.0, 0.12, size=n_units)
    pool = rng.uniform(0.90, 1.00, size=n_units)
    for code in KY_ANH_LAGGARDS:
        appeal[codes.index(code)] *= 0.5
        pool[codes.index(code)] = 0.82
    appeal[codes.index(g.understated_code)] *= 1.6
    surge = surge_matrix(rng, n_units, n_days, first_day=checkpoint - 10, per_unit=(1, 2))
    noise = rng.lognormal(0.0, 0.15, size=(n_units, n_days))

    daily = np.zeros((n_units, n_days), dtype=np.int64)
    cum = np.zeros(n_units, dtype=np.int64)
    spike_unit, spike_t = codes.index(g.spike_code), days.index(g.spike_day)
    for t in range(n_days):
        remaining = pool * eligible_true - cum
        sat = np.clip(remaining / (SATURATION_WINDOW * eligible_true), 0.0, 1.0)
        weight = appeal * eligible_true * sat * surge[:, t] * noise[:, t]
        share = largest_remainder(weight, int(totals[t])) if weight.sum() > 0 else np.zeros(n_units)
        share = np.minimum(share, np.maximum(np.floor(remaining), 0).astype(np.int64))
        if t == spike_t:
            normal = np.median(daily[spike_unit, t - 7 : t])
            share[spike_unit] = int(round(g.spike_factor * normal))
        daily[:, t] = share
        cum += share
    collected = np.cumsum(daily, axis=1)
    assert collected[:, checkpoint].sum() == KY_ANH_CHECKPOINT_TOTAL

    lag = rng.integers(14, 21, size=n_units)
    pickup = rng.uniform(0.95, 0.99, size=n_units)
    returned = returned_series(rng, collected, lag, pickup)
    last = n_days - 1
    over = codes.index(g.returned_over_code)
    returned[over, last] = collected[over, last] + g.returned_over_extra

    eligible = eligible_true.copy()
    under = codes.index(g.understated_code)
    eligible[under] = round_half_up(eligible_true[under] * g.understated_factor)
    assert collected[under, last] > eligible[under], "glitch (a) must exceed 100 %"

    keep_days = {0, last, *(days.index(d) for d in KY_ANH_REPORT_DAYS)}
    keep_cells = {(spike_unit, spike_t), (spike_unit, spike_t - 1), (over, last)}
    gap = codes.index(g.gap_code)
    keep_cells |= {
        (gap, t)
        for t in (
            *range(days.index(g.gap_first) - 2, days.index(g.gap_first)),
            *range(days.index(g.gap_last) + 1, days.index(g.gap_last) + 3),
        )
    }
    reported = drop_reports(rng, n_units, n_days, MISSING_SHARE, keep_days, keep_cells)
    for t in range(days.index(g.gap_first), days.index(g.gap_last) + 1):
        reported[gap, t] = False
    return dict(
        days=days, eligible=eligible, collected=collected, daily=daily, returned=returned, reported=reported
    )


# --------------------------------------------------------------------------------------
# Nghệ An 2023
# --------------------------------------------------------------------------------------

NGHE_AN_FIRST = date(2023, 4, 20)
NGHE_AN_LAST = date(2023, 6, 15)
NGHE_AN_BORDER_DEADLINE = date(2023, 5, 30)
NGHE_AN_REPORT_DAYS = (date(2023, 4, 20), date(2023, 5, 30), date(2023, 6, 15))
# 30/4–1/5 break of 2023 ran Saturday 29/4 to Wednesday 3/5; units kept working, fewer hands.
NGHE_AN_HOLIDAYS = {
    date(2023, 4, 29): 0.7,
    date(2023, 4, 30): 0.5,
    date(2023, 5, 1): 0.45,
    date(2023, 5, 2): 0.6,
    date(2023, 5, 3): 0.75,
}
# Coverage on 19/04/2023, before the peak (mean per district; communes vary around it).
NGHE_AN_BASELINE = {
    "412": 0.70,
    "413": 0.68,
    "414": 0.66,
    "415": 0.50,
    "416": 0.55,
    "417": 0.47,
    "418": 0.49,
    "419": 0.60,
    "420": 0.56,
    "421": 0.63,
    "422": 0.52,
    "423": 0.59,
    "424": 0.55,
    "425": 0.64,
    "426": 0.62,
    "427": 0.63,
    "428": 0.54,
    "429": 0.64,
    "430": 0.66,
    "431": 0.65,
    "432": 0.64,
}
# Illustrative "xã điểm, kiểu mẫu" — no official list was available.
NGHE_AN_MODEL_COMMUNES = ("16705", "17170", "17485", "17527", "17641", "17854", "17971", "18010")
# Model communes that miss the 30/05 milestone (to make the milestone view interesting).
NGHE_AN_MODEL_LATE = ("17527", "17854")
NGHE_AN_LAGGARDS_N = 16


def simulate_nghe_an(communes: pd.DataFrame, districts: pd.DataFrame) -> dict:
    rng = np.random.default_rng(SEED_NGHE_AN)
    g = NGHE_AN_GLITCHES
    days = day_range(NGHE_AN_FIRST, NGHE_AN_LAST)
    n_units, n_days = len(communes), len(days)
    codes = communes["commune_code"].tolist()
    eligible_true = communes["eligible_true"].to_numpy().astype(float)
    district = communes["district_code"].to_numpy()
    laos = set(districts.loc[districts["borders_laos"] == "yes", "district_code"])
    border = np.isin(district, sorted(laos))
    model = np.isin(np.asarray(codes), NGHE_AN_MODEL_COMMUNES)

    base_cov = np.array([NGHE_AN_BASELINE[d] for d in district]) + rng.normal(0, 0.04, n_units)
    base_cov = np.clip(base_cov, 0.38, 0.78)
    pool = rng.uniform(0.90, 1.01, n_units)
    speed = np.clip(rng.normal(0.0078, 0.0015, n_units), 0.004, 0.013)

    # Border communes push for the 30/05 milestone: faster, and most can reach 100 %.
    pool[border] = rng.uniform(0.95, 1.08, border.sum())
    speed[border] *= rng.uniform(1.3, 1.8, border.sum())
    kyson = district == "417"
    pool[kyson] = rng.uniform(0.90, 1.03, kyson.sum())
    # Model communes: ahead, and mostly done by 30/05.
    pool[model] = rng.uniform(1.03, 1.07, model.sum())
    speed[model] = np.maximum(speed[model], 0.015) * 1.2
    base_cov[model] = np.maximum(base_cov[model], 0.68)
    for code in NGHE_AN_MODEL_LATE:
        unit = codes.index(code)
        pool[unit], speed[unit] = 0.985, 0.011
    # Persistent laggards: a low ceiling and a slow pace (never in the glitch/model sets).
    candidates = [
        i
        for i, c in enumerate(codes)
        if not model[i] and c not in (g.understated_code, g.returned_over_code, g.spike_code, g.gap_code)
    ]
    laggards = np.sort(rng.choice(candidates, size=NGHE_AN_LAGGARDS_N, replace=False))
    pool[laggards] = rng.uniform(0.72, 0.84, NGHE_AN_LAGGARDS_N)
    speed[laggards] *= 0.45
    base_cov[laggards] = np.minimum(base_cov[laggards], 0.55)
    # Glitch (a): collection runs on the true pool; only the eligible figure is wrong.
    under = codes.index(g.understated_code)
    pool[under], speed[under] = 0.985, 0.012
    spike_unit, spike_t = codes.index(g.spike_code), days.index(g.spike_day)
    pool[spike_unit], base_cov[spike_unit] = 0.95, 0.55

    ramp = np.clip(0.55 + 0.075 * np.arange(n_days), 0.0, 1.0)  # full speed after a week
    factors = ramp * day_factors(days, 0.7, NGHE_AN_HOLIDAYS)
    after_milestone = np.array([d > NGHE_AN_BORDER_DEADLINE for d in days])
    surge = surge_matrix(rng, n_units, n_days, first_day=3, per_unit=(0, 2))
    noise = rng.lognormal(0.0, 0.15, size=(n_units, n_days))

    cum = round_half_up(base_cov * eligible_true)
    baseline = cum.copy()
    daily = np.zeros((n_units, n_days), dtype=np.int64)
    cap = eligible_true.astype(np.int64)
    for t in range(n_days):
        remaining = (pool * eligible_true - cum) / eligible_true
        sat = np.clip(remaining / SATURATION_WINDOW, 0.0, 1.0)
        pace = speed * np.where(border & after_milestone[t], 0.75, 1.0)
        expected = eligible_true * pace * factors[t] * surge[:, t] * sat * noise[:, t]
        x = np.minimum(round_half_up(expected), cap - cum)
        x = np.maximum(x, 0)
        if t == spike_t:
            x[spike_unit] = int(round(g.spike_factor * np.median(daily[spike_unit, t - 7 : t])))
        daily[:, t] = x
        cum = cum + x
    collected = baseline[:, None] + np.cumsum(daily, axis=1)

    # Cumulative before the peak, for the returned series: roughly linear build-up at
    # 0.15–0.35 % of eligible per day in the weeks before 20/04.
    pre_rate = rng.uniform(0.0015, 0.0035, n_units) * eligible_true
    history = np.stack([baseline - round_half_up(pre_rate * k) for k in range(29, -1, -1)], axis=1)
    history = np.maximum(history, 0)
    # returned_series reads history[unit, negative index]: -1 = 19/04, -30 = 21/03.
    lag = rng.integers(10, 21, size=n_units)
    pickup = rng.uniform(0.95, 0.99, size=n_units)
    returned = returned_series(rng, collected, lag, pickup, history=history)
    last = n_days - 1
    over = codes.index(g.returned_over_code)
    returned[over, last] = collected[over, last] + g.returned_over_extra

    eligible = eligible_true.astype(np.int64)
    eligible[under] = round_half_up(eligible_true[under] * g.understated_factor)
    assert collected[under, last] > eligible[under], "glitch (a) must exceed 100 %"

    keep_days = {0, last, *(days.index(d) for d in NGHE_AN_REPORT_DAYS)}
    keep_cells = {(spike_unit, spike_t), (spike_unit, spike_t - 1), (over, last)}
    gap = codes.index(g.gap_code)
    keep_cells |= {
        (gap, t)
        for t in (
            *range(days.index(g.gap_first) - 2, days.index(g.gap_first)),
            *range(days.index(g.gap_last) + 1, days.index(g.gap_last) + 3),
        )
    }
    reported = drop_reports(rng, n_units, n_days, MISSING_SHARE, keep_days, keep_cells)
    for t in range(days.index(g.gap_first), days.index(g.gap_last) + 1):
        reported[gap, t] = False
    return dict(
        days=days,
        eligible=eligible,
        collected=collected,
        daily=daily,
        returned=returned,
        reported=reported,
        border=border,
        laggards=laggards,
    )


# --------------------------------------------------------------------------------------
# Report spreadsheets
# --------------------------------------------------------------------------------------

THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
FIXED_TIME = datetime(2024, 1, 1, 0, 0, 0)
ROMAN = [
    "I",
    "II",
    "III",
    "IV",
    "V",
    "VI",
    "VII",
    "VIII",
    "IX",
    "X",
    "XI",
    "XII",
    "XIII",
    "XIV",
    "XV",
    "XVI",
    "XVII",
    "XVIII",
    "XIX",
    "XX",
    "XXI",
    "XXII",
    "XXIII",
    "XXIV",
]


@dataclass(frozen=True)
class ReportLayout:
    agency_parent: str
    agency: str
    place: str
    signer: str
    total_label: str
    total_on_top: bool
    by_district: bool


KY_ANH_LAYOUT = ReportLayout(
    "CÔNG AN TỈNH HÀ TĨNH",
    "CÔNG AN HUYỆN KỲ ANH",
    "Kỳ Anh",
    "TRƯỞNG CÔNG AN HUYỆN",
    "Tổng cộng",
    False,
    False,
)
NGHE_AN_LAYOUT = ReportLayout(
    "CÔNG AN TỈNH NGHỆ AN", "PHÒNG CẢNH SÁT QLHC VỀ TTXH", "Nghệ An", "TRƯỞNG PHÒNG", "Toàn tỉnh", True, True
)


def thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def dotted(n: int) -> str:
    """5432 -> "5.432" (Vietnamese thousands separator)."""
    return f"{n:,}".replace(",", ".")


def vietnamese_date(day: date) -> str:
    """ "ngày 05 tháng 3 năm 2021": day 1–9 and months 1–2 take a leading zero (NĐ 30/2020)."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def report_rows(day_frame: pd.DataFrame, by_district: bool) -> list[tuple]:
    """(kind, stt, name, eligible, day, cum, returned) rows in report order."""

    def figures(frame):
        return (
            int(frame["eligible"].sum()),
            int(frame["collected_day"].sum()),
            int(frame["collected"].sum()),
            int(frame["returned"].sum()),
        )

    rows = [("total", "", None, *figures(day_frame))]
    if by_district:
        for i, (_, part) in enumerate(day_frame.groupby("district_code", sort=True)):
            rows.append(("district", ROMAN[i], part["district"].iloc[0].upper(), *figures(part)))
            for j, r in enumerate(part.itertuples(), start=1):
                rows.append(("commune", j, r.commune, r.eligible, r.collected_day, r.collected, r.returned))
    else:
        for j, r in enumerate(day_frame.itertuples(), start=1):
            rows.append(("commune", j, r.commune, r.eligible, r.collected_day, r.collected, r.returned))
    return rows


def build_report(day_frame: pd.DataFrame, day: date, layout: ReportLayout, text_numbers: bool) -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = f"{day:%d.%m}"
    bold = Font(name="Times New Roman", bold=True, size=12)
    plain = Font(name="Times New Roman", size=12)
    italic = Font(name="Times New Roman", italic=True, size=12)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for col, width in zip("ABCDEFG", (7, 30, 14, 12, 12, 10, 12)):
        ws.column_dimensions[col].width = width

    def put(cell, value, font=plain, align=None):
        ws[cell] = value
        ws[cell].font = font
        if align:
            ws[cell].alignment = align

    # Letterhead.
    ws.merge_cells("A1:C1")
    put("A1", layout.agency_parent, plain, center)
    ws.merge_cells("A2:C2")
    put("A2", layout.agency, bold, center)
    ws.merge_cells("D1:G1")
    put("D1", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold, center)
    ws.merge_cells("D2:G2")
    put("D2", "Độc lập - Tự do - Hạnh phúc", bold, center)
    ws.merge_cells("D3:G3")
    put("D3", f"{layout.place}, {vietnamese_date(day)}", italic, center)
    ws.merge_cells("A5:G5")
    put("A5", "BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CẤP CĂN CƯỚC CÔNG DÂN", bold, center)
    ws.merge_cells("A6:G6")
    put("A6", f"Số liệu tính đến 17 giờ 00 ngày {day:%d/%m/%Y}", italic, center)

    # Two-row header and the column-number row.
    for rng_ in ("A8:A9", "B8:B9", "C8:C9", "D8:E8", "F8:F9", "G8:G9"):
        ws.merge_cells(rng_)
    for cell, text in (
        ("A8", "STT"),
        ("B8", "Đơn vị"),
        ("C8", "Số CD đủ ĐK"),
        ("D8", "Kết quả thu nhận hồ sơ"),
        ("D9", "Trong ngày"),
        ("E9", "Lũy kế"),
        ("F8", "Tỷ lệ (%)"),
        ("G8", "Đã trả thẻ"),
    ):
        put(cell, text, bold, center)
    for c in range(1, 8):
        put(f"{get_column_letter(c)}10", c, italic, center)
    for row in ws.iter_rows(min_row=8, max_row=10, max_col=7):
        for cell in row:
            cell.border = BOX

    # One named style per kind of data cell: far faster than styling cell by cell.
    styles = {}
    for weight, font in (("", plain), ("_bold", bold)):
        for kind, fmt, align in (
            ("text", "General", None),
            ("stt", "General", Alignment(horizontal="center")),
            ("int", "#,##0", Alignment(horizontal="right")),
            ("txtnum", "@", Alignment(horizontal="right")),
            ("pct", "0.00", Alignment(horizontal="right")),
        ):
            style = NamedStyle(
                name=f"bc_{kind}{weight}",
                font=font,
                border=BOX,
                number_format=fmt,
                alignment=align or Alignment(),
            )
            wb.add_named_style(style)
            styles[kind + weight] = style.name

    rows = report_rows(day_frame, layout.by_district)
    total = rows[0]
    body = rows[1:]
    ordered = [total, *body] if layout.total_on_top else [*body, total]
    r = 11
    for kind, stt, name, elig, today, cum, ret in ordered:
        weight = "_bold" if kind in ("total", "district") else ""
        if kind == "total":
            ws.merge_cells(f"A{r}:B{r}")
            put(f"A{r}", layout.total_label, bold, center)
            ws[f"A{r}"].border = BOX
            ws[f"B{r}"].border = BOX
        else:
            ws.cell(r, 1, stt).style = styles["stt" + weight]
            ws.cell(r, 2, name).style = styles["text" + weight]
        for col, value in ((3, elig), (4, today), (5, cum), (7, ret)):
            if text_numbers and value >= 1000:
                ws.cell(r, col, dotted(value)).style = styles["txtnum" + weight]
            else:
                ws.cell(r, col, value).style = styles["int" + weight]
        share = round(100.0 * cum / elig, 2) if elig else None
        ws.cell(r, 6, share).style = styles["pct" + weight]
        r += 1

    # Signature footer.
    r += 1
    ws.merge_cells(f"A{r}:C{r}")
    put(f"A{r}", "Người lập biểu", bold, center)
    ws.merge_cells(f"D{r}:G{r}")
    put(f"D{r}", layout.signer, bold, center)
    r += 1
    ws.merge_cells(f"A{r}:C{r}")
    put(f"A{r}", "(Ký, ghi rõ họ tên)", italic, center)
    ws.merge_cells(f"D{r}:G{r}")
    put(f"D{r}", "(Ký tên, đóng dấu)", italic, center)
    ws.freeze_panes = "C11"
    return wb


def save_workbook_deterministic(wb: Workbook, path: Path) -> None:
    """Save an openpyxl workbook so the bytes do not depend on the clock."""
    wb.properties.creator = "cccd_analytics sample_data"
    wb.properties.lastModifiedBy = "cccd_analytics sample_data"
    wb.properties.created = FIXED_TIME
    buffer = io.BytesIO()
    wb.save(buffer)
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    path.parent.mkdir(parents=True, exist_ok=True)
    with (
        zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as src,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = data.decode("utf-8")
                text = re.sub(r"(<dcterms:modified[^>]*>)[^<]*(<)", rf"\g<1>{stamp}\g<2>", text)
                data = text.encode("utf-8")
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, data)


# --------------------------------------------------------------------------------------
# Campaign definitions
# --------------------------------------------------------------------------------------

# The calendar the simulation ran on, written into the campaign files so that the
# analytics respect it: Sundays at SUNDAY_FACTOR of a weekday (the 0.7 given to
# day_factors() above) and each holiday at its factor (times SUNDAY_FACTOR on a Sunday).
SUNDAY_FACTOR = 0.7
KY_ANH_HOLIDAY_LABELS = {
    date(2021, 4, 21): "Giỗ Tổ Hùng Vương",
    date(2021, 4, 30): "Ngày Giải phóng miền Nam 30/4",
    date(2021, 5, 1): "Ngày Quốc tế Lao động 1/5",
    date(2021, 5, 2): "Nghỉ lễ 30/4–1/5 (Chủ nhật)",
    date(2021, 5, 3): "Nghỉ bù ngày 1/5",
}
NGHE_AN_HOLIDAY_LABELS = {
    date(2023, 4, 29): "Nghỉ lễ 30/4–1/5",
    date(2023, 4, 30): "Ngày Giải phóng miền Nam 30/4 (Chủ nhật)",
    date(2023, 5, 1): "Ngày Quốc tế Lao động 1/5",
    date(2023, 5, 2): "Nghỉ bù ngày 30/4",
    date(2023, 5, 3): "Nghỉ lễ 30/4–1/5",
}


def calendar_toml(holidays: dict[date, float], labels: dict[date, str], note: str) -> str:
    """The ``[calendar]`` table: Sunday weight and one entry per holiday."""
    lines = [
        "",
        f"# {note}",
        "# weight = working capacity as a share of a normal weekday.",
        "[calendar]",
        f"sunday_weight = {SUNDAY_FACTOR:g}   # a Sunday runs at 70 % of a weekday",
    ]
    for day in sorted(holidays):
        weight = holidays[day] * (SUNDAY_FACTOR if day.weekday() == 6 else 1.0)
        lines += [
            "",
            "[[calendar.days]]",
            f"date = {day.isoformat()}",
            f"weight = {round(weight, 4):g}",
            f'label = "{labels[day]}"',
        ]
    return "\n".join(lines) + "\n"


KY_ANH_TOML = """\
name = "Huyện Kỳ Anh — 87.000 thẻ CCCD trước 10/6/2021"
start = 2021-02-17
deadline = 2021-06-10
target = 87000             # a count of collected applications across the scope
scope = ["Huyện Kỳ Anh"]

# Targets for priority groups (illustrative): judged like a commune's target.
[[group_targets]]
name = "Học sinh lớp 12 xong trước 30/4"
values = ["Học sinh lớp 12"]
deadline = 2021-04-30
target = "100%"

[[group_targets]]
name = "Người cao tuổi và người có công trước 31/5"
values = ["Người cao tuổi", "Người có công"]
deadline = 2021-05-31
target = "100%"
""" + calendar_toml(
    KY_ANH_HOLIDAYS,
    KY_ANH_HOLIDAY_LABELS,
    "Sundays reduced; Giỗ Tổ and the 30/4–3/5 break at reduced capacity.",
)


def nghe_an_toml(model_codes: list[str], names: dict[str, str], per_week: int) -> str:
    units = "\n".join(f'  "{c}",   # {names[c]}' for c in model_codes)
    return f"""\
name = "Cao điểm 70 ngày, đêm — Nghệ An 2023"
start = 2023-04-20
deadline = 2023-06-30
target = "100%"
scope = ["Tỉnh Nghệ An"]

# Communes of the six districts bordering Laos (borders_laos = yes in
# nghe_an_2023_districts.csv): Quế Phong, Kỳ Sơn, Tương Dương, Con Cuông, Anh Sơn,
# Thanh Chương.
[[milestones]]
name = "Xã biên giới"
tag = "biên giới"
deadline = 2023-05-30
target = "100%"

# Illustrative set of model communes ("xã điểm, kiểu mẫu") chosen for the sample data;
# no official list was available.
[[milestones]]
name = "Xã điểm, kiểu mẫu"
units = [
{units}
]
deadline = 2023-05-30
target = "100%"

# Targets for priority groups and channels (illustrative): judged like a commune's target.
[[group_targets]]
name = "Học sinh lớp 12 xong trước 20/6"
values = ["Học sinh lớp 12"]
deadline = 2023-06-20
target = "100%"

[[group_targets]]
name = "Người cao tuổi và người có công trước 30/5"
values = ["Người cao tuổi", "Người có công"]
deadline = 2023-05-30
target = "100%"

[[group_targets]]
name = "Tổ lưu động: {thousands(per_week)} hồ sơ mỗi tuần"
dimension = "channel"
values = ["Tổ lưu động"]
per_week = {per_week}
""" + calendar_toml(
        NGHE_AN_HOLIDAYS,
        NGHE_AN_HOLIDAY_LABELS,
        "Sundays reduced; the 29/4–3/5 holiday at reduced capacity (the teams worked through).",
    )


# --------------------------------------------------------------------------------------
# Breakdowns (illustrative): who and where, on top of the simulated daily collections
# --------------------------------------------------------------------------------------
#
# Each commune's daily collections (the simulation above, unchanged) are split into parts
# drawn with their own seeded generator, so the totals stay byte-identical: priority groups
# served from their own pools (the elderly early, the pupils of the exam grades during the
# school drives), the channel that took them (schools take the pupils, home visits the sick
# and some elderly, mobile teams a share of the rest), application types, shifts and, in
# Nghệ An, residence.  Parts are written every Monday (and on the first and last day) for
# the commune-days that reported, one file per breakdown, as units send them; plus the
# denominator lists (school rolls, the elderly of each commune, a survey of residents
# living outside the province) and a list of Nghệ An citizens served in other provinces.
# All of it is made up; the README says so.

SEED_PARTS_KY_ANH = 20210218
SEED_PARTS_NGHE_AN = 20230421
ILLUSTRATIVE = "SỐ LIỆU MINH HỌA (tổng hợp, không phải số liệu thật) — {what}"
# 60 and over as a share of the population (2019 census: about 11.9 % nationally).
ELDERLY_SHARE = (0.10, 0.14)
# One birth cohort (a school grade) as a share of the population.
GRADE_SHARE = (0.012, 0.016)
MERIT_SHARE = (0.004, 0.008)  # người có công (of which lão thành cách mạng)
SICK_SHARE = (0.006, 0.012)  # người ốm yếu, khuyết tật


@dataclass(frozen=True)
class Window:
    """When a group is served first: its share of a day's collections rises inside."""

    first: date
    last: date
    inside: float
    outside: float

    def share(self, day: date) -> float:
        return self.inside if self.first <= day <= self.last else self.outside


def part_days(days: list[date], extra: tuple[date, ...]) -> list[int]:
    """Mondays, the first and the last day and the report days: when parts are reported."""
    chosen = {0, len(days) - 1} | {i for i, d in enumerate(days) if d.weekday() == 0 or d in extra}
    return sorted(chosen)


def split_groups(
    rng: np.random.Generator,
    daily: np.ndarray,
    days: list[date],
    pools: dict[str, np.ndarray],
    windows: dict[str, Window],
    start: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Per group, the daily collections drawn from the day's total (a multinomial with an
    "other" bucket, so groups never exceed it) and capped by the group's pool.  `start`:
    what each group already had before the first day (taken from the first day's count)."""
    names = list(pools)
    n_units, n_days = daily.shape
    out = {g: np.zeros((n_units, n_days), np.int64) for g in names}
    left = {g: pools[g].astype(np.int64).copy() for g in names}
    for t in range(n_days):
        shares = np.array([windows[g].share(days[t]) for g in names])
        for u in range(n_units):
            total = int(daily[u, t])
            if total <= 0:
                continue
            p = shares * np.array([left[g][u] > 0 for g in names], float)
            p = np.append(p, max(1.0 - p.sum(), 0.0))
            drawn = rng.multinomial(total, p / p.sum())
            for i, g in enumerate(names):
                take = min(int(drawn[i]), int(left[g][u]))
                out[g][u, t] = take
                left[g][u] -= take
    if start is not None:
        for g in names:
            out[g][:, 0] += start[g]
    return out


def part_rows(
    communes: pd.DataFrame,
    days: list[date],
    reported: np.ndarray,
    chosen: list[int],
    column: str,
    series: dict[str, np.ndarray],
    fmt: str,
) -> pd.DataFrame:
    """Long rows (one per commune, reported day and value) of running totals."""
    frames = []
    for value, daily in series.items():
        cum = np.cumsum(daily, axis=1)
        for t in chosen:
            units = np.flatnonzero(reported[:, t])
            frames.append(
                pd.DataFrame(
                    {
                        "date": days[t].strftime(fmt),
                        "province": communes["province_name"].to_numpy()[units],
                        "district": communes["district_name"].to_numpy()[units],
                        "commune": communes["commune_name"].to_numpy()[units],
                        "commune_code": communes["commune_code"].to_numpy()[units],
                        column: value,
                        "collected": cum[units, t],
                        "_t": t,
                    }
                )
            )
    frame = pd.concat(frames, ignore_index=True)
    order = {v: i for i, v in enumerate(series)}
    frame["_v"] = frame[column].map(order)
    frame = frame.sort_values(["_t", "commune_code", "_v"], kind="stable")
    return frame.drop(columns=["_t", "_v"]).reset_index(drop=True)


def write_titled_csv(
    frame: pd.DataFrame, path: Path, what: str, headers: dict[str, str] | None = None
) -> None:
    """A CSV with a title line above its header (the illustrative label), as units send them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = frame.rename(columns=headers or {}).to_csv(index=False, lineterminator="\n")
    path.write_text(ILLUSTRATIVE.format(what=what) + "\n" + body, encoding="utf-8")


def denominators_of(
    rng: np.random.Generator, communes: pd.DataFrame, share: tuple[float, float]
) -> np.ndarray:
    population = communes["population_2019_census"].to_numpy()
    return round_half_up(population * rng.uniform(share[0], share[1], len(communes)))


def school_rolls(
    rng: np.random.Generator, communes: pd.DataFrame, grade12: np.ndarray, grade9: np.ndarray
) -> pd.DataFrame:
    """Illustrative school rolls: each commune's grade 9 at its own lower secondary school,
    its grade 12 split over the upper secondary schools of its district (two when it has
    several), so a commune's grade 12 comes from more than one school's list."""

    def bare(name: str) -> str:
        return re.sub(r"^(Thành phố|Thị xã|Thị trấn|Huyện|Phường|Xã)\s+", "", name)

    rows = []
    for i, c in enumerate(communes.itertuples()):
        short = bare(c.commune_name)
        rows.append((c.district_name, c.commune_name, f"Trường THCS {short}", 9, int(grade9[i])))
        district_short = bare(c.district_name)
        first = int(round(grade12[i] * rng.uniform(0.55, 0.85)))
        rows.append((c.district_name, c.commune_name, f"Trường THPT {district_short}", 12, first))
        if grade12[i] - first > 0:
            rows.append(
                (
                    c.district_name,
                    c.commune_name,
                    f"Trường THPT {district_short} 2",
                    12,
                    int(grade12[i] - first),
                )
            )
    return pd.DataFrame(rows, columns=["Huyện", "Xã", "Trường", "Lớp", "Sĩ số"])


KY_ANH_GROUP_WINDOWS = {
    "Người cao tuổi": Window(date(2021, 2, 17), date(2021, 4, 30), 0.28, 0.14),
    "Lão thành cách mạng": Window(date(2021, 2, 17), date(2021, 3, 10), 0.05, 0.005),
    "Cán bộ": Window(date(2021, 2, 17), date(2021, 3, 5), 0.20, 0.01),
    "Học sinh lớp 12": Window(date(2021, 3, 8), date(2021, 4, 24), 0.16, 0.02),
    "Học sinh lớp 9": Window(date(2021, 3, 29), date(2021, 5, 8), 0.12, 0.02),
}


def write_ky_anh_parts(folder: Path, communes: pd.DataFrame, sim: dict) -> None:
    rng = np.random.default_rng(SEED_PARTS_KY_ANH)
    days, daily, reported = sim["days"], sim["daily"], sim["reported"]
    population = communes["population_2019_census"].to_numpy()
    pools = {
        "Người cao tuổi": denominators_of(rng, communes, ELDERLY_SHARE),
        "Lão thành cách mạng": round_half_up(population * rng.uniform(0.001, 0.002, len(communes))),
        "Cán bộ": round_half_up(population * rng.uniform(0.006, 0.010, len(communes))),
        "Học sinh lớp 12": denominators_of(rng, communes, GRADE_SHARE),
        "Học sinh lớp 9": denominators_of(rng, communes, GRADE_SHARE),
    }
    groups = split_groups(rng, daily, days, pools, KY_ANH_GROUP_WINDOWS)
    pupils = groups["Học sinh lớp 12"] + groups["Học sinh lớp 9"]
    home = np.minimum(rng.binomial(groups["Người cao tuổi"], 0.08), daily - pupils)
    channels = {"Tại trụ sở": daily - pupils - home, "Tại trường học": pupils, "Tại nhà": home}
    renew = rng.binomial(daily, 0.70)
    again = rng.binomial(daily - renew, 0.12)
    types = {"Cấp mới": daily - renew - again, "Cấp đổi": renew, "Cấp lại": again}
    weekday = np.array([d.weekday() != 6 for d in days])
    off = np.where(weekday[None, :], 0, daily)
    night = np.where(weekday[None, :], rng.binomial(daily, 0.34), 0)
    shifts = {"Giờ hành chính": daily - night - off, "Ngoài giờ, ban đêm": night, "Ngày nghỉ": off}
    chosen = part_days(days, KY_ANH_REPORT_DAYS)
    fmt = "%d/%m/%Y"
    heads = {
        **VI_HEADERS,
        "group": "Nhóm đối tượng",
        "channel": "Hình thức thu nhận",
        "application_type": "Loại cấp",
        "shift": "Ca thu nhận",
    }
    for name, column, series, what in (
        ("nhom_doi_tuong", "group", groups, "hồ sơ theo nhóm đối tượng ưu tiên, lũy kế"),
        (
            "hinh_thuc_thu_nhan",
            "channel",
            channels,
            "hồ sơ theo nơi thu nhận (UBND xã, trường học, tại nhà), lũy kế",
        ),
        ("loai_cap", "application_type", types, "hồ sơ theo loại cấp, lũy kế"),
        ("ca_thu_nhan", "shift", shifts, "hồ sơ theo ca thu nhận (làm đến 01:00), lũy kế"),
    ):
        frame = part_rows(communes, days, reported, chosen, column, series, fmt)
        write_titled_csv(frame, folder / "phan_chia" / f"{name}.csv", what, heads)
    listed = pd.DataFrame(
        {
            "Ngày": KY_ANH_FIRST.strftime(fmt),
            "Huyện": communes["district_name"],
            "Xã": communes["commune_name"],
            "Số người cao tuổi": pools["Người cao tuổi"],
        }
    )
    write_titled_csv(
        listed, folder / "mau_so" / "nguoi_cao_tuoi.csv", "danh sách người cao tuổi (từ 60 tuổi) theo xã"
    )
    merit = listed.drop(columns=["Số người cao tuổi"]).assign(
        **{"Số lão thành cách mạng": pools["Lão thành cách mạng"]}
    )
    write_titled_csv(
        merit, folder / "mau_so" / "lao_thanh_cach_mang.csv", "danh sách lão thành cách mạng theo xã"
    )
    rolls = school_rolls(rng, communes, pools["Học sinh lớp 12"], pools["Học sinh lớp 9"])
    rolls.insert(0, "Ngày", date(2021, 3, 1).strftime(fmt))
    write_titled_csv(
        rolls, folder / "mau_so" / "si_so_hoc_sinh.csv", "sĩ số học sinh lớp 9 và lớp 12 theo trường"
    )


NGHE_AN_GROUP_WINDOWS = {
    "Người cao tuổi": Window(date(2023, 4, 20), date(2023, 5, 20), 0.20, 0.08),
    "Người có công": Window(date(2023, 4, 20), date(2023, 5, 15), 0.04, 0.005),
    "Người ốm yếu, khuyết tật": Window(date(2023, 5, 1), date(2023, 6, 10), 0.05, 0.01),
    "Học sinh lớp 12": Window(date(2023, 5, 2), date(2023, 6, 16), 0.14, 0.02),
    "Học sinh lớp 9": Window(date(2023, 5, 15), date(2023, 6, 10), 0.10, 0.01),
}
NGHE_AN_SURVEYS = (date(2023, 4, 20), date(2023, 5, 15))


def write_nghe_an_parts(folder: Path, communes: pd.DataFrame, sim: dict) -> dict:
    """Parts, denominators and the list served outside the province; returns the weekly
    collections of the mobile teams (for the campaign's rate target)."""
    rng = np.random.default_rng(SEED_PARTS_NGHE_AN)
    days, daily, reported = sim["days"], sim["daily"].copy(), sim["reported"]
    border = sim["border"]
    baseline = sim["collected"][:, 0] - sim["daily"][:, 0]
    population = communes["population_2019_census"].to_numpy()
    pools = {
        "Người cao tuổi": denominators_of(rng, communes, ELDERLY_SHARE),
        "Người có công": denominators_of(rng, communes, MERIT_SHARE),
        "Người ốm yếu, khuyết tật": denominators_of(rng, communes, SICK_SHARE),
        "Học sinh lớp 12": denominators_of(rng, communes, GRADE_SHARE),
        "Học sinh lớp 9": denominators_of(rng, communes, GRADE_SHARE),
    }
    # Before the peak, each group was served about as far as the commune as a whole.
    coverage0 = baseline / np.maximum(sim["eligible"], 1)
    start = {
        g: np.minimum(round_half_up(pools[g] * coverage0 * rng.uniform(0.8, 1.0, len(communes))), pools[g])
        for g in pools
    }
    start["Học sinh lớp 12"] = round_half_up(start["Học sinh lớp 12"] * 0.5)
    start["Học sinh lớp 9"] = round_half_up(start["Học sinh lớp 9"] * 0.3)
    # Together never more than the baseline.
    first_total = sum(start.values())
    scale = np.where(first_total > baseline, baseline / np.maximum(first_total, 1), 1.0)
    start = {g: np.floor(start[g] * scale).astype(np.int64) for g in pools}
    left = {g: pools[g] - start[g] for g in pools}
    groups = split_groups(rng, daily, days, left, NGHE_AN_GROUP_WINDOWS)
    all_days = {g: groups[g].copy() for g in groups}
    for g in groups:
        all_days[g][:, 0] += start[g]
    with_base = daily.copy()
    with_base[:, 0] += baseline
    pupils = all_days["Học sinh lớp 12"] + all_days["Học sinh lớp 9"]
    home = all_days["Người ốm yếu, khuyết tật"] + rng.binomial(all_days["Người cao tuổi"], 0.12)
    home = np.minimum(home, with_base - pupils)
    rest = with_base - pupils - home
    p_mobile = np.where(border, 0.45, 0.25)[:, None] * np.ones(len(days))[None, :]
    mobile = rng.binomial(rest, p_mobile)
    mobile[:, 0] = rng.binomial(rest[:, 0], 0.10)  # before the peak: mostly at the stations
    channels = {"Tại trụ sở": rest - mobile, "Tổ lưu động": mobile, "Tại trường học": pupils, "Tại nhà": home}
    # Residence: our people living elsewhere who applied while home (many over 30/4–1/5) and
    # residents of other provinces living here (more in Vinh).
    holiday = np.array([date(2023, 4, 28) <= d <= date(2023, 5, 3) for d in days])
    p_home = np.where(holiday, 0.05, 0.012)[None, :] * np.ones((len(communes), 1))
    outside = rng.binomial(with_base, p_home)
    city = (communes["district_code"] == "412").to_numpy()
    others = rng.binomial(
        with_base - outside, np.where(city, 0.015, 0.004)[:, None] * np.ones((1, len(days)))
    )
    residence = {"Cư trú ngoại tỉnh": outside, "Tỉnh khác cư trú tại địa bàn": others}
    chosen = part_days(days, NGHE_AN_REPORT_DAYS)
    fmt = "%Y-%m-%d"
    for name, column, series, what in (
        ("nhom_doi_tuong", "group", all_days, "hồ sơ theo nhóm đối tượng ưu tiên, lũy kế"),
        (
            "hinh_thuc_thu_nhan",
            "channel",
            channels,
            "hồ sơ theo hình thức thu nhận (tổ lưu động về thôn, bản; tại nhà), lũy kế",
        ),
        (
            "noi_cu_tru",
            "residence",
            residence,
            "hồ sơ của người cư trú ngoại tỉnh và người tỉnh khác, lũy kế",
        ),
    ):
        frame = part_rows(communes, days, reported, chosen, column, series, fmt)
        write_titled_csv(frame, folder / "phan_chia" / f"{name}.csv", what)
    # Our residents living in other provinces: the surveys' counts (still without a card
    # on their day) and those served where they live, reported back by home commune.
    away = round_half_up(population * rng.uniform(0.02, 0.06, len(communes)))
    served_away = np.zeros((len(communes), len(days)), np.int64)
    remaining = away.copy()
    for t in range(len(days)):
        take = rng.binomial(remaining, 0.006 if days[t] < date(2023, 5, 15) else 0.009)
        served_away[:, t] = take
        remaining -= take
    cum_home = np.cumsum(outside, axis=1)
    cum_away = np.cumsum(served_away, axis=1)
    surveys = []
    for day in NGHE_AN_SURVEYS:
        t = days.index(day)
        found = (
            away
            if day == NGHE_AN_SURVEYS[0]
            else round_half_up(away * rng.uniform(1.05, 1.15, len(communes)))
        )
        still = np.maximum(found - (cum_home[:, t] + cum_away[:, t]) * (t > 0), 0)
        frame = pd.DataFrame(
            {
                "district": communes["district_name"],
                "commune": communes["commune_name"],
                "residence": "Cư trú ngoại tỉnh",
                "Số công dân chưa có CCCD (rà soát)": still,
            }
        )
        surveys.append(frame)
        write_titled_csv(
            frame,
            folder / "mau_so" / f"ra_soat_{day:%d_%m_%Y}.csv",
            "rà soát công dân cư trú ngoại tỉnh chưa có CCCD",
        )
    away_rows = part_rows(
        communes,
        days,
        np.ones_like(reported, bool),
        chosen,
        "residence",
        {"Cư trú ngoại tỉnh": served_away},
        fmt,
    )
    write_titled_csv(
        away_rows,
        folder / "ngoai_tinh.csv",
        "công dân Nghệ An cư trú ngoại tỉnh đã thu nhận tại nơi cư trú, theo xã thường trú, lũy kế",
    )
    listed = pd.DataFrame(
        {
            "date": NGHE_AN_FIRST.strftime(fmt),
            "district": communes["district_name"],
            "commune": communes["commune_name"],
            "Số người cao tuổi": pools["Người cao tuổi"],
        }
    )
    write_titled_csv(
        listed, folder / "mau_so" / "nguoi_cao_tuoi.csv", "danh sách người cao tuổi (từ 60 tuổi) theo xã"
    )
    merit = listed.drop(columns=["Số người cao tuổi"]).assign(**{"Số người có công": pools["Người có công"]})
    write_titled_csv(merit, folder / "mau_so" / "nguoi_co_cong.csv", "danh sách người có công theo xã")
    rolls = school_rolls(rng, communes, pools["Học sinh lớp 12"], pools["Học sinh lớp 9"])
    rolls.insert(0, "Ngày", date(2023, 4, 20).strftime("%d/%m/%Y"))
    write_titled_csv(
        rolls, folder / "mau_so" / "si_so_hoc_sinh.csv", "sĩ số học sinh lớp 9 và lớp 12 theo trường"
    )
    mobile_week = [int(mobile[:, max(t - 6, 0) : t + 1].sum()) for t in range(6, len(days), 7)]
    return {"mobile_week": mobile_week}


# --------------------------------------------------------------------------------------
# Assembly
# --------------------------------------------------------------------------------------

VI_HEADERS = {
    "date": "Ngày",
    "province": "Tỉnh",
    "district": "Huyện",
    "commune": "Xã",
    "commune_code": "Mã xã",
    "eligible": "Số công dân đủ điều kiện",
    "collected": "Lũy kế thu nhận",
    "collected_day": "Thu nhận trong ngày",
    "returned": "Lũy kế trả thẻ",
}


def write_ky_anh(out: Path) -> pd.DataFrame:
    communes = read_communes("ky_anh_2021_communes.csv")
    sim = simulate_ky_anh(communes)
    rows = to_rows(
        communes,
        sim["days"],
        sim["eligible"],
        sim["collected"],
        sim["returned"],
        sim["reported"],
        sim["daily"][:, 0],
    )
    folder = out / "ky_anh_2021"
    canonical = rows.copy()
    canonical["date"] = canonical["date"].map(lambda d: d.strftime("%d/%m/%Y"))
    write_csv(canonical.rename(columns=VI_HEADERS), folder / "observations.csv")
    (folder / "campaign.toml").write_text(KY_ANH_TOML, encoding="utf-8")
    for day in KY_ANH_REPORT_DAYS:
        frame = rows[rows["date"] == day]
        assert len(frame) == len(communes)
        wb = build_report(frame, day, KY_ANH_LAYOUT, text_numbers=day == KY_ANH_TEXT_NUMBERS_DAY)
        save_workbook_deterministic(wb, folder / "reports" / f"bao_cao_ngay_{day:%d_%m_%Y}.xlsx")
    write_ky_anh_parts(folder, communes, sim)
    return rows


def write_nghe_an(out: Path) -> pd.DataFrame:
    communes = read_communes("nghe_an_2023_communes.csv")
    districts = pd.read_csv(ADMIN_DIR / "nghe_an_2023_districts.csv", dtype=str)
    sim = simulate_nghe_an(communes, districts)
    rows = to_rows(
        communes,
        sim["days"],
        sim["eligible"],
        sim["collected"],
        sim["returned"],
        sim["reported"],
        sim["daily"][:, 0],
    )
    folder = out / "nghe_an_2023"
    canonical = rows.copy()
    canonical["date"] = canonical["date"].map(lambda d: d.isoformat())
    write_csv(canonical, folder / "observations.csv")
    names = dict(zip(communes["commune_code"], communes["commune_name"]))
    rates = write_nghe_an_parts(folder, communes, sim)
    # The mobile teams' weekly rate target: a round figure just above their usual week.
    per_week = int(np.ceil(np.median(rates["mobile_week"]) * 1.05 / 1000) * 1000)
    (folder / "campaign.toml").write_text(
        nghe_an_toml(list(NGHE_AN_MODEL_COMMUNES), names, per_week), encoding="utf-8"
    )
    district_of = dict(zip(communes["commune_code"], communes["district_code"]))
    for day in NGHE_AN_REPORT_DAYS:
        frame = rows[rows["date"] == day].copy()
        assert len(frame) == len(communes)
        frame["district_code"] = frame["commune_code"].map(district_of)
        frame = frame.sort_values(["district_code", "commune_code"], kind="stable")
        wb = build_report(frame, day, NGHE_AN_LAYOUT, text_numbers=False)
        save_workbook_deterministic(wb, folder / "reports" / f"bao_cao_ngay_{day:%d_%m_%Y}.xlsx")
    return rows


def snapshot(frame: pd.DataFrame, day: date) -> pd.DataFrame:
    """Each commune's latest reported row on or before ``day`` (carry-forward)."""
    upto = frame[frame["date"] <= day]
    return upto.sort_values(["commune_code", "date"]).groupby("commune_code").tail(1)


def summary(ky_anh: pd.DataFrame, nghe_an: pd.DataFrame) -> str:
    """Key figures, printed after generation."""
    lines = []
    last = ky_anh["date"].max()
    cum = int(snapshot(ky_anh, last)["collected"].sum())
    week_ago = int(snapshot(ky_anh, last - timedelta(days=7))["collected"].sum())
    pace = (cum - week_ago) / 7
    days_left = (KY_ANH_DEADLINE - last).days
    required = (KY_ANH_TARGET - cum) / days_left
    checkpoint = int(snapshot(ky_anh, KY_ANH_CHECKPOINT)["collected"].sum())
    lines.append(
        f"Kỳ Anh: {checkpoint:,} on {KY_ANH_CHECKPOINT:%d/%m/%Y}; {cum:,} on {last:%d/%m/%Y}; "
        f"7-day pace {pace:,.0f}/day vs required {required:,.0f}/day "
        f"({KY_ANH_TARGET - cum:,} left in {days_left} days)"
    )
    laos = pd.read_csv(ADMIN_DIR / "nghe_an_2023_districts.csv", dtype=str)
    border_districts = set(laos.loc[laos["borders_laos"] == "yes", "district_name"])
    for day in (date(2023, 4, 20), NGHE_AN_BORDER_DEADLINE, NGHE_AN_LAST):
        snap = snapshot(nghe_an, day)
        line = f"Nghệ An {day:%d/%m}: coverage {snap['collected'].sum() / snap['eligible'].sum():.1%}"
        border = snap[snap["district"].isin(border_districts)]
        coverage = border["collected"] / border["eligible"]
        line += (
            f"; border communes {border['collected'].sum() / border['eligible'].sum():.1%}, "
            f"{int((coverage >= 1).sum())}/{len(border)} at 100%, lowest {coverage.min():.1%}"
        )
        lines.append(line)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Sinh dữ liệu mẫu (tổng hợp, tất định).")
    parser.add_argument("--out", type=Path, default=HERE, help="thư mục đích (mặc định: sample_data/)")
    parser.add_argument("--quiet", action="store_true", help="không in số liệu tóm tắt")
    args = parser.parse_args(argv)
    ky_anh = write_ky_anh(args.out)
    nghe_an = write_nghe_an(args.out)
    if not args.quiet:
        print(summary(ky_anh, nghe_an))


if __name__ == "__main__":
    main()
