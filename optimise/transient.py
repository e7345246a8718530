"""Staffing the opening batch as a transient: forward equations of the M_t/M/c queue after each opening.

Why
---
Citizens already queueing when the doors open (the batch at opening), and
those who waited outside during a lunch closure, arrive as a lump. The
time-varying offered load ``m(t)`` of :mod:`optimise.requirements` reads the
lump as a load (42 citizens of 20 minutes' work are 42 erlangs for a
moment) and staffs it as if it were a steady rate: every window at opening.
A queue absorbs a lump: what matters is how long the lump takes to clear
against the wait target (THEORY.md, "Opening batch").

Model (per station, pooled as in the requirements)
--------------------------------------------------
The station's expected ticket flow ``lambda(t)`` on the grid of
:mod:`optimise.requirements` (``dt = 0.25`` min: walk-ins, appointments,
upstream steps shifted by their lag, *and* the lumps at opening), constant
on each cell; exponential work of the station's mean ``1/mu``; ``c`` staff
through one reporting interval; first come, first served; no abandonment
(conservative). ``p_n(t)``, the law of the number ``N(t)`` at the station,
solves the forward (Kolmogorov) equations of the birth-death chain on
``0..K``::

    p_n' = lambda p_{n-1} + min(n+1, c) mu p_{n+1} - (lambda 1[n<K] + min(n, c) mu) p_n

integrated by uniformisation (``P(h) = sum_k Pois(k; L h) U^k``,
``U = I + Q/L``, ``L = lambda + c mu``) in sub-steps with ``L h <= 1``; the
chain starts empty at the start of each session. ``K`` holds the lumps and
the flow with a wide margin (mass left beyond ``K`` is reported in
``lost_mass``, kept below 1e-6 by construction).

A citizen arriving when ``N = n`` waits for ``n - c + 1`` completions at rate
``c mu`` (``n >= c``), so ``P(W <= T | n) = P(Pois(c mu T) >= n - c + 1)``
and ``E[W | n] = (n - c + 1)^+ / (c mu)``. Arrivals in a sub-step see the
average of the laws at its ends (PASTA on a short step). The share of the
interval's tickets called within ``T`` is

    SL(c) = int lambda(t) sum_n p_n(t) P(W <= T | n) dt / int lambda(t) dt

and the requirement of the interval is the smallest ``c`` (up to the
station's windows) whose ``SL(c)`` meets every service-level target (and
whose mean wait meets a mean-wait target) of :func:`optimise.offered_load._criteria`.
Intervals are solved in order: the next starts from the law the chosen ``c``
leaves behind. The method covers the reporting intervals that start within
``TRANSIENT_HORIZON_MIN`` of each session start; elsewhere the requirement is
the time-varying one computed without the batch at opening (which has then
long cleared), so ``transient`` = time-varying away from the openings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from scipy.stats import poisson

from sim.scenario import Scenario

from .offered_load import DT_MIN, _criteria, _step_flows, appointment_mass, ticket_mass
from .requirements_data import Requirements
from .time_varying import time_varying_requirements

TRANSIENT_HORIZON_MIN = 120.0   # after each session start, the intervals starting within this are solved exactly
MAX_STATES = 3000


@dataclass(frozen=True)
class StationFlow:
    """Expected tickets per cell reaching a station (lumps included) and its mean work."""

    t0: float
    dt: float
    mass: np.ndarray
    mean_work_min: float


def station_flows(scenario: Scenario, dt: float = DT_MIN) -> dict[str, StationFlow]:
    """Per station: expected arrivals per ``dt`` cell from opening (as in :func:`compute_requirements`)."""
    h = scenario.hours
    t0 = h.open_min
    n = int(math.ceil((h.hard_stop_min - t0) / dt)) + 1
    walk_in = ticket_mass(scenario, t0, n, dt)
    booked = appointment_mass(scenario, t0, n, dt)
    per_service = {code: walk_in * scenario.arrivals.mix.get(code, 0.0) + booked.get(code, 0.0)
                   for code in scenario.services}
    mass: dict[str, np.ndarray] = {}
    work: dict[str, float] = {}
    for code, station, _skill, probability, lag, dist, _first in _step_flows(scenario):
        base = per_service[code]
        if not base.any():
            continue
        shift = int(round(lag / dt))
        m = np.concatenate([np.zeros(shift), base[:n - shift]]) * probability if shift < n else np.zeros(n)
        mass[station] = mass.get(station, np.zeros(n)) + m
        work[station] = work.get(station, 0.0) + float(m.sum()) * dist.mean
    return {s: StationFlow(t0, dt, m, work[s] / m.sum()) for s, m in mass.items() if m.sum() > 0}


def _step(p: np.ndarray, lam: float, c: int, mu: float, h: float) -> np.ndarray:
    """The law after ``h`` minutes at constant birth rate ``lam`` and ``c`` servers (uniformisation)."""
    k_max = len(p) - 1
    n = np.arange(k_max + 1)
    death = np.minimum(n, c) * mu
    birth = np.where(n < k_max, lam, 0.0)
    rate = lam + c * mu
    if rate <= 0:
        return p
    x = rate * h
    terms = int(x + 6 * math.sqrt(x) + 6)
    weight = math.exp(-x)
    out = weight * p
    v = p
    for k in range(1, terms + 1):
        nxt = v * (1 - (birth + death) / rate)
        nxt[1:] += v[:-1] * birth[:-1] / rate
        nxt[:-1] += v[1:] * death[1:] / rate
        v = nxt
        weight *= x / k
        out = out + weight * v
    return out


def interval_performance(p0: np.ndarray, lam: np.ndarray, dt: float, c: int, mu: float,
                         waits_min: tuple[float, ...]) -> tuple[np.ndarray, float, float, np.ndarray]:
    """Run the chain over cells of rates ``lam`` (per minute) with ``c`` staff.

    Returns ``(share within each wait, mean wait, expected arrivals, law at the end)``.
    """
    k_max = len(p0) - 1
    n = np.arange(k_max + 1)
    ahead = np.maximum(n - c + 1, 0)                    # completions to wait for
    within = np.array([np.where(ahead == 0, 1.0, poisson.sf(ahead - 1, c * mu * w)) for w in waits_min])
    mean_wait = ahead / (c * mu)
    p = p0.copy()
    ok = np.zeros(len(waits_min))
    wait_sum = arrivals = 0.0
    for rate in lam:
        if rate <= 0 and p[0] >= 1 - 1e-15:
            continue
        sub = max(1, int(math.ceil((rate + c * mu) * dt)))
        h = dt / sub
        for _ in range(sub):
            q = _step(p, rate, c, mu, h)
            seen = 0.5 * (p + q)
            a = rate * h
            ok += a * (within @ seen)
            wait_sum += a * float(mean_wait @ seen)
            arrivals += a
            p = q
    if arrivals <= 0:
        return np.ones(len(waits_min)), 0.0, 0.0, p
    return ok / arrivals, wait_sum / arrivals, arrivals, p


def staff_for_interval(p0: np.ndarray, lam: np.ndarray, dt: float, mu: float, service_levels, max_mean_wait_min,
                       c_max: int) -> tuple[int, np.ndarray]:
    """Fewest staff (1 .. ``c_max``) meeting every criterion for the interval's tickets; and the law they leave."""
    waits = tuple(w for w, _ in service_levels) or (1.0,)

    def good(c):
        sl, wq, _, p = interval_performance(p0, lam, dt, c, mu, waits)
        fine = all(sl[i] >= min(f, 0.999) for i, (_, f) in enumerate(service_levels))
        if max_mean_wait_min is not None:
            fine = fine and wq <= max_mean_wait_min
        return fine, p

    lo, hi = 1, max(1, c_max)
    fine, p_hi = good(hi)
    if not fine:
        return hi, p_hi
    while lo < hi:                                      # meeting the targets is monotone in c
        mid = (lo + hi) // 2
        fine, p = good(mid)
        if fine:
            hi, p_hi = mid, p
        else:
            lo = mid + 1
    return hi, p_hi


