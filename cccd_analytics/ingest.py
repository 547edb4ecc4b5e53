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
import functools
import gc
import hashlib
import os
import re
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from cccd_analytics import file_types, headers, legacy_text, normalise, records, registry
from cccd_analytics import layout as layouts
from cccd_analytics.formatting import date_vn, moment_vn
from cccd_analytics.readers import FileData, Limits, ReadError, Sheet, Workbook, read_workbook, sniff, whole
from cccd_analytics.registry import fold
from cccd_analytics.store import NewUpload, Store

CUMULATIVE = ("collected", "returned")
# Samples of converted text shown in the report come only from these places, never
# from a column that may hold a person's data.
_SAFE_SAMPLE_FIELDS = ("commune", "district", "province", "status")


@dataclass(frozen=True)
class Problem:
    severity: str  # error | warning
    code: str  # machine-readable kind, e.g. negative, falling_cumulative
    message: str  # Vietnamese, without the location
    sheet: str | None = None
    row: int | None = None  # 1-based, as the spreadsheet shows it
    column: str | None = None  # letter, as the spreadsheet shows it
    header: str | None = None

    def where(self, file_name: str) -> str:
        return ", ".join([f"Tệp «{file_name}»", *self.cell()])

    def cell(self) -> list[str]:
        """Where in the file, without its name: sheet, row, column."""
        parts = []
        if self.sheet:
            parts.append(f"trang «{self.sheet}»")
        if self.row:
            parts.append(f"dòng {self.row}")
        if self.column:
            parts.append(f"cột {self.column}" + (f" («{self.header}»)" if self.header else ""))
        return parts

    def describe(self, file_name: str) -> str:
        return f"{self.where(file_name)}: {self.message}"


@dataclass
class ImportReport:
    file_name: str
    sha256: str = ""
    status: str = "refused"  # imported | refused | duplicate | checked (dry run)
    upload_id: int | None = None
    format: str = ""  # xlsx | xls | ods | csv
    kind: str = ""  # report | canonical | records
    encoding: str = ""  # text files: as decoded (utf-8, utf-16-le, cp1258, tcvn3 …)
    encoding_repairs: list[str] = field(default_factory=list)  # Vietnamese, one per repair
    encoding_details: list[dict] = field(
        default_factory=list
    )  # sheet, where, encoding, confidence, before, after
    sheet: str | None = None
    sheets_read: list[str] = field(default_factory=list)
    layout: str = ""  # Vietnamese description of the layout found
    header_rows: list[int] = field(default_factory=list)  # 1-based
    first_data_row: int | None = None  # 1-based
    title: str | None = None
    authorities: list[str] = field(default_factory=list)  # letterhead: "tinh ha tinh", "huyen ky anh"
    report_date: date | None = None
    date_origin: str | None = None  # column | date_line | footer | file_name | given | records
    date_source: str = ""  # Vietnamese: where the date came from
    needs_date: bool = False  # no date anywhere: ask the user (import_bytes(report_date=…))
    columns: list[dict] = field(default_factory=list)  # index, letter, header, field (or None)
    needs_mapping: bool = False  # no recognisable columns: ask the user for a mapping
    signature: str = ""  # hash of the header's folded texts (remembered mappings)
    mapping: dict[str, int] | None = None  # the column mapping applied, if any
    mapping_source: str | None = None  # user | remembered
    totals: list[dict] = field(default_factory=list)  # subtotal/total rows found and checked
    record_export: dict | None = None  # per-record exports: rows counted, statuses, days
    rows_read: int = 0
    units_read: int = 0
    dates: list[date] = field(default_factory=list)
    unofficial_units: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    message: str = ""
    # The observations the file gives (unit_key, name, date, metric, value), for a
    # preview before writing.  Not part of to_dict().
    observations: pd.DataFrame | None = field(default=None, repr=False, compare=False)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return self.status in ("imported", "duplicate", "checked")

    def to_dict(self) -> dict:
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "observations"}
        data["problems"] = [dict(asdict(p), text=p.describe(self.file_name)) for p in self.problems]
        data["report_date"] = self.report_date.isoformat() if self.report_date else None
        data["dates"] = [d.isoformat() for d in self.dates]
        data["errors"] = len(self.errors)
        data["warnings"] = len(self.warnings)
        return data

    def summary(self) -> str:
        """One Vietnamese paragraph for the CLI and the upload page."""
        if self.message:
            return self.message
        return f"Tệp «{self.file_name}»: {self.status}"


# The columns of the rows read from a table or an export (then one per metric, _VALUE_ORDER).
_RECORD_COLUMNS = ("row", "sheet", "province", "district", "commune", "code", "date", "cells")


def sha256_of(data) -> str:
    if isinstance(data, FileData):
        return data.sha256()
    return hashlib.sha256(data).hexdigest()


#: A text file bigger than this is not read into memory by `import_file`: its bytes are
#: streamed from disk (`readers.FileData`), so a per-record export of millions of rows
#: costs memory for its counts only.  Tables read whole are capped far below by
#: `Limits.max_table_bytes`.
STREAM_FROM_DISK_BYTES = 8 * 1024 * 1024


def import_file(store: Store | None, path: str | Path, **kwargs) -> ImportReport:
    path = Path(path)
    try:
        size = path.stat().st_size
        limits = kwargs.get("limits", Limits())
        if size > limits.max_bytes:
            return _refuse(
                ImportReport(file_name=path.name),
                Problem(
                    "error",
                    "too_large",
                    (f"tệp quá lớn ({size / 2**20:.0f} MiB; tối đa {limits.max_bytes // 2**20} MiB)."),
                ),
            )
        data = FileData(path, size)
        if size <= STREAM_FROM_DISK_BYTES or _binary_head(data.head(4096)):
            data = path.read_bytes()
    except OSError as exc:
        report = ImportReport(file_name=path.name)
        report.problems.append(Problem("error", "unreadable", f"không mở được tệp ({exc.strerror})."))
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
) -> ImportReport:
    """Check one file and, unless it has errors or `dry_run`, store it in one transaction.

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
        return _refuse(report, Problem("error", "file_type", wrong_type))
    if len(data) > limits.max_bytes:
        return _refuse(
            report,
            Problem(
                "error",
                "too_large",
                (f"tệp quá lớn ({len(data) / 2**20:.0f} MiB; tối đa {limits.max_bytes // 2**20} MiB)."),
            ),
        )
    if isinstance(data, FileData):
        # Performance (issue 8): a big file on disk is hashed in a thread while it is read
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

    def find_upload_by_sha(self, sha256: str) -> dict | None:
        return self._store.find_upload_by_sha(sha256)

    def file_of(self, upload_id) -> str | None:
        """The name of the pending file behind `upload_id` in current_observations (None
        for the store's own uploads)."""
        return self._names.get(upload_id)

    def find_mapping(self, signature: str):
        return self._store.find_mapping(signature)


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
) -> ImportReport:
    """The rest of import_bytes.  With `pending_sha` (a hash being computed), the file is
    read and checked meanwhile, then compared with earlier uploads: a duplicate is
    reported exactly as if it had been found first, and nothing is written."""
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
        book = read_workbook(data, file_name, limits, head_only=True)
        report.format, report.encoding = book.format, book.encoding
        _note_text_encoding(book, report, data[: 1 << 16])
        records_, counts = _extract(book, data, report, store, mapping, report_date, limits)
        if not report.errors and not records_:
            report.problems.append(Problem("error", "no_rows", "không có dòng số liệu nào của xã/phường."))
        observations, new_units = (
            _resolve_and_check(records_, report, store, counts) if not report.errors else (None, None)
        )
    except ReadError as exc:
        reason = str(exc).removeprefix(f"Tệp «{file_name}»").lstrip(":, ")
        return hashed(_refuse(report, Problem("error", "unreadable", reason)))
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
                Problem(
                    "error",
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
    _finish_description(report)
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
    )
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


