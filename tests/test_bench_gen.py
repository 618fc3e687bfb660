"""bench/gen.py: the synthetic corpus is deterministic, self-consistent and reads as notices."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load_gen():
    spec = importlib.util.spec_from_file_location("bench_gen", ROOT / "bench" / "gen.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses and worker processes look the module up by name
    spec.loader.exec_module(mod)
    return mod


gen = _load_gen()


def _tree(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    gen.generate(out, 2, seed=7, min_tasks=30, max_tasks=40, jobs=1, truth=True)
    return out


def test_same_seed_same_bytes_whatever_the_jobs(corpus, tmp_path):
    gen.generate(tmp_path / "b", 2, seed=7, min_tasks=30, max_tasks=40, jobs=2, truth=True)
    assert _tree(corpus) == _tree(tmp_path / "b")
    gen.generate(tmp_path / "c", 2, seed=8, min_tasks=30, max_tasks=40, jobs=1, registry=False)
    other = _tree(tmp_path / "c")
    assert [k for k in other if k.startswith("notices/")] != []
    assert all(other[k] != v for k, v in _tree(corpus).items() if k.startswith("notices/") and k in other)


def test_manifest_counts_match_the_truth(corpus):
    m = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    assert m["notices"] == 2 and len(m["files"]) == 2
    for f in m["files"]:
        text = (corpus / "notices" / f["file"]).read_text(encoding="utf-8")
        truth = json.loads(
            (corpus / "truth" / f["file"].replace(".txt", ".json")).read_text(encoding="utf-8")
        )
        tasks = truth["tasks"]
        assert 30 <= f["tasks"] == len(tasks) <= 40
        assert f["lead"] == sum(len(t["lead"]) for t in tasks)
        assert f["responsible"] == sum(len(t["responsible"]) for t in tasks)
        assert f["targets"] == sum(len(t["targets"]) for t in tasks)
        assert f["chars"] == len(text)
        assert f"文号:{f['id']}" in text and "责任单位" in text and "工作要求" in text
        # tasks are numbered 1..n within each section
        for s in range(1, f["sections"] + 1):
            nums = [t["number"] for t in tasks if t["section"] == s]
            assert nums == list(range(1, len(nums) + 1))
    assert m["totals"]["tasks"] == sum(f["tasks"] for f in m["files"])


def test_targets_and_groups_are_well_formed(corpus):
    for path in (corpus / "truth").glob("*.json"):
        for t in json.loads(path.read_text(encoding="utf-8"))["tasks"]:
            for tg in t["targets"]:
                assert tg["low"] is not None or tg["high"] is not None
                assert tg["unit"] in {"亩", "人次", "人", "家", "元", "头", "张", "个", "%"}
            for ex in t["excluded"]:  # an excluded unit belongs to a group the task names
                assert any(g.startswith("各") for g in t["responsible"]), ex


def test_registry_turtle_parses_and_names_every_place():
    from rdflib import Graph
    from rdflib.namespace import SKOS

    g = Graph().parse(data=gen.registry_turtle(), format="turtle")
    labels = {str(o) for o in g.objects(None, SKOS.prefLabel)}
    for p in gen.PLACES:
        assert p.name in labels and f"{p.prefix}财政局" in labels and p.streets[0] in labels
    members = gen.group_members(gen.PLACES[0], "各乡镇政府")
    assert members == gen.PLACES[0].towns + gen.PLACES[0].townships
    assert gen.group_members(gen.PLACES[0], "各有关单位") is None


def test_notices_parse_into_the_expected_tasks(corpus):
    parse = pytest.importorskip("kg.parse", reason="kg.parse is not importable yet")
    if not hasattr(parse, "parse_file"):
        pytest.skip("kg.parse.parse_file is not written yet")
    for path in sorted((corpus / "notices").glob("*.txt")):
        truth = json.loads((corpus / "truth" / (path.stem + ".json")).read_text(encoding="utf-8"))
        notice = parse.parse_file(path)
        want = [(t["section"], t["number"]) for t in truth["tasks"]]
        assert [t.path for t in notice.tasks] == want, path.name
        # and into what the generator meant: units by role, exclusions, targets, deadlines
        for task, t in zip(notice.tasks, truth["tasks"], strict=True):
            where = f"{path.name} task {t['section']}.{t['number']}"
            assert [a.unit.label for a in task.assignments if a.role == "lead"] == t["lead"], where
            assert [a.unit.label for a in task.assignments if a.role == "responsible"] == t["responsible"], (
                where
            )
            assert sorted({x for a in task.assignments for x in a.unit.excludes}) == sorted(t["excluded"]), (
                where
            )
            got = [(_num(x.low), _num(x.high), x.unit) for x in task.targets]
            assert got == [(_num(x["low"]), _num(x["high"]), x["unit"]) for x in t["targets"]], where
            assert [d.date for d in task.deadlines] == ([t["deadline"]] if t["deadline"] else []), where


def _num(v) -> float | None:
    return None if v is None else float(v)


def test_registry_copy_is_loadable_with_data_registry(corpus, tmp_path):
    registry = pytest.importorskip("kg.registry", reason="kg.registry is not importable yet")
    reg_dir = tmp_path / "registry"
    shutil.copytree(ROOT / "data" / "registry", reg_dir)
    shutil.copy(corpus / "registry" / "synthetic.ttl", reg_dir)
    reg = registry.Registry.load(reg_dir)
    unregistered = {d.short for d in gen.UNREGISTERED}
    for path in (corpus / "truth").glob("*.json"):
        place = next(p for p in gen.PLACES if p.slug == path.stem.split("-")[0])
        for t in json.loads(path.read_text(encoding="utf-8"))["tasks"]:
            for label in t["lead"] + t["responsible"] + t["excluded"]:
                if label[1:] in unregistered:
                    assert reg.resolve(label, place.name) is None, label
                    continue
                iri = reg.resolve(label, place.name)
                assert iri is not None and place.name in str(iri), (label, place.name)
                members = gen.group_members(place, label)
                if members is not None:  # the generator counts expansions as the registry does
                    assert len(reg.members(iri)) == len(members), label
