"""Speed of the project's SimPy model against a minimal idiomatic SimPy model.

Workload (the same for both): one station, 22 identical staff on duty all day,
Poisson arrivals at 4 per minute for 480 minutes, exponential work with mean
5 minutes, FCFS, the day starts empty; ``--reps`` replications (default 200).

(a) project: ``sim.run.run_replication(scenario, rep, seed)`` for every
    replication; this is the whole model (sampling the citizens, the SimPy run
    and building the event log), without any KPI computation.
(b) minimal: one SimPy process per citizen, ``simpy.Resource(env, capacity=22)``,
    a source process drawing exponential interarrival times from a numpy
    Generator, run until every citizen is served.

The two are timed alternately in one process: each round runs every
replication of both models, switching model every ``--chunk`` replications,
and the median over the rounds is reported, so machine noise affects both
alike. The goal is a ratio (project citizens/s over minimal citizens/s) of at
least 1.5. Nothing is asserted: the figures are printed.

    python benchmarks/bench_core.py [--reps 200] [--rounds 3] [--chunk 10] [--profile 20]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import math
import platform
import pstats
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import simpy

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sim.run import run_replication  # noqa: E402
from tests.builders import mmc_scenario  # noqa: E402

ARRIVALS_PER_MIN = 4.0
MEAN_WORK_MIN = 5.0
SERVERS = 22
OPEN_MIN, CLOSE_MIN = 480.0, 960.0
GOAL = 1.5


# ---- (a) the project's model --------------------------------------------------
def make_scenario(reps: int):
    return mmc_scenario(ARRIVALS_PER_MIN, MEAN_WORK_MIN, SERVERS, open_min=OPEN_MIN, close_min=CLOSE_MIN,
                        replications=reps)


def project_chunk(scenario, reps: range, seed: int, out: dict) -> tuple[float, float]:
    """Time ``run_replication`` over ``reps``; the logs are summarised after the clock stops.

    Returns (wall seconds, CPU seconds) and adds citizens, per-day mean waits and the
    number of unserved citizens to ``out``.
    """
    gc.collect()
    c0, t0 = time.process_time(), time.perf_counter()
    logs = [run_replication(scenario, rep, seed) for rep in reps]
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    out["citizens"] += sum(len(log) for log in logs)
    # wait_min is NaN only for citizens turned away (none here); citizens still waiting at the
    # hard stop (16:00, staff go home) keep their wait censored at the hard stop
    out["day_means"] += [float(np.nanmean(log.wait_min)) for log in logs]
    out["unserved"] += sum(log.counts()["unserved"] for log in logs)
    return wall, cpu


# ---- (b) a minimal idiomatic SimPy model -----------------------------------------
def wait_summary(day_means: list[float]) -> tuple[float, float]:
    """Mean over replications of the day's mean wait, and its standard error."""
    a = np.asarray(day_means)
    return float(a.mean()), float(a.std(ddof=1) / np.sqrt(len(a))) if len(a) > 1 else float("nan")


