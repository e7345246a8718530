"""The scenario: everything a planner states about a hall, validated and frozen.

A scenario YAML is parsed once, at the boundary, into a frozen ``Scenario``.
Unknown keys are errors. Clock strings ("08:30") are converted to minutes
since midnight here; nothing downstream sees a clock string. Structural rules
(types, signs, required keys) live on the models below; rules that relate
several parts of the file (a roster naming a known shift, staff on a station
never exceeding its windows ...) live in :mod:`sim.checks`, so that every
message names the exact field. Load files with :func:`sim.loading.load_scenario`.

Model semantics (see the README for the full picture)
-----------------------------------------------------
* The hall is open in one or more ``sessions`` (a split day closes for lunch).
  Tickets are issued from the first opening until ``last_ticket``; a citizen
  who arrives while the hall is closed, before opening or between sessions,
  either waits for it to open (ticket issued at opening or reopening) or is
  turned away (``closed_arrivals``). Arrivals after the last ticket are
  turned away.
* Each service type has a route of steps; a step is done at a station by a
  staff member holding the step's skill, and is needed with a probability.
* Walk-ins arrive as a non-homogeneous Poisson process with rate
  ``daily_volume * share(slot) / slot length`` split by the business ``mix``.
* Citizens wait for their first step with a patience (optional); later
  steps are not abandoned.
* Staff are individuals created from the ``roster``; each works the work
  periods of their shift pattern (the gaps are breaks) at one station.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from .bounds import (CV, MAX_CLASSES, MAX_CODES, MAX_LIST, MAX_REPLICATIONS, MAX_SHORT_ABSENCES,  # noqa: F401
                     MAX_SLOT_CAPACITY, MAX_STEPS, Cost, Description, Factor, Label, Minutes, PositiveMinutes,
                     SignedMinutes, Speed, StaffCount, Volume, Windows)
from .costs import Costs
from .distributions import Distribution
from .fields import Clock, Code, Frozen, Probability, Share, TimeSpan  # noqa: F401 (re-exported)
from .horizon import Horizon
from .optimise_settings import OptimiseSettings
from .staff_list import StaffList

class Hours(Frozen):
    """Opening hours, ticket hours and the hard stop."""

    sessions: Annotated[list[TimeSpan], Field(min_length=1, max_length=24)] = Field(
        description="opening sessions in order; a split day has two (closed for lunch between them)"
    )
    last_ticket: Clock | None = Field(
        None, description="no ticket is issued after this time (default: the end of the last session)"
    )
    hard_stop: Clock | None = Field(
        None, description="service stops; citizens still waiting are unserved (default: end of last session)"
    )
    interval_min: Literal[15, 30, 60] = Field(60, description="reporting and staffing interval, minutes")
    closed_arrivals: Literal["wait", "turn_away"] = Field(
        "wait", description="citizens arriving while the hall is closed (before opening, between sessions): "
        "wait for it to open and get a ticket then, or be turned away"
    )

    @property
    def open_min(self) -> float:
        return self.sessions[0].start

    @property
    def close_min(self) -> float:
        return self.sessions[-1].end

    @property
    def last_ticket_min(self) -> float:
        return self.close_min if self.last_ticket is None else self.last_ticket

    @property
    def hard_stop_min(self) -> float:
        return self.close_min if self.hard_stop is None else self.hard_stop


class WindowGroup(Frozen):
    """Windows of a station kept for some citizens (a green-channel window, a dealer batch window).

    Staff rostered to the group (``window_group`` in the roster) call only
    tickets of the listed ``classes`` and ``skills`` (all when not given);
    when none of those wait, they either stay idle or help with the
    station's other tickets (``when_idle``).
    """

    windows: Windows
    classes: list[Code] | None = None
    skills: list[Code] | None = None
    when_idle: Literal["help_others", "idle"] = "help_others"
    label: Label | None = None
    label_zh: Label | None = Field(None, description="the label in Chinese (pages with --lang zh)")


class Station(Frozen):
    """A group of windows of one kind (counters, inspection lanes, photo desk)."""

    windows: Windows = Field(description="all windows, restricted ones included")
    window_groups: Annotated[dict[Code, WindowGroup], Field(max_length=MAX_CODES)] = Field(
        default_factory=dict, description="restricted windows, part of `windows`"
    )
    label: Label | None = None
    label_zh: Label | None = Field(None, description="the label in Chinese (pages with --lang zh)")


class Step(Frozen):
    """One part of a service type's route, done at one station."""

    station: Code
    skill: Code | None = Field(None, description="skill needed (default: the service type's code)")
    probability: Probability = Field(1.0, description="probability that this step is needed")
    work: Distribution


