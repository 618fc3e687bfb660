"""The named-query result cache: answers are reused only while the data is unchanged.

Every write invalidates: through the server (SPARQL Update with the token) and by another process
writing the store directory (the `kg ingest` case). Cached answers are byte for byte the computed ones.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kg.serve import Settings, create_app
from kg.serve.pool import Engine
from kg.serve.result_cache import ENTRY_OVERHEAD, ResultCache
from kg.store import open_store

TOKEN = "cache-test-token"
UNIT = {"unit": "伏羲山管委会"}


def test_lru_budget_stamp_and_large_answers() -> None:
    cache = ResultCache(max_bytes=8 * (ENTRY_OVERHEAD + 100))  # room for 8 of the 100-byte answers
    cache.put("a", 1, {"body": b"x" * 100})
    assert cache.get("a", 1) == {"body": b"x" * 100}
    assert cache.get("a", 2) is None  # the data changed: the entry is gone for good
    assert cache.get("a", 1) is None and len(cache) == 0 and cache.bytes == 0
    for k in "abcdefghij":
        cache.put(k, 1, {"body": b"y" * 100})
        cache.get("a", 1)  # "a" stays the most recently used
    assert cache.bytes <= cache.max_bytes
    assert cache.get("a", 1) is not None and cache.get("b", 1) is None  # least recently used went first
    cache.put("huge", 1, {"body": b"z" * cache.max_bytes})  # over a quarter of the budget: not kept
    assert cache.get("huge", 1) is None and cache.get("a", 1) is not None
    off = ResultCache(0)
    off.put("a", 1, {"body": b""})
    assert off.get("a", 1) is None


@pytest.fixture(params=[1_000_000, 0], ids=["in-memory", "on-disk"])
def store_and_client(request: pytest.FixtureRequest, seed_store_dir: Path, tmp_path: Path):  # noqa: ANN201
    store = tmp_path / "store"
    shutil.copytree(seed_store_dir, store)
    settings = Settings.build(store, token=TOKEN, workers=1, memory_limit=request.param)
    with TestClient(create_app(settings)) as client:
        yield store, client


def _unit_tasks(client: TestClient, **extra: str) -> tuple[str, bytes, int]:
    r = client.get("/queries/unit-tasks", params={**UNIT, **extra})
    assert r.status_code == 200, r.text
    return r.headers["KG-Cache"], r.content, int(r.headers["KG-Result-Rows"])


def test_hit_is_the_computed_answer_until_a_write_through_the_server(store_and_client) -> None:  # noqa: ANN001
    store, client = store_and_client
    state, body, rows = _unit_tasks(client)
    assert (state, rows) == ("miss", 36)
    assert _unit_tasks(client) == ("hit", body, 36)
    assert _unit_tasks(client, format="csv")[0] == "miss"  # format, BOM and values are part of the key
    csv_bom = _unit_tasks(client, format="csv", bom="1")
    assert csv_bom[0] == "miss" and csv_bom[1].startswith(b"\xef\xbb\xbf")
    assert _unit_tasks(client, format="csv", bom="1") == ("hit", csv_bom[1], 36)
    assert client.get("/healthz").json()["result_cache"]["hits"] == 2

    r = client.post(
        "/sparql",
        data={"update": "DELETE WHERE { GRAPH ?g { ?t a gw:Task ; gw:text ?x } }"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert r.status_code == 204, r.text
    state, after, rows = _unit_tasks(client)
    assert (state, rows) == ("miss", 36) and after != body and "伏羲山".encode() in after
    assert all(not row.get("text") for row in json.loads(after)["rows"])  # the texts are gone
    assert all(row["text"] for row in json.loads(body)["rows"])
    assert _unit_tasks(client) == ("hit", after, rows)


def test_write_by_another_process_invalidates(store_and_client) -> None:  # noqa: ANN001
    store, client = store_and_client
    assert _unit_tasks(client)[0] == "miss"
    assert _unit_tasks(client)[0] == "hit"
    with open_store(store) as writer:
        for doc in writer.documents():
            writer.remove_document(doc)
    state, _, rows = _unit_tasks(client)
    assert (state, rows) == ("miss", 0)


def test_off_when_disabled_or_remote(seed_store_dir: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(seed_store_dir, store)
    with TestClient(create_app(Settings.build(store, workers=1, result_cache=0))) as client:
        assert [_unit_tasks(client)[0] for _ in range(2)] == ["off", "off"]
    remote = Engine("http://127.0.0.1:9/sparql", readers=1, writable=False, max_pending=1)
    assert remote.data_stamp() is None  # others write to a SPARQL server unseen: never cached
