"""What a format reader hands to the parser: plain text with line breaks, plus the tables in it.

`ReadDocument.text` is the text the parser reads and every `kg.model.Span` indexes. Readers of
structured formats (HTML, .docx) write it themselves, one paragraph per line and one table row per
line (cells separated by a TAB, a merged cell's text written once, at its top-left position), and
record where each paragraph, row and cell landed, so a task read from a table cell still points back
into `text`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from kg.errors import KgError

Format = Literal["txt", "html", "docx"]
BlockKind = Literal["paragraph", "row"]

CELL_SEP = "\t"

# Words that name columns of task tables in this genre; used only to recognise header rows.
HEADER_WORDS = (
    "序号", "编号", "类别", "分类", "领域", "任务", "工作", "内容", "措施", "目标", "指标", "事项",
    "单位", "部门", "领导", "分工", "时限", "时间", "节点", "进度", "备注", "说明",
)  # fmt: skip
_DIGIT = re.compile(r"[0-9０-９]")
_SENTENCE_END = re.compile(r"[。；;！？]")
_HEADER_MAX_LEN = 16
# Grid positions a document's tables may fill once merged cells are spread out. Notices have a few
# thousand; a few hundred bytes of rowspan/colspan could otherwise ask for hundreds of millions.
MAX_GRID_CELLS = 500_000


@dataclass(frozen=True)
class Cell:
    """One grid position of a table. A merged cell fills all positions it spans with the same value."""

    text: str  # cell text: lines joined with "\n", each line stripped
    row: int  # grid position of this copy
    col: int
    origin: tuple[int, int]  # grid position of the top-left cell of the merge (== (row, col) if unmerged)
    start: int | None = None  # offsets of the origin's text in ReadDocument.text (None: padding)
    end: int | None = None
    header: bool = False  # marked as a header by the source (<th>, <thead>, Word "repeat header row")

    @property
    def merged(self) -> bool:
        """True for every copy but the top-left one of a merged cell."""
        return self.origin != (self.row, self.col)


@dataclass
class Table:
    """A rectangular grid of cells, merged cells resolved by repeating the value."""

    cells: list[list[Cell]]
    index: int = 0  # position among the document's tables
    start: int | None = None  # offsets of the table's first and past its last character in text
    end: int | None = None

    @property
    def rows(self) -> list[list[str]]:
        return [[c.text for c in row] for row in self.cells]

    @property
    def width(self) -> int:
        return len(self.cells[0]) if self.cells else 0

    def __len__(self) -> int:
        return len(self.cells)

    def __iter__(self) -> Iterator[list[str]]:
        return iter(self.rows)

    def __getitem__(self, i: int) -> list[str]:
        return [c.text for c in self.cells[i]]

    def origins(self, i: int) -> int:
        """Number of distinct source cells holding text in row `i` (1 for a row spanning the table)."""
        return len({c.origin for c in self.cells[i] if c.text})

    def is_spanning_row(self, i: int) -> bool:
        """A row whose text sits in one cell across the whole width: a caption or a category row."""
        return self.origins(i) == 1 and self.width > 1

    def caption_rows(self) -> int:
        """Leading rows that hold a single text across the table (table titles such as 任务分解表)."""
        n = 0
        while n < len(self.cells) and (self.is_spanning_row(n) or self.origins(n) == 0):
            n += 1
        return n

    def header_rows(self, is_header_cell: Callable[[str], bool] | None = None) -> int:
        """Number of rows (captions included) before the body, e.g. 2 for a two-level header.

        Rows the source marked as headers win; otherwise a row is a header when all its filled cells
        pass `is_header_cell` (default: short, no digits, no sentence punctuation) and at least one
        names a column (HEADER_WORDS).
        """
        check = is_header_cell or _looks_like_header
        n = self.caption_rows()
        start = n
        while n < len(self.cells):
            row = self.cells[n]
            filled = [c for c in row if c.text]
            if not filled:
                break
            marked = all(c.header for c in filled)
            if not marked and not (all(check(c.text) for c in filled) and _names_a_column(filled)):
                break
            if n > start and self.is_spanning_row(n):
                break  # a category row directly under the header
            n += 1
        return n if n > start else 0

    def columns(self, is_header_cell: Callable[[str], bool] | None = None) -> list[str]:
        """Column names: the header rows' texts per column, levels joined by "/" (责任分工/牵头单位)."""
        first = self.caption_rows()
        last = self.header_rows(is_header_cell)
        names = []
        for col in range(self.width):
            parts: list[str] = []
            for r in range(first, last):
                text = _squash(self.cells[r][col].text)
                if text and (not parts or parts[-1] != text):
                    parts.append(text)
            names.append("/".join(parts))
        return names

    def find_column(self, *keywords: str) -> int | None:
        """Index of the first column whose name contains one of `keywords`."""
        for i, name in enumerate(self.columns()):
            if any(k in name for k in keywords):
                return i
        return None

    def body(self) -> list[list[Cell]]:
        """The rows after the header (all rows when no header was found)."""
        return self.cells[self.header_rows() :]

    def records(self) -> list[dict[str, str]]:
        """Body rows as {column name: cell text}; columns without a name are keyed by position."""
        names = [name or str(i) for i, name in enumerate(self.columns())]
        return [{name: c.text for name, c in zip(names, row, strict=True)} for row in self.body()]

    def is_key_value(self) -> bool:
        """A table of "key | value" pairs (索引号 | …, 发布机构 | …): page furniture, not tasks."""
        if self.width not in (2, 4, 6) or self.header_rows():
            return False
        keys = [row[i] for row in self.cells for i in range(0, self.width, 2) if row[i].text]
        return bool(keys) and all(
            len(_squash(k.text).rstrip(":：")) <= 8 and not _DIGIT.search(k.text) for k in keys
        )

    def key_values(self) -> dict[str, str]:
        """The pairs of a key/value table, keys without their trailing colon."""
        pairs: dict[str, str] = {}
        for row in self.cells:
            for i in range(0, self.width - 1, 2):
                key = _squash(row[i].text).rstrip(":：")
                if key and not row[i].merged:
                    pairs.setdefault(key, row[i + 1].text)
        return pairs


