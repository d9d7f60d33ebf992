"""The concept matcher: graph terms -> spaCy PhraseMatchers, cached on disk.

Two matchers share the pipeline's vocabulary: one on ``NORM`` (case-, plural- and
accent-insensitive, see :mod:`kg.extract.normalise`) for ordinary names, one on ``ORTH``
(as written) for upper-case abbreviations such as ``SOB`` or ``ASD`` so that the words
"sob" or "asd" do not match. Overlaps resolve to the longest span, then the earliest.

Names that would only produce junk are dropped unless curated: names shorter than 3
characters, names whose words are all stop words or numbers, upper-case abbreviations
that are also English stop words (``ALL``). When two concepts share a name, the
match goes to (in order): a curated abbreviation, a concept whose *label* it is
(over an exact synonym, over a lay synonym), a phenotypic feature over a disease
over a drug, the concept with the longer label (usually the more specific), the smaller id.

>>> from kg.extract.tokenizer import make_nlp
>>> from kg.terms import ConceptTerm
>>> nlp = make_nlp()
>>> m = ConceptMatcher.build(nlp, [ConceptTerm("HP:0001250", "Seizure", "PhenotypicFeature", ("Epileptic seizure",))])
>>> [(s.text, s.label_) for s in m(nlp.make_doc("Two epileptic seizures and a seizure."))]
[('epileptic seizures', 'HP:0001250'), ('seizure', 'HP:0001250')]
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Iterable

import spacy
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from kg.errors import InputError
from kg.extract.abbreviations import Abbreviation, load_abbreviations
from kg.extract.compact import to_doc_span, without_spaces
from kg.extract.normalise import NORMALISER_VERSION
from kg.extract.sections import SECTION_NAMES
from kg.terms import ConceptTerm

__all__ = ["ConceptMatcher", "terms_key", "MATCHER_VERSION"]

MATCHER_VERSION = "1"
_CATEGORY_RANK = {"PhenotypicFeature": 0, "Disease": 1, "Drug": 2}
_MIN_CHARS = 3
# Section header names ("Family history", "Allergy") are headers in notes, not findings.
_HEADER_NAMES = frozenset(n for names in SECTION_NAMES.values() for n in names) | {"allergies", "allergy"}


def terms_key(terms: Iterable[ConceptTerm], abbreviations: Iterable[Abbreviation] = ()) -> str:
    """A hash of everything the matcher is built from (terms, curated table, code versions)."""
    h = hashlib.sha256(f"m{MATCHER_VERSION}|n{NORMALISER_VERSION}|spacy{spacy.__version__}".encode())
    for t in sorted(terms, key=lambda t: t.concept_id):
        h.update("\x1f".join((t.concept_id, t.label, t.category, *t.synonyms, "\x1e", *t.lay_synonyms)).encode())
        h.update(b"\x1d")
    for a in abbreviations:
        h.update(f"{a.form}\x1f{a.concept_id}\x1f{a.case_sensitive}\x1d".encode())
    return h.hexdigest()[:20]


def _is_abbreviation(name: str) -> bool:
    return " " not in name and len(name) <= 6 and name.isupper() and name.replace("-", "").isalnum()


class ConceptMatcher:
    """Finds graph concepts in a tokenised ``Doc``; spans carry the concept id as ``label_``."""

    def __init__(self, nlp: Language, concepts: dict[str, tuple[str, str]],
                 norm_patterns: dict[str, list[list[str]]], orth_patterns: dict[str, list[list[str]]]):
        self.vocab = nlp.vocab
        self.concepts = concepts                  # concept id -> (label, category)
        self._norm_patterns = norm_patterns      # concept id -> token lists (as written)
        self._orth_patterns = orth_patterns
        self.norm_matcher = PhraseMatcher(nlp.vocab, attr="NORM")
        self.orth_matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
        for matcher, patterns in ((self.orth_matcher, orth_patterns), (self.norm_matcher, norm_patterns)):
            for cid, token_lists in patterns.items():
                matcher.add(cid, [Doc(nlp.vocab, words=words) for words in token_lists])

    def __len__(self) -> int:
        return sum(map(len, self._norm_patterns.values())) + sum(map(len, self._orth_patterns.values()))

    # ---- building -------------------------------------------------------------------------
    @classmethod
    def build(cls, nlp: Language, terms: Iterable[ConceptTerm],
              abbreviations: Iterable[Abbreviation] | None = None) -> "ConceptMatcher":
        """Build from graph terms and the curated table (entries whose concept is absent are skipped)."""
        terms = list(terms)
        abbreviations = load_abbreviations() if abbreviations is None else tuple(abbreviations)
        by_id = {t.concept_id: t for t in terms}
        names: list[tuple[str, int, ConceptTerm, bool | None]] = []  # name, priority, term, case-sensitive (None: decide)
        for a in abbreviations:
            if a.concept_id in by_id:
                names.append((a.form, -1, by_id[a.concept_id], a.case_sensitive))
        for t in terms:
            for prio, group in ((0, (t.label,)), (1, t.synonyms), (2, t.lay_synonyms)):
                for name in group:
                    name = " ".join(name.split())
                    names.append((name, prio, t, None))
                    if "-" in name:
                        names.append((name.replace("-", " "), prio, t, None))
        best: dict[tuple[bool, tuple[str, ...]], tuple[tuple, ConceptTerm, list[str]]] = {}
        docs = nlp.tokenizer.pipe(n for n, *_ in names)
        for doc, (name, prio, term, exact) in zip(docs, names):
            if len(doc) == 0:
                continue
            if prio >= 0:  # junk filters apply to the graph's names, not to the curated table
                if len(name) < _MIN_CHARS or name.lower() in _HEADER_NAMES:
                    continue
                content = [t for t in doc if not (t.is_punct or t.is_space or t.is_stop or t.like_num or len(t) < 2)]
                if not content:
                    continue
                exact = _is_abbreviation(name)
                if exact and name.lower() in STOP_WORDS:
                    continue
            key = (bool(exact), tuple(t.orth_ if exact else t.norm_ for t in doc))
            rank = (prio, _CATEGORY_RANK.get(term.category, 3), -len(term.label), term.concept_id)
            old = best.get(key)
            if old is None or rank < old[0]:
                best[key] = (rank, term, [t.orth_ for t in doc])
        norm: dict[str, list[list[str]]] = defaultdict(list)
        orth: dict[str, list[list[str]]] = defaultdict(list)
        concepts: dict[str, tuple[str, str]] = {}
        for (exact, _), (_, term, words) in best.items():
            (orth if exact else norm)[term.concept_id].append(words)
            concepts[term.concept_id] = (term.label, term.category)
        return cls(nlp, concepts, dict(norm), dict(orth))

    # ---- cache ------------------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        """Write ``patterns.json`` into ``folder`` atomically (a half-written cache is never read)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        data = {"matcher_version": MATCHER_VERSION, "normaliser_version": NORMALISER_VERSION,
                "spacy": spacy.__version__, "concepts": self.concepts,
                "norm": self._norm_patterns, "orth": self._orth_patterns}
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, separators=(",", ":"))
        os.replace(tmp, folder / "patterns.json")

    @classmethod
    def load(cls, nlp: Language, folder: Path) -> "ConceptMatcher":
        path = Path(folder) / "patterns.json"
        try:
            with open(path, encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError) as err:
            raise InputError(f"matcher cache {path} cannot be read ({err}); delete the folder to rebuild it") from None
        if data.get("matcher_version") != MATCHER_VERSION or data.get("normaliser_version") != NORMALISER_VERSION:
            raise InputError(f"matcher cache {path} was written by another version; delete the folder to rebuild it")
        concepts = {k: tuple(v) for k, v in data["concepts"].items()}
        return cls(nlp, concepts, data["norm"], data["orth"])

    @classmethod
    def cached(cls, nlp: Language, terms: Iterable[ConceptTerm], cache_dir: Path | None,
               abbreviations: Iterable[Abbreviation] | None = None) -> "ConceptMatcher":
        """Load the matcher for these terms from ``cache_dir/<hash>/`` or build and save it there."""
        terms = list(terms)
        abbreviations = load_abbreviations() if abbreviations is None else tuple(abbreviations)
        if cache_dir is None:
            return cls.build(nlp, terms, abbreviations)
        folder = Path(cache_dir) / terms_key(terms, abbreviations)
        if (folder / "patterns.json").exists():
            try:
                return cls.load(nlp, folder)
            except InputError:
                pass  # stale or broken cache: rebuild below
        matcher = cls.build(nlp, terms, abbreviations)
        try:
            matcher.save(folder)
        except OSError:
            pass  # a read-only cache folder only costs the next load its speed
        return matcher

    # ---- matching ---------------------------------------------------------------------------
    def __call__(self, doc: Doc) -> list[Span]:
        """Concept spans of ``doc``, longest first on overlaps, in text order."""
        cdoc, index = without_spaces(doc)
        spans = []
        for match_id, s, e in [*self.orth_matcher(cdoc), *self.norm_matcher(cdoc)]:
            s, e = to_doc_span(index, s, e)
            if index is not None and any(doc[i].is_sent_start for i in range(s + 1, e)):
                continue  # a phrase does not run across a sentence (or a blank line)
            spans.append(Span(doc, s, e, label=match_id))
        return filter_spans(spans)
