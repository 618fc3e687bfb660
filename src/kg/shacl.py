"""SHACL shapes compiled to SPARQL: each constraint finds all of its violations in one query.

pySHACL evaluates a constraint once per focus node, and on an Oxigraph-backed data graph it
counts the whole store again for every result it reports (`datagraph or sg` calls
`DataGraph.__len__`, a `COUNT(DISTINCT TRIPLE(...))`): a notice with 25 minted units spent
12 of 14 s in gw:MintedAgentShape although its query runs in 0.6 s. Here the targets of a shape
become a sub-select binding ?this and every constraint one SELECT joined to it, which Oxigraph
answers for all focus nodes at once. The results are pySHACL's (tests/test_validate.py runs both
engines on the seed and on one broken graph per rule).

Supported, i.e. what shapes/*.ttl use: targets (sh:targetClass with rdfs:subClassOf*,
sh:targetNode, sh:targetSubjectsOf, sh:targetObjectsOf, sh:target of type sh:SPARQLTarget);
property paths (predicate, sequence, inverse, alternative, *, +, ?); sh:minCount, sh:maxCount,
sh:datatype, sh:nodeKind, sh:pattern (+ sh:flags), sh:in, sh:min/maxInclusive,
sh:min/maxExclusive, sh:lessThanOrEquals, sh:or of shapes made of those; SPARQL-based
constraints on node shapes; sh:severity, sh:message, sh:deactivated. Every result must have
exactly one sh:message (pySHACL's generated messages are not reproduced). Anything else raises
`Unsupported`, and kg.validate runs pySHACL instead.

A SPARQL constraint is joined to its targets by inserting the target sub-select at the head of
its outer WHERE group. That equals pre-binding $this wherever $this is used in the outer group
itself or in (NOT) EXISTS patterns within it (evaluated with the outer bindings); a $this inside
any other nested group (UNION branch, OPTIONAL, MINUS, sub-select, ...) would be evaluated before
the join, so such queries are `Unsupported`, as are pre-bound variables other than $this.

Known divergence: ill-typed literals are detected with XSD casts (Oxigraph) where pySHACL asks
rdflib, which also accepts a few non-canonical forms ("1E5" as xsd:decimal, " 5" as xsd:integer,
a date as xsd:dateTime); kg never writes those.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from typing import Literal as Kind

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD
from rdflib.term import Node

# Datatypes whose lexical form pySHACL checks (through rdflib); the same check here is an XSD cast.
_CHECKED_TYPES = {
    XSD.integer,
    XSD.decimal,
    XSD.float,
    XSD.double,
    XSD.boolean,
    XSD.date,
    XSD.dateTime,
    XSD.time,
}
_NODE_KINDS = {
    SH.IRI: "isIRI({v})",
    SH.BlankNode: "isBlank({v})",
    SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "!isLiteral({v})",
    SH.BlankNodeOrLiteral: "!isIRI({v})",
    SH.IRIOrLiteral: "!isBlank({v})",
}
_COMPARE = {SH.minInclusive: ">=", SH.maxInclusive: "<=", SH.minExclusive: ">", SH.maxExclusive: "<"}
_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
# Constraints that test each value node on its own (they become one boolean column each).
_VALUE_PARAMS = (SH.datatype, SH.nodeKind, SH.pattern, SH["in"], *_COMPARE, SH["or"])
_ANNOTATIONS = {SH.name, SH.description, SH.order, SH.group, SH.defaultValue, SH.flags, SH.message}
_NODE_PARAMS = {RDF.type, SH.property, SH.sparql, SH.severity, SH.deactivated, *_TARGETS, *_VALUE_PARAMS}
_PROPERTY_PARAMS = _NODE_PARAMS | {SH.path, SH.minCount, SH.maxCount, SH.lessThanOrEquals}
_SPARQL_PARAMS = {RDF.type, SH.select, SH.prefixes, SH.message, SH.deactivated}
_PRE_BOUND = re.compile(r"\$(?!this\b)[A-Za-z_]\w*")
_FORBIDDEN = re.compile(r"\b(MINUS|VALUES|SERVICE)\b", re.IGNORECASE)
# What the scanner of a query skips: comments, strings, IRIs (no blanks inside, unlike `?a < ?b`).
_SKIP = re.compile(
    r"""\#[^\n]*
      | \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"  | '''(?:[^'\\]|\\.|'(?!''))*'''
      | "(?:[^"\\\n]|\\.)*"                  | '(?:[^'\\\n]|\\.)*'
      | <[^<>"{}|^`\\\s]*>""",
    re.VERBOSE,
)
_TOKEN = re.compile(r"[{}]|\$this\b|\?this\b|[A-Za-z_]\w*|\S")
_SPACE = re.compile(r"\s+")
_PLACEHOLDER = re.compile(r"\{[?$]([A-Za-z_]\w*)\}")
_ERROR = "<urn:kg:shacl:error>"  # a non-literal to tell a failed cast from a successful one


