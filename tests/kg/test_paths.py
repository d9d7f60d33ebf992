"""kg/paths.py: evidence paths up and down the hierarchy and across same_as, every edge real."""

from __future__ import annotations

import networkx as nx
import pytest

from kg.errors import ConceptNotFound
from kg.paths import ancestors_within, annotation_edges, evidence_path, hierarchy_path


def _sub(G, child, parent):
    G.add_edge(child, parent, key=f"s-{child}-{parent}", predicate="subclass_of", source="hpo",
               source_version="2025-01-16", references=())


@pytest.fixture()
def G():
    G = nx.MultiDiGraph()
    _sub(G, "HP:0001945", "HP:0001939")       # Fever -> metabolism abnormality
    _sub(G, "HP:0001939", "HP:0000118")
    _sub(G, "HP:0012735", "HP:0002086")       # Cough -> respiratory abnormality
    _sub(G, "HP:0031245", "HP:0012735")       # Productive cough -> cough
    _sub(G, "HP:0002086", "HP:0000118")
    G.add_edge("SYMP:0000613", "HP:0001945", key="same-1", predicate="same_as", source="links", source_version="1")
    # annotations
    G.add_edge("OMIM:1", "HP:0001939", key="a1", predicate="has_phenotype", source="hpo", source_version="v",
               references=("PMID:1",))     # general term
    G.add_edge("OMIM:2", "HP:0031245", key="a2", predicate="has_phenotype", source="hpo", source_version="v",
               references=("PMID:2",))     # specific term
    G.add_edge("OMIM:3", "HP:0001945", key="a3", predicate="has_phenotype", source="hpo", source_version="v",
               references=("PMID:3",))
    G.add_edge("OMIM:3", "HP:0001945", key="a3b", predicate="has_phenotype", source="other", source_version="w")
    G.add_edge("OMIM:4", "HP:0012735", key="n4", predicate="lacks_phenotype", source="hpo", source_version="v")
    return G


def _check_real(G, path):
    for u, v, key, data in path:
        assert G.has_edge(u, v, key), (u, v, key)
        assert G.edges[u, v, key] is data or G.edges[u, v, key] == data
        assert data.get("source") and data.get("predicate")


def _triples(path):
    return [(u, d["predicate"], v) for u, v, _, d in path]


def test_up_the_hierarchy(G):
    path = evidence_path(G, "HP:0001945", "OMIM:1")
    assert _triples(path) == [("HP:0001945", "subclass_of", "HP:0001939"), ("OMIM:1", "has_phenotype", "HP:0001939")]
    _check_real(G, path)
    assert path[-1][3]["references"] == ("PMID:1",)


def test_down_the_hierarchy(G):
    """The disease is annotated with a more specific term than the finding."""
    path = evidence_path(G, "HP:0002086", "OMIM:2")
    assert _triples(path) == [("HP:0031245", "subclass_of", "HP:0012735"),
                              ("HP:0012735", "subclass_of", "HP:0002086"),
                              ("OMIM:2", "has_phenotype", "HP:0031245")]
    _check_real(G, path)


def test_across_same_as(G):
    path = evidence_path(G, "SYMP:0000613", "OMIM:1")
    assert _triples(path) == [("SYMP:0000613", "same_as", "HP:0001945"),
                              ("HP:0001945", "subclass_of", "HP:0001939"),
                              ("OMIM:1", "has_phenotype", "HP:0001939")]
    _check_real(G, path)
    # same_as is walked in either direction
    G.add_edge("OMIM:5", "SYMP:0000613", key="a5", predicate="has_phenotype", source="do", source_version="1")
    path = evidence_path(G, "HP:0001945", "OMIM:5")
    assert _triples(path) == [("SYMP:0000613", "same_as", "HP:0001945"), ("OMIM:5", "has_phenotype", "SYMP:0000613")]
    _check_real(G, path)


