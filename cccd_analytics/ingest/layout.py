"""Layout detection: where the table is in a sheet and what each row is.

Handles the shapes units send: letterhead and title rows ("CÔNG AN HUYỆN …",
"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), a date line ("Số liệu tính đến 17 giờ 00 ngày
15/03/2021"), merged headers of one row or several, a column-number row (1, 2, 3 … or A, B,
1, 2 …), commune rows, district subtotal rows (Roman numerals, upper-case names,
"Cộng huyện …") before or after their communes, grand-total rows ("Tổng cộng", "Toàn
tỉnh", "Toàn huyện") at the top or the bottom, and signature footers.

A per-record export (one row per application) is recognised by its header too
(`Layout.kind == "records"`); its rows are read by `records`, not here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

from cccd_analytics import registry
from cccd_analytics.dimensions import AT_OFFICE, EXHAUSTIVE, IN_PROVINCE
from cccd_analytics.ingest import headers, keystrokes, normalise
from cccd_analytics.text import fold

HEADER_SCAN_ROWS = 40
# The most rows a merged header is read over: "Kết quả thực hiện" over "Thu nhận hồ sơ" over
# "Trong ngày | Lũy kế" over "Số lượng | Tỷ lệ %" is the deepest forms nest, with one more to spare.
_HEADER_ROWS = 5
VALUE_FIELDS = ("eligible", "collected", "collected_day", "returned")
_ROMAN = re.compile(r"^(?=[ivxlc]+$)c{0,3}(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$")
_TOTAL = (
    "tong cong",
    "toan tinh",
    "toan huyen",
    "toan thi xa",
    "toan thanh pho",
    "toan quan",
    "tong so",
    "tong",
    "cong",
    "toan don vi",
    "tong toan tinh",
    "tong toan huyen",
    "total",
)
# "Tổng cộng" cut to its initials ("TC", "T.C", "T/C"), folded: a sum's label, alone (a name
# beginning "TC …" is no sum). It was stored as a unit «TC» outside the registry.
_TOTAL_CUT = frozenset({"tc", "t c"})
# The words of a total, folded: a row's label here, a column's header in a turned table.
TOTAL_WORDS = frozenset(_TOTAL)
_SUBTOTAL_PREFIX = re.compile(
    r"^(?:(?:tong\s+)?cong|tong|toan|tong so)\s*[:\-–]?\s+(?=(?:huyen|thi xa|thanh pho|quan|tp|tx|h)\s+\S)"
)
_DISTRICT_PREFIXES = (
    "huyen ",
    "thi xa ",
    "thanh pho ",
    "quan ",
    "tp ",
    "tx ",
    "h ",
    "tp. ",
    "tx. ",
    "h. ",
    "q.",
    "q ",
)


def section_kind(text: str) -> str | None:
    """ "returned" or "collected" when a row's words name what figures count ("II. TRẢ THẺ
    CCCD", "I - THU NHẬN HỒ SƠ (lũy kế)"), else None."""
    padded = " " + " ".join(re.sub(r"[^a-z0-9]+", " ", fold(text)).split()) + " "
    if any(f" {w} " in padded for w in headers.WORDS["returned"]):
        return "returned"
    if any(f" {w} " in padded for w in headers.WORDS["collected"]):
        return "collected"
    return None


# A section's number before its words: "II", "II.", "B)", "2 -".
_SECTION_NUMBER = re.compile(r"^(?:[IVX]{1,4}|[A-Da-d]|\d{1,2})\s*[.):\-–]?$")


def section_heading(row: list) -> tuple[str, str] | None:
    """(kind, words) of a row that heads a block of rows with what they count — numbered
    ("II | TRẢ THẺ CCCD", "B. Trả thẻ") or written in capitals ("TRẢ THẺ CCCD (LŨY KẾ)") —
    else None; the caller has made sure it has no figures (a wide sheet's blocks,
    `wide.metric_blocks`; a table's rows of cards handed over, `rows.sheet_records`).  A note in a sentence ("Trong
    đó đã trả thẻ cho công dân …") heads nothing."""
    cells = [t for c in row if (t := normalise.text(c))]
    if not cells:
        return None
    words = " ".join(cells)
    kind = section_kind(words)
    if kind is None:
        return None
    numbered = bool(_SECTION_NUMBER.match(cells[0])) or bool(
        re.match(r"^(?:[IVX]{1,4}|[A-D]|\d{1,2})[.)]\s", words)
    )
    letters = [ch for ch in words if ch.isalpha()]
    capitals = bool(letters) and sum(ch.isupper() for ch in letters) >= 0.8 * len(letters)
    return (kind, words) if numbered or capitals else None


# The report's comments after its table ("Nhận xét:", "III. KIẾN NGHỊ, ĐỀ XUẤT"): the
# table has ended, and the lines below it name communes in sentences, not figures.
_CLOSING = re.compile(
    r"^(?:[ivx]{1,4}[.)]?\s+|\d{1,2}[.)]\s*|[-*]\s*)?"
    r"(?:nhan xet|danh gia chung|kien nghi|de xuat|ket luan|ton tai|han che|phuong huong)\b"
)
_FOOTER = (
    "nguoi lap bieu",
    "nguoi lap",
    "noi nhan",
    "truong cong an",
    "ky ten",
    "kt truong",
    "kt giam doc",
    "giam doc",
    "thu truong",
    "pho truong",
    "xac nhan",
    "lanh dao",
    "truong phong",
    "ky ghi ro ho ten",
    "nguoi bao cao",
    "can bo tong hop",
    "chi huy",
)
_TITLE_DISTRICT = re.compile(r"\b(?:huyen|thi xa|thanh pho|quan)\s+[a-z][a-z ]*")
_TITLE_PROVINCE = re.compile(r"\btinh\s+[a-z][a-z ]*")
# The authority ends where the national motto begins, when a PDF's letterhead halves sit
# too close to be read apart ("CÔNG AN HUYỆN KỲ ANH CỘNG HÒA XÃ HỘI CHỦ NGHĨA").
_AUTHORITY = re.compile(r"^(cong an|ubnd|uy ban nhan dan|ban chi dao)\s+(.*?)(?:\s+cong hoa xa hoi\b.*)?$")


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """A → 0, Z → 25, AA → 26: the inverse of `column_letter`."""
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index - 1


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
    header_rows: tuple[int, ...]  # 0-based indexes in the sheet
    columns: dict[str, Column]
    first_data_row: int
    kind: str = "report"  # report | canonical | records | denominators
    labels: list[str] = field(default_factory=list)  # header text of every column
    report_date: date | None = None
    date_line: str | None = None
    # A line above the table giving a day and month without a year ("NGÀY 16/3"), when no
    # line gives a whole date: (0-based row, line), for the message asking for the year.
    day_month_line: tuple[int, str] | None = None
    # A date line whose day no calendar has ("ngày 31/4/2021"): (row, line, the day as written,
    # its month's length or None), for the refusal's message.
    impossible_date_line: tuple[int, str, str, int | None] | None = None
    # A line above the table whose only date is that of another document it cites ("Thực
    # hiện Kế hoạch số 12/KH-CAH ngày 01/3/2023"): (row, line), for the refusal's message.
    cited_date_line: tuple[int, str] | None = None
    # A line above the table that gives another day than the date line taken: (row, line, day).
    other_date_line: tuple[int, str, date] | None = None
    date_row: int | None = None  # 0-based row of the date line
    date_origin: str | None = None  # date_line | footer
    authorities: tuple[str, ...] = ()  # ("tinh ha tinh", "huyen ky anh") from the letterhead
    title: str | None = None
    # Lines above the header that name a district ("… TRÊN ĐỊA BÀN HUYỆN KỲ ANH"), folded, from
    # the district's type word on; `sheet_context.place_context` keeps one naming a real district.
    title_districts: tuple[str, ...] = ()
    # The same for a province ("BÁO CÁO … - TỈNH NGHỆ AN"), from its type word on.
    title_provinces: tuple[str, ...] = ()
    description: str = ""
    number_row: int | None = None  # 0-based row of the column numbers
    unmapped: list[tuple[int, str]] = field(default_factory=list)  # (column, header)
    # A per-record export whose place is one address column: the commune is read out of it.
    place_from_address: bool = False
    # The day of the figures when the table itself says it: a day column of a wide sheet
    # (origin "header") or the name of one sheet of a sheet-per-day workbook ("sheet_name").
    data_date: date | None = None
    data_date_origin: str | None = None
    data_date_source: str = ""
    # A day in the sheet's name, used when the sheet has no date line of its own.
    sheet_date: date | None = None
    # The one date line of the workbook's other sheets, and where it is, for a sheet without
    # a date of its own (a district's sheet beside the summary that carries the date line).
    book_date: tuple[date, str] | None = None
    # A document's second table that gives its communes' cards handed over (no collected
    # column of its own): read beside the table of collected figures (`locate_companion`).
    companion: bool = False

    @property
    def splits(self) -> dict[str, tuple[Column, ...]]:
        """Counts split under their merged header (`_splits`): field → its parts' columns.
        When the field's own column is one of them (no "Tổng số"), the count is their sum;
        else the parts are checked against it."""
        out: dict[str, list[Column]] = {}
        for name, column in self.columns.items():
            if name.startswith(SPLIT_PREFIX + "|") and not name.endswith("|some"):
                out.setdefault(name.split("|")[1], []).append(column)
        return {f: tuple(sorted(c, key=lambda c: c.index)) for f, c in out.items()}

    @property
    def groups_only(self) -> tuple[Column, tuple[Column, ...]] | None:
        """A count split only into priority groups, some with words no dimension knows and
        no "Khác" (`_split_of`): (the count's column, the groups' columns), or None."""
        some = sorted(
            (c for f, c in self.columns.items() if f.startswith(SPLIT_PREFIX + "|") and f.endswith("|some")),
            key=lambda c: c.index,
        )
        if not some:
            return None
        field_name = next(f for f in self.columns if f.endswith("|some")).split("|")[1]
        return self.columns[field_name], tuple(some)

    @property
    def parts_only(self) -> bool:
        """Whether the applications are given only in parts ("Tại trụ sở | Lưu động | Tại
        nhà" under "Lũy kế thu nhận", no total): a commune's row has figures when its parts
        do, and the parts build its total (`parts`)."""
        return not ({"collected", "collected_day"} & set(self.columns)) and _parts_without_total(self.columns)


