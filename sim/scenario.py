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
  who arrives while the hall is closed between sessions either waits for it
  to reopen (ticket issued at reopening) or is turned away
  (``closed_arrivals``). Arrivals outside ticket hours are turned away.
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

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, WithJsonSchema

from .clock import CLOCK_PATTERN, format_clock, parse_clock
from .distributions import Distribution

Clock = Annotated[
    float,
    BeforeValidator(parse_clock),
    PlainSerializer(format_clock, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": CLOCK_PATTERN, "description": 'clock time "HH:MM"'}),
]
Share = Annotated[float, Field(ge=0, le=1)]
Probability = Annotated[float, Field(ge=0, le=1)]
Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z][A-Za-z0-9_\-]*$")]


class Frozen(BaseModel):
    # strict: YAML already gives real types, so `windows: true` or `count: "3"` are mistakes, not 1 and 3.
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, allow_inf_nan=False)


class TimeSpan(Frozen):
    """A span of the day [start, end)."""

    start: Clock
    end: Clock


class Hours(Frozen):
    """Opening hours, ticket hours and the hard stop."""

    sessions: Annotated[list[TimeSpan], Field(min_length=1)] = Field(
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
        "wait", description="citizens arriving while the hall is closed between sessions"
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


class Station(Frozen):
    """A group of windows of one kind (counters, inspection lanes, photo desk)."""

    windows: Annotated[int, Field(ge=1)]
    label: str | None = None


class Step(Frozen):
    """One part of a service type's route, done at one station."""

    station: Code
    skill: Code | None = Field(None, description="skill needed (default: the service type's code)")
    probability: Probability = Field(1.0, description="probability that this step is needed")
    work: Distribution


class ServiceType(Frozen):
    """A kind of business with its route of steps."""

    label: str | None = None
    steps: Annotated[list[Step], Field(min_length=1)]


class PriorityClass(Frozen):
    """A priority group; lower ``priority`` is called first (non-preemptive)."""

    priority: Annotated[int, Field(ge=0)]
    share: Share
    patience: Distribution | None = Field(None, description="overrides the scenario's patience")
    label: str | None = None


class ProfileSlot(TimeSpan):
    """Share of the day's walk-ins arriving in [start, end), uniformly in rate."""

    share: Share


class Arrivals(Frozen):
    """Walk-in demand: daily volume x time-of-day profile x business mix."""

    daily_volume: Annotated[float, Field(gt=0, description="expected walk-in tickets per day")]
    profile: Annotated[list[ProfileSlot], Field(min_length=1)]
    mix: dict[Code, Share] = Field(description="share of each service type; shares sum to 1")


class StaffType(Frozen):
    """Police officer, auxiliary ...: skills (with speed factors) and cost."""

    label: str | None = None
    skills: dict[Code, Annotated[float, Field(gt=0)]] = Field(
        description="skill -> speed factor (work time multiplier; 1.0 is standard, 1.15 is 15% slower)"
    )
    cost_per_hour: Annotated[float, Field(ge=0)] = 1.0
    overtime_factor: Annotated[float, Field(ge=1)] = 1.5


class ShiftPattern(Frozen):
    """Start, end and breaks of a working day."""

    start: Clock
    end: Clock
    breaks: list[TimeSpan] = Field(default_factory=list)
    outside_opening_hours: bool = Field(
        False, description="set true to allow a shift that starts before opening or ends after closing"
    )
    label: str | None = None

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
    count: Annotated[int, Field(ge=0)]


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
    end_of_day: Literal["serve_until_empty", "send_home"] = Field(
        "serve_until_empty",
        description="staff whose shift ends at closing stay while a ticket they can serve waits (to the hard stop)",
    )


class Target(Frozen):
    """A service goal checked per interval (``scope: interval``) or over the day."""

    id: Code
    kind: Literal["service_level", "mean_wait", "max_abandonment"]
    wait_min: Annotated[float, Field(gt=0)] | None = Field(None, description="service_level: wait threshold")
    fraction: Annotated[float, Field(gt=0, le=1)] | None = Field(
        None, description="service_level: required share called within wait_min; max_abandonment: ceiling"
    )
    max_min: Annotated[float, Field(gt=0)] | None = Field(None, description="mean_wait: ceiling, minutes")
    scope: Literal["interval", "day"] = "interval"


class Experiment(Frozen):
    """Replications and seed; ``warmup_min`` turns a day into a steady-state run."""

    replications: Annotated[int, Field(ge=1, le=100_000)] = 20
    seed: Annotated[int, Field(ge=0)] = 20261125
    warmup_min: Annotated[float, Field(ge=0)] = Field(
        0.0, description="citizens ticketed in the first warmup_min after opening are left out of the metrics"
    )


class Scenario(Frozen):
    """A whole hall: hours, stations, services, demand, staff, roster, rules, targets."""

    name: Code
    description: str | None = None
    hours: Hours
    stations: Annotated[dict[Code, Station], Field(min_length=1)]
    services: Annotated[dict[Code, ServiceType], Field(min_length=1)]
    classes: dict[Code, PriorityClass] = Field(
        default_factory=lambda: {"normal": PriorityClass(priority=0, share=1.0)}
    )
    arrivals: Arrivals
    patience: Distribution | None = Field(None, description="how long a citizen waits before leaving")
    staff_types: Annotated[dict[Code, StaffType], Field(min_length=1)]
    shift_patterns: Annotated[dict[Code, ShiftPattern], Field(min_length=1)]
    roster: list[RosterEntry]
    calling: Calling = Calling()
    targets: list[Target] = Field(default_factory=list)
    experiment: Experiment = Experiment()

    def step_skill(self, service: str, step_index: int) -> str:
        step = self.services[service].steps[step_index]
        return step.skill or service
