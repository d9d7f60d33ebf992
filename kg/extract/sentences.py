"""A rule-based sentence splitter for clinical notes (a spaCy component, ``medkg_sentences``).

Notes break the rules a prose splitter relies on: headers without a full stop, bullet
lists, vitals on one line, lines wrapped mid-sentence. A sentence starts:

* at a section header and right after its colon (the header is its own sentence);
* after ``.``, ``!`` or ``?`` when the next word does not start in lower case
  (abbreviations such as ``Dr.`` or ``b.i.d.`` are single tokens, so their dots never count);
* after a blank line, and after a line break unless the line was cut mid-sentence
  (next line starts in lower case, or this one ends with a comma, a conjunction or a preposition);
* at a bullet (``-``, ``*``, ``•``, ``1.``, ``2)``) that starts a line.

>>> from kg.extract.tokenizer import make_nlp
>>> nlp = make_nlp(); nlp.add_pipe("medkg_sentences")  # doctest: +ELLIPSIS
<...>
>>> doc = nlp("HPI: 45 yo F with fever,\\nchills and cough. Dr. Smith saw her.\\n- denies CP\\n- no SOB")
>>> [s.text.strip() for s in doc.sents]
['HPI:', '45 yo F with fever,\\nchills and cough.', 'Dr. Smith saw her.', '- denies CP', '- no SOB']
"""

from __future__ import annotations

import re

import numpy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from kg.extract.compact import doc_text
from kg.extract.sections import find_sections

__all__ = ["split_sentences"]

_CONTINUES = frozenset({
    ",", "and", "or", "of", "with", "for", "to", "the", "a", "an", "in", "on", "at", "by", "from", "as",
    "but", "nor", "without", "no", "not", "denies", "has", "had", "is", "was", "are", "were", "her", "his",
    "-", "/", "&", "than", "that", "which", "who", "including", "includes",
})
_BULLET = frozenset({"-", "*", "\u2022", "\u00b7", "+", "o"})
_ENDERS = frozenset({".", "!", "?"})
_NUMBERED = re.compile(r"^\d{1,2}[.)]$")


def split_sentences(doc: Doc) -> Doc:
    n = len(doc)
    if n == 0:
        return doc
    starts = [False] * n
    starts[0] = True
    text = doc_text(doc)
    # section headers: the header starts a sentence and so does what follows its colon
    for sec in find_sections(text):
        span = doc.char_span(sec.start, sec.start + len(sec.header), alignment_mode="expand")
        if span is None:
            continue
        starts[span.start] = True
        j = span.end
        if j < n and doc[j].text == ":":
            j += 1
        while j < n and doc[j].is_space:
            j += 1
        if j < n:
            starts[j] = True
    prev_word = None  # index of the last non-space token
    pending = False   # a boundary waits for the next non-space token
    for i, tok in enumerate(doc):
        if tok.is_space:
            nl = tok.text.count("\n")
            if nl >= 2:
                pending = True
            elif nl == 1 and prev_word is not None and doc[prev_word].lower_ not in _CONTINUES:
                # a wrapped line of prose is long; a list item, a header or a vitals line is short
                line_start = text.rfind("\n", 0, tok.idx) + 1
                if doc[prev_word].text in _ENDERS or doc[prev_word].text in (":", ";") or tok.idx - line_start < 45:
                    pending = True
                else:
                    pending = "line_wrapped"
            continue
        t = tok.text
        if pending:
            first = t[:1]
            if pending is True or t in _BULLET or _NUMBERED.match(t) or (pending == "line" and not first.islower()):
                starts[i] = True
            pending = False
        # a line break absorbed as trailing whitespace of a token (" \n" patterns)
        if "\n" in tok.whitespace_:
            pending = "line" if tok.lower_ not in _CONTINUES else False
        # "hepatitis-C." : spaCy keeps a single letter's dot as one token (an initial); after a hyphen it ends
        if t in _ENDERS or (len(t) == 2 and t[1] == "." and t[0].isupper() and i > 0 and doc[i - 1].text == "-"):
            # boundary after sentence-final punctuation when the next word does not start in lower case
            k = i + 1
            while k < n and doc[k].is_space:
                k += 1
            if k < n and not doc[k].text[:1].islower() and doc[k].text not in _ENDERS:
                starts[k] = True
        if (t in _BULLET or _NUMBERED.match(t)) and (i == 0 or "\n" in doc[i - 1].text or "\n" in doc[i - 1].whitespace_):
            starts[i] = True
        prev_word = i
    # one array write: setting Token.is_sent_start token by token costs O(n) each
    arr = numpy.array([1 if x else -1 for x in starts], dtype="int32").reshape(-1, 1).astype("uint64")
    doc.from_array([SENT_START], arr)
    return doc


@Language.component("medkg_sentences")
def sentences_component(doc: Doc) -> Doc:
    return split_sentences(doc)
