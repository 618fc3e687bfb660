"""The embedded store: pyoxigraph (RocksDB) on disk, one named graph per document.

Atomicity rests on two guarantees pyoxigraph documents: one `Store.update` call (a whole SPARQL
Update *request*, several operations included) is one transaction, and so is one `Store.load`
call: "either the full operation succeeds, or nothing is written"; and on one RocksDB gives (below).
Writing a document is one call:

* a graph the store does not hold yet: one `Store.bulk_load` of its N-Triples (hash marker
  included) into the named graph, 3x cheaper than `Store.load` (137 vs 400 ms for a notice of
  27k triples), which most of a batch ingest is. pyoxigraph calls `bulk_load` "not atomic"
  because it writes a large input in steps: it parses into a buffer of 1M quads, turns each full
  buffer into table files and hands them to RocksDB in one `IngestExternalFiles` call, which is
  atomic across column families (all files or none, also after a crash). A parse error stops it
  before the first hand-over. So an input smaller than one buffer is written whole or not at all;
  kg uses `bulk_load` only below BULK_LIMIT triples on disk, and `Store.load` (one transaction)
  above it and in memory. This is how pyoxigraph 0.5 works (pyproject pins <0.6, to be checked
  again on an upgrade); tests/test_faults.py kills ingests during such writes and finds every
  document whole or absent, and readers see it absent or whole;
* a graph the store holds: the single request `DROP SILENT GRAPH <doc> ; INSERT DATA { GRAPH <doc>
  { ... } }`, so a reader never sees the document missing or half-written.

A failure anywhere in either call leaves the store as it was (tests/test_store.py injects one in
the middle of each). Choosing the call from "is the graph there?" and then making it is safe
because nothing else writes meanwhile: RocksDB lets one process open the store read-write, and
inside it the check and the write hold the store's write lock.

The hash a document was stored with is kept inside its own graph as `<doc> kgs:sha256 "..."`,
so it is written in the same step and vanishes with the graph.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
import rdflib

from kg.errors import KgError
from kg.iris import PREFIXES, REGISTRY_GRAPH
from kg.store.base import EXPORT_FORMATS, QueryResult
from kg.store.ntriples import Triples, as_triples, graph_sha256
from kg.store.sparql_text import SHA256, STORE_NS, hash_marker, hash_query, replace_graph_ops, sparql_iri

# Union (triples) formats need a single graph: they are written from a CONSTRUCT over the union.
_TRIPLE_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
}
_QUAD_FORMATS = {"nquads": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG}

# RocksDB flushes its memtables on its own only when the write-ahead log reaches 4x the write
# buffers of all column families (gigabytes for oxigraph's dozen), and keeps old logs for reuse
# at their full size. Flushing after every this many written triples bounds each log, and so
# the logs' disk use, to roughly the bytes of that many triples (~0.1 GB).
FLUSH_EVERY = 100_000
# A new graph below this many triples is written by `bulk_load`, whose single step (one buffer of
# 1M quads, ingested at once) is atomic; half that buffer leaves room for a change of its size.
BULK_LIMIT = 500_000
# A batch that writes at least this share of the documents a store holds is a load: new graphs go
# in by `bulk_load` and the whole store is compacted at the end. Below it, see `write_batch`.
LOAD_SHARE = 0.25


class OxigraphStore:
    """pyoxigraph `Store` on disk (or in memory when `path` is None). See `kg.store.base.Store`."""

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False) -> None:
        self._path = None if path is None else Path(path)
        self._read_only = read_only
        self._store: ox.Store | None = self._open()
        self._unflushed = 0  # triples written since the last flush
        self._bulk = True  # new graphs by `bulk_load` (see `write_batch`)
        self._written = 0  # graphs written in the current batch
        self._write_lock = threading.Lock()  # "is the graph stored?" and the write, as one step

    # -- opening -------------------------------------------------------------------------
    def _open(self) -> ox.Store:
        path = self._path
        if path is None:
            if self._read_only:
                raise KgError("a read-only store needs a location", code="store-error")
            return ox.Store()
        where = str(path)
        if path.exists() and not path.is_dir():
            raise KgError("this is a file, not a store directory", code="store-error", file=where)
        if self._read_only:
            if not (path / "CURRENT").exists():
                raise KgError(
                    f"no store here; create one with `kg ingest FILE --store {where}`",
                    code="no-store",
                    file=where,
                    status=404,
                )
            try:
                return ox.Store.read_only(where)
            except OSError as e:
                raise KgError(f"cannot open the store read-only: {e}", code="store-error", file=where) from e
        if path.exists() and any(path.iterdir()) and not (path / "CURRENT").exists():
            raise KgError(
                "a non-empty directory that is not a kg store; refusing to write into it",
                code="store-error",
                file=where,
            )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            return ox.Store(where)
        except OSError as e:
            msg = str(e)
            if "lock" in msg.lower():
                raise KgError(
                    "the store is in use by another process (is `kg serve` or another `kg ingest` "
                    "running?); stop it or use --store to pick another store",
                    code="store-locked",
                    file=where,
                    status=409,
                ) from e
            raise KgError(f"cannot open the store: {msg}", code="store-error", file=where) from e

    @property
    def location(self) -> str:
        return str(self._path) if self._path is not None else ":memory:"

    @property
    def read_only(self) -> bool:
        return self._read_only

    @property
    def raw(self) -> ox.Store:
        """The underlying pyoxigraph store (for code that needs its full API)."""
        if self._store is None:
            raise KgError(f"store {self.location} is closed", code="store-error")
        return self._store

    def _writable(self) -> ox.Store:
        if self._read_only:
            raise KgError(f"store {self.location} is open read-only", code="read-only", status=403)
        return self.raw

    # -- reading -------------------------------------------------------------------------
    def query(self, sparql: str, *, union_default_graph: bool = True) -> QueryResult:
        """Run a SPARQL query; raise KgError (status 400) on a syntax error."""
        try:
            return self.raw.query(sparql, use_default_graph_as_union=union_default_graph, prefixes=PREFIXES)
        except SyntaxError as e:
            raise KgError(f"SPARQL syntax error: {e}", code="bad-query") from e
        except (OSError, RuntimeError) as e:
            raise KgError(f"query failed: {e}", code="query-error", status=500, exit_code=2) from e

    def _select(self, sparql: str) -> list[ox.QuerySolution]:
        return list(self.query(sparql))  # type: ignore[arg-type]

    def documents(self) -> list[str]:
        registry = str(REGISTRY_GRAPH)
        names = (g.value for g in self.raw.named_graphs() if isinstance(g, ox.NamedNode))
        return sorted(n for n in names if n != registry)

    def _stored_hash(self, graph: str) -> str | None:
        rows = self._select(hash_query(graph))
        return rows[0]["h"].value if rows else None

    def document_hash(self, iri: str) -> str | None:
        return self._stored_hash(iri)

    def document_graph(self, iri: str) -> rdflib.Graph:
        """The document's triples as an rdflib Graph, without the store's bookkeeping triple."""
        data = self.raw.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(str(rdflib.URIRef(iri))))
        graph = rdflib.Graph()
        if data:
            graph.parse(data=data, format="nt")
        graph.remove((None, SHA256, None))
        for prefix, ns in PREFIXES.items():
            graph.bind(prefix, ns)
        return graph

    def triple_count(self) -> int:
        return len(self.raw)

    def export(self, format: str = "turtle") -> bytes:
        """Serialize the store: turtle / ntriples / jsonld as the union of all graphs (triples),
        nquads / trig with the named graphs. Store bookkeeping triples are left out."""
        if format in _QUAD_FORMATS:
            quads = (q for q in self.raw if q.predicate.value != str(SHA256))
            return ox.serialize(quads, format=_QUAD_FORMATS[format], prefixes=PREFIXES) or b""
        if format in _TRIPLE_FORMATS:
            # DISTINCT: the union default graph repeats a triple once per graph holding it
            triples = self.query(
                "CONSTRUCT { ?s ?p ?o } WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o "
                f"FILTER(?p != {SHA256.n3()}) }} }}"
            )
            return ox.serialize(triples, format=_TRIPLE_FORMATS[format], prefixes=PREFIXES) or b""  # type: ignore[arg-type]
        raise KgError(
            f"unknown export format {format!r}; use one of {', '.join(EXPORT_FORMATS)}", code="bad-parameter"
        )

    # -- writing -------------------------------------------------------------------------
    def update(self, sparql: str) -> None:
        """Run a SPARQL Update request in one transaction."""
        try:
            self._writable().update(sparql, prefixes=PREFIXES)
        except SyntaxError as e:
            raise KgError(f"SPARQL update syntax error: {e}", code="bad-query") from e
        except (OSError, RuntimeError) as e:
            raise KgError(
                f"update failed, nothing was written: {e}", code="update-error", status=500, exit_code=2
            ) from e

    def _replace_graph_ops(self, name: str, graph: rdflib.Graph | Triples, sha256: str) -> list[str]:
        """The operations of the request replacing a stored graph; a method so that tests can
        inject a failure."""
        return replace_graph_ops(name, graph, sha256)

    def _new_graph_data(self, name: str, triples: Triples, sha256: str) -> bytes:
        """The N-Triples loaded into a graph not stored yet (the graph's triples and the hash
        marker); a method so that tests can inject a failure."""
        return triples.data + f"{hash_marker(name, sha256)}\n".encode()

    def _load(self, name: str, triples: Triples, sha256: str) -> bool:
        """Load a graph the store does not hold, whole or not at all (see the module docstring);
        True when it went through the write-ahead log (`Store.load`), which a flush then retires."""
        data = self._new_graph_data(name, triples, sha256)
        store, graph = self._writable(), ox.NamedNode(name)
        try:
            if self._bulk and self._path is not None and len(triples) < BULK_LIMIT:
                store.bulk_load(data, ox.RdfFormat.N_TRIPLES, to_graph=graph)
                return False
            store.load(data, ox.RdfFormat.N_TRIPLES, to_graph=graph)
            return True
        except (SyntaxError, ValueError, OSError, RuntimeError) as e:
            raise KgError(
                f"write failed, nothing was written: {e}", code="update-error", status=500, exit_code=2
            ) from e

    def _replace_graph(self, name: str, graph: rdflib.Graph | Triples, sha256: str) -> bool:
        # no local name for the pyoxigraph store: a traceback kept by the caller would keep it open
        self._writable()
        sparql_iri(name)  # refuse a name that is not an IRI before anything is written
        with self._write_lock:
            if self._stored_hash(name) == sha256:
                return False
            triples = as_triples(graph)
            if self.raw.contains_named_graph(ox.NamedNode(name)):
                self.update(" ;\n".join(self._replace_graph_ops(name, triples, sha256)))
                logged = True
            else:
                logged = self._load(name, triples, sha256)
            self._written += 1
            # after the transaction, never inside it: a flush only moves committed data to table files
            self._unflushed += len(triples) if logged else 0
            if self._unflushed >= FLUSH_EVERY:
                self.flush()
        return True

    def flush(self) -> None:
        """Write the memtables to table files, so that RocksDB can retire its write-ahead log."""
        if self._store is not None and not self._read_only:
            try:
                self._store.flush()
            except OSError as e:
                raise KgError(f"cannot flush the store: {e}", code="store-error", file=self.location) from e
            self._unflushed = 0

    @contextmanager
    def write_batch(self, documents: int) -> Iterator[None]:
        """Write about `documents` documents, then leave the store flushed and fast to read.

        Each `bulk_load` adds its table files at the top level of RocksDB; they slow every read
        (3x on the named queries after 30 notices added to a 1,000-notice store) until merged. A
        batch of at least LOAD_SHARE of the documents stored (a first load, a new year's notices)
        uses `bulk_load` and compacts the whole store at the end, a cost in proportion to the
        store, paid once for the batch. A smaller batch, one file added to a large store, writes
        through transactions (3x the CPU of `bulk_load` per triple, mostly hidden behind the
        next file's preparation) and only flushes; RocksDB then merges the few files a flush makes
        in the background, in proportion to what was written. Compacting a 4.4 GB store takes
        34 s: adding 30 notices to 1,000 took 50 s that way and 21 s this way, and the named
        queries read 1.15x slower after it until RocksDB has caught up (docs/benchmarks.md).
        """
        if self._path is None or self._read_only:
            yield
            return
        held = sum(1 for _ in self.raw.named_graphs())
        self._bulk, self._written = documents >= LOAD_SHARE * held, 0
        try:
            yield
        except BaseException:
            self.flush()
            raise
        else:
            if self._written and self._bulk:
                self.optimize()
            elif self._written:
                self.flush()
        finally:
            self._bulk, self._written = True, 0

    def optimize(self) -> None:
        """Flush, then compact the table files (drops what replaced graphs left behind); for the end
        of a batch of writes."""
        self.flush()
        if self._store is not None and not self._read_only:
            try:
                self._store.optimize()
            except OSError as e:
                raise KgError(f"cannot compact the store: {e}", code="store-error", file=self.location) from e

    def replace_document(self, iri: str, graph: rdflib.Graph | Triples, *, sha256: str) -> bool:
        """Replace the document graph `iri` with `graph` (an rdflib Graph, or one already serialized)
        in one transaction. Returns False and writes nothing when the document is already stored
        with this `sha256`."""
        if str(iri) == str(REGISTRY_GRAPH):
            raise KgError("the registry graph is not a document; use set_registry", code="bad-parameter")
        return self._replace_graph(iri, graph, sha256)

    def remove_document(self, iri: str) -> bool:
        if iri not in self.documents():
            return False
        self.update(f"DROP GRAPH {sparql_iri(iri)}")
        return True

    def set_registry(self, graph: rdflib.Graph) -> bool:
        """Replace the registry graph when its content changed (compared by a content hash)."""
        return self._replace_graph(str(REGISTRY_GRAPH), graph, graph_sha256(graph))

    def close(self) -> None:
        if self._store is not None:
            self.flush()
            self._store = None  # RocksDB releases its lock when the object is collected

    def __enter__(self) -> OxigraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"OxigraphStore({self.location!r}, read_only={self._read_only})"


__all__ = ["OxigraphStore", "graph_sha256", "SHA256", "STORE_NS"]
