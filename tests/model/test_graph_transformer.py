"""tests for model/graph_transformer.py and model/train.py: a tiny model trained on the fixture in seconds."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch

from kg.errors import ConfigError, ModelError
from model.annotations import build_annotation_table
from model.graph_transformer import (N_DIST, GraphTransformer, GTConfig, TransformerRanker, collate, dag_distances,
                                     featurize, text_embeddings)
from model.ranker import load_ranker
from model.train import TrainConfig, train
from tests.model.conftest import tiny_graph


def _load(folder, G=None, **kw):
    G = G or tiny_graph()
    return TransformerRanker.load(folder, G, build_annotation_table(G), **kw)


def test_trains_and_ranks(tiny_model):
    assert tiny_model.seconds < 60 and tiny_model.train_cases > 0 and tiny_model.temperature > 0
    r = _load(tiny_model.folder)
    out = r.rank(["HP:0000003", "HP:0000007"], ["HP:0000010"], top_k=3)
    assert out.model == "graph-transformer" and out.diagnoses[0].disease_id == "OMIM:100001"
    assert set(out.diagnoses[0].contributions) == {"HP:0000003", "HP:0000007", "HP:0000010"}
    assert out.diagnoses[0].matched["HP:0000003"] == "HP:0000003"
    assert abs(sum(d.probability for d in r.rank(["HP:0000003"], [], top_k=5).diagnoses) - 1) < 1e-6


def test_batched_scores_equal_single_scores(tiny_model):
    r = _load(tiny_model.folder)
    cases = [(["HP:0000003", "HP:0000007"], ["HP:0000010"]), (["HP:0000004"], []),
             (["HP:0000003", "HP:0000004", "HP:0000007", "HP:0000008"], []), ([], ["HP:0000003"])]
    found = [r.resolve(p, a) for p, a in cases]
    batched = r.score_many(found, batch_size=2)                  # size-sorted chunks, reassembled in input order
    for f, got in zip(found, batched):
        np.testing.assert_allclose(got, r.score_findings(f)[0], rtol=1e-5, atol=1e-5)


def test_only_excluded_and_more_findings_than_the_model_reads(tiny_model):
    from dataclasses import replace

    r = _load(tiny_model.folder)
    only_excluded = r.rank([], ["HP:0000007"], top_k=5)
    assert len(only_excluded.diagnoses) == 5 and only_excluded.present == []
    assert abs(sum(d.probability for d in only_excluded.diagnoses) - 1) < 1e-6
    # the Transformer reads the max_findings most informative findings; the others contribute 0
    r.model.config = replace(r.model.config, max_findings=2)
    out = r.rank(["HP:0000003", "HP:0000004", "HP:0000007", "HP:0000008"], ["HP:0000010"], top_k=3)
    contrib = out.diagnoses[0].contributions
    assert set(contrib) == {"HP:0000003", "HP:0000004", "HP:0000007", "HP:0000008", "HP:0000010"}
    assert sum(v != 0 for v in contrib.values()) <= 2


def test_folder_layout_and_versions(tiny_model):
    meta = json.loads((tiny_model.folder / "config.json").read_text())
    assert {"config", "graph_version", "trained_graph_version", "temperature", "model_version"} <= set(meta)
    assert (tiny_model.folder / "model.safetensors").exists() and (tiny_model.folder / "vocab.json").exists()
    assert meta["graph_version"] == "tiny-v1"


def test_save_load_round_trip(tiny_model, tmp_path):
    a = _load(tiny_model.folder)
    a.save(tmp_path / "copy")
    b = _load(tmp_path / "copy")
    x = a.ranked_scores(["HP:0000004", "HP:0000008"], ["HP:0000003"])
    y = b.ranked_scores(["HP:0000004", "HP:0000008"], ["HP:0000003"])
    np.testing.assert_allclose(x, y, rtol=1e-3, atol=1e-3)  # text embeddings are stored as float16


def test_auto_loads_the_transformer(tiny_model, tmp_path):
    shutil.copytree(tiny_model.folder, tmp_path / "graph-transformer")
    assert isinstance(load_ranker(tiny_graph(), tmp_path, "auto"), TransformerRanker)


def test_shipped_model_only_for_its_own_graph_version(tiny_model, tmp_path):
    from model.ranker import LRRanker

    empty_home_models = tmp_path / "models"
    r = load_ranker(tiny_graph(), empty_home_models, "auto", shipped=tiny_model.folder)
    assert isinstance(r, TransformerRanker)                        # trained on tiny-v1, the graph is tiny-v1
    other = tmp_path / "other-graph-model"
    shutil.copytree(tiny_model.folder, other)
    meta = json.loads((other / "config.json").read_text())
    meta["graph_version"] = "some-other-graph"
    (other / "config.json").write_text(json.dumps(meta))
    assert isinstance(load_ranker(tiny_graph(), empty_home_models, "auto", shipped=other), LRRanker)
    assert isinstance(load_ranker(tiny_graph(), None, "auto", shipped=tiny_model.folder), LRRanker)
    with pytest.raises(ModelError, match="medkg train"):
        load_ranker(tiny_graph(), empty_home_models, "transformer", shipped=other)


def test_determinism_with_a_seed(tmp_path):
    cfg = TrainConfig.profile("tiny", epochs=1)
    a = train(tiny_graph(), tmp_path / "a", cfg)
    b = train(tiny_graph(), tmp_path / "b", cfg)
    sa = _load(a.folder).ranked_scores(["HP:0000003"], [])
    sb = _load(b.folder).ranked_scores(["HP:0000003"], [])
    np.testing.assert_array_equal(sa, sb)
    # another seed (as `medkg train --seed` passes it) gives another model
    c = train(tiny_graph(), tmp_path / "c", TrainConfig.profile("tiny", epochs=1, seed=5))
    assert c.folder.joinpath("model.safetensors").read_bytes() != a.folder.joinpath("model.safetensors").read_bytes()


def test_older_graph_version_loads_with_unseen_concept(tmp_path):
    old = tiny_graph("old-v0", drop=("HP:0000010",))
    res = train(old, tmp_path / "old", TrainConfig.profile("tiny", epochs=1))
    new = tiny_graph("new-v1")
    r = _load(res.folder, new)
    assert r.meta["trained_graph_version"] == "old-v0" and r.meta["graph_version"] == "new-v1"
    assert r.meta["unseen_concepts"] == 1 and "HP:0000010" in r.vocab
    out = r.rank(["HP:0000010", "HP:0000004"], [])
    assert out.diagnoses and out.graph_version == "new-v1"
    # with a cache folder the unseen concepts' embeddings are kept for the next load
    cached = _load(res.folder, new, cache_dir=tmp_path / "cache")
    assert list((tmp_path / "cache").glob("text-unseen-*-new-v1.npy"))
    np.testing.assert_allclose(cached.ranked_scores(["HP:0000010"], []), r.ranked_scores(["HP:0000010"], []), rtol=1e-5)


def test_shapes_masking_and_messages(T):
    cfg = GTConfig(dim=16, heads=2, ffn=16, shortlist=4, text_encoder="hashing")
    vocab_of = np.arange(1, T.n_terms + 1)
    mask = np.ones(T.n_diseases, bool)
    ti = T.term_index
    f1, _, _ = featurize(T, [ti["HP:0000003"], ti["HP:0000007"], ti["HP:0000010"]], [ti["HP:0000004"]], cfg,
                         vocab_of, mask, target=T.disease_index["OMIM:100001"])
    # excluded findings are never features (the ranker adds them as a penalty)
    f0, _, _ = featurize(T, [ti["HP:0000003"], ti["HP:0000007"], ti["HP:0000010"]], [], cfg,
                         vocab_of, mask, target=T.disease_index["OMIM:100001"])
    assert f1.terms.tolist() == f0.terms.tolist() and (f1.assertion == 1).all()
    assert f1.shortlist.tolist() == f0.shortlist.tolist() and np.array_equal(f1.rel, f0.rel)
    f2, _, _ = featurize(T, [ti["HP:0000004"]], [], cfg, vocab_of, mask)
    assert f1.rel.shape == (4, 3) and f1.dist.shape == (3, 3) and f1.target == 0
    b = collate([f1, f2])
    assert tuple(b.f_term.shape) == (2, 3) and b.f_mask.tolist() == [[True, True, True], [True, False, False]]
    model = GraphTransformer(cfg, torch.from_numpy(text_embeddings(["<pad>"] + T.term_labels, "hashing")))
    model.eval()
    out = model(b)
    assert tuple(out.shape) == (2, 4) and torch.isfinite(out).all()
    # padding findings do not change the scores of the shorter case
    alone = model(collate([f2]))
    torch.testing.assert_close(out[1], alone[0], rtol=1e-4, atol=1e-4)
    # a masked finding is as if absent
    m = b.f_mask.clone()
    m[0, 2] = False
    assert not torch.allclose(model(b, m)[0], out[0])
    # a subset of candidates gets exactly its columns of the full output, with or without a mask
    sel = torch.tensor([2, 0])
    torch.testing.assert_close(model(b, candidates=sel), out[:, sel])
    torch.testing.assert_close(model(b, m, candidates=sel), model(b, m)[:, sel])
    b.cf_rel = b.cf_rel[:, :, :2]
    with pytest.raises(ModelError, match=r"cf_rel has shape \(2, 4, 2\) but f_term \(2, 3\)"):
        model(b)
    with pytest.raises(ModelError, match="f_mask has shape"):
        model(collate([f1]), torch.ones(1, 7, dtype=torch.bool))


def test_dag_distances(T):
    ti = T.term_index
    d = dag_distances(T, [ti["HP:0000003"], ti["HP:0000004"], ti["HP:0000002"], ti["HP:0000010"]])
    assert d[0, 0] == 0 and d[0, 1] == 2 and d[0, 2] == 1 and d[0, 3] == N_DIST - 1


def test_ablation_has_no_graph_bias(T):
    cfg = GTConfig(dim=16, heads=2, ffn=16, shortlist=4, text_encoder="hashing", graph_bias=False)
    ti = T.term_index
    f, _, _ = featurize(T, [ti["HP:0000003"]], [], cfg, np.arange(1, T.n_terms + 1), np.ones(T.n_diseases, bool))
    b = collate([f])
    model = GraphTransformer(cfg, torch.zeros(T.n_terms + 1, 384)).eval()
    before = model(b)
    with torch.no_grad():
        model.rel_bias.weight.add_(5.0)
        model.dist_bias.weight.add_(5.0)
    torch.testing.assert_close(model(b), before)


def test_bad_config():
    with pytest.raises(ConfigError, match="valid keys"):
        GTConfig.from_dict({"dimm": 3})
    with pytest.raises(ConfigError, match="valid profiles"):
        TrainConfig.profile("huge")
    with pytest.raises(ConfigError, match="text_encoder"):
        text_embeddings(["a"], "word2vec")


def test_missing_model_files(tmp_path):
    with pytest.raises(ModelError, match="lacks config.json"):
        _load(tmp_path)


def test_resnik_prior_only_at_inference(tiny_model):
    """The fixed Resnik prior is added in eval mode, never while training; older configs lack it (0)."""
    r = _load(tiny_model.folder)
    assert r.model.config.resnik_prior == GTConfig().resnik_prior > 0
    feats, _, _ = featurize(r.T, [r.T.term_index["HP:0000004"]], [], r.model.config, r.vocab_of, r.mask)
    b = collate([feats])
    with torch.no_grad():
        rs_n = r.model.candidate_features(b, b.f_mask)[2][0]
        with_prior = r.model(b)[0]
        r.model.train()
        without = r.model(b)[0]
        r.model.eval()
    assert torch.allclose(with_prior - without, r.model.config.resnik_prior * rs_n, atol=1e-5)
    assert float(rs_n.abs().max()) > 0
    old = {k: v for k, v in json.loads((tiny_model.folder / "config.json").read_text())["config"].items()
           if k != "resnik_prior"}
    assert GTConfig.from_dict(old).resnik_prior == 0.0
