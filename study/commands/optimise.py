"""``queueplan optimise``: the cheapest roster that meets every target, with the evidence.

    queueplan optimise SCENARIO [--settings FILE] [--out DIR] [--solver highs|cbc] [--time-limit S]
                                [--reps N] [--max-iter K] [--workers W] [--requirements time_varying|sipp|transient]
                                [--budget-s S] [--screen-reps N] [--futility P] [--no-search]
                                [--no-remedies | --remedies] [--remedies-budget-s S] [--remedies-search [S]]

By default the search of :mod:`optimise.search`: the simulate-and-repair loop
from every requirement method (SIPP, time-varying, transient; ``--requirements``
picks one), then a local search over single moves judged by simulation, then
the out-of-sample verification; ``--no-search`` runs the loop alone.

Prints the progress of every iteration, the roster (staff type, station,
start, breaks, end, how many), its cost and paid hours, and the out-of-sample
verification. Writes a results folder (atomically, never over an old one):

roster.csv               the roster, one row per staff type, station and shift pattern
iterations.csv           every simulated iteration: phase (start method:initial/repair/trim, search, verify), stage
                         (screen / confirm / curtailed / accept / verify) and replications used, cost, targets
                         held, misses (for a curtailed move: the target least likely to hold, with its chance),
                         MILP time, variables and constraints
moves.csv                the last pass of the search: every move tried from the final roster, the stage it
                         reached (rules, fluid screen, screen, confirm, curtailed, accept) and the target it breaks,
                         estimate and bound; for a curtailed move, its predicted chance of holding every target
starts.csv               one row per analytic start: cost, held in sample, simulations
requirements.csv         offered load and staff targets per planning period, station and skill
shortfalls.csv           requirements the windows, headcount or templates could not meet, and why
targets.csv              verification: every target in every interval, estimate, 95% CI, met / met_confident
intervals.csv            verification: per interval x service type x class, means and 95% CIs
plan.json                cost (planned and with overtime, with its unit), paid hours, solver, timings, notes,
                         the verdict, the remedies and the comparison with the input roster
versus_input.csv         the input roster on the same verification seeds: per target, wait and cost, input,
                         optimised, paired difference and 95% CI (optimise.versus_input)
remedies.csv             when a target is missed: every lever tried (one more window, headcount, earlier
                         shift, cross-training), re-optimised and verified out of sample, ranked, kept or
                         dropped and why (optimise.remedies); remedy_1_scenario.yaml: the top kept one
manifest.json            as for ``queueplan run`` (resolved scenario with the roster, seed, versions ...)
scenario_optimised.yaml  the scenario with the roster and its shift patterns, and the verification seed and
                         replications: ``queueplan run scenario_optimised.yaml`` reproduces the verification

Exit codes: 0 done (even if some target is missed: the report says which),
2 bad input (scenario, settings, solver not installed), 3 no roster can meet
a cover rule (or a requirement, with ``beyond_limits: error``): the folder
then holds the ``.lp`` model and the diagnosis.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from typing import TYPE_CHECKING

from sim.messages import bilingual, translate

from .args import add_workers, futility_share, non_negative_int, positive_int, positive_seconds

if TYPE_CHECKING:
    import pandas as pd

    from optimise.loop import StaffingPlan
    from optimise.shifts import InfeasiblePlan

# The optimiser, pandas and the report are imported when the command runs, not when `queueplan` starts.

EXIT_BAD_INPUT = 2
EXIT_INFEASIBLE = 3


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``optimise`` subcommand to ``subparsers`` (from ``ArgumentParser.add_subparsers``)."""
    p = subparsers.add_parser("optimise", help="find the cheapest roster that meets the targets, and verify it",
                              description="Staffing optimisation: requirements, shift MILP, simulate and repair, "
                                          "out-of-sample verification.")
    p.add_argument("scenario", help="scenario YAML file (with an optimise: block, or see --settings)")
    p.add_argument("--settings", type=Path, help="optimiser settings YAML (an optimise: block); overrides the scenario's")
    p.add_argument("--out", type=Path, help="results folder to create (default: results/<scenario>/optimise-<run-id>)")
    p.add_argument("--solver", choices=["highs", "cbc"], help="MILP solver (default: the settings' solver)")
    p.add_argument("--time-limit", type=positive_seconds, dest="time_limit_s", help="MILP time limit per solve, seconds")
    p.add_argument("--reps", type=positive_int, help="replications per iteration (default: the settings')")
    p.add_argument("--max-iter", type=non_negative_int, dest="max_iter",
                   help="simulations while optimising (0: the analytic roster, not simulated)")
    add_workers(p)
    p.add_argument("--requirements", choices=["time_varying", "sipp", "transient"],
                   help="requirement method of the repair loop (the search starts from all three)")
    p.add_argument("--budget-s", type=positive_seconds, dest="budget_s",
                   help="wall-time budget of the starts and the local search, seconds (default: the settings')")
    p.add_argument("--screen-reps", type=positive_int, dest="screen_reps",
                   help="replications to screen a move in the local search (default: the settings')")
    p.add_argument("--futility", type=futility_share,
                   help="local search: stop simulating a move whose predicted chance of holding every target at "
                        "the accept stage is below this (default: the settings', 0.05; 0: simulate every move to "
                        "the end)")
    p.add_argument("--no-search", dest="search", action="store_false",
                   help="only the simulate-and-repair loop from one requirement method (no starts, no local search)")
    p.add_argument("--no-remedies", dest="remedies", action="store_const", const="off", default="auto",
                   help="do not look for remedies when a target is missed (they re-optimise changed halls)")
    p.add_argument("--remedies", dest="remedies", action="store_const", const="on",
                   help="look for remedies even when every target is met")
    p.add_argument("--remedies-budget-s", type=positive_seconds, default=300.0, dest="remedies_budget_s",
                   help="wall-time budget of the remedies, seconds (default 300)")
    p.add_argument("--remedies-search", type=positive_seconds, nargs="?", const=120.0, default=None,
                   dest="remedies_search_budget_s", metavar="S",
                   help="run the local search on the top kept remedy, within S seconds (default 120), and say "
                        "whether its cost is then a local optimum or the search stopped on its budget")
    p.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the HTML report (default en)")
    p.add_argument("--no-report", dest="report", action="store_false", help="skip report.html and the figures")
    return p


