"""parse → build → validate → store, one file at a time, one transaction per document.

    results = ingest_many([Path("data/notices")], store, Registry.load())

Per file the outcome is an `IngestResult`:

* `stored`    — the document graph replaced the previous one (or was added) in one transaction;
* `unchanged` — the graph built from the file is identical to the stored one: nothing written;
* `refused`   — nothing written; `reason` says why (SHACL violations naming task and rule,
  an unreadable file naming file and line, or "internal error: …" for a bug).

"Identical" is decided by a content hash of the built graph (sha256 of its sorted N-Triples, see
`kg.store.graph_sha256`), not of the file bytes: the graph already records the file's own sha256,
and hashing the graph also notices a new kg version or a changed registry that would store
something different from the same file.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from rdflib import URIRef

from kg.errors import KgError
from kg.iris import GW
from kg.store import Store, graph_sha256

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


def _where(line: int | None, text: str) -> str:
    return f"line {line}: {text}" if line else text


def _refused(
    path: Path,
    reason: str,
    line: int | None = None,
    details: list[str] | None = None,
    iri: str | None = None,
    debug: str | None = None,
) -> IngestResult:
    return IngestResult(
        str(path), "refused", iri=iri, reason=reason, line=line, details=details or [], debug=debug
    )


def _previous_source(store: Store, iri: str) -> str | None:
    """gw:sourceName of the document currently stored under `iri` (to warn about replacing another file)."""
    node = URIRef(iri).n3()
    q = f"SELECT ?n WHERE {{ GRAPH {node} {{ {node} {GW.sourceName.n3()} ?n }} }}"
    rows = list(store.query(q))  # type: ignore[arg-type]
    return rows[0]["n"].value if rows else None


def ingest_path(path: str | Path, store: Store, registry: Any) -> IngestResult:
    """Ingest one file. Never raises for a bad file: problems become a `refused` result."""
    path = Path(path)
    try:
        return _ingest(path, store, registry)
    except KgError as e:
        return _refused(path, e.message, e.line, list(e.details))
    except Exception as e:  # a bug in kg: report it, keep going with the other files
        return _refused(path, f"internal error: {type(e).__name__}: {e}", debug=traceback.format_exc())


ingest_file = ingest_path  # the name docs/design.md uses


def _ingest(path: Path, store: Store, registry: Any) -> IngestResult:
    from kg.graph import build_graph
    from kg.parse import parse_file
    from kg.validate import validate

    notice = parse_file(path)
    iri_ref, graph = build_graph(notice, registry)
    iri = str(iri_ref)
    warnings = [_where(p.line, p.message) for p in notice.problems if p.severity != "violation"]
    parse_errors = [p for p in notice.problems if p.severity == "violation"]
    if parse_errors:
        first = parse_errors[0]
        return _refused(
            path,
            f"{len(parse_errors)} problem(s) in the text: {first.message}",
            first.line,
            [_where(p.line, p.message) for p in parse_errors],
            iri=iri,
        )
    fingerprint = graph_sha256(graph)
    if store.document_hash(iri) == fingerprint:
        return IngestResult(str(path), "unchanged", iri=iri, warnings=warnings)
    report = validate(graph, registry)
    warnings += [_where(w.line, w.render()) for w in report.warnings]
    if not report.conforms:
        first = report.violations[0]
        n = len(report.violations)
        return _refused(
            path,
            f"{n} SHACL violation{'s' if n > 1 else ''}: {first.render()}",
            first.line,
            [_where(v.line, v.render()) for v in report.violations],
            iri=iri,
        )
    previous = _previous_source(store, iri)
    if previous and previous != notice.source_name:
        warnings.append(f"replaces {iri} previously stored from {previous}")
    changed = store.replace_document(iri, graph, sha256=fingerprint)
    return IngestResult(str(path), "stored" if changed else "unchanged", iri=iri, warnings=warnings)


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files to ingest: named files as given, directories walked (sorted) for notice files."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(
                f
                for f in p.rglob("*")
                if f.is_file()
                and f.suffix.lower() in SUFFIXES
                and not any(part.startswith(".") for part in f.relative_to(p).parts)
            )
        else:
            out.append(p)
    return out


def ingest_many(paths: Iterable[str | Path], store: Store, registry: Any) -> list[IngestResult]:
    """Ingest files and directories (walked for .txt/.html/.htm/.docx); one result per file."""
    results = []
    for p in expand_paths(paths):
        if not p.exists():
            results.append(_refused(p, "no such file or directory"))
            continue
        results.append(ingest_path(p, store, registry))
    return results


def sync_registry(store: Store, registry: Any) -> bool:
    """Put the registry graph into the store (its own named graph); True when it changed."""
    return store.set_registry(registry.graph)
