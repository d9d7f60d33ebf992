"""kg/lookup.py: concept look-up by label and synonym."""

from __future__ import annotations

import pytest

from kg.errors import InputError
from kg.lookup import ConceptIndex, normalise_name
from kg.view import load_view


@pytest.fixture(scope="module")
def index(toy_home):
    return ConceptIndex(load_view(toy_home))


def test_normalise_name():
    assert normalise_name("  Shortness-of_breath,  AND/or ") == "shortness of breath and or"


def test_exact_label_first(index):
    hits = index.search("fever")
    assert hits[0].concept_id == "HP:0001945" and hits[0].exact and hits[0].matched == "Fever"
    assert hits[0].label == "Fever" and hits[0].category == "PhenotypicFeature"


def test_obsolete_terms_are_not_found(index):
    assert "HP:0001954" not in [h.concept_id for h in index.search("fever")]
    assert index.search("recurrent fever") == []


@pytest.mark.parametrize("query, node, matched", [
    ("pyrex", "HP:0001945", "Pyrexia"),                    # synonym prefix
    ("HIGH temperature", "HP:0001945", "High temperature"),  # lay synonym, case-insensitive
    ("trouble breathing", "HP:0002094", "Trouble breathing"),
    ("slender", "HP:0001166", "Long slender fingers"),      # substring
    ("shortness-of-breath", "HP:0002094", "Shortness of breath"),
    ("amoxi", "DRUGBANK:DB01060", "Amoxicillin"),
    ("marfan", "OMIM:154700", "Marfan syndrome"),
])
def test_synonyms_and_substrings(index, query, node, matched):
    hits = index.search(query)
    assert hits and hits[0].concept_id == node and hits[0].matched == matched


def test_one_hit_per_concept_and_limit(index):
    hits = index.search("abnormality", limit=50)
    ids = [h.concept_id for h in hits]
    assert len(ids) == len(set(ids)) >= 4
    assert len(index.search("abnormality", limit=2)) == 2


def test_category_filter(index):
    assert [h.concept_id for h in index.search("pneumonia", category="Disease")] == ["DOID:552"]
    assert [h.concept_id for h in index.search("pneumonia", category="PhenotypicFeature")] == ["HP:0002090"]
    assert index.search("pneumonia", category="Drug") == []


def test_bad_queries(index):
    with pytest.raises(InputError, match="concept query is empty"):
        index.search("  ")
    with pytest.raises(InputError, match="concept query is empty"):
        index.search(None)  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"too long \(501 characters; at most 500\)"):
        index.search("x" * 501)
    assert index.search("zzzz no such thing") == []
