"""kg benchmark: one run on this machine, printing a table, ratios and the goals of issue 5.

    .venv/bin/python bench/run.py                       # sizes 10,100,1000; queries at ~100k and ~1M triples
    .venv/bin/python bench/run.py --sizes 10,100 --quick  # smoke run (~15-20 min at the current ingest speed)
    .venv/bin/python bench/run.py --sizes 10,100,1000,10000 --http

Steps, each measurement in a fresh subprocess (bench/measure.py) so peak RSS is per step:
  1. bench/gen.py writes one synthetic corpus (the largest size; smaller sizes are its prefixes).
  2. ingest: kg.ingest (ingest_many, i.e. ingest_path per file: parse, build, validate, store) per size, on disk;
     notices/s, tasks/s, peak RSS, and the store's counts checked against the generator's manifest.
  3. query stores of ~100k and ~1M quads (the first K notices, K from the measured quads/notice):
     every named query in queries/, p50/p99 through kg.queries.run_named and for the bare engine,
     and the same SPARQL on rdflib's in-memory Dataset loaded with the same quads.
  4. full-store SHACL (kg.validate.validate_store, else the exported union through kg.validate.validate),
     reopening the store, and with --http bench/http_bench.py plus oxigraph serve-read-only.
Results go to WORK/results.json as well.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
KG_HOME: Path | None = None  # set by main(): the registry with the synthetic places
SEED_TASKS = 52  # tasks in data/notices/xinmi-2021-6.txt: "seed-sized" in the goals

GOALS = {
    "ingest_1000_s": 60.0,
    "ingest_10000_s": 600.0,
    "ingest_10000_rss_mb": 2048.0,
    "selective_p50_ms": 5.0,
    "selective_p99_ms": 20.0,
    "selective_vs_rdflib": 20.0,
    "aggregate_p50_ms": 300.0,
    "shacl_1M_s": 20.0,
    "reopen_1M_s": 1.0,
}
SELECTIVE_TYPES = ("unit", "notice", "iri")


def parse_count(text: str) -> int:
    t = text.strip().lower()
    mult = {"k": 1_000, "m": 1_000_000}.get(t[-1:], 1)
    return int(float(t[:-1] if mult > 1 else t) * mult)


def human(n: float) -> str:
    return f"{n / 1e6:.2f}M" if n >= 1e6 else f"{n / 1e3:.0f}k" if n >= 1e3 else f"{n:.0f}"


def measure(*args: str, timeout: float | None = None) -> dict[str, Any]:
    """Run bench/measure.py in a fresh process; its last stdout line is the JSON result."""
    cmd = [sys.executable, str(BENCH / "measure.py"), *args]
    load = os.getloadavg()[0]  # the machine is shared: record how busy it was
    t0 = time.perf_counter()
    try:
        env = os.environ | ({"KG_HOME": str(KG_HOME)} if KG_HOME else {})
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=env)
    except subprocess.TimeoutExpired:
        return {"error": f"stopped after {timeout:.0f} s", "timeout_s": timeout}
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-8:])
        return {"error": f"exit {proc.returncode}: {tail}", "wall_s": wall}
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["wall_s"] = wall
    out["load"] = [round(load, 1), round(os.getloadavg()[0], 1)]
    return out


# --------------------------------------------------------------------------- corpus


def make_corpus(work: Path, notices: int, seed: int, min_tasks: int, max_tasks: int) -> dict[str, Any]:
    corpus = work / "corpus"
    manifest_path = corpus / "manifest.json"
    if manifest_path.exists():
        m = json.loads(manifest_path.read_text(encoding="utf-8"))
        if (m["notices"], m["seed"], m["min_tasks"], m["max_tasks"]) == (notices, seed, min_tasks, max_tasks):
            return m
        shutil.rmtree(corpus)
    t0 = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            str(BENCH / "gen.py"),
            str(corpus),
            "-n",
            str(notices),
            "--seed",
            str(seed),
            "--min-tasks",
            str(min_tasks),
            "--max-tasks",
            str(max_tasks),
        ],
        check=True,
        cwd=ROOT,
    )
    m = json.loads(manifest_path.read_text(encoding="utf-8"))
    m["gen_s"] = time.perf_counter() - t0
    return m


def kg_home(work: Path) -> Path:
    """A KG_HOME whose data/registry is data/registry plus the corpus's synthetic places.

    kg reads places from `kg.paths.REGISTRY_DIR` when parsing (which place's report a section
    decomposes), so the synthetic places must be there, as a user would add theirs; ontology/,
    shapes/ and queries/ are the repository's."""
    home = work / "kghome"
    if home.exists():
        shutil.rmtree(home)
    (home / "data" / "registry").mkdir(parents=True)
    for name in ("ontology", "shapes", "queries"):
        os.symlink(ROOT / name, home / name)
    os.symlink(ROOT / "data" / "notices", home / "data" / "notices")
    for f in sorted((ROOT / "data" / "registry").glob("*.ttl")) + [
        work / "corpus" / "registry" / "synthetic.ttl"
    ]:
        os.symlink(f, home / "data" / "registry" / f.name)
    return home


