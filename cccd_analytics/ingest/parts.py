"""Parts and totals of a commune-day, reconciled (docs/data-model.md, "Breakdowns").

A file's rows are either totals (a commune-day's applications) or parts (the applications
of one priority group, channel, residence class, application type or shift of that
commune-day).  Here, once places are resolved to units:

* the parts of one dimension never add up to more than the total of the same
  commune-day, whether the file or the store gives that total: a file where they do is
  refused, naming the part's row and column (a finer value — "Học sinh lớp 12" beside
  "Học sinh" — is checked against its coarser one instead, and not added twice);
* parts without a total build it: the largest of the dimensions' sums (an exhaustive
  dimension such as the channel adds up to the whole).  A built total is a lower bound, so
  it is not written over a total the store already holds for that day, nor below a
  running total the store holds for an earlier day (a warning says so);
* a commune-day whose only parts are residents living in another province ("Cư trú ngoại
  tỉnh"), with no total, is a count of this home commune's citizens served outside the
  province: kept as such (metric `elsewhere`), counted toward the home commune, building
  no total;
* an `eligible` figure on a part row is that part's denominator, dated by the row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cccd_analytics import dimensions
from cccd_analytics.ingest.report import ImportReport, Problem
from cccd_analytics.text import date_vn, thousands

PART_METRICS = ("collected", "collected_day")
#: The running total of a home commune's citizens served outside the province.
ELSEWHERE = "elsewhere"
PART_COLUMNS = ["unit_key", "date", "dimension", "value", "metric", "count"]
DENOMINATOR_COLUMNS = ["unit_key", "dimension", "value", "date", "count", "kind", "detail"]


def _at(row) -> dict:
    return dict(
        sheet=row.sheet or None,
        row=int(row.row),
        column=row.column or None,
        header=row.header or None,
    )


def _long(table: pd.DataFrame) -> pd.DataFrame:
    """One row per part figure: unit_key, date, dimension, value, metric, count, row, sheet,
    column, header, name."""
    out = []
    for metric in (*PART_METRICS, "eligible"):
        if metric not in table:
            continue
        have = table[table[metric].notna()]
        if have.empty:
            continue
        cells = have["cells"].map(
            lambda c, m=metric: c.get(m, (None, None)) if isinstance(c, dict) else (None, None)
        )
        out.append(
            pd.DataFrame(
                {
                    "unit_key": have["unit_key"].to_numpy(),
                    "date": have["date"].to_numpy(),
                    "dimension": have["dimension"].to_numpy(),
                    "value": have["part"].to_numpy(),
                    "metric": metric,
                    "count": have[metric].astype("int64").to_numpy(),
                    "row": have["row"].to_numpy(),
                    "sheet": have["sheet"].to_numpy(dtype=object),
                    "column": [c[0] for c in cells],
                    "header": [c[1] for c in cells],
                    "name": have["commune"].to_numpy(),
                    "kind": have["den_kind"].to_numpy() if "den_kind" in have else None,
                    "detail": have["detail"].to_numpy() if "detail" in have else None,
                }
            )
        )
    if not out:
        return pd.DataFrame(
            columns=[
                "unit_key",
                "date",
                "dimension",
                "value",
                "metric",
                "count",
                "row",
                "sheet",
                "column",
                "header",
                "name",
            ]
        )
    return pd.concat(out, ignore_index=True).sort_values("row", kind="stable").reset_index(drop=True)


def _one_spelling(parts: pd.DataFrame, stored_values: set[tuple[str, str]]) -> pd.DataFrame:
    """Values nobody listed, written several ways ("dân tộc thiểu số", "Dân tộc thiểu số"),
    become one: the spelling the store already has, else the first in the file."""
    chosen: dict[tuple[str, str], str] = {}
    for dimension, value in stored_values:
        chosen.setdefault((dimension, dimensions._key(value)), value)
    values = []
    for dimension, value in zip(parts["dimension"], parts["value"]):
        if value in dimensions.labels(dimension) or dimensions.grade(value) is not None:
            values.append(value)
            continue
        values.append(chosen.setdefault((dimension, dimensions._key(value)), value))
    return parts.assign(value=values)


def _dedupe(parts: pd.DataFrame, report: ImportReport) -> pd.DataFrame:
    keys = ["unit_key", "date", "dimension", "value", "metric", "detail"]
    dup = parts.duplicated(keys, keep=False)
    if not dup.any():
        return parts
    for _, group in parts[dup].groupby(keys, sort=False):
        first, *others = list(group.itertuples())
        for other in others:
            same = other.count == first.count
            report.problems.append(
                Problem.of(
                    "duplicate_row" if same else "conflicting_values",
                    (
                        f"«{first.name}» ngày {date_vn(first.date)}, «{first.value}» lặp lại dòng {first.row}; chỉ tính một lần."
                        if same
                        else f"«{first.name}» ngày {date_vn(first.date)}, «{first.value}» có hai giá trị khác nhau: "
                        f"{thousands(first.count)} (dòng {first.row}) và {thousands(other.count)} (dòng {other.row})."
                    ),
                    **_at(other),
                )
            )
    return parts.drop_duplicates(keys, keep="first")


DAY = ["unit_key", "date", "metric"]
GROUP = [*DAY, "dimension"]


def _exceeds(row, total: int, where: str, added: int) -> Problem:
    return Problem.of(
        "parts_exceed_total",
        f"«{row.name_}» ngày {date_vn(row.date)}: các phần theo {dimensions.LABELS[row.dimension].lower()} "
        f"cộng lại {thousands(added)}, vượt tổng {thousands(total)} {where} (phần «{row.value}»).",
        sheet=row.sheet or None,
        row=int(row.row),
        column=row.column or None,
        header=row.header or None,
    )


def reconcile(
    table: pd.DataFrame,
    totals: pd.DataFrame,
    report: ImportReport,
    store=None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The part rows of a file (`table`: unit_key, date, dimension, part, metric columns,
    row, sheet, cells, commune) against its totals (`totals`: the long observations).

    Returns (parts to store, denominators to store, totals built from parts — rows shaped
    like `totals`).  Performance: whole-frame merges and group sums, no loop over
    commune-days (a province's weekly parts are tens of thousands of rows).

    Long on purpose: one sequence of whole-frame merges over the same part frame, each
    step adding the columns the next one reads (the coarser value's count, the day's total,
    the running sum); split, each step would take and return the whole frame with no
    meaning of its own.  The steps are marked by comments."""
    parts = _long(table)
    if parts.empty:
        return (
            pd.DataFrame(columns=PART_COLUMNS),
            pd.DataFrame(columns=DENOMINATOR_COLUMNS),
            totals.iloc[0:0],
        )
    stored_values = store.part_values() if store is not None else set()
    parts = _dedupe(_one_spelling(parts, stored_values), report)
    denominators = parts[parts["metric"] == "eligible"]
    parts = parts[parts["metric"] != "eligible"].copy()
    if parts.empty:  # a denominator list
        report.breakdowns = _summary(parts.assign(outside=False), denominators, 0)
        dens = _denominators(denominators)
        dens["date"] = [pd.Timestamp(d).date() for d in dens["date"]]
        return pd.DataFrame(columns=PART_COLUMNS), dens.reset_index(drop=True), totals.iloc[0:0]
    parts["date"] = pd.to_datetime(parts["date"])
    parts = parts.rename(columns={"name": "name_"})

    # Nesting values: a finer value whose coarser one is given for the same commune-day is
    # checked against it and not added into the dimension's sum.
    pairs = parts[["dimension", "value"]].drop_duplicates()
    coarse = {(d, v): dimensions.parent(d, v) for d, v in zip(pairs["dimension"], pairs["value"])}
    parts["coarse"] = pd.Series(
        [coarse[(d, v)] for d, v in zip(parts["dimension"], parts["value"])], dtype=object, index=parts.index
    )
    given = parts[GROUP + ["value", "count", "row"]].rename(
        columns={"value": "coarse", "count": "coarse_count", "row": "coarse_row"}
    )
    parts = parts.merge(given, on=[*GROUP, "coarse"], how="left")
    nested = parts["coarse_count"].notna()
    if nested.any():
        finer = parts[nested]
        sums = finer.groupby([*GROUP, "coarse"])["count"].transform("sum")
        over = finer[sums > finer["coarse_count"]].drop_duplicates([*GROUP, "coarse"])
        for row in over.itertuples():
            report.problems.append(
                Problem.of(
                    "parts_exceed_total",
                    f"«{row.name_}» ngày {date_vn(row.date)}: các phần của «{row.coarse}» cộng lại "
                    f"{thousands(int(sums.loc[row.Index]))}, vượt «{row.coarse}» {thousands(int(row.coarse_count))} "
                    f"(dòng {int(row.coarse_row)}).",
                    sheet=row.sheet or None,
                    row=int(row.row),
                    column=row.column or None,
                    header=row.header or None,
                )
            )
    parts["counted"] = ~nested

    # The total of each commune-day: the file's row, else the store's for that day.
    file_totals = totals.loc[
        totals["metric"].isin(PART_METRICS), ["unit_key", "date", "metric", "value", "row"]
    ]
    file_totals = file_totals.assign(date=pd.to_datetime(file_totals["date"])).drop_duplicates(
        DAY, keep="last"
    )
    days = parts[DAY].drop_duplicates()
    days = days.merge(file_totals.rename(columns={"value": "total", "row": "total_row"}), on=DAY, how="left")
    # Citizens of a home commune served outside the province: a commune-day, without a
    # total, whose parts are all "Cư trú ngoại tỉnh".
    is_away = (
        (parts["dimension"] == "residence")
        & (parts["value"] == dimensions.OUTSIDE)
        & (parts["metric"] == "collected")
    )
    away_day = parts.assign(a=is_away).groupby(DAY)["a"].all().rename("away").reset_index()
    days = days.merge(away_day, on=DAY, how="left")
    days["away"] = days["away"] & days["total"].isna()
    days["where"] = np.where(
        days["total"].notna(), "(dòng " + days["total_row"].astype("Int64").astype(str) + ")", ""
    )
    open_days = days[days["total"].isna() & ~days["away"]]
    if store is not None and len(open_days):
        current = store.current_observations(unit_keys=sorted(set(open_days["unit_key"])))
        current = current.loc[current["metric"].isin(PART_METRICS), ["unit_key", "date", "metric", "value"]]
        current = current.assign(date=pd.to_datetime(current["date"]))
        same = current.rename(columns={"value": "stored"})
        days = days.merge(same, on=DAY, how="left")
        fill = days["total"].isna() & days["stored"].notna() & ~days["away"]
        if fill.any():
            # Only when there is one: a store without those units' figures gives an empty
            # column of no type, which pandas would not set into the totals (the upload
            # was refused as "cấu trúc bất thường").
            days.loc[fill, "total"] = days.loc[fill, "stored"].astype(float)
            days.loc[fill, "where"] = "đã có trong cơ sở dữ liệu"
        # The store's last running total before each day without one: a lower built total
        # is not written over it.
        earlier = current[current["metric"] == "collected"].sort_values("date")
        ask = days.loc[
            days["total"].isna() & ~days["away"] & (days["metric"] == "collected"), DAY
        ].sort_values("date")
        if len(earlier) and len(ask):
            found = pd.merge_asof(
                ask,
                earlier.rename(columns={"date": "before_date", "value": "before"}).drop(columns="metric"),
                left_on="date",
                right_on="before_date",
                by="unit_key",
                allow_exact_matches=False,
            )
            days = days.merge(found[[*DAY, "before", "before_date"]], on=DAY, how="left")
    for column in ("before", "before_date"):
        if column not in days:
            days[column] = np.nan if column == "before" else pd.NaT
    parts = parts.merge(days[[*DAY, "away", "total", "where", "before", "before_date"]], on=DAY, how="left")
    parts["outside"] = parts["away"].astype(bool)

    inside = parts[~parts["outside"] & parts["counted"]].sort_values("row", kind="stable")
    inside = inside.assign(running=inside.groupby(GROUP)["count"].cumsum())
    sums = inside.groupby(GROUP, as_index=False)["count"].sum().rename(columns={"count": "added"})
    inside = inside.merge(sums, on=GROUP, how="left")
    # Parts above their total: refused at the part that takes the sum over it.
    checked = inside[inside["total"].notna()]
    over = checked[checked["added"] > checked["total"]]
    if len(over):
        tipping = over[over["running"] > over["total"]].drop_duplicates(GROUP)
        for row in tipping.itertuples():
            report.problems.append(_exceeds(row, int(row.total), row.where, int(row.added)))
    # Parts without a total build it: the largest of their dimensions' sums.
    unbuilt = inside[inside["total"].isna()]
    built = totals.iloc[0:0]
    if len(unbuilt):
        best = unbuilt.sort_values(["added", "row"], ascending=[False, True], kind="stable").drop_duplicates(
            DAY
        )
        low = best["before"].notna() & (best["before"] > best["added"])
        for row in best[low].itertuples():
            report.problems.append(
                Problem.of(
                    "total_not_built",
                    f"«{row.name_}» ngày {date_vn(row.date)} chỉ có các phần (cộng lại {thousands(int(row.added))}), "
                    f"thấp hơn lũy kế {thousands(int(row.before))} đã có của ngày {date_vn(row.before_date)}: "
                    "không lấy làm tổng của xã; các phần vẫn được nhập.",
                    sheet=row.sheet or None,
                    row=int(row.row),
                )
            )
        first = unbuilt.sort_values("row", kind="stable").drop_duplicates(GROUP)
        best = best[~low].merge(
            first[[*GROUP, "row", "sheet", "column", "header", "name_"]], on=GROUP, suffixes=("_x", "")
        )
        if len(best):
            built = pd.DataFrame(
                {
                    "unit_key": best["unit_key"].to_numpy(),
                    "date": best["date"].to_numpy(),
                    "metric": best["metric"].to_numpy(),
                    "value": best["added"].astype("int64").to_numpy(),
                    "row": best["row"].astype("int64").to_numpy(),
                    "sheet": best["sheet"].to_numpy(dtype=object),
                    "column": best["column"].to_numpy(dtype=object),
                    "header": best["header"].to_numpy(dtype=object),
                    "name": best["name_"].to_numpy(dtype=object),
                }
            )[list(totals.columns)]

    report.breakdowns = _summary(parts, denominators, len(built))
    parts.loc[parts["outside"], "metric"] = ELSEWHERE
    out_parts = parts[PART_COLUMNS].copy()
    out_parts["date"] = [d.date() for d in pd.DatetimeIndex(out_parts["date"])]
    dens = _denominators(denominators)
    dens["date"] = [pd.Timestamp(d).date() for d in dens["date"]]
    return out_parts.reset_index(drop=True), dens.reset_index(drop=True), built


