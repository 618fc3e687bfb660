"""HTTP to a SPARQL 1.1 server: queries through SPARQLWrapper, updates and the Graph Store Protocol
through urllib, every failure turned into a `KgError` that says which server and why.

SPARQLWrapper carries queries (POST, form-encoded, content negotiation only); the raw answer bytes
and media type go back to the caller, which parses them with pyoxigraph. SPARQLWrapper guesses the
query form with a pattern that finds keywords inside names (`gw:TaskLink` reads as ASK, a variable
`?address` as ADD, an update then), so the caller's form is set on it explicitly. Updates do not go
through SPARQLWrapper for the same reason (an update starting with `WITH` would be sent as a
query), and it has no Graph Store Protocol at all.
"""

from __future__ import annotations

import base64
import socket
import urllib.error
import urllib.request
from urllib.parse import urlencode

from SPARQLWrapper import DIGEST, POST, URLENCODED, SPARQLWrapper

from kg.errors import KgError
from kg.store.endpoints import Endpoint, describe

_MAX_SERVER_MESSAGE = 600  # characters of the server's own error text kept in a KgError


def _server_text(body: bytes | str | None) -> str:
    if body is None:
        return ""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    text = " ".join(text.split())
    return text[:_MAX_SERVER_MESSAGE] + ("…" if len(text) > _MAX_SERVER_MESSAGE else "")


class _Wrapper(SPARQLWrapper):
    """SPARQLWrapper that lets urllib's HTTPError through: SPARQLWrapper's own exceptions fold the
    server's error text into a repr() string, and kg wants to show that text as the server wrote it."""

    def _query(self):  # type: ignore[no-untyped-def]
        return urllib.request.urlopen(self._createRequest(), timeout=self.timeout), self.returnFormat


class SparqlHttp:
    """The HTTP side of `RemoteStore` for one `Endpoint`."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.ep = endpoint
        self.where = describe(endpoint)
        handlers: list[urllib.request.BaseHandler] = []
        if endpoint.user and endpoint.auth == "digest":
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            for url in filter(None, (endpoint.query, endpoint.update, endpoint.gsp)):
                passwords.add_password(None, url, endpoint.user, endpoint.password or "")
            handlers.append(urllib.request.HTTPDigestAuthHandler(passwords))
        self._opener = urllib.request.build_opener(*handlers)

    # -- errors -----------------------------------------------------------------------------------
    def error(self, exc: BaseException, what: str) -> KgError:
        """The KgError for a failed request (`what`: "query", "update", "Graph Store PUT", ...)."""
        status, body = None, None
        if isinstance(exc, urllib.error.HTTPError):
            status = exc.code
            try:
                body = exc.read()
            except OSError:
                body = None
        said = _server_text(body)
        said = f": {said}" if said else ""
        if isinstance(exc, (TimeoutError, socket.timeout)) or status in (408, 504):
            return KgError(
                f"the SPARQL server {self.where} did not answer the {what} within {self.ep.timeout:g} s",
                code="time-limit",
                status=503,
                exit_code=2,
            )
        if status == 400:
            return KgError(f"the SPARQL server refused the {what}{said}", code="bad-query", status=400)
        if status in (401, 403):
            return KgError(
                f"the SPARQL server {self.where} refused access to the {what} (HTTP {status}); give "
                "credentials as user:password@ in the URL or $KG_STORE_USER / $KG_STORE_PASSWORD",
                code="store-auth",
                status=502,
                exit_code=2,
            )
        if status == 404:
            return KgError(
                f"no SPARQL {what} endpoint at {self.where} (HTTP 404){said}",
                code="store-error",
                status=502,
                exit_code=2,
            )
        if status == 503:
            return KgError(
                f"the SPARQL server is busy (HTTP 503){said}", code="busy", status=503, exit_code=2
            )
        if status is not None:
            return KgError(
                f"the SPARQL server {self.where} failed on the {what} (HTTP {status}){said}",
                code="store-error",
                status=502,
                exit_code=2,
            )
        reason = getattr(exc, "reason", exc)
        return KgError(
            f"cannot reach the SPARQL server {self.where}: {reason}",
            code="store-unreachable",
            status=502,
            exit_code=2,
        )

    # -- requests ---------------------------------------------------------------------------------
    def query(
        self, text: str, form: str | None, accept: str, params: list[tuple[str, str]]
    ) -> tuple[bytes, str]:
        """POST a query of `form` (SELECT, ASK, CONSTRUCT, DESCRIBE; None: let the server judge);
        the answer's bytes and media type (without parameters)."""
        sw = _Wrapper(self.ep.query)
        sw.setMethod(POST)
        sw.setRequestMethod(URLENCODED)  # long queries and many default-graph-uri fit in a body
        sw.setOnlyConneg(True)  # no format=/output= parameters: the Accept header decides
        sw.setTimeout(max(1, round(self.ep.timeout)))
        if self.ep.user:
            sw.setCredentials(self.ep.user, self.ep.password or "")
            if self.ep.auth == "digest":
                sw.setHTTPAuth(DIGEST)
        sw.setQuery(text)
        sw.queryType = form or "SELECT"  # never an update: this is the query endpoint
        for name, value in params:
            sw.addParameter(name, value)
        sw.addCustomHttpHeader("Accept", accept)
        try:
            response = sw.query().response
            data = response.read()
        except (urllib.error.URLError, OSError) as e:
            raise self.error(e, "query") from None
        return data, (response.headers.get_content_type() or "").lower()

    def _send(self, request: urllib.request.Request, what: str) -> int:
        if self.ep.user and self.ep.auth == "basic":
            token = base64.b64encode(f"{self.ep.user}:{self.ep.password or ''}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        try:
            with self._opener.open(request, timeout=self.ep.timeout) as response:
                response.read()
                return response.status
        except (urllib.error.URLError, OSError) as e:
            raise self.error(e, what) from None

    def update(self, text: str) -> None:
        """POST a SPARQL Update request (form-encoded, as SPARQL 1.1 Protocol §2.2.1 allows)."""
        if self.ep.update is None:
            raise KgError(
                f"the store {self.where} has no update endpoint (update=none)", code="read-only", status=403
            )
        body = urlencode({"update": text}).encode("ascii")
        request = urllib.request.Request(self.ep.update, data=body, method="POST")
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        self._send(request, "update")

    def _graph_url(self, graph: str) -> str:
        assert self.ep.gsp is not None
        sep = "&" if "?" in self.ep.gsp else "?"
        return f"{self.ep.gsp}{sep}{urlencode({'graph': graph})}"

    def put_graph(self, graph: str, ntriples: bytes) -> None:
        """Graph Store Protocol PUT: the server replaces graph `graph` by the body."""
        request = urllib.request.Request(self._graph_url(graph), data=ntriples, method="PUT")
        request.add_header("Content-Type", "application/n-triples")
        self._send(request, "Graph Store PUT")

    def delete_graph(self, graph: str) -> None:
        request = urllib.request.Request(self._graph_url(graph), method="DELETE")
        self._send(request, "Graph Store DELETE")


__all__ = ["SparqlHttp"]