def _finish_description(report: ImportReport) -> None:
    """Say in `report.layout` what the CLI and the upload page should show at a glance."""
    parts = [report.layout] if report.layout else []
    if report.report_date and report.date_source:
        parts.append(f"ngày số liệu {date_vn(report.report_date)} theo {report.date_source}")
    elif report.date_source:
        parts.append(f"ngày theo {report.date_source}")
    if report.totals:
        subtotals = sum(1 for t in report.totals if t["kind"] == "subtotal")
        totals = len(report.totals) - subtotals
        wrong = sum(1 for t in report.totals if not t["matches"])
        what = ", ".join(
            filter(
                None,
                [
                    f"{subtotals} dòng cộng huyện" if subtotals else "",
                    f"{totals} dòng tổng" if totals else "",
                ],
            )
        )
        parts.append(f"{what} đã đối chiếu với các xã" + (f", {wrong} dòng lệch" if wrong else ", khớp"))
    export = report.record_export
    if export:
        text = f"{_fmt(export['rows'])} hồ sơ"
        if export["first_date"]:
            text += f" thu nhận từ {date_vn(date.fromisoformat(export['first_date']))}"
        if export["returned_from"] == "returned_date":
            text += ", thẻ đã trả theo cột ngày trả thẻ"
        elif export["statuses_returned"]:
            text += ", thẻ đã trả theo trạng thái " + ", ".join(f"«{s}»" for s in export["statuses_returned"])
        parts.append(text + "; không đọc các cột thông tin cá nhân")
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


# -- encodings -------------------------------------------------------------------------

_TEXT_ENCODINGS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 có BOM",
    "utf-16-le": "UTF-16 (Unicode text của Excel)",
    "utf-16-be": "UTF-16 BE",
    "utf-32-le": "UTF-32",
    "utf-32-be": "UTF-32 BE",
    "cp1258": "Windows-1258 (dấu thanh tổ hợp)",
    "cp1252": "Windows-1252",
    "tcvn3": "TCVN3 (.VnTime)",
    "tcvn3_upper": "TCVN3 chữ hoa (.VnTimeH)",
    "vni": "VNI-Windows",
}


def _note_text_encoding(book: Workbook, report: ImportReport, data_head: bytes) -> None:
    if book.format != "csv":
        return
    base, _, legacy = book.encoding.partition("+")
    label = _TEXT_ENCODINGS.get(base, base)
    repaired = bool(legacy) or base in ("tcvn3", "tcvn3_upper", "vni", "cp1258")
    if legacy:
        label += f", chữ phông {_TEXT_ENCODINGS.get(legacy, legacy)} → Unicode"
    elif repaired:
        label += " → Unicode"
    if repaired:
        report.encoding_repairs.append(f"tệp văn bản mã {label}")
    if book.csv is not None and book.csv.codec.startswith("utf") and _has_decomposed(book, data_head):
        report.encoding_repairs.append("chữ có dấu viết tổ hợp (NFD) → dựng sẵn (NFC)")
    report.encoding_details.append(
        dict(sheet=None, where="cả tệp", encoding=book.encoding, confidence=None, before=None, after=None)
    )


def _has_decomposed(book: Workbook, head: bytes) -> bool:
    """Whether a Unicode text file spells accents as combining marks (NFD)."""
    import unicodedata

    try:
        text = head.decode(book.csv.codec, errors="ignore")
    except LookupError:
        return False
    return not unicodedata.is_normalized("NFC", text)


def _unique_strings(cells) -> list[str]:
    return list(dict.fromkeys(c for c in cells if isinstance(c, str) and c.strip()))


def _first_strings(rows: list[list], wanted: int) -> tuple[list[str], list[str]]:
    """The distinct non-blank texts of the cells in order, and the non-ASCII ones among
    them, reading only until `wanted` non-ASCII ones are found (then the first list is
    cut short, but not empty)."""
    seen: dict[str, None] = {}
    candidates: list[str] = []
    for row in rows:
        for cell in row:
            if isinstance(cell, str) and cell not in seen and cell.strip():
                seen[cell] = None
                if not cell.isascii():
                    candidates.append(cell)
        if len(candidates) >= wanted:
            break
    return list(seen), candidates


def _locate(rows: list[list]) -> layouts.Layout | None:
    """layouts.locate, without its scan of every data row for a footer date ("Kỳ Anh,
    ngày …") when the table has a date column: the footer date dates only a report
    without one (_date_for_sheet).  The header is found in the first HEADER_SCAN_ROWS
    rows, so the head alone gives the same layout otherwise (performance, issue 8: the
    scan folded the text of every row of a 100,000-row sheet)."""
    head = rows[: layouts.HEADER_SCAN_ROWS + 2]
    if len(head) < len(rows):
        found = layouts.locate(head, "")
        if found is not None and found.kind == "canonical":
            return found
    return layouts.locate(rows, "")


def _repair_group(texts: list[str], evidence: list[str], sheet_encoding: str | None):
    """Repair one group of cells (a column, the title block): its own evidence first,
    the sheet's when its own is too thin but points the same way."""
    repaired, detection = legacy_text.repair_texts(texts)
    if detection.encoding != "unicode" and detection.confidence >= legacy_text.DEFAULT_MIN_CONFIDENCE:
        return repaired, detection
    family = (detection.encoding or "").split("_")[0]
    if detection.encoding != "unicode" and sheet_encoding and family == sheet_encoding.split("_")[0]:
        both, combined = legacy_text.repair_texts(texts + evidence)
        if combined.encoding != "unicode" and combined.confidence >= legacy_text.DEFAULT_MIN_CONFIDENCE:
            return both[: len(texts)], legacy_text.Detection(
                combined.encoding,
                combined.confidence,
                detection.sample_before,
                legacy_text.convert(detection.sample_before, combined.encoding),
            )
    return [legacy_text.to_nfc(t) for t in texts], None


