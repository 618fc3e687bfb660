"""parse → build → validate → link → store, one file at a time, one atomic write per document.

    results = ingest_many([Path("data/notices")], store, Registry.load(), jobs=4)

Per file the outcome is an `IngestResult`:

* `stored`    — the document graph replaced the previous one (or was added) in one atomic write;
* `unchanged` — the graph built from the file is identical to the stored one: nothing written;
* `refused`   — nothing written; `reason` says why (SHACL violations naming task and rule,
  an unreadable file naming file and line, or "internal error: …" for a bug).

A file goes through two steps. `prepare` (parse, build, serialize, SHACL) needs only the file and the
registry, so `ingest_many(jobs=N)` runs it in N worker processes. `commit` runs in the calling
process, in file order: `plan` links the document's tasks to the stored documents related to it
(`kg.graph.links`, which depends on what is stored so far) and compares hashes, then `write` stores
the document graph with its links in one atomic `replace_document` (a transaction; for a new graph
on disk, an atomic `bulk_load`: see kg.store.oxigraph). Because commits happen in file order,
`--jobs` gives the same store as a sequential run. In `ingest_many` the write runs on a thread while
the next file is prepared (pyoxigraph releases the GIL while it writes; the next plan waits for the
write), so even `jobs=1` keeps two cores busy. Links that fail SHACL are a bug in kg,
not in the notice: they are left out with a warning naming their tasks, and the notice is stored. A
batch is one `Store.write_batch`: the embedded store picks its write path by the batch's size next
to what it holds, and leaves the store flushed (no gigabytes of write-ahead log) and, after a large
batch, compacted.

The document graph is serialized once (`kg.store.Triples`, N-Triples): that text gives its content
hash, is what the validator loads, and is what the store writes; the rdflib graph does not leave
`prepare` (a worker sends the text, not the graph).

"Identical" is decided by a content hash of the graph to be stored (sha256 of its sorted distinct
N-Triples lines, see `kg.store.graph_sha256`; the document part and the link part are hashed
separately and combined), not of the file bytes: the graph already records the file's own sha256,
and hashing the graph also notices a new kg version, a changed registry, or new links to documents
stored since.
"""

from __future__ import annotations

import gc
import hashlib
import os
import traceback
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from rdflib import Graph, URIRef

from kg.errors import KgError
from kg.iris import GW
from kg.store import Store
from kg.store.ntriples import Triples

if TYPE_CHECKING:
    from kg.graph.links import DocInfo

Status = Literal["stored", "unchanged", "refused"]

# What a directory walk picks up (explicitly named files are always tried).
try:
    from kg.readers import SUFFIXES as _READER_SUFFIXES

    SUFFIXES = frozenset(_READER_SUFFIXES)
except ImportError:  # readers not installed: the formats the brief names
    SUFFIXES = frozenset({".txt", ".html", ".htm", ".docx"})


@dataclass
class IngestResult:
    """The outcome for one file."""

    file: str
    status: Status
    iri: str | None = None
    warnings: list[str] = field(default_factory=list)
    reason: str | None = None  # why it was refused
    line: int | None = None  # where, when known
    details: list[str] = field(default_factory=list)  # one line per violation
    debug: str | None = None  # traceback of an internal error (shown with --debug)
    links: int = 0  # task links (gw:TaskLink) the stored graph holds

    @property
    def ok(self) -> bool:
        return self.status != "refused"

    def error(self) -> KgError:
        """The refusal as a KgError (for `render()` / `to_dict()`)."""
        return KgError(
            self.reason or "refused",
            code="refused",
            file=self.file,
            line=self.line,
            status=422,
            details=list(self.details),
        )


@dataclass
class Prepared:
    """A file parsed, built and possibly validated: what a worker hands to the writing process.

    The document graph travels serialized (`triples`, one string: cheap to pickle), together with
    what linking needs to know about it (`info`); the rdflib graph itself stays where it was built.
    """

    file: str
    iri: str | None = None
    triples: Triples | None = None  # the document graph (without links), serialized once
    info: DocInfo | None = None  # kg.graph.links.describe of the document graph
    doc_hash: str | None = None  # content hash of `triples`
    source_name: str = ""
    warnings: list[str] = field(default_factory=list)  # from the parser
    shacl_warnings: list[str] = field(
        default_factory=list
    )  # from validation (not re-reported when unchanged)
    validated: bool = False
    has_tasks: bool = True
    refusal: IngestResult | None = None


