"""End to end on the seed notice: `kg ingest` then `kg query … --format csv`, compared with the gold.

Replicates the logic of the project's outside check (seed_check.py): assignments as written, task
list, unit-tasks with group expansion for every unit in unit_tasks.json, targets, deadlines,
reporting dates and the notice's date.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import cli

SEED = Path(__file__).parent / "fixtures" / "seed"
GOLD = json.loads((SEED / "gold.json").read_text(encoding="utf-8"))
UNIT_GOLD = json.loads((SEED / "unit_tasks.json").read_text(encoding="utf-8"))
NID = GOLD["notice"]["id"]


def unit_key(label: str) -> str:
    """Compare unit labels with or without the 市 / 新密市 prefix (as the outside check does)."""
    s = "".join(label.split()).removeprefix("新密市")
    while s.startswith("市") and len(s) > 3:
        s = s[1:]
    return s


def num(v: object) -> object:
    if v is None or str(v).strip() == "":
        return None
    try:
        return Decimal(str(v).strip()).normalize()
    except InvalidOperation:
        return str(v).strip()


def query(store: Path, name: str, **params: str) -> list[dict[str, str]]:
    args = ["query", name, "--store", str(store), "--format", "csv"]
    for k, v in params.items():
        args += ["-p", k, v]
    r = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return list(csv.DictReader(io.StringIO(r.stdout.lstrip("\ufeff"))))


def pair(key: str) -> tuple[int, int]:
    s, n = key.split("-")
    return int(s), int(n)


def test_assignments_and_tasks(seed_store_dir: Path) -> None:
    expected = set()
    for t in GOLD["tasks"]:
        expected |= {(t["section"], t["number"], unit_key(u), "lead") for u in t["lead"]}
        expected |= {(t["section"], t["number"], unit_key(u), "other") for u in t["responsible"]}
    got = {(int(r["section"]), int(r["number"]), unit_key(r["unit"]), "lead" if r["role"] == "lead" else "other")
           for r in query(seed_store_dir, "assignments")}
    assert sorted(expected - got) == [] and sorted(got - expected) == []
    assert {(s, n) for s, n, _, _ in got} == {(t["section"], t["number"]) for t in GOLD["tasks"]}


@pytest.mark.parametrize("unit", sorted(UNIT_GOLD))
def test_unit_tasks(seed_store_dir: Path, unit: str) -> None:
    g = UNIT_GOLD[unit]
    expected = {pair(k) for k in g["direct"]} | {pair(k) for k in g["via_group"]}
    either = {pair(k) for k in g["either"]}
    rows = query(seed_store_dir, "unit-tasks", unit=unit)
    got = {(int(r["section"]), int(r["number"])) for r in rows if r["notice"] == NID} - either
    assert sorted(expected - got) == [] and sorted(got - expected) == []
    # `via` names the group through which the unit is reached
    for key, group in g["via_group"].items():
        vias = {r["via"] for r in rows if f"{r['section']}-{r['number']}" == key and r["via"]}
        assert vias == {group}, key


def test_targets(seed_store_dir: Path) -> None:
    expected = {(t["section"], t["number"], num(x["low"]), num(x["high"]), x["unit"])
                for t in GOLD["tasks"] for x in t["targets"]}
    rows = query(seed_store_dir, "targets")
    got = {(int(r["section"]), int(r["number"]), num(r["low"]), num(r["high"]), r["unit"].strip()) for r in rows}
    assert got == expected
    assert all("E" not in r["low"] + r["high"] for r in rows)  # plain decimals, never 6E+8


def test_deadlines_reporting_notice(seed_store_dir: Path) -> None:
    expected = {(t["section"], t["number"], t["deadline"]) for t in GOLD["tasks"] if t["deadline"]}
    got = {(int(r["section"]), int(r["number"]), r["deadline"][:10]) for r in query(seed_store_dir, "deadlines")}
    assert got == expected
    expected_r = {(s["section"], d) for s in GOLD["notice"]["sections"] for d in s["report_by"]}
    assert {(int(r["section"]), r["due"][:10]) for r in query(seed_store_dir, "reporting")} == expected_r
    notices = query(seed_store_dir, "notices")
    assert [(r["notice"], r["date"]) for r in notices] == [(NID, GOLD["notice"]["date_written"])]
    assert set(notices[0]["implements"].split("; ")) == set(GOLD["notice"]["based_on"])


# Questions between stored notices (parent and child, last year and this year): empty on the seed alone.
BETWEEN_NOTICES = {"parent-gaps", "transmission-time", "recurring-tasks"}


def test_every_named_query_runs_on_the_seed(seed_store_dir: Path) -> None:
    from kg.queries import Catalog

    samples = {"unit": "市农委", "group": "各乡镇政府", "notice": NID, "keyword": "垃圾分类", "min": "2",
               "from": "2021-01-01", "to": "2021-12-31", "section": "2", "number": "23"}
    per_query = {("units", "keyword"): "街道"}
    for nq in Catalog.load():
        params = {p.name: per_query.get((nq.name, p.name), samples.get(p.name)) for p in nq.params}
        params = {k: v for k, v in params.items() if v is not None}  # task: by notice + section + number
        rows = query(seed_store_dir, nq.name, **params)
        if nq.name in BETWEEN_NOTICES:  # need a second stored notice: tests/test_corpus.py
            continue
        assert rows, f"{nq.name} {params} gives no rows on the seed"
