"""Round 20: per-record exports whose address names its district with a unit word, or a
commune the registry no longer has, beside a 2025 commune of the district's name; and
addresses written from the province down.  Fake personal data only."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cccd_analytics import ingest, registry
from cccd_analytics.ingest.address import split_address

HEADER = "STT,Số hồ sơ,Họ và tên,Ngày sinh,Số CMND/CCCD,Nơi thường trú,Ngày thu nhận,Trạng thái\n"


def _export(addresses, start):
    lines = [
        f'{i + 1},HS-2{i:06d},Qưerty Zzyzx {i},01/02/1961,0409{i:08d},"{a}",'
        f"{start + timedelta(days=i):%d/%m/%Y} 08:{i % 60:02d},Đã tiếp nhận\n"
        for i, a in enumerate(addresses)
    ]
    return (HEADER + "".join(lines)).encode()


def _counted(report, start):
    """Registry unit name counted for each row (by its day), or None when kept apart."""
    reg = registry.load_registry()
    obs = report.observations
    obs = obs[(obs["metric"] == "collected_day") & (obs["value"] > 0)]
    out = {}
    for key, day in zip(obs["unit_key"], obs["date"]):
        day = day.date() if hasattr(day, "date") else day
        out[(day - start).days] = reg.loc[key, "name"] if key in reg.index else None
    return out


@pytest.mark.parametrize(
    "address",
    [
        "Xóm 1, huyện Quỳnh Lưu, Nghệ An",
        "Xóm 4, H. Yên Thành, Nghệ An",
        "Khối 1, huyện Anh Sơn, tỉnh Nghệ An",
        "Xã Nghĩa Hoà, Nghĩa Đàn, Nghệ An",  # merged into Phường Long Sơn in 2019
    ],
)
def test_a_district_written_as_such_is_not_read_as_the_2025_commune_of_its_name(address):
    # Counted silently on "Xã Quỳnh Lưu", "Xã Yên Thành", "Xã Anh Sơn", "Xã Nghĩa Đàn".
    assert split_address(address)[2] not in {"Xã Quỳnh Lưu", "Xã Yên Thành", "Xã Anh Sơn", "Xã Nghĩa Đàn"}
    start = date(2025, 8, 4)
    report = ingest.import_bytes(
        None, _export([address, "Xã Diễn Châu, Nghệ An"], start), "xuat.csv", dry_run=True
    )
    counted = _counted(report, start)
    assert counted.get(0) is None  # apart or without a commune, never a registry commune
    assert counted[1] == "Xã Diễn Châu"  # a 2025 commune written as one still counts
    text = " ".join([report.message or ""] + [p.message for p in report.problems])
    assert "Qưerty" not in text and "0409" not in text and "01/02/1961" not in text


def test_a_2025_commune_written_without_a_district_still_counts():
    assert split_address("Xã Quỳnh Lưu, Nghệ An")[2] == "Xã Quỳnh Lưu"
    assert split_address("xa ky tan huyen ky anh ha tinh")[2] == "Xã Kỳ Tân"


@pytest.mark.parametrize(
    "address, commune",
    [
        ("Nghệ An, Diễn Châu, Diễn Kim, xóm 3", "Xã Diễn Kim"),
        ("Tỉnh Nghệ An - Huyện Nam Đàn - Xã Kim Liên - Xóm 2", "Xã Kim Liên"),
        ("Nghệ An, TP Vinh, P. Hưng Bình, số 12 Lê Lợi", "Phường Hưng Bình"),
    ],
)
def test_an_address_from_the_province_down_with_its_hamlet_last_is_counted(address, commune):
    # Before: no commune ("Nghệ An, Diễn Châu, Diễn Kim, xóm 3") or no province.
    start = date(2023, 3, 1)
    report = ingest.import_bytes(None, _export([address], start), "xuat.csv", dry_run=True)
    assert _counted(report, start) == {0: commune}
    assert split_address(address)[0].endswith("Nghệ An")


@pytest.mark.parametrize(
    "address",
    [
        "Xã Diễn Kim, Huyện Diễn Châu, Thanh Hóa",
        "Xom 3 xa dien kim huyen dien chau thanh hoa",
        "Thanh Hóa, Như Thanh, Hải Long",
        "Xã Hải Long, Huyện Như Thanh, Tỉnh Thanh Hóa",
    ],
)
def test_a_resident_of_a_province_the_registry_does_not_hold_is_not_its_namesake(address):
    # "Xã Diễn Kim, Huyện Diễn Châu, Thanh Hóa" counted on Nghệ An's Xã Diễn Kim, silently:
    # the province unwritten to the reading (only the registry's provinces were known), and
    # "Thanh Hóa" read as Thanh Chương's Xã Thanh Hòa.
    start = date(2023, 5, 2)
    rows = [
        address,
        "Xã Diễn Kim, Huyện Diễn Châu, Nghệ An",
        "Xóm 2, Xã Thanh Hòa, Huyện Thanh Chương, Nghệ An",
    ]
    report = ingest.import_bytes(None, _export(rows, start), "xuat.csv", dry_run=True)
    counted = _counted(report, start)
    assert counted.get(0) is None
    assert (counted[1], counted[2]) == ("Xã Diễn Kim", "Xã Thanh Hòa")


def test_a_province_held_or_a_commune_named_like_another_province_is_still_read():
    assert split_address("xom 2 xa thanh hoa huyen thanh chuong nghe an")[2] == "Xã Thanh Hòa"
    assert split_address("Kỳ Tân, Kỳ Anh, HT")[2] == "Xã Kỳ Tân"
    assert registry.province_outside("Thanh Hóa") and not registry.province_outside("Nghệ An")
