"""Import: file → reader → layout → normaliser → validator → store (one transaction).

`import_file` / `import_bytes` never raise for bad input: they return an
`ImportReport` whose problems name the file, sheet, row and column in Vietnamese.  A
file with any error is refused whole and nothing is written; a file identical to an
earlier upload is a no-op.

Three kinds of file are read (docs/import.md):

* canonical tables — one row per commune and day, with a date column;
* reports as units send them — one row per commune, the date in a line above the
  table or in the file name, subtotal and total rows checked, never stored;
* per-record exports — one row per application, streamed and counted per commune and
  day (`records`); nothing personal is kept.

A table this module cannot name comes back `needs_mapping` with its `columns` and
header `signature`; `import_bytes(..., mapping={field: column index})` applies a
mapping chosen by hand and `remember_mapping` stores it for the next file of the same
shape, which then imports without help.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import gc
import hashlib
import os
import threading
from collections.abc import Callable
from dataclasses import fields
from datetime import date
from pathlib import Path

import pandas as pd

from cccd_analytics.ingest import file_types, normalise, one_unit, read_ahead, records, turned
from cccd_analytics.ingest.extract import extract
from cccd_analytics.ingest.observations import resolve_and_check
from cccd_analytics.ingest.readers import FileData, Limits, ReadError, read_workbook, sniff
from cccd_analytics.ingest.readers.workbook import STREAM_FROM_DISK_BYTES
from cccd_analytics.ingest.repair import note_text_encoding
from cccd_analytics.ingest.report import ImportReport, Problem
from cccd_analytics.ingest.rows import carry_of
from cccd_analytics.store import NewUpload, Store
from cccd_analytics.text import date_vn, moment_vn, thousands


def sha256_of(data) -> str:
    if isinstance(data, FileData):
        return data.sha256()
    return hashlib.sha256(data).hexdigest()


def import_file(store: Store | None, path: str | Path, **kwargs) -> ImportReport:
    path = Path(path)
    try:
        size = path.stat().st_size
        limits = kwargs.get("limits", Limits())
        if size > limits.max_bytes:
            return _refuse(
                ImportReport(file_name=path.name),
                Problem.of(
                    "too_large",
                    (f"tệp quá lớn ({size / 2**20:.0f} MiB; tối đa {limits.max_bytes // 2**20} MiB)."),
                ),
            )
        data = FileData(path, size)
        if size <= STREAM_FROM_DISK_BYTES or _binary_head(data.head(4096)):
            data = path.read_bytes()
    except OSError as exc:
        report = ImportReport(file_name=path.name)
        report.problems.append(Problem.of("unreadable", f"không mở được tệp ({exc.strerror})."))
        report.message = report.problems[0].describe(path.name)
        return report
    return import_bytes(store, data, path.name, **kwargs)


def _binary_head(head: bytes) -> bool:
    """A spreadsheet (zip or OLE) or anything `readers.sniff` does not take for text:
    read whole, as before; only text files are streamed from disk."""
    try:
        return sniff(head, "") != "csv"
    except ReadError:
        return True


def import_bytes(
    store: Store | None,
    data: bytes,
    file_name: str,
    *,
    uploaded_by: str | None = None,
    dry_run: bool = False,
    limits: Limits = Limits(),  # noqa: B008 - frozen dataclass, safe as a shared default
    mapping: dict[str, int] | None = None,
    report_date: date | None = None,
    hook: Callable[[str], None] | None = None,
    audit: dict | None = None,
    write: bool = True,
) -> ImportReport:
    """Check one file and, unless it has errors or `dry_run`, store it in one transaction.

    `write=False`: check it as for a write but stop before writing; a file that would be
    written comes back "checked" with `report.upload` ready for `write_checked` (how
    `batch` checks the next file while this one is written).

    `audit` ({"username": …, other details}): the audit-log entry of the upload, written
    in that same transaction (with its id, file name, rows and units), so that an upload
    and its entry exist together or not at all.

    `mapping` ({field: 0-based column index}) overrides the detected columns of the
    file's main table; without it a mapping remembered for the same header shape is
    applied.  `report_date` dates a report that has no date of its own.
    """
    report = ImportReport(file_name=file_name)
    wrong_type = file_types.refusal(file_name)
    if wrong_type:
        return _refuse(report, Problem.of("file_type", wrong_type))
    if len(data) > limits.max_bytes:
        return _refuse(
            report,
            Problem.of(
                "too_large",
                (f"tệp quá lớn ({len(data) / 2**20:.0f} MiB; tối đa {limits.max_bytes // 2**20} MiB)."),
            ),
        )
    if isinstance(data, FileData):
        # Performance: a big file on disk is hashed in a thread while it is read
        # (hashlib and the CSV parsers release the GIL); it is checked against earlier
        # uploads as soon as the hash is known, before anything is written.
        hashing = concurrent.futures.ThreadPoolExecutor(max_workers=1)
        pending = hashing.submit(_in_idle_time, data.sha256)
        hashing.shutdown(wait=False)
        try:
            with _collector_paused():
                report = _import_checked(
                    store,
                    data,
                    file_name,
                    uploaded_by,
                    dry_run,
                    limits,
                    mapping,
                    report_date,
                    hook,
                    pending,
                    audit=audit,
                    write=write,
                )
        finally:
            pending.result()
        return report
    report.sha256 = sha256_of(data)
    duplicate = _duplicate(store, report)
    if duplicate is not None:
        return duplicate
    with _collector_paused():
        return _import_checked(
            store,
            data,
            file_name,
            uploaded_by,
            dry_run,
            limits,
            mapping,
            report_date,
            hook,
            None,
            report,
            audit=audit,
            write=write,
        )


def _in_idle_time(function):
    """Run `function` (in this worker thread) at the lowest CPU priority: hashing a file
    beside Arrow's parser, which keeps every core busy, slowed the parse; at nice 19 the
    hash takes the cores the parse leaves, and the idle one while the rows are checked
    (Linux gives each thread its own nice value; elsewhere this just runs `function`)."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    except (AttributeError, OSError):
        pass
    return function()


