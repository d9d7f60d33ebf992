"""kg/stats.py: counts on the toy graph, checked against the toy records themselves."""

from __future__ import annotations

from collections import Counter

from kg.stats import graph_stats
from kg.view import load_view


def test_toy_graph_stats(toy_home):
    from tests.toy_graph import toy_sources

    datas = [d for d, _, _ in toy_sources()]
    nodes = {}
    for d in datas:
        for n in d.nodes:
            nodes.setdefault(n.id, n)
    edges = [e for d in datas for e in d.edges]
    endpoints = {x for e in edges for x in (e.subject, e.object)}
    G = load_view(toy_home)
    stats = graph_stats(G)
    assert stats["nodes"] == len(set(nodes) | endpoints)
    assert stats["edges"] == len(edges)
    assert stats["nodes_by_category"] == dict(Counter(n.category.value for n in nodes.values()))
    assert stats["edges_by_predicate"] == dict(Counter(e.predicate.value for e in edges))
    assert stats["edges_by_source"] == {"hpo": sum(e.source == "hpo" for e in edges),
                                        "pharmacotherapydb": 5, "other-source": 1}
    assert stats["edges_by_source_and_predicate"]["other-source treats"] == 1
    assert stats["edges_by_source_and_predicate"]["pharmacotherapydb not_indicated_for"] == 1
    assert stats["nodes_by_prefix"]["DRUGBANK"] == 4 and stats["nodes_by_prefix"]["DOID"] == 1
    assert stats["obsolete_terms"] == 1
    assert stats["synonyms"] == sum(len(n.synonyms) + len(n.lay_synonyms) for n in nodes.values())
    assert stats["diseases_with_phenotypes"] == 4
    assert stats["version"] == G.graph["version"] and "hpo@toy-1" in stats["version_label"]


def test_empty_graph():
    import networkx as nx

    stats = graph_stats(nx.MultiDiGraph())
    assert stats["nodes"] == stats["edges"] == 0
    assert stats["nodes_by_category"] == {} and stats["version"] == ""
