"""Synthetic corpus of task-decomposition notices, shaped like data/notices/xinmi-2021-6.txt.

    python bench/gen.py OUT --notices 1000 [--seed 42] [--min-tasks 30 --max-tasks 150] [--truth]

writes
    OUT/notices/*.txt        one notice per file: page furniture, 文号, addressees, sections 一、二、,
                             numbered tasks with 牵头单位:/责任单位: lines, targets, deadlines,
                             the 工作要求 reporting paragraph, stray spaces inside words
    OUT/registry/synthetic.ttl   the invented places, their units and groups (data/registry format)
    OUT/manifest.json        expected counts per notice and in total, for checking an ingest
    OUT/truth/*.json         with --truth: per-task expectations in the shape of tests/fixtures/seed/gold.json

Places are invented (county-level cities and counties under invented prefecture cities of 河南省;
a generated name may match a real place elsewhere), each with its own 机关代字, departments, towns,
街道 and 管委会. Nine named places come first; the corpus spreads over more as it grows (one more
every NOTICES_PER_PLACE notices, up to MAX_PLACES), so that a county has one or two notices a year
as in a real collection, over ten years. Place data does not depend on --seed; the registry file
holds the places a corpus of that size may use. Each notice is generated from its own
`random.Random(f"{seed}:{index}")`, so output is identical for a seed whatever the number of jobs.

Only unambiguous quantities are written (every number in a task is a target, a deadline year or a
task number), so the expected counts in the manifest are exact.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

PROVINCE = "河南省"
CN_NUM = "一二三四五六七八九十"


# --------------------------------------------------------------------------- places and units


@dataclass(frozen=True)
class Dept:
    short: str  # as notices write it after the prefix: 财政局
    official: str  # official name without the place: 财政局 / 自然资源和规划局
    cls: str = "Department"


# (short, official). The prefix (市/县) is distributed over these in 责任单位 lines.
DEPARTMENTS: tuple[Dept, ...] = (
    Dept("财政局", "财政局"),
    Dept("发展改革委", "发展和改革委员会"),
    Dept("住建局", "住房和城乡建设局"),
    Dept("资源规划局", "自然资源和规划局"),
    Dept("大数据局", "大数据管理局"),
    Dept("城管局", "城市管理局"),
    Dept("农委", "农业农村工作委员会"),
    Dept("林业局", "林业局"),
    Dept("生态环境局", "生态环境局"),
    Dept("科工信局", "科技工业和信息化局"),
    Dept("交通局", "交通运输局"),
    Dept("市场监管局", "市场监督管理局"),
    Dept("公安局", "公安局"),
    Dept("商务局", "商务局"),
    Dept("疫情防控办", "疫情防控指挥部办公室"),
    Dept("人社局", "人力资源和社会保障局"),
    Dept("教育局", "教育局"),
    Dept("卫健委", "卫生健康委员会"),
    Dept("应急局", "应急管理局"),
    Dept("文广旅体局", "文化广电和旅游体育局"),
    Dept("城镇化服务中心", "城镇化服务中心"),
    Dept("房地产服务中心", "房地产服务中心"),
    Dept("退役军人局", "退役军人事务局"),
    Dept("残联", "残疾人联合会"),
    Dept("民政局", "民政局"),
    Dept("信访局", "信访局"),
    Dept("统计局", "统计局"),
    Dept("水利局", "水利局"),
    Dept("审计局", "审计局"),
    Dept("园林绿化处", "园林绿化管理处"),
    Dept("司法局", "司法局"),
    Dept("医保局", "医疗保障局"),
    Dept("督查局", "督查局"),
    Dept("供电公司", "供电公司", "Other"),
    Dept("产业集聚区管委会", "产业集聚区管理委员会", "ManagementCommittee"),
)
# Named in notices but deliberately absent from the registry: ingest must mint them.
UNREGISTERED = (Dept("接待办", "接待办公室"), Dept("征补办", "征地补偿办公室"))

TOWN_STEMS = [
    "双河",
    "龙泉",
    "石桥",
    "柳林",
    "黄庄",
    "杨集",
    "高村",
    "马岭",
    "南坪",
    "北坡",
    "东营",
    "西沟",
    "白沙",
    "青龙",
    "金山",
    "银坪",
    "安乐",
    "永宁",
    "太平",
    "和顺",
    "兴隆",
    "长岗",
    "桃园",
    "杏坡",
    "竹园",
    "李湾",
    "王店",
    "张桥",
    "赵寨",
    "刘集",
    "陈楼",
    "孙庄",
    "吴岗",
    "官渡",
    "槐树",
    "枣林",
    "梨园",
    "松林",
    "三里",
    "五星",
]
STREET_STEMS = [
    "城东",
    "城西",
    "府前",
    "解放路",
    "人民路",
    "建设路",
    "中山路",
    "文化路",
    "东关",
    "西关",
    "南关",
    "北关",
    "书院街",
    "鼓楼",
]
MOUNTAINS = ["凤凰山", "玉皇山", "鸡鸣山", "紫云山", "青峰山", "白云山", "龙门山", "卧龙山"]
OPEN_GROUPS = (
    "安委会各成员单位",
    "全民技能振兴工程领导小组成员单位",
    "改善农村人居环境领导小组成员单位",
    "扶贫开发领导小组成员单位",
    "减灾委成员单位",
    "河长制办公室成员单位",
)


@dataclass(frozen=True)
class City:
    name: str  # 岚州市
    code: str  # 机关代字: 岚
    slug: str


@dataclass
class Place:
    name: str  # 云溪市 / 桐峪县
    prefix: str  # 市 or 县: distributed over department names
    code: str  # 机关代字 used in 文号 (云溪 -> 云溪政办〔2021〕6号)
    slug: str  # ascii, for file names
    city: City
    org_code: str  # 索引号 prefix
    depts: list[Dept] = field(default_factory=list)
    towns: list[str] = field(default_factory=list)  # 双河镇政府
    townships: list[str] = field(default_factory=list)  # 李湾乡政府
    streets: list[str] = field(default_factory=list)  # 城东办事处
    committees: list[str] = field(default_factory=list)  # 凤凰山管委会 (written without prefix)

    @property
    def dept_labels(self) -> list[str]:
        return [self.prefix + d.short for d in self.depts]

    @property
    def township_govs(self) -> list[str]:
        """Members of 各乡镇政府: the towns and townships."""
        return self.towns + self.townships


CITIES = (City("岚州市", "岚", "lanzhou"), City("溱州市", "溱", "qinzhou"), City("岱阳市", "岱", "daiyang"))

# (name, prefix, 机关代字, slug, city index)
_PLACE_SPECS = (
    ("云溪市", "市", "云溪", "yunxi", 0),
    ("桐峪县", "县", "桐", "tongyu", 0),
    ("澜川市", "市", "澜川", "lanchuan", 0),
    ("梅岭县", "县", "梅", "meiling", 1),
    ("柘原市", "市", "柘原", "zheyuan", 1),
    ("沣源县", "县", "沣", "fengyuan", 1),
    ("青湄市", "市", "青湄", "qingmei", 2),
    ("蒿坪县", "县", "蒿", "haoping", 2),
    ("泓水市", "市", "泓水", "hongshui", 2),
)


def _make_place(spec: tuple[str, str, str, str, int]) -> Place:
    name, prefix, code, slug, city = spec
    rng = random.Random("place:" + name)  # place data is independent of the corpus seed
    depts = [d for d in DEPARTMENTS if d.short in ("督查局", "财政局") or rng.random() < 0.9] + list(
        UNREGISTERED
    )
    stems = rng.sample(TOWN_STEMS, rng.randint(12, 16))
    n_townships = rng.randint(1, 3)
    committees = [rng.choice(MOUNTAINS).removesuffix("山") + "山管委会"]
    return Place(
        name=name,
        prefix=prefix,
        code=code,
        slug=slug,
        city=CITIES[city],
        org_code=f"{rng.randrange(10**8, 10**9):09d}",
        depts=depts,
        towns=[s + "镇政府" for s in stems[n_townships:]],
        townships=[s + "乡政府" for s in stems[:n_townships]],
        streets=[s + "办事处" for s in rng.sample(STREET_STEMS, rng.randint(3, 5))],
        committees=committees,
    )


# Beyond the nine places above, more are invented from these characters, so that a large corpus
# spreads over many counties as a real one does (a county issues one or two decomposition notices
# a year, not twenty): notice i draws its place from the first `active_places(i)`, which grows by
# one every NOTICES_PER_PLACE notices up to MAX_PLACES (a province: 河南 has 157 county-level
# places). Codes stay distinct from the named places' and cities' (a 文号 names its document).
MAX_PLACES = 160
NOTICES_PER_PLACE = 8
_FIRST = "安宝长丰广禾华嘉金静康乐临隆明南宁平庆瑞寿泰文祥新兴秀宜永裕"
_SECOND = "川原峰谷城岭泉湖阳林桥塘湾台坪"
_CITY_CHARS = "澈涟泠渥滢漪澄渼湲潆澋泺瀞淼湉潋"
PLACES_PER_CITY = 10


def _invented_specs() -> list[tuple[str, str, str, str, int]]:
    names = [a + b for a in _FIRST for b in _SECOND][: MAX_PLACES - len(_PLACE_SPECS)]
    return [
        (name + ("市" if k % 3 == 0 else "县"), "市" if k % 3 == 0 else "县", name, f"p{k:03d}", 3 + k // PLACES_PER_CITY)
        for k, name in enumerate(names)
    ]


CITIES += tuple(
    City(c + "州市", c, f"city{k}")
    for k, c in enumerate(_CITY_CHARS[: -(-(MAX_PLACES - len(_PLACE_SPECS)) // PLACES_PER_CITY)])
)
PLACES: tuple[Place, ...] = tuple(_make_place(s) for s in (*_PLACE_SPECS, *_invented_specs()))
YEARS = tuple(range(2015, 2025))  # ten years, as a research group would load


def active_places(i: int) -> int:
    """How many of PLACES notice i may be in (the nine named ones from the start)."""
    return min(len(PLACES), len(_PLACE_SPECS) + i // NOTICES_PER_PLACE)


# --------------------------------------------------------------------------- registry Turtle


def _lit(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"@zh'


def _labels(pred: str, labels: Iterable[str]) -> str:
    labels = list(dict.fromkeys(labels))
    return f" ;\n    {pred} " + " , ".join(_lit(x) for x in labels) if labels else ""


# Group key (IRI segment, label without the place prefix) -> (label, member classes, flag, aliases).
# Mirrors data/registry/groups.ttl: membership is intensional (gw:memberClassification).
def _groups(p: Place) -> list[tuple[str, str, list[str], str | None, list[str]]]:
    x = p.prefix
    return [
        ("各乡镇政府", "各乡镇政府", ["Town", "Township"], None, ["各乡镇人民政府", "各乡镇"]),
        ("各街道办事处", "各街道办事处", ["Subdistrict"], None, ["各街道", "各街道办"]),
        (
            "政府各部门",
            x + "政府各部门",
            ["Department"],
            None,
            [x + "人民政府各部门", p.name + "人民政府各部门"],
        ),
        (
            "各相关乡镇政府",
            "各相关乡镇政府",
            ["Town", "Township"],
            "partial",
            ["各有关乡镇政府", "相关乡镇政府"],
        ),
        (
            "各相关街道办事处",
            "各相关街道办事处",
            ["Subdistrict"],
            "partial",
            ["各有关街道办事处", "相关街道办事处"],
        ),
        ("各有关单位", "各有关单位", [], "open", ["各相关单位", "有关单位"]),
    ] + [(og, x + og, [], "open", []) for og in OPEN_GROUPS]


def registry_turtle(places: int = len(PLACES)) -> str:
    """The first `places` invented places (and their cities), their units and groups, in the form
    of data/registry/*.ttl."""
    from kg import iris  # imported here so that notice generation alone needs no kg

    def node(subject: str, types: str, label: str, body: str) -> None:
        out.append(f"<{subject}> a {types} ;\n    skos:prefLabel {_lit(label)}{body} .\n")

    out = [
        "# Synthetic places, units and groups for the bench corpus (bench/gen.py). Generated: do not edit.",
        "# Same conventions as data/registry: unit IRI = kg.iris.unit(place, label without the place prefix).",
    ]
    out += [f"@prefix {k}: <{iris.PREFIXES[k]}> ." for k in ("gw", "org", "skos")] + [""]
    province = iris.place(PROVINCE)
    cities = list(dict.fromkeys(p.city for p in PLACES[:places]))
    for city in cities:
        pl = iris.place(city.name)
        node(
            pl,
            "gw:Place",
            city.name,
            f' ;\n    skos:broader <{province}> ;\n    gw:level "city" ;\n    gw:docCode "{city.code}"',
        )
        gov = iris.unit(city.name, "人民政府")
        juris = f" ;\n    gw:jurisdiction <{pl}>"
        node(gov, "gw:Unit", city.name + "人民政府", f"{juris} ;\n    org:classification gw:Government")
        node(
            iris.unit(city.name, "人民政府办公厅"),
            "gw:Unit",
            city.name + "人民政府办公厅",
            f"{juris} ;\n    org:classification gw:Department ;\n    org:subOrganizationOf <{gov}>",
        )
    for p in PLACES[:places]:
        pl = iris.place(p.name)
        node(
            pl,
            "gw:Place",
            p.name,
            f' ;\n    skos:broader <{iris.place(p.city.name)}> ;\n    gw:level "county" ;\n    gw:docCode "{p.code}"',
        )
        gov = iris.unit(p.name, "人民政府")
        juris = f" ;\n    gw:jurisdiction <{pl}>"

        def unit(
            key: str,
            label: str,
            cls: str,
            alts: Iterable[str],
            *,
            juris: str = juris,
            gov: str = gov,
            p: Place = p,
        ) -> None:
            sub = f" ;\n    org:subOrganizationOf <{gov}>" if cls != "Government" else ""
            node(
                iris.unit(p.name, key),
                "gw:Unit",
                label,
                _labels("skos:altLabel", alts) + f"{juris} ;\n    org:classification gw:{cls}{sub}",
            )

        x = p.prefix
        unit("人民政府", p.name + "人民政府", "Government", [x + "人民政府", x + "政府"])
        unit(
            "人民政府办公室",
            p.name + "人民政府办公室",
            "Department",
            [x + "人民政府办公室", x + "政府办公室"],
        )
        for d in p.depts:
            if d not in UNREGISTERED:
                unit(d.short, x + d.short, d.cls, [p.name + d.official, x + d.official, p.name + d.short])
        for t in p.towns + p.townships:
            stem = t.removesuffix("政府")
            unit(
                t,
                t,
                "Town" if t in p.towns else "Township",
                [p.name + stem + "人民政府", stem + "人民政府", stem],
            )
        for s in p.streets:
            stem = s.removesuffix("办事处")
            unit(s, s, "Subdistrict", [p.name + stem + "街道办事处", stem + "街道办事处", stem + "街道"])
        for c in p.committees:
            unit(c, c, "ManagementCommittee", [c.replace("管委会", "风景区管理委员会")])
        for key, label, classes, flag, alts in _groups(p):
            members = (
                " ;\n    gw:memberClassification " + " , ".join(f"gw:{c}" for c in classes) if classes else ""
            )
            extra = f" ;\n    gw:{flag} true" if flag else ""
            node(
                iris.group(p.name, key),
                "gw:UnitGroup",
                label,
                _labels("skos:altLabel", alts) + juris + members + extra,
            )
    return "\n".join(out)


def group_members(p: Place, label: str) -> list[str] | None:
    """Members a closed group label expands to in `registry_turtle`'s registry, or None if open."""
    key = (p.name, label)
    if key not in _MEMBERS:
        classes = {lab: cls for _, lab, cls, _, _ in _groups(p)}.get(label)
        units = (
            [(p.name + "人民政府办公室", "Department")]
            + [(p.prefix + d.short, d.cls) for d in p.depts if d not in UNREGISTERED]
            + [(t, "Town") for t in p.towns]
            + [(t, "Township") for t in p.townships]
            + [(s, "Subdistrict") for s in p.streets]
            + [(c, "ManagementCommittee") for c in p.committees]
        )
        _MEMBERS[key] = [u for u, c in units if c in classes] if classes else None
    return _MEMBERS[key]


_MEMBERS: dict[tuple[str, str], list[str] | None] = {}


# --------------------------------------------------------------------------- notice text

CLAUSE_VERBS = (
    "深入推进", "加快推进", "持续完善", "严格落实", "统筹推进", "全面提升", "着力加强", "稳步推进", "扎实开展",
    "健全完善", "积极推动", "大力实施", "持续深化", "不断优化", "切实抓好",
)  # fmt: skip
CLAUSE_OBJECTS = (
    "大气污染防治", "农村人居环境整治", "城乡融合发展", "智慧城市建设", "乡村振兴战略", "营商环境建设",
    "安全生产专项整治", "常态化疫情防控", "社会治安防控体系建设", "全民技能振兴工程", "义务教育优质均衡发展",
    "紧密型县域医共体建设", "河长制工作", "文化旅游融合发展", "招商引资工作", "产业集聚区二次创业",
    "农村集体产权制度改革", "基层医疗卫生服务体系建设", "生活垃圾分类工作", "城市精细化管理",
    "防返贫监测和帮扶机制", "养老服务体系建设", "公共文化服务体系建设", "节水型社会建设", "矿山地质环境恢复治理",
    "重点项目建设", "新型基础设施建设", "普惠学前教育", "食品药品安全监管", "信访突出问题化解",
)  # fmt: skip
CLAUSE_TAILS = (
    "", "", "", "工作", "各项任务", "长效机制", "能力建设", "示范创建",
)  # fmt: skip
SENTENCE_TAILS = (
    "确保各项任务按期完成", "形成工作合力", "让群众有更多获得感", "推动高质量发展", "筑牢安全底线",
    "提升群众满意度", "切实发挥示范带动作用", "确保取得实效",
)  # fmt: skip

# Target templates: (text with {n}, base unit, multiplier, comparator, value range).
# `{n}` is always written with spaces around it, as in the seed ("新增国土绿化面积 5300 亩").
TARGETS: tuple[tuple[str, str, int, str, tuple[int, int]], ...] = (
    ("新增国土绿化面积 {n} 亩", "亩", 1, "eq", (800, 9000)),
    ("完成森林抚育 {n} 万亩", "亩", 10000, "eq", (1, 5)),
    ("完成职业技能培训 {n} 人次", "人次", 1, "eq", (2000, 30000)),
    ("新增农村劳动力转移就业 {n} 人", "人", 1, "eq", (1000, 9000)),
    ("新增返乡下乡创业 {n} 人", "人", 1, "eq", (100, 900)),
    ("新增高新技术企业 {n} 家", "家", 1, "eq", (5, 60)),
    ("新增科技型企业 {n} 家", "家", 1, "eq", (10, 90)),
    ("技术合同成交额 {n} 亿元以上", "元", 10**8, "gteq", (1, 9)),
    ("完成固定资产投资 {n} 亿元以上", "元", 10**8, "gteq", (20, 300)),
    ("完成生猪存栏任务 {n} 万头", "头", 10000, "eq", (5, 40)),
    ("新增养老床位 {n} 张", "张", 1, "eq", (50, 600)),
    ("完成 {n} 个老旧小区升级改造", "个", 1, "eq", (5, 60)),
    ("开工建设精品村 {n} 个", "个", 1, "eq", (2, 20)),
    ("主城区生活垃圾分类覆盖率 {n}% 以上", "%", 1, "gteq", (60, 99)),
    ("生活垃圾回收利用率 {n}% 以上", "%", 1, "gteq", (20, 60)),
    ("信访积案化解率 {n}% 以上", "%", 1, "gteq", (70, 98)),
    ("城镇登记失业率控制在 {n}% 以内", "%", 1, "lteq", (3, 5)),
    ("基层医疗卫生机构达标率 {n}%", "%", 1, "eq", (60, 100)),
    ("形成 {a} 至 {b} 个美丽乡村旅游精品线路", "个", 1, "range", (2, 6)),
)


@dataclass
class Style:
    """Per-notice typography: the seed's half-width punctuation, or full-width as on other sites."""

    comma: str
    colon: str
    lpar: str
    rpar: str
    space_rate: float  # chance of a stray space between two characters of a unit name

    @staticmethod
    def draw(rng: random.Random) -> Style:
        if rng.random() < 0.7:
            return Style(",", ":", "(", ")", rng.uniform(0.03, 0.12))
        return Style("，", "：", "（", "）", rng.uniform(0.0, 0.06))


def _stray(rng: random.Random, s: str, rate: float) -> str:
    """Stray spaces inside a word, as in the seed's web copy ("伏羲 山管委 会")."""
    if rate <= 0 or len(s) < 2:
        return s
    out = [s[0]]
    for ch in s[1:]:
        if rng.random() < rate:
            out.append(" ")
        out.append(ch)
    return "".join(out)


def _num(rng: random.Random, n: int, rate: float) -> str:
    """A year or task number, sometimes split by a stray space (20 21, 1 3)."""
    s = str(n)
    if len(s) > 1 and rng.random() < rate:
        k = rng.randrange(1, len(s))
        return s[:k] + " " + s[k:]
    return s


@dataclass
class TaskTruth:
    section: int
    number: int
    lead: list[str]
    responsible: list[str]
    excluded: list[str]
    targets: list[dict]
    deadline: str | None
    expanded: int  # group-expanded assignments (closed groups, members minus exclusions)


def _target(rng: random.Random) -> tuple[str, dict]:
    text, unit, mult, comp, (lo, hi) = rng.choice(TARGETS)
    if comp == "range":
        a = rng.randint(lo, hi - 1)
        b = rng.randint(a + 1, hi)
        return text.format(a=a, b=b), {"low": a * mult, "high": b * mult, "unit": unit}
    n = rng.randint(lo, hi)
    low = n * mult if comp in ("eq", "gteq") else None
    high = n * mult if comp in ("eq", "lteq") else None
    return text.format(n=n), {"low": low, "high": high, "unit": unit}


def _task_text(rng: random.Random, st: Style, year: int) -> tuple[str, list[dict], str | None]:
    """Task sentence(s): clauses, 0-3 targets, sometimes a deadline that governs a target."""
    c = st.comma

    def clause() -> str:
        obj = rng.choice(CLAUSE_OBJECTS)
        tail = "" if obj.endswith(("建设", "工作", "治理", "机制")) else rng.choice(CLAUSE_TAILS)
        return rng.choice(CLAUSE_VERBS) + obj + tail

    targets: list[dict] = []
    deadline: str | None = None
    parts = [clause() for _ in range(rng.randint(1, 3))]
    r = rng.random()
    if r < 0.35:
        k = 1 if rng.random() < 0.7 else rng.randint(2, 3)
        phrases = []
        for _ in range(k):
            phrase, t = _target(rng)
            phrases.append(phrase)
            targets.append(t)
        if rng.random() < 0.3:
            if rng.random() < 0.5:
                phrases[0] = f" {_num(rng, year, 0.2)} 年底前" + phrases[0]
                deadline = f"{year}-12-31"
            else:
                phrases[0] = "确保上半年" + phrases[0]
                deadline = f"{year}-06-30"
        parts += phrases
    sentence = c.join(parts) + "。"
    if rng.random() < 0.4:
        sentence += c.join([clause(), rng.choice(SENTENCE_TAILS)]) + "。"
    return sentence, targets, deadline


def _dept_run(rng: random.Random, st: Style, p: Place, depts: list[Dept]) -> str:
    """市发展改革委、住建局: the prefix written once and distributed over the run."""
    names = [_stray(rng, d.short, st.space_rate) for d in depts]
    sep = rng.choice(("、", "、", " 、", "、 "))
    head = p.prefix + (" " if rng.random() < 0.4 else "")
    return head + sep.join(names)


def _assignments(rng: random.Random, st: Style, p: Place) -> tuple[str | None, str, TaskTruth]:
    """The 牵头单位 and 责任单位 lines of one task, and what they should read as."""
    n_lead = 0 if rng.random() < 0.15 else (1 if rng.random() < 0.88 else 2)
    lead_idx = rng.sample(range(len(p.depts)), n_lead)
    lead_depts = [p.depts[i] for i in lead_idx]
    lead_line = _dept_run(rng, st, p, lead_depts) if lead_depts else None
    t = TaskTruth(0, 0, [p.prefix + d.short for d in lead_depts], [], [], [], None, 0)

    others = [d for i, d in enumerate(p.depts) if i not in lead_idx]
    chunks: list[str] = []
    r = rng.random()
    if r < 0.04:  # 市政府各部门: no department named beside it (its expansion would repeat them)
        resp_depts: list[Dept] = []
        collective = "政府各部门"
    else:
        resp_depts = rng.sample(others, rng.choice((0, 0, 1, 2, 3, 4, 6, 8, 10)))
        collective = rng.choice(OPEN_GROUPS) if r < 0.1 else None
    if resp_depts:
        chunks.append(_dept_run(rng, st, p, resp_depts))
        t.responsible += [p.prefix + d.short for d in resp_depts]
    if collective:
        chunks.append(_stray(rng, p.prefix + collective, st.space_rate / 2))
        t.responsible.append(p.prefix + collective)

    g = rng.random()
    related = "相关" if rng.random() < 0.05 else ""
    if g < 0.55:
        groups, written = ["乡镇政府", "街道办事处"], f"各{related}乡镇政府、街道办事处"
    elif g < 0.65:
        groups, written = ["乡镇政府"], f"各{related}乡镇政府"
    elif g < 0.72:
        groups, written = ["街道办事处"], f"各{related}街道办事处"
    else:
        groups, written = [], ""
    labels = [f"各{related}{x}" for x in groups]
    tail: list[str] = []
    if groups and rng.random() < 0.7:
        tail = list(p.committees)
    elif not groups and rng.random() < 0.35:  # named towns / 街道 instead of a group
        tail = rng.sample(p.township_govs + p.streets, rng.randint(1, 4))
    if labels or tail:
        items = ([_stray(rng, written, st.space_rate / 2)] if written else []) + [
            _stray(rng, u, st.space_rate) for u in tail
        ]
        joiner = rng.choice(("、", " 、 ", "、"))
        body = joiner.join(items)
        if labels and tail and rng.random() < 0.15:
            body = items[0] + "及" + joiner.join(items[1:])
        if labels and not related and rng.random() < 0.12:
            pool = [m for lab in labels for m in group_members(p, lab) or []]
            t.excluded = rng.sample(pool, rng.randint(1, 2))
            body += st.lpar + " " + _stray(rng, "、".join(t.excluded), st.space_rate) + "除外 " + st.rpar
        t.responsible += labels + tail
        chunks.append(body)
    if not t.responsible:  # every task names someone responsible
        d = rng.choice(others)
        chunks.append(p.prefix + d.short)
        t.responsible.append(p.prefix + d.short)
    for lab in t.responsible:
        members = group_members(p, lab)
        if members:
            t.expanded += len(members) - len(set(t.excluded).intersection(members))
    sep = rng.choice((st.comma, " " + st.comma + " ", st.comma + " "))
    return lead_line, sep.join(chunks), t


@dataclass
class Plan:
    """What the sequential pass fixes for one notice, so that 文号 are unique across the corpus."""

    index: int
    place: int
    year: int
    seq: int
    parents: tuple[int, int]  # seq of the city's two parent notices (省 report, city report)


def plan_corpus(seed: int, n: int) -> list[Plan]:
    rng = random.Random(f"{seed}:plan")
    counters: dict[tuple[int, int], int] = {}
    plans = []
    for i in range(n):
        pi, year = rng.randrange(active_places(i)), rng.choice(YEARS)
        seq = counters[(pi, year)] = counters.get((pi, year), 0) + 1
        prng = random.Random(f"parents:{PLACES[pi].city.name}:{year}")  # same parents for a city-year
        plans.append(Plan(i, pi, year, seq, (prng.randint(10, 30), prng.randint(1, 9))))
    return plans


def render_notice(seed: int, plan: Plan, min_tasks: int = 30, max_tasks: int = 150) -> tuple[str, dict]:
    """One notice's text and its truth (counts, and per-task expectations like gold.json)."""
    rng = random.Random(f"{seed}:{plan.index}")
    p = PLACES[plan.place]
    y = plan.year
    st = Style.draw(rng)
    c, colon, lp, rp = st.comma, st.colon, st.lpar, st.rpar
    city = p.city
    we = "我" + p.prefix
    issuer = f"{p.name}人民政府办公室"
    doc_id = f"{p.code}政办〔{y}〕{plan.seq}号"
    written = date(y, 2, 10) + timedelta(days=rng.randint(0, 70))
    published = written + timedelta(days=rng.randint(0, 7))

    sec_kinds = ["省", city.name] if rng.random() < 0.85 else [city.name]
    parent_ids = {
        "省": f"{city.code}政办〔{y}〕{plan.parents[0]}号",
        city.name: f"{city.code}政办〔{y}〕{plan.parents[1]}号",
    }
    scope = "省、" + city.name if len(sec_kinds) == 2 else city.name
    title = f"{issuer} 关于认真做好{we}承担的{y}年{scope}政府工作报告重点工作任务落实的通知"

    n_tasks = rng.randint(min_tasks, max_tasks)
    split = [n_tasks] if len(sec_kinds) == 1 else [max(1, round(n_tasks * rng.uniform(0.2, 0.45)))]
    if len(sec_kinds) == 2:
        split.append(n_tasks - split[0])

    lines = [
        title,
        "",
        f"  • 索引号:{p.org_code}/{y}-{plan.seq:05d}",
        f"  • 发布机构:{p.name}人民政府",
        "  • 关键词:通知",
        f"  • 成文日期:{written.isoformat()}",
        f"  • 发布日期:{published.isoformat()}",
        "  • 体裁:通知",
        f"  • 文号:{doc_id}",
        f"  • {title}",
        "",
        f"    各乡镇人民政府{c}各街道办事处{c}{p.prefix}人民政府各部门{c}各有关单位{colon}",
        "",
    ]

    def yr(year: int) -> str:
        return _num(rng, year, 0.5)

    def cite(kind: str) -> str:
        code, rest = parent_ids[kind].split("〔")
        ys, seq = rest.removesuffix("号").split("〕")
        what = "省" if kind == "省" else " 市"
        return (
            f"《 {_stray(rng, city.name + '人民政府办公厅', 0.1)} 关于 做好 {yr(y)} 年{what}政府工作报告重点工作任务 落实 的通知》"
            f" {lp} {code}〔 {yr(int(ys))} 〕 {seq} 号 {rp}"
        )

    lines += [
        f"    根据 {' 、 '.join(cite(k) for k in sec_kinds)}要 求{c}经{p.prefix}政府同意{c}决定对{we}承担的 {yr(y)} 年{scope}"
        f"政府工作报告重点工作任务进行分解{c}现将有关事宜通知如下 {colon}",
        "",
    ]

    tasks: list[TaskTruth] = []
    for si, (kind, count) in enumerate(zip(sec_kinds, split, strict=True), start=1):
        report = "省" if kind == "省" else kind
        lines += [
            f"    {CN_NUM[si - 1]} 、 承担的 {yr(y)} 年 {report} 政府工作报告重点工作任务及责任分解",
            "",
        ]
        for n in range(1, count + 1):
            text, targets, deadline = _task_text(rng, st, y)
            lead_line, resp_line, t = _assignments(rng, st, p)
            t.section, t.number, t.targets, t.deadline = si, n, targets, deadline
            num = _num(rng, n, 0.15)
            dot = rng.choice((" . ", " . ", ". ", " .", ".  "))
            lines += [f"    {num}{dot}{text}", ""]
            if lead_line:
                label = "牵头单位" if rng.random() < 0.85 else "牵头 单位"
                lines += [f"    {label}{colon}{lead_line}", ""]
            lines += [f"    责任单位{colon}{' ' if rng.random() < 0.4 else ''}{resp_line}", ""]
            tasks.append(t)

    # 工作要求 with the reporting paragraph: section 1 monthly, a city section quarterly.
    dues: list[dict] = []
    sched = []
    for si, kind in enumerate(sec_kinds, start=1):
        name = "省政府工作报告" if kind == "省" else f"{kind}政府工作报告"
        if kind == "省":
            day = rng.choice((20, 25, 28))
            months = sorted(rng.sample(range(written.month + 1, 13), rng.randint(4, 8)))  # after the notice
            ms = " 、 ".join(f"{_num(rng, m, 0.3)} 月" for m in months)
            sched.append(f"{name}各项重点工作 分别于 {yr(y)} 年 {ms} 每月 {day} 日前 ")
            dues.append({"section": si, "dates": [f"{y}-{m:02d}-{day:02d}" for m in months]})
        else:
            day = rng.choice((2, 5, 10))
            qs = [(y, 4), (y, 7), (y, 10), (y + 1, 1)]
            body = " 、 ".join(f"{m} 月 {day} 日" for _, m in qs[:3])
            sched.append(f"{name}各项重点工作 分别于 {yr(y)} 年 {body}和 {yr(y + 1)} 年 1 月 {day} 日前 ")
            dues.append({"section": si, "dates": [f"{yy}-{m:02d}-{day:02d}" for yy, m in qs]})
    req = CN_NUM[len(sec_kinds)]
    lines += [
        f"    {req}、工作要求",
        "",
        f"    {lp}一{rp}狠抓落实。 各单位主要负责人作为本单位承担任务落实的第一责任人{c}要切实增强责任意识和担当精神{c}"
        f"确保各项重点工作如期推进。",
        "",
        f"    {lp}二{rp}密切协作。 牵头单位应统筹推进任务落实{c}责任单位要积极配合牵头单位{c}形成有效合力。",
        "",
        f"    {lp}三{rp}严格督查。 {p.prefix}督查局 要将各项重点工作落实情况纳入综合考评考核体系。"
        f"各单位要建立工作落实台账{c} {c.join(sched)}{c}将完成情况加盖单位公章后{c} 报送{p.prefix}督查局绩效科。",
        "",
        "    \xa0",
        "",
        f"    {yr(written.year)} 年 {written.month} 月 {written.day} 日",
        "",
        "    标签:",
        "    留言与评论(共有 0 条评论)",
        "    \xa0\xa0\xa0",
        "    验证码:",
    ]
    text = "\n".join(lines)
    truth = {
        "file": f"{p.slug}-{y}-{plan.seq}.txt",
        "id": doc_id,
        "place": p.name,
        "year": y,
        "issuer": issuer,
        "based_on": [parent_ids[k] for k in sec_kinds],
        "sections": len(sec_kinds),
        "tasks": len(tasks),
        "lead": sum(len(t.lead) for t in tasks),
        "responsible": sum(len(t.responsible) for t in tasks),
        "excluded": sum(len(t.excluded) for t in tasks),
        "expanded": sum(t.expanded for t in tasks),
        "targets": sum(len(t.targets) for t in tasks),
        "deadlines": sum(1 for t in tasks if t.deadline),
        "reporting_dues": sum(len(d["dates"]) for d in dues),
        "chars": len(text),
        "detail": {
            "reporting": dues,
            "tasks": [
                {
                    "section": t.section,
                    "number": t.number,
                    "lead": t.lead,
                    "responsible": t.responsible,
                    "excluded": t.excluded,
                    "targets": t.targets,
                    "deadline": t.deadline,
                }
                for t in tasks
            ],
        },
    }
    return text, truth


# --------------------------------------------------------------------------- corpus

COUNT_KEYS = (
    "sections",
    "tasks",
    "lead",
    "responsible",
    "excluded",
    "expanded",
    "targets",
    "deadlines",
    "reporting_dues",
    "chars",
)


def _write_chunk(args: tuple[int, list[Plan], str, int, int, bool]) -> list[dict]:
    seed, plans, out, lo, hi, truth = args
    notices, truth_dir = Path(out) / "notices", Path(out) / "truth"
    summaries = []
    for plan in plans:
        text, t = render_notice(seed, plan, lo, hi)
        (notices / t["file"]).write_text(text, encoding="utf-8")
        detail = t.pop("detail")
        if truth:
            (truth_dir / t["file"].replace(".txt", ".json")).write_text(
                json.dumps(detail, ensure_ascii=False), encoding="utf-8"
            )
        summaries.append(t)
    return summaries


def generate(
    out: Path,
    n: int,
    seed: int = 42,
    min_tasks: int = 30,
    max_tasks: int = 150,
    jobs: int = 2,
    truth: bool = False,
    registry: bool = True,
) -> dict:
    """Write the corpus and return (and write) its manifest."""
    if not 1 <= min_tasks <= max_tasks:
        raise ValueError("need 1 <= min_tasks <= max_tasks")
    (out / "notices").mkdir(parents=True, exist_ok=True)
    if truth:
        (out / "truth").mkdir(exist_ok=True)
    plans = plan_corpus(seed, n)
    used = active_places(n - 1) if n else len(_PLACE_SPECS)
    size = max(1, min(500, n // (jobs * 4) or 1))
    chunks = [(seed, plans[i : i + size], str(out), min_tasks, max_tasks, truth) for i in range(0, n, size)]
    if jobs > 1 and len(chunks) > 1:
        with ProcessPoolExecutor(jobs) as ex:
            files = [s for part in ex.map(_write_chunk, chunks) for s in part]
    else:
        files = [s for ch in chunks for s in _write_chunk(ch)]
    if registry:
        (out / "registry").mkdir(exist_ok=True)
        (out / "registry" / "synthetic.ttl").write_text(registry_turtle(used), encoding="utf-8")
    manifest = {
        "generator": "bench/gen.py",
        "seed": seed,
        "notices": n,
        "min_tasks": min_tasks,
        "max_tasks": max_tasks,
        "places": [p.name for p in PLACES[:used]],
        "years": [min(YEARS), max(YEARS)],
        "registry": "registry/synthetic.ttl" if registry else None,
        "counting": {
            "lead/responsible": "as-written assignments; 各乡镇政府、街道办事处 counts as two group assignments",
            "expanded": "extra assignments from closed groups (各乡镇政府, 各街道办事处): members minus exclusions",
            "targets": "every quantity written in a task; deadlines: tasks with 年底前 or 上半年",
        },
        "totals": {k: sum(f[k] for f in files) for k in COUNT_KEYS},
        "files": files,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("out", type=Path, help="output folder (created)")
    ap.add_argument("--notices", "-n", type=int, default=10)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--min-tasks", type=int, default=30)
    ap.add_argument("--max-tasks", type=int, default=150)
    ap.add_argument(
        "--jobs", "-j", type=int, default=2, help="worker processes (output does not depend on it)"
    )
    ap.add_argument("--truth", action="store_true", help="also write per-task expectations to OUT/truth/")
    ap.add_argument(
        "--no-registry", action="store_true", help="skip registry/synthetic.ttl (needs kg importable)"
    )
    a = ap.parse_args(argv)
    if (a.out / "notices").exists() and any((a.out / "notices").iterdir()):
        print(f"error: {a.out}/notices is not empty", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    m = generate(a.out, a.notices, a.seed, a.min_tasks, a.max_tasks, a.jobs, a.truth, not a.no_registry)
    dt = time.perf_counter() - t0
    tot = m["totals"]
    print(
        f"{a.notices} notices, {tot['tasks']} tasks, {tot['lead'] + tot['responsible']} assignments "
        f"(+{tot['expanded']} expanded), {tot['targets']} targets, {tot['chars'] / 1e6:.1f}M chars in {dt:.1f} s -> {a.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
