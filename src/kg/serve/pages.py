"""Pages for people: every minted IRI resolves here, plus the home, query and health pages.

`/eli/...`, `/id/...`, `/report/...`, `/graph/...` stand for `kg.iris.BASE` + path: HTML by
default, Turtle / JSON-LD / N-Triples / RDF-XML on request (Accept or `?format=`).
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kg.errors import KgError, NotFound
from kg.paths import ONTOLOGY_DIR
from kg.serve.conneg import negotiate
from kg.serve.named import queries
from kg.serve.service import RDF_OFFERS, documented, stats, void_response
from kg.serve.web import iri_from_path, iri_to_uri, json_response, render

router = APIRouter()
RDF_PAGES = [
    "text/html",
    "text/turtle",
    "application/ld+json",
    "application/n-triples",
    "application/rdf+xml",
]
TEMPLATES = {
    "unit": "unit.html",
    "group": "unit.html",
    "task": "task.html",
    "notice": "notice.html",
    "resource": "resource.html",
}
MINTED_ROOTS = ("eli", "id", "report", "graph")


async def resource(request: Request, iri: str) -> Response:
    """The page (or RDF) of one IRI: negotiate, find its kind, read its data in a worker, render."""
    settings = request.app.state.settings
    engine = request.app.state.engine
    media_type = negotiate(request.headers.get("accept"), RDF_PAGES, request.query_params.get("format"))
    if media_type is None:
        raise KgError(f"resources are available as {', '.join(RDF_PAGES)}", code="not-acceptable", status=406)
    headers = {"Vary": "Accept", "Link": f'<{iri_to_uri(iri)}>; rel="canonical"'}
    if media_type != "text/html":
        answer = await engine.read("describe", iri, media_type, settings.max_rows, timeout=settings.timeout)
        return Response(answer.body, media_type=answer.media_type, headers=headers)
    kind = await engine.read("resource_kind", iri, timeout=settings.timeout)
    if kind is None:
        raise NotFound(f"nothing is known about <{iri}>")
    data = await engine.read("page", kind, iri, timeout=settings.timeout)
    response = render(request, TEMPLATES[kind], kind=kind, data=data, iri=iri)
    response.headers.update(headers)
    return response


async def minted(request: Request) -> Response:
    try:
        iri = iri_from_path(request.scope.get("raw_path") or request.url.path.encode())
    except (UnicodeDecodeError, ValueError) as e:
        raise KgError(f"not a valid resource path: {e}", code="bad-request") from None
    return await resource(request, iri)


for root in MINTED_ROOTS:
    router.add_api_route(f"/{root}/{{rest:path}}", minted, methods=["GET"], include_in_schema=False)


@router.get("/resource", tags=["pages"], summary="Page of any IRI in the store (?iri=...)")
async def any_resource(request: Request, iri: str) -> Response:
    from kg.serve.protocol import check_iri

    return await resource(request, check_iri(iri))


@router.get("/", include_in_schema=False)
async def home(request: Request) -> Response:
    settings = request.app.state.settings
    data = await stats(request)
    notices = await request.app.state.engine.read("select", HOME_NOTICES, 500, timeout=settings.timeout)
    units = await request.app.state.engine.read("select", HOME_UNITS, 2000, timeout=settings.timeout)
    return render(
        request, "home.html", stats=data, notices=notices, units=units, queries=queries(request.app)
    )


HOME_NOTICES = """SELECT ?notice ?docId ?title ?date (COUNT(DISTINCT ?task) AS ?tasks) WHERE {
  ?notice a gw:Notice . OPTIONAL { ?notice eli:id_local ?docId } OPTIONAL { ?notice eli:title ?title }
  OPTIONAL { ?notice eli:date_document ?date } OPTIONAL { ?task gw:notice ?notice }
} GROUP BY ?notice ?docId ?title ?date ORDER BY DESC(?date) ?docId"""
HOME_UNITS = """SELECT ?unit ?label ?type (COUNT(DISTINCT ?task) AS ?tasks) WHERE {
  { ?unit a gw:Unit . BIND("unit" AS ?type) } UNION { ?unit a gw:UnitGroup . BIND("group" AS ?type) }
  OPTIONAL { ?unit skos:prefLabel ?label }
  OPTIONAL { ?a gw:agent ?unit . ?task gw:hasAssignment ?a }
} GROUP BY ?unit ?label ?type ORDER BY DESC(?tasks) ?label"""


async def query_page(request: Request) -> Response:
    """The query editor (a form that GETs /sparql)."""
    examples = [(nq, nq.sparql) for nq in queries(request.app)]
    default = request.query_params.get("query") or DEFAULT_QUERY
    return render(request, "query.html", query=default, examples=examples)


DEFAULT_QUERY = """# gw:, eli:, skos:, org:, prov:, oa:, dct:, time:, xsd: ... are predeclared.
SELECT ?notice ?title (COUNT(?task) AS ?tasks) WHERE {
  ?doc a gw:Notice ; eli:id_local ?notice ; eli:title ?title .
  ?task gw:notice ?doc .
} GROUP BY ?notice ?title
"""

router.add_api_route("/query", query_page, methods=["GET"], include_in_schema=False)


@router.get(
    "/void",
    name="void",
    tags=["service"],
    summary="VoID description of the dataset",
    response_class=Response,
    responses=documented(list(RDF_OFFERS), "the VoID description, in the RDF format asked for"),
)
async def void(request: Request) -> Response:
    return await void_response(request)


router.add_api_route("/.well-known/void", void, methods=["GET"], include_in_schema=False)


@router.get(
    "/ns",
    tags=["service"],
    summary="The gw: vocabulary (Turtle)",
    response_class=Response,
    responses=documented(["text/turtle"], "the vocabulary (ontology/gw.ttl)"),
)
async def vocabulary(request: Request) -> Response:
    path = ONTOLOGY_DIR / "gw.ttl"
    if not path.is_file():
        raise NotFound("the vocabulary file ontology/gw.ttl is missing")
    return Response(path.read_bytes(), media_type="text/turtle; charset=utf-8")


@router.get("/healthz", tags=["service"], summary="Liveness: the server answers and its workers run")
async def healthz(request: Request) -> Response:
    engine = request.app.state.engine
    return json_response(
        {
            "ok": True,
            "store": request.app.state.settings.store,
            "writable": request.app.state.settings.writable,
            "workers": engine.readers.pids(),
            # fewer running than configured while a stopped or dead worker is being replaced
            "worker_count": len(engine.readers.workers),
            "workers_configured": engine.readers.size,
            "writer": engine.writer.pids() if engine.writer else [],
            "stopped_for_time_limit": engine.readers.killed[-10:],
            "generation": engine.generation,
            "result_cache": request.app.state.result_cache.stats(),
            "uptime_s": round(time.monotonic() - request.app.state.started, 1),
        }
    )
