"""Warnings about legal but unlikely scenarios, and why a hall would serve nobody.

These never stop a run: a planner may mean them (an empty roster for the
optimiser to fill, a station closed in the afternoon). Each finding is
``(path, message)`` like :mod:`sim.checks`, so the loader can name the field;
the message is a :class:`sim.messages.Message` (English text, with a code and
parameters for the Chinese one).

* ``empty_hall_reasons``: nobody rostered (all counts zero), nobody rostered
  at a station a service needs, every rostered staff type always absent, no
  ticket possible (every arrival falls outside the ticket hours).
* ``plausibility_warnings``: the above, plus a multiplier that looks like a
  percentage (``112`` for +12%), a day's volume far from what the roster can
  serve (or the multipliers far from 1), a station staffed only part of the
  ticket hours, every shift ending before the last ticket.
"""

from __future__ import annotations

from .clock import format_clock
from .messages import Message
from .scenario import Scenario

PERCENT_LIKE = 5.0      # a multiplier above this looks like a percentage
FAR_FACTOR = 5.0        # volume x work this many times the staffed minutes (or multipliers beyond x5 / /5)


def _rostered(s: Scenario) -> list:
    return [e for e in s.roster if e.count > 0 and e.staff_type in s.staff_types and e.shift in s.shift_patterns]


def _needed_stations(s: Scenario) -> list[str]:
    out: dict[str, None] = {}
    for code, share in s.arrivals.mix.items():
        if share > 0 and code in s.services:
            for step in s.services[code].steps:
                out.setdefault(step.station, None)
    if s.appointments is not None:
        for code, n in s.appointments.capacity_per_slot.items():
            if n > 0 and code in s.services:
                for step in s.services[code].steps:
                    out.setdefault(step.station, None)
    return list(out)


def _overlap(lo: float, hi: float, spans) -> float:
    return sum(max(0.0, min(hi, b) - max(lo, a)) for a, b in spans)


def _ticket_share(s: Scenario) -> float:
    """Share of the walk-in profile that can get a ticket (before opening and at lunch too, if they wait)."""
    h = s.hours
    if h.closed_arrivals == "wait":
        spans = [(float("-inf"), h.last_ticket_min)]
    else:
        spans = [(sess.start, min(sess.end, h.last_ticket_min)) for sess in h.sessions]
    return sum(slot.share * _overlap(slot.start, slot.end, spans) / (slot.end - slot.start)
               for slot in s.arrivals.profile if slot.end > slot.start)


def _empty_hall(s: Scenario) -> list[tuple[tuple, Message, str]]:
    """``(path, reason, warning code)`` for each reason the hall (or part of it) serves nobody."""
    out = []
    rostered = _rostered(s)
    nobody = "warn.nobody_served"
    if not rostered and getattr(s, "staff_list", None) is not None:
        pass            # the week's roster comes from the staff list (queueplan roster)
    elif not rostered:
        out.append((("roster",), Message("hall.roster_empty" if not s.roster else "hall.roster_zero"), nobody))
    else:
        present = [e for e in rostered if s.staff_types[e.staff_type].attendance.absence_probability < 1]
        if not present:
            out.append((("roster",), Message("hall.all_absent"), nobody))
        at = {e.station for e in rostered}
        for station in _needed_stations(s):
            if station not in at:
                out.append((("stations", station), Message("hall.station_unstaffed", station=station),
                            "warn.station_unserved"))
    if _ticket_share(s) <= 0 and s.arrivals.batch_at_opening_share <= 0 and not (
            s.appointments and sum(s.appointments.capacity_per_slot.values())):
        out.append((("arrivals", "profile"), Message("hall.no_tickets_possible"), "warn.no_tickets"))
    return out


def empty_hall_reasons(s: Scenario) -> list[tuple[tuple, Message]]:
    """Why no citizen (or none of some service) can be served: ``(path, reason)``, e.g. "nobody is rostered at counter"."""
    return [(p, reason) for p, reason, _ in _empty_hall(s)]


def _gaps(lo: float, hi: float, periods) -> list[tuple[float, float]]:
    """Parts of [lo, hi) covered by none of ``periods``."""
    out, t = [], lo
    for a, b in sorted(periods):
        if b <= t:
            continue
        if a >= hi:
            break
        if a > t:
            out.append((t, a))
        t = max(t, b)
    if t < hi:
        out.append((t, hi))
    return out


def _coverage_gaps(s: Scenario, station: str) -> list[tuple[float, float]]:
    """Parts of the ticket hours (within sessions) when nobody is scheduled at ``station``."""
    periods = [p for e in _rostered(s) if e.station == station for p in s.shift_patterns[e.shift].work_periods_min()]
    gaps = []
    for sess in s.hours.sessions:
        gaps += _gaps(sess.start, min(sess.end, s.hours.last_ticket_min), periods)
    return [(a, b) for a, b in gaps if b - a >= 1]


def plausibility_warnings(s: Scenario) -> list[tuple[tuple, Message]]:
    """Legal but unlikely settings (module docstring)."""
    out = [(p, Message(code, reason=reason)) for p, reason, code in _empty_hall(s)]
    for i, m in enumerate(s.arrivals.multipliers):
        if m.factor > PERCENT_LIKE:
            out.append((("arrivals", "multipliers", i, "factor"),
                        Message("warn.percent_multiplier", factor=f"{m.factor:g}", fraction=f"{m.factor / 100:g}")))
    factor = s.arrivals.volume_factor
    if factor > FAR_FACTOR or factor < 1 / FAR_FACTOR:
        out.append((("arrivals", "multipliers"), Message("warn.volume_factor", factor=f"{factor:g}")))
    rostered = _rostered(s)
    if rostered:
        work = sum(share * sum(st.probability * st.work.mean for st in s.services[code].steps)
                   for code, share in s.arrivals.mix.items() if code in s.services)
        offered = s.arrivals.daily_volume * factor * work
        staffed = sum(e.count * s.shift_patterns[e.shift].paid_hours * 60 for e in rostered)
        if staffed > 0 and offered > FAR_FACTOR * staffed:
            out.append((("arrivals", "daily_volume"),
                        Message("warn.work_far", offered=f"{offered:,.0f}", ratio=f"{offered / staffed:.0f}",
                                staffed=f"{staffed:,.0f}")))
        at = {e.station for e in rostered}
        for station in _needed_stations(s):
            if station in at:
                gaps = _coverage_gaps(s, station)
                if gaps:
                    text = ", ".join(f"{format_clock(a)}-{format_clock(b)}" for a, b in gaps[:3])
                    out.append((("stations", station), Message("warn.station_gap", station=station, spans=text)))
        last_end = max(s.shift_patterns[e.shift].end for e in rostered)
        if last_end < s.hours.last_ticket_min:
            out.append((("shift_patterns",), Message("warn.shifts_end_early", end=format_clock(last_end),
                                                     last_ticket=format_clock(s.hours.last_ticket_min))))
    return out
