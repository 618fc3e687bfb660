"""Which units a line assigns, in which role: label parts and assignment sentences.

Label parts: "任务。(牵头单位:X;责任单位:Y)", "牵头单位:X 责任单位:Y" (see `units.ROLE_LABELS`).

Assignment sentences, read where notices put them (at the end of an item or on the line after it):

* "由市发改委、商务局负责。"                      -> responsible
* "(省财政厅牵头,省商务厅、税务局等相关部门按职责分工负责)"  -> lead, responsible
* "部门分工:市财政局牵头,各区、各部门配合。"         -> lead, cooperating
* "…,由市林业局负责。", "X负责,Y参与", "X为牵头单位", "由X会同Y负责" (X leads, Y cooperates),
  "…,牵头单位为X,配合单位为Y。"

A clause is a run of comma parts; a part ending in a role verb (牵头, 负责, 配合, 参与, 协助,
按职责分工负责, …) closes the unit list gathered since the previous verb. The sentence is taken
only when every listed item reads as a unit or group name; where the context is weak (a bare
sentence after 。 with neither 由 nor brackets nor a 分工: lead-in) every item must also begin
with a place or 各, so ordinary prose ("新建市民服务中心,…负责") is never read as units.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.model import Role
from kg.parse.normalise import NText, char_class
from kg.parse.units import ROLE_LABELS, UNIT_END, find_role_markers, split_list

OPENERS = {"(": ")", "[": "]", "【": "】"}
CLOSERS = set(OPENERS.values())
_BRACKETS = "".join(OPENERS) + "".join(OPENERS.values())

_VERB = re.compile(
    r"(?:(?:按|按照|根据|依据)(?:各自)?(?:职责|职能)(?:分工)?|分工|具体|共同|积极|全力|密切|主动)?"
    r"(?:(?P<lead>总牵头|牵头|负总责|主抓)|(?P<coop>协同配合|配合|参与|协助|协同|协办)|(?P<resp>负责|承办))"
    r"(?:负责|落实|实施|推进|抓总|组织实施|办理)?(?:做好|抓好)?(?:相关|有关|此项|本项|具体)?(?:工作|任务)?$"
)
_AS_LABEL = re.compile(
    "为(?P<label>"
    + "|".join(re.escape(k) for k in sorted(ROLE_LABELS, key=len, reverse=True) if ROLE_LABELS[k] != "leader")
    + ")$"
)
# "牵头单位为市发改委,配合单位为市财政局": labels written with 为 instead of a colon.
_LABEL_IS = re.compile(
    "(?P<label>"
    + "|".join(re.escape(k) for k in sorted(ROLE_LABELS, key=len, reverse=True) if len(k) > 2)
    + ")(?:为|是)"
)
_LEAD_IN = re.compile(r"(?:部门|责任|任务|职责|工作|单位)?分工:")
_SUBJECT = re.compile(r"(?:此项|该项|本项|以上|上述)?(?:工作|任务)?由")
_TOGETHER = "会同"
_TERMINAL = " 。.;,!?"
_CLAUSE_END = "。!?;"
# An agent's name ends like a unit, a group or a place (各区, 高新区); a trailing "(粮食局)" is an alias.
_PLACE_END = re.compile(r"[区县市镇乡旗协]$")
_TRAILING_PAREN = re.compile(r"\([^()]*\)$")
# Weak contexts: the item must also begin like a unit name (a place, a level prefix, 各).
_AGENT_START = re.compile(
    r"^(?:各|全|[省市县区旗](?!场|政(?!府)|容|域)|[\u4e00-\u9fff]{2,6}?(?:自治区|自治州|自治县|省|市|县|区|旗|盟|镇|乡))"
)
_MAX_ITEM = 30
_MAX_CLAUSE = 300  # an assignment clause is a short list; longer stretches are prose


@dataclass
class RoleLine:
    role: Role
    content: NText
    line: int
    sentence: bool = False  # read from an assignment sentence, not a "label:" part


def _top_parts(key: str, seps: str) -> list[tuple[int, int]]:
    """(start, end) of the parts between separators outside brackets."""
    out, depth, start = [], 0, 0
    for m in char_class(_BRACKETS + seps).finditer(key):
        ch, i = m.group(), m.start()
        if ch in OPENERS:
            depth += 1
        elif ch in CLOSERS:
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append((start, i))
            start = i + 1
    out.append((start, len(key)))
    return out


def _agent_like(label: str, strict: bool, inherited: bool) -> bool:
    if not label or len(label) > _MAX_ITEM or "由" in label:
        return False
    core = _TRAILING_PAREN.sub("", label) or label
    if not (UNIT_END.search(core) or _PLACE_END.search(core)):
        return False
    return not strict or inherited or bool(_AGENT_START.match(label))


def _agents_ok(content: NText, strict: bool) -> bool:
    parsed = split_list(content)
    if not parsed.runs:
        return False
    for run in parsed.runs:
        inherited = False  # a level prefix on an earlier item of the run distributes to later ones
        for item in run:
            key = item.text.key
            if not _agent_like(key, strict, inherited):
                return False
            inherited = inherited or bool(_AGENT_START.match(key))
    return True


def _agents(content: NText, role: Role, strict: bool) -> list[tuple[Role, NText]] | None:
    """The role pieces of one verb's unit list ("由X会同Y" gives X the lead, Y cooperating)."""
    content = content.strip(_TERMINAL)
    m = _SUBJECT.match(content.key)
    if m:
        content = content[m.end() :]
    cut = content.key.find(_TOGETHER)
    if cut > 0:
        left, right = content[:cut], content[cut + len(_TOGETHER) :]
        lead: Role = "cooperating" if role == "cooperating" else "lead"
        if _agents_ok(left, strict) and _agents_ok(right, False):
            return [(lead, left), ("cooperating", right)]
        return None
    return [(role, content)] if _agents_ok(content, strict) else None