def _row_texts(row: list) -> list[str]:
    return [normalise.text(c) for c in row]


def _ffill(texts: list[str]) -> list[str]:
    out, last = [], ""
    for t in texts:
        last = t or last
        out.append(last)
    return out


def _padded(texts: list[str], width: int) -> list[str]:
    """`texts` cut or filled with "" to `width` columns."""
    return texts[:width] + [""] * (width - len(texts))


def _tail_of(
    grid: list[list[str]], below: list[list[bool]], above: list[list[bool]], i: int, c: int
) -> int | None:
    """The column whose text the empty cell (i, c) of a header is the merged tail of, across
    (None when it is not one: the cell above it merged down, or nothing).  A parent spans
    the columns to its right that have header cells under them, up to where a parent of a
    row above begins: under "Kết quả thu nhận hồ sơ CCCD" "Lũy kế từ đầu đợt" spans "Số hồ
    sơ | Tỷ lệ %", and stops at "Trả thẻ CCCD" beside its parent, however many cells of
    the row under it are written (until 6/12/2026 it reached over "Trả thẻ CCCD / Trong
    ngày", read as the running total of cards handed over).  `below[i][x]`, `above[i][x]`:
    whether a row under (over) row i has text in column x."""
    if above[i][c]:
        return None
    x = c - 1
    while x >= 0:
        if not below[i][x]:
            return None
        if grid[i][x]:
            return x
        if above[i][x]:
            return None
        x -= 1
    return None


def _column_paths(
    rows: list[list], parent_rows: tuple[int, ...], own: list[str]
) -> list[tuple[list[str], str]]:
    """Each column's header as (its parents from the top, its own text) over any number of
    header rows.  A cell empty in a row is the tail of a parent to its left merged across
    (`_tail_of`), or of the cell above merged down: STT, Đơn vị and Ghi chú over all the
    rows; "Trả thẻ CCCD" over the row of "Trong ngày | Lũy kế từ đầu đợt" beside it.  A
    column whose last row is empty takes the text merged down over it, with the parents
    above that; under a parent merged across, nothing (no text of its own)."""
    width = len(own)
    grid = [_padded(_row_texts(rows[p]), width) for p in parent_rows] + [own]
    text = [[""] * width for _ in grid]
    # Performance: whether each cell has header text under (over) it, worked out once, not
    # at every step of every empty cell's walk to the left (a wide sheet's 200 columns).
    below = [[False] * width for _ in grid]
    for i in range(len(grid) - 2, -1, -1):
        below[i] = [b or bool(t) for b, t in zip(below[i + 1], grid[i + 1])]
    above = [[False] * width for _ in grid]
    for i in range(1, len(grid)):
        above[i] = [a or bool(t) for a, t in zip(above[i - 1], grid[i - 1])]
    # Whether the text of a cell began in its own column (written there, or merged down
    # onto it), not merged across from the left.
    own_column = [[False] * width for _ in grid]
    for i, line in enumerate(grid):
        for c in range(width):
            if line[c]:
                text[i][c], own_column[i][c] = line[c], True
            elif (left := _tail_of(grid, below, above, i, c)) is not None:
                text[i][c] = line[left]
            elif i:
                text[i][c], own_column[i][c] = text[i - 1][c], own_column[i - 1][c]
    last = len(grid) - 1
    paths = []
    for c in range(width):
        if not own_column[last][c]:
            paths.append(([], ""))
            continue
        name = text[last][c]
        start = last
        while start and own_column[start - 1][c] and text[start - 1][c] == name:
            start -= 1
        parents: list[str] = []
        for i in range(start):
            if text[i][c] and text[i][c] != name and (not parents or parents[-1] != text[i][c]):
                parents.append(text[i][c])
        paths.append((parents, name))
    return paths


def _labels(rows: list[list], header_rows: tuple[int, ...]) -> list[str]:
    """The header text of every column ("Kết quả thu nhận hồ sơ / Lũy kế")."""
    own = _row_texts(rows[header_rows[-1]])
    if len(header_rows) == 1:
        return own
    width = max(len(rows[r]) for r in header_rows)
    own = _padded(own, width)
    return [
        " / ".join([*parents, name]) if name else ""
        for parents, name in _column_paths(rows, header_rows[:-1], own)
    ]


def _parent_row(rows: list[list], r: int) -> bool:
    """Whether row r can be the upper row of a two-row header (not a title line)."""
    texts = [t for t in _row_texts(rows[r]) if t]
    return len(texts) >= 2 and not _is_number_row(rows[r])


def _holds_figures(row: list) -> bool:
    """Whether a row holds two figures or more (a commune's, a total's): no header row."""
    figures = 0
    for cell in row:
        if (
            isinstance(cell, (int, float))
            and not isinstance(cell, bool)
            or (isinstance(cell, str) and cell.strip() and normalise.parse_count(cell).value is not None)
        ):
            figures += 1
            if figures == 2:
                return True
    return False


def _spans(above: list[str], own: list[str], c: int) -> bool:
    """Whether an empty cell above column c is the merged tail of a parent to its left."""
    left = c - 1
    while left >= 0 and not above[left]:
        if not own[left]:
            return False
        left -= 1
    return left >= 0 and bool(own[left])


def _map_header(rows: list[list], r: int, matcher) -> tuple[dict[str, Column], tuple[int, ...]]:
    """Fields named by header row r, with the rows above it as its merged parents (up to
    `_HEADER_ROWS` rows in all) when they name more fields."""
    own = _row_texts(rows[r])
    single: dict[str, Column] = {}
    if r + 1 < len(rows) and any(t.rstrip().endswith(headers.CUT_MARK) for t in _row_texts(rows[r + 1]) if t):
        # Headers cut at their cells' edge below it ("Số thẻ đã tr…" under "Trong ngày"):
        # the header goes on there.  Read as the header's last row, "Trong ngày" stored the
        # figures of the first column under it (the day's cards) as the day's applications.
        return single, (r,)
    for c, text in enumerate(own):
        if not text:
            continue
        found = (_part(text) or matcher(text)) if matcher is headers.match else matcher(text)
        if found and (found not in single or _preferred(found, text, single[found])):
            if found in single and headers.share_beside(text) != headers.share_beside(single[found].header):
                if headers.share_beside(text):
                    continue  # the plain column gives the count: "(tỷ lệ)" is the other
            single[found] = Column(c, found, text)
    single = _settle_parts(single)
    if r == 0 or not _parent_row(rows, r - 1):
        return single, (r,)
    if matcher is headers.match_record:
        return _record_header_under(rows, r, own, single)
    best, best_rows = single, (r,)
    for top in range(r - 1, max(r - _HEADER_ROWS, -1), -1):
        # A row of figures is a table's row, no header over the rows under it (performance
        # too: every data row of a report was read under the rows above it, as deep as a
        # header goes).
        if not _parent_row(rows, top) or _holds_figures(rows[top]):
            break
        parent_rows = tuple(range(top, r))
        width = max(len(own), *(len(rows[p]) for p in parent_rows))
        found_columns = _with_parents(_column_paths(rows, parent_rows, _padded(own, width)))
        if len(found_columns) > len(best):
            best, best_rows = found_columns, (*parent_rows, r)
    return best, best_rows


def line_of(row: list) -> str:
    """A row's texts as one line ("Số liệu tính đến 17h00 ngày 16/3/2021")."""
    return " ".join(t for t in _row_texts(row) if t)


def texts_in(row: list) -> int:
    """How many cells of a row hold text."""
    return sum(1 for t in _row_texts(row) if t)


def names_a_district(line: str) -> bool:
    """A line above a table that names a district ("HUYỆN QUẾ PHONG", "… TRÊN ĐỊA BÀN HUYỆN KỲ ANH")."""
    return bool(_TITLE_DISTRICT.search(fold(line)))


def is_authority(row: list) -> bool:
    """A letterhead row naming the authority that reports ("CÔNG AN HUYỆN KỲ ANH")."""
    return any(_AUTHORITY.match(fold(t)) for t in _row_texts(row) if t)


def header_fields(rows: list[list], r: int) -> dict[str, Column]:
    """The fields of a report's table that row r names as a header (with the row above as
    the parent of a two-row header)."""
    return _map_header(rows, r, headers.match)[0]


