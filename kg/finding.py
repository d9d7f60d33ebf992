"""The Finding: one concept said about (or about someone close to) the patient.

The contract is fixed in DESIGN.md ("Findings, and what each assertion means for ranking").

>>> f = Finding("HP:0001945", "Fever", text="febrile", start=10, end=17)
>>> f.is_present, f.used_for_ranking
(True, True)
>>> Finding("HP:0012735", "Cough", negated=True, trigger="denies").is_absent
True
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

__all__ = ["Finding", "PatientContext", "DrugMention"]


@dataclass(frozen=True)
class Finding:
    concept_id: str              # a node of the graph, e.g. "HP:0001945"
    label: str                   # the concept's preferred label
    text: str = ""               # the words in the note ("" for structured input)
    start: int = -1              # character offsets into the note
    end: int = -1
    section: str = ""            # e.g. "family_history"
    negated: bool = False
    uncertain: bool = False
    historical: bool = False
    hypothetical: bool = False
    experiencer: str = "patient"  # or "family", "other"
    trigger: str = ""            # the words that set the assertion, e.g. "denies"
    value: str = ""              # for value rules: the measured value, e.g. "39.2 C"
    threshold: str = ""          # and the threshold it crossed, e.g. ">= 38.0 C"

    @property
    def is_patient(self) -> bool:
        return self.experiencer == "patient"

    @property
    def is_present(self) -> bool:
        """Affirmed (or historical) patient finding: counts as present for ranking."""
        return self.is_patient and not (self.negated or self.uncertain or self.hypothetical)

    @property
    def is_absent(self) -> bool:
        """Negated patient finding: evidence against diseases that usually have it."""
        return self.is_patient and self.negated and not self.hypothetical

    @property
    def used_for_ranking(self) -> bool:
        return self.is_present or self.is_absent

    @property
    def assertion(self) -> str:
        """One word for display: present, absent, possible, hypothetical, historical, family, other."""
        if not self.is_patient:
            return self.experiencer
        if self.hypothetical:
            return "hypothetical"
        if self.negated:
            return "absent"
        if self.uncertain:
            return "possible"
        if self.historical:
            return "historical"
        return "present"

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class DrugMention:
    """A drug (or other allergen) named in a note's ALLERGIES or MEDICATIONS section.

    >>> DrugMention("penicillin", detail="rash").concept_id
    ''
    """

    text: str                    # the name as written, e.g. "insulin glargine"
    concept_id: str = ""         # the graph's drug, when the vocabulary has it ("" otherwise)
    label: str = ""              # that drug's label
    start: int = -1              # character offsets of the name in the note
    end: int = -1
    detail: str = ""             # the rest of the entry: a reaction ("rash") or a dose ("81 mg daily")


@dataclass(frozen=True)
class PatientContext:
    """The patient model: age, sex, pregnancy, allergies, medications, eGFR (None / empty when unknown).

    Read from a note (age and sex from its words, allergies and medications from those sections,
    eGFR from a lab value) or given in structured input.
    """

    age_years: float | None = None
    sex: str | None = None       # "female", "male" or None
    extras: dict = field(default_factory=dict)
    pregnant: bool | None = None
    allergies: tuple[DrugMention, ...] = ()
    medications: tuple[DrugMention, ...] = ()
    egfr: float | None = None    # mL/min/1.73 m2
