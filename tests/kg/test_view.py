"""kg/view.py: the view from the records (build-time base cache) equals the view parsed from the store."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from kg.errors import GraphNotBuilt, InputError
from kg.records import Edge, Node
from kg.rdf import edge_quads, node_quads
from kg.store import GraphInfo, GraphStore, guideline_graph_iri, open_store
from kg.view import graph_dir_of, load_view, view_from_store
from kg.vocab import Category, Predicate

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hpo"


def _edges(G):
    return {(u, v, k): d for u, v, k, d in G.edges(keys=True, data=True)}


def assert_same_view(G, H):
    assert sorted(G.nodes) == sorted(H.nodes)
    for n in G.nodes:
        assert G.nodes[n] == H.nodes[n], n
    eg, eh = _edges(G), _edges(H)
    assert eg.keys() == eh.keys()
    for k in eg:
        assert eg[k] == eh[k], k
    assert G.graph == H.graph


def _cache(home) -> Path:
    (path,) = sorted(home.graph.glob("view-base-*.pickle"))
    return path


def _store_view(home):
    store = open_store(home.graph)
    try:
        return view_from_store(store)
    finally:
        store.close()


def test_records_route_equals_store_route_toy(toy_home):
    with open(_cache(toy_home), "rb") as fh:
        from_records = pickle.load(fh)
    assert_same_view(from_records, _store_view(toy_home))


def test_records_route_equals_store_route_hpo_fixture(tmp_path):
    """Real loader output (qualifiers, obsolete terms, alt ids, lay synonyms) through both routes."""
    from kg.build import write_store
    from kg.config import Home
    from kg.sources.hpo import HPO, parse_hpo

    data = parse_hpo({"hp.obo": FIXTURES / "hp_small.obo", "phenotype.hpoa": FIXTURES / "phenotype_small.hpoa"})
    home = Home(tmp_path / "home").ensure()
    write_store(home, [(data, HPO.license, HPO.citation)])
    with open(_cache(home), "rb") as fh:
        from_records = pickle.load(fh)
    from_store = _store_view(home)
    assert_same_view(from_records, from_store)
    fever = from_store.nodes["HP:0001945"]
    assert fever["alt_ids"] == ("HP:0001954",) and fever["lay_synonyms"] == ("High temperature",)
    assert from_store.graph["aliases"] == {"HP:0001954": "HP:0001945", "HP:0100000": "HP:0012735"}
    (hist,) = [d for _, _, d in from_store.edges(data=True) if d.get("aspect") == "H"]
    assert hist["references"] == ("PMID:1003", "PMID:1004") and hist["frequency"] == "1/2"


def test_view_attributes(toy_home):
    G = load_view(toy_home)
    assert G.nodes["HP:0001945"] == {"category": "PhenotypicFeature", "source": "hpo", "label": "Fever",
                                     "synonyms": ("Pyrexia",), "lay_synonyms": ("High temperature",)}
    assert G.nodes["HP:0001954"]["obsolete"] is True and G.nodes["HP:0001954"]["replaced_by"] == "HP:0001945"
    (d,) = [d for _, _, d in G.edges("OMIM:154700", data=True) if d["predicate"] == "lacks_phenotype"]
    assert d == {"predicate": "lacks_phenotype", "source": "hpo", "source_version": "toy-1",
                 "references": ("OMIM:154700",), "graph": "urn:medkg:source:hpo:toy-1"}
    assert [s["name"] for s in G.graph["sources"]] == ["hpo", "pharmacotherapydb"]
    assert G.graph["sources"][0]["license"] == "toy licence (test data)"
    store = open_store(toy_home.graph)
    try:
        assert G.graph["version"] == store.version().hash
        assert G.graph["version_label"] == store.version().label
    finally:
        store.close()


def test_graph_dir_of_accepts_home_path_str_and_graph_dir(toy_home):
    expected = toy_home.root / "graph"
    assert graph_dir_of(toy_home) == expected
    assert graph_dir_of(toy_home.root) == expected            # a Path (which has .root == "/")
    assert graph_dir_of(str(toy_home.root)) == expected
    assert graph_dir_of(toy_home.graph) == expected


def test_load_view_accepts_path_and_str(toy_home):
    assert load_view(toy_home.root).graph["version"] == load_view(str(toy_home.root)).graph["version"]


def test_load_view_uses_the_cache(fresh_toy_home, monkeypatch):
    import kg.view

    expected = load_view(fresh_toy_home)
    cache = _cache(fresh_toy_home)

    def boom(*a, **k):
        raise AssertionError("view_from_store must not run when the cache is there")

    monkeypatch.setattr(kg.view, "view_from_store", boom)
    assert_same_view(load_view(fresh_toy_home), expected)
    monkeypatch.undo()
    # no cache: rebuilt from the store, same graph, cache written again
    cache.unlink()
    rebuilt = load_view(fresh_toy_home)
    assert_same_view(rebuilt, expected)
    assert _cache(fresh_toy_home) == cache
    # use_cache=False neither reads nor writes it
    cache.unlink()
    assert_same_view(load_view(fresh_toy_home, use_cache=False), expected)
    assert not list(fresh_toy_home.graph.glob("view-base-*.pickle"))


def test_unreadable_cache_is_ignored(fresh_toy_home):
    expected = load_view(fresh_toy_home)
    cache = _cache(fresh_toy_home)
    cache.write_bytes(b"not a pickle")
    assert_same_view(load_view(fresh_toy_home), expected)


def test_load_view_unknown_version_lists_versions(toy_home):
    store = open_store(toy_home.graph)
    try:
        known = store.history()[-1].version
    finally:
        store.close()
    with pytest.raises(InputError, match=rf"graph version 'deadbeef' is not in the history; known versions: {known}"):
        load_view(toy_home, version="deadbeef")


def test_load_view_not_built(tmp_path):
    with pytest.raises(GraphNotBuilt, match="run `medkg build`"):
        load_view(tmp_path)


def test_guideline_graph_laid_over_the_cache_and_earlier_versions(fresh_toy_home):
    base = load_view(fresh_toy_home)
    v0 = base.graph["version"]
    g = guideline_graph_iri("toy-guideline", "1")
    lines = node_quads(Node("HP:0001945", Category.PHENOTYPIC_FEATURE, "Fever", "guideline",
                            synonyms=("Febrile",)), g)
    lines += edge_quads(Edge("DRUGBANK:DB00316", Predicate.TREATS, "OMIM:999001", "guideline:toy-guideline", "1",
                             ("PMID:42",)), g)
    store = open_store(fresh_toy_home.graph, read_only=False)
    try:
        v1 = store.transaction(add={g: lines}, new_graphs=[GraphInfo(g, "guideline", "toy-guideline", "1", "h1",
                                                                      len(lines), True)],
                               action="apply", detail="toy")
    finally:
        store.close()
    G = load_view(fresh_toy_home)
    assert G.graph["version"] == v1.hash != v0
    assert "Febrile" in G.nodes["HP:0001945"]["synonyms"] and "Pyrexia" in G.nodes["HP:0001945"]["synonyms"]
    assert G.nodes["HP:0001945"]["label"] == "Fever" and G.nodes["HP:0001945"]["source"] == "hpo"
    treats = [d for _, _, d in G.in_edges("OMIM:999001", data=True) if d["predicate"] == "treats"]
    assert [d["graph"] for d in treats] == [g]
    assert G.graph["sources"][-1]["kind"] == "guideline"
    # equals the store route end to end
    assert_same_view(G, load_view(fresh_toy_home, use_cache=False))
    # the earlier version is still there
    old = load_view(fresh_toy_home, version=v0)
    assert old.graph["version"] == v0
    assert_same_view(old, base)


def test_records_route_equals_store_route_multi_source(tmp_path):
    """Several sources defining the same nodes (first source keeps label, names are merged)."""
    from kg.build import build_graph
    from kg.config import GraphConfig, Home

    home = Home(tmp_path / "home")
    names = ("disease-ontology", "symptom-ontology", "do-disease-symptom", "pharmacotherapydb", "labeledin", "mondo")
    build_graph(home, GraphConfig(sources=names, mirror=str(FIXTURES.parent / "kg-sources")))
    with open(_cache(home), "rb") as fh:
        from_records = pickle.load(fh)
    from_store = _store_view(home)
    assert_same_view(from_records, from_store)
    multi = [n for n, d in from_store.nodes(data=True)
             if len({g for _, _, g in from_store.edges(n, data="graph")} | {g for _, _, g in from_store.in_edges(n, data="graph")}) > 1]
    assert multi  # some nodes are touched by several sources' graphs
