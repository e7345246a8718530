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

    python benchmarks/bench_optimise.py [--workers 2] [--budget-s 600] [--scenario NAME ...]
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from optimise.loop import plan_staffing  # noqa: E402
from optimise.search import find_roster  # noqa: E402
from optimise.settings import load_settings  # noqa: E402
from sim.loading import load_scenario  # noqa: E402

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
    lb = "none" if evidence.lower_bound is None else f"{evidence.lower_bound:.2f}"
    print(f"  search: {evidence.status}; best found {plan.cost:.2f}; {kept} of {len(m)} single moves from it keep "
          f"every target; fluid lower bound {lb}")
    print("  starts: " + "; ".join(f"{r.method} {r.cost:.2f} ({'holds' if r.held_in_sample else 'misses'} in sample)"
                                   for r in evidence.starts.itertuples()))
    for note in evidence.notes:
        print(f"  note: {note}")
    if not m.empty:
        print("  moves by stage: " + ", ".join(f"{k} {v}" for k, v in m["stage"].value_counts().items()))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workers", type=int, default=2, help="worker processes for the simulations (default 2)")
    p.add_argument("--budget-s", type=float, default=600.0, help="budget of the search per scenario (default 600)")
    p.add_argument("--scenario", action="append", help="scenario name(s) (default: county_hall, city_office)")
    args = p.parse_args(argv)
    print(f"bench_optimise: Python {platform.python_version()}, {platform.machine()}, workers={args.workers}, "
          f"budget {args.budget_s:g} s")
    for name in args.scenario or SCENARIOS:
        bench(name, args.workers, args.budget_s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
