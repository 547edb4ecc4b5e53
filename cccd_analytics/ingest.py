"""Import: file → reader → layout → normaliser → validator → store (one transaction).

`import_file` never raises for bad input: it returns an `ImportReport` whose problems
name the file, sheet, row and column in Vietnamese.  A file with any error is refused
whole and nothing is written; a file identical to an earlier upload is a no-op.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from cccd_analytics import headers, layout as layouts, legacy_text, normalise, registry
from cccd_analytics.readers import Limits, ReadError, read_workbook
from cccd_analytics.store import NewUpload, Store

CUMULATIVE = ("collected", "returned")


@dataclass(frozen=True)
class Problem:
    severity: str            # error | warning
    code: str                # machine-readable kind, e.g. negative, falling_cumulative
    message: str             # Vietnamese, without the location
    sheet: str | None = None
    row: int | None = None   # 1-based, as the spreadsheet shows it
    column: str | None = None  # letter, as the spreadsheet shows it
    header: str | None = None

    def where(self, file_name: str) -> str:
        parts = [f"Tệp «{file_name}»"]
        if self.sheet:
            parts.append(f"trang «{self.sheet}»")
        if self.row:
            parts.append(f"dòng {self.row}")
        if self.column:
            parts.append(f"cột {self.column}" + (f" («{self.header}»)" if self.header else ""))
        return ", ".join(parts)

    def describe(self, file_name: str) -> str:
        return f"{self.where(file_name)}: {self.message}"


@dataclass
class ImportReport:
    file_name: str
    sha256: str = ""
    status: str = "refused"     # imported | refused | duplicate | checked (dry run)
    upload_id: int | None = None
    format: str = ""
    encoding: str = ""
    encoding_repairs: list[str] = field(default_factory=list)
    sheet: str | None = None
    layout: str = ""
    header_rows: list[int] = field(default_factory=list)
    report_date: date | None = None
    rows_read: int = 0
    units_read: int = 0
    dates: list[date] = field(default_factory=list)
    unofficial_units: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    message: str = ""

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
        data = asdict(self)
        data["problems"] = [dict(asdict(p), text=p.describe(self.file_name)) for p in self.problems]
        data["report_date"] = self.report_date.isoformat() if self.report_date else None
        data["dates"] = [d.isoformat() for d in self.dates]
        return data

    def summary(self) -> str:
        """One Vietnamese paragraph for the CLI and the upload page."""
        if self.message:
            return self.message
        return f"Tệp «{self.file_name}»: {self.status}"


@dataclass
class _Record:
    row: int
    sheet: str
    province: str
    district: str
    commune: str
    code: str | None
    date: date | None
    values: dict[str, int]
    cells: dict[str, tuple[str, str]]  # field → (column letter, header)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def import_file(store: Store | None, path: str | Path, **kwargs) -> ImportReport:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        report = ImportReport(file_name=path.name)
        report.problems.append(Problem("error", "unreadable", f"không mở được tệp ({exc.strerror})."))
        report.message = report.problems[0].describe(path.name)
        return report
    return import_bytes(store, data, path.name, **kwargs)


def import_bytes(store: Store | None, data: bytes, file_name: str, *, uploaded_by: str | None = None,
                 dry_run: bool = False, limits: Limits = Limits(),
                 mapping: dict[str, int] | None = None,
                 hook: Callable[[str], None] | None = None) -> ImportReport:
    """Check one file and, unless it has errors or `dry_run`, store it in one transaction."""
    report = ImportReport(file_name=file_name, sha256=sha256_of(data))
    if store is not None:
        earlier = store.find_upload_by_sha(report.sha256)
        if earlier:
            report.status, report.upload_id = "duplicate", earlier["id"]
            report.message = (f"Tệp «{file_name}» giống hệt lần nhập số {earlier['id']} "
                              f"(«{earlier['file_name']}», {earlier['uploaded_at']:%d/%m/%Y %H:%M}); "
                              "không có gì thay đổi.")
            return report
    try:
        book = read_workbook(data, file_name, limits)
    except ReadError as exc:
        report.problems.append(Problem("error", "unreadable", str(exc)))
        report.message = str(exc)
        return report
    report.format, report.encoding = book.format, book.encoding
    records = _extract(book, report, mapping)
    if not report.errors and not records:
        report.problems.append(Problem("error", "no_rows", "không có dòng số liệu nào của xã/phường."))
    observations, new_units = (_resolve_and_check(records, report, store)
                               if not report.errors else (None, None))
    if report.errors:
        report.status = "refused"
        first = report.errors[0].describe(file_name)
        more = len(report.errors) - 1
        report.message = (f"Từ chối tệp «{file_name}»: {len(report.errors)} lỗi, không ghi gì vào "
                          f"cơ sở dữ liệu. Lỗi đầu tiên — {first}" + (f" (và {more} lỗi khác)" if more else ""))
        return report
    if dry_run or store is None:
        report.status = "checked"
        report.message = (f"Tệp «{file_name}» hợp lệ: {report.units_read} đơn vị, "
                          f"{len(report.dates)} ngày, {len(report.warnings)} cảnh báo (chưa ghi).")
        return report
    upload = NewUpload(
        file_name=file_name, sha256=report.sha256, rows_read=report.rows_read,
        observations=observations, new_units=new_units, report_date=report.report_date,
        uploaded_by=uploaded_by,
        warnings=tuple(dict(asdict(p), text=p.describe(file_name)) for p in report.warnings),
        kind="canonical" if "date" in (report.layout or "") else "report",
        layout=report.layout, encoding=", ".join(filter(None, [report.encoding] + report.encoding_repairs)))
    report.upload_id = store.write_upload(upload, hook=hook)
    report.status = "imported"
    report.message = (f"Đã nhập tệp «{file_name}» (lần nhập số {report.upload_id}): "
                      f"{report.units_read} đơn vị, {len(report.dates)} ngày, "
                      f"{len(report.warnings)} cảnh báo.")
    return report


# -- extraction ------------------------------------------------------------------------

def _repair_sheet(sheet, report: ImportReport) -> None:
    texts = [c for row in sheet.rows for c in row if isinstance(c, str) and c.strip()]
    if not texts:
        return
    repaired, detection = legacy_text.repair_texts(texts)
    if detection.encoding != "unicode":
        mapping = dict(zip(texts, repaired))
        sheet.rows = [[mapping.get(c, c) if isinstance(c, str) else c for c in row]
                      for row in sheet.rows]
        where = f"trang «{sheet.name}»: " if sheet.name else ""
        report.encoding_repairs.append(
            f"{where}phông {detection.encoding.upper()} → Unicode "
            f"(ví dụ «{detection.sample_before}» → «{detection.sample_after}»)")
    else:
        sheet.rows = [[legacy_text.to_nfc(c) if isinstance(c, str) else c for c in row]
                      for row in sheet.rows]


def _extract(book, report: ImportReport, mapping: dict[str, int] | None) -> list[_Record]:
    records: list[_Record] = []
    found_any = False
    for sheet in book.sheets:
        _repair_sheet(sheet, report)
        found = layouts.locate(sheet.rows, book.file_name)
        if mapping:
            found = _apply_mapping(found, mapping)
        if found is None:
            continue
        found_any = True
        if report.sheet is None:
            report.sheet = sheet.name or None
            report.layout = found.description + (", có cột ngày" if "date" in found.columns else "")
            report.header_rows = [r + 1 for r in found.header_rows]
            report.report_date = found.report_date
        records.extend(_sheet_records(sheet, found, book.file_name, report))
    if not found_any:
        names = ", ".join(f"«{s.name}»" for s in book.sheets if s.name) or "tệp"
        report.problems.append(Problem(
            "error", "no_table",
            f"không tìm thấy bảng số liệu ({names}): cần ít nhất cột tên xã/phường và cột "
            "lũy kế thu nhận (ví dụ «Xã», «Lũy kế thu nhận»)."))
    return records


def _apply_mapping(found, mapping: dict[str, int]):
    """Use a column mapping the user chose (upload page) over the detected one."""
    if found is None:
        return None
    columns = dict(found.columns)
    for field_name, index in mapping.items():
        columns[field_name] = layouts.Column(index, field_name, headers.FIELD_LABELS.get(field_name, field_name))
    found.columns = columns
    return found


def _sheet_records(sheet, found, file_name: str, report: ImportReport) -> list[_Record]:
    cols = found.columns
    out: list[_Record] = []
    province_ctx, district_ctx = _authority_context(found.authorities)
    fallback_date = found.report_date or normalise.date_from_file_name(file_name)
    date_order = normalise.date_order(
        [r[cols["date"].index] for r in sheet.rows[found.first_data_row:] if cols["date"].index < len(r)]
    ) if "date" in cols else "dmy"
    subtotals: list[tuple[int, str, dict[str, int], list[int]]] = []  # row, label, values, members
    totals: list[tuple[int, dict[str, int]]] = []
    current_members: list[int] | None = None

    def cell(row: list, name: str):
        col = cols.get(name)
        return row[col.index] if col is not None and col.index < len(row) else None

    for index in range(found.first_data_row, len(sheet.rows)):
        row = sheet.rows[index]
        kind = layouts.classify(row, found)
        if kind.kind in ("blank",):
            continue
        if kind.kind == "footer":
            break
        values, cells, bad = {}, {}, False
        for name in layouts.VALUE_FIELDS:
            if name not in cols:
                continue
            parsed = normalise.parse_count(cell(row, name))
            col = cols[name]
            cells[name] = (col.letter, col.header)
            problem_at = dict(sheet=sheet.name or None, row=index + 1, column=col.letter, header=col.header)
            if parsed.error:
                report.problems.append(Problem("error", "bad_number", parsed.error, **problem_at))
                bad = True
            elif parsed.value is not None:
                if parsed.value < 0:
                    report.problems.append(Problem("error", "negative", f"số âm ({parsed.value}).", **problem_at))
                    bad = True
                values[name] = parsed.value
            if parsed.warning:
                report.problems.append(Problem("warning", "ambiguous_number", parsed.warning, **problem_at))
        if kind.kind == "total":
            totals.append((index + 1, values))
            continue
        if kind.kind == "subtotal":
            district_ctx = kind.district
            current_members = []
            subtotals.append((index + 1, kind.district, values, current_members))
            continue
        report.rows_read += 1
        if bad:
            continue
        when = fallback_date
        if "date" in cols:
            parsed = normalise.parse_date(cell(row, "date"), order=date_order)
            col = cols["date"]
            at = dict(sheet=sheet.name or None, row=index + 1, column=col.letter, header=col.header)
            if parsed.error:
                report.problems.append(Problem("error", "bad_date", parsed.error, **at))
                continue
            if parsed.warning:
                report.problems.append(Problem("warning", "ambiguous_date", parsed.warning, **at))
            when = parsed.value or fallback_date
        if when is None:
            report.problems.append(Problem(
                "error", "no_date", "không xác định được ngày số liệu: tệp không có cột ngày, "
                "dòng «Số liệu tính đến … ngày …» hay ngày trong tên tệp.", sheet=sheet.name or None,
                row=index + 1))
            break
        if "collected" not in values and "collected_day" not in values:
            continue  # a commune row with no figures: not reported
        if current_members is not None:
            current_members.append(len(out))
        code = normalise.text(cell(row, "commune_code")) or None
        out.append(_Record(
            row=index + 1, sheet=sheet.name or "", province=normalise.text(cell(row, "province")) or province_ctx,
            district=normalise.text(cell(row, "district")) or district_ctx or "",
            commune=normalise.text(cell(row, "commune")), code=code, date=when, values=values,
            cells=cells))
    if "collected" not in cols and out:
        col = cols.get("collected_day")
        report.problems.append(Problem(
            "error", "no_cumulative", "thiếu cột lũy kế thu nhận (chỉ có số trong ngày).",
            sheet=sheet.name or None, row=found.header_rows[-1] + 1,
            column=col.letter if col else None))
    _check_sums(out, subtotals, totals, sheet.name or None, report)
    return out


def _authority_context(authorities: tuple[str, ...]) -> tuple[str, str]:
    """Province and district from the letterhead ("CÔNG AN TỈNH HÀ TĨNH / CÔNG AN HUYỆN KỲ ANH")."""
    province = district = ""
    for authority in authorities:
        if authority.startswith("tinh "):
            province = province or authority
        elif authority.startswith(("huyen ", "thi xa ", "thanh pho ", "quan ")):
            district = district or authority
    return province, district


def _check_sums(records, subtotals, totals, sheet, report: ImportReport) -> None:
    """Subtotal and total rows are never units: check them against their communes."""
    def compare(row, label, values, members):
        for name, stated in values.items():
            actual = sum(records[i].values.get(name, 0) for i in members)
            if members and stated != actual:
                report.problems.append(Problem(
                    "warning", "subtotal_mismatch",
                    f"dòng {label} ghi {stated:,} nhưng tổng các xã là {actual:,} "
                    f"(chênh {stated - actual:+,}).".replace(",", "."),
                    sheet=sheet, row=row, column=records[members[0]].cells.get(name, ("", ""))[0] or None,
                    header=records[members[0]].cells.get(name, ("", ""))[1] or None))
    for row, label, values, members in subtotals:
        compare(row, f"cộng «{label}»", values, members)
    for row, values in totals:
        compare(row, "tổng cộng", values, list(range(len(records))))


# -- resolution and validation ---------------------------------------------------------

def _resolve_and_check(records: list[_Record], report: ImportReport, store: Store | None):
    cache: dict[tuple, registry.Match] = {}
    keys = []
    new_units: dict[str, dict] = {}
    reg = registry.load_registry()
    for rec in records:
        triple = (rec.province, rec.district, rec.commune, rec.code, rec.date >= registry.REFORM_DATE)
        if triple not in cache:
            cache[triple] = registry.resolve(rec.province, rec.district, rec.commune, rec.code, on=rec.date)
            match = cache[triple]
            if match.registry_name:
                report.problems.append(Problem(
                    "warning", "name_variant",
                    f"«{rec.commune}» được khớp với «{match.registry_name}» trong danh mục "
                    "(khác dấu hoặc cách viết); kiểm tra lại nếu không đúng.",
                    sheet=rec.sheet or None, row=rec.row))
            if not match.official:
                hint = f" Gần giống: {', '.join(match.suggestions)}." if match.suggestions else ""
                report.problems.append(Problem(
                    "warning", "unknown_unit",
                    f"«{rec.commune}» ({rec.district or rec.province or 'không rõ huyện'}) không có trong "
                    f"danh mục hành chính; đã nhận như đơn vị ngoài danh mục, không gộp với đơn vị nào.{hint}",
                    sheet=rec.sheet or None, row=rec.row))
                report.unofficial_units.append(rec.commune)
                new_units[match.key] = _unofficial_unit(match.key, rec, reg)
        keys.append(cache[triple].key)
    rows = []
    for rec, key in zip(records, keys):
        for metric, value in rec.values.items():
            rows.append((key, pd.Timestamp(rec.date), metric, value, rec.row, rec.sheet,
                         rec.cells[metric][0], rec.cells[metric][1], rec.commune))
    obs = pd.DataFrame(rows, columns=["unit_key", "date", "metric", "value", "row", "sheet",
                                      "column", "header", "name"])
    obs = _check_duplicates(obs, report)
    _check_cumulative(obs, report, store)
    _check_consistency(obs, report)
    report.units_read = obs["unit_key"].nunique()
    report.dates = sorted({d.date() for d in obs["date"]})
    if report.report_date is None and len(report.dates) == 1:
        report.report_date = report.dates[0]
    tidy = obs[["unit_key", "date", "metric", "value"]].copy()
    tidy["date"] = tidy["date"].dt.date
    return tidy, pd.DataFrame(list(new_units.values()))


def _unofficial_unit(key: str, rec: _Record, reg: pd.DataFrame) -> dict:
    hierarchy = "3" if rec.district or rec.date < registry.REFORM_DATE else "2"
    district = registry.resolve(rec.province, rec.district, "", None) if rec.district else None
    province_key = None
    pmatch = [k for k, n in zip(reg.key, reg.name) if reg.at[k, "level"] == "province"
              and registry.bare(n) == registry.bare(rec.province)] if rec.province else []
    if pmatch:
        province_key = pmatch[0]
    district_key = None
    if rec.district:
        dhits = reg[(reg.level == "district") & (reg.name.map(registry.expand) == registry.expand(rec.district))]
        if len(dhits) == 1:
            district_key = dhits.index[0]
            province_key = province_key or dhits.iloc[0]["province_key"]
    del district
    return dict(key=key, code=rec.code, name=rec.commune, level="commune", unit_type=None,
                parent_key=district_key or province_key, province_key=province_key,
                district_key=district_key, hierarchy=hierarchy, population=None,
                eligible_estimate=None, official=False, province_name=rec.province or None,
                district_name=rec.district or None)


def _at(row) -> dict:
    return dict(sheet=row.sheet or None, row=int(row.row), column=row.column or None,
                header=row.header or None)


def _check_duplicates(obs: pd.DataFrame, report: ImportReport) -> pd.DataFrame:
    dup = obs.duplicated(["unit_key", "date", "metric"], keep=False)
    if not dup.any():
        return obs
    for (_, when, metric), group in obs[dup].groupby(["unit_key", "date", "metric"]):
        first, *others = list(group.itertuples())
        for other in others:
            if other.value != first.value:
                report.problems.append(Problem(
                    "error", "conflicting_values",
                    f"«{first.name}» ngày {when:%d/%m/%Y} có hai giá trị khác nhau: {first.value:,} "
                    f"(dòng {first.row}) và {other.value:,} (dòng {other.row}).".replace(",", "."),
                    **_at(other)))
            else:
                report.problems.append(Problem(
                    "warning", "duplicate_row",
                    f"«{first.name}» ngày {when:%d/%m/%Y} lặp lại dòng {first.row}; chỉ tính một lần.",
                    **_at(other)))
    return obs.drop_duplicates(["unit_key", "date", "metric"], keep="first")


def _check_cumulative(obs: pd.DataFrame, report: ImportReport, store: Store | None) -> None:
    """A cumulative figure may not fall below the same unit's previous report."""
    cum = obs[obs["metric"].isin(CUMULATIVE)]
    if cum.empty:
        return
    stored = pd.DataFrame(columns=["unit_key", "date", "metric", "value"])
    if store is not None:
        current = store.current_observations(unit_keys=cum["unit_key"].unique())
        stored = current[current["metric"].isin(CUMULATIVE)][["unit_key", "date", "metric", "value"]]
        # The file replaces what the store has for the same unit, date and metric.
        stored = stored.merge(cum[["unit_key", "date", "metric"]], how="left", indicator=True,
                              on=["unit_key", "date", "metric"])
        stored = stored[stored["_merge"] == "left_only"].drop(columns="_merge")
    both = pd.concat([cum.assign(source="file"), stored.assign(source="store")], ignore_index=True)
    both = both.sort_values(["unit_key", "metric", "date"])
    previous = both.groupby(["unit_key", "metric"])[["value", "date", "source", "row"]].shift(1)
    falling = both[(both["value"] < previous["value"]) &
                   ((both["source"] == "file") | (previous["source"] == "file"))]
    for index, row in falling.iterrows():
        prev = previous.loc[index]
        label = "lũy kế thu nhận" if row.metric == "collected" else "lũy kế trả thẻ"
        if row.source == "file":
            where = (f"báo cáo ngày {prev.date:%d/%m/%Y} ({'dòng ' + str(int(prev.row)) if prev.source == 'file' else 'đã có trong cơ sở dữ liệu'})")
            report.problems.append(Problem(
                "error", "falling_cumulative",
                f"«{row['name']}» ngày {row.date:%d/%m/%Y}: {label} {int(row.value):,} thấp hơn "
                f"{int(prev.value):,} của {where}.".replace(",", "."), **_at(row)))
        else:
            original = cum[(cum.unit_key == row.unit_key) & (cum.metric == row.metric) &
                           (cum.date == prev.date)].iloc[0]
            report.problems.append(Problem(
                "error", "falling_cumulative",
                f"«{original['name']}» ngày {prev.date:%d/%m/%Y}: {label} {int(prev.value):,} cao hơn "
                f"báo cáo ngày {row.date:%d/%m/%Y} đã có ({int(row.value):,}); lũy kế không thể giảm."
                .replace(",", "."), **_at(original)))


