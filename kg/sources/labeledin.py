"""LabeledIn: indications from FDA drug labels (RxNorm ingredient -> UMLS disease concept).

Makes ``Drug`` nodes (``RXNORM:``, label ``rxnorm_name``), ``Disease`` nodes (``UMLS:`` CUI,
label ``disease_mesh_name``; a second MeSH name for the same CUI becomes a synonym) and one
``treats`` edge per drug-disease pair with ``n_labels`` (how many labels state it), evidence
"FDA drug label", and a note saying whether experts, the crowd or both curated it. Rows that
repeat a pair (the same CUI under two MeSH names) are counted, not duplicated. Rows for
combination products (``rxnorm_id`` like ``10763;5487``, no name) are skipped and counted:
the combination is indicated, not each ingredient alone, and RxNorm has no single id for it
here. One real row has a CUI with a digit missing (``C000296``); rows whose CUI is ``C`` + digits
but not 7 digits are skipped and counted rather than guessed. A disease row without a MeSH name keeps its CUI as label (counted).
"""

from __future__ import annotations

import re
from pathlib import Path

from kg.sources import pharmacotherapydb  # noqa: F401  (registers first: registry order = build order, whatever is imported first)
from kg.errors import SourceError
from kg.records import Edge, Node, SourceData
from kg.sources.disease_ontology import read_tsv, require_file
from kg.sources.pharmacotherapydb import INDICATIONS_COMMIT, INDICATIONS_REPO
from kg.sources.registry import RAW, SourceFile, SourceSpec, how_to_obtain, register
from kg.vocab import Category, Predicate

__all__ = ["LABELEDIN", "parse_labeledin"]

COLUMNS = ("rxnorm_id", "disease_cui", "n_labels", "expert", "crowd", "disease_mesh_name", "rxnorm_name")
CUI = re.compile(r"C\d{7}")


def _curation(expert: str, crowd: str) -> str:
    who = [w for w, flag in (("expert", expert), ("crowd", crowd)) if flag == "1"]
    return "curated by " + " and ".join(who) if who else ""


def parse_labeledin(files: dict[str, Path]) -> SourceData:
    spec = LABELEDIN
    how = how_to_obtain(spec)
    path = require_file(files, "indications/labeledin.tsv", spec)
    version = spec.default_version
    drugs: dict[str, str] = {}
    diseases: dict[str, list[str]] = {}
    pairs: dict[tuple[str, str], tuple[str, str]] = {}
    rows = duplicates = combinations = bad_cui = 0
    for lineno, row in read_tsv(path, COLUMNS, how):
        rx, cui = row["rxnorm_id"], row["disease_cui"]
        if ";" in rx and all(part.isdigit() for part in rx.split(";")) and CUI.fullmatch(cui):
            combinations += 1
            continue
        if rx.isdigit() and re.fullmatch(r"C\d+", cui) and not CUI.fullmatch(cui):
            bad_cui += 1
            continue
        if not rx.isdigit() or not CUI.fullmatch(cui):
            raise SourceError(f"{path}, line {lineno}: expected an RxNorm id (digits) and a UMLS CUI (C + 7 digits), "
                              f"got {rx!r} and {cui!r}. {how}")
        if not row["n_labels"].isdigit():
            raise SourceError(f"{path}, line {lineno}: n_labels must be a count, got {row['n_labels']!r}. {how}")
        rows += 1
        drug, disease = f"RXNORM:{rx}", f"UMLS:{cui}"
        drugs.setdefault(drug, row["rxnorm_name"] or drug)
        names = diseases.setdefault(disease, [])
        if row["disease_mesh_name"] and row["disease_mesh_name"] not in names:
            names.append(row["disease_mesh_name"])
        if (drug, disease) in pairs:
            duplicates += 1
            continue
        pairs[(drug, disease)] = (row["n_labels"], _curation(row["expert"], row["crowd"]))
    nodes = [Node(id=d, category=Category.DRUG, label=name, source=spec.name) for d, name in drugs.items()]
    nodes += [Node(id=d, category=Category.DISEASE, label=names[0] if names else d, source=spec.name,
                   synonyms=tuple(names[1:])) for d, names in diseases.items()]
    edges = []
    for (drug, disease), (n_labels, note) in pairs.items():
        quals = [("n_labels", n_labels), ("evidence", "FDA drug label")]
        if note:
            quals.append(("note", note))
        edges.append(Edge(drug, Predicate.TREATS, disease, spec.name, version, qualifiers=tuple(quals)))
    data = SourceData(name=spec.name, version=version, nodes=nodes, edges=edges)
    data.stats = {"rows": rows, "drugs": len(drugs), "diseases": len(diseases), "treats": len(edges),
                  "duplicate_pairs": duplicates, "combination_rows_skipped": combinations,
                  "malformed_cui_rows_skipped": bad_cui,
                  "diseases_without_name": sum(not names for names in diseases.values())}
    return data


LABELEDIN = register(SourceSpec(
    name="labeledin",
    title="LabeledIn: drug indications from FDA drug labels (RxNorm -> UMLS)",
    license="Public domain (US government work, NLM/NCBI)",
    citation=("Khare R, Li J, Lu Z. LabeledIn: cataloging labeled indications for human drugs. "
              "J Biomed Inform. 2014;52:448-456. doi:10.1016/j.jbi.2014.08.004"),
    homepage=f"https://github.com/{INDICATIONS_REPO} (labeledin/data/indications.tsv @{INDICATIONS_COMMIT})",
    files=(SourceFile("indications/labeledin.tsv",
                      RAW.format(repo=INDICATIONS_REPO, commit=INDICATIONS_COMMIT, path="labeledin/data/indications.tsv")),),
    parse=parse_labeledin,
    default_version=INDICATIONS_COMMIT,
))
