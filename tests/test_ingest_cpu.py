"""What the per-notice CPU cuts must not change, checked against straightforward references on real
notices: literals made without rdflib's constructor are rdflib's, a new node's triples added at once
are those added one by one, the N-Triples text and its hash are a plain serialization of the graph,
and linking by estimates picks the parent (and score) that scoring every parent picks."""

from __future__ import annotations

import hashlib

import pytest
import rdflib
from conftest import CORPUS_FILES, SEED_NOTICE
from rdflib import XSD, Literal, URIRef
from rdflib.plugins.stores.memory import SimpleMemory

from kg import lineage
from kg.graph import build_graph
from kg.graph.terms import TripleStore, integer, node_adder, plain, zh
from kg.iris import GW
from kg.model import Notice
from kg.parse import parse_file
from kg.store import Triples

TRICKY = 'a "quoted" \\ back\\slash\nnew line\r\n \\u0041 \t tab 𠀀 \u2028 ”“ """triple"""'
CORPUS = {path.stem: path for path in CORPUS_FILES}


@pytest.fixture(scope="module")
def notices() -> dict[str, Notice]:
    return {name: parse_file(path) for name, path in CORPUS.items()}


@pytest.fixture(scope="module")
def graphs(notices: dict[str, Notice], registry) -> dict[str, rdflib.Graph]:  # noqa: ANN001
    return {name: build_graph(notice, registry)[1] for name, notice in notices.items()}


def _same_literal(made: Literal, reference: Literal) -> bool:
    return (
        type(made) is type(reference)
        and str(made) == str(reference)
        and (made.language, made.datatype, made.value, made.ill_typed)
        == (reference.language, reference.datatype, reference.value, reference.ill_typed)
    )


def test_literals_made_directly_are_rdflibs(notices: dict[str, Notice]) -> None:
    seed = notices[SEED_NOTICE.stem]
    texts = [TRICKY, "", " ", "\ud800 lone surrogate", seed.title or "", seed.text]
    texts += [t.text for t in seed.tasks] + [t.span.quote for t in seed.tasks]
    assert len(texts) > 60
    for text in texts:
        assert _same_literal(zh(text), Literal(text, lang="zh")), text
        assert _same_literal(plain(text), Literal(text)), text
    for n in (*range(-3, 300), 10**6 + 7, 10**30):
        assert _same_literal(integer(n), Literal(n)), n


def test_a_nodes_triples_added_at_once_are_those_added_one_by_one() -> None:
    doc = URIRef("https://w3id.org/govwork/eli/cn/测试政办/2021/1")
    new, old = URIRef(f"{doc}/task/1/source"), URIRef(f"{doc}/task/1")
    pairs = [
        (GW.line, integer(3)),
        (GW.quote, plain("新密市")),
        (GW.source, doc),
        (GW.line, integer(4)),  # a second object of a predicate already seen
        (GW.line, integer(3)),  # a repeat: one triple
    ]
    for indexed in (False, True):
        reference, fast = rdflib.Graph(store=SimpleMemory()), rdflib.Graph(store=TripleStore())
        for g in (reference, fast):
            g.add((old, GW.text, zh("任务")))
        if indexed:  # as after lookups by object: the store keeps all three indexes from then on
            fast.store._index()
        for s in (new, old):  # a new node, and one the store holds already
            for p, o in pairs:
                reference.add((s, p, o))
            node_adder(fast)(s, pairs)
        spo = [g.store._SimpleMemory__spo for g in (reference, fast)]  # type: ignore[attr-defined]
        assert [(s, list(po.items())) for s, po in spo[0].items()] == [
            (s, list(po.items())) for s, po in spo[1].items()
        ]
        assert len(fast) == len(reference) == 9
        assert set(fast.subjects(GW.line, integer(3))) == {new, old}
        assert set(fast.subjects(None, doc)) == {new, old}


def _reference_lines(graph: rdflib.Graph) -> list[str]:
    """N-Triples written out plainly: one line per triple, in the store's subject order."""
    escape = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})

    def nt(t: object) -> str:
        if isinstance(t, Literal):
            text = '"' + str(t).translate(escape) + '"'
            return f"{text}@{t.language}" if t.language else f"{text}^^<{t.datatype}>" if t.datatype else text
        return f"<{t}>"

    spo = graph.store._SimpleMemory__spo  # type: ignore[attr-defined]
    return [
        f"{nt(s)} {nt(p)} {nt(o)} .\n" for s, po in spo.items() for p, objects in po.items() for o in objects
    ]


def _reference_sha256(lines: list[str]) -> str:
    return hashlib.sha256("".join(sorted(set(lines))).encode("utf-8")).hexdigest()


def test_the_text_and_hash_are_a_plain_serialization(graphs: dict[str, rdflib.Graph]) -> None:
    tricky = _tricky_graph()
    for graph in (*graphs.values(), tricky):
        lines = _reference_lines(graph)
        triples = Triples.of(graph)
        assert triples.data == "".join(lines).encode("utf-8")
        assert triples.sha256 == _reference_sha256(lines)
        union = Triples.of(graph) + Triples.of(graph)  # every line twice: hashed once
        assert union.sha256 == triples.sha256 and len(union) == 2 * len(triples)
    assert len(_reference_lines(graphs[SEED_NOTICE.stem])) > 10_000
    assert '\\"quoted\\" \\\\ back\\\\slash\\nnew line\\r\\n' in Triples.of(tricky).text


