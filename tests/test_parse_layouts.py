"""kg.parse on the layouts of issue 4 beyond label lines: assignment sentences and task tables.

Phrases are written as notices of the genre write them; the whole-notice fixtures are in
tests/fixtures/layouts (tests/test_layouts.py). Place tables are given explicitly, so these tests
do not depend on data/registry.
"""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from kg.errors import KgError
from kg.model import Notice
from kg.parse import parse_file, parse_text
from kg.parse.dates import parse_date
from kg.parse.deadlines import find_deadlines
from kg.parse.normalise import Source, normalise
from kg.parse.places import Places
from kg.parse.reports import report_of
from kg.parse.roles import split_inline
from kg.parse.tables import column_kind
from kg.parse.units import mentions
from kg.readers import Cell, Table, read_bytes

PLACES = Places.from_mapping(
    {"新密市": "郑州市", "郑州市": "河南省", "河南省": None, "舞钢市": "平顶山市", "平顶山市": "河南省"}
)
HEAD = (
    "郑州市人民政府办公厅关于分解落实2021年市政府工作报告重点工作的通知\n"
    "郑政办〔2021〕3号\n"
    "各县（市、区）人民政府，市人民政府各部门：\n"
    "　　现将任务分解如下，请认真落实。\n"
)
FOOT = "\n郑州市人民政府办公厅\n2021年3月1日\n"


def _notice(body: str) -> Notice:
    return parse_text(HEAD + body + FOOT, "t.txt", places=PLACES)


def _roles(notice: Notice) -> list[tuple[tuple[int, ...], str, list[tuple[str, str]]]]:
    return [(t.path, t.text, [(a.role, a.unit.label) for a in t.assignments]) for t in notice.tasks]


def _line_roles(line: str, *, line_start: bool = False) -> tuple[str, list[tuple[str, str]]]:
    text = normalise(line)
    source = Source(line)
    head, roles = split_inline(text, 1, line_start=line_start)
    found = [(role, m.label) for r in roles for role, m in mentions(r.content, r.role, source, PLACES)]
    return head.disp, found


# ---------------------------------------------------------------- assignment sentences


@pytest.mark.parametrize(
    ("line", "text", "roles"),
    [
        (
            "新增项目10个。由市发改委、商务局、工信局负责。",
            "新增项目10个。",
            [("responsible", "市发改委"), ("responsible", "市商务局"), ("responsible", "市工信局")],
        ),
        (
            "新建学校12所。由市教育局牵头，市财政局、人社局配合。",
            "新建学校12所。",
            [("lead", "市教育局"), ("cooperating", "市财政局"), ("cooperating", "市人社局")],
        ),
        (
            "减负300亿元以上。（省财政厅牵头，省商务厅、税务局等相关部门按职责分工负责）",
            "减负300亿元以上。",
            [("lead", "省财政厅"), ("responsible", "省商务厅"), ("responsible", "省税务局")],
        ),
        (
            "推进扩区调规［县发改委牵头，县自然资源局参与］",
            "推进扩区调规",
            [("lead", "县发改委"), ("cooperating", "县自然资源局")],
        ),
        (
            "落实退税政策。部门分工：市财政局牵头，各区、各部门配合。",
            "落实退税政策。",
            [("lead", "市财政局"), ("cooperating", "各区"), ("cooperating", "各部门")],
        ),
        ("完成造林1万亩，由市林业局负责。", "完成造林1万亩", [("responsible", "市林业局")]),
        (
            "扩区调规。由县发改委会同县自然资源和规划局负责。",
            "扩区调规。",
            [("lead", "县发改委"), ("cooperating", "县自然资源和规划局")],
        ),
        (
            "新建学校3所。县教体局为牵头单位，县财政局、住建局为配合单位。",
            "新建学校3所。",
            [("lead", "县教体局"), ("cooperating", "县财政局"), ("cooperating", "县住建局")],
        ),
        (
            "提升参保率。区医保局负责，区卫健委参与。",
            "提升参保率。",
            [("responsible", "区医保局"), ("cooperating", "区卫健委")],
        ),
        (
            "推进一网通办。（市政务服务中心牵头负责，市直有关部门、各县（市、区）政府配合落实）",
            "推进一网通办。",
            [
                ("lead", "市政务服务中心"),
                ("cooperating", "市直有关部门"),
                ("cooperating", "各县(市、区)政府"),
            ],
        ),
    ],
)
def test_assignment_sentences(line: str, text: str, roles: list[tuple[str, str]]) -> None:
    assert _line_roles(line) == (text, roles)