def _progress(row: dict) -> None:
    met = "" if row.get("targets_met") is None else f", targets held {row['targets_met']}/{row['targets']}"
    if row.get("stage") == "curtailed" and row.get("misses"):
        misses = f"; stopped: {row['misses']} {100 * row.get('chance', 0):.1f}% likely to hold at the accept stage"
    else:
        misses = f"; misses {row['misses']}" if row.get("misses") else ""
    flag = "" if row.get("accepted", True) else " (rejected)"
    reps = f", {row['replications']} reps ({row['stage']})" if row.get("replications") else ""
    milp = (f", MILP {row['milp_s']:.2f} s ({row['milp_variables']} vars, {row['milp_constraints']} cons"
            + ("" if row.get("milp_status", "optimal") == "optimal" else
               f", {str(row['milp_status']).replace('_', '-')}, gap {_pct(row.get('milp_gap'))}") + ")"
            if row.get("milp_variables") else "")
    print(f"iteration {row['iteration']:>3} {row['phase']:<20} cost {row['cost']:8.2f}, {row['staff']} staff, "
          f"{row['paid_hours']:.1f} paid h{met}{misses}{flag}{reps}{milp}  [{row['note']}]", flush=True)


def _pct(gap) -> str:
    return "unknown" if gap is None or gap != gap else f"{100 * gap:.2f}%"


