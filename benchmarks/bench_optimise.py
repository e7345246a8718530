"""Staffing optimisation: three rosters per scenario, judged out of sample.

For ``scenarios/county_hall.yaml`` and ``scenarios/city_office.yaml`` (skipped
when absent), with the scenario's ``optimise:`` block or, until scenarios carry
one, ``tests/data/<scenario>_optimise.yaml``:

(a) SIPP: the MILP roster of the stationary interval-by-interval requirements, not simulated;
(b) time-varying: the MILP roster of the time-varying offered-load requirements, not simulated;
(c) simulate and repair: (b) corrected and trimmed by simulation (common random numbers).

Each roster is verified on fresh seeds (``seed + verify_seed_offset``); the
table gives its cost, paid hours, the share of hourly target-intervals met on
the estimate and met with 95% confidence, the wall time of the whole
optimisation (including verification) and the MILP solve time (sum over all
solves). Goals of the issue: city office under 2 minutes on 2 cores, MILP
under 10 s. Nothing is asserted: the figures are printed.

    python benchmarks/bench_optimise.py [--workers 2] [--scenario NAME ...]
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
    return {"roster": label, "cost": plan.cost, "paid_h": plan.paid_hours, "staff": plan.roster.staff(),
            "met": hourly["met"].mean(), "met_conf": hourly["met_confident"].mean(), "n": len(hourly),
            "day_ok": bool(v[v["interval"] == "day"]["met"].all()), "iters": len(plan.iterations),
            "wall_s": wall_s, "milp_s": plan.milp_time_s}


def bench(name: str, workers: int) -> None:
    path = ROOT / "scenarios" / f"{name}.yaml"
    if not path.exists():
        print(f"\n{name}: skipped ({path.relative_to(ROOT)} does not exist)")
        return
    scenario = load_scenario(path)
    settings, where = _settings_for(name, scenario)
    if settings is False:
        print(f"\n{name}: skipped ({where})")
        return
    print(f"\n{name}: settings from {where}")
    rows = []
    for label, method, iters in (("(a) SIPP", "sipp", 0), ("(b) time-varying", "time_varying", 0),
                                 ("(c) simulate+repair", "time_varying", None)):
        started = time.perf_counter()
        plan = plan_staffing(scenario, settings, requirements=method, max_iterations=iters, workers=workers)
        rows.append(_row(label, plan, time.perf_counter() - started))
    print(f"  {'roster':<22}{'cost':>8}{'paid h':>8}{'staff':>7}{'met':>8}{'met 95%':>9}{'day ok':>8}"
          f"{'sims':>6}{'wall s':>8}{'MILP s':>8}")
    for r in rows:
        print(f"  {r['roster']:<22}{r['cost']:8.2f}{r['paid_h']:8.1f}{r['staff']:7d}{r['met']:8.0%}{r['met_conf']:9.0%}"
              f"{str(r['day_ok']):>8}{r['iters']:6d}{r['wall_s']:8.1f}{r['milp_s']:8.2f}")
    print(f"  (met / met 95%: share of the {rows[0]['n']} hourly target-intervals met out of sample on the "
          "estimate / on the 95% bound; sims: iterations logged)")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workers", type=int, default=2, help="worker processes for the simulations (default 2)")
    p.add_argument("--scenario", action="append", help="scenario name(s) (default: county_hall, city_office)")
    args = p.parse_args(argv)
    print(f"bench_optimise: Python {platform.python_version()}, {platform.machine()}, workers={args.workers}")
    for name in args.scenario or SCENARIOS:
        bench(name, args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
