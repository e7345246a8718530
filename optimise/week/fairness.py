"""Stage 2 of the week's roster: the fairest roster of the least cost (the formulation: :mod:`optimise.week.model`)."""

from __future__ import annotations

import pulp

from ..lp_names import new_column
from .model import RosterModel


def add_fairness(model: RosterModel, cost_cap: float, weight_preferences: float, shortfalls=None) -> None:
    """Stage 2: hold the cost (and any cover shortfall) at stage 1's and minimise the spread of duties and the
    non-preferred shifts."""
    prob = model.problem
    prob.addConstraint(model.cost <= cost_cap, "stage2_cost_cap")
    if model.slacks:
        total = sum(e.varValue or 0.0 for e, _ in model.slacks.values())
        prob.addConstraint(pulp.lpSum(e for e, _ in model.slacks.values()) <= total + 1e-6, "stage2_shortfall_cap")
    spread = []
    for kind, counts in model.duty.items():
        if len(counts) < 2:
            continue
        hi, lo = new_column(prob, f"fair_{kind}_max"), new_column(prob, f"fair_{kind}_min")
        now = [max(0.0, round(pulp.value(expr) or 0.0)) for expr in counts.values()]   # stage 1: the warm start
        hi.setInitialValue(max(now))
        lo.setInitialValue(min(now))
        for i, expr in counts.items():
            prob.addConstraint(expr <= hi, f"fair_{kind}_hi_{i}")
            prob.addConstraint(expr >= lo, f"fair_{kind}_lo_{i}")
        spread.append(hi - lo)
    prob.setObjective(pulp.lpSum(spread) + weight_preferences * model.preference_misses)
