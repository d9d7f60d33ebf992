"""Find PHI in a note and write the note back without it.

:class:`Deidentifier` wraps a Presidio ``AnalyzerEngine`` over a blank spaCy English pipeline
(tokenizer only: no model is downloaded or loaded) and the recognisers of
:mod:`kg.deid.recognizers`. Overlapping finds are resolved longest first. Replacement is done
here rather than by ``presidio-anonymizer`` because it needs each span's context (an age before
"year-old" is written ``≥90``, elsewhere ``90 or older``) and one date offset shared by every
note of an input.

PHI becomes a typed placeholder (``[NAME]``, ``[DATE]``, ``[ID]``, ...); an age over 89 becomes
``≥90`` / ``90 or older``, which the extractor still reads as age 90; with ``shift_days`` dates
move by that many days instead of becoming ``[DATE]``. The result keeps, for every replaced span,
its type and its offsets in both texts, never the PHI itself.

>>> d = Deidentifier()
>>> r = d.deidentify("Pt: John Smith, 94 yo M, MRN 00482913, seen 03/02/2024 for cough.")
>>> r.text
'Pt: [NAME], ≥90 yo M, MRN [ID], seen [DATE] for cough.'
>>> d.deidentify("Seen 03/02/2024, again 3/9/2024.", shift_days=10).text
'Seen 03/12/2024, again 3/19/2024.'
>>> [(s.type, s.start, s.end) for s in r.spans][:2]
[('NAME', 4, 10), ('AGE', 12, 15)]
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Sequence

import spacy
from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer
from presidio_analyzer.nlp_engine import NoOpNlpEngine, SpacyNlpEngine

from kg.deid.dates import shift_date_text
from kg.deid.recognizers import PHI_TYPES, PRESIDIO_TYPES, age_replacement, default_recognizers
from kg.errors import ConfigError, InputError

__all__ = ["Deidentifier", "PhiSpan", "ReplacedSpan", "DeidResult", "default_deidentifier", "random_shift_days",
           "BlankSpacyNlpEngine"]


@dataclass(frozen=True)
class PhiSpan:
    """One PHI span found in a note (``text`` is the PHI itself: never log or output it)."""

    type: str      # one of PHI_TYPES
    start: int
    end: int
    text: str
    score: float


@dataclass(frozen=True)
class ReplacedSpan:
    """Where a PHI span was and what stands there now, without the PHI."""

    type: str
    start: int            # offsets of the replacement in the de-identified text
    end: int
    source_start: int     # offsets of the PHI in the input
    source_end: int
    replacement: str


@dataclass(frozen=True)
class DeidResult:
    text: str
    spans: tuple[ReplacedSpan, ...]
    dates_shifted: bool = False

    def to_dict(self) -> dict:
        """JSON-ready: the de-identified text and its spans (the shift itself is never included)."""
        return {"text": self.text, "dates_shifted": self.dates_shifted, "spans": [asdict(s) for s in self.spans],
                "counts": {t: sum(1 for s in self.spans if s.type == t) for t in PHI_TYPES
                           if any(s.type == t for s in self.spans)}}


class BlankSpacyNlpEngine(SpacyNlpEngine):
    """Presidio's spaCy engine over ``spacy.blank("en")``: tokens only, nothing to download."""

    def __init__(self) -> None:
        super().__init__(models=[{"lang_code": "en", "model_name": "blank:en"}])

    def load(self) -> None:
        self.nlp = {"en": spacy.blank("en")}


NLP_ENGINES = {
    # The recognisers read the text only, so by default no tokens are made (Presidio's no-op engine).
    "none": lambda: NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "none"}]),
    # spaCy's blank English tokenizer, for recognisers that want tokens (Presidio context words).
    "blank": BlankSpacyNlpEngine,
}


