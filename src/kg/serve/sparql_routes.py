"""/sparql: the SPARQL 1.1 Protocol (query, update, service description).

Each handler: parse the protocol request → check limits and rights → run in a worker (which
negotiates the format once it knows the query form) → send the bytes with `Vary: Accept`.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kg.errors import KgError
from kg.serve import protocol
from kg.serve.results import HTML, Answer
from kg.serve.service import QUERY_RESULT_TYPES, RDF_OFFERS, describe_service, documented
from kg.serve.web import read_body, render, require_token, time_limit

router = APIRouter()
HEADERS = {"Vary": "Accept"}
ANSWER_TYPES = [*QUERY_RESULT_TYPES, *RDF_OFFERS]


def endpoint_url(request: Request) -> str:
    return str(request.url_for("sparql_get")).split("?")[0]


def answer_response(request: Request, answer: Answer, max_rows: int, query: str = "") -> Response:
    headers = dict(HEADERS)
    if answer.kind != "boolean":
        headers["KG-Result-Rows"] = str(answer.rows)
    if answer.truncated:
        headers["KG-Results-Truncated"] = f"true; limit={max_rows}"
    if answer.media_type == HTML:
        response = render(
            request,
            "results.html",
            answer=answer,
            query=query,
            max_rows=max_rows,
            params=[(k, v) for k, v in request.query_params.multi_items() if k != "format"],
        )
        response.headers.update(headers)
        return response
    return Response(answer.body, media_type=answer.media_type, headers=headers)


async def handle(request: Request) -> Response:
    body = await read_body(request) if request.method == "POST" else b""
    op = protocol.parse(request.method, request.url.query, request.headers.get("content-type"), body)
    settings = request.app.state.settings
    engine = request.app.state.engine
    if op.kind == "describe-service":
        return await describe_service(request, endpoint_url(request))
    if op.kind == "update":
        require_token(request)
        text = protocol.add_using(op.text, op.default_graphs, op.named_graphs) if op.has_dataset else op.text
        await engine.write("update", text, endpoint_url(request), timeout=settings.write_timeout)
        return Response(status_code=204)
    answer = await engine.read(
        "query",
        op.text,
        op.default_graphs,
        op.named_graphs,
        endpoint_url(request),
        request.headers.get("accept"),
        op.one("format"),
        settings.max_rows,
        timeout=time_limit(request, op.one("timeout")),
    )
    return answer_response(request, answer, settings.max_rows, op.text)


@router.get(
    "/sparql",
    name="sparql_get",
    summary="SPARQL query (GET) or service description",
    description="SPARQL 1.1 Protocol query operation. Without `query`, the service description. "
    "The default graph is the union of all documents' graphs and the registry graph; "
    "`default-graph-uri`/`named-graph-uri` replace it.",
    tags=["SPARQL"],
    response_class=Response,
    responses=documented(
        ANSWER_TYPES,
        "query results (SELECT, ASK), RDF (CONSTRUCT, DESCRIBE, the "
        "service description) or the query page, as negotiated",
    ),
)
async def sparql_get(request: Request) -> Response:
    return await handle(request)


@router.post(
    "/sparql",
    summary="SPARQL query or update (POST)",
    tags=["SPARQL"],
    description="Form-encoded `query=`/`update=`, or the text as application/sparql-query / "
    "application/sparql-update. Updates need `Authorization: Bearer <token>`.",
    response_class=Response,
    responses={
        **documented(ANSWER_TYPES, "query results (SELECT, ASK) or RDF (CONSTRUCT, DESCRIBE), as negotiated"),
        204: {"description": "the update was applied"},
    },
)
async def sparql_post(request: Request) -> Response:
    return await handle(request)


@router.api_route("/sparql", methods=["PUT", "DELETE", "PATCH"], include_in_schema=False)
async def sparql_other(request: Request) -> Response:
    raise KgError(
        f"method {request.method} is not allowed on the SPARQL endpoint; use GET or POST",
        code="method-not-allowed",
        status=405,
    )


# The same endpoint with a trailing slash (proxies and the W3C tests' "/sparql/" use it): no redirect,
# since clients do not repeat a POST body after a redirect.
router.add_api_route("/sparql/", sparql_get, methods=["GET"], include_in_schema=False)
router.add_api_route("/sparql/", sparql_post, methods=["POST"], include_in_schema=False)
router.add_api_route("/sparql/", sparql_other, methods=["PUT", "DELETE", "PATCH"], include_in_schema=False)
