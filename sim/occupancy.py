"""Occupancy of the hall over the day: queue lengths per station, staff on duty and utilisation.

Pure functions of the event log and the scenario, returning :class:`sim.tables.Table`
objects whose rows are the same in every replication (one per station and
interval, per staff group ...), so that an experiment stores only numbers.

Definitions
-----------
* Queue length: citizens waiting (ticketed, not yet called) at any step, per
  station (``"*"``: the whole hall); exact time averages per interval
  (``queue_mean``), the largest number waiting at any moment of the interval
  (``queue_max``), and samples on a 5-minute grid from opening to the hard stop.
* Utilisation: busy minutes / on-duty minutes. Overtime: time on duty outside
  the scheduled periods (finishing a citizen, staying after closing).
  Staffed minutes: on-duty minutes inside the scheduled periods, less time
  away from post. Cost of a staff member: scheduled paid hours x
  cost_per_hour + overtime hours x cost_per_hour x overtime_factor.
* ``staff_on_duty`` is the average number on duty over the part of the
  interval in which the hall is open (the first hour of a hall opening at
  08:30 counts from 08:30).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .clock import format_clock
from .eventlog import ABANDONED, EventLog
from .intervals import interval_edges_min, interval_labels
from .scenario import Scenario
from .tables import ALL, Table, table_frame

GRID_MIN = 5.0


def _waiting_spells(log: EventLog, stations: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(start, end, station index into ``stations``) of every spell a citizen spent waiting in a queue."""
    n_steps = 1 + max((j for _, j in log.step_stations), default=0)
    code = np.full((len(log.service_codes), n_steps), -1, dtype=np.int64)
    for (s, j), station in log.step_stations.items():
        code[s, j] = stations.index(station)
    gone = np.flatnonzero(log.outcome == ABANDONED)
    station = np.concatenate([code[log.service[log.visit_citizen], log.visit_step.astype(np.int64)],
                              code[log.service[gone], log.abandon_step[gone].astype(np.int64)],
                              code[log.service[log.unserved_citizen], log.unserved_step.astype(np.int64)]])
    # a citizen whose step ended after the hard stop is unserved at the next step without waiting for it
    u_end = np.maximum(log.unserved_join_min, log.hard_stop_min)
    starts = np.concatenate([log.visit_join_min, log.ticket_min[gone], log.unserved_join_min])
    ends = np.concatenate([log.visit_start_min, log.leave_min[gone], u_end])
    return starts, ends, station


def queue_tables(log: EventLog, scenario: Scenario, grid_min: float = GRID_MIN) -> tuple[Table, Table]:
    """Queue length per station and interval, and on the grid (see the module docstring)."""
    stations = list(scenario.stations)
    starts, ends, station = _waiting_spells(log, stations)
    edges = interval_edges_min(scenario)
    lo_e, hi_e = edges[:-1], edges[1:]
    labels = np.asarray(interval_labels(scenario), dtype=object)
    grid = np.arange(scenario.hours.open_min, scenario.hours.hard_stop_min + 1e-9, grid_min)
    means, peaks, grids = [], [], []
    for k in range(-1, len(stations)):
        sel = slice(None) if k < 0 else station == k
        s, e = starts[sel], ends[sel]
        overlap = np.clip(np.minimum(e[None, :], hi_e[:, None]) - np.maximum(s[None, :], lo_e[:, None]), 0, None)
        means.append(overlap.sum(axis=1) / (hi_e - lo_e))
        times = np.concatenate([s, e])
        steps = np.concatenate([np.ones(len(s)), -np.ones(len(e))])
        order = np.lexsort((steps, times))  # departures before arrivals at equal times
        times, level = times[order], np.cumsum(steps[order])
        first = np.searchsorted(times, lo_e, side="left")
        last = np.searchsorted(times, hi_e, side="left")
        before = np.searchsorted(times, lo_e, side="right") - 1
        peak = np.zeros(len(lo_e))
        for i in range(len(lo_e)):
            inside = level[first[i]:last[i]].max() if last[i] > first[i] else 0
            peak[i] = max(inside, level[before[i]] if before[i] >= 0 else 0)
        peaks.append(peak)
        at = np.searchsorted(times, grid, side="right") - 1
        grids.append(np.where(at >= 0, level[np.clip(at, 0, None)] if len(level) else 0, 0).astype(float))
    names = np.asarray([ALL, *stations], dtype=object)
    n_iv = len(lo_e)
    per_interval = Table({"interval": np.tile(labels, len(names)), "interval_start_min": np.tile(lo_e, len(names)),
                          "station": np.repeat(names, n_iv)},
                         {"queue_mean": np.concatenate(means), "queue_max": np.concatenate(peaks)})
    on_grid = Table({"station": np.repeat(names, len(grid)), "t_min": np.tile(grid, len(names))},
                    {"waiting": np.concatenate(grids)})
    return per_interval, on_grid


