"""The one vocabulary: id prefixes, node categories, predicates and RDF namespaces.

Names follow the Biolink model as the Monarch/Translator ecosystem uses them.
Predicates and categories are enums, so a misspelt predicate fails at once
instead of writing a wrong edge:

>>> Predicate("has_phenotype").iri
'https://w3id.org/biolink/vocab/has_phenotype'
>>> Predicate("has_phenotyp")
Traceback (most recent call last):
...
ValueError: 'has_phenotyp' is not a valid Predicate
>>> expand("HP:0001945")
'http://purl.obolibrary.org/obo/HP_0001945'
>>> compress("http://purl.obolibrary.org/obo/HP_0001945")
'HP:0001945'
>>> prefix_of("OMIM:219700")
'OMIM'
"""

from __future__ import annotations

from enum import Enum

from kg.errors import InputError

__all__ = [
    "BIOLINK",
    "MEDKG",
    "PREFIXES",
    "Category",
    "Predicate",
    "DISEASE_PREFIXES",
    "expand",
    "compress",
    "prefix_of",
    "is_curie",
    "SOURCE_GRAPH",
    "GUIDELINE_GRAPH",
    "META_GRAPH",
    "EDGE_NS",
]

BIOLINK = "https://w3id.org/biolink/vocab/"
MEDKG = "https://w3id.org/medkg/vocab/"
EDGE_NS = "urn:medkg:edge:"
SOURCE_GRAPH = "urn:medkg:source:{name}:{version}"
GUIDELINE_GRAPH = "urn:medkg:guideline:{key}:{version}"
META_GRAPH = "urn:medkg:meta"

# CURIE prefix -> IRI base. OBO PURLs where one exists (DESIGN.md: Identifiers).
PREFIXES: dict[str, str] = {
    "HP": "http://purl.obolibrary.org/obo/HP_",
    "MONDO": "http://purl.obolibrary.org/obo/MONDO_",
    "DOID": "http://purl.obolibrary.org/obo/DOID_",
    "SYMP": "http://purl.obolibrary.org/obo/SYMP_",
    "OMIM": "https://omim.org/entry/",
    "ORPHA": "http://www.orpha.net/ORDO/Orphanet_",
    "DECIPHER": "https://www.deciphergenomics.org/syndrome/",
    "DRUGBANK": "https://go.drugbank.com/drugs/",
    "RXNORM": "http://purl.bioontology.org/ontology/RXNORM/",
    "UMLS": "http://linkedlifedata.com/resource/umls/id/",
    "MESH": "http://id.nlm.nih.gov/mesh/",
    "ICD10CM": "http://purl.bioontology.org/ontology/ICD10CM/",
    "NCBIGene": "http://identifiers.org/ncbigene/",
    "PMID": "http://identifiers.org/pubmed/",
    "ISBN": "urn:isbn:",
    "MEDKG": "https://w3id.org/medkg/concept/",
}

DISEASE_PREFIXES = ("OMIM", "ORPHA", "DECIPHER", "MONDO", "DOID", "UMLS", "MESH", "ICD10CM")

# Reverse lookup, longest base first so that nested bases resolve correctly.
_BASES = sorted(((base, prefix) for prefix, base in PREFIXES.items()), key=lambda x: -len(x[0]))

# Common spellings of prefixes seen in source files -> our canonical prefix.
PREFIX_ALIASES = {
    "MIM": "OMIM",
    "ORPHANET": "ORPHA",
    "ORDO": "ORPHA",
    "MSH": "MESH",
    "MESH": "MESH",
    "UMLS_CUI": "UMLS",
    "ICD10": "ICD10CM",
    "ICD10CM": "ICD10CM",
    "NCBIGENE": "NCBIGene",
    "DB": "DRUGBANK",
    "DRUGBANK": "DRUGBANK",
}


class Category(str, Enum):
    """Node categories (Biolink class names)."""

    DISEASE = "Disease"
    PHENOTYPIC_FEATURE = "PhenotypicFeature"
    DRUG = "Drug"
    GENE = "Gene"
    PUBLICATION = "Publication"
    MODE_OF_INHERITANCE = "GeneticInheritance"
    CLINICAL_COURSE = "ClinicalCourse"
    CONCEPT = "NamedThing"

    @property
    def iri(self) -> str:
        return BIOLINK + self.value


