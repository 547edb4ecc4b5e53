"""A count with its share of the eligible beside it in one cell ("2.384 (26,1%)"), as some
reports give every figure: the count is read, the share left.  Such files were refused
cell by cell, and a header that said so ("Lũy kế thu nhận (tỷ lệ)") found no table at all."""

from __future__ import annotations

import pytest

from cccd_analytics.ingest import headers, normalise
from tests.test_report_shapes_round7 import KY_TAN, KY_THO, TOP, imported, values


@pytest.mark.parametrize(
    ("cell", "count"),
    [
        ("2.384 (26,1%)", 2384),
        ("2.384 (đạt 26,1%)", 2384),
        ("2384(26%)", 2384),
        ("1.234.567 (99,9 %)", 1234567),
    ],
)
def test_a_count_with_its_share_beside_it_is_the_count(cell, count):
    assert normalise.parse_count(cell).value == count and normalise.count_with_share(cell)


@pytest.mark.parametrize("cell", ["26,1%", "(26,1%)", "2.384 (26,1)", "2,5 (26%)"])
def test_a_share_alone_or_a_bracket_without_a_share_is_no_count(cell):
    assert normalise.parse_count(cell).value is None


@pytest.mark.parametrize(
    "header", ["Lũy kế thu nhận (tỷ lệ)", "Lũy kế thu nhận (SL, TL %)", "Lũy kế (số lượng, tỉ lệ)"]
)
def test_a_header_saying_the_share_is_beside_the_count(header):
    got = values(
        imported(
            {
                "BC": [
                    *TOP,
                    ["STT", "Đơn vị", "Số CD đủ ĐK", header, "Đã trả thẻ (tỷ lệ)"],
                    [1, "Xã Kỳ Tân", 9000, "2.384 (26,5%)", "953 (40,0%)"],
                    [2, "Xã Kỳ Thọ", 8000, "2.479 (31,0%)", "991 (40,0%)"],
                ]
            }
        )
    )
    assert got[(KY_TAN, "collected")] == 2384 and got[(KY_THO, "returned")] == 991


def test_a_column_of_shares_alone_is_not_the_count_its_header_names():
    """ "Đã thu nhận (tỷ lệ)" holding 26,5% … beside the count's own column: the count is the
    plain column's, and the shares are no figure."""
    got = values(
        imported(
            {
                "BC": [
                    *TOP,
                    ["STT", "Đơn vị", "Số CD đủ ĐK", "Đã thu nhận (tỷ lệ)", "Lũy kế thu nhận"],
                    [1, "Xã Kỳ Tân", 9000, "26,5%", 2384],
                    [2, "Xã Kỳ Thọ", 8000, "31,0%", 2479],
                ]
            }
        )
    )
    assert got[(KY_TAN, "collected")] == 2384 and got[(KY_THO, "collected")] == 2479
    assert headers.share_beside("Đã thu nhận (tỷ lệ)") and not headers.share_beside("Lũy kế thu nhận (hồ sơ)")
    assert not headers.share_beside("Đã thu nhận (%)") and headers.match("Đã thu nhận (%)") is None


def test_only_shares_under_a_count_header_with_a_share_bracket_is_still_refused_clearly():
    from cccd_analytics import ingest
    from tests.test_report_shapes_round7 import workbook_bytes

    report = ingest.import_bytes(
        None,
        workbook_bytes(
            {
                "BC": [
                    *TOP,
                    ["STT", "Đơn vị", "Lũy kế thu nhận (tỷ lệ)"],
                    [1, "Xã Kỳ Tân", "26,5%"],
                    [2, "Xã Kỳ Thọ", "31,0%"],
                ]
            }
        ),
        "bao_cao.xlsx",
    )
    assert report.status == "refused" and report.errors[0].code == "no_table"
