"""Peak memory of an experiment against its number of replications, each size in a fresh process.

    python benchmarks/bench_memory.py [--reps 100,1000] [--scenario W|PATH] [--root DIR]

Each size runs ``run_experiment(s, reps, workers=1)`` and ``summary()`` in a
new Python process and prints its peak resident memory
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``) and wall time; the goal of
issue 11 is a peak at 1,000 replications within 20% of the peak at 100.
``W`` (the default) is workload W of ``bench_core.py``; ``--root`` measures
another checkout (e.g. the commit before a change). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

PROBE = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from sim.experiment import run_experiment
from sim.loading import load_scenario, scenario_from_dict
if {scenario!r} == "W":  # workload W of bench_core.py and minimal_simpy.py
    from tests.builders import mmc_dict
    s = scenario_from_dict(mmc_dict(4.0, 5.0, 22, open_min=480.0, close_min=960.0, replications={reps}), source="<W>")
else:
    s = load_scenario({scenario!r})
t = time.perf_counter()
r = run_experiment(s, replications={reps}, workers=1)
r.summary()
print(json.dumps({{"peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                   "wall_s": time.perf_counter() - t}}))
"""


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", default="100,1000")
    ap.add_argument("--scenario", default="W", help="W, or a scenario YAML file")
    ap.add_argument("--root", type=Path, default=HERE.parent)
    a = ap.parse_args(argv)
    scenario = a.scenario if a.scenario == "W" else str(Path(a.scenario).resolve())
    peaks = {}
    print(f"project at {a.root.resolve()}, scenario {a.scenario}")
    for reps in [int(x) for x in a.reps.split(",")]:
        code = PROBE.format(root=str(a.root.resolve()), scenario=scenario, reps=reps)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             cwd=str(a.root.resolve()))
        probe = json.loads(out.stdout.strip().splitlines()[-1])
        peaks[reps] = probe["peak_mib"]
        print(f"  {reps:>6} replications: peak {probe['peak_mib']:,.0f} MiB, {probe['wall_s']:.1f} s", flush=True)
    sizes = sorted(peaks)
    if len(sizes) > 1:
        growth = peaks[sizes[-1]] / peaks[sizes[0]] - 1
        print(f"peak at {sizes[-1]} over peak at {sizes[0]}: {growth:+.0%} (goal within +20%: "
              f"{'met' if growth <= 0.2 else 'NOT met'})")


if __name__ == "__main__":
    main()
