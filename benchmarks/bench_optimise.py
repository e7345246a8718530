"""Staffing optimisation: the analytic rosters and the default search, judged out of sample.

For ``scenarios/county_hall.yaml`` and ``scenarios/city_office.yaml`` (skipped
when absent), with the scenario's ``optimise:`` block or, until scenarios carry
one, ``tests/data/<scenario>_optimise.yaml``:

(a) SIPP: the MILP roster of the stationary interval-by-interval requirements, not simulated;
(b) time-varying: the MILP roster of the time-varying offered-load requirements, not simulated;
(c) transient: the MILP roster of the transient requirements (openings from the forward equations), not simulated;
(d) search (the default of ``queueplan optimise``): the repair loop from (a), (b), (c), then the local
    search over single moves on common random numbers, within ``--budget-s``.

Each roster is verified on fresh seeds (``seed + verify_seed_offset``); the
table gives its cost, paid hours, the share of hourly target-intervals met on
the estimate and met with 95% confidence, the wall time of the whole
optimisation (including verification) and the MILP solve time (sum over all
solves) and the longest single MILP solve with its size. Then the evidence of
(d): moves tried from its roster, how many keep every target, the lower bound.
Goal of the issue: each MILP solve under 10 s. Nothing is asserted.

Then, per scenario, the MILP alone: the requirements of (a), (b), (c) and of
the repairs logged by the search, each built and solved with the explicit
break model and the implicit one (:mod:`optimise.milp_model`), interleaved,
on CPU time of this process (HiGHS runs in it): build and solve time, size
(variables x constraints x non-zeros), the costs (which must agree) and the
ratio implicit / explicit.

``--county-levers``: the county hall's claim that a second inspection lane
meets every target while a 7th counter window (with one more police officer)
does not, each variant optimised by the default loop and verified on fresh seeds.

    python benchmarks/bench_optimise.py [--workers 2] [--budget-s 600] [--scenario NAME ...] [--county-levers]
"""

from __future__ import annotations

import argparse
import copy
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from optimise.loop import plan_staffing  # noqa: E402
from optimise.milp_model import build_model  # noqa: E402
from optimise.requirements import compute_requirements  # noqa: E402
from optimise.search import find_roster  # noqa: E402
from optimise.settings import generate_patterns, load_settings, resolve_settings  # noqa: E402
from optimise.shifts import InfeasiblePlan, NoRosterInTime, solve  # noqa: E402
from sim.loading import load_scenario, scenario_from_dict  # noqa: E402

SCENARIOS = ("county_hall", "city_office")


def _settings_for(name: str, scenario):
    if getattr(scenario, "optimise", None) is not None:
        return None, "scenario's optimise: block"
    path = ROOT / "tests" / "data" / f"{name}_optimise.yaml"
    if not path.exists():
        return False, f"no optimise: block and no {path.relative_to(ROOT)}"
    return load_settings(path), str(path.relative_to(ROOT))


def _row(label: str, plan, wall_s: float) -> dict:
    v = plan.verified_targets()
    hourly = v[v["interval"] != "day"]
    it = plan.iterations
    longest = it.loc[it["milp_s"].fillna(0).idxmax()] if "milp_s" in it and len(it) else None
    return {"roster": label, "cost": plan.cost, "paid_h": plan.paid_hours, "staff": plan.roster.staff(),
            "met": hourly["met"].mean(), "met_conf": hourly["met_confident"].mean(), "n": len(hourly),
            "all95": f"{int(v['met_confident'].sum())}/{len(v)}",
            "day_ok": bool(v[v["interval"] == "day"]["met_confident"].all()), "iters": len(it),
            "wall_s": wall_s, "milp_s": plan.milp_time_s,
            "milp_max_s": 0.0 if longest is None else float(longest["milp_s"]),
            "size": "" if longest is None else f"{int(longest.get('milp_variables', 0) or 0)}x"
                                                f"{int(longest.get('milp_constraints', 0) or 0)}"}


