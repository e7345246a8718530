"""``queueplan roster``: the week's duty roster (排班表) of named staff, simulated and published.

    queueplan roster SCENARIO [--out DIR] [--reps N] [--seed S] [--workers W] [--time-limit S]

Steps: the requirements of every day of the horizon (:mod:`optimise.week.days`),
the roster MILP of the named staff (least cost, then fairness:
:mod:`optimise.week.model`), every rule checked again on the roster
(:mod:`optimise.week.checks`), the week simulated with the people rostered
on fresh seeds (``seed + optimise.verify_seed_offset``, never used to plan;
:mod:`sim.week`), and the results folder written atomically, never over an
existing one:

roster_week.csv / .xlsx   one row per person, one column per day (UTF-8 with BOM for Excel/WPS)
calendars/<id>.ics        each person's duties
person_hours.csv          hours, days, early / late / Saturday duties, non-preferred shifts per person
cover_week.csv            per day, station and period: required and on duty
shortfalls.csv            cover the staff could not give (plan.shortfall: report)
requirements_week.csv     the daily requirements per period, station and skill
targets_by_day.csv        every target in every interval of every day: estimate, 95% CI, met
intervals_by_day.csv      per day and interval: KPIs with 95% CIs (all services and classes)
plan.json                 cost, MILP size, time, status and gap of both stages, fairness figures
manifest.json             as for ``queueplan run``
report.html               the weekly grid, cover per day, targets per day, fairness

Exit codes: 0 done; 2 bad input (file, line, field named; nothing written);
3 no roster of the named staff can keep the rules (the diagnosis names the day, the rule and the people).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from ..commands.args import add_workers, non_negative_int, positive_int, positive_seconds

EXIT_BAD_INPUT = 2
EXIT_INFEASIBLE = 3


def add_parser(subparsers):
    p = subparsers.add_parser("roster", help="plan the week's duty roster of named staff (排班表), simulate it, "
                                             "write the wall grid, calendars and report")
    p.add_argument("scenario", help="scenario YAML with a staff_list: (and usually a horizon:)")
    p.add_argument("--out", type=Path, help="results folder to create (default: results/<scenario>/<run-id>)")
    p.add_argument("--reps", type=positive_int, help="replications per day (default: experiment.replications)")
    p.add_argument("--seed", type=non_negative_int, help="seed (default: experiment.seed)")
    add_workers(p)
    p.add_argument("--time-limit", type=positive_seconds, dest="time_limit_s",
                   help="MILP time limit per stage, seconds (default: staff_list.plan.time_limit_s)")
    return p


def _load(path: str):
    from sim.loading import Problem, ScenarioError, load_scenario

    s = load_scenario(path)
    if s.staff_list is None:
        raise ScenarioError([Problem(path, None, "staff_list", "queueplan roster needs a staff_list: block "
                                                               "(the named people to roster)")])
    return s


def run(args) -> int:
    from optimise.week.checks import violations
    from optimise.week.days import day_plans
    from optimise.week.solve import InfeasibleWeek, solve_week
    from sim.week import Duty, simulate_week

    from ..runs.folders import default_run_dir, reserve

    started = time.perf_counter()
    scenario = _load(args.scenario)
    seed = scenario.experiment.seed if args.seed is None else args.seed
    reps = args.reps or scenario.experiment.replications
    workers = (os.cpu_count() or 1) if args.workers == 0 else args.workers
    out = args.out or default_run_dir(scenario, seed)
    with reserve(out):
        t0 = time.perf_counter()
        plans = day_plans(scenario, workers=workers)
        req_s = time.perf_counter() - t0
        print(f"requirements of {sum(not p.day.closed for p in plans)} days: {req_s:.1f} s", file=sys.stderr)
        try:
            roster = solve_week(scenario, plans, time_limit_s=args.time_limit_s)
        except InfeasibleWeek as exc:
            print(f"error: {args.scenario}: no roster of the named staff keeps the rules; nothing was written",
                  file=sys.stderr)
            for line in exc.problems:
                print(f"  {line}", file=sys.stderr)
            return EXIT_INFEASIBLE
        roster.requirements_time_s = req_s
        broken = violations(roster)
        broken = [b for b in broken if "required" not in b or not len(roster.shortfalls)]
        if broken:
            raise RuntimeError("the roster breaks rules it was built to keep (a bug):\n" + "\n".join(broken[:20]))
        for st in roster.stages:
            print(f"MILP {st.stage}: {st.status}, {st.variables} variables, {st.constraints} constraints, "
                  f"{st.time_s:.1f} s" + (f", gap {st.gap:.3g}" if st.gap is not None else ""), file=sys.stderr)
        offset = scenario.optimise.verify_seed_offset if scenario.optimise is not None else 1_000_003
        eval_seed = seed + offset
        duties = [Duty(a.person_id, a.day_index, a.station, a.shift, a.start_min, a.end_min, a.breaks, a.window_group)
                  for a in roster.assignments]
        week = simulate_week(scenario, duties, reps, eval_seed, workers=workers)
        from .write import write_week

        summary = write_week(out, scenario, roster, week, args, seed, eval_seed, reps, workers,
                             time.perf_counter() - started)
    print(summary)
    return 0
