"""Simulate and repair: the MILP roster judged by the simulator, corrected until every target holds.

Logic (Dietz & Vaver 2006; Atlason, Epelman & Henderson 2004 is the rigorous
cutting-plane version of the same idea)
--------------------------------------------------------------------------
1. Requirements per period, station and skill (:mod:`optimise.requirements`);
   the MILP (:mod:`optimise.shifts`) gives the cheapest roster covering them.
2. The roster is simulated with common random numbers: the same seed and
   replications in every iteration, so the same citizens bring the same work
   and rosters differ only by the staffing.
3. Repair. A target missed in an interval (a service level whose lower 95%
   bound is below the goal; a mean wait or abandonment whose upper bound is
   above it) raises the staff required in that interval, to one more person
   than the roster has on duty there (``ceil(gap x on duty)`` more when the
   estimate misses by a gap of more than that, e.g. 0.3 of a service level), at the
   stations where the citizens who miss it start their route (among the
   services missing there, the first-step stations with at least half of the
   longest mean queue). A day-scope target bumps the intervals that miss it
   on their own (or the worst one). Re-solve and simulate again. A station
   already staffed to its limit (windows, headcount, templates) is not
   bumped; its misses are reported with what binds.
4. Trim. Then lower by one the requirement of a (station, interval) whose
   targets all hold, largest margin first; keep the change when the MILP
   roster is cheaper and the simulation misses nothing the best roster so far
   held (every target, once they all hold), else undo it and do not try it
   again.
5. Stop when nothing is left to try or after ``max_iterations`` simulations.
   The best roster is the cheapest one that held every target (else the one
   with the fewest misses, then the cheapest).
6. Verification: the best roster is simulated again on fresh seeds
   (``seed + verify_seed_offset``) never used while optimising, and every
   target in every interval is reported met or missed with its interval.

The boundary with the simulator is :func:`evaluate`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from sim.experiment import ExperimentResult, run_experiment
from sim.metrics import ALL, DAY
from sim.optimise_settings import OptimiseSettings
from sim.scenario import Scenario
from sim.summary import target_metric

from .messages import Message
from .milp_status import MilpStatus, iteration_columns
from .requirements import Requirements, compute_requirements, interval_label
from .settings import generate_patterns, resolve_settings
from .shifts import Roster, ShiftSolution, plan_shifts


def evaluate(scenario: Scenario, roster: Roster, replications: int, seed: int, workers: int = 1) -> ExperimentResult:
    """Simulate ``scenario`` with ``roster`` (its entries and shift patterns) and return the experiment."""
    return run_experiment(roster.apply(scenario), replications, seed, workers=workers)


@dataclass
class StaffingPlan:
    """What :func:`plan_staffing` returns: the roster, its cost and the evidence."""

    scenario: Scenario                         # with the roster, and the verification seed and replications
    roster: Roster
    cost: float
    paid_hours: float
    requirements: Requirements                 # with the repairs of the best roster
    shortfalls: pd.DataFrame                   # requirements the roster could not cover, and why
    iterations: pd.DataFrame
    evaluation: ExperimentResult | None        # in-sample (optimisation seeds)
    verification: ExperimentResult | None      # out of sample
    targets_held: bool                         # in sample, every target met on its confidence bound
    notes: list[str] = field(default_factory=list)
    milp_time_s: float = 0.0
    wall_time_s: float = 0.0
    solver: str = "highs"
    milp: MilpStatus | None = None             # the MILP solve of the roster reported (or of the start it came from)
    milp_all_optimal: bool = True              # every MILP solve of the run was proven optimal

    def verified_targets(self) -> pd.DataFrame:
        """Every target in every interval, out of sample: estimate, 95% interval, met, met_confident."""
        return self.verification.summary()["targets"] if self.verification is not None else pd.DataFrame()


def missed(result: ExperimentResult) -> pd.DataFrame:
    """Target rows not met on their confidence bound."""
    t = result.summary()["targets"]
    return t[~t["met_confident"].astype(bool)]


def _metric(t) -> tuple[str, bool]:
    return target_metric(t), t.higher_is_better


def _first_stations(scenario: Scenario, service: str) -> set[str]:
    out, none_before = set(), 1.0
    for step in scenario.services[service].steps:
        if none_before * step.probability > 0:
            out.add(step.station)
        none_before *= 1 - step.probability
    return out


def _route_stations(scenario: Scenario, service: str) -> set[str]:
    return {step.station for step in scenario.services[service].steps}


def implicated(result: ExperimentResult, scenario: Scenario, miss: pd.Series) -> list[tuple[str, float]]:
    """``(station, interval_start_min)`` pairs to bump for one missed target row."""
    target = next(t for t in scenario.checked_targets if t.id == miss["target"])
    metric, higher = _metric(target)
    goal = miss["goal"]
    c = result.summary()["citizens"]
    rows = c[(c["class"] == ALL) & (c["interval"] != DAY) & (c["interval"] != "after") & c[metric].notna()]
    fails = (rows[metric] < goal) if higher else (rows[metric] > goal)
    if miss["interval"] == DAY:
        overall = rows[rows["service_type"] == ALL]
        bad = overall[fails.loc[overall.index]]
        if bad.empty:
            bad = overall.sort_values(metric, ascending=higher).head(1)
        intervals = bad["interval_start_min"].tolist()
    else:
        intervals = [miss["interval_start_min"]]
    queue = result.summary()["queue"]
    staff = result.summary()["staff_interval"]
    staff = staff[(staff["staff_type"] != ALL) & (staff["station"] != ALL)]
    staff = staff.groupby(["interval_start_min", "station"], as_index=False)["staff_on_duty"].sum()
    out = []
    for iv in intervals:
        services = rows[(rows["interval_start_min"] == iv) & (rows["service_type"] != ALL)]
        bad = services[fails.loc[services.index]]
        if bad.empty:
            bad = services.sort_values(metric, ascending=higher).head(1)
        route = _first_stations if target.kind in ("service_level", "mean_wait") and target.station is None \
            and target.step == "first" else _route_stations
        stations = set().union(*[route(scenario, s) for s in bad["service_type"]]) if len(bad) else set()
        if target.station is not None:
            stations = {target.station}
        # the station that is short: the longest queue per person on duty there (Little: the longest wait)
        q = queue[queue["interval_start_min"] == iv].set_index("station")["queue_mean"]
        on = staff[staff["interval_start_min"] == iv].set_index("station")["staff_on_duty"]
        per = {s: q.get(s, 0.0) / max(on.get(s, 0.0), 1.0) for s in stations}
        longest = max(per.values(), default=0.0)
        out += [(s, float(iv)) for s in sorted(stations) if per[s] >= 0.5 * longest]
    return list(dict.fromkeys(out))


def _severity(miss: pd.Series) -> float:
    """How far a missed target is from its goal, as a share (0 .. 1) of the staff on duty to add."""
    if miss["higher_is_better"]:
        return float(np.clip(miss["goal"] - miss["estimate"], 0.0, 1.0))
    if miss["kind"] in ("max_abandonment", "max_unserved"):     # shares of citizens: the gap itself
        return float(np.clip(miss["estimate"] - miss["goal"], 0.0, 1.0))
    if miss["goal"] <= 0:
        return 1.0
    return float(np.clip((miss["estimate"] - miss["goal"]) / miss["goal"], 0.0, 1.0))


def _bump_size(solution: ShiftSolution, req: Requirements, scenario: Scenario, station: str,
               interval: float, severity: float = 0.0) -> tuple[int, str | None]:
    """How much to raise ``station`` in ``interval``: one more person than now in every period, or more
    (``ceil(severity x staff on duty)``) when the target is missed by far.

    Returns ``(delta, None)``, or ``(0, reason)`` when the station cannot take more staff.
    """
    sel = req.period_interval_min == interval
    periods = req.period_start_min[sel]
    on = solution.on_duty[solution.on_duty["station"] == station].groupby("period_start_min")["on_duty"].sum()
    now = np.array([on.get(p, 0) for p in periods])
    windows = scenario.stations[station].windows
    if (now >= windows).all():
        return 0, Message("milp.windows_in_use", windows=windows, station=station)
    f = solution.shortfalls
    if not f.empty:
        hit = f[(f["station"] == station) & (f["kind"] == "pool") & f["period_start_min"].isin(periods)]
        if not hit.empty:
            return 0, hit["binding"].iloc[0]
    target = req.station_target(station)[sel]
    extra = max(1, int(np.ceil(severity * now.max() - 1e-9)))
    return max(1, int((now + extra - target).max())), None


def interval_margins(result: ExperimentResult) -> pd.Series:
    """Per interval start: the smallest margin of its interval targets (positive: held with room)."""
    t = result.summary()["targets"]
    t = t[t["interval"] != DAY]
    higher = t["higher_is_better"].astype(bool)
    margin = np.where(higher, t["lo"] - t["goal"], t["goal"] - t["hi"])
    return pd.Series(np.where(t["met_confident"], margin, -np.inf), index=t.index).groupby(
        t["interval_start_min"]).min()


def _adjust_text(req: Requirements) -> str:
    return "; ".join(f"{s}@{interval_label_short(iv)}{d:+d}" for (s, iv), d in sorted(req.adjust.items()))


def interval_label_short(t: float) -> str:
    return f"{int(t) // 60:02d}:{int(t) % 60:02d}"


def plan_staffing(scenario: Scenario, settings: OptimiseSettings | None = None, *, solver: str | None = None,
                  time_limit_s: float | None = None, replications: int | None = None,
                  max_iterations: int | None = None, requirements: str | None = None, seed: int | None = None,
                  workers: int = 1, verify: bool = True, lp_dir=None,
                  progress: Callable[[dict], None] | None = None) -> StaffingPlan:
    """The cheapest roster that meets every target in the simulation, verified out of sample.

    Parameters
    ----------
    settings
        Optimiser settings; ``None`` uses ``scenario.optimise``. Keyword
        arguments override the matching settings.
    max_iterations
        Simulations allowed while optimising; 0 returns the MILP roster of the
        analytic requirements without simulating it (it is still verified).
    progress
        Called with each iteration's log row (a dict) as it completes.

    Raises
    ------
    sim.loading.ScenarioError
        Settings missing or inconsistent with the scenario.
    optimise.shifts.InfeasiblePlan
        A cover rule cannot be met (or, with ``beyond_limits: error``, a
        requirement), naming the periods, stations and rules.
    """
    started = time.perf_counter()
    settings = resolve_settings(scenario, settings)
    solver = solver or settings.solver
    time_limit_s = time_limit_s or settings.time_limit_s
    reps = replications or settings.replications
    limit = settings.max_iterations if max_iterations is None else max_iterations
    seed = scenario.experiment.seed if seed is None else seed
    fill = settings.beyond_limits == "fill"
    patterns = generate_patterns(scenario, settings)
    req = compute_requirements(scenario, requirements or settings.requirements, settings.grid_min)
    milp_time = [0.0]
    log: list[dict] = []

    def milp(r: Requirements) -> ShiftSolution:
        sol = plan_shifts(scenario, settings, r, solver=solver, time_limit_s=time_limit_s, lp_dir=lp_dir,
                          fill=fill, patterns=patterns)
        milp_time[0] += sol.solve_time_s
        return sol

    def record(phase: str, r: Requirements, sol: ShiftSolution, res: ExperimentResult | None, accepted: bool,
               sim_s: float, note: str = "") -> dict:
        t = res.summary()["targets"] if res is not None else None
        row = {"iteration": len(log), "phase": phase, "cost": round(sol.cost, 6), "paid_hours": sol.paid_hours,
               "staff": sol.roster.staff(),
               "required_staff_hours": sum(r.station_target(s).sum() for s in r.stations) * r.grid_min / 60,
               "adjustments": _adjust_text(r), "targets": 0 if t is None else len(t),
               "targets_met": None if t is None else int(t["met_confident"].sum()),
               "misses": "" if t is None else "; ".join(f"{m.target}@{m.interval}" for m in missed(res).itertuples()),
               "accepted": accepted, "milp_s": round(sol.solve_time_s, 3), "milp_variables": sol.variables,
               "milp_constraints": sol.constraints, "milp_optimal": sol.optimal, **iteration_columns(sol.milp),
               "simulation_s": round(sim_s, 3),
               "stage": "analytic" if res is None else "accept", "replications": 0 if res is None else reps,
               "note": note}
        log.append(row)
        if progress:
            progress(row)
        return row

    def simulate(sol: ShiftSolution) -> tuple[ExperimentResult, float]:
        t0 = time.perf_counter()
        res = evaluate(scenario, sol.roster, reps, seed, workers)
        res.summary()
        return res, time.perf_counter() - t0

    sol = milp(req)
    notes: list[str] = []
    best = (req, sol, None)
    if limit == 0:
        record("analytic", req, sol, None, True, 0.0, f"{req.method} requirements, not simulated")
    else:
        res, sim_s = simulate(sol)
        best = (req, sol, res)
        record("initial", req, sol, res, True, sim_s, f"{req.method} requirements")
        saturated: dict[tuple[str, float], str] = {}
        while len(log) < limit and not missed(res).empty:           # repair
            bumps, severity = {}, {}
            for _, m in missed(res).iterrows():
                for key in implicated(res, scenario, m):
                    severity[key] = max(severity.get(key, 0.0), _severity(m))
            for key, sev in severity.items():
                if key in saturated:
                    continue
                delta, why = _bump_size(sol, req, scenario, *key, severity=sev)
                if why is not None:
                    saturated[key] = why
                else:
                    bumps[key] = delta
            if not bumps:
                notes.append(Message("loop.repair_stopped"))
                break
            trial = req
            for (s, iv), delta in bumps.items():
                trial = trial.with_adjust(s, iv, delta)
            tsol = milp(trial)
            if tsol.roster == sol.roster:                               # nothing changed: do not simulate
                for key in bumps:
                    saturated[key] = _bump_size(tsol, trial, scenario, *key)[1] or Message("loop.no_roster_change")
                continue
            req, sol = trial, tsol
            res, sim_s = simulate(sol)
            record("repair", req, sol, res, True, sim_s, "raised " + ", ".join(
                f"{s}@{interval_label(scenario, iv)}" + (f" by {d}" if d > 1 else "") for (s, iv), d in bumps.items()))
            if _better(res, sol, best):
                best = (req, sol, res)
        for (s, iv), why in saturated.items():
            notes.append(Message("loop.station_saturated", station=s, interval=interval_label(scenario, iv), why=why))
        if best[2] is not None:                                      # trim
            tried: set[tuple[str, float]] = set()
            milp_trials = 0
            while len(log) < limit and milp_trials < 5 * max(limit, 1):
                margins = interval_margins(best[2])
                base_req = best[0]
                held = margins[margins > 0].sort_values(ascending=False).index

                def staffed(s, iv, r=base_req):
                    return (r.station_target(s)[r.period_interval_min == iv] > 0).any()

                # A whole station first (every interval held with room: frees whole shifts), then one interval.
                candidates = [(s, tuple(iv for iv in held if staffed(s, iv))) for s in base_req.stations]
                candidates = [c for c in candidates if len(c[1]) > 1]
                candidates += [(s, (iv,)) for iv in held for s in base_req.stations if staffed(s, iv)]
                candidates = [c for c in candidates if c not in tried]
                if not candidates:
                    break
                key = candidates[0]
                tried.add(key)
                trial = base_req
                for iv in key[1]:
                    trial = trial.with_adjust(key[0], iv, -1)
                if np.array_equal(trial.station_target(key[0]), base_req.station_target(key[0])):
                    continue                                          # already at the load it must carry
                milp_trials += 1
                tsol = milp(trial)
                if tsol.cost >= best[1].cost - 1e-9:
                    continue
                tres, sim_s = simulate(tsol)
                ok = _miss_set(tres) <= _miss_set(best[2])
                where = (interval_label(scenario, key[1][0]) if len(key[1]) == 1
                         else f"{len(key[1])} intervals held with room")
                record("trim", trial, tsol, tres, ok, sim_s,
                       f"lowered {key[0]}@{where}" + ("" if ok else " (undone)"))
                if ok:
                    best = (trial, tsol, tres)
                    tried.discard(key)                                # it may go lower still
    req, sol, res = best
    if res is not None and not missed(res).empty:
        notes.append(Message("loop.misses_in_sample", n=len(missed(res))))
    verification, final = None, sol.roster.apply(scenario)
    if verify:
        v_reps = settings.verify_replications or scenario.experiment.replications
        v_seed = seed + settings.verify_seed_offset
        experiment = {**scenario.experiment.model_dump(mode="json"), "seed": v_seed, "replications": v_reps}
        final = sol.roster.apply(scenario, experiment=experiment)
        verification = run_experiment(final, workers=workers)
    frame = pd.DataFrame(log)
    all_optimal = bool(frame["milp_optimal"].astype(bool).all()) if "milp_optimal" in frame else True
    if not all_optimal:
        notes.append(Message("loop.time_limited"))
    return StaffingPlan(final, sol.roster, sol.cost, sol.paid_hours, req, sol.shortfalls, frame,
                        res, verification, res is not None and missed(res).empty, notes, milp_time[0],
                        time.perf_counter() - started, solver, sol.milp, all_optimal)


def _miss_set(res: ExperimentResult) -> set[tuple[str, str]]:
    return {(m.target, m.interval) for m in missed(res).itertuples()}


def _better(res: ExperimentResult, sol: ShiftSolution, best) -> bool:
    _, bsol, bres = best
    mine, theirs = len(missed(res)), len(missed(bres))
    return mine < theirs or (mine == theirs and sol.cost < bsol.cost - 1e-9)
