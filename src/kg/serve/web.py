"""Shared HTTP helpers: error answers, auth, body limits, templates, links to minted IRIs."""

from __future__ import annotations

import hmac
import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from kg.errors import KgError
from kg.iris import BASE, PREFIXES, segment
from kg.serve.conneg import negotiate

log = logging.getLogger("kg.serve")
HERE = Path(__file__).parent
SPARQL_PATHS = ("/sparql",)
JSON_TYPE = "application/json"


# --- links -------------------------------------------------------------------------------------------


def local_path(iri: str) -> str:
    """The path under which this server shows `iri`: minted IRIs resolve locally, others via /resource."""
    if iri.startswith(BASE):
        return "/" + quote(iri[len(BASE) :], safe="/%#:@!$&'()*+,;=~-._")
    return "/resource?" + urlencode({"iri": iri})


def iri_to_uri(iri: str) -> str:
    """RFC 3987 §3.1: percent-encode the non-ASCII characters (for HTTP headers)."""
    return quote(iri, safe=":/?#[]@!$&'()*+,;=%~-._")


def iri_from_path(raw_path: bytes) -> str:
    """The minted IRI a request path stands for. The path arrives percent-encoded (raw); IRIs keep
    Chinese characters readable and encode only what `kg.iris.segment` encodes, so every segment is
    decoded and re-encoded the same way."""
    text = raw_path.decode("ascii", errors="strict")
    parts = text.lstrip("/").split("/")
    return BASE + "/".join(segment(unquote(p, errors="strict")) if p else "" for p in parts)


def short(iri: Any) -> str:
    """`gw:Task` for a known namespace, the IRI otherwise."""
    s = str(iri)
    for prefix, ns in PREFIXES.items():
        if s.startswith(ns) and len(s) > len(ns):
            return f"{prefix}:{s[len(ns) :]}"
    return s


# --- templates -----------------------------------------------------------------------------------------

_env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["link"] = local_path
_env.filters["short"] = short
_env.filters["urlencode_params"] = lambda params: urlencode(params, doseq=True)


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    settings = request.app.state.settings
    html = _env.get_template(template).render(request=request, settings=settings, **context)
    return HTMLResponse(html, status_code=status)


# --- errors --------------------------------------------------------------------------------------------


def wants_html(request: Request) -> bool:
    return negotiate(request.headers.get("accept"), [JSON_TYPE, "text/html"]) == "text/html"


def error_response(request: Request, error: KgError) -> Response:
    """JSON error shape everywhere; plain text on the SPARQL protocol routes unless JSON is preferred;
    an HTML page for a browser on a page route."""
    headers = {}
    if error.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="kg"'
    if error.status == 405:
        headers["Allow"] = "GET, POST"
    if error.status == 406:
        headers["Vary"] = "Accept"
    path = request.url.path.rstrip("/") or "/"
    if path in SPARQL_PATHS:
        choice = negotiate(request.headers.get("accept"), ["text/plain", JSON_TYPE])
        if choice != JSON_TYPE:
            return PlainTextResponse(error.render() + "\n", status_code=error.status, headers=headers)
    elif wants_html(request):
        return render(request, "error.html", status=error.status, error=error)
    return JSONResponse(error.to_dict(), status_code=error.status, headers=headers)


# --- auth and bodies -------------------------------------------------------------------------------------


def require_token(request: Request) -> None:
    """Writes need the configured token as `Authorization: Bearer <token>` (constant-time compare)."""
    token = request.app.state.settings.token
    if not token:
        raise KgError(
            "this server is read-only: writes are disabled (start kg serve with --token or KG_TOKEN)",
            code="read-only",
            status=403,
        )
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    if not header:
        raise KgError(
            "this operation needs the server's token: send 'Authorization: Bearer <token>'",
            code="unauthorized",
            status=401,
        )
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise KgError("the token is not valid for this server", code="forbidden", status=403)


async def read_body(request: Request) -> bytes:
    """The request body, refused with 413 past the configured size (also when no length was sent)."""
    limit = request.app.state.settings.max_body
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit:
        raise too_large(limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
    body = b"".join(chunks)
    request._body = body  # noqa: SLF001 - lets request.form() reuse the checked body
    return body


def too_large(limit: int) -> KgError:
    return KgError(
        f"the request body is larger than the server's limit of {limit} bytes (setting --max-body)",
        code="too-large",
        status=413,
    )


def time_limit(request: Request, value: str | None = None) -> float:
    """The time limit of this request: the server's, or lower when the request asks (`timeout=` s)."""
    limit = request.app.state.settings.timeout
    raw = value if value is not None else request.query_params.get("timeout")
    if raw in (None, ""):
        return limit
    try:
        asked = float(raw)
    except ValueError:
        raise KgError(f"timeout must be a number of seconds, not {raw!r}", code="bad-parameter") from None
    if asked <= 0:
        raise KgError("timeout must be positive", code="bad-parameter")
    return min(asked, limit)


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
    return Response(body, status_code=status, media_type="application/json", headers=headers)
