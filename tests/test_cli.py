"""The `kg` command line through click's CliRunner: output shapes, error shape, exit codes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner

from kg.cli import cli

N6 = "新密政办〔2021〕6号"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def kg(runner: CliRunner, *args: str, input: str | None = None):  # noqa: A002 - click's name
    return runner.invoke(cli, list(args), input=input, catch_exceptions=False)


def test_query_csv_parses(runner: CliRunner, mini_store_dir: Path) -> None:
    r = kg(runner, "query", "unit-tasks", "--store", str(mini_store_dir), "-p", "unit", "超化镇政府", "--format", "csv")
    assert r.exit_code == 0, r.output
    got = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [(d["notice"], d["section"], d["number"], d["role"], d["via"]) for d in got] == [
        (N6, "1", "2", "responsible", "各乡镇政府"), (N6, "2", "1", "responsible", "各乡镇政府"),
        (N6, "2", "2", "responsible", ""), (N6, "2", "2", "responsible", "各乡镇政府")]


def test_query_formats(runner: CliRunner, mini_store_dir: Path) -> None:
    store = str(mini_store_dir)
    bom = kg(runner, "query", "targets", "--store", store, "--format", "csv", "--bom")
    assert bom.stdout.startswith("\ufeffnotice,section,number,low,high,unit")
    assert ",600000000,," in bom.stdout
    tsv = kg(runner, "query", "deadlines", "--store", store, "--format", "tsv").stdout.splitlines()
    assert tsv[0].split("\t")[:4] == ["notice", "section", "number", "deadline"]
    assert tsv[1].split("\t")[:4] == [N6, "2", "1", "2021-12-31"]
    js = json.loads(kg(runner, "query", "reporting", "--store", store, "--format", "json").stdout)
    assert js["columns"][:4] == ["notice", "section", "due", "to"]
    assert js["rows"][0] == {"notice": N6, "section": 1, "due": "2021-03-25", "to": "市督查局绩效科",
                             "title": "承担的2021年省政府工作报告重点工作任务及责任分解"}
    table = kg(runner, "query", "notices", "--store", store).stdout
    assert table.splitlines()[0].split()[:4] == ["notice", "title", "issuer", "date"]
    assert table.rstrip().endswith("(2 rows)")


def test_query_errors_have_the_error_shape(runner: CliRunner, mini_store_dir: Path) -> None:
    store = str(mini_store_dir)
    r = kg(runner, "query", "unit-tasks", "--store", store, "-p", "unit", "财政厅")
    assert r.exit_code == 1
    assert r.stdout == ""
    assert r.stderr.startswith("error: parameter unit: unknown unit '财政厅'; did you mean")
    assert "Traceback" not in r.stderr
    r = kg(runner, "query", "unit-tasks", "--store", store)
    assert (r.exit_code, r.stderr) == (1, "error: query unit-tasks: missing required parameter unit\n")
    r = kg(runner, "query", "unit-tasks", "--store", store, "-p", "unit", "a", "-p", "unit", "b")
    assert r.exit_code == 1 and "given twice" in r.stderr
    r = kg(runner, "query", "nope", "--store", store)
    assert r.exit_code == 1 and r.stderr.startswith("error: unknown query 'nope'")
    missing = str(mini_store_dir.parent / "missing")
    r = kg(runner, "query", "notices", "--store", missing)
    assert r.exit_code == 1 and r.stderr.startswith(f"error: {missing}: no store here")
    r = kg(runner, "query", "notices", "--store", store, "--format", "xml")
    assert r.exit_code == 2  # usage error


def test_query_uses_default_store_from_environment(runner: CliRunner, mini_store_dir: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KG_STORE", str(mini_store_dir))
    r = kg(runner, "query", "deadlines", "--format", "csv")
    assert r.exit_code == 0 and "2021-06-30" in r.stdout


def test_queries_lists_the_catalogue(runner: CliRunner) -> None:
    r = kg(runner, "queries")
    assert r.exit_code == 0
    assert "unit-tasks  —  单位承担的任务 / Tasks of a unit" in r.stdout
    assert "-p unit (unit, required)" in r.stdout
    js = json.loads(kg(runner, "queries", "--format", "json").stdout)
    ut = next(q for q in js if q["name"] == "unit-tasks")
    assert ut["params"][0]["name"] == "unit" and ut["params"][0]["required"] is True
    assert [c["name"] for c in ut["columns"]][:6] == ["notice", "section", "number", "role", "via", "text"]


@pytest.mark.parametrize(("fmt", "rdf"), [("turtle", "turtle"), ("ntriples", "nt"), ("nquads", "nquads"),
                                          ("trig", "trig"), ("jsonld", "json-ld")])
def test_export(runner: CliRunner, mini_store_dir: Path, fmt: str, rdf: str) -> None:
    r = kg(runner, "export", "--format", fmt, "--store", str(mini_store_dir))
    assert r.exit_code == 0
    ds = rdflib.Dataset()
    ds.parse(data=r.stdout_bytes, format=rdf)
    assert len({t for g in ds.graphs() for t in g}) > 400


def test_sparql(runner: CliRunner, mini_store_dir: Path, tmp_path: Path) -> None:
    store = str(mini_store_dir)
    # DISTINCT: the union default graph repeats a triple stored in two graphs (郑政办〔2021〕7号 is cited by 6号)
    q = "SELECT DISTINCT ?id WHERE { ?d a gw:Notice ; eli:id_local ?id } ORDER BY ?id"
    r = kg(runner, "sparql", q, "--store", store, "--format", "csv")
    assert r.stdout.splitlines() == ["id", N6, "郑政办〔2021〕7号"]
    r = kg(runner, "sparql", "-", "--store", store, "--format", "json", input=q)
    assert [row["id"] for row in json.loads(r.stdout)["rows"]] == [N6, "郑政办〔2021〕7号"]
    f = tmp_path / "q.rq"
    f.write_text("ASK { ?s gw:agent ?o }", encoding="utf-8")
    assert kg(runner, "sparql", str(f), "--store", store).stdout == "true\n"
    r = kg(runner, "sparql", "CONSTRUCT { ?s skos:prefLabel ?l } WHERE { ?s a gw:UnitGroup ; skos:prefLabel ?l }",
           "--store", store)
    g = rdflib.Graph().parse(data=r.stdout, format="turtle")
    assert len(g) == 3
    r = kg(runner, "sparql", "DROP ALL", "--store", store)
    assert r.exit_code == 1 and r.stderr.startswith("error: SPARQL syntax error")
    r = kg(runner, "sparql", "SELECT * WHERE {", "--store", store)
    assert r.exit_code == 1 and "Traceback" not in r.stderr


def test_serve_without_server_module_is_a_kg_error(runner: CliRunner, monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "kg.serve", None)  # import kg.serve now raises ImportError
    r = kg(runner, "serve", "--store", str(tmp_path / "s"))
    assert r.exit_code == 2
    assert r.stderr.startswith("error: the HTTP server (kg.serve) is not available")


def test_internal_errors_are_one_line_unless_debug(runner: CliRunner, monkeypatch: pytest.MonkeyPatch,
                                                   mini_store_dir: Path) -> None:
    import kg.queries as queries

    def boom(*_a, **_k):
        raise ZeroDivisionError("simulated bug")

    monkeypatch.setattr(queries, "run_named", boom)
    r = kg(runner, "query", "notices", "--store", str(mini_store_dir))
    assert r.exit_code == 2
    assert r.stderr == ("error: internal error: ZeroDivisionError: simulated bug "
                        "(run with --debug for the traceback)\n")
    r = kg(runner, "query", "notices", "--store", str(mini_store_dir), "--debug")
    assert r.exit_code == 2 and "Traceback" in r.stderr and "simulated bug" in r.stderr
    r = kg(runner, "--debug", "query", "notices", "--store", str(mini_store_dir))
    assert r.exit_code == 2 and "Traceback" in r.stderr


def test_compact_keeps_the_store_and_refuses_a_missing_one(
    runner: CliRunner, seed_store_dir: Path, tmp_path: Path
) -> None:
    import shutil

    store = shutil.copytree(seed_store_dir, tmp_path / "store")
    before = kg(runner, "export", "--format", "nquads", "--store", str(store)).stdout
    r = kg(runner, "compact", "--store", str(store))
    assert r.exit_code == 0 and r.stdout.startswith(f"{store}: compacted in "), r.output
    assert sorted(kg(runner, "export", "--format", "nquads", "--store", str(store)).stdout.splitlines()) == sorted(
        before.splitlines()
    )
    assert "伏羲山管委会" in kg(runner, "query", "unit-tasks", "--store", str(store), "-p", "unit", "伏羲山管委会").stdout
    r = kg(runner, "compact", "--store", str(tmp_path / "none"))
    assert r.exit_code == 1 and r.stderr.startswith(f"error: {tmp_path / 'none'}: no store here")
    assert not (tmp_path / "none").exists()


def test_validate_exit_codes(runner: CliRunner, seed_store_dir: Path, tmp_path: Path,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    r = kg(runner, "validate", "--store", str(seed_store_dir))
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[-1] == "1 document checked, 0 with violations"
    assert r.stdout.startswith("ok         https://w3id.org/govwork/eli/cn/新密政办/2021/6")
    r = kg(runner, "validate", "--store", str(tmp_path / "none"))
    assert r.exit_code == 2 and r.stderr.startswith(f"error: {tmp_path / 'none'}: no store here")

    import kg.validate as validation
    from kg.validate import ValidationItem, ValidationReport

    bad = ValidationItem("violation", "task has no 牵头单位", "gw:TaskShape", "x", path="1.1")
    monkeypatch.setattr(
        validation, "validate_document", lambda store, iri, reg, *a: ValidationReport(violations=[bad])
    )
    r = kg(runner, "validate", "--store", str(seed_store_dir))
    assert r.exit_code == 1
    assert "  - task 1.1: task has no 牵头单位 [gw:TaskShape]" in r.stdout
    assert r.stdout.splitlines()[-1] == "1 document checked, 1 with violations"
