"""The Store protocol on every backend: the embedded store, a real `oxigraph serve` (documents by
Graph Store PUT, and by SPARQL Update), and Virtuoso when `virtuoso-t` is installed. Then ingest,
named queries, the CLI and `kg serve` through a remote store, and the URL syntax."""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import rdflib
from conftest import SEED_NOTICE, load_dataset
from rdflib import Literal, URIRef
from test_store import DOC, TASK, doc_graph  # the same small document graph

from kg.errors import KgError
from kg.iris import GW, REGISTRY_GRAPH
from kg.serve.testing import free_port
from kg.store import RemoteStore, Store, graph_sha256, open_store
from kg.store.endpoints import Union, is_remote, parse_location
from kg.store.sparql_text import query_form, with_prologue

ROOT = Path(__file__).resolve().parents[1]
START = ROOT / "scripts" / "start-test-servers.sh"

FUXI_TASKS = 36  # unit-tasks 伏羲山管委会 on the seed notice (tests/fixtures/seed/unit_tasks.json)


# ------------------------------------------------------------------------------------ servers


class ExternalServer:
    """scripts/start-test-servers.sh KIND in its own process group, until `stop()`."""

    def __init__(self, kind: str, workdir: Path) -> None:
        args = [str(workdir), str(free_port())] + ([str(free_port())] if kind == "virtuoso" else [])
        self.process = subprocess.Popen(
            ["bash", str(START), kind, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.url = self._wait_ready(workdir, 120.0)

    def _wait_ready(self, workdir: Path, timeout: float) -> str:
        assert self.process.stdout is not None
        seen: list[str] = []
        while select.select([self.process.stdout], [], [], timeout)[0]:
            line = self.process.stdout.readline()
            if not line:
                break
            seen.append(line.strip())
            if line.startswith("ready "):
                return line.split()[1]
        self.stop()
        raise RuntimeError(f"test server did not start: {' | '.join(seen)} (logs in {workdir})")

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)


@pytest.fixture(scope="session")
def oxigraph_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = ExternalServer("oxigraph", tmp_path_factory.mktemp("oxigraph-server"))
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def virtuoso_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not shutil.which("virtuoso-t"):
        pytest.skip("virtuoso-t is not installed (scripts/install-debian-packages.sh installs it)")
    server = ExternalServer("virtuoso", tmp_path_factory.mktemp("virtuoso-server"))
    yield server.url
    server.stop()


def wipe(store: RemoteStore) -> None:
    """Drop every graph kg wrote (a test server is shared by the tests of one pytest worker)."""
    for g in store._kg_graphs():
        store.update(f"DROP SILENT GRAPH <{g}>")


# location of each remote variant, given its server's URL
VARIANTS: dict[str, tuple[str, Callable[[str], str]]] = {
    "oxigraph": ("oxigraph_url", lambda url: url),  # Graph Store PUT, union-default-graph
    "oxigraph-update": (
        "oxigraph_url",
        lambda url: f"sparql+{url}/query?union=param:union-default-graph&update=/update",
    ),
    # the standard-only union: kg lists its graphs as default-graph-uri
    "oxigraph-graphs": (
        "oxigraph_url",
        lambda url: f"sparql+{url}/query?union=graphs&update=/update&gsp=/store",
    ),
    # Graph Store PUT: an INSERT DATA of a seed-sized notice exhausts Virtuoso 7.2's SPARQL compiler
    "virtuoso": ("virtuoso_url", lambda url: f"sparql+{url}?union=native&gsp=/sparql-graph-crud"),
}
NATIVE_UNION = {"virtuoso"}  # the server's default graph is always the union
NOT_ATOMIC = {"virtuoso": "Virtuoso 7.2 applies a Graph Store PUT that breaks half-way partially"}


@pytest.fixture(params=["embedded", *VARIANTS])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(name, location) of an empty store on each backend."""
    name = request.param
    if name == "embedded":
        yield name, str(tmp_path / "store")
        return
    fixture, location = VARIANTS[name]
    loc = location(request.getfixturevalue(fixture))
    with open_store(loc) as store:
        wipe(store)  # type: ignore[arg-type]
    yield name, loc


@pytest.fixture
def store(backend: tuple[str, str]) -> Iterator[Store]:
    with open_store(backend[1]) as s:
        yield s


def texts(store: Store) -> list[str]:
    rows = store.query(f"SELECT ?t WHERE {{ GRAPH <{DOC}> {{ <{TASK}> <{GW.text}> ?t }} }}")
    return sorted(r["t"].value for r in rows)  # type: ignore[union-attr]


# ------------------------------------------------------------------- the store tests, every backend


def test_replace_document_writes_one_named_graph(store: Store) -> None:
    assert isinstance(store, Store)
    assert store.replace_document(DOC, doc_graph("旧任务", extra=3), sha256="a") is True
    assert store.documents() == [DOC]
    assert store.document_hash(DOC) == "a"
    assert texts(store) == ["旧任务"]
    assert store.triple_count() == 5 + 1  # the document's triples plus the hash triple
    assert len(store.document_graph(DOC)) == 5


def test_replace_is_a_replacement_and_same_hash_writes_nothing(store: Store) -> None:
    store.replace_document(DOC, doc_graph("旧任务", extra=3), sha256="a")
    assert store.replace_document(DOC, doc_graph("新任务"), sha256="b") is True
    assert texts(store) == ["新任务"]
    assert len(store.document_graph(DOC)) == 2 and store.document_hash(DOC) == "b"
    assert store.replace_document(DOC, doc_graph("别的内容"), sha256="b") is False
    assert texts(store) == ["新任务"]


def test_remove_document(store: Store) -> None:
    store.replace_document(DOC, doc_graph("任务"), sha256="a")
    assert store.remove_document(DOC) is True
    assert store.remove_document(DOC) is False
    assert store.documents() == [] and store.document_hash(DOC) is None
    assert store.triple_count() == 0


def test_registry_is_not_a_document_and_is_replaced_only_when_changed(store: Store) -> None:
    reg = rdflib.Graph()
    unit = "https://w3id.org/govwork/id/org/新密市/"
    reg.add((URIRef(unit + "财政局"), rdflib.SKOS.prefLabel, Literal("市财政局", lang="zh")))
    assert store.set_registry(reg) is True
    assert store.set_registry(reg) is False
    assert store.documents() == []
    reg.add((URIRef(unit + "林业局"), rdflib.SKOS.prefLabel, Literal("市林业局", lang="zh")))
    assert store.set_registry(reg) is True
    assert len(store.document_graph(str(REGISTRY_GRAPH))) == 2
    with pytest.raises(KgError):
        store.replace_document(str(REGISTRY_GRAPH), reg, sha256="x")


def test_union_default_graph(store: Store, backend: tuple[str, str]) -> None:
    load_dataset(store)
    # registry labels joined with document assignments only through the union default graph
    q = """SELECT (COUNT(*) AS ?n) WHERE { ?a gw:agent ?u . ?u skos:prefLabel "伏羲山管委会"@zh }"""
    assert int(next(iter(store.query(q)))["n"].value) == 1  # type: ignore[index]
    own_default = 1 if backend[0] in NATIVE_UNION else 0
    assert int(next(iter(store.query(q, union_default_graph=False)))["n"].value) == own_default  # type: ignore[index]


def test_literals_survive_the_round_trip(store: Store) -> None:
    """Quotes, backslashes, newlines, \\u sequences and astral characters arrive unchanged."""
    tricky = 'a "quoted" \\ back\\slash\nnew line \\u0041 literal \t tab 𠀀 ”“ \'single\' """triple"""'
    store.replace_document(DOC, doc_graph(tricky), sha256="a")
    assert texts(store) == [tricky]
    assert Literal(tricky, lang="zh") in set(store.document_graph(DOC).objects(TASK, GW.text))


def test_iri_injection_in_document_name_is_refused(store: Store) -> None:
    with pytest.raises(Exception):  # noqa: B017 - rdflib refuses to serialise such an IRI
        store.replace_document(DOC + "> } ; DROP ALL ; INSERT DATA { <x", doc_graph("x"), sha256="a")
    assert store.triple_count() == 0


def test_failing_update_request_writes_nothing(store: Store) -> None:
    store.replace_document(DOC, doc_graph("旧任务", extra=2), sha256="a")
    before = store.triple_count()
    with pytest.raises(KgError):  # CREATE of a graph just filled fails at run time, after the DROP
        store.update(
            f"DROP GRAPH <{DOC}> ; INSERT DATA {{ GRAPH <urn:kg:x> {{ <urn:a> <urn:b> 1 }} }} ; CREATE GRAPH <urn:kg:x>"
        )
    assert store.triple_count() == before and texts(store) == ["旧任务"]
    with pytest.raises(KgError) as err:
        store.update("this is not sparql")
    assert err.value.code == "bad-query"


def test_failing_replace_leaves_the_old_graph(
    store: Store, backend: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The replace request breaks half-way (a body that stops parsing, or an operation that fails
    after DROP + INSERT): the previous graph and its hash stay."""
    if backend[0] in NOT_ATOMIC:
        pytest.xfail(NOT_ATOMIC[backend[0]])
    store.replace_document(DOC, doc_graph("旧任务", extra=2), sha256="a")
    if isinstance(store, RemoteStore) and store.endpoint.gsp:
        original_put = type(store.http).put_graph
        monkeypatch.setattr(
            type(store.http), "put_graph", lambda self, g, body: original_put(self, g, body + b'<x> <y> "z\n')
        )
    else:
        import kg.store.oxigraph as embedded
        import kg.store.remote as remote

        for module in (embedded, remote):
            original = module.replace_graph_ops
            monkeypatch.setattr(
                module,
                "replace_graph_ops",
                lambda name, graph, sha, original=original: [
                    *original(name, graph, sha),
                    f"CREATE GRAPH <{name}>",
                ],
            )
    with pytest.raises(KgError):
        store.replace_document(DOC, doc_graph("新任务", extra=5), sha256="b")
    assert texts(store) == ["旧任务"] and store.document_hash(DOC) == "a"


@pytest.mark.parametrize("fmt", ["turtle", "nquads"])
def test_export(store: Store, fmt: str) -> None:
    load_dataset(store)
    data = store.export(fmt)
    assert "市财政局".encode() in data and b"store#sha256" not in data
    ds = rdflib.Dataset()
    ds.parse(data=data, format={"turtle": "turtle", "nquads": "nquads"}[fmt])
    names = {str(g.identifier) for g in ds.graphs() if len(g)}
    if fmt == "nquads":
        assert str(REGISTRY_GRAPH) in names and len(names) == 3
    union = {t for g in ds.graphs() for t in g}
    assert len(union) == len(load_union())


def load_union() -> set:
    ds = rdflib.Dataset()
    ds.parse(ROOT / "tests" / "fixtures" / "graphs" / "mini.trig", format="trig")
    return {t for g in ds.graphs() for t in g}


def test_query_errors_and_result_types(store: Store) -> None:
    import pyoxigraph as ox

    with pytest.raises(KgError) as err:
        store.query("SELECT WHERE {")
    assert err.value.status == 400 and err.value.code == "bad-query"
    store.replace_document(DOC, doc_graph("任务"), sha256="a")
    assert isinstance(store.query("ASK { ?s gw:text ?t }"), ox.QueryBoolean)
    assert bool(store.query("ASK { ?s gw:text ?t }")) is True
    assert bool(store.query("ASK { ?s gw:nothing ?t }")) is False
    triples = store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{DOC}> {{ ?s ?p ?o }} }}")
    assert isinstance(triples, ox.QueryTriples) and len(list(triples)) == 3


