"""The roster MILP: named people to (day, shift pattern, station), every day's cover met at least cost.

Why two stages (requirements, then roster) and not one
-------------------------------------------------------
The requirement per period, station and skill of a day depends only on that
day's demand and targets (queueing, :mod:`optimise.requirements`), not on who
works; computing it per day first and then assigning people keeps the roster
model linear and small (binaries per person, day, pattern and station; the
cover constraints are those of the one-day shift MILP, :mod:`optimise.shifts`),
and it is exactly the one-day MILP when the horizon has one day. The week is
then simulated with the people rostered, which judges the requirement.

Formulation
-----------
Sets: people ``i``; days ``d`` (closed days have no variables); shift
patterns ``j in J_d`` (the templates that fit day ``d``); stations ``s``;
skills ``q`` needed at ``s``; planning periods ``p`` of day ``d``;
allocation groups ``g`` = people with the same skills and speeds at ``s``.
``full[d, j, p] = 1`` when pattern ``j`` is on duty through the part of ``p``
in the ticket hours, ``any[d, j, p] = 1`` when it is on duty at some moment of ``p``.

Seats: a station ``s``, or one of its window groups ``s/h`` (the green
channel ``counter/green``: a person is planned into the group, not just the
station). Variables: ``x[i, d, j, s]`` binary, ``s`` a seat (only where ``i``
is available on ``d``, may work ``j`` (staff type, not forbidden) and ``s``
(listed, holding a skill needed there when ``skills_held`` is on, and one of
the group's ``skills`` if it lists any)). Staff in a group whose
``when_idle`` is ``help_others`` count toward the station's requirements
(pool, skills, min_staff) as in the one-day MILP; others only toward the
group's own cover rules. A group that cover rules staff seats only the staff
types they name (:func:`optimise.week.seats.stations_for`), and group seats
no optimal roster needs are left out (:func:`optimise.week.seats.useless_group_seats`).
``y[g, d, s, q, p] >= 0``
the on-duty staff of group ``g`` allocated to skill ``q``; binaries ``r[i, d]``
(a two-day rest starting on ``d``) and ``z[r, d, p]`` (a conditional cover
rule is triggered). ``w[i, d] = sum_{j,s} x[i, d, j, s]`` (works on ``d``).

    minimise   sum cost_per_hour[i] paid_hours[j] x[i, d, j, s]           (stage 1: cost)

    d{d}_alloc_{s}_{g}_{p}:   sum_q y[g, d, s, q, p] <= sum_{i in g, j} full x    (a person counted once)
    d{d}_cover_{s}_{q}_{p}:   sum_g y[g, d, s, q, p] / speed[g, q] >= T[d, s, q, p]
    d{d}_pool_{s}_{p}:        sum_{i, j} full x[i, d, j, s] >= T[d, s, p]
    d{d}_min_staff_{s}_{p}:   sum_{i, j} full x[i, d, j, s] >= min_staff[d, s]       (ticket periods)
    d{d}_windows_{s}_{p}:     sum_{i, j} any x[i, d, j, s] <= windows[d, s] - sum_h windows[s, h]   (ordinary seats)
    d{d}_windows_{s}_{h}_{p}: sum_{i, j} any x[i, d, j, s/h] <= windows[s, h]                 (window group h)
    d{d}_template_{t}:        sum_{i, j in t, s} x <= max_staff[t]
    d{d}_rule_{r}_{p}:        the cover rules of the optimise block, as in the one-day MILP
                              (a rule with a window_group counts the people in that group's seats only)
    one_shift_{i}_{d}:        w[i, d] <= 1
    max_hours_{i}:            sum paid x[i, ...] <= H[i] * days / 7
    min_hours_{i}:            sum paid x[i, ...] >= share H[i] days / 7     (x used[i] if only_if_rostered)
    rest_days_{i}:            sum_d w[i, d] <= calendar_days - min_days      (closed days are rest days)
    rest_pair_{i}:            sum_d r[i, d] >= 1,  r[i, d] <= 1 - w[i, d],  r[i, d] <= 1 - w[i, d + 1]
    max_consec_{i}_{d}:       sum_{e = d .. d + N} w[i, e] <= N               (calendar days; wrap if cyclic)
    min_rest_{i}_{d}_{j}:     sum_s x[i, d, j, s] + sum_{j' too soon, s} x[i, d + 1, j', s] <= 1
    max_late_{i}:             sum_{late j} x[i, ...] <= ceil(max * days / per_days)
    max_saturday_{i}:         sum_{Saturdays d} w[i, d] <= ceil(max * days / per_days)
    symmetry_{a}_{b}:         hours[a] >= hours[b] for consecutive interchangeable people a, b
                              (same type, skills, stations, contract, days off and preferences)

Aggregate mode (``aggregate=True``, stage 1a of :mod:`optimise.week.aggregate`): one integer
``n[c, d, j, s]`` per class ``c`` of interchangeable people (:func:`interchangeable`), bounded by the class's
members available on ``d``, in place of their binaries; the day rows above are unchanged (each is a sum over
people) and the person rows are summed over the class (:mod:`optimise.week.class_rules`). A relaxation of
this MILP with the same objective.

Stage 2 (fairness, :mod:`optimise.week.fairness`; ``plan.fairness: lexicographic``): with
the cost held at the stage-1 roster's cost, minimise

    sum_{kind in early, late, Saturday} (U_kind - L_kind) + weight_preferences * (non-preferred shifts worked)

with ``U_kind >= n_kind[i] >= L_kind`` for every person who could take such
a duty. Lexicographic, not weighted: fairness never buys a dearer roster, and
no weight has to be tuned against the cost scale.

Elastic modes: ``plan.shortfall: report`` (the default) puts a slack priced
``SLACK_COST`` per staff-period on every cover constraint, so a week the
staff cannot cover is staffed as well as it can be and its shortfall
reported (as the one-day optimiser's ``beyond_limits: fill``); the rules stay
hard. The diagnosis of an infeasible week puts a slack on every per-person
rule too; the positive slacks name the day, the period, the station or rule
and the person.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pulp

from sim.clock import format_clock
from sim.scenario import Scenario
from sim.staff_list_checks import person_skills

from ..lp_names import NamedProblem, new_column
from ..settings import PatternOption
from .class_rules import add_class_rules
from .days import DayPlan
from .grid import DayGrid, day_grid
from .person_rules import add_person_rules, interchangeable
from .seats import seat, serves_all, split_seat, stations_for, useless_group_seats

SLACK_COST = 1000.0


def _hhmm(t: float) -> str:
    return format_clock(t).replace(":", "")


def constraint_count(prob) -> int:
    c = prob.constraints
    return len(c() if callable(c) else c)


@dataclass
class RosterModel:
    """The PuLP problem of a week and what is needed to read it."""

    problem: pulp.LpProblem
    x: dict[tuple[int, int, str, str], pulp.LpVariable]       # (person, day, pattern, station)
    cost: pulp.LpAffineExpression
    plans: list[DayPlan]
    grids: dict[int, DayGrid]
    patterns: dict[int, dict[str, PatternOption]]
    slacks: dict[str, tuple[pulp.LpVariable, dict]] = field(default_factory=dict)
    duty: dict[str, dict[int, pulp.LpAffineExpression]] = field(default_factory=dict)   # kind -> person -> count
    preference_misses: pulp.LpAffineExpression | None = None
    targets: dict[tuple, float] = field(default_factory=dict)

    @property
    def size(self) -> dict:
        ints = sum(1 for v in self.problem.variables() if v.cat == pulp.LpInteger)
        return {"variables": len(self.problem.variables()), "integer_variables": ints,
                "constraints": constraint_count(self.problem)}


def capped_targets(plan: DayPlan, station: str) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The day's pooled and per-skill targets at ``station``; with ``beyond_limits: fill`` (the default) a
    pooled target above the day's windows is capped at the windows and its skill targets scaled alike
    (the simulation judges the capped periods; :meth:`WeekRoster.cover_frame` shows both numbers)."""
    pool, skill_t = plan.req.station_target(station), plan.req.skill_targets(station)
    windows = plan.scenario.stations[station].windows
    if plan.settings.beyond_limits != "fill" or pool.max() <= windows:
        return pool, skill_t
    scale = np.where(pool > windows, windows / np.maximum(pool, 1), 1.0)
    return np.minimum(pool, windows), {q: t * scale for q, t in skill_t.items()}


