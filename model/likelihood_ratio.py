"""LIRICAL-style likelihood-ratio ranking: a transparent baseline and the default ranker.

For every finding and disease a likelihood ratio ``P(finding | disease) / P(finding | not disease)``:

- present finding ``t``: ``P(t | d)`` is the highest frequency of an annotation of ``d`` at ``t``
  or a descendant of ``t`` (the annotation is as or more specific: the patient surely shows ``t``
  then); otherwise, through the nearest shared ancestor ``c`` (not a root), the annotation's
  frequency times ``bg[t] / bg[c]`` (the share of ``c``'s patients who show ``t``); otherwise a
  noise probability ``noise * bg[t]``. A disease annotated as *lacking* ``t`` (or an ancestor)
  gets ``lacked * bg[t]``. ``P(t | not d)`` is the background ``bg[t]``.
- excluded finding ``t``: evidence only *against* the diseases that have ``t``. With ``f`` as above
  (exact or descendant annotations only), its log LR is ``log max(1 - f, absent_floor)`` for a
  disease annotated with ``t`` or a descendant, relative to a disease without ``t`` (whose
  ``P(not t | d) = 1``), and 0 for every other disease (also for one annotated as lacking ``t``).
  It is never positive, so denying ``t`` can neither raise a disease that has ``t`` nor let it
  overtake one that has not (see docs/design-notes.md, note 9). The constant
  ``-log(1 - bg[t])`` a background-relative ratio would add to every disease without ``t`` is
  left out: it shifts no ranking or probability, but would show as support.
- shared-ancestor matches count only through an *informative* common ancestor ``c``:
  ``ic[c] >= min_shared_ic`` (see :data:`MIN_SHARED_IC` and :func:`effective_min_ic`), and
  never between opposite directions (:mod:`model.polarity`), so e.g. hypertension does not match
  a disease annotated with hypotension through "Abnormal systemic blood pressure".

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
import scipy.sparse as sp

from model.annotations import AnnotationTable, gather_runs
from model.polarity import directional_matrix, term_directions

__all__ = ["LRConfig", "LRMatch", "lr_match", "KIND_NAMES", "N_KINDS",
           "NONE", "EXACT", "DESC", "ANC", "LACKED", "ABS_HAS", "ABS_NONE", "ABS_LACKED", "MIN_SHARED_IC",
           "excluded_log_lr", "effective_min_ic"]

# How a (disease, finding) pair matched; the Transformer reads these as relation types.
NONE, EXACT, DESC, ANC, LACKED, ABS_HAS, ABS_NONE, ABS_LACKED = range(8)
KIND_NAMES = ("none", "exact", "via_descendant", "via_ancestor", "lacked", "absent_has", "absent_none", "absent_lacked")
N_KINDS = len(KIND_NAMES)
# The least information content (-log share of diseases annotated with it or a descendant) a common
# ancestor needs for a finding to match a disease annotation through it (LR partial matches, Resnik
# similarity, the Transformer's features). See docs/design-notes.md, note 20, for how it was chosen.
MIN_SHARED_IC = 3.0


def effective_min_ic(T: AnnotationTable, min_ic: float) -> float:
    """The IC threshold used on table ``T``: ``min_ic``, but at most a third of the largest possible IC
    (``log`` of the number of diseases), so that on a small graph (under ~8,100 diseases; the default
    graph has 12,686) a term annotated to few of its diseases still counts.

    >>> from tests.model.conftest import tiny_graph
    >>> from model.annotations import build_annotation_table
    >>> round(effective_min_ic(build_annotation_table(tiny_graph()), MIN_SHARED_IC), 3)   # 5 diseases
    0.536
    """
    n = getattr(T, "n_source", T.n_diseases)   # a table cut to some candidates keeps the whole graph's count
    return float(min(min_ic, np.log(max(n, 1)) / 3.0))

_CHUNK_COLS = 2048  # gather at most this many columns of M at once (bounds memory for huge inputs)


@dataclass(frozen=True)
class LRConfig:
    """Probabilities of the likelihood-ratio model (see the module docstring)."""

    noise: float = 0.1            # P(unexplained finding | d) as a multiple of its background
    lacked: float = 0.01          # P(finding | d annotated as lacking it), as a multiple of background
    absent_floor: float = 0.05    # lowest P(finding absent | d), even for obligate features
    partial_weight: float = 0.25  # scale of matches through a shared ancestor (tuned on a dev sample: 1.0, 0.5, 0.25, 0.1)
    # scale of the log LRs of excluded findings: published cases list mostly the true disease's absent
    # features, so on the dev cases 0 ranks best; 0.25 (of 0, 0.25, 0.5, 1) keeps a denial evidence
    # against the diseases that have it at the least cost (docs/design-notes.md, note 9)
    absent_weight: float = 0.25
    absent_match: str = "descendants"  # "descendants": P(t | d) from t or its descendants; "exact": t only
    min_shared_ic: float = MIN_SHARED_IC  # least IC of a common ancestor a partial match may go through


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


def _ancestor_columns(T: AnnotationTable, terms: np.ndarray, drop_roots: bool, min_ic: float = 0.0
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Ancestor-or-self columns of every term, concatenated, and the position in ``terms`` each belongs to.

    With ``drop_roots`` the root terms are left out, with ``min_ic`` the ancestors whose information
    content is below it (a finding always keeps itself).
    """
    pos, counts = gather_runs(T.anc.indptr, terms)
    cols = T.anc.indices[pos]
    owner = np.repeat(np.arange(len(terms)), counts)
    min_ic = effective_min_ic(T, min_ic)
    if drop_roots or min_ic > 0:
        keep = np.ones(len(cols), bool)
        if drop_roots:
            keep &= ~T.root_mask[cols]
        if min_ic > 0:
            keep &= T.ic[cols] >= min_ic
        keep |= cols == terms[owner]
        cols, owner = cols[keep], owner[keep]
    return cols, owner


