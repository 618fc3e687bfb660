"""The reporting schedule (usually in 工作要求): when progress is due, and to whom.

"省政府工作报告各项重点工作分别于2021年3月、5月…12月每月25日前,郑州市政府工作报告各项重点工作
分别于2021年4月2日、7月2日、10月2日和2022年1月2日前,…报送市督查局绩效科" gives one
ReportingDue per section, matched through the report each clause names. A clause that names
no report applies to every task section, or to the notice (section 0) when its tasks are a list
without sections. "每月25日前" alone means every month left in the year; "每季度末月20日前" the 20th
of each quarter's last month; "每季度结束后5日内" the 5th of the month after each quarter.
"""

from __future__ import annotations

import re

from kg.model import ReportingDue, Section
from kg.parse.dates import iso, month_end
from kg.parse.normalise import NText, Source, char_class
from kg.parse.places import Places
from kg.parse.reports import resolve_scope, split_report, trim_scope

_SEND = re.compile(
    r"(?:报送|上报|报至|送至|送交|报给|抄报|(?<![汇简情通上申呈预举公电])报(?=[省市县区旗]))(?:至|到|给)?"
    r"(?P<to>[\u4e00-\u9fff、]{2,30})"
)
_TO_TRAILER = re.compile(r"(?:备案|审核|审定|汇总|统一汇总)$")
_TOKEN = re.compile(
    r"(?:(?P<y>(?:19|20)\d{2})年)?(?P<m>\d{1,2})月(?:(?P<d>\d{1,2})日)?"
    r"|每月(?P<md>\d{1,2})日"
    r"|每季度(?:结束|终了)?后(?P<qa>\d{1,2})(?:个工作日|日|天)"
    r"|每季度(?P<qe>末月|最后一个月|末)?(?:(?P<qd>\d{1,2})日)?"
)
# Whom progress is sent to is a body (市督查局绩效科), not what is sent (工作进展情况).
_TO_UNIT = re.compile(r"(?:局|委|办|办公室|办公厅|室|科|处|中心|政府|厅|部|组|股)$")


def _dates(clause: str, year: int | None, after: str | None) -> list[str]:
    """ISO dates a clause names; `after` (the notice date) bounds the recurring ones."""
    explicit: list[tuple[int, int, int | None]] = []
    monthly_day: int | None = None
    quarterly: int | None = None  # day in the quarter's last month; 0 = month end
    after_quarter: int | None = None  # day of the month after each quarter (每季度结束后5日内)
    current = year
    for m in _TOKEN.finditer(clause):
        if m["m"]:
            current = int(m["y"]) if m["y"] else current
            if current is not None:
                explicit.append((current, int(m["m"]), int(m["d"]) if m["d"] else None))
        elif m["md"]:
            monthly_day = int(m["md"])
        elif m["qa"]:
            after_quarter = int(m["qa"])
        else:
            quarterly = int(m["qd"]) if m["qd"] else 0
    out: list[str | None] = []
    if explicit:
        for y, mo, d in explicit:
            day = d or monthly_day
            out.append(iso(y, mo, day) if day else month_end(y, mo))
    elif year is not None and after_quarter:
        out = [iso(year + mo // 12, mo % 12 + 1, after_quarter) for mo in (3, 6, 9, 12)]
        out = [d for d in out if d and (after is None or d > after)]
    elif year is not None and (monthly_day or quarterly is not None):
        months = range(1, 13) if monthly_day else (3, 6, 9, 12)
        day = monthly_day or quarterly
        out = [iso(year, mo, day) if day else month_end(year, mo) for mo in months]
        out = [d for d in out if d and (after is None or d > after)]
    return [d for d in out if d]


def _section_for(clause: str, sections: list[Section], jurisdiction: str | None, places: Places) -> list[int]:
    if not sections:
        return [0]  # a flat list of tasks: the requirement hangs off the notice
    found = split_report(clause)
    if not found:
        return [s.number for s in sections]
    year, scope = found
    candidates = [s.report_place for s in sections if s.report_place]
    place = resolve_scope(trim_scope(scope, places, candidates), jurisdiction, places)
    return [
        s.number
        for s in sections
        if s.report_place
        and s.report_place == place
        and (year is None or (s.report or "").startswith(str(year)))
    ]


def _parts(key: str, ends: str) -> list[tuple[int, int]]:
    """(start, end) of the pieces of `key` between the characters `ends`."""
    cuts = [m.start() for m in char_class(ends).finditer(key)] + [len(key)]
    return list(zip([0] + [c + 1 for c in cuts[:-1]], cuts, strict=True))


def find_reporting(
    lines: list[NText],
    sections: list[Section],
    year: int | None,
    after: str | None,
    jurisdiction: str | None,
    places: Places,
    source: Source,
) -> list[ReportingDue]:
    due: dict[int, ReportingDue] = {}
    dates_of: dict[int, set[str]] = {}  # sorted into each ReportingDue at the end
    for line in lines:
        if "报" not in line.key and "送" not in line.key:
            continue  # every _SEND verb has one of these
        for start, i in _parts(line.key, "。!?"):
            send = _SEND.search(line.key[start:i])
            if not send:
                continue
            sentence = line[start:i]
            to: str | None = _TO_TRAILER.sub("", send["to"].strip("、"))
            if to and not _TO_UNIT.search(to):
                to = None
            for pos, j in _parts(sentence.key, ",;"):
                clause = sentence[pos:j]
                dates = _dates(clause.key, year, after)
                if not dates:
                    continue
                for n in _section_for(clause.key, sections, jurisdiction, places):
                    if n not in due:
                        due[n] = ReportingDue(section=n, dates=[], to=to, span=source.span(clause))
                        dates_of[n] = set()
                    dates_of[n].update(dates)
    for n, entry in due.items():
        entry.dates = sorted(dates_of[n])
    return [due[n] for n in sorted(due)]
