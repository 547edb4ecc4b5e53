"""A workbook → the rows of its tables and exports: each sheet's layout (found, chosen by
hand or remembered for the header's shape), then its rows (`rows`) or its records
(`record_export`)."""

from __future__ import annotations

import copy
import dataclasses
import re
from datetime import date

import pandas as pd

from cccd_analytics import registry
from cccd_analytics.ingest import (
    canonical,
    headers,
    normalise,
    one_unit,
    sheet_context,
    sheet_per_day,
    stacked,
    turned,
    wide,
)
from cccd_analytics.ingest import layout as layouts
from cccd_analytics.ingest.denominators import denominator_records
from cccd_analytics.ingest.readers import Limits, ReadError, Sheet, Workbook, read_workbook, whole
from cccd_analytics.ingest.readers.workbook import DOCUMENT_FORMATS
from cccd_analytics.ingest.record_export import record_export
from cccd_analytics.ingest.repair import locate, repair_sheet
from cccd_analytics.ingest.report import ImportReport, Problem
from cccd_analytics.ingest.rows import sheet_records
from cccd_analytics.ingest.unread_tables import warn_unread_tables
from cccd_analytics.store import Store
from cccd_analytics.text import date_vn, fold, thousands


def _columns_for_ui(labels: list[str], found: layouts.Layout | None) -> list[dict]:
    if found:
        # A split's count stands on its first part's column: the count names that column.
        fields = sorted(found.columns.items(), key=lambda item: not item[0].startswith(layouts.SPLIT_PREFIX))
        by_index = {c.index: f for f, c in fields}
    else:  # suggestions from the vocabulary for the columns it knows
        by_index = {i: headers.match(label) for i, label in enumerate(labels)}
        by_index = {i: f for i, f in by_index.items() if f in headers.MAPPABLE_FIELDS}
    return [
        dict(index=i, letter=layouts.column_letter(i), header=label, field=by_index.get(i))
        for i, label in enumerate(labels)
        if label or i in by_index
    ]


def _mapped_layout(
    rows: list[list],
    header_rows: tuple[int, ...],
    mapping: dict[str, int],
    found: layouts.Layout | None,
    file_name: str,
    report: ImportReport,
) -> layouts.Layout | None:
    """A layout from a column mapping chosen by hand (or remembered)."""
    width = max((len(r) for r in rows[: header_rows[-1] + 6]), default=0)
    labels = layouts.labels_of(rows, header_rows)
    bad = [f for f in mapping if f not in headers.MAPPABLE_FIELDS]
    out_of_range = [f for f, i in mapping.items() if not isinstance(i, int) or not 0 <= i < max(width, 1)]
    kind = "records" if "received_date" in mapping else "canonical" if "date" in mapping else "report"
    missing = []
    if "commune" not in mapping:
        missing.append("Xã")
    if kind != "records" and not set(mapping) & {"collected", "collected_day"}:
        missing.append("Lũy kế thu nhận")
    if bad or out_of_range or missing:
        parts = []
        if bad:
            parts.append("trường không biết: " + ", ".join(bad))
        if out_of_range:
            parts.append("cột không có trong tệp: " + ", ".join(out_of_range))
        if missing:
            parts.append("thiếu cột bắt buộc: " + ", ".join(missing))
        report.problems.append(
            Problem.of("bad_mapping", "cách ghép cột không dùng được (" + "; ".join(parts) + ").")
        )
        return None
    columns = {
        f: layouts.Column(
            i, f, labels[i] if i < len(labels) and labels[i] else headers.FIELD_LABELS.get(f, f)
        )
        for f, i in mapping.items()
    }
    if found and "row_number" in found.columns and found.columns["row_number"].index not in mapping.values():
        columns["row_number"] = found.columns["row_number"]
    return layouts.build(rows, header_rows, columns, kind, file_name)


