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
import re
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
from kg.extract.abbreviations import GUARD, Abbreviation, load_abbreviations
from kg.extract.compact import doc_text, to_doc_span, without_spaces
from kg.extract.coordination import Coordination
from kg.extract.definitions import find_definitions
from kg.extract.normalise import NORMALISER_VERSION
from kg.extract.sections import SECTION_NAMES
from kg.terms import ConceptTerm

__all__ = ["ConceptMatcher", "terms_key", "MATCHER_VERSION"]

MATCHER_VERSION = "3"
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


_NUMBERED = re.compile(r"^(?P<base>.*?[A-Za-z])(?:,? type)? (?P<n>\d{1,2})(?P<x>[A-Z]?)$", re.IGNORECASE)
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5}
_NUMBERED_ROMAN = re.compile(r"^(?P<base>.*?[A-Za-z]),? type (?P<n>I{1,3}|IV|V)(?P<x>)$", re.IGNORECASE)


def _base_name(label: str) -> str | None:
    """A numbered disease's name without its number: "Myotonic dystrophy 1" -> "Myotonic dystrophy".

    >>> _base_name("Hemochromatosis, type 2A"), _base_name("Myotonic dystrophy 1"), _base_name("Marfan syndrome")
    ('Hemochromatosis', 'Myotonic dystrophy', None)
    """
    m = _NUMBERED.match(label) or _NUMBERED_ROMAN.match(label)
    if not m or len(m.group("base")) < 4 or m.group("base").lower().endswith((" type", " group", " class")):
        return None
    return m.group("base")


def _type_number(label: str) -> float:
    m = _NUMBERED.match(label) or _NUMBERED_ROMAN.match(label)
    if not m:
        return 1e9
    n = m.group("n")
    return (int(n) if n.isdigit() else _ROMAN.get(n.upper(), 99)) + (ord(m.group("x").upper()) - 64) / 100 if m.group("x") else \
        (int(n) if n.isdigit() else _ROMAN.get(n.upper(), 99))


def _is_abbreviation(name: str) -> bool:
    return " " not in name and len(name) <= 6 and name.isupper() and name.replace("-", "").isalnum()