def test_read_only_store_refuses_writes(store: Store, backend: tuple[str, str]) -> None:
    store.replace_document(DOC, doc_graph("任务"), sha256="a")
    store.close()
    with open_store(backend[1], read_only=True) as ro:
        assert ro.read_only and ro.documents() == [DOC]
        with pytest.raises(KgError) as err:
            ro.replace_document(DOC, doc_graph("x"), sha256="z")
        assert err.value.code == "read-only"
        with pytest.raises(KgError):
            ro.update(f"DROP GRAPH <{DOC}>")
        assert ro.document_hash(DOC) == "a"


# ------------------------------------------------------------ the pipeline through a remote store


@pytest.fixture(scope="module")
def embedded_seed(seed_store_dir: Path) -> Iterator[Store]:
    with open_store(seed_store_dir, read_only=True) as s:
        yield s


@pytest.fixture(params=["oxigraph", "oxigraph-update", "virtuoso"])
def seeded_remote(request: pytest.FixtureRequest, registry) -> Iterator[tuple[str, str]]:  # noqa: ANN001
    """A remote store holding the seed notice, ingested by `kg ingest --store URL`."""
    from click.testing import CliRunner

    from kg.cli import cli

    fixture, location = VARIANTS[request.param]
    loc = location(request.getfixturevalue(fixture))
    with open_store(loc) as s:
        wipe(s)  # type: ignore[arg-type]
    result = CliRunner().invoke(cli, ["ingest", str(SEED_NOTICE), "--store", loc])
    assert result.exit_code == 0, result.output
    assert "stored" in result.output
    yield request.param, loc


