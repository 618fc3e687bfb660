"""Which government work report a section decomposes, and which parent notice it comes through.

A section title names a report relative to the notice's place ("承担的2021年省政府工作报告…" in a
新密市 notice is 河南省's); a parent notice's title names it relative to the parent's issuer
("郑州市人民政府办公厅关于做好2021年市政府工作报告…" is 郑州市's). Both resolve to (year, place).
"""

from __future__ import annotations

import re

from kg.parse.places import Places, place_of_org, short_name

REPORT = "政府工作报告"
_YEAR_SCOPE = re.compile(r"(?P<year>(?:19|20)\d{2})年(?:度)?(?P<scope>[\u4e00-\u9fff]{0,12})$")
_SELF = re.compile(r"^(?:本|我|全)?(?P<c>[省市县区旗])$")
_PLACE_NAME = re.compile(r"[\u4e00-\u9fff]{2,6}(?:省|市|县|区|旗|州|盟)")
_NATIONAL = ("国务院", "全国", "国家", "中央")
NATIONAL_PLACE = "中华人民共和国"


def _parent_of_level(place: str, places: Places, suffix: str) -> str | None:
    if suffix == "省":
        found = places.ancestor(place, "province")
    elif suffix == "市":
        if place.endswith("市"):
            return place
        found = places.ancestor(place, "city")
    else:
        found = places.get(place) or None
        return found.name if found else place
    return found.name if found else None


def resolve_scope(scope: str, context: str | None, places: Places) -> str | None:
    """The place a report scope means, seen from `context` (the place of whoever wrote it)."""
    if scope in _NATIONAL:
        return NATIONAL_PLACE
    m = _SELF.match(scope)
    if m:
        return _parent_of_level(context, places, m["c"]) if context else None
    if not scope:
        return context
    known = places.get(scope)
    if known:
        return known.name
    return scope if short_name(scope) != scope else None


def split_report(text: str) -> tuple[int | None, str] | None:
    """(year, scope) of the first "…政府工作报告" in text: "承担的2021年省政府工作报告…" -> (2021, "省")."""
    at = text.find(REPORT)
    if at < 0:
        return None
    before = text[:at]
    m = _YEAR_SCOPE.search(before)
    if m:
        return int(m["year"]), m["scope"]
    # no year: the scope is the place word right before the report ("郑州市政府工作报告各项…")
    tail = re.search(r"[\u4e00-\u9fff]{0,8}$", before)
    return None, tail.group() if tail else ""


def trim_scope(scope: str, places: Places, candidates: list[str]) -> str:
    """Cut words in front of the place ("做好省" -> "省", "将郑州市" -> "郑州市")."""
    for name in sorted(candidates, key=len, reverse=True):
        for alias in (name, short_name(name)):
            if scope.endswith(alias):
                return alias
    for i in range(len(scope)):
        if places.get(scope[i:]):
            return scope[i:]
    return scope[-1:] if scope[-1:] in "省市县区旗" else scope


def report_of(text: str, context: str | None, places: Places, year: int | None) -> tuple[int, str] | None:
    """(year, place) of the report named in text, or None."""
    found = split_report(text)
    if not found:
        return None
    y, scope = found
    if y is None or not _PLACE_NAME.fullmatch(scope):
        # right after the year the scope is a place's whole name, known or not (平顶山市)
        scope = trim_scope(scope, places, [])
    y = y or year
    if y is None:
        return None
    place = resolve_scope(scope, context, places)
    return (y, place) if place else None


def report_name(year: int, place: str) -> str:
    return f"{year}年{'国务院' if place == NATIONAL_PLACE else place}{REPORT}"


def ref_context(title: str | None, code: str | None, places: Places) -> str | None:
    """The place of a parent notice: from its title's issuer, else from its 文号's 代字."""
    if title:
        cut = title.find("关于")
        issuer = title[:cut] if cut > 0 else ""
        place = place_of_org(issuer, places) if issuer else None
        if place:
            return place
    if code:
        found = places.by_doc_code(code)
        return found.name if found else None
    return None