class Unsupported(Exception):
    """The shapes use SHACL that this compiler does not translate (kg.validate then runs pySHACL)."""


@dataclass(frozen=True)
class Result:
    """One validation result, as pySHACL would report it."""

    shape: Node  # sh:sourceShape (a property shape, or the node shape of a SPARQL constraint)
    severity: Node  # sh:Violation, sh:Warning, sh:Info
    message: str
    focus: ox.NamedNode | ox.BlankNode | ox.Literal
    value: ox.NamedNode | ox.BlankNode | ox.Literal | None


@dataclass(frozen=True)
class Check:
    """One SELECT: `focus` rows are (?this), `counts` rows (?this ?n) with the number of values
    outside `bounds` (sh:minCount and sh:maxCount of one property in one query), `values` rows
    (?this ?value ?ok0 ?ok1 ...) with one flag per constraint component, `sparql` rows those of a
    SHACL-SPARQL constraint."""

    kind: Kind["focus", "counts", "values", "sparql"]
    query: str
    shape: Node
    severity: Node
    message: str
    flags: int = 0
    bounds: tuple[int, int] = (0, 0)  # counts: (sh:minCount, sh:maxCount)


@dataclass
class Program:
    """The compiled shapes graph: run it on a store, get pySHACL's results."""

    checks: list[Check] = field(default_factory=list)

    def run(self, store: ox.Store, default_graph: list[ox.NamedNode] | None = None) -> list[Result]:
        out: list[Result] = []
        for check in self.checks:
            rows = store.query(check.query, default_graph=default_graph)
            out += _results(check, rows)  # type: ignore[arg-type]
        return out


def compile_shapes(sg: Graph) -> Program:
    """Every shape with a target, as checks; raises Unsupported for SHACL this module lacks."""
    program = Program()
    shapes = {s for p in _TARGETS for s in sg.subjects(p, None)}
    shapes |= {s for s in sg.subjects(RDF.type, SH.NodeShape) if (s, RDF.type, RDFS.Class) in sg}
    shapes |= {s for s in sg.subjects(RDF.type, SH.NodeShape) if (s, RDF.type, OWL.Class) in sg}
    for shape in sorted(shapes, key=str):
        program.checks += _Compiler(sg, shape).checks()
    return program


# ---------------------------------------------------------------------------------------- compiling


