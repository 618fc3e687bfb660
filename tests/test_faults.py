"""Faults: `kg ingest` killed with SIGKILL while it writes; readers while a document is replaced;
write access over HTTP (token check, size cap, failed uploads).

Concurrency on the embedded store: RocksDB lets one process open the store read-write (a second
writer gets "in use by another process"), and pyoxigraph documents a read-only open next to a
live writer in another process as undefined behaviour. So readers during a write are tested
in-process, on threads sharing the writer's store (each query sees one snapshot); `kg serve`
readers are processes that reopen the store after a write (see kg.serve.worker).
"""

from __future__ import annotations

import hmac
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import SEED_NOTICE

from kg.errors import KgError
from kg.store import open_store
from kg.store.sparql_text import SHA256

KILL_SEED = 20210326
EDIT = ("严格管控地方政府债务", "严格管控地方政府隐性债务")  # version b of every test document


def notice_versions(root: Path, docs: int) -> dict[str, list[Path]]:
    """Seed-sized notices with their own 文号 (新密政办〔2021〕6k号), in two versions each."""
    seed = SEED_NOTICE.read_text("utf-8")
    assert EDIT[0] in seed
    versions = {}
    for name, text in (("a", seed), ("b", seed.replace(*EDIT, 1))):
        folder = root / name
        folder.mkdir(parents=True)
        versions[name] = []
        for k in range(1, docs + 1):
            path = folder / f"xinmi-2021-6{k}.txt"
            path.write_text(text.replace("〔2021〕6号", f"〔2021〕6{k}号"), "utf-8")
            versions[name].append(path)
    return versions