def _chunks(widths: np.ndarray, budget: int):
    """(start, stop) ranges of consecutive items whose widths sum to at most ``budget`` (one item at least)."""
    lo, width = 0, 0
    for i, w in enumerate(widths.tolist()):
        if width and width + w > budget:
            yield lo, i
            lo, width = i, 0
        width += w
    if lo < len(widths):
        yield lo, len(widths)


def _column_entries(matrix: sp.csc_matrix, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows, values) of the stored entries of the CSC columns ``cols``, concatenated, and the count per column."""
    starts, stops = matrix.indptr[cols].tolist(), matrix.indptr[cols + 1].tolist()
    rows, vals = [matrix.indices[:0]], [matrix.data[:0]]  # concatenate needs one piece
    for a, b in zip(starts, stops):                        # slices: cheaper than gathering positions
        rows.append(matrix.indices[a:b])
        vals.append(matrix.data[a:b])
    return np.concatenate(rows, dtype=np.int64), np.concatenate(vals), np.subtract(stops, starts, dtype=np.int64)


def _dense_columns(matrix: sp.csc_matrix, cols: np.ndarray) -> np.ndarray:
    """``matrix[:, cols].toarray()`` straight from the CSC arrays."""
    rows, vals, counts = _column_entries(matrix, cols)
    out = np.zeros((matrix.shape[0], len(cols)), matrix.dtype)
    out.reshape(-1)[rows * len(cols) + np.repeat(np.arange(len(cols)), counts)] = vals
    return out


def _segment_max_block(T: AnnotationTable, matrix: sp.csc_matrix, terms: np.ndarray, weighted: bool,
                       drop_roots: bool, min_ic: float = 0.0) -> np.ndarray:
    """:func:`_segment_max` for one chunk of terms: gathers the entries of their ancestor columns."""
    cols, owner = _ancestor_columns(T, terms, drop_roots, min_ic)
    rows, vals, counts = _column_entries(matrix, cols)
    if weighted:
        vals = vals * np.repeat(T.bg[terms[owner]] / T.bg[cols], counts)
    flat = rows * len(terms)                             # (disease, term) -> position in the block
    flat += np.repeat(owner, counts)
    block = np.zeros((matrix.shape[0], len(terms)), np.float32)
    np.maximum.at(block.reshape(-1), flat, vals.astype(np.float32, copy=False))  # 1-d indices: numpy's fast path
    return block


def _segment_max(T: AnnotationTable, matrix, terms: list[int], weighted: bool, drop_roots: bool = True,
                 min_ic: float = 0.0) -> np.ndarray:
    """(N, len(terms)): max over each term's ancestors-or-self ``c`` of ``matrix[:, c]`` (x bg ratio), 0 at least.

    Only ancestors with ``ic >= min_ic`` (and not roots, with ``drop_roots``) count; the term itself always does.
    """
    matrix = matrix if matrix.format == "csc" else matrix.tocsc()
    terms = np.asarray(terms, np.int64)
    if len(terms) == 0:
        return np.zeros((matrix.shape[0], 0), np.float32)
    widths = T.anc.indptr[terms + 1] - T.anc.indptr[terms]
    blocks = [_segment_max_block(T, matrix, terms[lo:hi], weighted, drop_roots, min_ic)
              for lo, hi in _chunks(widths, _CHUNK_COLS)]  # chunks bound the gathered entries
    return blocks[0] if len(blocks) == 1 else np.concatenate(blocks, axis=1)


def _directional_segment_max(T: AnnotationTable, terms, weighted: bool, drop_roots: bool, min_ic: float,
                             values: str = "frequency", rows: np.ndarray | None = None) -> np.ndarray:
    """:func:`_segment_max` of ``T.M`` (``values="ic"``: its Resnik IC form) where a finding with a
    direction (increase / decrease, :mod:`model.polarity`) never meets an annotation of the opposite
    direction. ``rows``: only these diseases (rows of the output, in that order)."""
    terms = np.asarray(terms, np.int64)
    direction = term_directions(T)[terms]
    n = T.n_diseases if rows is None else len(rows)
    out = np.zeros((n, len(terms)), np.float32)
    for dr in (0, 1, -1):
        sel = np.flatnonzero(direction == dr)
        if len(sel) == 0:
            continue
        if rows is None:
            mat = (T.M if values == "frequency" else directional_matrix(T, 0, "ic")) if dr == 0 else \
                directional_matrix(T, dr, values)
        else:
            mat = directional_matrix(T, dr, values, "csr")[rows]
        out[:, sel] = _segment_max(T, mat, terms[sel].tolist(), weighted, drop_roots, min_ic)
    return out


def _lacked(T: AnnotationTable, terms: list[int]) -> np.ndarray:
    """(N, len(terms)) bool: the disease is annotated as lacking the term or one of its ancestors."""
    out = np.zeros((T.n_diseases, len(terms)), dtype=bool)
    if T.X.nnz == 0 or len(terms) == 0:
        return out
    cols, owner = _ancestor_columns(T, np.asarray(terms, np.int64), drop_roots=False)
    rows, _, counts = _column_entries(T.X, cols)
    out[rows, np.repeat(owner, counts)] = True
    return out


def _kinds(condition: np.ndarray, yes: int, no: int) -> np.ndarray:
    """``np.where(condition, yes, no)`` as int8, by arithmetic (several times faster than ``np.where``)."""
    return condition.view(np.int8) * np.int8(yes - no) + np.int8(no)


def _present_block(T: AnnotationTable, present: np.ndarray, config: LRConfig) -> tuple[np.ndarray, ...]:
    """(log LR, kind, P(t | d)), each (N, len(present)), of present findings."""
    P, bg = len(present), T.bg[present]
    best = _directional_segment_max(T, present, weighted=True, drop_roots=True, min_ic=config.min_shared_ic)
    best *= config.partial_weight
    rows, direct, counts = _column_entries(T.M, present)      # exact or more specific annotation
    flat = rows * P + np.repeat(np.arange(P), counts)
    np.maximum.at(best.reshape(-1), flat, direct)
    noise = config.noise * bg
    kind = _kinds(best > noise, ANC, NONE)
    via_direct = flat[(direct > 0) & (direct >= best.reshape(-1)[flat])]
    exact = _dense_columns(T.D, present).reshape(-1)[via_direct] > 0
    kind.reshape(-1)[via_direct] = np.where(exact, np.int8(EXACT), np.int8(DESC))
    p = np.maximum(best, noise, out=best)
    lacked = np.flatnonzero(_lacked(T, present))
    p.reshape(-1)[lacked] = (config.lacked * bg)[lacked % P]
    kind.reshape(-1)[lacked] = LACKED
    loglr = np.log(p)
    loglr -= np.log(bg)
    return loglr, kind, p


def excluded_log_lr(kind: np.ndarray, freq: np.ndarray, config: LRConfig) -> np.ndarray:
    """Log LRs of excluded findings from their match kind and ``f``: ``absent_weight * log max(1 - f,
    absent_floor)`` where the disease has the finding (``ABS_HAS``), else 0; never positive.

    >>> excluded_log_lr(np.array([[ABS_HAS, ABS_NONE, ABS_LACKED]], np.int8), np.array([[0.5, 0, 0]]),
    ...                 LRConfig(absent_weight=1.0)).astype(float).round(3).tolist()
    [[-0.693, 0.0, 0.0]]
    """
    out = np.zeros(kind.shape, np.float32)
    has = kind == ABS_HAS
    out[has] = np.log(np.maximum(1.0 - freq[has], config.absent_floor))
    out *= max(0.0, config.absent_weight)
    return out


def _absent_block(T: AnnotationTable, absent: np.ndarray, config: LRConfig) -> tuple[np.ndarray, ...]:
    """(log LR, kind, f), each (N, len(absent)), of excluded findings (see :func:`excluded_log_lr`).

    Few diseases have a given excluded finding: only their entries differ from the column's default
    (``f = 0``, log LR 0); the diseases lacking the finding get log LR 0 too.
    """
    A, shape = len(absent), (T.n_diseases, len(absent))
    rows, f, counts = _column_entries(T.D if config.absent_match == "exact" else T.M, absent)
    flat = rows * A + np.repeat(np.arange(A), counts)
    freq = np.zeros(shape, np.float32)
    freq.reshape(-1)[flat] = f
    kind = np.full(shape, ABS_NONE, np.int8)
    kind.reshape(-1)[flat[f > 0]] = ABS_HAS
    kind.reshape(-1)[np.flatnonzero(_lacked(T, absent))] = ABS_LACKED
    return excluded_log_lr(kind, freq, config), kind, freq


def lr_match(T: AnnotationTable, present: list[int], absent: list[int], config: LRConfig = LRConfig()) -> LRMatch:
    """Likelihood ratios of every disease for the findings (term indices of ``T``)."""
    present, absent = np.asarray(present, np.int64), np.asarray(absent, np.int64)
    blocks = []
    if len(present):
        blocks.append(_present_block(T, present, config))
    if len(absent):
        blocks.append(_absent_block(T, absent, config))
    if not blocks:
        empty = np.zeros((T.n_diseases, 0), np.float32)
        blocks.append((empty, empty.astype(np.int8), empty))
    loglr, kind, freq = (b[0] if len(blocks) == 1 else np.concatenate(b, axis=1) for b in zip(*blocks))
    return LRMatch(np.concatenate([present, absent]), np.arange(len(present) + len(absent)) < len(present),
                   loglr, kind, freq)


def _ancestor_mask(T: AnnotationTable, t: int, drop_roots: bool, min_ic: float = 0.0) -> np.ndarray:
    """(n_terms,) bool: the ancestors-or-self of ``t`` (with ``drop_roots``, not the roots other than ``t``;
    with ``min_ic``, not the ancestors less informative than that)."""
    anc = T.ancestor_idx(t)[0]
    if drop_roots:
        anc = anc[~T.root_mask[anc] | (anc == t)]
    min_ic = effective_min_ic(T, min_ic)
    if min_ic > 0:
        anc = anc[(T.ic[anc] >= min_ic) | (anc == t)]
    mask = np.zeros(T.n_terms, bool)
    mask[anc] = True
    return mask


def _shared_reduce(T: AnnotationTable, d: int, t: int, values: np.ndarray, reduce: np.ufunc,
                   drop_roots: bool, min_ic: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Per annotation of disease ``d`` (which has some): ``reduce`` (``np.minimum`` or ``np.maximum``) of
    ``values`` over the ancestors-or-self it shares with finding ``t``, and whether it shares any."""
    anc, starts = T.annotation_ancestors(d)
    shared = _ancestor_mask(T, t, drop_roots, min_ic)[anc]
    pad = np.inf if reduce is np.minimum else -np.inf
    out, shares = reduce.reduceat(np.where(shared, values[anc], pad), starts), np.logical_or.reduceat(shared, starts)
    direction = term_directions(T)
    if direction[t]:                    # never through an annotation of the opposite direction
        shares &= direction[T.disease_terms[d]] != -direction[t]
    return out, shares


