"""Pausing Python's cyclic garbage collector through one long batch job.

Ingesting a long document makes millions of small objects (tokens, anchors, lattice rows,
beads) that mostly live until the document is stored. Their allocation keeps starting the
cyclic collector, which walks them again and again and finds almost nothing to free: the
aligner builds no cycles to speak of. At 8 MB of bilingual text the collector took 2.4 s of
35 s of CPU time, and the peak memory was the same without it (``bench_ingest.py``).
Extracting terms from a large TM is the same kind of job (candidates, their sets and
counters: the collector took a tenth of the time at 100,000 units). Reference counting still
frees every object as soon as it is unused; only objects in cycles wait until the pause
ends, when the collector runs as before.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["paused_gc"]


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Run the body with the cyclic collector off; it is on again afterwards (if it was on
    before), whether the body ends or raises.

    >>> with paused_gc():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