def _record_header_under(
    rows: list[list], r: int, own: list[str], single: dict[str, Column]
) -> tuple[dict[str, Column], tuple[int, ...]]:
    """An export's header on two rows: "Nơi thường trú" merged over "Xã/Phường | Quận/Huyện
    | Tỉnh/TP", the other columns ("Số hồ sơ", "Ngày tiếp nhận") merged down over both.  A
    column empty in the lower row takes the upper row's name; a named one keeps its own
    (under "Nơi thường trú", "Quận/Huyện" is the district, not an address).  Taken when it
    names more fields than the lower row alone."""
    width = max(len(own), len(rows[r - 1]))
    above = _padded(_row_texts(rows[r - 1]), width)
    padded = _padded(own, width)
    parents = _ffill(above)
    both: dict[str, Column] = {}
    for c in range(width):
        text = padded[c] or above[c]
        found = headers.match_record(text) if text else None
        if found and found not in both:
            label = (
                f"{parents[c]} / {padded[c]}"
                if padded[c] and parents[c] and parents[c] != padded[c]
                else text
            )
            both[found] = Column(c, found, label)
    if len(both) > len(single):
        return both, (r - 1, r)
    return single, (r,)


def _with_parents(paths: list[tuple[list[str], str]]) -> dict[str, Column]:
    """Fields named by a header's columns read under their merged parents (`_column_paths`).
    A column is matched under all its parents at once: "Số lượng" under "Trả thẻ CCCD" over
    "Lũy kế" is the cards' running total, which "Lũy kế" alone would take for the
    applications'."""
    double: dict[str, Column] = {}
    # Whether each field's column says it by its own words, not only by its parent's: under
    # "Số CCCD đã cấp/thu nhận", "Thu nhận" is the collected column, not "Đã cấp" before it;
    # under "Trả thẻ", "Đã trả" is the returned one, not "Thẻ đã về" (cards arrived).
    by_itself: dict[str, bool] = {}
    for c, (parents, text) in enumerate(paths):
        if not text:
            continue
        parent = " ".join(parents) or None
        found = _part(text, parent) or headers.match(text, parent=parent)
        if (
            found
            and found.startswith(headers.PART_PREFIX + "|")
            and any(headers.plan_label(p) for p in parents)
        ):
            # "Kế hoạch" over "Thường trú | Tỉnh khác": the plan's parts, no applications'.
            continue
        label = " / ".join([*parents, text])
        alone = parent is None or (_part(text) or headers.match(text)) == found
        if not found:
            continue
        if (
            found not in double
            or (found in VALUE_FIELDS and alone and not by_itself[found])
            or (alone == by_itself[found] and _preferred(found, label, double[found]))
        ):
            double[found] = Column(c, found, label)
            by_itself[found] = alone
    for split in _splits(paths):
        _read_as_split(double, split)
    return _settle_parts(double)


#: The prefix of a column that is one part of a count split under its merged header with
#: words no dimension knows ("split|collected|D"): the count is their sum, or their
#: "Tổng số" column, which they are checked against (`Layout.splits`).
SPLIT_PREFIX = "split"
#: A sub-column that is the count itself under its merged header: its total, or "Số lượng"
#: beside a share.
_WHOLE_WORDS = frozenset(
    {"cong", "tong", "tong so", "tong cong", "cong chung", "so luong", "sl", "tong so ho so"}
)
_PLAN_WORDS = ("ke hoach", "kh", "chi tieu", "chi tieu giao", "ke hoach giao")


@dataclass(frozen=True)
class _Split:
    field: str  # the count the merged header names
    header: str  # that header, with its own parents
    whole: tuple[int, str] | None  # its "Tổng số" sub-column: (index, label)
    parts: tuple[tuple[int, str, str], ...]  # (index, label, own text) of each part
    some: bool = False  # priority groups: some of the count, never summed into it


def _splits(paths: list[tuple[list[str], str]]) -> list[_Split]:
    """Counts split into sub-columns under their merged header ("Lũy kế thu nhận hồ sơ" over
    "Thường trú trên địa bàn | Tỉnh khác", "Từ 14 đến dưới 18 tuổi | Từ 18 tuổi trở lên",
    "Khu vực 1 | Khu vực 2 | Cộng") whose parts no one dimension of `dimensions` holds
    whole: the count is the sum of its parts, or the sub-column saying it is the total.
    Each sub-column was matched under its parent, and the first took the count: one part
    was stored as the commune's whole, without a word.

    Not a split: sub-columns that say what they are by themselves ("Trong ngày | Lũy kế",
    "Kế hoạch | Thực hiện | Tỷ lệ", "STT | Đơn vị" under a title line), a count beside its
    share ("Số lượng | Tỷ lệ (%)"), days ("5 | 6 | 7", read by `wide`), a heading "Trong đó"
    (some of the count, not all), a split by sex without its total (refused at the split,
    `split_by_sex`), and parts of one dimension that do not make the whole (a priority
    group, "Lưu động | Tại nhà" without the office): refused at the split as before.  Parts
    a dimension knows stay its parts (`parts`) whichever way the count is read."""
    out: list[_Split] = []
    c = 0
    while c < len(paths):
        parents = paths[c][0]
        end = c + 1
        while end < len(paths) and parents and paths[end][0] == parents and paths[end][1]:
            end += 1
        group = [(i, paths[i][1]) for i in range(c, end) if paths[i][1]]
        c = end
        if not parents or len(group) < 2:
            continue
        found = _split_of(parents, group)
        if found is not None:
            out.append(found)
    return out


def _split_of(parents: list[str], group: list[tuple[int, str]]) -> _Split | None:
    head = parents[-1]
    above = " ".join(parents[:-1]) or None
    if any(headers.plan_label(p) for p in parents):
        return None  # a plan's columns are read by no field
    count = headers.match(head, parent=above)
    if count not in VALUE_FIELDS or " trong do " in f" {fold(' '.join(parents))} ":
        return None
    label = " / ".join(parents)
    whole, parts, dims, values, unknown = None, [], set(), set(), False
    sexes: set[str] = set()
    for index, text in group:
        if str(text).rstrip().endswith(headers.CUT_MARK):
            # A sub-header cut at its cell's edge ("Số hồ sơ đã thu nh…", "Số thẻ đã tr…")
            # may be a count of its own: taken for a part, the day's applications and cards
            # were summed into the day's count.  Each is said at its column (`cut_header`).
            return None
        words = headers.key(text)
        if words in _WHOLE_WORDS:
            if whole is not None:
                return None
            whole = (index, f"{label} / {text}")
            continue
        if headers.share_label(text) or "ty le" in words.split(" ty le ")[0] or "%" in text:
            continue
        if headers.sex_part(text):
            # "Nam | Nữ": men and women together are every applicant, the count their sum.
            sexes.add("nu" if "nu" in fold(text).split() else "nam")
            parts.append((index, f"{label} / {text}", text))
            unknown = True
            continue
        if " trong do " in f" {fold(text)} " or fold(text).startswith("trong do"):
            return None
        part = headers.part(text, head)
        if headers.plan_label(text) or headers.done_label(text) or words in _PLAN_WORDS:
            return None
        if part is None and not _the_rest(text) and headers.match(text) is not None:
            return None  # "Trong ngày | Lũy kế": each its own figure; "STT | Đơn vị" no count's
        if part is None and _a_day(text):
            return None  # "5 | 6 | 7" under "Lũy kế đến ngày": a wide sheet's days (`wide`)
        if part is not None and part[1] is not None:
            dims.add(part[1])
            values.add(part[2])
        else:
            unknown = True
        parts.append((index, f"{label} / {text}", text))
    if len(parts) < 2:
        return None
    if sexes and (sexes != {"nam", "nu"} or len(parts) != 2):
        return None  # one sex, or sexes beside other parts: no whole (refused, `split_by_sex`)
    if "group" in dims and not any(_the_rest(text) for _, _, text in parts):
        if whole is not None or not unknown:
            # Under their total, groups are its parts ("Tổng số | Người cao tuổi | …"),
            # never checked to make it; known groups alone are refused at the split.
            return None
        # Priority groups with words no dimension knows ("Người cao tuổi | Cựu chiến binh")
        # are some of the applications, not all (most citizens are in none): no count of
        # the commune (the unknown group's column had been read as it); refused (`rows`).
        return _Split(count, label, whole, tuple(parts), some=True)
    if not unknown and len(dims) == 1:
        # Parts of one dimension: the whole only when the dimension adds up to it and its
        # main parts are there ("Lưu động | Tại nhà" is some of it, a priority group too:
        # refused at the split, `split_by_sex`, as before).
        dimension = next(iter(dims))
        if dimension not in EXHAUSTIVE or not _MAIN_PART.get(dimension, set()) <= values:
            return None
    return _Split(count, label, whole, tuple(parts))


_PERIOD_WORDS = re.compile(r"^(?:ngay|tuan|thang|dot|thu|dem|buoi|ky|quy|nam)\b")


def _a_day(text: str) -> bool:
    """A sub-column naming a day or a period ("5", "15/3", "Ngày 16", "Tuần 2"), not a part."""
    words = headers.key(text)
    return (
        bool(re.fullmatch(r"[\d\s./\-]+", text.strip()))
        or normalise.parse_date(text).value is not None
        or bool(_PERIOD_WORDS.match(words))
    )


def _the_rest(text: str) -> bool:
    """A part that is the rest of a split ("Khác", "Đối tượng khác", "Còn lại"): with it the
    parts are the whole, whatever the others are."""
    words = headers.key(text)
    return words.endswith("khac") or words in ("con lai", "so con lai")


