"""The opening batch staffed as a transient (optimise.transient), checked against an independent simulation.

On the city office the time-varying offered load reads the batch queueing at
08:30 as a steady load and asks for every counter window. The transient method
solves the forward equations of the M_t/M/c queue instead. Here an independent
first-come-first-served M/M/c simulation of the same flow (Poisson batch and
arrivals per cell, exponential work, c servers held constant) judges the
requirement: c meets both service levels of the interval's tickets, c - 1 does
not, and the forward equations agree with the simulation within its error.
"""

from __future__ import annotations

import heapq
from pathlib import Path

import numpy as np
import pytest

from optimise.requirements import compute_requirements
from optimise.transient import interval_performance, station_flows
from sim.loading import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def simulate_mmc(mass: np.ndarray, dt: float, mean_work_min: float, c: int, waits, reps: int, seed: int):
    """Share called within each wait (and its standard error) over ``reps`` independent days (FCFS, c servers)."""
    rng = np.random.default_rng(seed)
    ok, n, per_rep = np.zeros(len(waits)), 0, []
    for _ in range(reps):
        counts = rng.poisson(mass)
        t = np.sort(np.concatenate([dt * (i + rng.random(k)) for i, k in enumerate(counts) if k]))
        free = [0.0] * c
        w = np.empty(len(t))
        for j, a in enumerate(t):
            f = heapq.heappop(free)
            start = max(a, f)
            w[j] = start - a
            heapq.heappush(free, start + rng.exponential(mean_work_min))
        hits = np.array([(w <= x).sum() for x in waits])
        ok += hits
        n += len(t)
        per_rep.append((hits, len(t)))
    share = ok / n
    y = np.array([h for h, _ in per_rep], float)
    x = np.array([m for _, m in per_rep], float)
    se = np.sqrt(((y - share[None, :] * x[:, None]) ** 2).sum(axis=0) / (reps * (reps - 1))) / x.mean()
    return share, se


@pytest.fixture(scope="module")
def city():
    return load_scenario(ROOT / "scenarios" / "city_office.yaml")


def test_opening_batch_no_longer_asks_for_every_window(city):
    tv = compute_requirements(city, "time_varying", 30)
    tr = compute_requirements(city, "transient", 30)
    windows = city.stations["counter"].windows
    assert tv.station_target("counter")[0] == windows            # the old reading: the batch fills every window
    assert tr.station_target("counter")[0] < windows - 10
    # away from the opening the two methods agree (the batch has cleared)
    later = tr.period_start_min >= city.hours.open_min + 180
    assert (tr.station_target("counter")[later] == tv.station_target("counter")[later]).all()


def test_counter_requirement_at_opening_is_the_fewest_that_meet_the_targets(city):
    tr = compute_requirements(city, "transient", 30)
    c = int(tr.pooled_staff["counter"][0])                        # 08:30-09:00: the first reporting interval
    flow = station_flows(city)["counter"]
    cells = int((tr.period_start_min[1] - city.hours.open_min) / flow.dt)
    mass = flow.mass[:cells]
    goals = [(t.wait_min, t.fraction) for t in city.targets if t.kind == "service_level"]
    waits = tuple(w for w, _ in goals)
    p0 = np.zeros(400)
    p0[0] = 1.0
    exact, _, _, _ = interval_performance(p0, mass / flow.dt, flow.dt, c, 1 / flow.mean_work_min, waits)
    sim_c, se_c = simulate_mmc(mass, flow.dt, flow.mean_work_min, c, waits, 1500, 1)
    sim_less, se_less = simulate_mmc(mass, flow.dt, flow.mean_work_min, c - 1, waits, 1500, 2)
    assert np.all(se_c < 0.01)                                    # precise enough that a wrong c would show
    assert np.all(np.abs(exact - sim_c) <= 3.3 * se_c + 0.005)    # the forward equations agree with the simulation
    assert all(sim_c[i] >= f - 3.3 * se_c[i] for i, (_, f) in enumerate(goals))          # c meets every target
    assert any(sim_less[i] < f + 3.3 * se_less[i] for i, (_, f) in enumerate(goals))     # c - 1 misses one
    assert any(sim_less[i] < f for i, (_, f) in enumerate(goals))
