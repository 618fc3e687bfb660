"""The outline of a notice: sections (一、), subsections ((一)), tasks (1. / 1、 / (1)) and role lines.

Lines are classified one by one; numbered lines open blocks, role lines attach to the open block,
other lines continue the open block's text until its first role line. Afterwards each section
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
from dataclasses import dataclass, field

from kg.model import Problem, Role
from kg.parse.dates import date_line
from kg.parse.furniture import END_OF_PAGE, is_furniture
from kg.parse.normalise import EMPTY, Line, NText, Source
from kg.parse.numerals import cn_int
from kg.parse.units import find_role_markers

_CN = "一二三四五六七八九十"
_H1 = re.compile(rf"^(?:(?P<n>[{_CN}]{{1,3}})[、.,]|第(?P<m>[{_CN}]{{1,3}})(?:部分|章|篇)[、.,:]?)")
_H2 = re.compile(rf"^\((?P<n>[{_CN}]{{1,3}})\)")
# "1." but not "1.5万亩"; a year may follow the dot ("2.2022年9月底前…"), and "．" is never a decimal point.
_H3 = re.compile(r"^(?P<n>\d{1,3})(?:、|\.(?!\d)|\.(?=(?:19|20)\d{2}年))")
_H3_WIDE = re.compile(r"^(?P<n>\d{1,3})．")
_H4 = re.compile(r"^(?:\((?P<n>\d{1,3})\)|(?P<c>[①-⑳]))")
# A line standing alone that opens an attachment: 附件, 附件1, 附件二:
_ATTACHMENT = re.compile(rf"^附件(?P<n>\d{{1,2}}|[{_CN}]{{1,3}})?:?$")
# Sections that state how to work, not what to do.
_REQUIREMENTS = re.compile(r"要求|保障|措施|组织领导|工作机制|督查|考核|指导思想|附则")
_TERMINAL = "。;!?)]】”’\"'"
_OPEN_ENDED = "、,;:和及与"
_OPENERS = {"(": ")", "[": "]", "【": "】"}
_CLOSERS = set(_OPENERS.values())


@dataclass
class RoleLine:
    role: Role
    content: NText
    line: int


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


@dataclass
class Outline:
    preamble: list[Line] = field(default_factory=list)
    sections: list[SectionDraft] = field(default_factory=list)
    task_sections: list[SectionDraft] = field(default_factory=list)
    tasks: list[TaskDraft] = field(default_factory=list)
    closing: tuple[int, str] | None = None  # (line, ISO date) of the closing date line
    problems: list[Problem] = field(default_factory=list)
    task_lines: set[int] = field(default_factory=set)


def split_inline(text: NText, line: int) -> tuple[NText, list[RoleLine]]:
    """Task text and role parts of a line: "任务。(牵头单位:X;责任单位:Y)" or "牵头单位:X 责任单位:Y"."""
    markers = find_role_markers(text)
    if not markers:
        return text, []
    head = text[: markers[0][0]].strip(" ")
    if head.key[-1:] in _OPENERS:  # "(牵头单位:…)", "[牵头单位:…]", "【牵头单位:…】"
        head = head[:-1]
    roles = []
    for k, (_, end, role) in enumerate(markers):
        stop = markers[k + 1][0] if k + 1 < len(markers) else len(text)
        content = text[end:stop]
        depth = 0
        for i, ch in enumerate(content.key):  # an unbalanced closer ends the bracketed group
            if ch in _OPENERS:
                depth += 1
            elif ch in _CLOSERS:
                depth -= 1
                if depth < 0:
                    content = content[:i]
                    break
        roles.append(RoleLine(role, content, line))
    return head, roles


def _heading(text: NText) -> tuple[int, int, str, int] | None:
    """(level, number, printed, marker length) of a numbered line."""
    for level, rx, s in (
        (1, _H1, text.key),
        (2, _H2, text.key),
        (3, _H3, text.key),
        (3, _H3_WIDE, text.disp),
        (4, _H4, text.key),
    ):
        m = rx.match(s)
        if not m:
            continue
        printed = m.group("n") or (m.group("m") if level == 1 else m.group("c"))
        if printed is None:
            continue
        number = ord(printed) - ord("①") + 1 if level == 4 and m.group("c") else cn_int(printed)
        if number:
            return level, number, printed, m.end()
    return None


class _Reader:
    def __init__(self, source: Source) -> None:
        self.source = source
        self.out = Outline()
        self.parts = [Part(None)]
        self.part = self.parts[0]
        self.section: SectionDraft | None = None
        self.block: Block | None = None
        self.last_content = 0
        self.signed_off = False  # the closing date or the page footer ended a body that has tasks
        self.awaiting_title = False  # the line after "附件1" is the attachment's title
        self.body_text = False  # a sentence has been read (so a date line is a closing date)

    def has_tasks_so_far(self) -> bool:
        return any(b.roles for p in self.parts for b in p.blocks())

    def run(self) -> Outline:
        for line in self.source.lines:
            for piece in _pieces(line):
                self.feed(piece)
        return self.finish()

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
        heading = _heading(line.text)
        markers = find_role_markers(line.text)
        if markers and markers[0][0] == 0:
            heading = None  # a role line that happens to look numbered is still a role line
        if self.awaiting_title:
            self.awaiting_title = False
            if heading is None and not markers:
                self.part.title = self.part.heading = line.text
                return
        if heading and heading[0] == 1:
            level, number, printed, size = heading
            self.section = SectionDraft(number, printed, line.text[size:], line.text, line.no)
            self.part.sections.append(self.section)
            self.block = None
        elif heading:
            level, number, printed, size = heading
            text, roles = split_inline(line.text[size:], line.no)
            self.block = Block(level, number, printed, line.no, line.text, [text], roles, line.no)
            (self.section.blocks if self.section else self.part.loose).append(self.block)
        elif markers and markers[0][0] == 0:
            _, roles = split_inline(line.text, line.no)
            if self.block:
                self.block.roles += roles
                self.block.last_line = line.no
            elif self.section:
                self.section.roles += roles
            else:
                self.warn(line.no, "role-line-outside-task", "a role line stands outside any task")
        elif self.block and not self.block.roles:
            text, roles = split_inline(line.text, line.no)
            self.block.text.append(text)
            self.block.roles += roles
            self.block.last_line = line.no
        elif self.part.number is None and not self.section and not self.part.loose:
            self.out.preamble.append(line)

    def open_attachment(self, line: Line, printed: str | None) -> None:
        number = cn_int(printed) if printed else sum(1 for p in self.parts if p.number is not None) + 1
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
        doc_roles = self.has_tasks_so_far()
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
        for i, s in enumerate(part.sections):
            levels = {b.level for b in s.blocks}
            has_roles = any(b.roles for b in s.blocks)
            still_open = i == len(part.sections) - 1 and self.out.closing is None and 3 in levels
            if _REQUIREMENTS.search(s.title.key) and not has_roles:
                continue
            if doc_roles and not has_roles and not still_open:
                continue
            level = _task_level(levels)
            if level is None:
                continue
            found = self.tasks_of(s.blocks, level, (*prefix, s.number), s.number)
            if found and sections is not None:
                sections.append(s)
            tasks += found
        return tasks

    def tasks_of(
        self, blocks: list[Block], level: int, prefix: tuple[int, ...], section: int | None
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
            if not with_sub and b.number != previous + 1:
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
        pieces = list(b.text)
        roles = list(b.roles)
        lines = set(range(b.line, max(b.line, b.last_line) + 1))
        for d in deeper:
            pieces.append(d.whole if not d.roles else split_inline(d.whole, d.line)[0])
            pieces += d.text[1:]
            roles += d.roles
            lines |= set(range(d.line, max(d.line, d.last_line) + 1))
        text = NText.join([p.strip(" ") for p in pieces])
        return TaskDraft(path, text, roles, b.line, max(lines), lines)

    def check_cut_off(self, doc_roles: bool) -> None:
        out = self.out
        if not out.tasks:
            return
        last = out.tasks[-1]
        if last.last_line < self.last_content:
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
    if _heading(text) or _ATTACHMENT.match(text.key):
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


def outline(source: Source) -> Outline:
    return _Reader(source).run()
