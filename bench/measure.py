"""Measurements that bench/run.py runs, each in a fresh process, printing one JSON object.

    python bench/measure.py ingest  --notices DIR --registry DIR --store DIR [--jobs N] [--phases N]
                                    [--stop-after S] [--progress N]
    python bench/measure.py floor   --notices DIR --registry DIR --store DIR [--count N] [--seed FILE]
    python bench/measure.py counts  --store DIR
    python bench/measure.py queries --store DIR --values FILE [--reps N] [--rdflib-reps N] [--budget S]
    python bench/measure.py shacl   --store DIR --registry DIR
    python bench/measure.py reopen  --store DIR

A fresh process per measurement keeps peak RSS (ru_maxrss) honest and caches cold. Timings are
`time.perf_counter()` wall clock and include materialising every result row.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import signal
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

GW = "https://w3id.org/govwork/ns#"

# Counts checked against the generator's manifest (see bench/gen.py, "counting").
COUNT_QUERIES = {
    "notices": f"SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE {{ ?d a <{GW}Notice> }}",
    "tasks": f"SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE {{ ?t a <{GW}Task> }}",
    "lead": f"""SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE {{ ?a a <{GW}Assignment> ; <{GW}role> <{GW}lead> .
               FILTER NOT EXISTS {{ ?a <{GW}expandedFrom> ?g }} }}""",
    "responsible": f"""SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE {{ ?a a <{GW}Assignment> ; <{GW}role> <{GW}responsible> .
               FILTER NOT EXISTS {{ ?a <{GW}expandedFrom> ?g }} }}""",
    "expanded": f"SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE {{ ?a <{GW}expandedFrom> ?g }}",
    "targets": f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a <{GW}Target> }}",
    "deadlines": f"SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE {{ ?t <{GW}hasDeadline> ?d }}",
}


def rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_s() -> float:
    """CPU seconds (user + system) of this process so far, every thread counted, ended ones too."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def threads_cpu_s(prefix: str) -> float | None:
    """CPU seconds of this process's live threads whose name starts with `prefix` (Linux /proc;
    None elsewhere). RocksDB names its background threads rocksdb:low (compaction) and
    rocksdb:high (flush); they live as long as the store is open."""
    tasks = Path("/proc/self/task")
    if not tasks.is_dir():
        return None
    ticks = 0
    for task in tasks.iterdir():
        try:
            if not (task / "comm").read_text().startswith(prefix):
                continue
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the thread ended meanwhile
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return ticks / os.sysconf("SC_CLK_TCK")


def pct(xs: list[float], q: float) -> float:
    """q-th percentile (0-100) with linear interpolation; with few samples p99 is about the max."""
    s = sorted(xs)
    if len(s) == 1:
        return s[0]
    k = (len(s) - 1) * q / 100
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


class Timeout(Exception):
    pass


class StopIngest(Exception):
    """Raised between two files once `ingest --stop-after` seconds have passed."""


def _alarm(_sig: int, _frame: Any) -> None:
    raise Timeout


def timed_runs(fn: Callable[[], int], reps: int, budget: float, warmup: int = 1) -> dict[str, Any]:
    """Run `fn` (returns a row count) warmup + up to `reps` times, stopping once `budget` s are
    spent (at least one timed run). A single run longer than `budget` is interrupted (pure-Python
    engines only: SIGALRM cannot stop native code) and reported as a timeout."""
    signal.signal(signal.SIGALRM, _alarm)
    times: list[float] = []
    rows = None
    try:
        signal.setitimer(signal.ITIMER_REAL, budget * 2)
        for _ in range(warmup):
            rows = fn()
        signal.setitimer(signal.ITIMER_REAL, 0)
        start = time.perf_counter()
        for _ in range(reps):
            signal.setitimer(signal.ITIMER_REAL, budget * 2)
            t0 = time.perf_counter()
            rows = fn()
            times.append(time.perf_counter() - t0)
            signal.setitimer(signal.ITIMER_REAL, 0)
            if time.perf_counter() - start > budget:
                break
    except Timeout:
        return {"timeout_s": budget * 2, "runs": len(times), "rows": rows}
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    ms = [t * 1000 for t in times]
    return {
        "rows": rows,
        "runs": len(ms),
        "p50_ms": pct(ms, 50),
        "p99_ms": pct(ms, 99),
        "min_ms": min(ms),
        "mean_ms": statistics.fmean(ms),
    }


