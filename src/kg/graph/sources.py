"""Web Annotation pointers from an extracted item back to the characters it was read from."""

from __future__ import annotations

import re

from rdflib import Graph, URIRef

from kg import iris
from kg.graph.terms import GW, OA, RDF, adder, derived_iri, integer, node_adder, plain
from kg.model import Span

_SPACE = re.compile(r"\s+")


def add_source(g: Graph, item: URIRef, doc: URIRef, span: Span) -> URIRef:
    """Attach `{item}/source` (an oa:SpecificResource with quote and position selectors) to `item`."""
    src = iris.source(item)
    quote, position = derived_iri(f"{src}#quote"), derived_iri(f"{src}#position")
    exact = plain(span.quote)
    squeezed = _SPACE.sub("", span.quote)
    adder(g)((item, GW.source, src))
    add_node = node_adder(g)
    add_node(
        src,
        (
            (RDF.type, OA.SpecificResource),
            (OA.hasSource, doc),
            (OA.hasSelector, quote),
            (OA.hasSelector, position),
            (GW.line, integer(span.line)),
            (GW.quote, exact if squeezed == span.quote else plain(squeezed)),  # most quotes have no space
        ),
    )
    add_node(quote, ((RDF.type, OA.TextQuoteSelector), (OA.exact, exact)))
    add_node(
        position,
        ((RDF.type, OA.TextPositionSelector), (OA.start, integer(span.start)), (OA.end, integer(span.end))),
    )
    return src
