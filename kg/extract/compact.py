"""A view of a ``Doc`` without its whitespace tokens, for phrase matching across extra spaces.

Notes pad words with runs of spaces and wrap lines mid-phrase ("shortness of\\nbreath");
spaCy keeps those as whitespace tokens, which would break a multi-word phrase match.

>>> from kg.extract.tokenizer import make_nlp
>>> doc = make_nlp().make_doc("bowel   distention")
>>> cdoc, index = without_spaces(doc)
>>> [t.text for t in cdoc], index
(['bowel', 'distention'], [0, 2])
>>> to_doc_span(index, 0, 2)
(0, 3)
"""

from __future__ import annotations

from spacy.tokens import Doc

__all__ = ["without_spaces", "to_doc_span"]


def without_spaces(doc: Doc) -> tuple[Doc, list[int] | None]:
    """(doc without whitespace tokens, original index of each kept token), or (doc, None) if none."""
    index = [i for i, t in enumerate(doc) if not t.is_space]
    if len(index) == len(doc):
        return doc, None
    return Doc(doc.vocab, words=[doc[i].text for i in index]), index


def to_doc_span(index: list[int] | None, start: int, end: int) -> tuple[int, int]:
    """A (start, end) token span of the compact doc as a span of the original doc."""
    if index is None:
        return start, end
    return index[start], index[end - 1] + 1