def extract(
    book: Workbook,
    data: bytes,
    report: ImportReport,
    store: Store | None,
    mapping: dict[str, int] | None,
    report_date: date | None,
    limits: Limits,
):
    """Records of every sheet with a table; (records, per-record counts or None).

    Long on purpose: the layouts of all sheets are found first (the main one may take a
    remembered or chosen column mapping), then each sheet is read by its layout, and the no-
    table refusal needs both; the two loops share what the first found.
    """
    _scanned_pages_said(book, report)
    prepared = []
    for sheet in book.sheets:
        found = repair_sheet(sheet, report) if book.format != "csv" else locate(sheet.rows)
        found = _visible_over_hidden(sheet, found, report)
        _cut_headers_said(sheet, found, report, drawn=book.format == "pdf")
        _hidden_copies_left_out(sheet, found, report)
        header_rows = (
            found.header_rows if found else (layouts.candidate_header(sheet.rows) if sheet.rows else None)
        )
        prepared.append((sheet, found, header_rows))
    prepared = stacked.split(prepared, book, report)
    # Also with a column mapping: the columns the upload page offered were the turned ones.
    prepared = _turned_tables(prepared, report)
    windows = _campaign_windows(store)
    prepared = _one_unit_tables(prepared, report, report_date, book.file_name, windows)
    prepared = _other_subjects_left_out(prepared, report)
    if report.errors:
        return [], None
    per_day = sheet_per_day.date_sheets(prepared, book.file_name, report_date, windows, report)
    if report.errors:
        # Sheets whose days cannot be told apart (`sheet_per_day._copied_month`): each sheet
        # read on would add "no month" errors the refusal already explains.
        return [], None
    if per_day:
        prepared = sheet_per_day.leave_out(prepared, report)
    else:
        prepared = _hidden_left_out(prepared, report)
    prepared = _record_lists_beside_a_report(prepared, report)
    prepared, wide_found = _wide_tables(prepared, book, data, report, report_date, limits, windows)
    prepared = _companion_tables(prepared, book)
    if not per_day:
        _dated_by_the_workbook(prepared)
    prepared = _district_summaries_left_out(prepared, report)
    primary = next((i for i, p in enumerate(prepared) if p[1] is not None), None)
    if primary is None:
        primary = next((i for i, p in enumerate(prepared) if p[2]), None)
    if primary is not None and not wide_found:
        sheet, found, header_rows = prepared[primary]
        labels = found.labels if found else layouts.labels_of(sheet.rows, header_rows)
        report.signature = headers.signature(labels)
        report.columns = _columns_for_ui(labels, found)
        chosen, source = mapping, "user" if mapping else None
        if chosen is None and store is not None:
            chosen = store.find_mapping(report.signature)
            source = "remembered" if chosen else None
        if chosen:
            mapped = _mapped_layout(sheet.rows, header_rows, chosen, found, book.file_name, report)
            if mapped is None:
                return [], None
            prepared[primary] = (sheet, mapped, header_rows)
            report.mapping, report.mapping_source = dict(chosen), source
            report.columns = _columns_for_ui(mapped.labels, mapped)
    for sheet, found, _ in prepared:
        if found is not None and found.kind == "report" and _rows_are_districts(sheet.rows, found):
            column = found.columns["commune"]
            _refuse_district_table(
                report, sheet.name or None, column.index, column.header, found.first_data_row + 1
            )
            return [], None
    out: list[pd.DataFrame] = []  # the rows of tables, and of per-record exports
    counts = None
    located_any = False
    for sheet, found, _ in prepared:
        if found is None:
            continue
        located_any = True
        if report.sheet is None and not report.sheets_read:
            _describe(report, sheet, found)
        if sheet.name not in report.sheets_read or not report.sheets_read:
            report.sheets_read.append(sheet.name)
        report.column_aliases.setdefault(sheet.name or None, {}).update(sheet.aliases)
        if sheet.row_labels is not None:
            report.row_labels[sheet.name or None] = sheet.row_labels
        if _uncomputed_cells(sheet, found, report) or _merged_figures(sheet, found, report):
            continue
        if found.kind == "records":
            if counts is not None:
                continue  # one export per file: the sheets it goes on in were read with its first
            # An export that goes on in more sheets (an .xls sheet holds 65.536 rows): read as
            # one list, the sheets in their order.
            more = _more_record_sheets(prepared, sheet, found)
            report.sheets_read += [other.name for other, _ in more if other.name not in report.sheets_read]
            counts, recs = record_export(book, data, sheet, found, report, report_date, more)
            if len(recs):
                out.append(recs)  # a frame: rows of the export, counted per place and day
        else:
            # A plain canonical CSV is read column-wise (canonical.read), anything else, or
            # a file it declines, row by row.
            table = canonical.read(book, data, sheet, found, report, report_date, limits)
            if table is None:
                if not sheet.complete:
                    _read_whole(book, data, sheet, limits)
                read = denominator_records if found.kind == "denominators" else sheet_records
                table = read(sheet, found, book.file_name, report, report_date)
            if table is not None:
                out.append(table)
    _date_of_many_days(prepared, report, per_day, report_date)
    if book.format in DOCUMENT_FORMATS:
        report.tables = [
            dict(
                name=sheet.name,
                rows=sum(1 for _, r in sheet.row_labels or () if r),
                columns=max((len(r) for r in sheet.rows), default=0),
                pages=list(sheet.pages),
                read=sheet.name in report.sheets_read,
            )
            for sheet in book.sheets
        ]
        warn_unread_tables(book, report)
        if not book.sheets:
            report.problems.append(
                Problem.of(
                    "no_table",
                    ("trang web" if book.format == "html" else "văn bản")
                    + " không có bảng nào (cần bảng có cột tên xã/phường và cột số hồ sơ đã thu nhận).",
                )
            )
            return out, counts
    if not located_any and not (wide_found and report.errors):
        names = ", ".join(f"«{s.name}»" for s in book.sheets if s.name) or "tệp"
        report.needs_mapping = primary is not None
        found_columns = [c["header"] for c in report.columns if c["header"]][:20]
        seen = (
            "các cột tìm thấy: " + ", ".join(f"«{h}»" for h in found_columns)
            if found_columns
            else "không thấy dòng tiêu đề cột nào"
        )
        fields = {c["field"] for c in report.columns}
        split = _split_by_sex(prepared[primary] if primary is not None else None, report.columns)
        if split is not None:
            column, below, at = split
            report.problems.append(
                Problem.of(
                    "no_table",
                    f"cột {column['letter']} «{column['header']}» chỉ chia theo giới («{below}» ở dòng dưới), "
                    "không có cột cộng cả nam và nữ; không lấy số của một giới làm số của xã. Hãy thêm "
                    f"cột «Cộng» dưới «{column['header']}» (hoặc ghi tổng vào một cột), rồi tải lên lại."
                    if headers.sex_part(below)
                    else f"cột {column['letter']} «{column['header']}» chỉ chia thành từng phần («{below}» ở "
                    "dòng dưới), không có cột tổng số; không lấy số của một phần làm số của xã. Hãy thêm "
                    f"cột «Tổng số» dưới «{column['header']}» (hoặc ghi tổng vào một cột), rồi tải lên lại.",
                    sheet=prepared[primary][0].name or None,
                    row=at,
                    column=column["letter"],
                )
            )
            return out, counts
        if "district" in fields and "commune" not in fields and fields & {"collected", "collected_day"}:
            district = next(c for c in report.columns if c["field"] == "district")
            header_rows = prepared[primary][2] if primary is not None else None
            _refuse_district_table(
                report,
                prepared[primary][0].name if primary is not None else None,
                district["index"],
                district["header"],
                header_rows[-1] + 2 if header_rows else None,
            )
            return out, counts
        issued = _issued_columns(report.columns)
        if issued:
            letters = ", ".join(f"cột {c['letter']} «{c['header']}»" for c in issued)
            report.problems.append(
                Problem.of(
                    "no_table",
                    f"không đọc được bảng: {letters} không cho biết đó là số hồ sơ đã thu nhận "
                    "hay số thẻ đã cấp xong (đã trả cho công dân), và bảng không có cột nào khác ghi số hồ "
                    "sơ đã thu nhận; không đoán. Hãy đổi tiêu đề cột thành «Lũy kế thu nhận» (hoặc «Đã thu "
                    "nhận») hay «Số thẻ đã trả», hoặc chọn cột này khi ghép cột ở trang Nhập số liệu, rồi "
                    "tải lên lại.",
                    sheet=prepared[primary][0].name or None if primary is not None else None,
                    row=prepared[primary][2][-1] + 1
                    if primary is not None and prepared[primary][2]
                    else None,
                    column=issued[0]["letter"],
                )
            )
            return out, counts
        sheet_turned = report.turned.get(prepared[primary][0].name or None) if primary is not None else None
        if sheet_turned is not None:
            # In the turned sheet's cells (`turned.show_as_sent` tells them as sent).
            problem = turned.unread(
                prepared[primary][0].name or None, sheet_turned, prepared[primary][0].rows
            )
            report.problems.append(problem)
            return out, counts
        if primary is not None and prepared[primary][0].row_labels is not None:
            # A document's table refused whole is named by its own rows, as the reader counts
            # them (it said the row of the laid-out text, past the table's end).
            report.row_labels[prepared[primary][0].name or None] = prepared[primary][0].row_labels
        cut = _cut_headings(prepared[primary][0]) if primary is not None and book.format == "pdf" else None
        if cut is not None:
            # Said before as a sheet without a header row, or as no table with the columns
            # listed: the header is there, cut by its cell's clip when printed to PDF.
            (row, column), texts = cut
            report.problems.append(
                Problem.of(
                    "no_table",
                    f"không đọc được bảng: tiêu đề {', '.join(f'«{t}»' for t in texts)} bị cắt mất chữ ở "
                    "mép ô khi in ra PDF, phần còn lại không cho biết các cột dưới nó ghi số liệu gì "
                    "(tên số liệu, hay tháng của các cột ngày). Hãy nới rộng cột hoặc cho tiêu đề xuống dòng "
                    "(Wrap Text) rồi in lại PDF, hoặc gửi tệp Excel gốc.",
                    sheet=prepared[primary][0].name or None,
                    row=row + 1,
                    column=layouts.column_letter(column),
                )
            )
            return out, counts
        headless = next(
            ((sheet, at) for sheet, _, _ in prepared if (at := _headless_rows(sheet.rows)) is not None),
            None,
        )
        if headless is not None:
            sheet, (at, example) = headless
            report.problems.append(
                Problem.of(
                    "no_table",
                    f"từ dòng {at + 1} có các dòng ghi tên xã (như «{example}») và số liệu, nhưng phía trên "
                    "không có dòng tiêu đề cột, nên không biết mỗi cột là số gì (dòng tiêu đề có thể đã bị "
                    f"xóa). Hãy thêm dòng tiêu đề ngay trên dòng {at + 1}, ví dụ «STT | Xã | Thu nhận trong "
                    "ngày | Lũy kế thu nhận», hoặc ghép cột ở trang Nhập số liệu, rồi tải lên lại.",
                    sheet=sheet.name or None,
                    row=at + 1,
                )
            )
            return out, counts
        undated = _records_without_day(report.columns)
        if undated is not None:
            # A list of applications with no day received (each sheet one day, the day in its
            # name or title): said as such, where the generic message asked for a count column.
            report.problems.append(
                Problem.of(
                    "no_table",
                    f"danh sách từng hồ sơ ({undated}) không có cột ngày thu nhận, nên không biết mỗi hồ sơ "
                    "được thu nhận ngày nào; ngày ghi ở tên trang hay ở tiêu đề không được dùng thay cho "
                    "cột ngày. Hãy xuất lại danh sách kèm cột «Ngày thu nhận» (hoặc thêm cột đó), hoặc "
                    "gửi báo cáo tổng hợp theo xã, rồi tải lên lại.",
                    sheet=prepared[primary][0].name or None if primary is not None else None,
                    row=prepared[primary][2][-1] + 1
                    if primary is not None and prepared[primary][2]
                    else None,
                )
            )
            return out, counts
        report.problems.append(
            Problem.of(
                "no_table",
                f"không tìm thấy bảng số liệu ({names}); {seen}. Cần ít nhất cột tên xã/phường "
                "(ví dụ «Xã», «Tên xã/phường/thị trấn», «Đơn vị hành chính») và cột số hồ sơ đã thu "
                "nhận (ví dụ «Lũy kế thu nhận», «Tổng số hồ sơ đã thu nhận», «Đã tiếp nhận»), hoặc "
                "cột ngày (bảng theo ngày, mỗi ngày một cột hoặc một trang); hoặc tệp xuất theo từng "
                "hồ sơ («Xã/Phường thường trú» hoặc «Nơi thường trú», «Ngày thu nhận», và một cột "
                "riêng của mỗi hồ sơ như «Số hồ sơ», «Họ và tên», «Ngày sinh» hoặc «Trạng thái»: "
                "thiếu nó, một danh sách xã và ngày có thể là lịch làm việc của tổ lưu động).",
                # At the row read as the header when there is one (its columns are those listed).
                sheet=prepared[primary][0].name or None if primary is not None else None,
                row=prepared[primary][2][-1] + 1 if primary is not None and prepared[primary][2] else None,
            )
        )
    return out, counts


