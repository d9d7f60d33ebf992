"""kg/records.py: deterministic edge ids, qualifier checks, frequency values."""

from __future__ import annotations

import pytest

from kg.records import HPO_FREQUENCY, Edge, Node, frequency_value
from kg.vocab import Category, Predicate


def _edge(**kw) -> Edge:
    base = dict(subject="OMIM:154700", predicate=Predicate.HAS_PHENOTYPE, object="HP:0001166", source="hpo",
                source_version="2025-01-16", references=("PMID:1",), qualifiers=(("frequency", "HP:0040281"),))
    base.update(kw)
    return Edge(**base)


def test_edge_id_is_deterministic():
    assert _edge().id == _edge().id
    assert len(_edge().id) == 24 and int(_edge().id, 16) >= 0


@pytest.mark.parametrize("change", [
    {"subject": "OMIM:154701"}, {"object": "HP:0001167"}, {"predicate": Predicate.LACKS_PHENOTYPE},
    {"source": "other"}, {"source_version": "2025-03-03"}, {"references": ("PMID:2",)},
    {"references": ()}, {"qualifiers": (("frequency", "HP:0040282"),)}, {"qualifiers": ()},
])
def test_edge_id_changes_with_any_field(change):
    assert _edge(**change).id != _edge().id


def test_predicate_given_as_text_is_coerced_and_checked():
    assert _edge(predicate="has_phenotype").predicate is Predicate.HAS_PHENOTYPE
    assert _edge(predicate="has_phenotype").id == _edge().id
    with pytest.raises(ValueError, match="not a valid Predicate"):
        _edge(predicate="has_phenotyp")


def test_unknown_qualifier_rejected():
    with pytest.raises(ValueError, match=r"unknown edge qualifier 'freq'; valid: frequency, onset"):
        _edge(qualifiers=(("freq", "1/2"),))


def test_qualifier_and_to_dict():
    e = _edge(qualifiers=(("frequency", "3/4"), ("evidence", "PCS")))
    assert e.qualifier("frequency") == "3/4"
    assert e.qualifier("onset") == ""
    assert e.qualifier("onset", "n/a") == "n/a"
    assert e.to_dict() == {"subject": "OMIM:154700", "predicate": "has_phenotype", "object": "HP:0001166",
                           "source": "hpo", "source_version": "2025-01-16", "references": ["PMID:1"],
                           "frequency": "3/4", "evidence": "PCS"}


def test_records_are_frozen():
    n = Node("HP:0001945", Category.PHENOTYPIC_FEATURE, "Fever", "hpo")
    with pytest.raises(AttributeError):
        n.label = "x"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        _edge().subject = "x"  # type: ignore[misc]


@pytest.mark.parametrize("raw, value", [
    ("3/4", 0.75), ("1/3", 0.3333), ("5/4", 1.0), ("0/7", 0.0), ("1/0", None),
    ("25%", 0.25), ("100%", 1.0), ("150%", 1.0), ("-5%", 0.0), ("12.5%", 0.125),
    ("HP:0040280", 1.0), ("HP:0040281", 0.895), ("HP:0040282", 0.545), ("HP:0040283", 0.17),
    ("HP:0040284", 0.025), ("HP:0040285", 0.0), (" HP:0040283 ", 0.17),
    ("", None), (None, None), ("often", None), ("a/b", None), ("x%", None), ("HP:0001945", None),
])
def test_frequency_value(raw, value):
    assert frequency_value(raw) == value


def test_every_hpo_frequency_term_is_a_probability():
    assert all(0.0 <= v <= 1.0 for v in HPO_FREQUENCY.values())
    assert len(HPO_FREQUENCY) == 6
