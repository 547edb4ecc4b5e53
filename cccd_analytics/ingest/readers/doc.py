"""Word 97–2003 reports (.doc): the document's paragraphs and tables, read from the binary
format itself ([MS-DOC]) with olefile opening the compound file.

Why by hand: no well-kept pure-Python reader of .doc tables exists (antiword, textract and
LibreOffice are programs outside Python), and offices still send .doc.  Only what a
report needs is read, the way Word stores it:

* the main text, piece by piece (the piece table in the CLX: 8-bit cp1252 or UTF-16);
* which paragraph ends a table row: its paragraph properties (the PAPX in the FKP pages
  the PlcBtePapx points to) carry sprmPFTtp; a cell ends with the 0x07 mark;
* where each cell of a row sits on the table's grid: sprmTDefTable on the row's end gives
  the cells' edges, so a cell merged across columns keeps its text in its first column and
  leaves the others empty, as the .docx reader does; a cell merged down is empty text.

Field codes are dropped and their results kept; a line break in a cell is a space.  An
encrypted document, or one whose structures do not add up, is refused with a message
saying to save it as .docx.
"""

from __future__ import annotations

import io
import struct

from cccd_analytics.ingest.readers.document import Block, clean, sized_sheets
from cccd_analytics.ingest.readers.workbook import Limits, ReadError, Sheet

# sprm codes ([MS-DOC] 2.6): a row's end paragraph, inside a table, the table's cell edges.
_PF_TTP, _PF_IN_TABLE, _T_DEF_TABLE = 0x2417, 0x2416, 0xD608
# Properties too long for their FKP page (a row of many cells with its borders) are in the
# Data stream, at the offset this sprm gives.
_P_HUGE_PAPX = 0x6646
_OPERAND = {0: 1, 1: 1, 2: 2, 3: 4, 4: 2, 5: 2, 7: 3}
# Characters with a meaning of their own in Word's text.
_CELL, _PARAGRAPH = "\x07", "\r"
_FIELD_BEGIN, _FIELD_SEPARATE, _FIELD_END = "\x13", "\x14", "\x15"
# 8-bit ("compressed") text is cp1252 except these bytes ([MS-DOC] 2.4.1).
_COMPRESSED = {
    0x82: "\u201a", 0x83: "\u0192", 0x84: "\u201e", 0x85: "\u2026", 0x86: "\u2020", 0x87: "\u2021",
    0x88: "\u02c6", 0x89: "\u2030", 0x8A: "\u0160", 0x8B: "\u2039", 0x8C: "\u0152", 0x91: "\u2018",
    0x92: "\u2019", 0x93: "\u201c", 0x94: "\u201d", 0x95: "\u2022", 0x96: "\u2013", 0x97: "\u2014",
    0x98: "\u02dc", 0x99: "\u2122", 0x9A: "\u0161", 0x9B: "\u203a", 0x9C: "\u0153", 0x9F: "\u0178",
}  # fmt: skip


class _Broken(Exception):
    """The document's structures do not add up."""


def read_doc(data: bytes, file_name: str, limits: Limits) -> list[Sheet]:
    try:
        blocks = _read_blocks(data)
    except ReadError:
        raise
    except Exception:  # noqa: BLE001 - a damaged or unusual file: refused, never a traceback
        raise ReadError(
            f"Tệp «{file_name}» là văn bản Word 97–2003 (.doc) nhưng không đọc được bảng trong đó; "
            "hãy mở bằng Word và lưu lại dạng .docx (Tệp → Lưu thành → Tài liệu Word .docx) rồi tải lên lại."
        ) from None
    if blocks is None:
        raise ReadError(
            f"Tệp «{file_name}» là văn bản Word 97–2003 (.doc) có đặt mật khẩu; hãy bỏ mật khẩu, "
            "lưu lại dạng .docx rồi tải lên lại."
        )
    return sized_sheets(blocks, file_name, limits)