def _read_as_split(columns: dict[str, Column], split: _Split) -> None:
    """The split's count read from its total sub-column, or from all its parts (the first
    part's column stands for it; `Layout.splits` says to add them up); each part kept as a
    "split|…" column.  Parts no dimension holds are not stored as parts: their sub-columns
    are only summed (or checked against the total)."""
    indexes = {i for i, _, _ in split.parts} | ({split.whole[0]} if split.whole else set())
    earlier = columns.get(split.field)
    if earlier is not None and earlier.index not in indexes:
        return  # the count has a column of its own elsewhere
    for name, column in list(columns.items()):
        if column.index in indexes and (name == split.field or _unknown_part(name)):
            del columns[name]
    if split.whole is not None:
        columns[split.field] = Column(split.whole[0], split.field, split.whole[1])
    else:
        columns[split.field] = Column(split.parts[0][0], split.field, split.header)
    for index, label, _ in split.parts:
        name = f"{SPLIT_PREFIX}|{split.field}|{column_letter(index)}" + ("|some" if split.some else "")
        columns[name] = Column(index, name, label)


def _unknown_part(name: str) -> bool:
    found = headers.parse_part_field(name)
    return found is not None and found[1] is None


def _preferred(field_name: str, label: str, earlier: Column) -> bool:
    """Whether a later column naming `field_name` is its column rather than the earlier one
    (`headers.preference`); parts and places keep their first column."""
    if field_name not in VALUE_FIELDS:
        return False
    return headers.preference(field_name, label) > headers.preference(field_name, earlier.header)


def _part(text: str, parent: str | None = None) -> str | None:
    """The field of a column counting one part ("Trong đó: người cao tuổi"), or None."""
    found = headers.part(text, parent)
    return headers.part_field(*found) if found else None


def _settle_parts(columns: dict[str, Column]) -> dict[str, Column]:
    """Part columns whose value no dimension knows ("Trong đó: dân tộc thiểu số") take the
    dimension of their sibling parts when those all have one; otherwise they are left out."""
    parts = {f: headers.parse_part_field(f) for f in columns if f.startswith(headers.PART_PREFIX + "|")}
    unknown = [f for f, p in parts.items() if p[1] is None]
    if not unknown:
        return columns
    known_dims = {p[1] for p in parts.values() if p[1] is not None}
    out = {}
    for field_name, column in columns.items():
        if field_name in unknown:
            if len(known_dims) != 1:
                continue
            metric, _, label = parts[field_name]
            field_name = headers.part_field(metric, next(iter(known_dims)), label)
            column = Column(column.index, field_name, column.header)
        out.setdefault(field_name, column)
    return out


def part_fields(columns: dict[str, Column]) -> list[str]:
    """The layout's part columns, in column order."""
    return sorted(
        (f for f in columns if f.startswith(headers.PART_PREFIX + "|")), key=lambda f: columns[f].index
    )


def _score(columns: dict[str, Column]) -> int:
    # A table of units by their GSO code alone ("Mã xã") names its communes too.
    if not ({"commune", "commune_code"} & set(columns)) or not (
        set(columns) & {"collected", "collected_day"} or _parts_without_total(columns)
    ):
        return 0
    return len(columns)


def _parts_without_total(columns: dict[str, Column]) -> bool:
    """Whether the columns count the applications only in parts of one dimension that adds
    up to the whole ("Lũy kế thu nhận" merged over "Tại trụ sở | Lưu động | Tại nhà", no
    "Tổng số"): the parts build each commune's total (`parts`).  Read alone, the first header
    row named the running total and the column under it, the first part, was stored as the
    whole without a word."""
    parts = [
        (found, columns[f].header)
        for f in columns
        if (found := headers.parse_part_field(f)) and found[0] in ("collected", "collected_day")
    ]
    dimensions = {(found[0], found[1]) for found, _ in parts}
    if len(dimensions) != 1 or next(iter(dimensions))[1] not in EXHAUSTIVE:
        return False
    # All of the whole, not some of it: no "Trong đó" ("of which") over them, and the parts
    # most applications are in among them ("Lưu động | Tại nhà" without "Tại trụ sở", added
    # up, had been stored as the whole, the office's applications left out).
    dimension = next(iter(dimensions))[1]
    labels = {found[2] for found, _ in parts}
    main = _MAIN_PART.get(dimension)
    return (
        len(labels) >= 2
        and not any(" trong do " in f" {fold(header)} " for _, header in parts)
        and (main is None or main <= labels)
    )


#: The parts of an exhaustive dimension that most applications are in: a split without all
#: of them is some of the whole (a CCCD campaign's applications are new cards and exchanges).
_MAIN_PART = {
    "channel": {AT_OFFICE},
    "residence": {IN_PROVINCE},
    "application_type": {"Cấp mới", "Cấp đổi"},
}


def _record_score(columns: dict[str, Column]) -> int:
    if not ({"commune", "address", "current_address"} & set(columns)) or "received_date" not in columns:
        return 0
    if not set(columns) & {"record_id", "full_name", "birth_date", "id_number", "status"}:
        return 0
    return len(columns)


#: Headers of what the collecting takes (teams, machines, their leaders): a list with such
#: columns is a plan of mobile teams, whose "Số cán bộ" counts the team's officers, not the
#: priority group "Cán bộ" of a commune.
_RESOURCE_WORDS = ("so to", "to truong", "so may", "may thu nhan", "thiet bi", "so buoi", "so dien thoai")


def _denominator_columns(row: list) -> dict[str, Column]:
    """A denominator list's header: place and date columns, breakdown columns, the school,
    the grade and the count of people; none for a list of mobile teams (`_RESOURCE_WORDS`)."""
    out: dict[str, Column] = {}
    texts = _row_texts(row)
    if any(f" {w} " in f" {headers.key(t)} " for t in texts if t for w in _RESOURCE_WORDS):
        return out
    for c, text in enumerate(texts):
        if not text:
            continue
        found = headers.match_denominator(text) or headers.match(text)
        if found and found not in out:
            out[found] = Column(c, found, text)
    return out


def _denominator_score(columns: dict[str, Column]) -> int:
    """A list of the people of a group: a commune, a count of people and what group they
    are (a breakdown column, a grade, or the count's own header: "Số người cao tuổi")."""
    if "commune" not in columns or "denominator" not in columns:
        return 0
    named = headers.denominator_value(columns["denominator"].header)
    if not (named or "grade" in columns or set(columns) & set(headers.DIMENSIONS)):
        return 0
    return len(columns)


def locate(rows: list[list], file_name: str = "", start: int = 0) -> Layout | None:
    """Find the header and the data start; None when there is no recognisable table.  The
    header is looked for in the HEADER_SCAN_ROWS rows from `start` (a table further down a
    sheet that holds several, `stacked`)."""
    best, best_score, best_kind = None, 0, "report"
    for r in range(start, min(start + HEADER_SCAN_ROWS, len(rows))):
        columns, header_rows = _map_header(rows, r, headers.match)
        columns = _shares_checked(rows, header_rows[-1] + 1, columns)
        score = _score(columns)
        if score > best_score or (
            # The same fields read under the header found so far, as a second header row
            # ("Thu nhận hồ sơ" over "Kế hoạch | Thực hiện | Tỷ lệ %"): the lower row says
            # which column of a merged parent is the figure (not the plan).
            score
            and score == best_score
            and best_kind == "report"
            and best[1][-1] in header_rows[:-1]
            and not _is_number_row(rows[r])  # a row of column numbers "(1) (2) (3)"
        ):
            best, best_score, best_kind = (columns, header_rows), score, "report"
        record_columns, record_rows = _map_header(rows, r, headers.match_record)
        score = _record_score(record_columns)
        if score > best_score and not (set(columns) & {"collected", "eligible"}):
            best, best_score, best_kind = (record_columns, record_rows), score, "records"
        # A denominator list names its communes too: only such a row is tried as one.
        den_columns = _denominator_columns(rows[r]) if "commune" in columns else {}
        score = _denominator_score(den_columns)
        if score > best_score and not (set(columns) & {"collected", "collected_day"}):
            best, best_score, best_kind = (den_columns, (r,)), score, "denominators"
        if best is not None and _data_follows(rows, best, best_kind, r):
            break
    if best is None:
        return None
    columns, header_rows = best
    split = split_by_sex(rows, header_rows, columns) if best_kind == "report" else {}
    if split:
        # "Lũy kế thu nhận" over "Nam | Nữ" with no "Cộng": the column under the header's
        # first cell holds the men alone, stored as the commune's figure without a word.  Not
        # the field's column; the refusal says why (`extract`).
        columns = {k: c for k, c in columns.items() if k not in split}
        if not set(columns) & {"collected", "collected_day"}:
            return None
    if best_kind in ("report", "denominators") and "commune" not in columns and "commune_code" in columns:
        # Units named by their code alone: the code is the name read, and resolved as a code.
        code = columns["commune_code"]
        columns = {**columns, "commune": Column(code.index, "commune", code.header)}
    if best_kind == "report" and "date" in columns:
        best_kind = "canonical"
    from_address = best_kind == "records" and "commune" not in columns
    if from_address:
        # Only "Nơi thường trú" / "Địa chỉ" (or only "Nơi ở hiện tại"): the commune is read
        # out of the address.
        address = columns.pop("address") if "address" in columns else columns.pop("current_address")
        columns = {**columns, "commune": Column(address.index, "commune", address.header)}
    found = build(rows, header_rows, columns, best_kind, file_name)
    found.place_from_address = from_address
    return found


