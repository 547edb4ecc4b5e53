"""Report shapes found by the seventeenth outside probe: a district's heading written with its
bare name ("QUỲ HỢP", lettered "A", "B" or in capitals with no STT) read as the district's
own town; a day without its year in a file named with the year alone; a hidden column
headed like a visible one."""

from __future__ import annotations

import io

import openpyxl
import pytest

from cccd_analytics import ingest, registry
from tests.test_report_shapes_round7 import imported, values, workbook_bytes

# -- a district's heading named without its type ---------------------------------------------

QUY_HOP = [("Xã Yên Hợp", 5200, 12, 3100), ("Xã Châu Tiến", 4100, 7, 2800), ("Xã Đồng Hợp", 3900, 3, 2950)]
YEN_THANH = [("Xã Mã Thành", 6100, 20, 4400), ("Xã Tiến Thành", 5300, 9, 3700)]
DIEN_CHAU = [("Thị trấn Diễn Châu", 7400, 15, 5100), ("Xã Diễn Lâm", 6800, 11, 4020)]


def _sums(communes) -> list[int]:
    return [sum(c[i] for c in communes) for i in (1, 2, 3)]


def _numbered(communes) -> list[list]:
    return [[i, name, *figures] for i, (name, *figures) in enumerate(communes, 1)]


def _province(blocks, *, closing: bool = False) -> dict[str, list[list]]:
    """A provincial report of districts (marker, heading, communes); each heading holds its
    district's sums, over its communes or (`closing`) under them."""
    rows = [
        ["CÔNG AN TỈNH NGHỆ AN"],
        ["BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD"],
        ["Số liệu tính đến 17h00 ngày 16/6/2023"],
        ["STT", "Đơn vị", "Số CD đủ ĐK", "Trong ngày", "Lũy kế"],
    ]
    every = []
    for marker, heading, communes in blocks:
        heading_row = [marker, heading, *_sums(communes)]
        rows += [*_numbered(communes), heading_row] if closing else [heading_row, *_numbered(communes)]
        every += communes
    rows.append([None, "TỔNG CỘNG", *_sums(every)])
    return {"TH": rows}


def _key(district: str, commune: str) -> str:
    return registry.resolve("Tỉnh Nghệ An", district, commune).key


TOWN = {"Huyện Quỳ Hợp": "Thị trấn Quỳ Hợp", "Huyện Yên Thành": "Thị trấn Yên Thành"}


@pytest.mark.parametrize(
    "markers,closing",
    [
        (("A", "B"), False),  # lettered groups, the sums over the communes
        (("A.", "B."), True),  # lettered, the sums closing each block
        ((None, None), False),  # capitals with the STT left blank
        ((None, None), True),
    ],
)
def test_a_district_heading_without_its_type_is_no_town_of_its_name(markers, closing):
    # "QUỲ HỢP" with the district's sums was read as Thị trấn Quỳ Hợp: the district's
    # running total (11.650) was stored as the town's, and the grand total said to be half
    # the sum of the "communes" — or, lettered "A", refused as two figures of one town.
    blocks = [(markers[0], "QUỲ HỢP", QUY_HOP), (markers[1], "YÊN THÀNH", YEN_THANH)]
    report = imported(_province(blocks, closing=closing))
    collected = values(report, metric="collected")
    for district, communes in (("Huyện Quỳ Hợp", QUY_HOP), ("Huyện Yên Thành", YEN_THANH)):
        assert (_key(district, TOWN[district]), "collected") not in collected
        for name, _eligible, _day, total in communes:
            assert collected[(_key(district, name), "collected")] == total
    assert len(collected) == len(QUY_HOP) + len(YEN_THANH)
    assert not [p for p in report.problems if p.code == "subtotal_mismatch"]
    sums = {t["label"]: t for t in report.totals if t["checked"]}
    assert sums["QUỲ HỢP"]["kind"] == "subtotal" and sums["QUỲ HỢP"]["communes"] == len(QUY_HOP)
    assert sums["TỔNG CỘNG"]["communes"] == len(QUY_HOP) + len(YEN_THANH) and sums["TỔNG CỘNG"]["matches"]


def test_a_lettered_heading_over_a_district_whose_town_reports_too():
    # Thị trấn Diễn Châu's own row under "A | DIỄN CHÂU": the heading was the town a second
    # time, refused as «DIỄN CHÂU» có hai giá trị khác nhau.
    report = imported(_province([("A", "DIỄN CHÂU", DIEN_CHAU), ("B", "Yên Thành", YEN_THANH)]))
    collected = values(report, metric="collected")
    assert collected[(_key("Huyện Diễn Châu", "Thị trấn Diễn Châu"), "collected")] == 5100
    assert len(collected) == len(DIEN_CHAU) + len(YEN_THANH)
    assert all(t["matches"] for t in report.totals if t["checked"])


def test_the_town_numbered_like_a_commune_in_capitals_stays_the_town():
    # The same capitals on a numbered row are the town itself, as before.
    rows = [
        ["CÔNG AN HUYỆN QUỲ HỢP"],
        ["Số liệu tính đến 17h00 ngày 16/6/2023"],
        ["STT", "Đơn vị", "Số CD đủ ĐK", "Trong ngày", "Lũy kế"],
        [1, "QUỲ HỢP", 6000, 10, 4321],
        [2, "YÊN HỢP", 5200, 12, 3100],
    ]
    collected = values(imported({"BC": rows}), metric="collected")
    assert collected[(_key("Huyện Quỳ Hợp", "Thị trấn Quỳ Hợp"), "collected")] == 4321


