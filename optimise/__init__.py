"""Staffing optimisation: Erlang analytics, requirements, the shift MILP, simulate and repair.

Public API::

    from optimise import plan_staffing, load_settings
    plan = plan_staffing(scenario, settings)          # settings=None: the scenario's optimise: block
    plan.roster.table(scenario), plan.cost, plan.verified_targets()

* :func:`compute_requirements` (SIPP or time-varying offered load) -> :class:`Requirements`
* :func:`plan_shifts` (the MILP) -> :class:`ShiftSolution` with a :class:`Roster`;
  :class:`InfeasiblePlan`, :class:`SolverUnavailable`
* :func:`plan_staffing` (simulate and repair, verification) -> :class:`StaffingPlan`;
  :func:`evaluate` is the one boundary with the simulator
* settings: :class:`OptimiseSettings` (defined in :mod:`sim.optimise_settings`),
  :func:`load_settings`, :func:`settings_from_dict`, :func:`resolve_settings`, :func:`generate_patterns`
"""

from .loop import StaffingPlan, evaluate, plan_staffing
from .requirements import Requirements, compute_requirements
from .settings import (OptimiseSettings, generate_patterns, load_settings, resolve_settings,
                       settings_from_dict)
from .shifts import InfeasiblePlan, Roster, ShiftSolution, SolverUnavailable, plan_shifts

__all__ = ["plan_staffing", "evaluate", "StaffingPlan", "compute_requirements", "Requirements", "plan_shifts",
           "Roster", "ShiftSolution", "InfeasiblePlan", "SolverUnavailable", "OptimiseSettings", "load_settings",
           "settings_from_dict", "resolve_settings", "generate_patterns"]
