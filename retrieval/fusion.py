"""Fuse ranked lists from several retrievers into one ranking.

Two methods, chosen by ``[retrieval] fusion``:

- ``rrf``: reciprocal rank fusion, ``score(d) = sum_m 1 / (rrf_k + rank_m(d))`` with ranks
  from 1; a document missing from a list gets nothing from it. Scale-free, no tuning.
- ``weighted``: each list's scores min-max normalised to [0, 1] (missing = 0), then
  combined with the given weights.

>>> bm25 = [("a", 12.0), ("b", 9.0), ("c", 1.0)]
>>> dense = [("b", 0.9), ("c", 0.8), ("d", 0.1)]
>>> [key for key, _ in rrf([bm25, dense], k=60)]
['b', 'c', 'a', 'd']
>>> [key for key, _ in weighted([bm25, dense], [0.5, 0.5])]
['b', 'a', 'c', 'd']
"""

from __future__ import annotations

from typing import Hashable, Sequence

__all__ = ["rrf", "weighted"]

Ranking = Sequence[tuple[Hashable, float]]


def rrf(rankings: Sequence[Ranking], k: int = 60) -> list[tuple[Hashable, float]]:
    """Reciprocal rank fusion of best-first ``(key, score)`` lists."""
    fused: dict[Hashable, float] = {}
    for ranking in rankings:
        for rank, (key, _score) in enumerate(ranking, start=1):
            fused[key] = fused.get(key, 0.0) + 1.0 / (k + rank)
    return sorted(fused.items(), key=lambda kv: (-kv[1], str(kv[0])))


def weighted(rankings: Sequence[Ranking], weights: Sequence[float]) -> list[tuple[Hashable, float]]:
    """Weighted sum of min-max normalised scores (a key missing from a list scores 0 there)."""
    if len(rankings) != len(weights):
        raise ValueError(f"{len(rankings)} rankings but {len(weights)} weights")
    fused: dict[Hashable, float] = {}
    for ranking, weight in zip(rankings, weights):
        if not ranking:
            continue
        scores = [s for _, s in ranking]
        lo, hi = min(scores), max(scores)
        span = hi - lo
        for key, score in ranking:
            norm = (score - lo) / span if span > 0 else 1.0
            fused[key] = fused.get(key, 0.0) + weight * norm
    return sorted(fused.items(), key=lambda kv: (-kv[1], str(kv[0])))
