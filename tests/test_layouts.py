"""Issue 4 layouts: each fixture in tests/fixtures/layouts is read by kg.parse and compared with the
hand-written expectation next to it (<name>.expected.json; schema in that folder's README.md).

Cases the parser does not read yet are strict xfails listed in NOT_YET_SUPPORTED: when the parser
learns a layout, its case starts passing, strict xfail turns that into a failure, and the name is
removed from the list. The other tests here check the fixtures themselves and pass today.
"""

from __future__ import annotations

import importlib.util
import json
import re
import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import zhconv

from kg.readers import read_document

LAYOUTS = Path(__file__).parent / "fixtures" / "layouts"
SOURCE_SUFFIXES = {".txt", ".html", ".htm", ".docx"}
SOURCES = sorted(p for p in LAYOUTS.iterdir() if p.suffix in SOURCE_SUFFIXES)
ROLES = {"lead": "lead", "responsible": "responsible", "cooperating": "cooperating", "leaders": "leader"}

# Shrink this set as the parser learns each layout (issue 4).
NOT_YET_SUPPORTED: set[str] = set()

# Every layout and variant issue 4 lists, as the `covers` tags of the expectations name them.
REQUIRED_COVERAGE = {
    "label-lines", "label-line-ends-with-period",
    "lead:牵头单位", "lead:牵头责任单位", "lead:主要责任单位", "responsible:责任单位",
    "cooperating:协同责任单位", "cooperating:配合单位", "cooperating:参与单位", "cooperating:协同配合单位",
    "leader:牵头市领导", "leader:分管省领导", "leader:牵头负责领导", "leader:责任领导",
    "brackets-paren", "brackets-square", "unit-with-alias-in-parens",
    "sentence:由…负责", "sentence:（…牵头，…按职责分工负责）", "sentence:部门分工",
    "implicit-lead", "implicit-lead-absent",
    "table-html", "table-docx", "table-merged-cells", "table-header-spanning", "columns:varying-order",
    "numbering-4-levels", "numbering:1.", "numbering:1、", "numbering:（1）", "attachments", "run-together",
    "prefix:省", "prefix:市", "prefix:县", "prefix:区", "prefix:旗",
    "group:各县（市、区）人民政府", "group:各镇人民政府", "group:各街道", "group:区直各部门", "group:各有关单位",
    "docnumber:〔〕", "docnumber:[]", "docnumber:（）", "docnumber:full-width-digits",
    "date:chinese-numerals", "traditional",
    "furniture:index-block", "furniture:key-value", "furniture:share", "truncated",
    "targets:growth-rate", "targets:no-number-kept-as-text",
}  # fmt: skip


def expectation(source: Path) -> dict[str, Any]:
    return json.loads(source.with_name(source.stem + ".expected.json").read_text(encoding="utf-8"))


def fold(text: str) -> str:
    """Compare texts and labels as the parser may normalise them: NFKC (full-width -> half-width), no spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _cases() -> list[Any]:
    xfail = pytest.mark.xfail(strict=True, reason="issue 4: layout not yet supported")
    return [pytest.param(s, id=s.name, marks=[xfail] if s.name in NOT_YET_SUPPORTED else []) for s in SOURCES]


# --- the parser against the expectations -------------------------------------------------------


def _number(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _task_view(task: Any) -> dict[str, Any]:
    """A parsed kg.model.Task in the expectation's shape."""
    ordered = sorted(task.assignments, key=lambda a: a.order)
    view: dict[str, Any] = {
        "path": list(task.path),
        "text": fold(task.text),
        **{key: [fold(a.unit.label) for a in ordered if a.role == role] for key, role in ROLES.items()},
        "excluded": sorted(fold(x) for a in ordered for x in a.unit.excludes),
        "targets": [
            {
                "low": _number(t.low),
                "high": _number(t.high),
                "unit": fold(t.unit),
                "approximate": t.approximate,
            }
            for t in task.targets
        ],
        "deadline": max((d.date for d in task.deadlines), default=None),
    }
    return view


def _expected_view(task: dict[str, Any]) -> dict[str, Any]:
    return {
        "path": task["path"],
        "text": fold(task["text"]),
        **{key: [fold(label) for label in task[key]] for key in ROLES},
        "excluded": sorted(fold(x) for x in task["excluded"]),
        "targets": [
            {
                "low": _number(t["low"]),
                "high": _number(t["high"]),
                "unit": fold(t["unit"]),
                "approximate": t["approximate"],
            }
            for t in task["targets"]
        ],
        "deadline": task["deadline"],
    }


