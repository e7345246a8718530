"""Staff days: the individual staff members a roster puts to work.

Each roster entry ``{staff_type, shift, station, count}`` becomes ``count``
individuals with ids such as ``police-STD-counter-01``. A staff member works
the on-duty periods of the shift pattern (the gaps are breaks) at one
station, and can do the steps at that station whose skill they hold, with a
speed factor per skill (work time multiplier).

Attendance (per staff type, drawn per staff member and day from the
``absence``, ``lateness`` and ``short_absence`` streams): absent all day with
the absence probability; late at the start of the first period by an
exponential number of minutes with the lateness probability; short absences
from post, a Poisson number at times uniform over the on-duty minutes, each
with a sampled duration (a busy staff member leaves after the citizen in hand).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .scenario import Scenario


@dataclass(frozen=True)
class StaffDay:
    """One staff member's day."""

    staff_id: str
    staff_type: str
    station: str
    shift: str
    skills: tuple[str, ...]            # skills usable at the station, in the order listed
    speed: tuple[float, ...]           # speed factor per skill, same order
    periods_min: tuple[tuple[float, float], ...]
    cost_per_hour: float
    overtime_factor: float
    window_group: str | None = None
    absent: bool = False
    late_min: float = 0.0
    short_absences: tuple[tuple[float, float], ...] = ()   # (start_min, duration_min)

    @property
    def scheduled_min(self) -> float:
        return sum(b - a for a, b in self.periods_min)


def _attendance(day: StaffDay, attendance, rngs) -> StaffDay:
    """The day with absence, lateness and short absences drawn."""
    changes = {}
    if attendance.absence_probability > 0 and rngs["absence"].random() < attendance.absence_probability:
        return replace(day, absent=True)
    if attendance.lateness is not None and rngs["lateness"].random() < attendance.lateness.probability:
        changes["late_min"] = float(rngs["lateness"].exponential(attendance.lateness.mean_min))
    if attendance.short_absences is not None and day.periods_min:
        n = rngs["short_absence"].poisson(attendance.short_absences.per_day)
        if n:
            lengths = np.array([b - a for a, b in day.periods_min])
            offsets = np.sort(rngs["short_absence"].random(n)) * lengths.sum()
            durations = attendance.short_absences.duration.sample(rngs["short_absence"], n)
            cum = np.concatenate([[0.0], np.cumsum(lengths)])
            k = np.searchsorted(cum, offsets, side="right") - 1
            starts = np.array([a for a, _ in day.periods_min])[k] + offsets - cum[k]
            changes["short_absences"] = tuple(zip(starts.tolist(), durations.tolist()))
    return replace(day, **changes) if changes else day


def staff_days(scenario: Scenario, rngs: dict | None = None) -> list[StaffDay]:
    """Every rostered staff member of a scenario, in roster order.

    With ``rngs`` (the replication's named streams) attendance is drawn;
    without, everyone comes on time and stays at post.
    """
    used = {(st.station, st.skill or code) for code, svc in scenario.services.items() for st in svc.steps}
    days = []
    for entry in scenario.roster:
        stype = scenario.staff_types[entry.staff_type]
        skills = tuple(k for k in stype.skills if (entry.station, k) in used)
        periods = tuple(scenario.shift_patterns[entry.shift].work_periods_min())
        for n in range(entry.count):
            days.append(StaffDay(
                staff_id=f"{entry.staff_type}-{entry.shift}-{entry.station}-{n + 1:02d}",
                staff_type=entry.staff_type, station=entry.station, shift=entry.shift,
                skills=skills, speed=tuple(stype.skills[k] for k in skills), periods_min=periods,
                cost_per_hour=stype.cost_per_hour, overtime_factor=stype.overtime_factor,
                window_group=entry.window_group,
            ))
    ids = [d.staff_id for d in days]
    if len(set(ids)) != len(ids):  # the same type/shift/station twice in the roster
        seen: dict[str, int] = {}
        for i, d in enumerate(days):
            seen[d.staff_id] = seen.get(d.staff_id, 0) + 1
            if seen[d.staff_id] > 1:
                days[i] = replace(d, staff_id=f"{d.staff_id}-{seen[d.staff_id]}")
    if rngs is not None:
        days = [_attendance(d, scenario.staff_types[d.staff_type].attendance, rngs) for d in days]
    return days
