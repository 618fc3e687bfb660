"""What the ingest speed-ups must not change: a graph serialized once (kg.store.ntriples) says the
same triples as rdflib, hashes by content, and loads into the store and the validator unchanged; the
pipelined `ingest_many` (writes on a thread) stores what one file at a time stores; the faster
lineage scoring gives the scores of the plain formula; the graph builder's store holds rdflib's
triples."""

from __future__ import annotations

import pickle
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
import rdflib.compare
from conftest import SEED_NOTICE
from rdflib import XSD, BNode, Literal, URIRef

from kg import lineage
from kg.graph.terms import TripleStore
from kg.ingest import expand_paths, ingest_many, ingest_path, sync_registry
from kg.iris import GW
from kg.store import Triples, graph_sha256, open_store
from kg.validate import validate

CORPUS = Path(__file__).resolve().parent / "fixtures" / "corpus"
S = URIRef("https://w3id.org/govwork/eli/cn/测试政办/2021/1/task/1")
TRICKY = 'a "quoted" \\ back\\slash\nnew line\r\n \\u0041 \t tab 𠀀 \u2028 ”“ """triple"""'


def sample(graph: rdflib.Graph) -> rdflib.Graph:
    graph.add((S, GW.text, Literal(TRICKY, lang="zh")))
    graph.add((S, GW.number, Literal(7)))
    graph.add((S, GW.note, Literal("plain")))
    graph.add((S, GW.value, Literal("1.50", datatype=XSD.decimal)))
    graph.add((S, GW.notice, URIRef("https://w3id.org/govwork/eli/cn/测试政办/2021/1")))
    return graph


@pytest.fixture(scope="module")
def seed_graph(registry) -> tuple[URIRef, rdflib.Graph]:  # noqa: ANN001
    from kg.graph import build_graph
    from kg.parse import parse_file

    return build_graph(parse_file(SEED_NOTICE), registry)


def parsed(data: bytes) -> set[tuple[str, ...]]:
    return {tuple(str(t) for t in triple) for triple in ox.parse(data, ox.RdfFormat.N_TRIPLES)}


def test_the_text_is_n_triples_of_exactly_the_graph() -> None:
    graph = sample(rdflib.Graph())
    triples = Triples.of(graph)
    assert len(triples) == 5 and triples.text.endswith(" .\n") and triples.data == triples.text.encode()
    expected = parsed(graph.serialize(format="nt", encoding="utf-8"))
    assert parsed(triples.data) == expected
    # one line per triple, also for literals with line breaks
    assert all(line.endswith(" .") for line in triples.text.split("\n")[:-1])


def test_the_hash_depends_on_content_only() -> None:
    a = sample(rdflib.Graph())
    b = sample(rdflib.Graph(store=TripleStore()))  # the builder's store, other insertion history
    assert Triples.of(a).sha256 == Triples.of(b).sha256 == graph_sha256(a)
    doubled = Triples.of(a) + Triples.of(b)  # a union: duplicate lines count once
    assert doubled.sha256 == graph_sha256(a) and len(doubled) == 10
    b.add((S, GW.note, Literal("plain", lang="zh")))
    assert graph_sha256(b) != graph_sha256(a)
    # pickled (what a worker process hands over) the hash is kept and the text the same
    t = Triples.of(a)
    again = pickle.loads(pickle.dumps(t))
    assert (again.text, again.sha256) == (t.text, t.sha256)


def test_blank_nodes_are_hashed_canonically() -> None:
    def with_blank() -> rdflib.Graph:
        g = rdflib.Graph()
        node = BNode()
        g.add((S, GW.hasTarget, node))
        g.add((node, GW.indicator, Literal("造林")))
        return g

    first, second = with_blank(), with_blank()
    assert Triples.of(first).text != "" and graph_sha256(first) == graph_sha256(second)


def test_the_builders_store_answers_every_pattern_as_rdflib_does(seed_graph) -> None:  # noqa: ANN001
    """TripleStore fills only its spo index while a graph is built; lookups by predicate or object
    scan it, then build pos and osp. Every pattern, before and after the indexes exist, and after
    adds and removals, gives what rdflib's SimpleMemory gives."""
    from rdflib.plugins.stores.memory import SimpleMemory

    _, graph = seed_graph
    triples = sorted(graph)
    assert len(triples) > 1000
    ours, theirs = rdflib.Graph(store=TripleStore()), rdflib.Graph(store=SimpleMemory())
    for t in triples:
        ours.add(t)
        theirs.add(t)
    task = next(s for s, p, o in triples if p == GW.notice)
    doc = graph.value(task, GW.notice)
    patterns = [
        (None, GW.notice, doc), (None, GW.notice, None), (None, None, doc), (task, None, None),
        (task, GW.path, None), (None, None, None), (None, GW.number, Literal(7)), (None, GW.nothing, None),
    ]

    def same() -> None:
        for pattern in patterns:
            assert sorted(ours.triples(pattern)) == sorted(theirs.triples(pattern)), pattern
        assert len(ours) == len(theirs)

    same()  # scans, then (more than SCANS_BEFORE_INDEXING lookups) the indexes
    assert ours.store._indexed
    extra = (task, GW.note, Literal("after indexing"))
    for g in (ours, theirs):
        g.add(extra)
        g.remove((task, GW.path, None))
    same()
    fresh = rdflib.Graph(store=TripleStore())  # a removal first builds the indexes too
    for t in triples:
        fresh.add(t)
    fresh.remove((None, GW.notice, None))
    assert not list(fresh.triples((None, GW.notice, None))) and len(fresh) == len(triples) - len(
        list(theirs.triples((None, GW.notice, None)))
    )


