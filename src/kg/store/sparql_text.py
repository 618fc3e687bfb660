"""SPARQL text both store implementations write: safe IRIs, triple blocks, the replace request,
the hash bookkeeping, and the prologue (PREFIX/BASE) a remote server must be sent explicitly."""

from __future__ import annotations

import re
from collections.abc import Mapping

import rdflib
from rdflib import Literal, URIRef

from kg.iris import BASE
from kg.store.ntriples import Triples, as_triples

# Store bookkeeping vocabulary (not part of the gw: ontology: it describes the store, not notices).
STORE_NS = BASE + "store#"
SHA256 = URIRef(STORE_NS + "sha256")


def sparql_iri(iri: str) -> str:
    """`<iri>` for SPARQL text, refusing anything that is not a plain IRI (no injection)."""
    return URIRef(str(iri)).n3()  # rdflib raises on characters an IRI may not contain


def triples_block(graph: rdflib.Graph | Triples) -> str:
    """The graph's triples for `INSERT DATA`: N-Triples, whose terms are SPARQL terms (a graph
    already serialized by `kg.store.ntriples.Triples` is not formatted again)."""
    return as_triples(graph).text


def hash_marker(name: str, sha256: str) -> str:
    """The bookkeeping triple `<doc> kgs:sha256 "..."` kept inside the document's own graph."""
    return f"{sparql_iri(name)} {SHA256.n3()} {Literal(sha256).n3()} ."


def replace_graph_ops(name: str, graph: rdflib.Graph | Triples, sha256: str) -> list[str]:
    """The operations of one replace request (DROP, then INSERT DATA with the hash marker)."""
    g = sparql_iri(name)
    return [
        f"DROP SILENT GRAPH {g}",
        f"INSERT DATA {{ GRAPH {g} {{\n{triples_block(graph)}{hash_marker(name, sha256)}\n}} }}",
    ]


def hash_query(name: str) -> str:
    """SELECT ?h: the hash stored with graph `name` (no row when the graph is not stored)."""
    g = sparql_iri(name)
    return f"SELECT ?h WHERE {{ GRAPH {g} {{ {g} {SHA256.n3()} ?h }} }}"


# A query's prologue (BASE / PREFIX declarations, comments) followed by its form keyword.
_PROLOGUE_ITEM = re.compile(r"\s+|#[^\n]*|BASE\s*<[^>]*>|PREFIX\s+[^\s:]*:\s*<[^>]*>", re.IGNORECASE)
_FORM = re.compile(r"(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
_DECLARED = re.compile(r"PREFIX\s+([^\s:]*):", re.IGNORECASE)


def query_form(text: str) -> str | None:
    """SELECT / ASK / CONSTRUCT / DESCRIBE for a SPARQL query, None when it starts otherwise
    (then the server will say what is wrong with it)."""
    pos = 0
    while m := _PROLOGUE_ITEM.match(text, pos):
        if m.end() == pos:
            break
        pos = m.end()
    form = _FORM.match(text, pos)
    return form.group(1).upper() if form else None


def with_prologue(text: str, prefixes: Mapping[str, str] | None = None, base_iri: str | None = None) -> str:
    """`text` preceded by BASE and by the PREFIX declarations it does not make itself.

    pyoxigraph takes predeclared prefixes as an argument; a SPARQL server only sees the text."""
    declared = set(_DECLARED.findall(text))
    head = [f"BASE {sparql_iri(base_iri)}"] if base_iri else []
    head += [f"PREFIX {p}: {sparql_iri(ns)}" for p, ns in (prefixes or {}).items() if p not in declared]
    return "\n".join([*head, text]) if head else text


__all__ = [
    "STORE_NS",
    "SHA256",
    "sparql_iri",
    "triples_block",
    "hash_marker",
    "replace_graph_ops",
    "hash_query",
    "query_form",
    "with_prologue",
]
