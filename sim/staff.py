"""Staff days: the individual staff members a roster puts to work.

Each roster entry ``{staff_type, shift, station, count}`` becomes ``count``
individuals with ids such as ``police-STD-counter-01``. A staff member works
the on-duty periods of the shift pattern (the gaps are breaks) at one
station, and can do the steps at that station whose skill they hold, with a
speed factor per skill (work time multiplier).
"""

from __future__ import annotations

from dataclasses import dataclass

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


def staff_days(scenario: Scenario) -> list[StaffDay]:
    """Every rostered staff member of a scenario, in roster order."""
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
            ))
    ids = [d.staff_id for d in days]
    if len(set(ids)) != len(ids):  # the same type/shift/station twice in the roster
        seen: dict[str, int] = {}
        for i, d in enumerate(days):
            seen[d.staff_id] = seen.get(d.staff_id, 0) + 1
            if seen[d.staff_id] > 1:
                days[i] = StaffDay(**{**d.__dict__, "staff_id": f"{d.staff_id}-{seen[d.staff_id]}"})
    return days
