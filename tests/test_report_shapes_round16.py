"""Report shapes found by the sixteenth outside probe: a header of three merged rows under a
letterhead (Đô Lương), and a daily log of a row per commune per day whose commune is written
once over its days (Tân Kỳ)."""

from __future__ import annotations

import io
from datetime import datetime

import openpyxl

from cccd_analytics import ingest, registry


def _key(district: str, commune: str) -> str:
    return registry.resolve("Tỉnh Nghệ An", district, commune).key


DO_LUONG = "Huyện Đô Lương"
TT_DO_LUONG = _key(DO_LUONG, "Thị trấn Đô Lương")
GIANG_SON_DONG = _key(DO_LUONG, "Xã Giang Sơn Đông")
LAM_SON = _key(DO_LUONG, "Xã Lam Sơn")
TAN_KY = "Huyện Tân Kỳ"
TT_TAN_KY = _key(TAN_KY, "Thị trấn Tân Kỳ")
TAN_HOP = _key(TAN_KY, "Xã Tân Hợp")
NGHIA_BINH = _key(TAN_KY, "Xã Nghĩa Bình")


def workbook(rows: list[list], merged: tuple[str, ...] = (), title: str = "BC") -> bytes:
    """An .xlsx of one sheet of these rows, with these cell ranges merged ("H8:I9")."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for cells in merged:
        sheet.merge_cells(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def stored(store) -> dict[tuple[str, str, str], float]:
    """(unit, day, metric) → the value the store holds in force."""
    frame = store.current_observations()
    return {
        (k, str(d)[:10], m): v
        for k, d, m, v in zip(frame["unit_key"], frame["date"], frame["metric"], frame["value"])
    }


# -- a header of three merged rows ----------------------------------------------------------

LETTERHEAD = [
    ["CÔNG AN TỈNH NGHỆ AN", None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
    ["CÔNG AN HUYỆN ĐÔ LƯƠNG", None, None, "Độc lập - Tự do - Hạnh phúc"],
    ["Số:      /BC-CAH", None, None, "Đô Lương, ngày 16 tháng 6 năm 2023"],
    [],
    ["BÁO CÁO TIẾN ĐỘ THU NHẬN HỒ SƠ CẤP CĂN CƯỚC CÔNG DÂN GẮN CHÍP"],
    ["(Tính đến 17h00 ngày 16/6/2023)"],
    [],
]
LETTERHEAD_MERGED = ("A1:C1", "D1:J1", "A2:C2", "D2:J2", "D3:J3", "A5:J5", "A6:J6")
# TT | name | eligible | collected today (count, %) | collected so far (count, %) | cards
# handed over today | cards handed over so far | notes.
DO_LUONG_ROWS = [
    ["TỔNG CỘNG", None, 17358, 38, 0.22, 16114, 92.83, 50, 15389, None],
    [1, "Thị trấn Đô Lương", 7799, 20, 0.26, 7556, 96.88, 8, 7170, None],
    [2, "Xã Giang Sơn Đông", 6653, 13, 0.2, 6024, 90.55, 19, 5780, None],
    [3, "Xã Lam Sơn", 2906, 5, 0.17, 2534, 87.2, 23, 2439, "Tổ lưu động thu nhận tại nhà 12 trường hợp"],
]
DO_LUONG_TRUTH = {
    (TT_DO_LUONG, "eligible"): 7799,
    (TT_DO_LUONG, "collected_day"): 20,
    (TT_DO_LUONG, "collected"): 7556,
    (TT_DO_LUONG, "returned"): 7170,
    (GIANG_SON_DONG, "eligible"): 6653,
    (GIANG_SON_DONG, "collected_day"): 13,
    (GIANG_SON_DONG, "collected"): 6024,
    (GIANG_SON_DONG, "returned"): 5780,
    (LAM_SON, "eligible"): 2906,
    (LAM_SON, "collected_day"): 5,
    (LAM_SON, "collected"): 2534,
    (LAM_SON, "returned"): 2439,
}


def _three_row_header_report() -> bytes:
    header = [
        ["TT", "Tên xã, thị trấn", "Số công dân trong độ tuổi phải cấp", "Kết quả thu nhận hồ sơ CCCD"]
        + [None] * 3
        + ["Trả thẻ CCCD", None, "Ghi chú"],
        [None] * 3 + ["Trong ngày", None, "Lũy kế từ đầu đợt"] + [None] * 4,
        [None] * 3 + ["Số hồ sơ", "Tỷ lệ %", "Số hồ sơ", "Tỷ lệ %", "Trong ngày", "Lũy kế", None],
    ]
    merged = (
        *LETTERHEAD_MERGED,
        *(f"{c}8:{c}10" for c in "ABCJ"),
        "D8:G8",
        "H8:I9",
        "D9:E9",
        "F9:G9",
        "A11:B11",
    )
    rows = [
        *LETTERHEAD,
        *header,
        *DO_LUONG_ROWS,
        [],
        ["Nơi nhận:", None, None, None, None, None, None, "Người lập biểu"],
    ]
    return workbook(rows, merged, title="BC ngay 16.6")


def test_a_header_of_three_merged_rows_reads_the_running_totals_under_their_parents(store):
    # The header was read as two rows: "Trả thẻ CCCD / Trong ngày" (H) was taken for the cards
    # handed over so far, and the file refused as their running total falling.
    report = ingest.import_bytes(store, _three_row_header_report(), "BC_CCCD_DoLuong_16.6.2023.xlsx")
    assert report.status == "imported", report.message
    assert report.header_rows == [8, 9, 10]
    headers = {c["field"]: c["header"] for c in report.columns if c["field"]}
    assert headers["returned"] == "Trả thẻ CCCD / Lũy kế"
    assert headers["collected"] == "Kết quả thu nhận hồ sơ CCCD / Lũy kế từ đầu đợt / Số hồ sơ"
    assert headers["collected_day"] == "Kết quả thu nhận hồ sơ CCCD / Trong ngày / Số hồ sơ"
    got = stored(store)
    assert {(k, m): v for (k, d, m), v in got.items()} == DO_LUONG_TRUTH
    assert {d for _, d, _ in got} == {"2023-06-16"}
    # The grand total on top is checked against the three communes, and matches.
    (total,) = report.totals
    assert total["matches"] and set(total["checked"]) >= {"collected", "collected_day", "returned"}


def _four_row_header_report() -> bytes:
    """ "Kết quả thực hiện" over "Thu nhận hồ sơ | Trả thẻ CCCD" over "Trong ngày | Lũy kế" over
    "Số lượng | Tỷ lệ %": "Số lượng" names nothing but under all its parents."""
    header = [
        ["STT", "Đơn vị", "Số công dân đủ 14 tuổi trở lên", "Kết quả thực hiện"] + [None] * 7 + ["Ghi chú"],
        [None] * 3 + ["Thu nhận hồ sơ"] + [None] * 3 + ["Trả thẻ CCCD"] + [None] * 4,
        [None] * 3 + ["Trong ngày", None, "Lũy kế", None, "Trong ngày", None, "Lũy kế", None, None],
        [None] * 3 + ["Số lượng", "Tỷ lệ %"] * 4 + [None],
    ]
    merged = (
        *(f"{c}5:{c}8" for c in "ABCL"),
        "D5:K5",
        "D6:G6",
        "H6:K6",
        "D7:E7",
        "F7:G7",
        "H7:I7",
        "J7:K7",
    )
    body = [
        [1, "Thị trấn Đô Lương", 7799, 20, 0.26, 7556, 96.88, 8, 0.1, 7170, 91.94, None],
        [2, "Xã Giang Sơn Đông", 6653, 13, 0.2, 6024, 90.55, 19, 0.29, 5780, 86.88, None],
    ]
    top = [
        ["CÔNG AN HUYỆN ĐÔ LƯƠNG"],
        ["BÁO CÁO KẾT QUẢ CẤP CCCD"],
        ["Số liệu tính đến 17h00 ngày 16/6/2023"],
        [],
    ]
    return workbook([*top, *header, *body], merged)


def test_a_header_of_four_merged_rows_reads_each_figure_under_all_its_parents(store):
    report = ingest.import_bytes(store, _four_row_header_report(), "bao_cao.xlsx")
    assert report.status == "imported", report.message
    assert report.header_rows == [5, 6, 7, 8]
    got = {(k, m): v for (k, _, m), v in stored(store).items()}
    assert got == {key: v for key, v in DO_LUONG_TRUTH.items() if key[0] != LAM_SON}


# -- a daily log: the commune written once over its days --------------------------------------

DAYS = [datetime(2023, 6, 16), datetime(2023, 6, 17), datetime(2023, 6, 18)]
# Per commune, per day: collected today, collected so far, cards handed over so far.
LOG = {
    "Thị trấn Tân Kỳ": [(3, 6016, 5287), (11, 6027, 5309), (8, 6035, 5314)],
    "Xã Tân Hợp": [(13, 3213, 2731), (13, 3226, 2756), (9, 3235, 2773)],
    "Xã Nghĩa Bình": [(6, 4948, 4483), (15, 4963, 4497), (18, 4981, 4521)],
}
LOG_KEYS = {"Thị trấn Tân Kỳ": TT_TAN_KY, "Xã Tân Hợp": TAN_HOP, "Xã Nghĩa Bình": NGHIA_BINH}
LOG_HEADER = [
    ["NHẬT KÝ THU NHẬN HỒ SƠ CCCD - CÔNG AN HUYỆN TÂN KỲ"],
    ["Đơn vị", "Ngày", "Thu nhận trong ngày", "Cộng dồn", "Trả thẻ cộng dồn", "Người tổng hợp"],
]
LOG_TRUTH = {
    (LOG_KEYS[name], f"{day:%Y-%m-%d}", metric): value
    for name, figures in LOG.items()
    for day, row in zip(DAYS, figures)
    for metric, value in zip(("collected_day", "collected", "returned"), row)
}


def _log_rows(every_row: bool = False) -> list[list]:
    """A row per commune per day, grouped by commune; the name on its first day only."""
    return [
        [name if every_row or i == 0 else None, day, *row, "Đ/c Hoa"]
        for name, figures in LOG.items()
        for i, (day, row) in enumerate(zip(DAYS, figures))
    ]


def test_a_daily_log_with_each_commune_written_once_stores_every_day_under_it(store):
    # Refused: «dòng 4, cột A («Đơn vị»): dòng có số liệu nhưng không ghi tên xã/phường».
    report = ingest.import_bytes(
        store, workbook([*LOG_HEADER, *_log_rows()], title="Nhật ký"), "nhat_ky.xlsx"
    )
    assert report.status == "imported", report.message
    assert stored(store) == LOG_TRUTH
    assert "tên xã ghi một lần cho nhiều ngày: đã điền xuống cho 6 dòng" in report.layout
    assert not report.errors


def test_a_daily_log_with_each_communes_cell_merged_over_its_days_stores_every_day_under_it(store):
    merged = tuple(f"A{3 + 3 * i}:A{5 + 3 * i}" for i in range(len(LOG)))
    data = workbook([*LOG_HEADER, *_log_rows()], merged, title="Nhật ký")
    report = ingest.import_bytes(store, data, "nhat_ky.xlsx")
    assert report.status == "imported", report.message
    assert stored(store) == LOG_TRUTH


def test_a_daily_log_naming_the_commune_on_every_row_reads_as_before(store):
    report = ingest.import_bytes(store, workbook([*LOG_HEADER, *_log_rows(every_row=True)]), "nhat_ky.xlsx")
    assert report.status == "imported", report.message
    assert stored(store) == LOG_TRUTH
    assert "điền xuống" not in report.layout


def _unnamed_rows(report) -> list[int]:
    return [p.row for p in report.problems if p.code == "unnamed_row"]


def test_a_blank_name_on_the_same_day_as_the_row_above_is_still_refused():
    # Another commune's row of that day, or a part of it: which, the file does not say.
    rows = [*LOG_HEADER, *_log_rows()]
    rows[3][1] = DAYS[0]  # Tân Kỳ's second row dated 16/6 again
    report = ingest.import_bytes(None, workbook(rows), "nhat_ky.xlsx")
    assert report.status == "refused"
    # And Tân Kỳ's 18/6 under it: the run of its days is broken.
    assert _unnamed_rows(report) == [4, 5]


def test_a_blank_name_in_a_log_sorted_by_day_is_still_refused():
    # Sorted by day, the row under the day's last commune is the next day's first commune,
    # whichever that is: not the commune above.
    rows = [[name, day, *LOG[name][d], None] for d, day in enumerate(DAYS) for name in LOG]
    rows[3][0] = None  # 17/6's first row, under Nghĩa Bình's 16/6
    report = ingest.import_bytes(None, workbook([*LOG_HEADER, *rows]), "nhat_ky.xlsx")
    assert report.status == "refused"
    assert _unnamed_rows(report) == [6]


def test_a_blank_name_in_a_report_without_a_day_column_is_still_refused():
    rows = [
        ["CÔNG AN HUYỆN TÂN KỲ"],
        ["BÁO CÁO THU NHẬN HỒ SƠ CCCD"],
        ["Số liệu tính đến 17h00 ngày 16/6/2023"],
        ["STT", "Đơn vị", "Thu nhận trong ngày", "Lũy kế thu nhận"],
        [1, "Thị trấn Tân Kỳ", 3, 6016],
        [2, None, 13, 3213],
        [3, "Xã Nghĩa Bình", 6, 4948],
    ]
    report = ingest.import_bytes(None, workbook(rows), "bao_cao.xlsx")
    assert report.status == "refused"
    assert _unnamed_rows(report) == [6]


def test_a_days_total_without_its_label_is_not_taken_for_the_commune_above():
    # The last row, dated 18/6 under Nghĩa Bình's 16/6, sums 18/6's communes: a total whose
    # label is left out, checked as one, not Nghĩa Bình's 18/6.
    rows = [*LOG_HEADER, *_log_rows()]
    del rows[-2:]  # Nghĩa Bình on 16/6 alone
    last = [LOG[name][2] for name in ("Thị trấn Tân Kỳ", "Xã Tân Hợp")]
    rows.append([None, DAYS[2], *(sum(column) for column in zip(*last)), None])
    report = ingest.import_bytes(None, workbook(rows), "nhat_ky.xlsx")
    assert report.status == "checked", report.message
    obs = report.observations
    assert set(obs[obs["unit_key"] == NGHIA_BINH]["date"].astype(str).str[:10]) == {"2023-06-16"}
    assert [t["label"] for t in report.totals] == ["dòng tổng không ghi tên"]
