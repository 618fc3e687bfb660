"""A small SPARQL lexer: enough to find variable tokens and braces outside strings, IRIs and comments.

Named-query parameters are bound by rewriting the query text (pyoxigraph 0.5 does not push
`VALUES`, `BIND` or `substitutions=` constants down into patterns, so an inline IRI is ~500x
faster; see docs/design.md and queries/README.md). Only whole variable tokens are rewritten and
the replacement is always an RDF term serialised by rdflib (`term.n3()`), never user text.

Limitation, kept on purpose: `<` is read as the start of an IRI when an IRI-shaped run follows
it (`?a<?b>` would be an IRI); write comparison operators with spaces around them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache

_IRI = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_VAR = re.compile(r"[?$]([A-Za-z0-9_\u00B7\u00C0-\uFFFF]+)")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Token:
    kind: str  # "var" | "iri" | "string" | "comment" | "word" | "punct"
    start: int
    end: int
    text: str

    @property
    def name(self) -> str:
        """Variable name without its ? or $."""
        return self.text[1:] if self.kind == "var" else self.text


def _string_end(text: str, i: int) -> int:
    """Index just past the string literal starting at i (one of ' " ''' \"\"\")."""
    quote = text[i]
    long = text.startswith(quote * 3, i)
    delim = quote * 3 if long else quote
    j = i + len(delim)
    while j < len(text):
        ch = text[j]
        if ch == "\\":
            j += 2
            continue
        if text.startswith(delim, j):
            return j + len(delim)
        if not long and ch in "\r\n":
            break  # unterminated short string: stop at the line end
        j += 1
    return len(text)


def tokens(text: str) -> Iterator[Token]:
    """Tokens of interest in order: variables, IRIs, strings, comments, words and punctuation."""
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch == "#":
            end = text.find("\n", i)
            end = n if end < 0 else end
            yield Token("comment", i, end, text[i:end])
            i = end
            continue
        if ch in "\"'":
            end = _string_end(text, i)
            yield Token("string", i, end, text[i:end])
            i = end
            continue
        if ch == "<":
            m = _IRI.match(text, i)
            if m:
                yield Token("iri", i, m.end(), m.group())
                i = m.end()
                continue
        if ch in "?$":
            m = _VAR.match(text, i)
            if m:
                yield Token("var", i, m.end(), m.group())
                i = m.end()
                continue
        m = _WORD.match(text, i)
        if m:
            # a prefixed name or a keyword: swallow its local part (which may hold ':', '.', '-')
            end = m.end()
            while end < n and (
                text[end].isalnum()
                or text[end] in "_:-%\\"
                or ord(text[end]) > 0x7F
                or (text[end] == "." and end + 1 < n and text[end + 1].isalnum())
            ):
                end += 2 if text[end] == "\\" else 1
            yield Token("word", i, end, text[i:end])
            i = end
            continue
        yield Token("punct", i, i + 1, ch)
        i += 1


def variables(text: str) -> set[str]:
    """Names of the variables used in a query (comments, strings and IRIs skipped)."""
    return {t.name for t in tokens(text) if t.kind == "var"}


@lru_cache(maxsize=256)
def _variable_spans(text: str) -> tuple[tuple[int, int, str], ...]:
    """(start, end, name) of every variable token: a named query's text is lexed once, not on
    every run (0.3 ms of a 5 ms query)."""
    return tuple((t.start, t.end, t.name) for t in tokens(text) if t.kind == "var")


def substitute(text: str, terms: Mapping[str, str]) -> str:
    """Replace every token `?name` / `$name` with `terms[name]` (already-serialised RDF terms)."""
    out, last = [], 0
    for start, end, name in _variable_spans(text):
        if name in terms:
            out.append(text[last:start])
            out.append(terms[name])
            last = end
    out.append(text[last:])
    return "".join(out)


def where_open_brace(text: str) -> int:
    """Offset just after the `{` opening the query's WHERE group (for inserting a VALUES block)."""
    toks = list(tokens(text))
    start = 0
    for k, t in enumerate(toks):
        if t.kind == "word" and t.text.upper() == "WHERE":
            start = k
            break
    for t in toks[start:]:
        if t.kind == "punct" and t.text == "{":
            return t.end
    raise ValueError("query has no WHERE group")


def insert_values(text: str, var: str, terms: list[str]) -> str:
    """Add `VALUES ?var { t1 t2 }` as the first element of the WHERE group."""
    pos = where_open_brace(text)
    block = f"\n  VALUES ?{var} {{ {' '.join(terms)} }}\n"
    return text[:pos] + block + text[pos:]