def _repair_sheet(sheet: Sheet, report: ImportReport) -> layouts.Layout | None:
    """Repair legacy-font text (TCVN3, .VnTimeH, VNI) per column and NFC everything.

    Detection is per group of cells: the rows above the data (letterhead, title,
    header) together, then each column of the table, then the rows below it — a
    column's own words decide, with the whole sheet's verdict as a fallback for a
    column with too few words.  Returns the layout found on the repaired cells.
    """
    rows = sheet.rows
    # Performance (issue 8): detection reads the first 3,000 distinct non-ASCII texts, so
    # the cells are only scanned that far; the full list is made when repairs need it.
    strings, candidates = _first_strings(rows, 3000)
    if not strings:
        return _locate(rows)
    if not candidates:
        return _locate(rows)
    sheet_det = legacy_text.detect_legacy(candidates[:3000])
    sheet_encoding = (
        sheet_det.encoding
        if (sheet_det.encoding != "unicode" and sheet_det.confidence >= legacy_text.DEFAULT_MIN_CONFIDENCE)
        else None
    )
    if sheet_encoding is None and sheet_det.encoding == "unicode":
        # Text already in NFC (the usual case) stays as it is; otherwise every text cell
        # is normalised, each distinct text once.
        if not all(unicodedata.is_normalized("NFC", c) for row in rows for c in row if isinstance(c, str)):
            nfc: dict[str, str] = {}
            sheet.rows = [
                [
                    (nfc.get(c) or nfc.setdefault(c, legacy_text.to_nfc(c))) if isinstance(c, str) else c
                    for c in row
                ]
                for row in rows
            ]
        return _locate(sheet.rows)
    strings = _unique_strings(c for row in rows for c in row)
    candidates = [s for s in strings if not s.isascii()]
    # Tentative: the whole sheet at once, to find the header.
    tentative_map = dict(zip(strings, legacy_text.repair_texts(strings)[0])) if sheet_encoding else {}
    tentative = [[tentative_map.get(c, c) if isinstance(c, str) else c for c in row] for row in rows]
    found = _locate(tentative) or _locate(rows)
    evidence = candidates[:400]
    top_end = found.first_data_row if found else min(len(rows), layouts.HEADER_SCAN_ROWS)
    mapping: dict[tuple[int, str], str] = {}  # (group, text) → repaired
    field_of = {c.index: f for f, c in found.columns.items()} if found else {}

    def apply(group: int, texts: list[str], where: str, safe: bool) -> None:
        if not texts:
            return
        repaired, detection = _repair_group(texts, evidence, sheet_encoding or sheet_det.encoding)
        for before, after in zip(texts, repaired):
            mapping[(group, before)] = after
        if detection is not None:
            before = detection.sample_before if safe else None
            after = mapping.get((group, before), before) if safe else None
            report.encoding_details.append(
                dict(
                    sheet=sheet.name or None,
                    where=where,
                    encoding=detection.encoding,
                    confidence=detection.confidence,
                    before=before,
                    after=after,
                )
            )
            name = f"trang «{sheet.name}», " if sheet.name else ""
            sample = f" (ví dụ «{before}» → «{after}»)" if safe and before else ""
            report.encoding_repairs.append(
                f"{name}{where}: phông {_FONT_NAMES.get(detection.encoding, detection.encoding)} → Unicode{sample}"
            )

    apply(-1, _unique_strings(c for row in rows[:top_end] for c in row), "phần tiêu đề", True)
    width = max((len(r) for r in rows[top_end:]), default=0)
    record_layout = found is not None and found.kind == "records"
    for c in range(width):
        field_name = field_of.get(c)
        if record_layout and field_name not in headers.RECORD_READ_FIELDS:
            continue  # personal columns of an export are never touched
        texts = _unique_strings(row[c] for row in rows[top_end:] if c < len(row))
        safe = field_name in _SAFE_SAMPLE_FIELDS
        apply(c, texts, f"cột {layouts.column_letter(c)}", safe)
    sheet.rows = [
        [
            (
                mapping.get((-1 if r < top_end else c, cell), legacy_text.to_nfc(cell))
                if isinstance(cell, str)
                else cell
            )
            for c, cell in enumerate(row)
        ]
        for r, row in enumerate(rows)
    ]
    return _locate(sheet.rows)


_FONT_NAMES = {"tcvn3": "TCVN3 (.VnTime)", "tcvn3_upper": "TCVN3 chữ hoa (.VnTimeH)", "vni": "VNI-Windows"}


# -- extraction ------------------------------------------------------------------------


def _columns_for_ui(labels: list[str], found: layouts.Layout | None) -> list[dict]:
    if found:
        by_index = {c.index: f for f, c in found.columns.items()}
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
            Problem("error", "bad_mapping", "cách ghép cột không dùng được (" + "; ".join(parts) + ").")
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


def _extract(
    book: Workbook,
    data: bytes,
    report: ImportReport,
    store: Store | None,
    mapping: dict[str, int] | None,
    report_date: date | None,
    limits: Limits,
):
    """Records of every sheet with a table; (records, per-record counts or None)."""
    prepared = []
    for sheet in book.sheets:
        found = _repair_sheet(sheet, report) if book.format != "csv" else _locate(sheet.rows)
        header_rows = (
            found.header_rows if found else (layouts.candidate_header(sheet.rows) if sheet.rows else None)
        )
        prepared.append((sheet, found, header_rows))
    primary = next((i for i, p in enumerate(prepared) if p[1] is not None), None)
    if primary is None:
        primary = next((i for i, p in enumerate(prepared) if p[2]), None)
    if primary is not None:
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
    out: list[pd.DataFrame] = []  # the rows of tables, and of per-record exports
    counts = None
    located_any = False
    for sheet, found, _ in prepared:
        if found is None:
            continue
        located_any = True
        if report.sheet is None and not report.sheets_read:
            _describe(report, sheet, found)
        report.sheets_read.append(sheet.name)
        if found.kind == "records":
            if counts is not None:
                continue  # one export per file
            counts, recs = _record_export(book, data, sheet, found, report, report_date)
            if len(recs):
                out.append(recs)  # a frame: rows of the export, counted per place and day
        else:
            if not sheet.complete:
                _read_whole(book, data, sheet, limits)
            table = _sheet_records(sheet, found, book.file_name, report, report_date)
            if table is not None:
                out.append(table)
    if not located_any:
        names = ", ".join(f"«{s.name}»" for s in book.sheets if s.name) or "tệp"
        report.needs_mapping = primary is not None
        report.problems.append(
            Problem(
                "error",
                "no_table",
                f"không tìm thấy bảng số liệu ({names}): cần ít nhất cột tên xã/phường và cột "
                "lũy kế thu nhận (ví dụ «Xã», «Lũy kế thu nhận»), hoặc tệp xuất theo từng hồ sơ "
                "(«Xã/Phường thường trú», «Ngày thu nhận»).",
            )
        )
    return out, counts


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
                f"{limits.max_table_cells:,} ô) — hãy chia nhỏ tệp.".replace(",", ".")
            )
        sheet.rows = list(sheet.iter_rows())
        _repair_sheet(sheet, ImportReport(""))
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


def _each_distinct(values: pd.Series, function) -> np.ndarray:
    """`function` of each value, called once per distinct value (an export's daily counts
    repeat each place's names on every day)."""
    codes, uniques = pd.factorize(values, sort=False, use_na_sentinel=False)
    return np.array([function(u) for u in uniques] + [None], dtype=object)[codes]


@functools.lru_cache(maxsize=65536)
def _commune_name(text: str) -> str:
    """ "CA xã Kỳ Đồng" / "Công an xã Kỳ Đồng" → "xã Kỳ Đồng"; "1. Xã Kỳ Tân" → "Xã Kỳ Tân"."""
    text = re.sub(r"^\s*\d{1,3}\s*[.)]\s+(?=\D)", "", text)
    folded = fold(text)
    match = re.match(r"^(cong an|ca)\s+(?=(xa|phuong|thi tran|tt|x\.|p\.)\b)", folded)
    return text[match.end() :] if match else text


