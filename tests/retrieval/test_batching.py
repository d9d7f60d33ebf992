"""tests for retrieval/batching.py: queued queries are encoded together, each caller gets its own row."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from retrieval.batching import EncodeBatcher
from retrieval.encoder import load_encoder


class _Recording:
    """Wraps an encoder: records batch sizes; the first call waits until ``release`` is set."""

    def __init__(self, inner):
        self.inner = inner
        self.batches: list[int] = []
        self.release = threading.Event()
        self.entered = threading.Event()

    def encode(self, texts):
        if not self.batches:
            self.entered.set()
            self.release.wait(10)
        self.batches.append(len(texts))
        return self.inner.encode(list(texts))


def test_waiting_queries_are_encoded_in_one_call_with_the_same_vectors():
    inner = load_encoder("hashing-64")
    enc = _Recording(inner)
    batcher = EncodeBatcher(enc, max_batch=16)
    first = batcher.submit("first query")               # the worker blocks on this one ...
    assert enc.entered.wait(10)
    texts = [f"query number {i} fever cough" for i in range(6)]
    futures = [batcher.submit(t) for t in texts]        # ... while these queue up
    enc.release.set()
    vectors = [f.result(10) for f in futures]
    assert first.result(10).shape == (64,)
    assert enc.batches == [1, 6]
    for t, v in zip(texts, vectors):
        np.testing.assert_allclose(v, inner.encode([t])[0], rtol=1e-6)
    batcher.close()


def test_batches_are_capped_and_errors_reach_every_caller():
    class Failing:
        def encode(self, texts):
            raise RuntimeError("encoder broke")

    batcher = EncodeBatcher(Failing(), max_batch=2)
    futures = [batcher.submit(f"q{i}") for i in range(3)]
    for f in futures:
        with pytest.raises(RuntimeError, match="encoder broke"):
            f.result(10)
    batcher.close()
    with pytest.raises(RuntimeError, match="closed"):
        batcher.submit("late")


def test_max_batch_must_be_positive():
    with pytest.raises(ValueError, match="max_batch"):
        EncodeBatcher(load_encoder("hashing-64"), max_batch=0)
