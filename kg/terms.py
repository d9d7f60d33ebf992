"""Concept terms: what text matching needs to know about each concept of the graph.

The extractor's matcher and the concept look-up are built from these, never from
the raw sources, so any source that adds labels or synonyms to the graph is matched.

>>> from kg.records import Node
>>> from kg.vocab import Category
>>> n = Node("HP:0001945", Category.PHENOTYPIC_FEATURE, "Fever", "hpo", synonyms=("Pyrexia",), lay_synonyms=("High temperature",))
>>> t = terms_from_nodes([n])[0]
>>> t.all_names
('Fever', 'Pyrexia', 'High temperature')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import networkx as nx

from kg.records import Node

__all__ = ["ConceptTerm", "terms_from_nodes", "terms_from_graph", "MATCHABLE_CATEGORIES"]

# Categories whose names are looked for in notes.
MATCHABLE_CATEGORIES = ("PhenotypicFeature", "Disease", "Drug")


@dataclass(frozen=True)
class ConceptTerm:
    concept_id: str
    label: str
    category: str                      # a kg.vocab.Category value
    synonyms: tuple[str, ...] = ()
    lay_synonyms: tuple[str, ...] = ()

    @property
    def all_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((self.label, *self.synonyms, *self.lay_synonyms)))


def terms_from_nodes(nodes: Iterable[Node], categories: Iterable[str] = MATCHABLE_CATEGORIES) -> list[ConceptTerm]:
    """Terms of the non-obsolete nodes in the given categories."""
    wanted = set(categories)
    return [
        ConceptTerm(n.id, n.label, n.category.value, n.synonyms, n.lay_synonyms)
        for n in nodes
        if not n.obsolete and n.label and n.category.value in wanted
    ]


def terms_from_graph(G: nx.MultiDiGraph, categories: Iterable[str] = MATCHABLE_CATEGORIES) -> list[ConceptTerm]:
    """Terms of the non-obsolete nodes of a graph view in the given categories."""
    wanted = set(categories)
    out = []
    for node_id, data in G.nodes(data=True):
        if data.get("obsolete") or not data.get("label") or data.get("category") not in wanted:
            continue
        out.append(ConceptTerm(node_id, data["label"], data["category"],
                               tuple(data.get("synonyms", ())), tuple(data.get("lay_synonyms", ()))))
    return out
