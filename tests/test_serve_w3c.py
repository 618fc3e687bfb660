"""The W3C SPARQL 1.1 Protocol and Service Description manifests replayed against kg's endpoint.

Each `mf:ProtocolTest` is a list of `ht:Request`s (method, path under /sparql/, headers, body) with
the expected status class, result format and boolean. Before each test the store is emptied and the
test's `ut:graphData` files are loaded as named graphs through our own Graph Store Protocol.
Every request carries the server's write token: kg refuses updates without one (tested in
test_serve_protocol.py), which is access control, not protocol.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import rdflib
from fastapi.testclient import TestClient
from rdflib import RDF, Namespace, URIRef
from rdflib.collection import Collection

from kg.serve import Settings, create_app

W3C = Path(__file__).parent / "w3c"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
TOKEN = "w3c-harness-token"
RESULTS_XML = "{http://www.w3.org/2005/sparql-results#}"


def _manifest(path: Path) -> tuple[rdflib.Graph, list[URIRef]]:
    g = rdflib.Graph()
    g.parse(path, format="turtle", publicID=path.as_uri())
    manifest = next(g.subjects(RDF.type, MF.Manifest))
    return g, list(Collection(g, g.value(manifest, MF.entries)))


PROTOCOL, PROTOCOL_TESTS = _manifest(W3C / "protocol" / "manifest.ttl")
SERVICE, SERVICE_TESTS = _manifest(W3C / "service-description" / "manifest.ttl")


def _requests(test: URIRef) -> list[dict[str, Any]]:
    g = PROTOCOL
    action = g.value(test, MF.action)
    out = []
    for req in Collection(g, g.value(action, HT.requests)):
        headers = {}
        hlist = g.value(req, HT.headers)
        if hlist is not None:
            for h in Collection(g, hlist):
                headers[str(g.value(h, HT.fieldName))] = str(g.value(h, HT.fieldValue))
        body, encoding = g.value(req, HT.body), "UTF-8"
        data = None
        if body is not None:
            encoding = str(g.value(body, CNT.characterEncoding) or "UTF-8")
            data = str(g.value(body, CNT.chars)).encode(encoding.lower().replace("utf-16", "utf-16"))
        resp = g.value(req, HT.resp)
        out.append(
            {
                "method": str(g.value(req, HT.methodName)),
                "path": str(g.value(req, HT.absolutePath)).replace("/sparql/", "/sparql", 1),
                "headers": headers,
                "body": data,
                "status": {str(s).rsplit("#", 1)[-1] for s in g.objects(resp, MF.expectedStatus)},
                "format": str(g.value(resp, MF.expectedFormat) or "") or None,
                "boolean": g.value(resp, MF.expectedBoolean),
            }
        )
    return out


def _graph_data(test: URIRef) -> list[tuple[Path, str]]:
    g = PROTOCOL
    out = []
    for gd in g.objects(test, UT.graphData):
        file = Path(str(g.value(gd, UT.graph)).removeprefix("file://"))
        out.append((file, str(g.value(gd, rdflib.RDFS.label))))
    return out


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Any:
    store = tmp_path_factory.mktemp("w3c") / "store"
    app = create_app(Settings.build(store, token=TOKEN, workers=2, timeout=20))
    with TestClient(app) as c:
        yield c


def _status_class(code: int) -> str:
    return f"StatusCode{code // 100}xx"


def _check_format(response: Any, fmt: str, boolean: Any) -> None:
    ctype = response.headers.get("content-type", "").split(";")[0]
    body = response.content
    if fmt == "boolean":
        if "json" in ctype:
            value = json.loads(body)["boolean"]
        else:
            assert "xml" in ctype, ctype
            value = ET.fromstring(body).find(f"{RESULTS_XML}boolean").text == "true"
        if boolean is not None:
            assert value == boolean.toPython()
    elif fmt == "tabular":
        assert ctype in (
            "application/sparql-results+json",
            "application/sparql-results+xml",
            "text/csv",
            "text/tab-separated-values",
        ), ctype
        if "json" in ctype:
            assert "bindings" in json.loads(body)["results"]
        elif "xml" in ctype:
            assert ET.fromstring(body).find(f"{RESULTS_XML}results") is not None
    elif fmt == "RDF":
        formats = {"application/rdf+xml": "xml", "text/turtle": "turtle", "application/n-triples": "nt"}
        assert ctype in formats, ctype
        rdflib.Graph().parse(data=body, format=formats[ctype])


@pytest.mark.parametrize("test", PROTOCOL_TESTS, ids=[str(t).rsplit("#", 1)[-1] for t in PROTOCOL_TESTS])
def test_protocol(client: TestClient, test: URIRef) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert client.post("/sparql", data={"update": "DROP SILENT ALL"}, headers=auth).status_code == 204
    for file, name in _graph_data(test):
        r = client.put(
            "/store",
            params={"graph": name},
            content=file.read_bytes(),
            headers={**auth, "Content-Type": "application/n-triples"},
        )
        assert r.status_code in (201, 204), r.text
    for req in _requests(test):
        headers = {**req["headers"], **auth}
        r = client.request(req["method"], req["path"], content=req["body"], headers=headers)
        assert _status_class(r.status_code) in req["status"], f"{r.status_code}: {r.text[:300]}"
        if req["format"]:
            _check_format(r, req["format"], req["boolean"])


def _service_description(client: TestClient) -> rdflib.Graph:
    r = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    return rdflib.Graph().parse(data=r.content, format="turtle")


@pytest.mark.parametrize("test", SERVICE_TESTS, ids=[str(t).rsplit("#", 1)[-1] for t in SERVICE_TESTS])
def test_service_description(client: TestClient, test: URIRef) -> None:
    g = _service_description(client)
    name = str(test).rsplit("#", 1)[-1]
    services = list(g.subjects(RDF.type, SD.Service))
    assert len(services) == 1
    service = services[0]
    if name == "has-endpoint-triple":
        assert (service, SD.endpoint, URIRef("http://testserver/sparql")) in g
    elif name == "conforms-to-schema":  # the parts of the SD schema a client relies on
        assert (service, SD.supportedLanguage, SD.SPARQL11Query) in g
        dataset = g.value(service, SD.defaultDataset)
        assert dataset is not None and g.value(dataset, SD.defaultGraph) is not None
        assert (service, SD.feature, SD.UnionDefaultGraph) in g
        assert len(list(g.objects(service, SD.resultFormat))) >= 4
