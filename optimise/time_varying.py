"""Staff needed per planning period, station and skill: stationary (SIPP) and time-varying.

Demand and offered load are those of :mod:`optimise.offered_load`.

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

import numpy as np

from sim.metrics import interval_edges_min
from sim.scenario import Scenario

from .offered_load import DT_MIN, _criteria, _step_flows, appointment_mass, offered_load, staff_series, ticket_mass
from .requirements_data import Requirements

DRAIN_MAX_MIN = 60.0    # longest drain after a session end
DRAIN_LOAD = 0.1        # erlangs: below this the drain is over


def time_varying_requirements(scenario: Scenario, method: str = "time_varying", grid_min: int = 15,
                              opening_batch: bool = True, warm_search: bool = True) -> Requirements:
    """Stationary (``sipp``) or time-varying requirements per planning period (module docstring).

    Each period's staff search starts from the previous period's answer (:func:`optimise.offered_load.staff_series`);
    ``warm_search=False`` searches every period from scratch (the slower reference; the same numbers).
    """
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
