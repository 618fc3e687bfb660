"""Quad store for kg: one named graph per document plus the registry graph.

    >>> from kg.store import open_store
    >>> store = open_store("/tmp/kg-doc-store")          # created when missing
    >>> store.replace_document(doc_iri, graph, sha256=h)  # atomic; False when unchanged
    >>> rows = list(store.query("SELECT ...", union_default_graph=True))

`open_store(None)` opens `kg.paths.default_store()` ($KG_STORE, else ./.kg/store).
`open_store(":memory:")` gives a throw-away in-memory store (tests, one-off scripts).
`open_store("http://host:7878")` (Oxigraph server) or `open_store("sparql+http://host/sparql?union=native")`
(any SPARQL 1.1 server) gives a `RemoteStore` on that server; docs/engines.md has the URL syntax.
Opening problems (a file where a directory should be, a store locked by another process,
no store to read, a server that does not answer) raise `kg.errors.KgError`.
"""

from __future__ import annotations

from pathlib import Path

from kg.paths import default_store
from kg.store.base import EXPORT_FORMATS, ExportFormat, QueryResult, Store
from kg.store.endpoints import is_remote
from kg.store.ntriples import Triples, graph_sha256
from kg.store.oxigraph import OxigraphStore
from kg.store.remote import RemoteStore

MEMORY = ":memory:"


def open_store(location: str | Path | None = None, *, read_only: bool = False) -> Store:
    """Open (read-write, creating it when missing) or open read-only the store at `location`.

    `None` means the default store (`$KG_STORE`, else `./.kg/store`); `":memory:"` an in-memory
    store; an http(s):// or sparql+http(s):// URL a store on that SPARQL server (also when it came
    through `pathlib.Path`, which folds `//` into `/`). A read-only open never creates anything and
    works while another process writes.
    """
    if location is None:
        location = default_store()
    if is_remote(location):
        return RemoteStore(str(location), read_only=read_only)
    if str(location) == MEMORY:
        return OxigraphStore(None, read_only=read_only)
    return OxigraphStore(Path(location).expanduser(), read_only=read_only)


__all__ = [
    "open_store",
    "Store",
    "OxigraphStore",
    "RemoteStore",
    "QueryResult",
    "ExportFormat",
    "EXPORT_FORMATS",
    "graph_sha256",
    "Triples",
    "MEMORY",
]
