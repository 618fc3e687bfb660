"""A store on an existing SPARQL 1.1 server (Oxigraph server, Fuseki, GraphDB, Virtuoso, QLever).

Same protocol as the embedded store (`kg.store.base.Store`) and the same conventions: one named
graph per document, the registry in `kg.iris.REGISTRY_GRAPH`, the hash a document was stored with
kept inside its own graph (`<doc> kgs:sha256 "…"`). Query answers come back as pyoxigraph objects
(`QuerySolutions`, `QueryBoolean`, `QueryTriples`), parsed from the server's SPARQL JSON / XML /
N-Triples by pyoxigraph's own parsers, so `kg.queries`, the CLI and `kg serve` use them unchanged.

* Writes: a document travels as one whole named graph, by Graph Store Protocol PUT when the
  endpoint has a Graph Store (`gsp=`), else as one SPARQL Update request (DROP + INSERT DATA).
  Either is one request; whether the server applies it atomically is the server's guarantee
  (Oxigraph server: yes, measured in tests/test_store_remote.py; see docs/engines.md).
* Union default graph: asked for explicitly in the way the server understands (`endpoints.Union`).
* Sharing: a server may hold data that is not kg's. `documents()`, `triple_count()` and `export()`
  cover only the graphs kg wrote (those carrying the hash triple).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import pyoxigraph as ox
import rdflib

from kg.errors import KgError
from kg.iris import PREFIXES, REGISTRY_GRAPH
from kg.store.base import EXPORT_FORMATS, QueryResult
from kg.store.endpoints import Endpoint, parse_location
from kg.store.http import SparqlHttp
from kg.store.ntriples import Triples, as_triples, graph_sha256
from kg.store.sparql_text import (
    SHA256,
    STORE_NS,
    hash_query,
    query_form,
    replace_graph_ops,
    sparql_iri,
    with_prologue,
)

SOLUTIONS_ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.8"
GRAPH_ACCEPT = (
    "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.7, application/ld+json;q=0.5"
)
NO_GRAPH = STORE_NS + "no-graph"  # an empty default graph, for union=graphs on a store without kg graphs
_ASK_QUIRK = "__ASK_RETVAL"  # Virtuoso 7 answers ASK as a one-row SELECT of this variable

_KG_GRAPHS = f"SELECT ?g WHERE {{ GRAPH ?g {{ ?g {SHA256.n3()} ?h }} }}"
_KG_QUADS = f"GRAPH ?g {{ ?g {SHA256.n3()} ?h . ?s ?p ?o FILTER(?p != {SHA256.n3()}) }}"
_TRIPLE_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
}
_QUAD_FORMATS = {"nquads": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG}


def _boolean(value: bool) -> ox.QueryBoolean:
    return ox.parse_query_results(
        b'{"head":{},"boolean":%s}' % (b"true" if value else b"false"), format=ox.QueryResultsFormat.JSON
    )  # type: ignore[return-value]


def parse_answer(data: bytes, media_type: str, form: str | None) -> QueryResult:
    """The server's answer as the pyoxigraph result object the embedded store would return."""
    results_format = ox.QueryResultsFormat.from_media_type(media_type) if media_type else None
    rdf_format = None if results_format else ox.RdfFormat.from_media_type(media_type) if media_type else None
    try:
        if rdf_format is not None and form in ("CONSTRUCT", "DESCRIBE", None):
            # A QueryTriples comes only out of a query: load the triples into a scratch store
            # and select them back, so callers get the same type as from the embedded store.
            scratch = ox.Store()
            scratch.load(data, format=rdf_format)
            return scratch.query("CONSTRUCT WHERE { ?s ?p ?o }")  # type: ignore[return-value]
        if results_format is not None:
            result = ox.parse_query_results(data, format=results_format)
            if isinstance(result, ox.QuerySolutions) and [v.value for v in result.variables] == [_ASK_QUIRK]:
                return _boolean(
                    any(s[_ASK_QUIRK] is not None and s[_ASK_QUIRK].value in ("1", "true") for s in result)
                )
            return result  # type: ignore[return-value]
    except (SyntaxError, ValueError) as e:
        raise KgError(
            f"the SPARQL server's answer ({media_type}) does not parse: {e}",
            code="store-error",
            status=502,
            exit_code=2,
        ) from None
    raise KgError(
        f"the SPARQL server answered in an unexpected format: {media_type or 'none'}",
        code="store-error",
        status=502,
        exit_code=2,
    )


