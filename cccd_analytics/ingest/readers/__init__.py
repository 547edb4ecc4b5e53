"""Readers: the bytes of an uploaded file → sheets of raw cells.

The format is told by the bytes, not the file name (a PNG named .xlsx is refused).
Spreadsheets (xlsx, xls, ods) are read with python-calamine; text files (CSV, TSV,
Excel's UTF-16 "Unicode text") are decoded, legacy encodings included, and split
with the csv module; Word (docx) and PDF reports and web pages that are tables (an HTML
"Xuất Excel" named .xls) become a sheet per table with the text around it (`document`).  Size and zip-bomb limits are checked before anything is parsed.

Large files are not read whole up front: a CSV bigger than `Limits.head_bytes` is
decoded only for its first lines (enough to find the header), and a sheet with more
than `Limits.eager_cells` cells keeps only its first rows in `Sheet.rows`.  Whoever
needs the rest streams it: `csv_chunks` (pyarrow or pandas, only the columns asked
for) or `Sheet.iter_rows`.  A big text file on disk need not be in memory at all:
`FileData` stands in for its bytes and is read piece by piece (`import_file` uses it).
"""

from __future__ import annotations

import io
import zipfile
import zlib

from cccd_analytics.ingest.readers.delimited import ArrowFallback, csv_chunks, looks_utf16, read_text
from cccd_analytics.ingest.readers.html import has_table, is_html, is_mhtml
from cccd_analytics.ingest.readers.spreadsheet import check_xls, check_zip, read_spreadsheet
from cccd_analytics.ingest.readers.workbook import (
    CsvSource,
    FileData,
    Limits,
    ReadError,
    Sheet,
    Workbook,
    whole,
)
from cccd_analytics.ingest.readers.xml2003 import is_xml_spreadsheet

__all__ = [
    "ArrowFallback",
    "CsvSource",
    "FileData",
    "Limits",
    "ReadError",
    "Sheet",
    "Workbook",
    "csv_chunks",
    "read_workbook",
    "sniff",
    "whole",
]

_MAGIC = {
    b"\x89PNG": "ảnh PNG",
    b"\xff\xd8\xff": "ảnh JPEG",
    b"GIF8": "ảnh GIF",
    b"Rar!": "tệp nén RAR",
    b"7z\xbc\xaf": "tệp nén 7z",
    b"\x1f\x8b": "tệp nén gzip",
    b"MZ": "chương trình Windows",
    b"BM": "ảnh BMP",
    b"II*\x00": "ảnh TIFF",
    b"MM\x00*": "ảnh TIFF",
    b"RIFF": "tệp âm thanh/hình ảnh",
    b"\x7fELF": "chương trình",
    b"{\\rtf": "văn bản RTF (Word)",
}


# The name of the main stream of a Word 97 document in its OLE directory (UTF-16).
_OLE_WORD = "WordDocument".encode("utf-16-le")
# The stream of an Office file encrypted with a password (MS-OFFCRYPTO), in its OLE directory.
_OLE_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")


def sniff(data: bytes, file_name: str) -> str:
    """The real format of the bytes; raises ReadError for what is not a table."""
    if not data or data.isspace():
        raise ReadError(f"Tệp «{file_name}» rỗng.")
    if data.startswith(b"%PDF") or b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"{\\rtf"):
        raise ReadError(
            f"Tệp «{file_name}» là văn bản RTF (thường đặt tên .doc); hãy mở bằng Word và lưu lại "
            "dạng .docx (Tệp → Lưu thành → Tài liệu Word .docx) rồi tải lên lại."
        )
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            raise ReadError(f"Tệp «{file_name}» là {what}, không phải bảng tính hay CSV.")
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, zlib.error):
            raise ReadError(
                f"Tệp «{file_name}» bị hỏng hoặc không trọn vẹn (tệp nén lỗi, có thể "
                "bị cắt ngang khi gửi); hãy xuất lại hoặc gửi lại tệp."
            ) from None
        if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
            return "xlsx"
        if "content.xml" in names:
            return "ods"
        if "word/document.xml" in names:
            return "docx"
        raise ReadError(f"Tệp «{file_name}» là tệp nén ZIP, không phải bảng tính.")
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        if _OLE_ENCRYPTED in data:
            # An xlsx (or docx) saved with a password is an OLE file holding the encrypted
            # package, not a workbook any reader can open.
            raise ReadError(
                f"Tệp «{file_name}» có đặt mật khẩu (đã mã hóa) nên không đọc được; hãy mở bằng Excel "
                "hoặc Word, bỏ mật khẩu (Tệp → Thông tin → Bảo vệ → Mã hóa bằng mật khẩu, xóa mật khẩu), "
                "lưu lại rồi tải lên lại."
            )
        if _OLE_WORD in data:
            return "doc"
        return "xls"
    head = data[:4096]
    if is_xml_spreadsheet(data):
        return "xml2003"  # Excel's "XML Spreadsheet 2003", often named .xls
    if is_mhtml(data):
        return "mhtml"
    if is_html(data):
        if has_table(data):
            return "html"  # a web system's "Xuất Excel", an HTML table named .xls
        raise ReadError(
            f"Tệp «{file_name}» là trang web (HTML) không có bảng số liệu nào, không phải bảng tính; "
            "hãy mở bằng Excel rồi lưu lại dạng .xlsx."
        )
    if b"\x00" in head and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        if head.count(b"\x00") > 8 and not looks_utf16(head):
            raise ReadError(f"Tệp «{file_name}» là tệp nhị phân, không phải bảng tính hay CSV.")
    return "csv"


