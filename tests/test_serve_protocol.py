"""`kg serve` on a loopback port, driven by SPARQLWrapper and plain HTTP: the SPARQL protocol,
content negotiation, the error statuses and the limits (row cap, body cap, time limit)."""

from __future__ import annotations

import csv
import io
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import rdflib
from conftest import load_dataset
from SPARQLWrapper import CSV, JSON, JSONLD, POST, TSV, TURTLE, XML, SPARQLWrapper

from kg.serve.testing import LiveServer
from kg.store import open_store

TOKEN = "protocol-test-token"
MAX_ROWS = 50
FUXI = "https://w3id.org/govwork/id/org/新密市/伏羲山管委会"
DOC6 = "https://w3id.org/govwork/eli/cn/新密政办/2021/6"
LABELS = """SELECT ?unit ?label WHERE { ?unit a gw:Unit ; skos:prefLabel ?label .
  FILTER(STRSTARTS(STR(?unit), "https://w3id.org/govwork/id/org/新密市/")) } ORDER BY ?label"""
# Every triple joined with itself five times: runs for hours on any non-trivial store.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> LiveServer:
    location = tmp_path_factory.mktemp("protocol") / "store"
    with open_store(location) as store:
        load_dataset(store)
    with LiveServer(
        location,
        token=TOKEN,
        timeout=20,
        max_rows=MAX_ROWS,
        workers=2,
        max_body=64 * 1024,
        cors="*",
        log=location.parent / "serve.log",
    ) as s:
        yield s


def wrapper(server: LiveServer, query: str, fmt: str, method: str = "GET") -> SPARQLWrapper:
    sw = SPARQLWrapper(server.url + "/sparql")
    sw.setQuery(query)
    sw.setReturnFormat(fmt)
    sw.setMethod(method)
    return sw


def expected_labels(server: LiveServer) -> list[str]:
    got = wrapper(server, LABELS, JSON).queryAndConvert()
    return [b["label"]["value"] for b in got["results"]["bindings"]]


def test_select_json(server: LiveServer) -> None:
    got = wrapper(server, LABELS, JSON).queryAndConvert()
    labels = [b["label"]["value"] for b in got["results"]["bindings"]]
    assert got["head"]["vars"] == ["unit", "label"]
    assert "伏羲山管委会" in labels and "市财政局" in labels and "超化镇政府" in labels
    fuxi = next(b for b in got["results"]["bindings"] if b["label"]["value"] == "伏羲山管委会")
    assert fuxi["unit"] == {"type": "uri", "value": FUXI}
    assert fuxi["label"]["xml:lang"] == "zh"


@pytest.mark.parametrize("method", ["GET", POST])
def test_select_xml(server: LiveServer, method: str) -> None:
    doc = wrapper(server, LABELS, XML, method).queryAndConvert()  # an xml.dom Document
    literals = [n.firstChild.data for n in doc.getElementsByTagName("literal")]
    assert literals == expected_labels(server)


def test_select_csv(server: LiveServer) -> None:
    text = wrapper(server, LABELS, CSV).queryAndConvert().decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["unit", "label"]
    assert [r[1] for r in rows[1:]] == expected_labels(server)
    assert [FUXI, "伏羲山管委会"] in rows


def test_select_tsv(server: LiveServer) -> None:
    text = wrapper(server, LABELS, TSV).queryAndConvert().decode("utf-8")
    lines = text.rstrip("\n").split("\n")
    assert lines[0] == "?unit\t?label"
    assert f'<{FUXI}>\t"伏羲山管委会"@zh' in lines
    assert len(lines) - 1 == len(expected_labels(server))


CONSTRUCT = f"CONSTRUCT {{ <{FUXI}> ?p ?o }} WHERE {{ <{FUXI}> ?p ?o }}"


@pytest.mark.parametrize("fmt", [TURTLE, JSONLD])
def test_construct(server: LiveServer, fmt: str) -> None:
    g = wrapper(server, CONSTRUCT, fmt).queryAndConvert()
    if not isinstance(g, rdflib.Graph):  # SPARQLWrapper returns bytes for Turtle
        g = rdflib.Graph().parse(data=g, format="turtle")
    skos = rdflib.Namespace("http://www.w3.org/2004/02/skos/core#")
    assert (rdflib.URIRef(FUXI), skos.prefLabel, rdflib.Literal("伏羲山管委会", lang="zh")) in g


