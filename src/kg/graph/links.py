"""Task lineage at ingest: links between the tasks of one document and the tasks of the stored
documents related to it, as triples for the document's graph.

Pairs of documents (child → parent):

* `gw:implementsTask`: the child applies the parent (`eli:applies`, from the 文号 it cites). Tasks of a
  section that names its parent notice (`gw:basedOn`) link only to that notice.
* `gw:continuesTask`: a notice of the same jurisdiction whose 文号 year is one less ("the same task
  in next year's notice"), and of the same series: when both name the work reports they decompose
  (`gw:decomposes`), reports of a common place; otherwise the same 发文机关代字 (`gw:docCode`). A
  county's 防汛 notice does not continue its work-report decomposition.
* `gw:sameTaskAs`: inside one notice, tasks of sections that decompose different work reports (一 省,
  二 市 in a county notice restate some tasks); child = the earlier section.

`kg.lineage.link` gives each child task its best parent task when the score reaches
`kg.lineage.THRESHOLD`; `kg.lineage.pair_targets` pairs their targets (`gw:restatesTarget`).

Where the triples go (the rule docs/design.md states): into the graph of the document being ingested,
i.e. the later-ingested of the two, unless the other document's graph already holds exactly these
links for the pair. Both sides compute the same links from the two texts, so ingesting a tree twice
writes nothing new, and a document never needs a write to another document's graph.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from rdflib import RDF, XSD, Graph, URIRef

from kg import iris, lineage
from kg.graph import terms
from kg.graph.terms import TripleStore, adder, node_adder
from kg.graph.units import UNKNOWN_PLACE
from kg.iris import ELI, GW

KINDS = ("implementsTask", "continuesTask", "sameTaskAs")
_UNKNOWN_PLACE = str(iris.place(UNKNOWN_PLACE))
_TARGET_NUMBER = re.compile(r"/target/(\d+)$")


@dataclass(frozen=True)
class TaskInfo:
    iri: str
    path: tuple[int, ...]
    text: str
    section: str
    targets: tuple[tuple[str, str, str], ...]  # (target IRI, indicator, base unit), text order


@dataclass
class DocInfo:
    """What linking needs to know about one document."""

    iri: str
    place: str | None = None  # jurisdiction IRI
    year: int | None = None  # 文号 year
    code: str | None = None  # 发文机关代字 (gw:docCode)
    applies: frozenset[str] = frozenset()
    based_on: dict[str, frozenset[str]] = field(default_factory=dict)  # section -> parent notices
    reports: dict[str, str] = field(default_factory=dict)  # section -> work report it decomposes
    tasks: tuple[TaskInfo, ...] = ()

    @property
    def report_places(self) -> frozenset[str]:
        """Places of the work reports it decomposes ({BASE}report/{place}/{year} minus the year)."""
        return frozenset(r.rsplit("/", 1)[0] for r in self.reports.values())

    def same_series(self, other: DocInfo) -> bool:
        """Whether `other` is this notice's counterpart in another year (see the module docstring)."""
        if self.report_places and other.report_places:
            return bool(self.report_places & other.report_places)
        return self.code is not None and self.code == other.code


@dataclass(frozen=True)
class TaskLink:
    child: str
    kind: str  # one of KINDS
    parent: str
    score: Decimal
    targets: tuple[tuple[str, str], ...] = ()  # (child target, parent target)

    @property
    def node(self) -> URIRef:
        """{child task}/link/{kind}-{hash of the parent task}: one node per (child, kind, parent)."""
        digest = hashlib.sha256(self.parent.encode("utf-8")).hexdigest()[:12]
        return iris.child(URIRef(self.child), "link", f"{self.kind}-{digest}")

    def facts(self) -> frozenset[tuple[Any, ...]]:
        """Comparable form, the same whether computed or read back from the store."""
        out: set[tuple[Any, ...]] = {("link", self.child, self.kind, self.parent, self.score)}
        out.update(("target", c, p) for c, p in self.targets)
        return frozenset(out)


# ------------------------------------------------------------------ describing documents


def describe(graph: Graph, iri: str) -> DocInfo:
    """The DocInfo of a document from its own (just built) graph."""
    doc = URIRef(iri)
    meta = {
        "place": graph.value(doc, GW.jurisdiction),
        "year": graph.value(doc, GW.docYear),
        "code": graph.value(doc, GW.docCode),
        "applies": list(graph.objects(doc, ELI.applies)),
    }
    sections = [
        (s, graph.value(s, GW.basedOn), graph.value(s, GW.decomposes))
        for s in graph.objects(doc, ELI.has_part)
    ]
    rows = []
    for task in graph.subjects(GW.notice, doc):
        base = (task, graph.value(task, GW.path), graph.value(task, GW.text), graph.value(task, GW.section))
        targets = list(graph.objects(task, GW.hasTarget))
        rows += (
            [base + (None, None, None)]
            if not targets
            else [base + (t, graph.value(t, GW.indicator), graph.value(t, GW.unitLabel)) for t in targets]
        )
    return _assemble(iri, meta, sections, rows)


