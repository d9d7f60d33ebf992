"""Section detection: which part of the note (HPI, family history, exam...) a word is in.

A header is a known section name at the start of a line, followed by a colon or
alone on its line (``FAMILY HISTORY``, ``Family hx:``, ``PMH:``, ``A/P:``). Organ-system
sub-headers (``HEENT:``, ``Lungs:``) stay inside a review of systems or an exam and
otherwise start the physical exam. Text before the first header is section ``""``.

>>> note = "HPI: cough.\\nFamily History: mother had asthma.\\nLungs: clear"
>>> [(s.name, note[s.start:s.end].split(":")[0]) for s in find_sections(note)]
[('hpi', 'HPI'), ('family_history', 'Family History'), ('physical_exam', 'Lungs')]
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

__all__ = ["Section", "find_sections", "section_at", "SECTION_NAMES", "HISTORICAL_SECTIONS"]


@dataclass(frozen=True)
class Section:
    name: str        # canonical name, e.g. "family_history"
    start: int       # offset of the header's first character
    end: int         # offset where the next section starts (or the note ends)
    header: str = "" # the header as written, e.g. "FAMILY HX"


# canonical name -> header spellings (lower case, single spaces, without the colon)
SECTION_NAMES: dict[str, tuple[str, ...]] = {
    "chief_complaint": ("cc", "chief complaint", "reason for visit", "reason for admission", "reason for consultation", "presenting complaint"),
    "hpi": ("hpi", "history of present illness", "history of the present illness", "present illness",
            "history of presenting illness", "subjective", "interval history", "hpi and hospital course",
            "history", "history of presenting complaint", "hpc", "s"),
    "past_medical_history": ("pmh", "pmhx", "past medical history", "medical history", "past history",
                             "past medical hx", "medical hx", "problem list", "past medical and surgical history"),
    "past_surgical_history": ("psh", "pshx", "past surgical history", "surgical history", "surgical hx"),
    "family_history": ("fh", "fhx", "family history", "family hx", "family medical history", "fam hx"),
    "social_history": ("sh", "shx", "social history", "social hx"),
    "medications": ("medications", "meds", "current medications", "home medications", "medications on admission",
                    "discharge medications", "outpatient medications", "current meds", "home meds",
                    "medications at discharge", "admission medications", "meds on admission", "medication list",
                    "current outpatient medications", "medications prior to admission", "medication"),
    "allergies": ("allergies", "allergy", "drug allergies", "allergies and adverse reactions",
                  "allergies/adverse reactions", "allergy list", "adverse reactions", "adverse drug reactions"),
    "ros": ("ros", "review of systems", "review of system"),
    "physical_exam": ("pe", "physical exam", "physical examination", "exam", "examination", "vitals", "vital signs",
                      "objective", "on examination", "o/e", "o", "admission exam", "exam on admission",
                      "physical exam on admission", "discharge exam", "physical examination on admission"),
    "results": ("labs", "lab results", "laboratory", "laboratory data", "laboratory results", "results", "imaging",
                "studies", "diagnostic studies", "pertinent results", "radiology", "findings", "labs/imaging",
                "imaging/labs", "labs and imaging", "laboratory and imaging", "investigations", "lab data", "data",
                "diagnostics", "ecg", "ekg"),
    "assessment_plan": ("assessment", "plan", "assessment and plan", "assessment/plan", "a/p", "a&p", "impression",
                        "impression and plan", "diagnosis", "diagnoses", "discharge diagnosis", "discharge diagnoses",
                        "clinical impression", "differential diagnosis", "ddx", "recommendations", "a", "p",
                        "impression/plan", "assessment & plan", "impression/recommendations",
                        "impression and recommendations", "assessment and recommendations", "plan of care"),
    # what happened during the stay or the ED visit (discharge summaries, ED notes)
    "hospital_course": ("hospital course", "brief hospital course", "ed course", "course in the ed", "course",
                        "emergency department course", "course in the emergency department", "clinical course",
                        "hospital stay", "summary of hospital course", "ed course and mdm", "mdm",
                        "medical decision making", "course in hospital", "hospital course by problem"),
}

# Sections whose findings are history (past) rather than the current presentation.
# Social history and allergies are history too (habits, exposures, known allergies).
HISTORICAL_SECTIONS = frozenset({"past_medical_history", "past_surgical_history", "social_history", "allergies"})

# Organ-system sub-headers of a review of systems or an exam.
_SUBHEADERS = (
    "general", "gen", "constitutional", "heent", "head", "eyes", "ears", "ent", "neck", "lungs", "lung", "chest",
    "respiratory", "resp", "pulm", "pulmonary", "heart", "cardiac", "cv", "cvs", "cardiovascular", "abdomen",
    "abd", "gi", "gu", "genitourinary", "extremities", "ext", "neuro", "neurologic", "neurological", "skin",
    "psych", "psychiatric", "msk", "musculoskeletal", "lymph", "lymphatic", "back", "endocrine", "heme",
)

_LOOKUP = {spelling: name for name, spellings in SECTION_NAMES.items() for spelling in spellings}
_SUB = frozenset(_SUBHEADERS)

# A candidate header at a line start: optional bullet, up to 6 words, then a colon or the line's end.
_HEADER = re.compile(
    r"^[ \t]*(?:[-*\u2022#]+[ \t]*)?(?P<h>[A-Za-z][A-Za-z/&' ]{0,48}?)[ \t]*(?::|[ \t]*$)", re.MULTILINE)


def _canonical(raw: str) -> str:
    return " ".join(raw.lower().replace("'s", "").split())


def find_sections(text: str) -> list[Section]:
    """The note's sections in order; each ends where the next begins."""
    heads: list[tuple[int, str, str]] = []
    current = ""
    for m in _HEADER.finditer(text):
        raw = m.group("h")
        key = _canonical(raw)
        name = _LOOKUP.get(key)
        if name is None and key in _SUB:
            name = current if current in ("ros", "physical_exam") else "physical_exam"
        if name is None:
            continue
        # a header alone on its line must look like one (capitals or title case), not a sentence's end
        colon = text[m.end() - 1:m.end()] == ":"
        if not colon and not (raw.isupper() or raw.istitle()):
            continue
        # SOAP letters: "S:", "O:", "A:", "P:" only, upper case with a colon, not "P: 88" (a pulse)
        if len(key) == 1 and not (colon and raw.isupper() and not text[m.end():m.end() + 8].strip()[:1].isdigit()):
            continue
        if name != current:
            heads.append((m.start("h"), name, raw))
            current = name
    out = []
    for i, (start, name, raw) in enumerate(heads):
        end = heads[i + 1][0] if i + 1 < len(heads) else len(text)
        out.append(Section(name, start, end, raw))
    return out


def section_at(sections: list[Section], offset: int, _starts: list[int] | None = None) -> str:
    """Name of the section that holds character ``offset`` ("" before the first header)."""
    starts = _starts if _starts is not None else [s.start for s in sections]
    i = bisect_right(starts, offset) - 1
    return sections[i].name if i >= 0 else ""