def test_ask_and_union_default_graph(server: LiveServer) -> None:
    # The task lives in the document graph, the label in the registry graph: one BGP sees both.
    ask = f"""ASK {{ ?task gw:notice <{DOC6}> ; gw:hasAssignment ?a . ?a gw:agent ?u .
                     ?u skos:prefLabel "超化镇政府"@zh }}"""
    assert wrapper(server, ask, JSON).queryAndConvert()["boolean"] is True
    r = httpx.get(
        server.url + "/sparql",
        params={"query": ask, "default-graph-uri": DOC6},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert r.json()["boolean"] is False  # only the document graph: the registry labels are not in it


def test_direct_post_and_form_post(server: LiveServer) -> None:
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?t a gw:Task }"
    direct = httpx.post(
        server.url + "/sparql",
        content=q.encode(),
        headers={"Content-Type": "application/sparql-query", "Accept": "application/json"},
    )
    form = httpx.post(server.url + "/sparql", data={"query": q}, headers={"Accept": "text/csv"})
    n = int(direct.json()["results"]["bindings"][0]["n"]["value"])
    assert n == 6 and form.text.splitlines()[1] == "6"


def test_row_cap_says_the_answer_was_cut(server: LiveServer) -> None:
    r = httpx.get(
        server.url + "/sparql",
        params={"query": "SELECT * WHERE { ?s ?p ?o }"},
        headers={"Accept": "application/sparql-results+json"},
    )
    data = r.json()
    assert len(data["results"]["bindings"]) == MAX_ROWS
    assert data["truncated"] is True
    assert r.headers["KG-Results-Truncated"].startswith("true")
    small = httpx.get(server.url + "/sparql", params={"query": LABELS}, headers={"Accept": "text/csv"})
    assert "KG-Results-Truncated" not in small.headers


def test_conneg_406_and_vary(server: LiveServer) -> None:
    r = httpx.get(server.url + "/sparql", params={"query": LABELS}, headers={"Accept": "text/turtle"})
    assert r.status_code == 406 and "Accept" in r.headers["Vary"]
    assert "application/sparql-results+json" in r.text
    ok = httpx.get(
        server.url + "/sparql",
        params={"query": LABELS},
        headers={"Accept": "text/turtle;q=0.9, text/tab-separated-values;q=0.5"},
    )
    assert ok.status_code == 200 and ok.headers["content-type"].startswith("text/tab-separated-values")
    assert "Accept" in ok.headers["Vary"]


def test_syntax_error_is_400_with_parser_message(server: LiveServer) -> None:
    r = httpx.get(server.url + "/sparql", params={"query": "SELECT ?x WHERE { ?x ?y }"})
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("text/plain")
    assert "syntax error" in r.text and "1:" in r.text  # line:column from the parser


