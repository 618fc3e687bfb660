"""Regressions in task lineage at ingest (tests/fixtures/lineage/xinmi-*.txt, made for tests).

新密 split its 2021 decomposition into two notices (〔2021〕8号: the 郑州市 report; 〔2021〕9号: 省 and
郑州市), both of the series 〔2022〕7号 continues. Task 一.1 of 2022 (国土绿化 6000 亩) continues a task
of each, so its target restates one target of each: that is two gw:restatesTarget values, which the
old `sh:maxCount 1` refused as "internal error: task links do not conform", losing the whole notice.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph, URIRef

from kg import iris
from kg.graph import links
from kg.ingest import ingest_many, sync_registry
from kg.iris import GW
from kg.registry import Registry
from kg.store.oxigraph import OxigraphStore
from kg.validate import validate

FIXTURES = Path(__file__).parent / "fixtures" / "lineage"
FILES = sorted(FIXTURES.glob("xinmi-*.txt"))
ELI = "https://w3id.org/govwork/eli/cn/新密政办"
N8, N9, N22 = f"{ELI}/2021/8", f"{ELI}/2021/9", f"{ELI}/2022/7"

CONTINUES = {
    (f"{N22}/task/1/1", f"{N8}/task/1/1", "0.8"),  # 国土绿化 6000 亩 ← 实施国土绿化 5300 亩
    (f"{N22}/task/1/1", f"{N9}/task/1/1", "0.6922"),  # ← 新增国土绿化面积 5000 亩
    (f"{N22}/task/1/2", f"{N9}/task/1/2", "1"),  # 地方政府债务, word for word
    (f"{N22}/task/2/1", f"{N8}/task/1/3", "0.6314"),  # 市第二人民医院新院区
}
RESTATES = {
    (f"{N22}/task/1/1/target/1", f"{N8}/task/1/1/target/1"),
    (f"{N22}/task/1/1/target/1", f"{N9}/task/1/1/target/1"),
}
LINKS_Q = (
    "SELECT ?c ?k ?p ?s WHERE { GRAPH ?g { ?l a gw:TaskLink ; rdf:subject ?c ; rdf:predicate ?k ; "
    "rdf:object ?p ; gw:score ?s } }"
)


def _ingest(files: list[Path], registry: Registry) -> tuple[OxigraphStore, list[Any]]:
    store = OxigraphStore()
    sync_registry(store, registry)
    return store, ingest_many(files, store, registry)


def _continues(store: OxigraphStore) -> set[tuple[str, str, str]]:
    rows = list(store.query(LINKS_Q))
    assert {r["k"].value for r in rows} == {str(GW.continuesTask)}
    return {(r["c"].value, r["p"].value, r["s"].value) for r in rows}


@pytest.mark.parametrize("order", ["file order", "reversed"])
def test_a_task_continuing_two_notices_keeps_a_target_pair_for_each(registry: Registry, order: str) -> None:
    files = FILES if order == "file order" else FILES[::-1]
    store, results = _ingest(files, registry)
    assert [r.status for r in results] == ["stored"] * 3, [r.reason for r in results]
    assert not [w for r in results for w in r.warnings if "link" in w]
    assert _continues(store) == CONTINUES
    restated = {(r["c"].value, r["p"].value) for r in store.query("SELECT ?c ?p { ?c gw:restatesTarget ?p }")}
    assert restated == RESTATES
    # the 2022 target (6000 亩) really is paired with 5300 亩 and 5000 亩
    values = {
        r["t"].value: r["v"].value
        for r in store.query("SELECT ?t ?v { ?t gw:indicator ?i ; gw:statedValue ?v }")
        if r["t"].value in {t for pair in RESTATES for t in pair}
    }
    assert sorted(values.values(), key=float) == ["5000", "5300", "6000"]


def test_a_target_restating_two_targets_of_one_task_is_still_refused(registry: Registry) -> None:
    child = URIRef(f"{N22}/task/1/1/target/1")
    good, bad = Graph(), Graph()
    for parent in (f"{N8}/task/1/1", f"{N9}/task/1/1"):  # one target of each of two tasks: fine
        good.add((child, GW.restatesTarget, iris.child(URIRef(parent), "target", 1)))
    for n in (1, 2):  # two targets of the same task: pairing is one to one per link
        bad.add((child, GW.restatesTarget, iris.child(URIRef(f"{N9}/task/1/1"), "target", n)))
    assert validate(good, registry).conforms
    report = validate(bad, registry)
    assert [v.rule for v in report.violations] == ["gw:RestatedTargetShape"]
    assert "restates two targets of one linked task" in report.violations[0].message


def test_links_that_do_not_conform_are_left_out_with_a_warning(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = links.links_for

    def with_a_broken_link(store: Any, doc: links.DocInfo, infos: Any = None) -> list[links.TaskLink]:
        found = real(store, doc, infos)
        if doc.iri == N22:  # a bug making 二.1 link to itself
            me = f"{N22}/task/2/1"
            found.append(links.TaskLink(me, "sameTaskAs", me, found[0].score))
        return found

    monkeypatch.setattr(links, "links_for", with_a_broken_link)
    store, results = _ingest(FILES, registry)
    assert [r.status for r in results] == ["stored"] * 3
    warned = [w for w in results[2].warnings if "task links" in w]
    assert len(warned) == 1 and "link(s) of task 2.1 left out" in warned[0]
    assert "links a task to itself" in warned[0]
    # only the links of task 二.1 are gone; the notice and its other links are stored
    assert _continues(store) == {c for c in CONTINUES if not c[0].endswith("/task/2/1")}
    assert results[2].links == 3
    assert store.document_graph(N22).value(URIRef(f"{N22}/task/2/1"), GW.text) is not None


def test_a_crash_in_linking_stores_the_notice_without_links(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(store: Any, doc: links.DocInfo, infos: Any = None) -> list[links.TaskLink]:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(links, "links_for", crash)
    store, results = _ingest(FILES, registry)
    assert [r.status for r in results] == ["stored"] * 3
    assert all(
        "task links not computed (internal error: ZeroDivisionError" in r.warnings[-1] for r in results
    )
    assert sorted(store.documents()) == [N8, N9, N22]
    assert not list(store.query(LINKS_Q))


class _CountingStore(OxigraphStore):
    optimized = 0

    def optimize(self) -> None:
        self.optimized += 1
        super().optimize()


def test_a_batch_that_wrote_is_flushed_and_compacted_once(registry: Registry, tmp_path: Path) -> None:
    store = _CountingStore(tmp_path / "store")
    sync_registry(store, registry)
    assert [r.status for r in ingest_many(FILES, store, registry)] == ["stored"] * 3
    assert store.optimized == 1
    assert [r.status for r in ingest_many(FILES, store, registry)] == ["unchanged"] * 3
    assert store.optimized == 1  # nothing written, nothing to compact
    store.close()
