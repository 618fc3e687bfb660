"""SPARQL results and RDF answers with a row cap, serialized in the worker.

pyoxigraph serializes whole result iterators only, so a capped SELECT is collected (cap + 1 rows,
to know whether it was cut) and written by the small serializers below, which follow the W3C
SPARQL 1.1 result formats (JSON, XML, CSV, TSV). Graphs (CONSTRUCT/DESCRIBE) are collected the
same way and written by pyoxigraph's own serializers.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from itertools import islice
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from kg.iris import PREFIXES

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


@dataclass
class Answer:
    """What a worker sends back for one query: bytes in the negotiated format (or rows for HTML)."""

    kind: str  # "solutions" | "boolean" | "graph"
    media_type: str = ""
    body: bytes = b""
    rows: int = 0
    truncated: bool = False
    variables: list[str] = field(default_factory=list)
    table: list[list[dict[str, str] | None]] | None = None  # for HTML pages: term dicts per row
    boolean: bool | None = None


def term_json(term: Any) -> dict[str, Any]:
    """A term as in SPARQL 1.1 Query Results JSON."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": term_json(term.subject),
                "predicate": term_json(term.predicate),
                "object": term_json(term.object),
            },
        }
    raise TypeError(f"not an RDF term: {term!r}")


def _xml_term(term: Any) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    if isinstance(term, ox.Triple):
        return (
            f"<triple><subject>{_xml_term(term.subject)}</subject><predicate>{_xml_term(term.predicate)}"
            f"</predicate><object>{_xml_term(term.object)}</object></triple>"
        )
    raise TypeError(f"not an RDF term: {term!r}")


def _csv_value(term: Any) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Triple):
        return str(term)
    return term.value


def write_json(variables: list[str], rows: list[list[Any]], truncated: bool) -> bytes:
    bindings = [
        {v: term_json(t) for v, t in zip(variables, row, strict=True) if t is not None} for row in rows
    ]
    doc: dict[str, Any] = {"head": {"vars": variables}, "results": {"bindings": bindings}}
    if truncated:
        doc["truncated"] = True  # extra member (ignored by SPARQL JSON readers): the answer was cut
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def write_xml(variables: list[str], rows: list[list[Any]], truncated: bool) -> bytes:
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">',
        "<head>" + "".join(f"<variable name={quoteattr(v)}/>" for v in variables) + "</head>",
    ]
    if truncated:
        out.append("<!-- results truncated by the server's row limit -->")
    out.append("<results>")
    for row in rows:
        cells = "".join(
            f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
            for v, t in zip(variables, row, strict=True)
            if t is not None
        )
        out.append(f"<result>{cells}</result>")
    out.append("</results></sparql>\n")
    return "\n".join(out).encode("utf-8")


def write_csv(variables: list[str], rows: list[list[Any]], truncated: bool) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")  # RFC 4180, as the W3C CSV results format says
    w.writerow(variables)
    for row in rows:
        w.writerow([_csv_value(t) for t in row])
    return buf.getvalue().encode("utf-8")


def write_tsv(variables: list[str], rows: list[list[Any]], truncated: bool) -> bytes:
    # Terms in N-Triples/Turtle syntax (pyoxigraph's str()), which escapes tab and newlines.
    lines = ["\t".join(f"?{v}" for v in variables)]
    lines += ["\t".join("" if t is None else str(t) for t in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


SOLUTION_WRITERS = {
    "application/sparql-results+json": write_json,
    "application/sparql-results+xml": write_xml,
    "text/csv": write_csv,
    "text/tab-separated-values": write_tsv,
}
BOOLEAN_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
HTML = "text/html"


def kind_of(result: Any) -> str:
    if isinstance(result, ox.QuerySolutions):
        return "solutions"
    if isinstance(result, ox.QueryBoolean):
        return "boolean"
    return "graph"


def _content_type(media_type: str) -> str:
    return (
        f"{media_type}; charset=utf-8"
        if media_type.startswith("text/") or "json" in media_type or "xml" in media_type
        else media_type
    )


def term_dict(term: Any) -> dict[str, str] | None:
    """A term as a flat dict of strings for templates (None for an unbound variable)."""
    if term is None:
        return None
    d = term_json(term)
    if d["type"] == "triple":
        return {"type": "triple", "value": str(term)}
    return d


def serialize(result: Any, media_type: str, max_rows: int) -> Answer:
    """Collect at most `max_rows` rows/triples of `result` and write them as `media_type`."""
    kind = kind_of(result)
    if kind == "boolean":
        value = bool(result)
        if media_type == HTML:
            return Answer(kind, media_type, boolean=value)
        return Answer(
            kind,
            _content_type(media_type),
            result.serialize(format=BOOLEAN_FORMATS[media_type]),
            boolean=value,
        )
    items = list(islice(result, max_rows + 1))
    truncated = len(items) > max_rows
    items = items[:max_rows]
    if kind == "solutions":
        variables = [v.value for v in result.variables]
        rows = [[sol[v] for v in variables] for sol in items]
        if media_type == HTML:
            return Answer(
                kind,
                media_type,
                rows=len(rows),
                truncated=truncated,
                variables=variables,
                table=[[term_dict(t) for t in row] for row in rows],
            )
        body = SOLUTION_WRITERS[media_type](variables, rows, truncated)
        return Answer(kind, _content_type(media_type), body, len(rows), truncated, variables)
    if media_type == HTML:
        variables = ["subject", "predicate", "object"]
        table = [[term_dict(t.subject), term_dict(t.predicate), term_dict(t.object)] for t in items]
        return Answer(
            kind, media_type, rows=len(items), truncated=truncated, variables=variables, table=table
        )
    body = ox.serialize(items, format=GRAPH_FORMATS[media_type], prefixes=PREFIXES) or b""
    return Answer(kind, _content_type(media_type), body, len(items), truncated)
