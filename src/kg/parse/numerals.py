"""Chinese numerals: 一 .. 九十九, 一百零五, and digit-by-digit years such as 二〇二一."""

from __future__ import annotations

_DIGITS = {
    "〇": 0, "○": 0, "零": 0, "Ｏ": 0, "O": 0,
    "一": 1, "壹": 1, "二": 2, "两": 2, "贰": 2, "三": 3, "叁": 3, "四": 4, "肆": 4,
    "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9,
}  # fmt: skip
_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}

CN_DIGIT_CHARS = "".join(_DIGITS)
CN_NUMBER_CHARS = CN_DIGIT_CHARS + "".join(_UNITS) + "万"


def cn_int(s: str) -> int | None:
    """Value of an ASCII or Chinese numeral, or None if `s` is not one."""
    if not s:
        return None
    if s.isascii() and s.isdigit():
        return int(s)
    if all(ch in _DIGITS for ch in s):
        if len(s) == 1:
            return _DIGITS[s]
        # positional, as in years: 二〇二一
        return int("".join(str(_DIGITS[ch]) for ch in s))
    total = section = num = 0
    for ch in s:
        if ch in _DIGITS:
            num = _DIGITS[ch]
        elif ch in _UNITS:
            section += (num or 1) * _UNITS[ch]
            num = 0
        elif ch == "万":
            total += (section + num) * 10000
            section = num = 0
        else:
            return None
    return total + section + num
