"""Dense retrieval: a FAISS index behind an id map, described by one factory string.

Vectors are unit length and compared by inner product (cosine). The index type is a FAISS
``index_factory`` string from ``[retrieval] index_factory``: ``"Flat"`` (exact; the default),
``"HNSW32,Flat"`` (graph, fast approximate search for large corpora), ``"IVF1024,Flat"``
(inverted lists; trained on the vectors present when the index is (re)built, at most
``max(64 x lists, 65,536)`` of them, sampled; needs at least as many vectors as lists), and
``"IVF4096,PQ48"`` (IVF with product-quantised codes: 48 bytes a vector instead of 1,536).

**On-disk inverted lists** (``on_disk=True``, ``[retrieval] ivf_on_disk``): for IVF index
types, :meth:`save` writes the lists into ``invlists.ivfdata`` beside ``dense.faiss``
(``faiss.OnDiskInvertedLists``) and :meth:`load` memory-maps them, with ``vectors.npy``
memory-mapped too, so a search process holds only the coarse centroids and the pages it
touches (see ``bench/ivfpq.py``). A write (add, remove) first copies the lists back into memory.
``refine=R`` (``[retrieval] ivf_refine``) re-scores the ``R x k`` best approximate candidates
exactly from the stored vectors, which recovers most of what product quantisation loses.

The live vectors and their keys are kept beside the FAISS index (``vectors.npy``,
``keys.npy``), so any index type can be rebuilt without re-encoding.

**Removal policy.**

- Flat (behind ``IndexIDMap2``) and IVF (native ids) remove vectors with ``remove_ids``.
- Index types that cannot remove (HNSW: ``remove_ids`` raises) get *tombstones*: the key
  is recorded as dead, its vector dropped from ``vectors.npy``, and query results are
  filtered (searching deeper until ``k`` live hits are found or the index is exhausted).
  Once tombstones pass ``tombstone_rebuild_fraction`` of the vectors in the FAISS index
  (default 0.2), the index is rebuilt from the live vectors and the tombstones cleared.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> vecs = rng.normal(size=(50, 8)).astype("float32")
>>> vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
>>> idx = DenseIndex(dim=8, factory="HNSW16,Flat")
>>> idx.add(np.arange(100, 150), vecs)
>>> idx.search(vecs[3], k=1)[0][0]
103
>>> idx.remove([103]); 103 in [key for key, _ in idx.search(vecs[3], k=5)]
False
>>> len(idx), idx.tombstones
(49, 1)
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Sequence

import numpy as np

from kg.errors import ConfigError, InputError

__all__ = ["DenseIndex"]


@contextlib.contextmanager
def _faiss_chatter_to_stderr():
    """FAISS's on-disk lists print progress with C printf; keep it off stdout (``--json`` output)."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:       # no real file descriptor 1 (embedded interpreters)
        yield
        return
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def _faiss():
    import faiss

    return faiss


