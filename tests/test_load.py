"""A bounded load test of a real `kg serve` on loopback: concurrent clients mix named queries, raw
SPARQL and runaway queries for a fixed time. No 5xx but time-limit answers, no leaked worker
processes, threads or memory between two equal halves of the run; latency p50/p99 printed.

Every loop is bounded in time and count and talks to 127.0.0.1 only.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

import httpx
import pytest

from kg.serve.testing import LiveServer

CLIENTS = 6  # + 1 client sending runaway queries, one at a time
HALF = 5.0  # seconds per half of the run
MAX_REQUESTS = 20_000  # per half: a hard stop whatever the speed
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # ~10^12 rows on the seed
MIX = [
    ("named", "/queries/unit-tasks", {"unit": "伏羲山管委会", "format": "json"}),
    ("named", "/queries/units", {"format": "csv"}),
    ("named", "/queries/targets", {"notice": "新密政办〔2021〕6号", "format": "json"}),
    ("named", "/queries/deadlines", {"format": "tsv"}),
    ("sparql", "/sparql", {"query": "SELECT ?t ?x WHERE { ?t a gw:Task ; gw:text ?x } LIMIT 50"}),
    ("sparql", "/sparql", {"query": 'ASK { ?u skos:prefLabel "伏羲山管委会"@zh }'}),
    ("sparql", "/sparql", {"query": "SELECT ?c (COUNT(*) AS ?n) WHERE { ?s a ?c } GROUP BY ?c"}),
    ("graph", "/sparql", {"query": "CONSTRUCT WHERE { ?t a gw:Task ; gw:number ?n } LIMIT 40"}),
    ("bad", "/sparql", {"query": "SELECT WHERE {"}),
    ("bad", "/queries/unit-tasks", {"unit": "不存在的单位", "format": "json"}),
]


def _proc(pid: int) -> dict[str, str]:
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


def _children(pid: int) -> list[int]:
    """Processes whose parent is `pid` (from /proc)."""
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        kids.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return kids


def resources(pid: int) -> dict[str, int]:
    """Children (and zombies among them), threads of the server, RSS of the server and children."""
    kids = _children(pid)
    rss = int(_proc(pid).get("VmRSS", "0 kB").split()[0])  # absent once the process exited
    zombies = 0
    for k in kids:
        try:
            status = _proc(k)
        except OSError:
            continue
        zombies += status["State"].startswith("Z")
        rss += int(status.get("VmRSS", "0 kB").split()[0])
    return {"children": len(kids), "zombies": zombies, "threads": int(_proc(pid)["Threads"]), "rss_kb": rss}


def settle(url: str, pid: int, wait: float = 30.0) -> dict[str, int]:
    """Resources once the pool is back to its configured size (a worker stopped for a runaway query
    is replaced in the background; /healthz says when the replacement runs)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        health = httpx.get(url + "/healthz", timeout=10).json()
        if health["worker_count"] == health["workers_configured"]:
            break
        time.sleep(0.2)
    return resources(pid)


