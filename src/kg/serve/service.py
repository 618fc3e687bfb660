"""Self-description: the SPARQL Service Description (GET /sparql) and a VoID description (/void)."""

from __future__ import annotations

import os
import time
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, VOID, XSD

from kg.errors import KgError
from kg.iris import PREFIXES
from kg.serve.conneg import negotiate
from kg.serve.worker import REMOTE_CACHE_TTL

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
ENT = Namespace("http://www.w3.org/ns/entailment/")
RDF_OFFERS = {
    "text/turtle": "turtle",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
}
QUERY_RESULT_TYPES = [  # what /sparql answers besides RDF (the query forms' results, the HTML pages)
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
    "text/html",
]


def documented(media_types: list[str], description: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for an operation answering 200 in one of `media_types` (FastAPI would
    document application/json)."""
    return {200: {"description": description, "content": {m: {} for m in media_types}}}


RESULT_FORMATS = [
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "JSON-LD",
    "RDF_XML",
]
UNION_NOTE = (
    "The default graph is the union of every graph in the store (one named graph per notice, "
    "named by the notice IRI, plus the unit registry graph). default-graph-uri / named-graph-uri "
    "replace that dataset for one request."
)


async def stats(request: Request) -> dict[str, Any]:
    """Dataset statistics, cached until the next write (by this server or in the store directory)."""
    app = request.app
    stamp = app.state.engine.data_stamp()
    if stamp is None:  # a remote store: others write to the server unseen, the statistics age out
        stamp = (app.state.engine.generation, int(time.monotonic() // REMOTE_CACHE_TTL))
    cached = getattr(app.state, "stats_cache", None)
    if cached and cached[0] == stamp:
        return cached[1]
    data = await app.state.engine.read("stats", timeout=app.state.settings.timeout)
    try:
        modified = os.stat(app.state.settings.store).st_mtime
    except OSError:  # a remote store
        modified = time.time()
    data["modified"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(modified))
    app.state.stats_cache = (stamp, data)
    return data


def _bind(g: Graph) -> Graph:
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    g.bind("sd", SD)
    g.bind("void", VOID)
    g.bind("formats", FORMATS)
    return g


def void_graph(data: dict[str, Any], endpoint: str, dataset: URIRef, title: str) -> Graph:
    g = _bind(Graph())
    g.add((dataset, RDF.type, VOID.Dataset))
    g.add((dataset, DCTERMS.title, Literal(title)))
    g.add((dataset, DCTERMS.description, Literal(UNION_NOTE, lang="en")))
    g.add((dataset, DCTERMS.modified, Literal(data["modified"], datatype=XSD.dateTime)))
    g.add((dataset, VOID.sparqlEndpoint, URIRef(endpoint)))
    g.add((dataset, VOID.triples, Literal(data["triples"])))
    g.add((dataset, VOID.distinctSubjects, Literal(data["subjects"])))
    g.add((dataset, VOID.classes, Literal(len(data["classes"]))))
    g.add((dataset, VOID.properties, Literal(len(data["properties"]))))
    g.add((dataset, VOID.uriSpace, Literal(PREFIXES["gw"].rsplit("ns#", 1)[0])))
    for prefix in ("gw", "eli", "org", "prov", "skos", "time", "qudt", "odrl", "oa", "dct"):
        g.add((dataset, VOID.vocabulary, URIRef(PREFIXES[prefix])))
    for row in data["classes"]:
        part = BNode()
        g.add((dataset, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(row["c"])))
        g.add((part, VOID.entities, Literal(int(row["n"]))))
    for row in data["properties"]:
        part = BNode()
        g.add((dataset, VOID.propertyPartition, part))
        g.add((part, VOID.property, URIRef(row["p"])))
        g.add((part, VOID.triples, Literal(int(row["n"]))))
    for row in data["graphs"]:
        sub = URIRef(row["g"])
        g.add((dataset, VOID.subset, sub))
        g.add((sub, RDF.type, VOID.Dataset))
        g.add((sub, VOID.triples, Literal(int(row["n"]))))
    return g


def service_graph(data: dict[str, Any], endpoint: str, dataset: URIRef, writable: bool, title: str) -> Graph:
    g = void_graph(data, endpoint, dataset, title)
    service = URIRef(endpoint)
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, service))
    g.add((service, DCTERMS.title, Literal(title)))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    if writable:
        g.add((service, SD.supportedLanguage, SD.SPARQL11Update))
    for name in RESULT_FORMATS:
        g.add((service, SD.resultFormat, FORMATS[name]))
    g.add((service, SD.feature, SD.UnionDefaultGraph))
    g.add((service, SD.defaultEntailmentRegime, ENT.Simple))
    g.add((service, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    default = BNode()
    g.add((dataset, SD.defaultGraph, default))
    g.add((default, RDF.type, SD.Graph))
    g.add((default, VOID.triples, Literal(data["triples"])))
    g.add((default, DCTERMS.description, Literal(UNION_NOTE, lang="en")))
    for row in data["graphs"]:
        named = BNode()
        g.add((dataset, SD.namedGraph, named))
        g.add((named, RDF.type, SD.NamedGraph))
        g.add((named, SD.name, URIRef(row["g"])))
        g.add((named, SD.graph, URIRef(row["g"])))
    return g


def rdf_response(request: Request, graph: Graph) -> Response:
    accept = request.headers.get("accept")
    media_type = negotiate(accept, list(RDF_OFFERS), request.query_params.get("format"))
    if media_type is None:
        raise KgError(
            f"the description is available as {', '.join(RDF_OFFERS)} only", code="not-acceptable", status=406
        )
    body = graph.serialize(format=RDF_OFFERS[media_type], encoding="utf-8")
    return Response(body, media_type=media_type, headers={"Vary": "Accept"})


async def describe_service(request: Request, endpoint: str) -> Response:
    """GET /sparql without a query: the service description (a browser gets the query page)."""
    if negotiate(request.headers.get("accept"), [*RDF_OFFERS, "text/html"]) == "text/html":
        from kg.serve.pages import query_page

        return await query_page(request)
    data = await stats(request)
    dataset = URIRef(str(request.url_for("void")))
    settings = request.app.state.settings
    return rdf_response(request, service_graph(data, endpoint, dataset, settings.writable, settings.title))


async def void_response(request: Request) -> Response:
    data = await stats(request)
    endpoint = str(request.url_for("sparql_get"))
    return rdf_response(
        request,
        void_graph(data, endpoint, URIRef(str(request.url_for("void"))), request.app.state.settings.title),
    )
