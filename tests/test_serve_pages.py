"""Pages for people: minted IRIs resolve to HTML (unit, task, notice, other) or RDF on request."""

from __future__ import annotations

from urllib.parse import quote

import pytest
import rdflib
from bs4 import BeautifulSoup
from conftest import load_dataset
from fastapi.testclient import TestClient

from kg.serve import Settings, create_app
from kg.serve.web import iri_from_path, local_path
from kg.store import open_store

BASE = "https://w3id.org/govwork/"
DOC6 = BASE + "eli/cn/新密政办/2021/6"
DOC7 = BASE + "eli/cn/郑政办/2021/7"
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    location = tmp_path_factory.mktemp("pages") / "store"
    with open_store(location) as store:
        load_dataset(store)
    with TestClient(create_app(Settings.build(location, workers=1))) as c:
        yield c


def page(client: TestClient, iri: str) -> BeautifulSoup:
    r = client.get(local_path(iri), headers=HTML)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    return BeautifulSoup(r.text, "html.parser")


def test_paths_and_iris_round_trip() -> None:
    iri = BASE + "id/org/新密市/伏羲山管委会"
    assert local_path(iri) == "/id/org/" + quote("新密市") + "/" + quote("伏羲山管委会")
    raw = local_path(iri).encode()
    assert iri_from_path(raw) == iri
    odd = BASE + "id/org/新密市/a%2Fb"  # a key with a slash stays one segment
    assert iri_from_path(local_path(odd).encode()) == odd


def test_unit_page_lists_tasks_by_year_and_role_with_groups(client: TestClient) -> None:
    soup = page(client, BASE + "id/org/新密市/超化镇政府")
    assert soup.h1.get_text(strip=True).startswith("超化镇政府")
    year = soup.select_one("section.year")
    assert year.h3.get_text().startswith("2021")
    roles = [h.get_text(" ", strip=True) for h in year.find_all("h4")]
    assert roles[0].startswith("责任单位")
    items = [li.get_text(" ", strip=True) for li in year.select("ul.tasks li")]
    # 1.2 and 2.1 through 各乡镇政府; 2.2 both directly and through the group
    assert sum("1.2" in i and "各乡镇政府" in i for i in items) == 1
    assert sum("2.2" in i for i in items) == 2
    assert sum("2.2" in i and "各乡镇政府" not in i for i in items) == 1
    link = year.select_one("a.task")["href"]
    assert link.startswith("/eli/cn/")


def test_unit_page_excluded_member_has_no_task(client: TestClient) -> None:
    soup = page(client, BASE + "id/org/新密市/矿区办事处")  # excluded from 各街道办事处 in 1.2
    assert soup.select("a.task") == []


def test_task_page(client: TestClient) -> None:
    soup = page(client, DOC6 + "/task/1/2")
    assert "新增国土绿化面积5300亩" in soup.select_one(".tasktext").get_text()
    rows = [
        [td.get_text(" ", strip=True) for td in tr.find_all("td")]
        for tr in soup.select("#assignments tr")[1:]
    ]
    assert rows[0][:2] == ["牵头单位", "市林业局"]
    assert ["责任单位", "白寨镇政府", "", "各乡镇政府"] in rows
    targets = [[td.get_text(strip=True) for td in tr.find_all("td")] for tr in soup.select("#targets tr")[1:]]
    assert targets[1][:4] == ["森林抚育", "10000", "10000", "亩"]
    assert soup.select_one("#source").get_text() == "2. 新增国土绿化面积5300亩，完成森林抚育1万亩。"
    notice_link = soup.select_one("#source").find_next("a")["href"]
    assert notice_link.endswith("#L4") and notice_link.startswith(local_path(DOC6))


def test_task_page_deadline(client: TestClient) -> None:
    soup = page(client, DOC6 + "/task/2/2")
    assert "2021-06-30" in soup.find("time").get_text()


def test_notice_page(client: TestClient) -> None:
    soup = page(client, DOC6)
    assert soup.select_one("p.docid").get_text() == "新密政办〔2021〕6号"
    sections = soup.select("section.section")
    assert [len(s.select("ol.tasks li")) for s in sections] == [2, 3]
    text = soup.get_text()
    assert "郑政办〔2021〕15号" in text and "郑政办〔2021〕7号" in text  # implements
    assert soup.select_one("#L4").get_text().startswith("2. 新增国土绿化面积")
    implemented = page(client, DOC7)
    assert "新密政办〔2021〕6号" in implemented.get_text()  # implemented by


def test_other_minted_iri_and_404(client: TestClient) -> None:
    soup = page(client, BASE + "report/河南省/2021")
    assert "2021年河南省政府工作报告" in soup.get_text()
    r = client.get(local_path(BASE + "id/org/新密市/没有这个单位"))
    assert r.status_code == 404 and r.json()["code"] == "not-found"
    assert client.get(local_path(BASE + "id/org/新密市/没有这个单位"), headers=HTML).status_code == 404


@pytest.mark.parametrize(("accept", "fmt"), [("text/turtle", "turtle"), ("application/ld+json", "json-ld")])
def test_rdf_on_request(client: TestClient, accept: str, fmt: str) -> None:
    r = client.get(local_path(DOC6 + "/task/1/2"), headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
    g = rdflib.Graph().parse(data=r.text, format=fmt)
    gw = rdflib.Namespace(BASE + "ns#")
    task = rdflib.URIRef(DOC6 + "/task/1/2")
    assert (task, gw.path, rdflib.Literal("1.2")) in g
    targets = set(g.objects(task, gw.hasTarget))
    assert {g.value(t, gw.unitLabel) for t in targets} == {rdflib.Literal("亩")}  # the targets come along
    whole = rdflib.Graph().parse(data=client.get(local_path(DOC6) + "?format=ttl").text, format="turtle")
    assert len(whole) > len(g)  # a notice gives its whole graph


def test_home_and_query_pages(client: TestClient) -> None:
    soup = BeautifulSoup(client.get("/", headers=HTML).text, "html.parser")
    assert "新密政办〔2021〕6号" in soup.get_text()
    form = BeautifulSoup(client.get("/query").text, "html.parser").select_one("form#query-form")
    assert form["action"] == "/sparql" and form.select_one("textarea[name=query]") is not None
    r = client.get(
        "/sparql",
        params={"query": "SELECT ?l WHERE { ?u skos:prefLabel ?l } ORDER BY ?l LIMIT 3", "format": "html"},
    )
    table = BeautifulSoup(r.text, "html.parser").select_one("#results")
    assert len(table.select("tbody tr")) == 3
    assert "format=csv" in BeautifulSoup(r.text, "html.parser").select_one("#csv-link")["href"]
