"""Demand and offered load on a fine grid, and the staff a load needs at a moment.

Demand
------
The walk-in rate ``lambda(t)`` of :func:`sim.arrivals.rate_per_min` (scaled to
the day's expected volume: multipliers, less the batch at opening) becomes a
*ticket* rate on a fine grid (``dt = 0.25`` min): arrivals inside the ticket
hours get a ticket at once; those arriving while the hall is closed between
sessions get one at reopening (a lump at that moment) when
``hours.closed_arrivals`` is ``wait``; the rest are turned away; the batch
at opening is a lump at opening. Service type ``v`` gets ``mix[v]`` of it,
plus its expected appointment arrivals (slots x capacity x booked share x
(1 - no-show), spread by the punctuality distribution).

Routes: step ``j`` of service type ``v`` (needed with probability ``p_j``)
sees arrivals at rate ``p_j * lambda_v(t - L_j)`` with the lag
``L_j = sum_{i<j} p_i E[S_i]``, the expected upstream *work* (upstream waits
are ignored: a simple approximation that the simulation corrects). A skill
group is a queue of the simulator, ``(station, skill)``; its demand is the sum
of the steps that need it there. Work is in standard-speed minutes (speed
factors enter the MILP as capacity ``1 / speed`` per person).

Offered load (Green, Kolesar & Whitt 2007)
------------------------------------------
The infinite-server load ``m(t) = E[lambda(t - S_e)] E[S] = int lambda(u) P(S > t - u) du``.
Exponential work: ``m' = lambda - mu m``, solved in closed form on each grid
cell, where the rate is constant: ``m(t0 + d) = lambda/mu + (m(t0) - lambda/mu) exp(-mu d)``.
General work: the convolution of the cell masses with
``k(d) = (H((d+1) dt) - H(d dt)) / dt``, ``H(x) = E[min(S, x)]`` computed from
the survival function on a fine sub-grid (exact for arrivals spread evenly
over a cell).

Staff at a moment: the stationary formula at offered load ``a = m(t)``
(:func:`optimise.erlang.min_servers_for_service_level`: Erlang C, or Erlang A
with exponential patience of the scenario's mean patience where most of a
group's arrivals are waiting for their first step and patience is modelled),
the largest number over every target of the scenario (service levels,
mean wait, abandonment; a service level of 100% is read as 99.9%). The
number is non-decreasing in ``a``, so a period's requirement, the largest
inside it, is the staff for the period's largest load. SIPP instead uses the
period's reporting interval's average ticket rate, ``a = lambda_bar E[S]``.
Priority classes are ignored (non-preemptive priorities leave the total
queue unchanged under equal work).

Time is minutes since midnight; ``DT_MIN`` is the grid cell.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
# scipy.special's functions, which scipy.stats' lognorm, gamma and norm call, without importing
# scipy.stats (0.4 s at every start of the optimiser); tests/test_requirements.py checks them against it
from scipy.special import gammaincc, ndtr

from sim.arrivals import appointment_slot_starts, rate_per_min
from sim.distributions import Deterministic, Empirical, Exponential, Gamma, LogNormal, Triangular
from sim.scenario import Scenario

from .erlang import min_servers_for_service_level

DT_MIN = 0.25
MAX_FRACTION = 0.999


def _triangular_survival(t: np.ndarray, lo: float, mode: float, hi: float) -> np.ndarray:
    """``P(S > t)`` of the triangular law on ``[lo, hi]`` with mode ``mode``.

    With ``x = (t - lo) / (hi - lo)`` and ``c = (mode - lo) / (hi - lo)``, ``F = x^2 / c`` below the mode and
    ``(x^2 - 2x + c) / (c - 1)`` from it (``2x - x^2`` when ``c = 0``, ``x^2`` when ``c = 1``), in the form
    scipy.stats.triang computes it.
    """
    width = hi - lo
    x, c = (t - lo) / width, (mode - lo) / width
    with np.errstate(divide="ignore", invalid="ignore"):   # a mode at an end leaves a branch unused
        if c == 0:
            cdf = 2 * x - x * x
        elif c == 1:
            cdf = x * x
        else:
            cdf = np.where(x < c, x * x / c, (x * x - 2 * x + c) / (c - 1))
    return np.where(x <= 0, 1.0, np.where(x >= 1, 0.0, 1.0 - cdf))


def survival(dist, t: np.ndarray) -> np.ndarray:
    """``P(S > t)`` of a work distribution of :mod:`sim.distributions`."""
    t = np.asarray(t, dtype=float)
    if isinstance(dist, Exponential):
        return np.exp(-t / dist.mean_min)
    if isinstance(dist, LogNormal):   # log S ~ Normal(log median, s^2): P(S > t) = Phi(-log(t / median) / s)
        s2 = math.log1p(dist.cv ** 2)
        median = math.exp(math.log(dist.mean_min) - s2 / 2)
        with np.errstate(divide="ignore"):           # log 0 = -inf: P(S > 0) = 1
            return ndtr(-(np.log(np.maximum(t, 0.0) / median) / math.sqrt(s2)))
    if isinstance(dist, Gamma):         # shape 1/cv^2, scale mean cv^2: the regularised upper incomplete gamma
        return gammaincc(1.0 / dist.cv ** 2, np.maximum(t, 0.0) / (dist.mean_min * dist.cv ** 2))
    if isinstance(dist, Triangular):
        return _triangular_survival(t, dist.min_min, dist.mode_min, dist.max_min)
    if isinstance(dist, Deterministic):
        return (t < dist.value_min).astype(float)
    if isinstance(dist, Empirical):
        v = np.asarray(dist.values_min, float)
        w = np.full(len(v), 1.0 / len(v)) if dist.weights is None else np.asarray(dist.weights) / sum(dist.weights)
        return (w[None, :] * (t[:, None] < v[None, :])).sum(axis=1).reshape(t.shape)
    raise TypeError(f"no survival function for {type(dist).__name__}")


def offered_load_exponential(mass: np.ndarray, dt: float, mean_work_min: float) -> np.ndarray:
    """``m`` at the end of each cell for exponential work (closed form per cell of constant rate)."""
    mu = 1.0 / mean_work_min
    decay = math.exp(-mu * dt)
    out = np.empty(len(mass))
    m = 0.0
    for i, x in enumerate(mass):
        steady = x / dt / mu
        m = steady + (m - steady) * decay
        out[i] = m
    return out


def offered_load_general(mass: np.ndarray, dt: float, dist, substeps: int = 16) -> np.ndarray:
    """``m`` at the end of each cell for any work distribution (numerical convolution)."""
    n = len(mass)
    if isinstance(dist, (Deterministic, Empirical)):            # step survival: H(x) = E[min(S, x)] exactly
        v = np.asarray([dist.value_min] if isinstance(dist, Deterministic) else dist.values_min, float)
        w = np.ones(len(v)) if getattr(dist, "weights", None) is None else np.asarray(dist.weights, float)
        x = dt * np.arange(n + 1)
        h = (np.minimum(v[None, :], x[:, None]) * (w / w.sum())[None, :]).sum(axis=1)
    else:
        x = np.linspace(0.0, n * dt, n * substeps + 1)
        g = survival(dist, x)
        h = np.concatenate([[0.0], np.cumsum((g[1:] + g[:-1]) / 2 * np.diff(x))])[::substeps]
    kernel = np.diff(h) / dt
    return np.convolve(mass, kernel)[:n]


def offered_load(mass: np.ndarray, dt: float, dist) -> np.ndarray:
    """Infinite-server offered load at cell ends (closed form for exponential work)."""
    if isinstance(dist, Exponential):
        return offered_load_exponential(mass, dt, dist.mean_min)
    return offered_load_general(mass, dt, dist)


@dataclass(frozen=True)
class Criteria:
    """The targets a group's staffing must meet (stationary formula)."""

    service_levels: tuple[tuple[float, float], ...]  # (wait_min, fraction)
    max_mean_wait_min: float | None
    max_abandon_fraction: float | None
    patience_mean_min: float | None