def bench(name: str, workers: int, budget_s: float) -> None:
    path = ROOT / "scenarios" / f"{name}.yaml"
    if not path.exists():
        print(f"\n{name}: skipped ({path.relative_to(ROOT)} does not exist)")
        return
    scenario = load_scenario(path)
    settings, where = _settings_for(name, scenario)
    if settings is False:
        print(f"\n{name}: skipped ({where})")
        return
    print(f"\n{name}: settings from {where}", flush=True)
    rows = []
    for label, method in (("(a) SIPP", "sipp"), ("(b) time-varying", "time_varying"), ("(c) transient", "transient")):
        started = time.perf_counter()
        plan = plan_staffing(scenario, settings, requirements=method, max_iterations=0, workers=workers)
        rows.append(_row(label, plan, time.perf_counter() - started))
    started = time.perf_counter()
    plan, evidence = find_roster(scenario, settings, budget_s=budget_s, workers=workers)
    rows.append(_row("(d) search (default)", plan, time.perf_counter() - started))
    print(f"  {'roster':<22}{'cost':>8}{'paid h':>8}{'staff':>7}{'met':>7}{'met 95%':>9}{'all 95%':>9}{'day ok':>8}"
          f"{'sims':>6}{'wall s':>8}{'MILP s':>8}{'max MILP':>10}{'vars x cons':>13}")
    for r in rows:
        print(f"  {r['roster']:<22}{r['cost']:8.2f}{r['paid_h']:8.1f}{r['staff']:7d}{r['met']:7.0%}{r['met_conf']:9.0%}"
              f"{r['all95']:>9}{str(r['day_ok']):>8}{r['iters']:6d}{r['wall_s']:8.1f}{r['milp_s']:8.2f}"
              f"{r['milp_max_s']:10.2f}{r['size']:>13}")
    print(f"  (met / met 95%: share of the {rows[0]['n']} hourly target-intervals met out of sample on the "
          "estimate / on the 95% bound; all 95%: every target row incl. day targets and the unserved limit; "
          "day ok: the day targets on their 95% bound; sims: iterations logged)")
    m = evidence.moves
    kept = 0 if m.empty else int(m["keeps_every_target"].sum())
    print(f"  search: {evidence.status}; {kept} of {len(m)} moves from the final roster keep every target")
    print(f"  {evidence.headline(plan.cost)}")
    print(f"  lower bound method: {evidence.lower_bound_method}")
    it = plan.iterations
    if "milp_status" in it:
        solved = it.dropna(subset=["milp_status"])
        print(f"  MILP solves: {len(solved)}, status " + ", ".join(f"{k} {v}" for k, v in
                                                              solved["milp_status"].value_counts().items())
              + f"; longest {solved['milp_time_s'].max():.2f} s; largest gap {solved['milp_gap'].max():.2g}")
    print("  starts: " + "; ".join(f"{r.method} {r.cost:.2f} ({'holds' if r.held_in_sample else 'misses'} in sample)"
                                   for r in evidence.starts.itertuples()))
    for note in evidence.notes:
        print(f"  note: {note}")
    if not m.empty:
        print("  moves by stage: " + ", ".join(f"{k} {v}" for k, v in m["stage"].value_counts().items()))
        print("  moves by kind: " + ", ".join(f"{k} {v}" for k, v in m["kind"].value_counts().items()))
    formulations(scenario, settings, plan)


def _nonzeros(problem) -> int:
    return sum(len(c) for c in problem.constraints.values())


