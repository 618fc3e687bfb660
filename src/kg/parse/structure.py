"""The outline of a notice: sections (一、), subsections ((一)), tasks (1. / 1、 / (1)) and role lines.

Lines are classified one by one; numbered lines open blocks, role lines attach to the open block,
other lines continue the open block's text until its first role line. Role lines are label lines
and assignment sentences (由…负责, see kg.parse.roles); where an item has label lines, its
sentences stay task text. A task table (kg.parse.tables) is read in place of its lines: its section
rows open sections and its rows are task blocks with their units and deadline cells. Afterwards each section
is judged: sections with role lines hold tasks, and so does every section when the notice has no
role lines at all, except 工作要求-like sections. Within a task section the task level is the
Arabic-numbered level (else (1), else (一)); deeper items belong to the task above them unless
each of them has role lines of its own (then they are tasks, one level down).

A covering notice may carry its tasks in attachments after its closing date ("附件1", title,
body). With two or more attachments, each attachment is a top-level section and its number leads
every path in it; a single attachment is read as the body. Numbered lists without any section
heading give paths of one number.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from kg.model import Problem
from kg.parse.dates import date_line
from kg.parse.furniture import END_OF_PAGE, is_furniture
from kg.parse.normalise import EMPTY, Line, NText, Source
from kg.parse.numbering import CN, heading
from kg.parse.numerals import cn_int
from kg.parse.roles import RoleLine, split_inline
from kg.parse.tables import TaskTable
from kg.parse.units import find_role_markers

# A line standing alone that opens an attachment: 附件, 附件1, 附件二:
_ATTACHMENT = re.compile(rf"^附件(?P<n>\d{{1,2}}|[{CN}]{{1,3}})?:?$")
# Sections that state how to work, not what to do.
_REQUIREMENTS = re.compile(r"要求|保障|措施|组织领导|工作机制|督查|考核|指导思想|附则")
_TERMINAL = "。;!?)]】”’\"'"
_OPEN_ENDED = "、,;:和及与"

__all__ = ["Outline", "RoleLine", "SectionDraft", "TaskDraft", "outline", "split_inline"]


@dataclass
class Block:
    """A numbered item ((一), 1., (1)) with its continuation text and role lines."""

    level: int  # 2 = (一), 3 = 1., 4 = (1)
    number: int
    printed: str
    line: int
    whole: NText  # the marker line, marker included
    text: list[NText] = field(default_factory=list)
    roles: list[RoleLine] = field(default_factory=list)
    last_line: int = 0
    due: list[NText] = field(default_factory=list)  # a table row's 完成时限 cell
    table: bool = False  # a row of a task table
    # `text` before assignment sentences were cut off, used when label lines name the units after all
    full: list[NText] = field(default_factory=list)

    def add_text(self, text: NText, whole: NText, roles: list[RoleLine]) -> None:
        self.text.append(text)
        self.full.append(whole if any(r.sentence for r in roles) else text)


@dataclass
class SectionDraft:
    number: int
    printed: str
    title: NText
    heading: NText
    line: int
    blocks: list[Block] = field(default_factory=list)
    roles: list[RoleLine] = field(default_factory=list)


@dataclass
class Part:
    """The notice's body, or one attachment: its sections and the numbered items outside any."""

    number: int | None  # attachment number; None for the body
    line: int = 0
    title: NText = EMPTY
    heading: NText = EMPTY
    sections: list[SectionDraft] = field(default_factory=list)
    loose: list[Block] = field(default_factory=list)

    def blocks(self) -> list[Block]:
        return [b for s in self.sections for b in s.blocks] + self.loose


@dataclass
class TaskDraft:
    path: tuple[int, ...]
    text: NText
    roles: list[RoleLine]
    line: int
    last_line: int
    lines: set[int] = field(default_factory=set)
    due: list[NText] = field(default_factory=list)  # deadline cells (完成时限) of table rows
    table: bool = False


@dataclass
class Outline:
    preamble: list[Line] = field(default_factory=list)
    sections: list[SectionDraft] = field(default_factory=list)
    task_sections: list[SectionDraft] = field(default_factory=list)
    tasks: list[TaskDraft] = field(default_factory=list)
    closing: tuple[int, str] | None = None  # (line, ISO date) of the closing date line
    problems: list[Problem] = field(default_factory=list)
    task_lines: set[int] = field(default_factory=set)


def _label_roles(blocks: list[Block]) -> bool:
    return any(not r.sentence for b in blocks for r in b.roles)


