"""The week's roster of named staff: wall time of the whole planning, MILP size, status, gap (nothing asserted).

For each week: the wall time of everything ``queueplan roster`` plans
(every day's requirements, then both MILP stages: least cost, fairness),
the requirements' time, and per stage its status, size (variables, integer
variables, constraints), time, relative gap and method: ``aggregate`` is stage
1a (counts per class of interchangeable people, :mod:`optimise.week.aggregate`;
its time is included in the ``cost`` line's), ``cost`` the least-cost roster
(``aggregate + assignment``: the named people assigned to 1a's counts, or the
roster MILP itself when that assignment fails), ``fairness`` stage 2. A ``time_limited`` stage is
not optimal: its gap says how far from proven it is.

Weeks:

* ``city_week_40``: the 40-person city office of the issue, built here from
  ``scenarios/city_week.yaml`` (Mon-Sat, Sunday closed, 15-minute periods):
  the first people of each staff type in file order, about 40/66 of each
  type (:data:`CITY_40`: 19 officers incl. both green-channel officers and 3
  dealer-batch officers, 18 auxiliaries, 3 doctors: the medical desk's rule
  wants a doctor at every moment, meals included, which 2 doctors of 40 h
  cannot give over 6 days), and the demand scaled so that they can cover it: walk-in ``daily_volume`` and the appointments'
  ``booked_share`` times ``--demand-scale`` (default 0.5). Windows, targets,
  rules and day factors are those of the file. The scaled YAML is written to
  a temporary folder and loaded through the ordinary loader.
* ``city_week``: the shipped 66-person city week.
* ``county_week``: the shipped county week (13 people).

Baseline in the same run: every day's requirements with the search from
scratch in every period (``warm_search=False``, the computation before the
warm-started searches; the same numbers, checked here and in the tests).

    python benchmarks/bench_week.py [--time-limit 60] [--demand-scale 0.5] [--scenario city_week_40 city_week county_week]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from optimise.requirements import compute_requirements  # noqa: E402
from optimise.week.days import day_plans  # noqa: E402
from optimise.week.solve import InfeasibleWeek, solve_week  # noqa: E402
from sim.loading import load_scenario  # noqa: E402

# People kept per staff type in the 40-person city week (of 8, 8, 3, 3, 5, 2, 14, 12, 6, 5 in the file).
CITY_40 = {"police_dl": 5, "police_mv_reg": 5, "police_mv_other": 2, "police_vio": 2, "police_batch": 3,
           "police_green": 2, "aux_vehicle": 8, "aux_issue": 6, "aux_desk": 4, "doctor": 3}


def city_week_40(folder: Path, demand_scale: float):
    """The 40-person city week of the module docstring, loaded from a YAML written to ``folder``."""
    data = yaml.safe_load((ROOT / "scenarios" / "city_week.yaml").read_text(encoding="utf-8"))
    kept, left = [], dict(CITY_40)
    for p in data["staff_list"]["people"]:
        if left.get(p["staff_type"], 0) > 0:
            kept.append(p)
            left[p["staff_type"]] -= 1
    data["name"] = "city_week_40"
    data["staff_list"]["people"] = kept
    data["arrivals"]["daily_volume"] = round(data["arrivals"]["daily_volume"] * demand_scale)
    data["appointments"]["booked_share"] = round(data["appointments"]["booked_share"] * demand_scale, 4)
    path = folder / "city_week_40.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_scenario(path)


def _same(a, b) -> bool:
    return (all(np.array_equal(a.pooled_staff[s], b.pooled_staff[s]) for s in a.pooled_staff)
            and all(np.array_equal(a.skill_staff[k], b.skill_staff[k]) for k in a.skill_staff)
            and a.pooled_staff.keys() == b.pooled_staff.keys() and a.skill_staff.keys() == b.skill_staff.keys())


def bench(name: str, scenario, limit: float, baseline: bool) -> None:
    people = len(scenario.staff_list.people)
    method = scenario.staff_list.plan.requirements
    wall, cpu = time.perf_counter(), time.process_time()
    plans = day_plans(scenario, workers=1)
    req_s = time.perf_counter() - wall
    try:
        r = solve_week(scenario, plans, time_limit_s=limit)
    except InfeasibleWeek as exc:
        print(f"{name}: infeasible ({exc.problems[0] if exc.problems else ''})")
        return
    total, cpu = time.perf_counter() - wall, time.process_time() - cpu
    open_days = [p for p in plans if not p.day.closed]
    print(f"{name}: {people} people, {len(open_days)} open days, {method} requirements {req_s:.1f} s")
    for st in ([r.aggregate] if r.aggregate else []) + r.stages:
        gap = "-" if st.gap is None else f"{st.gap:.3g}"
        print(f"{name}:   {st.stage:9s} {st.status:13s} vars {st.variables:6d} (int {st.integer_variables:5d}) "
              f"cons {st.constraints:6d}  {st.time_s:6.1f} s  gap {gap}  ({st.method})")
    short = r.shortfalls["shortfall"].sum() if len(r.shortfalls) else 0.0
    print(f"{name}:   cost {r.cost:.1f}, {len(r.assignments)} duties, cover short {short:.1f} staff-periods")
    print(f"{name}:   whole planning (requirements + both stages) wall {total:.1f} s, CPU {cpu:.1f} s "
          f"(this process; HiGHS threads included)")
    if baseline:
        t = time.perf_counter()
        same = all(_same(p.req, compute_requirements(p.scenario, method, p.settings.grid_min, warm_search=False))
                   for p in open_days)
        print(f"{name}:   baseline requirements (search from scratch per period) {time.perf_counter() - t:.1f} s, "
              f"same numbers: {same}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--demand-scale", type=float, default=0.5)
    ap.add_argument("--scenario", nargs="*", default=["city_week_40", "city_week", "county_week"])
    ap.add_argument("--no-baseline", action="store_true", help="skip the from-scratch requirements")
    args = ap.parse_args()
    print(f"machine: {platform.platform()}, {os.cpu_count()} cpus, load average "
          f"{tuple(round(x, 2) for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.scenario:
            if name == "city_week_40":
                s = city_week_40(Path(tmp), args.demand_scale)
            else:
                s = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
            bench(name, s, args.time_limit, not args.no_baseline)


if __name__ == "__main__":
    main()