def test_validation_of_the_text_equals_validation_of_the_graph(seed_graph, registry) -> None:  # noqa: ANN001
    _, graph = seed_graph
    broken = rdflib.Graph(store=TripleStore())
    broken += graph
    task = next(broken.subjects(GW.path, Literal("2.23")))
    broken.remove((task, GW.text, None))
    for g in (graph, broken):
        by_graph, by_text = validate(g, registry), validate(Triples.of(g), registry)
        assert by_graph.render() == by_text.render()
    assert any("task 2.23" in line for line in validate(Triples.of(broken), registry).render())


def test_a_graph_stored_from_triples_equals_the_graph(seed_graph, tmp_path: Path) -> None:  # noqa: ANN001
    iri, graph = seed_graph
    triples = Triples.of(graph)
    with open_store(tmp_path / "s") as store:
        assert store.replace_document(str(iri), triples, sha256=triples.sha256) is True  # a new graph: load
        assert store.document_hash(str(iri)) == triples.sha256
        assert rdflib.compare.isomorphic(store.document_graph(str(iri)), graph)
        assert store.replace_document(str(iri), graph, sha256=triples.sha256) is False
        assert store.replace_document(str(iri), triples, sha256="other") is True  # stored: replace
        assert rdflib.compare.isomorphic(store.document_graph(str(iri)), graph)
        assert store.triple_count() == len(graph) + 1


@pytest.fixture(scope="module")
def corpus_files() -> list[Path]:
    return expand_paths([CORPUS])


def test_pipelined_batch_stores_what_one_file_at_a_time_stores(corpus_files, registry) -> None:  # noqa: ANN001
    """ingest_many writes on a thread while the next file is built; each document is still linked
    against the documents stored before it, as in a sequential run (the corpus links across files)."""
    with open_store(":memory:") as batch, open_store(":memory:") as single:
        for store in (batch, single):
            sync_registry(store, registry)
        results = ingest_many(corpus_files, batch, registry)
        singles = [ingest_path(f, single, registry) for f in corpus_files]
        assert [(r.file, r.status, r.links, r.warnings) for r in results] == [
            (r.file, r.status, r.links, r.warnings) for r in singles
        ]
        assert sum(r.links for r in results) > 0  # the comparison covers task links
        assert sorted(batch.export("nquads").splitlines()) == sorted(single.export("nquads").splitlines())
        hashes = {d: batch.document_hash(d) for d in batch.documents()}
        assert hashes == {d: single.document_hash(d) for d in single.documents()}
        again = ingest_many(corpus_files, batch, registry)
        assert {r.status for r in again} == {"unchanged"}
        assert {d: batch.document_hash(d) for d in batch.documents()} == hashes


def test_a_batch_reads_each_stored_neighbour_once(
    corpus_files, registry, monkeypatch: pytest.MonkeyPatch  # noqa: ANN001
) -> None:
    """Linking reads a stored document's tasks and links once per batch (kg.graph.links.StoredInfos),
    and again only after that document changed; the links are those of one file at a time (previous
    test)."""
    from collections import Counter

    from kg.graph import links

    reads: Counter[str] = Counter()
    original = links.stored

    def counting(store, iri):  # type: ignore[no-untyped-def]  # noqa: ANN001, ANN202
        reads[iri] += 1
        return original(store, iri)

    asked: Counter[str] = Counter()
    cached = links.StoredInfos.__call__

    def asking(self, store, iri):  # type: ignore[no-untyped-def]  # noqa: ANN001, ANN202
        asked[iri] += 1
        return cached(self, store, iri)

    held: Counter[str] = Counter()
    held_by_pair = links.held_by_pair

    def counting_held(store, graph):  # type: ignore[no-untyped-def]  # noqa: ANN001, ANN202
        held[graph] += 1
        return held_by_pair(store, graph)

    monkeypatch.setattr(links, "stored", counting)
    monkeypatch.setattr(links, "held_by_pair", counting_held)
    monkeypatch.setattr(links.StoredInfos, "__call__", asking)
    with open_store(":memory:") as store:
        sync_registry(store, registry)
        # the files twice in one batch: the second time every document is unchanged, and is
        # linked again (to compare its links with the stored ones) against the same neighbours
        results = ingest_many(corpus_files + corpus_files, store, registry)
        half = len(corpus_files)
        assert [r.status for r in results[half:]] == ["unchanged"] * half
        assert sum(r.links for r in results) > 0
        # neighbours were needed more than once, and read once all the same
        assert max(asked.values()) >= 2 and max(reads.values()) == 1, (asked, reads)
        assert held and max(held.values()) == 1, held  # the links a neighbour's graph holds, too
        monkeypatch.setattr(links.StoredInfos, "__call__", cached)
        infos = links.StoredInfos()
        doc = results[0].iri
        first = infos(store, doc)
        assert infos(store, doc) is first and reads[doc] == 2
        assert first.tasks and first == original(store, doc)
        store.replace_document(doc, store.document_graph(doc), sha256="changed")
        assert infos(store, doc) == first and reads[doc] == 3  # read again: the stored hash changed


