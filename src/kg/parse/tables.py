"""Task tables of HTML pages and .docx files: columns mapped by their header names, rows read as tasks.

A task table has a header row (or two: 责任分工 over 牵头单位 / 配合单位) naming a task column
(重点工作, 工作任务, 任务内容, …) and unit columns whose role follows from the name, with the same
label table as label lines (牵头单位 -> lead, 责任单位 -> responsible, 配合（责任）单位 -> cooperating,
责任领导 -> leader); optional 序号, 完成时限 and 类别 columns. Names and order vary.

Rows become outline items in reading order:
* a row spanning the table that is numbered like a heading (一、扩大有效需求, （一）…) is a section
  (or subsection); an unnumbered one (工业经济) is a category and adds nothing to paths; a
  numbered value in a 类别 column opens a section the same way;
* any other row with a task text is a task: number from 序号 (else the number printed at the
  start of the text, else the next number), units from the unit cells (a line break in a cell
  separates units like 、; "牵头单位:" labels and "X牵头,Y配合" inside a cell decide the role
  themselves), and the 完成时限 cell for deadlines;
* a row whose task cell is merged with the row above adds its units to that task.

A table without a header row that is as wide as the task table before it continues that table
(a table broken across pages). Everything keeps offsets into the document text, so spans work.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from kg.model import Role
from kg.parse.normalise import EMPTY, NText, Source, squeeze_key
from kg.parse.numbering import CN, heading
from kg.parse.numerals import cn_int
from kg.parse.roles import RoleLine, role_pieces, split_inline
from kg.parse.units import ROLE_LABELS, find_role_markers
from kg.readers import Cell, Table

Kind = Literal["number", "task", "aim", "due", "category"]
ItemKind = Literal["section", "subsection", "task"]

_NUMBER_NAMES = re.compile(r"^(?:序号|编号|序|号|项目编号|任务编号)$")
_DUE_WORDS = ("时限", "时间", "节点", "期限", "日期", "进度安排", "完成时")
_CATEGORY_WORDS = ("类别", "分类", "领域", "板块", "方面", "类型")
_TASK_WORDS = ("任务", "工作", "内容", "事项", "措施", "举措")
_AIM_WORDS = ("目标", "指标", "项目")  # the task column only when no column names a task
_UNIT_WORDS = ("单位", "部门", "主体")
_COOP_WORDS = ("配合", "协同", "参与", "协助", "协办")
_RESP_WORDS = ("责任", "承办", "实施", "落实", "主办", "主管")
_HEADER_MAX = 20
_SENTENCE_PUNCT = re.compile(r"[。;!?]")
_BARE_CN = re.compile(rf"^(?P<n>[{CN}]{{1,3}})[、.]?$")
_DIGITS = re.compile(r"\d+")
# A post written on its own line above the person in a leader cell: 副市长 / 王建军.
_POST_END = re.compile(r"(?:长|书记|主任|主席|委员|助理|巡视员|调研员|领导)$")


@dataclass
class TableItem:
    """One item a table adds to the outline."""

    kind: ItemKind
    number: int
    printed: str
    text: NText  # a task's text, or a section's title
    heading: NText  # the section row's whole text (sections); the task text (tasks)
    line: int
    last_line: int
    roles: list[RoleLine] = field(default_factory=list)
    due: NText = EMPTY
    continues: bool = False  # the row's 序号 or task cell is merged with the row above: same task


@dataclass
class TaskTable:
    first_line: int
    last_line: int
    items: list[TableItem]


@dataclass
class _Columns:
    width: int
    number: int | None = None
    task: int | None = None
    due: int | None = None
    category: int | None = None
    roles: list[tuple[int, Role]] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        """A task column, and unit columns or a 序号 (units may then sit in the task text)."""
        return self.task is not None and bool(self.roles or self.number is not None)


def column_kind(name: str) -> Kind | Role | None:
    """What a header cell names: a role (lead, responsible, cooperating, leader) or another column."""
    key = squeeze_key(name).rstrip(":")
    if not key:
        return None
    if _NUMBER_NAMES.match(key):
        return "number"
    if key in ROLE_LABELS:
        return ROLE_LABELS[key]
    if key.endswith("领导") and len(key) <= 8:
        return "leader"
    if any(w in key for w in _UNIT_WORDS):
        if "牵头" in key:
            return "lead"
        if any(w in key for w in _COOP_WORDS):
            return "cooperating"
        if any(w in key for w in _RESP_WORDS):
            return "responsible"
    if any(w in key for w in _DUE_WORDS):
        return "due"
    if any(w in key for w in _CATEGORY_WORDS):
        return "category"
    if any(w in key for w in _TASK_WORDS):
        return "task"
    if any(w in key for w in _AIM_WORDS):
        return "aim"
    return None


def _is_header_text(text: str) -> bool:
    key = squeeze_key(text)
    return len(key) <= _HEADER_MAX and not _SENTENCE_PUNCT.search(key) and not key.isdigit()


def _names_columns(filled: list[Cell], own: list[Cell], kinds: int) -> bool:
    """Whether a row reads as a header: short cells, `kinds` of them naming columns."""
    if not all(_is_header_text(c.text) for c in filled):
        return False
    return len({column_kind(c.text) for c in own} - {None}) >= kinds


def _header(table: Table) -> tuple[int, list[str]] | None:
    """(rows before the body, column names with levels joined by "/"), or None without a header."""
    start = table.caption_rows()
    end = start
    while end < len(table.cells):
        row = table.cells[end]
        filled = [c for c in row if c.text]
        if not filled or (end > start and table.is_spanning_row(end)):
            break
        # the first header row names at least two kinds of column; a lower level names one of its own
        own = [c for c in filled if not (c.merged and c.origin[0] < end)]
        if not all(c.header for c in filled) and not _names_columns(filled, own, 2 if end == start else 1):
            break
        end += 1
    if end == start:
        return None
    names = []
    for col in range(table.width):
        parts: list[str] = []
        for r in range(start, end):
            text = squeeze_key(table.cells[r][col].text)
            if text and (not parts or parts[-1] != text):
                parts.append(text)
        names.append("/".join(parts))
    return end, names


def _columns(names: list[str], width: int) -> _Columns:
    cols = _Columns(width=width)
    aim: int | None = None
    for i, name in enumerate(names):
        kind = next((k for k in map(column_kind, reversed(name.split("/"))) if k), None)
        if kind in ("lead", "responsible", "cooperating", "leader"):
            cols.roles.append((i, kind))  # type: ignore[arg-type]
        elif kind == "aim":
            aim = i if aim is None else aim
        elif kind in ("number", "task", "due", "category") and getattr(cols, kind) is None:
            setattr(cols, kind, i)
    if cols.task is None:
        cols.task = aim
    return cols


class _TableReader:
    def __init__(self, source: Source) -> None:
        self.source = source

    def cell_text(self, cell: Cell) -> NText:
        if cell.start is None or cell.end is None or not cell.text:
            return EMPTY
        return self.source.slice(cell.start, cell.end)

    def cell_list(self, cell: Cell, leader: bool) -> NText:
        """A unit cell with its line breaks turned into 、 (kept on the break's offset)."""
        if cell.start is None or cell.end is None or not cell.text:
            return EMPTY
        parts: list[NText] = []
        pos = cell.start
        raw = self.source.text
        while pos <= cell.end:
            stop = raw.find("\n", pos, cell.end)
            stop = cell.end if stop < 0 else stop
            piece = self.source.slice(pos, stop)
            if piece:
                if parts and not (leader and _POST_END.search(parts[-1].key)):
                    parts.append(NText("、", "、", (pos - 1,)))
                parts.append(piece)
            pos = stop + 1
        return NText.join(parts)

    def lines_of(self, row: list[Cell]) -> tuple[int, int] | None:
        own = [c for c in row if c.text and not c.merged and c.start is not None and c.end is not None]
        if not own:
            return None
        first = min(self.source.line_of(c.start) for c in own if c.start is not None)
        last = max(self.source.line_of(max(c.start, c.end - 1)) for c in own if c.start is not None and c.end)
        return first, last

    def section(self, text: NText, line: int, last: int) -> TableItem | None:
        found = heading(text)
        if not found or found[0] > 2:
            return None
        level, number, printed, size = found
        kind: ItemKind = "section" if level == 1 else "subsection"
        return TableItem(kind, number, printed, text[size:].strip(" "), text, line, last)

    def read(self, table: Table, cols: _Columns, body_start: int) -> list[TableItem]:
        items: list[TableItem] = []
        last_task: TableItem | None = None
        category: tuple[int, int] | None = None
        for r in range(body_start, len(table.cells)):
            row = table.cells[r]
            if not any(c.text for c in row):
                continue
            filled = [c for c in row if c.text]
            if _names_columns(filled, filled, 2):
                continue  # the header repeated (a table broken across pages)
            lines = self.lines_of(row)
            if lines is None:  # nothing of its own: every filled cell is merged from above
                continue
            line, last = lines
            if table.is_spanning_row(r):
                cell = next(c for c in row if c.text)
                found = self.section(self.cell_text(cell), line, last)
                if found:
                    items.append(found)
                continue  # an unnumbered category row adds nothing to paths
            if cols.category is not None and row[cols.category].origin != category:
                category = row[cols.category].origin
                found = self.section(self.cell_text(row[cols.category]), line, last)
                if found:
                    items.append(found)
            item = self.task_row(row, cols, line, last, last_task)
            if item is None:
                continue
            items.append(item)
            if item.kind == "task" and not item.continues:
                last_task = item
        return items

    def task_row(
        self, row: list[Cell], cols: _Columns, line: int, last: int, previous: TableItem | None
    ) -> TableItem | None:
        assert cols.task is not None
        task_cell = row[cols.task]
        number_cell = row[cols.number] if cols.number is not None else None
        number_text = squeeze_key(number_cell.text) if number_cell and not number_cell.merged else ""
        text = self.cell_text(task_cell)
        roles = self.unit_roles(row, cols, line)
        due = self.cell_text(row[cols.due]) if cols.due is not None else EMPTY
        merged_number = number_cell is not None and number_cell.merged and bool(number_cell.text)
        if previous is not None and not number_text and (task_cell.merged or merged_number):
            # one task over several rows: more units, or (under one 序号) more of its text
            more = EMPTY if task_cell.merged else text
            return TableItem(
                "task", previous.number, previous.printed, more, more, line, last, roles, due, True
            )
        if not text:
            return None
        if not roles and not due:
            bare = _BARE_CN.match(number_text)
            if bare:  # "一 | 扩大有效需求 |  | " names a section inside the columns
                number = cn_int(bare["n"]) or 0
                return TableItem("section", number, bare["n"], text, text, line, last)
            found = self.section(text, line, last) if not number_text else None
            if found:
                return found
        printed = ""
        found = heading(text)
        if found and found[0] >= 3:
            printed = found[2]
            text = text[found[3] :].strip(" ")
        digits = _DIGITS.findall(number_text)
        if digits:
            printed = digits[-1]
        elif number_text and cn_int(number_text.strip("、.")):
            printed = number_text.strip("、.")
        number = cn_int(printed) if printed else None
        if number is None:
            number = (previous.number + 1) if previous else 1
            printed = str(number)
        head, inline = split_inline(text, line)
        return TableItem("task", number, printed, head, head, line, last, inline + roles, due)

    def unit_roles(self, row: list[Cell], cols: _Columns, line: int) -> list[RoleLine]:
        out: list[RoleLine] = []
        for col, role in cols.roles:
            cell = row[col]
            content = self.cell_list(cell, role == "leader")
            if not content:
                continue
            at = self.source.line_of(cell.start) if cell.start is not None else line
            if find_role_markers(content):
                out += split_inline(content, at)[1]
            else:
                out += [RoleLine(r, piece, at) for r, piece in role_pieces(content, role)]
        return out


def task_tables(tables: Sequence[Table], source: Source) -> list[TaskTable]:
    """The tables that hold tasks, read into outline items."""
    reader = _TableReader(source)
    out: list[TaskTable] = []
    previous: _Columns | None = None
    for table in tables:
        if not table.cells or table.start is None or table.end is None or table.is_key_value():
            continue
        found = _header(table)
        if found:
            body_start, names = found
            cols = _columns(names, table.width)
        elif previous is not None and previous.width == table.width:
            body_start, cols = table.caption_rows(), previous
        else:
            continue
        if not cols.usable:
            continue
        items = reader.read(table, cols, body_start)
        if not cols.roles and not any(item.roles for item in items):
            continue  # numbered rows naming no unit anywhere: a table of figures, not of tasks
        previous = cols
        if items:
            first = source.line_of(table.start)
            out.append(TaskTable(first, source.line_of(max(table.start, table.end)), items))
    return out
