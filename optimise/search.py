"""The cheapest verified roster: every analytic start, then a local search judged by simulation.

Logic
-----
1. Starts. For each requirement method (SIPP, time-varying, transient; see
   :mod:`optimise.requirements` and :mod:`optimise.transient`) the
   simulate-and-repair loop of :mod:`optimise.loop` gives a roster (the MILP
   re-solving the whole roster after each repair or trim). The cheapest start
   that holds every target in sample is the incumbent (else the one with the
   fewest misses).
2. Local search over single moves (:mod:`optimise.moves`: remove a person,
   move one to a cheaper start / length / lunch placement, swap one for a
   cheaper staff type), largest saving first. Every roster is simulated on
   the same seed (common random numbers by citizen). A move first has to keep
   the rules (headcount, windows, cover rules) and a fluid screen (staff on
   duty not below the offered load: a heuristic, not a necessary condition,
   since a queue carries work into the next period), then passes two stages, the
   screen-then-confirm idea of ranking and selection (Kim & Nelson 2001;
   Nelson, Swann, Goldsman & Song 2001), here as a two-stage feasibility check:

   * screen: ``screen_replications``; dropped when the estimate of any target
     misses its goal (a move that misses on the estimate cannot be accepted);
   * confirm: extended to ``replications`` (the screen replications are
     reused: sequential sampling), dropped on the same rule;
   * accept: extended to as many replications as the verification uses
     (``verify_replications``, else ``experiment.replications``), accepted
     when every target holds on its 95% bound; so the verdict of the search
     and that of the fresh seeds are drawn with the same precision;
   * curtailment (:mod:`optimise.curtail`): before each extension, the move's
     chance of passing the accept stage is predicted from the days so far,
     paired day by day with the incumbent simulated on all the accept stage's
     days; below ``futility`` (default 0.05) the move is stopped there, stage
     ``curtailed``, and reported with that chance (``futility: 0`` simulates
     every move to its verdict).

   Accepting a move makes it the incumbent; moves that failed are not retried
   during the descent (fewer staff never serve better: a removal that failed
   from a larger roster fails from a smaller one), and moves below the fluid screen
   are not simulated. The descent ends when a confirming pass from the
   incumbent, every move re-tried and simulated (the fluid screen prunes
   nothing there), accepts nothing: a local optimum on this seed. Or when the
   time budget ``budget_s`` runs out (then nothing is claimed).
3. Verification on fresh seeds (``seed + verify_seed_offset``, never used while
   optimising) judges the result; if the final roster misses out of sample,
   the accepted rosters before it are verified in turn (newest first).
4. Evidence: the final pass (every move tried from the final roster, the stage
   it reached and the target it breaks with its estimate and bound), and a
   lower bound (:mod:`optimise.lower_bound`: the cheapest roster, within the
   same windows, headcount, templates and cover rules, that can do the work of
   the citizens ticketed after every moment by the end of the day, less what
   the unserved and abandonment limits let go). The lower bound is a bound of
   the fluid model, not a proof about the simulated hall.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from sim.experiment import ExperimentResult, extend_experiment, run_experiment
from sim.optimise_settings import OptimiseSettings
from sim.scenario import Scenario

from .causes import relax_and_test
from .curtail import least_likely
from .loop import StaffingPlan, interval_margins, missed, plan_staffing
from .lower_bound import fluid_lower_bound
from .messages import Message
from .milp_status import iteration_columns
from .moves import Move, below_fluid, breaks_rule, neighbours, replan_moves
from .requirements import Requirements, compute_requirements
from .settings import generate_patterns, resolve_settings
from .shifts import InfeasiblePlan, NoRosterInTime, Roster, plan_shifts

METHODS = ("sipp", "time_varying", "transient")


@dataclass
class SearchResult:
    """What :func:`find_roster` adds to the plan: evidence of how far the search went."""

    moves: pd.DataFrame                 # the final pass: every move from the final roster and what it breaks
    starts: pd.DataFrame                # one row per analytic start
    lower_bound: float | None
    lower_bound_optimal: bool
    status: str                         # "local optimum", "budget", "walked back" or "no start holds"
    notes: list[str] = field(default_factory=list)
    walked_back: int = 0                # accepted rosters dropped because they missed out of sample
    causes: pd.DataFrame = field(default_factory=pd.DataFrame)   # optimise.causes, when the roster misses
    lower_bound_method: str = ""
    lower_bound_note: str = ""
    futility: float = 0.0               # the curtailment threshold the search used (optimise.curtail)
    accept_replications: int = 0        # replications of the accept stage

    @property
    def curtailed(self) -> int:
        """Moves of the final pass stopped early by curtailment (their chance is in ``moves["chance"]``)."""
        return 0 if self.moves.empty or "stage" not in self.moves else int((self.moves["stage"] == "curtailed").sum())

    def headline(self, cost: float) -> str:
        """"best found C; no single removal or move keeps every target; lower bound L" (or what is known)."""
        if self.status == "local optimum":
            moves = "no single removal or move keeps every target"
            if self.curtailed:
                moves += (f" ({self.curtailed} of them stopped early, each under {self.futility:.0%} likely to "
                          f"hold every target on {self.accept_replications} replications)")
        elif self.status == "budget":
            moves = "the search stopped on its budget before trying every move (nothing proven)"
        elif self.status == "walked back":
            moves = "a move from it keeps every target in sample (its cheaper successor missed out of sample)"
        else:
            moves = "no start holds every target, so no move was tried"
        lb = (f"lower bound {self.lower_bound:.2f}" + ("" if self.lower_bound_optimal else " (solver's best bound)")
              if self.lower_bound is not None else f"no lower bound ({self.lower_bound_note})")
        return f"best found {cost:.2f}; {moves}; {lb}"


def worst_row(result: ExperimentResult, confident: bool) -> dict:
    """The target row furthest from its goal among those failing (on the estimate, or on the bound)."""
    t = result.summary()["targets"]
    bad = t[~t["met_confident"]] if confident else t[~t["met"]]
    if bad.empty:
        return {}
    higher = bad["higher_is_better"].astype(bool)
    bound = np.where(higher, bad["lo"], bad["hi"])
    scale = np.where(bad["goal"] > 0, bad["goal"], 1.0)
    gap = np.where(higher, bad["goal"] - bad["estimate"], bad["estimate"] - bad["goal"]) / scale
    r = bad.iloc[int(np.argmax(gap))]
    return {"target": r["target"], "interval": r["interval"], "estimate": r["estimate"],
            "bound": float(bound[int(np.argmax(gap))]), "goal": r["goal"]}


def fluid_requirements(scenario: Scenario, grid_min: int) -> Requirements:
    """Necessary (fluid) requirements: staff at least the offered load, batch at opening left out."""
    base = compute_requirements(scenario, "time_varying", grid_min, opening_batch=False)
    pooled = {s: np.where(v > 1e-9, np.ceil(v - 1e-9), 0).astype(int) for s, v in base.pooled_load.items()}
    return replace(base, method="fluid", pooled_staff=pooled, skill_staff=dict(base.load), adjust={})


def find_roster(scenario: Scenario, settings: OptimiseSettings | None = None, *, methods=METHODS,
                budget_s: float | None = None, replications: int | None = None,
                screen_replications: int | None = None, seed: int | None = None, workers: int = 1,
                solver: str | None = None, time_limit_s: float | None = None, verify: bool = True,
                progress=None) -> tuple[StaffingPlan, SearchResult]:
    """The cheapest roster found that meets every target, verified out of sample, with the evidence.

    ``budget_s`` (default ``settings.budget_s``) bounds the wall time of the starts and the search (the
    verification comes after it). Returns the plan (as :func:`optimise.loop.plan_staffing`, whose
    ``iterations`` hold every start's loop and every search evaluation) and the :class:`SearchResult`.
    """
    started = time.perf_counter()
    settings = resolve_settings(scenario, settings)
    budget_s = settings.budget_s if budget_s is None else budget_s
    reps = replications or settings.replications
    screen = min(screen_replications or settings.screen_replications, reps)
    # accept on as many replications as the verification uses, so that the verdict carries over to fresh seeds
    accept = max(reps, settings.verify_replications or scenario.experiment.replications)
    stages = sorted({screen, reps, accept})
    seed = scenario.experiment.seed if seed is None else seed
    solver = solver or settings.solver
    time_limit_s = time_limit_s or settings.time_limit_s
    patterns = generate_patterns(scenario, settings)
    log: list[dict] = []
    notes: list[str] = []

    def emit(row: dict) -> None:
        row = {"iteration": len(log), **row}
        log.append(row)
        if progress:
            progress(row)

    start_rows, plans = [], []
    for method in methods:
        plan = plan_staffing(scenario, settings, requirements=method, replications=reps, seed=seed, workers=workers,
                             solver=solver, time_limit_s=time_limit_s, verify=False)
        for row in plan.iterations.to_dict("records"):
            row.pop("iteration", None)
            emit({**row, "phase": f"{method}:{row['phase']}"})
        start_rows.append({"method": method, "cost": plan.cost, "staff": plan.roster.staff(),
                           "held_in_sample": plan.targets_held, "misses": 0 if plan.evaluation is None
                           else len(missed(plan.evaluation)), "simulations": len(plan.iterations)})
        plans.append(plan)
    order = sorted(range(len(plans)), key=lambda i: (not plans[i].targets_held, start_rows[i]["misses"], plans[i].cost))
    best = plans[order[0]]
    notes.append(Message("search.start_holds" if best.targets_held else "search.start_misses",
                         method=methods[order[0]], cost=f"{best.cost:.2f}"))
    incumbent, inc_res = best.roster, best.evaluation
    chain = [(incumbent, inc_res)]
    chain_milp = [best.milp]                  # the MILP solve each accepted roster came from
    fluid = fluid_requirements(scenario, settings.grid_min)
    status = "local optimum"
    fill = settings.beyond_limits == "fill"
    replan_req = [best.requirements]          # the requirements the replan moves lower (the last accepted replan's)
    replan_cache: dict = {}

    def milp_or_none(r: Requirements):
        try:
            return plan_shifts(scenario, settings, r, solver=solver, time_limit_s=time_limit_s, fill=fill,
                               patterns=patterns)
        except (InfeasiblePlan, NoRosterInTime):         # no roster to try (a time-limited miss is not a move)
            return None

    def candidates(roster: Roster, result) -> list[Move]:
        """Single moves and replan moves from ``roster``, largest saving first."""
        out = neighbours(scenario, settings, roster, patterns)
        if result is not None and replan_req[0] is not None:
            room = interval_margins(result).sort_values(ascending=False)
            out += replan_moves(scenario, roster, replan_req[0], [float(iv) for iv in room.index], milp_or_none,
                                cache=replan_cache)
        out.sort(key=lambda m: (-m.saving, m.kind, m.label))
        return out

    futility = settings.futility
    ref: list = [None, None]                  # (base result, base on ``accept`` replications), for curtailment

    def reference(base: ExperimentResult) -> ExperimentResult:
        """``base`` (the roster the moves are from) on the accept stage's days (extended once if from a start)."""
        if ref[0] is not base:
            ref[0], ref[1] = base, (base if base.replications >= accept else extend_experiment(base, accept, workers))
        return ref[1]

    def over_budget() -> bool:
        return time.perf_counter() - started > budget_s

    def evaluate(move: Move, prune: bool, base: ExperimentResult) -> dict:
        row = {"move": move.label, "kind": move.kind, "staff_type": move.key[0], "station": move.key[2],
               "from_shift": move.key[1], "to": "" if move.to is None else f"{move.to[0]}/{move.to[1]}",
               "saving": round(move.saving, 6), "cost": round(move.roster.cost(scenario), 6)}
        why = breaks_rule(scenario, settings, move.roster, patterns)
        if why is not None:
            return {**row, "stage": "rules", "replications": 0, "keeps_every_target": False, "breaks": why}
        why = below_fluid(scenario, move.roster, fluid) if prune else None
        if why is not None:
            return {**row, "stage": "fluid screen", "replications": 0, "keeps_every_target": False, "breaks": why}
        t0 = time.perf_counter()
        res = run_experiment(move.roster.apply(scenario), stages[0], seed, workers=workers)
        stage, w = "screen", worst_row(res, confident=len(stages) == 1)
        for n in stages[1:]:                     # sequential: more replications only for moves still in the race
            if w:
                break
            if futility > 0:                     # stochastic curtailment (optimise.curtail)
                c = least_likely(res, reference(base), stages[-1])
                if c and c["chance"] < futility:
                    stage, w = "curtailed", {**c, "bound": float("nan")}
                    break
            res = extend_experiment(res, n, workers)
            stage = "accept" if n == stages[-1] else "confirm"
            w = worst_row(res, confident=n == stages[-1])
        if len(stages) == 1:
            stage = "accept"
        out = {**row, "stage": stage, "replications": res.replications, "keeps_every_target": not w,
               "breaks": "" if not w else f"{w['target']}@{w['interval']}", **{k: w.get(k) for k in
                                                                                ("estimate", "bound", "goal")},
               "chance": w.get("chance", float("nan")) if w else float("nan"),
               "simulation_s": round(time.perf_counter() - t0, 3), "_result": res}
        emit({"phase": "search", "stage": stage, "replications": res.replications, "cost": out["cost"],
              "staff": move.roster.staff(), "paid_hours": move.roster.paid_hours(), "accepted": not w,
              "targets": len(res.summary()["targets"]),
              "targets_met": int(res.summary()["targets"]["met_confident"].sum()),
              "misses": out["breaks"], "chance": out["chance"], "simulation_s": out["simulation_s"],
              "milp_s": round(move.milp_s, 3),
              **iteration_columns(move.milp), "note": move.label})
        return out

    failed: set[str] = set()
    final_pass: list[dict] = []
    if not best.targets_held:
        notes.append(Message("search.no_start_holds"))
        status = "no start holds"
    else:
        confirm = False            # the confirming pass re-tries every move, simulating even those the fluid screen prunes
        while True:
            if over_budget():
                status = "budget"
                break
            accepted, rows = None, []
            for move in candidates(incumbent, inc_res):
                if over_budget():
                    status = "budget"
                    break
                if move.ident in failed and not confirm:
                    continue
                r = evaluate(move, prune=not confirm, base=inc_res)
                rows.append(r)
                if r["keeps_every_target"]:
                    accepted = (move, r["_result"])
                    break
                failed.add(move.ident)
            if status == "budget":
                final_pass = rows
                break
            if accepted is not None:
                incumbent, inc_res = accepted[0].roster, accepted[1]
                chain_milp.append(accepted[0].milp if accepted[0].kind == "replan" else chain_milp[-1])
                if accepted[0].kind == "replan":
                    replan_req[0] = accepted[0].requirements
                chain.append((incumbent, inc_res))
                confirm = False
                continue
            if confirm:
                final_pass = rows
                break
            confirm = True
    moves = pd.DataFrame([{k: v for k, v in r.items() if k != "_result"} for r in final_pass])
    bound = fluid_lower_bound(scenario, settings, patterns, solver, time_limit_s)
    notes.append(bound.note)
    if status == "budget":
        notes.append(Message("search.budget", budget_s=f"{budget_s:g}"))
    plan, back = _finish(scenario, settings, chain, seed, workers, verify, log, notes, solver, started, best)
    plan.milp = chain_milp[len(chain) - 1 - back]
    if back:            # the evidence must be that of the roster reported: its moves, the rejected one marked
        rejected = chain[len(chain) - back][0]
        rows = []
        for move in candidates(plan.roster, plan.evaluation):
            if move.roster == rejected:
                rows.append({"move": move.label, "kind": move.kind, "staff_type": move.key[0], "station": move.key[2],
                             "from_shift": move.key[1], "saving": round(move.saving, 6),
                             "cost": round(move.roster.cost(scenario), 6), "stage": "verify",
                             "keeps_every_target": False, "breaks": "missed a target on the fresh seeds"})
            else:
                rows.append(evaluate(move, prune=False, base=plan.evaluation))
        moves = pd.DataFrame([{k: v for k, v in r.items() if k != "_result"} for r in rows])
        if moves["keeps_every_target"].any():
            status = "walked back"
            notes.append(Message("search.own_optimum_missed"))
    if not moves.empty and (moves["stage"] == "curtailed").any():
        notes.append(Message("search.curtailed", k=int((moves["stage"] == "curtailed").sum()),
                             chance=f"{futility:.0%}", n=accept))
    causes = pd.DataFrame()
    judged = plan.verification if plan.verification is not None else plan.evaluation
    if judged is not None and not missed(judged).empty:
        causes = relax_and_test(scenario, settings, plan.roster, judged, patterns,
                                replications=min(judged.replications, 40), workers=workers)
    return plan, SearchResult(moves, pd.DataFrame(start_rows), bound.cost, bound.proven, status, notes, back, causes,
                              bound.method, bound.note, futility, accept)


def _finish(scenario, settings, chain, seed, workers, verify, log, notes, solver, started, best):
    """Verify the newest accepted roster; if it misses out of sample, the ones before it (newest first)."""
    v_reps = settings.verify_replications or scenario.experiment.replications
    v_seed = seed + settings.verify_seed_offset
    experiment = {**scenario.experiment.model_dump(mode="json"), "seed": v_seed, "replications": v_reps}
    roster, res, verification, final = chain[-1][0], chain[-1][1], None, chain[-1][0].apply(scenario)
    back = 0
    if verify:
        for k, (r, rr) in enumerate(reversed(chain)):
            final = r.apply(scenario, experiment=experiment)
            verification = run_experiment(final, workers=workers)
            roster, res = r, rr
            ok = bool(verification.summary()["targets"]["met_confident"].all())
            log.append({"iteration": len(log), "phase": "verify", "stage": "verify", "replications": v_reps,
                        "cost": r.cost(scenario), "staff": r.staff(), "paid_hours": r.paid_hours(), "accepted": ok,
                        "targets": len(verification.summary()["targets"]),
                        "targets_met": int(verification.summary()["targets"]["met_confident"].sum()),
                        "note": f"fresh seed {v_seed}"})
            back = k
            if ok or k >= 2:
                if k:
                    notes.append(Message("search.stepped_back", k=k))
                break
    held = res is not None and missed(res).empty
    frame = pd.DataFrame(log)
    status = frame.get("milp_status", pd.Series(dtype=object)).dropna()
    all_optimal = bool((status == "optimal").all())
    if not all_optimal:
        notes.append(Message("search.time_limited", n=int((status != 'optimal').sum())))
    return StaffingPlan(final, roster, roster.cost(scenario), roster.paid_hours(), best.requirements,
                        best.shortfalls, frame, res, verification, held, notes,
                        float(frame.get("milp_s", pd.Series(dtype=float)).fillna(0).sum()),
                        time.perf_counter() - started, solver, best.milp, all_optimal), back
