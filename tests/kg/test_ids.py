"""kg/ids.py: alt ids and obsolete ids resolve to the current term; same_as classes."""

from __future__ import annotations

import networkx as nx
import pytest

from kg.errors import ConceptNotFound
from kg.ids import build_alias_table, canonical, equivalents, resolve, try_resolve


@pytest.fixture()
def G():
    G = nx.MultiDiGraph()
    G.add_node("HP:0001945", label="Fever", alt_ids=("HP:0001954", "HP:0005555"))
    G.add_node("HP:0001954", label="obsolete Recurrent fever", obsolete=True, replaced_by="HP:0001945")
    G.add_node("HP:0100000", label="obsolete chain", obsolete=True, replaced_by="HP:0001954")
    G.add_node("HP:0200000", label="obsolete, no replacement", obsolete=True)
    G.add_node("SYMP:0000613", label="fever")
    G.add_node("UMLS:C0015967", label="Fever")
    G.add_node("OMIM:154700", label="Marfan syndrome")
    G.add_node("MONDO:0007947", label="Marfan syndrome")
    G.add_node("ORPHA:558", label="Marfan syndrome")
    G.add_node("DOID:14323", label="Marfan syndrome")
    G.add_node("DRUGBANK:DB00678", label="Losartan")
    G.add_edge("SYMP:0000613", "HP:0001945", predicate="same_as")
    G.add_edge("UMLS:C0015967", "SYMP:0000613", predicate="same_as")
    G.add_edge("MONDO:0007947", "OMIM:154700", predicate="same_as")
    G.add_edge("MONDO:0007947", "ORPHA:558", predicate="same_as")
    G.add_edge("DOID:14323", "ORPHA:558", predicate="same_as")
    G.add_edge("DRUGBANK:DB00678", "OMIM:154700", predicate="treats")  # not an equivalence
    G.add_edge("OMIM:154700", "HP:0001945", predicate="has_phenotype")
    G.graph["aliases"] = build_alias_table(G)
    return G


def test_alias_table(G):
    assert G.graph["aliases"] == {"HP:0001954": "HP:0001945", "HP:0005555": "HP:0001945",
                                  "HP:0100000": "HP:0001954"}


@pytest.mark.parametrize("given, node", [
    ("HP:0001945", "HP:0001945"),
    ("HP:0005555", "HP:0001945"),       # alt_id only (no node of its own)
    ("HP:0001954", "HP:0001945"),       # obsolete node, replaced_by (and also an alt id)
    ("HP:0100000", "HP:0001945"),       # obsolete -> obsolete -> current
    ("hp:0001945", "HP:0001945"),       # prefix spelling normalised
    ("Orphanet:558", "ORPHA:558"),
    ("MIM:154700", "OMIM:154700"),
    (" HP:0001945 ", "HP:0001945"),
    ("HP:0200000", "HP:0200000"),       # obsolete without a replacement is still itself
])
def test_resolve(G, given, node):
    assert resolve(G, given) == node
    assert try_resolve(G, given) == node


@pytest.mark.parametrize("given", ["HP:9999999", "fever", "", "OMIM:1"])
def test_unknown_raises_concept_not_found_naming_the_id(G, given):
    assert try_resolve(G, given) is None
    with pytest.raises(ConceptNotFound, match=rf"concept '{given}' is not in the graph \(11 nodes\); search labels"):
        resolve(G, given)


def test_concept_not_found_is_a_key_error_with_a_clean_message(G):
    with pytest.raises(KeyError) as info:
        resolve(G, "HP:9999999")
    assert str(info.value).startswith("concept 'HP:9999999'")


def test_alias_cycle_terminates():
    G = nx.MultiDiGraph()
    G.add_node("HP:1", obsolete=True, replaced_by="HP:2")
    G.add_node("HP:2", obsolete=True, replaced_by="HP:1")
    G.graph["aliases"] = build_alias_table(G)
    assert try_resolve(G, "HP:1") in ("HP:1", "HP:2")


def test_same_as_closure_both_directions(G):
    fever = {"HP:0001945", "SYMP:0000613", "UMLS:C0015967"}
    for member in fever:
        assert equivalents(G, member) == fever
    marfan = {"OMIM:154700", "MONDO:0007947", "ORPHA:558", "DOID:14323"}
    assert equivalents(G, "DOID:14323") == marfan        # two hops through MONDO
    assert equivalents(G, "MIM:154700") == marfan        # an equivalent id spelt differently
    assert equivalents(G, "HP:0001954") == fever         # obsolete id resolves first
    assert equivalents(G, "DRUGBANK:DB00678") == {"DRUGBANK:DB00678"}  # treats is not an equivalence
    with pytest.raises(ConceptNotFound):
        equivalents(G, "HP:9999999")


def test_canonical_by_prefix(G):
    assert canonical(G, "UMLS:C0015967") == "HP:0001945"
    assert canonical(G, "MONDO:0007947") == "OMIM:154700"


def test_toy_graph_obsolete_id(toy_home):
    from kg.view import load_view

    G = load_view(toy_home)
    assert resolve(G, "HP:0001954") == "HP:0001945"
    assert equivalents(G, "OMIM:999001") == {"OMIM:999001", "DOID:552"}
    with pytest.raises(ConceptNotFound, match="HP:9999999"):
        resolve(G, "HP:9999999")