@pytest.mark.parametrize(
    "line",
    [
        "新建市民服务中心，市发改委负责。",  # prose before a bare clause: not a list of units
        "加强督导。各部门要密切配合。",  # 各部门要 is not a unit
        "压实责任。由企业负责。",  # 企业 names no body
        "推动企业参与国际竞争，鼓励高校和科研院所参与。",
        "督查工作由市督查局负责。",  # 由 inside a clause with a subject: a statement, not an assignment
        "坚持党委领导、政府负责、部门协同。",
        "实施（市场主体负责）的改革。",
    ],
)
def test_prose_is_not_an_assignment(line: str) -> None:
    assert _line_roles(line) == (normalise(line).disp, [])


def test_labels_written_with_wei() -> None:
    assert _line_roles("加快园区建设，牵头单位为市发改委，配合单位为市财政局、商务局。") == (
        "加快园区建设",
        [("lead", "市发改委"), ("cooperating", "市财政局"), ("cooperating", "市商务局")],
    )
    assert _line_roles("压实责任。各责任单位为第一责任人。")[1] == []


def test_short_labels_inside_brackets() -> None:
    assert _line_roles("推进扩区调规。（牵头：市发改委；配合：市财政局、商务局）") == (
        "推进扩区调规。",
        [("lead", "市发改委"), ("cooperating", "市财政局"), ("cooperating", "市商务局")],
    )


def test_a_line_of_its_own_may_be_a_bare_clause() -> None:
    assert _line_roles("市财政局牵头，各区配合。", line_start=True) == (
        "",
        [("lead", "市财政局"), ("cooperating", "各区")],
    )
    assert _line_roles("市财政局牵头，各区配合。")[1] == []


def test_a_labelled_list_written_as_a_sentence_takes_its_roles() -> None:
    assert _line_roles("责任单位：市财政局牵头，各区、各部门配合。") == (
        "",
        [("lead", "市财政局"), ("cooperating", "各区"), ("cooperating", "各部门")],
    )
    # 负责 inside a lead line keeps the label's role
    assert _line_roles("牵头单位：市发改委负责")[1] == [("lead", "市发改委")]
    # a list without verbs is just the label's list
    assert _line_roles("配合单位：市财政局、团市委，各区")[1] == [
        ("cooperating", "市财政局"),
        ("cooperating", "团市委"),
        ("cooperating", "各区"),
    ]


def test_sentences_make_a_flat_list_a_task_list() -> None:
    notice = _notice(
        "1.新建学校12所。由市教育局牵头，市财政局配合。\n"
        "2.完成造林20万亩。\n部门分工：市林业局负责。\n"
        "各责任单位要于每季度最后一个月20日前，将工作进展情况报市政府督查室。"
    )
    assert _roles(notice) == [
        ((1,), "新建学校12所。", [("lead", "市教育局"), ("cooperating", "市财政局")]),
        ((2,), "完成造林20万亩。", [("responsible", "市林业局")]),
    ]
    assert [(t.low, t.unit) for t in notice.tasks[1].targets] == [(200000, "亩")]
    # the reporting rule of a list without sections belongs to the notice (section 0)
    assert [(r.section, r.dates[0], r.to) for r in notice.reporting] == [(0, "2021-03-20", "市政府督查室")]
    assert [p.rule for p in notice.problems] == []