def _date_for_sheet(
    found: layouts.Layout,
    file_name: str,
    report_date: date | None,
    report: ImportReport,
    sheet_name: str | None,
):
    """The one date of a report without a date column, and where it came from."""
    from_name = normalise.date_from_file_name(file_name)
    if report_date is not None:
        return report_date, "given", "ngày người nhập chọn"
    if found.report_date is not None:
        where = "chân báo cáo" if found.date_origin == "footer" else "dòng ngày số liệu"
        if from_name and from_name != found.report_date:
            report.problems.append(
                Problem(
                    "warning",
                    "date_mismatch",
                    f"ngày trong tên tệp ({date_vn(from_name)}) khác ngày trong báo cáo "
                    f"({date_vn(found.report_date)}); đã dùng ngày trong báo cáo.",
                    sheet=sheet_name,
                    row=(found.date_row or 0) + 1,
                )
            )
        return (
            found.report_date,
            found.date_origin,
            f"{where}, dòng {(found.date_row or 0) + 1}: «{found.date_line}»",
        )
    if from_name is not None:
        return from_name, "file_name", f"tên tệp «{file_name}»"
    return None, None, ""


def _sheet_records(
    sheet: Sheet, found: layouts.Layout, file_name: str, report: ImportReport, report_date: date | None
) -> pd.DataFrame | None:
    """The commune rows of a table as one frame (the columns _frame_of gives), or None
    when it has none.  Subtotal and total rows are checked against them, never kept."""
    cols = found.columns
    sheet_name = sheet.name or None
    # Performance (issue 8): the rows are kept as columns, not as one object per row — a
    # 100,000-row table made 100,000 objects that the garbage collector then walked again
    # and again, and that had to be transposed into a frame.
    out = {name: [] for name in _RECORD_COLUMNS}
    out_values = {name: [] for name in _VALUE_ORDER}
    from_context: list[bool] = []
    n_out = 0
    province_ctx, district_ctx = _authority_context(found.authorities)
    letterhead_district = district_ctx
    fallback_date, origin, source = (None, None, "")
    if "date" not in cols:
        fallback_date, origin, source = _date_for_sheet(found, file_name, report_date, report, sheet_name)
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
        # the distinct values, in order, give the same answers (performance, issue 8).
        distinct_values = list(dict.fromkeys(column_values))
        date_order = normalise.date_order(distinct_values)
        note = normalise.date_order_warning(distinct_values)
        if note:
            message, example = note
            row_of = next(
                (i + found.first_data_row + 1 for i, v in enumerate(column_values) if v == example), None
            )
            report.problems.append(
                Problem(
                    "warning",
                    "ambiguous_date",
                    message + ".",
                    sheet=sheet_name,
                    row=row_of,
                    column=col.letter,
                    header=col.header,
                )
            )
    groups: list[dict] = []  # subtotal rows: row, label, district, values, members, position
    totals: list[dict] = []
    style: str | None = None  # subtotals "before" or "after" their communes
    pending: list[int] = []  # communes since the last subtotal/heading
    open_group: dict | None = None

    # Performance (issue 8): a canonical file repeats its place names and dates on every
    # row, so the pure per-cell functions below are remembered per distinct cell value,
    # and a row with a commune name and figures is classified once per (name, STT) — the
    # only cells layout.classify looks at for such a row.  Same results, same problems.
    count_of = _counter()
    date_of = _memo(lambda raw: normalise.parse_date(raw, order=date_order))
    text_of = _memo(normalise.text)
    commune_name = _memo(_commune_name)
    kinds: dict = {}
    value_fields = [name for name in layouts.VALUE_FIELDS if name in cols]
    commune_at = cols["commune"].index
    stt_at = cols["row_number"].index if "row_number" in cols else None
    cells = {name: (cols[name].letter, cols[name].header) for name in value_fields}

    value_at = [(name, cols[name].index) for name in value_fields]
    sheet_label = sheet.name or ""
    # Column positions of the cells read on every row (-1: no such column).
    date_at, district_at, province_at, code_at = (
        cols[f].index if f in cols else -1 for f in ("date", "district", "province", "commune_code")
    )
    for index in range(found.first_data_row, len(sheet.rows)):
        row = sheet.rows[index]
        width = len(row)
        parsed_values = [(name, count_of(row[at] if at < width else None)) for name, at in value_at]
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
        if kind.kind == "blank":
            continue
        if kind.kind == "footer":
            break
        values, bad = {}, False
        for name, parsed in parsed_values:
            if parsed.error:
                report.problems.append(
                    Problem(
                        "error", "bad_number", parsed.error + ".", **_cell_at(sheet_name, index, cols[name])
                    )
                )
                bad = True
            elif parsed.value is not None:
                if parsed.value < 0:
                    report.problems.append(
                        Problem(
                            "error",
                            "negative",
                            f"số âm ({parsed.value}).",
                            **_cell_at(sheet_name, index, cols[name]),
                        )
                    )
                    bad = True
                values[name] = parsed.value
            if parsed.warning:
                report.problems.append(
                    Problem(
                        "warning",
                        "ambiguous_number",
                        parsed.warning + ".",
                        **_cell_at(sheet_name, index, cols[name]),
                    )
                )
        if kind.kind == "total":
            totals.append(
                dict(
                    row=index + 1,
                    label=kind.label or "Tổng cộng",
                    values=values,
                    cells=cells,
                    position="before" if not n_out else "after",
                )
            )
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
                    cells=cells,
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
                    cells=cells,
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
            continue
        when = fallback_date
        if date_at >= 0:
            parsed = date_of(row[date_at] if date_at < width else None)
            if parsed.error:
                report.problems.append(
                    Problem(
                        "error", "bad_date", parsed.error + ".", **_cell_at(sheet_name, index, cols["date"])
                    )
                )
                continue
            if parsed.warning:
                report.problems.append(
                    Problem(
                        "warning",
                        "ambiguous_date",
                        parsed.warning + ".",
                        **_cell_at(sheet_name, index, cols["date"]),
                    )
                )
            when = parsed.value or fallback_date
        if when is None:
            report.needs_date = True
            report.problems.append(
                Problem(
                    "error",
                    "no_date",
                    "không xác định được ngày số liệu: tệp không có cột ngày, không có "
                    "dòng «Số liệu tính đến … ngày …» và tên tệp không chứa ngày (ví dụ "
                    "bao_cao_15_03_2021.xlsx). Hãy cho biết ngày của báo cáo.",
                    sheet=sheet_name,
                    row=index + 1,
                )
            )
            break
        if "collected" not in values and "collected_day" not in values:
            continue  # a commune row with no figures: not reported
        explicit_district = text_of(row[district_at] if 0 <= district_at < width else None)
        out["row"].append(index + 1)
        out["sheet"].append(sheet_label)
        out["province"].append(
            text_of(row[province_at] if 0 <= province_at < width else None) or province_ctx
        )
        out["district"].append(explicit_district or district_ctx or "")
        out["commune"].append(commune_name(text_of(name_cell)))
        out["code"].append(text_of(row[code_at] if 0 <= code_at < width else None) or None)
        out["date"].append(when)
        out["cells"].append(cells)
        for name, column in out_values.items():
            column.append(values.get(name))
        from_context.append(not explicit_district)
        pending.append(n_out)
        if open_group is not None:
            open_group["members"].append(n_out)
        n_out += 1
    if "collected" not in cols and n_out:
        col = cols.get("collected_day")
        report.needs_mapping = True
        report.problems.append(
            Problem(
                "error",
                "no_cumulative",
                "thiếu cột lũy kế thu nhận (chỉ có số trong ngày).",
                sheet=sheet_name,
                row=found.header_rows[-1] + 1,
                column=col.letter if col else None,
            )
        )
    _check_sums(out_values, n_out, groups, totals, sheet_name, report)
    if not n_out:
        return None
    # Text stays Python objects here (no conversion to Arrow for a working frame).
    return pd.DataFrame(
        {
            **{k: pd.Series(v, dtype=object) if k != "row" else v for k, v in out.items()},
            **{k: pd.Series(v, dtype=object) for k, v in out_values.items()},
        }
    )


