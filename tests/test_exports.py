"""Spreadsheet and CSV exports never hand a spreadsheet program a formula from the data."""

import csv
import io
from datetime import date

import openpyxl
import pandas as pd
import pytest

from cccd_analytics import exports

HOSTILE = [
    '=HYPERLINK("http://x")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "<script>alert(1)</script>",
    "'; DROP TABLE units; --",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
    "＋1",
    "－1",
    "＠SUM(A1)",
    "  =1+1",
]
FORMULA_LIKE = [h for h in HOSTILE if h not in ("<script>alert(1)</script>", "'; DROP TABLE units; --")]


@pytest.mark.parametrize("text", FORMULA_LIKE)
def test_formula_like_text_gets_a_leading_quote(text):
    assert exports.safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["<script>alert(1)</script>", "'; DROP TABLE units; --", "Xã Kỳ Đồng", ""])
def test_harmless_text_is_kept_verbatim(text):
    assert exports.safe_cell(text) == text


@pytest.mark.parametrize("value", [-5, -2.5, 0, 87000, 0.953])
def test_numbers_stay_numbers_negative_ones_included(value):
    assert exports.safe_cell(value) == value and not isinstance(exports.safe_cell(value), str)


@pytest.mark.parametrize("text", ["-12", "-1.234,5", "+84912345678", "-5%"])
def test_text_that_is_only_a_number_is_not_quoted(text):
    assert exports.safe_cell(text) == text


def test_missing_values_become_empty_cells():
    assert exports.safe_cell(float("nan")) is None
    assert exports.safe_cell(float("inf")) is None
    assert exports.safe_cell(pd.NA) is None and exports.safe_cell(pd.NaT) is None


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Đơn vị": HOSTILE,
            "Thay đổi": [-5] * len(HOSTILE),
            "Tỷ lệ": [-0.25] * len(HOSTILE),
            "Ngày": [pd.Timestamp("2023-06-15")] * len(HOSTILE),
        }
    )


def test_csv_neutralises_formulas_and_keeps_negative_numbers():
    data = exports.to_csv_bytes(frame())
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads Vietnamese right
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["Đơn vị", "Thay đổi", "Tỷ lệ", "Ngày"]
    names = [r[0] for r in rows[1:]]
    for original, written in zip(HOSTILE, names):
        assert written == exports.safe_cell(original)
        assert written.endswith(original)  # stored verbatim after the quote
    assert all(r[1] == "-5" and r[2] == "-0.25" and r[3] == "2023-06-15" for r in rows[1:])


def test_xlsx_cells_with_formulas_are_inert_text():
    book = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx_bytes({"Đơn vị": frame()})))
    sheet = book["Đơn vị"]
    cells = [sheet.cell(row=i, column=1) for i in range(2, len(HOSTILE) + 2)]
    for original, cell in zip(HOSTILE, cells):
        assert cell.data_type == "s"
        if original in FORMULA_LIKE:
            assert cell.value.startswith("'") and cell.value.endswith(original.strip("\t\r") or original)
        else:
            assert cell.value == original
    every = [c for row in sheet.iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in every)
    assert sheet.cell(row=2, column=2).value == -5 and sheet.cell(row=2, column=2).data_type == "n"
    assert sheet.cell(row=2, column=3).value == -0.25
    assert sheet.cell(row=2, column=4).value.date() == date(2023, 6, 15)
    assert sheet.cell(row=2, column=4).number_format == "d/m/yyyy"


def test_xlsx_sheet_names_are_valid_and_unique():
    book = openpyxl.load_workbook(
        io.BytesIO(
            exports.to_xlsx_bytes(
                {
                    "Cấp xã: [tháng 6/2023]?": pd.DataFrame({"a": [1]}),
                    "Cấp xã  [tháng 6/2023]*": pd.DataFrame({"a": [2]}),
                    "x" * 40: pd.DataFrame({"a": [3]}),
                }
            )
        )
    )
    assert len(set(book.sheetnames)) == 3
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in book.sheetnames)


def test_xlsx_drops_control_characters_that_excel_refuses():
    book = openpyxl.load_workbook(
        io.BytesIO(exports.to_xlsx_bytes({"t": pd.DataFrame({"Đơn vị": ["Xã\x00 Kỳ\x07 Đồng"]})}))
    )
    assert book["t"].cell(row=2, column=1).value == "Xã Kỳ Đồng"
