"""The FastAPI application: wiring of settings, worker engine, routes, errors, CORS and static files."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from kg.errors import KgError
from kg.serve import documents, gsp, named, pages, sparql_routes
from kg.serve.pool import Engine
from kg.serve.result_cache import ResultCache
from kg.serve.settings import Settings
from kg.serve.web import HERE, error_response

log = logging.getLogger("kg.serve")

DESCRIPTION = """Knowledge graph of government task-decomposition notices (重点工作任务分解).

* `/sparql`: SPARQL 1.1 Protocol. The default graph is the **union** of all graphs (one named graph
  per notice, named by its IRI, plus the unit registry graph); `default-graph-uri` /
  `named-graph-uri` replace it. Answers are cut at the server's row limit (header
  `KG-Results-Truncated`); a query running past the time limit is stopped (503).
* `/queries/{name}`: the named queries, one operation each below (JSON, CSV with `bom=1` for Excel,
  TSV, HTML).
* Minted IRIs (`https://w3id.org/govwork/...`) resolve under the same path here: HTML, or
  Turtle / JSON-LD on request.
* Writes (SPARQL Update, Graph Store PUT/POST/DELETE, `POST /documents`) need
  `Authorization: Bearer <token>` and are disabled unless the server was given a token.
"""


def ensure_store(location: str) -> None:
    """Create an empty store when there is none, so a read-only server can start on a new location
    (a remote store is the server's business: nothing to create)."""
    from kg.serve.worker import store_exists
    from kg.store import open_store

    if not store_exists(location):  # False for a URL
        log.warning("no store at %s: creating an empty one", location)
        store = open_store(location)
        store.close()
        import gc

        gc.collect()


def create_app(settings: Settings) -> FastAPI:
    """The app for `settings`; worker processes start with the app's lifespan (uvicorn, TestClient)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ensure_store(settings.store)
        engine = Engine(
            settings.store,
            readers=settings.workers,
            writable=settings.writable,
            max_pending=settings.max_pending,
            memory_limit=settings.memory_limit,
            reload_grace=settings.write_timeout,
        )
        app.state.engine = engine
        app.state.result_cache = ResultCache(settings.result_cache)
        try:
            await engine.start()
            app.state.started = time.monotonic()
            yield
        finally:
            engine.close()

    # No /docs or /redoc: FastAPI's pages load their scripts from a CDN, and kg serves everything itself.
    app = FastAPI(
        title="kg",
        version=_version(),
        description=DESCRIPTION,
        lifespan=lifespan,
        redirect_slashes=False,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.catalog = named.load_catalog()
    app.state.started = time.monotonic()

    @app.exception_handler(KgError)
    async def kg_error(request: Request, exc: KgError) -> Response:
        return error_response(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "error")
        message = "no such page" if exc.status_code == 404 else str(exc.detail)
        return error_response(request, KgError(message, code=code, status=exc.status_code))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        details = [f"{'.'.join(str(x) for x in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors()]
        return error_response(
            request, KgError("bad request parameters", code="bad-parameter", details=details)
        )

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> Response:
        log.exception("internal error on %s", request.url.path)
        return error_response(
            request, KgError(f"internal error: {type(exc).__name__}", code="internal", status=500)
        )

    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_credentials=False,
            allow_methods=["GET", "POST", "HEAD", "OPTIONS"],
            allow_headers=["Accept", "Content-Type", "Authorization"],
            expose_headers=["KG-Results-Truncated", "KG-Result-Rows", "KG-Cache"],
        )

    app.include_router(sparql_routes.router)
    app.include_router(gsp.router)
    app.include_router(documents.router)
    named.add_routes(app)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=Path(HERE / "static")), name="static")
    return app


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("kg")
    except Exception:
        return "0"