def _cell_at(sheet_name: str | None, index: int, col: layouts.Column) -> dict:
    """Where a problem is: sheet, 1-based row, column letter and header."""
    return dict(sheet=sheet_name, row=index + 1, column=col.letter, header=col.header)


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
    parse_count returns the int and nothing else, are read directly; other text is
    remembered per distinct value."""
    remembered = _memo(normalise.parse_count)

    def count(raw) -> normalise.Parsed:
        kind = type(raw)
        if kind is str and raw.isdigit() and raw.isascii():
            return normalise.Parsed(int(raw))
        if kind is float and raw.is_integer():  # a number cell: parse_count gives int(raw)
            return normalise.Parsed(int(raw))
        if kind is int:
            return normalise.Parsed(raw)
        return remembered(raw)

    return count


def _authority_context(authorities: tuple[str, ...]) -> tuple[str, str]:
    """Province and district from the letterhead ("CÔNG AN TỈNH HÀ TĨNH / CÔNG AN HUYỆN KỲ ANH")."""
    province = district = ""
    for authority in authorities:
        if authority.startswith("tinh "):
            province = province or authority
        elif authority.startswith(("huyen ", "thi xa ", "thanh pho ", "quan ")):
            district = district or authority
    return province, district


def _fmt(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def _check_sums(
    values: dict[str, list],
    n_records: int,
    groups: list[dict],
    totals: list[dict],
    sheet: str | None,
    report: ImportReport,
) -> None:
    """Subtotal and total rows are never units: check them against their communes."""
    found: list[dict] = []

    def compare(entry: dict, kind: str, members: list[int]) -> None:
        checked, mismatches = [], []
        for name, stated in entry["values"].items():
            if not members:
                continue
            column = values[name]
            actual = sum(column[i] or 0 for i in members)
            checked.append(name)
            if stated != actual:
                mismatches.append(dict(field=name, stated=stated, communes=actual))
                label = f"«{entry['label']}»"
                what = "dòng tổng" if kind == "total" else "dòng cộng"
                letter, header = entry["cells"].get(name, (None, None))
                report.problems.append(
                    Problem(
                        "warning",
                        "subtotal_mismatch",
                        f"{what} {label} ghi {_fmt(stated)} nhưng tổng {len(members)} xã/phường là "
                        f"{_fmt(actual)} (chênh {'+' if stated >= actual else '-'}{_fmt(abs(stated - actual))}); "
                        "số của từng xã được dùng, dòng tổng không được lưu.",
                        sheet=sheet,
                        row=entry["row"],
                        column=letter,
                        header=header,
                    )
                )
        found.append(
            dict(
                sheet=sheet,
                row=entry["row"],
                kind=kind,
                label=entry["label"],
                district=entry.get("district"),
                position=entry["position"],
                communes=len(members),
                checked=checked,
                matches=not mismatches,
                mismatches=mismatches,
            )
        )

    for group in groups:
        if group["values"] or group["members"]:
            compare(group, "subtotal", group["members"])
    for total in totals:
        compare(total, "total", list(range(n_records)))
    report.totals.extend(sorted(found, key=lambda t: t["row"]))


# -- per-record exports ----------------------------------------------------------------


def _record_export(
    book: Workbook,
    data: bytes,
    sheet: Sheet,
    found: layouts.Layout,
    report: ImportReport,
    report_date: date | None,
):
    sheet_name = sheet.name or None
    if book.format == "csv":
        width = max((len(r) for r in sheet.rows[: found.first_data_row + 20]), default=0)
        counts = records.read_csv(data, book.csv, found, width)
    else:
        counts = records.read_sheet(sheet, found)
    cols = found.columns
    received = cols["received_date"]
    at = dict(sheet=sheet_name, column=received.letter, header=received.header)
    report.rows_read += counts.rows
    if counts.no_place[0]:
        col = cols["commune"]
        report.problems.append(
            Problem(
                "warning",
                "record_without_commune",
                f"{_fmt(counts.no_place[0])} hồ sơ không ghi xã/phường, không được tính "
                f"(ví dụ dòng {', '.join(map(str, counts.no_place[1]))}).",
                sheet=sheet_name,
                row=counts.no_place[1][0],
                column=col.letter,
                header=col.header,
            )
        )
    if counts.no_date[0]:
        report.problems.append(
            Problem(
                "warning",
                "record_without_date",
                f"{_fmt(counts.no_date[0])} hồ sơ không ghi ngày thu nhận, không được tính "
                f"(ví dụ dòng {', '.join(map(str, counts.no_date[1]))}).",
                row=counts.no_date[1][0],
                **at,
            )
        )
    if counts.bad_dates:
        bad_rows = sum(n for n, _ in counts.bad_dates)
        rows = ", ".join(str(r) for _, r in counts.bad_dates[:5])
        severe = bad_rows > max(10, counts.rows // 100)
        report.problems.append(
            Problem(
                "error" if severe else "warning",
                "bad_date",
                f"{_fmt(bad_rows)} hồ sơ có ngày thu nhận không đọc được"
                + (" — có thể cột ngày bị nhầm" if severe else ", không được tính")
                + f" (ví dụ dòng {rows}).",
                row=counts.bad_dates[0][1],
                **at,
            )
        )
    if counts.ambiguous_dates:
        report.problems.append(Problem("warning", "ambiguous_date", counts.ambiguous_dates + ".", **at))
    if counts.skipped_lines:
        report.problems.append(
            Problem(
                "warning",
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
        report.problems.append(
            Problem(
                "warning",
                "no_returned_status",
                "cột trạng thái không có giá trị nào cho biết thẻ đã trả (như «Đã trả thẻ»); "
                "không tính số thẻ đã trả.",
                sheet=sheet_name,
                column=cols["status"].letter,
                header=cols["status"].header,
            )
        )
    province_ctx, district_ctx = _authority_context(found.authorities)
    letter, header = received.letter, received.header
    totals = counts.returned_total
    if not totals.empty:
        counts.returned_total = totals.assign(
            province=[p or province_ctx for p in totals["province"]],
            district=[d or district_ctx for d in totals["district"]],
            commune=[_commune_name(c) for c in totals["commune"]],
        )
    # Performance (issue 8): one frame for the export's (place, day) counts, not one
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
            "province": _each_distinct(daily["province"], lambda p: p or province_ctx),
            "district": _each_distinct(daily["district"], lambda d: d or district_ctx),
            "commune": _each_distinct(daily["commune"], _commune_name),
            "code": None,
            "date": daily["date"].to_numpy(dtype=object),
            "cells": [cells] * len(daily),
            "collected_day": daily["collected_day"].to_numpy(np.int64),
            "returned_day": daily["returned_day"].to_numpy(np.int64),
        }
    )
    if counts.daily.empty and counts.rows == 0:
        report.problems.append(
            Problem(
                "error",
                "no_rows",
                "tệp xuất không có hồ sơ nào có xã/phường và ngày thu nhận.",
                sheet=sheet_name,
            )
        )
    return counts, out


def _cumulate_records(
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
    """
    if daily.empty:
        return pd.DataFrame(columns=["unit_key", "date", "metric", "value"])
    # Performance (issue 8): a units × days grid of integer arrays (each unit gets every
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
    # The daily counts themselves are not stored: they are the differences of the
    # cumulative figures, which is how every reader (metrics, briefing) gets them.
    days = pd.date_range(first, last, freq="D")
    unit_col = np.repeat(np.asarray(units, dtype=object), span)
    date_col = np.tile(days.to_numpy(), len(units))

    def cumulative(column: str, baseline: pd.Series, metric: str) -> pd.DataFrame:
        values = np.cumsum(grid(column), axis=1) + baseline.to_numpy(np.int64)[:, None]
        return pd.DataFrame(
            {"unit_key": unit_col, "date": date_col, "value": values.ravel(), "metric": metric}
        )

    rows = [cumulative("collected_day", baseline_c, "collected")]
    if counts.has_return_dates:
        rows.append(cumulative("returned_day", baseline_r, "returned"))
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
            Problem(
                "warning",
                "records_continue_stored",
                f"{base_units} đơn vị đã có lũy kế trước ngày {date_vn(first)} trong cơ sở dữ liệu; số hồ sơ "
                "trong tệp được cộng tiếp vào lũy kế đó (tệp được hiểu là chỉ gồm hồ sơ từ ngày đầu của tệp).",
            )
        )
    out = pd.concat(rows, ignore_index=True)
    out["date"] = pd.to_datetime(out["date"])
    return out


