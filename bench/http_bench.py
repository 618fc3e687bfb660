"""Named-query throughput and latency over HTTP: `kg serve` against rdflib-endpoint on the same data.

    .venv/bin/python bench/http_bench.py [--store DIR] [--unit 伏羲山管委会] [--seconds 10] [--clients 1,8]

Without --store, a store is built from data/notices/ (ingested as `kg ingest` does) in a temporary
directory. Both servers run on loopback in their own processes:

* kg: `kg serve` (python -m kg.serve), the named query `GET /queries/unit-tasks?unit=...` as JSON
  and as CSV with a BOM (what Excel fetches), twice: with the server's defaults (repeated requests
  on unchanged data are answered from the result cache, kg.serve.result_cache) and with
  `--result-cache 0` (every request runs the query in a worker); and the same SPARQL text through
  `GET /sparql` (never cached) for an engine-to-engine comparison;
* rdflib-endpoint (rdflib's in-memory engine over the store's quads as a Dataset whose default
  graph is the union of the named graphs, as kg's is),
  `GET /sparql?query=` with the SPARQL that kg's named query binds (`kg.queries.render_named`).

Each client is a thread looping over one keep-alive connection (raw sockets: the client costs a few
tens of microseconds per request) for --seconds, and every answer's row count is checked. Prints
req/s, p50 and p99 per server and concurrency, the server's CPU milliseconds per request (main
process plus workers; steadier than req/s when other work shares the machine), and the throughput
ratio kg / rdflib-endpoint. Not a test: the numbers depend on the machine (the issue's goal: at
least 20x on unit-tasks).
"""

from __future__ import annotations

import argparse
import csv
import gc
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

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
    """The store's quads as N-Quads for rdflib, and the bound SPARQL of unit-tasks."""
    from kg.queries import Catalog, render_named
    from kg.store import open_store

    with open_store(location, read_only=True) as store:
        nt = where / "store.nq"
        nt.write_bytes(store.export("nquads"))
        sparql = render_named(store, Catalog.load().get("unit-tasks"), {"unit": unit})
        triples = store.triple_count()
    gc.collect()
    return nt, sparql, triples


RDFLIB_SERVER = textwrap.dedent("""
    import sys, uvicorn, rdflib
    from rdflib_endpoint import SparqlEndpoint
    g = rdflib.Dataset(default_union=True)  # kg's default graph: the union of the document graphs
    g.parse(sys.argv[1], format="nquads")
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


class _Connection:
    """One keep-alive HTTP/1.1 connection on a raw socket: the client costs a few tens of
    microseconds per request, so on a small machine the CPU goes to the server under test."""

    def __init__(self, host: str, port: int) -> None:
        self.address = (host, port)
        self.sock: socket.socket | None = None
        self.buf = b""

    def _fill(self) -> None:
        assert self.sock is not None
        chunk = self.sock.recv(1 << 18)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        self.buf += chunk

    def _take(self, n: int) -> bytes:
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _line(self) -> bytes:
        while (end := self.buf.find(b"\r\n")) < 0:
            self._fill()
        out, self.buf = self.buf[:end], self.buf[end + 2 :]
        return out

    def get(self, request: bytes) -> tuple[int, bytes]:
        if self.sock is None:
            self.sock = socket.create_connection(self.address, timeout=300)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.buf = b""
        self.sock.sendall(request)
        status = int(self._line().split()[1])
        headers = {}
        while line := self._line():
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = self._take(int(headers["content-length"]))
        else:  # chunked
            parts = []
            while size := int(self._line().split(b";")[0], 16):
                parts.append(self._take(size))
                self._line()
            self._line()
            body = b"".join(parts)
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, body

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock = None


def count_rows(body: bytes) -> int:
    """Rows of an answer: kg's named-query JSON (`count`), SPARQL JSON (bindings) or CSV (lines)."""
    try:
        data = json.loads(body)
    except ValueError:
        return len(list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))) - 1
    return data["count"] if "count" in data else len(data["results"]["bindings"])


