"""The event log of one replication: the single source of truth for metrics.

Stored by column (numpy arrays) so that building it costs little; the long
Ciw-style table with one row per event is produced on demand by
:meth:`EventLog.to_frame`.

Tables
------
citizens (one row per citizen, ordered by arrival)
    arrive_min, ticket_min (NaN: turned away), service, klass, patience_min,
    outcome (SERVED, ABANDONED, UNSERVED, TURNED_AWAY), wait_min (ticket to
    call at the first step; for a citizen who abandoned, the time until they
    left; for one unserved at the first step, the time until the hard stop:
    censored waits are kept, never dropped), leave_min (end of the last step,
    time of abandonment, or the hard stop).
visits (one row per step served)
    citizen, step, join_min (joined the step's queue), start_min, end_min,
    staff, window.
duty (one row per on-duty period of a staff member)
    staff, on_min, off_min, scheduled_off_min (off after scheduled = overtime).
unserved (one row per citizen still waiting at the hard stop)
    citizen, step, join_min.
Also: which citizens balked (counted as abandoned with wait 0), appointment
slots, booked and no-show counts, absent staff, scheduled minutes per staff
member and short absences from post (away spells).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain

import numpy as np
import pandas as pd

SERVED, ABANDONED, UNSERVED, TURNED_AWAY = 0, 1, 2, 3
OUTCOMES = ("served", "abandoned", "unserved", "turned_away")


@dataclass
class EventLog:
    """Event log of one simulated day (see the module docstring for columns)."""

    replication: int
    service_codes: tuple[str, ...]
    class_codes: tuple[str, ...]
    # citizens
    arrive_min: np.ndarray
    ticket_min: np.ndarray
    service: np.ndarray
    klass: np.ndarray
    patience_min: np.ndarray
    outcome: np.ndarray
    wait_min: np.ndarray
    leave_min: np.ndarray
    # visits
    visit_citizen: np.ndarray
    visit_step: np.ndarray
    visit_join_min: np.ndarray
    visit_start_min: np.ndarray
    visit_end_min: np.ndarray
    visit_staff: np.ndarray
    visit_window: np.ndarray
    # staff and duty
    staff_ids: tuple[str, ...]
    staff_types: tuple[str, ...]
    staff_stations: tuple[str, ...]
    staff_shifts: tuple[str, ...]
    duty_staff: np.ndarray
    duty_on_min: np.ndarray
    duty_off_min: np.ndarray
    duty_scheduled_off_min: np.ndarray
    step_stations: dict  # (service index, step) -> station
    hard_stop_min: float
    # citizens still waiting at the hard stop: step and time they joined its queue
    unserved_citizen: np.ndarray
    unserved_step: np.ndarray
    unserved_join_min: np.ndarray
    # balking, appointments, attendance
    balked: np.ndarray             # per citizen: left at once on seeing the queue (counted as abandoned)
    abandon_step: np.ndarray       # per citizen: the step whose queue they left (-1: did not abandon)
    slot_min: np.ndarray           # per citizen: appointment slot start (NaN: walk-in)
    appointments_booked: int
    appointments_no_show: int
    staff_absent: np.ndarray       # per staff member: absent all day
    staff_scheduled_min: np.ndarray
    staff_periods: tuple           # per staff member: the scheduled on-duty periods ((start, end), ...)
    away_staff: np.ndarray         # short absences from post: who, from, to
    away_start_min: np.ndarray
    away_end_min: np.ndarray

    @classmethod
    def from_records(cls, model, replication: int = 0) -> "EventLog":
        c = model.citizens
        n = len(c)
        hard_stop = model.scenario.hours.hard_stop_min
        outcome = np.full(n, SERVED, dtype=np.int8)
        outcome[np.isnan(c.ticket_min)] = TURNED_AWAY
        wait = np.full(n, np.nan)
        leave = np.where(np.isnan(c.ticket_min), c.arrive_min, np.nan)

        v = np.fromiter(chain.from_iterable(model.visits), float, 7 * len(model.visits)).reshape(-1, 7)
        vc = v[:, 0].astype(np.int64)
        vstep = v[:, 1].astype(np.int16)
        first = np.full(n, -1, dtype=np.int64)
        order = np.argsort(vc * 64 + vstep, kind="stable")
        v, vc, vstep = v[order], vc[order], vstep[order]
        # first visit of each citizen gives the wait; last visit gives the leave time
        if len(vc):
            is_first = np.r_[True, vc[1:] != vc[:-1]]
            is_last = np.r_[vc[1:] != vc[:-1], True]
            wait[vc[is_first]] = v[is_first, 3] - c.ticket_min[vc[is_first]]
            leave[vc[is_last]] = v[is_last, 4]
            first[vc[is_first]] = 1
        abandon_step = np.full(n, -1, dtype=np.int16)
        for cid, t, step in model.abandons:
            abandon_step[cid] = step
            outcome[cid] = ABANDONED
            wait[cid] = t - c.ticket_min[cid]
            leave[cid] = t
        balked = np.zeros(n, dtype=bool)
        balked[model.balked] = True
        for cid in model.balked:
            abandon_step[cid] = int(np.flatnonzero(~np.isnan(c.work_min[cid]))[0])
        outcome[balked] = ABANDONED
        wait[balked] = 0.0
        leave[balked] = c.ticket_min[balked]
        for cid, _step, _join in model.unserved:
            outcome[cid] = UNSERVED
            if first[cid] < 0:
                wait[cid] = hard_stop - c.ticket_min[cid]
            # a step in progress at the hard stop is finished: they leave at its end if that is later
            leave[cid] = hard_stop if np.isnan(leave[cid]) else max(hard_stop, leave[cid])
        d = np.array(model.duty, dtype=float).reshape(-1, 4)
        u = np.array(model.unserved, dtype=float).reshape(-1, 3)
        a = np.array(model.away_spells, dtype=float).reshape(-1, 3)
        days = model.staff_days
        stations = {}
        for k, code in enumerate(c.service_codes):
            for j, step in enumerate(model.scenario.services[code].steps):
                stations[(k, j)] = step.station
        return cls(
            replication=replication, service_codes=c.service_codes, class_codes=c.class_codes,
            arrive_min=c.arrive_min, ticket_min=c.ticket_min, service=c.service, klass=c.klass,
            patience_min=c.patience_min, outcome=outcome, wait_min=wait, leave_min=leave,
            visit_citizen=vc, visit_step=vstep, visit_join_min=v[:, 2], visit_start_min=v[:, 3],
            visit_end_min=v[:, 4], visit_staff=v[:, 5].astype(np.int32),
            visit_window=v[:, 6].astype(np.int32),
            staff_ids=tuple(s.staff_id for s in days), staff_types=tuple(s.staff_type for s in days),
            staff_stations=tuple(s.station for s in days), staff_shifts=tuple(s.shift for s in days),
            duty_staff=d[:, 0].astype(np.int32), duty_on_min=d[:, 1], duty_off_min=d[:, 2],
            duty_scheduled_off_min=d[:, 3], step_stations=stations, hard_stop_min=hard_stop,
            unserved_citizen=u[:, 0].astype(np.int64), unserved_step=u[:, 1].astype(np.int16),
            unserved_join_min=u[:, 2],
            balked=balked, abandon_step=abandon_step, slot_min=c.slot_min if c.slot_min is not None else np.full(n, np.nan),
            appointments_booked=c.booked, appointments_no_show=c.no_shows,
            staff_absent=np.array([s.absent for s in days], dtype=bool),
            staff_scheduled_min=np.array([s.scheduled_min for s in days], dtype=float),
            staff_periods=tuple(s.periods_min for s in days),
            away_staff=a[:, 0].astype(np.int32), away_start_min=a[:, 1], away_end_min=a[:, 2],
        )

    def __len__(self) -> int:
        return len(self.arrive_min)

    def counts(self) -> dict[str, int]:
        """Number of citizens by outcome."""
        return {name: int((self.outcome == k).sum()) for k, name in enumerate(OUTCOMES)}

    def citizens_frame(self) -> pd.DataFrame:
        """One row per citizen."""
        return pd.DataFrame({
            "rep": self.replication,
            "citizen_id": np.arange(len(self)),
            "service_type": np.asarray(self.service_codes, dtype=object)[self.service],
            "class": np.asarray(self.class_codes, dtype=object)[self.klass],
            "arrive_min": self.arrive_min, "ticket_min": self.ticket_min,
            "patience_min": self.patience_min,
            "outcome": np.asarray(OUTCOMES, dtype=object)[self.outcome],
            "balked": self.balked, "slot_min": self.slot_min,
            "wait_min": self.wait_min, "leave_min": self.leave_min,
        })

    def to_frame(self) -> pd.DataFrame:
        """The long event table: one row per event, ordered by time.

        Columns: rep, citizen_id, service_type, class, step, station, event,
        t_min, staff_id, window_id. Events: arrive, ticket, start, end,
        abandon, unserved, turned_away.
        """
        cit = np.arange(len(self))
        services = np.asarray(self.service_codes, dtype=object)
        classes = np.asarray(self.class_codes, dtype=object)
        staff = np.asarray(self.staff_ids + ("",), dtype=object)
        ticketed = ~np.isnan(self.ticket_min)
        parts = []

        def part(ids, event, t, step=-1, station=None, staff_idx=None, window=None):
            k = len(ids)
            parts.append(pd.DataFrame({
                "citizen_id": ids, "service_type": services[self.service[ids]], "class": classes[self.klass[ids]],
                "step": np.broadcast_to(step, k).astype(np.int16),
                "station": station if station is not None else np.full(k, None, dtype=object),
                "event": event, "t_min": t,
                "staff_id": staff[staff_idx] if staff_idx is not None else np.full(k, None, dtype=object),
                "window_id": window if window is not None else np.full(k, -1, dtype=np.int32),
            }))

        part(cit, "arrive", self.arrive_min)
        part(cit[ticketed], "ticket", self.ticket_min[ticketed])
        part(cit[~ticketed], "turned_away", self.arrive_min[~ticketed])
        vst = np.array([self.step_stations[(s, j)] for s, j in zip(self.service[self.visit_citizen], self.visit_step)],
                       dtype=object)
        for event, t in (("start", self.visit_start_min), ("end", self.visit_end_min)):
            part(self.visit_citizen, event, t, self.visit_step, vst, self.visit_staff, self.visit_window)
        for code, event in ((ABANDONED, "abandon"), (UNSERVED, "unserved")):
            ids = cit[self.outcome == code]
            part(ids, event, self.leave_min[ids])
        frame = pd.concat(parts, ignore_index=True)
        frame.insert(0, "rep", self.replication)
        order = np.lexsort((frame["citizen_id"].to_numpy(), frame["t_min"].to_numpy()))
        return frame.iloc[order].reset_index(drop=True)