def test_ingest_and_named_queries_through_a_remote_store(
    seeded_remote: tuple[str, str], embedded_seed: Store
) -> None:
    from click.testing import CliRunner

    from kg.cli import cli
    from kg.queries import Catalog, run_named

    name, loc = seeded_remote
    with open_store(loc, read_only=True) as remote:
        assert remote.documents() == embedded_seed.documents()
        doc = remote.documents()[0]
        assert len(remote.document_graph(doc)) == len(embedded_seed.document_graph(doc))
        table = run_named(remote, Catalog.load().get("unit-tasks"), {"unit": "伏羲山管委会"})
        assert len(table) == FUXI_TASKS
        expected = run_named(embedded_seed, Catalog.load().get("unit-tasks"), {"unit": "伏羲山管委会"})
        assert sorted(map(tuple, table.rows)) == sorted(map(tuple, expected.rows))
    runner = CliRunner()
    again = runner.invoke(cli, ["ingest", str(SEED_NOTICE), "--store", loc])
    assert again.exit_code == 0 and "unchanged" in again.output
    valid = runner.invoke(cli, ["validate", "--store", loc])
    assert valid.exit_code == 0, valid.output
    assert "1 document checked, 0 with violations" in valid.output
    csv_out = runner.invoke(
        cli, ["query", "unit-tasks", "-p", "unit", "伏羲山管委会", "--format", "csv", "--store", loc]
    )
    assert csv_out.exit_code == 0 and len(csv_out.output.strip().splitlines()) == 1 + FUXI_TASKS