def split_by_sex(
    rows: list[list], header_rows: tuple[int, ...], columns: dict[str, Column]
) -> dict[str, str]:
    """The count fields whose column has "Nam" (or "Nữ"), or a part of another kind
    ("Người cao tuổi"), right under its header, on a row read as no header (its split has no
    total, which would have named the field; a split that adds up to the whole is read under
    its parent, `_parts_without_total`): field → that cell's text."""
    below = header_rows[-1] + 1
    if below >= len(rows):
        return {}
    row = rows[below]
    return {
        k: str(row[c.index]).strip()
        for k, c in columns.items()
        if c.field in VALUE_FIELDS and c.index < len(row) and splits_a_count(row[c.index])
    }


def splits_a_count(text) -> bool:
    """A header cell naming one side of a split: a sex ("Nam") or a part ("Người cao tuổi")."""
    return headers.sex_part(text) or (isinstance(text, str) and headers.part(text) is not None)


def _data_follows(rows: list[list], best, kind: str, r: int) -> bool:
    """Whether the best header so far is complete and rows r-1 and r, the two below it, are
    its data.  Complete: a canonical one (a day, a commune and a running total), its data a
    day in its day column and a count in its running-total column; or a per-record
    export's (a commune or address and the day received), its data a day in its
    day-received column and a place in its commune column.  Then no row further down is a
    header (a data row names no column), and the scan stops (performance: each row scanned
    matched every cell against the header vocabulary — for a canonical CSV, 38 rows of data
    cells, each a new text, per file; for an export, 38 rows of names, ID numbers and
    phones).  A second header row, a row of column numbers or a title under the header is
    not data, and the scan goes on as before."""
    columns, header_rows = best
    if r != header_rows[-1] + 2:
        return False
    if kind == "report" and {"date", "commune", "collected"} <= set(columns):
        day, other = columns["date"].index, columns["collected"].index

        def other_ok(text) -> bool:
            count = normalise.parse_count(text)
            return count.value is not None and not count.error

    elif kind == "records" and "received_date" in columns:
        place = next((columns[f] for f in ("commune", "address", "current_address") if f in columns), None)
        if place is None:
            return False
        day, other = columns["received_date"].index, place.index

        def other_ok(text) -> bool:
            return bool(str(text).strip()) and normalise.parse_date(text).value is None

    else:
        return False
    for row in rows[r - 1 : r + 1]:
        if max(day, other) >= len(row):
            return False
        when = normalise.parse_date(row[day])
        if when.value is None or when.error or not other_ok(row[other]):
            return False
    return True


def build(
    rows: list[list], header_rows: tuple[int, ...], columns: dict[str, Column], kind: str, file_name: str = ""
) -> Layout:
    """A layout for a known header (detected or mapped by hand): data start, date line,
    letterhead, title and a description."""
    first = header_rows[-1] + 1
    number_row = None
    if first < len(rows) and _is_number_row(rows[first]):
        number_row, first = first, first + 1
    labels = _labels(rows, header_rows)
    used = {c.index for c in columns.values()}
    layout = Layout(
        header_rows=header_rows,
        columns=columns,
        first_data_row=first,
        kind=kind,
        labels=labels,
        number_row=number_row,
        unmapped=[(c, t) for c, t in enumerate(labels) if t and c not in used],
    )
    _read_top(rows, layout)
    dated_by_its_data = layout.report_date is not None and normalise.is_data_date_line(layout.date_line or "")
    if not dated_by_its_data and kind != "records":
        _date_from_below(rows, first, layout)
    if layout.report_date is None and kind == "report":
        # No date line at all, but one date in the header: "Ngày 23/5/2023" (or "Kết quả đến
        # ngày 23/5/2023") merged over the day's figures.
        in_header = {
            (found, r, text)
            for r in header_rows
            for text in _row_texts(rows[r])
            if _dates_the_data(text) and (found := normalise.find_report_date(text)) is not None
        }
        if len({found for found, _, _ in in_header}) == 1:
            found, r, text = min(in_header, key=lambda d: d[1])
            layout.report_date, layout.date_line, layout.date_row = found, text.strip(), r
            layout.date_origin = "date_line"
    _day_headed_by_its_date(layout)
    parts = [
        "bảng theo từng hồ sơ"
        if kind == "records"
        else "bảng dữ liệu theo ngày"
        if kind == "canonical"
        else "danh sách mẫu số theo nhóm (sĩ số, rà soát)"
        if kind == "denominators"
        else "báo cáo tổng hợp",
        {1: "tiêu đề một dòng", 2: "tiêu đề hai dòng"}.get(
            len(header_rows), f"tiêu đề {len(header_rows)} dòng"
        ),
        f"bắt đầu ở dòng {header_rows[0] + 1}",
    ]
    # Only the lines with text count: a blank row between the letterhead and the table is no line.
    above = sum(1 for row in rows[: header_rows[0]] if any(t for t in _row_texts(row)))
    if above:
        parts.append(f"{above} dòng tiêu đề/quốc hiệu phía trên")
    if number_row is not None:
        parts.append("có dòng đánh số cột")
    layout.description = ", ".join(parts)
    return layout


def _date_from_below(rows: list[list], first: int, layout: Layout) -> None:
    """The date said under the table.  A note that dates the data ("Ghi chú: Số liệu tính đến
    17h00 ngày 22/5/2023") wins over a title's or a signing line's date above it (signed the
    next day); without a date above, the signing line ("Kỳ Anh, ngày 15 tháng 3 năm 2021")
    dates the report before any other line's date — the prose of a letter under its table
    ("máy hỏng từ ngày 12/3 đến ngày 14/3", "phấn đấu đến ngày 31/3") dated every figure by
    its last date, and is taken only when nothing else gives one."""
    found: dict[int, tuple[int, date, str]] = {}  # rank → the first (row, date, line) of that rank
    for index in range(first, len(rows)):
        line = line_of(rows[index])
        folded = fold(line)
        if "ngay" not in folded and "den" not in folded:
            continue
        day = normalise.find_report_date(line)
        if day is None:
            continue
        rank = (
            0
            if ("so lieu" in folded or "tinh den" in folded)
            else 1
            if normalise.is_place_date_line(line)
            else 2
        )
        found.setdefault(rank, (index, day, line.strip()))
        if rank == 0:
            break  # nothing ranks above a note that dates the data
    if not found:
        return
    rank = min(found)
    if layout.report_date is not None and rank > 0:
        return
    index, day, line = found[rank]
    above = (layout.date_row, layout.date_line, layout.report_date)
    if above[2] not in (None, day) and not normalise.is_place_date_line(above[1]):
        layout.other_date_line = above  # a title's other day: said, as above the table
    layout.report_date, layout.date_line = day, line
    layout.date_row, layout.date_origin = index, "footer"


def _day_headed_by_its_date(layout: Layout) -> None:
    """The day's own figure headed by the report's date alone ("Ngày 23/5", "Thu nhận ngày
    23/5", "23/5/2023") beside a running total: read as the day's figure; it was left
    unread without a word."""
    day = layout.report_date
    if layout.kind != "report" or day is None or "collected_day" in layout.columns:
        return
    if "collected" not in layout.columns:
        return
    for c, text in layout.unmapped:
        label = normalise.day_label(text)
        if (
            label is None
            or (label.day, label.month) != (day.day, day.month)
            or label.year not in (None, day.year)
        ):
            continue
        layout.columns = {**layout.columns, "collected_day": Column(c, "collected_day", text)}
        layout.unmapped = [(k, t) for k, t in layout.unmapped if k != c]
        return


def _dates_the_data(text: str) -> bool:
    """A header cell that says the day of the figures under it ("Ngày 23/5/2023", "Kết quả
    đến ngày 23/5/2023"), not a target's or a plan's ("Chỉ tiêu đến 30/6/2023")."""
    folded = fold(text or "")
    if any(w in folded for w in ("chi tieu", "ke hoach", "han ", "muc tieu")):
        return False
    return folded.startswith(
        ("ngay", "so lieu", "ket qua", "tinh den", "den ngay")
    ) or normalise.is_data_date_line(text)


def _shares_checked(rows: list[list], first: int, columns: dict[str, Column]) -> dict[str, Column]:
    """A column whose header says it gives a share ("Lũy kế thu nhận (tỷ lệ)") is the count's
    only when its cells are counts with their shares beside them ("2.384 (26,1%)"); a column
    of shares alone gives no count, and is left out."""
    if not any(headers.share_beside(c.header) for c in columns.values()):
        return columns
    out = {}
    for name, column in columns.items():
        if headers.share_beside(column.header):
            cells = [
                row[column.index]
                for row in rows[first : first + 30]
                if column.index < len(row) and not normalise.is_blank(row[column.index])
            ]
            pairs = sum(1 for cell in cells if normalise.count_with_share(cell))
            if not cells or pairs * 2 < len(cells):
                continue
        out[name] = column
    return out


# "… đến 17 giờ 00 ngày 18/3/2021": the hour the figures were taken at, so their day.
_UNTIL_HOUR = re.compile(r"\b(?:đến|den)\s+\d{1,2}\s*(?:giờ|gio|h)(?!\w)", re.IGNORECASE)
# "Thực hiện Kế hoạch số 45/KH-CAT ngày 15/01/2021": the day of the document cited, not the
# figures' (a letter's first line; it dated every figure two months early).
_CITES_A_DOCUMENT = re.compile(r"\bs[ốo]\s*:?\s*\d+[\w.\-]*/[\w.\-]+", re.IGNORECASE)