def _records_without_day(columns: list[dict]) -> str | None:
    """The headers (quoted, a few) that make a header row a list of applications — a place
    and a column each application has of its own, its name, birth date, ID or number — when
    it has no day received; else None."""
    fields = {c["index"]: headers.match_record(c["header"]) for c in columns if c["header"]}
    if "received_date" in fields.values():
        return None
    if not {"commune", "address"} & set(fields.values()):
        return None
    own = [c["header"] for c in columns if fields.get(c["index"]) in ("record_id", "full_name", "id_number")]
    return ", ".join(f"«{h}»" for h in own[:3]) if own else None


def _headless_rows(rows: list[list]) -> tuple[int, str] | None:
    """(row index, its name) of the first of three or more rows that each hold a commune's
    name beside two figures or more, in a sheet where no header was found (`locate`): a
    table whose header row was deleted, told as such rather than by listing the letterhead
    as its columns."""
    found: list[tuple[int, str]] = []
    above: list[str] = []  # the texts of the last row with any, above the rows found
    for index, row in enumerate(rows[:400]):
        texts = [normalise.text(v).strip() for v in row]
        figures = sum(1 for t in texts if t and normalise.parse_count(t).value is not None)
        names = [t for t in texts if t and normalise.parse_count(t).value is None]
        if figures < 2 or not names:
            if not found and any(texts):
                above = [t for t in texts if t]
            continue
        if (
            not found
            and len(above) >= 3
            and not any(normalise.parse_count(t).value is not None for t in above)
        ):
            return None  # a row of three headers or more stands above: a header no field matched
        name = next((t for t in names if registry.names_a_commune(t)), None)
        if name is not None:
            found.append((index, name))
            if len(found) >= 3:
                return found[0]
    return None


def _turned_tables(prepared, report: ImportReport):
    """A sheet with no table that holds one turned on its side (units as columns, days or
    measures as rows) is turned back (`turned`) and its layout found on the turned rows;
    the report names its cells as they are in the file.  A column of the unit header row
    that is no unit and no total but holds figures is refused, never guessed."""
    out = []
    for sheet, found, header_rows in prepared:
        found_turned = turned.detect(sheet.rows, sheet.row_labels) if found is None and sheet.rows else None
        if found_turned is not None:
            refused = turned.unreadable_columns(sheet.name or None, sheet.rows, found_turned)
            if refused:
                report.problems.extend(_as_read_in(sheet, refused))
                continue
            labels = tuple(sheet.row_labels) if sheet.row_labels is not None else None
            found_turned = dataclasses.replace(found_turned, row_labels=labels)
            sheet = turned.turn(sheet, found_turned)
            report.turned[sheet.name or None] = found_turned
            found = locate(sheet.rows)
            header_rows = (
                found.header_rows
                if found
                else tuple(range(found_turned.header, found_turned.header + len(found_turned.labels)))
            )
        out.append((sheet, found, header_rows))
    return out


def _uncomputed_cells(sheet: Sheet, found: layouts.Layout, report: ImportReport) -> bool:
    """A column the table is read from holding cells calamine reads as blank though they
    hold a formula: saved without its value (an xlsx written by a script, never opened in
    Excel), or its error ("#REF!" where the formula lost the cell it pointed at).  Refused at
    the first such cell, so that no figure goes missing without a word; such cells elsewhere
    (a "Tỷ lệ" column nobody reads) change nothing."""
    refused = False
    for cells, kind in ((sheet.uncomputed, "uncomputed"), (sheet.errors, "error")):
        refused = _blank_formulas(sheet, found, report, sorted(cells), kind) or refused
    return refused


def _blank_formulas(
    sheet: Sheet, found: layouts.Layout, report: ImportReport, cells: list[tuple[int, int]], kind: str
) -> bool:
    read = {c.index: c for c in found.columns.values()}
    cells = [(r, c) for r, c in cells if c in read and r >= found.first_data_row]
    error = kind == "error"
    shown = ", ".join(sorted({f"«{sheet.errors[cell]}»" for cell in cells})) if error else ""
    if found.kind == "report":
        # A total or subtotal row is checked against its communes, never stored: its
        # formulas left uncomputed ("=SUM(C5:C24)") or in error only leave it unchecked.
        sums = {
            r
            for r in {r for r, _ in cells}
            if r < len(sheet.rows)
            and layouts.classify(_as_figures(sheet.rows[r], cells, r), found).kind in ("total", "subtotal")
        }
        if sums:
            first = min(sums)
            report.problems.append(
                Problem.of(
                    "formula_error_total" if error else "uncomputed_total",
                    f"{len(sums)} dòng tổng có ô lỗi công thức ({shown})"
                    if error
                    else f"{len(sums)} dòng tổng có công thức chưa được tính (tệp do một chương trình tạo ra, chưa "
                    "mở bằng Excel)"
                    " nên không đối chiếu được với các xã; số của từng xã vẫn được dùng.",
                    sheet=sheet.name or None,
                    row=first + 1,
                )
            )
            cells = [(r, c) for r, c in cells if r not in sums]
    if not cells:
        return False
    row, column = cells[0]
    report.problems.append(
        Problem.of(
            "formula_error" if error else "uncomputed_formula",
            f"{thousands(len(cells))} ô ghi lỗi công thức ({shown}) thay cho số: công thức trỏ tới ô đã xóa hoặc "
            "không tính được; hãy sửa công thức hoặc ghi số vào các ô này rồi tải lên lại."
            if error
            else f"{thousands(len(cells))} ô công thức chưa được tính nên không có số (tệp do một chương trình "
            "tạo ra, chưa mở bằng Excel); hãy mở tệp bằng Excel hoặc LibreOffice, lưu lại rồi tải lên lại.",
            sheet=sheet.name or None,
            row=row + 1,
            column=read[column].letter,
            header=read[column].header,
        )
    )
    return True


def _merged_figures(sheet: Sheet, found: layouts.Layout, report: ImportReport) -> bool:
    """A figure's cell merged down over several rows of the table ("Lũy kế" 4.375 over Kỳ
    Châu and Kỳ Tân): the figure is the first row's as read, the others' blank, though it is
    the rows' together and nothing says how it splits.  Refused at the merged cells."""
    if found.kind != "report" or not sheet.merged:
        return False
    read = {c.index: c for name, c in found.columns.items() if name in layouts.VALUE_FIELDS}
    name_at = found.columns["commune"].index if "commune" in found.columns else None
    for (top, left), (bottom, right) in sorted(sheet.merged):
        if bottom <= top or top < found.first_data_row:
            continue
        column = next((read[c] for c in range(left, right + 1) if c in read), None)
        if column is None:
            continue
        names = [
            normalise.text(sheet.rows[r][name_at])
            for r in range(top, min(bottom + 1, len(sheet.rows)))
            if name_at is not None and name_at < len(sheet.rows[r]) and normalise.text(sheet.rows[r][name_at])
        ]
        if len(names) < 2:
            continue
        where = f"ô {column.letter}{top + 1}:{column.letter}{bottom + 1}"
        labels = sheet.row_labels or []
        if bottom < len(labels) and labels[top][1] and labels[bottom][1]:
            # A Word table: its rows as counted in the table, not the sheet it is read as.
            where = f"ô cột {column.letter} từ dòng {labels[top][1]} đến dòng {labels[bottom][1]} của bảng"
        report.problems.append(
            Problem.of(
                "merged_figure",
                f"{where} gộp chung cho {len(names)} dòng "
                f"({', '.join(f'«{n}»' for n in names[:4])}): không rõ số của từng xã; hãy bỏ gộp ô và ghi số "
                "riêng cho từng xã rồi tải lên lại.",
                sheet=sheet.name or None,
                row=top + 1,
                column=column.letter,
                header=column.header,
            )
        )
        return True
    return False


