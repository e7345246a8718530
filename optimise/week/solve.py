"""Solve the week's roster: least cost first, then the fairest roster of that cost; read the roster back.

The least cost, when some people are interchangeable: the aggregate MILP over classes, then the named people
assigned to its counts (:mod:`optimise.week.aggregate`: optimal with proof when the aggregate is); when no
assignment exists, the roster MILP from an LP-and-fix start, with the aggregate's bound. The fairness stage
starts from the least-cost roster with the cost held, within ``FAIRNESS_SHARE`` of the time limit.

Every solve is reported with its status (``optimal``, ``time_limited``,
``infeasible``), objective, best bound, relative gap, time and size. A
time-limited stage is never called optimal: its gap says how far from
proven it is. An infeasible week raises :class:`InfeasibleWeek` naming the
day, the rule and the people it binds on (:mod:`optimise.week.diagnose`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pandas as pd
import pulp

from sim.clock import format_clock
from sim.scenario import Scenario

from .days import DayPlan, day_plans
from .aggregate import aggregate_then_assign, worth_aggregating
from .fairness import add_fairness
from .model import RosterModel, build_roster_model
from .stage import StageReport, WarmHiGHS, run_stage  # noqa: F401 (StageReport, WarmHiGHS: re-exported)
from .seats import seat, split_seat


WARM_START_FROM_VARIABLES = 3000   # larger weeks start from a relax-and-fix roster
# The fairness stage's budget, a share of the time limit: it starts from the least-cost roster with the cost
# held, so a stage stopped early returns that roster or a fairer one of the same cost, never a worse one.
FAIRNESS_SHARE = 1 / 6


class InfeasibleWeek(Exception):
    """No roster of the named staff meets every day's cover under the rules.

    ``problems`` are readable lines (day, rule, people); ``shortfalls`` the
    elastic re-solve's positive slacks.
    """

    def __init__(self, problems: list[str], shortfalls: pd.DataFrame | None = None, status: str = "infeasible"):
        self.problems, self.status = problems, status
        self.shortfalls = shortfalls if shortfalls is not None else pd.DataFrame()
        super().__init__("no roster of the named staff meets the week:\n" + "\n".join(f"  {p}" for p in problems))


@dataclass(frozen=True)
class Assignment:
    """One person's duty on one day."""

    person_id: str
    name: str
    staff_type: str
    day_index: int
    day: str
    shift: str                 # the pattern's name, e.g. CONT-0830-1730-b1200
    template: str | None
    start_min: float
    end_min: float
    breaks: tuple[tuple[float, float], ...]
    paid_hours: float
    station: str
    cost: float
    window_group: str | None = None    # the station's window group the person sits in (None: ordinary seats)

    @property
    def seat(self) -> str:
        """``counter``, or ``counter/green`` for a seat in the green-channel group."""
        return seat(self.station, self.window_group)

    @property
    def times(self) -> str:
        return f"{format_clock(self.start_min)}-{format_clock(self.end_min)}"


@dataclass
class WeekRoster:
    """The roster of a week and how it was found."""

    scenario: Scenario
    plans: list[DayPlan]
    assignments: list[Assignment]
    cost: float
    stages: list[StageReport]
    model: RosterModel = field(repr=False)
    requirements_time_s: float = 0.0
    shortfalls: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)   # cover not given (see model)
    aggregate: StageReport | None = None      # stage 1a (:mod:`optimise.week.aggregate`) when it ran

    @property
    def proven_optimal_cost(self) -> bool:
        return self.stages[0].status == "optimal"

    def cover_frame(self) -> pd.DataFrame:
        """Per day, station and period: the staff required (pooled target and min_staff) and on duty."""
        on = {}
        for a in self.assignments:
            g = self.model.grids[a.day_index]
            full = g.full[a.shift]
            for k, p in enumerate(g.periods):
                if full[k]:
                    on[(a.day_index, a.station, float(p))] = on.get((a.day_index, a.station, float(p)), 0) + 1
        req: dict[tuple, float] = {}
        for key, value in self.model.targets.items():
            if key[0] == "pool":
                req[key[1:]] = max(req.get(key[1:], 0.0), value)
        for pl in self.plans:
            if pl.day.closed:
                continue
            g = self.model.grids[pl.day.index]
            for s, n in pl.min_staff.items():
                for k in g.ticket_idx:
                    key = (pl.day.index, s, float(g.periods[k]))
                    req[key] = max(req.get(key, 0.0), float(n))
        rows = []
        codes = {pl.day.index: pl.code for pl in self.plans}
        for key in sorted(set(req) | set(on)):
            d, s, p = key
            rows.append({"day": codes[d], "day_index": d, "station": s, "period": format_clock(p),
                         "period_start_min": p, "required": req.get(key, 0.0), "on_duty": on.get(key, 0),
                         "shortfall": max(0.0, req.get(key, 0.0) - on.get(key, 0))})
        return pd.DataFrame(rows, columns=["day", "day_index", "station", "period", "period_start_min", "required",
                                           "on_duty", "shortfall"])