def formulations(scenario, settings, plan) -> None:
    """Explicit vs implicit break model on the same requirements, interleaved, CPU time."""
    settings = resolve_settings(scenario, settings)
    patterns = generate_patterns(scenario, settings)
    fill = "requirements" if settings.beyond_limits == "fill" else None
    reqs = [(m, compute_requirements(scenario, m, settings.grid_min)) for m in ("sipp", "time_varying", "transient")]
    reqs.append(("repaired (reported)", plan.requirements))
    print(f"  MILP formulations ({len(patterns)} shift patterns; CPU s of this process, HiGHS included):")
    print(f"    {'requirements':<22}{'model':<10}{'build s':>9}{'solve s':>9}{'vars x cons x nz':>20}{'cost':>9}"
          f"{'status':>14}")
    total = {"explicit": 0.0, "implicit": 0.0}
    for label, req in reqs:
        for breaks in ("explicit", "implicit"):
            t0 = time.process_time()
            model = build_model(scenario, settings, req, patterns, slack=fill, breaks=breaks)
            t1 = time.process_time()
            try:
                sol = solve(model, scenario, settings, settings.solver, settings.time_limit_s, settings.mip_gap)
                cost, status = f"{sol.cost:.2f}", sol.milp.status
            except (InfeasiblePlan, NoRosterInTime) as exc:
                cost, status = "-", type(exc).__name__
            t2 = time.process_time()
            total[breaks] += t2 - t0
            size = f"{len(model.problem.variables())}x{len(model.problem.constraints)}x{_nonzeros(model.problem)}"
            print(f"    {label:<22}{breaks:<10}{t1 - t0:9.2f}{t2 - t1:9.2f}{size:>20}{cost:>9}{status:>14}")
    ratio = total["implicit"] / total["explicit"] if total["explicit"] else float("nan")
    print(f"    total CPU: explicit {total['explicit']:.2f} s, implicit {total['implicit']:.2f} s "
          f"(implicit / explicit {ratio:.2f})")


def county_levers(workers: int) -> None:
    """The county hall as shipped, with a 7th counter window (and one more police officer), with a second lane."""
    path = ROOT / "scenarios" / "county_hall.yaml"
    if not path.exists():
        print("county levers: skipped (no county_hall.yaml)")
        return
    base = load_scenario(path)
    data = base.model_dump(mode="json")
    variants = [("as shipped", data)]
    seven = copy.deepcopy(data)
    seven["stations"]["counter"]["windows"] += 1
    seven["optimise"]["headcount"]["police"] += 1
    variants.append(("7th counter window + 1 police", seven))
    lane = copy.deepcopy(data)
    lane["stations"]["inspection"]["windows"] += 1
    variants.append(("second inspection lane", lane))
    both = copy.deepcopy(lane)
    both["stations"]["counter"]["windows"] += 1
    both["optimise"]["headcount"]["police"] += 1
    variants.append(("lane + 7th window + 1 police", both))
    print("\ncounty hall levers (default loop, verified on fresh seeds):")
    print(f"  {'variant':<32}{'cost':>8}{'all 95%':>9}{'missed (95%)':>40}{'wall s':>8}")
    for label, d in variants:
        scenario = scenario_from_dict(d, source=f"<county {label}>")
        started = time.perf_counter()
        plan = plan_staffing(scenario, workers=workers)
        v = plan.verified_targets()
        miss = sorted({f"{r.target}" for r in v[~v["met_confident"]].itertuples()})
        print(f"  {label:<32}{plan.cost:8.2f}{int(v['met_confident'].sum()):>5}/{len(v):<3}"
              f"{', '.join(miss) or '-':>40}{time.perf_counter() - started:8.1f}", flush=True)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workers", type=int, default=2, help="worker processes for the simulations (default 2)")
    p.add_argument("--budget-s", type=float, default=600.0, help="budget of the search per scenario (default 600)")
    p.add_argument("--scenario", action="append", help="scenario name(s) (default: county_hall, city_office)")
    p.add_argument("--county-levers", action="store_true", help="also the county hall's lane vs counter window check")
    args = p.parse_args(argv)
    print(f"bench_optimise: Python {platform.python_version()}, {platform.machine()}, workers={args.workers}, "
          f"budget {args.budget_s:g} s")
    for name in args.scenario or SCENARIOS:
        bench(name, args.workers, args.budget_s)
    if args.county_levers:
        county_levers(args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
