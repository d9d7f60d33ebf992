"""tests for model/likelihood_ratio.py: ranking sanity, contributions, excluded findings."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from model import likelihood_ratio
from model.likelihood_ratio import (ABS_HAS, ABS_LACKED, ABS_NONE, ANC, DESC, EXACT, LACKED, N_KINDS, NONE,
                                    LRConfig, _segment_max, lr_match, matched_annotation)


def _rank(T, m):
    s = m.scores()
    return [T.diseases[i] for i in np.argsort(-s, kind="stable")]


def test_exact_matches_rank_first(T):
    ti = T.term_index
    m = lr_match(T, [ti["HP:0000004"], ti["HP:0000008"]], [])
    assert _rank(T, m)[:2] == ["OMIM:100002", "ORPHA:5"] or _rank(T, m)[0] in ("OMIM:100002", "ORPHA:5")
    d2 = T.disease_index["OMIM:100002"]
    assert m.kind[d2].tolist() == [EXACT, EXACT]


def test_contributions_are_log_lrs_and_sum_to_score(T):
    ti = T.term_index
    m = lr_match(T, [ti["HP:0000003"], ti["HP:0000010"]], [ti["HP:0000007"]])
    np.testing.assert_allclose(m.loglr.sum(axis=1), m.scores(), rtol=1e-6)
    d1 = T.disease_index["OMIM:100001"]
    assert m.loglr[d1, 0] > 0                     # A one: annotated at 3/4
    assert m.loglr[d1, 1] < 0                     # C one: not explained -> noise
    assert m.kind[d1].tolist() == [EXACT, NONE, ABS_HAS]


def test_match_kinds_descendant_and_ancestor(T):
    ti = T.term_index
    # every tiny-graph term is shared by >= 1/5 of its diseases: below the real-graph IC threshold
    m = lr_match(T, [ti["HP:0000002"], ti["HP:0000003"]], [], LRConfig(min_shared_ic=0.0))
    d1, d3 = T.disease_index["OMIM:100001"], T.disease_index["OMIM:100003"]
    assert m.kind[d1, 0] == DESC        # finding "Abnormality A", disease annotated "A one"
    assert m.kind[d3, 1] == ANC         # finding "A one", disease annotated "Abnormality A"
    assert m.loglr[d1, 1] > m.loglr[d3, 1]  # the exact match beats the general one
    # with the default threshold an uninformative common ancestor is no match at all
    m = lr_match(T, [ti["HP:0000002"], ti["HP:0000003"]], [])
    assert m.kind[d1, 0] == DESC and m.kind[d3, 1] == NONE


def test_shared_ancestor_counts_only_above_the_ic_threshold(T):
    ti = T.term_index
    d3 = T.disease_index["OMIM:100003"]                # annotated "Abnormality A" (IC log 5/4)
    ic = float(T.ic[ti["HP:0000002"]])
    below = lr_match(T, [ti["HP:0000003"]], [], LRConfig(min_shared_ic=ic + 1e-3))
    at = lr_match(T, [ti["HP:0000003"]], [], LRConfig(min_shared_ic=ic))
    assert below.kind[d3, 0] == NONE and at.kind[d3, 0] == ANC
    assert below.loglr[d3, 0] == pytest.approx(np.log(LRConfig().noise))


def test_excluded_findings(T):
    ti = T.term_index
    cfg = LRConfig(absent_weight=1.0)
    m = lr_match(T, [], [ti["HP:0000007"]], cfg)   # B one excluded
    d4, d1, d2 = (T.disease_index[d] for d in ("OMIM:100004", "OMIM:100001", "OMIM:100002"))
    assert m.loglr[d4, 0] < m.loglr[d1, 0] < 0 == m.loglr[d2, 0]   # obligate < frequent < not annotated
    assert m.loglr[d4, 0] == pytest.approx(np.log(cfg.absent_floor))
    m = lr_match(T, [], [ti["HP:0000003"]], cfg)   # A one excluded: disease four is annotated as lacking it
    assert m.kind[d4, 0] == ABS_LACKED and m.loglr[d4, 0] == 0
    assert (m.loglr <= 0).all()


def test_present_finding_the_disease_lacks_is_strong_evidence_against(T):
    ti = T.term_index
    m = lr_match(T, [ti["HP:0000003"]], [])
    d4 = T.disease_index["OMIM:100004"]
    assert m.kind[d4, 0] == LACKED
    assert m.loglr[d4, 0] == pytest.approx(np.log(LRConfig().lacked))


def test_no_findings_gives_zero_scores(T):
    m = lr_match(T, [], [])
    assert m.loglr.shape == (T.n_diseases, 0) and not m.scores().any()


def _matched_by_loops(T, d, t, kind, min_ic=0.0):
    """matched_annotation spelled out with loops (the reference the vectorised version must equal)."""
    anc_t = set(T.ancestor_idx(t)[0].tolist())
    if kind in (NONE, ABS_NONE):
        return None
    if kind == EXACT:
        return t
    if kind in (LACKED, ABS_LACKED):
        return next((int(x) for x in T.exc_t[T.exc_d == d] if int(x) in anc_t), None)
    shared_ok = {c for c in anc_t if (not T.root_mask[c] and T.ic[c] >= likelihood_ratio.effective_min_ic(T, min_ic))
                 or c == t}
    best, best_v = None, -1.0
    for a, f in T.disease_annotations(d):
        a_anc = T.ancestor_idx(a)[0].tolist()
        if kind in (DESC, ABS_HAS):
            v = f if t in a_anc else -1.0
        else:
            v = max((f * T.bg[t] / T.bg[c] for c in a_anc if c in shared_ok), default=-1.0)
        if v > best_v:
            best, best_v = a, v
    return best


def test_matched_annotation_by_kind(T):
    ti, di = T.term_index, T.disease_index
    assert T.terms[matched_annotation(T, di["OMIM:100001"], ti["HP:0000002"], DESC)] == "HP:0000003"
    assert T.terms[matched_annotation(T, di["OMIM:100003"], ti["HP:0000003"], ANC, min_ic=0.0)] == "HP:0000002"
    assert matched_annotation(T, di["OMIM:100003"], ti["HP:0000003"], ANC) is None   # uninformative ancestor
    assert T.terms[matched_annotation(T, di["OMIM:100004"], ti["HP:0000003"], LACKED)] == "HP:0000003"
    assert matched_annotation(T, di["OMIM:100001"], ti["HP:0000003"], EXACT) == ti["HP:0000003"]
    assert matched_annotation(T, di["OMIM:100001"], ti["HP:0000010"], NONE) is None
    # A one and A two both at the default frequency: the first annotation wins the tie
    assert T.terms[matched_annotation(T, di["ORPHA:5"], ti["HP:0000002"], DESC)] == "HP:0000003"


@pytest.mark.parametrize("min_ic", [0.0, 0.5, likelihood_ratio.MIN_SHARED_IC])
def test_matched_annotation_equals_loops(T, min_ic):
    for d in range(T.n_diseases):
        for t in range(T.n_terms):
            for kind in range(N_KINDS):
                assert matched_annotation(T, d, t, kind, min_ic) == _matched_by_loops(T, d, t, kind, min_ic), (d, t, kind)


def test_matched_annotation_of_every_match(T):
    ti = T.term_index
    findings = [ti[t] for t in ("HP:0000002", "HP:0000003", "HP:0000008", "HP:0000010")]
    m = lr_match(T, findings[:3], findings[3:], LRConfig(min_shared_ic=0.0))
    for d in range(T.n_diseases):
        for j, t in enumerate(findings):
            got = matched_annotation(T, d, t, int(m.kind[d, j]), min_ic=0.0)
            assert (got is None) == (m.kind[d, j] in (NONE, ABS_NONE)), (d, j)


def test_caches_are_not_pickled(T):
    matched_annotation(T, 0, T.term_index["HP:0000002"], ANC)
    matched_annotation(T, 3, T.term_index["HP:0000003"], LACKED)
    state = pickle.loads(pickle.dumps(T)).__dict__
    assert not [k for k in state if k.startswith("_")]


def test_segment_max_any_format_and_chunking(T, monkeypatch):
    terms = [T.term_index[t] for t in ("HP:0000002", "HP:0000003", "HP:0000007", "HP:0000118", "HP:0000010")]
    want = _segment_max(T, T.M, terms, weighted=True)
    assert want.shape == (T.n_diseases, len(terms)) and want.dtype == np.float32
    np.testing.assert_array_equal(_segment_max(T, T.M.tocsr(), terms, weighted=True), want)
    d1 = T.disease_index["OMIM:100001"]
    assert want[d1, 1] == T.M[d1, terms[1]]      # A one itself, weight 1
    monkeypatch.setattr(likelihood_ratio, "_CHUNK_COLS", 1)   # one term per chunk
    np.testing.assert_array_equal(_segment_max(T, T.M, terms, weighted=True), want)
    assert _segment_max(T, T.M, [], weighted=False).shape == (T.n_diseases, 0)