def stored(store: Any, iri: str) -> DocInfo:
    """The DocInfo of a stored document, read from its graph."""
    g = URIRef(iri).n3()
    head = (
        f"SELECT ?place ?year ?code ?applies WHERE {{ GRAPH {g} {{ {g} a gw:Notice . "
        f"OPTIONAL {{ {g} gw:jurisdiction ?place }} OPTIONAL {{ {g} gw:docYear ?year }} "
        f"OPTIONAL {{ {g} gw:docCode ?code }} "
        f"OPTIONAL {{ {g} eli:applies ?applies }} }} }}"
    )
    meta: dict[str, Any] = {"place": None, "year": None, "code": None, "applies": []}
    for row in _select(store, head):
        meta["place"] = meta["place"] or _term(row["place"])
        meta["year"] = meta["year"] or _term(row["year"])
        meta["code"] = meta["code"] or _term(row["code"])
        if row["applies"] is not None:
            meta["applies"].append(_term(row["applies"]))
    sec_q = (
        f"SELECT ?s ?b ?r WHERE {{ GRAPH {g} {{ {g} eli:has_part ?s . "
        f"OPTIONAL {{ ?s gw:basedOn ?b }} OPTIONAL {{ ?s gw:decomposes ?r }} }} }}"
    )
    sections = [(_term(r["s"]), _term(r["b"]), _term(r["r"])) for r in _select(store, sec_q)]
    task_q = (
        f"SELECT ?t ?path ?text ?s ?x ?ind ?unit WHERE {{ GRAPH {g} {{ ?t gw:notice {g} ; "
        "gw:path ?path ; gw:text ?text ; gw:section ?s . "
        "OPTIONAL { ?t gw:hasTarget ?x . ?x gw:indicator ?ind ; gw:unitLabel ?unit } } }"
    )
    rows = [
        tuple(_term(r[v]) for v in ("t", "path", "text", "s", "x", "ind", "unit"))
        for r in _select(store, task_q)
    ]
    return _assemble(iri, meta, sections, rows)


def _assemble(iri: str, meta: dict[str, Any], sections: Iterable[tuple], rows: Iterable[tuple]) -> DocInfo:
    """One DocInfo from rows of either source, in a canonical order (tasks by path, targets by k)."""
    based_on: dict[str, set[str]] = {}
    reports: dict[str, str] = {}
    for sec, basis, report in sections:
        based_on.setdefault(str(sec), set())
        if basis is not None:
            based_on[str(sec)].add(str(basis))
        if report is not None:
            reports[str(sec)] = str(report)
    tasks: dict[str, dict[str, Any]] = {}
    for task, path, text, section, target, indicator, unit in rows:
        if path is None or text is None or section is None:
            continue
        entry = tasks.setdefault(
            str(task), {"path": str(path), "text": str(text), "section": str(section), "targets": {}}
        )
        if target is not None and indicator is not None and unit is not None:
            entry["targets"][str(target)] = (str(target), str(indicator), str(unit))
    infos = tuple(
        sorted(
            (
                TaskInfo(
                    t,
                    _path(e["path"]),
                    e["text"],
                    e["section"],
                    tuple(sorted(e["targets"].values(), key=lambda x: _target_number(x[0]))),
                )
                for t, e in tasks.items()
            ),
            key=lambda t: (t.path, t.iri),
        )
    )
    place = meta.get("place")
    year = meta.get("year")
    return DocInfo(
        iri=iri,
        place=str(place) if place is not None and str(place) != _UNKNOWN_PLACE else None,
        year=int(year) if year is not None else None,
        code=str(meta["code"]) if meta.get("code") is not None else None,
        applies=frozenset(str(a) for a in meta.get("applies", []) if str(a) != iri),
        based_on={s: frozenset(b) for s, b in based_on.items()},
        reports=reports,
        tasks=infos,
    )


def _path(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in text.split("."))
    except ValueError:
        return ()


def _target_number(iri: str) -> int:
    m = _TARGET_NUMBER.search(iri)
    return int(m[1]) if m else 0


# ------------------------------------------------------------------ computing links


