"""PDF reports with a text layer (exported from Word or Excel) with pdfplumber: tables found
by their ruling lines, or, when the table has none, by the alignment of its text; the text
around them kept as lines, so the letterhead, the date line and the signatures are read as
in a spreadsheet (`document.sheets`).  A table that runs over pages is joined, the header
drawn again on each page dropped.

A scanned PDF (pages that are images, no text layer) is refused with a message that says
so: reading it would need OCR, which the tool does not do.
"""

from __future__ import annotations

import bisect
import ctypes
import io
import math
import re

from cccd_analytics.ingest import normalise
from cccd_analytics.ingest.layout import column_letter
from cccd_analytics.ingest.readers.document import Block, clean, is_table, sheets
from cccd_analytics.ingest.readers.workbook import Limits, ReadError, Sheet, short_reason
from cccd_analytics.text import fold

MAX_PAGES = 500
# Ruling lines first; text alignment (`_aligned_table`) for a table drawn without them.
_LINES = {"vertical_strategy": "lines", "horizontal_strategy": "lines", "intersection_tolerance": 4}
_PAGE_NUMBER = re.compile(r"^[-–—\s]*(?:trang\s*)?\d{1,4}(?:\s*/\s*\d{1,4})?[-–—\s]*$", re.IGNORECASE)


def read_pdf(data: bytes, file_name: str, limits: Limits) -> list[Sheet]:
    data = _upright_turned_pages(_unturn_level_pages(_flatten_annotations(data)))
    try:
        import pdfplumber

        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:  # pdfminer raises many kinds for a damaged file  # noqa: BLE001
        if _needs_password(exc):
            # Said as damaged, the sender had no clue what to change.
            raise ReadError(
                f"Tệp PDF «{file_name}» có đặt mật khẩu mở tệp, nên không đọc được. Hãy gửi bản PDF "
                "không đặt mật khẩu (hoặc tệp Word/Excel gốc)."
            ) from None
        raise ReadError(f"Tệp PDF «{file_name}» bị hỏng hoặc không mở được ({short_reason(exc)}).") from None
    with pdf:
        if len(pdf.pages) > MAX_PAGES:
            raise ReadError(f"Tệp PDF «{file_name}» có {len(pdf.pages)} trang (tối đa {MAX_PAGES}).")
        blocks: list[Block] = []
        has_text = False
        textless: list[int] = []  # pages without a character: scans, or blank
        tables = 0
        columns = None  # the columns of the last borderless table, for its next page
        pages = _fast_pages(data)
        try:
            for number, page in enumerate(pdf.pages, start=1):
                if pages is not None:
                    # The page's characters and ruling lines as pdfium read them, in
                    # pdfplumber's terms: its table finder and word grouping run on them.
                    page._objects = pages(page, number)
                if page.chars:
                    has_text = True
                    if _undecodable(page.chars):
                        raise ReadError(
                            f"Tệp «{file_name}», trang {number}: chữ trong PDF không giải mã được (phông "
                            "chữ nhúng không kèm bảng mã Unicode), nên không đọc được tên đơn vị và tiêu "
                            "đề cột. Hãy xuất lại PDF trực tiếp từ Word/Excel (File → Save As → PDF), "
                            "hoặc gửi tệp Word/Excel gốc.",
                            page=number,
                        )
                else:
                    textless.append(number)
                try:
                    page_blocks, tables, columns = _page_blocks(page, number, tables, columns)
                except JoinedHeaders as joined:
                    names = " và ".join(f"«{t}»" for t in joined.texts)
                    raise ReadError(
                        f"Tệp «{file_name}», trang {number}, dòng tiêu đề, cột {column_letter(joined.column)} của bảng không "
                        f"kẻ khung: hai tiêu đề {names} nằm chung một cột, không rõ cột số liệu nào thuộc "
                        "tiêu đề nào, nên không nhận tệp để khỏi ghi nhầm cột. Hãy in lại có kẻ khung "
                        "(Page Layout → Print Gridlines) hoặc gửi tệp Excel gốc.",
                        page=number,
                    ) from None
                blocks.extend(page_blocks)
                page.flush_cache()
        except ReadError:
            raise
        except Exception as exc:  # noqa: BLE001 - a damaged page: refused, never a traceback
            raise ReadError(f"Tệp PDF «{file_name}»: không đọc được ({short_reason(exc)}).") from None
    if not has_text:
        raise ReadError(
            f"Tệp «{file_name}» là PDF quét (ảnh), không có lớp chữ nên không đọc được số liệu "
            "(hệ thống không nhận dạng chữ từ ảnh). Hãy gửi tệp Word/Excel gốc, hoặc PDF xuất "
            "trực tiếp từ Word/Excel."
        )
    blocks = _mend_fragments(blocks)
    scanned = _scanned(data, textless)
    _refuse_scans_in_tables(blocks, scanned, file_name)
    found = sheets(blocks)
    for sheet in found:
        # A scanned page after a finished report (a signed copy, an appendix) holds no part
        # of the table, but what it holds is not read: the report says so, page by page.
        sheet.scanned_pages = tuple(scanned)
    if not found and textless:
        # A cover letter typed, and the table behind it scanned: say where the table must be.
        which = ", ".join(map(str, textless[:5])) + ("…" if len(textless) > 5 else "")
        raise ReadError(
            f"Tệp «{file_name}»: các trang có chữ không có bảng số liệu nào, còn trang {which} là "
            "ảnh quét (không có lớp chữ) — bảng có lẽ nằm ở đó nhưng không đọc được từ ảnh (hệ "
            "thống không nhận dạng chữ từ ảnh). Hãy gửi tệp Word/Excel gốc của bảng, hoặc PDF xuất "
            "trực tiếp từ Word/Excel.",
            page=textless[0],
        )
    return found


def _scanned(data: bytes, pages: list[int]) -> list[int]:
    """Of the pages without a character, those an image covers for the most part (a page
    scanned), not those left blank."""
    if not pages:
        return []
    try:
        import pypdfium2 as pdfium
        import pypdfium2.raw as raw

        document = pdfium.PdfDocument(data)
        out = []
        for number in pages:
            page = document[number - 1]
            width, height = page.get_size()
            for image in page.get_objects(filter=[raw.FPDF_PAGEOBJ_IMAGE], max_depth=3):
                left, bottom, right, top = image.get_pos()
                if (right - left) * (top - bottom) >= 0.25 * width * height:
                    out.append(number)
                    break
        return out
    except Exception:  # noqa: BLE001 - what pdfium cannot open: every textless page may be a scan
        return list(pages)


def _refuse_scans_in_tables(blocks: list[Block], scanned: list[int], file_name: str) -> None:
    """Refuse a file whose table runs onto a scanned page: a page without text between two
    pages of the tables, or right after the last one when the table has not ended there
    (no total row, no text after it on its page).  Read, the typed pages' communes were
    stored and the scanned page's were missing, said only as communes not reported."""
    if not scanned:
        return
    tables = [b for b in blocks if is_table(b)]
    pages = sorted({p for b in tables for p in (b.row_pages or [b.page]) if p is not None})
    if not pages:
        return
    last = pages[-1]
    for number in scanned:
        inside = pages[0] < number < last
        after = number == last + 1 and not _table_ended(blocks, last)
        if inside or after:
            where = f"trang {pages[0]}–{last}" if pages[0] != last else f"trang {last}"
            raise ReadError(
                f"Tệp «{file_name}», trang {number}: trang này là ảnh quét (không có lớp chữ) nằm "
                f"{'giữa' if inside else 'ngay sau'} các trang của bảng số liệu ({where}), nên phần bảng "
                "trên trang đó không đọc được (hệ thống không nhận dạng chữ từ ảnh); không nhận tệp để "
                "khỏi ghi thiếu các đơn vị trên trang đó. Hãy gửi tệp Word/Excel gốc, hoặc PDF xuất "
                "trực tiếp từ Word/Excel (không quét trang nào của bảng).",
                page=number,
            )


def _table_ended(blocks: list[Block], page: int) -> bool:
    """The tables on `page` end there: the last of them closes with a total row, or text
    other than a page number follows it on the page (the signatures)."""
    on_page = [b for b in blocks if page in (b.row_pages or [b.page])]
    last = max((i for i, b in enumerate(on_page) if is_table(b)), default=None)
    if last is None:
        return True
    rows = [
        r
        for r, p in zip(on_page[last].rows, on_page[last].row_pages or [page] * len(on_page[last].rows))
        if p == page
    ]
    if rows and re.match(r"(?:tong|cong)\b", fold(" ".join(c for c in rows[-1] if c)).strip()):
        return True
    return any(
        not is_table(b)
        and not re.fullmatch(r"[\W\d_]*(?:trang[\W\d_]*)?", fold(" ".join(c for r in b.rows for c in r)))
        for b in on_page[last + 1 :]
    )


def _bottom_fragment(ruled, words, found, chars, encoding: str | None = None) -> _Found | None:
    """The first row of a table the page's end cut off: one ruled row of three cells or
    more, below everything else on the page but its number.  Word and LibreOffice let a
    row break across pages, so a table that starts just above the page's end may leave
    there only the first lines of its header ("… Lũy kế thu" / "nhận" on the next page)."""
    rows = [t for t in ruled if len(t.rows) == 1 and len(t.rows[0].cells) >= 3]
    if not rows:
        return None
    table = max(rows, key=lambda t: t.bbox[1])
    top = table.bbox[1]
    if any(f.bbox[3] > top for f in found):
        return None
    below = [w for w in words if w["top"] > table.bbox[3] and not _PAGE_NUMBER.match(w["text"])]
    if below:
        return None
    fragment = _Found(table.bbox, _cell_texts(table, chars, encoding))
    fragment.fragment = True
    return fragment


def _mend_fragments(blocks: list[Block]) -> list[Block]:
    """A table's first row cut by the page's end goes to the top of the table that carries
    on at the next page, its cells' lines joined with the ones there ("Lũy kế thu" +
    "nhận"); a lone row that nothing carries on is text again."""
    out: list[Block] = []
    for k, block in enumerate(blocks):
        if not block.extra.get("fragment"):
            out.append(block)
            continue
        after = blocks[k + 1] if k + 1 < len(blocks) else None
        width = len(block.rows[0]) if block.rows else 0
        if (
            after is not None
            and after.is_table
            and after.page == (block.page or 0) + 1
            and after.rows
            and len(after.rows[0]) == width
        ):
            head, first = block.rows[0], after.rows[0]
            if not any(_NUMBER.match(c) for c in first if c):
                encoding = block.extra.get("encoding")
                after.rows[0] = [join_lines([a, b], encoding=encoding) for a, b in zip(head, first)]
            else:
                after.rows.insert(0, head)
                if after.row_pages:
                    after.row_pages.insert(0, block.page)
                if after.covered is not None:
                    after.covered.insert(0, frozenset())
            after.joined_to_previous = block.joined_to_previous
            continue
        out.append(Block([[c for c in block.rows[0] if c]], is_table=False, page=block.page))
    number = 0
    for block in out:  # tables numbered again, a mended row not counting as one
        if block.is_table:
            number += 1
            block.number = number
    return out


class _Found:
    """A table found on a page: its box and its rows of cell texts (and, ruled, per row the
    columns a cell above is merged down over: `Block.covered`)."""

    def __init__(self, bbox, rows, covered=None):
        self.bbox, self.rows, self.covered = bbox, rows, covered