def _where(line: int | None, text: str) -> str:
    return f"line {line}: {text}" if line else text


def _refused(
    path: Path | str,
    reason: str,
    line: int | None = None,
    details: list[str] | None = None,
    iri: str | None = None,
    debug: str | None = None,
) -> IngestResult:
    return IngestResult(
        str(path), "refused", iri=iri, reason=reason, line=line, details=details or [], debug=debug
    )


def _internal(path: Path | str, e: Exception) -> IngestResult:
    return _refused(path, f"internal error: {type(e).__name__}: {e}", debug=traceback.format_exc())


def _previous_source(store: Store, iri: str) -> str | None:
    """gw:sourceName of the document currently stored under `iri` (to warn about replacing another file)."""
    node = URIRef(iri).n3()
    q = f"SELECT ?n WHERE {{ GRAPH {node} {{ {node} {GW.sourceName.n3()} ?n }} }}"
    rows = list(store.query(q))  # type: ignore[arg-type]
    return rows[0]["n"].value if rows else None


# ------------------------------------------------------------------ the two steps


def prepare(
    path: str | Path, registry: Any, *, validate: bool | Callable[[str], bool] = False
) -> Prepared:
    """Parse, build and serialize one file, and SHACL-validate it when `validate` is True or, given
    a function, says so for the document's IRI. Never raises."""
    path = Path(path)
    try:
        return _prepare(path, registry, validate)
    except KgError as e:
        return Prepared(str(path), refusal=_refused(path, e.message, e.line, list(e.details)))
    except Exception as e:  # a bug in kg: report it, keep going with the other files
        return Prepared(str(path), refusal=_internal(path, e))


def _prepare(path: Path, registry: Any, validate: bool | Callable[[str], bool]) -> Prepared:
    import kg.graph
    from kg.graph import links
    from kg.graph.terms import TripleStore
    from kg.parse import parse_file

    if not path.exists():
        raise KgError("no such file or directory", file=str(path))
    if path.is_file() and path.stat().st_size == 0:
        raise KgError("empty file", file=str(path))
    notice = parse_file(path)
    iri_ref, graph = kg.graph.build_graph(notice, registry)
    iri = str(iri_ref)
    prep = Prepared(str(path), iri=iri, source_name=notice.source_name, has_tasks=bool(notice.tasks))
    prep.warnings = [_where(p.line, p.message) for p in notice.problems if p.severity != "violation"]
    parse_errors = [p for p in notice.problems if p.severity == "violation"]
    if parse_errors:
        first = parse_errors[0]
        prep.refusal = _refused(
            path,
            f"{len(parse_errors)} problem(s) in the text: {first.message}",
            first.line,
            [_where(p.line, p.message) for p in parse_errors],
            iri=iri,
        )
        return prep
    prep.triples = Triples.of(graph)
    prep.doc_hash = prep.triples.sha256
    prep.info = links.describe(graph, iri)
    if isinstance(graph.store, TripleStore):
        graph.store.clear()  # the graph ends here: free it now (see TripleStore.clear)
    if validate(iri) if callable(validate) else validate:
        _validate(prep, registry)
    return prep


def _validate(prep: Prepared, registry: Any) -> None:
    """SHACL on the document graph: warnings are added, violations make the refusal."""
    import kg.validate

    assert prep.triples is not None
    report = kg.validate.validate(prep.triples, registry)
    prep.validated = True
    prep.shacl_warnings = [_where(w.line, w.render()) for w in report.warnings]
    if not report.conforms:
        first = report.violations[0]
        n = len(report.violations)
        # junk (a news page, a letter) fails on 文号 and date; say what it is first
        what = "" if prep.has_tasks else "not a task-decomposition notice (no numbered tasks found); "
        prep.refusal = _refused(
            prep.file,
            f"{what}{n} SHACL violation{'s' if n > 1 else ''}: {first.render()}",
            first.line,
            [_where(v.line, v.render()) for v in report.violations],
            iri=prep.iri,
        )


