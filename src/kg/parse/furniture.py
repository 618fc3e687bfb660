"""Page furniture of portal copies: metadata fields, share buttons, comment boxes.

None of it is ever read as a task or a task's text; the "key: value" fields feed metadata.py.
"""

from __future__ import annotations

import re

FIELD_KEYS = (
    "索引号", "发布机构", "发文机关", "成文日期", "发布日期", "发布时间", "印发日期", "公开日期", "生成日期",
    "体裁", "文种", "公文种类", "文号", "发文字号", "标题", "信息名称", "名称", "主题分类", "主题词", "关键词",
    "有效性", "时效", "效力状态", "生效日期", "失效日期", "废止日期", "信息来源", "来源", "所属机构",
    "公开方式", "公开范围", "组配分类", "内容概述", "体裁分类", "发文单位",
)  # fmt: skip
_BULLETS = "•·●◆■□▪►▶※◇○-*"
# "索引号: …" or, from a flattened portal table, "索引号 | …"
_FIELD_RE = re.compile("(?P<key>" + "|".join(sorted(FIELD_KEYS, key=len, reverse=True)) + r")[:|\t]")
_CHROME = re.compile(
    r"^(?:标签:|留言与评论|我要留言|发表评论|评论\(|验证码|分享到|打印本页|【打印|打印\]|关闭窗口|关闭本页|【关闭|"
    r"收藏本页|加入收藏|【字体|字体:|字号:|浏览次数|阅读次数|点击数|访问量|扫一扫|上一篇|下一篇|责任编辑|编辑:|"
    r"当前位置|您当前的位置|您的位置|首页>|相关链接|相关文件:|相关阅读|附件下载|主办:|主办单位:|承办:|技术支持|版权所有|网站标识码)"
)

# Page chrome below the notice: once a page with tasks reaches it, the notice is over.
END_OF_PAGE = re.compile(
    r"^(?:分享到|打印本页|【打印|打印\]|关闭窗口|关闭本页|【关闭|扫一扫|上一篇|下一篇|相关链接|相关文件:|相关阅读|责任编辑|附件下载|"
    r"主办:|主办单位:|承办:|技术支持|版权所有|网站标识码)"
)


def strip_bullet(key: str) -> str:
    return key.lstrip(_BULLETS + " ")


def fields(key: str) -> list[tuple[str, int, int]]:
    """The "key: value" fields on a line, as (key, value start, value end) in `key` indices.

    Portal tables flattened to one line ("索引号:…发布机构:…") give several fields.
    """
    body = strip_bullet(key)
    shift = len(key) - len(body)
    found = list(_FIELD_RE.finditer(body))
    if not found or found[0].start() != 0:
        return []
    out = []
    for k, m in enumerate(found):
        stop = found[k + 1].start() if k + 1 < len(found) else len(body)
        out.append((m["key"], m.end() + shift, stop + shift))
    return out


def is_furniture(key: str) -> bool:
    """Bulleted lines, metadata fields and page chrome."""
    if not key:
        return False
    if key[0] in _BULLETS and len(key) > 1 and not key[1].isdigit():
        return True
    return bool(fields(key)) or bool(_CHROME.match(key))
