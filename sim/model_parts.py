"""The records the hall model keeps while a day runs: a citizen, a staff member, a scheduled callback.

See :mod:`sim.model` for the semantics; these are plain slotted objects so
that the event loop's attribute access stays cheap.
"""

from __future__ import annotations

import simpy

from .staff import StaffDay

LEFT = object()  # a called ticket whose citizen has left (过号)
NORMAL = simpy.events.NORMAL  # the priority of an ordinary SimPy event
NEVER = float("inf")


class Wake:
    """A scheduled callback: all that ``simpy.Environment.step`` reads of an event that succeeds.

    ``staff`` is the staff member whose service ends (one per staff member,
    rescheduled for each service: ``step`` reads ``callbacks`` before calling them).
    """

    __slots__ = ("callbacks", "staff")
    _ok = True

    def __init__(self, callback, staff=None):
        self.callbacks = [callback]
        self.staff = staff


class CitizenState:
    """A citizen in the hall: class, patience deadline, route ``[(step, queue, work_min), ...]`` and position."""

    __slots__ = ("cid", "klass", "deadline", "route", "pos", "join_min", "seq")

    def __init__(self, cid, klass, deadline, route):
        self.cid, self.klass, self.deadline, self.route, self.pos = cid, klass, deadline, route, 0
        self.join_min = 0.0
        self.seq = 0


class StaffState:
    __slots__ = ("idx", "day", "station", "queues", "speed", "flex", "busy", "on_duty", "leave_pending",
                 "staying", "citizen", "start_min", "window", "on_min", "period_end_min", "end_event", "last_end_min",
                 "pool", "own_queues", "own_classes", "help_others", "away", "away_pending", "away_since",
                 "kind", "stamp", "is_idle", "calls", "own_calls")

    def __init__(self, idx, day: StaffDay, queues, speed):
        self.idx, self.day, self.station = idx, day, day.station
        self.queues, self.speed, self.flex = queues, speed, len(queues)
        self.busy = self.on_duty = self.leave_pending = self.staying = self.away = self.is_idle = False
        self.calls = self.own_calls = None  # what they call from, and from their window group (HallModel._calls)
        self.away_pending = 0.0
        self.citizen = None
        self.start_min = self.on_min = self.period_end_min = 0.0
        self.window = None
        self.last_end_min = day.periods_min[-1][1] if day.periods_min else 0.0
        self.pool = (day.station, day.window_group)
        self.own_queues = self.own_classes = None  # set for restricted window groups
        self.help_others = True
        self.away_since = None  # start of the short absence in progress, if not yet recorded
        self.kind = None  # what decides whom they may take: (own queues, own classes, help_others, flex)
        self.stamp = {}   # per queue: when they became idle for it (their place in the idle order)

    def takes(self, q: int, klass: int) -> bool:
        """May this staff member serve a citizen of class ``klass`` waiting in queue ``q``?"""
        return self.own_queues is None or self.help_others or (q in self.own_queues and klass in self.own_classes)

    def kept_for(self, q: int, klass: int) -> bool:
        """Is this staff member's window group kept for such a citizen?"""
        return self.own_queues is not None and q in self.own_queues and klass in self.own_classes
