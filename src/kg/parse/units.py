"""Role lines (牵头单位: …, 责任单位: …) and the unit lists they carry.

A list is split into comma runs (`,` `;`), each run into items (`、`, and 及/和/与 between two
complete unit names). Within a run a jurisdiction prefix (省/市/县/区/旗) distributes over later
items that have no place of their own ("市发展改革委、住建局" -> 市住建局), and 各 distributes over
later group nouns ("各乡镇政府、街道办事处" -> 各街道办事处). Township and other place-named units and
groups never get a prefix, nor names with their level inside (团市委). "(X、Y除外)" lists units
excluded from the groups of the same line; "…等相关部门" closes a list and names no unit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kg.model import MentionKind, Role, UnitMention
from kg.parse.normalise import NText, Source, char_class
from kg.parse.places import Places

_LEADER_LABELS = [
    f"{a}{b}领导"
    for a in ("牵头", "牵头负责", "负责", "责任", "分管", "主管", "联系", "包联")
    for b in ("", "省", "市", "县", "区", "旗")
]
ROLE_LABELS: dict[str, Role] = {
    **dict.fromkeys(
        [
            "牵头单位", "牵头部门", "牵头责任单位", "牵头责任部门", "主要责任单位", "主责单位", "主责部门", "责任牵头单位",
            "主办单位", "牵头",
        ],
        "lead",
    ),
    **dict.fromkeys(["责任单位", "责任部门", "落实单位", "实施单位"], "responsible"),
    **dict.fromkeys(
        [
            "配合单位", "配合部门", "配合责任单位", "配合(责任)单位", "协同责任单位", "协同配合单位", "协同单位",
            "协同部门", "参与单位", "参加单位", "协办单位", "协助单位", "配合", "参与", "协办",
        ],
        "cooperating",
    ),
    **dict.fromkeys(_LEADER_LABELS, "leader"),
}  # fmt: skip
ROLE_RE = re.compile(
    "(?P<label>" + "|".join(re.escape(k) for k in sorted(ROLE_LABELS, key=len, reverse=True)) + "):"
)

# What a unit or group name ends with; used to tell "街道办事处及伏羲山管委会" (two items) from
# "住房和城乡建设局" (one).
UNIT_END = re.compile(
    r"(?:局|委|委员会|办|办公室|中心|政府|处|会|公司|院|队|所|站|部|厅|室|单位|部门|街道|乡镇|社|行|馆|团|联|协|署|台|组|科|股|校|大队|支队|集团|分局)$"
)
# "…等相关部门" closes a list: it names no further unit.
_ETC = re.compile(r"等(?:其他|其它)?(?:相关|有关)?(?:职能)?(?:部门|单位|成员单位)?$")
# Items that 各 distributes onto: nouns naming a kind of unit, not a unit.
_GROUP_NOUN = re.compile(
    r"^(?:相关|有关|所属|直属)?(?:(?:乡镇|乡|镇|街道|县\([^()]{1,8}\)|县市区|县区|区县|县|区|村|社区)"
    r"(?:人民政府|政府|办事处|街道办事处|党委|党工委|村委会|居委会)?|部门|单位|成员单位)$"
)
# Units named after a township, subdistrict or scenic area: they carry their own place.
_PLACE_NAMED = re.compile(
    r"(?:(?:镇|乡)(?:人民政府|政府|党委)?|办事处|街道|(?:山|湖|景区|风景区|旅游区|度假区)(?:管委会|管理委员会|管理处|管理局))$"
)
_GROUP = re.compile(r"^各|各(?:成员)?(?:单位|部门)|(?:单位|部门)$")
_JURISDICTION = "省市县区旗"
# Words that start with a jurisdiction character without being a jurisdiction prefix.
_NOT_JURISDICTION = re.compile(r"^(?:市场|市政(?!府)|市容|区域|县域|区块|省市)")
# Names that carry their level inside: 团市委, 团县委 (the Youth League committee of that level).
_OWN_LEVEL = re.compile(r"^团[省市县区旗]委")
_GE = re.compile(r"^各(?:相关|有关)?")
_CONJ = "及和与"


def is_group(label: str) -> bool:
    return bool(_GROUP.search(label))


def looks_like_unit(label: str) -> bool:
    """Whether a label reads as an organisation or group name (for 主送 lines)."""
    return bool(label) and (is_group(label) or bool(UNIT_END.search(label)))


def _split_top(nt: NText, seps: str) -> list[NText]:
    """Split at separator characters outside parentheses."""
    out, depth, start = [], 0, 0
    for m in char_class("()" + seps).finditer(nt.key):
        ch = m.group()
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(nt[start : m.start()])
            start = m.start() + 1
    out.append(nt[start:])
    return out


@dataclass
class _Item:
    text: NText
    lead: bool = False  # marked "(牵头)"


@dataclass
class UnitList:
    """A parsed list: runs of items and the labels the line excludes from its groups."""

    runs: list[list[_Item]] = field(default_factory=list)
    excludes: list[NText] = field(default_factory=list)


def _split_conj(item: NText) -> list[NText]:
    """Split at 及/和/与 (and 以及) where the left part is a complete unit name."""
    out, start, depth = [], 0, 0
    key = item.key
    for m in char_class("()" + _CONJ).finditer(key):
        ch, i = m.group(), m.start()
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif depth == 0 and i > start:
            left_end = i - 1 if ch == "及" and key[i - 1] == "以" else i
            # unit suffixes are at most three characters long: look at the tail only
            if UNIT_END.search(key[max(start, left_end - 4) : left_end]) and i + 1 < len(item):
                out.append(item[start:left_end])
                start = i + 1
    out.append(item[start:] if start else item)
    return out


def _closing(key: str, i: int) -> int:
    """Index of the ")" closing the "(" at `i`, else the key's length."""
    depth = 0
    for m in char_class("()").finditer(key, i):
        depth += 1 if m.group() == "(" else -1
        if depth == 0:
            return m.start()
    return len(key)