class _Compiler:
    def __init__(self, sg: Graph, shape: Node) -> None:
        self.sg = sg
        self.shape = shape
        self.prefixes: dict[str, str] = {}

    def checks(self) -> list[Check]:
        sg, shape = self.sg, self.shape
        if _deactivated(sg, shape):
            return []
        property_shape = (shape, SH.path, None) in sg
        _only(sg, shape, _PROPERTY_PARAMS if property_shape else _NODE_PARAMS)
        target = self._targets()
        out = self._constraints(shape, target, property_shape)
        for ps in sorted(sg.objects(shape, SH.property), key=str):
            if not _deactivated(sg, ps):
                _only(sg, ps, _PROPERTY_PARAMS - set(_TARGETS) - {SH.property, SH.sparql})
                out += self._constraints(ps, target, True)
        for c in sorted(sg.objects(shape, SH.sparql), key=str):
            if not _deactivated(sg, c):
                out.append(self._sparql(c, target))
        return out

    # -- targets ------------------------------------------------------------------------------
    def _targets(self) -> str:
        """A group binding ?this to every focus node of the shape, once each."""
        sg, shape = self.sg, self.shape
        parts = []
        classes = list(sg.objects(shape, SH.targetClass))
        if (shape, RDF.type, RDFS.Class) in sg or (shape, RDF.type, OWL.Class) in sg:
            classes.append(shape)
        parts += [f"?this <{RDF.type}>/<{RDFS.subClassOf}>* {_term(c)} ." for c in classes]
        parts += [f"VALUES ?this {{ {_term(n)} }}" for n in sg.objects(shape, SH.targetNode)]
        parts += [f"?this {_term(p)} ?_o ." for p in sg.objects(shape, SH.targetSubjectsOf)]
        parts += [f"?_s {_term(p)} ?this ." for p in sg.objects(shape, SH.targetObjectsOf)]
        for t in sg.objects(shape, SH.target):
            select = sg.value(t, SH.select)
            if (t, RDF.type, SH.SPARQLTarget) not in sg or select is None:
                raise Unsupported(f"{shape}: only sh:SPARQLTarget targets are supported")
            if _PRE_BOUND.search(str(select)):
                raise Unsupported(f"{t}: a SPARQL target cannot use pre-bound variables")
            self._use_prefixes(t)
            parts.append("{ " + str(select).replace("$this", "?this") + " }")
        union = " UNION ".join("{ " + p + " }" for p in sorted(parts))
        return f"{{ SELECT DISTINCT ?this WHERE {{ {union} }} }}"

    # -- core constraints ---------------------------------------------------------------------
    def _constraints(self, shape: Node, target: str, property_shape: bool) -> list[Check]:
        """The checks of one shape's own core constraints (on its value nodes)."""
        sg = self.sg
        severity = sg.value(shape, SH.severity) or SH.Violation
        params = {p for p in _VALUE_PARAMS if (shape, p, None) in sg}
        counts = {p: _int(sg, shape, p) for p in (SH.minCount, SH.maxCount) if (shape, p, None) in sg}
        lte = sorted(sg.objects(shape, SH.lessThanOrEquals), key=str)
        if not (params or counts or lte):
            return []
        message = _message(sg, [shape])
        path = _path(sg, sg.value(shape, SH.path)) if property_shape else None
        values = f"?this {path} ?value ." if path else "BIND (?this AS ?value)"
        head = self._prefix_text()
        out = []
        low, high = counts.get(SH.minCount), counts.get(SH.maxCount)
        if low and high is not None and path:
            # both bounds in one query: the focus nodes and their values are read once, not twice
            # (a third less time for the pair on a notice's source pointers)
            query = (
                f"SELECT ?this (COUNT(DISTINCT ?_v) AS ?n) WHERE {{ {target} OPTIONAL {{ ?this {path} ?_v }} }} "
                f"GROUP BY ?this HAVING (COUNT(DISTINCT ?_v) < {low} || COUNT(DISTINCT ?_v) > {high})"
            )
            out.append(Check("counts", head + query, shape, severity, message, bounds=(low, high)))
            counts = {}
        if (n := counts.get(SH.minCount)) is not None and n > 0:
            if not path:
                raise Unsupported(f"{shape}: sh:minCount on a node shape")
            # OPTIONAL + !BOUND, not NOT EXISTS: Oxigraph plans a NOT EXISTS group without the
            # outer bindings, so a sequence path inside it scanned every value (80 ms vs 1 ms).
            query = (
                f"SELECT ?this WHERE {{ {target} OPTIONAL {{ ?this {path} ?_v }} FILTER (!BOUND(?_v)) }}"
                if n == 1
                else f"SELECT ?this WHERE {{ {target} OPTIONAL {{ ?this {path} ?_v }} }} "
                f"GROUP BY ?this HAVING (COUNT(DISTINCT ?_v) < {n})"
            )
            out.append(Check("focus", head + query, shape, severity, message))
        if (n := counts.get(SH.maxCount)) is not None:
            if not path:
                raise Unsupported(f"{shape}: sh:maxCount on a node shape")
            query = f"SELECT ?this WHERE {{ {target} ?this {path} ?_v }} GROUP BY ?this HAVING (COUNT(DISTINCT ?_v) > {n})"
            out.append(Check("focus", head + query, shape, severity, message))
        if params:
            exprs = [_value_expr(sg, shape, p, "?value") for p in _VALUE_PARAMS if p in params]
            binds = " ".join(f"BIND (COALESCE({e}, false) AS ?ok{k})" for k, e in enumerate(exprs))
            failing = " || ".join(f"!?ok{k}" for k in range(len(exprs)))
            flags = " ".join(f"?ok{k}" for k in range(len(exprs)))
            query = f"SELECT DISTINCT ?this ?value {flags} WHERE {{ {target} {values} {binds} FILTER ({failing}) }}"
            out.append(Check("values", head + query, shape, severity, message, len(exprs)))
        for other in lte:
            if not path or not isinstance(other, URIRef):
                raise Unsupported(f"{shape}: sh:lessThanOrEquals needs a property shape and an IRI")
            # one result per pair of values that do not compare as <= (pySHACL's multiplicity)
            query = (
                f"SELECT DISTINCT ?this ?value ?_w WHERE {{ {target} {values} ?this <{other}> ?_w . "
                f"FILTER (!COALESCE(?value <= ?_w, false)) }}"
            )
            out.append(Check("values", head + query, shape, severity, message))
        return out

    # -- SPARQL-based constraints ---------------------------------------------------------------
    def _sparql(self, c: Node, target: str) -> Check:
        sg, shape = self.sg, self.shape
        _only(sg, c, _SPARQL_PARAMS)
        select = sg.value(c, SH.select)
        if select is None:
            raise Unsupported(f"{c}: only sh:select constraints are supported")
        text = str(select)
        if _FORBIDDEN.search(text):  # SHACL 5.3.1; pySHACL refuses them too
            raise Unsupported(f"{c}: a SPARQL constraint must not use MINUS, VALUES or SERVICE")
        query = None if _PRE_BOUND.search(text) else _join_targets(text, target)
        if query is None:
            raise Unsupported(f"{c}: the query cannot be joined to its focus nodes (see kg.shacl)")
        if re.search(r"\?failure\b", text):
            raise Unsupported(f"{c}: ?failure is not supported")
        self._use_prefixes(c)
        severity = sg.value(shape, SH.severity) or SH.Violation
        return Check("sparql", self._prefix_text() + query, shape, severity, _message(sg, [c, shape]))

    # -- prefixes -------------------------------------------------------------------------------
    def _use_prefixes(self, node: Node) -> None:
        """Add the sh:declare'd prefixes of `node`'s sh:prefixes (pySHACL's rule: those of the
        named ontology, else every ontology's)."""
        sg = self.sg
        for onto in sg.objects(node, SH.prefixes):
            declares = set(sg.objects(onto, SH.declare))
            if not declares:
                declares = {d for o in sg.subjects(RDF.type, OWL.Ontology) for d in sg.objects(o, SH.declare)}
            for d in declares:
                prefix, ns = sg.value(d, SH.prefix), sg.value(d, SH.namespace)
                if prefix is None or ns is None:
                    raise Unsupported(f"{onto}: sh:declare without sh:prefix or sh:namespace")
                if self.prefixes.setdefault(str(prefix), str(ns)) != str(ns):
                    raise Unsupported(f"prefix {prefix} is declared twice with different namespaces")

    def _prefix_text(self) -> str:
        return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(self.prefixes.items()))