def subset(work: Path, manifest: dict[str, Any], n: int) -> tuple[Path, dict[str, int]]:
    """A folder with the first n notices (links) and their expected totals."""
    d = work / f"notices-{n}"
    files = manifest["files"][:n]
    if not d.exists():
        d.mkdir()
        for f in files:
            os.symlink(work / "corpus" / "notices" / f["file"], d / f["file"])
    keys = ("tasks", "lead", "responsible", "expanded", "targets", "deadlines")
    return d, {k: sum(f[k] for f in files) for k in keys} | {"notices": n}


# --------------------------------------------------------------------------- steps


def ingest(
    work: Path, manifest: dict[str, Any], reg: Path, n: int, phases: int, jobs: int = 1, stop_after: float = 0
) -> dict[str, Any]:
    """`kg ingest` of the first n notices into a new store; with `stop_after`, no file is started
    after that many seconds, and the rates and counts are those of the files done."""
    notices, expected = subset(work, manifest, n)
    store = work / f"store-{n}"
    if store.exists():
        shutil.rmtree(store)
    print(f"ingest {n} notices ...", flush=True)
    r = measure(
        "ingest",
        "--notices",
        str(notices),
        "--registry",
        str(reg),
        "--store",
        str(store),
        "--phases",
        str(phases),
        "--jobs",
        str(jobs),
        "--stop-after",
        str(stop_after),
    )
    r.update(size=n, store=str(store), expected=expected)
    if "error" not in r:
        if r.get("stopped"):  # the totals of the files done
            done = set(r["done_files"])
            entries = [f for f in manifest["files"][:n] if f["file"] in done]
            expected = {k: sum(f[k] for f in entries) for k in expected if k != "notices"} | {"notices": len(done)}
            r["expected"] = expected
            # tasks stored when each progress note was taken, in the order the files were done
            tasks = dict((f["file"], f["tasks"]) for f in entries)
            cumulative = [0]
            for name in r["done_files"]:
                cumulative.append(cumulative[-1] + tasks[name])
            for point in r["progress"]:
                point["tasks"] = cumulative[point["notices"]]
        r["tasks_per_s"] = expected["tasks"] / r["ingest_s"]
        r["notices_per_s"] = expected["notices"] / r["ingest_s"]
        r["seed_sized_s"] = n * SEED_TASKS / r["tasks_per_s"]
        r["mismatch"] = {k: (r["counts"].get(k), v) for k, v in expected.items() if r["counts"].get(k) != v}
        stopped = f" (stopped: {r['done']} of {n} notices done)" if r.get("stopped") else ""
        print(
            f"  {r['ingest_s']:.1f} s{stopped}, {r['notices_per_s']:.1f} notices/s, "
            f"{human(r['counts']['quads'])} quads, peak {r['peak_rss_mb']:.0f} MB, statuses {r['statuses']}, "
            f"load {r['load']}",
            flush=True,
        )
    else:
        print(f"  FAILED: {r['error']}", flush=True)
    return r


def floor(work: Path, manifest: dict[str, Any], reg: Path, n: int) -> dict[str, Any]:
    """bench/measure.py floor on the first n notices: CPU per triple to validate and to store."""
    notices, _ = subset(work, manifest, min(n, manifest["notices"]))
    store = work / "store-floor"
    shutil.rmtree(store, ignore_errors=True)
    print(f"floor: store and validate the triples of {n} notices ...", flush=True)
    r = measure("floor", "--notices", str(notices), "--registry", str(reg), "--store", str(store), "--count", str(n))
    shutil.rmtree(store, ignore_errors=True)
    if "error" in r:
        print(f"  FAILED: {r['error']}", flush=True)
    else:
        print(
            f"  store {r['store_us_per_triple']:.1f} µs CPU/triple, validate {r['validate_us_per_triple']:.1f}; "
            f"{human(r['triples'])} triples",
            flush=True,
        )
    return r


