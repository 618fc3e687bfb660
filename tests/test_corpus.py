"""Across documents and years, on the multi-year corpus (tests/fixtures/corpus, made for tests) plus
the seed: shared nodes for cited notices, units of unknown places, registry growth and change events,
task lineage at ingest, and the cross-document named queries with exact rows."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import CORPUS_FILES, rows, run
from rdflib import Literal, URIRef
from rdflib import namespace as ns
from rdflib.namespace import OWL, PROV, RDF, SKOS

from kg import iris, lineage
from kg.graph import build_graph
from kg.graph.links import KINDS
from kg.ingest import ingest_many, sync_registry
from kg.iris import GW, ORG
from kg.parse import parse_file
from kg.queries import Catalog, Table
from kg.registry import Registry
from kg.store import open_store

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "fixtures" / "corpus"
FILES = CORPUS_FILES
N6, N22, XY = "新密政办〔2021〕6号", "新密政办〔2022〕5号", "荥政办〔2021〕9号"
Z15, Z7, H8 = "郑政办〔2021〕15号", "郑政办〔2021〕7号", "豫政办〔2021〕8号"
SKOSXL = "http://www.w3.org/2008/05/skos-xl#"

# (notice, section, number, kind, parent notice, parent section, parent number, score)
LINKS = {
    (N6, 1, 1, "implementsTask", Z15, 4, 8, "1"),
    (N6, 1, 2, "implementsTask", Z15, 2, 3, "0.8"),
    (N6, 1, 2, "sameTaskAs", N6, 2, 20, "0.8"),
    (N6, 1, 6, "implementsTask", Z15, 3, 5, "0.8635"),
    (N6, 1, 6, "sameTaskAs", N6, 2, 23, "0.797"),
    (N6, 1, 7, "implementsTask", Z15, 3, 6, "0.8"),
    (N6, 1, 7, "sameTaskAs", N6, 2, 22, "0.8"),
    (N6, 1, 9, "implementsTask", Z15, 4, 7, "0.9239"),
    (N6, 2, 1, "implementsTask", Z7, 1, 1, "0.5557"),
    (N6, 2, 2, "implementsTask", Z7, 1, 2, "0.5244"),
    (N6, 2, 5, "implementsTask", Z7, 1, 2, "0.6928"),
    (N6, 2, 8, "implementsTask", Z7, 2, 3, "0.8"),
    (N6, 2, 10, "implementsTask", Z7, 2, 4, "0.9233"),
    (N6, 2, 15, "implementsTask", Z7, 3, 6, "0.8"),
    (N6, 2, 22, "implementsTask", Z7, 4, 7, "0.8"),
    (N6, 2, 23, "implementsTask", Z7, 4, 8, "0.831"),
    (N6, 2, 27, "implementsTask", Z7, 5, 9, "0.8"),
    (N6, 2, 30, "implementsTask", Z7, 5, 10, "0.4542"),
    (N6, 2, 36, "implementsTask", Z7, 5, 11, "1"),
    (N22, 1, 1, "continuesTask", N6, 1, 1, "1"),
    (N22, 1, 2, "continuesTask", N6, 1, 6, "0.8677"),
    (N22, 1, 3, "continuesTask", N6, 1, 9, "0.9265"),
    (N22, 1, 4, "continuesTask", N6, 1, 10, "0.8975"),
    (N22, 1, 5, "continuesTask", N6, 1, 4, "0.934"),
    (N22, 2, 1, "continuesTask", N6, 2, 15, "0.8"),
    (N22, 2, 2, "continuesTask", N6, 2, 10, "0.8001"),
    (N22, 2, 3, "continuesTask", N6, 2, 5, "0.8249"),
    (N22, 2, 4, "continuesTask", N6, 2, 16, "0.7859"),
    (XY, 1, 1, "implementsTask", Z7, 4, 8, "0.8252"),
    (XY, 2, 2, "implementsTask", Z7, 2, 4, "0.6529"),
    (XY, 3, 3, "implementsTask", Z7, 1, 1, "0.679"),
    (XY, 4, 4, "implementsTask", Z7, 5, 10, "1"),
    (Z15, 1, 1, "implementsTask", H8, 1, 1, "0.8517"),
    (Z15, 1, 2, "implementsTask", H8, 1, 2, "0.8433"),
    (Z15, 2, 3, "implementsTask", H8, 2, 3, "0.8"),
    (Z15, 2, 4, "implementsTask", H8, 2, 4, "0.8165"),
    (Z15, 3, 5, "implementsTask", H8, 3, 5, "0.8611"),
    (Z15, 3, 6, "implementsTask", H8, 3, 6, "0.8162"),
    (Z15, 4, 7, "implementsTask", H8, 4, 7, "0.9231"),
    (Z15, 4, 8, "implementsTask", H8, 4, 8, "1"),
}


def doc(code: str, year: int, seq: int) -> str:
    return str(iris.document(code, year, seq))


@pytest.fixture(scope="module")
def store(corpus_store):  # noqa: ANN001, ANN201
    return corpus_store




def text(value: object) -> str:
    """A cell as a short string ('' for empty), decimals in plain notation."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value).lower() if isinstance(value, bool) else str(value)


