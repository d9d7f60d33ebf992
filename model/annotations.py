"""The phenotype-annotation table: the part of the graph every ranker reads, as arrays.

Built once from the networkx view (plain function over ``G``) and cached on disk keyed by
the graph version. It holds

- the phenotype DAG (``subclass_of`` between phenotype terms): parents, ancestors with
  their distance, depth;
- per disease its annotated phenotypes (``has_phenotype``) with a frequency (the HPO
  frequency through :func:`kg.records.frequency_value`, ``default_frequency`` when missing,
  e.g. the disease-symptom source's rows), and its explicitly excluded phenotypes
  (``lacks_phenotype``: HPO NOT rows, never support);
- with ``share_equivalents`` (the default), the annotations of *equivalent* diseases: when
  ``same_as`` edges (MONDO exact matches) join e.g. ``OMIM:154700`` and ``ORPHA:558``, each
  also gets the other's rows for the phenotypes it is not annotated with itself (its own row
  wins; references kept, so the leak filter still sees them). Groups holding two annotated
  diseases of one prefix are ambiguous and left alone (counted in ``ambiguous_groups``);
- derived matrices: ``M`` (disease x term: the highest frequency of an annotation at the term
  or any descendant, i.e. the probability that a patient shows the term at least that often),
  ``X`` (disease x term, explicit exclusions), the information content ``ic`` per term
  (``-log`` of the share of diseases annotated with the term or a descendant) and the
  background probability ``bg`` of each term over all diseases.

:meth:`AnnotationTable.remove_references` drops the rows citing given references (the leak
filter of the benchmark) and recomputes everything derived.

>>> from tests.model.conftest import tiny_graph
>>> T = build_annotation_table(tiny_graph())
>>> T.n_terms, T.n_diseases, int(T.n_rows)
(10, 5, 12)
>>> round(float(T.ic[T.term_index["HP:0000118"]]), 3)
0.0
>>> T.ancestors("HP:0000003")[:3]
['HP:0000003', 'HP:0000002', 'HP:0000118']
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import networkx as nx
import numpy as np
import scipy.sparse as sp

from kg.records import frequency_value

__all__ = ["AnnotationTable", "build_annotation_table", "annotation_table", "equivalent_disease_groups", "gather_runs",
           "TERM_PREFIXES", "ROOT_TERMS"]

log = logging.getLogger(__name__)

TERM_PREFIXES = ("HP", "SYMP")
TERM_CATEGORIES = ("PhenotypicFeature", "ClinicalCourse", "GeneticInheritance")
# Terms too general to count as a match between a finding and an annotation.
ROOT_TERMS = ("HP:0000001", "HP:0000118", "SYMP:0000000", "HP:0000005", "HP:0012823", "HP:0040279",
              "HP:0031797", "HP:0040006")
_FORMAT = 5  # bump when the pickled layout changes


def _prefix(curie: str) -> str:
    return curie.split(":", 1)[0]


@dataclass
class AnnotationTable:
    """Arrays over the phenotype DAG and the disease annotations (see the module docstring)."""

    graph_version: str
    terms: list[str]
    term_labels: list[str]
    parents: list[np.ndarray]          # per term: indices of its parents
    diseases: list[str]
    disease_labels: list[str]
    ann_d: np.ndarray                  # annotation rows: disease index
    ann_t: np.ndarray                  # term index
    ann_f: np.ndarray                  # frequency in [0, 1] (default filled in)
    ann_has_f: np.ndarray              # whether the source gave a frequency
    ann_refs: list[tuple[str, ...]]    # references per row
    exc_d: np.ndarray                  # lacks_phenotype rows
    exc_t: np.ndarray
    exc_refs: list[tuple[str, ...]]
    default_frequency: float = 0.5
    removed_rows: int = 0
    shared_rows: int = 0               # annotation rows copied from an equivalent disease
    ambiguous_groups: int = 0          # same_as groups not shared (two annotated diseases of one prefix)
    # (ic, bg) of the table a disease subset was cut from (see for_diseases); None: computed here
    stats: tuple | None = field(default=None, repr=False)   # (ic, bg, number of diseases) of the source table
    # derived (filled by _derive)
    term_index: dict[str, int] = field(default_factory=dict, repr=False)
    disease_index: dict[str, int] = field(default_factory=dict, repr=False)
    anc: sp.csr_matrix | None = field(default=None, repr=False)     # term x term, data = distance + 1
    depth: np.ndarray | None = field(default=None, repr=False)
    root_mask: np.ndarray | None = field(default=None, repr=False)
    D: sp.csc_matrix | None = field(default=None, repr=False)       # disease x term, direct freq
    M: sp.csc_matrix | None = field(default=None, repr=False)       # disease x term, propagated max freq
    X: sp.csc_matrix | None = field(default=None, repr=False)       # disease x term, direct exclusions
    ic: np.ndarray | None = field(default=None, repr=False)
    bg: np.ndarray | None = field(default=None, repr=False)
    disease_terms: list[np.ndarray] | None = field(default=None, repr=False)
    disease_freqs: list[np.ndarray] | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ sizes
    @property
    def n_terms(self) -> int:
        return len(self.terms)

    @property
    def n_diseases(self) -> int:
        return len(self.diseases)

    @property
    def n_rows(self) -> int:
        return int(self.ann_d.shape[0])

    # ------------------------------------------------------------------ derive
    def _derive(self) -> "AnnotationTable":
        self.term_index = {t: i for i, t in enumerate(self.terms)}
        self.disease_index = {d: i for i, d in enumerate(self.diseases)}
        if self.anc is None:
            self.anc, self.depth = _ancestor_matrix(self.parents)
            self.root_mask = np.array([t in ROOT_TERMS for t in self.terms], dtype=bool)
        nd, nt = self.n_diseases, self.n_terms
        f = self.ann_f.astype(np.float32)
        self.D = _max_matrix(self.ann_d, self.ann_t, f, (nd, nt)).tocsc()
        # propagate each annotation to every ancestor of its term, keeping the max frequency
        indptr, indices = self.anc.indptr, self.anc.indices
        counts = indptr[self.ann_t + 1] - indptr[self.ann_t]
        rep_d = np.repeat(self.ann_d, counts)
        rep_f = np.repeat(f, counts)
        starts = np.repeat(indptr[self.ann_t], counts)
        offs = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        rep_t = indices[starts + offs]
        self.M = _max_matrix(rep_d, rep_t, rep_f, (nd, nt)).tocsc()
        self.X = sp.csc_matrix((np.ones(len(self.exc_d), np.float32), (self.exc_d, self.exc_t)), shape=(nd, nt))
        self.X.data[:] = 1.0
        # the number of diseases the statistics come from (a cut table keeps its source's)
        self.n_source = int(self.stats[2]) if self.stats is not None and len(self.stats) > 2 else nd
        if self.stats is not None:
            self.ic, self.bg = self.stats[:2]
        else:
            annotated = np.diff(self.M.indptr).astype(np.float64)  # diseases per term (CSC columns)
            n = max(nd, 1)
            self.ic = np.log(n / np.maximum(annotated, 1.0)).astype(np.float32)
            self.ic[annotated == 0] = np.log(n)
            self.bg = np.maximum(np.asarray(self.M.sum(axis=0)).ravel() / n, 0.5 / n).astype(np.float32)
        Dr = self.D.tocsr()
        self.disease_terms = [Dr.indices[Dr.indptr[i]:Dr.indptr[i + 1]] for i in range(nd)]
        self.disease_freqs = [Dr.data[Dr.indptr[i]:Dr.indptr[i + 1]] for i in range(nd)]
        return self

    # ------------------------------------------------------------------ queries
    def ancestors(self, term: str) -> list[str]:
        """Ancestor-or-self ids of ``term``, nearest first."""
        i = self.term_index[term]
        row = self.anc.getrow(i)
        order = np.argsort(row.data, kind="stable")
        return [self.terms[j] for j in row.indices[order]]

    def ancestor_idx(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """(ancestor-or-self indices, distances) of term index ``i``."""
        a, b = self.anc.indptr[i], self.anc.indptr[i + 1]
        return self.anc.indices[a:b], self.anc.data[a:b] - 1

    def disease_annotations(self, d: int) -> list[tuple[int, float]]:
        """(term index, frequency) of disease index ``d``'s direct annotations."""
        terms = self.disease_terms[d]
        return [(int(t), float(f)) for t, f in zip(terms, self.disease_freqs[d])]

    def annotation_ancestors(self, d: int) -> tuple[np.ndarray, np.ndarray]:
        """Ancestor-or-self indices of each of disease ``d``'s annotated terms, and where each run starts.

        The runs follow the order of :meth:`disease_annotations` (``np.ufunc.reduceat`` over the
        starts gives one value per annotation). Cached per disease (not pickled).
        """
        cache = self.__dict__.setdefault("_annotation_ancestors", {})
        if d not in cache:
            pos, counts = gather_runs(self.anc.indptr, self.disease_terms[d])
            cache[d] = (self.anc.indices[pos], np.cumsum(counts) - counts)
        return cache[d]

    def disease_exclusions(self, d: int) -> np.ndarray:
        """Term indices of disease ``d``'s exclusions (``lacks_phenotype``), in row order.

        The grouping of the exclusion rows by disease is cached (not pickled).
        """
        groups = self.__dict__.get("_exclusion_groups")
        if groups is None:
            order = np.argsort(self.exc_d, kind="stable")
            bounds = np.searchsorted(self.exc_d[order], np.arange(self.n_diseases + 1))
            groups = self._exclusion_groups = (self.exc_t[order], bounds)
        terms, bounds = groups
        return terms[bounds[d]:bounds[d + 1]]

    def remove_references(self, refs: Iterable[str]) -> "AnnotationTable":
        """A new table without the annotation rows (and exclusion rows) citing any of ``refs``.

        ``refs`` are CURIEs as the graph stores them (``"PMID:123"``); bare numbers are read
        as PMIDs. ``removed_rows`` on the result counts the rows dropped.
        """
        refs = {r if ":" in r else f"PMID:{r}" for r in refs}
        keep = np.array([not (set(r) & refs) for r in self.ann_refs], dtype=bool)
        keep_x = np.array([not (set(r) & refs) for r in self.exc_refs], dtype=bool)
        return self.keep_rows(keep, keep_x)

    def withhold_rows(self, diseases: Iterable[int], share: float, seed: int = 0) -> "AnnotationTable":
        """A new table without a random ``share`` of the annotation rows of ``diseases``.

        Calibration uses it: a patient the graph's sources never described matches its
        disease's annotations only in part, as cases do once their paper is left out.
        """
        rng = np.random.default_rng(seed)
        chosen = np.isin(self.ann_d, np.fromiter(diseases, np.int64))
        keep = ~(chosen & (rng.random(self.n_rows) < share))
        return self.keep_rows(keep, np.ones(len(self.exc_d), dtype=bool))

    def for_diseases(self, mask: np.ndarray) -> "AnnotationTable":
        """The table cut to the diseases where ``mask``, with this table's ``ic`` and ``bg``.

        A ranker restricted to some candidates (e.g. OMIM) scores only their rows: the same
        scores, less work. The statistics stay those of every disease of the graph, so rows
        cannot be removed from the cut table (remove them from the full one, then cut).
        """
        mask = np.asarray(mask, bool)
        return self._subset(mask[self.ann_d], mask[self.exc_d], diseases=np.flatnonzero(mask),
                            stats=(self.ic, self.bg, self.n_source))

    def keep_rows(self, keep: np.ndarray, keep_x: np.ndarray) -> "AnnotationTable":
        """A new table with the annotation rows where ``keep`` and the exclusion rows where ``keep_x``."""
        if self.stats is not None:
            raise ValueError("rows cannot be removed from a table cut by for_diseases (its statistics are the "
                             "full table's): remove them from the full table, then cut")
        out = self._subset(keep, keep_x)
        out.removed_rows += int((~keep).sum() + (~keep_x).sum())
        return out

    def _subset(self, keep: np.ndarray, keep_x: np.ndarray, diseases: np.ndarray | None = None,
                stats: tuple | None = None) -> "AnnotationTable":
        """The rows where ``keep`` / ``keep_x``, over ``diseases`` (indices; all when None), derived anew."""
        if diseases is None:
            renumber, names, labels = None, self.diseases, self.disease_labels
        else:
            renumber = np.full(self.n_diseases, -1, np.int64)
            renumber[diseases] = np.arange(len(diseases))
            names = [self.diseases[i] for i in diseases]
            labels = [self.disease_labels[i] for i in diseases]
        ann_d, exc_d = self.ann_d[keep], self.exc_d[keep_x]
        out = AnnotationTable(
            graph_version=self.graph_version, terms=self.terms, term_labels=self.term_labels, parents=self.parents,
            diseases=names, disease_labels=labels,
            ann_d=ann_d if renumber is None else renumber[ann_d], ann_t=self.ann_t[keep], ann_f=self.ann_f[keep],
            ann_has_f=self.ann_has_f[keep], ann_refs=[r for r, k in zip(self.ann_refs, keep) if k],
            exc_d=exc_d if renumber is None else renumber[exc_d], exc_t=self.exc_t[keep_x],
            exc_refs=[r for r, k in zip(self.exc_refs, keep_x) if k],
            default_frequency=self.default_frequency, removed_rows=self.removed_rows,
            shared_rows=self.shared_rows, ambiguous_groups=self.ambiguous_groups,
            anc=self.anc, depth=self.depth, root_mask=self.root_mask, stats=stats,
        )
        return out._derive()

    # ------------------------------------------------------------------ persistence
    def __getstate__(self) -> dict:
        state = {k: v for k, v in self.__dict__.items() if not k.startswith("_")}  # drop model caches
        for key in ("term_index", "disease_index", "D", "M", "X", "ic", "bg", "disease_terms", "disease_freqs"):
            state[key] = None
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._derive()


