"""A/B a rewritten named query against the committed one, on the same store, in one process.

    python bench/query_ab.py QUERY --store DIR [--store DIR ...] [--values JSON ...] [--reps N]

The old text is `git show HEAD:queries/QUERY.rq`, the new one the working tree's (or --old FILE).
Both are bound with the same values (`{}` = whole store, the default when no --values is given),
checked for identical rows (sorted, and in order when the query has ORDER BY), then timed
alternately, old/new, after a warm-up, so that a noisy machine slows both alike. Prints one line
per (store, values): rows, equality, p50 ms of old and new and their ratio. Timings are the
engine's (store.query of the bound text) and include materialising every row.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from kg import paths
from kg.errors import KgError
from kg.queries.catalog import NamedQuery, parse_rq
from kg.queries.run import render_named
from kg.store import open_store
from kg.store.base import Store

Row = tuple[str | None, ...]


def old_text(name: str, old: Path | None) -> str:
    if old is not None:
        return old.read_text(encoding="utf-8")
    rel = (paths.QUERIES_DIR / f"{name}.rq").resolve().relative_to(paths.ROOT.resolve())
    return subprocess.run(
        ["git", "show", f"HEAD:{rel.as_posix()}"], cwd=paths.ROOT, check=True, capture_output=True, text=True
    ).stdout


def rows_of(store: Store, sparql: str) -> list[Row]:
    result = store.query(sparql)
    names = [v.value for v in result.variables]  # type: ignore[union-attr]
    return [tuple(None if s[n] is None else str(s[n]) for n in names) for s in result]  # type: ignore[union-attr]


def timed(store: Store, sparql: str) -> float:
    start = time.perf_counter()
    rows_of(store, sparql)
    return (time.perf_counter() - start) * 1000


def compare(store: Store, a: NamedQuery, b: NamedQuery, values: dict[str, str], reps: int) -> str:
    qa, qb = render_named(store, a, values), render_named(store, b, values)
    ra, rb = rows_of(store, qa), rows_of(store, qb)  # also the warm-up
    same = sorted(ra, key=repr) == sorted(rb, key=repr)
    ordered = "ORDER BY" in a.sparql.upper()
    verdict = "EQUAL" if same and (not ordered or ra == rb) else "ORDER-DIFFERS" if same else "ROWS-DIFFER"
    ta, tb = [], []
    for _ in range(reps):
        ta.append(timed(store, qa))
        tb.append(timed(store, qb))
    pa, pb = statistics.median(ta), statistics.median(tb)
    label = json.dumps(values, ensure_ascii=False) if values else "(whole store)"
    return (
        f"{label:38} rows {len(ra):>6}/{len(rb):<6} {verdict:13} "
        f"old {pa:9.2f} ms  new {pb:9.2f} ms  new/old {pb / pa:5.2f}"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("query", help="named query (file name without .rq)")
    ap.add_argument("--store", action="append", required=True, help="store folder (read-only; repeatable)")
    ap.add_argument(
        "--values", action="append", default=[], help='JSON parameters, e.g. {"notice": "X"}; repeatable'
    )
    ap.add_argument("--reps", type=int, default=7, help="timed runs of each text (default 7)")
    ap.add_argument("--old", type=Path, help="old .rq file instead of git HEAD's")
    args = ap.parse_args(argv)
    new_path = paths.QUERIES_DIR / f"{args.query}.rq"
    new = parse_rq(new_path.read_text(encoding="utf-8"), new_path)
    old = parse_rq(old_text(args.query, args.old), new_path)
    bindings = [json.loads(v) for v in args.values] or [{}]
    failed = False
    for folder in args.store:
        store = open_store(folder, read_only=True)
        print(f"{args.query} on {folder} ({len(store.raw)} quads)", flush=True)
        for values in bindings:
            try:
                line = compare(store, old, new, values, args.reps)
            except KgError as e:  # a value this store does not know
                line = f"{json.dumps(values, ensure_ascii=False)}: skipped ({e})"
            failed |= "DIFFER" in line
            print("  " + line, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
