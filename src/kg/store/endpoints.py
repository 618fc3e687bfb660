"""Where a remote store lives: the `--store URL` syntax (documented in docs/engines.md).

    http://127.0.0.1:7878                 Oxigraph server: /query, /update, /store (Graph Store),
                                          union default graph via `union-default-graph`
    sparql+http://host/path?union=native&update=/u&gsp=/store
                                          any SPARQL 1.1 server: the query endpoint is the URL
                                          without `sparql+` and without these options

Options of the `sparql+` form (query string; consumed by kg, never sent to the server):

    union=native | param:NAME[=VALUE] | graph:IRI | graphs     required: how the server is asked for
        the union of all graphs as the default graph (see `Union`)
    update=PATH|URL|none     SPARQL Update endpoint (default: the query endpoint; none = read-only)
    gsp=PATH|URL             Graph Store Protocol endpoint; documents are then replaced by PUT
                             (default: by one SPARQL Update request, DROP + INSERT DATA)
    auth=basic|digest        HTTP authentication (user and password from the URL's user info or
                             $KG_STORE_USER / $KG_STORE_PASSWORD)
    timeout=SECONDS          per HTTP request (default 60)
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

from kg.errors import KgError

OXIGRAPH_UNION_PARAM = "union-default-graph"
_REMOTE = re.compile(r"^(sparql\+[a-z]+|https?):", re.IGNORECASE)
_COLLAPSED = re.compile(r"^((?:sparql\+)?https?:)/(?!/)", re.IGNORECASE)
UNION_KINDS = ("native", "param", "graph", "graphs")


def is_remote(location: object) -> bool:
    """True for an http(s):// or sparql+http(s):// location (also after pathlib collapsed `//`)."""
    return bool(_REMOTE.match(str(location)))


def _repair(text: str) -> str:
    """`pathlib.Path("http://h")` prints as `http:/h`: give the URL its `//` back."""
    return _COLLAPSED.sub(r"\1//", text)


@dataclass(frozen=True)
class Union:
    """How to ask a server for "the union of all graphs" as a query's default graph.

    native       the server's default graph already is the union (Virtuoso, GraphDB, QLever)
    param        a request parameter switches it on (Oxigraph: union-default-graph)
    graph        a special graph name sent as default-graph-uri (Fuseki: urn:x-arq:UnionGraph)
    graphs       every kg graph sent as default-graph-uri (any SPARQL 1.1 server)
    With `graph` and `graphs` kg's graphs also go as named-graph-uri (a protocol dataset replaces
    the named graphs as well, and the named queries use GRAPH ?doc): one more request per query.
    """

    kind: str
    name: str = ""
    value: str = ""

    @classmethod
    def parse(cls, text: str) -> Union:
        kind, _, rest = text.partition(":")
        if kind not in UNION_KINDS or (kind in ("param", "graph")) != bool(rest):
            raise KgError(
                f"union={text!r} is not one of: native, param:NAME[=VALUE], graph:IRI, graphs",
                code="bad-store",
            )
        if kind == "param":
            name, _, value = rest.partition("=")
            return cls(kind, name, value)
        return cls(kind, rest)

    def __str__(self) -> str:
        if self.kind == "param":
            return f"param:{self.name}" + (f"={self.value}" if self.value else "")
        return f"{self.kind}:{self.name}" if self.name else self.kind


@dataclass(frozen=True)
class Endpoint:
    """The endpoints and options of one remote store."""

    query: str
    update: str | None
    gsp: str | None
    union: Union
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    auth: str = "basic"
    timeout: float = 60.0

    @property
    def location(self) -> str:
        """The store's location as kg shows it (no password)."""
        return describe(self)


def _endpoint_url(base: str, value: str) -> str:
    """An option's endpoint: a path relative to the query URL, or an absolute URL."""
    value = _repair(value)  # an absolute URL inside the location went through pathlib too
    return value if re.match(r"^https?://", value, re.IGNORECASE) else urljoin(base, value)


