"""The named-query catalogue: queries/*.rq files with a grlc-style `#+` YAML header.

A header is the block of leading lines starting with `#+`; stripped of that marker they are YAML:

    #+ title: {zh: 单位承担的任务, en: Tasks of a unit}
    #+ description: Every task a unit takes part in ...
    #+ params:
    #+   - {name: unit, type: unit, required: true, description: 单位名称或IRI}
    #+ columns:
    #+   - {name: notice, description: 文号}
    #+ kind: listing

Parameter keys: `name`, `type` (unit | notice | string | integer | date | iri), `required`
(default false), `description`, `default`, and `var`: the SPARQL variable the value binds
(default: the name; use it when a column shares the parameter's name). The query name is the
file name without `.rq`. `kind` says what a row is: `listing` (a fact each: a task, an assignment;
the default), `aggregate` (a summary of many facts: counts per unit, per notice) or `lookup` (one
item in detail). Clients and the benchmark use it; issue 5's ≤ 300 ms goal is for aggregates.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kg import paths
from kg.errors import KgError, NotFound
from kg.queries.sparql_text import variables

PARAM_TYPES = ("unit", "notice", "string", "integer", "date", "iri")
KINDS = ("listing", "aggregate", "lookup")


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    required: bool = False
    description: str = ""
    default: str | None = None
    var: str = ""  # SPARQL variable bound by the value; defaults to `name`

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "required": self.required,
            "description": self.description,
            "default": self.default,
        }


@dataclass(frozen=True)
class Column:
    name: str
    description: str = ""


@dataclass
class NamedQuery:
    """One .rq file: metadata from its header plus the SPARQL text."""

    name: str
    title: dict[str, str]  # {"zh": ..., "en": ...}
    description: str
    params: list[Param]
    columns: list[Column]
    sparql: str
    path: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # other header keys (tags, ...)
    kind: str = "listing"  # one of KINDS

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def title_text(self, lang: str = "zh") -> str:
        return self.title.get(lang) or next(iter(self.title.values()), self.name)

    def run(self, store: Any, values: dict[str, str] | None = None) -> Any:
        """Shorthand for `kg.queries.run_named(store, self, values)`."""
        from kg.queries.run import run_named

        return run_named(store, self, values or {})

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "kind": self.kind,
            "params": [p.to_dict() for p in self.params],
            "columns": [{"name": c.name, "description": c.description} for c in self.columns],
        }


def _header_and_body(text: str) -> tuple[str, str]:
    """Split an .rq text into its `#+` header (marker stripped) and the SPARQL body."""
    lines = text.splitlines(keepends=True)
    head: list[str] = []
    k = 0
    while k < len(lines) and (lines[k].startswith("#+") or (not head and not lines[k].strip())):
        if lines[k].startswith("#+"):
            rest = lines[k][2:]
            head.append(rest[1:] if rest.startswith(" ") else rest)
        k += 1
    return "".join(head), "".join(lines[k:])


def _fail(path: Path, message: str, line: int | None = None) -> KgError:
    return KgError(message, code="bad-query-file", file=str(path), line=line, status=500, exit_code=2)


def parse_rq(text: str, path: Path) -> NamedQuery:
    """A NamedQuery from the text of an .rq file (header validated, SPARQL left to the engine)."""
    head, body = _header_and_body(text)
    try:
        meta = yaml.safe_load(head) or {}
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise _fail(path, f"bad #+ header: {e}", mark.line + 1 if mark else None) from e
    if not isinstance(meta, dict):
        raise _fail(path, "the #+ header must be a YAML mapping", 1)
    title = meta.pop("title", None)
    if isinstance(title, str):
        title = {"en": title}
    if not isinstance(title, dict) or not title:
        raise _fail(path, "header needs a title (zh and en)", 1)
    used = variables(body)
    params = []
    for raw in meta.pop("params", None) or []:
        if not isinstance(raw, dict) or "name" not in raw:
            raise _fail(path, f"bad param entry {raw!r}: needs at least a name", 1)
        ptype = str(raw.get("type", "string"))
        if ptype not in PARAM_TYPES:
            raise _fail(
                path, f"param {raw['name']}: unknown type {ptype!r} (use {', '.join(PARAM_TYPES)})", 1
            )
        default = raw.get("default")
        p = Param(
            name=str(raw["name"]),
            type=ptype,
            required=bool(raw.get("required", False)),
            description=str(raw.get("description", "")).strip(),
            default=None if default is None else str(default),
            var=str(raw.get("var") or raw["name"]),
        )
        if p.var not in used:
            raise _fail(path, f"param {p.name}: the query never uses ?{p.var}", 1)
        params.append(p)
    columns = []
    for raw in meta.pop("columns", None) or []:
        if isinstance(raw, str):
            columns.append(Column(raw))
        elif isinstance(raw, dict) and "name" in raw:
            columns.append(Column(str(raw["name"]), str(raw.get("description", "")).strip()))
        else:
            raise _fail(path, f"bad column entry {raw!r}", 1)
    kind = str(meta.pop("kind", "listing"))
    if kind not in KINDS:
        raise _fail(path, f"unknown kind {kind!r} (use {', '.join(KINDS)})", _line_of(head, "kind:"))
    name = str(meta.pop("name", path.stem))
    return NamedQuery(
        name=name,
        title={str(k): str(v) for k, v in title.items()},
        description=str(meta.pop("description", "")).strip(),
        params=params,
        columns=columns,
        sparql=body,
        path=path,
        extra=meta,
        kind=kind,
    )


def _line_of(head: str, key: str) -> int | None:
    """The 1-based line of the header where `key` starts a line (headers start on line 1)."""
    return next((k for k, line in enumerate(head.splitlines(), 1) if line.startswith(key)), None)


class Catalog:
    """All named queries of a directory, by name (sorted)."""

    def __init__(self, queries: list[NamedQuery]) -> None:
        self._by_name = {q.name: q for q in sorted(queries, key=lambda q: q.name)}

    @classmethod
    def load(cls, dir: Path | str = paths.QUERIES_DIR) -> Catalog:  # noqa: A002 - documented API name
        d = Path(dir)
        if not d.is_dir():
            raise KgError(
                f"no query directory at {d}", code="no-queries", file=str(d), status=500, exit_code=2
            )
        return cls([parse_rq(p.read_text(encoding="utf-8"), p) for p in sorted(d.glob("*.rq"))])

    def get(self, name: str) -> NamedQuery:
        """The query called `name`; NotFound (404) naming close matches otherwise."""
        try:
            return self._by_name[name]
        except KeyError:
            close = difflib.get_close_matches(name, list(self._by_name), n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(close)}?" if close else f"; known: {', '.join(self._by_name)}"
            raise NotFound(f"unknown query {name!r}{hint}") from None

    def __getitem__(self, name: str) -> NamedQuery:
        return self.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[NamedQuery]:
        return iter(self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_name)

    def names(self) -> list[str]:
        return list(self._by_name)