def test_label_lines_win_over_a_sentence_in_the_item() -> None:
    notice = _notice("1.开展全民健身运动。各乡镇积极参与。\n牵头单位：市体育局\n责任单位：各乡镇")
    assert _roles(notice) == [
        ((1,), "开展全民健身运动。各乡镇积极参与。", [("lead", "市体育局"), ("responsible", "各乡镇")])
    ]


def test_sentences_in_requirements_make_no_tasks() -> None:
    notice = _notice(
        "一、稳定增长\n1.新增就业5000人。由市人社局负责。\n"
        "二、工作要求\n（一）加强协调。各成员单位密切配合。\n（二）严格督查。由市督查局牵头，各单位配合。"
    )
    assert [t.path for t in notice.tasks] == [(1, 1)]
    assert [s.number for s in notice.sections] == [1]


def test_numbering_that_runs_on_across_sections_is_no_problem() -> None:
    notice = _notice(
        "一、稳定增长\n1.任务甲。由市发改委负责。\n2.任务乙。由市统计局负责。\n"
        "二、改善民生\n3.任务丙。由市人社局负责。\n5.任务丁。由市民政局负责。"
    )
    assert [t.path for t in notice.tasks] == [(1, 1), (1, 2), (2, 3), (2, 5)]
    assert [(p.rule, p.focus) for p in notice.problems] == [("task-numbering", "2.5")]


def test_etc_closes_a_label_list() -> None:
    notice = _notice("1.任务甲。\n牵头单位：市发改委\n责任单位：市财政局、商务局等有关单位")
    assert _roles(notice)[0][2] == [
        ("lead", "市发改委"),
        ("responsible", "市财政局"),
        ("responsible", "市商务局"),
    ]


# ---------------------------------------------------------------- tables


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("序号", "number"),
        ("重点工作", "task"),
        ("工作任务", "task"),
        ("任务内容", "task"),
        ("主要目标", "aim"),
        ("牵头单位", "lead"),
        ("牵头部门", "lead"),
        ("牵头", "lead"),
        ("配合", "cooperating"),
        ("主要责任单位", "lead"),
        ("责任单位", "responsible"),
        ("责任部门", "responsible"),
        ("承办单位", "responsible"),
        ("配合单位", "cooperating"),
        ("配合（责任）单位", "cooperating"),
        ("协同部门", "cooperating"),
        ("参与单位", "cooperating"),
        ("责任领导", "leader"),
        ("牵头市领导", "leader"),
        ("分管县领导", "leader"),
        ("完成时限", "due"),
        ("时间节点", "due"),
        ("完成时间（2022年）", "due"),
        ("类别", "category"),
        ("单位", None),  # a measurement unit column in a table of figures
        ("备注", None),
    ],
)
def test_column_kinds(name: str, kind: str | None) -> None:
    assert column_kind(name) == kind


def _html(table: str, body: str = "") -> Notice:
    page = (
        "<html><body><p>郑州市人民政府办公厅关于分解落实2021年市政府工作报告重点工作的通知</p>"
        f"<p>郑政办〔2021〕3号</p><p>各县（市、区）人民政府，市人民政府各部门：</p>{body}{table}"
        "<p>郑州市人民政府办公厅</p><p>2021年3月1日</p></body></html>"
    )
    doc = read_bytes(page.encode("utf-8"), "t.html")
    return parse_text(doc.text, "t.html", places=PLACES, tables=doc.tables)


