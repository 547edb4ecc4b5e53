"""Lists of the people of a group — pupils per school and grade, the elderly of a commune,
the residents a survey (rà soát) found still without a card — as dated denominators of
parts (docs/data-model.md, "Breakdowns").

A list is a table with a commune column, a count of people ("Sĩ số", "Số người cao tuổi",
"Số công dân chưa có CCCD") and what group they are: a breakdown column ("Nhóm đối
tượng", "Nơi cư trú"), a grade ("Lớp 12": pupils of that grade, a school's rows added up
per commune), or the count's own header ("Số người cao tuổi").  Its date is a date column,
else the report's date line or file name.  A count that says "chưa có / rà soát" is of
the people still to serve on that day (`remaining`), any other of the whole group
(`population`).
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from cccd_analytics import dimensions
from cccd_analytics.ingest import headers, normalise
from cccd_analytics.ingest import layout as layouts
from cccd_analytics.ingest.readers import Sheet
from cccd_analytics.ingest.report import ImportReport, Problem
from cccd_analytics.ingest.rows import (
    RECORD_COLUMNS,
    VALUE_ORDER,
    commune_name,
    date_for_sheet,
)
from cccd_analytics.ingest.sheet_context import authorities_and_title


def denominator_records(
    sheet: Sheet, found: layouts.Layout, file_name: str, report: ImportReport, report_date: date | None
) -> pd.DataFrame | None:
    """The rows of a denominator list as part rows with only an `eligible` figure (the
    columns `frame_of` gives, plus dimension, part, den_kind and detail).

    Long on purpose: one pass over the rows, each read into the same output columns with
    what the sheet settled once (the kind of count, the part its header names, the date,
    the letterhead's places) held in local variables every row reads."""
    cols = found.columns
    sheet_name = sheet.name or None
    count_col = cols["denominator"]
    named = headers.denominator_value(count_col.header)
    kind = "remaining" if headers.is_remaining(count_col.header, found.title) else "population"
    dimension_cols = [(d, cols[d]) for d in dimensions.DIMENSIONS if d in cols]
    fallback = None
    if "date" not in cols:
        fallback, origin, source = date_for_sheet(found, file_name, report_date, report, sheet_name)
        if report.date_origin is None:
            report.date_origin, report.date_source, report.report_date = origin, source, fallback
    else:
        report.date_origin = report.date_origin or "column"
        report.date_source = report.date_source or f"cột {cols['date'].letter} «{cols['date'].header}»"
    province_ctx, district_ctx = authorities_and_title(found)
    out = {name: [] for name in (*RECORD_COLUMNS, "eligible", "dimension", "part", "den_kind", "detail")}
    cells = {"eligible": (count_col.letter, count_col.header)}

    def cell(row, field):
        column = cols.get(field)
        return row[column.index] if column is not None and column.index < len(row) else None

    for index in range(found.first_data_row, len(sheet.rows)):
        row = sheet.rows[index]
        name = normalise.text(cell(row, "commune"))
        raw_count = cell(row, "denominator")
        if not name and raw_count in (None, ""):
            continue
        if raw_count in (None, "") and layouts.classify(row, found).kind == "footer":
            break  # signatures ("Người lập biểu"): a school's name is not one
        folded = layouts._label_key(name)
        if not name or any(folded == w or folded.startswith(w + " ") for w in layouts._TOTAL):
            continue  # a total row: the communes' rows are what is kept
        parsed = normalise.parse_count(raw_count)
        at = dict(sheet=sheet_name, row=index + 1, column=count_col.letter, header=count_col.header)
        if parsed.error or (parsed.value is not None and parsed.value < 0):
            report.problems.append(
                Problem.of(
                    "bad_number" if parsed.error else "negative",
                    (parsed.error or "số âm") + ".",
                    **at,
                )
            )
            continue
        if parsed.value is None:
            continue
        report.rows_read += 1
        grade_text = normalise.text(cell(row, "grade"))
        school = normalise.text(cell(row, "school"))
        value = dimension = None
        for d, column in dimension_cols:
            written = dimensions.canonical(d, row[column.index] if column.index < len(row) else None)
            if written:
                dimension, value = d, written
                break
        if value is None and grade_text:
            n = dimensions.grade(grade_text) or dimensions.grade(f"lớp {grade_text}")
            if n is None:
                number = normalise.parse_count(grade_text).value
                n = number if number and 1 <= number <= 12 else None
            if n is not None:
                dimension, value = "group", dimensions.pupils_of_grade(n)
        if value is None and named:
            dimension, value = named
        if value is None:
            report.problems.append(
                Problem.of(
                    "no_group",
                    "không rõ số người này thuộc nhóm nào: cần cột nhóm đối tượng (hoặc nơi cư trú), "
                    "cột lớp, hoặc tiêu đề cột số ghi rõ nhóm (ví dụ «Số người cao tuổi»).",
                    **at,
                )
            )
            continue
        when = fallback
        if "date" in cols:
            parsed_date = normalise.parse_date(cell(row, "date"))
            if parsed_date.error or parsed_date.value is None:
                report.problems.append(
                    Problem.of(
                        "bad_date",
                        (parsed_date.error or "thiếu ngày") + ".",
                        sheet=sheet_name,
                        row=index + 1,
                        column=cols["date"].letter,
                        header=cols["date"].header,
                    )
                )
                continue
            when = parsed_date.value
        if when is None:
            report.needs_date = True
            report.problems.append(
                Problem.of(
                    "no_date",
                    "không xác định được ngày của danh sách: không có cột ngày, dòng «… ngày …» hay "
                    "ngày trong tên tệp. Hãy cho biết ngày của danh sách.",
                    sheet=sheet_name,
                    row=index + 1,
                )
            )
            break
        out["row"].append(index + 1)
        out["sheet"].append(sheet.name or "")
        out["province"].append(normalise.text(cell(row, "province")) or province_ctx)
        out["district"].append(normalise.text(cell(row, "district")) or district_ctx or "")
        out["commune"].append(commune_name(name))
        out["code"].append(normalise.text(cell(row, "commune_code")) or None)
        out["date"].append(when)
        out["cells"].append(cells)
        out["eligible"].append(parsed.value)
        out["dimension"].append(dimension)
        out["part"].append(value)
        out["den_kind"].append(kind)
        out["detail"].append(
            ", ".join(filter(None, [school, f"lớp {grade_text}" if grade_text and school else ""])) or None
        )
    if not out["row"]:
        return None
    frame = pd.DataFrame({k: pd.Series(v, dtype=object) if k != "row" else v for k, v in out.items()})
    for metric in VALUE_ORDER:
        if metric not in frame:
            frame[metric] = None
    return frame
