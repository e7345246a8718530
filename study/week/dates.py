"""The calendar dates a week roster is written for (its calendars and wall layout)."""

from __future__ import annotations

import datetime as dt


def default_dates(scenario) -> list[dt.date]:
    """The dates of the horizon's days (weekday names: the week of ``horizon.week_start``, else next Monday)."""
    today = dt.date.today()
    next_monday = today + dt.timedelta(days=(7 - today.weekday()) % 7 or 7)
    if scenario.horizon is None:
        return [next_monday]
    return scenario.horizon.dates(next_monday)
