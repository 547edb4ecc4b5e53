"""Word and PDF reports shaped the way offices really make them: PDFs that LibreOffice
exported from a workbook or a Word file (with and without borders, landscape, a table
over several pages with and without its header repeated, a row broken across a page),
Word tables with the district merged down over its communes, a two-row header, an empty
column, line breaks in cells, "1 234", a summary table before and the signatures after,
a table split in two by a page break; a Word file in Liberation Serif (LibreOffice's
Times New Roman: the glyphs it lacks drawn in a fallback font after their line), and one
in narrow columns without borders (names over three lines, "HUYỆ" / "N", "184.36" / "9").  The files are committed under
tests/fixtures/real_documents/ (LibreOffice is not installed in CI) and were made by
tests/fixtures/build_real_documents.py; every unit-day value is checked against the
truth it wrote."""

from __future__ import annotations

import io
import json
import shutil
import sys
from datetime import date
from pathlib import Path

import pytest

from cccd_analytics import ingest
from cccd_analytics.ingest import normalise
from cccd_analytics.ingest.readers.document import Block, sheets
from cccd_analytics.ingest.readers.pdf import _real_spaces, join_lines

FIXTURES = Path(__file__).resolve().parent / "fixtures"
FOLDER = FIXTURES / "real_documents"
TRUTH = json.loads((FOLDER / "truth.json").read_text(encoding="utf-8"))
sys.path.insert(0, str(FIXTURES))
import build_real_documents  # noqa: E402


def values(report) -> dict:
    return {
        f"{k}|{d.isoformat()}|{m}": int(v)
        for k, d, m, v in report.observations[["unit_key", "date", "metric", "value"]].itertuples(index=False)
    }


@pytest.fixture(scope="module")
def reports() -> dict[str, ingest.ImportReport]:
    return {name: ingest.import_bytes(None, (FOLDER / name).read_bytes(), name) for name in TRUTH}


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_every_unit_day_value_of_a_real_shaped_report_reads_as_written(reports, name):
    report = reports[name]
    assert report.status == "checked", report.message
    assert not report.errors and not report.needs_mapping
    assert not report.unofficial_units, report.unofficial_units
    assert values(report) == TRUTH[name]


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_a_real_shaped_report_read_whole_warns_of_no_column_left_unread(reports, name):
    # "STT" broken over two lines in a narrow column ("ST T") is the rows' numbers, not a
    # column of figures whose header was cut (a warning on every such PDF in round 26).
    assert not [p.message for p in reports[name].problems if p.code == "cut_header"]


@pytest.mark.parametrize("name", sorted(n for n in TRUTH if n.endswith(".pdf") and "tung_huyen" not in n))
def test_a_pdf_table_over_pages_is_read_as_one_table(reports, name):
    tables = [t for t in reports[name].tables if t.get("read")]
    assert len(tables) == 1, reports[name].tables
    assert len(tables[0]["pages"]) >= 2


def test_the_data_date_wins_over_the_day_the_report_was_signed(reports):
    # Title "… NGÀY 15/5/2023" under "Nghệ An, ngày 16 tháng 5 năm 2023".
    report = reports["xlsx_ke_doc_lap_lai_tieu_de.pdf"]
    assert set(report.observations["date"]) == {date(2023, 5, 15)}
    # "tính đến 17h ngày 15/5" without its year, under the same signing line.
    report = reports["go_tay_gop_huyen.docx"]
    assert set(report.observations["date"]) == {date(2023, 5, 15)}


def test_a_date_line_without_its_year_takes_the_year_of_the_signing_line():
    assert normalise.find_day_month("Số liệu tính đến 17h ngày 15/5") == (15, 5)
    assert normalise.find_day_month("Kỳ Anh, ngày 16 tháng 5 năm 2023") is None
    assert normalise.find_day_month("Số liệu tính đến 17h ngày 15/5/2023") is None  # has its year
    assert normalise.with_year((15, 5), date(2023, 5, 16)) == date(2023, 5, 15)
    # Signed on 2/1/2024 about 31/12: the year before.
    assert normalise.with_year((31, 12), date(2024, 1, 2)) == date(2023, 12, 31)
    assert normalise.is_place_date_line("Nghệ An, ngày 16 tháng 5 năm 2023")
    assert not normalise.is_place_date_line("BÁO CÁO KẾT QUẢ NGÀY 15/5/2023")


