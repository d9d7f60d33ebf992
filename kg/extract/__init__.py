"""Clinical note -> graph concepts: a rule-based spaCy extractor with ConText assertions.

>>> from kg.terms import ConceptTerm
>>> ex = build_extractor([ConceptTerm("HP:0001945", "Fever", "PhenotypicFeature")])
>>> [(f.concept_id, f.negated, f.trigger) for f in ex.extract("No fever.").findings]
[('HP:0001945', True, 'No')]
"""

from kg.extract.context import Assertion
from kg.extract.pipeline import DEFAULT_MAX_CHARS, Extraction, Extractor, build_extractor, check_note
from kg.extract.sections import Section

__all__ = ["build_extractor", "Extractor", "Extraction", "Section", "Assertion", "check_note", "DEFAULT_MAX_CHARS"]
