"""Calendar dates as notices write them: 2021-03-26, 2021年3月26日, 二〇二一年三月二十六日."""

from __future__ import annotations

import calendar
import datetime as dt
import re

from kg.parse.numerals import CN_DIGIT_CHARS, cn_int

_CN = f"[{CN_DIGIT_CHARS}十]"
_DATE_RES = (
    re.compile(r"(?P<y>(?:19|20)\d{2})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日"),
    # a time may follow, run on once spaces are dropped: "2021-03-05 09:30" reads "2021-03-0509:30"
    re.compile(r"(?P<y>(?:19|20)\d{2})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?:(?!\d)|(?=\d{1,2}:\d{2}))"),
    re.compile(rf"(?P<y>{_CN}{{4}})年(?P<m>{_CN}{{1,2}})月(?P<d>{_CN}{{1,3}})日"),
)


def iso(year: int, month: int, day: int) -> str | None:
    """ISO date, or None when the date does not exist."""
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def month_end(year: int, month: int) -> str | None:
    if not 1 <= month <= 12 or not 1 <= year <= 9999:
        return None
    return iso(year, month, calendar.monthrange(year, month)[1])


def find_date(text: str) -> tuple[re.Match[str], str] | None:
    """The first date written in `text` (normalised key form), with its ISO form."""
    best: tuple[re.Match[str], str] | None = None
    for rx in _DATE_RES:
        for m in rx.finditer(text):
            y, mo, d = cn_int(m["y"]), cn_int(m["m"]), cn_int(m["d"])
            value = iso(y, mo, d) if y and mo and d else None
            if value:
                if best is None or m.start() < best[0].start():
                    best = (m, value)
                break
    return best


def parse_date(text: str) -> str | None:
    found = find_date(text)
    return found[1] if found else None


def date_line(text: str) -> str | None:
    """ISO date when the whole line is a date (the closing 成文日期 line), else None."""
    found = find_date(text)
    if found and found[0].start() == 0 and found[0].end() == len(text):
        return found[1]
    return None
