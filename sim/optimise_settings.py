"""The ``optimise:`` block of a scenario: what the staffing optimiser may choose from.

Pure data (pydantic models); their checks against the rest of the scenario
live in :mod:`sim.optimise_checks` and the optimisation itself in
:mod:`optimise`. A planner states here:

* ``shift_templates``: families of shift patterns the optimiser may use.
  Each template has start times on a grid (``start: {earliest, latest,
  step_min}``), one or more lengths (``length_min``: from start to end,
  breaks included), breaks placed inside a window (``breaks: [{length_min,
  within: {start, end}, step_min}]``), the staff types who may work it
  (default: all) and, for part-time contracts, a cap on how many staff work
  it (``max_staff``). Combinations of start and length that fall outside the
  opening hours are skipped unless ``outside_opening_hours: true``. Paid hours are the on-duty hours (breaks are unpaid),
  as in :class:`sim.scenario.ShiftPattern`.
* ``headcount``: the most staff of each type available on the day (a type
  not listed is unlimited).
* ``stations``: which stations each staff type may work at (a type not listed
  may work at every station where it holds a needed skill).
* ``cover_rules``: minimum cover, ``{id, station, staff_types, min_staff,
  when}``: at least ``min_staff`` of ``staff_types`` on duty at ``station``
  in every period in which tickets are issued (``when: always``), or in every
  such period in which at least N staff are on duty at the station
  (``when: {windows_open_at_least: N}``); with ``window_group`` only the
  staff seated in that group of the station count (a green-channel window).
* knobs: requirement method, planning grid, what to do with requirements
  beyond the limits, replications per iteration, iteration limit,
  verification, solver, time limit.

Example::

    optimise:
      shift_templates:
        STD: {start: {earliest: "08:30"}, length_min: 540,
              breaks: [{length_min: 120, within: {start: "12:00", end: "14:00"}}]}
        AM:  {start: {earliest: "08:30"}, length_min: 240, staff_types: [auxiliary]}
      headcount: {police: 6, auxiliary: 6}
      cover_rules:
        - {id: police_on_duty, station: counter, staff_types: [police], min_staff: 1, when: always}
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from .fields import Clock, Code, Frozen, TimeSpan

TemplateCode = Annotated[str, Field(min_length=1, max_length=16, pattern=r"^[A-Za-z][A-Za-z0-9_]*$")]
Minutes = Annotated[int, Field(gt=0, le=1440)]


class StartGrid(Frozen):
    """Start times ``earliest, earliest + step_min, ...`` up to ``latest`` (default: only ``earliest``)."""

    earliest: Clock
    latest: Clock | None = None
    step_min: Minutes = 30

    def times_min(self) -> list[float]:
        latest = self.earliest if self.latest is None else self.latest
        out, t = [], self.earliest
        while t <= latest + 1e-9:
            out.append(t)
            t += self.step_min
        return out


class BreakRule(Frozen):
    """A break of ``length_min`` placed inside ``within``, starting on a ``step_min`` grid from ``within.start``."""

    length_min: Minutes
    within: TimeSpan
    step_min: Minutes = 30

    def starts_min(self) -> list[float]:
        out, t = [], self.within.start
        while t + self.length_min <= self.within.end + 1e-9:
            out.append(t)
            t += self.step_min
        return out


class ShiftTemplate(Frozen):
    """A family of shift patterns: every start on the grid x every length x every break placement."""

    label: str | None = None
    label_zh: str | None = Field(None, description="the label in Chinese (pages with --lang zh)")
    start: StartGrid
    length_min: Minutes | Annotated[list[Minutes], Field(min_length=1)] = Field(
        description="shift length from start to end (breaks included), minutes; a list gives several lengths")
    breaks: list[BreakRule] = Field(default_factory=list)
    staff_types: list[Code] | None = Field(None, description="staff types who may work it (default: all)")
    max_staff: Annotated[int, Field(ge=0)] | None = Field(
        None, description="most staff on this template in total (e.g. part-time contracts available)")
    outside_opening_hours: bool = Field(False, description="allow patterns starting before opening or ending after closing")
    days: Annotated[list[Annotated[str, Field(min_length=3, max_length=10)]], Field(min_length=1, max_length=400)] \
        | None = Field(None, description="the horizon days this template is for: weekday names (Mon .. Sun) or "
                                         "dates YYYY-MM-DD (default: every day whose hours it fits)")

    @field_validator("days")
    @classmethod
    def _known_days(cls, v):
        from .horizon import parse_day

        for text in v or ():
            parse_day(text)
        return v

    def lengths_min(self) -> list[int]:
        return [self.length_min] if isinstance(self.length_min, int) else list(self.length_min)

    def is_for(self, day) -> bool:
        """Is the template offered on horizon ``day`` (a :class:`sim.horizon.Day`)? A weekday name matches
        every day of that weekday, a date that date."""
        if self.days is None:
            return True
        from .horizon import parse_day

        for text in self.days:
            weekday, date = parse_day(text)
            if (date is None and weekday == day.weekday) or (date is not None and date == day.date):
                return True
        return False


class WindowsOpenAtLeast(Frozen):
    """Condition of a cover rule: at least ``windows_open_at_least`` staff on duty at the station."""

    windows_open_at_least: Annotated[int, Field(ge=1)]


class CoverRule(Frozen):
    """At least ``min_staff`` of ``staff_types`` on duty at ``station`` whenever ``when`` holds."""

    id: Code
    label: str | None = None
    station: Code
    window_group: Code | None = Field(None, description="count only the staff seated in this window group "
                                                        "of the station (e.g. the green channel)")
    staff_types: Annotated[list[Code], Field(min_length=1)]
    min_staff: Annotated[int, Field(ge=1)] = 1
    when: Literal["always"] | WindowsOpenAtLeast = "always"


class OptimiseSettings(Frozen):
    """What the staffing optimiser may choose from, and how hard it tries."""

    shift_templates: Annotated[dict[TemplateCode, ShiftTemplate], Field(min_length=1)]
    include_scenario_shifts: bool = Field(False, description="also offer the scenario's own shift_patterns")
    headcount: dict[Code, Annotated[int, Field(ge=0)]] = Field(
        default_factory=dict, description="most staff of each type available (a type not listed: unlimited)")
    stations: dict[Code, Annotated[list[Code], Field(min_length=1)]] = Field(
        default_factory=dict, description="staff type -> stations it may work at (default: wherever it has a skill)")
    cover_rules: list[CoverRule] = Field(default_factory=list)
    requirements: Literal["time_varying", "sipp", "transient"] = Field(
        "time_varying", description="staffing requirements: time-varying offered load, stationary per interval, or "
                                    "time-varying with the openings staffed from the transient queue "
                                    "(the search starts from all three)")
    grid_min: Literal[5, 10, 15, 30, 60] = Field(15, description="planning period, minutes")
    beyond_limits: Literal["fill", "error"] = Field(
        "fill", description="requirements the windows, headcount or templates cannot meet: staff up to the limits "
                            "and let the simulation judge (fill), or stop with an error naming them (error)")
    replications: Annotated[int, Field(ge=2, le=10_000)] = Field(20, description="replications per iteration")
    max_iterations: Annotated[int, Field(ge=0, le=1000)] = Field(
        12, description="simulations of candidate rosters (0: the MILP roster without simulation)")
    screen_replications: Annotated[int, Field(ge=2, le=10_000)] = Field(
        8, description="local search: replications to screen a move (accepted moves are extended to replications)")
    futility: Annotated[float, Field(ge=0, le=0.5)] = Field(
        0.05, description="local search: stop simulating a move once its chance of holding every target at the "
                          "accept stage, predicted from the days so far paired with the incumbent's, is below this "
                          "(stochastic curtailment, optimise.curtail; 0: never)")
    budget_s: Annotated[float, Field(gt=0)] = Field(
        900.0, description="wall-time budget of the starts and the local search, seconds (verification comes after)")
    verify_replications: Annotated[int, Field(ge=2, le=100_000)] | None = Field(
        None, description="replications of the out-of-sample check (default: experiment.replications)")
    verify_seed_offset: Annotated[int, Field(ge=1)] = Field(
        1_000_003, description="verification seed = experiment.seed + this (seeds never used while optimising)")
    solver: Literal["highs", "cbc"] = "highs"
    time_limit_s: Annotated[float, Field(gt=0)] = 60.0
    mip_gap: Annotated[float, Field(ge=0, lt=1)] = 1e-6
