"""HTML pages: the visible text of the page, one block per line, tables resolved to grids.

Page furniture that is never part of a notice (scripts, styles, navigation, share buttons, forms'
controls, footers) is dropped here; metadata blocks (索引号, 发布机构) stay, because the parser reads
them. A table that contains other tables is page layout: its cells are read as plain blocks.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Comment, Doctype, NavigableString, ProcessingInstruction, Tag

from kg.readers.document import RawCell, ReadDocument, TextBuilder
from kg.readers.text import decode_bytes

_DROP_TAGS = {
    "head", "script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas",
    "button", "select", "option", "input", "textarea", "nav", "footer", "aside", "map", "audio", "video",
}  # fmt: skip
# class/id words of navigation, share, logo and footer widgets on government portals.
_DROP_WORDS = {
    "nav", "navbar", "menu", "breadcrumb", "crumb", "share", "bdsharebuttonbox", "sharebox", "jiathis",
    "footer", "copyright", "sidebar", "toolbar", "topbar", "skip", "logo",
}  # fmt: skip
_BLOCK_TAGS = {
    "p", "div", "section", "article", "main", "header", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol",
    "li", "dl", "dt", "dd", "blockquote", "pre", "address", "center", "form", "fieldset", "figure",
    "figcaption", "hr", "table", "tr", "td", "th", "thead", "tbody", "tfoot", "caption", "body", "html",
}  # fmt: skip
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_SPACE = re.compile(r"[ \t\r\n\f\v]+")  # the whitespace a browser collapses (not NBSP, not U+3000)
_WORD_SPLIT = re.compile(r"[\s_\-]+")


def read_html(data: bytes, name: str) -> ReadDocument:
    match = _META_CHARSET.search(data[:4096])
    declared = match.group(1).decode("ascii") if match else None
    markup, encoding = decode_bytes(data, name, declared)
    soup = BeautifulSoup(markup, "lxml")
    _drop_furniture(soup)
    out = TextBuilder(name)
    _Walker(out).block(soup)
    return ReadDocument(
        text=out.text(),
        source=name,
        format="html",
        encoding=encoding,
        tables=out.tables,
        blocks=out.blocks,
    )


def _drop_furniture(soup: BeautifulSoup) -> None:
    for node in soup.find_all(string=lambda s: isinstance(s, Comment | Doctype | ProcessingInstruction)):
        node.extract()
    # Walk the tree without entering what is dropped, then drop it. (bs4's `tag.decomposed` would
    # search the tag's whole subtree for a child named "_decomposed": quadratic in nesting depth.)
    dropped: list[Tag] = []
    stack: list[Tag] = [soup]
    while stack:
        tag = stack.pop()
        if tag is not soup and (tag.name in _DROP_TAGS or _is_widget(tag) or _hidden(tag)):
            dropped.append(tag)
            continue
        stack.extend(reversed([c for c in tag.contents if isinstance(c, Tag)]))
    for tag in dropped:
        tag.decompose()


def _is_widget(tag: Tag) -> bool:
    words: set[str] = set()
    for attr in ("class", "id"):
        value = tag.get(attr)
        if value:
            joined = " ".join(value) if isinstance(value, list) else str(value)
            words.update(w for w in _WORD_SPLIT.split(joined.lower()) if w)
    return bool(words & _DROP_WORDS)


def _hidden(tag: Tag) -> bool:
    style = str(tag.get("style") or "").replace(" ", "").lower()
    return "display:none" in style or tag.has_attr("hidden")


def _inline_text(text: str) -> str:
    return _SPACE.sub(" ", text).replace("\xa0", " ")


class _Walker:
    """Walks the DOM in reading order, writing paragraphs and tables to a TextBuilder."""

    def __init__(self, out: TextBuilder) -> None:
        self.out = out
        self.line: list[str] = []
        self.tables = 0

    def flush(self) -> None:
        text = "".join(self.line)
        self.line = []
        self.out.paragraph(text)

    def block(self, tag: Tag) -> None:
        for child in tag.children:
            if isinstance(child, NavigableString):
                self.line.append(_inline_text(str(child)))
            elif isinstance(child, Tag):
                self.element(child)

    def element(self, tag: Tag) -> None:
        if tag.name == "br":
            self.line.append("\n")
        elif tag.name == "table" and tag.find("table") is None:
            self.flush()
            caption = tag.find("caption")
            if caption is not None:
                self.out.paragraph(_cell_text(caption))
            self.tables += 1
            self.out.table(_table_rows(tag), f"table {self.tables}")
        elif tag.name in _BLOCK_TAGS:
            self.flush()
            self.block(tag)
            self.flush()
        else:
            self.block(tag)


def _table_rows(table: Tag) -> list[list[RawCell]]:
    rows = []
    for tr in table.find_all("tr"):
        cells = []
        in_head = tr.find_parent("thead") is not None
        for td in tr.find_all(["td", "th"], recursive=False):
            cells.append(
                RawCell(
                    text=_cell_text(td),
                    rowspan=_span(td.get("rowspan")),
                    colspan=_span(td.get("colspan")),
                    header=in_head or td.name == "th",
                )
            )
        rows.append(cells)
    return rows


def _cell_text(td: Tag) -> str:
    """A cell's text with its line breaks (<br>, <p>) kept as "\\n" and each line stripped."""
    parts: list[str] = []

    def walk(tag: Tag) -> None:
        for child in tag.children:
            if isinstance(child, NavigableString):
                parts.append(_inline_text(str(child)))
            elif isinstance(child, Tag):
                if child.name == "br":
                    parts.append("\n")
                elif child.name in _BLOCK_TAGS:
                    parts.append("\n")
                    walk(child)
                    parts.append("\n")
                else:
                    walk(child)

    walk(td)
    lines = (line.strip() for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _span(value: object) -> int:
    """rowspan/colspan as written; junk or 0 (means "to the end" in HTML5) count as 1."""
    try:
        return max(1, min(int(str(value).strip()), 1000))
    except (TypeError, ValueError):
        return 1
