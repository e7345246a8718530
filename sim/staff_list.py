"""Named staff and the rules a duty roster (排班表) must keep.

An optional ``staff_list:`` block of a scenario:

* ``people``: one entry per person: ``id``, ``name`` (any text, Chinese
  names welcome), ``staff_type`` (cost and attendance come from it),
  ``skills`` with speed factors (default: the staff type's), ``contract``
  (``full_time``: 40 h a week, or ``part_time`` with ``hours_per_week``),
  ``stations`` allowed (default: wherever they hold a needed skill),
  ``unavailable`` days (leave, training, court duty: a day code, or
  ``{day, reason}``), ``preferred_shifts`` and ``forbidden_shifts`` (shift
  template codes of the ``optimise:`` block).
* ``rules``: every rule is named and can be switched off (``enabled:
  false``). Weekly hours scale with the horizon (``hours x calendar days / 7``).

  ============================  ===================================================
  ``max_weekly_hours``          paid hours at most the contract hours
  ``min_weekly_hours``          paid hours at least ``share_of_contract`` of them
                                (``only_if_rostered``: for people rostered at all)
  ``rest_days``                 at least ``min_days`` days off; ``consecutive``: two
                                of them in a row
  ``max_consecutive_days``      at most ``days`` working days in a row
  ``min_rest_between_shifts``   at least ``hours`` from a shift's end to the next start
  ``max_late_duties``           at most ``max`` late duties per ``per_days`` (pro rata, rounded up)
  ``max_saturday_duties``       at most ``max`` Saturday duties per ``per_days`` (pro rata, rounded up)
  ``skills_held``               a person works only at stations where they hold a skill
                                needed there, and serves only the steps they hold
  ============================  ===================================================

  Pro rata: over a horizon of ``D`` calendar days the late and Saturday
  limits are ``ceil(max * D / per_days)`` (``max: 4, per_days: 28``, four
  Saturdays a month, is at most 1 in a 7-day week); duties before or after
  the horizon are not seen (an approximation, stated on the roster page).
* ``duty_kinds``: a shift starting before ``early_start_before`` is an early
  duty, one ending after ``late_end_after`` a late duty.
* ``plan``: how the roster is planned: the requirement method per day, the
  fairness weights, the time limit.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from .bounds import Label, Speed
from .fields import Clock, Code, Frozen
from .horizon import DayText

HOURS_PER_WEEK_FULL_TIME = 40.0
MAX_PEOPLE = 2000


class Contract(Frozen):
    """Full time (40 h a week) or part time (``hours_per_week``)."""

    kind: Literal["full_time", "part_time"] = "full_time"
    hours_per_week: Annotated[float, Field(gt=0, le=84)] | None = Field(
        None, description="contract hours a week (default 40 for full time; required for part time)")

    @property
    def weekly_hours(self) -> float:
        return self.hours_per_week if self.hours_per_week is not None else HOURS_PER_WEEK_FULL_TIME


class Absence(Frozen):
    """A day a person cannot work, and why."""

    day: DayText
    reason: Label = "leave"


class Person(Frozen):
    """One named member of staff."""

    id: Code
    name: Annotated[str, Field(min_length=1, max_length=100)]
    staff_type: Code
    skills: dict[Code, Speed] | None = Field(None, description="skill -> speed factor (default: the staff type's)")
    contract: Contract = Field(default_factory=lambda: Contract())
    stations: Annotated[list[Code], Field(min_length=1)] | None = None
    unavailable: list[DayText | Absence] = Field(default_factory=list)
    preferred_shifts: list[Code] = Field(default_factory=list)
    forbidden_shifts: list[Code] = Field(default_factory=list)

    def absences(self) -> dict[str, str]:
        """Day code -> reason."""
        return {(a if isinstance(a, str) else a.day): ("leave" if isinstance(a, str) else a.reason)
                for a in self.unavailable}


class Switch(Frozen):
    enabled: bool = True


class MaxWeeklyHours(Switch):
    pass


class MinWeeklyHours(Switch):
    share_of_contract: Annotated[float, Field(ge=0, le=1)] = 0.0
    only_if_rostered: bool = False


class RestDays(Switch):
    min_days: Annotated[int, Field(ge=0, le=7)] = 1
    consecutive: bool = False


class MaxConsecutiveDays(Switch):
    days: Annotated[int, Field(ge=1, le=31)] = 6


class MinRest(Switch):
    hours: Annotated[float, Field(ge=0, le=24)] = 11.0


class MaxDuties(Switch):
    max: Annotated[int, Field(ge=0, le=31)] = 2
    per_days: Annotated[int, Field(ge=1, le=31)] = 7


class Rules(Frozen):
    """The named rules of a roster; each can be switched off."""

    max_weekly_hours: MaxWeeklyHours = MaxWeeklyHours()
    min_weekly_hours: MinWeeklyHours = MinWeeklyHours()
    rest_days: RestDays = RestDays()
    max_consecutive_days: MaxConsecutiveDays = MaxConsecutiveDays()
    min_rest_between_shifts: MinRest = MinRest()
    max_late_duties: MaxDuties = MaxDuties(max=3)
    max_saturday_duties: MaxDuties = MaxDuties(max=1)
    skills_held: Switch = Switch()


class DutyKinds(Frozen):
    early_start_before: Clock = Field(510.0, description="a shift starting before this is an early duty")
    late_end_after: Clock = Field(1050.0, description="a shift ending after this is a late duty")


class Plan(Frozen):
    """How the week's roster is planned."""

    requirements: Literal["transient", "time_varying", "sipp", "min_staff_only"] = Field(
        "transient", description="requirement method per day (min_staff_only: only the days' min_staff)")
    fairness: Literal["lexicographic", "off"] = Field(
        "lexicographic", description="after the least cost, the fairest roster of that cost (a second solve)")
    weight_preferences: Annotated[float, Field(ge=0, le=100)] = Field(
        1.0, description="fairness stage: weight of a non-preferred shift against one duty of spread")
    shortfall: Literal["report", "error"] = Field(
        "report", description="cover the staff cannot give: staff what they can and report it (report), or stop "
                              "with the diagnosis of the week (error); the rules are never broken")
    time_limit_s: Annotated[float, Field(gt=0, le=3600)] = 60.0
    mip_gap: Annotated[float, Field(ge=0, lt=1)] = 1e-6


class StaffList(Frozen):
    """The named staff of a hall, the rules of their roster, and how it is planned."""

    people: Annotated[list[Person], Field(min_length=1, max_length=MAX_PEOPLE)]
    rules: Rules = Rules()
    duty_kinds: DutyKinds = DutyKinds()
    plan: Plan = Plan()
