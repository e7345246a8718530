"""The SimPy model of a hall: tickets, queues per step, staff at windows.

Semantics
---------
* A citizen with a ticket joins the queue of the first step of their route:
  the queue of (station, skill). After each step they join the next step's
  queue, keeping their priority class. Only the wait for the first step can
  end in abandonment (a citizen whose patience runs out leaves) or balking
  (leaving at once on seeing many waiting ahead in that queue).
* Staff are individuals. A staff member on duty occupies a window of their
  station, or of their window group (waiting for one if all are taken).
  When free, they call the next ticket they are skilled for: lowest
  ``priority`` class first, then the calling rule (``fcfs``: earliest queue
  join over all their skills; ``primary_skill_first``: their skills in the
  order listed, FCFS within). Staff at a restricted window group call its
  classes and skills first and, when none wait, help with the rest or stay
  idle (``when_idle``).
* An arriving citizen whom several idle eligible staff could serve goes to
  a staff member whose window group is kept for them if one is idle, else to
  the one idle longest (``longest_idle``) or with the fewest skills
  (``least_flexible``, which keeps generalists free).
* A staff member busy at the end of an on-duty period, or when a short
  absence from post is due, finishes the citizen in hand first (a break
  starts late; the overrun is recorded as overtime). At the end of the day,
  staff whose shift ends at or after closing stay while a ticket they can
  serve waits (``serve_until_empty``), up to the hard stop.
* Calling a ticket whose citizen has already left costs ``no_show_delay_min``
  (过号) before the next call.
* At the hard stop no more tickets are called; citizens still waiting are
  unserved (or abandoned, if their patience ran out before it). Services in
  progress are finished.

Speed
-----
Plain SimPy events with callbacks instead of one process per citizen: a
citizen costs one event per step served. Tickets are not events at all:
their times are sorted before the day starts and merged into SimPy's event
loop (:meth:`HallModel._run_events`), in the order a ticket event per
instant would have had. Abandonment needs no timer per citizen: a citizen
whose patience ran out stays in the queue until a staff member calls their
ticket, and is then recorded as abandoned at ``ticket + patience`` (the
exact time they left). This is exact because what happens to others does
not depend on a departed citizen until their ticket is called, and that is
exactly when a real hall finds out too (the 过号 delay is paid then).
Balking counts only citizens still there. Idle staff sets are
insertion-ordered dicts: the longest-idle staff member is the first key.
The end of a service is put on SimPy's event queue directly (what
``env.timeout(delay)`` schedules, at the same place in the order, without
building a ``Timeout``). Each staff member's calling order (priority
levels, then their queues' deques) is built once (:meth:`HallModel._calls`).
"""

from __future__ import annotations

from collections import deque
from functools import partial
from heapq import heappush

import numpy as np
import simpy

from .arrivals import Citizens
from .calling import CallingOrder
from .duty import DutyEvents
from .eventlog import EventLog
from .model_parts import NEVER, NORMAL, CitizenState, StaffState, Wake
from .scenario import Scenario
from .staff import StaffDay

