"""Turn parameter values as users type them into RDF terms (rdflib), or a KgError naming the parameter.

* `unit`: any label, alias or hidden label of a unit, group or post in the store (registry graph
  and units minted into document graphs), with or without the jurisdiction prefix (财政局 /
  市财政局 / 新密市财政局), or a full IRI. A label shared by several units (市财政局 of 新密市
  and of 郑州市) resolves to **all** of them: the query then runs once over all (VALUES block).
  A place prefix (新密市财政局) keeps only the units of that place.
* `notice`: a 文号 in any common variant (〔〕 [] （） 【】, full-width digits, spaces, 第, leading
  zeros) or a document IRI.
* `string`, `integer`, `date` (2021-06-30, 2021/6/30, 2021年6月30日), `iri`: validated literals / IRIs.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections import defaultdict
from dataclasses import dataclass, field

from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from kg.errors import KgError
from kg.iris import BASE
from kg.queries.catalog import Param
from kg.queries.labels import canonical_wenhao, clean, label_key, place_names, strip_level
from kg.store.base import Store

_ABS_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^<>\"{}|^`\\\x00-\x20]+$")
_AGENT_PREFIXES = tuple(BASE + p for p in ("id/org/", "id/group/", "id/post/"))
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")

_AGENT_FILTER = " || ".join(f'STRSTARTS(STR(?u), "{p}")' for p in _AGENT_PREFIXES)
_LABELS_QUERY = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX gw: <https://w3id.org/govwork/ns#>
SELECT DISTINCT ?u ?l ?pref ?place WHERE {
  { ?u skos:prefLabel ?l BIND(true AS ?pref) }
  UNION { ?u skos:altLabel ?l BIND(false AS ?pref) }
  UNION { ?u skos:hiddenLabel ?l BIND(false AS ?pref) }
  FILTER(AGENT_FILTER)
  OPTIONAL { ?u gw:jurisdiction ?place }
}
""".replace("AGENT_FILTER", _AGENT_FILTER)