def _read_blocks(data: bytes) -> list[Block] | None:
    import olefile

    ole = olefile.OleFileIO(io.BytesIO(data))
    try:
        word = ole.openstream("WordDocument").read()
        if struct.unpack_from("<H", word, 0)[0] != 0xA5EC:
            raise _Broken("not a Word document")
        flags = struct.unpack_from("<H", word, 0x0A)[0]
        if flags & 0x0100:  # fEncrypted
            return None
        table_name = "1Table" if flags & 0x0200 else "0Table"
        table = ole.openstream(table_name).read()
        extra = ole.openstream("Data").read() if ole.exists("Data") else b""
    finally:
        ole.close()
    # The FIB: FibBase (32 bytes), then the counted arrays rgW, rgLw, rgFcLcb.
    csw = struct.unpack_from("<H", word, 32)[0]
    at = 34 + 2 * csw
    cslw = struct.unpack_from("<H", word, at)[0]
    lw = at + 2
    ccp_text = struct.unpack_from("<i", word, lw + 4 * 3)[0]
    at = lw + 4 * cslw
    fc_lcb = at + 2

    def pair(index: int) -> tuple[int, int]:
        return struct.unpack_from("<II", word, fc_lcb + 8 * index)

    fc_clx, lcb_clx = pair(33)
    fc_papx, lcb_papx = pair(13)
    pieces = _pieces(table[fc_clx : fc_clx + lcb_clx])
    text, fcs = _text(word, pieces, ccp_text)
    runs = _papx_runs(word, table[fc_papx : fc_papx + lcb_papx], extra)
    return _blocks(text, fcs, runs)


