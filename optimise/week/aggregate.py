"""The least-cost roster through classes of interchangeable people: aggregate counts first, then names.

Formulation
-----------
Stage 1a (the aggregate MILP, :func:`optimise.week.model.build_roster_model` with ``aggregate=True``):
people who are interchangeable (:func:`optimise.week.model.interchangeable`: same staff type, so cost,
skills and speeds, stations, contract, preferred and forbidden shifts) form a class ``c``; its integer
count ``n[c, d, j, s]``, ``0 <= n <= |A[c, d]|`` (``A[c, d]`` the members available on day ``d``),
replaces ``sum_{i in c} x[i, d, j, s]`` in every day row of the roster MILP (cover, pool, min_staff,
windows, templates, cover rules, each a function of these sums only) and the person rules are summed over
the class (:mod:`optimise.week.class_rules`). Its objective is the roster's (cost, plus the priced
shortfall with ``plan.shortfall: report``), a function of the counts only.

Stage 1b (assignment): the roster MILP of the named people with every person rule, and the counts fixed,

    link_{c}_{d}_{j}_{s}:  sum_{i in A[c, d]} x[i, d, j, s] = n*[c, d, j, s]   (x = 0 where n* = 0)

Proof of optimality
-------------------
Any roster ``x`` gives counts ``n = sum_{i in c} x`` that keep every row of 1a (each is a day row
unchanged or a sum of person rules over the class), with the same objective: 1a is a relaxation, so its
optimum ``z_a`` (or, time-limited, its best bound) is a lower bound on every roster's objective. A roster
of 1b has the counts ``n*`` and so the objective ``z_a``: when 1a is optimal, it is optimal with proof
(the gap is 1a's). When 1b has no solution (a person rule not summed, e.g. two consecutive rest days, or
the sum hides an indivisible split), :func:`optimise.week.solve.solve_week` solves the roster MILP as
before and reports the larger of its bound and ``z_a``'s bound.
"""

from __future__ import annotations

import time
import warnings

import pulp

from .model import RosterModel, build_roster_model
from .person_rules import interchangeable
from .stage import StageReport, run_stage


AGGREGATE_SHARE = 1 / 3          # of the cost stage's time limit, for 1a (1b and any fallback: the rest)
# HiGHS spends more of its effort on primal heuristics (default 0.05): on the city weeks 1a's bound hardly moves
# after the root, and the heuristics find the better rosters (benchmarks/bench_week.py).
AGGREGATE_OPTIONS = {"mip_heuristic_effort": 0.5}


def worth_aggregating(scenario) -> bool:
    """True when some class has more than one member (otherwise 1a is the roster MILP itself)."""
    return any(len(c) > 1 for c in interchangeable(scenario))


def aggregate_then_assign(scenario, plans, model: RosterModel, time_limit_s: float, mip_gap: float,
                          elastic: str | None) -> tuple[StageReport | None, StageReport]:
    """Stages 1a and 1b of the module docstring on the roster MILP ``model``.

    Returns (the cost stage's report, 1a's report). The first is None when 1b found no roster (the model is
    then left as it was: no link rows, bounds restored); otherwise ``model``'s variables hold the roster.
    """
    started = time.perf_counter()
    agg = build_roster_model(scenario, plans, elastic=elastic, aggregate=True)
    first = run_stage(agg, time_limit_s * AGGREGATE_SHARE, mip_gap, "aggregate", options=AGGREGATE_OPTIONS)
    first.method = "aggregate MILP (a relaxation)"
    if first.objective is None:
        return None, first
    counts = {k: int(round(v.varValue or 0.0)) for k, v in agg.x.items()}
    unit = {i: members[0] for members in interchangeable(scenario) for i in members}
    groups: dict[tuple, list[pulp.LpVariable]] = {}
    for (i, d, j, s), v in model.x.items():
        groups.setdefault((unit[i], d, j, s), []).append(v)
    if any(n > 0 and k not in groups for k, n in counts.items()):
        return None, first
    prob, links, closed = model.problem, [], []
    for (u, d, j, s), vs in groups.items():
        n = counts.get((u, d, j, s), 0)
        if n == 0:
            closed += vs
        else:
            name = f"link_{u}_d{d}_{j}_{s.replace('/', '_')}"
            row = pulp.lpSum(vs) == n
            prob.addConstraint(row, name)
            links.append(row.name)     # as PuLP spells it
    for v in closed:
        v.upBound = 0
    try:
        left = max(1.0, time_limit_s - (time.perf_counter() - started))
        second = run_stage(model, left, mip_gap, "cost", warm=False)
    finally:
        with warnings.catch_warnings():    # PuLP 3.3 has no public removal of a row; the mapping is deprecated
            warnings.simplefilter("ignore", DeprecationWarning)
            for name in links:
                del prob.constraints[name]
        for v in closed:
            v.upBound = 1
    if second.objective is None:
        return None, first
    bound, z = first.best_bound, second.objective
    gap = None if bound is None else max(0.0, z - bound) / max(abs(z), 1e-9)
    proven = first.status == "optimal" and gap is not None and gap <= max(mip_gap, 1e-6)
    report = StageReport("cost", "optimal" if proven else "time_limited", z, bound, gap,
                         time.perf_counter() - started, **model.size, method="aggregate + assignment")
    return report, first
