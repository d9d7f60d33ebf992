"""Literature retrieval: document store, encoders, FAISS and BM25 indexes, fused search.

The diagnosis pipeline and the CLI use :class:`LiteratureIndex`::

    from retrieval import LiteratureIndex
    lit = LiteratureIndex.open(settings.home.literature, settings.retrieval)
    hits = lit.search("fever and joint pain", k=5)     # [] when nothing is indexed
    report_version = lit.index_version

Modules, one job each: :mod:`~retrieval.documents` (SQLite store, ``Document``),
:mod:`~retrieval.parsers` (JSONL, PubMedQA, MEDLINE XML), :mod:`~retrieval.encoder`
(sentence-transformers offline, hashing test encoder), :mod:`~retrieval.dense` (FAISS),
:mod:`~retrieval.lexical` (bm25s), :mod:`~retrieval.fusion` (RRF, weighted),
:mod:`~retrieval.snippets` (best sentence), :mod:`~retrieval.index` (the whole, crash-safe).

The names below load on first use (PEP 562): reading ``retrieval.config`` (every CLI command
reads the settings) does not import numpy or FAISS.
"""

from __future__ import annotations

import importlib

_WHERE = {
    "RetrievalConfig": "retrieval.config",
    "DenseIndex": "retrieval.dense",
    "Document": "retrieval.documents",
    "DocumentStore": "retrieval.documents",
    "Encoder": "retrieval.encoder",
    "HashingEncoder": "retrieval.encoder",
    "SentenceEncoder": "retrieval.encoder",
    "load_encoder": "retrieval.encoder",
    "rrf": "retrieval.fusion",
    "weighted": "retrieval.fusion",
    "EMPTY_INDEX_HINT": "retrieval.index",
    "AddResult": "retrieval.index",
    "Hit": "retrieval.index",
    "IndexStats": "retrieval.index",
    "LiteratureIndex": "retrieval.index",
    "RemoveResult": "retrieval.index",
    "LexicalIndex": "retrieval.lexical",
    "detect_format": "retrieval.parsers",
    "read_documents": "retrieval.parsers",
    "best_sentence": "retrieval.snippets",
}

__all__ = [
    "RetrievalConfig",
    "LiteratureIndex",
    "Hit",
    "Document",
    "DocumentStore",
    "AddResult",
    "RemoveResult",
    "IndexStats",
    "EMPTY_INDEX_HINT",
    "Encoder",
    "SentenceEncoder",
    "HashingEncoder",
    "load_encoder",
    "DenseIndex",
    "LexicalIndex",
    "rrf",
    "weighted",
    "read_documents",
    "detect_format",
    "best_sentence",
]


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'retrieval' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
