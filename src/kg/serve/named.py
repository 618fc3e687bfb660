"""/queries: the named-query catalogue and one operation per query (grlc-style OpenAPI).

The catalogue is read once at start-up from queries/*.rq; each query becomes its own route
`/queries/{name}` whose OpenAPI parameters come from the .rq header. Parameter values are
checked here (unknown or missing → 400 naming them) and bound by `kg.queries` in a worker.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response

from kg.errors import KgError, NotFound
from kg.serve.conneg import negotiate
from kg.serve.web import json_response, render, time_limit, wants_html

log = logging.getLogger("kg.serve")

# Request parameters of every named-query operation (not passed to the query).
CONTROL = {
    "format": "json (default), csv, tsv, html or text; overrides the Accept header",
    "bom": "1 to start CSV with a UTF-8 byte-order mark (Excel on Chinese Windows)",
    "timeout": "time limit in seconds; lower than the server's only",
}
OFFERS = {
    "application/json": "json",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "text/html": "html",
    "text/plain": "text",
}
MEDIA = {v: k for k, v in OFFERS.items()}
SCHEMA_TYPES = {
    "integer": {"type": "integer"},
    "date": {"type": "string", "format": "date"},
    "iri": {"type": "string", "format": "iri"},
}


def load_catalog() -> Any:
    """The catalogue, or None when there is no queries directory (the server still runs)."""
    from kg.queries import Catalog

    try:
        return Catalog.load()
    except KgError as e:
        log.warning("named queries unavailable: %s", e.message)
        return None


def queries(app: FastAPI) -> list[Any]:
    catalog = app.state.catalog
    return list(catalog) if catalog is not None else []


def describe(nq: Any, request: Request) -> dict[str, Any]:
    out = nq.to_dict()
    out["url"] = str(request.url_for(f"query:{nq.name}"))
    out["sparql"] = nq.sparql
    return out


def _format(request: Request) -> str:
    fmt = request.query_params.get("format")
    if fmt:
        fmt = fmt.lower()
        if fmt not in MEDIA:
            raise KgError(f"unknown format {fmt!r}; use one of {', '.join(MEDIA)}", code="bad-parameter")
        return fmt
    chosen = negotiate(request.headers.get("accept"), list(OFFERS))
    if chosen is None:
        raise KgError(f"named queries answer as {', '.join(OFFERS)} only", code="not-acceptable", status=406)
    return OFFERS[chosen]


async def run_query(request: Request, name: str) -> Response:
    from kg.queries import check_values

    catalog = request.app.state.catalog
    if catalog is None:
        raise NotFound("this server has no named queries")
    nq = catalog.get(name)
    fmt = _format(request)
    values = {k: v for k, v in request.query_params.multi_items() if k not in CONTROL}
    dupes = sorted(
        {
            k
            for k, _ in request.query_params.multi_items()
            if k not in CONTROL and len(request.query_params.getlist(k)) > 1
        }
    )
    if dupes:
        raise KgError(f"parameter given more than once: {', '.join(dupes)}", code="bad-parameter")
    if fmt == "html" and not values and any(p.required for p in nq.params):
        return render(request, "named_query.html", nq=nq, values={}, result=None)  # the empty form
    check_values(nq, values)
    bom = request.query_params.get("bom", "") in ("1", "true", "yes")
    settings = request.app.state.settings
    result, cache_state = await _answer(request, name, values, fmt, bom)
    headers = {"Vary": "Accept", "KG-Result-Rows": str(result["rows"]), "KG-Cache": cache_state}
    if result["truncated"]:
        headers["KG-Results-Truncated"] = f"true; limit={settings.max_rows}"
    if fmt == "html":
        response = render(request, "named_query.html", nq=nq, values=values, result=result)
        response.headers.update(headers)
        return response
    if fmt == "csv":
        headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    media = MEDIA[fmt] if fmt == "json" else MEDIA[fmt] + "; charset=utf-8"
    return Response(result["body"], media_type=media, headers=headers)


async def _answer(
    request: Request, name: str, values: dict[str, str], fmt: str, bom: bool
) -> tuple[dict[str, Any], str]:
    """The answer from the result cache while the data is unchanged (kg.serve.result_cache), else
    from a worker; and whether it was a cache "hit", a "miss" or not cacheable ("off")."""
    state = request.app.state
    cache = state.result_cache
    max_rows = state.settings.max_rows
    # the stamp is taken before the query runs: the answer is at least as new as the stamp says
    stamp = state.engine.data_stamp() if cache.max_bytes else None
    key = (name, tuple(sorted(values.items())), fmt, bom, max_rows)
    if stamp is not None and (hit := cache.get(key, stamp)) is not None:
        return hit, "hit"
    result = await state.engine.read("named", name, values, fmt, bom, max_rows, timeout=time_limit(request))
    if stamp is None:
        return result, "off"
    cache.put(key, stamp, result)
    return result, "miss"


def _operation(nq: Any) -> dict[str, Any]:
    params = [
        {
            "name": p.name,
            "in": "query",
            "required": p.required and p.default is None,
            "description": f"{p.description} (type: {p.type})".strip(),
            "schema": {
                **SCHEMA_TYPES.get(p.type, {"type": "string"}),
                **({"default": p.default} if p.default is not None else {}),
            },
        }
        for p in nq.params
    ]
    params += [
        {
            "name": k,
            "in": "query",
            "required": False,
            "description": d,
            "schema": {"type": "string"} if k != "timeout" else {"type": "number"},
        }
        for k, d in CONTROL.items()
    ]
    columns = ", ".join(c.name for c in nq.columns)
    row = {"type": "object", "properties": {c.name: {"description": c.description} for c in nq.columns}}
    return {
        "parameters": params,
        "responses": {
            "200": {
                "description": f"rows with columns {columns}",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "columns": {"type": "array", "items": {"type": "string"}},
                                "rows": {"type": "array", "items": row},
                                "count": {"type": "integer"},
                                "truncated": {"type": "boolean"},
                            },
                        }
                    },
                    "text/csv": {},
                    "text/tab-separated-values": {},
                    "text/html": {},
                },
            },
            "400": {"description": "unknown or missing parameters, or a value that resolves to nothing"},
        },
    }


def add_routes(app: FastAPI) -> None:
    """The catalogue routes and one GET operation per named query."""

    @app.get("/queries", tags=["named queries"], summary="The named-query catalogue")
    async def catalogue(request: Request) -> Response:
        items = [describe(nq, request) for nq in queries(request.app)]
        if request.query_params.get("format") == "html" or (
            not request.query_params.get("format") and wants_html(request)
        ):
            return render(request, "queries.html", queries=queries(request.app))
        return json_response({"queries": items, "count": len(items)}, headers={"Vary": "Accept"})

    def operation(name: str) -> Any:
        async def endpoint(request: Request) -> Response:
            return await run_query(request, name)

        return endpoint

    for nq in queries(app):
        app.add_api_route(
            f"/queries/{nq.name}",
            operation(nq.name),
            methods=["GET"],
            name=f"query:{nq.name}",
            summary=nq.title_text("zh") + (f" / {nq.title['en']}" if "en" in nq.title else ""),
            description=nq.description,
            tags=["named queries"],
            operation_id=f"query_{nq.name}",
            openapi_extra=_operation(nq),
            response_class=Response,
        )

    @app.get("/queries/{name}", include_in_schema=False)
    async def unknown(request: Request, name: str) -> Response:
        return await run_query(request, name)  # the catalogue answers 404 naming close matches
