"""drug-safety: medkg's curated drug classes, allergy cross-reactivity, contraindications and interactions (CC0).

Four tables in ``data/sources/drug-safety/`` (see its README). :func:`read_drug_safety` reads
and checks them (a malformed file raises :class:`SourceError` naming file and line) into a
:class:`DrugSafety` that answers the questions the treatment report asks: which classes a drug
belongs to, which classes an allergy rules out, and which contraindication and interaction rows
apply to a drug. Drugs are keys as the tables write them: a ``DRUGBANK:``/``RXNORM:`` id, or the
lower-case drug name when no source has an id; :meth:`DrugSafety.keys` gives both for a drug.

These are not graph records yet: the graph vocabulary has no ``contraindicated_in`` /
``interacts_with`` predicates (issue 16 adds them, then this becomes a registered source).

>>> ds = read_drug_safety()
>>> "penicillins" in ds.classes_of("amoxicillin")
True
>>> sorted(ds.allergy_excludes("penicillins"))[:2]
['beta-lactam antibiotics', 'penicillins']
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import SourceError
from kg.sources.disease_ontology import read_tsv

__all__ = ["ClassMember", "CrossReactivity", "Contraindication", "Interaction", "DrugSafety", "read_drug_safety",
           "DATA_DIR", "VERSION"]

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "sources" / "drug-safety"
VERSION = "2026.1"
NAME = "drug-safety"
SEVERITIES = ("contraindicated", "avoid")
PREGNANCY = ("any", "first trimester", "from 20 weeks", "at term")
KINDS = ("condition", "pregnancy", "age_below", "egfr_below")


@dataclass(frozen=True)
class ClassMember:
    drug_id: str
    drug_name: str
    drug_class: str
    basis: str


@dataclass(frozen=True)
class CrossReactivity:
    allergy_class: str
    avoid_class: str
    severity: str
    note: str
    basis: str


@dataclass(frozen=True)
class Contraindication:
    subject: str          # drug key or class name
    subject_type: str     # drug | class
    kind: str             # condition | pregnancy | age_below | egfr_below
    value: str            # condition id | pregnancy period | years | eGFR
    value_label: str
    severity: str
    note: str
    basis: str


@dataclass(frozen=True)
class Interaction:
    subject_a: str
    type_a: str
    subject_b: str
    type_b: str
    severity: str
    effect: str
    basis: str


@dataclass
class DrugSafety:
    members: list[ClassMember] = field(default_factory=list)
    cross: list[CrossReactivity] = field(default_factory=list)
    contraindications: list[Contraindication] = field(default_factory=list)
    interactions: list[Interaction] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._classes: dict[str, set[str]] = defaultdict(set)
        for m in self.members:
            for key in (m.drug_id, m.drug_name.lower()):
                if key:
                    self._classes[key].add(m.drug_class)

    def keys(self, drug: str) -> set[str]:
        """Every key the tables may use for ``drug`` (its id and its lower-case name)."""
        keys = {drug, drug.lower()}
        for m in self.members:
            if drug in (m.drug_id, m.drug_name) or drug.lower() == m.drug_name.lower():
                keys |= {k for k in (m.drug_id, m.drug_name.lower()) if k}
        return keys

    def classes_of(self, drug: str) -> set[str]:
        """The classes of a drug given by id or name."""
        out: set[str] = set()
        for key in self.keys(drug):
            out |= self._classes.get(key, set())
        return out

    def allergy_excludes(self, allergy_class: str) -> set[str]:
        """The classes not to give after an allergy to a drug of ``allergy_class``."""
        return {c.avoid_class for c in self.cross if c.allergy_class == allergy_class}

    def contraindications_of(self, drug: str) -> list[Contraindication]:
        """Contraindication rows that name the drug or one of its classes."""
        keys, classes = self.keys(drug), self.classes_of(drug)
        return [c for c in self.contraindications
                if (c.subject_type == "drug" and c.subject in keys) or (c.subject_type == "class" and c.subject in classes)]

    def interactions_between(self, drug: str, other: str) -> list[Interaction]:
        """Interaction rows between two different drugs (either order)."""
        if self.keys(drug) & self.keys(other):
            return []
        def match(subject: str, kind: str, d: str) -> bool:
            return subject in self.keys(d) if kind == "drug" else subject in self.classes_of(d)
        return [i for i in self.interactions
                if (match(i.subject_a, i.type_a, drug) and match(i.subject_b, i.type_b, other))
                or (match(i.subject_a, i.type_a, other) and match(i.subject_b, i.type_b, drug))]


def _fail(path: Path, lineno: int, message: str) -> SourceError:
    return SourceError(f"{path}, line {lineno}: {message} (source {NAME!r}; see data/sources/{NAME}/README.md)")


def _check(path: Path, lineno: int, row: dict[str, str], column: str, valid) -> str:
    if row[column] not in valid:
        raise _fail(path, lineno, f"{column} {row[column]!r} is not one of {', '.join(valid)}")
    return row[column]


def _basis(path: Path, lineno: int, row: dict[str, str]) -> str:
    if not row["basis"].strip():
        raise _fail(path, lineno, "empty basis")
    return row["basis"]


def read_drug_safety(folder: Path = DATA_DIR) -> DrugSafety:
    """Read and check the four drug-safety tables under ``folder``."""
    folder = Path(folder)
    path = folder / "classes.tsv"
    members = [ClassMember(r["drug_id"], r["drug_name"], r["drug_class"], _basis(path, n, r))
               for n, r in read_tsv(path, ("drug_id", "drug_name", "drug_class", "basis"))]
    known = {m.drug_class for m in members}

    def known_class(p: Path, n: int, name: str) -> str:
        if name not in known:
            raise _fail(p, n, f"class {name!r} is not in classes.tsv")
        return name

    path = folder / "allergy_cross_reactivity.tsv"
    cross = [CrossReactivity(known_class(path, n, r["allergy_class"]), known_class(path, n, r["avoid_class"]),
                             _check(path, n, r, "severity", SEVERITIES), r["note"], _basis(path, n, r))
             for n, r in read_tsv(path, ("allergy_class", "avoid_class", "severity", "note", "basis"))]
    path = folder / "contraindications.tsv"
    contra = []
    for n, r in read_tsv(path, ("subject", "subject_label", "subject_type", "kind", "value", "value_label",
                                "severity", "note", "basis")):
        stype = _check(path, n, r, "subject_type", ("drug", "class"))
        if stype == "class":
            known_class(path, n, r["subject"])
        kind = _check(path, n, r, "kind", KINDS)
        if kind == "pregnancy":
            _check(path, n, r, "value", PREGNANCY)
        elif kind in ("age_below", "egfr_below"):
            try:
                float(r["value"])
            except ValueError:
                raise _fail(path, n, f"{kind} value {r['value']!r} is not a number") from None
        elif not r["value"].startswith(("DOID:", "MONDO:")):
            raise _fail(path, n, f"condition {r['value']!r} is not a DOID or MONDO id")
        contra.append(Contraindication(r["subject"], stype, kind, r["value"], r["value_label"],
                                       _check(path, n, r, "severity", SEVERITIES), r["note"], _basis(path, n, r)))
    path = folder / "interactions.tsv"
    inter = []
    for n, r in read_tsv(path, ("subject_a", "type_a", "subject_b", "type_b", "severity", "effect", "basis")):
        for side in ("a", "b"):
            if _check(path, n, r, f"type_{side}", ("drug", "class")) == "class":
                known_class(path, n, r[f"subject_{side}"])
        inter.append(Interaction(r["subject_a"], r["type_a"], r["subject_b"], r["type_b"],
                                 _check(path, n, r, "severity", SEVERITIES), r["effect"], _basis(path, n, r)))
    return DrugSafety(members, cross, contra, inter)
