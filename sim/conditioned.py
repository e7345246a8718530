"""Walk-ins of one day conditioned on their number: for replaying a logged day.

Model
-----
The walk-ins of a day form a Poisson process (a batch at opening plus a
non-homogeneous process with the profile's piecewise-constant rate, see
:mod:`sim.arrivals`). Given that exactly ``n`` of them got a ticket, they are
``n`` independent draws from the process's intensity restricted to the
times that get a ticket (the order-statistics property of the Poisson
process): each is at opening with probability ``b / (b + (1 - b) F)``
(``b`` the batch share, ``F`` the share of the profile's mass at ticketed
times), else at a time drawn from the profile's density on ticketed times.

Why: a calibration that reruns a logged day with ``daily_volume`` equal to
the day's count lets the count vary again (Poisson) around it; waits are
convex in the load, so that extra variance biases the model's waits and
abandonment upward (Jensen). Conditioning on the count removes it.

Streams: ``batch`` decides batch or profile, ``arrivals`` the times; the
other draws of the day (service type, work, patience...) stay on their own
streams in :func:`sim.arrivals.sample_citizens`.
"""

from __future__ import annotations

import numpy as np

from .arrivals import ticket_times
from .scenario import Scenario


def walk_ins_given_count(scenario: Scenario, rngs: dict[str, np.random.Generator], n: int) -> np.ndarray:
    """Arrival times of ``n`` walk-ins who all get a ticket (see the module docstring)."""
    if n <= 0:
        return np.empty(0)
    slots = sorted(scenario.arrivals.profile, key=lambda s: s.start)
    starts = np.array([s.start for s in slots], dtype=float)
    ends = np.array([s.end for s in slots], dtype=float)
    mass = np.array([s.share for s in slots], dtype=float)
    if mass.sum() <= 0:
        raise ValueError("the arrival profile has no mass")
    mass = mass / mass.sum()
    rng = rngs["arrivals"]

    def draw(k: int) -> np.ndarray:
        slot = rng.choice(len(slots), size=k, p=mass)
        return starts[slot] + rng.random(k) * (ends[slot] - starts[slot])

    probe = draw(4096)  # the share of the profile's mass at ticketed times (Monte Carlo; exact enough to split)
    ticketed_share = float(np.mean(~np.isnan(ticket_times(scenario, probe))))
    if ticketed_share <= 0:
        raise ValueError("no time in the arrival profile gets a ticket")
    b = scenario.arrivals.batch_at_opening_share
    p_batch = b / (b + (1.0 - b) * ticketed_share) if b > 0 else 0.0
    n_batch = int(rngs["batch"].binomial(n, p_batch)) if p_batch > 0 else 0
    times: list[np.ndarray] = []
    need = n - n_batch
    while need > 0:
        t = draw(int(need / ticketed_share) + 16)
        t = t[~np.isnan(ticket_times(scenario, t))][:need]
        times.append(t)
        need -= len(t)
    return np.concatenate([np.full(n_batch, scenario.hours.open_min), *times])