def minimal_replication(rep: int, seed: int, waits: list) -> int:
    """One day of the M/M/22 queue, one SimPy process per citizen. Returns the number of citizens."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(rep,)))
    env = simpy.Environment(initial_time=OPEN_MIN)
    res = simpy.Resource(env, capacity=SERVERS)
    count = [0]

    def citizen(work):
        arrive = env.now
        with res.request() as req:
            yield req
            waits.append(env.now - arrive)
            yield env.timeout(work)

    def source():
        scale = 1.0 / ARRIVALS_PER_MIN
        while True:
            yield env.timeout(rng.exponential(scale))
            if env.now >= CLOSE_MIN:
                return
            count[0] += 1
            env.process(citizen(rng.exponential(MEAN_WORK_MIN)))

    env.process(source())
    env.run()  # until every citizen is served
    return count[0]


def minimal_chunk(reps: range, seed: int, out: dict) -> tuple[float, float]:
    """Time the minimal model over ``reps`` (see ``project_chunk``)."""
    waits = [[] for _ in reps]
    gc.collect()
    c0, t0 = time.process_time(), time.perf_counter()
    citizens = sum(minimal_replication(rep, seed, w) for rep, w in zip(reps, waits))
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    out["citizens"] += citizens
    out["day_means"] += [float(np.mean(w)) for w in waits]
    return wall, cpu


def run_round(scenario, reps: int, chunk: int, seed: int) -> dict:
    """One round: every replication of each model, the two interleaved in chunks of ``chunk``
    replications (the model going first alternates), so that a burst of load on the machine
    hits both alike."""
    res = {name: {"wall": 0.0, "cpu": 0.0, "citizens": 0, "day_means": [], "unserved": 0}
           for name in ("project", "minimal")}
    runs = {"project": lambda r, out: project_chunk(scenario, r, seed, out),
            "minimal": lambda r, out: minimal_chunk(r, seed, out)}
    for k, lo in enumerate(range(0, reps, chunk)):
        r = range(lo, min(lo + chunk, reps))
        for name in (("project", "minimal") if k % 2 == 0 else ("minimal", "project")):
            wall, cpu = runs[name](r, res[name])
            res[name]["wall"] += wall
            res[name]["cpu"] += cpu
    return res


def erlang_c_wait(lam: float, mean_work: float, c: int) -> float:
    """Steady-state mean wait of M/M/c (a day that starts empty waits a little less)."""
    a = lam * mean_work
    below = sum(a ** k / math.factorial(k) for k in range(c))
    top = a ** c / math.factorial(c) * c / (c - a)
    return top / (below + top) * mean_work / (c - a)


# ---- profile ----------------------------------------------------------------------
def profile_project(scenario, reps: int, seed: int, top: int = 15) -> None:
    prof = cProfile.Profile()
    prof.enable()
    for rep in range(reps):
        run_replication(scenario, rep, seed)
    prof.disable()
    print(f"\ncProfile of the project's model, {reps} replications, top {top} by tottime:")
    stats = pstats.Stats(prof, stream=sys.stdout)
    stats.strip_dirs().sort_stats("tottime").print_stats(top)


def ratio_of(res: dict, clock: str) -> float:
    """Citizens per second of the project over those of the minimal model, in one round."""
    p, m = res["project"], res["minimal"]
    return (p["citizens"] / p[clock]) / (m["citizens"] / m[clock])


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=200, help="replications per round (default 200)")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds of each model (default 3)")
    ap.add_argument("--chunk", type=int, default=10,
                    help="replications run back to back before switching model (default 10)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--profile", type=int, default=0, metavar="N",
                    help="also print a cProfile of the project's model over N replications")
    args = ap.parse_args(argv)

    scenario = make_scenario(args.reps)
    print(f"M/M/{SERVERS}: {ARRIVALS_PER_MIN:g}/min for {CLOSE_MIN - OPEN_MIN:g} min, mean work {MEAN_WORK_MIN:g} min, "
          f"{args.reps} replications x {args.rounds} rounds")
    print(f"python {platform.python_version()}, simpy {simpy.__version__}, numpy {np.__version__}, "
          f"{platform.machine()}")
    run_round(scenario, min(args.reps, 4), args.chunk, args.seed)  # warm-up (imports, caches)

    rounds = []
    for r in range(args.rounds):
        res = run_round(scenario, args.reps, args.chunk, args.seed)
        rounds.append(res)
        line = "   ".join(f"{name} {v['wall']:6.2f} s ({v['citizens'] / v['wall']:8,.0f}/s)" for name, v in res.items())
        print(f"  round {r + 1}: {line}   ratio {ratio_of(res, 'wall'):.2f}")

    print()
    print(f"{'model':9s} {'citizens':>10s} {'wall s':>8s} {'citizens/s':>11s} {'CPU s':>7s} "
          f"{'mean wait min +- 2 SE':>22s}")
    rate = {}
    for name in ("project", "minimal"):
        wall = statistics.median(res[name]["wall"] for res in rounds)
        cpu = statistics.median(res[name]["cpu"] for res in rounds)
        first = rounds[0][name]
        n = first["citizens"]
        mean_wait, se = wait_summary(first["day_means"])
        rate[name] = n / wall
        note = (f"  ({first['unserved']} still waiting at the hard stop, waits censored there)"
                if first["unserved"] else "")
        print(f"{name:9s} {n:10,d} {wall:8.2f} {rate[name]:11,.0f} {cpu:7.2f} {mean_wait:13.3f} +- {2 * se:.3f}{note}")
    print(f"(medians over {args.rounds} rounds; steady-state M/M/{SERVERS} mean wait for reference: "
          f"{erlang_c_wait(ARRIVALS_PER_MIN, MEAN_WORK_MIN, SERVERS):.3f} min, a day starting empty waits less)")
    ratio = rate["project"] / rate["minimal"]
    print(f"\nratio project/minimal, citizens per wall second: {ratio:.2f}  "
          f"(goal >= {GOAL:g}: {'met' if ratio >= GOAL else 'NOT met'})")
    print(f"median per-round ratio: wall {statistics.median(ratio_of(res, 'wall') for res in rounds):.2f}, "
          f"CPU {statistics.median(ratio_of(res, 'cpu') for res in rounds):.2f}")

    if args.profile:
        profile_project(scenario, args.profile, args.seed)


if __name__ == "__main__":
    main()
