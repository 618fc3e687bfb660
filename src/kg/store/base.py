"""The Store protocol: what ingest, queries, the CLI and the HTTP app need from a quad store.

The embedded implementation is `kg.store.oxigraph.OxigraphStore`; an HTTP SPARQL-endpoint
backed store can implement the same protocol later. Conventions every implementation keeps:

* each stored document lives in its own named graph, named by the document IRI;
* the registry (units, groups, places) lives in `kg.iris.REGISTRY_GRAPH`;
* queries see the union of all graphs as their default graph unless asked otherwise;
* every write (replace a document, replace the registry, a SPARQL update) is atomic: all or nothing,
  also for readers and after a crash.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Literal, Protocol, runtime_checkable

import pyoxigraph
import rdflib

from kg.store.ntriples import Triples

ExportFormat = Literal["turtle", "ntriples", "nquads", "trig", "jsonld"]
EXPORT_FORMATS: tuple[str, ...] = ("turtle", "ntriples", "nquads", "trig", "jsonld")

QueryResult = pyoxigraph.QuerySolutions | pyoxigraph.QueryBoolean | pyoxigraph.QueryTriples


@runtime_checkable
class Store(Protocol):
    """A quad store holding one named graph per document plus the registry graph."""

    @property
    def location(self) -> str:
        """Where the store lives (a directory, or a URL for a remote store)."""
        ...

    @property
    def read_only(self) -> bool: ...

    def query(self, sparql: str, *, union_default_graph: bool = True) -> QueryResult:
        """Run a SPARQL query. The default graph is the union of all graphs unless
        `union_default_graph=False` (then it is the store's own, normally empty, default graph)."""
        ...

    def update(self, sparql: str) -> None:
        """Run a SPARQL Update request atomically (all operations or none)."""
        ...

    def replace_document(self, iri: str, graph: rdflib.Graph | Triples, *, sha256: str) -> bool:
        """Replace the named graph `iri` by `graph` (an rdflib Graph, or one already serialized by
        `kg.store.ntriples.Triples`) in one transaction; False (and no write) when the stored hash
        already equals `sha256`."""
        ...

    def write_batch(self, documents: int) -> AbstractContextManager[None]:
        """A context for writing about `documents` documents in a row (an ingest); at its end the
        store is as fast to read as the store can make it, and what was written is durable."""
        ...

    def remove_document(self, iri: str) -> bool:
        """Drop the document's graph; False when there was none."""
        ...

    def documents(self) -> list[str]:
        """IRIs of the stored document graphs (every named graph but the registry), sorted."""
        ...

    def document_hash(self, iri: str) -> str | None:
        """The hash given when the document was stored, or None when it is not stored."""
        ...

    def document_graph(self, iri: str) -> rdflib.Graph:
        """The triples of one document graph (empty when not stored)."""
        ...

    def set_registry(self, graph: rdflib.Graph) -> bool:
        """Replace the registry graph atomically; False (and no write) when it is unchanged."""
        ...

    def export(self, format: str = "turtle") -> bytes:
        """The whole store: turtle/ntriples/jsonld as the union of all graphs (triples),
        nquads/trig as the dataset with its named graphs."""
        ...

    def triple_count(self) -> int:
        """Number of quads stored (a triple stored in two graphs counts twice)."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> Store: ...

    def __exit__(self, *exc: object) -> None: ...