def within(doc: DocInfo) -> list[TaskLink]:
    """gw:sameTaskAs between sections of one notice that decompose different work reports."""
    sections = list(dict.fromkeys(t.section for t in doc.tasks))
    out: list[TaskLink] = []
    for i, first in enumerate(sections):
        for second in sections[i + 1 :]:
            a, b = doc.reports.get(first), doc.reports.get(second)
            if a is None or b is None or a == b:
                continue
            kids = [t for t in doc.tasks if t.section == first]
            parents = [t for t in doc.tasks if t.section == second]
            out += _link(kids, parents, "sameTaskAs", with_targets=False)
    return out


def between(child: DocInfo, parent: DocInfo, kind: str) -> list[TaskLink]:
    """Links from the tasks of `child` to the tasks of `parent` (implementsTask or continuesTask)."""
    kids = list(child.tasks)
    if kind == "implementsTask":
        # a section that names its parent notice implements that notice only
        kids = [
            t for t in kids if not child.based_on.get(t.section) or parent.iri in child.based_on[t.section]
        ]
    return _link(kids, list(parent.tasks), kind, with_targets=True)


def _link(kids: list[TaskInfo], parents: list[TaskInfo], kind: str, *, with_targets: bool) -> list[TaskLink]:
    if not kids or not parents:
        return []
    by_iri = {t.iri: t for t in (*kids, *parents)}
    found = lineage.link([(t.iri, t.text) for t in kids], [(t.iri, t.text) for t in parents])
    out = []
    for hit in found:
        child, parent = by_iri[str(hit.child)], by_iri[str(hit.parent)]
        pairs = lineage.pair_targets(child.targets, parent.targets) if with_targets else []
        out.append(
            TaskLink(
                child.iri,
                kind,
                parent.iri,
                Decimal(str(hit.score)),
                tuple(sorted((str(c), str(p)) for c, p in pairs)),
            )
        )
    return out


# ------------------------------------------------------------------ against the store


def related(store: Any, doc: DocInfo) -> list[tuple[str, str, str]]:
    """(child, kind, parent) document pairs between `doc` and the other stored notices."""
    me = URIRef(doc.iri).n3()
    pairs: set[tuple[str, str, str]] = set()
    if doc.applies:
        values = " ".join(URIRef(a).n3() for a in sorted(doc.applies))
        q = f"SELECT ?p WHERE {{ VALUES ?p {{ {values} }} GRAPH ?p {{ ?p a gw:Notice }} }}"
        pairs |= {(doc.iri, "implementsTask", str(r["p"].value)) for r in _select(store, q)}
    q = f"SELECT DISTINCT ?c WHERE {{ GRAPH ?c {{ ?c a gw:Notice ; eli:applies {me} }} }}"
    pairs |= {(str(r["c"].value), "implementsTask", doc.iri) for r in _select(store, q)}
    if doc.place is not None and doc.year is not None:
        q = (
            f"SELECT DISTINCT ?x ?y WHERE {{ GRAPH ?x {{ ?x a gw:Notice ; gw:jurisdiction {URIRef(doc.place).n3()} ;"
            f" gw:docYear ?y }} FILTER(?y = {doc.year - 1} || ?y = {doc.year + 1}) }}"
        )
        for r in _select(store, q):
            other = str(r["x"].value)
            later = int(r["y"].value) > doc.year
            pairs.add((other, "continuesTask", doc.iri) if later else (doc.iri, "continuesTask", other))
    return sorted(p for p in pairs if p[0] != p[2] and doc.iri in (p[0], p[2]))


def held(store: Any, graph: str, a: str, b: str) -> frozenset[tuple[Any, ...]]:
    """The links between documents `a` and `b` (either direction) that `graph` holds, as facts."""
    return held_by_pair(store, graph).get(frozenset((a, b)), frozenset())


def held_by_pair(store: Any, graph: str) -> dict[frozenset[str], frozenset[tuple[Any, ...]]]:
    """Every link `graph` holds, as facts grouped by the two documents it joins (a task's document
    is its IRI up to /task/). One pass over the graph's links serves all its partners."""
    g = URIRef(graph).n3()
    facts: dict[frozenset[str], set[tuple[Any, ...]]] = {}

    def pair(c: str, p: str) -> set[tuple[Any, ...]]:
        return facts.setdefault(frozenset((_document(c), _document(p))), set())

    rows = _select(
        store,
        f"SELECT ?c ?k ?p ?s WHERE {{ GRAPH {g} {{ ?l a gw:TaskLink ; rdf:subject ?c ; "
        "rdf:predicate ?k ; rdf:object ?p ; gw:score ?s } }",
    )
    for r in rows:
        c, p = str(r["c"].value), str(r["p"].value)
        kind = str(r["k"].value).rsplit("#", 1)[-1]
        pair(c, p).add(("link", c, kind, p, Decimal(r["s"].value)))
    for r in _select(store, f"SELECT ?c ?p WHERE {{ GRAPH {g} {{ ?c gw:restatesTarget ?p }} }}"):
        c, p = str(r["c"].value), str(r["p"].value)
        pair(c, p).add(("target", c, p))
    return {k: frozenset(v) for k, v in facts.items()}


