"""Walk-in citizens of one day, sampled before the simulation runs.

Arrival process
---------------
Walk-ins form a non-homogeneous Poisson process with piecewise-constant rate
``lambda(t) = daily_volume * share(slot) / slot_length_min`` per minute. It is
drawn by thinning (Lewis & Shedler): candidates at the maximal rate
``lambda_max``, each kept with probability ``lambda(t) / lambda_max`` where the
rate is looked up at the candidate's own time.

The day's expected walk-in volume is ``daily_volume`` x the product of the
multipliers x a Gamma(mean 1, ``volume_cv``) factor drawn once per day. A
share of it (``batch_at_opening_share``, a Poisson number) is already
queueing at opening; the rest follows the profile.

Appointments
------------
Slots of ``slot_min`` tile each opening session from its start (none while
the hall is closed, none ending after the last ticket). Every slot offers a
capacity per service type; each place is booked with
probability ``booked_share`` and honoured with probability ``1 - no_show``.
A citizen who comes arrives at slot start + Normal(mean, sd) minutes. One who
arrives no later than ``grace_min`` after the slot start holds an
appointment ticket (the appointment priority class); a later one becomes an
ordinary walk-in (class drawn like any walk-in's).

Tickets
-------
A citizen who arrives while tickets are issued gets a ticket at arrival; one
who arrives while the hall is closed before opening or between sessions
queues at the door and gets a ticket when it opens (or is turned away, per
``hours.closed_arrivals``, the same rule for the morning and for lunch); one
who arrives after the last-ticket time is turned away. Appointment citizens
who come before opening always wait for it.

Common random numbers
---------------------
Everything random about a citizen (service type, class, which optional steps
are needed, work per step, patience) is drawn here, at arrival, from its own
named stream. The same seed and replication give the same citizens, carrying
the same work, under every roster.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .scenario import Scenario


@dataclass(frozen=True)
class Citizens:
    """The day's citizens, one entry per citizen, ordered by arrival time.

    ``ticket_min`` is NaN for citizens turned away. ``work_min[i, j]`` is the
    work of step ``j`` of the citizen's service type, NaN where the step is
    not needed (or does not exist for that service type).
    """

    arrive_min: np.ndarray
    ticket_min: np.ndarray
    service: np.ndarray       # index into service_codes
    klass: np.ndarray         # index into class_codes
    patience_min: np.ndarray  # inf where patience is not modelled
    work_min: np.ndarray      # shape (n, max_steps)
    service_codes: tuple[str, ...]
    class_codes: tuple[str, ...]
    slot_min: np.ndarray | None = None   # appointment slot start (NaN: walk-in)
    booked: int = 0                      # appointment places booked today
    no_shows: int = 0                    # booked places nobody came for
    balk_u: np.ndarray | None = None     # uniform draw deciding balking (when balking is modelled)

    def __len__(self) -> int:
        return len(self.arrive_min)


def rate_per_min(scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """Piecewise-constant walk-in rate: ``(edges_min, rate_per_min)``.

    ``rate_per_min[k]`` applies on ``[edges_min[k], edges_min[k+1])``; gaps
    between profile slots have rate 0.
    """
    slots = sorted(scenario.arrivals.profile, key=lambda s: s.start)
    edges, rates = [slots[0].start], []
    for slot in slots:
        if slot.start > edges[-1]:
            rates.append(0.0)
            edges.append(slot.start)
        rates.append(scenario.arrivals.daily_volume * slot.share / (slot.end - slot.start))
        edges.append(slot.end)
    return np.asarray(edges), np.asarray(rates)


def nhpp_times(edges_min: np.ndarray, rates_per_min: np.ndarray, arrivals_rng, thinning_rng) -> np.ndarray:
    """Arrival times of a non-homogeneous Poisson process, by thinning."""
    lam_max = float(rates_per_min.max()) if len(rates_per_min) else 0.0
    t0, t1 = float(edges_min[0]), float(edges_min[-1])
    if lam_max <= 0:
        return np.empty(0)
    chunks, t = [], t0
    expected = lam_max * (t1 - t0)
    while t < t1:
        gaps = arrivals_rng.exponential(1.0 / lam_max, int(expected + 4 * np.sqrt(expected) + 16))
        times = t + np.cumsum(gaps)
        chunks.append(times)
        t = times[-1]
    candidates = np.concatenate(chunks)
    candidates = candidates[candidates < t1]
    slot = np.searchsorted(edges_min, candidates, side="right") - 1
    keep = thinning_rng.random(len(candidates)) * lam_max < rates_per_min[slot]
    return candidates[keep]


def ticket_times(scenario: Scenario, arrive_min: np.ndarray) -> np.ndarray:
    """Ticket time of each arrival (NaN: turned away)."""
    hours = scenario.hours
    ticket = np.full(len(arrive_min), np.nan)
    if hours.closed_arrivals == "wait":  # before opening: at the door, ticketed at opening
        ticket[arrive_min < hours.open_min] = hours.open_min
    for k, session in enumerate(hours.sessions):
        end = min(session.end, hours.last_ticket_min)
        inside = (arrive_min >= session.start) & (arrive_min < end)
        ticket[inside] = arrive_min[inside]
        if k and hours.closed_arrivals == "wait" and session.start < hours.last_ticket_min:
            gap = (arrive_min >= hours.sessions[k - 1].end) & (arrive_min < session.start)
            ticket[gap] = session.start
    return ticket


def day_volume(scenario: Scenario, rng: np.random.Generator) -> float:
    """Expected walk-in volume of one day: base x multipliers x Gamma(1, cv) noise."""
    arrivals = scenario.arrivals
    volume = arrivals.daily_volume * arrivals.volume_factor
    if arrivals.volume_cv > 0:
        shape = 1.0 / arrivals.volume_cv**2
        volume *= rng.gamma(shape, 1.0 / shape)
    return volume


def appointment_slot_starts(scenario: Scenario) -> np.ndarray:
    """Start of every appointment slot: slots tile each opening session from its start and end by
    the session's end and the last ticket."""
    a = scenario.appointments
    return np.concatenate([
        np.arange(sess.start, min(sess.end, scenario.hours.last_ticket_min) - a.slot_min + 1e-9, a.slot_min)
        for sess in scenario.hours.sessions])