@contextlib.contextmanager
def _collector_paused():
    """Python's cyclic garbage collector off while one file is imported: the import makes
    many short-lived objects and no reference cycles of note, and the collections it
    triggered scanned every object of the process (~0.05 s of a 1M-row export's 0.85 s).
    Process-wide: an import running beside this one may turn it back on, which is safe."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Pending:
    """The store as it will be once some checked files are written, for a dry run.

    An analyst drops several files at once and they are committed in order, each checked
    again against the store as it then is: file 2 meets file 1's figures.  Checking each
    file alone against today's store promised "ready to write" for files the commit then
    refused (a per-record export counted from zero below a report of the same days).
    `Pending(store, earlier)` answers what the import asks the store — the current value
    of each (unit, date, metric), a file already imported, a remembered column mapping —
    with the observations of `earlier` (checked reports, in commit order) laid over the
    store's, newest last, as writing them would.  Reads only; never written to.
    """

    def __init__(self, store: Store, earlier: list[ImportReport]):
        self._store = store
        self._earlier = [r for r in earlier if r.status == "checked" and r.observations is not None]
        self._names: dict[int, str] = {}

    def current_observations(self, as_of: date | None = None, unit_keys=None) -> pd.DataFrame:
        base = self._store.current_observations(as_of=as_of, unit_keys=unit_keys)
        if not self._earlier:
            return base
        # Numbered after the store's uploads, in commit order: the later file wins, as the
        # newer upload does.
        newest = int(base["upload_id"].max()) if len(base) else 0
        self._names = {newest + i: r.file_name for i, r in enumerate(self._earlier, start=1)}
        pending = pd.concat(
            [
                r.observations[["unit_key", "date", "metric", "value"]].assign(upload_id=newest + i)
                for i, r in enumerate(self._earlier, start=1)
            ],
            ignore_index=True,
        )
        pending["date"] = pd.to_datetime(pending["date"]).astype(base["date"].dtype)
        if unit_keys is not None:
            pending = pending[pending["unit_key"].isin(list(unit_keys))]
        if as_of is not None:
            pending = pending[pending["date"] <= pd.Timestamp(as_of)]
        both = pd.concat([base, pending], ignore_index=True)
        both = both.drop_duplicates(["unit_key", "date", "metric"], keep="last")
        return both.sort_values(["unit_key", "metric", "date"], kind="stable").reset_index(drop=True)

    def current_parts(
        self, as_of: date | None = None, unit_keys=None, dimension: str | None = None
    ) -> pd.DataFrame:
        """The store's parts with the earlier files' parts laid over them, as writing them
        would: a per-record export below a report counts its groups onto both."""
        base = self._store.current_parts(as_of=as_of, unit_keys=unit_keys, dimension=dimension)
        earlier = [r for r in self._earlier if r.parts is not None and len(r.parts)]
        if not earlier:
            return base
        newest = int(base["upload_id"].max()) if len(base) else 0
        pending = pd.concat(
            [r.parts.assign(upload_id=newest + i) for i, r in enumerate(earlier, start=1)],
            ignore_index=True,
        )
        pending = pending.astype({"unit_key": str, "dimension": str, "value": str})
        pending["date"] = pd.to_datetime(pending["date"])
        if unit_keys is not None:
            pending = pending[pending["unit_key"].isin({str(k) for k in unit_keys})]
        if dimension is not None:
            pending = pending[pending["dimension"] == dimension]
        if as_of is not None:
            pending = pending[pending["date"] <= pd.Timestamp(as_of)]
        both = pd.concat([base, pending[base.columns]], ignore_index=True)
        both["count"] = both["count"].astype("int64")
        both = both.drop_duplicates(["unit_key", "dimension", "value", "metric", "date"], keep="last")
        return both.sort_values(
            ["unit_key", "dimension", "value", "metric", "date"], kind="stable"
        ).reset_index(drop=True)

    def list_uploads(self) -> pd.DataFrame:
        """The store's uploads: a pending file is named by `file_of` before this is asked."""
        return self._store.list_uploads()

    def find_upload_by_sha(self, sha256: str) -> dict | None:
        return self._store.find_upload_by_sha(sha256)

    def file_of(self, upload_id) -> str | None:
        """The name of the pending file behind `upload_id` in current_observations (None
        for the store's own uploads)."""
        return self._names.get(upload_id)

    def find_mapping(self, signature: str):
        return self._store.find_mapping(signature)

    def campaign_definitions(self) -> list[dict]:
        return self._store.campaign_definitions()

    def part_values(self) -> set[tuple[str, str]]:
        return self._store.part_values()