def _as_figures(row: list, cells: list[tuple[int, int]], r: int) -> list:
    """Row r with its uncomputed formulas as figures (0), so that it is classified as the row
    of figures it is ("Tổng cộng" with its sums), not as a heading."""
    out = list(row)
    for at_row, column in cells:
        if at_row == r and column < len(out):
            out[column] = 0
    return out


def _more_record_sheets(prepared, first: Sheet, found: layouts.Layout) -> list[tuple[Sheet, int]]:
    """Other visible sheets holding more of the same per-record export, each with the index
    of its first record: with its header again (the rows under it), or without one, rows as
    wide whose day received reads as a day (from its first such row)."""
    out = []
    day_at = found.columns["received_date"].index
    width = len(found.labels)

    def dated(row) -> bool:
        return (
            len(row) >= width - 1
            and day_at < len(row)
            and normalise.parse_date(row[day_at]).value is not None
        )

    for sheet, other, _ in prepared:
        if sheet is first or sheet.hidden or not sheet.rows:
            continue
        if other is not None:
            if other.kind == "records" and other.labels == found.labels:
                out.append((sheet, other.first_data_row))
            continue
        head = [(i, r) for i, r in enumerate(sheet.rows[:20]) if any(normalise.text(v) for v in r)]
        rows = [i for i, r in head if dated(r)]
        if head and len(rows) * 2 > len(head):
            out.append((sheet, rows[0]))
    return out


# What a table of another campaign of the police's population work is about — the
# household forms (phiếu DC01, DC02) entered into the population database, electronic
# identity accounts (VNeID) — when its title, header or sheet name says so and none says the
# cards (CCCD): its "Trong ngày | Lũy kế" are that campaign's, read as applications before.
_OTHER_SUBJECT = re.compile(
    r"\bdc ?0?[12]\b|thong tin dan cu|phieu (?:thu thap|khai|dieu chinh)|dinh danh dien tu|vneid"
)
_CARDS_SUBJECT = re.compile(
    r"\bcccd\b|can cuoc|\bcmnd\b|chung minh nhan dan|thu nhan ho so|tra the|cap the|the da tra"
)


def _other_subject(sheet: Sheet, found: layouts.Layout) -> tuple[str, int] | None:
    """(title line, its row) when the table is of another subject than the cards."""
    top = found.header_rows[0]
    lines = [(layouts.line_of(row), r) for r, row in enumerate(sheet.rows[:top])]
    header = " ".join(normalise.text(c) for r in found.header_rows for c in sheet.rows[r])
    said = fold(" ".join([*(line for line, _ in lines if line), header, sheet.name or ""]))
    if not _OTHER_SUBJECT.search(said) or _CARDS_SUBJECT.search(said):
        return None
    titled = [(line, r) for line, r in lines if line and _OTHER_SUBJECT.search(fold(line))]
    return titled[0] if titled else (header, found.header_rows[0])


def _other_subjects_left_out(prepared, report: ImportReport):
    """A table of another subject (`_other_subject`) is left out beside a table of the
    cards, with a warning naming it; alone, it refuses the file saying what it is."""
    other = {}
    for i, (sheet, found, _) in enumerate(prepared):
        if found is not None and found.kind in ("report", "records"):
            subject = _other_subject(sheet, found)
            if subject is not None:
                other[i] = subject
    if not other:
        return prepared
    cards = any(found is not None and i not in other for i, (_, found, _) in enumerate(prepared))
    out = []
    for i, (sheet, found, header_rows) in enumerate(prepared):
        if i in other:
            title, row = other[i]
            what = f"bảng «{title}» không phải số liệu cấp căn cước công dân (hồ sơ thu nhận, thẻ đã trả)"
            if cards:
                report.sheet_left_out(sheet.name, f"không đọc trang này: {what}.", row=row + 1)
            else:
                advice = "Nếu đây đúng là báo cáo cấp CCCD, hãy ghi rõ «CCCD» hoặc «căn cước» ở tiêu đề bảng rồi tải lên lại."
                report.problems.append(
                    Problem.of(
                        "no_table", f"{what}; không đọc. {advice}", sheet=sheet.name or None, row=row + 1
                    )
                )
            found = None
        out.append((sheet, found, header_rows))
    return out


def _hidden_left_out(prepared, report: ImportReport):
    """A hidden sheet with a table beside a visible one is an old copy or a template: left
    out, with a warning naming it (a workbook whose tables are all hidden is read as it is)."""
    if not any(found is not None and not sheet.hidden for sheet, found, _ in prepared):
        return prepared
    out = []
    for sheet, found, header_rows in prepared:
        if found is not None and sheet.hidden:
            report.sheet_left_out(
                sheet.name,
                "không đọc trang này (trang ẩn: bản cũ hoặc mẫu); số liệu lấy ở các trang đang hiện.",
            )
            found = None
        out.append((sheet, found, header_rows))
    return out


def _record_lists_beside_a_report(prepared, report: ImportReport):
    """A workbook of a report (a row per commune) and, on another sheet, the list of the
    citizens behind it (a row per application: "Danh sách", the day's applicants): the report
    is read and the list left out, with a warning naming it.  Both were read, the report's rows
    counted as records among the list's, and the list's few days of applications, counted from
    zero, stored as every commune's running total instead of the report's (1.025 → 6), without
    a word.  The list holds only its own days; the report's running total is the figure."""
    tables = [(sheet, found) for sheet, found, _ in prepared if found is not None]
    reports = [sheet for sheet, found in tables if found.kind in ("report", "canonical")]
    if not reports or not any(found.kind == "records" for _, found in tables):
        return prepared
    out = []
    for sheet, found, header_rows in prepared:
        if found is not None and found.kind == "records":
            report.sheet_left_out(
                sheet.name,
                "không đọc trang này: là danh sách từng hồ sơ đi kèm bảng tổng hợp ở trang "
                f"«{reports[0].name}»; số liệu lấy theo bảng tổng hợp (danh sách chỉ có hồ sơ của các ngày "
                "trong danh sách, không có lũy kế từ đầu đợt).",
            )
            found = None
        out.append((sheet, found, header_rows))
    return out


def _district_summaries_left_out(prepared, report: ImportReport):
    """A province's workbook of a summary by district (a row per district) beside a sheet of
    communes per district: the communes' sheets are read and the summary left out, with a
    warning naming it (the districts are their communes' sums).  The summary alone refused
    the whole workbook as a table by district, its communes' sheets unread."""
    tables = [(sheet, found) for sheet, found, _ in prepared if found is not None and found.kind == "report"]
    by_district = {id(sheet) for sheet, found in tables if _rows_are_districts(sheet.rows, found)}
    communes = [sheet.name for sheet, _ in tables if id(sheet) not in by_district]
    if not by_district or not communes:
        return prepared
    named = ", ".join(f"«{name}»" for name in communes[:5] if name) + ("…" if len(communes) > 5 else "")
    out = []
    for sheet, found, header_rows in prepared:
        if id(sheet) in by_district:
            report.sheet_left_out(
                sheet.name,
                "không đọc trang này: bảng theo huyện (mỗi dòng một huyện/thị xã/thành phố); số liệu lấy "
                f"theo từng xã/phường ở các trang {named} (số của huyện là tổng các xã).",
                row=found.first_data_row + 1,
            )
            found = None
        out.append((sheet, found, header_rows))
    return out