def _join_targets(text: str, target: str) -> str | None:
    """The query with `target` at the head of its outer WHERE group and $this as ?this; None
    unless the projection has ?this and $this is used only in the outer group or in (NOT) EXISTS
    patterns nested in it (there a join with the focus nodes equals pre-binding)."""
    out: list[str] = []
    groups: list[bool] = []  # per open group: does it see the outer ?this (outer or EXISTS)?
    opened = projected = False
    previous, pos = "", 0
    while pos < len(text):
        blank = _SKIP.match(text, pos) or _SPACE.match(text, pos)
        token = blank or _TOKEN.match(text, pos)
        assert token is not None  # _TOKEN matches any non-blank character
        pos, word = token.end(), token[0]
        if blank:
            out.append(word)
            continue
        if word == "{":
            if not opened:
                if not projected:
                    return None
                opened = True
                word = "{ " + target
            groups.append(not groups or previous.upper() == "EXISTS")
        elif word == "}":
            if not groups:
                return None
            groups.pop()
        elif word in ("$this", "?this", "*"):
            if not all(groups):
                return None
            projected = projected or not opened
            word = "?this" if word == "$this" else word
        out.append(word)
        previous = word
    return "".join(out) if opened and not groups else None


def _only(sg: Graph, node: Node, allowed: set[Node]) -> None:
    extra = {p for p in sg.predicates(node, None) if str(p).startswith(str(SH))} - allowed - _ANNOTATIONS
    if extra:
        raise Unsupported(f"{node}: {', '.join(sorted(str(p) for p in extra))} not supported")


