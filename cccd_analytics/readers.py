"""Readers: the bytes of an uploaded file → sheets of raw cells.

The format is told by the bytes, not the file name (a PNG named .xlsx is refused).
Spreadsheets (xlsx, xls, ods) are read with python-calamine; text files (CSV, TSV,
Excel's UTF-16 "Unicode text") are decoded, legacy encodings included, and split
with the csv module.  Size and zip-bomb limits are checked before anything is parsed.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field

from cccd_analytics import legacy_text


class ReadError(Exception):
    """A file that cannot be read, with a Vietnamese message naming the file."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 200 * 1024 * 1024         # what a user may upload
    max_unzipped: int = 800 * 1024 * 1024      # what an xlsx/ods may expand to
    max_ratio: float = 200.0                   # expansion ratio beyond which a zip is a bomb
    max_cells: int = 20_000_000


@dataclass
class Sheet:
    name: str
    rows: list[list] = field(default_factory=list)  # row-major raw cell values


@dataclass
class Workbook:
    file_name: str
    format: str        # xlsx | xls | ods | csv
    encoding: str      # for text files: utf-8, utf-16, cp1258, …; "" for binary formats
    sheets: list[Sheet]


_MAGIC = {
    b"\x89PNG": "ảnh PNG", b"\xff\xd8\xff": "ảnh JPEG", b"GIF8": "ảnh GIF",
    b"%PDF": "tệp PDF", b"Rar!": "tệp nén RAR", b"7z\xbc\xaf": "tệp nén 7z",
    b"\x1f\x8b": "tệp nén gzip", b"MZ": "chương trình Windows",
}


def sniff(data: bytes, file_name: str) -> str:
    """The real format of the bytes; raises ReadError for what is not a table."""
    if not data or not data.strip():
        raise ReadError(f"Tệp «{file_name}» rỗng.")
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            raise ReadError(f"Tệp «{file_name}» là {what}, không phải bảng tính hay CSV.")
    if data.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile:
            raise ReadError(f"Tệp «{file_name}» bị hỏng hoặc không trọn vẹn (tệp nén lỗi).") from None
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "content.xml" in names:
            return "ods"
        raise ReadError(f"Tệp «{file_name}» là tệp nén ZIP, không phải bảng tính.")
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        if data[:4096].count(b"\x00") > 8 and not _looks_utf16(data[:4096]):
            raise ReadError(f"Tệp «{file_name}» là tệp nhị phân, không phải bảng tính hay CSV.")
    return "csv"


def _looks_utf16(head: bytes) -> bool:
    odd = head[1::2].count(b"\x00")
    even = head[0::2].count(b"\x00")
    return max(odd, even) > len(head) / 4


def _check_zip(data: bytes, file_name: str, limits: Limits) -> None:
    archive = zipfile.ZipFile(io.BytesIO(data))
    total = 0
    for info in archive.infolist():
        total += info.file_size
        if info.compress_size and info.file_size / max(info.compress_size, 1) > limits.max_ratio \
                and info.file_size > 10 * 1024 * 1024:
            raise ReadError(f"Tệp «{file_name}» bị từ chối: nội dung nén bất thường "
                            f"({info.filename} giãn nở {info.file_size // info.compress_size} lần).")
    if total > limits.max_unzipped:
        raise ReadError(f"Tệp «{file_name}» bị từ chối: khi giải nén vượt "
                        f"{limits.max_unzipped // 2**20} MiB.")
    bad = archive.testzip()
    if bad:
        raise ReadError(f"Tệp «{file_name}» bị hỏng (phần {bad} không đọc được).")


def read_workbook(data: bytes, file_name: str, limits: Limits = Limits()) -> Workbook:
    """Read every sheet of a file into raw rows."""
    if len(data) > limits.max_bytes:
        raise ReadError(f"Tệp «{file_name}» quá lớn ({len(data) / 2**20:.0f} MiB; "
                        f"tối đa {limits.max_bytes // 2**20} MiB).")
    kind = sniff(data, file_name)
    if kind == "csv":
        text, encoding = legacy_text.decode_bytes(data)
        return Workbook(file_name, "csv", encoding, [Sheet("", _split_text(text))])
    if kind in ("xlsx", "ods"):
        _check_zip(data, file_name, limits)
    return Workbook(file_name, kind, "", _read_calamine(data, file_name, limits))


def _read_calamine(data: bytes, file_name: str, limits: Limits) -> list[Sheet]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises several exception types for bad files
        raise ReadError(f"Tệp «{file_name}» bị hỏng hoặc không trọn vẹn ({_short(exc)}).") from None
    sheets, cells = [], 0
    for name in book.sheet_names:
        try:
            sheet = book.get_sheet_by_name(name)
            rows = sheet.to_python(skip_empty_area=False)
        except Exception as exc:
            raise ReadError(f"Tệp «{file_name}», trang «{name}»: không đọc được ({_short(exc)}).") from None
        cells += sum(len(r) for r in rows)
        if cells > limits.max_cells:
            raise ReadError(f"Tệp «{file_name}» có quá nhiều ô (hơn {limits.max_cells:,}).")
        sheets.append(Sheet(name, [list(r) for r in rows]))
    return sheets


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__


def _split_text(text: str) -> list[list]:
    lines = text.splitlines()
    sample = "\n".join(lines[:50])
    delimiter = ","
    counts = {d: sample.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=counts.get)
    if counts[best]:
        delimiter = best
    return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
