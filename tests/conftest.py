"""Shared fixtures: a small hand-written dataset (tests/fixtures/graphs/mini.trig) in a store."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib

from kg.iris import REGISTRY_GRAPH
from kg.queries import Catalog, Table, run_named
from kg.store import Store, open_store

FIXTURES = Path(__file__).parent / "fixtures"
MINI = FIXTURES / "graphs" / "mini.trig"


def load_dataset(store: Store, path: Path = MINI) -> list[str]:
    """Put every graph of a TriG file into `store` through the public API; returns the document IRIs."""
    ds = rdflib.Dataset()
    ds.parse(path, format="trig")
    docs = []
    for g in ds.graphs():
        if len(g) == 0:
            continue
        graph = rdflib.Graph()
        for t in g:
            graph.add(t)
        if g.identifier == REGISTRY_GRAPH:
            store.set_registry(graph)
        else:
            store.replace_document(str(g.identifier), graph, sha256=f"fixture:{g.identifier}")
            docs.append(str(g.identifier))
    return sorted(docs)


@pytest.fixture(scope="session")
def mini_store() -> Store:
    """The mini dataset in an in-memory store, shared by read-only tests."""
    store = open_store(":memory:")
    load_dataset(store)
    return store


@pytest.fixture
def mini_store_dir(tmp_path: Path) -> Path:
    """The mini dataset in an on-disk store under tmp_path (closed, ready to be opened by path)."""
    location = tmp_path / "store"
    with open_store(location) as store:
        load_dataset(store)
    return location


SEED_NOTICE = Path(__file__).resolve().parents[1] / "data" / "notices" / "xinmi-2021-6.txt"
# the multi-year corpus (province, city, two counties, two years) and the seed
CORPUS_FILES = [*sorted((Path(__file__).resolve().parent / "fixtures" / "corpus").glob("*.txt")), SEED_NOTICE]


@pytest.fixture(scope="module")
def corpus_store(registry):  # noqa: ANN001, ANN201
    """CORPUS_FILES ingested in file order into an in-memory store (one per test module)."""
    from kg.ingest import ingest_many, sync_registry

    st = open_store(":memory:")
    sync_registry(st, registry)
    results = ingest_many(CORPUS_FILES, st, registry)
    assert [r.status for r in results] == ["stored"] * len(CORPUS_FILES), [r.reason for r in results]
    return st


@pytest.fixture(scope="session")
def registry():
    """The project registry (data/registry), loaded once."""
    from kg.registry import Registry

    return Registry.load()


@pytest.fixture(scope="session")
def seed_store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An on-disk store holding the seed notice, ingested with `kg ingest` (closed; open it read-only)."""
    from click.testing import CliRunner

    from kg.cli import cli

    location = tmp_path_factory.mktemp("seed") / "store"
    result = CliRunner().invoke(cli, ["ingest", str(SEED_NOTICE), "--store", str(location)])
    assert result.exit_code == 0, result.output
    return location


# Named-query helpers shared by the query tests.
@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load()


def run(store, catalog: Catalog, name: str, **values: str) -> Table:
    return run_named(store, catalog.get(name), values)


def rows(table: Table, *cols: str) -> list[tuple]:
    return [tuple(d[c] for c in cols) for d in table.dicts()]
