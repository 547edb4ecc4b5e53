"""The rows read from a file → the tidy observations an upload stores (unit_key, date,
metric, value): places resolved to units, an export's daily counts cumulated, every check
run, problems in the order of the file."""

from __future__ import annotations

import concurrent.futures
import contextvars
import dataclasses
import functools
from datetime import date

import numpy as np
import pandas as pd

from cccd_analytics import registry
from cccd_analytics.ingest import parts as parts_
from cccd_analytics.ingest import records
from cccd_analytics.ingest.checks import (
    check_consistency,
    check_cumulative,
    check_dates,
    check_duplicates,
    check_export_below_stored,
    check_missing_communes,
    check_replaced,
)
from cccd_analytics.ingest.names import (
    INITIALS_AGAINST,
    FirstRow,
    another_commune_written,
    another_district_written,
    by_elimination,
    code_names_another,
    district_written_elsewhere,
    in_the_sheets_district,
    resolve,
    type_written_otherwise,
    unofficial_unit,
)
from cccd_analytics.ingest.record_export import cumulate_records
from cccd_analytics.ingest.report import ImportReport, Problem
from cccd_analytics.ingest.rows import VALUE_ORDER, each_distinct
from cccd_analytics.store import Store
from cccd_analytics.text import date_vn, thousands


def frame_of(records_: list[pd.DataFrame]) -> pd.DataFrame:
    """The frames of tables and exports as one: row, sheet, province, district, commune,
    code, date, cells, one column per metric (None where a row has no value)."""
    frame = pd.concat(records_, ignore_index=True) if len(records_) > 1 else records_[0]
    for metric in VALUE_ORDER:
        if metric not in frame:
            frame[metric] = None
    return frame


def _timestamps(dates: pd.Series) -> pd.Series:
    """Python dates → the datetime64 pd.Timestamp(day) gives, converting each distinct day once."""
    codes, uniques = pd.factorize(dates, sort=False)
    return pd.Series(pd.DatetimeIndex([pd.Timestamp(d) for d in uniques]).take(codes), index=dates.index)


# Whether a check keeps `report.observations`, the preview of what a file gives (text and
# dates, for the upload page and pending files).  Off in a batch import's worker, whose
# reports are only written: the preview was a tenth of a canonical file's check.
PREVIEWS: contextvars.ContextVar[bool] = contextvars.ContextVar("previews", default=True)