class HallModel(CallingOrder, DutyEvents):
    """One simulated day. Build it, then call :meth:`run` once.

    The citizens' side and the event loop are here; staff going on and off
    duty are in :mod:`sim.duty`, the choice of the next ticket in :mod:`sim.calling`.

    Parameters
    ----------
    scenario : Scenario
    citizens : Citizens
        The day's citizens with their sampled work and patience.
    staff : list of StaffDay
        The rostered staff with their attendance (absent ones do not come).
    """

    def __init__(self, scenario: Scenario, citizens: Citizens, staff: list[StaffDay]):
        self.scenario, self.citizens, self.staff_days = scenario, citizens, staff
        self.env = simpy.Environment()
        calling = scenario.calling
        self.fcfs = calling.rule == "fcfs"
        self.least_flexible = calling.idle_choice == "least_flexible"
        self.serve_until_empty = calling.end_of_day == "serve_until_empty"
        self.no_show_delay = calling.no_show_delay_min
        self.close_min = scenario.hours.close_min
        self.hard_stop_min = scenario.hours.hard_stop_min
        self.stopped = False
        self.seq = 0
        balk = scenario.arrivals.balking
        # Balking curve, linear between its points; below the first point it falls to 0 at an empty queue.
        points = [(p.queue, p.probability) for p in balk] if balk else []
        if points and points[0][0] > 0:
            points.insert(0, (0, 0.0))
        self.balk_curve = (np.array([q for q, _ in points], float), np.array([p for _, p in points])) \
            if points else None

        # Queue keys: one per (station, skill) a step needs.
        self.qkeys: dict[tuple[str, str], int] = {}
        self.step_q = [[self.qkeys.setdefault((step.station, step.skill or code), len(self.qkeys))
                        for step in scenario.services[code].steps] for code in citizens.service_codes]
        # One queue per (station, skill) and class; classes of equal priority form a level called together.
        codes = citizens.class_codes
        self.class_index = {code: k for k, code in enumerate(codes)}
        priorities = sorted({scenario.classes[c].priority for c in codes})
        self.levels = [tuple(k for k, c in enumerate(codes) if scenario.classes[c].priority == p) for p in priorities]
        self.queues = [[deque() for _ in codes] for _ in self.qkeys]
        self.idle: list[dict] = [{} for _ in self.qkeys]
        # With restricted window groups, the idle staff of each queue also by kind (see _pick_restricted).
        self.idle_kinds: list[dict] = [{} for _ in self.qkeys]
        self.idle_clock = 0
        # Citizens in the hall who still need each queue (waiting, or at an earlier step of their route):
        # staff staying after closing go home only when nobody still needs them.
        self.track_pending = self.serve_until_empty
        self.pending = [[0] * len(citizens.class_codes) for _ in self.qkeys]  # per queue and class

        self._end_callbacks = [self._on_end]  # shared by every end of service (nobody appends to it)
        self.staff = [self._make_staff(i, day) for i, day in enumerate(staff)]
        self.restricted = any(s.own_queues is not None for s in self.staff)
        if self.restricted:
            self._make_pickers()
        # Window pools per (station, window group); ordinary windows are numbered first.
        self.free_windows: dict[tuple, list[int]] = {}
        for name, st in scenario.stations.items():
            n_ordinary = st.windows - sum(g.windows for g in st.window_groups.values())
            self.free_windows[(name, None)] = list(range(n_ordinary, 0, -1))
            first = n_ordinary
            for gname, g in st.window_groups.items():
                self.free_windows[(name, gname)] = list(range(first + g.windows, first, -1))
                first += g.windows
        self.window_waiters = {pool: deque() for pool in self.free_windows}

        # Records (the event log is built from them after the run).
        self.visits: list[tuple] = []      # (cid, step, join, start, end, staff, window)
        self.abandons: list[tuple] = []    # (cid, t_abandon, step waited at)
        self.balked: list[int] = []        # cid of citizens who left at once
        self.unserved: list[tuple] = []    # (cid, step, join)
        self.duty: list[tuple] = []        # (staff, on, off, scheduled_off)
        self.away_spells: list[tuple] = [] # (staff, start, end)

    def _make_staff(self, i: int, day: StaffDay) -> StaffState:
        pairs = [(self.qkeys[(day.station, k)], f) for k, f in zip(day.skills, day.speed)
                 if (day.station, k) in self.qkeys]
        s = StaffState(i, day, [q for q, _ in pairs], {q: f for q, f in pairs})
        s.end_event = Wake(self._on_end, s)
        if day.window_group is not None:
            group = self.scenario.stations[day.station].window_groups[day.window_group]
            s.own_queues = {q for q in s.queues if group.skills is None
                            or next(k for (st, k), qq in self.qkeys.items() if qq == q) in group.skills}
            s.own_classes = set(self.class_index.values()) if group.classes is None else \
                {self.class_index[c] for c in group.classes}
            s.help_others = group.when_idle == "help_others"
        s.calls = self._calls(s.queues)
        if s.own_queues is not None:
            s.own_calls = self._calls([q for q in s.queues if q in s.own_queues], s.own_classes)
        s.kind = (None if s.own_queues is None else frozenset(s.own_queues),
                  None if s.own_classes is None else frozenset(s.own_classes), s.help_others, s.flex)
        return s

    def _make_pickers(self) -> None:
        """For restricted window groups: per queue and class, the idle sets of the staff kinds who may take them.

        ``pickers[q][klass]`` lists ``(idle members of a kind, not kept for them, flex or 0)`` for every kind
        of staff that may serve class ``klass`` in queue ``q`` (a kind shares what decides that: see
        :meth:`_pick_restricted`), so an arrival looks at one entry per kind and never at a staff member.
        """
        for staff in self.staff:
            for q in staff.queues:
                self.idle_kinds[q].setdefault(staff.kind, {})
        self.pickers = []
        for q, kinds in enumerate(self.idle_kinds):
            first = {}
            for staff in self.staff:
                if q in staff.queues:
                    first.setdefault(staff.kind, staff)
            self.pickers.append([[(kinds[kind], not s.kept_for(q, k), s.flex if self.least_flexible else 0)
                                  for kind, s in first.items() if s.takes(q, k)]
                                 for k in range(len(self.class_index))])

    def _idle_push(self, staff: StaffState) -> None:
        """Staff member becomes idle for each of their queues (keeping their place if already idle)."""
        if staff.is_idle:
            return
        staff.is_idle = True
        for q in staff.queues:
            self.idle[q][staff] = None
            if self.restricted:
                self.idle_clock += 1
                staff.stamp[q] = self.idle_clock
                self.idle_kinds[q][staff.kind][staff] = None

    def _idle_pop(self, staff: StaffState) -> None:
        """Staff member is no longer idle (busy, away or off duty)."""
        if not staff.is_idle:
            return
        staff.is_idle = False
        for q in staff.queues:
            del self.idle[q][staff]
            if self.restricted:
                del self.idle_kinds[q][staff.kind][staff]

    # ---- citizens -------------------------------------------------------
    def _prepare_tickets(self) -> None:
        c = self.citizens
        order = np.flatnonzero(~np.isnan(c.ticket_min))
        order = order[np.argsort(c.ticket_min[order], kind="stable")]
        # Plain Python floats: numpy scalars would slow every clock comparison in SimPy.
        self._work_rows = c.work_min.tolist()
        self._service, self._klass, self._patience = c.service.tolist(), c.klass.tolist(), c.patience_min.tolist()
        self._balk_u = c.balk_u.tolist() if (self.balk_curve is not None and c.balk_u is not None) else None
        self._ticket_order = order.tolist()
        self._ticket_times = c.ticket_min[order].tolist()

    def _balks(self, cit: CitizenState, now: float) -> bool:
        """Leave at once with the curve's probability of the number still waiting in the queue."""
        q = cit.route[0][1]
        if self.restricted:
            if any(members for members, _, _ in self.pickers[q][cit.klass]):
                return False
        elif self.idle[q]:
            return False
        ahead = sum(1 for dq in self.queues[q] for other in dq if other.deadline >= now)
        if self._balk_u[cit.cid] < np.interp(ahead, *self.balk_curve):
            self.balked.append(cit.cid)
            return True
        return False

    def _join(self, cit: CitizenState, now: float) -> None:
        """A citizen joins the queue of their current step, or is served at once."""
        q = cit.route[cit.pos][1]
        cit.join_min = now
        idle = self.idle[q]
        staff = None
        if idle:
            if self.restricted:
                staff = self._pick_restricted(q, cit.klass)
            elif self.least_flexible:
                staff = min(idle, key=lambda s: s.flex)  # ties: longest idle (dict order)
            else:
                staff = next(iter(idle))
        if staff is not None:
            self._start(staff, cit, now)
        else:
            self.seq += 1
            cit.seq = self.seq
            self.queues[q][cit.klass].append(cit)

    def _pick_restricted(self, q: int, klass: int):
        """Idle staff member for a citizen when some windows are kept for some citizens.

        The choice is the smallest (not kept for them, flex if least_flexible,
        place in the idle order) among idle staff who may take them. Staff of
        one kind share the first two and whether they may take them, so only
        the first idle member of each kind is looked at (:meth:`_make_pickers`):
        the cost per arrival grows with the number of kinds (window groups x
        skill sets), not with the number of staff.
        """
        best, best_key = None, None
        for members, not_kept, flex in self.pickers[q][klass]:
            if members:
                s = next(iter(members))
                key = (not_kept, flex, s.stamp[q])
                if best_key is None or key < best_key:
                    best, best_key = s, key
        return best

    # ---- staff ----------------------------------------------------------
    def _start(self, staff: StaffState, cit: CitizenState, now: float) -> None:
        if staff.is_idle:
            self._idle_pop(staff)
        staff.busy, staff.citizen, staff.start_min = True, cit, now
        cit.deadline = NEVER  # only the wait for the first step can end in abandonment
        step = cit.route[cit.pos]
        if self.track_pending:
            self._release_pending(step[1], cit.klass)
        env, wake = self.env, staff.end_event  # env.timeout(duration) with _on_end, lighter: once per step served
        wake.callbacks = self._end_callbacks
        heappush(env._queue, (now + step[2] * staff.speed[step[1]], NORMAL, next(env._eid), wake))

    def _on_end(self, event: Wake) -> None:
        staff = event.staff
        now = self.env._now
        cit = staff.citizen
        j, q, _ = cit.route[cit.pos]
        self.visits.append((cit.cid, j, cit.join_min, staff.start_min, now, staff.idx, staff.window))
        staff.busy, staff.citizen = False, None
        cit.pos += 1
        if cit.pos < len(cit.route):
            if self.stopped:  # finished after the hard stop: unserved at the next step, without waiting for it
                self.unserved.append((cit.cid, cit.route[cit.pos][0], self.hard_stop_min))
            else:
                self._join(cit, now)
        if staff.leave_pending or staff.away_pending:
            self._free(staff, now)
        else:
            self._call_next(staff, now)

    def _free(self, staff: StaffState, now: float) -> None:
        """A staff member's hands are free: leave, step away, or call the next ticket."""
        if staff.leave_pending:
            self._off(staff, now)
        elif staff.away_pending:
            self._go_away(staff, now)
        else:
            self._call_next(staff, now)

    def _needed(self, staff: StaffState) -> bool:
        """Does a citizen still in the hall need a step this staff member may do?"""
        pending = self.pending
        if staff.own_queues is None or staff.help_others:
            return any(any(pending[q]) for q in staff.queues)
        return any(pending[q][k] for q in staff.own_queues for k in staff.own_classes)

    def _release_pending(self, q: int, klass: int) -> None:
        """One citizen less needs queue ``q``; staff staying only for it may go home."""
        self.pending[q][klass] -= 1
        if not self.pending[q][klass] and self.idle[q]:
            now = self.env.now
            for staff in [s for s in self.idle[q] if s.staying and not self._needed(s)]:
                self._off(staff, now)

    def _after_no_show(self, staff: StaffState, _event) -> None:
        staff.busy = False
        self._free(staff, self.env.now)

    def _on_hard_stop(self, _event) -> None:
        now = self.env.now
        self.stopped = True
        for staff in self.staff:
            if staff.on_duty and not staff.busy and not staff.away:
                self._off(staff, now)
        for per_class in self.queues:
            for dq in per_class:
                for cit in dq:
                    if cit.deadline < now:
                        self.abandons.append((cit.cid, cit.deadline, cit.route[0][0]))
                    else:
                        self.unserved.append((cit.cid, cit.route[cit.pos][0], cit.join_min))
                dq.clear()

    # ---- run ------------------------------------------------------------
    def _run_events(self) -> None:
        """SimPy's event loop, with the tickets merged in from their sorted times.

        Tickets are not put on the event queue: before each ticket time,
        every event due at or before it is processed (``env.step``), then the
        clock is set to it and its tickets are issued. With one ticket event
        per instant (scheduled when the previous tickets were issued), events
        due at exactly a ticket's time would also run first, unless scheduled
        after the previous tickets: that needs a random duration to end
        exactly on a ticket time, which has probability zero. The staff's
        shift events (scheduled at time 0) run before tickets of their own
        instant in both. ``tests/test_golden.py`` pins the equality with the
        ticket-event loop on every shipped scenario. One event fewer per citizen.
        """
        env = self.env
        queue, step = env._queue, env.step
        times, order = self._ticket_times, self._ticket_order
        work, service, klass, patience = self._work_rows, self._service, self._klass, self._patience
        step_q, balk_u, track, pending, join = self.step_q, self._balk_u, self.track_pending, self.pending, self._join
        i, n = 0, len(times)
        while i < n:
            now = times[i]
            while queue and queue[0][0] <= now:
                step()
            env._now = now
            while i < n and times[i] == now:  # every ticket of this instant (e.g. at reopening) together
                cid = order[i]
                route = [(j, q, w) for j, (q, w) in enumerate(zip(step_q[service[cid]], work[cid]))
                         if w == w]  # NaN: step not needed
                cit = CitizenState(cid, klass[cid], now + patience[cid], route)
                if balk_u is None or not self._balks(cit, now):
                    if track:
                        for _j, q, _w in route:
                            pending[q][cit.klass] += 1
                    join(cit, now)
                i += 1
        env.run()

    def run(self) -> EventLog:
        """Simulate the day and return its event log."""
        env = self.env
        for staff in self.staff:
            day = staff.day
            if day.absent:
                continue
            for k, (start, end) in enumerate(day.periods_min):
                if k == 0 and day.late_min:
                    start = min(start + day.late_min, end)
                env.timeout(start).callbacks.append(partial(self._on_shift_start, staff, end))
                env.timeout(end).callbacks.append(partial(self._on_shift_end, staff))
            for t, duration in day.short_absences:
                env.timeout(t).callbacks.append(partial(self._on_absence_due, staff, duration))
        self._prepare_tickets()
        env.timeout(self.scenario.hours.hard_stop_min).callbacks.append(self._on_hard_stop)
        self._run_events()
        log = EventLog.from_records(self)
        # Single use: drop the day's state now. Staff hold callbacks bound to the model (a reference
        # cycle), so without this the day's citizens, queues and visit records would wait for the
        # cyclic collector, which would walk all of them; emptied, reference counting frees them here.
        for staff in self.staff:
            staff.end_event = staff.citizen = staff.day = None
        self.__dict__.clear()
        return log
