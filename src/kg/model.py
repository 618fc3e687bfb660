"""The reading of one notice, as plain data: what `kg.parse` produces and `kg.graph` turns into RDF.

Every extracted item carries a `Span` into the *original* file text, so any answer can be
traced back to the exact source sentence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

Role = Literal["lead", "responsible", "cooperating", "leader"]
MentionKind = Literal["unit", "group", "post"]
Granularity = Literal["day", "month", "quarter", "half", "year"]
Severity = Literal["violation", "warning", "info"]


@dataclass(frozen=True)
class Span:
    """A stretch of the original text: character offsets (start inclusive, end exclusive) and line."""

    start: int
    end: int
    line: int  # 1-based line number of `start` in the original text
    quote: str  # the original characters text[start:end], stray spaces and all


@dataclass(frozen=True)
class DocNumber:
    """A 文号 such as 新密政办〔2021〕6号 (GB/T 9704: 发文机关代字 + 〔年份〕 + 发文顺序号)."""

    code: str  # 发文机关代字, e.g. "新密政办"
    year: int
    seq: int

    @property
    def id(self) -> str:
        """Canonical written form, e.g. 新密政办〔2021〕6号."""
        return f"{self.code}〔{self.year}〕{self.seq}号"


@dataclass
class DocRef:
    """A document named in the text (a notice this one implements)."""

    number: DocNumber | None
    title: str | None
    span: Span | None = None


@dataclass
class UnitMention:
    """One unit, group or post named in a role line, after prefix and 各 distribution."""

    label: str  # normalised label with the jurisdiction prefix distributed: 市住建局, 各街道办事处
    written: str  # the item as it stood in the list, spaces removed: 住建局, 街道办事处
    kind: MentionKind = "unit"
    excludes: list[str] = field(default_factory=list)  # labels excluded from a group: 青屏街办事处
    span: Span | None = None


@dataclass
class Assignment:
    role: Role
    unit: UnitMention
    order: int = 0  # position within the task's role line(s), for stable output order
    implicit: bool = False  # lead inferred from an explicit rule in the notice (列第一位的为牵头单位)


@dataclass
class Target:
    """A quantitative target as an interval in the base unit (万/亿 folded in)."""

    text: str  # the phrase, normalised: 完成森林抚育1万亩
    indicator: str  # what is measured: 森林抚育
    low: Decimal | None
    high: Decimal | None
    unit: str  # base unit: 亩, 元, 个, %, 人次
    stated_value: str  # number as written: "1万", "6亿", "3至5"
    stated_unit: str  # unit as written: 万亩, 亿元, 个
    comparator: str  # one of: eq, gteq, gt, lteq, lt, range
    approximate: bool = False  # 左右, 约
    span: Span | None = None


@dataclass
class Deadline:
    date: str  # ISO date, the last day the stated period allows: 2021-12-31
    granularity: Granularity
    text: str  # 2021年底前, 上半年
    span: Span | None = None


@dataclass
class Task:
    path: tuple[int, ...]  # full printed numbering, e.g. (2, 23); section first
    text: str  # normalised task text (stray spaces removed)
    span: Span
    assignments: list[Assignment] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    deadlines: list[Deadline] = field(default_factory=list)

    @property
    def section(self) -> int:
        return self.path[0]

    @property
    def number(self) -> int:
        return self.path[-1]


@dataclass
class ReportingDue:
    """When and to whom progress on a section's tasks is reported."""

    section: int
    dates: list[str]  # ISO dates
    to: str | None  # 市督查局绩效科
    span: Span | None = None


@dataclass
class Section:
    number: int  # 一 -> 1
    printed: str  # 一
    title: str
    span: Span
    report: str | None = None  # the work report it decomposes: 2021年河南省政府工作报告
    report_place: str | None = None  # 河南省
    based_on: str | None = None  # 文号 id of the parent notice it comes through


@dataclass
class Problem:
    """A warning or refusal reason, always with file and line when known."""

    severity: Severity
    message: str
    line: int | None = None
    rule: str | None = None  # short machine name, e.g. "task-without-unit"
    focus: str | None = None  # the task path or node it is about, e.g. "2.23"


@dataclass
class Notice:
    number: DocNumber | None
    title: str | None
    issuer: str | None  # 新密市人民政府办公室
    publisher: str | None = None  # 新密市人民政府 (发布机构)
    jurisdiction: str | None = None  # 新密市, derived from the issuer
    date_written: str | None = None  # 成文日期, ISO
    date_published: str | None = None  # 发布日期, ISO
    index_number: str | None = None  # 索引号
    genre: str | None = None  # 体裁 / 文种: 通知
    addressees: list[str] = field(default_factory=list)
    implements: list[DocRef] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    reporting: list[ReportingDue] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    source_name: str = ""  # file name as given
    source_sha256: str = ""
    text: str = ""  # the original text (after decoding), which every Span indexes
