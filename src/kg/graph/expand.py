"""Group expansion: one gw:ExpandedAssignment per member of a group assignment, minus exclusions.

Materialising once at ingest keeps analyst queries simple and correct: "every task of unit X" is
`?task gw:hasAssignment/gw:agent X`, and an excluded unit never appears (traversing gw:member at
query time would return it). Open groups (…成员单位) are never expanded.
"""

from __future__ import annotations

from rdflib import RDF, Graph, Literal, URIRef

from kg import iris
from kg.iris import GW
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
    partial = registry.is_partial(group)
    copied = [(p, o) for p in (GW.role, GW.order, GW.source) for o in g.objects(written, p)]
    out = []
    for member in registry.members(group):
        if member in excluded:
            continue
        a = iris.child(written, "member", iri_key(member))
        g.add((a, RDF.type, GW.Assignment))
        g.add((a, RDF.type, GW.ExpandedAssignment))
        g.add((a, GW.agent, member))
        g.add((a, GW.expandedFrom, written))
        for p, o in copied:
            g.add((a, p, o))
        if partial:
            g.add((a, GW.partial, Literal(True)))
        g.add((task, GW.hasAssignment, a))
        out.append(a)
    return out
