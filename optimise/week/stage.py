"""One HiGHS solve of a roster MILP and its report: status, objective, best bound, gap, time, size.

A solve stopped by its time limit is ``time_limited``, never ``optimal``: its gap says how far from proven
it is.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pulp

from ..shifts import make_solver
from .model import RosterModel


@dataclass
class StageReport:
    """How one solve went."""

    stage: str                 # "cost" or "fairness"
    status: str                # optimal | time_limited | infeasible | no_solution | not_run
    objective: float | None = None
    best_bound: float | None = None
    gap: float | None = None
    time_s: float = 0.0
    variables: int = 0
    integer_variables: int = 0
    constraints: int = 0
    method: str = "roster MILP"   # or "aggregate + assignment" (:mod:`optimise.week.aggregate`)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


class WarmHiGHS(pulp.HiGHS):
    """PuLP's HiGHS (through highspy) started from the variables' current values when every one has a value.

    The fairness stage starts from the least-cost roster (feasible by construction), so it always has an
    incumbent, however short its time limit.
    """

    def callSolver(self, lp):
        import highspy

        values = [v.varValue for v in lp.variables()]
        if values and all(x is not None for x in values):
            start = highspy.HighsSolution()
            start.col_value = [float(x) for x in values]
            start.value_valid = True
            lp.solverModel.setSolution(start)
        lp.solverModel.run()


def run_stage(model: RosterModel, time_limit_s: float, mip_gap: float, stage: str, warm: bool = False,
              options: dict | None = None) -> StageReport:
    """Solve ``model`` with HiGHS (from the variables' values if ``warm``; ``options``: HiGHS options by name)."""
    from ..shifts import _quiet_stdout  # HiGHS prints a banner even when asked not to

    prob = model.problem
    size = model.size
    if not prob.variables():
        return StageReport(stage, "optimal", 0.0, 0.0, 0.0, 0.0, **size)
    make_solver("highs", time_limit_s, mip_gap)      # a clear error if HiGHS is missing
    if warm:
        engine = WarmHiGHS(msg=False, timeLimit=time_limit_s, gapRel=mip_gap, **(options or {}))
    elif options:
        engine = pulp.HiGHS(msg=False, timeLimit=time_limit_s, gapRel=mip_gap, **options)
    else:
        engine = make_solver("highs", time_limit_s, mip_gap)
    started = time.perf_counter()
    with _quiet_stdout():
        prob.solve(engine)
    seconds = time.perf_counter() - started
    h = getattr(prob, "solverModel", None)
    status, bound, gap, objective = "no_solution", None, None, None
    has_solution = prob.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    if h is not None:
        import highspy

        ms = h.getModelStatus()
        info = h.getInfo()
        if ms == highspy.HighsModelStatus.kOptimal:
            status = "optimal"
        elif ms == highspy.HighsModelStatus.kInfeasible:
            status = "infeasible"
        elif has_solution:
            status = "time_limited" if ms == highspy.HighsModelStatus.kTimeLimit else h.modelStatusToString(ms)
        if has_solution:
            objective = float(pulp.value(prob.objective) or 0.0)
            bound = float(info.mip_dual_bound) if abs(info.mip_dual_bound) < 1e30 else None
            gap = float(info.mip_gap) if abs(info.mip_gap) < 1e30 else None
    elif prob.status == pulp.LpStatusInfeasible:
        status = "infeasible"
    elif has_solution:
        status = "optimal" if prob.sol_status == pulp.LpSolutionOptimal else "time_limited"
        objective = float(pulp.value(prob.objective) or 0.0)
    if status == "optimal":
        gap = 0.0 if gap is None else gap
    return StageReport(stage, status, objective, bound, gap, seconds, **size)
