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
"""

from retrieval.config import RetrievalConfig
from retrieval.dense import DenseIndex
from retrieval.documents import Document, DocumentStore
from retrieval.encoder import Encoder, HashingEncoder, SentenceEncoder, load_encoder
from retrieval.fusion import rrf, weighted
from retrieval.index import EMPTY_INDEX_HINT, AddResult, Hit, IndexStats, LiteratureIndex, RemoveResult
from retrieval.lexical import LexicalIndex
from retrieval.parsers import detect_format, read_documents
from retrieval.snippets import best_sentence

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
