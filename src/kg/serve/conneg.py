"""HTTP content negotiation: q-values, wildcards, a `format=` override, 406 when nothing fits."""

from __future__ import annotations

from dataclasses import dataclass

from kg.errors import KgError

# Short names accepted in `format=` (ours, plus what SPARQLWrapper and browsers' links send).
FORMAT_NAMES: dict[str, str] = {
    "json": "application/sparql-results+json",
    "srj": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "srx": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "html": "text/html",
    "turtle": "text/turtle",
    "ttl": "text/turtle",
    "n3": "text/turtle",
    "nt": "application/n-triples",
    "ntriples": "application/n-triples",
    "n-triples": "application/n-triples",
    "jsonld": "application/ld+json",
    "json-ld": "application/ld+json",
    "rdf": "application/rdf+xml",
    "rdfxml": "application/rdf+xml",
    "rdf+xml": "application/rdf+xml",
    "text": "text/plain",
}

# Other names clients use for the types we serve.
ALIASES: dict[str, str] = {
    "application/json": "application/sparql-results+json",
    "application/xml": "application/sparql-results+xml",
    "text/xml": "application/sparql-results+xml",
    "application/x-turtle": "text/turtle",
    "text/n3": "text/turtle",
    "text/plain": "application/n-triples",
    "application/x-ld+json": "application/ld+json",
    "application/jsonld": "application/ld+json",
}


@dataclass(frozen=True)
class Range:
    type: str
    subtype: str
    q: float
    order: int

    def matches(self, media_type: str) -> int:
        """Specificity of the match (2 exact, 1 type/*, 0 */*), -1 when it does not match."""
        t, _, s = media_type.partition("/")
        if self.type == "*" and self.subtype == "*":
            return 0
        if self.type == t and self.subtype == "*":
            return 1
        if self.type == t and self.subtype == s:
            return 2
        return -1


def parse_accept(header: str | None) -> list[Range]:
    if not header or not header.strip():
        return [Range("*", "*", 1.0, 0)]
    ranges = []
    for i, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        mt = fields[0].lower()
        if not mt:
            continue
        if mt == "*":
            mt = "*/*"
        if "/" not in mt:
            continue
        q = 1.0
        for f in fields[1:]:
            k, _, v = f.partition("=")
            if k.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(v)))
                except ValueError:
                    q = 0.0
        t, _, s = mt.partition("/")
        ranges.append(Range(t, s, q, i))
        alias = ALIASES.get(mt)
        if alias:
            at, _, asub = alias.partition("/")
            ranges.append(Range(at, asub, q * 0.999, i))  # an alias counts slightly below the real name
    return ranges or [Range("*", "*", 1.0, 0)]


def negotiate(accept: str | None, offers: list[str], fmt: str | None = None) -> str | None:
    """The offer to send, or None (→ 406). `offers` are in server preference order (first = default).
    A known `format=` name that is among the offers wins over the Accept header."""
    if fmt:
        wanted = FORMAT_NAMES.get(fmt.strip().lower(), fmt.strip().lower())
        if wanted in offers:
            return wanted
    ranges = parse_accept(accept)
    best: tuple[float, int, int] | None = None
    choice = None
    for pos, offer in enumerate(offers):
        scored = [(r.matches(offer), r) for r in ranges]
        scored = [(spec, r) for spec, r in scored if spec >= 0]
        if not scored:
            continue
        spec, r = max(scored, key=lambda x: (x[0], x[1].q))
        # Most specific range decides the q; ties go to explicitly named types, then server order.
        key = (r.q, spec, -pos)
        if r.q > 0 and (best is None or key > best):
            best, choice = key, offer
    return choice


def not_acceptable(accept: str | None, offers: list[str]) -> KgError:
    return KgError(
        f"cannot answer in any type the Accept header allows ({accept!r}); available: {', '.join(offers)}",
        code="not-acceptable",
        status=406,
    )
