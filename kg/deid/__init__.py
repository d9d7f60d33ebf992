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
           "random_shift_days", "deidentify"]


def deidentify(text: str, shift_days: int | None = None) -> DeidResult:
    """De-identify one note with the process-wide :class:`Deidentifier`."""
    return default_deidentifier().deidentify(text, shift_days=shift_days)
