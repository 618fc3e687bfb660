"""Web Annotation pointers from an extracted item back to the characters it was read from."""

from __future__ import annotations

import re

from rdflib import Graph, Literal, URIRef

from kg import iris
from kg.graph.terms import GW, OA, RDF, adder, integer
from kg.model import Span

_SPACE = re.compile(r"\s+")


def add_source(g: Graph, item: URIRef, doc: URIRef, span: Span) -> URIRef:
    """Attach `{item}/source` (an oa:SpecificResource with quote and position selectors) to `item`."""
    add = adder(g)
    src = iris.source(item)
    quote, position = URIRef(f"{src}#quote"), URIRef(f"{src}#position")
    add((item, GW.source, src))
    add((src, RDF.type, OA.SpecificResource))
    add((src, OA.hasSource, doc))
    add((src, OA.hasSelector, quote))
    add((src, OA.hasSelector, position))
    add((src, GW.line, integer(span.line)))
    add((src, GW.quote, Literal(_SPACE.sub("", span.quote))))
    add((quote, RDF.type, OA.TextQuoteSelector))
    add((quote, OA.exact, Literal(span.quote)))
    add((position, RDF.type, OA.TextPositionSelector))
    add((position, OA.start, integer(span.start)))
    add((position, OA.end, integer(span.end)))
    return src
