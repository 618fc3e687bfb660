"""Bind a named query's parameters and run it.

Binding rewrites the query text: each parameter variable token (`?unit`) is replaced by the
resolved RDF term serialised with rdflib's `.n3()` (an IRI `<…>` or a quoted, escaped literal),
so user text never reaches the query unescaped and constant IRIs sit inline where pyoxigraph can
use them. A value resolving to several terms (a unit label shared by several units) becomes a
`VALUES ?unit { … }` block at the top of the WHERE group instead. Optional parameters left out
keep their variable, unbound.
"""

from __future__ import annotations

import difflib

import pyoxigraph as ox
from rdflib.term import Node

from kg.errors import KgError
from kg.queries.cache import resolver_for
from kg.queries.catalog import NamedQuery
from kg.queries.sparql_text import insert_values, substitute
from kg.queries.table import Table
from kg.store.base import Store


def check_values(nq: NamedQuery, values: dict[str, str]) -> None:
    """KgError (400) naming unknown parameters and missing required ones."""
    known = [p.name for p in nq.params]
    unknown = [k for k in values if k not in known]
    if unknown:
        hints = []
        for k in unknown:
            close = difflib.get_close_matches(k, known, n=1)
            hints.append(f"{k} (did you mean {close[0]}?)" if close else k)
        allowed = ", ".join(known) if known else "none"
        raise KgError(
            f"query {nq.name}: unknown parameter{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(hints)}; it takes: {allowed}",
            code="bad-parameter",
            status=400,
        )
    missing = [
        p.name
        for p in nq.params
        if p.required and not str(values.get(p.name, "")).strip() and p.default is None
    ]
    if missing:
        raise KgError(
            f"query {nq.name}: missing required parameter{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}",
            code="bad-parameter",
            status=400,
        )


def bind(nq: NamedQuery, terms: dict[str, list[Node]]) -> str:
    """The query text with parameters (by name) replaced by their terms."""
    single: dict[str, str] = {}
    text = nq.sparql
    for p in nq.params:
        bound = terms.get(p.name)
        if not bound:
            continue
        if len(bound) == 1:
            single[p.var] = bound[0].n3()
    text = substitute(text, single)
    for p in nq.params:
        bound = terms.get(p.name)
        if bound and len(bound) > 1:
            text = insert_values(text, p.var, [t.n3() for t in bound])
    return text


def render_named(store: Store, nq: NamedQuery, values: dict[str, str] | None = None) -> str:
    """The SPARQL that `run_named` would run (parameters checked, resolved and bound)."""
    values = {k: v for k, v in (values or {}).items() if v is not None}
    check_values(nq, values)
    resolver = resolver_for(store)  # its indexes are kept while the store's data is unchanged
    terms: dict[str, list[Node]] = {}
    for p in nq.params:
        raw = values.get(p.name)
        if raw is None or str(raw).strip() == "":
            raw = p.default
        if raw is None:
            continue
        terms[p.name] = resolver.resolve(p, str(raw))
    return bind(nq, terms)


def run_named(store: Store, nq: NamedQuery, values: dict[str, str] | None = None) -> Table:
    """Run named query `nq` with parameter `values` (as typed by users) and return its table.

    Raises KgError (status 400) for unknown/missing parameters and values that resolve to nothing.
    """
    result = store.query(render_named(store, nq, values))
    if not isinstance(result, ox.QuerySolutions):
        raise KgError(
            f"query {nq.name} is not a SELECT query", code="bad-query-file", status=500, exit_code=2
        )
    return Table.from_solutions(result)
