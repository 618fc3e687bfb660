"""kg.lineage: the seed's own pairs are linked, hard negatives are not, and the measured figures hold."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from kg import lineage
from kg.model import Notice, Span, Task

FIXTURES = Path(__file__).parent / "fixtures"
PAIRS = json.loads((FIXTURES / "lineage" / "pairs.json").read_text(encoding="utf-8"))["pairs"]
GOLD = json.loads((FIXTURES / "seed" / "gold.json").read_text(encoding="utf-8"))["tasks"]


def _seed_section(n: int) -> list[tuple[str, str]]:
    return [(f"{t['section']}.{t['number']}", t["text"]) for t in GOLD if t["section"] == n]


@pytest.fixture(scope="module")
def seed_links() -> dict[str, lineage.Link]:
    return {link.child: link for link in lineage.link(_seed_section(1), _seed_section(2))}


def test_the_seed_pairs_are_linked(seed_links: dict[str, lineage.Link]) -> None:
    assert seed_links["1.6"].parent == "2.23"  # 新增国土绿化面积5300亩… ≈ 实施国土绿化5300亩…
    assert seed_links["1.7"].parent == "2.22"  # 深入推进大气污染防治 (not 2.21, 散乱污/碳达峰)
    assert seed_links["1.6"].score >= lineage.THRESHOLD


@pytest.mark.parametrize("child", ["1.1", "1.4", "1.5", "1.9", "1.10", "1.12", "1.13"])
def test_seed_tasks_without_a_counterpart_stay_unlinked(
    seed_links: dict[str, lineage.Link], child: str
) -> None:
    # 1.1 地方政府债务, 1.9 技能培训, 1.10 农村劳动力转移就业 … have no task of their own in 二.
    assert child not in seed_links


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("一般公共预算收入增长6%。", "规模以上工业增加值增长6%。"),
        ("社会消费品零售总额增长8%左右。", "固定资产投资增长8%左右。"),
        ("加快5G网络建设，新建5G基站3000个。", "加快充电设施建设，新建公共充电桩3000个。"),
        (
            "完成郑州市下达的新培育农民合作社、家庭农场任务。",
            "完成郑州市下达的新建生产制造类小微企业园任务。",
        ),
        ("粮食播种面积稳定在120万亩以上。", "蔬菜种植面积稳定在80万亩以上。"),
    ],
)
def test_hard_negatives_score_below_the_threshold(a: str, b: str) -> None:
    scorer = lineage.Scorer([p[k] for p in PAIRS for k in ("a", "b")])
    assert scorer.score(a, b) < lineage.THRESHOLD


def test_quantities_are_read_in_base_units() -> None:
    feats = lineage.features("完成森林抚育1万亩，新增养老床位150张，引进外资6亿元，提高1个百分点，PM2.5下降")
    assert feats["#亩=10000"] == 1 and feats["#张=150"] == 1 and feats["#元=600000000"] == 1
    assert feats["#百分点=1"] == 1
    assert feats["抚育"] == 2  # the indicator before a quantity counts double
    assert "推进" not in lineage.features("深入推进大气污染防治")  # a stop phrase
    assert lineage.features("深入推進大氣污染防治") == lineage.features("深入推进大气污染防治")  # traditional


def test_scores_are_symmetric_and_bounded() -> None:
    scorer = lineage.Scorer([p[k] for p in PAIRS for k in ("a", "b")])
    for pair in PAIRS[:20]:
        forward, backward = scorer.score(pair["a"], pair["b"]), scorer.score(pair["b"], pair["a"])
        assert forward == pytest.approx(backward) and 0.0 <= forward <= 1.0 + 1e-9
    assert scorer.score("新增养老床位150张。", "新增养老床位150张。") == pytest.approx(1.0)
    assert scorer.score("", "新增养老床位150张。") == 0.0


def test_measured_precision_and_recall_on_the_labelled_pairs() -> None:
    """The figures the module documents: threshold chosen on dev, P and R on all pairs."""
    assert len(PAIRS) >= 49 and sum(p["kind"] != "seed" for p in PAIRS) >= 40
    scorer = lineage.Scorer([p[k] for p in PAIRS for k in ("a", "b")])
    scores = [scorer.score(p["a"], p["b"]) for p in PAIRS]
    labels = [p["same"] for p in PAIRS]
    dev = [i for i, p in enumerate(PAIRS) if p["split"] == "dev"]
    assert lineage.choose_threshold([scores[i] for i in dev], [labels[i] for i in dev]) == lineage.THRESHOLD
    measured = lineage.measure(scores, labels, lineage.THRESHOLD)
    assert measured.precision >= 0.9 and measured.recall >= 0.85


def test_measure_and_choose_threshold() -> None:
    m = lineage.measure([0.9, 0.6, 0.4, 0.1], [True, False, True, False], 0.5)
    assert (m.tp, m.fp, m.fn, m.precision, m.recall) == (1, 1, 1, 0.5, 0.5)
    # Any threshold in (0.2, 0.8] separates these; the middle of that run is chosen.
    assert lineage.choose_threshold([0.9, 0.8, 0.2, 0.1], [True, True, False, False]) == 0.51


def test_link_notices_uses_task_paths() -> None:
    def notice(tasks: list[tuple[tuple[int, ...], str]]) -> Notice:
        return Notice(
            number=None,
            title=None,
            issuer=None,
            tasks=[Task(path=p, text=t, span=Span(0, len(t), 1, t)) for p, t in tasks],
        )

    county = notice(
        [((1, 1), "完成营造林1.2万亩，森林覆盖率稳定在52%以上。"), ((1, 2), "新增养老床位150张。")]
    )
    city = notice([((2, 5), "完成营造林8万亩，森林覆盖率达到45%。"), ((3, 1), "新建城市书房20个。")])
    links = lineage.link_notices(county, city)
    assert [(x.child, x.parent) for x in links] == [("1.1", "2.5")]
    assert Decimal(str(links[0].score)) >= Decimal(str(lineage.THRESHOLD))


# --- linking documents at ingest (kg.graph.links) ------------------------------------------------


def _seed_info():
    from kg.graph import build_graph, links
    from kg.parse import parse_file
    from kg.registry import Registry

    root = Path(__file__).resolve().parents[1]
    registry = Registry.load()
    iri, graph = build_graph(parse_file(root / "data" / "notices" / "xinmi-2021-6.txt"), registry)
    return links.describe(graph, str(iri)), registry


def test_within_notice_links_of_the_seed() -> None:
    """一 (省政府工作报告) against 二 (市政府工作报告): the issue's pairs, and 一.2 ≈ 二.20."""
    from kg.graph import links

    info, _ = _seed_info()
    found = links.within(info)
    paths = {t.iri: ".".join(map(str, t.path)) for t in info.tasks}
    assert [(paths[x.child], x.kind, paths[x.parent]) for x in found] == [
        ("1.2", "sameTaskAs", "2.20"), ("1.6", "sameTaskAs", "2.23"), ("1.7", "sameTaskAs", "2.22")
    ]
    assert all(x.targets == () and x.score >= Decimal(str(lineage.THRESHOLD)) for x in found)


