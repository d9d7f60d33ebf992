"""tests for model/resnik.py."""

from __future__ import annotations

import numpy as np
import pytest

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
    assert T.terms[resnik_matched(T, d3, ti["HP:0000003"])] == "HP:0000002"


def test_empty(T):
    s, c = resnik_scores(T, [])
    assert not s.any() and c.shape == (T.n_diseases, 0)
