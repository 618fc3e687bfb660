"""Quantitative targets in a task's text: 新增国土绿化面积5300亩, 覆盖率97%以上, 控制在4%以内.

A target is an Arabic number with a measure unit, read as an interval in the base unit (万/亿/千
folded in). Not targets: numbers in quotes ("125"计划), ordinals (第七次), phases (2期), dates,
thresholds that qualify what is counted ("引进10亿元以上项目不少于2个": only >=2 个 counts), the
objects of 以…N个…为引领/载体 and 将N个…打造, and Chinese-numeral counts (三年行动).
"""

from __future__ import annotations

import bisect
import re
from decimal import Decimal

from kg.model import Target
from kg.parse.normalise import NText, Source, char_class

_NUM = r"\d+(?:\.\d+)?"
_MAGNITUDES = {
    "千万": 10_000_000,
    "百万": 1_000_000,
    "万亿": 10**12,
    "亿": 100_000_000,
    "万": 10_000,
    "千": 1_000,
}
_MAG = "|".join(_MAGNITUDES)
UNITS = (
    "个百分点", "百分点", "%", "‰", "平方公里", "平方千米", "平方米", "立方米", "微克/立方米", "毫克/立方米",
    "公顷", "亩", "公里", "千米", "延米", "米", "美元", "元", "人次", "人", "名", "户", "个", "家", "所", "张",
    "座", "处", "项", "条", "辆", "台", "套", "头", "只", "羽", "吨", "斤", "公斤", "千克", "兆瓦", "千瓦时",
    "千瓦", "场", "批", "栋", "间", "床", "支", "株", "棵", "件", "宗", "篇", "次", "位", "部", "艘", "架次",
    "标箱", "块", "眼", "口", "所次",
)  # fmt: skip
# Written units whose base form is shorter: 提高1个百分点 -> 1 百分点.
_BASE_UNIT = {"个百分点": "百分点"}
# Units that begin with a magnitude character: read whole, never as 千 + 瓦.
_K_UNITS = ("千瓦时", "千瓦", "千米", "千克")
_UNIT = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))
_QTY = re.compile(
    rf"(?<![0-9A-Za-z.])(?P<n1>{_NUM})"
    rf"(?:(?P<m1>{_MAG})?(?P<u1>{_UNIT})?(?P<sep>至|到|-|~|—|–)(?P<n2>{_NUM}))?"
    rf"(?:(?P<uk>{'|'.join(_K_UNITS)})|(?P<mag>{_MAG})?(?P<unit>{_UNIT}))"
    rf"(?P<post>及以上|以上|以内|之内|以下|左右)?"
)
# Comparator words written right before the number (longest first).
_PRE = {
    "不少于": "gteq", "不低于": "gteq", "至少": "gteq", "达到": "gteq", "达": "gteq",
    "超过": "gt", "高于": "gt", "大于": "gt", "多于": "gt",
    "不超过": "lteq", "不高于": "lteq", "控制在": "lteq", "低于": "lt", "少于": "lt", "不足": "lt",
    "大约": "approx", "约为": "approx", "约": "approx", "近": "approx",
    "稳定在": "eq", "保持在": "eq",
}  # fmt: skip
_PRE_WORDS = sorted(_PRE, key=len, reverse=True)
_POST = {"及以上": "gteq", "以上": "gteq", "以内": "lteq", "之内": "lteq", "以下": "lteq"}
# A number right after these is an ordinal, a rank or a rate's base, not an amount.
_NOT_AMOUNT_BEFORE = ("第", "前", "每")
_NOT_AMOUNT_AFTER = ("个月", "个工作日内")
_CLAUSE_END = ",;。!?:"
_ITEM_END = _CLAUSE_END + "、"
_OPEN_QUOTES = "“‘「『"
_CLOSE_QUOTES = "”’」』"
_LEADING_VERBS = re.compile(r"^(?:完成|实现|确保|力争|争取|全年|累计|总计|共)+")
_LEADING_WHEN = re.compile(
    r"^(?:(?:19|20)\d{2}年)?(?:年?底前|年内|上半年|下半年|\d{1,2}月(?:\d{1,2}日|底)?前)"
)
_NOUN = re.compile(r"[\u4e00-\u9fffA-Za-z]+")
# "以…为引领", "以…为载体": the number names the means, not an aim.
_YI_WEI = re.compile(r"(?:坚持|要|通过|着力|继续)?以")  # used with .match(key, clause_start)
_JIANG_INTO = re.compile(r"打造|建成|建设成|培育成|作为")


def _quoted(key: str) -> list[bool] | None:
    """Which positions lie inside quotation marks (None: the text has no quotation marks)."""
    if not char_class(_OPEN_QUOTES + _CLOSE_QUOTES + '"').search(key):
        return None
    inside, depth, ascii_open = [], 0, False
    for ch in key:
        if ch in _OPEN_QUOTES:
            depth += 1
        elif ch in _CLOSE_QUOTES:
            depth = max(0, depth - 1)
        elif ch == '"':
            ascii_open = not ascii_open
        inside.append(depth > 0 or ascii_open)
    return inside


