"""Minimal idiomatic SimPy models of workloads W and W2: the yardstick of ``bench_core.py``.

W: 22 identical windows (``simpy.Resource(env, capacity=22)``), Poisson 4 per
minute for 480 minutes, exponential work of mean 5 minutes, one process per
citizen, run until every citizen is served.

W2: 20 windows, 10 with skill A and 10 with A and B, citizens A or B half
each (Poisson 3.6 per minute, work mean 5 minutes): the staff are items of a
``simpy.FilterStore``; a citizen gets the first free staff member with their
skill (``store.get(lambda s: skill in s)``), is served, and puts them back.

As a script it runs ``--reps`` days of one workload and prints citizens and
the mean wait: ``bench_core.py`` times it as a whole command (interpreter
start and imports included), beside ``queueplan run``.

    python benchmarks/minimal_simpy.py [--workload W|W2] [--reps 200] [--seed 1]
"""

from __future__ import annotations

import argparse

import numpy as np
import simpy

OPEN_MIN, CLOSE_MIN = 480.0, 960.0
W = {"arrivals_per_min": 4.0, "mean_work_min": 5.0, "servers": 22}
W2 = {"arrivals_per_min": 3.6, "mean_work_min": 5.0, "a_only": 10, "a_and_b": 10}


def replication_w(rep: int, seed: int, waits: list) -> int:
    """One day of W; appends each citizen's wait to ``waits``; returns the number of citizens."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(rep,)))
    env = simpy.Environment(initial_time=OPEN_MIN)
    res = simpy.Resource(env, capacity=W["servers"])
    count = [0]

    def citizen(work):
        arrive = env.now
        with res.request() as req:
            yield req
            waits.append(env.now - arrive)
            yield env.timeout(work)

    def source():
        scale = 1.0 / W["arrivals_per_min"]
        while True:
            yield env.timeout(rng.exponential(scale))
            if env.now >= CLOSE_MIN:
                return
            count[0] += 1
            env.process(citizen(rng.exponential(W["mean_work_min"])))

    env.process(source())
    env.run()
    return count[0]


def replication_w2(rep: int, seed: int, waits: list) -> int:
    """One day of W2 (see the module docstring); returns the number of citizens."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(rep,)))
    env = simpy.Environment(initial_time=OPEN_MIN)
    staff = simpy.FilterStore(env)
    staff.items = [frozenset("A")] * W2["a_only"] + [frozenset("AB")] * W2["a_and_b"]
    count = [0]

    def citizen(skill, work):
        arrive = env.now
        member = yield staff.get(lambda s: skill in s)
        waits.append(env.now - arrive)
        yield env.timeout(work)
        yield staff.put(member)

    def source():
        scale = 1.0 / W2["arrivals_per_min"]
        while True:
            yield env.timeout(rng.exponential(scale))
            if env.now >= CLOSE_MIN:
                return
            count[0] += 1
            env.process(citizen("A" if rng.random() < 0.5 else "B", rng.exponential(W2["mean_work_min"])))

    env.process(source())
    env.run()
    return count[0]


REPLICATION = {"W": replication_w, "W2": replication_w2}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workload", choices=sorted(REPLICATION), default="W")
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    waits: list = []
    citizens = sum(REPLICATION[a.workload](rep, a.seed, waits) for rep in range(a.reps))
    print(f"{a.workload}: {citizens} citizens, mean wait {np.mean(waits):.3f} min")


if __name__ == "__main__":
    main()
