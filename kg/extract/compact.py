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

__all__ = ["without_spaces", "to_doc_span", "doc_text", "release", "TEXT_KEY"]

TEXT_KEY = _TEXT = "_medkg_text"   # doc.user_data key: the document's text, when the caller has it
_COMPACT = "_medkg_compact"


def doc_text(doc: Doc) -> str:
    """``doc.text``, computed once per document (spaCy rebuilds it from the tokens on every call)."""
    text = doc.user_data.get(_TEXT)
    if text is None:
        text = doc.user_data[_TEXT] = doc.text
    return text


def release(doc: Doc) -> None:
    """Drop the per-document caches (before the doc is returned or pickled)."""
    doc.user_data.pop(_TEXT, None)
    doc.user_data.pop(_COMPACT, None)


def without_spaces(doc: Doc) -> tuple[Doc, list[int] | None]:
    """(doc without whitespace tokens, original index of each kept token), or (doc, None) if none.

    Cached per document: the concept matcher and ConText both use it.
    """
    cached = doc.user_data.get(_COMPACT)
    if cached is not None and cached[0] == len(doc):
        return cached[1], cached[2]
    spaces = doc.to_array("IS_SPACE")
    if not spaces.any():
        out: tuple[Doc, list[int] | None] = (doc, None)
    else:
        index = [i for i, sp in enumerate(spaces.tolist()) if not sp]
        strings = doc.vocab.strings
        orths = doc.to_array("ORTH").tolist()
        out = (Doc(doc.vocab, words=[strings[orths[i]] for i in index]), index)
    doc.user_data[_COMPACT] = (len(doc), *out)
    return out


def to_doc_span(index: list[int] | None, start: int, end: int) -> tuple[int, int]:
    """A (start, end) token span of the compact doc as a span of the original doc."""
    if index is None:
        return start, end
    return index[start], index[end - 1] + 1
