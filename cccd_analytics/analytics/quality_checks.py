"""The data-quality checks on stored reports, one function per check.

Each check takes the scope (the campaign's communes and their observations up to the
as-of day, ``_scope``) and returns its findings as rows: runs of missing days
(``_missing``), a falling cumulative (``_falling``), a spike day (``_spikes``), days over
100 % (``_over_eligible``), more cards returned than collected (``_returned_above``) and
the subtotal mismatches the importer recorded (``_subtotals``).  Severities and codes
are the rules' (cccd_analytics.rules); the thresholds are module constants, documented
in docs/analytics.md.  ``quality`` assembles the findings and the completeness grid.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from cccd_analytics import registry, rules
from cccd_analytics import text as fmt
from cccd_analytics.analytics import campaigns as camp
from cccd_analytics.analytics.panel import pivot_last, spread

METRIC_LABELS = {"collected": "lũy kế thu nhận", "returned": "lũy kế trả thẻ"}

#: A run of at least this many missing days is a warning; shorter runs are notes.
GAP_WARNING_DAYS = 3
#: Spikes: a day's increment is compared with the increments of the SPIKE_HALF_WINDOW days
#: on each side (the day itself left out; at least SPIKE_MIN_POINTS of them).  It is a
#: spike when all of these hold:
#:   robust z = (x − median) / (1.4826 × MAD) ≥ SPIKE_Z   (MAD scale floored at 1)
#:   x ≥ SPIKE_RATIO × median and x − median ≥ SPIKE_MIN_EXCESS
#:   the day before and the day after are below SPIKE_NEIGHBOUR_RATIO × median
#: The last rule keeps a mobile-team surge (several high days in a row, real work) from
#: being called an entry error; a batch entry is one high day between ordinary ones.
SPIKE_HALF_WINDOW = 7
SPIKE_MIN_POINTS = 5
SPIKE_Z = 6.0
SPIKE_RATIO = 4.5
SPIKE_MIN_EXCESS = 10.0
SPIKE_NEIGHBOUR_RATIO = 2.0
MAD_TO_SD = 1.4826


# -- scope -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Scope:
    keys: list[str]  # communes looked at, ordered for display
    obs: pd.DataFrame  # their observations up to as_of
    days: pd.DatetimeIndex  # the window: campaign start (or first report) .. as_of
    expected: np.ndarray  # per day: reports expected (calendar weight > 0)
    as_of: pd.Timestamp


def _scope(obs: pd.DataFrame, units: pd.DataFrame, campaign: camp.Campaign | None, as_of) -> _Scope:
    with_data = set(obs["unit_key"].unique()) if len(obs) else set()
    if campaign is not None:
        keys = camp.scope_communes(campaign, units, with_data)
    else:
        keys = sorted(with_data)
    obs = obs[obs["unit_key"].isin(keys)]
    if as_of is None:
        as_of = (
            obs["date"].max()
            if len(obs)
            else (pd.Timestamp(campaign.deadline) if campaign else pd.Timestamp.today())
        )
    as_of = pd.Timestamp(as_of).normalize()
    obs = obs[obs["date"] <= as_of]
    first = obs["date"].min() if len(obs) else as_of
    start = pd.Timestamp(campaign.start) if campaign is not None and campaign.start else first
    start = min(start, as_of)
    days = pd.date_range(start, as_of, freq="D")
    expected = (
        (camp.workday_weights(campaign, days) > 0) if campaign is not None else np.ones(len(days), bool)
    )
    if campaign is not None and campaign.start:
        expected &= np.asarray(days >= pd.Timestamp(campaign.start))  # nothing is due before the start
    info = units.reindex(keys)
    district = info["district_key"].map(units["name"]).fillna(info.get("district_name")).fillna("")
    order = pd.DataFrame(
        {"key": keys, "district": district.to_numpy(), "name": info["name"].fillna("").to_numpy()}
    )
    keys = order.sort_values(["district", "name", "key"], kind="stable")["key"].tolist()
    return _Scope(keys, obs[obs["date"] >= start], days, np.asarray(expected, bool), as_of)


def _unit_info(units: pd.DataFrame, keys) -> pd.DataFrame:
    info = units.reindex(list(keys))
    district = info["district_key"].map(units["name"]).fillna(info.get("district_name"))
    district = district.where(info["level"] != "district", info["name"])
    return pd.DataFrame(
        {"unit_name": info["name"].to_numpy(), "district": district.to_numpy()}, index=pd.Index(list(keys))
    )


def _wide(scope: _Scope, metric: str) -> pd.DataFrame:
    part = scope.obs[scope.obs["metric"] == metric]
    if part.empty:
        return pd.DataFrame(np.nan, index=scope.days, columns=scope.keys)
    # Performance: numpy placement instead of pivot_table (same frame).
    return pivot_last(part, scope.days, scope.keys)


def _rows(**columns) -> pd.DataFrame:
    return pd.DataFrame(columns)


def _missing(scope: _Scope, collected: pd.DataFrame) -> pd.DataFrame:
    """Runs of expected days without a report; a commune that never reported is one row."""
    reported = collected.notna().to_numpy()
    missing = ~reported & scope.expected[:, None]
    never = ~reported.any(axis=0) & scope.expected.any()
    rows = []
    if never.any():
        n_expected = int(scope.expected.sum())
        for key in np.asarray(scope.keys)[never]:
            rows.append(
                dict(
                    unit_key=key,
                    date=scope.days[0],
                    date_end=scope.as_of,
                    check="never_reported",
                    severity=rules.severity("never_reported"),
                    value=float(n_expected),
                    expected=0.0,
                    message_vi=f"Chưa có báo cáo nào từ {fmt.date_vn(scope.days[0])} đến {fmt.date_vn(scope.as_of)}.",
                )
            )
    missing[:, never] = False
    padded = np.pad(missing.T.astype(np.int8), ((0, 0), (1, 1)))
    step = np.diff(padded, axis=1)
    unit_s, day_s = np.nonzero(step == 1)
    _, day_e = np.nonzero(step == -1)  # exclusive ends, same order as the starts
    keys = np.asarray(scope.keys)
    last_day = len(scope.days) - 1
    # Each day boxed and written once, not once per gap (a nation has tens of thousands).
    days = list(scope.days)
    texts = [fmt.date_vn(d) for d in days]
    for u, s, e in zip(unit_s.tolist(), day_s.tolist(), day_e.tolist()):
        length = int(e - s)
        first, last = days[s], days[e - 1]
        if e - 1 == last_day:
            text = (
                f"Chưa báo cáo từ ngày {texts[s]} ({length} ngày tính đến {texts[e - 1]}); "
                "số liệu đang dùng là của lần báo cáo trước."
            )
        elif length == 1:
            text = f"Không có báo cáo ngày {texts[s]}; báo cáo kế tiếp được chia đều cho ngày thiếu."
        else:
            text = (
                f"Không có báo cáo {length} ngày liền, từ {texts[s]} đến {texts[e - 1]}; "
                "báo cáo kế tiếp được chia đều cho các ngày thiếu."
            )
        rows.append(
            dict(
                unit_key=keys[u],
                date=first,
                date_end=last,
                check="missing_report",
                severity=rules.severity("missing_report", lesser=length < GAP_WARNING_DAYS),
                value=float(length),
                expected=0.0,
                message_vi=text,
            )
        )
    return pd.DataFrame(rows)


def _falling(scope: _Scope) -> pd.DataFrame:
    return falling(scope.obs)


def falling_rows(obs: pd.DataFrame) -> pd.DataFrame:
    """The running totals lower than the same unit's previous report of the same metric, with
    that report's value and date (and upload, where `obs` has upload_id): `obs` as the store's
    current observations.  Also what `cccd undo` names after withdrawing an upload."""
    part = obs[obs["metric"].astype(object).isin(list(METRIC_LABELS))]
    part = part.assign(unit_key=part["unit_key"].astype(str), metric=part["metric"].astype(str))
    part = part.sort_values(["unit_key", "metric", "date"], kind="stable")
    carried = [c for c in ("value", "date", "upload_id") if c in part.columns]
    prev = part.groupby(["unit_key", "metric"])[carried].shift(1)
    bad = (part["value"] < prev["value"]).to_numpy()
    return part[bad].assign(**{f"prev_{c}": prev.loc[bad, c] for c in carried})


def falling(obs: pd.DataFrame) -> pd.DataFrame:
    """A cumulative lower than the same unit's previous report (can arise across uploads:
    an import refuses it, but undoing a correction brings back the figure it corrected,
    above the later days'); `obs` as the store's current observations."""
    out = falling_rows(obs)
    if out.empty:
        return pd.DataFrame()
    return _findings(
        "falling_cumulative",
        out["unit_key"],
        out["date"],
        out["date"],
        out["value"].astype(float),
        out["prev_value"].astype(float),
        [
            f"{METRIC_LABELS[m].capitalize()} ngày {fmt.date_vn(d)} ({fmt.number(v)}) thấp hơn ngày "
            f"{fmt.date_vn(pd_)} ({fmt.number(pv)}): số liệu giảm giữa các lần nhập, kiểm tra lại tệp nhập sau."
            for m, d, v, pd_, pv in zip(
                out["metric"], out["date"], out["value"], out["prev_date"], out["prev_value"]
            )
        ],
    )


def daily_increments(collected: pd.DataFrame) -> pd.DataFrame:
    """Collections per day from cumulatives, a report after a gap spread over the days
    it covers; NaN before the second report and after the last."""
    raw = collected.to_numpy(dtype=float, na_value=np.nan)
    filled, first, last = spread(raw)
    inc = np.full_like(filled, np.nan)
    inc[1:] = filled[1:] - filled[:-1]
    rows = np.arange(len(raw))[:, None]
    inc = np.where((rows > first[None, :]) & (rows <= last[None, :]), inc, np.nan)
    return pd.DataFrame(inc, index=collected.index, columns=collected.columns)


def _nanmedian_rows(values: np.ndarray) -> np.ndarray:
    """np.nanmedian(values, axis=1) for rows with at least one number: one sort of the
    rows (NaN sorts last), then the middle value, or the mean of the two middle ones.
    Performance: nanmedian goes through masked arrays and took 2 s on a
    nation's 1.2 million windows."""
    ordered = np.sort(values, axis=1)
    count = np.sum(~np.isnan(values), axis=1)
    rows = np.arange(len(values))
    low = ordered[rows, np.maximum(count - 1, 0) // 2]
    high = ordered[rows, count // 2]
    return np.where(count % 2 == 1, low, (low + high) / 2)


def spike_scores(collected: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Robust z-score of each day's increment against its neighbourhood (see SPIKE_*):
    frames ``increment``, ``median``, ``z``, ``ratio``, ``isolated``, ``spike``."""
    inc_frame = daily_increments(collected)
    inc = inc_frame.to_numpy()
    n, m = inc.shape
    h = SPIKE_HALF_WINDOW
    padded = np.pad(inc, ((h, h), (0, 0)), constant_values=np.nan)
    win = sliding_window_view(padded, 2 * h + 1, axis=0).copy()  # (n, m, 2h+1)
    win[:, :, h] = np.nan  # leave the day itself out
    count = np.sum(~np.isnan(win), axis=2)
    enough = count >= SPIKE_MIN_POINTS
    med = np.full((n, m), np.nan)
    mad = np.full((n, m), np.nan)
    if enough.any():
        w = win[enough]
        med_e = _nanmedian_rows(w)
        med[enough] = med_e
        mad[enough] = _nanmedian_rows(np.abs(w - med_e[:, None]))
    scale = np.maximum(MAD_TO_SD * mad, 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (inc - med) / scale
        ratio = np.where(med > 0, inc / med, np.inf)
        before = np.vstack([np.full((1, m), np.nan), inc[:-1]])
        after = np.vstack([inc[1:], np.full((1, m), np.nan)])
        limit = SPIKE_NEIGHBOUR_RATIO * np.maximum(med, 1.0)
        isolated = ~(before >= limit) & ~(after >= limit)
        spike = (
            enough & (z >= SPIKE_Z) & (inc >= SPIKE_RATIO * med) & (inc - med >= SPIKE_MIN_EXCESS) & isolated
        )
    reported = collected.notna().to_numpy()
    spike &= reported

    def frame(a):
        return pd.DataFrame(a, index=collected.index, columns=collected.columns)

    return {
        "increment": inc_frame,
        "median": frame(med),
        "z": frame(z),
        "ratio": frame(ratio),
        "isolated": frame(isolated),
        "spike": frame(spike),
    }


def _spikes(scope: _Scope, collected: pd.DataFrame) -> pd.DataFrame:
    if len(collected) < 2 or not len(collected.columns):
        return pd.DataFrame()
    s = spike_scores(collected)
    days, units = np.nonzero(s["spike"].to_numpy())
    if not len(days):
        return pd.DataFrame()
    inc, med = (s[k].to_numpy()[days, units] for k in ("increment", "median"))
    keys = np.asarray(collected.columns)[units]
    when = collected.index[days]
    return _findings(
        "spike",
        keys,
        when,
        when,
        inc,
        med,
        [_spike_message(d, x, m) for d, x, m in zip(when, inc, med)],
    )


def _findings(check: str, unit_key, day, day_end, value, expected, messages) -> pd.DataFrame:
    """The rows of one check's findings, in the columns every check gives."""
    return pd.DataFrame(
        {
            "unit_key": unit_key,
            "date": day,
            "date_end": day_end,
            "check": check,
            "severity": rules.severity(check),
            "value": value,
            "expected": expected,
            "message_vi": messages,
        }
    )


def _spike_message(day, value, median) -> str:
    if median > 0:
        times = f"{value / median:.1f}".replace(".", ",")
        return (
            f"Ngày {fmt.date_vn(day)} thu nhận {fmt.number(value)} hồ sơ, gấp {times} lần trung vị {fmt.number(median)} "
            "của các ngày lân cận: có thể nhập dồn nhiều ngày hoặc nhập nhầm."
        )
    return (
        f"Ngày {fmt.date_vn(day)} thu nhận {fmt.number(value)} hồ sơ trong khi các ngày lân cận gần như không có: "
        "có thể nhập dồn hoặc nhập nhầm."
    )


def _episodes(frame: pd.DataFrame, flag: str) -> pd.DataFrame:
    """Consecutive reports of a unit where ``flag`` holds, as first/last rows."""
    frame = frame.sort_values(["unit_key", "date"])
    change = frame[flag].ne(frame.groupby("unit_key")[flag].shift(1)) | frame["unit_key"].ne(
        frame["unit_key"].shift(1)
    )
    frame = frame.assign(_run=change.cumsum())
    runs = frame[frame[flag]].groupby("_run")
    return runs.agg(
        unit_key=("unit_key", "first"),
        date=("date", "first"),
        date_end=("date", "last"),
        **{c: (c, "last") for c in frame.columns if c not in ("unit_key", "date", "_run", flag)},
    )


def _pair(scope: _Scope, metrics: tuple[str, str]) -> pd.DataFrame:
    """``obs[metric in metrics].pivot_table(index=[unit_key, date], columns=metric,
    values=value, aggfunc="last")``: one row per unit and day with either metric, sorted
    by unit then day, a column per metric present.

    Performance: from days × units arrays (metrics.pivot_last) instead of a
    groupby over the nation's 2.4 million rows; falls back to pivot_table for rows
    outside the window (a time of day).  Values come as floats: callers compare them and
    make floats of them.
    """
    obs = scope.obs
    parts = {m: obs[obs["metric"] == m] for m in metrics}
    parts = {m: p for m, p in parts.items() if len(p)}
    inside = all((scope.days.get_indexer(pd.DatetimeIndex(p["date"])) >= 0).all() for p in parts.values())
    if not parts or not inside:
        return obs[obs["metric"].isin(list(metrics))].pivot_table(
            index=["unit_key", "date"], columns="metric", values="value", aggfunc="last"
        )
    keys = sorted(scope.keys)
    grids = {m: pivot_last(p, scope.days, keys).to_numpy().T for m, p in sorted(parts.items())}
    present = np.zeros((len(keys), len(scope.days)), bool)
    for grid in grids.values():
        present |= ~np.isnan(grid)
    unit, day = np.nonzero(present)
    index = pd.MultiIndex.from_arrays(
        [pd.Series(np.asarray(keys, dtype=object)[unit], dtype="str"), scope.days[day]],
        names=["unit_key", "date"],
    )
    frame = pd.DataFrame({m: grid[unit, day] for m, grid in grids.items()}, index=index)
    frame.columns.name = "metric"
    return frame


def _over_eligible(scope: _Scope, units: pd.DataFrame) -> pd.DataFrame:
    """Collected above the eligible population (the eligible figure is probably low)."""
    both = _pair(scope, ("collected", "eligible"))
    if both.empty or "collected" not in both:
        return pd.DataFrame()
    both = both.reset_index()
    if "eligible" not in both:
        both["eligible"] = np.nan
    by_unit = both.groupby("unit_key")["eligible"]
    both["eligible"] = both["eligible"].fillna(by_unit.ffill()).fillna(by_unit.bfill())
    estimate = units["eligible_estimate"].reindex(both["unit_key"]).astype(float).to_numpy()
    both["eligible"] = both["eligible"].fillna(pd.Series(estimate, index=both.index))
    both = both[both["collected"].notna()]
    both["over"] = both["collected"] > both["eligible"]
    if not both["over"].any():
        return pd.DataFrame()
    ep = _episodes(both[["unit_key", "date", "collected", "eligible", "over"]], "over")
    return _findings(
        "coverage_over_100",
        ep["unit_key"],
        ep["date"],
        ep["date_end"],
        ep["collected"].astype(float),
        ep["eligible"].astype(float),
        [
            f"Đã thu nhận {fmt.number(c)} hồ sơ, vượt số công dân đủ điều kiện {fmt.number(e)} "
            f"({fmt.percent(c / e)}) từ ngày {fmt.date_vn(d0)}"
            + (f" đến {fmt.date_vn(d1)}" if d1 != d0 else "")
            + ": số đủ điều kiện có thể bị báo thấp, cần kiểm tra lại."
            for c, e, d0, d1 in zip(ep["collected"], ep["eligible"], ep["date"], ep["date_end"])
        ],
    ).reset_index(drop=True)


def _returned_above(scope: _Scope) -> pd.DataFrame:
    both = _pair(scope, ("collected", "returned"))
    if both.empty or not {"collected", "returned"} <= set(both.columns):
        return pd.DataFrame()
    both = both.dropna().reset_index()
    both["above"] = both["returned"] > both["collected"]
    if not both["above"].any():
        return pd.DataFrame()
    ep = _episodes(both[["unit_key", "date", "collected", "returned", "above"]], "above")
    return _findings(
        "returned_above_collected",
        ep["unit_key"],
        ep["date"],
        ep["date_end"],
        ep["returned"].astype(float),
        ep["collected"].astype(float),
        [
            f"Số thẻ đã trả ({fmt.number(r)}) lớn hơn số hồ sơ đã thu nhận ({fmt.number(c)}) ngày {fmt.date_vn(d1)}"
            + (f" (từ ngày {fmt.date_vn(d0)})" if d1 != d0 else "")
            + "."
            for r, c, d0, d1 in zip(ep["returned"], ep["collected"], ep["date"], ep["date_end"])
        ],
    ).reset_index(drop=True)


# "dòng cộng «HUYỆN KỲ SƠN» ghi 27.000 nhưng tổng 21 xã/phường là 26.994 (chênh +6)…" or
# "dòng tổng cộng ghi … nhưng tổng các xã là …" (ingest.sums.check_sums)
_SUBTOTAL = re.compile(
    r"dòng (?:cộng «(?P<label>[^»]+)»|tổng cộng) ghi (?P<stated>-?[\d.]+) nhưng tổng"
    r"[^«»]*? là (?P<actual>-?[\d.]+)"
)


def _warnings(raw) -> list[dict]:
    if raw is None or (isinstance(raw, float) and np.isnan(raw)):
        return []
    if isinstance(raw, (list, tuple)):
        return list(raw)
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        return []
    return value if isinstance(value, list) else []


def _subtotals(scope: _Scope, units: pd.DataFrame, uploads: pd.DataFrame) -> pd.DataFrame:
    """Subtotal and total rows of uploaded reports that do not equal the sum of their
    communes (recorded by the importer as `subtotal_mismatch` warnings)."""
    relevant = set(scope.obs["upload_id"].unique()) if "upload_id" in scope.obs else set()
    last_day = scope.obs.groupby("upload_id")["date"].max() if len(scope.obs) else pd.Series(dtype=object)
    area = units.reindex(scope.keys)
    candidates = set(area["district_key"].dropna()) | set(area["province_key"].dropna())
    by_name: dict[str, list[str]] = {}
    by_bare: dict[str, list[str]] = {}
    for key in sorted(candidates):
        if key in units.index:
            by_name.setdefault(registry.expand(units.at[key, "name"]), []).append(key)
            by_bare.setdefault(registry.bare(units.at[key, "name"]), []).append(key)
    rows = []
    for up in uploads.itertuples(index=False):
        if up.status != "active" or up.id not in relevant:
            continue
        when = pd.Timestamp(up.report_date) if pd.notna(up.report_date) else last_day.get(up.id, pd.NaT)
        if pd.isna(when) or when > scope.as_of:
            continue
        for w in _warnings(up.warnings):
            if w.get("code") != "subtotal_mismatch":
                continue
            match = _SUBTOTAL.search(w.get("message", ""))
            stated = actual = np.nan
            label = None
            if match:
                stated = float(match["stated"].replace(".", ""))
                actual = float(match["actual"].replace(".", ""))
                label = match["label"]
            keys = (
                (by_name.get(registry.expand(label)) or by_bare.get(registry.bare(label), []))
                if label
                else []
            )
            where = ", ".join(
                p
                for p in (
                    f"trang «{w['sheet']}»" if w.get("sheet") else "",
                    f"dòng {w['row']}" if w.get("row") else "",
                    f"cột «{w['header']}»" if w.get("header") else "",
                )
                if p
            )
            rows.append(
                dict(
                    unit_key=keys[0] if len(keys) == 1 else None,
                    unit_name=label or "Tổng cộng",
                    district=None,
                    date=pd.Timestamp(when).normalize(),
                    date_end=pd.Timestamp(when).normalize(),
                    check="subtotal_mismatch",
                    severity=rules.severity("subtotal_mismatch"),
                    value=stated,
                    expected=actual,
                    message_vi=f"Tệp «{up.file_name}»"
                    + (f" ({where})" if where else "")
                    + ": "
                    + w.get("message", "dòng cộng không khớp tổng các xã."),
                )
            )
    return pd.DataFrame(rows)
