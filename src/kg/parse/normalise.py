"""The parser's view of a notice: normalised lines that map back to original offsets.

Web copies of notices carry stray spaces inside words ("伏羲 山管委 会", "20 21", "1 3 .") and mix
full-width and ASCII characters. Every line is read as an `NText`, which holds

* `disp`: whitespace removed (kept once between two Latin letters: "Wi Fi"), full-width digits and
  Latin letters made ASCII; punctuation stays as the notice wrote it (used for displayed text);
* `key`: the same characters with full-width punctuation folded to ASCII (，->, ：->: （->( ...),
  so patterns need to name one form only;
* `offs`: for each character, its offset in the original text.

Notices in traditional script are read in simplified characters (one for one, offsets unchanged).

All three have the same length, so an index found in `key` slices `disp` and `offs` alike, and
`Source.span` turns any `NText` back into a `Span` of the original text.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from dataclasses import dataclass

from kg.model import Span

_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
# Full-width punctuation that notices write interchangeably with ASCII: folded in `key` only.
_KEY_WIDE = "，：；（）．％～－／！？＜＞［］＋＝｜"
_KEY_FOLD = tuple(zip(_KEY_WIDE, ",:;().%~-/!?<>[]+=|", strict=True))


def _is_latin(ch: str) -> bool:
    return ("a" <= ch <= "z") or ("A" <= ch <= "Z")


@dataclass(frozen=True)
class NText:
    """A stretch of normalised text; see the module docstring."""

    disp: str
    key: str
    offs: tuple[int, ...]

    def __len__(self) -> int:
        return len(self.key)

    def __bool__(self) -> bool:
        return bool(self.key)

    def __getitem__(self, s: slice) -> NText:
        return NText(self.disp[s], self.key[s], self.offs[s])

    def __add__(self, other: NText) -> NText:
        return NText(self.disp + other.disp, self.key + other.key, self.offs + other.offs)

    def strip(self, chars: str) -> NText:
        """Remove characters whose key form is in `chars` from both ends."""
        i, j = 0, len(self.key)
        while i < j and self.key[i] in chars:
            i += 1
        while j > i and self.key[j - 1] in chars:
            j -= 1
        return self[i:j]

    @staticmethod
    def join(parts: list[NText]) -> NText:
        return NText(
            "".join(p.disp for p in parts),
            "".join(p.key for p in parts),
            tuple(itertools.chain.from_iterable(p.offs for p in parts)),
        )


EMPTY = NText("", "", ())


@functools.cache
def char_class(chars: str) -> re.Pattern[str]:
    """A pattern matching any one of `chars`, so a scan visits those characters, not every one."""
    return re.compile(f"[{re.escape(chars)}]")


# Whitespace (`\s` is exactly str.isspace) and zero-width characters, removed in whole runs.
_SPACE_RUN = re.compile("[\\s" + _ZERO_WIDTH + "]+")
# Full-width digits and Latin letters -> ASCII (in `disp` and `key`).
_WIDE = re.compile("[０-９Ａ-Ｚａ-ｚ]")
_WIDTH_FOLD = {
    o: o - 0xFEE0 for o in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B))
}


def _fold_key(text: str) -> str:
    if not char_class(_KEY_WIDE).search(text):
        return text
    # str.replace per character present: much faster than str.translate on CJK text
    for wide, narrow in _KEY_FOLD:
        if wide in text:
            text = text.replace(wide, narrow)
    return text


def normalise(text: str, start: int = 0, end: int | None = None) -> NText:
    """Normalise text[start:end] (one line, usually)."""
    end = len(text) if end is None else end
    runs = [m.span() for m in _SPACE_RUN.finditer(text, start, end)]
    if end <= start or runs == [(start, end)]:
        return EMPTY  # nothing, or only whitespace (a blank line)
    seg = text[start:end]
    if _WIDE.search(seg):
        seg = seg.translate(_WIDTH_FOLD)
    if not runs:
        return NText(seg, _fold_key(seg), tuple(range(start, end)))
    # the pieces between whitespace runs; a run between two Latin letters stays as one space,
    # at the run's first offset ("Wi Fi")
    disp: list[str] = []
    offs: list[range] = []
    pos = start
    gap = -1  # start of the whitespace run just before `pos`, if any
    for a, b in [*runs, (end, end)]:
        if a > pos:
            piece = seg[pos - start : a - start]
            if gap >= 0 and disp and _is_latin(disp[-1][-1]) and _is_latin(piece[0]):
                disp.append(" ")
                offs.append(range(gap, gap + 1))
            disp.append(piece)
            offs.append(range(pos, a))
        gap, pos = a, b
    shown = "".join(disp)
    return NText(shown, _fold_key(shown), tuple(itertools.chain.from_iterable(offs)))


def squeeze(text: str) -> str:
    """The normalised display form of a short string (labels, titles from elsewhere)."""
    return normalise(text).disp


def squeeze_key(text: str) -> str:
    """The normalised key form of a short string."""
    return normalise(text).key


@dataclass(frozen=True)
class Line:
    no: int  # 1-based line number in the original text
    text: NText


# Characters of the traditional script that simplified texts never use: a cheap test before
# converting a whole notice.
_TRADITIONAL_RE = re.compile("[國會時們來說這為與員現發經關對開過還點於區機學體報務辦質縣單號責據劃設產門長]")


def simplified(text: str) -> str:
    """A traditional-script text in simplified characters, character for character (so every
    offset still points at the same character of the original); other texts unchanged."""
    if len(_TRADITIONAL_RE.findall(text, 0, 20000)) < 3:
        return text
    import zhconv  # only traditional-script notices pay for loading its tables

    converted = zhconv.convert(text, "zh-hans")
    if len(converted) == len(text):
        return converted
    out = []
    for ch in text:  # a phrase conversion changed the length: fall back to single characters
        one = zhconv.convert(ch, "zh-hans")
        out.append(one if len(one) == 1 else ch)
    return "".join(out)


_NEWLINE = re.compile("\n")


class Source:
    """The original text, its normalised lines (read in simplified script), and spans back into it."""

    def __init__(self, text: str) -> None:
        self.text = text
        reading = simplified(text)
        self.reading = reading
        self.line_starts = [0, *(m.end() for m in _NEWLINE.finditer(text))]
        bounds = self.line_starts[1:] + [len(text) + 1]
        self.lines = [
            Line(no, normalise(reading, start, stop - 1))
            for no, (start, stop) in enumerate(zip(self.line_starts, bounds, strict=True), start=1)
        ]

    def line_of(self, offset: int) -> int:
        """1-based line number of an original offset."""
        return bisect.bisect_right(self.line_starts, offset)

    def slice(self, start: int, end: int) -> NText:
        """The normalised reading of text[start:end]; line breaks inside are dropped like spaces."""
        return normalise(self.reading, max(0, start), min(end, len(self.reading)))

    def span(self, nt: NText) -> Span | None:
        if not nt.offs:
            return None
        start, end = nt.offs[0], nt.offs[-1] + 1
        return Span(start=start, end=end, line=self.line_of(start), quote=self.text[start:end])