@dataclass(frozen=True)
class Block:
    """Where one paragraph or table row landed in `ReadDocument.text`, and where it came from."""

    kind: BlockKind
    start: int
    end: int
    locator: str | None = None  # e.g. "paragraph 12", "table 2 row 3"


@dataclass
class ReadDocument:
    """A file as the parser reads it."""

    text: str
    source: str  # the file name as given
    format: Format
    encoding: str | None = None  # for byte formats that had to be decoded
    tables: list[Table] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)

    def line_of(self, offset: int) -> int:
        """1-based line number of a text offset."""
        return self.text.count("\n", 0, offset) + 1


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _looks_like_header(text: str) -> bool:
    text = _squash(text)
    return len(text) <= _HEADER_MAX_LEN and not _DIGIT.search(text) and not _SENTENCE_END.search(text)


def _names_a_column(cells: list[Cell]) -> bool:
    return any(word in _squash(c.text) for c in cells for word in HEADER_WORDS)


@dataclass
class RawCell:
    """A cell as a reader finds it in the source, before the grid is resolved."""

    text: str
    rowspan: int = 1
    colspan: int = 1
    header: bool = False
    continues_above: bool = False  # Word's vMerge="continue": the cell above extends into this one
    skip_before: int = 0  # empty grid positions before this cell (Word's w:gridBefore)


