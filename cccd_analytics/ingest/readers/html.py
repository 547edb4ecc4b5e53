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
    """The page of a web archive (its first text/html part; an Excel workbook's first
    sheet), as bytes `read_html` reads."""
    return pages_of_mhtml(data, file_name)[0][1]


def pages_of_mhtml(data: bytes, file_name: str) -> list[tuple[str | None, bytes, bool]]:
    """The pages of a web archive to read, each (its sheet's name or None, the page as bytes
    `read_html` reads, whether the workbook hides it): decoded by the part's own charset
    when it names one (the quoted-printable or base64 transfer undone).  Read as text
    before, its table was never found and the file was refused as having no header row.

    Excel's "Single File Web Page" of a workbook holds the frame around its sheets first
    (read as the page, it had no table and the file was refused as having none), then a
    page per sheet, named in the frame's workbook XML or its tab strip.  Each sheet is read
    under its name as an .xlsx's sheets are (a sheet per day dated by its name); a workbook
    of several sheets was refused, asking for an .xlsx."""
    import email
    import email.policy

    message = email.message_from_bytes(data, policy=email.policy.compat32)
    pages = [part for part in message.walk() if part.get_content_type() == "text/html"]
    if pages and _EXCEL_FRAMESET.search(_payload(pages[0])[:4096]):
        # A location with letters outside ASCII ("file:///C:/Báo cáo_files/sheet001.htm", a
        # workbook named in Vietnamese) comes back as a `Header`, which a pattern cannot search:
        # the file was refused as "cấu trúc bất thường: TypeError".
        sheets = [p for p in pages[1:] if _SHEET_PAGE.search(str(p.get("Content-Location") or ""))]
        if len(sheets) > 1:
            names, from_tabs = _sheet_names(_payload(pages[0]), pages[1:])
            located = [
                _SHEET_PAGE.search(str(p.get("Content-Location") or "")).group(0).lower() for p in sheets
            ]
            # A tab strip naming none of the pages (links written otherwise) tells nothing.
            from_tabs = from_tabs and any(page in names for page in located)
            out = []
            for k, part in enumerate(sheets):
                page = _SHEET_PAGE.search(str(part.get("Content-Location") or "")).group(0).lower()
                payload = _payload(part)
                # A sheet the tab strip leaves out is hidden (only shown sheets have a tab),
                # and Excel writes a sheet's own `x:Visible` in its page's XML: either way
                # read as shown before, a hidden stale copy was stored as a day's figures.
                name, hidden = names.get(page, (f"Sheet{k + 1}", from_tabs))
                hidden = (
                    hidden or _HIDDEN_SHEET.search(payload[:65536].decode("utf-8", "replace")) is not None
                )
                out.append((name, payload, hidden))
            return out
        pages = sheets or pages
    for part in pages:
        return [(None, _payload(part), False)]
    raise ReadError(
        f"Tệp «{file_name}» là trang web lưu một tệp (MHTML) nhưng không có trang nào bên trong; hãy mở "
        "bằng Word/Excel rồi lưu lại dạng .docx/.xlsx."
    )


def _sheet_names(frame: bytes, parts) -> tuple[dict[str, tuple[str, bool]], bool]:
    """Each sheet page's file name ("sheet001.htm") → (the sheet's name, hidden): from the
    frame's workbook XML (`x:ExcelWorksheet`: `x:Name`, `x:WorksheetSource`, `x:Visible`),
    else from the tab strip's links (a hidden sheet has no tab there); and whether the
    names came from the tab strip (a sheet it leaves out is hidden)."""
    import html as entities

    text = frame.decode("utf-8", "replace")
    names: dict[str, tuple[str, bool]] = {}
    for block in re.findall(r"<x:ExcelWorksheet>(.*?)</x:ExcelWorksheet>", text, re.I | re.S):
        name = re.search(r"<x:Name>(.*?)</x:Name>", block, re.I | re.S)
        source = re.search(r"<x:WorksheetSource\s+HRef=[\"']?([^\"'>\s]+)", block, re.I)
        if name and source:
            page = source.group(1).replace("\\", "/").rsplit("/", 1)[-1].lower()
            hidden = re.search(r"<x:Visible>\s*Sheet(?:Very)?Hidden", block, re.I) is not None
            names[page] = (entities.unescape(name.group(1)).strip(), hidden)
    if names:
        return names, False
    for part in parts:
        if "tabstrip" not in str(part.get("Content-Location") or "").lower():
            continue
        strip = _payload(part).decode("utf-8-sig", "replace")
        for href, inner in re.findall(r"<a\b[^>]*href=[\"']?([^\"'>\s]+)[^>]*>(.*?)</a>", strip, re.I | re.S):
            label = " ".join(entities.unescape(re.sub(r"<[^>]+>", "", inner)).split())
            if label:
                names[href.rsplit("/", 1)[-1].lower()] = (label, False)
    return names, bool(names)


_EXCEL_FRAMESET = re.compile(rb"Excel-Workbook-Frameset|<frameset\b", re.I)
_SHEET_PAGE = re.compile(r"sheet\d+\.html?$", re.I)
_HIDDEN_SHEET = re.compile(
    r"<x:WorksheetOptions>(?:(?!</x:WorksheetOptions>).)*<x:Visible>\s*Sheet(?:Very)?Hidden", re.I | re.S
)


