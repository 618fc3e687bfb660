"""Group expansion: one gw:ExpandedAssignment per member of a group assignment, minus exclusions.

Materialising once at ingest keeps analyst queries simple and correct: "every task of unit X" is
`?task gw:hasAssignment/gw:agent X`, and an excluded unit never appears (traversing gw:member at
query time would return it). Open groups (…成员单位) are never expanded.
"""

from __future__ import annotations

from functools import lru_cache

from rdflib import Graph, URIRef

from kg import iris
from kg.graph.terms import GW, RDF, TRUE, adder, derived_iri, node_adder
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
    add, add_node = adder(g), node_adder(g)
    kinds = ((RDF.type, GW.Assignment), (RDF.type, GW.ExpandedAssignment))
    # what every member's assignment says besides its agent
    common = [(GW.expandedFrom, written)]
    common += [(p, o) for p in (GW.role, GW.order, GW.source) for o in g.objects(written, p)]
    if registry.is_partial(group):
        common.append((GW.partial, TRUE))
    base = f"{written}/member/"
    out = []
    for member in registry.members(group):
        if member in excluded:
            continue
        a = derived_iri(base + _member_segment(member))  # = iris.child(written, "member", iri_key(member))
        add_node(a, (*kinds, (GW.agent, member), *common))
        add((task, GW.hasAssignment, a))
        out.append(a)
    return out


@lru_cache(maxsize=16384)
def _member_segment(member: URIRef) -> str:
    """The IRI segment of a member unit's key (the same few hundred units recur in every notice)."""
    return iris.segment(iri_key(member))
