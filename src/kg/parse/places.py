"""Administrative places the parser needs: which province 省 means, what 郑 in 郑政办 stands for.

The data is the registry's (`gw:Place` in data/registry/*.ttl: skos:prefLabel, skos:altLabel,
skos:broader, gw:level, gw:docCode). Callers may pass their own table instead, as a `Places` or
as a plain child -> parent mapping ({"新密市": "郑州市", "郑州市": "河南省", "河南省": None}).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from kg.paths import REGISTRY_DIR

_SUFFIX = re.compile(
    r"(?:特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区|自治州|自治县|地区|省|市|县|区|旗|盟|州)$"
)
# A place name written at the start of an organisation's name: 郑州市人民政府办公厅 -> 郑州市.
_LEADING_PLACE = re.compile(r"^[\u4e00-\u9fff]{2,6}?(?:自治区|自治州|自治县|省|市|县|区|旗|盟)")
_ORG_AFTER_PLACE = re.compile(r"^(?:人民政府|政府|委员会|人大|政协|党委|委|办公室|办公厅)")


@dataclass(frozen=True)
class Place:
    name: str  # 新密市
    level: str | None = None  # province | city | county
    parent: str | None = None  # 郑州市
    doc_codes: tuple[str, ...] = ()  # 新密
    aliases: tuple[str, ...] = ()  # 新密


def short_name(name: str) -> str:
    """新密市 -> 新密, 河南省 -> 河南; names too short to shorten stay as they are."""
    short = _SUFFIX.sub("", name)
    return short if len(short) >= 2 else name


def _guess_level(name: str) -> str | None:
    if name.endswith(("省", "自治区")):
        return "province"
    if name.endswith(("县", "旗", "区", "自治县")):
        return "county"
    return None


@dataclass
class Places:
    """Lookup over a small set of places."""

    places: dict[str, Place] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._by_alias: dict[str, str] = {}
        for p in self.places.values():
            for alias in (p.name, short_name(p.name), *p.aliases):
                self._by_alias.setdefault(alias, p.name)
        # the alias lengths, longest first, so 郑州市 wins over 郑州
        self._lengths = sorted({len(a) for a in self._by_alias}, reverse=True)

    @classmethod
    def of(cls, places: Iterable[Place]) -> Places:
        return cls({p.name: p for p in places})

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, str | None]) -> Places:
        """From child -> parent names; levels follow from the suffixes and the tree."""
        names = set(mapping) | {p for p in mapping.values() if p}
        out = []
        for name in names:
            parent = mapping.get(name)
            level = _guess_level(name)
            if level is None:
                grand = mapping.get(parent) if parent else None
                level = "province" if parent is None else ("city" if grand is None else "county")
            out.append(Place(name=name, level=level, parent=parent))
        return cls.of(out)

    def get(self, name: str) -> Place | None:
        canonical = self._by_alias.get(name)
        return self.places.get(canonical) if canonical else None

    def at_start(self, text: str) -> Place | None:
        """The known place whose name or alias starts `text`."""
        for size in self._lengths:
            name = self._by_alias.get(text[:size]) if size <= len(text) else None
            if name is not None:
                return self.places[name]
        return None

    def ancestor(self, name: str, level: str) -> Place | None:
        """The place itself or its nearest ancestor of the given level."""
        seen: set[str] = set()
        place = self.get(name)
        while place is not None and place.name not in seen:
            if place.level == level:
                return place
            seen.add(place.name)
            place = self.get(place.parent) if place.parent else None
        return None

    def by_doc_code(self, code: str) -> Place | None:
        """The place whose 机关代字 prefix starts a 文号 code (郑政办 -> 郑州市); longest prefix wins."""
        best: Place | None = None
        best_len = 0
        for p in self.places.values():
            for prefix in p.doc_codes:
                if code.startswith(prefix) and len(prefix) > best_len:
                    best, best_len = p, len(prefix)
        return best


def place_of_org(org: str, places: Places) -> str | None:
    """The place an organisation's name starts with: 郑州市人民政府办公厅 -> 郑州市."""
    known = places.at_start(org)
    if known:
        return known.name
    m = _LEADING_PLACE.match(org)
    if m and _ORG_AFTER_PLACE.match(org[m.end() :]):
        return m.group()
    return None


def load_places(registry_dir: Path = REGISTRY_DIR) -> Places:
    """Places from the registry's Turtle files (none when the directory has no gw:Place)."""
    files = sorted(registry_dir.glob("*.ttl")) if registry_dir.is_dir() else []
    stamp = tuple((str(f), f.stat().st_mtime_ns) for f in files)
    return _load(stamp)


@lru_cache(maxsize=4)
def _load(stamp: tuple[tuple[str, int], ...]) -> Places:
    from rdflib import Graph
    from rdflib.namespace import RDF, SKOS

    from kg.iris import GW

    g = Graph()
    for path, _ in stamp:
        try:
            g.parse(path, format="turtle")
        except Exception:  # a broken registry file is the registry's concern, not a parse error
            continue
    out = []
    for node in g.subjects(RDF.type, GW.Place):
        name = g.value(node, SKOS.prefLabel)
        if name is None:
            continue
        parent_node = g.value(node, SKOS.broader)
        parent = g.value(parent_node, SKOS.prefLabel) if parent_node is not None else None
        level = g.value(node, GW.level)
        out.append(
            Place(
                name=str(name),
                level=str(level) if level is not None else _guess_level(str(name)),
                parent=str(parent) if parent is not None else None,
                doc_codes=tuple(sorted(str(c) for c in g.objects(node, GW.docCode))),
                aliases=tuple(sorted(str(a) for a in g.objects(node, SKOS.altLabel))),
            )
        )
    return Places.of(out)