def _duplicate(store: Store | None, report: ImportReport) -> ImportReport | None:
    """A report saying so when the same bytes were imported before (and are active)."""
    if store is None:
        return None
    earlier = store.find_upload_by_sha(report.sha256)
    if not earlier:
        return None
    report.status, report.upload_id = "duplicate", earlier["id"]
    report.message = (
        f"Tệp «{report.file_name}» giống hệt lần nhập số {earlier['id']} "
        f"(«{earlier['file_name']}», {moment_vn(earlier['uploaded_at'])}); "
        "không có gì thay đổi."
    )
    return report


_FIGURE_FIELDS = ("eligible", "collected", "collected_day", "returned", "returned_day")


def _no_rows(report: ImportReport, book=None) -> Problem:
    """A table found, but not one row of a commune with a figure: said at the table, with the
    columns it reads (a template sent before it was filled in has its communes' names).  When
    a figure's cell holds something that is not a number ("abc", "chưa báo cáo"), that cell
    is named instead: "the columns are empty" would send the analyst looking for blanks."""
    figures = [f"{c['letter']} «{c['header']}»" for c in report.columns if c.get("field") in _FIGURE_FIELDS]
    if report.sheet is None and report.first_data_row is None:
        return Problem.of("no_rows", "không có dòng số liệu nào của xã/phường.")
    text, number = _figure_cells(report, book)
    if text is not None or number is not None:
        row, column, value = text or number
        said = (
            f"ô số liệu ghi «{value}», không phải một số. Hãy ghi số (hoặc để trống ô chưa có "
            "số liệu) rồi tải lên lại."
            if text is not None
            else "bảng chỉ có số liệu ở dòng tổng hoặc dòng cộng, không có dòng của từng xã/phường. "
            "Hãy gửi số liệu của từng xã/phường."
        )
        return Problem.of(
            "no_rows",
            f"không có dòng số liệu nào của xã/phường: {said}",
            sheet=report.sheet,
            row=row,
            column=column["letter"],
            header=column["header"],
        )
    return Problem.of(
        "no_rows",
        "không có dòng số liệu nào của xã/phường: "
        + (f"các cột số liệu ({', '.join(figures[:5])}) đều trống" if figures else "không dòng nào có số")
        + " (có thể là mẫu báo cáo chưa điền). Hãy điền số liệu rồi tải lên lại.",
        sheet=report.sheet,
        row=report.first_data_row,
    )