def relax_and_fix_start(model: RosterModel, time_limit_s: float) -> bool:
    """A first roster for the least-cost solve: the LP relaxation, its assignments at 1 and at 0 fixed, the
    fractional ones solved as a small MILP (LP-and-fix).

    Leaves every variable with a value (the warm start of :class:`WarmHiGHS`) and returns True, or False
    (nothing to start from) when the fixed sub-problem has no solution in ``time_limit_s``.
    """
    from ..shifts import _quiet_stdout

    prob = model.problem
    with _quiet_stdout():
        prob.solve(pulp.HiGHS(mip=False, msg=False, timeLimit=time_limit_s))
    if prob.sol_status != pulp.LpSolutionOptimal:
        return False
    fixed = [v for v in model.x.values() if v.varValue is not None and v.varValue > 0.999]
    zeros = [v for v in model.x.values() if v.varValue is None or v.varValue < 1e-6]
    for v in fixed:
        v.lowBound = 1
    for v in zeros:
        v.upBound = 0
    try:
        with _quiet_stdout():
            prob.solve(pulp.HiGHS(msg=False, timeLimit=time_limit_s, gapRel=1e-3))
        ok = prob.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    finally:
        for v in fixed:
            v.lowBound = 0
        for v in zeros:
            v.upBound = 1
    return ok and all(v.varValue is not None for v in prob.variables())


def with_aggregate_bound(report: StageReport, bound: float, mip_gap: float) -> StageReport:
    """The roster MILP's report with the aggregate MILP's bound when it is the better (a valid lower bound,
    :mod:`optimise.week.aggregate`); optimal when the incumbent is within ``mip_gap`` of it."""
    if report.objective is None or report.status in ("optimal", "infeasible"):
        return report
    best = max(bound, report.best_bound) if report.best_bound is not None else bound
    gap = max(0.0, report.objective - best) / max(abs(report.objective), 1e-9)
    status = "optimal" if gap <= max(mip_gap, 1e-6) else report.status
    return StageReport(**{**report.as_dict(), "best_bound": best, "gap": gap, "status": status,
                          "method": "roster MILP, aggregate bound"})


def _values(model: RosterModel) -> dict:
    return {k: 1 for k, v in model.x.items() if v.varValue is not None and v.varValue > 0.5}


def read_assignments(scenario: Scenario, model: RosterModel, chosen) -> list[Assignment]:
    people = scenario.staff_list.people
    codes = {pl.day.index: pl.code for pl in model.plans}
    out = []
    for (i, d, j, place) in sorted(chosen, key=lambda k: (k[0], k[1])):
        p, o = people[i], model.patterns[d][j]
        rate = scenario.staff_types[p.staff_type].cost_per_hour
        s, group = split_seat(place)
        out.append(Assignment(p.id, p.name, p.staff_type, d, codes[d], j, o.template, o.pattern.start, o.pattern.end,
                              tuple((b.start, b.end) for b in o.pattern.breaks), o.paid_hours, s, rate * o.paid_hours,
                              group))
    return out


