"""Word reports (.docx) with python-docx: every table of the document, merged cells laid
out on the grid, with the text around it (`document.sheets`).

A merged cell is written the way a spreadsheet holds one, so the same layout code reads
both: the text in its first grid column and row, the columns it spans (`w:gridSpan`) and
the rows it covers (`w:vMerge` continue) left empty — a merged header parent ("Kết quả thu
nhận hồ sơ" over "Trong ngày | Lũy kế") and a district written once for its communes
then read as in Excel.  The cells are read from the document's XML directly (python-docx
opens and checks the package; walking its `Table.rows[i].cells` objects is ten times
slower on a 460-row table).

A Word 97 file (.doc) cannot be read: no well-kept pure-Python reader exists (antiword and
textract need programs outside Python), so it is refused with a message saying to save it
as .docx.
"""

from __future__ import annotations

import io
import re

from cccd_analytics.ingest.readers.document import Grid, blocks_of, clean, sized_sheets
from cccd_analytics.ingest.readers.spreadsheet import check_zip
from cccd_analytics.ingest.readers.workbook import Limits, ReadError, Sheet, short_reason

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_P, _TBL, _TR, _TC, _T, _SDT = (f"{_W}{n}" for n in ("p", "tbl", "tr", "tc", "t", "sdt"))
_CUSTOM_XML = f"{_W}customXml"


def read_docx(data: bytes, file_name: str, limits: Limits) -> list[Sheet]:
    check_zip(data, file_name, limits)
    try:
        import docx

        document = docx.Document(io.BytesIO(data))
        body = document.element.body
        _hide_unread(document)
        heading = _page_header(document)
    except Exception as exc:  # python-docx raises several kinds for a damaged package  # noqa: BLE001
        if _strict(data):
            raise ReadError(
                f"Tệp «{file_name}» là văn bản Word lưu theo dạng «Strict Open XML», chưa đọc được. "
                "Hãy mở bằng Word và lưu lại (File → Save As → Word Document (*.docx))."
            ) from None
        raise ReadError(
            f"Tệp «{file_name}» là văn bản Word nhưng không mở được ({short_reason(exc)}); hãy mở bằng "
            "Word và lưu lại dạng .docx."
        ) from None
    parts = _tabbed_tables(
        [_fields(e) or _text(e) if e.tag == _P else _grid(e) for e in [*heading, *_blocks(body)]]
    )
    found = sized_sheets(blocks_of(parts), file_name, limits)
    if not found and _excel_objects(body):
        # What the reader sees is a table; what the file holds is a picture of one, the
        # workbook behind it (which may hold more than the picture shows) embedded whole.
        raise ReadError(
            f"Tệp «{file_name}»: bảng số liệu trong văn bản là bảng Excel dán vào dạng đối tượng nhúng "
            "(hiện như một hình), không phải bảng Word, nên không đọc được. Hãy gửi chính tệp Excel đó, "
            "hoặc dán lại bảng vào Word dạng bảng (Dán → Giữ định dạng nguồn) rồi tải lên lại."
        )
    return found


def _excel_objects(body) -> bool:
    """The body holds an Excel worksheet embedded as an object (Paste Special → Microsoft
    Excel Worksheet Object)."""
    return any(
        (node.get("ProgID") or "").startswith("Excel.")
        for node in body.iter("{urn:schemas-microsoft-com:office:office}OLEObject")
    )