def _figure_cells(report: ImportReport, book) -> tuple[tuple | None, tuple | None]:
    """Among the rows read under the table's figure columns: the first cell that holds text
    but not a number, and the first that holds a number (each as 1-based row, the column as
    `report.columns` has it, its text shortened), or None."""
    text = number = None
    if book is None or report.first_data_row is None:
        return text, number
    sheets = [s for s in book.sheets if s.name == report.sheet] or (
        book.sheets[:1] if len(book.sheets) == 1 else []
    )
    columns = [c for c in report.columns if c.get("field") in _FIGURE_FIELDS]
    if not sheets or not columns:
        return text, number
    for index, row in enumerate(sheets[0].rows[report.first_data_row - 1 :], start=report.first_data_row):
        for column in columns:
            value = row[column["index"]] if column["index"] < len(row) else None
            if normalise.is_blank(value) or normalise.is_dash(value):
                continue  # a template's blank or "-": the columns' own message says it
            shown = str(value).strip()
            shown = shown if len(shown) <= 40 else shown[:40] + "…"
            if normalise.parse_count(value).value is not None:
                number = number or (index, column, shown)
            elif shown and text is None:
                return (index, column, shown), number
    return text, number


def _import_checked(
    store,
    data,
    file_name,
    uploaded_by,
    dry_run,
    limits,
    mapping,
    report_date,
    hook,
    pending_sha: concurrent.futures.Future | None,
    report: ImportReport | None = None,
    audit: dict | None = None,
    write: bool = True,
) -> ImportReport:
    """The rest of import_bytes.  With `pending_sha` (a hash being computed), the file is
    read and checked meanwhile, then compared with earlier uploads: a duplicate is
    reported exactly as if it had been found first, and nothing is written.

    Long on purpose: one place that turns every way a file can fail (unreadable, shaped as
    nobody foresaw, a duplicate found late) into a refusal, and otherwise writes it; read top to
    bottom it is the order of an import.
    """
    report = report or ImportReport(file_name=file_name)

    def hashed(result: ImportReport) -> ImportReport:
        if pending_sha is None:
            return result
        fresh = ImportReport(file_name=file_name, sha256=pending_sha.result())
        duplicate = _duplicate(store, fresh)
        if duplicate is not None:
            return duplicate
        result.sha256 = fresh.sha256
        return result

    try:
        book = read_ahead.head_read(data, file_name, limits) or read_workbook(
            data, file_name, limits, head_only=True
        )
        report.format, report.encoding = book.format, book.encoding
        note_text_encoding(book, report, data[: 1 << 16])
        records_, counts = extract(book, data, report, store, mapping, report_date, limits)
        if not report.errors and not records_:
            report.problems.append(_no_rows(report, book))
        observations, new_units = (
            resolve_and_check(records_, report, store, counts) if not report.errors else (None, None)
        )
    except ReadError as exc:
        reason = str(exc).removeprefix(f"Tệp «{file_name}»").lstrip(":, ")
        return hashed(_refuse(report, Problem.of("unreadable", reason, page=exc.page)))
    except (
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        AttributeError,
        OverflowError,
        UnicodeError,
        MemoryError,
        RecursionError,
    ) as exc:
        # A file shaped in a way nobody foresaw: refuse it, never show a traceback.
        return hashed(
            _refuse(
                report,
                Problem.of(
                    "unreadable",
                    (
                        f"không đọc được tệp (cấu trúc bất thường: {type(exc).__name__}); hãy lưu lại tệp bằng "
                        "Excel dưới dạng .xlsx rồi gửi lại, hoặc báo cho quản trị kèm tệp này."
                    ),
                ),
            )
        )
    report = hashed(report)
    if report.status == "duplicate":
        return report
    _show_cells_as_read(report)
    _finish_description(report)
    one_unit.show_as_sent(report)
    turned.show_as_sent(report)
    one_unit.describe(report)
    if report.errors:
        report.status = "refused"
        report.message = _refusal_message(report)
        return report
    if dry_run or store is None:
        report.status = "checked"
        report.message = (
            f"Tệp «{file_name}» hợp lệ: {report.units_read} đơn vị, "
            f"{len(report.dates)} ngày, {len(report.warnings)} cảnh báo (chưa ghi)."
        )
        return report
    upload = NewUpload(
        file_name=file_name,
        sha256=report.sha256,
        rows_read=report.rows_read,
        observations=observations,
        new_units=new_units,
        report_date=report.report_date,
        uploaded_by=uploaded_by,
        warnings=tuple(dict(_as_dict(p), text=p.describe(file_name)) for p in report.warnings),
        kind=report.kind or "report",
        layout=report.layout,
        encoding=", ".join(filter(None, [report.encoding] + report.encoding_repairs)),
        audit=None if audit is None else {**audit, "units": report.units_read},
        parts=report.parts,
        denominators=report.denominators,
    )
    if not write:
        report.status, report.upload = "checked", upload
        report.message = (
            f"Tệp «{file_name}» hợp lệ: {report.units_read} đơn vị, "
            f"{len(report.dates)} ngày, {len(report.warnings)} cảnh báo (chưa ghi)."
        )
        return report
    report.upload = upload
    return write_checked(store, report, hook=hook)


