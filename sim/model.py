"""The SimPy model of a hall: tickets, queues per step, staff at windows.

Semantics
---------
* A citizen with a ticket joins the queue of the first step of their route:
  the queue of (station, skill). After each step they join the next step's
  queue, keeping their priority class. Only the wait for the first step can
  end in abandonment (a citizen whose patience runs out leaves).
* Staff are individuals. A staff member on duty occupies a window of their
  station (waiting for one if all are taken). When free, they call the next
  ticket they are skilled for: lowest ``priority`` class first, then the
  calling rule (``fcfs``: earliest queue join over all their skills;
  ``primary_skill_first``: their skills in the order listed, FCFS within).
* An arriving citizen whom several idle eligible staff could serve goes to
  the one idle longest (``longest_idle``) or to the one with the fewest
  skills (``least_flexible``, which keeps generalists free).
* A staff member busy at the end of an on-duty period finishes the citizen
  in hand first (a break starts late; the overrun is recorded as overtime).
  At the end of the day, staff whose shift ends at or after closing stay
  while a ticket they can serve waits (``serve_until_empty``), up to the hard
  stop; with ``send_home`` they leave at shift end like everyone else.
* At the hard stop no more tickets are called; citizens still waiting are
  unserved (or abandoned, if their patience ran out before it). Services in
  progress are finished.

Speed
-----
The model uses plain SimPy events with callbacks instead of one process per
citizen: a citizen costs one ticket event and one event per step served.
Abandonment needs no timer per citizen: a citizen whose patience ran out is
still in the queue until a staff member would call them, at which point they
are recorded as abandoned at ``ticket + patience`` (the exact time they left).
This is exact because nothing else in the model depends on who is still in
the queue. Staff idle sets are insertion-ordered dicts, so the longest-idle
staff member is the first key.
"""

from __future__ import annotations

from collections import deque
from functools import partial

import numpy as np
import simpy

from .arrivals import Citizens
from .eventlog import EventLog
from .scenario import Scenario
from .staff import StaffDay


class _Citizen:
    __slots__ = ("cid", "rank", "deadline", "route", "pos", "join_min", "seq")

    def __init__(self, cid, rank, deadline, route):
        self.cid, self.rank, self.deadline, self.route, self.pos = cid, rank, deadline, route, 0
        self.join_min = 0.0
        self.seq = 0


class _Staff:
    __slots__ = ("idx", "day", "station", "queues", "speed", "flex", "busy", "on_duty", "leave_pending",
                 "staying", "citizen", "start_min", "window", "on_min", "period_end_min", "on_end", "last_end_min")

    def __init__(self, idx, day: StaffDay, queues, speed):
        self.idx, self.day, self.station = idx, day, day.station
        self.queues, self.speed, self.flex = queues, speed, len(queues)
        self.busy = self.on_duty = self.leave_pending = self.staying = False
        self.citizen = None
        self.start_min = self.on_min = self.period_end_min = 0.0
        self.window = None
        self.last_end_min = day.periods_min[-1][1] if day.periods_min else 0.0