_STAFF_CACHE: dict[tuple[float, float, Criteria], int] = {}
STAFF_CACHE_SIZE = 65536


def staff_for_load(load: float, mean_work_min: float, criteria: Criteria, start: int | None = None) -> int:
    """Fewest standard-speed staff meeting every criterion at offered load ``load`` (erlangs).

    Memoised per ``(load, mean_work_min, criteria)``; ``start`` (a nearby answer, e.g. the previous
    period's) only shortens the search (:func:`optimise.erlang.min_servers_for_service_level`).
    """
    key = (load, mean_work_min, criteria)
    hit = _STAFF_CACHE.get(key)
    if hit is None:
        if len(_STAFF_CACHE) >= STAFF_CACHE_SIZE:
            _STAFF_CACHE.clear()
        hit = _STAFF_CACHE[key] = staff_search(load, mean_work_min, criteria, start)
    return hit


def staff_series(loads: np.ndarray, mean_work_min: float, criteria: Criteria, warm: bool = True) -> np.ndarray:
    """:func:`staff_for_load` of every period's load (rounded to 1e-9 erlangs), each search started from the
    previous period's answer. ``warm=False``: every period searched from scratch, unmemoised (the reference
    the tests compare against: the same numbers)."""
    out, start = [], None
    for x in loads:
        x = round(x, 9)
        n = staff_for_load(x, mean_work_min, criteria, start) if warm else staff_search(x, mean_work_min, criteria)
        out.append(n)
        start = n if n > 0 else start
    return np.array(out, dtype=int)


def staff_search(load: float, mean_work_min: float, criteria: Criteria, start: int | None = None) -> int:
    """The search behind :func:`staff_for_load`, unmemoised."""
    if load <= 1e-9:
        return 0
    lam = load / mean_work_min
    patience = criteria.patience_mean_min
    need = 0
    for wait_min, fraction in criteria.service_levels:
        need = max(need, min_servers_for_service_level(lam, mean_work_min, wait_min, min(fraction, MAX_FRACTION),
                                                       patience, start=start))
    abandon = criteria.max_abandon_fraction if patience is not None else None
    if criteria.max_mean_wait_min is not None or abandon is not None:
        need = max(need, min_servers_for_service_level(lam, mean_work_min, None, None, patience,
                                                       max_mean_wait_min=criteria.max_mean_wait_min,
                                                       max_abandon_fraction=abandon, start=start))
    if not criteria.service_levels and criteria.max_mean_wait_min is None and abandon is None:
        need = math.floor(load) + 1  # no target: just keep up with the work
    return need