# -- resolution and validation ---------------------------------------------------------


class _FirstRow(NamedTuple):
    """The first row of a (province, district, commune, code, hierarchy) in the file."""

    row: int
    sheet: str
    province: str
    district: str
    commune: str
    code: str | None
    date: date


# The metric columns of those rows, in order (a table's, then an export's).
_VALUE_ORDER = (*layouts.VALUE_FIELDS, "returned_day")


def _frame_of(records_: list[pd.DataFrame]) -> pd.DataFrame:
    """The frames of tables and exports as one: row, sheet, province, district, commune,
    code, date, cells, one column per metric (None where a row has no value)."""
    frame = pd.concat(records_, ignore_index=True) if len(records_) > 1 else records_[0]
    for metric in _VALUE_ORDER:
        if metric not in frame:
            frame[metric] = None
    return frame


def _timestamps(dates: pd.Series) -> pd.Series:
    """Python dates → the datetime64 pd.Timestamp(day) gives, converting each distinct day once."""
    codes, uniques = pd.factorize(dates, sort=False)
    return pd.Series(pd.DatetimeIndex([pd.Timestamp(d) for d in uniques]).take(codes), index=dates.index)


def _resolve_and_check(
    records_: list, report: ImportReport, store: Store | None, counts: records.RecordCounts | None = None
):
    # Performance (issue 8): the rows are one frame; each distinct (province, district,
    # commune, code, hierarchy) is resolved once, and the closest registry names of all
    # unknown units are found in one bulk call (registry.suggest_many) instead of one
    # scan of the registry per name.  Problems come in the same order as before.
    table = _frame_of(records_)
    day_codes, days = pd.factorize(table["date"], sort=False, use_na_sentinel=False)
    table["reform"] = np.array([d >= registry.REFORM_DATE for d in days], bool)[day_codes]
    triple = ["province", "district", "commune", "code", "reform"]
    group = table.groupby(triple, sort=False, dropna=False).ngroup().to_numpy()
    firsts = table.drop_duplicates(triple)  # first row of each triple, in file order
    if counts is not None:
        # An export's table has a row per (place, day): the place's first row in the file
        # is the smallest of them.
        first_row = table.groupby(triple, sort=False, dropna=False)["row"].transform("min")
        firsts = firsts.assign(row=first_row.loc[firsts.index])
    firsts = [_FirstRow(*values) for values in zip(*(firsts[name].tolist() for name in _FirstRow._fields))]
    reg = registry.load_registry()
    matches = [_resolve(rec, reg) for rec in firsts]
    wanted: dict[str, list[int]] = {}
    for i, (rec, match) in enumerate(zip(firsts, matches)):
        if not match.official:
            wanted.setdefault(registry.hierarchy_of(rec.district, rec.date), []).append(i)
    # The closest names are computed in a thread (rapidfuzz works in C, without the GIL)
    # while the rows are checked; their warnings then go where they always came: before
    # the problems the checks find.
    communes = [rec.commune for rec in firsts]
    suggesting = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    pending = {
        hierarchy: suggesting.submit(registry.suggest_many, [communes[i] for i in items], hierarchy)
        for hierarchy, items in wanted.items()
    }
    suggesting.shutdown(wait=False)
    try:
        keys = np.array([m.key for m in matches], dtype=object)[group]
        table["unit_key"] = keys
        last = table.drop_duplicates(["province", "district", "commune"], keep="last")
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
            obs = _cumulate_records(
                daily.astype({"collected_day": "int64", "returned_day": "int64"}),
                counts,
                keys_of,
                report,
                current,
            )
            first = table.sort_values("row", kind="stable").drop_duplicates("unit_key").set_index("unit_key")
            at = first.index.get_indexer(obs["unit_key"])
            # A figure's row: the unit's first record of that day, or of any day when it has
            # none that day (a day counted as zero); its column: where the figure is read.
            on_day = table.groupby(["unit_key", "date"])["row"].min()
            found = on_day.reindex(pd.MultiIndex.from_arrays([obs["unit_key"], obs["date"]])).to_numpy()
            obs["row"] = np.where(pd.notna(found), found, first["row"].to_numpy()[at]).astype(np.int64)
            obs["sheet"] = first["sheet"].to_numpy()[at]
            cells = first["cells"].iloc[0] if len(first) else {}  # one layout for the whole export
            obs["column"] = obs["metric"].map({m: c[0] for m, c in cells.items()}).astype(object).tolist()
            obs["header"] = obs["metric"].map({m: c[1] for m, c in cells.items()}).astype(object).tolist()
            obs["name"] = first["commune"].to_numpy()[at]
        else:
            obs = _long(table)
            current = None
        obs = _check_duplicates(obs, report)
        _check_cumulative(obs, report, store, current)
        _check_consistency(obs, report)
    finally:
        for hierarchy, future in pending.items():
            for i, suggestions in zip(wanted[hierarchy], future.result()):
                matches[i] = dataclasses.replace(matches[i], suggestions=suggestions)
    resolution: list[Problem] = []
    new_units: dict[str, dict] = {}
    for rec, match in zip(firsts, matches):
        if match.registry_name:
            resolution.append(
                Problem(
                    "warning",
                    "name_variant",
                    f"«{rec.commune}» được khớp với «{match.registry_name}» trong danh mục "
                    "(khác dấu hoặc cách viết); kiểm tra lại nếu không đúng.",
                    sheet=rec.sheet or None,
                    row=rec.row,
                )
            )
        if not match.official:
            hint = (
                f" Gần giống: {', '.join(match.suggestions)}."
                if match.suggestions
                else " Không có tên nào gần giống trong danh mục."
            )
            resolution.append(
                Problem(
                    "warning",
                    "unknown_unit",
                    f"«{rec.commune}» ({rec.district or rec.province or 'không rõ huyện'}) không có trong "
                    f"danh mục hành chính; đã nhận như đơn vị ngoài danh mục, không gộp với đơn vị nào.{hint}",
                    sheet=rec.sheet or None,
                    row=rec.row,
                )
            )
            report.unofficial_units.append(rec.commune)
            new_units[match.key] = _unofficial_unit(match.key, rec, reg)
    report.problems[resolution_at:resolution_at] = resolution
    report.units_read = obs["unit_key"].nunique()
    report.dates = sorted(d.date() for d in pd.DatetimeIndex(obs["date"].unique()))
    if report.report_date is None and len(report.dates) == 1:
        report.report_date = report.dates[0]
    tidy = obs[["unit_key", "date", "metric", "value"]].copy()
    codes, uniques = pd.factorize(tidy["date"], sort=False)
    tidy["date"] = np.array([d.date() for d in pd.DatetimeIndex(uniques)] + [None], dtype=object)[codes]
    tidy["value"] = tidy["value"].astype("int64")
    report.observations = tidy.assign(name=obs["name"].values)
    return tidy, pd.DataFrame(list(new_units.values()))


