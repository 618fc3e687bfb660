"""kg.validate: SHACL shapes (shapes/*.ttl) on document graphs, one negative test per rule."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import RDF, Graph, Literal, URIRef
from rdflib import namespace as ns
from rdflib.plugins.stores.memory import Memory
from test_graph import DOC, SEED, T6, T7, assert_unit_tasks_match_gold, make_notice, task_6

from kg import iris, shacl
from kg.graph import build_graph
from kg.iris import ELI, GW, OA
from kg.model import DocNumber
from kg.registry import Registry
from kg.validate import (
    ValidationItem,
    ValidationReport,
    compiled_shapes,
    ntriples,
    validate,
    validate_reference,
    validate_store,
)


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.load()


@pytest.fixture()
def graph(registry: Registry) -> Graph:
    return build_graph(make_notice(), registry)[1]


def only(report: ValidationReport, rule: str) -> ValidationItem:
    """The single violation of `rule`, failing with the whole report otherwise."""
    found = [v for v in report.violations if v.rule == rule]
    assert len(found) == 1, report.render()
    return found[0]


def test_small_notice_conforms(graph: Graph, registry: Registry) -> None:
    report = validate(graph, registry)
    assert report.conforms, report.render()
    assert report.violations == []
    # the one unknown unit (市大数据中心, task 1.7) is reported for curation, not refused
    assert report.render() == [
        "info: task 1.7: 市大数据中心 is not in the registry (minted unit, group or post) [gw:MintedAgentShape]"
    ]
    item = report.warnings[0]
    assert item.severity == "info" and item.path == "1.7" and item.line == 10
    assert item.problem().focus == "1.7" and item.problem().rule == "gw:MintedAgentShape"


def test_workspace_is_replaced_after_its_budget(
    graph: Graph, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Oxigraph's in-memory store keeps what removed graphs held: the validation workspace is
    replaced once enough data went through it, and reports stay the same across the swap."""
    import kg.validate as kv

    monkeypatch.setattr(kv, "WORKSPACE_BUDGET", 1)  # every validation after the first swaps
    first = validate(graph, registry)
    used = kv._local.workspace
    assert used.loaded > 1
    second = validate(graph, registry)
    assert kv._local.workspace is not used and kv._local.workspace.loaded == used.loaded
    assert first.render() == second.render() and second.conforms
    assert len(kv._local.workspace.store) == len(used.store)  # nothing but the registry is left


# ---------------------------------------------------------------------------- the notice


def test_notice_without_number(registry: Registry) -> None:
    _, g = build_graph(make_notice(number=None), registry)
    item = only(validate(g, registry), "gw:NoticeShape")
    assert item.message == "notice has no 文号 (eli:id_local)"
    assert item.render().startswith(
        "notice https://w3id.org/govwork/eli/cn/_/0123456789abcdef: notice has no 文号"
    )


def test_number_not_in_gbt9704_form(graph: Graph, registry: Registry) -> None:
    graph.set((DOC, ELI.id_local, Literal("新密政办[2021]06号")))
    item = only(validate(graph, registry), "gw:NoticeShape")
    assert (
        item.render()
        == "notice 新密政办[2021]06号: 文号 is not in GB/T 9704 form (代字〔年份〕序号号) [gw:NoticeShape]"
    )


def test_cited_number_not_in_gbt9704_form(graph: Graph, registry: Registry) -> None:
    parent = iris.document("郑政办", 2021, 15)
    graph.set((parent, ELI.id_local, Literal("郑政办〔2021〕015号")))
    item = only(validate(graph, registry), "gw:CitedDocumentShape")
    assert item.render().startswith("document 郑政办〔2021〕015号: cited 文号 is not in GB/T 9704 form")


def test_notice_without_date(registry: Registry) -> None:
    _, g = build_graph(make_notice(date_written=None), registry)
    assert (
        only(validate(g, registry), "gw:NoticeShape").message == "notice has no 成文日期 (eli:date_document)"
    )


def test_notice_with_invalid_date(registry: Registry) -> None:
    _, g = build_graph(make_notice(date_written="2021-02-30"), registry)
    item = only(validate(g, registry), "gw:NoticeShape")
    assert item.render() == "notice 新密政办〔2021〕6号: 成文日期 is not one valid xsd:date [gw:NoticeShape]"


