"""The literature index: documents, dense and BM25 indexes, fused search, kept consistent.

Layout under the literature folder (``Home.literature``)::

    documents.sqlite       the document store (source of truth)
    CURRENT                the name of the live generation folder
    gen-000007/            one complete, immutable index generation:
        meta.json          model, dimension, normalisation, index type, document count,
                           store checksum, created time, index version
        dense/             FAISS index + live vectors and keys (see retrieval.dense)
        lexical/           BM25 index (see retrieval.lexical)
    .lock                  held by a writer

**Crash safety.** A write (add, remove, rebuild) parses and validates every input first,
then, inside one SQLite transaction, updates the store, encodes what changed, and writes a
complete new generation into a temporary folder, renamed into place as ``gen-N``. Only then is
the transaction committed and ``CURRENT`` switched with ``os.replace``. Any exception before
the commit rolls the store back and leaves ``CURRENT`` on the old generation; a crash between
the commit and the switch leaves a complete ``gen-N`` whose store checksum matches the store,
which the next :meth:`LiteratureIndex.open` adopts. A reader therefore sees the old state or
the new one, never a mix. The newest two generations are kept, so a reader that has just
read ``CURRENT`` still finds its folder.

**Mismatch.** Opening refuses, with :class:`~kg.errors.IndexMismatch`, an index built with
another encoder than the configured one (or another dimension), or one whose store checksum
no longer matches the store (run :meth:`LiteratureIndex.rebuild`, ``medkg literature rebuild``).
A different ``index_factory`` is not a mismatch: the dense index is rebuilt from the saved
vectors, without re-encoding.

>>> import tempfile
>>> from retrieval.config import RetrievalConfig
>>> from retrieval.encoder import HashingEncoder
>>> folder = tempfile.mkdtemp()
>>> lit = LiteratureIndex.open(folder, RetrievalConfig(encoder="hashing-64"))
>>> lit.search("asthma")
[]
>>> lit.add_documents([Document("1", "Asthma in children", "Wheeze is common. Asthma is treated with inhalers.", id_type="pmid"),
...                    Document("2", "Fever", "Fever follows infection.", id_type="pmid")]).added
2
>>> hit = lit.search("asthma inhalers", k=1)[0]
>>> hit.id, hit.curie, hit.snippet
('1', 'PMID:1', 'Asthma is treated with inhalers.')
>>> lit.remove(["2"]).removed, lit.stats().documents
(1, 1)
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np

from kg.errors import IndexMismatch, InputError
from retrieval.config import SEARCH_MODES, RetrievalConfig
from retrieval.dense import DenseIndex
from retrieval.documents import ID_TYPES, Document, DocumentStore
from retrieval.encoder import Encoder, load_encoder
from retrieval.fusion import rrf, weighted
from retrieval.lexical import LexicalIndex
from retrieval.parsers import count_records, read_documents
from retrieval.snippets import best_sentence

__all__ = ["LiteratureIndex", "Hit", "AddResult", "RemoveResult", "IndexStats", "EMPTY_INDEX_HINT"]

EMPTY_INDEX_HINT = "no literature indexed; run `medkg literature add FILE...`"
_META_VERSION = 1


@dataclass(frozen=True)
class Hit:
    """One search result. ``score`` is the fused (hybrid), BM25 or cosine score of the mode used."""

    id: str
    id_type: str
    title: str
    score: float
    snippet: str          # the best-matching sentence of the abstract
    year: int | None
    source: str

    @property
    def curie(self) -> str:
        """``PMID:123`` for PubMed ids, ``S2:123`` for Semantic Scholar ids (never PubMed links)."""
        prefix = ID_TYPES.get(self.id_type, "")
        return f"{prefix}:{self.id}" if prefix else self.id

    def to_dict(self) -> dict:
        return {**dataclasses.asdict(self), "curie": self.curie}


@dataclass
class AddResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    documents: int = 0       # documents in the store afterwards
    index_version: str = ""
    seconds: float = 0.0


@dataclass
class RemoveResult:
    removed: int = 0
    missing: list[str] = field(default_factory=list)
    documents: int = 0
    index_version: str = ""


@dataclass(frozen=True)
class IndexStats:
    path: str
    documents: int
    by_id_type: dict
    by_source: dict
    model: str
    dim: int
    normalized: bool
    index_factory: str
    dense_vectors: int
    tombstones: int
    lexical_documents: int
    index_version: str
    generation: int
    built_at: str

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def _index_version(meta: dict) -> str:
    payload = json.dumps([meta["model"], meta["dim"], meta["store_checksum"]])
    return hashlib.sha256(payload.encode()).hexdigest()[:12]


@contextmanager
def _write_lock(folder: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # not POSIX: a single writer is the caller's job
        yield
        return
    with open(folder / ".lock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


class LiteratureIndex:
    """Documents plus dense and BM25 indexes in one folder; see the module docstring.

    Use :meth:`open`; the encoder loads lazily (BM25 searches and stats never load a model).
    """

    def __init__(self, folder: Path, config: RetrievalConfig, encoder: Encoder | None) -> None:
        self.folder = folder
        self.config = config
        self._encoder = encoder
        self.store = DocumentStore(folder / "documents.sqlite")
        self.meta: dict | None = None
        self.dense: DenseIndex | None = None
        self.lexical: LexicalIndex | None = None
        self.stale = ""  # why the index does not match (opened with verify=False)
        self._batcher = None  # one worker thread encoding the dense half of hybrid searches, batched
        self._batcher_lock = threading.Lock()

    # -- opening ---------------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        path: str | Path,
        config: RetrievalConfig | None = None,
        encoder: Encoder | None = None,
        verify: bool = True,
    ) -> "LiteratureIndex":
        """Open (or create) the literature index in ``path``.

        Parameters
        ----------
        path : str or Path
            The literature folder, usually ``Home(root).literature``.
        config : RetrievalConfig, optional
            Encoder, index type, fusion; defaults to ``RetrievalConfig()``.
        encoder : Encoder, optional
            An encoder instance to use instead of loading ``config.encoder`` (its ``name``
            is what the index records and checks).
        verify : bool
            With ``False`` a mismatching index opens *stale*: searches return nothing and only
            :meth:`rebuild` (or :meth:`stats`) may be called; used by ``medkg literature rebuild``.

        Raises
        ------
        IndexMismatch
            The saved index was built with another encoder, or the store has changed since.
        """
        config = (config or RetrievalConfig()).validate()
        folder = Path(path).expanduser()
        folder.mkdir(parents=True, exist_ok=True)
        lit = cls(folder, config, encoder)
        try:
            lit._load()
        except IndexMismatch as err:
            if verify:
                lit.close()
                raise
            lit.meta, lit.dense, lit.lexical, lit.stale = None, None, None, str(err)
        return lit

    @property
    def model_name(self) -> str:
        return self._encoder.name if self._encoder is not None else self.config.encoder

    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            self._encoder = load_encoder(self.config.encoder)
        if self.meta is not None and self.meta["dim"] != self._encoder.dim:
            raise IndexMismatch(
                f"literature index in {self.folder} holds {self.meta['dim']}-dimensional vectors but encoder "
                f"{self._encoder.name!r} gives {self._encoder.dim}; run `medkg literature rebuild`"
            )
        return self._encoder

    def _generations(self) -> list[Path]:
        return sorted(p for p in self.folder.glob("gen-*") if p.is_dir() and (p / "meta.json").exists())

    def _load(self) -> None:
        current = self.folder / "CURRENT"
        gen = None
        if current.exists():
            gen = self.folder / current.read_text().strip()
            if not (gen / "meta.json").exists():
                raise IndexMismatch(f"literature index {self.folder}: CURRENT names {gen.name}, which is missing or incomplete")
        checksum = self.store.checksum()
        if gen is None and not self._generations() and self.store.count() == 0:
            return  # a fresh, empty index
        meta = json.loads((gen / "meta.json").read_text()) if gen else None
        if meta is None or meta["store_checksum"] != checksum:
            # Roll forward: a write that committed the store but crashed before switching CURRENT.
            for candidate in reversed(self._generations()):
                cmeta = json.loads((candidate / "meta.json").read_text())
                if cmeta["store_checksum"] == checksum:
                    gen, meta = candidate, cmeta
                    self._adopt(candidate, checksum)
                    break
            else:
                have = meta["documents"] if meta else 0
                raise IndexMismatch(
                    f"literature index in {self.folder} does not match its document store "
                    f"({self.store.count()} documents in the store, {have} indexed, checksums differ): "
                    f"the store changed outside this index; run `medkg literature rebuild`"
                )
        if meta["model"] != self.model_name:
            raise IndexMismatch(
                f"literature index in {self.folder} was built with encoder {meta['model']!r} "
                f"(dim {meta['dim']}), but the configured encoder is {self.model_name!r}; "
                f"set [retrieval] encoder = {meta['model']!r} or run `medkg literature rebuild`"
            )
        if self._encoder is not None and self._encoder.dim != meta["dim"]:
            raise IndexMismatch(
                f"literature index in {self.folder} holds {meta['dim']}-dimensional vectors but encoder "
                f"{self._encoder.name!r} gives {self._encoder.dim}"
            )
        self.meta = meta
        self.dense = DenseIndex.load(gen / "dense", factory=self.config.index_factory, **self._dense_kwargs())
        self.lexical = LexicalIndex.load(gen / "lexical")
        if self.lexical.stemmer_name != self.config.bm25_stemmer:
            self.lexical = self._build_lexical()

    def _dense_kwargs(self) -> dict:
        c = self.config
        return {"ef_search": c.hnsw_ef_search, "nprobe": c.ivf_nprobe, "rebuild_fraction": c.tombstone_rebuild_fraction,
                "on_disk": c.ivf_on_disk, "refine": c.ivf_refine}

    def _build_lexical(self, show_progress: bool = False) -> LexicalIndex:
        keys, texts = [], []
        for key, doc in self.store.iter_documents():
            keys.append(key)
            texts.append(doc.text)
        lex = LexicalIndex(self.config.bm25_stemmer)
        lex.build(keys, texts, show_progress=show_progress)
        return lex

    def close(self) -> None:
        if self._batcher is not None:
            self._batcher.close(wait=True)
            self._batcher = None
        self.store.close()

    def __enter__(self) -> "LiteratureIndex":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- writing ---------------------------------------------------------------------------------
    def _switch(self, gen: Path) -> None:
        tmp = self.folder / "CURRENT.tmp"
        tmp.write_text(gen.name + "\n")
        os.replace(tmp, self.folder / "CURRENT")

    def _adopt(self, gen: Path, checksum: str) -> None:
        """Point CURRENT at ``gen`` after a crash, unless a writer is busy (it will switch itself)."""
        try:
            import fcntl
        except ImportError:  # pragma: no cover
            return
        with open(self.folder / ".lock", "a+") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return
            try:
                if self.store.checksum() == checksum:
                    self._switch(gen)
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _write_generation(self, dense: DenseIndex, lexical: LexicalIndex, checksum: str, documents: int) -> Path:
        gens = self._generations()
        number = int(gens[-1].name.split("-")[1]) + 1 if gens else 1
        final = self.folder / f"gen-{number:06d}"
        tmp = self.folder / f".tmp-gen-{number:06d}-{os.getpid()}"
        if tmp.exists():
            shutil.rmtree(tmp)
        meta = {
            "meta_version": _META_VERSION,
            "model": self.model_name,
            "dim": dense.dim,
            "normalized": bool(self._encoder.normalize) if self._encoder else (self.meta or {}).get("normalized", True),
            "index_factory": dense.factory,
            "documents": documents,
            "store_checksum": checksum,
            "bm25_stemmer": lexical.stemmer_name,
            "generation": number,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "config": dataclasses.asdict(self.config),
        }
        meta["index_version"] = _index_version(meta)
        try:
            dense.save(tmp / "dense")
            lexical.save(tmp / "lexical")
            (tmp / "meta.json").write_text(json.dumps(meta, indent=2))  # written last: marks it complete
            os.replace(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return final

    def _cleanup(self, keep: Path) -> None:
        """Keep ``keep`` and the generation before it (a reader may have just read CURRENT)."""
        gens = self._generations()
        older = [g for g in gens if g.name < keep.name]
        survivors = {keep.name} | ({older[-1].name} if older else set())
        for gen in gens:
            if gen.name not in survivors:
                shutil.rmtree(gen, ignore_errors=True)
        for tmp in self.folder.glob(".tmp-gen-*"):
            shutil.rmtree(tmp, ignore_errors=True)

    def _commit(self, change: Callable[[DenseIndex], object], show_progress: bool = False):
        """Run one write: ``change`` updates the store (inside the transaction) and the dense copy."""
        if self.stale:
            raise IndexMismatch(f"{self.stale} (only a rebuild is possible until then)")
        with _write_lock(self.folder):
            # Re-read the live generation: another process may have written since we opened.
            current = self.folder / "CURRENT"
            if current.exists():
                gen = self._current_gen()
                meta = json.loads((gen / "meta.json").read_text())
                if meta["store_checksum"] != self.store.checksum():
                    raise IndexMismatch(
                        f"literature index in {self.folder} no longer matches its document store; "
                        f"run `medkg literature rebuild`"
                    )
                dense = DenseIndex.load(gen / "dense", factory=self.config.index_factory, **self._dense_kwargs())
            else:
                dense = DenseIndex(self.encoder.dim, self.config.index_factory, **self._dense_kwargs())
            with self.store.transaction():
                result = change(dense)
                lexical = self._build_lexical()
                gen = self._write_generation(dense, lexical, self.store.checksum(), self.store.count())
            self._switch(gen)
            self._cleanup(gen)
            self.meta = json.loads((gen / "meta.json").read_text())
            self.dense, self.lexical = dense, lexical
            return result

    def _current_gen(self) -> Path:
        return self.folder / (self.folder / "CURRENT").read_text().strip()

    def add_documents(
        self,
        docs: Iterable[Document],
        embeddings: np.ndarray | None = None,
        show_progress: bool = False,
    ) -> AddResult:
        """Add documents; a repeated id updates the document (and its vectors).

        Parameters
        ----------
        docs : iterable of Document
            Within one call, the last of several documents with one id wins.
        embeddings : ndarray, optional
            Precomputed vectors aligned with ``docs`` (from the same encoder), e.g. for benchmarks.
        show_progress : bool
            Show encoder and BM25 progress bars.
        """
        started = time.perf_counter()
        docs = list(docs)
        for doc in docs:
            if not isinstance(doc, Document):
                raise InputError(f"add_documents takes Document objects; got {type(doc).__name__}")
        if embeddings is not None and len(embeddings) != len(docs):
            raise InputError(f"{len(embeddings)} embeddings for {len(docs)} documents")
        last = {doc.id: i for i, doc in enumerate(docs)}
        order = sorted(last.values())
        unique = [docs[i] for i in order]
        vec_by_id = {docs[i].id: embeddings[i] for i in order} if embeddings is not None else None
        out = AddResult()

        def change(dense: DenseIndex) -> None:
            res = self.store.upsert(unique)
            dense.remove(res.old_keys)
            if res.new_docs:
                if vec_by_id is not None:
                    vecs = np.stack([vec_by_id[d.id] for d in res.new_docs]).astype(np.float32)
                else:
                    vecs = self.encoder.encode([d.text for d in res.new_docs], batch_size=self.config.batch_size, show_progress=show_progress)
                dense.add(res.new_keys, vecs)
            out.added, out.updated, out.unchanged = res.added, res.updated, res.unchanged

        self._commit(change, show_progress=show_progress)
        out.documents = self.store.count()
        out.index_version = self.index_version
        out.seconds = time.perf_counter() - started
        return out

    def add_files(self, paths: Sequence[str | Path], id_type: str | None = None, show_progress: bool = False) -> AddResult:
        """Parse literature files (JSONL, PubMedQA JSON, MEDLINE XML; ``.gz`` too) and add them.

        Every file is parsed before anything is written: a malformed record raises
        :class:`~kg.errors.InputError` naming file and line, and nothing is added.
        """
        if not paths:
            raise InputError("no literature files given")
        docs: list[Document] = []
        for path in paths:
            records = read_documents(path, id_type=id_type)
            if show_progress:
                from tqdm import tqdm

                records = tqdm(records, desc=f"reading {Path(path).name}", unit="doc", total=count_records(path))
            docs.extend(records)
        return self.add_documents(docs, show_progress=show_progress)

    def remove(self, ids: Iterable[str]) -> RemoveResult:
        """Remove documents by id; unknown ids are reported in ``missing``, not an error."""
        ids = [str(i) for i in ids]
        if not ids:
            raise InputError("no document ids given to remove")
        out = RemoveResult()
        if self.meta is None and not self.stale:
            out.missing = ids
            return out

        def change(dense: DenseIndex) -> None:
            missing, keys = self.store.delete(ids)
            dense.remove(keys)
            out.removed, out.missing = len(keys), missing

        self._commit(change)
        out.documents = self.store.count()
        out.index_version = self.index_version
        return out

    def rebuild(self, show_progress: bool = False) -> AddResult:
        """Re-encode every document and rebuild both indexes (after a model change or a store edit)."""
        started = time.perf_counter()
        with _write_lock(self.folder):
            with self.store.transaction():
                keys, texts = [], []
                for key, doc in self.store.iter_documents():
                    keys.append(key)
                    texts.append(doc.text)
                dense = DenseIndex(self.encoder.dim, self.config.index_factory, **self._dense_kwargs())
                dense.add(keys, self.encoder.encode(texts, batch_size=self.config.batch_size, show_progress=show_progress))
                lexical = self._build_lexical()
                gen = self._write_generation(dense, lexical, self.store.checksum(), self.store.count())
            self._switch(gen)
            self._cleanup(gen)
            self.meta = json.loads((gen / "meta.json").read_text())
            self.dense, self.lexical, self.stale = dense, lexical, ""
        return AddResult(documents=len(keys), index_version=self.index_version, seconds=time.perf_counter() - started)

    # -- reading ---------------------------------------------------------------------------------
    @property
    def index_version(self) -> str:
        """A short hash of model and store content that reports record; ``"empty"`` before any add."""
        return self.meta["index_version"] if self.meta else "empty"

    def __len__(self) -> int:
        return self.meta["documents"] if self.meta else 0

    def get(self, doc_id: str) -> Document | None:
        """The stored document with this id, or None."""
        return self.store.get(str(doc_id))

    def _check_query(self, query: str, k: int, mode: str) -> str:
        if not isinstance(query, str):
            raise InputError(f"query must be text; got {type(query).__name__}")
        text = query.strip()
        if not text:
            raise InputError("empty query; give some words to search for")
        if len(text) > self.config.max_query_chars:
            raise InputError(
                f"query is {len(text):,} characters long; the limit is {self.config.max_query_chars:,} "
                f"([retrieval] max_query_chars)"
            )
        if mode not in SEARCH_MODES:
            raise InputError(f"search mode must be one of {', '.join(SEARCH_MODES)}; got {mode!r}")
        if not isinstance(k, int) or k < 1:
            raise InputError(f"k must be a positive whole number; got {k!r}")
        return text

    def search(
        self,
        query: str,
        k: int | None = None,
        mode: str | None = None,
    ) -> list[Hit]:
        """Search the literature.

        Parameters
        ----------
        query : str
            Free text (a claim, a question, a list of findings).
        k : int, optional
            Number of hits (default ``[retrieval] k``).
        mode : {"bm25", "dense", "hybrid"}, optional
            Default ``[retrieval] mode``; hybrid fuses both rankings (``[retrieval] fusion``).

        Notes
        -----
        Graph query expansion (HPO synonyms of terms found in the query, added to the BM25
        query at half weight) was measured and left out: on SciFact it lowered BM25 nDCG@10
        from 0.686 to 0.683 (71 of 300 queries expanded). ``bench/retrieval.py --expand-hpo``
        re-runs that measurement through the private ``_rank(..., expand=...)`` hook.

        Returns
        -------
        list of Hit
            Best first; empty when nothing is indexed (see ``EMPTY_INDEX_HINT``).
        """
        k = self.config.k if k is None else k
        mode = mode or self.config.mode
        text = self._check_query(query, k, mode)
        if self.meta is None or self.meta["documents"] == 0:
            return []
        depth = max(self.config.candidates, k)
        ranked = self._rank(text, k, depth, mode)
        docs = self.store.by_keys([key for key, _ in ranked])
        return [
            Hit(id=d.id, id_type=d.id_type, title=d.title, score=float(score),
                snippet=best_sentence(d.abstract or d.title, text), year=d.year, source=d.source)
            for key, score in ranked
            if (d := docs.get(key)) is not None
        ]

    def _rank(self, text: str, k: int, depth: int, mode: str, expand: Callable[[str], list[str]] | None = None) -> list[tuple[int, float]]:
        expansions = list(expand(text)) if expand else []
        if mode == "bm25":
            return self.lexical.search(text, k, expansions)
        if mode == "dense":
            return self.dense.search(self.encoder.encode([text])[0], k)
        # Hybrid: the query is encoded on a worker thread while BM25 scores here (both release the
        # GIL for most of their work), so latency is the slower of the two rather than the sum; the
        # worker encodes the queries of concurrent searches together (retrieval/batching.py).
        encoder = self.encoder  # load (and check) in this thread
        if self._batcher is None:
            from retrieval.batching import EncodeBatcher

            with self._batcher_lock:
                if self._batcher is None:
                    self._batcher = EncodeBatcher(encoder)
        future = self._batcher.submit(text)
        lex_hits = self.lexical.search(text, depth, expansions)
        dense_hits = self.dense.search(future.result(), depth)
        if self.config.fusion == "rrf":
            fused = rrf([lex_hits, dense_hits], k=self.config.rrf_k)
        else:
            w = self.config.dense_weight
            fused = weighted([lex_hits, dense_hits], [1.0 - w, w])
        return fused[:k]

    def stats(self) -> IndexStats:
        """Counts, model, index type and version (works on an empty index)."""
        meta = self.meta or {}
        return IndexStats(
            path=str(self.folder),
            documents=self.store.count(),
            by_id_type=self.store.count_by("id_type"),
            by_source=self.store.count_by("source"),
            model=meta.get("model", self.model_name),
            dim=meta.get("dim", 0),
            normalized=meta.get("normalized", True),
            index_factory=self.dense.factory if self.dense else self.config.index_factory,
            dense_vectors=len(self.dense) if self.dense else 0,
            tombstones=self.dense.tombstones if self.dense else 0,
            lexical_documents=len(self.lexical) if self.lexical else 0,
            index_version=self.index_version,
            generation=meta.get("generation", 0),
            built_at=meta.get("built_at", ""),
        )
