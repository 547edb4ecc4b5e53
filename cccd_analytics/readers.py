"""Readers: the bytes of an uploaded file → sheets of raw cells.

The format is told by the bytes, not the file name (a PNG named .xlsx is refused).
Spreadsheets (xlsx, xls, ods) are read with python-calamine; text files (CSV, TSV,
Excel's UTF-16 "Unicode text") are decoded, legacy encodings included, and split
with the csv module.  Size and zip-bomb limits are checked before anything is parsed.

Large files are not read whole up front: a CSV bigger than `Limits.head_bytes` is
decoded only for its first lines (enough to find the header), and a sheet with more
than `Limits.eager_cells` cells keeps only its first rows in `Sheet.rows`.  Whoever
needs the rest streams it: `csv_chunks` (pandas, only the columns asked for) or
`Sheet.iter_rows`.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import time
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from cccd_analytics import legacy_text


class ReadError(Exception):
    """A file that cannot be read, with a Vietnamese message naming the file."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 200 * 1024 * 1024         # what a user may upload
    max_unzipped: int = 800 * 1024 * 1024      # what an xlsx/ods may expand to
    max_ratio: float = 200.0                   # expansion ratio beyond which a zip is a bomb
    max_entries: int = 5000                    # files inside an xlsx/ods
    max_cells: int = 20_000_000
    head_bytes: int = 512 * 1024               # what is decoded of a CSV to find its header
    head_rows: int = 60                        # rows kept of a sheet too big to read eagerly
    eager_cells: int = 2_000_000               # sheets up to this size are read whole
    max_seconds: float = 30.0                  # time allowed to check an archive
    max_table_bytes: int = 64 * 1024 * 1024    # a report/canonical CSV (read whole)
    max_table_cells: int = 4_000_000           # a report/canonical sheet (read whole)


@dataclass
class CsvSource:
    """How to stream the rest of a text file: codec for pandas, conversion per value."""

    encoding: str          # as legacy_text.decode_bytes named it: utf-8, utf-16-le, tcvn3 …
    codec: str             # the Python codec pandas reads with
    legacy: str | None     # legacy_text encoding to convert each value from, or None
    delimiter: str

    def fix(self, value: str) -> str:
        """One streamed value as NFC Unicode."""
        if self.legacy and not value.isascii():
            return legacy_text.convert(value, self.legacy)
        return legacy_text.to_nfc(value) if not value.isascii() else value


@dataclass
class Sheet:
    name: str
    rows: list[list] = field(default_factory=list)  # row-major raw cell values
    complete: bool = True                            # False: `rows` holds only the first rows
    height: int | None = None                        # rows in the sheet, when known
    _more: Callable[[], Iterator[list]] | None = field(default=None, repr=False)

    def iter_rows(self) -> Iterator[list]:
        """Every row of the sheet, from the first, without keeping them."""
        if self.complete or self._more is None:
            return iter(self.rows)
        return self._more()


@dataclass
class Workbook:
    file_name: str
    format: str        # xlsx | xls | ods | csv
    encoding: str      # for text files: utf-8, utf-16, cp1258, …; "" for binary formats
    sheets: list[Sheet]
    csv: CsvSource | None = None


_MAGIC = {
    b"\x89PNG": "ảnh PNG", b"\xff\xd8\xff": "ảnh JPEG", b"GIF8": "ảnh GIF",
    b"%PDF": "tệp PDF", b"Rar!": "tệp nén RAR", b"7z\xbc\xaf": "tệp nén 7z",
    b"\x1f\x8b": "tệp nén gzip", b"MZ": "chương trình Windows", b"BM": "ảnh BMP",
    b"II*\x00": "ảnh TIFF", b"MM\x00*": "ảnh TIFF", b"RIFF": "tệp âm thanh/hình ảnh",
    b"\x7fELF": "chương trình", b"{\\rtf": "văn bản RTF (Word)",
}


def sniff(data: bytes, file_name: str) -> str:
    """The real format of the bytes; raises ReadError for what is not a table."""
    if not data or data.isspace():
        raise ReadError(f"Tệp «{file_name}» rỗng.")
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            raise ReadError(f"Tệp «{file_name}» là {what}, không phải bảng tính hay CSV.")
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, zlib.error):
            raise ReadError(f"Tệp «{file_name}» bị hỏng hoặc không trọn vẹn (tệp nén lỗi, có thể "
                            "bị cắt ngang khi gửi); hãy xuất lại hoặc gửi lại tệp.") from None
        if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
            return "xlsx"
        if "content.xml" in names:
            return "ods"
        if "word/document.xml" in names:
            raise ReadError(f"Tệp «{file_name}» là văn bản Word, không phải bảng tính.")
        raise ReadError(f"Tệp «{file_name}» là tệp nén ZIP, không phải bảng tính.")
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"
    head = data[:4096]
    if head.lstrip().lower().startswith((b"<html", b"<!doctype html")):
        raise ReadError(f"Tệp «{file_name}» là trang web (HTML), không phải bảng tính; hãy mở bằng "
                        "Excel rồi lưu lại dạng .xlsx.")
    if b"\x00" in head and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        if head.count(b"\x00") > 8 and not _looks_utf16(head):
            raise ReadError(f"Tệp «{file_name}» là tệp nhị phân, không phải bảng tính hay CSV.")
    return "csv"