def _clean(v: Decimal) -> Decimal:
    """10000.0 -> 10000, 6.50 -> 6.5, without exponent notation."""
    if v == v.to_integral_value():
        return v.quantize(Decimal(1))
    return v.normalize()


class _Marks:
    """Where some characters stand in a text, found once (not rescanned for every number)."""

    def __init__(self, key: str, chars: str) -> None:
        self.at = [m.start() for m in char_class(chars).finditer(key)]
        self.size = len(key)

    def last_before(self, stop: int) -> int:
        """Index of the last mark before `stop`, else -1."""
        k = bisect.bisect_left(self.at, stop)
        return self.at[k - 1] if k else -1

    def next_from(self, start: int) -> int:
        """Index of the first mark at or after `start`, else the text's length."""
        k = bisect.bisect_left(self.at, start)
        return self.at[k] if k < len(self.at) else self.size


def find_targets(text: NText, source: Source | None = None) -> list[Target]:
    key = text.key
    quoted = _quoted(key)
    clauses, items, wei = _Marks(key, _CLAUSE_END), _Marks(key, _ITEM_END), _Marks(key, "为")
    # where 打造/建成/… stand; these words cannot overlap one another, so finditer finds them all
    into = [(j.start(), j.end()) for j in _JIANG_INTO.finditer(key)]
    into_starts = [a for a, _ in into]
    out: list[Target] = []
    item_floor = 0  # where the next target's phrase may begin (end of the previous target)
    for m in _QTY.finditer(key):
        start, end = m.start(), m.end()
        pre = next((w for w in _PRE_WORDS if key.endswith(w, 0, start)), "")
        phrase_start = start - len(pre)
        clause_start = clauses.last_before(start) + 1
        clause_end = clauses.next_from(end)
        if (
            (quoted and quoted[start])
            or key.endswith(_NOT_AMOUNT_BEFORE, 0, start)
            or key.startswith(_NOT_AMOUNT_AFTER, m.end("n1"))
        ):
            continue
        if m["post"] in ("以上", "及以上", "以下") and end < len(key) and "\u4e00" <= key[end] <= "\u9fff":
            continue  # a threshold qualifying what is counted: 10亿元以上项目
        if _YI_WEI.match(key, clause_start) and wei.next_from(end) < clause_end:
            continue  # 以…为: a 为 later in the clause
        if key.endswith("将", 0, phrase_start):
            k = bisect.bisect_left(into_starts, end)
            if k < len(into) and into[k][1] <= clause_end:
                continue  # 将…打造: 打造 (or the like) later in the clause
        begin = max(item_floor, items.last_before(phrase_start) + 1)
        out.append(_target(m, pre, text, begin, items, source))
        item_floor = end
    return out


def _indicator(text: NText, begin: int, at: int, end: int, items: _Marks) -> tuple[str, int]:
    """What is measured, and where the phrase ends (past a counted noun: 新增4所乡镇卫生院)."""
    before = text.disp[begin:at]
    for rx in (_LEADING_VERBS, _LEADING_WHEN, _LEADING_VERBS):
        before = rx.sub("", before)
    if len(before) > 2:
        return before, end
    after_stop = items.next_from(end)
    after = _NOUN.match(text.key, end, after_stop)
    stop = after.end() if after else end
    return before + text.disp[end:stop], stop


def _target(
    m: re.Match[str], pre: str, text: NText, begin: int, items: _Marks, source: Source | None
) -> Target:
    stated_unit = m["uk"] or m["unit"]
    unit = _BASE_UNIT.get(stated_unit, stated_unit)
    mag = m["mag"] or ""
    factor2 = Decimal(_MAGNITUDES.get(mag, 1))
    factor1 = Decimal(_MAGNITUDES[m["m1"]]) if m["m1"] else (factor2 if not m["u1"] else Decimal(1))
    v1 = _clean(Decimal(m["n1"]) * factor1)
    v2 = _clean(Decimal(m["n2"]) * factor2) if m["n2"] else None
    post = m["post"] or ""
    approximate = post == "左右" or _PRE.get(pre) == "approx"
    low: Decimal | None = v1
    high: Decimal | None = v1
    if v2 is not None:
        comparator, high = "range", v2
    elif post in _POST:
        comparator = _POST[post]
    else:  # "控制在3%左右" stays a cap, only an approximate one; "增长6.2%左右" is about 6.2
        comparator = _PRE.get(pre, "eq").replace("approx", "eq")
    if comparator in ("gteq", "gt"):
        high = None
    elif comparator in ("lteq", "lt"):
        low = None
    value_end = m.end("n2") if m["n2"] else m.end("n1")
    indicator, stop = _indicator(text, begin, m.start() - len(pre), m.end(), items)
    phrase = text[begin:stop]
    return Target(
        text=phrase.disp,
        indicator=indicator,
        low=low,
        high=high,
        unit=unit,
        stated_value=text.disp[m.start() : value_end] + mag,
        stated_unit=mag + stated_unit,
        comparator=comparator,
        approximate=approximate,
        span=source.span(phrase) if source else None,
    )
