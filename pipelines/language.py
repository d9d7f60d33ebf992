"""Is a note in a language the extractor reads? (English only, today.)

A French or German note goes through the English matcher and comes out with a handful of
findings, so its differential is near-empty or wrong without a word of warning. This module
guesses the note's language with `langdetect` (a port of Google's language-detection: pure
Python, its 55 language profiles ship inside the wheel, so it works offline; seeded, so the
same note always gets the same answer) and says so when it is not English.

Why a detector and not "the share of tokens the English vocabulary knows": clinical English is
full of abbreviations, drug names and numbers that no English word list holds (a share that
is low for English notes too), while French and German medical words often are in a medical
vocabulary ("diabète", "Diabetes"). langdetect reads character n-grams, which abbreviations and
numbers do not sway: on the three shipped synthetic notes, an abbreviation-heavy and a lab-only
English note it answers English (p > 0.999), and French, German and Spanish for notes in those
languages (see tests/pipelines/test_language.py). Loading its profiles costs ~0.4 s of CPU once per
process, the first time a note is diagnosed; each note then ~5 ms (the Marfan example note).

>>> guess_language("Patient de 16 ans avec des doigts longs et fins et une luxation du cristallin.").language
'fr'
>>> language_warning("16 yo M with long slender fingers, tall stature and a dislocated lens.", "note.txt")
''
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

__all__ = ["LanguageGuess", "guess_language", "language_warning", "READS", "MIN_LETTERS", "MIN_PROBABILITY"]

READS = ("en",)            # languages the extractor reads
MIN_LETTERS = 40           # shorter notes are not judged (too little text to tell)
MIN_PROBABILITY = 0.90     # warn only when the detector is this sure

_NAMES = {"fr": "French", "de": "German", "es": "Spanish", "it": "Italian", "pt": "Portuguese", "nl": "Dutch",
          "sv": "Swedish", "da": "Danish", "no": "Norwegian", "fi": "Finnish", "pl": "Polish", "cs": "Czech",
          "ro": "Romanian", "hu": "Hungarian", "tr": "Turkish", "ru": "Russian", "el": "Greek", "ar": "Arabic",
          "zh-cn": "Chinese", "zh-tw": "Chinese", "ja": "Japanese", "ko": "Korean", "ca": "Catalan", "en": "English"}

_lock = threading.Lock()
_ready = False


@dataclass(frozen=True)
class LanguageGuess:
    language: str          # langdetect's code, e.g. "fr", "zh-cn"
    probability: float

    @property
    def name(self) -> str:
        return _NAMES.get(self.language, self.language)


def _factory():
    global _ready
    from langdetect import DetectorFactory
    from langdetect.detector_factory import init_factory

    with _lock:
        if not _ready:
            DetectorFactory.seed = 0
            init_factory()
            _ready = True
    from langdetect import detector_factory

    return detector_factory._factory


def guess_language(text: str) -> LanguageGuess | None:
    """The note's most likely language, or None when there is too little text to tell."""
    if sum(ch.isalpha() for ch in text[:20_000]) < MIN_LETTERS:
        return None
    from langdetect.lang_detect_exception import LangDetectException

    detector = _factory().create()
    detector.append(text[:20_000])
    try:
        best = detector.get_probabilities()[0]
    except (LangDetectException, IndexError):
        return None
    return LanguageGuess(best.lang, float(best.prob))


def language_warning(text: str, name: str = "") -> str:
    """A sentence for the report when the note is (surely) not in a language the extractor reads, else ""."""
    guess = guess_language(text)
    if guess is None or guess.language in READS or guess.probability < MIN_PROBABILITY:
        return ""
    which = f"note {name}" if name else "the note"
    return (f"{which} looks {guess.name} (p={guess.probability:.2f}); medkg reads English notes only, so most of "
            f"its findings were probably missed and the differential below is unreliable. Give an English note, "
            f"or the phenotypes as ids (--hpo HP:...).")
