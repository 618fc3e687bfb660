"""Word .docx files: body paragraphs and tables in document order, merged cells resolved.

Headers, footers and page numbers are page furniture and are not read. Word's automatic list
numbering (w:numPr) is not part of the text and is not reproduced: notices number their items
in the text itself, and a number that exists only as list formatting is lost here.
"""

from __future__ import annotations

import io
import zipfile

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from lxml import etree

from kg.errors import KgError
from kg.readers.document import RawCell, ReadDocument, TextBuilder

_P, _TBL, _SDT, _TR, _TC = qn("w:p"), qn("w:tbl"), qn("w:sdt"), qn("w:tr"), qn("w:tc")
_T, _TAB, _BR, _CR = qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")
_DEL = qn("w:del")  # tracked deletions are not part of the text
_VAL = qn("w:val")


def read_docx(data: bytes, name: str) -> ReadDocument:
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError, etree.XMLSyntaxError) as exc:
        raise KgError(f"not a readable .docx file ({exc})", code="unreadable", file=name) from exc
    out = TextBuilder(name)
    counts = {"paragraph": 0, "table": 0}
    for element in _body_items(document.element.body):
        if element.tag == _P:
            counts["paragraph"] += 1
            out.paragraph(_paragraph_text(element), f"paragraph {counts['paragraph']}")
        else:
            counts["table"] += 1
            out.table(_table_rows(element), f"table {counts['table']}")
    return ReadDocument(text=out.text(), source=name, format="docx", tables=out.tables, blocks=out.blocks)


def _body_items(parent: etree._Element) -> list[etree._Element]:
    """Paragraphs and tables of a container in order, looking inside content controls (w:sdt)."""
    items = []
    for child in parent.iterchildren():
        if child.tag in (_P, _TBL):
            items.append(child)
        elif child.tag == _SDT:
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                items.extend(_body_items(content))
    return items


def _paragraph_text(p: etree._Element) -> str:
    parts = []
    for node in p.iter(_T, _TAB, _BR, _CR):
        if any(anc.tag == _DEL for anc in node.iterancestors()):
            continue
        if node.tag == _T:
            parts.append(node.text or "")
        elif node.tag == _TAB:
            parts.append(" ")  # a TAB inside a paragraph is alignment, and TAB separates table cells
        else:
            parts.append("\n")
    return "".join(parts)


def _table_rows(tbl: etree._Element) -> list[list[RawCell]]:
    rows = []
    for tr in tbl.iterchildren(_TR):
        tr_pr = tr.find(qn("w:trPr"))
        header = tr_pr is not None and tr_pr.find(qn("w:tblHeader")) is not None
        before = _int_child(tr_pr, "w:gridBefore", 0)
        cells = []
        for tc in tr.iterchildren(_TC):
            tc_pr = tc.find(qn("w:tcPr"))
            v_merge = tc_pr.find(qn("w:vMerge")) if tc_pr is not None else None
            cells.append(
                RawCell(
                    text=_cell_text(tc),
                    colspan=_int_child(tc_pr, "w:gridSpan", 1),
                    header=header,
                    # vMerge without val="restart" continues the cell above (OOXML default "continue").
                    continues_above=v_merge is not None and v_merge.get(_VAL, "continue") == "continue",
                    skip_before=before if not cells else 0,
                )
            )
        rows.append(cells)
    return rows


def _cell_text(tc: etree._Element) -> str:
    """All paragraphs of a cell (nested tables included), one per line."""
    lines = []
    for p in tc.iter(_P):
        lines.extend(line.strip() for line in _paragraph_text(p).split("\n"))
    return "\n".join(line for line in lines if line)


def _int_child(parent: etree._Element | None, name: str, default: int) -> int:
    if parent is None:
        return default
    node = parent.find(qn(name))
    try:
        return int(node.get(_VAL)) if node is not None else default
    except (TypeError, ValueError):
        return default