def store_counts(store: Any) -> dict[str, int]:
    out = {}
    for name, q in COUNT_QUERIES.items():
        out[name] = int(next(iter(store.query(q)))[0].value)
    out["quads"] = store.triple_count()
    return out


# --------------------------------------------------------------------------- ingest


def cmd_ingest(a: argparse.Namespace) -> dict[str, Any]:
    """What `kg ingest DIR [--jobs N]` does: registry into the store, then every file through
    kg.ingest (`--jobs` as the CLI takes it: 1 by default, 0 for one worker per CPU)."""
    from kg.ingest import default_jobs, ingest_many, sync_registry
    from kg.registry import Registry
    from kg.store import open_store

    t0 = time.perf_counter()
    registry = Registry.load(Path(a.registry))
    t_reg = time.perf_counter() - t0
    files = sorted(Path(a.notices).glob("*.txt"))
    store = open_store(a.store)
    t1, c1 = time.perf_counter(), cpu_s()
    sync_registry(store, registry)
    jobs = a.jobs or default_jobs()
    results: list[Any] = []
    progress: list[dict[str, float]] = []

    def step(result: Any) -> None:
        """Progress every `--progress` files; past `--stop-after` seconds, no further file."""
        results.append(result)
        elapsed = time.perf_counter() - t1
        point = {"notices": len(results), "s": round(elapsed, 2), "rss_mb": round(rss_mb()), "cpu_s": round(cpu_s() - c1, 1)}
        if len(results) % a.progress == 0 or len(results) == len(files):
            progress.append(point)
        if a.stop_after and elapsed >= a.stop_after and len(results) < len(files):
            progress.append(point)
            raise StopIngest

    # the files done are stored whole: a batch stops between two documents
    with contextlib.suppress(StopIngest):
        ingest_many([Path(a.notices)], store, registry, jobs=jobs, on_result=step)
    t_ingest, cpu_ingest = time.perf_counter() - t1, cpu_s() - c1
    rocksdb_cpu = threads_cpu_s("rocksdb")  # before `close` ends those threads
    statuses = Counter(r.status for r in results)
    reasons = Counter(_shape(r.reason) for r in results if r.status == "refused")
    warnings = Counter(_shape(w) for r in results for w in r.warnings)
    t2 = time.perf_counter()
    counts = store_counts(store)
    t_counts = time.perf_counter() - t2
    store.close()
    out = {
        "notices": len(files),
        "done": len(results),
        "stopped": len(results) < len(files),
        "done_files": [Path(r.file).name for r in results] if len(results) < len(files) else None,
        "progress": progress,
        "jobs": jobs,
        "registry_s": t_reg,
        "ingest_s": t_ingest,
        "cpu_s": cpu_ingest,
        "rocksdb_cpu_s": rocksdb_cpu,
        "statuses": dict(statuses),
        "refused": dict(reasons.most_common(8)),
        "refused_files": [r.file for r in results if r.status == "refused"][:5],
        "warnings": sum(warnings.values()),
        "warning_kinds": dict(warnings.most_common(8)),
        "counts": counts,
        "counts_s": t_counts,
        "peak_rss_mb": rss_mb(),
    }
    if a.phases:
        out["phases"] = phases(files[: a.phases], registry)
    return out


def _shape(message: str | None) -> str:
    """A message with its particulars (numbers, quoted names) blanked, for grouping."""
    import re

    text = re.sub(r"line \d+: ", "", message or "")
    return re.sub(r"\d+(\.\d+)*", "N", re.sub(r"[«“\"'][^»”\"']*[»”\"']", "…", text))[:160]