# ------------------------------------------------------------------ documents and units


def test_a_cited_notice_and_its_own_graph_share_one_node(registry: Registry, tmp_path: Path) -> None:
    """Parent and child ingested: the child's eli:applies points at the parent's document node."""
    with open_store(tmp_path / "s") as st:
        sync_registry(st, registry)
        child, parent = CORPUS / "zhengzhou-2021-15.txt", CORPUS / "henan-2021-8.txt"
        results = ingest_many([child, parent], st, registry)
        assert [(r.status, r.links) for r in results] == [("stored", 0), ("stored", 8)]
        h8, z15 = doc("豫政办", 2021, 8), doc("郑政办", 2021, 15)
        assert st.documents() == sorted([h8, z15])
        q = (f"SELECT ?p WHERE {{ GRAPH <{z15}> {{ <{z15}> eli:applies ?p }} "
             "GRAPH ?p { ?p a gw:Notice ; eli:id_local ?id } }")
        assert [r["p"].value for r in st.query(q)] == [h8]
        notices = {r["notice"]: r["implements"] for r in run(st, Catalog.load(), "notices").dicts()}
        assert notices == {Z15: H8, H8: None}
        # the parent came second: the links are in its graph
        held = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{h8}> {{ ?l a gw:TaskLink }} }}"
        assert int(next(iter(st.query(held)))["n"].value) == 8


def test_units_of_an_unknown_county_are_minted_under_it(store) -> None:
    xy = doc("荥政办", 2021, 9)
    g = store.document_graph(xy)
    place = iris.place("荥阳市")
    assert g.value(URIRef(xy), GW.jurisdiction) == place
    assert (place, RDF.type, GW.Place) in g and (place, GW.minted, Literal(True)) in g
    forestry = iris.unit("荥阳市", "林业局")
    assert (forestry, GW.jurisdiction, place) in g and (forestry, GW.minted, Literal(True)) in g
    assert g.value(forestry, SKOS.prefLabel) == Literal("市林业局", lang="zh")
    # not 新密市's 市林业局, which the registry knows
    assert forestry != iris.unit("新密市", "林业局")