def _payload(part) -> bytes:
    """A MIME part's page as bytes `read_html` reads: decoded by the part's own charset
    when it names one (the quoted-printable or base64 transfer undone)."""
    payload = part.get_payload(decode=True) or b""
    charset = part.get_content_charset()
    try:
        return b"\xef\xbb\xbf" + payload.decode(charset).encode("utf-8") if charset else payload
    except (LookupError, UnicodeDecodeError):
        return payload


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
    _drop_unread(root)
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


#: Word's marks for notes and comments in a page it saves: a footnote's or endnote's
#: reference ("[1]", `<a style='mso-footnote-id:ftn1' href="#_ftn1">`), a comment's anchor
#: ("[A1]", `<a class=msocomanchor>`) and the comment list itself.
_NOTE_LINK = re.compile(r"^#_(?:ftn|edn)\d+$")
_NOTE_STYLE = re.compile(r"mso-(?:footnote|endnote)-id\s*:", re.I)
_COMMENTS = re.compile(r"mso-element\s*:\s*comment-list|mso-special-character\s*:\s*comment", re.I)
#: Hidden: `display:none` (Excel's hidden rows and columns, Word's hidden text) or Word's
#: `mso-hide:all`.
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|mso-hide\s*:\s*all", re.I)
#: A note mark set in superscript: "1", "12", "*", "a", "(1)", "[2]".
_MARK = re.compile(r"[(\[]?(?:\d{1,2}|[*a-z]{1,3})[)\]]?")


def _hides(element) -> bool:
    return bool(_HIDDEN_STYLE.search(element.get("style") or ""))


def _drop_unread(root) -> None:
    """Leave out what the page holds but is no part of the text as it reads:

    * text deleted with Word's track changes on (`<del>`, beside the `<ins>` that replaced
      it): the page is read as its Word document is, with its changes accepted. Read, the
      deleted and inserted figures ran together ("1.2501.025");
    * Word's footnote references and comment anchors after a figure ("1.164[2]",
      "1.164[A2]"), and the comments' list;
    * a note mark in superscript after a cell's text ("10<sup>1</sup>"): read on, it was the
      figure 101, stored in silence;
    * text hidden inside a cell or a paragraph (Word's hidden text saves as `display:none`):
      an old figure kept hidden beside the new one is not what the unit reports.

    A row or a cell the page hides (Excel's hidden rows and columns) stays, marked hidden
    by `_grid`, and is judged as an xlsx's hidden rows and columns are."""
    gone = []
    for element in root.iter():
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if not tag:
            continue
        style = element.get("style") or ""
        if tag == "del" or _COMMENTS.search(style) or "msocomanchor" in (element.get("class") or ""):
            gone.append(element)
        elif tag == "a" and (_NOTE_STYLE.search(style) or _NOTE_LINK.match(element.get("href") or "")):
            gone.append(element)
        elif tag not in ("tr", "td", "th", "table", "tbody", "thead", "tfoot", "col", "colgroup") and _hides(
            element
        ):
            gone.append(element)
        elif tag == "sup" and _MARK.fullmatch(element.text_content().strip()) and _text_before(element):
            gone.append(element)
    for element in gone:
        if element.getparent() is not None:
            element.drop_tree()  # its tail, the text after it, stays


def _text_before(element) -> bool:
    """Some text stands before the element in its cell or paragraph.

    Looked for inside that cell or paragraph only, from its start to the element: a query
    along the whole document's preceding text, per note mark, made a page of 2.000 rows
    with a mark in each take minutes."""
    box = next((a for a in element.iterancestors() if a.tag in ("td", "th", "p", "li", "div", "body")), None)
    if box is None:
        return False
    # The tail of an element holding this one comes after it; any other tail met before
    # it, and every text met before it, stands before it.
    holders = set(element.iterancestors())
    for node in box.iter():
        if node is element:
            return False
        if isinstance(node.tag, str) and (node.text or "").strip():
            return True
        if node is not box and node not in holders and (node.tail or "").strip():
            return True
    return False


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
    hidden_rows: list[bool] = []
    # Columns where a hidden cell starts, and where a shown cell with text does: Excel writes
    # a hidden column's cells with `display:none`, kept so that a figure is read from a
    # shown column headed alike rather than from yesterday's hidden copy.
    hidden_at: set[int] = set()
    shown_at: set[int] = set()
    for r, tr in enumerate(table.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr")):
        row: list[str] = []
        hidden_rows.append(_hides(tr))
        for cell in tr.xpath("./td | ./th"):
            while (r, len(row)) in covered:
                row.append("")
            across, down = _span(cell, "colspan"), _span(cell, "rowspan")
            start = len(row)
            text = clean(cell.text_content())
            if _hides(cell):
                hidden_at.add(start)
            elif text and not hidden_rows[-1]:
                shown_at.add(start)
            row.append(text)
            row.extend([""] * (across - 1))
            covered.update((r + i, start + j) for i in range(1, down) for j in range(across))
        while (r, len(row)) in covered:
            row.append("")
        rows.append(row)
    width = max((len(r) for r in rows), default=0)
    grid = Grid(r + [""] * (width - len(r)) for r in rows)
    if covered:
        grid.covered = [frozenset(c for (at, c) in covered if at == r) for r in range(len(rows))]
    if any(hidden_rows):
        grid.hidden = hidden_rows
    grid.hidden_columns = frozenset(hidden_at - shown_at)
    return grid