class RemoteStore:
    """A kg store on a SPARQL 1.1 server. See `kg.store.base.Store` and docs/engines.md."""

    def __init__(self, location: str | Endpoint, *, read_only: bool = False, probe: bool = True) -> None:
        self.endpoint = location if isinstance(location, Endpoint) else parse_location(location)
        self._read_only = read_only
        self.http = SparqlHttp(self.endpoint)
        self._closed = False
        if probe:  # a wrong URL or a server that is down is an error at open, not at the first query
            self.query("ASK { }", union_default_graph=False)

    @property
    def location(self) -> str:
        return self.endpoint.location

    @property
    def read_only(self) -> bool:
        return self._read_only or self.endpoint.update is None

    @property
    def raw(self) -> RemoteDataset:
        """A pyoxigraph-`Store`-like view (query with dataset options, update) for `kg serve`."""
        self._check_open()
        return RemoteDataset(self)

    def _check_open(self) -> None:
        if self._closed:
            raise KgError(f"store {self.location} is closed", code="store-error")

    def _writable(self) -> None:
        self._check_open()
        if self.read_only:
            raise KgError(f"store {self.location} is open read-only", code="read-only", status=403)

    # -- reading -------------------------------------------------------------------------------
    def run_query(
        self,
        sparql: str,
        *,
        union: bool,
        prefixes: Mapping[str, str] | None = PREFIXES,
        base_iri: str | None = None,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
    ) -> QueryResult:
        """One query: the dataset (protocol graphs, else the union when asked) and the answer
        converted to pyoxigraph objects."""
        self._check_open()
        text = with_prologue(sparql, prefixes, base_iri)
        form = query_form(text)
        params = [("default-graph-uri", g) for g in default_graphs]
        params += [("named-graph-uri", g) for g in named_graphs]
        if not params and union:
            params = self._union_params()
        accept = GRAPH_ACCEPT if form in ("CONSTRUCT", "DESCRIBE") else SOLUTIONS_ACCEPT
        data, media_type = self.http.query(text, form, accept, params)
        return parse_answer(data, media_type, form)

    def _union_params(self) -> list[tuple[str, str]]:
        u = self.endpoint.union
        if u.kind == "param":
            return [(u.name, u.value)]
        if u.kind == "native":
            return []
        # A protocol dataset replaces the named graphs too: name kg's graphs, or GRAPH ?g finds none.
        graphs = self._kg_graphs()
        named = [("named-graph-uri", g) for g in graphs]
        if u.kind == "graph":
            return [("default-graph-uri", u.name), *named]
        return [("default-graph-uri", g) for g in graphs or [NO_GRAPH]] + named

    def query(self, sparql: str, *, union_default_graph: bool = True) -> QueryResult:
        """Run a SPARQL query (kg prefixes predeclared). The default graph is the union of all graphs
        unless `union_default_graph=False` (then the server's own default graph; on a server whose
        default graph is always the union, union=native, it stays the union)."""
        return self.run_query(sparql, union=union_default_graph)

    def _select(self, sparql: str) -> list[ox.QuerySolution]:
        return list(self.run_query(sparql, union=False))  # type: ignore[arg-type]

    def _kg_graphs(self) -> list[str]:
        return sorted({row["g"].value for row in self._select(_KG_GRAPHS)})

    def documents(self) -> list[str]:
        """The document graphs kg stored (graphs with kg's hash triple), sorted."""
        return [g for g in self._kg_graphs() if g != str(REGISTRY_GRAPH)]

    def document_hash(self, iri: str) -> str | None:
        rows = self._select(hash_query(iri))
        return rows[0]["h"].value if rows else None

    def document_graph(self, iri: str) -> rdflib.Graph:
        """The document's triples as an rdflib Graph, without the store's bookkeeping triple."""
        g = sparql_iri(iri)
        result = self.run_query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {g} {{ ?s ?p ?o }} }}", union=False)
        graph = rdflib.Graph()
        data = ox.serialize(result, format=ox.RdfFormat.N_TRIPLES)  # type: ignore[arg-type]
        if data:
            graph.parse(data=data.decode("utf-8"), format="nt")
        graph.remove((None, SHA256, None))
        for prefix, ns in PREFIXES.items():
            graph.bind(prefix, ns)
        return graph

    def triple_count(self) -> int:
        """Quads in kg's graphs, the hash triples included (as the embedded store counts)."""
        rows = self._select(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?g {SHA256.n3()} ?h . ?s ?p ?o }} }}"
        )
        return int(rows[0]["n"].value) if rows else 0

    def export(self, format: str = "turtle") -> bytes:
        """kg's graphs: turtle / ntriples / jsonld as their union, nquads / trig with the graph names."""
        if format in _QUAD_FORMATS:
            rows = self._select(f"SELECT ?g ?s ?p ?o WHERE {{ {_KG_QUADS} }}")
            quads = [ox.Quad(r["s"], r["p"], r["o"], r["g"]) for r in rows]  # type: ignore[arg-type]
            return ox.serialize(quads, format=_QUAD_FORMATS[format], prefixes=PREFIXES) or b""
        if format in _TRIPLE_FORMATS:
            triples = self.run_query(
                f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE {{ {_KG_QUADS} }} }}",
                union=False,
            )
            return ox.serialize(triples, format=_TRIPLE_FORMATS[format], prefixes=PREFIXES) or b""  # type: ignore[arg-type]
        raise KgError(
            f"unknown export format {format!r}; use one of {', '.join(EXPORT_FORMATS)}", code="bad-parameter"
        )

    # -- writing -------------------------------------------------------------------------------
    def update(
        self, sparql: str, *, prefixes: Mapping[str, str] | None = PREFIXES, base_iri: str | None = None
    ) -> None:
        """Send one SPARQL Update request (atomic where the server makes a request one transaction)."""
        self._writable()
        self.http.update(with_prologue(sparql, prefixes, base_iri))

    def _put(self, name: str, graph: rdflib.Graph | Triples, sha256: str) -> None:
        if self.endpoint.gsp:
            marker = ox.Triple(ox.NamedNode(name), ox.NamedNode(str(SHA256)), ox.Literal(sha256))
            body = as_triples(graph).data + f"{marker} .\n".encode()
            self.http.put_graph(name, body)
        else:
            self.update(" ;\n".join(replace_graph_ops(name, graph, sha256)))

    def _replace_graph(self, name: str, graph: rdflib.Graph | Triples, sha256: str) -> bool:
        self._writable()
        sparql_iri(name)  # refuse a name that is not an IRI before anything is sent
        if self.document_hash(name) == sha256:
            return False
        self._put(name, graph, sha256)
        return True

    def replace_document(self, iri: str, graph: rdflib.Graph | Triples, *, sha256: str) -> bool:
        """Replace the document graph `iri` by `graph` (an rdflib Graph, or one already serialized) in
        one request; False (and no write) when it is already stored with this `sha256`."""
        if str(iri) == str(REGISTRY_GRAPH):
            raise KgError("the registry graph is not a document; use set_registry", code="bad-parameter")
        return self._replace_graph(iri, graph, sha256)

    def write_batch(self, documents: int) -> AbstractContextManager[None]:
        """Nothing to do: the server commits each request and maintains its own storage."""
        return nullcontext()

    def remove_document(self, iri: str) -> bool:
        self._writable()
        if self.document_hash(iri) is None:
            return False
        if self.endpoint.gsp:
            self.http.delete_graph(iri)
        else:
            # SILENT: Virtuoso refuses DROP GRAPH on a graph it did not see created by CREATE GRAPH
            self.update(f"DROP SILENT GRAPH {sparql_iri(iri)}")
        return True

    def set_registry(self, graph: rdflib.Graph) -> bool:
        """Replace the registry graph when its content changed (compared by a content hash)."""
        return self._replace_graph(str(REGISTRY_GRAPH), graph, graph_sha256(graph))

    def close(self) -> None:
        self._closed = True

    def __enter__(self) -> RemoteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"RemoteStore({self.location!r}, read_only={self.read_only})"


