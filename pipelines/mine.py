"""Literature mining: disease-phenotype co-mentions in the indexed abstracts -> a guideline file
to review (``medkg literature mine --out proposal.tsv``). It is only a proposal: ``medkg update
proposal.tsv --dry-run`` shows what it would change, and a person decides whether to apply it.

1. The extractor reads every abstract of the literature store (title + abstract), batched on
   the same engine as ``medkg batch`` (in this process, or Ray actors with ``--ray``). A
   document *mentions* a concept when the extractor finds it there not negated; diseases and
   phenotypes are told apart by the graph node's category (HPO terms only under "Phenotypic
   abnormality", so "Healthy" or a mode of inheritance is never proposed as a phenotype).
2. For each disease D and phenotype P: ``a`` = documents mentioning both, ``n_D``, ``n_P`` =
   documents mentioning each, ``N`` = documents read.
3. **Association: a one-sided Fisher's exact test** on the 2x2 table (``a``, ``n_D - a``,
   ``n_P - a``, ``N - n_D - n_P + a``), as Hetionet scored its MEDLINE co-occurrence edges, with
   Benjamini-Hochberg q-values over every co-mentioned pair. Chosen over HSDN's TF-IDF-weighted
   co-occurrence because it gives a p-value with a threshold that means the same at any corpus
   size and accounts for how common each term is, and it stays honest on small counts (most
   pairs in a few thousand abstracts co-occur once or twice); TF-IDF weights need a
   corpus-specific cut-off and rank a pair seen once between two rare terms highly.
4. Pairs with ``a >= min_documents`` and ``q <= max_q`` become ``has_phenotype`` rows with
   ``score`` = -log10(p), the PubMed ids of the co-mentioning documents as references (documents
   whose ids are not PMIDs, e.g. SciFact's Semantic Scholar ids, are counted but never cited),
   and a note with the counts.

>>> import math
>>> p = fisher_greater(a=3, n=10, n_d=3, n_p=3)       # every D document is a P document
>>> round(p, 4), round(-math.log10(p), 2)
(0.0083, 2.08)
>>> fisher_greater(a=1, n=10, n_d=1, n_p=10)           # P is in every document: no evidence
1.0
"""

from __future__ import annotations

import csv
import dataclasses
import io
import logging
import math
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Iterable

import networkx as nx

from kg.errors import InputError, MedkgError

__all__ = ["Mentions", "MinedPair", "MineResult", "mentions", "fisher_greater", "associate", "mine_literature",
           "write_proposal", "PROPOSAL_KEY", "PROPOSAL_COLUMNS"]

log = logging.getLogger(__name__)

PROPOSAL_KEY = "medkg/literature-mined"
PROPOSAL_COLUMNS = ("subject", "predicate", "object", "subject_label", "object_label", "citation", "score", "note")
DISEASE_CATEGORIES = ("Disease",)
PHENOTYPE_CATEGORIES = ("PhenotypicFeature",)
PHENOTYPIC_ABNORMALITY = "HP:0000118"
MAX_CITED = 20           # PMIDs listed per row (the note gives the full count)


@dataclass(frozen=True)
class Mentions:
    """The diseases and phenotypes one document mentions (sorted ids); ``ok`` False if unreadable."""

    diseases: tuple[str, ...] = ()
    phenotypes: tuple[str, ...] = ()
    ok: bool = True


def mentions(G: nx.MultiDiGraph, extractor, text: str) -> Mentions:
    """Disease and phenotype ids the extractor finds, not negated, in ``text``.

    >>> from kg.extract import build_extractor
    >>> from kg.terms import ConceptTerm
    >>> G = nx.MultiDiGraph()
    >>> G.add_node("HP:0001945", category="PhenotypicFeature"); G.add_node("D:1", category="Disease")
    >>> ex = build_extractor([ConceptTerm("HP:0001945", "Fever", "PhenotypicFeature"),
    ...                       ConceptTerm("D:1", "Flu", "Disease")])
    >>> mentions(G, ex, "Flu causes fever.")
    Mentions(diseases=('D:1',), phenotypes=('HP:0001945',), ok=True)
    >>> mentions(G, ex, "Flu without fever.").phenotypes
    ()
    """
    try:
        found = extractor.extract(text).findings
    except Exception as err:  # noqa: BLE001 - an unreadable abstract is counted out, never the end of the run
        if not isinstance(err, MedkgError):
            log.error("unexpected %s while reading an abstract", type(err).__name__)
        return Mentions(ok=False)
    diseases, phenotypes = set(), set()
    for f in found:
        if f.negated or f.concept_id not in G:
            continue
        category = G.nodes[f.concept_id].get("category")
        if category in DISEASE_CATEGORIES:
            diseases.add(f.concept_id)
        elif category in PHENOTYPE_CATEGORIES and _is_abnormality(G, f.concept_id):
            phenotypes.add(f.concept_id)
    return Mentions(tuple(sorted(diseases)), tuple(sorted(phenotypes)))


