"""The SPARQL 1.1 Protocol, request side: which operation, which text, which dataset.

GET `?query=`; POST `application/x-www-form-urlencoded` (`query=` or `update=`); POST
`application/sparql-query` / `application/sparql-update` with the text as body. Protocol errors
are `KgError`s with the status the protocol asks for (400, 405, 415).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from kg.errors import KgError

FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"


@dataclass
class Operation:
    kind: str  # "query" | "update" | "describe-service"
    text: str = ""
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    params: dict[str, list[str]] = field(default_factory=dict)  # every parameter, for format=, timeout=

    @property
    def has_dataset(self) -> bool:
        return bool(self.default_graphs or self.named_graphs)

    def one(self, name: str) -> str | None:
        values = self.params.get(name)
        return values[-1] if values else None


def _pairs(raw: str) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for k, v in parse_qsl(raw, keep_blank_values=True, errors="strict"):
        params.setdefault(k, []).append(v)
    return params


def _decode(body: bytes, content_type: str) -> str:
    charset = _param(content_type, "charset")
    if charset and charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise KgError(
            f"the request body must be UTF-8 (got charset={charset})", code="bad-encoding", status=415
        )
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise KgError(f"the request body is not valid UTF-8: {e}", code="bad-encoding") from e


def _param(content_type: str, name: str) -> str | None:
    for part in content_type.split(";")[1:]:
        k, _, v = part.partition("=")
        if k.strip().lower() == name:
            return v.strip().strip('"')
    return None


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def _single(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise KgError(f"more than one '{name}' parameter", code="bad-request")
    return values[0]


def parse(method: str, query_string: str, content_type: str | None, body: bytes) -> Operation:
    """Work out the protocol operation of a request to the SPARQL endpoint."""
    try:
        params = _pairs(query_string)
    except UnicodeDecodeError as e:
        raise KgError("the query string is not valid UTF-8", code="bad-encoding") from e
    if method == "GET":
        if "update" in params:
            raise KgError("SPARQL Update must be sent with POST", code="bad-request")
        text = _single(params, "query")
        if text is None:
            return Operation("describe-service", params=params)
        return _operation("query", text, params, params)
    if method != "POST":
        raise KgError(
            f"method {method} is not allowed on the SPARQL endpoint; use GET or POST",
            code="method-not-allowed",
            status=405,
        )
    mt = media_type(content_type)
    if mt == FORM:
        form = _pairs(_decode(body, content_type or ""))
        merged = {**params, **{k: params.get(k, []) + v for k, v in form.items()}}
        query, update = _single(form, "query"), _single(form, "update")
        if query is not None and update is not None:
            raise KgError("a request carries either 'query' or 'update', not both", code="bad-request")
        if query is None and update is None:
            raise KgError("the form has neither a 'query' nor an 'update' parameter", code="bad-request")
        if query is not None:
            return _operation("query", query, merged, merged)
        return _operation("update", update or "", merged, merged)
    if mt in (QUERY_TYPE, UPDATE_TYPE):
        text = _decode(body, content_type or "")
        if "query" in params or "update" in params:
            raise KgError(
                f"with {mt} the operation is the body; do not also pass it as a parameter", code="bad-request"
            )
        return _operation("query" if mt == QUERY_TYPE else "update", text, params, params)
    shown = mt or "none"
    raise KgError(
        f"unsupported content type {shown}; send {FORM}, {QUERY_TYPE} or {UPDATE_TYPE}",
        code="unsupported-media-type",
        status=415,
    )


def _operation(
    kind: str, text: str, dataset_params: dict[str, list[str]], params: dict[str, list[str]]
) -> Operation:
    if not text.strip():
        raise KgError(f"empty {kind}", code="bad-request")
    if kind == "query":
        default, named = (
            dataset_params.get("default-graph-uri", []),
            dataset_params.get("named-graph-uri", []),
        )
    else:
        default, named = (
            dataset_params.get("using-graph-uri", []),
            dataset_params.get("using-named-graph-uri", []),
        )
    for iri in default + named:
        check_iri(iri)
    return Operation(kind, text, list(default), list(named), params)


_IRI_BAD = re.compile(r'[\x00-\x20<>"{}|\\^`]')


def check_iri(iri: str) -> str:
    if not iri or _IRI_BAD.search(iri) or ":" not in iri:
        raise KgError(f"not an absolute IRI: {iri!r}", code="bad-parameter")
    return iri


# --- using-graph-uri / using-named-graph-uri for updates ------------------------------------------
# pyoxigraph's update API has no dataset argument, so the protocol dataset is written into the
# request as USING / USING NAMED clauses before the WHERE of each DELETE/INSERT operation. The
# scanner skips strings, IRIs and comments and only looks at the top level (outside braces).

_TOKEN = re.compile(
    r"""(?P<ws>\s+)|(?P<comment>\#[^\n]*)
      |(?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
      |(?P<iri><[^<>"{}|^`\\\s]*>)|(?P<open>\{)|(?P<close>\})
      |(?P<word>[A-Za-z_][\w\-.:]*)|(?P<other>.)""",
    re.VERBOSE | re.DOTALL,
)


def add_using(update: str, default: list[str], named: list[str]) -> str:
    """Write the protocol's using-graph-uri / using-named-graph-uri into `update`.

    Raises 400 when the update names its own dataset (USING, USING NAMED or WITH), as the
    protocol requires."""
    clause = " ".join([f"USING <{g}>" for g in default] + [f"USING NAMED <{g}>" for g in named]) + " "
    out: list[str] = []
    depth = 0
    previous = ""
    for m in _TOKEN.finditer(update):
        kind, text = m.lastgroup, m.group()
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth = max(0, depth - 1)
        elif kind == "word" and depth == 0:
            word = text.upper()
            if word in ("USING", "WITH"):
                raise KgError(
                    f"the update has its own {word} clause and the request also gives "
                    "using-graph-uri/using-named-graph-uri; use one or the other",
                    code="bad-request",
                )
            if word == "WHERE" and previous != "DELETE":  # DELETE WHERE takes no USING
                out.append(clause)
        if kind in ("word", "open", "close", "iri", "string"):
            previous = text.upper() if kind == "word" else text
        out.append(text)
    return "".join(out)