def test_table_columns_in_any_order_with_roles_inside_cells() -> None:
    notice = _html(
        "<table><tr><th>序号</th><th>责任单位</th><th>工作任务</th><th>完成时间</th></tr>"
        "<tr><td>1</td><td>市发改委（牵头）、市财政局</td><td>新建5G基站1000个。</td><td>2021年6月30日</td></tr>"
        "<tr><td>2</td><td>牵头单位：市商务局<br>配合单位：市财政局</td><td>社零增长8%。</td><td>年底前</td></tr>"
        "<tr><td>3</td><td>市交通局牵头，市公安局配合</td><td>新建停车位300个。</td><td>2021年</td></tr>"
        "</table>"
    )
    assert _roles(notice) == [
        ((1,), "新建5G基站1000个。", [("lead", "市发改委"), ("responsible", "市财政局")]),
        ((2,), "社零增长8%。", [("lead", "市商务局"), ("cooperating", "市财政局")]),
        ((3,), "新建停车位300个。", [("lead", "市交通局"), ("cooperating", "市公安局")]),
    ]
    assert [[d.date for d in t.deadlines] for t in notice.tasks] == [
        ["2021-06-30"],
        ["2021-12-31"],
        ["2021-12-31"],
    ]
    assert [p.rule for p in notice.problems] == []


def test_table_spans_point_into_the_cells() -> None:
    notice = _html(
        "<table><tr><td>序号</td><td>重点工作</td><td>牵头单位</td><td>责任单位</td></tr>"
        "<tr><td>1</td><td>新改建农村公路<br>1000公里。</td><td>市交通运输局</td>"
        "<td>市财政局<br>各县（市、区）人民政府</td></tr></table>"
    )
    (task,) = notice.tasks
    assert task.text == "新改建农村公路1000公里。"
    assert task.span.quote == "新改建农村公路\n1000公里。"
    units = [(a.unit.label, a.unit.span.quote if a.unit.span else None) for a in task.assignments]
    assert units == [
        ("市交通运输局", "市交通运输局"),
        ("市财政局", "市财政局"),
        ("各县(市、区)人民政府", "各县（市、区）人民政府"),
    ]
    assert notice.text[task.targets[0].span.start : task.targets[0].span.end] == "新改建农村公路\n1000公里"


def test_table_section_rows_merged_rows_and_a_continued_table() -> None:
    notice = _html(
        "<table><tr><td>序号</td><td>重点工作</td><td>牵头单位</td><td>责任单位</td><td>完成时限</td></tr>"
        "<tr><td>一</td><td>稳增长</td><td></td><td></td><td></td></tr>"
        "<tr><td rowspan=2>1</td><td rowspan=2>任务甲。</td><td>市发改委</td><td>市财政局</td>"
        "<td rowspan=2>9月底前</td></tr>"
        "<tr><td>市商务局</td><td>各县（市、区）政府</td></tr>"
        "<tr><td colspan=5>二、惠民生</td></tr>"
        "<tr><td>2</td><td>任务乙。</td><td>市人社局</td><td></td><td>长期坚持</td></tr></table>"
        "<p>（续表）</p>"
        "<table><tr><td>3</td><td>任务丙。</td><td>市民政局</td><td>各县（市、区）政府</td><td>2021年11月</td></tr>"
        "</table>"
    )
    assert _roles(notice) == [
        (
            (1, 1),
            "任务甲。",
            [
                ("lead", "市发改委"),
                ("responsible", "市财政局"),
                ("lead", "市商务局"),
                ("responsible", "各县(市、区)政府"),
            ],
        ),
        ((2, 2), "任务乙。", [("lead", "市人社局")]),
        ((2, 3), "任务丙。", [("lead", "市民政局"), ("responsible", "各县(市、区)政府")]),
    ]
    assert [s.title for s in notice.sections] == ["稳增长", "惠民生"]
    assert [max((d.date for d in t.deadlines), default=None) for t in notice.tasks] == [
        "2021-09-30",
        None,
        "2021-11-30",
    ]
    assert [p.rule for p in notice.problems] == []


