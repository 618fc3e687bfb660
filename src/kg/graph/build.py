"""kg.model.Notice + Registry -> the RDF graph of one document, exactly as docs/design.md describes.

The graph is a pure function of the Notice and the registry: every node is an IRI made by kg.iris
from stable keys (no blank nodes, no timestamps), so building twice gives identical graphs.
"""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal
from importlib import metadata

from rdflib import XSD, Graph, Literal, URIRef

from kg import iris
from kg.graph.expand import expand
from kg.graph.sources import add_source
from kg.graph.terms import (
    DCTERMS,
    ELI,
    GW,
    ODRL,
    QUDT,
    RDF,
    TIME,
    TRUE,
    adder,
    boolean,
    integer,
    new_graph,
    plain,
    typed,
    zh,
)
from kg.graph.units import UNKNOWN_PLACE, Agents, guess_kind
from kg.iris import ROLE
from kg.model import Assignment, DocNumber, DocRef, Notice, ReportingDue, Section, Target, Task
from kg.registry import Registry, normalize

COMPARATOR = {
    "eq": ODRL.eq,
    "gteq": ODRL.gteq,
    "gt": ODRL.gt,
    "lteq": ODRL.lteq,
    "lt": ODRL.lt,
    "range": GW.range,
}

# A canonical 文号 as kg.model.DocNumber.id writes it (the parser normalises variants).
_DOC_ID = re.compile(r"^(?P<code>.+?)〔(?P<year>\d{4})〕(?P<seq>\d+)号$")
_YEAR = re.compile(r"((?:19|20)\d{2})年")


def _extractor() -> str:
    try:
        return f"kg {metadata.version('kg')}"
    except metadata.PackageNotFoundError:
        return "kg 0.1.0"


EXTRACTOR = _extractor()


_DATE, _DECIMAL = URIRef(XSD.date), URIRef(XSD.decimal)


def date(text: str) -> Literal:
    """An xsd:date literal; an invalid date stays ill-typed so SHACL reports it."""
    return typed(text, _DATE)


