"""The shift MILP's model: variables, constraints, the implicit break model and the tie-break.

Formulation
-----------
Sets: staff types ``k``; shift patterns ``j`` (from the templates, see
:mod:`optimise.settings`); stations ``s``; skills ``q`` needed at ``s``;
planning periods ``p`` of ``grid_min`` minutes (requirement periods: those in
the ticket hours, and drain periods after a closure, see
:mod:`optimise.requirements`). ``full[j, p] = 1`` when pattern ``j`` is on duty
throughout the part of ``p`` inside the ticket hours (the whole of ``p``
outside them), ``any[j, p] = 1`` when it is on duty at some moment of ``p``.

Variables:

* ``x[k, j, s, g]`` integer >= 0: staff of type ``k`` working pattern ``j`` at
  station ``s`` in window group ``g`` (``g = None``: the station's ordinary
  windows; only where ``k`` may work ``j`` and ``s``).
* ``y[k, s, q, p]`` >= 0: on-duty staff of type ``k`` at ``s`` allocated to
  skill ``q`` in period ``p`` (only where ``k`` holds ``q``). Staff of the
  same type at the same station are interchangeable, so allocating per type
  (rather than per type and pattern) loses nothing and keeps the model small.
* ``z[r, p]`` binary: conditional rule ``r`` is triggered in period ``p``.

Write ``N[k, s, p] = sum_{j, g} full[j, p] x[k, j, s, g]`` over the ordinary windows and the
groups whose staff help others when idle (staff on duty who count toward the
requirements), ``A[k, s, g, p]`` the same for one group and ``A[k, s, p]`` for all seats.

    minimise    sum_{k,j,s} cost_per_hour[k] paid_hours[j] x[k, j, s]
    alloc_{k}_{s}_{p}:    sum_q y[k, s, q, p] <= N[k, s, p]              (a person is counted once)
    cover_{s}_{q}_{p}:    sum_k y[k, s, q, p] / speed[k, q] >= T[s, q, p]  (standard-speed staff per skill)
    pool_{s}_{p}:         sum_k N[k, s, p] >= T[s, p]                    (staff on duty per station)
    windows_{s}_{p}:      sum_{k,j} any[j, p] x[k, j, s, None] <= windows[s] - sum_g windows[s, g]
    windows_{s}_{g}_{p}:  sum_{k,j} any[j, p] x[k, j, s, g] <= windows[s, g]   (every period)
    headcount_{k}:        sum_{j,s} x[k, j, s] <= headcount[k]
    template_{t}:         sum_{k, j in t, s} x[k, j, s] <= max_staff[t]
    rule_{r}_{p}:         sum_{k in K_r} A[k, s_r, (g_r), p] >= m_r         (when: always)
                          sum_{k in K_r} A[k, s_r, (g_r), p] >= m_r z[r, p] (when: windows_open_at_least n)
    rule_{r}_{p}_trigger: sum_k A[k, s_r, p] <= n - 1 + windows[s_r] z[r, p]
                          (a rule with a window_group g_r counts the staff seated in it only)

``T`` comes from :class:`optimise.requirements.Requirements` (``T[s, p]``
integer, ``T[s, q, p]`` fractional). Rules apply in every period in which
tickets are issued. Overtime is not in the objective (the simulation records it).

Implicit break model
--------------------
Patterns that differ only in where their breaks lie (same start, end,
template, staff types and paid hours: a *break group* ``G``) share one
integer ``X[k, G, s, g] = sum_{j in G} x[k, j, s, g]`` (an equality row). With
``a_G[p] = max_{j in G} full[j, p]`` and ``d_j[p] = a_G[p] - full[j, p]`` (0 or
1, non-zero only near ``j``'s breaks),

    sum_{j in G} full[j, p] x[k, j, s, g] = a_G[p] X[k, G, s, g] - sum_{j in G} d_j[p] x[k, j, s, g]

exactly (likewise with ``any`` for the window rows), and the headcount and
template rows count ``X``. The integer points, hence the optimum, are those
of the explicit model (``x`` is kept, so the roster is read as before); only
the rows get sparser: a period's row holds each break group once plus the
placements whose break touches it, instead of every placement of every
shift on duty. ``breaks="explicit"`` builds the explicit model (the tests
compare the two).

Secondary objective (fewer people among equally cheap rosters)
--------------------------------------------------------------
Minimise ``cost + epsilon x people`` with ``epsilon`` from
:func:`optimise.milp_status.tie_break_weight`: when every cost coefficient is
a whole number of cents, rosters of different cost differ by at least the
cost grid, and ``epsilon x max_people`` stays below half of it, so the weight
never trades cost; off the cent grid (and in the fill and diagnostic models,
whose slack is continuous) ``epsilon = 0``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pulp

from sim.clock import format_clock
from sim.optimise_settings import OptimiseSettings
from sim.scenario import Scenario, ShiftPattern

from .lp_names import NamedProblem, new_column   # uniquely named rows and columns
from .milp_status import tie_break_weight
from .requirements import Requirements
from .settings import PatternOption, allowed_stations, generate_patterns

SLACK_COST = 1000.0

# seat sets of a station besides its window groups (tuples: never equal to a window group's code)
ALL_SEATS = ("every seat",)                       # all windows, restricted ones included
COVER_SEATS = ("seats counted toward requirements",)   # ordinary windows and groups that help others


@dataclass
class ShiftModel:
    """The PuLP problem and what is needed to read its solution."""

    problem: pulp.LpProblem
    x: dict[tuple[str, str, str, str | None], pulp.LpVariable]   # (staff type, pattern, station, window group)
    patterns: dict[str, PatternOption]
    periods: np.ndarray
    full: dict[str, np.ndarray]
    slacks: dict[str, tuple[pulp.LpVariable, dict]]
    targets: dict[tuple, float]
    epsilon: float = 0.0            # tie-break weight per person (see tie_break_weight)
    grid: float | None = None       # cost grid of every roster (None: not on a cent grid)
    max_people: int = 0             # an upper bound on the people of any feasible roster
    rows: dict[tuple, pulp.LpConstraint] = field(default_factory=dict)   # ("windows", s, g, t), ("headcount", k), ...


def _coverage(pattern: ShiftPattern, periods: np.ndarray, grid: float, active: dict[float, tuple[float, float]]):
    work = pattern.work_periods_min()
    full = np.zeros(len(periods), dtype=int)
    anyc = np.zeros(len(periods), dtype=int)
    for i, p in enumerate(periods):
        lo, hi = active.get(float(p), (p, p + grid))
        full[i] = any(a <= lo + 1e-9 and hi <= b + 1e-9 for a, b in work)
        anyc[i] = any(a < p + grid - 1e-9 and p < b - 1e-9 for a, b in work)
    return full, anyc


def active_spans(scenario: Scenario, periods, grid: float) -> dict[float, tuple[float, float]]:
    """The part of each requirement period inside the ticket hours."""
    h = scenario.hours
    spans = [(s.start, min(s.end, h.last_ticket_min)) for s in h.sessions if s.start < h.last_ticket_min]
    out = {}
    for p in periods:
        parts = [(max(a, p), min(b, p + grid)) for a, b in spans if a < p + grid and p < b]
        if parts:
            out[float(p)] = (min(a for a, _ in parts), max(b for _, b in parts))
    return out


def linear(pairs) -> pulp.LpAffineExpression:
    """``sum c v`` over ``(variable, coefficient)`` pairs, built in one go.

    The same expression as ``pulp.lpSum(c * v ...)`` (a variable met twice adds up; a zero coefficient
    leaves the term out), without an intermediate expression per term.
    """
    coefficients: dict = {}
    for v, c in pairs:
        if c:
            coefficients[v] = coefficients.get(v, 0) + c
    return pulp.LpAffineExpression(coefficients)


@lru_cache(maxsize=4096)
def period_label(t: float) -> str:
    """``0830`` for 08:30: the period's part of a constraint name (cached: every row of every model asks)."""
    return format_clock(t).replace(":", "")


