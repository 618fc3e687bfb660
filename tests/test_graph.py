"""kg.graph.build_graph: document graphs from hand-made kg.model.Notice objects."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib import namespace as ns
from rdflib.compare import isomorphic

from kg import iris
from kg.graph import build_graph
from kg.iris import ELI, GW, OA, ODRL, QUDT, UNIT
from kg.model import (
    Assignment,
    Deadline,
    DocNumber,
    DocRef,
    Notice,
    ReportingDue,
    Section,
    Span,
    Target,
    Task,
    UnitMention,
)
from kg.registry import Registry

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "notices" / "xinmi-2021-6.txt"
GOLD = ROOT / "tests" / "fixtures" / "seed"

# A small notice in the genre's layout, with the seed's stray spaces.
TEXT = """新密市人民政府办公室 关于做好重点工作任务落实的通知
文号:新密政办〔2021〕6号
各乡镇人民政府,各街道办事处:
一、承担的2021年省政府工作报告重点工作任务
6. 新增国土绿化面积 5300 亩,完成森林抚育 1 万亩。
牵头单位:市 林业 局
责任单位:各乡镇政府、街道办事处 、 伏羲山管委会( 青屏街办事处、矿区办事 处除外 )
7. 新建 5000 平方米以上综合公园 1 个, 2021 年底前完成。
牵头单位:市 园林绿化处
责任单位:超化镇政府,各乡镇政府、各有关单位,市 大数据中心,各相关街道办事处
每季度末 25 日前报送市督查局绩效科。
"""

DOC = iris.document("新密政办", 2021, 6)
T6 = iris.task(DOC, (1, 6))
T7 = iris.task(DOC, (1, 7))


def span(needle: str, line: int | None = None, text: str = TEXT) -> Span:
    """The span of `needle` in `text` (on `line` when given)."""
    start = 0
    while True:
        start = text.index(needle, start)
        at = text.count("\n", 0, start) + 1
        if line is None or at == line:
            return Span(start, start + len(needle), at, needle)
        start += 1


def mention(
    label: str, needle: str, line: int, kind: str = "unit", excludes: list[str] | None = None
) -> UnitMention:
    return UnitMention(label, re.sub(r"\s", "", needle), kind, excludes or [], span(needle, line))  # type: ignore[arg-type]


def task_6() -> Task:
    excluded = ["青屏街办事处", "矿区办事处"]
    return Task(
        (1, 6),
        "新增国土绿化面积5300亩,完成森林抚育1万亩。",
        span("新增国土绿化面积 5300 亩,完成森林抚育 1 万亩。"),
        assignments=[
            Assignment("lead", mention("市林业局", "市 林业 局", 6), 0),
            Assignment("responsible", mention("各乡镇政府", "各乡镇政府", 7, "group", excluded), 1),
            Assignment("responsible", mention("各街道办事处", "街道办事处", 7, "group", excluded), 2),
            Assignment("responsible", mention("伏羲山管委会", "伏羲山管委会", 7), 3),
        ],
        targets=[
            Target(
                "新增国土绿化面积5300亩",
                "国土绿化面积",
                Decimal(5300),
                Decimal(5300),
                "亩",
                "5300",
                "亩",
                "eq",
                span=span("新增国土绿化面积 5300 亩"),
            ),
            Target(
                "完成森林抚育1万亩",
                "森林抚育",
                Decimal("1E+4"),
                Decimal("1E+4"),
                "亩",
                "1万",
                "万亩",
                "eq",
                span=span("完成森林抚育 1 万亩"),
            ),
        ],
    )


def task_7() -> Task:
    return Task(
        (1, 7),
        "新建5000平方米以上综合公园1个,2021年底前完成。",
        span("新建 5000 平方米以上综合公园 1 个, 2021 年底前完成。"),
        assignments=[
            Assignment("lead", mention("市园林绿化处", "市 园林绿化处", 9), 0),
            Assignment("responsible", mention("超化镇政府", "超化镇政府", 10), 1),
            Assignment("responsible", mention("各乡镇政府", "各乡镇政府", 10, "group"), 2),
            Assignment("responsible", mention("各有关单位", "各有关单位", 10, "group"), 3),
            Assignment("responsible", mention("市大数据中心", "市 大数据中心", 10), 4),
            Assignment("responsible", mention("各相关街道办事处", "各相关街道办事处", 10, "group"), 5),
        ],
        targets=[
            Target(
                "综合公园1个",
                "综合公园",
                Decimal(1),
                Decimal(1),
                "个",
                "1",
                "个",
                "eq",
                span=span("综合公园 1 个"),
            )
        ],
        deadlines=[Deadline("2021-12-31", "year", "2021年底前", span(" 2021 年底前", 8))],
    )


def make_notice(**changes: object) -> Notice:
    """The small notice above as the parser would read it; keyword arguments replace fields."""
    notice = Notice(
        number=DocNumber("新密政办", 2021, 6),
        title="新密市人民政府办公室关于做好重点工作任务落实的通知",
        issuer="新密市人民政府办公室",
        publisher="新密市人民政府",
        jurisdiction="新密市",
        date_written="2021-03-26",
        date_published="2021-03-30",
        index_number="005253533/2021-00070",
        genre="通知",
        addressees=["各乡镇人民政府", "各街道办事处"],
        implements=[
            DocRef(
                DocNumber("郑政办", 2021, 15),
                "郑州市人民政府办公厅关于做好2021年省政府工作报告重点工作任务落实的通知",
            )
        ],
        sections=[
            Section(
                1,
                "一",
                "承担的2021年省政府工作报告重点工作任务",
                span("一、承担的2021年省政府工作报告重点工作任务"),
                report="2021年河南省政府工作报告",
                report_place="河南省",
                based_on="郑政办〔2021〕15号",
            )
        ],
        tasks=[task_6(), task_7()],
        reporting=[ReportingDue(1, ["2021-03-25", "2021-06-25"], "市督查局绩效科", span("每季度末 25 日前"))],
        source_name="mini.txt",
        source_sha256="0123456789abcdef" * 4,
        text=TEXT,
    )
    for name, value in changes.items():
        setattr(notice, name, value)
    return notice


def gold_notice() -> Notice:
    """The seed notice as tests/fixtures/seed/gold.json reads it, spans on the task lines of the seed."""
    text = SEED.read_text("utf-8")
    gold = json.loads((GOLD / "gold.json").read_text("utf-8"))
    lines = list(re.finditer(r"(?m)^[ \t]*(\d[\d ]*)\s*[.．].*$", text))
    tasks = []
    for t, m in zip(gold["tasks"], lines, strict=False):
        sp = Span(m.start(), m.end(), text.count("\n", 0, m.start()) + 1, m.group(0))
        assigns = []
        for role in ("lead", "responsible"):
            for label in t[role]:
                kind = (
                    "group"
                    if label.startswith("各") or label.endswith("单位") or "各部门" in label
                    else "unit"
                )
                excludes = t["excluded"] if kind == "group" else []
                assigns.append(Assignment(role, UnitMention(label, label, kind, excludes, sp), len(assigns)))
        targets = [
            Target(
                t["text"],
                "指标",
                None if x["low"] is None else Decimal(x["low"]),
                None if x["high"] is None else Decimal(x["high"]),
                x["unit"],
                str(x["low"]),
                x["unit"],
                "eq" if x["low"] == x["high"] else "range",
                span=sp,
            )
            for x in t["targets"]
        ]
        deadlines = [Deadline(t["deadline"], "year", "年底前", sp)] if t["deadline"] else []
        tasks.append(Task((t["section"], t["number"]), t["text"], sp, assigns, targets, deadlines))
    n = gold["notice"]
    first = tasks[0].span
    return Notice(
        number=DocNumber("新密政办", 2021, 6),
        title=n["title"],
        issuer=n["issuer"],
        publisher=n["publisher"],
        date_written=n["date_written"],
        date_published=n["date_published"],
        index_number=n["index_number"],
        genre=n["genre"],
        addressees=n["addressees"],
        implements=[
            DocRef(DocNumber("郑政办", 2021, int(re.search(r"〕(\d+)号", x)[1])), None) for x in n["based_on"]
        ],
        sections=[
            Section(
                s["section"], "一二"[s["section"] - 1], s["title"], first, s["report"], None, s["based_on"]
            )
            for s in n["sections"]
        ],
        tasks=tasks,
        reporting=[ReportingDue(s["section"], s["report_by"], n["report_to"]) for s in n["sections"]],
        source_name=SEED.name,
        source_sha256="0" * 64,
        text=text,
    )


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.load()


@pytest.fixture(scope="module")
def built(registry: Registry) -> tuple[URIRef, Graph]:
    return build_graph(make_notice(), registry)


def unit(key: str) -> URIRef:
    return iris.unit("新密市", key)


def group(key: str) -> URIRef:
    return iris.group("新密市", key)


# ---------------------------------------------------------------------------- the notice


def test_document_node(built: tuple[URIRef, Graph]) -> None:
    doc, g = built
    assert doc == DOC == URIRef("https://w3id.org/govwork/eli/cn/新密政办/2021/6")
    assert {GW.Notice, ELI.LegalResource} <= set(g.objects(doc, RDF.type))
    assert g.value(doc, ELI.id_local) == Literal("新密政办〔2021〕6号")
    assert g.value(doc, GW.docCode) == Literal("新密政办")
    assert g.value(doc, GW.docYear) == Literal(2021)
    assert g.value(doc, ELI.number) == Literal("6")
    assert g.value(doc, ELI.title) == Literal("新密市人民政府办公室关于做好重点工作任务落实的通知", lang="zh")
    assert g.value(doc, ELI.passed_by) == unit("人民政府办公室")
    assert g.value(doc, ELI.responsibility_of_agent) == unit("人民政府")
    assert g.value(doc, GW.jurisdiction) == iris.place("新密市")
    assert g.value(doc, ELI.date_document) == Literal("2021-03-26", datatype=ns.XSD.date)
    assert g.value(doc, ELI.date_publication) == Literal("2021-03-30", datatype=ns.XSD.date)
    assert g.value(doc, GW.genre) == Literal("通知", lang="zh")
    assert set(g.objects(doc, GW.addressee)) == {group("各乡镇政府"), group("各街道办事处")}
    assert g.value(doc, GW.sourceText) == Literal(TEXT)
    assert g.value(doc, GW.sourceSha256) == Literal("0123456789abcdef" * 4)
    assert g.value(doc, GW.sourceName) == Literal("mini.txt")
    assert str(g.value(doc, GW.extractor)).startswith("kg ")


def test_implemented_notice_shares_its_own_iri(built: tuple[URIRef, Graph]) -> None:
    doc, g = built
    parent = iris.document("郑政办", 2021, 15)
    assert (doc, ELI.applies, parent) in g and (doc, ELI.cites, parent) in g
    assert g.value(parent, ELI.id_local) == Literal("郑政办〔2021〕15号")
    assert str(g.value(parent, ELI.title)).startswith("郑州市人民政府办公厅")
    assert set(g.objects(parent, RDF.type)) == {ELI.LegalResource}  # cited only: not a gw:Notice here


def test_section_report_and_reporting(built: tuple[URIRef, Graph]) -> None:
    doc, g = built
    sec = iris.section(doc, 1)
    assert (doc, ELI.has_part, sec) in g and (sec, ELI.is_part_of, doc) in g
    assert g.value(sec, GW.number) == Literal(1)
    assert g.value(sec, GW.printedNumber) == Literal("一")
    report = g.value(sec, GW.decomposes)
    assert report == iris.report("河南省", 2021)
    assert g.value(report, ELI.title) == Literal("2021年河南省政府工作报告", lang="zh")
    assert g.value(report, GW.jurisdiction) == iris.place("河南省")
    assert g.value(sec, GW.basedOn) == iris.document("郑政办", 2021, 15)
    rep = g.value(sec, GW.reporting)
    assert rep == URIRef(f"{sec}/reporting")
    assert set(g.objects(rep, GW.due)) == {
        Literal("2021-03-25", datatype=ns.XSD.date),
        Literal("2021-06-25", datatype=ns.XSD.date),
    }
    assert g.value(rep, GW.reportTo) == Literal("市督查局绩效科")
    assert g.value(g.value(rep, GW.source), GW.quote) == Literal("每季度末25日前")


# ---------------------------------------------------------------------------- tasks and assignments


def test_task_node(built: tuple[URIRef, Graph]) -> None:
    doc, g = built
    assert URIRef(f"{doc}/task/1/6") == T6
    assert (T6, RDF.type, GW.Task) in g
    assert g.value(T6, GW.notice) == doc
    assert g.value(T6, GW.section) == g.value(T6, ELI.is_part_of) == iris.section(doc, 1)
    assert g.value(T6, GW.number) == Literal(6)
    assert g.value(T6, GW.path) == Literal("1.6")
    assert g.value(T6, GW.text) == Literal("新增国土绿化面积5300亩,完成森林抚育1万亩。", lang="zh")


def test_group_assignment_with_exclusions_exact_triples(built: tuple[URIRef, Graph]) -> None:
    _, g = built
    a = iris.assignment(T6, "responsible", "各乡镇政府")
    assert a == URIRef(f"{T6}/assignment/responsible/各乡镇政府")
    src = iris.source(a)
    expected = {
        (T6, GW.hasAssignment, a),
        (a, RDF.type, GW.Assignment),
        (a, GW.agent, group("各乡镇政府")),
        (a, GW.role, GW.responsible),
        (a, GW.asWritten, Literal("各乡镇政府", lang="zh")),
        (a, GW.order, Literal(1)),
        (a, GW.excludes, unit("青屏街办事处")),
        (a, GW.excludes, unit("矿区办事处")),
        (a, GW.source, src),
    }
    assert {t for t in g.triples((a, None, None))} | {(T6, GW.hasAssignment, a)} == expected
    assert (T6, GW.hasAssignment, a) in g


def test_expansion_members_minus_exclusions(built: tuple[URIRef, Graph], registry: Registry) -> None:
    _, g = built
    towns = iris.assignment(T6, "responsible", "各乡镇政府")
    streets = iris.assignment(T6, "responsible", "各街道办事处")
    expanded = set(g.subjects(RDF.type, GW.ExpandedAssignment)) & set(g.objects(T6, GW.hasAssignment))
    # 13 乡镇 + 4 街道 = 17 members, minus 青屏街办事处 and 矿区办事处
    assert len(expanded) == 17 - 2
    agents = {registry.label(g.value(a, GW.agent)) for a in expanded}
    assert "青屏街办事处" not in agents and "矿区办事处" not in agents
    assert {"城关镇政府", "袁庄乡政府", "新华路办事处", "西大街办事处"} <= agents
    for a in expanded:
        source = g.value(a, GW.expandedFrom)
        assert source in {towns, streets}
        assert g.value(a, GW.role) == GW.responsible
        assert (g.value(source, GW.agent), GW.member, g.value(a, GW.agent)) in registry.graph
    member = URIRef(f"{towns}/member/城关镇政府")
    assert set(g.triples((member, None, None))) == {
        (member, RDF.type, GW.Assignment),
        (member, RDF.type, GW.ExpandedAssignment),
        (member, GW.agent, unit("城关镇政府")),
        (member, GW.expandedFrom, towns),
        (member, GW.role, GW.responsible),
        (member, GW.order, Literal(1)),
        (member, GW.source, iris.source(towns)),
    }
    written = set(g.objects(T6, GW.hasAssignment)) - expanded
    assert len(written) == 4
    assert not any(g.value(a, GW.expandedFrom) for a in written)


def test_source_selectors(built: tuple[URIRef, Graph]) -> None:
    doc, g = built
    a = iris.assignment(T6, "lead", "林业局")
    src = g.value(a, GW.source)
    assert src == URIRef(f"{a}/source")
    quote, position = URIRef(f"{src}#quote"), URIRef(f"{src}#position")
    s = span("市 林业 局", 6)
    assert set(g.triples((src, None, None))) == {
        (src, RDF.type, OA.SpecificResource),
        (src, OA.hasSource, doc),
        (src, OA.hasSelector, quote),
        (src, OA.hasSelector, position),
        (src, GW.line, Literal(6)),
        (src, GW.quote, Literal("市林业局")),
    }
    assert g.value(quote, RDF.type) == OA.TextQuoteSelector
    assert g.value(quote, OA.exact) == Literal("市 林业 局")
    assert g.value(position, RDF.type) == OA.TextPositionSelector
    assert (g.value(position, OA.start), g.value(position, OA.end)) == (Literal(s.start), Literal(s.end))
    assert TEXT[s.start : s.end] == "市 林业 局"


def test_every_item_has_a_source(built: tuple[URIRef, Graph]) -> None:
    _, g = built
    items = set(g.subjects(RDF.type, GW.Task)) | set(g.subjects(RDF.type, GW.Target))
    items |= set(g.subjects(RDF.type, GW.Deadline)) | set(g.subjects(RDF.type, GW.Assignment))
    items |= set(g.subjects(RDF.type, GW.ReportingRequirement))
    for item in items:
        src = g.value(item, GW.source)
        assert src is not None, item
        pos = URIRef(f"{src}#position")
        start, end = int(g.value(pos, OA.start)), int(g.value(pos, OA.end))
        assert TEXT[start:end] == str(g.value(URIRef(f"{src}#quote"), OA.exact))


def test_direct_and_via_group_are_both_kept(built: tuple[URIRef, Graph]) -> None:
    _, g = built
    chaohua = [a for a in g.objects(T7, GW.hasAssignment) if g.value(a, GW.agent) == unit("超化镇政府")]
    assert len(chaohua) == 2
    direct = [a for a in chaohua if g.value(a, GW.expandedFrom) is None]
    assert direct == [iris.assignment(T7, "responsible", "超化镇政府")]
    (via,) = set(chaohua) - set(direct)
    assert g.value(via, GW.expandedFrom) == iris.assignment(T7, "responsible", "各乡镇政府")


def test_open_group_is_not_expanded(built: tuple[URIRef, Graph]) -> None:
    _, g = built
    a = iris.assignment(T7, "responsible", "各有关单位")
    assert g.value(a, GW.agent) == group("各有关单位")
    assert not list(g.subjects(GW.expandedFrom, a))


def test_partial_group_expansion_is_marked(built: tuple[URIRef, Graph]) -> None:
    _, g = built
    a = iris.assignment(T7, "responsible", "各相关街道办事处")
    expanded = list(g.subjects(GW.expandedFrom, a))
    assert len(expanded) == 4
    assert all(g.value(x, GW.partial) == Literal(True) for x in expanded)
    towns = list(g.subjects(GW.expandedFrom, iris.assignment(T7, "responsible", "各乡镇政府")))
    assert len(towns) == 13 and not any(g.value(x, GW.partial) for x in towns)


def test_unknown_unit_is_minted_under_the_notice_place(built: tuple[URIRef, Graph]) -> None:
    _, g = built
    minted = unit("大数据中心")
    assert g.value(iris.assignment(T7, "responsible", "大数据中心"), GW.agent) == minted
    assert set(g.triples((minted, None, None))) == {
        (minted, RDF.type, GW.Unit),
        (minted, ns.SKOS.prefLabel, Literal("市大数据中心", lang="zh")),
        (minted, GW.jurisdiction, iris.place("新密市")),
        (minted, GW.minted, Literal(True)),
    }


def test_unknown_group_and_post_are_minted(registry: Registry) -> None:
    t = task_6()
    t.assignments = [
        Assignment("leader", UnitMention("分管副市长", "分管副市长", "post"), 0),
        Assignment(
            "responsible", UnitMention("市城乡统筹领导小组成员单位", "城乡统筹领导小组成员单位", "group"), 1
        ),
    ]
    _, g = build_graph(make_notice(tasks=[t]), registry)
    post = iris.post("新密市", "分管副市长")
    grp = group("城乡统筹领导小组成员单位")
    assert (iris.assignment(T6, "leader", "分管副市长"), GW.agent, post) in g
    assert g.value(post, RDF.type).endswith("org#Post")
    assert g.value(grp, RDF.type) == GW.UnitGroup
    assert g.value(grp, GW.open) == Literal(True) and g.value(grp, GW.minted) == Literal(True)
    assert not list(g.subjects(RDF.type, GW.ExpandedAssignment))


def test_targets_and_deadlines(built: tuple[URIRef, Graph]) -> None:
    _, g = built
    t1, t2 = iris.child(T6, "target", 1), iris.child(T6, "target", 2)
    assert set(g.objects(T6, GW.hasTarget)) == {t1, t2}
    assert g.value(t2, GW.indicator) == Literal("森林抚育", lang="zh")
    assert g.value(t2, GW.low) == g.value(t2, GW.high) == Literal("10000", datatype=ns.XSD.decimal)
    assert g.value(t2, GW.unitLabel) == Literal("亩")
    assert g.value(t2, QUDT.hasUnit) is None  # QUDT has no 亩
    assert g.value(t2, GW.statedValue) == Literal("1万") and g.value(t2, GW.statedUnit) == Literal("万亩")
    assert g.value(t2, GW.comparator) == ODRL.eq
    assert g.value(t2, GW.approximate) == Literal(False)
    assert g.value(t2, GW.text) == Literal("完成森林抚育1万亩", lang="zh")
    park = iris.child(T7, "target", 1)
    assert g.value(park, QUDT.hasUnit) == UNIT.NUM
    d = iris.child(T7, "deadline", 1)
    assert g.value(T7, GW.hasDeadline) == d
    assert {GW.Deadline, ns.TIME.Instant} <= set(g.objects(d, RDF.type))
    assert g.value(d, ns.TIME.inXSDDate) == Literal("2021-12-31", datatype=ns.XSD.date)
    assert g.value(d, GW.granularity) == Literal("year")
    assert g.value(d, GW.text) == Literal("2021年底前", lang="zh")


# ---------------------------------------------------------------------------- identity


def test_deterministic_and_without_blank_nodes(registry: Registry) -> None:
    doc1, g1 = build_graph(make_notice(), registry)
    doc2, g2 = build_graph(make_notice(), registry)
    assert doc1 == doc2
    assert set(g1) == set(g2)  # same IRIs, not just isomorphic
    assert isomorphic(g1, g2)
    assert not any(isinstance(term, BNode) for triple in g1 for term in triple)


def test_notice_without_number_is_keyed_by_hash(registry: Registry) -> None:
    doc, g = build_graph(make_notice(number=None), registry)
    assert doc == iris.document_by_key("0123456789abcdef")
    assert g.value(doc, ELI.id_local) is None
    assert (doc, RDF.type, GW.Notice) in g


def test_jurisdiction_from_issuer_when_not_given(registry: Registry) -> None:
    doc, g = build_graph(make_notice(jurisdiction=None), registry)
    assert g.value(doc, GW.jurisdiction) == iris.place("新密市")
    doc, g = build_graph(make_notice(jurisdiction=None, issuer="某县人民政府办公室", tasks=[]), registry)
    place = iris.place("某县")
    assert g.value(doc, GW.jurisdiction) == place
    assert g.value(place, GW.minted) == Literal(True)
    assert g.value(doc, ELI.passed_by) == iris.unit("某县", "人民政府办公室")


def assert_unit_tasks_match_gold(g: Graph, registry: Registry) -> None:
    """Per unit of tests/fixtures/seed/unit_tasks.json: tasks as written, and tasks via which group."""
    expected = json.loads((GOLD / "unit_tasks.json").read_text("utf-8"))
    for label, want in expected.items():
        agent = registry.resolve(label, "新密市")
        assert agent is not None, label
        direct: set[str] = set()
        via: dict[str, str] = {}
        for a in g.subjects(GW.agent, agent):
            task = g.value(predicate=GW.hasAssignment, object=a)
            key = str(g.value(task, GW.path)).replace(".", "-")
            written = g.value(a, GW.expandedFrom)
            if written is None:
                direct.add(key)
            else:
                via[key] = registry.label(g.value(written, GW.agent))
        either = set(want["either"])  # 各相关乡镇政府: the unit may or may not be meant
        assert direct - either == set(want["direct"]), label
        assert {k: v for k, v in via.items() if k not in either} == want["via_group"], label


def test_gold_reading_of_the_seed_matches_unit_tasks(registry: Registry) -> None:
    """Registry + expansion reproduce the hand-checked per-unit task lists of the seed."""
    assert_unit_tasks_match_gold(build_graph(gold_notice(), registry)[1], registry)


def test_graph_survives_pickling_and_edits(built: tuple[URIRef, Graph]) -> None:
    """Worker processes of `kg ingest --jobs` send built graphs back pickled; ingest adds link
    triples to them. The graph's store (kg.graph.terms.TripleStore) keeps len exact through both."""
    import pickle

    doc, g = built
    copy = pickle.loads(pickle.dumps(g))
    assert set(copy) == set(g) and len(copy) == len(g) > 500
    assert dict(copy.namespaces())["gw"] == URIRef(str(GW))
    n = len(copy)
    copy.add((doc, GW.note, Literal("x")))
    copy.add((doc, GW.note, Literal("x")))  # twice: one triple
    assert len(copy) == n + 1
    copy.remove((doc, None, None))
    assert len(copy) == len(list(copy)) and (doc, GW.note, None) not in copy
    other = Graph()
    other += copy
    assert isomorphic(other, copy)
