"""Pure metric functions: an event log (and its scenario) in, tidy KPI frames out.

Definitions
-----------
* A citizen belongs to the interval in which their ticket was issued
  (turned-away citizens: the interval of arrival). Intervals are aligned to
  the clock (multiples of ``hours.interval_min`` since midnight).
* Citizens ticketed in the warm-up (``experiment.warmup_min`` after opening)
  are left out.
* ``wait_min`` is ticket to call at the first step. Censored waits are kept:
  a citizen who abandoned waited until they left, one unserved at the hard
  stop waited until then. Means and percentiles are over all ticketed
  citizens (the Erlang A convention: mean wait over all arrivals).
* Service level of target ``T``: ``within_T / tickets``, the share of
  ticketed citizens called within ``T.wait_min`` (abandoned and unserved
  citizens count in the denominator and never in the numerator).
* Queue length: citizens waiting (ticketed, not yet called) at any step, per
  station; exact time averages per interval and samples on a grid.
* Utilisation: busy minutes / on-duty minutes; overtime: minutes worked after
  the scheduled end of an on-duty period.

Group rows use ``"*"`` for "all" (all service types, all classes) and
``interval == "day"`` for the whole day.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .clock import format_clock
from .eventlog import ABANDONED, SERVED, TURNED_AWAY, UNSERVED, EventLog
from .scenario import Scenario

ALL = "*"
DAY = "day"
GROUPINGS = ((), ("interval",), ("service_type",), ("class",), ("interval", "service_type"), ("interval", "class"))
COUNT_COLUMNS = ("arrivals", "tickets", "served", "abandoned", "unserved", "turned_away", "balked")


def interval_edges_min(scenario: Scenario) -> np.ndarray:
    """Edges of the reporting intervals, from the one holding opening to the one holding the last ticket."""
    step = scenario.hours.interval_min
    first = math.floor(scenario.hours.open_min / step) * step
    last = math.ceil(scenario.hours.last_ticket_min / step) * step
    return np.arange(first, max(last, first + step) + step / 2, step, dtype=float)


def interval_labels(scenario: Scenario) -> list[str]:
    """``"08:30-09:00"`` style labels, clipped to the ticket hours."""
    edges = interval_edges_min(scenario)
    lo, hi = scenario.hours.open_min, scenario.hours.last_ticket_min
    return [f"{format_clock(max(a, lo))}-{format_clock(min(b, hi))}" for a, b in zip(edges[:-1], edges[1:])]


def _measured(log: EventLog, scenario: Scenario) -> np.ndarray:
    start = scenario.hours.open_min + scenario.experiment.warmup_min
    t = np.where(np.isnan(log.ticket_min), log.arrive_min, log.ticket_min)
    return t >= start


def _citizen_columns(log: EventLog, scenario: Scenario) -> dict[str, np.ndarray]:
    """Measured citizens as columns: integer group codes, outcome flags, waits, per-target flags."""
    keep = _measured(log, scenario)
    edges = interval_edges_min(scenario)
    t = np.where(np.isnan(log.ticket_min), log.arrive_min, log.ticket_min)[keep]
    outcome = log.outcome[keep]
    # Called at the first step = has a visit (services in progress at the hard stop are finished).
    called_first = np.isin(np.flatnonzero(keep), log.visit_citizen)
    wait = log.wait_min[keep]
    cols = {
        "interval": np.clip(np.searchsorted(edges, t, side="right") - 1, 0, len(edges) - 1),
        "service_type": log.service[keep].astype(np.int64),
        "class": log.klass[keep].astype(np.int64),
        "ticketed": outcome != TURNED_AWAY,
        "served": outcome == SERVED,
        "abandoned": outcome == ABANDONED,
        "unserved": outcome == UNSERVED,
        "turned_away": outcome == TURNED_AWAY,
        "balked": log.balked[keep],
        "wait_min": wait,
        "time_in_system_min": np.where(outcome == SERVED, log.leave_min[keep] - log.ticket_min[keep], np.nan),
    }
    for name, values in target_columns(log, scenario, keep, called_first, wait).items():
        cols[name] = values
    return cols


#: per-citizen target columns: ``within_<id>`` (bool, the numerator of a share), ``at_<id>`` (bool, the
#: citizens the target judges; default: every ticketed citizen), ``sum_<id>_min`` (float, the numerator of a
#: mean over ``at_<id>``). Groups sum them; :mod:`sim.summary` turns them into ``sl_<id>`` and ``mean_<id>``.
TARGET_PREFIXES = ("within_", "at_", "sum_")


def _station_waits(log: EventLog, station: str, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per citizen: queued at ``station`` at all, and the wait there (first time), and called there in time?

    Returns ``(at, wait_min, called)``: a citizen who abandoned or was unserved while waiting at the station
    waited until they left or the hard stop (censored, counted), and ``called`` is False for them.
    """
    at = np.zeros(n, bool)
    wait = np.full(n, np.nan)
    called = np.zeros(n, bool)
    stations = log.step_stations
    here = np.array([stations[(s, j)] == station for s, j in zip(log.service[log.visit_citizen], log.visit_step)], bool)
    order = np.argsort(-log.visit_join_min[here], kind="stable")   # earliest visit written last, so it wins
    c = log.visit_citizen[here][order]
    wait[c] = (log.visit_start_min - log.visit_join_min)[here][order]
    at[c] = called[c] = True
    gone = np.flatnonzero(log.outcome == ABANDONED)
    g_here = np.array([stations[(log.service[g], log.abandon_step[g])] == station for g in gone], bool)
    joined = _last_join(log, n)
    for g in gone[g_here]:
        if not at[g]:
            at[g], wait[g] = True, log.leave_min[g] - joined[g]
    u_here = np.array([stations[(log.service[c2], j)] == station for c2, j in
                       zip(log.unserved_citizen, log.unserved_step)], bool)
    for c2, join in zip(log.unserved_citizen[u_here], log.unserved_join_min[u_here]):
        if not at[c2]:
            at[c2], wait[c2] = True, max(log.hard_stop_min - join, 0.0)
    return at, wait, called


