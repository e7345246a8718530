"""The requirements and the shift patterns of every day of the horizon.

Each open day is its own one-day scenario (:mod:`sim.week_days`): its hours,
volume factors, windows and targets. Its requirements per planning period,
station and skill come from the one-day machinery,
:func:`optimise.requirements.compute_requirements` (method of
``staff_list.plan.requirements``; ``transient`` by default), and its shift
patterns from the ``optimise:`` templates that fit its hours
(:func:`optimise.settings.generate_patterns`). ``min_staff_only`` skips the
demand: only the days' fixed ``min_staff`` count (a textbook cover problem).
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from sim.optimise_settings import OptimiseSettings
from sim.scenario import Scenario
from sim.week_days import WeekDay, week_days

from ..requirements import Requirements, compute_requirements
from ..settings import PatternOption, generate_patterns


@dataclass
class DayPlan:
    """What the roster must cover on one day, and the shifts it may use."""

    day: WeekDay
    settings: OptimiseSettings | None
    patterns: list[PatternOption] = field(default_factory=list)
    req: Requirements | None = None
    min_staff: dict[str, int] = field(default_factory=dict)

    @property
    def code(self) -> str:
        return self.day.code

    @property
    def scenario(self) -> Scenario | None:
        return self.day.scenario


def _plan(task) -> DayPlan:
    wd, method = task
    if wd.closed:
        return DayPlan(wd, None)
    day = wd.scenario
    settings = day.optimise
    req = None if method == "min_staff_only" else compute_requirements(day, method, settings.grid_min)
    return DayPlan(wd, settings, generate_patterns(day, settings), req, dict(wd.day.min_staff))


def day_plans(scenario: Scenario, method: str | None = None, workers: int = 1) -> list[DayPlan]:
    """One :class:`DayPlan` per day of the horizon (closed days have no patterns and no requirement).

    ``workers > 1`` computes the days' requirements in a process pool (the same numbers in any case).
    """
    method = method or (scenario.staff_list.plan.requirements if scenario.staff_list else "transient")
    tasks = [(wd, method) for wd in week_days(scenario)]
    busy = sum(1 for wd, _ in tasks if not wd.closed)
    workers = (os.cpu_count() or 1) if workers == 0 else workers
    if workers <= 1 or busy <= 1 or method == "min_staff_only":
        return [_plan(t) for t in tasks]
    with ProcessPoolExecutor(max_workers=min(workers, busy)) as pool:
        return list(pool.map(_plan, tasks))