def _first_best(values: np.ndarray) -> int | None:
    """Position of the first highest value if it is above -1 (the value of "no match"), else None."""
    i = int(np.argmax(values))
    return i if values[i] > -1.0 else None


def matched_annotation(T: AnnotationTable, d: int, t: int, kind: int, min_ic: float = MIN_SHARED_IC) -> int | None:
    """The annotated term of disease ``d`` that finding ``t`` matched through, or None.

    For a match through annotations, the first annotation (in :meth:`AnnotationTable.disease_annotations`
    order) with the highest frequency: among those at ``t`` or a descendant (``DESC``, ``ABS_HAS``), or
    of ``f * bg[t] / bg[c]`` over the non-root ancestors ``c`` shared with ``t`` with ``ic[c] >= min_ic`` (``ANC``).
    """
    if kind in (NONE, ABS_NONE):
        return None
    if kind == EXACT:
        return t
    if kind in (LACKED, ABS_LACKED):
        excluded = T.disease_exclusions(d)
        hits = excluded[_ancestor_mask(T, t, drop_roots=False)[excluded]]
        return int(hits[0]) if len(hits) else None
    terms, freqs = T.disease_terms[d], T.disease_freqs[d]
    if len(terms) == 0:
        return None
    if kind in (DESC, ABS_HAS):
        anc, starts = T.annotation_ancestors(d)
        v = np.where(np.logical_or.reduceat(anc == t, starts), freqs, -1.0)
    else:  # the division by the smallest background gives the highest f * bg[t] / bg[c]
        min_bg, shares = _shared_reduce(T, d, t, T.bg, np.minimum, drop_roots=True, min_ic=min_ic)
        v = np.where(shares, freqs * T.bg[t] / min_bg, -1.0)
    i = _first_best(v)
    return None if i is None else int(terms[i])