def _is_abnormality(G: nx.MultiDiGraph, node: str) -> bool:
    """HPO terms count only under 'Phenotypic abnormality' (not modifiers, 'Healthy', inheritance)."""
    if not node.startswith("HP:") or PHENOTYPIC_ABNORMALITY not in G:
        return True
    from kg.paths import ancestors_within

    return PHENOTYPIC_ABNORMALITY in ancestors_within(G, node, 64)


def fisher_greater(a: int, n: int, n_d: int, n_p: int) -> float:
    """One-sided Fisher's exact p-value that D and P co-occur in at least ``a`` of ``n`` documents."""
    from scipy.stats import hypergeom

    return float(min(1.0, max(0.0, hypergeom.sf(a - 1, n, n_d, n_p))))


@dataclass(frozen=True)
class MinedPair:
    """One disease-phenotype pair with its counts and association."""

    disease: str
    phenotype: str
    documents: int          # a: documents mentioning both
    disease_documents: int  # n_D
    phenotype_documents: int  # n_P
    p_value: float
    q_value: float
    enrichment: float       # a / expected, expected = n_D * n_P / N
    pmids: tuple[str, ...]  # PubMed ids among the a documents (others are never cited)

    @property
    def score(self) -> float:
        return -math.log10(max(self.p_value, 1e-300))


def associate(doc_mentions: Iterable[tuple[str, str, Mentions]]) -> tuple[int, list[MinedPair]]:
    """(documents read, every co-mentioned pair with its Fisher p and BH q), best first.

    ``doc_mentions``: (document id, id type, mentions); only ``pmid`` ids are kept as references.
    """
    import numpy as np
    from scipy.stats import false_discovery_control, hypergeom

    n = 0
    df_d: Counter = Counter()
    df_p: Counter = Counter()
    pair_docs: dict[tuple[str, str], int] = Counter()
    pair_pmids: dict[tuple[str, str], list[str]] = defaultdict(list)
    for doc_id, id_type, m in doc_mentions:
        if not m.ok:
            continue
        n += 1
        df_d.update(m.diseases)
        df_p.update(m.phenotypes)
        for d in m.diseases:
            for p in m.phenotypes:
                pair_docs[(d, p)] += 1
                if id_type == "pmid":
                    pair_pmids[(d, p)].append(doc_id)
    if not pair_docs:
        return n, []
    keys = list(pair_docs)
    a = np.array([pair_docs[k] for k in keys])
    nd = np.array([df_d[k[0]] for k in keys])
    npp = np.array([df_p[k[1]] for k in keys])
    p = np.clip(hypergeom.sf(a - 1, n, nd, npp), 0.0, 1.0)
    q = false_discovery_control(p, method="bh")
    expected = nd * npp / n
    pairs = [MinedPair(k[0], k[1], int(a[i]), int(nd[i]), int(npp[i]), float(p[i]), float(q[i]),
                       float(a[i] / expected[i]), tuple(sorted(pair_pmids.get(k, ()), key=_pmid_order)))
             for i, k in enumerate(keys)]
    pairs.sort(key=lambda x: (x.p_value, -x.documents, x.disease, x.phenotype))
    return n, pairs


def _pmid_order(pmid: str) -> tuple[int, str]:
    return (int(pmid), pmid) if pmid.isdigit() else (0, pmid)


@dataclass
class MineResult:
    """What one :func:`mine_literature` run found."""

    documents: int = 0               # documents in the store
    documents_read: int = 0          # of which the extractor could read
    pmid_documents: int = 0
    documents_with_pair: int = 0     # documents mentioning at least one disease and one phenotype
    co_mentioned_pairs: int = 0      # distinct disease-phenotype pairs seen together at least once
    proposed: int = 0                # pairs above the thresholds (rows written)
    proposed_with_pmids: int = 0
    already_in_graph: int = 0        # proposed pairs the graph already has as has_phenotype
    min_documents: int = 2
    max_q: float = 0.05
    engine: str = ""
    workers: int = 1
    seconds: float = 0.0
    out: str = ""
    sample: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def _known_edges(G: nx.MultiDiGraph, pairs: list[MinedPair]) -> set[tuple[str, str]]:
    known = set()
    for pr in pairs:
        if G.has_edge(pr.disease, pr.phenotype) and any(
                d.get("predicate") == "has_phenotype" for d in G.get_edge_data(pr.disease, pr.phenotype).values()):
            known.add((pr.disease, pr.phenotype))
    return known


