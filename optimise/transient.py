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
from scipy.special import pdtrc   # scipy.stats.poisson.sf's function, without importing scipy.stats

from sim.scenario import Scenario

from .monotone import fewest_meeting
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


class _Uniformised:
    """One cell's chain (birth ``lam``, ``c`` servers of rate ``mu`` on ``0..k_max``), its uniformisation
    coefficients computed once for the cell's sub-steps of ``h`` minutes."""

    def __init__(self, k_max: int, lam: float, c: int, mu: float, h: float):
        n = np.arange(k_max + 1)
        death = np.minimum(n, c) * mu
        birth = np.where(n < k_max, lam, 0.0)
        self.rate = lam + c * mu
        if self.rate <= 0:
            return
        self.stay = 1 - (birth + death) / self.rate
        self.up, self.down = birth[:-1] / self.rate, death[1:] / self.rate
        self.x = self.rate * h
        self.terms = int(self.x + 6 * math.sqrt(self.x) + 6)
        self.first = math.exp(-self.x)

    def step(self, p: np.ndarray) -> np.ndarray:
        """The law ``h`` minutes after ``p`` (``P(h) p = sum_k Pois(k; L h) U^k p``)."""
        if self.rate <= 0:
            return p
        weight = self.first
        out = weight * p
        v = p
        for k in range(1, self.terms + 1):
            nxt = v * self.stay
            nxt[1:] += v[:-1] * self.up
            nxt[:-1] += v[1:] * self.down
            v = nxt
            weight *= self.x / k
            out += weight * v
        return out


def interval_performance(p0: np.ndarray, lam: np.ndarray, dt: float, c: int, mu: float,
                         waits_min: tuple[float, ...]) -> tuple[np.ndarray, float, float, np.ndarray]:
    """Run the chain over cells of rates ``lam`` (per minute) with ``c`` staff.

    Returns ``(share within each wait, mean wait, expected arrivals, law at the end)``.
    """
    k_max = len(p0) - 1
    n = np.arange(k_max + 1)
    ahead = np.maximum(n - c + 1, 0)                    # completions to wait for
    within = np.array([np.where(ahead == 0, 1.0, pdtrc(np.maximum(ahead - 1, 0), c * mu * w)) for w in waits_min])
    mean_wait = ahead / (c * mu)
    p = p0.copy()
    ok = np.zeros(len(waits_min))
    wait_sum = arrivals = 0.0
    chains: dict[tuple[float, int], _Uniformised] = {}  # cells of equal rate share their coefficients
    for rate in lam:
        if rate <= 0 and p[0] >= 1 - 1e-15:
            continue
        sub = max(1, int(math.ceil((rate + c * mu) * dt)))
        h = dt / sub
        chain = chains.get((float(rate), sub))
        if chain is None:
            chain = chains[(float(rate), sub)] = _Uniformised(k_max, rate, c, mu, h)
        for _ in range(sub):
            q = chain.step(p)
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
                       c_max: int, start: int | None = None) -> tuple[int, np.ndarray]:
    """Fewest staff (1 .. ``c_max``) meeting every criterion for the interval's tickets; and the law they leave.

    Meeting the targets is monotone in ``c``: the answer is bisected on ``1 .. c_max`` (``c_max`` if even it
    fails), or, from a ``start`` (e.g. the previous interval's answer), bracketed by galloping from it and
    then bisected: the same answer with fewer (and cheaper) runs of the chain.
    """
    waits = tuple(w for w, _ in service_levels) or (1.0,)
    runs: dict[int, tuple[bool, np.ndarray]] = {}

    def good(c):
        if c not in runs:
            sl, wq, _, p = interval_performance(p0, lam, dt, c, mu, waits)
            fine = all(sl[i] >= min(f, 0.999) for i, (_, f) in enumerate(service_levels))
            if max_mean_wait_min is not None:
                fine = fine and wq <= max_mean_wait_min
            runs[c] = (fine, p)
        return runs[c]

    top = max(1, c_max)
    c = fewest_meeting(lambda k: good(k)[0], 1, top, start=start)
    c = top if c is None else c
    return c, good(c)[1]


def _states(flow: StationFlow, a: float, b: float) -> int:
    i0, i1 = int((a - flow.t0) / flow.dt), int(math.ceil((b - flow.t0) / flow.dt))
    total = float(flow.mass[max(i0, 0):max(i1, 0)].sum())
    return int(min(MAX_STATES, total + 10 * math.sqrt(total + 1) + 40))


def transient_requirements(scenario: Scenario, grid_min: int = 15, warm_search: bool = True) -> Requirements:
    """Time-varying requirements, with the intervals after each opening staffed from the transient queue.

    Each interval's search starts from the previous interval's answer (the first from the time-varying
    requirement); ``warm_search=False`` bisects every interval on ``1 .. windows`` (the slower reference:
    the same numbers).

    Examples
    --------
    >>> from pathlib import Path
    >>> from sim.loading import load_scenario
    >>> s = load_scenario(Path(__file__).parents[1] / "scenarios" / "city_office.yaml")
    >>> r = transient_requirements(s, 30)
    >>> int(r.station_target("counter")[0]) < s.stations["counter"].windows     # the batch no longer fills every window
    True
    """
    base = time_varying_requirements(scenario, "time_varying", grid_min, opening_batch=False, warm_search=warm_search)
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
            start = None
            for iv in horizon:
                a, b = max(iv, session.start), min(iv + h.interval_min, end_ticket)
                if b <= a:
                    continue
                i0, i1 = int(round((a - flow.t0) / flow.dt)), int(round((b - flow.t0) / flow.dt))
                lam = flow.mass[max(i0, 0):max(i1, 0)] / flow.dt
                sel = (base.period_interval_min == iv) & (base.kinds() == "ticket")
                if warm_search and start is None and sel.any():
                    start = int(base.pooled_staff[station][sel].max())
                c, p = staff_for_interval(p, lam, flow.dt, mu, crit.service_levels, crit.max_mean_wait_min,
                                          scenario.stations[station].windows, start if warm_search else None)
                start = c
                pooled[station][sel] = c
                detail[(station, float(iv))] = c
    return replace(base, method="transient", pooled_staff=pooled)
