"""SHACL validation of one document graph (shapes/*.ttl) against the registry.

The data graph is the document graph plus the registry graph (group memberships, minted flags), with
no inference. Every reported item names the task (gw:path) it concerns, when there is one, and the
shape (rule) that produced it:

    task 2.23: target has neither low nor high bound [gw:TargetShape]

The shapes are compiled to SPARQL once per process (kg.shacl) and run on an in-memory Oxigraph
store that keeps the registry loaded: validating a document loads its triples into a graph of
their own, runs one query per constraint over [document, registry], and drops the graph again.
pySHACL stays the reference (`validate_reference`): kg.validate falls back to it for shapes the
compiler does not translate, and the tests compare the two engines.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from kg import paths
from kg.errors import KgError
from kg.iris import PREFIXES
from kg.model import Problem, Severity
from kg.registry import Registry
from kg.shacl import Program, Result, Unsupported, compile_shapes
from kg.store.ntriples import Triples, ntriples
from kg.store.sparql_text import SHA256
from kg.turtle import parse_turtle_into

_SEVERITY: dict[Node, Severity] = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}
_REGISTRY = ox.NamedNode("urn:kg:validate:registry")
_STORE_HASH = ox.NamedNode(str(SHA256))  # kg.store's bookkeeping triple in each document graph


@dataclass(frozen=True)
class ValidationItem:
    """One SHACL result: what, where (task path, line) and which rule."""

    severity: Severity
    message: str
    rule: str  # the node shape, e.g. gw:TargetShape
    focus: str  # IRI of the node the result is about
    path: str | None = None  # task path, e.g. 2.23
    where: str | None = None  # what to call the focus when it is not a task: notice 新密政办〔2021〕6号
    line: int | None = None  # line of the task / item in the source text

    def render(self) -> str:
        place = f"task {self.path}" if self.path else (self.where or self.focus)
        return f"{place}: {self.message} [{self.rule}]"

    def problem(self) -> Problem:
        return Problem(
            self.severity, self.message, line=self.line, rule=self.rule, focus=self.path or self.focus
        )


@dataclass
class ValidationReport:
    violations: list[ValidationItem] = field(default_factory=list)
    warnings: list[ValidationItem] = field(default_factory=list)  # sh:Warning and sh:Info

    @property
    def conforms(self) -> bool:
        return not self.violations

    def render(self) -> list[str]:
        """One line per item, violations first; warnings and infos are marked as such."""
        lines = [v.render() for v in self.violations]
        lines += [f"{w.severity}: {w.render()}" for w in self.warnings]
        return lines


@dataclass
class StoreReport:
    """`validate_store`: one report per stored document, in document order."""

    documents: dict[str, ValidationReport] = field(default_factory=dict)

    @property
    def violations(self) -> list[ValidationItem]:
        return [v for r in self.documents.values() for v in r.violations]

    @property
    def warnings(self) -> list[ValidationItem]:
        return [w for r in self.documents.values() for w in r.warnings]

    @property
    def conforms(self) -> bool:
        return all(r.conforms for r in self.documents.values())


# ---------------------------------------------------------------------------------------- entry points


def validate(
    data: Graph | Triples, registry: Registry, shapes_dir: Path = paths.SHAPES_DIR
) -> ValidationReport:
    """Validate a document graph (from kg.graph.build_graph, or that graph already serialized by
    `kg.store.ntriples.Triples`: ingest serializes it once for hash, validation and store) with the
    registry as context."""
    compiled = _compiled(Path(shapes_dir))
    if compiled is None:
        return validate_reference(data, registry, shapes_dir)
    return _workspace(registry).validate(compiled, _data(data))


def validate_store(
    store: Any,
    registry: Registry,
    shapes_dir: Path = paths.SHAPES_DIR,
    on_document: Callable[[str, ValidationReport], None] | None = None,
    *,
    jobs: int = 0,
) -> StoreReport:
    """Validate every document graph of a kg store (each with the registry), as `kg validate`.

    Each document is checked on its own, as at ingest, so the work is linear in the store's size
    and splits between `jobs` processes (0: one per CPU) for a store on disk or on a server.
    `on_document(iri, report)` is called as each one is done, in document order.
    """
    out = StoreReport()
    for iri, report in iter_store(store, registry, shapes_dir, jobs=jobs):
        out.documents[iri] = report
        if on_document is not None:
            on_document(iri, report)
    return out


def iter_store(
    store: Any, registry: Registry, shapes_dir: Path = paths.SHAPES_DIR, *, jobs: int = 0
) -> Iterator[tuple[str, ValidationReport]]:
    """(document IRI, report) for every stored document, in `store.documents()` order.

    Processes pay off from about 8 documents per process on (each opens the store read-only and
    rebuilds the registry, about a second); an in-memory store is validated here.
    """
    docs = store.documents()
    jobs = jobs or os.cpu_count() or 1
    if jobs > 1 and len(docs) >= 8 * jobs and store.location != ":memory:":
        yield from _in_processes(store.location, docs, registry, Path(shapes_dir), jobs)
        return
    for iri in docs:
        yield iri, validate_document(store, iri, registry, shapes_dir)


def validate_document(
    store: Any, iri: str, registry: Registry, shapes_dir: Path = paths.SHAPES_DIR
) -> ValidationReport:
    """Validate one stored document graph (with `registry`), without going through rdflib."""
    compiled = _compiled(Path(shapes_dir))
    if compiled is None:
        return validate_reference(store.document_graph(iri), registry, shapes_dir)
    raw = getattr(store, "raw", None)
    if isinstance(raw, ox.Store):  # the embedded store: N-Triples straight from Oxigraph
        data = raw.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(iri))
    else:
        data = ntriples(store.document_graph(iri))
    return _workspace(registry).validate(compiled, data or b"")


def validate_reference(
    data: Graph | Triples, registry: Registry, shapes_dir: Path = paths.SHAPES_DIR
) -> ValidationReport:
    """The same validation by pySHACL (the reference implementation; slow on large graphs)."""
    import pyshacl  # 0.2 s to import: only here

    shapes = load_shapes(Path(shapes_dir))
    nt = _data(data)
    union = ox.Store()
    union.bulk_load(registry.ntriples(), ox.RdfFormat.N_TRIPLES)
    union.bulk_load(nt, ox.RdfFormat.N_TRIPLES)
    _, results, _ = pyshacl.validate(
        union,
        shacl_graph=shapes,
        inference="none",
        advanced=True,
        allow_infos=True,
        allow_warnings=True,
        inplace=True,  # the store is ours: no copy
    )
    found = []
    for r in results.subjects(RDF.type, SH.ValidationResult):
        value = results.value(r, SH.value)
        found.append(
            Result(
                shape=results.value(r, SH.sourceShape),
                severity=results.value(r, SH.resultSeverity),
                message=str(results.value(r, SH.resultMessage) or "constraint not met"),
                focus=_ox(results.value(r, SH.focusNode)),
                value=_ox(value) if value is not None else None,
            )
        )
    alone = ox.Store()
    alone.bulk_load(nt, ox.RdfFormat.N_TRIPLES)
    return _report(found, _Locator(alone, None, found), _ShapeNames(shapes))


@lru_cache(maxsize=4)
def load_shapes(shapes_dir: Path = paths.SHAPES_DIR) -> Graph:
    """All shapes/*.ttl in one graph (parsed once per process)."""
    g = Graph()
    for path in sorted(Path(shapes_dir).glob("*.ttl")):
        parse_turtle_into(g, path, what="shapes", status=500)
    if not len(g):
        raise KgError(
            f"no SHACL shapes (*.ttl) in {shapes_dir}", code="shapes", file=str(shapes_dir), status=500
        )
    return g


def compiled_shapes(shapes_dir: Path = paths.SHAPES_DIR) -> Program:
    """The shapes as SPARQL checks; raises kg.shacl.Unsupported naming what pySHACL must run."""
    return compile_shapes(load_shapes(Path(shapes_dir)))


@lru_cache(maxsize=4)
def _compiled(shapes_dir: Path) -> tuple[Program, _ShapeNames] | None:
    shapes = load_shapes(shapes_dir)
    try:
        return compile_shapes(shapes), _ShapeNames(shapes)
    except Unsupported as e:  # pySHACL then validates: same results, far slower
        logging.getLogger(__name__).warning("SHACL shapes in %s run on pySHACL: %s", shapes_dir, e)
        return None


# ---------------------------------------------------------------------------------------- processes

_WORKER: tuple[Any, Registry, Path] | None = None


def _in_processes(
    location: str, docs: list[str], registry: Registry, shapes_dir: Path, jobs: int
) -> Iterator[tuple[str, ValidationReport]]:
    # spawn, not fork: the caller holds an open RocksDB store and its threads
    init = (location, registry.ntriples(), shapes_dir)
    with ProcessPoolExecutor(
        jobs, mp_context=get_context("spawn"), initializer=_init_worker, initargs=init
    ) as pool:
        yield from zip(docs, pool.map(_validate_in_worker, docs, chunksize=2), strict=True)


def _init_worker(location: str, registry_ntriples: bytes, shapes_dir: Path) -> None:
    global _WORKER
    from kg.store import open_store

    graph = Graph()
    graph.parse(data=registry_ntriples, format="nt")
    _WORKER = (open_store(location, read_only=True), Registry.from_graph(graph), shapes_dir)


def _validate_in_worker(iri: str) -> ValidationReport:
    assert _WORKER is not None
    store, registry, shapes_dir = _WORKER
    return validate_document(store, iri, registry, shapes_dir)


# ---------------------------------------------------------------------------------------- workspace


# Oxigraph's in-memory store keeps what a removed graph held (its storage is versioned, and its
# strings stay interned): a workspace that validated N documents holds memory for all of them
# (measured: +5 MB per 26k-triple document, so gigabytes over a batch ingest). It is therefore
# replaced once this many bytes of N-Triples went through it (~18 such documents). A new one loads
# the registry again: 17 ms for the 11k triples of 21 places, 290 ms for 72k triples (134 places),
# so the budget trades ~100 MB of memory against that reload once per ~18 documents.
WORKSPACE_BUDGET = 96 * 1024 * 1024


class _Workspace:
    """An in-memory Oxigraph store with the registry loaded once (per thread and registry, and
    until WORKSPACE_BUDGET bytes of documents went through it)."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry  # the workspace serves this registry object only
        self.loaded = 0  # bytes of document N-Triples validated here
        self.store = ox.Store()
        self.store.bulk_load(registry.ntriples(), ox.RdfFormat.N_TRIPLES, to_graph=_REGISTRY, lenient=True)
        self._names = (ox.NamedNode(f"urn:kg:validate:doc/{k}") for k in itertools.count())

    def validate(self, compiled: tuple[Program, _ShapeNames], data: bytes) -> ValidationReport:
        program, names = compiled
        graph = next(self._names)
        self.loaded += len(data)
        # load, not bulk_load, and lenient (kg's IRIs are made by kg.iris): 14 vs 34 ms on the seed
        self.store.load(data, ox.RdfFormat.N_TRIPLES, to_graph=graph, lenient=True)
        try:
            for quad in list(self.store.quads_for_pattern(None, _STORE_HASH, None, graph)):
                self.store.remove(quad)
            results = program.run(self.store, [graph, _REGISTRY])
            return _report(results, _Locator(self.store, [graph], results), names)
        finally:
            self.store.remove_graph(graph)


_local = threading.local()


def _workspace(registry: Registry) -> _Workspace:
    ws = getattr(_local, "workspace", None)
    if ws is None or ws.registry is not registry or ws.loaded > WORKSPACE_BUDGET:
        ws = _local.workspace = _Workspace(registry)
    return ws


# ---------------------------------------------------------------------------------------- terms


def _data(data: Graph | Triples) -> bytes:
    return data.data if isinstance(data, Triples) else ntriples(data)


def _ox(term: Node) -> Any:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)) if term.datatype else None)
    raise TypeError(f"not an RDF term: {term!r}")


# ---------------------------------------------------------------------------------------- report


def _report(results: list[Result], where: _Locator, names: _ShapeNames) -> ValidationReport:
    items = []
    for r in results:
        path, line, label = where(r.focus, r.value)
        items.append(
            ValidationItem(
                severity=_SEVERITY.get(_rdflib(r.severity), "violation"),
                message=r.message,
                rule=names(r.shape),
                focus=r.focus.value,
                path=path,
                where=label,
                line=line,
            )
        )
    items.sort(key=lambda i: (_path_key(i.path), i.rule, i.message, i.focus))
    return ValidationReport(
        violations=[i for i in items if i.severity == "violation"],
        warnings=[i for i in items if i.severity != "violation"],
    )


def _rdflib(node: Any) -> Node:
    return URIRef(node.value) if isinstance(node, ox.NamedNode) else node


def _path_key(path: str | None) -> tuple[tuple[int, int, str], ...]:
    """2.3 before 2.23; a malformed path (the shapes report it) sorts after the numbers."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in path.split(".")) if path else ()


_LOCATE = """
PREFIX gw: <https://w3id.org/govwork/ns#>
PREFIX eli: <http://data.europa.eu/eli/ontology#>
SELECT ?n ?rank ?task ?path WHERE {
  VALUES ?n { NODES }
  { ?n a gw:Task . BIND (?n AS ?task) BIND (0 AS ?rank) }
  UNION { ?task gw:hasAssignment|gw:hasTarget|gw:hasDeadline ?n . BIND (1 AS ?rank) }
  UNION { ?item gw:source ?n . ?item a gw:Task . BIND (?item AS ?task) BIND (2 AS ?rank) }
  UNION { ?item gw:source ?n . ?task gw:hasAssignment|gw:hasTarget|gw:hasDeadline ?item . BIND (2 AS ?rank) }
  OPTIONAL { ?task gw:path ?path }
}"""
_LINES = """
PREFIX gw: <https://w3id.org/govwork/ns#>
SELECT ?n ?line WHERE { VALUES ?n { NODES } ?n gw:source ?src . ?src gw:line ?line }"""
_NAMES = """
PREFIX gw: <https://w3id.org/govwork/ns#>
PREFIX eli: <http://data.europa.eu/eli/ontology#>
SELECT ?n ?kind ?x WHERE {
  VALUES ?n { NODES }
  { ?n a gw:Notice . BIND (0 AS ?kind) OPTIONAL { ?n eli:id_local ?x } }
  UNION { ?n a gw:Section . BIND (1 AS ?kind) OPTIONAL { ?n gw:number ?x } }
  UNION { ?n a gw:ReportingRequirement . BIND (2 AS ?kind) OPTIONAL { ?x gw:reporting ?n } }
  UNION { ?n eli:id_local ?x . BIND (3 AS ?kind) }
}"""


class _Locator:
    """Task path, source line and a readable name for the nodes results are about, read from the
    document graph alone: an owned item (assignment, target, deadline) or a source pointer
    belongs to its task."""

    def __init__(self, store: ox.Store, graphs: list[ox.NamedNode] | None, results: list[Result]) -> None:
        self.store, self.graphs = store, graphs
        nodes = {n for r in results for n in (r.focus, r.value) if isinstance(n, ox.NamedNode)}
        self.task: dict[str, tuple[int, str, str | None]] = {}  # node -> (rank, task, path)
        self.line: dict[str, int] = {}
        self.names: dict[str, tuple[int, str | None]] = {}
        if not nodes:
            return
        for row in self._select(_LOCATE, nodes):
            n, path = row["n"].value, row["path"]
            found = (int(row["rank"].value), row["task"].value, path.value if path is not None else None)
            if n not in self.task or _order(found) < _order(self.task[n]):
                self.task[n] = found
        for row in self._select(_LINES, nodes):
            n = row["n"].value
            try:
                line = int(row["line"].value)
            except ValueError:
                continue
            self.line[n] = min(line, self.line.get(n, line))
        self._read_names({r.focus for r in results if isinstance(r.focus, ox.NamedNode)})

    def _select(self, query: str, nodes: set[ox.NamedNode]) -> Any:
        values = " ".join(str(n) for n in sorted(nodes, key=lambda n: n.value))
        return self.store.query(query.replace("NODES", values), default_graph=self.graphs)

    def _read_names(self, nodes: set[ox.NamedNode]) -> None:
        nodes = {n for n in nodes if n.value not in self.names}
        if not nodes:
            return
        owners = set()
        for row in self._select(_NAMES, nodes):
            n, kind, x = row["n"].value, int(row["kind"].value), row["x"]
            found = (kind, x.value if x is not None else None)
            if n not in self.names or _order(found) < _order(self.names[n]):
                self.names[n] = found
            if kind == 2 and isinstance(x, ox.NamedNode):
                owners.add(x)
        self._read_names(owners)  # "reporting of section 2": the owner's name

    def __call__(self, focus: Any, value: Any) -> tuple[str | None, int | None, str | None]:
        for node in (focus, value):
            if node is not None and node.value in self.task and isinstance(node, ox.NamedNode):
                return self.task[node.value][2], self.line.get(node.value), None
        line = self.line.get(focus.value) if isinstance(focus, ox.NamedNode) else None
        return None, line, self._name(focus.value) if isinstance(focus, ox.NamedNode) else None

    def _name(self, node: str | None) -> str | None:
        if node is None or node not in self.names:
            return None
        kind, x = self.names[node]
        if kind == 0:
            return f"notice {x}" if x is not None else f"notice {node}"
        if kind == 1:
            return f"section {x}"
        if kind == 2:
            return f"reporting of {self._name(x) or x}"
        return f"document {x}"


def _order(found: tuple[Any, ...]) -> tuple[Any, ...]:
    """Sort key of a locator finding: where rdflib picked any of several, pick the least."""
    return tuple("" if x is None else x for x in found)


class _ShapeNames:
    """Prefixed name of the node shape a result came from (property shapes -> their node shape)."""

    def __init__(self, shapes: Graph) -> None:
        self.parent: dict[Node, Node] = {}
        for p in (SH.property, SH.sparql):
            for parent, child in shapes.subject_objects(p):
                self.parent[child] = parent
        self.ns = Graph().namespace_manager
        for prefix, ns in PREFIXES.items():
            self.ns.bind(prefix, ns, override=True)
        self._cache: dict[Node, str] = {}

    def __call__(self, shape: Node | None) -> str:
        while shape in self.parent:
            shape = self.parent[shape]
        if isinstance(shape, URIRef):
            if shape not in self._cache:
                self._cache[shape] = self.ns.normalizeUri(shape)
            return self._cache[shape]
        return "shape"