def _deactivated(sg: Graph, node: Node) -> bool:
    return (node, SH.deactivated, Literal(True)) in sg


def _int(sg: Graph, node: Node, p: URIRef) -> int:
    values = list(sg.objects(node, p))
    if len(values) != 1 or not isinstance(values[0], Literal) or not isinstance(values[0].value, int):
        raise Unsupported(f"{node}: {p} must be one integer")
    return values[0].value


def _message(sg: Graph, nodes: list[Node]) -> str:
    """The one message of a result (pySHACL adds each node's sh:message, skipping repeats)."""
    messages: list[Literal] = []
    for node in nodes:
        messages += [m for m in sg.objects(node, SH.message) if m not in messages]
    if len(messages) != 1 or not isinstance(messages[0], Literal):
        raise Unsupported(f"{nodes[0]}: results need exactly one sh:message")
    return str(messages[0].value)


def _term(node: Node) -> str:
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        return node.n3()
    raise Unsupported(f"blank node {node} where a term is needed")


def _path(sg: Graph, node: Node | None) -> str:
    if isinstance(node, URIRef):
        return f"<{node}>"
    if node is None or isinstance(node, Literal):
        raise Unsupported(f"bad sh:path {node}")
    if (node, RDF.first, None) in sg:
        return "(" + "/".join(_path(sg, x) for x in Collection(sg, node)) + ")"
    if (inv := sg.value(node, SH.inversePath)) is not None:
        return f"^({_path(sg, inv)})"
    if (alt := sg.value(node, SH.alternativePath)) is not None:
        return "(" + "|".join(_path(sg, x) for x in Collection(sg, alt)) + ")"
    for p, op in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        if (inner := sg.value(node, p)) is not None:
            return f"({_path(sg, inner)}){op}"
    raise Unsupported(f"unsupported sh:path {node}")