def solve_week(scenario: Scenario, plans: list[DayPlan] | None = None, *, time_limit_s: float | None = None,
               fairness: str | None = None, diagnose_infeasible: bool = True) -> WeekRoster:
    """The least-cost roster of the named staff (then the fairest of that cost), or :class:`InfeasibleWeek`.

    ``time_limit_s`` (default ``staff_list.plan.time_limit_s``) bounds the least-cost stage (aggregate and
    assignment, :mod:`optimise.week.aggregate`, or the roster MILP); the fairness stage has
    ``FAIRNESS_SHARE`` of it.
    """
    plan = scenario.staff_list.plan
    started = time.perf_counter()
    plans = plans if plans is not None else day_plans(scenario)
    req_s = time.perf_counter() - started
    limit = time_limit_s or plan.time_limit_s
    elastic = "cover" if plan.shortfall == "report" else None
    model = build_roster_model(scenario, plans, elastic=elastic)
    t0 = time.perf_counter()
    first, bound_from = None, None
    if worth_aggregating(scenario):
        first, bound_from = aggregate_then_assign(scenario, plans, model, limit, plan.mip_gap, elastic)
    if first is None and bound_from is not None and bound_from.status == "infeasible":
        first = StageReport("cost", "infeasible", **model.size, method="aggregate (a relaxation) infeasible")
    if first is None:
        left = limit - (time.perf_counter() - t0)
        warm = len(model.x) > WARM_START_FROM_VARIABLES and relax_and_fix_start(model, max(1.0, left / 3))
        first = run_stage(model, max(1.0, limit - (time.perf_counter() - t0)), plan.mip_gap, "cost", warm=warm)
        if bound_from is not None and bound_from.best_bound is not None:
            first = with_aggregate_bound(first, bound_from.best_bound, plan.mip_gap)
    first.time_s = time.perf_counter() - t0      # the aggregate stage or the start's relax-and-fix included
    if first.status in ("infeasible", "no_solution"):
        if not diagnose_infeasible:
            raise InfeasibleWeek([f"the MILP is {first.status}"], status=first.status)
        from .diagnose import explain_infeasible
        problems, frame = explain_infeasible(scenario, plans, limit)
        if first.status == "no_solution":
            problems = [f"no roster found within {limit:g} s (status {first.status}); raise --time-limit"] + problems
        raise InfeasibleWeek(problems, frame, first.status)
    chosen = _values(model)
    cost = float(pulp.value(model.cost) or 0.0)
    shortfalls = elastic_shortfalls(model)
    stages = [first]
    if (fairness or plan.fairness) == "lexicographic" and model.duty:
        add_fairness(model, cost + 1e-6 * max(1.0, abs(cost)), plan.weight_preferences, shortfalls)
        second = run_stage(model, limit * FAIRNESS_SHARE, plan.mip_gap, "fairness", warm=True)
        stages.append(second)
        if second.status in ("optimal", "time_limited") or second.objective is not None:
            chosen = _values(model)
            cost = float(pulp.value(model.cost) or 0.0)
            shortfalls = elastic_shortfalls(model)
    else:
        stages.append(StageReport("fairness", "not_run"))
    return WeekRoster(scenario, plans, read_assignments(scenario, model, chosen), cost, stages, model, req_s,
                      shortfalls, bound_from)


def elastic_shortfalls(model: RosterModel) -> pd.DataFrame:
    """The cover the roster could not give (positive slacks of ``plan.shortfall: report``)."""
    rows = []
    for name, (e, info) in model.slacks.items():
        if e.varValue is not None and e.varValue > 1e-6:
            rows.append({"constraint": name, "kind": info["kind"], "day": info.get("day"),
                         "period": format_clock(info["period"]), "station": info.get("station"),
                         "skill": info.get("skill"), "rule": info.get("rule"), "required": info.get("required"),
                         "shortfall": float(e.varValue)})
    return pd.DataFrame(rows, columns=["constraint", "kind", "day", "period", "station", "skill", "rule", "required",
                                       "shortfall"])
