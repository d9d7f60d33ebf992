"""The Human Disease Ontology (DO), read from the DO repository's reports and subset files.

``HumanDO.tsv``: one row per (DOID, label, parent *label*); a term with several parents
has several rows. Parents are resolved from label to id; the root "disease" (DOID:4)
is not listed in the file, so it is added as a node of its own. ``allXREFinDO.tsv``:
cross-references, which become ``same_as`` edges to the id spaces medkg knows (OMIM,
ORPHA, UMLS, MESH, ICD10CM); SNOMED, NCI, GARD, ICD9CM... are skipped, and so are OMIM
phenotypic series (``MIM:PS...``), which name a group of diseases, not one.
``DO_*_slim.obo`` (optional): exact synonyms, definitions, alt ids and xrefs for the
DOIDs they cover.

This module also holds :func:`read_tsv`, the strict tab-separated reader the other
TSV loaders share.

>>> unquote('"DOID:4"'), unquote('plain'), unquote('"a ""b"" c"')
('DOID:4', 'plain', 'a "b" c')
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Iterator

from kg.sources import hpo  # noqa: F401  (registers first: registry order = build order, whatever is imported first)
from kg.errors import InputError, SourceError
from kg.records import Edge, Node, SourceData
from kg.sources.obo import read_obo
from kg.sources.registry import RAW, SourceFile, SourceSpec, how_to_obtain, register
from kg.vocab import PREFIXES, Category, Predicate, normalise_curie

__all__ = ["DISEASE_ONTOLOGY", "parse_disease_ontology", "read_tsv", "require_file", "unquote",
           "known_xref", "DO_REPO", "DO_COMMIT", "DO_ROOT"]

DO_REPO = "DiseaseOntology/HumanDiseaseOntology"
DO_COMMIT = "9fbefd6"
DO_ROOT = ("DOID:4", "disease")
SLIMS = ("DO_rare_slim.obo", "DO_cancer_slim.obo", "DO_infectious_disease_slim.obo")
# Cross-reference id spaces that become same_as edges (after normalise_curie).
XREF_PREFIXES = ("OMIM", "ORPHA", "UMLS", "MESH", "ICD10CM")


def unquote(field: str) -> str:
    """A TSV field without its surrounding double quotes (``""`` inside -> ``"``)."""
    if len(field) >= 2 and field[0] == '"' and field[-1] == '"':
        return field[1:-1].replace('""', '"')
    return field


def require_file(files: dict[str, Path], relpath: str, spec: SourceSpec) -> Path:
    """The path of a required file, or a SourceError saying how to obtain it."""
    path = files.get(relpath)
    if path is None or not Path(path).exists():
        shown = path if path is not None else relpath
        raise SourceError(f"{shown} does not exist (required by source {spec.name!r}). {how_to_obtain(spec)}")
    return Path(path)


def read_tsv(path: Path, columns: tuple[str, ...] | list[str], how: str = "",
             *, comment: str | None = None, header_comments: dict[str, str] | None = None,
             ) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line number, row)`` from a tab-separated file with a header line.

    ``columns`` must all appear in the header (extra columns are allowed); every row must
    have as many fields as the header, otherwise the file is truncated or corrupted and a
    :class:`SourceError` names the file and line. Fields lose surrounding double quotes.
    Lines starting with ``comment`` before the header are collected into
    ``header_comments`` (``# key: value``). Blank lines are skipped.
    """
    path = Path(path)
    if not path.exists():
        raise SourceError(f"{path} does not exist. {how}".strip())
    header: list[str] | None = None
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            for lineno, line in enumerate(fh, start=1):
                line = line.rstrip("\r\n")
                if header is None and comment and line.startswith(comment):
                    body = line[len(comment):]
                    # "# key: value" at top level; "#   key: value" is nested (e.g. SSSOM's curie_map).
                    if header_comments is not None and ":" in body and re.match(r" ?[A-Za-z_]", body):
                        key, value = body.split(":", 1)
                        header_comments.setdefault(key.strip(), value.strip())
                    continue
                if not line.strip():
                    continue
                fields = [unquote(f) for f in line.split("\t")]
                if header is None:
                    missing = [c for c in columns if c not in fields]
                    if missing:
                        raise SourceError(f"{path}, line {lineno}: expected a header with the columns "
                                          f"{', '.join(columns)}; missing {', '.join(missing)} "
                                          f"(got {line[:120]!r}). {how}".strip())
                    header = fields
                    continue
                if len(fields) != len(header):
                    raise SourceError(f"{path}, line {lineno}: expected {len(header)} tab-separated columns, "
                                      f"got {len(fields)} (file truncated or corrupted?). {how}".strip())
                yield lineno, dict(zip(header, fields))
    except UnicodeDecodeError as err:
        raise SourceError(f"{path}: not UTF-8 text ({err}). {how}".strip()) from None
    if header is None:
        raise SourceError(f"{path}: no header line found (empty or truncated file?). {how}".strip())


def known_xref(raw: str) -> str | None:
    """A source's xref as a medkg CURIE, or None when its id space is not one medkg knows.

    >>> known_xref("UMLS_CUI:C0011849"), known_xref("SNOMEDCT_US_2025_09_01:73211009"), known_xref("MIM:PS101000")
    ('UMLS:C0011849', None, None)
    """
    raw = raw.strip()
    if ":" not in raw:
        return None
    try:
        curie = normalise_curie(raw)
    except InputError:
        return None
    prefix, local = curie.split(":", 1)
    if prefix not in PREFIXES or not local:
        return None
    if prefix == "OMIM" and not local.isdigit():   # phenotypic series MIM:PS..., not one disease
        return None
    return curie


def _version_from_slims(docs: list) -> str:
    for doc in docs:
        match = re.search(r"releases/(\d{4}-\d{2}-\d{2})", doc.data_version)
        if match:
            return match.group(1)
    return ""


def parse_disease_ontology(files: dict[str, Path]) -> SourceData:
    spec = DISEASE_ONTOLOGY
    how = how_to_obtain(spec)
    name = spec.name
    labels: dict[str, str] = {}
    parent_labels: dict[str, list[str]] = {}
    rows = 0
    do_path = require_file(files, "disease-ontology/HumanDO.tsv", spec)
    for lineno, row in read_tsv(do_path, ("id", "label", "subClassOf"), how):
        doid = row["id"]
        if not doid.startswith("DOID:") or not row["label"]:
            raise SourceError(f"{do_path}, line {lineno}: expected a DOID and a label, got {doid!r}, {row['label']!r}. {how}")
        rows += 1
        labels.setdefault(doid, row["label"])
        if row["subClassOf"]:
            parent_labels.setdefault(doid, []).append(row["subClassOf"])

    # Optional OBO subsets: synonyms, definitions, alt ids, xrefs for the terms they cover.
    docs = []
    for slim in SLIMS:
        path = files.get(f"disease-ontology/{slim}")
        if path is not None and Path(path).exists():
            docs.append(read_obo(path, how))
    extra: dict[str, dict] = {}
    slim_unknown = 0
    for doc in docs:
        for t in doc.terms:
            if t.id not in labels:
                slim_unknown += 1
                continue
            info = extra.setdefault(t.id, {"synonyms": [], "definition": "", "alt_ids": [], "xrefs": [], "obsolete": False})
            info["synonyms"] += [s for s, scope, _ in t.synonyms if scope == "EXACT"]
            info["definition"] = info["definition"] or t.definition
            info["alt_ids"] += t.alt_ids
            info["xrefs"] += [x for x in map(known_xref, t.xrefs) if x]
            info["obsolete"] = info["obsolete"] or t.obsolete
    version = _version_from_slims(docs) or spec.default_version

    by_label = {label: doid for doid, label in labels.items()}
    by_label.setdefault(DO_ROOT[1], DO_ROOT[0])
    edges: list[Edge] = []
    unresolved: Counter[str] = Counter()
    to_root = 0
    for doid, parents in parent_labels.items():
        for plabel in dict.fromkeys(parents):
            parent = by_label.get(plabel)
            if parent is None:
                unresolved[plabel] += 1
                continue
            to_root += parent == DO_ROOT[0]
            edges.append(Edge(doid, Predicate.SUBCLASS_OF, parent, name, version))
    subclass_edges = len(edges)

    # Cross-references -> same_as edges.
    xref_path = require_file(files, "disease-ontology/allXREFinDO.tsv", spec)
    seen: set[tuple[str, str]] = set()
    skipped: Counter[str] = Counter()
    counts = Counter()
    for lineno, row in read_tsv(xref_path, ("id", "label", "xref"), how):
        doid, raw = row["id"], row["xref"]
        if not doid.startswith("DOID:") or ":" not in raw:
            raise SourceError(f"{xref_path}, line {lineno}: expected a DOID and a PREFIX:ID xref, "
                              f"got {doid!r} and {raw!r}. {how}")
        counts["xref_rows"] += 1
        target = known_xref(raw)
        if target is None:
            skipped["omim_phenotypic_series" if raw.upper().startswith("MIM:PS") else raw.split(":", 1)[0]] += 1
            continue
        if target.split(":", 1)[0] not in XREF_PREFIXES:
            skipped[raw.split(":", 1)[0]] += 1
            continue
        if doid not in labels:
            counts["xref_subject_not_in_tsv"] += 1
            continue
        if (doid, target) in seen:
            continue
        seen.add((doid, target))
        edges.append(Edge(doid, Predicate.SAME_AS, target, name, version))
        counts["same_as_" + target.split(":", 1)[0]] += 1

    nodes = [Node(id=DO_ROOT[0], category=Category.DISEASE, label=DO_ROOT[1], source=name)] if DO_ROOT[0] not in labels else []
    for doid, label in labels.items():
        info = extra.get(doid, {})
        nodes.append(Node(
            id=doid, category=Category.DISEASE, label=label, source=name,
            synonyms=tuple(s for s in dict.fromkeys(info.get("synonyms", ())) if s != label),
            definition=info.get("definition", ""),
            xrefs=tuple(dict.fromkeys(info.get("xrefs", ()))),
            alt_ids=tuple(dict.fromkeys(info.get("alt_ids", ()))),
            obsolete=info.get("obsolete", False),
        ))
    data = SourceData(name=name, version=version, nodes=nodes, edges=edges)
    data.stats = {
        "rows": rows, "terms": len(labels), "subclass_of": subclass_edges, "subclass_of_root": to_root,
        "unresolved_parents": sum(unresolved.values()), "slim_files": len(docs),
        "terms_with_slim_data": len(extra), "slim_terms_not_in_tsv": slim_unknown,
        "synonyms": sum(len(n.synonyms) for n in nodes), "definitions": sum(bool(n.definition) for n in nodes),
        "same_as": len(seen), **dict(counts),
        "xrefs_skipped": sum(skipped.values()),
        "xrefs_skipped_omim_phenotypic_series": skipped["omim_phenotypic_series"],
    }
    return data


def _raw(path: str) -> str:
    return RAW.format(repo=DO_REPO, commit=DO_COMMIT, path=path)


DISEASE_ONTOLOGY = register(SourceSpec(
    name="disease-ontology",
    title="Human Disease Ontology (terms, parents, cross-references, synonyms from the DO subsets)",
    license="CC0 1.0 (https://creativecommons.org/publicdomain/zero/1.0/)",
    citation=("Schriml LM et al. The Human Disease Ontology 2022: an update to the NCBI's ontology-based "
              "disease knowledgebase. Nucleic Acids Res. 2022;50(D1):D1255-D1261. doi:10.1093/nar/gkab1063"),
    homepage=f"https://disease-ontology.org (files from github.com/{DO_REPO} @{DO_COMMIT})",
    files=(SourceFile("disease-ontology/HumanDO.tsv", _raw("DOreports/HumanDO.tsv")),
           SourceFile("disease-ontology/allXREFinDO.tsv", _raw("DOreports/allXREFinDO.tsv")),
           *(SourceFile(f"disease-ontology/{slim}", _raw(f"src/ontology/releases/subsets/{slim}"), optional=True)
             for slim in SLIMS)),
    parse=parse_disease_ontology,
    default_version=DO_COMMIT,
))