def _merged_down(table) -> list[frozenset] | None:
    """Per row of a ruled table, the columns a cell of a row above reaches down over (the
    rule between the rows left out there): a figure for two communes together ("999"
    centred over Kỳ Phú and Kỳ Phong) was the first one's, the other's blank, in silence.
    None when no cell is merged down."""
    rows = table.rows
    tops = [row.bbox[1] for row in rows]
    starts: dict[int, float] = {}  # each column's left edge
    for row in rows:
        for c, cell in enumerate(row.cells):
            if cell is not None:
                starts.setdefault(c, cell[0])
    covered: list[set] = [set() for _ in rows]
    for q, row in enumerate(rows):
        for cell in row.cells:
            if cell is None or cell[3] <= tops[min(q + 1, len(rows) - 1)] + 1:
                continue
            columns = [c for c, x in starts.items() if cell[0] - 1 <= x < cell[2] - 1]
            for r in range(q + 1, bisect.bisect_left(tops, cell[3] - 1)):
                covered[r].update(columns)
    return [frozenset(c) for c in covered] if any(covered) else None


def _undecodable(chars: list[dict]) -> bool:
    """A page whose text is largely codes no reader can turn into letters: a font embedded
    without its Unicode map (ToUnicode), its Vietnamese letters coming out as control
    characters ("C\\x01NG AN HUY\\x02N") or pdfminer's "(cid:12)". The table was refused
    listing such garbled words as its columns, which told the unit nothing it could fix."""
    letters = [c["text"] for c in chars if c["text"].strip()]
    bad = sum(
        1 for t in letters if t.startswith("(cid:") or any(ord(x) < 32 or x in "\ufffd\ufffe" for x in t)
    )
    return bad >= 20 and bad >= 0.05 * len(letters)


def _flatten_annotations(data: bytes) -> bytes:
    """The file with what its annotations print drawn into its pages, as a printer does: a
    figure corrected with a PDF editor's typewriter (a FreeText annotation, "1.442" on a
    white box over the printed "1.200") and a form's filled fields are annotations, which
    the text layer leaves out, so the old figure was read and stored, in silence.  Read
    with them, the cell holds both figures and is refused at that cell.  Links and pop-up
    notes print nothing."""
    try:
        import pypdfium2 as pdfium
        import pypdfium2.raw as raw

        document = pdfium.PdfDocument(data)
        changed = False
        for i in range(len(document)):
            page = document[i]
            count = raw.FPDFPage_GetAnnotCount(page.raw)
            kinds = set()
            for k in range(count):
                annotation = raw.FPDFPage_GetAnnot(page.raw, k)
                kinds.add(raw.FPDFAnnot_GetSubtype(annotation))
                raw.FPDFPage_CloseAnnot(annotation)
            if kinds - {raw.FPDF_ANNOT_LINK, raw.FPDF_ANNOT_POPUP}:
                changed |= raw.FPDFPage_Flatten(page.raw, raw.FLAT_PRINT) == raw.FLATTEN_SUCCESS
        return _saved(document, data) if changed else data
    except Exception:  # noqa: BLE001 - the file is read as it is, and refused there if damaged
        return data


def _saved(document, data: bytes) -> bytes:
    """The pdfium document's bytes as changed (flattened, or pages set level)."""
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _unturn_level_pages(data: bytes) -> bytes:
    """The file with /Rotate taken off the pages whose text already reads level on the
    unturned page: a portrait report turned a quarter in a viewer and saved so (or printed
    so by a driver), shown sideways. Read as turned, every line stood on end ("1 2 / Xã Kỳ T
    ây" as a column) and the file was refused. A landscape table drawn sideways on a portrait
    page and turned upright by /Rotate keeps it (its characters stand at a quarter turn)."""
    try:
        import pypdfium2 as pdfium
        import pypdfium2.raw as raw

        document = pdfium.PdfDocument(data)
        changed = False
        for i in range(len(document)):
            page = document[i]
            if not page.get_rotation():
                continue
            text_page = page.get_textpage()
            text = text_page.get_text_range(0, text_page.count_chars())
            angles = [
                raw.FPDFText_GetCharAngle(text_page.raw, k)
                for k in range(min(len(text), 2000))
                if not text[k].isspace()
            ]
            level = sum(1 for a in angles if 0 <= a < 0.05 or a > 2 * math.pi - 0.05)
            if angles and level >= 0.9 * len(angles):
                page.set_rotation(0)
                changed = True
        return _saved(document, data) if changed else data
    except Exception:  # noqa: BLE001 - the file is read as it is, and refused there if damaged
        return data


def _upright_turned_pages(data: bytes) -> bytes:
    """The file with each page still under a /Rotate (a landscape table drawn sideways on a
    portrait page and turned upright to be shown) drawn upright, its /Rotate taken off: the
    page's content turned as a viewer turns it, clips with it. pdfium's characters and
    boxes are the unturned page's, so such pages were read by pdfminer, which turns them
    but keeps no clips: a header cut at its cell's edge by "Print to PDF" ("Thu nhận trong
    n") then lost its half-drawn glyph to the next cell ("nLũy kế thu nhận"), and every
    commune's day figure was stored as its running total, in silence. Drawn upright, the
    page is read as any other, every mend of pdfium's pages with it."""
    try:
        import pypdfium2 as pdfium
        import pypdfium2.raw as raw

        document = pdfium.PdfDocument(data)
        changed = False
        for i in range(len(document)):
            page = document[i]
            turn = page.get_rotation()
            if not turn:
                continue
            left, bottom, right, top = page.get_mediabox()
            width, height = right - left, top - bottom
            # The content moved to the origin, then turned clockwise as the viewer shows it.
            a, b, c, d, e, f = {
                90: (0, -1, 1, 0, 0, width),
                180: (-1, 0, 0, -1, width, height),
                270: (0, 1, -1, 0, height, 0),
            }[turn]
            e, f = e - a * left - c * bottom, f - b * left - d * bottom
            matrix = raw.FS_MATRIX(a, b, c, d, e, f)
            wide, tall = (height, width) if turn in (90, 270) else (width, height)
            box = raw.FS_RECTF(0, tall, wide, 0)
            if not raw.FPDFPage_TransFormWithClip(page.raw, matrix, box):
                continue
            for name in ("cropbox", "bleedbox", "trimbox", "artbox"):
                drawn = getattr(page, f"get_{name}")(fallback_ok=False)
                if drawn is not None:  # a page cropped stays cropped where its content went
                    xs = [a * x + c * y + e for x in drawn[::2] for y in drawn[1::2]]
                    ys = [b * x + d * y + f for x in drawn[::2] for y in drawn[1::2]]
                    getattr(page, f"set_{name}")(min(xs), min(ys), max(xs), max(ys))
            page.set_mediabox(0, 0, wide, tall)
            page.set_rotation(0)
            changed = True
        return _saved(document, data) if changed else data
    except Exception:  # noqa: BLE001 - the file is read as it is (pdfminer turns the page)
        return data


def _needs_password(exc: BaseException) -> bool:
    """pdfplumber's error for a file that opens only with a password (pdfminer's
    PDFPasswordIncorrect, wrapped).  A PDF with only an owner's password (printing or
    copying restricted) opens without one and is read."""
    seen = [exc, *exc.args, exc.__cause__, exc.__context__]
    return any(type(e).__name__ == "PDFPasswordIncorrect" for e in seen if e is not None)