# Another document cited with its date: by its kind ("Kế hoạch số 12/KH-CAH ngày 01/3/2023",
# "Công văn ngày 5/3/2023"), or by a number of a plan's, letter's, decision's … kind ("số
# 12/KH-CAH ngày …"); not "Báo cáo số 45/BC-CAH ngày 15/3/2023" nor "Số: 45/CAH-QLHC ngày …",
# this report's own number, signed that day.  Matched on the folded line.
_DOC_DATE = r"ngay\s+\d{1,2}(?:\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*\d{2,4}|\s+thang\s+\d{1,2}\s+nam\s+\d{4})"
_CITED_DOCUMENT = re.compile(
    r"\b(?:ke hoach|cong van|quyet dinh|chi thi|thong bao|huong dan|nghi quyet|nghi dinh|thong tu"
    r"|cong dien|van ban)\b[^,;()]{0,40}?"
    + _DOC_DATE
    + r"|\bso\s*:?\s*\d+[\w.\-]*/(?:kh|cv|qd|ct|tb|hd|nq|cd)\b[\w.\-]*\s*,?\s*"
    + _DOC_DATE
)


def _only_a_cited_date(line: str) -> bool:
    """Whether every date of a line above the table is that of another document it cites
    ("Thực hiện Kế hoạch số 12/KH-CAH ngày 01/3/2023 của Công an huyện"), not the figures'.
    Not a table sent with a covering letter ("Kèm theo Công văn số 45/CV-CAH ngày 15/3/2023"):
    that letter's day is the report's."""
    folded = fold(unicodedata.normalize("NFC", line))
    if "kem theo" in folded or not _CITED_DOCUMENT.search(folded):
        return False
    # `fold` keeps one character for one: the cited spans are cut from the line as written.
    rest, end = [], 0
    for cited in _CITED_DOCUMENT.finditer(folded):
        rest.append(line[end : cited.start()])
        end = cited.end()
    rest.append(line[end:])
    return normalise.find_report_date(" … ".join(rest)) is None


# A label cell that ends asking for a day: "Số liệu tính đến ngày:", "Ngày báo cáo".
_ASKS_FOR_A_DAY = re.compile(r"\bngay\s*:?\s*$")
# "Số hồ sơ trong ngày: | 45012": a day's count, not a day.
_A_DAYS_COUNT = re.compile(r"\btrong\s+ngay\s*:?\s*$")
_SERIAL_CELL = re.compile(r"\d{5}(?:\.0+)?")
# The same at the end of a line: ="Số liệu tính đến ngày "&C2 without TEXT(…) shows the
# serial.  Words after the number make it a count ("đến ngày: 45012 người").
_DAY_AS_SERIAL = re.compile(r"(\b(?:ngày|ngay)\s*:?\s*)(\d{5})\s*$", re.IGNORECASE)


def _top_texts(row: list) -> list[str]:
    """The non-empty cells of a line above the table.  An Excel serial right after a label
    asking for a day ("Số liệu tính đến ngày: | 44271": a date pasted as a value into a cell
    of the General format, shown as the number), or after "ngày" in the same cell (a formula
    joining a date cell to the words without TEXT(…)), is that day written out, as a date
    cell is; it was no date, and the report refused as undated."""
    out: list[str] = []
    for cell in row:
        text = normalise.text(cell)
        if not text:
            continue
        folded = fold(text)
        if (
            out
            and _SERIAL_CELL.fullmatch(text)
            and _ASKS_FOR_A_DAY.search(fold(out[-1]))
            and not _A_DAYS_COUNT.search(fold(out[-1]))
        ):
            day = _serial_day(cell)
            text = f"{day.day:02d}/{day.month:02d}/{day.year}" if day else text
        elif "ngay" in folded and not _A_DAYS_COUNT.search(folded[: folded.rfind("ngay") + 4]):
            text = _DAY_AS_SERIAL.sub(_serial_written_out, text)
        out.append(text)
    return out


def _serial_day(value) -> date | None:
    """An Excel serial as the day of a campaign's report: from 2015 to a year from now.  A
    count of five digits is a serial too (45012 is 27/3/2023): only a day a report can have
    is taken, beside the label's own words."""
    day = normalise.parse_date(value).value
    if isinstance(day, date) and date(2015, 1, 1) <= day <= date.today() + timedelta(days=366):
        return day
    return None


def _serial_written_out(found: re.Match) -> str:
    day = _serial_day(int(found.group(2)))
    return found.group(1) + (f"{day.day:02d}/{day.month:02d}/{day.year}" if day else found.group(2))


def _read_top(rows: list[list], layout: Layout) -> None:
    """Letterhead authorities, title and the date line above the header."""
    # (priority, row, date, line): the "Số liệu tính đến …" line first, then a date in the
    # title ("BÁO CÁO … NGÀY 15/5/2023"), the place-and-date line (the day it was signed,
    # often the day after) last.
    dated: list[tuple[int, int, date, str]] = []
    no_year: list[tuple[int, tuple[int, int], str]] = []  # "tính đến 17h ngày 15/5"
    mentioned: tuple[int, str] | None = None  # "BÁO CÁO … NGÀY 16/3": for a message only
    for index in range(layout.header_rows[0]):
        texts = _top_texts(rows[index])
        if not texts:
            continue
        line = " ".join(texts)
        found = normalise.find_report_date(line)
        if found:
            priority = (
                0
                if normalise.is_data_date_line(line) or _UNTIL_HOUR.search(line)
                else 2
                if any(normalise.is_place_date_line(t) for t in (line, *texts))
                else 3
                if _CITES_A_DOCUMENT.search(line)
                else 1
            )
            if priority in (1, 3) and _only_a_cited_date(line):
                # The plan or letter the report answers is dated, not its figures: taken,
                # that date stored every figure weeks early without a word.
                if layout.cited_date_line is None:
                    layout.cited_date_line = (index, line.strip())
                continue
            dated.append((priority, index, found, line))
        else:
            day_month = normalise.find_day_month(line)
            impossible = normalise.impossible_date(line) if layout.impossible_date_line is None else None
            if impossible:
                layout.impossible_date_line = (index, line.strip(), *impossible)
            elif day_month:
                no_year.append((index, day_month, line))
            elif mentioned is None and normalise.mentions_day_month(line):
                mentioned = (index, line.strip())
        for cell in texts:
            authority = _AUTHORITY.match(fold(cell))
            if authority:
                layout.authorities += (authority.group(2).strip(),)
        for named in _TITLE_DISTRICT.finditer(fold(line)):
            layout.title_districts += (named.group(0),)
        for named in _TITLE_PROVINCE.finditer(fold(line)):
            layout.title_provinces += (named.group(0),)
        if "bao cao" in fold(line) and layout.title is None:
            layout.title = line.strip()
    if no_year and dated and min(dated)[0] > 0:
        # The year of the other dates above the table (the place-and-date line's first).
        near = max(dated, key=lambda d: d[0])[2]
        index, day_month, line = no_year[0]
        found = normalise.with_year(day_month, near)
        if found:
            dated.append((0, index, found, line))
    if dated:
        priority, index, found, line = min(dated)
        layout.report_date, layout.date_line, layout.date_row = found, line.strip(), index
        layout.date_origin = "date_line"
        # A title giving another day than the data's own line ("BÁO CÁO NGÀY 01/4/2021" over
        # "Số liệu tính đến … 02/4/2021"): the line is taken, and the report says so.  The day
        # a report was signed ("Kỳ Anh, ngày …") is often the next: no conflict.
        others = [d for d in sorted(dated) if d[0] == 1 and d[2] != found] if priority == 0 else []
        if others:
            layout.other_date_line = (others[0][1], others[0][3].strip(), others[0][2])
    elif no_year:
        layout.day_month_line = (no_year[0][0], no_year[0][2].strip())
    else:
        layout.day_month_line = mentioned


_LETTER_NUMBERS = re.compile(r"^[a-e]$")


def _is_number_row(row: list) -> bool:
    """(1) (2) (3) …, 1 2 3 …, or A B 1 2 3 … under the header; a column worked out from
    others is numbered with its formula ("3=1+2", "(5)=(4)/(2)"), as the ministry's forms are."""
    texts = [t.split("=")[0].strip("()[] ") for t in _row_texts(row) if t]
    if len(texts) < 3:
        return False
    letters = 0
    while letters < len(texts) and _LETTER_NUMBERS.match(texts[letters].lower()):
        letters += 1
    rest = texts[letters:]
    if len(rest) < 2 and letters < 3:
        return False
    try:
        numbers = [int(float(t)) for t in rest]
    except ValueError:
        return False
    if letters and letters == len(texts):
        return [t.lower() for t in texts] == [chr(97 + i) for i in range(len(texts))]
    return numbers == list(range(numbers[0], numbers[0] + len(numbers))) and numbers[0] in (0, 1, 2, 3)


# -- unknown layouts -------------------------------------------------------------------


def record_fields(layout: Layout) -> list[str]:
    """The columns of a per-record export that are read: place, days, status, and what puts
    an application in its parts; every other column is skipped by the parser."""
    wanted = (*headers.RECORD_READ_FIELDS, *headers.RECORD_BREAKDOWN_FIELDS, *headers.RECORD_ID_FIELDS)
    return [f for f in wanted if f in layout.columns]


def record_header_texts(rows: list[list], layout: Layout) -> dict[str, set[str]]:
    """The texts of an export's header rows in its commune and date columns ("Nơi thường
    trú", "Xã/Phường", "Ngày thu nhận"), stripped: a record never holds them there."""
    out: dict[str, set[str]] = {}
    for name in ("commune", "received_date"):
        if name in layout.columns:
            at = layout.columns[name].index
            texts = {
                str(rows[r][at]).strip() for r in layout.header_rows if r < len(rows) and at < len(rows[r])
            }
            texts.discard("")
            texts.discard("None")
            out[name] = texts
    return out