def _denominators(rows: pd.DataFrame) -> pd.DataFrame:
    """One denominator per (unit, dimension, value, day): a list's rows of one commune (its
    schools) added up, where they came from kept in `detail`."""
    if rows.empty:
        return pd.DataFrame(columns=DENOMINATOR_COLUMNS)
    rows = rows.assign(kind=rows["kind"].fillna("population") if "kind" in rows else "population")
    out = rows.groupby(["unit_key", "dimension", "value", "date", "kind"], as_index=False, sort=False).agg(
        count=("count", "sum"),
        detail=("detail", lambda d: "; ".join(x for x in d if isinstance(x, str) and x) or None),
    )
    return out[DENOMINATOR_COLUMNS]


def _summary(parts: pd.DataFrame, denominators: pd.DataFrame, built: int) -> dict:
    """What the file's parts are, for the import report (`report.breakdowns`)."""
    out = {}
    for dimension in dimensions.DIMENSIONS:
        mine = parts[parts["dimension"] == dimension]
        if mine.empty and (denominators["dimension"] != dimension).all():
            continue
        values = sorted(
            # Distinct values first (walking an Arrow text column value by value is slow).
            set(mine["value"].unique())
            | set(denominators.loc[denominators["dimension"] == dimension, "value"].unique()),
            key=lambda v, d=dimension: dimensions.order_key(d, v),
        )
        out[dimension] = dict(label=dimensions.LABELS[dimension], values=values, figures=int(len(mine)))
    return dict(
        dimensions=out,
        totals_built=built,
        outside=int(parts["outside"].sum()),
        denominators=int(len(denominators)),
    )


