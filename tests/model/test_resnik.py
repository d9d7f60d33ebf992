"""tests for model/resnik.py."""

from __future__ import annotations

import numpy as np
import pytest

from model.likelihood_ratio import effective_min_ic
from model.resnik import ResnikConfig, resnik_matched, resnik_scores


def test_best_match_average(T):
    ti = T.term_index
    s, c = resnik_scores(T, [ti["HP:0000003"], ti["HP:0000007"]], ResnikConfig(symmetric=False))
    assert T.diseases[int(s.argmax())] == "OMIM:100001"
    np.testing.assert_allclose(c.sum(axis=1), s, rtol=1e-6)
    d1 = T.disease_index["OMIM:100001"]
    assert c[d1, 0] == pytest.approx(T.ic[ti["HP:0000003"]] / 2)


def test_symmetric_penalises_unmatched_annotations(T):
    ti = T.term_index
    asym, _ = resnik_scores(T, [ti["HP:0000003"]], ResnikConfig(symmetric=False))
    sym, _ = resnik_scores(T, [ti["HP:0000003"]], ResnikConfig(symmetric=True))
    d1, d5 = T.disease_index["OMIM:100001"], T.disease_index["ORPHA:5"]
    assert asym[d1] == asym[d5]
    assert sym[d1] != sym[d5]


def test_matched_annotation(T):
    ti = T.term_index
    d3 = T.disease_index["OMIM:100003"]
    assert T.terms[resnik_matched(T, d3, ti["HP:0000003"], min_ic=0.0)] == "HP:0000002"
    # every tiny-graph ancestor is shared by >= 1/5 of the diseases: uninformative at the default threshold
    assert resnik_matched(T, d3, ti["HP:0000003"]) is None


def test_uninformative_common_ancestor_is_no_similarity(T):
    ti = T.term_index
    d3 = T.disease_index["OMIM:100003"]               # annotated "Abnormality A" (IC log 5/4) and "C one"
    ic = float(T.ic[ti["HP:0000002"]])
    for symmetric in (False, True):
        s0, c0 = resnik_scores(T, [ti["HP:0000003"]], ResnikConfig(symmetric=symmetric, min_shared_ic=0.0))
        s1, c1 = resnik_scores(T, [ti["HP:0000003"]], ResnikConfig(symmetric=symmetric, min_shared_ic=ic + 1e-3))
        assert c0[d3, 0] > 0 and c1[d3, 0] == 0 and s1[d3] < s0[d3]


def test_empty(T):
    s, c = resnik_scores(T, [])
    assert not s.any() and c.shape == (T.n_diseases, 0)


@pytest.mark.parametrize("min_ic", [0.0, 0.5, 3.0])
def test_matched_annotation_tie_and_loops(T, min_ic):
    ti, di = T.term_index, T.disease_index
    # A one and A two share "Abnormality A" with the finding: the first annotation wins the tie
    assert T.terms[resnik_matched(T, di["ORPHA:5"], ti["HP:0000002"], min_ic)] == "HP:0000003"
    for d in range(T.n_diseases):
        for t in range(T.n_terms):
            anc_t = {c for c in T.ancestor_idx(t)[0].tolist() if T.ic[c] >= effective_min_ic(T, min_ic) or c == t}
            best, best_v = None, -1.0
            for a, _ in T.disease_annotations(d):
                v = max((float(T.ic[c]) for c in T.ancestor_idx(a)[0].tolist() if c in anc_t), default=-1.0)
                if v > best_v:
                    best, best_v = a, v
            assert resnik_matched(T, d, t, min_ic) == best, (d, t)