def test_notice_without_tasks_is_a_warning(registry: Registry) -> None:
    _, g = build_graph(make_notice(tasks=[]), registry)
    report = validate(g, registry)
    assert report.conforms
    assert report.render() == ["warning: notice 新密政办〔2021〕6号: notice has no tasks [gw:NoticeShape]"]


def test_source_pointer_must_select_its_quote(graph: Graph, registry: Registry) -> None:
    position = URIRef(f"{iris.source(T6)}#position")
    graph.set((position, OA.start, Literal(int(graph.value(position, OA.start)) + 1)))
    item = only(validate(graph, registry), "gw:NoticeShape")
    assert item.path == "1.6"
    assert item.render().startswith(f"task 1.6: source pointer {iris.source(T6)} does not select its quote")


# ---------------------------------------------------------------------------- tasks


def test_task_without_number(graph: Graph, registry: Registry) -> None:
    graph.remove((T6, GW.number, None))
    item = only(validate(graph, registry), "gw:TaskShape")
    assert item.render() == "task 1.6: task has no number (gw:number), or more than one [gw:TaskShape]"


def test_task_without_text(graph: Graph, registry: Registry) -> None:
    graph.remove((T6, GW.text, None))
    item = only(validate(graph, registry), "gw:TaskShape")
    assert item.render().startswith("task 1.6: task has no text (gw:text)")


def test_task_without_assignment_is_a_warning(registry: Registry) -> None:
    bare = task_6()
    bare.assignments = []
    _, g = build_graph(make_notice(tasks=[bare]), registry)
    report = validate(g, registry)
    assert report.conforms, report.render()
    assert report.render() == [
        "warning: task 1.6: task has no assignment (no 牵头/责任单位 line read: truncated notice?) [gw:TaskShape]"
    ]


# ---------------------------------------------------------------------------- targets and deadlines


def target_notice(low: Decimal | None, high: Decimal | None, comparator: str = "range") -> Graph:
    t = task_6()
    t.targets[0].low, t.targets[0].high, t.targets[0].comparator = low, high, comparator
    return build_graph(make_notice(tasks=[t]), Registry.load())[1]


def test_target_without_bounds(registry: Registry) -> None:
    item = only(validate(target_notice(None, None), registry), "gw:TargetShape")
    assert item.render() == "task 1.6: target has neither low nor high bound [gw:TargetShape]"
    assert item.focus == str(iris.child(T6, "target", 1))
    assert item.line == 5


def test_target_with_one_bound_conforms(registry: Registry) -> None:
    assert validate(target_notice(Decimal(97), None, "gteq"), registry).conforms
    assert validate(target_notice(None, Decimal("4.5"), "lteq"), registry).conforms


def test_target_low_above_high(registry: Registry) -> None:
    item = only(validate(target_notice(Decimal(5), Decimal(3)), registry), "gw:TargetShape")
    assert item.render() == "task 1.6: target low bound is greater than its high bound [gw:TargetShape]"


def test_target_with_unknown_comparator(registry: Registry) -> None:
    item = only(validate(target_notice(Decimal(5), Decimal(5), "about"), registry), "gw:TargetShape")
    assert item.message.startswith("target comparator is not one of")


def test_deadline_with_invalid_date(graph: Graph, registry: Registry) -> None:
    deadline = iris.child(T7, "deadline", 1)
    graph.set((deadline, ns.TIME.inXSDDate, Literal("2021-13-01", datatype=ns.XSD.date)))
    item = only(validate(graph, registry), "gw:DeadlineShape")
    assert item.render() == "task 1.7: deadline has no valid date (time:inXSDDate) [gw:DeadlineShape]"


# ---------------------------------------------------------------------------- assignments and expansion


def test_assignment_without_agent(graph: Graph, registry: Registry) -> None:
    graph.remove((iris.assignment(T6, "lead", "林业局"), GW.agent, None))
    item = only(validate(graph, registry), "gw:AssignmentShape")
    assert (
        item.render() == "task 1.6: assignment has no agent (gw:agent), or more than one [gw:AssignmentShape]"
    )


def test_assignment_without_role(graph: Graph, registry: Registry) -> None:
    graph.remove((iris.assignment(T6, "lead", "林业局"), GW.role, None))
    item = only(validate(graph, registry), "gw:AssignmentShape")
    assert item.render().startswith("task 1.6: assignment has no role")


def test_assignment_without_its_label_as_written(graph: Graph, registry: Registry) -> None:
    graph.remove((iris.assignment(T6, "lead", "林业局"), GW.asWritten, None))
    item = only(validate(graph, registry), "gw:AssignmentShape")
    assert item.render() == (
        "task 1.6: assignment has no gw:asWritten (its agent as printed), or more than one [gw:AssignmentShape]"
    )


