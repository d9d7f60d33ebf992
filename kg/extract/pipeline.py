"""The extractor: clinical note -> graph concepts with assertions, sections and patient context.

The spaCy pipeline is ``medkg_sentences`` -> ``medkg_concepts`` -> ``medkg_annotate``;
each stage writes plain data (``doc.ents`` with the concept id as ``kb_id_``, and
``doc.user_data["medkg"]``) so documents survive ``nlp.pipe(n_process=2)``.

>>> from kg.terms import ConceptTerm
>>> ex = build_extractor([ConceptTerm("HP:0002094", "Dyspnea", "PhenotypicFeature", ("Shortness of breath",)),
...                       ConceptTerm("HP:0012735", "Cough", "PhenotypicFeature")])
>>> res = ex.extract("HPI: 45 yo F with shortness of breath. Denies cough.\\nVitals: T 39.2 C")
>>> [(f.concept_id, f.text, f.assertion, f.section) for f in res.findings]
[('HP:0002094', 'shortness of breath', 'present', 'hpi'), ('HP:0012735', 'cough', 'absent', 'hpi'), ('HP:0001945', 'T 39.2 C', 'present', 'physical_exam')]
>>> res.context.age_years, res.context.sex
(45.0, 'female')
"""

from __future__ import annotations

import logging
from bisect import bisect_right
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc, Span

from kg.errors import InputError
from kg.extract import sentences as _sentences  # noqa: F401  (registers "medkg_sentences")
from kg.extract.abbreviations import load_abbreviations
from kg.extract.compact import TEXT_KEY, doc_text, release
from kg.extract.context import Assertion, ConText
from kg.extract.matcher import ConceptMatcher
from kg.extract.patient import read_drug_list, read_patient_context, read_pregnancy
from kg.extract.sections import HISTORICAL_SECTIONS, Section, find_sections, section_at
from kg.extract.tokenizer import make_nlp
from kg.extract.values import VALUE_CONCEPTS, find_values, read_egfr
from kg.finding import DrugMention, Finding, PatientContext
from kg.terms import ConceptTerm

__all__ = ["Extractor", "Extraction", "build_extractor", "check_note", "DEFAULT_MAX_CHARS", "PATIENT_SECTIONS"]

# Sections that describe the patient's drugs, read into the patient model rather than the findings
# (an allergy's reaction, "penicillin (rash)", is not a finding of this visit).
PATIENT_SECTIONS = frozenset({"allergies", "medications"})

log = logging.getLogger(__name__)

# Longest note accepted, in characters (~300 pages). Larger notes raise InputError; raise the
# limit with build_extractor(max_chars=...) (memory grows about 1 KB per token).
DEFAULT_MAX_CHARS = 2_000_000


@dataclass(frozen=True)
class Extraction:
    """What the extractor read from one note.

    ``findings`` lists each finding once (the first mention of a concept with a given assertion);
    ``mentions`` lists every mention, in text order.
    """

    findings: list[Finding]
    context: PatientContext
    sections: list[Section] = field(default_factory=list)
    n_sentences: int = 0
    mentions: list[Finding] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"findings": [f.to_dict() for f in self.findings], "context": asdict(self.context),
                "sections": [asdict(s) for s in self.sections], "n_sentences": self.n_sentences,
                "mentions": [[f.concept_id, f.start, f.end] for f in self.mentions]}