def _last_join(log: EventLog, n: int) -> np.ndarray:
    """Per citizen: when they joined the queue they were last in (end of their last step served, else the ticket)."""
    last_end = np.full(n, -np.inf)
    np.maximum.at(last_end, log.visit_citizen, log.visit_end_min)
    return np.maximum(np.nan_to_num(log.ticket_min, nan=-np.inf), last_end)


def _visit_wait_stats(log: EventLog, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per citizen: the longest and the total wait over the steps served (0 for none)."""
    w = log.visit_start_min - log.visit_join_min
    longest = np.zeros(n)
    np.maximum.at(longest, log.visit_citizen, w)
    total = np.bincount(log.visit_citizen, weights=w, minlength=n)
    return longest, total


def target_columns(log: EventLog, scenario: Scenario, keep: np.ndarray, called_first: np.ndarray,
                   wait: np.ndarray) -> dict[str, np.ndarray]:
    """The per-citizen columns of every checked target (see :data:`TARGET_PREFIXES`), measured citizens only.

    * ``service_level`` (first step): called at the first step within ``wait_min``.
    * ``service_level`` at ``station``: ``at`` = queued there; within = called there within ``wait_min``.
    * ``service_level`` with ``step: any``: served, and no step's wait above ``wait_min`` (an abandoned or
      unserved citizen is never within).
    * ``mean_wait`` at ``station``: ``sum`` = the wait there over ``at``; ``step: any``: the total wait over the
      steps of the visit (abandoned / unserved: plus the censored wait of the step they left or were left in).
    * ``time_in_hall`` with ``fraction``: served and ticket-to-leave at most ``max_min``.
    """
    n = len(log.outcome)
    out: dict[str, np.ndarray] = {}
    longest = total = None
    outcome = log.outcome[keep]
    for t in scenario.checked_targets:
        if t.kind == "service_level" and t.station is None and t.step == "first":
            out[f"within_{t.id}"] = called_first & (wait <= t.wait_min)
        elif t.kind in ("service_level", "mean_wait") and t.station is not None:
            at, w, called = (a[keep] for a in _station_waits(log, t.station, n))
            out[f"at_{t.id}"] = at
            if t.kind == "service_level":
                out[f"within_{t.id}"] = at & called & (np.nan_to_num(w, nan=np.inf) <= t.wait_min)
            else:
                out[f"sum_{t.id}_min"] = np.where(at, np.nan_to_num(w), 0.0)
        elif t.kind in ("service_level", "mean_wait") and t.step == "any":
            if longest is None:
                longest, total = (a[keep] for a in _visit_wait_stats(log, n))
            if t.kind == "service_level":
                out[f"within_{t.id}"] = (outcome == SERVED) & (longest <= t.wait_min)
            else:
                # waits served, plus the censored wait of the step a citizen left or was left in
                censored = np.where(outcome == SERVED, 0.0, log.leave_min[keep] - _last_join(log, n)[keep])
                out[f"sum_{t.id}_min"] = np.nan_to_num(total + np.maximum(censored, 0.0))
        elif t.kind == "time_in_hall" and t.fraction is not None:
            out[f"within_{t.id}"] = (outcome == SERVED) & (log.leave_min[keep] - log.ticket_min[keep] <= t.max_min)
    return out


def citizen_frame(log: EventLog, scenario: Scenario) -> pd.DataFrame:
    """Measured citizens with their interval and per-target flags (one row each)."""
    cols = _citizen_columns(log, scenario)
    edges = interval_edges_min(scenario)
    labels = np.asarray(interval_labels(scenario) + ["after"], dtype=object)
    frame = pd.DataFrame(cols)
    frame["interval_start_min"] = edges[cols["interval"]]
    frame["interval"] = labels[cols["interval"]]
    frame["service_type"] = np.asarray(log.service_codes, dtype=object)[cols["service_type"]]
    frame["class"] = np.asarray(log.class_codes, dtype=object)[cols["class"]]
    return frame


def _segment_quantiles(group: np.ndarray, values: np.ndarray, n_groups: int, qs) -> np.ndarray:
    """Per-group quantiles (numpy's linear interpolation) of ``values``; NaN for empty groups."""
    order = np.lexsort((values, group))
    g, v = group[order], values[order]
    counts = np.bincount(g, minlength=n_groups)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    out = np.full((n_groups, len(qs)), np.nan)
    has = counts > 0
    for k, q in enumerate(qs):
        pos = starts[has] + q * (counts[has] - 1)
        lo = np.floor(pos).astype(np.int64)
        hi = np.ceil(pos).astype(np.int64)
        out[has, k] = v[lo] + (v[hi] - v[lo]) * (pos - lo)
    return out


def _aggregate(cols: dict[str, np.ndarray], keys: tuple[str, ...], within: list[str]) -> dict[str, np.ndarray]:
    """Counts, sums, maxima and quantiles per group of ``keys`` (one group of everyone when empty).

    Returns columns including the integer codes of ``keys`` (-1 where a key is "all").
    """
    n_cit = len(cols["ticketed"])
    combined = np.zeros(n_cit, dtype=np.int64)
    for key in keys:
        combined = combined * 4096 + cols[key]
    uniq, codes = np.unique(combined, return_inverse=True) if keys else (np.zeros(1, np.int64), np.zeros(n_cit, np.int64))
    n = len(uniq)
    tick = cols["ticketed"]
    gt = codes[tick]
    wait = cols["wait_min"][tick]
    out = {"arrivals": np.bincount(codes, minlength=n),
           "turned_away": np.bincount(codes, weights=cols["turned_away"], minlength=n),
           "tickets": np.bincount(gt, minlength=n)}
    for col in ("served", "abandoned", "unserved", "balked", *within):
        out[col] = np.bincount(gt, weights=cols[col][tick], minlength=n)
    out["wait_sum_min"] = np.bincount(gt, weights=wait, minlength=n)
    out["time_in_system_sum_min"] = np.bincount(gt, weights=np.nan_to_num(cols["time_in_system_min"][tick]), minlength=n)
    wmax = np.full(n, -np.inf)
    np.maximum.at(wmax, gt, wait)
    out["wait_max_min"] = np.where(np.isinf(wmax), np.nan, wmax)
    q = _segment_quantiles(gt, wait, n, (0.5, 0.9, 0.95))
    out["wait_p50_min"], out["wait_p90_min"], out["wait_p95_min"] = q[:, 0], q[:, 1], q[:, 2]
    rest = uniq.copy()
    for key in reversed(("interval", "service_type", "class")):
        if key in keys:
            out["_" + key] = rest % 4096
            rest = rest // 4096
        else:
            out["_" + key] = np.full(n, -1)
    return out


def citizen_kpis(log: EventLog, scenario: Scenario) -> pd.DataFrame:
    """Counts, waits and service levels per interval, service type and class (and their totals).

    One row per group of :data:`GROUPINGS`; sums (``wait_sum_min``,
    ``within_<target>``) are kept so replications can be pooled exactly.
    """
    cols = _citizen_columns(log, scenario)
    within = [c for c in cols if c.startswith(TARGET_PREFIXES)]
    parts = [_aggregate(cols, keys, within) for keys in GROUPINGS]
    data = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    edges = interval_edges_min(scenario)
    labels = np.asarray([DAY] + interval_labels(scenario) + ["after"], dtype=object)
    services = np.asarray((ALL,) + tuple(log.service_codes), dtype=object)
    classes = np.asarray((ALL,) + tuple(log.class_codes), dtype=object)
    iv = data.pop("_interval")
    out = pd.DataFrame({
        "rep": log.replication,
        "interval": labels[iv + 1],
        "interval_start_min": np.where(iv >= 0, edges[np.clip(iv, 0, None)], np.nan),
        "service_type": services[data.pop("_service_type") + 1],
        "class": classes[data.pop("_class") + 1],
    })
    for col in ("arrivals", "turned_away", "tickets", "served", "abandoned", "unserved", "balked", *within):
        out[col] = data[col] if col.startswith("sum_") else data[col].astype(np.int64)
    for col in ("wait_sum_min", "wait_max_min", "time_in_system_sum_min", "wait_p50_min", "wait_p90_min",
                "wait_p95_min"):
        out[col] = data[col]
    tickets = out["tickets"].to_numpy()
    safe = np.where(tickets > 0, tickets, np.nan)
    out["wait_mean_min"] = out["wait_sum_min"].to_numpy() / safe
    out["abandon_fraction"] = out["abandoned"].to_numpy() / safe
    served = out["served"].to_numpy()
    out["time_in_system_mean_min"] = out["time_in_system_sum_min"].to_numpy() / np.where(served > 0, served, np.nan)
    for w in within:
        if w.startswith("within_"):
            tid = w[len("within_"):]
            den = out[f"at_{tid}"].to_numpy() if f"at_{tid}" in out else tickets
            out["sl_" + tid] = out[w].to_numpy() / np.where(den > 0, den, np.nan)
        elif w.startswith("sum_"):
            tid = w[len("sum_"):-len("_min")]
            den = out[f"at_{tid}"].to_numpy() if f"at_{tid}" in out else tickets
            out["mean_" + tid] = out[w].to_numpy() / np.where(den > 0, den, np.nan)
    out["unserved_fraction"] = out["unserved"].to_numpy() / safe
    return out


def _waiting_spells(log: EventLog) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(start, end, station) of every spell a citizen spent waiting in a queue."""
    station_of = log.step_stations
    v_station = [station_of[(s, j)] for s, j in zip(log.service[log.visit_citizen], log.visit_step)]
    gone = np.flatnonzero(log.outcome == ABANDONED)
    g_station = [station_of[(log.service[c], log.abandon_step[c])] for c in gone]
    u_station = [station_of[(log.service[c], j)] for c, j in zip(log.unserved_citizen, log.unserved_step)]
    # a citizen whose step ended after the hard stop is unserved at the next step without waiting for it
    u_end = np.maximum(log.unserved_join_min, log.hard_stop_min)
    starts = np.concatenate([log.visit_join_min, log.ticket_min[gone], log.unserved_join_min])
    ends = np.concatenate([log.visit_start_min, log.leave_min[gone], u_end])
    stations = np.asarray(v_station + g_station + u_station, dtype=object)
    return starts, ends, stations


def _time_average(starts, ends, lo, hi) -> float:
    overlap = np.clip(np.minimum(ends, hi) - np.maximum(starts, lo), 0, None)
    return float(overlap.sum() / (hi - lo))


def queue_kpis(log: EventLog, scenario: Scenario, grid_min: float = 5.0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Queue length per station (and ``"*"``): time averages per interval, and samples on a grid.

    Returns ``(per_interval, on_grid)``; ``per_interval`` has ``queue_mean``
    and ``queue_max`` per interval, ``on_grid`` has ``waiting`` at each
    ``t_min`` of a ``grid_min`` grid from opening to the hard stop.
    """
    starts, ends, stations = _waiting_spells(log)
    edges = interval_edges_min(scenario)
    labels = interval_labels(scenario)
    grid = np.arange(scenario.hours.open_min, scenario.hours.hard_stop_min + 1e-9, grid_min)
    rows, grid_rows = [], []
    for station in [ALL, *scenario.stations]:
        sel = np.ones(len(starts), bool) if station == ALL else stations == station
        s, e = starts[sel], ends[sel]
        times = np.concatenate([s, e])
        steps = np.concatenate([np.ones(len(s)), -np.ones(len(e))])
        order = np.lexsort((steps, times))  # departures before arrivals at equal times
        times, level = times[order], np.cumsum(steps[order])
        for label, lo, hi in zip(labels, edges[:-1], edges[1:]):
            inside = (times >= lo) & (times < hi)
            before = np.searchsorted(times, lo, side="right") - 1
            peak = max(level[inside].max() if inside.any() else 0, level[before] if before >= 0 else 0)
            rows.append((log.replication, label, lo, station, _time_average(s, e, lo, hi), int(peak)))
        at = np.searchsorted(times, grid, side="right") - 1
        waiting = np.where(at >= 0, level[np.clip(at, 0, None)] if len(level) else 0, 0)
        grid_rows.append(pd.DataFrame({"rep": log.replication, "station": station, "t_min": grid,
                                       "waiting": waiting.astype(np.int64)}))
    per_interval = pd.DataFrame(rows, columns=["rep", "interval", "interval_start_min", "station", "queue_mean", "queue_max"])
    return per_interval, pd.concat(grid_rows, ignore_index=True)


def _inside_periods(log: EventLog, staff: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Length of each span [start, end) of a staff member that lies inside their scheduled periods."""
    out = np.zeros(len(staff))
    for i, (s, a, b) in enumerate(zip(staff.tolist(), start.tolist(), end.tolist())):
        out[i] = sum(max(0.0, min(b, p1) - max(a, p0)) for p0, p1 in log.staff_periods[s])
    return out


def staff_kpis(log: EventLog, scenario: Scenario) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Utilisation, overtime and cost per staff type and station; staff on duty and utilisation per interval.

    ``staff_on_duty`` is the average number on duty over the part of the
    interval in which the hall is open (the first hour of a hall opening at
    08:30 counts from 08:30).

    Returns ``(per_type, per_interval)``. Overtime is time on duty outside the
    scheduled periods (finishing a citizen, staying after closing). Staffed
    minutes are on-duty minutes inside the scheduled periods, less time away
    from post (compare with ``scheduled_min``: absence, lateness, short
    absences and waiting for a window all lower it). Cost of a staff member:
    scheduled paid hours x cost_per_hour + overtime hours x cost_per_hour x
    overtime_factor.
    """
    staff_type = np.asarray(log.staff_types, dtype=object)
    station = np.asarray(log.staff_stations, dtype=object)
    n_staff = len(log.staff_ids)
    busy = np.bincount(log.visit_staff, weights=log.visit_end_min - log.visit_start_min, minlength=n_staff)
    on = np.bincount(log.duty_staff, weights=log.duty_off_min - log.duty_on_min, minlength=n_staff)
    inside = _inside_periods(log, log.duty_staff, log.duty_on_min, log.duty_off_min)
    over = on - np.bincount(log.duty_staff, weights=inside, minlength=n_staff)  # on duty outside the periods
    paid_h = np.zeros(n_staff)
    rate = np.zeros(n_staff)
    factor = np.ones(n_staff)
    for i, shift in enumerate(log.staff_shifts):
        stype = scenario.staff_types[log.staff_types[i]]
        paid_h[i] = scenario.shift_patterns[shift].paid_hours
        rate[i], factor[i] = stype.cost_per_hour, stype.overtime_factor
    cost = paid_h * rate + over / 60.0 * rate * factor
    away = np.bincount(log.away_staff, weights=log.away_end_min - log.away_start_min, minlength=n_staff)
    away_inside = np.bincount(log.away_staff, minlength=n_staff,
                              weights=_inside_periods(log, log.away_staff, log.away_start_min, log.away_end_min))
    per_staff = pd.DataFrame({"staff_type": staff_type, "station": station, "staff": 1, "on_duty_min": on,
                              "busy_min": busy, "overtime_min": over, "paid_hours": paid_h, "cost": cost,
                              "absent": log.staff_absent.astype(np.int64),
                              "scheduled_min": log.staff_scheduled_min,
                              "staffed_min": on - over - away_inside, "away_min": away})
    per_type = per_staff.groupby(["staff_type", "station"], as_index=False).sum(numeric_only=True)
    total = per_staff.sum(numeric_only=True).to_frame().T.assign(staff_type=ALL, station=ALL)
    per_type = pd.concat([per_type, total], ignore_index=True)
    per_type["utilisation"] = per_type["busy_min"] / per_type["on_duty_min"].where(per_type["on_duty_min"] > 0)
    per_type.insert(0, "rep", log.replication)

    edges = np.arange(interval_edges_min(scenario)[0], scenario.hours.hard_stop_min + scenario.hours.interval_min,
                      scenario.hours.interval_min)
    # groups: each staff type at each station, each staff type, and everyone
    groups = [(st, place, (staff_type == st) & (station == place))
              for st, place in dict.fromkeys(zip(log.staff_types, log.staff_stations))]
    groups += [(st, ALL, staff_type == st) for st in dict.fromkeys(log.staff_types)]
    groups.append((ALL, ALL, np.ones(n_staff, bool)))
    rows = []
    open_min, close_min = scenario.hours.open_min, scenario.hours.close_min
    for lo, hi in zip(edges[:-1], edges[1:]):
        # staff on duty: averaged over the part of the interval the hall is open (all of it outside opening hours)
        span = (min(hi, close_min) - max(lo, open_min)) if lo < close_min and hi > open_min else hi - lo
        b = np.bincount(log.visit_staff, weights=np.clip(np.minimum(log.visit_end_min, hi) - np.maximum(log.visit_start_min, lo), 0, None),
                        minlength=n_staff)
        o = np.bincount(log.duty_staff, weights=np.clip(np.minimum(log.duty_off_min, hi) - np.maximum(log.duty_on_min, lo), 0, None),
                        minlength=n_staff)
        for st, place, sel in groups:
            rows.append((log.replication, format_clock(lo), lo, st, place, float(o[sel].sum()) / span,
                         float(b[sel].sum()), float(o[sel].sum())))
    per_interval = pd.DataFrame(rows, columns=["rep", "interval", "interval_start_min", "staff_type", "station",
                                               "staff_on_duty", "busy_min", "on_duty_min"])
    per_interval["utilisation"] = per_interval["busy_min"] / per_interval["on_duty_min"].where(per_interval["on_duty_min"] > 0)
    return per_type, per_interval


def step_kpis(log: EventLog, scenario: Scenario) -> pd.DataFrame:
    """Waits per step of each route (queue join to call), and time in the hall end to end.

    One row per (service type, step) with ``visits`` (steps served),
    ``wait_sum_min``, ``wait_max_min``, ``unserved`` (citizens still waiting
    for the step at the hard stop); citizens ticketed in the warm-up are left out.
    """
    measured = _measured(log, scenario)
    keep = measured[log.visit_citizen]
    service = log.service[log.visit_citizen][keep]
    step = log.visit_step[keep].astype(np.int64)
    wait = (log.visit_start_min - log.visit_join_min)[keep]
    n_steps = max(len(svc.steps) for svc in scenario.services.values())
    key = service * n_steps + step
    size = len(log.service_codes) * n_steps
    visits = np.bincount(key, minlength=size)
    wait_sum = np.bincount(key, weights=wait, minlength=size)
    wait_max = np.full(size, -np.inf)
    np.maximum.at(wait_max, key, wait)
    u_keep = measured[log.unserved_citizen]
    u_key = log.service[log.unserved_citizen][u_keep] * n_steps + log.unserved_step[u_keep].astype(np.int64)
    unserved = np.bincount(u_key, minlength=size)
    rows = []
    for k, code in enumerate(log.service_codes):
        for j, st in enumerate(scenario.services[code].steps):
            i = k * n_steps + j
            rows.append((log.replication, code, j, st.station, st.skill or code, int(visits[i]), float(wait_sum[i]),
                         float(wait_max[i]) if visits[i] else np.nan, int(unserved[i])))
    return pd.DataFrame(rows, columns=["rep", "service_type", "step", "station", "skill", "visits", "wait_sum_min",
                                       "wait_max_min", "unserved"])


def appointment_kpis(log: EventLog, scenario: Scenario) -> pd.DataFrame:
    """Appointments of the day: booked, no-shows, on-time arrivals and punctuality of service.

    ``called_within`` counts appointment citizens (arrived within the grace
    time) called no later than ``called_within_min`` after their slot start.
    """
    a = scenario.appointments
    on_time = ~np.isnan(log.slot_min) & (log.outcome != TURNED_AWAY)
    first_start = np.full(len(log), np.nan)
    order = np.argsort(log.visit_start_min, kind="stable")[::-1]
    first_start[log.visit_citizen[order]] = log.visit_start_min[order]  # earliest visit wins
    limit = log.slot_min + (a.called_within_min if a is not None else 0.0)
    called_within = on_time & (first_start <= limit)
    waits = log.wait_min[on_time]
    return pd.DataFrame([{
        "rep": log.replication, "booked": log.appointments_booked, "no_shows": log.appointments_no_show,
        "arrived_on_time": int(on_time.sum()), "served": int((on_time & (log.outcome == SERVED)).sum()),
        "called_within": int(called_within.sum()), "wait_sum_min": float(np.nansum(waits)),
    }])


def replication_kpis(log: EventLog, scenario: Scenario) -> dict[str, pd.DataFrame]:
    """Every KPI table of one replication, keyed by table name."""
    queue_interval, queue_grid = queue_kpis(log, scenario)
    staff, staff_interval = staff_kpis(log, scenario)
    return {"citizens": citizen_kpis(log, scenario), "queue": queue_interval, "queue_grid": queue_grid,
            "staff": staff, "staff_interval": staff_interval, "steps": step_kpis(log, scenario),
            "appointments": appointment_kpis(log, scenario)}
