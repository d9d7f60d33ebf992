"""De-identification of clinical notes (HIPAA Safe Harbor identifiers that occur in text).

Runs before extraction: the extractor reads the de-identified text, so findings' texts and
offsets refer to it. See :mod:`kg.deid.engine` for the API and :mod:`kg.deid.recognizers`
for what is found and how.

>>> deidentify("Daughter Susan Park called 617-555-0186.").text
'Daughter [NAME] called [PHONE].'
"""

from kg.deid.engine import (DeidResult, Deidentifier, PhiSpan, ReplacedSpan, default_deidentifier,
                            random_shift_days)
from kg.deid.recognizers import PHI_TYPES

__all__ = ["PHI_TYPES", "Deidentifier", "DeidResult", "PhiSpan", "ReplacedSpan", "default_deidentifier",
           "random_shift_days", "deidentify", "deidentify_notes"]


def deidentify(text: str, shift_days: int | None = None) -> DeidResult:
    """De-identify one note with the process-wide :class:`Deidentifier`."""
    return default_deidentifier().deidentify(text, shift_days=shift_days)


def deidentify_notes(notes, shift_dates: bool = False) -> tuple[list[tuple[str, str]], list[DeidResult]]:
    """The ``(name, text)`` notes of one input (one patient) de-identified, names kept, and each
    note's result; with ``shift_dates`` all of them share one random date shift.

    >>> notes, results = deidentify_notes([("a.txt", "Seen by Dr. Alice Carter."), ("b.txt", "No fever.")])
    >>> notes
    [('a.txt', 'Seen by Dr. [NAME].'), ('b.txt', 'No fever.')]
    """
    notes = list(notes)
    results = default_deidentifier().deidentify_many([text for _, text in notes], shift_dates=shift_dates)
    return [(name, r.text) for (name, _), r in zip(notes, results)], results