def _criteria(scenario: Scenario, with_patience: bool, station: str | None = None) -> Criteria:
    """The wait targets a queue at ``station`` must meet: first-step targets, ``step: any`` and its own."""
    sl, mean_wait, abandon = [], None, None
    for t in scenario.targets:
        if t.station is not None and t.station != station:
            continue
        if t.kind == "service_level":
            sl.append((t.wait_min, t.fraction))
        elif t.kind == "mean_wait" and t.step != "any":
            mean_wait = t.max_min if mean_wait is None else min(mean_wait, t.max_min)
        elif t.kind == "max_abandonment":
            abandon = t.fraction if abandon is None else min(abandon, t.fraction)
    patience = None
    dists = [c.patience or scenario.patience for c in scenario.classes.values()]
    if with_patience and all(d is not None for d in dists):
        patience = sum(c.share * d.mean for c, d in zip(scenario.classes.values(), dists)) or None
    return Criteria(tuple(sorted(set(sl))), mean_wait, abandon if abandon is not None and abandon < 1 else None, patience)


def ticket_mass(scenario: Scenario, t0: float, n: int, dt: float = DT_MIN, opening_batch: bool = True) -> np.ndarray:
    """Expected walk-in tickets issued in each cell ``[t0 + i dt, t0 + (i+1) dt)`` (all service types).

    The profile carries the day's expected volume (``daily_volume`` x the
    multipliers; the day-to-day noise has mean 1) less the batch already
    queueing at opening, which is a lump in the opening cell.
    """
    arrivals_spec = scenario.arrivals
    volume = arrivals_spec.daily_volume * arrivals_spec.volume_factor
    edges, rates = rate_per_min(scenario)
    rates = rates * (volume / arrivals_spec.daily_volume) * (1.0 - arrivals_spec.batch_at_opening_share)
    cum = np.concatenate([[0.0], np.cumsum(rates * np.diff(edges))])

    def arrivals(a, b):  # expected arrivals in [a, b)
        return np.interp(b, edges, cum) - np.interp(a, edges, cum)

    cells = t0 + dt * np.arange(n + 1)
    mass = np.zeros(n)
    h = scenario.hours
    for k, s in enumerate(h.sessions):
        lo, hi = s.start, min(s.end, h.last_ticket_min)
        if hi <= lo:
            continue
        a, b = np.clip(cells[:-1], lo, hi), np.clip(cells[1:], lo, hi)
        mass += np.maximum(arrivals(a, b), 0.0)
        if k and h.closed_arrivals == "wait":
            i = int((s.start - t0) // dt)
            if 0 <= i < n:
                mass[i] += arrivals(h.sessions[k - 1].end, s.start)
    i_open = int((h.open_min - t0) // dt)
    if 0 <= i_open < n and opening_batch:
        mass[i_open] += volume * arrivals_spec.batch_at_opening_share
    return mass


def appointment_mass(scenario: Scenario, t0: float, n: int, dt: float = DT_MIN) -> dict[str, np.ndarray]:
    """Expected appointment tickets per cell and service type.

    Each slot brings ``capacity x booked_share x (1 - no_show)`` citizens per
    service, arriving at slot start + Normal(mean, sd); those early for
    opening are ticketed at opening, those after the last ticket are turned
    away (late ones are walk-ins, but still demand).
    """
    a = scenario.appointments
    if a is None:
        return {}
    h = scenario.hours
    cells = t0 + dt * np.arange(n + 1)
    share = np.zeros(n)
    for slot in appointment_slot_starts(scenario):
        if a.punctuality_sd_min > 0:
            cdf = ndtr((cells - (slot + a.punctuality_mean_min)) / a.punctuality_sd_min)
        else:
            cdf = (cells >= slot + a.punctuality_mean_min).astype(float)
        cdf = np.where(cells >= h.last_ticket_min, cdf[np.searchsorted(cells, h.last_ticket_min)], cdf)
        share += np.diff(cdf)
        share[0] += cdf[0]  # early for opening: ticketed at opening
    comers = a.booked_share * (1.0 - a.no_show)
    return {code: share * cap * comers for code, cap in a.capacity_per_slot.items() if cap > 0}


def _step_flows(scenario: Scenario):
    """(service, station, skill, probability, lag_min, work dist, first-step probability) per step."""
    flows = []
    for code, service in scenario.services.items():
        lag, none_before = 0.0, 1.0
        for j, step in enumerate(service.steps):
            flows.append((code, step.station, step.skill or code, step.probability, lag, step.work,
                          step.probability * none_before))
            lag += step.probability * step.work.mean
            none_before *= 1.0 - step.probability
    return flows