def _verb_role(m: re.Match[str]) -> Role:
    if "label" in m.re.groupindex:
        return ROLE_LABELS[m["label"]]
    return "lead" if m["lead"] else "cooperating" if m["coop"] else "responsible"


def clause_roles(
    text: NText, default: Role | None = None, *, strict: bool = False
) -> list[tuple[Role, NText]] | None:
    """Role pieces of an assignment clause ("X牵头,Y配合"), or None when it is not one.

    With a `default` (the role of a label the clause follows), units after the last verb take
    that role, and 负责 keeps it ("牵头单位:市发改委负责" stays lead).
    """
    out: list[tuple[Role, NText]] = []
    start = 0
    for a, b in _top_parts(text.key, ",;"):
        part = text.key[a:b].rstrip(_TERMINAL)
        m = _VERB.search(part) or _AS_LABEL.search(part)
        if not m:
            continue
        role = _verb_role(m)
        if default is not None and role == "responsible":
            role = default
        found = _agents(text[start : a + m.start()], role, strict and default is None)
        if found is None:
            return None
        out += found
        start = b + 1
    rest = text[start:].strip(_TERMINAL)
    if rest:
        if default is None:
            return None
        out.append((default, rest))
    return out or None


def _label_clause(text: NText) -> list[tuple[Role, NText]] | None:
    """Role pieces of "牵头单位为X,配合单位为Y" (the clause starts with such a label), or None."""
    found = list(_LABEL_IS.finditer(text.key))
    if not found or found[0].start() != 0:
        return None
    out: list[tuple[Role, NText]] = []
    for k, m in enumerate(found):
        stop = found[k + 1].start() if k + 1 < len(found) else len(text)
        content = text[m.end() : stop].strip(_TERMINAL)
        if not _agents_ok(content, False):
            return None
        out.append((ROLE_LABELS[m["label"]], content))
    return out


def _matching_open(key: str, close: int) -> int | None:
    depth = 0
    for i in range(close, -1, -1):
        if key[i] in CLOSERS:
            depth += 1
        elif key[i] in OPENERS:
            depth -= 1
            if depth == 0:
                return i
    return None


def find_sentence(text: NText, *, line_start: bool = False) -> tuple[int, list[tuple[Role, NText]]] | None:
    """(where the assignment sentence starts, its role pieces) at the end of `text`, or None.

    `line_start`: `text` is a whole line of its own (not the rest of a numbered item), so a clause
    that fills it is an assignment line ("市财政局牵头,各区配合。").
    """
    key = text.key
    end = len(key)
    while end and key[end - 1] in _TERMINAL:
        end -= 1
    if not end:
        return None
    if key[end - 1] in CLOSERS:  # "…。(省财政厅牵头,…按职责分工负责)"
        opened = _matching_open(key, end - 1)
        if opened is None:
            return None
        inner = text[opened + 1 : end - 1]
        lead_in = _LEAD_IN.match(inner.key)
        found = clause_roles(inner[lead_in.end() :] if lead_in else inner)
        return (opened, found) if found else None
    lead_ins = list(_LEAD_IN.finditer(key, 0, end))
    if lead_ins:  # "部门分工:市财政局牵头,各区、各部门配合。"
        m = lead_ins[-1]
        found = clause_roles(text[m.end() : end])
        return (m.start(), found) if found else None
    begin = max(key.rfind(c, 0, end) for c in _CLAUSE_END) + 1
    for at in (begin + a for a, _ in _top_parts(key[begin:end], ",")):
        if end - at > _MAX_CLAUSE:
            continue
        labelled = _label_clause(text[at:end])
        if labelled:
            return at, labelled
        by = _SUBJECT.match(key, at)
        if not by and (at > begin or (begin == 0 and not line_start)):
            continue  # a comma clause counts only with 由; a sentence needs a sentence of its own
        found = clause_roles(text[at:end], strict=not by)
        if found:
            return at, found
    return None


def role_pieces(content: NText, role: Role) -> list[tuple[Role, NText]]:
    """A labelled list or a table cell: sentence verbs inside it override the role."""
    if role == "leader":
        return [(role, content)]
    found = clause_roles(content, role)
    return found if found else [(role, content)]


def split_inline(text: NText, line: int, *, line_start: bool = False) -> tuple[NText, list[RoleLine]]:
    """Task text and role parts of a line: "任务。(牵头单位:X;责任单位:Y)", "牵头单位:X 责任单位:Y",
    or "任务。由X负责。" / "任务。(X牵头,Y配合)" (see the module docstring)."""
    markers = find_role_markers(text)
    if not markers:
        found = find_sentence(text, line_start=line_start)
        if not found:
            return text, []
        cut, pieces = found
        head = text[:cut].strip(" ,;:")
        return head, [RoleLine(role, content, line, sentence=True) for role, content in pieces]
    head = text[: markers[0][0]].strip(" ")
    if head.key[-1:] in OPENERS:  # "(牵头单位:…)", "[牵头单位:…]", "【牵头单位:…】"
        head = head[:-1]
    roles = []
    for k, (_, end, role) in enumerate(markers):
        stop = markers[k + 1][0] if k + 1 < len(markers) else len(text)
        content = text[end:stop]
        depth = 0
        for i, ch in enumerate(content.key):  # an unbalanced closer ends the bracketed group
            if ch in OPENERS:
                depth += 1
            elif ch in CLOSERS:
                depth -= 1
                if depth < 0:
                    content = content[:i]
                    break
        roles += [RoleLine(r, piece, line) for r, piece in role_pieces(content, role)]
    return head, roles