def write_checked(
    store: Store, report: ImportReport, hook: Callable[[str], None] | None = None
) -> ImportReport:
    """Write a file checked by `import_bytes(..., write=False)` in its one transaction."""
    upload, report.upload = report.upload, None
    file_name = report.file_name
    report.upload_id = store.write_upload(upload, hook=hook)
    report.status = "imported"
    report.message = (
        f"Đã nhập tệp «{file_name}» (lần nhập số {report.upload_id}): "
        f"{report.units_read} đơn vị, {len(report.dates)} ngày, "
        f"{len(report.warnings)} cảnh báo."
    )
    return report


def _as_dict(problem: Problem) -> dict:
    """dataclasses.asdict(problem) without its deep copy (every field is a str, an int or
    None): one warning per unit outside the registry made that a measurable cost."""
    return {f.name: getattr(problem, f.name) for f in fields(problem)}


def _show_cells_as_read(report: ImportReport) -> None:
    """Problems about a figure a layout derived (a running total worked out from daily
    columns) point at the column the figure came from, not at the column added for it."""
    if any(report.column_aliases.values()):
        fixed = []
        for problem in report.problems:
            alias = report.column_aliases.get(problem.sheet, {}).get(problem.column)
            fixed.append(dataclasses.replace(problem, column=alias[0], header=alias[1]) if alias else problem)
        report.problems = fixed
    if report.row_sheets:
        # A per-record export over several sheets: a row numbered on across them is shown in
        # its own sheet.
        def in_its_sheet(sheet, row):
            sheets = report.row_sheets.get(sheet)
            return records.sheet_of_row(sheets, row) if sheets and row else (sheet, row)

        fixed = []
        for problem in report.problems:
            sheet, row = in_its_sheet(problem.sheet, problem.row)
            fixed.append(
                dataclasses.replace(problem, sheet=sheet, row=row) if row != problem.row else problem
            )
        report.problems = fixed
        for item in [*report.totals, *report.corrections]:
            item["sheet"], item["row"] = in_its_sheet(item.get("sheet"), item.get("row"))
    if report.row_labels:
        # A Word/PDF table: rows are counted in the table (and per page of a PDF), as the
        # reader sees them, not in the sheet the table was laid out on.
        def label(sheet, row):
            labels = report.row_labels.get(sheet)
            if labels is None or not row or row > len(labels):
                return None
            return labels[row - 1]

        fixed = []
        for problem in report.problems:
            found = label(problem.sheet, problem.row)
            if problem.sheet in report.row_labels:
                page, row = found or (None, None)
                problem = dataclasses.replace(problem, table=True, page=page, row=row)
            fixed.append(problem)
        report.problems = fixed
        for item in [*report.totals, *report.corrections]:
            found = label(item.get("sheet"), item.get("row"))
            if found:
                item["page"], item["row"] = found
        if report.sheet in report.row_labels:
            rows = [label(report.sheet, r) for r in report.header_rows]
            report.header_rows = [r[1] for r in rows if r and r[1]]
            first = label(report.sheet, report.first_data_row)
            report.first_data_row = first[1] if first else report.first_data_row