def _strict(data: bytes) -> bool:
    """A document saved as "Strict Open XML" (Word's Save As offers it): its parts are in
    ISO 29500 Strict namespaces, which python-docx does not know; its error named a missing
    relationship in English."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            return b"purl.oclc.org/ooxml" in package.read("_rels/.rels")
    except Exception:  # noqa: BLE001 - not a package we can look into: the usual message
        return False


#: Lines in a row, each with two tab-parted cells or more, that make a table typed with tabs.
TABBED_ROWS = 3


def _fields(paragraph) -> tuple[str, ...] | None:
    """A paragraph typed as a table's row, its cells parted by tabs ("1.⇥Xã Kỳ Xuân⇥25⇥2.384",
    aligned on the paragraph's tab stops): its cells, or None for a paragraph with fewer
    than two cells of text (a line merely indented)."""
    cells: list[list[str]] = [[]]
    for node in _own_nodes(paragraph, _T, f"{_W}tab", f"{_W}br", f"{_W}cr"):
        if _hidden(node):
            continue
        if node.tag == _T:
            cells[-1].append(node.text or "")
        elif node.tag == f"{_W}tab":
            if node.getparent().tag == f"{_W}r":  # a tab typed, not a tab stop's setting
                cells.append([])
        else:
            cells[-1].append(" ")
    out = tuple(clean("".join(c)) for c in cells)
    return out if sum(1 for c in out if c) >= 2 else None


def _tabbed_tables(parts: list) -> list:
    """Runs of at least TABBED_ROWS tab-parted lines become one table (its rows as grid
    rows, cell by cell in tab order); a shorter run is text again, as it read before.
    Offices that type a report without Word's tables align its columns with tab stops."""
    out: list = []
    run: list[tuple[str, ...]] = []

    def flush() -> None:
        if len(run) >= TABBED_ROWS and max(len(r) for r in run) >= 3:
            width = max(len(r) for r in run)
            out.append([[*r, *[""] * (width - len(r))] for r in run])
        else:
            out.extend(" ".join(c for c in r if c) for r in run)
        run.clear()

    for part in parts:
        if isinstance(part, tuple):
            run.append(part)
            continue
        flush()
        out.append(part)
    flush()
    return out


def _page_header(document) -> list:
    """The first page's header, when it holds text: some offices type the letterhead and
    the date line there ("CÔNG AN HUYỆN NGHI LỘC … Số liệu tính đến ngày 12/5/2023"), so
    that every page carries them.  Read before the body, as printed; its small tables are
    text like the body's letterhead.  A header of page numbers alone adds nothing."""
    section = document.sections[0] if len(document.sections) else None
    if section is None:
        return []
    header = section.first_page_header if section.different_first_page_header_footer else section.header
    if header.is_linked_to_previous:  # the first section's: no header of its own
        return []
    return [e for e in _blocks(header._element) if e.tag == _TBL or _text(e).strip()]


def _blocks(body):
    """Paragraphs and tables of the body in order (content controls opened, frames too)."""
    for child in body.iterchildren():
        if child.tag == _TBL and _is_frame(child):
            # A table used as a frame around the report (one cell, or two side by side)
            # holding the data table: its cells' paragraphs and tables, in order.
            for tr in child.iterchildren(_TR):
                for tc in tr.iterchildren(_TC):
                    yield from _blocks(tc)
        elif child.tag == _P and (boxes := _text_boxes(child)):
            # A text box (a shape anchored to the paragraph) holding a table, or the title
            # and the date line ("Số liệu tính đến … ngày 15/3/2021" set beside the
            # letterhead): its paragraphs and tables, where the box is, after the
            # paragraph's own text.  A date line left unread in its box, the report was
            # dated by the signing date below the table ("Kỳ Anh, ngày 16 tháng 3"), a
            # day late, in silence.
            yield child
            for box in boxes:
                yield from _blocks(box)
        elif child.tag in (_P, _TBL):
            yield child
        elif child.tag == _SDT:
            content = child.find(f"{_W}sdtContent")
            if content is not None:
                yield from _blocks(content)
        elif child.tag == _CUSTOM_XML:
            # Paragraphs and tables tagged with a custom XML element (a form's template):
            # read as if untagged.  Skipped, the whole table was lost ("no table").
            yield from _blocks(child)


_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"


def _text_boxes(paragraph) -> list:
    """The text boxes anchored to a paragraph that hold a table or text, each once: Word
    writes a shape's box twice (the drawing, and a VML fallback for old readers), and the
    fallback is left out.  A box inside a box is read with the outer one."""
    boxes = []
    for box in paragraph.iter(f"{_W}txbxContent"):
        if any(a.tag in (f"{_MC}Fallback", f"{_W}txbxContent") for a in box.iterancestors()):
            continue
        if box.find(f".//{_TBL}") is not None or _text(box):
            boxes.append(box)
    return boxes


def _own_nodes(element, *tags):
    """`element.iter(*tags)` without what its text boxes hold: a paragraph anchoring a box
    keeps its own words, and the box's table is read as a table (`_text_boxes`)."""
    if element.find(f".//{_W}txbxContent") is None:
        return element.iter(*tags)

    def in_a_box(node) -> bool:
        for above in node.iterancestors():
            if above is element:
                return False
            if above.tag == f"{_W}txbxContent":
                return True
        return False

    return (node for node in element.iter(*tags) if not in_a_box(node))


