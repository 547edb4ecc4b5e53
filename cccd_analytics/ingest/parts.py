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
    keys = ["unit_key", "date", "dimension", "value", "metric"]
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


def _effective(group: pd.DataFrame) -> pd.DataFrame:
    """The parts of one (unit, day, dimension, metric) that add up: a finer value is left
    out where its coarser one is given too."""
    given = set(group["value"])
    dimension = group["dimension"].iloc[0]
    keep = [dimensions.parent(dimension, v) not in given for v in group["value"]]
    return group[np.asarray(keep, bool)]


def _exceeds_message(name, day, dimension, total: int, total_where: str, first, total_sum: int) -> str:
    return (
        f"«{name}» ngày {date_vn(day)}: các phần theo {dimensions.LABELS[dimension].lower()} cộng lại "
        f"{thousands(total_sum)}, vượt tổng {thousands(total)} {total_where} (phần «{first.value}»)."
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
    like `totals`)."""
    parts = _long(table)
    if parts.empty:
        return (
            pd.DataFrame(columns=PART_COLUMNS),
            pd.DataFrame(columns=DENOMINATOR_COLUMNS),
            totals.iloc[0:0],
        )
    stored_values = store.part_values() if store is not None and hasattr(store, "part_values") else set()
    parts = _dedupe(_one_spelling(parts, stored_values), report)

    denominators = parts[parts["metric"] == "eligible"]
    parts = parts[parts["metric"] != "eligible"].copy()
    parts["outside"] = False

    file_totals = {
        (u, pd.Timestamp(d), m): (int(v), r)
        for u, d, m, v, r in zip(
            totals["unit_key"], totals["date"], totals["metric"], totals["value"], totals["row"]
        )
        if m in PART_METRICS
    }
    day_keys = ["unit_key", "date", "metric"]
    no_total = [
        key
        for key in parts[day_keys].drop_duplicates().itertuples(index=False, name=None)
        if key not in file_totals
    ]
    # Citizens of a home commune served outside the province: a commune-day, without a
    # total, whose parts are all "Cư trú ngoại tỉnh".
    if no_total:
        by_day = parts.groupby(day_keys, sort=False)
        for key in no_total:
            group = by_day.get_group(key)
            if (
                key[2] == "collected"
                and (group["dimension"] == "residence").all()
                and (group["value"] == dimensions.OUTSIDE).all()
            ):
                parts.loc[group.index, "outside"] = True

    current = None
    needs_store = [k for k in no_total if not parts.loc[parts.groupby(day_keys).groups[k], "outside"].all()]
    if store is not None and needs_store:
        current = store.current_observations(unit_keys=sorted({k[0] for k in needs_store}))
        current = current[current["metric"].isin(PART_METRICS)]

    built_rows = []
    inside = parts[~parts["outside"]]
    for (unit, day, metric), day_parts in inside.groupby(day_keys, sort=False):
        sums = {}
        for dimension, group in day_parts.groupby("dimension", sort=False):
            effective = _effective(group)
            # A finer value never above its coarser one ("Học sinh lớp 12" ≤ "Học sinh").
            for child in group.itertuples():
                coarse = dimensions.parent(dimension, child.value)
                if coarse is None:
                    continue
                above = group[group["value"] == coarse]
                siblings = group[
                    group["value"].map(lambda v, c=coarse, d=dimension: dimensions.parent(d, v) == c)
                ]
                if len(above) and siblings["count"].sum() > int(above["count"].iloc[0]):
                    report.problems.append(
                        Problem.of(
                            "parts_exceed_total",
                            f"«{child.name}» ngày {date_vn(day)}: các phần của «{coarse}» cộng lại "
                            f"{thousands(int(siblings['count'].sum()))}, vượt «{coarse}» "
                            f"{thousands(int(above['count'].iloc[0]))} (dòng {int(above['row'].iloc[0])}).",
                            **_at(child),
                        )
                    )
                    break
            sums[dimension] = (int(effective["count"].sum()), effective)
        total = file_totals.get((unit, day, metric))
        where = f"(dòng {total[1]})" if total else ""
        if total is None and current is not None:
            mine = current[(current["unit_key"] == unit) & (current["metric"] == metric)]
            same_day = mine[mine["date"] == day]
            if len(same_day):
                total = (int(same_day["value"].iloc[-1]), None)
                where = "đã có trong cơ sở dữ liệu"
            elif metric == "collected":
                earlier = mine[mine["date"] < day]
                biggest = max(s for s, _ in sums.values())
                if len(earlier) and int(earlier["value"].iloc[-1]) > biggest:
                    first = day_parts.iloc[0]
                    report.problems.append(
                        Problem.of(
                            "total_not_built",
                            f"«{first['name']}» ngày {date_vn(day)} chỉ có các phần (cộng lại "
                            f"{thousands(biggest)}), thấp hơn lũy kế {thousands(int(earlier['value'].iloc[-1]))} "
                            f"đã có của ngày {date_vn(earlier['date'].iloc[-1])}: không lấy làm tổng của xã; "
                            "các phần vẫn được nhập.",
                            sheet=first["sheet"] or None,
                            row=int(first["row"]),
                        )
                    )
                    continue
        if total is not None:
            for dimension, (added, effective) in sums.items():
                if added <= total[0]:
                    continue
                running = effective["count"].cumsum().to_numpy()
                tipping = effective.iloc[int(np.argmax(running > total[0]))]
                report.problems.append(
                    Problem.of(
                        "parts_exceed_total",
                        _exceeds_message(tipping["name"], day, dimension, total[0], where, tipping, added),
                        **_at(tipping),
                    )
                )
            continue
        dimension = max(sums, key=lambda d: sums[d][0])
        added, effective = sums[dimension]
        first = effective.iloc[0]
        built_rows.append(
            dict(
                unit_key=unit,
                date=day,
                metric=metric,
                value=added,
                row=int(first["row"]),
                sheet=first["sheet"],
                column=first["column"],
                header=first["header"],
                name=first["name"],
            )
        )

    built = pd.DataFrame(built_rows, columns=list(totals.columns)) if built_rows else totals.iloc[0:0]
    if len(built):
        built = built.astype({"value": "int64"})
    report.breakdowns = _summary(parts, denominators, len(built))
    parts.loc[parts["outside"], "metric"] = ELSEWHERE
    out_parts = parts[PART_COLUMNS].copy()
    out_parts["date"] = [pd.Timestamp(d).date() for d in out_parts["date"]]
    dens = denominators.assign(kind="population", detail=None)[DENOMINATOR_COLUMNS].copy()
    dens["date"] = [pd.Timestamp(d).date() for d in dens["date"]]
    return out_parts.reset_index(drop=True), dens.reset_index(drop=True), built


def _summary(parts: pd.DataFrame, denominators: pd.DataFrame, built: int) -> dict:
    """What the file's parts are, for the import report (`report.breakdowns`)."""
    out = {}
    for dimension in dimensions.DIMENSIONS:
        mine = parts[parts["dimension"] == dimension]
        if mine.empty and (denominators["dimension"] != dimension).all():
            continue
        values = sorted(
            set(mine["value"]) | set(denominators.loc[denominators["dimension"] == dimension, "value"]),
            key=lambda v, d=dimension: dimensions.order_key(d, v),
        )
        out[dimension] = dict(label=dimensions.LABELS[dimension], values=values, figures=int(len(mine)))
    return dict(
        dimensions=out,
        totals_built=built,
        outside=int(parts["outside"].sum()),
        denominators=int(len(denominators)),
    )
