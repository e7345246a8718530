"""The per-person rows of the roster MILP (the formulation: :mod:`optimise.week.model`) and the classes of
interchangeable people (symmetry rows; the aggregate MILP's classes, :mod:`optimise.week.aggregate`)."""

from __future__ import annotations

import pulp

from sim.scenario import Scenario
from sim.staff_list_checks import person_skills

from ..lp_names import new_column   # a column >= 0, uniquely named
from .days import DayPlan
from .limits import limits

MINUTES_PER_DAY = 1440.0


def add_person_rules(prob, scenario: Scenario, plans: list[DayPlan], x: dict, patterns: dict, add_le, add_ge):
    """The per-person rows of the module docstring (``one_shift`` .. ``max_saturday``, ``symmetry``); returns the
    duty counts per kind and person and the non-preferred shifts (stage 2's terms)."""
    sl = scenario.staff_list
    rules, kinds, people = sl.rules, sl.duty_kinds, sl.people
    horizon_days = scenario.horizon.calendar_days() if scenario.horizon else 1
    cyclic = bool(scenario.horizon and scenario.horizon.cyclic)
    # Per person: the named rules.
    offsets = {pl.day.index: pl.day.offset_days for pl in plans}
    at_offset = {pl.day.offset_days: pl.day.index for pl in plans}
    by_person: dict[int, list] = {}
    for key, v in x.items():
        by_person.setdefault(key[0], []).append((key, v))
    duty = {"early": {}, "late": {}, "saturday": {}}
    misses = []
    saturday_days = {pl.day.index for pl in plans if pl.day.day.is_saturday and not pl.day.closed}
    for i, person in enumerate(people):
        mine = by_person.get(i, [])
        if not mine:
            continue
        lim = limits(scenario, person, horizon_days)
        pid = person.id
        work = {d: pulp.lpSum(v for (_, dd, _, _), v in mine if dd == d) for d in {k[1] for k, _ in mine}}
        hours = pulp.lpSum(patterns[d][j].paid_hours * v for (_, d, j, _), v in mine)

        def w(offset):
            d = at_offset.get(offset % horizon_days if cyclic else offset)
            return work.get(d, 0) if d is not None else 0

        for d, expr in work.items():
            prob.addConstraint(expr <= 1, f"one_shift_{pid}_d{d}")
        rinfo = {"kind": "rule", "person": pid, "name": person.name}
        if rules.max_weekly_hours.enabled:
            add_le(hours, lim["max_hours"], f"max_hours_{pid}", {**rinfo, "rule": "max_weekly_hours",
                                                                 "limit": lim["max_hours"]})
        if rules.min_weekly_hours.enabled and lim["min_hours"] > 0:
            need = lim["min_hours"]
            if rules.min_weekly_hours.only_if_rostered:
                used = new_column(prob, f"used_{pid}", "Binary")
                for d, expr in work.items():
                    prob.addConstraint(expr <= used, f"used_{pid}_d{d}")
                add_ge(hours, need * used, f"min_hours_{pid}", {**rinfo, "rule": "min_weekly_hours", "limit": need})
            else:
                add_ge(hours, need, f"min_hours_{pid}", {**rinfo, "rule": "min_weekly_hours", "limit": need})
        if rules.rest_days.enabled and rules.rest_days.min_days > 0 and scenario.horizon is not None:
            add_le(pulp.lpSum(work.values()), horizon_days - rules.rest_days.min_days, f"rest_days_{pid}",
                   {**rinfo, "rule": "rest_days", "limit": rules.rest_days.min_days})
            if rules.rest_days.consecutive and horizon_days >= 2:
                pairs = []
                for o in range(horizon_days if cyclic else horizon_days - 1):
                    r = new_column(prob, f"rest2_{pid}_o{o}", "Binary")
                    prob.addConstraint(r + w(o) <= 1, f"rest2a_{pid}_o{o}")
                    prob.addConstraint(r + w(o + 1) <= 1, f"rest2b_{pid}_o{o}")
                    pairs.append(r)
                add_ge(pulp.lpSum(pairs), 1, f"rest_pair_{pid}", {**rinfo, "rule": "rest_days", "limit": 2})
        if rules.max_consecutive_days.enabled and scenario.horizon is not None:
            n = rules.max_consecutive_days.days
            if horizon_days > n:
                for o in range(horizon_days if cyclic else horizon_days - n):
                    run = pulp.lpSum(w(o + e) for e in range(n + 1))
                    if isinstance(run, pulp.LpAffineExpression) and len(run) > n:
                        add_le(run, n, f"max_consec_{pid}_o{o}", {**rinfo, "rule": "max_consecutive_days", "limit": n})
        if rules.min_rest_between_shifts.enabled:
            rest_min = rules.min_rest_between_shifts.hours * 60.0
            for d in work:
                nxt = at_offset.get((offsets[d] + 1) % horizon_days if cyclic else offsets[d] + 1)
                if nxt is None or nxt not in work or (cyclic and horizon_days == 1):
                    continue
                for j, o in patterns[d].items():
                    late = [v for (_, dd, jj, _), v in mine if dd == nxt and
                            patterns[nxt][jj].pattern.start + MINUTES_PER_DAY - o.pattern.end < rest_min - 1e-9]
                    this = [v for (_, dd, jj, _), v in mine if dd == d and jj == j]
                    if late and this:
                        prob.addConstraint(pulp.lpSum(this) + pulp.lpSum(late) <= 1, f"min_rest_{pid}_d{d}_{j}")
        early = pulp.lpSum(v for (_, d, j, _), v in mine if patterns[d][j].pattern.start < kinds.early_start_before - 1e-9)
        late = pulp.lpSum(v for (_, d, j, _), v in mine if patterns[d][j].pattern.end > kinds.late_end_after + 1e-9)
        sat = pulp.lpSum(v for (_, d, _, _), v in mine if d in saturday_days)
        for kind, expr in (("early", early), ("late", late), ("saturday", sat)):
            if isinstance(expr, pulp.LpAffineExpression) and len(expr):
                duty[kind][i] = expr
        if rules.max_late_duties.enabled and i in duty["late"]:
            add_le(late, lim["late"], f"max_late_{pid}", {**rinfo, "rule": "max_late_duties", "limit": lim["late"]})
        if rules.max_saturday_duties.enabled and i in duty["saturday"]:
            add_le(sat, lim["saturday"], f"max_saturday_{pid}", {**rinfo, "rule": "max_saturday_duties",
                                                                 "limit": lim["saturday"]})
        if person.preferred_shifts:
            misses += [v for (_, d, j, _), v in mine if patterns[d][j].template not in person.preferred_shifts]
    # Symmetry: people who are interchangeable (same type, skills, stations, contract, days off, preferences)
    # are ordered by paid hours, so the solver does not explore their permutations.
    for members in interchangeable(scenario, with_absences=True):
        for a, b in zip(members, members[1:]):
            ha = pulp.lpSum(patterns[d][j].paid_hours * v for (_, d, j, _), v in by_person.get(a, []))
            hb = pulp.lpSum(patterns[d][j].paid_hours * v for (_, d, j, _), v in by_person.get(b, []))
            if by_person.get(a):
                prob.addConstraint(ha >= hb, f"symmetry_{people[a].id}_{people[b].id}")
    return duty, misses


def interchangeable(scenario: Scenario, with_absences: bool = False) -> list[list[int]]:
    """Classes of people the roster cannot tell apart: the same staff type (so cost), skills and speeds,
    stations, contract, preferred and forbidden shifts (and, ``with_absences``, the same days off); in file order."""
    classes: dict[tuple, list[int]] = {}
    for i, p in enumerate(scenario.staff_list.people):
        key = (p.staff_type, tuple(sorted(person_skills(scenario, p).items())), tuple(p.stations or ()),
               p.contract.weekly_hours, tuple(p.preferred_shifts), tuple(p.forbidden_shifts))
        if with_absences:
            key += (tuple(sorted(p.absences())),)
        classes.setdefault(key, []).append(i)
    return list(classes.values())
