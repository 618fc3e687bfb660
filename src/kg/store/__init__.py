"""Quad store for kg: one named graph per document plus the registry graph.

    >>> from kg.store import open_store
    >>> store = open_store("/tmp/kg-doc-store")          # created when missing
    >>> store.replace_document(doc_iri, graph, sha256=h)  # atomic; False when unchanged
    >>> rows = list(store.query("SELECT ...", union_default_graph=True))

`open_store(None)` opens `kg.paths.default_store()` ($KG_STORE, else ./.kg/store).
`open_store(":memory:")` gives a throw-away in-memory store (tests, one-off scripts).
Opening problems (a file where a directory should be, a store locked by another process,
no store to read) raise `kg.errors.KgError`.
"""

from __future__ import annotations

from pathlib import Path

from kg.paths import default_store
from kg.store.base import EXPORT_FORMATS, ExportFormat, QueryResult, Store
from kg.store.oxigraph import OxigraphStore, graph_sha256

MEMORY = ":memory:"


def open_store(location: str | Path | None = None, *, read_only: bool = False) -> Store:
    """Open (read-write, creating it when missing) or open read-only the store at `location`.

    `None` means the default store (`$KG_STORE`, else `./.kg/store`); `":memory:"` an in-memory
    store. A read-only open never creates anything and works while another process writes.
    """
    if location is None:
        location = default_store()
    if str(location) == MEMORY:
        return OxigraphStore(None, read_only=read_only)
    return OxigraphStore(Path(location).expanduser(), read_only=read_only)


__all__ = [
    "open_store",
    "Store",
    "OxigraphStore",
    "QueryResult",
    "ExportFormat",
    "EXPORT_FORMATS",
    "graph_sha256",
    "MEMORY",
]