def phases(files: list[Path], registry: Any) -> dict[str, Any]:
    """Where ingest time goes, per notice, step by step as kg.ingest takes them (one process, fresh
    in-memory store): parse, build, serialize (the graph's N-Triples once, its hash, what linking
    needs), validate, store."""
    from kg.graph import build_graph, links
    from kg.parse import parse_file
    from kg.store import Triples, open_store
    from kg.validate import validate

    store = open_store(":memory:")
    acc: dict[str, float] = Counter()
    triples = 0
    for f in files:
        t0 = time.perf_counter()
        notice = parse_file(f)
        t1 = time.perf_counter()
        iri, graph = build_graph(notice, registry)
        t2 = time.perf_counter()
        data = Triples.of(graph)
        sha256 = data.sha256
        links.describe(graph, str(iri))
        t3 = time.perf_counter()
        validate(data, registry)
        t4 = time.perf_counter()
        store.replace_document(str(iri), data, sha256=sha256)
        t5 = time.perf_counter()
        acc["parse"] += t1 - t0
        acc["build"] += t2 - t1
        acc["serialize"] += t3 - t2
        acc["validate"] += t4 - t3
        acc["store"] += t5 - t4
        triples += len(graph)
    n = max(1, len(files))
    return {
        "notices": len(files),
        "triples_per_notice": triples / n,
        **{f"{k}_ms": v * 1000 / n for k, v in acc.items()},
    }


def cmd_floor(a: argparse.Namespace) -> dict[str, Any]:
    """What storing and validating a notice's triples cost, apart from everything Python does before
    (parse, build, link): kg's own N-Triples of the first `--count` notices, validated one by one
    (kg.validate.validate) and written into a new on-disk store as a first load writes them
    (Store.write_batch, replace_document per document, the compaction at the end). CPU is the
    process's, every thread counted: pyoxigraph's bulk load sorts on worker threads and RocksDB
    compacts on its own. Per triple, times the triples of the seed notice, it gives the least CPU
    an ingest of seed-sized notices can take on this engine."""
    from kg.ingest import prepare
    from kg.registry import Registry
    from kg.store import open_store
    from kg.validate import validate

    registry = Registry.load(Path(a.registry))
    files = sorted(Path(a.notices).glob("*.txt"))[: a.count]
    prepared = [prepare(f, registry) for f in files]
    docs = [(p.iri, p.triples, p.doc_hash) for p in prepared if p.refusal is None and p.triples]
    if not docs:
        raise SystemExit(f"floor: no notice of {a.notices} could be prepared")
    seed = prepare(Path(a.seed), registry)
    if seed.triples is None:
        raise SystemExit(f"floor: the seed notice {a.seed} could not be prepared: {seed.refusal}")
    triples = sum(len(t) for _, t, _ in docs)

    c0 = cpu_s()
    for _, data, _ in docs:
        validate(data, registry)
    c_validate = cpu_s() - c0

    store = open_store(a.store)
    t0, c0 = time.perf_counter(), cpu_s()
    with store.write_batch(len(docs)):
        for iri, data, sha256 in docs:
            store.replace_document(iri, data, sha256=sha256)
    t_store, c_store = time.perf_counter() - t0, cpu_s() - c0
    quads = store.triple_count()
    store.close()
    return {
        "notices": len(docs),
        "triples": triples,
        "quads": quads,
        "seed_triples": len(seed.triples),
        "validate_cpu_s": c_validate,
        "store_cpu_s": c_store,
        "store_s": t_store,
        "validate_us_per_triple": c_validate / triples * 1e6,
        "store_us_per_triple": c_store / triples * 1e6,
        "cpus": os.cpu_count(),
        "peak_rss_mb": rss_mb(),
    }


def cmd_counts(a: argparse.Namespace) -> dict[str, Any]:
    from kg.store import open_store

    store = open_store(a.store, read_only=True)
    return {"counts": store_counts(store), "documents": len(store.documents())}


# --------------------------------------------------------------------------- queries


def _rdflib_dataset(store: Any) -> tuple[Any, float, float]:
    """The store's quads in rdflib's in-memory Dataset with the union as default graph."""
    import rdflib

    t0 = time.perf_counter()
    data = store.export("nquads")
    t1 = time.perf_counter()
    ds = rdflib.Dataset(default_union=True)
    ds.parse(data=data, format="nquads")
    return ds, t1 - t0, time.perf_counter() - t1