def canonical(rows: list[list[object]]) -> list[str]:
    """Rows comparable across engines: GROUP_CONCAT lists have no defined order in SPARQL."""

    def cell(v: object) -> str:
        if isinstance(v, str):
            for sep in ("; ", "；", "、"):
                if sep in v:
                    return sep.join(sorted(v.split(sep)))
        return repr(v)

    return sorted(repr([cell(v) for v in row]) for row in rows)


@pytest.mark.parametrize("variant", ["oxigraph", "oxigraph-graphs", "virtuoso"])
def test_every_named_query_answers_as_on_the_embedded_store(
    variant: str, request: pytest.FixtureRequest, mini_store: Store
) -> None:
    """Engine compatibility: each catalogue query, bound with sample values, gives the same rows.
    Virtuoso 7.2 does not (booleans as 0/1, integer division, unbound as "", VALUES + UNION, ...:
    docs/engines.md lists them): reported as an expected failure naming the queries."""
    from test_queries import SAMPLE

    from kg.queries import Catalog, run_named

    fixture, location = VARIANTS[variant]
    with open_store(location(request.getfixturevalue(fixture))) as remote:
        wipe(remote)  # type: ignore[arg-type]
        load_dataset(remote)
        differ = []
        for q in Catalog.load():
            values = {p.name: SAMPLE[p.name] for p in q.params if p.required}
            want = run_named(mini_store, q, values)
            got = run_named(remote, q, values)
            if got.columns != want.columns or canonical(got.rows) != canonical(want.rows):
                differ.append(q.name)
        if variant == "virtuoso" and differ:
            pytest.xfail(f"Virtuoso 7.2 answers {len(differ)} named queries differently: {', '.join(differ)}")
        assert differ == []