def test_direct_annotation_and_matched(G):
    path = evidence_path(G, "HP:0001945", "OMIM:3")
    assert _triples(path) == [("OMIM:3", "has_phenotype", "HP:0001945")]
    _check_real(G, path)
    assert len(annotation_edges(G, "OMIM:3", "HP:0001945")) == 2   # one per source
    assert evidence_path(G, "HP:0001945", "OMIM:1", matched="HP:0001939")[-1][2] == "a1"
    assert evidence_path(G, "HP:0001945", "OMIM:1", matched="HP:0012735") == []


def test_no_path(G):
    assert evidence_path(G, "HP:0012735", "OMIM:1") == []        # siblings only via the root: not a path
    assert evidence_path(G, "HP:0012735", "OMIM:4") == []        # lacks_phenotype is never support
    assert hierarchy_path(G, "HP:0012735", "HP:0001945") is None
    assert hierarchy_path(G, "HP:0001945", "HP:0001945") == []
    assert hierarchy_path(G, "HP:0031245", "HP:0000118", max_len=2) is None
    assert len(hierarchy_path(G, "HP:0031245", "HP:0000118", max_len=3)) == 3


def test_unknown_nodes(G):
    with pytest.raises(ConceptNotFound, match=r"finding 'HP:9' is not in the graph"):
        evidence_path(G, "HP:9", "OMIM:1")
    with pytest.raises(ConceptNotFound, match=r"disease 'OMIM:9' is not in the graph"):
        evidence_path(G, "HP:0001945", "OMIM:9")
    assert annotation_edges(G, "OMIM:9", "HP:0001945") == []


def test_ancestors_within(G):
    assert ancestors_within(G, "HP:0031245", 2) == {"HP:0012735": 1, "HP:0002086": 2}
    assert ancestors_within(G, "HP:0031245", 5) == {"HP:0012735": 1, "HP:0002086": 2, "HP:0000118": 3}


def test_toy_graph_paths(toy_home):
    from kg.view import load_view

    G = load_view(toy_home)
    path = evidence_path(G, "HP:0000924", "OMIM:154700")      # skeletal abnormality; disease has arachnodactyly etc.
    # the first of the shortest: tall stature (HP:0000098) is a kind of skeletal abnormality
    assert _triples(path) == [("HP:0000098", "subclass_of", "HP:0000924"), ("OMIM:154700", "has_phenotype", "HP:0000098")]
    assert path[-1][3]["frequency"] == "HP:0040281" and path[-1][3]["references"] == ("PMID:1001",)
    _check_real(G, path)
    for u, v, key, data in path:
        assert data["source"] == "hpo" and data["source_version"] == "toy-1" and data["graph"]


def test_annotation_of_an_equivalent_disease(G):
    """The ranker shares annotations across same_as (MONDO exact matches); the path says so."""
    G.add_edge("MONDO:9", "OMIM:1", key="m1", predicate="same_as", source="mondo", source_version="2026-08-04")
    G.add_edge("MONDO:9", "ORPHA:9", key="m2", predicate="same_as", source="mondo", source_version="2026-08-04")
    G.add_edge("ORPHA:9", "HP:0012735", key="o1", predicate="has_phenotype", source="hpo", source_version="v",
               references=("ORPHA:9",))
    path = evidence_path(G, "HP:0031245", "OMIM:1", matched="HP:0012735")
    assert _triples(path) == [("HP:0031245", "subclass_of", "HP:0012735"), ("ORPHA:9", "has_phenotype", "HP:0012735"),
                              ("MONDO:9", "same_as", "ORPHA:9"), ("MONDO:9", "same_as", "OMIM:1")]
    _check_real(G, path)
    # the disease's own annotation wins over an equivalent's
    G.add_edge("OMIM:1", "HP:0012735", key="own", predicate="has_phenotype", source="hpo", source_version="v")
    assert _triples(evidence_path(G, "HP:0012735", "OMIM:1")) == [("OMIM:1", "has_phenotype", "HP:0012735")]