def test_table_rows_under_one_number_are_one_task() -> None:
    notice = _html(
        "<table><tr><td>序号</td><td>重点工作</td><td>牵头单位</td><td>责任单位</td></tr>"
        "<tr><td rowspan=2>1</td><td>建成高速公路30公里。</td><td>市交通局</td><td>市财政局</td></tr>"
        "<tr><td>新改建农村公路500公里。</td><td>市交通局</td><td>各县（市、区）政府</td></tr>"
        "<tr><td>序号</td><td>重点工作</td><td>牵头单位</td><td>责任单位</td></tr>"
        "<tr><td>2</td><td>任务乙。</td><td>市商务局</td><td></td></tr></table>"
    )
    assert _roles(notice) == [
        (
            (1,),
            "建成高速公路30公里。新改建农村公路500公里。",
            [("lead", "市交通局"), ("responsible", "市财政局"), ("responsible", "各县(市、区)政府")],
        ),
        ((2,), "任务乙。", [("lead", "市商务局")]),  # the repeated header row is no task
    ]
    assert [t.low for t in notice.tasks[0].targets] == [30, 500]


def test_table_without_number_column_numbers_its_rows() -> None:
    notice = _html(
        "<table><tr><td>工作任务</td><td>牵头部门</td><td>协同部门</td><td>分管市领导</td></tr>"
        "<tr><td>1.任务甲。</td><td>市发改委</td><td>市财政局</td><td>副市长<br>张三</td></tr>"
        "<tr><td>任务乙。</td><td>市商务局</td><td></td><td>张三、李四</td></tr></table>"
    )
    assert _roles(notice) == [
        ((1,), "任务甲。", [("lead", "市发改委"), ("cooperating", "市财政局"), ("leader", "副市长张三")]),
        ((2,), "任务乙。", [("lead", "市商务局"), ("leader", "张三"), ("leader", "李四")]),
    ]


def test_tables_that_hold_no_tasks_are_left_alone() -> None:
    notice = _html(
        "<table><tr><td>索引号</td><td>001</td><td>发布机构</td><td>郑州市人民政府办公厅</td></tr></table>"
        "<table><tr><td>序号</td><td>指标名称</td><td>单位</td><td>目标值</td></tr>"
        "<tr><td>1</td><td>地区生产总值增速</td><td>%</td><td>7</td></tr></table>",
        body="<p>1.任务甲。</p><p>牵头单位：市发改委</p>",
    )
    assert _roles(notice) == [((1,), "任务甲。", [("lead", "市发改委")])]


def test_a_task_table_in_a_docx_file(tmp_path: Path) -> None:
    document = docx.Document()
    for line in (
        "莘县人民政府办公室关于印发2024年重点任务分解的通知",
        "莘政办字〔2024〕2号",
        "各镇人民政府、街道办事处，县政府各部门：",
        "现将重点任务分解印发给你们。",
        "莘县人民政府办公室",
        "2024年2月26日",
    ):
        document.add_paragraph(line)
    rows = [
        ("序号", "重点任务", "牵头单位", "责任单位", "完成时限"),
        ("一、工业经济", "", "", "", ""),
        ("1", "新增规上工业企业20家。", "县工信局", "县统计局\n各镇人民政府", "2024年12月底前"),
        ("2", "技改投资增长10%。", "", "县财政局", "全年"),
        ("二、农业农村", "", "", "", ""),
        ("3", "新建高标准农田5万亩。", "县农业农村局", "县财政局、自然资源局", "2024年10月"),
    ]
    table = document.add_table(rows=len(rows), cols=5)
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            if value:
                table.cell(r, c).text = value
    for r in (1, 4):  # section rows span the table
        table.cell(r, 0).merge(table.cell(r, 4))
    lead = table.cell(2, 2).merge(table.cell(3, 2))  # one lead for two rows (vMerge)
    lead.text = "县工信局"
    path = tmp_path / "tasks.docx"
    document.save(str(path))

    notice = parse_file(path, places=PLACES)
    assert _roles(notice) == [
        ((1, 1), "新增规上工业企业20家。", [("lead", "县工信局"), ("responsible", "县统计局"), ("responsible", "各镇人民政府")]),
        ((1, 2), "技改投资增长10%。", [("lead", "县工信局"), ("responsible", "县财政局")]),
        ((2, 3), "新建高标准农田5万亩。", [("lead", "县农业农村局"), ("responsible", "县财政局"), ("responsible", "县自然资源局")]),
    ]  # fmt: skip
    assert [[d.date for d in t.deadlines] for t in notice.tasks] == [
        ["2024-12-31"],
        ["2024-12-31"],
        ["2024-10-31"],
    ]
    assert notice.number is not None and notice.number.id == "莘政办字〔2024〕2号"


