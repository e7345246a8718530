"""Checks of a staff list against its scenario: people, skills, stations, days, and rules that cannot hold.

Each finding is ``(path, message)`` with the path into the YAML document
(``staff_list.people[3].unavailable``), so the loader names file, line and
field. A rule that cannot hold for a person whatever the roster (at least 40
hours when leave leaves two working days) is an error here, before any
optimisation; what depends on the demand is diagnosed by the roster stage.
"""

from __future__ import annotations

import math

from .horizon import one_day_horizon, sessions_min
from .optimise_checks import skills_needed_at
from .scenario import Scenario

Finding = tuple[tuple, str]


def _demanded(s: Scenario, code: str) -> bool:
    booked = s.appointments is not None and s.appointments.capacity_per_slot.get(code, 0) > 0
    return s.arrivals.mix.get(code, 0.0) > 0 or booked


def _template_hours(t, open_min: float, close_min: float) -> float:
    """Longest paid hours of a shift of template ``t`` inside the hours (0 if none fits)."""
    best = 0.0
    for start in t.start.times_min():
        for length in t.lengths_min():
            if t.outside_opening_hours or (open_min <= start and start + length <= close_min):
                best = max(best, (length - sum(b.length_min for b in t.breaks)) / 60.0)
    return best


def person_skills(s: Scenario, person) -> dict[str, float]:
    """Skill -> speed factor of ``person`` (their own, else their staff type's)."""
    if person.skills is not None:
        return dict(person.skills)
    st = s.staff_types.get(person.staff_type)
    return dict(st.skills) if st is not None else {}


def check_staff_list(s: Scenario) -> list[Finding]:
    sl = s.staff_list
    root = ("staff_list",)
    errors: list[Finding] = []
    if s.optimise is None:
        return [(root, "a staff list needs an optimise: block (its shift templates are the shifts of the roster)")]
    horizon = s.horizon or one_day_horizon()
    days = horizon.days
    codes = [d.day for d in days]
    open_codes = [d.day for d in days if not d.closed]
    calendar_days = horizon.calendar_days() if s.horizon is not None else 1
    weeks = horizon.weeks() if s.horizon is not None else 1.0
    day_hours = {d.day: max((_template_hours(t, *sessions_min(d, s)) for t in s.optimise.shift_templates.values()),
                            default=0.0) for d in days if not d.closed}
    needed_at = skills_needed_at(s)
    all_needed = set().union(*needed_at.values())
    templates = set(s.optimise.shift_templates)
    rules = sl.rules
    seen: set[str] = set()
    for i, p in enumerate(sl.people):
        path = root + ("people", i)
        if p.id in seen:
            errors.append((path + ("id",), f"person id '{p.id}' is used twice"))
        seen.add(p.id)
        if p.staff_type not in s.staff_types:
            errors.append((path + ("staff_type",), f"unknown staff type '{p.staff_type}' "
                                                   f"(staff types: {', '.join(s.staff_types)})"))
            continue
        skills = person_skills(s, p)
        for k in (p.skills or {}):
            if k not in all_needed:
                errors.append((path + ("skills", k), f"skill '{k}' is not needed by any step"))
        for j, st in enumerate(p.stations or []):
            if st not in s.stations:
                errors.append((path + ("stations", j), f"unknown station '{st}' (stations: {', '.join(s.stations)})"))
            elif rules.skills_held.enabled and not needed_at[st] & set(skills):
                errors.append((path + ("stations", j), f"{p.name} holds no skill needed at station '{st}'"))
        for key in ("preferred_shifts", "forbidden_shifts"):
            for j, code in enumerate(getattr(p, key)):
                if code not in templates:
                    errors.append((path + (key, j), f"unknown shift '{code}' (shift templates: {', '.join(templates)})"))
        off = p.absences()
        for j, a in enumerate(p.unavailable):
            code = a if isinstance(a, str) else a.day
            if code not in codes:
                errors.append((path + ("unavailable", j), f"unknown day '{code}' (days of the horizon: {', '.join(codes)})"))
        if p.contract.kind == "part_time" and p.contract.hours_per_week is None:
            errors.append((path + ("contract", "hours_per_week"), "a part-time contract needs hours_per_week"))
        workable = [c for c in open_codes if c not in off]
        if open_codes and not workable and p.unavailable:
            errors.append((path + ("unavailable",), f"{p.name} is unavailable on every open day of the horizon "
                                                    "(remove them from the staff list, or correct the days)"))
            continue
        if rules.min_weekly_hours.enabled and rules.min_weekly_hours.share_of_contract > 0:
            need = rules.min_weekly_hours.share_of_contract * p.contract.weekly_hours * weeks
            max_days = len(workable)
            if rules.rest_days.enabled and s.horizon is not None:
                max_days = min(max_days, calendar_days - rules.rest_days.min_days)
            if rules.max_consecutive_days.enabled and s.horizon is not None and calendar_days > rules.max_consecutive_days.days:
                n = rules.max_consecutive_days.days
                max_days = min(max_days, calendar_days - calendar_days // (n + 1))
            best = sorted((day_hours[c] for c in workable), reverse=True)[:max(max_days, 0)]
            cap = p.contract.weekly_hours * weeks if rules.max_weekly_hours.enabled else math.inf
            if sum(best) + 1e-9 < need:
                errors.append((path + ("contract",), f"rule min_weekly_hours cannot hold for {p.name}: at least "
                                                     f"{need:.1f} h but at most {sum(best):.1f} h can be worked on "
                                                     f"the days available ({', '.join(workable) or 'none'})"))
            elif need > cap + 1e-9:
                errors.append((path + ("contract",), f"rule min_weekly_hours asks more than max_weekly_hours for {p.name}"))
    if rules.rest_days.enabled and s.horizon is not None:
        if rules.rest_days.min_days > calendar_days:
            errors.append((root + ("rules", "rest_days", "min_days"), f"rule rest_days cannot hold: {rules.rest_days.min_days} "
                                                                      f"rest days in a horizon of {calendar_days} day(s)"))
        elif rules.rest_days.consecutive and (calendar_days < 2 or rules.rest_days.min_days < 2):
            errors.append((root + ("rules", "rest_days", "consecutive"),
                           "rule rest_days: two consecutive rest days need min_days: 2 and a horizon of 2 days or more"))
    if s.horizon is not None and s.horizon.cyclic and s.horizon.calendar_days() % 7 and len(s.horizon.days) > 1:
        errors.append((("horizon", "cyclic"), "a cyclic horizon must span whole weeks (7, 14 ... calendar days)"))
    # Every step that citizens need must be held by someone on the list.
    held = {k for p in sl.people if p.staff_type in s.staff_types for k in person_skills(s, p)}
    for code, svc in s.services.items():
        if not _demanded(s, code):
            continue
        for j, step in enumerate(svc.steps):
            skill = step.skill or code
            if skill not in held:
                errors.append((("services", code, "steps", j) + (("skill",) if step.skill else ()),
                               f"nobody on the staff list holds skill '{skill}' needed here"))
    return errors