def resolve_and_check(
    records_: list, report: ImportReport, store: Store | None, counts: records.RecordCounts | None = None
):
    # Performance: the rows are one frame; each distinct (province, district,
    # commune, code, hierarchy) is resolved once, and the closest registry names of all
    # unknown units are found in one bulk call (registry.suggest_many) instead of one
    # scan of the registry per name.  Problems come in the same order as before.
    """Long on purpose: the closest names are computed in a thread while the rows are checked, so
    the resolution, the checks and the collection of that thread's result share one
    `try`/`finally`; the steps are marked by comments."""
    table = frame_of(records_)
    day_codes, days = pd.factorize(table["date"], sort=False, use_na_sentinel=False)
    table["reform"] = np.array([d >= registry.REFORM_DATE for d in days], bool)[day_codes]
    triple = ["province", "district", "commune", "code", "reform"]
    if len(report.sheets_read) > 1:
        # A workbook of a sheet per district whose sheets do not say which: "Nghĩa Bình" on
        # two sheets may be two communes, each placed by its own sheet's others
        # (`in_the_sheets_district`), not one name resolved once for the whole workbook.
        triple.append("sheet")
    group = _group_numbers(table, triple)
    # The first and the last row of each triple, found from its group number rather than
    # by drop_duplicates' own hashing of the five columns again (a nation's 1,2M rows).
    _, first_of = np.unique(group, return_index=True)
    _, last_of = np.unique(group[::-1], return_index=True)
    firsts = table.iloc[np.sort(first_of)]  # first row of each triple, in file order
    if counts is not None:
        # An export's table has a row per (place, day): the place's first row in the file
        # is the smallest of them (per group number: a groupby of the five columns hashed
        # them again).
        smallest = np.full(int(group.max()) + 1 if len(group) else 0, np.iinfo(np.int64).max, np.int64)
        np.minimum.at(smallest, group, table["row"].to_numpy(np.int64))
        firsts = firsts.assign(row=smallest[group[np.sort(first_of)]])
    name_cells = [
        (c or {}).get("commune", (None, None)) if isinstance(c, dict) else (None, None)
        for c in (firsts["cells"].tolist() if "cells" in firsts else [None] * len(firsts))
    ]
    firsts = [FirstRow(*values) for values in zip(*(firsts[name].tolist() for name in FirstRow._fields))]
    reg = registry.load_registry()
    matches = in_the_sheets_district(
        firsts, [resolve(rec, reg) for rec in firsts], reg, neighbours=counts is None
    )
    matches = by_elimination(matches, group, day_codes)
    matches = [type_written_otherwise(rec, m, reg) for rec, m in zip(firsts, matches)]
    wanted: dict[str, list[int]] = {}
    for i, (rec, match) in enumerate(zip(firsts, matches)):
        if not match.official and not registry.province_outside(rec.province):
            # (A province the registry does not hold: its names are not looked for among
            # another province's; the warning says why.)
            wanted.setdefault(registry.hierarchy_of(rec.district, rec.date), []).append(i)
    # The closest names are computed in a thread (rapidfuzz works in C, without the GIL)
    # while the rows are checked; their warnings then go where they always came: before
    # the problems the checks find.
    communes = [rec.commune for rec in firsts]
    suggesting = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    pending = {
        hierarchy: suggesting.submit(
            registry.suggest_many,
            [communes[i] for i in items],
            hierarchy,
            districts=[firsts[i].district or "" for i in items],
        )
        for hierarchy, items in wanted.items()
    }
    suggesting.shutdown(wait=False)
    try:
        keys = np.array([m.key for m in matches], dtype=object)[group]
        table["unit_key"] = keys
        # A place's last row is the last row of one of its triples: looked for among those.
        last = table.iloc[np.sort(len(group) - 1 - last_of)].drop_duplicates(
            ["province", "district", "commune"], keep="last"
        )
        keys_of = dict(
            zip(
                zip(last["province"].tolist(), last["district"].tolist(), last["commune"].tolist()),
                last["unit_key"].tolist(),
            )
        )
        table["date"] = _timestamps(table["date"])
        resolution_at = len(report.problems)
        if counts is not None:
            daily = table[["unit_key", "date", "collected_day", "returned_day"]].fillna(0)
            # The store's figures for the export's units, read once for the baseline and
            # the falling-cumulative check.
            current = None if store is None else store.current_observations(unit_keys=sorted(set(keys)))
            obs = cumulate_records(
                daily.astype({"collected_day": "int64", "returned_day": "int64"}),
                counts,
                keys_of,
                report,
                current,
            )
            first = _first_of_each(table, "unit_key")
            at = first.index.get_indexer(obs["unit_key"])
            # A figure's row: the unit's first record of that day, or of any day when it has
            # none that day (a day counted as zero); its column: where the figure is read.
            found = _first_row_of_day(table, obs)
            obs["row"] = np.where(found >= 0, found, first["row"].to_numpy()[at]).astype(np.int64)
            obs["sheet"] = first["sheet"].to_numpy()[at]
            cells = first["cells"].iloc[0] if len(first) else {}  # one layout for the whole export
            obs["column"] = each_distinct(obs["metric"], lambda m: cells.get(m, (None, None))[0])
            obs["header"] = each_distinct(obs["metric"], lambda m: cells.get(m, (None, None))[1])
            obs["name"] = first["commune"].to_numpy()[at]
            check_export_below_stored(obs, current, report)
            if len(counts.parts):
                report.parts = parts_.from_export(counts.parts, keys_of, report, store)
        else:
            current = None
            blank = _day_column_blank(table)
            if store is not None and blank.any():
                # Read here, before the rows become values, only when a day's cell is left
                # blank; the same figures serve the checks below.
                current = store.current_observations(unit_keys=table["unit_key"].unique())
            _blank_days_without_gain(table, blank, current, report)
            is_part = table["dimension"].notna().to_numpy() if "dimension" in table else None
            if is_part is not None and is_part.any():
                obs = _long(table[~is_part])
                obs = check_duplicates(obs, report)
                report.parts, report.denominators, built = parts_.reconcile(
                    table[is_part], obs, report, store
                )
                if len(built):
                    # A file of parts alone has no total rows: joined to that empty frame, the
                    # built totals' days became objects, and the merge with the store's
                    # datetimes (`check_replaced`) refused the file as "cấu trúc bất thường".
                    obs = pd.concat([obs, built], ignore_index=True)
                    obs["date"] = obs["date"].astype(built["date"].dtype)
            else:
                obs = _long(table)
        obs = check_duplicates(obs, report)
        check_dates(obs, report)
        if counts is None and store is not None:
            # The store's figures for the file's units, read once: for the falling check and
            # for what the file replaces.
            if current is None:
                current = store.current_observations(unit_keys=obs["unit_key"].unique())
            check_replaced(obs, current, report, store)
        check_cumulative(obs, report, store, current)
        check_consistency(obs, report, current)
        check_missing_communes(obs, report)
    finally:
        for hierarchy, future in pending.items():
            for i, suggestions in zip(wanted[hierarchy], future.result()):
                matches[i] = dataclasses.replace(matches[i], suggestions=suggestions)
    resolution: list[Problem] = []
    new_units: dict[str, dict] = {}
    resolution.extend(_reformed(obs, matches, reg))
    resolution.extend(_merged_on_interim(obs, matches, reg))
    for rec, match, (letter, header) in zip(firsts, matches, name_cells):
        at = dict(sheet=rec.sheet or None, row=rec.row, column=letter, header=header)
        if match.registry_name:
            how = ", ".join(match.corrections) or "khác dấu hoặc cách viết"
            report.corrections.append(
                dict(
                    sheet=rec.sheet or None,
                    row=rec.row,
                    typed=rec.commune,
                    official=match.registry_name,
                    how=how,
                )
            )
            # The name as written, placed by the sheet's other communes: nothing was
            # corrected, the district was found ("đã sửa tên «X» → «X»" said otherwise).
            same = " ".join(str(rec.commune).split()) == match.registry_name
            resolution.append(
                Problem.of(
                    "name_variant",
                    (
                        f"«{rec.commune}» được hiểu là {registry.label_of(match.key)} ({how}); "
                        if same
                        else f"đã sửa tên «{rec.commune}» → «{match.registry_name}» theo danh mục ({how}); "
                    )
                    + "kiểm tra lại nếu không đúng.",
                    **at,
                )
            )
        other = code_names_another(rec, match)
        if other is not None:
            code, key, name = other
            resolution.append(
                Problem.of(
                    "code_mismatch",
                    f"mã «{code}» là mã của {registry.label_of(key)}, không phải của «{name}»; "
                    f"dòng được xếp theo tên, vào {registry.label_of(match.key)}. Hãy kiểm tra lại mã hoặc tên.",
                    **at,
                )
            )
        if match.ambiguous:
            resolution.append(
                Problem.of(
                    "ambiguous_unit",
                    f"«{rec.commune}» có thể là {' hoặc '.join(match.candidates)}; không đoán — hãy ghi "
                    "đúng tên (đủ dấu) hoặc ghi rõ huyện." + _initials_against(match),
                    **at,
                )
            )
            continue
        if not match.official:
            hint = (
                f" Gần giống: {', '.join(match.suggestions)}."
                if match.suggestions
                else " Không có tên nào gần giống trong danh mục."
            )
            hint = (
                _merged_since_reform(rec)
                + _formed_on_interim(rec)
                + _named_after_reform(rec)
                + _merged_before(rec)
                + _another_district(rec)
                + _another_commune(rec)
                + _capital_lost(rec)
                + _initials_against(match)
                + hint
            )
            empty = registry.district_without_communes(rec.province, rec.district, rec.date)
            if registry.province_outside(rec.province):
                hint = (
                    f" Danh mục kèm theo chưa có xã, phường của {_shown_place(rec.province)}, nên các đơn vị "
                    "của tỉnh này đều được nhận như đơn vị ngoài danh mục."
                )
            elif empty is not None:
                # The registry shipped knows the district, not its communes: every name of
                # it is outside, and names of other districts would only mislead.
                hint = (
                    f" Danh mục kèm theo chưa có danh sách xã, phường của {empty}, nên các đơn vị của "
                    "huyện này đều được nhận như đơn vị ngoài danh mục."
                )
            namesakes = [] if rec.district else registry.namesakes(rec.province, rec.commune, rec.date)
            where = _shown_place(rec.district or rec.province) or "không rõ huyện"
            resolution.append(
                Problem.of(
                    "unknown_unit",
                    # A name of several districts' communes with no district said: it is in
                    # the registry, the file does not say which ("không có trong danh mục"
                    # said otherwise).
                    (
                        f"«{rec.commune}» ({where}) là tên của {len(namesakes)} xã ở các huyện khác nhau "
                        f"({', '.join(namesakes)}) mà tệp không ghi huyện; đã nhận như đơn vị ngoài danh "
                        "mục, không gộp với đơn vị nào — hãy ghi rõ huyện (cột Huyện, dòng tiêu đề huyện "
                        "hoặc dòng «Cộng huyện …»)." + _initials_against(match)
                        if len(namesakes) > 1
                        else f"«{rec.commune}» ({where}) không có trong danh mục hành chính; đã nhận như đơn vị "
                        f"ngoài danh mục, không gộp với đơn vị nào.{hint}"
                    ),
                    **at,
                )
            )
            report.unofficial_units.append(rec.commune)
            new_units[match.key] = unofficial_unit(match.key, rec, reg)
    report.problems[resolution_at:resolution_at] = resolution
    report.units_read = obs["unit_key"].nunique()
    report.dates = sorted(d.date() for d in pd.DatetimeIndex(obs["date"].unique()))
    extra = [f for f in (report.parts, report.denominators) if f is not None and len(f)]
    if extra:
        # Parts without a total of their own, and denominator lists, count too.
        # (Distinct values first: walking an Arrow text column value by value is slow.)
        report.units_read = len(
            set(obs["unit_key"].unique()).union(*(set(f["unit_key"].unique()) for f in extra))
        )
        report.dates = sorted(set(report.dates).union(*(set(f["date"].unique()) for f in extra)))
    if report.report_date is None and len(report.dates) == 1:
        report.report_date = report.dates[0]
    # What is stored: the unit and metric as they are (a plain canonical CSV's sorted
    # categoricals, which the store orders by their codes and a batch import's worker hands
    # over as codes, not as text per value), the day as datetime64.
    tidy = obs[["unit_key", "date", "metric", "value"]].copy()
    tidy["value"] = tidy["value"].astype("int64")
    if PREVIEWS.get():
        preview = tidy.assign(unit_key=as_text(tidy["unit_key"]), metric=as_text(tidy["metric"]))
        codes, uniques = pd.factorize(preview["date"], sort=False)
        preview["date"] = np.array([d.date() for d in pd.DatetimeIndex(uniques)] + [None], dtype=object)[
            codes
        ]
        report.observations = preview.assign(name=as_text(obs["name"]).values)
    return tidy, pd.DataFrame(list(new_units.values()))


