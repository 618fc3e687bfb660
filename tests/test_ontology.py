"""ontology/gw.ttl: parses, documents every term, and declares every gw: term the code and data use."""

from __future__ import annotations

import re

import pytest
from rdflib import RDF, Graph, Literal, URIRef
from rdflib import namespace as ns
from test_graph import gold_notice, make_notice

from kg import paths
from kg.graph import build_graph
from kg.iris import ELI, GW, ODRL, PROV, ROLE, SKOS
from kg.registry import Registry
from kg.validate import load_shapes

CV_ORG = URIRef("http://data.europa.eu/m8g/PublicOrganisation")
DECLARED_AS = {
    ns.OWL.Class,
    ns.OWL.ObjectProperty,
    ns.OWL.DatatypeProperty,
    SKOS.Concept,
    SKOS.ConceptScheme,
}


@pytest.fixture(scope="module")
def onto() -> Graph:
    g = Graph()
    g.parse(paths.ONTOLOGY_DIR / "gw.ttl", format="turtle")
    return g


def declared(onto: Graph) -> set[URIRef]:
    return {s for s, o in onto.subject_objects(RDF.type) if o in DECLARED_AS and str(s).startswith(str(GW))}


def gw_terms(g: Graph) -> set[URIRef]:
    """gw: IRIs used as predicate, class or object (vocabulary, not instance data)."""
    used = {p for p in g.predicates() if str(p).startswith(str(GW))}
    used |= {o for o in g.objects() if isinstance(o, URIRef) and str(o).startswith(str(GW))}
    return used


def test_header(onto: Graph) -> None:
    header = URIRef("https://w3id.org/govwork/ns")
    assert (header, RDF.type, ns.OWL.Ontology) in onto
    assert onto.value(header, ns.OWL.versionInfo) == Literal("0.1.0")


def test_every_term_is_documented_in_chinese_and_english(onto: Graph) -> None:
    terms = declared(onto)
    assert len(terms) > 60
    for term in terms:
        langs = {getattr(x, "language", None) for x in onto.objects(term, ns.RDFS.label)}
        assert {"zh", "en"} <= langs, term
        assert onto.value(term, ns.RDFS.comment) is not None, term


def test_alignment(onto: Graph) -> None:
    sub_class = {
        GW.Notice: ELI.LegalResource,
        GW.Section: ELI.LegalResourceSubdivision,
        GW.Task: PROV.Plan,
        GW.Assignment: PROV.Association,
        GW.ExpandedAssignment: GW.Assignment,
        GW.Deadline: ns.TIME.Instant,
        GW.Unit: CV_ORG,
        GW.Place: SKOS.Concept,
    }
    for cls, sup in sub_class.items():
        assert (cls, ns.RDFS.subClassOf, sup) in onto, cls
    sub_property = {
        GW.agent: PROV.agent,
        GW.role: PROV.hadRole,
        GW.jurisdiction: ELI.jurisdiction,
        GW.decomposes: ELI.applies,
        GW.expandedFrom: PROV.wasDerivedFrom,
    }
    for prop, sup in sub_property.items():
        assert (prop, ns.RDFS.subPropertyOf, sup) in onto, prop


def test_concept_schemes(onto: Graph) -> None:
    assert set(ROLE.values()) == set(onto.subjects(SKOS.inScheme, GW.Roles))
    assert onto.value(GW.lead, SKOS.prefLabel, default=None) is not None
    assert {str(x) for x in onto.objects(GW.lead, SKOS.prefLabel)} == {"牵头单位", "lead unit"}
    assert {str(x) for x in onto.objects(GW.leader, SKOS.prefLabel)} == {"牵头领导", "lead official"}
    classes = {
        GW.Department,
        GW.Town,
        GW.Township,
        GW.Subdistrict,
        GW.ManagementCommittee,
        GW.Government,
        GW.Other,
    }
    assert set(onto.subjects(SKOS.inScheme, GW.UnitClassifications)) == classes
    comparators = {ODRL.eq, ODRL.gteq, ODRL.gt, ODRL.lteq, ODRL.lt, GW.range}
    assert set(onto.subjects(SKOS.inScheme, GW.Comparators)) == comparators


def test_builder_output_uses_only_declared_terms(onto: Graph) -> None:
    registry = Registry.load()
    used: set[URIRef] = set()
    for notice in (make_notice(), gold_notice(), make_notice(number=None, tasks=[])):
        used |= gw_terms(build_graph(notice, registry)[1])
    assert {GW.Notice, GW.Task, GW.ExpandedAssignment, GW.expandedFrom, GW.lead, GW.range} - used == set()
    assert used - declared(onto) == set()


def test_registry_uses_only_declared_terms(onto: Graph) -> None:
    assert gw_terms(Registry.load().graph) - declared(onto) == set()


def test_shapes_use_only_declared_terms(onto: Graph) -> None:
    shapes = load_shapes()
    kinds = (ns.SH.NodeShape, ns.SH.PropertyShape, ns.SH.SPARQLConstraint)
    shape_nodes = {s for kind in kinds for s in shapes.subjects(RDF.type, kind)}
    used = {t for t in gw_terms(shapes) if t not in shape_nodes}
    for query in shapes.objects(None, ns.SH.select):
        used |= {GW[name] for name in re.findall(r"\bgw:(\w+)", str(query))}
    assert used - declared(onto) == set()