def _fast_pages(data: bytes):
    """A function giving a pdfplumber page's objects (characters, ruling lines) read by
    pdfium, or None when pdfium cannot open the file (pdfminer then reads the pages).

    Performance: pdfminer, which pdfplumber parses pages with, is pure Python — 2,1 s for
    the 13 pages of a 460-commune report on this machine (loaded), nine tenths of the
    import; pdfium (pypdfium2, a dependency of pdfplumber itself) reads the same
    characters and paths in 0,15 s.  The tables are still found by pdfplumber, from the
    same kind of objects: characters with their loose (font-height) boxes and every
    horizontal or vertical segment of every path as a line."""
    try:
        import pypdfium2 as pdfium
        import pypdfium2.raw as raw

        document = pdfium.PdfDocument(data)
        if any(document[i].get_rotation() for i in range(len(document))):
            # A page turned by its /Rotate (a landscape table on a portrait page): pdfium's
            # boxes are the unturned page's, its lines read down the page; pdfminer turns them.
            return None
    except Exception:  # noqa: BLE001 - pdfminer reads what pdfium cannot
        return None
    doctop = [0.0]

    def objects(page, number: int) -> dict:
        source = document[number - 1]
        height = float(page.height)
        top0 = doctop[0]
        doctop[0] += height
        chars = []
        origin_x, origin_y = ctypes.c_double(), ctypes.c_double()
        clips: dict = {}
        cut_right: set = set()  # text objects whose clip cut glyphs off at its right edge
        last_of: dict = {}  # text object → its last glyph drawn, and its clip box
        text_page = source.get_textpage()
        count = text_page.count_chars()
        text = text_page.get_text_range(0, count) if count else ""
        generated: list[int] = []  # the spaces pdfium made up, by their place in `chars`
        big_and_pale: list[int] = []  # by their place in `chars`: a watermark's, maybe
        for i in range(min(count, len(text))):
            glyph = text[i]
            if glyph in "\r\n":
                continue  # line ends pdfium adds; spaces stay, they separate words
            angle = raw.FPDFText_GetCharAngle(text_page.raw, i)
            if _slanted(angle):
                continue  # a watermark across the page ("DỰ THẢO", "MẬT"): no cell's text
            turn = _quarter_turn(angle)
            left, bottom, right, top = text_page.get_charbox(i, loose=True)
            box, key = _clip_box(text_page, i, clips)
            if _outside(box, (left + right) / 2, (bottom + top) / 2):
                if not turn and glyph.strip() and box[1] - 1 <= (bottom + top) / 2 <= box[3] + 1:
                    if (left + right) / 2 > box[2] + 1:
                        cut_right.add(key)  # a cell's text cut at its right edge
                continue
            if box is not None and not turn and left < box[2] < right:
                # A glyph cut by the clip at the cell's edge ("Thu nhận trong n"): part of
                # it is drawn, all of it in its own cell.  Its whole box reached over the rule
                # and put it in the next cell ("nLũy kế thu nhận"), "Thu nhận trong" left
                # to name the day's column as the running total's.
                right = box[2]
            # The box's height from the baseline and the font size: pdfium's "loose" box is
            # the glyph's own for a font without ascent data (LibreOffice's exports), so a
            # capital with its marks ("Ỉ", "Ệ") would stand taller than its line and be
            # read as a line of its own.
            size = raw.FPDFText_GetFontSize(text_page.raw, i)
            # (A character turned a quarter keeps pdfium's box: its height is its advance.)
            if not turn and size > 0 and raw.FPDFText_GetCharOrigin(text_page.raw, i, origin_x, origin_y):
                top, bottom = origin_y.value + 0.8 * size, origin_y.value - 0.2 * size
            if glyph == " " and raw.FPDFText_IsGenerated(text_page.raw, i) == 1:
                generated.append(len(chars))
            if size >= _WATERMARK_SIZE and _pale(text_page, i):
                big_and_pale.append(len(chars))
            chars.append(_char(glyph, left, right, height - top, height - bottom, top0, number))
            if key is not None and glyph.strip():
                last_of[key] = (chars[-1], box)
            if turn:
                chars[-1]["upright"], chars[-1]["turn"] = False, turn
        if big_and_pale:
            # A watermark written level: far bigger than the page's text, and pale.
            sizes = sorted(c["size"] for c in chars if c["text"].strip())
            body = sizes[len(sizes) // 2] if sizes else 0.0
            drop = sorted(i for i in big_and_pale if chars[i]["size"] > 3 * body)
            gone = set(drop)
            generated = [i - bisect.bisect_left(drop, i) for i in generated if i not in gone]
            chars = [c for i, c in enumerate(chars) if i not in gone]
        chars = _real_spaces(chars, generated)
        chars += _cut_marks(cut_right, last_of)
        lines = []
        for obj in source.get_objects(filter=[raw.FPDF_PAGEOBJ_PATH], max_depth=3):
            m = obj.get_matrix()
            if _white_fill(obj):
                # A white box painted over a rule (a merged cell imitated by hiding the
                # line between two rows): the rule is gone where it covers it, and its
                # own edges are drawn by no line.  Kept, the figure centred on the hidden
                # rule went to the row below, the row above left blank, in silence.
                left, bottom, right, top = obj.get_bounds()
                lines = _erased(lines, (left, height - top, right, height - bottom))
                continue
            points, start = [], None
            for j in range(raw.FPDFPath_CountSegments(obj.raw)):
                segment = raw.FPDFPath_GetPathSegment(obj.raw, j)
                px, py = ctypes.c_float(), ctypes.c_float()
                raw.FPDFPathSegment_GetPoint(segment, px, py)
                point = (m.a * px.value + m.c * py.value + m.e, m.b * px.value + m.d * py.value + m.f)
                kind = raw.FPDFPathSegment_GetType(segment)
                if kind == raw.FPDF_SEGMENT_MOVETO:
                    start = point
                elif points:
                    lines.append(_line(points[-1], point, height, top0, number))
                points.append(point)
                if raw.FPDFPathSegment_GetClose(segment) and start is not None:
                    lines.append(_line(point, start, height, top0, number))
        return {"char": chars, "line": [line for line in lines if line is not None]}

    return objects


def _white_fill(obj) -> bool:
    """A path filled white and not stroked: it paints over what is under it."""
    import pypdfium2.raw as raw

    fill, stroke = ctypes.c_int(), ctypes.c_int()
    if not raw.FPDFPath_GetDrawMode(obj.raw, fill, stroke) or not fill.value or stroke.value:
        return False
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    if not raw.FPDFPageObj_GetFillColor(obj.raw, r, g, b, a):
        return False
    return min(r.value, g.value, b.value) >= 250 and a.value >= 250


def _erased(lines: list, box: tuple) -> list:
    """`lines` without their parts under `box` (x0, top, x1, bottom, in pdfplumber's
    coordinates): a horizontal line crossing the box is cut in two around it, a vertical
    one likewise.  The line must run inside the box, not along its edge: a cell's white
    background painted after its borders, edge to edge with them, hides none of them."""
    x0, top, x1, bottom = box
    out = []
    for line in lines:
        horizontal = line["height"] < 0.5
        if horizontal:
            inside = top + 0.1 < line["top"] < bottom - 0.1 and line["x0"] < x1 and line["x1"] > x0
            if not inside:
                out.append(line)
                continue
            for a, b in ((line["x0"], x0), (x1, line["x1"])):
                if b - a > 1:
                    out.append(_cut(line, a, b, horizontal))
        else:
            inside = x0 + 0.1 < line["x0"] < x1 - 0.1 and line["top"] < bottom and line["bottom"] > top
            if not inside:
                out.append(line)
                continue
            for a, b in ((line["top"], top), (bottom, line["bottom"])):
                if b - a > 1:
                    out.append(_cut(line, a, b, horizontal))
    return out


def _cut(line: dict, a: float, b: float, horizontal: bool) -> dict:
    part = dict(line)
    if horizontal:
        part.update(x0=a, x1=b, width=b - a, pts=[(a, line["top"]), (b, line["top"])])
    else:
        shift = a - line["top"]
        part.update(
            top=a,
            bottom=b,
            height=b - a,
            doctop=line["doctop"] + shift,
            y0=line["y0"] + (line["bottom"] - b),
            y1=line["y1"] - shift,
            pts=[(line["x0"], a), (line["x0"], b)],
        )
    return part


# A character this big (points) or bigger may be a watermark's (`_pale`).
_WATERMARK_SIZE = 36.0


def _slanted(angle: float) -> bool:
    """A character turned by an angle that is no quarter turn (radians; pdfium gives -1
    when it cannot tell): text written across the page.  A header turned upright in its
    cell (90°) is a table's own."""
    if angle < 0:
        return False
    quarter = math.pi / 2
    off = abs(angle - round(angle / quarter) * quarter)
    return off > math.radians(5)


def _quarter_turn(angle: float) -> int:
    """pdfium's angle of a character (radians, clockwise; -1 when it cannot tell) as quarter
    turns: 0 level, 1 reading down the page, 3 reading up it (a header written upright
    in a narrow column, as Excel's "Orientation" sets it), 2 upside down."""
    if angle < 0:
        return 0
    return round(angle / (math.pi / 2)) % 4


def _pale(text_page, index: int) -> bool:
    """The character is filled in a light colour (every channel ≥ 160 of 255, or mostly
    transparent), as a watermark is."""
    import pypdfium2.raw as raw

    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    if not raw.FPDFText_GetFillColor(text_page.raw, index, r, g, b, a):
        return False
    return min(r.value, g.value, b.value) >= 160 or a.value < 96


def _real_spaces(chars: list[dict], generated: list[int]) -> list[dict]:
    """The spaces pdfium made up, kept only where the gap between two characters is one.

    pdfium adds a space wherever the next character drawn is not where the last one
    ended.  A glyph the document's font lacks is drawn with a fallback font after the
    rest of its line (LibreOffice with Liberation Serif, the stand-in for Times New Roman,
    draws "Ỉ", "ệ", "ơ" … in DejaVu Serif), so "TỈNH" comes as "T", "NH", then "Ỉ": the
    made-up space would cut the word where the fallback glyph fills the gap ("Đơ n v ị").
    So a made-up space stays only where, between the character before it and the one
    after it on the same line, a stretch as wide as a space is left uncovered by other
    characters, and it is put there ("Thị trấn": "Th", the gap holding "ị" and the space,
    "trấn")."""
    if not generated:
        return chars
    drop = set()
    by_x = sorted(range(len(chars)), key=lambda k: chars[k]["x0"])
    starts = [chars[k]["x0"] for k in by_x]
    widest = max((c["x1"] - c["x0"] for c in chars), default=0.0)
    for at in generated:
        prev = next((chars[k] for k in range(at - 1, -1, -1) if chars[k]["text"] != " "), None)
        after = next((chars[k] for k in range(at + 1, len(chars)) if chars[k]["text"] != " "), None)
        if prev is None or after is None or abs(prev["top"] - after["top"]) > 2.5:
            drop.add(at)  # a jump to another line: the lines tell words apart there
            continue
        lo, hi = prev["x1"], after["x0"]
        if hi <= lo:
            drop.add(at)  # a jump back (a fallback glyph drawn after its line)
            continue
        covered = []
        k = bisect.bisect_left(starts, lo - widest)
        while k < len(by_x) and starts[k] < hi:
            other = chars[by_x[k]]
            if other["text"] != " " and other["x1"] > lo and abs(other["top"] - prev["top"]) <= 2.5:
                covered.append((max(other["x0"], lo), min(other["x1"], hi)))
            k += 1
        best, edge = (0.0, lo, lo), lo
        for x0, x1 in sorted(covered) + [(hi, hi)]:
            if x0 - edge > best[0]:
                best = (x0 - edge, edge, x0)
            edge = max(edge, x1)
        if best[0] < 0.15 * (prev["bottom"] - prev["top"]):
            drop.add(at)
        else:
            # On the line of its neighbours: pdfium gives a made-up space a font size of 1,
            # which would put it on a line of its own and glue the words ("Tênđơnvị" from
            # a PDF that draws every glyph on its own, spaces left out).
            chars[at].update(
                x0=best[1],
                x1=best[2],
                width=best[2] - best[1],
                top=prev["top"],
                bottom=prev["bottom"],
                doctop=prev["doctop"],
                height=prev["bottom"] - prev["top"],
                size=prev["size"],
            )
    return [c for k, c in enumerate(chars) if k not in drop]


def _cut_marks(cut_right: set, last_of: dict) -> list[dict]:
    """A "…" after the last glyph drawn of each text cut by its clip at the right edge
    (Excel's "Print to PDF" clips a cell's text to the cell: "Lũy kế thu nh", "Số người đủ
    điều k").  What is left may name another figure or none ("Thu nhận trong" named the
    running total); marked, the header is read as cut (`headers.match`), and a column it
    cannot name is said rather than dropped."""
    marks = []
    for key in cut_right:
        if key not in last_of:
            continue
        last, box = last_of[key]
        at = min(last["x1"], box[2])
        mark = dict(last, text="…", x0=at - 0.02, x1=at - 0.01, width=0.01)
        marks.append(mark)
    return marks


def _outside(box, x: float, y: float) -> bool:
    """A point outside a clipping box (None: nothing clips)."""
    return box is not None and not (box[0] - 1 <= x <= box[2] + 1 and box[1] - 1 <= y <= box[3] + 1)


def _clip_box(text_page, index: int, clips: dict):
    """The clipping box (left, bottom, right, top) of a character's text object, or None;
    and the object's key.  A character outside it is not drawn: LibreOffice draws a merged
    header cell again on each page clipped to the rows it shows, so the words it cuts
    ("kiện" of "Số công dân đủ điều kiện") stay in the text layer, over the first row of
    figures."""
    import pypdfium2.raw as raw

    obj = raw.FPDFText_GetTextObject(text_page.raw, index)
    if not obj:
        return None, None
    key = ctypes.cast(obj, ctypes.c_void_p).value
    if key not in clips:
        clips[key] = None
        clip = raw.FPDFPageObj_GetClipPath(obj)
        if clip:
            xs, ys = [], []
            px, py = ctypes.c_float(), ctypes.c_float()
            for path in range(raw.FPDFClipPath_CountPaths(clip)):
                for j in range(raw.FPDFClipPath_CountPathSegments(clip, path)):
                    segment = raw.FPDFClipPath_GetPathSegment(clip, path, j)
                    if segment and raw.FPDFPathSegment_GetPoint(segment, px, py):
                        xs.append(px.value)
                        ys.append(py.value)
            if xs:
                clips[key] = (min(xs), min(ys), max(xs), max(ys))
    return clips[key], key


def _char(text: str, x0: float, x1: float, top: float, bottom: float, doctop: float, page: int) -> dict:
    return {
        "object_type": "char",
        "page_number": page,
        "text": text,
        "x0": x0,
        "x1": x1,
        "top": top,
        "bottom": bottom,
        "doctop": doctop + top,
        "y0": 0.0,
        "y1": 0.0,
        "width": x1 - x0,
        "height": bottom - top,
        "size": bottom - top,
        "upright": True,
        "fontname": "",
        "stroking_color": None,
        "non_stroking_color": None,
    }


def _line(a, b, height: float, doctop: float, page: int) -> dict | None:
    """A horizontal or vertical segment as pdfplumber's line (others are not rulings)."""
    (ax, ay), (bx, by) = a, b
    if abs(ay - by) > 0.5 and abs(ax - bx) > 0.5:
        return None
    x0, x1 = min(ax, bx), max(ax, bx)
    top, bottom = height - max(ay, by), height - min(ay, by)
    return {
        "object_type": "line",
        "page_number": page,
        "x0": x0,
        "x1": x1,
        "top": top,
        "bottom": bottom,
        "doctop": doctop + top,
        "y0": height - bottom,
        "y1": height - top,
        "width": x1 - x0,
        "height": bottom - top,
        "pts": [(ax, height - ay), (bx, height - by)],
        "stroke": True,
        "linewidth": 1,
    }


def _cut_apart(words: list[dict], chars: list[dict]) -> list[dict]:
    """Words split after a mark of text cut at its cell's edge (`_cut_marks`): without
    gridlines, the cut headers of neighbouring cells touch and made one word ("điều kiệ…Thu
    nhận trong ng…"), a header no column could be found under."""
    marks = sorted((c for c in chars if c["text"] == "…"), key=lambda c: c["x0"])
    if not marks:
        return words
    out = []
    for word in words:
        text = word["text"]
        while "…" in text[:-1]:
            k = text.index("…")
            mark = next(
                (
                    m
                    for m in marks
                    if word["x0"] - 0.5 <= m["x0"] <= word["x1"] and abs(m["top"] - word["top"]) <= 2.5
                ),
                None,
            )
            if mark is None:
                break
            out.append(dict(word, text=text[: k + 1], x1=mark["x1"]))
            word = dict(word, text=text[k + 1 :], x0=mark["x1"])
            marks = [m for m in marks if m is not mark]
            text = word["text"]
        out.append(dict(word, text=text))
    return out


def _page_blocks(page, number: int, tables: int, columns=None) -> tuple[list[Block], int, list | None]:
    words = _cut_apart(page.extract_words(keep_blank_chars=False, use_text_flow=False), page.chars)
    encoding = _legacy_encoding(words)
    ruled = page.find_tables(_LINES)
    found = [
        _Found(t.bbox, _cell_texts(t, page.chars, encoding), _merged_down(t)) for t in ruled if _size_ok(t)
    ]
    # Tables without borders, top to bottom, in the text outside the ruled ones: a
    # summary by district (with or without borders), then the communes' table below it.
    ruled_boxes = [f.bbox for f in found]
    remaining = [w for w in words if not _inside(w, ruled_boxes)]
    previous = None if found else columns
    while len(found) < 6:
        aligned = _aligned_table(remaining, previous, encoding)
        if aligned is None:
            break
        if any(aligned.bbox[1] < b[3] and b[1] < aligned.bbox[3] for b in ruled_boxes):
            break  # lines beside a ruled table, not a table of their own
        found.append(aligned)
        remaining = [w for w in remaining if w["top"] > aligned.bbox[3]]
        previous = None
    fragment = _bottom_fragment(ruled, words, found, page.chars, encoding)
    if fragment is not None:
        found.append(fragment)
    columns = found[-1] if found and getattr(found[-1], "columns", None) else None
    found.sort(key=lambda t: t.bbox[1])
    boxes = [t.bbox for t in found]
    # Text outside the tables, line by line, with where it sits on the page.
    lines = _lines([w for w in words if not _inside(w, boxes)])
    out: list[Block] = []
    first_on_page = True
    for table in found:
        above = [line for line in lines if line[0] < table.bbox[1]]
        lines = [line for line in lines if line[0] >= table.bbox[1]]
        text = [cells for _, cells in above if not _PAGE_NUMBER.match(" ".join(cells))]
        for cells in text:
            out.append(Block([cells], is_table=False, page=number))
        tables += 1
        joined = first_on_page and not text
        block = Block(table.rows, is_table=True, page=number, number=tables, joined_to_previous=joined)
        block.covered = getattr(table, "covered", None)
        block.extra["fragment"] = getattr(table, "fragment", False)
        block.extra["encoding"] = encoding
        if getattr(table, "columns", None) is not None:  # told apart by positions, no borders
            block.extra["borderless_pages"] = frozenset({number})
        out.append(block)
        first_on_page = False
        lines = [line for line in lines if line[0] > table.bbox[3]]
    for _, cells in lines:
        if not _PAGE_NUMBER.match(" ".join(cells)):
            out.append(Block([cells], is_table=False, page=number))
    return out, tables, columns


# A figure: "1.234", "1,234", "1 234" (thousands by a space, as Word users type them) or a
# column number "(3)".
_NUMBER = re.compile(r"^[\d.,]+$|^\d{1,3}(?: \d{3})+$|^\(\d+\)$")
_CELL_GAP = 7.0  # points between two words of different cells (a space is ~2–3 pt)
# Of a header line's font height: wider than two of its spaces (a space is ~0,28 of it).
_HEADER_GAP = 0.6
_PLAIN_SPACE = 0.4  # of a font's height: the widest a plain space is
_HEADER_LINES = 12
# A line of a borderless table without figures that starts with one of these words is a
# row of its own (a district's title, a total), not the wrapped end of the row above.
_OWN_ROW = re.compile(r"^(?:huyện|quận|thị xã|thành phố|tp\.?|cộng|tổng|[ivxlc]+\.?)(?:\s|$)", re.IGNORECASE)


def _segments(
    line: list[dict],
    starts: tuple[float, ...] | list[float] = (),
    apart: list | None = None,
    header: bool = False,
    ends: list[float] = (),
    edges: list[list[tuple[float, float]]] = (),
    columns: int = 0,
    header_gap: float = _HEADER_GAP,
    bounds: list[float] | tuple = (),
    boundaries: list[tuple[float, float]] | tuple = (),
) -> list[dict]:
    """A line's words grouped into cells by the gaps between them; with `starts` (where body
    columns begin), a run is also cut where a column starts between two of its words.

    Three digits after a figure, further apart than a plain space ("1 025" with a figure
    space, two spaces or justified), are joined to it, the figure marked `grouped`, when
    `apart` is given and does not keep them apart (`_kept_apart`: columns where joining
    them ran across a column boundary, `_aligned_table`); else they are cut, the cell they
    start marked `after_group`.

    A `header` line is also cut at a gap wider than two spaces of its font (`_HEADER_GAP`):
    a header cell's words sit a space apart, two cells' texts at least their paddings."""
    out: list[dict] = []
    words = sorted(line, key=lambda w: w["x0"])
    for n, word in enumerate(words):
        last = out[-1] if out else None
        gap = word["x0"] - last["x1"] if last is not None else 0.0
        # Not at a plain space (a third of the font's height): that is one cell's text.
        wide = last is not None and gap > _PLAIN_SPACE * (word["bottom"] - word["top"])
        cut = wide and any(last["x1"] - 1 <= x <= word["x0"] + 1 for x in starts)
        cut = cut or (wide and any(abs(last["x1"] - x) <= 1 for x in ends))
        cut = cut or (
            last is not None and any(abs(last["x1"] - x) <= 0.5 or abs(word["x0"] - x) <= 0.5 for x in bounds)
        )
        cut = cut or (last is not None and _edge_through(last, word, edges, starts[:columns]))
        # Another header line parted there, wider than a space, its next cell's text
        # starting where `word` does (set left) or its cell's text ending where `last` does
        # (set right): "Số người Thu nhận" over "đủ điều | trong ngày".
        cut = cut or (
            last is not None
            # (to a tenth of a point: lines set alike start or end at the very same place,
            # while two lines set right in one cell have words that start close by chance)
            and any(abs(q0 - word["x0"]) <= 0.1 or abs(p1 - last["x1"]) <= 0.1 for p1, q0 in boundaries)
        )
        # A number set right in its cell, then text set left in the next (a sheet printed
        # without gridlines: "1" at the STT cell's right edge, "Xã Kỳ Xuân" at the name
        # cell's left): the two paddings make less than a cell's gap but more than a space.
        cut = cut or (wide and _NUMBER.match(last["text"]) and not _NUMBER.match(word["text"]))
        cut = cut or (last is not None and last["text"].endswith("…"))  # a cell's text cut at its edge
        # Two header cells in a small font, two paddings apart (5 pt: "Thu nhận trong ngày"
        # | "Trả thẻ" at 6 pt): under `_CELL_GAP` but two spaces and more of that font.
        # Read as one run, it named nothing and the two columns under it were left out.
        cut = cut or (header and wide and gap > header_gap * (word["bottom"] - word["top"]))
        # Two figures further apart than a space: a figure set right, then one set left in
        # the next cell ("17" | "1,303", a figure typed as text).  A space between thousands
        # ("1 234") is narrower.  Joined, "17 1,303" was refused as two numbers in a cell.
        group = not cut and wide and _thousands_group(last, word)
        cut = cut or (
            wide
            and bool(_NUMBER.match(last["text"].rsplit(" ", 1)[-1]))
            and bool(_NUMBER.match(word["text"]))
            and not (group and apart is not None and not _kept_apart(words, n, gap, apart))
        )
        # Two figures a space apart that make no figure together ("21.765 123": a total set
        # left filling its narrow cell, then the next cell's figure set left): two cells.
        # Joined, the cell ran over two columns, made them one, and both headers named
        # nothing.  Only groups of three after groups parted by spaces are a figure's.
        cut = cut or (
            last is not None
            and bool(_NUMBER.match(last["text"]))
            and bool(_NUMBER.match(word["text"]))
            and not (
                re.fullmatch(r"\d{1,3}(?: \d{3})*", last["text"]) and re.fullmatch(r"\d{3}", word["text"])
            )
        )
        if last is not None and not cut and (gap <= _CELL_GAP or group):
            if _NUMBER.match(last["text"]) and _NUMBER.match(word["text"]):
                last.setdefault("gaps", []).append(gap)  # between a figure's groups
                last["grouped"] = last.get("grouped") or group
            last["text"] += " " + word["text"]
            last["x1"], last["bottom"] = word["x1"], max(last["bottom"], word["bottom"])
        else:
            out.append(
                dict(text=word["text"], x0=word["x0"], x1=word["x1"], top=word["top"], bottom=word["bottom"])
            )
            if group:
                out[-1]["after_group"] = last
    return out


def _edge_through(last: dict, word: dict, edges: list, starts: list[float]) -> bool:
    """Whether a cell's edge runs between header words `last` and `word`, however close: a
    word of another header line starts where `word` does, and a column of figures set left
    starts there too, or words of other lines end where `last` ends and start where `word`
    starts on three lines' counts together (one line's gap where this one's is may be
    chance: two centred lines' word gaps can meet)."""
    begin = sum(1 for line in edges if any(abs(word["x0"] - x0) <= 0.5 for x0, _ in line))
    end = sum(1 for line in edges if any(abs(last["x1"] - x1) <= 0.5 for _, x1 in line))
    at_column = any(abs(word["x0"] - x) <= 0.5 for x in starts)
    return begin >= 1 and (at_column or (end >= 1 and begin + end >= 3))


def _kept_apart(words: list[dict], n: int, gap: float, apart: list) -> bool:
    """Whether the three digits `words[n]`, `gap` after a figure, stay out of it: inside an
    x-range of `apart` (lo, hi, whole) where joining ran across a column boundary.  First
    only the last group of a figure of three groups or more is cut there ("1 025 410": the
    boundary is before "410", after a right-set "1 025"); `whole`, when that did not do,
    every group."""
    word = words[n]
    before = words[n - 2] if n >= 2 else None
    # A group before this one at the same spacing: the figure has two groups without it.
    less = (
        before is not None
        and bool(re.fullmatch(r"\d{1,3}", before["text"]))
        and bool(re.fullmatch(r"\d{3}", words[n - 1]["text"]))
        and abs(words[n - 1]["x0"] - before["x1"] - gap) <= 0.5
    )
    after = words[n + 1] if n + 1 < len(words) else None
    # Another group follows at the same spacing: this one is not the figure's last.
    more = (
        after is not None
        and bool(re.fullmatch(r"\d{3}", after["text"]))
        and abs(after["x0"] - word["x1"] - gap) <= 0.5
    )
    return any(
        lo - 1 <= word["x0"] - gap and word["x1"] <= hi + 1 and (whole or (less and not more))
        for lo, hi, whole in apart
    )


def _thousands_group(last: dict, word: dict) -> bool:
    """Whether `word` may be the next group of three digits of the figure `last` ends with,
    parted by a space wider than a plain one: a figure space, two spaces, or a line
    justified ("1 025" with the word spacing a justified cell adds). Cut there, "1" and
    "025" went to two columns and the file was refused at a check, or a figure stored cut.

    The gap alone cannot tell it from two cells' paddings (a figure set right, three
    digits set left in the next cell: 6 pt, what a figure space is in an 11 pt font), so
    this only says it may be; the header decides (`_aligned_table`).  A figure whose
    groups are already parted (by a plain space) parts its next group alike: a wider gap
    after "1 025" is the cell's edge, not a thousands space."""
    gap = word["x0"] - last["x1"]
    return (
        bool(re.fullmatch(r"\d{1,3}", last["text"].rsplit(" ", 1)[-1]))
        and bool(re.fullmatch(r"\d{3}", word["text"]))
        and gap <= max(_CELL_GAP, word["bottom"] - word["top"])
        and gap <= max(last.get("gaps") or [gap]) + 0.25
    )


def _text_lines(words: list[dict]) -> list[list[dict]]:
    """Words grouped into lines of text, top to bottom, each left to right."""
    lines: list[list[dict]] = []
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if lines and abs(lines[-1][0]["top"] - word["top"]) <= 2.5:
            lines[-1].append(word)
        else:
            lines.append([word])
    return lines


def _columns(lines) -> list[list[float]]:
    """The x-ranges the cells of `lines` cover, overlapping ranges joined: a table's columns."""
    spans = sorted([cell["x0"], cell["x1"]] for cells in lines for cell in cells)
    columns: list[list[float]] = []
    for x0, x1 in spans:
        if columns and x0 <= columns[-1][1]:
            columns[-1][1] = max(columns[-1][1], x1)
        else:
            columns.append([x0, x1])
    return columns


def _one_column_set_two_ways(columns: list[list[float]], lines: list[list[dict]]) -> list[list[float]]:
    """Two neighbouring ranges of figures that no line fills both of are one column whose
    figures are set two ways: typed as text (set left) on some rows, as numbers (set right)
    on others, as in a sheet printed without gridlines.  Kept apart, one column became two
    and the communes whose figure stood in the other were stored without it."""
    out = [list(columns[0])] if columns else []
    for column in columns[1:]:
        last = out[-1]
        in_last = [c for cells in lines for c in cells if last[0] <= (c["x0"] + c["x1"]) / 2 <= last[1]]
        in_this = [c for cells in lines for c in cells if column[0] <= (c["x0"] + c["x1"]) / 2 <= column[1]]
        both = any(
            any(last[0] <= (c["x0"] + c["x1"]) / 2 <= last[1] for c in cells)
            and any(column[0] <= (c["x0"] + c["x1"]) / 2 <= column[1] for c in cells)
            for cells in lines
        )
        figures = all(_NUMBER.match(c["text"]) for c in in_last + in_this)
        # Set left in one, right in the other: the left edges of the first agree, and the
        # right edges of the second (or the other way round).
        set_apart = (
            _flush(in_last, "x0") and _flush(in_this, "x1") or _flush(in_last, "x1") and _flush(in_this, "x0")
        )
        if in_last and in_this and figures and not both and set_apart:
            last[1] = max(last[1], column[1])
        else:
            out.append(list(column))
    return out


def _flush(cells: list[dict], edge: str) -> bool:
    """The cells' `edge` ("x0": left, "x1": right) lies at one place, within a point."""
    at = [c[edge] for c in cells]
    return max(at) - min(at) <= 1.0


def _aligned_table(
    words: list[dict], previous: _Found | None = None, encoding: str | None = None
) -> _Found | None:
    """A table drawn without ruling lines, by the alignment of its text.

    The lines with figures in two cells or more are the table's body; its columns are the
    x-ranges their cells cover (overlapping ranges of different lines are one column:
    names start at one left edge, figures end at one right edge).  The lines just above
    the first such line, within the columns' width, are the header (a header cell written
    on two lines is joined); the body runs while lines keep to the columns.

    A page whose table has no header (a workbook printed without repeating its title
    rows) keeps the columns of the table on the page before (`previous`) when its own
    fall within them: a column empty on this page ("Ghi chú") is still a column, and the
    page's rows line up with the first page's."""
    text_lines = _text_lines(words)
    # Three digits after a figure, further apart than a plain space: a thousands group
    # parted by a figure space, two spaces or a justified line ("1 025"), or the next
    # cell's figure set left after one set right ("1 025" | "410", two cells' paddings).
    # The gap's width cannot tell them apart (6 pt of paddings is a figure space in an 11
    # pt font); the header and the other rows can: read with the groups joined, a joined
    # figure under two header runs ("Lũy kế thu nhận" and "Số thẻ đã trả") or beside
    # another cell in its column ran across a column boundary, and the table is read again
    # with that column's groups cut, as they were before groups were joined.  Without a
    # header of its own (a page under the first page's columns) nothing shows a boundary:
    # all cut, and the previous page's columns put a cut figure's pieces back together.
    try:
        cut = _aligned_reading(text_lines, previous, encoding)
    except JoinedHeaders as exc:
        cut, refusal = None, exc
    else:
        refusal = None
    if any(c.get("after_group") is not None for line in text_lines for c in _segments(line)):
        joined = _joined_reading(text_lines, previous, encoding, [], [8])
        if joined is not None:
            return joined
    if refusal is not None:
        raise refusal
    return cut


def _joined_reading(
    text_lines: list[list[dict]], previous, encoding: str | None, apart: list, budget: list[int]
) -> _Found | None:
    """The table read with wide thousands groups joined but in `apart`, when nothing shows
    a join ran across a column boundary; else each column suspected in turn kept apart,
    first its figures' last groups ("1 025 410": the boundary is before "410"), then, if
    that does not do, all its groups; None when no way reads clean within `budget` reads."""
    if budget[0] <= 0:
        return None
    budget[0] -= 1
    try:
        found = _aligned_reading(text_lines, previous, encoding, apart)
    except JoinedHeaders as exc:
        suspects = getattr(exc, "ranges", [])
    else:
        if found is None or not found.own_header:
            return None
        suspects = _crossed_boundaries(found)
        if not suspects:
            return found
    for lo, hi in suspects:
        whole = any(min(hi, b) - max(lo, a) > 0 for a, b, _ in apart)
        if (lo, hi, whole) not in apart:
            again = _joined_reading(text_lines, previous, encoding, [*apart, (lo, hi, whole)], budget)
            if again is not None:
                return again
    return None


def _crossed_boundaries(found: _Found) -> list[tuple[float, float]]:
    """The x-ranges of the columns where a figure joined at a wide thousands gap ran across a
    column boundary: the column has two header runs side by side (on one line, or stacked
    without overlapping: a header wrapped onto two lines overlaps itself), or a row with
    two cells in it (the "1 025" of a row whose figure's groups sit a plain space apart,
    and the "410" after it: the other rows show the boundary)."""
    grouped = {found.column_of(c) for row in found.cells for c in row if c.get("grouped")}
    out = []
    for k in sorted(grouped):
        runs = [run for run in found.header_runs if run["column"] == k]
        two_headers = any(a["x1"] < b["x0"] - 1 for a in runs for b in runs)
        two_cells = any(sum(1 for c in row if found.column_of(c) == k) >= 2 for row in found.cells)
        if two_headers or two_cells:
            out.append((found.columns[k][0], found.columns[k][1]))
    return out


def _aligned_reading(
    text_lines: list[list[dict]], previous: _Found | None, encoding: str | None, apart: list | None = None
) -> _Found | None:
    """`_aligned_table` read with three digits after a figure, a wide gap apart, cut (without
    `apart`) or joined to it outside the x-ranges `apart`."""
    segs = [_segments(line, apart=apart) for line in text_lines]
    body = [
        i for i, s in enumerate(segs) if len(s) >= 3 and sum(1 for c in s if _NUMBER.match(c["text"])) >= 2
    ]
    if len(body) < 2:
        return None
    first, last = body[0], body[-1]
    # Body lines are consecutive: a long gap of other lines ends the table, unless those
    # lines are the wrapped ends of the row above (a name over four lines in a narrow
    # column: each piece within a column, the lines as close as the table's).
    for k in range(1, len(body)):
        if body[k] - body[k - 1] > 3 and not _wrapped_lines(segs, text_lines, body[:k], body[k]):
            last = body[k - 1]
            break
    body = [i for i in body if i <= last]
    columns = _one_column_set_two_ways(_columns(segs[i] for i in body), [segs[i] for i in body])
    if len(columns) < 3:
        return None
    left, right = columns[0][0], columns[-1][1]
    reuse = previous is not None and _within(columns, previous.columns)
    if reuse:
        columns = [list(c) for c in previous.columns]
        left, right = min(left, columns[0][0]), max(right, columns[-1][1])

    def column_of(cell) -> int:
        return _column_of(cell, columns)

    def fits(i) -> bool:
        return all(c["x0"] >= left - 30 and c["x1"] <= right + 30 for c in segs[i])

    def header_like(i) -> bool:
        # Words within the table's width, close above the first row of figures (a header
        # cell may wrap onto lines of its own: "Ghi" / "chú"); a sentence is one wide run
        # of words (header cells in narrow columns sit close: several runs or short ones).
        # Cut where the body's columns start: header cells of narrow columns in a large
        # font sit closer than the gap that tells cells apart ("STT Đơn vị Số Kết quả …"
        # one run), while a sentence's words are a space apart and stay one run.
        cells = _split_at(text_lines[i], columns)
        if len(cells) == 1 and normalise.is_data_date_line(cells[0]["text"]):
            return False  # "(Số liệu tính đến 17h00 cùng ngày)" just above the header
        return (
            # (a short run past the body's last column heads a column empty in every row:
            # "Ghi chú" in a large font)
            all(c["x0"] >= left - 30 and (c["x1"] <= right + 60 or c["x1"] - c["x0"] <= 90) for c in cells)
            and (len(cells) >= 2 or cells[0]["x1"] - cells[0]["x0"] <= 160)
            # (a header of many lines in a large font — a 13 pt header broken word by word
            # in a narrow column — may reach further up: its top lines left out, they
            # joined the title lines above and "Trả Số Lũy kế" headed the returned cards)
            and segs[first][0]["top"] - cells[0]["top"]
            <= max(130, 12 * (cells[0]["bottom"] - cells[0]["top"]))
        )

    # A district's heading just above the first row of figures ("I | Huyện Nghi Lộc"): the
    # table's first row, not a line of its header (joined to it, "Đơn vị Huyện Nghi Lộc"
    # named no column and the heading's first commune was lost).
    heading = first - 1 if first >= 1 and _group_heading(_split_at(text_lines[first - 1], columns)) else None
    above = heading if heading is not None else first
    start = above
    while start - 1 >= 0 and above - (start - 1) <= _HEADER_LINES and header_like(start - 1):
        start -= 1
    if heading is not None and start == heading:
        heading, above, start = None, first, first  # nothing above it reads as a header

    # Columns whose figures are set right: their right edges line up, their left ones not.
    # A column of figures all as wide ("405", "951") shows neither; it is set as the others
    # are when some are set right and none left.
    aligned: dict[int, str] = {}
    numbering: set[int] = set()  # columns of row numbers (STT): 1, 2, 3 …
    for k in range(len(columns)):
        figures = [c for i in body for c in segs[i] if _NUMBER.match(c["text"]) and column_of(c) == k]
        if len(figures) >= 2:
            ends = max(c["x1"] for c in figures) - min(c["x1"] for c in figures) <= 1.5
            begins = max(c["x0"] for c in figures) - min(c["x0"] for c in figures) <= 1.5
            aligned[k] = "both" if ends and begins else "right" if ends else "left" if begins else ""
            if [c["text"] for c in figures] == [str(n) for n in range(1, len(figures) + 1)]:
                numbering.add(k)
    # How the figures are set is told by the figures' columns: the row numbers typed as
    # text, set left ("1" … "12"), do not make a column of equally wide figures ("1.025" …
    # "2.554") set left too — taken so, its header before it went to the column before
    # and two headers ran into one cell ("Thu nhận trong ngày Lũy kế thu nhận").
    kinds = {kind for k, kind in aligned.items() if k not in numbering}
    flush_right = {
        k
        for k, kind in aligned.items()
        if kind == "right" or (kind == "both" and "right" in kinds and "left" not in kinds)
    }

    def build_header(lo: int, hi: int, cols: list) -> list[list[str]]:
        """The header of lines lo..hi-1, as rows: one row, each run to the column under
        it, or, under a parent cell spanning columns ("Kết quả thực hiện" over "Kết quả
        thu nhận hồ sơ" over "Trong ngày | Lũy kế"), a row per level as a ruled table
        gives it (`_header_levels`).  A run beyond the body's columns is a column of its
        own ("Ghi chú", empty in every row), added to `cols`.

        A column of figures left with no header at all: its header sits in a run of the
        one beside it, the two cells' texts a little more than a space apart ("Thu nhận
        trong Lũy kế thu nhận", 5,4 pt in an 11 pt font: the day's figures were stored as
        the running total).  The header is read again cut at every gap wider than a plain
        space, and kept so when fewer columns are left without one."""

        body = len(cols)

        def headless(cells) -> int:
            return sum(1 for k in range(body) if not any(c["column"] == k for c in cells))

        trial = [list(c) for c in cols]
        cells = place(lo, hi, trial, _HEADER_GAP, body)
        if headless(cells):
            again = [list(c) for c in cols]
            try:
                loose = place(lo, hi, again, _PLAIN_SPACE, body)
            except JoinedHeaders:
                loose = None
            if loose is not None and headless(loose) < headless(cells):
                cells, trial = loose, again
        cols[:] = trial
        runs[:] = cells
        return _header_levels(cells, cols, encoding)

    def place(lo: int, hi: int, cols: list, gap: float, body: int) -> list[dict]:
        """The runs of header lines lo..hi-1 (cut at gaps over `gap` of their font's
        height), each with the column it heads; runs past the body's columns add theirs."""
        cells = sorted(
            (
                c
                for i in range(lo, hi)
                for c in _split_at(
                    text_lines[i],
                    cols,
                    [text_lines[j] for j in range(lo, hi) if j != i],
                    gap,
                    # read again: also where a word ends or starts at an edge of figures
                    # ("Số người" ending where the eligible's figures set right end)
                    [x for col in cols[:body] for x in col] if gap == _PLAIN_SPACE else (),
                )
            ),
            key=lambda c: (c["top"], c["x0"]),
        )
        edge = cols[-1][1]
        last = len(cols) - 1
        # The last column's figures with no header over them (set left or centred in a wide
        # cell): a header centred or set right in that cell starts past the figures. Taken
        # for a column of its own, empty in every row, the header ("Số thẻ đã trả") was left
        # over nothing and the figures under no header, in silence.
        headless = not any(min(cols[last][1], c["x1"]) - max(cols[last][0] - 2, c["x0"]) > 0 for c in cells)
        for cell in cells:
            if cell["x0"] > edge + 4 and not any(
                o["x0"] <= edge + 4 and _wrapped_line_of(o, cell) for o in cells
            ):
                # (a run past the last column, a line of a header cell whose other lines
                # reach over its figures, "Số thẻ đã" / "trả" set right, is no column)
                if cols[-1][1] > right and cell["x0"] - cols[-1][1] <= _CELL_GAP:
                    cols[-1][1] = cell["x1"]  # the next word of the same header cell
                elif headless and len(cols) - 1 == last:
                    cols[-1][1] = cell["x1"]
                else:
                    cols.append([cell["x0"], cell["x1"]])
                edge = cell["x1"]
        for cell in cells:
            # A run starting inside a column belongs to it (a left-aligned header in a
            # Word table, wider than the figures under it); otherwise the most overlapped.
            inside = [k for k, (x0, x1) in enumerate(cols) if x0 - 2 <= cell["x0"] <= x1]
            ahead = next((k for k, (x0, _) in enumerate(cols) if x0 > cell["x0"]), None)
            if not inside and ahead in flush_right and cell["x1"] <= cols[ahead][1] + 3:
                # Before figures set right, ending by their right edge: a header set left
                # in that cell (Excel's default for text, printed without gridlines). The
                # nearest column was the one before, whose figures end just left of it:
                # "ngày" of "Thu nhận trong ngày" went under "Số CD đủ ĐK".
                cell["column"], cell["guessed"] = ahead, "ahead"
                continue
            cell["column"] = inside[0] if inside else _column_of(cell, cols)
            over = inside or any(min(x1, cell["x1"]) - max(x0, cell["x0"]) > 0 for x0, x1 in cols)
            cell["guessed"] = "" if over else "near"
        _wrapped_lines_follow(cells, cols)
        _headers_kept_apart(cells, cols)
        return cells

    runs: list[dict] = []  # the header's runs, each with its column
    carried: list[int] = []
    if previous is not None and getattr(previous, "header", None) and start < first:
        # The header drawn again on a new page, then the end of a row broken across the
        # page ("Lộc" of "Thị trấn Quán Hành"), then the figures: the lines after the
        # header are that row's end, not the header's.
        wanted = _key_of(previous.header)
        for k in range(first - 1, start, -1):
            if _key_of(build_header(start, k, [list(c) for c in previous.columns])) == wanted:
                carried = list(range(k, first))
                first_header_end = k
                break
    header_end = first_header_end if carried else above
    columns_before = len(columns)
    try:
        header = build_header(start, header_end, columns)
    except JoinedHeaders as exc:
        # Two headers over one column: if figures were joined at a wide gap there or beside
        # it, the join may be what ran two columns into one, or moved a header off its
        # column (`_aligned_table` cuts them and reads again).
        near = {column_of(c) for i in body for c in segs[i] if c.get("grouped")}
        near &= {exc.column - 1, exc.column, exc.column + 1}
        exc.ranges = [(columns[k][0], columns[k][1]) for k in sorted(near)]
        raise
    if len(columns) > columns_before:
        right = columns[-1][1]
    rows = list(header) if start < above else []
    body_start = len(rows)

    def row_of(i: int) -> list[str]:
        row = [""] * len(columns)
        for cell in segs[i]:
            c = column_of(cell)
            row[c] = f"{row[c]} {cell['text']}".strip()
        return row

    for i in carried + ([heading] if heading is not None else []) + list(range(first, last + 1)):
        row = row_of(i)
        if len(rows) > body_start and _wrapped_end(row, rows[-1]):
            # The wrapped end of the row above (a long name in a narrow column).
            rows[-1] = [join_lines([a, b], encoding=encoding) if b else a for a, b in zip(rows[-1], row)]
            continue
        rows.append(row)
    # The last row's wrapped end, below the last line with figures ("Tổng" / "cộng").
    while len(rows) > body_start and last + 1 < len(segs) and fits(last + 1):
        if segs[last + 1][0]["top"] - segs[last][0]["top"] > 3 * (
            segs[last][0]["bottom"] - segs[last][0]["top"]
        ):
            break
        row = row_of(last + 1)
        if not _wrapped_end(row, rows[-1]):
            break
        rows[-1] = [join_lines([a, b], encoding=encoding) if b else a for a, b in zip(rows[-1], row)]
        last += 1
    top = min(c["top"] for c in segs[start])
    bottom = max(c["bottom"] for c in segs[last])
    found = _Found((left - 1, top - 1, right + 1, bottom + 1), [[clean(c) for c in r] for r in rows])
    found.columns = columns
    found.header = header if start < above else getattr(previous, "header", None)
    found.own_header = start < above
    found.header_runs = runs
    found.cells = [segs[i] for i in range(first, last + 1)]
    found.column_of = column_of
    return found


_ROMAN = re.compile(r"^(?:[IVXL]+|\d{1,2}|[A-Z])[.)]?$")
_DISTRICT_WORDS = ("huyen ", "thi xa ", "thanh pho ", "quan ", "tp ", "tx ", "h. ", "tp. ", "tx. ")


def _group_heading(cells: list[dict]) -> bool:
    """A line that is a district's heading row: a district's name ("Huyện Nghi Lộc"), maybe
    after its numeral ("I", "II", "1."), and no figure, or one (its running total alone, the
    other sums left blank: with two or more it is a line of the body already)."""
    texts = [c["text"].strip() for c in cells if c["text"].strip()]
    figures = [t for t in texts[1:] if _NUMBER.match(t) and not _ROMAN.match(t)]
    if len(figures) == 1 and texts[-1] == figures[0]:
        texts = texts[:-1]
    if not 1 <= len(texts) <= 2 or any(_NUMBER.match(t) and not _ROMAN.match(t) for t in texts):
        return False
    name = texts[-1]
    numbered = len(texts) == 1 or _ROMAN.match(texts[0])
    return bool(numbered) and fold(name).startswith(_DISTRICT_WORDS)


def _wrapped_line_of(a: dict, b: dict) -> bool:
    """Whether header runs `a` and `b` are lines of one cell: on lines next to each other,
    set alike (their left edges, right edges or centres agree)."""
    return 2.5 < abs(a["top"] - b["top"]) <= 1.6 * (b["bottom"] - b["top"]) and (
        abs(a["x0"] - b["x0"]) <= 1
        or abs(a["x1"] - b["x1"]) <= 1
        or abs(a["x0"] + a["x1"] - b["x0"] - b["x1"]) <= 2
    )


def _wrapped_group(cell: dict, pool: list[dict]) -> list[dict]:
    """`cell` and the runs of `pool` wrapped with it, line after line (`_wrapped_line_of`)."""
    group, grown = [cell], True
    while grown:
        more = [o for o in pool if o not in group and any(_wrapped_line_of(o, g) for g in group)]
        group += more
        grown = bool(more)
    return group


def _wrapped_lines_follow(cells: list[dict], cols: list) -> None:
    """A header run over no column's figures, put in the nearest column (or the next one,
    whose figures are set right), goes to the column of the run on the line above or below
    that starts, ends or is centred where it is: the lines of one header cell wrapped in
    its cell ("Thu nhận trong" / "ngày", set left).  By nearness alone "ngày", past the
    figures of a narrow column set right and before the next column's centred figures,
    went to the column before: "Số người ngày đủ điều kiện" and "Thu nhận trong", the
    day's figures left out.  Lines of one cell none of which is over figures go together,
    to the column nearest to them all ("Thu nhận trong" / "ngày" set right in a wide
    cell, past its figures set left: "ngày" alone was nearer the next column)."""
    near = [c for c in cells if c.get("guessed") == "near"]
    for cell in near:
        group = _wrapped_group(cell, near)
        if len(group) >= 2:
            box = {"x0": min(g["x0"] for g in group), "x1": max(g["x1"] for g in group)}
            for g in group:
                g["column"] = _column_of(box, cols)

    changed = True
    while changed:
        changed = False
        for cell in cells:
            if not cell.get("guessed"):
                continue
            mates = [o for o in cells if not o.get("guessed") and _wrapped_line_of(o, cell)]
            if len({o["column"] for o in mates}) == 1:
                cell["column"], cell["guessed"], changed = mates[0]["column"], False, True


class JoinedHeaders(Exception):
    """Two headers of one line that name a field each fell into one column (`_headers_kept_apart`)."""

    def __init__(self, column: int, texts: list[str]):
        super().__init__(column, texts)
        self.column, self.texts = column, texts


def _headers_kept_apart(cells: list[dict], cols: list) -> None:
    """Two runs of one header line in one column, one of them over no column: it is the
    header of the column beside it when that column has none, on its side.

    Printed without gridlines, a header set left ("Lũy kế thu nhận") sits nearer the
    figures of the column before (set right, "3.100") than its own (set left past its
    start): joined, "Số người đủ điều kiện Lũy kế thu nhận" read as the running total over
    the eligible figures, the running totals under no header and left out, in silence.
    When the column beside has a header of its own, two headers that each name a field
    are never read as one: `JoinedHeaders` (the file is refused at that column)."""
    from cccd_analytics.ingest import headers  # the vocabulary, only for this check

    def overlaps(cell, k) -> bool:
        return min(cols[k][1], cell["x1"]) - max(cols[k][0], cell["x0"]) > 0

    # A column headed only by a run put there for being the nearest (over no figures of
    # its own) is not headed for sure: "Lũy kế", past the left-set figures of "Số CD đủ ĐK"
    # and far from the running totals, stayed beside "Số CD đủ" (the eligible's figures read
    # as the running total) because "Trả thẻ" had been put over the running totals.
    headed = {cell["column"] for cell in cells if cell.get("guessed") != "near"}

    def lines_of(cell) -> list[dict]:
        """The run's header cell in its column: it and the lines wrapped with it."""
        return _wrapped_group(cell, [o for o in cells if o["column"] == cell["column"]])

    for cell in cells:
        k = cell["column"]
        mates = [
            o for o in cells if o is not cell and o["column"] == k and abs(o["top"] - cell["top"]) <= 2.5
        ]
        if not mates or overlaps(cell, k):
            continue
        side = k + 1 if cell["x0"] >= cols[k][1] else k - 1
        if 0 <= side < len(cols) and side not in headed:
            # A run moves with the lines wrapped with it: moved alone, "Thu nhận" went to
            # the next column and made it headed, its "trong ngày" stayed behind beside
            # "điều kiện" ("Số người đủ điều kiện trong ngày" over the eligible), and the
            # next header was pushed on in turn, the day's count stored as the running
            # total.  A cell one of whose lines is over its column's figures stays.
            group = lines_of(cell)
            if any(overlaps(g, k) for g in group):
                continue
            for g in group:
                g["column"] = side
            headed.add(side)
    for k in {cell["column"] for cell in cells}:
        lines: dict[int, list[dict]] = {}
        for cell in cells:
            if cell["column"] == k:
                lines.setdefault(round(cell["top"] / 2.5), []).append(cell)
        for runs in lines.values():
            named = {headers.match(run["text"]) for run in runs}
            named.discard(None)
            if len(runs) >= 2 and len(named) >= 2:
                raise JoinedHeaders(k, [run["text"] for run in sorted(runs, key=lambda r: r["x0"])])


def _header_levels(cells: list[dict], cols: list, encoding: str | None = None) -> list[list[str]]:
    """A borderless header's runs (each with its `column`, top to bottom) as header rows.

    A parent is a run over two columns or more (its text reaches into the next column's
    range: "Kết quả thu nhận hồ sơ" over "Trong ngày | Lũy kế") with children below it in
    those columns.  The lines right under it that carry it on ("hồ sơ": alone in those
    columns, as close as a line, starting where it starts or centred where it is) are its
    text; the first other run below it in those columns starts its children's level.  A
    parent is a cell of its own, in the first column it covers (so "Kết quả thực hiện"
    never joins the "Số công dân đủ điều kiện" written under it, which read that column
    as collected); every other cell is in the level where its first line stands, its text
    in that row and the rows below it empty, as Excel and Word hold a merged cell.  The
    rows are what a ruled table of the same header gives.  Without a parent the header is
    one row, each column's lines joined, as before."""

    def covered(cell) -> list[int]:
        return [k for k, (x0, x1) in enumerate(cols) if min(x1, cell["x1"]) - max(x0, cell["x0"]) > 2]

    def same_line(a, b) -> bool:
        return abs(a["top"] - b["top"]) <= 2.5

    starts: list[float] = []
    parents: dict[int, list[int]] = {}  # parent run → the runs that carry its text on
    taken: set[int] = set()
    for i, cell in enumerate(cells):
        span = covered(cell)
        if len(span) < 2 or i in taken:
            continue
        lines, last = [i], cell
        for j in range(i + 1, len(cells)):
            other = cells[j]
            if other["top"] <= last["top"] + 2.5 or not set(covered(other)) & set(span):
                continue
            height = last["bottom"] - last["top"]
            alone = not any(
                k != j and same_line(cells[k], other) and set(covered(cells[k])) & set(span)
                for k in range(len(cells))
            )
            aligned = (
                abs(other["x0"] - cell["x0"]) <= 3
                or abs((other["x0"] + other["x1"]) / 2 - (cell["x0"] + cell["x1"]) / 2) <= 6
            )
            if alone and aligned and other["top"] - last["top"] <= 1.6 * height:
                lines.append(j)
                last = other
                continue
            starts.append(other["top"])
            parents[i] = lines
            taken.update(lines)
            cell["column"] = span[0]
            break
    if not parents:
        starts = []
    merged: list[float] = []
    for t in sorted(starts):
        if not merged or t - merged[-1] > 2.5:
            merged.append(t)

    def level(top: float) -> int:
        return sum(1 for t in merged if top >= t - 2.5)

    rows: list[list[list[str]]] = [[[] for _ in cols] for _ in range(len(merged) + 1)]
    tops: list[list[float]] = [[] for _ in cols]
    open_at: list[int | None] = [None] * len(cols)  # the level of the cell being read, per column
    was_parent: list[bool] = [False] * len(cols)
    carried = {j for lines in parents.values() for j in lines[1:]}
    for i, cell in enumerate(cells):
        if i in carried:
            continue
        c = cell["column"]
        own = level(cell["top"])
        if i in parents:
            rows[own][c].append(join_lines([cells[j]["text"] for j in parents[i]], encoding=encoding))
            open_at[c], was_parent[c], tops[c] = own, True, [cell["top"]]
            continue
        if open_at[c] is None or (own != open_at[c] and was_parent[c]):
            open_at[c], was_parent[c] = own, False
            rows[own][c].append(cell["text"])
            tops[c] = [cell["top"]]
            continue
        lines = rows[open_at[c]][c]
        if tops[c] and abs(tops[c][-1] - cell["top"]) <= 2.5:
            lines[-1] += " " + cell["text"]
        else:
            lines.append(cell["text"])
            tops[c].append(cell["top"])
    return [[join_lines(x, encoding=encoding) for x in row] for row in rows]


def _wrapped_lines(segs, text_lines, body: list[int], upto: int) -> bool:
    """The lines between the last body line and `upto` sit within the columns of the
    body so far and as close together as its lines: a row's wrapped text."""
    columns = _columns(segs[i] for i in body)
    after = body[-1]
    pitch = max(
        (text_lines[j + 1][0]["top"] - text_lines[j][0]["top"] for j in range(after, upto)), default=0.0
    )
    height = max(w["bottom"] - w["top"] for w in text_lines[after])
    if pitch > 3 * height:
        return False
    # A wrapped word may be wider than what the body's first rows put in its column
    # ("THAÙI" under "THÒ" in a narrow one): it keeps within the gap before the next
    # column.
    ends = [x1 + 6 for _, x1 in columns]
    ends = [max(end, columns[k + 1][0] - 2) for k, end in enumerate(ends[:-1])] + ends[-1:]
    return all(
        any(x0 - 6 <= cell["x0"] <= x1 + 6 and cell["x1"] <= end for (x0, x1), end in zip(columns, ends))
        for j in range(after + 1, upto)
        for cell in segs[j]
    )


def _key_of(rows: list[list[str]]) -> tuple[str, ...]:
    return tuple(re.sub(r"[\W_]+", "", c.lower()) for row in rows for c in row)


def _column_of(cell, columns: list) -> int:
    """The column a cell overlaps most; one between columns (a header centred over
    right-aligned figures), the nearest."""
    overlaps = [min(x1, cell["x1"]) - max(x0, cell["x0"]) for x0, x1 in columns]
    best = max(range(len(columns)), key=overlaps.__getitem__)
    if overlaps[best] > 0:
        return best
    middle = (cell["x0"] + cell["x1"]) / 2
    return min(range(len(columns)), key=lambda c: max(columns[c][0] - middle, middle - columns[c][1]))


def _split_at(
    line: list[dict],
    columns: list,
    others: list[list[dict]] = (),
    gap: float | None = None,
    bounds: list[float] | tuple = (),
) -> list[dict]:
    """A header line's words in runs (`_segments`), a run cut where a body column starts
    between two of its words: header cells of narrow columns sit closer than the gap
    that tells cells apart, while a parent header ("Kết quả thu nhận hồ sơ") over two
    columns of figures stays whole.

    A run is also cut at a gap wider than a space where a run of the header's `others`
    lines starts or ends: a header wrapped onto lines keeps its lines' left edges (set
    left) or right edges (set right), so "Số người đủ Thu", two paddings apart over
    "điều kiện" and "nhận", is two cells ("Thu" starts where "nhận" does).  Two cells a
    plain space apart (two 2 pt paddings in a 13 pt font) are cut where a word of the other
    lines ends where the first ends and another starts where the second starts: "Thu" set
    right over "nhận" / "trong" / "ngày", "Lũy kế" set left over "thu" / "nhận"; or where a
    word starts as the lines under it do and as the figures set left under it do ("Số
    người Thu", "Thu" over "nhận" / "trong" / "ngày" and the day's figures)."""
    runs = [run for other in others for run in _pieces(other)]
    return _segments(
        line,
        [x0 for x0, _ in columns[1:]] + [run["x0"] for run in runs],
        header=True,
        ends=[run["x1"] for run in runs],
        edges=[[(w["x0"], w["x1"]) for w in other] for other in others],
        columns=len(columns) - 1,
        header_gap=_HEADER_GAP if gap is None else gap,
        bounds=bounds,
        boundaries=[
            (a["x1"], b["x0"]) for other in others for a, b in zip(_pieces(other), _pieces(other)[1:])
        ],
    )


def _pieces(line: list[dict]) -> list[dict]:
    """A line's words joined where they sit a plain space apart (at most 0,4 of the font's
    height), each piece with its left and right edge: what may be a cell's text."""
    out: list[dict] = []
    for word in sorted(line, key=lambda w: w["x0"]):
        if out and word["x0"] - out[-1]["x1"] <= 0.4 * (word["bottom"] - word["top"]):
            out[-1]["x1"] = word["x1"]
        else:
            out.append({"x0": word["x0"], "x1": word["x1"]})
    return out


def _wrapped_end(row: list[str], above: list[str]) -> bool:
    """A line without figures whose words sit only under text cells of the row above."""
    filled = [c for c, text in enumerate(row) if text]
    if not filled:
        return False
    # ("%" alone: a share cut by a narrow column, "13,3" / "%".)
    figures = [c for c in filled if _NUMBER.match(row[c]) or row[c] == "%"]
    # A figure cut by a narrow column ("173.12" / "3") carries on the figure above: then
    # even "cộng" is the end of the row above ("Tổng" / "cộng").
    if any(not _figure_continues(above[c], row[c]) for c in figures):
        return False
    # "Huyện …" opens a row of its own, but "huyện Tân Kỳ" in lower case carries on the
    # label above ("Cộng" / "huyện Tân Kỳ").
    first = row[filled[0]]
    if not figures and _OWN_ROW.match(first) and not first[:1].islower():
        return False
    return all(above[c] and (c in figures or not _NUMBER.match(above[c])) for c in filled)


def _within(columns: list, previous: list) -> bool:
    """Every column overlaps exactly one of the previous page's columns, each its own."""
    used = []
    for x0, x1 in columns:
        hits = [k for k, (p0, p1) in enumerate(previous) if min(x1, p1) - max(x0, p0) > 0]
        if len(hits) != 1 or hits[0] in used:
            return False
        used.append(hits[0])
    return True


def _cell_texts(table, chars: list[dict], encoding: str | None = None) -> list[list[str]]:
    """The text of each cell of a ruled table, "" for the grid cells a merged cell covers.

    Performance: pdfplumber's `Table.extract` tests every character against every row
    (820,000 tests for a 13-page report, half the PDF's import); here each character is
    placed by a binary search over the rows' and columns' edges."""
    rows = table.rows
    tops = [row.bbox[1] for row in rows]
    boxes = [[(cell, c) for c, cell in enumerate(row.cells) if cell is not None] for row in rows]
    cells: dict[tuple[int, int], list[dict]] = {}
    x0, top0, x1, bottom1 = table.bbox
    for char in chars:
        cx, cy = (char["x0"] + char["x1"]) / 2, (char["top"] + char["bottom"]) / 2
        if not (x0 <= cx <= x1 and top0 <= cy <= bottom1):
            continue
        r = bisect.bisect_right(tops, cy) - 1
        # The cell holding the point: in its row, or a merged cell reaching down from a
        # row above (its text, centred, sits lower than its first row).
        for above in range(r, max(r - 8, -1), -1):
            hit = next(
                (c for cell, c in boxes[above] if cell[0] <= cx <= cell[2] and cell[1] <= cy <= cell[3]), None
            )
            if hit is not None:
                cells.setdefault((above, hit), []).append(char)
                break
    _spilled_back(cells, rows)
    out = []
    for r, row in enumerate(rows):
        texts = []
        for c, cell in enumerate(row.cells):
            found = cells.get((r, c))
            texts.append(_join(found, cell, encoding) if cell is not None and found else "")
        out.append(texts)
    return out


def _spilled_back(cells: dict, rows) -> None:
    """Letters drawn past a cell's right rule into the next cell go back to their word.

    A header set wider than its cell (drawn with character spacing, or not clipped) runs
    over the rule: "Thu nhận trong ngà" | "yLũy kế thu nhận", the running total's header
    not recognised and the day's column read as the running total.  Up to three letters at
    the start of a cell that go on from a word of the cell on their left, itself running
    over the rule, on the same line, and end at a gap or under the cell's own text drawn
    over them, are that word's.
    Only letters: a right-set figure overflowing its cell keeps its digits where they are."""
    for r, row in enumerate(rows):
        for c, cell in enumerate(row.cells):
            if c == 0 or cell is None or (r, c) not in cells or row.cells[c - 1] is None:
                continue
            left = cells.get((r, c - 1))
            if not left:
                continue
            mine = sorted(cells[(r, c)], key=lambda ch: ch["x0"])
            first = mine[0]
            line = [ch for ch in mine if abs(ch["top"] - first["top"]) <= 2.5]
            size = first["bottom"] - first["top"]
            before = [ch for ch in left if abs(ch["top"] - first["top"]) <= 2.5 and ch["text"].isalpha()]
            if not first["text"].isalpha() or not before:
                continue
            end = max(before, key=lambda ch: ch["x1"])
            # The word on the left runs over the rule itself, and the letter goes on from it.
            if end["x1"] < cell[0] - 0.5 or abs(first["x0"] - end["x1"]) > 0.2 * size:
                continue
            run = [first]
            for ch in line[1:]:
                if not ch["text"].isalpha() or abs(ch["x0"] - run[-1]["x1"]) > 0.1 * size:
                    break  # a gap, or the cell's own text drawn over the spilled letters
                run.append(ch)
            if len(run) > 3 or len(run) == len(line):
                continue
            cells[(r, c - 1)] = left + run
            gone = {id(ch) for ch in run}
            cells[(r, c)] = [ch for ch in cells[(r, c)] if id(ch) not in gone]


def _join(chars: list[dict], box=None, encoding: str | None = None) -> str:
    """Characters of one cell → its text, line by line (a wrapped header is one text).

    With the cell's box: a line of one word that fills the cell's width is a word cut by
    the cell's edge ("NGHĨ" / "A ĐÀN" in a narrow column), not a word that ends there."""
    inked = [ch for ch in chars if ch["text"].strip()]
    upright = [ch for ch in inked if ch.get("turn") in (1, 3)]
    if inked and 2 * len(upright) > len(inked):
        return _join_upright(chars, upward=upright[0]["turn"] == 3, encoding=encoding)
    drawn = {id(ch): k for k, ch in enumerate(chars)}  # the order they were drawn in
    chars = sorted(chars, key=lambda ch: (ch["top"], ch["x0"]))
    lines: list[list[dict]] = []
    for char in chars:
        if lines and abs(lines[-1][0]["top"] - char["top"]) <= 2.5:
            lines[-1].append(char)
        else:
            lines.append([char])
    for line in lines:
        line.sort(key=lambda ch: ch["x0"])
    texts = [_line_text(line, drawn) for line in lines]
    cut = set()
    if box is not None and len(lines) > 1:
        inked = [[ch for ch in line if ch["text"].strip()] for line in lines]
        pad = min((line[0]["x0"] - box[0] for line in inked if line), default=0.0)
        inner = box[2] - box[0] - 2 * max(pad, 0.0)
        for i, line in enumerate(inked[:-1]):
            after = inked[i + 1]
            if not line or not after or " " in texts[i].strip():
                continue
            if line[-1]["x1"] - line[0]["x0"] + (after[0]["x1"] - after[0]["x0"]) > inner + 0.5:
                cut.add(i)
    return join_lines(texts, cut, encoding)


def _line_text(line: list[dict], drawn: dict) -> str:
    """A line's text, left to right; figures drawn over figures (a correction typed over a
    white box on the old figure in a PDF editor: "1.442" over "1.200", both in the text
    layer) are kept apart, each as drawn, "1.200 1.442", and refused as two numbers in a
    cell.  Sorted together they were one garble, "1.14.42200"."""
    text = "".join(ch["text"] for ch in line)
    figures = [ch for ch in line if ch["text"] in _FIGURE_CHARS]
    if not any(
        b["x0"] < a["x1"] - 0.5 * min(a["x1"] - a["x0"], b["x1"] - b["x0"])
        for a, b in zip(figures, figures[1:])
    ):
        return text
    runs: list[list[dict]] = [[]]
    for char in sorted(line, key=lambda ch: drawn.get(id(ch), 0)):
        if runs[-1] and char["x0"] < runs[-1][-1]["x0"]:
            runs.append([])  # the pen went back left: something drawn over
        runs[-1].append(char)
    runs.sort(key=lambda run: run[0]["x0"])
    return " ".join(t for t in ("".join(ch["text"] for ch in run).strip() for run in runs) if t)


_FIGURE_CHARS = frozenset("0123456789.,")


def _join_upright(chars: list[dict], upward: bool, encoding: str | None = None) -> str:
    """A cell whose text is written upright (turned a quarter: a header in a narrow column
    of a wide form): its lines are columns of characters, read bottom to top (turned
    left) or top to bottom (turned right), the lines left to right or right to left.  Read
    as level text, each character was a line of its own and the header came out reversed
    ("ềi đủ đ n â d g nô cố S"), the file refused as having no columns it knew."""
    order = sorted(chars, key=lambda ch: ch["x0"] if upward else -ch["x1"])
    lines: list[list[dict]] = []
    for char in order:
        if lines and abs((lines[-1][0]["x0"] + lines[-1][0]["x1"]) - (char["x0"] + char["x1"])) <= 5.0:
            lines[-1].append(char)
        else:
            lines.append([char])
    for line in lines:
        line.sort(key=lambda ch: -ch["bottom"] if upward else ch["top"])
    return join_lines(["".join(ch["text"] for ch in line) for line in lines], encoding=encoding)


# A figure cut by the cell's edge: its last group of digits short ("173.12" / "3").
_FIGURE_HEAD = re.compile(r"^\d{1,3}(?:[.,]\d{3})*[.,]\d{0,2}$|^\d{1,3}(?:[.,]\d{3})*[.,]?$")
_FIGURE_WHOLE = re.compile(r"^\d{1,3}(?:([.,])\d{3})(?:\1\d{3})*$")


def _figure_continues(head: str, tail: str) -> bool:
    """ "173.12" then "3": one figure cut by a narrow column ("173.123"); "1.234" then "5"
    stays two (the first is whole).  A percent sign alone goes back to its figure."""
    if tail == "%":
        return bool(re.fullmatch(r"[\d.,]+", head))
    if not tail or not tail[0].isdigit() or not _FIGURE_HEAD.match(head):
        return False
    tail_figure = tail.rstrip("%")
    return (
        bool(re.fullmatch(r"[\d.,]+", tail_figure))
        and _FIGURE_WHOLE.match(head + tail_figure) is not None
        and _FIGURE_WHOLE.match(head) is None
    )


def join_lines(lines: list[str], cut: set[int] | frozenset = frozenset(), encoding: str | None = None) -> str:
    """A cell's lines as one text.  A narrow column wraps a word where the line ends
    ("Hưng Nguyê" / "n"): two pieces that are no syllables by themselves but one
    together are one word again, and so are two that are (NGHĨ / A) when the line was seen
    to fill the cell (`cut`: the indices of such lines).  A figure cut short ("173.12" /
    "3") is whole again; otherwise lines are joined by a space.

    `encoding`: the page's text is in an old font (VNI, TCVN3; `_legacy_encoding`).  The
    text stays as drawn (the sheet's repair converts it and says so in the report), but
    the pieces are weighed as syllables in their Unicode reading: "Phöôøn" / "g" is
    "Phườn" / "g", one word "Phường", which as drawn is no syllable at all."""
    from cccd_analytics.ingest.syllables import is_vietnamese_syllable as syllable

    if encoding:
        from cccd_analytics.ingest import legacy_text

        def is_vietnamese_syllable(word: str) -> bool:
            return syllable(legacy_text.convert(word, encoding))

        def letters(word: str) -> bool:
            return legacy_text.convert(word, encoding).isalpha()
    else:
        is_vietnamese_syllable, letters = syllable, str.isalpha

    out, last = "", -1
    for i, line in enumerate(clean(x) for x in lines):
        if not line:
            continue
        if out:
            head, tail = out.rsplit(" ", 1)[-1], line.split(" ", 1)[0]
            whole = head + tail
            glue = _figure_continues(head, tail) or (
                letters(head)
                and letters(tail)
                and is_vietnamese_syllable(whole)
                and (last in cut or not (is_vietnamese_syllable(head) and is_vietnamese_syllable(tail)))
            )
            out += ("" if glue else " ") + line
        else:
            out = line
        last = i
    return out


def _legacy_encoding(words: list[dict]) -> str | None:
    """The old font encoding a page's text is drawn in (a VNI or TCVN3 font embedded as
    it was typed: the text layer holds the font's bytes, "Phöôøng" for "Phường"), or None.
    Only to weigh cut words (`join_lines`): the conversion itself is the sheet's repair."""
    from cccd_analytics.ingest import legacy_text

    texts = [w["text"] for w in words]
    if not any(not t.isascii() for t in texts):
        return None
    found = legacy_text.detect_legacy(texts)
    if found.encoding == "unicode" or found.confidence < legacy_text.DEFAULT_MIN_CONFIDENCE:
        return None
    return found.encoding


def _size_ok(table) -> bool:
    rows = table.rows
    return len(rows) >= 2 and max((len(r.cells) for r in rows), default=0) >= 3


def _inside(word: dict, boxes) -> bool:
    x = (word["x0"] + word["x1"]) / 2
    y = (word["top"] + word["bottom"]) / 2
    return any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)


def _lines(words: list[dict]) -> list[tuple[float, list[str]]]:
    """Words grouped into lines by their height on the page, left to right; a wide gap
    between words (two blocks side by side, as the letterhead's two halves) splits cells
    with a tab so the line keeps both."""
    rows: list[list[dict]] = []
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if rows and abs(rows[-1][0]["top"] - word["top"]) <= 2.5:
            rows[-1].append(word)
        else:
            rows.append([word])
    out = []
    for row in rows:
        row.sort(key=lambda w: w["x0"])
        parts, previous = [], None
        for word in row:
            if previous is not None and word["x0"] - previous["x1"] > 40:
                parts.append("\t")
            elif previous is not None:
                parts.append(" ")
            parts.append(word["text"])
            previous = word
        out.append((row[0]["top"], [clean(c) for c in "".join(parts).split("\t")]))
    return out
