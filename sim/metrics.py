"""Pure metric functions: an event log (and its scenario) in, KPI tables out.

Each ``*_table`` function returns a :class:`sim.tables.Table` whose rows are
the same in every replication (the citizens table has a row for every group
that could exist), so an experiment stores numbers only; the ``*_kpis``
functions give the same as one replication's pandas frame. Queue and staff
tables live in :mod:`sim.occupancy`.

Definitions
-----------
* A citizen belongs to the interval in which their ticket was issued
  (turned-away citizens: the interval of arrival; one turned away before
  opening belongs to the first interval, one after the last ticket to
  ``"after"``). Intervals are aligned to
  the clock (multiples of ``hours.interval_min`` since midnight).
* Citizens ticketed in the warm-up (``experiment.warmup_min`` after opening)
  are left out of every table (turned-away citizens by arrival time, taken
  as opening if earlier). Every citizen who is kept counts in ``arrivals``
  and in exactly one of served, abandoned, unserved and turned away.
* ``wait_min`` is ticket to call at the first step. Censored waits are kept:
  a citizen who abandoned waited until they left, one unserved at the hard
  stop waited until then. Means and percentiles are over all ticketed
  citizens (the Erlang A convention: mean wait over all arrivals).
* Service level of target ``T``: ``within_T / tickets``, the share of
  ticketed citizens called within ``T.wait_min`` (abandoned and unserved
  citizens count in the denominator and never in the numerator).
* The waits of every group also go into a pooled histogram
  (:mod:`sim.histogram`); each day's own percentiles stay in the table.

Group rows use ``"*"`` for "all" (all service types, all classes) and
``interval == "day"`` for the whole day.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from . import histogram
from .eventlog import ABANDONED, SERVED, TURNED_AWAY, UNSERVED, EventLog
from .intervals import interval_edges_min, interval_labels
from .occupancy import queue_kpis, queue_tables, staff_kpis, staff_tables  # noqa: F401 (queue_kpis, staff_kpis re-exported)
from .scenario import Scenario
from .tables import ALL, DAY, TARGET_PREFIXES, Table, table_frame

GROUPINGS = ((), ("interval",), ("service_type",), ("class",), ("interval", "service_type"), ("interval", "class"))
COUNT_COLUMNS = ("arrivals", "tickets", "served", "abandoned", "unserved", "turned_away", "balked")


def _measured(log: EventLog, scenario: Scenario) -> np.ndarray:
    """Citizens outside the warm-up: by ticket time; turned away by arrival time, no earlier than opening."""
    start = scenario.hours.open_min + scenario.experiment.warmup_min
    t = np.where(np.isnan(log.ticket_min), np.maximum(log.arrive_min, scenario.hours.open_min), log.ticket_min)
    return t >= start


def _has_visit(log: EventLog) -> np.ndarray:
    """Per citizen: served at least one step."""
    has = np.zeros(len(log), bool)
    has[log.visit_citizen] = True
    return has


def _citizen_columns(log: EventLog, scenario: Scenario) -> dict[str, np.ndarray]:
    """Measured citizens as columns: integer group codes, outcome flags, waits, per-target flags."""
    keep = _measured(log, scenario)
    edges = interval_edges_min(scenario)
    t = np.where(np.isnan(log.ticket_min), log.arrive_min, log.ticket_min)[keep]
    outcome = log.outcome[keep]
    # Called at the first step = has a visit (services in progress at the hard stop are finished).
    called_first = _has_visit(log)[keep]
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
    cols["called_first"] = called_first
    return cols


#: per-citizen target columns: ``within_<id>`` (bool, the numerator of a share), ``at_<id>`` (bool, the
#: citizens the target judges; default: every ticketed citizen), ``sum_<id>_min`` (float, the numerator of a
#: mean over ``at_<id>``). Groups sum them; :mod:`sim.summary` turns them into ``sl_<id>`` and ``mean_<id>``.


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


@lru_cache(maxsize=64)
def _citizen_layout(n_intervals: int, n_services: int, n_classes: int) -> tuple:
    """Row offsets of each grouping of :data:`GROUPINGS` and the (interval, service, class) codes of every row.

    Every group that could exist has a row in every replication (the layout is
    fixed per experiment); a code of -1 means "all". Within a grouping, rows
    are ordered by interval, then service type, then class.
    """
    sizes = {"interval": n_intervals, "service_type": n_services, "class": n_classes}
    offsets, codes, first = [], {k: [] for k in sizes}, 0
    for keys in GROUPINGS:
        offsets.append(first)
        shape = [sizes[k] for k in keys]
        grid = np.indices(shape).reshape(len(keys), -1) if keys else np.zeros((0, 1), np.int64)
        for k in sizes:
            codes[k].append(grid[keys.index(k)] if k in keys else np.full(grid.shape[1], -1))
        first += grid.shape[1]
    return tuple(offsets), first, {k: np.concatenate(v) for k, v in codes.items()}, sizes


def _sorted_quantiles(v: np.ndarray, starts: np.ndarray, counts: np.ndarray, base: np.ndarray, qs) -> np.ndarray:
    """Per-group quantiles (numpy's linear interpolation) of values sorted within groups; NaN when empty.

    Positions are taken relative to ``base`` (the start of each row's grouping),
    so that the interpolation weights round as they did grouping by grouping.
    """
    out = np.full((len(counts), len(qs)), np.nan)
    has = counts > 0
    for k, q in enumerate(qs):
        pos = (starts[has] - base[has]) + q * (counts[has] - 1)
        lo = np.floor(pos).astype(np.int64)
        hi = np.ceil(pos).astype(np.int64)
        b = base[has]
        out[has, k] = v[lo + b] + (v[hi + b] - v[lo + b]) * (pos - lo)
    return out


def _group_wait_order(gt: np.ndarray, wait_t: np.ndarray, reps: int) -> np.ndarray:
    """``np.lexsort((wait, gt))`` for ``gt`` made of ``reps`` groupings of the same ticketed citizens.

    Each grouping's rows lie above the previous grouping's, so the order is
    grouping by grouping: the citizens in order of wait (a stable sort, once),
    then stably by row. The same order as the lexsort, ties included, for a
    sixth of the sorting.
    """
    n = len(wait_t)
    by_wait = np.argsort(wait_t, kind="stable")
    out = []
    for r in range(reps):
        rows = gt[r * n:(r + 1) * n][by_wait]
        if len(rows):  # rows relative to the grouping's first: small integers sort by radix
            rows = rows - rows.min()
            if rows.max() < np.iinfo(np.int16).max:
                rows = rows.astype(np.int16)
        out.append(r * n + by_wait[np.argsort(rows, kind="stable")])
    return np.concatenate(out) if out else np.zeros(0, np.int64)


def _runs(flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(value, count) of each run of equal values in a sorted array."""
    if not len(flat):
        return flat, np.zeros(0, np.int64)
    starts = np.concatenate([[0], np.flatnonzero(np.diff(flat)) + 1])
    return flat[starts], np.diff(np.concatenate([starts, [len(flat)]]))


def citizen_table(log: EventLog, scenario: Scenario) -> tuple[Table, tuple]:
    """Counts, sums, maxima and per-day percentiles for every row of the fixed citizen layout.

    Returns the table and the day's waits as two sparse histograms per row
    (flat index ``row * N_BINS + bin`` and count of each non-empty bin): of
    every ticketed citizen's wait (censored waits included, as in the means
    and percentiles) and of the waits of those called at the first step
    (the distribution of "called within t"). Every
    ``within_<target>`` column of :func:`_citizen_columns` is summed per group,
    whatever the target kind. A row's group is present in a replication when
    it has at least one measured citizen (``arrivals > 0``).
    """
    cols = _citizen_columns(log, scenario)
    within = [c for c in cols if c.startswith(TARGET_PREFIXES)]
    edges = interval_edges_min(scenario)
    offsets, n_rows, codes, sizes = _citizen_layout(len(edges), len(log.service_codes), len(log.class_codes))
    parts = []
    for off, keys in zip(offsets, GROUPINGS):
        idx = np.zeros(len(cols["ticketed"]), dtype=np.int64)
        for key in keys:
            idx = idx * sizes[key] + cols[key]
        parts.append(idx + off)
    rows = np.concatenate(parts)
    reps = len(GROUPINGS)
    ticketed = cols["ticketed"]
    n_tick = int(ticketed.sum())  # every grouping holds every ticketed citizen once
    gt = np.concatenate([part[ticketed] for part in parts])  # grouping by grouping, n_tick rows each

    def per_ticket(col: np.ndarray) -> np.ndarray:  # a citizen column, repeated for every grouping as in ``gt``
        return np.tile(col[ticketed], reps)

    wait_t = cols["wait_min"][ticketed]
    wait = np.tile(wait_t, reps)
    values = {"arrivals": np.bincount(rows, minlength=n_rows).astype(float),
              "turned_away": np.bincount(rows, weights=np.tile(cols["turned_away"], reps), minlength=n_rows)}
    values["tickets"] = np.bincount(gt, minlength=n_rows).astype(float)
    for col in ("served", "abandoned", "unserved", "balked", *within):
        values[col] = np.bincount(gt, weights=per_ticket(cols[col]), minlength=n_rows)
    values["wait_sum_min"] = np.bincount(gt, weights=wait, minlength=n_rows)
    values["time_in_system_sum_min"] = np.bincount(
        gt, weights=np.nan_to_num(per_ticket(cols["time_in_system_min"])), minlength=n_rows)
    order = _group_wait_order(gt, wait_t, reps)
    g, v = gt[order], wait[order]
    counts = values["tickets"].astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    values["wait_max_min"] = np.where(counts > 0, v[np.maximum(starts + counts - 1, 0)] if len(v) else np.nan, np.nan)
    base = np.searchsorted(np.asarray(offsets), np.arange(n_rows), side="right") - 1
    q = _sorted_quantiles(v, starts, counts, base * n_tick, (0.5, 0.9, 0.95))
    values["wait_p50_min"], values["wait_p90_min"], values["wait_p95_min"] = q[:, 0], q[:, 1], q[:, 2]
    # sorted by (row, wait), so the flat histogram keys are sorted too: count runs
    flat = g * histogram.N_BINS + np.tile(histogram.bin_of(wait_t), reps)[order]
    called = np.tile(cols["called_first"][ticketed], reps)[order]
    hist = (_runs(flat), _runs(flat[called]))
    labels = np.asarray([DAY] + interval_labels(scenario) + ["after"], dtype=object)
    iv = codes["interval"]
    keys = {"interval": labels[iv + 1],
            "interval_start_min": np.where(iv >= 0, edges[np.clip(iv, 0, None)], np.nan),
            "service_type": np.asarray((ALL,) + tuple(log.service_codes), dtype=object)[codes["service_type"] + 1],
            "class": np.asarray((ALL,) + tuple(log.class_codes), dtype=object)[codes["class"] + 1]}
    return Table(keys, values), hist


def citizen_kpis(log: EventLog, scenario: Scenario) -> pd.DataFrame:
    """Counts, waits and service levels per interval, service type and class (and their totals).

    One row per group of :data:`GROUPINGS` that has citizens; sums
    (``wait_sum_min``, ``within_<target>``) are kept so replications can be
    pooled exactly. ``wait_p50_min`` ... are the day's own percentiles.
    """
    table, _ = citizen_table(log, scenario)
    return table_frame("citizens", table.keys, table.stacked(), np.array([log.replication]))


def step_table(log: EventLog, scenario: Scenario) -> Table:
    """Waits per step of each route (queue join to call).

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
    rows = [(code, j, st.station, st.skill or code, k * n_steps + j)
            for k, code in enumerate(log.service_codes) for j, st in enumerate(scenario.services[code].steps)]
    i = np.array([r[4] for r in rows], dtype=np.int64)
    keys = {name: np.asarray([r[n] for r in rows], dtype=object if n != 1 else np.int64)
            for n, name in enumerate(("service_type", "step", "station", "skill"))}
    return Table(keys, {"visits": visits[i].astype(float), "wait_sum_min": wait_sum[i],
                        "wait_max_min": np.where(visits[i] > 0, wait_max[i], np.nan),
                        "unserved": unserved[i].astype(float)})


def step_kpis(log: EventLog, scenario: Scenario) -> pd.DataFrame:
    """:func:`step_table` of one replication as a frame."""
    t = step_table(log, scenario)
    return table_frame("steps", t.keys, t.stacked(), np.array([log.replication]))


def appointment_table(log: EventLog, scenario: Scenario) -> Table:
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
    row = {"booked": log.appointments_booked, "no_shows": log.appointments_no_show,
           "arrived_on_time": int(on_time.sum()), "served": int((on_time & (log.outcome == SERVED)).sum()),
           "called_within": int(called_within.sum()), "wait_sum_min": float(np.nansum(waits))}
    return Table({}, {k: np.array([v], dtype=float) for k, v in row.items()})


def appointment_kpis(log: EventLog, scenario: Scenario) -> pd.DataFrame:
    """:func:`appointment_table` of one replication as a frame."""
    t = appointment_table(log, scenario)
    return table_frame("appointments", t.keys, t.stacked(), np.array([log.replication]))


def replication_tables(log: EventLog, scenario: Scenario) -> tuple[dict[str, Table], tuple[np.ndarray, np.ndarray]]:
    """Every KPI table of one replication, keyed by table name, and its sparse wait histogram."""
    citizens, hist = citizen_table(log, scenario)
    queue_interval, queue_grid = queue_tables(log, scenario)
    staff, staff_interval = staff_tables(log, scenario)
    return ({"citizens": citizens, "queue": queue_interval, "queue_grid": queue_grid, "staff": staff,
             "staff_interval": staff_interval, "steps": step_table(log, scenario),
             "appointments": appointment_table(log, scenario)}, hist)


def replication_kpis(log: EventLog, scenario: Scenario) -> dict[str, pd.DataFrame]:
    """Every KPI table of one replication as frames, keyed by table name."""
    tables, _ = replication_tables(log, scenario)
    rep = np.array([log.replication])
    return {name: table_frame(name, t.keys, t.stacked(), rep) for name, t in tables.items()}