def _longest(found: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Non-overlapping spans, longest first, then earliest (what ``filter_spans`` does, on tuples)."""
    taken: set[int] = set()
    out = []
    for s, e, key in sorted(found, key=lambda x: (x[0] - x[1], x[0])):
        if not any(i in taken for i in range(s, e)):
            taken.update(range(s, e))
            out.append((s, e, key))
    return sorted(out)


class ConceptMatcher:
    """Finds graph concepts in a tokenised ``Doc``; spans carry the concept id as ``label_``."""

    def __init__(self, nlp: Language, concepts: dict[str, tuple[str, str]],
                 norm_patterns: dict[str, list[list[str]]], orth_patterns: dict[str, list[list[str]]],
                 abbreviations: Iterable[Abbreviation] = ()):
        self.vocab = nlp.vocab
        self.coordination = Coordination(nlp.vocab)
        # curated forms with a sense check or a negating meaning, keyed as the matcher compares them
        self.curated: dict[tuple[bool, str], Abbreviation] = {
            (a.case_sensitive, a.form if a.case_sensitive else a.form.lower()): a
            for a in abbreviations if a.requires or a.unless or a.assertion}
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
        guard = ConceptTerm(GUARD, "", "Guard")
        for a in abbreviations:
            if a.concept_id in by_id or a.is_guard:
                names.append((a.form, -1, guard if a.is_guard else by_id[a.concept_id], a.case_sensitive))
        for t in terms:
            for prio, group in ((0, (t.label,)), (1, t.synonyms), (2, t.lay_synonyms)):
                for name in group:
                    name = " ".join(name.split())
                    names.append((name, prio, t, None))
                    if "-" in name:
                        names.append((name.replace("-", " "), prio, t, None))
            base = _base_name(t.label) if t.category == "Disease" else None
            if base:
                names.append((base, 3, t, None))
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
            # a numbered disease's base name goes to its lowest-numbered type ("Hemochromatosis, type 1")
            third = _type_number(term.label) if prio == 3 else -len(term.label)
            rank = (prio, _CATEGORY_RANK.get(term.category, 3), third, term.concept_id)
            old = best.get(key)
            if old is None or rank < old[0]:
                best[key] = (rank, term, [t.orth_ for t in doc])
        norm: dict[str, list[list[str]]] = defaultdict(list)
        orth: dict[str, list[list[str]]] = defaultdict(list)
        concepts: dict[str, tuple[str, str]] = {}
        for (exact, _), (_, term, words) in best.items():
            (orth if exact else norm)[term.concept_id].append(words)
            concepts[term.concept_id] = (term.label, term.category)
        return cls(nlp, concepts, dict(norm), dict(orth), abbreviations)

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
    def load(cls, nlp: Language, folder: Path, abbreviations: Iterable[Abbreviation] = ()) -> "ConceptMatcher":
        path = Path(folder) / "patterns.json"
        try:
            with open(path, encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError) as err:
            raise InputError(f"matcher cache {path} cannot be read ({err}); delete the folder to rebuild it") from None
        if data.get("matcher_version") != MATCHER_VERSION or data.get("normaliser_version") != NORMALISER_VERSION:
            raise InputError(f"matcher cache {path} was written by another version; delete the folder to rebuild it")
        concepts = {k: tuple(v) for k, v in data["concepts"].items()}
        return cls(nlp, concepts, data["norm"], data["orth"], abbreviations)

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
                return cls.load(nlp, folder, abbreviations)
            except InputError:
                pass  # stale or broken cache: rebuild below
        matcher = cls.build(nlp, terms, abbreviations)
        try:
            matcher.save(folder)
        except OSError:
            pass  # a read-only cache folder only costs the next load its speed
        return matcher

    # ---- matching ---------------------------------------------------------------------------
    def lookup(self, word_lists: list[list[str]]) -> list[str | None]:
        """The concept each word list names exactly (None when it is not a name of the vocabulary).

        >>> from kg.extract.tokenizer import make_nlp
        >>> nlp = make_nlp()
        >>> m = ConceptMatcher.build(nlp, [ConceptTerm("HP:0000369", "Low-set ears", "PhenotypicFeature")], ())
        >>> m.lookup([["low", "-", "set", "ears"], ["low", "ears"]])
        ['HP:0000369', None]
        """
        words: list[str] = []
        bounds = []
        for wl in word_lists:
            bounds.append((len(words), len(words) + len(wl)))
            words.extend(wl)
            words.append("\u2016")  # a separator no pattern contains
        doc = Doc(self.vocab, words=words)
        exact: dict[tuple[int, int], str] = {}
        for match_id, s, e in [*self.norm_matcher(doc), *self.orth_matcher(doc)]:
            exact[(s, e)] = self.vocab.strings[match_id]
        return [cid if (cid := exact.get(b)) != GUARD else None for b in bounds]

    def __call__(self, doc: Doc) -> list[Span]:
        """Concept spans of ``doc``, longest first on overlaps, in text order.

        Besides the vocabulary's names: short forms the note defines ("ataxia-telangiectasia (A-T)")
        wherever they occur, the extra concepts of coordinated modifiers; curated forms failing
        their sense check and word-sense guards ("anorexia nervosa") are dropped.
        """
        cdoc, index = without_spaces(doc)
        sent_start = doc.to_array("SENT_START").tolist() if index is not None else None
        found = []
        for match_id, s, e in [*self.orth_matcher(cdoc), *self.norm_matcher(cdoc)]:
            s, e = to_doc_span(index, s, e)
            if sent_start is not None and any(sent_start[i] == 1 for i in range(s + 1, e)):
                continue  # a phrase does not run across a sentence (or a blank line)
            found.append((s, e, match_id))
        found = _longest(found)
        spans = [Span(doc, s, e, label=key) for s, e, key in found]
        defined = self._defined(doc, spans)
        if defined:
            forms = {sf for sf, _ in defined}
            spans = [sp for sp in spans if sp.text not in forms]
            spans = filter_spans(spans + [Span(doc, s, e, label=cid) for _, spns in defined for s, e, cid in spns])
        spans = [sp for sp in spans if sp.label_ != GUARD and (not self.curated or self._sense_ok(sp))]
        if spans:
            anchors = [(sp.start, sp.end) for sp in spans]
            if index is not None:
                back = {j: i for i, j in enumerate(index)}
                anchors = [(back[s], back[e - 1] + 1) for s, e in anchors]
            extra = self.coordination(cdoc, anchors, self.lookup)
            if extra:
                spans = filter_spans(spans + [Span(doc, *to_doc_span(index, s, e), label=cid) for cid, s, e in extra])
        return sorted(spans, key=lambda sp: sp.start)

    def negating(self, span: Span) -> bool:
        """Whether this span is a form that itself denies its concept ("afebrile")."""
        a = self.curated.get((True, span.text)) or self.curated.get((False, span.text.lower()))
        return a is not None and a.assertion == "negated" and a.concept_id == span.label_

    def _sense_ok(self, span: Span) -> bool:
        a = self.curated.get((True, span.text)) or self.curated.get((False, span.text.lower()))
        if a is None or a.concept_id != span.label_ or not (a.requires or a.unless):
            return True
        sent = span.sent if span.doc.has_annotation("SENT_START") else span.doc[:]
        near = {t.lower_ for t in sent} | {t.norm_ for t in sent}
        if a.unless and near.intersection(a.unless):
            return False
        return not a.requires or bool(near.intersection(a.requires))

    def _defined(self, doc: Doc, spans: list[Span]) -> list[tuple[str, list[tuple[int, int, str]]]]:
        """Short forms the note defines, each with the token spans of its uses (and its concept)."""
        text = doc_text(doc)
        if "(" not in text:
            return []
        ends = {sp.end_char: sp for sp in spans}
        out = []
        for d in find_definitions(text):
            sp = ends.get(d.long_end)
            if sp is None or sp.start_char < d.long_start or sp.label_ == GUARD:
                out.append((d.short, []))  # defined as something the vocabulary lacks: no curated sense
                continue
            uses = []
            start = 0
            while (k := text.find(d.short, start)) >= 0:
                start = k + len(d.short)
                before, after = text[k - 1:k] if k else "", text[start:start + 1]
                if (before.isalnum() or after.isalnum()):
                    continue
                use = doc.char_span(k, start)
                if use is not None:
                    uses.append((use.start, use.end, sp.label_))
            out.append((d.short, uses))
        return out
