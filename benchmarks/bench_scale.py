"""Scale of replications: throughput on 1 and 2 workers, and peak memory against replications.

Run:  python benchmarks/bench_scale.py [--scenario scenarios/city_office.yaml] [--reps 100]
                                      [--memory-reps 100,300,1000]

(b) citizens simulated per second on 1 worker, and the speed-up on 2 workers,
    measured in this run on the same replications (goal: at least 1.7x on an
    otherwise idle 2-core machine);
(c) peak resident memory of a whole experiment without event logs, each size
    in a fresh process (goal: under 1 GB and not growing with replications).
Numbers are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sim.experiment import run_experiment  # noqa: E402
from sim.loading import load_scenario  # noqa: E402

from bench_memory import PROBE as MEMORY_PROBE  # noqa: E402  (one probe: a fresh process, peak RSS)


def throughput(scenario, reps: int, workers: int) -> tuple[float, float]:
    """(citizens per second, wall seconds) of one experiment."""
    started = time.perf_counter()
    result = run_experiment(scenario, replications=reps, workers=workers)
    wall = time.perf_counter() - started
    citizens = result.tables["citizens"]
    day = citizens[(citizens["interval"] == "day") & (citizens["service_type"] == "*") & (citizens["class"] == "*")]
    return float(day["arrivals"].sum()) / wall, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "city_office.yaml"))
    parser.add_argument("--reps", type=int, default=100)
    parser.add_argument("--memory-reps", default="100,300,1000")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    print(f"scenario {scenario.name}, {args.reps} replications per measurement, {args.rounds} rounds")

    speedups = []
    for k in range(args.rounds):
        one, wall1 = throughput(scenario, args.reps, 1)
        two, wall2 = throughput(scenario, args.reps, 2)
        speedups.append(two / one)
        print(f"  round {k + 1}: 1 worker {one:,.0f} citizens/s ({wall1:.1f} s); "
              f"2 workers {two:,.0f} citizens/s ({wall2:.1f} s); speed-up {two / one:.2f}x")
    speedups.sort()
    print(f"(b) speed-up on 2 workers (median of rounds): {speedups[len(speedups) // 2]:.2f}x (goal >= 1.7)")

    print("(c) peak memory without event logs, one worker, fresh process per size:")
    for reps in [int(x) for x in args.memory_reps.split(",")]:
        code = MEMORY_PROBE.format(root=str(ROOT), scenario=args.scenario, reps=reps)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        probe = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"  {reps:>6} replications: peak {probe['peak_mib']:,.0f} MiB, {probe['wall_s']:.1f} s")


if __name__ == "__main__":
    main()