def appointment_arrivals(scenario: Scenario, rngs) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    """Appointment citizens who come: ``(arrive_min, slot_min, service, booked, no_shows)``."""
    a = scenario.appointments
    codes = tuple(scenario.services)
    starts = appointment_slot_starts(scenario)
    capacity = np.array([a.capacity_per_slot.get(c, 0) for c in codes], dtype=np.int64)
    booked = rngs["appointments"].binomial(np.broadcast_to(capacity, (len(starts), len(codes))), a.booked_share)
    come = rngs["appointments"].binomial(booked, 1.0 - a.no_show)
    slot_of = np.repeat(np.repeat(np.arange(len(starts)), len(codes)), come.ravel())
    service = np.repeat(np.tile(np.arange(len(codes)), len(starts)), come.ravel())
    slot = starts[slot_of]
    arrive = slot + rngs["punctuality"].normal(a.punctuality_mean_min, a.punctuality_sd_min, len(slot))
    return arrive, slot, service, int(booked.sum()), int(booked.sum() - come.sum())


def walk_in_arrivals(scenario: Scenario, rngs: dict[str, np.random.Generator]) -> np.ndarray:
    """Arrival times of the day's walk-ins: the batch at opening, then the profile (see the module docstring)."""
    edges, rates = rate_per_min(scenario)
    volume = day_volume(scenario, rngs["volume"])
    batch_share = scenario.arrivals.batch_at_opening_share
    walk_in = nhpp_times(edges, rates * (volume / scenario.arrivals.daily_volume) * (1.0 - batch_share),
                         rngs["arrivals"], rngs["thinning"])
    batch = np.full(rngs["batch"].poisson(volume * batch_share) if batch_share > 0 else 0, scenario.hours.open_min)
    return np.concatenate([batch, walk_in])


def sample_citizens(scenario: Scenario, rngs: dict[str, np.random.Generator],
                    walk_in_min: np.ndarray | None = None) -> Citizens:
    """Draw the day's citizens with everything random about each of them.

    ``walk_in_min``: the walk-ins' arrival times, when the caller draws them
    (e.g. :func:`sim.conditioned.walk_ins_given_count`); by default
    :func:`walk_in_arrivals`. Everything else is drawn here from its streams.
    """
    arrive = walk_in_arrivals(scenario, rngs) if walk_in_min is None else np.asarray(walk_in_min, dtype=float)
    codes = tuple(scenario.services)
    mix = np.array([scenario.arrivals.mix.get(c, 0.0) for c in codes])
    n_walk = len(arrive)
    service = rngs["service_type"].choice(len(codes), size=n_walk, p=mix / mix.sum())
    class_codes = tuple(scenario.classes)
    shares = np.array([scenario.classes[c].share for c in class_codes])
    klass = rngs["class"].choice(len(class_codes), size=n_walk, p=shares / shares.sum())
    slot = np.full(n_walk, np.nan)
    booked = no_shows = 0
    if scenario.appointments is not None:
        a = scenario.appointments
        a_arrive, a_slot, a_service, booked, no_shows = appointment_arrivals(scenario, rngs)
        late = a_arrive > a_slot + a.grace_min
        a_class = np.full(len(a_arrive), class_codes.index(a.priority_class))
        a_class[late] = rngs["class"].choice(len(class_codes), size=int(late.sum()), p=shares / shares.sum())
        a_slot = np.where(late, np.nan, a_slot)  # a late appointment is an ordinary walk-in
        arrive = np.concatenate([arrive, a_arrive])
        service = np.concatenate([service, a_service])
        klass = np.concatenate([klass, a_class])
        slot = np.concatenate([slot, a_slot])
    order = np.argsort(arrive, kind="stable")
    arrive, service, klass, slot = arrive[order], service[order], klass[order], slot[order]
    n = len(arrive)

    max_steps = max(len(s.steps) for s in scenario.services.values())
    work = np.full((n, max_steps), np.nan)
    needed = rngs["route"].random((n, max_steps))
    for k, code in enumerate(codes):
        members = np.flatnonzero(service == k)
        for j, step in enumerate(scenario.services[code].steps):
            draw = step.work.sample(rngs["work"], len(members))
            draw[needed[members, j] >= step.probability] = np.nan
            work[members, j] = draw

    patience = np.full(n, np.inf)
    for k, code in enumerate(class_codes):
        dist = scenario.classes[code].patience or scenario.patience
        if dist is not None:
            members = np.flatnonzero(klass == k)
            patience[members] = dist.sample(rngs["patience"], len(members))

    ticket = ticket_times(scenario, arrive)
    early = ~np.isnan(slot) & (arrive < scenario.hours.open_min)
    ticket[early] = scenario.hours.open_min  # appointment citizens who come before opening wait for it
    balk_u = rngs["balking"].random(n) if scenario.arrivals.balking else None
    return Citizens(arrive, ticket, service, klass, patience, work, codes, class_codes, slot, booked, no_shows,
                    balk_u)