def _string(text: str) -> str:
    """A SPARQL string literal."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def _one(sg: Graph, shape: Node, p: URIRef) -> Node:
    values = list(sg.objects(shape, p))
    if len(values) != 1:
        raise Unsupported(f"{shape}: {p} must have one value")
    return values[0]


def _value_expr(sg: Graph, shape: Node, p: URIRef, v: str) -> str:
    """A SPARQL expression, true when value node `v` meets the constraint `p` of `shape`."""
    value = _one(sg, shape, p)
    if p == SH.datatype:
        if value == RDFS.Literal:
            return f"isLiteral({v})"
        if value == RDF.langString:
            return f'(isLiteral({v}) && LANG({v}) != "")'
        expr = f"isLiteral({v}) && sameTerm(DATATYPE({v}), {_term(value)})"
        if value in _CHECKED_TYPES:  # well-formed: pySHACL rejects ill-typed literals
            expr += f" && isLiteral(COALESCE({_term(value)}(STR({v})), {_ERROR}))"
        return f"({expr})"
    if p == SH.nodeKind:
        if value not in _NODE_KINDS:
            raise Unsupported(f"{shape}: sh:nodeKind {value}")
        return _NODE_KINDS[value].format(v=v)
    if p == SH.pattern:
        flags = sg.value(shape, SH.flags)
        flag_text = f", {_string(str(flags))}" if flags is not None else ""
        return f"(!isBlank({v}) && REGEX(STR({v}), {_string(str(value))}{flag_text}))"
    if p == SH["in"]:
        members = [f"sameTerm({v}, {_term(x)})" for x in Collection(sg, value)]
        return "(" + (" || ".join(members) or "false") + ")"
    if p in _COMPARE:
        return f"({v} {_COMPARE[p]} {_term(value)})"
    if p == SH["or"]:
        return "(" + (" || ".join(_shape_expr(sg, alt, v) for alt in Collection(sg, value)) or "false") + ")"
    raise Unsupported(f"{shape}: {p}")  # pragma: no cover - _VALUE_PARAMS lists the cases above


def _shape_expr(sg: Graph, shape: Node, v: str) -> str:
    """A shape inside sh:or, as an expression on the value node (value constraints only)."""
    _only(sg, shape, {RDF.type, *_VALUE_PARAMS})
    exprs = [_value_expr(sg, shape, p, v) for p in _VALUE_PARAMS if (shape, p, None) in sg]
    return "(" + (" && ".join(exprs) or "true") + ")"


# ---------------------------------------------------------------------------------------- results


def _results(check: Check, rows: Iterable[ox.QuerySolution]) -> list[Result]:
    if check.kind == "focus":
        return [Result(check.shape, check.severity, check.message, row["this"], None) for row in rows]
    if check.kind == "counts":  # one result per bound broken, as pySHACL reports them
        low, high = check.bounds
        out = []
        for row in rows:
            n = int(row["n"].value)
            out += [Result(check.shape, check.severity, check.message, row["this"], None)] * ((n < low) + (n > high))
        return out
    if check.kind == "values":
        out = []
        for row in rows:
            failed = sum(1 for k in range(check.flags) if row[f"ok{k}"].value != "true") if check.flags else 1
            out += [Result(check.shape, check.severity, check.message, row["this"], row["value"])] * failed
        return out
    return _sparql_results(check, rows)


def _sparql_results(check: Check, rows: Iterable[ox.QuerySolution]) -> list[Result]:
    """pySHACL's reading of SPARQL constraint solutions: rows deduplicated, ?value defaulting to
    the focus node, {?var} / {$var} in the message replaced by the bound values."""
    out = []
    seen = set()
    names = None
    for row in rows:
        if names is None:
            names = [v.value for v in rows.variables]  # type: ignore[attr-defined]
        bound = {n: row[n] for n in names if row[n] is not None}
        path, value, this = bound.pop("path", None), bound.pop("value", None), bound.pop("this", None)
        if this is None:
            continue
        key = (this, path, value, frozenset(bound.items()))
        if key in seen:
            continue
        seen.add(key)
        value = value if value is not None else this
        fill = {**bound, "this": this, "value": value, **({"path": path} if path is not None else {})}
        out.append(Result(check.shape, check.severity, _fill(check.message, fill), this, value))
    return out


def _fill(template: str, values: dict[str, Any]) -> str:
    """{?var} and {$var} replaced by the value bound to var; unbound ones left as written."""
    return _PLACEHOLDER.sub(lambda m: values[m[1]].value if m[1] in values else m[0], template)
