"""Phenomizer-style Resnik best-match average: a transparent baseline.

The similarity of a finding ``t`` and an annotation ``a`` is the information content of their
most informative common ancestor (MICA), counted only when that ancestor is informative
(``ic >= min_shared_ic``, :data:`model.likelihood_ratio.MIN_SHARED_IC`; a finding matching
an annotation exactly or through a descendant always counts): "Abnormality of blood
pressure" is no similarity between hypertension and hypotension. Patient -> disease: the mean over the present
findings of their best match among the disease's annotations; ``symmetric`` also averages
the disease -> patient direction (each annotation's best match among the findings), as
Phenomizer does. Excluded findings are not used (Resnik has no notion of absence), so
denying a finding never raises a disease; the contribution of a finding is its share of the
patient -> disease average.

>>> from tests.model.conftest import tiny_graph
>>> from model.annotations import build_annotation_table
>>> T = build_annotation_table(tiny_graph())
>>> s, c = resnik_scores(T, [T.term_index["HP:0000003"]])
>>> T.diseases[int(s.argmax())]
'OMIM:100001'
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from model.annotations import AnnotationTable
from model.likelihood_ratio import (MIN_SHARED_IC, _directional_segment_max, _first_best, _shared_reduce,
                                    effective_min_ic)
from model.polarity import term_directions

__all__ = ["ResnikConfig", "resnik_scores", "resnik_matched"]


@dataclass(frozen=True)
class ResnikConfig:
    symmetric: bool = True
    min_shared_ic: float = MIN_SHARED_IC  # least IC of a common ancestor that counts as similarity


def _binary_ic(T: AnnotationTable) -> sp.csc_matrix:
    """Disease x term: IC of the term where the disease has it or a descendant, cached on T."""
    cached = getattr(T, "_resnik_cache", None)
    if cached is None:
        B = T.M.copy()
        cols = np.repeat(np.arange(T.n_terms), np.diff(B.indptr))  # CSC: the column of every entry
        B.data = T.ic[cols].astype(np.float32)
        anc_bin = T.anc.copy().astype(np.float32)
        anc_bin.data[:] = 1.0
        D_bin = T.D.tocsr().copy()
        D_bin.data[:] = 1.0
        n_ann = np.maximum(np.asarray(D_bin.sum(axis=1)).ravel(), 1.0)
        cached = (B, anc_bin.tocsr(), D_bin, n_ann, B.tocsr())
        T._resnik_cache = cached
    return cached


def resnik_scores(T: AnnotationTable, present: list[int], config: ResnikConfig = ResnikConfig()
                  ) -> tuple[np.ndarray, np.ndarray]:
    """(scores over every disease, contributions (N, F) of each present finding)."""
    B, anc_bin, D_bin, n_ann, _ = _binary_ic(T)
    F = len(present)
    if F == 0:
        return np.zeros(T.n_diseases, np.float32), np.zeros((T.n_diseases, 0), np.float32)
    sim = _directional_segment_max(T, present, weighted=False, drop_roots=False, min_ic=config.min_shared_ic,
                                   values="ic")                             # (N, F) best IC(MICA)
    contrib = sim / F
    score = contrib.sum(axis=1)
    if config.symmetric:
        direction = term_directions(T)
        v = np.zeros((3, T.n_terms), np.float32)          # by the findings' direction: 0, +1, -1
        for t in present:
            a, _ = T.ancestor_idx(t)
            a = a[(T.ic[a] >= effective_min_ic(T, config.min_shared_ic)) | (a == t)]
            v[int(direction[t]), a] = T.ic[a]
        per = [np.asarray(anc_bin.multiply(v[k][None, :]).max(axis=1).todense()).ravel() for k in range(3)]
        # per annotated term a: best IC(MICA) among the findings not of a's opposite direction
        best = np.maximum(per[0], np.maximum(np.where(direction != -1, per[1], 0), np.where(direction != 1, per[2], 0)))
        back = (D_bin @ best) / n_ann
        score = 0.5 * (score + back)
        contrib = 0.5 * contrib
    return score.astype(np.float32), contrib.astype(np.float32)


def resnik_matched(T: AnnotationTable, d: int, t: int, min_ic: float = MIN_SHARED_IC) -> int | None:
    """The annotation of disease ``d`` sharing the most informative ancestor with finding ``t`` (the first
    such), through an ancestor with ``ic >= min_ic`` or ``t`` itself."""
    if len(T.disease_terms[d]) == 0:
        return None
    best_ic, shares = _shared_reduce(T, d, t, T.ic, np.maximum, drop_roots=False, min_ic=min_ic)
    i = _first_best(np.where(shares, best_ic, -1.0))
    return None if i is None else int(T.disease_terms[d][i])