def _is_frame(table) -> bool:
    """A small table (fewer than 3 rows or 3 columns) with a table inside a cell, or a
    layout table whose cell holds a table longer than itself (the letterhead in its first
    row, the data table in a merged middle row, the signatures in the last): read as one
    cell, the data table's figures all ran together in one cell and the file was refused
    as having no table."""
    rows = list(_rows(table))
    width = max((len(list(_cells(tr))) for tr in rows), default=0)
    if len(rows) >= 3 and width >= 3:
        # The data table fills its row (the row's one cell, or a cell merged across the
        # width): a table of communes with a short list of villages nested in its "Ghi chú"
        # cell is a data table, not a frame (read as one, it was refused as having none).
        for tr in rows:
            cells = list(_cells(tr))
            for tc in cells:
                whole = len(cells) == 1 or _span(tc) >= width
                if whole and any(len(list(_rows(inner))) > len(rows) for inner in tc.iterchildren(_TBL)):
                    return True
        return False
    return any(True for tr in rows for tc in _cells(tr) for _ in tc.iterchildren(_TBL))


def _span(tc) -> int:
    """How many grid columns a cell spans (w:gridSpan), 1 when it says nothing."""
    found = tc.find(f"{_W}tcPr/{_W}gridSpan")
    try:
        return int(found.get(f"{_W}val")) if found is not None else 1
    except (TypeError, ValueError):
        return 1


def _rows(table):
    """A table's rows, those inside a content control or a custom XML tag too (a form's
    repeating section wraps its rows in one): skipped, they were lost with their figures."""
    return _unwrapped(table, _TR)


def _cells(tr):
    """A row's cells, those inside a content control or a custom XML tag too.  Skipped,
    a cell in a content control shifted the cells after it one column left: the cards
    handed over were stored as the applications collected, in silence."""
    return _unwrapped(tr, _TC)


def _unwrapped(element, tag: str):
    for child in element.iterchildren():
        if child.tag == tag:
            yield child
        elif child.tag == _SDT:
            content = child.find(f"{_W}sdtContent")
            if content is not None:
                yield from _unwrapped(content, tag)
        elif child.tag == _CUSTOM_XML:
            yield from _unwrapped(child, tag)


def _text(element) -> str:
    """The text of a paragraph or a cell: its paragraphs joined by a space, breaks and
    tabs as spaces."""
    parts = []
    for node in _own_nodes(element, _T, f"{_W}tab", f"{_W}br", f"{_W}cr", _P):
        if _hidden(node):
            continue
        if node.tag == _T:
            parts.append(node.text or "")
        else:
            parts.append(" ")
    return clean("".join(parts))


def _hidden(node) -> bool:
    """Text not in the document as Word shows it with its changes accepted, or no part of
    a figure:

    * a run formatted as hidden text (w:vanish): Word neither shows nor prints it. An old
      figure kept hidden beside the new one ("1.213 1.253" with the first hidden) is not
      what the unit reports, and read together the two made the cell no number. Runs
      hidden by their style, moved away or showing a placeholder are marked so first
      (`_hide_unread`);
    * a note mark set in superscript after a figure ("10¹", "1.164⁽¹⁾"): read on, "10¹"
      was the figure 101, stored in silence."""
    run = node.getparent()
    if run is None or run.tag != f"{_W}r":
        return False
    props = run.find(f"{_W}rPr")
    if props is None:
        return False
    flag = props.find(f"{_W}vanish")
    if flag is not None and flag.get(f"{_W}val", "true") not in ("0", "false", "off"):
        return True
    if _val(props, "vertAlign") != "superscript":
        return False
    paragraph = next(run.iterancestors(_P), None)
    return paragraph is not None and _note_mark(run, paragraph)


def _on(flag) -> bool:
    return flag is not None and flag.get(f"{_W}val", "true") not in ("0", "false", "off")


_MOVE_FROM = f"{_W}moveFrom"
# A note mark: "1", "12", "*", "a", "(1)", "[2]".
_MARK = re.compile(r"[(\[]?(?:\d{1,2}|[*a-z]{1,3})[)\]]?")


