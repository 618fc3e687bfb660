"""Normalised keys for unit labels and 文号, used to resolve what users type into IRIs.

kg.registry resolves labels *at ingest*; this module resolves them *at query time* against
whatever the store holds (registry graph + units minted into document graphs), with the same
conventions: whitespace removed, NFKC (full-width forms folded), 人民政府 written 政府, and the
jurisdiction prefix (市 / 县 / 区 / 省, or a place name such as 新密市) optional.
"""

from __future__ import annotations

import re

from kg.registry import normalize as clean  # the ingest-side matching form: NFKC, no whitespace

# One leading level character, as notices write departments: 市财政局, 县教育局, 区住建局, 省财政厅.
_LEVEL_PREFIX = ("市", "县", "区", "省")
_LEVEL_SUFFIX = ("市", "县", "区", "省", "自治州", "自治县", "地区", "盟", "旗")


def label_key(text: str) -> str:
    """The comparison form of a label: cleaned, 人民政府 → 政府."""
    return clean(text).replace("人民政府", "政府")


def strip_level(key: str) -> str | None:
    """`市财政局` → `财政局`; None when there is no level prefix or too little would remain."""
    for p in _LEVEL_PREFIX:
        if key.startswith(p) and len(key) - len(p) >= 2:
            return key[len(p) :]
    return None


def place_names(label: str) -> list[str]:
    """Forms a place is written in as a prefix: 新密市 → [新密市, 新密]; 河南省 → [河南省, 河南]."""
    key = clean(label)
    names = [key]
    for suffix in _LEVEL_SUFFIX:
        if key.endswith(suffix) and len(key) - len(suffix) >= 2:
            names.append(key[: -len(suffix)])
            break
    return names


# 文号: 发文机关代字 + 〔年份〕 + 顺序号 + 号, in the bracket and digit variants seen in the wild.
_WENHAO = re.compile(
    r"^(?P<code>[^\d\[\](){}〔〕【】〖〗［］（）]{1,20}?)[\[(〔【〖［（](?P<year>(?:19|20)\d{2})[\])〕】〗］）]"
    r"第?(?P<seq>\d{1,5})[号號]?$"
)


def canonical_wenhao(text: str) -> str | None:
    """`新密政办[2021]06号`, `新密政办（２０２１）6号`, `新密政办 〔2021〕 6 号` → `新密政办〔2021〕6号`."""
    m = _WENHAO.match(clean(text))
    if not m:
        return None
    return f"{m['code']}〔{m['year']}〕{int(m['seq'])}号"