@dataclass
class Write:
    """A document `plan` found worth writing: the triples, their fingerprint, and the result to
    report once `write` has stored them."""

    file: str
    iri: str
    triples: Triples  # the document graph and its links
    fingerprint: str
    result: IngestResult


def commit(prep: Prepared, store: Store, registry: Any) -> IngestResult:
    """Link a prepared document to the stored ones and write it (one transaction). Never raises."""
    planned = plan(prep, store, registry)
    return planned if isinstance(planned, IngestResult) else write(planned, store)


def plan(prep: Prepared, store: Store, registry: Any, infos: Any = None) -> IngestResult | Write:
    """Everything `commit` does before the store write: the result when nothing is to be written
    (unchanged, refused), else the `Write` to make. Reads the store; never raises. `infos`
    (kg.graph.links.StoredInfos) keeps what was read of stored documents across a batch."""
    if prep.refusal is not None:
        return prep.refusal
    try:
        return _plan(prep, store, registry, infos)
    except KgError as e:
        return _refused(prep.file, e.message, e.line, list(e.details), iri=prep.iri)
    except Exception as e:
        return _internal(prep.file, e)


def write(w: Write, store: Store) -> IngestResult:
    """Make a planned write (one atomic write). Never raises."""
    try:
        changed = store.replace_document(w.iri, w.triples, sha256=w.fingerprint)
    except KgError as e:
        return _refused(w.file, e.message, e.line, list(e.details), iri=w.iri)
    except Exception as e:
        return _internal(w.file, e)
    if not changed:
        w.result.status = "unchanged"
    return w.result


def _plan(prep: Prepared, store: Store, registry: Any, infos: Any = None) -> IngestResult | Write:
    from kg.graph import links

    assert prep.triples is not None and prep.info is not None
    assert prep.iri is not None and prep.doc_hash is not None
    iri = prep.iri
    link_warnings: list[str] = []
    try:
        found = links.links_for(store, prep.info, infos)
    except KgError:
        raise
    except Exception as e:  # a bug in linking: the document itself is fine, store it without links
        found = []
        link_warnings.append(f"task links not computed (internal error: {type(e).__name__}: {e})")
    extra = links.link_graph(found)
    extra_triples = Triples.of(extra)
    # The fingerprint covers the links as computed, also when some are left out below: the same
    # inputs give the same stored graph, so an unchanged re-ingest still writes nothing.
    fingerprint = hashlib.sha256(f"{prep.doc_hash}\n{extra_triples.sha256}".encode()).hexdigest()
    if store.document_hash(iri) == fingerprint:
        return IngestResult(prep.file, "unchanged", iri=iri, warnings=prep.warnings, links=len(found))
    if not prep.validated:
        _validate(prep, registry)
        if prep.refusal is not None:
            return prep.refusal
    if len(extra):
        found, extra_triples, dropped = _conforming_links(found, extra_triples, iri, registry)
        link_warnings += dropped
    warnings = prep.warnings + prep.shacl_warnings + link_warnings
    previous = _previous_source(store, iri)
    if previous and previous != prep.source_name:
        warnings.append(f"replaces {iri} previously stored from {previous}")
    result = IngestResult(prep.file, "stored", iri=iri, warnings=warnings, links=len(found))
    return Write(prep.file, iri, prep.triples + extra_triples, fingerprint, result)


def _conforming_links(
    found: list[Any], extra: Triples, iri: str, registry: Any
) -> tuple[list[Any], Triples, list[str]]:
    """The links that pass SHACL, their triples, and a warning per rule broken.

    Links are kg's own output, so a violation is a bug in kg, not in the notice: the document is
    stored all the same, without the links of the child tasks a violation names (or without any
    link, when what remains still does not conform), and the warning says which tasks lost them.
    """
    import kg.validate
    from kg.graph.links import link_graph

    report = kg.validate.validate(extra, registry)
    if report.conforms:
        return found, extra, []

    def named(link: Any, focus: str) -> bool:  # link nodes and child targets live under the child task
        return focus in (link.child, link.parent) or focus.startswith(link.child + "/")

    bad = [link for link in found if any(named(link, v.focus) for v in report.violations)]
    kept = [link for link in found if link not in bad]
    kept_triples = Triples.of(link_graph(kept))
    if kept and not kg.validate.validate(kept_triples, registry).conforms:
        bad, kept, kept_triples = found, [], Triples.of(Graph())
    tasks = ", ".join(dict.fromkeys(_task_name(link.child, iri) for link in bad))
    rules = "; ".join(dict.fromkeys(v.render() for v in report.violations))
    warning = (
        f"internal error in task links: {len(bad)} link(s) of {tasks} left out, the notice is stored "
        f"without them ({rules})"
    )
    return kept, kept_triples, [warning]


