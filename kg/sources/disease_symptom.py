"""Disease Ontology's disease-symptom report: ``has_phenotype`` edges from DOIDs to SYMP terms.

These are common diseases (pneumonia -> cough) with no frequency given, so the edges carry
no frequency qualifier. The DOID and SYMP nodes come from the ``disease-ontology`` and
``symptom-ontology`` sources, which are built first.
"""

from __future__ import annotations

from pathlib import Path

from kg.sources import symptom_ontology  # noqa: F401  (registers first: registry order = build order, whatever is imported first)
from kg.errors import SourceError
from kg.records import Edge, SourceData
from kg.sources.disease_ontology import DO_COMMIT, DO_REPO, read_tsv, require_file
from kg.sources.registry import RAW, SourceFile, SourceSpec, how_to_obtain, register
from kg.vocab import Predicate

__all__ = ["DISEASE_SYMPTOM", "parse_disease_symptom"]

COLUMNS = ("disease_id", "disease_label", "symptom_id", "symptom_label")


def parse_disease_symptom(files: dict[str, Path]) -> SourceData:
    spec = DISEASE_SYMPTOM
    how = how_to_obtain(spec)
    path = require_file(files, "disease-ontology/disease-symptom.tsv", spec)
    version = spec.default_version
    edges: list[Edge] = []
    seen: set[tuple[str, str]] = set()
    rows = duplicates = 0
    for lineno, row in read_tsv(path, COLUMNS, how):
        disease, symptom = row["disease_id"], row["symptom_id"]
        if not disease.startswith("DOID:") or not symptom.startswith("SYMP:"):
            raise SourceError(f"{path}, line {lineno}: expected a DOID and a SYMP id, got {disease!r} and {symptom!r}. {how}")
        rows += 1
        if (disease, symptom) in seen:
            duplicates += 1
            continue
        seen.add((disease, symptom))
        edges.append(Edge(disease, Predicate.HAS_PHENOTYPE, symptom, spec.name, version))
    data = SourceData(name=spec.name, version=version, nodes=[], edges=edges)
    data.stats = {"rows": rows, "has_phenotype": len(edges), "duplicates": duplicates,
                  "diseases": len({d for d, _ in seen}), "symptoms": len({s for _, s in seen})}
    return data


DISEASE_SYMPTOM = register(SourceSpec(
    name="do-disease-symptom",
    title="Disease Ontology disease-symptom pairs (common diseases)",
    license="CC0 1.0 (https://creativecommons.org/publicdomain/zero/1.0/)",
    citation=("Schriml LM et al. The Human Disease Ontology 2022: an update to the NCBI's ontology-based "
              "disease knowledgebase. Nucleic Acids Res. 2022;50(D1):D1255-D1261. doi:10.1093/nar/gkab1063"),
    homepage=f"https://disease-ontology.org (DOreports/requested/disease-symptom.tsv, github.com/{DO_REPO} @{DO_COMMIT})",
    files=(SourceFile("disease-ontology/disease-symptom.tsv",
                      RAW.format(repo=DO_REPO, commit=DO_COMMIT, path="DOreports/requested/disease-symptom.tsv")),),
    parse=parse_disease_symptom,
    after=("disease-ontology", "symptom-ontology"),
    default_version=DO_COMMIT,
))