def floor_seconds(fl: dict[str, Any], notices: int) -> tuple[float, float]:
    """CPU seconds to store and validate `notices` seed-sized notices, and the wall seconds that
    is on all of this machine's cores (the least an ingest can take, before any Python work)."""
    cpu = notices * fl["seed_triples"] * (fl["store_us_per_triple"] + fl["validate_us_per_triple"]) / 1e6
    return cpu, cpu / max(1, fl.get("cpus") or 1)


def query_plan(manifest: dict[str, Any], n: int) -> list[dict[str, Any]]:
    """For every named query: a run without parameters (when allowed) and a selective one, with
    values a user would type, taken from the first notice of the store."""
    sys.path.insert(0, str(BENCH))
    import gen  # noqa: E402 - the generator knows the corpus's places

    from kg import iris
    from kg.queries import Catalog

    first = manifest["files"][0]
    place = next(p for p in gen.PLACES if p.name == first["place"])
    code, rest = first["id"].split("〔")
    year, seq = rest.removesuffix("号").split("〕")
    by_name = {
        "unit": f"{place.name}{place.towns[0]}",  # one town: named directly and reached through 各乡镇政府
        "group": f"{place.name}各乡镇政府",
        "notice": first["id"],
        "task": str(iris.task(iris.document(code, int(year), int(seq)), (1, 1))),
        "section": "1",
        "number": "1",
        "from": f"{first['year']}-01-01",
        "to": f"{first['year']}-06-30",
        "keyword": "疫情防控",
    }
    by_type = {"unit": by_name["unit"], "notice": first["id"], "date": f"{first['year']}-12-31"}
    plan = []
    for nq in Catalog.load():
        required = [p for p in nq.params if p.required and p.default is None]
        if not required:
            plan.append({"query": nq.name, "variant": "all", "values": {}, "selective": False})
        values = {}
        for p in nq.params:
            v = by_name.get(p.name) if p.name in by_name else by_type.get(p.type)
            if v is not None and (p.default is None or p.required):
                values[p.name] = v
        if any(p.type in SELECTIVE_TYPES for p in nq.params if p.name in values):
            plan.append({"query": nq.name, "variant": "selective", "values": values, "selective": True})
        elif values and (required or values):
            plan.append({"query": nq.name, "variant": "filtered", "values": values, "selective": False})
    return plan


def query_store(
    work: Path,
    manifest: dict[str, Any],
    reg: Path,
    target: int,
    per_notice: float,
    ingests: list[dict[str, Any]],
) -> dict[str, Any]:
    """A store of about `target` quads: an ingest run's store when close, else the first K notices."""
    for r in ingests:
        if "error" not in r and abs(r["counts"]["quads"] - target) <= 0.25 * target:
            return {"store": r["store"], "notices": r["size"], "quads": r["counts"]["quads"], "reused": True}
    k = max(1, min(len(manifest["files"]), round(target / per_notice)))
    r = ingest(work, manifest, reg, k, 0)
    if "error" in r:
        return {"error": r["error"]}
    return {"store": r["store"], "notices": k, "quads": r["counts"]["quads"], "reused": False, "ingest": r}


def run_queries(
    work: Path, manifest: dict[str, Any], qs: dict[str, Any], a: argparse.Namespace
) -> dict[str, Any]:
    plan = query_plan(manifest, qs["notices"])
    vf = work / f"plan-{qs['notices']}.json"
    vf.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    print(f"queries on {human(qs['quads'])} quads ({qs['notices']} notices) ...", flush=True)
    rdflib_reps = 0 if a.no_rdflib else a.rdflib_reps
    r = measure(
        "queries",
        "--store",
        qs["store"],
        "--values",
        str(vf),
        "--reps",
        str(a.reps),
        "--rdflib-reps",
        str(rdflib_reps),
        "--budget",
        str(a.budget),
    )
    if "error" not in r:
        sel = {(p["query"], p["variant"]): p["selective"] for p in plan}
        for row in r["queries"]:
            row["selective"] = sel[(row["query"], row["variant"])]
    return r


# --------------------------------------------------------------------------- report


def fmt_ms(d: dict[str, Any] | None, key: str) -> str:
    if not d:
        return "-"
    if "error" in d:
        return "error"
    if "timeout_s" in d:
        return f">{d['timeout_s']:.0f}s"
    v = d.get(key)
    return "-" if v is None else f"{v:.1f}" if v >= 10 else f"{v:.2f}"


def verdict(ok: bool | None) -> str:
    return "n/a " if ok is None else "PASS" if ok else "MISS"


