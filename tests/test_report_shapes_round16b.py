"""Report shapes found by the sixteenth outside probe (second sitting): a district's subtotal
named "Cộng Cửa Lò" without its type, a day's cell left blank beside a running total that
stood still, and a one-day per-applicant list whose day's count was not stored."""

from __future__ import annotations

import pytest

from cccd_analytics import ingest, registry
from tests.test_report_shapes_round7 import imported, values, workbook_bytes

# -- a subtotal "Cộng <district>" without the district's type --------------------------------

CUA_LO = [
    ("Phường Nghi Thuỷ", 7113, 17, 6745),
    ("Phường Nghi Tân", 9151, 24, 6410),
    ("Phường Thu Thuỷ", 4412, 16, 2959),
]
THAI_HOA = [
    ("Phường Hoà Hiếu", 8223, 3, 7494),
    ("Phường Quang Phong", 3195, 2, 3033),
    ("Xã Nghĩa Tiến", 2809, 2, 2570),
    ("Xã Tây Hiếu", 5801, 14, 5582),
]
QUY_CHAU = [
    ("Thị trấn Tân Lạc", 3570, 8, 3291),
    ("Xã Châu Bính", 3453, 12, 3406),
]


def _sum(rows, at: int) -> int:
    return sum(r[at] for r in rows)


def _section(number: str, heading: str, communes, closing: str, change: int = 0) -> list[list]:
    rows = [[number, heading]]
    rows += [[i, name, eligible, day, total] for i, (name, eligible, day, total) in enumerate(communes, 1)]
    rows.append([None, closing, _sum(communes, 1), _sum(communes, 2), _sum(communes, 3) + change])
    return rows


def _province_report(cua_lo: str, thai_hoa: str, change: int = 0) -> dict[str, list[list]]:
    every = CUA_LO + THAI_HOA + QUY_CHAU
    return {
        "TH": [
            ["CÔNG AN TỈNH NGHỆ AN"],
            ["PHÒNG CẢNH SÁT QLHC VỀ TTXH"],
            ["BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD"],
            ["Số liệu tính đến 17 giờ 00 ngày 16/06/2023"],
            ["STT", "Đơn vị", "Số CD đủ ĐK", "Kết quả thu nhận hồ sơ", None],
            [None, None, None, "Trong ngày", "Lũy kế"],
            *_section("I", "THỊ XÃ CỬA LÒ", CUA_LO, cua_lo, change),
            *_section("II", "THỊ XÃ THÁI HOÀ", THAI_HOA, thai_hoa),
            *_section("III", "HUYỆN QUỲ CHÂU", QUY_CHAU, "Cộng huyện Quỳ Châu"),
            [None, "TỔNG CỘNG", _sum(every, 1), _sum(every, 2), _sum(every, 3) + change],
        ]
    }


@pytest.mark.parametrize(
    "cua_lo,thai_hoa",
    [
        ("Cộng Cửa Lò", "Cộng Thái Hoà"),
        ("Cộng Cửa Lò", "Cộng Thái Hòa"),  # the tone mark placed the other way
        ("Cong Cua Lo", "Cong Thai Hoa"),  # typed without marks
        ("Cộng TX Cửa Lò", "Cộng: Thái Hoà"),
        ("Tổng cộng Cửa Lò", "CỘNG THÁI HOÀ"),
    ],
)
def test_a_sum_named_by_its_district_without_the_type_is_that_districts_subtotal(cua_lo, thai_hoa):
    # Each was taken for the grand total and checked against every commune of the sheet:
    # «dòng tổng «Cộng Cửa Lò» ghi 42.975 nhưng tổng 28 xã/phường là 135.652», a false warning
    # per figure.
    report = imported(_province_report(cua_lo, thai_hoa))
    assert not [p for p in report.problems if p.code == "subtotal_mismatch"]
    sums = {t["label"]: t for t in report.totals if t["checked"]}
    assert sums[cua_lo]["kind"] == "subtotal" and sums[cua_lo]["communes"] == len(CUA_LO)
    assert sums[thai_hoa]["kind"] == "subtotal" and sums[thai_hoa]["communes"] == len(THAI_HOA)
    assert sums["TỔNG CỘNG"]["kind"] == "total" and sums["TỔNG CỘNG"]["communes"] == 9
    assert all(t["matches"] for t in sums.values())
    # The communes' own figures are what is stored, each in its district.
    nghi_tan = registry.resolve("Tỉnh Nghệ An", "Thị xã Cửa Lò", "Phường Nghi Tân").key
    tay_hieu = registry.resolve("Tỉnh Nghệ An", "Thị xã Thái Hoà", "Xã Tây Hiếu").key
    collected = values(report, metric="collected")
    assert len(collected) == 9
    assert collected[(nghi_tan, "collected")] == 6410 and collected[(tay_hieu, "collected")] == 5582


