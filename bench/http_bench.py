"""Named-query throughput and latency over HTTP: `kg serve` against rdflib-endpoint on the same data.

    .venv/bin/python bench/http_bench.py [--store DIR] [--unit 伏羲山管委会] [--seconds 10] [--clients 1,8]

Without --store, a store is built from data/notices/ (ingested as `kg ingest` does) in a temporary
directory. Both servers run on loopback in their own processes:

* kg: `kg serve` (python -m kg.serve), the named query `GET /queries/unit-tasks?unit=...` (JSON), and
  the same SPARQL text through `GET /sparql` for an engine-to-engine comparison;
* rdflib-endpoint (rdflib's in-memory engine, the union of the store's graphs loaded as one Graph),
  `GET /sparql?query=` with the SPARQL that kg's named query binds (`kg.queries.render_named`).

Each client is a thread looping over one keep-alive connection for --seconds. Prints req/s, p50 and
p99 per server and concurrency, and the throughput ratio kg / rdflib-endpoint. Not a test: the
numbers depend on the machine (the issue's goal: at least 20x on unit-tasks).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from kg.serve.testing import LiveServer, free_port  # noqa: E402


def build_store(where: Path, notices: Path | None, registry_dir: Path | None) -> Path:
    from kg.ingest import ingest_many, sync_registry
    from kg.paths import NOTICES_DIR, REGISTRY_DIR
    from kg.registry import Registry
    from kg.store import open_store

    location = where / "store"
    notices = notices or NOTICES_DIR
    registry = Registry.load(registry_dir or REGISTRY_DIR)
    with open_store(location) as store:
        sync_registry(store, registry)
        results = ingest_many([notices], store, registry)
    stored = [r for r in results if r.status != "refused"]
    print(f"built {location}: {len(stored)} notice(s) from {notices}")
    gc.collect()
    return location


def export_and_render(location: Path, unit: str, where: Path) -> tuple[Path, str, int]:
    """The union graph as N-Triples for rdflib, and the bound SPARQL of unit-tasks."""
    from kg.queries import Catalog, render_named
    from kg.store import open_store

    with open_store(location, read_only=True) as store:
        nt = where / "union.nt"
        nt.write_bytes(store.export("ntriples"))
        sparql = render_named(store, Catalog.load().get("unit-tasks"), {"unit": unit})
        triples = store.triple_count()
    gc.collect()
    return nt, sparql, triples


RDFLIB_SERVER = textwrap.dedent("""
    import sys, uvicorn, rdflib
    from rdflib_endpoint import SparqlEndpoint
    g = rdflib.Graph()
    g.parse(sys.argv[1], format="nt")
    app = SparqlEndpoint(graph=g, path="/sparql", title="rdflib-endpoint")
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
""")


def start_rdflib_endpoint(nt: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", RDFLIB_SERVER, str(nt), str(port)])
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/sparql", params={"query": "ASK {}"}, timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("rdflib-endpoint did not start")


def load(
    url: str,
    params: dict[str, str],
    headers: dict[str, str],
    clients: int,
    seconds: float,
    expect_rows: int | None,
) -> dict[str, float]:
    """`clients` threads, each looping GET url for `seconds`; latencies of the 2xx answers."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client() -> None:
        mine: list[float] = []
        with httpx.Client(timeout=300) as c:
            while time.monotonic() < stop_at:
                t0 = time.perf_counter()
                r = c.get(url, params=params, headers=headers)
                dt = time.perf_counter() - t0
                ok = r.status_code == 200
                if ok and expect_rows is not None:
                    data = r.json()
                    rows = data["count"] if "count" in data else len(data["results"]["bindings"])
                    ok = rows == expect_rows
                if ok:
                    mine.append(dt)
                else:
                    with lock:
                        errors[0] += 1
        with lock:
            latencies.extend(mine)

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    n = len(latencies)
    return {
        "requests": n,
        "errors": errors[0],
        "rps": n / elapsed if elapsed else 0.0,
        "p50_ms": 1000 * statistics.median(latencies) if n else float("nan"),
        "p99_ms": 1000 * latencies[min(n - 1, int(0.99 * n))] if n else float("nan"),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path, help="an existing kg store (default: build one from data/notices)")
    ap.add_argument(
        "--notices",
        type=Path,
        help="notice files to ingest (default: data/notices), e.g. bench/gen.py output",
    )
    ap.add_argument("--registry", type=Path, help="registry directory for --notices (default: data/registry)")
    ap.add_argument("--unit", default="伏羲山管委会")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--clients", default="1,8", help="comma-separated concurrency levels")
    ap.add_argument("--workers", type=int, default=2, help="kg serve worker processes")
    a = ap.parse_args()
    levels = [int(x) for x in a.clients.split(",")]
    with tempfile.TemporaryDirectory(prefix="kg-http-bench-") as tmp:
        work = Path(tmp)
        location = a.store or build_store(work, a.notices, a.registry)
        nt, sparql, triples = export_and_render(location, a.unit, work)
        print(f"data: {triples} quads; query: unit-tasks unit={a.unit}")
        json_accept = {"Accept": "application/sparql-results+json"}
        results: list[tuple[str, int, dict[str, float]]] = []
        with LiveServer(location, workers=a.workers, timeout=300, max_rows=1_000_000) as kg:
            expected = httpx.get(kg.url + "/queries/unit-tasks", params={"unit": a.unit}, timeout=60).json()[
                "count"
            ]
            print(f"unit-tasks rows: {expected}")
            for n in levels:
                load(kg.url + "/queries/unit-tasks", {"unit": a.unit}, {}, n, 1.0, None)  # warm-up
                results.append(
                    (
                        "kg /queries/unit-tasks",
                        n,
                        load(kg.url + "/queries/unit-tasks", {"unit": a.unit}, {}, n, a.seconds, expected),
                    )
                )
                results.append(
                    (
                        "kg /sparql (same SPARQL)",
                        n,
                        load(kg.url + "/sparql", {"query": sparql}, json_accept, n, a.seconds, expected),
                    )
                )
        proc, url = start_rdflib_endpoint(nt)
        try:
            for n in levels:
                load(url + "/sparql", {"query": sparql}, json_accept, 1, 1.0, None)  # warm-up
                results.append(
                    (
                        "rdflib-endpoint /sparql",
                        n,
                        load(url + "/sparql", {"query": sparql}, json_accept, n, a.seconds, expected),
                    )
                )
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    print(
        f"\n{'server / route':28} {'clients':>7} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'n':>7} {'errors':>6}"
    )
    for name, n, r in results:
        print(
            f"{name:28} {n:>7} {r['rps']:>9.1f} {r['p50_ms']:>9.2f} {r['p99_ms']:>9.2f} {r['requests']:>7} "
            f"{r['errors']:>6}"
        )
    print()
    for n in levels:
        ref = next(r for name, c, r in results if name.startswith("rdflib") and c == n)
        for name, c, r in results:
            if name.startswith("kg") and c == n and ref["rps"]:
                print(f"ratio at {n} client(s): {name} / rdflib-endpoint = {r['rps'] / ref['rps']:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