def report(res: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    p = lines.append
    m = res["corpus"]
    p(
        f"\ncorpus: {m['notices']} notices, {m['totals']['tasks']} tasks "
        f"({m['totals']['tasks'] / m['notices']:.0f}/notice; seed has {SEED_TASKS}), seed {m['seed']}, "
        f"generated in {m.get('gen_s', 0):.1f} s"
    )

    p(
        "\nINGEST (kg.ingest.ingest_many on disk as `kg ingest DIR --jobs N`: parse + build + validate + link + "
        "store per file, one process per size)"
    )
    p(
        f"{'notices':>8} {'tasks':>8} {'seconds':>8} {'notices/s':>10} {'tasks/s':>8} {'quads':>8} {'quads/s':>8} "
        f"{'peak RSS':>9} {'seed-sized s':>12}  counts vs manifest"
    )
    for r in res["ingest"]:
        if "error" in r:
            p(f"{r['size']:>8} FAILED {r['error'][:200]}")
            continue
        q = r["counts"]["quads"]
        check = (
            "ok"
            if not r["mismatch"]
            else "MISMATCH " + ", ".join(f"{k} {g}≠{w}" for k, (g, w) in r["mismatch"].items())
        )
        done = f"{r['done']}/{r['size']}" if r.get("stopped") else f"{r['size']}"
        p(
            f"{done:>8} {r['expected']['tasks']:>8} {r['ingest_s']:>8.1f} {r['notices_per_s']:>10.2f} "
            f"{r['tasks_per_s']:>8.0f} {human(q):>8} {human(q / r['ingest_s']):>8} {r['peak_rss_mb']:>7.0f}MB "
            f"{r['seed_sized_s']:>12.1f}  {check}; jobs {r.get('jobs', 1)}, load {r.get('load')}"
        )
        if r.get("stopped") or r["size"] >= 1000:
            notes = r.get("progress") or []
            step = max(1, len(notes) // 12)
            shown = notes[step - 1 :: step] if notes else []
            p(
                f"{'':>8} progress (notices, s, MB): "
                + "; ".join(f"{pt['notices']} {pt['s']:.0f} s {pt['rss_mb']:.0f}" for pt in shown)
            )
        if r.get("cpu_s"):
            rocks = r.get("rocksdb_cpu_s")
            p(
                f"{'':>8} CPU {r['cpu_s']:.0f} s, {r['cpu_s'] / r['ingest_s']:.2f} cores busy"
                + (f"; RocksDB background threads {rocks:.0f} s ({rocks / r['cpu_s']:.0%})" if rocks is not None else "")
            )
        if r.get("phases"):
            ph = r["phases"]
            p(
                f"{'':>8} per notice (first {ph['notices']}, one process): parse {ph['parse_ms']:.0f} ms, "
                f"build {ph['build_ms']:.0f} ms, serialize {ph.get('serialize_ms', 0):.0f} ms, "
                f"validate {ph['validate_ms']:.0f} ms, store {ph['store_ms']:.0f} ms; {ph['triples_per_notice']:.0f} triples"
            )
        if r.get("refused"):
            p(f"{'':>8} refused {r['statuses'].get('refused', 0)}: {r['refused']}")
        if r.get("warning_kinds"):
            kinds = "; ".join(f"{n}× {k}" for k, n in list(r["warning_kinds"].items())[:3])
            p(f"{'':>8} {r['warnings']} warnings, most common: {kinds}")

    fl = res.get("floor")
    if fl:
        p("\nINGEST FLOOR (bench/measure.py floor: kg's own triples, validated one document at a time and written as a first load writes them)")
        if "error" in fl:
            p(f"  FAILED {fl['error'][:300]}")
        else:
            cpu, wall = floor_seconds(fl, 1000)
            p(
                f"  {fl['notices']} notices, {fl['triples']:,} triples: store {fl['store_us_per_triple']:.1f} µs CPU per triple "
                f"(bulk load and compaction, every thread), SHACL {fl['validate_us_per_triple']:.1f} µs"
            )
            p(
                f"  1000 seed-sized notices ({fl['seed_triples']:,} triples each): {cpu:.0f} s CPU, {wall:.0f} s on "
                f"{fl['cpus']} cores, before any parsing, building or linking"
            )

    for label, qr in res["queries"].items():
        if "error" in qr:
            p(f"\nQUERIES at {label}: FAILED {qr['error'][:300]}")
            continue
        p(
            f"\nNAMED QUERIES at {label} ({human(qr['quads'])} quads, load {qr.get('load')}): ms, p50/p99; 'kg' = kg.queries.run_named "
            "(resolve + bind + run + table), 'engine' = store.query of the bound SPARQL"
        )
        if qr.get("rdflib_load_s"):
            lo = qr["rdflib_load_s"]
            p(
                f"  rdflib Dataset load: export {lo['export']:.1f} s + parse {lo['parse']:.1f} s, RSS {lo['rss_mb']:.0f} MB"
            )
        p(
            f"  {'query':<20} {'variant':<10} {'rows':>7} {'kg p50':>8} {'kg p99':>8} {'eng p50':>8} {'eng p99':>8} "
            f"{'rdflib p50':>10} {'x rdflib':>8}"
        )
        for row in qr["queries"]:
            if "error" in row:
                p(f"  {row['query']:<20} {row['variant']:<10} ERROR {row['error'][:150]}")
                continue
            kg, eng, rl = row.get("kg"), row.get("engine"), row.get("rdflib")
            ratio = ""
            if rl and kg and "p50_ms" in rl and "p50_ms" in kg:
                ratio = f"{rl['p50_ms'] / kg['p50_ms']:.0f}x"
            elif rl and "timeout_s" in rl:
                ratio = "(timeout)"
            rows = (kg or {}).get("rows", "")
            p(
                f"  {row['query']:<20} {row['variant']:<10} {rows!s:>7} {fmt_ms(kg, 'p50_ms'):>8} {fmt_ms(kg, 'p99_ms'):>8} "
                f"{fmt_ms(eng, 'p50_ms'):>8} {fmt_ms(eng, 'p99_ms'):>8} {fmt_ms(rl, 'p50_ms'):>10} {ratio:>8}"
            )

    p("\nSHACL (full store) and REOPEN")
    for label, s in res["shacl"].items():
        if "error" in s:
            p(f"  {label}: SHACL FAILED {s['error'][:300]}")
        else:
            p(
                f"  {label}: SHACL {s['shacl_s']:.1f} s over {human(s['quads'])} quads, {s['violations']} violations, "
                f"{s['warnings']} warnings, peak {s['peak_rss_mb']:.0f} MB"
            )
    for label, o in res["reopen"].items():
        if "error" in o:
            p(f"  {label}: reopen FAILED {o['error'][:300]}")
        else:
            p(
                f"  {label}: reopen {o['open_s'] * 1000:.0f} ms (+ count {o['count_s'] * 1000:.0f} ms, "
                f"list documents {o['documents_s'] * 1000:.0f} ms), {o['documents']} documents"
            )
    if res.get("http"):
        p("\nHTTP (bench/http_bench.py)")
        p(res["http"].get("stdout", "").rstrip() or res["http"].get("error", ""))
        ox = res["http"].get("oxigraph") or {}
        for r in ox.get("runs", []):
            p(
                f"{'oxigraph serve-read-only':28} {r['clients']:>7} {r['rps']:>9.1f} {r['p50_ms']:>9.2f} "
                f"{r['p99_ms']:>9.2f} {r['requests']:>7} {r['errors']:>6}"
            )
        if ox.get("error"):
            p(f"oxigraph serve-read-only: {ox['error'][:300]}")
    lines += goals(res)
    return lines


def stopped_verdict(r: dict[str, Any], n: int, goal_s: float) -> tuple[str, bool | None]:
    """The time goal of an ingest stopped before its end: the tasks of n seed-sized notices must be
    stored within goal_s; judged from the progress notes taken up to goal_s."""
    need = n * SEED_TASKS
    if r["ingest_s"] < goal_s:
        return f"stopped at {r['ingest_s']:.0f} s, before the goal's {goal_s:.0f} s: no verdict", None
    by_goal = [pt for pt in r["progress"] if pt["s"] <= goal_s]
    tasks = max((pt["tasks"] for pt in by_goal), default=0)
    notices = max((pt["notices"] for pt in by_goal), default=0)
    figure = (
        f"{tasks:,} of the {need:,} tasks stored by {goal_s:.0f} s ({notices} notices of this corpus); "
        f"stopped at {r['ingest_s']:.0f} s with {r['done']} of {n}; {r['seed_sized_s']:.0f} s at the rate so far"
    )
    return figure, tasks >= need


def time_verdict(by_size: dict[int, dict[str, Any]], n: int, goal_s: float) -> tuple[str, bool | None]:
    """The figure and verdict of "n seed-sized notices ingested within goal_s"."""
    r = by_size.get(n)
    if r is None:
        largest = max(by_size.values(), key=lambda x: x["size"], default=None)
        if largest is None:
            return "not run", None
        return (
            f"not run (≈ {n * SEED_TASKS / largest['tasks_per_s']:.0f} s at the {largest['size']}-notice "
            f"run's {largest['tasks_per_s']:.0f} tasks/s)"
        ), None
    if r.get("stopped"):
        return stopped_verdict(r, n, goal_s)
    return (
        f"{r['seed_sized_s']:.0f} s (measured {r['ingest_s']:.0f} s for {n} notices of "
        f"{r['expected']['tasks'] / n:.0f} tasks, scaled by tasks/s)"
    ), r["seed_sized_s"] <= goal_s


def goals(res: dict[str, Any]) -> list[str]:
    out = ["\nGOALS (issue 5, this 2-core machine)"]

    def g(name: str, figure: str, ok: bool | None, why: str = "") -> None:
        out.append(f"  {verdict(ok)}  {name:<58} {figure}{('  ' + why) if why else ''}")

    by_size = {r["size"]: r for r in res["ingest"] if "error" not in r}
    fl = res.get("floor") if "error" not in (res.get("floor") or {"error": 1}) else None
    for n, key in ((1000, "ingest_1000_s"), (10000, "ingest_10000_s")):
        g(f"{n} seed-sized notices ingested ≤ {GOALS[key]:.0f} s", *time_verdict(by_size, n, GOALS[key]))
        if fl:  # the engine's share alone, measured in this run
            wall = floor_seconds(fl, n)[1]
            out.append(
                f"        floor: {wall:.0f} s on {fl['cpus']} cores to store and validate the triples of {n} alone"
                + (", over the goal whatever the Python work costs" if wall > GOALS[key] else "")
            )
    r = by_size.get(10000)
    if r is not None and r.get("stopped"):
        over = r["peak_rss_mb"] > GOALS["ingest_10000_rss_mb"]
        g(
            "10000 notices: peak memory ≤ 2 GB",
            f"{r['peak_rss_mb']:.0f} MB for the {r['done']} notices done (stopped)",
            False if over else None,
        )
    elif r is None and by_size:
        largest = max(by_size.values(), key=lambda x: x["size"])
        g(
            "10000 notices: peak memory ≤ 2 GB",
            f"not run ({largest['peak_rss_mb']:.0f} MB already at {largest['size']} notices)",
            None,
        )
    else:
        g(
            "10000 notices: peak memory ≤ 2 GB",
            f"{r['peak_rss_mb']:.0f} MB" if r else "not run",
            r["peak_rss_mb"] <= GOALS["ingest_10000_rss_mb"] if r else None,
        )

    big = res["queries"].get("1M") or {}
    label = "1M" if big else None
    from kg.queries import Catalog

    kinds = {nq.name: nq.kind for nq in Catalog.load()}
    listings: list[tuple[float, str]] = []
    if not big or "error" in big:
        g("named queries at 1M triples", "not run" if not big else "failed", None)
    else:
        for row in big["queries"]:
            kg, rl = row.get("kg") or {}, row.get("rdflib") or {}
            if "p50_ms" not in kg:
                g(f"{row['query']} ({row['variant']})", row.get("error", "no timing")[:80], False)
                continue
            if row["selective"]:
                ok = kg["p50_ms"] <= GOALS["selective_p50_ms"] and kg["p99_ms"] <= GOALS["selective_p99_ms"]
                g(
                    f"{row['query']} ({row['variant']}) p50 ≤ 5 ms, p99 ≤ 20 ms at {label}",
                    f"{kg['p50_ms']:.1f} / {kg['p99_ms']:.1f} ms (engine {row['engine']['p50_ms']:.1f} ms), "
                    f"{kg['rows']} rows",
                    ok,
                )
                if "p50_ms" in rl:
                    x = rl["p50_ms"] / kg["p50_ms"]
                    g(
                        f"{row['query']} ({row['variant']}) ≥ 20x rdflib",
                        f"{x:.0f}x",
                        x >= GOALS["selective_vs_rdflib"],
                    )
                elif "timeout_s" in rl:
                    g(
                        f"{row['query']} ({row['variant']}) ≥ 20x rdflib",
                        f"rdflib > {rl['timeout_s']:.0f} s",
                        True,
                    )
            elif kinds.get(row["query"]) == "aggregate":
                g(
                    f"{row['query']} ({row['variant']}, aggregate) p50 ≤ 300 ms at {label}",
                    f"{kg['p50_ms']:.0f} ms, {kg['rows']} rows",
                    kg["p50_ms"] <= GOALS["aggregate_p50_ms"],
                )
            else:  # a listing of the whole store: its size grows with the store; no goal
                listings.append((kg["p50_ms"], f"{row['query']} {kg['p50_ms']:.0f} ms ({kg['rows']} rows)"))
        if listings:
            fast = sum(ms <= GOALS["aggregate_p50_ms"] for ms, _ in listings)
            slow = ", ".join(text for _, text in sorted(listings, reverse=True)[:3])
            g(
                "whole-store listings (no goal; for reference)",
                f"{fast} of {len(listings)} within 300 ms at {label}; slowest {slow}",
                None,
            )
    s = res["shacl"].get("1M") or {}
    if "timeout_s" in s:
        g("full-store SHACL ≤ 20 s at 1M", f"> {s['timeout_s']:.0f} s (stopped)", False)
    else:
        g(
            "full-store SHACL ≤ 20 s at 1M",
            f"{s['shacl_s']:.1f} s" if "shacl_s" in s else "not run",
            s["shacl_s"] <= GOALS["shacl_1M_s"] if "shacl_s" in s else None,
        )
    o = res["reopen"].get("1M")
    g(
        "reopen a 1M-triple store ≤ 1 s",
        f"{o['open_s']:.2f} s" if o and "open_s" in o else "not run",
        o["open_s"] <= GOALS["reopen_1M_s"] if o and "open_s" in o else None,
    )
    http = res.get("http") or {}
    if not http.get("ratios"):
        g("HTTP unit-tasks ≥ 20x rdflib-endpoint", "not run (--http)" if not http else "no figures", None)
    for n, x in sorted(http.get("ratios", {}).items()):
        g(f"HTTP unit-tasks ≥ 20x rdflib-endpoint at {n} connection(s), ~100k", f"{x:.1f}x", x >= 20)
    ox = {int(r["clients"]): r for r in (http.get("oxigraph") or {}).get("runs", [])}
    kg8 = (http.get("kg_rps") or {}).get(8) or (http.get("kg_rps") or {}).get("8")
    if 8 in ox and kg8:
        g(
            "HTTP unit-tasks ≥ oxigraph serve-read-only at 8 connections",
            f"kg {kg8:.0f} req/s vs oxigraph {ox[8]['rps']:.0f} req/s ({kg8 / ox[8]['rps']:.2f}x)",
            kg8 >= ox[8]["rps"],
        )
    else:
        g("HTTP unit-tasks ≥ oxigraph serve-read-only at 8 connections", "not run (--http)", None)
    return out


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sizes", default="10,100,1000", help="ingest sizes in notices (default 10,100,1000)")
    ap.add_argument("--triples", default="100k,1M", help="query-store sizes in quads (default 100k,1M)")
    ap.add_argument("--quick", action="store_true", help="smoke run: queries at 100k only, few repetitions")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--min-tasks", type=int, default=30)
    ap.add_argument("--max-tasks", type=int, default=150)
    ap.add_argument("--reps", type=int, default=100, help="timed runs per named query (kg and engine)")
    ap.add_argument("--rdflib-reps", type=int, default=5, help="timed runs per query on rdflib")
    ap.add_argument("--budget", type=float, default=30.0, help="seconds per query and engine")
    ap.add_argument("--no-rdflib", action="store_true", help="skip the rdflib baseline")
    ap.add_argument("--phases", type=int, default=5, help="time parse/build/validate/store on N notices")
    ap.add_argument("--jobs", type=int, default=1, help="ingest as `kg ingest --jobs N` (default 1, as kg ingest)")
    ap.add_argument(
        "--shacl-timeout", type=float, default=900.0, help="give up full-store SHACL after S seconds"
    )
    ap.add_argument(
        "--stop-after",
        type=float,
        default=0,
        metavar="S",
        help="start no notice after S seconds of an ingest; the goals are judged on what was done (0: no limit)",
    )
    ap.add_argument(
        "--floor",
        type=int,
        default=30,
        metavar="N",
        help="store and validate the triples of N notices alone: the engine's share of ingest (0: skip)",
    )
    ap.add_argument("--http", action="store_true", help="also run bench/http_bench.py on the ~100k store")
    ap.add_argument("--work", type=Path, help="work folder (default: a new temporary folder)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    ap.add_argument("--report", type=Path, metavar="RESULTS", help="only print the report of a results.json")
    a = ap.parse_args(argv)
    if a.report:
        print("\n".join(report(json.loads(a.report.read_text(encoding="utf-8")))))
        return 0
    if a.quick:
        a.triples = "100k" if a.triples == "100k,1M" else a.triples
        a.reps, a.rdflib_reps, a.budget, a.phases = (
            min(a.reps, 20),
            min(a.rdflib_reps, 2),
            min(a.budget, 10.0),
            min(a.phases, 3),
        )

    sizes = sorted({parse_count(s) for s in a.sizes.split(",") if s})
    targets = {s: parse_count(s) for s in a.triples.split(",") if s}
    work = a.work or Path(tempfile.mkdtemp(prefix="kg-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"work folder: {work}", flush=True)
    t_start = time.perf_counter()
    manifest = make_corpus(work, max(sizes), a.seed, a.min_tasks, a.max_tasks)
    global KG_HOME
    KG_HOME = kg_home(work)
    reg = KG_HOME / "data" / "registry"
    res: dict[str, Any] = {
        "corpus": {k: v for k, v in manifest.items() if k != "files"},
        "args": vars(a) | {"work": str(work)},
        "ingest": [],
        "queries": {},
        "shacl": {},
        "reopen": {},
    }
    for n in sizes:
        res["ingest"].append(
            ingest(work, manifest, reg, n, a.phases if n == sizes[0] else 0, a.jobs, a.stop_after)
        )

    if a.floor:
        res["floor"] = floor(work, manifest, reg, a.floor)

    ok = [r for r in res["ingest"] if "error" not in r and r["counts"]["quads"]]
    per_notice = ok[-1]["counts"]["quads"] / ok[-1]["size"] if ok else None
    if per_notice is None and targets:
        print("no successful ingest: skipping queries, SHACL and reopen", flush=True)
    for label, target in targets.items() if per_notice else ():
        if round(target / per_notice) > manifest["notices"]:  # a larger corpus has the same prefix
            manifest = make_corpus(work, round(target / per_notice), a.seed, a.min_tasks, a.max_tasks)
        qs = query_store(work, manifest, reg, target, per_notice, res["ingest"])
        if "error" in qs:
            res["queries"][label] = qs
            continue
        res["queries"][label] = run_queries(work, manifest, qs, a) | {"store": qs}
        print(f"SHACL on {human(qs['quads'])} quads ...", flush=True)
        res["shacl"][label] = measure(
            "shacl", "--store", qs["store"], "--registry", str(reg), timeout=a.shacl_timeout
        )
        res["reopen"][label] = measure("reopen", "--store", qs["store"], "--read-only")
    if a.http:
        res["http"] = run_http(res, manifest)
    res["elapsed_s"] = time.perf_counter() - t_start
    lines = report(res)
    print("\n".join(lines))
    (work / "results.json").write_text(json.dumps(res, ensure_ascii=False, indent=1), encoding="utf-8")
    (work / "report.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"\nresults: {work / 'results.json'}; total {res['elapsed_s']:.0f} s")
    if not a.keep and a.work is None:
        shutil.rmtree(work / "corpus", ignore_errors=True)
        for d in work.glob("store-*"):
            shutil.rmtree(d, ignore_errors=True)
    return 0


def run_http(res: dict[str, Any], manifest: dict[str, Any]) -> dict[str, Any]:
    """bench/http_bench.py (the server engineer's) on the ~100k store, for one unit's tasks."""
    script = BENCH / "http_bench.py"
    if not script.exists():
        return {"error": "bench/http_bench.py is not there"}
    qs = (res["queries"].get("100k") or {}).get("store") or {}
    if not qs.get("store"):
        return {"error": "no ~100k store to serve"}
    unit = next(
        p["values"]["unit"] for p in query_plan(manifest, qs["notices"]) if p["query"] == "unit-tasks"
    )
    print(f"HTTP load on {human(qs['quads'])} quads, unit-tasks unit={unit} ...", flush=True)
    env = os.environ | ({"KG_HOME": str(KG_HOME)} if KG_HOME else {})
    cmd = [sys.executable, str(script), "--store", qs["store"], "--unit", unit]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env)
    ratios = {}
    for (
        line
    ) in proc.stdout.splitlines():  # "ratio at 8 client(s): kg /queries/unit-tasks / rdflib-endpoint = 31.2x"
        if line.startswith("ratio at ") and "/queries/unit-tasks" in line:
            m = re.search(r"= ([\d.]+)x", line)
            if m:
                ratios[int(line.split()[2])] = float(m[1])
    kg_rps = {}
    for line in proc.stdout.splitlines():  # the table: name (28 wide), clients, req/s, p50, p99, n, errors
        if line.startswith("kg /queries/unit-tasks"):
            fields = line[28:].split()
            kg_rps[int(fields[0])] = float(fields[1])
    print("oxigraph serve-read-only on the same store ...", flush=True)
    ox = measure(
        "oxigraph", "--store", qs["store"], "--values", json.dumps({"unit": unit}, ensure_ascii=False)
    )
    return {
        "stdout": proc.stdout,
        "ratios": ratios,
        "kg_rps": kg_rps,
        "oxigraph": ox,
        "error": proc.stderr[-2000:] if proc.returncode else "",
    }


if __name__ == "__main__":
    sys.exit(main())
