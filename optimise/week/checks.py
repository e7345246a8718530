"""Every rule of the staff list checked on a roster, independently of the MILP that produced it.

``violations(scenario, roster)`` lists each broken rule as a readable line
(empty: the roster keeps every rule). Used by the tests on random weeks and
by ``queueplan roster`` as a last check before anything is published.
"""

from __future__ import annotations

import math

from sim.staff_list_checks import person_skills

from .limits import limits
from .seats import stations_for
from .solve import WeekRoster

MINUTES_PER_DAY = 1440.0


def violations(roster: WeekRoster) -> list[str]:
    s = roster.scenario
    sl = s.staff_list
    rules, kinds = sl.rules, sl.duty_kinds
    horizon_days = s.horizon.calendar_days() if s.horizon else 1
    cyclic = bool(s.horizon and s.horizon.cyclic)
    plans = {pl.day.index: pl for pl in roster.plans}
    offset = {pl.day.index: pl.day.offset_days for pl in roster.plans}
    out = []
    for i, p in enumerate(sl.people):
        mine = [a for a in roster.assignments if a.person_id == p.id]
        lim = limits(s, p, horizon_days)
        days = [a.day_index for a in mine]
        if len(days) != len(set(days)):
            out.append(f"{p.id}: more than one shift on a day")
        for a in mine:
            pl = plans[a.day_index]
            if pl.day.closed:
                out.append(f"{p.id}: works on closed day {a.day}")
                continue
            if a.day in p.absences():
                out.append(f"{p.id}: rostered on {a.day} but unavailable ({p.absences()[a.day]})")
            if a.seat not in stations_for(pl.scenario, pl.settings, p, rules):
                out.append(f"{p.id}: seat {a.seat} not allowed (or no skill held there) on {a.day}")
            if a.template in p.forbidden_shifts:
                out.append(f"{p.id}: forbidden shift {a.template} on {a.day}")
            if rules.skills_held.enabled:
                needed = {st.skill or code for code, svc in s.services.items() for st in svc.steps
                          if st.station == a.station}
                if not needed & set(person_skills(s, p)):
                    out.append(f"{p.id}: holds no skill needed at {a.station}")
        hours = sum(a.paid_hours for a in mine)
        if rules.max_weekly_hours.enabled and hours > lim["max_hours"] + 1e-6:
            out.append(f"{p.id}: {hours:g} h > max {lim['max_hours']:g} h")
        if rules.min_weekly_hours.enabled and hours + 1e-6 < lim["min_hours"] and \
                not (rules.min_weekly_hours.only_if_rostered and not mine):
            out.append(f"{p.id}: {hours:g} h < min {lim['min_hours']:g} h")
        worked = {offset[a.day_index] for a in mine}
        if s.horizon is not None and rules.rest_days.enabled and rules.rest_days.min_days:
            if horizon_days - len(worked) < rules.rest_days.min_days:
                out.append(f"{p.id}: only {horizon_days - len(worked)} rest days")
            if rules.rest_days.consecutive:
                span = range(horizon_days if cyclic else horizon_days - 1)
                if not any(o % horizon_days not in worked and (o + 1) % horizon_days not in worked if cyclic
                           else o not in worked and o + 1 not in worked for o in span):
                    out.append(f"{p.id}: no two consecutive rest days")
        if s.horizon is not None and rules.max_consecutive_days.enabled:
            n, run, best = rules.max_consecutive_days.days, 0, 0
            for o in range(2 * horizon_days if cyclic else horizon_days):
                run = run + 1 if (o % horizon_days) in worked else 0
                best = max(best, run)
            if best > n and len(worked) < horizon_days:
                out.append(f"{p.id}: {best} consecutive working days > {n}")
            elif cyclic and len(worked) == horizon_days and horizon_days > n:
                out.append(f"{p.id}: works every day of a cyclic horizon")
        if rules.min_rest_between_shifts.enabled:
            by_offset = {offset[a.day_index]: a for a in mine}
            for o, a in by_offset.items():
                b = by_offset.get((o + 1) % horizon_days if cyclic else o + 1)
                if b is not None and b is not a and \
                        b.start_min + MINUTES_PER_DAY - a.end_min < rules.min_rest_between_shifts.hours * 60 - 1e-6:
                    out.append(f"{p.id}: rest between {a.day} and {b.day} below "
                               f"{rules.min_rest_between_shifts.hours:g} h")
        late = sum(1 for a in mine if a.end_min > kinds.late_end_after + 1e-9)
        if rules.max_late_duties.enabled and late > lim["late"]:
            out.append(f"{p.id}: {late} late duties > {lim['late']}")
        sat = sum(1 for a in mine if plans[a.day_index].day.day.is_saturday)
        if rules.max_saturday_duties.enabled and sat > lim["saturday"]:
            out.append(f"{p.id}: {sat} Saturday duties > {lim['saturday']}")
    cover = roster.cover_frame()
    short = cover[cover["shortfall"] > 1e-6]
    for _, r in short.iterrows():
        out.append(f"{r['day']} {r['period']}: station {r['station']} has {r['on_duty']} on duty, "
                   f"{math.ceil(r['required'])} required")
    return out
