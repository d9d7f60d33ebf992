"""PharmacotherapyDB 1.0: physician-curated drug-disease pairs (DrugBank drug -> DOID).

Category ``DM`` (disease-modifying) -> ``treats``, ``SYM`` (symptomatic) -> ``ameliorates``,
``NOT`` (non-indication) -> ``not_indicated_for``, which can never count as treatment
evidence. Edges keep ``n_curators`` and ``n_resources``. Drug nodes are DrugBank ids with the
drug name as label; the DOIDs are the ``disease-ontology`` source's nodes.
"""

from __future__ import annotations

from pathlib import Path

from kg.sources import mondo  # noqa: F401  (registers first: registry order = build order, whatever is imported first)
from kg.errors import SourceError
from kg.records import Edge, Node, SourceData
from kg.sources.disease_ontology import read_tsv, require_file
from kg.sources.registry import RAW, SourceFile, SourceSpec, how_to_obtain, register
from kg.vocab import Category, Predicate

__all__ = ["PHARMACOTHERAPYDB", "parse_pharmacotherapydb", "CATEGORY_PREDICATE", "INDICATIONS_REPO", "INDICATIONS_COMMIT"]

INDICATIONS_REPO = "dhimmel/indications"
INDICATIONS_COMMIT = "11d535b"
COLUMNS = ("doid_id", "drugbank_id", "disease", "drug", "category", "n_curators", "n_resources")
CATEGORY_PREDICATE = {
    "DM": Predicate.TREATS,
    "SYM": Predicate.AMELIORATES,
    "NOT": Predicate.NOT_INDICATED_FOR,
}


def parse_pharmacotherapydb(files: dict[str, Path]) -> SourceData:
    spec = PHARMACOTHERAPYDB
    how = how_to_obtain(spec)
    path = require_file(files, "indications/pharmacotherapydb.tsv", spec)
    version = spec.default_version
    drugs: dict[str, str] = {}
    edges: list[Edge] = []
    counts = {p.value: 0 for p in CATEGORY_PREDICATE.values()}
    for lineno, row in read_tsv(path, COLUMNS, how):
        doid, drugbank = row["doid_id"], row["drugbank_id"]
        predicate = CATEGORY_PREDICATE.get(row["category"])
        if predicate is None:
            raise SourceError(f"{path}, line {lineno}: unknown category {row['category']!r} "
                              f"(valid: {', '.join(CATEGORY_PREDICATE)}). {how}")
        if not doid.startswith("DOID:") or not drugbank.startswith("DB"):
            raise SourceError(f"{path}, line {lineno}: expected a DOID and a DrugBank id (DB...), "
                              f"got {doid!r} and {drugbank!r}. {how}")
        if not (row["n_curators"].isdigit() and row["n_resources"].isdigit()):
            raise SourceError(f"{path}, line {lineno}: n_curators and n_resources must be counts, "
                              f"got {row['n_curators']!r} and {row['n_resources']!r}. {how}")
        drug = f"DRUGBANK:{drugbank}"
        drugs.setdefault(drug, row["drug"])
        counts[predicate.value] += 1
        edges.append(Edge(drug, predicate, doid, spec.name, version,
                          qualifiers=(("n_curators", row["n_curators"]), ("n_resources", row["n_resources"]))))
    nodes = [Node(id=d, category=Category.DRUG, label=name, source=spec.name) for d, name in drugs.items()]
    data = SourceData(name=spec.name, version=version, nodes=nodes, edges=edges)
    data.stats = {"rows": len(edges), "drugs": len(nodes), "diseases": len({e.object for e in edges}), **counts}
    return data


PHARMACOTHERAPYDB = register(SourceSpec(
    name="pharmacotherapydb",
    title="PharmacotherapyDB 1.0: physician-curated indications (DrugBank -> Disease Ontology)",
    license="CC0 1.0 (https://creativecommons.org/publicdomain/zero/1.0/)",
    citation=("Himmelstein DS et al. Systematic integration of biomedical knowledge prioritizes drugs for "
              "repurposing. eLife 2017;6:e26726. doi:10.7554/eLife.26726 (PharmacotherapyDB 1.0, "
              "doi:10.6084/m9.figshare.3103054)"),
    homepage=f"https://github.com/{INDICATIONS_REPO} (catalog/indications.tsv @{INDICATIONS_COMMIT})",
    files=(SourceFile("indications/pharmacotherapydb.tsv",
                      RAW.format(repo=INDICATIONS_REPO, commit=INDICATIONS_COMMIT, path="catalog/indications.tsv")),),
    parse=parse_pharmacotherapydb,
    after=("disease-ontology",),
    default_version="1.0",
))
