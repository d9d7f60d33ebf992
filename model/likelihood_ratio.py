"""LIRICAL-style likelihood-ratio ranking: a transparent baseline and the default ranker.

For every finding and disease a likelihood ratio ``P(finding | disease) / P(finding | not disease)``:

- present finding ``t``: ``P(t | d)`` is the highest frequency of an annotation of ``d`` at ``t``
  or a descendant of ``t`` (the annotation is as or more specific: the patient surely shows ``t``
  then); otherwise, through the nearest shared ancestor ``c`` (not a root), the annotation's
  frequency times ``bg[t] / bg[c]`` (the share of ``c``'s patients who show ``t``); otherwise a
  noise probability ``noise * bg[t]``. A disease annotated as *lacking* ``t`` (or an ancestor)
  gets ``lacked * bg[t]``. ``P(t | not d)`` is the background ``bg[t]``.
- excluded finding ``t``: ``P(not t | d) = max(1 - f, absent_floor)`` with ``f`` as above
  (exact or descendant annotations only), 1 when ``d`` is annotated as lacking ``t``;
  ``P(not t | not d) = 1 - bg[t]``.

The score is the sum of log LRs (the log post-test odds under a uniform prior); the natural
contribution of a finding is its log LR. Probabilities are the post-test probabilities over the
candidate diseases (softmax of the scores: one disease explains the case).

>>> from tests.model.conftest import tiny_graph
>>> from model.annotations import build_annotation_table
>>> T = build_annotation_table(tiny_graph())
>>> m = lr_match(T, [T.term_index["HP:0000003"]], [])
>>> T.diseases[int(m.loglr.sum(axis=1).argmax())]
'OMIM:100001'
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.annotations import AnnotationTable

__all__ = ["LRConfig", "LRMatch", "lr_match", "KIND_NAMES", "N_KINDS",
           "NONE", "EXACT", "DESC", "ANC", "LACKED", "ABS_HAS", "ABS_NONE", "ABS_LACKED"]

# How a (disease, finding) pair matched; the Transformer reads these as relation types.
NONE, EXACT, DESC, ANC, LACKED, ABS_HAS, ABS_NONE, ABS_LACKED = range(8)
KIND_NAMES = ("none", "exact", "via_descendant", "via_ancestor", "lacked", "absent_has", "absent_none", "absent_lacked")
N_KINDS = len(KIND_NAMES)
_CHUNK_COLS = 2048  # gather at most this many columns of M at once (bounds memory for huge inputs)


@dataclass(frozen=True)
class LRConfig:
    """Probabilities of the likelihood-ratio model (see the module docstring)."""

    noise: float = 0.1            # P(unexplained finding | d) as a multiple of its background
    lacked: float = 0.01          # P(finding | d annotated as lacking it), as a multiple of background
    absent_floor: float = 0.05    # lowest P(finding absent | d), even for obligate features
    partial_weight: float = 0.25  # scale of matches through a shared ancestor (tuned on a dev sample: 1.0, 0.5, 0.25, 0.1)
    absent_weight: float = 1.0    # scale of the log LRs of excluded findings (curated exclusions are noisy)
    absent_match: str = "descendants"  # "descendants": P(t | d) from t or its descendants; "exact": t only


@dataclass
class LRMatch:
    """Per (disease, finding) arrays over every disease of the table."""

    terms: np.ndarray      # (F,) term indices, present ones first
    present: np.ndarray    # (F,) bool
    loglr: np.ndarray      # (N, F) float32
    kind: np.ndarray       # (N, F) int8, one of the KIND constants
    freq: np.ndarray       # (N, F) float32: the matched probability P(t | d) (present) or f (absent)

    def scores(self) -> np.ndarray:
        return self.loglr.sum(axis=1) if self.loglr.shape[1] else np.zeros(self.loglr.shape[0], np.float32)


def _segments(T: AnnotationTable, terms: list[int], drop_roots: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Concatenated ancestor-or-self columns per term, the segment starts, and ``bg[t] / bg[c]``."""
    cols, starts, w = [], [], []
    pos = 0
    for t in terms:
        a, _ = T.ancestor_idx(t)
        if drop_roots:
            a = a[~T.root_mask[a] | (a == t)]
        cols.append(a)
        starts.append(pos)
        w.append(T.bg[t] / T.bg[a])
        pos += len(a)
    if not cols:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)
    return np.concatenate(cols), np.array(starts, np.int64), np.concatenate(w).astype(np.float32)


