"""Round 18: unit types typed in English ("Dien Hoang Commune", "Vinh City"), collection points
with their number and the commune they serve ("Điểm thu nhận số 2 (xã Diễn Hoàng)"), and names
of the round-18 probe of hand-typed names."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest

from cccd_analytics import ingest, registry
from cccd_analytics.ingest import names

DAY = date(2023, 5, 15)
REG = registry.load_registry()


def _key(district: str, commune: str) -> str:
    hits = REG[
        (REG.level == "commune")
        & (REG.hierarchy == "3")
        & (REG.name == commune)
        & (REG.district_key.map(lambda k: REG.at[k, "name"] if k in REG.index else "") == district)
    ]
    assert len(hits) == 1, (district, commune)
    return hits.index[0]


def _resolve(province: str, district: str, commune: str, on: date = DAY) -> registry.Match:
    return names.resolve(names.FirstRow(1, "BC", province, district, commune, None, on), REG)


def _report(district: str, typed: list[str], province: str = "Tỉnh Nghệ An") -> bytes:
    """A district's report typed by hand: one row per name, collected 100, 101, …"""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["BÁO CÁO TIẾN ĐỘ THU NHẬN HỒ SƠ CCCD"])
    sheet.append(["Ngày 15/5/2023"])
    sheet.append(["STT", "Tỉnh", "Huyện", "Xã", "Số CD đủ ĐK", "Lũy kế thu nhận"])
    for i, name in enumerate(typed):
        sheet.append([i + 1, province, district, name, 5000 + i, 100 + i])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _read(district: str, typed: list[str], province: str = "Tỉnh Nghệ An"):
    """(report, {typed name: unit key its figure was stored under, None when not stored})."""
    report, obs = ingest.read_observations(_report(district, typed, province), "bao_cao.xlsx")
    assert obs is not None, report.message
    collected = obs[obs.metric == "collected"]
    by_value = dict(zip(collected.value.astype(int), collected.unit_key))
    return report, {name: by_value.get(100 + i) for i, name in enumerate(typed)}


DIEN_HOANG = _key("Huyện Diễn Châu", "Xã Diễn Hoàng")
DIEN_HUNG = _key("Huyện Diễn Châu", "Xã Diễn Hùng")
HUNG_BINH = _key("Thành phố Vinh", "Phường Hưng Bình")
NGHI_THUY = _key("Thị xã Cửa Lò", "Phường Nghi Thuỷ")
QUYNH_DOI = _key("Huyện Quỳnh Lưu", "Xã Quỳnh Đôi")
TT_DIEN_CHAU = _key("Huyện Diễn Châu", "Thị trấn Diễn Châu")


@pytest.mark.parametrize("typed", ["Trường THPT - Diễn Châu", "Đội 1, Diễn Châu", "Tổ lưu động (Diễn Châu)"])
def test_a_cell_whose_only_name_is_its_district_is_not_the_districts_town(typed):
    # Read as an address, the district's name was taken for the commune's: the figures of a
    # school or a team of Diễn Châu landed on Thị trấn Diễn Châu ("tên kèm huyện/tỉnh").
    assert _resolve("Tỉnh Nghệ An", "Huyện Diễn Châu", typed).key != TT_DIEN_CHAU
    assert _resolve("Tỉnh Nghệ An", "", typed).key != TT_DIEN_CHAU


@pytest.mark.parametrize("typed", ["Huyện Kỳ Anh, Xã Kỳ Tân", "Xã Kỳ Tân, huyện Kỳ Anh", "Kỳ Tân - Kỳ Anh"])
def test_a_commune_cell_with_its_district_before_or_after_it_is_still_read(typed):
    assert _resolve("Tỉnh Hà Tĩnh", "", typed).key == _key("Huyện Kỳ Anh", "Xã Kỳ Tân")