def _document(task: str) -> str:
    """The document of a task (or of a task's target): {document}/task/..."""
    return task.split("/task/", 1)[0]


class StoredInfos:
    """What linking reads of stored documents (their DocInfo, and the links their graphs hold), read
    once per batch: an ingest links every new notice to its stored neighbours (parents, children,
    the previous and next year), and without this each neighbour was read from the store again for
    every notice that has it as a neighbour (most of ingest time at a few hundred notices of one
    place). An entry is used only while the document's stored hash is still the one it was read
    with; the least recently used go first."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._infos: OrderedDict[str, tuple[str, DocInfo]] = OrderedDict()
        self._held: OrderedDict[str, tuple[str, dict[frozenset[str], frozenset[tuple[Any, ...]]]]] = OrderedDict()

    def __call__(self, store: Any, iri: str) -> DocInfo:
        return self._read(self._infos, store, iri, stored)

    def held(self, store: Any, graph: str, a: str, b: str) -> frozenset[tuple[Any, ...]]:
        """`held`, from the links of `graph` read once while it is unchanged."""
        return self._read(self._held, store, graph, held_by_pair).get(frozenset((a, b)), frozenset())

    def _read(self, cache: OrderedDict[str, tuple[str, Any]], store: Any, iri: str, read: Any) -> Any:
        sha256 = store.document_hash(iri)
        hit = cache.get(iri)
        if hit is not None and sha256 is not None and hit[0] == sha256:
            cache.move_to_end(iri)
            return hit[1]
        value = read(store, iri)
        if sha256 is not None:
            cache[iri] = (sha256, value)
            cache.move_to_end(iri)
            while len(cache) > self.size:
                cache.popitem(last=False)
        return value


def links_for(store: Any, doc: DocInfo, infos: StoredInfos | None = None) -> list[TaskLink]:
    """The links `doc`'s graph should hold: its own within-notice links, and for every related stored
    document the links of that pair, unless the other document's graph already holds exactly them.
    `infos` keeps what was read of stored documents across the calls of a batch."""
    read = infos or stored
    held_in = infos.held if infos is not None else held
    out = within(doc)
    others: dict[str, DocInfo] = {}
    by_partner: dict[str, list[TaskLink]] = {}
    for child, kind, parent in related(store, doc):
        other = parent if child == doc.iri else child
        if other not in others:
            others[other] = read(store, other)
        info = others[other]
        if kind == "continuesTask" and not doc.same_series(info):
            continue
        found = between(doc, info, kind) if child == doc.iri else between(info, doc, kind)
        by_partner.setdefault(other, []).extend(found)
    for other, found in sorted(by_partner.items()):
        facts = frozenset().union(*(link.facts() for link in found)) if found else frozenset()
        if facts and facts != held_in(store, other, doc.iri, other):
            out += found
    return out


def link_graph(links: Iterable[TaskLink]) -> Graph:
    """The triples of the links: a gw:TaskLink node (rdf:subject / rdf:predicate / rdf:object,
    gw:score, gw:method), the direct triple child → parent, and gw:restatesTarget per target pair."""
    # built as the document graph is (kg.graph.terms): a notice in a dense year has ~500 links, and
    # rdflib's Graph.add was 90 ms of them per notice
    g = Graph(store=TripleStore())
    add, add_node = adder(g), node_adder(g)
    method = terms.plain(lineage.METHOD)
    for link in links:
        node, child, parent, prop = link.node, terms.derived_iri(link.child), terms.derived_iri(link.parent), GW[link.kind]
        score = terms.typed(format(link.score.normalize(), "f"), XSD.decimal)
        add_node(
            node,
            (
                (RDF.type, GW.TaskLink),
                (RDF.subject, child),
                (RDF.predicate, prop),
                (RDF.object, parent),
                (GW.score, score),
                (GW.method, method),
            ),
        )
        add((child, prop, parent))
        for c, p in link.targets:
            add((terms.derived_iri(c), GW.restatesTarget, terms.derived_iri(p)))
    return g


def _select(store: Any, sparql: str) -> list[Any]:
    return list(store.query(sparql))


def _term(term: Any) -> Any:
    return None if term is None else term.value