@pytest.mark.parametrize("on_disk", [False, True], ids=["memory", "disk"])
def test_a_failed_write_in_a_batch_is_that_file_refused(
    corpus_files, registry, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, on_disk: bool  # noqa: ANN001
) -> None:
    """A write that fails on the writer thread refuses its file only; nothing of it is stored (on
    disk a new graph goes through `bulk_load`, in memory through `Store.load`)."""
    from kg.store.oxigraph import OxigraphStore

    original = OxigraphStore._new_graph_data
    victim = corpus_files[1].name

    def failing(self, name, triples, sha256):  # type: ignore[no-untyped-def]
        data = original(self, name, triples, sha256)
        return data + b"<broken" if victim.encode() in data else data

    monkeypatch.setattr(OxigraphStore, "_new_graph_data", failing)
    with open_store(tmp_path / "store" if on_disk else ":memory:") as store:
        sync_registry(store, registry)
        results = ingest_many(corpus_files, store, registry)
        bad = [r for r in results if r.file.endswith(victim)]
        assert bad[0].status == "refused" and "nothing was written" in (bad[0].reason or "")
        assert bad[0].iri not in store.documents()
        assert len(store.documents()) == len(corpus_files) - 1


class _Calls:
    """A pyoxigraph store that notes which of its write methods were called."""

    def __init__(self, store: ox.Store) -> None:
        self.store, self.calls = store, []  # type: ignore[var-annotated]

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]  # noqa: ANN204
        if name in ("load", "bulk_load", "update"):
            self.calls.append(name)
        return getattr(self.store, name)


def test_new_graphs_are_the_same_by_bulk_load_and_by_transaction(
    corpus_files, registry, monkeypatch: pytest.MonkeyPatch, tmp_path: Path  # noqa: ANN001
) -> None:
    """On disk, a new graph below BULK_LIMIT triples is bulk-loaded and one above it goes through
    one `Store.load` transaction; both store the same."""
    import kg.store.oxigraph as oxstore

    stores = {}
    for limit, call in ((oxstore.BULK_LIMIT, "bulk_load"), (0, "load")):
        monkeypatch.setattr(oxstore, "BULK_LIMIT", limit)
        store = open_store(tmp_path / f"store-{limit}")
        sync_registry(store, registry)
        spy = store._store = _Calls(store.raw)  # type: ignore[assignment]
        results = ingest_many(corpus_files, store, registry)
        assert [r.status for r in results] == ["stored"] * len(corpus_files)
        assert spy.calls == [call] * len(corpus_files)
        store._store = spy.store
        stores[limit] = store
    bulk, transactional = stores.values()
    assert len(bulk.documents()) == len(corpus_files)
    assert sorted(bulk.export("nquads").splitlines()) == sorted(transactional.export("nquads").splitlines())
    assert {d: bulk.document_hash(d) for d in bulk.documents()} == {
        d: transactional.document_hash(d) for d in transactional.documents()
    }
    for store in stores.values():
        store.close()


def _plain_score(scorer: lineage.Scorer, a: str, b: str) -> float:
    """The scoring formula written out without the shortcuts."""
    whole = scorer.cosine(a, b)
    if whole == 0.0:
        return 0.0
    clauses = [scorer.cosine(x, y) for x in scorer._clauses(a) for y in scorer._clauses(b)]
    return max(whole, 0.8 * max(clauses, default=0.0))