class ServiceType(Frozen):
    """A kind of business with its route of steps."""

    label: Label | None = None
    label_zh: Label | None = Field(None, description="the label in Chinese (pages with --lang zh)")
    steps: Annotated[list[Step], Field(min_length=1, max_length=MAX_STEPS)]


class PriorityClass(Frozen):
    """A priority group; lower ``priority`` is called first (non-preemptive)."""

    priority: Annotated[int, Field(ge=0, le=1000)]
    share: Share
    patience: Distribution | None = Field(None, description="overrides the scenario's patience")
    label: Label | None = None
    label_zh: Label | None = Field(None, description="the label in Chinese (pages with --lang zh)")


class ProfileSlot(TimeSpan):
    """Share of the day's walk-ins arriving in [start, end), uniformly in rate."""

    share: Share


class Multiplier(Frozen):
    """A named factor on the day's volume (day of week, month end, post-holiday ...)."""

    name: Code
    factor: Factor


class BalkPoint(Frozen):
    """Probability of leaving at once on seeing ``queue`` citizens ahead.

    Linear between points; below the first point it falls linearly to 0 at
    an empty queue; beyond the last it stays at the last probability.
    """

    queue: Annotated[int, Field(ge=0, le=100_000)]
    probability: Probability


class Arrivals(Frozen):
    """Walk-in demand: daily volume x time-of-day profile x business mix.

    The day's expected volume is ``daily_volume`` times every multiplier
    times a Gamma(mean 1, ``volume_cv``) day-to-day factor. A share
    ``batch_at_opening_share`` of it is already queueing at opening (a
    Poisson number, ticketed at opening); the rest arrives by the profile.
    """

    daily_volume: Volume
    profile: Annotated[list[ProfileSlot], Field(min_length=1, max_length=MAX_LIST)]
    mix: dict[Code, Share] = Field(description="share of each service type; shares sum to 1")
    batch_at_opening_share: Annotated[float, Field(ge=0, lt=1)] = 0.0
    volume_cv: Annotated[float, Field(ge=0, le=2)] = Field(0.0, description="day-to-day volume noise (Gamma CV)")
    multipliers: Annotated[list[Multiplier], Field(max_length=50)] = Field(default_factory=list)
    balking: Annotated[list[BalkPoint], Field(max_length=MAX_LIST)] | None = Field(
        None, description="balking curve over the number waiting ahead in the citizen's queue"
    )

    @property
    def volume_factor(self) -> float:
        factor = 1.0
        for m in self.multipliers:
            factor *= m.factor
        return factor


class Appointments(Frozen):
    """Booked slots: capacity per slot and service, booked share, no-shows, punctuality.

    Each slot of ``slot_min`` minutes (from opening to the last ticket) offers
    ``capacity_per_slot[service]`` bookings; each is taken with probability
    ``booked_share`` and honoured with probability ``1 - no_show``. A citizen
    who comes arrives at slot start + Normal(``punctuality_mean_min``,
    ``punctuality_sd_min``). Up to ``grace_min`` after the slot start the
    ticket carries the priority class ``priority_class``; later arrivals become
    ordinary walk-ins. Punctuality of service is the share of appointment
    citizens called within ``called_within_min`` of their slot start.
    """

    slot_min: Annotated[float, Field(gt=0, le=240)] = 30.0
    capacity_per_slot: dict[Code, Annotated[int, Field(ge=0, le=MAX_SLOT_CAPACITY)]]
    booked_share: Probability = 1.0
    no_show: Probability = 0.15
    punctuality_mean_min: SignedMinutes = -5.0
    punctuality_sd_min: Minutes = 10.0
    grace_min: Minutes = 15.0
    priority_class: Code = Field(description="priority class of on-time appointment tickets")
    called_within_min: PositiveMinutes = 10.0


class Lateness(Frozen):
    """A share of shift starts is late by an exponential number of minutes."""

    probability: Probability
    mean_min: PositiveMinutes


