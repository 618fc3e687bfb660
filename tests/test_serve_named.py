"""Named queries over HTTP: catalogue, one OpenAPI operation per query, formats, parameter errors."""

from __future__ import annotations

import csv
import io

import pytest
from bs4 import BeautifulSoup
from conftest import load_dataset
from fastapi.testclient import TestClient

from kg.queries import Catalog
from kg.serve import Settings, create_app
from kg.store import open_store


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    location = tmp_path_factory.mktemp("named") / "store"
    with open_store(location) as store:
        load_dataset(store)
    with TestClient(create_app(Settings.build(location, workers=1))) as c:
        yield c


def test_catalogue_json_and_html(client: TestClient) -> None:
    data = client.get("/queries").json()
    names = {q["name"] for q in data["queries"]}
    assert names == set(Catalog.load().names())
    unit_tasks = next(q for q in data["queries"] if q["name"] == "unit-tasks")
    assert unit_tasks["params"][0]["name"] == "unit" and unit_tasks["params"][0]["required"] is True
    assert unit_tasks["url"].endswith("/queries/unit-tasks")
    html = BeautifulSoup(client.get("/queries", headers={"Accept": "text/html"}).text, "html.parser")
    forms = html.select("form.named-form")
    assert {f["data-query"] for f in forms} == names


def test_openapi_has_one_operation_per_query(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for nq in Catalog.load():
        op = spec["paths"][f"/queries/{nq.name}"]["get"]
        assert op["operationId"] == f"query_{nq.name}"
        params = {p["name"]: p for p in op["parameters"]}
        for p in nq.params:
            assert params[p.name]["required"] == (p.required and p.default is None)
        assert {"format", "bom", "timeout"} <= set(params)


def test_unit_tasks_json(client: TestClient) -> None:
    r = client.get("/queries/unit-tasks", params={"unit": "超化镇政府"})
    data = r.json()
    assert r.status_code == 200 and data["count"] == len(data["rows"]) == 4
    got = sorted((row["section"], row["number"], row["role"], row["via"]) for row in data["rows"])
    assert got == [
        (1, 2, "responsible", "各乡镇政府"),
        (2, 1, "responsible", "各乡镇政府"),
        (2, 2, "responsible", ""),
        (2, 2, "responsible", "各乡镇政府"),
    ]
    assert data["truncated"] is False and data["params"] == {"unit": "超化镇政府"}


def test_unit_tasks_csv_with_bom_and_tsv(client: TestClient) -> None:
    r = client.get("/queries/unit-tasks", params={"unit": "伏羲山管委会", "format": "csv", "bom": "1"})
    assert r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:6] == ["notice", "section", "number", "role", "via", "text"]
    assert rows[1][:5] == ["新密政办〔2021〕6号", "1", "2", "responsible", ""]
    plain = client.get("/queries/unit-tasks", params={"unit": "伏羲山管委会"}, headers={"Accept": "text/csv"})
    assert not plain.content.startswith(b"\xef\xbb\xbf")
    tsv = client.get("/queries/unit-tasks", params={"unit": "伏羲山管委会", "format": "tsv"})
    assert tsv.text.splitlines()[1].split("\t")[:4] == ["新密政办〔2021〕6号", "1", "2", "responsible"]


def test_html_form_and_table(client: TestClient) -> None:
    soup = BeautifulSoup(
        client.get("/queries/unit-tasks", params={"unit": "市财政局", "format": "html"}).text, "html.parser"
    )
    assert soup.select_one("input[name=unit]")["value"] == "市财政局"
    assert (
        int(soup.select_one("#row-count").get_text()) == len(soup.select("#results tbody tr")) == 4
    )  # 新密 and 郑州 each have a 市财政局
    assert "bom=1" in soup.select_one("#csv-link")["href"]


def test_parameter_errors_name_the_parameters(client: TestClient) -> None:
    missing = client.get("/queries/unit-tasks")
    assert missing.status_code == 400 and "missing required parameter unit" in missing.json()["error"]
    unknown = client.get("/queries/unit-tasks", params={"unit": "市财政局", "colour": "red"})
    assert unknown.status_code == 400 and "colour" in unknown.json()["error"]
    twice = client.get("/queries/unit-tasks?unit=a&unit=b")
    assert twice.status_code == 400 and "unit" in twice.json()["error"]
    assert client.get("/queries/unit-tasks", params={"unit": "x", "format": "pdf"}).status_code == 400
    nope = client.get("/queries/unit-taks")
    assert nope.status_code == 404 and "unit-tasks" in nope.json()["error"]


@pytest.mark.parametrize(
    "value", ['市财政局" } ?s ?p ?o { "', "市财政局> . ?s ?p ?o . <x", "}} DELETE WHERE {?s ?p ?o}"]
)
def test_injection_attempts_change_nothing(client: TestClient, value: str) -> None:
    r = client.get("/queries/unit-tasks", params={"unit": value})
    assert r.status_code == 400 or r.json()["count"] == 0
    assert client.get("/queries/unit-tasks", params={"unit": "市财政局"}).json()["count"] == 4
