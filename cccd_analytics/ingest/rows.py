"""A table's rows → the commune rows of an upload: numbers and dates read cell by cell,
district subtotal and total rows told apart and checked against their communes (never
stored; the check is `cccd_analytics.ingest.sums`).  The date of a report without a date
column and its letterhead's places are `cccd_analytics.ingest.sheet_context`."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import date

import numpy as np
import pandas as pd

from cccd_analytics import dimensions, registry
from cccd_analytics.ingest import headers, names, normalise
from cccd_analytics.ingest import layout as layouts
from cccd_analytics.ingest.readers import Sheet
from cccd_analytics.ingest.report import ImportReport, Problem

# What a sheet says once (its date, its letterhead) and the check of its subtotals live
# apart; re-exported because callers reach them as `rows.<name>`.
from cccd_analytics.ingest.sheet_context import authority_context, date_for_sheet, place_context  # noqa: F401
from cccd_analytics.ingest.sums import check_sums
from cccd_analytics.text import fold, percent, thousands

# The columns of the rows read from a table or an export (then one per metric, VALUE_ORDER).
RECORD_COLUMNS = ("row", "sheet", "province", "district", "commune", "code", "date", "cells")


def each_distinct(values: pd.Series, function) -> pd.Categorical:
    """`function` of each value, called once per distinct value (an export's daily counts
    repeat each place's names on every day), as a categorical: a column of Python strings
    is converted to pandas' text type value by value, a categorical's codes are not."""
    from cccd_analytics.ingest.record_counts import taken_texts

    codes, uniques = pd.factorize(values, sort=False, use_na_sentinel=False)
    return taken_texts(np.array([function(u) for u in uniques], dtype=object), codes)


@functools.lru_cache(maxsize=65536)
def commune_name(text: str) -> str:
    """ "CA xã Kỳ Đồng" / "Công an xã Kỳ Đồng" → "xã Kỳ Đồng"; "1. Xã Kỳ Tân" → "Xã Kỳ Tân"."""
    text = re.sub(r"^\s*\d{1,3}\s*[.)]\s+(?=\D)", "", text)
    folded = fold(text)
    match = re.match(r"^(cong an|ca)\s+(?=(xa|phuong|thi tran|tt|x\.|p\.)\b)", folded)
    return text[match.end() :] if match else text


#: A commune's GSO code (five digits), as a canonical file's `commune_code` gives it.
_COMMUNE_CODE = re.compile(r"\d{5}")


def sheet_records(
    sheet: Sheet, found: layouts.Layout, file_name: str, report: ImportReport, report_date: date | None
) -> pd.DataFrame | None:
    """The commune rows of a table as one frame (the columns frame_of gives), or None
    when it has none.  Subtotal and total rows are checked against them, never kept.

    Long on purpose: one pass over the rows keeps its state (the open subtotal group, the
    communes since the last one, the per-cell parses remembered per distinct text) in local
    variables that every row of a table of up to 100,000 rows reads; the steps are marked by
    comments.  What needs none of that state is apart: the sheet's dates (`_sheet_dates`),
    a row's figures (`_row_values`), its part (`_breakdown`), its part columns
    (`_part_cells`) and the frame (`_frame`).
    """
    cols = found.columns
    sheet_name = sheet.name or None
    if found.groups_only is not None:
        count, groups = found.groups_only
        named = ", ".join(f"{c.letter} «{c.header.rpartition(' / ')[2]}»" for c in groups)
        report.problems.append(
            Problem.of(
                "split_not_whole",
                f"«{count.header.rpartition(' / ')[0] or count.header}» chỉ chia theo nhóm đối tượng "
                f"({named}), không có cột «Tổng số» hay «Khác»: các nhóm không cộng lại thành số của xã "
                "(phần lớn công dân không thuộc nhóm nào). Hãy thêm cột «Tổng số» rồi tải lên lại.",
                sheet=sheet_name,
                row=found.header_rows[-1] + 1,
                column=groups[0].letter,
                header=groups[0].header,
            )
        )
        return None
    undated = _undated_days(found)
    if undated is not None:
        report.problems.append(Problem.of("no_date", undated[0], sheet=sheet_name, **undated[1]))
        report.needs_date = False  # a date given would not say which column is which day
        return None
    # Performance: the rows are kept as columns, not as one object per row — a
    # 100,000-row table made 100,000 objects that the garbage collector then walked again
    # and again, and that had to be transposed into a frame.
    out = {name: [] for name in RECORD_COLUMNS}
    out_values = {name: [] for name in VALUE_ORDER}
    from_context: list[bool] = []
    n_out = 0
    under_total = False  # a grand total row after communes was passed
    # The last total passed was a bare "Cộng": a group's sum, maybe more groups under it.
    bare_total = False
    province_ctx, district_ctx = place_context(found, sheet_name)
    letterhead_district = district_ctx
    fallback_date, date_order = _sheet_dates(sheet, found, file_name, report, report_date, sheet_name)
    groups: list[dict] = []  # subtotal rows: row, label, district, values, members, position
    totals: list[dict] = []
    style: str | None = None  # subtotals "before" or "after" their communes
    pending: list[int] = []  # communes since the last subtotal/heading
    open_group: dict | None = None
    refused_rows = 0

    # Performance: a canonical file repeats its place names and dates on every
    # row, so the pure per-cell functions below are remembered per distinct cell value,
    # and a row with a commune name and figures is classified once per (name, STT) — the
    # only cells layout.classify looks at for such a row.  Same results, same problems.
    last_district = last_province = ""
    last_day = None  # the day of the row above, for a day cell merged down over its communes
    lies_in = _lies_in()
    count_of = _counter()
    daily_of = _dash_is_none(count_of)
    date_of = _memo(lambda raw: normalise.parse_date(raw, order=date_order))
    text_of = _memo(normalise.text)
    commune_of = _memo(commune_name)
    hamlet_of = _memo(_hamlet)  # a national file repeats its 10.000 names on every day
    kinds: dict = {}
    value_fields = [name for name in layouts.VALUE_FIELDS if name in cols]
    commune_at = cols["commune"].index
    stt_at = cols["row_number"].index if "row_number" in cols else None
    cells = {name: (cols[name].letter, cols[name].header) for name in value_fields}
    # Where the unit's name is: what is said of the name (corrected, unknown) is said there.
    cells["commune"] = (cols["commune"].letter, cols["commune"].header)

    value_at = [(name, cols[name].index) for name in value_fields]
    # Counts split under their merged header (`layouts.Layout.splits`): summed when no
    # sub-column is their total, else checked against it.
    splits = {f: c for f, c in found.splits.items() if f in cols}
    summed = {f: c for f, c in splits.items() if cols[f].index in {p.index for p in c}}
    checked = {f: c for f, c in splits.items() if f not in summed}
    split_cells: dict[str, layouts.Column] = {}  # the row's sum's bad part: field → its column
    if summed:
        _say_summed(summed, cols, sheet_name, report)
    sheet_label = sheet.name or ""
    # Parts (cccd_analytics.dimensions): a canonical row naming a group, channel … in a
    # breakdown column; a row under a commune naming a part ("- Người cao tuổi"); a column
    # under "Trong đó".  Kept with the commune row they belong to (`refs`), never counted
    # into subtotals or totals.
    dimension_at = [(d, cols[d].index) for d in dimensions.DIMENSIONS if d in cols]
    part_columns = [(f, *headers.parse_part_field(f), cols[f]) for f in layouts.part_fields(cols)]
    refs: list[int] = []  # per output row: the commune row it is a part of, or -1
    part_of: list[tuple[str | None, str | None]] = []  # per output row: (dimension, value)
    commune_rows: list[int] = []  # output rows that are commune totals
    eligible_only: list[int] = []  # of them, rows whose counts are blank, the eligible filled
    since_bare: list[int] = []  # commune rows since the last bare "Cộng"
    last_commune: int | None = None
    # Column positions of the cells read on every row (-1: no such column).
    date_at, district_at, province_at, code_at = (
        cols[f].index if f in cols else -1 for f in ("date", "district", "province", "commune_code")
    )
    # A column saying which figure each row gives ("Nội dung": "Thu nhận hồ sơ", then "Trả
    # thẻ" on the row under it, the commune's name merged over both): a row of cards handed
    # over gives its columns' figures as the returned ones, for the commune above.
    measure_at = _measure_column(sheet, found)
    # Villages listed first, then "Cộng xã Kỳ Xuân" (`_communes_after_villages`).
    villages_first = _communes_after_villages(sheet, found)
    # Rows of figures without a name: (row, output rows before it, figures, their cells).
    unnamed: list[tuple[int, int, dict, dict]] = []
    # A long table's commune written once over its days: row → the row naming it.
    named_above = _names_over_their_days(sheet, found, date_of, count_of, text_of)
    counted_eligible = functools.cache(lambda: _eligible_the_total_counts(sheet, found, count_of))
    above: layouts.RowKind | None = None  # the kind of the last row with figures or a label
    section: str | None = None  # what the last section row said its rows give (`layout.section_heading`)
    returned_cells = {_AS_RETURNED.get(name, name): cell for name, cell in cells.items()}
    counts_above: tuple[dict, str] | None = None  # the figures and name a share's row is derived from
    plan_row: tuple | None = None  # a plan's row skipped: (index, its name cell, its kind)
    for index in range(found.first_data_row, len(sheet.rows)):
        row = sheet.rows[index]
        width = len(row)
        parsed_values = [
            (name, (daily_of if name in DAILY_FIELDS else count_of)(row[at] if at < width else None))
            for name, at in value_at
        ]
        if summed:
            parsed_values = _split_sums(row, parsed_values, summed, count_of, split_cells)
        name_cell = row[commune_at] if commune_at < width else None
        has_numbers = False
        for _, parsed in parsed_values:
            if parsed.value is not None:
                has_numbers = True
                break
        if has_numbers and text_of(name_cell):
            stt_cell = row[stt_at] if stt_at is not None and stt_at < width else None
            key = (type(name_cell), name_cell, type(stt_cell), stt_cell)
            kind = kinds.get(key)
            if kind is None:
                kind = kinds[key] = layouts.classify(row, found)
        else:
            kind = layouts.classify(row, found)
        if index in named_above:
            # The commune's cell left blank (or merged down) under the row naming it, on
            # another day of a long table: that commune, as a district written once is.
            above_row = sheet.rows[named_above[index]]
            name_cell = above_row[commune_at]
            report.names_filled_down.add((sheet_label, index))
        if not has_numbers and kind.kind in ("blank", "subtotal", "total") and "returned" not in cols:
            # A section row saying what the rows under it give ("II. TRẢ THẺ CCCD" over the
            # same communes again, under the table's one header): their figures are the
            # cards handed over, as a "Nội dung" column's "Trả thẻ" says of its row.  Not in
            # a table with a column of its own for them.
            heading = layouts.section_heading(row)
            if heading is not None:
                section = heading[0]
        if kind.kind == "blank":
            label = text_of(name_cell)
            if label and len(report.section_rows) < 200:
                # A heading inside the table that names no district ("THÁNG 4/2021", "Đợt 2"):
                # kept for a conflict's message, which may be two periods under one date.
                report.section_rows.append((sheet_name, index + 1, label))
            continue
        if kind.kind == "footer":
            break
        row_cells = cells
        measure = "returned" if section == "returned" else None
        if measure_at is not None:
            label = text_of(row[measure_at] if measure_at < width else None)
            measure = _measure(label)
            if label and measure is None and kind.kind in ("commune", "total", "subtotal"):
                continue  # a row of some other figure ("Kích hoạt VNeID"): not one read here
            if measure == "share":
                # "Tỷ lệ %" under the commune's "Số lượng", its name merged over both: derived
                # from the counts above, checked against them and never stored (its 95,3
                # was refused as no whole number, its 100 stored as the commune's).
                if counts_above is not None:
                    _shares_checked(
                        row, counts_above[0], value_at, cells, counts_above[1], sheet_name, index, report
                    )
                continue
            if measure == "plan":
                # "Kế hoạch" over the commune's "Thực hiện", its name merged over both: the
                # plan is no figure of the commune's; its name and kind go to the row under it
                # (which was refused as figures without a name).
                plan_row = (index, name_cell, kind)
                continue
            if (
                not text_of(name_cell)
                and plan_row is not None
                and plan_row[0] == index - 1
                and kind.kind == "commune"
            ):
                _, name_cell, kind = plan_row
            if measure == "count":
                measure = None  # the columns' own figures
            if measure and kind.kind == "commune" and not text_of(name_cell) and above is not None:
                kind = above  # a total's row of another figure, its label merged over both
            above = kind
        elif kind.kind == "commune" and headers.share_label(text_of(name_cell)):
            # "Tỷ lệ %" written in the name column under the commune's row: its shares, as
            # above (stored as a unit «Tỷ lệ %» outside the registry, or refused as two figures
            # of it, or as no whole number).
            if counts_above is not None:
                _shares_checked(
                    row, counts_above[0], value_at, cells, counts_above[1], sheet_name, index, report
                )
            continue
        values, bad = _row_values(
            parsed_values,
            {**cols, **split_cells} if split_cells else cols,
            sheet_name,
            index,
            report,
            text_of(name_cell).strip(),
        )
        split_cells.clear()
        if checked and kind.kind in ("commune", "subtotal", "total") and not bad:
            bad = not _split_adds_up(row, values, checked, cols, count_of, sheet_name, index, report)
        counts_above = (values, text_of(name_cell).strip() or (kind.label or ""))
        if measure == "returned":
            values = {_AS_RETURNED.get(name, name): value for name, value in values.items()}
            row_cells = returned_cells
        if (
            kind.kind in ("commune", "subtotal")
            and last_commune is not None
            and not dimension_at
            and _block_of_a_town(text_of(name_cell), out["commune"][last_commune])
            and _within(values, out_values, last_commune)
        ):
            # "Khối 1", "Khối 2" under "Phường Hưng Bình", within its figures: the ward's
            # residential blocks (khối phố), parts of it by place like a village's row, whose
            # figure the ward's row already holds.  Read as a grade, they were stored as the
            # ward's pupils of grade 1 and 2; bare, they were also taken for the heading of a
            # cluster of communes, whose sums would not fit within one ward's.
            report.hamlet_rows.add((sheet_label, index))
            continue
        breakdown, several = _breakdown(
            row,
            kind.kind,
            dimension_at,
            # A group's heading ("Khối 2", the next cluster's) beyond the commune above is
            # no part of it, whatever a grade its name could be.
            last_commune is not None
            and bool(values)
            and (kind.kind != "subtotal" or _within(values, out_values, last_commune)),
            text_of(name_cell),
        )
        if several:
            report.problems.append(_several_dimensions(several, sheet_name, index, cols))
            bad = True
        if breakdown is not None and kind.kind in ("commune", "subtotal") and not dimension_at:
            report.rows_read += 1
            if not bad:
                _add_part(
                    out,
                    out_values,
                    refs,
                    part_of,
                    last_commune,
                    index + 1,
                    sheet_label,
                    breakdown,
                    values,
                    cells,
                )
                from_context.append(False)
                n_out += 1
            continue
        carry = carry_of(text_of(name_cell)) if kind.kind in ("commune", "total", "subtotal") else None
        if carry == "brought":
            # "Trang trước chuyển sang" atop a page: the sum carried from the page before,
            # already checked there; no unit, and no figure of its own.
            continue
        if carry == "carried" and values:
            # "Cộng chuyển sang trang sau" at a page's foot: the running sum of every commune
            # above it, checked against them.
            groups.append(
                dict(
                    row=index + 1,
                    label=text_of(name_cell),
                    district=None,
                    values=values,
                    cells=row_cells,
                    members=list(commune_rows),
                    position="after",
                )
            )
            continue
        if villages_first and kind.kind == "total":
            named = _commune_sum(kind.label or "")
            if named:
                # "Cộng xã Kỳ Xuân" under its villages: the commune's own row.
                kind, name_cell = layouts.RowKind("commune"), named
        if kind.kind == "commune" and under_total and _part_of_total(text_of(name_cell)):
            # "Trong đó: - Các xã | - Khu vực nông thôn | - Thị trấn Tân Lạc" under the grand
            # total: the total split again, no unit (stored as one outside the registry, they
            # were also added into the communes the total was checked against).
            report.total_part_rows.add((sheet_label, index))
            continue
        if (
            kind.kind == "commune"
            and (last_commune is not None or villages_first)
            and hamlet_of(text_of(name_cell))
            and not _point_of_its_own(
                text_of(name_cell), out["commune"][last_commune] if last_commune is not None else ""
            )
        ):
            # "- Thôn Tân Thành" under "Xã Kỳ Tân": a part of the commune above by place, whose
            # figure the commune's row already holds; no unit of its own.
            report.hamlet_rows.add((sheet_label, index))
            continue
        if kind.kind == "total":
            if open_group is not None and not open_group["values"] and open_group["members"]:
                if _bare_sum(kind.label):
                    # A bare "Cộng" under a district's heading row ("THỊ XÃ CỬA LÒ" … "Cộng"):
                    # that district's sum, checked against its communes, not the sheet's.
                    groups.append(
                        dict(
                            row=index + 1,
                            label=kind.label,
                            district=open_group["district"],
                            values=values,
                            cells=row_cells,
                            members=list(open_group["members"]),
                            position="after",
                        )
                    )
                    open_group = None
                    continue
            under_total = bool(n_out)
            bare_total = _bare_sum(kind.label)
            totals.append(
                dict(
                    row=index + 1,
                    label=kind.label or "Tổng cộng",
                    values=values,
                    cells=row_cells,
                    position="before" if not n_out else "after",
                    bare=_bare_sum(kind.label),
                    since=list(since_bare),
                )
            )
            if _bare_sum(kind.label):
                since_bare = []
            continue
        if kind.kind == "subtotal":
            # A row with figures settles whether subtotals come after or before their
            # communes; a heading without figures ("I. HUYỆN KỲ ANH") is always before them.
            if values and style is None:
                style = "after" if pending else "before"
            if values and style == "after":
                group = dict(
                    row=index + 1,
                    label=kind.label,
                    district=kind.district,
                    values=values,
                    cells=row_cells,
                    members=list(pending),
                    position="after",
                )
                groups.append(group)
                if kind.district:
                    districts = out["district"]
                    for i in pending:
                        if from_context[i]:
                            districts[i] = kind.district
                pending = []
                open_group = None
                district_ctx = letterhead_district
            else:
                open_group = dict(
                    row=index + 1,
                    label=kind.label,
                    district=kind.district,
                    values=values,
                    cells=row_cells,
                    members=[],
                    position="before",
                )
                groups.append(open_group)
                pending = []
                if kind.district:
                    district_ctx = kind.district
            continue
        report.rows_read += 1
        if bad:
            refused_rows += 1
            continue
        when = fallback_date
        if date_at >= 0:
            parsed = date_of(row[date_at] if date_at < width else None)
            if parsed.error:
                report.problems.append(
                    Problem.of("bad_date", parsed.error + ".", **_cell_at(sheet_name, index, cols["date"]))
                )
                continue
            if parsed.warning:
                report.problems.append(
                    Problem.of(
                        "ambiguous_date",
                        parsed.warning + ".",
                        **_cell_at(sheet_name, index, cols["date"]),
                    )
                )
            if (
                parsed.value is None
                and last_day is not None
                and normalise.is_blank(row[date_at] if date_at < width else None)
            ):
                # A day written once over its communes (a cell merged down, or left blank below
                # the first): the day above, as a district written once is filled down.
                parsed = normalise.Parsed(last_day)
                report.days_filled_down.add((sheet_label, index))
            last_day = parsed.value or last_day
            when = parsed.value or fallback_date
        if when is None:
            report.needs_date = True
            message, at = _no_date(found, sheet_name, file_name, index)
            report.problems.append(Problem.of("no_date", message, sheet=sheet_name, row=at + 1))
            break
        if found.companion:
            if "returned" not in values:
                continue
        elif (
            "collected" not in values
            and "collected_day" not in values
            and not (breakdown and values)
            and not (measure == "returned" and values)
            and not (found.parts_only and _has_parts(row, part_columns, count_of))
            # The eligible filled and the counts blank: not reported today, but the row's
            # eligible is the unit's own, and the total's eligible counts it (left out, that
            # total was said not to match).  Its counts stay not given, never 0.  Only a
            # place's row: a line under the total ("Dân số toàn huyện | 86.000") or a name
            # that is no place ("Lực lượng vũ trang") was stored as a unit outside the
            # registry, its eligible cutting the district's coverage.
            and not (
                "eligible" in values
                and ("collected" in cols or "collected_day" in cols)
                # Under a bare "Cộng" (the first group's sum, no table's total) a row the
                # next group's sum counts is that group's.
                and (not under_total or (bare_total and index in counted_eligible()))
                and (
                    lies_in(
                        text_of(row[province_at] if 0 <= province_at < width else None) or province_ctx,
                        text_of(row[district_at] if 0 <= district_at < width else None) or district_ctx or "",
                        commune_of(text_of(name_cell)),
                    )
                    or (index in counted_eligible() and _a_place(commune_of(text_of(name_cell))))
                )
            )
        ):
            continue  # a commune row with no figures: not reported
        explicit_district = text_of(row[district_at] if 0 <= district_at < width else None)
        explicit_province = text_of(row[province_at] if 0 <= province_at < width else None)
        commune = commune_of(text_of(name_cell))
        if not commune and measure_at is not None and measure is not None and last_commune is not None:
            # The commune's name merged over its rows of each figure: the commune above.
            commune = out["commune"][last_commune]
            if district_at >= 0 and not explicit_district:
                explicit_district = out["district"][last_commune]
        code_text = text_of(row[code_at] if 0 <= code_at < width else None)
        if (
            not commune
            and _COMMUNE_CODE.fullmatch(code_text or "")
            and not breakdown
            and kind.kind == "commune"
        ):
            # The unit named by its code alone (a canonical file whose name columns are left
            # blank): that unit, resolved by its code, never a total.  A commune's code has
            # five digits; a district's (3) or a province's (2) on a row without a name is its
            # total's row, checked against the communes as before.
            commune = code_text
        if not commune and not breakdown:
            # Figures without a unit's name: an unlabelled total when nothing follows it
            # (said at the end), else a row the file must name.
            unnamed.append((index, n_out, values, row_cells))
            continue
        # A district (province) written once for its communes — a cell merged down, or
        # left blank below the first — is filled down, but only onto a commune the registry
        # places in it; any other row keeps a blank, as before.
        if explicit_province:
            last_province = explicit_province
        elif province_at >= 0 and last_province and lies_in(last_province, "", commune):
            explicit_province = last_province
            report.filled_down_rows.add((sheet_label, index))
        if explicit_district:
            last_district = explicit_district
        elif (
            district_at >= 0
            and last_district
            and not names.district_written_in(commune)
            and lies_in(explicit_province or province_ctx, last_district, commune)
        ):
            explicit_district = last_district
            report.filled_down_rows.add((sheet_label, index))
        out["row"].append(index + 1)
        out["sheet"].append(sheet_label)
        out["province"].append(explicit_province or province_ctx)
        out["district"].append(explicit_district or district_ctx or "")
        out["commune"].append(commune)
        out["code"].append(text_of(row[code_at] if 0 <= code_at < width else None) or None)
        out["date"].append(when)
        out["cells"].append(row_cells)
        for name, column in out_values.items():
            column.append(values.get(name))
        from_context.append(not explicit_district)
        refs.append(-1)
        part_of.append(breakdown or (None, None))
        if breakdown is not None:
            n_out += 1  # a canonical part row: its own place and day, never a commune total
            continue
        pending.append(n_out)
        commune_rows.append(n_out)
        if values.keys() <= {"eligible"}:
            eligible_only.append(n_out)
        since_bare.append(n_out)
        if open_group is not None:
            open_group["members"].append(n_out)
        last_commune = n_out
        n_out += 1
        for part, part_values, part_cells in _part_cells(
            row, index, part_columns, count_of, sheet_name, report
        ):
            _add_part(
                out,
                out_values,
                refs,
                part_of,
                last_commune,
                index + 1,
                sheet_label,
                part,
                part_values,
                part_cells,
            )
            from_context.append(False)
            n_out += 1
    for index, before, values, row_cells in unnamed:
        if before == n_out and values:
            # After the last commune: the table's total, its label left out.
            totals.append(
                dict(
                    row=index + 1,
                    label="dòng tổng không ghi tên",
                    values=values,
                    cells=row_cells,
                    position="after",
                    bare=False,
                    since=list(since_bare),
                )
            )
            continue
        refused_rows += 1
        letter, header = cells["commune"]
        report.problems.append(
            Problem.of(
                "unnamed_row",
                "dòng có số liệu nhưng không ghi tên xã/phường; hãy ghi tên đơn vị (hoặc «Tổng cộng» "
                "nếu đó là dòng tổng) rồi tải lên lại.",
                sheet=sheet_name,
                row=index + 1,
                column=letter,
                header=header,
            )
        )
    if commune_rows and len(eligible_only) == len(commune_rows) and not found.companion:
        # No commune gave a count: a form copied ahead with the eligible filled in, no day's
        # report (stored, its eligible made a day of the file nobody reported).
        return None
    running_parts = found.parts_only and any(metric == "collected" for _, metric, *_ in part_columns)
    if "collected" not in cols and n_out and not found.companion and not running_parts:
        _no_cumulative(cols, found, sheet_name, report)
    if not refused_rows:
        # With a commune's figure refused (the file is refused for it), every sum over it
        # would differ by that figure: warnings that say nothing more.
        groups, totals = _blocks_of_bare_sums(groups, totals)
        check_sums(
            out_values,
            commune_rows,
            groups,
            totals,
            sheet_name,
            report,
            days=out["date"],
            names=out["commune"],
        )
    if not n_out:
        return None
    return _frame(out, out_values, refs, part_of)


def _sheet_dates(
    sheet: Sheet, found: layouts.Layout, file_name: str, report: ImportReport, report_date, sheet_name
) -> tuple[date | None, str]:
    """The date of every row when the table has no date column (else None) and the day
    order of its date column; the report learns where its date came from, and of a date
    column whose days could be read either way."""
    cols = found.columns
    fallback_date, origin, source = (None, None, "")
    if "date" not in cols:
        fallback_date, origin, source = date_for_sheet(found, file_name, report_date, report, sheet_name)
    else:
        col = cols["date"]
        origin, source = "column", f"cột {col.letter} «{col.header}»"
    if report.date_origin is None:
        report.date_origin, report.date_source = origin, source
        if fallback_date is not None:
            report.report_date = fallback_date
    date_order = "dmy"
    if "date" in cols:
        col = cols["date"]
        column_values = [r[col.index] for r in sheet.rows[found.first_data_row :] if col.index < len(r)]
        # Both only ask whether some value is of a kind, and for the first ambiguous one:
        # the distinct values, in order, give the same answers (performance).
        distinct_values = list(dict.fromkeys(column_values))
        date_order = normalise.date_order(distinct_values)
        note = normalise.date_order_warning(distinct_values)
        if note:
            message, example = note
            row_of = next(
                (i + found.first_data_row + 1 for i, v in enumerate(column_values) if v == example), None
            )
            report.problems.append(
                Problem.of(
                    "ambiguous_date",
                    message + ".",
                    sheet=sheet_name,
                    row=row_of,
                    column=col.letter,
                    header=col.header,
                )
            )
    return fallback_date, date_order


def _undated_days(found: layouts.Layout) -> tuple[str, dict] | None:
    """A figure's column that is the first of a run of day numbers under one merged header
    ("Lũy kế thu nhận đến ngày" over "5 | 6 | 7 | 8 | 9") whose month nothing gives: a table of
    days that could not be dated.  Read as a report of one day, its first day was stored under
    any date given, so it is refused with what to write.  The message and where, else None."""
    if found.data_date is not None:
        return None  # one day column of a table of days, dated by it (`wide`)
    for name in ("collected", "collected_day", "returned"):
        column = found.columns.get(name)
        if column is None or " / " not in (column.header or ""):
            continue
        parent = column.header.rsplit(" / ", 1)[0]
        run = [
            (c, label.rsplit(" / ", 1)[1])
            for c, label in enumerate(found.labels)
            if label and label.rsplit(" / ", 1)[0] == parent and " / " in label
        ]
        days = [(c, own) for c, own in run if normalise.day_alone(own) is not None]
        if len(days) < 2 or len(days) != len(run) or days[0][0] != column.index:
            continue
        shown = ", ".join(f"«{own}»" for _, own in days[:5]) + ("…" if len(days) > 5 else "")
        first, last = layouts.column_letter(days[0][0]), layouts.column_letter(days[-1][0])
        return (
            f"các cột {first}–{last} ({shown}) dưới «{parent}» là các ngày nhưng không rõ tháng, năm của "
            "chúng, nên không biết mỗi cột là ngày nào. Hãy ghi tháng vào ô gộp phía trên (ví dụ «Tháng "
            "6/2023») hoặc ghi đủ ngày ở mỗi cột (5/6/2023) rồi tải lên lại.",
            dict(row=found.header_rows[-1] + 1, column=first, header=column.header),
        )
    return None


def _split_sums(row, parsed_values, summed, count_of, split_cells) -> list:
    """The row's figures with each split count the sum of its parts' cells.  A blank part
    beside parts with figures is none (0): offices leave a sub-column empty where nobody
    was served ("Tỉnh khác" of a commune with no outsiders); all blank, the count is not
    given.  An unreadable part makes the count unreadable, said at that part's cell."""
    out = []
    for name, parsed in parsed_values:
        parts = summed.get(name)
        if parts is None:
            out.append((name, parsed))
            continue
        total, given = 0, False
        for column in parts:
            one = count_of(row[column.index] if column.index < len(row) else None)
            if one.error or (one.value is not None and one.value < 0):
                split_cells[name] = column
                parsed = one
                break
            if one.value is not None:
                total, given = total + one.value, True
        else:
            parsed = normalise.Parsed(total if given else None)
        out.append((name, parsed))
    return out


def _say_summed(summed, cols, sheet_name, report) -> None:
    """One warning per split count read as the sum of its sub-columns, naming them."""
    for name, parts in summed.items():
        named = ", ".join(f"{c.letter} «{c.header}»" for c in parts)
        head = cols[name].header
        report.problems.append(
            Problem.of(
                "split_summed",
                f"«{head}» chia thành các cột {named}, không có cột tổng số: lấy tổng các cột này "
                "làm số của từng xã (ô trống trong một cột là 0 khi các cột kia có số).",
                sheet=sheet_name,
                column=parts[0].letter,
                header=head,
            )
        )


def _split_adds_up(row, values, checked, cols, count_of, sheet_name, index, report) -> bool:
    """Whether each split count's total sub-column can be the sum of its parts (blank parts
    none, as `_split_sums`): parts above their total are refused at its cell; a total above
    its parts is kept, with a warning."""
    ok = True
    for name, parts in checked.items():
        whole = values.get(name)
        cells = [count_of(row[c.index] if c.index < len(row) else None).value for c in parts]
        if (
            whole is None
            or all(v is None for v in cells)
            or any(not isinstance(v, int) for v in cells if v is not None)
        ):
            continue
        made = sum(v for v in cells if v is not None)
        named = ", ".join(c.letter for c in parts)
        if made > whole:
            report.problems.append(
                Problem.of(
                    "split_mismatch",
                    f"các cột {named} cộng lại {thousands(made)}, lớn hơn cột tổng "
                    f"{thousands(whole)}; không rõ số nào đúng. Hãy sửa cho khớp rồi tải lên lại.",
                    **_cell_at(sheet_name, index, cols[name]),
                )
            )
            ok = False
        elif made < whole:
            # A total above its parts is what offices write when the header leaves a part
            # out ("Tổng số | Tại trụ sở | Lưu động", home visits counted in the total
            # only): the total is the figure they gave, and it is kept.
            report.problems.append(
                Problem.of(
                    "split_short",
                    f"các cột {named} cộng lại {thousands(made)}, ít hơn cột tổng {thousands(whole)}: "
                    "đã lấy cột tổng; có thể tiêu đề không ghi hết các phần.",
                    **_cell_at(sheet_name, index, cols[name]),
                )
            )
    return ok


def _part_of_total(label: str) -> bool:
    """A line under a grand total that splits it again ("- Các xã", "+ Khu vực thị trấn",
    "Trong đó: thị trấn"): marked as a part by a dash, a plus or "trong đó"."""
    text = label.strip()
    return text.startswith(("-", "+", "–", "•", "*")) or fold(text).startswith("trong do")


def _row_values(parsed_values, cols, sheet_name, index, report, label: str = "") -> tuple[dict, bool]:
    """The figures of a row (field → count) and whether one was unreadable or negative;
    each bad or ambiguous cell is reported, with the row's label ("ở dòng «Xã Sơn Hải»"):
    a row number alone sends the user counting rows to learn whose figure to ask for."""
    values, bad = {}, False
    whose = f" ở dòng «{label}»" if label else ""
    for name, parsed in parsed_values:
        if parsed.error:
            report.problems.append(
                Problem.of(
                    "bad_number", parsed.error + whose + ".", **_cell_at(sheet_name, index, cols[name])
                )
            )
            bad = True
        elif parsed.value is not None:
            if parsed.value < 0:
                report.problems.append(
                    Problem.of(
                        "negative",
                        f"số âm ({parsed.value}){whose}.",
                        **_cell_at(sheet_name, index, cols[name]),
                    )
                )
                bad = True
            values[name] = parsed.value
        if parsed.warning:
            report.problems.append(
                Problem.of(
                    "ambiguous_number",
                    parsed.warning + ".",
                    **_cell_at(sheet_name, index, cols[name]),
                )
            )
    return values, bad


def _breakdown(row, kind: str, dimension_at, under_commune: bool, label: str):
    """The part a row names, (dimension, value) or None, and the parts it names when it
    names more than one (else None): a value in a breakdown column, or a row under a
    commune whose name is a known part ("- Người cao tuổi") and no unit's."""
    width = len(row)
    if dimension_at:
        named = [(d, dimensions.canonical(d, row[at] if at < width else None), at) for d, at in dimension_at]
        named = [n for n in named if n[1] is not None]
        if len(named) > 1:
            return None, named
        return ((named[0][0], named[0][1]) if named else None), None
    if kind in ("commune", "subtotal") and under_commune:
        hit = dimensions.known(label) if label else None
        if hit and not registry.resolve("", "", label, suggestions=False).official:
            return hit, None
    return None, None


def _several_dimensions(named, sheet_name, index, cols) -> Problem:
    return Problem.of(
        "several_dimensions",
        "một dòng chỉ được chia theo một cách (nhóm đối tượng, hình thức thu nhận, nơi cư trú, "
        "loại cấp hoặc ca thu nhận), dòng này ghi "
        + ", ".join(f"«{v}» ({dimensions.LABELS[d].lower()})" for d, v, _ in named)
        + ".",
        **_cell_at(sheet_name, index, cols[named[1][0]]),
    )


def _has_parts(row, part_columns, count_of) -> bool:
    """Whether a row gives a figure in one of its part columns."""
    width = len(row)
    return any(
        count_of(row[column.index] if column.index < width else None).value is not None
        for *_, column in part_columns
    )


def _part_cells(row, index, part_columns, count_of, sheet_name, report):
    """The parts a commune row's "Trong đó" columns count: ((dimension, label), values,
    cells) each; a bad or negative cell is reported and skipped."""
    width = len(row)
    for _field, metric, dimension, label, column in part_columns:
        cell = row[column.index] if column.index < width else None
        parsed = count_of(cell)
        if parsed.error or (parsed.value is not None and parsed.value < 0):
            report.problems.append(
                Problem.of(
                    "bad_number" if parsed.error else "negative",
                    (parsed.error or f"số âm ({parsed.value})") + ".",
                    **_cell_at(sheet_name, index, column),
                )
            )
            continue
        if parsed.value is None:
            continue
        yield (dimension, label), {metric: parsed.value}, {metric: (column.letter, column.header)}


def _no_date(found: layouts.Layout, sheet_name: str | None, file_name: str, index: int) -> tuple[str, int]:
    """Why a table has no date, and the row (from 0) the message is told at: the line that
    came nearest to giving one, else the table's first row without one."""
    lead = "không xác định được ngày số liệu: "
    named = normalise.day_label(sheet_name) if sheet_name else None
    if named is not None and named.year is None:
        # A year written alone cannot say which year the days of a run across New Year are in.
        new_year = (
            " (một năm ghi riêng ở tiêu đề hay tên tệp không cho biết các trang từ tháng 12 sang tháng 1 "
            "thuộc năm nào)"
            if named.month in (12, 1)
            else ""
        )
        return lead + (
            f"tên trang «{sheet_name}» ghi ngày nhưng không có năm, và tiêu đề, tên tệp hay chiến dịch "
            f"không cho biết năm{new_year}. Hãy ghi năm vào tên trang (ví dụ 15-5-2023), tiêu đề hoặc tên "
            "tệp, hoặc cho biết ngày của báo cáo."
        ), index
    if sheet_name and normalise.day_alone(sheet_name) is not None:
        return lead + (
            f"tên trang «{sheet_name}» chỉ ghi ngày, không ghi tháng, và tiêu đề hay tên tệp không cho biết "
            "tháng. Hãy ghi tháng vào tiêu đề (ví dụ «BÁO CÁO THÁNG 5 NĂM 2023») hoặc tên tệp (ví dụ "
            "bao_cao_thang5_2023.xlsx)."
        ), index
    if normalise.day_month_from_file_name(file_name):
        return lead + (
            f"tên tệp «{file_name}» ghi ngày nhưng không có năm, và tiêu đề không cho biết năm. Hãy ghi năm "
            "vào tên tệp (ví dụ bao_cao_15_5_2023.xlsx) hoặc tiêu đề, hoặc cho biết ngày của báo cáo."
        ), index
    if found.day_month_line is not None:
        row, line = found.day_month_line
        return lead + (
            f"dòng «{line}» ghi ngày và tháng nhưng không ghi năm, và tên tệp hay chiến dịch không cho biết "
            "năm. Hãy ghi năm vào dòng đó (ví dụ «Số liệu tính đến ngày 16/3/2021») hoặc tên tệp, hoặc cho "
            "biết ngày của báo cáo."
        ), row
    if found.cited_date_line is not None:
        row, line = found.cited_date_line
        return lead + (
            f"dòng «{line}» chỉ ghi ngày của văn bản được nhắc đến (kế hoạch, công văn …), không phải "
            "ngày của số liệu. Hãy thêm dòng «Số liệu tính đến ngày …» hoặc đặt ngày vào tên tệp (ví dụ "
            "bao_cao_15_03_2023.xlsx), hoặc cho biết ngày của báo cáo."
        ), row
    if found.impossible_date_line is not None:
        row, line, day, length = found.impossible_date_line
        month = f"tháng {day.split('/')[1]} có {length} ngày" if length else "không có tháng đó"
        return lead + (
            f"dòng «{line}» ghi ngày {day}, là ngày không có thật ({month}). Hãy sửa ngày ở dòng đó rồi tải "
            "lên lại."
        ), row
    odd = _odd_year_day(found)
    if odd is not None:
        letter, label, year = odd
        return lead + (
            f"tiêu đề có các cột ngày, nhưng cột {letter} «{label}» ghi năm khác các ngày còn lại "
            f"({year}), nên không đọc được thành bảng theo ngày — có thể gõ nhầm năm. Hãy sửa ngày ở ô đó "
            "rồi tải lên lại."
        ), found.header_rows[-1]
    return lead + (
        "tệp không có cột ngày, không có dòng «Số liệu tính đến … ngày …» và tên tệp không chứa ngày (ví dụ "
        "bao_cao_15_03_2021.xlsx)."
    ), index


def _odd_year_day(found: layouts.Layout) -> tuple[str, str, int] | None:
    """(column letter, header, the others' year) of the one day header whose year differs from
    every other day header's ("19/3/2021 | 20/3/2021 | 21/3/2031"), which keeps the sheet from
    being read as a table of days; None when there is no such column."""
    years: dict[int, list[tuple[int, str]]] = {}
    for c, label in enumerate(found.labels):
        day = normalise.day_label(str(label).split(" / ")[-1]) if label else None
        if day is not None and day.year is not None:
            years.setdefault(day.year, []).append((c, str(label).split(" / ")[-1]))
    if len(years) != 2:
        return None
    (usual, most), (_, few) = sorted(years.items(), key=lambda kv: -len(kv[1]))
    if len(few) != 1 or len(most) < 2:
        return None
    column, label = few[0]
    return layouts.column_letter(column), label, usual


def _no_cumulative(cols, found: layouts.Layout, sheet_name, report: ImportReport) -> None:
    col = cols.get("collected_day")
    report.needs_mapping = True
    # "Thu nhận hồ sơ (trong ngày / lũy kế)" over cells of two figures ("15 2.288", one per
    # line in the cell): both are in the column, which is read as one figure only.
    header = fold(col.header or "") if col else ""
    both = col is not None and "luy ke" in header and any(w in header for w in ("trong ngay", "hom nay"))
    report.problems.append(
        Problem.of(
            "no_cumulative",
            f"cột {col.letter} «{col.header}» ghi hai số trong một ô (số trong ngày và lũy kế); hãy tách "
            "thành hai cột «Trong ngày» và «Lũy kế thu nhận», mỗi ô một số, rồi tải lên lại."
            if both
            else "thiếu cột lũy kế thu nhận (chỉ có số trong ngày).",
            sheet=sheet_name,
            row=found.header_rows[-1] + 1,
            column=col.letter if col else None,
        )
    )


def _frame(out: dict, out_values: dict, refs: list[int], part_of: list) -> pd.DataFrame:
    """The rows read as one frame; a part takes its commune row's place and day."""
    for i, ref in enumerate(refs):
        if ref >= 0:  # a part takes its commune row's place and day (its district may have come later)
            for name in ("province", "district", "commune", "code", "date"):
                out[name][i] = out[name][ref]
    parts = any(d is not None for d, _ in part_of)
    # Text stays Python objects here (no conversion to Arrow for a working frame).
    return pd.DataFrame(
        {
            **{k: pd.Series(v, dtype=object) if k != "row" else v for k, v in out.items()},
            **{k: pd.Series(v, dtype=object) for k, v in out_values.items()},
            **(
                {
                    "dimension": pd.Series([d for d, _ in part_of], dtype=object),
                    "part": pd.Series([v for _, v in part_of], dtype=object),
                }
                if parts
                else {}
            ),
        }
    )


def _add_part(out, out_values, refs, part_of, ref, row, sheet_label, breakdown, values, cells) -> None:
    """One part of commune row `ref` (its place and day are copied from it at the end)."""
    out["row"].append(row)
    out["sheet"].append(sheet_label)
    for name in ("province", "district", "commune", "code", "date"):
        out[name].append(None)
    out["cells"].append(cells)
    for name, column in out_values.items():
        column.append(values.get(name))
    refs.append(ref)
    part_of.append(breakdown)


def _cell_at(sheet_name: str | None, index: int, col: layouts.Column) -> dict:
    """Where a problem is: sheet, 1-based row, column letter and header."""
    return dict(sheet=sheet_name, row=index + 1, column=col.letter, header=col.header)


def _a_place(name: str) -> bool:
    """Whether a name outside the district is written as a commune's: with its type ("Xã Kỳ
    Liên", merged away) or a commune's name somewhere; "Lực lượng vũ trang" is none."""
    return registry.commune_type(name) is not None or registry.names_a_commune(name)


def _eligible_the_total_counts(sheet: Sheet, found: layouts.Layout, count_of) -> frozenset[int]:
    """The rows (0-based) with an eligible and no count that a total of the table counts: a
    total or subtotal under commune rows is compared with the rows since the previous one
    (as the subtotal check groups them), a total with no commune row since (the grand total
    under the districts' "Cộng", or one on top) with all the table's; the eligible-only rows
    of a group whose stated eligible is its sum are counted — a row outside the registry
    there is a place of the table.  Empty when no total gives such a sum.  Reading only down
    to the first total let a first district's "Cộng" stand as a total on top of the whole
    table, and a commune of the second district was dropped."""
    at = found.columns["eligible"].index
    counts = [found.columns[f].index for f in ("collected", "collected_day") if f in found.columns]
    counted: set[int] = set()
    group_sum, group_rows, group_any = 0, [], False
    all_sum, all_rows, on_top = 0, [], None
    for index in range(found.first_data_row, len(sheet.rows)):
        row = sheet.rows[index]
        kind = layouts.classify(row, found).kind
        value = count_of(row[at] if at < len(row) else None).value
        if kind == "footer":
            break
        if kind in ("total", "subtotal") and value is not None:
            if group_any:
                if value == group_sum:
                    counted.update(group_rows)
            elif all_rows or all_sum:
                if value == all_sum:
                    counted.update(all_rows)
            elif on_top is None and kind == "total":
                on_top = value
            group_sum, group_rows, group_any = 0, [], False
        elif kind == "commune" and value is not None:
            group_sum += value
            all_sum += value
            group_any = True
            if all(count_of(row[c] if c < len(row) else None).value is None for c in counts):
                group_rows.append(index)
                all_rows.append(index)
    if on_top is not None and on_top == all_sum:
        counted.update(all_rows)
    return frozenset(counted)


def _lies_in() -> Callable[[str, str, str], bool]:
    """Whether the registry places a commune in a province (and district), by name,
    remembered per (province, district, commune)."""
    seen: dict[tuple[str, str, str], bool] = {}

    def check(province: str, district: str, commune: str) -> bool:
        key = (province, district, commune)
        if key not in seen:
            found = registry.resolve(province, district, commune, suggestions=False)
            seen[key] = found.official and not found.ambiguous
        return seen[key]

    return check


def _memo(function: Callable):
    """`function` of one text cell, remembered per distinct text; other cells (numbers,
    dates, None) are passed straight on.  For pure functions only."""
    seen: dict[str, object] = {}

    def call(raw):
        if type(raw) is not str:
            return function(raw)
        try:
            return seen[raw]
        except KeyError:
            result = seen[raw] = function(raw)
            return result

    return call


def _counter() -> Callable:
    """normalise.parse_count for the cells of one sheet: plain ASCII digits ("5432", most
    cells of a CSV), whole floats and ints (number cells of a spreadsheet), for which
    parse_count returns the int and nothing else, are read directly up to MAX_COUNT; other
    cells are remembered per distinct value."""
    remembered = _memo(normalise.parse_count)
    most = normalise.MAX_COUNT

    def count(raw) -> normalise.Parsed:
        kind = type(raw)
        if kind is str and len(raw) <= 8 and raw.isdigit() and raw.isascii():
            return normalise.Parsed(int(raw))
        if kind is float and raw.is_integer() and -most <= raw <= most:  # parse_count: int(raw)
            return normalise.Parsed(int(raw))
        if kind is int and -most <= raw <= most:
            return normalise.Parsed(raw)
        return remembered(raw)

    return count


#: The columns of a day's own figures, where a dash is a day with none (0): what Excel's
#: accounting format shows for 0, what people type for "none today", and the statistics
#: office's sign for "nothing happened" (a blank, not a dash, is a figure not given).  In a
#: running total a dash stays a figure not given: 0 there would read as a fall.
DAILY_FIELDS = ("collected_day", "returned_day")


#: Words that open the name of a place inside a commune: hamlets, villages, residential
#: groups.  Written as a sub-row ("- Bản Na Lướm", "+ Tổ 3") any of them; bare, only those
#: that open no commune's name ("Bản Máy", "Tô Hiệu" are communes).
_HAMLET_WORDS = (
    "thon",
    "xom",
    "ban",
    "lang",
    "ap",
    "buon",
    "khoi",
    "to dan pho",
    "tdp",
    "to",
    "khu pho",
    "doi",
    # Places inside a commune that a report may give under it: its schools, its collection
    # points.
    "truong",
    "diem truong",
    "diem thu nhan",
)
_HAMLET_WORDS_BARE = (
    "thon",
    "xom",
    "to dan pho",
    "tdp",
    "khu pho",
    "truong thpt",
    "truong thcs",
    "truong tieu hoc",
    "truong mam non",
    "truong pt",
    "truong th",
    "diem thu nhan",
)


_AS_RETURNED = {"collected": "returned", "collected_day": "returned_day"}


def _measure(label: str) -> str | None:
    """The figure a row's label says it gives: "collected" ("Thu nhận hồ sơ"), "returned"
    ("Trả thẻ"), "count" (the columns' own counts: "Số lượng", "Thực hiện"), "share" ("Tỷ lệ
    %": derived from the counts above, never stored), "plan" ("Kế hoạch", "Chỉ tiêu": never
    read), or None."""
    if not label:
        return None
    if headers.share_label(label):
        return "share"
    if headers.count_label(label) or headers.done_label(label):
        return "count"
    if headers.plan_label(label):
        return "plan"
    field = headers.match(label)
    return {"collected": "collected", "collected_day": "collected", "returned": "returned"}.get(field)


def _measure_column(sheet: Sheet, found: layouts.Layout) -> int | None:
    """A column of no field of its own ("Nội dung", "Chỉ tiêu") whose cells name, row by row,
    the figure the row gives: among its first rows, a few labels repeated commune after
    commune — collected and returned among them, or counts and their shares ("Số lượng" over
    "Tỷ lệ %") — (a column of notes, where "Trả thẻ" may be written once among other words,
    is no such column); or None."""
    for at, _ in found.unmapped:
        said = [
            normalise.text(row[at])
            for row in sheet.rows[found.first_data_row : found.first_data_row + 60]
            if at < len(row) and isinstance(row[at], str) and row[at].strip()
        ]
        labels = set(said)
        measures = {_measure(label) for label in labels}
        if (
            (
                {"collected", "returned"} <= measures
                or ("share" in measures and measures & _COUNTS)
                or ("plan" in measures and measures & _COUNTS)
            )
            and len(labels) <= 6
            and len(said) >= 2 * len(labels)
        ):
            return at
    return None


_COUNTS = {"collected", "returned", "count"}


def _share_value(raw) -> list[float]:
    """The percentages a share's cell may mean: "95,3%" and "95,3" are 95,3; Excel's 0.953
    shown as a percentage is 95,3, but a bare 1 or 0,5 may also be a share written as a
    percentage (1%), so both readings are kept.  Empty for a cell that is no share."""
    raw = normalise.unprotected(raw)
    if normalise.is_blank(raw) or isinstance(raw, bool):
        return []
    if isinstance(raw, (int, float)):
        number = float(raw)
        return [number * 100, number] if 0 <= number <= 1.5 else [number]
    text = normalise.text(raw).replace(" ", "").replace("\u00a0", "")
    written = text.endswith("%")
    text = text.rstrip("%")
    if not re.fullmatch(r"\d+(?:[.,]\d+)?", text):
        return []
    number = float(text.replace(",", "."))
    return [number] if written or number > 1.5 else [number * 100, number]


def _shares_checked(
    row: list,
    counts: dict,
    value_at: list,
    cells: dict,
    label: str,
    sheet_name,
    index: int,
    report: ImportReport,
) -> None:
    """A share's row ("Tỷ lệ %" under a commune's "Số lượng") is derived from the counts above
    it: never stored, but its collected and returned shares are checked against those counts
    (of the eligible; cards handed over also of the collected), as a subtotal is against its
    communes, and a share that is neither is a `share_mismatch` warning."""
    eligible = counts.get("eligible")
    if not eligible:
        return
    for name, at in value_at:
        if name not in ("collected", "returned") or counts.get(name) is None or at >= len(row):
            continue
        said = _share_value(row[at])
        if not said:
            continue
        bases = [eligible] + ([counts["collected"]] if name == "returned" and counts.get("collected") else [])
        true = [100 * counts[name] / base for base in bases]
        # A share is shown rounded, to a whole percent at worst.
        if any(abs(s - t) <= 0.51 for s in said for t in true):
            continue
        letter, header = cells[name]
        report.problems.append(
            Problem.of(
                "share_mismatch",
                f"«{label}»: tỷ lệ ghi {percent(said[0] / 100)}, nhưng {thousands(counts[name])} trên "
                f"{thousands(eligible)} công dân đủ điều kiện là {percent(true[0] / 100)}; "
                "tỷ lệ không được lưu, hãy xem lại số lượng ở dòng trên.",
                sheet=sheet_name,
                row=index + 1,
                column=letter,
                header=header,
            )
        )


# "Cộng xã Kỳ Xuân", "Tổng cộng phường Kỳ Trinh": a commune's own sum under its villages.
_COMMUNE_SUM = re.compile(r"^(?:tong cong|cong|tong|tong so)\s*[:\-–]?\s+(?=(?:xa|phuong|thi tran)\s+\S)")


def _commune_sum(label: str) -> str | None:
    """The commune a "Cộng xã …" label sums ("Xã Kỳ Xuân"), or None."""
    found = _COMMUNE_SUM.match(fold(label))
    if not found:
        return None
    words = label.split()
    rest = " ".join(words[len(found.group(0).split()) :]).lstrip(":-– ")
    return rest[:1].upper() + rest[1:] if rest else None


def _communes_after_villages(sheet: Sheet, found: layouts.Layout) -> bool:
    """A table that lists a commune's villages first and the commune after them, as their
    sum ("Thôn Tân Hà", "Thôn Hải Hà", then "Cộng xã Kỳ Xuân"): read, each commune is its
    "Cộng xã" row and the villages are its detail."""
    at = found.columns["commune"].index
    rows = sheet.rows[found.first_data_row : found.first_data_row + 400]
    for above, row in zip(rows, rows[1:]):
        label = normalise.text(row[at]) if at < len(row) else ""
        if label and _commune_sum(label):
            name = normalise.text(above[at]) if at < len(above) else ""
            if name and _hamlet(name):
                return True
    return False


def _names_over_their_days(
    sheet: Sheet, found: layouts.Layout, date_of: Callable, count_of: Callable, text_of: Callable
) -> dict[int, int]:
    """A long table's rows (a row per commune per day, a day column) whose commune's cell is
    left blank, or merged down, below the row naming it: row → the naming row.  A daily log
    kept by hand writes each commune once over its days ("Thị trấn Tân Kỳ" on 16/6, blank on
    17/6 and 18/6), and a person reads the blank as the name above.  Taken only where that
    is no guess:

    * the table has a day column with two days or more, and its rows go commune by
      commune — next rows' days differ more often than not (sorted by day, the row under
      the last commune of a day is the next day's first commune, whichever that is);
    * each blank row follows, with no other row between, a commune's row or another such
      row, and each has a day of its own that no row of the run has (a blank day cell, or
      the same day again, is another unit's row of that day, or a part of it);
    * it has figures, and they are not the sum of the other rows of its day (a total whose
      label is left out).

    Any other row of figures without a name is refused (or, last, checked as the total), as
    before; until 6/12/2026 every such row was refused."""
    cols = found.columns
    if "date" not in cols:
        return {}
    name_at, day_at = cols["commune"].index, cols["date"].index
    value_at = [(name, cols[name].index) for name in layouts.VALUE_FIELDS if name in cols]
    rows = sheet.rows
    first = found.first_data_row

    def cell(row: list, at: int):
        return row[at] if at < len(row) else None

    # Performance: a canonical file of 100,000 rows names its commune on every row; only a
    # table with a blank name cell is looked at further.
    if all(text_of(cell(row, name_at)) or not any(text_of(v) for v in row) for row in rows[first:]):
        return {}
    carried: dict[int, int] = {}
    figures_of: dict[int, dict] = {}  # every dated row of figures: row → its figures
    day_of: dict[int, date] = {}
    run: tuple[int, set] | None = None  # the naming row and the days of its rows so far
    same = differ = 0
    last_day = None
    for index in range(first, len(rows)):
        row = rows[index]
        figures = {
            name: parsed.value
            for name, at in value_at
            if (parsed := count_of(cell(row, at))).value is not None
        }
        day = date_of(cell(row, day_at)).value if figures else None
        if not figures:
            if any(text_of(v) for v in row):
                run = None  # a heading or a note between the rows
            continue
        if day is not None:
            figures_of[index], day_of[index] = figures, day
            if last_day is not None:
                same, differ = same + (day == last_day), differ + (day != last_day)
        last_day = day
        kind = layouts.classify(row, found)
        if text_of(cell(row, name_at)):
            run = (index, {day}) if kind.kind == "commune" and day is not None else None
            continue
        if run is None or kind.kind != "commune" or day is None or day in run[1]:
            run = None
            continue
        run[1].add(day)
        carried[index] = run[0]
    if len(set(day_of.values())) < 2 or same >= differ:
        return {}
    # Each day's rows and the sum of their figures, to tell a total from the rows it sums.
    day_rows: dict[date, int] = {}
    day_sums: dict[date, dict] = {}
    for index, day in day_of.items():
        day_rows[day] = day_rows.get(day, 0) + 1
        sums = day_sums.setdefault(day, {})
        for name, value in figures_of[index].items():
            sums[name] = sums.get(name, 0) + value
    for index in list(carried):
        day, figures = day_of[index], figures_of[index]
        if day_rows[day] > 2 and all(day_sums[day][name] - v == v for name, v in figures.items()):
            del carried[index]  # the day's total, its label left out
    return carried


#: What marks a sub-row before its name: "- Thôn Tân Thành", "+ Khối 2", "• Điểm thu nhận …".
_SUB_ROW_MARKS = " -+*•–·."


def _hamlet(name: str) -> bool:
    """Whether a row's name is a place inside a commune written as a row under it — a
    hamlet ("- Thôn Tân Thành", "+ Xóm 3", "Tổ dân phố 5"), a school or a collection point
    ("+ Trường THPT Kỳ Lâm") — not a commune of the registry."""
    bare = name.lstrip(_SUB_ROW_MARKS)
    words = fold(bare).split()
    if not words:
        return False
    marked = bare != name.lstrip()
    opens = any(
        words[: len(w.split())] == w.split() for w in (_HAMLET_WORDS if marked else _HAMLET_WORDS_BARE)
    )
    return opens and not registry.names_a_commune(bare)


def _within(values: dict, out_values: dict, at: int) -> bool:
    """Whether a row's figures are each at most those of output row `at` (the commune above):
    what a part of it can be, and a heading of several communes cannot."""
    return all(
        value is None or out_values[name][at] is None or value <= out_values[name][at]
        for name, value in values.items()
        if name in out_values
    )


# "Khối 3", "Khối phố 12", "- Khối 7": a residential block, as a ward or a town (thị trấn) is
# divided; a pupils' grade says "lớp" or "học sinh" ("Học sinh khối 12"), or stands under a
# rural commune, which has villages, not blocks.
_BLOCK = re.compile(r"^khoi(?: pho)? (?:so )?\d{1,3}$")


def _block_of_a_town(name: str, above: str) -> bool:
    """Whether a row is a residential block ("Khối 3") of the ward or town (thị trấn) named
    in the row above: the commune's type as typed there ("Phường …", "P. …", "TT …")."""
    bare = " ".join(fold(name.lstrip(_SUB_ROW_MARKS)).replace(".", " ").split())
    return bool(_BLOCK.match(bare)) and registry.commune_type(str(above)) in ("phuong", "thi tran")


def _point_of_its_own(name: str, above: str) -> bool:
    """Whether a collection point's row that names its commune ("Điểm thu nhận số 2 (xã
    Diễn Hoàng)") is a row of its own, not the detail of the row above: the row above is
    another commune, or another point (of the same commune or not).  Under its commune's
    own row it is that row's detail, as before; under a sibling point it was dropped, and
    the commune got the first point's figures alone."""
    inner = registry.collection_point_commune(name.lstrip(_SUB_ROW_MARKS))
    if inner is None:
        return False
    above = above.lstrip(_SUB_ROW_MARKS)
    if registry.collection_point_commune(above) is not None:
        return True
    return registry.spelled_plain(inner) != registry.spelled_plain(above)


def _dash_is_none(count: Callable) -> Callable:
    def daily(raw) -> normalise.Parsed:
        # After `count`, whose fast paths take the digits of most cells: a dash is no figure
        # to it, and only then is it looked at.
        parsed = count(raw)
        if parsed.value is None and not parsed.error and normalise.is_dash(raw):
            return normalise.Parsed(0)
        return parsed

    return daily


# The metric columns of those rows, in order (a table's, then an export's).
VALUE_ORDER = (*layouts.VALUE_FIELDS, "returned_day")


def _blocks_of_bare_sums(groups: list[dict], totals: list[dict]) -> tuple[list[dict], list[dict]]:
    """Several bare "Cộng" rows in a sheet, each after a block of communes (a district
    written in a merged cell down its communes, then "Cộng"): each is its block's sum, the
    communes since the "Cộng" before it, not the sheet's total (checked against the whole
    sheet they gave a false difference each).  One bare "Cộng" is the sheet's total."""
    bare = [t for t in totals if t.get("bare") and t["since"] and t["position"] == "after"]
    if len(bare) < 2:
        return groups, totals
    blocks = [
        dict(
            row=t["row"],
            label=t["label"],
            district=None,
            values=t["values"],
            cells=t["cells"],
            members=t["since"],
            position="after",
        )
        for t in bare
    ]
    return sorted(groups + blocks, key=lambda g: g["row"]), [t for t in totals if t not in bare]


_CARRIED = re.compile(
    r"\b(?:chuyen|mang) sang trang sau\b|\bchuyen trang sau\b|^cong (?:luy ke )?den (?:het )?trang\b"
)
_BROUGHT = re.compile(
    r"\btrang truoc (?:chuyen|mang) sang\b|\b(?:chuyen|mang) (?:sang )?tu trang truoc\b|^(?:so )?(?:chuyen|mang) sang$"
)


@functools.lru_cache(maxsize=65536)
def carry_of(label: str | None) -> str | None:
    """ "carried" for a page's sum carried to the next ("Cộng chuyển sang trang sau"),
    "brought" for it brought to the top of the next ("Trang trước chuyển sang"), else None:
    how a table printed over several pages keeps its running sum."""
    folded = " ".join(fold(label or "").strip(" .:*").split())
    if not folded:
        return None
    if _BROUGHT.search(folded):
        return "brought"
    if _CARRIED.search(folded):
        return "carried"
    return None


def _bare_sum(label: str | None) -> bool:
    """A sum's label that names no level ("Cộng", "Tổng", "Cộng:"), or a group of communes
    no registry knows ("Cộng cụm 1", "Cộng khu vực 2", "Cộng nhóm 3": the clusters a district
    divides its communes into), unlike "Tổng cộng" or "Toàn tỉnh", which sum the whole
    sheet.  Several such rows are each their block's sum."""
    folded = fold(label or "").strip(" .:*")
    return (
        folded in {"cong", "tong", "tong so", "cong huyen", "tc", "t.c", "t/c"}
        or _CLUSTER_SUM.match(folded) is not None
    )


_CLUSTER_SUM = re.compile(r"^(?:tong\s+)?(?:cong|tong)\s*:?\s*(?:cum|khu vuc|nhom|doi|to)\b")