def gather_runs(indptr: np.ndarray, major: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the stored entries of rows (CSR) or columns (CSC) ``major``, concatenated, and their counts.

    >>> gather_runs(np.array([0, 2, 3, 6]), np.array([2, 0]))
    (array([3, 4, 5, 0, 1]), array([3, 2]))
    """
    major = np.asarray(major, np.int64)
    starts = indptr[major]
    counts = indptr[major + 1] - starts
    offsets = np.cumsum(counts) - counts
    return np.arange(int(counts.sum())) + np.repeat(starts - offsets, counts), counts


def _max_matrix(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
    """A sparse matrix keeping the maximum of duplicate (row, col) entries."""
    if len(rows) == 0:
        return sp.csr_matrix(shape, dtype=np.float32)
    key = rows.astype(np.int64) * shape[1] + cols
    order = np.lexsort((vals, key))
    key, vals = key[order], vals[order]
    last = np.r_[key[1:] != key[:-1], True]
    key, vals = key[last], vals[last]  # sorted by value within a key: the last is the max
    return sp.csr_matrix((vals.astype(np.float32), (key // shape[1], key % shape[1])), shape=shape)


def _ancestor_matrix(parents: list[np.ndarray]) -> tuple[sp.csr_matrix, np.ndarray]:
    """Ancestor-or-self matrix (data = shortest upward distance + 1) and depth per term."""
    n = len(parents)
    children: list[list[int]] = [[] for _ in range(n)]
    indeg = np.zeros(n, dtype=np.int64)
    for i, ps in enumerate(parents):
        indeg[i] = len(ps)
        for p in ps:
            children[p].append(i)
    order, stack = [], [i for i in range(n) if indeg[i] == 0]
    remaining = indeg.copy()
    while stack:
        i = stack.pop()
        order.append(i)
        for c in children[i]:
            remaining[c] -= 1
            if remaining[c] == 0:
                stack.append(c)
    if len(order) < n:  # a cycle (should not happen in an ontology): keep the rest unordered
        seen = set(order)
        order += [i for i in range(n) if i not in seen]
    anc: list[dict[int, int]] = [dict() for _ in range(n)]
    depth = np.zeros(n, dtype=np.int32)
    for i in order:
        mine = {i: 0}
        best_depth = None
        for p in parents[i]:
            for a, dist in anc[p].items():
                if dist + 1 < mine.get(a, 1 << 30):
                    mine[a] = dist + 1
            best_depth = depth[p] + 1 if best_depth is None else min(best_depth, depth[p] + 1)
        anc[i] = mine
        depth[i] = best_depth or 0
    indptr = np.zeros(n + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(a) for a in anc])
    indices = np.fromiter((k for a in anc for k in a), dtype=np.int64, count=int(indptr[-1]))
    data = np.fromiter((v + 1 for a in anc for v in a.values()), dtype=np.int32, count=int(indptr[-1]))
    return sp.csr_matrix((data, indices, indptr), shape=(n, n)), depth


def _is_term(node: str, data: dict) -> bool:
    if data.get("obsolete"):
        return False
    return data.get("category") in TERM_CATEGORIES or _prefix(node) in TERM_PREFIXES


def _hpo_equivalents(G: nx.MultiDiGraph) -> dict[str, str]:
    """Non-HPO phenotype id -> the HPO term it is same_as (when exactly one)."""
    out: dict[str, str] = {}
    for u, v, d in G.edges(data=True):
        if d.get("predicate") != "same_as":
            continue
        for a, b in ((u, v), (v, u)):
            if b.startswith("HP:") and not a.startswith("HP:") and _prefix(a) in TERM_PREFIXES:
                out[a] = b if a not in out else out[a]
    return out


def equivalent_disease_groups(G: nx.MultiDiGraph, annotated: set[str]) -> tuple[list[list[str]], int]:
    """Groups of ``annotated`` diseases joined by ``same_as`` edges (through any hub, e.g. a MONDO id).

    Returns the unambiguous groups (at most one annotated disease per id prefix) and how many
    groups were ambiguous. Phenotype terms never join a group.

    >>> G = nx.MultiDiGraph()
    >>> G.add_edge("MONDO:1", "OMIM:1", predicate="same_as"); G.add_edge("MONDO:1", "ORPHA:1", predicate="same_as")
    0
    0
    >>> equivalent_disease_groups(G, {"OMIM:1", "ORPHA:1"})
    ([['OMIM:1', 'ORPHA:1']], 0)
    """
    links = nx.Graph()
    for u, v, d in G.edges(data=True):
        if d.get("predicate") == "same_as" and _prefix(u) not in TERM_PREFIXES and _prefix(v) not in TERM_PREFIXES:
            links.add_edge(u, v)
    groups, ambiguous = [], 0
    for component in nx.connected_components(links):
        members = sorted(n for n in component if n in annotated)
        if len(members) < 2:
            continue
        prefixes = [_prefix(m) for m in members]
        if len(set(prefixes)) < len(prefixes):
            ambiguous += 1
            continue
        groups.append(members)
    return sorted(groups), ambiguous


def _share_equivalents(G: nx.MultiDiGraph, ann: list, exc: list) -> tuple[list, list, int, int]:
    """``ann``/``exc`` plus each equivalent disease's rows for the phenotypes a disease lacks a row for."""
    rows: dict[str, list] = {}
    xrows: dict[str, list] = {}
    for row in ann:
        rows.setdefault(row[0], []).append(row)
    for row in exc:
        xrows.setdefault(row[0], []).append(row)
    groups, ambiguous = equivalent_disease_groups(G, set(rows))
    extra, extra_x = [], []
    for group in groups:
        for d in group:
            others = [o for o in group if o != d]
            have = {v for _, v, _, _ in rows.get(d, ())}
            lacks = {v for _, v, _ in xrows.get(d, ())}
            # every shared annotation first, so an equivalent's exclusion never shadows another's annotation
            for _, v, f, r in (row for o in others for row in rows.get(o, ())):
                if v not in have and v not in lacks:
                    have.add(v)
                    extra.append((d, v, f, r))
            for _, v, r in (row for o in others for row in xrows.get(o, ())):
                if v not in have and v not in lacks:
                    lacks.add(v)
                    extra_x.append((d, v, r))
    return ann + extra, exc + extra_x, len(extra), ambiguous


def build_annotation_table(G: nx.MultiDiGraph, default_frequency: float = 0.5,
                           share_equivalents: bool = True) -> AnnotationTable:
    """Read the phenotype DAG and the disease annotations of ``G`` into an :class:`AnnotationTable`."""
    if not 0.0 < default_frequency <= 1.0:
        from kg.errors import ConfigError

        raise ConfigError(f"default_frequency must be in (0, 1], got {default_frequency}")
    nodes = G.nodes
    term_set = {n for n, d in G.nodes(data=True) if _is_term(n, d)}
    sub_edges: list[tuple[str, str]] = []
    ann: list[tuple[str, str, str | None, tuple]] = []
    exc: list[tuple[str, str, tuple]] = []
    for u, v, d in G.edges(data=True):
        p = d.get("predicate")
        if p == "has_phenotype":
            ann.append((u, v, d.get("frequency"), d.get("references", ())))
        elif p == "lacks_phenotype":
            exc.append((u, v, d.get("references", ())))
        elif p == "subclass_of" and u in term_set and v in term_set:
            sub_edges.append((u, v))
    # A symptom id (SYMP, from DO's disease-symptom pairs) that means the same as an HPO term
    # (a same_as edge made by the build's linking step) is annotated as that HPO term, so a
    # patient's "cough" (HP:0012735) matches common diseases annotated with SYMP "cough".
    to_hp = _hpo_equivalents(G)
    if to_hp:
        ann = [(u, to_hp.get(v, v), f, r) for u, v, f, r in ann]
        exc = [(u, to_hp.get(v, v), r) for u, v, r in exc]
    shared = ambiguous = 0
    if share_equivalents:
        ann, exc, shared, ambiguous = _share_equivalents(G, ann, exc)
    for _, v, _, _ in ann:
        term_set.add(v)
    for _, v, _ in exc:
        term_set.add(v)
    terms = sorted(term_set)
    tix = {t: i for i, t in enumerate(terms)}
    par: list[list[int]] = [[] for _ in terms]
    for u, v in sub_edges:
        if u != v:
            par[tix[u]].append(tix[v])
    parents = [np.array(sorted(set(p)), dtype=np.int64) for p in par]
    diseases = sorted({u for u, _, _, _ in ann} | {u for u, _, _ in exc})
    dix = {d: i for i, d in enumerate(diseases)}
    freq_cache: dict[str | None, float | None] = {}
    fvals, has_f = [], []
    for _, _, raw, _ in ann:
        if raw not in freq_cache:
            freq_cache[raw] = frequency_value(raw)
        fv = freq_cache[raw]
        has_f.append(fv is not None)
        fvals.append(default_frequency if fv is None else fv)
    table = AnnotationTable(
        graph_version=str(G.graph.get("version", "unversioned")),
        terms=terms,
        term_labels=[str(nodes[t].get("label", t)) if t in nodes else t for t in terms],
        parents=parents,
        diseases=diseases,
        disease_labels=[str(nodes[d].get("label", d)) if d in nodes else d for d in diseases],
        ann_d=np.array([dix[u] for u, _, _, _ in ann], dtype=np.int64),
        ann_t=np.array([tix[v] for _, v, _, _ in ann], dtype=np.int64),
        ann_f=np.array(fvals, dtype=np.float32),
        ann_has_f=np.array(has_f, dtype=bool),
        ann_refs=[tuple(r) for _, _, _, r in ann],
        exc_d=np.array([dix[u] for u, _, _ in exc], dtype=np.int64),
        exc_t=np.array([tix[v] for _, v, _ in exc], dtype=np.int64),
        exc_refs=[tuple(r) for _, _, r in exc],
        default_frequency=default_frequency,
        shared_rows=shared,
        ambiguous_groups=ambiguous,
    )
    # a 0% frequency on a has_phenotype row is an exclusion in disguise
    zero = table.ann_f <= 0.0
    if zero.any():
        table.exc_d = np.r_[table.exc_d, table.ann_d[zero]]
        table.exc_t = np.r_[table.exc_t, table.ann_t[zero]]
        table.exc_refs += [r for r, z in zip(table.ann_refs, zero) if z]
        keep = ~zero
        table.ann_d, table.ann_t, table.ann_f, table.ann_has_f = (
            table.ann_d[keep], table.ann_t[keep], table.ann_f[keep], table.ann_has_f[keep])
        table.ann_refs = [r for r, k in zip(table.ann_refs, keep) if k]
    return table._derive()


def annotation_table(G: nx.MultiDiGraph, cache_dir: Path | None = None, default_frequency: float = 0.5,
                     share_equivalents: bool = True) -> AnnotationTable:
    """:func:`build_annotation_table`, cached in ``cache_dir`` keyed by the graph version.

    The key also covers ``default_frequency``, ``share_equivalents`` and the table format; a
    graph without a version (hand-built) is never cached.
    """
    version = G.graph.get("version")
    if cache_dir is None or not version:
        return build_annotation_table(G, default_frequency, share_equivalents)
    key = hashlib.blake2b(f"{version}|{default_frequency}|{share_equivalents}|{_FORMAT}".encode(),
                          digest_size=6).hexdigest()
    path = Path(cache_dir) / f"annotations-{version}-{key}.pickle"
    if path.exists():
        try:
            with open(path, "rb") as fh:
                return pickle.load(fh)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError) as err:
            log.warning("ignoring unreadable annotation cache %s: %s", path, err)
    table = build_annotation_table(G, default_frequency, share_equivalents)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        pickle.dump(table, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)
    return table