def _states(flow: StationFlow, a: float, b: float) -> int:
    i0, i1 = int((a - flow.t0) / flow.dt), int(math.ceil((b - flow.t0) / flow.dt))
    total = float(flow.mass[max(i0, 0):max(i1, 0)].sum())
    return int(min(MAX_STATES, total + 10 * math.sqrt(total + 1) + 40))


def transient_requirements(scenario: Scenario, grid_min: int = 15) -> Requirements:
    """Time-varying requirements, with the intervals after each opening staffed from the transient queue.

    Examples
    --------
    >>> from pathlib import Path
    >>> from sim.loading import load_scenario
    >>> s = load_scenario(Path(__file__).parents[1] / "scenarios" / "city_office.yaml")
    >>> r = transient_requirements(s, 30)
    >>> int(r.station_target("counter")[0]) < s.stations["counter"].windows     # the batch no longer fills every window
    True
    """
    base = time_varying_requirements(scenario, "time_varying", grid_min, opening_batch=False)
    flows = station_flows(scenario)
    h = scenario.hours
    pooled = {s: v.copy() for s, v in base.pooled_staff.items()}
    detail = {}
    ivs = np.unique(base.period_interval_min)
    for k, session in enumerate(h.sessions):
        if session.start >= h.last_ticket_min:
            continue
        horizon = [iv for iv in ivs if session.start - h.interval_min < iv < session.start + TRANSIENT_HORIZON_MIN
                   and iv + h.interval_min > session.start]
        end_ticket = min(session.end, h.last_ticket_min)
        for station, flow in flows.items():
            if station not in pooled:
                continue
            crit = _criteria(scenario, False, station)
            mu = 1.0 / flow.mean_work_min
            k_states = _states(flow, session.start, session.start + TRANSIENT_HORIZON_MIN + h.interval_min)
            p = np.zeros(k_states + 1)
            p[0] = 1.0
            for iv in horizon:
                a, b = max(iv, session.start), min(iv + h.interval_min, end_ticket)
                if b <= a:
                    continue
                i0, i1 = int(round((a - flow.t0) / flow.dt)), int(round((b - flow.t0) / flow.dt))
                lam = flow.mass[max(i0, 0):max(i1, 0)] / flow.dt
                c, p = staff_for_interval(p, lam, flow.dt, mu, crit.service_levels, crit.max_mean_wait_min,
                                          scenario.stations[station].windows)
                sel = (base.period_interval_min == iv) & (base.kinds() == "ticket")
                pooled[station][sel] = c
                detail[(station, float(iv))] = c
    return replace(base, method="transient", pooled_staff=pooled)
