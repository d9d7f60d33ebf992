"""tests for model/annotations.py on the hand-made fixture graph."""

from __future__ import annotations

import numpy as np
import pytest

from kg.errors import ConfigError
from model.annotations import annotation_table, build_annotation_table
from tests.model.conftest import tiny_graph


def test_dag_and_ancestors(T):
    assert T.ancestors("HP:0000003") == ["HP:0000003", "HP:0000002", "HP:0000118", "HP:0000001"]
    i = T.term_index["HP:0000010"]
    a, d = T.ancestor_idx(i)
    assert dict(zip([T.terms[x] for x in a], d.tolist()))["HP:0000118"] == 2
    assert T.depth[T.term_index["HP:0000001"]] == 0 and T.depth[i] == 3
    assert "HP:0000011" not in T.term_index  # obsolete terms are not part of the DAG


def test_information_content_propagates_to_ancestors(T):
    n = T.n_diseases
    ic = {t: float(T.ic[T.term_index[t]]) for t in T.terms}
    assert ic["HP:0000118"] == pytest.approx(0.0)
    # A one: OMIM:100001 and ORPHA:5 -> 2 of 5 diseases; its parent Abnormality A: 4 of 5
    assert ic["HP:0000003"] == pytest.approx(np.log(n / 2))
    assert ic["HP:0000002"] == pytest.approx(np.log(n / 4))
    assert ic["HP:0000003"] > ic["HP:0000002"] > ic["HP:0000118"]


def test_frequencies_default_and_propagated_max(T):
    d1 = T.disease_index["OMIM:100001"]
    freqs = {T.terms[t]: f for t, f in T.disease_annotations(d1)}
    assert freqs == {"HP:0000003": pytest.approx(0.75), "HP:0000007": pytest.approx(0.545)}
    d5 = T.disease_index["ORPHA:5"]
    assert {f for _, f in T.disease_annotations(d5)} == {0.5}  # no frequency given -> default
    # propagated: Abnormality A of disease one = max over its descendants
    assert T.M[d1, T.term_index["HP:0000002"]] == pytest.approx(0.75)
    assert T.M[d1, T.term_index["HP:0000009"]] == 0


def test_excluded_rows_kept_apart(T):
    d4 = T.disease_index["OMIM:100004"]
    assert T.X[d4, T.term_index["HP:0000003"]] == 1
    assert T.D[d4, T.term_index["HP:0000003"]] == 0  # never support


def test_remove_references_drops_rows_and_recomputes(T):
    T2 = T.remove_references(["PMID:1000", "2000"])
    assert T2.removed_rows == 3 and T2.n_rows == T.n_rows - 2 and len(T2.exc_d) == 0
    d1 = T2.disease_index["OMIM:100001"]
    assert len(T2.disease_terms[d1]) == 0
    assert T2.ic[T2.term_index["HP:0000003"]] > T.ic[T.term_index["HP:0000003"]]
    assert T.n_rows == 12  # the original is untouched


def test_withhold_rows_only_touches_the_given_diseases(T):
    d1, d2 = T.disease_index["OMIM:100001"], T.disease_index["OMIM:100002"]
    none = T.withhold_rows([d1], 0.0)
    assert none.n_rows == T.n_rows and none.removed_rows == T.removed_rows
    gone = T.withhold_rows([d1], 1.0)
    assert len(gone.disease_terms[d1]) == 0 and gone.removed_rows == T.removed_rows + len(T.disease_terms[d1])
    assert gone.disease_terms[d2].tolist() == T.disease_terms[d2].tolist()
    # seeded
    assert T.withhold_rows([d1, d2], 0.5, seed=3).ann_t.tolist() == T.withhold_rows([d1, d2], 0.5, seed=3).ann_t.tolist()


def test_cache_keyed_by_version(tmp_path):
    G = tiny_graph("v1")
    a = annotation_table(G, tmp_path)
    files = list(tmp_path.glob("annotations-v1-*.pickle"))
    assert len(files) == 1
    b = annotation_table(G, tmp_path)
    assert b.terms == a.terms and (b.M != a.M).nnz == 0 and b.disease_terms is not None
    annotation_table(tiny_graph("v2"), tmp_path)
    assert len(list(tmp_path.glob("annotations-*.pickle"))) == 2


