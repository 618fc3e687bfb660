"""The seed notice 新密政办〔2021〕6号 read by kg.parse, checked against the hand-made gold."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path

import pytest

from kg.model import Notice, Task
from kg.parse import parse_file
from kg.parse.normalise import squeeze

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "notices" / "xinmi-2021-6.txt"
GOLD = json.loads((ROOT / "tests" / "fixtures" / "seed" / "gold.json").read_text("utf-8"))
UNIT_TASKS = json.loads((ROOT / "tests" / "fixtures" / "seed" / "unit_tasks.json").read_text("utf-8"))

# The one known class of difference: abbreviations the notice writes and the registry resolves
# to a unit's name later (task 2.1 writes 产业集聚区管委). Applied here, never in the parser.
REGISTRY_ALIASES = {"市产业集聚区管委": "市产业集聚区管委会"}


def resolved(label: str) -> str:
    return REGISTRY_ALIASES.get(label, label)


@pytest.fixture(scope="module")
def notice() -> Notice:
    return parse_file(SEED)


def task_of(notice: Notice, section: int, number: int) -> Task:
    found = [t for t in notice.tasks if t.path == (section, number)]
    assert len(found) == 1, (section, number)
    return found[0]


def labels(task: Task, role: str) -> list[str]:
    return [a.unit.label for a in task.assignments if a.role == role]


def test_metadata_equals_gold(notice: Notice) -> None:
    g = GOLD["notice"]
    assert notice.number is not None and notice.number.id == g["id"]
    assert (notice.number.code, notice.number.year, notice.number.seq) == ("新密政办", 2021, 6)
    assert notice.title == g["title"]
    assert notice.issuer == g["issuer"]
    assert notice.publisher == g["publisher"]
    assert notice.index_number == g["index_number"]
    assert notice.date_written == g["date_written"]
    assert notice.date_published == g["date_published"]
    assert notice.genre == g["genre"]
    assert notice.addressees == g["addressees"]
    assert notice.jurisdiction == "新密市"
    assert [r.number.id for r in notice.implements if r.number] == g["based_on"]
    assert [r.title for r in notice.implements] == [
        "郑州市人民政府办公厅关于做好2021年省政府工作报告重点工作任务落实的通知",
        "郑州市人民政府办公厅关于做好2021年市政府工作报告重点工作任务落实的通知",
    ]


def test_source_fields(notice: Notice) -> None:
    data = SEED.read_bytes()
    assert notice.text == data.decode("utf-8")
    assert notice.source_name == SEED.name
    assert notice.source_sha256 == hashlib.sha256(data).hexdigest()


def test_the_seed_reads_without_warnings(notice: Notice) -> None:
    assert notice.problems == []


def test_sections_equal_gold(notice: Notice) -> None:
    gold = GOLD["notice"]["sections"]
    assert [s.number for s in notice.sections] == [s["section"] for s in gold]
    for section, g in zip(notice.sections, gold, strict=True):
        assert section.title == g["title"]
        assert section.based_on == g["based_on"]
        assert section.report == g["report"]
        assert sum(1 for t in notice.tasks if t.section == section.number) == g["tasks"]
    assert [s.printed for s in notice.sections] == ["一", "二"]
    assert [s.report_place for s in notice.sections] == ["河南省", "郑州市"]


def test_reporting_equals_gold(notice: Notice) -> None:
    gold = GOLD["notice"]
    assert [r.section for r in notice.reporting] == [1, 2]
    for due, g in zip(notice.reporting, gold["sections"], strict=True):
        assert due.dates == g["report_by"]
        assert due.to == gold["report_to"]


def test_task_paths(notice: Notice) -> None:
    assert len(notice.tasks) == len(GOLD["tasks"]) == 52
    assert [t.path for t in notice.tasks] == [(g["section"], g["number"]) for g in GOLD["tasks"]]


@pytest.mark.parametrize("g", GOLD["tasks"], ids=lambda g: f"{g['section']}.{g['number']}")
def test_task_equals_gold(notice: Notice, g: dict) -> None:
    task = task_of(notice, g["section"], g["number"])
    assert task.text == g["text"]
    assert [resolved(x) for x in labels(task, "lead")] == g["lead"]
    assert [resolved(x) for x in labels(task, "responsible")] == g["responsible"]
    assert labels(task, "cooperating") == labels(task, "leader") == []
    excluded = sorted({x for a in task.assignments for x in a.unit.excludes})
    assert excluded == sorted(g["excluded"])
    expected = [
        (
            None if t["low"] is None else Decimal(t["low"]),
            None if t["high"] is None else Decimal(t["high"]),
            t["unit"],
        )
        for t in g["targets"]
    ]
    assert [(t.low, t.high, t.unit) for t in task.targets] == expected
    assert [d.date for d in task.deadlines] == ([g["deadline"]] if g["deadline"] else [])


def test_registry_alias_is_the_only_difference(notice: Notice) -> None:
    raw = {
        (t.section, t.number, a.unit.label)
        for t in notice.tasks
        for a in t.assignments
        if a.unit.label != resolved(a.unit.label)
    }
    assert raw == {(2, 1, "市产业集聚区管委")}


def test_target_details(notice: Notice) -> None:
    forest = task_of(notice, 1, 6).targets[1]
    assert (forest.text, forest.indicator) == ("完成森林抚育1万亩", "森林抚育")
    assert (forest.stated_value, forest.stated_unit, forest.comparator) == ("1万", "万亩", "eq")
    money = task_of(notice, 2, 1).targets[2]
    assert (money.low, money.high, money.unit, money.comparator) == (Decimal(600000000), None, "元", "gteq")
    assert (money.stated_value, money.stated_unit) == ("6亿", "亿元")
    projects = task_of(notice, 2, 3).targets
    assert [t.comparator for t in projects] == ["gteq", "gteq"]
    assert projects[0].text == "引进10亿元以上高质量项目不少于2个"
    routes = task_of(notice, 2, 16).targets[2]
    assert (routes.comparator, routes.stated_value) == ("range", "3至5")
    unemployment = task_of(notice, 2, 27).targets[0]
    assert (unemployment.indicator, unemployment.comparator) == ("城镇登记失业率", "lteq")


def test_deadline_details(notice: Notice) -> None:
    (end_of_year,) = task_of(notice, 2, 10).deadlines
    assert (end_of_year.date, end_of_year.granularity, end_of_year.text) == (
        "2021-12-31",
        "year",
        "2021年底前",
    )
    (half,) = task_of(notice, 2, 36).deadlines
    assert (half.date, half.granularity, half.text) == ("2021-06-30", "half", "上半年")


def test_mentions_keep_what_was_written(notice: Notice) -> None:
    t = task_of(notice, 1, 2)
    written = [(a.role, a.unit.label, a.unit.written, a.unit.kind, a.order) for a in t.assignments]
    assert written == [
        ("lead", "市城镇化服务中心", "市城镇化服务中心", "unit", 1),
        ("responsible", "市发展改革委", "市发展改革委", "unit", 2),
        ("responsible", "市住建局", "住建局", "unit", 3),
        ("responsible", "各乡镇政府", "各乡镇政府", "group", 4),
        ("responsible", "各街道办事处", "街道办事处", "group", 5),
        ("responsible", "伏羲山管委会", "伏羲山管委会", "unit", 6),
    ]
    assert not any(a.implicit for t in notice.tasks for a in t.assignments)


@pytest.mark.parametrize(
    ("label", "kind"),
    [
        ("市全民技能振兴工程领导小组成员单位", "group"),
        ("市安委会各成员单位", "group"),
        ("市级河长协助单位", "group"),
        ("市河长制办公室成员单位", "group"),
        ("市政府各部门", "group"),
        ("各相关乡镇政府", "group"),
        ("伏羲山管委会", "unit"),
        ("超化镇政府", "unit"),
        ("市供电公司", "unit"),
    ],
)
def test_mention_kinds(notice: Notice, label: str, kind: str) -> None:
    kinds = {a.unit.kind for t in notice.tasks for a in t.assignments if a.unit.label == label}
    assert kinds == {kind}


def test_exclusions_sit_on_the_groups_of_their_line(notice: Notice) -> None:
    for number in ((1, 6), (2, 23)):
        task = task_of(notice, *number)
        by_label = {a.unit.label: a.unit.excludes for a in task.assignments}
        assert by_label["各乡镇政府"] == by_label["各街道办事处"] == ["青屏街办事处", "矿区办事处"]
        assert by_label["伏羲山管委会"] == []


def _tasks_with(notice: Notice, label: str) -> set[str]:
    return {
        f"{t.section}-{t.number}"
        for t in notice.tasks
        for a in t.assignments
        if a.role in ("lead", "responsible") and resolved(a.unit.label) == label
    }


@pytest.mark.parametrize("unit", sorted(UNIT_TASKS))
def test_unit_tasks_cross_check(notice: Notice, unit: str) -> None:
    """Direct and via-group task lists of unit_tasks.json follow from the parsed assignments."""
    expected = UNIT_TASKS[unit]
    assert _tasks_with(notice, unit) == set(expected["direct"])
    groups = [g for g, members in GOLD["groups"].items() if unit in members]
    if expected["kind"] == "dept":
        groups.append("市政府各部门")
    via = {
        f"{t.section}-{t.number}": a.unit.label
        for t in notice.tasks
        for a in t.assignments
        if a.unit.label in groups and unit not in a.unit.excludes
    }
    assert via == expected["via_group"]
    for key in expected["either"]:
        section, number = map(int, key.split("-"))
        assert any(
            lb.startswith("各相关") for lb in labels(task_of(notice, section, number), "responsible")
        ) or ("市政府各部门" in labels(task_of(notice, section, number), "responsible"))


def _same_modulo_spaces(quote: str, text: str) -> bool:
    return squeeze(quote) == text


@pytest.mark.parametrize("path", [(1, 1), (1, 2), (1, 13), (2, 8), (2, 23), (2, 33)])
def test_task_spans_index_the_original(notice: Notice, path: tuple[int, int]) -> None:
    task = task_of(notice, *path)
    span = task.span
    assert notice.text[span.start : span.end] == span.quote
    assert _same_modulo_spaces(span.quote, task.text)
    assert notice.text.count("\n", 0, span.start) + 1 == span.line
    for a in task.assignments:
        s = a.unit.span
        assert s is not None and notice.text[s.start : s.end] == s.quote
        assert squeeze(s.quote) == a.unit.written
    for t in task.targets:
        assert t.span is not None and notice.text[t.span.start : t.span.end] == t.span.quote
        assert squeeze(t.span.quote) == t.text


def test_other_spans_index_the_original(notice: Notice) -> None:
    spans = (
        [s.span for s in notice.sections]
        + [r.span for r in notice.reporting]
        + [r.span for r in notice.implements]
    )
    spans += [d.span for t in notice.tasks for d in t.deadlines]
    for span in spans:
        assert span is not None and notice.text[span.start : span.end] == span.quote
        assert notice.text.count("\n", 0, span.start) + 1 == span.line
    assert notice.sections[0].span.line == 16
    assert squeeze(notice.reporting[1].span.quote).startswith("郑州市政府工作报告各项重点工作")
    assert task_of(notice, 2, 36).deadlines[0].span.line == 310
