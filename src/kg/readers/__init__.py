"""Format readers: a file (.txt, .html/.htm, .docx) -> `ReadDocument` (text + tables) for the parser.

    doc = read_document(path)          # or read_bytes(data, name) for bytes already in hand
    doc.text      # plain text with line breaks; what the parser reads and Spans index
    doc.tables    # Table grids (merged cells repeated), with header helpers and cell offsets into text
    doc.blocks    # where each paragraph / table row landed in text, and where it came from

The format comes from the content when it is recognisable (a .docx is a zip archive, an HTML page
starts with markup), else from the file name's suffix. Unreadable input (missing file, binary data,
a broken .docx) raises `kg.errors.KgError` naming the file.
"""

from __future__ import annotations

import re
from pathlib import Path

from kg.errors import KgError
from kg.readers.document import CELL_SEP, Block, Cell, ReadDocument, Table
from kg.readers.docx import read_docx
from kg.readers.html import read_html
from kg.readers.text import decode_bytes, read_text

__all__ = [
    "CELL_SEP", "Block", "Cell", "ReadDocument", "Table",
    "decode_bytes", "read_bytes", "read_document", "sniff_format",
]  # fmt: skip

SUFFIXES = {".txt": "txt", ".text": "txt", ".html": "html", ".htm": "html", ".shtml": "html", ".docx": "docx"}
_HTML_START = re.compile(
    rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|meta|div|table|p)\b", re.I | re.S
)
_READERS = {"txt": read_text, "html": read_html, "docx": read_docx}
# Formats people save notices in that kg cannot read: refused with a hint instead of "binary".
_UNSUPPORTED = (
    (b"%PDF-", "a PDF file: kg reads .txt, .html and .docx (save the notice as one of these)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Word/Excel/WPS file (.doc, .xls, .wps): save it as .docx"),
    (b"{\\rtf", "an RTF file: save it as .docx or .txt"),
    (b"Rar!", "a RAR archive: unpack it first"),
    (b"\x1f\x8b", "a gzip archive: unpack it first"),
    (b"\x89PNG", "an image: kg reads text, not scans"),
    (b"\xff\xd8\xff", "an image: kg reads text, not scans"),
)


def sniff_format(name: str, head: bytes) -> str:
    """'txt', 'html' or 'docx' for a file, from its first bytes, else from its name's suffix."""
    if head.startswith(b"PK\x03\x04"):
        return "docx"
    if _HTML_START.match(head.lstrip(b"\xef\xbb\xbf")[:2048]):
        return "html"
    return SUFFIXES.get(Path(name).suffix.lower(), "txt")


def read_bytes(data: bytes, name: str) -> ReadDocument:
    """Read a file's bytes; `name` (the file name) chooses the format when the content does not."""
    for magic, what in _UNSUPPORTED:
        if data.startswith(magic):
            raise KgError(f"not a notice kg can read: {what}", code="unreadable", file=name)
    return _READERS[sniff_format(name, data[:4096])](data, name)


def read_document(path: str | Path) -> ReadDocument:
    """Read one file as the parser needs it. Raises KgError for unreadable input."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise KgError("no such file", code="not-found", file=str(path)) from exc
    except IsADirectoryError as exc:
        raise KgError("a directory, not a file", code="unreadable", file=str(path)) from exc
    except OSError as exc:
        raise KgError(f"cannot read the file ({exc.strerror})", code="unreadable", file=str(path)) from exc
    return read_bytes(data, path.name)