def test_method_and_media_type_errors(server: LiveServer) -> None:
    assert httpx.put(server.url + "/sparql", params={"query": "ASK {}"}).status_code == 405
    r = httpx.post(server.url + "/sparql", content=b"ASK {}", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    assert httpx.post(server.url + "/sparql", content=b"query=ASK%20%7B%7D").status_code == 415
    two = httpx.get(server.url + "/sparql?query=ASK%20%7B%7D&query=ASK%20%7B%7D")
    assert two.status_code == 400


def test_body_cap_is_413(server: LiveServer) -> None:
    big = "ASK { " + "#" * (70 * 1024) + "\n }"
    r = httpx.post(
        server.url + "/sparql",
        content=big.encode(),
        headers={"Content-Type": "application/sparql-query", "Accept": "application/json"},
    )
    assert r.status_code == 413 and r.json()["code"] == "too-large"


def count_tasks(server: LiveServer) -> int:
    r = httpx.get(
        server.url + "/sparql",
        params={"query": "SELECT (COUNT(*) AS ?n) { ?t a gw:Task }"},
        headers={"Accept": "text/csv"},
    )
    return int(r.text.splitlines()[1])


def test_update_without_token_is_refused_and_nothing_changes(server: LiveServer) -> None:
    before = count_tasks(server)
    update = f"DELETE WHERE {{ GRAPH <{DOC6}> {{ ?t a gw:Task }} }}"
    none = httpx.post(server.url + "/sparql", data={"update": update}, headers={"Accept": "application/json"})
    wrong = httpx.post(
        server.url + "/sparql",
        content=update.encode(),
        headers={"Content-Type": "application/sparql-update", "Authorization": "Bearer nope-nope"},
    )
    gsp = httpx.delete(server.url + "/store", params={"graph": DOC6})
    assert none.status_code == 401 and none.json()["code"] == "unauthorized"
    assert none.headers["WWW-Authenticate"].startswith("Bearer")
    assert wrong.status_code == 403
    assert gsp.status_code == 401
    assert count_tasks(server) == before == 6


def test_cors(server: LiveServer) -> None:
    r = httpx.get(server.url + "/healthz", headers={"Origin": "https://example.org"})
    assert r.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in r.headers


def test_service_description_and_void(server: LiveServer) -> None:
    sd = rdflib.Graph().parse(
        data=httpx.get(server.url + "/sparql", headers={"Accept": "text/turtle"}).text, format="turtle"
    )
    SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    endpoint = rdflib.URIRef(server.url + "/sparql")
    assert (endpoint, SD.feature, SD.UnionDefaultGraph) in sd
    assert (endpoint, SD.supportedLanguage, SD.SPARQL11Update) in sd  # this server has a token
    names = set(sd.objects(None, SD.name))
    assert rdflib.URIRef(DOC6) in names
    void = rdflib.Graph().parse(
        data=httpx.get(server.url + "/void", headers={"Accept": "text/turtle"}).text, format="turtle"
    )
    VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
    dataset = next(void.subjects(VOID.sparqlEndpoint, endpoint))
    assert int(void.value(dataset, VOID.triples)) > 100
    classes = {
        void.value(p, VOID["class"]): int(void.value(p, VOID.entities))
        for p in void.objects(dataset, VOID.classPartition)
    }
    assert classes[rdflib.URIRef("https://w3id.org/govwork/ns#Task")] == 6


def test_runaway_query_is_stopped_and_the_server_goes_on(server: LiveServer) -> None:
    def runaway() -> tuple[httpx.Response, float]:
        t0 = time.monotonic()
        r = httpx.get(
            server.url + "/sparql",
            params={"query": RUNAWAY, "timeout": "1"},
            headers={"Accept": "application/json"},
            timeout=60,
        )
        return r, time.monotonic() - t0

    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(runaway)
        time.sleep(0.3)
        # Another worker answers while the runaway one is busy.
        t0 = time.monotonic()
        assert count_tasks(server) == 6
        assert time.monotonic() - t0 < 2
        r, elapsed = future.result()
    assert r.status_code == 503
    body = r.json()
    assert body["code"] == "time-limit" and "time limit of 1 s" in body["error"]
    assert elapsed < 1 + 4  # the limit plus slack for killing and answering
    pid = int(body["details"][0].split()[2])
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # the process that ran it is gone (killed and reaped)
    assert count_tasks(server) == 6  # the next query succeeds
    health = httpx.get(server.url + "/healthz").json()
    assert pid in health["stopped_for_time_limit"] and pid not in health["workers"]


def test_timeout_parameter_is_checked(server: LiveServer) -> None:
    r = httpx.get(
        server.url + "/sparql",
        params={"query": "ASK {}", "timeout": "soon"},
        headers={"Accept": "application/json"},
    )
    assert r.status_code == 400 and "timeout" in r.json()["error"]


def test_error_shape_on_other_routes(server: LiveServer) -> None:
    for r in (
        httpx.get(server.url + "/no/such/page"),
        httpx.get(server.url + "/queries/no-such-query"),
        httpx.get(server.url + "/store"),
    ):
        body = r.json()
        assert set(body) == {"ok", "status", "code", "error", "file", "line", "details"}
        assert body["ok"] is False and body["status"] == r.status_code >= 400


def test_openapi_lists_the_endpoint(server: LiveServer) -> None:
    spec = httpx.get(server.url + "/openapi.json").json()
    assert "/sparql" in spec["paths"] and "/store" in spec["paths"]
    assert json.dumps(spec)  # serializable
    assert Path  # keep import used for type hints in fixtures