def test_a_district_sum_without_its_type_that_differs_is_said_against_its_own_communes():
    report = imported(_province_report("Cộng Cửa Lò", "Cộng Thái Hoà", change=+10))
    said = [p.message for p in report.problems if p.code == "subtotal_mismatch"]
    stated = _sum(CUA_LO, 3)
    assert f"«Cộng Cửa Lò» ghi {stated + 10:,}".replace(",", ".") in said[0]
    assert f"nhưng tổng {len(CUA_LO)} xã/phường là {stated:,}".replace(",", ".") in said[0]
    assert len(said) == 2  # Cửa Lò's and the grand total's running totals, 10 over each


def test_a_communes_sum_of_its_villages_stays_the_communes_row():
    # "Cộng xã …" names a commune, not a district: the rule above leaves it to the villages.
    rows = [
        ["CÔNG AN HUYỆN KỲ ANH"],
        ["BÁO CÁO THU NHẬN HỒ SƠ CCCD"],
        ["Số liệu tính đến 17h00 ngày 16/3/2021"],
        ["STT", "Đơn vị", "Thu nhận trong ngày", "Lũy kế thu nhận"],
        [1, "Thôn Tân Hà", 3, 410],
        [2, "Thôn Hải Hà", 2, 395],
        [None, "Cộng xã Kỳ Xuân", 5, 805],
    ]
    report = imported({"BC": rows})
    ky_xuan = registry.resolve("Tỉnh Hà Tĩnh", "Huyện Kỳ Anh", "Xã Kỳ Xuân").key
    assert values(report, metric="collected") == {(ky_xuan, "collected"): 805}


# -- a day's cell left blank ----------------------------------------------------------------

QUE_PHONG_TOP = [
    ["CÔNG AN TỈNH NGHỆ AN"],
    ["CÔNG AN HUYỆN QUẾ PHONG"],
    ["BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD"],
]
QUE_PHONG_HEADER = ["STT", "Đơn vị", "Số CD đủ ĐK", "Thu nhận trong ngày", "Lũy kế thu nhận", "Ghi chú"]
TRI_LE = registry.resolve("Tỉnh Nghệ An", "Huyện Quế Phong", "Xã Tri Lễ").key
CHAU_KIM = registry.resolve("Tỉnh Nghệ An", "Huyện Quế Phong", "Xã Châu Kim").key
DONG_VAN = registry.resolve("Tỉnh Nghệ An", "Huyện Quế Phong", "Xã Đồng Văn").key
MUONG_NOC = registry.resolve("Tỉnh Nghệ An", "Huyện Quế Phong", "Xã Mường Nọc").key


def _que_phong(day: str, rows: list[list]) -> bytes:
    return workbook_bytes(
        {"BC": [*QUE_PHONG_TOP, [f"Số liệu tính đến 17 giờ 00 ngày {day}/06/2023"], QUE_PHONG_HEADER, *rows]}
    )


def _stored(store, unit: str, day: str) -> dict:
    obs = store.current_observations()
    obs = obs[(obs["unit_key"] == unit) & (obs["date"] == day)]
    return dict(zip(obs["metric"], obs["value"]))


