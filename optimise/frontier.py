"""Cost against the service-level target: the staffing optimiser re-run at several target levels.

Logic
-----
For each level ``q`` (a share, 0 < q <= 1) the scenario's service-level
target ``target`` gets ``fraction = q`` (every other target is left as it
is) and :func:`optimise.loop.plan_staffing` finds the cheapest roster that
meets all targets in the simulation, then verifies it on fresh seeds. Every
level uses the same seeds (the scenario's ``experiment.seed`` while
optimising, ``seed + verify_seed_offset`` for the verification), so the
levels differ only by the target, not by the citizens simulated.

The result is one row per level (ascending):

==============================  ===========================================================
``level``, ``target``           the level set and the target it was set on
``cost``, ``paid_hours``        of the best roster (cost per day, as in the scenario's units)
``staff``                       staff on that roster
``targets_held_in_sample``      every target met on its 95% bound with the optimisation seeds
``iterations``                  simulations used by the optimiser
``verified_intervals``          hourly (interval-scope) target-intervals checked out of sample
``verified_met``                of those, met on the estimate
``verified_share_met``          ``verified_met / verified_intervals``
``verified_share_met_confident`` the share met with 95% confidence
``target_share_met``            the same share for the varied target alone
``day_targets_met``             every day-scope target met on the estimate (True when there is none)
``verification_ok``             every verified target (hourly and day) met on the estimate
``notes``                       the optimiser's notes (limits that bind ...), ``; ``-joined
``wall_time_s``                 time taken for the level
==============================  ===========================================================

The optimiser is a heuristic (simulate, repair, trim): a higher level can
come out a little cheaper than a lower one when the trimming stopped at
different places. :func:`non_monotone` lists such pairs so they are shown,
not hidden.
"""

from __future__ import annotations

import time
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from sim.loading import Problem, ScenarioError, scenario_from_dict
from sim.metrics import DAY
from sim.optimise_settings import OptimiseSettings
from sim.scenario import Scenario

from .loop import StaffingPlan, plan_staffing
from .settings import resolve_settings

DEFAULT_LEVELS = (0.6, 0.7, 0.8, 0.9, 0.95)
COLUMNS = ("level", "target", "cost", "paid_hours", "staff", "targets_held_in_sample", "iterations",
           "verified_intervals", "verified_met", "verified_share_met", "verified_share_met_confident",
           "target_share_met", "day_targets_met", "verification_ok", "notes", "wall_time_s")


def service_level_target(scenario: Scenario, target: str | None = None) -> str:
    """The id of the target to vary: ``target`` if it is a service level, else the first hourly service level.

    Raises
    ------
    ScenarioError
        No such target, or it is not a service-level target.
    """
    sl = [t for t in scenario.targets if t.kind == "service_level"]
    if target is None:
        if not sl:
            raise ScenarioError([Problem(scenario.name, None, "targets",
                                         "has no service_level target whose level could be varied")])
        hourly = [t for t in sl if t.scope == "interval"]
        return (hourly or sl)[0].id
    match = [t for t in scenario.targets if t.id == target]
    if not match:
        known = ", ".join(t.id for t in scenario.targets) or "none"
        raise ScenarioError([Problem(scenario.name, None, "targets", f"no target '{target}' (targets: {known})")])
    if match[0].kind != "service_level":
        raise ScenarioError([Problem(scenario.name, None, "targets",
                                     f"target '{target}' is a {match[0].kind} target; the frontier varies the "
                                     "fraction of a service_level target")])
    return target


def with_target_level(scenario: Scenario, target: str, level: float) -> Scenario:
    """``scenario`` with the ``fraction`` of target ``target`` set to ``level`` (validated again).

    Examples
    --------
    >>> from pathlib import Path
    >>> from sim.loading import load_scenario
    >>> s = load_scenario(Path(__file__).parents[1] / "scenarios" / "county_hall.yaml")
    >>> [t.fraction for t in with_target_level(s, "sl20", 0.9).targets][:2]
    [0.9, 0.95]
    """
    data = scenario.model_dump(mode="json")
    for t in data["targets"]:
        if t["id"] == target:
            t["fraction"] = float(level)
    return scenario_from_dict(data, source=f"<{scenario.name} with {target} at {level:g}>")