def format_evidence(plan: StaffingPlan, search) -> str:
    """Best found, what the final pass of moves showed, the lower bound; said plainly."""
    lines = ["", "Evidence"]
    for r in search.starts.itertuples():
        lines.append(f"  start {r.method}: cost {r.cost:.2f}, " + ("holds every target in sample" if r.held_in_sample
                                                                    else f"{r.misses} target-intervals missed in sample"))
    m = search.moves
    tried = 0 if m.empty else len(m)
    kept = 0 if m.empty else int(m["keeps_every_target"].sum())
    if search.status == "budget":
        claim = f"the search stopped on its budget after trying {tried} moves from the final roster: not proven"
    elif search.status == "walked back":
        claim = (f"the search's own optimum missed out of sample; {kept} of {tried} moves from the roster reported "
                 "keep every target in sample: not proven")
    elif search.status == "no start holds":
        claim = "no start held every target, so there was no local search (see the shortfalls below)"
    elif m.empty:
        claim = "no cheaper single move exists"
    elif kept == 0:
        claim = f"no single removal or move of the {tried} tried keeps every target"
        if search.curtailed:
            claim += (f" ({search.curtailed} stopped early, each under {search.futility:.0%} likely to hold every "
                      f"target on {search.accept_replications} replications)")
    else:
        claim = f"{kept} of {tried} moves keep every target"
    lb = (f"lower bound {search.lower_bound:.2f}" + ("" if search.lower_bound_optimal else " (the solver's best bound)")
          if search.lower_bound is not None else f"no lower bound: {search.lower_bound_note}")
    lines.append(f"  best found {plan.cost:.2f}; {claim}; {lb}")
    if search.lower_bound_method:
        lines.append(f"  (lower bound: {search.lower_bound_method}; a bound of the fluid model)")
    if not m.empty:
        for stage, g in m.groupby("stage", sort=False):
            lines.append(f"    {stage}: {len(g)} moves")
    if not search.causes.empty:
        lines.append("  Shortfalls, tested by relaxing the limit for this roster plus one person, not re-optimised "
                     "(same seed; the remedies below re-optimise):")
        for r in search.causes.itertuples():
            verdict = "meets every target" if r.meets else f"still misses {r.misses_left} target-intervals"
            lines.append(f"    {r.station}: binds {r.binds}; {r.relaxation}: {verdict}")
    return "\n".join(lines)


def _default_out(name: str, seed: int, scenario) -> Path:
    from ..runs.folders import fresh_folder, new_run_id

    return fresh_folder(Path("results") / name / f"optimise-{new_run_id(scenario, seed)}")


def format_plan(plan: StaffingPlan, lang: str = "en") -> str:
    """The roster, its cost, what it could not cover and the verification, as text for planners."""
    from sim.tables import DAY

    s = plan.scenario
    lines = ["", "Roster"]
    table = plan.roster.table(s)
    if table.empty:
        lines.append("  (nobody needed)")
    else:
        show = table[["staff_type", "station", "window_group", "start", "breaks", "end", "count", "paid_hours",
                      "cost"]].rename(columns={"staff_type": "staff type", "window_group": "window group",
                                               "breaks": "lunch / breaks", "count": "how many", "paid_hours": "paid h"})
        lines += ["  " + line for line in show.to_string(index=False, float_format=lambda v: f"{v:.2f}").splitlines()]
    lines.append(f"Total: {plan.roster.staff()} staff, {plan.paid_hours:.1f} paid hours, planned cost {plan.cost:.2f} "
                 f"{s.costs.unit_per_day} (paid hours x cost per hour by staff type)")
    if not plan.shortfalls.empty:
        lines += ["", "Requirements the roster could not cover (the simulation judged the effect):"]
        grouped = plan.shortfalls[plan.shortfalls["kind"] == "pool"]
        for _, g in (grouped if not grouped.empty else plan.shortfalls).groupby(["station", "binding"]):
            when = ", ".join(g["period"].unique())
            lines.append(f"  {g['station'].iloc[0]} at {when}: short by up to {g['shortfall'].max():.0f} "
                         f"staff ({g['binding'].iloc[0]})")
    for note in plan.notes:
        lines.append(f"note: {note}")
        if lang == "zh":
            lines.append(f"      说明：{translate(note, 'zh')}")
    v = plan.verified_targets()
    if plan.verification is not None and not v.empty:
        lines += ["", f"Verification on fresh seeds (seed {plan.verification.seed}, "
                      f"{plan.verification.replications} replications):"]
        for tid, g in v.groupby("target", sort=False):
            confident = int(g["met_confident"].sum())
            lines.append(f"  {tid}: met with 95% confidence in {confident}/{len(g)} "
                         f"{'intervals' if (g['interval'] != DAY).any() else 'day'}")
            for _, r in g[~g["met_confident"]].iterrows():
                mark = "met on the estimate, CI crosses the goal" if r["met"] else "MISSED"
                lines.append(f"    {r['interval']}: {r['estimate']:.3f} (95% CI {r['lo']:.3f}-{r['hi']:.3f}), "
                             f"goal {r['goal']:g}: {mark}")
    if plan.milp is not None:
        lines.append(f"MILP of this roster's requirements (the last solve it came from): {plan.milp.text()} "
                     f"({plan.milp.variables} variables, {plan.milp.constraints} constraints, {plan.milp.time_s:.2f} s)"
                     + ("" if plan.milp_all_optimal else "; some solves of the run were time-limited"))
    lines.append(f"Wall time {plan.wall_time_s:.1f} s (MILP {plan.milp_time_s:.2f} s)")
    return "\n".join(lines)