def test_expanded_copy_with_a_label_as_written(graph: Graph, registry: Registry) -> None:
    copy = URIRef(f"{iris.assignment(T6, 'responsible', '各乡镇政府')}/member/城关镇政府")
    assert (copy, GW.expandedFrom, None) in graph and (copy, GW.asWritten, None) not in graph
    graph.add((copy, GW.asWritten, Literal("城关镇政府", lang="zh")))
    item = only(validate(graph, registry), "gw:ExpandedCopyLabelShape")
    assert item.path == "1.6" and "carries gw:asWritten" in item.message


def test_expansion_of_an_excluded_unit(graph: Graph, registry: Registry) -> None:
    written = iris.assignment(T6, "responsible", "各街道办事处")
    extra = URIRef(f"{written}/member/青屏街办事处")
    graph.add((T6, GW.hasAssignment, extra))
    graph.add((extra, RDF.type, GW.Assignment))
    graph.add((extra, RDF.type, GW.ExpandedAssignment))
    graph.add((extra, GW.agent, iris.unit("新密市", "青屏街办事处")))
    graph.add((extra, GW.role, GW.responsible))
    graph.add((extra, GW.expandedFrom, written))
    item = only(validate(graph, registry), "gw:ExclusionShape")
    assert item.render() == (
        "task 1.6: expanded assignment of 青屏街办事处, which the notice excludes from 各街道办事处 [gw:ExclusionShape]"
    )


def test_missing_expansion_of_a_member(graph: Graph, registry: Registry) -> None:
    written = iris.assignment(T6, "responsible", "各乡镇政府")
    gone = URIRef(f"{written}/member/城关镇政府")
    graph.remove((gone, None, None))
    graph.remove((None, None, gone))
    item = only(validate(graph, registry), "gw:ExpansionShape")
    assert (
        item.render()
        == "task 1.6: member 城关镇政府 of 各乡镇政府 has no expanded assignment [gw:ExpansionShape]"
    )


def test_expanded_copy_with_another_role(graph: Graph, registry: Registry) -> None:
    copy = URIRef(f"{iris.assignment(T6, 'responsible', '各乡镇政府')}/member/城关镇政府")
    graph.set((copy, GW.role, GW.lead))
    report = validate(graph, registry)
    item = only(report, "gw:ExpandedCopyShape")
    assert item.path == "1.6" and "lacks its role" in item.message


def test_open_group_needs_no_expansion(graph: Graph, registry: Registry) -> None:
    assert not list(graph.subjects(GW.expandedFrom, iris.assignment(T7, "responsible", "各有关单位")))
    assert validate(graph, registry).conforms


# ---------------------------------------------------------------------------- the seed notice


@pytest.mark.skipif(
    importlib.util.find_spec("kg.parse") is None, reason="kg.parse (the parser) is not in the tree yet"
)
def test_seed_notice_builds_and_conforms(registry: Registry) -> None:
    from kg.parse import parse_file

    doc, g = build_graph(parse_file(SEED), registry)
    assert doc == iris.document("新密政办", 2021, 6)
    report = validate(g, registry)
    assert report.conforms, report.render()
    assert report.render() == []  # no warnings either: every unit is in the registry
    assert len(set(g.subjects(RDF.type, GW.Task))) == 52
    assert_unit_tasks_match_gold(g, registry)


# ---------------------------------------------------------------------------- the compiled engine
# kg.validate runs the shapes compiled to SPARQL (kg.shacl); pySHACL is the reference. Both must
# report the same items on the seed and on graphs that break every kind of constraint the shapes use.

XSD = ns.Namespace(str(ns.XSD))  # a plain Namespace: pytest probes module globals
ORG = URIRef("http://www.w3.org/ns/org#")
SKOSXL = ns.Namespace("http://www.w3.org/2008/05/skos-xl#")


def _assignment(g: Graph) -> URIRef:
    return iris.assignment(T6, "lead", "林业局")


def _change_event(g: Graph, time: Literal | None) -> None:
    event = URIRef("https://w3id.org/govwork/id/event/test/1")
    g.add((event, RDF.type, URIRef(f"{ORG}ChangeEvent")))
    g.add((event, URIRef(f"{ORG}resultingOrganization"), iris.unit("新密市", "林业局")))
    if time is not None:
        g.add((event, ns.PROV.atTime, time))


