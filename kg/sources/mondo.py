"""MONDO exact mappings (SSSOM), the cross-walk between HPO's disease ids and DOIDs.

Each ``mondo_exactmatch_<target>.sssom.tsv`` gives ``MONDO skos:exactMatch <id>`` rows. The
loader makes a ``Disease`` node per MONDO id (label from ``subject_label``) and a ``same_as``
edge MONDO -> OMIM/ORPHA/DOID/UMLS/MESH/ICD10CM with the row's ``mapping_justification``.
Object ids are normalised (``Orphanet:558`` -> ``ORPHA:558``, ``mesh:D003920`` ->
``MESH:D003920``); ids in spaces medkg does not know, and OMIM phenotypic series, are skipped
and counted. The version is the release date in the ``# mapping_set_version`` header.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from kg.sources import disease_symptom  # noqa: F401  (registers first: registry order = build order, whatever is imported first)
from kg.errors import SourceError
from kg.records import Edge, Node, SourceData
from kg.sources.disease_ontology import known_xref, read_tsv, require_file
from kg.sources.registry import RAW, SourceFile, SourceSpec, how_to_obtain, register
from kg.vocab import Category, Predicate

__all__ = ["MONDO", "parse_mondo", "parse_sssom", "MONDO_TARGETS"]

MONDO_REPO = "monarch-initiative/mondo"
MONDO_COMMIT = "fad2512"
MONDO_TARGETS = ("omim", "orphanet", "doid", "umls", "mesh", "icd10cm")
COLUMNS = ("subject_id", "subject_label", "predicate_id", "object_id", "mapping_justification")
EXACT = ("skos:exactMatch",)


def parse_sssom(path: Path, how: str = "") -> tuple[str, list[tuple[int, dict[str, str]]]]:
    """One SSSOM TSV -> (mapping_set_version, rows with line numbers)."""
    meta: dict[str, str] = {}
    rows = list(read_tsv(path, COLUMNS, how, comment="#", header_comments=meta))
    raw = meta.get("mapping_set_version", "")
    match = re.search(r"(\d{4}-\d{2}-\d{2})", raw)
    return (match.group(1) if match else raw), rows


def parse_mondo(files: dict[str, Path]) -> SourceData:
    spec = MONDO
    how = how_to_obtain(spec)
    versions: list[str] = []
    labels: dict[str, str] = {}
    mappings: dict[tuple[str, str], str] = {}
    counts: Counter[str] = Counter()
    for target in MONDO_TARGETS:
        path = require_file(files, f"mondo/mondo_exactmatch_{target}.sssom.tsv", spec)
        version, rows = parse_sssom(path, how)
        if version:
            versions.append(version)
        for lineno, row in rows:
            subject = row["subject_id"]
            if not subject.startswith("MONDO:") or ":" not in row["object_id"]:
                raise SourceError(f"{path}, line {lineno}: expected a MONDO subject and a PREFIX:ID object, "
                                  f"got {subject!r} and {row['object_id']!r}. {how}")
            counts["rows"] += 1
            if row["predicate_id"] not in EXACT:
                counts["skipped_not_exact"] += 1
                continue
            obj = known_xref(row["object_id"])
            if obj is None:
                counts["skipped_unknown_prefix"] += 1
                continue
            labels.setdefault(subject, row["subject_label"])
            if (subject, obj) not in mappings:
                mappings[(subject, obj)] = row["mapping_justification"]
                counts["same_as_" + obj.split(":", 1)[0]] += 1
    version = max(versions) if versions else spec.default_version
    nodes = [Node(id=m, category=Category.DISEASE, label=label, source=spec.name) for m, label in labels.items()]
    edges = [Edge(s, Predicate.SAME_AS, o, spec.name, version,
                  qualifiers=(("mapping_justification", just),) if just else ())
             for (s, o), just in mappings.items()]
    data = SourceData(name=spec.name, version=version, nodes=nodes, edges=edges)
    data.stats = {"mondo_terms": len(nodes), "same_as": len(edges), **dict(counts),
                  "mapping_set_versions": len(set(versions))}
    return data


MONDO = register(SourceSpec(
    name="mondo",
    title="Mondo Disease Ontology exact mappings (SSSOM) to OMIM, Orphanet, DO, UMLS, MeSH, ICD-10-CM",
    license="CC0 1.0 for the mapping files (https://creativecommons.org/publicdomain/zero/1.0/); Mondo itself is CC BY 4.0",
    citation=("Vasilevsky NA et al. Mondo: Unifying diseases for the world, by the world. medRxiv 2022. "
              "doi:10.1101/2022.04.13.22273750"),
    homepage=f"https://mondo.monarchinitiative.org (src/ontology/mappings/ in github.com/{MONDO_REPO} @{MONDO_COMMIT})",
    files=tuple(SourceFile(f"mondo/mondo_exactmatch_{t}.sssom.tsv",
                           RAW.format(repo=MONDO_REPO, commit=MONDO_COMMIT,
                                      path=f"src/ontology/mappings/mondo_exactmatch_{t}.sssom.tsv"))
                for t in MONDO_TARGETS),
    parse=parse_mondo,
    default_version=MONDO_COMMIT,
))