class ShortAbsences(Frozen):
    """Short absences from post: a Poisson number per staff-day at uniform times."""

    per_day: Annotated[float, Field(ge=0, le=MAX_SHORT_ABSENCES)]
    duration: Distribution


class Attendance(Frozen):
    """Whole-day absence, late starts and short absences of one staff type."""

    absence_probability: Probability = 0.0
    lateness: Lateness | None = None
    short_absences: ShortAbsences | None = None


class StaffType(Frozen):
    """Police officer, auxiliary ...: skills (with speed factors) and cost."""

    label: Label | None = None
    label_zh: Label | None = Field(None, description="the label in Chinese (pages with --lang zh)")
    skills: dict[Code, Speed] = Field(
        description="skill -> speed factor (work time multiplier; 1.0 is standard, 1.15 is 15% slower)"
    )
    cost_per_hour: Cost = 1.0
    overtime_factor: Annotated[float, Field(ge=1, le=10)] = 1.5
    attendance: Attendance = Field(default_factory=lambda: Attendance())


class ShiftPattern(Frozen):
    """Start, end and breaks of a working day."""

    start: Clock
    end: Clock
    breaks: Annotated[list[TimeSpan], Field(max_length=24)] = Field(default_factory=list)
    outside_opening_hours: bool = Field(
        False, description="set true to allow a shift that starts before opening or ends after closing"
    )
    label: Label | None = None
    label_zh: Label | None = Field(None, description="the label in Chinese (pages with --lang zh)")

    def work_periods_min(self) -> list[tuple[float, float]]:
        """The on-duty periods: [start, end) minus the breaks, in order."""
        periods, t = [], self.start
        for brk in sorted(self.breaks, key=lambda b: b.start):
            if brk.start > t:
                periods.append((t, brk.start))
            t = max(t, brk.end)
        if self.end > t:
            periods.append((t, self.end))
        return periods

    @property
    def paid_hours(self) -> float:
        return sum(b - a for a, b in self.work_periods_min()) / 60.0


class RosterEntry(Frozen):
    """How many staff of one type work one shift pattern at one station."""

    staff_type: Code
    shift: Code
    station: Code
    count: StaffCount
    window_group: Code | None = Field(None, description="restricted window group of the station they sit at")


class Calling(Frozen):
    """How a free staff member picks the next ticket, and who takes a new arrival."""

    rule: Literal["fcfs", "primary_skill_first"] = Field(
        "fcfs",
        description="after priority class: first come first served over all own skills, "
        "or own skills in the order listed (then first come first served)",
    )
    idle_choice: Literal["longest_idle", "least_flexible"] = Field(
        "longest_idle", description="which idle eligible staff member takes an arriving citizen"
    )
    no_show_delay_min: Annotated[float, Field(ge=0, le=240)] = Field(
        0.0, description="time lost calling a ticket whose citizen has already left (过号)"
    )
    end_of_day: Literal["serve_until_empty", "send_home"] = Field(
        "serve_until_empty",
        description="staff whose shift ends at closing stay while a ticket they can serve waits (to the hard stop)",
    )


class Target(Frozen):
    """A service goal checked per interval (``scope: interval``) or over the day.

    Kinds (a citizen belongs to the interval of their ticket):

    * ``service_level``: at least ``fraction`` of the citizens called within
      ``wait_min``. By default the wait for the first step; ``station: X``
      judges the wait at station X (of the citizens who queued there);
      ``step: any`` judges every step (a citizen counts as within only if no
      step's wait exceeded ``wait_min``). Abandoned and unserved citizens
      count as not within.
    * ``mean_wait``: mean wait at most ``max_min`` (first step; ``station: X``:
      the wait at X of those who queued there; ``step: any``: the total wait
      over all steps of the visit).
    * ``time_in_hall``: ticket to the end of the last step, end to end. With
      ``fraction``: at least that share of the citizens ticketed finish within
      ``max_min`` (abandoned and unserved count as not within); without it:
      the mean over the citizens served is at most ``max_min``.
    * ``max_abandonment``: share of citizens who gave up at most ``fraction``.
    * ``max_unserved``: share of citizens still waiting at the hard stop at
      most ``fraction`` (0 allowed). Unless the scenario states one, an
      implicit day-scope one applies (see ``Scenario.unserved_limit``).
    """

    id: Code
    kind: Literal["service_level", "mean_wait", "max_abandonment", "time_in_hall", "max_unserved"]
    wait_min: PositiveMinutes | None = Field(None, description="service_level: wait threshold")
    fraction: Annotated[float, Field(ge=0, le=1)] | None = Field(
        None, description="service_level, time_in_hall: required share within; max_abandonment, max_unserved: ceiling"
    )
    max_min: PositiveMinutes | None = Field(
        None, description="mean_wait: ceiling, minutes; time_in_hall: threshold (or ceiling of the mean), minutes")
    scope: Literal["interval", "day"] = "interval"
    station: Code | None = Field(None, description="service_level, mean_wait: judge the wait at this station")
    step: Literal["first", "any"] = Field("first", description="service_level, mean_wait: the first step, or every step")
    label: Label | None = Field(None, description="name shown on pages (default: generated from the definition)")
    label_zh: Label | None = Field(None, description="name shown on Chinese pages (default: generated)")

    @property
    def higher_is_better(self) -> bool:
        return self.kind == "service_level" or (self.kind == "time_in_hall" and self.fraction is not None)

    @property
    def goal(self) -> float:
        if self.kind == "mean_wait" or (self.kind == "time_in_hall" and self.fraction is None):
            return float(self.max_min)
        return float(self.fraction)


