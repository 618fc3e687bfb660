"""SHACL validation of one document graph (shapes/*.ttl) against the registry.

The data graph is the document graph plus the registry graph (group memberships, minted flags), with
no inference. Every reported item names the task (gw:path) it concerns, when there is one, and the
shape (rule) that produced it:

    task 2.23: target has neither low nor high bound [gw:TargetShape]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
import pyshacl
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from kg import paths
from kg.errors import KgError
from kg.iris import ELI, GW, PREFIXES
from kg.model import Problem, Severity
from kg.registry import Registry

_SEVERITY: dict[Node, Severity] = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}
_OWNERS = (GW.hasAssignment, GW.hasTarget, GW.hasDeadline)


@dataclass(frozen=True)
class ValidationItem:
    """One SHACL result: what, where (task path, line) and which rule."""

    severity: Severity
    message: str
    rule: str  # the node shape, e.g. gw:TargetShape
    focus: str  # IRI of the node the result is about
    path: str | None = None  # task path, e.g. 2.23
    where: str | None = None  # what to call the focus when it is not a task: notice 新密政办〔2021〕6号
    line: int | None = None  # line of the task / item in the source text

    def render(self) -> str:
        place = f"task {self.path}" if self.path else (self.where or self.focus)
        return f"{place}: {self.message} [{self.rule}]"

    def problem(self) -> Problem:
        return Problem(
            self.severity, self.message, line=self.line, rule=self.rule, focus=self.path or self.focus
        )


@dataclass
class ValidationReport:
    violations: list[ValidationItem] = field(default_factory=list)
    warnings: list[ValidationItem] = field(default_factory=list)  # sh:Warning and sh:Info

    @property
    def conforms(self) -> bool:
        return not self.violations

    def render(self) -> list[str]:
        """One line per item, violations first; warnings and infos are marked as such."""
        lines = [v.render() for v in self.violations]
        lines += [f"{w.severity}: {w.render()}" for w in self.warnings]
        return lines


def validate(data: Graph, registry: Registry, shapes_dir: Path = paths.SHAPES_DIR) -> ValidationReport:
    """Validate a document graph (from kg.graph.build_graph) with the registry as context."""
    shapes = load_shapes(shapes_dir)
    # pyshacl runs on an in-memory Oxigraph store: SPARQL constraints are parsed and evaluated in
    # Rust, several times faster than rdflib for the same shapes.
    union = ox.Store()
    union.bulk_load(registry.ntriples(), ox.RdfFormat.N_TRIPLES)
    union.bulk_load(data.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES)
    _, results, _ = pyshacl.validate(
        union,
        shacl_graph=shapes,
        inference="none",
        advanced=True,
        allow_infos=True,
        allow_warnings=True,
        inplace=True,  # the store is ours: no copy
    )
    return _report(results, data, shapes)


@lru_cache(maxsize=4)
def load_shapes(shapes_dir: Path = paths.SHAPES_DIR) -> Graph:
    """All shapes/*.ttl in one graph (parsed once per process)."""
    g = Graph()
    for path in sorted(Path(shapes_dir).glob("*.ttl")):
        try:
            g.parse(path, format="turtle")
        except Exception as exc:
            line = getattr(exc, "lines", None)
            raise KgError(
                f"shapes file is not valid Turtle: {getattr(exc, '_why', None) or exc}",
                code="shapes",
                file=str(path),
                line=line + 1 if isinstance(line, int) else None,
                status=500,
            ) from None
    if not len(g):
        raise KgError(
            f"no SHACL shapes (*.ttl) in {shapes_dir}", code="shapes", file=str(shapes_dir), status=500
        )
    return g


def _report(results: Graph, data: Graph, shapes: Graph) -> ValidationReport:
    where = _Locator(data)
    names = _ShapeNames(shapes)
    items = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        value = results.value(result, SH.value)
        path, line, label = where(focus, value)
        items.append(
            ValidationItem(
                severity=_SEVERITY.get(results.value(result, SH.resultSeverity), "violation"),
                message=str(results.value(result, SH.resultMessage) or "constraint not met"),
                rule=names(results.value(result, SH.sourceShape)),
                focus=str(focus),
                path=path,
                where=label,
                line=line,
            )
        )
    items.sort(key=lambda i: (_path_key(i.path), i.rule, i.message, i.focus))
    return ValidationReport(
        violations=[i for i in items if i.severity == "violation"],
        warnings=[i for i in items if i.severity != "violation"],
    )


def _path_key(path: str | None) -> tuple[int, ...]:
    return tuple(int(p) for p in path.split(".")) if path else ()


class _Locator:
    """Task path, source line and a readable name for a node of the document graph."""

    def __init__(self, data: Graph) -> None:
        self.data = data
        self.task_of: dict[Node, Node] = {t: t for t in data.subjects(RDF.type, GW.Task)}
        for p in _OWNERS:
            for task, item in data.subject_objects(p):
                self.task_of.setdefault(item, task)
        # source pointers belong to the item they describe
        for item, src in data.subject_objects(GW.source):
            if item in self.task_of:
                self.task_of.setdefault(src, self.task_of[item])

    def __call__(self, focus: Node | None, value: Node | None) -> tuple[str | None, int | None, str | None]:
        for node in (focus, value):
            task = self.task_of.get(node)
            if task is not None:
                path = self.data.value(task, GW.path)
                return (str(path) if path is not None else None), self._line(node), None
        return None, self._line(focus), self._name(focus)

    def _line(self, node: Node | None) -> int | None:
        src = self.data.value(node, GW.source) if node is not None else None
        line = self.data.value(src, GW.line) if src is not None else None
        return int(line) if line is not None else None

    def _name(self, node: Node | None) -> str | None:
        if node is None:
            return None
        d = self.data
        if (node, RDF.type, GW.Notice) in d:
            doc_id = d.value(node, ELI.id_local)
            return f"notice {doc_id}" if doc_id is not None else f"notice {node}"
        if (node, RDF.type, GW.Section) in d:
            return f"section {d.value(node, GW.number)}"
        if (node, RDF.type, GW.ReportingRequirement) in d:
            owner = d.value(predicate=GW.reporting, object=node)
            return f"reporting of {self._name(owner) or owner}"
        if (node, ELI.id_local, None) in d:
            return f"document {d.value(node, ELI.id_local)}"
        return None


class _ShapeNames:
    """Prefixed name of the node shape a result came from (property shapes -> their node shape)."""

    def __init__(self, shapes: Graph) -> None:
        self.parent: dict[Node, Node] = {}
        for p in (SH.property, SH.sparql):
            for parent, child in shapes.subject_objects(p):
                self.parent[child] = parent
        self.ns = Graph().namespace_manager
        for prefix, ns in PREFIXES.items():
            self.ns.bind(prefix, ns, override=True)

    def __call__(self, shape: Node | None) -> str:
        while shape in self.parent:
            shape = self.parent[shape]
        if isinstance(shape, URIRef):
            return self.ns.normalizeUri(shape)
        return "shape"
