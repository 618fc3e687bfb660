"""What the HTML pages show, read from the store in a worker (one job per page).

IRIs are written into the query text after validation (`_iri`): pyoxigraph 0.5 does not push a
BIND/VALUES constant into the patterns, and an inline IRI is orders of magnitude faster.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pyoxigraph as ox

from kg.errors import KgError
from kg.iris import BASE, PREFIXES

STORE_SHA256 = BASE + "store#sha256"  # bookkeeping triple of kg.store, not shown to users
_BAD = re.compile(r'[\x00-\x20<>"{}|\\^`]')

ROLE_LABELS = {  # gw:Roles, in the order a page lists them
    PREFIXES["gw"] + "lead": ("牵头单位", "lead"),
    PREFIXES["gw"] + "responsible": ("责任单位", "responsible"),
    PREFIXES["gw"] + "cooperating": ("配合单位", "cooperating"),
    PREFIXES["gw"] + "leader": ("责任领导", "leader"),
}


def _iri(iri: str) -> str:
    if not iri or _BAD.search(iri):
        raise KgError(f"not an IRI: {iri!r}", code="bad-parameter")
    return f"<{iri}>"


def _value(term: Any) -> Any:
    if isinstance(term, ox.Literal):
        dt = term.datatype.value
        if dt.endswith("#integer"):
            try:
                return int(term.value)
            except ValueError:
                return term.value
        return term.value
    return None if term is None else term.value


def rows(raw: ox.Store, sparql: str) -> list[dict[str, Any]]:
    """SELECT over the union graph; each row maps variable → plain value (unbound ones missing)."""
    result = raw.query(sparql, use_default_graph_as_union=True, prefixes=PREFIXES)
    names = [v.value for v in result.variables]
    return [{n: _value(s[n]) for n in names if s[n] is not None} for s in result]


def _ask(raw: ox.Store, sparql: str) -> bool:
    return bool(raw.query(sparql, use_default_graph_as_union=True, prefixes=PREFIXES))


def path_key(path: Any) -> tuple[int, ...]:
    """Sort key of a printed task path "2.23" → (2, 23)."""
    parts = re.findall(r"\d+", str(path or ""))
    return tuple(int(p) for p in parts) or (10**9,)


# --- what kind of thing an IRI is -------------------------------------------------------------------

KINDS = [
    ("notice", "gw:Notice"),
    ("task", "gw:Task"),
    ("unit", "gw:Unit"),
    ("group", "gw:UnitGroup"),
    ("notice", "eli:LegalResource"),
]


def resource_kind(raw: ox.Store, iri: str) -> str | None:
    types = {r["t"] for r in rows(raw, f"SELECT DISTINCT ?t WHERE {{ {_iri(iri)} a ?t }}")}
    for kind, curie in KINDS:
        prefix, _, local = curie.partition(":")
        if PREFIXES[prefix] + local in types:
            return kind
    if types or _ask(raw, f"ASK {{ {{ {_iri(iri)} ?p ?o }} UNION {{ ?s ?p {_iri(iri)} }} }}"):
        return "resource"
    if raw.contains_named_graph(ox.NamedNode(iri)):
        return "resource"
    return None


def describe_query(raw: ox.Store, iri: str) -> str:
    """CONSTRUCT of a resource's description: a document's whole graph, otherwise the resource and
    the nodes minted under its IRI (assignments, targets, source selectors ...), two links deep."""
    i = _iri(iri)
    hide = f"FILTER(?p != <{STORE_SHA256}>)"
    if raw.contains_named_graph(ox.NamedNode(iri)):
        return f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {i} {{ ?s ?p ?o }} {hide} }}"
    under = iri + "/"
    return f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{
  {{ {i} ?p ?o . BIND({i} AS ?s) }}
  UNION {{ {i} ?p1 ?s . FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{under}")) ?s ?p ?o }}
  UNION {{ {i} ?p1 ?x . FILTER(isIRI(?x) && STRSTARTS(STR(?x), "{under}"))
          ?x ?p2 ?s . FILTER(isIRI(?s) && STRSTARTS(STR(?s), STR(?x))) ?s ?p ?o }}
  {hide}
}}"""


# --- pages --------------------------------------------------------------------------------------------


def _label(raw: ox.Store, iri: str) -> str | None:
    got = rows(
        raw,
        f"SELECT DISTINCT ?l WHERE {{ {_iri(iri)} skos:prefLabel|eli:id_local|eli:title|dct:title ?l }} LIMIT 1",
    )
    return got[0]["l"] if got else None


