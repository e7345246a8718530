"""The week's roster of named staff: wall and CPU time, MILP size, status and gap (nothing asserted).

For ``scenarios/city_week.yaml`` (Mon-Sat, 15-minute periods) with all its
named staff and with its first ``--people`` (default 40) of them, and for
``scenarios/county_week.yaml``: the time to compute every day's requirements,
then each MILP stage (least cost, fairness) with its size, status, relative
gap and time, and the CPU time of the whole roster stage. Baseline measured in
the same run: the one-day anonymous shift MILP (:func:`optimise.shifts.plan_shifts`)
on Monday's requirements with the same patterns; the ratio of CPU times is printed.
A ``time_limited`` stage is not optimal: its gap says how far from proven it is.

    python benchmarks/bench_week.py [--time-limit 60] [--people 40] [--scenario city_week county_week]
"""

from __future__ import annotations

import argparse
import platform
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from optimise.shifts import plan_shifts  # noqa: E402
from optimise.week.days import day_plans  # noqa: E402
from optimise.week.solve import InfeasibleWeek, solve_week  # noqa: E402
from sim.loading import load_scenario  # noqa: E402


def _subset(scenario, people: int):
    sl = scenario.staff_list
    return scenario.model_copy(update={"staff_list": sl.model_copy(update={"people": sl.people[:people]})})


def _row(label, scenario, plans, limit):
    cpu = time.process_time()
    wall = time.perf_counter()
    try:
        r = solve_week(scenario, plans, time_limit_s=limit)
    except InfeasibleWeek as exc:
        print(f"{label:28s} infeasible ({exc.problems[0] if exc.problems else ''})")
        return None
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    for st in r.stages:
        gap = "-" if st.gap is None else f"{st.gap:.3g}"
        print(f"{label:28s} {st.stage:9s} {st.status:13s} vars {st.variables:6d} (int {st.integer_variables:6d}) "
              f"cons {st.constraints:6d}  {st.time_s:7.1f} s  gap {gap}")
    short = r.shortfalls["shortfall"].sum() if len(r.shortfalls) else 0.0
    print(f"{label:28s} cost {r.cost:.1f}, {len(r.assignments)} duties, cover short {short:.1f} staff-periods; "
          f"roster stage wall {wall:.1f} s, CPU {cpu:.1f} s")
    return cpu


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--people", type=int, default=40)
    ap.add_argument("--scenario", nargs="*", default=["city_week", "county_week"])
    args = ap.parse_args()
    print(f"machine: {platform.platform()}, {os.cpu_count()} cpus, load average {os.getloadavg()}")
    for name in args.scenario:
        s = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
        wall = time.perf_counter()
        plans = day_plans(s, workers=1)
        print(f"{name}: requirements of {sum(not p.day.closed for p in plans)} days "
              f"({s.staff_list.plan.requirements}): {time.perf_counter() - wall:.1f} s")
        first = next(p for p in plans if not p.day.closed)
        cpu = time.process_time()
        base = plan_shifts(first.scenario, first.settings, first.req, patterns=first.patterns, fill=True,
                           time_limit_s=args.time_limit)
        base_cpu = time.process_time() - cpu
        print(f"{name}: baseline one-day shift MILP ({first.code}, anonymous): {base.status}, "
              f"{base.variables} vars, {base.constraints} cons, CPU {base_cpu:.1f} s")
        cpu_all = _row(f"{name} all {len(s.staff_list.people)}", s, plans, args.time_limit)
        cpu_sub = None
        if len(s.staff_list.people) > args.people:
            cpu_sub = _row(f"{name} first {args.people}", _subset(s, args.people), plans, args.time_limit)
        for label, c in (("all", cpu_all), (f"first {args.people}", cpu_sub)):
            if c is not None and base_cpu > 0:
                print(f"{name} {label}: week roster CPU / one-day MILP CPU = {c / base_cpu:.1f}")


if __name__ == "__main__":
    main()