_PLACES_QUERY = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?p ?l WHERE {
  { ?p skos:prefLabel ?l } UNION { ?p skos:altLabel ?l }
  FILTER(STRSTARTS(STR(?p), "BASEid/place/"))
}
""".replace("BASE", BASE)

_NOTICES_QUERY = """
PREFIX eli: <http://data.europa.eu/eli/ontology#>
SELECT DISTINCT ?d ?id WHERE { ?d eli:id_local ?id }
"""


def bad(param: Param | str, message: str) -> KgError:
    name = param.name if isinstance(param, Param) else param
    return KgError(f"parameter {name}: {message}", code="bad-parameter", status=400)


@dataclass
class _UnitIndex:
    """Every agent label in the store, under the keys users may type."""

    exact: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # label_key -> IRIs
    stripped: dict[str, set[str]] = field(
        default_factory=lambda: defaultdict(set)
    )  # key minus 市/县.. -> IRIs
    place_of: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # IRI -> place IRIs
    places: dict[str, str] = field(default_factory=dict)  # written place form -> place IRI
    pref_labels: set[str] = field(default_factory=set)
    all_labels: set[str] = field(default_factory=set)
    iris: set[str] = field(default_factory=set)


class Resolver:
    """Resolves parameter values against one store (indexes are built lazily, once)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._units: _UnitIndex | None = None
        self._notices: dict[str, set[str]] | None = None

    # -- indexes --------------------------------------------------------------------------
    def _unit_index(self) -> _UnitIndex:
        if self._units is None:
            ix = _UnitIndex()
            for row in self.store.query(_LABELS_QUERY):  # type: ignore[union-attr]
                iri, label = row["u"].value, row["l"].value
                key = label_key(label)
                ix.iris.add(iri)
                ix.exact[key].add(iri)
                short = strip_level(key)
                if short:
                    ix.stripped[short].add(iri)
                ix.all_labels.add(clean(label))
                if row["pref"].value == "true":
                    ix.pref_labels.add(clean(label))
                if row["place"] is not None:
                    ix.place_of[iri].add(row["place"].value)
            for row in self.store.query(_PLACES_QUERY):  # type: ignore[union-attr]
                for name in place_names(row["l"].value):
                    ix.places.setdefault(name, row["p"].value)
            self._units = ix
        return self._units

    def _notice_index(self) -> dict[str, set[str]]:
        if self._notices is None:
            ix: dict[str, set[str]] = defaultdict(set)
            for row in self.store.query(_NOTICES_QUERY):  # type: ignore[union-attr]
                ix[canonical_wenhao(row["id"].value) or clean(row["id"].value)].add(row["d"].value)
            self._notices = ix
        return self._notices

    # -- per type -------------------------------------------------------------------------
    def resolve(self, param: Param, value: str) -> list[Node]:
        """The RDF term(s) `value` stands for; several only for a `unit` or `notice` label shared by
        several resources."""
        handler = getattr(self, f"_{param.type}")
        return handler(param, value)

    def _unit(self, param: Param, value: str) -> list[Node]:
        ix = self._unit_index()
        text = value.strip()
        if _ABS_IRI.match(text):
            if text not in ix.iris:
                raise bad(param, f"unknown unit <{text}>")
            return [URIRef(text)]
        key = label_key(text)
        if not key:
            raise bad(param, "empty unit name")
        found = set(ix.exact.get(key, ()))
        if not found:
            found = self._with_place(ix, key) or set(ix.stripped.get(key, ()))
        if not found and not key.startswith("各"):
            found = set(ix.exact.get("各" + key, ()))  # a collective written without 各: 乡镇政府
        if not found:
            raise bad(param, f"unknown unit {text!r}{self._suggest(ix, key)}")
        return [URIRef(i) for i in sorted(found)]

    @staticmethod
    def _with_place(ix: _UnitIndex, key: str) -> set[str]:
        """新密市财政局 → units labelled (市)财政局 whose jurisdiction is 新密市."""
        for name in sorted(ix.places, key=len, reverse=True):
            if key.startswith(name) and len(key) > len(name):
                rest = key[len(name) :]
                hits = set(ix.exact.get(rest, ())) | set(ix.stripped.get(rest, ()))
                if not hits and strip_level(rest):
                    hits = set(ix.exact.get(strip_level(rest) or "", ()))
                place = ix.places[name]
                local = {h for h in hits if place in ix.place_of.get(h, ())}
                return local or hits
        return set()

    @staticmethod
    def _suggest(ix: _UnitIndex, key: str) -> str:
        pool = sorted(ix.all_labels)
        close = difflib.get_close_matches(key, pool, n=5, cutoff=0.5)
        close += [lab for lab in pool if key in lab and lab not in close][: max(0, 5 - len(close))]
        if not close:
            return " (no unit in the store has a similar name; see `kg query units`)"
        return "; did you mean " + ", ".join(close) + "?"

    def _notice(self, param: Param, value: str) -> list[Node]:
        ix = self._notice_index()
        text = value.strip()
        if _ABS_IRI.match(text):
            if not any(text in iris for iris in ix.values()):
                raise bad(param, f"unknown notice <{text}>")
            return [URIRef(text)]
        wid = canonical_wenhao(text)
        if wid is None:
            raise bad(param, f"{text!r} is not a 文号 (expected e.g. 新密政办〔2021〕6号)")
        if wid not in ix:
            close = difflib.get_close_matches(wid, list(ix), n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise bad(param, f"unknown notice {wid}{hint}")
        return [URIRef(i) for i in sorted(ix[wid])]

    def _string(self, param: Param, value: str) -> list[Node]:
        if len(value) > 1000:
            raise bad(param, "value too long (over 1000 characters)")
        return [Literal(value)]

    def _integer(self, param: Param, value: str) -> list[Node]:
        try:
            return [Literal(int(clean(value)))]
        except ValueError:
            raise bad(param, f"{value!r} is not an integer") from None

    def _date(self, param: Param, value: str) -> list[Node]:
        m = _DATE.match(clean(value))
        try:
            if not m:
                raise ValueError
            day = dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            raise bad(param, f"{value!r} is not a date (expected YYYY-MM-DD)") from None
        return [Literal(day.isoformat(), datatype=XSD.date)]

    def _iri(self, param: Param, value: str) -> list[Node]:
        text = value.strip()
        if not _ABS_IRI.match(text):
            raise bad(param, f"{value!r} is not an IRI")
        iri = URIRef(text)
        if not bool(self.store.query(f"ASK {{ {{ {iri.n3()} ?p ?o }} UNION {{ ?s ?p {iri.n3()} }} }}")):
            raise bad(param, f"nothing in the store is called <{text}>")
        return [iri]