def kg(*args: str) -> subprocess.Popen[bytes]:
    """`kg ARGS` in its own process group (so that a kill takes any helper process with it)."""
    return subprocess.Popen(
        [sys.executable, "-m", "kg", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def ingest(files: list[Path], store: Path) -> float:
    """Run `kg ingest` to the end; its duration in seconds."""
    started = time.monotonic()
    p = kg("ingest", *map(str, files), "--store", str(store))
    _, err = p.communicate(timeout=300)
    assert p.returncode == 0, err.decode()
    return time.monotonic() - started


State = dict[str, tuple[str | None, int]]  # document IRI -> (stored hash, quads in its graph)


def state(store_dir: Path) -> State:
    if not (store_dir / "CURRENT").exists():  # killed before the store was created
        return {}
    with open_store(store_dir, read_only=True) as store:
        counts = {
            r["g"].value: int(r["n"].value)
            for r in store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        }
        return {iri: (store.document_hash(iri), counts.get(iri, 0)) for iri in store.documents()}


def kill_run(versions: dict[str, list[Path]], tmp_path: Path, kills: int) -> None:
    ref_a, ref_b = tmp_path / "ref-a", tmp_path / "ref-b"
    duration = max(ingest(versions["a"], ref_a), ingest(versions["b"], ref_b))
    reference = {name: state(ref) for name, ref in (("a", ref_a), ("b", ref_b))}
    docs = sorted(reference["a"])
    assert len(docs) == len(versions["a"]) and all(reference["a"][d] != reference["b"][d] for d in docs)
    store = tmp_path / "store"
    rng = random.Random(KILL_SEED)
    mixed = 0
    for k in range(kills):
        name = "b" if k % 2 == 0 else "a"  # alternate: every run has documents to rewrite
        p = kg("ingest", *map(str, versions[name]), "--store", str(store))
        time.sleep(rng.uniform(0.3, duration))
        os.killpg(p.pid, signal.SIGKILL)
        p.wait(timeout=30)
        now = state(store)
        for doc in docs:
            allowed = {(None, 0), reference["a"][doc], reference["b"][doc]}
            assert now.get(doc, (None, 0)) in allowed, f"kill {k}: {doc} holds {now.get(doc)}"
        mixed += len({now.get(d) == reference[name].get(d) for d in docs}) > 1
    print(f"\n{kills} kills, {mixed} left a mix of old, new and missing documents; run ≈ {duration:.1f} s")
    check = kg("validate", "--store", str(store))
    _, err = check.communicate(timeout=300)
    assert check.returncode == 0, err.decode()


def test_sigkill_during_ingest_leaves_whole_documents(tmp_path: Path) -> None:
    """Each document is in the store entirely (as one of its versions: hash and triple count of a
    reference ingest) or not at all, after every kill; then `kg validate` conforms."""
    kill_run(notice_versions(tmp_path / "notices", 2), tmp_path, kills=3)


@pytest.mark.slow
def test_sigkill_during_ingest_many_times(tmp_path: Path) -> None:
    kill_run(notice_versions(tmp_path / "notices", 3), tmp_path, kills=8)


@pytest.mark.parametrize("write", ["new", "replace"])
def test_readers_during_a_write_see_the_old_or_the_new_document(tmp_path: Path, registry, write: str) -> None:  # noqa: ANN001
    """Reader threads query the document's hash and size (one query = one snapshot) while the
    writer stores it: a new document (`bulk_load`, one atomic hand-over of table files) or a
    changed version of a stored one (one SPARQL Update request). Every answer is one whole version
    (or none, before a new document), and reads did overlap the write (pyoxigraph releases the GIL
    while it writes)."""
    from kg.ingest import ingest_path, sync_registry
    from kg.store.oxigraph import OxigraphStore

    versions = notice_versions(tmp_path / "notices", 1)
    store = open_store(tmp_path / "store")
    sync_registry(store, registry)
    doc = "https://w3id.org/govwork/eli/cn/新密政办/2021/61"
    if write == "replace":
        assert ingest_path(versions["a"][0], store, registry).iri == doc
    q = (
        f"SELECT ?h (COUNT(*) AS ?n) WHERE {{ GRAPH <{doc}> {{ ?s ?p ?o "
        f"OPTIONAL {{ <{doc}> {SHA256.n3()} ?h }} }} }} GROUP BY ?h"
    )

    def answer() -> tuple:
        return tuple((r["h"].value if r["h"] else None, int(r["n"].value)) for r in store.query(q))

    old = answer()
    writes: list[tuple[float, float]] = []
    original = OxigraphStore._replace_graph

    def timed(self: OxigraphStore, *args: object) -> bool:
        started = time.perf_counter()
        done = original(self, *args)  # type: ignore[arg-type]
        writes.append((started, time.perf_counter()))
        return done

    seen: list[tuple[float, float, tuple]] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            t0 = time.perf_counter()
            rows = answer()
            seen.append((t0, time.perf_counter(), rows))
            time.sleep(0.005)  # leave the writer some CPU: the question is what readers see

    OxigraphStore._replace_graph = timed  # type: ignore[method-assign]
    readers = [threading.Thread(target=read) for _ in range(2)]
    try:
        for t in readers:
            t.start()
        result = ingest_path(versions["b" if write == "replace" else "a"][0], store, registry)
    finally:
        stop.set()
        for t in readers:
            t.join()
        OxigraphStore._replace_graph = original  # type: ignore[method-assign]
    assert result.status == "stored" and result.iri == doc
    new = answer()
    assert new != old and len(writes) == 1 and new[0][1] > 1000
    assert old == () if write == "new" else old[0][1] > 1000
    answers = {rows for _, _, rows in seen}
    assert answers <= {old, new}, answers
    start, end = writes[0]
    assert any(t0 < end and t1 > start for t0, t1, _ in seen), "no read overlapped the write"
    store.close()


# ------------------------------------------------------------------------------ write access

TOKEN = "faults-test-token-0123456789"


@pytest.fixture(scope="module")
def seeded_dir(seed_store_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A writable copy of the seed store."""
    import shutil

    target = tmp_path_factory.mktemp("faults-writes") / "store"
    shutil.copytree(seed_store_dir, target)
    return target


@pytest.fixture(scope="module")
def client(seeded_dir: Path):  # noqa: ANN201
    from fastapi.testclient import TestClient

    from kg.serve import Settings, create_app

    settings = Settings.build(seeded_dir, token=TOKEN, workers=1, max_body=64 * 1024)
    with TestClient(create_app(settings)) as c:
        yield c


def snapshot(client) -> str:  # noqa: ANN001
    """Every graph with its size and every stored hash, as the server sees them."""
    q = (
        "SELECT ?g (COUNT(*) AS ?n) (SAMPLE(?h) AS ?hash) WHERE { GRAPH ?g { ?s ?p ?o "
        f"OPTIONAL {{ ?g {SHA256.n3()} ?h }} }} }} GROUP BY ?g ORDER BY ?g"
    )
    r = client.get("/sparql", params={"query": q}, headers={"Accept": "text/csv"})
    assert r.status_code == 200, r.text
    return r.text


def test_token_is_compared_in_constant_time(client, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    import kg.serve.web as web

    calls: list[tuple[bytes, bytes]] = []

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return hmac.compare_digest(a, b)

    monkeypatch.setattr(web, "hmac", type("hmac", (), {"compare_digest": staticmethod(spy)}))
    update = {"update": "INSERT DATA { GRAPH <urn:kg:faults> { <urn:a> <urn:b> 1 } }"}
    for wrong in (TOKEN[:-1] + "X", TOKEN[:8], TOKEN + "0", ""):
        r = client.post("/sparql", data=update, headers={"Authorization": f"Bearer {wrong}"})
        assert r.status_code == 403, (wrong, r.status_code)
    assert client.post("/sparql", data=update).status_code == 401
    assert len(calls) == 4 and all(b == TOKEN.encode() for _, b in calls)
    ok = client.post("/sparql", data=update, headers={"Authorization": f"bearer {TOKEN}"})
    assert ok.status_code == 204 and len(calls) == 5


def test_uploads_over_the_cap_are_refused_before_parsing(client, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    engine = client.app.state.engine
    jobs: list[str] = []
    original = engine.write

    async def recording(name: str, *args, **kw):  # noqa: ANN002, ANN003, ANN202
        jobs.append(name)
        return await original(name, *args, **kw)

    monkeypatch.setattr(engine, "write", recording)
    before = snapshot(client)
    big = SEED_NOTICE.read_bytes() * 4  # 80 KB, over the 64 KB cap
    auth = {"Authorization": f"Bearer {TOKEN}"}
    r = client.post("/documents", files={"file": ("big.txt", big, "text/plain")}, headers=auth)
    assert r.status_code == 413 and r.json()["code"] == "too-large"
    raw = client.post("/documents?name=big.txt", content=big, headers=auth)
    assert raw.status_code == 413

    def chunks():  # no Content-Length: the server counts while it reads
        for i in range(0, len(big), 8192):
            yield big[i : i + 8192]

    chunked = client.post("/documents?name=big.txt", content=chunks(), headers=auth)
    assert chunked.status_code == 413
    gsp = client.put(
        "/store", params={"graph": "urn:kg:big"}, content=b"<urn:a> <urn:b> <urn:c> .\n" * 4000,
        headers={**auth, "Content-Type": "application/n-triples"},
    )  # fmt: skip
    assert gsp.status_code == 413
    assert jobs == []  # no write job (which parses) was started
    assert snapshot(client) == before


def test_failed_uploads_leave_the_store_unchanged(client) -> None:  # noqa: ANN001
    auth = {"Authorization": f"Bearer {TOKEN}"}
    doc = "https://w3id.org/govwork/eli/cn/新密政办/2021/6"
    before = snapshot(client)
    assert doc in before
    # the same notice with two tasks numbered 1: refused by SHACL, nothing written
    text = SEED_NOTICE.read_text("utf-8")
    dup = text.replace("2 . 以兰考", "1 . 以兰考", 1)
    assert dup != text
    r = client.post(
        "/documents", files={"file": (SEED_NOTICE.name, dup.encode(), "text/plain")}, headers=auth
    )
    assert r.status_code == 422 and r.json()["code"] == "refused", r.text
    # a Graph Store PUT over the document graph whose body breaks at the end: nothing replaced
    body = b"<urn:a> <urn:b> <urn:c> .\n" * 100 + b'<urn:a> <urn:b> "broken\n'
    put = client.put(
        "/store",
        params={"graph": doc},
        content=body,
        headers={**auth, "Content-Type": "application/n-triples"},
    )
    assert put.status_code == 400
    # an update request that fails half-way (CREATE of an existing graph after a DROP)
    up = client.post("/sparql", data={"update": f"DROP GRAPH <{doc}> ; CREATE GRAPH <{doc}x> ; CREATE GRAPH <{doc}x>"},
                     headers=auth)  # fmt: skip
    assert up.status_code in (400, 409, 500), up.text
    assert snapshot(client) == before


def test_store_errors_never_escape_as_tracebacks(tmp_path: Path) -> None:
    """A store directory that is really a file, over the CLI: an error line, no traceback."""
    f = tmp_path / "not-a-store"
    f.write_text("x")
    p = subprocess.run(
        [sys.executable, "-m", "kg", "query", "units", "--store", str(f)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode != 0 and "Traceback" not in p.stderr and "error:" in p.stderr
    with pytest.raises(KgError):
        open_store(f)
