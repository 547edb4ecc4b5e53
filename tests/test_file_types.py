"""Files the product does not read are refused by name, in Vietnamese, before reading."""

import pytest

from cccd_analytics import ingest
from cccd_analytics.ingest import file_types


@pytest.mark.parametrize(
    ("name", "fragments"),
    [
        ("bao_cao.odt", ["Tệp .odt", "văn bản Word", "hãy lưu lại thành .docx", ".xlsx"]),
        ("anh_chup.JPG", ["Tệp .jpg", "ảnh", "bảng số liệu gốc"]),
        ("trinh_chieu.pptx", ["Tệp .pptx", "hãy lưu lại thành", ".xlsx"]),
        ("bao_cao.exe", ["Tệp .exe", "hãy lưu lại thành .xlsx"]),
    ],
)
def test_an_unread_type_is_refused_naming_the_file_and_what_to_do(name, fragments, store):
    report = ingest.import_bytes(store, b"anything", name)
    assert report.status == "refused"
    assert f"«{name}»" in report.message and "Không ghi gì" in report.message
    for fragment in fragments:
        assert fragment in report.message, report.message
    assert store.list_uploads().empty


def test_accepted_types_and_names_without_an_extension_go_on_to_the_readers():
    for name in (
        "a.csv",
        "A.XLSX",
        "b.xls",
        "c.ods",
        "d.txt",
        "e.tsv",
        "f.xlsm",
        "g.docx",
        "g.doc",
        "h.PDF",
        "khong_duoi",
    ):
        assert file_types.refusal(name) is None


def test_a_new_reader_changes_the_advice_from_the_one_list(monkeypatch):
    # The .docx reader added .docx to ACCEPTED: an .odt is told to become a .docx first.
    assert "hãy lưu lại thành .docx hoặc .xlsx" in file_types.refusal("x.odt")
    assert file_types.refusal("x.docx") is None
    monkeypatch.delitem(file_types.ACCEPTED, ".docx")
    assert ".docx" not in file_types.refusal("x.odt")


def test_the_accepted_list_reads_as_people_call_the_formats():
    text = file_types.accepted_list()
    assert text.startswith("CSV, Excel (xlsx, xlsm, xls, xml)") and "ODS" in text
    # (a test above takes .docx out and puts it back: the order of the two may change)
    assert text.endswith(
        (
            "Word (docx, doc), PDF, trang web (htm, html, mht, mhtml)",
            "Word (doc, docx), PDF, trang web (htm, html, mht, mhtml)",
        )
    )


def test_an_office_owner_file_is_named_for_what_it_is():
    # "~$BC 15-6.xlsx" sits beside an open workbook and sorts first in the folder.
    for name in ("~$BC 15-6.xlsx", "~$o cao.docx", "thu muc/~$BC.xls"):
        said = file_types.refusal(name)
        assert said and "tệp tạm mà Excel hoặc Word tạo ra" in said and "không chứa số liệu" in said
    assert file_types.refusal("BC ~$ 15-6.xlsx") is None