def build_roster_model(scenario: Scenario, plans: list[DayPlan], *, elastic: str | None = None,
                       aggregate: bool = False) -> RosterModel:
    """The MILP of the module docstring.

    ``elastic="cover"``: every cover constraint gets a priced slack (the roster staffs what it can and
    reports the shortfall; rules stay hard); ``elastic="all"``: the rules too (the diagnosis).
    ``aggregate=True``: the class counts of the module docstring (``x`` is then keyed by the class's first
    member and holds integers; no fairness terms).
    """
    sl = scenario.staff_list
    rules, people = sl.rules, sl.people
    prob = NamedProblem(f"roster_{scenario.name}", pulp.LpMinimize)   # unique names (optimise.lp_names)
    slacks: dict[str, tuple] = {}
    targets: dict[tuple, float] = {}

    def soft(info):
        return elastic == "all" or (elastic == "cover" and info["kind"] != "rule")

    def add_ge(lhs, rhs, name, info):
        if soft(info):
            e = new_column(prob, f"slack_{name}")
            slacks[name] = (e, info)
            lhs = lhs + e
        prob.addConstraint(lhs >= rhs, name)

    def add_le(lhs, rhs, name, info):
        if soft(info):
            e = new_column(prob, f"slack_{name}")
            slacks[name] = (e, info)
            lhs = lhs - e
        prob.addConstraint(lhs <= rhs, name)

    x: dict[tuple, pulp.LpVariable] = {}
    grids, patterns = {}, {}
    units = {m[0]: m for m in interchangeable(scenario)} if aggregate else {i: [i] for i in range(len(people))}
    available: dict[tuple[int, int], list[int]] = {}     # (unit, day) -> its members available that day
    open_plans = [pl for pl in plans if not pl.day.closed]
    for pl in open_plans:
        d = pl.day.index
        grids[d] = day_grid(pl)
        patterns[d] = {o.name: o for o in pl.patterns}
        for u, members in units.items():
            here = [i for i in members if pl.code not in people[i].absences()]
            if here:
                available[(u, d)] = here
        seats = {u: stations_for(pl.scenario, pl.settings, people[u], rules) for u in units if (u, d) in available}
        useless = useless_group_seats(pl, {i: people[i].staff_type for u in seats for i in available[(u, d)]},
                                      {i: seats[u] for u in seats for i in available[(u, d)]})
        for u, places in seats.items():
            person = people[u]
            for s in places:
                if (person.staff_type, s) in useless:
                    continue
                for o in pl.patterns:
                    if o.allows(person.staff_type) and o.template not in person.forbidden_shifts:
                        name = f"{'n' if aggregate else 'x'}_{person.id}_d{d}_{o.name}_{s}"   # PuLP writes '/' as '_'
                        x[(u, d, o.name, s)] = (new_column(prob, name, "Integer", up=len(available[(u, d)])) if aggregate
                                                else new_column(prob, name, "Binary"))
    rate = {i: scenario.staff_types[p.staff_type].cost_per_hour for i, p in enumerate(people)}
    cost = pulp.lpSum(rate[i] * patterns[d][j].paid_hours * v for (i, d, j, s), v in x.items())

    by_day: dict[int, list] = {}
    for key, v in x.items():
        by_day.setdefault(key[1], []).append((key, v))
    for pl in open_plans:
        d, g, day = pl.day.index, grids[pl.day.index], pl.scenario
        tag = f"d{d}"
        mine = by_day.get(d, [])
        at: dict[str, list] = {}          # station -> duties in the seats counting toward its requirements
        in_seat: dict[str, list] = {}     # seat -> duties
        for key, v in mine:
            in_seat.setdefault(key[3], []).append((key, v))
            if serves_all(day, key[3]):
                at.setdefault(split_seat(key[3])[0], []).append((key, v))

        def on_duty(s, k, types=None, seat_text=None):
            duties = at.get(s, ()) if seat_text is None else in_seat.get(seat_text, ())
            return pulp.lpSum(v for (i, _, j, _), v in duties if g.full[j][k]
                              and (types is None or people[i].staff_type in types))

        if pl.req is not None:
            for s in pl.req.stations:
                pool, skill_t = capped_targets(pl, s)
                groups: dict[tuple, list] = {}
                for (i, _, j, ss), v in at.get(s, ()):
                    sk = person_skills(day, people[i])
                    key = tuple(sorted((q, sk[q]) for q in pl.req.skills(s) if q in sk))
                    groups.setdefault(key, []).append(((i, j), v))
                for r, k in enumerate(g.req_idx):
                    t = _hhmm(g.periods[k])
                    info = {"kind": "cover", "day": pl.code, "station": s, "period": float(g.periods[k])}
                    if pool[r] > 0:
                        targets[("pool", d, s, float(g.periods[k]))] = float(pool[r])
                        add_ge(on_duty(s, k), int(pool[r]), f"{tag}_pool_{s}_{t}", {**info, "required": int(pool[r])})
                    ys = {}
                    for q, target in skill_t.items():
                        if target[r] <= 1e-9:
                            continue
                        terms = []
                        for gi, gkey in enumerate(groups):
                            speed = dict(gkey).get(q)
                            if speed is not None:
                                ys[(gi, q)] = new_column(prob, f"y_{tag}_{s}_g{gi}_{q}_{t}")
                                terms.append(ys[(gi, q)] / speed)
                        targets[("cover", d, s, q, float(g.periods[k]))] = float(target[r])
                        add_ge(pulp.lpSum(terms), float(target[r]), f"{tag}_cover_{s}_{q}_{t}",
                               {**info, "skill": q, "required": float(target[r])})
                    for gi, gkey in enumerate(groups):
                        alloc = [v for (gg, _), v in ys.items() if gg == gi]
                        if alloc:
                            prob.addConstraint(pulp.lpSum(alloc) <= pulp.lpSum(
                                v for (_, j), v in groups[gkey] if g.full[j][k]), f"{tag}_alloc_{s}_g{gi}_{t}")
        for s, n in pl.min_staff.items():
            if n <= 0:
                continue
            for k in g.ticket_idx:
                t = _hhmm(g.periods[k])
                add_ge(on_duty(s, k), n, f"{tag}_min_staff_{s}_{t}",
                       {"kind": "min_staff", "day": pl.code, "station": s, "period": float(g.periods[k]), "required": n})
        for s, st in day.stations.items():
            seat_windows = {s: st.windows - sum(grp.windows for grp in st.window_groups.values()),
                            **{seat(s, gname): grp.windows for gname, grp in st.window_groups.items()}}
            for place, limit in seat_windows.items():
                for k in range(len(g.periods)):
                    used = [v for (_, _, j, _), v in in_seat.get(place, ()) if g.anyc[j][k]]
                    if sum(v.upBound for v in used) > limit:
                        prob.addConstraint(pulp.lpSum(used) <= limit,
                                           f"{tag}_windows_{place.replace('/', '_')}_{_hhmm(g.periods[k])}")
        for tid, tmpl in pl.settings.shift_templates.items():
            if tmpl.max_staff is not None:
                used = [v for (_, _, j, _), v in mine if patterns[d][j].template == tid]
                if sum(v.upBound for v in used) > tmpl.max_staff:
                    prob.addConstraint(pulp.lpSum(used) <= tmpl.max_staff, f"{tag}_template_{tid}")
        for rule in pl.settings.cover_rules:
            s = rule.station
            for k in g.ticket_idx:
                t = _hhmm(g.periods[k])
                have = on_duty(s, k, set(rule.staff_types),
                               seat(s, rule.window_group) if rule.window_group else None)
                info = {"kind": "cover_rule", "rule": rule.id, "day": pl.code, "station": s,
                        "period": float(g.periods[k]), "required": rule.min_staff}
                if rule.when == "always":
                    add_ge(have, rule.min_staff, f"{tag}_rule_{rule.id}_{t}", info)
                else:
                    z = new_column(prob, f"z_{tag}_{rule.id}_{t}", "Binary")
                    prob.addConstraint(pulp.lpSum(v for place in in_seat if split_seat(place)[0] == s
                                                  for (_, _, j, _), v in in_seat[place] if g.full[j][k])
                                       <= rule.when.windows_open_at_least - 1
                                       + day.stations[s].windows * z, f"{tag}_rule_{rule.id}_{t}_trigger")
                    add_ge(have - rule.min_staff * z, 0, f"{tag}_rule_{rule.id}_{t}", info)

    if aggregate:
        duty, misses = {"early": {}, "late": {}, "saturday": {}}, []
        add_class_rules(prob, scenario, plans, x, available, patterns)
    else:
        duty, misses = add_person_rules(prob, scenario, plans, x, patterns, add_le, add_ge)
    objective = cost
    if slacks:
        objective = cost + SLACK_COST * pulp.lpSum(e for e, _ in slacks.values())
    prob.setObjective(objective)
    return RosterModel(prob, x, cost, plans, grids, patterns, slacks, duty, pulp.lpSum(misses), targets)

