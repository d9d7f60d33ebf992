"""Coordinated and stacked modifiers: "low-set, posteriorly rotated ears" -> Low-set ears too.

A concept name found in the note (``posteriorly rotated ears``) is the anchor. spaCy token
``Matcher`` patterns find a modifier just before it, with or without a coordinator
(``low-set ,``, ``upslanting and``, ``long``), or a conjunct just after it (``or palate``,
``and/or palate``). The modifier takes the place of the anchor's leading words, or the conjunct
the place of its trailing words, and the result is kept only if it is itself a name of the
vocabulary (looked up with the concept matcher), so nothing is split by string rules.

>>> from kg.extract.tokenizer import make_nlp
>>> from kg.extract.matcher import ConceptMatcher
>>> from kg.terms import ConceptTerm
>>> nlp = make_nlp()
>>> m = ConceptMatcher.build(nlp, [ConceptTerm("HP:0410030", "Cleft lip", "PhenotypicFeature"),
...                                ConceptTerm("HP:0000175", "Cleft palate", "PhenotypicFeature")], ())
>>> [(s.text, s.label_) for s in m(nlp.make_doc("Born with cleft lip and/or palate."))]
[('cleft lip', 'HP:0410030'), ('palate', 'HP:0000175')]
"""

from __future__ import annotations

from typing import Callable

from spacy.matcher import Matcher
from spacy.tokens import Doc

__all__ = ["Coordination"]

_CONJ = ["and", "or", "and/or", "&", "nor"]
_WORD = {"IS_ALPHA": True, "IS_STOP": False}
# a modifier: one word, a hyphenated word ("low-set", "high-arched") or two words ("posteriorly rotated")
_MODIFIERS = [[_WORD], [_WORD, {"ORTH": "-"}, {"IS_ALPHA": True}], [_WORD, _WORD]]
_SEPARATORS = [[], [{"ORTH": ","}], [{"LOWER": {"IN": _CONJ}}], [{"ORTH": ","}, {"LOWER": {"IN": _CONJ}}]]
_LONGEST_MODIFIER = 3


class _Words:
    """``doc`` token texts by slice, looked up only where needed (no Token objects)."""

    def __init__(self, strings, orths: list[int]):
        self.strings, self.orths = strings, orths

    def __getitem__(self, sl: slice) -> list[str]:
        return [self.strings[o] for o in self.orths[sl]]


class Coordination:
    """Finds the extra concepts a coordinated or stacked phrase names (see the module docstring)."""

    def __init__(self, vocab):
        # two matchers, run only on the few tokens either side of an anchor
        self.left, self.right = Matcher(vocab), Matcher(vocab)
        self._sep: dict[int, int] = {}   # pattern key -> number of separator tokens
        for i, mod in enumerate(_MODIFIERS):
            for j, sep in enumerate(_SEPARATORS):
                self.left.add(f"COORD_LEFT{i}{j}", [mod + sep])       # modifier, then the anchor
                self._sep[vocab.strings[f"COORD_LEFT{i}{j}"]] = len(sep)
                if sep:
                    self.right.add(f"COORD_RIGHT{i}{j}", [sep + mod])  # the anchor, then a conjunct
                    self._sep[vocab.strings[f"COORD_RIGHT{i}{j}"]] = len(sep)

    def __call__(self, doc: Doc, anchors: list[tuple[int, int]],
                 lookup: Callable[[list[list[str]]], list[str | None]]) -> list[tuple[str, int, int]]:
        """(concept id, start, end) of the conjunct tokens that name a further concept.

        ``anchors`` are the token spans of concepts already found; ``lookup`` maps word lists to
        the concept each names exactly (None if none).
        """
        if not anchors:
            return []
        left: dict[int, list[tuple[int, int]]] = {}    # anchor start -> modifier spans
        right: dict[int, list[tuple[int, int]]] = {}   # anchor end -> conjunct spans
        n = len(doc)
        width = _LONGEST_MODIFIER + 2
        for s, e in anchors:
            if e - s < 2:
                continue  # a one-word anchor has no leading or trailing words to replace
            w0 = max(0, s - width)
            for key, ms, me in self.left(doc[w0:s]):
                if w0 + me == s:
                    left.setdefault(s, []).append((w0 + ms, s - self._sep[key]))
            if e < n:
                for key, ms, me in self.right(doc[e:min(n, e + width)]):
                    if ms == 0:
                        right.setdefault(e, []).append((e + self._sep[key], e + me))
        taken = set()
        for s, e in anchors:
            taken.update(range(s, e))
        cands: list[tuple[list[str], int, int]] = []
        strings, orths = doc.vocab.strings, doc.to_array("ORTH").tolist()
        words = _Words(strings, orths)
        for s, e in anchors:
            for ms, me in left.get(s, ()):
                if me - ms > _LONGEST_MODIFIER or any(i in taken for i in range(ms, me)):
                    continue
                for k in range(1, e - s):   # the modifier replaces the anchor's first k words
                    cands.append((words[ms:me] + words[s + k:e], ms, me))
            for rs, re_ in right.get(e, ()):
                if any(i in taken for i in range(rs, re_)):
                    continue
                for k in range(1, e - s):   # the conjunct replaces the anchor's last k words
                    cands.append((words[s:e - k] + words[rs:re_], rs, re_))
        if not cands:
            return []
        found = lookup([c[0] for c in cands])
        out: dict[tuple[int, int], str] = {}
        for (_, s, e), cid in zip(cands, found):
            if cid is not None and (s, e) not in out:
                out[(s, e)] = cid
        return [(cid, s, e) for (s, e), cid in out.items()]
