"""Encode the queries of concurrent searches together: one encoder call per batch.

A sentence encoder on one CPU thread costs about as much for one short query as for a few
(measured with MiniLM, one torch thread: 18 ms for 1 query, 35 ms for 3, 71 ms for 8), and
``medkg serve`` runs several literature searches at once (three per diagnosis, several
diagnoses in flight). :class:`EncodeBatcher` is the single worker thread that the hybrid
search already used for its dense half, now taking every query that is waiting when it
becomes free and encoding them in one call. A lone query is encoded at once, so a quiet
server sees no extra latency.

>>> from retrieval.encoder import load_encoder
>>> batcher = EncodeBatcher(load_encoder("hashing-64"))
>>> batcher.submit("fever and cough").result().shape
(64,)
>>> batcher.close()
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future

import numpy as np

__all__ = ["EncodeBatcher"]


class EncodeBatcher:
    """One daemon thread that encodes queued texts in batches of at most ``max_batch``."""

    def __init__(self, encoder, max_batch: int = 16, name: str = "medkg-dense"):
        if max_batch < 1:
            raise ValueError(f"max_batch must be at least 1, not {max_batch}")
        self.encoder = encoder
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, text: str) -> "Future[np.ndarray]":
        """A future of the text's vector (the encoder's output row)."""
        if self._closed:
            raise RuntimeError("the encode batcher is closed")
        future: Future = Future()
        self._queue.put((text, future))
        return future

    def close(self, wait: bool = True) -> None:
        """Stop the worker after the queued texts are encoded."""
        if not self._closed:
            self._closed = True
            self._queue.put(None)
        if wait and self._thread is not threading.current_thread():
            self._thread.join()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            batch = [item]
            stop = False
            while len(batch) < self.max_batch:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                batch.append(nxt)
            live = [(text, fut) for text, fut in batch if fut.set_running_or_notify_cancel()]
            if live:
                try:
                    vectors = self.encoder.encode([text for text, _ in live])
                except BaseException as err:  # noqa: BLE001 - handed to every waiting caller
                    for _, fut in live:
                        fut.set_exception(err)
                else:
                    for (_, fut), vector in zip(live, vectors):
                        fut.set_result(vector)
            if stop:
                return