class Predicate(str, Enum):
    """Edge predicates. Biolink slot names where Biolink has one, medkg's own otherwise."""

    SUBCLASS_OF = "subclass_of"
    HAS_PHENOTYPE = "has_phenotype"
    # An HPO "NOT" annotation: the disease is explicitly described without this feature.
    # Kept as its own predicate so that it can never be read as support.
    LACKS_PHENOTYPE = "lacks_phenotype"
    HAS_MODE_OF_INHERITANCE = "has_mode_of_inheritance"
    HAS_CLINICAL_COURSE = "has_clinical_course"
    TREATS = "treats"
    AMELIORATES = "ameliorates"
    NOT_INDICATED_FOR = "not_indicated_for"
    SAME_AS = "same_as"
    GENE_ASSOCIATED_WITH_CONDITION = "gene_associated_with_condition"

    @property
    def iri(self) -> str:
        base = MEDKG if self in _MEDKG_ONLY else BIOLINK
        return base + self.value

    @classmethod
    def from_iri(cls, iri: str) -> "Predicate":
        for base in (BIOLINK, MEDKG):
            if iri.startswith(base):
                return cls(iri[len(base):])
        raise ValueError(f"{iri!r} is not a medkg predicate IRI")

    @classmethod
    def parse(cls, name: str) -> "Predicate":
        """Accept a predicate name, a ``biolink:``/``medkg:`` CURIE or a full IRI.

        >>> Predicate.parse("biolink:treats")
        <Predicate.TREATS: 'treats'>
        """
        text = name.strip()
        for pfx in ("biolink:", "medkg:"):
            if text.startswith(pfx):
                text = text[len(pfx):]
        if text.startswith("http"):
            return cls.from_iri(text)
        try:
            return cls(text)
        except ValueError:
            valid = ", ".join(p.value for p in cls)
            raise InputError(f"unknown predicate {name!r}; valid predicates: {valid}") from None


_MEDKG_ONLY = {Predicate.LACKS_PHENOTYPE, Predicate.HAS_CLINICAL_COURSE}

# Predicates that carry treatment evidence, strongest first.
TREATMENT_PREDICATES = (Predicate.TREATS, Predicate.AMELIORATES)


def prefix_of(curie: str) -> str:
    """The prefix of a CURIE (text before the first colon)."""
    if ":" not in curie:
        raise InputError(f"{curie!r} is not a CURIE (expected PREFIX:ID, e.g. HP:0001945)")
    return curie.split(":", 1)[0]


def is_curie(text: str) -> bool:
    """True when ``text`` has a known prefix, e.g. ``HP:0001945``."""
    return ":" in text and text.split(":", 1)[0] in PREFIXES


def normalise_curie(text: str) -> str:
    """Canonical spelling of a CURIE from a source file.

    >>> normalise_curie("MIM:219700"), normalise_curie("Orphanet:558"), normalise_curie("MESH:D003920")
    ('OMIM:219700', 'ORPHA:558', 'MESH:D003920')
    """
    text = text.strip().strip('"')
    if ":" not in text:
        raise InputError(f"{text!r} is not a CURIE (expected PREFIX:ID)")
    prefix, local = text.split(":", 1)
    canon = PREFIX_ALIASES.get(prefix.upper(), prefix)
    if canon not in PREFIXES:
        upper = {p.upper(): p for p in PREFIXES}
        canon = upper.get(prefix.upper(), prefix)
    return f"{canon}:{local}"


def expand(curie: str) -> str:
    """CURIE -> IRI with the one prefix map."""
    prefix, local = curie.split(":", 1) if ":" in curie else ("", curie)
    base = PREFIXES.get(prefix)
    if base is None:
        raise InputError(f"unknown id prefix {prefix!r} in {curie!r}; known prefixes: {', '.join(PREFIXES)}")
    return base + local


def compress(iri: str) -> str:
    """IRI -> CURIE; the inverse of :func:`expand`."""
    for base, prefix in _BASES:
        if iri.startswith(base):
            return f"{prefix}:{iri[len(base):]}"
    raise InputError(f"IRI {iri!r} has no known prefix")
