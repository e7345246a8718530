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
from sim.week_days import WeekDay
from sim.week_scenarios import week_days

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


def _requirements(task) -> Requirements | None:
    day, method = task
    return None if method == "min_staff_only" else compute_requirements(day, method, day.optimise.grid_min)


def demand_key(day: Scenario) -> str:
    """What a day's requirements depend on: its whole one-day scenario except its name (days with the same
    factors, hours and windows, e.g. Tuesday and Thursday at 0.95, share one computation)."""
    return day.model_copy(update={"name": "day"}).model_dump_json()


def day_plans(scenario: Scenario, method: str | None = None, workers: int = 1) -> list[DayPlan]:
    """One :class:`DayPlan` per day of the horizon (closed days have no patterns and no requirement).

    The requirements are computed once per distinct day (:func:`demand_key`); ``workers > 1`` computes the
    distinct days in a process pool (the same numbers in any case).
    """
    method = method or (scenario.staff_list.plan.requirements if scenario.staff_list else "transient")
    days = week_days(scenario)
    keys = {wd.index: demand_key(wd.scenario) for wd in days if not wd.closed}
    distinct = {}
    for wd in days:
        if not wd.closed:
            distinct.setdefault(keys[wd.index], wd.scenario)
    tasks = [(day, method) for day in distinct.values()]
    workers = (os.cpu_count() or 1) if workers == 0 else workers
    if workers <= 1 or len(tasks) <= 1 or method == "min_staff_only":
        reqs = [_requirements(t) for t in tasks]
    else:
        with ProcessPoolExecutor(max_workers=min(workers, len(tasks))) as pool:
            reqs = list(pool.map(_requirements, tasks))
    by_key = dict(zip(distinct, reqs))
    plans = []
    for wd in days:
        if wd.closed:
            plans.append(DayPlan(wd, None))
            continue
        day = wd.scenario
        plans.append(DayPlan(wd, day.optimise, generate_patterns(day, day.optimise), by_key[keys[wd.index]],
                             dict(wd.day.min_staff)))
    return plans
