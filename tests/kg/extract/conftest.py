"""Shared fixtures for the extractor tests: a tiny hand-made vocabulary (no real data needed)."""

from __future__ import annotations

import pytest

from kg.extract import build_extractor
from kg.extract.abbreviations import load_abbreviations
from kg.extract.values import VALUE_CONCEPTS
from kg.terms import ConceptTerm

P, D = "PhenotypicFeature", "Disease"

TINY_TERMS = [
    ConceptTerm("HP:0001945", "Fever", P, ("Pyrexia",), ("High temperature",)),
    ConceptTerm("HP:0012735", "Cough", P),
    ConceptTerm("HP:0002094", "Dyspnea", P, ("Dyspnoea",), ("Shortness of breath",)),
    ConceptTerm("HP:0100749", "Chest pain", P),
    ConceptTerm("HP:0002315", "Headache", P, (), ("Headaches",)),
    ConceptTerm("HP:0002018", "Nausea", P),
    ConceptTerm("HP:0002013", "Vomiting", P),
    ConceptTerm("HP:0025143", "Chills", P),
    ConceptTerm("HP:0001250", "Seizure", P, ("Epileptic seizure",)),
    ConceptTerm("HP:0000098", "Tall stature", P),
    ConceptTerm("HP:0001166", "Arachnodactyly", P),
    ConceptTerm("HP:0001083", "Ectopia lentis", P),
    ConceptTerm("HP:0000767", "Pectus excavatum", P),
    ConceptTerm("HP:0002647", "Aortic dissection", P),
    ConceptTerm("HP:0002099", "Asthma", P),
    ConceptTerm("HP:0001631", "Atrial septal defect", P, ("ASD",)),
    ConceptTerm("HP:0009777", "Absent thumb", P),
    ConceptTerm("HP:0032316", "Family history", P),
    ConceptTerm("OMIM:154700", "Marfan syndrome", D),
    ConceptTerm("OMIM:999999", "Fever", D),   # same name as HP:0001945: the phenotype must win
    ConceptTerm("HP:9999901", "Ab", P),       # too short: never matched
    ConceptTerm("HP:9999902", "The", P),      # stop word: never matched
]


def _with_table_targets(terms):
    have = {t.concept_id for t in terms}
    extra = {a.concept_id: a.label for a in load_abbreviations() if a.concept_id not in have}
    extra.update({k: v for k, v in VALUE_CONCEPTS.items() if k not in have and k not in extra})
    return terms + [ConceptTerm(cid, label, P) for cid, label in extra.items()]


@pytest.fixture(scope="session")
def tiny_terms():
    return _with_table_targets(list(TINY_TERMS))


@pytest.fixture(scope="session")
def extractor(tiny_terms):
    return build_extractor(tiny_terms)


@pytest.fixture(scope="session")
def by_text(extractor):
    """note -> {mention text (lower case): Finding}"""
    def run(note: str):
        return {f.text.lower(): f for f in extractor.extract(note).findings}
    return run