def test_tables_that_do_not_match_the_text_cost_a_warning_at_most() -> None:
    stray = Table(
        [[Cell("序号", 0, 0, (0, 0), 0, 2), Cell("重点工作", 0, 1, (0, 1), 5000, 5004)]], 0, 0, 9000
    )
    notice = parse_text(
        HEAD + "1.任务甲。\n牵头单位：市发改委" + FOOT, "t.txt", places=PLACES, tables=[stray]
    )
    assert _roles(notice) == [((1,), "任务甲。", [("lead", "市发改委")])]


def test_junk_tables_do_not_stop_the_text_being_read() -> None:
    junk = Table([[Cell("x", 0, 0, (0, 0), -5, 10**6)]], 0, -5, 10**6)
    header = [Cell(name, 0, c, (0, c), -5, 10**6) for c, name in enumerate(("序号", "重点工作", "牵头单位"))]
    row = [Cell(value, 1, c, (1, c), 10**7, 5) for c, value in enumerate(("1", "任务", "市发改委"))]
    try:
        notice = parse_text(
            "1.任务。由市发改委负责。",
            "t.txt",
            places=PLACES,
            tables=[junk, Table([header, row], 1, -5, 10**6)],
        )
    except KgError as err:  # the only error parse_text may raise
        pytest.fail(f"junk tables refused the text: {err.message}")
    assert _roles(notice) == [((1,), "任务。", [("responsible", "市发改委")])]


# ---------------------------------------------------------------- deadlines, reporting, dates, reports


@pytest.mark.parametrize(
    ("cell", "dates"),
    [
        ("2021年9月", ["2021-09-30"]),
        ("2021年6月30日", ["2021-06-30"]),
        ("12月", ["2021-12-31"]),
        ("全年", ["2021-12-31"]),
        ("2022年", ["2022-12-31"]),
        ("2021年底前", ["2021-12-31"]),
        ("2021年3月、6月", ["2021-03-31", "2021-06-30"]),
        ("长期坚持", []),
        ("持续推进", []),
        ("2021年起", []),
        ("每季度", []),
    ],
)
def test_deadline_cells(cell: str, dates: list[str]) -> None:
    assert [d.date for d in find_deadlines(normalise(cell), 2021, cell=True)] == dates


def test_bare_dates_in_task_text_are_not_deadlines() -> None:
    assert find_deadlines(normalise("2021年9月开工建设，全年完成投资5亿元"), 2021) == []


def test_reporting_after_each_quarter_and_the_recipient() -> None:
    notice = _notice(
        "一、稳定增长\n1.任务甲。由市发改委负责。\n"
        "二、工作要求\n各牵头单位要于每季度结束后5日内报送工作进展情况。"
    )
    assert [(r.section, r.dates, r.to) for r in notice.reporting] == [
        (1, ["2021-04-05", "2021-07-05", "2021-10-05", "2022-01-05"], None)
    ]
    quarter_end = _notice(
        "一、稳定增长\n1.任务甲。由市发改委负责。\n二、工作要求\n每季度末月20日前报市政府督查室。"
    )
    assert quarter_end.reporting[0].dates == ["2021-03-20", "2021-06-20", "2021-09-20", "2021-12-20"]


def test_a_publication_time_after_the_date() -> None:
    assert parse_date("2021-03-0509:30") == "2021-03-05"
    assert parse_date("2021-3-5") == "2021-03-05"


def test_a_report_of_a_place_not_in_the_registry() -> None:
    assert report_of("承担的2021年平顶山市政府工作报告重点工作任务", "舞钢市", PLACES, 2021) == (
        2021,
        "平顶山市",
    )
    assert report_of("做好2021年市政府工作报告", "新密市", PLACES, 2021) == (2021, "新密市")
