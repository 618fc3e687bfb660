"""kg.parse rules, one module at a time, on phrases as real notices write them."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from kg.model import DocNumber, Notice
from kg.parse import parse_file, parse_text
from kg.parse.dates import parse_date
from kg.parse.deadlines import find_deadlines
from kg.parse.docno import parse_docno
from kg.parse.normalise import Source, normalise
from kg.parse.numerals import cn_int
from kg.parse.places import Places, load_places, place_of_org
from kg.parse.reports import report_name, report_of, resolve_scope
from kg.parse.targets import find_targets
from kg.parse.units import find_role_markers, labels_of, mentions

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "parse"
# Place tables given explicitly, so these tests do not depend on data/registry.
PLACES = Places.from_mapping(
    {"新密市": "郑州市", "巩义市": "郑州市", "郑州市": "河南省", "河南省": None, "金水区": "郑州市"}
)


# ---------------------------------------------------------------- normalisation


@pytest.mark.parametrize(
    ("raw", "disp"),
    [
        ("伏羲 山管委 会", "伏羲山管委会"),
        ("20 21 年", "2021年"),
        ("1 3 . 加强", "13.加强"),
        ("202 2 年 1 月 2 日", "2022年1月2日"),
        ("涉 VOCs 行业", "涉VOCs行业"),
        ("Wi Fi 全覆盖", "Wi Fi全覆盖"),
        ("２０２１年ＧＤＰ增长", "2021年GDP增长"),
        ("\u3000\u3000各乡镇\u00a0政府\u200b。", "各乡镇政府。"),
    ],
)
def test_normalise_removes_stray_spaces(raw: str, disp: str) -> None:
    assert normalise(raw).disp == disp


def test_normalise_folds_punctuation_in_key_only() -> None:
    nt = normalise("责任单位：市财政局，各乡镇（街道）；")
    assert nt.disp == "责任单位：市财政局，各乡镇（街道）；"
    assert nt.key == "责任单位:市财政局,各乡镇(街道);"
    assert len(nt.disp) == len(nt.key) == len(nt.offs)


def test_offsets_map_back_to_the_original() -> None:
    text = "首行\n  市 住建 局 、资源规划 局\n"
    src = Source(text)
    line = src.lines[1].text
    piece = line[line.key.index("住") : line.key.index("局") + 1]
    span = src.span(piece)
    assert span is not None
    assert (span.line, span.quote) == (2, "住建 局")
    assert text[span.start : span.end] == span.quote


# ---------------------------------------------------------------- numbers, dates, 文号


@pytest.mark.parametrize(
    ("s", "n"),
    [
        ("一", 1),
        ("十", 10),
        ("十四", 14),
        ("二十", 20),
        ("三十八", 38),
        ("一百零五", 105),
        ("二〇二一", 2021),
        ("两", 2),
    ],
)
def test_chinese_numerals(s: str, n: int) -> None:
    assert cn_int(s) == n


def test_not_a_numeral() -> None:
    assert cn_int("工作") is None and cn_int("") is None


@pytest.mark.parametrize(
    ("s", "iso"),
    [
        ("2021-03-26", "2021-03-26"),
        ("2021/3/26", "2021-03-26"),
        ("2021年3月26日", "2021-03-26"),
        ("二〇二一年三月二十六日", "2021-03-26"),
        ("二○二二年十二月一日", "2022-12-01"),
        ("2021年2月30日", None),
    ],
)
def test_dates(s: str, iso: str | None) -> None:
    assert parse_date(normalise(s).key) == iso


@pytest.mark.parametrize(
    "written",
    [
        "新密政办〔2021〕6号",
        "新密政办[2021]6号",
        "新密政办［2021］6号",
        "新密政办（2021）6号",
        "新密政办(2021)6号",
        "新密政办【2021】6号",
        "新密政办〔２０２１〕６号",
        "新密政办〔 20 21 〕 6 号",
        "新密政办〔2021〕第6号",
        "新密政办〔2021〕06号",
        "新密政办〔2021〕6號",
    ],
)
def test_docno_variants(written: str) -> None:
    assert parse_docno(written) == DocNumber("新密政办", 2021, 6)


def test_docno_in_context() -> None:
    assert parse_docno("( 郑政办〔 20 21 〕 15 号 )").id == "郑政办〔2021〕15号"
    assert parse_docno("根据豫政〔2021〕3号文件") == DocNumber("豫政", 2021, 3)
    assert parse_docno("新密政办〔2021〕0号") is None
    assert parse_docno("2021年工作要点") is None


# ---------------------------------------------------------------- units


def _labels(content: str, role: str = "responsible") -> list[tuple[str, str, str, list[str]]]:
    text = normalise(content)
    return [
        (m.label, m.written, m.kind, m.excludes) for _, m in mentions(text, role, Source(content), PLACES)
    ]


def test_jurisdiction_prefix_distributes_within_its_comma_run() -> None:
    assert [x[0] for x in _labels("市发展改革委、住建局, 各乡镇政府、街道办事处 、伏羲 山管委 会")] == [
        "市发展改革委", "市住建局", "各乡镇政府", "各街道办事处", "伏羲山管委会",
    ]  # fmt: skip


def test_prefix_does_not_reach_townships_groups_or_other_runs() -> None:
    got = [x[0] for x in _labels("市发展改革委、 资源规划 局 、农委、城管局 , 超化镇政府、大隗镇政府")]
    assert got == ["市发展改革委", "市资源规划局", "市农委", "市城管局", "超化镇政府", "大隗镇政府"]
    got = [x[0] for x in _labels("市财政局、青屏街办事处、伏羲山管委会、领导小组成员单位")]
    assert got == ["市财政局", "青屏街办事处", "伏羲山管委会", "领导小组成员单位"]


def test_words_starting_with_a_jurisdiction_character() -> None:
    got = [x[0] for x in _labels("市发展改革委、市场监管局、市政工程处")]
    assert got == ["市发展改革委", "市市场监管局", "市市政工程处"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("省财政厅、商务厅", ["省财政厅", "省商务厅"]),
        ("县发展改革局、财政局、各乡镇人民政府", ["县发展改革局", "县财政局", "各乡镇人民政府"]),
        ("区教育局、卫生健康委", ["区教育局", "区卫生健康委"]),
        ("旗农牧局、林草局", ["旗农牧局", "旗林草局"]),
        ("郑州市公安局新密分局、市财政局、民政局", ["郑州市公安局新密分局", "市财政局", "市民政局"]),
    ],
)
def test_other_levels_distribute_the_same_way(content: str, expected: list[str]) -> None:
    assert [x[0] for x in _labels(content)] == expected


def test_ge_distributes_over_group_nouns_only() -> None:
    assert _labels("各 相关 乡镇政府、街道办事处") == [
        ("各相关乡镇政府", "各相关乡镇政府", "group", []),
        ("各相关街道办事处", "街道办事处", "group", []),
    ]
    assert [x[0] for x in _labels("各乡镇政府、街道办事处及 伏羲山管委会")] == [
        "各乡镇政府",
        "各街道办事处",
        "伏羲山管委会",
    ]
    assert [x[0] for x in _labels("各乡镇人民政府，街道办事处")] == ["各乡镇人民政府", "街道办事处"]


def test_conjunctions_split_only_between_complete_names() -> None:
    got = [
        x[0] for x in _labels("市人力资源和社会保障局、住房和城乡建设局及自然资源和规划局与文化广电和旅游局")
    ]
    assert got == ["市人力资源和社会保障局", "市住房和城乡建设局", "市自然资源和规划局", "市文化广电和旅游局"]


def test_exclusions_go_to_every_group_of_the_line() -> None:
    got = _labels("各乡镇政府、街道办事处 、 伏羲山管委会( 青屏街办事处、矿区办事 处除外 )。")
    assert got == [
        ("各乡镇政府", "各乡镇政府", "group", ["青屏街办事处", "矿区办事处"]),
        ("各街道办事处", "街道办事处", "group", ["青屏街办事处", "矿区办事处"]),
        ("伏羲山管委会", "伏羲山管委会", "unit", []),
    ]
    assert _labels("各镇人民政府（除米河镇外）")[0][3] == ["米河镇"]


@pytest.mark.parametrize(
    "group",
    [
        "各乡镇政府", "各街道办事处", "市政府各部门", "各相关乡镇政府", "市全民技能振兴工程领导小组成员单位",
        "市安委会各成员单位", "市减灾委成员单位", "市河长制办公室成员单位", "各有关单位", "各县(市、区)政府",
        "区直各部门", "各镇人民政府", "各街道", "市级河长协助单位",
    ],
)  # fmt: skip
def test_group_kinds(group: str) -> None:
    (got,) = _labels(group)
    assert (got[0], got[2]) == (group, "group")


def test_parentheses_inside_a_name_do_not_split_it() -> None:
    assert [x[0] for x in _labels("各县（市、区）政府，市直有关部门")] == ["各县(市、区)政府", "市直有关部门"]


def test_lead_marked_in_a_list() -> None:
    got = mentions(normalise("市发展改革委（牵头）、财政局"), "responsible", Source(""), PLACES)
    assert [(role, m.label) for role, m in got] == [("lead", "市发展改革委"), ("responsible", "市财政局")]


def test_posts() -> None:
    got = mentions(normalise("常务副市长、分管副市长"), "leader", Source(""), PLACES)
    assert [(role, m.label, m.kind) for role, m in got] == [
        ("leader", "常务副市长", "post"),
        ("leader", "分管副市长", "post"),
    ]


@pytest.mark.parametrize(
    ("line", "role"),
    [
        ("牵头单位:市 人社局", "lead"),
        ("牵头 单位:市 人社局", "lead"),
        ("牵头责任单位：市人社局", "lead"),
        ("主要责任单位：市人社局", "lead"),
        ("责任单位:市 财政局。", "responsible"),
        ("配合单位：市财政局", "cooperating"),
        ("协同责任单位：市财政局", "cooperating"),
        ("参与单位：市财政局", "cooperating"),
        ("协同配合单位：市财政局", "cooperating"),
        ("牵头市领导：王副市长", "leader"),
        ("责任领导：王副市长", "leader"),
        ("分管省领导：王副省长", "leader"),
    ],
)
def test_role_labels(line: str, role: str) -> None:
    markers = find_role_markers(normalise(line))
    assert [m[2] for m in markers] == [role]
    assert markers[0][0] == 0


def test_addressee_lists() -> None:
    got = labels_of(normalise("各乡镇人民政府,各街道办事处,市人民政府各部门,各有关单位"), PLACES)
    assert got == ["各乡镇人民政府", "各街道办事处", "市人民政府各部门", "各有关单位"]
    got = labels_of(normalise("各乡镇人民政府、街道办事处，市人民政府各部门"), PLACES)
    assert got == ["各乡镇人民政府", "各街道办事处", "市人民政府各部门"]


# ---------------------------------------------------------------- targets


def _targets(s: str) -> list[tuple]:
    return [(t.low, t.high, t.unit, t.comparator, t.approximate) for t in find_targets(normalise(s))]


D = Decimal


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("全市地区生产总值(GDP)增长6.5%左右", [(D("6.5"), D("6.5"), "%", "eq", True)]),
        ("城镇新增就业1.2万人以上", [(D(12000), None, "人", "gteq", False)]),
        ("PM2.5浓度控制在48微克/立方米以内", [(None, D(48), "微克/立方米", "lteq", False)]),
        ("粮食产量稳定在135亿斤以上", [(D(13500000000), None, "斤", "gteq", False)]),
        ("完成投资100亿元", [(D(10000000000), D(10000000000), "元", "eq", False)]),
        ("规模以上工业增加值增长8%以上", [(D(8), None, "%", "gteq", False)]),
        ("居民人均可支配收入增长6.2%左右,不低于全市平均水平", [(D("6.2"), D("6.2"), "%", "eq", True)]),
        ("完成森林抚育1万亩", [(D(10000), D(10000), "亩", "eq", False)]),
        ("技术合同成交额6亿元以上", [(D(600000000), None, "元", "gteq", False)]),
        ("完成生猪存栏任务20万头", [(D(200000), D(200000), "头", "eq", False)]),
        ("培育3-5个龙头企业", [(D(3), D(5), "个", "range", False)]),
        ("培育 3~5 个龙头企业", [(D(3), D(5), "个", "range", False)]),
        ("建设3到5个示范区", [(D(3), D(5), "个", "range", False)]),
        ("形成 3 至 5 个精品线路", [(D(3), D(5), "个", "range", False)]),
        ("增速保持在6%—6.5%", [(D(6), D("6.5"), "%", "range", False)]),
        ("森林覆盖率超过30%", [(D(30), None, "%", "gt", False)]),
        ("森林覆盖率高于30%", [(D(30), None, "%", "gt", False)]),
        ("万元GDP能耗低于0.5吨标准煤", [(None, D("0.5"), "吨", "lt", False)]),
        ("新建项目不超过5个", [(None, D(5), "个", "lteq", False)]),
        ("引进项目不少于2个", [(D(2), None, "个", "gteq", False)]),
        ("参保率至少达到95%", [(D(95), None, "%", "gteq", False)]),
        ("新增就业约3000人", [(D(3000), D(3000), "人", "eq", True)]),
        ("居民消费价格涨幅控制在3%左右", [(None, D(3), "%", "lteq", True)]),
        ("高新技术产业产值占比提高1个百分点", [(D(1), D(1), "百分点", "eq", False)]),
        ("城镇调查失业率5.5%以内", [(None, D("5.5"), "%", "lteq", False)]),
        ("研发投入占比达到3%—3.2%", [(D(3), D("3.2"), "%", "range", False)]),
        ("植树近5000亩", [(D(5000), D(5000), "亩", "eq", True)]),
        ("新增风电装机容量50万千瓦", [(D(500000), D(500000), "千瓦", "eq", False)]),
        ("完成职业技能培训14000人次", [(D(14000), D(14000), "人次", "eq", False)]),
        ("城镇登记失业率控制在4%以内", [(None, D(4), "%", "lteq", False)]),
        ("建成５Ｇ基站３００个", [(D(300), D(300), "个", "eq", False)]),
    ],
)
def test_targets(phrase: str, expected: list[tuple]) -> None:
    assert _targets(phrase) == expected


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("引进10亿元以上高质量项目不少于2个", [(D(2), None, "个", "gteq", False)]),
        ("新建5000平方米以上综合公园1个", [(D(1), D(1), "个", "eq", False)]),
        ("实施高质量项目招商“ 125 ”计划", []),
        ("抓好“ 3 2 ”新能源车辆替代", []),
        ('实施"125"计划', []),
        ("做好第七次人口普查工作", []),
        ("排名进入全省前10名", []),
        ("开工建设雪花山森林公园2期环山路", []),
        ("2021年底前完成", []),
        ("于3月25日前报送", []),
        ("以兰考、鄢陵、新安、南乐、新郑5个国家级县城新型城镇化建设示范县为引领", []),
        ("以2个核心板块和产业集聚区为载体", []),
        ("将2个核心板块打造成为城市经济发展的支撑点", []),
        ("深入实施安全生产专项整治三年行动", []),
        ("推进“两场三馆”建设,全力做到境外输入病例零传播", []),
        ("3个月内完成整改", []),
        ("不低于全市平均水平", []),
    ],
)
def test_not_targets(phrase: str, expected: list[tuple]) -> None:
    assert _targets(phrase) == expected


def test_target_text_and_indicator() -> None:
    (t,) = find_targets(normalise("2021年底前主城区生活垃圾分类覆盖率97%以上"))
    assert (t.text, t.indicator, t.stated_value, t.stated_unit) == (
        "2021年底前主城区生活垃圾分类覆盖率97%以上",
        "主城区生活垃圾分类覆盖率",
        "97",
        "%",
    )
    first, second = find_targets(normalise("新增4所乡镇卫生院、2家社区卫生服务中心"))
    assert (first.text, first.indicator) == ("新增4所乡镇卫生院", "新增乡镇卫生院")
    assert (second.text, second.indicator) == ("2家社区卫生服务中心", "社区卫生服务中心")


# ---------------------------------------------------------------- deadlines


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("2021年底前完成", [("2021-12-31", "year")]),
        ("确保上半年化解率80%以上", [("2021-06-30", "half")]),
        ("下半年启动", [("2021-12-31", "half")]),
        ("年内建成", [("2021-12-31", "year")]),
        ("年底前完成", [("2021-12-31", "year")]),
        ("明年底前完成", [("2022-12-31", "year")]),
        ("6月底前完成", [("2021-06-30", "month")]),
        ("二月底前完成", [("2021-02-28", "month")]),
        ("2022年6月底前完成", [("2022-06-30", "month")]),
        ("9月15日前报送", [("2021-09-15", "day")]),
        ("一季度完成", [("2021-03-31", "quarter")]),
        ("第三季度末前完成", [("2021-09-30", "quarter")]),
        ("2023年上半年完成", [("2023-06-30", "half")]),
        ("2025年前完成", [("2025-12-31", "year")]),
        ("3年内完成,半年内见效,每年底总结", []),
        ("“一年准备、两年初见成效、三年大见成效”", []),
    ],
)
def test_deadlines(phrase: str, expected: list[tuple[str, str]]) -> None:
    got = find_deadlines(normalise(phrase), 2021)
    assert [(d.date, d.granularity) for d in got] == expected


def test_deadline_year_from_the_text_before_it() -> None:
    (d,) = find_deadlines(normalise("2022年启动建设,上半年完成主体工程"), 2021)
    assert d.date == "2022-06-30"


def test_deadline_without_any_year_is_skipped() -> None:
    assert find_deadlines(normalise("上半年完成"), None) == []


# ---------------------------------------------------------------- places and reports


def test_places_from_the_registry() -> None:
    places = load_places()
    assert places.ancestor("新密市", "province").name == "河南省"
    assert places.by_doc_code("郑政办").name == "郑州市"
    assert places.by_doc_code("新密政办").name == "新密市"


def test_place_of_an_organisation() -> None:
    assert place_of_org("郑州市人民政府办公厅", PLACES) == "郑州市"
    assert place_of_org("登封市人民政府办公室", PLACES) == "登封市"
    assert place_of_org("鄂温克族自治旗人民政府", PLACES) == "鄂温克族自治旗"
    assert place_of_org("市财政局", PLACES) is None


@pytest.mark.parametrize(
    ("scope", "context", "place"),
    [
        ("省", "新密市", "河南省"),
        ("市", "新密市", "新密市"),
        ("市", "郑州市", "郑州市"),
        ("市", "金水区", "郑州市"),
        ("郑州市", "新密市", "郑州市"),
        ("郑州", "新密市", "郑州市"),
        ("全省", "巩义市", "河南省"),
        ("登封市", "新密市", "登封市"),
        ("国务院", "新密市", "中华人民共和国"),
        ("省", None, None),
    ],
)
def test_report_scopes(scope: str, context: str | None, place: str | None) -> None:
    assert resolve_scope(scope, context, PLACES) == place


def test_report_names() -> None:
    assert report_of("承担的2021年省政府工作报告重点工作任务及责任分解", "新密市", PLACES, None) == (
        2021,
        "河南省",
    )
    found = report_of(
        "郑州市人民政府办公厅关于做好2021年市政府工作报告重点工作任务落实的通知", "郑州市", PLACES, None
    )
    assert found == (2021, "郑州市")
    assert report_name(*found) == "2021年郑州市政府工作报告"
    assert report_of("省政府工作报告重点任务", "新密市", PLACES, 2022) == (2022, "河南省")
    assert report_of("重点工作任务分解", "新密市", PLACES, 2021) is None


# ---------------------------------------------------------------- structure, metadata, reporting


def _notice(text: str) -> Notice:
    return parse_text(text, "t.txt", places=PLACES)


def test_inline_roles_and_subsections() -> None:
    n = _notice(
        "一、经济发展\n（一）投资\n1．完成投资100亿元。（牵头单位：市发展改革委；配合单位：市财政局）\n"
        "（二）消费\n2．社会消费品零售总额增长8%。（牵头单位：市商务局）\n2022年3月1日\n"
    )
    assert [(t.path, t.text) for t in n.tasks] == [
        ((1, 1), "完成投资100亿元。"),
        ((1, 2), "社会消费品零售总额增长8%。"),
    ]
    assert [(a.role, a.unit.label) for a in n.tasks[0].assignments] == [
        ("lead", "市发展改革委"),
        ("cooperating", "市财政局"),
    ]
    assert n.date_written == "2022-03-01"


def test_numbering_restarting_per_subsection_keeps_the_subsection_in_the_path() -> None:
    n = _notice(
        "一、经济发展\n(一)投资\n1.甲。\n牵头单位:市发展改革委\n2.乙。\n牵头单位:市财政局\n"
        "(二)消费\n1.丙。\n牵头单位:市商务局\n"
    )
    assert [t.path for t in n.tasks] == [(1, 1, 1), (1, 1, 2), (1, 2, 1)]


def test_parenthesised_tasks_when_there_is_no_arabic_level() -> None:
    n = _notice("一、重点任务\n(1)任务甲。\n责任单位:市财政局\n(2)任务乙。\n责任单位:市民政局\n")
    assert [(t.path, t.text) for t in n.tasks] == [((1, 1), "任务甲。"), ((1, 2), "任务乙。")]


def test_sub_items_belong_to_their_task() -> None:
    n = _notice(
        "一、重点任务\n1.任务甲:\n(1)子项一;\n(2)子项二。\n牵头单位:市财政局\n2.任务乙。\n牵头单位:市民政局\n"
    )
    assert [t.path for t in n.tasks] == [(1, 1), (1, 2)]
    assert n.tasks[0].text == "任务甲:(1)子项一;(2)子项二。"


def test_requirements_section_and_furniture_never_hold_tasks() -> None:
    n = _notice(
        "• 索引号:1/2021-1\n一、重点任务\n1.任务甲。\n牵头单位:市财政局\n二、工作要求\n(一)狠抓落实。要求一。\n"
        "1.各单位要细化措施。\n标签:\n留言与评论(共有 0 条评论)\n验证码:\n"
    )
    assert [t.path for t in n.tasks] == [(1, 1)]
    assert [s.number for s in n.sections] == [1]


def test_first_listed_is_lead_only_when_the_notice_says_so() -> None:
    body = "一、重点任务\n1.任务甲。\n责任单位:市财政局、民政局\n"
    assert [a.role for a in _notice(body).tasks[0].assignments] == ["responsible", "responsible"]
    ruled = _notice("责任单位中排在第一位的为牵头单位。\n" + body).tasks[0].assignments
    assert [(a.role, a.unit.label, a.implicit) for a in ruled] == [
        ("lead", "市财政局", True),
        ("responsible", "市民政局", False),
    ]
    explicit = _notice(
        "（各项任务的责任单位中，列第一位的为牵头单位）\n一、重点任务\n1.甲。\n牵头单位:市民政局\n责任单位:市财政局\n"
    )
    assert [(a.role, a.implicit) for a in explicit.tasks[0].assignments] == [
        ("lead", False),
        ("responsible", False),
    ]


def test_metadata_from_the_text_alone() -> None:
    n = _notice(
        "当前位置:首页>政务公开\n新密市人民政府办公室关于做好2022年\n重点工作的通知\n新密政办〔2022〕3号\n"
        "主送:各乡镇人民政府、街道办事处,市人民政府各部门:\n"
        "根据《郑州市人民政府关于印发郑州市2022年工作要点的通知》(郑政〔2022〕1号)和《政府工作报告》,现通知如下:\n"
        "一、重点任务\n1.任务甲。\n牵头单位:市财政局\n新密市人民政府办公室\n二〇二二年三月十日\n"
    )
    assert n.title == "新密市人民政府办公室关于做好2022年重点工作的通知"
    assert n.number == DocNumber("新密政办", 2022, 3)
    assert (n.issuer, n.jurisdiction, n.genre, n.date_written) == (
        "新密市人民政府办公室",
        "新密市",
        "通知",
        "2022-03-10",
    )
    assert n.addressees == ["各乡镇人民政府", "各街道办事处", "市人民政府各部门"]
    assert [(r.number.id if r.number else None, r.title) for r in n.implements] == [
        ("郑政〔2022〕1号", "郑州市人民政府关于印发郑州市2022年工作要点的通知")
    ]


def test_issuer_from_the_signature_when_the_title_has_none() -> None:
    n = _notice(
        "关于做好重点工作的通知\n一、重点任务\n1.任务甲。\n牵头单位:市财政局\n巩义市人民政府办公室\n2022年3月10日\n"
    )
    assert (n.issuer, n.jurisdiction) == ("巩义市人民政府办公室", "巩义市")


def test_portal_fields_flattened_on_one_line() -> None:
    n = _notice("索引号:123/2022-1 发布机构:巩义市人民政府 成文日期:2022年03月10日 文号:巩政办〔2022〕8号\n")
    assert (n.index_number, n.publisher, n.date_written) == ("123/2022-1", "巩义市人民政府", "2022-03-10")
    assert n.number == DocNumber("巩政办", 2022, 8)


def test_closing_date_differing_from_the_field_is_a_warning() -> None:
    n = _notice("成文日期:2022-03-11\n一、重点任务\n1.任务甲。\n牵头单位:市财政局\n2022年3月10日\n")
    assert n.date_written == "2022-03-10"
    assert [p.rule for p in n.problems] == ["date-mismatch", "no-doc-number"]


def test_monthly_reporting_without_listed_months() -> None:
    n = _notice(
        "一、重点任务\n1.任务甲。\n牵头单位:市财政局\n二、工作要求\n"
        "各牵头单位于每月25日前将进展情况报送市政府督查室备案。\n2021年9月1日\n"
    )
    (due,) = n.reporting
    assert due.section == 1 and due.to == "市政府督查室"
    assert due.dates == ["2021-09-25", "2021-10-25", "2021-11-25", "2021-12-25"]


def test_a_second_notice_read_end_to_end() -> None:
    """A 巩义市 notice in another layout: full-width punctuation, inline roles, (一) subsections."""
    n = parse_file(FIXTURES / "gongyi-2022.txt", places=PLACES)
    assert n.number == DocNumber("巩政办", 2022, 8)
    assert (n.issuer, n.jurisdiction, n.date_written) == ("巩义市人民政府办公室", "巩义市", "2022-03-10")
    assert n.addressees == ["各镇人民政府", "各街道办事处", "市人民政府各部门", "各有关单位"]
    assert [(s.number, s.report, s.based_on) for s in n.sections] == [
        (1, "2022年郑州市政府工作报告", "郑政办〔2022〕3号"),
        (2, "2022年巩义市政府工作报告", None),
    ]
    assert [t.path for t in n.tasks] == [(1, 1), (1, 2), (1, 3), (1, 4), (2, 1), (2, 2)]
    roles = {
        t.path: [(a.role, a.unit.label, a.unit.kind, a.unit.excludes, a.implicit) for a in t.assignments]
        for t in n.tasks
    }
    assert roles[(1, 1)] == [
        ("leader", "常务副市长", "post", [], False),
        ("lead", "市发展改革委", "unit", [], False),
        ("cooperating", "市财政局", "unit", [], False),
        ("cooperating", "市统计局", "unit", [], False),
        ("cooperating", "各镇人民政府", "group", [], False),
        ("cooperating", "各街道办事处", "group", [], False),
    ]
    assert [x[1] for x in roles[(1, 2)]] == [
        "市发展改革委",
        "市自然资源和规划局",
        "市住房和城乡建设局",
        "各镇人民政府",
    ]
    assert roles[(1, 3)][-1] == ("cooperating", "各镇人民政府", "group", ["米河镇", "新中镇"], False)
    assert roles[(1, 4)][0] == ("lead", "市人力资源和社会保障局", "unit", [], True)
    assert roles[(2, 2)] == [
        ("lead", "市发展改革委", "unit", [], True),
        ("responsible", "市金融工作局", "unit", [], False),
    ]
    assert [x[1] for x in roles[(2, 1)]] == ["市工业和信息化局", "市生态环境分局", "市市场监督管理局"]
    targets = {t.path: [(x.low, x.high, x.unit, x.comparator) for x in t.targets] for t in n.tasks}
    assert targets[(1, 2)] == [
        (D(30000000000), D(30000000000), "元", "eq"),
        (D(50), None, "个", "gteq"),
        (D(50), D(50), "%", "eq"),
    ]
    assert targets[(1, 3)] == [(D(450000), None, "亩", "gteq"), (D(20000), D(20000), "亩", "eq")]
    assert targets[(2, 2)] == [(D(3), D(5), "家", "range")]
    deadlines = {t.path: [(d.date, d.granularity) for d in t.deadlines] for t in n.tasks}
    assert deadlines == {
        (1, 1): [], (1, 2): [("2022-06-30", "month")], (1, 3): [("2022-09-30", "quarter")], (1, 4): [],
        (2, 1): [("2022-12-31", "year")], (2, 2): [("2022-09-30", "day")],
    }  # fmt: skip
    assert [(r.section, r.dates, r.to) for r in n.reporting] == [
        (1, ["2022-03-20", "2022-06-20", "2022-09-20", "2022-12-20"], "市政府督查室"),
        (2, ["2022-06-25", "2022-12-25"], "市政府督查室"),
    ]
    assert n.problems == []


@pytest.mark.parametrize(
    "line",
    [
        "1.新开工重点项目150个以上。[牵头单位:市发展改革委;责任单位:市财政局,各县(市、区)政府]",
        "1.新开工重点项目150个以上。［牵头单位：市发展改革委；责任单位：市财政局，各县（市、区）政府］",
        "1.新开工重点项目150个以上。【牵头单位：市发展改革委；责任单位：市财政局，各县（市、区）政府】",
        "1.新开工重点项目150个以上。牵头单位：市发展改革委 责任单位：市财政局，各县（市、区）政府",
    ],
)
def test_inline_roles_in_any_bracket(line: str) -> None:
    (task,) = _notice("一、重点任务\n" + line + "\n").tasks
    assert task.text.startswith("新开工重点项目150个以上")
    assert [(a.role, a.unit.label) for a in task.assignments] == [
        ("lead", "市发展改革委"), ("responsible", "市财政局"), ("responsible", "各县(市、区)政府"),
    ]  # fmt: skip


def test_more_leader_labels() -> None:
    (task,) = _notice("一、重点任务\n1.任务甲。\n牵头负责领导：副县长孙丽娟\n牵头单位：县农业农村局\n").tasks
    assert [(a.role, a.unit.label, a.unit.kind) for a in task.assignments] == [
        ("leader", "副县长孙丽娟", "post"), ("lead", "县农业农村局", "unit"),
    ]  # fmt: skip


def test_flat_numbering_has_paths_of_one_number_and_no_section() -> None:
    n = _notice(
        "经市政府同意，现将目标分解如下：\n1.地区生产总值增长6.2%左右。\n牵头单位：市发改委\n2.新增就业1万人。\n牵头单位：市人社局\n"
    )
    assert [t.path for t in n.tasks] == [(1,), (2,)]
    assert n.sections == []


def test_sub_items_with_their_own_units_are_tasks() -> None:
    n = _notice(
        "一、扩大投资\n（一）重大项目\n1．实施重点项目500个以上。\n牵头单位：市发展改革委\n"
        "2、开展“三个一批”活动。\n（1）签约项目100个以上。\n牵头单位：市商务局\n（2）开工项目80个以上。\n牵头单位：市发展改革委\n"
        "（二）消费\n1．开展促消费活动。\n牵头单位：市商务局\n"
    )
    assert [t.path for t in n.tasks] == [(1, 1, 1), (1, 1, 2, 1), (1, 1, 2, 2), (1, 2, 1)]
    assert n.tasks[1].text == "签约项目100个以上。"


def test_numbered_attachments_lead_the_paths() -> None:
    n = _notice(
        "登封市人民政府办公室关于做好2022年重点工作任务落实的通知\n各乡镇人民政府：\n现将任务分解如下，请认真抓好落实。\n"
        "附件：1．省政府工作报告任务分解\n2．郑州市政府工作报告任务分解\n登封市人民政府办公室\n2022年3月18日\n"
        "附件1\n登封市承担的2022年省政府工作报告重点工作任务分解\n一、扩大需求\n1．任务甲。\n牵头单位：市发展改革委\n"
        "附件2\n登封市承担的2022年郑州市政府工作报告重点工作任务分解\n1．任务乙。\n牵头单位：市林业局\n2．任务丙。\n牵头单位：市人社局\n"
    )
    assert [t.path for t in n.tasks] == [(1, 1, 1), (2, 1), (2, 2)]
    assert [(s.number, s.title, s.report) for s in n.sections] == [
        (1, "登封市承担的2022年省政府工作报告重点工作任务分解", None),
        (2, "登封市承担的2022年郑州市政府工作报告重点工作任务分解", "2022年郑州市政府工作报告"),
    ]
    assert n.date_written == "2022-03-18"
    assert [p.rule for p in n.problems] == ["report-unresolved", "no-doc-number"]  # 登封市 is not in PLACES


def test_traditional_script_is_read_in_simplified_characters() -> None:
    text = "盤錦市人民政府辦公室關於印發2021年市政府工作報告重點工作任務分解的通知\n盤政辦發〔2021〕5號\n一、推動經濟發展\n1．新增規模以上工業企業30戶。\n牽頭單位：市發展改革委\n責任單位：市統計局，各縣區人民政府\n"
    n = _notice(text)
    assert n.text == text
    assert (n.title, n.number.id) == (
        "盘锦市人民政府办公室关于印发2021年市政府工作报告重点工作任务分解的通知",
        "盘政办发〔2021〕5号",
    )
    (task,) = n.tasks
    assert task.text == "新增规模以上工业企业30户。"
    assert [a.unit.label for a in task.assignments] == ["市发展改革委", "市统计局", "各县区人民政府"]
    assert task.span.quote == "新增規模以上工業企業30戶。"


def test_lines_run_together_are_split_again() -> None:
    n = _notice(
        "滑县人民政府办公室关于分解2021年县政府工作报告重点工作任务的通知\n"
        "滑政办〔2021〕6号 各乡镇人民政府、街道办事处，县直各单位： 经县政府同意，现将任务分解如下，请认真抓好落实。"
        " 一、稳定经济增长 1.地区生产总值增长6.5%左右。牵头单位：县发改委 责任单位：县统计局、财政局"
        " 2.社会消费品零售总额增长8%。牵头单位：县商务局 责任单位：县统计局，各乡镇人民政府、街道办事处"
        " 二、改善民生 1.城镇新增就业5000人。牵头单位：县人社局 责任单位：各乡镇人民政府"
        " 滑县人民政府办公室 2021年3月15日\n"
    )
    assert n.number.id == "滑政办〔2021〕6号" and n.date_written == "2021-03-15"
    assert [t.path for t in n.tasks] == [(1, 1), (1, 2), (2, 1)]
    assert [a.unit.label for a in n.tasks[2].assignments] == ["县人社局", "各乡镇人民政府"]


def test_portal_fields_in_a_table_and_the_page_footer() -> None:
    n = _notice(
        "首页 > 政务公开\n索引号 | 11370102MB28501234/2021-00213\n发布机构 | 济南市历下区人民政府办公室\n"
        "文号 | 历下政办字〔2021〕6号\n一、任务\n1. 金融业增加值增长8%以上。\n牵头单位：区金融服务中心\n"
        "分享到：微信 微博\n相关链接：\n1. 济南市人民政府办公厅关于印发分解方案的通知\n2. 历下区2021年政府工作报告\n"
    )
    assert (n.index_number, n.publisher, n.number.id) == (
        "11370102MB28501234/2021-00213", "济南市历下区人民政府办公室", "历下政办字〔2021〕6号",
    )  # fmt: skip
    assert [t.path for t in n.tasks] == [(1, 1)]