IMPLICIT_UNSERVED_ID = "unserved"


class Experiment(Frozen):
    """Replications and seed; ``warmup_min`` turns a day into a steady-state run."""

    replications: Annotated[int, Field(ge=1, le=MAX_REPLICATIONS)] = 20
    seed: Annotated[int, Field(ge=0, le=2**63 - 1)] = 20261125
    warmup_min: Minutes = Field(
        0.0, description="citizens ticketed in the first warmup_min after opening are left out of the metrics"
    )


class Scenario(Frozen):
    """A whole hall: hours, stations, services, demand, staff, roster, rules, targets."""

    name: Code
    description: Description | None = None
    description_zh: Description | None = Field(None, description="the description in Chinese (pages with --lang zh)")
    hours: Hours
    stations: Annotated[dict[Code, Station], Field(min_length=1, max_length=MAX_CODES)]
    services: Annotated[dict[Code, ServiceType], Field(min_length=1, max_length=MAX_CODES)]
    classes: Annotated[dict[Code, PriorityClass], Field(min_length=1, max_length=MAX_CLASSES)] = Field(
        default_factory=lambda: {"normal": PriorityClass(priority=0, share=1.0)}
    )
    arrivals: Arrivals
    appointments: Appointments | None = None
    patience: Distribution | None = Field(None, description="how long a citizen waits before leaving")
    staff_types: Annotated[dict[Code, StaffType], Field(min_length=1, max_length=MAX_CODES)]
    shift_patterns: Annotated[dict[Code, ShiftPattern], Field(min_length=1, max_length=MAX_LIST)]
    roster: Annotated[list[RosterEntry], Field(max_length=MAX_LIST)]
    calling: Calling = Calling()
    targets: Annotated[list[Target], Field(max_length=100)] = Field(default_factory=list)
    experiment: Experiment = Experiment()
    costs: Costs = Field(default_factory=lambda: Costs(), description="currency of the rates, training (sim.costs)")
    optimise: OptimiseSettings | None = Field(None, description="staffing optimiser settings (queueplan optimise)")
    unserved_limit: Annotated[float, Field(ge=0, le=1)] | None = Field(
        0.005, description="implicit day-scope target: at most this share of the citizens ticketed still waiting at "
                           "the hard stop (null: off; a max_unserved target of the scenario replaces it)")
    horizon: Horizon | None = Field(None, description="the days of a week plan (none: a horizon of one day)")
    staff_list: StaffList | None = Field(None, description="named staff and roster rules (queueplan roster)")

    @property
    def checked_targets(self) -> list[Target]:
        """The targets every roster is judged on: ``targets`` and, unless switched off or stated, the unserved limit.

        The implicit limit applies only when the scenario has targets at all.
        """
        out = list(self.targets)
        if out and self.unserved_limit is not None and not any(t.kind == "max_unserved" for t in out) \
                and not any(t.id == IMPLICIT_UNSERVED_ID for t in out):
            out.append(Target(id=IMPLICIT_UNSERVED_ID, kind="max_unserved", fraction=self.unserved_limit, scope="day"))
        return out

    def step_skill(self, service: str, step_index: int) -> str:
        step = self.services[service].steps[step_index]
        return step.skill or service
