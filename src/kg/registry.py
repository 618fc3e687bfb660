"""Reference data (data/registry/*.ttl): places, units, unit groups; label -> IRI resolution.

Notices name units the way people write them: 财政局, 市财政局, 新密市财政局, 市 财政 局. `resolve`
maps all of these to one registry IRI given the notice's jurisdiction. Everything is precomputed
into dicts at load time, so a lookup never runs SPARQL.

Jurisdiction prefixes: a label may start with a place name (新密市, 新密, 郑州市), with 我市/本市/全市,
or with the one-character level word of a place: 市 means the notice's own place when that place is a
市 (新密市), else its nearest ancestor that is; 省 the province; 县/区 the place itself when it is one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import ORG, RDF, SKOS

from kg import paths
from kg.errors import KgError
from kg.iris import GW
from kg.turtle import parse_turtle_into

_SPACE = re.compile(r"[\s\u200b\u200c\u200d\ufeff]+")
# Suffixes that end an administrative-area name, longest first so 自治县 wins over 县.
_AREA_SUFFIX = r"(?:特别行政区|自治区|自治州|自治县|自治旗|地区|省|市|州|盟|县|旗|区)"
_AREA = re.compile(rf".+?{_AREA_SUFFIX}")
# Where the organ part of an issuer's name starts: 某县|人民政府办公室, 某市|财政局.
_ORGAN = re.compile(r"人民政府|政府|人大|政协|委员会|办公厅|办公室|[局委办厅处]")
_SELF_PREFIXES = tuple(a + b for b in "市县区省" for a in "我本全")  # 我市, 本市, 全市, 我县, …


def normalize(label: str) -> str:
    """Matching form of a label: NFKC (full-width brackets/digits), no whitespace at all."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", label))


@dataclass
class PlaceInfo:
    name: str  # skos:prefLabel, e.g. 新密市
    iri: URIRef
    parent: str | None  # name of the skos:broader place
    level: str | None  # province | city | county
    names: tuple[str, ...]  # prefLabel + altLabels, longest first (新密市, 新密)
    doc_codes: tuple[str, ...]  # 机关代字 prefixes (新密)