def parse_location(location: str) -> Endpoint:
    """An `Endpoint` from a store location URL; KgError (code bad-store) when it is malformed."""
    text = _repair(str(location).strip())
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    explicit = scheme.startswith("sparql+")
    http_scheme = scheme.removeprefix("sparql+")
    if http_scheme not in ("http", "https") or not parts.hostname:
        raise KgError(f"not a SPARQL server URL: {location}", code="bad-store")
    user = unquote(parts.username) if parts.username else os.environ.get("KG_STORE_USER") or None
    password = unquote(parts.password) if parts.password else os.environ.get("KG_STORE_PASSWORD") or None
    netloc = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    if parts.port:
        netloc += f":{parts.port}"
    if not explicit:
        if parts.query:
            raise KgError(f"options need the sparql+{http_scheme}:// form: {location}", code="bad-store")
        base = urlunsplit((http_scheme, netloc, parts.path.rstrip("/") + "/", "", ""))
        return Endpoint(
            query=urljoin(base, "query"),
            update=urljoin(base, "update"),
            gsp=urljoin(base, "store"),
            union=Union("param", OXIGRAPH_UNION_PARAM),
            user=user,
            password=password,
        )
    options = dict(parse_qsl(parts.query, keep_blank_values=True))
    unknown = sorted(set(options) - {"union", "update", "gsp", "auth", "timeout"})
    if unknown:
        raise KgError(
            f"unknown store option(s) {', '.join(unknown)}; known: union, update, gsp, auth, timeout",
            code="bad-store",
        )
    if "union" not in options:
        raise KgError(
            "say how this server unions the graphs: add union=native (Virtuoso, GraphDB, QLever), "
            "union=graph:urn:x-arq:UnionGraph (Fuseki), union=param:NAME or union=graphs; "
            "see docs/engines.md",
            code="bad-store",
        )
    query = urlunsplit((http_scheme, netloc, parts.path or "/", "", ""))
    update = options.get("update", "")
    auth = options.get("auth", "basic").lower()
    if auth not in ("basic", "digest"):
        raise KgError(f"auth={auth!r}: use basic or digest", code="bad-store")
    try:
        timeout = float(options.get("timeout", "60"))
    except ValueError:
        raise KgError(
            f"timeout={options['timeout']!r} is not a number of seconds", code="bad-store"
        ) from None
    if timeout <= 0:
        raise KgError("timeout must be positive", code="bad-store")
    return Endpoint(
        query=query,
        update=None if update.lower() == "none" else _endpoint_url(query, update) if update else query,
        gsp=_endpoint_url(query, options["gsp"]) if options.get("gsp") else None,
        union=Union.parse(options["union"]),
        user=user,
        password=password,
        auth=auth,
        timeout=timeout,
    )


def describe(ep: Endpoint) -> str:
    """The location back as a URL, without the password (for messages and `Store.location`)."""
    parts = urlsplit(ep.query)
    netloc = (quote(ep.user, safe="") + "@" if ep.user else "") + parts.netloc
    oxigraph_like = (
        ep.union == Union("param", OXIGRAPH_UNION_PARAM)
        and ep.query.endswith("/query")
        and ep.update == ep.query[: -len("query")] + "update"
        and ep.gsp == ep.query[: -len("query")] + "store"
        and ep.timeout == 60.0
        and ep.auth == "basic"
    )
    if oxigraph_like:
        return urlunsplit((parts.scheme, netloc, parts.path[: -len("query")].rstrip("/") or "", "", ""))
    options = {"union": str(ep.union)}
    if ep.update != ep.query:
        options["update"] = ep.update or "none"
    if ep.gsp:
        options["gsp"] = ep.gsp
    if ep.auth != "basic":
        options["auth"] = ep.auth
    if ep.timeout != 60.0:
        options["timeout"] = f"{ep.timeout:g}"
    return urlunsplit((f"sparql+{parts.scheme}", netloc, parts.path, urlencode(options, safe=":/"), ""))


__all__ = ["Endpoint", "Union", "is_remote", "parse_location", "describe", "OXIGRAPH_UNION_PARAM"]