def _residence_classes(counted: pd.DataFrame, report: ImportReport) -> pd.DataFrame:
    """An export's current residences (their provinces) → residence classes: an applicant
    whose home (the unit counted) is in another province than the export's own is from
    elsewhere; one at home in it but living in another province lives outside; the rest are
    in the province.  The export's province: its letterhead's, else the one most of its
    applicants' homes are in."""
    from cccd_analytics import registry
    from cccd_analytics.ingest.records import RESIDENCE_RAW

    raw = counted["dimension"] == RESIDENCE_RAW
    if not raw.any():
        return counted
    reg = registry.load_registry()
    names = reg["name"]

    def home(unit: str, written: str) -> str:
        if unit in reg.index:
            return registry.bare(names.get(reg.at[unit, "province_key"], "") or "")
        return registry.bare(written or "")

    homes = [home(u, p) for u, p in zip(counted["unit_key"], counted["province"])]
    ours = next((a for a in report.authorities if a.startswith("tinh ") or a.startswith("thanh pho ")), "")
    ours = registry.bare(ours) if ours else ""
    if not ours:
        # The homes of the other parts' applicants; an export split by residence alone has
        # none, and its residence parts' homes say the same (each applicant once).
        pick = ~raw.to_numpy() if (~raw).any() else np.ones(len(raw), bool)
        weight = pd.Series(counted["count"].to_numpy()[pick], index=np.asarray(homes)[pick])
        weight = weight.groupby(level=0).sum() if len(weight) else weight
        ours = str(weight.idxmax()) if len(weight) else ""
    # The last part of an address is its province; one that names a place of the export's
    # own province (an address written without its province) is at home.
    province_keys = reg.index[(reg["level"] == "province") & (reg["name"].map(registry.bare) == ours)]
    local = {ours} | {
        registry.bare(n) for n in reg.loc[reg["province_key"].isin(list(province_keys)), "name"]
    }
    classes = []
    for is_raw, home_key, now in zip(raw, homes, counted["value"]):
        if not is_raw:
            classes.append(None)
            continue
        now_key = registry.bare(now or "")
        if home_key and ours and home_key != ours:
            classes.append(dimensions.FROM_ELSEWHERE)
        elif now_key and ours and now_key not in local:
            classes.append(dimensions.OUTSIDE)
        else:
            classes.append(dimensions.IN_PROVINCE)
    out = counted.copy()
    # As text: the classes are values the counted column (a categorical) does not hold.
    out["dimension"] = out["dimension"].astype(object)
    out["value"] = out["value"].astype(object)
    out.loc[raw, "dimension"] = "residence"
    out.loc[raw, "value"] = [c for c in classes if c is not None]
    return out.groupby(list(out.columns.drop(["count", "row"])), as_index=False, sort=False).agg(
        count=("count", "sum"), row=("row", "min")
    )


