"""Group expansion: one gw:ExpandedAssignment per member of a group assignment, minus exclusions.

Materialising once at ingest keeps analyst queries simple and correct: "every task of unit X" is
`?task gw:hasAssignment/gw:agent X`, and an excluded unit never appears (traversing gw:member at
query time would return it). Open groups (…成员单位) are never expanded.
"""

from __future__ import annotations

from functools import lru_cache

from rdflib import Graph, URIRef

from kg import iris
from kg.graph.terms import GW, RDF, TRUE, adder
from kg.registry import Registry, iri_key


def expand(
    g: Graph,
    registry: Registry,
    task: URIRef,
    written: URIRef,
    group: URIRef,
    excluded: set[URIRef],
) -> list[URIRef]:
    """Add the expanded assignments of the group assignment `written`; returns their IRIs.

    Each copies the role, order and source of `written`; one from a partial group (各相关…) carries
    gw:partial true, since the text does not say which members are meant.
    """
    if not registry.is_group(group) or registry.is_open(group):
        return []
    add = adder(g)
    partial = registry.is_partial(group)
    copied = [(p, o) for p in (GW.role, GW.order, GW.source) for o in g.objects(written, p)]
    base = f"{written}/member/"
    out = []
    for member in registry.members(group):
        if member in excluded:
            continue
        a = URIRef(base + _member_segment(member))  # = iris.child(written, "member", iri_key(member))
        add((a, RDF.type, GW.Assignment))
        add((a, RDF.type, GW.ExpandedAssignment))
        add((a, GW.agent, member))
        add((a, GW.expandedFrom, written))
        for p, o in copied:
            add((a, p, o))
        if partial:
            add((a, GW.partial, TRUE))
        add((task, GW.hasAssignment, a))
        out.append(a)
    return out


@lru_cache(maxsize=16384)
def _member_segment(member: URIRef) -> str:
    """The IRI segment of a member unit's key (the same few hundred units recur in every notice)."""
    return iris.segment(iri_key(member))