def run_half(url: str, seconds: float) -> tuple[dict[str, list[float]], Counter, list[str]]:
    latencies: dict[str, list[float]] = defaultdict(list)
    statuses: Counter = Counter()
    problems: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    sent = [0]

    def client(k: int, runaway: bool) -> None:
        with httpx.Client(base_url=url, timeout=60) as http:
            i = k
            while time.monotonic() < stop_at:
                with lock:
                    if sent[0] >= MAX_REQUESTS:
                        return
                    sent[0] += 1
                if runaway:
                    kind, path, params = "runaway", "/sparql", {"query": RUNAWAY, "timeout": "1"}
                else:
                    kind, path, params = MIX[i % len(MIX)]
                i += 1
                accept = "text/turtle" if kind == "graph" else "application/sparql-results+json"
                started = time.perf_counter()
                try:
                    r = http.get(path, params=params, headers={"Accept": accept})
                except httpx.HTTPError as e:  # the server closed the connection: as bad as a 5xx
                    with lock:
                        problems.append(f"{kind} {path}: {type(e).__name__}: {e}")
                    continue
                elapsed = time.perf_counter() - started
                with lock:
                    latencies[kind].append(elapsed)
                    statuses[(kind, r.status_code)] += 1
                    if r.status_code >= 500:
                        # /sparql answers errors as text unless JSON is asked for
                        json_body = "json" in r.headers.get("content-type", "")
                        code = r.json().get("code") if json_body else r.text[:100]
                        if not json_body and "exceeded the time limit" in r.text:
                            code = "time-limit"
                        if not (r.status_code == 503 and code == "time-limit"):
                            problems.append(f"{kind} {path} {params}: {r.status_code} {code}")
                    elif kind == "runaway":
                        problems.append(f"runaway query answered {r.status_code}")
                    elif kind != "bad" and r.status_code != 200:
                        problems.append(f"{kind} {path}: {r.status_code} {r.text[:120]}")

    threads = [threading.Thread(target=client, args=(k, False)) for k in range(CLIENTS)]
    threads.append(threading.Thread(target=client, args=(0, True)))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 120)
    return latencies, statuses, problems


def _ms(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] * 1000 if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] * 1000


def _check_alive(process) -> None:  # noqa: ANN001
    """The server process must survive the load (it once died by SIGSEGV under uvloop)."""
    code = process.poll()
    assert code is None, f"kg serve exited with {code} under load"


def test_bounded_load_on_loopback(seed_store_dir: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(seed_store_dir, store)
    workers = 2
    with LiveServer(store, workers=workers, timeout=10, log=tmp_path / "serve.log") as server:
        process = server.process
        assert process is not None
        pid = process.pid
        run_half(server.url, 1.0)  # warm up: caches, snapshots, the thread pool
        baseline = settle(server.url, pid)
        first = run_half(server.url, HALF)
        _check_alive(process)
        after_first = settle(server.url, pid)
        second = run_half(server.url, HALF)
        _check_alive(process)
        after_second = settle(server.url, pid)
        alive = httpx.get(
            server.url + "/queries/unit-tasks", params={"unit": "伏羲山管委会", "format": "json"}
        )
    assert alive.status_code == 200 and len(alive.json()["rows"]) == 36

    latencies: dict[str, list[float]] = defaultdict(list)
    statuses: Counter = Counter()
    for lat, st, problems in (first, second):
        assert problems == [], problems[:10]
        for k, v in lat.items():
            latencies[k] += v
        statuses.update(st)
    report = {
        kind: {"requests": len(v), "p50_ms": round(_ms(v, 50), 1), "p99_ms": round(_ms(v, 99), 1)}
        for kind, v in sorted(latencies.items())
    }
    report["statuses"] = {f"{k} {s}": n for (k, s), n in sorted(statuses.items())}  # type: ignore[assignment]
    report["resources"] = {"baseline": baseline, "after_first": after_first, "after_second": after_second}  # type: ignore[assignment]
    print("\nload test on loopback:\n" + json.dumps(report, ensure_ascii=False, indent=1))

    assert sum(n for (k, _), n in statuses.items() if k == "named") > 20
    assert statuses[("runaway", 503)] >= 2  # stopped by the time limit, each time
    for state in (baseline, after_first, after_second):
        assert state["zombies"] == 0
    assert after_second["children"] == baseline["children"]  # every stopped worker was replaced, no more
    assert after_second["threads"] <= after_first["threads"] + 4  # steady state: no thread per request
    growth_mb = (after_second["rss_kb"] - after_first["rss_kb"]) / 1024
    assert growth_mb < 150, f"memory grew by {growth_mb:.0f} MB between the two halves"


@pytest.mark.slow
def test_load_long(seed_store_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.modules[__name__], "HALF", 30.0)
    test_bounded_load_on_loopback(seed_store_dir, tmp_path)