def from_export(counted: pd.DataFrame, keys_of: dict, report: ImportReport, store=None) -> pd.DataFrame:
    """The parts a per-record export counted per place and day → running totals to store.

    Like the export's totals, each part of a unit runs from the export's first day (adding
    onto what the store holds for it before that day, when it does), a day without a record
    adding zero.  Only the days its running total moves are written, with the day before
    each move and the export's last day, so that reading it back (spread between reports,
    carried forward) gives every day's figure exactly."""
    # Each distinct place looked up once (the columns hold Arrow text: walking them is slow),
    # found by combining each column's codes (a MultiIndex of the three, made of Python
    # objects, cost ~50 ms on a province's export).  A blank (missing) part is no place.
    place = ["province", "district", "commune"]
    combined = np.zeros(len(counted), np.int64)
    names = []
    for column in place:
        codes, uniques = pd.factorize(counted[column], sort=False)
        combined = combined * (len(uniques) + 1) + (codes.astype(np.int64) + 1)
        names.append([None, *uniques.tolist()])
    distinct, inverse = np.unique(combined, return_inverse=True)
    triples = []
    for value in distinct.tolist():
        parts_of = []
        for column_names in names[::-1]:
            value, code = divmod(value, len(column_names))
            parts_of.append(column_names[code])
        triples.append(tuple(parts_of[::-1]))
    units = np.asarray([None if None in t else keys_of.get(t) for t in triples], dtype=object)
    from cccd_analytics.ingest.record_counts import taken_texts

    # A categorical in the keys' order (the sorted factorize below then reads its codes).
    counted = counted.assign(unit_key=taken_texts(units, inverse.ravel())).dropna(subset=["unit_key"])
    if counted.empty:
        return pd.DataFrame(columns=PART_COLUMNS)
    counted = _residence_classes(counted, report)
    counted = counted.assign(date=pd.to_datetime(counted["date"]))
    first, last = counted["date"].min(), counted["date"].max()
    days = pd.date_range(first, last, freq="D")
    # Performance: a (unit, dimension, value) × day grid of integers, summed with bincount and
    # added up with cumsum, rows in the order a sorted groupby gives (each key ranked by a
    # sorted factorize); the groupby, unstack and reindex this replaces gave the same figures.
    ranked = [pd.factorize(counted[name], sort=True) for name in ("unit_key", "dimension", "value")]
    day = (counted["date"].to_numpy("datetime64[D]") - first.to_datetime64().astype("datetime64[D]")).astype(
        np.int64
    )
    known = np.ones(len(counted), bool)
    for codes, _ in ranked:
        known &= codes >= 0  # a blank key: left out, as groupby leaves it out
    known &= ~np.isnat(counted["date"].to_numpy("datetime64[D]"))
    (u, u_vals), (d, d_vals), (v, v_vals) = ranked
    combined = (u[known].astype(np.int64) * len(d_vals) + d[known]) * len(v_vals) + v[known]
    keys, series_of = np.unique(combined, return_inverse=True)
    span = len(days)
    summed = np.bincount(
        series_of.ravel() * span + day[known],
        weights=counted["count"].to_numpy(np.float64)[known],  # whole counts far below 2**53: exact
        minlength=len(keys) * span,
    )
    values = np.cumsum(summed.astype(np.int64).reshape(len(keys), span), axis=1)
    unit_rank, rest = np.divmod(keys, len(d_vals) * len(v_vals))
    dimension_rank, value_rank = np.divmod(rest, len(v_vals))
    unit_of = np.asarray(u_vals, dtype=object)[unit_rank]
    dimension_of = np.asarray(d_vals, dtype=object)[dimension_rank]
    value_of = np.asarray(v_vals, dtype=object)[value_rank]
    if store is not None:
        stored = store.current_parts(unit_keys=sorted(counted["unit_key"].unique().tolist()))
        stored = stored[(stored["metric"] == "collected") & (stored["date"] < first)]
        if len(stored):
            base = stored.sort_values("date").groupby(["unit_key", "dimension", "value"])["count"].last()
            at = pd.MultiIndex.from_arrays([unit_of, dimension_of, value_of])
            values = values + base.reindex(at).fillna(0).astype("int64").to_numpy()[:, None]
    moved = np.zeros(values.shape, bool)
    moved[:, 0] = True
    moved[:, 1:] = values[:, 1:] != values[:, :-1]
    keep = moved.copy()
    keep[:, :-1] |= moved[:, 1:]  # the day before a move: flat until then
    keep[:, -1] = True
    rows, cols = np.nonzero(keep)
    # The texts as categoricals of the ranked keys: a column of Python strings is converted
    # to pandas' text type value by value (~8 ms for a 1M-row export's 72.000 parts).
    out = pd.DataFrame(
        {
            "unit_key": pd.Categorical.from_codes(unit_rank[rows], categories=u_vals),
            "date": np.asarray([d.date() for d in days], dtype=object)[cols],
            "dimension": pd.Categorical.from_codes(dimension_rank[rows], categories=d_vals),
            "value": pd.Categorical.from_codes(value_rank[rows], categories=v_vals),
            "metric": "collected",
            "count": values[rows, cols],
        }
    )
    report.breakdowns = _summary(out.assign(outside=False), pd.DataFrame(columns=["dimension", "value"]), 0)
    return out[PART_COLUMNS]
