"""Hand memory back to the operating system after a large free (the server's workspace swap).

After a guideline write, ``medkg serve`` loads a new graph view, ranker and extractor and drops
the old ones (see :meth:`pipelines.workspace.Workspace.successor`). CPython frees the old
objects, but glibc keeps the freed heap pages mapped inside the process: the pages of a
multi-gigabyte view are scattered over the malloc arenas of the server's request threads, and
a later allocation does not always fit into them, so the resident size climbs with every swap.
:func:`release_memory` runs a full garbage collection (reference cycles inside the old objects)
and then ``malloc_trim(0)``, which returns the free pages of every arena to the kernel.

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
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["ReleaseStats", "release_memory", "release_memory_later"]

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


def release_memory() -> ReleaseStats:
    """Collect garbage, then return the free heap pages of every malloc arena to the kernel."""
    collected = gc.collect()
    libc = _libc()
    trimmed = bool(libc.malloc_trim(0)) if libc is not None else False
    return ReleaseStats(collected, trimmed)


def release_memory_later(delay_s: float = 5.0) -> threading.Timer:
    """:func:`release_memory` again after ``delay_s`` seconds, in a daemon thread.

    The requests in flight during a swap keep the old objects until they finish; this second
    pass returns their pages too.
    """
    def run():
        try:
            release_memory()
        except Exception as err:  # noqa: BLE001 - best effort, never fatal
            log.warning("could not release memory after a swap: %s", type(err).__name__)

    timer = threading.Timer(delay_s, run)
    timer.daemon = True
    timer.start()
    return timer