def _dated_name(g: Graph) -> None:
    label = URIRef("https://w3id.org/govwork/id/org/新密市/林业局/name/test")
    g.add((label, RDF.type, SKOSXL.Label))
    g.add((label, SKOSXL.literalForm, Literal("林业局", lang="zh")))
    g.add((label, SKOSXL.literalForm, Literal("新密市林业局", lang="zh")))
    g.add((label, GW.usedFrom, Literal("2021", datatype=XSD.gYear)))
    g.add((label, GW.usedUntil, Literal("2019", datatype=XSD.gYear)))


def _task_link(g: Graph) -> None:
    link = URIRef(f"{T6}/link/test")
    g.add((link, RDF.type, GW.TaskLink))
    g.add((link, RDF.subject, T6))
    g.add((link, RDF.object, T6))
    g.add((link, RDF.predicate, GW.implementsTask))
    g.add((link, GW.score, Literal("1.5", datatype=XSD.decimal)))
    g.add((link, GW.method, Literal("test", lang="en")))
    target = iris.child(T6, "target", 1)
    g.add((target, GW.restatesTarget, iris.child(T7, "target", 1)))
    g.add((target, GW.restatesTarget, Literal("t")))


def _expanded(g: Graph, group: str, unit: str) -> None:
    written = iris.assignment(T6, "responsible", group)
    extra = URIRef(f"{written}/member/{unit}")
    g.add((T6, GW.hasAssignment, extra))
    g.add((extra, RDF.type, GW.Assignment))
    g.add((extra, GW.agent, iris.unit("新密市", unit)))
    g.add((extra, GW.role, GW.responsible))
    g.add((extra, GW.expandedFrom, written))


BROKEN: dict[str, Callable[[Graph], object]] = {
    "number form": lambda g: g.set((DOC, ELI.id_local, Literal("新密政办[2021]06号"))),
    "two numbers": lambda g: g.add((DOC, ELI.id_local, Literal("新密政办〔2021〕7号"))),
    "cited number": lambda g: g.set(
        (iris.document("郑政办", 2021, 15), ELI.id_local, Literal("郑政办〔2021〕015号"))
    ),
    "no date": lambda g: g.remove((DOC, ELI.date_document, None)),
    "bad date": lambda g: g.set((DOC, ELI.date_document, Literal("2021-02-30", datatype=XSD.date))),
    "date as string": lambda g: g.set((DOC, ELI.date_publication, Literal("2021-03-30"))),
    "no text, two texts": lambda g: g.add((DOC, GW.sourceText, Literal("again"))),
    "no tasks": lambda g: g.remove((None, GW.notice, DOC)),
    "pointer off by one": lambda g: g.set(
        (URIRef(f"{iris.source(T6)}#position"), OA.start, Literal(1, datatype=XSD.integer))
    ),
    "pointer without selectors": lambda g: g.remove((iris.source(T7), OA.hasSelector, None)),
    "pointer start as string": lambda g: g.set(
        (URIRef(f"{iris.source(T7)}#position"), OA.start, Literal("3"))
    ),
    "task without number": lambda g: g.remove((T6, GW.number, None)),
    "ill-typed number": lambda g: g.set((T6, GW.number, Literal("6.0", datatype=XSD.integer))),
    "task with two texts": lambda g: g.add((T6, GW.text, Literal("又一个", lang="zh"))),
    "bad path": lambda g: g.set((T7, GW.path, Literal("1-7"))),
    "no assignments": lambda g: g.remove((T7, GW.hasAssignment, None)),
    "agent is a literal": lambda g: g.set((_assignment(g), GW.agent, Literal("林业局"))),
    "unknown role": lambda g: g.set((_assignment(g), GW.role, GW.other)),
    "two roles": lambda g: g.add((_assignment(g), GW.role, GW.responsible)),
    "no label as written": lambda g: g.remove((_assignment(g), GW.asWritten, None)),
    "copy with a label as written": lambda g: g.add(
        (URIRef(f"{iris.assignment(T6, 'responsible', '各乡镇政府')}/member/城关镇政府"), GW.asWritten, Literal("x"))
    ),
    "no bounds": lambda g: (
        g.remove((iris.child(T6, "target", 1), GW.low, None)),
        g.remove((iris.child(T6, "target", 1), GW.high, None)),
    ),
    "low above high": lambda g: g.set(
        (iris.child(T6, "target", 1), GW.low, Literal("9999", datatype=XSD.decimal))
    ),
    "bound as string": lambda g: g.set((iris.child(T6, "target", 2), GW.high, Literal("1万"))),
    "unknown comparator": lambda g: g.set((iris.child(T6, "target", 1), GW.comparator, Literal("about"))),
    "deadline date": lambda g: g.set(
        (iris.child(T7, "deadline", 1), ns.TIME.inXSDDate, Literal("2021-13-01", datatype=XSD.date))
    ),
    "deadline granularity": lambda g: g.set((iris.child(T7, "deadline", 1), GW.granularity, Literal("week"))),
    "reporting without date": lambda g: g.remove((None, GW.due, None)),
    "excluded unit expanded": lambda g: _expanded(g, "各街道办事处", "青屏街办事处"),
    "member not expanded": lambda g: g.remove(
        (URIRef(f"{iris.assignment(T6, 'responsible', '各乡镇政府')}/member/城关镇政府"), None, None)
    ),
    "copy in another role": lambda g: g.set(
        (URIRef(f"{iris.assignment(T6, 'responsible', '各乡镇政府')}/member/城关镇政府"), GW.role, GW.lead)
    ),
    "change event": lambda g: _change_event(g, Literal("2019-13", datatype=XSD.gYearMonth)),
    "change event without time": lambda g: _change_event(g, None),
    "dated name": _dated_name,
    "task link": _task_link,
}


