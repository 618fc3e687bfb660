"""kg.model.Notice + Registry -> rdflib.Graph of one document (incl. group expansion)."""

from kg.graph.build import build_graph

__all__ = ["build_graph"]