def _csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, float_format="%.6g")


def write_plan(plan: StaffingPlan, out: Path, source: str, workers: int, solver: str, settings_source: str | None,
               command: list[str], lang: str = "en", report: bool = True, warn=lambda message: None,
               search=None, advice=None) -> None:
    """Write the results folder of ``plan`` (see the module docstring)."""
    import yaml

    from ..runs.folders import manifest, run_folder, write_json
    from ..runs.write import write_report_or_warn, write_run_tables
    from ..tables.workbook import write_workbook

    s = plan.scenario
    with run_folder(out) as tmp:
        if plan.verification is not None:  # the verified metrics: every table of a run, and its report
            write_run_tables(plan.verification, tmp, out, source, workers, command)
        info = manifest(s, source, s.experiment.seed, s.experiment.replications, workers, plan.wall_time_s, command)
        info["optimise"] = {"settings_file": settings_source, "solver": solver}
        write_json(tmp / "manifest.json", info)
        _csv(plan.roster.table(s), tmp / "roster.csv")
        _csv(plan.iterations, tmp / "iterations.csv")
        if search is not None:
            _csv(search.moves, tmp / "moves.csv")
            _csv(search.starts, tmp / "starts.csv")
            if not search.causes.empty:
                _csv(search.causes, tmp / "causes.csv")
        _csv(plan.requirements.frame(), tmp / "requirements.csv")
        _csv(plan.shortfalls, tmp / "shortfalls.csv")
        v = plan.verified_targets()
        extra = {}
        if advice is not None:
            from .optimise_advice import advice_json, write_advice
            write_advice(tmp, advice)
            extra = advice_json(advice)
        write_json(tmp / "plan.json", {
            "scenario": s.name, "cost": plan.cost, "paid_hours": plan.paid_hours, "staff": plan.roster.staff(),
            "requirements_method": plan.requirements.method, "targets_held_in_sample": plan.targets_held,
            "verification": None if v.empty else {"seed": plan.verification.seed,
                                                  "replications": plan.verification.replications,
                                                  "target_intervals": len(v), "met": int(v["met"].sum()),
                                                  "met_confident": int(v["met_confident"].sum())},
            "iterations": len(plan.iterations), "milp_time_s": round(plan.milp_time_s, 3),
            "wall_time_s": round(plan.wall_time_s, 3), **bilingual("notes", plan.notes),
            "milp": None if plan.milp is None else {**plan.milp.as_dict(), "all_solves_optimal": plan.milp_all_optimal},
            "search": None if search is None else {
                "status": search.status, "lower_bound": search.lower_bound,
                "lower_bound_optimal": search.lower_bound_optimal, "lower_bound_method": search.lower_bound_method,
                "lower_bound_note": search.lower_bound_note, "headline": search.headline(plan.cost),
                "moves_tried": len(search.moves),
                "moves_keeping_every_target": 0 if search.moves.empty else int(search.moves["keeps_every_target"].sum()),
                "moves_curtailed": search.curtailed, "futility": search.futility,
                "accept_replications": search.accept_replications},
            **extra})
        header = (f"# Generated by `queueplan optimise {source}` on {time.strftime('%Y-%m-%d %H:%M')}.\n"
                  "# The roster and its shift patterns are the optimiser's; experiment holds the verification\n"
                  "# seed and replications, so `queueplan run` on this file reproduces the verification.\n")
        text = yaml.safe_dump(s.model_dump(mode="json"), sort_keys=False, allow_unicode=True)
        (tmp / "scenario_optimised.yaml").write_text(header + text, encoding="utf-8")
        write_workbook(tmp, lang, s.name)
        if report and plan.verification is not None:
            write_report_or_warn(tmp, out, lang, warn)


def _write_infeasible(exc: InfeasiblePlan, out: Path) -> None:
    from ..runs.folders import run_folder, write_json

    with run_folder(out) as tmp:
        if exc.lp_path is not None and Path(exc.lp_path).exists():
            shutil.copy(exc.lp_path, tmp / Path(exc.lp_path).name)
        _csv(exc.shortfalls, tmp / "shortfalls.csv")
        (tmp / "infeasible.txt").write_text(str(exc) + "\n", encoding="utf-8")
        write_json(tmp / "plan.json", {"milp": {"status": "infeasible", "objective": None, "best_bound": None,
                                                "gap": None}, "problems": exc.problems})