def test_kg_serve_on_a_remote_store(oxigraph_url: str, registry) -> None:  # noqa: ANN001
    """The HTTP app on a remote store, default settings: upload, named queries and the SPARQL
    endpoint, unchanged (readers query the server itself: no snapshot copy of a store others write)."""
    from fastapi.testclient import TestClient

    from kg.serve import Settings, create_app

    with open_store(oxigraph_url) as s:
        wipe(s)  # type: ignore[arg-type]
    token = "remote-serve-token"
    settings = Settings.build(oxigraph_url, token=token, workers=1)
    with TestClient(create_app(settings)) as client:
        up = client.post(
            "/documents",
            files={"file": (SEED_NOTICE.name, SEED_NOTICE.read_bytes(), "text/plain")},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert up.status_code == 201, up.text
        r = client.get("/queries/unit-tasks", params={"unit": "伏羲山管委会", "format": "json"})
        assert r.status_code == 200, r.text
        assert len(r.json()["rows"]) == FUXI_TASKS
        ask = client.get(
            "/sparql",
            params={"query": "ASK { ?t a gw:Task }"},
            headers={"Accept": "application/sparql-results+json"},
        )
        assert ask.status_code == 200 and ask.json()["boolean"] is True


# ------------------------------------------------------------------ atomic replace on the server


def test_readers_see_the_old_or_the_new_graph_on_oxigraph_server(oxigraph_url: str) -> None:
    """A Graph Store PUT replacing a document is atomic for concurrent readers (measured, because it
    is the server's guarantee and not kg's): every count a reader sees is one of the two versions."""
    big = rdflib.Graph()
    for i in range(8_000):
        big.add((URIRef(f"{DOC}/t/{i}"), GW.number, Literal(i)))
    small = doc_graph("小", extra=3)
    with open_store(oxigraph_url) as writer, open_store(oxigraph_url, read_only=True) as reader:
        wipe(writer)  # type: ignore[arg-type]
        writer.replace_document(DOC, small, sha256="small")
        q = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{DOC}> {{ ?s ?p ?o }} }}"
        seen: set[int] = set()
        stop = threading.Event()

        def read() -> None:
            while not stop.is_set():
                seen.add(int(next(iter(reader.query(q)))["n"].value))  # type: ignore[index]

        t = threading.Thread(target=read)
        t.start()
        try:
            for k in range(2):
                writer.replace_document(DOC, big, sha256=f"big{k}")
                writer.replace_document(DOC, small, sha256=f"small{k}")
        finally:
            stop.set()
            t.join()
    assert seen <= {len(small) + 1, len(big) + 1}, sorted(seen)
    assert len(seen) >= 1


# ------------------------------------------------------------------------------ the URL syntax


def test_oxigraph_server_url() -> None:
    ep = parse_location("http://127.0.0.1:7878")
    assert (ep.query, ep.update, ep.gsp) == (
        "http://127.0.0.1:7878/query",
        "http://127.0.0.1:7878/update",
        "http://127.0.0.1:7878/store",
    )
    assert ep.union == Union("param", "union-default-graph") and ep.location == "http://127.0.0.1:7878"
    # pathlib folds `//` (click's Path type, $KG_STORE through kg.paths): still the same server
    assert is_remote(Path("http://127.0.0.1:7878"))
    assert parse_location(str(Path("http://127.0.0.1:7878"))) == ep


def test_explicit_endpoints() -> None:
    ep = parse_location(
        "sparql+http://alice:s%40cret@localhost:3030/ds/query?union=graph:urn:x-arq:UnionGraph&update=/ds/update&gsp=data"
    )
    assert ep.query == "http://localhost:3030/ds/query"
    assert ep.update == "http://localhost:3030/ds/update" and ep.gsp == "http://localhost:3030/ds/data"
    assert ep.union == Union("graph", "urn:x-arq:UnionGraph")
    assert (ep.user, ep.password) == ("alice", "s@cret")
    assert "s@cret" not in ep.location and "s%40cret" not in ep.location and "alice@" in ep.location
    assert parse_location(ep.location).query == ep.query  # the shown location opens the same store
    virtuoso = parse_location("sparql+https://example.org/sparql?union=native&timeout=5")
    assert virtuoso.update == virtuoso.query and virtuoso.gsp is None and virtuoso.timeout == 5
    qlever = parse_location("sparql+http://localhost:7001/?union=native&update=none")
    assert qlever.update is None
    assert parse_location("sparql+http://h/q?union=param:union-default-graph=true").union.value == "true"
    folded = Path("sparql+http://h/q?union=native&gsp=http://other:8080/store")
    assert parse_location(str(folded)).gsp == "http://other:8080/store"


@pytest.mark.parametrize(
    "bad, says",
    [
        ("sparql+http://h/sparql", "union=native"),
        ("sparql+http://h/sparql?union=maybe", "not one of"),
        ("sparql+http://h/sparql?union=native&gsp_path=/x", "unknown store option"),
        ("http://h:7878/?union=native", "sparql+http"),
        ("sparql+http://h/s?union=native&timeout=soon", "number of seconds"),
        ("sparql+ftp://h/s", "not a SPARQL server URL"),
    ],
)
def test_bad_locations_are_kg_errors(bad: str, says: str) -> None:
    with pytest.raises(KgError) as err:
        open_store(bad)
    assert says in err.value.message and err.value.code == "bad-store"


