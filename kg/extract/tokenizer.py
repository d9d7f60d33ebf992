"""The blank English pipeline the extractor runs on, with a tokenizer that survives notes.

spaCy's English tokenizer rules plus special cases for clinical abbreviations written
with dots or slashes (``b.i.d.``, ``y.o.``, ``h/o``, ``s/p``), so their dots do not end a
sentence and their slashes do not split them, and :func:`kg.extract.normalise.normalise`
installed as the lexeme ``NORM`` so the matcher can compare on it.

>>> nlp = make_nlp()
>>> [t.text for t in nlp.make_doc("45 y.o. F, h/o HTN, takes ASA p.o. b.i.d.")]
['45', 'y.o.', 'F', ',', 'h/o', 'HTN', ',', 'takes', 'ASA', 'p.o.', 'b.i.d.']
>>> [t.norm_ for t in nlp.make_doc("Seizures")]
['seizur']
"""

from __future__ import annotations

import spacy
from spacy.attrs import NORM, ORTH
from spacy.language import Language

from kg.extract.normalise import normalise

__all__ = ["make_nlp", "SPECIAL_CASES"]

# Clinical abbreviations kept as one token (each also in upper and title case).
SPECIAL_CASES = (
    "b.i.d.", "t.i.d.", "q.i.d.", "q.d.", "q.h.s.", "h.s.", "p.o.", "p.r.n.", "i.v.", "i.m.", "s.c.",
    "y.o.", "y/o", "yo.", "h/o", "s/p", "r/o", "c/o", "w/o", "w/", "n/v", "f/u", "a/p", "a&p",
    "pt.", "pts.", "approx.", "hx.", "dx.", "tx.", "rx.", "sx.", "fx.", "yrs.", "wks.", "hrs.",
    "mos.", "min.", "max.", "temp.", "resp.", "abd.", "ext.", "neg.", "pos.", "sig.", "no.", "vs.",
    "etc.", "cf.", "ca.", "e.g.", "i.e.", "a.m.", "p.m.", "u.s.", "dr.", "mr.", "mrs.", "ms.",
)


_TITLES = frozenset({"mr.", "mrs.", "ms.", "dr."})


def make_nlp() -> Language:
    """A blank English ``Language`` with the clinical tokenizer and the matcher's NORM."""
    nlp = spacy.blank("en")
    nlp.vocab.lex_attr_getters[NORM] = normalise
    for lex in nlp.vocab:  # lexemes made before the getter was installed
        lex.norm_ = normalise(lex.orth_)
    for case in SPECIAL_CASES:
        # "MS." and "MR." in upper case are abbreviations (mitral stenosis/regurgitation), not titles
        forms = {case, case.capitalize()} if case in _TITLES else {case, case.upper(), case.capitalize()}
        for form in forms:
            nlp.tokenizer.add_special_case(form, [{ORTH: form}])
    return nlp
