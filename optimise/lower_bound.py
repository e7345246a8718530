"""A lower bound on the cost of any roster that meets every target: the work that must be done.

Why the old bound failed
------------------------
Staffing every period for its peak offered load ``m(t)`` is not necessary: a
queue may carry work from one period into the next, so that bound could exceed
the windows or the headcount (the city office) and then said nothing.

The bound (a relaxation, hence valid)
-------------------------------------
Let ``W_sq(t)`` be the expected standard-speed work, at station ``s`` and
skill ``q``, of every step of the citizens ticketed at or after ``t`` (the
batch at opening included, appointments included; a step needed with
probability ``p`` counts ``p`` times its mean work). A citizen ticketed at or
after ``t`` is served at or after ``t``, so in the fluid model (expected
work, no randomness) a roster that serves everyone must deliver, between
``t`` and the end of the day, at least ``W_sq(t)`` at every ``t``:

    sum_{k holds q, j, g} x[k, j, s, g] * cap_q[k, j](t)  >=  W_sq(t) - leak_sq     (skill q)
    sum_{k, j, g}         x[k, j, s, g] * cap_s[k, j](t)  >=  W_s(t)  - leak_s      (the station)

``cap[k, j](t)``: the minutes pattern ``j`` is at work after ``t`` (breaks out),
to the hard stop when it ends at or after closing and staff stay while
tickets wait (``serve_until_empty``), times the person's speed (``1 /``
time multiplier; the best of its skills at the station for the station's
row). Nobody can work faster or longer than that, so the left side is an upper
bound on the work a roster can do after ``t``.

``leak``: the work a roster may leave undone and still meet every target.
Citizens may be unserved at the hard stop (at most the unserved limit ``u``
of the tickets) or abandon (when patience is modelled: at most the
tightest abandonment ceiling, else ``1 -`` the highest first-step service
level, since an abandoned citizen is never called; else all of them). With
that share ``L`` of the expected tickets ``N``, ``leak = L N w_max``, where
``w_max`` is the largest expected work per ticket of a service type there.

Every roster that meets every target (in the fluid model) satisfies these
constraints and the hard ones of the shift MILP (windows, headcount,
template caps, cover rules). The cheapest roster under them is a lower bound
on the cost of every roster that meets every target; a time-limited solve
reports the solver's best bound, still valid. It is a bound of the fluid
model: a simulated day with fewer citizens than expected could need less,
and a person finishing a citizen after the shift's end (overtime) is not counted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pulp

from sim.optimise_settings import OptimiseSettings
from sim.scenario import Scenario

from .messages import Message
from .requirements import DT_MIN, appointment_mass, compute_requirements, ticket_mass
from .settings import PatternOption
from .shifts import InfeasiblePlan, NoRosterInTime, build_model, solve

METHOD = Message("bound.fluid_work")   # "fluid work: the work of the citizens ticketed after each moment, ..."


@dataclass(frozen=True)
class LowerBound:
    """The bound, how it was obtained, and what the solve proved."""

    cost: float | None         # None: no roster within the limits can do the work (see note)
    proven: bool               # the MILP of the bound was solved to optimality (else: its best bound)
    method: str
    note: str
    milp_status: str = ""
    time_s: float = 0.0


def arriving_work(scenario: Scenario, grid_min: int) -> tuple[np.ndarray, dict[tuple[str, str], np.ndarray],
                                                            dict[tuple[str, str], float], float]:
    """``(moments, W, w_max, tickets)``: ``W[(station, skill)][i]`` = expected work ticketed at or after ``moments[i]``.

    ``moments`` are the grid moments in the ticket hours (opening first);
    ``w_max`` the largest expected work per ticket of a service type at
    ``(station, skill)``; ``tickets`` the expected tickets of the day.
    """
    h = scenario.hours
    t0, dt = h.open_min, DT_MIN
    n = int(math.ceil((h.hard_stop_min - t0) / dt)) + 1
    walk_in = ticket_mass(scenario, t0, n, dt, opening_batch=True)
    booked = appointment_mass(scenario, t0, n, dt)
    cell_start = t0 + dt * np.arange(n)
    moments = np.unique(np.concatenate([[h.open_min], np.arange(math.ceil(h.open_min / grid_min) * grid_min,
                                                                 h.last_ticket_min, grid_min)]))
    work: dict[tuple[str, str], np.ndarray] = {}
    w_max: dict[tuple[str, str], float] = {}
    tickets = 0.0
    for code, service in scenario.services.items():
        mass = walk_in * scenario.arrivals.mix.get(code, 0.0) + booked.get(code, np.zeros(n))
        tickets += float(mass.sum())
        after = np.array([mass[cell_start >= m - 1e-9].sum() for m in moments])
        per_ticket: dict[tuple[str, str], float] = {}
        for step in service.steps:
            key = (step.station, step.skill or code)
            per_ticket[key] = per_ticket.get(key, 0.0) + step.probability * step.work.mean
        for key, w in per_ticket.items():
            work[key] = work.get(key, np.zeros(len(moments))) + after * w
            if mass.sum() > 0:
                w_max[key] = max(w_max.get(key, 0.0), w)
    return moments, work, w_max, tickets


def leak_share(scenario: Scenario) -> float:
    """The share of tickets a roster may leave without their work and still meet every target (see above)."""
    targets = scenario.checked_targets
    u = min((t.fraction for t in targets if t.kind == "max_unserved"), default=1.0)
    dists = [c.patience or scenario.patience for c in scenario.classes.values()]
    if not any(d is not None for d in dists):
        return min(1.0, u)
    ceilings = [t.fraction for t in targets if t.kind == "max_abandonment"]
    levels = [t.fraction for t in targets if t.kind == "service_level" and t.station is None and t.step == "first"]
    a = min(ceilings) if ceilings else (1.0 - max(levels) if levels else 1.0)
    return min(1.0, u + a)


def _capacity_min(pattern, after_min: float, day_end_min: float) -> float:
    """Minutes at work after ``after_min`` (to ``day_end_min`` for the last work period when it is later)."""
    periods = list(pattern.work_periods_min())
    total = 0.0
    for i, (a, b) in enumerate(periods):
        if i == len(periods) - 1:
            b = max(b, day_end_min)
        total += max(0.0, b - max(a, after_min))
    return total


def fluid_lower_bound(scenario: Scenario, settings: OptimiseSettings, patterns: list[PatternOption],
                      solver: str = "highs", time_limit_s: float = 60.0) -> LowerBound:
    """The MILP of the module docstring; its cost (or best bound) is the lower bound."""
    base = compute_requirements(scenario, "time_varying", settings.grid_min, opening_batch=False)
    empty = replace(base, method="fluid work", adjust={},
                    pooled_staff={s: np.zeros(len(v), int) for s, v in base.pooled_staff.items()},
                    skill_staff={k: np.zeros(len(v)) for k, v in base.skill_staff.items()})
    model = build_model(scenario, settings, empty, patterns)
    moments, work, w_max, tickets = arriving_work(scenario, settings.grid_min)
    leak = leak_share(scenario) * tickets
    h = scenario.hours
    stay = scenario.calling.end_of_day == "serve_until_empty"
    by_name = {p.name: p.pattern for p in patterns}

    def day_end(j):
        p = by_name[j]
        return h.hard_stop_min if stay and p.end >= h.close_min - 1e-9 else p.end

    def rate(k, s, skill=None):
        skills = scenario.staff_types[k].skills
        if skill is not None:
            return 1.0 / skills[skill] if skill in skills else 0.0
        here = [q for (ss, q) in work if ss == s and q in skills]
        return max((1.0 / skills[q] for q in here), default=0.0)

    added = 0
    rows = list(work) + [(s, None) for s in dict.fromkeys(s for s, _ in work)]
    for (s, q) in rows:
        need = (work[(s, q)] if q is not None else sum(v for (ss, _), v in work.items() if ss == s))
        slack = leak * (w_max.get((s, q), 0.0) if q is not None
                        else max((w for (ss, _), w in w_max.items() if ss == s), default=0.0))
        terms = [(v, rate(k, s, q), j) for (k, j, ss, g), v in model.x.items() if ss == s]
        for i, t in enumerate(moments):
            rhs = float(need[i]) - slack
            if rhs <= 1e-9:
                continue
            lhs = pulp.lpSum(r * _capacity_min(by_name[j], t, day_end(j)) * v for v, r, j in terms if r > 0)
            name = f"work_{s}" + (f"_{q}" if q else "") + f"_{int(t)}"
            model.problem.addConstraint(lhs >= rhs, name)
            added += 1
    try:
        sol = solve(model, scenario, settings, solver, time_limit_s, settings.mip_gap)
    except InfeasiblePlan:
        return LowerBound(None, True, METHOD, Message("bound.infeasible"), "infeasible")
    except NoRosterInTime as exc:
        return LowerBound(None, False, METHOD, Message("bound.unavailable", why=str(exc)), "time_limited",
                          time_limit_s)
    info = sol.milp
    cost = sol.cost if info.optimal else (info.best_bound if info.best_bound is not None else None)
    if cost is None:
        return LowerBound(None, False, METHOD, Message("bound.no_bound"), info.status, info.time_s)
    numbers = {"cost": f"{cost:.2f}", "method": METHOD, "constraints": added, "time_s": f"{info.time_s:.2f}"}
    note = (Message("bound.optimal", **numbers) if info.optimal else
            Message("bound.time_limited", gap_pct=f"{100 * (info.gap or 0):.1f}", **numbers))
    return LowerBound(float(cost), info.optimal, METHOD, note, info.status, info.time_s)