def _tricky_graph() -> rdflib.Graph:
    g = rdflib.Graph(store=TripleStore())
    s = URIRef("https://w3id.org/govwork/eli/cn/测试政办/2021/1/task/1")
    for o in (
        zh(TRICKY),
        plain(TRICKY),
        integer(7),
        Literal("1.50", datatype=XSD.decimal),
        URIRef(f"{s}/source"),
    ):
        g.add((s, GW.text, o))
    return g


def _reference_link(
    children: list[tuple[str, str]], parents: list[tuple[str, str]], threshold: float, scorer: lineage.Scorer
) -> list[lineage.Link]:
    """Each child scored against every parent: the first best parent, when it reaches the threshold."""
    links = []
    for child, text in children:
        scores = [(scorer.score(text, parent_text), parent) for parent, parent_text in parents]
        best = max(score for score, _ in scores)
        parent = next(parent for score, parent in scores if score == best)
        if best >= threshold:
            links.append(lineage.Link(child, parent, round(best, 4)))
    return links


def _tasks(notice: Notice, section: int | None = None) -> list[tuple[str, str]]:
    return [(".".join(map(str, t.path)), t.text) for t in notice.tasks if section in (None, t.section)]


@pytest.mark.parametrize(
    "weights",
    [
        lineage.DEFAULT_WEIGHTS,
        lineage.Weights(clause=0.0),
        lineage.Weights(indicator=0.3),  # a feature weight can be negative: every parent is scored
    ],
)
def test_link_picks_what_scoring_every_parent_picks(
    notices: dict[str, Notice], weights: lineage.Weights
) -> None:
    seed = notices[SEED_NOTICE.stem]
    pairs = [
        (_tasks(seed, 1), _tasks(seed, 2)),
        (_tasks(seed), _tasks(notices["zhengzhou-2021-15"])),
        (_tasks(notices["xinmi-2022-5"]), _tasks(seed)),
        (_tasks(notices["zhengzhou-2021-15"]), _tasks(notices["henan-2021-8"])),
        (_tasks(notices["xingyang-2021-9"]), _tasks(notices["zhengzhou-2021-7"])),
    ]
    linked = 0
    for children, parents in pairs:
        scorer = lineage.Scorer([text for _, text in (*children, *parents)], weights)
        for threshold in (0.0, 0.3, lineage.THRESHOLD):
            found = lineage.link(children, parents, threshold, scorer)
            assert found == _reference_link(children, parents, threshold, scorer)
            linked += len(found) if threshold == lineage.THRESHOLD else 0
    assert linked > 20


def test_ties_go_to_the_first_parent() -> None:
    # Both parents share the child's headline clause, and nothing else much: each scores 0.8 x the
    # cosine of that clause with itself, the same float; the first parent in order wins.
    child = [("c", "深入推进大气污染防治，淘汰燃煤锅炉10台。")]
    parents = [
        ("p1", "深入推进大气污染防治，新建公园3个，完成森林抚育1万亩。"),
        ("p2", "深入推进大气污染防治，新建水厂2座，完成农村饮水安全巩固提升工程。"),
    ]
    scorer = lineage.Scorer([text for _, text in (*child, *parents)])
    assert scorer.score(child[0][1], parents[0][1]) == scorer.score(child[0][1], parents[1][1]) > 0.45
    assert [x.parent for x in lineage.link(child, parents, scorer=scorer)] == ["p1"]
    assert [x.parent for x in lineage.link(child, parents[::-1], scorer=scorer)] == ["p2"]


def test_link_triples_are_those_of_plain_rdflib(graphs: dict[str, rdflib.Graph]) -> None:
    """kg.graph.links.link_graph builds on the document graph's fast store; its N-Triples are those
    of the same triples added to a plain rdflib Graph (the earlier code)."""
    from decimal import Decimal

    from rdflib import RDF

    from kg.graph.links import TaskLink, link_graph

    tasks = sorted({str(t) for g in graphs.values() for t in g.subjects(RDF.type, GW.Task)})
    targets = sorted({str(t) for g in graphs.values() for t in g.subjects(RDF.type, GW.Target)})
    assert len(tasks) > 60 and len(targets) > 10
    links = [
        TaskLink(tasks[i], kind, tasks[-1 - i], Decimal(score), tuple(zip(targets[i % 5 : i % 5 + k], targets[len(targets) - k :], strict=True)))
        for i, (kind, score, k) in enumerate(
            [("implements", "0.5", 0), ("continuesTask", "0.8123", 2), ("implements", "1", 1)] * 20
        )
    ]
    plain_graph = rdflib.Graph()
    for link in links:
        node, child, parent, prop = link.node, URIRef(link.child), URIRef(link.parent), GW[link.kind]
        plain_graph.add((node, RDF.type, GW.TaskLink))
        plain_graph.add((node, RDF.subject, child))
        plain_graph.add((node, RDF.predicate, prop))
        plain_graph.add((node, RDF.object, parent))
        plain_graph.add((node, GW.score, Literal(format(link.score.normalize(), "f"), datatype=XSD.decimal)))
        plain_graph.add((node, GW.method, Literal(lineage.METHOD)))
        plain_graph.add((child, prop, parent))
        for c, p in link.targets:
            plain_graph.add((URIRef(c), GW.restatesTarget, URIRef(p)))
    made = Triples.of(link_graph(links))
    assert made.data == Triples.of(plain_graph).data and made.sha256 == Triples.of(plain_graph).sha256
    assert b'"0.8123"^^<http://www.w3.org/2001/XMLSchema#decimal>' in made.data
    assert len(link_graph(links)) == len(plain_graph) > 60 * 7
