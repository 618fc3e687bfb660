"""The pyoxigraph store: atomic per-document replace, unchanged detection, registry, export, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib import Literal, URIRef

from kg.errors import KgError
from kg.iris import GW, REGISTRY_GRAPH
from kg.store import OxigraphStore, graph_sha256, open_store

DOC = "https://w3id.org/govwork/eli/cn/测试政办/2021/1"
TASK = URIRef(DOC + "/task/1/1")


def doc_graph(text: str, extra: int = 0) -> rdflib.Graph:
    g = rdflib.Graph()
    g.add((URIRef(DOC), GW.sourceName, Literal("t.txt")))
    g.add((TASK, GW.text, Literal(text, lang="zh")))
    for k in range(extra):
        g.add((URIRef(f"{DOC}/task/1/{k + 2}"), GW.number, Literal(k + 2)))
    return g


def texts(store) -> list[str]:
    rows = store.query(f"SELECT ?t WHERE {{ GRAPH <{DOC}> {{ <{TASK}> <{GW.text}> ?t }} }}")
    return sorted(r["t"].value for r in rows)


def test_replace_document_writes_one_named_graph(tmp_path: Path) -> None:
    with open_store(tmp_path / "s") as store:
        assert store.replace_document(DOC, doc_graph("旧任务", extra=3), sha256="a") is True
        assert store.documents() == [DOC]
        assert store.document_hash(DOC) == "a"
        assert texts(store) == ["旧任务"]
        # the document's triples plus the store's own hash triple
        assert store.triple_count() == 5 + 1
        assert len(store.document_graph(DOC)) == 5


def test_replace_is_a_replacement_not_a_merge(tmp_path: Path) -> None:
    with open_store(tmp_path / "s") as store:
        store.replace_document(DOC, doc_graph("旧任务", extra=3), sha256="a")
        assert store.replace_document(DOC, doc_graph("新任务"), sha256="b") is True
        assert texts(store) == ["新任务"]
        assert len(store.document_graph(DOC)) == 2
        assert store.document_hash(DOC) == "b"


def test_same_hash_writes_nothing(tmp_path: Path) -> None:
    with open_store(tmp_path / "s") as store:
        store.replace_document(DOC, doc_graph("旧任务"), sha256="a")
        assert store.replace_document(DOC, doc_graph("别的内容"), sha256="a") is False
        assert texts(store) == ["旧任务"]


def test_failing_replace_leaves_the_old_graph_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure after the DROP and the INSERT, inside the same update request, rolls both back."""
    with open_store(tmp_path / "s") as store:
        store.replace_document(DOC, doc_graph("旧任务", extra=2), sha256="a")
        before = store.triple_count()
        original = OxigraphStore._replace_graph_ops

        def failing_ops(self, name, graph, sha256):  # type: ignore[no-untyped-def]
            # CREATE GRAPH on a graph the INSERT has just filled fails at run time, mid-request
            return original(self, name, graph, sha256) + [f"CREATE GRAPH <{name}>"]

        monkeypatch.setattr(OxigraphStore, "_replace_graph_ops", failing_ops)
        with pytest.raises(KgError) as err:
            store.replace_document(DOC, doc_graph("新任务", extra=5), sha256="b")
        assert "nothing was written" in err.value.message
        assert texts(store) == ["旧任务"]
        assert store.document_hash(DOC) == "a"
        assert store.triple_count() == before
    # and it is still so after reopening from disk
    with open_store(tmp_path / "s", read_only=True) as store:
        assert texts(store) == ["旧任务"]


def test_remove_document(tmp_path: Path) -> None:
    with open_store(tmp_path / "s") as store:
        store.replace_document(DOC, doc_graph("任务"), sha256="a")
        assert store.remove_document(DOC) is True
        assert store.remove_document(DOC) is False
        assert store.documents() == []
        assert store.document_hash(DOC) is None
        assert store.triple_count() == 0


def test_registry_is_not_a_document_and_is_replaced_only_when_changed() -> None:
    store = open_store(":memory:")
    reg = rdflib.Graph()
    reg.add((URIRef("https://w3id.org/govwork/id/org/新密市/财政局"), rdflib.SKOS.prefLabel, Literal("市财政局", lang="zh")))
    assert store.set_registry(reg) is True
    assert store.set_registry(reg) is False
    assert store.documents() == []
    reg.add((URIRef("https://w3id.org/govwork/id/org/新密市/林业局"), rdflib.SKOS.prefLabel, Literal("市林业局", lang="zh")))
    assert store.set_registry(reg) is True
    assert len(store.document_graph(str(REGISTRY_GRAPH))) == 2
    with pytest.raises(KgError):
        store.replace_document(str(REGISTRY_GRAPH), reg, sha256="x")


def test_union_default_graph(mini_store) -> None:
    # registry labels joined with document assignments only through the union default graph
    q = """SELECT (COUNT(*) AS ?n) WHERE { ?a gw:agent ?u . ?u skos:prefLabel "伏羲山管委会"@zh }"""
    assert int(next(iter(mini_store.query(q)))["n"].value) == 1
    assert int(next(iter(mini_store.query(q, union_default_graph=False)))["n"].value) == 0


