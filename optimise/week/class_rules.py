"""The person rules summed over a class of interchangeable people: the rows of the aggregate roster MILP.

A class ``c`` (:func:`optimise.week.model.interchangeable`: same staff type, skills and speeds, stations,
contract, preferred and forbidden shifts) has the integer counts ``n[c, d, j, s]`` of its members on
pattern ``j`` in seat ``s`` on day ``d``, ``0 <= n <= |A[c, d]|`` (``A[c, d]``: its members available on
``d``), and ``w[c, d] = sum_{j, s} n[c, d, j, s]``. Every row below is the sum over the members of a
person rule of :mod:`optimise.week.model` (or implied by such a sum), so the counts of any roster keep
them: the aggregate MILP is a relaxation of the roster MILP.

    class_shift_{c}_{d}:   w[c, d] <= |A[c, d]|                               (one_shift summed)
    class_max_hours_{c}:   sum paid n <= sum_{i in c} H[i]                    (max_hours summed)
    class_min_hours_{c}:   sum paid n >= sum_{i in c} share H[i]              (min_hours summed; not with
                                                                                only_if_rostered)
    class_days_{c}:        sum_d w[c, d] <= sum_i min(open days of i, calendar_days - min_days,
                                                      floor(H[i] / shortest paid shift))
    class_consec_{c}_{o}:  sum_{e = o .. o + N} w[c, e] <= sum_i min(N, days of i in the run)
    class_rest_{c}_{d}_{j}: sum_s n[c, d, j, s] + sum_{j' too soon, s} n[c, d + 1, j', s]
                               <= |A[c, d] u A[c, d + 1]|                      (min_rest summed)
    class_late_{c}:        sum_{late j} n <= sum_i late[i];  class_saturday_{c}: the same for Saturdays

Not summed (a person-level pattern, no valid class row without more variables): the two consecutive rest
days and ``used`` of ``only_if_rostered``. They are checked when the named people are assigned.
"""

from __future__ import annotations

import math

import pulp

from .limits import limits

MINUTES_PER_DAY = 1440.0


def add_class_rules(prob: pulp.LpProblem, scenario, plans, n: dict, available: dict, patterns: dict) -> None:
    """Add the rows of the module docstring for the counts ``n[(unit, day, pattern, seat)]`` to ``prob``."""
    sl = scenario.staff_list
    rules, kinds = sl.rules, sl.duty_kinds
    people = sl.people
    horizon_days = scenario.horizon.calendar_days() if scenario.horizon else 1
    cyclic = bool(scenario.horizon and scenario.horizon.cyclic)
    offsets = {pl.day.index: pl.day.offset_days for pl in plans}
    at_offset = {pl.day.offset_days: pl.day.index for pl in plans}
    saturdays = {pl.day.index for pl in plans if pl.day.day.is_saturday and not pl.day.closed}
    by_unit: dict[int, list] = {}
    for key, v in n.items():
        by_unit.setdefault(key[0], []).append((key, v))
    for u, mine in by_unit.items():
        pid = people[u].id
        days = sorted({k[1] for k, _ in mine})
        members = sorted({i for d in days for i in available[(u, d)]})
        lim = {i: limits(scenario, people[i], horizon_days) for i in members}
        days_of = {i: {offsets[d] for d in days if i in available[(u, d)]} for i in members}
        work = {d: pulp.lpSum(v for (_, dd, _, _), v in mine if dd == d) for d in days}
        paid = [patterns[d][j].paid_hours for (_, d, j, _), _ in mine]
        hours = pulp.lpSum(patterns[d][j].paid_hours * v for (_, d, j, _), v in mine)
        for d, expr in work.items():
            prob.addConstraint(expr <= len(available[(u, d)]), f"class_shift_{pid}_d{d}")
        if rules.max_weekly_hours.enabled:
            prob.addConstraint(hours <= sum(lim[i]["max_hours"] for i in members), f"class_max_hours_{pid}")
        if rules.min_weekly_hours.enabled and not rules.min_weekly_hours.only_if_rostered:
            need = sum(lim[i]["min_hours"] for i in members)
            if need > 0:
                prob.addConstraint(hours >= need, f"class_min_hours_{pid}")
        cap = {i: len(days_of[i]) for i in members}
        if rules.rest_days.enabled and rules.rest_days.min_days > 0 and scenario.horizon is not None:
            cap = {i: min(c, horizon_days - rules.rest_days.min_days) for i, c in cap.items()}
        if rules.max_weekly_hours.enabled and min(paid) > 0:
            cap = {i: min(c, math.floor(lim[i]["max_hours"] / min(paid) + 1e-9)) for i, c in cap.items()}
        prob.addConstraint(pulp.lpSum(work.values()) <= sum(cap.values()), f"class_days_{pid}")
        if rules.max_consecutive_days.enabled and scenario.horizon is not None:
            big = rules.max_consecutive_days.days
            if horizon_days > big:
                for o in range(horizon_days if cyclic else horizon_days - big):
                    run = [(o + e) % horizon_days if cyclic else o + e for e in range(big + 1)]
                    terms = [work[at_offset[r]] for r in run if at_offset.get(r) in work]
                    limit = sum(min(big, sum(1 for r in run if r in days_of[i])) for i in members)
                    if len(terms) > 0:
                        prob.addConstraint(pulp.lpSum(terms) <= limit, f"class_consec_{pid}_o{o}")
        if rules.min_rest_between_shifts.enabled:
            rest_min = rules.min_rest_between_shifts.hours * 60.0
            for d in days:
                nxt = at_offset.get((offsets[d] + 1) % horizon_days if cyclic else offsets[d] + 1)
                if nxt is None or nxt not in work or nxt == d:
                    continue
                both = len(set(available[(u, d)]) | set(available[(u, nxt)]))
                for j, o in patterns[d].items():
                    late = [v for (_, dd, jj, _), v in mine if dd == nxt and
                            patterns[nxt][jj].pattern.start + MINUTES_PER_DAY - o.pattern.end < rest_min - 1e-9]
                    this = [v for (_, dd, jj, _), v in mine if dd == d and jj == j]
                    if late and this:
                        prob.addConstraint(pulp.lpSum(this) + pulp.lpSum(late) <= both, f"class_rest_{pid}_d{d}_{j}")
        if rules.max_late_duties.enabled:
            late = [v for (_, d, j, _), v in mine if patterns[d][j].pattern.end > kinds.late_end_after + 1e-9]
            if late:
                prob.addConstraint(pulp.lpSum(late) <= sum(lim[i]["late"] for i in members), f"class_late_{pid}")
        if rules.max_saturday_duties.enabled:
            sat = [v for (_, d, _, _), v in mine if d in saturdays]
            if sat:
                prob.addConstraint(pulp.lpSum(sat) <= sum(lim[i]["saturday"] for i in members),
                                   f"class_saturday_{pid}")
