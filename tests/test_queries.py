"""Named queries: catalogue, parameter resolution and binding, exact rows on the mini fixture, formats."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
import rdflib
from conftest import rows, run
from rdflib.namespace import SKOS

from kg.errors import KgError
from kg.iris import BASE
from kg.queries import Catalog, NamedQuery, Table, display_width, render_named, run_named
from kg.queries.labels import canonical_wenhao
from kg.queries.sparql_text import substitute, tokens, variables
from kg.queries.table import plain_decimal
from kg.store import open_store

N6 = "新密政办〔2021〕6号"
Z7 = "郑政办〔2021〕7号"
CONTRACT = {
    "unit-tasks": ["notice", "section", "number", "role", "via", "text"],
    "assignments": ["notice", "section", "number", "text", "unit", "role"],
    "targets": ["notice", "section", "number", "low", "high", "unit", "approximate", "text"],
    "deadlines": ["notice", "section", "number", "deadline"],
    "reporting": ["notice", "section", "due", "to"],
    "notices": ["notice", "title", "issuer", "date", "implements"],
}
EMPTY_BY_DEFAULT = {"co-assignment"}  # no pair shares the default 2 tasks in the fixture
# mini.trig holds no task links (computed at ingest); tests/test_corpus.py runs these on a corpus
EMPTY_BY_DEFAULT |= {"task-links", "recurring-tasks"}
# A value for every parameter of every query (used to check that each query binds and parses).
SAMPLE = {"unit": "市财政局", "group": "各乡镇政府", "notice": N6, "min": "1", "keyword": "债务",
          "from": "2021-01-01", "to": "2021-12-31", "section": "1", "number": "2",
          "task": "https://w3id.org/govwork/eli/cn/新密政办/2021/6/task/1/2"}




# ------------------------------------------------------------------------------------ the catalogue

def test_catalogue_has_the_contract_and_ten_more(catalog: Catalog) -> None:
    assert set(CONTRACT) <= set(catalog.names())
    assert len(catalog) >= len(CONTRACT) + 10
    for name, cols in CONTRACT.items():
        assert catalog[name].column_names[: len(cols)] == cols, name


def test_every_query_file_has_a_complete_header(catalog: Catalog) -> None:
    for q in catalog:
        assert q.title.get("zh") and q.title.get("en"), q.name
        assert len(q.description) > 20, q.name
        assert q.columns and all(c.description for c in q.columns), q.name
        for p in q.params:
            assert p.description, (q.name, p.name)
            assert p.name in SAMPLE, f"add a sample value for parameter {p.name}"


@pytest.mark.parametrize("name", Catalog.load().names())
def test_every_query_parses_and_returns_its_documented_columns(mini_store, catalog: Catalog, name: str) -> None:
    q = catalog[name]
    # with every parameter bound (inline terms must leave valid SPARQL)
    full = run_named(mini_store, q, {p.name: SAMPLE[p.name] for p in q.params})
    assert full.columns == q.column_names
    # with only the required ones (optional variables stay unbound)
    required = {p.name: SAMPLE[p.name] for p in q.params if p.required}
    table = run_named(mini_store, q, required)
    assert table.columns == q.column_names
    assert len(table) > 0 or name in EMPTY_BY_DEFAULT, f"{name} returns nothing on the fixture"
    # and on an empty store the SPARQL still parses and runs
    assert run_named(open_store(":memory:"), q, {}).columns == q.column_names if not required else True


def test_header_errors_name_the_file(tmp_path) -> None:
    (tmp_path / "bad.rq").write_text("#+ title: {zh: 坏, en: bad}\n#+ params:\n#+   - {name: x, type: colour}\n"
                                     "SELECT ?x WHERE { ?x ?p ?o }\n", encoding="utf-8")
    with pytest.raises(KgError) as err:
        Catalog.load(tmp_path)
    assert err.value.file and err.value.file.endswith("bad.rq")
    assert "colour" in err.value.message
    (tmp_path / "bad.rq").write_text("#+ title: {zh: 坏, en: bad}\n#+ params:\n#+   - {name: y}\n"
                                     "SELECT ?x WHERE { ?x ?p ?o }\n", encoding="utf-8")
    with pytest.raises(KgError, match=r"never uses \?y"):
        Catalog.load(tmp_path)
    (tmp_path / "bad.rq").write_text("#+ title: {zh: 坏, en: bad}\n#+ kind: summary\n"
                                     "SELECT ?x WHERE { ?x ?p ?o }\n", encoding="utf-8")
    with pytest.raises(KgError) as err:
        Catalog.load(tmp_path)
    assert "unknown kind 'summary'" in err.value.message and err.value.line == 2


# What each query's rows are (`#+ kind:`); the benchmark holds aggregates to issue 5's 300 ms.
KINDS = {
    "aggregate": {"co-assignment", "lead-load", "notice-units", "notices", "reporting-burden", "sections"},
    "lookup": {"task"},
}


def test_every_query_declares_what_its_rows_are(catalog: Catalog) -> None:
    for q in catalog:
        expected = next((k for k, names in KINDS.items() if q.name in names), "listing")
        assert q.kind == expected, q.name
        assert q.to_dict()["kind"] == expected
        assert q.path is not None and "#+ kind:" in q.path.read_text("utf-8"), f"{q.name}: say it in the header"


def test_unknown_query_suggests(catalog: Catalog) -> None:
    with pytest.raises(KgError) as err:
        catalog.get("unit-task")
    assert err.value.status == 404 and "unit-tasks" in err.value.message


# ------------------------------------------------------------------------------------ contract queries

def test_unit_tasks_direct_and_through_groups(mini_store, catalog: Catalog) -> None:
    t = run(mini_store, catalog, "unit-tasks", unit="超化镇")
    assert rows(t, "notice", "section", "number", "role", "via") == [
        (N6, 1, 2, "responsible", "各乡镇政府"),
        (N6, 2, 1, "responsible", "各乡镇政府"),
        (N6, 2, 2, "responsible", ""),
        (N6, 2, 2, "responsible", "各乡镇政府"),
    ]
    assert t.dicts()[0]["text"] == "新增国土绿化面积5300亩，完成森林抚育1万亩。"


def test_unit_tasks_respects_exclusions(mini_store, catalog: Catalog) -> None:
    # 袁庄乡政府 is excluded from 各乡镇政府 on task 1.2
    assert rows(run(mini_store, catalog, "unit-tasks", unit="袁庄乡政府"), "section", "number", "via") == [
        (2, 1, "各乡镇政府"), (2, 2, "各乡镇政府")]
    # 矿区办事处 (written here by its alias 矿区街道) is excluded from its only group task: no rows, no error
    assert len(run(mini_store, catalog, "unit-tasks", unit="矿区街道")) == 0
    assert rows(run(mini_store, catalog, "unit-tasks", unit="青屏街办事处"), "section", "number", "via") == [
        (1, 2, "各街道办事处")]


@pytest.mark.parametrize("written", ["伏羲山管委会", "伏羲 山管委 会", "伏羲山风景区管理委员会",
                                     "https://w3id.org/govwork/id/org/新密市/伏羲山管委会"])
def test_unit_tasks_accepts_labels_aliases_and_iris(mini_store, catalog: Catalog, written: str) -> None:
    t = run(mini_store, catalog, "unit-tasks", unit=written)
    assert rows(t, "notice", "section", "number", "role", "via", "unit") == [
        (N6, 1, 2, "responsible", "", "伏羲山管委会")]


def test_unit_label_shared_by_several_places_expands_to_all(mini_store, catalog: Catalog) -> None:
    both = run(mini_store, catalog, "unit-tasks", unit="财政局")
    assert rows(both, "notice", "section", "number", "role") == [
        (N6, 1, 1, "responsible"), (N6, 2, 1, "responsible"), (N6, 2, 3, "lead"), (Z7, 1, 4, "lead")]
    assert rows(run(mini_store, catalog, "unit-tasks", unit="市财政局"), "notice") == rows(both, "notice")
    assert {r[0] for r in rows(run(mini_store, catalog, "unit-tasks", unit="新密市财政局"), "notice")} == {N6}
    assert rows(run(mini_store, catalog, "unit-tasks", unit="郑州市财政局"), "notice", "number") == [(Z7, 4)]
    sparql = render_named(mini_store, catalog["unit-tasks"], {"unit": "财政局"})
    assert "VALUES ?unit_iri {" in sparql


def test_unknown_unit_suggests_close_labels(mini_store, catalog: Catalog) -> None:
    with pytest.raises(KgError) as err:
        run(mini_store, catalog, "unit-tasks", unit="财政厅")
    e = err.value
    assert e.status == 400 and e.code == "bad-parameter"
    assert "unknown unit '财政厅'" in e.message and "did you mean" in e.message and "财政局" in e.message


def test_assignments_as_written(mini_store, catalog: Catalog) -> None:
    t = run(mini_store, catalog, "assignments", notice=N6)
    got = rows(t, "section", "number", "unit", "role", "excludes")
    assert got == [
        (1, 1, "市财政局", "responsible", None),
        (1, 2, "市林业局", "lead", None),
        (1, 2, "各乡镇政府", "responsible", "袁庄乡政府"),
        (1, 2, "各街道办事处", "responsible", "矿区办事处"),
        (1, 2, "伏羲山管委会", "responsible", None),
        (2, 1, "市人社局", "lead", None),
        (2, 1, "市财政局", "responsible", None),
        (2, 1, "各乡镇政府", "responsible", None),
        (2, 1, "市教育局", "cooperating", None),
        (2, 2, "市农委", "lead", None),
        (2, 2, "超化镇政府", "responsible", None),
        (2, 2, "各乡镇政府", "responsible", None),
        (2, 3, "市财政局", "lead", None),
        (2, 3, "市政府各部门", "responsible", None),
    ]
    assert [d["implicit"] for d in t.dicts() if d["number"] == 3] == [True, False]
    everything = run(mini_store, catalog, "assignments")
    assert len(everything) == 15 and everything.dicts()[-1]["notice"] == Z7
    # 文号 variants all name the same notice
    for variant in ("郑政办[2021]7号", "郑政办（２０２１）07号", " 郑政办 〔2021〕第7号 "):
        assert rows(run(mini_store, catalog, "assignments", notice=variant), "notice", "number") == [(Z7, 4)]


def test_targets_print_plain_decimals(mini_store, catalog: Catalog) -> None:
    t = run(mini_store, catalog, "targets")
    assert rows(t, "section", "number", "low", "high", "unit", "approximate") == [
        (1, 2, Decimal("5300"), Decimal("5300"), "亩", False),
        (1, 2, Decimal("10000"), Decimal("10000"), "亩", False),
        (2, 1, Decimal("600000000"), None, "元", False),
        (2, 2, Decimal("3"), Decimal("5"), "个", True),
    ]
    got = list(csv.DictReader(io.StringIO(t.to_csv())))
    assert [(r["low"], r["high"]) for r in got] == [("5300", "5300"), ("10000", "10000"), ("600000000", ""), ("3", "5")]
    assert got[3]["approximate"] == "true" and got[2]["comparator"] == "gteq"


def test_deadlines_reporting_notices(mini_store, catalog: Catalog) -> None:
    assert rows(run(mini_store, catalog, "deadlines"), "notice", "section", "number", "deadline", "granularity") == [
        (N6, 2, 1, "2021-12-31", "year"), (N6, 2, 2, "2021-06-30", "half")]
    assert rows(run(mini_store, catalog, "reporting"), "notice", "section", "due", "to") == [
        (N6, 1, "2021-03-25", "市督查局绩效科"), (N6, 1, "2021-06-25", "市督查局绩效科"),
        (N6, 2, "2021-04-02", "市督查局绩效科")]
    notices = run(mini_store, catalog, "notices").dicts()
    assert [(d["notice"], d["issuer"], d["date"], d["sections"], d["tasks"]) for d in notices] == [
        (N6, "市政府办公室", "2021-03-26", 2, 5), (Z7, "市政府办公厅", "2021-03-01", 1, 1)]
    assert sorted(notices[0]["implements"].split("; ")) == ["郑政办〔2021〕15号", Z7]
    assert notices[0]["title"].startswith("新密市人民政府办公室关于")


# ------------------------------------------------------------------------------------ research queries

def test_lead_load(mini_store, catalog: Catalog) -> None:
    t = run(mini_store, catalog, "lead-load")
    assert rows(t, "unit", "place", "lead_tasks", "share") == [
        ("市人社局", "新密市", 1, Decimal("0.2")), ("市农委", "新密市", 1, Decimal("0.2")),
        ("市林业局", "新密市", 1, Decimal("0.2")), ("市财政局", "新密市", 1, Decimal("0.2")),
        ("市财政局", "郑州市", 1, Decimal("0.2"))]
    assert rows(run(mini_store, catalog, "lead-load", notice=Z7), "unit", "lead_tasks") == [("市财政局", 1)]


def test_co_assignment(mini_store, catalog: Catalog) -> None:
    t = run(mini_store, catalog, "co-assignment", min="1")
    got = {tuple(sorted((d["unit_a"], d["unit_b"]))): (d["tasks"], d["lead_a"] + d["lead_b"]) for d in t.dicts()}
    assert got[("市人社局", "市教育局")] == (1, 1)
    assert got[("各乡镇政府", "市林业局")] == (1, 1)
    assert ("白寨镇政府", "超化镇政府") not in got  # expanded members are not partners as written
    assert len(run(mini_store, catalog, "co-assignment")) == 0  # default: at least 2 shared tasks


def test_task_detail_by_number_and_by_iri(mini_store, catalog: Catalog) -> None:
    by_number = run(mini_store, catalog, "task", notice=N6, section="1", number="2").dicts()
    assert len(by_number) == 1
    d = by_number[0]
    assert (d["quote"], d["line"], d["start"], d["end"]) == ("2. 新增国土绿化面积5300亩，完成森林抚育1万亩。", 4, 37, 64)
    assert d["lead"] == "市林业局"
    assert set(d["responsible"].split("、")) == {"各乡镇政府", "各街道办事处", "伏羲山管委会"}
    assert set(d["targets"].split("；")) == {"新增国土绿化面积5300亩", "完成森林抚育1万亩"}
    by_iri = run(mini_store, catalog, "task", task=SAMPLE["task"]).dicts()
    assert len(by_iri) == 1
    assert {k: v for k, v in by_iri[0].items() if k not in ("responsible", "targets")} == {
        k: v for k, v in d.items() if k not in ("responsible", "targets")}  # GROUP_CONCAT order may differ
    with pytest.raises(KgError, match="parameter task: nothing in the store"):
        run(mini_store, catalog, "task", task="https://w3id.org/govwork/eli/cn/新密政办/2021/6/task/9/9")


def test_tasks_by_deadline_range(mini_store, catalog: Catalog) -> None:
    t = run(mini_store, catalog, "tasks-by-deadline")
    assert rows(t, "deadline", "number", "lead", "early") == [("2021-06-30", 2, "市农委", False),
                                                             ("2021-12-31", 1, "市人社局", False)]
    assert rows(run(mini_store, catalog, "tasks-by-deadline", to="2021-06-30"), "deadline") == [("2021-06-30",)]
    assert rows(run(mini_store, catalog, "tasks-by-deadline", **{"from": "2021年7月1日"}), "deadline") == [
        ("2021-12-31",)]
    with pytest.raises(KgError, match="parameter from: '2021-13-01' is not a date"):
        run(mini_store, catalog, "tasks-by-deadline", **{"from": "2021-13-01"})


def test_search_group_members_and_groups(mini_store, catalog: Catalog) -> None:
    assert rows(run(mini_store, catalog, "search", keyword="债务"), "notice", "section", "number") == [
        (N6, 1, 1), (Z7, 1, 4)]
    members = run(mini_store, catalog, "group-members", group="各乡镇人民政府")
    assert rows(run(mini_store, catalog, "group-members", group="乡镇政府"), "member") == rows(members, "member")
    assert rows(members, "member", "classification", "code") == [
        ("超化镇政府", "Town", "410183104"), ("白寨镇政府", "Town", "410183108"),
        ("袁庄乡政府", "Township", "410183200")]
    open_group = run(mini_store, catalog, "group-members", group="市政府各部门").dicts()
    assert [(d["member"], d["open"]) for d in open_group] == [(None, True)]
    gt = run(mini_store, catalog, "group-tasks", group="各乡镇政府")
    assert rows(gt, "section", "number", "excluded", "members") == [(1, 2, "袁庄乡政府", 2), (2, 1, None, 3),
                                                                    (2, 2, None, 3)]


def test_notice_units_counts_roles_and_group_reach(mini_store, catalog: Catalog) -> None:
    t = {(d["unit"], d["place"]): d for d in run(mini_store, catalog, "notice-units", notice=N6).dicts()}
    assert (t["白寨镇政府", "新密市"]["tasks"], t["白寨镇政府", "新密市"]["via_group"]) == (3, 3)
    assert (t["超化镇政府", "新密市"]["tasks"], t["超化镇政府", "新密市"]["via_group"]) == (3, 2)
    fin = t["市财政局", "新密市"]
    assert (fin["tasks"], fin["lead"], fin["responsible"], fin["kind"]) == (3, 1, 2, "unit")
    assert t["各乡镇政府", "新密市"]["kind"] == "group"
    assert ("市财政局", "郑州市") not in t


def test_sections_chain_burden_without_lead_units(mini_store, catalog: Catalog) -> None:
    assert rows(run(mini_store, catalog, "tasks-without-lead"), "notice", "section", "number", "units") == [
        (N6, 1, 1, "市财政局")]
    assert rows(run(mini_store, catalog, "sections", notice=N6), "section", "printed", "based_on", "tasks",
                "reports") == [(1, "一", "郑政办〔2021〕15号", 2, 2), (2, "二", Z7, 3, 1)]
    assert rows(run(mini_store, catalog, "implementation-chain"), "notice", "implements", "implements_date",
                "direct", "sections") == [(N6, "郑政办〔2021〕15号", None, True, "一"),
                                          (N6, Z7, "2021-03-01", True, "二")]
    burden = rows(run(mini_store, catalog, "reporting-burden"), "unit", "reports", "lead_tasks", "to")
    assert burden[0] == ("市林业局", 2, 1, "市督查局绩效科")
    assert len(burden) == 4
    units = run(mini_store, catalog, "units", keyword="街道")
    assert rows(units, "unit", "kind", "code") == [("各街道办事处", "group", None),
                                                   ("青屏街办事处", "unit", "410183001"),
                                                   ("矿区办事处", "unit", "410183400")]


# ------------------------------------------------------------------------------------ parameters

@pytest.mark.parametrize("evil", ['> } ; DROP ALL #', '"财政局" } UNION {', "<https://x> } ?s ?p ?o {",
                                  "财政局\" . } DELETE WHERE { ?s ?p ?o } #"])
def test_unit_injection_is_refused(mini_store, catalog: Catalog, evil: str) -> None:
    before = mini_store.triple_count()
    with pytest.raises(KgError) as err:
        run(mini_store, catalog, "unit-tasks", unit=evil)
    assert err.value.status == 400 and "parameter unit" in err.value.message
    assert mini_store.triple_count() == before


@pytest.mark.parametrize("evil", ['"} UNION { ?task ?p ?o } #', "债务\") || true || (\"", "'''\n} #"])
def test_string_injection_stays_a_literal(mini_store, catalog: Catalog, evil: str) -> None:
    nq = catalog["search"]
    sparql = render_named(mini_store, nq, {"keyword": evil})
    structure = [t.text for t in tokens(sparql) if t.kind == "punct" and t.text in "{}"]
    assert structure == [t.text for t in tokens(nq.sparql) if t.kind == "punct" and t.text in "{}"]
    assert len(run(mini_store, catalog, "search", keyword=evil)) == 0


@pytest.mark.parametrize(("param", "value", "message"), [
    ("notice", "} ; DROP ALL", "is not a 文号"),
    ("notice", "新密政办〔2020〕6号", "unknown notice 新密政办〔2020〕6号; did you mean 新密政办〔2021〕6号"),
    ("notice", "https://evil.example/x> } {", "is not a 文号"),
    ("notice", "https://evil.example/x", "unknown notice <https://evil.example/x>"),
    ("task", "x> } ; DROP ALL ; <y", "is not an IRI"),
    ("section", "1 } UNION {", "is not an integer"),
])
def test_other_bad_values_name_the_parameter(mini_store, catalog: Catalog, param: str, value: str,
                                             message: str) -> None:
    with pytest.raises(KgError) as err:
        run(mini_store, catalog, "task", **{param: value})
    assert err.value.status == 400
    assert f"parameter {param}: " in err.value.message and message in err.value.message


def test_unknown_and_missing_parameters(mini_store, catalog: Catalog) -> None:
    with pytest.raises(KgError) as err:
        run(mini_store, catalog, "unit-tasks", units="财政局", colour="red")
    assert "unknown parameters units (did you mean unit?), colour" in err.value.message
    assert "it takes: unit" in err.value.message
    with pytest.raises(KgError) as err:
        run(mini_store, catalog, "unit-tasks")
    assert err.value.message == "query unit-tasks: missing required parameter unit"
    with pytest.raises(KgError, match="unknown parameter notice"):
        run(mini_store, catalog, "notices", notice=N6)


def test_default_parameter_value_applies(mini_store, catalog: Catalog) -> None:
    assert catalog["co-assignment"].param("min").default == "2"
    sparql = render_named(mini_store, catalog["co-assignment"], {})
    assert '>= "2"^^<http://www.w3.org/2001/XMLSchema#integer>)' in sparql and "?min" not in sparql


# ------------------------------------------------------------------------------------ text helpers

def test_tokenizer_skips_strings_iris_and_comments() -> None:
    q = ('SELECT ?a WHERE { ?a <http://x/?unit#a> "?unit" . # ?unit here\n'
         "  ?a ?unit ?unit_iri . ?b $unit '''?unit''' FILTER(?a < ?unit) }")
    assert variables(q) == {"a", "unit", "unit_iri", "b"}
    out = substitute(q, {"unit": "<http://u>"})
    assert out == ('SELECT ?a WHERE { ?a <http://x/?unit#a> "?unit" . # ?unit here\n'
                   "  ?a <http://u> ?unit_iri . ?b <http://u> '''?unit''' FILTER(?a < <http://u>) }")


@pytest.mark.parametrize(("written", "canonical"), [
    ("新密政办〔2021〕6号", "新密政办〔2021〕6号"), ("新密政办[2021]06号", "新密政办〔2021〕6号"),
    ("新密政办（２０２１）６号", "新密政办〔2021〕6号"), ("新密政办 【2021】 第6號", "新密政办〔2021〕6号"),
    ("新密政办2021年6号", None), ("", None)])
def test_wenhao_variants(written: str, canonical: str | None) -> None:
    assert canonical_wenhao(written) == canonical


def test_table_formats() -> None:
    t = Table(["notice", "section", "low", "text", "ok"],
              [["新密政办〔2021〕6号", 1, Decimal("6E+8"), 'a "b", c\td\ne', True],
               ["x", 12, None, "宽字符", False]])
    assert t.to_csv().splitlines()[0] == "notice,section,low,text,ok"
    assert t.to_csv(bom=True).startswith("\ufeffnotice,")
    parsed = list(csv.DictReader(io.StringIO(t.to_csv())))
    assert parsed[0] == {"notice": "新密政办〔2021〕6号", "section": "1", "low": "600000000",
                         "text": 'a "b", c\td\ne', "ok": "true"}
    assert t.to_tsv().splitlines()[1] == '新密政办〔2021〕6号\t1\t600000000\ta "b", c\\td\\ne\ttrue'
    j = json.loads(t.to_json())
    assert j["columns"] == t.columns and j["rows"][0]["low"] == 600000000 and j["rows"][1]["low"] is None
    lines = t.to_text().splitlines()
    # the second column starts at the same terminal column on every line despite CJK in the first
    firsts = ["notice", "新密政办〔2021〕6号", "x"]
    starts = {display_width(first) + len(line[len(first):]) - len(line[len(first):].lstrip(" "))
              for first, line in zip(firsts, [lines[0], lines[2], lines[3]], strict=True)}
    assert starts == {display_width("新密政办〔2021〕6号") + 2}
    assert lines[-1] == "(2 rows)"
    assert plain_decimal(Decimal("5300.0")) == "5300" and plain_decimal(Decimal("0.50")) == "0.5"


def test_named_query_run_shorthand(mini_store, catalog: Catalog) -> None:
    nq: NamedQuery = catalog["deadlines"]
    assert len(nq.run(mini_store, {"notice": N6})) == 2


def test_every_query_is_documented_in_the_readme(catalog: Catalog) -> None:
    from kg import paths

    readme = (paths.QUERIES_DIR / "README.md").read_text(encoding="utf-8")
    missing = [q.name for q in catalog if f"| `{q.name}` |" not in readme]
    assert missing == []


# ------------------------------------------------------------------------------------ the resolver cache

def _count_index_builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record each time a Resolver scans the store for its unit index."""
    from kg.queries import resolve

    builds: list[str] = []
    original = resolve.Resolver._unit_index

    def counting(self: resolve.Resolver) -> object:
        if self._units is None:
            builds.append(self.store.location)
        return original(self)

    monkeypatch.setattr(resolve.Resolver, "_unit_index", counting)
    return builds


