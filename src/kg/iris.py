"""Namespaces and the IRI scheme: every IRI kg mints is made here, from stable keys only.

The scheme (documented in docs/iris.md) is built so that re-ingesting a notice, or ingesting a
notice that cites it, yields the same IRIs:

    document   {BASE}eli/cn/{代字}/{year}/{seq}              新密政办〔2021〕6号 -> eli/cn/新密政办/2021/6
    section    {document}/section/{n}
    task       {document}/task/{n1}/{n2}...                 full printed path, section first
    assignment {task}/assignment/{role}/{unit-key}
    target     {task}/target/{k}                            k = 1.. in text order
    deadline   {task}/deadline/{k}
    source     {item}/source                                Web Annotation selectors
    reporting  {document}/section/{n}/reporting
    report     {BASE}report/{place}/{year}                  2021年河南省政府工作报告
    unit       {BASE}id/org/{place}/{key}                   key = registry key or normalised label
    group      {BASE}id/group/{place}/{key}
    post       {BASE}id/post/{place}/{key}
    place      {BASE}id/place/{name}
    graph      the document IRI itself names the document's graph; REGISTRY_GRAPH holds data/registry

IRIs are IRIs (RFC 3987): Chinese characters stay readable; characters that are not allowed in an
IRI are percent-encoded.
"""

from __future__ import annotations

from urllib.parse import quote

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, TIME, XSD

BASE = "https://w3id.org/govwork/"

GW = Namespace(BASE + "ns#")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
ORG = Namespace("http://www.w3.org/ns/org#")
CV = Namespace("http://data.europa.eu/m8g/")
QUDT = Namespace("http://qudt.org/schema/qudt/")
UNIT = Namespace("http://qudt.org/vocab/unit/")
ODRL = Namespace("http://www.w3.org/ns/odrl/2/")
OA = Namespace("http://www.w3.org/ns/oa#")
SCHEMA = Namespace("https://schema.org/")

REGISTRY_GRAPH = URIRef(BASE + "graph/registry")

PREFIXES: dict[str, str] = {
    "gw": str(GW),
    "eli": str(ELI),
    "org": str(ORG),
    "cv": str(CV),
    "prov": str(PROV),
    "skos": str(SKOS),
    "time": str(TIME),
    "qudt": str(QUDT),
    "unit": str(UNIT),
    "odrl": str(ODRL),
    "oa": str(OA),
    "schema": str(SCHEMA),
    "dct": str(DCTERMS),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
}

# Role concepts (SKOS scheme gw:Roles in ontology/gw.ttl).
ROLE = {
    "lead": GW.lead,
    "responsible": GW.responsible,
    "cooperating": GW.cooperating,
    "leader": GW.leader,
}

# Characters RFC 3987 forbids in an IRI, plus '/', '?', '#' which would change the path.
_UNSAFE = ' <>"{}|\\^`/?#%'


def segment(text: str) -> str:
    """One IRI path segment from a key: readable, with only forbidden characters encoded."""
    if not text:
        raise ValueError("empty IRI segment")
    return "".join(quote(ch, safe="") if (ch in _UNSAFE or ord(ch) < 0x21) else ch for ch in text)


def document(code: str, year: int, seq: int) -> URIRef:
    return URIRef(f"{BASE}eli/cn/{segment(code)}/{year}/{seq}")


def document_by_key(key: str) -> URIRef:
    """A document without a 文号 (e.g. a notice whose number could not be read): keyed by hash."""
    return URIRef(f"{BASE}eli/cn/_/{segment(key)}")


def section(doc: URIRef, n: int) -> URIRef:
    return URIRef(f"{doc}/section/{n}")


def task(doc: URIRef, path: tuple[int, ...]) -> URIRef:
    return URIRef(f"{doc}/task/" + "/".join(str(p) for p in path))


def assignment(task_iri: URIRef, role: str, unit_key: str) -> URIRef:
    return URIRef(f"{task_iri}/assignment/{role}/{segment(unit_key)}")


def child(parent: URIRef, kind: str, k: int | str) -> URIRef:
    """Numbered or named sub-node: {parent}/target/1, {parent}/deadline/1, {parent}/reporting."""
    return URIRef(f"{parent}/{kind}/{segment(str(k))}")


def source(item: URIRef) -> URIRef:
    return URIRef(f"{item}/source")


def report(place: str, year: int) -> URIRef:
    return URIRef(f"{BASE}report/{segment(place)}/{year}")


def unit(place: str, key: str) -> URIRef:
    return URIRef(f"{BASE}id/org/{segment(place)}/{segment(key)}")


def group(place: str, key: str) -> URIRef:
    return URIRef(f"{BASE}id/group/{segment(place)}/{segment(key)}")


def post(place: str, key: str) -> URIRef:
    return URIRef(f"{BASE}id/post/{segment(place)}/{segment(key)}")


def place(name: str) -> URIRef:
    return URIRef(f"{BASE}id/place/{segment(name)}")