class TextBuilder:
    """Accumulates the reader's output text and the offsets of what was written."""

    def __init__(self, name: str | None = None) -> None:
        self.name = name  # the file, for errors
        self._parts: list[str] = []
        self._length = 0
        self._cells = 0  # grid positions of the tables so far (see MAX_GRID_CELLS)
        self.blocks: list[Block] = []
        self.tables: list[Table] = []

    def _write(self, text: str) -> tuple[int, int]:
        start = self._length
        self._parts.append(text)
        self._length += len(text)
        return start, self._length

    def _newline(self) -> None:
        if self._parts and not self._parts[-1].endswith("\n"):
            self._write("\n")

    def paragraph(self, text: str, locator: str | None = None) -> None:
        """Write one paragraph on lines of its own (inner line breaks kept, lines stripped)."""
        lines = [line.strip() for line in text.split("\n")]
        text = "\n".join(line for line in lines if line)
        if not text:
            return
        self._newline()
        start, end = self._write(text)
        self._write("\n")
        self.blocks.append(Block("paragraph", start, end, locator))

    def table(self, raw_rows: list[list[RawCell]], locator: str | None = None) -> Table | None:
        """Resolve merges, write one line per row, and record the table with cell offsets."""
        grid = _resolve_grid(raw_rows, self._too_large)
        if not grid:
            return None
        width = max(len(row) for row in grid)
        self._cells += len(grid) * width
        if self._cells > MAX_GRID_CELLS:
            raise self._too_large()
        self._newline()
        index = len(self.tables)
        table_start = self._length
        cells: list[list[Cell]] = []
        offsets: dict[tuple[int, int], tuple[int, int]] = {}
        for r, row in enumerate(grid):
            row_start = self._length
            out: list[Cell] = []
            for c in range(width):
                if c:
                    self._write(CELL_SEP)
                if c >= len(row) or row[c] is None:
                    out.append(Cell("", r, c, (r, c)))
                    continue
                origin, raw = row[c]
                if origin == (r, c):
                    offsets[origin] = self._write(raw.text)
                start, end = offsets[origin]
                out.append(Cell(raw.text, r, c, origin, start, end, raw.header))
            row_end = self._length
            self._write("\n")
            where = f"{locator} row {r + 1}" if locator else None
            self.blocks.append(Block("row", row_start, row_end, where))
            cells.append(out)
        table = Table(cells, index, table_start, self._length - 1)
        self.tables.append(table)
        return table

    def text(self) -> str:
        return "".join(self._parts)

    def _too_large(self) -> KgError:
        return KgError(
            f"the tables are too large to read: more than {MAX_GRID_CELLS:,} cells once merged cells are "
            "spread out (rowspan/colspan)",
            code="unreadable",
            file=self.name,
        )


Slot = tuple[tuple[int, int], RawCell] | None


def _resolve_grid(raw_rows: list[list[RawCell]], too_large: Callable[[], KgError]) -> list[list[Slot]]:
    """Place cells on a grid: rowspan/colspan fill later positions; continue-cells join the cell above.

    Raises `too_large()` when the spans ask for more than MAX_GRID_CELLS positions.
    """
    grid: list[list[Slot]] = []
    pending: dict[tuple[int, int], Slot] = {}  # positions claimed by a rowspan from above
    budget = MAX_GRID_CELLS  # positions placed and claimed so far count against it
    for r, raw_row in enumerate(raw_rows):
        row: list[Slot] = []  # the next free column is always len(row)
        for raw in raw_row:
            # a rowspan reaching past the last row is cut (those positions are never taken)
            down_to = min(max(raw.rowspan, 1), len(raw_rows) - r)
            budget -= raw.skip_before + max(raw.colspan, 1) * down_to
            if budget < 0:
                raise too_large()
            _take_pending(pending, r, row)
            for _ in range(raw.skip_before):
                row.append(None)
                _take_pending(pending, r, row)
            origin = (r, len(row))
            for _ in range(max(raw.colspan, 1)):
                col = len(row)
                slot: Slot
                if raw.continues_above:
                    slot = grid[r - 1][col] if r and col < len(grid[r - 1]) else None
                else:
                    slot = origin, raw
                row.append(slot)
                for down in range(1, down_to):
                    pending[(r + down, col)] = slot
        _take_pending(pending, r, row)
        grid.append(row)
    # Rows that hold nothing are dropped.
    kept = [row for row in grid if any(slot and slot[1].text for slot in row)]
    return _renumber(kept) if len(kept) != len(grid) else grid


def _take_pending(pending: dict[tuple[int, int], Slot], r: int, row: list[Slot]) -> None:
    while (r, len(row)) in pending:
        row.append(pending.pop((r, len(row))))


def _renumber(grid: list[list[Slot]]) -> list[list[Slot]]:
    """After dropping empty rows, move each origin to the first position that still shows it."""
    first: dict[tuple[int, int], tuple[int, int]] = {}
    out: list[list[Slot]] = []
    for r, row in enumerate(grid):
        new_row: list[Slot] = []
        for c, slot in enumerate(row):
            if slot is None:
                new_row.append(None)
                continue
            origin, raw = slot
            first.setdefault(origin, (r, c))
            new_row.append((first[origin], raw))
        out.append(new_row)
    return out
