"""Deadlines in a task's text, as the last day the stated period allows.

2021年底前 / 年内 / 下半年 -> 12-31; 上半年 -> 06-30; 6月底前 -> 06-30; 9月15日前 -> 09-15;
一季度 / 第三季度末 -> quarter end. The year is the one written, else the last year written before
it in the task, else the notice's year (明年 = the notice's year + 1).

A time column's cell (完成时限) also states deadlines as bare dates: 2021年9月 -> 09-30,
2021年6月30日, 2022年 -> 12-31, 全年 -> the year's end; in a task's text these are not deadlines
("2021年9月开工"). 长期坚持 / 持续推进 give none.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from kg.model import Deadline, Granularity
from kg.parse.dates import iso, month_end
from kg.parse.normalise import NText, Source
from kg.parse.numerals import cn_int

_N = r"\d{1,2}|[一二三四五六七八九十]{1,3}"
_YEAR = r"(?:(?P<y>(?:19|20)\d{2})年|(?P<rel>今|本|明|当)年)?"
_BEFORE = r"(?:前|之前|以前)"
# (granularity, a word every match contains, pattern): a text without the word is not searched.
_PATTERNS: tuple[tuple[Granularity, str, re.Pattern[str]], ...] = (
    ("day", "日", re.compile(rf"{_YEAR}(?P<m>{_N})月(?P<d>{_N})日{_BEFORE}")),
    ("month", "月", re.compile(rf"{_YEAR}(?P<m>{_N})月(?:底|末)(?:{_BEFORE})?")),
    ("quarter", "季度", re.compile(rf"{_YEAR}第?(?P<q>[一二三四1-4])季度(?:末|底)?(?:{_BEFORE})?")),
    ("half", "半年", re.compile(rf"{_YEAR}(?P<h>上半年|下半年)(?:末|底)?(?:{_BEFORE})?")),
    (
        "year",
        "年",
        re.compile(rf"(?:(?P<y>(?:19|20)\d{{2}})年|(?P<rel>今|本|明|当)?年)(?:底|末|内)(?:{_BEFORE})?"),
    ),
    ("year", "年", re.compile(rf"(?P<y>(?:19|20)\d{{2}})年{_BEFORE}")),
)
# In a time column (完成时限) a bare date is the deadline too: 2021年9月, 2021年6月30日, 2022年, 全年.
_CELL_PATTERNS: tuple[tuple[Granularity, str, re.Pattern[str]], ...] = (
    ("day", "日", re.compile(rf"{_YEAR}(?P<m>{_N})月(?P<d>{_N})日")),
    ("month", "月", re.compile(rf"{_YEAR}(?P<m>{_N})月(?!\d)")),
    ("year", "年", re.compile(r"(?P<y>(?:19|20)\d{2})年(?![\d起开以至到\-~—–])(?P<rel>)")),
    ("year", "全年", re.compile(r"(?:(?P<y>(?:19|20)\d{2})年)?全年(?P<rel>)")),
)
# A bare 年 after these is a span of years (3年内, 半年内, 每年底), not this year.
_SPAN_BEFORE = set("0123456789一二三四五六七八九十两几数多半每近")
_YEAR_WRITTEN = re.compile(r"(?:19|20)\d{2}(?=年)")


@dataclass
class _Hit:
    start: int
    end: int
    granularity: Granularity
    match: re.Match[str]


class _Written:
    """The years written in a text (2021 of 2021年), found once, asked for the last one before a point."""

    def __init__(self, text: str) -> None:
        found = list(_YEAR_WRITTEN.finditer(text))
        self.ends = [y.end() for y in found]  # where its 年 stands
        self.years = [int(y.group()) for y in found]

    def before(self, at: int) -> int | None:
        """The last year whose 年 stands before `at`."""
        k = bisect.bisect_left(self.ends, at)
        return self.years[k - 1] if k else None


def _year(m: re.Match[str], written: _Written, notice_year: int | None) -> int | None:
    if m["y"]:
        return int(m["y"])
    last = written.before(m.start())
    base = last if last is not None else notice_year
    if base is None:
        return None
    return base + 1 if m["rel"] == "明" else base


def _date(hit: _Hit, year: int) -> str | None:
    m = hit.match
    if hit.granularity == "day":
        month, day = cn_int(m["m"]), cn_int(m["d"])
        return iso(year, month, day) if month and day else None
    if hit.granularity == "month":
        month = cn_int(m["m"])
        return month_end(year, month) if month else None
    if hit.granularity == "quarter":
        q = cn_int(m["q"])
        return month_end(year, 3 * q) if q and 1 <= q <= 4 else None
    if hit.granularity == "half":
        return iso(year, 6, 30) if m["h"] == "上半年" else iso(year, 12, 31)
    return iso(year, 12, 31)


def find_deadlines(
    text: NText, notice_year: int | None, source: Source | None = None, *, cell: bool = False
) -> list[Deadline]:
    """Deadlines in a task's text; `cell`: the text is a time column's cell (see _CELL_PATTERNS)."""
    key = text.key
    patterns = _PATTERNS + _CELL_PATTERNS if cell else _PATTERNS
    hits = [
        _Hit(m.start(), m.end(), g, m) for g, word, rx in patterns if word in key for m in rx.finditer(key)
    ]
    hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
    out: list[Deadline] = []
    written = _Written(key)
    taken = -1
    for hit in hits:
        if hit.start < taken:
            continue  # overlaps a longer reading found first
        m = hit.match
        if (
            hit.granularity == "year"
            and not (m["y"] or m["rel"])
            and hit.start
            and key[hit.start - 1] in _SPAN_BEFORE
        ):
            continue
        year = _year(hit.match, written, notice_year)
        date = _date(hit, year) if year else None
        if date is None:
            continue
        piece = text[hit.start : hit.end]
        out.append(
            Deadline(
                date=date,
                granularity=hit.granularity,
                text=piece.disp,
                span=source.span(piece) if source else None,
            )
        )
        taken = hit.end
    return out