def record_plain(layout: Layout) -> tuple[int, ...]:
    """Positions of the read columns the CSV reader hands over as text, not dictionaries:
    the application's number, nearly one per row (`record_tally.Tally._repeated`)."""
    return tuple(layout.columns[f].index for f in headers.RECORD_ID_FIELDS if f in layout.columns)


def record_few(layout: Layout) -> tuple[int, ...]:
    """Positions of the read columns with few distinct texts by nature (a place, a status),
    which the CSV reader makes dictionaries as it parses."""
    return tuple(layout.columns[f].index for f in headers.RECORD_FEW_FIELDS if f in layout.columns)


def record_width(rows: list[list], layout: Layout) -> int:
    """How many fields an export's lines have: the widest of its header and first records."""
    return max((len(r) for r in rows[: layout.first_data_row + 20]), default=0)


def candidate_header(rows: list[list]) -> tuple[int, ...] | None:
    """The most likely header rows of a table this module cannot name.

    The row with the most text cells among the first rows that is followed by a row
    with numbers; the row above joins it when it holds a merged parent header.
    """
    best, best_cells = None, 1
    limit = min(HEADER_SCAN_ROWS, len(rows))
    for r in range(limit):
        texts = _row_texts(rows[r])
        cells = sum(1 for t in texts if t and normalise.parse_count(t).value is None)
        if cells <= best_cells:
            continue
        below = [rows[i] for i in range(r + 1, min(r + 6, len(rows)))]
        if any(
            sum(1 for c in row if normalise.parse_count(c).value is not None) >= 1 and not _is_number_row(row)
            for row in below
        ):
            best, best_cells = r, cells
    if best is None:
        return None
    if best + 1 < len(rows) and _parent_row(rows, best):
        own = _row_texts(rows[best])
        child = _row_texts(rows[best + 1]) + [""] * len(own)
        numbers = any(normalise.parse_count(c).value is not None for c in rows[best + 1])
        if not numbers and any(t and not own[c] for c, t in enumerate(child[: len(own)])):
            return (best, best + 1)
    if best > 0 and _parent_row(rows, best - 1):
        above = _row_texts(rows[best - 1])
        own = _row_texts(rows[best]) + [""] * len(above)
        # The row above fills columns the header row leaves empty (merged down) or
        # spans several header cells (merged across).
        if any(t and not own[c] for c, t in enumerate(above)) or any(
            not t and _spans(above, own, c) for c, t in enumerate(above)
        ):
            return (best - 1, best)
    return (best,)


def is_parent_row(rows: list[list], r: int) -> bool:
    """Whether row r can be the upper row of a two-row header (not a title line)."""
    return _parent_row(rows, r)


def labels_of(rows: list[list], header_rows: tuple[int, ...]) -> list[str]:
    return _labels(rows, header_rows)


# -- rows ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowKind:
    kind: str  # commune | subtotal | total | footer | blank
    district: str | None = None  # the label of a subtotal row
    label: str = ""


def classify(row: list, layout: Layout) -> RowKind:
    """What a data row is: a commune, a district subtotal, a grand total, a footer."""
    cols = layout.columns
    name = normalise.text(row[cols["commune"].index]) if cols["commune"].index < len(row) else ""
    stt = (
        normalise.text(row[cols["row_number"].index])
        if "row_number" in cols and cols["row_number"].index < len(row)
        else ""
    )
    if not name and stt and normalise.parse_count(stt).value is None and not _ROMAN.match(fold(stt)):
        name, stt = stt, ""  # "Tổng cộng" written in the STT column (merged cells)
    if not name:
        # A label merged over the first columns: take the first text cell left of the figures.
        first_value = min((c.index for f, c in cols.items() if f in VALUE_FIELDS), default=0)
        for cell in row[:first_value]:
            text = normalise.text(cell)
            if text and normalise.parse_count(text).value is None and not _ROMAN.match(fold(text)):
                name = text
                break
    figures = VALUE_FIELDS if not layout.parts_only else (*VALUE_FIELDS, *part_fields(cols))
    if layout.splits:
        # A blank first part beside a figure in another: the row still has its count.
        figures = (*figures, *(f for f in cols if f.startswith(SPLIT_PREFIX + "|")))
    values = [(f, row[c.index]) for f, c in cols.items() if f in figures and c.index < len(row)]
    # A dash in a day's own column is a figure, 0 (ingest.rows.DAILY_FIELDS).
    has_numbers = any(
        normalise.parse_count(v).value is not None or f == "collected_day" and normalise.is_dash(v)
        for f, v in values
    ) or any(_unreadable_figure(v) for _, v in values)
    folded = _label_key(name)
    if folded.startswith("cong an "):
        # "Công an xã Kỳ Tân", "Công an huyện Kỳ Anh": a unit named by its police, not a
        # "Cộng" (total) row, which folds to the same first word.
        name = name.split(None, 2)[2] if len(name.split(None, 2)) == 3 else name
        folded = _label_key(name)
    if not has_numbers:
        # Signatures ("Người lập biểu", "TRƯỞNG CÔNG AN HUYỆN") may sit in any column.
        line = " ".join(t for t in _row_texts(row) if t)
        joined = fold(line)
        if any(w in joined for w in _FOOTER) or normalise.is_place_date_line(line) or _CLOSING.match(joined):
            return RowKind("footer")
        if name and (_is_district_label(name, stt) or _is_district_name(name)):
            # A heading: a district named with its type, or without it ("ĐÔ LƯƠNG", "Thanh
            # Chương", "H.Quỳ Hợp") when it is a district of the registry; it places the
            # communes under it until the next heading.
            return RowKind("subtotal", district=district_from_label(name), label=name)
        return RowKind("blank")
    if _SUBTOTAL_PREFIX.match(folded) or _district_after_sum_word(name) and not _sum_like_commune(name):
        return RowKind("subtotal", district=district_from_label(name), label=name)
    if (
        any(folded == w or folded.startswith(w + " ") or folded.startswith(w + ":") for w in _TOTAL)
        or folded.rstrip(" :") in _TOTAL_CUT
    ) and not _sum_like_commune(name):
        return RowKind("total", label=name)
    if _is_district_label(name, stt) or _bare_district_heading(name, stt, "row_number" in cols):
        return RowKind("subtotal", district=district_from_label(name), label=name)
    english = _district_in_english(name)
    if english is not None:
        return RowKind("subtotal", district=english, label=name)
    if _CLUSTER.match(fold(name)):
        # "Cụm 1" with the sums of the communes under it: a group of no district, checked
        # against them like a district's heading (it was stored as a unit «Cụm 1»).
        return RowKind("subtotal", label=name)
    return RowKind("commune")


# A district's communes grouped for the campaign ("Cụm 1", "CỤM SỐ II", "Khối 2", "Vùng 3",
# "Khu vực 1", "Nhóm A"): numbered, never a unit of the registry.
_CLUSTER = re.compile(
    r"^(?:cum(?: xa)?|khoi|vung|khu vuc|nhom)\s+(?:so\s+)?(?:\d{1,2}|[ivx]{1,4}|[a-e])(?![\w/])"
)


# A group's letter in the STT column: "A", "B", "C." — provincial reports letter their
# districts as often as they number them with Roman numerals.
_GROUP_LETTER = re.compile(r"^[A-Z]\s*[.)]?$")


def _bare_district_heading(name: str, stt: str, numbered: bool) -> bool:
    """Whether a row with figures is a district's heading named without its type: "DIỄN
    CHÂU", "QUỲ HỢP" over (or under) their communes.  Each district of Nghệ An and Hà Tĩnh
    has a town of its name (Thị trấn Diễn Châu, Thị trấn Quỳ Hợp), so such a row was read as
    that town, and the district's sums were stored as the town's figures (or refused as
    conflicting with the town's own row).  It is the district's when its STT is a group's
    letter ("A", "B"), or when it is written in capitals with its STT left blank in a table
    whose communes are numbered; the town itself is numbered like any commune, or written
    with its type ("Thị trấn Quỳ Hợp", "TT Quỳ Hợp")."""
    if not name or registry.expand(name).startswith(_COMMUNE_TYPES):
        return False
    short = registry.district_abbreviated(name)
    typed = registry.expand(name).startswith(("huyen ", "thi xa ", "thanh pho "))
    if short and (typed or len(short) == 1 and not registry.abbreviates_a_commune(name)):
        # "H.DC", "TX HM", "Q.Lưu", "H.NĐ" (Nghĩa Đàn or Nam Đàn: its communes decide): a
        # district abbreviated with its type, or as no commune is; stored as a unit outside
        # the registry with its district's sums, it also made the next headings check the
        # communes above them (round 22).
        return not stt or bool(_GROUP_LETTER.match(stt))
    if registry.bare(name) not in registry.level_names("district")[0] and len(short) != 1:
        return False
    if stt:
        return bool(_GROUP_LETTER.match(stt))
    letters = [ch for ch in name if ch.isalpha()]
    return numbered and len(letters) > 3 and all(ch.isupper() for ch in letters)


def _unreadable_figure(value) -> bool:
    """A figure's cell with digits that is no count ("12a", "33↵2.396", "1O5"): the row is a
    row of figures all the same, so that the cell is refused by name.  A row whose every
    figure was such was taken for a heading and left out without a word.  Words without a
    digit ("Lũy kế" on a header repeated on a printed page) are no figure."""
    text = normalise.text(value)
    if normalise.is_place_date_line(text):
        return False  # "Quỳ Châu, ngày 23 tháng 5 năm 2023" under the table: where it was signed
    return any(ch.isdigit() for ch in text) and normalise.parse_count(value).error is not None