@dataclass
class Registry:
    """The loaded registry: `.graph` for the store, dicts for fast lookups."""

    graph: Graph
    places: dict[str, PlaceInfo] = field(default_factory=dict)
    _index: dict[tuple[str, str], URIRef] = field(default_factory=dict)
    _labels: dict[URIRef, str] = field(default_factory=dict)
    _place_of: dict[URIRef, str] = field(default_factory=dict)
    _members: dict[URIRef, list[URIRef]] = field(default_factory=dict)
    _open: set[URIRef] = field(default_factory=set)
    _partial: set[URIRef] = field(default_factory=set)
    _measures: dict[str, URIRef] = field(default_factory=dict)
    _place_names: list[tuple[str, str]] = field(default_factory=list)  # (written name, place), longest first
    _ntriples: bytes | None = None

    # ------------------------------------------------------------------ loading

    @classmethod
    def load(cls, dir: Path = paths.REGISTRY_DIR) -> Registry:
        """Parse every *.ttl in `dir`; a malformed file raises KgError naming the file and line."""
        graph = Graph()
        files = sorted(Path(dir).glob("*.ttl"))
        if not files:
            raise KgError(f"no registry files (*.ttl) in {dir}", code="registry", file=str(dir))
        for path in files:
            parse_turtle_into(graph, path, what="registry")
        return cls.from_graph(graph)

    @classmethod
    def from_graph(cls, graph: Graph) -> Registry:
        reg = cls(graph=graph)
        reg._load_places()
        reg._load_agents()
        reg._materialise_members()
        reg._load_measures()
        return reg

    def _load_places(self) -> None:
        g = self.graph
        for iri in sorted(g.subjects(RDF.type, GW.Place)):
            name = _pref(g, iri)
            if not name:
                raise KgError(f"registry place {iri} has no skos:prefLabel", code="registry")
            names = {name} | {normalize(str(x)) for x in g.objects(iri, SKOS.altLabel)}
            parent = g.value(iri, SKOS.broader)
            level = g.value(iri, GW.level)
            self.places[name] = PlaceInfo(
                name=name,
                iri=iri,
                parent=_pref(g, parent) if parent is not None else None,
                level=str(level) if level is not None else None,
                names=tuple(sorted(names, key=lambda n: (-len(n), n))),
                doc_codes=tuple(sorted(normalize(str(c)) for c in g.objects(iri, GW.docCode))),
            )
        self._place_names = sorted(
            ((n, p.name) for p in self.places.values() for n in p.names), key=lambda x: (-len(x[0]), x[0])
        )

    def _load_agents(self) -> None:
        g = self.graph
        agents = sorted(set(g.subjects(RDF.type, GW.Unit)) | set(g.subjects(RDF.type, GW.UnitGroup)))
        variants: list[tuple[str, str, URIRef]] = []
        for iri in agents:
            label = _pref(g, iri)
            place_iri = g.value(iri, GW.jurisdiction)
            place = _pref(g, place_iri) if place_iri is not None else None
            if not label or place not in self.places:
                raise KgError(
                    f"registry entry {iri} needs a skos:prefLabel and a gw:jurisdiction registered as a gw:Place",
                    code="registry",
                )
            self._labels[iri] = label
            self._place_of[iri] = place
            if (iri, GW.open, Literal(True)) in g:
                self._open.add(iri)
            if (iri, GW.partial, Literal(True)) in g:
                self._partial.add(iri)
            written = [label] + [str(x) for p in (SKOS.altLabel, SKOS.hiddenLabel) for x in g.objects(iri, p)]
            for text in written:
                key = normalize(text)
                other = self._index.get((place, key))
                if other is not None and other != iri:
                    raise KgError(
                        f"registry label {text!r} ({place}) names both {other} and {iri}", code="registry"
                    )
                self._index[(place, key)] = iri
                variants += [(p, rest, iri) for p, rest in self._prefix_splits(key, place) if p == place]
        # Prefix-stripped variants (市财政局 -> 财政局) never override a label written in the registry.
        for place, key, iri in variants:
            self._index.setdefault((place, key), iri)

    def _materialise_members(self) -> None:
        """gw:member for every group: listed ones, plus units matching gw:memberClassification."""
        g = self.graph
        by_class: dict[tuple[str, URIRef], list[URIRef]] = {}
        for unit in g.subjects(RDF.type, GW.Unit):
            for cls in g.objects(unit, ORG.classification):
                by_class.setdefault((self._place_of[unit], cls), []).append(unit)
        for grp in g.subjects(RDF.type, GW.UnitGroup):
            members = set(g.objects(grp, GW.member))
            for cls in g.objects(grp, GW.memberClassification):
                members.update(by_class.get((self._place_of[grp], cls), []))
            for m in members:
                g.add((grp, GW.member, m))
            self._members[grp] = sorted(members, key=self._member_order)

    def _load_measures(self) -> None:
        for unit, label in self.graph.subject_objects(SKOS.hiddenLabel):
            if str(unit).startswith("http://qudt.org/vocab/unit/"):
                self._measures[normalize(str(label))] = unit

    def _member_order(self, iri: URIRef) -> tuple[str, str]:
        notation = self.graph.value(iri, SKOS.notation)
        return (str(notation) if notation is not None else "~", self._labels.get(iri, str(iri)))

    # ------------------------------------------------------------------ places and prefixes

    def _prefix_splits(self, label: str, place: str | None) -> Iterable[tuple[str, str]]:
        """(place, rest) readings of a label that starts with a jurisdiction prefix, best first."""
        for written, name in self._place_names:
            if label.startswith(written) and len(label) > len(written):
                yield name, label[len(written) :]
        if place is None:
            return
        if label.startswith(place) and len(label) > len(place) and place not in self.places:
            yield place, label[len(place) :]  # an unregistered place names itself: 某县人民政府 in 某县
        for prefix in _SELF_PREFIXES:
            if label.startswith(prefix) and len(label) > 2 and prefix[1] == place[-1:]:
                yield place, label[2:]
        head = label[:1]
        if head in "省市县区" and len(label) > 1:
            target = self._place_for_level_word(head, place)
            if target is not None:
                yield target, label[1:]

    def _place_for_level_word(self, word: str, place: str) -> str | None:
        """The place 市/县/区/省 refers to in a notice of `place`: itself or its nearest such ancestor."""
        for name in [place, *self.parent_places(place)]:
            info = self.places.get(name)
            if word == "省" and ((info and info.level == "province") or name.endswith("省")):
                return name
            if word != "省" and name.endswith(word):
                return name
        return None

    def parent_places(self, place: str) -> list[str]:
        """Names of the ancestors of a place, nearest first: 新密市 -> [郑州市, 河南省]."""
        out: list[str] = []
        info = self.places.get(place)
        while info is not None and info.parent and info.parent not in out:
            out.append(info.parent)
            info = self.places.get(info.parent)
        return out

    def place_iri(self, place: str) -> URIRef | None:
        info = self.places.get(place)
        return info.iri if info else None

    def place_for_doc_code(self, code: str) -> str | None:
        """The place whose bodies use this 机关代字: 郑政办 -> 郑州市 (longest registered prefix wins)."""
        code = normalize(code)
        best: tuple[int, str] | None = None
        for info in self.places.values():
            for prefix in info.doc_codes:
                if code.startswith(prefix) and (best is None or len(prefix) > best[0]):
                    best = (len(prefix), info.name)
        return best[1] if best else None

    def place_of_issuer(self, issuer: str) -> str | None:
        """The jurisdiction of an issuing body: 新密市人民政府办公室 -> 新密市; 某县人民政府办公室 -> 某县.

        Registered place names win; otherwise the area name is read from the text before the organ
        (人民政府, 办公室, …局), taking the innermost area (北京市朝阳区人民政府 -> 朝阳区).
        """
        label = normalize(issuer)
        found = None
        while True:
            hit = next(((w, n) for w, n in self._place_names if label.startswith(w)), None)
            if hit is None:
                break
            found, label = hit[1], label[len(hit[0]) :]
        if found:
            return found
        organ = _ORGAN.search(label)
        head = label[: organ.start()] if organ else label
        areas = _AREA.findall(head)
        return areas[-1] if areas else None

    def localize(self, label: str, place: str | None) -> tuple[str | None, str]:
        """(place, key) for minting an IRI from a label: 市大数据局 in 新密市 -> (新密市, 大数据局)."""
        key = normalize(label)
        for target, rest in self._prefix_splits(key, place):
            return target, rest
        return place, key

    # ------------------------------------------------------------------ units and groups

    def resolve(self, label: str, place: str | None) -> URIRef | None:
        """The registry IRI of a unit or group as written in a notice of `place`, or None."""
        key = normalize(label)
        if not key:
            return None
        if place is not None and (hit := self._index.get((place, key))) is not None:
            return hit
        for target, rest in self._prefix_splits(key, place):
            if (hit := self._index.get((target, rest))) is not None:
                return hit
        # A collective written without 各 after a list separator: 乡镇政府、街道办事处.
        if place is not None and not key.startswith("各"):
            hit = self._index.get((place, "各" + key))
            if hit is not None and hit in self._members:
                return hit
        return None

    def members(self, group: URIRef) -> list[URIRef]:
        """Member units of a registry group (registry order: NBS code, then label); [] if unknown."""
        return list(self._members.get(group, []))

    def is_group(self, iri: URIRef) -> bool:
        return iri in self._members

    def is_open(self, group: URIRef) -> bool:
        """True when the group's membership is not enumerable (never expanded)."""
        return group in self._open

    def is_partial(self, group: URIRef) -> bool:
        """True when the text means only the relevant members (各相关乡镇政府)."""
        return group in self._partial

    def label(self, iri: URIRef) -> str | None:
        """skos:prefLabel of a registry unit, group or place."""
        if iri in self._labels:
            return self._labels[iri]
        return next((p.name for p in self.places.values() if p.iri == iri), None)

    def place_of(self, iri: URIRef) -> str | None:
        """Jurisdiction (place name) of a registry unit or group."""
        return self._place_of.get(iri)

    def __contains__(self, iri: object) -> bool:
        return iri in self._labels

    def ntriples(self) -> bytes:
        """The registry graph as N-Triples (serialised once; validation loads it per document)."""
        if self._ntriples is None:
            self._ntriples = self.graph.serialize(format="nt", encoding="utf-8")
        return self._ntriples

    def measure(self, unit_label: str) -> URIRef | None:
        """QUDT unit for a base unit label (% -> unit:PERCENT), if one is registered."""
        return self._measures.get(normalize(unit_label))


def iri_key(iri: URIRef) -> str:
    """The key (last path segment, decoded) of a kg unit/group/post IRI: …/新密市/财政局 -> 财政局."""
    return unquote(str(iri).rstrip("/").rsplit("/", 1)[-1])


def _pref(g: Graph, iri: URIRef | None) -> str | None:
    if iri is None:
        return None
    labels = sorted(
        g.objects(iri, SKOS.prefLabel), key=lambda x: (getattr(x, "language", None) != "zh", str(x))
    )
    return normalize(str(labels[0])) if labels else None