def test_the_registry_grows_per_place(tmp_path: Path) -> None:
    """A new data/registry/<place>-units.ttl is picked up: 荥阳市's units resolve instead of being minted."""
    for f in (ROOT / "data" / "registry").glob("*.ttl"):
        shutil.copy(f, tmp_path / f.name)
    (tmp_path / "xingyang-units.ttl").write_text(
        """@prefix gw: <https://w3id.org/govwork/ns#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix place: <https://w3id.org/govwork/id/place/> .
@prefix xy: <https://w3id.org/govwork/id/org/荥阳市/> .
place:荥阳市 a gw:Place ; skos:prefLabel "荥阳市"@zh ; skos:altLabel "荥阳"@zh ; skos:notation "410182" ;
    skos:broader place:郑州市 ; gw:level "county" ; gw:docCode "荥" .
xy:林业局 a gw:Unit ; skos:prefLabel "市林业局"@zh ; skos:altLabel "荥阳市林业局"@zh ;
    gw:jurisdiction place:荥阳市 ; org:classification gw:Department .
""",
        encoding="utf-8",
    )
    grown = Registry.load(tmp_path)
    forestry = iris.unit("荥阳市", "林业局")
    assert grown.resolve("市林业局", "荥阳市") == forestry
    assert grown.resolve("市林业局", "新密市") == iris.unit("新密市", "林业局")
    assert grown.place_for_doc_code("荥政办") == "荥阳市"
    _, g = build_graph(parse_file(CORPUS / "xingyang-2021-9.txt"), grown)
    assert (forestry, GW.minted, Literal(True)) not in g  # registered now, not minted
    assert g.value(URIRef(doc("荥政办", 2021, 9)), GW.jurisdiction) == iris.place("荥阳市")
    assert (iris.place("荥阳市"), GW.minted, Literal(True)) not in g


def test_the_2019_reform_is_a_change_event_between_two_bodies(registry: Registry) -> None:
    g = registry.graph
    old, new = iris.unit("新密市", "农委"), iris.unit("新密市", "农业农村局")
    events = list(g.subjects(ORG.originalOrganization, old))
    assert len(events) == 1
    event = events[0]
    assert (event, RDF.type, ORG.ChangeEvent) in g
    assert g.value(event, ORG.resultingOrganization) == new
    assert g.value(event, PROV.atTime) == Literal("2019", datatype=ns.XSD.gYear)
    assert "Assumption" in str(g.value(event, SKOS.note))
    assert not list(g.triples((None, OWL.sameAs, None)))  # distinct bodies are never merged
    assert old in registry and new not in registry  # the successor is minted by the notices naming it


def test_the_fuxishan_rename_keeps_one_unit_with_dated_names(registry: Registry) -> None:
    g = registry.graph
    unit = iris.unit("新密市", "伏羲山管委会")
    assert registry.resolve("尖山风景区管理委员会", "新密市") == unit
    assert registry.resolve("伏羲山风景区管委会", "新密市") == unit
    names = {}
    for prop in ("altLabel", "hiddenLabel"):
        for label in g.objects(unit, URIRef(SKOSXL + prop)):
            form = str(g.value(label, URIRef(SKOSXL + "literalForm")))
            until = g.value(label, GW.usedUntil)
            names[form] = (prop, str(g.value(label, GW.usedFrom)), str(until) if until else None)
    assert names == {
        "尖山风景区管理委员会": ("hiddenLabel", "2016", "2020"),
        "伏羲山风景区管理委员会": ("altLabel", "2021", "2022"),
        "伏羲山风景区": ("altLabel", "2023", None),
    }


# ------------------------------------------------------------------ task lineage at ingest


def test_task_links_with_scores(store, catalog: Catalog) -> None:
    table = run(store, catalog, "task-links")
    got = {(*r[:7], text(r[7])) for r in rows(table, "notice", "section", "number", "kind", "parent_notice",
                                                  "parent_section", "parent_number", "score")}
    assert got == LINKS
    assert {d["method"] for d in table.dicts()} == {lineage.METHOD}
    assert {d["kind"] for d in table.dicts()} == set(KINDS)
    # the two seed pairs are within-notice links
    assert {(r[1], r[2], r[5], r[6]) for r in LINKS if r[3] == "sameTaskAs"} >= {(1, 6, 2, 23), (1, 7, 2, 22)}
    one = run(store, catalog, "task-links", notice=XY)
    assert [(d["number"], d["parent_number"], d["held_by"]) for d in one.dicts()] == [
        (1, 8, Z7), (2, 4, Z7), (3, 1, Z7), (4, 10, Z7)  # 郑政办 7 was ingested after 荥政办 9
    ]


