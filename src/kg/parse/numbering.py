"""Printed item numbers: 一、 / 第一部分 (level 1), （一） (2), 1. / 1、 / 1． (3), （1） / ① (4)."""

from __future__ import annotations

import re

from kg.parse.normalise import NText
from kg.parse.numerals import cn_int

CN = "一二三四五六七八九十"
_H1 = re.compile(rf"^(?:(?P<n>[{CN}]{{1,3}})[、.,]|第(?P<m>[{CN}]{{1,3}})(?:部分|章|篇)[、.,:]?)")
_H2 = re.compile(rf"^\((?P<n>[{CN}]{{1,3}})\)")
# "1." but not "1.5万亩"; a year may follow the dot ("2.2022年9月底前…"), and "．" is never a decimal point.
_H3 = re.compile(r"^(?P<n>\d{1,3})(?:、|\.(?!\d)|\.(?=(?:19|20)\d{2}年))")
_H3_WIDE = re.compile(r"^(?P<n>\d{1,3})．")
_H4 = re.compile(r"^(?:\((?P<n>\d{1,3})\)|(?P<c>[①-⑳]))")


def heading(text: NText) -> tuple[int, int, str, int] | None:
    """(level, number, printed, marker length) of a numbered line."""
    for level, rx, s in (
        (1, _H1, text.key),
        (2, _H2, text.key),
        (3, _H3, text.key),
        (3, _H3_WIDE, text.disp),
        (4, _H4, text.key),
    ):
        m = rx.match(s)
        if not m:
            continue
        printed = m.group("n") or (m.group("m") if level == 1 else m.group("c"))
        if printed is None:
            continue
        number = ord(printed) - ord("①") + 1 if level == 4 and m.group("c") else cn_int(printed)
        if number:
            return level, number, printed, m.end()
    return None
