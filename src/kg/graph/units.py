"""Unit, group and post mentions -> IRIs: the registry's when it knows the label, else minted.

Minted agents live in the document graph (gw:minted true) under the jurisdiction the label names
(市大数据中心 in a 新密市 notice -> id/org/新密市/大数据中心), so two notices that write the same
unknown unit share its IRI.
"""

from __future__ import annotations

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import ORG, SKOS

from kg import iris
from kg.iris import GW
from kg.model import MentionKind
from kg.registry import Registry, iri_key, normalize

UNKNOWN_PLACE = "_"  # jurisdiction segment for agents of a notice whose place could not be read

_MINT = {
    "unit": (iris.unit, GW.Unit),
    "group": (iris.group, GW.UnitGroup),
    "post": (iris.post, ORG.Post),
}


def guess_kind(label: str) -> MentionKind:
    """Kind of a bare label (主送 line): collective names are groups, the rest units."""
    label = normalize(label)
    if label.startswith("各") or "各部门" in label or label.endswith(("成员单位", "有关单位", "相关单位")):
        return "group"
    return "unit"


class Agents:
    """Resolves labels of one notice, minting (once) what the registry does not know."""

    def __init__(self, g: Graph, registry: Registry, place: str | None) -> None:
        self.g = g
        self.registry = registry
        self.place = place

    def agent(self, label: str, kind: MentionKind = "unit") -> URIRef:
        found = self.registry.resolve(label, self.place)
        if found is not None:
            return found
        place, key = self.registry.localize(label, self.place)
        place = place or UNKNOWN_PLACE
        mint, cls = _MINT[kind]
        iri = mint(place, key)
        if (iri, RDF.type, cls) not in self.g:
            self.g.add((iri, RDF.type, cls))
            self.g.add((iri, SKOS.prefLabel, Literal(normalize(label), lang="zh")))
            self.g.add((iri, GW.jurisdiction, self.place_iri(place)))
            self.g.add((iri, GW.minted, Literal(True)))
            if kind == "group":  # members unknown: never expanded
                self.g.add((iri, GW.open, Literal(True)))
        return iri

    def place_iri(self, place: str) -> URIRef:
        """IRI of a place; an unregistered one is minted into the document graph."""
        known = self.registry.place_iri(place)
        if known is not None:
            return known
        iri = iris.place(place)
        if (iri, RDF.type, GW.Place) not in self.g:
            self.g.add((iri, RDF.type, GW.Place))
            self.g.add((iri, SKOS.prefLabel, Literal(place, lang="zh")))
            self.g.add((iri, GW.minted, Literal(True)))
        return iri

    def key(self, agent: URIRef) -> str:
        """Assignment key of an agent: its IRI key, qualified by place when not the notice's own."""
        key = iri_key(agent)
        place = self.registry.place_of(agent) or _place_segment(agent)
        return key if place == (self.place or UNKNOWN_PLACE) else f"{place}{key}"


def _place_segment(iri: URIRef) -> str:
    """Place segment of a minted agent IRI ({BASE}id/{kind}/{place}/{key})."""
    return iri_key(URIRef(str(iri).rsplit("/", 1)[0]))
