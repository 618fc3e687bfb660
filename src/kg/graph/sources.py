"""Web Annotation pointers from an extracted item back to the characters it was read from."""

from __future__ import annotations

import re

from rdflib import RDF, Graph, Literal, URIRef

from kg import iris
from kg.iris import GW, OA
from kg.model import Span

_SPACE = re.compile(r"\s+")


def add_source(g: Graph, item: URIRef, doc: URIRef, span: Span) -> URIRef:
    """Attach `{item}/source` (an oa:SpecificResource with quote and position selectors) to `item`."""
    src = iris.source(item)
    quote, position = URIRef(f"{src}#quote"), URIRef(f"{src}#position")
    g.add((item, GW.source, src))
    g.add((src, RDF.type, OA.SpecificResource))
    g.add((src, OA.hasSource, doc))
    g.add((src, OA.hasSelector, quote))
    g.add((src, OA.hasSelector, position))
    g.add((src, GW.line, Literal(span.line)))
    g.add((src, GW.quote, Literal(_SPACE.sub("", span.quote))))
    g.add((quote, RDF.type, OA.TextQuoteSelector))
    g.add((quote, OA.exact, Literal(span.quote)))
    g.add((position, RDF.type, OA.TextPositionSelector))
    g.add((position, OA.start, Literal(span.start)))
    g.add((position, OA.end, Literal(span.end)))
    return src