def _tasks_of_agent(raw: ox.Store, agent: str) -> list[dict[str, Any]]:
    """Assignments of `agent`, each with its task, notice and (for expanded ones) the group."""
    a = _iri(agent)
    return rows(
        raw,
        f"""SELECT DISTINCT ?task ?path ?text ?role ?group ?groupLabel ?asWritten ?notice ?docId ?year WHERE {{
  ?a gw:agent {a} ; gw:role ?role .
  ?task gw:hasAssignment ?a .
  OPTIONAL {{ ?a gw:expandedFrom ?ga . ?ga gw:agent ?group . OPTIONAL {{ ?group skos:prefLabel ?groupLabel }} }}
  OPTIONAL {{ ?a gw:asWritten ?asWritten }}
  OPTIONAL {{ ?task gw:path ?path }}
  OPTIONAL {{ ?task gw:text ?text }}
  OPTIONAL {{ ?task gw:notice ?notice .
             OPTIONAL {{ ?notice eli:id_local ?docId }} OPTIONAL {{ ?notice gw:docYear ?year }} }}
}}""",
    )


def _by_year_and_role(assignments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """[{year, roles: [{role, label, tasks: [...]}]}], newest year first, roles in gw:Roles order."""
    years: dict[Any, dict[str, list[dict[str, Any]]]] = {}
    for r in assignments:
        years.setdefault(r.get("year"), {}).setdefault(r["role"], []).append(r)
    order = list(ROLE_LABELS)
    out = []
    for year in sorted(years, key=lambda y: (y is None, -(y or 0) if isinstance(y, int) else 0, str(y))):
        roles = []
        for role in sorted(years[year], key=lambda x: order.index(x) if x in order else 99):
            tasks = sorted(
                years[year][role], key=lambda r: (str(r.get("docId", "")), path_key(r.get("path")))
            )
            zh, en = ROLE_LABELS.get(role, (role.rsplit("#", 1)[-1], ""))
            roles.append({"role": role, "label": zh, "en": en, "tasks": tasks})
        out.append(
            {"year": year, "roles": roles, "count": len({t["task"] for role in roles for t in role["tasks"]})}
        )
    return out


def unit_page(raw: ox.Store, iri: str) -> dict[str, Any]:
    i = _iri(iri)
    props = rows(
        raw,
        f"""SELECT DISTINCT ?p ?o ?oLabel WHERE {{ {i} ?p ?o .
      OPTIONAL {{ ?o skos:prefLabel ?oLabel }} }}""",
    )
    groups = rows(
        raw,
        f"""SELECT DISTINCT ?group ?label WHERE {{ ?group gw:member {i} .
      OPTIONAL {{ ?group skos:prefLabel ?label }} }} ORDER BY ?label""",
    )
    members = rows(
        raw,
        f"""SELECT DISTINCT ?member ?label WHERE {{ {i} gw:member ?member .
      OPTIONAL {{ ?member skos:prefLabel ?label }} }} ORDER BY ?label""",
    )
    assignments = _tasks_of_agent(raw, iri)
    return {
        "iri": iri,
        "label": _first(props, "skos:prefLabel") or iri,
        "props": props,
        "groups": groups,
        "members": members,
        "years": _by_year_and_role(assignments),
        "task_count": len({a["task"] for a in assignments}),
    }


def _first(props: list[dict[str, Any]], curie: str) -> Any:
    prefix, _, local = curie.partition(":")
    full = PREFIXES[prefix] + local
    return next((p["o"] for p in props if p["p"] == full), None)


def task_page(raw: ox.Store, iri: str) -> dict[str, Any]:
    i = _iri(iri)
    props = rows(raw, f"SELECT DISTINCT ?p ?o WHERE {{ {i} ?p ?o }}")
    head = rows(
        raw,
        f"""SELECT DISTINCT ?notice ?docId ?docTitle ?section ?sectionNumber ?sectionTitle WHERE {{
  OPTIONAL {{ {i} gw:notice ?notice . OPTIONAL {{ ?notice eli:id_local ?docId }} OPTIONAL {{ ?notice eli:title ?docTitle }} }}
  OPTIONAL {{ {i} gw:section ?section . OPTIONAL {{ ?section gw:printedNumber ?sectionNumber }}
             OPTIONAL {{ ?section dct:title ?sectionTitle }} }}
}} LIMIT 1""",
    )
    assignments = rows(
        raw,
        f"""SELECT DISTINCT ?a ?role ?agent ?agentLabel ?asWritten ?order ?implicit ?via ?viaLabel WHERE {{
  {i} gw:hasAssignment ?a . ?a gw:role ?role ; gw:agent ?agent .
  OPTIONAL {{ ?agent skos:prefLabel ?agentLabel }} OPTIONAL {{ ?a gw:asWritten ?asWritten }}
  OPTIONAL {{ ?a gw:order ?order }} OPTIONAL {{ ?a gw:implicit ?implicit }}
  OPTIONAL {{ ?a gw:expandedFrom ?from . ?from gw:agent ?via . OPTIONAL {{ ?via skos:prefLabel ?viaLabel }} }}
}}""",
    )
    order = list(ROLE_LABELS)
    assignments.sort(
        key=lambda a: (
            order.index(a["role"]) if a["role"] in order else 99,
            "via" in a,
            a.get("order", 0),
            a.get("agentLabel", ""),
        )
    )
    for a in assignments:
        a["roleLabel"] = ROLE_LABELS.get(a["role"], (a["role"], ""))[0]
    targets = rows(
        raw,
        f"""SELECT DISTINCT ?t ?indicator ?low ?high ?unitLabel ?statedValue ?statedUnit ?comparator ?approximate ?text WHERE {{
  {i} gw:hasTarget ?t .
  OPTIONAL {{ ?t gw:indicator ?indicator }} OPTIONAL {{ ?t gw:low ?low }} OPTIONAL {{ ?t gw:high ?high }}
  OPTIONAL {{ ?t gw:unitLabel ?unitLabel }} OPTIONAL {{ ?t gw:statedValue ?statedValue }}
  OPTIONAL {{ ?t gw:statedUnit ?statedUnit }} OPTIONAL {{ ?t gw:comparator ?comparator }}
  OPTIONAL {{ ?t gw:approximate ?approximate }} OPTIONAL {{ ?t gw:text ?text }}
}} ORDER BY ?t""",
    )
    deadlines = rows(
        raw,
        f"""SELECT DISTINCT ?d ?date ?granularity ?text WHERE {{ {i} gw:hasDeadline ?d .
  OPTIONAL {{ ?d time:inXSDDate ?date }} OPTIONAL {{ ?d gw:granularity ?granularity }} OPTIONAL {{ ?d gw:text ?text }}
}} ORDER BY ?date""",
    )
    return {
        "iri": iri,
        "props": props,
        "path": _first(props, "gw:path"),
        "text": _first(props, "gw:text"),
        **(head[0] if head else {}),
        "assignments": assignments,
        "targets": targets,
        "deadlines": deadlines,
        "source": _source(raw, iri),
    }


def _source(raw: ox.Store, item: str) -> dict[str, Any] | None:
    got = rows(
        raw,
        f"""SELECT DISTINCT ?src ?exact ?quote ?line ?start ?end ?notice WHERE {{
  {_iri(item)} gw:source ?src .
  OPTIONAL {{ ?src oa:hasSource ?notice }}
  OPTIONAL {{ ?src oa:hasSelector ?q . ?q a oa:TextQuoteSelector ; oa:exact ?exact }}
  OPTIONAL {{ ?src oa:hasSelector ?pos . ?pos oa:start ?start ; oa:end ?end }}
  OPTIONAL {{ ?src gw:quote ?quote }} OPTIONAL {{ ?src gw:line ?line }}
}} LIMIT 1""",
    )
    return got[0] if got else None


def notice_page(raw: ox.Store, iri: str) -> dict[str, Any]:
    i = _iri(iri)
    props = rows(
        raw,
        f"""SELECT DISTINCT ?p ?o ?oLabel WHERE {{ {i} ?p ?o . FILTER(?p != gw:sourceText && ?p != <{STORE_SHA256}>)
      OPTIONAL {{ ?o skos:prefLabel ?oLabel }} }}""",
    )
    sections = rows(
        raw,
        f"""SELECT DISTINCT ?section ?number ?printed ?title ?report ?reportTitle ?basedOn ?basedOnId WHERE {{
  {i} eli:has_part ?section .
  OPTIONAL {{ ?section gw:number ?number }} OPTIONAL {{ ?section gw:printedNumber ?printed }}
  OPTIONAL {{ ?section dct:title ?title }}
  OPTIONAL {{ ?section gw:decomposes ?report . OPTIONAL {{ ?report eli:title ?reportTitle }} }}
  OPTIONAL {{ ?section gw:basedOn ?basedOn . OPTIONAL {{ ?basedOn eli:id_local ?basedOnId }} }}
}}""",
    )
    tasks = rows(
        raw,
        f"""SELECT DISTINCT ?task ?section ?path ?text WHERE {{
  ?task gw:notice {i} . OPTIONAL {{ ?task gw:section ?section }}
  OPTIONAL {{ ?task gw:path ?path }} OPTIONAL {{ ?task gw:text ?text }} }}""",
    )
    reporting = rows(
        raw,
        f"""SELECT DISTINCT ?section ?due ?to WHERE {{ {i} eli:has_part ?section .
  ?section gw:reporting ?r . OPTIONAL {{ ?r gw:due ?due }} OPTIONAL {{ ?r gw:reportTo ?to }} }} ORDER BY ?due""",
    )
    implements = rows(
        raw,
        f"""SELECT DISTINCT ?notice ?docId ?title ?stored WHERE {{ {i} eli:applies ?notice .
  OPTIONAL {{ ?notice eli:id_local ?docId }} OPTIONAL {{ ?notice eli:title ?title }}
  BIND(EXISTS {{ ?notice a gw:Notice }} AS ?stored) }} ORDER BY ?docId""",
    )
    implemented_by = rows(
        raw,
        f"""SELECT DISTINCT ?notice ?docId ?title WHERE {{ ?notice eli:applies {i} ; a gw:Notice .
  OPTIONAL {{ ?notice eli:id_local ?docId }} OPTIONAL {{ ?notice eli:title ?title }} }} ORDER BY ?docId""",
    )
    text = rows(raw, f"SELECT DISTINCT ?text WHERE {{ {i} gw:sourceText ?text }} LIMIT 1")
    sections.sort(key=lambda s: (s.get("number", 10**9), s["section"]))
    for s in sections:
        s["tasks"] = sorted(
            (t for t in tasks if t.get("section") == s["section"]), key=lambda t: path_key(t.get("path"))
        )
        s["reporting"] = [r for r in reporting if r["section"] == s["section"]]
    loose = sorted(
        (t for t in tasks if t.get("section") not in {s["section"] for s in sections}),
        key=lambda t: path_key(t.get("path")),
    )
    return {
        "iri": iri,
        "props": props,
        "docId": _first(props, "eli:id_local"),
        "title": _first(props, "eli:title"),
        "sections": sections,
        "loose_tasks": loose,
        "task_count": len(tasks),
        "implements": implements,
        "implemented_by": implemented_by,
        "lines": text[0]["text"].splitlines() if text else [],
        "stored": True,
    }


def resource_page(raw: ox.Store, iri: str) -> dict[str, Any]:
    i = _iri(iri)
    out = rows(
        raw,
        f"""SELECT DISTINCT ?p ?o ?oLabel WHERE {{ {i} ?p ?o . FILTER(?p != <{STORE_SHA256}>)
      OPTIONAL {{ ?o skos:prefLabel|eli:id_local ?oLabel }} }} LIMIT 1000""",
    )
    incoming = rows(
        raw,
        f"""SELECT DISTINCT ?s ?p ?sLabel WHERE {{ ?s ?p {i} .
      OPTIONAL {{ ?s skos:prefLabel|eli:id_local|gw:path ?sLabel }} }} LIMIT 1000""",
    )
    return {"iri": iri, "label": _label(raw, iri) or iri, "props": out, "incoming": incoming}


PAGES: dict[str, Callable[[ox.Store, str], dict[str, Any]]] = {
    "unit": unit_page,
    "group": unit_page,
    "task": task_page,
    "notice": notice_page,
    "resource": resource_page,
}


# --- dataset statistics for the service description and VoID ------------------------------------


def dataset_stats(raw: ox.Store) -> dict[str, Any]:
    def count(q: str) -> int:
        got = rows(raw, q)
        return int(got[0]["n"]) if got else 0

    graphs = rows(
        raw,
        f"""SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o FILTER(?p != <{STORE_SHA256}>) }} }}
      GROUP BY ?g ORDER BY ?g""",
    )
    classes = rows(raw, "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY ?c")
    properties = rows(
        raw,
        f"""SELECT ?p (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o FILTER(?p != <{STORE_SHA256}>) }}
      GROUP BY ?p ORDER BY ?p""",
    )
    return {
        "triples": count(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o FILTER(?p != <{STORE_SHA256}>) }}"),
        "subjects": count("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }"),
        "graphs": graphs,
        "classes": classes,
        "properties": properties,
        "notices": count("SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a gw:Notice }"),
        "tasks": count("SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE { ?t a gw:Task }"),
    }