def test_bad_default_frequency():
    with pytest.raises(ConfigError, match="default_frequency"):
        build_annotation_table(tiny_graph(), default_frequency=0.0)


def test_missing_frequency_source_rows_do_not_break():
    # a disease-symptom style disease: has_phenotype to a SYMP id without frequency
    G = tiny_graph()
    G.add_node("DOID:1", category="Disease", label="common disease")
    G.add_node("SYMP:0000613", category="PhenotypicFeature", label="fever")
    G.add_edge("DOID:1", "SYMP:0000613", key="x", predicate="has_phenotype", source="do", references=())
    T = build_annotation_table(G)
    assert "SYMP:0000613" in T.term_index and "DOID:1" in T.disease_index


def _with_equivalents(G):
    """OMIM:100001 == ORPHA:5 through a MONDO hub; OMIM:100002 and OMIM:100003 both == MONDO:2 (ambiguous)."""
    for key, (u, v) in enumerate([("MONDO:1", "OMIM:100001"), ("MONDO:1", "ORPHA:5"),
                                  ("MONDO:2", "OMIM:100002"), ("MONDO:2", "OMIM:100003")]):
        G.add_edge(u, v, key=f"m{key}", predicate="same_as", source="mondo", source_version="t", references=())
    G.graph["version"] = "tiny-eq"
    return G


def test_equivalent_diseases_share_annotations(G):
    plain = build_annotation_table(G)
    T = build_annotation_table(_with_equivalents(G))
    d1, o5 = T.disease_index["OMIM:100001"], T.disease_index["ORPHA:5"]
    own1 = {T.terms[t]: f for t, f in plain.disease_annotations(d1)}
    own5 = {T.terms[t]: f for t, f in plain.disease_annotations(o5)}
    got1 = {T.terms[t]: f for t, f in T.disease_annotations(d1)}
    got5 = {T.terms[t]: f for t, f in T.disease_annotations(o5)}
    # each gets the other's phenotypes it lacks; its own row (and frequency) wins
    assert set(got1) == set(own1) | set(own5) and set(got5) == set(own1) | set(own5)
    assert all(got1[t] == pytest.approx(f) for t, f in own1.items())
    assert all(got5[t] == pytest.approx(f) for t, f in own5.items())
    assert T.shared_rows == len(set(own5) - set(own1)) + len(set(own1) - set(own5)) > 0
    # two OMIM entries on one MONDO id: ambiguous, left alone
    assert T.ambiguous_groups == 1
    for d in ("OMIM:100002", "OMIM:100003"):
        i = T.disease_index[d]
        assert list(T.disease_terms[i]) == list(plain.disease_terms[i])
    # switched off: the plain table
    off = build_annotation_table(G, share_equivalents=False)
    assert off.n_rows == plain.n_rows and off.shared_rows == 0


def test_shared_rows_keep_their_references(G):
    """The leak filter removes a shared row too when its reference is removed."""
    T = build_annotation_table(_with_equivalents(G))
    T2 = T.remove_references(["PMID:1004"])        # ORPHA:5's rows (the fixture cites PMID:1000 + position)
    d1 = T2.disease_index["OMIM:100001"]
    plain1 = build_annotation_table(tiny_graph()).disease_terms[d1]
    assert sorted(T2.disease_terms[d1].tolist()) == sorted(plain1.tolist())
    assert T2.shared_rows == T.shared_rows


def test_for_diseases_keeps_the_whole_graphs_statistics(T):
    mask = np.array([d.startswith("OMIM:") for d in T.diseases])
    cut = T.for_diseases(mask)
    assert cut.diseases == [d for d in T.diseases if d.startswith("OMIM:")]
    assert np.array_equal(cut.ic, T.ic) and np.array_equal(cut.bg, T.bg)
    for d in cut.diseases:
        i, j = cut.disease_index[d], T.disease_index[d]
        assert cut.disease_terms[i].tolist() == T.disease_terms[j].tolist()
        assert (cut.M[i] != T.M[j]).nnz == 0 and (cut.X[i] != T.X[j]).nnz == 0
    with pytest.raises(ValueError, match="remove them from the full table"):
        cut.remove_references(["PMID:1000"])