def test_the_word_files_are_made_again_the_same_by_the_generator():
    # The Word shapes need no LibreOffice: made afresh they read as the committed truth.
    for name, (data, truth) in build_real_documents.build_all(pdf=False).items():
        report = ingest.import_bytes(None, data, name)
        assert report.status == "checked", report.message
        assert values(report) == {"|".join(map(str, k)): v for k, v in truth.items()}


def _libreoffice_with(*components: str) -> bool:
    """Whether LibreOffice is installed with these components ("sw" Writer, "sc" Calc): a
    machine may have soffice with Impress alone (Debian's libreoffice-impress), which makes
    no PDF of a Word file or a workbook.  Each component is a library beside soffice."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        return False
    program = Path(soffice).resolve().parent
    return all(any(program.glob(f"lib{c}lo.*")) for c in components)


@pytest.mark.skipif(not _libreoffice_with("sw", "sc"), reason="LibreOffice Writer and Calc make the PDFs")
def test_the_pdfs_made_again_by_libreoffice_read_the_same():
    for name, (data, truth) in build_real_documents.build_all(pdf=True).items():
        report = ingest.import_bytes(None, data, name)
        assert values(report) == {"|".join(map(str, k)): v for k, v in truth.items()}, name


def test_a_bad_figure_in_a_merged_word_table_is_refused_naming_table_row_and_column():
    import docx

    document = docx.Document(io.BytesIO((FOLDER / "go_tay_gop_huyen.docx").read_bytes()))
    table = max(document.tables, key=lambda t: len(t.rows))
    cell = table.rows[4]._tr.tc_lst[4]  # the third commune's eligible count
    cell.xpath(".//w:t")[0].text = "5.12a"
    raw = io.BytesIO()
    document.save(raw)
    report = ingest.import_bytes(None, raw.getvalue(), "go_tay_sai.docx")
    assert report.status == "refused"
    message = report.message
    assert "go_tay_sai.docx" in message and "bảng" in message and "dòng" in message
    assert "cột E" in message and "5.12a" in message


def test_a_word_wrapped_in_a_narrow_cell_is_joined_and_words_are_not():
    assert join_lines(["Thị trấn Hưng Nguyê", "n"]) == "Thị trấn Hưng Nguyên"
    assert join_lines(["Xã Quỳ", "nh Lưu"]) == "Xã Quỳnh Lưu"
    assert join_lines(["Xã Thượng", "Tân Lộc"]) == "Xã Thượng Tân Lộc"
    assert join_lines(["Số công dân", "đủ điều kiện"]) == "Số công dân đủ điều kiện"
    assert join_lines(["1.234", "5"]) == "1.234 5"  # a whole figure is never extended
    assert join_lines(["NGHĨ", "A ĐÀN"]) == "NGHĨ A ĐÀN"  # two syllables: a space ...
    assert join_lines(["NGHĨ", "A ĐÀN"], {0}) == "NGHĨA ĐÀN"  # ... unless the line filled the cell
    assert join_lines(["Nghĩa", "Hành"], {0}) == "Nghĩa Hành"  # "NghĩaHành" is no syllable


def test_a_word_cut_in_a_vni_pdf_is_weighed_in_its_unicode_reading():
    # The text layer of a PDF typed in a VNI font holds the font's code points: as drawn,
    # "Phöôøn" and "Phöôøng" are no syllables, so the cut was never mended.
    assert join_lines(["Phöôøn", "g Kyø Trinh"], encoding="vni") == "Phöôøng Kyø Trinh"
    assert join_lines(["HUYEÄ", "N KYØ ANH"], encoding="vni") == "HUYEÄN KYØ ANH"
    assert join_lines(["Xaõ Kyø", "Trinh"], encoding="vni") == "Xaõ Kyø Trinh"  # two words stay two
    assert join_lines(["Phöôøn", "g"]) == "Phöôøn g"  # without the encoding, as before


@pytest.mark.parametrize("name", ["docx_vni_hep_ke.pdf", "docx_vni_hep_khong_ke.pdf"])
def test_a_vni_pdf_in_narrow_columns_reads_its_cut_names_as_written(reports, name):
    report = reports[name]
    assert any("VNI" in line for line in report.encoding_repairs), report.encoding_repairs
    assert not report.corrections and not report.unofficial_units  # no name guessed


def test_a_figure_cut_by_a_narrow_column_is_whole_again():
    assert join_lines(["184.36", "9"]) == "184.369"
    assert join_lines(["1.", "234"]) == "1.234"
    assert join_lines(["31,4", "%"]) == "31,4%"
    assert join_lines(["12", "34"]) == "12 34"  # no thousands group cut short: two figures


def _glyph(text, x0, x1, top=100.0):
    return dict(text=text, x0=x0, x1=x1, top=top, bottom=top + 12, width=x1 - x0, doctop=top, size=12)


def test_a_space_pdfium_makes_up_where_a_fallback_glyph_fills_the_gap_is_dropped():
    # "TỈNH" drawn as "T", "NH", then "Ỉ" in the fallback font after the rest of its line;
    # pdfium puts a space between "T" and "N".
    chars = [
        _glyph("T", 147.4, 154.7),
        _glyph(" ", 159.5, 159.5),
        _glyph("N", 159.5, 168.1),
        _glyph("H", 168.1, 176.8),
        _glyph("Ỉ", 154.7, 159.5),
    ]
    kept = _real_spaces(chars, [1])
    assert "".join(c["text"] for c in sorted(kept, key=lambda c: c["x0"])) == "TỈNH"
    # "Thị trấn": the gap after "Th" holds the fallback "ị" and a real space, which stays
    # and moves to the uncovered part of the gap.
    chars = [
        _glyph("T", 144.1, 151.4),
        _glyph("h", 151.4, 157.4),
        _glyph(" ", 161.3, 161.3),
        _glyph("t", 164.3, 167.6),
        _glyph("ị", 157.4, 161.2),
    ]
    kept = _real_spaces(chars, [2])
    assert "".join(c["text"] for c in sorted(kept, key=lambda c: c["x0"])) == "Thị t"
    # A producer that writes no spaces: the made-up space between two words stays.
    chars = [_glyph("A", 10, 18), _glyph(" ", 21, 21), _glyph("B", 21, 29)]
    assert [c["text"] for c in _real_spaces(chars, [1])] == ["A", " ", "B"]


def _table(rows, page, number, joined=False):
    return Block([list(r) for r in rows], is_table=True, page=page, number=number, joined_to_previous=joined)


def test_a_row_broken_across_pages_and_a_header_cut_short_are_mended():
    header = ["STT", "Xã, phường", "Số công dân đủ điều kiện", "Lũy kế"]
    first = _table([header, ["1", "Xã Kỳ Đồng", "4.489", "120"], ["2", "Xã Kỳ", "3.100", "95"]], 1, 1)
    # Page 2: the header drawn again, its merged cell cut short; then the end of row 2.
    cut = ["STT", "Xã, phường", "Số công dân đủ điều", "Lũy kế"]
    second = _table([cut, ["", "Khang", "", ""], ["3", "Xã Kỳ Văn", "5.263", "77"]], 2, 2, joined=True)
    [sheet] = sheets([first, second])
    assert sheet.rows == [
        header,
        ["1", "Xã Kỳ Đồng", "4.489", "120"],
        ["2", "Xã Kỳ Khang", "3.100", "95"],
        ["3", "Xã Kỳ Văn", "5.263", "77"],
    ]
    assert sheet.pages == [1, 2]


@pytest.mark.parametrize("name", ["go_tay_gop_huyen.docx", "go_tay_tach_bang.docx"])
def test_a_summary_table_between_the_date_line_and_the_main_table_is_not_read_and_hides_no_date(
    reports, name
):
    tables = reports[name].tables
    read = [t for t in tables if t["read"]]
    assert len(read) == 1 and read[0]["rows"] >= 20
    assert any(t["columns"] == 3 and not t["read"] for t in tables)  # "Chỉ tiêu | Trong ngày | Lũy kế"
    assert reports[name].date_origin == "date_line"


@pytest.mark.parametrize("between", ["(Tiếp theo)", "Tiếp theo bảng 1", "Trang 2", "- 2 -", "2/3", ""])
def test_the_parts_of_a_split_table_join_across_a_continuation_mark(between):
    header = ["STT", "Xã, phường", "Số công dân đủ điều kiện", "Lũy kế"]
    first = _table(
        [header, ["1", "Xã Kỳ Đồng", "4.489", "120"], ["2", "Xã Kỳ Khang", "3.100", "95"]], None, 1
    )
    text = Block([[between]], is_table=False)
    second = _table(
        [
            ["3", "Xã Kỳ Văn", "5.263", "77"],
            ["4", "Xã Kỳ Lạc", "3.043", "60"],
            ["5", "Xã Kỳ Tây", "4.706", "81"],
        ],
        None,
        2,
    )
    assert len(sheets([first, text, second])) == 1


def test_a_sentence_between_two_tables_keeps_them_apart():
    header = ["STT", "Xã, phường", "Số công dân đủ điều kiện", "Lũy kế"]
    first = _table(
        [header, ["1", "Xã Kỳ Đồng", "4.489", "120"], ["2", "Xã Kỳ Khang", "3.100", "95"]], None, 1
    )
    text = Block([["Bảng 2: kết quả trả thẻ theo xã"]], is_table=False)
    second = _table(
        [
            ["3", "Xã Kỳ Văn", "5.263", "77"],
            ["4", "Xã Kỳ Lạc", "3.043", "60"],
            ["5", "Xã Kỳ Tây", "4.706", "81"],
        ],
        None,
        2,
    )
    assert len(sheets([first, text, second])) == 2


def test_a_second_table_of_figures_the_readers_cannot_place_is_named_not_dropped_in_silence():
    import docx

    document = docx.Document(io.BytesIO((FOLDER / "go_tay_gop_huyen.docx").read_bytes()))
    document.add_paragraph("Số liệu các xã còn lại (đơn vị báo muộn):")
    extra = document.add_table(rows=0, cols=3)
    for i in range(12):
        cells = extra.add_row().cells
        cells[0].text, cells[1].text, cells[2].text = (
            f"Xã Thử {i + 1}",
            f"{1_200 + i}",
            f"{3.4 + i}".replace(".", ","),
        )
    raw = io.BytesIO()
    document.save(raw)
    report = ingest.import_bytes(None, raw.getvalue(), "go_tay_them_bang.docx")
    before = ingest.import_bytes(
        None, (FOLDER / "go_tay_gop_huyen.docx").read_bytes(), "go_tay_gop_huyen.docx"
    )
    assert report.status == before.status == "checked" and not report.errors
    skipped = [p for p in report.problems if p.code == "table_skipped"]
    assert len(skipped) == 1 and skipped[0].severity == "warning"
    assert "12 dòng có tên và số liệu" in skipped[0].message
    assert skipped[0].describe("go_tay_them_bang.docx").startswith("Tệp «go_tay_them_bang.docx», bảng")
    assert not [p for p in before.problems if p.code == "table_skipped"]


def test_a_word_cut_at_the_end_of_a_page_is_one_word_again():
    header = ["STT", "Xã, phường", "Số công dân đủ điều kiện", "Lũy kế"]
    first = _table([header, ["1", "Xã Kỳ Đồng", "4.489", "120"], ["2", "Xã Kỳ Gian", "3.100", "95"]], 1, 1)
    second = _table([header, ["", "g", "", ""], ["3", "Xã Kỳ Văn", "5.263", "77"]], 2, 2, joined=True)
    [sheet] = sheets([first, second])
    assert sheet.rows[2] == ["2", "Xã Kỳ Giang", "3.100", "95"]


@pytest.mark.parametrize("name", ["bang_tung_huyen.docx", "docx_bang_tung_huyen.pdf"])
def test_a_report_of_a_table_per_district_reads_every_table_dated_by_the_top_of_the_document(reports, name):
    report = reports[name]
    read = [t for t in report.tables if t["read"]]
    assert len(read) == 3, report.tables  # one per district, each under its heading
    assert set(report.observations["date"]) == {date(2023, 5, 15)}
    if name.endswith(".pdf"):
        # The second table's header row starts at the foot of page 1: it opens page 2's table.
        assert read[1]["pages"] == [2] and read[1]["rows"] >= 24