def test_links_do_not_depend_on_ingest_order_and_a_second_run_writes_nothing(registry: Registry,
                                                                             store) -> None:
    def facts(st) -> set[tuple]:
        q = "SELECT DISTINCT ?c ?k ?p ?s WHERE { GRAPH ?g { ?l a gw:TaskLink ; rdf:subject ?c ; " \
            "rdf:predicate ?k ; rdf:object ?p ; gw:score ?s } }"
        return {tuple(r[v].value for v in ("c", "k", "p", "s")) for r in st.query(q)}

    with open_store(":memory:") as st:
        sync_registry(st, registry)
        assert {r.status for r in ingest_many(list(reversed(FILES)), st, registry)} == {"stored"}
        assert facts(st) == facts(store)
        # in file order now: every pair's links are already held by one of its two graphs
        assert {r.status for r in ingest_many(FILES, st, registry)} == {"unchanged"}
        assert facts(st) == facts(store)
        targets = "SELECT (COUNT(DISTINCT *) AS ?n) WHERE { ?c gw:restatesTarget ?p }"
        assert next(iter(st.query(targets)))["n"].value == next(iter(store.query(targets)))["n"].value


def test_restated_targets_pair_by_unit_and_indicator() -> None:
    pairs = lineage.pair_targets(
        [("a", "实施国土绿化", "亩"), ("b", "森林抚育", "亩"), ("c", "技术合同成交额", "元")],
        [("x", "新增国土绿化面积", "亩"), ("y", "森林抚育", "亩"), ("z", "技术合同成交额增长", "%")],
    )
    assert sorted(pairs) == [("a", "x"), ("b", "y")]
    # one target each in a unit: paired whatever the wording
    assert lineage.pair_targets([("a", "全市生产总值增长", "%")], [("x", "全省生产总值增长", "%")]) == [("a", "x")]


# ------------------------------------------------------------------ the cross-document queries


def test_recurring_tasks(store, catalog: Catalog) -> None:
    table = run(store, catalog, "recurring-tasks")
    assert rows(table, "notice", "section", "number", "previous_notice", "previous_section", "previous_number",
                "year", "previous_year", "since", "place") == [
        (N22, s, n, N6, ps, pn, 2022, 2021, 2021, "新密市")
        for s, n, ps, pn in [(1, 1, 1, 1), (1, 2, 1, 6), (1, 3, 1, 9), (1, 4, 1, 10), (1, 5, 1, 4),
                             (2, 1, 2, 15), (2, 2, 2, 10), (2, 3, 2, 5), (2, 4, 2, 16)]
    ]
    assert run(store, catalog, "recurring-tasks", notice=N6).rows == table.rows  # either year's notice
    assert len(run(store, catalog, "recurring-tasks", notice=Z7)) == 0


def test_parent_gaps(store, catalog: Catalog) -> None:
    table = run(store, catalog, "parent-gaps")
    assert rows(table, "notice", "parent_notice", "section", "number") == [
        (N6, Z15, 1, 1), (N6, Z15, 1, 2), (N6, Z15, 2, 4), (N6, Z15, 4, 9), (N6, Z7, 2, 5),
        (XY, Z7, 1, 2), (XY, Z7, 2, 3), (XY, Z7, 2, 5), (XY, Z7, 3, 6), (XY, Z7, 4, 7), (XY, Z7, 5, 9),
        (XY, Z7, 5, 11),
        (Z15, H8, 4, 9),
    ]
    gaps = run(store, catalog, "parent-gaps", notice=Z15).dicts()
    assert [(d["text"], d["lead"]) for d in gaps] == [("加强社会治安防控体系建设，常态化推进扫黑除恶。", "省公安厅")]