def deduplicate(mentions: list[Finding]) -> list[Finding]:
    """One finding per (concept, assertion), the first mention's, in text order.

    >>> fs = [Finding("HP:0000098", "Tall stature", start=0), Finding("HP:0000098", "Tall stature", start=30),
    ...       Finding("HP:0000098", "Tall stature", start=50, negated=True)]
    >>> [(f.start, f.assertion) for f in deduplicate(fs)]
    [(0, 'present'), (50, 'absent')]
    """
    seen: set[tuple[str, str]] = set()
    out = []
    for f in mentions:
        key = (f.concept_id, f.assertion)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def check_note(note: object, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """The note as text, or :class:`InputError` naming what is wrong with it.

    >>> check_note(b"caf\\xc3\\xa9")
    'café'
    >>> check_note("  ")
    Traceback (most recent call last):
    ...
    kg.errors.InputError: note is empty
    """
    if isinstance(note, (bytes, bytearray, memoryview)):
        data = bytes(note)
        if b"\x00" in data[:65536]:
            raise InputError("note looks like binary data (it contains NUL bytes), not text")
        try:
            note = data.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise InputError(f"note is not valid UTF-8 text: byte 0x{data[err.start]:02x} at offset {err.start} "
                             f"({err.reason}); convert it to UTF-8 first") from None
    if not isinstance(note, str):
        raise InputError(f"note must be str or UTF-8 bytes, not {type(note).__name__}")
    if not note.strip():
        raise InputError("note is empty")
    if len(note) > max_chars:
        raise InputError(f"note is {len(note):,} characters long; the maximum is {max_chars:,} "
                         f"(split it, or raise max_chars)")
    sample = note[:65536]
    if "\x00" in sample:
        raise InputError("note looks like binary data (it contains NUL characters), not text")
    controls = sum(1 for ch in sample if ch < " " and ch not in "\t\n\r\f\v")
    if controls > max(8, len(sample) // 100):
        raise InputError(f"note looks like binary data ({controls} control characters in its first "
                         f"{len(sample):,}), not text")
    return note


class _Concepts:
    """``medkg_concepts``: concept spans as ``doc.ents`` (label = category, kb_id = concept id)."""

    def __init__(self) -> None:
        self.matcher: ConceptMatcher | None = None

    def __call__(self, doc: Doc) -> Doc:
        if self.matcher is None:
            raise InputError("the medkg_concepts component has no matcher: use kg.extract.build_extractor()")
        spans = self.matcher(doc)
        concepts = self.matcher.concepts
        doc.ents = [Span(doc, s.start, s.end, label=concepts[s.label_][1], kb_id=s.label_) for s in spans]
        # forms that deny their own concept ("afebrile"), by start token
        doc.user_data["medkg_negating"] = [s.start for s in spans if self.matcher.negating(s)]
        return doc


class _Annotate:
    """``medkg_annotate``: sections, values, patient context and ConText -> ``doc.user_data["medkg"]``."""

    def __init__(self, nlp: Language) -> None:
        self.context = ConText(nlp)

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        sections = find_sections(text)
        starts = [s.start for s in sections]
        patient = read_patient_context(text)
        pregnant = read_pregnancy(text) if patient.sex != "male" else None
        values = find_values(text, patient.sex, patient.age_years, pregnant)
        headers = [(s.start, s.start + len(s.header)) for s in sections]
        # a section header is not a finding ("FAMILY HISTORY" is also an HPO term)
        doc.ents = [e for e in doc.ents if not any(hs <= e.start_char < he for hs, he in headers)]
        drugs = {"allergies": [], "medications": []}
        drug_sections = [s for s in sections if s.name in PATIENT_SECTIONS]
        if drug_sections:
            in_drug_section = [e for e in doc.ents if section_at(sections, e.start_char, starts) in PATIENT_SECTIONS]
            for sec in drug_sections:
                body = sec.start + len(sec.header)
                if text[body:body + 1] == ":":
                    body += 1
                for d in read_drug_list(text, body, sec.end):
                    hit = next((e for e in in_drug_section if e.label_ == "Drug"
                                and d.start <= e.start_char and e.end_char <= d.end), None)
                    drugs[sec.name].append([d.text, hit.kb_id_ if hit else "", "", d.start, d.end, d.detail])
            values = [v for v in values if section_at(sections, v.start, starts) not in PATIENT_SECTIONS]
            doc.ents = [e for e in doc.ents if e not in in_drug_section]
        ents = list(doc.ents)
        negating = set(doc.user_data.pop("medkg_negating", ()))
        targets: list[tuple[int, int]] = [(e.start, e.end) for e in ents]
        kept_values = []
        for v in values:
            span = doc.char_span(v.start, v.end, alignment_mode="expand")
            if span is not None:
                targets.append((span.start, span.end))
                kept_values.append(v)
        assertions = self.context.assert_spans(doc, targets)
        rows = []
        for i, a in enumerate(assertions):
            if i < len(ents):
                e = ents[i]
                cid, start, end, text_, value, threshold = e.kb_id_, e.start_char, e.end_char, e.text, "", ""
            else:
                v = kept_values[i - len(ents)]
                cid, start, end, text_, value, threshold = v.concept_id, v.start, v.end, text[v.start:v.end], v.value, v.threshold
            sec = section_at(sections, start, starts)
            if i < len(ents) and ents[i].start in negating and not a.negated:
                a = Assertion(True, a.uncertain, a.historical, a.hypothetical, a.experiencer,
                              "; ".join(t for t in (ents[i].text, a.trigger) if t))
            a = _section_rules(a, sec, sections, starts, start)
            rows.append([cid, text_, start, end, sec, a.negated, a.uncertain, a.historical, a.hypothetical,
                         a.experiencer, a.trigger, value, threshold])
        rows.sort(key=lambda r: (r[2], r[3]))
        doc.user_data["medkg"] = {
            "rows": rows,
            "sections": [[s.name, s.start, s.end, s.header] for s in sections],
            "context": [patient.age_years, patient.sex, patient.extras, pregnant, drugs["allergies"],
                        drugs["medications"], read_egfr(text)],
        }
        release(doc)
        return doc


def _section_rules(a: Assertion, sec: str, sections: list[Section], starts: list[int], offset: int) -> Assertion:
    if sec == "family_history" and a.experiencer == "patient":
        header = sections[bisect_right(starts, offset) - 1].header
        trig = "; ".join(t for t in (a.trigger, header) if t)
        return Assertion(a.negated, a.uncertain, a.historical, a.hypothetical, "family", trig)
    if sec in HISTORICAL_SECTIONS and not a.historical:
        return Assertion(a.negated, a.uncertain, True, a.hypothetical, a.experiencer, a.trigger)
    return a


@Language.factory("medkg_concepts")
def _make_concepts(nlp: Language, name: str) -> _Concepts:
    return _Concepts()


@Language.factory("medkg_annotate")
def _make_annotate(nlp: Language, name: str) -> _Annotate:
    return _Annotate(nlp)


class Extractor:
    """Reads notes. Build it with :func:`build_extractor`; it never logs note text."""

    def __init__(self, nlp: Language, matcher: ConceptMatcher, max_chars: int = DEFAULT_MAX_CHARS):
        self.nlp = nlp
        self.matcher = matcher
        self.max_chars = max_chars
        nlp.max_length = max_chars + 1
        nlp.get_pipe("medkg_concepts").matcher = matcher

    def extract(self, text: str | bytes) -> Extraction:
        """Findings, patient context and sections of one note (InputError if it is not usable text)."""
        note = check_note(text, self.max_chars)
        return self._to_extraction(self._run(note))

    def _run(self, note: str) -> Doc:
        doc = self.nlp.make_doc(note)
        doc.user_data[TEXT_KEY] = note   # spaCy rebuilds doc.text from its tokens on every call
        for _, proc in self.nlp.pipeline:
            doc = proc(doc)
        return doc

    def pipe(self, texts: Iterable[str | bytes], n_process: int = 1, batch_size: int = 32) -> Iterator[Extraction]:
        """Like :meth:`extract` over many notes, in order; ``n_process > 1`` uses spaCy's multiprocessing."""
        checked = (check_note(t, self.max_chars) for t in texts)
        if n_process == 1:
            for note in checked:
                yield self._to_extraction(self._run(note))
            return
        for doc in self.nlp.pipe(checked, n_process=n_process, batch_size=batch_size):
            yield self._to_extraction(doc)

    def assert_spans(self, text: str, spans: list[tuple[int, int]]) -> list[Assertion]:
        """ConText (with sentence and section rules) for given character spans of ``text``.

        For evaluating assertion classification on annotated spans, independent of the vocabulary.
        """
        note = check_note(text, self.max_chars)
        doc = self.nlp.get_pipe("medkg_sentences")(self.nlp.make_doc(note))
        sections = find_sections(note)
        starts = [s.start for s in sections]
        targets = []
        for s, e in spans:
            span = doc.char_span(s, e, alignment_mode="expand")
            targets.append((span.start, span.end) if span is not None else (0, 0))
        ann = self.nlp.get_pipe("medkg_annotate").context.assert_spans(doc, targets)
        return [_section_rules(a, section_at(sections, s, starts), sections, starts, s) for a, (s, _) in zip(ann, spans)]

    def _to_extraction(self, doc: Doc) -> Extraction:
        data = doc.user_data.get("medkg") or {"rows": [], "sections": [], "context": [None, None, {}, None, [], [], None]}
        concepts = self.matcher.concepts
        findings = []
        for cid, text_, start, end, sec, neg, unc, hist, hyp, exp, trig, value, threshold in data["rows"]:
            label = concepts[cid][0] if cid in concepts else VALUE_CONCEPTS.get(cid, cid)
            findings.append(Finding(cid, label, text_, start, end, sec, bool(neg), bool(unc), bool(hist), bool(hyp),
                                    exp, trig, value, threshold))
        age, sex, extras, pregnant, allergies, medications, egfr = data["context"]

        def drugs(rows) -> tuple[DrugMention, ...]:
            return tuple(DrugMention(t, cid, concepts[cid][0] if cid in concepts else "", s, e, d)
                         for t, cid, _, s, e, d in rows)
        context = PatientContext(age, sex, dict(extras or {}), pregnant, drugs(allergies), drugs(medications), egfr)
        sections = [Section(n, s, e, h) for n, s, e, h in data["sections"]]
        n_sent = sum(1 for _ in doc.sents) if doc.has_annotation("SENT_START") else 0
        return Extraction(deduplicate(findings), context, sections, n_sent, findings)


def build_extractor(terms: Iterable[ConceptTerm], cache_dir: Path | None = None, *,
                    max_chars: int = DEFAULT_MAX_CHARS) -> Extractor:
    """An :class:`Extractor` over these concept terms.

    The matcher is cached under ``cache_dir/<hash of the terms>/`` when ``cache_dir`` is given,
    so a second build over the same terms only loads it.
    """
    if max_chars < 1:
        raise InputError(f"max_chars must be a positive number of characters, not {max_chars}")
    t0 = time.perf_counter()
    nlp = make_nlp()
    nlp.add_pipe("medkg_sentences")
    nlp.add_pipe("medkg_concepts")
    nlp.add_pipe("medkg_annotate")
    matcher = ConceptMatcher.cached(nlp, terms, Path(cache_dir) if cache_dir is not None else None,
                                    load_abbreviations())
    log.info("extractor ready: %d concepts, %d patterns, %.2f s", len(matcher.concepts), len(matcher),
             time.perf_counter() - t0)
    return Extractor(nlp, matcher, max_chars)
