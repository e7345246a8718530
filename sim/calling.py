"""Which ticket a free staff member calls next: priority levels, then the calling rule.

A mixin of :class:`sim.model.HallModel` (it uses the model's queues, clock
and records). Semantics (see :mod:`sim.model`): lowest ``priority`` class
first; within a level, ``fcfs`` calls the earliest queue join over all the
staff member's skills, ``primary_skill_first`` their skills in the order
listed (FCFS within). Staff at a restricted window group call its classes
and skills first and, when none wait, help with the rest or stay idle
(``when_idle``). A called ticket whose citizen has left is recorded as
abandoned at the time they left and costs ``no_show_delay_min`` (过号).
"""

from __future__ import annotations

from collections import deque
from functools import partial

from .model_parts import LEFT, StaffState


class CallingOrder:
    """Calling the next ticket (methods of :class:`sim.model.HallModel`)."""

    def _calls(self, queues_of_staff, classes=None) -> list[list[list[deque]]]:
        """What a staff member calls from, per priority level: groups of deques, in calling order.

        With ``fcfs`` one group per level holds the deques of every queue (the
        earliest join over all of them is called); otherwise one group per queue
        in skill order (the first queue with anyone waiting is called).
        """
        out = []
        for level in self.levels:
            if classes is not None:
                level = [k for k in level if k in classes]
            groups = [[self.queues[q][k] for k in level] for q in queues_of_staff]
            out.append([[dq for g in groups for dq in g]] if self.fcfs else groups)
        return out

    def _next_citizen(self, now: float, calls) -> object:
        """Pop the ticket a staff member calls next from ``calls`` (:meth:`_calls`): a citizen, ``LEFT``, or None.

        Priority levels in order; within a level, the earliest queue join over
        the level's deques (``fcfs``) or the first queue in skill order.
        """
        delay = self.no_show_delay
        for groups in calls:
            while True:
                best = best_dq = None
                for group in groups:
                    for dq in group:
                        if dq:
                            head = dq[0]
                            if best is None or head.seq < best.seq:
                                best, best_dq = head, dq
                    if best is not None:
                        break
                if best is None:
                    break
                best_dq.popleft()
                if best.deadline >= now:
                    return best
                self.abandons.append((best.cid, best.deadline, best.route[0][0]))  # left before this call
                if self.track_pending:
                    for step in best.route:
                        self._release_pending(step[1], best.klass)
                if delay:
                    return LEFT
        return None

    def _call_next(self, staff: StaffState, now: float) -> None:
        cit = None
        if not self.stopped:
            if staff.own_calls is not None:
                cit = self._next_citizen(now, staff.own_calls)
            if cit is None and (staff.own_queues is None or staff.help_others):
                cit = self._next_citizen(now, staff.calls)
        if cit is LEFT:
            staff.busy = True
            self.env.timeout(self.no_show_delay).callbacks.append(partial(self._after_no_show, staff))
        elif cit is not None:
            self._start(staff, cit, now)
        elif self.stopped or (staff.staying and not self._needed(staff)):
            self._off(staff, now)
        else:
            self._idle_push(staff)
