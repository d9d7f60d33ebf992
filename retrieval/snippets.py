"""Pick the sentence of a document that best matches a query (the hit's snippet).

Sentences are scored by the query words they contain (lower-cased, suffix-stripped,
stopwords dropped), each word weighted by its length as a cheap stand-in for rarity;
ties go to the earlier sentence. No model runs, so snippets cost microseconds.

>>> best_sentence("Aspirin reduces fever. Cough is common in asthma. Rest helps.", "asthma coughing")
'Cough is common in asthma.'
"""

from __future__ import annotations

import re

__all__ = ["best_sentence", "split_sentences"]

_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[\"'])")
_WORD = re.compile(r"\w\w+", re.UNICODE)
_STOP = frozenset(
    "the a an and or of in on to for with by from at as is are was were be been being this that these those "
    "it its not no do does did can could may might will would should than then there their which who whom what "
    "when where why how all any both each more most other some such only own same so too very has have had".split()
)


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENT.split(text) if s.strip()]


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s", "ly"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _terms(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP}


def best_sentence(text: str, query: str, max_chars: int = 300) -> str:
    """The sentence of ``text`` sharing the most (length-weighted) words with ``query``."""
    sentences = split_sentences(text)
    if not sentences:
        return ""
    wanted = _terms(query)
    best, best_score = sentences[0], 0.0
    for sentence in sentences:
        score = sum(len(t) for t in _terms(sentence) & wanted)
        if score > best_score:
            best, best_score = sentence, score
    return best if len(best) <= max_chars else best[: max_chars - 1].rstrip() + "…"