def break_groups(patterns: dict[str, PatternOption]) -> list[list[str]]:
    """Patterns that differ only in their break placement (see the module docstring), in a stable order."""
    groups: dict[tuple, list[str]] = {}
    for name, o in patterns.items():
        key = (o.pattern.start, o.pattern.end, o.template, o.staff_types, round(o.paid_hours, 9), o.max_staff)
        groups.setdefault(key, []).append(name)
    return list(groups.values())


def build_model(scenario: Scenario, settings: OptimiseSettings, req: Requirements,
                patterns: list[PatternOption] | None = None, *, slack: str | None = None,
                breaks: str = "implicit") -> ShiftModel:
    """The MILP of the module docstring for these requirements.

    ``slack="requirements"`` makes the ``cover`` and ``pool`` constraints
    elastic (the "fill" mode: staff up to the limits); ``slack="all"`` also the
    rules (the diagnostic model). Slack costs ``SLACK_COST`` per staff-period.
    ``breaks``: ``"implicit"`` (default) or ``"explicit"`` (one column per
    break placement in every row); the same optimum.
    """
    if breaks not in ("implicit", "explicit"):
        raise ValueError(f"breaks must be 'implicit' or 'explicit', got {breaks!r}")
    patterns = {p.name: p for p in (patterns if patterns is not None else generate_patterns(scenario, settings))}
    grid = float(req.grid_min)
    req_periods = [float(p) for p in req.period_start_min]
    starts = [p.pattern.start for p in patterns.values()] + req_periods
    ends = [p.pattern.end for p in patterns.values()] + [p + grid for p in req_periods]
    periods = np.arange(math.floor(min(starts) / grid) * grid, math.ceil(max(ends) / grid) * grid, grid)
    active = active_spans(scenario, req_periods, grid)
    full, anyc = {}, {}
    for name, p in patterns.items():
        full[name], anyc[name] = _coverage(p.pattern, periods, grid, active)
    index = {float(p): i for i, p in enumerate(periods)}
    req_idx = [index[p] for p in req_periods]

    prob = NamedProblem(f"shifts_{scenario.name}", pulp.LpMinimize)   # unique names (optimise.lp_names)
    x = {}
    for k, stype in scenario.staff_types.items():
        for s in allowed_stations(scenario, settings, k):
            for g in (None, *scenario.stations[s].window_groups):
                for name, p in patterns.items():
                    if p.allows(k):
                        x[(k, name, s, g)] = new_column(prob, f"x_{k}_{name}_{s}" + (f"_{g}" if g else ""), "Integer")
    cost = linear((v, scenario.staff_types[k].cost_per_hour * patterns[j].paid_hours)
                  for (k, j, s, g), v in x.items())

    def serves_all(s, g):   # staff at a restricted window count toward the requirements if they help others
        return g is None or scenario.stations[s].window_groups[g].when_idle == "help_others"

    # units: a single pattern (coverage row, variable) or a break group (its X, and each placement's deficit)
    groups = break_groups(patterns) if breaks == "implicit" else [[j] for j in patterns]
    group_cover = {}
    for members in groups:
        if len(members) > 1:
            af = np.max([full[j] for j in members], axis=0)
            aa = np.max([anyc[j] for j in members], axis=0)
            group_cover[members[0]] = (af, aa, {j: (af - full[j], aa - anyc[j]) for j in members})
    units: dict[tuple, list] = {}        # (k, s, g) -> [(full row, any row, variable)]; deficits enter negated
    counted: dict[tuple, list] = {}      # (k, s, g) -> [(pattern names, variable)]: people, for headcount/templates
    for k in scenario.staff_types:
        for s in allowed_stations(scenario, settings, k):
            for g in (None, *scenario.stations[s].window_groups):
                for members in groups:
                    mine = [j for j in members if (k, j, s, g) in x]
                    if not mine:
                        continue
                    if len(members) == 1:
                        j = mine[0]
                        units.setdefault((k, s, g), []).append((full[j], anyc[j], x[(k, j, s, g)]))
                        counted.setdefault((k, s, g), []).append((mine, x[(k, j, s, g)]))
                        continue
                    af, aa, deficit = group_cover[members[0]]
                    big = new_column(prob, f"X_{k}_{members[0]}_{s}" + (f"_{g}" if g else "") + "_all", "Integer")
                    prob.addConstraint(pulp.lpSum(x[(k, j, s, g)] for j in mine) - big == 0,
                                       f"group_{k}_{members[0]}_{s}" + (f"_{g}" if g else ""))
                    units.setdefault((k, s, g), []).append((af, aa, big))
                    for j in mine:
                        units[(k, s, g)].append((-deficit[j][0], -deficit[j][1], x[(k, j, s, g)]))
                    counted.setdefault((k, s, g), []).append((mine, big))
    by_ks: dict[tuple, list] = {}
    for (k, s, g), us in units.items():
        by_ks.setdefault((k, s, ALL_SEATS), []).extend(us)
        by_ks.setdefault((k, s, g), []).extend(us)
        if serves_all(s, g):
            by_ks.setdefault((k, s, COVER_SEATS), []).extend(us)

    def on_duty(types, s, i, seats=COVER_SEATS):
        """``(variable, coefficient)`` terms of the staff of ``types`` at ``s`` on duty throughout period ``i``."""
        return [(v, int(f[i])) for k in types for f, _, v in by_ks.get((k, s, seats), ()) if f[i]]

    slacks: dict[str, tuple] = {}
    targets: dict[tuple, float] = {}
    rows: dict[tuple, pulp.LpConstraint] = {}   # the rows looked up later, by what they are (not by name: lp_names)

    def add(lhs, rhs, name, info):
        """``lhs >= rhs``, with a slack on the left where the mode asks for one."""
        if slack == "all" or (slack == "requirements" and info["kind"] != "rule"):
            e = new_column(prob, f"slack_{name}")
            slacks[name] = (e, info)
            lhs = lhs + e
        prob.addConstraint(lhs >= rhs, name)

    for s in req.stations:
        types = [k for k in scenario.staff_types if s in allowed_stations(scenario, settings, k)]
        pool, skill_t = req.station_target(s), req.skill_targets(s)
        for r, i in enumerate(req_idx):
            t = periods[i]
            if pool[r] > 0:
                targets[("pool", s, float(t))] = float(pool[r])
                add(linear(on_duty(types, s, i)), int(pool[r]), f"pool_{s}_{period_label(t)}",
                    {"kind": "pool", "station": s, "period": t, "required": int(pool[r])})
            ys = {}
            for q, target in skill_t.items():
                if target[r] <= 1e-9:
                    continue
                able = [k for k in types if q in scenario.staff_types[k].skills]
                for k in able:
                    ys[(k, q)] = new_column(prob, f"y_{k}_{s}_{q}_{period_label(t)}")
                targets[("cover", s, q, float(t))] = float(target[r])
                add(linear((ys[(k, q)], 1 / scenario.staff_types[k].skills[q]) for k in able), float(target[r]),
                    f"cover_{s}_{q}_{period_label(t)}",
                    {"kind": "cover", "station": s, "skill": q, "period": t, "required": float(target[r])})
            for k in types:
                mine = [(v, 1) for (kk, _), v in ys.items() if kk == k]
                if mine:
                    prob.addConstraint(linear(mine) <= linear(on_duty([k], s, i)), f"alloc_{k}_{s}_{period_label(t)}")
    for s, st in scenario.stations.items():
        seats = {None: st.windows - sum(g.windows for g in st.window_groups.values()),
                 **{g: grp.windows for g, grp in st.window_groups.items()}}
        for g, limit in seats.items():
            mine = [u for (k, ss, gg), us in units.items() if ss == s and gg == g for u in us]
            for i, t in enumerate(periods):
                used = [(v, int(a[i])) for _, a, v in mine if a[i]]
                if used:
                    row = linear(used) <= limit
                    prob.addConstraint(row, f"windows_{s}_{period_label(t)}" if g is None
                                       else f"windows_{s}_{g}_{period_label(t)}")
                    rows[("windows", s, g, float(t))] = row
    for k, limit in settings.headcount.items():
        mine = [v for (kk, _, _), cs in counted.items() if kk == k for _, v in cs]
        if mine:
            row = pulp.lpSum(mine) <= limit
            prob.addConstraint(row, f"headcount_{k}")
            rows[("headcount", k)] = row
    for tid, t in settings.shift_templates.items():
        if t.max_staff is not None:
            mine = [v for cs in counted.values() for names, v in cs if patterns[names[0]].template == tid]
            if mine:
                row = pulp.lpSum(mine) <= t.max_staff
                prob.addConstraint(row, f"template_{tid}")
                rows[("template", tid)] = row
    ticket_idx = [i for i, kind in zip(req_idx, req.kinds()) if kind == "ticket"]
    for rule in settings.cover_rules:
        s = rule.station
        for i in ticket_idx:
            t = periods[i]
            have = linear(on_duty(rule.staff_types, s, i, rule.window_group or ALL_SEATS))
            info = {"kind": "rule", "rule": rule.id, "station": s, "period": t, "required": rule.min_staff}
            if rule.when == "always":
                add(have, rule.min_staff, f"rule_{rule.id}_{period_label(t)}", info)
            else:
                z = new_column(prob, f"z_{rule.id}_{period_label(t)}", "Binary")
                total = linear(on_duty(scenario.staff_types, s, i, ALL_SEATS))
                prob.addConstraint(total <= rule.when.windows_open_at_least - 1 + scenario.stations[s].windows * z,
                                   f"rule_{rule.id}_{period_label(t)}_trigger")
                add(have - rule.min_staff * z, 0, f"rule_{rule.id}_{period_label(t)}", info)
    objective = cost
    # people: each pattern's staff at a station are all on duty at one moment, so at most its windows
    max_people = sum(st.windows for st in scenario.stations.values()) * max(len(patterns), 1)
    capped = [settings.headcount.get(k) for k in scenario.staff_types]
    if capped and all(c is not None for c in capped):
        max_people = min(max_people, int(sum(capped)))
    epsilon, grid = 0.0, None
    if slacks:
        objective = cost + SLACK_COST * pulp.lpSum(e for e, _ in slacks.values())
    elif x:
        epsilon, grid = tie_break_weight([scenario.staff_types[k].cost_per_hour * patterns[j].paid_hours
                                          for (k, j, s, g) in x], max_people)
        if epsilon:
            objective = cost + epsilon * pulp.lpSum(x.values())
    prob.setObjective(objective)
    return ShiftModel(prob, x, patterns, periods, full, slacks, targets, epsilon, grid, max_people, rows)

