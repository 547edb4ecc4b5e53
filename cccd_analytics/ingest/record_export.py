"""A per-record export, counted per commune and day by `records`, → the rows of an upload
and, once its units are known, the cumulative figures (continuing what the store holds)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from cccd_analytics.ingest import headers, normalise, records
from cccd_analytics.ingest import layout as layouts
from cccd_analytics.ingest.readers import Sheet, Workbook
from cccd_analytics.ingest.report import ImportReport, Problem
from cccd_analytics.ingest.rows import commune_name, each_distinct
from cccd_analytics.ingest.sheet_context import authorities_and_title
from cccd_analytics.text import date_vn, thousands


def record_export(
    book: Workbook,
    data: bytes,
    sheet: Sheet,
    found: layouts.Layout,
    report: ImportReport,
    report_date: date | None,
    more: list[tuple[Sheet, int]] = (),
):
    """`more`: the sheets the export goes on in, each with the index of its first record
    (`records.read_sheet`); their rows are numbered on from the sheet before's, and
    `report.row_sheets` turns a message's row back into its sheet and row.

    Long on purpose: a flat list of the export's problems, each from one count of `records`
    (places, dates, lines, statuses), then the one frame of its rows; read top to bottom as the
    upload report lists them."""
    sheet_name = sheet.name or None
    if book.format == "csv":
        width = layouts.record_width(sheet.rows, found)
        counts = records.read_csv(
            data, book.csv, found, width, layouts.record_header_texts(sheet.rows, found)
        )
    else:
        counts = records.read_sheet(sheet, found, list(more))
    if counts.sheets:
        report.row_sheets[sheet_name] = counts.sheets

    def rows_shown(rows) -> str:
        # "12, 40" or, for an export over several sheets, "12, 3 (trang «Sheet2»)".
        if not counts.sheets:
            return ", ".join(map(str, rows))
        out = []
        for row in rows:
            name, own = records.sheet_of_row(counts.sheets, row)
            out.append(str(own) if name == sheet.name else f"{own} (trang «{name}»)")
        return ", ".join(out)

    cols = found.columns
    received = cols["received_date"]
    at = dict(sheet=sheet_name, column=received.letter, header=received.header)
    report.rows_read += counts.rows
    shown = ", ".join(f"«{s}»" for s in counts.void_statuses[:3])
    for code, (n, rows), what, column in (
        (
            "record_without_commune",
            counts.no_place,
            # From an address, the commune may be written but not be one: "Xóm 4, Kỳ Sơn, Nghệ
            # An" names a district and a commune alike, and a hamlet is no commune.
            "có địa chỉ không chỉ ra được một xã/phường của danh mục (không ghi xã, hoặc tên xã "
            "trùng nhiều nơi mà không ghi huyện)"
            if found.place_from_address
            else "không ghi xã/phường",
            cols["commune"],
        ),
        ("record_without_date", counts.no_date, "không ghi ngày thu nhận", received),
        ("record_void", counts.void, f"đã hủy hoặc bị từ chối ({shown})", cols.get("status")),
        (
            "record_repeated",
            counts.repeated,
            "lặp lại một hồ sơ ở dòng trên (cùng số hồ sơ, cùng xã/phường và ngày thu nhận)",
            cols.get("record_id"),
        ),
    ):
        if n:
            report.problems.append(
                Problem.of(
                    code,
                    f"{thousands(n)} hồ sơ {what}, không được tính (ví dụ dòng {rows_shown(rows)}).",
                    sheet=sheet_name,
                    row=rows[0],
                    column=column.letter,
                    header=column.header,
                )
            )
    if counts.header_rows[0]:
        n, rows = counts.header_rows
        report.problems.append(
            Problem.of(
                "record_header_rows",
                f"{thousands(n)} dòng lặp lại dòng tiêu đề (như ở đầu mỗi trang in) không được tính là hồ sơ "
                f"(ví dụ dòng {rows_shown(rows)}).",
                sheet=sheet_name,
                row=rows[0],
            )
        )
    if counts.sum_rows[0]:
        n, rows = counts.sum_rows
        report.problems.append(
            Problem.of(
                "record_sum_rows",
                f"{thousands(n)} dòng cộng, tổng cộng xen giữa hoặc dưới các hồ sơ (ví dụ dòng {rows_shown(rows)}) "
                "không được tính là hồ sơ; số liệu được đếm từ từng hồ sơ, không lấy số ở các dòng này.",
                sheet=sheet_name,
                row=rows[0],
            )
        )
    if counts.signature_rows[0]:
        n, rows = counts.signature_rows
        report.problems.append(
            Problem.of(
                "record_signature_rows",
                f"{thousands(n)} dòng ký tên dưới danh sách (người lập biểu, thủ trưởng đơn vị; từ dòng {rows[0]}) "
                "không được tính là hồ sơ.",
                sheet=sheet_name,
                row=rows[0],
            )
        )
    if counts.bad_dates:
        bad_rows = sum(n for n, _ in counts.bad_dates)
        rows = rows_shown([r for _, r in counts.bad_dates[:5]])
        severe = bad_rows > max(10, counts.rows // 100)
        report.problems.append(
            Problem.of(
                "bad_date",
                f"{thousands(bad_rows)} hồ sơ có ngày thu nhận không đọc được"
                + (" — có thể cột ngày bị nhầm" if severe else ", không được tính")
                + f" (ví dụ dòng {rows}).",
                lesser=not severe,
                row=counts.bad_dates[0][1],
                **at,
            )
        )
    if counts.bad_return_dates:
        back = cols["returned_date"]
        n = sum(k for k, _ in counts.bad_return_dates)
        report.problems.append(
            Problem.of(
                "bad_date",
                f"{thousands(n)} hồ sơ có ngày trả thẻ không đọc được, không được tính là thẻ đã trả "
                f"(ví dụ dòng {rows_shown([r for _, r in counts.bad_return_dates[:5]])}).",
                lesser=True,
                sheet=sheet_name,
                row=counts.bad_return_dates[0][1],
                column=back.letter,
                header=back.header,
            )
        )
    if counts.return_undated[0]:
        n, rows = counts.return_undated
        back = cols["returned_date"]
        report.problems.append(
            Problem.of(
                "record_return_undated",
                f"{thousands(n)} hồ sơ có trạng thái đã trả thẻ nhưng không ghi ngày trả thẻ, nên không được "
                f"tính vào số thẻ đã trả (ví dụ dòng {rows_shown(rows)}); hãy ghi ngày trả thẻ cho các hồ sơ này.",
                sheet=sheet_name,
                row=rows[0],
                column=back.letter,
                header=back.header,
            )
        )
    if counts.ambiguous_dates:
        report.problems.append(Problem.of("ambiguous_date", counts.ambiguous_dates + ".", **at))
    if counts.short_births_undated[0] and "birth_date" in cols:
        n, rows = counts.short_births_undated
        report.problems.append(
            Problem.of(
                "record_birth_century",
                f"{thousands(n)} hồ sơ ghi năm sinh bằng hai chữ số mà ngày thu nhận không cho biết năm: "
                "không đoán được năm sinh (19.. hay 20..), các hồ sơ này không được xếp vào nhóm ưu tiên "
                f"nào (ví dụ dòng {rows_shown(rows)}). Hãy ghi năm sinh đủ bốn chữ số.",
                sheet=sheet_name,
                row=rows[0],
                column=cols["birth_date"].letter,
                header=cols["birth_date"].header,
            )
        )
    if counts.skipped_lines:
        report.problems.append(
            Problem.of(
                "bad_line",
                f"{len(counts.skipped_lines)} dòng có nhiều ô hơn dòng tiêu đề, đã bỏ qua "
                f"(ví dụ dòng {', '.join(map(str, counts.skipped_lines[:5]))}).",
                sheet=sheet_name,
                row=counts.skipped_lines[0],
            )
        )
    as_of = report_date or counts.last_date
    named = normalise.date_from_file_name(book.file_name)
    if named and counts.last_date and named >= counts.last_date and report_date is None:
        as_of = named
    if report.date_origin is None:
        report.date_origin = "given" if report_date else "records"
        report.date_source = (
            "ngày người nhập chọn"
            if report_date
            else f"ngày trong tệp ({date_vn(counts.first_date)} – {date_vn(counts.last_date)})"
            if counts.first_date
            else ""
        )
        report.report_date = as_of
    returned_from = "returned_date" if counts.has_return_dates else ("status" if "status" in cols else None)
    report.record_export = dict(
        rows=counts.rows,
        first_row=counts.first_row,
        first_date=counts.first_date.isoformat() if counts.first_date else None,
        last_date=counts.last_date.isoformat() if counts.last_date else None,
        as_of=as_of.isoformat() if as_of else None,
        columns_read={f: cols[f].letter for f in headers.RECORD_READ_FIELDS if f in cols},
        columns_skipped=len([c for c in found.labels if c])
        - len([f for f in headers.RECORD_READ_FIELDS if f in cols]),
        returned_from=returned_from,
        statuses_returned=counts.statuses_returned,
        statuses_other=counts.statuses_other,
        rows_without_commune=counts.no_place[0],
        rows_without_date=counts.no_date[0],
        baseline_units=0,
    )
    if "status" in cols and not counts.has_return_dates and not counts.statuses_returned:
        codes = [s for s in counts.statuses_other if s.strip().isdigit()]
        coded = bool(codes) and len(codes) == len(counts.statuses_other)
        report.problems.append(
            Problem.of(
                "no_returned_status",
                (
                    "cột trạng thái chỉ ghi mã số ("
                    + ", ".join(sorted(codes, key=int)[:6])
                    + "), không ghi tên trạng thái, và không có chú thích mã: mọi hồ sơ đều được tính là "
                    "đã thu nhận, kể cả hồ sơ đã hủy nếu có, và không tính số thẻ đã trả. Hãy xuất lại tệp "
                    "với tên trạng thái (như «Đã tiếp nhận», «Đã trả thẻ», «Hủy»), hoặc ghi chú thích mã "
                    "dưới bảng (ví dụ «1 - Đã tiếp nhận; 2 - Đã trả thẻ; 3 - Hủy»)."
                    if coded
                    else "cột trạng thái không có giá trị nào cho biết thẻ đã trả (như «Đã trả thẻ»); "
                    "không tính số thẻ đã trả."
                ),
                sheet=sheet_name,
                column=cols["status"].letter,
                header=cols["status"].header,
            )
        )
    province_ctx, district_ctx = authorities_and_title(found)
    letter, header = received.letter, received.header
    if len(counts.parts):
        # Places named as the counts' are (the letterhead's province and district where the
        # export leaves them out).
        counts.parts = counts.parts.assign(
            province=each_distinct(counts.parts["province"], lambda p: p or province_ctx),
            district=each_distinct(counts.parts["district"], lambda d: d or district_ctx),
            commune=each_distinct(counts.parts["commune"], commune_name),
        )
    if counts.breakdown_columns:
        report.record_export["breakdown_columns"] = counts.breakdown_columns
    if "record_id" in cols:
        # Read only so that an application listed twice counts once (record_tally).
        report.record_export["record_id_column"] = cols["record_id"].letter
    if counts.status_legend:
        report.record_export["status_legend"] = counts.status_legend
        report.record_export["status_legend_row"] = counts.status_legend_row
    totals = counts.returned_total
    if not totals.empty:
        counts.returned_total = totals.assign(
            province=[p or province_ctx for p in totals["province"]],
            district=[d or district_ctx for d in totals["district"]],
            commune=[commune_name(c) for c in totals["commune"]],
        )
    # Performance: one frame for the export's (place, day) counts, not one
    # Python object per row (an export of a nation has over a million of them).
    daily = counts.daily
    # Where each figure comes from, for messages: collected from the day received, returned
    # from the day handed over or the status.
    back = cols[returned_from] if returned_from in cols else received
    cells = {
        "collected_day": (letter, header),
        "returned_day": (back.letter, back.header),
        "collected": (letter, header),
        "returned": (back.letter, back.header),
    }
    row = daily["row"].to_numpy(np.int64) if len(daily) else np.zeros(0, np.int64)
    out = pd.DataFrame(
        {
            "row": np.where(row > 0, row, counts.first_row).tolist(),
            "sheet": sheet.name or "",
            "province": each_distinct(daily["province"], lambda p: p or province_ctx),
            "district": each_distinct(daily["district"], lambda d: d or district_ctx),
            "commune": each_distinct(daily["commune"], commune_name),
            "code": None,
            "date": daily["date"].to_numpy(dtype=object),
            "cells": [cells] * len(daily),
            "collected_day": daily["collected_day"].to_numpy(np.int64),
            "returned_day": daily["returned_day"].to_numpy(np.int64),
        }
    )
    if counts.daily.empty and counts.rows == 0:
        report.problems.append(
            Problem.of(
                "no_rows",
                "tệp xuất không có hồ sơ nào có xã/phường và ngày thu nhận.",
                sheet=sheet_name,
            )
        )
    return counts, out


def cumulate_records(
    daily: pd.DataFrame,
    counts: records.RecordCounts,
    keys_of: dict,
    report: ImportReport,
    stored: pd.DataFrame | None,
) -> pd.DataFrame:
    """Daily counts of an export → cumulative collected (and returned) for every day.

    The export is taken to cover every application of its units from its first day.
    When the store already holds a cumulative figure for a unit dated before that day,
    the file's counts are added onto the last such figure (the export continues an
    earlier report); otherwise they start from zero.

    `daily`: unit_key, date, collected_day, returned_day (places that resolve to one
    unit are added up here); `stored`: the store's current observations of its units.

    Long on purpose: one units × days grid built once and cumulated per metric; its shapes and
    baselines are shared by the steps.
    """
    if daily.empty:
        return pd.DataFrame(columns=["unit_key", "date", "metric", "value"])
    # Performance: a units × days grid of integer arrays (each unit gets every
    # day of the export's span, zero where it has no record), summed with bincount and
    # added up with cumsum; the pandas groupby, reindex and cumsum this replaces gave the
    # same figures.
    unit_code, units = pd.factorize(daily["unit_key"], sort=True)
    units = list(units)
    day = daily["date"].to_numpy("datetime64[D]")
    first, last = day.min(), day.max()
    span = int((last - first) // np.timedelta64(1, "D")) + 1
    cell = unit_code.astype(np.int64) * span + (day - first) // np.timedelta64(1, "D")

    def grid(column: str) -> np.ndarray:
        # Counts are whole numbers far below 2**53: bincount's float sums are exact.
        summed = np.bincount(cell, weights=daily[column].to_numpy(np.float64), minlength=len(units) * span)
        return summed.astype(np.int64).reshape(len(units), span)

    first, last = pd.Timestamp(first), pd.Timestamp(last)
    baseline_c = pd.Series(0, index=units, dtype="int64")
    baseline_r = pd.Series(0, index=units, dtype="int64")
    if stored is not None:
        if not stored.empty:
            before = stored[stored["date"] < first].sort_values("date")
            last_values = before.groupby(["unit_key", "metric"])["value"].last()
            for (unit, metric), value in last_values.items():
                if metric == "collected":
                    baseline_c[unit] = int(value)
                elif metric == "returned":
                    baseline_r[unit] = int(value)
    days = pd.date_range(first, last, freq="D")
    unit_col = np.repeat(np.asarray(units, dtype=object), span)
    date_col = np.tile(days.to_numpy(), len(units))

    def cumulative(counts: np.ndarray, baseline: pd.Series, metric: str) -> pd.DataFrame:
        values = np.cumsum(counts, axis=1) + baseline.to_numpy(np.int64)[:, None]
        return pd.DataFrame(
            {"unit_key": unit_col, "date": date_col, "value": values.ravel(), "metric": metric}
        )

    # The day's count is stored beside the running total, as a table's "Trong ngày" is: the
    # export knows it exactly, while the difference from the day before is right only when
    # the store holds that very day (a one-day export continuing a figure of days ago gave a
    # day without its count).  Since a row holds every metric of its unit and day
    # (migration 8) it is a value in the same row, not a row more.
    collected_day = grid("collected_day")
    rows = [
        cumulative(collected_day, baseline_c, "collected"),
        pd.DataFrame(
            {
                "unit_key": unit_col,
                "date": date_col,
                "value": collected_day.ravel(),
                "metric": "collected_day",
            }
        ),
    ]
    if counts.has_return_dates:
        rows.append(cumulative(grid("returned_day"), baseline_r, "returned"))
    elif counts.statuses_returned:
        as_of = pd.Timestamp(report.report_date or last)
        totals = {}
        for item in counts.returned_total.itertuples(index=False):
            unit = keys_of.get((item.province, item.district, item.commune))
            if unit is not None:
                totals[unit] = totals.get(unit, 0) + int(item.returned)
        if totals or counts.statuses_returned:
            rows.append(
                pd.DataFrame(
                    {
                        "unit_key": units,
                        "date": as_of,
                        "value": [baseline_r[u] + totals.get(u, 0) for u in units],
                        "metric": "returned",
                    }
                )
            )
    base_units = int(((baseline_c > 0) | (baseline_r > 0)).sum())
    if report.record_export is not None:
        report.record_export["baseline_units"] = base_units
    if base_units:
        report.problems.append(
            Problem.of(
                "records_continue_stored",
                f"{base_units} đơn vị đã có lũy kế trước ngày {date_vn(first)} trong cơ sở dữ liệu; số hồ sơ "
                "trong tệp được cộng tiếp vào lũy kế đó (tệp được hiểu là chỉ gồm hồ sơ từ ngày đầu của tệp).",
            )
        )
    out = pd.concat(rows, ignore_index=True)
    out["date"] = pd.to_datetime(out["date"])
    return out
