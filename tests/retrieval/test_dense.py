"""tests for retrieval/dense.py, fusion.py, snippets.py and config.py."""

from __future__ import annotations

import numpy as np
import pytest

from kg.errors import ConfigError, InputError
from retrieval import RetrievalConfig
from retrieval.dense import DenseIndex
from retrieval.fusion import rrf, weighted
from retrieval.snippets import best_sentence


def unit(n: int, d: int = 16, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.mark.parametrize("factory", ["Flat", "HNSW8,Flat", "IVF4,Flat"])
def test_add_remove_save_load(tmp_path, factory):
    vecs = unit(40)
    idx = DenseIndex(16, factory, nprobe=4)
    idx.add(np.arange(1, 41), vecs)
    assert idx.search(vecs[9], 1)[0][0] == 10
    idx.remove([10, 999])
    assert 10 not in [k for k, _ in idx.search(vecs[9], 40)] and len(idx) == 39
    assert len(idx.search(vecs[9], 40)) == 39
    idx.save(tmp_path / "d")
    again = DenseIndex.load(tmp_path / "d", nprobe=4)
    assert again.tombstones == idx.tombstones and again.search(vecs[3], 1)[0][0] == 4
    assert 10 not in [k for k, _ in again.search(vecs[9], 40)]


def test_errors():
    with pytest.raises(ConfigError, match="'Bogus9' is not a valid FAISS factory string"):
        DenseIndex(16, "Bogus9")
    with pytest.raises(InputError, match=r"needs at least 64 vectors to train, the corpus has 5"):
        DenseIndex(16, "IVF64,Flat").add(np.arange(5), unit(5))
    with pytest.raises(InputError, match=r"shape \(2, 8\); the index holds vectors of dimension 16"):
        DenseIndex(16).add([1, 2], unit(2, d=8))
    assert DenseIndex(16).search(unit(1)[0], 5) == []


def test_fusion_and_snippets():
    assert rrf([[("a", 3.0)], []])[0][0] == "a"
    assert weighted([[], [("b", 0.2)]], [0.5, 0.5]) == [("b", 0.5)]
    with pytest.raises(ValueError, match="2 rankings but 1 weights"):
        weighted([[], []], [1.0])
    assert best_sentence("", "x") == ""
    assert best_sentence("One. Two three.", "nothing") == "One."
    long = best_sentence("Gout " + "word " * 200 + ".", "gout", max_chars=20)
    assert len(long) <= 20 and long.endswith("…")


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"mode": "fuzzy"}, "mode must be one of bm25, dense, hybrid"),
        ({"fusion": "max"}, "fusion must be one of rrf, weighted"),
        ({"dense_weight": 2.0}, "dense_weight must be in"),
        ({"k": 0}, "must be >= 1"),
        ({"encoder": " "}, "encoder must name a model"),
    ],
)
def test_config_validation(changes, message):
    with pytest.raises(ConfigError, match=message):
        RetrievalConfig(**changes).validate()


def test_config_loads_from_settings(tmp_path):
    from pipelines.config import load_settings

    s = load_settings(home=tmp_path, env={"MEDKG_RETRIEVAL_INDEX_FACTORY": "HNSW32,Flat", "MEDKG_RETRIEVAL_FUSION": "rrf"})
    assert (s.retrieval.index_factory, s.retrieval.fusion) == ("HNSW32,Flat", "rrf")