def test_credentials_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KG_STORE_USER", "kg")
    monkeypatch.setenv("KG_STORE_PASSWORD", "pw")
    ep = parse_location("sparql+http://h/sparql?union=native&auth=digest")
    assert (ep.user, ep.password, ep.auth) == ("kg", "pw", "digest")


def test_unreachable_server_is_a_kg_error() -> None:
    with pytest.raises(KgError) as err:
        open_store(f"http://127.0.0.1:{free_port()}")
    assert err.value.code == "store-unreachable" and "cannot reach" in err.value.message


def test_query_form_and_prologue() -> None:
    assert query_form("PREFIX a: <http://a/> # c\nBASE <http://b/>\n select * {}") == "SELECT"
    assert query_form("prefix : <x:> CONSTRUCT WHERE { ?s ?p ?o }") == "CONSTRUCT"
    assert query_form("ASK{}") == "ASK" and query_form("DESCRIBE <x:y>") == "DESCRIBE"
    assert query_form("INSERT DATA {}") is None
    text = with_prologue(
        "PREFIX gw: <urn:mine#> SELECT * {}", {"gw": "urn:gw#", "eli": "urn:eli#"}, "http://b/"
    )
    assert text.splitlines()[:2] == ["BASE <http://b/>", "PREFIX eli: <urn:eli#>"]
    assert "urn:gw#" not in text  # the query's own declaration wins


def test_graph_hash_is_the_same_whatever_the_backend(store: Store, registry) -> None:  # noqa: ANN001
    assert store.set_registry(registry.graph) is True
    assert store.document_hash(str(REGISTRY_GRAPH)) == graph_sha256(registry.graph)
    assert store.set_registry(registry.graph) is False


def test_virtuoso_with_digest_authentication(virtuoso_url: str) -> None:
    """Virtuoso's authenticated endpoints (/sparql-auth, /sparql-graph-crud-auth) with HTTP digest."""
    base = virtuoso_url.removesuffix("/sparql")
    location = f"sparql+{base.replace('://', '://dba:dba@')}/sparql-auth?union=native&gsp=/sparql-graph-crud-auth&auth=digest"
    with open_store(location) as store:
        assert "dba:" not in store.location and "dba@" in store.location
        wipe(store)  # type: ignore[arg-type]
        assert store.replace_document(DOC, doc_graph("认证"), sha256="d") is True
        assert texts(store) == ["认证"] and store.remove_document(DOC) is True
    with pytest.raises(KgError) as err:
        open_store(location.replace("dba:dba@", "dba:wrong@"))
    assert err.value.code == "store-auth"


def test_answers_become_pyoxigraph_results() -> None:
    """Server answers parsed without a server: Virtuoso's ASK-as-SELECT, old `typed-literal`
    JSON, N-Triples for CONSTRUCT, and formats kg cannot read."""
    import pyoxigraph as ox

    from kg.store.remote import parse_answer

    virtuoso_ask = (
        b'{ "head": { "link": [], "vars": ["__ASK_RETVAL"] }, "results": { "distinct": false, "ordered": true, '
        b'"bindings": [ { "__ASK_RETVAL": { "type": "typed-literal", '
        b'"datatype": "http://www.w3.org/2001/XMLSchema#integer", "value": "1" }} ] } }'
    )
    ask = parse_answer(virtuoso_ask, "application/sparql-results+json", "ASK")
    assert isinstance(ask, ox.QueryBoolean) and bool(ask) is True
    count = virtuoso_ask.replace(b"__ASK_RETVAL", b"n").replace(b'"1"', b'"2498"')
    rows = list(parse_answer(count, "application/sparql-results+json", "SELECT"))  # type: ignore[arg-type]
    assert rows[0]["n"] == ox.Literal(
        "2498", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
    )
    nt = b'<urn:s>\t<urn:p>\t"\\u4E2D\\u6587"@zh .\n'
    triples = parse_answer(nt, "application/n-triples", "CONSTRUCT")
    assert isinstance(triples, ox.QueryTriples)
    assert [t.object for t in triples] == [ox.Literal("中文", language="zh")]
    with pytest.raises(KgError) as err:
        parse_answer(b"a,b\n1,2\n", "text/csv", "SELECT")
    assert err.value.code == "store-error" and "text/csv" in err.value.message
    with pytest.raises(KgError):
        parse_answer(b"{ not json", "application/sparql-results+json", "SELECT")