def test_transmission_time(store, catalog: Catalog) -> None:
    table = run(store, catalog, "transmission-time")
    assert [(d["notice"], text(d["date"]), d["implements"], text(d["implements_date"]), d["days"], d["direct"],
             d["place"], d["implements_place"]) for d in table.dicts()] == [
        (N6, "2021-03-26", H8, "2021-02-10", 44, False, "新密市", "河南省"),
        (N6, "2021-03-26", Z15, "2021-03-05", 21, True, "新密市", "郑州市"),
        (N6, "2021-03-26", Z7, "2021-02-26", 28, True, "新密市", "郑州市"),
        (XY, "2021-03-15", Z7, "2021-02-26", 17, True, "荥阳市", "郑州市"),
        (Z15, "2021-03-05", H8, "2021-02-10", 23, True, "郑州市", "河南省"),
    ]
    assert [d["days"] for d in run(store, catalog, "transmission-time", notice=Z15).dicts()] == [23]


def _targets(table: Table) -> list[tuple]:
    cols = ("notice", "section", "number", "indicator", "low", "high", "relation", "parent_notice", "parent_low",
            "parent_high", "change", "ratio", "escalated")
    return [tuple(text(d[c]) if c not in ("section", "number") else d[c] for c in cols) for d in table.dicts()]


def test_indicator_targets_show_escalation_across_levels_and_years(store, catalog: Catalog) -> None:
    assert _targets(run(store, catalog, "indicator-targets", keyword="垃圾分类")) == [
        (N6, 2, 10, "主城区生活垃圾分类覆盖率", "97", "", "implements", Z7, "95", "", "2", "1.0211", "true"),
        (N22, 2, 2, "主城区生活垃圾分类覆盖率", "98", "", "continues", N6, "97", "", "1", "1.0103", "true"),
        (Z7, 2, 4, "全市城区生活垃圾分类覆盖率", "95", "", "", "", "", "", "", "", ""),
        (XY, 2, 2, "城区生活垃圾分类覆盖率", "96", "", "implements", Z7, "95", "", "1", "1.0105", "true"),
    ]
    # caps escalate downwards: 4% under the city's 4.5%
    assert _targets(run(store, catalog, "indicator-targets", keyword="失业率")) == [
        (N6, 2, 27, "城镇登记失业率", "", "4", "implements", Z7, "", "4.5", "-0.5", "0.8889", "true"),
        (Z7, 5, 9, "城镇登记失业率", "", "4.5", "", "", "", "", "", "", ""),
        (H8, 1, 2, "城镇调查失业率", "", "5.5", "", "", "", "", "", "", ""),
        (Z15, 1, 2, "城镇调查失业率", "", "5", "implements", H8, "", "5.5", "-0.5", "0.9091", "true"),
    ]
    # absolute quantities: a county's share of the city's (ratio), no verdict across levels; year to year yes
    assert _targets(run(store, catalog, "indicator-targets", keyword="国土绿化")) == [
        (N6, 2, 23, "实施国土绿化", "5300", "5300", "implements", Z7, "50000", "50000", "-44700", "0.106", ""),
        (XY, 1, 1, "实施国土绿化", "4000", "4000", "implements", Z7, "50000", "50000", "-46000", "0.08", ""),
        (Z7, 4, 8, "实施国土绿化", "50000", "50000", "", "", "", "", "", "", ""),
        (N6, 1, 6, "新增国土绿化面积", "5300", "5300", "implements", Z15, "50000", "50000", "-44700", "0.106", ""),
        (H8, 3, 5, "新增国土绿化面积", "1500000", "1500000", "", "", "", "", "", "", ""),
        (Z15, 3, 5, "新增国土绿化面积", "50000", "50000", "implements", H8, "1500000", "1500000", "-1450000",
         "0.0333", ""),
        (N22, 1, 2, "新增国土绿化面积", "6000", "6000", "continues", N6, "5300", "5300", "700", "1.1321", "true"),
    ]
    everything = run(store, catalog, "indicator-targets")  # no keyword: every target, once
    assert len(everything) == len({d["target"] for d in everything.dicts()}) == 70


