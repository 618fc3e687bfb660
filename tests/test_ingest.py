"""Ingest orchestration on the real pipeline: stored / unchanged / refused, and nothing written on refusal."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.ingest import expand_paths, ingest_many, ingest_path
from kg.store import OxigraphStore, open_store

SEED = Path(__file__).resolve().parents[1] / "data" / "notices" / "xinmi-2021-6.txt"
DOC = "https://w3id.org/govwork/eli/cn/新密政办/2021/6"


@pytest.fixture
def seeded(tmp_path: Path, seed_store_dir: Path) -> Path:
    """A private, writable copy of the session's seed store."""
    location = tmp_path / "store"
    shutil.copytree(seed_store_dir, location)
    return location


def test_stored_then_unchanged(seeded: Path, registry) -> None:
    with open_store(seeded) as store:
        before = (store.triple_count(), store.document_hash(DOC))
        assert store.documents() == [DOC]
        result = ingest_path(SEED, store, registry)
        assert (result.status, result.iri, result.reason) == ("unchanged", DOC, None)
        assert (store.triple_count(), store.document_hash(DOC)) == before


def test_first_ingest_stores_the_document(tmp_path: Path, registry) -> None:
    with open_store(tmp_path / "s") as store:
        store.set_registry(registry.graph)
        result = ingest_path(SEED, store, registry)
        assert result.status == "stored" and result.iri == DOC and result.ok
        assert store.documents() == [DOC]
        tasks = next(iter(store.query(f"SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE {{ GRAPH <{DOC}> "
                                      "{ ?t a gw:Task } }")))["n"].value
        assert int(tasks) == 14 + 38


def test_violations_refuse_and_write_nothing(seeded: Path, registry, monkeypatch: pytest.MonkeyPatch) -> None:
    import kg.validate
    from kg.validate import ValidationItem, ValidationReport

    item = ValidationItem("violation", "target has neither low nor high bound", "gw:TargetShape",
                          DOC + "/task/2/23/target/1", path="2.23", line=120)
    monkeypatch.setattr(kg.validate, "validate", lambda graph, reg: ValidationReport(violations=[item]))
    copy = seeded.parent / "renamed.txt"  # different file name → different graph → not "unchanged"
    shutil.copy(SEED, copy)
    with open_store(seeded) as store:
        before = store.triple_count()
        result = ingest_path(copy, store, registry)
        assert result.status == "refused" and not result.ok
        assert result.reason == "1 SHACL violation: task 2.23: target has neither low nor high bound [gw:TargetShape]"
        assert result.line == 120 and result.iri == DOC
        assert result.error().render().startswith(f"error: {copy}:120: 1 SHACL violation: task 2.23")
        assert store.triple_count() == before


def test_unreadable_files_are_refused_with_file_and_reason(tmp_path: Path, registry) -> None:
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\x00\x01\x02\xff\xfe binary")
    with open_store(tmp_path / "s") as store:
        results = ingest_many([binary, tmp_path / "missing.txt"], store, registry)
        assert [(Path(r.file).name, r.status) for r in results] == [("binary.txt", "refused"),
                                                                    ("missing.txt", "refused")]
        assert results[1].reason == "no such file or directory"
        assert all(r.reason for r in results)
        assert store.triple_count() == 0


def test_internal_error_is_a_refusal_and_the_next_file_still_goes_in(
        tmp_path: Path, registry, monkeypatch: pytest.MonkeyPatch) -> None:
    import kg.graph

    real = kg.graph.build_graph
    calls = []

    def flaky(notice, reg):
        calls.append(notice.source_name)
        if len(calls) == 1:
            raise ZeroDivisionError("simulated bug")
        return real(notice, reg)

    monkeypatch.setattr(kg.graph, "build_graph", flaky)
    with open_store(tmp_path / "s") as store:
        results = ingest_many([SEED, SEED], store, registry)
        assert results[0].status == "refused"
        assert results[0].reason == "internal error: ZeroDivisionError: simulated bug"
        assert results[0].debug and "Traceback" in results[0].debug
        assert results[1].status == "stored"
        assert store.documents() == [DOC]


def test_a_failing_store_write_keeps_the_previous_version(seeded: Path, registry,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    original = OxigraphStore._replace_graph_ops

    def failing(self, name, graph, sha256):
        return original(self, name, graph, sha256) + [f"CREATE GRAPH <{name}>"]  # fails after DROP + INSERT

    monkeypatch.setattr(OxigraphStore, "_replace_graph_ops", failing)
    copy = seeded.parent / "other-name.txt"
    shutil.copy(SEED, copy)
    with open_store(seeded) as store:
        before = (store.triple_count(), store.document_hash(DOC))
        result = ingest_path(copy, store, registry)
        assert result.status == "refused" and "nothing was written" in (result.reason or "")
        assert (store.triple_count(), store.document_hash(DOC)) == before


def test_replacing_a_document_from_another_file_warns(seeded: Path, registry) -> None:
    copy = seeded.parent / "copy-of-seed.txt"
    shutil.copy(SEED, copy)
    with open_store(seeded) as store:
        result = ingest_path(copy, store, registry)
        assert result.status == "stored"
        assert f"replaces {DOC} previously stored from xinmi-2021-6.txt" in result.warnings
        assert store.documents() == [DOC]


def test_directory_walk(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "n1.txt").write_text("x", encoding="utf-8")
    (tmp_path / "a" / "n2.HTML").write_text("x", encoding="utf-8")
    (tmp_path / "a" / "n3.docx").write_bytes(b"x")
    (tmp_path / "a" / "notes.md").write_text("x", encoding="utf-8")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "n4.txt").write_text("x", encoding="utf-8")
    explicit = tmp_path / "explicit.dat"
    found = [p.relative_to(tmp_path).as_posix() for p in expand_paths([tmp_path, explicit])]
    assert found == ["a/n1.txt", "a/n2.HTML", "a/n3.docx", "explicit.dat"]


def test_cli_ingest_output_and_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    store = str(tmp_path / "s")
    r = runner.invoke(cli, ["ingest", str(SEED), "--store", store])
    assert r.exit_code == 0, r.output
    assert f"stored    {SEED}  {DOC}" in r.stdout
    r = runner.invoke(cli, ["ingest", str(SEED), "--store", store])
    assert r.exit_code == 0
    assert f"unchanged {SEED}  {DOC}" in r.stdout and "registry" not in r.stdout
    bad = tmp_path / "empty.txt"
    bad.write_text("", encoding="utf-8")
    r = runner.invoke(cli, ["ingest", str(SEED), str(bad), "--store", store])
    assert r.exit_code == 1
    assert f"refused   {bad}" in r.stdout
    assert "2 files: 0 stored, 1 unchanged, 1 refused" in r.stdout
    assert r.stderr.startswith(f"error: {bad}: ")
    assert "Traceback" not in r.stderr
    r = runner.invoke(cli, ["ingest", str(tmp_path / "nothing-here"), "--store", store])
    assert r.exit_code == 1 and "no such file or directory" in r.stderr
