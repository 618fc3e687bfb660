"""/store: the SPARQL 1.1 Graph Store HTTP Protocol (indirect graph identification).

`?graph=IRI` names a graph, `?default` the store's own default graph (empty in kg, which keeps
everything in named graphs: the union default graph of /sparql is a query-time view, not a graph
that can be written). GET/HEAD are open; PUT, POST and DELETE need the token.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kg.errors import KgError
from kg.serve.conneg import negotiate
from kg.serve.jobs import GRAPH_OFFERS
from kg.serve.protocol import check_iri, media_type
from kg.serve.web import read_body, require_token

router = APIRouter()
OFFERS = [m for m in GRAPH_OFFERS if m != "text/html"]


def target(request: Request) -> str | None:
    """The graph a request names: an IRI, or None for the default graph."""
    params = request.query_params
    graphs = params.getlist("graph")
    if "default" in params and graphs:
        raise KgError("give either ?graph=IRI or ?default, not both", code="bad-request")
    if len(graphs) > 1:
        raise KgError("more than one graph parameter", code="bad-request")
    if graphs:
        return check_iri(graphs[0])
    if "default" in params:
        return None
    raise KgError("name the graph: ?graph=IRI or ?default", code="bad-request")


@router.get("/store", tags=["graph store"], summary="Read one graph")
async def get_graph(request: Request) -> Response:
    graph = target(request)
    media = negotiate(request.headers.get("accept"), OFFERS, request.query_params.get("format"))
    if media is None:
        raise KgError(f"graphs are available as {', '.join(OFFERS)}", code="not-acceptable", status=406)
    settings = request.app.state.settings
    answer = await request.app.state.engine.read(
        "graph_get", graph, media, settings.max_rows, timeout=settings.timeout
    )
    headers = {"Vary": "Accept"}
    if answer.truncated:
        headers["KG-Results-Truncated"] = f"true; limit={settings.max_rows}"
    body = b"" if request.method == "HEAD" else answer.body
    return Response(body, media_type=answer.media_type, headers=headers)


router.add_api_route("/store", get_graph, methods=["HEAD"], include_in_schema=False)


async def _write(request: Request, replace: bool) -> Response:
    require_token(request)
    graph = target(request)
    body = await read_body(request)
    settings = request.app.state.settings
    base = graph or str(request.url_for("sparql_get"))
    created = await request.app.state.engine.write(
        "graph_put",
        graph,
        body,
        media_type(request.headers.get("content-type")),
        replace,
        base,
        timeout=settings.write_timeout,
    )
    return Response(status_code=201 if created else 204)


@router.put("/store", tags=["graph store"], summary="Replace a graph (token)")
async def put_graph(request: Request) -> Response:
    return await _write(request, replace=True)


@router.post("/store", tags=["graph store"], summary="Add triples to a graph (token)")
async def post_graph(request: Request) -> Response:
    return await _write(request, replace=False)


@router.delete("/store", tags=["graph store"], summary="Delete a graph (token)")
async def delete_graph(request: Request) -> Response:
    require_token(request)
    graph = target(request)
    await request.app.state.engine.write(
        "graph_delete", graph, timeout=request.app.state.settings.write_timeout
    )
    return Response(status_code=204)
