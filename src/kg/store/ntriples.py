"""A graph serialized once, as N-Triples text: its content hash, its store write and its validation
load all read the same text.

Ingest used to format every term of a document graph three times (rdflib `.n3()` for the hash and
for the INSERT DATA text, then N-Triples for the validator): about 0.15 s per 26k-triple notice,
more than parsing the notice. `Triples.of(graph)` formats each term once, and the text is what the
store loads (`Store.load` as N-Triples, or the body of an INSERT DATA: N-Triples terms are SPARQL
terms) and what the validator loads into its workspace.

The content hash (`Triples.sha256`, `graph_sha256`) is the sha256 of the distinct lines, sorted,
each ending in a newline: independent of triple order and of how the graph was assembled, so the
same file, registry and kg version always give the same hash. Graphs with blank nodes are
canonicalised first (kg mints IRIs for everything, so that slower path is for other graphs).
"""

from __future__ import annotations

import hashlib
import operator
from collections.abc import Iterable
from itertools import islice

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.plugins.stores.memory import Memory, SimpleMemory
from rdflib.term import Node


def _escape(text: str) -> str:
    """N-Triples escapes exactly \\, ", LF and CR in a string (raw UTF-8 otherwise), so a triple is
    one line. Most strings hold none of them: four scans in C beat str.translate, which looks every
    character of a Chinese text up in a dict."""
    if "\\" in text or '"' in text or "\n" in text or "\r" in text:
        # the backslash first: the later replacements add backslashes that must stay single
        return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return text


def term(t: Node) -> str:
    """One RDF term in N-Triples syntax."""
    if type(t) is URIRef or isinstance(t, URIRef):
        return f"<{t}>"
    if isinstance(t, Literal):
        text = f'"{_escape(str(t))}"'
        if t.language:
            return f"{text}@{t.language}"
        return f"{text}^^<{t.datatype}>" if t.datatype else text
    if isinstance(t, BNode):
        return f"_:{t}"
    raise TypeError(f"not an RDF term: {t!r}")


def _lines(graph: Graph) -> tuple[list[bytes], bool]:
    """The graph's triples as N-Triples lines (UTF-8, without the newline), and whether any term is a
    blank node.

    Each subject is formatted once, each predicate and object once per graph: a kg document graph
    repeats its objects (classes, agents, the literals the builder shares), and bytes concatenate
    without the UTF-8 encode of every line that joining text and encoding it cost. Terms are
    recognised by identity (an rdflib Literal hashes in Python, which costs more than formatting
    it); `pinned` holds each one, so that no id is reused meanwhile. A graph alone in its rdflib
    in-memory store is read straight from the store's subject index (iterating the graph costs as
    much as all the formatting)."""
    out: list[bytes] = []
    add = out.append
    blank = False
    predicates: dict[int, bytes] = {}  # id -> "<p> "
    objects_seen: dict[int, bytes] = {}  # id -> "o ."
    pinned: list[Node] = []
    known = objects_seen.get
    for s, pos in _by_subject(graph):
        blank = blank or type(s) is BNode
        head = f"{term(s)} ".encode()
        for p, objects in pos:
            pred = predicates.get(id(p))
            if pred is None:
                pred = predicates[id(p)] = f"{term(p)} ".encode()
                pinned.append(p)
            start = head + pred
            for o in objects:
                text = known(id(o))
                if text is None:
                    blank = blank or isinstance(o, BNode)
                    text = objects_seen[id(o)] = f"{term(o)} .".encode()
                    pinned.append(o)
                add(start + text)
    return out, blank