def _note_mark(run, paragraph) -> bool:
    """The run is a note mark in superscript after text of the paragraph's own."""
    if _val(run.find(f"{_W}rPr"), "vertAlign") != "superscript":
        return False
    if not _MARK.fullmatch("".join(t.text or "" for t in run.iter(_T)).strip()):
        return False
    for other in paragraph.iter(f"{_W}r"):
        if other is run:
            return False
        if _val(other.find(f"{_W}rPr"), "vertAlign") != "superscript" and any(
            (t.text or "").strip() for t in other.iter(_T)
        ):
            return True
    return False


def _hide_unread(document) -> None:
    """Mark as hidden (w:vanish on the run) the runs Word does not show as the document
    reads with its changes accepted:

    * text moved away with track changes on (w:moveFrom, kept as w:t): it stands again
      where it was moved to (w:moveTo), as deleted text (w:delText) is not read and
      inserted text is. Read, it ran into the figure moved in ("1.0001.303");
    * the placeholder a content control shows while nothing is typed in it ("Nhấn vào đây
      để nhập số."): the cell is empty, and was refused as holding no number;
    * runs whose character or paragraph style is hidden text: an old figure kept in a
      hidden style beside the new one is no more shown or printed than one hidden by hand.

    Marked once here, so that reading a cell's text asks its run alone."""
    body = document.element.body
    unread = [run for moved in body.iter(_MOVE_FROM) for run in moved.iter(f"{_W}r")]
    for sdt in body.iter(_SDT):
        content = sdt.find(f"{_W}sdtContent")
        if content is not None and _on(sdt.find(f"{_W}sdtPr/{_W}showingPlcHdr")):
            unread.extend(content.iter(f"{_W}r"))
    for run in unread:
        _vanish(run)
    _hide_by_style(document)


def _vanish(run) -> None:
    from docx.oxml import OxmlElement

    props = run.find(f"{_W}rPr")
    if props is None:
        props = OxmlElement("w:rPr")
        run.insert(0, props)
    for old in props.findall(f"{_W}vanish"):
        props.remove(old)
    props.append(OxmlElement("w:vanish"))


def _hide_by_style(document) -> None:
    """Mark as hidden the runs whose character or paragraph style is hidden text."""
    styles = {s.get(f"{_W}styleId"): s for s in document.styles.element.iterchildren(f"{_W}style")}

    def hides(style_id, seen=()) -> bool:
        style = styles.get(style_id)
        if style is None or style_id in seen:
            return False
        flag = style.find(f"{_W}rPr/{_W}vanish")
        if flag is not None:
            return flag.get(f"{_W}val", "true") not in ("0", "false", "off")
        return hides(_val(style, "basedOn"), (*seen, style_id))

    hidden = {i for i in styles if hides(i)}
    if not hidden:
        return
    for paragraph in document.element.body.iter(_P):
        by_paragraph = _val(paragraph.find(f"{_W}pPr"), "pStyle") in hidden
        for run in paragraph.iter(f"{_W}r"):
            props = run.find(f"{_W}rPr")
            if props is not None and props.find(f"{_W}vanish") is not None:
                continue  # set on the run itself: it decides
            if by_paragraph or _val(props, "rStyle") in hidden:
                _vanish(run)


def _val(node, tag: str):
    found = node.find(f"{_W}{tag}") if node is not None else None
    return None if found is None else found.get(f"{_W}val", "")


def _grid(table) -> list[list[str]]:
    """A table's rows on its grid: a merged cell's text in its first grid cell only."""
    rows: list[list[str]] = []
    covered: list[frozenset] = []
    for tr in _rows(table):
        props = tr.find(f"{_W}trPr")
        row: list[str] = [""] * int(_val(props, "gridBefore") or 0)
        under: set[int] = set()
        for tc in _cells(tr):
            tc_props = tc.find(f"{_W}tcPr")
            span = int(_val(tc_props, "gridSpan") or 1)
            merge = _val(tc_props, "vMerge")
            # vMerge without a value (or "continue") carries the cell above down: empty here.
            if merge is not None and merge != "restart":
                under.update(range(len(row), len(row) + span))
            text = "" if merge is not None and merge != "restart" else _cell_text(tc)
            row.append(text)
            row.extend([""] * (span - 1))
        row.extend([""] * int(_val(props, "gridAfter") or 0))
        rows.append(row)
        covered.append(frozenset(under))
    width = max((len(r) for r in rows), default=0)
    grid = Grid(r + [""] * (width - len(r)) for r in rows)
    grid.covered = covered if any(covered) else None
    return grid


def _cell_text(tc) -> str:
    # A table nested in a cell is read as its text.
    return _text(tc)
