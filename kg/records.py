"""Typed records that flow from source loaders into the store: Node, Edge, SourceData.

>>> e = Edge("OMIM:219700", Predicate.HAS_PHENOTYPE, "HP:0002110", "hpo", "2025-01-16",
...          references=("PMID:123",), qualifiers=(("frequency", "HP:0040281"),))
>>> e.id == Edge("OMIM:219700", Predicate.HAS_PHENOTYPE, "HP:0002110", "hpo", "2025-01-16",
...              references=("PMID:123",), qualifiers=(("frequency", "HP:0040281"),)).id
True
>>> e.qualifier("frequency")
'HP:0040281'
>>> frequency_value("3/4"), frequency_value("HP:0040283"), frequency_value("25%"), frequency_value("")
(0.75, 0.17, 0.25, None)
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from kg.vocab import Category, Predicate

__all__ = ["Node", "Edge", "SourceData", "frequency_value", "frequency_text", "QUALIFIER_KEYS", "HPO_FREQUENCY",
           "HPO_FREQUENCY_TEXT"]

# Qualifiers an edge may carry (anything else is a programming error in a loader).
QUALIFIER_KEYS = (
    "frequency", "onset", "sex", "modifier", "evidence", "biocuration", "aspect",
    "n_curators", "n_resources", "n_labels", "strength", "evidence_level", "mapping_justification",
    "negated", "note", "score",
)

# HPO frequency terms -> a representative probability (the midpoint of the range HPO gives).
HPO_FREQUENCY = {
    "HP:0040280": 1.0,    # Obligate (100%)
    "HP:0040281": 0.895,  # Very frequent (80-99%)
    "HP:0040282": 0.545,  # Frequent (30-79%)
    "HP:0040283": 0.17,   # Occasional (5-29%)
    "HP:0040284": 0.025,  # Very rare (1-4%)
    "HP:0040285": 0.0,    # Excluded (0%)
}


# The same terms in words, as HPO names them with the range it gives (what people read).
HPO_FREQUENCY_TEXT = {
    "HP:0040280": "obligate, 100%",
    "HP:0040281": "very frequent, 80-99%",
    "HP:0040282": "frequent, 30-79%",
    "HP:0040283": "occasional, 5-29%",
    "HP:0040284": "very rare, 1-4%",
    "HP:0040285": "excluded, 0%",
}


def frequency_text(raw: str | None) -> str:
    """A frequency as HPO writes it, in words for people; "" when there is none.

    >>> frequency_text("HP:0040281"), frequency_text("3/7"), frequency_text("45%"), frequency_text("")
    ('very frequent, 80-99%', '3 of 7 patients (43%)', '45%', '')
    """
    if not raw:
        return ""
    raw = raw.strip()
    if raw in HPO_FREQUENCY_TEXT:
        return HPO_FREQUENCY_TEXT[raw]
    if "/" in raw:
        value = frequency_value(raw)
        num, den = (x.strip() for x in raw.split("/", 1))
        return f"{num} of {den} patients" + (f" ({value:.0%})" if value is not None else "")
    return raw


def frequency_value(raw: str | None) -> float | None:
    """A frequency as HPO writes it ("n/m", "x%", an HP frequency term) -> probability, or None."""
    if not raw:
        return None
    raw = raw.strip()
    if raw in HPO_FREQUENCY:
        return round(HPO_FREQUENCY[raw], 3)
    try:
        if raw.endswith("%"):
            return round(min(max(float(raw[:-1]) / 100.0, 0.0), 1.0), 4)
        if "/" in raw:
            num, den = raw.split("/", 1)
            den_f = float(den)
            return round(min(float(num) / den_f, 1.0), 4) if den_f > 0 else None
    except ValueError:
        return None
    return None


@dataclass(frozen=True)
class Node:
    """A concept as a source defines it. Ids are CURIEs in the source's own id space."""

    id: str
    category: Category
    label: str
    source: str
    synonyms: tuple[str, ...] = ()
    lay_synonyms: tuple[str, ...] = ()
    definition: str = ""
    xrefs: tuple[str, ...] = ()
    alt_ids: tuple[str, ...] = ()
    obsolete: bool = False
    replaced_by: str = ""


@dataclass(frozen=True)
class Edge:
    """A typed edge with its provenance: source, version, references and qualifiers."""

    subject: str
    predicate: Predicate
    object: str
    source: str
    source_version: str
    references: tuple[str, ...] = ()
    qualifiers: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.predicate, Predicate):
            object.__setattr__(self, "predicate", Predicate(self.predicate))
        for key, _ in self.qualifiers:
            if key not in QUALIFIER_KEYS:
                raise ValueError(f"unknown edge qualifier {key!r}; valid: {', '.join(QUALIFIER_KEYS)}")

    @property
    def id(self) -> str:
        """Deterministic id: the same statement from the same source gets the same id."""
        text = "\x1f".join(
            [self.subject, self.predicate.value, self.object, self.source, self.source_version,
             "|".join(self.references), "|".join(f"{k}={v}" for k, v in self.qualifiers)]
        )
        return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()

    def qualifier(self, key: str, default: str = "") -> str:
        for k, v in self.qualifiers:
            if k == key:
                return v
        return default

    def to_dict(self) -> dict:
        return {
            "subject": self.subject,
            "predicate": self.predicate.value,
            "object": self.object,
            "source": self.source,
            "source_version": self.source_version,
            "references": list(self.references),
            **{k: v for k, v in self.qualifiers},
        }


@dataclass
class SourceData:
    """Everything one source contributes: its nodes, edges, and what the loader counted."""

    name: str
    version: str
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)