class _RulesCarryTheirContext(ContextAwareEnhancer):
    """No score changes from context words: medkg's rules match their trigger words themselves.

    (Presidio's default enhancer deep-copies every result, a third of the run time.)
    """

    def __init__(self) -> None:
        super().__init__(context_similarity_factor=0.0, min_score_with_context_similarity=0.0,
                         context_prefix_count=0, context_suffix_count=0)

    def enhance_using_context(self, text, raw_results, nlp_artifacts, recognizers, context=None):
        return raw_results


def random_shift_days() -> int:
    """A random non-zero shift within a year either way (drawn per input, never stored)."""
    days = secrets.randbelow(730) - 365   # -365 .. 364
    return days if days != 0 else 365


class Deidentifier:
    """PHI finder and replacer; build once (about 0.1 s) and reuse.

    ``nlp_engine`` is ``"none"`` (Presidio's no-op engine: the recognisers read the text, not
    tokens) or ``"blank"`` (``spacy.blank("en")``: tokens for Presidio's context words, no model).
    Neither downloads anything.
    """

    def __init__(self, nlp_engine: str = "none") -> None:
        if nlp_engine not in NLP_ENGINES:
            raise ConfigError(f"unknown NLP engine {nlp_engine!r} for de-identification; valid: {', '.join(NLP_ENGINES)}")
        registry = RecognizerRegistry(supported_languages=["en"])
        for rec in default_recognizers():
            registry.add_recognizer(rec)
        engine = NLP_ENGINES[nlp_engine]()
        engine.load()
        self.analyzer = AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["en"],
                                       context_aware_enhancer=_RulesCarryTheirContext())

    def find(self, text: str) -> list[PhiSpan]:
        """The PHI spans of ``text``, in order, without overlaps (the longest of overlapping finds wins)."""
        if not isinstance(text, str):
            raise InputError(f"de-identification needs text, got {type(text).__name__}")
        results = self.analyzer.analyze(text=text, language="en")
        ranked = sorted(results, key=lambda r: (-(r.end - r.start), -r.score, r.start))
        taken = bytearray(len(text))  # 1 where an accepted span lies (linear, whatever the note's size)
        spans: list[PhiSpan] = []
        for r in ranked:
            if any(taken[r.start:r.end]):
                continue
            taken[r.start:r.end] = b"\x01" * (r.end - r.start)
            kind = PRESIDIO_TYPES.get(r.entity_type, r.entity_type)
            spans.append(PhiSpan(kind, r.start, r.end, text[r.start:r.end], round(float(r.score), 3)))
        return sorted(spans, key=lambda s: s.start)

    def deidentify(self, text: str, shift_days: int | None = None) -> DeidResult:
        """``text`` with its PHI replaced; dates shifted by ``shift_days`` when given, else ``[DATE]``."""
        out: list[str] = []
        replaced: list[ReplacedSpan] = []
        pos = length = 0
        for span in self.find(text):
            out.append(text[pos:span.start])
            length += span.start - pos
            if span.type == "AGE":
                new = age_replacement(text, span.start, span.end)
            elif span.type == "DATE" and shift_days is not None:
                new = shift_date_text(span.text, shift_days) or "[DATE]"
            else:
                new = f"[{span.type}]"
            replaced.append(ReplacedSpan(span.type, length, length + len(new), span.start, span.end, new))
            out.append(new)
            length += len(new)
            pos = span.end
        out.append(text[pos:])
        return DeidResult("".join(out), tuple(replaced), dates_shifted=shift_days is not None)

    def deidentify_many(self, texts: Sequence[str], shift_dates: bool = False) -> list[DeidResult]:
        """Several notes of one input (one patient): with ``shift_dates`` all share one random shift."""
        days = random_shift_days() if shift_dates else None
        return [self.deidentify(t, shift_days=days) for t in texts]


@lru_cache(maxsize=1)
def default_deidentifier() -> Deidentifier:
    """A process-wide :class:`Deidentifier` (thread-safe to use: it keeps no per-call state)."""
    return Deidentifier()