def _task_name(task: str, iri: str) -> str:
    """task 1.7 for a task of the document `iri`, else the task's IRI."""
    head = f"{iri}/task/"
    return f"task {task.removeprefix(head).replace('/', '.')}" if task.startswith(head) else task


def ingest_path(path: str | Path, store: Store, registry: Any) -> IngestResult:
    """Ingest one file. Never raises for a bad file: problems become a `refused` result."""
    return commit(prepare(path, registry), store, registry)


ingest_file = ingest_path  # the name docs/design.md uses


# ------------------------------------------------------------------ many files


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files to ingest: named files as given, directories walked (sorted) for notice files."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += [f for f in _walk(p) if f.suffix.lower() in SUFFIXES]
        else:
            out.append(p)
    return out


def skipped_files(paths: Iterable[str | Path]) -> list[Path]:
    """Files a directory walk leaves out because kg does not read their format (images, PDFs, …)."""
    return [f for p in map(Path, paths) if p.is_dir() for f in _walk(p) if f.suffix.lower() not in SUFFIXES]


def _walk(root: Path) -> list[Path]:
    return sorted(
        f
        for f in root.rglob("*")
        if f.is_file() and not any(part.startswith(".") for part in f.relative_to(root).parts)
    )


def ingest_many(
    paths: Iterable[str | Path],
    store: Store,
    registry: Any,
    *,
    jobs: int = 1,
    on_result: Callable[[IngestResult], None] | None = None,
) -> list[IngestResult]:
    """Ingest files and directories (walked for notice files); one result per file, in file order.

    With `jobs` > 1, parsing, building and validation run in that many processes; linking and the
    store writes stay here, in file order. `on_result` is called after each file (progress bars).
    """
    files = expand_paths(paths)
    prepared = (
        _prepare_all(files, registry, jobs)
        if jobs > 1 and len(files) > 1
        else _prepare_here(files, store, registry)
    )
    with _fewer_full_collections(), store.write_batch(len(files)):
        return _commit_all(prepared, store, registry, on_result)


def _commit_all(
    prepared: Iterable[Prepared],
    store: Store,
    registry: Any,
    on_result: Callable[[IngestResult], None] | None,
) -> list[IngestResult]:
    results: list[IngestResult] = []

    def report(result: IngestResult) -> None:
        results.append(result)
        if on_result is not None:
            on_result(result)

    # One write at a time, on a thread: pyoxigraph releases the GIL while it writes, so the next
    # file is parsed and built (or, with workers, received) meanwhile. A document is planned (linked
    # to the stored ones, compared with its stored hash) only once the previous write is done, so
    # the store holds what a strictly sequential run would.
    from kg.graph.links import StoredInfos

    infos = StoredInfos()
    with ThreadPoolExecutor(1, thread_name_prefix="kg-ingest-write") as writer:
        writing: Future[IngestResult] | None = None
        for prep in prepared:
            if writing is not None:
                report(writing.result())
                writing = None
            planned = plan(prep, store, registry, infos)
            if isinstance(planned, IngestResult):
                report(planned)
            else:
                writing = writer.submit(write, planned, store)
        if writing is not None:
            report(writing.result())
    return results


