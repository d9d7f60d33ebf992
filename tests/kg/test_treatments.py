"""kg/treatments.py on the toy graph: equivalent ids, not_indicated_for, ranking, parent route."""

from __future__ import annotations

import pytest

from kg.treatments import PARENT_DISCOUNT, TreatmentOption, treatment_options
from kg.view import load_view


@pytest.fixture(scope="module")
def G(toy_home):
    return load_view(toy_home)


def test_treats_via_equivalent_id_with_source(G):
    options = treatment_options(G, "OMIM:999001")
    by_drug = {o.drug: o for o in options}
    amox = by_drug["DRUGBANK:DB01060"]
    assert (amox.drug_label, amox.predicate, amox.via, amox.via_disease) == ("Amoxicillin", "treats", "equivalent", "DOID:552")
    assert (amox.source, amox.source_version) == ("pharmacotherapydb", "toy-1.0")
    assert amox.evidence == {"n_curators": "2"}
    assert amox.note == "linked to the equivalent id DOID:552"
    assert amox.score == 1.0
    # asking with the equivalent id itself gives the same drugs, now via "self"
    self_opts = treatment_options(G, "DOID:552")
    assert [o.drug for o in self_opts] == [o.drug for o in options]
    assert {o.via for o in self_opts} == {"self"} and self_opts[0].note == ""


def test_not_indicated_drug_never_appears(G):
    """Ciprofloxacin: not_indicated_for from pharmacotherapydb, though 'other-source' says treats."""
    assert any(d["predicate"] == "treats" and d["source"] == "other-source"
               for u, _, d in G.in_edges("DOID:552", data=True) if u == "DRUGBANK:DB00537")
    for disease in ("OMIM:999001", "DOID:552"):
        assert "DRUGBANK:DB00537" not in [o.drug for o in treatment_options(G, disease)]


def test_ameliorates_ranks_below_treats(G):
    options = treatment_options(G, "OMIM:999001", probability=0.8)
    assert [(o.drug_label, o.predicate, o.score) for o in options] == [
        ("Amoxicillin", "treats", 0.8), ("Doxycycline", "treats", 0.8), ("Acetaminophen", "ameliorates", 0.4)]
    assert all(isinstance(o, TreatmentOption) for o in options)


def test_parent_route_is_labelled(G):
    H = G.copy()
    H.add_node("DOID:0000001", label="Toy lobar pneumonia", category="Disease")
    H.add_edge("DOID:0000001", "DOID:552", key="sub", predicate="subclass_of", source="disease-ontology",
               source_version="x")
    options = treatment_options(H, "DOID:0000001", probability=1.0)
    assert [o.drug_label for o in options] == ["Amoxicillin", "Doxycycline", "Acetaminophen"]
    amox = options[0]
    assert (amox.via, amox.via_disease, amox.via_disease_label) == ("parent", "DOID:552", "pneumonia")
    assert amox.note == "indicated for pneumonia"
    assert amox.score == PARENT_DISCOUNT
    assert "DRUGBANK:DB00537" not in [o.drug for o in options]   # blocked on the parent, too
    assert treatment_options(H, "DOID:0000001", include_parents=False) == []


def test_no_treatments(G):
    assert treatment_options(G, "OMIM:154700") == []        # a disease without treatment edges
    assert treatment_options(G, "OMIM:0000000") == []       # not in the graph


def test_equivalent_drug_ids_count_once(G):
    H = G.copy()
    H.add_node("RXNORM:723", label="amoxicillin", category="Drug")
    H.add_edge("RXNORM:723", "DRUGBANK:DB01060", key="sa", predicate="same_as", source="links", source_version="1")
    H.add_edge("RXNORM:723", "OMIM:999001", key="t", predicate="treats", source="labeledin", source_version="1")
    options = treatment_options(H, "OMIM:999001")
    labels = [o.drug_label.lower() for o in options]
    assert labels.count("amoxicillin") == 1


def test_equivalent_of_a_blocked_drug_is_blocked(G):
    # a fresh copy: kg.paths caches its same_as/subclass_of index per graph object
    H = G.copy()
    H.add_node("RXNORM:2551", label="ciprofloxacin", category="Drug")
    H.add_edge("RXNORM:2551", "DRUGBANK:DB00537", key="sb", predicate="same_as", source="links", source_version="1")
    H.add_edge("RXNORM:2551", "OMIM:999001", key="t2", predicate="treats", source="labeledin", source_version="1")
    assert "RXNORM:2551" not in [o.drug for o in treatment_options(H, "OMIM:999001")]