def _notice_view(notice: Any, keys: list[str]) -> dict[str, Any]:
    values = {
        "id": notice.number.id if notice.number else None,
        "title": notice.title,
        "issuer": notice.issuer,
        "publisher": notice.publisher,
        "index_number": notice.index_number,
        "date_written": notice.date_written,
        "date_published": notice.date_published,
        "based_on": [fold(ref.number.id) for ref in notice.implements if ref.number],
    }
    return {key: values[key] for key in keys}


@pytest.mark.parametrize("source", _cases())
def test_layout_is_read_as_expected(source: Path) -> None:
    from kg.parse import parse_file  # imported here: the parser is written alongside these fixtures

    expected = expectation(source)
    notice = parse_file(source)

    want_notice = dict(expected["notice"])
    want_notice["based_on"] = [fold(x) for x in want_notice.get("based_on", [])]
    assert _notice_view(notice, list(want_notice)) == want_notice

    assert [list(t.path) for t in notice.tasks] == [t["path"] for t in expected["tasks"]]
    for task, want in zip(notice.tasks, expected["tasks"], strict=True):
        assert _task_view(task) == _expected_view(want), f"task {'.'.join(map(str, want['path']))}"

    groups = {fold(g) for g in expected["groups"]}
    wrong_kind = []
    for task, want in zip(notice.tasks, expected["tasks"], strict=True):
        for a in task.assignments:
            kind = "post" if a.role == "leader" else "group" if fold(a.unit.label) in groups else "unit"
            if a.unit.kind != kind:
                wrong_kind.append((task.path, a.unit.label, a.unit.kind, kind))
            if a.role == "lead" and a.implicit != want.get("lead_implicit", False):
                wrong_kind.append((task.path, a.unit.label, "implicit" if a.implicit else "explicit"))
    assert wrong_kind == []

    for problem in expected.get("problems", []):
        assert any(
            p.severity == problem["severity"] and p.focus == problem["focus"] for p in notice.problems
        ), problem


# --- the fixtures themselves (these pass without the parser) --------------------------------------


def test_every_source_has_an_expectation_and_back() -> None:
    stems = {p.stem for p in SOURCES}
    expectations = {p.name.removesuffix(".expected.json") for p in LAYOUTS.glob("*.expected.json")}
    assert stems == expectations
    assert len(stems) == len(SOURCES), "two sources share a stem"
    assert {p.name for p in SOURCES} >= NOT_YET_SUPPORTED


@pytest.mark.parametrize("source", SOURCES, ids=[s.name for s in SOURCES])
def test_expectation_is_well_formed(source: Path) -> None:
    expected = expectation(source)
    assert expected["fixture"] == source.name and expected["made_for_tests"] is True
    assert expected["tasks"] and expected["notice"]["id"]
    paths = [tuple(t["path"]) for t in expected["tasks"]]
    assert len(set(paths)) == len(paths)
    labels = set()
    for task in expected["tasks"]:
        assert task["section"] == task["path"][0] and task["number"] == task["path"][-1]
        assert set(task) <= {
            *ROLES,
            "path",
            "section",
            "number",
            "text",
            "excluded",
            "targets",
            "deadline",
            "lead_implicit",
        }
        for target in task["targets"]:
            assert set(target) == {"low", "high", "unit", "approximate"}
            assert target["low"] is not None or target["high"] is not None
        assert task["deadline"] is None or re.fullmatch(r"\d{4}-\d{2}-\d{2}", task["deadline"])
        labels.update(label for key in ("lead", "responsible", "cooperating") for label in task[key])
    assert set(expected["groups"]) <= labels


def _source_text(source: Path) -> str:
    text = read_document(source).text
    return fold(zhconv.convert(text, "zh-hans") if "traditional" in expectation(source)["covers"] else text)


@pytest.mark.parametrize("source", SOURCES, ids=[s.name for s in SOURCES])
def test_expected_texts_occur_in_the_source(source: Path) -> None:
    """Guards the expectations against typos: every task text and title is in the file as written."""
    text = _source_text(source)
    expected = expectation(source)
    missing = [t["text"] for t in expected["tasks"] if fold(t["text"]) not in text]
    assert missing == []
    assert fold(expected["notice"]["title"]) in text or source.name == "furniture-page.html"


def test_the_fixtures_cover_every_variant_of_issue_4() -> None:
    covered = set().union(*(expectation(s)["covers"] for s in SOURCES))
    assert REQUIRED_COVERAGE - covered == set()


def test_committed_docx_fixtures_match_make_docx(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_docx", LAYOUTS / "make_docx.py")
    assert spec and spec.loader
    make_docx = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_docx)
    for fresh in make_docx.build(tmp_path):
        committed = read_document(LAYOUTS / fresh.name)
        regenerated = read_document(fresh)
        assert committed.text == regenerated.text
        assert [t.rows for t in committed.tables] == [t.rows for t in regenerated.tables]