def _finish_description(report: ImportReport) -> None:
    """Say in `report.layout` what the CLI and the upload page should show at a glance."""
    parts = [report.layout] if report.layout else []
    if report.report_date and report.date_source:
        parts.append(f"ngày số liệu {date_vn(report.report_date)} theo {report.date_source}")
    elif report.date_source:
        parts.append(f"ngày theo {report.date_source}")
    for stacked in report.stacked_tables:
        where = f"trang «{stacked['sheet']}» có" if stacked["sheet"] else "có"
        parts.append(
            f"{where} {len(stacked['header_rows'])} bảng nối tiếp nhau, đọc từng bảng (tiêu đề ở dòng "
            + ", ".join(str(r) for r in stacked["header_rows"])
            + ")"
        )
    for beside in report.side_by_side_tables:
        where = f"trang «{beside['sheet']}» có" if beside["sheet"] else "có"
        parts.append(
            f"{where} {len(beside['columns'])} bảng cạnh nhau, đọc từng bảng (bắt đầu ở cột "
            + ", ".join(beside["columns"])
            + ")"
        )
    report.filled_down = len(report.filled_down_rows)
    if report.filled_down:
        parts.append(
            f"huyện/tỉnh ghi một lần cho nhiều xã: đã điền xuống cho {report.filled_down} dòng "
            "(đối chiếu danh mục)"
        )
    if report.hamlet_rows:
        parts.append(
            f"{len(report.hamlet_rows)} dòng thôn, xóm, trường học trong xã không lưu (số của xã đã gồm các dòng này)"
        )
    if report.total_part_rows:
        parts.append(
            f"{len(report.total_part_rows)} dòng «trong đó» dưới dòng tổng không lưu (chia lại số tổng)"
        )
    if report.days_filled_down:
        parts.append(f"ngày ghi một lần cho nhiều xã: đã điền xuống cho {len(report.days_filled_down)} dòng")
    if report.names_filled_down:
        parts.append(
            f"tên xã ghi một lần cho nhiều ngày: đã điền xuống cho {len(report.names_filled_down)} dòng "
            "(mỗi dòng một ngày khác của xã ở dòng trên)"
        )
    if report.totals:
        # A wide sheet checks its total rows once per day: counted once here.
        rows = {(t["sheet"], t["row"]): t for t in report.totals}
        carried = sum(
            1 for t in rows.values() if t["kind"] == "subtotal" and carry_of(t.get("label")) == "carried"
        )
        subtotals = sum(1 for t in rows.values() if t["kind"] == "subtotal") - carried
        totals = len(rows) - subtotals - carried
        wrong = len({(t["sheet"], t["row"]) for t in report.totals if not t["matches"]})
        what = ", ".join(
            filter(
                None,
                [
                    f"{subtotals} dòng cộng huyện" if subtotals else "",
                    f"{carried} dòng cộng chuyển trang" if carried else "",
                    f"{totals} dòng tổng" if totals else "",
                ],
            )
        )
        parts.append(f"{what} đã đối chiếu với các xã" + (f", {wrong} dòng lệch" if wrong else ", khớp"))
    export = report.record_export
    if export:
        text = f"{thousands(export['rows'])} hồ sơ"
        if export["first_date"]:
            text += f" thu nhận từ {date_vn(date.fromisoformat(export['first_date']))}"
        if export["returned_from"] == "returned_date":
            text += ", thẻ đã trả theo cột ngày trả thẻ"
        elif export["statuses_returned"]:
            text += ", thẻ đã trả theo trạng thái " + ", ".join(f"«{s}»" for s in export["statuses_returned"])
        if export.get("status_legend"):
            text += (
                f"; trạng thái ghi bằng mã, đọc theo chú thích ở dòng {export['status_legend_row']} ("
                + ", ".join(f"{code} – {label}" for code, label in export["status_legend"].items())
                + ")"
            )
        read_for_parts = export.get("breakdown_columns") or {}
        personal = [
            w
            for f, w in (("birth_date", "ngày sinh"), ("age", "tuổi"), ("current_address", "nơi ở hiện tại"))
            if f in read_for_parts
        ]
        if personal:
            text += f"; {', '.join(personal)} chỉ dùng để chia nhóm khi đếm, không lưu"
        if export.get("record_id_column"):
            text += "; số hồ sơ chỉ dùng để không đếm một hồ sơ hai lần, không lưu"
        parts.append(text + "; không đọc các cột thông tin cá nhân khác")
    split = (report.breakdowns or {}).get("dimensions") or {}
    if split:
        parts.append(
            "chia theo "
            + ", ".join(
                f"{d['label'].lower()} ({', '.join(d['values'][:4])}{'…' if len(d['values']) > 4 else ''})"
                for d in split.values()
            )
        )
    report.layout = "; ".join(parts)


