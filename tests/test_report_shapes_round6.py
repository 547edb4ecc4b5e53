"""Shapes found by the sixth round of outside probing (per-record exports, CSV quirks, names
as typed), each once wrong or refused: a "Nơi tiếp nhận" column, a "Xã, thị trấn" header,
"Quê quán" beside the residence, "15-Mar-2021" dates, a commune named "Công Thành", a few
VNI cells among Unicode ones."""

from __future__ import annotations

from datetime import date

import pytest

from cccd_analytics import ingest, registry
from cccd_analytics.ingest import headers, legacy_text, normalise
from tests.conftest import collected

KY_TAN = registry.resolve("Tỉnh Hà Tĩnh", "Huyện Kỳ Anh", "Xã Kỳ Tân").key


def read(text: str, name: str = "xuat.csv"):
    return ingest.import_bytes(None, text.encode("utf-8"), name)


@pytest.mark.parametrize(
    "header", ["Nơi tiếp nhận", "Giờ tiếp nhận", "Cán bộ tiếp nhận", "Đơn vị tiếp nhận", "Cán bộ thu nhận"]
)
def test_where_and_by_whom_an_application_was_received_is_no_count(header):
    assert headers.match(header) is None
    report = read(
        f"STT,Họ và tên,Xã/Phường thường trú,Huyện,{header},Ngày tiếp nhận,Trạng thái\n"
        "1,A,Xã Kỳ Tân,Huyện Kỳ Anh,Công an xã Kỳ Tân,15/03/2021,Đã tiếp nhận\n"
        "2,B,Xã Kỳ Tân,Huyện Kỳ Anh,Công an xã Kỳ Tân,16/03/2021,Đã tiếp nhận\n"
    )
    assert report.status == "checked", report.message
    assert report.kind == "records" and collected(report)[(KY_TAN, date(2021, 3, 16))] == 2


def test_an_export_whose_commune_column_is_xa_thi_tran():
    report = read(
        'STT,Họ tên,Ngày sinh,"Xã, thị trấn",Huyện,Ngày tiếp nhận\n'
        "1,A,01/01/1990,Xã Kỳ Tân,Huyện Kỳ Anh,15/03/2021\n"
    )
    assert report.status == "checked", report.message
    assert collected(report)[(KY_TAN, date(2021, 3, 15))] == 1


def test_the_hometown_is_never_taken_for_the_residence():
    report = read(
        "STT,Họ tên,Quê quán,Nơi thường trú,Ngày tiếp nhận\n"
        '1,A,"Xã Diễn Lâm, Huyện Diễn Châu, Tỉnh Nghệ An","Xóm 3, Xã Kỳ Tân, Huyện Kỳ Anh, Tỉnh Hà Tĩnh",15/03/2021\n'
    )
    assert report.status == "checked", report.message
    assert set(collected(report)) == {(KY_TAN, date(2021, 3, 15))}
    # A list with only the hometown says nothing of where its citizens live: no table.
    only = read(
        'STT,Họ tên,Quê quán,Ngày tiếp nhận\n1,A,"Xã Diễn Lâm, Huyện Diễn Châu, Tỉnh Nghệ An",15/03/2021\n'
    )
    assert only.status == "refused"


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("15-Mar-2021", date(2021, 3, 15)),
        ("15 Mar 2021 08:30", date(2021, 3, 15)),
        ("1-Apr-23", date(2023, 4, 1)),
    ],
)
def test_a_date_with_its_month_named_in_english(typed, day):
    assert normalise.parse_date(typed).value == day


@pytest.mark.parametrize("name", ["Công Thành", "Cong Thanh"])
def test_a_commune_whose_name_starts_like_cong_is_no_total_row(name):
    report = read(
        "Ngày,Huyện,Xã,Lũy kế thu nhận\n"
        "10/06/2023,Huyện Yên Thành,Xã Hợp Thành,50\n"
        f"10/06/2023,Huyện Yên Thành,{name},100\n"
        "10/06/2023,Huyện Yên Thành,Xã Tây Thành,70\n",
        "yen_thanh.csv",
    )
    assert report.status == "checked", report.message
    cong = registry.resolve("Tỉnh Nghệ An", "Huyện Yên Thành", "Xã Công Thành").key
    assert collected(report)[(cong, date(2023, 6, 10))] == 100
    assert not [p for p in report.problems if p.code == "subtotal_mismatch"]


def test_a_unicode_cell_among_vni_cells_stays_as_written():
    # "Hoàn" is, read as VNI, "Hồn": a Unicode cell is left alone when its words are
    # Vietnamese already; the VNI cells around it are repaired.
    vni = [legacy_text._to_vni(n) for n in ("Xã Châu Bính", "Xã Châu Hạnh", "Xã Châu Phong", "Xã Châu Tiến")]
    repaired, detection = legacy_text.repair_texts(["Xã Châu Hoàn", *vni])
    assert detection.encoding == "vni"
    assert repaired == ["Xã Châu Hoàn", "Xã Châu Bính", "Xã Châu Hạnh", "Xã Châu Phong", "Xã Châu Tiến"]
