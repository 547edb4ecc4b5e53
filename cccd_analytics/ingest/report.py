"""What an import says: the `ImportReport` of one file and its `Problem`s, each naming
the sheet, row and column in Vietnamese."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import date
from typing import TYPE_CHECKING

from cccd_analytics import rules

if TYPE_CHECKING:  # annotations only: a report is made before pandas is needed
    import pandas as pd


@dataclass(frozen=True)
class Problem:
    severity: str  # error | warning
    code: str  # machine-readable kind, e.g. negative, falling_cumulative
    message: str  # Vietnamese, without the location
    sheet: str | None = None
    row: int | None = None  # 1-based, as the spreadsheet shows it
    column: str | None = None  # letter, as the spreadsheet shows it
    header: str | None = None
    page: int | None = None  # a PDF's page
    table: bool = False  # `sheet` is a table of a Word or PDF document ("Bảng 2"), `row` its row

    @classmethod
    def of(cls, code: str, message: str, *, lesser: bool = False, **where) -> Problem:
        """A problem of one of the rules (`cccd_analytics.rules`), with the rule's severity
        (its lesser one for the milder cases the rule names)."""
        return cls(rules.severity(code, lesser), code, message, **where)

    def where(self, file_name: str) -> str:
        return ", ".join([f"Tệp «{file_name}»", *self.cell()])

    def cell(self) -> list[str]:
        """Where in the file, without its name: sheet (or a document's table and page), row, column."""
        parts = []
        if self.sheet:
            parts.append(self.sheet.lower() if self.table else f"trang «{self.sheet}»")
        if self.page:
            parts.append(f"trang {self.page}")
        if self.row:
            parts.append(f"dòng {self.row}" + (" của bảng" if self.table else ""))
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
    # Parts of commune-days the file gives (ingest.parts): per dimension its values and
    # figures, totals built from parts, parts served outside the province, denominators.
    breakdowns: dict | None = None
    rows_read: int = 0
    units_read: int = 0
    dates: list[date] = field(default_factory=list)
    unofficial_units: list[str] = field(default_factory=list)
    # Per sheet: columns added by a layout → the (letter, header) messages show.  Not in to_dict().
    column_aliases: dict = field(default_factory=dict, repr=False, compare=False)
    # Per table of a Word/PDF document: its rows → (page, row of the table).  Not in to_dict().
    row_labels: dict = field(default_factory=dict, repr=False, compare=False)
    # A per-record export over several sheets: its first sheet's name → where each sheet's
    # rows start in the rows numbered on across them (records.sheet_of_row).  Not in to_dict().
    row_sheets: dict = field(default_factory=dict, repr=False, compare=False)
    # Per sheet of units as columns turned into a wide sheet: where its cells were
    # (`turned.Turned`).  Not in to_dict().
    turned: dict = field(default_factory=dict, repr=False, compare=False)
    # Per sheet of one unit's own report, the unit written in as columns: where it was named
    # (`one_unit.OneUnit`).  Not in to_dict().
    one_unit: dict = field(default_factory=dict, repr=False, compare=False)
    # Word/PDF: every table of the document (name, rows, columns, pages, read), so the
    # preview shows which one was read.
    tables: list[dict] = field(default_factory=list)
    # Commune rows whose blank district (province) cell took the one above, the registry agreeing.
    filled_down: int = 0
    # The (sheet, row) of those rows (a wide sheet reads a row once per day).  Not in to_dict().
    filled_down_rows: set = field(default_factory=set, repr=False, compare=False)
    # The (sheet, row) of rows whose blank day cell took the day above (a day merged down).
    days_filled_down: set = field(default_factory=set, repr=False, compare=False)
    # The (sheet, row) of a long table's rows whose blank commune cell took the commune above
    # (a commune written once over its days: `rows._names_over_their_days`).
    names_filled_down: set = field(default_factory=set, repr=False, compare=False)
    # The (sheet, row) of hamlet rows under a commune ("- Thôn Tân Thành"): not stored.
    hamlet_rows: set = field(default_factory=set, repr=False, compare=False)
    # The (sheet, row) of lines splitting the grand total again ("- Các xã"): not stored.
    total_part_rows: set = field(default_factory=set, repr=False, compare=False)
    # Sheets holding several tables one under another (`stacked`): sheet, header rows (1-based).
    stacked_tables: list[dict] = field(default_factory=list)
    # Tables side by side on a sheet (`stacked._side_by_side`): sheet and each table's first column.
    side_by_side_tables: list[dict] = field(default_factory=list)
    # Headers of further tables of the same figures and day on a sheet, read as one table with
    # the one above: (sheet, 1-based row).  Not in to_dict().
    same_day_tables: list = field(default_factory=list, repr=False, compare=False)
    # Text rows inside a table that name no district ("THÁNG 4/2021"): (sheet, 1-based row,
    # text).  Not in to_dict().
    section_rows: list = field(default_factory=list, repr=False, compare=False)
    # Names matched through a spelling equivalence or a guess: sheet, row, typed, official, how.
    corrections: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    message: str = ""
    # The observations the file gives (unit_key, name, date, metric, value), for a
    # preview before writing.  Not part of to_dict().
    observations: pd.DataFrame | None = field(default=None, repr=False, compare=False)
    # The parts and denominators the file gives (ingest.parts), for the preview and the
    # upload.  Not part of to_dict().
    parts: pd.DataFrame | None = field(default=None, repr=False, compare=False)
    denominators: pd.DataFrame | None = field(default=None, repr=False, compare=False)
    # A checked file's upload, ready to write (pipeline.write_checked).  Not part of to_dict().
    upload: object | None = field(default=None, repr=False, compare=False)

    def sheet_left_out(self, sheet: str | None, message: str, row: int | None = None) -> None:
        """Say that a sheet with a table is not read, and why (`message`, in full)."""
        self.problems.append(Problem.of("sheet_skipped", message, sheet=sheet or None, row=row))

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
        data = {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name
            not in (
                "observations",
                "column_aliases",
                "row_labels",
                "row_sheets",
                "turned",
                "filled_down_rows",
                "days_filled_down",
                "names_filled_down",
                "hamlet_rows",
                "total_part_rows",
                "same_day_tables",
                "section_rows",
                "parts",
                "denominators",
                "upload",
            )
        }
        data["problems"] = [dict(asdict(p), text=p.describe(self.file_name)) for p in self.problems]
        data["report_date"] = self.report_date.isoformat() if self.report_date else None
        data["dates"] = [d.isoformat() for d in self.dates]
        data["errors"] = len(self.errors)
        data["warnings"] = len(self.warnings)
        return data

    def table_read(self) -> str:
        """A Word/PDF document: which of its tables was read, in Vietnamese ("Bảng 2 (83
        dòng, trang 1–3) trong 2 bảng của văn bản")."""
        read = [t for t in self.tables if t["read"]]
        if not read:
            return f"không bảng nào trong {len(self.tables)} bảng của văn bản"
        parts = []
        for table in read:
            pages = table.get("pages") or []
            where = (
                f", trang {pages[0]}"
                if len(pages) == 1
                else f", trang {pages[0]}–{pages[-1]}"
                if pages
                else ""
            )
            parts.append(f"{table['name']} ({table['rows']} dòng{where})")
        return f"{', '.join(parts)} trong {len(self.tables)} bảng của văn bản"

    def summary(self) -> str:
        """One Vietnamese paragraph for the CLI and the upload page."""
        if self.message:
            return self.message
        return f"Tệp «{self.file_name}»: {self.status}"
