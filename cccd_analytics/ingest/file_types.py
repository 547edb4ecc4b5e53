"""Which files the product reads, told by their name: the one list of accepted types.

The readers decide the real format by the bytes (a PNG named .xlsx is still refused);
this list is what the upload page and `cccd ingest` accept before reading anything, so
that a file of a type the product does not read is refused at once with a Vietnamese
reason that says what to do ("Tệp .doc: hãy lưu lại thành .xlsx…"), never with the
browser widget's English.  A reader for a new format adds its extensions to
`ACCEPTED` (and, if it is a better target for some kind of file, to `SAVE_AS`).
"""

from __future__ import annotations

from pathlib import PurePath

#: extension → how people call it.  Extend here when a reader for a new format lands.
ACCEPTED: dict[str, str] = {
    ".csv": "CSV",
    ".txt": "văn bản có dấu phân cách",
    ".tsv": "TSV",
    ".xlsx": "Excel",
    ".xlsm": "Excel",
    ".xls": "Excel 97–2003",
    ".xml": "Excel XML 2003",  # a web system's "Xuất Excel" (readers/xml2003.py)
    ".ods": "OpenOffice/LibreOffice Calc",
    ".docx": "Word",  # tables of a Word report (readers/docx.py)
    ".doc": "Word",  # tables of a Word 97–2003 report (readers/doc.py)
    ".pdf": "PDF",  # tables of a PDF with a text layer (readers/pdf.py)
    ".htm": "trang web",  # tables of a web page, a system's "Xuất Excel" (readers/html.py)
    ".html": "trang web",
    ".mht": "trang web",  # Word's/Excel's "Single File Web Page", one file (readers/html.py)
    ".mhtml": "trang web",
}

#: What a kind of file is, for the message.
KINDS: dict[str, tuple[str, ...]] = {
    "văn bản Word": (".doc", ".docx", ".docm", ".dot", ".dotx", ".rtf", ".odt", ".wps"),
    "tệp PDF": (".pdf",),
    "ảnh": (".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tif", ".tiff", ".heic", ".webp"),
    "tệp nén": (".zip", ".rar", ".7z", ".gz", ".tar"),
    "bản trình chiếu": (".ppt", ".pptx", ".odp"),
    "bảng tính Numbers hoặc WPS": (".numbers", ".et"),
}

#: For a kind of file, the formats to save it as, best first; only the accepted ones are
#: suggested, so when a reader for .docx lands, a .doc is told ".docx hoặc .xlsx".
SAVE_AS: dict[str, tuple[str, ...]] = {
    "văn bản Word": (".docx", ".xlsx"),
    "tệp PDF": (".pdf", ".xlsx"),
    "bản trình chiếu": (".xlsx",),
    "bảng tính Numbers hoặc WPS": (".xlsx",),
}
_DEFAULT_SAVE_AS = (".xlsx", ".csv")


def extension(file_name: str) -> str:
    """The file's extension in lower case ("" when it has none)."""
    return PurePath(file_name).suffix.lower()


def kind_of(ext: str) -> str | None:
    return next((kind for kind, exts in KINDS.items() if ext in exts), None)


def accepted_list() -> str:
    """The accepted formats as people read them: "CSV, Excel (xlsx, xlsm, xls, xml), TXT, TSV, ODS,
    Word (docx, doc), PDF, trang web (htm, html, mht, mhtml)": a kind with several extensions named with
    them, the others by their extension; CSV and Excel, the most sent, first."""
    families: dict[str, list[str]] = {}
    for ext, name in ACCEPTED.items():
        families.setdefault("Excel" if name.startswith("Excel") else name, []).append(ext[1:])
    shown = {
        family: f"{family} ({', '.join(exts)})" if len(exts) > 1 else exts[0].upper()
        for family, exts in families.items()
    }
    first = [f for f in ("CSV", "Excel") if f in shown]
    return ", ".join([shown[f] for f in first] + [v for f, v in shown.items() if f not in first])


def refusal(file_name: str) -> str | None:
    """None when the product reads files of this name; else the Vietnamese reason.

    A name without an extension is let through: the readers tell its format by the bytes.
    """
    base = PurePath(file_name).name
    if base.startswith("~$"):
        # Office's owner file, beside a workbook or document while it is open: picked by
        # mistake from the folder (it sorts first), and no reader would say what it is.
        return (
            "đây là tệp tạm mà Excel hoặc Word tạo ra bên cạnh một tệp đang mở (tên bắt đầu bằng «~$»); "
            "nó không chứa số liệu. Hãy đóng tệp báo cáo rồi tải lên chính tệp đó (tên không có «~$»)."
        )
    ext = extension(file_name)
    if not ext or ext in ACCEPTED:
        return None
    kind = kind_of(ext)
    targets = [e for e in SAVE_AS.get(kind, _DEFAULT_SAVE_AS) if e in ACCEPTED and e != ext]
    if ".xlsx" not in targets:
        targets.append(".xlsx")
    if kind == "ảnh":
        return (
            f"Tệp {ext} là ảnh, không đọc được số liệu từ ảnh. Hãy gửi bảng số liệu gốc ({accepted_list()})."
        )
    what = f" ({kind})" if kind else ""
    save = " hoặc ".join(targets)
    return (
        f"Tệp {ext}{what}: hãy lưu lại thành {save} rồi tải lên lại. Hệ thống đọc các tệp {accepted_list()}."
    )
