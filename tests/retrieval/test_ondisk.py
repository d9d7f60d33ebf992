"""IVF-PQ with on-disk inverted lists (faiss.OnDiskInvertedLists) behind DenseIndex: same results
as in memory, memory-mapped after loading, and still writable (small synthetic vectors)."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval import Document, LiteratureIndex, RetrievalConfig
from retrieval.dense import DenseIndex

FACTORY = "IVF16,PQ8x4"     # 4-bit codes: trains on a few thousand vectors


def _clustered(n: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(40, dim))
    x = centres[rng.integers(0, 40, n)] + 0.3 * rng.normal(size=(n, dim))
    x = x.astype("float32")
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_on_disk_lists_search_like_memory_and_stay_writable(tmp_path, capfd):
    import faiss

    x = _clustered(3000)
    mem = DenseIndex(32, FACTORY, nprobe=4)
    disk = DenseIndex(32, FACTORY, nprobe=4, on_disk=True)
    for idx in (mem, disk):
        idx.add(np.arange(1, 3001), x)
    disk.save(tmp_path / "a")
    assert (tmp_path / "a" / "invlists.ivfdata").stat().st_size > 3000 * 4
    loaded = DenseIndex.load(tmp_path / "a", nprobe=4, on_disk=True)
    lists = faiss.downcast_InvertedLists(loaded._ivf.invlists)
    assert isinstance(lists, faiss.OnDiskInvertedLists) and isinstance(loaded.vectors, np.memmap)
    for q in x[:20]:
        assert loaded.search(q, k=10) == mem.search(q, k=10)
    # writes copy the lists into memory first, then save on disk again
    loaded.add([5001], x[:1])
    loaded.remove([1, 2])
    assert not isinstance(faiss.downcast_InvertedLists(loaded._ivf.invlists), faiss.OnDiskInvertedLists)
    everything = [k for k, _ in loaded.search(x[0], k=3000)]
    assert 1 not in everything and 2 not in everything and 5001 in everything
    loaded.save(tmp_path / "b")
    again = DenseIndex.load(tmp_path / "b", nprobe=4, on_disk=True)
    assert len(again) == 2999 and again.search(x[0], k=10) == loaded.search(x[0], k=10)
    assert "ivfdata" not in capfd.readouterr().out          # FAISS's messages stay off stdout
    # a saved on-disk index opens in memory when the option is off
    plain = DenseIndex.load(tmp_path / "b", nprobe=4)
    assert not isinstance(faiss.downcast_InvertedLists(plain._ivf.invlists), faiss.OnDiskInvertedLists)
    assert plain.search(x[0], k=10) == again.search(x[0], k=10)


def test_training_sample_is_bounded():
    idx = DenseIndex(8, "IVF4,Flat")
    idx.keys = np.arange(70_000)
    idx.vectors = np.zeros((70_000, 8), dtype="float32")
    assert idx._training_sample().shape == (65_536, 8)


def test_literature_index_with_on_disk_ivf(tmp_path):
    docs = [Document(str(i), f"Title {i}", f"Abstract number {i} about topic {i % 7}.", id_type="pmid")
            for i in range(1, 301)]
    config = RetrievalConfig(encoder="hashing-64", index_factory="IVF4,PQ8x4", ivf_on_disk=True, ivf_nprobe=4)
    with LiteratureIndex.open(tmp_path, config) as lit:
        lit.add_documents(docs)
        first = [h.id for h in lit.search("topic 3", k=5, mode="dense")]
    gens = sorted(tmp_path.glob("gen-*"))
    assert (gens[-1] / "dense" / "invlists.ivfdata").exists()
    with LiteratureIndex.open(tmp_path, config) as lit:
        assert [h.id for h in lit.search("topic 3", k=5, mode="dense")] == first
        assert lit.remove(["1"]).removed == 1


def test_refine_rescores_exactly_from_stored_vectors(tmp_path):
    x = _clustered(3000, seed=1)
    exact = DenseIndex(32, "Flat")
    exact.add(np.arange(10, 3010), x)
    approx = DenseIndex(32, FACTORY, nprobe=16, on_disk=True)
    approx.add(np.arange(10, 3010), x)
    approx.save(tmp_path / "d")
    refined = DenseIndex.load(tmp_path / "d", nprobe=16, on_disk=True, refine=20)

    def recall(idx):
        return np.mean([len({k for k, _ in idx.search(q, 10)} & {k for k, _ in exact.search(q, 10)}) / 10 for q in x[:50]])

    assert recall(refined) > recall(approx)
    hits = refined.search(x[7], 10)
    assert hits[0][0] == 17 and hits[0][1] == pytest.approx(1.0, abs=1e-5)   # exact scores
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)
