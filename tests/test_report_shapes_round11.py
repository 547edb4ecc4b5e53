"""What the importer says about files it cannot read, found by the eleventh and twelfth
outside probes (6/12/2026): each message must tell the user what to fix."""

from __future__ import annotations

from cccd_analytics import ingest
from tests.test_report_shapes_round7 import TOP, workbook_bytes

ROWS = [[1, "Xã Kỳ Xuân", 26, 2150], [2, "Xã Kỳ Bắc", 25, 1780], [3, "Xã Kỳ Phú", 41, 2678]]


def test_a_table_whose_header_row_was_deleted_is_told_so_at_its_first_row():
    # The message listed the letterhead ("CÔNG AN HUYỆN KỲ ANH") as the columns it found.
    report = ingest.import_bytes(None, workbook_bytes({"BC": [*TOP, [], *ROWS]}), "bc.xlsx")
    assert report.status == "refused"
    (problem,) = report.errors
    assert (problem.code, problem.row) == ("no_table", len(TOP) + 2)
    assert "không có dòng tiêu đề cột" in problem.message and "«Xã Kỳ Xuân»" in problem.message
    assert "CÔNG AN HUYỆN" not in problem.message


def test_rows_of_figures_without_any_commune_name_still_get_the_general_message():
    rows = [*TOP, [], [1, "Tổ 1", 26, 2150], [2, "Tổ 2", 25, 1780], [3, "Tổ 3", 41, 2678]]
    report = ingest.import_bytes(None, workbook_bytes({"BC": rows}), "bc.xlsx")
    (problem,) = report.errors
    assert problem.code == "no_table" and "không có dòng tiêu đề cột" not in problem.message