def _minted_unit(label: str) -> rdflib.Graph:
    """A document graph naming one unit the registry does not have."""
    g = rdflib.Graph()
    unit = rdflib.URIRef(f"{BASE}id/org/新密市/{label.removeprefix('市')}")
    g.add((unit, SKOS.prefLabel, rdflib.Literal(label, lang="zh")))
    g.add((unit, rdflib.URIRef(f"{BASE}ns#jurisdiction"), rdflib.URIRef(f"{BASE}id/place/新密市")))
    return g


@pytest.mark.parametrize("where", ["memory", "disk"])
def test_resolver_indexes_are_kept_until_the_data_changes(
    where: str, tmp_path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conftest import load_dataset

    store = open_store(":memory:" if where == "memory" else tmp_path / "store")
    load_dataset(store)
    builds = _count_index_builds(monkeypatch)
    for _ in range(3):
        assert run(store, catalog, "unit-tasks", unit="市财政局").rows
    assert len(builds) == 1  # one scan for three runs
    with pytest.raises(KgError, match="unknown unit '市测试中心'"):
        render_named(store, catalog["unit-tasks"], {"unit": "市测试中心"})
    doc = f"{BASE}eli/cn/测试/2021/1"
    store.replace_document(doc, _minted_unit("市测试中心"), sha256="test")
    assert f"<{BASE}id/org/新密市/测试中心>" in render_named(store, catalog["unit-tasks"], {"unit": "市测试中心"})
    assert len(builds) == 2
    store.remove_document(doc)
    with pytest.raises(KgError, match="unknown unit"):
        render_named(store, catalog["unit-tasks"], {"unit": "市测试中心"})
    assert len(builds) == 3
    store.close()


def test_forget_after_a_raw_update(mini_store, catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    from kg.queries import forget, resolver_for

    store = open_store(":memory:")
    store.update(f'INSERT DATA {{ GRAPH <urn:g> {{ <{BASE}id/org/新密市/甲局> <{SKOS.prefLabel}> "市甲局"@zh }} }}')
    first = resolver_for(store)
    assert resolver_for(store) is first and resolver_for(mini_store) is not first
    store.update(f'INSERT DATA {{ GRAPH <urn:g> {{ <{BASE}id/org/新密市/乙局> <{SKOS.prefLabel}> "市乙局"@zh }} }}')
    assert resolver_for(store) is first  # a raw update does not touch the stored hashes
    forget(store)
    assert resolver_for(store) is not first
    assert render_named(store, catalog["unit-tasks"], {"unit": "市乙局"})