UNIT_OVER_YEARS = [  # 市农业农村局 in 2022, and its predecessor 市农委 in 2021 (via = the group it came through)
    (N6, 1, 4, 2021, "lead", "市农委", "predecessor", ""),
    (N6, 1, 5, 2021, "responsible", "市农委", "predecessor", ""),
    (N6, 1, 7, 2021, "responsible", "市农委", "predecessor", ""),
    (N6, 1, 8, 2021, "responsible", "市农委", "predecessor", "市政府各部门"),
    (N6, 2, 9, 2021, "lead", "市农委", "predecessor", ""),
    (N6, 2, 10, 2021, "responsible", "市农委", "predecessor", "市政府各部门"),
    (N6, 2, 12, 2021, "lead", "市农委", "predecessor", ""),
    (N6, 2, 13, 2021, "responsible", "市农委", "predecessor", ""),
    (N6, 2, 14, 2021, "lead", "市农委", "predecessor", ""),
    (N6, 2, 15, 2021, "lead", "市农委", "predecessor", ""),
    (N6, 2, 16, 2021, "lead", "市农委", "predecessor", ""),
    (N6, 2, 17, 2021, "lead", "市农委", "predecessor", ""),
    (N6, 2, 18, 2021, "lead", "市农委", "predecessor", ""),
    (N6, 2, 20, 2021, "responsible", "市农委", "predecessor", ""),
    (N6, 2, 21, 2021, "responsible", "市农委", "predecessor", ""),
    (N6, 2, 26, 2021, "responsible", "市农委", "predecessor", "市政府各部门"),
    (N6, 2, 27, 2021, "responsible", "市农委", "predecessor", ""),
    (N6, 2, 30, 2021, "responsible", "市农委", "predecessor", "市政府各部门"),
    (N6, 2, 36, 2021, "responsible", "市农委", "predecessor", "市政府各部门"),
    (N6, 2, 38, 2021, "responsible", "市农委", "predecessor", "市政府各部门"),
    (N22, 1, 4, 2022, "responsible", "市农业农村局", "self", ""),
    (N22, 1, 5, 2022, "lead", "市农业农村局", "self", ""),
    (N22, 2, 1, 2022, "lead", "市农业农村局", "self", ""),
    (N22, 2, 4, 2022, "lead", "市农业农村局", "self", ""),
]


def test_unit_over_years_follows_the_reform(store, catalog: Catalog) -> None:
    table = run(store, catalog, "unit-over-years", unit="市农业农村局")
    cols = ("notice", "section", "number", "year", "role", "unit", "relation", "via")
    assert rows(table, *cols) == UNIT_OVER_YEARS
    change = {d["change"] for d in table.dicts()}
    assert change == {"新密市机构改革（2019，假定）：市农委 → 市农业农村局", None}
    # from the old body forwards: the same rows, seen from the other side (新密市's 市农委 only)
    forwards = run(store, catalog, "unit-over-years", unit="新密市农委")
    assert [(r[0], r[1], r[2], r[6]) for r in rows(forwards, *cols)] == [
        (r[0], r[1], r[2], {"predecessor": "self", "self": "successor"}[r[6]]) for r in UNIT_OVER_YEARS
    ]


def test_unit_over_years_through_a_rename_is_one_unit(store, catalog: Catalog) -> None:
    # written 伏羲山管委会 in 2021 and 伏羲山风景区管委会 in 2022: one IRI, so all rows are the unit's own
    table = run(store, catalog, "unit-over-years", unit="伏羲山风景区管委会")
    years = {}
    for d in table.dicts():
        assert (d["unit"], d["relation"]) == ("伏羲山管委会", "self")
        years.setdefault(d["year"], set()).add((d["section"], d["number"]))
    assert years[2022] == {(1, 2), (1, 3), (1, 5), (2, 1), (2, 3), (2, 4)}
    assert len(years[2021]) == 36 and set(years) == {2021, 2022}
