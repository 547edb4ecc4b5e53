"""Every data-quality rule, defined once: its code, its severity and its Vietnamese label.

Import (`ingest`: a file's problems, `Problem.of(code, …)`) and the quality page
(`analytics.quality`: the findings on stored data) both take a rule's severity and label
from here, so one finding never has two severities.  The code is what reports, JSON and
the upload history carry; the label is what a person reads in a table or a filter.

Severity: *error* — import refuses the file (nothing is written) and the quality page lists
it first; *warning* — accepted, flagged; *info* — noted.  Where a rule's severity is a
choice, `why` gives the reason.  A rule with a `lesser` severity gives it to the milder
cases its `why` names (the caller says which: `severity(code, lesser=True)`).
"""

from __future__ import annotations

from dataclasses import dataclass

SEVERITY_LABELS = {"error": "Lỗi", "warning": "Cảnh báo", "info": "Lưu ý"}
SEVERITY_ORDER = ("error", "warning", "info")


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str  # error | warning | info
    label: str  # Vietnamese
    why: str = ""
    lesser: str | None = None


_RULES = (
    # -- the file as a whole ------------------------------------------------------------------
    Rule("too_large", "error", "Tệp quá lớn"),
    Rule("unreadable", "error", "Không đọc được tệp"),
    Rule("file_type", "error", "Loại tệp không đọc được"),
    Rule("no_table", "error", "Không tìm thấy bảng số liệu"),
    Rule("bad_mapping", "error", "Cách ghép cột không dùng được"),
    Rule("no_rows", "error", "Không có dòng số liệu"),
    Rule("no_cumulative", "error", "Thiếu cột lũy kế thu nhận"),
    Rule("no_date", "error", "Không xác định được ngày số liệu"),
    Rule("date_mismatch", "warning", "Ngày trong tên tệp khác ngày trong báo cáo"),
    Rule(
        "sheet_skipped",
        "warning",
        "Trang không đọc",
        why="a workbook of one sheet per day also holds a summary, a hidden copy or a template: "
        "left out, and said so, so that nobody wonders where its figures went",
    ),
    Rule(
        "table_skipped",
        "warning",
        "Bảng không đọc",
        why="a Word or PDF report whose figures go on in a table the readers cannot place would be "
        "imported without that table's units: each such table is named, so the analyst sees it",
    ),
    # -- cells ---------------------------------------------------------------------------------
    Rule("bad_number", "error", "Số không đọc được"),
    Rule(
        "uncomputed_formula",
        "error",
        "Ô công thức chưa được tính",
        why="an xlsx written by a script keeps a formula without its value; read as blank, the "
        "figures of that column would be missing without a word",
    ),
    Rule(
        "uncomputed_total",
        "warning",
        "Dòng tổng có công thức chưa được tính",
        why="a total row is only checked against its communes, never stored: its formulas "
        "saved without their values leave it unchecked, not the file unreadable",
    ),
    Rule(
        "formula_error",
        "error",
        "Ô lỗi công thức thay cho số",
        why="a cell showing «#REF!» or «#VALUE!» is read as blank: its unit's figure would be "
        "missing without a word, so the file is refused at the cell",
    ),
    Rule(
        "formula_error_total",
        "warning",
        "Dòng tổng có ô lỗi công thức",
        why="a total row is only checked against its communes, never stored: an error in it "
        "leaves it unchecked, not the file unreadable",
    ),
    Rule(
        "merged_figure",
        "error",
        "Ô số liệu gộp cho nhiều xã",
        why="a figure merged down over several communes' rows is read as the first's, the others "
        "blank, though nothing says how it splits: refused at the merged cells",
    ),
    Rule("negative", "error", "Số âm"),
    Rule(
        "unnamed_row",
        "error",
        "Dòng có số liệu nhưng không ghi tên đơn vị",
        why="figures without a unit's name were stored as a unit named «»; after the last "
        "commune such a row is taken as the table's unlabelled total and checked instead",
    ),
    Rule("ambiguous_number", "warning", "Số có thể đọc hai cách"),
    Rule(
        "bad_date",
        "error",
        "Ngày không đọc được",
        why="A table's date is the day of its figures: unreadable, the row cannot be placed.  In a "
        "per-record export a few unreadable dates (at most 1% of the rows, or 10) are records "
        "left out and warned about; more mean the date column was mistaken, and refuse the file.",
        lesser="warning",
    ),
    Rule("ambiguous_date", "warning", "Ngày có thể đọc hai cách"),
    Rule(
        "future_date",
        "error",
        "Ngày số liệu ở sau hôm nay",
        why="No figure can be dated after the day it is sent: such a date is a typing error (a "
        "year 2031 for 2021), and stored it would be the unit's latest report for years.  A "
        "day of grace, for a report dated by Vietnam's clock on a server that keeps UTC.",
    ),
    Rule("bad_line", "warning", "Dòng có nhiều ô hơn tiêu đề"),
    # -- per-record exports ----------------------------------------------------------------
    Rule("record_without_commune", "warning", "Hồ sơ không ghi xã/phường"),
    Rule("record_without_date", "warning", "Hồ sơ không ghi ngày thu nhận"),
    Rule("record_void", "warning", "Hồ sơ đã hủy hoặc bị từ chối"),
    Rule(
        "record_return_undated",
        "warning",
        "Đã trả thẻ nhưng không ghi ngày trả",
        why="cards handed over by their status but with no day handed over were left out of the "
        "cards returned without a word",
    ),
    Rule(
        "record_header_rows",
        "info",
        "Dòng tiêu đề lặp lại giữa các hồ sơ",
        why="a printed report's export repeats its header atop every page: each was a record with "
        "an unreadable day, and 15 pages refused the export as having its date column wrong",
    ),
    Rule(
        "record_signature_rows",
        "info",
        "Dòng ký tên dưới danh sách hồ sơ",
        why="a list's signature block (the place and date, «Người lập biểu», the signer's name) was "
        "taken for records without a day received and warned about as such",
    ),
    Rule(
        "record_sum_rows",
        "info",
        "Dòng cộng giữa các hồ sơ",
        why="a unit's sheet with a line «Cộng xã …: 18» after each commune's records had them "
        "taken for records without a date, or with an unreadable one, and was refused",
    ),
    Rule(
        "record_repeated",
        "warning",
        "Hồ sơ lặp lại",
        why="an export appended to itself counted its applications twice, silently; the same "
        "Số hồ sơ at the same place and day is one application, counted once",
    ),
    Rule(
        "record_birth_century",
        "warning",
        "Năm sinh hai chữ số không rõ thế kỷ",
        why="a two-digit birth year («15/05/25») takes its century from the year of the day "
        "received; with no year readable there it was taken from the machine's date (1925 read as "
        "2025: no elder, and groups that changed with the day of the import), now from none",
    ),
    Rule("no_returned_status", "warning", "Không rõ trạng thái thẻ đã trả"),
    Rule("records_continue_stored", "warning", "Tệp hồ sơ cộng tiếp vào lũy kế đã có"),
    Rule(
        "records_below_stored",
        "error",
        "Tệp hồ sơ đếm thấp hơn lũy kế đã có cùng ngày",
        why="An export's cumulative figure is its own count from its first day; below what a report "
        "already stored for the same unit and day, the export does not hold every application since "
        "the campaign began, and storing it would lower that day's figure without a word.",
    ),
    # -- units -------------------------------------------------------------------------------
    Rule("name_variant", "warning", "Tên đơn vị khác cách viết trong danh mục"),
    Rule("unknown_unit", "warning", "Đơn vị ngoài danh mục"),
    Rule(
        "code_mismatch",
        "warning",
        "Mã đơn vị không khớp tên",
        "a row whose GSO code is another commune's than its name: placed by the name (a code copied "
        "from the row above is the likelier slip), and the analyst told, since one of the two is wrong",
    ),
    Rule(
        "reformed_unit",
        "warning",
        "Đơn vị đã sáp nhập (1/7/2025) còn được báo cáo",
        "a commune abolished by the 2025 reform, reported on a later day with its district: its figures "
        "are stored as written, never merged into the new commune (they are only a part of it), and "
        "the analyst is told what it became before accepting",
    ),
    Rule("ambiguous_unit", "error", "Tên đơn vị khớp với nhiều đơn vị"),
    # -- figures -------------------------------------------------------------------------------
    Rule(
        "missing_communes",
        "warning",
        "Báo cáo của huyện thiếu xã, phường",
        why="A district's report that leaves out some of its communes makes them look unreported "
        "that day on every page; the analyst is told which before writing.  A warning, not a "
        "refusal: a unit may send its own figures apart.",
    ),
    Rule("duplicate_row", "warning", "Dòng lặp lại"),
    Rule("conflicting_values", "error", "Hai giá trị khác nhau cho một đơn vị, một ngày"),
    Rule(
        "falling_cumulative",
        "error",
        "Lũy kế giảm",
        why="A cumulative count cannot go down: a lower figure is a typing or export error, and "
        "storing it would make the pace negative.",
    ),
    Rule(
        "returned_above_collected",
        "warning",
        "Số thẻ đã trả vượt số hồ sơ đã thu nhận",
        why="Cards handed over come from another register than applications taken in, and a card "
        "can be handed over for an application taken before the campaign's count began or at "
        "another unit: more cards than applications is a mismatch to look into, not a figure "
        "to refuse.  A warning at import (the file is kept) and on the quality page alike.",
    ),
    Rule("coverage_over_100", "warning", "Thu nhận vượt số công dân đủ điều kiện"),
    Rule(
        "cumulative_below_day",
        "error",
        "Lũy kế nhỏ hơn số trong ngày",
        why="a running total counts that day's applications too, so it cannot be below them: one "
        "of the two was mistyped (58 for 85), and either kept would make the day's pace wrong",
    ),
    Rule(
        "day_gain_mismatch",
        "warning",
        "Số trong ngày không khớp lũy kế",
        why="a day's own figure beside the running totals of that day and the day before should "
        "be their difference; when it is not, one of the three was mistyped and nothing says "
        "which: the running totals are stored as sent, and the day's figure is pointed at",
    ),
    Rule(
        "hidden_row",
        "warning",
        "Dòng ẩn ghi lại xã đã có ở dòng đang hiện",
        why="a unit keeps yesterday's rows hidden beside today's (or under each commune): the "
        "shown row is read, and the report names the hidden ones left, in case one of them was meant; "
        "a hidden row of a commune no shown row names (rows filtered out) is read as before",
    ),
    Rule(
        "scanned_page",
        "warning",
        "Trang quét (ảnh) không được đọc",
        why="a typed report's scanned page after its finished table (a signed copy) holds no part "
        "of the table, but what it holds is not read, so the report says so rather than nothing",
    ),
    Rule(
        "unheaded_figures",
        "error",
        "Cột số liệu không có tiêu đề (PDF không kẻ khung)",
        why="a table printed without borders is read by where its text sits; a column of figures "
        "left with no header means a header was put over another column, whose figures would be "
        "stored under it, so the file is refused at that column rather than read shifted",
    ),
    Rule(
        "unheaded_column",
        "warning",
        "Cột số liệu không có tiêu đề, không được đọc",
        why="a ruled table's column of figures whose header cell is blank names no figure, so it is "
        "not read; left out in silence, a count the unit meant to send was missing with no word of why",
    ),
    Rule(
        "cut_header",
        "warning",
        "Tiêu đề cột bị cắt, cột không được đọc",
        why="a PDF printed from Excel clips a header at its cell's edge, or draws its letters over "
        'each other; what is left may name no figure ("Lũy kế t…": thu nhận or trả thẻ), and a column '
        "of figures left out must be said",
    ),
    Rule(
        "hidden_column",
        "warning",
        "Cột ẩn cùng tên với cột đang hiện",
        why="a unit keeps yesterday's column hidden beside today's, headed alike: the visible one "
        "is read, and the report says which was left, in case the hidden one was meant",
    ),
    Rule(
        "blank_day_unchanged",
        "info",
        "Ô trong ngày để trống, lũy kế không đổi",
        why="a day's cell left blank beside a running total that stands still since the unit's "
        "last figure is that day's 0 (as a dash is); noted so that the reading is seen",
    ),
    # -- breakdowns (parts of a commune-day: priority group, channel, residence, type) -------
    Rule("several_dimensions", "error", "Một dòng chia theo nhiều cách"),
    Rule("no_group", "error", "Không rõ nhóm của số đủ điều kiện"),
    Rule("parts_exceed_total", "error", "Các phần cộng lại vượt tổng"),
    Rule(
        "split_summed",
        "warning",
        "Số của xã là tổng các cột chia nhỏ",
        why="a count split under its merged header into sub-columns no dimension knows "
        '("Thường trú trên địa bàn | Tỉnh khác", ages), with no total sub-column: the '
        "count is their sum; the report names the columns added up",
    ),
    Rule(
        "split_not_whole",
        "error",
        "Số chỉ chia theo nhóm đối tượng, không có tổng",
        why="priority groups are some of the applications (most citizens are in none): a count "
        "split only into them, with no total or 'Khác' sub-column, gives no commune figure",
    ),
    Rule(
        "split_mismatch",
        "error",
        "Các cột chia nhỏ cộng lại lớn hơn cột tổng",
        why='a split\'s total sub-column ("Tổng số", "Cộng") below the sum of its parts: '
        "which of the two is the commune's figure is not known, so nothing is stored",
    ),
    Rule(
        "split_short",
        "warning",
        "Các cột chia nhỏ cộng lại ít hơn cột tổng",
        why="a split's total sub-column above the sum of its parts: a header that leaves a part "
        "out (home visits counted in the total only) is common, and the total is the figure "
        "the office gave; it is stored and the analyst told",
    ),
    Rule(
        "total_not_built",
        "warning",
        "Không lấy các phần làm tổng",
        why="Parts without a total build the total, unless they add up to less than the "
        "cumulative figure already stored: then they are only part of the day, not its total.",
    ),
    Rule("subtotal_mismatch", "warning", "Dòng cộng không khớp tổng các xã"),
    Rule(
        "share_mismatch",
        "warning",
        "Dòng tỷ lệ không khớp số lượng",
        why='A "Tỷ lệ %" row under a commune\'s counts is derived from them and never stored; one '
        "that disagrees with them says a count (or the share) was typed wrong, which the analyst "
        "should see, as a subtotal that does not add up.",
    ),
    Rule(
        "replaces_stored",
        "info",
        "Tệp thay số liệu đã có",
        why="a corrected report sent again replaces the figures of its days, as it should; said "
        "so that a day sent twice, or a file of the wrong day, is seen before it is written",
    ),
    Rule(
        "lowers_stored",
        "warning",
        "Tệp hạ lũy kế đã có của cùng ngày",
        why="a running total below the one stored for the same unit and day is a correction (the "
        "newest report is in force) or a stale copy of an earlier day's figures; the file is "
        "written, and the figure it lowers is named so that a stale copy is seen",
    ),
    # -- reporting over time (the quality page) ---------------------------------------------
    Rule(
        "missing_report",
        "warning",
        "Thiếu báo cáo",
        why="A unit silent for several days hides its progress; a day or two is often a weekend "
        "or a late report (analytics.quality.GAP_WARNING_DAYS), only noted.",
        lesser="info",
    ),
    Rule("never_reported", "warning", "Chưa báo cáo lần nào"),
    Rule("spike", "warning", "Tăng đột biến trong ngày"),
)
RULES = {rule.code: rule for rule in _RULES}


def severity(code: str, lesser: bool = False) -> str:
    """The severity of a rule's finding; `lesser` for the milder cases its `why` names."""
    rule = RULES[code]
    if lesser:
        if rule.lesser is None:
            raise ValueError(f"rule {code!r} has no lesser severity")
        return rule.lesser
    return rule.severity


def label(code: str) -> str:
    return RULES[code].label
