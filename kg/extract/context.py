"""ConText: negation, uncertainty, time and experiencer of each concept mention.

After Harkema et al. (2009) and NegEx (Chapman et al. 2001): trigger phrases
(``context_rules.tsv``, plus the relatives below) set an assertion over a scope of the
sentence before (backward) or after (forward) them. A scope ends at the sentence's
end, at a terminator (``but``, ``however``, ``;``...) or after the rule's token limit.
Pseudo-triggers (``no increase``, ``not only``, ``gram negative``) block the triggers
they overlap, and a trigger inside a concept's own name (``Absent thumb``) is ignored.
Section rules add to them: past medical/surgical history makes a mention historical,
family history makes it the family's.

>>> from kg.extract.tokenizer import make_nlp
>>> nlp = make_nlp(); ctx = ConText(nlp)
>>> doc = nlp.make_doc("Denies fever, chills or cough but has headache.")
>>> [(a.negated, a.trigger) for a in ctx.assert_spans(doc, [(1, 2), (3, 4), (5, 6), (8, 9)])]
[(True, 'Denies'), (True, 'Denies'), (True, 'Denies'), (False, '')]
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from kg.errors import SourceError
from kg.extract.compact import to_doc_span, without_spaces

__all__ = ["ConText", "ContextRule", "Assertion", "load_rules", "RULES_FILE", "CATEGORIES"]

RULES_FILE = Path(__file__).with_name("context_rules.tsv")
CATEGORIES = ("NEGATED", "POSSIBLE", "HISTORICAL", "HYPOTHETICAL", "FAMILY", "OTHER")
_DIRECTIONS = ("forward", "backward", "both", "pseudo", "terminate")

# Relatives: "mother had X" (forward) and "X in her mother" (backward).
RELATIVES = ("mother", "father", "mom", "dad", "brother", "brothers", "sister", "sisters", "sibling", "siblings",
             "son", "sons", "daughter", "daughters", "aunt", "uncle", "grandmother", "grandfather", "grandparent",
             "grandparents", "cousin", "cousins", "parent", "parents", "niece", "nephew", "twin", "maternal",
             "paternal", "relative", "relatives", "grandma", "grandpa", "half-brother", "half-sister")


@dataclass(frozen=True)
class ContextRule:
    phrase: str
    category: str      # one of CATEGORIES, or "ANY" for terminators
    direction: str     # forward | backward | both | pseudo | terminate
    max_scope: int | None = None


@dataclass(frozen=True)
class Assertion:
    negated: bool = False
    uncertain: bool = False
    historical: bool = False
    hypothetical: bool = False
    experiencer: str = "patient"
    trigger: str = ""


@lru_cache(maxsize=4)
def load_rules(path: Path = RULES_FILE) -> tuple[ContextRule, ...]:
    rules: list[ContextRule] = []
    header_seen = False
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if line.startswith("#") or not line.strip():
                continue
            f = line.rstrip("\n").split("\t")
            if not header_seen:
                header_seen = True
                continue
            if len(f) != 4 or f[2] not in _DIRECTIONS or f[1] not in (*CATEGORIES, "ANY"):
                raise SourceError(f"{path}, line {lineno}: expected phrase, category ({', '.join(CATEGORIES)}, ANY), "
                                  f"direction ({', '.join(_DIRECTIONS)}), max_scope; got {f}")
            rules.append(ContextRule(f[0], f[1], f[2], int(f[3]) if f[3].strip() else None))
    for rel in RELATIVES:
        rules.append(ContextRule(rel, "FAMILY", "forward", 8))
        for det in ("his", "her", "the", "their", "a", "patient's"):
            rules.append(ContextRule(f"in {det} {rel}", "FAMILY", "backward", 8))
    return tuple(rules)


class ConText:
    """Trigger matcher plus the scope algorithm; works on any tokenised ``Doc`` with sentences."""

    def __init__(self, nlp: Language, rules: tuple[ContextRule, ...] | None = None):
        self.rules = load_rules() if rules is None else rules
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self._by_key: dict[int, tuple[str, str, int | None]] = {}
        groups: dict[tuple[str, str, int | None], list[str]] = {}
        for r in self.rules:
            groups.setdefault((r.category, r.direction, r.max_scope), []).append(r.phrase)
        for key, phrases in groups.items():
            name = "CTX|" + "|".join(map(str, key))
            self.matcher.add(name, list(nlp.tokenizer.pipe(phrases)))
            self._by_key[nlp.vocab.strings[name]] = key

    def _triggers(self, doc: Doc, targets: list[tuple[int, int]], sent_of) -> dict[int, list[tuple]]:
        """Triggers that count, grouped by the start of their sentence."""
        cdoc, index = without_spaces(doc)
        by_sent: dict[int, list[tuple]] = {}
        for k, s, e in self.matcher(cdoc):
            s, e = to_doc_span(index, s, e)
            by_sent.setdefault(sent_of(s)[0], []).append((s, e, *self._by_key[k]))
        owner = {}
        for n, (ts, te) in enumerate(targets):
            for i in range(ts, te):
                owner[i] = n
        out: dict[int, list[tuple]] = {}
        for sent, found in by_sent.items():
            pseudo = [(s, e, c) for s, e, c, d, _ in found if d == "pseudo"]
            kept: list[tuple] = []
            for t in sorted(found, key=lambda t: (t[0], -(t[1] - t[0]))):
                s, e, cat, direction, limit = t
                if direction == "pseudo":
                    continue
                if any(ps < e and s < pe and pc == cat and (pe - ps) >= (e - s) for ps, pe, pc in pseudo):
                    continue
                if direction != "terminate" and s in owner and owner.get(e - 1) == owner[s]:
                    ts, te = targets[owner[s]]
                    if ts <= s and e <= te:
                        continue  # part of a concept's own name ("Absent thumb")
                # within a category, a trigger inside a longer one of the same category is dropped
                if any(k[2] == cat and k[0] <= s and e <= k[1] for k in kept):
                    continue
                kept.append(t)
            out[sent] = kept
        return out

    def assert_spans(self, doc: Doc, targets: list[tuple[int, int]]) -> list[Assertion]:
        """One :class:`Assertion` per (start, end) token span of ``doc``."""
        if not targets:
            return []
        sent_of = _sentence_bounds(doc)
        triggers = self._triggers(doc, targets, sent_of)
        results = []
        for ts, te in targets:
            s_start, s_end = sent_of(ts)
            hits: dict[str, tuple[int, str]] = {}
            local = triggers.get(s_start, ())
            terms = [t for t in local if t[3] == "terminate"]
            for s, e, cat, direction, limit in local:
                if direction == "terminate":
                    continue
                dist = None
                if direction in ("forward", "both") and ts >= e:
                    end = s_end
                    for x in terms:
                        if x[0] >= e and x[2] in ("ANY", cat):
                            end = min(end, x[0])
                    if limit is not None:
                        end = min(end, e + limit)
                    if ts < end:
                        dist = ts - e
                if dist is None and direction in ("backward", "both") and te <= s:
                    start = s_start
                    for x in terms:
                        if x[1] <= s and x[2] in ("ANY", cat):
                            start = max(start, x[1])
                    if limit is not None:
                        start = max(start, s - limit)
                    if te > start:
                        dist = s - te
                if dist is not None and (cat not in hits or dist < hits[cat][0]):
                    hits[cat] = (dist, doc[s:e].text)
            results.append(_assertion(hits))
        return results


def _assertion(hits: dict[str, tuple[int, str]]) -> Assertion:
    experiencer = "family" if "FAMILY" in hits else "other" if "OTHER" in hits else "patient"
    order = ("NEGATED", "POSSIBLE", "HYPOTHETICAL", "FAMILY", "OTHER", "HISTORICAL")
    trigger = "; ".join(dict.fromkeys(hits[c][1] for c in order if c in hits))
    return Assertion(negated="NEGATED" in hits, uncertain="POSSIBLE" in hits, historical="HISTORICAL" in hits,
                     hypothetical="HYPOTHETICAL" in hits, experiencer=experiencer, trigger=trigger)


def _sentence_bounds(doc: Doc):
    """token index -> (start, end) of its sentence (the whole doc when no sentences are set)."""
    if not doc.has_annotation("SENT_START"):
        return lambda i: (0, len(doc))
    flags = doc.to_array("SENT_START").tolist()   # 1: starts a sentence
    starts = [i for i, f in enumerate(flags) if f == 1 or i == 0]
    ends = starts[1:] + [len(doc)]
    from bisect import bisect_right

    def find(i: int) -> tuple[int, int]:
        k = bisect_right(starts, i) - 1
        return starts[k], ends[k]
    return find
