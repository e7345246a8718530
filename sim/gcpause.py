"""The cyclic garbage collector paused while one replication runs.

A replication allocates hundreds of thousands of small objects (a citizen,
a scheduled wake-up and a visit record per step) that live until the day
ends. With the collector on, every 700 allocations start a generation-0
pass and every so often a full pass over everything alive, which costs
about a tenth of a replication on workload W and repeats work whose answer
is known (nothing of the day is garbage before the day ends). Reference
counting still frees what it can; the cycles a day leaves (the model and
its callbacks) are collected by the next automatic pass after the pause.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def gc_paused():
    """Pause the cyclic collector inside the block (restored as it was, even on error; nests)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