def _long(table: pd.DataFrame) -> pd.DataFrame:
    """One row per reported value (unit_key, date, metric, value, row, sheet, column,
    header, name), in the order of the rows and, within a row, of _VALUE_ORDER.

    Built by indexing (a row-major walk of the rows × metrics that have a value), not by
    concatenating one frame per metric and sorting them back together."""
    metrics = [m for m in _VALUE_ORDER if table[m].notna().any()]
    if not metrics:
        return pd.DataFrame(
            columns=["unit_key", "date", "metric", "value", "row", "sheet", "column", "header", "name"]
        )
    present = np.column_stack([table[m].notna().to_numpy() for m in metrics])
    at, which = np.divmod(np.flatnonzero(present.ravel()), len(metrics))
    values = np.column_stack([table[m].to_numpy(dtype=object) for m in metrics])[at, which]
    cells_ids, cells = pd.factorize(table["cells"].map(id), sort=False)
    cells_of = dict(zip(table["cells"].map(id), table["cells"]))
    where = [[cells_of[c].get(m, (None, None)) for m in metrics] for c in cells]
    letters = np.array([[w[0] for w in row] for row in where], dtype=object)
    headers_ = np.array([[w[1] for w in row] for row in where], dtype=object)
    ids = cells_ids[at]
    return pd.DataFrame(
        {
            "unit_key": table["unit_key"].to_numpy()[at],
            "date": table["date"].to_numpy()[at],
            "metric": pd.Series(np.asarray(metrics, dtype=object)[which], dtype="str"),
            "value": values.astype(np.int64),
            "row": table["row"].to_numpy()[at],
            # Where a value came from, for messages only: kept as Python objects.
            "sheet": pd.Series(table["sheet"].to_numpy(dtype=object)[at], dtype=object),
            "column": pd.Series(letters[ids, which], dtype=object),
            "header": pd.Series(headers_[ids, which], dtype=object),
            "name": table["commune"].to_numpy()[at],
        }
    )


def _resolve(rec: _FirstRow, reg: pd.DataFrame) -> registry.Match:
    """registry.resolve, and for a row that names neither province nor district, each
    province in turn: a name found in exactly one of them is that unit.  Without the
    closest names of an unknown unit: the caller asks for them in bulk."""
    match = registry.resolve(
        rec.province, rec.district, rec.commune, rec.code, on=rec.date, suggestions=False
    )
    if match.official or rec.province or rec.district:
        return match
    hits = {}
    for name in reg.loc[reg["level"] == "province", "name"]:
        found = registry.resolve(name, "", rec.commune, rec.code, on=rec.date, suggestions=False)
        if found.official:
            hits[found.key] = found
    return next(iter(hits.values())) if len(hits) == 1 else match


@functools.lru_cache(maxsize=1)
def _registry_lookups() -> tuple[dict[str, str], dict[str, list[tuple[str, str]]]]:
    """Provinces by bare name (the first in registry order) and districts by expanded
    name → [(key, province key)]: what _unofficial_unit looks up, built once."""
    reg = registry.load_registry()
    provinces: dict[str, str] = {}
    for key, name in zip(reg.loc[reg.level == "province", "key"], reg.loc[reg.level == "province", "name"]):
        provinces.setdefault(registry.bare(name), key)
    districts: dict[str, list[tuple[str, str]]] = {}
    part = reg[reg.level == "district"]
    for key, name, province in zip(part["key"], part["name"], part["province_key"]):
        districts.setdefault(registry.expand(name), []).append((key, province))
    return provinces, districts


def _unofficial_unit(key: str, rec: _FirstRow, reg: pd.DataFrame) -> dict:
    # Performance (issue 8): dictionary lookups instead of a scan of the registry per new
    # unit (10,000 units outside the registry took minutes); same parents as before.
    hierarchy = "3" if rec.district or rec.date < registry.REFORM_DATE else "2"
    provinces, districts = _registry_lookups()
    province_key = provinces.get(registry.bare(rec.province)) if rec.province else None
    district_key = None
    if rec.district:
        dhits = districts.get(registry.expand(rec.district), [])
        if len(dhits) == 1:
            district_key = dhits[0][0]
            province_key = province_key or dhits[0][1]
    return dict(
        key=key,
        code=rec.code,
        name=rec.commune,
        level="commune",
        unit_type=None,
        parent_key=district_key or province_key,
        province_key=province_key,
        district_key=district_key,
        hierarchy=hierarchy,
        population=None,
        eligible_estimate=None,
        official=False,
        province_name=rec.province or None,
        district_name=rec.district or None,
    )


def _at(row) -> dict:
    return dict(
        sheet=row.sheet or None, row=int(row.row), column=row.column or None, header=row.header or None
    )