def _by_subject(graph: Graph) -> Iterable[tuple[Node, Iterable[tuple[Node, Iterable[Node]]]]]:
    """(subject, [(predicate, objects)]) of every triple of `graph`, from the subject index of
    rdflib's in-memory stores when the store holds this graph alone (kg.graph's TripleStore is a
    SimpleMemory, which has no contexts; a Memory may hold several graphs)."""
    store = graph.store
    contexts = getattr(store, "_Memory__all_contexts", None)
    if isinstance(store, SimpleMemory):
        spo = store._SimpleMemory__spo  # type: ignore[attr-defined]
    elif type(store) is Memory and contexts is not None and [*contexts] == [graph]:
        spo = store._Memory__spo  # type: ignore[attr-defined]
    else:
        return ((s, [(p, (o,))]) for s, p, o in graph)
    return ((s, po.items()) for s, po in spo.items())


def ntriples(graph: Graph) -> bytes:
    """The graph as N-Triples (blank node labels kept as they are), 2x faster than rdflib's
    serializer."""
    return _text(_lines(graph)[0])


def _text(lines: list[bytes]) -> bytes:
    """Lines as N-Triples text: each ends in a newline."""
    lines.append(b"")  # the last newline, without copying the text once more to add it
    text = b"\n".join(lines)
    lines.pop()
    return text


class Triples:
    """A graph's triples as N-Triples (UTF-8, one triple per line, each line ending in a newline).

    `Triples.of(graph)` serializes a graph; `a + b` is the union (the lines of both; a line in both
    is loaded once, since a store holds a set of triples). Small to pickle: one bytes object.
    """

    __slots__ = ("data", "_sha256", "_lines")

    def __init__(self, data: bytes = b"") -> None:
        self.data = data
        self._sha256: str | None = None
        self._lines: list[bytes] | None = None  # the lines of `data`, from `of`, until hashed

    @classmethod
    def of(cls, graph: Graph) -> Triples:
        lines, blank = _lines(graph)
        if blank:  # blank node labels are arbitrary: hash (and write) the canonical form
            from rdflib.compare import to_canonical_graph

            lines, _ = _lines(to_canonical_graph(graph))
        triples = cls(_text(lines))
        triples._lines = lines  # spares `sha256` splitting the text again
        return triples

    @property
    def text(self) -> str:
        return self.data.decode("utf-8")

    @property
    def sha256(self) -> str:
        """The content hash: sha256 of the distinct lines, sorted, each ending in a newline.

        Sorted as UTF-8 bytes, which is code point order. Lines repeat only in a union (`a + b`;
        a graph holds a set of triples), so a pass checking that the sorted lines strictly
        increase mostly spares dropping repeats."""
        if self._sha256 is None:
            lines = self._lines
            if lines is None:
                lines = [line for line in self.data.split(b"\n") if line]
            ordered = sorted(lines)
            if not all(map(operator.lt, ordered, islice(ordered, 1, None))):
                ordered = list(dict.fromkeys(ordered))
            h = hashlib.sha256(b"\n".join(ordered))
            if ordered:
                h.update(b"\n")
            self._sha256 = h.hexdigest()
            self._lines = None
        return self._sha256

    def __add__(self, other: Triples) -> Triples:
        return Triples(self.data + other.data)

    def __len__(self) -> int:
        """Lines (triples, counting one in both parts of a union twice)."""
        return self.data.count(b"\n")

    def __bool__(self) -> bool:
        return bool(self.data)

    def __getstate__(self) -> tuple[bytes, str | None]:
        return self.data, self._sha256

    def __setstate__(self, state: tuple[bytes, str | None]) -> None:
        self.data, self._sha256 = state
        self._lines = None


def as_triples(data: Graph | Triples) -> Triples:
    """`data` as Triples (serialized when it is an rdflib Graph)."""
    return data if isinstance(data, Triples) else Triples.of(data)


def graph_sha256(graph: Graph | Triples) -> str:
    """A content hash of a graph: sha256 of its sorted distinct N-Triples lines.

    Exact for graphs without blank nodes (kg mints IRIs for everything); with blank nodes it
    canonicalises first (slower, but still stable across runs).
    """
    return as_triples(graph).sha256


__all__ = ["Triples", "as_triples", "graph_sha256", "ntriples", "term"]