def check_levels(levels: Sequence[float]) -> list[float]:
    """Sorted distinct levels; ``ValueError`` naming any level outside (0, 1]."""
    bad = [q for q in levels if not (isinstance(q, (int, float)) and 0 < q <= 1)]
    if bad or not levels:
        raise ValueError("service-level targets are shares in (0, 1]: " +
                         (", ".join(repr(q) for q in bad) if bad else "no level given"))
    return sorted(set(float(q) for q in levels))


def plan_row(plan: StaffingPlan, target: str, level: float, wall_time_s: float) -> dict:
    """The frontier row of one optimised plan (see the module docstring)."""
    v = plan.verified_targets()
    hourly = v[v["interval"] != DAY] if not v.empty else v
    day = v[v["interval"] == DAY] if not v.empty else v
    mine = hourly[hourly["target"] == target] if not hourly.empty else hourly
    share = lambda frame, col: float(frame[col].astype(bool).mean()) if len(frame) else np.nan  # noqa: E731
    day_ok = bool(day["met"].astype(bool).all()) if len(day) else True
    hourly_ok = bool(hourly["met"].astype(bool).all()) if len(hourly) else True
    return {"level": float(level), "target": target, "cost": float(plan.cost), "paid_hours": float(plan.paid_hours),
            "staff": int(plan.roster.staff()), "targets_held_in_sample": bool(plan.targets_held),
            "iterations": int(len(plan.iterations)), "verified_intervals": int(len(hourly)),
            "verified_met": int(hourly["met"].astype(bool).sum()) if len(hourly) else 0,
            "verified_share_met": share(hourly, "met"), "verified_share_met_confident": share(hourly, "met_confident"),
            "target_share_met": share(mine, "met"), "day_targets_met": day_ok,
            "verification_ok": bool(plan.verification is not None and day_ok and hourly_ok),
            "notes": "; ".join(plan.notes), "wall_time_s": round(wall_time_s, 3)}


def frontier(scenario: Scenario, levels: Sequence[float] = DEFAULT_LEVELS, target: str | None = None,
             settings: OptimiseSettings | None = None, *, replications: int | None = None,
             verify_replications: int | None = None, max_iterations: int | None = None,
             solver: str | None = None, time_limit_s: float | None = None, workers: int = 1,
             on_plan: Callable[[float, StaffingPlan], None] | None = None) -> pd.DataFrame:
    """Optimise ``scenario`` at every service-level ``levels`` of ``target``; one row per level (module docstring).

    Parameters
    ----------
    levels
        Shares in (0, 1]; run in ascending order.
    target
        Id of a service-level target (default: the first hourly one).
    settings
        Optimiser settings (default: the scenario's ``optimise:`` block).
    replications, max_iterations, solver, time_limit_s, workers
        Passed to :func:`optimise.loop.plan_staffing` (``replications`` per iteration).
    verify_replications
        Replications of each level's out-of-sample verification (default: the settings').
    on_plan
        Called with ``(level, plan)`` after each level (to keep the rosters, show progress).

    Raises
    ------
    ValueError
        A level outside (0, 1].
    sim.loading.ScenarioError
        No such target, no settings, settings that do not fit the scenario.
    optimise.shifts.InfeasiblePlan
        A cover rule cannot be met (at any level).
    """
    levels = check_levels(levels)
    target = service_level_target(scenario, target)
    settings = resolve_settings(scenario, settings, source=scenario.name)
    if verify_replications is not None:
        settings = settings.model_copy(update={"verify_replications": int(verify_replications)})
    rows = []
    for level in levels:
        started = time.perf_counter()
        plan = plan_staffing(with_target_level(scenario, target, level), settings, solver=solver,
                             time_limit_s=time_limit_s, replications=replications, max_iterations=max_iterations,
                             workers=workers)
        rows.append(plan_row(plan, target, level, time.perf_counter() - started))
        if on_plan is not None:
            on_plan(level, plan)
    return pd.DataFrame(rows, columns=list(COLUMNS))


def non_monotone(table: pd.DataFrame, tolerance: float = 1e-6) -> list[tuple[float, float]]:
    """Pairs ``(lower level, higher level)`` of consecutive rows where the cost went down by more than ``tolerance``.

    Examples
    --------
    >>> non_monotone(pd.DataFrame({"level": [0.6, 0.8, 0.9], "cost": [10.0, 12.0, 11.5]}))
    [(0.8, 0.9)]
    """
    t = table.sort_values("level")
    lv, cost = t["level"].to_numpy(float), t["cost"].to_numpy(float)
    return [(float(lv[i]), float(lv[i + 1])) for i in range(len(t) - 1) if cost[i + 1] < cost[i] - tolerance]
