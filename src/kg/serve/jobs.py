"""Jobs a worker process runs (each takes the worker `Context` first; arguments and results pickle).

Readers: `query`, `select`, `describe`, `named`, `page`, `stats`, `graph_get`, `release`, `refresh`.
Writer: `update`, `graph_put`, `graph_delete`, `ingest`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from itertools import islice
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.errors import KgError, NotFound
from kg.iris import PREFIXES
from kg.serve.conneg import negotiate, not_acceptable
from kg.serve.results import HTML, Answer, serialize, term_dict
from kg.serve.worker import Context

SOLUTION_OFFERS = [
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
    HTML,
]
BOOLEAN_OFFERS = [
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
    HTML,
]
GRAPH_OFFERS = ["text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml", HTML]
OFFERS = {"solutions": SOLUTION_OFFERS, "boolean": BOOLEAN_OFFERS, "graph": GRAPH_OFFERS}
RDF_INPUT = {  # Graph Store Protocol bodies
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}


def _retrying(ctx: Context, run: Callable[[ox.Store], Any]) -> Any:
    """Run against the raw store; reopen once when the read fails (the files changed under us)."""
    try:
        return run(ctx.raw())
    except OSError:
        ctx.release()
        return run(ctx.raw())


def _syntax(e: SyntaxError, what: str = "query") -> KgError:
    return KgError(f"SPARQL {what} syntax error: {e}", code="bad-query", status=400)


def _run_query(
    raw: ox.Store, text: str, default_graphs: list[str], named_graphs: list[str], base_iri: str | None
) -> Any:
    kwargs: dict[str, Any] = {"use_default_graph_as_union": True}
    if default_graphs or named_graphs:  # the protocol's dataset replaces the union (and any FROM)
        kwargs = {
            "default_graph": [ox.NamedNode(g) for g in default_graphs],
            "named_graphs": [ox.NamedNode(g) for g in named_graphs],
        }
    try:
        return raw.query(text, base_iri=base_iri, prefixes=PREFIXES, **kwargs)
    except SyntaxError as e:
        raise _syntax(e) from None
    except ValueError as e:
        raise KgError(f"bad query: {e}", code="bad-query") from None


def query(
    ctx: Context,
    text: str,
    default_graphs: list[str],
    named_graphs: list[str],
    base_iri: str | None,
    accept: str | None,
    fmt: str | None,
    max_rows: int,
) -> Answer:
    """A SPARQL query, negotiated and serialized here (the type of answer is known only now)."""

    def run(raw: ox.Store) -> Answer:
        result = _run_query(raw, text, default_graphs, named_graphs, base_iri)
        kind = (
            "solutions"
            if isinstance(result, ox.QuerySolutions)
            else "boolean"
            if isinstance(result, ox.QueryBoolean)
            else "graph"
        )
        media_type = negotiate(accept, OFFERS[kind], fmt)
        if media_type is None:
            raise not_acceptable(accept, OFFERS[kind])
        return serialize(result, media_type, max_rows)

    return _retrying(ctx, run)


def select(ctx: Context, text: str, max_rows: int) -> list[dict[str, dict[str, str]]]:
    """SELECT over the union graph, rows as {var: term dict} (unbound variables left out)."""

    def run(raw: ox.Store) -> list[dict[str, dict[str, str]]]:
        result = _run_query(raw, text, [], [], None)
        names = [v.value for v in result.variables]
        return [
            {n: term_dict(sol[n]) for n in names if sol[n] is not None} for sol in islice(result, max_rows)
        ]

    return _retrying(ctx, run)


def describe(ctx: Context, iri: str, media_type: str, max_rows: int) -> Answer:
    """The RDF description of a resource kg minted (see `kg.serve.pages.describe_query`)."""
    from kg.serve.pages_data import describe_query

    def run(raw: ox.Store) -> Answer:
        return serialize(
            raw.query(describe_query(raw, iri), use_default_graph_as_union=True), media_type, max_rows
        )

    answer = _retrying(ctx, run)
    if answer.rows == 0:
        raise NotFound(f"nothing is known about <{iri}>")
    return answer


def page(ctx: Context, kind: str, iri: str) -> dict[str, Any]:
    from kg.serve import pages_data

    return _retrying(ctx, lambda raw: pages_data.PAGES[kind](raw, iri))


def resource_kind(ctx: Context, iri: str) -> str | None:
    from kg.serve import pages_data

    return _retrying(ctx, lambda raw: pages_data.resource_kind(raw, iri))


def _catalog(ctx: Context) -> Any:
    if "catalog" not in ctx.cache:
        from kg.queries import Catalog

        ctx.cache["catalog"] = Catalog.load()
    return ctx.cache["catalog"]


def _render(ctx: Context, store: Any, nq: Any, values: dict[str, str]) -> str:
    """`kg.queries.render_named`: its `Resolver` (label and 文号 indexes, a scan of the store to
    build: 0.3 s at 2M quads) is kept by kg.queries for all requests until the data changes."""
    from kg.queries import render_named

    return render_named(store, nq, values)


def named(
    ctx: Context,
    name: str,
    values: dict[str, str],
    fmt: str,
    bom: bool,
    max_rows: int,
) -> dict[str, Any]:
    """Run a named query and write the whole answer body here (the main process only sends it):
    json / csv / tsv / text as bytes, html as rows of cell texts for the template.

    The bound SPARQL is remembered per parameter values, and the label indexes behind it per
    loaded data, until the data changes."""
    from kg.queries import Table

    nq = _catalog(ctx).get(name)
    store = ctx.store()  # first: a reload (the data changed) empties the per-store cache
    rendered = ctx.store_cache.setdefault("rendered", {})
    key = (name, tuple(sorted(values.items())))
    if key not in rendered:
        if len(rendered) >= 4096:  # free-text parameters make the keys unbounded
            rendered.clear()
        rendered[key] = _render(ctx, store, nq, values)
    result = store.query(rendered[key])
    if not isinstance(result, ox.QuerySolutions):
        raise KgError(f"query {name} is not a SELECT query", code="bad-query-file", status=500)
    table = Table.from_solutions(result)
    truncated = len(table.rows) > max_rows
    if truncated:
        table = Table(table.columns, table.rows[:max_rows])
    out: dict[str, Any] = {"rows": len(table.rows), "truncated": truncated}
    if fmt == "html":
        from kg.queries import cell_text

        out["columns"] = list(table.columns)
        out["table"] = [[cell_text(v) for v in row] for row in table.rows]
        return out
    if fmt == "json":
        doc = table.to_dict()
        doc.update({"query": name, "params": values, "count": len(table.rows), "truncated": truncated})
        out["body"] = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return out
    text = {"csv": lambda: table.to_csv(bom=bom), "tsv": table.to_tsv, "text": table.to_text}[fmt]()
    out["body"] = text.encode("utf-8")
    return out


def stats(ctx: Context) -> dict[str, Any]:
    from kg.serve.pages_data import dataset_stats

    return _retrying(ctx, dataset_stats)


def graph_get(ctx: Context, graph: str | None, media_type: str, max_rows: int) -> Answer:
    """Graph Store Protocol GET: one named graph, or the store's own default graph (graph=None)."""

    def run(raw: ox.Store) -> Answer:
        if graph is not None and not raw.contains_named_graph(ox.NamedNode(graph)):
            raise NotFound(f"no graph <{graph}> in the store")
        where = f"GRAPH <{graph}> {{ ?s ?p ?o }}" if graph else "?s ?p ?o"
        return serialize(raw.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {where} }}"), media_type, max_rows)

    return _retrying(ctx, run)