def _segment_max(T: AnnotationTable, matrix, terms: list[int], weighted: bool, drop_roots: bool = True) -> np.ndarray:
    """(N, len(terms)): max over each term's ancestors-or-self ``c`` of ``matrix[:, c]`` (x bg ratio)."""
    out = np.zeros((matrix.shape[0], len(terms)), np.float32)
    i = 0
    while i < len(terms):
        # chunk so that the gathered columns stay bounded
        j, width = i, 0
        while j < len(terms) and (width == 0 or width + 64 <= _CHUNK_COLS):
            width += int(T.anc.indptr[terms[j] + 1] - T.anc.indptr[terms[j]])
            j += 1
        cols, starts, w = _segments(T, terms[i:j], drop_roots)
        sub = matrix[:, cols].tocoo()              # sparse: only (disease, column) pairs that exist
        seg_of = np.repeat(np.arange(j - i), np.diff(np.r_[starts, len(cols)]))
        vals = sub.data * w[sub.col] if weighted else sub.data
        block = np.zeros((matrix.shape[0], j - i), np.float32)
        np.maximum.at(block, (sub.row, seg_of[sub.col]), vals.astype(np.float32))
        out[:, i:j] = block
        i = j
    return out


def _lacked(T: AnnotationTable, terms: list[int]) -> np.ndarray:
    """(N, len(terms)) bool: the disease is annotated as lacking the term or one of its ancestors."""
    out = np.zeros((T.n_diseases, len(terms)), dtype=bool)
    if T.X.nnz == 0 or not terms:
        return out
    cols, starts, _ = _segments(T, terms, drop_roots=False)
    sub = T.X[:, cols].tocoo()
    if sub.nnz:
        seg = np.searchsorted(starts, sub.col, side="right") - 1
        out[sub.row, seg] = True
    return out


def lr_match(T: AnnotationTable, present: list[int], absent: list[int], config: LRConfig = LRConfig()) -> LRMatch:
    """Likelihood ratios of every disease for the findings (term indices of ``T``)."""
    n = T.n_diseases
    F = len(present) + len(absent)
    loglr = np.zeros((n, F), np.float32)
    kind = np.zeros((n, F), np.int8)
    freq = np.zeros((n, F), np.float32)
    if present:
        pt = np.array(present, np.int64)
        bg = T.bg[pt]
        direct = T.M[:, pt].toarray()                    # exact or more specific annotation
        exact = T.D[:, pt].toarray() > 0
        best = _segment_max(T, T.M, present, weighted=True) * config.partial_weight
        best = np.maximum(best, direct)
        lacked = _lacked(T, present)
        noise = config.noise * bg
        p = np.maximum(best, noise)
        k = np.where(best > noise, ANC, NONE).astype(np.int8)
        via_direct = (direct > 0) & (direct >= best)
        k[via_direct] = np.where(exact, EXACT, DESC)[via_direct]
        p = np.where(lacked, config.lacked * bg, p)
        k[lacked] = LACKED
        P = len(present)
        loglr[:, :P] = np.log(p) - np.log(bg)
        kind[:, :P] = k
        freq[:, :P] = p
    if absent:
        at = np.array(absent, np.int64)
        bg = T.bg[at]
        f = (T.D if config.absent_match == "exact" else T.M)[:, at].toarray()
        lacked = _lacked(T, absent)
        p_abs = np.where(lacked, 1.0, np.maximum(1.0 - f, config.absent_floor))
        q_abs = np.maximum(1.0 - bg, config.absent_floor)
        P = len(present)
        loglr[:, P:] = config.absent_weight * (np.log(p_abs) - np.log(q_abs))
        kind[:, P:] = np.where(lacked, ABS_LACKED, np.where(f > 0, ABS_HAS, ABS_NONE))
        freq[:, P:] = f
    return LRMatch(np.array(list(present) + list(absent), np.int64),
                   np.array([True] * len(present) + [False] * len(absent)), loglr, kind, freq)


def matched_annotation(T: AnnotationTable, d: int, t: int, kind: int) -> int | None:
    """The annotated term of disease ``d`` that finding ``t`` matched through, or None."""
    if kind in (NONE, ABS_NONE):
        return None
    if kind == EXACT:
        return t
    if kind in (LACKED, ABS_LACKED):
        anc_t = set(T.ancestor_idx(t)[0].tolist())
        lacked = [int(x) for x in T.exc_t[T.exc_d == d] if int(x) in anc_t]
        return lacked[0] if lacked else None
    best, best_v = None, -1.0
    anc_t, dist_t = T.ancestor_idx(t)
    anc_map = {int(a): int(x) for a, x in zip(anc_t, dist_t) if not T.root_mask[a] or a == t}
    for a, f in T.disease_annotations(d):
        a_anc = T.ancestor_idx(a)[0]
        if kind in (DESC, ABS_HAS):
            v = f if t in set(a_anc.tolist()) else -1.0
        else:
            shared = [int(c) for c in a_anc if int(c) in anc_map]
            v = max((f * T.bg[t] / T.bg[c] for c in shared), default=-1.0)
        if v > best_v:
            best, best_v = a, v
    return best
