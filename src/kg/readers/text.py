"""Plain-text notices: decode the bytes (UTF-8, GB18030, UTF-16/32 with BOM) and refuse binaries."""

from __future__ import annotations

import codecs
import unicodedata
from collections import Counter

from kg.errors import KgError
from kg.readers.document import Block, ReadDocument

# Longest BOM first: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Tried in order when there is no BOM. GB18030 is a superset of GB2312 and GBK, the encodings
# older Chinese government pages and documents use.
_FALLBACKS = ("utf-8", "gb18030")
_MAX_ODD = 0.02  # share of control / private-use / unassigned characters a real text may have
_SAMPLE = 65536


def decode_bytes(data: bytes, name: str, declared: str | None = None) -> tuple[str, str]:
    """Decode a notice's bytes, returning (text, encoding). Raises KgError for binary data.

    `declared` is an encoding named by the file itself (an HTML meta charset); a BOM beats it and it
    beats guessing. GB2312/GBK declarations are read as GB18030, which decodes everything they do.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _checked(data, encoding, name), encoding
    if b"\x00" in data[:_SAMPLE]:
        guessed = _utf16_without_bom(data)
        if guessed:
            return _checked(data, guessed, name), guessed
        raise _binary(name)
    candidates = ([_canonical(declared)] if declared else []) + list(_FALLBACKS)
    for encoding in dict.fromkeys(candidates):
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        if _plausible(text):
            return text, encoding
    raise _binary(name)


def read_text(data: bytes, name: str) -> ReadDocument:
    text, encoding = decode_bytes(data, name)
    blocks = []
    offset = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            blocks.append(Block("paragraph", offset, offset + len(line), f"line {number}"))
        offset += len(line) + 1
    return ReadDocument(text=text, source=name, format="txt", encoding=encoding, blocks=blocks)


def _canonical(encoding: str) -> str:
    encoding = encoding.strip().lower()
    if encoding in {"gb2312", "gbk", "x-gbk", "gb_2312-80", "cp936", "euc-cn"}:
        return "gb18030"
    return encoding


def _checked(data: bytes, encoding: str, name: str) -> str:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise KgError(
            f"cannot decode the file as {encoding}: {exc.reason}", code="unreadable", file=name
        ) from exc
    if not _plausible(text):
        raise _binary(name)
    return text.removeprefix("\ufeff")


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 without a BOM shows as NUL bytes in every other position for ASCII-heavy text."""
    sample = data[: _SAMPLE - _SAMPLE % 2]
    if len(sample) < 2:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    if odd > half * 0.3 and even < half * 0.05:
        return "utf-16-le"
    if even > half * 0.3 and odd < half * 0.05:
        return "utf-16-be"
    return None


def _plausible(text: str) -> bool:
    """Text, not decoded noise: almost no control, private-use or unassigned characters."""
    sample = text[:_SAMPLE]
    if not sample:
        return True
    # per distinct character: a notice uses a few thousand, however long it is
    odd = sum(
        n
        for ch, n in Counter(sample).items()
        if ch not in "\n\r\t\f" and unicodedata.category(ch) in {"Cc", "Co", "Cn", "Cs"}
    )
    return odd <= len(sample) * _MAX_ODD


def _binary(name: str) -> KgError:
    return KgError(
        "not a text notice: the file looks binary (it is neither UTF-8, GB18030 nor UTF-16 text)",
        code="unreadable",
        file=name,
    )
