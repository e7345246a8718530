"""What a MILP solve proved: optimal, time-limited (with its gap and best bound) or infeasible.

PuLP maps a HiGHS run stopped by its time limit with an incumbent to
``LpStatusOptimal`` with an "integer feasible" solution status, so the PuLP
status alone cannot tell an optimum from the best roster found in the time
allowed. :func:`read_status` reads the HiGHS model itself (``problem.solverModel``
after ``pulp.HiGHS`` solved it): the model status, the incumbent's objective,
the dual (best) bound and the relative gap. Only ``kOptimal`` (the solver's own
proof, within ``mip_gap``) is "optimal". For CBC (no such access) the PuLP
solution status decides: "integer feasible" is reported as time-limited with
an unknown bound.

The objective reported is that of the roster (cost, plus the slack penalty
in the fill and diagnostic models) without the secondary tie-break term of
:mod:`optimise.shifts`; the bound is converted to the same scale and rounded
up to the cost grid (valid: every roster's cost is on that grid, see
``tie_break_weight``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pulp

OPTIMAL, TIME_LIMITED, INFEASIBLE = "optimal", "time_limited", "infeasible"


@dataclass(frozen=True)
class MilpStatus:
    """How one solve ended. ``gap`` is ``(objective - best_bound) / |objective|`` (None when unknown)."""

    status: str                      # optimal | time_limited | infeasible
    objective: float | None
    best_bound: float | None
    gap: float | None
    time_s: float
    variables: int
    constraints: int
    nodes: int | None = None
    penalised: bool = False          # the objective holds the fill model's shortfall penalty (SLACK_COST per unit)

    @property
    def optimal(self) -> bool:
        return self.status == OPTIMAL

    def text(self) -> str:
        """One line for the terminal: ``optimal`` or ``time-limited (gap 3.1%, bound 241.21)``."""
        if self.status == TIME_LIMITED:
            gap = "unknown" if self.gap is None else f"{100 * self.gap:.2f}%"
            bound = "unknown" if self.best_bound is None else f"{self.best_bound:.2f}"
            return f"time-limited, not proven optimal (gap {gap}, best bound {bound})"
        return self.status

    def as_dict(self) -> dict:
        """The ``milp`` block of plan.json."""
        return {"status": self.status, "objective": self.objective, "best_bound": self.best_bound, "gap": self.gap,
                "time_s": round(self.time_s, 3), "variables": self.variables, "constraints": self.constraints,
                "objective_includes_shortfall_penalty": self.penalised}


def tie_break_weight(coefficients: list[float], max_people: int) -> tuple[float, float | None]:
    """``(epsilon, grid)``: a weight per person that can never trade cost, and the cost grid.

    When every cost coefficient is a whole number of cents (to 1e-9), every
    roster's cost is a multiple of ``grid`` = the gcd of the coefficients in
    cents / 100, so two rosters of different cost differ by at least ``grid``.
    With ``epsilon = grid / (2 (max_people + 1))`` the whole tie-break term
    ``epsilon x people`` stays below ``grid / 2``: minimising ``cost + epsilon
    x people`` gives a cheapest roster, and among the cheapest the one with
    the fewest people. Coefficients off the cent grid: ``(0, None)`` (no tie-break).
    """
    cents = []
    for c in coefficients:
        v = round(c * 100)
        if abs(c * 100 - v) > 1e-6:
            return 0.0, None
        if v:
            cents.append(int(abs(v)))
    if not cents:
        return 0.0, None
    g = 0
    for v in cents:
        g = math.gcd(g, v)
    grid = g / 100.0
    return grid / (2.0 * (max_people + 1)), grid


def read_status(problem: pulp.LpProblem, pulp_status: int, time_s: float, *, epsilon: float = 0.0,
                people: int = 0, max_people: int = 0, grid: float | None = None) -> MilpStatus:
    """The :class:`MilpStatus` of a solved ``problem`` (see the module docstring).

    ``people`` is the number of people in the incumbent (to strip the
    tie-break term ``epsilon x people`` from the objective), ``max_people``
    an upper bound on it (to strip it from the bound).
    """
    n_vars, n_cons = problem.numVariables(), problem.numConstraints()   # counted by the solve (no rescan)
    model = getattr(problem, "solverModel", None)
    strip = epsilon * people
    if model is not None and hasattr(model, "getModelStatus"):
        import highspy
        ms = model.getModelStatus()
        info = model.getInfo()
        has_sol = info.primal_solution_status == 2    # kSolutionStatusFeasible
        obj = float(info.objective_function_value) - strip if has_sol else None
        if ms == highspy.HighsModelStatus.kInfeasible:
            return MilpStatus(INFEASIBLE, None, None, None, time_s, n_vars, n_cons)
        bound = float(getattr(info, "mip_dual_bound", math.nan))
        nodes = int(getattr(info, "mip_node_count", -1))
        if not math.isfinite(bound) or nodes < 0:      # an LP (no integers) solved to optimality
            bound = obj if ms == highspy.HighsModelStatus.kOptimal else None
        elif bound is not None and epsilon:
            bound = max(0.0, bound - epsilon * max_people)
            if grid:
                bound = math.ceil(bound / grid - 1e-6) * grid
        if ms == highspy.HighsModelStatus.kOptimal and obj is not None:
            bound = obj if bound is None else min(bound, obj)
            return MilpStatus(OPTIMAL, obj, bound, _gap(obj, bound), time_s, n_vars, n_cons,
                              nodes if nodes >= 0 else None)
        if has_sol:
            return MilpStatus(TIME_LIMITED, obj, bound, _gap(obj, bound), time_s, n_vars, n_cons,
                              nodes if nodes >= 0 else None)
        return MilpStatus(TIME_LIMITED, None, bound, None, time_s, n_vars, n_cons, nodes if nodes >= 0 else None)
    obj = pulp.value(problem.objective)
    obj = None if obj is None else float(obj) - strip
    if pulp_status == pulp.LpStatusInfeasible:
        return MilpStatus(INFEASIBLE, None, None, None, time_s, n_vars, n_cons)
    if problem.sol_status == pulp.LpSolutionOptimal:
        return MilpStatus(OPTIMAL, obj, obj, 0.0, time_s, n_vars, n_cons)
    return MilpStatus(TIME_LIMITED, obj, None, None, time_s, n_vars, n_cons)


def _gap(obj: float | None, bound: float | None) -> float | None:
    if obj is None or bound is None:
        return None
    gap = max(0.0, obj - bound) / max(abs(obj), 1e-9)
    return 0.0 if gap < 1e-12 else gap


def iteration_columns(info: MilpStatus | None) -> dict:
    """The iterations.csv columns of one solve (none when the row had no solve)."""
    if info is None:
        return {}
    return {"milp_status": info.status, "milp_gap": info.gap, "milp_bound": info.best_bound,
            "milp_time_s": round(info.time_s, 3), "milp_variables": info.variables,
            "milp_constraints": info.constraints}