@pytest.fixture
def que_phong_day_before(store):
    rows = [
        [1, "Xã Tri Lễ", 7288, 47, 5855, None],
        [2, "Xã Châu Kim", 3000, 12, 3000, None],
        [3, "Xã Đồng Văn", 2183, 0, 2183, None],
        [4, "Xã Mường Nọc", 7376, 15, 7202, None],
    ]
    assert ingest.import_bytes(store, _que_phong("15", rows), "bc_15_6.xlsx").status == "imported"
    return store


def test_a_blank_days_cell_beside_a_running_total_that_stood_still_is_that_days_zero(que_phong_day_before):
    # Xã Tri Lễ sent "Nghỉ, mất mạng" and its running total of the day before, the day's cell
    # left blank: stored as no figure, where "-" in another row was 0.
    store = que_phong_day_before
    rows = [
        [1, "Xã Tri Lễ", 7288, None, 5855, "Nghỉ, mất mạng"],
        [2, "Xã Châu Kim", 3000, 17, 3017, None],
        [3, "Xã Đồng Văn", 2183, "-", 2183, "Nghỉ, mất mạng"],
        [4, "Xã Mường Nọc", 7376, None, 7222, None],  # moved by 20: the day's count is not said
    ]
    report = ingest.import_bytes(store, _que_phong("16", rows), "bc_16_6.xlsx")
    assert report.status == "imported", report.message
    assert _stored(store, TRI_LE, "2023-06-16") == {"eligible": 7288, "collected": 5855, "collected_day": 0}
    assert _stored(store, DONG_VAN, "2023-06-16")["collected_day"] == 0
    assert _stored(store, CHAU_KIM, "2023-06-16")["collected_day"] == 17
    assert "collected_day" not in _stored(store, MUONG_NOC, "2023-06-16")
    (note,) = [p for p in report.problems if p.code == "blank_day_unchanged"]
    assert note.severity == "info" and (note.row, note.column) == (6, "D")  # Xã Tri Lễ's cell
    assert "để trống, lũy kế không đổi" in note.message and "được lưu là 0" in note.message


def test_a_blank_days_cell_with_no_earlier_figure_stays_no_figure(store):
    rows = [
        [1, "Xã Tri Lễ", 7288, None, 5855, "Nghỉ, mất mạng"],
        [2, "Xã Châu Kim", 3000, 17, 3017, None],
    ]
    report = ingest.import_bytes(store, _que_phong("16", rows), "bc_16_6.xlsx")
    assert report.status == "imported", report.message
    assert "collected_day" not in _stored(store, TRI_LE, "2023-06-16")
    assert not [p for p in report.problems if p.code == "blank_day_unchanged"]


def test_a_blank_days_cell_is_read_against_the_files_own_day_before():
    # A table of a row per commune and day: the day before is in the file itself.
    rows = [
        ["Ngày", "Đơn vị", "Thu nhận trong ngày", "Lũy kế thu nhận"],
        ["15/06/2023", "Xã Tri Lễ", 47, 5855],
        ["16/06/2023", "Xã Tri Lễ", None, 5855],
        ["15/06/2023", "Xã Châu Kim", 12, 3000],
        ["16/06/2023", "Xã Châu Kim", 17, 3017],
    ]
    report = imported({"BC": [*QUE_PHONG_TOP, *rows]})
    got = values(report, by="date", metric="collected_day")
    assert got[(TRI_LE, "2023-06-16")] == 0 and got[(CHAU_KIM, "2023-06-16")] == 17


# -- a one-day per-applicant list -----------------------------------------------------------

EXPORT_HEADER = [
    "STT",
    "Họ và tên",
    "Ngày sinh",
    "Số CMND cũ",
    "Nơi thường trú",
    "Xã/Phường",
    "Ngày thu nhận",
    "Loại cấp",
]
PEOPLE = {"Xã Kỳ Xuân": 5, "Xã Kỳ Bắc": 3, "Xã Kỳ Phú": 8, "Xã Kỳ Phong": 4, "Xã Kỳ Tiến": 4}
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng")
GIVEN = ("Văn An", "Thị Dung", "Văn Hùng", "Thị Hoa", "Hữu Đức", "Thị Bình")


