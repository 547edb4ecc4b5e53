"""One header, rows in blocks under section rows that say what they count: "I | THU NHẬN HỒ
SƠ" over the communes, then "II | TRẢ THẺ CCCD" over the same communes again.  The second
block's figures are the cards handed over, never the same communes' applications a second
time (refused as conflicting), nor, alone under a title saying "lũy kế", applications."""

from __future__ import annotations

from cccd_analytics import ingest
from tests.test_report_shapes_round7 import KY_TAN, KY_THO, imported, values, workbook_bytes

TITLE = [["CÔNG AN HUYỆN KỲ ANH"], [], ["TIẾN ĐỘ CẤP CCCD TỪ NGÀY 19/4 ĐẾN 21/4 NĂM 2021"], []]
DAYS = ["STT", "Đơn vị", "19/4", "20/4", "21/4"]
COLLECTED = {"Xã Kỳ Tân": [900, 950, 990], "Xã Kỳ Thọ": [700, 720, 760]}
RETURNED = {"Xã Kỳ Tân": [300, 310, 330], "Xã Kỳ Thọ": [200, 205, 215]}


def block(numeral: str, heading: str, figures: dict[str, list[int]], total: bool = True) -> list[list]:
    rows = [[numeral, heading]]
    rows += [[i + 1, name, *days] for i, (name, days) in enumerate(figures.items())]
    if total:
        rows.append([None, "Cộng", *(sum(day) for day in zip(*figures.values()))])
    return rows


def by_day(report, metric: str) -> dict:
    return values(report, by="date", metric=metric)


def test_a_wide_table_reads_each_block_as_what_its_section_row_says():
    rows = [
        *TITLE,
        DAYS,
        *block("I", "THU NHẬN HỒ SƠ (lũy kế)", COLLECTED),
        *block("II", "TRẢ THẺ CCCD (lũy kế)", RETURNED),
    ]
    report = imported({"Tiến độ": rows})
    assert by_day(report, "collected") == {
        (KY_TAN, "2021-04-19"): 900,
        (KY_TAN, "2021-04-20"): 950,
        (KY_TAN, "2021-04-21"): 990,
        (KY_THO, "2021-04-19"): 700,
        (KY_THO, "2021-04-20"): 720,
        (KY_THO, "2021-04-21"): 760,
    }
    assert by_day(report, "returned")[(KY_TAN, "2021-04-21")] == 330
    assert by_day(report, "returned")[(KY_THO, "2021-04-19")] == 200
    assert len(by_day(report, "returned")) == 6
    assert not [p for p in report.problems if p.code in ("conflicting_values", "subtotal_mismatch")]


def test_a_wrong_total_of_the_returned_block_is_told_at_its_own_row():
    returned = block("II", "TRẢ THẺ CCCD (lũy kế)", RETURNED)
    returned[-1][2] += 7  # "Cộng" of 19/4: 507 written, the communes give 500
    rows = [*TITLE, DAYS, *block("I", "THU NHẬN HỒ SƠ (lũy kế)", COLLECTED), *returned]
    report = ingest.import_bytes(None, workbook_bytes({"Tiến độ": rows}), "tien_do.xlsx")
    assert report.status == "checked", report.message
    said = [p for p in report.problems if "507" in p.message]
    assert said and said[0].row == len(rows), [(p.code, p.row, p.message) for p in report.problems]


def test_cards_handed_over_alone_under_a_title_of_running_totals_are_not_read_as_applications():
    # The title's "TỪ NGÀY … ĐẾN …" made every day column "lũy kế thu nhận".
    rows = [*TITLE, DAYS, *block("II", "TRẢ THẺ CCCD (lũy kế)", RETURNED)]
    report = imported({"Trả thẻ": rows})
    assert set(report.observations["metric"]) == {"returned"}
    assert by_day(report, "returned")[(KY_THO, "2021-04-21")] == 215


def test_a_table_of_the_day_reads_the_block_of_cards_handed_over_as_such():
    head = [["CÔNG AN HUYỆN KỲ ANH"], ["BÁO CÁO TIẾN ĐỘ"], ["(Số liệu tính đến 17h00 ngày 20/4/2021)"], []]
    rows = [
        *head,
        ["STT", "Đơn vị", "Trong ngày", "Lũy kế"],
        ["I", "THU NHẬN HỒ SƠ"],
        [1, "Xã Kỳ Tân", 12, 950],
        [2, "Xã Kỳ Thọ", 8, 720],
        [None, "Cộng", 20, 1670],
        ["II", "TRẢ THẺ CCCD"],
        [1, "Xã Kỳ Tân", 10, 310],
        [2, "Xã Kỳ Thọ", 5, 205],
        [None, "Cộng", 15, 515],
    ]
    report = imported({"BC": rows})
    assert values(report) == {
        (KY_TAN, "collected"): 950,
        (KY_TAN, "collected_day"): 12,
        (KY_THO, "collected"): 720,
        (KY_THO, "collected_day"): 8,
        (KY_TAN, "returned"): 310,
        (KY_THO, "returned"): 205,
        (KY_TAN, "returned_day"): 10,
        (KY_THO, "returned_day"): 5,
    }
    assert not report.warnings, [p.message for p in report.warnings]


def test_a_workbook_of_a_wide_sheet_of_applications_and_one_of_cards_handed_over_reads_both():
    # The "Trả thẻ" sheet was listed as read, and none of its figures kept.
    top = [["CÔNG AN HUYỆN KỲ ANH"], []]
    days = ["STT", "Đơn vị", "19/4/2021", "20/4/2021", "21/4/2021"]
    collected = [
        *top,
        ["SỐ HỒ SƠ CCCD ĐÃ THU NHẬN (LŨY KẾ)"],
        days,
        *block("", "", COLLECTED)[1:],
    ]
    returned = [
        *top,
        ["SỐ THẺ CCCD ĐÃ TRẢ CHO CÔNG DÂN (LŨY KẾ)"],
        days,
        *block("", "", RETURNED)[1:],
    ]
    report = imported({"Thu nhận": collected, "Trả thẻ": returned})
    assert by_day(report, "returned") == {
        (KY_TAN, "2021-04-19"): 300,
        (KY_TAN, "2021-04-20"): 310,
        (KY_TAN, "2021-04-21"): 330,
        (KY_THO, "2021-04-19"): 200,
        (KY_THO, "2021-04-20"): 205,
        (KY_THO, "2021-04-21"): 215,
    }
    assert by_day(report, "collected")[(KY_THO, "2021-04-21")] == 760


def test_a_note_naming_cards_handed_over_heads_no_block():
    # A sentence among the rows, not a numbered or capitalised heading: the communes under it
    # still give their applications.
    head = [["CÔNG AN HUYỆN KỲ ANH"], ["BÁO CÁO TIẾN ĐỘ"], ["(Số liệu tính đến 17h00 ngày 20/4/2021)"], []]
    rows = [
        *head,
        ["STT", "Đơn vị", "Trong ngày", "Lũy kế"],
        [1, "Xã Kỳ Tân", 12, 950],
        [None, "trong đó có số thẻ đã trả cho công dân ở xã Kỳ Tân"],
        [2, "Xã Kỳ Thọ", 8, 720],
    ]
    report = imported({"BC": rows})
    assert values(report, metric="collected") == {(KY_TAN, "collected"): 950, (KY_THO, "collected"): 720}
    assert set(report.observations["metric"]) == {"collected", "collected_day"}
