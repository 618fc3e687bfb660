"""Fast rdflib plumbing for the graph builders: constant terms, cached literals, a plain store.

Building a document graph of 30k triples spent two thirds of its time in rdflib itself:

* rdflib's default `Memory` store records, per triple, which contexts (named graphs) hold it and
  fires an event nobody listens to. A document graph is one graph: `TripleStore` is rdflib's
  context-free `SimpleMemory` (same spo/pos/osp indexes), with a `len` that does not iterate.
* `Graph.add` checks each term's type through ABC instance checks: `adder(g)` skips them (kg makes
  every term it adds).
* `GW.notice` makes a new URIRef on every access and `Literal(5)` parses its value each time:
  `Terms(GW).notice` is made once, small integers and booleans are cached.
* `Literal("…", lang="zh")` costs ~8 µs (language tag check, lexical-to-value and back, a UTF-8
  encode of the whole text), `Literal(5)` ~3 µs: `zh`, `plain` and `integer` make the same Literal
  directly (checked against rdflib at import); dates and decimals, which repeat, are cached.
* A function call per triple: `node_adder(g)` adds all the triples of a new node (a source
  selector, an expanded assignment: most triples of a notice) in one call.

The graphs are the same rdflib Graphs, with the same triples, as with rdflib's defaults.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS as _DCTERMS
from rdflib.namespace import ORG as _ORG
from rdflib.namespace import RDF as _RDF
from rdflib.namespace import SKOS as _SKOS
from rdflib.namespace import TIME as _TIME
from rdflib.namespace import XSD as _XSD
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
FALSE = Literal(False)
_INTEGER = URIRef(_XSD.integer)
_SLOTS = ("_language", "_datatype", "_value", "_ill_typed")


def _made(lexical: str, lang: str | None, datatype: URIRef | None, value: Any) -> Literal:
    """The Literal rdflib's constructor ends with for these parts, made without its parsing and
    checks: for a str, the lexical form and the value are the text (plain and language-tagged
    strings map 1:1 to values); for an int, str(n) and n, typed xsd:integer."""
    lit = str.__new__(Literal, lexical)
    lit._language, lit._datatype, lit._value, lit._ill_typed = lang, datatype, value, None  # type: ignore[attr-defined]
    return lit


def _agrees(made: Literal, reference: Literal) -> bool:
    return (
        type(made) is type(reference)
        and str(made) == str(reference)
        and all(getattr(made, slot) == getattr(reference, slot) for slot in _SLOTS)
    )


# Checked once against rdflib itself, so that another rdflib version gets Literal() again.
_DIRECT = all(
    _agrees(_made(text, lang, None, text), Literal(text, lang=lang))
    for text in ('新密市 "1"\n', "")
    for lang in ("zh", None)
) and all(_agrees(_made(str(n), None, _INTEGER, n), Literal(n)) for n in (0, 7, -3, 10**20))


@lru_cache(maxsize=65536)
def integer(n: int) -> Literal:
    """xsd:integer literal (line numbers and offsets repeat: each selector has a start and end)."""
    if _DIRECT and type(n) is int:
        return _made(str(n), None, _INTEGER, n)
    return Literal(n)


def boolean(value: bool) -> Literal:
    """xsd:boolean literal."""
    return TRUE if value is True else FALSE if value is False else Literal(value)


@lru_cache(maxsize=4096)
def typed(text: str, datatype: URIRef) -> Literal:
    """`Literal(text, datatype=datatype)` (dates and target values repeat within and across notices)."""
    return Literal(text, datatype=datatype)


def zh(text: str) -> Literal:
    """`Literal(text, lang="zh")`."""
    return _string(text, "zh")


def plain(text: str) -> Literal:
    """`Literal(text)` for a string."""
    return _string(text, None)


def _string(text: str, lang: str | None) -> Literal:
    if _DIRECT and type(text) is str:
        return _made(text, lang, None, text)
    return Literal(text, lang=lang)


def derived_iri(text: str) -> URIRef:
    """`URIRef(text)` for a kg IRI extended by a fragment or by path segments made by
    `kg.iris.segment`: rdflib's scan for characters not allowed in an IRI (which only logs a
    warning) cannot find any in what was added."""
    return str.__new__(URIRef, text)


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

    def __init__(self) -> None:
        super().__init__()
        self._make_inserters()

    def _make_inserters(self) -> None:
        self.insert = self._inserter()
        self.insert_all = self._bulk_inserter()

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without the inserters (closures): `kg ingest --jobs` sends graphs between processes."""
        state = self.__dict__.copy()
        del state["insert"], state["insert_all"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._make_inserters()

    def __len__(self, context: Any = None) -> int:
        spo = self._SimpleMemory__spo  # type: ignore[attr-defined]
        return sum(len(objects) for po in spo.values() for objects in po.values())

    def clear(self) -> None:
        """Drop every triple at once. An rdflib Graph is in a reference cycle with its namespace
        manager, so a dropped graph waits for the cyclic garbage collector, whose full collections
        then walk its ~100k dicts and terms (ingest: a tenth of the time per notice); after `clear`
        reference counting frees them. The spo index is emptied in place: `insert` holds it."""
        self._SimpleMemory__spo.clear()  # type: ignore[attr-defined]
        self._SimpleMemory__pos = {}
        self._SimpleMemory__osp = {}
        self._indexed, self._scans = False, 0

    def add(self, triple: Any, context: Any, quoted: bool = False) -> None:
        self.insert(triple)

    def _inserter(self) -> Callable[[tuple[Any, Any, Any]], None]:
        """`insert(triple)`: the spo index held in a closure, and no throw-away dicts (setdefault's
        default is made on every call; ~28k triples per notice)."""
        spo: dict[Any, dict[Any, dict[Any, int]]] = self._SimpleMemory__spo  # type: ignore[attr-defined]

        def insert(triple: tuple[Any, Any, Any]) -> None:
            s, p, o = triple
            po = spo.get(s)
            if po is None:
                spo[s] = {p: {o: 1}}
            else:
                objects = po.get(p)
                if objects is None:
                    po[p] = {o: 1}
                else:
                    objects[o] = 1
            if self._indexed:
                self._SimpleMemory__pos.setdefault(p, {}).setdefault(o, {})[s] = 1  # type: ignore[attr-defined]
                self._SimpleMemory__osp.setdefault(o, {}).setdefault(s, {})[p] = 1  # type: ignore[attr-defined]

        return insert

    def _bulk_inserter(self) -> Callable[[Any, Iterable[tuple[Any, Any]]], None]:
        """`insert_all(s, pairs)`: the triples (s, p, o) of a node, in order. A node the store does
        not hold yet gets its predicate index in one go, without a call per triple."""
        spo: dict[Any, dict[Any, dict[Any, int]]] = self._SimpleMemory__spo  # type: ignore[attr-defined]
        insert = self.insert

        def insert_all(s: Any, pairs: Iterable[tuple[Any, Any]]) -> None:
            if s in spo or self._indexed:
                for p, o in pairs:
                    insert((s, p, o))
                return
            po: dict[Any, dict[Any, int]] = {}
            for p, o in pairs:
                objects = po.get(p)
                if objects is None:
                    po[p] = {o: 1}
                else:
                    objects[o] = 1
            if po:
                spo[s] = po

        return insert_all

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
    if isinstance(g.store, TripleStore):
        return g.store.insert
    store_add = g.store.add
    return lambda triple: store_add(triple, g, False)


def node_adder(g: Graph) -> Callable[[Any, Iterable[tuple[Any, Any]]], None]:
    """`add_node(s, pairs)`: `g.add((s, p, o))` for each (p, o) of `pairs`, in order."""
    if isinstance(g.store, TripleStore):
        return g.store.insert_all
    add = adder(g)

    def add_node(s: Any, pairs: Iterable[tuple[Any, Any]]) -> None:
        for p, o in pairs:
            add((s, p, o))

    return add_node
