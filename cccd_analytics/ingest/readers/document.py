"""Word and PDF reports → sheets: what the two document readers share.

A report typed in Word (or exported to PDF) is a sequence of blocks: the letterhead (often
a small borderless table: "CÔNG AN TỈNH …" | "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), a
title, a paragraph or two with the date ("Số liệu tính đến … ngày …"), the table, then the
signatures.  A long table runs over pages: Word repeats its header rows on each page
(written once in the file), people type them again by hand, and a PDF draws them on every
page.  Here:

* each table of the document (numbered as Word numbers them: "Bảng 1", "Bảng 2" …)
  becomes a sheet, with the text blocks since the previous table above it and the text
  after it below it (so the layout finds the letterhead, the date line, the footer date
  and the signatures, exactly as in a spreadsheet);
* a table that carries on the one before (same columns, nothing but blank lines or a
  page break between, its first rows a copy of the header or data at once) is joined to
  it;
* rows that repeat the table's header rows or its column-number row are dropped;
* small tables (the letterhead, the signature block) are text, not tables.

Each sheet keeps, per row, where it was in the document (`Sheet.row_labels`: page and
row of the table), so that messages name the table, the page and its row.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from cccd_analytics.ingest.readers.workbook import Limits, ReadError, Sheet
from cccd_analytics.text import thousands

#: A table with fewer rows or columns than this is text (letterhead, signatures).
MIN_TABLE_ROWS = 3
MIN_TABLE_COLUMNS = 3
#: Lines of text kept above a table (the layout looks at the first 40 rows for its header).
MAX_LINES_ABOVE = 24
MAX_LINES_BELOW = 30
#: A table with fewer rows than this (a summary) does not end the text above the next one.
SMALL_TABLE_ROWS = 8


@dataclass
class Block:
    """A paragraph (one cell) or a table (rows of cells), with the page it starts on (PDF)."""

    rows: list[list[str]]
    is_table: bool
    page: int | None = None
    # Per row, the page it is on (PDF tables run over pages); None: `page` for all.
    row_pages: list[int | None] | None = None
    # The text between this block and the previous one is nothing but blank lines.
    joined_to_previous: bool = False
    number: int = 0  # the table's number in the document (1-based), 0 for text
    extra: dict = field(default_factory=dict)
    # Per row, the columns whose cell a cell above is merged down over (Word's vMerge), so
    # that a figure merged over several communes is refused as in a spreadsheet; None: none.
    covered: list[frozenset] | None = None
    # Per row, whether the page hides it (a web page saved by Excel: `display:none`); None:
    # no row hidden.  Kept beside the rows as they are joined and dropped, so that the sheet
    # says which of its rows are hidden, as an xlsx's does (`Sheet.hidden_rows`).
    hidden: list[bool] | None = None
    # Columns (from 0) the page hides (`Sheet.hidden_columns`).
    hidden_columns: frozenset = frozenset()

    def covered_rows(self) -> list[frozenset]:
        return self.covered if self.covered is not None else [frozenset()] * len(self.rows)

    def hidden_rows(self) -> list[bool]:
        return self.hidden if self.hidden is not None else [False] * len(self.rows)


class Grid(list):
    """A table's rows as a reader gives them, with the cells merged down (`Block.covered`)
    and the rows and columns the document hides (`Block.hidden`, `Block.hidden_columns`)."""

    covered: list[frozenset] | None = None
    hidden: list[bool] | None = None
    hidden_columns: frozenset = frozenset()


def clean(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def _key(row: list[str]) -> tuple[str, ...]:
    return tuple(re.sub(r"[\W_]+", "", c.lower()) for c in row)


def _filled(row: list[str]) -> int:
    return sum(1 for c in row if c)


def is_table(block: Block) -> bool:
    if not block.is_table:
        return False
    width = max((_filled(r) for r in block.rows), default=0)
    return len(block.rows) >= MIN_TABLE_ROWS and width >= MIN_TABLE_COLUMNS


def _repeats_header(row: list[str], header: list[tuple[str, ...]]) -> bool:
    """The row is one of the header's rows again.  A header cell cut short counts (a merged
    header cell drawn again on a new page loses its last line below the row's edge in
    LibreOffice's export: "Số công dân đủ điều" for "… đủ điều kiện").  A row of one cell
    counts only when it is exactly a header row: the top row of a three-row header whose
    other cells are merged down and centred lower holds its parent alone ("Kết quả thực
    hiện")."""
    key = _key(row)
    if _filled(row) < 2:
        return _filled(row) == 1 and key in header
    for h in header:
        if key == h:
            return True
        if (
            len(h) == len(key)
            and all(
                (not k and not c) or (k and c.startswith(k) and len(k) >= min(len(c), 3))
                for k, c in zip(key, h)
            )
            and sum(1 for k, c in zip(key, h) if k and k == c) >= 2
        ):
            return True
    return False


def _is_number(text: str) -> bool:
    return bool(re.fullmatch(r"[\d.,\s()]+", text or "")) and any(ch.isdigit() for ch in text)


def _is_figure(text: str) -> bool:
    """A figure, not a column number "(3)"."""
    return bool(re.fullmatch(r"[\d.,\s]+", text or "")) and any(ch.isdigit() for ch in text)


def _carry_split_row(previous: Block, block: Block, header: list[tuple[str, ...]]) -> None:
    """A row broken across the page (Word and LibreOffice let a tall row break): its
    last lines open the next page's table as a row without any figure ("Tân Lộc" under
    "Xã Thượng").  Their text goes back to the cells of the row they belong to; a figure
    is never extended by it."""
    k = 0
    while k < len(block.rows) and _repeats_header(block.rows[k], header):
        k += 1
    if k >= len(block.rows) or not previous.rows:
        return
    piece, last = block.rows[k], previous.rows[-1]
    if not _filled(piece) or any(_is_number(c) for c in piece) or not any(_is_number(c) for c in last):
        return
    from cccd_analytics.ingest.readers.pdf import join_lines

    for c, text in enumerate(piece):
        if text and c < len(last) and not _is_number(last[c]) and last[c]:
            # A word cut at the page's end is one again ("Xã Kỳ Gian" / "g").
            last[c] = join_lines([last[c], text], encoding=previous.extra.get("encoding"))
    del block.rows[k]
    if block.row_pages:
        del block.row_pages[k]
    if block.covered is not None:
        del block.covered[k]
    if block.hidden is not None:
        del block.hidden[k]


def stitch(blocks: list[Block]) -> list[Block]:
    """Join a table that carries on the previous one; drop repeated header rows."""
    out: list[Block] = []
    for block in blocks:
        previous = next((b for b in reversed(out) if b.is_table), None)
        # Lines said before the table already (a letterhead and title an Excel printout
        # repeats at every page's top): between two parts of one table, they carry it on.
        said = (
            {line for b in out[: out.index(previous)] if not b.is_table for line in _lines(b)}
            if previous is not None
            else set()
        )
        between_blank = previous is not None and all(
            not b.is_table and (_only_carries_on(b) or _lines(b) <= said)
            for b in out[out.index(previous) + 1 :]
        )
        if (
            is_table(block)
            and previous is not None
            and is_table(previous)
            and (between_blank or block.joined_to_previous)
            and _width(block) == _width(previous)
        ):
            header = [_key(r) for r in previous.rows[:4] if _filled(r)]
            starts_with_header = bool(block.rows) and _repeats_header(block.rows[0], header)
            if starts_with_header or _looks_like_data(block.rows[0], previous):
                _carry_split_row(previous, block, header)
                del out[out.index(previous) + 1 :]
                previous.row_pages = (previous.row_pages or [previous.page] * len(previous.rows)) + (
                    block.row_pages or [block.page] * len(block.rows)
                )
                if previous.covered is not None or block.covered is not None:
                    previous.covered = previous.covered_rows() + block.covered_rows()
                if previous.hidden is not None or block.hidden is not None:
                    previous.hidden = previous.hidden_rows() + block.hidden_rows()
                previous.hidden_columns |= block.hidden_columns
                if block.extra.get("borderless_pages"):
                    previous.extra["borderless_pages"] = (
                        previous.extra.get("borderless_pages", frozenset()) | block.extra["borderless_pages"]
                    )
                previous.rows.extend(block.rows)
                continue
        out.append(block)
    for block in out:
        if is_table(block):
            _drop_repeats(block)
    return out


# What people type between the two parts of a table split by a page break: "(Tiếp
# theo)", "Tiếp theo bảng 1", "(tiếp theo trang trước)", "Tiếp theo biểu trên", a page
# number ("Trang 2", "- 2 -", "2/3").
_CARRIES_ON = re.compile(
    r"^[(\[\-–—\s]*(?:tiep(?: theo)?(?: (?:bang|bieu)(?: so)?(?: \d+| tren)?)?(?: (?:o |tu )?trang truoc)?"
    r"|trang \d+(?: ?/ ?\d+)?|\d+(?: ?/ ?\d+)?)[)\]\-–—\s.:]*$"
)


def _only_carries_on(block: Block) -> bool:
    """A text block with nothing but blank lines or a continuation mark."""
    from cccd_analytics.text import fold

    text = " ".join(c for r in block.rows for c in r if c).strip()
    return not text or bool(_CARRIES_ON.match(fold(text)))


def _lines(block: Block) -> set[str]:
    """A text block's lines, folded, spaces squeezed; blank lines left out."""
    from cccd_analytics.text import fold

    return {" ".join(fold(" ".join(c for c in r if c)).split()) for r in block.rows} - {""}


def _width(block: Block) -> int:
    return max((len(r) for r in block.rows), default=0)


def _looks_like_data(row: list[str], previous: Block) -> bool:
    """A continuation that starts with data: a number in the first cell or figures."""
    figures = sum(1 for c in row if re.fullmatch(r"[\d.,\s]+", c or ""))
    return figures >= 2


def _drop_repeats(block: Block) -> None:
    """Rows that repeat one of the table's first rows (its header, its column numbers),
    typed again on a new page or drawn on every page of a PDF."""
    header = [_key(r) for r in block.rows[:4] if _filled(r)]
    pages = block.row_pages or [block.page] * len(block.rows)
    covered, hidden = block.covered_rows(), block.hidden_rows()
    rows, kept_pages, kept_covered, kept_hidden, seen_first = [], [], [], [], set()
    first_data = next(
        (i for i, r in enumerate(block.rows) if sum(1 for c in r if _is_figure(c)) >= 2), len(block.rows)
    )
    above_data = [_key(r) for r in block.rows[: min(4, first_data)] if _filled(r) >= 2]
    for i, (row, page) in enumerate(zip(block.rows, pages)):
        key = _key(row)
        if i >= 1 and _repeats_header(row, header) and key in seen_first:
            continue
        # A header row drawn again below the first figures may be cut short (see
        # `_repeats_header`).
        if i > first_data and _repeats_header(row, above_data):
            continue
        if i < 4:
            seen_first.add(key)
        rows.append(row)
        kept_pages.append(page)
        kept_covered.append(covered[i])
        kept_hidden.append(hidden[i])
    block.rows, block.row_pages = rows, kept_pages
    if block.covered is not None:
        block.covered = kept_covered
    if block.hidden is not None:
        block.hidden = kept_hidden


def blocks_of(parts) -> list[Block]:
    """A document's parts in order, each a line of text (str) or a table's grid (rows of
    cells), as blocks, the tables numbered from 1."""
    blocks: list[Block] = []
    tables = 0
    for part in parts:
        if isinstance(part, str):
            blocks.append(Block([[part]], is_table=False))
        else:
            tables += 1
            blocks.append(
                Block(
                    part,
                    is_table=True,
                    number=tables,
                    covered=getattr(part, "covered", None),
                    hidden=getattr(part, "hidden", None),
                    hidden_columns=getattr(part, "hidden_columns", frozenset()),
                )
            )
    return blocks


def sized_sheets(blocks: list[Block], file_name: str, limits: Limits) -> list[Sheet]:
    """`sheets` of a Word or web document, refused when its tables hold more cells than a
    table read whole may (`Limits.max_table_cells`)."""
    found = sheets(blocks)
    cells = sum(len(s.rows) * max((len(r) for r in s.rows), default=0) for s in found)
    if cells > limits.max_table_cells:
        raise ReadError(f"Tệp «{file_name}»: bảng quá lớn (hơn {thousands(limits.max_table_cells)} ô).")
    return found


def sheets(blocks: list[Block], label: str = "Bảng") -> list[Sheet]:
    """One sheet per table, with the text around it; none when the document has no table."""
    blocks = stitch(blocks)
    tables = [i for i, b in enumerate(blocks) if is_table(b)]
    out: list[Sheet] = []
    for k, i in enumerate(tables):
        # The text above a table reaches back over small tables (a summary "Chỉ tiêu |
        # Trong ngày | Lũy kế" between the date line and the main table) to the last
        # table with data rows of its own, whose title and date are its own.
        # A small table headed as this one is no summary but a table like it (a table per
        # district, five communes each, the district named in the prose above each): reached
        # over, the first district's line gave its district to the second table's communes.
        back = k
        while (
            back > 0
            and len(blocks[tables[back - 1]].rows) < SMALL_TABLE_ROWS
            and _key(blocks[tables[back - 1]].rows[0]) != _key(blocks[i].rows[0])
        ):
            back -= 1
        start = tables[back - 1] + 1 if back else 0
        end = tables[k + 1] if k + 1 < len(tables) else len(blocks)
        text = [r for b in blocks[start:i] if not is_table(b) for r in b.rows if any(r)]
        above = text[-MAX_LINES_ABOVE:]
        if len(text) > MAX_LINES_ABOVE:
            # Long prose between the letterhead and the table ("Căn cứ Kế hoạch số … ngày
            # 01/3/2023 …" over many lines): the letterhead and the date line above it are still
            # the table's.  Cut off, the date of a plan cited in the prose dated every figure.
            kept = [r for r in text[:-MAX_LINES_ABOVE] if _dated(r) or _authority(r)]
            above = kept[: MAX_LINES_ABOVE // 2] + above
        if k and not any(_dated(r) for r in above):
            # A report of a table per district ("II. HUYỆN NGHĨA ĐÀN" then its table): the
            # letterhead and the date line at the top of the document are every table's.
            top = [r for b in blocks[: tables[0]] if not is_table(b) for r in b.rows if any(r)]
            above = [r for r in top if _dated(r) or _authority(r)][: MAX_LINES_ABOVE // 2] + above
        below = [r for b in blocks[i + 1 : end] for r in b.rows if any(r)][:MAX_LINES_BELOW]
        table = blocks[i]
        width = max(_width(table), 1)
        rows = [_pad(r, width) for r in above] + [_pad(r, width) for r in table.rows]
        rows += [_pad(r, width) for r in below]
        pages = table.row_pages or [table.page] * len(table.rows)
        labels = [(None, None)] * len(above)
        counters: dict = {}
        for page in pages:
            counters[page] = counters.get(page, 0) + 1
            labels.append((page, counters[page]))
        labels += [(None, None)] * len(below)
        sheet = Sheet(f"{label} {table.number}", rows, height=len(rows))
        sheet.row_labels = labels
        sheet.pages = sorted({p for p in pages if p is not None})
        sheet.merged = _merged(table, len(above))
        sheet.hidden_rows = frozenset(len(above) + r for r, hides in enumerate(table.hidden_rows()) if hides)
        sheet.hidden_columns = table.hidden_columns
        sheet.borderless_pages = table.extra.get("borderless_pages", frozenset())
        out.append(sheet)
    return out


def _merged(table: Block, offset: int) -> list:
    """The table's cells merged down, as a spreadsheet's merged ranges on the sheet's rows
    (`Sheet.merged`: ((first row, column), (last row, column)), the table starting at row
    `offset`): the cell the merge starts at, and the rows it covers under it."""
    if table.covered is None:
        return []
    out = []
    width = _width(table)
    for column in range(width):
        top = None
        for i, covered in enumerate([*table.covered, frozenset()]):
            if column in covered:
                if top is None:
                    top = max(i - 1, 0)
                continue
            if top is not None:
                out.append(((offset + top, column), (offset + i - 1, column)))
                top = None
    return out


def _dated(row: list[str]) -> bool:
    from cccd_analytics.ingest import normalise

    line = " ".join(c for c in row if c)
    return bool(normalise.find_report_date(line) or normalise.find_day_month(line))


def _authority(row: list[str]) -> bool:
    from cccd_analytics.text import fold

    return any(re.match(r"(?:cong an|ubnd|uy ban nhan dan) ", fold(c)) for c in row if c)


def _pad(row: list[str], width: int) -> list[str]:
    return list(row) + [""] * (width - len(row)) if len(row) < width else list(row)