def assert_same_as_pyshacl(g: Graph, registry: Registry) -> ValidationReport:
    fast, reference = validate(g, registry), validate_reference(g, registry)
    key = lambda i: (i.severity, i.render(), i.focus, i.line)  # noqa: E731
    assert sorted(fast.violations, key=key) == sorted(reference.violations, key=key)
    assert sorted(fast.warnings, key=key) == sorted(reference.warnings, key=key)
    return fast


def test_every_shape_compiles() -> None:
    program = compiled_shapes()  # raises kg.shacl.Unsupported otherwise: kg.validate would run pySHACL
    kinds = {c.kind for c in program.checks}
    assert kinds == {"focus", "counts", "values", "sparql"} and len(program.checks) > 50


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_compiled_shapes_report_what_pyshacl_reports(name: str, graph: Graph, registry: Registry) -> None:
    BROKEN[name](graph)
    report = assert_same_as_pyshacl(graph, registry)
    assert report.render() != validate(build_graph(make_notice(), registry)[1], registry).render(), name


def test_all_broken_at_once_and_their_places(graph: Graph, registry: Registry) -> None:
    for breaks in BROKEN.values():
        breaks(graph)
    report = assert_same_as_pyshacl(graph, registry)
    rendered = report.render()
    assert "task 1.6: task has no number (gw:number), or more than one [gw:TaskShape]" in rendered
    assert (
        "notice 新密政办[2021]06号: 文号 is not in GB/T 9704 form (代字〔年份〕序号号) [gw:NoticeShape]"
        in rendered
    )
    assert any(
        r.startswith("reporting of section 1: reporting requirement has no valid due") for r in rendered
    )
    assert any(
        r.startswith("https://w3id.org/govwork/id/event/test/1: change event has no time") for r in rendered
    )
    assert len(report.violations) > 30


def test_seed_same_as_pyshacl(registry: Registry) -> None:
    from kg.parse import parse_file

    _, g = build_graph(parse_file(SEED), registry)
    assert assert_same_as_pyshacl(g, registry).render() == []
    g.remove((None, GW.hasDeadline, None))
    g.remove((None, GW.number, None))
    assert len(assert_same_as_pyshacl(g, registry).violations) == 52


def test_unsupported_shapes_fall_back_to_pyshacl(tmp_path: Path, graph: Graph, registry: Registry) -> None:
    (tmp_path / "class.ttl").write_text(
        """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix gw: <https://w3id.org/govwork/ns#> .
        gw:TaskClassShape a sh:NodeShape ; sh:targetClass gw:Task ;
            sh:property [ sh:path gw:section ; sh:class gw:Notice ; sh:message "section is not a notice" ] .""",
        encoding="utf-8",
    )
    with pytest.raises(shacl.Unsupported, match="class"):
        compiled_shapes(tmp_path)
    report = validate(graph, registry, tmp_path)
    assert sorted(report.render()) == [
        "task 1.6: section is not a notice [gw:TaskClassShape]",
        "task 1.7: section is not a notice [gw:TaskClassShape]",
    ]