def test_a_section_based_on_one_notice_links_only_to_that_notice() -> None:
    from kg.graph.links import DocInfo, TaskInfo, between

    def task(doc: str, path: str, text: str, section: str) -> TaskInfo:
        return TaskInfo(f"{doc}/task/{path}", tuple(map(int, path.split("."))), text, section, ())

    child = DocInfo(
        "c",
        applies=frozenset({"p", "q"}),
        based_on={"c/s1": frozenset({"p"}), "c/s2": frozenset({"q"}), "c/s3": frozenset()},
        tasks=(task("c", "1.1", "新增国土绿化面积5300亩。", "c/s1"), task("c", "2.1", "新增国土绿化面积5300亩。", "c/s2"),
               task("c", "3.1", "新增国土绿化面积5300亩。", "c/s3")),
    )
    parent = DocInfo("p", tasks=(task("p", "1.1", "新增国土绿化面积5万亩。", "p/s1"),))
    assert [x.child for x in between(child, parent, "implementsTask")] == ["c/task/1.1", "c/task/3.1"]
    # year to year, sections do not restrict
    assert len(between(child, parent, "continuesTask")) == 3


def test_link_triples_conform_and_state_the_link_twice() -> None:
    from rdflib import RDF, URIRef

    from kg.graph import links
    from kg.iris import GW
    from kg.validate import validate

    info, registry = _seed_info()
    found = links.within(info)
    g = links.link_graph(found)
    first = found[0]
    assert str(first.node).startswith(first.child + "/link/sameTaskAs-")
    assert (URIRef(first.child), GW.sameTaskAs, URIRef(first.parent)) in g
    assert (first.node, RDF.type, GW.TaskLink) in g and g.value(first.node, GW.method).value == lineage.METHOD
    assert g.value(first.node, GW.score).value == first.score
    assert validate(g, registry).conforms
    g.remove((URIRef(first.child), GW.sameTaskAs, URIRef(first.parent)))
    assert [v.message.split(" (")[0] for v in validate(g, registry).violations] == [
        f"task link {first.node} is not stated directly"
    ]


def test_next_years_notice_must_be_of_the_same_series() -> None:
    from kg.graph.links import DocInfo

    report = "https://w3id.org/govwork/report/{}/{}".format
    y2021 = DocInfo("a", code="新密政办", reports={"a/s1": report("河南省", 2021), "a/s2": report("郑州市", 2021)})
    y2022 = DocInfo("b", code="新密政", reports={"b/s1": report("郑州市", 2022)})
    flood = DocInfo("c", code="新密政办")  # 防汛: decomposes no work report
    assert y2022.same_series(y2021)  # the same city's report, though another 代字
    assert flood.same_series(DocInfo("d", code="新密政办")) and not flood.same_series(DocInfo("e", code="新密防指"))
    assert not DocInfo("f", code="x", reports={"f/s": report("新密市", 2022)}).same_series(y2021)
