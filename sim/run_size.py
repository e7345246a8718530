"""The size of a run: a day's expected citizens, and whether a run is too big to start without ``--force``.

A day brings its walk-ins (daily volume x the multipliers) and the
appointment places that are booked and kept (slots x capacity x booked
share x (1 - no-show)). A run simulates that many citizens per replication;
above :data:`sim.bounds.MAX_RUN_CITIZENS` it is refused unless the planner
insists.
"""

from __future__ import annotations

from .arrivals import appointment_slot_starts
from .bounds import MAX_RUN_CITIZENS
from .scenario import Scenario


def expected_citizens(s: Scenario) -> float:
    """Expected citizens of one day: walk-ins (volume x multipliers) plus appointment places that come."""
    walk_ins = s.arrivals.daily_volume * s.arrivals.volume_factor
    booked = 0.0
    a = s.appointments
    if a is not None:
        slots = len(appointment_slot_starts(s))
        booked = slots * sum(a.capacity_per_slot.values()) * a.booked_share * (1 - a.no_show)
    return walk_ins + booked


def run_size_problem(s: Scenario, replications: int, limit: float = MAX_RUN_CITIZENS) -> str | None:
    """Why a run of ``replications`` days is too big to start without ``--force``, or None."""
    per_day = expected_citizens(s)
    total = per_day * replications
    if total <= limit:
        return None
    return (f"this run would simulate about {total:,.0f} citizens ({per_day:,.0f} a day x {replications} "
            f"replications), more than the limit of {limit:,.0f}; check the volume and multipliers, "
            "or add --force to run it anyway")
