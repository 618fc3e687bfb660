"""发文字号 (GB/T 9704-2012 §7.2.5): 发文机关代字 + 〔年份〕 + 顺序号 + 号.

Accepts the variants found in web copies: 〔〕 [] ［］ （） () 【】 〖〗 brackets, full-width
digits, spaces anywhere ("郑政办〔 20 21 〕 15 号"), "第", leading zeros and 號.
"""

from __future__ import annotations

import re

from kg.model import DocNumber
from kg.parse.normalise import squeeze_key

# Applied to normalised key text, where （） are already folded to ().
DOCNO_RE = re.compile(
    r"(?P<code>[\u4e00-\u9fff]{1,12})[〔\[【〖(](?P<year>(?:19|20)\d{2})[〕\]】〗)]"
    r"第?(?P<seq>\d{1,6})[号號]"
)
# Words a sentence may put right before a 文号 ("根据郑政办〔2021〕15号"): not part of the code.
_LEAD_WORDS = re.compile(r"^(?:根据|按照|依据|依照|贯彻|落实|执行|参照|对照|转发|印发|见|及|和|与)")


def _number(m: re.Match[str]) -> DocNumber | None:
    code = _LEAD_WORDS.sub("", m["code"]) or m["code"]
    seq = int(m["seq"])
    if seq < 1:
        return None
    return DocNumber(code=code, year=int(m["year"]), seq=seq)


def find_docnos(key: str) -> list[tuple[int, int, DocNumber]]:
    """Every 文号 in normalised key text, as (start, end, number)."""
    out = []
    for m in DOCNO_RE.finditer(key):
        number = _number(m)
        if number:
            start = m.start() + (len(m["code"]) - len(number.code))
            out.append((start, m.end(), number))
    return out


def parse_docno(text: str) -> DocNumber | None:
    """The first 文号 in any string (normalised here), or None."""
    found = find_docnos(squeeze_key(text))
    return found[0][2] if found else None