def write_proposal(pairs: list[MinedPair], G: nx.MultiDiGraph, *, documents: int, version: str,
                   known: set[tuple[str, str]] = frozenset(), title: str = "") -> str:
    """The guideline table (TSV) of the mined pairs; ``medkg update FILE --dry-run`` reads it."""
    out = io.StringIO()
    out.write("# Literature-mined disease-phenotype associations: a proposal to review, never applied by itself.\n")
    out.write("# Review with medkg update FILE --dry-run and apply only the rows a person has checked.\n")
    out.write(f"# key: {PROPOSAL_KEY}\n# version: {version}\n# date: {date.today().isoformat()}\n")
    out.write(f"# title: {title or f'Disease-phenotype co-mentions in {documents} abstracts (Fisher exact test)'}\n")
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(PROPOSAL_COLUMNS)
    label = lambda node: G.nodes[node].get("label", "") if node in G else ""  # noqa: E731
    for pr in pairs:
        cited = pr.pmids[:MAX_CITED]
        note = (f"co-mentioned in {pr.documents} of {documents} abstracts ({len(pr.pmids)} with PMIDs"
                f"{f', {len(cited)} cited' if len(pr.pmids) > len(cited) else ''}); disease in {pr.disease_documents}, "
                f"phenotype in {pr.phenotype_documents}; enrichment {pr.enrichment:.1f}; Fisher one-sided "
                f"p={pr.p_value:.2e}, BH q={pr.q_value:.2e}"
                + ("; the graph already has this has_phenotype edge" if (pr.disease, pr.phenotype) in known else ""))
        writer.writerow([pr.disease, "has_phenotype", pr.phenotype, label(pr.disease), label(pr.phenotype),
                         ";".join(f"PMID:{x}" for x in cited), f"{pr.score:.2f}", note])
    return out.getvalue()


def mine_literature(settings, out: str | Path, *, ray: str | None = None, workers: int | None = None,
                    min_documents: int = 2, max_q: float = 0.05, only_new: bool = False, chunk_size: int = 64,
                    show_progress: bool = False, engine=None, sample: int = 10) -> MineResult:
    """Mine the home's literature store into the proposal file ``out`` (see the module docstring)."""
    from retrieval.documents import DocumentStore

    from pipelines.batch import BatchItem, make_engine, map_chunks

    if min_documents < 1:
        raise InputError(f"--min-documents must be at least 1, got {min_documents}")
    if not 0.0 < max_q <= 1.0:
        raise InputError(f"--max-q must be in (0, 1], got {max_q}")
    path = Path(settings.home.literature) / "documents.sqlite"
    if not path.exists():
        raise InputError(f"no literature store in {settings.home.literature}; run `medkg literature add FILE...` first")
    t0 = time.perf_counter()
    store = DocumentStore(path)
    try:
        total = store.count()
        if total == 0:
            raise InputError("the literature store is empty; run `medkg literature add FILE...` first")
        version = store.checksum()[:12]
        own = engine is None
        if own:
            engine = make_engine(settings, "mine", ray=ray, workers=workers)
        from tqdm import tqdm

        bar = tqdm(total=total, unit="doc", desc="literature mine", disable=not show_progress, dynamic_ncols=True)
        id_types: dict[str, str] = {}

        def items():
            for _, doc in store.iter_documents():
                id_types[doc.id] = doc.id_type
                yield BatchItem(doc.id, {"text": doc.text})

        try:
            stream = ((item.id, id_types[item.id], m if isinstance(m, Mentions) else Mentions(ok=False))
                      for item, m in map_chunks(engine, items(), chunk_size, on_chunk=bar.update))
            counted = Counter()

            def tally(rows):
                for doc_id, id_type, m in rows:
                    counted["docs"] += 1
                    counted["pmid"] += id_type == "pmid"
                    counted["with_pair"] += bool(m.ok and m.diseases and m.phenotypes)
                    yield doc_id, id_type, m

            n_read, pairs = associate(tally(stream))
        finally:
            bar.close()
            if own:
                engine.close()
        G = engine.worker.ws.graph if hasattr(engine, "worker") else _load_graph(settings)
    finally:
        store.close()
    chosen = [pr for pr in pairs if pr.documents >= min_documents and pr.q_value <= max_q]
    known = _known_edges(G, chosen)
    if only_new:
        chosen = [pr for pr in chosen if (pr.disease, pr.phenotype) not in known]
    if not chosen:
        raise InputError(f"no disease-phenotype pair passes the thresholds (at least {min_documents} documents, "
                         f"q <= {max_q}) among {len(pairs)} co-mentioned pairs in {n_read} documents; "
                         f"no proposal written (lower --min-documents or raise --max-q)")
    text = write_proposal(chosen, G, documents=n_read, version=f"{version}-n{min_documents}-q{max_q:g}", known=known)
    Path(out).write_text(text, encoding="utf-8")
    label = lambda node: G.nodes[node].get("label", "") if node in G else ""  # noqa: E731
    return MineResult(
        documents=total, documents_read=n_read, pmid_documents=counted["pmid"], documents_with_pair=counted["with_pair"],
        co_mentioned_pairs=len(pairs), proposed=len(chosen), proposed_with_pmids=sum(1 for p in chosen if p.pmids),
        already_in_graph=len(known & {(p.disease, p.phenotype) for p in chosen}), min_documents=min_documents,
        max_q=max_q, engine=engine.name, workers=engine.workers, seconds=round(time.perf_counter() - t0, 2),
        out=str(out),
        sample=[{"disease": p.disease, "disease_label": label(p.disease), "phenotype": p.phenotype,
                 "phenotype_label": label(p.phenotype), "documents": p.documents, "score": round(p.score, 2),
                 "q": p.q_value, "pmids": list(p.pmids[:5])} for p in chosen[:sample]])


def _load_graph(settings) -> nx.MultiDiGraph:
    from kg.view import load_view

    return load_view(settings.home)
