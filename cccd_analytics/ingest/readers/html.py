"""Web pages that are tables: the "Xuất Excel" of a web system, an HTML table saved under
an .xls name (Excel opens it, with a warning, so units send it as a workbook), or a page
saved from the browser (.htm, .html).

Read with lxml's HTML parser (already installed for python-docx) into the blocks the Word
reader makes (`document.sheets`): the text before, between and after the tables, and each
table on its grid, a merged cell's text in its first grid cell (`colspan` columns and
`rowspan` rows left empty), as a spreadsheet holds it.  So a title, a date line and a
merged header ("Kết quả thu nhận" over "Trong ngày | Lũy kế") are read as in Excel, and a
per-record export as any other.  Not pandas.read_html: it drops the text around the tables
and repeats a merged cell's text into every cell it covers.
"""

from __future__ import annotations

import re

from cccd_analytics.ingest import legacy_text
from cccd_analytics.ingest.readers.document import Grid, blocks_of, clean, sized_sheets
from cccd_analytics.ingest.readers.workbook import Limits, ReadError, Sheet, short_reason

#: A page is a table to read when it starts as HTML does and has a table in it.
_HTML_START = re.compile(rb"^\s*(?:\xef\xbb\xbf)?\s*<(?:!doctype\s+html|html|head|meta|table|body)\b", re.I)
_TABLE = re.compile(rb"<table\b", re.I)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
#: Elements whose text is no part of the page as shown.
_HIDDEN = {"script", "style", "head", "title", "noscript", "template"}
#: A span larger than this is a broken attribute, not a merged cell.
_MAX_SPAN = 1000


#: A web page saved as one file (MHTML: Word's and Excel's "Single File Web Page", the .doc
#: or .xls some web systems' "Xuất Word" give): mail headers, then the page as a MIME part.
_MHTML_START = re.compile(
    rb"^\s*(?:[\x21-\x39\x3b-\x7e]+:[^\r\n]*\r?\n(?:[ \t][^\r\n]*\r?\n)*)*?MIME-Version:", re.I
)


def is_mhtml(data: bytes) -> bool:
    head = data[:4096]
    return _MHTML_START.match(head) is not None and b"multipart/related" in head.lower()


def html_of_mhtml(data: bytes, file_name: str) -> bytes:
    """The page of a web archive (its first text/html part), as bytes `read_html` reads:
    decoded by the part's own charset when it names one (the quoted-printable or base64
    transfer undone).  Read as text before, its table was never found and the file was
    refused as having no header row."""
    import email
    import email.policy

    message = email.message_from_bytes(data, policy=email.policy.compat32)
    for part in message.walk():
        if part.get_content_type() != "text/html":
            continue
        payload = part.get_payload(decode=True) or b""
        charset = part.get_content_charset()
        try:
            return b"\xef\xbb\xbf" + payload.decode(charset).encode("utf-8") if charset else payload
        except (LookupError, UnicodeDecodeError):
            return payload
    raise ReadError(
        f"Tệp «{file_name}» là trang web lưu một tệp (MHTML) nhưng không có trang nào bên trong; hãy mở "
        "bằng Word/Excel rồi lưu lại dạng .docx/.xlsx."
    )


def is_html(data: bytes) -> bool:
    return _HTML_START.match(data[:4096]) is not None


def has_table(data: bytes) -> bool:
    return _TABLE.search(data) is not None


def read_html(data: bytes, file_name: str, limits: Limits) -> list[Sheet]:
    import lxml.etree
    import lxml.html

    try:
        # The page's own charset, else what the text looks like (UTF-8, Windows-1258 …).
        text, _ = legacy_text.decode_bytes(data)
        root = lxml.html.document_fromstring(_XML_DECLARATION.sub("", text, count=1))
    except (UnicodeDecodeError, LookupError, ValueError, lxml.etree.ParserError) as exc:
        raise ReadError(
            f"Tệp «{file_name}» là trang web (HTML) nhưng không đọc được ({short_reason(exc)}); hãy mở "
            "bằng Excel rồi lưu lại dạng .xlsx."
        ) from None
    for br in root.iter("br"):
        br.tail = " " + (br.tail or "")  # "Lũy kế<br>thu nhận" is two words, not "kếthu"
    body = root.find("body")
    parts = (e if isinstance(e, str) else _grid(e) for e in _blocks(body if body is not None else root))
    return sized_sheets(blocks_of(parts), file_name, limits)


def _blocks(element):
    """The page's text lines and its tables, in order: a table inside a layout table or a
    <div> is found where it is; an element without a table gives its text as one line."""
    if (element.text or "").strip():
        yield clean(element.text)
    for child in element.iterchildren():
        tag = child.tag.lower() if isinstance(child.tag, str) else ""
        if tag == "table" and child.find(".//table") is None:
            caption = child.find("caption")
            if caption is not None and clean(caption.text_content()):
                yield clean(caption.text_content())  # a title or a date line above the table
            yield child
        elif tag in _HIDDEN or not tag:
            pass
        elif child.find(".//table") is not None:
            yield from _blocks(child)
        else:
            line = clean(child.text_content())
            if line:
                yield line
        if (child.tail or "").strip():
            yield clean(child.tail)


def _span(cell, name: str) -> int:
    try:
        return min(max(int(str(cell.get(name) or "1").strip() or 1), 1), _MAX_SPAN)
    except ValueError:
        return 1


def _grid(table) -> list[list[str]]:
    """A table's rows on its grid: a merged cell's text in its first grid cell only, the
    cells a rowspan covers kept (`Grid.covered`) so that a figure spanning two communes'
    rows is refused as in a spreadsheet, not stored as the first one's."""
    covered: set[tuple[int, int]] = set()  # cells under a rowspan from a row above
    rows: list[list[str]] = []
    for r, tr in enumerate(table.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr")):
        row: list[str] = []
        for cell in tr.xpath("./td | ./th"):
            while (r, len(row)) in covered:
                row.append("")
            across, down = _span(cell, "colspan"), _span(cell, "rowspan")
            start = len(row)
            row.append(clean(cell.text_content()))
            row.extend([""] * (across - 1))
            covered.update((r + i, start + j) for i in range(1, down) for j in range(across))
        while (r, len(row)) in covered:
            row.append("")
        rows.append(row)
    width = max((len(r) for r in rows), default=0)
    grid = Grid(r + [""] * (width - len(r)) for r in rows)
    if covered:
        grid.covered = [frozenset(c for (at, c) in covered if at == r) for r in range(len(rows))]
    return grid