def test_literals_survive_the_round_trip() -> None:
    """Quotes, backslashes, newlines, \\u sequences and astral characters go through INSERT DATA unchanged."""
    tricky = 'a "quoted" \\ back\\slash\nnew line \\u0041 literal \t tab 𠀀 ”“ \'single\' """triple"""'
    store = open_store(":memory:")
    store.replace_document(DOC, doc_graph(tricky), sha256="a")
    assert texts(store) == [tricky]
    g = store.document_graph(DOC)
    assert Literal(tricky, lang="zh") in set(g.objects(TASK, GW.text))


def test_iri_injection_in_document_name_is_refused() -> None:
    store = open_store(":memory:")
    with pytest.raises(Exception):  # noqa: B017 - rdflib refuses to serialise such an IRI
        store.replace_document(DOC + "> } ; DROP ALL ; INSERT DATA { <x", doc_graph("x"), sha256="a")
    assert store.triple_count() == 0


def test_update_is_atomic(mini_store_dir: Path) -> None:
    with open_store(mini_store_dir) as store:
        before = store.triple_count()
        with pytest.raises(KgError):
            store.update("CLEAR ALL ; CREATE GRAPH <https://w3id.org/govwork/graph/registry>")
        assert store.triple_count() == before
        with pytest.raises(KgError) as err:
            store.update("this is not sparql")
        assert err.value.code == "bad-query"


@pytest.mark.parametrize("fmt", ["turtle", "ntriples", "nquads", "trig", "jsonld"])
def test_export_formats_round_trip(mini_store, fmt: str) -> None:
    data = mini_store.export(fmt)
    assert "市财政局".encode() in data
    assert b"store#sha256" not in data  # bookkeeping stays inside the store
    if fmt == "jsonld":
        assert isinstance(json.loads(data), list | dict)
        return
    ds = rdflib.Dataset()
    ds.parse(data=data, format={"turtle": "turtle", "ntriples": "nt", "nquads": "nquads", "trig": "trig"}[fmt])
    names = {str(g.identifier) for g in ds.graphs() if len(g)}
    if fmt in ("nquads", "trig"):
        assert str(REGISTRY_GRAPH) in names and len(names) == 3
    # the union counts every distinct triple once
    union = {t for g in ds.graphs() for t in g}
    distinct = {(r["s"], r["p"], r["o"]) for r in mini_store.query(
        "SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o FILTER(?p != <https://w3id.org/govwork/store#sha256>) }")}
    assert len(union) == len(distinct)


def test_export_unknown_format(mini_store) -> None:
    with pytest.raises(KgError) as err:
        mini_store.export("rdfxml")
    assert "turtle" in err.value.message


def test_open_errors(tmp_path: Path) -> None:
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(KgError, match="is a file"):
        open_store(f)
    with pytest.raises(KgError, match="no store here") as err:
        open_store(tmp_path / "missing", read_only=True)
    assert err.value.file == str(tmp_path / "missing")
    assert not (tmp_path / "missing").exists()  # reading never creates a store
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(KgError, match="not a kg store"):
        open_store(other)


def test_locked_store_is_a_clear_error(tmp_path: Path) -> None:
    location = tmp_path / "s"
    with open_store(location) as store:
        store.replace_document(DOC, doc_graph("任务"), sha256="a")
        code = ("import sys\nfrom kg.store import open_store\nfrom kg.errors import KgError\n"
                "try:\n    open_store(sys.argv[1])\nexcept KgError as e:\n    print(e.render()); sys.exit(3)\n")
        p = subprocess.run([sys.executable, "-c", code, str(location)], capture_output=True, text=True, timeout=60)
        assert p.returncode == 3, p.stderr
        assert "in use by another process" in p.stdout
        assert "Traceback" not in p.stderr
        # a read-only open works next to the writer
        ro = subprocess.run([sys.executable, "-c", "import sys\nfrom kg.store import open_store\n"
                             "print(open_store(sys.argv[1], read_only=True).documents())", str(location)],
                            capture_output=True, text=True, timeout=60)
        assert DOC in ro.stdout, ro.stderr


def test_read_only_store_refuses_writes(mini_store_dir: Path) -> None:
    with open_store(mini_store_dir, read_only=True) as store:
        assert len(store.documents()) == 2
        with pytest.raises(KgError) as err:
            store.replace_document(DOC, doc_graph("x"), sha256="z")
        assert err.value.code == "read-only"


def test_default_location_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KG_STORE", str(tmp_path / "env-store"))
    with open_store() as store:
        assert store.location == str(tmp_path / "env-store")
    assert (tmp_path / "env-store" / "CURRENT").exists()


def test_graph_sha256_is_order_independent_and_content_sensitive() -> None:
    a, b = doc_graph("任务", extra=4), rdflib.Graph()
    for t in reversed(sorted(a)):
        b.add(t)
    assert graph_sha256(a) == graph_sha256(b)
    b.add((TASK, GW.number, Literal(1)))
    assert graph_sha256(a) != graph_sha256(b)


def test_query_syntax_error_is_a_kg_error(mini_store) -> None:
    with pytest.raises(KgError) as err:
        mini_store.query("SELECT WHERE {")
    assert err.value.status == 400


def test_protocol_is_implemented() -> None:
    from kg.store import Store

    assert isinstance(open_store(":memory:"), Store)
    assert isinstance(open_store(":memory:").raw, ox.Store)
