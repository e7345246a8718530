"""Staff on and off duty in the hall model: shift periods, windows, short absences from post.

A mixin of :class:`sim.model.HallModel` (it uses the model's queues, idle
sets and window pools). Semantics (see :mod:`sim.model`): a staff member
takes a free window of their pool when a period starts, or waits for one; a
busy staff member finishes the citizen in hand before going off or away (the
overrun is overtime); at the end of the day staff whose shift ends at or
after closing stay while a ticket they can serve waits
(``serve_until_empty``); a window freed goes to the first staff member
waiting for it.
"""

from __future__ import annotations

from functools import partial

from .model_parts import StaffState


class DutyEvents:
    """Shift starts and ends, windows taken and freed, short absences (methods of :class:`sim.model.HallModel`)."""

    def _on_shift_start(self, staff: StaffState, period_end: float, _event) -> None:
        if self.stopped:
            return
        staff.period_end_min = period_end
        if staff.on_duty:  # still finishing a citizen from before the break
            staff.leave_pending = False
            return
        windows = self.free_windows[staff.pool]
        if not windows:
            self.window_waiters[staff.pool].append(staff)
            return
        self._on(staff, windows.pop(), self.env.now)

    def _on(self, staff: StaffState, window: int, now: float) -> None:
        staff.on_duty, staff.window, staff.on_min, staff.leave_pending = True, window, now, False
        if now >= staff.period_end_min:  # waited for a window the whole period
            self._off(staff, now)
            return
        self._call_next(staff, now)

    def _on_shift_end(self, staff: StaffState, _event) -> None:
        now = self.env.now
        waiters = self.window_waiters[staff.pool]
        if staff in waiters:
            waiters.remove(staff)
        if not staff.on_duty:
            return
        if self.serve_until_empty and now >= staff.last_end_min and staff.last_end_min >= self.close_min:
            staff.staying = True
            if not staff.busy and not staff.away:
                self._idle_pop(staff)
                self._call_next(staff, now)
        elif staff.busy:
            staff.leave_pending = True
        else:  # idle, or away from post: off at the end of the period
            self._off(staff, now)

    def _off(self, staff: StaffState, now: float) -> None:
        self._idle_pop(staff)
        if staff.away_since is not None:  # away from post when going off: the absence ends here
            self.away_spells.append((staff.idx, staff.away_since, now))
            staff.away_since = None
        self.duty.append((staff.idx, staff.on_min, now, staff.period_end_min))
        staff.on_duty = staff.leave_pending = False
        staff.away_pending = 0.0
        window, staff.window = staff.window, None
        waiters = self.window_waiters[staff.pool]
        if waiters:
            self._on(waiters.popleft(), window, now)
        else:
            self.free_windows[staff.pool].append(window)

    # ---- short absences from post ----------------------------------------
    def _on_absence_due(self, staff: StaffState, duration: float, _event) -> None:
        if not staff.on_duty or self.stopped:
            return
        staff.away_pending += duration
        if not staff.busy and not staff.away:
            self._go_away(staff, self.env.now)

    def _go_away(self, staff: StaffState, now: float) -> None:
        self._idle_pop(staff)
        staff.away, duration, staff.away_pending = True, staff.away_pending, 0.0
        staff.away_since = now
        self.env.timeout(duration).callbacks.append(partial(self._on_back, staff))

    def _on_back(self, staff: StaffState, _event) -> None:
        now = self.env.now
        staff.away = False
        if staff.away_since is None:  # went off duty while away
            return
        self.away_spells.append((staff.idx, staff.away_since, now))
        staff.away_since = None
        self._free(staff, now)