def cmd_queries(a: argparse.Namespace) -> dict[str, Any]:
    from kg.queries import Catalog, render_named, run_named
    from kg.store import open_store

    plan = json.loads(Path(a.values).read_text(encoding="utf-8"))
    store = open_store(a.store, read_only=True)
    catalog = Catalog.load()
    quads = store.triple_count()
    out: dict[str, Any] = {"quads": quads, "queries": []}
    rendered: list[tuple[dict[str, Any], str]] = []
    for item in plan:
        nq = catalog.get(item["query"])
        values = item["values"]
        row: dict[str, Any] = {"query": item["query"], "variant": item["variant"], "values": values}
        try:
            sparql = render_named(store, nq, values)
            row["kg"] = timed_runs(
                lambda nq=nq, values=values: len(run_named(store, nq, values)), a.reps, a.budget
            )
            row["engine"] = timed_runs(lambda s=sparql: sum(1 for _ in store.query(s)), a.reps, a.budget)
            rendered.append((row, sparql))
        except Exception as exc:  # a query that fails is a finding, not a crash of the bench
            row["error"] = f"{type(exc).__name__}: {exc}"
        out["queries"].append(row)
        print(
            f"  {item['query']:<22} {item['variant']:<10} {row.get('kg', row.get('error'))}", file=sys.stderr
        )
    if a.rdflib_reps:
        ds, t_export, t_parse = _rdflib_dataset(store)
        out["rdflib_load_s"] = {"export": t_export, "parse": t_parse, "rss_mb": rss_mb()}
        for row, sparql in rendered:
            try:
                row["rdflib"] = timed_runs(
                    lambda s=sparql: sum(1 for _ in ds.query(s)), a.rdflib_reps, a.budget, warmup=0
                )
            except Exception as exc:  # rdflib cannot run every query kg can: record it
                row["rdflib"] = {"error": f"{type(exc).__name__}: {str(exc)[:200]}"}
            print(f"  rdflib {row['query']:<15} {row['variant']:<10} {row['rdflib']}", file=sys.stderr)
    out["peak_rss_mb"] = rss_mb()
    store.close()
    return out


# --------------------------------------------------------------------------- SHACL, reopen


def cmd_shacl(a: argparse.Namespace) -> dict[str, Any]:
    """Validate the whole store: kg.validate.validate_store when it exists, else the union graph
    exported to rdflib and kg.validate.validate (what `kg validate` had to do before)."""
    import kg.validate as kv
    from kg.registry import Registry
    from kg.store import open_store

    registry = Registry.load(Path(a.registry))
    store = open_store(a.store, read_only=True)
    out: dict[str, Any] = {"quads": store.triple_count()}
    t0 = time.perf_counter()
    if hasattr(kv, "validate_store"):
        out["method"] = "kg.validate.validate_store"
        report = kv.validate_store(store, registry)
    else:
        import rdflib

        out["method"] = "export + kg.validate.validate"
        data = store.export("ntriples")
        t1 = time.perf_counter()
        graph = rdflib.Graph()
        graph.parse(data=data, format="nt")
        t2 = time.perf_counter()
        out |= {"export_s": t1 - t0, "rdflib_parse_s": t2 - t1}
        report = kv.validate(graph, registry)
    out["shacl_s"] = time.perf_counter() - t0
    items = list(getattr(report, "items", []) or [])
    if items:
        out["by_severity"] = dict(Counter(getattr(i, "severity", "?") for i in items))
    out["violations"] = len(getattr(report, "violations", []) or [])
    out["warnings"] = len(getattr(report, "warnings", []) or [])
    out["peak_rss_mb"] = rss_mb()
    return out