def _dated_by_the_workbook(prepared) -> None:
    """Sheets of a table with no date of their own (no date line, day column or dated name)
    take the one date line the workbook's other sheets give: a province's summary dated
    "Số liệu tính đến … ngày 15/5/2023" beside each district's sheet of bare tables.  Each
    such sheet was refused as undated, though the workbook says its day once.  Sheets that
    give two days between them date none of the others (which day is meant is no guess)."""
    tables = [(sheet, found) for sheet, found, _ in prepared if found is not None and found.kind == "report"]
    dated = {
        found.report_date: (sheet, found)
        for sheet, found in tables
        if found.report_date is not None and found.date_line
    }
    undated = [
        found
        for _, found in tables
        if found.report_date is None
        and found.data_date is None
        and found.sheet_date is None
        and "date" not in found.columns
    ]
    if len(dated) != 1 or not undated:
        return
    day, (sheet, found) = next(iter(dated.items()))
    source = f"trang «{sheet.name}», {sheet_context.date_line_source(found)}"
    for other in undated:
        other.book_date = (day, source)


def _one_unit_tables(prepared, report: ImportReport, given=None, file_name: str = "", windows=()):
    """A sheet with no table that is one unit's own report (a row per day, the commune
    named above the table) gets the unit as columns after its last (`one_unit`), and its
    layout is found on those rows; every other cell keeps its place.  Its days without a
    year that nothing dates refuse the file saying so (it was "no table", which misled).
    Beside other sheets' table of communes, such a sheet takes the workbook's one date line
    (a district's summary dated "tính đến 15/3/2021" over a commune's log "11/3 … 15/3");
    still undated, it is left out with a warning naming it: the whole file was refused for
    a sheet it was read without before round 26."""
    out = []
    communes_elsewhere = any(found is not None for _, found, _ in prepared)
    lines = {
        found.report_date
        for _, found, _ in prepared
        if found is not None and found.report_date is not None and found.date_line
    }
    book_date = next(iter(lines)) if len(lines) == 1 else None
    for sheet, found, header_rows in prepared:
        if found is None and sheet.rows and (sheet.name or None) not in report.turned:
            unit = one_unit.detect(sheet, given, file_name, windows, book_date)
            if unit is not None and unit.undated is not None:
                problem = one_unit.undated_problem(sheet, unit)
                if communes_elsewhere:
                    report.sheet_left_out(
                        sheet.name,
                        "không đọc trang này: "
                        + problem.message.split(" Hãy ")[0]
                        + " Số liệu lấy ở các trang có bảng các xã, phường.",
                        row=problem.row,
                    )
                else:
                    report.needs_date = True
                    report.problems.append(problem)
                out.append((sheet, found, header_rows))
                continue
            days_across, source, as_sent = None, sheet, sheet
            if unit is None:
                # Its days as columns: turned first into a row per day.
                days_across = one_unit.detect_across(sheet)
                if days_across is not None:
                    source = turned.turn(sheet, days_across)
                    unit = one_unit.detect(source, given, file_name, windows, book_date)
                    unit = None if unit is not None and unit.undated is not None else unit
            listed = one_unit.detect_key_value(sheet) if unit is None and days_across is None else None
            if listed is not None:
                # A list of the unit's figures: turned back, its row is the unit's.
                key_value, unit = listed
                written = turned.turn(sheet, key_value)
                found_written = locate(written.rows)
                if found_written is not None:
                    labels = tuple(sheet.row_labels) if sheet.row_labels is not None else None
                    report.one_unit[sheet.name or None] = unit
                    report.turned[sheet.name or None] = dataclasses.replace(key_value, row_labels=labels)
                    sheet, found, header_rows = written, found_written, found_written.header_rows
                unit = None
            # Not beside a table of communes (a district's summary sheet over a sheet of each
            # commune's villages): the summary gives the communes, with their districts.
            by_place = (
                one_unit.detect_by_place(sheet)
                if unit is None and days_across is None and listed is None and not communes_elsewhere
                else None
            )
            if by_place is not None:
                # A commune's table by its villages: its total row is the commune's.
                written = one_unit.turn_by_place(sheet, by_place)
                found_written = locate(written.rows)
                if found_written is not None:
                    _villages_against_their_total(sheet, by_place, found_written, report)
                    sheet, found, header_rows = written, found_written, found_written.header_rows
                    report.one_unit[sheet.name or None] = by_place
            if unit is not None:
                written = one_unit.turn(source, unit)
                found_written = locate(written.rows)
                if found_written is not None:
                    sheet, found, header_rows = written, found_written, found_written.header_rows
                    report.one_unit[sheet.name or None] = unit
                    if days_across is not None:
                        labels = tuple(as_sent.row_labels) if as_sent.row_labels is not None else None
                        report.turned[sheet.name or None] = dataclasses.replace(
                            days_across, row_labels=labels
                        )
        out.append((sheet, found, header_rows))
    return out


def _villages_against_their_total(sheet: Sheet, unit, found: layouts.Layout, report: ImportReport) -> None:
    """A commune's table by village: each count of its total row (the one stored) checked
    against its villages' sum, as a total row is against its communes; a mismatch is a
    `subtotal_mismatch` warning at the total's cell (the villages are never stored)."""
    rows, total, villages = sheet.rows, unit.total_row, unit.villages
    for name in ("eligible", "collected_day", "collected", "returned_day", "returned"):
        column = found.columns.get(name)
        if column is None or column.index >= len(rows[total]):
            continue
        stated = normalise.parse_count(rows[total][column.index]).value
        parts = [
            normalise.parse_count(rows[k][column.index] if column.index < len(rows[k]) else None).value
            for k in villages
        ]
        if stated is None or not any(p is not None for p in parts):
            continue
        actual = sum(p or 0 for p in parts)
        if stated != actual:
            report.problems.append(
                Problem.of(
                    "subtotal_mismatch",
                    f"dòng tổng «{normalise.text(rows[total][unit.day_column])}» ghi {thousands(stated)} nhưng tổng "
                    f"{len(villages)} thôn, xóm là {thousands(actual)} (chênh "
                    f"{'+' if stated >= actual else '-'}{thousands(abs(stated - actual))}); số của dòng tổng được "
                    f"dùng làm số của {unit.name}.",
                    sheet=sheet.name or None,
                    row=total + 1,
                    column=column.letter,
                    header=column.header,
                )
            )


def _as_read_in(sheet: Sheet, problems: list[Problem]) -> list[Problem]:
    """Problems of a Word/PDF table, at its page and row as the reader counts them."""
    if sheet.row_labels is None:
        return problems
    out = []
    for p in problems:
        page, row = sheet.row_labels[p.row - 1] if p.row and p.row <= len(sheet.row_labels) else (None, p.row)
        out.append(dataclasses.replace(p, page=page, row=row, table=True))
    return out


def _split_by_sex(prepared, columns: list[dict]) -> tuple[dict, str, int] | None:
    """The header column of a count split "Nam | Nữ" with no total, the split's first cell
    and its row (1-based): the columns offered read under their parent ("Lũy kế thu nhận / Nam"), or a count's
    header with the split on the row under it (`layouts.split_by_sex`).  None when there is
    none."""
    if prepared is None or not prepared[2]:
        return None
    for column in columns:
        parent, _, own = column["header"].rpartition(" / ")
        if parent and layouts.splits_a_count(own) and headers.match(parent) in layouts.VALUE_FIELDS:
            return {**column, "header": parent}, own, prepared[2][-1] + 1
    sheet, _, header_rows = prepared
    named = {
        str(c["index"]): layouts.Column(c["index"], found, c["header"])
        for c in columns
        if (found := headers.match(c["header"])) in layouts.VALUE_FIELDS
    }
    split = layouts.split_by_sex(sheet.rows, tuple(header_rows), named)
    if not split:
        return None
    key, below = next(iter(split.items()))
    return next(c for c in columns if str(c["index"]) == key), below, header_rows[-1] + 2


def _issued_columns(columns: list[dict]) -> list[dict]:
    """Columns headed "Đã cấp" / "Số đã cấp" / "Đã cấp CCCD" that no field took, in a table
    with a commune column and no collected one: "đã cấp" is said of applications taken in
    and of cards made and handed over alike, so such a column is never read as either."""
    fields = {c["field"] for c in columns}
    if "commune" not in fields or fields & {"collected", "collected_day"}:
        return []
    out = []
    for column in columns:
        words = fold(column["header"] or "")
        if column["field"] is None and "da cap" in words and "chua" not in words:
            out.append(column)
    return out