def load(
    url: str,
    params: dict[str, str],
    headers: dict[str, str],
    clients: int,
    seconds: float,
    expect_rows: int | None,
) -> dict[str, float]:
    """`clients` threads, each looping GET url on one keep-alive connection for `seconds`;
    latencies of the answers that are 200 with `expect_rows` rows.

    Every answer is checked: a body of a length not seen before is parsed and its rows counted,
    a body of an already checked length (the servers answer byte-identical bodies) is not again."""
    parts = urlsplit(url)
    target = parts.path + ("?" + urlencode(params) if params else "")
    request = "\r\n".join(
        [f"GET {target} HTTP/1.1", f"Host: {parts.netloc}", *(f"{k}: {v}" for k, v in headers.items())]
    )
    request_bytes = (request + "\r\n\r\n").encode("utf-8")
    latencies: list[float] = []
    errors = [0]
    good_lengths: set[int] = set()
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def ok(status: int, body: bytes) -> bool:
        if status != 200:
            return False
        if expect_rows is None or len(body) in good_lengths:
            return True
        if count_rows(body) != expect_rows:
            return False
        with lock:
            good_lengths.add(len(body))
        return True

    def client() -> None:
        mine: list[float] = []
        conn = _Connection(parts.hostname or "127.0.0.1", parts.port or 80)
        bad = 0
        try:
            while time.monotonic() < stop_at:
                t0 = time.perf_counter()
                try:
                    status, body = conn.get(request_bytes)
                except (OSError, ValueError):
                    conn.close()
                    status, body = 0, b""
                dt = time.perf_counter() - t0
                if ok(status, body):
                    mine.append(dt)
                else:
                    bad += 1
        finally:
            conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += bad

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


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its children (Linux /proc; 0 elsewhere)."""
    total = 0.0
    try:
        pids = [pid] + [  # workers are started from threads: ask every thread for its children
            int(p)
            for task in Path(f"/proc/{pid}/task").iterdir()
            for p in (task / "children").read_text().split()
        ]
        for p in pids:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError):
        return 0.0
    return total


def measure(
    pid: int, url: str, params: dict[str, str], headers: dict[str, str], n: int, seconds: float, rows: int
) -> dict[str, float]:
    """`load` after a one-second warm-up, plus the server's CPU milliseconds per answered request
    (main process and workers): a figure that other load on the machine disturbs less than req/s."""
    load(url, params, headers, n, 1.0, None)
    before = cpu_seconds(pid)
    result = load(url, params, headers, n, seconds, rows)
    used = cpu_seconds(pid) - before
    result["cpu_ms"] = 1000 * used / result["requests"] if result["requests"] and used else float("nan")
    return result


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
    ap.add_argument(
        "--memory-limit",
        type=int,
        default=None,
        help="kg serve --memory-limit (default: the server's; 0 = query the store on disk)",
    )
    a = ap.parse_args()
    levels = [int(x) for x in a.clients.split(",")]
    with tempfile.TemporaryDirectory(prefix="kg-http-bench-") as tmp:
        work = Path(tmp)
        location = a.store or build_store(work, a.notices, a.registry)
        nt, sparql, triples = export_and_render(location, a.unit, work)
        print(f"data: {triples} quads; query: unit-tasks unit={a.unit}")
        json_accept = {"Accept": "application/sparql-results+json"}
        named = {"unit": a.unit}
        results: list[tuple[str, int, dict[str, float]]] = []
        options = {
            "workers": a.workers,
            "timeout": 300,
            "max_rows": 1_000_000,
            "memory_limit": a.memory_limit,
        }
        # The named route twice: answered from kg's result cache (the default: the same request again
        # on unchanged data), and with the cache off (every request runs the query in a worker).
        for cache, label in ((None, ""), (0, ", no cache")):
            kg = LiveServer(location, **options, result_cache=cache).start(wait=600)  # loading takes a while
            try:
                assert kg.process is not None
                expected = count_rows(
                    httpx.get(kg.url + "/queries/unit-tasks", params=named, timeout=60).content
                )
                print(f"unit-tasks rows: {expected}")
                routes = [
                    # bench/run.py reads the row "kg /queries/unit-tasks" (the server as configured)
                    (
                        "kg /queries/unit-tasks" if cache is None else f"kg unit-tasks{label}",
                        "/queries/unit-tasks",
                        named,
                        {},
                    ),
                    (f"kg CSV+BOM{label}", "/queries/unit-tasks", {**named, "format": "csv", "bom": "1"}, {}),
                ]
                if cache == 0:
                    routes.append(("kg /sparql (same SPARQL)", "/sparql", {"query": sparql}, json_accept))
                for n in levels:
                    for route, path, params, headers in routes:
                        r = measure(kg.process.pid, kg.url + path, params, headers, n, a.seconds, expected)
                        results.append((route, n, r))
            finally:
                kg.stop()
        proc, url = start_rdflib_endpoint(nt)
        try:
            for n in levels:
                r = measure(proc.pid, url + "/sparql", {"query": sparql}, json_accept, n, a.seconds, expected)
                results.append(("rdflib-endpoint /sparql", n, r))
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    print(
        f"\n{'server / route':28} {'clients':>7} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'n':>7} {'errors':>6}"
        f" {'cpu ms/req':>10}"
    )
    for name, n, r in results:
        print(
            f"{name:28} {n:>7} {r['rps']:>9.1f} {r['p50_ms']:>9.2f} {r['p99_ms']:>9.2f} {r['requests']:>7} "
            f"{r['errors']:>6} {r['cpu_ms']:>10.2f}"
        )
    print()
    for n in levels:
        ref = next(r for name, c, r in results if name.startswith("rdflib") and c == n)
        for name, c, r in results:
            if name.startswith("kg") and c == n and ref["rps"]:
                print(f"ratio at {n} client(s): {name} / rdflib-endpoint = {r['rps'] / ref['rps']:.1f}x")
    print()  # bench/run.py reads the lines above: keep their form
    for n in levels:
        ref = next(r for name, c, r in results if name.startswith("rdflib") and c == n)
        for name, c, r in results:
            if name.startswith("kg") and c == n:
                print(
                    f"server CPU per request at {n} client(s): {name} {ref['cpu_ms'] / r['cpu_ms']:.1f}x less"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
