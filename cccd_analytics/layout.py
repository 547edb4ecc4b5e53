"""Layout detection: where the table is in a sheet and what each row is.

Handles the shapes units send: letterhead and title rows, a date line ("Số liệu tính
đến 17 giờ 00 ngày 15/03/2021"), one- or two-row merged headers, a column-number row
(1, 2, 3 …), commune rows, district subtotal rows (Roman numerals, upper-case names),
grand-total rows at the top or bottom, and signature footers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from cccd_analytics import headers, normalise
from cccd_analytics.registry import fold

HEADER_SCAN_ROWS = 40
VALUE_FIELDS = ("eligible", "collected", "collected_day", "returned")
_ROMAN = re.compile(r"^(?=[ivxlc]+$)c{0,3}(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$")
_TOTAL = ("tong cong", "toan tinh", "toan huyen", "tong so", "tong", "cong", "toan thi xa",
          "toan thanh pho", "toan quan")
_FOOTER = ("nguoi lap bieu", "nguoi lap", "noi nhan", "truong cong an", "ky ten", "kt truong",
           "kt giam doc", "giam doc", "thu truong", "pho truong", "xac nhan", "lanh dao")
_AUTHORITY = re.compile(r"^(cong an|ubnd|uy ban nhan dan|ban chi dao)\s+(.*)$")


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass(frozen=True)
class Column:
    index: int
    field: str
    header: str

    @property
    def letter(self) -> str:
        return column_letter(self.index)


@dataclass
class Layout:
    header_rows: tuple[int, ...]           # 0-based indexes in the sheet
    columns: dict[str, Column]
    first_data_row: int
    report_date: date | None = None
    date_line: str | None = None
    authorities: tuple[str, ...] = ()      # ("tinh ha tinh", "huyen ky anh") from the letterhead
    title: str | None = None
    description: str = ""
    unmapped: list[tuple[int, str]] = field(default_factory=list)  # (column, header)


def _row_texts(row: list) -> list[str]:
    return [normalise.text(c) for c in row]


def _ffill(texts: list[str]) -> list[str]:
    out, last = [], ""
    for t in texts:
        last = t or last
        out.append(last)
    return out


def _map_header(rows: list[list], r: int) -> tuple[dict[str, Column], tuple[int, ...], list]:
    """Fields named by header row r, with row r-1 as the parent of a two-row header."""
    own = _row_texts(rows[r])
    above = _row_texts(rows[r - 1]) if r > 0 else [""] * len(own)
    above += [""] * (len(own) - len(above))
    parents = _ffill(above)
    single: dict[str, Column] = {}
    double: dict[str, Column] = {}
    unmapped = []
    for c, text in enumerate(own):
        field_one = headers.match(text) if text else None
        if field_one and field_one not in single:
            single[field_one] = Column(c, field_one, text)
        if text:
            field_two = headers.match(text, parent=parents[c] if not above[c] or above[c] != text else None)
            label = f"{parents[c]} / {text}" if parents[c] and parents[c] != text else text
        else:
            field_two = headers.match(above[c]) if above[c] else None
            label = above[c]
        if field_two and field_two not in double:
            double[field_two] = Column(c, field_two, label)
        elif not field_two and (text or above[c]):
            unmapped.append((c, label))
    if len(double) > len(single) and r > 0 and any(above):
        return double, (r - 1, r), unmapped
    return single, (r,), [(c, t) for c, t in enumerate(own) if t and headers.match(t) is None]


def _score(columns: dict[str, Column]) -> int:
    if "commune" not in columns or not (set(columns) & {"collected", "collected_day"}):
        return 0
    return len(columns)


def locate(rows: list[list], file_name: str = "") -> Layout | None:
    """Find the header and the data start; None when there is no recognisable table."""
    best, best_score = None, 0
    for r in range(min(HEADER_SCAN_ROWS, len(rows))):
        columns, header_rows, unmapped = _map_header(rows, r)
        score = _score(columns)
        if score > best_score:
            best, best_score = (columns, header_rows, unmapped), score
    if best is None:
        return None
    columns, header_rows, unmapped = best
    first = header_rows[-1] + 1
    if first < len(rows) and _is_number_row(rows[first]):
        first += 1
    layout = Layout(header_rows=header_rows, columns=columns, first_data_row=first,
                    unmapped=[u for u in unmapped if u[0] not in {c.index for c in columns.values()}])
    row_of = {" ".join(_row_texts(row)): row for row in rows[:header_rows[0]]}
    for line in row_of:
        if not line.strip():
            continue
        found = normalise.find_report_date(line)
        if found and layout.report_date is None:
            layout.report_date, layout.date_line = found, line.strip()
        for cell in _row_texts(row_of[line]):
            authority = _AUTHORITY.match(fold(cell))
            if authority:
                layout.authorities += (authority.group(2).strip(),)
        if "bao cao" in fold(line) and layout.title is None:
            layout.title = line.strip()
    if layout.report_date is None:
        # Footers such as "Kỳ Anh, ngày 15 tháng 3 năm 2021" also date a report.
        for row in rows[first:]:
            found = normalise.find_report_date(" ".join(_row_texts(row)))
            if found:
                layout.report_date, layout.date_line = found, " ".join(_row_texts(row)).strip()
                break
    parts = ["tiêu đề hai dòng" if len(header_rows) == 2 else "tiêu đề một dòng",
             f"bắt đầu ở dòng {header_rows[0] + 1}"]
    if header_rows[0] > 0:
        parts.append(f"{header_rows[0]} dòng tiêu đề/quốc hiệu phía trên")
    if first > header_rows[-1] + 1:
        parts.append("có dòng đánh số cột")
    layout.description = ", ".join(parts)
    return layout


def _is_number_row(row: list) -> bool:
    texts = [t.strip("()") for t in _row_texts(row) if t]
    if len(texts) < 3:
        return False
    try:
        numbers = [int(float(t)) for t in texts]
    except ValueError:
        return False
    return numbers == list(range(numbers[0], numbers[0] + len(numbers)))


@dataclass(frozen=True)
class RowKind:
    kind: str           # commune | subtotal | total | footer | blank
    district: str | None = None


def classify(row: list, layout: Layout) -> RowKind:
    """What a data row is: a commune, a district subtotal, a grand total, a footer."""
    cols = layout.columns
    name = normalise.text(row[cols["commune"].index]) if cols["commune"].index < len(row) else ""
    stt = normalise.text(row[cols["row_number"].index]) if "row_number" in cols \
        and cols["row_number"].index < len(row) else ""
    if not name and stt and normalise.parse_count(stt).value is None and not _ROMAN.match(fold(stt)):
        name, stt = stt, ""   # "Tổng cộng" written in the STT column (merged cells)
    values = [row[c.index] for f, c in cols.items() if f in VALUE_FIELDS and c.index < len(row)]
    has_numbers = any(normalise.parse_count(v).value is not None for v in values)
    folded = fold(name)
    if not has_numbers:
        # Signatures ("Người lập biểu", "TRƯỞNG CÔNG AN HUYỆN") may sit in any column.
        joined = fold(" ".join(_row_texts(row)))
        if any(w in joined for w in _FOOTER):
            return RowKind("footer")
        if name and _is_district_label(name, stt):
            return RowKind("subtotal", district=name)
        return RowKind("blank")
    if any(folded == w or folded.startswith(w + " ") for w in _TOTAL):
        return RowKind("total")
    if _is_district_label(name, stt):
        return RowKind("subtotal", district=name)
    return RowKind("commune")


def _is_district_label(name: str, stt: str) -> bool:
    folded = fold(name)
    if stt and _ROMAN.match(fold(stt)) and fold(stt) != "":
        return True
    prefixes = ("huyen ", "thi xa ", "thanh pho ", "quan ", "tp ", "tx ")
    letters = [ch for ch in name if ch.isalpha()]
    upper = letters and all(ch.isupper() for ch in letters)
    return bool(upper and len(letters) > 3 and folded.startswith(prefixes))
