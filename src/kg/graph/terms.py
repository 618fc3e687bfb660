"""Fast rdflib plumbing for the graph builders: constant terms, cached literals, a plain store.

Building a document graph of 30k triples spent two thirds of its time in rdflib itself:

* rdflib's default `Memory` store records, per triple, which contexts (named graphs) hold it and
  fires an event nobody listens to. A document graph is one graph: `TripleStore` is rdflib's
  context-free `SimpleMemory` (same spo/pos/osp indexes), with a `len` that does not iterate.
* `Graph.add` checks each term's type through ABC instance checks: `adder(g)` skips them (kg makes
  every term it adds).
* `GW.notice` makes a new URIRef on every access and `Literal(5)` parses its value each time:
  `Terms(GW).notice` is made once, small integers and booleans are cached.

The graphs are the same rdflib Graphs, with the same triples, as with rdflib's defaults.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS as _DCTERMS
from rdflib.namespace import ORG as _ORG
from rdflib.namespace import RDF as _RDF
from rdflib.namespace import SKOS as _SKOS
from rdflib.namespace import TIME as _TIME
from rdflib.plugins.stores.memory import SimpleMemory

from kg import iris


class Terms:
    """`Terms(ns).name` is `ns.name`, made on first use and then a plain attribute."""

    def __init__(self, ns: Any) -> None:
        self._ns = ns

    def __getattr__(self, name: str) -> URIRef:
        if name.startswith("__"):
            raise AttributeError(name)
        term = URIRef(self._ns[name])
        setattr(self, name, term)
        return term


GW = Terms(iris.GW)
ELI = Terms(iris.ELI)
OA = Terms(iris.OA)
ODRL = Terms(iris.ODRL)
QUDT = Terms(iris.QUDT)
RDF = Terms(_RDF)
TIME = Terms(_TIME)
DCTERMS = Terms(_DCTERMS)
SKOS = Terms(_SKOS)
ORG = Terms(_ORG)

TRUE = Literal(True)


@lru_cache(maxsize=65536)
def integer(n: int) -> Literal:
    """xsd:integer literal (line numbers and offsets repeat: each selector has a start and end)."""
    return Literal(n)


SCANS_BEFORE_INDEXING = 4  # after that many scans, build the indexes


class TripleStore(SimpleMemory):
    """rdflib's SimpleMemory for a document graph being built: `add` fills the spo index only, and
    the pos and osp indexes are built from it the first time a lookup or a removal needs them (then
    kept up to date). Building a graph is mostly adding triples and reading them back by subject:
    filling three indexes per triple was 45% of `build_graph` (56 vs 105 ms per notice). `add` does
    not raise a KeyError for every new key either (SimpleMemory's try/except), and len counts the
    spo index (SimpleMemory iterates every triple)."""

    _indexed = False  # pos and osp are built and kept up to date
    _scans = 0  # lookups by predicate or object answered by scanning spo

    def __len__(self, context: Any = None) -> int:
        spo = self._SimpleMemory__spo  # type: ignore[attr-defined]
        return sum(len(objects) for po in spo.values() for objects in po.values())

    def clear(self) -> None:
        """Drop every triple at once. An rdflib Graph is in a reference cycle with its namespace
        manager, so a dropped graph waits for the cyclic garbage collector, whose full collections
        then walk its ~100k dicts and terms (ingest: a tenth of the time per notice); after `clear`
        reference counting frees them."""
        self._SimpleMemory__spo = {}
        self._SimpleMemory__pos = {}
        self._SimpleMemory__osp = {}
        self._indexed, self._scans = False, 0

    def add(self, triple: Any, context: Any, quoted: bool = False) -> None:
        s, p, o = triple
        self._SimpleMemory__spo.setdefault(s, {}).setdefault(p, {})[o] = 1  # type: ignore[attr-defined]
        if self._indexed:
            self._SimpleMemory__pos.setdefault(p, {}).setdefault(o, {})[s] = 1  # type: ignore[attr-defined]
            self._SimpleMemory__osp.setdefault(o, {}).setdefault(s, {})[p] = 1  # type: ignore[attr-defined]

    def _index(self) -> None:
        if self._indexed:
            return
        pos: dict[Any, dict[Any, dict[Any, int]]] = {}
        osp: dict[Any, dict[Any, dict[Any, int]]] = {}
        for s, po in self._SimpleMemory__spo.items():  # type: ignore[attr-defined]
            for p, objects in po.items():
                by_object = pos.setdefault(p, {})
                for o in objects:
                    by_object.setdefault(o, {})[s] = 1
                    osp.setdefault(o, {}).setdefault(s, {})[p] = 1
        self._SimpleMemory__pos, self._SimpleMemory__osp = pos, osp
        self._indexed = True

    def triples(self, triple_pattern: Any, context: Any = None) -> Any:
        s, p, o = triple_pattern
        if s is not None or (p is None and o is None) or self._indexed:
            return super().triples(triple_pattern, context)
        # By predicate or object, which SimpleMemory reads from pos or osp. Ingest asks this once
        # per graph (the tasks of the notice), for which a scan of spo is cheaper than the indexes.
        self._scans += 1
        if self._scans > SCANS_BEFORE_INDEXING:
            self._index()
            return super().triples(triple_pattern, context)
        return self._scan(p, o)

    def _scan(self, p: Any, o: Any) -> Any:
        contexts = self._SimpleMemory__contexts  # type: ignore[attr-defined]
        for s, po in self._SimpleMemory__spo.items():  # type: ignore[attr-defined]
            for pred in (p,) if p is not None else tuple(po):
                objects = po.get(pred) or {}
                if o is None:
                    for obj in objects:
                        yield (s, pred, obj), contexts()
                elif o in objects:
                    yield (s, pred, o), contexts()

    def remove(self, triple_pattern: Any, context: Any = None) -> None:
        self._index()
        super().remove(triple_pattern, context)


def new_graph() -> Graph:
    """An empty document graph on a TripleStore, with kg's prefixes bound."""
    g = Graph(store=TripleStore())
    for prefix, ns in iris.PREFIXES.items():
        g.bind(prefix, ns)
    return g


def adder(g: Graph) -> Callable[[tuple[Any, Any, Any]], None]:
    """`g.add` without its per-term type assertions."""
    store_add = g.store.add
    return lambda triple: store_add(triple, g, False)
