"""parse_text / parse_file: one notice's text -> kg.model.Notice.

The steps live in their own modules (structure, metadata, units, targets, deadlines, reports,
reporting); this module runs them and collects their problems. Only KgError ever leaves it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

from kg.errors import KgError, NotFound, Refused
from kg.model import Assignment, Deadline, Notice, Problem, Section, Span, Task
from kg.parse.deadlines import find_deadlines
from kg.parse.furniture import is_furniture
from kg.parse.metadata import read_metadata
from kg.parse.normalise import Source
from kg.parse.places import Places, load_places, place_of_org
from kg.parse.reporting import find_reporting
from kg.parse.reports import REPORT, ref_context, report_name, report_of
from kg.parse.structure import Outline, SectionDraft, TaskDraft, outline
from kg.parse.tables import TaskTable, task_tables
from kg.parse.targets import find_targets
from kg.parse.units import mentions
from kg.readers import Table, read_bytes

PlacesArg = Places | Mapping[str, str | None] | None
T = TypeVar("T")

# "责任单位中排在第一位的为牵头单位": the notice's own rule for reading the lead from a list.
_FIRST_IS_LEAD = re.compile(r"(?:列|排|排名|排在|列在)第一(?:位|个)?的?(?:单位)?(?:为|是)牵头(?:单位|部门)")


def parse_file(path: Path, *, places: PlacesArg = None) -> Notice:
    """Read, decode and parse a notice file (.txt, .html, .docx: see kg.readers).

    Raises KgError: code "not-found" for a missing file, "refused" for anything that cannot be read
    as a notice's text (a directory, binary data, an undecodable or broken file).
    """
    path = Path(path)
    name = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NotFound(f"no such file: {name}", file=name) from None
    except OSError as exc:
        raise Refused(f"cannot read the file ({exc.strerror or exc})", file=name) from None
    try:
        document = read_bytes(data, path.name)
    except KgError as err:
        raise Refused(err.message, file=name, line=err.line, details=err.details) from None
    except Exception as exc:  # a reader bug or a malformed container the reader did not anticipate
        raise Refused(f"cannot read the file ({type(exc).__name__}: {exc})", file=name) from None
    notice = parse_text(document.text, path.name, places=places, tables=document.tables)
    notice.source_sha256 = hashlib.sha256(data).hexdigest()
    return notice


def parse_text(text: str, name: str, *, places: PlacesArg = None, tables: Sequence[Table] = ()) -> Notice:
    """Parse a notice's text. Never raises anything but KgError.

    `tables` are the tables a format reader found in `text` (`ReadDocument.tables`, whose cell
    offsets index `text`); task tables among them are read by their columns.
    """
    try:
        return _Parse(text, name, _places(places), tables).run()
    except KgError:
        raise
    except Exception as exc:  # a parser bug must reach the user as an error, not a traceback
        raise KgError(
            f"internal parser error ({type(exc).__name__}: {exc})",
            code="internal",
            file=name,
            status=500,
            exit_code=2,
        ) from exc


def _places(arg: PlacesArg) -> Places:
    if arg is None:
        return load_places()
    if isinstance(arg, Places):
        return arg
    return Places.from_mapping(arg)


class _Parse:
    def __init__(self, text: str, name: str, places: Places, tables: Sequence[Table] = ()) -> None:
        self.source = Source(text)
        self.tables = tables
        self.name = name
        self.places = places
        self.problems: list[Problem] = []

    def warn(
        self, message: str, line: int | None = None, rule: str | None = None, focus: str | None = None
    ) -> None:
        self.problems.append(Problem("warning", message, line, rule, focus))

    def guarded(self, what: str, focus: str, line: int, fn: Callable[[], list[T]]) -> list[T]:
        """Run one extractor; a failure costs that item, not the notice."""
        try:
            return fn()
        except Exception as exc:  # reported as a warning so the rest of the notice is still read
            self.warn(
                f"could not read the {what} of task {focus}: {type(exc).__name__}: {exc}",
                line,
                "internal-error",
                focus,
            )
            return []

    def run(self) -> Notice:
        src = self.source
        shape = outline(src, self.task_tables())
        meta = read_metadata(src, shape, self.places)
        notice = Notice(
            number=meta.number,
            title=meta.title,
            issuer=meta.issuer,
            publisher=meta.publisher,
            date_written=meta.date_written,
            date_published=meta.date_published,
            index_number=meta.index_number,
            genre=meta.genre,
            addressees=meta.addressees,
            implements=meta.implements,
            source_name=self.name,
            source_sha256=hashlib.sha256(src.text.encode("utf-8", "surrogatepass")).hexdigest(),
            text=src.text,
        )
        notice.jurisdiction = self.jurisdiction(notice)
        year = self.year(notice)
        first_is_lead = any(_FIRST_IS_LEAD.search(line.text.key) for line in src.lines)
        notice.tasks = [self.task(d, year, first_is_lead) for d in shape.tasks]
        notice.sections = [self.section(s, shape, notice, year) for s in shape.task_sections]
        self.link_parents(notice, year)
        other = [
            ln.text for ln in src.lines if ln.no not in shape.task_lines and not is_furniture(ln.text.key)
        ]
        notice.reporting = find_reporting(
            other, notice.sections, year, notice.date_written, notice.jurisdiction, self.places, src
        )
        problems = shape.problems + meta.problems + self.problems + self.notice_problems(notice)
        notice.problems = sorted(problems, key=lambda p: (p.line is None, p.line or 0))
        return notice

    def task_tables(self) -> list[TaskTable]:
        """The notice's task tables; a table that cannot be read is left to be read as lines."""
        try:
            return task_tables(self.tables, self.source)
        except Exception as exc:  # reported, so the rest of the notice is still read
            self.warn(f"could not read the tables: {type(exc).__name__}: {exc}", None, "internal-error")
            return []

    def jurisdiction(self, notice: Notice) -> str | None:
        for org in (notice.issuer, notice.publisher):
            place = place_of_org(org, self.places) if org else None
            if place:
                return place
        found = self.places.by_doc_code(notice.number.code) if notice.number else None
        return found.name if found else None

    @staticmethod
    def year(notice: Notice) -> int | None:
        for date in (notice.date_written, notice.date_published):
            if date:
                return int(date[:4])
        return notice.number.year if notice.number else None

    def task(self, draft: TaskDraft, year: int | None, first_is_lead: bool) -> Task:
        focus = ".".join(str(n) for n in draft.path)
        span = self.source.span(draft.text) or self.line_span(draft.line)
        task = Task(path=draft.path, text=draft.text.disp, span=span)
        task.assignments = self.guarded(
            "units", focus, draft.line, lambda: self.assignments(draft, focus, first_is_lead)
        )
        task.targets = self.guarded(
            "targets", focus, draft.line, lambda: find_targets(draft.text, self.source)
        )
        task.deadlines = self.guarded("deadlines", focus, draft.line, lambda: self.deadlines(draft, year))
        if not task.assignments:
            self.warn(f"task {focus} names no unit", draft.line, "task-without-unit", focus)
        return task

    def deadlines(self, draft: TaskDraft, year: int | None) -> list[Deadline]:
        """Deadlines in the task's text, then those of its 完成时限 cell not already stated."""
        out = find_deadlines(draft.text, year, self.source)
        dates = {d.date for d in out}
        for cell in draft.due:
            found = [d for d in find_deadlines(cell, year, self.source, cell=True) if d.date not in dates]
            out += found
            dates.update(d.date for d in found)
        return out

    def assignments(self, draft: TaskDraft, focus: str, first_is_lead: bool) -> list[Assignment]:
        out: list[Assignment] = []
        seen: set[tuple[str, str]] = set()
        for role_line in draft.roles:
            found = mentions(role_line.content, role_line.role, self.source, self.places)
            if not found:
                self.warn(
                    f"an empty {role_line.role} line in task {focus}",
                    role_line.line,
                    "empty-role-line",
                    focus,
                )
            for role, mention in found:
                if (role, mention.label) in seen:
                    continue  # the same unit twice in one role adds nothing
                seen.add((role, mention.label))
                out.append(Assignment(role=role, unit=mention, order=len(out) + 1))
        if first_is_lead and not any(a.role == "lead" for a in out):
            # the notice's rule: the unit listed first among the responsible ones leads
            first = next((a for a in out if a.role == "responsible"), None)
            if first:
                first.role, first.implicit = "lead", True
        return out

    def line_span(self, line: int) -> Span:
        text = self.source.lines[line - 1].text
        return self.source.span(text) or Span(0, 0, line, "")

    def section(self, draft: SectionDraft, shape: Outline, notice: Notice, year: int | None) -> Section:
        span = self.source.span(draft.heading) or self.line_span(draft.line)
        section = Section(number=draft.number, printed=draft.printed, title=draft.title.disp, span=span)
        found = report_of(draft.title.key, notice.jurisdiction, self.places, year)
        if found:
            section.report, section.report_place = report_name(*found), found[1]
        elif REPORT in draft.title.key:
            self.warn(
                f"cannot tell which place's work report section {draft.number} decomposes",
                draft.line,
                "report-unresolved",
                str(draft.number),
            )
        return section

    def link_parents(self, notice: Notice, year: int | None) -> None:
        """Section.based_on = the implemented notice whose title names the same report."""
        keyed = []
        for ref in notice.implements:
            if ref.number is None or not ref.title:
                continue
            context = ref_context(ref.title, ref.number.code, self.places)
            found = report_of(ref.title, context, self.places, ref.number.year)
            if found:
                keyed.append((report_name(*found), ref.number.id))
        for section in notice.sections:
            matches = [doc for report, doc in keyed if report == section.report]
            if len(matches) == 1:
                section.based_on = matches[0]

    def notice_problems(self, notice: Notice) -> list[Problem]:
        out = []
        if not notice.tasks:
            why = "the text is empty" if not self.source.text.strip() else "no numbered tasks were found"
            out.append(
                Problem(
                    "warning", f"this does not read as a task-decomposition notice: {why}", None, "no-tasks"
                )
            )
        if notice.number is None and notice.tasks:
            out.append(Problem("warning", "no 文号 found", None, "no-doc-number"))
        return out
