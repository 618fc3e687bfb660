"""Query results as a plain table, and its formats: CSV (optionally with a BOM for Excel), TSV,
JSON and an aligned terminal table that counts CJK characters as two columns.

Cells hold Python values converted from RDF terms: xsd integers → int, xsd:decimal → Decimal
(printed as a plain decimal: 600000000, never 6E+8), xsd:boolean → bool, IRIs and other literals
→ str, unbound → None.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import pyoxigraph as ox

XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGER_TYPES = {
    XSD + t
    for t in (
        "integer",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    )
}
_FLOAT_TYPES = {XSD + "double", XSD + "float"}

Cell = str | int | Decimal | float | bool | None


def term_value(term: Any) -> Cell:
    """A pyoxigraph term as a Python value (see module docstring)."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    if isinstance(term, ox.Literal):
        dtype = term.datatype.value
        try:
            if dtype in _INTEGER_TYPES:
                return int(term.value)
            if dtype == XSD + "decimal":
                return Decimal(term.value)
            if dtype in _FLOAT_TYPES:
                return float(term.value)
        except (ValueError, InvalidOperation):
            return term.value  # ill-typed literal: show it as written
        if dtype == XSD + "boolean":
            return term.value in ("true", "1")
        return term.value
    return str(term)


def plain_decimal(d: Decimal) -> str:
    """600000000 not 6E+8; 5300 not 5300.0; 0.5 not 0.50."""
    if not d.is_finite():
        return str(d)
    text = format(d.normalize(), "f")
    return "0" if text in ("-0", "") else text


def cell_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return plain_decimal(value)
    if isinstance(value, float):
        return (
            plain_decimal(Decimal(repr(value)))
            if value == value and abs(value) != float("inf")
            else repr(value)
        )
    return str(value)


def _json_value(value: Cell) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def display_width(text: str) -> int:
    """Terminal columns: East Asian wide and full-width characters take two."""
    return sum(
        2 if unicodedata.east_asian_width(ch) in ("W", "F") else 0 if unicodedata.combining(ch) else 1
        for ch in text
    )


def _fit(text: str, width: int) -> str:
    """Cut `text` to at most `width` terminal columns, marking the cut with …."""
    if display_width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = display_width(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


@dataclass
class Table:
    """Column names and rows of Python values."""

    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)

    @classmethod
    def from_solutions(cls, solutions: ox.QuerySolutions) -> Table:
        names = [v.value for v in solutions.variables]
        return cls(names, [[term_value(sol[i]) for i in range(len(names))] for sol in solutions])

    def __len__(self) -> int:
        return len(self.rows)

    def dicts(self) -> list[dict[str, Cell]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def column(self, name: str) -> list[Cell]:
        k = self.columns.index(name)
        return [row[k] for row in self.rows]

    def text_rows(self) -> Iterable[list[str]]:
        return ([cell_text(v) for v in row] for row in self.rows)

    def to_csv(self, bom: bool = False) -> str:
        """RFC 4180 CSV with a header row; `bom=True` prefixes U+FEFF so Excel reads UTF-8."""
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(self.columns)
        writer.writerows(self.text_rows())
        return ("\ufeff" if bom else "") + buf.getvalue()

    def to_tsv(self) -> str:
        """Tab-separated with a header row; tabs, newlines and backslashes in cells escaped as \\t \\n \\\\."""

        def esc(s: str) -> str:
            return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")

        lines = ["\t".join(esc(c) for c in self.columns)]
        lines += ["\t".join(esc(c) for c in row) for row in self.text_rows()]
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        """`{"columns": [...], "rows": [{column: value}, ...]}` with JSON-native values."""
        return {
            "columns": list(self.columns),
            "rows": [
                {c: _json_value(v) for c, v in zip(self.columns, row, strict=True)} for row in self.rows
            ],
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent) + "\n"

    def to_text(self, max_width: int | None = None) -> str:
        """Aligned columns for a terminal (CJK counted double); cells cut to `max_width` columns."""
        rows = [list(self.columns)] + [list(r) for r in self.text_rows()]
        if max_width:
            rows = [[_fit(c, max_width) for c in row] for row in rows]
        for row in rows:
            for k, c in enumerate(row):
                row[k] = c.replace("\n", " ")
        widths = [max(display_width(r[k]) for r in rows) for k in range(len(self.columns))]

        def line(cells: list[str]) -> str:
            return "  ".join(
                c + " " * (w - display_width(c)) for c, w in zip(cells, widths, strict=True)
            ).rstrip()

        out = [line(rows[0]), "  ".join("-" * w for w in widths)]
        out += [line(r) for r in rows[1:]]
        out.append(f"({len(self.rows)} row{'s' if len(self.rows) != 1 else ''})")
        return "\n".join(out) + "\n"
