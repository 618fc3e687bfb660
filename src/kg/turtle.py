"""Reading the project's Turtle files (registry, shapes) with errors that name file and line."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph

from kg.errors import KgError


def parse_turtle_into(graph: Graph, path: Path, *, what: str, status: int = 400) -> None:
    """Parse `path` into `graph`; malformed Turtle raises KgError(code=what) naming file and line."""
    try:
        graph.parse(path, format="turtle")
    except Exception as exc:  # rdflib raises BadSyntax, ValueError, … for bad input
        line = getattr(exc, "lines", None)
        raise KgError(
            f"{what} file is not valid Turtle: {getattr(exc, '_why', None) or exc}",
            code=what,
            file=str(path),
            line=line + 1 if isinstance(line, int) else None,
            status=status,
        ) from None
