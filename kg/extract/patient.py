"""Age, sex, pregnancy and drug lists from a note's own words -> :class:`kg.finding.PatientContext`.

>>> [(d.text, d.detail) for d in read_drug_list("Allergies: penicillin (rash), sulfa - hives\\n", 10)]
[('penicillin', 'rash'), ('sulfa', 'hives')]
>>> [d.text for d in read_drug_list("1. Aspirin 81 mg daily\\n2. insulin glargine 20 units qhs", 0)]
['Aspirin', 'insulin glargine']
>>> read_drug_list("NKDA", 0), read_pregnancy("32 yo G2P1 at 28 weeks gestation"), read_pregnancy("not pregnant")
([], True, None)

>>> read_patient_context("HPI: 45 yo F with cough").age_years, read_patient_context("45 yo F").sex
(45.0, 'female')
>>> c = read_patient_context("A 45-year-old woman presents with fever.")
>>> c.age_years, c.sex
(45.0, 'female')
>>> read_patient_context("18-month-old boy").age_years
1.5
>>> c = read_patient_context("No demographics here.")
>>> c.age_years, c.sex, c.extras
(None, None, {})
"""

from __future__ import annotations

import re

from kg.finding import DrugMention, PatientContext

__all__ = ["read_patient_context", "read_drug_list", "read_pregnancy"]

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


# entries that say there is nothing to list
_NOTHING = re.compile(r"^(?:nkda|nka|nkfa|none|nil|no known (?:drug |food )?allergies|no allergies|no known drug allergy|"
                      r"none known|no medications|no meds|not on any medications?|no regular medications|n/a)\.?$",
                      re.IGNORECASE)
# where a drug's name ends: a dose, a bracket, a dash, a colon, or a route/frequency word
_NAME_END = re.compile(r"\s*(?:\d|\(|\[|\s[-\u2013:]\s?|:|-\s|\b(?:po|iv|im|sc|sq|pr|sl|daily|bid|tid|qid|qd|qhs|"
                       r"prn|nightly|weekly|monthly|tablets?|tabs?|capsules?|caps?|mg|mcg|units?|inhaler|patch|"
                       r"cream|drops?|once|twice|every|at|with|for|x)\b)", re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[-*\u2022+o]\s+|\d{1,2}[.)]\s*)")
_SPLIT = re.compile(r"[\n;]|,(?![^()]*\))")


def read_drug_list(text: str, start: int, end: int | None = None) -> list[DrugMention]:
    """The entries of an ALLERGIES or MEDICATIONS section body ``text[start:end]``: name and detail."""
    end = len(text) if end is None else end
    out: list[DrugMention] = []
    pos = start
    for piece in _SPLIT.split(text[start:end]):
        p_start = pos
        pos += len(piece) + 1
        m = _BULLET.match(piece)
        off = m.end() if m else 0
        item = piece[off:].strip()
        lead = len(piece[off:]) - len(piece[off:].lstrip())
        if not item or _NOTHING.match(item.rstrip(".")) or not item[0].isalpha():
            continue
        cut = _NAME_END.search(item)
        name = item[:cut.start()] if cut and cut.start() > 0 else item
        name = " ".join(name.split()[:4]).rstrip(".,")
        if not name or _NOTHING.match(name) or len(name) < 2:
            continue
        detail = item[len(name):].strip(" -\u2013:()[].,")
        s0 = p_start + off + lead
        out.append(DrugMention(name, start=s0, end=s0 + len(name), detail=" ".join(detail.split())))
    return out


_PREGNANT = re.compile(r"\b(?:pregnant|gravid|(?:\d{1,2}|\d{1,2}\+\d)\s*(?:weeks?|wks?)\s*(?:gestation|pregnant|GA\b)|"
                       r"G\d+\s*P\d+[\d-]*\s+(?:at|@)\s*\d{1,2}\s*(?:weeks?|wks?)|intrauterine pregnancy|IUP\b)",
                       re.IGNORECASE)
_NOT_PREGNANT = re.compile(r"\b(?:not|non|no|denies|negative|never|nor)[ -]?(?:\w+\s){0,2}$", re.IGNORECASE)


def read_pregnancy(text: str, head_chars: int = 4000) -> bool | None:
    """True when the note says the patient is pregnant (and not "not pregnant"); None otherwise."""
    for m in _PREGNANT.finditer(text[:head_chars]):
        if not _NOT_PREGNANT.search(text[max(0, m.start() - 30):m.start()]):
            return True
    return None