def _pieces(clx: bytes) -> list[tuple[int, int, int, bool]]:
    """(cp start, cp end, fc, 8-bit) of every piece of text."""
    at = 0
    while at < len(clx) and clx[at] == 0x01:  # Prc: property modifiers, skipped
        at += 3 + struct.unpack_from("<H", clx, at + 1)[0]
    if at >= len(clx) or clx[at] != 0x02:
        raise _Broken("no piece table")
    size = struct.unpack_from("<I", clx, at + 1)[0]
    plc = clx[at + 5 : at + 5 + size]
    n = (len(plc) - 4) // 12
    cps = struct.unpack_from(f"<{n + 1}i", plc, 0)
    out = []
    for k in range(n):
        fc = struct.unpack_from("<I", plc, 4 * (n + 1) + 8 * k + 2)[0]
        compressed = bool(fc & 0x40000000)
        fc &= 0x3FFFFFFF
        out.append((cps[k], cps[k + 1], fc // 2 if compressed else fc, compressed))
    return out


def _text(word: bytes, pieces, ccp_text: int) -> tuple[str, list[int]]:
    """The main document's text and, per character, its offset in the WordDocument stream."""
    chars: list[str] = []
    fcs: list[int] = []
    for cp0, cp1, fc, compressed in pieces:
        if cp0 >= ccp_text:
            break
        count = min(cp1, ccp_text) - cp0
        if compressed:
            raw = word[fc : fc + count]
            chars.extend(_COMPRESSED.get(b, chr(b)) if 0x80 <= b <= 0x9F else chr(b) for b in raw)
            fcs.extend(range(fc, fc + len(raw)))
        else:
            # One character per 16-bit unit, so each keeps its offset (nothing outside the
            # BMP in a report; a lone surrogate becomes U+FFFD).
            raw = word[fc : fc + 2 * count]
            units = raw[: len(raw) // 2 * 2].decode("utf-16-le", errors="surrogatepass")
            chars.extend("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in units)
            fcs.extend(range(fc, fc + 2 * len(units), 2))
    return "".join(chars), fcs


def _papx_runs(word: bytes, plc: bytes, extra: bytes = b"") -> list[tuple[int, int, bytes]]:
    """(fc start, fc end, grpprl) of every paragraph run the FKP pages describe (a long
    grpprl fetched from the Data stream `extra`)."""
    n = (len(plc) - 4) // 8
    pages = struct.unpack_from(f"<{n}I", plc, 4 * (n + 1)) if n > 0 else ()
    runs = []
    for pn in pages:
        page = word[(pn & 0x3FFFFF) * 512 : (pn & 0x3FFFFF) * 512 + 512]
        if len(page) < 512:
            raise _Broken("FKP page outside the stream")
        crun = page[511]
        rgfc = struct.unpack_from(f"<{crun + 1}I", page, 0)
        for k in range(crun):
            offset = page[4 * (crun + 1) + 13 * k] * 2
            grpprl = b""
            if offset:
                cb = page[offset]
                if cb:
                    grpprl = page[offset + 1 : offset + 1 + 2 * cb - 1]
                else:
                    cb = page[offset + 1]
                    grpprl = page[offset + 2 : offset + 2 + 2 * cb]
            grpprl = grpprl[2:]  # istd first
            for sprm, operand in _sprms(grpprl):
                if sprm == _P_HUGE_PAPX and len(operand) == 4:
                    at = struct.unpack_from("<I", operand)[0]
                    size = struct.unpack_from("<H", extra, at)[0] if at + 2 <= len(extra) else 0
                    grpprl = extra[at + 2 : at + 2 + size]
                    break
            runs.append((rgfc[k], rgfc[k + 1], grpprl))
    runs.sort()
    return runs


def _sprms(grpprl: bytes):
    """(sprm, operand) pairs of a property list."""
    at = 0
    while at + 2 <= len(grpprl):
        sprm = struct.unpack_from("<H", grpprl, at)[0]
        at += 2
        spra = sprm >> 13
        if spra == 6:
            if sprm == _T_DEF_TABLE:
                size = struct.unpack_from("<H", grpprl, at)[0] - 1
                at += 2
            else:
                size = grpprl[at] if at < len(grpprl) else 0
                at += 1
        else:
            size = _OPERAND[spra]
        yield sprm, grpprl[at : at + size]
        at += size


def _paragraph_props(runs, fc: int) -> dict:
    """The table-related properties of the paragraph whose mark is at `fc`."""
    import bisect

    k = bisect.bisect_right(runs, (fc, 1 << 40, b"")) - 1
    props: dict = {}
    if 0 <= k < len(runs) and runs[k][0] <= fc < runs[k][1]:
        for sprm, operand in _sprms(runs[k][2]):
            if sprm == _PF_TTP and operand[:1] == b"\x01":
                props["row_end"] = True
            elif sprm == _PF_IN_TABLE and operand[:1] == b"\x01":
                props["in_table"] = True
            elif sprm == _T_DEF_TABLE and operand:
                cells = operand[0]
                props["edges"] = list(struct.unpack_from(f"<{cells + 1}h", operand, 1))
    return props


def _fields(text: str) -> str:
    """A field's code dropped, its result kept: "{ PAGE }" → "2"."""
    out, depth_code = [], []
    for ch in text:
        if ch == _FIELD_BEGIN:
            depth_code.append(True)
        elif ch == _FIELD_SEPARATE:
            if depth_code:
                depth_code[-1] = False
        elif ch == _FIELD_END:
            if depth_code:
                depth_code.pop()
        elif not any(depth_code):
            out.append(ch)
    return "".join(out)


def _cell_text(text: str) -> str:
    text = _fields(text)
    for mark in ("\x0b", "\x0c", "\x0e", "\r", "\t", "\xa0"):
        text = text.replace(mark, " ")
    # Word keeps an optional hyphen as 0x1F; a TCVN3 "ư" (byte 0xAD, the soft hyphen) comes
    # back as one from a converter, so it is the soft hyphen again for the legacy repair.
    text = text.replace("\x1e", "-").replace("\x1f", "\xad")
    text = "".join(ch for ch in text if ch >= " ")
    return clean(text)


def _blocks(text: str, fcs: list[int], runs) -> list[Block]:
    """Paragraphs and tables in document order."""
    blocks: list[Block] = []
    rows: list[tuple[list[str], list[int] | None]] = []  # the current table's rows
    cells: list[str] = []
    start = 0
    tables = 0

    def close_table():
        nonlocal rows, tables
        if rows:
            tables += 1
            blocks.append(Block(_grid(rows), is_table=True, number=tables))
            rows = []

    for i, ch in enumerate(text):
        if ch not in (_CELL, _PARAGRAPH):
            continue
        props = _paragraph_props(runs, fcs[i]) if i < len(fcs) else {}
        if ch == _PARAGRAPH and props.get("in_table"):
            continue  # a paragraph inside a cell, not its last: its text goes with the cell's
        piece = text[start:i]
        start = i + 1
        if ch == _CELL and props.get("row_end"):
            rows.append((cells, props.get("edges")))
            cells = []
        elif ch == _CELL:
            cells.append(_cell_text(piece))
        else:
            close_table()
            blocks.append(Block([[_cell_text(piece)]], is_table=False))
    close_table()
    return blocks


def _grid(rows: list[tuple[list[str], list[int] | None]]) -> list[list[str]]:
    """The rows on the table's grid: each cell at the column its left edge starts, the
    columns it spans after it left empty (a cell merged across, as the .docx reader)."""
    edges = sorted({e for _, row_edges in rows if row_edges for e in row_edges})
    grid_edges: list[int] = []
    for e in edges:
        if not grid_edges or e - grid_edges[-1] > 20:  # twips: cells drawn a hair apart
            grid_edges.append(e)

    def column(x: int) -> int:
        return min(range(len(grid_edges)), key=lambda k: abs(grid_edges[k] - x))

    width = max(len(grid_edges) - 1, max((len(c) for c, _ in rows), default=0))
    out = []
    for cells, row_edges in rows:
        row = [""] * width
        if row_edges and len(row_edges) == len(cells) + 1 and len(grid_edges) > 1:
            for k, text in enumerate(cells):
                c = column(row_edges[k])
                if c < width and not row[c]:
                    row[c] = text
        else:
            row[: len(cells)] = cells[:width]
        out.append(row)
    return out