def _names(graphs: Any) -> list[str]:
    """IRIs from pyoxigraph's `default_graph=` / `named_graphs=` arguments."""
    if graphs is None:
        return []
    items: Iterable[Any] = [graphs] if not isinstance(graphs, list | tuple | set) else graphs
    names = []
    for g in items:
        if not isinstance(g, ox.NamedNode):
            raise KgError(
                "a remote store takes named graphs (IRIs) only as the dataset", code="bad-parameter"
            )
        names.append(g.value)
    return names


class RemoteDataset:
    """The part of `pyoxigraph.Store`'s API that `kg serve` uses, on a `RemoteStore`.

    `query(text, use_default_graph_as_union=, default_graph=, named_graphs=, base_iri=, prefixes=)`
    and `update(text, base_iri=, prefixes=)` behave like pyoxigraph's (prefixes are predeclared only
    when given); failures are `KgError`s rather than SyntaxError / OSError.
    """

    def __init__(self, store: RemoteStore) -> None:
        self.store = store

    def query(
        self,
        query: str,
        *,
        base_iri: str | None = None,
        prefixes: Mapping[str, str] | None = None,
        use_default_graph_as_union: bool = False,
        default_graph: Any = None,
        named_graphs: Any = None,
    ) -> QueryResult:
        return self.store.run_query(
            query,
            union=use_default_graph_as_union,
            prefixes=prefixes,
            base_iri=base_iri,
            default_graphs=_names(default_graph),
            named_graphs=_names(named_graphs),
        )

    def update(
        self, update: str, *, base_iri: str | None = None, prefixes: Mapping[str, str] | None = None
    ) -> None:
        self.store.update(update, prefixes=prefixes, base_iri=base_iri)

    def contains_named_graph(self, graph: ox.NamedNode) -> bool:
        return bool(
            self.store.run_query(f"ASK {{ GRAPH {sparql_iri(graph.value)} {{ ?s ?p ?o }} }}", union=False)
        )

    def add_graph(self, graph: ox.NamedNode) -> None:
        self.store.update(f"CREATE SILENT GRAPH {sparql_iri(graph.value)}")

    def flush(self) -> None:
        """Nothing to flush: the server persists each request itself."""

    def __len__(self) -> int:
        return self.store.triple_count()


__all__ = ["RemoteStore", "RemoteDataset", "parse_answer"]
