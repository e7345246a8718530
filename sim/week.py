"""The week simulated: each open day with the people actually rostered on it.

Input is plain data (one :class:`Duty` per person and day: shift times,
station and window group), so the simulator knows nothing of the optimiser. Each day is its
one-day scenario (:mod:`sim.week_days`); its staff are the rostered people
with their own skills and speeds (those usable at their station, in the order
the person's skills are listed). Replication ``r`` of day ``d``:

* citizens from the named streams of :func:`sim.streams.make_rngs` with the
  day's own seed (derived from ``SeedSequence(seed, spawn_key=(DAY_KEY, d))``),
  so days differ and every day is reproducible on its own;
* attendance per person and day: whole-day absence, lateness and short
  absences of the person's staff type, drawn from
  ``SeedSequence(seed, spawn_key=(r, PERSON_STREAMS[name], d, person index))``:
  a person's attendance depends only on (seed, replication, day, person),
  not on who else is rostered, nor on the worker that runs it.

Tasks (day, replication) are spread over a process pool and put back in
order, so the numbers are the same for any number of workers. Every day's
result is an :class:`sim.experiment.ExperimentResult`: its summaries give the
KPIs per interval with confidence intervals and the targets judged that day.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from .accumulate import Accumulator
from .arrivals import sample_citizens
from .experiment import ExperimentResult
from .metrics import replication_tables
from .model import HallModel
from .clock import format_clock
from .scenario import Scenario, ShiftPattern
from .staff import StaffDay, _attendance
from .staff_list_checks import person_skills
from .streams import make_rngs
from .week_scenarios import week_days

DAY_KEY = 1000                   # spawn-key prefix of the day seeds
PERSON_STREAMS = {"absence": 1001, "lateness": 1002, "short_absence": 1003}   # append-only


@dataclass(frozen=True)
class Duty:
    """One person's shift on one day: times, breaks and station."""

    person_id: str
    day_index: int
    station: str
    shift: str
    start_min: float
    end_min: float
    breaks: tuple[tuple[float, float], ...] = ()
    window_group: str | None = None     # seated in this window group of the station (e.g. the green channel)

    def work_periods_min(self) -> tuple[tuple[float, float], ...]:
        periods, t = [], self.start_min
        for a, b in sorted(self.breaks):
            if a > t:
                periods.append((t, a))
            t = max(t, b)
        if self.end_min > t:
            periods.append((t, self.end_min))
        return tuple(periods)


def day_seed(seed: int, day_index: int) -> int:
    """The seed of day ``day_index``'s citizens (a 63-bit integer derived from ``seed``)."""
    state = np.random.SeedSequence(seed, spawn_key=(DAY_KEY, day_index)).generate_state(2, dtype=np.uint32)
    return int((int(state[0]) << 31) ^ int(state[1])) & (2**63 - 1)


def person_rngs(seed: int, replication: int, day_index: int, person_index: int) -> dict[str, np.random.Generator]:
    """The attendance streams of one person on one day of one replication."""
    return {name: np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(replication, sid, day_index,
                                                                                  person_index)))
            for name, sid in PERSON_STREAMS.items()}


def planned_staff(day: Scenario, people: list, duties: list[Duty]) -> list[tuple[StaffDay, int]]:
    """The day's staff (no attendance drawn) with each one's person index."""
    index = {p.id: i for i, p in enumerate(people)}
    used = {(st.station, st.skill or code) for code, svc in day.services.items() for st in svc.steps}
    out = []
    for duty in duties:
        i = index[duty.person_id]
        person = people[i]
        skills = person_skills(day, person)
        usable = tuple(k for k in skills if (duty.station, k) in used)
        stype = day.staff_types[person.staff_type]
        out.append((StaffDay(staff_id=person.id, staff_type=person.staff_type, station=duty.station, shift=duty.shift,
                             skills=usable, speed=tuple(skills[k] for k in usable),
                             periods_min=duty.work_periods_min(), cost_per_hour=stype.cost_per_hour,
                             overtime_factor=stype.overtime_factor, window_group=duty.window_group), i))
    return out


def _day_rep(task) -> tuple[int, int, dict, tuple]:
    day, people_attendance, staff, day_index, rep, seed = task
    citizens = sample_citizens(day, make_rngs(day_seed(seed, day_index), rep))
    staff_days = [_attendance(sd, people_attendance[i], person_rngs(seed, rep, day_index, i)) for sd, i in staff]
    log = HallModel(day, citizens, staff_days).run()
    log.replication = rep
    tables, hist = replication_tables(log, day)
    return day_index, rep, tables, hist


@dataclass
class WeekResult:
    """Per open day: its one-day scenario's experiment with the rostered people."""

    days: dict[int, ExperimentResult]
    codes: dict[int, str]
    seed: int
    replications: int
    wall_time_s: float


def simulate_week(scenario: Scenario, duties: list[Duty], replications: int, seed: int,
                  workers: int = 1) -> WeekResult:
    """Simulate every open day of the horizon with the people of ``duties`` (see the module docstring)."""
    started = time.perf_counter()
    people = scenario.staff_list.people
    attendance = [scenario.staff_types[p.staff_type].attendance for p in people]
    tasks, days, codes = [], {}, {}
    for wd in week_days(scenario):
        if wd.closed:
            continue
        mine = [d for d in duties if d.day_index == wd.index]
        # the day's scenario knows the shifts worked that day (the staff tables read their paid hours)
        patterns = {d.shift: ShiftPattern.model_validate(
            {"start": format_clock(d.start_min), "end": format_clock(d.end_min), "outside_opening_hours": True,
             "breaks": [{"start": format_clock(a), "end": format_clock(b)} for a, b in d.breaks]}) for d in mine}
        day = wd.scenario.model_copy(update={"shift_patterns": {**wd.scenario.shift_patterns, **patterns}})
        days[wd.index], codes[wd.index] = day, wd.code
        staff = planned_staff(day, people, mine)
        tasks += [(day, attendance, staff, wd.index, rep, seed) for rep in range(replications)]
    stores = {d: Accumulator(replications) for d in days}
    workers = (os.cpu_count() or 1) if workers == 0 else workers
    if workers <= 1 or len(tasks) <= 1:
        results = map(_day_rep, tasks)
        for d, rep, tables, hist in results:
            stores[d].add(rep, tables, hist)
    else:
        with ProcessPoolExecutor(max_workers=min(workers, len(tasks))) as pool:
            for d, rep, tables, hist in pool.map(_day_rep, tasks, chunksize=max(1, len(tasks) // (4 * workers))):
                stores[d].add(rep, tables, hist)
    out = {d: ExperimentResult(days[d], day_seed(seed, d), replications, stores[d]) for d in days}
    return WeekResult(out, codes, seed, replications, time.perf_counter() - started)