def cmd_reopen(a: argparse.Namespace) -> dict[str, Any]:
    from kg.store import open_store

    t0 = time.perf_counter()
    store = open_store(a.store, read_only=a.read_only)
    t1 = time.perf_counter()
    n = store.triple_count()
    t2 = time.perf_counter()
    docs = len(store.documents())
    t3 = time.perf_counter()
    store.close()
    return {"open_s": t1 - t0, "count_s": t2 - t1, "documents_s": t3 - t2, "quads": n, "documents": docs}


def cmd_oxigraph(a: argparse.Namespace) -> dict[str, Any]:
    """HTTP load on `oxigraph serve-read-only` over the same store files, with the bound SPARQL of
    a named query (loopback only; the server is this process's child and is stopped at the end)."""
    import shutil
    import socket
    import subprocess

    import httpx
    from http_bench import load  # the same client loop as bench/http_bench.py

    from kg.queries import Catalog, render_named
    from kg.store import open_store

    store = open_store(a.store, read_only=True)
    nq = Catalog.load().get(a.query)
    sparql = render_named(store, nq, json.loads(a.values))
    rows = sum(1 for _ in store.query(sparql))
    store.close()
    exe = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/query"
    server = subprocess.Popen(
        [
            exe,
            "serve-read-only",
            "--location",
            a.store,
            "--bind",
            f"127.0.0.1:{port}",
            "--union-default-graph",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    out: dict[str, Any] = {"rows": rows, "runs": []}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(url, params={"query": "ASK {}"}, timeout=2)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("oxigraph serve-read-only did not start") from None
                time.sleep(0.2)
        accept = {"Accept": "application/sparql-results+json"}
        for n in (int(x) for x in a.clients.split(",")):
            load(url, {"query": sparql}, accept, n, 1.0, None)  # warm-up
            out["runs"].append({"clients": n} | load(url, {"query": sparql}, accept, n, a.seconds, rows))
    finally:
        server.terminate()
        server.wait(timeout=30)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("ingest")
    p.add_argument("--notices", required=True)
    p.add_argument("--registry", required=True)
    p.add_argument("--store", required=True)
    p.add_argument("--phases", type=int, default=0, help="also time each step on the first N notices")
    p.add_argument("--jobs", type=int, default=1, help="as `kg ingest --jobs` (default 1; 0: one per CPU)")
    p.add_argument("--stop-after", type=float, default=0, help="take no further file after S seconds (0: all)")
    p.add_argument("--progress", type=int, default=100, help="note time and memory every N files")
    p = sub.add_parser("floor")
    p.add_argument("--notices", required=True)
    p.add_argument("--registry", required=True)
    p.add_argument("--store", required=True, help="a new store to write (on disk, as an ingest writes)")
    p.add_argument("--count", type=int, default=30, help="the first N notices")
    p.add_argument("--seed", default=str(Path(__file__).resolve().parent.parent / "data/notices/xinmi-2021-6.txt"))
    p = sub.add_parser("counts")
    p.add_argument("--store", required=True)
    p = sub.add_parser("queries")
    p.add_argument("--store", required=True)
    p.add_argument("--values", required=True, help="JSON list of {query, variant, values}")
    p.add_argument("--reps", type=int, default=50)
    p.add_argument("--rdflib-reps", type=int, default=5)
    p.add_argument("--budget", type=float, default=20.0, help="seconds per query and engine")
    p = sub.add_parser("shacl")
    p.add_argument("--store", required=True)
    p.add_argument("--registry", required=True)
    p = sub.add_parser("reopen")
    p.add_argument("--store", required=True)
    p.add_argument("--read-only", action="store_true")
    p = sub.add_parser("oxigraph")
    p.add_argument("--store", required=True)
    p.add_argument("--query", default="unit-tasks")
    p.add_argument("--values", required=True, help="parameter values as JSON")
    p.add_argument("--clients", default="1,8")
    p.add_argument("--seconds", type=float, default=10.0)
    a = ap.parse_args(argv)
    fn = {
        "ingest": cmd_ingest,
        "floor": cmd_floor,
        "counts": cmd_counts,
        "queries": cmd_queries,
        "shacl": cmd_shacl,
        "reopen": cmd_reopen,
        "oxigraph": cmd_oxigraph,
    }[a.cmd]
    print(json.dumps(fn(a), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