def run(args) -> int:
    """Run ``queueplan optimise`` with parsed ``args``; return the exit code."""
    from optimise.loop import plan_staffing
    from optimise.search import METHODS, find_roster
    from optimise.settings import load_settings, resolve_settings
    from optimise.shifts import InfeasiblePlan, NoRosterInTime, SolverUnavailable
    from sim.loading import ScenarioError, load_scenario, scenario_warnings

    from ..runs.folders import RunFolderError

    try:
        scenario = load_scenario(args.scenario)
        for warning in scenario_warnings(scenario):
            print(f"warning: {args.scenario}: {warning}", file=sys.stderr)
        settings = load_settings(args.settings) if args.settings else None
        out = args.out or _default_out(scenario.name, scenario.experiment.seed, scenario)
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            print(f"error: {out} already exists; results are never overwritten (choose another --out)", file=sys.stderr)
            return EXIT_BAD_INPUT
        workers = args.workers
        if workers == 0:
            import os
            workers = os.cpu_count() or 1
        lp_dir = Path(tempfile.mkdtemp(prefix="queueplan-lp-"))
        try:
            search = None
            if getattr(args, "search", True):
                resolved = resolve_settings(scenario, settings)
                if args.max_iter is not None:
                    resolved = resolved.model_copy(update={"max_iterations": args.max_iter})
                if getattr(args, "futility", None) is not None:
                    resolved = resolved.model_copy(update={"futility": args.futility})
                plan, search = find_roster(scenario, resolved, methods=(args.requirements,) if args.requirements
                                           else METHODS, budget_s=getattr(args, "budget_s", None),
                                           replications=args.reps, screen_replications=getattr(args, "screen_reps", None),
                                           workers=workers, solver=args.solver, time_limit_s=args.time_limit_s,
                                           progress=_progress)
            else:
                plan = plan_staffing(scenario, settings, solver=args.solver, time_limit_s=args.time_limit_s,
                                     replications=args.reps, max_iterations=args.max_iter,
                                     requirements=args.requirements, workers=workers, lp_dir=lp_dir, progress=_progress)
        except InfeasiblePlan as exc:
            print(f"error: {exc}", file=sys.stderr)
            _write_infeasible(exc, out)
            print(f"model and diagnosis written to {out}", file=sys.stderr)
            return EXIT_INFEASIBLE
        finally:
            shutil.rmtree(lp_dir, ignore_errors=True)
        from optimise.causes import correct_bindings, dedupe_notes

        from .optimise_advice import advise, format_advice

        resolved = resolve_settings(scenario, settings)
        plan.shortfalls = correct_bindings(plan.shortfalls, scenario, resolved)   # each station's own limits
        plan.notes = dedupe_notes(plan.notes)
        print(format_plan(plan, getattr(args, "lang", "en")))
        if search is not None:
            print(format_evidence(plan, search))
        advice = advise(scenario, resolved, plan, workers=workers, remedies=getattr(args, "remedies", "auto"),
                        remedies_budget_s=getattr(args, "remedies_budget_s", 300.0),
                        remedies_search_budget_s=getattr(args, "remedies_search_budget_s", None),
                        progress=lambda text: print(text, flush=True))
        print(format_advice(advice, getattr(args, "lang", "en")))
        write_plan(plan, out, args.scenario, workers, plan.solver, str(args.settings) if args.settings else None,
                   sys.argv, lang=args.lang, report=args.report,
                   warn=lambda message: print(f"warning: {message}", file=sys.stderr), search=search, advice=advice)
        print(f"Results: {out}")
        return 0
    except ScenarioError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (SolverUnavailable, RunFolderError, NoRosterInTime) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


_LAZY = {"load_settings": "optimise.settings", "plan_staffing": "optimise.loop", "StaffingPlan": "optimise.loop",
         "InfeasiblePlan": "optimise.shifts", "SolverUnavailable": "optimise.shifts"}


def __getattr__(name: str):
    # the optimiser's names as attributes of this module, imported on first use (not at `queueplan` start-up)
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(name)