def _counts_roles(section: SectionDraft) -> bool:
    """Whether a section's units make it a task section: in 工作要求-like sections only label
    lines count, as their sentences ("各成员单位密切配合") state how to work, not who does a task."""
    if _REQUIREMENTS.search(section.title.key):
        return _label_roles(section.blocks)
    return any(b.roles for b in section.blocks)


class _Reader:
    def __init__(self, source: Source, tables: Sequence[TaskTable] = ()) -> None:
        self.source = source
        self.tables = {t.first_line: t for t in tables}
        self.table_lines = {n for t in tables for n in range(t.first_line, t.last_line + 1)}
        self.out = Outline()
        self.parts = [Part(None)]
        self.part = self.parts[0]
        self.section: SectionDraft | None = None
        self.block: Block | None = None
        self.last_content = 0
        self.signed_off = False  # the closing date or the page footer ended a body that has tasks
        self.awaiting_title = False  # the line after "附件1" is the attachment's title
        self.body_text = False  # a sentence has been read (so a date line is a closing date)
        # Whether a block of self.parts has role lines, kept up to date by `with_roles` (asking the
        # blocks on every footer or date line would cost the number of blocks each time).
        self.tasks_seen = False

    def has_tasks_so_far(self) -> bool:
        return self.tasks_seen

    def with_roles(self, block: Block, roles: list[RoleLine] | None = None) -> Block:
        """`block`, after adding `roles` to its role lines."""
        if roles:
            block.roles += roles
        self.tasks_seen = self.tasks_seen or bool(block.roles)
        return block

    def run(self) -> Outline:
        for line in self.source.lines:
            table = self.tables.get(line.no)
            if table:
                self.feed_table(table)
            elif line.no not in self.table_lines:
                for piece in _pieces(line):
                    self.feed(piece)
        return self.finish()

    def feed_table(self, table: TaskTable) -> None:
        """A task table's rows, in place of its lines: sections, subsections and task blocks."""
        if self.signed_off:
            return
        self.awaiting_title = False
        last: Block | None = None
        for item in table.items:
            if item.kind == "section":
                self.section = SectionDraft(item.number, item.printed, item.text, item.heading, item.line)
                self.part.sections.append(self.section)
                last = None
                continue
            if item.continues and last is not None:
                if item.text:
                    last.text.append(item.text)
                    last.full.append(item.text)
                self.with_roles(last, item.roles)
                last.due += [item.due] if item.due else []
                last.last_line = item.last_line
                continue
            level = 2 if item.kind == "subsection" else 3
            block = Block(
                level, item.number, item.printed, item.line, item.heading, [item.text], list(item.roles),
                item.last_line, [item.due] if item.due else [], table=True, full=[item.text],
            )  # fmt: skip
            (self.section.blocks if self.section else self.part.loose).append(self.with_roles(block))
            last = block if level == 3 else None
        self.block = None
        self.last_content = table.last_line

    def feed(self, line: Line) -> None:
        key = line.text.key
        if not key or self.signed_off:
            return
        if is_furniture(key):
            if END_OF_PAGE.match(key) and self.has_tasks_so_far():
                self.signed_off = True  # share buttons, related links: the page body is over
            return
        when = date_line(key)
        if when:
            self.closing(line, when)
            return
        attachment = _ATTACHMENT.match(key)
        if attachment:
            self.open_attachment(line, attachment["n"])
            return
        self.last_content = line.no
        self.body_text = self.body_text or "。" in key
        numbered = heading(line.text)
        markers = find_role_markers(line.text)
        if markers and markers[0][0] == 0:
            numbered = None  # a role line that happens to look numbered is still a role line
        if self.awaiting_title:
            self.awaiting_title = False
            if numbered is None and not markers:
                self.part.title = self.part.heading = line.text
                return
        if numbered and numbered[0] == 1:
            level, number, printed, size = numbered
            self.section = SectionDraft(number, printed, line.text[size:], line.text, line.no)
            self.part.sections.append(self.section)
            self.block = None
        elif numbered:
            level, number, printed, size = numbered
            text, roles = split_inline(line.text[size:], line.no)
            block = Block(level, number, printed, line.no, line.text, [], roles, line.no)
            self.block = self.with_roles(block)
            self.block.add_text(text, line.text[size:].strip(" "), roles)
            (self.section.blocks if self.section else self.part.loose).append(self.block)
        elif markers and markers[0][0] == 0:
            _, roles = split_inline(line.text, line.no)
            if self.block:
                self.with_roles(self.block, roles)
                self.block.last_line = line.no
            elif self.section:
                self.section.roles += roles
            else:
                self.warn(line.no, "role-line-outside-task", "a role line stands outside any task")
        elif self.block and not self.block.roles:
            text, roles = split_inline(line.text, line.no, line_start=True)
            self.block.add_text(text, line.text, roles)
            self.with_roles(self.block, roles)
            self.block.last_line = line.no
        elif self.part.number is None and not self.section and not self.part.loose:
            self.out.preamble.append(line)

    def open_attachment(self, line: Line, printed: str | None) -> None:
        # self.parts is the body (number None) and the attachments so far
        number = cn_int(printed) if printed else len(self.parts)
        self.part = Part(number or 1, line=line.no, heading=line.text)
        self.parts.append(self.part)
        self.section = self.block = None
        self.awaiting_title = True

    def closing(self, line: Line, when: str) -> None:
        if not (self.body_text or self.has_tasks_so_far() or any(p.blocks() for p in self.parts)):
            self.out.preamble.append(line)  # a date in the page header, before the notice begins
            return
        if self.out.closing is None:
            self.out.closing = (line.no, when)
        self.last_content = line.no
        if self.has_tasks_so_far():
            self.signed_off = True
        else:
            # a covering notice whose tasks are in the attachment(s) after the sign-off
            self.parts = [Part(None)]
            self.part = self.parts[0]
            self.section = None
        self.block = None

    def warn(self, line: int | None, rule: str, message: str, focus: str | None = None) -> None:
        self.out.problems.append(Problem("warning", message, line, rule, focus))

    def finish(self) -> Outline:
        out = self.out
        doc_roles = any(
            any(_counts_roles(s) for s in p.sections) or any(b.roles for b in p.loose) for p in self.parts
        )
        filled = [p for p in self.parts if p.sections or any(b.roles for b in p.loose)]
        multi = sum(1 for p in filled if p.number is not None) >= 2
        for part in filled:
            if multi and part.number is not None:
                top = SectionDraft(part.number, str(part.number), part.title, part.heading, part.line)
                tasks = self.tasks_of_part(part, (part.number,), doc_roles, None)
                if tasks:
                    out.task_sections.append(top)
                    out.tasks += tasks
            else:
                out.tasks += self.tasks_of_part(part, (), doc_roles, out.task_sections)
        for t in out.tasks:
            out.task_lines |= t.lines
        self.check_cut_off(doc_roles)
        return out

    def tasks_of_part(
        self, part: Part, prefix: tuple[int, ...], doc_roles: bool, sections: list[SectionDraft] | None
    ) -> list[TaskDraft]:
        tasks: list[TaskDraft] = []
        if not part.sections:
            # a numbered list without section headings: tasks only when it carries role lines
            level = _task_level({b.level for b in part.loose})
            if level and any(b.roles for b in part.loose):
                tasks += self.tasks_of(part.loose, level, prefix, prefix[0] if prefix else None)
            return tasks
        carry = 0  # the last number of the section before: numbering may run on across sections
        for i, s in enumerate(part.sections):
            levels = {b.level for b in s.blocks}
            has_roles = _counts_roles(s)
            still_open = i == len(part.sections) - 1 and self.out.closing is None and 3 in levels
            if _REQUIREMENTS.search(s.title.key) and not has_roles:
                continue
            if doc_roles and not has_roles and not still_open:
                continue
            level = _task_level(levels)
            if level is None:
                continue
            found = self.tasks_of(s.blocks, level, (*prefix, s.number), s.number, carry)
            if found and sections is not None:
                sections.append(s)
            tasks += found
            carry = next((b.number for b in reversed(s.blocks) if b.level == level), carry)
        return tasks

    def tasks_of(
        self, blocks: list[Block], level: int, prefix: tuple[int, ...], section: int | None, carry: int = 0
    ) -> list[TaskDraft]:
        drafts: list[tuple[int | None, Block, list[Block]]] = []
        sub: int | None = None
        for b in blocks:
            if b.level < level:
                sub = b.number
            elif b.level == level:
                drafts.append((sub, b, []))
            elif drafts:
                drafts[-1][2].append(b)
        numbers = [b.number for _, b, _ in drafts]
        with_sub = len(set(numbers)) < len(numbers) and any(sb is not None for sb, _, _ in drafts)
        tasks: list[TaskDraft] = []
        previous = 0
        for sb, b, deeper in drafts:
            base = (*prefix, sb) if with_sub and sb is not None else prefix
            path = (*base, b.number)
            focus = ".".join(str(n) for n in path)
            runs_on = previous == 0 and carry and b.number == carry + 1
            if not with_sub and b.number != previous + 1 and not runs_on:
                where = f"{section}.{previous}" if section is not None else str(previous)
                self.warn(b.line, "task-numbering", f"task {focus} follows task {where}", focus)
            previous = b.number
            top = min((d.level for d in deeper), default=None)
            children = [d for d in deeper if d.level == top]
            if children and not b.roles and all(d.roles for d in children):
                # sub-items that each name their own units are tasks of their own
                groups: list[tuple[Block, list[Block]]] = []
                for d in deeper:
                    if d.level == top:
                        groups.append((d, []))
                    elif groups:
                        groups[-1][1].append(d)
                tasks += [self.draft((*path, d.number), d, below) for d, below in groups]
                continue
            tasks.append(self.draft(path, b, deeper))
        return tasks

    @staticmethod
    def draft(path: tuple[int, ...], b: Block, deeper: list[Block]) -> TaskDraft:
        # Label lines, where an item has them, name its units; its sentences are then task text.
        labelled = any(not r.sentence for x in (b, *deeper) for r in x.roles)
        pieces = list(b.full if labelled else b.text)
        roles = [r for r in b.roles if not (labelled and r.sentence)]
        lines = set(range(b.line, max(b.line, b.last_line) + 1))
        for d in deeper:
            own = [r for r in d.roles if not (labelled and r.sentence)]
            pieces.append(split_inline(d.whole, d.line)[0] if own else d.whole)
            pieces += (d.full if labelled else d.text)[1:]
            roles += own
            lines |= set(range(d.line, max(d.line, d.last_line) + 1))
        text = NText.join([p.strip(" ") for p in pieces])
        due = b.due + [x for d in deeper for x in d.due]
        return TaskDraft(path, text, roles, b.line, max(lines), lines, due, b.table)

    def check_cut_off(self, doc_roles: bool) -> None:
        out = self.out
        if not out.tasks:
            return
        last = out.tasks[-1]
        if last.table or last.last_line < self.last_content:
            return  # something (a requirements section, the closing date) follows the last task
        focus = ".".join(str(n) for n in last.path)
        reason = None
        if doc_roles and not last.roles:
            reason = "no unit line follows it"
        elif last.roles and (not last.roles[-1].content or last.roles[-1].content.key[-1] in _OPEN_ENDED):
            reason = "its unit line ends in the middle of a list"
        elif not doc_roles and last.text and last.text.key[-1] not in _TERMINAL:
            reason = "its text ends mid-sentence"
        if reason:
            self.warn(self.last_content, "cut-off", f"the text is cut off in task {focus}: {reason}", focus)
        elif out.closing is None:  # attachments end without a date of their own: no warning then
            self.warn(
                self.last_content,
                "no-closing",
                f"the text ends after task {focus} without a closing date; it may be cut off",
                focus,
            )