class HallModel:
    """One simulated day. Build it, then call :meth:`run` once.

    Parameters
    ----------
    scenario : Scenario
    citizens : Citizens
        The day's citizens with their sampled work and patience.
    staff : list of StaffDay
        The staff members who come to work today.
    """

    def __init__(self, scenario: Scenario, citizens: Citizens, staff: list[StaffDay]):
        self.scenario, self.citizens, self.staff_days = scenario, citizens, staff
        self.env = simpy.Environment()
        calling = scenario.calling
        self.fcfs = calling.rule == "fcfs"
        self.least_flexible = calling.idle_choice == "least_flexible"
        self.serve_until_empty = calling.end_of_day == "serve_until_empty"
        self.close_min = scenario.hours.close_min
        self.stopped = False
        self.seq = 0

        # Queue keys: one per (station, skill) a step needs.
        self.qkeys: dict[tuple[str, str], int] = {}
        step_q = []
        for code in citizens.service_codes:
            row = []
            for j, step in enumerate(scenario.services[code].steps):
                key = (step.station, step.skill or code)
                row.append(self.qkeys.setdefault(key, len(self.qkeys)))
            step_q.append(row)
        self.step_q = step_q
        ranks = sorted({c.priority for c in scenario.classes.values()})
        self.class_rank = [ranks.index(scenario.classes[c].priority) for c in citizens.class_codes]
        self.n_ranks = len(ranks)
        self.queues = [[deque() for _ in range(self.n_ranks)] for _ in self.qkeys]
        self.idle: list[dict] = [{} for _ in self.qkeys]

        self.staff = []
        for i, day in enumerate(staff):
            pairs = [(self.qkeys[(day.station, k)], f) for k, f in zip(day.skills, day.speed)
                     if (day.station, k) in self.qkeys]
            s = _Staff(i, day, [q for q, _ in pairs], {q: f for q, f in pairs})
            s.on_end = partial(self._on_end, s)
            self.staff.append(s)
        self.free_windows = {name: list(range(st.windows, 0, -1)) for name, st in scenario.stations.items()}
        self.window_waiters = {name: deque() for name in scenario.stations}

        # Records (the event log is built from them after the run).
        self.visits: list[tuple] = []      # (cid, step, join, start, end, staff, window)
        self.abandons: list[tuple] = []    # (cid, t_abandon)
        self.unserved: list[tuple] = []    # (cid, step, join)
        self.duty: list[tuple] = []        # (staff, on, off, scheduled_off)

    # ---- citizens -------------------------------------------------------
    def _schedule_tickets(self) -> None:
        c = self.citizens
        order = np.flatnonzero(~np.isnan(c.ticket_min))
        order = order[np.argsort(c.ticket_min[order], kind="stable")]
        # Plain Python floats: numpy scalars would slow every clock comparison in SimPy.
        self._work_rows = c.work_min.tolist()
        self._service, self._klass, self._patience = c.service.tolist(), c.klass.tolist(), c.patience_min.tolist()
        self._ticket_order = order.tolist()
        self._ticket_times = c.ticket_min[order].tolist()
        self._next_ticket = 0
        if self._ticket_order:
            self.env.timeout(self._ticket_times[0]).callbacks.append(self._on_ticket)

    def _on_ticket(self, _event) -> None:
        i = self._next_ticket
        times, order = self._ticket_times, self._ticket_order
        now = times[i]
        work, service, klass, patience = self._work_rows, self._service, self._klass, self._patience
        n = len(order)
        # All tickets issued at this same instant (e.g. at reopening) in one event.
        while i < n and times[i] == now:
            cid = order[i]
            row, qrow = work[cid], self.step_q[service[cid]]
            route = [(j, qrow[j], row[j]) for j in range(len(qrow)) if row[j] == row[j]]  # NaN: step not needed
            cit = _Citizen(cid, self.class_rank[klass[cid]], now + patience[cid], route)
            self._join(cit, now)
            i += 1
        self._next_ticket = i
        if i < n:
            self.env.timeout(times[i] - now).callbacks.append(self._on_ticket)

    def _join(self, cit: _Citizen, now: float) -> None:
        """A citizen joins the queue of their current step, or is served at once."""
        q = cit.route[cit.pos][1]
        cit.join_min = now
        idle = self.idle[q]
        if idle:
            if self.least_flexible:
                staff = min(idle, key=lambda s: s.flex)  # ties: longest idle (dict order)
            else:
                staff = next(iter(idle))
            self._start(staff, cit, now)
        else:
            self.seq += 1
            cit.seq = self.seq
            self.queues[q][cit.rank].append(cit)

    # ---- staff ----------------------------------------------------------
    def _start(self, staff: _Staff, cit: _Citizen, now: float) -> None:
        idle = self.idle
        for q in staff.queues:
            idle[q].pop(staff, None)
        staff.busy, staff.citizen, staff.start_min = True, cit, now
        step = cit.route[cit.pos]
        self.env.timeout(step[2] * staff.speed[step[1]]).callbacks.append(staff.on_end)

    def _on_end(self, staff: _Staff, _event) -> None:
        now = self.env.now
        cit = staff.citizen
        j, q, _ = cit.route[cit.pos]
        self.visits.append((cit.cid, j, cit.join_min, staff.start_min, now, staff.idx, staff.window))
        staff.busy, staff.citizen = False, None
        cit.pos += 1
        if cit.pos < len(cit.route):
            if self.stopped:
                self.unserved.append((cit.cid, cit.route[cit.pos][0], now))
            else:
                self._join(cit, now)
        if staff.leave_pending:
            self._off(staff, now)
        else:
            self._call_next(staff, now)

    def _next_citizen(self, staff: _Staff, now: float):
        """Pop the ticket this staff member calls next (None if nothing waits)."""
        queues = self.queues
        for rank in range(self.n_ranks):
            best = best_dq = None
            for q in staff.queues:
                dq = queues[q][rank]
                while dq and dq[0].deadline < now:  # patience ran out before this call
                    gone = dq.popleft()
                    self.abandons.append((gone.cid, gone.deadline))
                if dq and (best is None or dq[0].seq < best.seq):
                    best, best_dq = dq[0], dq
                    if not self.fcfs:
                        break
            if best is not None:
                best_dq.popleft()
                return best
        return None

    def _call_next(self, staff: _Staff, now: float) -> None:
        cit = None if self.stopped else self._next_citizen(staff, now)
        if cit is not None:
            self._start(staff, cit, now)
        elif staff.staying or self.stopped:
            self._off(staff, now)
        else:
            for q in staff.queues:
                self.idle[q][staff] = None

    def _on_shift_start(self, staff: _Staff, period_end: float, _event) -> None:
        if self.stopped:
            return
        staff.period_end_min = period_end
        if staff.on_duty:  # still finishing a citizen from before the break
            staff.leave_pending = False
            return
        windows = self.free_windows[staff.station]
        if not windows:
            self.window_waiters[staff.station].append(staff)
            return
        self._on(staff, windows.pop(), self.env.now)

    def _on(self, staff: _Staff, window: int, now: float) -> None:
        staff.on_duty, staff.window, staff.on_min, staff.leave_pending = True, window, now, False
        if now >= staff.period_end_min:  # waited for a window the whole period
            self._off(staff, now)
            return
        self._call_next(staff, now)

    def _on_shift_end(self, staff: _Staff, _event) -> None:
        now = self.env.now
        waiters = self.window_waiters[staff.station]
        if staff in waiters:
            waiters.remove(staff)
        if not staff.on_duty:
            return
        if self.serve_until_empty and now >= staff.last_end_min and staff.last_end_min >= self.close_min:
            staff.staying = True
            if not staff.busy:
                for q in staff.queues:
                    self.idle[q].pop(staff, None)
                self._call_next(staff, now)
        elif staff.busy:
            staff.leave_pending = True
        else:
            self._off(staff, now)

    def _off(self, staff: _Staff, now: float) -> None:
        for q in staff.queues:
            self.idle[q].pop(staff, None)
        self.duty.append((staff.idx, staff.on_min, now, staff.period_end_min))
        staff.on_duty = staff.leave_pending = False
        window, staff.window = staff.window, None
        waiters = self.window_waiters[staff.station]
        if waiters:
            self._on(waiters.popleft(), window, now)
        else:
            self.free_windows[staff.station].append(window)

    def _on_hard_stop(self, _event) -> None:
        now = self.env.now
        self.stopped = True
        for staff in self.staff:
            if staff.on_duty and not staff.busy:
                self._off(staff, now)
        for per_rank in self.queues:
            for dq in per_rank:
                for cit in dq:
                    if cit.deadline < now:
                        self.abandons.append((cit.cid, cit.deadline))
                    else:
                        self.unserved.append((cit.cid, cit.route[cit.pos][0], cit.join_min))
                dq.clear()

    # ---- run ------------------------------------------------------------
    def run(self) -> EventLog:
        """Simulate the day and return its event log."""
        env = self.env
        for staff in self.staff:
            for start, end in staff.day.periods_min:
                env.timeout(start).callbacks.append(partial(self._on_shift_start, staff, end))
                env.timeout(end).callbacks.append(partial(self._on_shift_end, staff))
        self._schedule_tickets()
        env.timeout(self.scenario.hours.hard_stop_min).callbacks.append(self._on_hard_stop)
        env.run()
        return EventLog.from_records(self)