@pytest.mark.parametrize(
    ("select", "ok"),
    [
        ("SELECT $this WHERE { $this <p> ?o FILTER NOT EXISTS { $this <q> ?x } }", True),
        ("SELECT $this ?v WHERE { FILTER (NOT EXISTS { $this <p> ?x } || EXISTS { $this <q> ?v }) }", True),
        ('SELECT $this WHERE { ?x <p> "{$this}" . FILTER (?a < ?b) } # }', True),
        ("SELECT $this WHERE { { ?a <p> $this } UNION { ?a <q> ?b } }", False),  # before the join
        ("SELECT $this WHERE { OPTIONAL { $this <p> ?x } }", False),
        ("SELECT ?x WHERE { ?x <p> $this }", False),  # $this not projected
    ],
)
def test_which_sparql_constraints_join_to_their_targets(select: str, ok: bool) -> None:
    joined = shacl._join_targets(select, "TARGETS")
    assert (joined is not None) == ok
    if ok:
        assert joined is not None and "{ TARGETS" in joined and "$this" not in joined.replace('"{$this}"', "")


def test_ntriples_is_rdflib_ntriples(graph: Graph) -> None:
    graph.add((T6, GW.note, Literal('a "quoted"\\ line\nand\r\tmore', lang="zh")))
    graph.add((T6, GW.note, Literal("5", datatype=XSD.integer)))
    expected = sorted(graph.serialize(format="nt", encoding="utf-8").decode().splitlines())
    assert sorted(ntriples(graph).decode().splitlines()) == expected  # kg.graph's store
    alone = Graph()  # rdflib's default store, holding one graph
    alone += graph
    assert sorted(ntriples(alone).decode().splitlines()) == expected
    store = Memory()  # one store, two graphs: only the graph's own triples
    first, other = Graph(store, identifier=URIRef("urn:first")), Graph(store, identifier=URIRef("urn:other"))
    first += graph
    other.add((T6, GW.note, Literal("elsewhere")))
    assert sorted(ntriples(first).decode().splitlines()) == expected
    assert ntriples(other).decode() == f'<{T6}> <{GW.note}> "elsewhere" .\n'


def test_validate_store_checks_each_document(registry: Registry) -> None:
    from kg.store import open_store
    from kg.store.oxigraph import graph_sha256

    store = open_store(":memory:")
    store.set_registry(registry.graph)
    doc, good = build_graph(make_notice(), registry)
    store.replace_document(str(doc), good, sha256=graph_sha256(good))
    bad_notice = make_notice(number=DocNumber("新密政办", 2021, 7), tasks=[task_6()])
    bad_doc, bad = build_graph(bad_notice, registry)
    bad.remove((None, GW.number, None))
    store.replace_document(str(bad_doc), bad, sha256=graph_sha256(bad))
    seen: list[str] = []
    report = validate_store(store, registry, on_document=lambda iri, r: seen.append(iri))
    assert seen == sorted([str(doc), str(bad_doc)]) == list(report.documents)
    assert report.documents[str(doc)] == validate(good, registry)
    assert report.documents[str(bad_doc)].render() == validate(bad, registry).render()
    assert not report.conforms and [v.render() for v in report.violations] == [
        "task 1.6: task has no number (gw:number), or more than one [gw:TaskShape]"
    ]


def test_store_validation_in_processes(tmp_path: Path, registry: Registry) -> None:
    """`kg validate` on a large store splits documents between processes: same reports, in order."""
    from kg import paths
    from kg.store import open_store
    from kg.store.oxigraph import graph_sha256
    from kg.validate import _in_processes, iter_store

    location = tmp_path / "store"
    with open_store(location) as store:
        store.set_registry(registry.graph)
        for seq in (6, 7, 8):
            doc, g = build_graph(make_notice(number=DocNumber("新密政办", 2021, seq)), registry)
            if seq == 7:
                g.remove((None, GW.text, None))
            store.replace_document(str(doc), g, sha256=graph_sha256(g))
    with open_store(location, read_only=True) as store:
        alone = list(iter_store(store, registry, jobs=1))
        docs = [iri for iri, _ in alone]
        assert list(_in_processes(str(location), docs, registry, Path(paths.SHAPES_DIR), 2)) == alone
    # without gw:text: 2 tasks and 3 targets
    assert [len(r.violations) for _, r in alone] == [0, 5, 0]
