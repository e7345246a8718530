"""Staff needed per planning period, station and skill: stationary (SIPP) and time-varying.

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

Periods: every grid period in the ticket hours ("ticket" periods) and, for
the time-varying method, "drain" periods after a session that the hall
closes behind (a lunch closure; the last session too when staff are sent
home at shift end): citizens ticketed before the closure are still waiting,
and ``m(t)`` (which keeps decaying after the last ticket) says how much work
is left. Drain periods last while the total load exceeds 0.1 erlangs, at
most 60 minutes (a station's drain ends when its own load does), and belong
to the reporting interval before the closure.

Skill groups (the decomposition the MILP uses)
----------------------------------------------
* pooled, per station: ``R_s`` = staff for the pooled load of all its skills
  (work = arrival-weighted mean), as if everyone at the station could do
  everything; plus the loop's adjustment ``delta[s, interval]``, and never
  below the load it must carry (``ceil(a_s)``, at least 1 when ``a_s > 0``).
* per skill: ``T_sk = a_sk + (T_s - a_s) (R_sk - a_sk) / sum_j (R_sj - a_sj)``:
  the skill's own load plus a share of the station's safety capacity in
  proportion to the safety staffing the skill would need on its own
  (``R_sk``, its stand-alone requirement). Skills may peak at different
  moments of a period; their peak loads are scaled down to the station's
  coincident peak ``a_s`` when they add up to more. ``sum_k T_sk = T_s``; the MILP
  allocates on-duty staff across skills (fractionally) to meet every
  ``T_sk`` and ``T_s`` with each person counted once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy import stats

from scipy.stats import norm

from sim.arrivals import appointment_slot_starts, rate_per_min
from sim.clock import format_clock
from sim.distributions import Deterministic, Empirical, Exponential, Gamma, LogNormal, Triangular
from sim.metrics import interval_edges_min, interval_labels
from sim.scenario import Scenario

from .erlang import min_servers_for_service_level

DT_MIN = 0.25
DRAIN_MAX_MIN = 60.0    # longest drain after a session end
DRAIN_LOAD = 0.1        # erlangs: below this the drain is over
MAX_FRACTION = 0.999


def survival(dist, t: np.ndarray) -> np.ndarray:
    """``P(S > t)`` of a work distribution of :mod:`sim.distributions`."""
    t = np.asarray(t, dtype=float)
    if isinstance(dist, Exponential):
        return np.exp(-t / dist.mean_min)
    if isinstance(dist, LogNormal):
        s2 = math.log1p(dist.cv ** 2)
        return stats.lognorm.sf(t, math.sqrt(s2), scale=math.exp(math.log(dist.mean_min) - s2 / 2))
    if isinstance(dist, Gamma):
        return stats.gamma.sf(t, 1.0 / dist.cv ** 2, scale=dist.mean_min * dist.cv ** 2)
    if isinstance(dist, Triangular):
        width = dist.max_min - dist.min_min
        return stats.triang.sf(t, (dist.mode_min - dist.min_min) / width, loc=dist.min_min, scale=width)
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
            cdf = norm.cdf(cells, slot + a.punctuality_mean_min, a.punctuality_sd_min)
        else:
            cdf = (cells >= slot + a.punctuality_mean_min).astype(float)
        cdf = np.where(cells >= h.last_ticket_min, cdf[np.searchsorted(cells, h.last_ticket_min)], cdf)
        share += np.diff(cdf)
        share[0] += cdf[0]  # early for opening: ticketed at opening
    comers = a.booked_share * (1.0 - a.no_show)
    return {code: share * cap * comers for code, cap in a.capacity_per_slot.items() if cap > 0}


@dataclass(frozen=True)
class Requirements:
    """Offered loads and staff needed per planning period, station and skill.

    Arrays are indexed by period (``period_start_min``); ``load`` and
    ``skill_staff`` by ``(station, skill)``, ``pooled_load`` and
    ``pooled_staff`` by station. ``adjust[(station, interval)]`` holds the
    simulate-and-repair corrections of the pooled staff (``interval`` is the
    reporting-interval start, minutes).
    """

    method: str
    grid_min: int
    period_start_min: np.ndarray
    period_interval_min: np.ndarray           # start of the reporting interval holding each period
    load: dict[tuple[str, str], np.ndarray]
    skill_staff: dict[tuple[str, str], np.ndarray]
    pooled_load: dict[str, np.ndarray]
    pooled_staff: dict[str, np.ndarray]
    adjust: dict[tuple[str, float], int] = field(default_factory=dict)
    period_kind: np.ndarray | None = None     # "ticket" (tickets issued) or "drain" (after a session; see above)

    def kinds(self) -> np.ndarray:
        return self.period_kind if self.period_kind is not None else np.full(len(self.period_start_min), "ticket")

    @property
    def stations(self) -> list[str]:
        return list(self.pooled_load)

    def skills(self, station: str) -> list[str]:
        return [k for s, k in self.load if s == station]

    def station_target(self, station: str) -> np.ndarray:
        """Staff to have on duty at ``station`` in each period (integer)."""
        base = self.pooled_staff[station].astype(int)
        load = self.pooled_load[station]
        delta = np.array([self.adjust.get((station, float(iv)), 0) for iv in self.period_interval_min], dtype=int)
        floor = np.where(load > 1e-9, np.maximum(1, np.ceil(load - 1e-9)), 0).astype(int)
        target = np.where(base > 0, np.maximum(base + delta, floor), 0)
        return target

    def skill_targets(self, station: str) -> dict[str, np.ndarray]:
        """Standard-speed staff to allocate to each skill at ``station`` per period (fractional)."""
        target = self.station_target(station)
        skills = self.skills(station)
        # Skills peak at different moments of a period: scale their peaks to the station's coincident peak.
        peaks = sum(self.load[(station, k)] for k in skills)
        scale = np.divide(self.pooled_load[station], peaks, out=np.ones_like(peaks), where=peaks > self.pooled_load[station])
        loads = {k: self.load[(station, k)] * scale for k in skills}
        safety = {k: np.maximum(self.skill_staff[(station, k)] - loads[k], 0.0) for k in skills}
        total_load = sum(loads.values())
        total_safety = sum(safety.values())
        spare = np.maximum(target - total_load, 0.0)
        share = {k: np.divide(safety[k], total_safety, out=np.zeros_like(total_load), where=total_safety > 0)
                 for k in skills}
        return {k: np.where(target > 0, loads[k] + spare * share[k], 0.0) for k in skills}

    def with_adjust(self, station: str, interval_min: float, delta: int) -> "Requirements":
        adjust = dict(self.adjust)
        adjust[(station, float(interval_min))] = adjust.get((station, float(interval_min)), 0) + delta
        return replace(self, adjust={k: v for k, v in adjust.items() if v})

    def by_interval(self) -> pd.DataFrame:
        """Largest pooled staff target per station and reporting interval."""
        rows = []
        for s in self.stations:
            target = self.station_target(s)
            for iv in np.unique(self.period_interval_min):
                sel = self.period_interval_min == iv
                rows.append({"interval_start_min": iv, "station": s, "load": float(self.pooled_load[s][sel].max()),
                             "staff": int(self.pooled_staff[s][sel].max()), "target": int(target[sel].max()),
                             "adjust": self.adjust.get((s, float(iv)), 0)})
        return pd.DataFrame(rows)

    def frame(self) -> pd.DataFrame:
        """Tidy table: one row per period, station and skill (``skill == "*"``: the pooled station)."""
        rows = []
        for s in self.stations:
            target, targets = self.station_target(s), self.skill_targets(s)
            for i, t in enumerate(self.period_start_min):
                kind = self.kinds()[i]
                rows.append((format_clock(t), t, kind, s, "*", self.pooled_load[s][i], int(self.pooled_staff[s][i]),
                             float(target[i])))
                for k in self.skills(s):
                    rows.append((format_clock(t), t, kind, s, k, self.load[(s, k)][i],
                                 int(self.skill_staff[(s, k)][i]), float(targets[k][i])))
        return pd.DataFrame(rows, columns=["period", "period_start_min", "kind", "station", "skill", "load",
                                           "staff_alone", "target"])


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


def compute_requirements(scenario: Scenario, method: str = "time_varying", grid_min: int = 15,
                         opening_batch: bool = True, warm_search: bool = True) -> Requirements:
    """Offered load and staff needed per planning period of ``grid_min`` minutes.

    Periods are aligned to the clock and cover the ticket hours; a period
    partly outside them uses the part inside. Windows are not applied here
    (the MILP knows them). ``warm_search=False`` searches every period's
    staff from scratch (the slower reference; the same numbers).

    Examples
    --------
    >>> from pathlib import Path
    >>> from sim.loading import load_scenario
    >>> s = load_scenario(Path(__file__).parents[1] / "scenarios" / "county_hall.yaml")
    >>> sipp = compute_requirements(s, "sipp", grid_min=60)
    >>> sipp.pooled_staff["counter"].tolist()             # 08:00 .. 17:00, hourly
    [6, 5, 5, 4, 5, 5, 4, 3]
    >>> tv = compute_requirements(s, "time_varying", grid_min=60)
    >>> list(zip(tv.kinds()[3:6].tolist(), tv.pooled_staff["counter"][3:6].tolist()))  # 11:00, 12:00, 14:00
    [('ticket', 5), ('drain', 4), ('ticket', 7)]
    """
    if method == "transient":
        from .transient import transient_requirements
        return transient_requirements(scenario, grid_min, warm_search=warm_search)
    if method not in ("time_varying", "sipp"):
        raise ValueError(f"method must be 'time_varying', 'sipp' or 'transient', got {method!r}")
    h = scenario.hours
    spans = [(s.start, min(s.end, h.last_ticket_min)) for s in h.sessions if s.start < h.last_ticket_min]
    t0, dt = h.open_min, DT_MIN
    n = int(math.ceil((h.hard_stop_min - t0) / dt)) + 1
    walk_in = ticket_mass(scenario, t0, n, dt, opening_batch)
    booked = appointment_mass(scenario, t0, n, dt)
    per_service = {code: walk_in * scenario.arrivals.mix.get(code, 0.0) + booked.get(code, 0.0)
                   for code in scenario.services}
    total_tickets = float(sum(m.sum() for m in per_service.values())) or 1.0
    cell_end = t0 + dt * (np.arange(n) + 1)

    groups: dict[tuple[str, str], dict] = {}
    for code, station, skill, probability, lag, dist, first_probability in _step_flows(scenario):
        base = per_service[code]
        if not base.any():
            continue
        share = float(base.sum()) / total_tickets  # the service type's share of all tickets
        weight, first_share = share * probability, share * first_probability
        g = groups.setdefault((station, skill), {"load": np.zeros(n), "mass": 0.0, "work": 0.0, "first": 0.0,
                                                 "sipp_mass": np.zeros(n)})
        shift = int(round(lag / dt))
        mass = np.concatenate([np.zeros(shift), base[:n - shift]]) * probability if shift < n else np.zeros(n)
        g["load"] += offered_load(mass, dt, dist)
        g["sipp_mass"] += mass * dist.mean
        g["mass"] += weight
        g["work"] += weight * dist.mean
        g["first"] += first_share
    total_load = sum((g["load"] for g in groups.values()), np.zeros(n))

    # Ticket periods: every grid period overlapping the ticket spans.
    first = math.floor(h.open_min / grid_min) * grid_min
    last = math.ceil(h.last_ticket_min / grid_min) * grid_min
    grid = np.arange(first, last, grid_min, dtype=float)
    windows = {float(p): [(max(a, p, t0), min(b, p + grid_min)) for a, b in spans if a < p + grid_min and p < b]
               for p in grid}
    windows = {p: w for p, w in windows.items() if w}
    iv_edges = interval_edges_min(scenario)
    owner = {p: float(iv_edges[np.searchsorted(iv_edges, p, side="right") - 1]) for p in windows}
    kind = {p: "ticket" for p in windows}
    # Drain periods (time-varying only): after a session that the hall closes behind (or after the last one
    # when staff are sent home at shift end), the citizens already ticketed still need serving.
    if method == "time_varying":
        sessions = [s for s in h.sessions if s.start < h.last_ticket_min]
        for k, (a, b) in enumerate(spans):
            if k + 1 < len(spans):
                end = min(sessions[k + 1].start, b + DRAIN_MAX_MIN)
            elif scenario.calling.end_of_day == "send_home":
                end = min(h.hard_stop_min, b + DRAIN_MAX_MIN)
            else:
                continue
            p = math.ceil(b / grid_min - 1e-9) * grid_min
            while p < end - 1e-9 and float(p) not in windows:
                at = np.searchsorted(cell_end, p - 1e-9)
                if at >= n or total_load[at] <= DRAIN_LOAD:
                    break
                windows[float(p)] = [(p, p + grid_min)]
                owner[float(p)] = owner[max(q for q in owner if q < p)]
                kind[float(p)] = "drain"
                p += grid_min
    starts = np.array(sorted(windows), dtype=float)
    period_iv = np.array([owner[p] for p in starts])
    period_kind = np.array([kind[p] for p in starts])

    def period_max(series: np.ndarray) -> np.ndarray:
        out = np.zeros(len(starts))
        for i, p in enumerate(starts):
            sel = np.zeros(n, bool)
            for lo, hi in windows[float(p)]:
                sel |= (cell_end >= lo - 1e-9) & (cell_end <= hi + 1e-9)
            out[i] = series[sel].max() if sel.any() else 0.0
        return out

    def sipp(work_mass: np.ndarray) -> np.ndarray:
        out = np.zeros(len(starts))
        for iv in np.unique(period_iv):
            iv_end = iv + h.interval_min
            open_min = sum(max(0.0, min(b, iv_end) - max(a, iv)) for a, b in spans)
            in_iv = (cell_end > iv) & (cell_end <= iv_end + 1e-9)
            out[(period_iv == iv) & (period_kind == "ticket")] = work_mass[in_iv].sum() / open_min if open_min else 0.0
        return out

    load, skill_staff, pooled_load, pooled_staff = {}, {}, {}, {}
    station_series: dict[str, dict] = {}
    for (station, skill), g in sorted(groups.items(), key=lambda kv: (list(scenario.stations).index(kv[0][0]), kv[0][1])):
        mean_work = g["work"] / g["mass"]
        crit = _criteria(scenario, g["first"] > 0.5 * g["mass"], station)
        a = period_max(g["load"]) if method == "time_varying" else sipp(g["sipp_mass"])
        load[(station, skill)] = a
        skill_staff[(station, skill)] = staff_series(a, mean_work, crit, warm_search)
        st = station_series.setdefault(station, {"load": np.zeros(n), "sipp": np.zeros(n), "mass": 0.0,
                                                 "work": 0.0, "first": 0.0})
        st["load"] += g["load"]
        st["sipp"] += g["sipp_mass"]
        for key in ("mass", "work", "first"):
            st[key] += g[key]
    for station, st in station_series.items():
        mean_work = st["work"] / st["mass"]
        crit = _criteria(scenario, st["first"] > 0.5 * st["mass"], station)
        a = period_max(st["load"]) if method == "time_varying" else sipp(st["sipp"])
        pooled_load[station] = a
        staff = staff_series(a, mean_work, crit, warm_search)
        staff[(period_kind == "drain") & (a <= DRAIN_LOAD)] = 0      # this station's drain is over
        pooled_staff[station] = staff
    return Requirements(method, grid_min, starts, period_iv, load, skill_staff, pooled_load, pooled_staff,
                        period_kind=period_kind)


def interval_label(scenario: Scenario, interval_start_min: float) -> str:
    """The reporting label (``"08:30-09:00"``) of the interval starting at ``interval_start_min``."""
    edges = interval_edges_min(scenario)
    i = int(np.searchsorted(edges, interval_start_min, side="right") - 1)
    labels = interval_labels(scenario)
    return labels[i] if 0 <= i < len(labels) else format_clock(interval_start_min)