def _check_consistency(obs: pd.DataFrame, report: ImportReport) -> None:
    wide = obs.pivot_table(index=["unit_key", "date"], columns="metric", values="value", aggfunc="first")
    first_rows = obs.drop_duplicates(["unit_key", "date"]).set_index(["unit_key", "date"])
    if {"returned", "collected"} <= set(wide.columns):
        bad = wide[wide["returned"] > wide["collected"]]
        for (key, when), values in bad.head(20).iterrows():
            row = first_rows.loc[(key, when)]
            report.problems.append(Problem(
                "warning", "returned_above_collected",
                f"«{row['name']}» ngày {when:%d/%m/%Y}: số thẻ đã trả ({int(values.returned):,}) lớn hơn "
                f"số hồ sơ đã thu nhận ({int(values.collected):,}).".replace(",", "."),
                sheet=row.sheet or None, row=int(row.row)))
    if {"eligible", "collected"} <= set(wide.columns):
        bad = wide[wide["collected"] > wide["eligible"]]
        for key, group in bad.groupby(level=0):
            (_, when), values = next(iter(group.iterrows()))
            row = first_rows.loc[(key, when)]
            report.problems.append(Problem(
                "warning", "coverage_over_100",
                f"«{row['name']}» từ ngày {when:%d/%m/%Y}: đã thu nhận {int(values.collected):,} "
                f"vượt số công dân đủ điều kiện ({int(values.eligible):,}).".replace(",", "."),
                sheet=row.sheet or None, row=int(row.row)))