def _take_parentheticals(item: NText, excludes: list[NText]) -> _Item:
    """Remove "(…除外)" (collected into `excludes`) and "(牵头)" from an item."""
    parts: list[NText] = []
    lead = False
    start = 0
    key = item.key
    i = key.find("(")
    while i >= 0:
        j = _closing(key, i)
        inner = item[i + 1 : j]
        k = inner.key
        if k.endswith("除外") or (k.startswith("除") and k.endswith("外")):
            inner = inner.strip("除外") if k.endswith("除外") else inner[1:-1]
            excludes.extend(x for run in _split_top(inner, ",;、") for x in _split_conj(run) if x)
        elif k in ("牵头", "牵头单位"):
            lead = True
        else:
            i = key.find("(", j + 1)
            continue
        parts.append(item[start:i])
        start = j + 1
        i = key.find("(", start)
    text = NText.join([*parts, item[start:]]) if parts else item
    etc = _ETC.search(text.key)
    if etc and etc.start() > 0:
        text = text[: etc.start()]
    return _Item(text.strip(" :.。;,、等"), lead)


def split_list(content: NText) -> UnitList:
    content = content.strip(" :.。;,、")
    out = UnitList()
    for run in _split_top(content, ",;"):
        items = []
        for piece in _split_top(run, "、"):
            for part in _split_conj(piece):
                item = _take_parentheticals(part, out.excludes)
                if item.text:
                    items.append(item)
        if items:
            out.runs.append(items)
    return out


def _own_place(key: str, places: Places) -> bool:
    if _OWN_LEVEL.match(key):
        return True
    if key[0] in _JURISDICTION and not _NOT_JURISDICTION.match(key):
        return True
    return places.at_start(key) is not None


def label_run(keys: list[str], places: Places) -> list[str]:
    """Labels of one comma run's items, with 各 and the jurisdiction prefix distributed."""
    labels = []
    ge: str | None = None
    jurisdiction: str | None = None
    for key in keys:
        label = key
        ge_match = _GE.match(key)
        if ge_match:
            ge = ge_match.group()
        elif ge and _GROUP_NOUN.match(key):
            label = ge + key
        elif _own_place(key, places):
            if key[0] in _JURISDICTION and not _NOT_JURISDICTION.match(key):
                jurisdiction = key[0]
        elif jurisdiction and not (_PLACE_NAMED.search(key) or is_group(key) or _GROUP_NOUN.match(key)):
            label = jurisdiction + key
        labels.append(label)
    return labels


def mentions(content: NText, role: Role, source: Source, places: Places) -> list[tuple[Role, UnitMention]]:
    """The units a role line names, each with its (possibly overridden) role."""
    parsed = split_list(content)
    excluded = label_run([x.key for x in parsed.excludes], places) if parsed.excludes else []
    out: list[tuple[Role, UnitMention]] = []
    for run in parsed.runs:
        for item, label in zip(run, label_run([i.text.key for i in run], places), strict=True):
            kind: MentionKind = "post" if role == "leader" else ("group" if is_group(label) else "unit")
            mention = UnitMention(
                label=label,
                written=item.text.disp,
                kind=kind,
                excludes=list(excluded) if kind == "group" else [],
                span=source.span(item.text),
            )
            out.append(("lead" if item.lead and role != "leader" else role, mention))
    return out


def labels_of(content: NText, places: Places) -> list[str]:
    """Plain labels of a list (for 主送 lines)."""
    return [
        label for run in split_list(content).runs for label in label_run([i.text.key for i in run], places)
    ]


def find_role_markers(text: NText) -> list[tuple[int, int, Role]]:
    """(start, end, role) of every "label:" in a line."""
    return [(m.start(), m.end(), ROLE_LABELS[m["label"]]) for m in ROLE_RE.finditer(text.key)]
