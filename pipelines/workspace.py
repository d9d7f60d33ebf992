"""The workspace: graph, extractor, ranker and literature index, loaded once and reused.

A CLI command opens one for a single call; ``medkg serve`` opens one at start-up and
answers every request from it. Each part loads lazily on first use (thread-safe), so
``medkg search`` never pays for the graph and ``medkg extract`` never for the ranker.

>>> ws = Workspace(load_settings(home="/tmp/medkg-doc-empty"))
>>> ws.settings.model.ranker
'auto'
"""

from __future__ import annotations

import logging
import threading
import time
from functools import cached_property
from typing import Callable

import networkx as nx

from pipelines.config import Settings, load_settings

__all__ = ["Workspace", "VersionWatcher"]

log = logging.getLogger(__name__)


class Workspace:
    """Lazily loaded, shared state for one MEDKG_HOME."""

    def __init__(self, settings: Settings, ranker: str | None = None):
        self.settings = settings
        self.ranker_name = ranker or settings.model.ranker
        self._lock = threading.RLock()
        self.load_ms: dict[str, float] = {}

    @classmethod
    def open(cls, home=None, config_file=None, ranker: str | None = None) -> "Workspace":
        return cls(load_settings(home=home, config_file=config_file), ranker=ranker)

    def _timed(self, name: str, fn):
        t0 = time.perf_counter()
        value = fn()
        self.load_ms[name] = round((time.perf_counter() - t0) * 1000, 1)
        return value

    @cached_property
    def graph(self) -> nx.MultiDiGraph:
        from kg.view import load_view

        with self._lock:
            return self._timed("graph", lambda: load_view(self.settings.home))

    @cached_property
    def concept_index(self):
        from kg.lookup import ConceptIndex

        with self._lock:
            return self._timed("concept_index", lambda: ConceptIndex(self.graph))

    @cached_property
    def extractor(self):
        from kg.extract import build_extractor
        from kg.extract.abbreviations import load_abbreviations
        from kg.extract.matcher import terms_key
        from kg.terms import terms_from_graph

        with self._lock:
            G = self.graph
            terms = terms_from_graph(G)
            key = terms_key(terms, load_abbreviations())
            previous = self.__dict__.pop("_previous_extractor", None)
            if previous is not None and previous[0] == key:
                # a successor whose graph has the very same concept names (a guideline adds
                # edges, not names): the predecessor's extractor is reused, not loaded again
                self._extractor_key = key
                self.load_ms["extractor"] = 0.0
                return previous[1]
            cache = self.settings.home.graph / "extractor"
            # the note limit was checked up front in bytes ([input] max_note_bytes), which bound characters
            limit = self.settings.input.max_note_bytes
            extractor = self._timed("extractor", lambda: build_extractor(terms, cache_dir=cache, max_chars=limit))
            self._extractor_key = key
            return extractor

    @cached_property
    def ranker(self):
        from model.ranker import load_ranker

        with self._lock:
            G = self.graph
            cache = self.settings.home.graph / "annotations"
            return self._timed("ranker", lambda: load_ranker(G, self.settings.home.models, self.ranker_name,
                                                             candidates=self.settings.model.candidates,
                                                             cache_dir=cache))

    @cached_property
    def literature(self):
        """The literature index, or None when none has been built in this home."""
        from retrieval import LiteratureIndex

        with self._lock:
            folder = self.settings.home.literature
            return self._timed("literature", lambda: LiteratureIndex.open(folder, self.settings.retrieval))

    # parts a graph write (guideline apply, rollback) cannot change: a successor shares them
    SHARED_ACROSS_GRAPH_VERSIONS = ("literature",)

    def successor(self) -> "Workspace":
        """A new, unloaded workspace for the graph version now current in the store.

        Used after a write: the caller loads it (``warm()``), swaps it in and drops every reference
        to ``self``, whose graph view, concept index, extractor and ranker are then freed as soon as
        the requests still using them finish (nothing else refers to them: module-level caches
        of graphs are weak, see ``tests/pipelines/test_workspace_swap.py``);
        :func:`pipelines.memory.release_memory` then returns their pages to the kernel. The
        literature index does not depend on the graph and is shared, not reloaded; the
        extractor is reused when the new graph's concept names are the same (a guideline adds
        edges), which saves loading a second spaCy pipeline and matcher on every write.
        """
        new = Workspace(self.settings, ranker=self.ranker_name)
        for name in self.SHARED_ACROSS_GRAPH_VERSIONS:
            if name in self.__dict__:
                new.__dict__[name] = self.__dict__[name]
        if "extractor" in self.__dict__ and getattr(self, "_extractor_key", None):
            # offered, not shared: the successor takes it only if its concept names are the same
            new.__dict__["_previous_extractor"] = (self._extractor_key, self.__dict__["extractor"])
        return new

    def warm(self, literature: bool = True) -> "Workspace":
        """Load every part now (the server does this at start-up)."""
        _ = self.graph, self.concept_index, self.extractor, self.ranker
        if literature:
            _ = self.literature
        return self


class VersionWatcher:
    """Polls a store's graph version and calls ``on_change(version)`` when it differs from ``serving()``.

    A server whose graph lives on a SPARQL endpoint (``[graph] store``) is not told when another
    process (a second ``medkg serve``, a ``medkg update``) changes the graph. This watcher asks
    the endpoint every ``interval`` seconds for the version with one small query (the active
    graphs' names and content hashes, :meth:`kg.remote_store.RemoteStore.active_version`); when it
    differs from the version being served, it calls ``on_change`` on its own (background) thread.
    The server passes its single swap function (load the new workspace, then swap it in; requests
    in flight keep the old one), so a change is served within about ``interval`` plus the reload time.
    A failed poll is logged and retried at the next interval; the old view keeps serving.

    >>> w = VersionWatcher(lambda: "v1", lambda: "v1", lambda v: None, interval=60)
    >>> w.check_once()
    False
    """

    def __init__(self, probe: Callable[[], str], serving: Callable[[], str], on_change: Callable[[str], None],
                 interval: float = 5.0):
        self.probe, self.serving, self.on_change = probe, serving, on_change
        self.interval = float(interval)
        self.polls = 0
        self.reloads = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def for_store(cls, ref, serving: Callable[[], str], on_change: Callable[[str], None],
                  interval: float = 5.0) -> "VersionWatcher":
        """A watcher that probes the SPARQL endpoint of ``ref`` (a :class:`kg.store.StoreRef`)."""
        from kg.remote_store import RemoteStore

        store = RemoteStore(ref.endpoint, read_only=True, check=False, timeout=max(2.0, min(30.0, 2 * interval)))
        watcher = cls(lambda: store.active_version().hash, serving, on_change, interval)
        watcher._close = store.close
        return watcher

    def check_once(self) -> bool:
        """Poll now; True when the version changed (and ``on_change`` ran)."""
        self.polls += 1
        version = self.probe()
        if version and version != self.serving():
            log.info("graph version changed to %s on the store; reloading", version)
            self.on_change(version)
            self.reloads += 1
            return True
        return False

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.check_once()
            except Exception as err:  # noqa: BLE001 - a poll must never kill the server; retried next time
                log.warning("graph version poll failed (%s: %s); still serving %s", type(err).__name__, err,
                            self.serving())

    def start(self) -> "VersionWatcher":
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="medkg-version-watch", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.interval + 5)
            self._thread = None
        close = getattr(self, "_close", None)
        if close is not None:
            close()