_DISTRICT_TYPES = ("huyen ", "thi xa ", "thanh pho ", "quan ")
_COMMUNE_TYPES = ("xa ", "phuong ", "thi tran ")


def _rows_are_districts(rows: list[list], found: layouts.Layout) -> bool:
    """Whether the rows of a table's name column are districts ("TP. Vinh", "H. Quỳ Châu",
    "Thị xã Cửa Lò"), not communes: most rows with a figure name a district type and none
    a commune type.  A commune table's district subtotal rows are a few among many."""
    name_at = found.columns["commune"].index
    figures = [c.index for f, c in found.columns.items() if f in ("collected", "collected_day")]
    districts = communes = named = 0
    for row in rows[found.first_data_row :]:
        if name_at >= len(row) or not any(
            i < len(row) and normalise.parse_count(row[i]).value for i in figures
        ):
            continue
        name = registry.expand(normalise.text(row[name_at]))
        if not name or name.startswith(("tong", "cong", "toan")):
            continue
        named += 1
        districts += name.startswith(_DISTRICT_TYPES)
        communes += name.startswith(_COMMUNE_TYPES)
    return districts >= 2 and communes == 0 and districts * 2 > named


def _refuse_district_table(
    report: ImportReport, sheet: str | None, index: int, header: str, row: int | None = None
) -> None:
    """A district police summary, one row per district: figures are kept per commune
    (districts and the province are their sums), so the table cannot be stored as such.
    Said at the name column's first row of data."""
    report.problems.append(
        Problem.of(
            "no_table",
            f"bảng theo huyện (mỗi dòng một huyện/thị xã/thành phố, cột {layouts.column_letter(index)} "
            f"«{header}»), không phải theo xã/phường. Số liệu được lưu theo từng xã/phường (huyện và "
            "tỉnh là tổng của các xã); hãy gửi báo cáo chi tiết theo xã/phường.",
            sheet=sheet,
            row=row,
            column=layouts.column_letter(index),
        )
    )


def _read_whole(book: Workbook, data: bytes, sheet: Sheet, limits: Limits) -> None:
    """A report or canonical table is read whole (only per-record exports are streamed);
    such tables are small, so a big one is refused rather than read."""
    if book.format == "csv":
        if len(data) > limits.max_table_bytes:
            raise ReadError(
                f"bảng tổng hợp quá lớn ({len(data) / 2**20:.0f} MiB; tối đa "
                f"{limits.max_table_bytes // 2**20} MiB cho bảng theo xã/ngày) — hãy chia nhỏ tệp."
            )
        sheet.rows = read_workbook(whole(data), book.file_name, limits).sheets[0].rows
    else:
        if (sheet.height or 0) * max((len(r) for r in sheet.rows), default=1) > limits.max_table_cells:
            raise ReadError(
                f"trang «{sheet.name}»: bảng tổng hợp quá lớn (hơn "
                f"{thousands(limits.max_table_cells)} ô) — hãy chia nhỏ tệp."
            )
        sheet.rows = list(sheet.iter_rows())
        repair_sheet(sheet, ImportReport(""))
    sheet.complete = True


def _describe(report: ImportReport, sheet: Sheet, found: layouts.Layout) -> None:
    report.sheet = sheet.name or None
    report.kind = found.kind
    report.layout = found.description
    if report.mapping_source == "remembered":
        report.layout += ", cột theo cách ghép đã lưu cho mẫu tệp này"
    elif report.mapping_source == "user":
        report.layout += ", cột theo cách ghép người dùng chọn"
    report.header_rows = [r + 1 for r in found.header_rows]
    report.first_data_row = found.first_data_row + 1
    report.title = found.title
    report.authorities = list(found.authorities)


def _visible_over_hidden(sheet: Sheet, found: layouts.Layout | None, report: ImportReport):
    """The layout of a sheet whose figure was taken from a hidden column that a visible
    column names the same: the visible one.  A unit keeps yesterday's "Lũy kế thu nhận" out
    of sight beside today's, both headed alike; the first of a tie was taken, so yesterday's
    figures were stored as today's without a word.  What the sheet shows is what the unit
    reports.  Only a tie moves: a hidden column that alone names its figure is read as
    before, and the report says which column was left for which."""
    hidden = sheet.hidden_columns
    if found is None or not hidden or found.kind != "report":
        return found
    if not any(c.index in hidden for f, c in found.columns.items() if f in layouts.VALUE_FIELDS):
        return found
    shown = [list(row) for row in sheet.rows]
    for r in found.header_rows:
        for c in hidden:
            if c < len(shown[r]):
                shown[r][c] = None
    again = layouts.locate(shown, "")
    if again is None or again.header_rows != found.header_rows or set(again.columns) != set(found.columns):
        return found
    for field_name, column in list(found.columns.items()):
        instead = again.columns[field_name]
        if field_name in layouts.VALUE_FIELDS and column.index in hidden and instead.index not in hidden:
            found.columns[field_name] = dataclasses.replace(
                column, index=instead.index, header=instead.header
            )
            report.problems.append(
                Problem.of(
                    "hidden_column",
                    f"cột {column.letter} «{column.header}» bị ẩn; đã đọc cột {instead.letter} «{instead.header}» "
                    "đang hiện, cùng tên — kiểm tra lại nếu cột ẩn mới là số liệu đúng.",
                    sheet=sheet.name,
                    row=found.header_rows[-1] + 1,
                    column=column.letter,
                )
            )
    return found


def _scanned_pages_said(book: Workbook, report: ImportReport) -> None:
    """A PDF's scanned pages outside its tables (a signed copy after the report): not read,
    said page by page.  Read in silence before, whatever such a page held (an appendix, a
    correction signed by hand) was left out without a word."""
    pages = sorted({p for sheet in book.sheets for p in sheet.scanned_pages})
    for page in pages:
        report.problems.append(
            Problem.of(
                "scanned_page",
                "trang này là ảnh quét (không có lớp chữ), nằm ngoài bảng số liệu; nội dung của nó "
                "không được đọc (hệ thống không nhận dạng chữ từ ảnh). Nếu trang đó có số liệu (phụ lục, "
                "bản sửa), hãy gửi tệp Word/Excel gốc hoặc PDF xuất trực tiếp từ Word/Excel.",
                page=page,
            )
        )


def _cut_headers_said(
    sheet: Sheet, found: layouts.Layout | None, report: ImportReport, drawn: bool = False
) -> None:
    """A column of figures whose header was cut at its cell's edge (a PDF printed from
    Excel clips a cell's text: "Lũy kế t…") and names no figure by what is left: said at
    its header, since it is not read.  Left out in silence, a unit's day figures or its
    eligible citizens were missing with no word of why.  In a PDF (`drawn`), a column of
    figures on most rows under a header that names nothing known (letters drawn over each
    other, "khiuệ nnhận trong n") is said too; a share, a plan, a day, a note or a column
    the vocabulary knows to leave out is not."""
    if found is None or found.kind != "report":
        return
    rows = sheet.rows[found.first_data_row :]
    if drawn:
        _unheaded_figures_said(sheet, found, rows, report)
    periods = _cut_periods(sheet, found)
    for c, text in found.unmapped:
        if c in periods:
            text = f"{periods[c]} / {text}"
        cut = str(text).rstrip().endswith(headers.CUT_MARK) or c in periods
        if not cut and not drawn:
            continue
        cells = [row[c] for row in rows if c < len(row)]
        figures = sum(1 for v in cells if _figure_like(v))
        if not figures or (not cut and (2 * figures < len(rows) or _known_other(str(text)))):
            continue
        if _numbering(cells) and _may_number(str(text)):
            continue  # the rows' numbers ("ST" / "T" wrapped in a narrow column)
        report.problems.append(
            Problem.of(
                "cut_header",
                (
                    f"tiêu đề cột bị cắt mất chữ ở mép ô («{text}»), phần còn lại không cho biết cột ghi số "
                    "liệu gì, nên cột này không được đọc. Hãy nới rộng cột hoặc cho tiêu đề xuống dòng (Wrap "
                    "Text) rồi in lại PDF, hoặc gửi tệp Excel gốc."
                )
                if cut
                else (
                    f"cột có số liệu nhưng tiêu đề («{text}») không cho biết là số liệu gì (chữ có thể bị "
                    "cắt hoặc in chồng lên nhau trong PDF), nên cột này không được đọc. Hãy kiểm tra tiêu "
                    "đề cột, hoặc gửi tệp Excel/Word gốc."
                ),
                sheet=sheet.name,
                row=found.header_rows[-1] + 1,
                column=layouts.column_letter(c),
                header=str(text),
            )
        )