def release(ctx: Context) -> None:
    """Before a write: no RocksDB handle may stay open (a snapshot in memory stays)."""
    ctx.release_disk()


def refresh(ctx: Context) -> None:
    """After a write: load the new data now, so that the next read sees it without waiting."""
    ctx.refresh()


# --- writer jobs ---------------------------------------------------------------------------------


def update(ctx: Context, text: str, base_iri: str | None) -> None:
    """One SPARQL Update request, in one transaction: an operation that fails (CREATE of a graph
    that exists, DROP of one that does not, ...) fails the whole request and nothing is written."""
    try:
        ctx.raw().update(text, base_iri=base_iri, prefixes=PREFIXES)
    except SyntaxError as e:
        raise _syntax(e, "update") from None
    except ValueError as e:
        raise KgError(f"bad update: {e}", code="bad-query") from None
    except RuntimeError as e:  # pyoxigraph's evaluation errors; storage failures are OSError
        raise KgError(
            f"the update failed: {e}; nothing was written",
            code="update-failed",
            status=400,
        ) from None
    ctx.raw().flush()


def _ntriples(data: bytes, content_type: str, base_iri: str) -> str:
    fmt = RDF_INPUT.get(content_type)
    if fmt is None:
        raise KgError(
            f"unsupported RDF content type {content_type or 'none'}; send one of "
            f"{', '.join(sorted(RDF_INPUT))}",
            code="unsupported-media-type",
            status=415,
        )
    try:
        triples = [q.triple for q in ox.parse(data, format=fmt, base_iri=base_iri)]
    except SyntaxError as e:
        raise KgError(f"the RDF body does not parse as {content_type}: {e}", code="bad-rdf") from None
    return (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8")


def graph_put(
    ctx: Context, graph: str | None, data: bytes, content_type: str, replace: bool, base_iri: str
) -> bool:
    """PUT (replace) or POST (merge) RDF into a graph in one transaction; True when it was created."""
    raw = ctx.raw()
    existed = graph is None or raw.contains_named_graph(ox.NamedNode(graph))
    body = _ntriples(data, content_type, base_iri)
    target = f"GRAPH <{graph}> {{\n{body}\n}}" if graph else body
    ops = []
    if replace:
        ops.append(f"DROP SILENT GRAPH <{graph}>" if graph else "CLEAR SILENT DEFAULT")
    if body.strip():
        ops.append(f"INSERT DATA {{ {target} }}")
    elif graph and not existed:
        raw.add_graph(ox.NamedNode(graph))
    if ops:
        update(ctx, " ;\n".join(ops), None)
    return not existed


def graph_delete(ctx: Context, graph: str | None) -> None:
    raw = ctx.raw()
    if graph is not None and not raw.contains_named_graph(ox.NamedNode(graph)):
        raise NotFound(f"no graph <{graph}> in the store")
    update(ctx, f"DROP GRAPH <{graph}>" if graph else "CLEAR DEFAULT", None)


def ingest(ctx: Context, path: str) -> dict[str, Any]:
    """`kg ingest` for one uploaded file: registry in place, then parse, validate and replace the
    document graph atomically (a refusal writes nothing)."""
    from kg.ingest import ingest_path, sync_registry
    from kg.registry import Registry

    if "registry" not in ctx.cache:
        ctx.cache["registry"] = Registry.load()
    store = ctx.store()
    sync_registry(store, ctx.cache["registry"])
    result = ingest_path(Path(path), store, ctx.cache["registry"])
    return {
        "status": result.status,
        "iri": result.iri,
        "warnings": list(result.warnings),
        "reason": result.reason,
        "line": result.line,
        "details": list(result.details),
    }


def ping(ctx: Context) -> int:
    import os

    return os.getpid()


JOBS: dict[str, Callable[..., Any]] = {
    f.__name__: f
    for f in (
        query,
        select,
        describe,
        page,
        resource_kind,
        named,
        stats,
        graph_get,
        release,
        refresh,
        update,
        graph_put,
        graph_delete,
        ingest,
        ping,
    )
}
