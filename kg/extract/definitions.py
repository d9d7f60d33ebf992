"""Abbreviations defined in the note itself: "long form (SF)", after Schwartz & Hearst (2003).

Schwartz AS, Hearst MA. "A simple algorithm for identifying abbreviation definitions in biomedical
text." Pacific Symposium on Biocomputing 2003:451-62. The short form is 2-10 characters in
parentheses with at least one letter, starting with a letter or digit; the long form is the
shortest run of words before the parenthesis (at most min(|SF| + 5, 2 |SF|) words) in which every
letter and digit of the short form appears in order, its first character at the start of a word.

A small implementation rather than a dependency: the one PyPI package of the algorithm
(``abbreviations`` 0.2.5) has not been updated since 2019, and scispaCy's ``AbbreviationDetector``
brings scispaCy's pinned dependencies with it.

>>> [(d.short, d.long) for d in find_definitions("Ataxia-telangiectasia (A-T) is rare; A-T affects the cerebellum.")]
[('A-T', 'Ataxia-telangiectasia')]
>>> [(d.short, d.long) for d in find_definitions("familial adenomatous polyposis (FAP) and pain (severe)")]
[('FAP', 'familial adenomatous polyposis')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Definition", "find_definitions", "best_long_form"]

_PAREN = re.compile(r"\(\s*([^()\s][^()]{0,9}?)\s*\)")
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Definition:
    short: str       # e.g. "A-T"
    long: str        # e.g. "Ataxia-telangiectasia"
    long_start: int  # character offsets of the long form
    long_end: int
    short_start: int


def best_long_form(short: str, long: str) -> int | None:
    """Offset in ``long`` where the long form of ``short`` starts (None if it has none).

    >>> best_long_form("HSF", "the heat shock transcription factor")
    4
    """
    s, i = len(short) - 1, len(long) - 1
    while s >= 0:
        c = short[s].lower()
        if not c.isalnum():
            s -= 1
            continue
        while i >= 0 and (long[i].lower() != c or (s == 0 and i > 0 and long[i - 1].isalnum())):
            i -= 1
        if i < 0:
            return None
        i -= 1
        s -= 1
    return long.rfind(" ", 0, i + 1) + 1


def _is_short_form(sf: str) -> bool:
    # Schwartz-Hearst's conditions, plus a capital letter (notes put lower-case asides in parentheses)
    return (2 <= len(sf) <= 10 and len(sf.split()) <= 2 and sf[0].isalnum()
            and any(ch.isupper() for ch in sf))


def find_definitions(text: str) -> list[Definition]:
    """Every "long form (SF)" pair of ``text``, in order."""
    out: list[Definition] = []
    for m in _PAREN.finditer(text):
        sf = m.group(1)
        if not _is_short_form(sf) or sf.replace(".", "").isdigit():
            continue
        window = min(len(sf) + 5, 2 * len(sf))
        before = text[max(0, m.start() - 300):m.start()].rstrip()
        words = list(_WORD.finditer(before))[-window:]
        if not words:
            continue
        base = m.start() - len(text[max(0, m.start() - 300):m.start()]) + words[0].start()
        cand = before[words[0].start():]
        start = best_long_form(sf, cand)
        if start is None:
            continue
        long = cand[start:].strip()
        if len(long) <= len(sf) or sf.lower() in long.lower().split():
            continue
        ls = base + start
        out.append(Definition(sf, long, ls, ls + len(long), m.start(1)))
    return out
