"""tests for model/likelihood_ratio.py: ranking sanity, contributions, excluded findings."""

from __future__ import annotations

import numpy as np
import pytest

from model.likelihood_ratio import ABS_HAS, ABS_LACKED, ANC, DESC, EXACT, LACKED, NONE, LRConfig, lr_match


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
    m = lr_match(T, [ti["HP:0000002"], ti["HP:0000003"]], [])
    d1, d3 = T.disease_index["OMIM:100001"], T.disease_index["OMIM:100003"]
    assert m.kind[d1, 0] == DESC        # finding "Abnormality A", disease annotated "A one"
    assert m.kind[d3, 1] == ANC         # finding "A one", disease annotated "Abnormality A"
    assert m.loglr[d1, 1] > m.loglr[d3, 1]  # the exact match beats the general one


def test_excluded_findings(T):
    ti = T.term_index
    cfg = LRConfig(absent_weight=1.0)
    m = lr_match(T, [], [ti["HP:0000007"]], cfg)   # B one excluded
    d4, d1, d2 = (T.disease_index[d] for d in ("OMIM:100004", "OMIM:100001", "OMIM:100002"))
    assert m.loglr[d4, 0] < m.loglr[d1, 0] < 0 < m.loglr[d2, 0]   # obligate < frequent < not annotated
    m = lr_match(T, [], [ti["HP:0000003"]], cfg)   # A one excluded: disease four is annotated as lacking it
    assert m.kind[d4, 0] == ABS_LACKED and m.loglr[d4, 0] > 0


def test_present_finding_the_disease_lacks_is_strong_evidence_against(T):
    ti = T.term_index
    m = lr_match(T, [ti["HP:0000003"]], [])
    d4 = T.disease_index["OMIM:100004"]
    assert m.kind[d4, 0] == LACKED
    assert m.loglr[d4, 0] == pytest.approx(np.log(LRConfig().lacked))


def test_no_findings_gives_zero_scores(T):
    m = lr_match(T, [], [])
    assert m.loglr.shape == (T.n_diseases, 0) and not m.scores().any()
