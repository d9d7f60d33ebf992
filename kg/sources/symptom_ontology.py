"""The Symptom Ontology (SYMP), read from ``symp.obo``.

Terms become ``PhenotypicFeature`` nodes with their exact synonyms (RELATED ones, such as
"nocturia" under urinary frequency, are not equivalents and are left out), definitions,
xrefs (normalised where medkg knows the id space, e.g. ``UMLS_CUI:`` -> ``UMLS:``), alt ids
and obsolete flags; ``is_a`` becomes ``subclass_of``.
"""

from __future__ import annotations

import re
from pathlib import Path

from kg.sources import disease_ontology  # noqa: F401  (registers first: registry order = build order, whatever is imported first)
from kg.records import Edge, Node, SourceData
from kg.sources.disease_ontology import known_xref, require_file
from kg.sources.obo import read_obo
from kg.sources.registry import RAW, SourceFile, SourceSpec, how_to_obtain, register
from kg.vocab import Category, Predicate

__all__ = ["SYMPTOM_ONTOLOGY", "parse_symptom_ontology", "SYMP_REPO", "SYMP_COMMIT"]

SYMP_REPO = "DiseaseOntology/SymptomOntology"
SYMP_COMMIT = "7a295d9"


def parse_symptom_ontology(files: dict[str, Path]) -> SourceData:
    spec = SYMPTOM_ONTOLOGY
    doc = read_obo(require_file(files, "symptom-ontology/symp.obo", spec), how_to_obtain(spec))
    match = re.search(r"(\d{4}-\d{2}-\d{2})", doc.data_version)
    version = match.group(1) if match else spec.default_version
    nodes, edges = [], []
    related = 0
    for t in doc.terms:
        exact = tuple(dict.fromkeys(s for s, scope, _ in t.synonyms if scope == "EXACT" and s != t.name))
        related += sum(scope != "EXACT" for _, scope, _ in t.synonyms)
        nodes.append(Node(
            id=t.id, category=Category.PHENOTYPIC_FEATURE, label=t.name, source=spec.name,
            synonyms=exact, definition=t.definition,
            xrefs=tuple(dict.fromkeys(known_xref(x) or x for x in t.xrefs)),
            alt_ids=tuple(t.alt_ids), obsolete=t.obsolete,
            replaced_by=t.replaced_by[0] if t.replaced_by else "",
        ))
        for parent in t.is_a:
            edges.append(Edge(t.id, Predicate.SUBCLASS_OF, parent, spec.name, version))
    data = SourceData(name=spec.name, version=version, nodes=nodes, edges=edges)
    data.stats = {"terms": len(nodes), "obsolete_terms": sum(n.obsolete for n in nodes),
                  "synonyms": sum(len(n.synonyms) for n in nodes), "related_synonyms_skipped": related,
                  "subclass_of": len(edges)}
    return data


SYMPTOM_ONTOLOGY = register(SourceSpec(
    name="symptom-ontology",
    title="Symptom Ontology (symptom terms, synonyms, hierarchy)",
    license="CC0 1.0 (https://creativecommons.org/publicdomain/zero/1.0/)",
    citation=("Symptom Ontology (SYMP), Disease Ontology project, University of Maryland School of Medicine; "
              f"https://github.com/{SYMP_REPO} (cite the repository and the release shown)"),
    homepage=f"https://github.com/{SYMP_REPO} (symp.obo @{SYMP_COMMIT})",
    files=(SourceFile("symptom-ontology/symp.obo", RAW.format(repo=SYMP_REPO, commit=SYMP_COMMIT, path="src/ontology/symp.obo")),),
    parse=parse_symptom_ontology,
    default_version=SYMP_COMMIT,
))
