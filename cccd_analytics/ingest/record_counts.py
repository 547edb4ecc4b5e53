"""What an export adds up to: the tally of its chunks (`record_tally`) turned into counts
per place and day, the statuses, and the parts.  Nothing personal: places, days and
counts only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from cccd_analytics import dimensions
from cccd_analytics.ingest import headers, legacy_text, normalise
from cccd_analytics.ingest.address import split_address
from cccd_analytics.ingest.layout import Layout
from cccd_analytics.ingest.record_tally import MASK, PLACE, SHIFT, Tally
from cccd_analytics.ingest.statuses import is_handed_over
from cccd_analytics.text import date_vn


@dataclass
class RecordCounts:
    """What an export adds up to.  Nothing personal: places, days and counts only."""

    daily: pd.DataFrame  # province, district, commune, date, collected_day, returned_day, row
    returned_total: pd.DataFrame  # province, district, commune, returned, row (status only)
    rows: int = 0  # application rows counted
    first_row: int = 0  # 1-based row of the first record
    no_place: tuple[int, list[int]] = (0, [])  # rows without a commune (count, first rows)
    no_date: tuple[int, list[int]] = (0, [])  # rows without a readable day received
    void: tuple[int, list[int]] = (0, [])  # rows cancelled or refused (count, first rows)
    # Rows of an application counted already (the same Số hồ sơ, place and day): count, first rows.
    repeated: tuple[int, list[int]] = (0, [])
    # Lines of sums among the records of a sheet ("Cộng xã …", "Tổng cộng"): count, first rows.
    sum_rows: tuple[int, list[int]] = (0, [])
    # Rows of the signature block under a sheet's records ("Người lập biểu", the signer's
    # name): count, first rows.
    signature_rows: tuple[int, list[int]] = (0, [])
    # Rows that repeat the header (atop each page of a printed report): count, first rows.
    header_rows: tuple[int, list[int]] = (0, [])
    void_statuses: list[str] = field(default_factory=list)  # their statuses, as written
    bad_dates: list[tuple[int, int]] = field(default_factory=list)  # (rows, first row) unreadable
    # The same of the days handed over ("Ngày trả thẻ") that hold digits but read as no day.
    bad_return_dates: list[tuple[int, int]] = field(default_factory=list)
    # Rows whose status says the card was handed over, with no day handed over: count, first rows.
    return_undated: tuple[int, list[int]] = (0, [])
    # Rows of a two-digit birth year ("15/05/25") whose day received gives no year: in no
    # priority group (the century is not guessed): count, first rows.
    short_births_undated: tuple[int, list[int]] = (0, [])
    ambiguous_dates: str | None = None
    statuses_returned: dict[str, int] = field(default_factory=dict)
    statuses_other: dict[str, int] = field(default_factory=dict)
    has_return_dates: bool = False
    skipped_lines: list[int] = field(default_factory=list)
    first_date: date | None = None
    last_date: date | None = None
    # Parts (cccd_analytics.dimensions) per place and day: province, district, commune,
    # date, dimension, value, count, row.  Counts only: what a record said to put it in a
    # part (an age, an address) is gone once counted.
    parts: pd.DataFrame = field(default_factory=pd.DataFrame)
    # The columns read only to put applications in their parts (field → letter).
    breakdown_columns: dict[str, str] = field(default_factory=dict)
    # A status column written in codes, read by the legend beside the table (code → status)
    # and the row of the sheet the legend was read from (1-based).
    status_legend: dict[str, str] = field(default_factory=dict)
    status_legend_row: int | None = None
    # An export over several sheets: each sheet's name after the rows before it (its rows
    # are numbered on from the sheet before's); empty for one sheet or a CSV.
    sheets: list[tuple[int, str]] = field(default_factory=list)


def _fixer(values: Iterable[str], fix: Callable[[str], str] | None) -> dict[str, str]:
    """Unicode NFC for each distinct value; legacy fonts repaired per column."""
    values = sorted(set(values))
    if fix is not None:
        return {v: normalise.text(fix(v)) for v in values}
    repaired, _ = legacy_text.repair_texts(values)
    return {v: normalise.text(r) for v, r in zip(values, repaired)}


def _from_address(province: str, district: str, address: str) -> tuple[str, str, str]:
    found = split_address(address)
    return (province or found[0], district or found[1], found[2])


def _drop_places(unplaced, tally: Tally, keys, counts, first, place, day):
    """Leave out the records whose address names no commune; they are counted as records
    without a commune (their rows, never their text, reach the report)."""
    drop = unplaced[place] if len(place) else np.zeros(0, bool)
    if drop.any():
        rows = np.sort(first[drop])
        tally.no_place[0] += int(counts[drop].sum())
        tally.no_place[1] = sorted(tally.no_place[1] + [int(r) for r in rows[:5]])[:5]
        tally.rows -= int(counts[drop].sum())
    keep = ~drop
    return keys[keep], counts[keep], first[keep], place[keep], day[keep]


def finish(tally: Tally, fix: Callable[[str], str] | None, layout: Layout) -> RecordCounts:
    """What a tally adds up to: counts per unit and day, statuses, parts.

    Long on purpose: one sequence of array operations over an export's integer-coded chunks
    whose intermediate arrays the later steps share; split further, they would be passed
    around or computed again.  The day reading and the statuses are apart (`_days`,
    `_statuses`)."""
    # Performance: keys are integer arrays (place << 32 | day); the loops below
    # run over distinct places, days and statuses, never over counted rows.
    r_keys, r_counts, r_first = tally.received.merged()
    b_keys, b_counts, _ = tally.returned_on.merged()
    s_keys, s_counts, s_first = tally.status.merged()
    mask = np.int64((1 << 32) - 1)
    r_place, r_day = r_keys >> SHIFT, r_keys & mask
    b_place, b_day = b_keys >> SHIFT, b_keys & mask
    s_place, s_status = s_keys >> SHIFT, s_keys & mask
    raw_places = [tally.place_texts(i) for i in range(len(tally.place_list))]
    names = {f: _fixer({p[i] for p in raw_places}, fix) for i, f in enumerate(PLACE)}
    fixed = [(names["province"][p], names["district"][d], names["commune"][c]) for p, d, c in raw_places]
    if layout.place_from_address:
        # The "commune" read is a whole address: keep only its administrative parts (the
        # columns of their own, where the export has them, win).
        fixed = [_from_address(*place) for place in fixed]
        unplaced = np.array([not c for _, _, c in fixed], bool)
        if unplaced.any():
            r_keys, r_counts, r_first, r_place, r_day = _drop_places(
                unplaced, tally, r_keys, r_counts, r_first, r_place, r_day
            )
            keep = ~unplaced[b_place] if len(b_place) else np.zeros(0, bool)
            b_keys, b_counts, b_place, b_day = b_keys[keep], b_counts[keep], b_place[keep], b_day[keep]
            keep = ~unplaced[s_place] if len(s_place) else np.zeros(0, bool)
            s_keys, s_counts, s_first = s_keys[keep], s_counts[keep], s_first[keep]
            s_place, s_status = s_place[keep], s_status[keep]
    # Raw places that read the same once repaired (NFD vs NFC, legacy fonts) are one unit.
    unit_index: dict[tuple[str, str, str], int] = {}
    unit_of_place = np.array([unit_index.setdefault(u, len(unit_index)) for u in fixed], dtype=np.int64)
    unit_texts = list(unit_index)

    day_texts, day_date, day_ok, bad, bad_back, warning = _days(tally, r_day, r_counts, b_day, b_counts)

    # First row of each raw place (over all its rows), kept for the units of places that
    # have a readable day.
    first_of_place = np.full(len(raw_places), np.iinfo(np.int64).max, np.int64)
    np.minimum.at(first_of_place, r_place, r_first)
    ok = day_ok[r_day] if len(r_day) else np.zeros(0, bool)
    first_rows: dict[tuple, int] = {}
    if ok.any():
        valid_places = np.unique(r_place[ok])
        best = np.full(len(unit_texts), np.iinfo(np.int64).max, np.int64)
        np.minimum.at(best, unit_of_place[valid_places], first_of_place[valid_places])
        first_rows = {unit_texts[u]: int(best[u]) for u in np.unique(unit_of_place[valid_places])}

    # One row per (unit, date), in the order pivot_table gave: by province, district,
    # commune, then date; the counts of raw places and day texts that read the same are
    # added up.  Integer keys: a unit's rank in that order × dates + the date's rank.
    columns = ["province", "district", "commune", "date", "collected_day", "returned_day"]
    dates = sorted({d for d in day_date if d is not None})
    rank = {d: i for i, d in enumerate(dates)}
    date_rank = np.array([rank.get(d, -1) for d in day_date], np.int64)
    unit_order = sorted(range(len(unit_texts)), key=unit_texts.__getitem__)
    unit_rank = np.empty(len(unit_texts), np.int64)
    unit_rank[unit_order] = np.arange(len(unit_texts))
    keys, sums, readable = [], [], []
    for place, day, counts in ((r_place, r_day, r_counts), (b_place, b_day, b_counts)):
        good = day_ok[day] if len(day) else np.zeros(0, bool)
        keys.append(unit_rank[unit_of_place[place[good]]] * max(len(dates), 1) + date_rank[day[good]])
        sums.append(counts[good])
        readable.append(good)
    cells, where = np.unique(np.concatenate(keys), return_inverse=True)
    if not len(cells):
        wide = pd.DataFrame(columns=columns)
    else:
        per_metric = [
            np.bincount(where[: len(keys[0])], weights=sums[0], minlength=len(cells)),
            np.bincount(where[len(keys[0]) :], weights=sums[1], minlength=len(cells)),
        ]
        # The first record of each (unit, day), where the day has one received.
        first_of_cell = np.full(len(cells), np.iinfo(np.int64).max, np.int64)
        np.minimum.at(first_of_cell, where[: len(keys[0])], r_first[readable[0]])
        units = np.asarray(unit_order, np.int64)[cells // len(dates)]
        # Per unit, then taken for each of its rows.
        part = [taken_texts(np.array([t[i] for t in unit_texts], dtype=object), units) for i in range(3)]
        wide = pd.DataFrame(
            {
                "province": part[0],
                "district": part[1],
                "commune": part[2],
                "date": np.asarray(dates, dtype=object)[cells % len(dates)],
                "collected_day": per_metric[0].astype(np.int64),
                "returned_day": per_metric[1].astype(np.int64),
            }
        )
        unit_first = np.array([first_rows.get(t, 0) for t in unit_texts], np.int64)[units]
        wide["row"] = np.where(first_of_cell < np.iinfo(np.int64).max, first_of_cell, unit_first)
    if not len(cells):
        wide["row"] = []

    statuses_returned, statuses_other, totals = _statuses(
        tally, fix, fixed, first_rows, s_keys, s_counts, s_first, s_place, s_status
    )
    received_days = [day_date[i] for i in np.unique(r_day) if day_date[i]]
    all_days = received_days + [day_date[i] for i in np.unique(b_day) if day_date[i]]
    parts = _parts(tally, fix, layout, fixed, day_date, r_place, r_counts)
    return RecordCounts(
        parts=parts,
        breakdown_columns={
            f: layout.columns[f].letter for f in headers.RECORD_BREAKDOWN_FIELDS if f in layout.columns
        },
        daily=wide,
        returned_total=totals,
        rows=tally.rows,
        first_row=layout.first_data_row + 1,
        no_place=(tally.no_place[0], tally.no_place[1]),
        no_date=(tally.no_date[0], tally.no_date[1]),
        void=(tally.void[0], tally.void[1]),
        repeated=(tally.repeated[0], tally.repeated[1]),
        void_statuses=sorted(tally.void_statuses),
        bad_dates=sorted(bad, key=lambda b: b[1]),
        bad_return_dates=sorted(bad_back, key=lambda b: b[1]),
        return_undated=(tally.undated_returns[0], tally.undated_returns[1]),
        short_births_undated=(tally.short_births_undated[0], tally.short_births_undated[1]),
        ambiguous_dates=warning[0] if warning else None,
        statuses_returned=dict(statuses_returned.most_common()),
        statuses_other=dict(statuses_other.most_common()),
        has_return_dates="returned_date" in layout.columns,
        first_date=min(received_days) if received_days else None,
        last_date=max(all_days) if all_days else None,
    )


def _days(tally: Tally, r_day, r_counts, b_day, b_counts):
    """The days an export names, read once per distinct text: (day texts, their dates or
    None, readable mask, (rows, first row) of each unreadable day received, the same of each
    unreadable day handed over, the order warning)."""
    day_texts = tally.text["day"].values
    days = {day_texts[i] for i in np.unique(r_day)} | {day_texts[i] for i in np.unique(b_day)}
    order = normalise.date_order(days)
    parsed: dict[str, date | None] = {}
    for raw in days:
        value = normalise.parse_date(raw, order=order).value
        parsed[raw] = value if isinstance(value, date) else None
    # Days received typed month first among days typed day first: read swapped, said in the
    # warning.  Only the days received: a card is handed over weeks after, so a day handed
    # over far after the days received is no sign of a swap.
    received = {day_texts[i] for i in np.unique(r_day)}
    swapped = normalise.swapped_days(received, order)
    parsed.update(swapped)
    day_date = [parsed.get(t) for t in day_texts]
    day_ok = np.array([d is not None for d in day_date], bool)
    counts_by_day = (
        np.bincount(r_day, weights=r_counts, minlength=len(day_texts))
        if len(r_day)
        else np.zeros(len(day_texts))
    )
    back_by_day = (
        np.bincount(b_day, weights=b_counts, minlength=len(day_texts))
        if len(b_day)
        else np.zeros(len(day_texts))
    )
    bad: list[tuple[int, int]] = []
    bad_back: list[tuple[int, int]] = []
    for raw in {raw for raw, value in parsed.items() if value is None}:
        at = tally.text["day"].index[raw]
        if raw in received:
            bad.append((int(counts_by_day[at]) or 1, tally.date_rows.get(raw, 0)))
        elif any(c.isdigit() for c in raw):
            bad_back.append((int(back_by_day[at]) or 1, tally.date_rows.get(raw, 0)))
        # Else words in the column of the day handed over ("Chưa trả", "-"): not handed over.
        # They were counted as unreadable days received, and a dozen such words would have
        # refused the export as having its date column wrong.
    # In file order: the day the warning shows is the file's first such day, the same on
    # every run (a set's order follows the process's hash seed).
    warning = normalise.date_order_warning(sorted(days, key=lambda raw: (tally.date_rows.get(raw, 0), raw)))
    if swapped:
        first = min(swapped, key=lambda raw: (tally.date_rows.get(raw, 0), raw))
        sure = [parsed[raw] for raw in received if raw not in swapped and parsed.get(raw)]
        n = int(sum(counts_by_day[tally.text["day"].index[raw]] for raw in swapped))
        read, other = swapped[first], normalise.parse_date(first, order=order).value
        note = (
            f"{n} hồ sơ có ngày thu nhận bị đảo ngày và tháng (như «{normalise.unprotected(first)}» ở dòng "
            f"{tally.date_rows.get(first, 0)}; gõ tháng trước ngày, hoặc Excel đặt kiểu ngày tháng/ngày): "
            f"đã đọc là ngày {read.day} tháng {read.month}/{read.year} thay vì ngày {other.day} tháng "
            f"{other.month}, cho khớp các ngày khác của tệp ({date_vn(min(sure))} – {date_vn(max(sure))}); "
            "hãy kiểm tra lại"
        )
        warning = (note + ("; " + warning[0] if warning else ""), first)
    return day_texts, day_date, day_ok, bad, bad_back, warning


def _statuses(tally: Tally, fix, fixed, first_rows, s_keys, s_counts, s_first, s_place, s_status):
    """Statuses counted as handed over or not, and the cards handed over per unit (a frame:
    province, district, commune, returned, row)."""
    statuses_returned: Counter = Counter()
    statuses_other: Counter = Counter()
    returned_total: Counter = Counter()
    status_texts = tally.text["status"].values
    labels = _fixer({status_texts[i] for i in np.unique(s_status)}, fix) if len(s_keys) else {}
    handed = {label: is_handed_over(label) for label in set(labels.values())}
    # In the order each (place, status) first occurs in the file, as the counters of the
    # row-by-row code were filled.
    for i in np.argsort(s_first, kind="stable"):
        label = labels[status_texts[s_status[i]]]
        n = int(s_counts[i])
        if handed[label]:
            statuses_returned[label] += n
            returned_total[fixed[s_place[i]]] += n
        else:
            statuses_other[label or "(trống)"] += n
    totals = pd.DataFrame(
        [(*k, n, first_rows.get(k, 0)) for k, n in returned_total.items()],
        columns=["province", "district", "commune", "returned", "row"],
    )
    return statuses_returned, statuses_other, totals


def _pairs(code: np.ndarray, day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each key's (code, day) pair as an index into the distinct pairs (code * 65536 + day).
    On a dense grid when codes × days is small (birth years × days: ~25.000), which is a
    few milliseconds where hashing ~900.000 keys was a tenth of a second."""
    days = int(day.max()) + 1
    size = (int(code.max()) + 1) * days
    if size > 1 << 22:
        return pd.factorize(code * 65536 + day, sort=False)
    grid = code * days + day
    seen = np.zeros(size, bool)
    seen[grid] = True
    cells = np.flatnonzero(seen)
    index = np.zeros(size, np.int64)
    index[cells] = np.arange(len(cells))
    pair_code, pair_day = np.divmod(cells, days)
    return index[grid], pair_code * 65536 + pair_day


