"""bench/measure.py floor and its lines in bench/run.py's report: the engine's share of ingest."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


gen, measure, run = _load("gen"), _load("measure"), _load("run")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, Path]:
    """Three synthetic notices and a registry that knows their places."""
    out = tmp_path_factory.mktemp("floor")
    gen.generate(out / "corpus", 3, seed=11, min_tasks=20, max_tasks=30, jobs=1)
    registry = out / "registry"
    shutil.copytree(ROOT / "data" / "registry", registry)
    shutil.copy(out / "corpus" / "registry" / "synthetic.ttl", registry)
    return out / "corpus" / "notices", registry


def test_floor_stores_and_validates_every_triple_of_the_notices(corpus, tmp_path, capsys):
    from kg.ingest import prepare
    from kg.registry import Registry

    notices, registry = corpus
    store = tmp_path / "store"
    measure.main(["floor", "--notices", str(notices), "--registry", str(registry), "--store", str(store), "--count", "2"])
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])

    reg = Registry.load(registry)
    first_two = sorted(notices.glob("*.txt"))[:2]
    expected = sum(len(prepare(f, reg).triples) for f in first_two)
    seed = prepare(ROOT / "data" / "notices" / "xinmi-2021-6.txt", reg)
    assert out["notices"] == 2
    assert out["triples"] == expected
    # every triple landed, each document in its own graph (plus the store's bookkeeping per graph)
    assert expected <= out["quads"] <= expected + 10
    assert out["seed_triples"] == len(seed.triples)
    assert out["store_us_per_triple"] > 0 and out["validate_us_per_triple"] > 0
    assert out["store_cpu_s"] == pytest.approx(out["store_us_per_triple"] * expected / 1e6)


def test_floor_lines_in_the_report_scale_per_triple_cost_to_the_goals():
    fl = {
        "notices": 30,
        "triples": 700_000,
        "seed_triples": 10_000,
        "store_us_per_triple": 6.0,
        "validate_us_per_triple": 4.0,
        "cpus": 2,
    }
    assert run.floor_seconds(fl, 1000) == pytest.approx((100.0, 50.0))
    lines = run.goals({"ingest": [], "queries": {}, "shacl": {}, "reopen": {}, "floor": fl})
    text = "\n".join(lines)
    # 1,000 notices: 50 s on 2 cores is under the 60 s goal; 10,000: 500 s, under 600 s
    assert "floor: 50 s on 2 cores to store and validate the triples of 1000 alone\n" in text + "\n"
    assert "floor: 500 s on 2 cores to store and validate the triples of 10000 alone" in text
    assert "over the goal" not in text
    slow = fl | {"store_us_per_triple": 12.0}  # 160 s of CPU per 1,000: 80 s on 2 cores
    text = "\n".join(run.goals({"ingest": [], "queries": {}, "shacl": {}, "reopen": {}, "floor": slow}))
    assert "floor: 80 s on 2 cores to store and validate the triples of 1000 alone, over the goal" in text