def _prepare_here(files: list[Path], store: Store, registry: Any) -> Iterator[Prepared]:
    """`prepare` in this process, validating on a thread while this one parses and builds the next
    file: pyoxigraph releases the GIL while it loads and queries, which is most of validation (two
    threads validate two documents in about the time of one), so on two cores the validation of
    one file and the Python work of the next overlap. One file runs ahead at most; files come out
    in order, validated.

    A document the store holds no version of cannot be unchanged, so it is validated here instead
    of in `plan` (which validates only documents that changed). Reading the store while the writer
    thread writes is safe: a stale answer can only say "not stored" for a document being written,
    and then the validation is merely early."""

    def started(prep: Prepared, pool: ThreadPoolExecutor) -> tuple[Prepared, Future[None] | None]:
        new = prep.refusal is None and prep.iri is not None and store.document_hash(prep.iri) is None
        return prep, pool.submit(_validate_safely, prep, registry) if new else None

    def finished(ahead: tuple[Prepared, Future[None] | None]) -> Prepared:
        prep, job = ahead
        if job is not None:
            job.result()
        return prep

    with ThreadPoolExecutor(1, thread_name_prefix="kg-validate") as pool:
        ahead = None
        for f in files:
            prep = started(prepare(f, registry), pool)
            if ahead is not None:
                yield finished(ahead)
            ahead = prep
        if ahead is not None:
            yield finished(ahead)


def _validate_safely(prep: Prepared, registry: Any) -> None:
    """`_validate` as `prepare` runs it: a failure refuses the file, never raises."""
    try:
        _validate(prep, registry)
    except KgError as e:
        prep.refusal = _refused(prep.file, e.message, e.line, list(e.details), iri=prep.iri)
    except Exception as e:  # a bug in kg: report it, keep going with the other files
        prep.refusal = _internal(prep.file, e)


@contextmanager
def _fewer_full_collections() -> Iterator[None]:
    """A batch allocates ~0.5M objects per notice, and CPython's default thresholds then run a full
    collection (walking every live object) about once per notice: 10-15% of the time. Rarer young
    collections make full ones rare too; a document graph is freed by reference counting
    (`TripleStore.clear`), so garbage does not pile up meanwhile. What is alive when the batch
    starts (modules, the registry, the caller's objects) is frozen for its duration: the full
    collections that still run then skip it."""
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


def sync_registry(store: Store, registry: Any) -> bool:
    """Put the registry graph into the store (its own named graph); True when it changed."""
    return store.set_registry(registry.graph)


# ------------------------------------------------------------------ worker processes

_WORKER_REGISTRY: Any = None


def _init_worker(registry_ntriples: bytes) -> None:
    """Each worker rebuilds the caller's registry (not data/registry: the caller may use another)."""
    global _WORKER_REGISTRY
    from kg.registry import Registry

    graph = Graph()
    graph.parse(data=registry_ntriples, format="nt")
    _WORKER_REGISTRY = Registry.from_graph(graph)


def _work(path: str) -> Prepared:
    return prepare(path, _WORKER_REGISTRY, validate=True)


def _prepare_all(files: list[Path], registry: Any, jobs: int) -> Iterator[Prepared]:
    """Prepared files in file order, computed `jobs` at a time (a window of 2 x jobs in flight).

    A worker that dies (out of memory, a crash in a C extension) takes its file with it: that file
    is retried alone in a fresh process and refused if it kills that one too; the others go on.
    """
    # spawn, not fork: the caller holds an open RocksDB store and its threads
    context = get_context("spawn")
    init = (registry.ntriples(),)
    window = max(2, 2 * jobs)
    pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=_init_worker, initargs=init)
    pending: list[tuple[Path, Future[Prepared]]] = []
    queue = list(files)
    try:
        while queue or pending:
            while queue and len(pending) < window:
                f = queue.pop(0)
                pending.append((f, pool.submit(_work, str(f))))
            f, future = pending.pop(0)
            try:
                yield future.result()
            except BrokenProcessPool:
                pool.shutdown(cancel_futures=True)
                yield _alone(f, context, init)
                queue = [g for g, _ in pending] + queue
                pending = []
                pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=_init_worker, initargs=init)
    finally:
        pool.shutdown(cancel_futures=True)


def _alone(path: Path, context: Any, init: tuple[bytes]) -> Prepared:
    with ProcessPoolExecutor(1, mp_context=context, initializer=_init_worker, initargs=init) as solo:
        try:
            return solo.submit(_work, str(path)).result()
        except BrokenProcessPool:
            reason = "internal error: the process reading this file died (out of memory?)"
            return Prepared(str(path), refusal=_refused(path, reason))


def default_jobs() -> int:
    """Worker processes for `--jobs 0`: the CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)
