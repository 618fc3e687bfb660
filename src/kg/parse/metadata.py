"""Notice metadata: 文号, title, issuer, publisher, dates, 索引号, genre, 主送 and the notices it implements.

Sources, in order of trust: the portal's "key: value" fields, the notice's own lines (title line,
主送 line, the 根据《…》(文号) sentence, the closing date), and what the title implies
("X关于…的通知": issuer X, genre 通知).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kg.model import DocNumber, DocRef, Problem
from kg.parse.dates import parse_date
from kg.parse.docno import find_docnos, parse_docno
from kg.parse.furniture import fields
from kg.parse.normalise import Line, NText, Source
from kg.parse.places import Places
from kg.parse.structure import Outline
from kg.parse.units import labels_of, looks_like_unit

# 《党政机关公文处理工作条例》 第八条 (15 types) and the usual title forms of attachments.
GENRES = (
    "决议", "决定", "命令", "公报", "公告", "通告", "意见", "通知", "通报", "报告", "请示", "批复", "议案",
    "函", "纪要", "方案", "办法", "规划", "要点", "计划", "细则", "规定",
)  # fmt: skip
_GENRE_END = re.compile("(?:" + "|".join(GENRES) + ")$")
_TITLE_END = re.compile("的(?P<genre>" + "|".join(GENRES) + ")$")
_ORG_END = re.compile(r"(?:人民政府|政府|办公室|办公厅|委员会|局|委|厅|部|署|中心)$")
_ADDRESSEE_PREFIX = re.compile(r"^主送(?:机关|单位)?:")


@dataclass
class Metadata:
    number: DocNumber | None = None
    title: str | None = None
    issuer: str | None = None
    publisher: str | None = None
    date_written: str | None = None
    date_published: str | None = None
    index_number: str | None = None
    genre: str | None = None
    addressees: list[str] = field(default_factory=list)
    implements: list[DocRef] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _field_values(source: Source) -> dict[str, tuple[str, str, int]]:
    """First value of each portal field: key -> (display value, key value, line)."""
    out: dict[str, tuple[str, str, int]] = {}
    for line in source.lines:
        for name, start, stop in fields(line.text.key):
            value = line.text[start:stop].strip(" ")
            if value and name not in out:
                out[name] = (value.disp, value.key, line.no)
    return out


def _first(values: dict[str, tuple[str, str, int]], *names: str) -> tuple[str, str, int] | None:
    return next((values[n] for n in names if n in values), None)


def _title(preamble: list[Line]) -> tuple[NText, str, int] | None:
    """The title line(s): "X关于…的通知", possibly broken over up to three lines."""
    head = preamble[:8]
    for i in range(len(head)):
        joined = head[i].text
        for j in range(i, min(i + 3, len(head))):
            if j > i:
                joined = joined + head[j].text
            m = _TITLE_END.search(joined.key)
            if m and "关于" in joined.key and len(joined) <= 120:
                return joined, m["genre"], j
    return None


def _issuer_from_title(title: str) -> str | None:
    cut = title.find("关于")
    issuer = title[:cut] if cut > 0 else ""
    return issuer if issuer and _ORG_END.search(issuer) else None


def _signature(source: Source, closing_line: int | None) -> str | None:
    """The organisation named on the line just above the closing date."""
    if not closing_line:
        return None
    for no in range(closing_line - 1, max(0, closing_line - 4), -1):
        key = source.lines[no - 1].text.key
        if key:
            return source.lines[no - 1].text.disp if _ORG_END.search(key) and len(key) <= 30 else None
    return None


def _addressees(preamble: list[Line], places: Places) -> list[str]:
    for line in preamble:
        key = line.text.key
        if not key.endswith(":") or "。" in key:
            continue
        body = line.text[:-1]
        m = _ADDRESSEE_PREFIX.match(body.key)
        if m:
            body = body[m.end() :]
        labels = labels_of(body, places)
        if labels and all(looks_like_unit(lb) for lb in labels):
            return labels
    return []


def find_refs(text: NText, source: Source) -> list[DocRef]:
    """《title》(文号) citations in a line: kept when they carry a 文号 or read as a notice title
    ("…关于…的通知"), so 《政府工作报告》 or a law's name is not taken for a parent notice."""
    refs = []
    key = text.key
    i = key.find("《")
    while i >= 0:
        j = key.find("》", i + 1)
        if j < 0:
            break
        title = text[i + 1 : j]
        end = j + 1
        number = None
        if key.startswith("(", end):
            close = key.find(")", end)
            found = find_docnos(key[end + 1 : close]) if close > 0 else []
            if found and found[0][0] == 0:
                number = found[0][2]
                end = close + 1
        if number or ("关于" in title.key and _GENRE_END.search(title.key)):
            refs.append(DocRef(number=number, title=title.disp, span=source.span(text[i:end])))
        i = key.find("《", end)
    return refs


def read_metadata(source: Source, outline: Outline, places: Places) -> Metadata:
    meta = Metadata()
    values = _field_values(source)
    preamble = outline.preamble

    found = _title(preamble)
    title_end = -1
    if found:
        meta.title, meta.genre, title_end = found[0].disp, found[1], found[2]
    given_title = _first(values, "标题", "信息名称", "名称")
    if given_title and (not meta.title or len(given_title[0]) > len(meta.title)):
        meta.title = given_title[0]
        m = _TITLE_END.search(given_title[1])
        meta.genre = m["genre"] if m else meta.genre
    genre = _first(values, "体裁", "文种", "公文种类", "体裁分类")
    if genre and _GENRE_END.search(genre[1]):
        meta.genre = genre[0]

    number = _first(values, "文号", "发文字号")
    meta.number = parse_docno(number[1]) if number else None
    if meta.number is None:
        for line in preamble[:12]:
            hits = find_docnos(line.text.key)
            if hits and hits[0][0] == 0 and hits[0][1] == len(line.text.key):
                meta.number = hits[0][2]
                break

    issuer = _first(values, "发文机关", "发文单位")
    meta.issuer = (
        (issuer[0] if issuer else None)
        or (_issuer_from_title(meta.title) if meta.title else None)
        or _signature(source, outline.closing[0] if outline.closing else None)
    )
    publisher = _first(values, "发布机构", "所属机构")
    meta.publisher = publisher[0] if publisher else None
    index = _first(values, "索引号")
    meta.index_number = index[0] if index else None

    written = _first(values, "成文日期")
    field_date = parse_date(written[1]) if written else None
    closing_date = outline.closing[1] if outline.closing else None
    meta.date_written = closing_date or field_date
    if closing_date and field_date and closing_date != field_date:
        meta.problems.append(
            Problem(
                "warning",
                f"the closing date {closing_date} differs from the 成文日期 field {field_date}",
                outline.closing[0] if outline.closing else None,
                "date-mismatch",
            )
        )
    published = _first(values, "发布日期", "发布时间", "公开日期")
    meta.date_published = parse_date(published[1]) if published else None

    body = preamble[title_end + 1 :]
    meta.addressees = _addressees(body, places)
    for line in body:
        meta.implements += find_refs(line.text, source)
    return meta
