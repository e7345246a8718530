"""Named random streams: one ``numpy.random.Generator`` per source of randomness.

Each stream is derived from ``SeedSequence(seed, spawn_key=(replication,
stream_id))``. Streams are looked up by name; ids are append-only and never
renumbered, so adding a new source of randomness leaves every existing
stream, and therefore every existing result, unchanged. There is no global
random state anywhere in the project.
"""

from __future__ import annotations

import numpy as np

# Append-only: never renumber or reuse an id.
STREAM_IDS: dict[str, int] = {
    "arrivals": 0,       # candidate arrival times of the walk-in process
    "thinning": 1,       # acceptance of candidates (rate looked up at each candidate)
    "service_type": 2,   # business of each citizen
    "class": 3,          # priority class of each citizen
    "route": 4,          # which optional steps a citizen needs
    "work": 5,           # work minutes per step
    "patience": 6,       # patience before leaving the queue
    "absence": 7,        # whole-day staff absence
    "lateness": 8,       # late shift starts
    "volume": 9,         # day-to-day volume factor
    "batch": 10,         # citizens already queueing at opening
    "appointments": 11,  # which slots are booked, and no-shows
    "punctuality": 12,   # appointment arrival relative to the slot
    "short_absence": 13, # short absences of staff from post
    "balking": 14,       # leaving at once on seeing a long queue
}


def stream(seed: int, replication: int, name: str) -> np.random.Generator:
    """The generator of stream ``name`` for ``(seed, replication)``.

    Examples
    --------
    >>> a = stream(1, 0, "work").random()
    >>> b = stream(1, 0, "work").random()
    >>> a == b
    True
    """
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(replication, STREAM_IDS[name])))


def make_rngs(seed: int, replication: int) -> dict[str, np.random.Generator]:
    """All named streams of one replication."""
    return {name: stream(seed, replication, name) for name in STREAM_IDS}