def taken_texts(texts: np.ndarray, index: np.ndarray) -> pd.Categorical:
    """`texts[index]` (a few hundred places' names, taken for tens of thousands of rows) as a
    categorical, None as missing: a column of Python strings is converted to pandas' text
    type value by value (~15 ms for a 1M-row export's parts), a categorical's codes are not.
    Texts may repeat; the categories are in the texts' order, so that a sort or groupby of
    the column orders its rows as it would the texts themselves."""
    codes, uniques = pd.factorize(texts, sort=True, use_na_sentinel=True)
    return pd.Categorical.from_codes(codes[index] if len(index) else codes[:0], categories=uniques)


#: The dimension of a part that is still a current residence's province (classed later).
RESIDENCE_RAW = "residence:province"


def _parts(
    tally: Tally,
    fix,
    layout: Layout,
    fixed: list[tuple[str, str, str]],
    day_date: list,
    r_place: np.ndarray,
    r_counts: np.ndarray,
) -> pd.DataFrame:
    """The parts counted per place and day: province, district, commune, date, dimension,
    value, count, row.  A feature's code becomes a value here: a place of receipt a channel,
    a birth year or an age a priority group (at the day received), the province of the
    current residence a residence class.

    Performance: values are worked out once per distinct (code, day) — a few thousand —
    and the counted keys are mapped with numpy, not walked one by one."""
    columns = ["province", "district", "commune", "date", "dimension", "value", "count", "row"]
    if not tally.features:
        return pd.DataFrame(columns=columns)
    del layout, r_place, r_counts  # the export's province is known once its units are
    texts = {name: _fixer(ids.values, fix) for name, ids in tally.feature_text.items()}
    raw = {name: ids.values for name, ids in tally.feature_text.items()}
    has_commune = np.array([bool(c) for _, _, c in fixed] + [False], bool)
    # Birth years were put in their age's class with the year the tally read in each day's
    # text (record_tally._by_age_class): the year of the day as read here.  Never seen to
    # differ; if it did, the parts would be wrong, so the file is refused instead.
    for year, when in zip(tally.day_years, day_date):
        if year >= 0 and when is not None and when.year != year:
            raise ValueError(f"the year of a received day read two ways ({year}, {when})")
    out = []
    for feature, counts in tally.features.items():
        keys, n, first = counts.merged()
        if not len(keys):
            continue
        place, low = keys >> SHIFT, keys & MASK
        code, day = low >> 16, low & 0xFFFF
        dimension = (
            RESIDENCE_RAW
            if feature == "residence"
            else {"birth_year": "group", "age": "group"}.get(feature, feature)
        )
        pair, pairs = _pairs(code, day)
        values = []
        for key in pairs.tolist():
            c, d = divmod(int(key), 65536)
            when = day_date[d] if d < len(day_date) else None
            if when is None:
                values.append(None)
            elif feature in ("birth_year", "age"):
                years = when.year - (c + 1800) if feature == "birth_year" else c
                values.append(dimensions.group_of_age(years, when.month) if 0 <= years < 130 else None)
            elif feature == "residence":
                # The province of the current residence: classed once the units (and so
                # the home provinces) are known (parts.from_export).
                values.append(texts["current_province"][raw["current_province"][c]] or None)
            elif feature == "channel":
                values.append(dimensions.channel_of_place(texts[feature][raw[feature][c]]))
            else:
                values.append(dimensions.canonical(feature, texts[feature][raw[feature][c]]))
        value_code, value_texts = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
        vid = value_code[pair]
        keep = (vid >= 0) & has_commune[np.minimum(place, len(fixed))]
        if not keep.any():
            continue
        place, day, vid, n, first = place[keep], day[keep], vid[keep], n[keep], first[keep]
        # Keys that differ only by what became the same value (birth years of one priority
        # group) are added up here, on integers, before any frame is made of them: a 1M-row
        # export has ~900.000 (place, birth year, day) keys and ~100.000 (place, group, day).
        key = (place.astype(np.int64) * (int(day.max()) + 1) + day) * len(value_texts) + vid
        order = np.argsort(key, kind="stable")
        key = key[order]
        starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        n = np.add.reduceat(n[order], starts)
        first = np.minimum.reduceat(first[order], starts)
        place, day, vid = place[order][starts], day[order][starts], vid[order][starts]
        value = taken_texts(np.asarray(value_texts, dtype=object), vid)
        names = np.asarray(fixed, dtype=object).reshape(-1, 3) if fixed else np.empty((0, 3), object)
        out.append(
            pd.DataFrame(
                {
                    "province": taken_texts(names[:, 0], place),
                    "district": taken_texts(names[:, 1], place),
                    "commune": taken_texts(names[:, 2], place),
                    "date": np.asarray(day_date + [None], dtype=object)[day],
                    "dimension": dimension,
                    "value": value,
                    "count": n,
                    "row": first,
                }
            )
        )
    if not out:
        return pd.DataFrame(columns=columns)
    if len(out) == 1:
        return out[0]  # one feature's keys, already added up: nothing to merge
    # Birth years and ages both give priority groups: the same part may come from each.
    frame = pd.concat(out, ignore_index=True)
    return frame.groupby(columns[:6], as_index=False, sort=True).agg(
        count=("count", "sum"), row=("row", "min")
    )
