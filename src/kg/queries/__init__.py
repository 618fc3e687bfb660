"""Named queries: the catalogue of queries/*.rq, parameter resolution and binding, result tables.

    >>> from kg.queries import Catalog, run_named
    >>> catalog = Catalog.load()                      # queries/*.rq
    >>> nq = catalog.get("unit-tasks")
    >>> table = run_named(store, nq, {"unit": "伏羲山管委会"})
    >>> print(table.to_csv(bom=True))

See queries/README.md for the header format and the parameter types.
"""

from kg.queries.cache import forget, resolver_for
from kg.queries.catalog import PARAM_TYPES, Catalog, Column, NamedQuery, Param, parse_rq
from kg.queries.resolve import Resolver
from kg.queries.run import bind, check_values, render_named, run_named
from kg.queries.table import Table, cell_text, display_width, term_value

__all__ = [
    "Catalog",
    "NamedQuery",
    "Param",
    "Column",
    "PARAM_TYPES",
    "parse_rq",
    "Resolver",
    "resolver_for",
    "forget",
    "bind",
    "check_values",
    "render_named",
    "run_named",
    "Table",
    "cell_text",
    "display_width",
    "term_value",
]