def _inside_periods(log: EventLog, staff: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Length of each span [start, end) of a staff member that lies inside their scheduled periods.

    The periods of each staff member padded to a common number with empty
    ``(0, 0)`` periods (whose overlap is clipped to 0), summed in period order.
    """
    n_periods = max((len(p) for p in log.staff_periods), default=0)
    if not len(staff) or not n_periods:
        return np.zeros(len(staff))
    bounds = np.zeros((len(log.staff_periods), n_periods, 2))
    for i, periods in enumerate(log.staff_periods):
        if periods:
            bounds[i, :len(periods)] = periods
    p0, p1 = bounds[staff, :, 0], bounds[staff, :, 1]
    overlap = np.minimum(end[:, None], p1) - np.maximum(start[:, None], p0)
    out = np.zeros(len(staff))
    for k in range(n_periods):  # left to right, as a running sum
        out += np.maximum(overlap[:, k], 0.0)
    return out


STAFF_COLUMNS = ("staff", "on_duty_min", "busy_min", "overtime_min", "paid_hours", "cost", "absent",
                 "scheduled_min", "staffed_min", "away_min")


def staff_tables(log: EventLog, scenario: Scenario) -> tuple[Table, Table]:
    """Per staff type and station (sorted, then ``"*"``), and per interval and staff group (module docstring)."""
    staff_type = np.asarray(log.staff_types, dtype=object)
    station = np.asarray(log.staff_stations, dtype=object)
    n_staff = len(log.staff_ids)
    busy = np.bincount(log.visit_staff, weights=log.visit_end_min - log.visit_start_min, minlength=n_staff)
    on = np.bincount(log.duty_staff, weights=log.duty_off_min - log.duty_on_min, minlength=n_staff)
    inside = _inside_periods(log, log.duty_staff, log.duty_on_min, log.duty_off_min)
    over = on - np.bincount(log.duty_staff, weights=inside, minlength=n_staff)  # on duty outside the periods
    paid = {shift: scenario.shift_patterns[shift].paid_hours for shift in set(log.staff_shifts)}
    paid_h = np.array([paid[shift] for shift in log.staff_shifts], dtype=float)
    types = [scenario.staff_types[t] for t in log.staff_types]
    rate = np.array([t.cost_per_hour for t in types], dtype=float)
    factor = np.array([t.overtime_factor for t in types], dtype=float)
    cost = paid_h * rate + over / 60.0 * rate * factor
    away = np.bincount(log.away_staff, weights=log.away_end_min - log.away_start_min, minlength=n_staff)
    away_inside = np.bincount(log.away_staff, minlength=n_staff,
                              weights=_inside_periods(log, log.away_staff, log.away_start_min, log.away_end_min))
    per_staff = {"staff": np.ones(n_staff), "on_duty_min": on, "busy_min": busy, "overtime_min": over,
                 "paid_hours": paid_h, "cost": cost, "absent": log.staff_absent.astype(float),
                 "scheduled_min": np.asarray(log.staff_scheduled_min, float),
                 "staffed_min": on - over - away_inside, "away_min": away}
    pairs = sorted(set(zip(log.staff_types, log.staff_stations)))
    group = np.array([pairs.index(p) for p in zip(log.staff_types, log.staff_stations)], dtype=np.int64)
    per_type = Table({"staff_type": np.asarray([p[0] for p in pairs] + [ALL], dtype=object),
                      "station": np.asarray([p[1] for p in pairs] + [ALL], dtype=object)},
                     {c: np.append(np.bincount(group, weights=v, minlength=len(pairs)), v.sum())
                      for c, v in per_staff.items()})

    edges = np.arange(interval_edges_min(scenario)[0], scenario.hours.hard_stop_min + scenario.hours.interval_min,
                      scenario.hours.interval_min)
    lo, hi = edges[:-1], edges[1:]
    # groups: each staff type at each station, each staff type, and everyone
    groups = [(st, place, (staff_type == st) & (station == place))
              for st, place in dict.fromkeys(zip(log.staff_types, log.staff_stations))]
    groups += [(st, ALL, staff_type == st) for st in dict.fromkeys(log.staff_types)]
    groups.append((ALL, ALL, np.ones(n_staff, bool)))
    member = np.array([sel for _, _, sel in groups], dtype=float).T  # staff x groups
    open_min, close_min = scenario.hours.open_min, scenario.hours.close_min
    # staff on duty: averaged over the part of the interval the hall is open (all of it outside opening hours)
    span = np.where((lo < close_min) & (hi > open_min), np.minimum(hi, close_min) - np.maximum(lo, open_min), hi - lo)
    b = _per_interval(log.visit_staff, log.visit_start_min, log.visit_end_min, lo, hi, n_staff) @ member
    o = _per_interval(log.duty_staff, log.duty_on_min, log.duty_off_min, lo, hi, n_staff) @ member
    n_iv, n_g = len(lo), len(groups)
    per_interval = Table({"interval": np.repeat(np.asarray([format_clock(x) for x in lo], dtype=object), n_g),
                          "interval_start_min": np.repeat(lo, n_g),
                          "staff_type": np.tile(np.asarray([g[0] for g in groups], dtype=object), n_iv),
                          "station": np.tile(np.asarray([g[1] for g in groups], dtype=object), n_iv)},
                         {"staff_on_duty": (o / span[:, None]).ravel(), "busy_min": b.ravel(),
                          "on_duty_min": o.ravel()})
    return per_type, per_interval


def _per_interval(staff, start, end, lo, hi, n_staff) -> np.ndarray:
    """Minutes of the spans [start, end) of each staff member inside each interval (intervals x staff)."""
    overlap = np.clip(np.minimum(end[None, :], hi[:, None]) - np.maximum(start[None, :], lo[:, None]), 0, None)
    rows = np.repeat(np.arange(len(lo)), len(staff)) * n_staff + np.tile(staff, len(lo))
    return np.bincount(rows, weights=overlap.ravel(), minlength=len(lo) * n_staff).reshape(len(lo), n_staff)


def queue_kpis(log: EventLog, scenario: Scenario, grid_min: float = GRID_MIN) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Queue length per station (and ``"*"``): ``(per_interval, on_grid)`` frames of one replication."""
    per_interval, on_grid = queue_tables(log, scenario, grid_min)
    rep = np.array([log.replication])
    return (table_frame("queue", per_interval.keys, per_interval.stacked(), rep),
            table_frame("queue_grid", on_grid.keys, on_grid.stacked(), rep))


def staff_kpis(log: EventLog, scenario: Scenario) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Utilisation, overtime and cost per staff type and station; staff on duty and utilisation per interval.

    Returns ``(per_type, per_interval)`` frames of one replication (see the module docstring).
    """
    per_type, per_interval = staff_tables(log, scenario)
    rep = np.array([log.replication])
    return (table_frame("staff", per_type.keys, per_type.stacked(), rep),
            table_frame("staff_interval", per_interval.keys, per_interval.stacked(), rep))