def _applicants() -> list[list]:
    rows = []
    for commune, n in PEOPLE.items():
        for i in range(n):
            k = len(rows)
            rows.append(
                [
                    k + 1,
                    f"{FAMILY[k % 7]} {GIVEN[k % 6]}",
                    f"{1 + k % 27:02d}/{1 + k % 12:02d}/{1950 + 2 * k}",
                    f"18{3000000 + 7919 * k:07d}",
                    f"Thôn {1 + i}, {commune}, Huyện Kỳ Anh, Hà Tĩnh",
                    commune,
                    "16/05/2021",
                    ("Cấp mới", "Cấp đổi", "Cấp lại")[k % 3],
                ]
            )
    return rows


def _export_xlsx() -> bytes:
    title = ["DANH SÁCH CÔNG DÂN ĐÃ THU NHẬN HỒ SƠ CCCD NGÀY 16/05/2021 - CÔNG AN HUYỆN KỲ ANH"]
    return workbook_bytes({"DanhSach": [title, [], EXPORT_HEADER, *_applicants()]})


def _export_csv() -> bytes:
    lines = [",".join(EXPORT_HEADER)] + [",".join(f'"{v}"' for v in row) for row in _applicants()]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _ky_anh(commune: str) -> str:
    return registry.resolve("Tỉnh Hà Tĩnh", "Huyện Kỳ Anh", commune).key


@pytest.fixture
def ky_anh_two_days_before(store):
    # The store's last running totals are of 14/5: the difference from them is not 16/5's count.
    lines = "Ngày,Huyện,Xã,Lũy kế thu nhận\n" + "".join(
        f"14/05/2021,Huyện Kỳ Anh,{commune},{1000 + 100 * i}\n" for i, commune in enumerate(PEOPLE)
    )
    assert ingest.import_bytes(store, lines.encode(), "bc_14_5.csv").status == "imported"
    return store


@pytest.mark.parametrize(
    "name,data", [("danh_sach_16_5.xlsx", _export_xlsx), ("danh_sach_16_5.csv", _export_csv)]
)
def test_a_one_day_export_stores_the_days_count_beside_the_running_total(ky_anh_two_days_before, name, data):
    # Its day's count was left out (no figure): an export stored its running totals only,
    # and the difference from the store's 14/5 is no count of 16/5.
    store = ky_anh_two_days_before
    report = ingest.import_bytes(store, data(), name)
    assert report.status == "imported", report.message
    assert report.kind == "records" and report.record_export["rows"] == 24
    for i, (commune, n) in enumerate(PEOPLE.items()):
        assert _stored(store, _ky_anh(commune), "2021-05-16") == {
            "collected": 1000 + 100 * i + n,
            "collected_day": n,
        }
    assert "records_continue_stored" in {p.code for p in report.problems}


def test_an_export_stores_a_zero_day_for_a_commune_without_records_that_day(store):
    rows = _applicants()
    rows[0][6] = "14/05/2021"  # one of Kỳ Xuân's five received two days earlier
    book = workbook_bytes({"DanhSach": [EXPORT_HEADER, *rows]})
    report = ingest.import_bytes(store, book, "danh_sach.xlsx")
    assert report.status == "imported", report.message
    assert _stored(store, _ky_anh("Xã Kỳ Xuân"), "2021-05-14") == {"collected": 1, "collected_day": 1}
    assert _stored(store, _ky_anh("Xã Kỳ Xuân"), "2021-05-15") == {"collected": 1, "collected_day": 0}
    assert _stored(store, _ky_anh("Xã Kỳ Xuân"), "2021-05-16") == {"collected": 5, "collected_day": 4}
    assert _stored(store, _ky_anh("Xã Kỳ Bắc"), "2021-05-15") == {"collected": 0, "collected_day": 0}
