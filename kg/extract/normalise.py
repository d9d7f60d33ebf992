"""Light word normalisation shared by the concept matcher and the notes it reads.

Both the vocabulary and the note go through the same function (as spaCy's lexeme
``NORM``), so a rule only has to map the singular and the plural to one form, not to
a real word: plural ``s``/``es``/``ies``, a final silent ``e``, accents and a few
British spellings.

>>> [normalise(w) for w in ("Seizures", "seizure", "allergies", "allergy", "headaches", "headache")]
['seizur', 'seizur', 'allergy', 'allergy', 'headach', 'headach']
>>> [normalise(w) for w in ("abscesses", "abscess", "rashes", "rash", "Anaemia", "anemia", "Café")]
['abscess', 'abscess', 'rash', 'rash', 'anemia', 'anemia', 'cafe']
>>> normalise("stenosis"), normalise("mellitus"), normalise("CT")
('stenosis', 'mellitus', 'ct')
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

__all__ = ["normalise", "NORMALISER_VERSION"]

# Bump whenever a rule changes: cached matchers are keyed by it.
NORMALISER_VERSION = "1"

# Irregular plurals common in clinical text (both sides of the table normalise to the right side).
_IRREGULAR = {
    "feet": "foot", "teeth": "tooth", "children": "child", "women": "woman", "men": "man",
    "phalanges": "phalanx", "vertebrae": "vertebra", "bronchi": "bronchus", "diagnoses": "diagnosis",
    "metastases": "metastasis", "stenoses": "stenosis", "ecchymoses": "ecchymosis",
}
_KEEP_S = ("ss", "us", "is", "ous", "sis", "xis")


@lru_cache(maxsize=200_000)
def normalise(word: str) -> str:
    """Lower-case, accent-free, singular-ish form of one token."""
    w = word.lower()
    if not w.isascii():
        w = unicodedata.normalize("NFKD", w).encode("ascii", "ignore").decode("ascii") or w
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    if len(w) <= 3 or not w.isalpha():
        return w
    if len(w) > 5:  # British spellings: anaemia, oedema, diarrhoea, haemorrhage
        w = w.replace("ae", "e").replace("oe", "e")
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith(("sses", "xes", "zes", "shes", "ches")):
        w = w[:-2]
    elif w.endswith("ses"):
        w = w[:-1]
    elif w.endswith("s") and not w.endswith(_KEEP_S):
        w = w[:-1]
    if w.endswith("e") and len(w) > 4:
        w = w[:-1]
    return w