def _refuse(report: ImportReport, problem: Problem) -> ImportReport:
    report.problems.append(problem)
    report.status = "refused"
    report.message = _refusal_message(report)
    return report


def _refusal_message(report: ImportReport) -> str:
    name = report.file_name
    if len(report.errors) == 1 and report.errors[0].code in ("unreadable", "too_large", "file_type"):
        return f"Từ chối tệp «{name}»: {report.errors[0].message} Không ghi gì vào cơ sở dữ liệu."
    # The file is named once, at the start; the first error says where in it.
    error = report.errors[0]
    first = f"{', '.join(error.cell())}: {error.message}" if error.cell() else error.message
    more = len(report.errors) - 1
    hint = ""
    if report.needs_mapping:
        hint = " Hãy chọn cột cho tệp này trên trang tải lên (ghép cột); lựa chọn sẽ được nhớ cho các tệp cùng mẫu."
    elif report.needs_date:
        hint = " Hãy cho biết ngày số liệu (trang tải lên hỏi ngày) hoặc đặt ngày vào tên tệp."
    return (
        f"Từ chối tệp «{name}»: {len(report.errors)} lỗi, không ghi gì vào cơ sở dữ liệu. "
        f"Lỗi đầu tiên — {first}" + (f" (và {more} lỗi khác)" if more else "") + hint
    )


def remember_mapping(
    store: Store, report: ImportReport, mapping: dict[str, int], who: str | None = None
) -> None:
    """Remember a column mapping for files whose header has the same shape as `report`'s."""
    if not report.signature:
        raise ValueError("the report has no header signature to remember a mapping for")
    clean = {str(k): int(v) for k, v in mapping.items() if v is not None}
    store.save_mapping(report.signature, clean, [c["header"] for c in report.columns], who)


def read_observations(
    data: bytes, file_name: str, store: Store | None = None, **kwargs
) -> tuple[ImportReport, pd.DataFrame | None]:
    """Check a file without writing it; return the report and what it would store."""
    report = import_bytes(store, data, file_name, dry_run=True, **kwargs)
    return report, report.observations
