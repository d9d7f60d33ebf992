"""Age and sex from a note's own words -> :class:`kg.finding.PatientContext`.

>>> read_patient_context("HPI: 45 yo F with cough").age_years, read_patient_context("45 yo F").sex
(45.0, 'female')
>>> c = read_patient_context("A 45-year-old woman presents with fever.")
>>> c.age_years, c.sex
(45.0, 'female')
>>> read_patient_context("18-month-old boy").age_years
1.5
>>> read_patient_context("No demographics here.")
PatientContext(age_years=None, sex=None, extras={})
"""

from __future__ import annotations

import re

from kg.finding import PatientContext

__all__ = ["read_patient_context"]

_SEX_WORDS = {
    "f": "female", "female": "female", "woman": "female", "girl": "female", "lady": "female", "w": "female",
    "m": "male", "male": "male", "man": "male", "boy": "male", "gentleman": "male", "gent": "male",
}
_AGE = re.compile(
    r"(?<![\d.])(?P<age>\d{1,3}(?:\.\d)?)[ \t]*-?[ \t]*"
    r"(?:(?P<unit>y\.?o\.?|y/o)|(?P<unit2>yrs?\.?|years?|months?|mos?\.?|weeks?|wks?\.?|days?)[ \t]*-?[ \t]*old)"
    r"(?![A-Za-z])"
    r"(?:[ \t,]*(?P<sex>female|male|woman|man|girl|boy|lady|gentleman|gent|F|M)(?![A-Za-z]))?",
    re.IGNORECASE)
_AGE_LABEL = re.compile(r"\bage[ \t]*[:=]?[ \t]*(?P<age>\d{1,3})\b", re.IGNORECASE)
_COMPACT = re.compile(r"(?<![\w.])(?P<age>\d{1,3})[ \t]?(?P<sex>F|M)(?![\w])")
_SEX_LABEL = re.compile(r"\b(?:sex|gender)[ \t]*[:=][ \t]*(?P<sex>female|male|f|m)\b", re.IGNORECASE)
_SEX_NOUN = re.compile(r"\b(?P<sex>woman|man|female|male|girl|boy|gentleman|lady)\b", re.IGNORECASE)


def _unit_factor(unit: str) -> float:
    u = unit.lower().rstrip(".")
    if u.startswith(("y",)):
        return 1.0
    if u.startswith("mo"):
        return 1 / 12
    if u.startswith("w"):
        return 7 / 365.25
    if u.startswith("d"):
        return 1 / 365.25
    return 1.0


def read_patient_context(text: str, head_chars: int = 2000) -> PatientContext:
    """The first age and sex stated near the start of the note (sex from "F"/"woman"... only)."""
    head = text[:head_chars]
    age = sex = None
    extras: dict = {}
    m = _AGE.search(head)
    if m:
        age = round(float(m.group("age")) * _unit_factor(m.group("unit") or m.group("unit2")), 2)
        if m.group("sex"):
            sex = _SEX_WORDS[m.group("sex").lower()]
        extras["age_text"] = m.group(0).strip()
    else:
        m = _AGE_LABEL.search(head) or _COMPACT.search(head[:500])
        if m:
            age = float(m.group("age"))
            if "sex" in m.groupdict() and m.group("sex"):
                sex = _SEX_WORDS[m.group("sex").lower()]
    if age is not None and not 0 <= age <= 125:
        age = None
    if sex is None:
        m = _SEX_LABEL.search(head) or _SEX_NOUN.search(head[:500])
        if m:
            sex = _SEX_WORDS[m.group("sex").lower()]
    return PatientContext(age_years=age, sex=sex, extras={} if age is None else extras)