def _looks_utf16(head: bytes) -> bool:
    odd = head[1::2].count(b"\x00")
    even = head[0::2].count(b"\x00")
    return max(odd, even) > len(head) / 4


def _check_zip(data: bytes, file_name: str, limits: Limits) -> None:
    """Refuse zip bombs and damaged archives before calamine expands anything.

    The sizes an archive declares can lie, so every member is also inflated in
    small pieces (nothing kept) and counted against the limit as it goes.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise ReadError(f"Tệp «{file_name}» bị hỏng hoặc không trọn vẹn ({_short(exc)}).") from None
    infos = archive.infolist()
    if len(infos) > limits.max_entries:
        raise ReadError(f"Tệp «{file_name}» có {len(infos)} phần nén bên trong (bất thường, có thể là «bom nén»).")
    declared = 0
    for info in infos:
        declared += info.file_size
        if info.compress_size and info.file_size / max(info.compress_size, 1) > limits.max_ratio \
                and info.file_size > 10 * 1024 * 1024:
            raise ReadError(f"Tệp «{file_name}» có nội dung nén bất thường, có thể là "
                            f"«bom nén» ({info.filename} giãn nở {info.file_size // info.compress_size} lần).")
    if declared > limits.max_unzipped:
        raise ReadError(f"Tệp «{file_name}» khi giải nén vượt "
                        f"{limits.max_unzipped // 2**20} MiB (có thể là «bom nén»).")
    started, total = time.monotonic(), 0
    for info in infos:
        try:
            with archive.open(info) as member:
                while True:
                    piece = member.read(1 << 20)
                    if not piece:
                        break
                    total += len(piece)
                    if total > limits.max_unzipped:
                        raise ReadError(f"Tệp «{file_name}» khi giải nén vượt "
                                        f"{limits.max_unzipped // 2**20} MiB (có thể là «bom nén»).")
                    if time.monotonic() - started > limits.max_seconds:
                        raise ReadError(f"Tệp «{file_name}» giải nén quá lâu (có thể là «bom nén»).")
        except ReadError:
            raise
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError) as exc:
            raise ReadError(f"Tệp «{file_name}» bị hỏng (phần {info.filename} không đọc được: "
                            f"{_short(exc)}).") from None


def _check_xls(data: bytes, file_name: str) -> None:
    """Parse a damaged .xls with xlrd first: calamine's BIFF reader can panic on one
    (refused all the same, but the panic prints to stderr)."""
    try:
        import xlrd
    except ImportError:
        return
    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True, logfile=io.StringIO())
        for index in range(book.nsheets):
            book.sheet_by_index(index)
            book.unload_sheet(index)
    except Exception as exc:  # xlrd raises many kinds for damaged files  # noqa: BLE001
        raise ReadError(f"Tệp «{file_name}» bị hỏng hoặc không trọn vẹn ({_short(exc)}); "
                        "hãy xuất lại hoặc gửi lại tệp.") from None


def read_workbook(data: bytes, file_name: str, limits: Limits = Limits(),
                  head_only: bool = False) -> Workbook:
    """Read every sheet of a file into raw rows.

    `head_only`: a CSV larger than `limits.head_bytes` is decoded only for its first
    lines (`Workbook.sheets[0].complete` is then False; stream the rest with
    `csv_chunks`).
    """
    if len(data) > limits.max_bytes:
        raise ReadError(f"Tệp «{file_name}» quá lớn ({len(data) / 2**20:.0f} MiB; "
                        f"tối đa {limits.max_bytes // 2**20} MiB).")
    kind = sniff(data, file_name)
    if kind == "csv":
        return _read_text(data, file_name, limits, head_only)
    if kind in ("xlsx", "ods"):
        _check_zip(data, file_name, limits)
    if kind == "xls":
        _check_xls(data, file_name)
    return Workbook(file_name, kind, "", _read_calamine(data, file_name, limits))


# -- text files ------------------------------------------------------------------------

def _head(data: bytes, size: int) -> bytes:
    """The first `size` bytes cut after the last whole line (UTF-16 aware)."""
    if len(data) <= size:
        return data
    head = data[:size]
    utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_utf16(data[:4096])
    if utf16:
        little = data.startswith(b"\xff\xfe") or data[1:4096:2].count(0) > data[0:4096:2].count(0)
        newline = b"\n\x00" if little else b"\x00\n"
        at = head.rfind(newline)
        while at > 0 and at % 2:
            at = head.rfind(newline, 0, at)
        return head[: at + 2] if at > 0 else head[: size - size % 2]
    at = head.rfind(b"\n")
    return head[: at + 1] if at > 0 else head


_CODECS = {"utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "cp1258": "cp1258", "cp1252": "cp1252",
           "utf-16-le": "utf-16-le", "utf-16-be": "utf-16-be", "utf-32-le": "utf-32-le",
           "utf-32-be": "utf-32-be"}


def _source(data: bytes, encoding: str, delimiter: str) -> CsvSource:
    base, _, legacy = encoding.partition("+")
    if base in ("tcvn3", "tcvn3_upper", "vni"):
        return CsvSource(encoding, "cp1252", base, delimiter)
    codec = _CODECS.get(base, "utf-8")
    if codec.startswith(("utf-16", "utf-32")) and data.startswith((b"\xff\xfe", b"\xfe\xff")):
        codec = codec[:6]            # "utf-16": let the codec read and drop the BOM
    return CsvSource(encoding, codec, legacy or None, delimiter)


def _read_text(data: bytes, file_name: str, limits: Limits, head_only: bool) -> Workbook:
    partial = head_only and len(data) > limits.head_bytes
    sample = _head(data, limits.head_bytes) if partial else data
    try:
        text, encoding = legacy_text.decode_bytes(sample)
    except (UnicodeDecodeError, LookupError) as exc:
        raise ReadError(f"Tệp «{file_name}»: không giải mã được văn bản ({_short(exc)}).") from None
    if "\x00" in text:
        raise ReadError(f"Tệp «{file_name}» là tệp nhị phân, không phải bảng tính hay CSV.")
    delimiter = _delimiter(text)
    rows = [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    sheet = Sheet("", rows, complete=not partial)
    return Workbook(file_name, "csv", encoding, [sheet], csv=_source(data, encoding, delimiter))


def _delimiter(text: str) -> str:
    """The separator that splits the first lines into the most consistent columns."""
    lines = [line for line in itertools.islice(text.splitlines(), 80) if line.strip()]
    best, best_score = ",", (0, 0)
    for order, delimiter in enumerate(("\t", ";", ",", "|")):
        if not any(delimiter in line for line in lines):
            continue
        counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        widths = [c for c in counts if c > 1]
        if not widths:
            continue
        mode = max(set(widths), key=widths.count)
        score = (widths.count(mode), mode)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def csv_chunks(data: bytes, source: CsvSource, usecols: list[int], width: int,
               chunksize: int = 200_000, skipped: list[int] | None = None,
               ) -> Iterator[tuple[int, "object"]]:
    """Stream a CSV through pandas reading only `usecols` (0-based positions).

    Yields (index of the chunk's first record, DataFrame of str with one column per
    position in `usecols`).  Record indexes count every CSV record from the file's
    first, blank lines included, as the head rows do.  The other columns are skipped
    by the parser and never become Python objects.  Lines with more fields than the
    header allows are left out; their line numbers go to `skipped`.
    """
    import pandas as pd

    names = list(range(max(width, max(usecols) + 1)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reader = pd.read_csv(
            io.BytesIO(data), sep=source.delimiter, header=None, names=names, usecols=usecols,
            dtype=str, keep_default_na=False, na_filter=False, skip_blank_lines=False,
            encoding=source.codec, encoding_errors="replace", chunksize=chunksize,
            on_bad_lines="warn", engine="c", quotechar='"')
        start = 0
        for chunk in reader:
            if skipped is not None and caught:
                for warning in caught:
                    skipped.extend(int(n) for n in re.findall(r"Skipping line (\d+)", str(warning.message)))
                caught.clear()
            yield start, chunk
            start += len(chunk)


# -- spreadsheets ----------------------------------------------------------------------

def _read_calamine(data: bytes, file_name: str, limits: Limits) -> list[Sheet]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except BaseException as exc:  # calamine raises several exception types for bad files
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        raise ReadError(f"Tệp «{file_name}» bị hỏng hoặc không trọn vẹn ({_short(exc)}); "
                        "hãy xuất lại hoặc gửi lại tệp.") from None
    sheets, cells = [], 0
    for name in book.sheet_names:
        try:
            sheet = book.get_sheet_by_name(name)
            size = (sheet.height or 0) * (sheet.width or 0)
            cells += size
            if cells > limits.max_cells:
                raise ReadError(f"Tệp «{file_name}» có quá nhiều ô (hơn {limits.max_cells:,}).".replace(",", "."))
            if size <= limits.eager_cells:
                rows = sheet.to_python(skip_empty_area=False)
                sheets.append(Sheet(name, [list(r) for r in rows], height=len(rows)))
            else:
                sheets.append(_lazy_sheet(sheet, name, limits))
        except ReadError:
            raise
        except BaseException as exc:
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            raise ReadError(f"Tệp «{file_name}», trang «{name}»: không đọc được ({_short(exc)}).") from None
    return sheets


def _lazy_sheet(sheet, name: str, limits: Limits) -> Sheet:
    """A big sheet: its first rows now, the rest on demand (padded like to_python)."""
    pad = [""] * (sheet.start[1] if sheet.start else 0)

    def rows() -> Iterator[list]:
        for row in sheet.iter_rows():
            yield pad + list(row)

    head = list(itertools.islice(rows(), limits.head_rows))
    return Sheet(name, head, complete=False, height=(sheet.end[0] + 1) if sheet.end else None,
                 _more=rows)


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