def _check_duplicates(obs: pd.DataFrame, report: ImportReport) -> pd.DataFrame:
    dup = obs.duplicated(["unit_key", "date", "metric"], keep=False)
    if not dup.any():
        return obs
    for (_, when, _metric), group in obs[dup].groupby(["unit_key", "date", "metric"]):
        first, *others = list(group.itertuples())
        for other in others:
            if other.value != first.value:
                report.problems.append(
                    Problem(
                        "error",
                        "conflicting_values",
                        f"«{first.name}» ngày {date_vn(when)} có hai giá trị khác nhau: {first.value:,} "
                        f"(dòng {first.row}) và {other.value:,} (dòng {other.row}).".replace(",", "."),
                        **_at(other),
                    )
                )
            else:
                report.problems.append(
                    Problem(
                        "warning",
                        "duplicate_row",
                        f"«{first.name}» ngày {date_vn(when)} lặp lại dòng {first.row}; chỉ tính một lần.",
                        **_at(other),
                    )
                )
    return obs.drop_duplicates(["unit_key", "date", "metric"], keep="first")


def _check_cumulative(
    obs: pd.DataFrame, report: ImportReport, store: Store | None, current: pd.DataFrame | None = None
) -> None:
    """A cumulative figure may not fall below the same unit's previous report.
    `current`: the store's current observations of these units, when already read."""
    cum = obs[obs["metric"].isin(CUMULATIVE)]
    if cum.empty:
        return
    keys = ["unit_key", "date", "metric"]
    # The values to compare, with `at`: the file's row in `cum` (-1 for the store's).
    parts = [
        pd.DataFrame(
            {
                "unit_key": cum["unit_key"].to_numpy(),
                "date": cum["date"].to_numpy(),
                "metric": cum["metric"].to_numpy(),
                "value": cum["value"].to_numpy(),
                "at": np.arange(len(cum)),
            }
        )
    ]
    if store is not None:
        if current is None:
            current = store.current_observations(unit_keys=cum["unit_key"].unique())
        stored = current.loc[current["metric"].isin(CUMULATIVE), [*keys, "value", "upload_id"]]
        if not stored.empty:
            # The file replaces what the store has for the same unit, date and metric.
            stored = stored.merge(cum[keys], how="left", indicator=True, on=keys)
            parts.append(stored[stored["_merge"] == "left_only"].drop(columns="_merge").assign(at=-1))
    both = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    # Sorted by unit, metric and date (each once: the file's duplicates are gone and the
    # store's rows the file replaces too), through integer codes: sorting the text itself
    # was slow.  Performance (issue 8): the previous report of the same unit and metric is
    # the row before in this order; compared with numpy, and rows looked up only for the
    # values that fall.
    unit_code = pd.factorize(both["unit_key"], sort=True)[0]
    metric_code = pd.factorize(both["metric"], sort=True)[0]
    order = np.lexsort((pd.DatetimeIndex(both["date"]).asi8, metric_code, unit_code))
    unit_code, metric_code = unit_code[order], metric_code[order]
    same = np.r_[False, (unit_code[1:] == unit_code[:-1]) & (metric_code[1:] == metric_code[:-1])]
    value = both["value"].to_numpy(dtype=float)[order]
    at = both["at"].to_numpy()[order]
    from_file = at >= 0
    before_value = np.where(same, np.r_[np.nan, value[:-1]], np.nan)
    before_file = same & np.r_[False, from_file[:-1]]
    with np.errstate(invalid="ignore"):
        fall = (value < before_value) & (from_file | before_file)
    # A value from a file dropped above this one (a dry run through Pending) is named as
    # such: it is not in the database yet.
    file_of = getattr(store, "file_of", lambda upload_id: None)

    def stored_as(row) -> str | None:
        name = file_of(row.upload_id)
        return f"tệp «{name}» phía trên" if name else None

    for i in np.flatnonzero(fall).tolist():
        row, prev = both.iloc[order[i]], both.iloc[order[i - 1]]
        label = "lũy kế thu nhận" if row.metric == "collected" else "lũy kế trả thẻ"
        if at[i] >= 0:
            here = cum.iloc[at[i]]
            source = (
                f"dòng {int(cum.iloc[at[i - 1]].row)}"
                if at[i - 1] >= 0
                else stored_as(prev) or "đã có trong cơ sở dữ liệu"
            )
            where = f"báo cáo ngày {date_vn(prev.date)} ({source})"
            report.problems.append(
                Problem(
                    "error",
                    "falling_cumulative",
                    f"«{here['name']}» ngày {date_vn(row.date)}: {label} {int(row.value):,} thấp hơn "
                    f"{int(prev.value):,} của {where}.".replace(",", "."),
                    **_at(here),
                )
            )
        else:
            original = cum.iloc[at[i - 1]]  # the file's value the store's later one is below
            report.problems.append(
                Problem(
                    "error",
                    "falling_cumulative",
                    f"«{original['name']}» ngày {date_vn(prev.date)}: {label} {int(prev.value):,} cao hơn "
                    f"báo cáo ngày {date_vn(row.date)} {'của ' + stored_as(row) if stored_as(row) else 'đã có'} "
                    f"({int(row.value):,}); lũy kế không thể giảm.".replace(",", "."),
                    **_at(original),
                )
            )


def _check_consistency(obs: pd.DataFrame, report: ImportReport) -> None:
    # Performance (issue 8): each metric is joined with `collected` on (unit, date) instead
    # of pivoting every observation; the problems come in the pivot's order (by unit, then
    # date).  `obs` has one value per (unit, date, metric): _check_duplicates ran first.
    metric = obs["metric"]
    collected = obs.loc[metric == "collected", ["unit_key", "date", "value"]]
    if collected.empty:
        return
    first_rows = None

    def against(other: str) -> pd.DataFrame:
        part = obs.loc[metric == other, ["unit_key", "date", "value"]]
        both = part.merge(collected, on=["unit_key", "date"], suffixes=("", "_collected"))
        return both.rename(columns={"value": other, "value_collected": "collected"})

    def located(key, when):
        nonlocal first_rows
        if first_rows is None:
            first_rows = obs.drop_duplicates(["unit_key", "date"]).set_index(["unit_key", "date"])
        return first_rows.loc[(key, when)]

    if (metric == "returned").any():
        both = against("returned")
        bad = both[both["returned"] > both["collected"]].sort_values(["unit_key", "date"])
        for values in bad.head(20).itertuples(index=False):
            row = located(values.unit_key, values.date)
            report.problems.append(
                Problem(
                    "warning",
                    "returned_above_collected",
                    f"«{row['name']}» ngày {date_vn(values.date)}: số thẻ đã trả ({int(values.returned):,}) lớn hơn "
                    f"số hồ sơ đã thu nhận ({int(values.collected):,}).".replace(",", "."),
                    sheet=row.sheet or None,
                    row=int(row.row),
                )
            )
    if (metric == "eligible").any():
        both = against("eligible")
        bad = both[both["collected"] > both["eligible"]].sort_values(["unit_key", "date"])
        for values in bad.drop_duplicates("unit_key").itertuples(index=False):
            row = located(values.unit_key, values.date)
            report.problems.append(
                Problem(
                    "warning",
                    "coverage_over_100",
                    f"«{row['name']}» từ ngày {date_vn(values.date)}: đã thu nhận {int(values.collected):,} "
                    f"vượt số công dân đủ điều kiện ({int(values.eligible):,}).".replace(",", "."),
                    sheet=row.sheet or None,
                    row=int(row.row),
                )
            )