def _unheaded_figures_said(sheet: Sheet, found: layouts.Layout, rows: list, report: ImportReport) -> None:
    """A PDF table's column of counts on most rows with no header text at all, said at its
    header row and column.

    Without borders it is refused: a column of counts without a header is one whose header
    the reader put over another column, whose figures were then stored under it ("Lũy kế"
    over the eligible citizens, 3.100 stored as the running total) while these were left
    out, both in silence.  In a ruled table the cells are drawn and a blank header cell is
    blank: the column is not read, and said (`unheaded_column`, a warning), not refused.
    Never asked, since they are no count a header could have been taken from: the rows'
    numbers ("1", "1.", "1.1"), communes' codes beside the names ("18757", in the GSO list)
    and shares ("33,1", "33,1%")."""
    header_row = found.header_rows[-1]
    labels = sheet.row_labels or []
    page = labels[header_row][0] if header_row < len(labels) else None
    borderless = page is not None and page in sheet.borderless_pages
    used = {col.index for col in found.columns.values()}
    names = {col.index for name, col in found.columns.items() if name in ("commune", "district", "province")}
    width = max((len(row) for row in rows), default=0)
    for c in range(width):
        label = found.labels[c] if c < len(found.labels) else ""
        if c in used or str(label or "").strip():
            continue
        cells = [row[c] for row in rows if c < len(row)]
        figures = sum(1 for v in cells if _figure_like(v))
        if figures < 2 or 2 * figures < len(rows) or _numbering(cells) or _shares(cells):
            continue
        if ({c - 1, c + 1} & names) and _codes(cells):
            continue
        where = dict(sheet=sheet.name, row=header_row + 1, column=layouts.column_letter(c))
        problem = (
            Problem.of(
                "unheaded_figures",
                "cột có số liệu nhưng không có tiêu đề cột nào ở trên (bảng không kẻ khung trong PDF): không rõ "
                "tiêu đề nào thuộc cột này và tiêu đề của cột bên cạnh có thể đã bị đọc nhầm sang, nên không nhận "
                "tệp để khỏi ghi nhầm cột. Hãy in lại PDF có kẻ khung (Page Layout → Print Gridlines), hoặc gửi "
                "tệp Excel/Word gốc.",
                **where,
            )
            if borderless
            else Problem.of(
                "unheaded_column",
                "cột có số liệu nhưng ô tiêu đề để trống, không rõ là số liệu gì, nên cột này không được đọc. "
                "Nếu đó là số cần báo cáo, hãy ghi tiêu đề cột rồi gửi lại.",
                **where,
            )
        )
        # (a refusal is placed at its page and row here; a warning, as `cut_header`, later)
        report.problems += _as_read_in(sheet, [problem]) if borderless else [problem]


def _cut_periods(sheet: Sheet, found: layouts.Layout) -> dict[int, str]:
    """Columns under a day heading cut at its cell's edge ("THÁNG…" over "10 | 11 | 12"), each
    → that heading: the row just above the header, a merged heading's text in its first
    cell. Its month gone, the day numbers under it name no day, and the columns were left
    out in silence (the running total stored alone)."""
    above = found.header_rows[0] - 1
    if above < 0 or above >= len(sheet.rows):
        return {}
    out: dict[int, str] = {}
    heading = ""
    header = sheet.rows[found.header_rows[0]]
    for c, value in enumerate(sheet.rows[above]):
        text = normalise.text(value)
        heading = text or heading
        under = normalise.text(header[c]) if c < len(header) else ""
        if not heading.rstrip().endswith(headers.CUT_MARK):
            continue
        if normalise.day_alone(under) is not None or under.rstrip().endswith(headers.CUT_MARK):
            out[c] = heading
        elif text == "":
            heading = ""
    return out


def _cut_headings(sheet: Sheet) -> tuple[tuple[int, int], list[str]] | None:
    """The header cells cut at their cell's edge ("THÁNG…", "Ngày…") above the first row of
    figures of a table that was not found: ((row, column) of the first, their texts, a few);
    None when none is cut."""
    cut: list[tuple[int, int, str]] = []
    for r, row in enumerate(sheet.rows[: layouts.HEADER_SCAN_ROWS]):
        texts = [normalise.text(v) for v in row]
        if sum(1 for t in texts if _figure_like(t)) >= 3 and any(t and not _figure_like(t) for t in texts):
            break  # the first row of figures (a commune and its counts)
        cut += [(r, c, t) for c, t in enumerate(texts) if t.rstrip().endswith(headers.CUT_MARK)]
    if not cut:
        return None
    return (cut[0][0], cut[0][1]), list(dict.fromkeys(t for _, _, t in cut))[:3]


def _may_number(text: str) -> bool:
    """Whether a header, cut or not, may be the rows' numbers' ("STT", "TT", "Số TT", "ST…"), its
    letters broken over lines in a narrow column too ("ST T", "S TT")."""
    key = re.sub(r"[^a-z0-9]+", "", fold(text).lower())
    return not key or any(n.startswith(key) or key.startswith(n) for n in ("stt", "tt", "sott", "sothutu"))


def _numbering(cells: list) -> bool:
    """Cells that number the rows: 1, 2, 3 … (starting again at 1 in each group), written
    "1." or "1)" too, or by parts: "1.1", "1.2", "2.1" (a part of at most two digits, so that
    "1.025" stays a count)."""
    if all(re.fullmatch(r"\s*\d{1,4}(?:\.0)?\s*", str(v or "")) for v in cells if str(v or "").strip()):
        numbers = [int(float(v)) for v in cells if str(v or "").strip()]
        return len(numbers) >= 2 and all(b in (a + 1, 1) for a, b in zip(numbers, numbers[1:]))
    parts = []
    for v in cells:
        m = re.fullmatch(r"\s*(\d{1,2}(?:\.\d{1,2})*)[.)]?\s*", str(v or ""))
        if m:
            parts.append([int(p) for p in m.group(1).split(".")])
    return len(parts) >= 2 and all(_next_number(a, b) for a, b in zip(parts, parts[1:]))


def _next_number(a: list[int], b: list[int]) -> bool:
    """Whether row number `b` may follow `a`: one of a's parts counted on, the deeper ones
    dropped or starting at 1 ("1.2" → "1.3", "2", "2.1"; "1" → "1.1"), or 1 again (a new group)."""
    if b == [1]:
        return True
    for k in range(len(a) + 1):
        if b[:k] != a[:k] or len(b) <= k:
            break
        head, rest = b[k], b[k + 1 :]
        if all(p == 1 for p in rest) and head == (a[k] + 1 if k < len(a) else 1):
            return True
    return False


def _shares(cells: list) -> bool:
    """Cells that are shares, not counts: on most, a decimal part of one or two digits or a
    "%" ("33,1", "33,15%", "100%"); a count's groups are of three digits."""
    texts = [str(v).strip() for v in cells if isinstance(v, str) and v.strip()]
    if not texts or not all(re.fullmatch(r"\d{1,3}(?:[.,]\d{1,2})?\s*%?", t) for t in texts):
        return False
    return 2 * sum(1 for t in texts if t.endswith("%") or re.search(r"[.,]\d{1,2}$", t)) >= len(texts)


def _codes(cells: list) -> bool:
    """Cells that are communes' codes (the GSO list's "18757"): digits alone, none twice,
    each a commune's code in the registry.  Digits alone are not enough: a day's counts
    ("17", "24") beside the names under a blank header are counts a header was taken from."""
    texts = [str(v).strip() for v in cells if str(v or "").strip()]
    return (
        len(texts) >= 2
        and len(set(texts)) == len(texts)
        and all(
            re.fullmatch(r"\d{5}", t)
            and (registry.commune_of_code(t, "3") or registry.commune_of_code(t, "2"))
            for t in texts
        )
    )


