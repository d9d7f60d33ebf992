"""Graph statistics: counts by category, predicate and source.

>>> import networkx as nx
>>> G = nx.MultiDiGraph()
>>> G.add_node("HP:1", category="PhenotypicFeature"); G.add_node("OMIM:1", category="Disease")
>>> _ = G.add_edge("OMIM:1", "HP:1", predicate="has_phenotype", source="hpo")
>>> graph_stats(G)["edges_by_predicate"]
{'has_phenotype': 1}
"""

from __future__ import annotations

from collections import Counter

import networkx as nx

__all__ = ["graph_stats"]


def graph_stats(G: nx.MultiDiGraph) -> dict:
    by_category = Counter(d.get("category", "unknown") for _, d in G.nodes(data=True))
    by_prefix = Counter(n.split(":", 1)[0] for n in G.nodes)
    by_predicate: Counter = Counter()
    by_source: Counter = Counter()
    by_source_predicate: Counter = Counter()
    for _, _, d in G.edges(data=True):
        by_predicate[d.get("predicate", "?")] += 1
        by_source[d.get("source", "?")] += 1
        by_source_predicate[(d.get("source", "?"), d.get("predicate", "?"))] += 1
    diseases_with_phenotypes = len({u for u, _, d in G.edges(data=True) if d.get("predicate") == "has_phenotype"})
    return {
        "version": G.graph.get("version", ""),
        "version_label": G.graph.get("version_label", ""),
        "nodes": G.number_of_nodes(),
        "edges": G.number_of_edges(),
        "nodes_by_category": dict(by_category.most_common()),
        "nodes_by_prefix": dict(by_prefix.most_common()),
        "edges_by_predicate": dict(by_predicate.most_common()),
        "edges_by_source": dict(by_source.most_common()),
        "edges_by_source_and_predicate": {f"{s} {p}": n for (s, p), n in sorted(by_source_predicate.items())},
        "obsolete_terms": sum(1 for _, d in G.nodes(data=True) if d.get("obsolete")),
        "synonyms": sum(len(d.get("synonyms", ())) + len(d.get("lay_synonyms", ())) for _, d in G.nodes(data=True)),
        "diseases_with_phenotypes": diseases_with_phenotypes,
    }