def _excel_web_sheets(pages, file_name: str, limits: Limits) -> list[Sheet]:
    """The sheets of an Excel workbook saved as one web page, each under its own name (a
    sheet per day is dated by it) and hidden as the workbook hides it.  A sheet's page is
    one table from its first row, so its rows are the sheet's rows, said as a sheet's."""
    from cccd_analytics.ingest.readers.html import read_html

    out: list[Sheet] = []
    for name, page, hidden in pages:
        found = read_html(page, file_name, limits)
        for k, sheet in enumerate(found):
            sheet.name = name if len(found) == 1 else f"{name} ({k + 1})"
            sheet.hidden = sheet.hidden or hidden
            sheet.row_labels, sheet.pages = None, []
        out.extend(found)
    return out


def read_workbook(
    data: bytes,
    file_name: str,
    limits: Limits = Limits(),  # noqa: B008 - frozen dataclass, safe as a shared default
    head_only: bool = False,
) -> Workbook:
    """Read every sheet of a file into raw rows.

    `head_only`: a CSV larger than `limits.head_bytes` is decoded only for its first
    lines (`Workbook.sheets[0].complete` is then False; stream the rest with
    `csv_chunks`).
    """
    if len(data) > limits.max_bytes:
        raise ReadError(
            f"Tệp «{file_name}» quá lớn ({len(data) / 2**20:.0f} MiB; "
            f"tối đa {limits.max_bytes // 2**20} MiB)."
        )
    kind = sniff(data, file_name)
    if kind == "csv":
        return read_text(data, file_name, limits, head_only)
    if kind == "docx":
        from cccd_analytics.ingest.readers.docx import read_docx

        return Workbook(file_name, kind, "", read_docx(whole(data), file_name, limits))
    if kind == "doc":
        from cccd_analytics.ingest.readers.doc import read_doc

        return Workbook(file_name, kind, "", read_doc(whole(data), file_name, limits))
    if kind == "html":
        from cccd_analytics.ingest.readers.html import read_html

        return Workbook(file_name, kind, "", read_html(whole(data), file_name, limits))
    if kind == "mhtml":
        from cccd_analytics.ingest.readers.html import pages_of_mhtml, read_html

        pages = pages_of_mhtml(whole(data), file_name)
        if len(pages) == 1:
            return Workbook(file_name, "html", "", read_html(pages[0][1], file_name, limits))
        return Workbook(file_name, "html", "", _excel_web_sheets(pages, file_name, limits))
    if kind == "xml2003":
        from cccd_analytics.ingest.readers.xml2003 import read_xml2003

        return Workbook(file_name, "xml", "", read_xml2003(whole(data), file_name, limits))
    if kind == "pdf":
        from cccd_analytics.ingest.readers.pdf import read_pdf

        return Workbook(file_name, kind, "", read_pdf(whole(data), file_name, limits))
    if kind in ("xlsx", "ods"):
        check_zip(data, file_name, limits)
    if kind == "xls":
        check_xls(data, file_name)
    return Workbook(file_name, kind, "", read_spreadsheet(data, file_name, limits))
