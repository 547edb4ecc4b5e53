"""Reports as offices send them, round 2: Word and PDF tables, wide and sheet-per-day
workbooks, a district written once, an export with only the address, names typed by hand.
Each file is made by tests/fixtures/build_reports.py, and every unit-day value is checked
against the truth the generator wrote."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import openpyxl
import pytest

from cccd_analytics import ingest
from cccd_analytics.ingest import headers

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures"))
import build_reports  # noqa: E402

READABLE = [k for k in build_reports.KINDS if k != "pdf_scanned"]


@pytest.fixture(scope="module")
def made() -> dict[str, build_reports.Generated]:
    return {kind: build_reports.build(kind) for kind in build_reports.KINDS}


@pytest.fixture(scope="module")
def reports(made) -> dict[str, ingest.ImportReport]:
    return {kind: ingest.import_bytes(None, m.data, m.name) for kind, m in made.items()}


def values(report) -> dict:
    return {
        (k, d.isoformat(), m): int(v)
        for k, d, m, v in report.observations[["unit_key", "date", "metric", "value"]].itertuples(index=False)
    }


@pytest.mark.parametrize("kind", READABLE)
def test_every_unit_day_value_reads_as_the_generator_wrote_it(made, reports, kind):
    report = reports[kind]
    assert report.status == "checked", report.message
    assert not report.needs_mapping and not report.errors
    assert values(report) == made[kind].truth
    assert not report.unofficial_units, report.unofficial_units


@pytest.mark.parametrize("kind", [k for k in READABLE if k != "address_export"])
def test_every_hand_typed_name_is_shown_as_a_correction(made, reports, kind):
    shown = {c["typed"]: c["official"] for c in reports[kind].corrections}
    assert shown == made[kind].corrections
    for item in reports[kind].corrections:
        assert item["how"] and item["row"]


@pytest.mark.parametrize("kind", ["docx", "docx_split", "pdf", "pdf_plain"])
def test_a_document_report_says_which_table_was_read_and_where_its_date_came_from(reports, kind):
    report = reports[kind]
    assert report.format == ("docx" if kind.startswith("docx") else "pdf")
    (table,) = [t for t in report.tables if t["read"]]
    assert report.sheet == table["name"] and table["rows"] > 80
    # Word counts the letterhead as table 1; the PDF's letterhead is text.
    assert table["name"] == ("Bảng 2" if kind.startswith("docx") else "Bảng 1")
    assert report.date_origin == "date_line" and "tính đến 17 giờ 00 ngày 15/05/2023" in report.date_source
    assert "Phòng Cảnh sát QLHC".lower() in " ".join(report.authorities) or report.authorities
    kinds = [t["kind"] for t in report.totals]
    assert kinds.count("subtotal") == 4 and kinds.count("total") == 1
    assert all(t["matches"] for t in report.totals)


def test_a_pdf_table_over_three_pages_is_one_table_with_its_pages(reports):
    (table,) = reports["pdf"].tables
    assert table["pages"] == [1, 2, 3]


def test_a_word_table_split_by_a_page_break_with_its_header_typed_again_is_one_table(made, reports):
    assert len(reports["docx_split"].tables) == 1
    assert values(reports["docx_split"]) == values(reports["docx"])


def test_a_scanned_pdf_is_refused_saying_it_has_no_text(reports):
    report = reports["pdf_scanned"]
    assert report.status == "refused"
    assert "PDF quét" in report.message and "không có lớp chữ" in report.message


@pytest.mark.parametrize("name", ["bao_cao.doc", "bao_cao.xls"])
def test_a_damaged_word_97_file_is_refused_with_what_to_do(name):
    # An OLE compound file whose directory names the Word stream, as a .doc has, but
    # nothing readable behind it: named .doc or .xls, it is read as a .doc by its bytes.
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500) + "WordDocument".encode("utf-16-le") + bytes(500)
    report = ingest.import_bytes(None, data, name)
    assert report.status == "refused"
    assert ".doc" in report.message and ".docx" in report.message and "lưu lại" in report.message


def test_a_problem_in_a_pdf_names_the_table_the_page_and_the_row(made):
    data = made["pdf"].data
    # The same report with one commune's running total below its day's figure: rebuild it
    # with a negative figure on page 2.
    groups = build_reports.units(build_reports.TEST_DISTRICTS)
    communes = [u for _, cs in groups for u in cs]
    figures = build_reports.series(communes, build_reports.DAYS[0], build_reports.DAYS[-1], seed=16)
    names = build_reports.hand_typed(groups, seed=2023)
    victim = communes[50]
    figures[(victim.key, build_reports.DAY)]["collected"] = -5
    data = build_reports.build_pdf(groups, build_reports.DAY, figures, names)
    report = ingest.import_bytes(None, data, "am.pdf")
    assert report.status == "refused"
    (problem,) = [p for p in report.errors if p.code == "bad_number" or p.code == "negative"]
    where = problem.describe("am.pdf")
    assert "bảng 1" in where and "trang 2" in where and "dòng" in where and "cột E" in where, where


def test_wide_daily_figures_become_running_totals_from_the_lũy_kế_column(reports):
    report = reports["wide_daily"]
    assert report.date_origin == "header" and len(report.dates) == 5
    assert "thu nhận trong ngày" in report.layout
    assert report.filled_down > 0  # the district merged down over its communes


def test_sheet_per_day_dates_come_from_the_sheet_names_and_a_stale_date_line_is_warned(reports):
    report = reports["sheet_per_day"]
    assert report.date_origin == "sheet_name" and len(report.dates) == 5
    assert len(report.sheets_read) == 5
    stale = [p for p in report.warnings if p.code == "date_mismatch"]
    assert len(stale) == 4 and all("tên trang" in p.message for p in stale)


def test_a_district_written_once_is_filled_down_only_where_the_registry_agrees():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Số liệu tính đến ngày 01/05/2023"])
    sheet.append(["STT", "Huyện", "Xã", "Lũy kế thu nhận"])
    sheet.append([1, "Huyện Nghĩa Đàn", "Xã Nghĩa Bình", 100])
    sheet.append([2, None, "Xã Nghĩa Lộc", 120])
    sheet.append([3, "Huyện Tân Kỳ", "Xã Nghĩa Bình", 200])
    sheet.append([4, None, "Xã Tân Phú", 210])
    raw = io.BytesIO()
    book.save(raw)
    report = ingest.import_bytes(None, raw.getvalue(), "a.xlsx")
    assert report.status == "checked", report.message
    assert set(report.observations["unit_key"]) == {"16960", "17029", "17281", "17272"}
    assert report.filled_down == 2
    # Xã Nghĩa Lộc is in Nghĩa Đàn, not Tân Kỳ: below Tân Kỳ it is not given that district,
    # it is matched across the province as before (and falls against row 4 here).
    sheet.append([5, None, "Xã Nghĩa Lộc", 99])
    raw = io.BytesIO()
    book.save(raw)
    report = ingest.import_bytes(None, raw.getvalue(), "b.xlsx")
    assert report.status == "refused"
    assert [p.code for p in report.errors] == ["conflicting_values"]


def test_an_export_with_only_the_address_never_shows_the_address(made, reports):
    report = reports["address_export"]
    text = repr(report.to_dict())
    assert "Xóm" not in text and "Nguyễn Văn Thử" not in text and "1870" not in text


@pytest.mark.parametrize(
    "text,field",
    [
        ("Tổng số hồ sơ đã thu nhận", "collected"),
        ("Số công dân trong độ tuổi cấp CCCD", "eligible"),
        ("Đã tiếp nhận", "collected"),
        ("Số thẻ đã trả", "returned"),
        ("Đơn vị hành chính", "commune"),
        ("Tên xã/phường/thị trấn", "commune"),
        ("Công an xã, phường", "commune"),
        ("Huyện, thị xã", "district"),
        ("Số hồ sơ đã tiếp nhận trong ngày", "collected_day"),
        ("Số nhân khẩu từ đủ 14 tuổi trở lên", "eligible"),
        ("Tổng số công dân phải thu nhận", "eligible"),
        ("Lũy kế số thẻ đã trả cho công dân", "returned"),
        ("Đã thu nhận (%)", None),
        ("Thu nhận (trong ngày)", "collected_day"),
        ("Xã Kỳ Đồng", None),
        ("Đơn vị tính", None),
    ],
)
def test_header_wordings_of_real_forms_are_read_by_their_words(text, field):
    assert headers.match(text) == field


@pytest.mark.parametrize(
    "text,field",
    [
        ("Nơi thường trú", "address"),
        ("Địa chỉ", "address"),
        ("Ngày tiếp nhận", "received_date"),
        ("Thời gian tiếp nhận hồ sơ", "received_date"),
        ("Ngày hẹn trả", None),
        ("Xã/phường nơi cư trú", "commune"),
    ],
)
def test_record_export_wordings(text, field):
    assert headers.match_record(text) == field


def test_a_header_nobody_can_read_is_refused_listing_what_was_found_and_what_is_needed():
    data = "Địa phương,Số người,Đã xong\nXã Kỳ Đồng,4489,321\n".encode()
    report = ingest.import_bytes(None, data, "la.csv")
    assert report.status == "refused"
    message = report.errors[0].message
    assert "«Địa phương», «Số người», «Đã xong»" in message
    assert "Tên xã/phường/thị trấn" in message and "Tổng số hồ sơ đã thu nhận" in message


@pytest.mark.parametrize("kind", ["sheet_per_day", "wide_daily", "docx", "pdf"])
def test_a_whole_file_is_one_upload_and_one_undo(made, store, kind):
    report = ingest.import_bytes(store, made[kind].data, made[kind].name)
    assert report.status == "imported", report.message
    uploads = store.list_uploads()
    assert len(uploads) == 1
    stored = store.current_observations()
    assert len(stored) == len(made[kind].truth)
    assert store.undo_upload(report.upload_id)
    assert store.current_observations().empty


def test_cccd_ingest_json_reads_word_and_pdf(made, tmp_path, capsys):
    import json

    from cccd_analytics import cli

    paths = []
    for kind in ("docx", "pdf_plain"):
        path = tmp_path / made[kind].name
        path.write_bytes(made[kind].data)
        paths.append(str(path))
    code = cli.main(["ingest", "--dry-run", "--json", "--db", f"sqlite:///{tmp_path / 'x.sqlite'}", *paths])
    payload = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [f["format"] for f in payload["files"]] == ["docx", "pdf"]
    assert all(f["tables"] and f["corrections"] for f in payload["files"])


def test_a_long_table_whose_figure_reads_as_an_excel_date_stays_long(tmp_path):
    # 40000 is an Excel serial (6/7/2009): beside the row's own date it must not turn a
    # long table with a date column into a wide one.
    path = tmp_path / "dai.csv"
    lines = ["date,province,commune,eligible,collected"]
    lines += [f"{d:02d}/03/2024,Tỉnh Thử,Xã Dồn,40000,{1000 + 50 * d}" for d in range(1, 21)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    from cccd_analytics.store import Store

    report = ingest.import_file(Store.open(f"sqlite:///{tmp_path / 'x.sqlite'}"), path, dry_run=True)
    assert report.ok, report.summary()
    assert report.kind == "canonical" and report.rows_read == 20 and report.units_read == 1


@pytest.mark.parametrize("turn", [90, 270])
def test_a_pdf_whose_pages_are_turned_by_rotate_reads_as_shown(made, turn):
    # A landscape table drawn on portrait pages turned by /Rotate (as some printers' drivers
    # save it): its characters were read down the unturned page, the columns listed as
    # «) % ( ệ lỷ T», and the file refused.
    from pypdf import PdfReader, PdfWriter, Transformation

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(made["pdf"].data)))
    for page in writer.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        # Shown after a turn of `turn` degrees clockwise, the content must be drawn turned back.
        matrix = (0, 1, -1, 0, height, 0) if turn == 90 else (0, -1, 1, 0, 0, width)
        page.add_transformation(Transformation(matrix))
        page.mediabox.lower_left, page.mediabox.upper_right = (0, 0), (height, width)
        page.rotation = turn
    out = io.BytesIO()
    writer.write(out)
    report = ingest.import_bytes(None, out.getvalue(), made["pdf"].name)
    assert report.status == "checked", report.message
    assert values(report) == made["pdf"].truth


@pytest.mark.parametrize("angle", [40, 0])
def test_a_draft_watermark_over_a_pdf_table_is_no_part_of_its_cells(made, angle):
    # "DỰ THẢO" in big pale letters across each page, as Word prints a draft: its letters fell
    # into the cells under them («O 1.141», «Ả 4.726») and every such figure was refused.
    from pypdf import PdfReader, PdfWriter
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    from cccd_analytics.briefing.pdf import FONT_DIR

    pdfmetrics.registerFont(TTFont("WatermarkSans", str(FONT_DIR / "LiberationSans-Bold.ttf")))
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(made["pdf"].data)))
    for page in writer.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        mark = io.BytesIO()
        drawn = canvas.Canvas(mark, pagesize=(width, height))
        drawn.setFillColorRGB(0.82, 0.82, 0.82)
        drawn.setFont("WatermarkSans", 110)
        drawn.translate(width / 2, height / 2)
        drawn.rotate(angle)
        drawn.drawCentredString(0, -40, "DỰ THẢO")
        drawn.save()
        page.merge_page(PdfReader(mark).pages[0])  # over the table, as a printed stamp is
    out = io.BytesIO()
    writer.write(out)
    report = ingest.import_bytes(None, out.getvalue(), made["pdf"].name)
    assert report.status == "checked", report.message
    assert values(report) == made["pdf"].truth


def test_a_typed_cover_letter_with_the_table_scanned_behind_it_is_refused_naming_the_scanned_page():
    # Page 1 typed (the letter: "… số liệu có biểu kèm theo"), page 2 a scan of the table: the
    # refusal said only that the document had no table.
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    from cccd_analytics.briefing.pdf import FONT_DIR

    pdfmetrics.registerFont(TTFont("LetterSans", str(FONT_DIR / "LiberationSans-Regular.ttf")))
    out = io.BytesIO()
    drawn = canvas.Canvas(out, pagesize=(595, 842))
    drawn.setFont("LetterSans", 12)
    for i, line in enumerate(
        [
            "CÔNG AN HUYỆN KỲ ANH",
            "V/v gửi số liệu thu nhận hồ sơ CCCD",
            "Số liệu tính đến 17h00 ngày 12/4/2021 có biểu kèm theo.",
        ]
    ):
        drawn.drawString(72, 770 - 20 * i, line)
    drawn.showPage()
    scan = Image.new("L", (400, 500), 255)
    for y in range(40, 480, 24):
        scan.paste(0, (20, y, 380, y + 2))  # the table's ruled lines, as pixels
    drawn.drawImage(ImageReader(scan), 50, 100, width=495, height=620)
    drawn.showPage()
    drawn.save()
    report = ingest.import_bytes(None, out.getvalue(), "cong_van.pdf")
    assert report.status == "refused"
    (problem,) = report.errors
    assert "trang 2 là ảnh quét" in problem.message and problem.page == 2
    assert "«cong_van.pdf»" in report.message


def test_a_word_report_typed_with_tab_stops_instead_of_a_table_is_read_as_a_table():
    # "TT⇥Đơn vị⇥Trong ngày⇥Lũy kế" on lines aligned with tab stops, no Word table: refused as
    # a document without a table.
    import docx

    document = docx.Document()
    for line in (
        "CÔNG AN HUYỆN KỲ ANH",
        "BÁO CÁO KẾT QUẢ THU NHẬN HỒ SƠ CCCD",
        "(Số liệu tính đến 17h00 ngày 17/3/2021)",
    ):
        document.add_paragraph(line)
    document.add_paragraph("\tĐơn vị được đánh giá:")  # an indented line: text, not a row
    for line in (
        "TT\tĐơn vị\tTrong ngày\tLũy kế",
        "1.\tXã Kỳ Tân\t25\t2.384",
        "2.\tXã Kỳ Thọ\t18\t1.950",
        "\tCộng\t43\t4.334",
    ):
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    report = ingest.import_bytes(None, out.getvalue(), "bao_cao.docx")
    assert report.status == "checked", report.message
    got = {
        (k, m): v
        for k, m, v in zip(
            report.observations["unit_key"], report.observations["metric"], report.observations["value"]
        )
    }
    from cccd_analytics import registry

    tan = registry.resolve("Tỉnh Hà Tĩnh", "Huyện Kỳ Anh", "Xã Kỳ Tân").key
    tho = registry.resolve("Tỉnh Hà Tĩnh", "Huyện Kỳ Anh", "Xã Kỳ Thọ").key
    assert got == {
        (tan, "collected"): 2384,
        (tan, "collected_day"): 25,
        (tho, "collected"): 1950,
        (tho, "collected_day"): 18,
    }
    assert not report.warnings, [w.message for w in report.warnings]
