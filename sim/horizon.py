"""The planning horizon: the days a roster covers, each with its hours and demand.

An optional ``horizon:`` block of a scenario. Without it a scenario is a
horizon of one day (the day it describes), so every one-day file stays valid.

Each listed day is a weekday name (``Mon`` .. ``Sun``) or an ISO date
(``2026-03-02``); days are listed in calendar order. A day may be closed
(``closed: true``: a rest day for everyone), and may override the shared
scenario:

* ``sessions``, ``last_ticket``, ``hard_stop``: its opening hours (a Saturday
  half day); the interval and closed-arrival rule stay shared;
* ``volume_factor``: the day-of-week factor on the walk-in volume;
  ``multipliers``: further named factors (month end x1.15, the day after a
  holiday x1.4); ``daily_volume`` and ``profile``: the day's own volume and
  time-of-day profile;
* ``windows``: windows open per station that day (a Saturday opens about two
  thirds of the counters);
* ``min_staff``: a fixed minimum of staff on duty per station throughout the
  day's ticket hours (the requirement of a textbook cover problem; added to
  whatever the demand requires);
* ``targets``: the day's own targets instead of the shared ones.

``cyclic: true`` says the horizon repeats (a rota week): rest-day and
consecutive-day rules wrap round from the last day to the first.

The day scenarios themselves (one frozen one-day ``Scenario`` per open day)
are built by :mod:`sim.week_days`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

from pydantic import Field, field_validator

from .bounds import MAX_LIST, Factor, Label, Volume, Windows
from .fields import Clock, Code, Frozen, Share, TimeSpan

if TYPE_CHECKING:
    from .scenario import Scenario

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MAX_HORIZON_DAYS = 62


def parse_day(text: str) -> tuple[int, dt.date | None]:
    """``"Tue"`` -> ``(1, None)``; ``"2026-03-03"`` -> ``(1, date)``; ValueError otherwise."""
    if text in WEEKDAYS:
        return WEEKDAYS.index(text), None
    try:
        date = dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a day: use Mon, Tue, Wed, Thu, Fri, Sat, Sun or a date YYYY-MM-DD") from None
    return date.weekday(), date


DayText = Annotated[str, Field(min_length=3, max_length=10)]


class DayMultiplier(Frozen):
    """A named factor on one day's volume (month end, the day after a holiday ...)."""

    name: Code
    factor: Factor


class DayProfileSlot(TimeSpan):
    share: Share


class Day(Frozen):
    """One day of the horizon and how it differs from the shared scenario."""

    day: DayText = Field(description="Mon .. Sun, or a date YYYY-MM-DD")
    label: Label | None = None
    closed: bool = Field(False, description="the hall is closed: nobody works, nobody is served")
    sessions: Annotated[list[TimeSpan], Field(min_length=1, max_length=24)] | None = None
    last_ticket: Clock | None = None
    hard_stop: Clock | None = None
    volume_factor: Factor = Field(1.0, description="day-of-week factor on the walk-in volume")
    multipliers: Annotated[list[DayMultiplier], Field(max_length=50)] = Field(default_factory=list)
    daily_volume: Volume | None = Field(None, description="the day's own walk-in volume (before the factors)")
    profile: Annotated[list[DayProfileSlot], Field(min_length=1, max_length=MAX_LIST)] | None = None
    windows: dict[Code, Windows] = Field(default_factory=dict, description="windows open per station that day")
    min_staff: dict[Code, Annotated[int, Field(ge=0, le=1000)]] = Field(
        default_factory=dict, description="at least this many staff on duty per station through the ticket hours")
    targets: Annotated[list[dict], Field(max_length=100)] | None = Field(
        None, description="the day's own targets (same form as the scenario's targets)")

    @field_validator("day")
    @classmethod
    def _known_day(cls, v: str) -> str:
        parse_day(v)
        return v

    @property
    def weekday(self) -> int:
        return parse_day(self.day)[0]

    @property
    def date(self) -> dt.date | None:
        return parse_day(self.day)[1]

    @property
    def is_saturday(self) -> bool:
        return self.weekday == 5

    @property
    def factor(self) -> float:
        f = self.volume_factor
        for m in self.multipliers:
            f *= m.factor
        return f


class Horizon(Frozen):
    """The days of the plan, in calendar order."""

    days: Annotated[list[Day], Field(min_length=1, max_length=MAX_HORIZON_DAYS)]
    cyclic: bool = Field(False, description="the horizon repeats: rest and consecutive-day rules wrap round")
    week_start: dt.date | None = Field(None, description="date of the first day when days are weekday names "
                                                         "(for calendars); default: the next Monday")

    @field_validator("week_start", mode="before")
    @classmethod
    def _date(cls, v):
        if isinstance(v, str):
            try:
                return dt.date.fromisoformat(v)
            except ValueError:
                raise ValueError(f"'{v}' is not a date YYYY-MM-DD") from None
        return v

    def day_codes(self) -> list[str]:
        return [d.day for d in self.days]

    def calendar_offsets(self) -> list[int]:
        """Calendar position of each day: weekday names are a week (Mon = 0); dates count from the first date."""
        if self.days[0].date is None:
            return [d.weekday for d in self.days]
        return [(d.date - self.days[0].date).days for d in self.days]

    def calendar_days(self) -> int:
        """Calendar days the horizon spans: 7 for weekday names (days not listed are closed), else first to last date."""
        return 7 if self.days[0].date is None else self.calendar_offsets()[-1] + 1

    def weeks(self) -> float:
        """Weeks of the horizon, for weekly hours (weekday names: one week; dates: calendar days / 7)."""
        return 1.0 if self.days[0].date is None else self.calendar_days() / 7.0

    def dates(self, default_start: dt.date) -> list[dt.date]:
        """The date of every day (weekday names from ``week_start`` or ``default_start``)."""
        if all(d.date is not None for d in self.days):
            return [d.date for d in self.days]
        start = self.week_start or default_start
        monday = start + dt.timedelta(days=(-start.weekday()) % 7)
        return [monday + dt.timedelta(days=o) for o in self.calendar_offsets()]


def one_day_horizon() -> Horizon:
    """The horizon of a scenario without one: a single open day."""
    return Horizon(days=[Day(day="Mon")])


def check_horizon(h: Horizon, root: tuple = ("horizon",)) -> list[tuple[tuple, str]]:
    """Structural cross-checks of the horizon alone (order, duplicates, dates mixed with names)."""
    errors = []
    codes = h.day_codes()
    for i, code in enumerate(codes):
        if code in codes[:i]:
            errors.append((root + ("days", i, "day"), f"day '{code}' is listed twice"))
    kinds = {d.date is None for d in h.days}
    if len(kinds) > 1:
        errors.append((root + ("days",), "use either weekday names or dates for every day, not both"))
    elif h.days[0].date is None and len(h.days) > 7:
        errors.append((root + ("days",), "more than 7 weekday names: use dates for a horizon longer than a week"))
    else:
        for i in range(1, len(h.days)):
            a, b = h.days[i - 1], h.days[i]
            later = (b.date > a.date) if b.date is not None else (b.weekday > a.weekday)
            if not later:
                errors.append((root + ("days", i, "day"), f"'{b.day}' is not after '{a.day}': list days in calendar order"))
    if all(d.closed for d in h.days):
        errors.append((root + ("days",), "every day is closed"))
    return errors


def sessions_min(day: Day, scenario: "Scenario") -> tuple[float, float]:
    """Opening and closing minute of ``day``."""
    if day.sessions is not None:
        return day.sessions[0].start, day.sessions[-1].end
    return scenario.hours.open_min, scenario.hours.close_min
