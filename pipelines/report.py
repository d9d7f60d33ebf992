"""The diagnosis report: one pydantic model, the single source of truth.

The terminal rendering, ``--json``/``--jsonl``, the HTML page and the HTTP API all
serialise this model; ``medkg schema report`` prints its JSON Schema.

>>> r = DiagnosisReport(input=InputInfo(kind="hpo", name="cli"), versions=Versions(graph="abc"))
>>> r.schema_version, r.disclaimer.startswith("Decision support")
('1.0', True)
"""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "SCHEMA_VERSION", "DISCLAIMER", "FindingOut", "IgnoredInput", "EvidenceEdge", "EvidencePath",
    "EvidenceAgainst", "Citation", "Treatment", "SupportingFinding", "Diagnosis", "SourceVersion",
    "Versions", "InputInfo", "PatientInfo", "DiagnosisReport", "pubmed_url",
]

SCHEMA_VERSION = "1.0"
DISCLAIMER = ("Decision support, not a diagnosis: this ranked differential is generated from a knowledge graph "
              "and must be interpreted by a qualified clinician together with the full clinical picture.")


def pubmed_url(ref: str) -> Optional[str]:
    """A PubMed link only for ids that are PMIDs."""
    if ref.startswith("PMID:") and ref[5:].isdigit():
        return f"https://pubmed.ncbi.nlm.nih.gov/{ref[5:]}/"
    return None


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FindingOut(_Model):
    concept_id: str
    label: str
    text: str = ""
    start: int = -1
    end: int = -1
    section: str = ""
    negated: bool = False
    uncertain: bool = False
    historical: bool = False
    hypothetical: bool = False
    experiencer: str = "patient"
    trigger: str = ""
    value: str = ""
    threshold: str = ""
    assertion: str = Field("present", description="present, absent, possible, hypothetical, historical, family or other")
    used_as: Literal["present", "absent", "not used"] = Field(
        "present", description="How ranking used it (DESIGN.md: uncertain/hypothetical/family findings are not used)")
    source_note: str = Field("", description="e.g. which note the finding came from when several were given")


class IgnoredInput(_Model):
    input: str
    reason: str


class EvidenceEdge(_Model):
    subject: str
    subject_label: str = ""
    predicate: str
    object: str
    object_label: str = ""
    source: str
    source_version: str = ""
    references: list[str] = []
    qualifiers: dict[str, str] = {}


class EvidencePath(_Model):
    finding: str
    finding_label: str = ""
    matched_phenotype: str = Field("", description="The disease's annotated phenotype the finding reached")
    relation: str = Field("", description="exact, ancestor (finding is more specific), descendant, equivalent")
    contribution: float = 0.0
    edges: list[EvidenceEdge] = []


class EvidenceAgainst(_Model):
    kind: Literal["absent_finding", "unexplained_finding", "excluded_by_source"]
    concept_id: str
    label: str = ""
    detail: str = ""
    contribution: float = 0.0
    edges: list[EvidenceEdge] = []


class Citation(_Model):
    id: str
    id_type: str = Field("", description="pmid, omim, s2 (Semantic Scholar), isbn, ...")
    title: str = ""
    url: Optional[str] = None
    snippet: str = ""
    score: Optional[float] = None
    via: Literal["graph_edge", "literature_search"] = "graph_edge"


class Treatment(_Model):
    drug: str
    drug_label: str = ""
    predicate: str = Field(..., description="treats or ameliorates")
    via: Literal["self", "equivalent", "parent"] = "self"
    via_disease: str = ""
    via_disease_label: str = ""
    note: str = Field("", description='e.g. "indicated for <parent>"')
    source: str = ""
    source_version: str = ""
    references: list[str] = []
    evidence: dict[str, str] = {}
    score: float = 0.0


class SupportingFinding(_Model):
    concept_id: str
    label: str = ""
    contribution: float


class Diagnosis(_Model):
    rank: int
    id: str
    label: str
    equivalent_ids: list[str] = []
    probability: float
    score: float
    supporting_findings: list[SupportingFinding] = []
    evidence_paths: list[EvidencePath] = []
    evidence_against: list[EvidenceAgainst] = []
    literature: list[Citation] = []
    treatments: list[Treatment] = []
    treatments_note: str = ""


class SourceVersion(_Model):
    name: str
    version: str
    kind: str = "source"
    license: str = ""
    citation: str = ""


class Versions(_Model):
    graph: str
    graph_label: str = ""
    model: str = ""
    model_graph_version: str = ""
    index: str = ""
    sources: list[SourceVersion] = []


class InputInfo(_Model):
    kind: Literal["note", "phenopacket", "hpo"]
    name: str = ""


class PatientInfo(_Model):
    age_years: Optional[float] = None
    sex: Optional[str] = None


class DiagnosisReport(_Model):
    schema_version: str = SCHEMA_VERSION
    input: InputInfo
    patient: PatientInfo = PatientInfo()
    findings: list[FindingOut] = []
    ignored: list[IgnoredInput] = []
    warnings: list[str] = Field([], description="things the reader must know first, e.g. a note in a language medkg does not read")
    family_history: list[FindingOut] = []
    diagnoses: list[Diagnosis] = []
    ranker: str = ""
    literature_note: str = ""
    versions: Versions
    disclaimer: str = DISCLAIMER
    timings_ms: dict[str, float] = {}