def _known_other(text: str) -> bool:
    """A header that names something other than a figure read here: a share, a plan or
    target, a part of a count (by sex), a day, a note, or a column the vocabulary leaves out
    ("Số CD chưa thu nhận", "Ghi chú")."""
    own = text.rsplit(" / ", 1)[-1]
    return (
        headers.share_label(text)
        or headers.plan_label(text)
        or headers.sex_part(own)
        or headers.match_denominator(own) is not None
        or normalise.day_label(own) is not None
        or normalise.day_alone(own) is not None
        or any(f" {w} " in f" {headers.full_key(text)} " for w in headers.WORDS["not_a_count"])
        or not headers.key(text)
    )


def _figure_like(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    return isinstance(value, str) and re.fullmatch(r"\s*\d[\d.,\s]*", value) is not None


def _hidden_copies_left_out(sheet: Sheet, found: layouts.Layout | None, report: ImportReport) -> None:
    """Rows the sheet hides that name a commune a shown row of the table names too: an old
    copy kept out of sight (yesterday's block under today's, or a row under each commune).
    They are blanked, so only what the sheet shows is read, and a warning names them; both
    were read, and the file refused as two values of one commune a day.  A hidden row whose
    commune no shown row names (rows an autofilter hides) is read as before."""
    hidden = sheet.hidden_rows
    if found is None or not hidden or found.kind not in ("report", "canonical") or not sheet.complete:
        return
    name_at = found.columns["commune"].index
    figures = [c.index for f, c in found.columns.items() if f in layouts.VALUE_FIELDS]
    day_at = found.columns["date"].index if "date" in found.columns else None
    district_at = found.columns["district"].index if "district" in found.columns else None

    def cell(row: list, at: int | None) -> str:
        return " ".join(fold(normalise.text(row[at])).split()) if at is not None and at < len(row) else ""

    # A commune is a copy only of the same name in the same district: the district's column,
    # else the last district heading or sum above it ("Xã Bắc Sơn" of Quỳ Hợp and of Đô
    # Lương are two communes, and an autofilter hiding Đô Lương's rows hides no copy).
    keys: dict[int, tuple] = {}
    section = written = ""
    for r in range(found.first_data_row, len(sheet.rows)):
        row = sheet.rows[r]
        # A district's cell merged down (or written once) over its communes: carried down.
        written = cell(row, district_at) or written
        if name_at >= len(row) or not normalise.text(row[name_at]):
            continue
        kind = layouts.classify(row, found)
        if kind.kind == "subtotal":
            section = fold(kind.district or kind.label or "")
            continue
        if kind.kind != "commune" or not any(
            i < len(row) and normalise.parse_count(row[i]).value is not None for i in figures
        ):
            continue
        keys[r] = (cell(row, name_at), cell(row, day_at), written or section)

    shown = {k for r, k in keys.items() if r not in hidden}
    copies = [r for r, k in keys.items() if r in hidden and k in shown]
    if not copies:
        return
    for r in copies:
        sheet.rows[r] = []
    listed = ", ".join(str(r + 1) for r in copies[:10]) + (", …" if len(copies) > 10 else "")
    report.problems.append(
        Problem.of(
            "hidden_row",
            f"{len(copies)} dòng bị ẩn (dòng {listed}) ghi lại xã/phường đã có ở dòng đang hiện; đã đọc dòng "
            "đang hiện, không đọc dòng ẩn — kiểm tra lại nếu dòng ẩn mới là số liệu đúng.",
            sheet=sheet.name or None,
            row=copies[0] + 1,
            column=found.columns["commune"].letter,
        )
    )


def _campaign_windows(store) -> list[tuple[date, date]]:
    """(start, deadline) of the stored campaigns: a year a day label leaves out may be the
    one a campaign runs in."""
    if store is None:
        return []
    windows = []
    for item in store.campaign_definitions():
        try:
            deadline = date.fromisoformat(str(item["deadline"])[:10])
            start = date.fromisoformat(str(item.get("start") or item["deadline"])[:10])
        except (KeyError, ValueError):
            continue
        windows.append((start, deadline))
    return windows


def _wide_tables(prepared, book: Workbook, data, report: ImportReport, given, limits: Limits, windows):
    """Each wide sheet (one column per day) → one (sheet, layout) per day."""
    out, wide_found = [], False
    # A sheet left out (hidden, a summary beside a sheet per day) has no layout any more, as
    # a sheet without a table has none: read as wide from its rows again, a hidden old copy's
    # days were stored after the warning that it was not read, and a "Tổng hợp" of days
    # without their year refused the workbook.
    left_out = {p.sheet for p in report.problems if p.code == "sheet_skipped"}
    for sheet, found, header_rows in prepared:
        if found is None and (sheet.name or None) in left_out:
            out.append((sheet, found, header_rows))
            continue
        table = wide.detect(sheet.rows, found) if (found is None or found.kind != "records") else None
        if table is None:
            out.append((sheet, found, header_rows))
            continue
        wide_found = True
        if not sheet.complete:
            _read_whole(book, data, sheet, limits)
        anchor = (
            given or (found.data_date if found else None) or normalise.date_from_file_name(book.file_name)
        )
        blocks = wide.metric_blocks(sheet, table)
        said = ", ".join(f"«{section}» từ dòng {start + 1}" for _, section, start in blocks if section)
        for block, section, _ in blocks:
            part = copy.deepcopy(table) if len(blocks) > 1 else table
            if said:
                part.notes.append(f"các khối số liệu: {said}")
            days = wide.layouts_for(block, part, book.file_name, report, anchor, windows, section=section)
            if days is None:
                break
            out.extend((work, layout, layout.header_rows) for work, layout in days)
    return out, wide_found


def _companion_tables(prepared, book: Workbook):
    """In a report whose collected figures were found in one table — of a Word or PDF
    document, or a sheet of a workbook — another table of communes and cards handed over
    only ("2. Kết quả trả thẻ", a sheet "Trả thẻ") is read beside it: each gives its own
    measure of the same communes and day, so nothing is counted twice (a figure given in
    both is a conflict the checks refuse, naming both).  A workbook's returned sheet was
    left unread without a word until 6/12/2026."""
    if len(prepared) < 2 or not any(
        f is not None and f.kind == "report" and not f.companion for _, f, _ in prepared
    ):
        return prepared
    out = []
    for sheet, found, header_rows in prepared:
        if found is None:
            companion = layouts.locate_companion(sheet.rows, book.file_name)
            if companion is not None:
                found, header_rows = companion, companion.header_rows
        out.append((sheet, found, header_rows))
    return out


def _date_of_many_days(prepared, report: ImportReport, per_day: bool, given: date | None = None) -> None:
    """The report's date and where it came from when its days come from column headers or
    sheet names: the last day, and the span."""
    days = sorted({f.data_date for _, f, _ in prepared if f is not None and f.data_date is not None})
    origins = {f.data_date_origin for _, f, _ in prepared if f is not None and f.data_date is not None}
    if len(days) < 2 and given is None:
        # Tables each dated by a date line of its own (a PDF of a day per page, a workbook's
        # sheets each with its line): the rows took each its table's date; the report said
        # only the first.
        days = sorted({f.report_date for _, f, _ in prepared if f is not None and f.report_date is not None})
        origins = {"table_date_line"}
    if len(days) < 2:
        return
    if per_day:
        origin, where = "sheet_name", "tên các trang"
    elif origins == {"table_date_line"}:
        origin, where = "date_line", "dòng ngày số liệu của từng bảng"
    else:
        origin, where = "header", "tiêu đề các cột ngày"
    report.date_origin = origin
    report.date_source = f"{where} ({len(days)} ngày, {date_vn(days[0])} – {date_vn(days[-1])})"
    report.report_date = days[-1]
    if per_day and report.layout:
        report.layout = report.layout.replace("báo cáo tổng hợp", "mỗi trang một ngày", 1)