def _sum_like_commune(name: str) -> bool:
    """Whether a label that folds like a sum ("cong …", "tong …") is a commune's name:
    "Công Thành" written with its marks (never "Cộng"), or a registry commune's name
    typed without them ("Cong Thanh").  Such a row was a total, its commune dropped."""
    # "Công-Thành": the words joined by a hyphen are the name's words all the same.
    words = re.split(r"[\s\-–—_]+", normalise.text(name).strip())
    if len(words) < 2:
        return False
    first = unicodedata.normalize("NFC", words[0]).lower()
    if first == "công" or registry.names_a_commune(" ".join(words)):  # "Cộng" has its dot below
        return True
    # "Cộng Thành": Công Thành with its tone typed wrong, no sum of a place called "Thành".
    return first == "cộng" and registry.names_a_commune(" ".join(["Công", *words[1:]]))


def _label_key(name: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9:]+", " ", fold(name)).split())


def district_from_label(label: str) -> str | None:
    """ "Cộng huyện Kỳ Anh" → "huyện Kỳ Anh"; "I. THÀNH PHỐ VINH" → "THÀNH PHỐ VINH";
    None when the label names no district ("Khối phường")."""
    text = normalise.text(label)
    text = re.sub(r"^\s*[IVXLCivxlc]+\s*[.)\-:]\s*", "", text)
    folded = fold(text)
    match = re.match(r"^(?:tong\s+cong|cong|tong\s+so|tong|toan)\s*[:\-–]?\s*", folded)
    if match and re.match(r"(huyen|thi xa|thanh pho|quan|tp|tx|h)\b", folded[match.end() :]):
        text = text[match.end() :]
    elif _district_after_sum_word(text):
        text = _district_after_sum_word(text)
    folded = fold(text)
    if folded.startswith("quan ") and not _a_quan(text):
        return None  # a commune named "Quán …", "Quan …"
    if folded.startswith(_DISTRICT_PREFIXES) or _is_district_name(text):
        return text.strip()
    return None


# The words that open a sum's label before the place it sums: "Cộng", "Tổng cộng", "Tổng".
_SUM_WORDS = re.compile(r"^(?:tong\s+cong|cong|tong)\s*[:\-–]?\s+")
# A commune's type after the sum word: "Cộng xã Kỳ Xuân" sums a commune's villages.
_COMMUNE_TYPES = ("xa ", "phuong ", "thi tran ", "tt ", "tt. ", "p. ", "x. ")


def _district_after_sum_word(label: str) -> str | None:
    """The district a sum's label names after "Cộng" without its type — "Cộng Cửa Lò",
    "Cộng Thái Hoà", "Tổng cộng: TX Thái Hòa", "Cong Ky Anh" — when the rest is a district of
    the registry (marks, i/y and the type's abbreviation typed loosely), else None.  Units
    close a district's block so ("Cộng" and the name they call it by); read as the sheet's
    total, each was checked against every commune of the sheet.  "Cộng xã …" (a commune's
    villages) and "Cộng cụm 1" name no district."""
    # Spaces squeezed, folding maps one character to one: the cut in the folded text is the
    # same in the text (as registry._strip_prefix relies on).
    text = " ".join(unicodedata.normalize("NFC", normalise.text(label)).split())
    match = _SUM_WORDS.match(fold(text))
    if not match:
        return None
    rest = text[match.end() :].strip()
    if not rest or registry.expand(rest).startswith(_COMMUNE_TYPES):
        return None
    if _is_district_name(rest) or registry.spelled_plain(rest) in registry.level_names("district")[1]:
        return rest
    return None


def _is_district_name(text: str) -> bool:
    """A district of the registry, written with an abbreviated type or none ("H.Quỳ Hợp",
    "ĐÔ LƯƠNG")."""
    expanded = registry.expand(text)
    if expanded.startswith(("huyen ", "thi xa ", "thanh pho ")):
        return True
    if expanded.startswith("quan "):
        return _a_quan(text)
    # "H.DC", "D.Châu", "TX HM": abbreviated as one district alone is (round 22).
    return registry.bare(text) in registry.level_names("district")[0] or bool(
        registry.district_abbreviated(text)
    )


def _district_in_english(name: str) -> str | None:
    """ "Dien Chau District", "District Quynh Luu", "Vinh City" heading its communes: the
    district it names, its type in Vietnamese ("Huyện Dien Chau"), else None.  Read as a
    commune, its sums were stored as a unit outside the registry and counted in the total
    twice.  Not "town", which among communes is a thị trấn ("Dien Chau Town")."""
    found = registry.english_type(name, "district")
    if found is None or found[1].lower().rstrip(".") == "town":
        return None
    return found[0]


def _is_district_label(name: str, stt: str) -> bool:
    if stt and _ROMAN.match(fold(stt)):
        return True
    roman = re.match(r"^\s*[IVXL]+\s*[.)\-:]\s+(?=\S)", name)
    if roman:
        # "II. HUYỆN KỲ ANH", "III. Thành phố Vinh" — not "X. Kỳ Đồng" (X. = xã).
        rest = name[roman.end() :]
        letters = [ch for ch in rest if ch.isalpha()]
        if (
            fold(rest).startswith(("huyen ", "thi xa ", "thanh pho "))
            or fold(rest).startswith("quan ")
            and _a_quan(rest)
            or (
                letters
                and all(ch.isupper() for ch in letters)
                and not _xa_in_capitals(roman.group(), rest, stt)
            )
        ):
            return True
    folded = fold(name)
    if folded.startswith(("huyen ", "thi xa ", "thanh pho ")):
        return True  # no commune is named "Huyện …"
    if registry.expand(name).startswith(("huyen ", "thi xa ", "thanh pho ")) and (
        registry.bare(name) in registry.level_names("district")[0]
    ):
        # "H. Diễn Châu", "TP Vinh", "T.X Cửa Lò" with the sums of the communes under it: a
        # commune's type is never "H.", "TX" or "TP".  Each such heading was a commune (in
        # capitals only was it read), and a province's summary refused as each district's
        # two rows of one unit (round 22).
        return True
    if folded.startswith("quan ") or re.match(r"q\.\s*\S|q\d", folded):
        return _a_quan(name)  # "Quận 3", "Q.10", "Q. Tân Bình"
    letters = [ch for ch in name if ch.isalpha()]
    upper = letters and all(ch.isupper() for ch in letters)
    return bool(upper and len(letters) > 3 and folded.startswith(_DISTRICT_PREFIXES))


def _xa_in_capitals(numeral: str, rest: str, stt: str = "") -> bool:
    """Whether "X." before a name in capitals is "xã", not the tenth district's numeral: "X.
    KY TAN" is Xã Kỳ Tân, a commune of the registry and no district.  Read as a heading, the
    commune's figures were taken for the sums of the rows under it and never stored.  "X.
    KỲ ANH", a district's name, stays the heading it was — unless the row is numbered like
    the communes ("5 | X. KỲ SƠN" under Huyện Tân Kỳ, whose Xã Kỳ Sơn it is): a heading is
    not numbered twice, by its STT and a numeral (round 22)."""
    return (
        numeral.strip()[:1] in "Xx"
        and (
            registry.bare(rest) not in registry.level_names("district")[0]
            or bool(re.fullmatch(r"\d{1,3}\.?", stt.strip()))
        )
        and registry.names_a_commune(rest)
    )


def _a_quan(name: str) -> bool:
    """Whether a name starting "Quan…" is a city's district ("Quận 1", "QUẬN HOÀN KIẾM"),
    not a commune that begins so: Quán Bàu, Quán Hành, Quan Thành, folded alike, were read
    as a district's heading or sum, and the communes under them lost their district.
    Written with its marks, "Quận" says it; written without, it is a district unless the
    name is a commune of the registry."""
    first = name.strip().split()[0] if name.strip() else ""
    word = unicodedata.normalize("NFC", first).lower()
    if word == "quận" or word in ("q", "q.") or re.fullmatch(r"q\.?\d+", word):
        return True  # "Quận 1", "Q. Hoàn Kiếm", "Q.1"
    # "Quan Thanhf": Xã Quan Thành typed with the input method off names a commune too.
    # Read as a city's district at the foot of a sheet, it was taken for the sheet's total
    # and the district of every row above it, which then matched no commune.
    return (
        word == "quan"
        and not registry.names_a_commune(name)
        and not registry.names_a_commune(keystrokes.restore(name))
    )


def locate_companion(rows: list[list], file_name: str = "", start: int = 0) -> Layout | None:
    """A table of communes and cards handed over, with no collected column: the second table
    of a report that gives "1. Kết quả thu nhận" and "2. Kết quả trả thẻ" one under the other.
    Read only beside a table of collected figures of the same document (the caller's rule),
    never as a report on its own."""
    for r in range(start, min(start + HEADER_SCAN_ROWS, len(rows))):
        columns, header_rows = _map_header(rows, r, headers.match)
        columns = _shares_checked(rows, header_rows[-1] + 1, columns)
        if (
            "commune" in columns
            and "returned" in columns
            and not set(columns) & {"collected", "collected_day"}
        ):
            columns = {
                f: c
                for f, c in columns.items()
                if f in ("commune", "district", "province", "code", "row_number", "eligible", "returned")
            }
            found = build(rows, header_rows, columns, "report", file_name)
            found.companion = True
            found.description += ", bảng trả thẻ đi kèm bảng thu nhận"
            return found
    return None
