"""The steady state every measured loop runs in: warmed up, garbage collector paused.

Stdlib only and light: the valgrind child (``_instructions_child``) imports it too,
and its imports are counted.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

WARMUP_N = 20  # iterations of the warm-up run before a measured one


def pause_gc() -> bool:
    """Collect, then stop the collector; returns whether it was enabled. A collection
    inside a measured window would count finalizers of earlier objects."""
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    return enabled


@contextmanager
def gc_paused() -> Iterator[None]:
    """The collector paused (``pause_gc``) for the block, then restored."""
    enabled = pause_gc()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
