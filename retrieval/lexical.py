"""Lexical retrieval: BM25 with ``bm25s`` over title + abstract.

Tokens are lower-cased words of two or more characters, English stopwords dropped,
Snowball-stemmed (``[retrieval] bm25_stemmer``, needs PyStemmer; ``""`` turns stemming off).

**How additions reach it: rebuild.** BM25's IDF and average document length are
corpus-wide, and ``bm25s`` has no incremental update, so every add or remove rebuilds the
BM25 index from the document store inside the same write (tokenising is linear in the
corpus: about a second per 5,000 abstracts on two cores, see ``bench/retrieval_speed.py``).
A delta index would score new documents with stale statistics; a rebuild keeps the scores
exact, and readers never see the rebuild half-done (see :mod:`retrieval.index`).

>>> lex = LexicalIndex(stemmer="english")
>>> lex.build([10, 11, 12], ["Fever in children", "Cough and asthma", "Asthmatic children wheeze"])
>>> [key for key, _ in lex.search("children", k=3)]
[10, 12]
>>> lex.search("zebra", k=2)
[]
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Sequence

import numpy as np

from kg.errors import ConfigError

__all__ = ["LexicalIndex"]

logging.getLogger("bm25s").setLevel(logging.WARNING)


def _stemmer(name: str):
    if not name:
        return None
    try:
        import Stemmer  # PyStemmer
    except ImportError:
        raise ConfigError(
            f"[retrieval] bm25_stemmer = {name!r} needs the PyStemmer package (pip install PyStemmer), "
            "or set bm25_stemmer = \"\" to turn stemming off"
        ) from None
    try:
        return Stemmer.Stemmer(name)
    except KeyError:
        raise ConfigError(
            f"[retrieval] bm25_stemmer {name!r} is not a Snowball language; valid: {', '.join(Stemmer.algorithms())}"
        ) from None


class LexicalIndex:
    """A BM25 index over integer document keys."""

    def __init__(self, stemmer: str = "english") -> None:
        self.stemmer_name = stemmer
        self._stemmer = _stemmer(stemmer)
        self._bm25 = None
        self.keys = np.zeros(0, dtype=np.int64)

    def __len__(self) -> int:
        return int(self.keys.shape[0])

    def tokenize(self, texts: Sequence[str], show_progress: bool = False) -> list[list[str]]:
        import bm25s

        return bm25s.tokenize(
            list(texts), stopwords="en", stemmer=self._stemmer, return_ids=False, show_progress=show_progress
        )

    def build(self, keys: Sequence[int], texts: Sequence[str], show_progress: bool = False) -> None:
        """(Re)build the index over ``texts``, known by ``keys``."""
        import bm25s

        if len(keys) != len(texts):
            raise ValueError(f"{len(keys)} keys but {len(texts)} texts")
        self.keys = np.asarray(keys, dtype=np.int64)
        if len(texts) == 0:
            self._bm25 = None
            return
        tokens = self.tokenize(texts, show_progress=show_progress)
        bm25 = bm25s.BM25()
        bm25.index(tokens, show_progress=show_progress)
        self._bm25 = bm25

    def scores(self, query: str, expansions: Sequence[str] = (), expansion_weight: float = 0.5) -> np.ndarray | None:
        """BM25 score of every document (aligned with ``keys``), or None when no query word is indexed."""
        if self._bm25 is None:
            return None
        vocab = self._bm25.vocab_dict
        q = [t for t in self.tokenize([query])[0] if t in vocab]
        total = self._bm25.get_scores(q) if q else None
        if expansions:
            extra = [t for t in self.tokenize([" ".join(expansions)])[0] if t in vocab and t not in q]
            if extra:
                e = self._bm25.get_scores(extra) * expansion_weight
                total = e if total is None else total + e
        return total

    def search(self, query: str, k: int = 10, expansions: Sequence[str] = ()) -> list[tuple[int, float]]:
        """The ``k`` best ``(key, score)`` pairs, best first; documents scoring 0 are left out."""
        scores = self.scores(query, expansions)
        if scores is None:
            return []
        k = min(k, scores.shape[0])
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(self.keys[i]), float(scores[i])) for i in top if scores[i] > 0]

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / "keys.npy", self.keys)
        (folder / "lexical.json").write_text(json.dumps({"stemmer": self.stemmer_name, "documents": len(self)}))
        if self._bm25 is not None:
            self._bm25.save(str(folder / "bm25"), show_progress=False)

    @classmethod
    def load(cls, folder: Path) -> "LexicalIndex":
        import bm25s

        meta = json.loads((folder / "lexical.json").read_text())
        lex = cls(stemmer=meta["stemmer"])
        lex.keys = np.load(folder / "keys.npy")
        if (folder / "bm25").exists():
            lex._bm25 = bm25s.BM25.load(str(folder / "bm25"), show_progress=False, verbosity=0)
        return lex