def _starts_item(text: NText) -> bool:
    if heading(text) or _ATTACHMENT.match(text.key):
        return True
    markers = find_role_markers(text[:12])
    return bool(markers) and markers[0][0] == 0


def _pieces(line: Line) -> list[Line]:
    """A notice whose line breaks were lost ("…落实。 一、稳定经济增长 1.地区生产总值…") is split
    again where the original had whitespace: only lines with several numbered items or role labels
    right after whitespace count, as Chinese prose itself has no spaces to split at."""
    text = line.text
    if len(text) < 120:
        return [line]
    gaps = [i for i in range(1, len(text)) if text.offs[i] - text.offs[i - 1] > 1 and text.key[i] != " "]
    if sum(1 for i in gaps if _starts_item(text[i : i + 12])) < 3:
        return [line]
    cuts = [0, *(i for i in gaps if text.key[i - 1] not in "、," and text.key[i] not in "、,"), len(text)]
    return [Line(line.no, text[a:b]) for a, b in zip(cuts, cuts[1:], strict=False) if b > a]


def _task_level(levels: set[int]) -> int | None:
    return next((lv for lv in (3, 4, 2) if lv in levels), None)


def outline(source: Source, tables: Sequence[TaskTable] = ()) -> Outline:
    """The outline of a notice; `tables` are its task tables (kg.parse.tables), read in their place."""
    return _Reader(source, tables).run()
