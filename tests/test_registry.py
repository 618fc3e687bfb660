"""kg.registry: loading data/registry/*.ttl and resolving labels as notices write them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import RDF, URIRef
from rdflib.namespace import ORG, SKOS

from kg import iris
from kg.errors import KgError
from kg.iris import GW
from kg.registry import Registry, iri_key

GOLD = Path(__file__).resolve().parent / "fixtures" / "seed" / "gold.json"


@pytest.fixture(scope="module")
def reg() -> Registry:
    return Registry.load()


def unit(key: str) -> URIRef:
    return iris.unit("新密市", key)


def group(key: str) -> URIRef:
    return iris.group("新密市", key)


@pytest.mark.parametrize(
    "label", ["财政局", "市财政局", "新密市财政局", " 市 财政 局", "我市财政局", "市财政局\u3000"]
)
def test_prefix_variants_resolve_to_one_unit(reg: Registry, label: str) -> None:
    assert reg.resolve(label, "新密市") == unit("财政局")


def test_aliases_and_former_names(reg: Registry) -> None:
    assert reg.resolve("产业集聚区管委", "新密市") == unit("产业集聚区管委会")
    assert reg.label(unit("产业集聚区管委会")) == "市产业集聚区管委会"
    assert reg.resolve("郑州曲梁产业集聚区管理委员会", "新密市") == unit("产业集聚区管委会")
    assert reg.resolve("伏羲 山管委 会", "新密市") == unit("伏羲山管委会")
    assert reg.resolve("伏羲山风景区管理委员会", "新密市") == unit("伏羲山管委会")
    assert reg.resolve("尖山风景区管理委员会", "新密市") == unit("伏羲山管委会")  # former name, same NBS code
    assert reg.resolve("新密西大街办事处", "新密市") == unit("西大街办事处")
    assert reg.resolve("青屏街街道办事处", "新密市") == unit("青屏街办事处")
    assert (
        reg.resolve("城关镇", "新密市") == reg.resolve("新密市城关镇人民政府", "新密市") == unit("城关镇政府")
    )
    assert reg.resolve("市场监管局", "新密市") == reg.resolve("市市场监管局", "新密市") == unit("市场监管局")
    assert reg.resolve("郑州市生态环境局新密分局", "新密市") == unit("生态环境局")


def test_notations(reg: Registry) -> None:
    def notation(iri: URIRef) -> str:
        return str(reg.graph.value(iri, SKOS.notation))

    assert notation(unit("矿区办事处")) == "410183400"
    assert notation(unit("伏羲山管委会")) == "410183401"
    assert notation(unit("产业集聚区管委会")) == "410183402"
    assert notation(unit("袁庄乡政府")) == "410183200"
    assert notation(iris.place("新密市")) == "410183"


def test_housing_centres_stay_apart(reg: Registry) -> None:
    a, b = reg.resolve("房管中心", "新密市"), reg.resolve("房地产服务中心", "新密市")
    assert a == unit("房管中心") and b == unit("房地产服务中心")
    assert (a, SKOS.closeMatch, b) in reg.graph


def test_groups_and_members(reg: Registry) -> None:
    gold = json.loads(GOLD.read_text("utf-8"))["groups"]
    towns = reg.resolve("各乡镇人民政府", "新密市")
    assert towns == reg.resolve("各乡镇政府", "新密市") == reg.resolve("各乡（镇）人民政府", "新密市")
    assert towns == group("各乡镇政府")
    assert len(reg.members(towns)) == 13
    assert [reg.label(m) for m in reg.members(towns)] == gold["各乡镇政府"]  # NBS code order
    streets = reg.resolve("各街道办事处", "新密市")
    assert (
        reg.resolve("街道办事处", "新密市") == streets
    )  # 各 distributed over a list: 各乡镇政府、街道办事处
    assert len(reg.members(streets)) == 4
    assert {reg.label(m) for m in reg.members(streets)} == set(gold["各街道办事处"])
    assert unit("矿区办事处") in reg.members(streets)


def test_government_departments_group(reg: Registry) -> None:
    depts = reg.resolve("市人民政府各部门", "新密市")
    assert depts == reg.resolve("市政府各部门", "新密市") == group("政府各部门")
    labels = {reg.label(m) for m in reg.members(depts)}
    assert {"市财政局", "市农委", "市教育局", "市市场监管局", "市房管中心", "市房地产服务中心"} <= labels
    # not government departments: enterprise, people's organisation, committees, towns
    assert not labels & {"市供电公司", "市残联", "市产业集聚区管委会", "伏羲山管委会", "城关镇政府"}
    for m in reg.members(depts):
        assert (m, ORG.classification, GW.Department) in reg.graph


def test_partial_and_open_groups(reg: Registry) -> None:
    partial = reg.resolve("各相关乡镇政府", "新密市")
    assert reg.is_partial(partial) and not reg.is_open(partial)
    assert reg.members(partial) == reg.members(group("各乡镇政府"))
    assert reg.is_partial(reg.resolve("各相关街道办事处", "新密市"))
    for label in ["各有关单位", "市减灾委成员单位", "市安委会各成员单位", "市级河长协助单位"]:
        g = reg.resolve(label, "新密市")
        assert g is not None and reg.is_open(g) and reg.members(g) == [], label
    assert not reg.is_open(group("各乡镇政府"))


def test_every_label_of_the_seed_gold_resolves(reg: Registry) -> None:
    gold = json.loads(GOLD.read_text("utf-8"))
    labels = {x for t in gold["tasks"] for role in ("lead", "responsible", "excluded") for x in t[role]}
    labels |= set(gold["notice"]["addressees"]) | {gold["notice"]["issuer"], gold["notice"]["publisher"]}
    missing = sorted(x for x in labels if reg.resolve(x, "新密市") is None)
    assert missing == []
    for label in labels:  # the gold's labels are the registry's preferred labels, or a listed alias
        iri = reg.resolve(label, "新密市")
        assert label == reg.label(iri) or (iri, SKOS.altLabel, None) in reg.graph


def test_unknown_labels(reg: Registry) -> None:
    assert reg.resolve("县财政局", "新密市") is None  # 新密市 is not a 县 and has no 县 above it
    assert reg.resolve("市大数据中心", "新密市") is None
    assert reg.resolve("", "新密市") is None
    assert reg.resolve("财政局", "郑州市") is None  # 郑州市's departments are not registered


def test_other_places(reg: Registry) -> None:
    assert reg.resolve("省政府", "新密市") == iris.unit("河南省", "人民政府")
    assert reg.resolve("郑州市人民政府办公厅", "新密市") == iris.unit("郑州市", "人民政府办公厅")
    assert reg.parent_places("新密市") == ["郑州市", "河南省"]
    assert reg.parent_places("河南省") == []
    assert reg.place_for_doc_code("郑政办") == "郑州市"
    assert reg.place_for_doc_code("新密政办") == "新密市"
    assert reg.place_for_doc_code("豫政") == "河南省"
    assert reg.place_for_doc_code("京政办") is None


def test_place_of_issuer(reg: Registry) -> None:
    assert reg.place_of_issuer("新密市人民政府办公室") == "新密市"
    assert reg.place_of_issuer("郑州市人民政府办公厅") == "郑州市"
    assert reg.place_of_issuer("某县人民政府办公室") == "某县"
    assert reg.place_of_issuer("聊城市人民政府") == "聊城市"
    assert reg.place_of_issuer("北京市朝阳区人民政府") == "朝阳区"
    assert reg.place_of_issuer("人民政府办公室") is None


def test_localize_for_minting(reg: Registry) -> None:
    assert reg.localize("市大数据中心", "新密市") == ("新密市", "大数据中心")
    assert reg.localize("郑州市大数据局", "新密市") == ("郑州市", "大数据局")
    assert reg.localize("某县人民政府", "某县") == ("某县", "人民政府")
    assert reg.localize("分管副市长", "新密市") == ("新密市", "分管副市长")


def test_iris_follow_the_scheme(reg: Registry) -> None:
    """Unit/group IRIs are kg.iris.unit/group(place, key), key = prefLabel minus the jurisdiction prefix."""
    g = reg.graph
    for cls, mint in ((GW.Unit, iris.unit), (GW.UnitGroup, iris.group)):
        for iri in g.subjects(RDF.type, cls):
            place = reg.place_of(iri)
            label = reg.label(iri)
            key = iri_key(iri)
            assert iri == mint(place, key)
            assert label in (key, "市" + key, place + key), (label, key)
    for name, info in reg.places.items():
        assert info.iri == iris.place(name)


def test_malformed_file_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "a.ttl").write_text(
        '@prefix gw: <https://w3id.org/govwork/ns#> .\n\ngw:x gw:y "open .\n', "utf-8"
    )
    with pytest.raises(KgError) as err:
        Registry.load(tmp_path)
    assert err.value.file == str(tmp_path / "a.ttl")
    assert err.value.line == 3


def test_conflicting_labels_are_refused(tmp_path: Path) -> None:
    (tmp_path / "x.ttl").write_text(
        """@prefix gw: <https://w3id.org/govwork/ns#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://w3id.org/govwork/id/place/某县> a gw:Place ; skos:prefLabel "某县"@zh .
<https://w3id.org/govwork/id/org/某县/甲局> a gw:Unit ; skos:prefLabel "县甲局"@zh ;
    gw:jurisdiction <https://w3id.org/govwork/id/place/某县> .
<https://w3id.org/govwork/id/org/某县/乙局> a gw:Unit ; skos:prefLabel "县乙局"@zh ; skos:altLabel "县甲局"@zh ;
    gw:jurisdiction <https://w3id.org/govwork/id/place/某县> .
""",
        "utf-8",
    )
    with pytest.raises(KgError, match="县甲局"):
        Registry.load(tmp_path)


def test_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(KgError, match="no registry files"):
        Registry.load(tmp_path)


def test_measures(reg: Registry) -> None:
    assert str(reg.measure("%")).endswith("/PERCENT")
    assert str(reg.measure("人次")).endswith("/NUM")
    assert reg.measure("亩") is None
