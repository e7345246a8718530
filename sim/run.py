"""One replication: sample the day, simulate it, return its event log."""

from __future__ import annotations

from .arrivals import sample_citizens
from .conditioned import walk_ins_given_count
from .eventlog import EventLog
from .gcpause import gc_paused
from .model import HallModel
from .scenario import Scenario
from .staff import staff_days
from .streams import make_rngs


def run_replication(scenario: Scenario, replication: int, seed: int | None = None,
                    walk_ins: int | None = None) -> EventLog:
    """Simulate replication ``replication`` of ``scenario`` and return the event log.

    ``walk_ins``: replay a day with exactly this many ticketed walk-ins
    (:func:`sim.conditioned.walk_ins_given_count`) instead of a Poisson number.

    The random numbers depend only on ``(seed, replication)`` (the scenario's
    seed when ``seed`` is None), never on which process runs it.

    Examples
    --------
    >>> from pathlib import Path
    >>> from sim.loading import load_scenario
    >>> s = load_scenario(Path(__file__).parents[1] / "scenarios" / "county_hall.yaml")
    >>> log = run_replication(s, replication=0, seed=1)
    >>> sum(log.counts().values()) == len(log)
    True
    """
    seed = scenario.experiment.seed if seed is None else seed
    rngs = make_rngs(seed, replication)
    with gc_paused():
        walk_in_min = None if walk_ins is None else walk_ins_given_count(scenario, rngs, walk_ins)
        citizens = sample_citizens(scenario, rngs, walk_in_min)
        log = HallModel(scenario, citizens, staff_days(scenario, rngs)).run()
    log.replication = replication
    return log