def test_lineage_scores_are_those_of_the_plain_formula() -> None:
    texts = [
        "深入推进大气污染防治，完成森林抚育1万亩，新增国土绿化面积2万亩。",
        "深入推进大气污染防治，严格管控扬尘，淘汰燃煤锅炉10台。",
        "完成森林抚育1.2万亩，实施国土绿化，新建公园3个。",
        "加快推进城乡供水一体化，新建水厂2座；完成农村饮水安全巩固提升工程。",
        "全市生产总值增长7%左右，一般公共预算收入增长5%。",
        "全省生产总值增长7%，规模以上工业增加值增长6%。",
        "做好防汛工作。",
    ]
    scorer = lineage.Scorer(texts)
    for a in texts:
        for b in texts:
            assert scorer.score(a, b) == _plain_score(scorer, a, b)
    links = lineage.link([(k, t) for k, t in enumerate(texts[:4])], [(k, t) for k, t in enumerate(texts[3:])])
    assert [(x.child, x.parent) for x in links] == [(3, 0)]


def test_the_builders_store_holds_rdflibs_triples(seed_graph) -> None:  # noqa: ANN001
    _, graph = seed_graph
    plain = rdflib.Graph()
    for triple in graph:
        plain.add(triple)
    assert len(graph) == len(plain) and set(graph) == set(plain)
    task = next(graph.subjects(GW.path, Literal("2.23")))
    assert set(graph.predicate_objects(task)) == set(plain.predicate_objects(task))
    assert set(graph.subjects(None, task)) == set(plain.subjects(None, task))


def test_a_batch_small_next_to_the_store_is_written_by_transactions_and_not_compacted(
    corpus_files, registry, monkeypatch: pytest.MonkeyPatch, tmp_path: Path  # noqa: ANN001
) -> None:
    """`write_batch`: a first load bulk-loads and compacts the whole store once; a batch below
    LOAD_SHARE of the documents held goes through transactions and is only flushed (compacting a
    large store costs in proportion to the store, not to the batch); both store the same."""
    import kg.store.oxigraph as oxstore

    monkeypatch.setattr(oxstore, "LOAD_SHARE", 0.5)
    done: list[str] = []
    for step in ("optimize", "flush"):
        original = getattr(oxstore.OxigraphStore, step)
        monkeypatch.setattr(
            oxstore.OxigraphStore, step, lambda self, _o=original, _s=step: (done.append(_s), _o(self))[1]
        )
    first, last = corpus_files[:-1], corpus_files[-1:]
    assert len(first) >= 4  # so that one file is below half of what is stored
    with open_store(tmp_path / "store") as store, open_store(tmp_path / "one-go") as one_go:
        sync_registry(store, registry)
        spy = store._store = _Calls(store.raw)  # type: ignore[assignment]
        done.clear()
        assert {r.status for r in ingest_many(first, store, registry)} == {"stored"}
        assert spy.calls == ["bulk_load"] * len(first) and done.count("optimize") == 1
        spy.calls.clear()
        done.clear()
        assert [r.status for r in ingest_many(last, store, registry)] == ["stored"]
        assert spy.calls == ["load"] and done == ["flush"]
        spy.calls.clear()
        done.clear()
        assert [r.status for r in ingest_many(last, store, registry)] == ["unchanged"]
        assert spy.calls == [] and done == []  # nothing written, nothing to flush
        store._store = spy.store
        sync_registry(one_go, registry)
        ingest_many(corpus_files, one_go, registry)
        assert sorted(store.export("nquads").splitlines()) == sorted(one_go.export("nquads").splitlines())
        assert store._bulk  # a single write outside a batch bulk-loads again


def test_new_documents_are_validated_on_a_thread_and_a_failure_there_refuses_the_file(
    corpus_files, registry, monkeypatch: pytest.MonkeyPatch  # noqa: ANN001
) -> None:
    """`ingest_many` validates a new document on its validation thread while the next file is
    built; a bug there refuses that file only, and the batch goes on in file order."""
    import threading

    import kg.ingest

    original = kg.ingest._validate
    threads: list[str] = []
    victim = corpus_files[1].name

    def validating(prep, registry):  # type: ignore[no-untyped-def]  # noqa: ANN001, ANN202
        threads.append(threading.current_thread().name)
        if prep.file.endswith(victim):
            raise RuntimeError("simulated bug in validation")
        return original(prep, registry)

    monkeypatch.setattr(kg.ingest, "_validate", validating)
    with open_store(":memory:") as store:
        sync_registry(store, registry)
        results = ingest_many(corpus_files, store, registry)
    assert [r.file for r in results] == [str(f) for f in corpus_files]
    assert len(threads) == len(corpus_files) and all(t.startswith("kg-validate") for t in threads)
    bad = [r for r in results if r.file.endswith(victim)]
    assert bad[0].status == "refused" and "internal error: RuntimeError: simulated bug" in (bad[0].reason or "")
    assert [r.status for r in results if r is not bad[0]] == ["stored"] * (len(corpus_files) - 1)