def decimal(value: Decimal) -> Literal:
    """xsd:decimal in plain notation (6E+8 -> 600000000)."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return typed(text, _DECIMAL)


def parse_doc_id(text: str) -> DocNumber | None:
    m = _DOC_ID.match(normalize(text))
    return DocNumber(m["code"], int(m["year"]), int(m["seq"])) if m else None


def doc_iri(number: DocNumber) -> URIRef:
    return iris.document(number.code, number.year, number.seq)


def build_graph(notice: Notice, registry: Registry) -> tuple[URIRef, Graph]:
    """The document IRI and the triples of one notice (its named graph)."""
    return _Builder(notice, registry).build()


class _Builder:
    def __init__(self, notice: Notice, registry: Registry) -> None:
        self.n = notice
        self.registry = registry
        self.g = new_graph()
        self.add = adder(self.g)
        self.doc = self._doc_iri()
        self.place = self._place()
        self.agents = Agents(self.g, registry, self.place)
        self.sections: dict[int, URIRef] = {}

    def build(self) -> tuple[URIRef, Graph]:
        self._notice()
        for sec in self.n.sections:
            self._section(sec)
        for k, due in enumerate(self.n.reporting, 1):
            self._reporting(due, k)
        for task in self.n.tasks:
            self._task(task)
        return self.doc, self.g

    # ------------------------------------------------------------------ document

    def _doc_iri(self) -> URIRef:
        if self.n.number is not None:
            return doc_iri(self.n.number)
        digest = self.n.source_sha256 or hashlib.sha256(self.n.text.encode("utf-8")).hexdigest()
        return iris.document_by_key(digest[:16])

    def _place(self) -> str | None:
        if self.n.jurisdiction:
            return normalize(self.n.jurisdiction)
        if self.n.issuer and (place := self.registry.place_of_issuer(self.n.issuer)):
            return place
        if self.n.number is not None:
            return self.registry.place_for_doc_code(self.n.number.code)
        return None

    def _notice(self) -> None:
        add, doc, n = self.add, self.doc, self.n
        add((doc, RDF.type, GW.Notice))
        add((doc, RDF.type, ELI.LegalResource))
        if n.number is not None:
            add((doc, ELI.id_local, plain(n.number.id)))
            add((doc, GW.docCode, plain(n.number.code)))
            add((doc, GW.docYear, integer(n.number.year)))
            add((doc, ELI.number, plain(str(n.number.seq))))
        if n.title:
            add((doc, ELI.title, zh(n.title)))
        if n.issuer:
            add((doc, ELI.passed_by, self.agents.agent(n.issuer, "unit")))
        if n.publisher:
            add((doc, ELI.responsibility_of_agent, self.agents.agent(n.publisher, "unit")))
        add((doc, GW.jurisdiction, self.agents.place_iri(self.place or UNKNOWN_PLACE)))
        if n.date_written:
            add((doc, ELI.date_document, date(n.date_written)))
        if n.date_published:
            add((doc, ELI.date_publication, date(n.date_published)))
        if n.index_number:
            add((doc, DCTERMS.identifier, plain(n.index_number)))
        if n.genre:
            add((doc, GW.genre, zh(n.genre)))
        for label in n.addressees:
            add((doc, GW.addressee, self.agents.agent(label, guess_kind(label))))
        for ref in n.implements:
            if (cited := self._cited(ref)) is not None:
                add((doc, ELI.applies, cited))
                add((doc, ELI.cites, cited))
        add((doc, GW.sourceName, plain(n.source_name)))
        add((doc, GW.sourceSha256, plain(n.source_sha256)))
        add((doc, GW.extractor, plain(EXTRACTOR)))
        add((doc, GW.sourceText, plain(n.text)))

    def _cited(self, ref: DocRef) -> URIRef | None:
        """Node of a document this one implements, IRI shared with that document's own graph."""
        if ref.number is not None:
            iri = doc_iri(ref.number)
            self.add((iri, ELI.id_local, plain(ref.number.id)))
        elif ref.title:
            iri = iris.document_by_key(hashlib.sha256(normalize(ref.title).encode("utf-8")).hexdigest()[:16])
        else:
            return None
        self.add((iri, RDF.type, ELI.LegalResource))
        if ref.title:
            self.add((iri, ELI.title, zh(ref.title)))
        return iri

    # ------------------------------------------------------------------ sections and reporting

    def _section_iri(self, number: int) -> URIRef:
        """Section node; a task numbered in a section the parser did not see still gets one."""
        if number not in self.sections:
            sec = iris.section(self.doc, number)
            self.sections[number] = sec
            self.add((sec, RDF.type, GW.Section))
            self.add((sec, RDF.type, ELI.LegalResourceSubdivision))
            self.add((sec, ELI.is_part_of, self.doc))
            self.add((self.doc, ELI.has_part, sec))
            self.add((sec, GW.number, integer(number)))
        return self.sections[number]

    def _section(self, s: Section) -> None:
        g, add = self.g, self.add
        sec = self._section_iri(s.number)
        add((sec, GW.printedNumber, plain(s.printed)))
        add((sec, DCTERMS.title, zh(s.title)))
        add_source(g, sec, self.doc, s.span)
        if s.report:
            add((sec, GW.decomposes, self._report(s)))
        if s.based_on:
            number = parse_doc_id(s.based_on)
            if number is not None:
                parent = doc_iri(number)
                add((parent, RDF.type, ELI.LegalResource))
                add((parent, ELI.id_local, plain(number.id)))
                add((sec, GW.basedOn, parent))

    def _report(self, s: Section) -> URIRef:
        """The work report a section decomposes: {BASE}report/{place}/{year}."""
        title = normalize(s.report or "")
        year_match = _YEAR.search(title)
        year = int(year_match[1]) if year_match else (self.n.number.year if self.n.number else 0)
        place = s.report_place or self.registry.place_of_issuer(_YEAR.sub("", title)) or self.place
        place = place or UNKNOWN_PLACE
        report = iris.report(place, year)
        self.add((report, RDF.type, GW.Report))
        self.add((report, ELI.title, zh(title)))
        self.add((report, GW.jurisdiction, self.agents.place_iri(place)))
        return report

    def _reporting_owner(self, due: ReportingDue) -> URIRef:
        """The section a reporting requirement belongs to; the notice when no section matches."""
        if any(s.number == due.section for s in self.n.sections):
            return self._section_iri(due.section)
        return self.doc

    def _reporting(self, due: ReportingDue, k: int) -> None:
        g, add = self.g, self.add
        owner = self._reporting_owner(due)
        before = sum(1 for d in self.n.reporting[: k - 1] if self._reporting_owner(d) == owner)
        node = URIRef(f"{owner}/reporting") if before == 0 else iris.child(owner, "reporting", before + 1)
        add((owner, GW.reporting, node))
        add((node, RDF.type, GW.ReportingRequirement))
        for day in due.dates:
            add((node, GW.due, date(day)))
        if due.to:
            add((node, GW.reportTo, plain(due.to)))
        if due.span is not None:
            add_source(g, node, self.doc, due.span)

    # ------------------------------------------------------------------ tasks

    def _task(self, t: Task) -> None:
        g, add = self.g, self.add
        task = iris.task(self.doc, t.path)
        sec = self._section_iri(t.section)
        add((task, RDF.type, GW.Task))
        add((task, GW.notice, self.doc))
        add((task, GW.section, sec))
        add((task, ELI.is_part_of, sec))
        add((task, GW.number, integer(t.number)))
        add((task, GW.path, plain(".".join(str(p) for p in t.path))))
        add((task, GW.text, zh(t.text)))
        add_source(g, task, self.doc, t.span)
        seen: dict[tuple[str, URIRef], URIRef] = {}
        keys: set[tuple[str, str]] = set()
        for a in t.assignments:
            self._assignment(t, task, a, seen, keys)
        for k, target in enumerate(t.targets, 1):
            self._target(t, task, target, k)
        for k, d in enumerate(t.deadlines, 1):
            node = iris.child(task, "deadline", k)
            add((task, GW.hasDeadline, node))
            add((node, RDF.type, GW.Deadline))
            add((node, RDF.type, TIME.Instant))
            add((node, TIME.inXSDDate, date(d.date)))
            add((node, GW.granularity, plain(d.granularity)))
            add((node, GW.text, zh(d.text)))
            add_source(g, node, self.doc, d.span or t.span)

    def _assignment(
        self,
        t: Task,
        task: URIRef,
        a: Assignment,
        seen: dict[tuple[str, URIRef], URIRef],
        keys: set[tuple[str, str]],
    ) -> None:
        g, add = self.g, self.add
        mention = a.unit
        agent = self.agents.agent(mention.label, mention.kind)
        if (a.role, agent) in seen:  # the same unit written twice in one role: one assignment
            return
        key = self.agents.key(agent)
        while (a.role, key) in keys:  # two different agents with one key (e.g. a unit and a group)
            key += "~"
        keys.add((a.role, key))
        node = iris.assignment(task, a.role, key)
        seen[(a.role, agent)] = node
        add((task, GW.hasAssignment, node))
        add((node, RDF.type, GW.Assignment))
        add((node, GW.agent, agent))
        add((node, GW.role, ROLE[a.role]))
        add((node, GW.asWritten, zh(normalize(mention.label))))
        add((node, GW.order, integer(a.order)))
        if a.implicit:
            add((node, GW.implicit, TRUE))
        add_source(g, node, self.doc, mention.span or t.span)
        excluded = {self.agents.agent(label, "unit") for label in mention.excludes}
        for unit in sorted(excluded):
            add((node, GW.excludes, unit))
        expand(g, self.registry, task, node, agent, excluded)

    def _target(self, t: Task, task: URIRef, target: Target, k: int) -> None:
        g, add = self.g, self.add
        node = iris.child(task, "target", k)
        add((task, GW.hasTarget, node))
        add((node, RDF.type, GW.Target))
        add((node, GW.indicator, zh(target.indicator)))
        if target.low is not None:
            add((node, GW.low, decimal(target.low)))
        if target.high is not None:
            add((node, GW.high, decimal(target.high)))
        add((node, GW.unitLabel, plain(target.unit)))
        if (measure := self.registry.measure(target.unit)) is not None:
            add((node, QUDT.hasUnit, measure))
        add((node, GW.statedValue, plain(target.stated_value)))
        add((node, GW.statedUnit, plain(target.stated_unit)))
        # An unknown comparator is kept as a literal so SHACL reports it instead of losing it.
        add((node, GW.comparator, COMPARATOR.get(target.comparator) or plain(target.comparator)))
        add((node, GW.approximate, boolean(target.approximate)))
        add((node, GW.text, zh(target.text)))
        add_source(g, node, self.doc, target.span or t.span)
