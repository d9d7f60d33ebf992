"""Hand memory back to the operating system after a large free (the server's workspace swap).

After a guideline write, ``medkg serve`` loads a new graph view, ranker and extractor and drops
the old ones (see :meth:`pipelines.workspace.Workspace.successor`). CPython frees the old
objects, but glibc keeps the freed heap pages mapped inside the process: the pages of a
multi-gigabyte view are scattered over the malloc arenas of the server's request threads, and
a later allocation does not always fit into them, so the resident size climbs with every swap.
:func:`tune_malloc` (called once, when the server starts) keeps large blocks out of the heap
and the arenas few; :func:`release_memory` runs a full garbage collection (reference cycles
inside the old objects) and then ``malloc_trim(0)``, which returns the free pages of every
arena to the kernel; :func:`release_when_freed` runs it again once the requests that still held
the old objects have finished.

>>> stats = release_memory()
>>> stats.collected >= 0 and stats.trimmed in (True, False)
True
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["ReleaseStats", "release_memory", "release_memory_later", "release_when_freed", "tune_malloc"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReleaseStats:
    collected: int      # objects the garbage collector found unreachable
    trimmed: bool       # True when malloc_trim returned memory to the kernel (False: nothing to give, or not glibc)


@lru_cache(maxsize=1)
def _libc():
    """glibc, or None where there is none (macOS, musl): trimming is then skipped."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        libc.malloc_trim.restype = ctypes.c_int
        return libc
    except (OSError, AttributeError):
        return None


M_MMAP_THRESHOLD = -3       # mallopt parameters, from glibc's malloc.h
M_ARENA_MAX = -8


def tune_malloc(arena_max: int = 2, mmap_threshold: int = 128 * 1024) -> bool:
    """Make glibc give large freed blocks straight back, for a long-running server (call it early).

    ``mmap_threshold``: blocks at least this big get their own mapping, unmapped on free. glibc
    starts at 128 KiB but raises the threshold (up to 32 MiB) each time such a block is freed, so
    after the first swap the arrays of the next graph view, annotation table and model land in
    the heap, where they fragment it; setting the value fixes it. ``arena_max``: fewer malloc
    arenas for the request threads, so freed memory is reused instead of spread over many heaps.
    Returns False where this is not glibc (nothing is changed). Equivalent to starting the
    process with ``MALLOC_MMAP_THRESHOLD_=131072 MALLOC_ARENA_MAX=2``.
    """
    libc = _libc()
    if libc is None or not hasattr(libc, "mallopt"):
        return False
    return bool(libc.mallopt(M_MMAP_THRESHOLD, int(mmap_threshold))) and bool(libc.mallopt(M_ARENA_MAX, int(arena_max)))


def release_memory() -> ReleaseStats:
    """Collect garbage, then return the free heap pages of every malloc arena to the kernel."""
    collected = gc.collect()
    libc = _libc()
    trimmed = bool(libc.malloc_trim(0)) if libc is not None else False
    return ReleaseStats(collected, trimmed)


def release_memory_later(delay_s: float = 5.0, retired: Sequence[weakref.ref] = ()) -> threading.Timer:
    """:func:`release_memory` again after ``delay_s`` seconds, in a daemon thread.

    The requests in flight during a swap keep the old objects until they finish; this second
    pass returns their pages too. ``retired`` are weak references to objects that should be
    gone by then (the old graph views): any still alive is logged as a warning, since it means
    something keeps a whole graph in memory.
    """
    def run():
        try:
            release_memory()
            alive = sum(1 for ref in retired if ref() is not None)
            if alive:
                log.warning("%d of %d retired graph views are still referenced %.0f s after the swap; the "
                            "server's memory will grow with each write", alive, len(retired), delay_s)
        except Exception as err:  # noqa: BLE001 - best effort, never fatal
            log.warning("could not release memory after a swap: %s", type(err).__name__)

    timer = threading.Timer(delay_s, run)
    timer.daemon = True
    timer.start()
    return timer


def release_when_freed(obj, delay_s: float = 0.5) -> weakref.finalize:
    """:func:`release_memory` shortly after ``obj`` is garbage (e.g. when the last request still
    using an old graph view finishes), in a daemon thread, so its pages go back at once."""
    finalizer = weakref.finalize(obj, release_memory_later, delay_s)
    finalizer.atexit = False            # nothing to give back when the process ends
    return finalizer