def _initials_against(match: registry.Match) -> str:
    """Why a name with a district's initials after it was not placed by them (the rows
    around it lie in another district), as a sentence of the warning; "" otherwise."""
    return f" {match.reason}" if match.reason.startswith(INITIALS_AGAINST) else ""


def _first_of_each(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """The row of `table` with the smallest "row" for each value of `column`, indexed by
    that value, in the order of those rows (as a stable sort by "row" and drop_duplicates
    give it, without sorting the whole table)."""
    codes, _ = pd.factorize(table[column], sort=False, use_na_sentinel=False)
    rows = table["row"].to_numpy(np.int64)
    order = np.lexsort((np.arange(len(rows)), rows, codes))  # by value, then row, then position
    firsts = order[np.r_[True, codes[order][1:] != codes[order][:-1]]] if len(order) else order
    firsts = firsts[np.lexsort((firsts, rows[firsts]))]  # in the order of their rows
    return table.iloc[firsts].set_index(column)


def _first_row_of_day(table: pd.DataFrame, obs: pd.DataFrame) -> np.ndarray:
    """For each figure of `obs`, the first row of `table` with its unit and day, -1 where
    none: a (unit, day) grid of integers (a groupby of the two columns and a reindex by a
    MultiIndex of Python objects cost ~12 ms on a province's export)."""
    units, unit_names = pd.factorize(table["unit_key"], sort=False)
    days, day_values = pd.factorize(table["date"], sort=False)
    width = max(len(day_values), 1)
    none = np.iinfo(np.int64).max
    grid = np.full(len(unit_names) * width, none, np.int64)
    np.minimum.at(grid, units.astype(np.int64) * width + days, table["row"].to_numpy(np.int64))
    unit = pd.Index(unit_names).get_indexer(obs["unit_key"])
    day = pd.Index(day_values).get_indexer(obs["date"])
    known = (unit >= 0) & (day >= 0)
    found = np.where(known, grid[np.where(known, unit * width + day, 0)] if len(grid) else none, none)
    return np.where(found < none, found, -1)


def _group_numbers(table: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Each row's group, numbered in the order groups first appear, as
    `table.groupby(columns, sort=False, dropna=False).ngroup()` numbers them: from each
    column's codes (free for a categorical column, as a plain canonical CSV's are),
    combined two at a time and numbered again so that the key never overflows."""
    group = None
    for name in columns:
        codes, uniques = pd.factorize(table[name], sort=False, use_na_sentinel=False)
        codes = codes.astype(np.int64)
        group = codes if group is None else pd.factorize(group * len(uniques) + codes, sort=False)[0]
    return group.astype(np.int64)


def _by_identity(objects: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each object's code among the distinct objects (by identity: a row's cells dict, one of a
    few per layout, is shared by its rows and is unhashable), and each distinct object's first
    position."""
    codes, distinct = pd.factorize(np.fromiter(map(id, objects), np.int64, len(objects)), sort=False)
    first = np.empty(len(distinct), np.int64)
    first[codes[::-1]] = np.arange(len(objects) - 1, -1, -1)
    return codes, first


def _day_column_blank(table: pd.DataFrame) -> np.ndarray:
    """Rows of a commune's running total whose day's own cell ("Thu nhận trong ngày") is
    blank in a table that has that column."""
    blank = table["collected_day"].isna().to_numpy() & table["collected"].notna().to_numpy()
    if "dimension" in table:
        blank &= table["dimension"].isna().to_numpy()
    if not blank.any():
        return blank
    # Whether the row's layout has the column: asked of each distinct layout (a few
    # objects), not of every row (a nation's canonical file has a million).
    cells = table["cells"].to_numpy(dtype=object)[blank]
    codes, first = _by_identity(cells)
    has_column = np.array([isinstance(c, dict) and "collected_day" in c for c in cells[first]], bool)
    blank[np.flatnonzero(blank)] = has_column[codes]
    return blank


def _blank_days_without_gain(
    table: pd.DataFrame, blank: np.ndarray, current: pd.DataFrame | None, report: ImportReport
) -> None:
    """A day's cell left blank beside a running total that has not moved since the unit's
    last figure (the file's own earlier day, else the store's) is that day's 0, set in
    `table`: a running total that stands still says nothing was taken in, and units leave
    the cell empty on such a day ("Nghỉ, mất mạng") as others type "-" (read as 0,
    `rows.DAILY_FIELDS`).  A blank beside a total that moved, or with no earlier figure,
    stays no figure: the day's count is then not known from the report, and a null is what
    "not reported" means (docs/data-model.md); the pace reads the totals' difference anyway.
    `blank`: `_day_column_blank(table)`."""
    if not blank.any():
        return
    units = table["unit_key"].astype(str).to_numpy()
    dates = pd.to_datetime(table["date"]).to_numpy("datetime64[ns]")
    wanted = set(units[blank])
    totals = table["collected"].notna().to_numpy()
    if "dimension" in table:
        # Not in place: pandas hands out read-only arrays.
        totals = totals & table["dimension"].isna().to_numpy()
    known = pd.DataFrame(
        {"unit_key": units[totals], "date": dates[totals], "value": table["collected"].to_numpy()[totals]}
    )
    if current is not None and not current.empty:
        stored = current[current["metric"].astype(str) == "collected"]
        known = pd.concat(
            [
                known,  # first: the file's own figure of a day wins over the store's
                pd.DataFrame(
                    {
                        "unit_key": stored["unit_key"].astype(str).to_numpy(),
                        "date": pd.to_datetime(stored["date"]).to_numpy("datetime64[ns]"),
                        "value": stored["value"].to_numpy(),
                    }
                ),
            ],
            ignore_index=True,
        )
    known = known[known["unit_key"].isin(wanted)].drop_duplicates(["unit_key", "date"], keep="first")
    asked = pd.DataFrame({"unit_key": units[blank], "date": dates[blank], "at": np.flatnonzero(blank)})
    found = pd.merge_asof(
        asked.sort_values("date"),
        known.sort_values("date").astype({"value": "float64"}),
        on="date",
        by="unit_key",
        allow_exact_matches=False,  # the last figure before the day, not the day's own
    )
    now = table["collected"].to_numpy()[found["at"].to_numpy()].astype("float64")
    still = found["at"].to_numpy()[found["value"].to_numpy() == now]
    if not len(still):
        return
    still = np.sort(still)
    column = table.columns.get_loc("collected_day")
    table.iloc[still, column] = 0
    first = table.iloc[still[0]]
    letter, header = first["cells"]["collected_day"]
    shown = header or "Thu nhận trong ngày"
    if len(still) == 1:
        what = f"ô «{shown}» để trống, lũy kế không đổi so với số trước đó"
    else:
        rows = ", ".join(str(int(r)) for r in table["row"].to_numpy()[still[:5]])
        more = f" và {thousands(len(still) - 5)} dòng khác" if len(still) > 5 else ""
        what = (
            f"ô «{shown}» để trống ở {thousands(len(still))} dòng có lũy kế không đổi so với số trước đó "
            f"(dòng {rows}{more})"
        )
    report.problems.append(
        Problem.of(
            "blank_day_unchanged",
            f"{what}: được lưu là 0 hồ sơ trong ngày.",
            sheet=first.get("sheet") or None,
            row=int(first["row"]),
            column=letter,
            header=header,
        )
    )


def _long(table: pd.DataFrame) -> pd.DataFrame:
    """One row per reported value (unit_key, date, metric, value, row, sheet, column,
    header, name), in the order of the rows and, within a row, of VALUE_ORDER.

    Built by indexing (a row-major walk of the rows × metrics that have a value), not by
    concatenating one frame per metric and sorting them back together."""
    # Which rows have each metric, asked once (isna of an object column is a pass in Python;
    # a plain canonical CSV's figures come as nullable integers, which say it without one).
    figures = {m: table[m] for m in VALUE_ORDER}
    integers = all(isinstance(f.dtype, pd.Int64Dtype) for f in figures.values())
    has = {m: ~f.array.isna() if integers else f.notna().to_numpy() for m, f in figures.items()}
    metrics = [m for m in VALUE_ORDER if has[m].any()]
    if not metrics:
        return pd.DataFrame(
            columns=["unit_key", "date", "metric", "value", "row", "sheet", "column", "header", "name"]
        )
    present = np.column_stack([has[m] for m in metrics])
    at, which = np.divmod(np.flatnonzero(present.ravel()), len(metrics))
    if integers:
        values = np.column_stack([figures[m].to_numpy(dtype=np.int64, na_value=0) for m in metrics])[
            at, which
        ]
    else:
        values = np.column_stack([figures[m].to_numpy(dtype=object) for m in metrics])[at, which].astype(
            np.int64
        )
    # Each row's cells dict (a few distinct objects, one per layout) found by its id.
    objects = table["cells"].to_numpy(dtype=object)
    cells_ids, first = _by_identity(objects)
    where = [[cells.get(m, (None, None)) for m in metrics] for cells in objects[first]]
    letters = np.array([[w[0] for w in row] for row in where], dtype=object)
    headers_ = np.array([[w[1] for w in row] for row in where], dtype=object)
    ids = cells_ids[at]

    def taken(column: pd.Series):
        # Text becomes the frame's text type (Arrow strings) once per distinct value, and
        # is taken from there: not made into Python objects per row and back.
        if column.dtype == "str":
            return column.array.take(at)
        codes, distinct = pd.factorize(column, sort=False, use_na_sentinel=False)
        if not all(isinstance(v, str) for v in distinct):
            return column.to_numpy()[at]
        return pd.array(np.asarray(distinct, dtype=object), dtype="str").take(codes[at])

    def coded(column: pd.Series):
        # A plain canonical CSV's unit, metric and name columns as categoricals whose
        # categories are in sorted order (sorting the codes sorts the text): the checks
        # compare, group and filter the codes, not text per value.  `as_text` turns them
        # back into text for what is stored.
        codes, distinct = pd.factorize(column, sort=False, use_na_sentinel=False)
        if not all(isinstance(v, str) for v in distinct):
            return taken(column)
        return _sorted_categories(codes[at], np.asarray(distinct, dtype=object))

    text = coded if integers else taken

    def messages(distinct: np.ndarray, codes: np.ndarray):
        if integers:
            value_codes, uniques = pd.factorize(distinct)
            if (value_codes >= 0).all():  # None stays None, never a categorical's NaN
                return pd.Categorical.from_codes(
                    value_codes[codes], categories=pd.Index(uniques, dtype=object)
                )
        return pd.Series(distinct[codes], dtype=object)

    return pd.DataFrame(
        {
            "unit_key": text(table["unit_key"]),
            "date": table["date"].to_numpy()[at],
            "metric": (
                _sorted_categories(which, np.asarray(metrics, dtype=object))
                if integers
                else pd.array(np.asarray(metrics, dtype=object), dtype="str").take(which)
            ),
            "value": values,
            "row": table["row"].to_numpy()[at],
            # Where a value came from, for messages only: Python objects, or categoricals of
            # them for a plain canonical CSV (filtering its rows then moves codes).
            "sheet": (
                table["sheet"].array.take(at)
                if isinstance(table["sheet"].dtype, pd.CategoricalDtype)
                else messages(table["sheet"].to_numpy(dtype=object), at)
            ),
            "column": messages(letters.ravel(), ids * len(metrics) + which),
            "header": messages(headers_.ravel(), ids * len(metrics) + which),
            "name": text(table["commune"]),
        }
    )


def _sorted_categories(codes: np.ndarray, distinct: np.ndarray) -> pd.Categorical:
    """`distinct[codes]` as a categorical whose categories (text) are in sorted order."""
    order = np.argsort(distinct, kind="stable")
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    return pd.Categorical.from_codes(rank[codes], categories=pd.Index(distinct[order], dtype="str"))


def as_text(column: pd.Series) -> pd.Series:
    """A categorical text column (`_long`'s, for a plain canonical CSV) as the frame's
    text type, taken from its categories; any other column as it is."""
    if not isinstance(column.dtype, pd.CategoricalDtype):
        return column
    return pd.Series(column.cat.categories.array.take(column.cat.codes.to_numpy()), index=column.index)


@functools.lru_cache(maxsize=256)
def _shown_place(text: str | None) -> str:
    """A district or province as a message shows it: the registry's name when it is one (a
    letterhead's place is read folded, "huyen ky anh"), else as written."""
    if not text:
        return ""
    for key, names in zip((registry.expand, registry.bare), _places_by_key(registry.load_registry())):
        same = names.get(key(text), ())  # with its type first: Huyện, not Thị xã, Kỳ Anh
        if len(same) == 1:
            return same[0]
    return text


_PLACES: tuple = (None, None)


def _places_by_key(reg: pd.DataFrame) -> tuple[dict, dict]:
    """The registry's districts and provinces by `registry.expand` and by `registry.bare`,
    made once per registry: a file of many units outside the registry, in as many
    districts, compared each district's name with all 770 (0,4 s of a nation's load)."""
    global _PLACES
    if _PLACES[0] is not reg:
        found = reg.loc[reg["level"].isin(["district", "province"]), "name"].tolist()
        by_key = []
        for key in (registry.expand, registry.bare):
            names: dict[str, list[str]] = {}
            for name in found:
                names.setdefault(key(name), []).append(name)
            by_key.append(names)
        _PLACES = (reg, tuple(by_key))
    return _PLACES[1]


def _another_district(rec: FirstRow) -> str:
    """For a commune's cell that names another district than its row's: which two."""
    written = another_district_written(rec)
    if written is None:
        elsewhere = district_written_elsewhere(rec)
        if elsewhere is None:
            return ""
        return (
            f" Ô tên ghi huyện «{elsewhere[0]}», nhưng tên xã là của {elsewhere[1]}: không xếp vào đơn vị "
            "nào — hãy sửa tên hoặc huyện cho đúng."
        )
    return (
        f" Ô tên ghi huyện «{written}», khác với huyện của dòng ({_shown_place(rec.district)}): không xếp "
        "vào xã của huyện nào — hãy sửa tên hoặc huyện cho đúng."
    )


def _another_commune(rec: FirstRow) -> str:
    """For a commune's cell that names a second commune after a dash: which one."""
    written = another_commune_written(rec.commune)
    if written is None:
        return ""
    return (
        f" Ô tên ghi thêm «{written}» sau dấu gạch: có thể là số liệu của hai xã, phường trong một dòng — không "
        "xếp vào đơn vị nào; hãy ghi mỗi đơn vị một dòng."
    )


def _merged_before(rec: FirstRow) -> str:
    """For the name of a commune merged before the registry's day (2019–2020): what it
    became.  Its figures are a part of the new commune's, never merged into it."""
    keys = registry.merged_before().get(registry.bare(rec.commune), [])
    if not keys:
        return ""
    reg = registry.load_registry()
    into = " hoặc ".join(f"«{reg.at[k, 'name']}» ({reg.at[reg.at[k, 'district_key'], 'name']})" for k in keys)
    return (
        f" «{rec.commune}» đã sáp nhập vào {into} từ 2019–2020; số liệu của đơn vị cũ không phải của cả đơn vị "
        "mới nên không được gộp — hãy báo cáo theo tên mới."
    )


def _capital_lost(rec: FirstRow) -> str:
    """For a name with a word in small letters among capitalised ones that may have lost its
    first letter: the units each reading names, none taken."""
    lost, typed = registry.capital_lost_readings(rec.province, rec.district, rec.commune, rec.date)
    if not lost or (not typed and len(lost) == 1):
        return ""
    also = f"; đọc theo các chữ đã ghi (dấu thiếu hoặc sai) là {' hoặc '.join(typed)}" if typed else ""
    return (
        f" Chữ viết thường giữa các chữ viết hoa có thể đã mất chữ cái đầu: khi đó là {' hoặc '.join(lost)}"
        f"{also} — không đoán; hãy ghi đúng tên."
    )


def _formed_on_interim(rec: FirstRow) -> str:
    """For the name of a commune formed on 1/12/2024 from several 2023 units, in a report of
    that day or later: which units it took in.  The registry holds those units; the new
    one's figures are all of theirs, so they go onto none of them."""
    unit = registry.interim_unit_named(rec.province, rec.district, rec.commune, rec.date)
    if unit is None:
        return ""
    reg = registry.load_registry()
    parts = ", ".join(str(reg.at[k, "name"]) for k in unit.parts)
    return (
        f" «{unit.name}» ({unit.district}) là đơn vị thành lập từ 1/12/2024, gồm {parts}; danh mục giữ các "
        "đơn vị trước đó, và số liệu của đơn vị mới là của tất cả các đơn vị ấy nên không được xếp vào đơn vị "
        "nào — hãy báo cáo riêng từng đơn vị cũ nếu cần theo dõi theo danh mục."
    )


def _named_after_reform(rec: FirstRow) -> str:
    """For a commune of 1/7/2025 named under the district it had before, in a report of that
    day or later: a row with a district is read by the list before the reform, which has no
    such unit; without the district it is the new commune."""
    key = registry.after_reform_named(rec.province, rec.district, rec.commune, rec.date)
    if key is None or _formed_on_interim(rec):
        return ""
    reg = registry.load_registry()
    return (
        f" «{reg.at[key, 'name']}» là tên xã, phường sau sắp xếp 1/7/2025 ({reg.at[reg.at[key, 'province_key'], 'name']}), "
        f"nhưng dòng ghi kèm huyện «{rec.district}», nên được đọc theo danh mục trước sắp xếp, không có đơn vị "
        "này — hãy bỏ cột huyện để số liệu được xếp vào xã, phường mới."
    )


def _merged_since_reform(rec: FirstRow) -> str:
    """For a name of a commune abolished on 1/7/2025, written in a report of a later day
    without its district: what it became.  Its figures are a part of the new commune's, so
    they are never stored as the new commune's; the message says which one to report."""
    from cccd_analytics import geo

    if rec.district or rec.date < registry.REFORM_DATE:
        return ""
    old = registry.resolve(rec.province, "", rec.commune, on=date(2025, 6, 30), suggestions=False)
    new = geo.old_to_new().get(old.key) if old.official else None
    if not new:
        return ""
    reg = registry.load_registry()
    return (
        f" «{reg.at[old.key, 'name']}» là đơn vị trước 1/7/2025, nay là một phần của «{reg.at[new, 'name']}»: "
        "số liệu của đơn vị cũ không phải của cả đơn vị mới nên không được gộp — hãy báo cáo theo tên mới."
    )


def _reported_between(obs: pd.DataFrame, keys: set, start: date, end: date | None = None):
    """(unit key, its rows in file order) for each of `keys` the file reports on a day from
    `start` to before `end`: the rows a reform's warning points at."""
    mine = obs[obs["unit_key"].isin(keys)]
    days = pd.to_datetime(mine["date"])
    late = days >= pd.Timestamp(start)
    if end is not None:
        late &= days < pd.Timestamp(end)
    return mine[late].groupby("unit_key", sort=False, observed=True)


def _merged_on_interim(obs: pd.DataFrame, matches, reg: pd.DataFrame) -> list[Problem]:
    """A warning for each 2023 unit merged with others on 1/12/2024 that the file reports
    on that day or later (before the reform), at its first such row: "Phường Quang Trung"
    then is the ward that took in Lê Mao and Đội Cung, and its figures, stored under the
    2023 ward as written, are likely the larger ward's — its coverage then too high, the
    others' shown as not reported.  The name cannot tell; the analyst is told."""
    if not len(obs) or pd.Timestamp(obs["date"].max()) < pd.Timestamp(registry.INTERIM_DATE):
        return []
    became = registry.merged_on_interim()
    keys = {m.key for m in matches if m.official and m.key in became}
    if not keys:
        return []
    out = []
    for key, rows in _reported_between(obs, keys, registry.INTERIM_DATE, registry.REFORM_DATE):
        unit = became[key]
        first = rows.iloc[0]
        others = ", ".join(str(reg.at[k, "name"]) for k in unit.parts if k != key)
        out.append(
            Problem.of(
                "reformed_unit",
                f"«{reg.at[key, 'name']}» ({reg.at[reg.at[key, 'district_key'], 'name']}) từ 1/12/2024 được "
                f"sáp nhập với {others} thành «{unit.name}», nhưng tệp ghi số liệu của nó ngày "
                f"{date_vn(pd.Timestamp(first['date']).date())}. Số liệu được lưu theo đơn vị cũ như đã ghi; nếu "
                "đó là số của cả đơn vị mới, tỷ lệ của đơn vị cũ sẽ cao hơn thực tế và các đơn vị kia bị coi là "
                "chưa báo cáo — hãy kiểm tra lại.",
                sheet=first["sheet"] or None,
                row=int(first["row"]),
            )
        )
    return out


def _reformed(obs: pd.DataFrame, matches, reg: pd.DataFrame) -> list[Problem]:
    """A warning for each commune abolished on 1/7/2025 (named with its district, as before
    the reform) that the file reports on a later day, at its first such row: its figures
    are stored under the old unit as written — they are a part of the new commune's,
    never all of them, so they are not merged — and the analyst is told what it became
    before accepting."""
    from cccd_analytics import geo

    if not len(obs) or pd.Timestamp(obs["date"].max()) < pd.Timestamp(registry.REFORM_DATE):
        return []
    became = geo.old_to_new()
    keys = {m.key for m in matches if m.official and m.key in became.index}
    if not keys:
        return []
    out = []
    for key, rows in _reported_between(obs, keys, registry.REFORM_DATE):
        new = became.get(key)
        if not isinstance(new, str) or new not in reg.index:
            continue
        first = rows.iloc[0]
        old_name, district = reg.at[key, "name"], reg.at[reg.at[key, "district_key"], "name"]
        province = reg.at[reg.at[new, "province_key"], "name"]
        day = pd.Timestamp(rows["date"].max()).date()
        out.append(
            Problem.of(
                "reformed_unit",
                f"«{old_name}» ({district}) là đơn vị trước 1/7/2025, nay là một phần của «{reg.at[new, 'name']}» "
                f"({province}), nhưng tệp ghi số liệu của nó đến ngày {date_vn(day)}. Số liệu được lưu theo "
                "đơn vị cũ như đã ghi, không gộp vào đơn vị mới (chỉ là một phần của đơn vị mới); nếu đây là "
                "báo cáo sau sắp xếp, hãy báo cáo theo tên mới.",
                sheet=first["sheet"] or None,
                row=int(first["row"]),
            )
        )
    return out
