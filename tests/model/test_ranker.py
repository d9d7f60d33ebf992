"""tests for model/ranker.py: the common interface and its bad inputs."""

from __future__ import annotations

import pytest

from kg.errors import ConfigError, InputError, ModelError
from model.ranker import LRRanker, Ranking, ResnikRanker, load_ranker


@pytest.fixture(params=["lr", "resnik"])
def ranker(request, G):
    return load_ranker(G, None, name=request.param)


def test_rank_returns_ranking_with_contributions(ranker):
    r = ranker.rank(["HP:0000003", "HP:0000007"], [], top_k=3)
    assert isinstance(r, Ranking) and len(r.diagnoses) == 3
    top = r.diagnoses[0]
    assert top.disease_id == "OMIM:100001" and top.label == "Disease one"
    assert set(top.contributions) == {"HP:0000003", "HP:0000007"}
    assert top.matched == {"HP:0000003": "HP:0000003", "HP:0000007": "HP:0000007"}
    assert 0 < top.probability <= 1 and sum(d.probability for d in r.diagnoses) <= 1 + 1e-9
    assert [d.score for d in r.diagnoses] == sorted((d.score for d in r.diagnoses), reverse=True)
    assert r.model in ("likelihood-ratio", "resnik") and r.graph_version == "tiny-v1"
    assert r.to_dict()["diagnoses"][0]["disease_id"] == "OMIM:100001"


def test_lr_contributions_sum_to_score(G):
    r = load_ranker(G, None, "lr").rank(["HP:0000003", "HP:0000010"], ["HP:0000008"])
    for d in r.diagnoses:
        assert sum(d.contributions.values()) == pytest.approx(d.score, abs=1e-4)


def test_unknown_ids_reported_and_ignored(ranker):
    r = ranker.rank(["HP:0000003", "HP:9999999", "not an id", "OMIM:100001"], [])
    assert r.unknown_ids == ["HP:9999999", "not an id", "OMIM:100001"]
    assert r.present == ["HP:0000003"]


def test_obsolete_and_alt_ids_mapped(ranker):
    r = ranker.rank(["HP:0000011", "HP:0000012"], [])
    assert r.obsolete_mapped == {"HP:0000011": "HP:0000003", "HP:0000012": "HP:0000007"}
    assert r.present == ["HP:0000003", "HP:0000007"] and r.unknown_ids == []
    assert r.diagnoses[0].disease_id == "OMIM:100001"


def test_no_findings_is_an_input_error(ranker):
    with pytest.raises(InputError, match="no findings given"):
        ranker.rank([], [])
    with pytest.raises(InputError, match="unknown ids: HP:9999999"):
        ranker.rank(["HP:9999999"], [])
    with pytest.raises(InputError, match="lists of ids"):
        ranker.rank("HP:0000003", [])
    with pytest.raises(InputError, match="top_k"):
        ranker.rank(["HP:0000003"], [], top_k=0)


def test_only_excluded_findings_is_well_defined(G):
    r = load_ranker(G, None, "lr").rank([], ["HP:0000007"], top_k=5)
    assert len(r.diagnoses) == 5 and r.present == [] and r.absent == ["HP:0000007"]
    assert r.diagnoses[-1].disease_id == "OMIM:100004"  # obligate B one, excluded -> last
    assert abs(sum(d.probability for d in r.diagnoses) - 1) < 1e-6
    r = load_ranker(G, None, "resnik").rank([], ["HP:0000007"])
    assert len(r.diagnoses) == 5 and all(d.score == 0 for d in r.diagnoses)


def test_present_wins_when_a_finding_is_given_both_ways(G):
    r = load_ranker(G, None, "lr").rank(["HP:0000003"], ["HP:0000003", "HP:0000010"])
    assert r.present == ["HP:0000003"] and r.absent == ["HP:0000010"]


def test_thousands_of_findings(G):
    ids = ["HP:0000003", "HP:0000007"] * 1500 + [f"HP:{i:07d}" for i in range(5000, 6000)]
    r = load_ranker(G, None, "lr").rank(ids, ["HP:0000010"] * 1000)
    assert r.present == ["HP:0000003", "HP:0000007"] and len(r.unknown_ids) == 1000
    with pytest.raises(InputError, match="at most"):
        load_ranker(G, None, "lr").rank(["HP:0000003"] * 30000, [])


def test_candidate_prefixes(G):
    r = load_ranker(G, None, "lr", candidates="ORPHA").rank(["HP:0000003"], [])
    assert [d.disease_id for d in r.diagnoses] == ["ORPHA:5"] and r.candidates == 1
    with pytest.raises(ConfigError, match="prefixes present"):
        load_ranker(G, None, "lr", candidates="DOID")


def test_load_ranker_names(G, tmp_path):
    assert isinstance(load_ranker(G, tmp_path, "auto"), LRRanker)  # no trained model: the LR baseline
    assert isinstance(load_ranker(G, tmp_path, "resnik"), ResnikRanker)
    with pytest.raises(ModelError, match="medkg train"):
        load_ranker(G, tmp_path, "transformer")
    with pytest.raises(ConfigError, match="valid rankers: auto, lr, resnik, transformer"):
        load_ranker(G, tmp_path, "bayes")


@pytest.mark.parametrize("name", ["lr", "resnik"])
def test_candidate_subset_scores_like_the_whole_table(G, name):
    """A ranker cut to some candidates scores them exactly as the ranker over every disease does."""
    whole = load_ranker(G, None, name)
    omim = load_ranker(G, None, name, candidates="OMIM")
    assert omim.T.n_diseases == 4 and whole.T.n_diseases == 5
    for present, absent in ([["HP:0000003"], []], [["HP:0000004", "HP:0000010"], ["HP:0000007"]]):
        a = dict(zip(whole.T.diseases, whole.ranked_scores(present, absent).tolist()))
        b = dict(zip(omim.T.diseases, omim.ranked_scores(present, absent).tolist()))
        assert b == pytest.approx({d: a[d] for d in b})