class DenseIndex:
    """A FAISS index over integer keys, with removal for every index type.

    Parameters
    ----------
    dim : int
        Vector dimension.
    factory : str
        FAISS ``index_factory`` string (metric: inner product).
    ef_search, nprobe : int
        HNSW ``efSearch`` and IVF ``nprobe``, applied at search time.
    rebuild_fraction : float
        Tombstone fraction past which a non-removing index is rebuilt.
    """

    def __init__(self, dim: int, factory: str = "Flat", ef_search: int = 128, nprobe: int = 16, rebuild_fraction: float = 0.2,
                 on_disk: bool = False, refine: int = 0) -> None:
        self.dim = int(dim)
        self.on_disk = bool(on_disk)
        self.refine = int(refine)
        self._keys_sorted: bool | None = None   # caches for re-scoring (reset on every write)
        self._row_of: dict[int, int] | None = None
        self.factory = factory
        self.ef_search = ef_search
        self.nprobe = nprobe
        self.rebuild_fraction = rebuild_fraction
        self.keys = np.zeros(0, dtype=np.int64)
        self.vectors = np.zeros((0, self.dim), dtype=np.float32)
        self._dead: set[int] = set()
        self._index = self._new_index()

    # -- construction ---------------------------------------------------------------------------
    def _new_index(self):
        faiss = _faiss()
        try:
            base = faiss.index_factory(self.dim, self.factory, faiss.METRIC_INNER_PRODUCT)
        except RuntimeError as err:
            first = str(err).strip().splitlines()[-1] if str(err).strip() else ""
            raise ConfigError(
                f"[retrieval] index_factory {self.factory!r} is not a valid FAISS factory string "
                f"(e.g. 'Flat', 'HNSW32,Flat', 'IVF1024,Flat'): {first}"
            ) from None
        self._ivf = faiss.try_extract_index_ivf(base) if hasattr(faiss, "try_extract_index_ivf") else None
        if self._ivf is not None:
            return base  # IVF stores ids natively and supports remove_ids
        if isinstance(base, faiss.IndexFlat):
            return faiss.IndexIDMap2(base)
        return faiss.IndexIDMap(base)

    def _set_search_params(self) -> None:
        faiss = _faiss()
        inner = faiss.downcast_index(self._index.index) if hasattr(self._index, "id_map") else self._index
        if hasattr(inner, "hnsw"):
            inner.hnsw.efSearch = int(self.ef_search)
        if self._ivf is not None:
            self._ivf.nprobe = int(self.nprobe)

    def _check(self, vecs: np.ndarray, what: str) -> np.ndarray:
        vecs = np.ascontiguousarray(vecs, dtype=np.float32)
        if vecs.ndim == 1:
            vecs = vecs[None, :]
        if vecs.ndim != 2 or vecs.shape[1] != self.dim:
            raise InputError(f"{what} have shape {vecs.shape}; the index holds vectors of dimension {self.dim}")
        return vecs

    # -- writes ----------------------------------------------------------------------------------
    def add(self, keys: Sequence[int], vecs: np.ndarray) -> None:
        """Add vectors under ``keys`` (keys must be new)."""
        vecs = self._check(vecs, "vectors to add")
        keys = np.asarray(keys, dtype=np.int64)
        if keys.shape[0] != vecs.shape[0]:
            raise InputError(f"{keys.shape[0]} keys but {vecs.shape[0]} vectors")
        if keys.shape[0] == 0:
            return
        self._materialize()
        self._keys_sorted, self._row_of = None, None
        self.keys = np.concatenate([self.keys, keys])
        self.vectors = np.concatenate([self.vectors, vecs])
        if not self._index.is_trained:
            self.rebuild()  # trains on every vector present
        else:
            self._index.add_with_ids(vecs, keys)

    def remove(self, keys: Sequence[int]) -> None:
        """Remove keys (unknown keys are ignored); tombstones where FAISS cannot remove."""
        faiss = _faiss()
        keys = np.asarray(sorted({int(k) for k in keys}), dtype=np.int64)
        if keys.size == 0:
            return
        self._keys_sorted, self._row_of = None, None
        keep = ~np.isin(self.keys, keys)
        present = self.keys[~keep]
        self.keys, self.vectors = self.keys[keep], self.vectors[keep]
        if present.size == 0:
            return
        self._materialize()
        try:
            self._index.remove_ids(faiss.IDSelectorBatch(present.size, faiss.swig_ptr(present)))
        except RuntimeError:
            self._dead.update(int(k) for k in present)
            if len(self._dead) > self.rebuild_fraction * max(self._index.ntotal, 1):
                self.rebuild()

    def rebuild(self) -> None:
        """A fresh index from the live vectors (trains IVF; clears tombstones)."""
        self._index = self._new_index()
        self._dead = set()
        if self.keys.size == 0:
            return
        if not self._index.is_trained:
            nlist = self._ivf.nlist if self._ivf is not None else 0
            if self.keys.size < nlist:
                raise InputError(
                    f"index_factory {self.factory!r} needs at least {nlist} vectors to train, "
                    f"the corpus has {self.keys.size}; use 'Flat' or fewer lists for small corpora"
                )
            self._index.train(self._training_sample())
        self._index.add_with_ids(np.ascontiguousarray(self.vectors, dtype=np.float32), self.keys)

    def _training_sample(self) -> np.ndarray:
        """IVF/PQ training vectors: all, or a fixed-seed sample of ``max(64 x lists, 65,536)``."""
        n = self.keys.size
        nlist = self._ivf.nlist if self._ivf is not None else 0
        limit = max(64 * nlist, 65_536)
        if n <= limit:
            return np.ascontiguousarray(self.vectors, dtype=np.float32)
        rows = np.sort(np.random.default_rng(0).choice(n, size=limit, replace=False))
        return np.ascontiguousarray(self.vectors[rows], dtype=np.float32)

    def _materialize(self) -> None:
        """Copy memory-mapped inverted lists (and vectors) into memory before a write."""
        faiss = _faiss()
        if isinstance(self.vectors, np.memmap):
            self.vectors = np.array(self.vectors)
        ivf = self._ivf
        if ivf is None or not isinstance(faiss.downcast_InvertedLists(ivf.invlists), faiss.OnDiskInvertedLists):
            return
        src = faiss.downcast_InvertedLists(ivf.invlists)
        mem = faiss.ArrayInvertedLists(ivf.nlist, ivf.code_size)
        for lst in range(ivf.nlist):
            size = src.list_size(lst)
            if size:
                ids = faiss.rev_swig_ptr(src.get_ids(lst), size).copy()
                codes = faiss.rev_swig_ptr(src.get_codes(lst), size * ivf.code_size).copy()
                mem.add_entries(lst, size, faiss.swig_ptr(ids), faiss.swig_ptr(codes))
        ivf.replace_invlists(mem, True)
        mem.this.disown()   # the index owns it now

    # -- reads -----------------------------------------------------------------------------------
    def __len__(self) -> int:
        return int(self.keys.shape[0])

    @property
    def tombstones(self) -> int:
        return len(self._dead)

    def search(self, query: np.ndarray, k: int = 10) -> list[tuple[int, float]]:
        """The ``k`` nearest live ``(key, score)`` pairs for one query vector, best first."""
        q = self._check(query, "query vector")
        if len(self) == 0:
            return []
        self._set_search_params()
        k = min(int(k), len(self))
        want = k * self.refine if self.refine > 1 else k       # refine: exact re-scoring of more candidates
        depth = want + len(self._dead) if len(self._dead) < 64 else 2 * want
        faiss = _faiss()
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)  # one query: OpenMP fan-out only adds spin-wait latency
        try:
            while True:
                depth = min(depth, self._index.ntotal)
                scores, ids = self._index.search(q, depth)
                hits = [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0 and int(i) not in self._dead]
                if len(hits) >= want or depth >= self._index.ntotal:
                    return self._rescore(q[0], hits[:want], k) if self.refine > 1 else hits[:k]
                depth *= 2
        finally:
            faiss.omp_set_num_threads(threads)

    def _rescore(self, q: np.ndarray, hits: list[tuple[int, float]], k: int) -> list[tuple[int, float]]:
        """Exact inner products of the candidates, from the stored (possibly memory-mapped) vectors."""
        if not hits:
            return hits
        keys = np.fromiter((h[0] for h in hits), dtype=np.int64, count=len(hits))
        if self._keys_sorted is None:
            self._keys_sorted = bool(self.keys.size < 2 or np.all(self.keys[1:] > self.keys[:-1]))
        if self._keys_sorted:
            rows = np.searchsorted(self.keys, keys)
        else:
            if self._row_of is None:
                self._row_of = {int(key): i for i, key in enumerate(self.keys)}
            rows = np.array([self._row_of[int(key)] for key in keys])
        order = np.argsort(rows)                  # read the memory-mapped rows in file order
        scores = np.empty(len(rows), dtype=np.float32)
        scores[order] = np.asarray(self.vectors[rows[order]], dtype=np.float32) @ q
        best = np.argsort(-scores, kind="stable")[:k]
        return [(int(keys[i]), float(scores[i])) for i in best]

    # -- persistence -----------------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        faiss = _faiss()
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / "keys.npy", self.keys)
        np.save(folder / "vectors.npy", self.vectors)
        np.save(folder / "tombstones.npy", np.asarray(sorted(self._dead), dtype=np.int64))
        on_disk = self.on_disk and self._ivf is not None
        if on_disk:
            self._write_on_disk(folder)
        elif self.factory != "Flat":  # Flat rebuilds from vectors.npy in milliseconds
            faiss.write_index(self._index, str(folder / "dense.faiss"))
        (folder / "dense.json").write_text(json.dumps({"factory": self.factory, "dim": self.dim, "vectors": len(self),
                                                       "on_disk": on_disk}))

    def _write_on_disk(self, folder: Path) -> None:
        """``dense.faiss`` whose inverted lists live in ``invlists.ivfdata`` beside it."""
        faiss = _faiss()
        ivf = self._ivf
        ondisk = faiss.OnDiskInvertedLists(ivf.nlist, ivf.code_size, str(folder / "invlists.ivfdata"))
        sources = faiss.InvertedListsPtrVector()
        sources.push_back(ivf.invlists)
        with _faiss_chatter_to_stderr():
            ondisk.merge_from_multiple(sources.data(), sources.size())
        current, owned = ivf.invlists, ivf.own_invlists
        ivf.own_invlists = False          # swap the lists in only while writing; the live index keeps its own
        ivf.replace_invlists(ondisk, False)
        try:
            faiss.write_index(self._index, str(folder / "dense.faiss"))
        finally:
            ivf.replace_invlists(current, owned)

    @classmethod
    def load(cls, folder: Path, factory: str | None = None, **kwargs) -> "DenseIndex":
        """Load a saved index; a different ``factory`` rebuilds from the saved vectors."""
        faiss = _faiss()
        meta = json.loads((folder / "dense.json").read_text())
        want = factory or meta["factory"]
        idx = cls(meta["dim"], want, **kwargs)
        saved_on_disk = bool(meta.get("on_disk"))
        idx.keys = np.load(folder / "keys.npy")
        idx.vectors = np.load(folder / "vectors.npy", mmap_mode="r" if saved_on_disk and idx.on_disk else None)
        if want == meta["factory"] and (folder / "dense.faiss").exists():
            flags = faiss.IO_FLAG_ONDISK_SAME_DIR if saved_on_disk else 0
            with _faiss_chatter_to_stderr() if saved_on_disk else contextlib.nullcontext():
                idx._index = faiss.read_index(str(folder / "dense.faiss"), flags)
            idx._ivf = faiss.try_extract_index_ivf(idx._index) if hasattr(faiss, "try_extract_index_ivf") else None
            idx._dead = {int(k) for k in np.load(folder / "tombstones.npy")}
            if saved_on_disk and not idx.on_disk:
                idx._materialize()
        else:
            idx.rebuild()
        return idx