# -- a day without its year, the year in the file name alone ---------------------------------


def _undated_year(line: str) -> list[list]:
    return [
        ["CÔNG AN HUYỆN QUỲ HỢP"],
        [line],
        ["STT", "Đơn vị", "Số CD đủ ĐK", "Lũy kế thu nhận"],
        [1, "Xã Yên Hợp", 5200, 3100],
        [2, "Xã Châu Tiến", 4100, 2800],
    ]


@pytest.mark.parametrize(
    "line,file_name",
    [
        ("BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD NGÀY 16/6", "BC CCCD nam 2023.xlsx"),
        ("Số liệu tính đến 17h00 ngày 16/6", "tien_do_cccd_2023.xlsx"),
    ],
)
def test_a_day_without_its_year_takes_the_year_the_file_name_gives_alone(line, file_name):
    # Refused saying «tên tệp hay chiến dịch không cho biết năm», though the name said 2023
    # (a wide sheet's and a sheet-per-day workbook's days took that year already).
    report = imported({"BC": _undated_year(line)}, name=file_name)
    assert str(report.report_date) == "2023-06-16" and report.date_origin == "date_line"
    assert "năm theo tên tệp" in report.date_source and line in report.date_source
    yen_hop = _key("Huyện Quỳ Hợp", "Xã Yên Hợp")
    assert values(report, by="date", metric="collected") == {
        (yen_hop, "2023-06-16"): 3100,
        (_key("Huyện Quỳ Hợp", "Xã Châu Tiến"), "2023-06-16"): 2800,
    }


def test_a_day_without_its_year_in_a_file_named_with_two_years_is_still_asked_for():
    data = workbook_bytes({"BC": _undated_year("BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD NGÀY 16/6")})
    report = ingest.import_bytes(None, data, "BC 2022-2023.xlsx")
    assert report.status == "refused" and report.to_dict()["needs_date"]
    assert "ghi ngày và tháng nhưng không ghi năm" in report.message


# -- a hidden column headed like a visible one -----------------------------------------------

KY_ANH_TOP = [
    ["CÔNG AN HUYỆN KỲ ANH"],
    ["BÁO CÁO THU NHẬN HỒ SƠ CCCD"],
    ["Số liệu tính đến 17h00 ngày 16/3/2021"],
]
KY_TAN = registry.resolve("Tỉnh Hà Tĩnh", "Huyện Kỳ Anh", "Xã Kỳ Tân").key
KY_THO = registry.resolve("Tỉnh Hà Tĩnh", "Huyện Kỳ Anh", "Xã Kỳ Thọ").key


def _with_hidden_columns(rows: list[list], letters: list[str]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "BC"
    for row in rows:
        sheet.append(row)
    for letter in letters:
        sheet.column_dimensions[letter].hidden = True
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_yesterdays_column_kept_hidden_beside_todays_is_not_read_as_today():
    # Column D, hidden, is the day before's running total under the same header as E: the
    # first of the tie was taken, and yesterday's figures stored as today's without a word.
    rows = [
        *KY_ANH_TOP,
        ["STT", "Xã, thị trấn", "Số CD đủ ĐK", "Lũy kế thu nhận", "Lũy kế thu nhận", "Tỷ lệ %"],
        [1, "Xã Kỳ Tân", 4000, 1180, 1200, 30.0],
        [2, "Xã Kỳ Thọ", 5000, 2470, 2500, 50.0],
    ]
    report = ingest.import_bytes(None, _with_hidden_columns(rows, ["D"]), "bao_cao.xlsx")
    assert report.status == "checked", report.message
    assert values(report, metric="collected") == {(KY_TAN, "collected"): 1200, (KY_THO, "collected"): 2500}
    said = [p for p in report.problems if p.code == "hidden_column"]
    assert len(said) == 1 and said[0].column == "D" and said[0].severity == "warning"
    assert "cột D «Lũy kế thu nhận» bị ẩn; đã đọc cột E" in said[0].message


def test_a_hidden_column_that_alone_names_its_figure_is_read_as_before():
    rows = [
        *KY_ANH_TOP,
        ["STT", "Xã, thị trấn", "Số CD đủ ĐK", "Lũy kế thu nhận", "Tỷ lệ %"],
        [1, "Xã Kỳ Tân", 4000, 1200, 30.0],
        [2, "Xã Kỳ Thọ", 5000, 2500, 50.0],
    ]
    report = ingest.import_bytes(None, _with_hidden_columns(rows, ["C", "D"]), "bao_cao.xlsx")
    assert report.status == "checked", report.message
    assert values(report, metric="collected") == {(KY_TAN, "collected"): 1200, (KY_THO, "collected"): 2500}
    assert values(report, metric="eligible") == {(KY_TAN, "eligible"): 4000, (KY_THO, "eligible"): 5000}
    assert not [p for p in report.problems if p.code == "hidden_column"]
